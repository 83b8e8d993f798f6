//! The versioned [`RunReport`] — the contract every output is a pure function of — and its
//! serializers: terminal table, `summary.json`, `timeseries.csv`. Serializers return bytes; only
//! the CLI writes files.

pub mod charts;
pub mod check;
pub mod compare;
pub mod cost;
pub mod csv;
pub mod focus;
pub mod html;
pub mod json;
pub mod markdown;
pub mod marks;
pub mod series;
pub mod svg;
pub mod table;

/// The columns of the commitment-sizing table, in the HTML report and the Markdown summary.
pub(crate) const SIZING_COLUMNS: [&str; 5] = [
    "resource",
    "recommendation",
    "always on / peak units",
    "break-even use",
    "saving / year",
];

use serde::Serialize;

use crate::metrics::slo::MonthAgg;
use crate::model::RunOutput;
use crate::scenario::Scenario;
use crate::sim::{HOUR_MS, TimeMs};

/// Bumped when a field changes meaning, type or disappears (adding fields keeps the version).
/// 2: money in `cost` is a JSON number of dollars, no longer a decimal string.
pub const SCHEMA_VERSION: u32 = 2;

/// The result of one run, as saved in `summary.json`.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, schemars::JsonSchema)]
pub struct RunReport {
    pub schema_version: u32,
    pub capsim_version: String,
    pub scenario: ScenarioInfo,
    pub clouds: Vec<CloudInfo>,
    /// One entry per service and cloud.
    pub services: Vec<ServiceSummary>,
    pub slo: SloSummary,
    pub database: Option<DatabaseSummary>,
    pub cache: Option<CacheSummary>,
    pub node_pools: Vec<NodePoolSummary>,
    pub outages: Vec<OutageSummary>,
    /// Every deploy (`type: deploy` events) of every service instance, in start order; absent
    /// from `summary.json` when the scenario has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deploys: Vec<DeploySummary>,
    /// Deploys that came while one of the same instance was still rolling out, and were skipped.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub deploys_skipped: u32,
    /// Monthly cost per purchase variant (absent when the run was not priced).
    pub cost: Option<cost::CostSummary>,
    /// Per local day: the peaks the charts draw.
    pub series: series::DailySeries,
    /// Bounded detail at output resolution: the peak day and each outage's window.
    #[serde(default)]
    pub intraday: Vec<series::IntradayWindow>,
    /// The scenario's own gate (`spec.check`, `slo.cacheHitRatio`), judged by the HTML report
    /// with `capsim check`'s evaluation; `null` when the scenario sets no rule.
    #[serde(default)]
    pub check: Option<CheckRules>,
    /// Which totals rest on price-book rows that are estimates or stale (`null`: not priced).
    #[serde(default)]
    pub price_marks: Option<marks::PriceMarks>,
    pub engine: EngineInfo,
}

/// `spec.check` as the scenario states it (with `slo.cacheHitRatio` as the cache rule, as
/// `capsim check` takes it when no flag overrides it).
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, schemars::JsonSchema)]
pub struct CheckRules {
    pub monthly_budget_usd: Option<f64>,
    /// The purchase variant the budget applies to.
    pub variant: String,
    pub max_increase_usd: Option<f64>,
    pub max_increase_pct: Option<f64>,
    /// The baseline `summary.json` the increase rules compare against (as written in the scenario).
    pub baseline: Option<String>,
    pub min_latency_compliance: Option<f64>,
    pub min_availability: Option<f64>,
    pub min_cache_hit_ratio: Option<f64>,
}

impl CheckRules {
    fn of(s: &Scenario) -> Option<CheckRules> {
        let c = &s.check;
        let r = CheckRules {
            monthly_budget_usd: c.monthly_budget_usd,
            variant: c.variant.clone().unwrap_or_else(|| "on-demand".to_string()),
            max_increase_usd: c.max_increase_usd,
            max_increase_pct: c.max_increase_pct,
            baseline: c.baseline.clone(),
            min_latency_compliance: c.min_latency_compliance,
            min_availability: c.min_availability,
            min_cache_hit_ratio: s.platform.slo.cache_hit_ratio,
        };
        (!r.rules(false).is_empty()).then_some(r)
    }

