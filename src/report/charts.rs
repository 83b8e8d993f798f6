//! Charts of a [`RunReport`], as SVG or PNG bytes: pure functions of the report (no clock, no
//! file system), so the same report always gives byte-identical images.
//!
//! Every chart draws on the left and keeps a legend panel on the right. Text uses DejaVu Sans,
//! embedded in the binary and registered once with plotters' `ab_glyph` backend, so PNGs render
//! the same on machines without system fonts.
//!
//! Charts without data (an unpriced run, no database, no cache, no node pools) are left out by
//! [`all_for`]; asking [`svg`] or [`png`] for one anyway draws an empty frame saying "no data".

use std::ops::Range;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters_backend::{BackendColor, BackendCoord, DrawingErrorKind as BackendError};

use super::RunReport;
use super::cost::CostSummary;

/// DejaVu Sans (Bitstream Vera licence, see `assets/fonts/LICENSE`).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static REGISTER_FONT: Once = Once::new();

/// Image size in pixels.
pub const WIDTH: u32 = 1100;
pub const HEIGHT: u32 = 500;
/// Width of the legend panel on the right.
const LEGEND_W: u32 = 250;
const FONT_FAMILY: &str = "sans-serif";

fn register_font() {
    REGISTER_FONT.call_once(|| {
        // The bytes are a valid TTF compiled in; on failure the text would only be missing.
        let _ = plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT);
    });
}

/// The charts, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Chart {
    TrafficReplicas,
    Nodes,
    DbConnections,
    CacheHitRatio,
    LatencyP95,
    CostByCloud,
    CostVariants,
}

const ALL: [Chart; 7] = [
    Chart::TrafficReplicas,
    Chart::Nodes,
    Chart::DbConnections,
    Chart::CacheHitRatio,
    Chart::LatencyP95,
    Chart::CostByCloud,
    Chart::CostVariants,
];

/// Every chart kind, in report order (some may have no data for a given report: see [`all_for`]).
pub fn all() -> &'static [Chart] {
    &ALL
}

/// The charts that have data in this report, in report order.
pub fn all_for(r: &RunReport) -> Vec<Chart> {
    ALL.iter().copied().filter(|c| c.has_data(r)).collect()
}

impl Chart {
    /// File stem: `charts/<name>.png`.
    pub fn name(self) -> &'static str {
        match self {
            Chart::TrafficReplicas => "traffic-replicas",
            Chart::Nodes => "nodes",
            Chart::DbConnections => "db-connections",
            Chart::CacheHitRatio => "cache-hit-ratio",
            Chart::LatencyP95 => "latency-p95",
            Chart::CostByCloud => "cost-by-cloud",
            Chart::CostVariants => "cost-variants",
        }
    }

    /// Short human title (also the HTML figure heading).
    pub fn title(self) -> &'static str {
        match self {
            Chart::TrafficReplicas => "Offered traffic and ready replicas",
            Chart::Nodes => "Nodes per pool",
            Chart::DbConnections => "Database connections",
            Chart::CacheHitRatio => "Cache hit ratio",
            Chart::LatencyP95 => "p95 latency against the SLO",
            Chart::CostByCloud => "Monthly cost by cloud (on-demand)",
            Chart::CostVariants => "Monthly cost per purchase variant",
        }
    }

    /// Whether the report has something to draw.
    pub fn has_data(self, r: &RunReport) -> bool {
        let s = &r.series;
        let has_days = !s.days.is_empty();
        match self {
            Chart::TrafficReplicas => has_days && !s.services.is_empty(),
            Chart::Nodes => has_days && s.node_pools.iter().any(|p| !p.nodes_max.is_empty()),
            Chart::DbConnections => {
                has_days && r.database.is_some() && s.db_connections_max.iter().any(Option::is_some)
            }
            Chart::CacheHitRatio => {
                has_days && r.cache.is_some() && s.cache_hit_ratio_min.iter().any(Option::is_some)
            }
            Chart::LatencyP95 => {
                has_days
                    && s.services
                        .iter()
                        .any(|v| v.p95_ms_max.iter().any(Option::is_some))
            }
            Chart::CostByCloud | Chart::CostVariants => {
                r.cost.as_ref().is_some_and(|c| !c.months.is_empty())
            }
        }
    }
}

