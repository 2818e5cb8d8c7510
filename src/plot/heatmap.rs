//! Drawing `imshow` heat maps: the image, its axes and its colour bar.
//!
//! This file owns how a 2-D array becomes pixels: row 0 at the top, square cells while
//! the array's aspect ratio is within 1:8..8:1, nearest-neighbour sampling at the
//! resolution of the plotting area (the work is proportional to the pixels drawn, not
//! to the array size), non-finite cells in a neutral grey, and a vertical colour bar
//! with its own ticks. It does not know file formats: a bitmap backend receives the
//! pixels directly, while for SVG the pixels are handed back as a [`Raster`] for
//! [`super::backend`] to embed.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::{self, text_extent, Axis, Frame, Look, TickedRange, YAxisSide};
use super::colormap::Colormap;
use super::data::{half_span, padded, ImageData};
use super::spec::PlotSpec;
use super::ticks::{nice_ticks, tick_target};
use super::PlotError;

/// An RGB picture to be placed at a pixel position of the canvas.
#[derive(Debug, Clone)]
pub(super) struct Raster {
    /// Left edge on the canvas, in pixels.
    pub x: i32,
    /// Top edge on the canvas, in pixels.
    pub y: i32,
    /// Size drawn on the canvas, in pixels.
    pub draw_size: (u32, u32),
    /// Size of `rgb` in pixels; smaller than `draw_size` when the array itself is
    /// smaller than the area (the viewer scales it up without smoothing).
    pub size: (u32, u32),
    /// `size.0 * size.1` pixels, 3 bytes each, row by row.
    pub rgb: Vec<u8>,
}

/// How the image pixels reach the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Placement {
    /// Draw them through the backend (bitmap backends copy them in one go).
    Blit,
    /// Return them as a [`Raster`] at the array's own resolution when it is smaller
    /// than the plotting area; nothing is drawn where they go.
    Return,
}

/// Samples `img` into a `w x h` RGB raster, nearest cell to each pixel centre.
fn sample(img: &ImageData, cm: &Colormap, w: usize, h: usize) -> Vec<u8> {
    let cols: Vec<usize> =
        (0..w).map(|px| (((px as f64 + 0.5) * img.cols as f64 / w as f64) as usize).min(img.cols - 1)).collect();
    let mut rgb = Vec::with_capacity(w * h * 3);
    for py in 0..h {
        let r = (((py as f64 + 0.5) * img.rows as f64 / h as f64) as usize).min(img.rows - 1);
        let row = &img.data[r * img.cols..(r + 1) * img.cols];
        for &c in &cols {
            rgb.extend_from_slice(&cm.color(row[c]));
        }
    }
    rgb
}

