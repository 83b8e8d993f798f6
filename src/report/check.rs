//! The CI gate as pure functions: a monthly budget under one purchase variant, the increase
//! against a baseline run (per month and over the run, in dollars and percent), and minimum SLO
//! compliance and availability per month. [`evaluate`] judges a [`RunReport`]; [`markdown`] and
//! [`text`] render the verdict (the Markdown is ready for a pull-request comment or a job summary).
//!
//! Money is compared exactly, as integer micro-dollars ([`Money`]), never as summed floats.

use serde::Serialize;

use super::cost::{CostMonth, CostSummary};
use super::{RunReport, pct};
use crate::cost::money::Money;

/// How many cost lines a failure names.
const TOP_LINES: usize = 5;

/// The rules to check; `None` means the rule is not checked.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Rules {
    /// Every month's total under `variant` must be at most this many dollars.
    pub monthly_budget_usd: Option<f64>,
    /// The purchase variant whose totals are checked (`on-demand`, `spot`, `committed-1y`, …).
    pub variant: String,
    /// Largest allowed increase against the baseline, per month and over the run, in dollars.
    pub max_increase_usd: Option<f64>,
    /// Largest allowed increase against the baseline, per month and over the run, in percent.
    pub max_increase_pct: Option<f64>,
    /// Smallest allowed share (0..1) of SLO windows whose p95 met the target, per month (path).
    pub min_latency_compliance: Option<f64>,
    /// Smallest allowed availability (0..1) per month (path).
    pub min_availability: Option<f64>,
    /// Smallest allowed mean cache hit ratio (0..1) per month.
    pub min_cache_hit_ratio: Option<f64>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            monthly_budget_usd: None,
            variant: "on-demand".to_string(),
            max_increase_usd: None,
            max_increase_pct: None,
            min_latency_compliance: None,
            min_availability: None,
            min_cache_hit_ratio: None,
        }
    }
}

impl Rules {
    /// True when no rule is set (nothing to check).
    pub fn is_empty(&self) -> bool {
        self.monthly_budget_usd.is_none()
            && !self.checks_increase()
            && self.min_latency_compliance.is_none()
            && self.min_availability.is_none()
            && self.min_cache_hit_ratio.is_none()
    }

    /// The scenario's SLO rules: `spec.check`'s minimums, where it sets none the SLO's
    /// availability target for both (the usual single objective percentage), and the cache's
    /// hit-ratio objective (`slo.cacheHitRatio`).
    pub fn slos(s: &crate::scenario::Scenario) -> Rules {
        let target = s.platform.slo.availability;
        Rules {
            min_latency_compliance: Some(s.check.min_latency_compliance.unwrap_or(target)),
            min_availability: Some(s.check.min_availability.unwrap_or(target)),
            min_cache_hit_ratio: s.platform.slo.cache_hit_ratio,
            ..Rules::default()
        }
    }