/// The chart as an SVG document.
pub fn svg(r: &RunReport, chart: Chart) -> Vec<u8> {
    register_font();
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (WIDTH, HEIGHT)).into_drawing_area();
        // In-memory backends do not fail; a drawing error would only leave the chart incomplete.
        let _ = draw(&root, r, chart);
        let _ = root.present();
    }
    s.into_bytes()
}

/// The chart as a PNG image (8-bit RGB), encoded in memory.
pub fn png(r: &RunReport, chart: Chart) -> Vec<u8> {
    register_font();
    let mut rgb = vec![255u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root =
            GlyphFix(BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT))).into_drawing_area();
        let _ = draw(&root, r, chart);
        let _ = root.present();
    }
    encode_png(&rgb, WIDTH, HEIGHT)
}

/// A bitmap backend that draws text itself. plotters 0.3.7's `ab_glyph` text places each glyph's
/// bitmap at the pen position without the glyph's left side bearing, so narrow glyphs with a
/// wide bearing ("1", "l", ".") sit too far left and the gap after them opens: tick labels read
/// "2026-1 2-1 7". This draws the same glyphs (DejaVu Sans, the one font the charts register),
/// with plotters' layout, anchors, rotation and kerning, at pen + bearing. Everything else is
/// the inner backend's.
struct GlyphFix<B>(B);

fn glyph_font() -> Option<ab_glyph::FontRef<'static>> {
    ab_glyph::FontRef::try_from_slice(FONT).ok()
}

impl<B: DrawingBackend> DrawingBackend for GlyphFix<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), BackendError<B::ErrorType>> {
        self.0.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), BackendError<B::ErrorType>> {
        self.0.present()
    }
    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), BackendError<B::ErrorType>> {
        self.0.draw_pixel(point, color)
    }
    fn draw_line<S: plotters_backend::BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), BackendError<B::ErrorType>> {
        self.0.draw_line(from, to, style)
    }
    fn draw_rect<S: plotters_backend::BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), BackendError<B::ErrorType>> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }
    fn draw_path<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), BackendError<B::ErrorType>> {
        self.0.draw_path(path, style)
    }
    fn draw_circle<S: plotters_backend::BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), BackendError<B::ErrorType>> {
        self.0.draw_circle(center, radius, style, fill)
    }
    fn fill_polygon<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), BackendError<B::ErrorType>> {
        self.0.fill_polygon(vert, style)
    }
    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), BackendError<B::ErrorType>> {
        self.0.blit_bitmap(pos, size, src)
    }

    /// plotters' default `draw_text` (layout box, anchor, transform, clipping) with the glyphs
    /// drawn at their bearing.
    fn draw_text<S: plotters_backend::BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), BackendError<B::ErrorType>> {
        use ab_glyph::{Font, ScaleFont};
        use plotters_backend::text_anchor::{HPos, VPos};
        let Some(font) = glyph_font() else {
            return self.0.draw_text(text, style, pos);
        };
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let ((min_x, min_y), (max_x, max_y)) = style
            .layout_box(text)
            .map_err(|e| BackendError::FontError(Box::new(e)))?;
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let trans = style.transform();
        let (w, h) = self.get_size();
        let size = style.size() as f32;
        let scaled = font.as_scaled(size);
        let mut pen = 0f32;
        let mut prev: Option<ab_glyph::GlyphId> = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                pen += scaled.kern(p, id);
            }
            prev = Some(id);
            // The glyph positioned at the pen: its pixel bounds carry the bearing.
            let glyph = id.with_scale_and_position(size, ab_glyph::point(pen, 0.0));
            if let Some(q) = scaled.outline_glyph(glyph) {
                let rect = q.px_bounds();
                let x0 = rect.min.x as i32;
                let y0 = (size / 2.0 + rect.min.y) as i32;
                let mut px = Vec::new();
                q.draw(|x, y, a| px.push((x as i32 + x0, y as i32 + y0, a)));
                for (x, y, a) in px {
                    let (x, y) = trans.transform(x + dx - min_x, y + dy - min_y);
                    let (x, y) = (pos.0 + x, pos.1 + y);
                    if x >= 0 && x < w as i32 && y >= 0 && y < h as i32 {
                        self.0.draw_pixel((x, y), color.mix(f64::from(a)))?;
                    }
                }
            }
            pen += scaled.h_advance(id);
        }
        Ok(())
    }
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    if let Ok(mut writer) = enc.write_header() {
        let _ = writer.write_image_data(rgb);
        let _ = writer.finish();
    }
    out
}

