//! The versioned [`SweepReport`] (`sweep.json`) and its serializers: the terminal summary, the
//! Markdown summary and the HTML page with the spread chart. Pure functions of the report.

use std::fmt::Write as _;

use super::Manifest;
use super::frame::AggRow;
use super::recommend::Recommendation;
use super::record::{SLO_MET, cost_run_column};
use crate::cost::price::Variant;
use crate::report::charts::{Spread, usd0};
use crate::report::html::esc;
use crate::report::markdown::md_table;
use crate::report::table::aligned;

/// A whole sweep's result: what ran, every grid point's aggregates, the recommendation.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct SweepReport {
    pub schema_version: u32,
    pub manifest: Manifest,
    pub slo_rule: String,
    pub points: Vec<PointInfo>,
    /// Per grid point and metric (the rows of `aggregates.csv`).
    pub aggregates: Vec<AggRow>,
    pub recommendation: Option<Recommendation>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct PointInfo {
    pub point: usize,
    pub label: String,
    pub values: Vec<String>,
}

impl SweepReport {
    pub fn build(
        manifest: Manifest,
        aggregates: Vec<AggRow>,
        recommendation: Option<Recommendation>,
    ) -> SweepReport {
        let g = &manifest.grid;
        let points = (0..g.points())
            .map(|p| PointInfo {
                point: p,
                label: g.label(p),
                values: g.values_at(p).iter().map(|v| v.to_string()).collect(),
            })
            .collect();
        SweepReport {
            schema_version: super::SCHEMA_VERSION,
            slo_rule: manifest.slo_rule.describe(),
            manifest,
            points,
            aggregates,
            recommendation,
        }
    }

    pub fn agg(&self, point: usize, metric: &str) -> Option<&AggRow> {
        super::frame::find_agg(&self.aggregates, point, metric)
    }

    /// A grid point's cheapest variant by mean cost over the run.
    fn cheapest(&self, point: usize) -> Option<(Variant, &AggRow)> {
        Variant::ALL
            .into_iter()
            .filter_map(|v| self.agg(point, &cost_run_column(v)).map(|a| (v, a)))
            .filter(|(_, a)| a.mean.is_some())
            .min_by(|a, b| a.1.mean.unwrap_or(0.0).total_cmp(&b.1.mean.unwrap_or(0.0)))
    }

    fn headline(&self) -> String {
        let m = &self.manifest;
        format!(
            "{} grid point{} × {} runs = {} runs of {} (base seed {})",
            m.grid.points(),
            if m.grid.points() == 1 { "" } else { "s" },
            m.runs_per_point,
            m.total_runs(),
            m.scenario,
            m.base_seed
        )
    }

    /// The per-point overview: SLO share, reliability, database, cache, cheapest cost.
    fn overview(&self) -> (Vec<&'static str>, Vec<Vec<String>>) {
        let header = vec![
            "point",
            "parameters",
            "SLOs met (95 % CI)",
            "worst-month avail. p5",
            "peak DB conns p95",
            "min cache hit p5",
            "cheapest variant",
            "cost mean (p5–p95)",
        ];
        let rows = self
            .points
            .iter()
            .map(|p| {
                let s = self.agg(p.point, SLO_MET);
                let stat = |metric: &str, f: fn(&AggRow) -> Option<f64>, fmt: fn(f64) -> String| {
                    self.agg(p.point, metric)
                        .and_then(f)
                        .map_or("–".to_string(), fmt)
                };
                let (variant, cost) = match self.cheapest(p.point) {
                    Some((v, a)) => (
                        v.label().to_string(),
                        format!(
                            "{} ({}–{})",
                            usd0(a.mean.unwrap_or(0.0)),
                            usd0(a.p5.unwrap_or(0.0)),
                            usd0(a.p95.unwrap_or(0.0))
                        ),
                    ),
                    None => ("–".into(), "–".into()),
                };
                vec![
                    p.point.to_string(),
                    p.label.clone(),
                    s.map_or("–".into(), |s| {
                        format!(
                            "{} ({}–{})",
                            pct1(s.mean),
                            pct1(s.ci95_low),
                            pct1(s.ci95_high)
                        )
                    }),
                    stat(
                        "slo.worst_month_availability",
                        |a| a.p5,
                        |x| format!("{:.3} %", x * 100.0),
                    ),
                    stat("db.peak_connections", |a| a.p95, |x| format!("{x:.0}")),
                    stat(
                        "cache.min_hit_ratio",
                        |a| a.p5,
                        |x| format!("{:.1} %", x * 100.0),
                    ),
                    variant,
                    cost,
                ]
            })
            .collect();
        (header, rows)
    }