    /// True when a rule compares against a baseline run.
    pub fn checks_increase(&self) -> bool {
        self.max_increase_usd.is_some() || self.max_increase_pct.is_some()
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Failure {
    /// `budget`, `increase`, `latency-compliance`, `availability`.
    pub rule: String,
    /// The month it broke in (`None`: the whole run, or the rule could not be checked).
    pub month: Option<String>,
    pub message: String,
    /// The top cost lines of that month under the variant: (`cloud/environment/resource`, `$1,234.56`).
    pub lines: Vec<(String, String)>,
}

/// The result of a check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub passed: bool,
    pub failures: Vec<Failure>,
    /// What was checked, one line per rule.
    pub checked: Vec<String>,
}

/// Dollars as exact money (rounded to the micro-dollar).
fn usd(x: f64) -> Money {
    Money::from_micros((x * 1e6).round() as i64)
}

fn parse_money(s: &str) -> Option<Money> {
    Money::parse(s).ok()
}

/// `+$1.00` / `-$1.00` / `$0.00`.
fn signed(m: Money) -> String {
    if m > Money::ZERO {
        format!("+{m}")
    } else {
        m.to_string()
    }
}

/// A month's total under `variant`.
fn month_total(m: &CostMonth, variant: &str) -> Option<Money> {
    m.totals_usd.get(variant).and_then(|s| parse_money(s))
}

/// The `n` largest cost lines of a month under `variant`, largest first (ties by name).
fn top_lines(m: &CostMonth, variant: &str, n: usize) -> Vec<(String, String)> {
    let mut lines: Vec<(&String, Money)> = m
        .by_resource_usd
        .get(variant)
        .map(|by| {
            by.iter()
                .filter_map(|(k, v)| parse_money(v).map(|m| (k, m)))
                .collect()
        })
        .unwrap_or_default();
    lines.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    lines
        .into_iter()
        .take(n)
        .map(|(k, m)| (k.clone(), m.to_string()))
        .collect()
}

fn not_priced(rule: &str, which: &str) -> Failure {
    Failure {
        rule: rule.to_string(),
        month: None,
        message: format!(
            "{which} has no cost section (the run was not priced), so the {rule} rule cannot be checked"
        ),
        lines: Vec::new(),
    }
}

fn no_variant(rule: &str, c: &CostSummary, variant: &str, month: Option<&str>) -> Failure {
    Failure {
        rule: rule.to_string(),
        month: month.map(str::to_string),
        message: format!(
            "no total for variant `{variant}`{}; the report has: {}",
            month.map(|m| format!(" in {m}")).unwrap_or_default(),
            c.variants.join(", ")
        ),
        lines: Vec::new(),
    }
}

/// (rule name, minimum, the value of a month, what it measures).
type SloRule = (
    &'static str,
    Option<f64>,
    fn(&super::MonthSlo) -> f64,
    &'static str,
);

/// Judge `r` against `rules` (and `baseline` for the increase rules).
pub fn evaluate(r: &RunReport, baseline: Option<&RunReport>, rules: &Rules) -> Verdict {
    let variant = rules.variant.as_str();
    let mut failures = Vec::new();
    let mut checked = Vec::new();

    if let Some(budget) = rules.monthly_budget_usd {
        let budget_m = usd(budget);
        checked.push(format!(
            "budget: every month's {variant} total ≤ {budget_m}"
        ));
        match &r.cost {
            None => failures.push(not_priced("budget", "the run")),
            Some(c) => {
                for m in &c.months {
                    match month_total(m, variant) {
                        None => failures.push(no_variant("budget", c, variant, Some(&m.month))),
                        Some(total) if total > budget_m => {
                            let over = total - budget_m;
                            let over_pct = if budget_m > Money::ZERO {
                                format!(
                                    ", {:.1} %",
                                    over.micros() as f64 / budget_m.micros() as f64 * 100.0
                                )
                            } else {
                                String::new()
                            };
                            failures.push(Failure {
                                rule: "budget".into(),
                                month: Some(m.month.clone()),
                                message: format!(
                                    "{}: {total} under {variant}, over the budget of {budget_m} by {over}{over_pct}",
                                    m.month
                                ),
                                lines: top_lines(m, variant, TOP_LINES),
                            });
                        }
                        Some(_) => {}
                    }
                }
            }
        }
    }

    if rules.checks_increase() {
        let mut limits = Vec::new();
        if let Some(x) = rules.max_increase_usd {
            limits.push(format!("{}", usd(x)));
        }
        if let Some(p) = rules.max_increase_pct {
            limits.push(format!("{p} %"));
        }
        checked.push(format!(
            "increase vs baseline: {variant} totals per month and over the run rise by at most {}",
            limits.join(" and ")
        ));
        match (baseline, &r.cost, baseline.and_then(|b| b.cost.as_ref())) {
            (None, _, _) => failures.push(Failure {
                rule: "increase".into(),
                month: None,
                message: "no baseline run given (pass --baseline summary.json)".into(),
                lines: Vec::new(),
            }),
            (Some(_), None, _) => failures.push(not_priced("increase", "the run")),
            (Some(_), Some(_), None) => failures.push(not_priced("increase", "the baseline")),
            (Some(b), Some(_), Some(_))
                if (b.scenario.start.as_str(), b.scenario.end.as_str())
                    != (r.scenario.start.as_str(), r.scenario.end.as_str()) =>
            {
                // Months matched by label and run totals compare like with like only over the
                // same span: a month the runs cover for different hours, or a run of another
                // length, would read as an increase or a saving that is not one.
                failures.push(Failure {
                    rule: "increase".into(),
                    month: None,
                    message: format!(
                        "the baseline covers {} to {} and this run {} to {}: costs compare like with like only over the same span, so run the baseline with this run's start and duration",
                        b.scenario.start, b.scenario.end, r.scenario.start, r.scenario.end
                    ),
                    lines: Vec::new(),
                });
            }
            (Some(_), Some(c), Some(bc)) => {
                let judge = |label: &str, cur: Money, base: Money| -> Option<String> {
                    let delta = cur - base;
                    let delta_pct = if base > Money::ZERO {
                        delta.micros() as f64 / base.micros() as f64 * 100.0
                    } else if delta > Money::ZERO {
                        f64::INFINITY
                    } else {
                        0.0
                    };
                    let over_usd = rules.max_increase_usd.is_some_and(|x| delta > usd(x));
                    let over_pct = rules.max_increase_pct.is_some_and(|p| delta_pct > p);
                    (over_usd || over_pct).then(|| {
                        format!(
                            "{label}: {cur} under {variant} vs {base} in the baseline ({}, {:+.1} %), more than the allowed {}",
                            signed(delta),
                            delta_pct,
                            limits.join(" / ")
                        )
                    })
                };
                let mut matched = 0;
                for m in &c.months {
                    let Some(bm) = bc.months.iter().find(|b| b.month == m.month) else {
                        continue;
                    };
                    matched += 1;
                    let (Some(cur), Some(base)) =
                        (month_total(m, variant), month_total(bm, variant))
                    else {
                        failures.push(no_variant("increase", c, variant, Some(&m.month)));
                        continue;
                    };
                    if let Some(message) = judge(&m.month, cur, base) {
                        failures.push(Failure {
                            rule: "increase".into(),
                            month: Some(m.month.clone()),
                            message,
                            lines: top_lines(m, variant, TOP_LINES),
                        });
                    }
                }
                if matched == 0 {
                    failures.push(Failure {
                        rule: "increase".into(),
                        month: None,
                        message: "no month of the run appears in the baseline, so no month can be compared".into(),
                        lines: Vec::new(),
                    });
                }
                let run =
                    |s: &CostSummary| s.run_totals_usd.get(variant).and_then(|x| parse_money(x));
                match (run(c), run(bc)) {
                    (Some(cur), Some(base)) => {
                        if let Some(message) = judge("run total", cur, base) {
                            failures.push(Failure {
                                rule: "increase".into(),
                                month: None,
                                message,
                                lines: Vec::new(),
                            });
                        }
                    }
                    _ => failures.push(no_variant("increase", c, variant, None)),
                }
            }
        }
    }

    let slo_rules: [SloRule; 2] = [
        (
            "latency-compliance",
            rules.min_latency_compliance,
            |m| m.latency_compliance,
            "SLO windows with p95 under the target",
        ),
        (
            "availability",
            rules.min_availability,
            |m| m.availability,
            "availability",
        ),
    ];
    for (rule, min, get, what) in slo_rules {
        let Some(min) = min else { continue };
        checked.push(format!(
            "{rule}: path {} {what} ≥ {} every month",
            r.slo.path.join(" → "),
            pct(min)
        ));
        if r.slo.months.is_empty() {
            failures.push(Failure {
                rule: rule.into(),
                month: None,
                message: "the report has no SLO months to check".into(),
                lines: Vec::new(),
            });
        }
        for m in &r.slo.months {
            let value = get(m);
            if value < min {
                failures.push(Failure {
                    rule: rule.into(),
                    month: Some(m.month.clone()),
                    message: format!(
                        "{}: {what} {} is below the minimum {}",
                        m.month,
                        pct(value),
                        pct(min)
                    ),
                    lines: Vec::new(),
                });
            }
        }
    }

    if let Some(min) = rules.min_cache_hit_ratio {
        checked.push(format!(
            "cache-hit-ratio: mean cache hit ratio ≥ {} every month",
            pct(min)
        ));
        match &r.cache {
            None => failures.push(Failure {
                rule: "cache-hit-ratio".into(),
                month: None,
                message: "the report has no cache to check".into(),
                lines: Vec::new(),
            }),
            Some(c) => {
                for m in &c.months {
                    if m.mean_hit_ratio < min {
                        failures.push(Failure {
                            rule: "cache-hit-ratio".into(),
                            month: Some(m.month.clone()),
                            message: format!(
                                "{}: mean cache hit ratio {} is below the minimum {}",
                                m.month,
                                pct(m.mean_hit_ratio),
                                pct(min)
                            ),
                            lines: Vec::new(),
                        });
                    }
                }
            }
        }
    }

    Verdict {
        passed: failures.is_empty(),
        failures,
        checked,
    }
}

fn prices_line(r: &RunReport) -> String {
    match &r.cost {
        Some(c) => format!(
            "price book {}, prices as of {} ({})",
            c.price_book, c.price_book_date, c.currency
        ),
        None => "not priced".to_string(),
    }
}

/// The hidden first line of the Markdown verdict: a workflow finds its own comment by it and
/// edits it in place instead of adding one per push.
pub const COMMENT_MARKER: &str = "<!-- capsim-comment -->";

/// How many changed lines the comment's breakdown lists.
const CHANGED_LINES: usize = 15;

/// The run total under `variant` and its average month (730 h; see
/// [`ScenarioInfo::per_month_factor`](super::ScenarioInfo::per_month_factor)).
fn run_total(r: &RunReport, variant: &str) -> Option<(Money, Money)> {
    let c = r.cost.as_ref()?;
    let total = c.run_totals_usd.get(variant).and_then(|x| parse_money(x))?;
    let mean = (total.micros() as f64 * r.scenario.per_month_factor()).round() as i64;
    Some((total, Money::from_micros(mean)))
}

/// How long a run was, for the line that gives its total: "31 days", "36 hours".
fn span(hours: f64) -> String {
    let days = hours / 24.0;
    if days >= 2.0 && (days - days.round()).abs() < 1e-9 {
        format!("{} days", days.round())
    } else {
        plural(hours.round() as usize, "hour")
    }
}

/// `+17.8 %` of `base` (`n/a` when the base is zero).
fn pct_of(delta: Money, base: Money) -> String {
    if base == Money::ZERO {
        "n/a".to_string()
    } else {
        format!(
            "{:+.1} %",
            delta.micros() as f64 / base.micros() as f64 * 100.0
        )
    }
}

/// Per `cloud/environment/resource`, the cost over the run under `variant`.
fn by_resource(c: &CostSummary, variant: &str) -> std::collections::BTreeMap<String, Money> {
    let mut out = std::collections::BTreeMap::new();
    for m in &c.months {
        for (k, v) in m.by_resource_usd.get(variant).into_iter().flatten() {
            *out.entry(k.clone()).or_insert(Money::ZERO) += parse_money(v).unwrap_or(Money::ZERO);
        }
    }
    out
}

/// The verdict as Markdown for a pull-request comment or `$GITHUB_STEP_SUMMARY`, Infracost-style:
/// a hidden marker, one headline line (the variant's monthly cost and, with a baseline, its
/// change), the broken rules, the SLO values and headroom, then the Previous / New / Diff tables
/// per month and per changed line folded in `<details>`.
pub fn markdown(v: &Verdict, r: &RunReport, rules: &Rules) -> String {
    markdown_with(v, r, None, rules)
}

/// [`markdown`] with the baseline run the increase rules compared against (its months and
/// lines become the "Previous" columns).
pub fn markdown_with(
    v: &Verdict,
    r: &RunReport,
    baseline: Option<&RunReport>,
    rules: &Rules,
) -> String {
    let s = &r.scenario;
    let variant = rules.variant.as_str();
    let mut out = format!("{COMMENT_MARKER}\n");
    let verdict = if v.passed { "✅ passed" } else { "❌ failed" };
    let base_cost = baseline.and_then(|b| b.cost.as_ref());
    let headline = match (r.cost.as_ref(), base_cost) {
        (Some(_), Some(_)) => match (
            run_total(r, variant),
            baseline.and_then(|b| run_total(b, variant)),
        ) {
            (Some((_, cur)), Some((_, base))) => format!(
                "{variant} **{}/month ({})** vs baseline — {cur}/month, was {base}",
                signed(cur - base),
                pct_of(cur - base, base)
            ),
            _ => format!("{variant}: no total to compare"),
        },
        (Some(_), None) => match run_total(r, variant) {
            Some((total, mean)) => format!(
                "{variant} **{mean}/month** ({total} over {})",
                span(s.duration_hours)
            ),
            None => format!("{variant}: no total"),
        },
        (None, _) => "not priced".to_string(),
    };
    out.push_str(&format!(
        "### capsim `{}`: {headline} · {verdict}\n\n",
        s.name
    ));
    if !v.failures.is_empty() {
        for f in &v.failures {
            out.push_str(&format!("- ❌ **{}** {}\n", f.rule, f.message));
        }
        out.push('\n');
    }
    // SLO values and headroom (the worst month of each).
    let mut slo = Vec::new();
    let worst = |get: fn(&super::MonthSlo) -> f64| {
        r.slo
            .months
            .iter()
            .min_by(|a, b| get(a).total_cmp(&get(b)))
            .map(|m| (m.month.clone(), get(m)))
    };
    if let Some((month, a)) = worst(|m| m.availability) {
        let min = rules.min_availability.unwrap_or(r.slo.availability_target);
        slo.push(format!(
            "availability {} (worst month {month}; minimum {}, headroom {:+.3} pp)",
            pct(a),
            pct(min),
            (a - min) * 100.0
        ));
    }
    if let Some((month, l)) = worst(|m| m.latency_compliance) {
        let min = rules
            .min_latency_compliance
            .unwrap_or(r.slo.availability_target);
        slo.push(format!(
            "p95 < {:.0} ms in {} of windows (worst month {month}; minimum {}, headroom {:+.3} pp)",
            r.slo.latency_p95_target_ms,
            pct(l),
            pct(min),
            (l - min) * 100.0
        ));
    }
    if let (Some(c), Some(budget)) = (&r.cost, rules.monthly_budget_usd) {
        let budget_m = usd(budget);
        if let Some((month, total)) = c
            .months
            .iter()
            .filter_map(|m| month_total(m, variant).map(|t| (&m.month, t)))
            .max_by(|a, b| a.1.cmp(&b.1))
        {
            slo.push(format!(
                "budget {budget_m}/month: worst month {month} at {total}, headroom {}",
                signed(budget_m - total)
            ));
        }
    }
    if !slo.is_empty() {
        out.push_str(&format!("SLO path {}: ", r.slo.path.join(" → ")));
        out.push_str(&slo.join("; "));
        out.push_str(".\n\n");
    }
    if let Some(c) = &r.cost {
        match base_cost {
            Some(bc) => {
                let mut rows = Vec::new();
                for m in &c.months {
                    let cur = month_total(m, variant);
                    let base = bc
                        .months
                        .iter()
                        .find(|b| b.month == m.month)
                        .and_then(|b| month_total(b, variant));
                    rows.push(diff_row(m.month.clone(), base, cur));
                }
                rows.push(diff_row(
                    "**run**".into(),
                    baseline.and_then(|b| run_total(b, variant)).map(|t| t.0),
                    run_total(r, variant).map(|t| t.0),
                ));
                out.push_str(&format!(
                    "<details><summary>{variant} per month: previous / new / diff</summary>\n\n"
                ));
                out.push_str(&super::markdown::md_table(
                    &["month", "previous", "new", "diff"],
                    &rows,
                ));
                out.push_str("\n</details>\n\n");
                let (cur, base) = (by_resource(c, variant), by_resource(bc, variant));
                let mut keys: Vec<&String> = cur.keys().chain(base.keys()).collect();
                keys.sort();
                keys.dedup();
                let mut changed: Vec<(&String, Option<Money>, Option<Money>, Money)> = keys
                    .into_iter()
                    .map(|k| {
                        let (b, n) = (base.get(k).copied(), cur.get(k).copied());
                        (k, b, n, n.unwrap_or(Money::ZERO) - b.unwrap_or(Money::ZERO))
                    })
                    .filter(|x| x.3 != Money::ZERO)
                    .collect();
                changed.sort_by(|a, b| {
                    b.3.micros()
                        .abs()
                        .cmp(&a.3.micros().abs())
                        .then(a.0.cmp(b.0))
                });
                let n = changed.len();
                let rows: Vec<Vec<String>> = changed
                    .iter()
                    .take(CHANGED_LINES)
                    .map(|(k, b, cur, _)| diff_row(format!("`{k}`"), *b, *cur))
                    .collect();
                out.push_str(&format!(
                    "<details><summary>{} changed over the run{}</summary>\n\n",
                    plural(n, "line"),
                    if n > CHANGED_LINES {
                        format!(" (the {CHANGED_LINES} largest)")
                    } else {
                        String::new()
                    }
                ));
                if rows.is_empty() {
                    out.push_str("No cost line changed.\n");
                } else {
                    out.push_str(&super::markdown::md_table(
                        &["line", "previous", "new", "diff"],
                        &rows,
                    ));
                }
                out.push_str("\n</details>\n\n");
            }
            None => {
                let rows: Vec<Vec<String>> = c
                    .months
                    .iter()
                    .map(|m| {
                        let total = month_total(m, variant);
                        let mut row = vec![
                            m.month.clone(),
                            total.map(|t| t.to_string()).unwrap_or_else(|| "-".into()),
                        ];
                        if let Some(b) = rules.monthly_budget_usd {
                            row.push(match total {
                                Some(t) => signed(usd(b) - t),
                                None => "-".into(),
                            });
                        }
                        row
                    })
                    .collect();
                let header: &[&str] = if rules.monthly_budget_usd.is_some() {
                    &["month", "total", "headroom"]
                } else {
                    &["month", "total"]
                };
                out.push_str(&format!(
                    "<details><summary>{variant} per month</summary>\n\n"
                ));
                out.push_str(&super::markdown::md_table(header, &rows));
                out.push_str("\n</details>\n\n");
                // The largest lines of the costliest month, once.
                if let Some(m) = c
                    .months
                    .iter()
                    .max_by(|a, b| month_total(a, variant).cmp(&month_total(b, variant)))
                {
                    let lines = top_lines(m, variant, TOP_LINES);
                    if !lines.is_empty() {
                        out.push_str(&format!(
                            "<details><summary>largest lines of {}</summary>\n\n",
                            m.month
                        ));
                        let rows: Vec<Vec<String>> = lines
                            .into_iter()
                            .map(|(k, v)| vec![format!("`{k}`"), v])
                            .collect();
                        out.push_str(&super::markdown::md_table(&["line", "cost"], &rows));
                        out.push_str("\n</details>\n\n");
                    }
                }
            }
        }
    }
    out.push_str(&format!(
        "<sub>{} checks · scenario `{}` seed {}, {} to {} · {} · capsim {}</sub>\n",
        v.checked.len(),
        s.file,
        s.seed,
        s.start,
        s.end,
        prices_line(r),
        r.capsim_version
    ));
    out
}

/// A Previous / New / Diff row (`-` for a side without the value).
fn diff_row(label: String, base: Option<Money>, cur: Option<Money>) -> Vec<String> {
    let show = |m: Option<Money>| m.map(|m| m.to_string()).unwrap_or_else(|| "-".into());
    let diff = match (base, cur) {
        (Some(b), Some(c)) => format!("{} ({})", signed(c - b), pct_of(c - b, b)),
        (None, Some(c)) => signed(c),
        (Some(b), None) => signed(-b),
        (None, None) => "-".into(),
    };
    vec![label, show(base), show(cur), diff]
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Version of `capsim check --format json`; bumped when a field changes meaning, type or
/// disappears (JSON Schema: `docs/check.schema.json`, `capsim schema check`).
pub const SCHEMA_VERSION: u32 = 1;

/// What `capsim check --format json` prints: the verdict, the rules, and the checked variant's
/// money and the worst SLO months as numbers, so a CI script reads them without parsing text.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CheckOutput {
    pub schema_version: u32,
    /// Every rule held (exit 0); false: one broke (exit 1).
    pub passed: bool,
    pub scenario: String,
    pub file: String,
    pub seed: u64,
    pub rules: Rules,
    pub price_book: Option<String>,
    pub price_book_date: Option<String>,
    pub failures: Vec<Failure>,
    /// What was checked, one line per rule.
    pub checked: Vec<String>,
    /// The checked variant's money (`null`: the run was not priced).
    pub totals: Option<CheckTotals>,
    /// The worst month of the SLO path (`null`: the run has no month).
    pub slo: Option<CheckSlo>,
}

/// The checked variant's money in US dollars (JSON numbers, exact to the micro-dollar).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CheckTotals {
    pub variant: String,
    pub monthly_budget_usd: Option<f64>,
    pub run_total_usd: Option<f64>,
    pub worst_month: Option<String>,
    pub worst_month_total_usd: Option<f64>,
    /// Budget − the worst month's total (negative: over the budget; `null`: no budget).
    pub worst_month_headroom_usd: Option<f64>,
    pub months: Vec<CheckMonth>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CheckMonth {
    pub month: String,
    pub total_usd: Option<f64>,
    /// Budget − total (negative: over; `null`: no budget).
    pub headroom_usd: Option<f64>,
    /// How far the total is over the budget, 0 within it (`null`: no budget).
    pub over_by_usd: Option<f64>,
}

/// The SLO path's worst month for each figure the gate checks.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CheckSlo {
    pub worst_month_latency_compliance: f64,
    pub worst_latency_month: String,
    pub worst_month_availability: f64,
    pub worst_availability_month: String,
}