type DrawResult<DB, T = ()> = Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;
type Ctx<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

#[derive(Clone, Copy, PartialEq)]
enum Stroke {
    Solid,
    Dashed,
    Block,
}

struct LegendEntry {
    label: String,
    color: RGBColor,
    stroke: Stroke,
}

fn entry(label: impl Into<String>, color: RGBColor, stroke: Stroke) -> LegendEntry {
    LegendEntry {
        label: label.into(),
        color,
        stroke,
    }
}

const HOLIDAY: RGBColor = RGBColor(200, 30, 30);
const LIMIT: RGBColor = RGBColor(200, 30, 30);
const GRID: RGBColor = RGBColor(225, 225, 225);

/// Distinct colours for series (Tableau 10), repeated when there are more series.
fn color(i: usize) -> RGBColor {
    const P: [RGBColor; 10] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
        RGBColor(214, 39, 40),
    ];
    P[i % P.len()]
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    r: &RunReport,
    chart: Chart,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let (plot, legend) = root.split_horizontally(WIDTH - LEGEND_W);
    if !chart.has_data(r) {
        plot.draw(&Text::new(
            format!("{}: no data in this run", chart.title()),
            (40, (HEIGHT / 2) as i32),
            (FONT_FAMILY, 20).into_font(),
        ))?;
        return Ok(());
    }
    let entries = match chart {
        Chart::TrafficReplicas => traffic(&plot, r)?,
        Chart::Nodes => nodes(&plot, r)?,
        Chart::DbConnections => db(&plot, r)?,
        Chart::CacheHitRatio => cache(&plot, r)?,
        Chart::LatencyP95 => latency(&plot, r)?,
        Chart::CostByCloud => cost_by_cloud(&plot, r)?,
        Chart::CostVariants => cost_variants(&plot, r)?,
    };
    draw_legend(&legend, &entries)
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
) -> DrawResult<DB> {
    let font = (FONT_FAMILY, 13).into_font().color(&BLACK);
    let row = 19;
    let top = 50;
    let max_rows = ((HEIGHT as i32 - top - 10) / row).max(1) as usize;
    for (i, e) in entries.iter().enumerate() {
        let y = top + row * i as i32;
        if i + 1 == max_rows && entries.len() > max_rows {
            area.draw(&Text::new(
                format!("… and {} more", entries.len() - i),
                (8, y - 6),
                font.clone(),
            ))?;
            break;
        }
        match e.stroke {
            Stroke::Solid => area.draw(&PathElement::new(
                vec![(8, y), (36, y)],
                e.color.stroke_width(3),
            ))?,
            Stroke::Dashed => {
                for x in [8, 20, 32] {
                    area.draw(&PathElement::new(
                        vec![(x, y), (x + 6, y)],
                        e.color.stroke_width(3),
                    ))?;
                }
            }
            Stroke::Block => area.draw(&Rectangle::new(
                [(10, y - 6), (34, y + 6)],
                e.color.filled(),
            ))?,
        }
        area.draw(&Text::new(e.label.clone(), (44, y - 7), font.clone()))?;
    }
    Ok(())
}

/// Tick label for a number: no float noise, fewer decimals for bigger values.
fn num(y: f64) -> String {
    let a = y.abs();
    if a >= 100.0 || y == y.trunc() {
        format!("{y:.0}")
    } else if a >= 1.0 {
        format!("{y:.1}")
    } else {
        format!("{y:.2}")
    }
}

/// Tick label for a count (nodes, replicas, connections): whole numbers only.
fn count(y: f64) -> String {
    if (y - y.round()).abs() < 1e-9 {
        format!("{y:.0}")
    } else {
        String::new()
    }
}

/// `12345.6` → `$12,346`.
pub fn usd0(y: f64) -> String {
    let digits = super::svg::group(&format!("{:.0}", y.abs()));
    format!("{}${digits}", if y < 0.0 { "-" } else { "" })
}

