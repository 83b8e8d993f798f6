//! The charts of `report.html`, written as SVG by hand: small panels that scale with the page
//! (`viewBox`, width 100 %), one or more plots stacked on a shared x axis, each with its own y
//! axis; a `<title>` tooltip on every mark (lines, points, bars, bands, limits) and on hover
//! columns that read out every series at that x; labelled bands (holidays, outages); event ticks
//! (deploys). No script.
//! Pure string building, so the same report gives the same bytes.

use std::fmt::Write as _;

use super::html::esc;

/// Width of every panel in SVG units; the page scales it to its column.
pub const W: f64 = 440.0;
const PLOT_H: f64 = 104.0;
const LEFT: f64 = 54.0;
const RIGHT: f64 = 10.0;
/// Room above the first plot for band labels (two rows).
const TOP: f64 = 30.0;
/// Room above each plot for its caption.
const CAPTION: f64 = 20.0;
const X_AXIS: f64 = 24.0;
/// At most this many hover columns per panel (neighbouring x values are merged beyond it).
const MAX_COLUMNS: usize = 240;

/// Tableau 10.
pub const PALETTE: [&str; 10] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
    "#17becf", "#d62728",
];
pub const RED: &str = "#c62828";
pub const GREEN: &str = "#2e7d32";

pub fn color(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// One series of a plot.
pub struct Series {
    pub label: String,
    pub color: String,
    pub values: Vec<Option<f64>>,
    pub dashed: bool,
}

impl Series {
    pub fn new(label: impl Into<String>, color: &str, values: Vec<Option<f64>>) -> Series {
        Series {
            label: label.into(),
            color: color.to_string(),
            values,
            dashed: false,
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
pub enum Kind {
    Lines,
    /// Bars side by side per x.
    Bars,
    /// Bars stacked per x.
    Stacked,
}

/// One y axis and its series.
pub struct Plot {
    /// Caption above the plot: what the y axis measures.
    pub caption: String,
    pub kind: Kind,
    pub series: Vec<Series>,
    /// Horizontal dashed limits: (y, label).
    pub rules: Vec<(f64, String)>,
    /// Lowest y shown (default 0).
    pub y_min: Option<f64>,
    /// Highest y shown at least (default: the data).
    pub y_max: Option<f64>,
    pub fmt: fn(f64) -> String,
}

impl Plot {
    pub fn lines(caption: impl Into<String>, fmt: fn(f64) -> String) -> Plot {
        Plot {
            caption: caption.into(),
            kind: Kind::Lines,
            series: Vec::new(),
            rules: Vec::new(),
            y_min: None,
            y_max: None,
            fmt,
        }
    }
}

/// A shaded x range over every plot, labelled at the top.
pub struct Band {
    pub from: usize,
    /// Inclusive.
    pub to: usize,
    pub label: String,
    pub tooltip: String,
    pub color: &'static str,
}

/// The colour of event ticks (deploys).
pub const EVENT: &str = "#6a3d9a";

/// A chart: plots stacked on one x axis.
pub struct Panel {
    /// `data-chart` name.
    pub name: String,
    /// Full x label per index (tooltips).
    pub x: Vec<String>,
    /// Tick labels on the x axis: (index, label).
    pub ticks: Vec<(usize, String)>,
    pub plots: Vec<Plot>,
    pub bands: Vec<Band>,
    /// Vertical markers: (index, label).
    pub markers: Vec<(usize, String)>,
    /// Events (deploys): a thin line through the plots and a small triangle on top of them, and
    /// a line in the hover column, each saying the tooltip: (index, tooltip).
    pub events: Vec<(usize, String)>,
    /// What the hover columns say values are (`daily peak`, …), appended to the x label.
    pub hover_note: String,
}

fn f1(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// `12345.6` → `12,346`; small values keep decimals.
pub fn num(x: f64) -> String {
    let a = x.abs();
    let s = if a >= 100.0 || x == x.trunc() {
        format!("{x:.0}")
    } else if a >= 1.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    };
    group(&s)
}

/// Thousands separators on the integer part of a formatted number.
pub fn group(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut g = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            g.push(',');
        }
        g.push(ch);
    }
    match frac {
        Some(f) => format!("{sign}{g}.{f}"),
        None => format!("{sign}{g}"),
    }
}

pub fn pct(x: f64) -> String {
    format!("{} %", f1(x * 100.0))
}

/// A "nice" tick step for `range / n`.
fn nice_step(range: f64, n: f64) -> f64 {
    let raw = (range / n).max(1e-12);
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 2.5 {
        2.5
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

impl Plot {
    /// (low, high) of the y axis.
    fn range(&self, n: usize) -> (f64, f64) {
        let mut hi = self.y_max.unwrap_or(f64::NEG_INFINITY);
        let mut lo = self.y_min.unwrap_or(0.0);
        match self.kind {
            Kind::Stacked => {
                for i in 0..n {
                    let s: f64 = self
                        .series
                        .iter()
                        .filter_map(|s| s.values.get(i).copied().flatten())
                        .sum();
                    hi = hi.max(s);
                }
            }
            _ => {
                for v in self.series.iter().flat_map(|s| s.values.iter().flatten()) {
                    hi = hi.max(*v);
                    if self.y_min.is_none() {
                        lo = lo.min(*v);
                    }
                }
            }
        }
        for (y, _) in &self.rules {
            hi = hi.max(*y);
        }
        if !hi.is_finite() || hi <= lo {
            hi = lo + 1.0;
        }
        let step = nice_step(hi - lo, 4.0);
        (lo, (hi / step).ceil() * step)
    }
}

/// Start of `<svg>` for a chart `w` × `h` units that fills its container's width.
pub fn open(h: &mut String, w: f64, height: f64, label: &str) {
    let _ = write!(
        h,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {}\" width=\"100%\" role=\"img\" aria-label=\"{}\" font-family=\"DejaVu Sans,Verdana,Arial,sans-serif\" font-size=\"13\">",
        f1(height),
        esc(label)
    );
}

/// The panel as an `<svg>` element.
pub fn render(p: &Panel) -> String {
    let n = p.x.len().max(1);
    let pw = W - LEFT - RIGHT;
    let height = TOP + p.plots.len() as f64 * (CAPTION + PLOT_H) + X_AXIS;
    let xl = |i: usize| LEFT + i as f64 * pw / n as f64;
    let xc = |i: usize| LEFT + (i as f64 + 0.5) * pw / n as f64;
    let plots_top = TOP;
    let plots_bottom = height - X_AXIS;
    let mut h = String::new();
    let label = p
        .plots
        .iter()
        .map(|pl| pl.caption.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    open(&mut h, W, height, &label);

    // Bands first (under everything), labels at the top in two rows; a label that fits in
    // neither is left to the band's tooltip.
    let mut label_end = [f64::NEG_INFINITY; 2];
    for b in &p.bands {
        let (x0, x1) = (xl(b.from.min(n - 1)), xl(b.to.min(n - 1) + 1));
        let _ = write!(
            h,
            "<rect class=\"band\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" fill-opacity=\"0.16\"><title>{}</title></rect>",
            f1(x0),
            f1(plots_top),
            f1((x1 - x0).max(1.5)),
            f1(plots_bottom - plots_top),
            b.color,
            esc(&b.tooltip)
        );
        let text_w = b.label.chars().count() as f64 * 7.0;
        let tx = x0.clamp(LEFT, (W - RIGHT - text_w).max(LEFT));
        if let Some(row) = (0..2).find(|&r| tx > label_end[r] + 4.0)
            && !b.label.is_empty()
        {
            let _ = write!(
                h,
                "<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"{}\">{}</text>",
                f1(tx),
                f1(12.0 + 13.0 * row as f64),
                b.color,
                esc(&b.label)
            );
            label_end[row] = tx + text_w;
        }
    }

    for (k, pl) in p.plots.iter().enumerate() {
        let top = TOP + k as f64 * (CAPTION + PLOT_H) + CAPTION;
        let bottom = top + PLOT_H;
        let (lo, hi) = pl.range(n);
        let y = |v: f64| bottom - (v - lo) / (hi - lo) * PLOT_H;
        let _ = write!(
            h,
            "<text x=\"{}\" y=\"{}\" font-size=\"13\" font-weight=\"bold\" fill=\"#333\">{}</text>",
            f1(LEFT),
            f1(top - 6.0),
            esc(&pl.caption)
        );
        // Grid and y ticks.
        let step = nice_step(hi - lo, 4.0);
        let mut t = (lo / step).ceil() * step;
        let mut guard = 0;
        while t <= hi + step * 1e-6 && guard < 20 {
            let _ = write!(
                h,
                "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"#e4e7ec\"/><text x=\"{3}\" y=\"{4}\" text-anchor=\"end\" fill=\"#555\">{5}</text>",
                f1(LEFT),
                f1(W - RIGHT),
                f1(y(t)),
                f1(LEFT - 5.0),
                f1(y(t) + 4.5),
                esc(&(pl.fmt)(t))
            );
            t += step;
            guard += 1;
        }
        let _ = write!(
            h,
            "<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#999\"/><line x1=\"{0}\" x2=\"{3}\" y1=\"{2}\" y2=\"{2}\" stroke=\"#999\"/>",
            f1(LEFT),
            f1(top),
            f1(bottom),
            f1(W - RIGHT)
        );
        match pl.kind {
            Kind::Lines => {
                for s in &pl.series {
                    let peak = s
                        .values
                        .iter()
                        .enumerate()
                        .filter_map(|(i, v)| v.map(|v| (i, v)))
                        .fold(None::<(usize, f64)>, |m, (i, v)| match m {
                            Some((_, mv)) if mv >= v => m,
                            _ => Some((i, v)),
                        });
                    let tip = match peak {
                        Some((i, v)) => format!(
                            "{}: highest {} at {}",
                            s.label,
                            (pl.fmt)(v),
                            p.x.get(i).map_or("", String::as_str)
                        ),
                        None => format!("{}: no data", s.label),
                    };
                    let dash = if s.dashed {
                        " stroke-dasharray=\"5 3\""
                    } else {
                        ""
                    };
                    let mut run: Vec<(f64, f64)> = Vec::new();
                    let flush = |run: &mut Vec<(f64, f64)>, h: &mut String| {
                        match run.len() {
                            0 => {}
                            1 => {
                                let _ = write!(
                                    h,
                                    "<circle cx=\"{}\" cy=\"{}\" r=\"2.5\" fill=\"{}\"><title>{}</title></circle>",
                                    f1(run[0].0),
                                    f1(run[0].1),
                                    s.color,
                                    esc(&tip)
                                );
                            }
                            _ => {
                                let _ = write!(
                                    h,
                                    "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.8\" stroke-linejoin=\"round\"{dash} points=\"",
                                    s.color
                                );
                                for (i, (x, yv)) in run.iter().enumerate() {
                                    if i > 0 {
                                        h.push(' ');
                                    }
                                    let _ = write!(h, "{},{}", f1(*x), f1(*yv));
                                }
                                let _ = write!(h, "\"><title>{}</title></polyline>", esc(&tip));
                            }
                        }
                        run.clear();
                    };
                    for (i, v) in s.values.iter().enumerate() {
                        match v {
                            Some(v) if v.is_finite() => run.push((xc(i), y(v.clamp(lo, hi)))),
                            _ => flush(&mut run, &mut h),
                        }
                    }
                    flush(&mut run, &mut h);
                }
            }
            Kind::Bars | Kind::Stacked => {
                let slot = pw / n as f64;
                let ns = pl.series.len().max(1) as f64;
                for i in 0..n {
                    let mut base = lo;
                    for (k, s) in pl.series.iter().enumerate() {
                        let Some(v) = s.values.get(i).copied().flatten() else {
                            continue;
                        };
                        let (x0, w, y0, y1) = if pl.kind == Kind::Stacked {
                            let r = (xl(i) + slot * 0.15, slot * 0.7, base, base + v);
                            base += v;
                            r
                        } else {
                            let w = slot * 0.8 / ns;
                            (xl(i) + slot * 0.1 + w * k as f64, w * 0.92, lo, v)
                        };
                        let (ya, yb) = (y(y1.min(hi)), y(y0.max(lo)));
                        let _ = write!(
                            h,
                            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{} · {}: {}</title></rect>",
                            f1(x0),
                            f1(ya.min(yb)),
                            f1(w.max(0.8)),
                            f1((yb - ya).abs().max(0.8)),
                            s.color,
                            esc(p.x.get(i).map_or("", String::as_str)),
                            esc(&s.label),
                            esc(&(pl.fmt)(v))
                        );
                    }
                }
            }
        }
        for (v, label) in &pl.rules {
            let yy = y(*v);
            let _ = write!(
                h,
                "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"{RED}\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"><title>{3}</title></line><text x=\"{1}\" y=\"{4}\" text-anchor=\"end\" font-size=\"12\" fill=\"{RED}\">{3}</text>",
                f1(LEFT),
                f1(W - RIGHT),
                f1(yy),
                esc(label),
                f1((yy - 4.0).max(top + 10.0))
            );
        }
    }

    for (i, label) in &p.markers {
        let x = xc((*i).min(n - 1));
        let _ = write!(
            h,
            "<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"{GREEN}\" stroke-width=\"1.5\" stroke-dasharray=\"3 3\"><title>{3}</title></line>",
            f1(x),
            f1(plots_top),
            f1(plots_bottom),
            esc(label)
        );
    }

    // Event lines under the hover columns (the triangles go on top of them, below).
    for (i, label) in &p.events {
        let x = xc((*i).min(n - 1));
        let _ = write!(
            h,
            "<line class=\"event\" x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"{EVENT}\" stroke-width=\"1\" stroke-opacity=\"0.35\"><title>{3}</title></line>",
            f1(x),
            f1(plots_top),
            f1(plots_bottom),
            esc(label)
        );
    }

    // X ticks.
    for (i, label) in &p.ticks {
        let x = xc((*i).min(n - 1));
        let _ = write!(
            h,
            "<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#999\"/><text x=\"{0}\" y=\"{3}\" text-anchor=\"middle\" fill=\"#555\">{4}</text>",
            f1(x),
            f1(plots_bottom),
            f1(plots_bottom + 4.0),
            f1(plots_bottom + 18.0),
            esc(label)
        );
    }

    // Hover columns: every series' value at that x (merged columns give the largest).
    let per = n.div_ceil(MAX_COLUMNS).max(1);
    h.push_str("<g class=\"hover\" fill=\"#000\" fill-opacity=\"0\">");
    let mut i = 0;
    while i < n {
        let j = (i + per).min(n);
        let mut tip = if j - i == 1 {
            p.x.get(i).cloned().unwrap_or_default()
        } else {
            format!(
                "{} – {}",
                p.x.get(i).map_or("", String::as_str),
                p.x.get(j - 1).map_or("", String::as_str)
            )
        };
        if !p.hover_note.is_empty() {
            let _ = write!(tip, " ({})", p.hover_note);
        }
        for b in &p.bands {
            if b.from < j && b.to >= i {
                let _ = write!(tip, " · {}", b.label);
            }
        }
        for (_, label) in p.events.iter().filter(|(k, _)| (i..j).contains(k)) {
            let _ = write!(tip, "\n{label}");
        }
        for pl in &p.plots {
            for s in &pl.series {
                let v = s.values[i.min(s.values.len())..j.min(s.values.len())]
                    .iter()
                    .flatten()
                    .copied()
                    .fold(None::<f64>, |m, v| Some(m.map_or(v, |m| m.max(v))));
                let _ = write!(
                    tip,
                    "\n{}: {}",
                    s.label,
                    v.map_or("–".to_string(), |v| (pl.fmt)(v))
                );
            }
        }
        let _ = write!(
            h,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{}</title></rect>",
            f1(xl(i)),
            f1(plots_top),
            f1(xl(j) - xl(i)),
            f1(plots_bottom - plots_top),
            esc(&tip)
        );
        i = j;
    }
    h.push_str("</g>");
    // Event triangles last, so they are hovered above the columns.
    for (i, label) in &p.events {
        let x = xc((*i).min(n - 1));
        let _ = write!(
            h,
            "<path class=\"event\" d=\"M{} {}h8l-4 7z\" fill=\"{EVENT}\"><title>{}</title></path>",
            f1(x - 4.0),
            f1(plots_top - 7.0),
            esc(label)
        );
    }
    h.push_str("</svg>");
    h
}

/// Up to `max` evenly spaced tick indices over `n` points, labelled by `label`; indices for
/// which `label` gives `None` are skipped (so ticks can sit on month starts, whole hours, …).
pub fn ticks(
    n: usize,
    max: usize,
    label: impl Fn(usize) -> Option<String>,
) -> Vec<(usize, String)> {
    let candidates: Vec<(usize, String)> =
        (0..n).filter_map(|i| label(i).map(|l| (i, l))).collect();
    let every = candidates.len().div_ceil(max.max(1)).max(1);
    candidates
        .into_iter()
        .enumerate()
        .filter(|(k, _)| k % every == 0)
        .map(|(_, t)| t)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panel(n: usize) -> Panel {
        let mut pl = Plot::lines("req/s", num);
        pl.series.push(Series::new(
            "web",
            color(0),
            (0..n).map(|i| (i != 3).then_some(i as f64)).collect(),
        ));
        pl.rules.push((5.0, "limit".into()));
        Panel {
            name: "t".into(),
            x: (0..n).map(|i| format!("d{i}")).collect(),
            ticks: ticks(n, 4, |i| Some(format!("d{i}"))),
            plots: vec![pl],
            bands: vec![Band {
                from: 1,
                to: 2,
                label: "holiday".into(),
                tooltip: "holiday d1–d2".into(),
                color: RED,
            }],
            markers: vec![(4, "recovered".into())],
            events: vec![(2, "deploy web@aws".into())],
            hover_note: "peak".into(),
        }
    }

    #[test]
    fn every_mark_has_a_title_and_gaps_split_lines() {
        let s = render(&panel(10));
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
        assert!(s.contains("viewBox=\"0 0 440 ") && s.contains("width=\"100%\""));
        // Values 0..2 and 4..9: two polylines, each with its title.
        assert_eq!(s.matches("<polyline").count(), 2);
        for mark in ["<polyline", "<rect", "<circle"] {
            for part in s.split(mark).skip(1) {
                let end = part.find('>').unwrap();
                assert!(part[end + 1..].starts_with("<title>"), "{mark}{part}");
            }
        }
        assert!(s.matches("<title>").count() > 10 + 2 + 1 + 1);
        assert!(s.contains("d3 (peak)\nweb: –"));
        assert!(s.contains(">holiday</text>"));
        // The event at d2: a line and a triangle (drawn after the hover columns, so it is
        // hovered above them), both titled, and a line in d2's hover column.
        for mark in ["<line class=\"event\"", "<path class=\"event\""] {
            let part = s.split(mark).nth(1).unwrap();
            let end = part.find('>').unwrap();
            assert!(part[end + 1..].starts_with("<title>deploy web@aws</title>"));
        }
        assert!(s.find("<path class=\"event\"").unwrap() > s.find("<g class=\"hover\"").unwrap());
        assert!(s.contains("d2 (peak) · holiday\ndeploy web@aws\nweb: 2"));
    }

    #[test]
    fn numbers_for_people() {
        assert_eq!(num(12345.6), "12,346");
        assert_eq!(num(2.345), "2.3");
        assert_eq!(super::super::charts::usd0(-1234.5), "-$1,234");
        assert_eq!(pct(0.99945), "99.9 %");
        assert_eq!(group("-1234567.25"), "-1,234,567.25");
    }

    #[test]
    fn many_points_merge_into_bounded_hover_columns() {
        let s = render(&panel(1440));
        assert_eq!(s.matches("<g class=\"hover\"").count(), 1);
        let cols = s
            .split("<g class=\"hover\"")
            .nth(1)
            .unwrap()
            .matches("<rect")
            .count();
        assert_eq!(cols, 240);
    }
}
