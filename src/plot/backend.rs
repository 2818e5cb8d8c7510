//! The format-specific half of rendering: fonts, plotters backends and encoders.
//!
//! This file owns the embedded DejaVu Sans font, registered once with plotters (so no
//! system font or fontconfig is ever consulted), drawing on the bitmap backend and
//! encoding its pixels as PNG with the `png` crate, and drawing on the SVG backend with
//! heat-map pixels embedded as a base64 PNG `<image>`. The entry point, [`super::render`],
//! checks the spec first; choosing what to draw is left to [`super::xy`] and
//! [`super::heatmap`]; saving the bytes to a file is the console's business.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

use super::chart::{Look, FONT_FAMILY};
use super::data::Prepared;
use super::heatmap::{draw_image, Placement, Raster};
use super::spec::PlotSpec;
use super::xy::{draw_hist, draw_xy, Mark};
use super::PlotError;

/// Registers the embedded font with plotters, once per process.
pub(super) fn ensure_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            // Only the regular face: plotters falls back to it for bold and italic, and
            // each face adds ~0.7 MB to the binary.
            register_font(FONT_FAMILY, FontStyle::Normal, dejavu::sans::regular())
                .map_err(|_| "the embedded DejaVu Sans font was rejected".to_string())?;
            Ok(())
        })
        .clone()
        .map_err(|message| PlotError::Backend { message })
}

/// Draws prepared data on a white canvas; returns heat-map pixels left to the caller.
fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &PlotSpec,
    prepared: Prepared,
    placement: Placement,
) -> Result<Option<Raster>, PlotError> {
    let look = Look::for_size(spec.width, spec.height);
    match prepared {
        Prepared::Line(d) => draw_xy(root, spec, d, Mark::Line, &look).map(|_| None),
        Prepared::Scatter(d) => draw_xy(root, spec, d, Mark::Dot, &look).map(|_| None),
        Prepared::Hist(h) => draw_hist(root, spec, h, &look).map(|_| None),
        Prepared::Image(img) => draw_image(root, spec, img, &look, placement),
    }
}

pub(super) fn render_png(spec: &PlotSpec, prepared: Prepared) -> Result<Vec<u8>, PlotError> {
    let (w, h) = (spec.width, spec.height);
    let mut rgb = vec![255u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        draw(&root, spec, prepared, Placement::Blit)?;
        root.present().map_err(PlotError::backend)?;
    }
    encode_png(&rgb, w, h)
}

pub(super) fn render_svg(spec: &PlotSpec, prepared: Prepared) -> Result<String, PlotError> {
    let (w, h) = (spec.width, spec.height);
    let mut svg = String::new();
    let raster = {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        let raster = draw(&root, spec, prepared, Placement::Return)?;
        root.present().map_err(PlotError::backend)?;
        raster
    };
    // The background and the heat map go first, under everything plotters drew.
    let mut under = format!("<rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#FFFFFF\"/>\n");
    if let Some(r) = raster {
        under.push_str(&svg_image(&r)?);
    }
    let after_root_tag =
        svg.find('>').map(|i| i + 1).ok_or_else(|| PlotError::backend("the SVG backend wrote no <svg> element"))?;
    svg.insert_str(after_root_tag, &format!("\n{under}"));
    Ok(svg)
}

/// An SVG `<image>` element showing `r` as an embedded PNG, scaled without smoothing.
fn svg_image(r: &Raster) -> Result<String, PlotError> {
    let png = encode_png(&r.rgb, r.size.0, r.size.1)?;
    Ok(format!(
        "<image x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" preserveAspectRatio=\"none\" \
         style=\"image-rendering:pixelated;image-rendering:crisp-edges\" \
         href=\"data:image/png;base64,{}\"/>\n",
        r.x,
        r.y,
        r.draw_size.0,
        r.draw_size.1,
        base64(&png)
    ))
}

/// Encodes 8-bit RGB pixels as a PNG file.
fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, PlotError> {
    let encode_err = |e: png::EncodingError| PlotError::Encode { message: e.to_string() };
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        // Plots are mostly flat colour: fast compression already shrinks them well.
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header().map_err(encode_err)?;
        writer.write_image_data(rgb).map_err(encode_err)?;
        writer.finish().map_err(encode_err)?;
    }
    Ok(out)
}

/// Standard base64 (RFC 4648) with padding (terminal image protocols, Jupyter's images).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in cases {
            assert_eq!(base64(input.as_bytes()), expected, "input {input:?}");
        }
    }

    #[test]
    fn font_registration_is_idempotent() {
        ensure_font().unwrap();
        ensure_font().unwrap();
    }
}