fn day_label(days: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    days.get(i as usize).cloned().unwrap_or_default()
}

fn nice_max(m: f64) -> f64 {
    if m.is_finite() && m > 0.0 {
        m * 1.1
    } else {
        1.0
    }
}

/// A chart over the run's days: x = day index, labelled with dates.
fn day_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    caption: &str,
    n_days: usize,
    y: Range<f64>,
    right_axis: bool,
) -> DrawResult<DB, Ctx<'a, DB>> {
    let mut b = ChartBuilder::on(area);
    b.caption(caption, (FONT_FAMILY, 20))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(75);
    if right_axis {
        b.right_y_label_area_size(75);
    }
    b.build_cartesian_2d(0f64..(n_days.max(2) - 1) as f64, y)
}

fn day_mesh<DB: DrawingBackend>(
    c: &mut Ctx<'_, DB>,
    days: &[String],
    y_desc: &str,
    y_fmt: &dyn Fn(&f64) -> String,
) -> DrawResult<DB> {
    let x_fmt = |x: &f64| day_label(days, *x);
    c.configure_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .x_labels(8)
        .y_labels(8)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(y_fmt)
        .x_desc("local date (one point per day)")
        .y_desc(y_desc)
        .axis_desc_style((FONT_FAMILY, 14))
        .label_style((FONT_FAMILY, 12))
        .draw()
}

/// Vertical lines at the scenario's holidays; returns the legend entry when there are any.
fn holiday_markers<DB: DrawingBackend>(
    c: &mut Ctx<'_, DB>,
    r: &RunReport,
    y_top: f64,
) -> DrawResult<DB, Option<LegendEntry>> {
    let days = &r.series.days;
    let xs: Vec<(f64, &str)> = r
        .series
        .holidays
        .iter()
        .filter_map(|(d, key)| {
            days.iter()
                .position(|x| x == d)
                .map(|i| (i as f64, key.as_str()))
        })
        .collect();
    if xs.is_empty() {
        return Ok(None);
    }
    c.draw_series(xs.iter().map(|&(x, _)| {
        PathElement::new(vec![(x, 0.0), (x, y_top)], HOLIDAY.mix(0.7).stroke_width(1))
    }))?;
    let font = (FONT_FAMILY, 11).into_font().color(&HOLIDAY);
    let mut last_x = f64::NEG_INFINITY;
    for &(x, key) in &xs {
        // Several holiday days in a row (e.g. Chuseok) get one label.
        if x - last_x > 3.0 {
            c.draw_series(std::iter::once(Text::new(
                key.to_string(),
                (x, y_top),
                font.clone(),
            )))?;
        }
        last_x = x;
    }
    Ok(Some(entry("holiday", HOLIDAY, Stroke::Solid)))
}

/// A chart over the run's days with one y axis: the frame (caption, axes, grid) and the holiday
/// markers; returns it with the legend so far (the holiday entry, if any).
fn day_frame<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    r: &RunReport,
    caption: &str,
    y: Range<f64>,
    y_desc: &str,
    y_fmt: &dyn Fn(&f64) -> String,
) -> DrawResult<DB, (Ctx<'a, DB>, Vec<LegendEntry>)> {
    let y_top = y.end;
    let mut c = day_chart(area, caption, r.series.days.len(), y, false)?;
    day_mesh(&mut c, &r.series.days, y_desc, y_fmt)?;
    let legend = holiday_markers(&mut c, r, y_top)?.into_iter().collect();
    Ok((c, legend))
}

/// Points of an optional series, split into runs of present values.
fn runs(values: impl Iterator<Item = Option<f64>>) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (i, v) in values.enumerate() {
        match v {
            Some(y) if y.is_finite() => out.last_mut().map_or((), |l| l.push((i as f64, y))),
            _ => {
                if out.last().is_some_and(|l| !l.is_empty()) {
                    out.push(Vec::new());
                }
            }
        }
    }
    out.retain(|l| !l.is_empty());
    out
}

fn line<DB: DrawingBackend>(
    c: &mut Ctx<'_, DB>,
    pts: Vec<(f64, f64)>,
    col: RGBColor,
) -> DrawResult<DB> {
    if pts.len() == 1 {
        c.draw_series(std::iter::once(Circle::new(pts[0], 2, col.filled())))?;
    } else {
        c.draw_series(LineSeries::new(pts, col.stroke_width(2)))?;
    }
    Ok(())
}