/// The verdict as [`CheckOutput`].
pub fn output(v: &Verdict, r: &RunReport, rules: &Rules) -> CheckOutput {
    let worst = |f: fn(&super::MonthSlo) -> f64| {
        r.slo
            .months
            .iter()
            .min_by(|a, b| f(a).total_cmp(&f(b)))
            .map(|m| (f(m), m.month.clone()))
    };
    CheckOutput {
        schema_version: SCHEMA_VERSION,
        passed: v.passed,
        scenario: r.scenario.name.clone(),
        file: r.scenario.file.clone(),
        seed: r.scenario.seed,
        rules: rules.clone(),
        price_book: r.cost.as_ref().map(|c| c.price_book.clone()),
        price_book_date: r.cost.as_ref().map(|c| c.price_book_date.clone()),
        failures: v.failures.clone(),
        checked: v.checked.clone(),
        totals: totals(r, rules),
        slo: worst(|m| m.latency_compliance)
            .zip(worst(|m| m.availability))
            .map(|((lc, lm), (av, am))| CheckSlo {
                worst_month_latency_compliance: lc,
                worst_latency_month: lm,
                worst_month_availability: av,
                worst_availability_month: am,
            }),
    }
}

/// The verdict as pretty JSON (`capsim check --format json`).
pub fn json(v: &Verdict, r: &RunReport, rules: &Rules) -> String {
    super::json::pretty(&output(v, r, rules))
}

