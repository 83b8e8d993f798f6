//! The `spec.check` section: the CI gate's rules kept with the plan (`capsim check` flags override
//! them): monthly budget per purchase variant, allowed increase over a baseline, SLO minimums.

use std::ops::RangeInclusive;

use super::decode::show;
use super::decode::{Cx, MapReader};
use super::yaml::Node;

/// The accepted values of the numeric rules, checked alike here and for the `capsim check` flags.
pub const BUDGET_USD: RangeInclusive<f64> = 0.0..=1e12;
pub const INCREASE_USD: RangeInclusive<f64> = -1e12..=1e12;
pub const INCREASE_PCT: RangeInclusive<f64> = -100.0..=1e9;
/// `minLatencyCompliance` and `minAvailability`.
pub const RATIO: RangeInclusive<f64> = 0.0..=1.0;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CheckCfg {
    pub monthly_budget_usd: Option<f64>,
    /// A purchase-variant label (`on-demand`, `spot`, `committed-1y`, ...).
    pub variant: Option<String>,
    /// A saved `summary.json`, relative to the scenario file.
    pub baseline: Option<String>,
    pub max_increase_usd: Option<f64>,
    pub max_increase_pct: Option<f64>,
    pub min_latency_compliance: Option<f64>,
    pub min_availability: Option<f64>,
}

pub(super) fn decode(node: &Node, cx: &mut Cx, base_dir: &std::path::Path) -> Option<CheckCfg> {
    let mut m = cx.map(node, "spec.check")?;
    let mut c = CheckCfg::default();
    let mut ok = true;
    let mut num = |m: &mut MapReader, cx: &mut Cx, key, range: RangeInclusive<f64>, what: &str| {
        let v = m.opt_read(cx, key, |cx, n, p| {
            cx.f64_where(
                n,
                p,
                |v| range.contains(&v),
                |v| format!("{} is out of range", show(v)),
                &format!("write {what}"),
            )
        });
        ok &= v.is_some();
        v
    };
    c.monthly_budget_usd = num(
        &mut m,
        cx,
        "monthlyBudgetUsd",
        BUDGET_USD,
        "a dollar amount ≥ 0",
    )
    .flatten();
    let increase_usd = num(
        &mut m,
        cx,
        "maxIncreaseUsd",
        INCREASE_USD,
        "a dollar amount",
    );
    let increase_pct = num(
        &mut m,
        cx,
        "maxIncreasePct",
        INCREASE_PCT,
        "a percentage ≥ -100",
    );
    c.max_increase_usd = increase_usd.flatten();
    c.max_increase_pct = increase_pct.flatten();
    c.min_latency_compliance = num(
        &mut m,
        cx,
        "minLatencyCompliance",
        RATIO,
        "a ratio from 0 to 1, e.g. 0.99",
    )
    .flatten();
    c.min_availability = num(
        &mut m,
        cx,
        "minAvailability",
        RATIO,
        "a ratio from 0 to 1, e.g. 0.999",
    )
    .flatten();
    if let Some(n) = m.opt("variant") {
        use crate::billing::Variant;
        match cx.string(n, "spec.check.variant") {
            Some(v) if Variant::from_label(&v).is_some() => c.variant = Some(v),
            Some(v) => {
                cx.problem(
                    n,
                    "spec.check.variant",
                    format!("unknown purchase variant {v:?}"),
                    format!("use one of: {}", Variant::labels()),
                );
                ok = false;
            }
            None => ok = false,
        }
    }
    let baseline = m.opt_read(cx, "baseline", |cx, n, p| {
        let b = cx.string(n, p)?;
        // `capsim check` reads it after validation passed: a missing file fails here instead.
        if !base_dir.join(&b).is_file() {
            cx.problem(
                n,
                p,
                format!(
                    "no baseline file {b:?} (relative to the scenario file: {})",
                    base_dir.join(&b).display()
                ),
                "write the path of a summary.json written by `capsim run`, relative to the \
                 scenario file",
            );
            return None;
        }
        Some(b)
    });
    let baseline_valid = baseline.is_some();
    ok &= baseline_valid;
    c.baseline = baseline.flatten();
    let increase = c.max_increase_usd.is_some() || c.max_increase_pct.is_some();
    // An invalid increase or baseline has been reported already; pairing it would add a
    // second, misleading problem ("go together" when both were written).
    let all_valid = increase_usd.is_some() && increase_pct.is_some() && baseline_valid;
    if all_valid && increase != c.baseline.is_some() {
        cx.problem(
            node,
            "spec.check.baseline",
            "maxIncreaseUsd/maxIncreasePct and baseline go together",
            "give both a baseline summary.json and an allowed increase, or neither",
        );
        ok = false;
    }
    m.finish(cx);
    ok.then_some(c)
}