/// Draws the heat map of `img` on `area`; with [`Placement::Return`] the image pixels
/// are returned instead of drawn.
pub(super) fn draw_image<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    spec: &PlotSpec,
    img: ImageData,
    look: &Look,
    placement: Placement,
) -> Result<Option<Raster>, PlotError> {
    let (w, h) = area.dim_in_pixel();
    let bar_w = look.px(20.0);
    let bar_gap = look.px(16.0);
    let tick_len = look.px(5.0);
    let gap = look.px(6.0);
    let vrange = padded((img.vmin, img.vmax), 0.0);
    let cm = Colormap::viridis(img.vmin, img.vmax);
    // The bar is as tall as the image, which is not known before the layout: reserve
    // room for the labels of the most ticks it could get, and pick the ticks afterwards
    // (fewer ticks have wider steps, so their labels are no wider).
    let spacing = 60.0 * look.scale;
    let most_ticks = nice_ticks(vrange.0, vrange.1, tick_target(h as f64, spacing), 0.0);
    let (label_w, _) = text_extent(area, &most_ticks.labels(), &look.tick_font())?;
    let bar_label_area = tick_len + gap + label_w + gap;

    let aspect = (img.cols as f64 / img.rows as f64).clamp(0.125, 8.0);
    let frame = Frame {
        title: spec.title.as_deref(),
        x: Axis { range: (0.0, img.cols as f64), label: spec.xlabel.as_deref(), min_step: 1.0 },
        y: Axis { range: (img.rows as f64, 0.0), label: spec.ylabel.as_deref(), min_step: 1.0 },
        grid: false,
        right_reserve: bar_gap + bar_w + bar_label_area,
        aspect: Some(aspect),
    };
    let chart = chart::build(area, &frame, look)?;
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let (pw, ph) = ((xr.end - xr.start).max(1) as u32, (yr.end - yr.start).max(1) as u32);

    let raster = match placement {
        Placement::Blit => {
            let rgb = sample(&img, &cm, pw as usize, ph as usize);
            let element = BitMapElement::with_owned_buffer((xr.start, yr.start), (pw, ph), rgb)
                .ok_or_else(|| PlotError::backend("image buffer has the wrong size"))?;
            area.draw(&element).map_err(PlotError::backend)?;
            None
        }
        Placement::Return => {
            let (sw, sh) = if img.cols as u32 <= pw && img.rows as u32 <= ph {
                (img.cols as u32, img.rows as u32)
            } else {
                (pw, ph)
            };
            Some(Raster {
                x: xr.start,
                y: yr.start,
                draw_size: (pw, ph),
                size: (sw, sh),
                rgb: sample(&img, &cm, sw as usize, sh as usize),
            })
        }
    };
    chart::outline(area, &chart, YAxisSide::Left, look)?;

    // The colour bar: its own chart, level with the plotting area.
    let bar_ticks = nice_ticks(vrange.0, vrange.1, tick_target(ph as f64, spacing), 0.0);
    let bar_left = xr.end as u32 + bar_gap;
    let mut builder = ChartBuilder::on(area);
    builder
        .margin_left(bar_left)
        .margin_top(yr.start.max(0) as u32)
        .margin_bottom(h.saturating_sub(yr.end.max(0) as u32))
        .margin_right(w.saturating_sub(bar_left + bar_w + bar_label_area))
        .right_y_label_area_size(bar_label_area);
    let mut bar = builder
        .build_cartesian_2d(
            TickedRange::new(0.0, 1.0, Vec::new()),
            TickedRange::new(vrange.0, vrange.1, bar_ticks.values.clone()),
        )
        .map_err(PlotError::backend)?;
    let fmt = |v: &f64| bar_ticks.label(*v);
    bar.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_label_formatter(&fmt)
        .label_style(look.tick_font())
        .axis_style(ShapeStyle::from(&BLACK).stroke_width(look.px(1.0)))
        .set_all_tick_mark_size(tick_len)
        .draw()
        .map_err(PlotError::backend)?;
    let steps = ph.clamp(2, 256) as usize;
    let dv = half_span(vrange.0, vrange.1) / steps as f64 * 2.0;
    // Filled rectangles leave out their last pixel row: the lowest step starts one
    // pixel lower so the bar meets its frame.
    let one_px = half_span(vrange.0, vrange.1) / ph as f64 * 2.0;
    bar.draw_series((0..steps).map(|k| {
        let v0 = vrange.0 + k as f64 * dv - if k == 0 { one_px } else { 0.0 };
        let v1 = vrange.0 + (k + 1) as f64 * dv;
        let color = chart::rgb(cm.color((v0 + v1) / 2.0));
        Rectangle::new([(0.0, v0), (1.0, v1)], color.filled())
    }))
    .map_err(PlotError::backend)?;
    chart::outline(area, &bar, YAxisSide::Right, look)?;
    Ok(raster)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_picks_the_nearest_cell() {
        let data = [0.0, 1.0, 2.0, 3.0];
        let img = ImageData { rows: 2, cols: 2, data: &data, vmin: 0.0, vmax: 3.0 };
        let cm = Colormap::viridis(0.0, 3.0);
        let rgb = sample(&img, &cm, 4, 2);
        assert_eq!(rgb.len(), 4 * 2 * 3);
        assert_eq!(&rgb[0..3], &cm.color(0.0));
        assert_eq!(&rgb[3..6], &cm.color(0.0));
        assert_eq!(&rgb[6..9], &cm.color(1.0));
        assert_eq!(&rgb[12..15], &cm.color(2.0));
        assert_eq!(&rgb[21..24], &cm.color(3.0));
    }
}
