//! The terminal preview: a plot drawn as plain Unicode text.
//!
//! This file owns [`preview_text`]: line and scatter plots in braille dots, histograms
//! as bars of eighth blocks, heat maps in shade blocks (` ░▒▓█`), framed by the title,
//! the axis ranges and a footer (axis labels, series, skipped values). Data is reduced
//! to the character grid here and only here: the saved image is never decimated. A line
//! costs O(points) plus at most the canvas size per segment that jumps, so 10^6 points
//! take milliseconds. Colour and inline-image protocols (kitty, sixel) are left to the
//! console, which knows its terminal.

use super::braille::{Braille, Scale};
use super::data::{check_size, padded, prepare, HistData, ImageData, Prepared, XyData};
use super::spec::PlotSpec;
use super::ticks::format_value;

/// Shades of heat-map cells, low to high.
const SHADES: [char; 5] = [' ', '░', '▒', '▓', '█'];
/// Bar tops of a histogram in eighths of a cell, 1/8 to 8/8.
const EIGHTHS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Draws `spec` as text of at most `cols` characters by `rows` lines (clamped to at
/// least 20 x 6). Invalid data gives a one-line `(no preview: ...)` message instead.
pub fn preview_text(spec: &PlotSpec, cols: usize, rows: usize) -> String {
    let (cols, rows) = (cols.max(20), rows.max(6));
    let checked = match check_size(spec.width, spec.height).and_then(|_| prepare(spec)) {
        Ok(c) => c,
        Err(e) => return format!("(no preview: {e})"),
    };
    let mut footer = Vec::new();
    match (&spec.xlabel, &spec.ylabel) {
        (Some(x), Some(y)) => footer.push(format!("x: {x}, y: {y}")),
        (Some(x), None) => footer.push(format!("x: {x}")),
        (None, Some(y)) => footer.push(format!("y: {y}")),
        (None, None) => {}
    }
    let note = checked.note();
    let body = match checked.prepared {
        Prepared::Line(d) => xy_body(d, true, &mut footer),
        Prepared::Scatter(d) => xy_body(d, false, &mut footer),
        Prepared::Hist(h) => hist_body(h, &mut footer),
        Prepared::Image(img) => image_body(img, &mut footer),
    };
    footer.extend(note);
    let mut lines = Vec::new();
    if let Some(t) = &spec.title {
        lines.push(centre(t, cols));
    }
    let footer = footer.join("; ");
    let reserved = lines.len() + 2 + usize::from(!footer.is_empty());
    let plot_rows = rows.saturating_sub(reserved).max(2);
    body.layout(cols, plot_rows, &mut lines);
    if !footer.is_empty() {
        lines.push(truncate(&footer, cols));
    }
    lines.join("\n")
}

/// What is drawn inside the axes, with the ranges written on them.
struct Body<'a> {
    /// Range shown on the x axis, written left and right under it.
    x: (f64, f64),
    /// Range shown on the y axis; `y.1` is written at the top.
    y: (f64, f64),
    /// Fills the plot area of the given size.
    draw: Box<dyn FnOnce(usize, usize) -> Vec<String> + 'a>,
    /// Keep the ratio width : height (in characters) of the area, if any.
    aspect: Option<f64>,
}

impl Body<'_> {
    fn layout(self, cols: usize, rows: usize, out: &mut Vec<String>) {
        let (top, bottom) = (format_value(self.y.1), format_value(self.y.0));
        let gutter = top.chars().count().max(bottom.chars().count());
        let mut width = cols.saturating_sub(gutter + 1).max(4);
        let mut height = rows;
        if let Some(a) = self.aspect {
            let w = (height as f64 * a).round() as usize;
            if w <= width {
                width = w.max(1);
            } else {
                height = ((width as f64 / a).round() as usize).max(1);
            }
        }
        let grid = (self.draw)(width, height);
        for (i, row) in grid.into_iter().enumerate() {
            let (label, tick) = match i {
                0 => (top.as_str(), '┤'),
                _ if i + 1 == height => (bottom.as_str(), '┤'),
                _ => ("", '│'),
            };
            out.push(format!("{label:>gutter$}{tick}{row}"));
        }
        out.push(format!("{:gutter$}└{}", "", "─".repeat(width)));
        let (left, right) = (format_value(self.x.0), format_value(self.x.1));
        let pad = (width + 1).saturating_sub(left.chars().count() + right.chars().count());
        let ends = format!("{:gutter$}{left}{:pad$}{right}", "", "");
        out.push(truncate(&ends, cols));
    }
}