    /// The gate's rules; the increase rules only `with_increase` (they need a baseline run).
    pub fn rules(&self, with_increase: bool) -> check::Rules {
        check::Rules {
            monthly_budget_usd: self.monthly_budget_usd,
            variant: self.variant.clone(),
            max_increase_usd: self.max_increase_usd.filter(|_| with_increase),
            max_increase_pct: self.max_increase_pct.filter(|_| with_increase),
            min_latency_compliance: self.min_latency_compliance,
            min_availability: self.min_availability,
            min_cache_hit_ratio: self.min_cache_hit_ratio,
        }
    }
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, schemars::JsonSchema)]
pub struct CloudInfo {
    pub name: String,
    pub provider: String,
    /// Share of traffic (0..1).
    pub weight: f64,
}

/// Per calendar month: SLO compliance of a request path or a service.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, schemars::JsonSchema)]
pub struct MonthSlo {
    pub month: String,
    /// Share of SLO windows whose p95 met the target.
    pub latency_compliance: f64,
    /// Successful / offered requests over the month.
    pub availability: f64,
    /// Error budget used: (1 − availability) / (1 − target); > 1 means the budget is blown.
    pub error_budget_burn: f64,
    pub windows: u32,
    pub failed_requests: f64,
    /// Worst p95 of a failing window (0 when no window failed).
    pub worst_p95_ms: f64,
    /// Worst p95 of any window of the month, failing or not.
    #[serde(default)]
    pub worst_window_p95_ms: f64,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, schemars::JsonSchema)]
pub struct ServiceSlo {
    pub service: String,
    pub months: Vec<MonthSlo>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, schemars::JsonSchema)]
pub struct AlertSummary {
    pub name: String,
    /// The rule: `dbConnections > 80 for 5 min`.
    #[serde(default)]
    pub condition: String,
    pub firing_hours: f64,
    pub firings: u32,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, schemars::JsonSchema)]
pub struct SloSummary {
    pub latency_p95_target_ms: f64,
    pub availability_target: f64,
    pub window_s: f64,
    /// The request path the SLO is about, entry first.
    pub path: Vec<String>,
    /// The path, month by month.
    pub months: Vec<MonthSlo>,
    pub services: Vec<ServiceSlo>,
    pub alerts: Vec<AlertSummary>,
    pub violating_windows: u32,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, schemars::JsonSchema)]
pub struct DbInstanceSummary {
    pub name: String,
    pub peak_connections: f64,
    pub peak_connections_at: String,
    /// Most connections the pods' pools asked for (beyond the limit they are refused).
    pub peak_demanded_connections: f64,
    pub peak_demanded_at: String,
    pub minutes_with_refused_connections: u32,
    pub peak_cpu_utilisation: f64,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, schemars::JsonSchema)]
pub struct DatabaseSummary {
    pub max_connections: u32,
    pub reserved_connections: u32,
    /// Connections left for the services on each instance.
    pub connection_limit: f64,
    pub pooler: bool,
    /// Connections the pools would ask of the primary if every service in every cloud ran at its
    /// HPA's maxReplicas (fixed services at their replicas): the worst case the plan allows.
    pub connections_at_max_replicas: f64,
    pub instances: Vec<DbInstanceSummary>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, schemars::JsonSchema)]
pub struct CacheSummary {
    pub node_type: String,
    pub nodes: u32,
    pub min_hit_ratio: f64,
    pub min_hit_ratio_at: String,
    pub mean_hit_ratio: f64,
    /// `slo.cacheHitRatio`: the smallest mean hit ratio a month may have (`null`: none set).
    pub hit_ratio_target: Option<f64>,
    /// Each calendar month's mean hit ratio.
    pub months: Vec<CacheMonth>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, schemars::JsonSchema)]
pub struct CacheMonth {
    pub month: String,
    pub mean_hit_ratio: f64,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, schemars::JsonSchema)]
pub struct NodePoolSummary {
    pub name: String,
    pub cloud: String,
    pub instance_type: String,
    pub capacity_type: String,
    pub peak_nodes: u32,
    pub peak_nodes_at: String,
    pub node_hours: f64,
    pub spot_interruptions: u32,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, schemars::JsonSchema)]