    /// Cost over the run per point and variant: mean with its 95 % CI, and the quantiles.
    fn cost_rows(&self) -> (Vec<&'static str>, Vec<Vec<String>>) {
        let header = vec![
            "point",
            "variant",
            "mean",
            "95 % CI of mean",
            "p5",
            "p50",
            "p95",
        ];
        let mut rows = Vec::new();
        for p in &self.points {
            for v in Variant::ALL {
                if let Some(a) = self.agg(p.point, &cost_run_column(v)) {
                    let u = |x: Option<f64>| x.map_or("–".into(), usd0);
                    rows.push(vec![
                        p.point.to_string(),
                        v.label().to_string(),
                        u(a.mean),
                        format!("{}–{}", u(a.ci95_low), u(a.ci95_high)),
                        u(a.p5),
                        u(a.p50),
                        u(a.p95),
                    ]);
                }
            }
        }
        (header, rows)
    }

    /// Commitment sizing per pool and term over the runs: units min / p50 / max and the p50
    /// yearly saving, per point (pools where no run commits a unit left out).
    fn commitment_rows(&self) -> (Vec<&'static str>, Vec<Vec<String>>) {
        let header = vec![
            "point",
            "pool",
            "term",
            "units min / p50 / max",
            "saving/year p50 (USD)",
        ];
        let n = |x: Option<f64>| x.map_or("–".into(), |x| format!("{x:.0}"));
        // The aggregates come in point order.
        let rows = self
            .aggregates
            .iter()
            .filter(|a| a.max.is_some_and(|m| m > 0.0))
            .filter_map(|a| {
                let (pool, term) = super::record::commit_units_of(&a.metric)?;
                let saving = self.agg(a.point, &super::record::commit_saving_column(pool, term));
                Some(vec![
                    a.point.to_string(),
                    pool.to_string(),
                    format!("{term}y"),
                    format!("{} / {} / {}", n(a.min), n(a.p50), n(a.max)),
                    saving.and_then(|s| s.p50).map_or("–".into(), usd0),
                ])
            })
            .collect();
        (header, rows)
    }

    /// Peak replicas per service and cloud: p50 and p95 over the runs, per point.
    fn replica_rows(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let mut metrics: Vec<&str> = Vec::new();
        for a in &self.aggregates {
            let wanted =
                a.metric.starts_with("peak_replicas.") || a.metric.starts_with("peak_nodes.");
            if wanted && !metrics.contains(&a.metric.as_str()) {
                metrics.push(&a.metric);
            }
        }
        let mut header = vec!["point".to_string()];
        header.extend(metrics.iter().map(|m| m.to_string()));
        let rows = self
            .points
            .iter()
            .map(|p| {
                let mut row = vec![p.point.to_string()];
                for m in &metrics {
                    row.push(self.agg(p.point, m).map_or("–".into(), |a| {
                        format!(
                            "{:.0} / {:.0}",
                            a.p50.unwrap_or(f64::NAN),
                            a.p95.unwrap_or(f64::NAN)
                        )
                    }));
                }
                row
            })
            .collect();
        (header, rows)
    }

    /// The spread chart's rows: each point's cheapest variant's cost over the run.
    pub fn spread(&self) -> Vec<Spread> {
        self.points
            .iter()
            .filter_map(|p| {
                let (v, a) = self.cheapest(p.point)?;
                Some(Spread {
                    label: axis_label(p, v),
                    p5: a.p5?,
                    p50: a.p50?,
                    p95: a.p95?,
                    mean: a.mean?,
                })
            })
            .collect()
    }
}

/// A chart axis label: the point, its values (the title names the parameters) and the variant,
/// cut to fit the label area.
fn axis_label(p: &PointInfo, v: Variant) -> String {
    const MAX_CHARS: usize = 48;
    let values = if p.values.is_empty() {
        p.label.clone()
    } else {
        p.values.join(", ")
    };
    let full = format!("{}: {values} ({})", p.point, v.label());
    if full.chars().count() <= MAX_CHARS {
        full
    } else {
        let cut: String = full.chars().take(MAX_CHARS - 1).collect();
        format!("{cut}…")
    }
}

fn pct1(x: Option<f64>) -> String {
    x.map_or("–".into(), |x| format!("{:.1} %", x * 100.0))
}

impl SweepReport {
    /// The spread chart's title, naming the swept parameters (the axis shows their values).
    pub fn spread_title(&self) -> String {
        let names: Vec<&str> = self
            .manifest
            .grid
            .params
            .iter()
            .map(|p| p.path.rsplit('.').next().unwrap_or(&p.path))
            .collect();
        if names.is_empty() {
            "Cost over the run, cheapest variant".to_string()
        } else {
            format!(
                "Cost over the run by {}, cheapest variant",
                names.join(" × ")
            )
        }
    }
}