fn hline<DB: DrawingBackend>(c: &mut Ctx<'_, DB>, y: f64, n_days: usize) -> DrawResult<DB> {
    let x1 = (n_days.max(2) - 1) as f64;
    c.draw_series(DashedLineSeries::new(
        vec![(0.0, y), (x1, y)],
        8,
        5,
        LIMIT.stroke_width(2),
    ))?;
    Ok(())
}

fn traffic<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    r: &RunReport,
) -> DrawResult<DB, Vec<LegendEntry>> {
    let s = &r.series;
    let n = s.days.len();
    let rps_max = s
        .services
        .iter()
        .flat_map(|v| v.offered_rps_max.iter().copied())
        .fold(0.0, f64::max);
    let rep_max = s
        .services
        .iter()
        .flat_map(|v| v.ready_replicas_max.iter().copied())
        .max()
        .unwrap_or(0);
    let y_top = nice_max(rps_max);
    let mut c = day_chart(
        area,
        "Offered traffic (solid) and ready replicas (dashed), daily peaks",
        n,
        0.0..y_top,
        true,
    )?
    .set_secondary_coord(
        0f64..(n.max(2) - 1) as f64,
        0f64..nice_max(f64::from(rep_max)),
    );
    day_mesh(
        &mut c,
        &s.days,
        "offered traffic, req/s (daily peak)",
        &|y| num(*y),
    )?;
    c.configure_secondary_axes()
        .y_desc("ready replicas (daily peak)")
        .y_label_formatter(&|y| count(*y))
        .axis_desc_style((FONT_FAMILY, 14))
        .label_style((FONT_FAMILY, 12))
        .draw()?;
    let mut legend: Vec<LegendEntry> = holiday_markers(&mut c, r, y_top)?.into_iter().collect();
    for (i, v) in s.services.iter().enumerate() {
        let col = color(i);
        line(
            &mut c,
            v.offered_rps_max
                .iter()
                .enumerate()
                .map(|(d, y)| (d as f64, *y))
                .collect(),
            col,
        )?;
        let pts: Vec<(f64, f64)> = v
            .ready_replicas_max
            .iter()
            .enumerate()
            .map(|(d, y)| (d as f64, f64::from(*y)))
            .collect();
        c.draw_secondary_series(DashedLineSeries::new(pts, 6, 4, col.stroke_width(2)))?;
        legend.push(entry(format!("{}@{}", v.name, v.cloud), col, Stroke::Solid));
    }
    legend.push(entry(
        "solid: req/s, dashed: replicas",
        RGBColor(90, 90, 90),
        Stroke::Dashed,
    ));
    Ok(legend)
}

fn nodes<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    r: &RunReport,
) -> DrawResult<DB, Vec<LegendEntry>> {
    let s = &r.series;
    let top = s
        .node_pools
        .iter()
        .flat_map(|p| p.nodes_max.iter().copied())
        .max()
        .unwrap_or(0);
    let (mut c, mut legend) = day_frame(
        area,
        r,
        "Nodes per pool (daily peak: ready, provisioning or under notice)",
        0.0..nice_max(f64::from(top)),
        "nodes (daily peak)",
        &|y| count(*y),
    )?;
    for (i, p) in s.node_pools.iter().enumerate() {
        let col = color(i);
        line(
            &mut c,
            p.nodes_max
                .iter()
                .enumerate()
                .map(|(d, y)| (d as f64, f64::from(*y)))
                .collect(),
            col,
        )?;
        legend.push(entry(format!("{}@{}", p.name, p.cloud), col, Stroke::Solid));
    }
    Ok(legend)
}

