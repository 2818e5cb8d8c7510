//! The frame around every plot: title, axes, ticks, axis labels and grid.
//!
//! This file owns the layout shared by all kinds: text sizes that scale with the image,
//! label areas sized from the tick labels actually drawn (so long numbers are not
//! clipped), and a plotters chart whose ticks come from [`super::ticks`]. It is generic
//! over the plotters backend, so PNG and SVG get the same layout. What goes inside the
//! frame (lines, markers, bars, the heat map) is left to [`super::xy`] and
//! [`super::heatmap`].

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ticks::{nice_ticks, tick_target, Ticks};
use super::PlotError;

/// The coordinate system of every chart: f64 on both axes with our own ticks.
pub(super) type Coords = Cartesian2d<TickedRange, TickedRange>;

/// A linear f64 axis whose ticks are given (plotters' own f64 axis picks its own).
#[derive(Debug, Clone)]
pub(super) struct TickedRange {
    /// Value at the start of the axis (left, or bottom).
    start: f64,
    /// Value at the end of the axis; may be below `start` for a flipped axis.
    end: f64,
    ticks: Vec<f64>,
}

impl TickedRange {
    /// The axis `start..end` with ticks at `ticks`.
    pub fn new(start: f64, end: f64, ticks: Vec<f64>) -> Self {
        TickedRange { start, end, ticks }
    }
}

impl Ranged for TickedRange {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        // Halved differences: `end - start` may overflow near ±f64::MAX.
        let half = self.end * 0.5 - self.start * 0.5;
        if half == 0.0 {
            return (limit.0 + limit.1) / 2;
        }
        let t = ((*v * 0.5 - self.start * 0.5) / half).clamp(-1e6, 1e6);
        limit.0 + (t * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.start..self.end
    }
}

/// The name the embedded font is registered under (plotters' `FontFamily::SansSerif`).
pub(super) const FONT_FAMILY: &str = "sans-serif";

/// Text and line sizes for one image, scaled from a 640x480 reference.
#[derive(Debug, Clone, Copy)]
pub(super) struct Look {
    /// Multiplier of every size: 1.0 for a 480-pixel short side.
    pub scale: f64,
}

impl Look {
    /// The look for an image of `width x height` pixels.
    pub fn for_size(width: u32, height: u32) -> Self {
        let short = width.min(height) as f64;
        Look { scale: (short / 480.0).clamp(0.6, 4.0) }
    }

    /// `base` pixels at the reference size, scaled and rounded, at least 1.
    pub fn px(&self, base: f64) -> u32 {
        (base * self.scale).round().max(1.0) as u32
    }

    /// A font of about `base` pixels at the reference size. The size is kept to an even
    /// number of pixels: plotters places each glyph at `size / 2 + top` truncated, so an
    /// odd size lifts small glyphs such as `.` one pixel above the others.
    fn font(&self, base: f64) -> TextStyle<'static> {
        let size = ((base * self.scale / 2.0).round() * 2.0).max(6.0);
        (FONT_FAMILY, size).into_font().color(&BLACK)
    }

    /// Style of the caption above the plot.
    pub fn title_font(&self) -> TextStyle<'static> {
        self.font(22.0)
    }

    /// Style of axis labels (`xlabel`, `ylabel`) and legend entries.
    pub fn label_font(&self) -> TextStyle<'static> {
        self.font(16.0)
    }

    /// Style of tick labels.
    pub fn tick_font(&self) -> TextStyle<'static> {
        self.font(14.0)
    }
}

/// One axis of a frame.
#[derive(Debug, Clone)]
pub(super) struct Axis<'a> {
    /// Data range shown, `lo..hi`; `lo > hi` flips the axis (image rows grow downward).
    pub range: (f64, f64),
    /// The axis label, if any.
    pub label: Option<&'a str>,
    /// Smallest tick step: 1.0 for integer axes, 0.0 otherwise.
    pub min_step: f64,
}

/// Everything [`build`] needs to draw an empty frame.
#[derive(Debug, Clone)]
pub(super) struct Frame<'a> {
    pub title: Option<&'a str>,
    pub x: Axis<'a>,
    pub y: Axis<'a>,
    /// Draw grid lines at the ticks (not on heat maps).
    pub grid: bool,
    /// Extra pixels kept free on the right, e.g. for a colour bar.
    pub right_reserve: u32,
    /// Width / height of the plotting area in pixels (square image cells); `None`
    /// fills the available space.
    pub aspect: Option<f64>,
}

/// Width of the widest and height of the tallest of `texts` in `style`.
pub(super) fn text_extent<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    texts: &[String],
    style: &TextStyle,
) -> Result<(u32, u32), PlotError> {
    let mut ext = (0, 0);
    for t in texts {
        let (w, h) = area.estimate_text_size(t, style).map_err(PlotError::backend)?;
        ext = (ext.0.max(w), ext.1.max(h));
    }
    Ok(ext)
}

fn axis_ticks(axis: &Axis, pixels: f64, spacing: f64) -> Ticks {
    let (a, b) = axis.range;
    nice_ticks(a.min(b), a.max(b), tick_target(pixels, spacing), axis.min_step)
}

