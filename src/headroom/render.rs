//! The headroom result for people and programs: a terminal table, Markdown, JSON, and an HTML
//! page with the breaking points on a chart (inline SVG with a `<title>` tooltip on every mark,
//! no script). Each is a pure function of [`HeadroomReport`].

use super::{HeadroomReport, Limit};

/// Where a limit is, for people: `web-main@aws`, `aws-spot (aws)`, `primary (…)`, `—`.
fn where_(l: &Limit) -> String {
    match (&l.service, &l.cloud, &l.resource) {
        (Some(s), Some(c), _) => format!("{s}@{c}"),
        (None, Some(c), Some(r)) => format!("{r} ({c})"),
        (_, _, Some(r)) => r.clone(),
        (Some(s), None, None) => s.clone(),
        _ => "—".to_string(),
    }
}

/// The fixes at the target as list items, `name` styling the constraint's name (Markdown puts
/// it in backticks); empty when there are none.
fn fix_list(r: &HeadroomReport, heading: &str, name: fn(&str) -> String) -> String {
    let Some(t) = r.target.as_ref().filter(|t| !t.fixes.is_empty()) else {
        return String::new();
    };
    let mut out = heading.replace("{rps}", &format!("{:.0}", t.rps));
    for f in &t.fixes {
        out.push_str(&format!(
            "- {} ({}): {}\n",
            name(f.limit.constraint.name()),
            where_(&f.limit),
            f.change
        ));
    }
    out
}

fn headline(r: &HeadroomReport) -> String {
    let by = match r.by {
        super::Scale::Dau => "DAU",
        super::Scale::Rps => "page views per DAU",
        super::Scale::Peak => "holiday peaks",
    };
    let mut out = if r.max_factor == 0.0 {
        format!(
            "The plan misses its SLOs at every factor tried (down to {}× {by}).\n",
            r.search.min_factor
        )
    } else if r.holds_to_max_factor {
        format!(
            "Every SLO rule holds up to the largest factor tried: {}× {by} ({:.0} rps at {}).\n",
            r.max_factor, r.max_peak_rps, r.entry_service
        )
    } else {
        format!(
            "Every SLO rule holds up to {}× {by}: {:.0} rps over all services, {:.0} at {} (the plan as written peaks at {:.0} and {:.0}){}.\n",
            r.max_factor,
            r.max_total_peak_rps,
            r.max_peak_rps,
            r.entry_service,
            r.base_total_peak_rps,
            r.base_peak_rps,
            r.max_dau
                .map(|d| format!(", {d:.0} DAU"))
                .unwrap_or_default()
        )
    };
    if let Some(t) = &r.target {
        let of = match t.of {
            super::TargetOf::Total => "over all services",
            super::TargetOf::Entry => "at the entry service",
        };
        out.push_str(&if t.beyond_search {
            format!(
                "Target {:.0} rps {of} needs {}×, beyond --max {}: not simulated.\n",
                t.rps, t.factor, r.search.max_factor
            )
        } else if t.reached {
            format!(
                "Target {:.0} rps {of} ({}×): reached, every SLO rule holds.\n",
                t.rps, t.factor
            )
        } else {
            format!(
                "Target {:.0} rps {of} ({}×): NOT reached; {} limit(s) broken there.\n",
                t.rps,
                t.factor,
                t.fixes.len()
            )
        });
    }
    out
}