fn db<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    r: &RunReport,
) -> DrawResult<DB, Vec<LegendEntry>> {
    let s = &r.series;
    let limit = s
        .db_connection_limit
        .or(r.database.as_ref().map(|d| d.connection_limit));
    let top = s
        .db_connections_max
        .iter()
        .flatten()
        .copied()
        .fold(limit.unwrap_or(0.0), f64::max);
    let (mut c, mut legend) = day_frame(
        area,
        r,
        "Database connections on the primary (daily max) and the limit",
        0.0..nice_max(top),
        "connections (daily max)",
        &|y| count(*y),
    )?;
    for pts in runs(s.db_connections_max.iter().copied()) {
        line(&mut c, pts, color(0))?;
    }
    legend.push(entry("connections (daily max)", color(0), Stroke::Solid));
    if let Some(l) = limit {
        hline(&mut c, l, s.days.len())?;
        legend.push(entry(
            format!("limit: {} connections", num(l)),
            LIMIT,
            Stroke::Dashed,
        ));
    }
    Ok(legend)
}

fn cache<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    r: &RunReport,
) -> DrawResult<DB, Vec<LegendEntry>> {
    let s = &r.series;
    let bottom = s.cache_axis_bottom();
    let (mut c, mut legend) = day_frame(
        area,
        r,
        "Cache hit ratio (lowest interval of each day)",
        bottom..1.0,
        "hit ratio, % (daily min)",
        &|y| format!("{:.0} %", y * 100.0),
    )?;
    for pts in runs(s.cache_hit_ratio_min.iter().copied()) {
        line(&mut c, pts, color(2))?;
    }
    legend.push(entry("hit ratio (daily min)", color(2), Stroke::Solid));
    Ok(legend)
}

fn latency<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    r: &RunReport,
) -> DrawResult<DB, Vec<LegendEntry>> {
    let s = &r.series;
    let target = r.slo.latency_p95_target_ms;
    let top = s
        .services
        .iter()
        .flat_map(|v| v.p95_ms_max.iter().flatten().copied())
        .fold(target, f64::max);
    let (mut c, mut legend) = day_frame(
        area,
        r,
        "p95 latency (worst interval of each day) against the SLO target",
        0.0..nice_max(top),
        "p95 latency, ms (daily max)",
        &|y| num(*y),
    )?;
    for (i, v) in s.services.iter().enumerate() {
        for pts in runs(v.p95_ms_max.iter().copied()) {
            line(&mut c, pts, color(i))?;
        }
        legend.push(entry(
            format!("{}@{}", v.name, v.cloud),
            color(i),
            Stroke::Solid,
        ));
    }
    hline(&mut c, target, s.days.len())?;
    legend.insert(
        0,
        entry(
            format!("SLO target: p95 < {} ms", num(target)),
            LIMIT,
            Stroke::Dashed,
        ),
    );
    Ok(legend)
}

fn usd(s: &str) -> f64 {
    s.parse().unwrap_or(0.0)
}

/// A chart over the priced months: x = month index, bars centred on integers; the caption is
/// `title` and the price book's date.
fn month_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    cost: &CostSummary,
    y_top: f64,
) -> DrawResult<DB, Ctx<'a, DB>> {
    let months: Vec<String> = cost.months.iter().map(|m| m.month.clone()).collect();
    let n = months.len();
    let caption = format!("{title} (prices as of {})", cost.price_book_date);
    let mut c = ChartBuilder::on(area)
        .caption(caption, (FONT_FAMILY, 20))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(85)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0.0..y_top)?;
    let x_fmt = |x: &f64| day_label(&months, *x);
    c.configure_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .disable_x_mesh()
        .x_labels(n + 1)
        .y_labels(8)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&|y| usd0(*y))
        .x_desc("month")
        .y_desc("cost, USD per month")
        .axis_desc_style((FONT_FAMILY, 14))
        .label_style((FONT_FAMILY, 12))
        .draw()?;
    Ok(c)
}

fn cost_by_cloud<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    r: &RunReport,
) -> DrawResult<DB, Vec<LegendEntry>> {
    let Some(cost) = &r.cost else {
        return Ok(Vec::new());
    };
    let clouds = cost.clouds();
    let top = cost
        .months
        .iter()
        .map(|m| {
            m.on_demand_by_cloud_usd
                .values()
                .map(|v| usd(v))
                .sum::<f64>()
        })
        .fold(0.0, f64::max);
    let mut c = month_chart(
        area,
        "On-demand cost per month, stacked by cloud",
        cost,
        nice_max(top),
    )?;
    for (i, m) in cost.months.iter().enumerate() {
        let x = i as f64;
        let mut base = 0.0;
        for (k, cloud) in clouds.iter().enumerate() {
            let v = m.on_demand_by_cloud_usd.get(*cloud).map_or(0.0, |v| usd(v));
            if v > 0.0 {
                c.draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.35, base), (x + 0.35, base + v)],
                    color(k).filled(),
                )))?;
            }
            base += v;
        }
    }
    Ok(clouds
        .iter()
        .enumerate()
        .map(|(k, cl)| entry(cl.to_string(), color(k), Stroke::Block))
        .collect())
}