/// The terminal summary.
pub fn table(r: &SweepReport) -> String {
    let mut out = format!("capsim sweep — {}\n", r.headline());
    let _ = writeln!(out, "a run meets its SLOs when {}\n", r.slo_rule);
    let (h, rows) = r.overview();
    out.push_str(&aligned(&h, &rows));
    out.push_str("\ncost over the run per purchase variant (USD)\n");
    let (h, rows) = r.cost_rows();
    out.push_str(&aligned(&h, &rows));
    let (h, rows) = r.replica_rows();
    if h.len() > 1 {
        out.push_str("\npeak replicas and nodes, p50 / p95 over the runs\n");
        let h: Vec<&str> = h.iter().map(String::as_str).collect();
        out.push_str(&aligned(&h, &rows));
    }
    let (h, rows) = r.commitment_rows();
    if !rows.is_empty() {
        out.push_str("\ncommitment sizing per pool (break-even rule), over the runs\n");
        out.push_str(&aligned(&h, &rows));
    }
    if let Some(rec) = &r.recommendation {
        let _ = writeln!(
            out,
            "\nrecommendation ({}; requires {})",
            rec.objective,
            rec.requirements.join(", ")
        );
        for line in &rec.reasons {
            let _ = writeln!(out, "  {line}");
        }
    }
    out
}

/// The Markdown summary.
pub fn markdown(r: &SweepReport) -> String {
    let mut out = format!(
        "## capsim sweep — `{}`\n\n{}.\n",
        r.manifest.scenario,
        r.headline()
    );
    let _ = writeln!(out, "A run meets its SLOs when {}.\n", r.slo_rule);
    if let Some(rec) = &r.recommendation {
        let _ = writeln!(out, "### Recommendation\n");
        for line in &rec.reasons {
            let _ = writeln!(out, "- {line}");
        }
        out.push('\n');
    }
    let (h, rows) = r.overview();
    out.push_str("### Grid points\n\n");
    out.push_str(&md_table(&h, &rows));
    out.push_str("\n### Cost over the run per purchase variant (USD)\n\n");
    let (h, rows) = r.cost_rows();
    out.push_str(&md_table(&h, &rows));
    let (h, rows) = r.replica_rows();
    if h.len() > 1 {
        out.push_str("\n### Peak replicas and nodes (p50 / p95)\n\n");
        let h: Vec<&str> = h.iter().map(String::as_str).collect();
        out.push_str(&md_table(&h, &rows));
    }
    let (h, rows) = r.commitment_rows();
    if !rows.is_empty() {
        out.push_str("\n### Commitment sizing per pool (break-even rule), over the runs\n\n");
        out.push_str(&md_table(&h, &rows));
    }
    out
}

/// The HTML page: headline, recommendation, the spread chart inline, the tables.
pub fn html(r: &SweepReport) -> String {
    let mut out =
        crate::report::html::page_start(&format!("capsim sweep — {}", r.manifest.scenario));
    let _ = write!(
        out,
        "<header><h1>capsim sweep — {}</h1><p>{}</p><p>A run meets its SLOs when {}.</p></header><main>",
        esc(&r.manifest.scenario),
        esc(&r.headline()),
        esc(&r.slo_rule)
    );
    if let Some(rec) = &r.recommendation {
        out.push_str("<section><h2>Recommendation</h2><ul>");
        for line in &rec.reasons {
            let _ = write!(out, "<li>{}</li>", esc(line));
        }
        out.push_str("</ul></section>");
    }
    let _ = write!(
        out,
        "<section><h2>Spread</h2><figure class=\"chart\" data-chart=\"spread\" style=\"max-width:720px\"><h4>{}</h4>{}<figcaption>Bars run from the 5th to the 95th percentile of {} runs per grid point; the tick is the median, the dot the mean. Hover a bar for its figures.</figcaption></figure></section>",
        esc(&r.spread_title()),
        spread_svg(&r.spread()),
        r.manifest.runs_per_point
    );
    let table = |out: &mut String, title: &str, h: &[&str], rows: &[Vec<String>]| {
        let _ = write!(
            out,
            "<section><h2>{}</h2><div class=\"scroll\"><table><tr>",
            esc(title)
        );
        for c in h {
            let _ = write!(out, "<th>{}</th>", esc(c));
        }
        out.push_str("</tr>");
        for row in rows {
            out.push_str("<tr>");
            for c in row {
                let _ = write!(out, "<td>{}</td>", esc(c));
            }
            out.push_str("</tr>");
        }
        out.push_str("</table></div></section>");
    };
    let (h, rows) = r.overview();
    table(&mut out, "Grid points", &h, &rows);
    let (h, rows) = r.cost_rows();
    table(
        &mut out,
        "Cost over the run per purchase variant (USD)",
        &h,
        &rows,
    );
    let (h, rows) = r.replica_rows();
    if h.len() > 1 {
        let h: Vec<&str> = h.iter().map(String::as_str).collect();
        table(&mut out, "Peak replicas and nodes (p50 / p95)", &h, &rows);
    }
    let (h, rows) = r.commitment_rows();
    if !rows.is_empty() {
        table(
            &mut out,
            "Commitment sizing per pool (break-even rule), over the runs",
            &h,
            &rows,
        );
    }
    out.push_str("</main></body></html>\n");
    out
}