/// The terminal table.
pub fn table(r: &HeadroomReport) -> String {
    let mut out = format!(
        "capsim {} — headroom of {} ({}), by {}: {} simulations\n\n",
        r.capsim_version,
        r.scenario,
        r.file,
        r.by.name(),
        r.search.runs
    );
    out.push_str(&headline(r));
    out.push('\n');
    if r.breaks.is_empty() {
        out.push_str("Nothing breaks up to the largest factor tried.\n");
    } else {
        let rows: Vec<[String; 6]> = r
            .breaks
            .iter()
            .map(|b| {
                [
                    format!("{}×", b.factor),
                    format!("{:.0}", b.total_peak_rps),
                    format!("{:.0}", b.peak_rps),
                    b.limit.constraint.name().to_string(),
                    where_(&b.limit),
                    b.detail.clone(),
                ]
            })
            .collect();
        let entry = format!("{} rps", r.entry_service);
        let head = [
            "factor",
            "total rps",
            entry.as_str(),
            "constraint",
            "where",
            "detail",
        ];
        let mut w = head.map(|h| h.chars().count());
        for row in &rows {
            for (i, c) in row.iter().enumerate() {
                w[i] = w[i].max(c.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut l = String::new();
            for (i, c) in cells.iter().enumerate() {
                if i + 1 == cells.len() {
                    l.push_str(c);
                } else {
                    l.push_str(&format!("{c:<width$}  ", width = w[i]));
                }
            }
            l.trim_end().to_string() + "\n"
        };
        out.push_str(&line(&head.map(String::from)));
        out.push_str(&line(&w.map(|n| "-".repeat(n))));
        for row in &rows {
            out.push_str(&line(row));
        }
    }
    out.push_str(&fix_list(r, "\nTo reach {rps} rps:\n", str::to_string));
    out
}

/// Markdown (a PR comment or a wiki page).
pub fn markdown(r: &HeadroomReport) -> String {
    let mut out = format!("### Headroom of `{}` (by {})\n\n", r.scenario, r.by.name());
    out.push_str(&headline(r).replace('\n', "\n\n"));
    if !r.breaks.is_empty() {
        out.push_str(
            "| factor | peak rps | constraint | where | detail |\n|---:|---:|---|---|---|\n",
        );
        for b in &r.breaks {
            out.push_str(&format!(
                "| {}× | {:.0} | `{}` | {} | {} |\n",
                b.factor,
                b.peak_rps,
                b.limit.constraint.name(),
                where_(&b.limit),
                b.detail.replace('|', "\\|")
            ));
        }
    }
    out.push_str(&fix_list(r, "\n**To reach {rps} rps:**\n\n", |n| {
        format!("`{n}`")
    }));
    out.push_str(&format!(
        "\n<sub>{} simulations, factors {}–{}, precision {} %</sub>\n",
        r.search.runs,
        r.search.min_factor,
        r.search.max_factor,
        r.search.precision * 100.0
    ));
    out
}

/// `headroom.json`.
pub fn json(r: &HeadroomReport) -> String {
    let mut s =
        serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The breaking points on a log-scaled factor axis (one row per break), the SLO limit and the
/// target as vertical lines, every probe as a tick on the axis.
pub fn svg(r: &HeadroomReport) -> String {
    // Narrow (the page scales it to its width, so text stays readable on a phone): each break's
    // label sits above its row instead of in a left margin.
    let (w, row_h, left, right, top) = (440.0, 40.0, 16.0, 24.0, 34.0);
    let rows = r.breaks.len().max(1) as f64;
    let h = top + rows * row_h + 50.0;
    let mut lo = r.probes.first().map_or(1.0, |p| p.factor).min(1.0);
    let mut hi = r.probes.last().map_or(2.0, |p| p.factor).max(2.0);
    if let Some(t) = &r.target {
        lo = lo.min(t.factor);
        hi = hi.max(t.factor);
    }
    let (llo, lhi) = (lo.ln(), hi.ln().max(lo.ln() + 1e-9));
    let x = |f: f64| left + (f.ln() - llo) / (lhi - llo) * (w - left - right);
    let axis_y = top + rows * row_h + 8.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" aria-label=\"breaking points\" style=\"max-width:640px;display:block\" font-family=\"sans-serif\" font-size=\"13\">\n"
    );
    s.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{axis_y}\" x2=\"{}\" y2=\"{axis_y}\" stroke=\"#555\"/>\n",
        w - right
    ));
    // Ticks at powers of two within the range, and every probe.
    let mut t = 2f64.powi(lo.log2().floor() as i32);
    while t <= hi * 1.0001 {
        if t >= lo * 0.9999 {
            s.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#333\">{}×</text>\n",
                x(t),
                axis_y + 16.0,
                t
            ));
        }
        t *= 2.0;
    }
    for p in &r.probes {
        s.push_str(&format!(
            "<line x1=\"{0:.1}\" y1=\"{1}\" x2=\"{0:.1}\" y2=\"{2}\" stroke=\"{3}\"><title>probe {4}× — {5:.0} rps — {6}</title></line>\n",
            x(p.factor),
            axis_y - 4.0,
            axis_y + 4.0,
            if p.slo_met { "#2a7" } else { "#c33" },
            p.factor,
            p.peak_rps,
            if p.slo_met { "SLOs met".to_string() } else { "SLOs missed".to_string() }
        ));
    }
    if r.max_factor > 0.0 {
        s.push_str(&format!(
            "<line x1=\"{0:.1}\" y1=\"{1}\" x2=\"{0:.1}\" y2=\"{2}\" stroke=\"#2a7\" stroke-dasharray=\"4 3\"><title>every SLO rule holds up to {3}× ({4:.0} rps)</title></line>\n<text x=\"{0:.1}\" y=\"{5}\" text-anchor=\"middle\" fill=\"#2a7\">SLOs hold ≤ {3}×</text>\n",
            x(r.max_factor),
            top - 6.0,
            axis_y,
            r.max_factor,
            r.max_peak_rps,
            top - 10.0
        ));
    }
    if let Some(t) = &r.target {
        s.push_str(&format!(
            "<line x1=\"{0:.1}\" y1=\"{1}\" x2=\"{0:.1}\" y2=\"{2}\" stroke=\"#36c\" stroke-dasharray=\"2 2\"><title>target {3:.0} rps = {4}×: {5}</title></line>\n",
            x(t.factor),
            top - 6.0,
            axis_y,
            t.rps,
            t.factor,
            if t.reached { "reached" } else { "not reached" }
        ));
    }
    for (i, b) in r.breaks.iter().enumerate() {
        let y = top + (i as f64 + 0.5) * row_h;
        let label = format!("{} · {}", b.limit.constraint.name(), where_(&b.limit));
        s.push_str(&format!(
            "<text x=\"{left}\" y=\"{:.1}\" fill=\"#222\">{}</text>\n",
            y - 9.0,
            esc(&label)
        ));
        s.push_str(&format!(
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/>\n",
            w - right
        ));
        s.push_str(&format!(
            "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"6\" fill=\"{}\"><title>{}× ({:.0} rps in all): {}</title></circle>\n",
            x(b.factor),
            if b.limit.constraint.is_slo() { "#c33" } else { "#e90" },
            b.factor,
            b.total_peak_rps,
            esc(&b.detail)
        ));
    }
    s.push_str("</svg>\n");
    s
}