fn cost_variants<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    r: &RunReport,
) -> DrawResult<DB, Vec<LegendEntry>> {
    let Some(cost) = &r.cost else {
        return Ok(Vec::new());
    };
    let variants = &cost.variants;
    let top = cost
        .months
        .iter()
        .flat_map(|m| m.totals_usd.values().map(|v| usd(v)))
        .fold(0.0, f64::max);
    let mut c = month_chart(
        area,
        "Total cost per month and purchase variant",
        cost,
        nice_max(top),
    )?;
    let nv = variants.len().max(1) as f64;
    let w = 0.8 / nv;
    for (i, m) in cost.months.iter().enumerate() {
        for (k, v) in variants.iter().enumerate() {
            let y = m.totals_usd.get(v).map_or(0.0, |v| usd(v));
            let x0 = i as f64 - 0.4 + w * k as f64;
            c.draw_series(std::iter::once(Rectangle::new(
                [(x0, 0.0), (x0 + w * 0.9, y)],
                color(k).filled(),
            )))?;
        }
    }
    let mut legend: Vec<LegendEntry> = variants
        .iter()
        .enumerate()
        .map(|(k, v)| {
            let total = cost.run_totals_usd.get(v).map_or(0.0, |t| usd(t));
            entry(
                format!("{v}: {} total", usd0(total)),
                color(k),
                Stroke::Block,
            )
        })
        .collect();
    legend.push(entry(
        format!("cheapest: {}", cost.cheapest_overall),
        RGBColor(90, 90, 90),
        Stroke::Solid,
    ));
    Ok(legend)
}

/// One range of a spread chart: a grid point's (or variant's) p5–p95 bar with its median and mean.
#[derive(Debug, Clone, PartialEq)]
pub struct Spread {
    pub label: String,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
    pub mean: f64,
}

/// A sweep's spread chart (horizontal p5–p95 bars, one per row, tick at the median, dot at the
/// mean) as SVG.
pub fn spread_svg(title: &str, unit: &str, rows: &[Spread]) -> Vec<u8> {
    register_font();
    let mut s = String::new();
    {
        let root =
            SVGBackend::with_string(&mut s, (WIDTH, spread_height(rows))).into_drawing_area();
        let _ = draw_spread(&root, title, unit, rows);
        let _ = root.present();
    }
    s.into_bytes()
}

/// [`spread_svg`] as a PNG.
pub fn spread_png(title: &str, unit: &str, rows: &[Spread]) -> Vec<u8> {
    register_font();
    let h = spread_height(rows);
    let mut rgb = vec![255u8; (WIDTH * h * 3) as usize];
    {
        let root = GlyphFix(BitMapBackend::with_buffer(&mut rgb, (WIDTH, h))).into_drawing_area();
        let _ = draw_spread(&root, title, unit, rows);
        let _ = root.present();
    }
    encode_png(&rgb, WIDTH, h)
}

fn spread_height(rows: &[Spread]) -> u32 {
    (120 + 34 * rows.len() as u32).clamp(220, 2400)
}

