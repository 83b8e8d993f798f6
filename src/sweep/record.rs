//! One sweep run's result row: the figures architects and finance compare across runs (peak
//! replicas and nodes, SLO compliance, database connections, cache hit ratio, yearly and monthly
//! cost per purchase variant), taken from the run's [`RunReport`] and [`CostReport`]. Plain Rust;
//! the tables are built from these rows in [`super::frame`].

use crate::cost::price::{CostReport, Variant};
use crate::report::RunReport;

/// A cell of a result row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
}

/// The identifying columns every row starts with, in this order.
pub const RUN_ID: &str = "run_id";
pub const POINT: &str = "point";
pub const REPLICATE: &str = "replicate";
pub const SEED: &str = "seed";
/// 1 when the run met every SLO in every month (see [`SloRule`]).
pub const SLO_MET: &str = "slo_met";

/// When a run counts as meeting its SLOs: in every month, latency compliance (share of windows
/// with p95 under target) and availability at or above these minimums.
#[derive(
    Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct SloRule {
    pub min_latency_compliance: f64,
    pub min_availability: f64,
}

impl SloRule {
    /// The scenario's `spec.check` minimums; where it sets none, its SLO's availability target
    /// serves for both (the usual single objective percentage).
    pub fn of(s: &crate::scenario::Scenario) -> SloRule {
        let rules = crate::report::check::Rules::slos(s);
        SloRule {
            min_latency_compliance: rules.min_latency_compliance.unwrap_or(1.0),
            min_availability: rules.min_availability.unwrap_or(1.0),
        }
    }

    pub fn describe(&self) -> String {
        format!(
            "every month: p95 under target in ≥ {} % of windows and availability ≥ {} %",
            percent(self.min_latency_compliance),
            percent(self.min_availability)
        )
    }

    /// Judged by the CI gate's own SLO rules (`capsim check`), so a sweep's "met" and a gate's
    /// pass cannot drift apart (a report without SLO months meets nothing).
    pub fn met_by(&self, r: &RunReport) -> bool {
        let rules = crate::report::check::Rules {
            min_latency_compliance: Some(self.min_latency_compliance),
            min_availability: Some(self.min_availability),
            ..Default::default()
        };
        crate::report::check::evaluate(r, None, &rules).passed
    }
}

/// `0.999` → `99.9` (no float dust, at most 4 decimals).
fn percent(ratio: f64) -> String {
    let s = format!("{:.4}", ratio * 100.0);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// One run's row: (column name, value) in a fixed order for a given scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub cells: Vec<(String, Cell)>,
}

/// Build run `spec`'s row.
pub fn row(
    spec: &super::grid::RunSpec,
    params: &[(String, String)],
    report: &RunReport,
    priced: &CostReport,
    rule: &SloRule,
) -> Row {
    let mut cells: Vec<(String, Cell)> = vec![
        (RUN_ID.into(), Cell::Int(spec.run_id as i64)),
        (POINT.into(), Cell::Int(spec.point as i64)),
        (REPLICATE.into(), Cell::Int(spec.replicate as i64)),
        // As text: a u64 seed does not fit the signed integers every reader of CSV/Parquet has.
        (SEED.into(), Cell::Text(spec.seed.to_string())),
    ];
    for (column, value) in params {
        cells.push((column.clone(), Cell::Text(value.clone())));
    }
    let mut put = |name: String, c: Cell| cells.push((name, c));
    put(SLO_MET.into(), Cell::Bool(rule.met_by(report)));
    let months = &report.slo.months;
    let worst =
        |f: fn(&crate::report::MonthSlo) -> f64| months.iter().map(f).fold(f64::INFINITY, f64::min);
    if !months.is_empty() {
        put(
            "slo.worst_month_latency_compliance".into(),
            Cell::Float(worst(|m| m.latency_compliance)),
        );
        put(
            "slo.worst_month_availability".into(),
            Cell::Float(worst(|m| m.availability)),
        );
    }
    put(
        "slo.violating_windows".into(),
        Cell::Int(i64::from(report.slo.violating_windows)),
    );
    for s in &report.services {
        put(
            format!("peak_replicas.{}.{}", s.name, s.cloud),
            Cell::Int(i64::from(s.peak_replicas)),
        );
    }
    for s in &report.services {
        put(
            format!("hours_at_max_replicas.{}.{}", s.name, s.cloud),
            Cell::Float(s.hours_at_max_replicas),
        );
    }
    for p in &report.node_pools {
        put(
            format!("peak_nodes.{}", p.name),
            Cell::Int(i64::from(p.peak_nodes)),
        );
    }
    if let Some(db) = &report.database {
        let peak = db
            .instances
            .iter()
            .map(|i| i.peak_connections)
            .fold(0.0, f64::max);
        let demanded = db
            .instances
            .iter()
            .map(|i| i.peak_demanded_connections)
            .fold(0.0, f64::max);
        let refused: u32 = db
            .instances
            .iter()
            .map(|i| i.minutes_with_refused_connections)
            .sum();
        let cpu = db
            .instances
            .iter()
            .map(|i| i.peak_cpu_utilisation)
            .fold(0.0, f64::max);
        put("db.peak_connections".into(), Cell::Float(peak));
        put("db.peak_demanded_connections".into(), Cell::Float(demanded));
        put(
            "db.minutes_with_refused_connections".into(),
            Cell::Int(i64::from(refused)),
        );
        put("db.peak_cpu_utilisation".into(), Cell::Float(cpu));
    }
    if let Some(c) = &report.cache {
        put("cache.min_hit_ratio".into(), Cell::Float(c.min_hit_ratio));
        put("cache.mean_hit_ratio".into(), Cell::Float(c.mean_hit_ratio));
    }
    // Commitment sizing per node pool and term, so the aggregates give its spread over the
    // runs (min, p50, max): 0 where the book has no such commitment.
    for p in &report.node_pools {
        let resource = format!("node pool {}", p.name);
        for term in COMMIT_TERMS {
            let z = priced.sizing.iter().find(|z| {
                z.environment == "prod" && z.resource == resource && z.term_years == term
            });
            put(
                commit_units_column(&p.name, term),
                Cell::Int(z.map_or(0, |z| i64::from(z.units))),
            );
            put(
                commit_saving_column(&p.name, term),
                Cell::Float(z.map_or(0.0, |z| z.yearly_saving.as_dollars_f64())),
            );
        }
    }
    for v in Variant::ALL {
        if let Some(total) = priced.year_totals.get(&v) {
            put(cost_run_column(v), Cell::Float(total.as_dollars_f64()));
        }
    }
    for m in &priced.months {
        put(
            format!("cost.{}.{}_usd", m.month, m.variant.label()),
            Cell::Float(m.total.as_dollars_f64()),
        );
    }
    Row { cells }
}