pub struct OutageSummary {
    pub cloud: String,
    pub start: String,
    pub end: String,
    pub violating_windows: u32,
    pub worst_window_availability: f64,
    pub worst_window_p95_ms: f64,
    /// End of the last failing SLO window (null: none failed).
    pub recovered_at: Option<String>,
    /// From the outage start to `recovered_at`.
    pub recovery_minutes: Option<f64>,
}

/// One deploy of one service instance.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, schemars::JsonSchema)]
pub struct DeploySummary {
    pub service: String,
    pub cloud: String,
    /// `rolling` or `blueGreen`.
    pub strategy: String,
    pub started: String,
    /// When the last old pod was deleted and every new one was Ready (a blue-green: its switch);
    /// null when it was still rolling out at the end of the run.
    pub rolled_out: Option<String>,
    pub rolled_out_after_s: Option<f64>,
    /// The most pods (not terminating) during the rollout, against `spec.replicas` when it
    /// started.
    pub peak_pods: u32,
    pub replicas: u32,
    /// What the rollout's extra pools asked of the primary at its peak: (pods holding a pool −
    /// replicas) × poolSize (as many again to a read replica where the cloud has one); null for
    /// a service without a database.
    pub extra_db_connections_at_peak: Option<f64>,
}

impl DeploySummary {
    /// Pods above `spec.replicas` at the rollout's peak: what a deploy costs in capacity.
    pub fn surge(&self) -> u32 {
        self.peak_pods.saturating_sub(self.replicas)
    }
}

/// The deploy with the largest surge, the first of equals: the one every report names as the
/// largest peak.
pub fn largest_surge<'a>(
    deploys: impl IntoIterator<Item = &'a DeploySummary>,
) -> Option<&'a DeploySummary> {
    deploys.into_iter().fold(None, |best, d| match best {
        Some(b) if b.surge() >= d.surge() => Some(b),
        _ => Some(d),
    })
}

/// The longest rollout in seconds, or `None` when one was still rolling out at the end (then
/// it is the longest, unfinished).
pub fn longest_rollout_s<'a>(deploys: impl IntoIterator<Item = &'a DeploySummary>) -> Option<f64> {
    deploys
        .into_iter()
        .try_fold(0.0, |m: f64, d| d.rolled_out_after_s.map(|s| m.max(s)))
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The run's deploys in start order (then by instance), and how many were skipped.
fn deploys(s: &Scenario, out: &RunOutput) -> (Vec<DeploySummary>, u32) {
    let n_svc = s.services.len();
    let mut all: Vec<(i64, usize, DeploySummary)> = Vec::new();
    let mut skipped = 0;
    for (i, (records, skip)) in out.deploys.iter().enumerate() {
        skipped += skip;
        let svc = &s.services[i % n_svc];
        let (cloud, name) = &out.instance_names[i];
        for d in records {
            let extra = d.peak_pool_pods.saturating_sub(d.replicas_at_start);
            all.push((
                d.started_ms,
                i,
                DeploySummary {
                    service: name.clone(),
                    cloud: cloud.clone(),
                    strategy: if d.blue_green { "blueGreen" } else { "rolling" }.to_string(),
                    started: local_time(s, d.started_ms),
                    rolled_out: d.done_ms.map(|t| local_time(s, t)),
                    rolled_out_after_s: d.done_ms.map(|t| (t - d.started_ms) as f64 / 1000.0),
                    peak_pods: d.peak_active,
                    replicas: d.replicas_at_start,
                    extra_db_connections_at_peak: svc
                        .database
                        .map(|db| f64::from(extra) * f64::from(db.pool_size)),
                },
            ));
        }
    }
    all.sort_by_key(|(t, i, _)| (*t, *i));
    (all.into_iter().map(|(_, _, d)| d).collect(), skipped)
}

/// Hours in an average month: 8,760 / 12, the month cloud price lists quote.
pub const HOURS_PER_MONTH: f64 = 730.0;

impl ScenarioInfo {
    /// What turns the run's total into an average month: 730 h over the hours simulated. Every
    /// output that shows a cost "per month" for the whole run uses it, so a 31-day run across
    /// two calendar months shows one month's cost, not half of it.
    pub fn per_month_factor(&self) -> f64 {
        if self.duration_hours > 0.0 {
            HOURS_PER_MONTH / self.duration_hours
        } else {
            1.0
        }
    }
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, schemars::JsonSchema)]
pub struct ScenarioInfo {
    pub name: String,
    pub description: String,
    pub file: String,
    pub seed: u64,
    /// First simulated day (local midnight).
    pub start: String,
    /// Exclusive end date.
    pub end: String,
    pub time_zone: String,
    pub duration_hours: f64,
    pub output_resolution_s: f64,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, schemars::JsonSchema)]
