//! `--objective cheapest --require 'slo>=0.95'`: from a sweep's aggregates, the cheapest grid
//! point and purchase variant that meets every requirement, and why — which cheaper choices
//! failed which requirement, and how sure the shares are.

use crate::cost::price::Variant;
use crate::error::{Error, Result};

use super::frame::AggRow;
use super::grid::Grid;
use super::record::{SLO_MET, cost_run_column};

/// What "cheapest" means.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Objective {
    /// Lowest mean cost over the run.
    Cheapest,
    /// Lowest 95th-percentile cost over the run (what a budget must cover in 19 runs of 20).
    CheapestP95,
}

impl Objective {
    fn stat(self) -> Stat {
        match self {
            Objective::Cheapest => Stat::Mean,
            Objective::CheapestP95 => Stat::P95,
        }
    }
}

/// Which aggregate of a metric a requirement reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stat {
    Mean,
    Min,
    P5,
    P50,
    P95,
    Max,
    /// The lower end of the 95 % confidence interval of the mean (a cautious share).
    Ci95Low,
    Ci95High,
}

const STATS: [(&str, Stat); 8] = [
    ("mean", Stat::Mean),
    ("min", Stat::Min),
    ("p5", Stat::P5),
    ("p50", Stat::P50),
    ("p95", Stat::P95),
    ("max", Stat::Max),
    ("ci95_low", Stat::Ci95Low),
    ("ci95_high", Stat::Ci95High),
];

impl Stat {
    fn of(self, a: &AggRow) -> Option<f64> {
        match self {
            Stat::Mean => a.mean,
            Stat::Min => a.min,
            Stat::P5 => a.p5,
            Stat::P50 => a.p50,
            Stat::P95 => a.p95,
            Stat::Max => a.max,
            Stat::Ci95Low => a.ci95_low,
            Stat::Ci95High => a.ci95_high,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Op {
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = "<")]
    Lt,
}

impl Op {
    fn holds(self, x: f64, bound: f64) -> bool {
        match self {
            Op::Ge => x >= bound,
            Op::Le => x <= bound,
            Op::Gt => x > bound,
            Op::Lt => x < bound,
        }
    }
}

/// One `--require`: `STAT(METRIC) OP NUMBER`, or `slo OP SHARE` for the share of runs that met
/// every SLO (`mean(slo_met)`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Requirement {
    pub text: String,
    pub metric: String,
    pub stat: Stat,
    pub op: Op,
    pub bound: f64,
}

impl Requirement {
    pub fn parse(text: &str) -> Result<Requirement> {
        let usage = |why: &str| {
            Error::Usage(format!(
                "--require {text:?}: {why}; write e.g. 'slo>=0.95' (share of runs meeting every SLO) or 'p95(db.peak_connections)<=197' (STAT(METRIC) with STAT one of {})",
                STATS.map(|(n, _)| n).join(", ")
            ))
        };
        let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let (at, op, len) = [(">=", Op::Ge), ("<=", Op::Le), (">", Op::Gt), ("<", Op::Lt)]
            .iter()
            .find_map(|(s, op)| t.find(s).map(|i| (i, *op, s.len())))
            .ok_or_else(|| usage("no comparison (>=, <=, > or <)"))?;
        let (lhs, rhs) = (&t[..at], &t[at + len..]);
        let bound: f64 = rhs
            .parse()
            .ok()
            .filter(|b: &f64| b.is_finite())
            .ok_or_else(|| usage(&format!("{rhs:?} is not a number")))?;
        let (stat, metric) = if lhs == "slo" {
            (Stat::Mean, SLO_MET.to_string())
        } else if let Some((s, rest)) = lhs.split_once('(') {
            let stat = STATS
                .iter()
                .find(|(n, _)| *n == s)
                .map(|(_, st)| *st)
                .ok_or_else(|| usage(&format!("unknown statistic {s:?}")))?;
            let m = rest
                .strip_suffix(')')
                .filter(|m| !m.is_empty())
                .ok_or_else(|| usage("the metric must be closed with ')'"))?;
            (stat, m.to_string())
        } else {
            (Stat::Mean, lhs.to_string())
        };
        if metric.is_empty() {
            return Err(usage("no metric"));
        }
        Ok(Requirement {
            text: text.to_string(),
            metric,
            stat,
            op,
            bound,
        })
    }
}

/// The chosen configuration.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Pick {
    pub point: usize,
    pub label: String,
    pub variant: String,
    pub cost_mean_usd: f64,
    pub cost_p95_usd: f64,
    pub cost_ci95_usd: (f64, f64),
}

