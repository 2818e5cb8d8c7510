//! Drawing line plots, scatter plots and histograms inside a frame.
//!
//! This file owns how cleaned x-y data and histogram counts become plotters elements:
//! one path per unbroken run of a line (every point is drawn, nothing is decimated),
//! one filled circle per scatter point, one rectangle per histogram bin, and the legend
//! when there are several series or labelled ones. The frame itself comes from
//! [`super::chart`], and the data from [`super::data`].

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::{self, text_extent, Axis, Frame, Look, YAxisSide};
use super::colormap::series_color;
use super::data::{half_span, padded, HistData, XyData};
use super::spec::PlotSpec;
use super::PlotError;

/// Which way x-y data is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mark {
    /// Connected lines.
    Line,
    /// Unconnected filled circles.
    Dot,
}

/// Line width for a plot of `points` points: thin lines keep dense data readable.
fn line_width(look: &Look, points: usize) -> u32 {
    if points <= 20_000 {
        look.px(2.0)
    } else {
        look.px(1.0)
    }
}

/// Marker radius for a scatter plot of `points` points.
fn marker_radius(look: &Look, points: usize) -> i32 {
    let base = match points {
        0..=1_000 => 3.5,
        1_001..=50_000 => 2.0,
        _ => 1.0,
    };
    look.px(base) as i32
}

/// Draws a line or scatter plot of `data` on `area`.
pub(super) fn draw_xy<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    spec: &PlotSpec,
    data: XyData,
    mark: Mark,
    look: &Look,
) -> Result<(), PlotError> {
    let x_pad = if mark == Mark::Line { 0.0 } else { 0.04 };
    let frame = Frame {
        title: spec.title.as_deref(),
        x: Axis { range: padded(data.x, x_pad), label: spec.xlabel.as_deref(), min_step: 0.0 },
        y: Axis { range: padded(data.y, 0.05), label: spec.ylabel.as_deref(), min_step: 0.0 },
        grid: true,
        right_reserve: 0,
        aspect: None,
    };
    let mut chart = chart::build(area, &frame, look)?;
    let legend = data.series.len() > 1 || data.series.iter().any(|s| s.label.is_some());
    let width = line_width(look, data.points);
    let radius = marker_radius(look, data.points);
    let legend_len = look.px(24.0) as i32;
    let look_dot = look.px(4.0) as i32;
    let corner = if legend {
        let labels: Vec<String> = (data.series.iter().enumerate())
            .map(|(i, s)| s.label.clone().unwrap_or_else(|| format!("series {i}")))
            .collect();
        let (tw, th) = text_extent(area, &labels, &look.label_font())?;
        let (pw, ph) = chart.plotting_area().dim_in_pixel();
        let box_w = (tw + legend_len as u32 + look.px(40.0)) as f64 / pw.max(1) as f64;
        let box_h = (labels.len() as u32 * (th + look.px(8.0)) + look.px(24.0)) as f64 / ph.max(1) as f64;
        emptiest_corner(&data, frame.x.range, frame.y.range, box_w, box_h)
    } else {
        SeriesLabelPosition::UpperRight
    };

    for (i, series) in data.series.into_iter().enumerate() {
        let color = chart::rgb(series_color(i));
        let stroke = ShapeStyle::from(&color).stroke_width(width);
        let label = series.label.unwrap_or_else(|| format!("series {i}"));
        let mut first = true;
        for seg in series.segments {
            let anno = match (mark, seg.len()) {
                (Mark::Line, 2..) => chart.draw_series(std::iter::once(PathElement::new(seg, stroke))),
                // A lone point between two gaps would draw nothing as a path.
                (Mark::Line, _) => {
                    chart.draw_series(seg.into_iter().map(|p| Circle::new(p, width as i32 + 1, color.filled())))
                }
                (Mark::Dot, _) => chart.draw_series(seg.into_iter().map(|p| Circle::new(p, radius, color.filled()))),
            }
            .map_err(PlotError::backend)?;
            if legend && first {
                first = false;
                anno.label(label.clone()).legend(move |(x, y)| -> DynElement<'static, DB, (i32, i32)> {
                    match mark {
                        Mark::Line => PathElement::new(vec![(x, y), (x + legend_len, y)], stroke).into_dyn(),
                        Mark::Dot => Circle::new((x + legend_len / 2, y), look_dot, color.filled()).into_dyn(),
                    }
                });
            }
        }
    }
    chart::outline(area, &chart, YAxisSide::Left, look)?;
    if legend {
        chart
            .configure_series_labels()
            .position(corner)
            .margin(look.px(10.0))
            .legend_area_size(legend_len + look.px(6.0) as i32)
            .label_font(look.label_font())
            .background_style(WHITE.mix(0.85))
            .border_style(ShapeStyle::from(&RGBColor(160, 160, 160)))
            .draw()
            .map_err(PlotError::backend)?;
    }
    Ok(())
}