/// The spread chart for the page: one row per grid point, its label above a p5–p95 bar with the
/// median tick and the mean dot, each with a tooltip; scales to the page (`viewBox`).
fn spread_svg(rows: &[Spread]) -> String {
    use crate::report::svg;
    const W: f64 = 440.0;
    const ROW: f64 = 40.0;
    const LEFT: f64 = 12.0;
    const RIGHT: f64 = 16.0;
    let lo = rows.iter().map(|r| r.p5).fold(f64::INFINITY, f64::min);
    let hi = rows.iter().map(|r| r.p95).fold(f64::NEG_INFINITY, f64::max);
    let height = 28.0 + ROW * rows.len().max(1) as f64 + 26.0;
    let mut h = String::new();
    svg::open(
        &mut h,
        W,
        height,
        "spread of the cost over the runs per grid point",
    );
    if rows.is_empty() || !lo.is_finite() || !hi.is_finite() {
        h.push_str("<text x=\"12\" y=\"40\">no data</text></svg>");
        return h;
    }
    let pad = ((hi - lo) * 0.08).max(hi.abs() * 0.01).max(1e-9);
    let (x0, x1) = (lo - pad, hi + pad);
    let x = |v: f64| LEFT + (v - x0) / (x1 - x0) * (W - LEFT - RIGHT);
    let cents = hi - lo < 20.0;
    let money = |v: f64| {
        if cents {
            format!("${}", svg::group(&format!("{v:.2}")))
        } else {
            usd0(v)
        }
    };
    let axis_y = 28.0 + ROW * rows.len() as f64;
    for (i, r) in rows.iter().enumerate() {
        let y = 28.0 + ROW * i as f64;
        let tip = format!(
            "{}: p5 {}, median {}, mean {}, p95 {}",
            r.label,
            money(r.p5),
            money(r.p50),
            money(r.mean),
            money(r.p95)
        );
        let _ = write!(
            h,
            "<text x=\"{LEFT}\" y=\"{:.1}\" fill=\"#333\">{}</text><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"14\" fill=\"#8fbbda\"><title>{}</title></rect><line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#000\" stroke-width=\"2\"><title>median {}</title></line><circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"{}\"><title>mean {}</title></circle>",
            y - 2.0,
            esc(&r.label),
            x(r.p5),
            y + 4.0,
            (x(r.p95) - x(r.p5)).max(1.5),
            esc(&tip),
            x(r.p50),
            x(r.p50),
            y + 1.0,
            y + 21.0,
            esc(&money(r.p50)),
            x(r.mean),
            y + 11.0,
            svg::RED,
            esc(&money(r.mean))
        );
    }
    let step = {
        let raw = (x1 - x0) / 4.0;
        let mag = 10f64.powf(raw.log10().floor());
        let f = raw / mag;
        (if f <= 1.0 {
            1.0
        } else if f <= 2.0 {
            2.0
        } else if f <= 5.0 {
            5.0
        } else {
            10.0
        }) * mag
    };
    let _ = write!(
        h,
        "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{axis_y:.1}\" y2=\"{axis_y:.1}\" stroke=\"#999\"/>",
        W - RIGHT
    );
    let mut t = (x0 / step).ceil() * step;
    while t <= x1 {
        let _ = write!(
            h,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1:.1}\" y2=\"{2:.1}\" stroke=\"#999\"/><text x=\"{0:.1}\" y=\"{3:.1}\" text-anchor=\"middle\" fill=\"#555\">{4}</text>",
            x(t),
            axis_y,
            axis_y + 4.0,
            axis_y + 18.0,
            esc(&money(t))
        );
        t += step;
    }
    h.push_str("</svg>");
    h
}