pub struct ServiceSummary {
    pub name: String,
    pub cloud: String,
    /// The HPA's bounds; `null` for a service with fixed replicas.
    pub hpa_min_replicas: Option<u32>,
    pub hpa_max_replicas: Option<u32>,
    /// `spec.replicas` (what the HPA asked for) over the run.
    pub min_replicas: u32,
    /// Time-weighted mean of `spec.replicas`.
    pub mean_replicas: f64,
    pub peak_replicas: u32,
    /// When `spec.replicas` first reached its peak (local time, RFC 3339).
    pub peak_replicas_at: String,
    /// Pod-hours of every pod that existed (starting, ready or terminating): what occupies nodes.
    pub replica_hours: f64,
    pub peak_rps: f64,
    pub peak_rps_at: String,
    pub scale_up_events: u32,
    pub scale_down_events: u32,
    /// Hours with `spec.replicas` at maxReplicas.
    pub hours_at_max_replicas: f64,
    /// Fewest Ready pods at any moment.
    pub min_ready_replicas: u32,
    pub offered_requests: f64,
    pub failed_requests: f64,
    /// Successful / offered requests over the run.
    pub availability: f64,
    /// Why this instance has no pods, when the service runs only in other clouds (it names
    /// node pools none of which is in this cloud); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_placed: Option<String>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, schemars::JsonSchema)]
pub struct EngineInfo {
    /// Discrete events the engine handled (deterministic; wall time is not recorded, so the
    /// report stays byte-identical across runs).
    pub events: u64,
}

/// Local time of a simulated instant, RFC 3339 with offset, to the second.
pub fn local_time(s: &Scenario, t_ms: TimeMs) -> String {
    let start = s.simulation.start_timestamp();
    let ts = jiff::Timestamp::from_millisecond(start.as_millisecond() + t_ms).unwrap_or(start);
    ts.to_zoned_datetime(s.simulation.time_zone.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Round for presentation so reports do not carry float noise (3 decimals).
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Round to 6 decimals (ratios such as 0.999).
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// A ratio as a percentage for people: `0.99945` → `99.945 %`.
pub(crate) fn pct(x: f64) -> String {
    format!("{:.3} %", x * 100.0)
}

/// An RFC 3339 local time to the minute for tables: `2026-09-24T20:16:05+09:00` → `2026-09-24 20:16`.
pub(crate) fn short_time(t: &str) -> String {
    t.chars().take(16).collect::<String>().replace('T', " ")
}

/// One line per service instance that is not placed, saying why (after a services table).
pub(crate) fn not_placed_notes(services: &[ServiceSummary]) -> String {
    services
        .iter()
        .filter_map(|v| {
            v.not_placed
                .as_ref()
                .map(|why| format!("{}@{} is not placed: {why}.\n", v.name, v.cloud))
        })
        .collect()
}

impl ServiceSummary {
    /// When the replica count peaked, for a table cell (to the minute; `–` for an instance
    /// that is not placed: it never had a pod).
    pub(crate) fn peak_at_cell(&self) -> String {
        match self.not_placed {
            Some(_) => "–".to_string(),
            None => short_time(&self.peak_replicas_at),
        }
    }

    /// The availability for a table cell (`–` for an instance that is not placed: it served
    /// nothing, its users' traffic went to the clouds it runs in).
    pub(crate) fn availability_cell(&self) -> String {
        match self.not_placed {
            Some(_) => "–".to_string(),
            None => pct(self.availability),
        }
    }

    /// The HPA's bounds for a table cell: `3..20`, or `fixed` without an HPA.
    pub(crate) fn hpa_range(&self) -> String {
        if self.not_placed.is_some() {
            return "not placed".to_string();
        }
        match (self.hpa_min_replicas, self.hpa_max_replicas) {
            (Some(a), Some(b)) => format!("{a}..{b}"),
            _ => "fixed".to_string(),
        }
    }
}

impl SloSummary {
    /// The objective in words, as the terminal table and the Markdown summary both state it.
    pub(crate) fn objective(&self) -> String {
        format!(
            "p95 < {:.0} ms per {:.0}-minute window, availability ≥ {}",
            self.latency_p95_target_ms,
            self.window_s / 60.0,
            pct(self.availability_target)
        )
    }
}

impl MonthSlo {
    /// The cells the terminal table and the Markdown summary both show for a month: the month,
    /// latency compliance, availability and error-budget burn.
    pub(crate) fn cells(&self) -> Vec<String> {
        vec![
            self.month.clone(),
            pct(self.latency_compliance),
            pct(self.availability),
            format!("{:.2}", self.error_budget_burn),
        ]
    }
}

/// An alert rule in words: `dbConnections > 80 for 5 min`.
fn alert_condition(a: &crate::scenario::platform::AlertRule) -> String {
    use crate::scenario::platform::AlertMetric;
    let metric = match a.metric {
        AlertMetric::ErrorRate => "error rate",
        AlertMetric::DbConnections => "database connections",
        AlertMetric::LatencyP95Ms => "path p95 (ms)",
    };
    let secs = a.for_ms as f64 / 1000.0;
    let dur = if secs >= 60.0 && secs % 60.0 == 0.0 {
        format!("{} min", secs / 60.0)
    } else {
        format!("{secs} s")
    };
    format!("{metric} > {} for {dur}", a.above)
}

fn month_slo(label: &str, m: &MonthAgg, target: f64) -> MonthSlo {
    let availability = m.availability();
    MonthSlo {
        month: label.to_string(),
        latency_compliance: round6(m.latency_compliance()),
        availability: round6(availability),
        error_budget_burn: round3((1.0 - availability) / (1.0 - target)),
        windows: m.windows,
        failed_requests: round3(m.failed),
        worst_p95_ms: round3(m.worst_p95_s * 1000.0),
        worst_window_p95_ms: round3(m.worst_window_p95_s * 1000.0),
    }
}

impl RunReport {
    /// The report of a run; `priced` is its cost and the price book it was priced with.
    pub fn build(
        s: &Scenario,
        out: &RunOutput,
        priced: Option<(
            &crate::cost::price::CostReport,
            &crate::cost::pricebook::PriceBook,
        )>,
    ) -> RunReport {
        let n_svc = s.services.len();
        let placed = crate::model::placements(s);
        let services = out
            .stats
            .iter()
            .enumerate()
            .map(|(i, st)| {
                let svc = &s.services[i % n_svc];
                let not_placed = (!placed.get(i).copied().unwrap_or(true)).then(|| {
                    format!(
                        "{} runs only on its node pools ({}), none of them in {}",
                        svc.name,
                        svc.node_pools.join(", "),
                        out.instance_names[i].0
                    )
                });
                // An instance that is not placed has no pods and no HPA in the run.
                let hpa = svc.hpa.as_ref().filter(|_| not_placed.is_none());
                let availability = if st.offered_requests > 0.0 {
                    1.0 - st.failed_requests / st.offered_requests
                } else {
                    1.0
                };
                ServiceSummary {
                    name: svc.name.clone(),
                    cloud: out.instance_names[i].0.clone(),
                    hpa_min_replicas: hpa.map(|h| h.min_replicas as u32),
                    hpa_max_replicas: hpa.map(|h| h.max_replicas as u32),
                    min_replicas: st.min_replicas,
                    mean_replicas: round3(st.mean_replicas(out.duration_ms)),
                    peak_replicas: st.peak_replicas,
                    peak_replicas_at: local_time(s, st.peak_replicas_at_ms),
                    replica_hours: round3(st.replica_hours()),
                    peak_rps: round3(st.peak_rps),
                    peak_rps_at: local_time(s, st.peak_rps_at_ms),
                    scale_up_events: st.scale_ups,
                    scale_down_events: st.scale_downs,
                    hours_at_max_replicas: round3(st.hours_at_max()),
                    min_ready_replicas: st.ready_min,
                    offered_requests: round3(st.offered_requests),
                    failed_requests: round3(st.failed_requests),
                    availability: round6(availability),
                    not_placed,
                }
            })
            .collect();
        let slo_cfg = &s.platform.slo;
        let months = out.slo.months();
        let slo = SloSummary {
            latency_p95_target_ms: slo_cfg.latency_p95_ms,
            availability_target: slo_cfg.availability,
            window_s: slo_cfg.window_ms as f64 / 1000.0,
            path: slo_cfg
                .path
                .iter()
                .map(|&i| s.services[i].name.clone())
                .collect(),
            months: months
                .iter()
                .zip(&out.slo.path_months)
                .map(|((label, _), m)| month_slo(label, m, slo_cfg.availability))
                .collect(),
            services: s
                .services
                .iter()
                .zip(&out.slo.service_months)
                .map(|(svc, ms)| ServiceSlo {
                    service: svc.name.clone(),
                    months: months
                        .iter()
                        .zip(ms)
                        .map(|((label, _), m)| month_slo(label, m, slo_cfg.availability))
                        .collect(),
                })
                .collect(),
            alerts: out
                .slo
                .alert_totals()
                .into_iter()
                .zip(&slo_cfg.alerts)
                .map(|(a, rule)| AlertSummary {
                    condition: alert_condition(rule),
                    name: a.name,
                    firing_hours: round3(a.firing_ms as f64 / HOUR_MS as f64),
                    firings: a.firings,
                })
                .collect(),
            violating_windows: out.slo.violations.len() as u32,
        };
        let database = s.platform.database.as_ref().map(|d| DatabaseSummary {
            max_connections: d.max_connections,
            reserved_connections: d.reserved_connections,
            connection_limit: out.db_connection_limit.unwrap_or(0.0),
            pooler: d.pooler.is_some(),
            connections_at_max_replicas: s.platform.clouds.len() as f64
                * s.services
                    .iter()
                    .filter_map(|svc| {
                        let pods = svc
                            .hpa
                            .as_ref()
                            .map_or(svc.initial_replicas, |h| h.max_replicas as u32);
                        svc.database
                            .map(|db| f64::from(pods) * f64::from(db.pool_size))
                    })
                    .sum::<f64>(),
            instances: out
                .db
                .iter()
                .map(|i| DbInstanceSummary {
                    name: i.name.clone(),
                    peak_connections: round3(i.peak_connections),
                    peak_connections_at: local_time(s, i.peak_connections_at_ms),
                    peak_demanded_connections: round3(i.peak_demanded),
                    peak_demanded_at: local_time(s, i.peak_demanded_at_ms),
                    minutes_with_refused_connections: i.refused_minutes,
                    peak_cpu_utilisation: round3(i.peak_cpu_utilisation),
                })
                .collect(),
        });
        let cache = s.platform.cache.as_ref().map(|c| CacheSummary {
            node_type: c.node_type.clone(),
            nodes: c.nodes,
            min_hit_ratio: round6(out.cache_min_hit_ratio.map_or(0.0, |(h, _)| h)),
            min_hit_ratio_at: local_time(s, out.cache_min_hit_ratio.map_or(0, |(_, t)| t)),
            mean_hit_ratio: round6(out.cache_mean_hit_ratio.unwrap_or(0.0)),
            hit_ratio_target: s.platform.slo.cache_hit_ratio,
            months: out
                .monthly
                .months
                .iter()
                .zip(&out.cache_monthly_hit_ratio)
                .filter_map(|((month, _), h)| {
                    h.map(|h| CacheMonth {
                        month: month.clone(),
                        mean_hit_ratio: round6(h),
                    })
                })
                .collect(),
        });
        let node_pools = out
            .pools
            .iter()
            .map(|p| NodePoolSummary {
                name: p.name.clone(),
                cloud: p.cloud.clone(),
                instance_type: p.instance_type.clone(),
                capacity_type: if p.spot { "spot" } else { "on-demand" }.to_string(),
                peak_nodes: p.peak_nodes,
                peak_nodes_at: local_time(s, p.peak_at_ms),
                node_hours: round3(p.node_ms / HOUR_MS as f64),
                spot_interruptions: p.interruptions,
            })
            .collect();
        let outages = out
            .outages
            .iter()
            .map(|o| OutageSummary {
                cloud: o.cloud.clone(),
                start: local_time(s, o.start_ms),
                end: local_time(s, o.end_ms),
                violating_windows: o.violating_windows,
                worst_window_availability: round6(o.worst_availability),
                worst_window_p95_ms: round3(o.worst_p95_s * 1000.0),
                recovered_at: o.recovered_at_ms.map(|t| local_time(s, t)),
                recovery_minutes: o
                    .recovered_at_ms
                    .map(|t| round3((t - o.start_ms) as f64 / 60_000.0)),
            })
            .collect();
        let (deploys, deploys_skipped) = deploys(s, out);
        RunReport {
            schema_version: SCHEMA_VERSION,
            capsim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: ScenarioInfo {
                name: s.name.clone(),
                description: s.description.clone(),
                file: s.file.clone(),
                seed: s.simulation.seed,
                start: s.simulation.start.to_string(),
                end: s.simulation.end.to_string(),
                time_zone: s.simulation.time_zone_name.clone(),
                duration_hours: round3(out.duration_ms as f64 / HOUR_MS as f64),
                output_resolution_s: s.simulation.output_resolution_ms as f64 / 1000.0,
            },
            clouds: s
                .platform
                .clouds
                .iter()
                .map(|c| CloudInfo {
                    name: c.name.clone(),
                    provider: c.provider.clone(),
                    weight: round6(c.weight),
                })
                .collect(),
            services,
            slo,
            database,
            cache,
            node_pools,
            outages,
            deploys,
            deploys_skipped,
            cost: priced.map(|(c, _)| cost::CostSummary::of(c)),
            series: series::daily(s, out),
            intraday: series::intraday(s, out),
            check: CheckRules::of(s),
            price_marks: priced.map(|(c, book)| marks::PriceMarks::of(c, book, s.simulation.start)),
            engine: EngineInfo {
                events: out.events_handled,
            },
        }
    }
}

/// The report of a bundled test fixture (`tests/fixtures/<name>.yaml`), simulated and priced with
/// the built-in price book, for the unit tests of the renderers.
#[cfg(test)]
pub(crate) fn fixture_report(name: &str) -> RunReport {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{name}.yaml"));
    let s = crate::scenario::load(&path).unwrap();
    let out = crate::model::simulate(&s);
    let book = crate::cost::pricebook::PriceBook::builtin();
    let priced = crate::cost::cost_of(&s, &out, &book).unwrap();
    RunReport::build(&s, &out, Some((&priced, &book)))
}

#[cfg(test)]
mod deploy_tests {
    use super::*;

    fn deploy(service: &str, peak: u32, replicas: u32, took_s: Option<f64>) -> DeploySummary {
        DeploySummary {
            service: service.into(),
            cloud: "aws".into(),
            strategy: "rolling".into(),
            started: "2026-01-06T14:00:00+09:00".into(),
            rolled_out: None,
            rolled_out_after_s: took_s,
            peak_pods: peak,
            replicas,
            extra_db_connections_at_peak: None,
        }
    }

    /// The Markdown named the deploy with the most pods above its replicas, report.html the
    /// one with the most pods: here 6 of 5 against 5 of 3. Both now name the larger surge.
    #[test]
    fn the_largest_peak_is_the_largest_surge_and_the_first_of_equals() {
        let (a, b, c) = (
            deploy("a", 6, 5, Some(60.0)),
            deploy("b", 5, 3, Some(90.0)),
            deploy("c", 7, 5, Some(30.0)),
        );
        assert_eq!(largest_surge([&a, &b, &c]).unwrap().service, "b");
        assert_eq!(largest_surge([&c, &b]).unwrap().service, "c");
        assert_eq!(longest_rollout_s([&a, &b, &c]), Some(90.0));
        let unfinished = deploy("d", 4, 3, None);
        assert_eq!(longest_rollout_s([&a, &unfinished]), None);
        assert!(largest_surge(std::iter::empty()).is_none());
    }
}