/// The checked variant's money as numbers (dollars, exact to the micro-dollar as decimals): each
/// month's total and its headroom under the budget, the run total, and the worst month.
pub(crate) fn totals(r: &RunReport, rules: &Rules) -> Option<CheckTotals> {
    let c = r.cost.as_ref()?;
    let variant = &rules.variant;
    let dollars = |s: Option<&String>| s.and_then(|s| parse_money(s)).map(Money::as_dollars_f64);
    let headroom = |total: f64| rules.monthly_budget_usd.map(|b| super::round6(b - total));
    let totals: Vec<(&String, Option<f64>)> = c
        .months
        .iter()
        .map(|m| (&m.month, dollars(m.totals_usd.get(variant))))
        .collect();
    let months = totals
        .iter()
        .map(|&(month, total)| CheckMonth {
            month: month.clone(),
            total_usd: total,
            headroom_usd: total.and_then(headroom),
            over_by_usd: total
                .and_then(headroom)
                .map(|h| if h < 0.0 { -h } else { 0.0 }),
        })
        .collect();
    let worst = totals
        .iter()
        .filter_map(|&(month, t)| t.map(|t| (month, t)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    Some(CheckTotals {
        variant: variant.clone(),
        monthly_budget_usd: rules.monthly_budget_usd,
        run_total_usd: dollars(c.run_totals_usd.get(variant)),
        worst_month: worst.map(|w| w.0.clone()),
        worst_month_total_usd: worst.map(|w| w.1),
        worst_month_headroom_usd: worst.and_then(|w| headroom(w.1)),
        months,
    })
}

/// The verdict as plain text for a terminal or a CI log.
pub fn text(v: &Verdict, r: &RunReport, rules: &Rules) -> String {
    let s = &r.scenario;
    let mut out = format!(
        "capsim check {} — scenario {} ({}), seed {}, {} to {}; costs under {}, {}\n",
        if v.passed { "PASSED" } else { "FAILED" },
        s.name,
        s.file,
        s.seed,
        s.start,
        s.end,
        rules.variant,
        prices_line(r)
    );
    for c in &v.checked {
        out.push_str(&format!("  checked {c}\n"));
    }
    for f in &v.failures {
        out.push_str(&format!("FAIL [{}] {}\n", f.rule, f.message));
        for (res, cost) in &f.lines {
            out.push_str(&format!("    {cost:>14}  {res}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::report::{MonthSlo, RunReport};

    fn month(label: &str, od: &str, lines: &[(&str, &str)]) -> CostMonth {
        let by: BTreeMap<String, String> = lines
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        CostMonth {
            month: label.into(),
            totals_usd: [
                ("on-demand".to_string(), od.to_string()),
                ("spot".to_string(), "1.00".to_string()),
            ]
            .into_iter()
            .collect(),
            cheapest: "spot".into(),
            on_demand_by_cloud_usd: BTreeMap::new(),
            on_demand_by_environment_usd: BTreeMap::new(),
            by_resource_usd: [("on-demand".to_string(), by)].into_iter().collect(),
        }
    }

    fn slo_month(label: &str, compliance: f64, availability: f64) -> MonthSlo {
        MonthSlo {
            month: label.into(),
            latency_compliance: compliance,
            availability,
            error_budget_burn: 0.0,
            windows: 100,
            failed_requests: 0.0,
            worst_p95_ms: 0.0,
            worst_window_p95_ms: 0.0,
        }
    }

    /// A real run of the small fixture (so the report has every field, whatever fields are added
    /// later), simulated once.
    fn simulated() -> &'static RunReport {
        static RUN: std::sync::OnceLock<RunReport> = std::sync::OnceLock::new();
        RUN.get_or_init(|| crate::report::fixture_report("small"))
    }

    /// The simulated report with hand-set SLO months and costs.
    fn report(months: Vec<CostMonth>, run_total: &str) -> RunReport {
        let mut r = simulated().clone();
        r.slo.path = vec!["web".into()];
        r.slo.months = vec![
            slo_month("2026-01", 1.0, 0.9999),
            slo_month("2026-02", 0.98, 0.9995),
        ];
        r.cost = Some(CostSummary {
            currency: "USD".into(),
            price_book: "book.csv".into(),
            price_book_date: "2026-11-26".into(),
            price_book_oldest: "2026-01-01".into(),
            variants: vec!["on-demand".into(), "spot".into()],
            months,
            run_totals_usd: [("on-demand".to_string(), run_total.to_string())]
                .into_iter()
                .collect(),
            cheapest_overall: "spot".into(),
            commitments: Vec::new(),
            sizing: Vec::new(),
            warnings: Vec::new(),
        });
        r
    }

    fn base() -> RunReport {
        report(
            vec![
                month(
                    "2026-01",
                    "100.00",
                    &[("aws/prod/db", "60.00"), ("aws/prod/nodes", "40.00")],
                ),
                month(
                    "2026-02",
                    "250.50",
                    &[
                        ("aws/prod/db", "60.00"),
                        ("aws/prod/nodes", "150.50"),
                        ("gcp/prod/nodes", "40.00"),
                    ],
                ),
            ],
            "350.50",
        )
    }

    #[test]
    fn budget_fails_only_the_months_over_it_and_names_their_top_lines() {
        let r = base();
        let rules = Rules {
            monthly_budget_usd: Some(250.0),
            ..Rules::default()
        };
        let v = evaluate(&r, None, &rules);
        assert!(!v.passed);
        assert_eq!(v.failures.len(), 1);
        let f = &v.failures[0];
        assert_eq!(f.rule, "budget");
        assert_eq!(f.month.as_deref(), Some("2026-02"));
        assert!(f.message.contains("$250.50"), "{}", f.message);
        assert!(f.message.contains("by $0.50"), "{}", f.message);
        assert_eq!(
            f.lines[0],
            ("aws/prod/nodes".to_string(), "$150.50".to_string())
        );
        assert_eq!(f.lines.len(), 3);
        // Exactly at the budget passes.
        let ok = Rules {
            monthly_budget_usd: Some(250.5),
            ..Rules::default()
        };
        assert!(evaluate(&r, None, &ok).passed);
        let md = markdown(&v, &r, &rules);
        assert!(md.contains("❌") && md.contains("2026-02") && md.contains("aws/prod/nodes"));
        assert!(md.contains("2026-11-26"));
    }

    #[test]
    fn unpriced_run_fails_cost_rules_with_a_clear_message() {
        let mut r = base();
        r.cost = None;
        let rules = Rules {
            monthly_budget_usd: Some(1e9),
            ..Rules::default()
        };
        let v = evaluate(&r, None, &rules);
        assert!(!v.passed);
        assert!(v.failures[0].message.contains("not priced"));
        let inc = Rules {
            max_increase_pct: Some(10.0),
            ..Rules::default()
        };
        let v = evaluate(&base(), Some(&r), &inc);
        assert!(!v.passed);
        assert!(
            v.failures[0]
                .message
                .contains("baseline has no cost section")
        );
    }

    #[test]
    fn increase_against_the_baseline_per_month_and_over_the_run() {
        let b = base();
        let same = Rules {
            max_increase_pct: Some(0.0),
            ..Rules::default()
        };
        assert!(evaluate(&b, Some(&b), &same).passed);
        let cheaper = report(
            vec![
                month("2026-01", "100.00", &[]),
                month("2026-02", "200.00", &[]),
            ],
            "300.00",
        );
        let v = evaluate(&b, Some(&cheaper), &same);
        assert!(!v.passed);
        // February (+25.25 %) and the run total (+16.8 %) fail; January is unchanged.
        assert_eq!(v.failures.len(), 2, "{:?}", v.failures);
        assert_eq!(v.failures[0].month.as_deref(), Some("2026-02"));
        assert!(
            v.failures[0].message.contains("+$50.50"),
            "{}",
            v.failures[0].message
        );
        assert_eq!(v.failures[1].month, None);
        // $50.50 more is within a $60 allowance, but not within $50.
        let usd_ok = Rules {
            max_increase_usd: Some(60.0),
            ..Rules::default()
        };
        assert!(evaluate(&b, Some(&cheaper), &usd_ok).passed);
        let usd_bad = Rules {
            max_increase_usd: Some(50.0),
            ..Rules::default()
        };
        assert_eq!(evaluate(&b, Some(&cheaper), &usd_bad).failures.len(), 2);
        // Without a baseline the rule fails, naming the flag.
        let v = evaluate(&b, None, &same);
        assert!(v.failures[0].message.contains("--baseline"));
    }

    #[test]
    fn slo_minimums_are_checked_per_month() {
        let r = base();
        let rules = Rules {
            min_latency_compliance: Some(0.99),
            min_availability: Some(0.999),
            ..Rules::default()
        };
        let v = evaluate(&r, None, &rules);
        assert_eq!(v.failures.len(), 1);
        assert_eq!(v.failures[0].rule, "latency-compliance");
        assert_eq!(v.failures[0].month.as_deref(), Some("2026-02"));
        let strict = Rules {
            min_availability: Some(0.9999),
            ..Rules::default()
        };
        let v = evaluate(&r, None, &strict);
        assert_eq!(v.failures.len(), 1);
        assert_eq!(v.failures[0].rule, "availability");
        assert!(text(&v, &r, &strict).contains("FAILED"));
    }

    #[test]
    fn unknown_variant_in_the_report_is_a_failure() {
        let rules = Rules {
            monthly_budget_usd: Some(1000.0),
            variant: "committed-3y".into(),
            ..Rules::default()
        };
        let v = evaluate(&base(), None, &rules);
        assert!(!v.passed);
        assert!(v.failures[0].message.contains("committed-3y"));
    }

    #[test]
    fn evaluate_a_simulated_run() {
        let r = simulated();
        let total = month_total(&r.cost.as_ref().unwrap().months[0], "on-demand").unwrap();
        let below = Rules {
            monthly_budget_usd: Some(total.as_dollars_f64() - 0.01),
            ..Rules::default()
        };
        assert!(!evaluate(r, None, &below).passed);
        assert!(!evaluate(r, None, &below).failures[0].lines.is_empty());
        let above = Rules {
            monthly_budget_usd: Some(total.as_dollars_f64() + 0.01),
            min_availability: Some(0.0),
            ..Rules::default()
        };
        let v = evaluate(r, Some(r), &above);
        assert!(v.passed, "{:?}", v.failures);
        assert_eq!(v.checked.len(), 2);
    }
}
