//! Two runs side by side: replicas and availability per service and cloud, SLO per month (path),
//! the platform (database instances, cache, node pools, alerts, outages), cost per month and
//! variant and over the run — each value of A and B with the delta B − A.
//! [`compare`] builds the [`Comparison`] (serde, for JSON); [`table`] and [`markdown`] render it.

use serde::Serialize;

use super::RunReport;
use crate::cost::money::Money;

/// A number in A and in B, and B − A (absent where a side lacks it).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Num {
    pub a: Option<f64>,
    pub b: Option<f64>,
    pub delta: Option<f64>,
}

impl Num {
    fn of(a: Option<f64>, b: Option<f64>) -> Num {
        Num {
            a,
            b,
            delta: a.zip(b).map(|(a, b)| b - a),
        }
    }

    /// A, B and B − A as table cells, formatted by `value` and `delta`.
    fn cells(
        &self,
        value: fn(Option<f64>) -> String,
        delta: fn(Option<f64>) -> String,
    ) -> [String; 3] {
        [value(self.a), value(self.b), delta(self.delta)]
    }
}

/// An amount in A and in B (USD, exact decimals; JSON numbers of dollars as in `summary.json`),
/// B − A, and B − A in percent of A.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Usd {
    #[serde(serialize_with = "super::cost::usd::opt::serialize")]
    #[schemars(with = "Option<super::cost::usd::Usd>")]
    pub a: Option<String>,
    #[serde(serialize_with = "super::cost::usd::opt::serialize")]
    #[schemars(with = "Option<super::cost::usd::Usd>")]
    pub b: Option<String>,
    #[serde(serialize_with = "super::cost::usd::opt::serialize")]
    #[schemars(with = "Option<super::cost::usd::Usd>")]
    pub delta_usd: Option<String>,
    pub delta_pct: Option<f64>,
}

impl Usd {
    fn of(a: Option<&String>, b: Option<&String>) -> Usd {
        let pa = a.and_then(|x| Money::parse(x).ok());
        let pb = b.and_then(|x| Money::parse(x).ok());
        let delta = pa.zip(pb).map(|(a, b)| b - a);
        Usd {
            a: pa.map(Money::to_decimal_string),
            b: pb.map(Money::to_decimal_string),
            delta_usd: delta.map(Money::to_decimal_string),
            delta_pct: pa.zip(delta).and_then(|(a, d)| {
                (a != Money::ZERO)
                    .then(|| super::round3(d.micros() as f64 / a.micros() as f64 * 100.0))
            }),
        }
    }

