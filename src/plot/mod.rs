//! Plots for pshell: rendering to PNG or SVG, and a text preview for the terminal.
//!
//! This module turns a [`PlotSpec`] (the kind of plot, its data as `f64`s, labels, size
//! and format) into encoded image bytes with [`render`], or into Unicode text with
//! [`preview_text`]. It is pure Rust and does no I/O: no Rhai, no console, no
//! transport, no files. The Rhai bindings build `PlotSpec`s from `plot`, `scatter`,
//! `hist` and `imshow` calls; the console saves the bytes and prints the preview; an
//! engine may render and send the bytes back.
//!
//! # Layout
//!
//! - `spec`: the data model ([`PlotSpec`], [`PlotKind`], [`Series`], [`Format`]) and
//!   defaults.
//! - `error`: [`PlotError`], one variant per way a plot can fail.
//! - `data`: checking and cleaning the data, shared by images and previews: NaN and
//!   infinite values are skipped and counted, lines break at them, histograms are binned.
//! - `ticks`: nice tick values and number formatting.
//! - `colormap`: the viridis heat-map colours and the series palette.
//! - `chart`: the frame of every plot (title, axes, ticks, labels), over any plotters
//!   backend.
//! - `xy`: line plots, scatter plots and histograms inside the frame.
//! - `heatmap`: `imshow` images and their colour bars.
//! - `backend`: the embedded font, the plotters backends and the PNG/SVG encoders.
//! - `braille` and `preview`: [`preview_text`].
//!
//! # Invariants
//!
//! - **Rendering needs no system fonts**: DejaVu Sans is compiled in and registered with
//!   plotters' `ab_glyph` font table; plotters' fontconfig-based `ttf` feature is off.
//! - **The saved image is never decimated**; only the preview reduces data to its grid.
//! - **Bad data is an error value or a note, never a panic.**
//! - **Submodules refer to each other through `super::`**, never `crate::`, so this
//!   folder can move into another crate as a module unchanged.

mod backend;
mod braille;
mod chart;
mod colormap;
mod data;
mod error;
mod heatmap;
mod preview;
mod spec;
mod ticks;
mod xy;

pub use backend::base64;
pub use error::PlotError;
pub use preview::preview_text;
pub use spec::{
    default_bins, Format, PlotKind, PlotSpec, Series, DEFAULT_HEIGHT, DEFAULT_WIDTH, MAX_BINS, MAX_SIZE, MIN_SIZE,
};

use backend::{ensure_font, render_png, render_svg};
use data::{check_size, prepare};

/// A finished picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedPlot {
    /// The encoded file: PNG or SVG (UTF-8) bytes.
    pub bytes: Vec<u8>,
    /// Which of the two `bytes` holds.
    pub format: Format,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Something the user should know, e.g. `skipped 3 non-finite values`.
    pub note: Option<String>,
}

/// Renders `spec` to an image in `spec.format`, in memory.
///
/// Every data point is drawn (the saved image is never decimated). NaN and infinite
/// values are skipped and counted in [`RenderedPlot::note`]. Fails on empty data,
/// mismatched x/y lengths, a size outside [`MIN_SIZE`]`..=`[`MAX_SIZE`], image data
/// that is not `rows * cols` long, only non-finite values, or bad `bins`.
pub fn render(spec: &PlotSpec) -> Result<RenderedPlot, PlotError> {
    check_size(spec.width, spec.height)?;
    let checked = prepare(spec)?;
    let note = checked.note();
    ensure_font()?;
    let bytes = match spec.format {
        Format::Png => render_png(spec, checked.prepared)?,
        Format::Svg => render_svg(spec, checked.prepared)?.into_bytes(),
    };
    Ok(RenderedPlot { bytes, format: spec.format, width: spec.width, height: spec.height, note })
}
