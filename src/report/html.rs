//! `report.html`: one self-contained page (inline CSS, charts inline as SVG, no script, no
//! network) that someone who never saw the scenario can read: a headline, the charts, the cost
//! tables and the assumptions. A pure function of the [`RunReport`]; all text is escaped.

use std::fmt::Write as _;

use super::{RunReport, check, svg};

const CSS: &str = "\
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;margin:0;background:#f4f5f7;color:#1d2433;font-size:15px;line-height:1.45;overflow-wrap:anywhere}
main{max-width:1180px;margin:0 auto;padding:20px}
header{background:#1d2433;color:#fff;padding:20px}
header h1{margin:0 0 6px;font-size:24px}header p{margin:4px 0;color:#cfd5e3}
section{background:#fff;border-radius:8px;padding:16px 20px;margin:0 0 20px;box-shadow:0 1px 3px rgba(0,0,0,.08);min-width:0}
h2{font-size:20px;margin:4px 0 12px}h3{font-size:16px;margin:14px 0 8px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,210px),1fr));gap:12px;margin-bottom:12px}
.card{border:1px solid #dfe3ea;border-radius:6px;padding:10px 14px}
.card .v{font-size:21px;font-weight:bold}.card .v .u{font-size:14px;font-weight:normal}.card .k{font-size:13px;color:#5a6376}
.card.bad{border-color:#e8a09a;background:#fdf0ef}.card.ok{border-color:#9fd3a6;background:#f0f9f1}
.verdict{display:inline-block;font-size:20px;font-weight:bold;padding:6px 14px;border-radius:6px;margin:0 0 10px}
.verdict.ok{background:#e3f4e3;color:#1b5e20}.verdict.bad{background:#fde7e5;color:#b3261e}
.scroll{overflow-x:auto;max-width:100%;margin:6px 0 14px}
table{border-collapse:collapse;font-size:13px}
th,td{border-bottom:1px solid #e3e6ec;padding:4px 10px;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}th{background:#f0f2f6}
tr.budget td{background:#eef4fd}td.best{background:#e3f4e3;font-weight:bold}tr.worst td{font-weight:bold}
.ok{color:#1b7f2a}.bad{color:#b3261e}td.bad{background:#fdf0ef}
.est{font-size:11px;color:#7a4b00;background:#fff4d6;border:1px solid #f0d48a;border-radius:3px;padding:0 3px;margin-left:4px;cursor:help;white-space:nowrap}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;list-style:none;padding:0;margin:4px 0 10px;font-size:13px}
.legend li{display:flex;align-items:center;gap:6px}.sw{display:inline-block;width:22px;height:4px;border-radius:2px}
.sw.band{height:12px;width:14px;opacity:.35}.sw.dash{background:repeating-linear-gradient(90deg,#c62828 0 6px,transparent 6px 10px)!important}
.multiples{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,340px),1fr));gap:14px 18px}
figure.chart{margin:0;min-width:0}figure.chart h4{margin:0 0 2px;font-size:14px}
figure.chart svg{width:100%;height:auto;display:block}
svg .hover rect:hover{fill-opacity:.07}
figcaption,.note{font-size:13px;color:#5a6376}
ul.warn li{font-size:13px;color:#7a4b00}
ul.rules{padding-left:20px;margin:6px 0}ul.rules li{margin:2px 0}
details{margin:6px 0}summary{cursor:pointer}
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:4px 16px;font-size:14px}dt{color:#5a6376}dd{margin:0}
@media (max-width:640px){main{padding:10px}section{padding:12px;border-radius:6px}header{padding:14px}header h1{font-size:20px}h2{font-size:18px}dl{grid-template-columns:minmax(0,1fr)}dd{margin-bottom:6px}}
";

/// Escape text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn usd(s: &str) -> f64 {
    s.parse().unwrap_or(0.0)
}

/// `1234.5` → `$1,234.50`.
fn money(x: f64) -> String {
    let grouped = svg::group(&format!("{:.2}", x.abs()));
    format!("{}${grouped}", if x < 0.0 { "-" } else { "" })
}

/// A percentage that falls short of `target`, with enough decimals (up to 6) not to read as
/// the target: 94.996 % against 95 % shows "94.996 %", not a red "95.00 %"; a shortfall from
/// 1 never reads "100.00 %".
fn pct_short_of(x: f64, target: f64, decimals: usize) -> String {
    let mut d = decimals;
    while x < target && d < 6 && pct(x, d) == pct(target, d) {
        d += 1;
    }
    pct(x, d)
}

fn pct(x: f64, decimals: usize) -> String {
    format!("{:.*} %", decimals, x * 100.0)
}

/// A page's start, up to and including `<body>`: doctype, charset, viewport, title, the CSS.
pub(crate) fn page_start(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        esc(title)
    )
}

/// The page: the decision first (verdict, cost per variant, SLOs, alerts, outages), then
/// capacity tables, the charts over the run and at the peak day, monthly cost and assumptions.
pub fn render(r: &RunReport) -> String {
    let sc = &r.scenario;
    let mut h = page_start(&format!("capsim report: {}", sc.name));
    let _ = write!(
        h,
        "<header><h1>Capacity and cost report: {}</h1><p>{}</p><p>Simulated {} to {} ({}), {} hours; seed {}; capsim {}.</p></header>\n<main>\n",
        esc(&sc.name),
        esc(&sc.description),
        esc(&sc.start),
        esc(&sc.end),
        esc(&sc.time_zone),
        sc.duration_hours,
        sc.seed,
        esc(&r.capsim_version)
    );
    verdict(&mut h, r);
    cost_variants(&mut h, r);
    slo_section(&mut h, r);
    alerts(&mut h, r);
    outages(&mut h, r);
    capacity(&mut h, r);
    charts_section(&mut h, r);
    peak_day(&mut h, r);
    cost_tables(&mut h, r);
    assumptions(&mut h, r);
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

/// Run total → per year: scaled by simulated hours (a 12-month run gives the total itself).
fn per_year_factor(r: &RunReport) -> f64 {
    let hours = r.scenario.duration_hours;
    if hours > 0.0 { 8760.0 / hours } else { 1.0 }
}

fn card(h: &mut String, class: &str, value: &str, key: &str) {
    let _ = write!(
        h,
        "<div class=\"card {class}\"><div class=\"v\">{}</div><div class=\"k\">{}</div></div>",
        esc(value),
        esc(key)
    );
}

/// A table inside a horizontally scrolling wrapper: `head` cells, then rows of (class, cells).
/// Cells are HTML already (escape text before).
fn table(h: &mut String, id: &str, head: &[&str], rows: &[(String, Vec<String>)]) {
    let _ = write!(h, "<div class=\"scroll\"><table id=\"{id}\"><tr>");
    for c in head {
        let _ = write!(h, "<th>{}</th>", esc(c));
    }
    h.push_str("</tr>\n");
    for (class, cells) in rows {
        if class.is_empty() {
            h.push_str("<tr>");
        } else {
            let _ = write!(h, "<tr class=\"{class}\">");
        }
        for c in cells {
            let _ = write!(h, "<td>{c}</td>");
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table></div>\n");
}

/// `est.` / `stale` markers for an amount of which `estimate` and `stale` dollars come from
/// price-book rows so marked (empty when neither).
fn price_marker(total: f64, estimate: f64, stale: f64) -> String {
    let mut out = String::new();
    let share = |x: f64| {
        if total.abs() > 0.0 {
            format!(" ({:.0} %)", x / total * 100.0)
        } else {
            String::new()
        }
    };
    if estimate.abs() >= 0.005 {
        let _ = write!(
            out,
            "<span class=\"est\" title=\"{}{} of this is priced from price-book rows marked estimate (not a price-list reading)\">est.</span>",
            money(estimate),
            share(estimate)
        );
    }
    if stale.abs() >= 0.005 {
        let _ = write!(
            out,
            "<span class=\"est\" title=\"{}{} of this is priced from price-book rows more than 12 months old\">stale</span>",
            money(stale),
            share(stale)
        );
    }
    out
}

/// Markers for a month's total (or the run's, `month` = None) under `variant`.
fn marker_for(r: &RunReport, month: Option<&str>, variant: &str, total: f64) -> String {
    let Some(m) = &r.price_marks else {
        return String::new();
    };
    let (e, s) = match month {
        Some(mo) => m.month(mo, variant),
        None => m.run(variant),
    };
    price_marker(total, e, s)
}

fn month_total(c: &super::cost::CostSummary, month: &str, variant: &str) -> Option<f64> {
    c.months
        .iter()
        .find(|m| m.month == month)
        .and_then(|m| m.totals_usd.get(variant))
        .map(|x| usd(x))
}

/// The verdict of the scenario's own gate (`spec.check`), judged by `capsim check`'s evaluation,
/// and the cards a decision needs.
fn verdict(h: &mut String, r: &RunReport) {
    h.push_str("<section id=\"verdict\"><h2>Verdict</h2>\n");
    let slo = &r.slo;
    match &r.check {
        None => h.push_str("<p class=\"note\">The scenario sets no rules in <code>spec.check</code>; <code>capsim check</code> with <code>--budget</code>, <code>--min-availability</code>, … judges a run.</p>\n"),
        Some(c) => {
            let rules = c.rules(false);
            let v = check::evaluate(r, None, &rules);
            let holding = v
                .checked
                .iter()
                .filter(|line| !v.failures.iter().any(|f| line.starts_with(&format!("{}:", f.rule))))
                .count();
            let _ = write!(
                h,
                "<div class=\"verdict {}\">{} — {holding} of {} rules hold</div>\n<ul class=\"rules\">",
                if v.passed { "ok" } else { "bad" },
                if v.passed { "✔ Passes its check" } else { "✘ Fails its check" },
                v.checked.len()
            );
            for line in &v.checked {
                let rule = line.split(':').next().unwrap_or_default();
                let fails: Vec<&check::Failure> =
                    v.failures.iter().filter(|f| f.rule == rule).collect();
                if fails.is_empty() {
                    let _ = write!(h, "<li><span class=\"ok\">✔</span> {}</li>", esc(line));
                } else {
                    let months = fails.iter().filter(|f| f.month.is_some()).count();
                    let _ = write!(
                        h,
                        "<li><span class=\"bad\">✘</span> {} — <b class=\"bad\">{}</b><details><summary>{} failure(s)</summary><ul>",
                        esc(line),
                        if months > 0 {
                            format!("fails in {months} month(s)")
                        } else {
                            "fails".to_string()
                        },
                        fails.len()
                    );
                    for f in &fails {
                        let _ = write!(h, "<li>{}</li>", esc(&f.message));
                    }
                    h.push_str("</ul></details></li>");
                }
            }
            h.push_str("</ul>\n");
            if c.max_increase_usd.is_some() || c.max_increase_pct.is_some() {
                let _ = writeln!(
                    h,
                    "<p class=\"note\">The increase rule compares with a baseline run ({}); run <code>capsim check</code> to judge it.</p>",
                    esc(c.baseline.as_deref().unwrap_or("no baseline named"))
                );
            }
            budget_table(h, r, &rules);
        }
    }
    // The cards.
    h.push_str("<div class=\"cards\">");
    let windows: u32 = slo.months.iter().map(|m| m.windows).sum();
    let ok_windows: f64 = slo
        .months
        .iter()
        .map(|m| m.latency_compliance * f64::from(m.windows))
        .sum();
    let latency_ok = if windows > 0 {
        ok_windows / f64::from(windows)
    } else {
        1.0
    };
    let min_avail = r
        .check
        .as_ref()
        .and_then(|c| c.min_availability)
        .unwrap_or(slo.availability_target);
    let months_ok = slo
        .months
        .iter()
        .filter(|m| m.availability >= min_avail)
        .count();
    let worst = slo
        .months
        .iter()
        .min_by(|a, b| a.availability.total_cmp(&b.availability));
    card(
        h,
        if months_ok == slo.months.len() {
            "ok"
        } else {
            "bad"
        },
        &format!("{months_ok} of {}", slo.months.len()),
        &format!(
            "months with availability ≥ {}{}",
            pct(min_avail, 2),
            worst
                .map(|w| format!(" (worst {} in {})", pct(w.availability, 3), w.month))
                .unwrap_or_default()
        ),
    );
    let worst_p95 = slo
        .months
        .iter()
        .map(|m| m.worst_window_p95_ms)
        .fold(0.0, f64::max);
    // Judged like the gate when the scenario has a compliance rule (a window over the target
    // is then allowed), else by any window over the target.
    let latency_state = match r.check.as_ref().and_then(|c| c.min_latency_compliance) {
        Some(min) if slo.months.iter().all(|m| m.latency_compliance >= min) => "ok",
        Some(_) => "bad",
        None if worst_p95 <= slo.latency_p95_target_ms => "ok",
        None => "bad",
    };
    card(
        h,
        latency_state,
        &pct_short_of(latency_ok, 1.0, 2),
        &format!(
            "of {}-minute windows with p95 under {} ms; worst window p95 {} ms",
            slo.window_s / 60.0,
            slo.latency_p95_target_ms,
            svg::num(worst_p95)
        ),
    );
    let fired: u32 = slo.alerts.iter().map(|a| a.firings).sum();
    card(
        h,
        if fired == 0 { "ok" } else { "bad" },
        &fired.to_string(),
        &format!(
            "alert firings{}",
            slo.alerts
                .iter()
                .filter(|a| a.firings > 0)
                .max_by_key(|a| a.firings)
                .map(|a| format!(", most {} ({}×)", a.name, a.firings))
                .unwrap_or_default()
        ),
    );
    if let Some(c) = &r.cost {
        let variant = r.check.as_ref().map_or("on-demand", |k| k.variant.as_str());
        if let Some(t) = c.run_totals_usd.get(variant).map(|x| usd(x)) {
            let _ = write!(
                h,
                "<div class=\"card\"><div class=\"v\">{}<span class=\"u\">/month</span>{}</div><div class=\"k\">average under {}{}</div></div>",
                money(t * r.scenario.per_month_factor()),
                marker_for(r, None, variant, t),
                esc(variant),
                if r.check
                    .as_ref()
                    .is_some_and(|k| k.monthly_budget_usd.is_some())
                {
                    " (the budget's variant)"
                } else {
                    ""
                }
            );
        }
        if let Some(t) = c.run_totals_usd.get(&c.cheapest_overall).map(|x| usd(x)) {
            let _ = write!(
                h,
                "<div class=\"card\"><div class=\"v\">{}<span class=\"u\">/month</span>{}</div><div class=\"k\">cheapest variant: {}</div></div>",
                money(t * r.scenario.per_month_factor()),
                marker_for(r, None, &c.cheapest_overall, t),
                esc(&c.cheapest_overall)
            );
        }
    }
    if !r.outages.is_empty() {
        let rec = r
            .outages
            .iter()
            .filter_map(|o| o.recovery_minutes)
            .fold(0.0, f64::max);
        card(
            h,
            "bad",
            &format!("{} min", svg::num(rec)),
            &format!("longest recovery after {} outage(s)", r.outages.len()),
        );
    }
    h.push_str("</div>\n</section>\n");
}

/// Month by month under the budget's variant: total, budget, headroom, estimate part; the worst
/// month in bold. The worst month and the headrooms are `capsim check --format json`'s totals.
fn budget_table(h: &mut String, r: &RunReport, rules: &check::Rules) {
    let (Some(totals), Some(budget)) = (check::totals(r, rules), rules.monthly_budget_usd) else {
        return;
    };
    let worst = totals.worst_month.clone().unwrap_or_default();
    if let (Some(t), Some(room)) = (
        totals.worst_month_total_usd,
        totals.worst_month_headroom_usd,
    ) {
        let _ = writeln!(
            h,
            "<p>Worst month <b>{}</b>: {}{} under {}, {} the {} budget by <b class=\"{}\">{}</b>.</p>",
            esc(&worst),
            money(t),
            marker_for(r, Some(&worst), &rules.variant, t),
            esc(&rules.variant),
            if room < 0.0 { "over" } else { "within" },
            money(budget),
            if room < 0.0 { "bad" } else { "ok" },
            money(room.abs())
        );
    }
    let mut within = 0;
    let rows: Vec<(String, Vec<String>)> = totals
        .months
        .iter()
        .map(|m| {
            let month = m.month.as_str();
            let total = m.total_usd;
            let room = m.headroom_usd;
            let over = room.is_none_or(|x| x < 0.0);
            if !over {
                within += 1;
            }
            let (e, _) = r
                .price_marks
                .as_ref()
                .map_or((0.0, 0.0), |pm| pm.month(month, &rules.variant));
            (
                if month == worst {
                    "worst".into()
                } else {
                    String::new()
                },
                vec![
                    esc(month),
                    format!(
                        "{}{}",
                        total.map(money).unwrap_or_else(|| "–".into()),
                        total.map_or(String::new(), |t| marker_for(
                            r,
                            Some(month),
                            &rules.variant,
                            t
                        ))
                    ),
                    money(budget),
                    format!(
                        "<span class=\"{}\">{}{}</span>",
                        if over { "bad" } else { "ok" },
                        if over { "−" } else { "+" },
                        room.map(|x| money(x.abs())).unwrap_or_else(|| "–".into())
                    ),
                    if e.abs() >= 0.005 {
                        money(e)
                    } else {
                        "–".into()
                    },
                ],
            )
        })
        .collect();
    let _ = write!(
        h,
        "<details{}><summary>Budget month by month ({}: {within} of {} months within {})</summary>",
        if rows.len() <= 3 { " open" } else { "" },
        esc(&rules.variant),
        rows.len(),
        money(budget)
    );
    table(
        h,
        "budget-months",
        &["month", "total", "budget", "headroom", "of it estimated"],
        &rows,
    );
    h.push_str("</details>\n");
}

/// Cost per purchase variant: the budget's variant highlighted, the cheapest marked, months
/// within the budget per variant, estimate markers.
fn cost_variants(h: &mut String, r: &RunReport) {
    h.push_str("<section id=\"cost-variants\"><h2>Cost per purchase variant</h2>\n");
    let Some(c) = &r.cost else {
        h.push_str("<p>This run was not priced.</p>\n</section>\n");
        return;
    };
    let f = per_year_factor(r);
    let budget = r.check.as_ref().and_then(|k| k.monthly_budget_usd);
    let budget_variant = r.check.as_ref().map(|k| k.variant.as_str());
    let _ = writeln!(
        h,
        "<p>{} month(s) priced with {} (prices as of {}). Per year = the run's total scaled to 8,760 hours ({} h simulated); per month = scaled to 730 hours.{}</p>",
        c.months.len(),
        esc(&c.price_book),
        esc(&c.price_book_date),
        r.scenario.duration_hours,
        match (budget, budget_variant) {
            (Some(b), Some(v)) => format!(
                " The budget of {} a month applies to <b>{}</b> (highlighted).",
                money(b),
                esc(v)
            ),
            _ => String::new(),
        }
    );
    let mut head = vec!["variant", "per month (average)", "per year", "whole run"];
    if budget.is_some() {
        head.push("months within budget");
    }
    let rows: Vec<(String, Vec<String>)> = c
        .variants
        .iter()
        .map(|v| {
            let t = c.run_totals_usd.get(v).map_or(0.0, |x| usd(x));
            let mark = marker_for(r, None, v, t);
            let is_budget = Some(v.as_str()) == budget_variant && budget.is_some();
            let mut cells = vec![
                format!(
                    "{}{}{}",
                    esc(v),
                    if *v == c.cheapest_overall {
                        " (cheapest)"
                    } else {
                        ""
                    },
                    if is_budget { " (budget)" } else { "" }
                ),
                format!("{}{mark}", money(t * r.scenario.per_month_factor())),
                money(t * f),
                money(t),
            ];
            if let Some(b) = budget {
                let within = c
                    .months
                    .iter()
                    .filter(|m| m.totals_usd.get(v).is_some_and(|x| usd(x) <= b))
                    .count();
                cells.push(format!(
                    "<span class=\"{}\">{within} of {}</span>",
                    if within == c.months.len() {
                        "ok"
                    } else {
                        "bad"
                    },
                    c.months.len()
                ));
            }
            (
                if is_budget {
                    "budget".to_string()
                } else {
                    String::new()
                },
                cells,
            )
        })
        .collect();
    table(h, "variants", &head, &rows);
    if r.price_marks.as_ref().is_some_and(|m| !m.rows.is_empty()) {
        h.push_str("<p class=\"note\"><span class=\"est\">est.</span> marks a total that includes prices the price book flags as estimates; <span class=\"est\">stale</span> one that includes rows more than 12 months old. Hover for how much.</p>\n");
    }
    h.push_str("</section>\n");
}

fn slo_section(h: &mut String, r: &RunReport) {
    let slo = &r.slo;
    let min_lat = r.check.as_ref().and_then(|c| c.min_latency_compliance);
    let min_avail = r
        .check
        .as_ref()
        .and_then(|c| c.min_availability)
        .unwrap_or(slo.availability_target);
    let _ = writeln!(
        h,
        "<section id=\"slo\"><h2>SLOs</h2>\n<p>On the path <b>{}</b>: {}. {} windows violated it. The worst window p95 is the highest p95 of any window in the month, failing or not.</p>",
        esc(&slo.path.join(" → ")),
        esc(&slo.objective()),
        slo.violating_windows
    );
    let bad = |ok: bool, text: String| {
        if ok {
            text
        } else {
            format!("<span class=\"bad\">{text}</span>")
        }
    };
    let rows: Vec<(String, Vec<String>)> = slo
        .months
        .iter()
        .map(|m| {
            (
                String::new(),
                vec![
                    esc(&m.month),
                    m.windows.to_string(),
                    bad(
                        min_lat.is_none_or(|x| m.latency_compliance >= x),
                        min_lat.map_or_else(
                            || pct(m.latency_compliance, 3),
                            |x| pct_short_of(m.latency_compliance, x, 3),
                        ),
                    ),
                    bad(
                        m.availability >= min_avail,
                        pct_short_of(m.availability, min_avail, 3),
                    ),
                    bad(
                        m.error_budget_burn <= 1.0,
                        format!("{:.2}", m.error_budget_burn),
                    ),
                    bad(
                        m.worst_window_p95_ms <= slo.latency_p95_target_ms,
                        ms(m.worst_window_p95_ms),
                    ),
                ],
            )
        })
        .collect();
    table(
        h,
        "slo-months",
        &[
            "month",
            "windows",
            "p95 compliance",
            "availability",
            "error budget burn",
            "worst window p95",
        ],
        &rows,
    );
    h.push_str(&format!(
        "<h3>Per service</h3>\n<p class=\"note\">Each service against the path's target ({}); a service off the path (marked) has no target of its own, so its compliance says only how often it would meet this one.</p>\n",
        ms(slo.latency_p95_target_ms)
    ));
    let rows: Vec<(String, Vec<String>)> = slo
        .services
        .iter()
        .map(|s| {
            let worst_av = s.months.iter().map(|m| m.availability).fold(1.0, f64::min);
            let worst_lc = s
                .months
                .iter()
                .map(|m| m.latency_compliance)
                .fold(1.0, f64::min);
            let worst_p95 = s
                .months
                .iter()
                .map(|m| m.worst_window_p95_ms)
                .fold(0.0, f64::max);
            (
                String::new(),
                vec![
                    if slo.path.contains(&s.service) {
                        esc(&s.service)
                    } else {
                        format!("{} (off the path)", esc(&s.service))
                    },
                    pct(worst_lc, 3),
                    bad(worst_av >= min_avail, pct(worst_av, 3)),
                    ms(worst_p95),
                ],
            )
        })
        .collect();
    table(
        h,
        "slo-services",
        &[
            "service",
            "worst month p95 compliance",
            "worst month availability",
            "worst window p95",
        ],
        &rows,
    );
    h.push_str("</section>\n");
}

fn alerts(h: &mut String, r: &RunReport) {
    h.push_str("<section id=\"alerts\"><h2>Alerts</h2>\n");
    if r.slo.alerts.is_empty() {
        h.push_str(
            "<p>The scenario defines no alert rules (<code>spec.slo.alerts</code>).</p>\n</section>\n",
        );
        return;
    }
    let rows: Vec<(String, Vec<String>)> = r
        .slo
        .alerts
        .iter()
        .map(|a| {
            (
                String::new(),
                vec![
                    esc(&a.name),
                    esc(&a.condition),
                    if a.firings > 0 {
                        format!("<b class=\"bad\">{}</b>", a.firings)
                    } else {
                        "<span class=\"ok\">0</span>".to_string()
                    },
                    svg::num(a.firing_hours),
                ],
            )
        })
        .collect();
    table(
        h,
        "alerts-table",
        &["alert", "fires when", "times fired", "hours firing"],
        &rows,
    );
    h.push_str("</section>\n");
}

fn outages(h: &mut String, r: &RunReport) {
    h.push_str("<section id=\"outages\"><h2>Outages</h2>\n");
    if r.outages.is_empty() {
        h.push_str(
            "<p>No outage is simulated in this scenario (<code>spec.events</code>).</p>\n</section>\n",
        );
        return;
    }
    let rows: Vec<(String, Vec<String>)> = r
        .outages
        .iter()
        .map(|o| {
            (
                String::new(),
                vec![
                    esc(&o.cloud),
                    esc(&super::short_time(&o.start)),
                    esc(&super::short_time(&o.end)),
                    o.violating_windows.to_string(),
                    pct(o.worst_window_availability, 3),
                    ms(o.worst_window_p95_ms),
                    o.recovered_at
                        .as_deref()
                        .map_or("no window failed".into(), |t| esc(&super::short_time(t))),
                    o.recovery_minutes
                        .map_or("–".into(), |m| format!("<b>{} min</b>", svg::num(m))),
                ],
            )
        })
        .collect();
    table(
        h,
        "outages-table",
        &[
            "cloud",
            "down from",
            "to",
            "failing SLO windows",
            "worst window availability",
            "worst window p95",
            "SLO met again at",
            "recovery",
        ],
        &rows,
    );
    for w in r.intraday.iter().filter(|w| w.kind == "outage") {
        intraday_panels(h, r, w);
    }
    h.push_str("</section>\n");
}

fn capacity(h: &mut String, r: &RunReport) {
    h.push_str("<section id=\"capacity\"><h2>Capacity</h2>\n<h3>Services</h3>\n");
    let rows: Vec<(String, Vec<String>)> = r
        .services
        .iter()
        .map(|s| {
            let at_max = s.hpa_max_replicas.is_some_and(|m| s.peak_replicas >= m);
            (
                String::new(),
                vec![
                    esc(&s.name),
                    esc(&s.cloud),
                    match &s.not_placed {
                        Some(why) => format!("<span title=\"{}\">not placed</span>", esc(why)),
                        None => esc(&s.hpa_range()),
                    },
                    if at_max {
                        format!(
                            "<b class=\"bad\" title=\"reached maxReplicas\">{}</b>",
                            s.peak_replicas
                        )
                    } else {
                        s.peak_replicas.to_string()
                    },
                    esc(&s.peak_at_cell()),
                    svg::num(s.peak_rps),
                    svg::num(s.mean_replicas),
                    svg::num(s.hours_at_max_replicas),
                    s.availability_cell(),
                ],
            )
        })
        .collect();
    table(
        h,
        "services",
        &[
            "service",
            "cloud",
            "HPA min..max",
            "peak replicas",
            "peak at",
            "peak req/s",
            "mean replicas",
            "hours at max",
            "availability",
        ],
        &rows,
    );
    if let Some(d) = &r.database {
        let _ = writeln!(
            h,
            "<h3>Database</h3>\n<p>max_connections {} − {} reserved = <b>{}</b> per instance{}; at every HPA's maxReplicas the pools would ask for {} connections.</p>",
            d.max_connections,
            d.reserved_connections,
            svg::num(d.connection_limit),
            if d.pooler { ", behind a pooler" } else { "" },
            svg::num(d.connections_at_max_replicas)
        );
        let rows: Vec<(String, Vec<String>)> = d
            .instances
            .iter()
            .map(|i| {
                (
                    String::new(),
                    vec![
                        esc(&i.name),
                        svg::num(i.peak_connections),
                        esc(&super::short_time(&i.peak_connections_at)),
                        svg::num(i.peak_demanded_connections),
                        if i.minutes_with_refused_connections > 0 {
                            format!(
                                "<b class=\"bad\">{}</b>",
                                i.minutes_with_refused_connections
                            )
                        } else {
                            "0".into()
                        },
                        pct(i.peak_cpu_utilisation, 1),
                    ],
                )
            })
            .collect();
        table(
            h,
            "database",
            &[
                "instance",
                "peak connections",
                "at",
                "peak asked for",
                "minutes refusing",
                "peak CPU",
            ],
            &rows,
        );
    }
    if let Some(c) = &r.cache {
        let _ = writeln!(
            h,
            "<h3>Cache</h3>\n<p>{} × {}; mean hit ratio {}, lowest {} at {}{}.</p>",
            c.nodes,
            esc(&c.node_type),
            pct(c.mean_hit_ratio, 2),
            pct(c.min_hit_ratio, 2),
            esc(&super::short_time(&c.min_hit_ratio_at)),
            c.hit_ratio_target
                .map(|t| format!("; objective ≥ {} every month", pct(t, 1)))
                .unwrap_or_default()
        );
        let rows: Vec<(String, Vec<String>)> = c
            .months
            .iter()
            .map(|m| {
                let ok = c.hit_ratio_target.is_none_or(|t| m.mean_hit_ratio >= t);
                (
                    String::new(),
                    vec![
                        esc(&m.month),
                        format!(
                            "<span class=\"{}\">{}</span>",
                            if ok { "" } else { "bad" },
                            c.hit_ratio_target.map_or_else(
                                || pct(m.mean_hit_ratio, 2),
                                |t| pct_short_of(m.mean_hit_ratio, t, 2)
                            )
                        ),
                    ],
                )
            })
            .collect();
        table(h, "cache", &["month", "mean hit ratio"], &rows);
    }
    if !r.node_pools.is_empty() {
        h.push_str("<h3>Node pools</h3>\n");
        let rows: Vec<(String, Vec<String>)> = r
            .node_pools
            .iter()
            .map(|p| {
                (
                    String::new(),
                    vec![
                        esc(&p.name),
                        esc(&p.cloud),
                        esc(&p.instance_type),
                        esc(&p.capacity_type),
                        p.peak_nodes.to_string(),
                        esc(&super::short_time(&p.peak_nodes_at)),
                        svg::num(p.node_hours),
                        p.spot_interruptions.to_string(),
                    ],
                )
            })
            .collect();
        table(
            h,
            "node-pools",
            &[
                "pool",
                "cloud",
                "instance",
                "capacity",
                "peak nodes",
                "at",
                "node-hours",
                "spot interruptions",
            ],
            &rows,
        );
    }
    deploys(h, r);
    h.push_str("</section>\n");
}

/// A legend as HTML above the panels, so it never covers a chart: (label, colour, swatch class).
fn legend(h: &mut String, items: &[(String, String, &str)]) {
    h.push_str("<ul class=\"legend\">");
    for (label, color, kind) in items {
        let _ = write!(
            h,
            "<li><span class=\"sw {kind}\" style=\"background:{color}\"></span>{}</li>",
            esc(label)
        );
    }
    h.push_str("</ul>\n");
}

fn figure(h: &mut String, title: &str, p: &svg::Panel) {
    let _ = writeln!(
        h,
        "<figure class=\"chart\" id=\"chart-{0}\" data-chart=\"{0}\"><h4>{1}</h4>{2}</figure>",
        esc(&p.name),
        esc(title),
        svg::render(p)
    );
}

/// The clouds in report order.
fn clouds(r: &RunReport) -> Vec<String> {
    let mut v: Vec<String> = r.clouds.iter().map(|c| c.name.clone()).collect();
    for s in &r.series.services {
        if !v.contains(&s.cloud) {
            v.push(s.cloud.clone());
        }
    }
    v
}

fn cloud_color(clouds: &[String], cloud: &str) -> &'static str {
    svg::color(clouds.iter().position(|c| c == cloud).unwrap_or(0))
}

/// Names in first-seen order, each once.
fn unique(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for n in names {
        if !v.contains(&n) {
            v.push(n);
        }
    }
    v
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn month_name(yyyy_mm: &str) -> String {
    let m: usize = yyyy_mm.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
    MONTHS[(m + 11) % 12].to_string()
}

fn day_ticks(days: &[String]) -> Vec<(usize, String)> {
    if days.len() > 62 {
        svg::ticks(days.len(), 7, |i| {
            days[i].ends_with("-01").then(|| month_name(&days[i]))
        })
    } else {
        svg::ticks(days.len(), 5, |i| days.get(i).map(|d| d[5..].to_string()))
    }
}

/// A duration for people: `45 s`, `12.5 min`, `2.3 h`.
fn duration(s: f64) -> String {
    if s < 120.0 {
        format!("{} s", svg::num(s))
    } else if s < 7_200.0 {
        format!("{} min", svg::num(s / 60.0))
    } else {
        format!("{} h", svg::num(s / 3_600.0))
    }
}

/// One deploy in words, for tooltips: `web@aws rolling 2026-01-06 14:00: rolled out after 2
/// min, peak 4 pods (3 replicas), +10 connections`.
fn deploy_words(d: &super::DeploySummary) -> String {
    let mut w = format!(
        "deploy {}@{} {} {}: ",
        d.service,
        d.cloud,
        d.strategy,
        super::short_time(&d.started)
    );
    match d.rolled_out_after_s {
        Some(t) => {
            let _ = write!(w, "rolled out after {}", duration(t));
        }
        None => w.push_str("still rolling out at the end"),
    }
    let _ = write!(w, ", peak {} pods ({} replicas)", d.peak_pods, d.replicas);
    if let Some(c) = d.extra_db_connections_at_peak {
        let _ = write!(w, ", +{} database connections", svg::num(c));
    }
    w
}

/// One tick per step: a second event at step `i` joins the first one's tooltip.
fn add_event(events: &mut Vec<(usize, String)>, i: usize, words: String) {
    match events.iter_mut().find(|(k, _)| *k == i) {
        Some((_, tip)) => {
            tip.push('\n');
            tip.push_str(&words);
        }
        None => events.push((i, words)),
    }
}

/// A service's deploys (every cloud) as event ticks on its daily panel: one per day, its
/// tooltip listing that day's deploys.
fn deploy_events(r: &RunReport, service: &str) -> Vec<(usize, String)> {
    let mut events: Vec<(usize, String)> = Vec::new();
    for d in r.deploys.iter().filter(|d| d.service == service) {
        let Some(i) = r.series.days.iter().position(|x| d.started.starts_with(x)) else {
            continue;
        };
        add_event(&mut events, i, deploy_words(d));
    }
    events
}

/// A service's deploys (every cloud) that started inside an intraday window, as event ticks at
/// the step holding each start; deploys in one step share a tick and its tooltip.
fn intraday_deploy_events(
    r: &RunReport,
    service: &str,
    w: &super::series::IntradayWindow,
) -> Vec<(usize, String)> {
    let n = w.times.len();
    let mut events: Vec<(usize, String)> = Vec::new();
    for d in r.deploys.iter().filter(|d| d.service == service) {
        // Both are local times: `YYYY-MM-DDTHH:MM` steps, RFC 3339 starts.
        let Some(start) = d.started.get(..16) else {
            continue;
        };
        let i = w.times.partition_point(|t| t.as_str() <= start);
        if i == 0 || (i == n && !in_step(&w.times[n - 1], start, w.step_s)) {
            continue;
        }
        let i = i - 1;
        add_event(&mut events, i, deploy_words(d));
    }
    events
}

/// Whether local time `t` (`YYYY-MM-DDTHH:MM`) falls in the step of `step_s` starting at
/// `start` (the times are to the minute, so a step counts as one minute at least). The text
/// compares in time order.
fn in_step(start: &str, t: &str, step_s: f64) -> bool {
    start <= t && t < step_end(start, step_s.max(60.0)).as_str()
}

/// Deploys: per service, cloud and strategy how many, the longest rollout and the largest
/// peak, then every deploy (folded away when there are many).
fn deploys(h: &mut String, r: &RunReport) {
    if r.deploys.is_empty() {
        return;
    }
    h.push_str("<h3>Deploys</h3>\n");
    let skipped = if r.deploys_skipped > 0 {
        format!(
            " {} more came while one was still rolling out and were skipped.",
            r.deploys_skipped
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        h,
        "<p class=\"note\">{} deploys. Peak pods are the most pods not terminating during a rollout, against spec.replicas when it started; extra connections are what the rollout's extra pools asked of the primary at its peak (as many again of a read replica where the cloud has one).{}</p>",
        r.deploys.len(),
        skipped
    );
    let cell = |d: &super::DeploySummary| {
        vec![
            esc(&format!("{}@{}", d.service, d.cloud)),
            esc(&d.strategy),
            esc(&super::short_time(&d.started)),
            d.rolled_out_after_s
                .map_or("still rolling out".to_string(), duration),
            format!("{} / {}", d.peak_pods, d.replicas),
            d.extra_db_connections_at_peak
                .map_or("–".to_string(), svg::num),
        ]
    };
    // One row per service@cloud and strategy: the count, the first deploy, the longest
    // rollout and the largest peak (`largest_surge`, `longest_rollout_s`: the Markdown's rules).
    fn key(x: &super::DeploySummary) -> (&str, &str, &str) {
        (&x.service, &x.cloud, &x.strategy)
    }
    let mut groups: Vec<Vec<&super::DeploySummary>> = Vec::new();
    for d in &r.deploys {
        match groups.iter_mut().find(|g| key(g[0]) == key(d)) {
            Some(g) => g.push(d),
            None => groups.push(vec![d]),
        }
    }
    let rows: Vec<(String, Vec<String>)> = groups
        .iter()
        .map(|all| {
            let (first, all) = (all[0], all.iter().copied());
            let mut c = cell(super::largest_surge(all.clone()).unwrap_or(first));
            c[2] = esc(&super::short_time(&first.started));
            c[3] = super::longest_rollout_s(all.clone())
                .map_or("still rolling out".to_string(), duration);
            c.insert(2, all.len().to_string());
            (String::new(), c)
        })
        .collect();
    table(
        h,
        "deploys",
        &[
            "service@cloud",
            "strategy",
            "deploys",
            "first",
            "longest rollout",
            "peak pods / replicas",
            "extra connections at peak",
        ],
        &rows,
    );
    let rows: Vec<(String, Vec<String>)> =
        r.deploys.iter().map(|d| (String::new(), cell(d))).collect();
    let _ = write!(
        h,
        "<details{}><summary>Every deploy ({})</summary>",
        if r.deploys.len() <= 12 { " open" } else { "" },
        r.deploys.len()
    );
    table(
        h,
        "deploy-list",
        &[
            "service@cloud",
            "strategy",
            "started",
            "rolled out after",
            "peak pods / replicas",
            "extra connections at peak",
        ],
        &rows,
    );
    h.push_str("</details>\n");
}

/// Holiday bands: consecutive days of the same holiday make one band.
fn holiday_bands(r: &RunReport) -> Vec<svg::Band> {
    let days = &r.series.days;
    let mut bands: Vec<svg::Band> = Vec::new();
    for (d, key) in &r.series.holidays {
        let Some(i) = days.iter().position(|x| x == d) else {
            continue;
        };
        if let Some(b) = bands.last_mut()
            && b.label == *key
            && b.to + 1 >= i
        {
            b.to = i;
            b.tooltip = format!("holiday {key}: {} – {d}", days[b.from]);
            continue;
        }
        bands.push(svg::Band {
            from: i,
            to: i,
            label: key.clone(),
            tooltip: format!("holiday {key}: {d}"),
            color: svg::RED,
        });
    }
    bands
}

fn opt(v: &[f64]) -> Vec<Option<f64>> {
    v.iter().map(|x| Some(*x)).collect()
}

fn opt_u(v: &[u32]) -> Vec<Option<f64>> {
    v.iter().map(|x| Some(f64::from(*x))).collect()
}

fn ms(x: f64) -> String {
    format!("{} ms", svg::num(x))
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// One cloud's lines of a service: (cloud, offered req/s, ready replicas, p95 ms).
type ServiceLines<'a> = (
    &'a str,
    Vec<Option<f64>>,
    Vec<Option<f64>>,
    Vec<Option<f64>>,
);

/// The three plots of a service panel: offered traffic, ready replicas, p95, one line per cloud.
fn service_plots(
    cl: &[String],
    series: &[ServiceLines<'_>],
    max_replicas: Option<u32>,
) -> Vec<svg::Plot> {
    let mut rps = svg::Plot::lines("offered req/s", svg::num);
    let mut rep = svg::Plot::lines("ready replicas", svg::num);
    let mut p95 = svg::Plot::lines("p95 latency, ms", svg::num);
    for (cloud, r, n, p) in series {
        let c = cloud_color(cl, cloud);
        rps.series
            .push(svg::Series::new(format!("{cloud} req/s"), c, r.clone()));
        rep.series
            .push(svg::Series::new(format!("{cloud} ready"), c, n.clone()));
        p95.series
            .push(svg::Series::new(format!("{cloud} p95 ms"), c, p.clone()));
    }
    if let Some(max) = max_replicas {
        rep.rules
            .push((f64::from(max), format!("maxReplicas {max}")));
    }
    vec![rps, rep, p95]
}

fn charts_section(h: &mut String, r: &RunReport) {
    let s = &r.series;
    h.push_str("<section id=\"charts\"><h2>Over the run</h2>\n");
    if s.days.is_empty() {
        h.push_str("<p>No days were simulated.</p></section>\n");
        return;
    }
    let cl = clouds(r);
    let mut items: Vec<(String, String, &str)> = cl
        .iter()
        .map(|c| (c.clone(), cloud_color(&cl, c).to_string(), ""))
        .collect();
    if !s.holidays.is_empty() {
        items.push((
            "holiday (named at the top; hover for dates)".into(),
            svg::RED.into(),
            "band",
        ));
    }
    if !r.deploys.is_empty() {
        items.push((
            "deploy (▼ at the top; hover for its rollout)".into(),
            svg::EVENT.into(),
            "",
        ));
    }
    h.push_str("<h3>Per service: offered traffic, ready replicas and p95, daily peaks</h3>\n<p class=\"note\">Hover anywhere on a chart for that day's values.</p>\n");
    legend(h, &items);
    let ticks = day_ticks(&s.days);
    let panel = |plots: Vec<svg::Plot>, name: String, events| svg::Panel {
        name,
        x: s.days.clone(),
        ticks: ticks.clone(),
        plots,
        bands: holiday_bands(r),
        markers: Vec::new(),
        events,
        hover_note: "daily peak".into(),
    };
    h.push_str("<div class=\"multiples\">\n");
    for name in unique(s.services.iter().map(|v| v.name.clone())) {
        let series: Vec<_> = s
            .services
            .iter()
            .filter(|v| v.name == name)
            .map(|v| {
                (
                    v.cloud.as_str(),
                    opt(&v.offered_rps_max),
                    opt_u(&v.ready_replicas_max),
                    v.p95_ms_max.clone(),
                )
            })
            .collect();
        let max = r
            .services
            .iter()
            .find(|x| x.name == name)
            .and_then(|x| x.hpa_max_replicas);
        figure(
            h,
            &name,
            &panel(
                service_plots(&cl, &series, max),
                format!("service-{}", slug(&name)),
                deploy_events(r, &name),
            ),
        );
    }
    h.push_str("</div>\n<h3>Platform</h3>\n<div class=\"multiples\">\n");
    if s.node_pools.iter().any(|p| !p.nodes_max.is_empty()) {
        let mut pl = svg::Plot::lines("nodes, daily peak", svg::num);
        for (i, p) in s.node_pools.iter().enumerate() {
            pl.series.push(svg::Series::new(
                format!("{}@{}", p.name, p.cloud),
                svg::color(i + 2),
                opt_u(&p.nodes_max),
            ));
        }
        figure(
            h,
            "Nodes per pool (the most at any moment: ready, provisioning or under notice)",
            &panel(vec![pl], "nodes".into(), Vec::new()),
        );
    }
    if r.database.is_some() && s.db_connections_max.iter().any(Option::is_some) {
        let mut pl = svg::Plot::lines("connections on the primary, daily max", svg::num);
        pl.series.push(svg::Series::new(
            "connections",
            svg::color(4),
            s.db_connections_max.clone(),
        ));
        let limit = s
            .db_connection_limit
            .or(r.database.as_ref().map(|d| d.connection_limit));
        if let Some(l) = limit {
            pl.rules.push((l, format!("limit {}", svg::num(l))));
        }
        figure(
            h,
            "Database connections",
            &panel(vec![pl], "db-connections".into(), Vec::new()),
        );
    }
    if r.cache.is_some() && s.cache_hit_ratio_min.iter().any(Option::is_some) {
        let mut pl = svg::Plot::lines("hit ratio, lowest interval of the day", svg::pct);
        pl.y_min = Some(s.cache_axis_bottom());
        pl.y_max = Some(1.0);
        pl.series.push(svg::Series::new(
            "hit ratio",
            svg::color(2),
            s.cache_hit_ratio_min.clone(),
        ));
        if let Some(t) = r.cache.as_ref().and_then(|c| c.hit_ratio_target) {
            pl.rules.push((t, format!("objective {}", svg::pct(t))));
        }
        figure(
            h,
            "Cache hit ratio",
            &panel(vec![pl], "cache-hit-ratio".into(), Vec::new()),
        );
    }
    h.push_str("</div>\n");
    if let Some(c) = r.cost.as_ref().filter(|c| !c.months.is_empty()) {
        cost_charts(h, r, c, &cl);
    }
    h.push_str("</section>\n");
}

fn cost_charts(h: &mut String, r: &RunReport, c: &super::cost::CostSummary, cl: &[String]) {
    let months: Vec<String> = c.months.iter().map(|m| m.month.clone()).collect();
    let ticks = svg::ticks(months.len(), 6, |i| Some(month_name(&months[i])));
    let panel = |plots: Vec<svg::Plot>, name: &str| svg::Panel {
        name: name.to_string(),
        x: months.clone(),
        ticks: ticks.clone(),
        plots,
        bands: Vec::new(),
        markers: Vec::new(),
        events: Vec::new(),
        hover_note: String::new(),
    };
    let variant = r
        .check
        .as_ref()
        .map_or("on-demand".to_string(), |k| k.variant.clone());
    let budget = r.check.as_ref().and_then(|k| k.monthly_budget_usd);
    let mut items: Vec<(String, String, &str)> = c
        .variants
        .iter()
        .enumerate()
        .map(|(k, v)| (v.clone(), svg::color(k).to_string(), ""))
        .collect();
    if budget.is_some() {
        items.push(("over the budget".into(), svg::RED.into(), ""));
        items.push(("budget".into(), svg::RED.into(), "dash"));
    }
    h.push_str("<h3>Cost</h3>\n<p class=\"note\">Variant colours below; the budget's variant and the cheapest are solid lines, the others dashed.</p>\n");
    legend(h, &items);
    h.push_str("<div class=\"multiples\">\n");
    let totals: Vec<Option<f64>> = months.iter().map(|m| month_total(c, m, &variant)).collect();
    let vi = c.variants.iter().position(|v| *v == variant).unwrap_or(0);
    let mut pl = svg::Plot::lines(format!("USD per month, {variant}"), super::charts::usd0);
    pl.kind = svg::Kind::Stacked;
    pl.series.push(svg::Series::new(
        "within budget",
        svg::color(vi),
        totals
            .iter()
            .map(|t| t.filter(|t| budget.is_none_or(|b| *t <= b)))
            .collect(),
    ));
    if let Some(b) = budget {
        pl.series.push(svg::Series::new(
            "over budget",
            svg::RED,
            totals.iter().map(|t| t.filter(|t| *t > b)).collect(),
        ));
        pl.rules
            .push((b, format!("budget {}", super::charts::usd0(b))));
    }
    figure(
        h,
        &format!(
            "Monthly cost under {variant}{}",
            if budget.is_some() {
                " against the budget"
            } else {
                ""
            }
        ),
        &panel(vec![pl], "cost-budget"),
    );
    let mut pl = svg::Plot::lines("USD per month", super::charts::usd0);
    for (k, v) in c.variants.iter().enumerate() {
        let mut s = svg::Series::new(
            v.clone(),
            svg::color(k),
            months.iter().map(|m| month_total(c, m, v)).collect(),
        );
        s.dashed = *v != variant && *v != c.cheapest_overall;
        pl.series.push(s);
    }
    if let Some(b) = budget {
        pl.rules
            .push((b, format!("budget {}", super::charts::usd0(b))));
    }
    figure(
        h,
        "Monthly cost per purchase variant",
        &panel(vec![pl], "cost-variants"),
    );
    let mut pl = svg::Plot::lines("USD per month, on-demand", super::charts::usd0);
    pl.kind = svg::Kind::Stacked;
    for cloud in c.clouds() {
        pl.series.push(svg::Series::new(
            cloud.clone(),
            cloud_color(cl, cloud),
            c.months
                .iter()
                .map(|m| m.on_demand_by_cloud_usd.get(cloud).map(|x| usd(x)))
                .collect(),
        ));
    }
    figure(
        h,
        "Monthly on-demand cost by cloud (colours as the clouds above)",
        &panel(vec![pl], "cost-by-cloud"),
    );
    h.push_str("</div>\n");
}

/// When the step starting at local time `start` (`YYYY-MM-DDTHH:MM`) ends, in the same form: an
/// outage band's last step ends when the outage does, as the outages table says.
fn step_end(start: &str, step_s: f64) -> String {
    start
        .parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|t| {
            t.checked_add(jiff::SignedDuration::from_secs(step_s as i64))
                .ok()
        })
        .map_or_else(
            || start.to_string(),
            |t| t.strftime("%Y-%m-%dT%H:%M").to_string(),
        )
}

/// Per-service panels (offered traffic, ready replicas, p95) and a nodes/database panel for one
/// intraday window.
fn intraday_panels(h: &mut String, r: &RunReport, w: &super::series::IntradayWindow) {
    let cl = clouds(r);
    let n = w.times.len();
    if n == 0 {
        return;
    }
    let ticks = svg::ticks(n, 6, |i| {
        let t = &w.times[i];
        t.ends_with(":00").then(|| t[11..16].to_string())
    });
    let down = match (w.marked_from, w.marked_to) {
        (Some(a), Some(b)) if a < n && b < n => Some((a, b)),
        _ => None,
    };
    let bands = || -> Vec<svg::Band> {
        down.map(|(a, b)| svg::Band {
            from: a,
            to: b,
            label: format!("{} down", w.title.trim_start_matches("Outage of ")),
            tooltip: format!(
                "{}: {} – {}",
                w.title,
                w.times[a],
                step_end(&w.times[b], w.step_s)
            ),
            color: svg::RED,
        })
        .into_iter()
        .collect()
    };
    let markers: Vec<(usize, String)> = w
        .recovered_index
        .filter(|i| *i < n)
        .map(|i| (i, format!("SLO met again from {}", w.times[i])))
        .into_iter()
        .collect();
    let step = if w.step_s >= 60.0 {
        format!("{} min", svg::num(w.step_s / 60.0))
    } else {
        format!("{} s", svg::num(w.step_s))
    };
    let _ = writeln!(
        h,
        "<h3>{}, every {step}</h3>\n<p class=\"note\">{} to {}, one point per {step} of the run's output{}. Hover for the values.</p>",
        esc(&w.title),
        esc(&w.times[0].replace('T', " ")),
        esc(&w.times[n - 1].replace('T', " ")),
        if markers.is_empty() {
            ""
        } else {
            "; the green dashed line is when the SLO held again"
        }
    );
    let mut items: Vec<(String, String, &str)> = cl
        .iter()
        .map(|c| (c.clone(), cloud_color(&cl, c).to_string(), ""))
        .collect();
    if down.is_some() {
        items.push(("outage".into(), svg::RED.into(), "band"));
    }
    legend(h, &items);
    h.push_str("<div class=\"multiples\">\n");
    let x: Vec<String> = w.times.iter().map(|t| t.replace('T', " ")).collect();
    let panel = |plots: Vec<svg::Plot>, name: String, events: Vec<(usize, String)>| svg::Panel {
        name,
        x: x.clone(),
        ticks: ticks.clone(),
        plots,
        bands: bands(),
        markers: markers.clone(),
        events,
        hover_note: String::new(),
    };
    let prefix = format!("{}-{}", w.kind, slug(&w.title));
    for name in unique(w.services.iter().map(|v| v.name.clone())) {
        let series: Vec<_> = w
            .services
            .iter()
            .filter(|v| v.name == name)
            .map(|v| {
                (
                    v.cloud.as_str(),
                    opt(&v.offered_rps),
                    opt_u(&v.ready_replicas),
                    v.p95_ms.clone(),
                )
            })
            .collect();
        figure(
            h,
            &name,
            &panel(
                service_plots(&cl, &series, None),
                format!("{prefix}-{}", slug(&name)),
                intraday_deploy_events(r, &name, w),
            ),
        );
    }
    let mut plots = Vec::new();
    if w.node_pools
        .iter()
        .any(|p| p.nodes.iter().any(Option::is_some))
    {
        let mut pl = svg::Plot::lines("nodes", svg::num);
        for (i, p) in w.node_pools.iter().enumerate() {
            pl.series.push(svg::Series::new(
                format!("{}@{}", p.name, p.cloud),
                svg::color(i + 2),
                p.nodes.iter().map(|x| x.map(f64::from)).collect(),
            ));
        }
        plots.push(pl);
    }
    if w.db_connections_max.iter().any(Option::is_some) {
        let mut pl = svg::Plot::lines("database connections", svg::num);
        pl.series.push(svg::Series::new(
            "connections",
            svg::color(4),
            w.db_connections_max.clone(),
        ));
        if let Some(l) = r.database.as_ref().map(|d| d.connection_limit) {
            pl.rules.push((l, format!("limit {}", svg::num(l))));
        }
        plots.push(pl);
    }
    if !plots.is_empty() {
        figure(
            h,
            "Nodes and database",
            &panel(plots, format!("{prefix}-platform"), Vec::new()),
        );
    }
    h.push_str("</div>\n");
}

fn peak_day(h: &mut String, r: &RunReport) {
    let Some(w) = r.intraday.iter().find(|w| w.kind == "peak-day") else {
        return;
    };
    h.push_str("<section id=\"peak-day\"><h2>The peak day</h2>\n<p class=\"note\">The local day holding the step with the most offered traffic over all services, at the run's output resolution.</p>\n");
    intraday_panels(h, r, w);
    h.push_str("</section>\n");
}

fn cost_tables(h: &mut String, r: &RunReport) {
    let Some(c) = &r.cost else { return };
    let _ = writeln!(
        h,
        "<section id=\"cost\"><h2>Cost per month</h2>\n<p>Totals in {} per month and purchase variant; the cheapest of each month in bold. Price book {} (prices as of {}, oldest row {}).</p>",
        esc(&c.currency),
        esc(&c.price_book),
        esc(&c.price_book_date),
        esc(&c.price_book_oldest)
    );
    let budget_variant = r.check.as_ref().map(|k| k.variant.as_str());
    let mut head: Vec<String> = vec!["month".into()];
    head.extend(c.variants.iter().map(|v| {
        if Some(v.as_str()) == budget_variant {
            format!("{v} (budget)")
        } else {
            v.clone()
        }
    }));
    head.push("cheapest".into());
    let mut rows: Vec<(String, Vec<String>)> = c
        .months
        .iter()
        .map(|m| {
            let mut cells = vec![esc(&m.month)];
            for v in &c.variants {
                let val = m.totals_usd.get(v).map_or(0.0, |x| usd(x));
                let text = if *v == m.cheapest {
                    format!("<b>{}</b>", money(val))
                } else {
                    money(val)
                };
                cells.push(text + &marker_for(r, Some(&m.month), v, val));
            }
            cells.push(esc(&m.cheapest));
            (String::new(), cells)
        })
        .collect();
    let mut total = vec!["<b>total</b>".to_string()];
    for v in &c.variants {
        let t = c.run_totals_usd.get(v).map_or(0.0, |x| usd(x));
        total.push(format!("<b>{}</b>{}", money(t), marker_for(r, None, v, t)));
    }
    total.push(format!("<b>{}</b>", esc(&c.cheapest_overall)));
    rows.push((String::new(), total));
    let head_refs: Vec<&str> = head.iter().map(String::as_str).collect();
    table(h, "cost-months", &head_refs, &rows);

    let clouds = c.clouds();
    h.push_str("<h3>On-demand cost by cloud</h3>\n");
    let mut head: Vec<&str> = vec!["month"];
    head.extend(clouds.iter().map(|c| c.as_str()));
    let rows: Vec<(String, Vec<String>)> = c
        .months
        .iter()
        .map(|m| {
            let mut cells = vec![esc(&m.month)];
            for cl in &clouds {
                cells.push(money(
                    m.on_demand_by_cloud_usd.get(*cl).map_or(0.0, |x| usd(x)),
                ));
            }
            (String::new(), cells)
        })
        .collect();
    table(h, "cost-clouds", &head, &rows);

    let buy: Vec<_> = c.sizing.iter().filter(|z| z.units > 0).collect();
    if !buy.is_empty() {
        h.push_str("<h3>Commitment sizing</h3>\n<p class=\"note\">Commit the k-th unit while its share of the run's hours is at least the break-even (committed ÷ on-demand rate; GCE on-demand after sustained-use discounts). Savings per year against on-demand.</p>\n");
        let rows: Vec<(String, Vec<String>)> = buy
            .iter()
            .map(|z| {
                (
                    String::new(),
                    vec![
                        esc(&z.label()),
                        esc(&z.recommendation),
                        format!("{} of {}", z.always_on_units, z.unit_utilisation.len()),
                        pct(z.break_even_utilisation, 0),
                        money(usd(&z.yearly_saving_usd)),
                    ],
                )
            })
            .collect();
        table(h, "sizing", &super::SIZING_COLUMNS, &rows);
    }

    let useful: Vec<_> = c
        .commitments
        .iter()
        .filter(|k| usd(&k.yearly_saving_usd) > 0.0)
        .collect();
    if !useful.is_empty() {
        h.push_str("<h3>What commitments would save</h3>\n");
        let est: &[String] = r
            .price_marks
            .as_ref()
            .map_or(&[], |m| m.estimate_resources.as_slice());
        let rows: Vec<(String, Vec<String>)> = useful
            .iter()
            .map(|k| {
                let key = format!("{}/{}/{}", k.cloud, k.environment, k.resource);
                let saving = usd(&k.yearly_saving_usd);
                let mark = if est.contains(&key) {
                    price_marker(saving, saving, 0.0)
                } else {
                    String::new()
                };
                (
                    String::new(),
                    vec![
                        esc(&k.resource),
                        esc(&k.cloud),
                        esc(&k.environment),
                        esc(&k.sku),
                        esc(&k.variant),
                        k.baseline_instances.to_string(),
                        pct(k.break_even_utilisation, 0),
                        money(saving) + &mark,
                    ],
                )
            })
            .collect();
        table(
            h,
            "commitments",
            &[
                "resource",
                "cloud",
                "environment",
                "sku",
                "variant",
                "baseline instances",
                "break-even utilisation",
                "yearly saving",
            ],
            &rows,
        );
    }
    h.push_str("</section>\n");
}

fn assumptions(h: &mut String, r: &RunReport) {
    let sc = &r.scenario;
    h.push_str("<section id=\"assumptions\"><h2>Assumptions</h2>\n<dl>");
    let mut row = |k: &str, v: &str| {
        let _ = write!(h, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v));
    };
    row("scenario file", &sc.file);
    row("seed", &sc.seed.to_string());
    row(
        "dates",
        &format!(
            "{} to {} (end exclusive), {} hours",
            sc.start, sc.end, sc.duration_hours
        ),
    );
    row("time zone", &sc.time_zone);
    row(
        "output resolution",
        &format!("{} s", sc.output_resolution_s),
    );
    let clouds: Vec<String> = r
        .clouds
        .iter()
        .map(|c| {
            format!(
                "{} ({}, {} of traffic)",
                c.name,
                c.provider,
                pct(c.weight, 0)
            )
        })
        .collect();
    row("clouds", &clouds.join(", "));
    match &r.cost {
        Some(c) => {
            row("price book", &c.price_book);
            row(
                "prices as of",
                &format!("{} (oldest row {})", c.price_book_date, c.price_book_oldest),
            );
            row("currency", &c.currency);
        }
        None => row("price book", "not priced"),
    }
    if let Some(d) = &r.database {
        row(
            "database",
            &format!(
                "max_connections {} − {} reserved = {} per instance{}",
                d.max_connections,
                d.reserved_connections,
                d.connection_limit,
                if d.pooler { ", behind a pooler" } else { "" }
            ),
        );
    }
    if let Some(c) = &r.cache {
        row("cache", &format!("{} × {}", c.nodes, c.node_type));
    }
    for o in &r.outages {
        row(
            "simulated outage",
            &format!("{} from {} to {}", o.cloud, o.start, o.end),
        );
    }
    row(
        "report schema",
        &format!(
            "RunReport v{}, capsim {}",
            r.schema_version, r.capsim_version
        ),
    );
    h.push_str("</dl>\n");
    if let Some(m) = r.price_marks.as_ref().filter(|m| !m.rows.is_empty()) {
        let _ = write!(
            h,
            "<h3>Price-book rows behind the markers</h3>\n<details><summary>{} row(s) used are estimates or stale</summary>",
            m.rows.len()
        );
        let rows: Vec<(String, Vec<String>)> = m
            .rows
            .iter()
            .map(|x| {
                (
                    String::new(),
                    vec![
                        esc(&x.provider),
                        esc(&x.sku),
                        esc(&x.exactness),
                        esc(&x.source_date),
                        if x.stale {
                            "stale".into()
                        } else {
                            String::new()
                        },
                        esc(&x.price_row),
                    ],
                )
            })
            .collect();
        table(
            h,
            "marked-rows",
            &["provider", "sku", "exactness", "source date", "", "row"],
            &rows,
        );
        h.push_str("</details>\n");
    }
    let warnings: &[String] = r.cost.as_ref().map_or(&[], |c| c.warnings.as_slice());
    if warnings.is_empty() {
        h.push_str("<p>No warnings.</p>\n");
    } else {
        let _ = write!(
            h,
            "<h3>Warnings</h3>\n<details><summary>{} warning(s) from pricing</summary><ul class=\"warn\">",
            warnings.len()
        );
        for w in warnings {
            let _ = write!(h, "<li>{}</li>", esc(w));
        }
        h.push_str("</ul></details>\n");
    }
    h.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    /// A start inside the last step of a window (15-min steps: 23:45 holds 23:45–23:59) is in it;
    /// the next day, or past the step, is not.
    #[test]
    fn a_share_short_of_its_target_does_not_read_as_the_target() {
        assert_eq!(pct_short_of(0.94996, 0.95, 2), "94.996 %");
        assert_eq!(pct_short_of(0.9412, 0.95, 2), "94.12 %");
        assert_eq!(pct_short_of(0.9512, 0.95, 2), "95.12 %");
    }

    #[test]
    fn a_steps_end_is_its_start_plus_the_step() {
        assert_eq!(step_end("2026-09-25T20:45", 900.0), "2026-09-25T21:00");
        assert_eq!(step_end("2026-12-31T23:00", 3600.0), "2027-01-01T00:00");
        assert_eq!(step_end("not a time", 60.0), "not a time");
    }

    #[test]
    fn a_start_in_the_last_step_belongs_to_it() {
        assert!(in_step("2026-03-02T23:45", "2026-03-02T23:59", 900.0));
        assert!(!in_step("2026-03-02T23:45", "2026-03-03T00:00", 900.0));
        assert!(!in_step("2026-03-02T22:00", "2026-03-02T22:15", 900.0));
        // A step across midnight holds the next day's first minutes (the old rule compared
        // the two times only on the same date).
        assert!(in_step("2026-03-02T23:00", "2026-03-03T00:30", 7200.0));
        // Steps under a minute still hold their own minute.
        assert!(in_step("2026-03-02T10:00", "2026-03-02T10:00", 15.0));
    }

    use super::*;

    /// 5 failing windows of 104,832 (heal7's year): 99.99523 %, which two decimals round to
    /// "100.00 %" — the card must not say that.
    #[test]
    fn a_shortfall_is_never_shown_as_100_percent() {
        assert_eq!(pct_short_of(1.0 - 5.0 / 104_832.0, 1.0, 2), "99.995 %");
        assert_eq!(pct_short_of(1.0, 1.0, 2), "100.00 %");
        assert_eq!(pct_short_of(0.98, 1.0, 2), "98.00 %");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(0.0), "$0.00");
        assert_eq!(money(1234.5), "$1,234.50");
        assert_eq!(money(-1234567.891), "-$1,234,567.89");
    }
}