    /// A, B, B − A and B − A in percent as table cells.
    fn cells(&self) -> [String; 4] {
        [
            money(&self.a),
            money(&self.b),
            money_delta(&self.delta_usd),
            delta_pct(self.delta_pct),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RunInfo {
    pub scenario: String,
    pub file: String,
    pub seed: u64,
    pub start: String,
    pub end: String,
    pub price_book: Option<String>,
    pub price_book_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ServiceDelta {
    pub service: String,
    pub cloud: String,
    pub peak_replicas: Num,
    pub mean_replicas: Num,
    pub availability: Num,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SloMonthDelta {
    pub month: String,
    pub latency_compliance: Num,
    pub availability: Num,
}

/// One platform figure (a database instance's peak connections, a pool's peak nodes, ...).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FigureDelta {
    pub figure: String,
    pub value: Num,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CostMonthDelta {
    pub month: String,
    pub variant: String,
    pub total: Usd,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CostRunDelta {
    pub variant: String,
    pub total: Usd,
}

/// Version of `capsim compare --format json`; bumped when a field changes meaning, type or
/// disappears (JSON Schema: `docs/compare.schema.json`, `capsim schema compare`).
pub const SCHEMA_VERSION: u32 = 1;

/// Everything `capsim compare` prints.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Comparison {
    pub schema_version: u32,
    pub a: RunInfo,
    pub b: RunInfo,
    pub services: Vec<ServiceDelta>,
    /// The SLO path of A (and of B when it differs).
    pub slo_path_a: Vec<String>,
    pub slo_path_b: Vec<String>,
    pub slo_months: Vec<SloMonthDelta>,
    /// Database, cache, node pools, alerts and outages.
    pub platform: Vec<FigureDelta>,
    pub cost_months: Vec<CostMonthDelta>,
    pub cost_run_totals: Vec<CostRunDelta>,
}

fn info(r: &RunReport) -> RunInfo {
    RunInfo {
        scenario: r.scenario.name.clone(),
        file: r.scenario.file.clone(),
        seed: r.scenario.seed,
        start: r.scenario.start.clone(),
        end: r.scenario.end.clone(),
        price_book: r.cost.as_ref().map(|c| c.price_book.clone()),
        price_book_date: r.cost.as_ref().map(|c| c.price_book_date.clone()),
    }
}

/// Keys of A in order, then those only in B.
fn union<T: PartialEq + Clone>(a: impl Iterator<Item = T>, b: impl Iterator<Item = T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for k in a.chain(b) {
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

pub fn compare(a: &RunReport, b: &RunReport) -> Comparison {
    let keys = union(
        a.services.iter().map(|s| (s.name.clone(), s.cloud.clone())),
        b.services.iter().map(|s| (s.name.clone(), s.cloud.clone())),
    );
    let services = keys
        .into_iter()
        .map(|(name, cloud)| {
            let find = |r: &RunReport| {
                r.services
                    .iter()
                    .find(|s| s.name == name && s.cloud == cloud)
                    .cloned()
            };
            let (sa, sb) = (find(a), find(b));
            ServiceDelta {
                peak_replicas: Num::of(
                    sa.as_ref().map(|s| f64::from(s.peak_replicas)),
                    sb.as_ref().map(|s| f64::from(s.peak_replicas)),
                ),
                mean_replicas: Num::of(
                    sa.as_ref().map(|s| s.mean_replicas),
                    sb.as_ref().map(|s| s.mean_replicas),
                ),
                // An instance that is not placed served nothing: no availability (as the run
                // outputs show it).
                availability: Num::of(
                    sa.as_ref()
                        .filter(|s| s.not_placed.is_none())
                        .map(|s| s.availability),
                    sb.as_ref()
                        .filter(|s| s.not_placed.is_none())
                        .map(|s| s.availability),
                ),
                service: name,
                cloud,
            }
        })
        .collect();
    let mut months = union(
        a.slo.months.iter().map(|m| m.month.clone()),
        b.slo.months.iter().map(|m| m.month.clone()),
    );
    months.sort();
    let slo_months = months
        .into_iter()
        .map(|month| {
            let find = |r: &RunReport| r.slo.months.iter().find(|m| m.month == month).cloned();
            let (ma, mb) = (find(a), find(b));
            SloMonthDelta {
                latency_compliance: Num::of(
                    ma.as_ref().map(|m| m.latency_compliance),
                    mb.as_ref().map(|m| m.latency_compliance),
                ),
                availability: Num::of(
                    ma.as_ref().map(|m| m.availability),
                    mb.as_ref().map(|m| m.availability),
                ),
                month,
            }
        })
        .collect();
    let empty = Vec::new();
    let ca = a.cost.as_ref();
    let cb = b.cost.as_ref();
    let variants = union(
        ca.map_or(&empty, |c| &c.variants).iter().cloned(),
        cb.map_or(&empty, |c| &c.variants).iter().cloned(),
    );
    let mut cost_months_labels = union(
        ca.map(|c| c.months.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|m| m.month.clone()),
        cb.map(|c| c.months.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|m| m.month.clone()),
    );
    cost_months_labels.sort();
    let mut cost_months = Vec::new();
    for month in &cost_months_labels {
        let (ma, mb) = (find_month(ca, month), find_month(cb, month));
        for v in &variants {
            cost_months.push(CostMonthDelta {
                month: month.clone(),
                variant: v.clone(),
                total: Usd::of(
                    ma.and_then(|m| m.totals_usd.get(v)),
                    mb.and_then(|m| m.totals_usd.get(v)),
                ),
            });
        }
    }
    let cost_run_totals = variants
        .iter()
        .map(|v| CostRunDelta {
            variant: v.clone(),
            total: Usd::of(
                ca.and_then(|c| c.run_totals_usd.get(v)),
                cb.and_then(|c| c.run_totals_usd.get(v)),
            ),
        })
        .collect();
    Comparison {
        schema_version: SCHEMA_VERSION,
        a: info(a),
        b: info(b),
        services,
        slo_path_a: a.slo.path.clone(),
        slo_path_b: b.slo.path.clone(),
        slo_months,
        platform: platform(a, b),
        cost_months,
        cost_run_totals,
    }
}

/// The platform figures of a run, by name (in the run's order).
fn figures(r: &RunReport) -> Vec<(String, f64)> {
    let mut f = Vec::new();
    for i in r.database.iter().flat_map(|d| &d.instances) {
        f.push((
            format!("db {}: peak connections", i.name),
            i.peak_connections,
        ));
        f.push((
            format!("db {}: connections asked (peak)", i.name),
            i.peak_demanded_connections,
        ));
        f.push((
            format!("db {}: minutes refused", i.name),
            f64::from(i.minutes_with_refused_connections),
        ));
        f.push((
            format!("db {}: peak CPU %", i.name),
            i.peak_cpu_utilisation * 100.0,
        ));
    }
    if let Some(c) = &r.cache {
        f.push(("cache: lowest hit ratio %".into(), c.min_hit_ratio * 100.0));
        f.push(("cache: mean hit ratio %".into(), c.mean_hit_ratio * 100.0));
    }
    for p in &r.node_pools {
        f.push((
            format!("pool {}: peak nodes", p.name),
            f64::from(p.peak_nodes),
        ));
        f.push((format!("pool {}: node-hours", p.name), p.node_hours));
    }
    for a in &r.slo.alerts {
        f.push((format!("alert {}: firings", a.name), f64::from(a.firings)));
        f.push((format!("alert {}: firing hours", a.name), a.firing_hours));
    }
    if !r.outages.is_empty() {
        f.push(("outages".into(), r.outages.len() as f64));
        let worst = r
            .outages
            .iter()
            .map(|o| o.worst_window_availability)
            .fold(f64::INFINITY, f64::min);
        f.push(("outages: worst window availability %".into(), worst * 100.0));
        let recovery = r
            .outages
            .iter()
            .filter_map(|o| o.recovery_minutes)
            .fold(0.0, f64::max);
        f.push(("outages: longest recovery, min".into(), recovery));
    }
    f
}

/// Each platform figure of A or B, A's order first.
fn platform(a: &RunReport, b: &RunReport) -> Vec<FigureDelta> {
    let (fa, fb) = (figures(a), figures(b));
    let names = union(
        fa.iter().map(|(n, _)| n.clone()),
        fb.iter().map(|(n, _)| n.clone()),
    );
    let get = |f: &[(String, f64)], name: &str| f.iter().find(|(n, _)| n == name).map(|x| x.1);
    names
        .into_iter()
        .map(|figure| FigureDelta {
            value: Num::of(get(&fa, &figure), get(&fb, &figure)),
            figure,
        })
        .collect()
}

fn find_month<'a>(
    c: Option<&'a super::cost::CostSummary>,
    month: &str,
) -> Option<&'a super::cost::CostMonth> {
    c.and_then(|c| c.months.iter().find(|m| m.month == month))
}

// ---- rendering ----

fn opt(x: Option<String>) -> String {
    x.unwrap_or_else(|| "-".to_string())
}

fn int(x: Option<f64>) -> String {
    opt(x.map(|v| format!("{v:.0}")))
}

fn int_delta(x: Option<f64>) -> String {
    opt(x.map(|v| format!("{v:+.0}")))
}

fn dec2(x: Option<f64>) -> String {
    opt(x.map(|v| format!("{v:.2}")))
}

fn dec2_delta(x: Option<f64>) -> String {
    opt(x.map(|v| format!("{v:+.2}")))
}

fn pct(x: Option<f64>) -> String {
    opt(x.map(super::pct))
}

/// A ratio difference in percentage points.
fn pp(x: Option<f64>) -> String {
    opt(x.map(|v| format!("{:+.3} pp", v * 100.0)))
}

fn money(x: &Option<String>) -> String {
    opt(x
        .as_deref()
        .and_then(|s| Money::parse(s).ok())
        .map(|m| m.to_string()))
}

fn money_delta(x: &Option<String>) -> String {
    opt(x.as_deref().and_then(|s| Money::parse(s).ok()).map(|m| {
        if m > Money::ZERO {
            format!("+{m}")
        } else {
            m.to_string()
        }
    }))
}

fn delta_pct(x: Option<f64>) -> String {
    opt(x.map(|v| format!("{v:+.1} %")))
}

/// The rows of every section: (title, header, rows).
type Section = (String, Vec<&'static str>, Vec<Vec<String>>);

fn sections(c: &Comparison) -> Vec<Section> {
    let mut out = Vec::new();
    out.push((
        "Replicas and availability per service and cloud (B − A)".to_string(),
        vec![
            "service@cloud",
            "peak A",
            "peak B",
            "Δ peak",
            "mean A",
            "mean B",
            "Δ mean",
            "availability A",
            "availability B",
            "Δ availability",
        ],
        c.services
            .iter()
            .map(|s| {
                [format!("{}@{}", s.service, s.cloud)]
                    .into_iter()
                    .chain(s.peak_replicas.cells(int, int_delta))
                    .chain(s.mean_replicas.cells(dec2, dec2_delta))
                    .chain(s.availability.cells(pct, pp))
                    .collect()
            })
            .collect(),
    ));
    let path = if c.slo_path_a == c.slo_path_b {
        c.slo_path_a.join(" → ")
    } else {
        format!(
            "A {} / B {}",
            c.slo_path_a.join(" → "),
            c.slo_path_b.join(" → ")
        )
    };
    out.push((
        format!("SLO per month — path {path}"),
        vec![
            "month",
            "p95 ok A",
            "p95 ok B",
            "Δ p95 ok",
            "availability A",
            "availability B",
            "Δ availability",
        ],
        c.slo_months
            .iter()
            .map(|m| {
                [m.month.clone()]
                    .into_iter()
                    .chain(m.latency_compliance.cells(pct, pp))
                    .chain(m.availability.cells(pct, pp))
                    .collect()
            })
            .collect(),
    ));
    if !c.platform.is_empty() {
        out.push((
            "Platform: database, cache, node pools, alerts, outages (B − A)".to_string(),
            vec!["figure", "A", "B", "Δ"],
            c.platform
                .iter()
                .map(|f| {
                    [f.figure.clone()]
                        .into_iter()
                        .chain(f.value.cells(dec2, dec2_delta))
                        .collect()
                })
                .collect(),
        ));
    }
    let book = |r: &RunInfo| match (&r.price_book, &r.price_book_date) {
        (Some(b), Some(d)) => format!("{b}, prices as of {d}"),
        _ => "not priced".to_string(),
    };
    let cost_row = |label: &str, variant: &str, total: &Usd| -> Vec<String> {
        [label.to_string(), variant.to_string()]
            .into_iter()
            .chain(total.cells())
            .collect()
    };
    let mut rows: Vec<Vec<String>> = c
        .cost_months
        .iter()
        .map(|m| cost_row(&m.month, &m.variant, &m.total))
        .collect();
    rows.extend(
        c.cost_run_totals
            .iter()
            .map(|t| cost_row("run", &t.variant, &t.total)),
    );
    out.push((
        format!(
            "Cost per month and variant, USD (A: {}; B: {})",
            book(&c.a),
            book(&c.b)
        ),
        vec!["month", "variant", "A", "B", "Δ USD", "Δ %"],
        rows,
    ));
    out
}

fn headline(c: &Comparison) -> (String, String) {
    let side = |r: &RunInfo| {
        format!(
            "{} ({}), seed {}, {} to {}",
            r.scenario, r.file, r.seed, r.start, r.end
        )
    };
    (side(&c.a), side(&c.b))
}

/// Terminal rendering.
pub fn table(c: &Comparison) -> String {
    let (a, b) = headline(c);
    let mut out = format!("A: {a}\nB: {b}\n");
    for (title, header, rows) in sections(c) {
        out.push_str(&format!("\n{title}\n"));
        out.push_str(&super::table::aligned(&header, &rows));
    }
    out
}

/// Markdown rendering (PR comments).
pub fn markdown(c: &Comparison) -> String {
    let (a, b) = headline(c);
    let mut out = format!("## capsim compare\n\n- **A**: {a}\n- **B**: {b}\n");
    for (title, header, rows) in sections(c) {
        out.push_str(&format!("\n### {title}\n\n"));
        out.push_str(&super::markdown::md_table(&header, &rows));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usd_deltas_are_exact() {
        let u = Usd::of(Some(&"100.10".to_string()), Some(&"110.11".to_string()));
        assert_eq!(u.delta_usd.as_deref(), Some("10.010000"));
        assert_eq!(u.delta_pct, Some(10.0));
        let none = Usd::of(None, Some(&"1".to_string()));
        assert_eq!(none.delta_usd, None);
        assert_eq!(money_delta(&u.delta_usd), "+$10.01");
    }

    #[test]
    fn a_run_against_itself_has_zero_deltas() {
        let r = crate::report::fixture_report("small");
        let c = compare(&r, &r);
        assert_eq!(c.services.len(), r.services.len());
        assert!(
            c.services
                .iter()
                .all(|s| s.peak_replicas.delta == Some(0.0))
        );
        assert!(
            c.cost_months
                .iter()
                .all(|m| m.total.delta_usd.as_deref() == Some("0.000000"))
        );
        let t = table(&c);
        assert!(t.contains("web@default"), "{t}");
        assert!(markdown(&c).contains("| month | variant | A | B | Δ USD | Δ % |"));
    }
}