/// Draws the title, axes, ticks, labels and grid of `frame` on `area` and returns the
/// chart, whose plotting area is where data goes.
pub(super) fn build<'a, DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    frame: &Frame,
    look: &Look,
) -> Result<ChartContext<'a, DB, Coords>, PlotError> {
    let (w, h) = area.dim_in_pixel();
    let tick_font = look.tick_font();
    let label_font = look.label_font();
    let tick_len = look.px(5.0);
    let gap = look.px(6.0);
    let margin = look.px(14.0);

    // Tick targets from the whole area: the label areas are not known yet, and a tick
    // more or less does not change their size much.
    let xt = axis_ticks(&frame.x, w as f64, 110.0 * look.scale);
    let yt = axis_ticks(&frame.y, h as f64, 70.0 * look.scale);
    let (xw, xh) = text_extent(area, &xt.labels(), &tick_font)?;
    let (yw, _) = text_extent(area, &yt.labels(), &tick_font)?;
    let label_h = text_extent(area, &["Xg".to_string()], &label_font)?.1;

    let mut x_area = tick_len + gap + xh + gap;
    if frame.x.label.is_some() {
        x_area += label_h + gap;
    }
    let mut y_area = tick_len + gap + yw + gap;
    if frame.y.label.is_some() {
        y_area += label_h + gap;
    }
    let title_h = match frame.title {
        Some(t) => title_height(area, t, look)?,
        None => 0,
    };
    let mut top = if title_h > 0 { title_h + gap } else { margin };
    let mut left = margin;
    let mut bottom = margin;
    // Half of the last x tick label may stick out to the right of the plotting area.
    let mut right = margin.max(xw / 2 + gap) + frame.right_reserve;
    // Free space above the title when the plotting area is kept to an aspect ratio.
    let mut title_y = 0;

    if let Some(aspect) = frame.aspect {
        let avail_w = w.saturating_sub(left + right + y_area) as f64;
        let avail_h = h.saturating_sub(top + bottom + x_area) as f64;
        let pw = avail_w.min(avail_h * aspect);
        let ph = pw / aspect;
        let slack_w = (avail_w - pw).max(0.0) as u32;
        let slack_h = (avail_h - ph).max(0.0) as u32;
        left += slack_w / 2;
        right += slack_w - slack_w / 2;
        title_y = slack_h / 2;
        top += slack_h / 2;
        bottom += slack_h - slack_h / 2;
    }
    if let Some(t) = frame.title {
        draw_title(area, t, look, title_y)?;
    }

    let mut builder = ChartBuilder::on(area);
    builder
        .margin_top(top)
        .margin_bottom(bottom)
        .margin_left(left)
        .margin_right(right)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area);
    let (x0, x1) = frame.x.range;
    let (y0, y1) = frame.y.range;
    let mut chart = builder
        .build_cartesian_2d(TickedRange::new(x0, x1, xt.values.clone()), TickedRange::new(y0, y1, yt.values.clone()))
        .map_err(PlotError::backend)?;

    let grid = RGBColor(225, 225, 225);
    let xfmt = |v: &f64| xt.label(*v);
    let yfmt = |v: &f64| yt.label(*v);
    let mut mesh = chart.configure_mesh();
    mesh.x_label_formatter(&xfmt)
        .y_label_formatter(&yfmt)
        .label_style(tick_font.clone())
        .axis_desc_style(label_font.clone())
        .axis_style(ShapeStyle::from(&BLACK).stroke_width(look.px(1.0)))
        .set_all_tick_mark_size(tick_len)
        .bold_line_style(ShapeStyle::from(&grid).stroke_width(look.px(1.0)))
        .light_line_style(TRANSPARENT);
    if !frame.grid {
        mesh.disable_mesh();
    }
    if let Some(l) = frame.x.label {
        mesh.x_desc(l);
    }
    if let Some(l) = frame.y.label {
        mesh.y_desc(l);
    }
    mesh.draw().map_err(PlotError::backend)?;
    Ok(chart)
}

/// Height taken by a title: the text and the space around it.
fn title_height<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, title: &str, look: &Look) -> Result<u32, PlotError> {
    let (_, th) = text_extent(area, &[title.to_string()], &look.title_font())?;
    let pad = look.px(10.0);
    Ok(pad + th + pad / 2)
}

/// Draws `title` centred, `y` pixels below the top of `area` (plus padding).
fn draw_title<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    look: &Look,
    y: u32,
) -> Result<(), PlotError> {
    let pad = look.px(10.0);
    let (w, _) = area.dim_in_pixel();
    let style = look.title_font().pos(Pos::new(HPos::Center, VPos::Top));
    area.draw_text(title, &style, ((w / 2) as i32, (y + pad) as i32)).map_err(PlotError::backend)
}

/// A plotters colour from an `[r, g, b]` triple.
pub(super) fn rgb(c: [u8; 3]) -> RGBColor {
    RGBColor(c[0], c[1], c[2])
}

/// Which side of a chart carries its y axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum YAxisSide {
    Left,
    Right,
}

/// Draws a thin black frame around the chart's plotting area, over the axis lines
/// plotters draws just outside it (below, and left or right), so all four sides look
/// alike.
pub(super) fn outline<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &ChartContext<'_, DB, Coords>,
    side: YAxisSide,
    look: &Look,
) -> Result<(), PlotError> {
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let (ox, oy) = area.get_base_pixel();
    let (x0, x1) = match side {
        YAxisSide::Left => (xr.start - ox - 1, xr.end - ox - 1),
        YAxisSide::Right => (xr.start - ox, xr.end - ox),
    };
    let (y0, y1) = (yr.start - oy, yr.end - oy);
    area.draw(&Rectangle::new([(x0, y0), (x1, y1)], ShapeStyle::from(&BLACK).stroke_width(look.px(1.0))))
        .map_err(PlotError::backend)
}