fn xy_body(data: XyData, connect: bool, footer: &mut Vec<String>) -> Body<'static> {
    if data.series.len() > 1 || data.series.iter().any(|s| s.label.is_some()) {
        let names: Vec<String> = (data.series.iter().enumerate())
            .map(|(i, s)| s.label.clone().unwrap_or_else(|| format!("series {i}")))
            .collect();
        footer.push(format!("series: {}", names.join(", ")));
    }
    let x = if connect { data.x } else { padded(data.x, 0.04) };
    let y = padded(data.y, 0.05);
    let draw = move |w: usize, h: usize| {
        let mut canvas = Braille::new(w, h);
        let sx = Scale::new(x.0, x.1, canvas.width());
        let sy = Scale::new(y.0, y.1, canvas.height()).flipped();
        for seg in data.series.iter().flat_map(|s| &s.segments) {
            let dots = seg.iter().map(|&(px, py)| (sx.index(px), sy.index(py)));
            if connect {
                trace(&mut canvas, dots);
            } else {
                dots.for_each(|(x, y)| canvas.set(x, y));
            }
        }
        (0..h).map(|r| canvas.row_text(r)).collect()
    };
    Body { x, y, draw: Box::new(draw), aspect: None }
}

/// Draws a polyline through `dots`. Runs of points in one dot column (dense data) are
/// reduced to that column's vertical extent, so the cost is O(points) plus the dots set.
fn trace(canvas: &mut Braille, mut dots: impl Iterator<Item = (i64, i64)>) {
    let Some(first) = dots.next() else { return };
    // The current column, its y extent so far, and the last point in it.
    let (mut col, mut lo, mut hi, mut last) = (first.0, first.1, first.1, first);
    for p in dots {
        if p.0 == col {
            lo = lo.min(p.1);
            hi = hi.max(p.1);
        } else {
            canvas.vspan(col, lo, hi);
            canvas.line(last, p);
            (col, lo, hi) = (p.0, p.1, p.1);
        }
        last = p;
    }
    canvas.vspan(col, lo, hi);
}

fn hist_body(hist: HistData, footer: &mut Vec<String>) -> Body<'static> {
    let top = hist.counts.iter().copied().max().unwrap_or(0).max(1);
    footer.push(format!("{} bins", hist.counts.len()));
    let draw = move |w: usize, h: usize| {
        let n = hist.counts.len();
        // Tallest bin under each character column, so no peak is lost.
        let column: Vec<u64> = (0..w)
            .map(|c| {
                let a = c * n / w;
                let b = ((c + 1) * n / w).clamp(a + 1, n);
                hist.counts[a..b].iter().copied().max().unwrap_or(0)
            })
            .collect();
        (0..h)
            .map(|r| {
                let floor_eighths = ((h - 1 - r) * 8) as u64;
                column
                    .iter()
                    .map(|&c| {
                        let eighths = (c * (h as u64) * 8).div_ceil(top);
                        match eighths.saturating_sub(floor_eighths) {
                            0 => ' ',
                            k => EIGHTHS[(k.min(8) - 1) as usize],
                        }
                    })
                    .collect()
            })
            .collect()
    };
    Body { x: (hist.lo, hist.hi), y: (0.0, top as f64), draw: Box::new(draw), aspect: None }
}

fn image_body<'a>(img: ImageData<'a>, footer: &mut Vec<String>) -> Body<'a> {
    let (rows, cols) = (img.rows, img.cols);
    footer.push(format!(
        "{rows}x{cols}, values {} to {} as \"{}\"",
        format_value(img.vmin),
        format_value(img.vmax),
        SHADES.iter().collect::<String>()
    ));
    // Cells of a terminal are about twice as tall as wide.
    let aspect = (2.0 * cols as f64 / rows as f64).clamp(0.25, 16.0);
    let (vmin, span) = (img.vmin, img.vmax - img.vmin);
    let means = move |w: usize, h: usize| -> Vec<Option<f64>> {
        let mut out = Vec::with_capacity(w * h);
        for r in 0..h {
            let (r0, r1) = (r * rows / h, ((r + 1) * rows / h).max(r * rows / h + 1).min(rows));
            for c in 0..w {
                let (c0, c1) = (c * cols / w, ((c + 1) * cols / w).max(c * cols / w + 1).min(cols));
                let (mut sum, mut n) = (0.0, 0usize);
                for row in r0..r1 {
                    for &v in &img.data[row * cols + c0..row * cols + c1] {
                        if v.is_finite() {
                            sum += v;
                            n += 1;
                        }
                    }
                }
                out.push((n > 0).then(|| sum / n as f64));
            }
        }
        out
    };
    let draw = move |w: usize, h: usize| {
        let m = means(w, h);
        (0..h)
            .map(|r| {
                m[r * w..(r + 1) * w]
                    .iter()
                    .map(|v| match v {
                        None => '?',
                        Some(v) if span > 0.0 => {
                            let k = ((v - vmin) / span * (SHADES.len() - 1) as f64).round();
                            SHADES[(k as usize).min(SHADES.len() - 1)]
                        }
                        Some(_) => SHADES[SHADES.len() / 2],
                    })
                    .collect()
            })
            .collect()
    };
    Body { x: (0.0, cols as f64), y: (rows as f64, 0.0), draw: Box::new(draw), aspect: Some(aspect) }
}

/// `text` centred in `width` characters, cut if longer.
fn centre(text: &str, width: usize) -> String {
    let t = truncate(text, width);
    let pad = (width - t.chars().count()) / 2;
    format!("{:pad$}{t}", "")
}

/// `text` cut to `width` characters, ending in `…` when cut.
fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut t: String = text.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}