/// `headroom.html`: the verdict, the chart, the breaks and fixes; opens offline.
pub fn html(r: &HeadroomReport) -> String {
    let md_rows: String = r
        .breaks
        .iter()
        .map(|b| {
            format!(
                "<tr><td>{}×</td><td>{:.0}</td><td>{:.0}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>\n",
                b.factor,
                b.total_peak_rps,
                b.peak_rps,
                b.limit.constraint.name(),
                esc(&where_(&b.limit)),
                esc(&b.detail)
            )
        })
        .collect();
    let fixes: String = r
        .target
        .iter()
        .flat_map(|t| &t.fixes)
        .map(|f| {
            format!(
                "<li><code>{}</code> ({}): {}</li>\n",
                f.limit.constraint.name(),
                esc(&where_(&f.limit)),
                esc(&f.change)
            )
        })
        .collect();
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>capsim headroom — {name}</title>\n<style>*,*::before,*::after{{box-sizing:border-box}}body{{font:14px/1.5 sans-serif;margin:1rem auto;max-width:820px;padding:0 1rem;color:#222;overflow-wrap:anywhere}}.scroll{{overflow-x:auto;max-width:100%}}figure.chart{{margin:0}}table{{border-collapse:collapse}}td,th{{padding:.2rem .6rem;border-bottom:1px solid #ddd;text-align:left}}</style></head>\n<body>\n<h1>Headroom of {name}</h1>\n<p>{head}</p>\n<figure class=\"chart\" data-chart=\"breaking-points\">{svg}</figure>\n<div class=\"scroll\"><table><thead><tr><th>factor</th><th>total rps</th><th>entry rps</th><th>constraint</th><th>where</th><th>detail</th></tr></thead><tbody>\n{rows}</tbody></table></div>\n{fixes}<p><small>{runs} simulations by {by}, factors {lo}–{hi}, precision {prec} %; capsim {ver}</small></p>\n</body></html>\n",
        name = esc(&r.scenario),
        head = esc(&headline(r)).replace('\n', "<br>"),
        svg = svg(r),
        rows = md_rows,
        fixes = if fixes.is_empty() {
            String::new()
        } else {
            format!(
                "<h2>To reach {:.0} rps</h2><ul>\n{fixes}</ul>\n",
                r.target.as_ref().map_or(0.0, |t| t.rps)
            )
        },
        runs = r.search.runs,
        by = r.by.name(),
        lo = r.search.min_factor,
        hi = r.search.max_factor,
        prec = r.search.precision * 100.0,
        ver = esc(&r.capsim_version),
    )
}