/// The metric columns a run of `s` can have (what `--require` may name), from the scenario
/// alone: [`row`] builds its columns from the same services, pools, database, cache and months.
pub fn metric_names(s: &crate::scenario::Scenario) -> Vec<String> {
    let mut out = vec![
        SLO_MET.to_string(),
        "slo.worst_month_latency_compliance".into(),
        "slo.worst_month_availability".into(),
        "slo.violating_windows".into(),
    ];
    for prefix in ["peak_replicas", "hours_at_max_replicas"] {
        for svc in &s.services {
            for c in &s.platform.clouds {
                out.push(format!("{prefix}.{}.{}", svc.name, c.name));
            }
        }
    }
    if let Some(cluster) = &s.platform.cluster {
        out.extend(
            cluster
                .pools
                .iter()
                .map(|p| format!("peak_nodes.{}", p.name)),
        );
        for p in &cluster.pools {
            for term in COMMIT_TERMS {
                out.push(commit_units_column(&p.name, term));
                out.push(commit_saving_column(&p.name, term));
            }
        }
    }
    if s.platform.database.is_some() {
        for m in [
            "peak_connections",
            "peak_demanded_connections",
            "minutes_with_refused_connections",
            "peak_cpu_utilisation",
        ] {
            out.push(format!("db.{m}"));
        }
    }
    if s.platform.cache.is_some() {
        out.push("cache.min_hit_ratio".into());
        out.push("cache.mean_hit_ratio".into());
    }
    for v in Variant::ALL {
        out.push(cost_run_column(v));
        for (month, _) in crate::model::months(s) {
            out.push(format!("cost.{month}.{}_usd", v.label()));
        }
    }
    out
}

/// The commitment terms sized per pool, in years.
const COMMIT_TERMS: [u8; 2] = [1, 3];

/// `commit_units.aws-general.1y`: the units of a pool the break-even rule commits to.
pub fn commit_units_column(pool: &str, term_years: u8) -> String {
    format!("commit_units.{pool}.{term_years}y")
}

/// `commit_saving.aws-general.1y_usd`: what that commitment saves per year vs on-demand.
pub fn commit_saving_column(pool: &str, term_years: u8) -> String {
    format!("commit_saving.{pool}.{term_years}y_usd")
}

/// The pool and term a [`commit_units_column`] names.
pub fn commit_units_of(column: &str) -> Option<(&str, u8)> {
    let (pool, term) = column.strip_prefix("commit_units.")?.rsplit_once('.')?;
    Some((pool, term.strip_suffix('y')?.parse().ok()?))
}

/// The column of a purchase variant's cost over the run.
pub fn cost_run_column(v: Variant) -> String {
    format!("cost.run.{}_usd", v.label())
}