fn draw_spread<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    unit: &str,
    rows: &[Spread],
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let (plot, legend) = root.split_horizontally(WIDTH - LEGEND_W);
    let lo = rows.iter().map(|r| r.p5).fold(f64::INFINITY, f64::min);
    let hi = rows.iter().map(|r| r.p95).fold(f64::NEG_INFINITY, f64::max);
    if rows.is_empty() || !lo.is_finite() || !hi.is_finite() {
        plot.draw(&Text::new(
            format!("{title}: no data"),
            (40, 100),
            (FONT_FAMILY, 20).into_font(),
        ))?;
        return Ok(());
    }
    let pad = ((hi - lo) * 0.08).max(hi.abs() * 0.01).max(1e-9);
    let n = rows.len() as f64;
    let mut c = ChartBuilder::on(&plot)
        .caption(title, (FONT_FAMILY, 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(330)
        .build_cartesian_2d((lo - pad)..(hi + pad), -0.5..(n - 0.5))?;
    let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
    let money = unit == "USD";
    c.configure_mesh()
        .light_line_style(GRID)
        .x_desc(unit)
        .x_labels(7)
        .x_label_formatter(&|x| match (money, hi - lo < 20.0) {
            // A narrow spread needs cents, or neighbouring ticks would read the same.
            (true, true) => format!("${x:.2}"),
            (true, false) => usd0(*x),
            (false, _) => num(*x),
        })
        .y_labels(rows.len().max(1))
        .y_label_formatter(&|y| {
            let i = y.round();
            if (y - i).abs() > 1e-6 || i < 0.0 {
                return String::new();
            }
            // Row 0 at the top.
            labels
                .get(rows_index(labels.len(), i as usize))
                .cloned()
                .unwrap_or_default()
        })
        .label_style((FONT_FAMILY, 12))
        .draw()?;
    for (i, r) in rows.iter().enumerate() {
        let y = (rows.len() - 1 - i) as f64;
        c.draw_series(std::iter::once(Rectangle::new(
            [(r.p5, y - 0.28), (r.p95, y + 0.28)],
            SPREAD.filled(),
        )))?;
        c.draw_series(std::iter::once(PathElement::new(
            vec![(r.p50, y - 0.34), (r.p50, y + 0.34)],
            BLACK.stroke_width(2),
        )))?;
        c.draw_series(std::iter::once(Circle::new((r.mean, y), 4, LIMIT.filled())))?;
    }
    draw_legend(
        &legend,
        &[
            entry("p5 – p95 of the runs", SPREAD, Stroke::Block),
            entry("median (p50)", BLACK, Stroke::Solid),
            entry("mean", LIMIT, Stroke::Dashed),
        ],
    )
}

/// The p5–p95 bars: Tableau blue, lightened.
const SPREAD: RGBColor = RGBColor(143, 187, 218);

/// Chart rows are drawn bottom-up; labels are listed top-down.
fn rows_index(len: usize, y: usize) -> usize {
    len.saturating_sub(1).saturating_sub(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usd_has_thousands_separators() {
        assert_eq!(usd0(0.0), "$0");
        assert_eq!(usd0(999.4), "$999");
        assert_eq!(usd0(1234.6), "$1,235");
        assert_eq!(usd0(1234567.0), "$1,234,567");
    }

    /// The leftmost inked column of `text` drawn at x = 10 on a white bitmap.
    fn first_ink(text: &str, fixed: bool) -> usize {
        register_font();
        let (w, h) = (120u32, 40u32);
        let mut rgb = vec![255u8; (w * h * 3) as usize];
        {
            let style = (FONT_FAMILY, 24).into_font().color(&BLACK);
            if fixed {
                let root =
                    GlyphFix(BitMapBackend::with_buffer(&mut rgb, (w, h))).into_drawing_area();
                root.draw(&Text::new(text, (10, 5), style)).unwrap();
                root.present().unwrap();
            } else {
                let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
                root.draw(&Text::new(text, (10, 5), style)).unwrap();
                root.present().unwrap();
            }
        }
        (0..w as usize)
            .find(|&x| (0..h as usize).any(|y| rgb[(y * w as usize + x) * 3] < 128))
            .unwrap()
    }

    #[test]
    fn png_text_keeps_each_glyphs_left_bearing() {
        // DejaVu Sans "1" has a left side bearing of ~0.14 em (3 px at 24 px): plotters' own
        // ab_glyph text drops it (the glyph starts at the pen, x = 10); ours keeps it.
        assert_eq!(first_ink("1", false), 10);
        assert!(first_ink("1", true) >= 12, "{}", first_ink("1", true));
        // A glyph without bearing to speak of starts at the pen either way.
        assert!(first_ink("T", true) <= 10);
    }

    #[test]
    fn runs_split_at_gaps() {
        let r = runs([Some(1.0), None, Some(2.0), Some(3.0), None].into_iter());
        assert_eq!(r, vec![vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 3.0)]]);
    }
}
