//! `report.html`: one self-contained page (inline CSS, charts inline as SVG, no script, no
//! network) that someone who never saw the scenario can read: a headline, the charts, the cost
//! tables and the assumptions. A pure function of the [`RunReport`]; all text is escaped.

use std::fmt::Write as _;

use super::RunReport;
use super::charts::{self, Chart};

const CSS: &str = "\
body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;margin:0;background:#f4f5f7;color:#1d2433}
main{max-width:1180px;margin:0 auto;padding:24px}
header{background:#1d2433;color:#fff;padding:24px}
header h1{margin:0 0 6px;font-size:26px}header p{margin:4px 0;color:#cfd5e3}
section{background:#fff;border-radius:8px;padding:16px 20px;margin:0 0 20px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{font-size:20px;margin:4px 0 12px}h3{font-size:16px;margin:8px 0}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:12px}
.card{flex:1 1 200px;border:1px solid #dfe3ea;border-radius:6px;padding:10px 14px}
.card .v{font-size:22px;font-weight:bold}.card .k{font-size:13px;color:#5a6376}
table{border-collapse:collapse;font-size:13px;margin:6px 0 14px}
th,td{border-bottom:1px solid #e3e6ec;padding:4px 10px;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f0f2f6}
td.best{background:#e3f4e3;font-weight:bold}
.ok{color:#1b7f2a}.bad{color:#b3261e}
figure.chart{margin:0 0 20px}figure.chart svg{max-width:100%;height:auto;display:block}
figcaption{font-size:13px;color:#5a6376}
ul.warn li{font-size:13px;color:#7a4b00}
dl{display:grid;grid-template-columns:max-content auto;gap:4px 16px;font-size:14px}dt{color:#5a6376}dd{margin:0}
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
    let cents = format!("{:.2}", x.abs());
    let (int, frac) = cents.split_once('.').unwrap_or((&cents, "00"));
    let mut g = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            g.push(',');
        }
        g.push(ch);
    }
    format!("{}${g}.{frac}", if x < 0.0 { "-" } else { "" })
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

/// The page.
pub fn render(r: &RunReport) -> String {
    let sc = &r.scenario;
    let mut h = page_start(&format!("capsim report: {}", sc.name));
    let _ = write!(
        h,
        "<header><h1>Capacity and cost report: {}</h1><p>{}</p><p>Simulated {} to {} ({}), {} hours; capsim {}.</p></header>\n<main>\n",
        esc(&sc.name),
        esc(&sc.description),
        esc(&sc.start),
        esc(&sc.end),
        esc(&sc.time_zone),
        sc.duration_hours,
        esc(&r.capsim_version)
    );
    headline(&mut h, r);
    charts_section(&mut h, r);
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

fn card(h: &mut String, value: &str, key: &str) {
    let _ = write!(
        h,
        "<div class=\"card\"><div class=\"v\">{}</div><div class=\"k\">{}</div></div>",
        esc(value),
        esc(key)
    );
}

fn headline(h: &mut String, r: &RunReport) {
    h.push_str("<section id=\"headline\"><h2>At a glance</h2>\n<div class=\"cards\">");
    let slo = &r.slo;
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
    let months_ok = slo
        .months
        .iter()
        .filter(|m| m.availability >= slo.availability_target)
        .count();
    let worst = slo
        .months
        .iter()
        .map(|m| m.availability)
        .fold(1.0, f64::min);
    card(
        h,
        &pct(latency_ok, 2),
        &format!(
            "of {}-second windows with p95 under {} ms",
            slo.window_s, slo.latency_p95_target_ms
        ),
    );
    card(
        h,
        &format!("{months_ok} of {}", slo.months.len()),
        &format!(
            "months meeting availability {} (worst month {})",
            pct(slo.availability_target, 2),
            pct(worst, 3)
        ),
    );
    let peak = r
        .services
        .iter()
        .map(|s| s.peak_replicas)
        .max()
        .unwrap_or(0);
    card(h, &peak.to_string(), "most replicas any service needed");
    if let Some(c) = &r.cost
        && let Some(t) = c.run_totals_usd.get(&c.cheapest_overall)
    {
        let per_month = usd(t) * per_year_factor(r) / 12.0;
        card(
            h,
            &format!("{}/month", money(per_month)),
            &format!("cheapest variant: {}", c.cheapest_overall),
        );
        if let Some(od) = c.run_totals_usd.get("on-demand").map(|v| usd(v))
            && od > 0.0
        {
            card(h, &pct(1.0 - usd(t) / od, 1), "saved against on-demand");
        }
    }
    h.push_str("</div>\n");
    let _ = writeln!(
        h,
        "<p>SLO on the path <b>{}</b>: p95 latency under {} ms in each {}-second window, availability at least {}. {} windows violated it.</p>",
        esc(&slo.path.join(" → ")),
        slo.latency_p95_target_ms,
        slo.window_s,
        pct(slo.availability_target, 3),
        slo.violating_windows
    );
    h.push_str("<h3>Peak replicas per service</h3>\n<table><tr><th>service</th><th>cloud</th><th>HPA min..max</th><th>peak replicas</th><th>peak at</th><th>peak req/s</th><th>mean replicas</th><th>availability</th></tr>\n");
    for s in &r.services {
        let at_max = s.hpa_max_replicas.is_some_and(|m| s.peak_replicas >= m);
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td{}>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&s.name),
            esc(&s.cloud),
            esc(&s.hpa_range()),
            if at_max { " class=\"bad\"" } else { "" },
            s.peak_replicas,
            esc(&s.peak_replicas_at),
            s.peak_rps,
            s.mean_replicas,
            pct(s.availability, 3)
        );
    }
    h.push_str("</table>\n");
    if let Some(c) = &r.cost {
        let f = per_year_factor(r);
        let _ = write!(
            h,
            "<h3>Cost per purchase variant</h3>\n<p>{} month(s) priced with {} (prices as of {}). Per year = the run's total scaled to 8,760 hours ({} h simulated); per month = per year / 12.</p>\n<table><tr><th>variant</th><th>per month (average)</th><th>per year</th><th>whole run</th></tr>\n",
            c.months.len(),
            esc(&c.price_book),
            esc(&c.price_book_date),
            r.scenario.duration_hours
        );
        for v in &c.variants {
            let t = c.run_totals_usd.get(v).map_or(0.0, |x| usd(x));
            let best = *v == c.cheapest_overall;
            let cls = if best { " class=\"best\"" } else { "" };
            let _ = writeln!(
                h,
                "<tr><td{cls}>{}{}</td><td{cls}>{}</td><td{cls}>{}</td><td{cls}>{}</td></tr>",
                esc(v),
                if best { " (cheapest)" } else { "" },
                money(t * f / 12.0),
                money(t * f),
                money(t)
            );
        }
        h.push_str("</table>\n");
    } else {
        h.push_str("<p>This run was not priced.</p>\n");
    }
    h.push_str("</section>\n");
}

fn chart_note(r: &RunReport, c: Chart) -> String {
    let s = &r.series;
    match c {
        Chart::TrafficReplicas => {
            if s.holidays.is_empty() {
                "Daily peaks per service and cloud.".to_string()
            } else {
                format!("Daily peaks per service and cloud; red lines mark holidays: {}.", {
                    let mut keys: Vec<String> = s.holidays.iter().map(|(d, k)| format!("{k} {d}")).collect();
                    keys.dedup();
                    keys.join(", ")
                })
            }
        }
        Chart::Nodes => "Ready and provisioning nodes per node pool, daily peak.".into(),
        Chart::DbConnections => "Connections the primary held (daily max); the dashed line is max_connections minus the reserved ones.".into(),
        Chart::CacheHitRatio => "The lowest hit ratio of any output interval that day.".into(),
        Chart::LatencyP95 => format!("Worst interval p95 per day; the dashed line is the SLO target of {} ms.", r.slo.latency_p95_target_ms),
        Chart::CostByCloud | Chart::CostVariants => r
            .cost
            .as_ref()
            .map(|k| format!("USD, price book {} (prices as of {}).", k.price_book, k.price_book_date))
            .unwrap_or_default(),
    }
}

fn charts_section(h: &mut String, r: &RunReport) {
    h.push_str("<section id=\"charts\"><h2>Charts</h2>\n");
    for c in charts::all_for(r) {
        let svg = String::from_utf8_lossy(&charts::svg(r, c)).into_owned();
        // plotters writes a bare <svg> element (its text escaped); drop an XML prolog if any.
        let svg = match svg.find("<svg") {
            Some(i) => svg[i..].to_string(),
            None => svg,
        };
        let _ = write!(
            h,
            "<figure class=\"chart\" id=\"chart-{}\" data-chart=\"{}\"><h3>{}</h3>\n{}\n<figcaption>{}</figcaption></figure>\n",
            c.name(),
            c.name(),
            esc(c.title()),
            svg.trim_end(),
            esc(&chart_note(r, c))
        );
    }
    h.push_str("</section>\n");
}

fn cost_tables(h: &mut String, r: &RunReport) {
    let Some(c) = &r.cost else { return };
    let _ = write!(
        h,
        "<section id=\"cost\"><h2>Cost per month</h2>\n<p>Totals in {} per month and purchase variant; the cheapest of each month is highlighted. Price book {} (prices as of {}, oldest row {}).</p>\n<table><tr><th>month</th>",
        esc(&c.currency),
        esc(&c.price_book),
        esc(&c.price_book_date),
        esc(&c.price_book_oldest)
    );
    for v in &c.variants {
        let _ = write!(h, "<th>{}</th>", esc(v));
    }
    h.push_str("<th>cheapest</th></tr>\n");
    for m in &c.months {
        let _ = write!(h, "<tr><td>{}</td>", esc(&m.month));
        for v in &c.variants {
            let cls = if *v == m.cheapest {
                " class=\"best\""
            } else {
                ""
            };
            let val = m.totals_usd.get(v).map_or(0.0, |x| usd(x));
            let _ = write!(h, "<td{cls}>{}</td>", money(val));
        }
        let _ = writeln!(h, "<td>{}</td></tr>", esc(&m.cheapest));
    }
    h.push_str("<tr><th>total</th>");
    for v in &c.variants {
        let _ = write!(
            h,
            "<th>{}</th>",
            money(c.run_totals_usd.get(v).map_or(0.0, |x| usd(x)))
        );
    }
    let _ = writeln!(h, "<th>{}</th></tr>\n</table>", esc(&c.cheapest_overall));

    let clouds = c.clouds();
    h.push_str("<h3>On-demand cost by cloud</h3>\n<table><tr><th>month</th>");
    for cl in &clouds {
        let _ = write!(h, "<th>{}</th>", esc(cl));
    }
    h.push_str("</tr>\n");
    for m in &c.months {
        let _ = write!(h, "<tr><td>{}</td>", esc(&m.month));
        for cl in &clouds {
            let _ = write!(
                h,
                "<td>{}</td>",
                money(m.on_demand_by_cloud_usd.get(*cl).map_or(0.0, |x| usd(x)))
            );
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");

    let useful: Vec<_> = c
        .commitments
        .iter()
        .filter(|k| usd(&k.yearly_saving_usd) > 0.0)
        .collect();
    if !useful.is_empty() {
        h.push_str("<h3>What commitments would save</h3>\n<table><tr><th>resource</th><th>cloud</th><th>environment</th><th>sku</th><th>variant</th><th>baseline instances</th><th>break-even utilisation</th><th>yearly saving</th></tr>\n");
        for k in useful {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&k.resource),
                esc(&k.cloud),
                esc(&k.environment),
                esc(&k.sku),
                esc(&k.variant),
                k.baseline_instances,
                pct(k.break_even_utilisation, 0),
                money(usd(&k.yearly_saving_usd))
            );
        }
        h.push_str("</table>\n");
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
    let warnings: &[String] = r.cost.as_ref().map_or(&[], |c| c.warnings.as_slice());
    if warnings.is_empty() {
        h.push_str("<p>No warnings.</p>\n");
    } else {
        let _ = write!(
            h,
            "<h3>Warnings ({})</h3>\n<ul class=\"warn\">",
            warnings.len()
        );
        for w in warnings {
            let _ = write!(h, "<li>{}</li>", esc(w));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

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