/// The corner of the plot where a legend box covering `box_w x box_h` (fractions of
/// the plotting area) hides the fewest points; ties go to upper right, upper left,
/// lower right, lower left, in that order.
fn emptiest_corner(
    data: &XyData,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    box_w: f64,
    box_h: f64,
) -> SeriesLabelPosition {
    let (bw, bh) = (box_w.min(1.0) * (x1 - x0), box_h.min(1.0) * (y1 - y0));
    // Counts in the order upper right, upper left, lower right, lower left.
    let mut counts = [0usize; 4];
    let points = data.series.iter().flat_map(|s| &s.segments).flat_map(|seg| seg.iter());
    for &(x, y) in points {
        let (left, right) = (x <= x0 + bw, x >= x1 - bw);
        let (low, high) = (y <= y0 + bh, y >= y1 - bh);
        counts[0] += usize::from(right && high);
        counts[1] += usize::from(left && high);
        counts[2] += usize::from(right && low);
        counts[3] += usize::from(left && low);
    }
    match (0..4).min_by_key(|&k| counts[k]) {
        Some(1) => SeriesLabelPosition::UpperLeft,
        Some(2) => SeriesLabelPosition::LowerRight,
        Some(3) => SeriesLabelPosition::LowerLeft,
        _ => SeriesLabelPosition::UpperRight,
    }
}

/// Draws a histogram of `hist` on `area`.
pub(super) fn draw_hist<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    spec: &PlotSpec,
    hist: HistData,
    look: &Look,
) -> Result<(), PlotError> {
    let top = hist.counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let frame = Frame {
        title: spec.title.as_deref(),
        x: Axis { range: (hist.lo, hist.hi), label: spec.xlabel.as_deref(), min_step: 0.0 },
        y: Axis { range: (0.0, top * 1.05), label: Some(spec.ylabel.as_deref().unwrap_or("count")), min_step: 1.0 },
        grid: true,
        right_reserve: 0,
        aspect: None,
    };
    let mut chart = chart::build(area, &frame, look)?;
    let fill = chart::rgb(series_color(0));
    let n = hist.counts.len();
    let width = half_span(hist.lo, hist.hi) / n as f64 * 2.0;
    let (plot_w, plot_h) = chart.plotting_area().dim_in_pixel();
    // Filled rectangles leave out their last pixel row: start the bars one pixel below
    // zero so they meet the axis (the frame is drawn over that row).
    let base = -top * 1.05 / plot_h.max(1) as f64;
    // Bin edges only when bars are wide enough for them to be seen.
    let edges = plot_w as usize >= 4 * n;
    let edge = ShapeStyle::from(&WHITE).stroke_width(1);
    let bar = |k: usize, c: u64| {
        let x0 = hist.lo + k as f64 * width;
        [(x0, base), (x0 + width, c as f64)]
    };
    let bars = hist.counts.iter().enumerate().filter(|(_, &c)| c > 0);
    chart
        .draw_series(bars.clone().map(|(k, &c)| Rectangle::new(bar(k, c), fill.filled())))
        .map_err(PlotError::backend)?;
    if edges {
        chart.draw_series(bars.map(|(k, &c)| Rectangle::new(bar(k, c), edge))).map_err(PlotError::backend)?;
    }
    chart::outline(area, &chart, YAxisSide::Left, look)
}