/// The recommender's answer: the pick (if any) and the reasons, in reading order.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Recommendation {
    pub objective: String,
    pub requirements: Vec<String>,
    pub pick: Option<Pick>,
    pub reasons: Vec<String>,
}

struct Candidate {
    point: usize,
    variant: Variant,
    cost: f64,
    /// (requirement text, value, held)
    checks: Vec<(String, f64, bool)>,
}

impl Candidate {
    /// "rule fails (value); ..." for the requirements this candidate breaks.
    fn failures(&self) -> String {
        self.checks
            .iter()
            .filter(|k| !k.2)
            .map(|(t, v, _)| format!("{t} fails ({})", short(*v)))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Choose from `aggs` (every grid point's aggregates).
/// Every run's value of a metric as (point, replicate, value) — from the runs table; lets the
/// recommender compare two grid points run by run over the same seeds.
pub type PerRun<'a> = &'a dyn Fn(&str) -> Option<Vec<(usize, usize, f64)>>;

pub fn recommend(
    aggs: &[AggRow],
    grid: &Grid,
    runs_per_point: usize,
    objective: Objective,
    requirements: &[Requirement],
    per_run: PerRun,
) -> Result<Recommendation> {
    let find = |point: usize, metric: &str| super::frame::find_agg(aggs, point, metric);
    for r in requirements {
        if !aggs.iter().any(|a| a.metric == r.metric) {
            let mut names: Vec<&str> = aggs.iter().map(|a| a.metric.as_str()).collect();
            names.dedup();
            names.sort_unstable();
            names.dedup();
            return Err(Error::Usage(format!(
                "--require {:?}: no metric {:?} in this sweep; its metrics are: slo, {}",
                r.text,
                r.metric,
                names.join(", ")
            )));
        }
    }
    let stat = objective.stat();
    let mut cands = Vec::new();
    for point in 0..grid.points() {
        let checks: Vec<(String, f64, bool)> = requirements
            .iter()
            .map(|r| {
                let v = find(point, &r.metric)
                    .and_then(|a| r.stat.of(a))
                    .unwrap_or(f64::NAN);
                (r.text.clone(), v, r.op.holds(v, r.bound))
            })
            .collect();
        for v in Variant::ALL {
            if let Some(cost) = find(point, &cost_run_column(v)).and_then(|a| stat.of(a)) {
                cands.push(Candidate {
                    point,
                    variant: v,
                    cost,
                    checks: checks.clone(),
                });
            }
        }
    }
    if cands.is_empty() {
        return Err(Error::Usage(
            "the sweep has no cost figures to choose by (is the scenario priced?)".into(),
        ));
    }
    // Cheapest first; ties by grid point then variant order, so the pick is deterministic.
    cands.sort_by(|a, b| {
        a.cost
            .total_cmp(&b.cost)
            .then(a.point.cmp(&b.point))
            .then(a.variant.cmp(&b.variant))
    });
    let money = crate::report::charts::usd0;
    let what = match objective {
        Objective::Cheapest => "mean",
        Objective::CheapestP95 => "95th-percentile",
    };
    let mut reasons = Vec::new();
    let feasible = cands.iter().position(|c| c.checks.iter().all(|k| k.2));
    let slo_share = |p: usize| find(p, SLO_MET);
    let pick = feasible.map(|i| {
        let c = &cands[i];
        let cost_row = find(c.point, &cost_run_column(c.variant));
        let get = |f: fn(&AggRow) -> Option<f64>| cost_row.and_then(f).unwrap_or(f64::NAN);
        Pick {
            point: c.point,
            label: grid.label(c.point),
            variant: c.variant.label().to_string(),
            cost_mean_usd: get(|a| a.mean),
            cost_p95_usd: get(|a| a.p95),
            cost_ci95_usd: (get(|a| a.ci95_low), get(|a| a.ci95_high)),
        }
    });
    match (&pick, feasible) {
        (Some(p), Some(i)) => {
            reasons.push(format!(
                "Pick grid point {} ({}) bought as {}: {what} cost {} over the run (p95 {}, 95 % CI of the mean {}–{}) from {runs_per_point} runs.",
                p.point,
                p.label,
                p.variant,
                money(cands[i].cost),
                money(p.cost_p95_usd),
                money(p.cost_ci95_usd.0),
                money(p.cost_ci95_usd.1),
            ));
            for (text, v, _) in &cands[i].checks {
                reasons.push(format!("It meets {text}: the value is {}.", short(*v)));
            }
            if let Some(s) = slo_share(p.point) {
                reasons.push(format!(
                    "{} of its {} runs met every SLO (Wilson 95 % CI {}–{}).",
                    pct(s.mean),
                    s.n,
                    pct(s.ci95_low),
                    pct(s.ci95_high)
                ));
                for r in requirements.iter().filter(|r| r.metric == SLO_MET) {
                    if let Some(lo) = s.ci95_low
                        && !r.op.holds(lo, r.bound)
                    {
                        reasons.push(format!(
                            "Caution: the interval's lower end {} does not clear {}; run more --runs to be sure.",
                            pct(Some(lo)),
                            r.text
                        ));
                    }
                }
            }
            // The cheaper choices and what ruled each out (one line per grid point).
            let mut shown = std::collections::BTreeSet::new();
            for c in cands[..i].iter() {
                if !shown.insert(c.point) || shown.len() > 5 {
                    continue;
                }
                let cheaper = if c.cost < cands[i].cost {
                    "Cheaper"
                } else {
                    "As cheap"
                };
                reasons.push(format!(
                    "{cheaper} but ruled out: grid point {} ({}) as {} at {}: {}.",
                    c.point,
                    grid.label(c.point),
                    c.variant,
                    money(c.cost),
                    c.failures()
                ));
            }
            if let Some(next) = cands[i + 1..]
                .iter()
                .find(|c| c.checks.iter().all(|k| k.2) && c.point != p.point)
            {
                // Replicate k has one seed at every grid point, so the two are compared run by
                // run: the paired difference is far tighter than either point's own interval.
                let paired = (objective == Objective::Cheapest)
                    .then(|| {
                        let pairs = |point: usize, v: Variant| -> Option<Vec<(usize, f64)>> {
                            let all = per_run(&cost_run_column(v))?;
                            Some(
                                all.into_iter()
                                    .filter(|r| r.0 == point)
                                    .map(|r| (r.1, r.2))
                                    .collect(),
                            )
                        };
                        let a = pairs(p.point, cands[i].variant)?;
                        let b = pairs(next.point, next.variant)?;
                        super::frame::paired_difference(&a, &b)
                    })
                    .flatten();
                let verdict = match paired {
                    Some((_, lo, hi, n)) if lo <= 0.0 && hi >= 0.0 => format!(
                        "; run by run over the same {n} seeds the difference is {}–{} (95 % CI), which includes zero: the runs cannot tell the two apart on cost, so choose on other grounds",
                        signed_usd(lo),
                        signed_usd(hi)
                    ),
                    Some((m, lo, hi, n)) => format!(
                        "; run by run over the same {n} seeds it costs {} more (95 % CI {}–{})",
                        signed_usd(m).trim_start_matches('+'),
                        signed_usd(lo),
                        signed_usd(hi)
                    ),
                    None => String::new(),
                };
                reasons.push(format!(
                    "Next best grid point: {} ({}) as {} at {} ({:+.1} %){verdict}.",
                    next.point,
                    grid.label(next.point),
                    next.variant,
                    money(next.cost),
                    (next.cost / cands[i].cost - 1.0) * 100.0,
                ));
            }
        }
        _ => {
            reasons.push(format!(
                "No grid point meets {}.",
                requirements
                    .iter()
                    .map(|r| r.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ));
            let mut shown = std::collections::BTreeSet::new();
            for c in &cands {
                if !shown.insert(c.point) {
                    continue;
                }
                reasons.push(format!(
                    "Grid point {} ({}): {}.",
                    c.point,
                    grid.label(c.point),
                    c.failures()
                ));
            }
        }
    }
    Ok(Recommendation {
        objective: format!("{what} cost over the run"),
        requirements: requirements.iter().map(|r| r.text.clone()).collect(),
        pick,
        reasons,
    })
}

/// `+$1,234` / `-$56` (cents when under $10, where whole dollars would read as zero).
fn signed_usd(x: f64) -> String {
    let sign = if x < 0.0 { "-" } else { "+" };
    if x.abs() < 10.0 {
        format!("{sign}${:.2}", x.abs())
    } else {
        format!("{sign}{}", crate::report::charts::usd0(x.abs()))
    }
}

fn pct(x: Option<f64>) -> String {
    x.map_or("n/a".into(), |x| format!("{:.1} %", x * 100.0))
}

fn short(x: f64) -> String {
    if x.is_nan() {
        "no value".into()
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::grid::Param;

    fn agg(point: usize, metric: &str, mean: f64, p95: f64) -> AggRow {
        AggRow {
            point,
            metric: metric.into(),
            n: 20,
            mean: Some(mean),
            sd: Some(0.0),
            ci95_low: Some(mean * 0.9),
            ci95_high: Some(mean.min(1.0).max(mean * 1.1)),
            min: Some(mean),
            p5: Some(mean),
            p50: Some(mean),
            p95: Some(p95),
            max: Some(p95),
        }
    }

    #[test]
    fn requirement_syntax() {
        let r = Requirement::parse("slo >= 0.95").unwrap();
        assert_eq!(
            (r.metric.as_str(), r.stat, r.op, r.bound),
            (SLO_MET, Stat::Mean, Op::Ge, 0.95)
        );
        let r = Requirement::parse("p95(db.peak_connections)<=197").unwrap();
        assert_eq!(
            (r.metric.as_str(), r.stat, r.op),
            ("db.peak_connections", Stat::P95, Op::Le)
        );
        for bad in ["slo", "slo>=x", "median(x)>1", "p95(x>1", ">=1"] {
            assert!(Requirement::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn picks_the_cheapest_point_and_variant_that_meets_the_requirements() {
        let grid = Grid::new(vec![
            Param::parse("services.web.hpa.maxReplicas=10,20,30").unwrap(),
        ])
        .unwrap();
        let od = cost_run_column(Variant::OnDemand);
        let c3 = cost_run_column(Variant::Committed3y);
        let aggs = vec![
            agg(0, SLO_MET, 0.40, 1.0),
            agg(0, &od, 900.0, 950.0),
            agg(0, &c3, 700.0, 720.0),
            agg(1, SLO_MET, 1.0, 1.0),
            agg(1, &od, 1000.0, 1100.0),
            agg(1, &c3, 800.0, 990.0),
            agg(2, SLO_MET, 1.0, 1.0),
            agg(2, &od, 1200.0, 1300.0),
            agg(2, &c3, 850.0, 900.0),
        ];
        let req = [Requirement::parse("slo>=0.95").unwrap()];
        let r = recommend(&aggs, &grid, 20, Objective::Cheapest, &req, &|_| None).unwrap();
        let p = r.pick.unwrap();
        assert_eq!((p.point, p.variant.as_str()), (1, "committed-3y"));
        assert!(
            r.reasons
                .iter()
                .any(|l| l.contains("but ruled out: grid point 0")
                    && l.contains("slo>=0.95 fails (0.4000)")),
            "{:?}",
            r.reasons
        );
        // Run by run (same replicates), the next best point costs a steady 50 more; with noisy
        // pairs straddling zero the two are a tie.
        let c3 = cost_run_column(Variant::Committed3y);
        let cases: [([f64; 3], [f64; 3], &str); 2] = [
            (
                [800.0, 810.0, 790.0],
                [850.0, 860.0, 840.0],
                "it costs $50 more (95 % CI +$50–+$50)",
            ),
            (
                [800.0, 900.0, 700.0],
                [950.0, 760.0, 840.0],
                "includes zero",
            ),
        ];
        for (pick, next, want) in cases {
            let runs: Vec<(usize, usize, f64)> = (0..3)
                .map(|k| (1, k, pick[k]))
                .chain((0..3).map(|k| (2, k, next[k])))
                .collect();
            let per_run = |m: &str| (m == c3).then(|| runs.clone());
            let r = recommend(&aggs, &grid, 20, Objective::Cheapest, &req, &per_run).unwrap();
            let line = r
                .reasons
                .iter()
                .find(|l| l.starts_with("Next best"))
                .unwrap();
            assert!(line.contains(want), "{line}");
        }
        // By the 95th percentile, point 2's committed-3y (900) beats point 1's (990).
        let r = recommend(&aggs, &grid, 20, Objective::CheapestP95, &req, &|_| None).unwrap();
        assert_eq!(r.pick.unwrap().point, 2);
        // Nothing meets an impossible requirement; every point says why.
        let r = recommend(
            &aggs,
            &grid,
            20,
            Objective::Cheapest,
            &[Requirement::parse("slo>1").unwrap()],
            &|_| None,
        )
        .unwrap();
        assert!(r.pick.is_none());
        assert_eq!(r.reasons.len(), 4);
        // An unknown metric is an error naming the known ones.
        let e = recommend(
            &aggs,
            &grid,
            20,
            Objective::Cheapest,
            &[Requirement::parse("mean(nope)<1").unwrap()],
            &|_| None,
        );
        assert!(e.unwrap_err().to_string().contains("no metric \"nope\""));
    }
}
