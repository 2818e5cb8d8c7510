//! Colours: the heat-map colormap and the palette of series colours.
//!
//! This file owns [`Colormap`] (a 256-entry table built by interpolating in sRGB between
//! nine anchor colours of the perceptually uniform *viridis* map, dark purple for low
//! values to yellow for high ones), the colour of missing (non-finite) image cells and
//! the [`series_color`] palette, whose colours are easy to tell apart for readers with
//! colour-vision deficiencies. It knows nothing of plotters: colours are `[u8; 3]`.

/// Nine evenly spaced anchors of viridis (t = 0, 1/8, ..., 1).
const VIRIDIS_ANCHORS: [[u8; 3]; 9] = [
    [0x44, 0x01, 0x54],
    [0x47, 0x2d, 0x7b],
    [0x3b, 0x52, 0x8b],
    [0x2c, 0x72, 0x8e],
    [0x21, 0x91, 0x8c],
    [0x28, 0xae, 0x80],
    [0x5e, 0xc9, 0x62],
    [0xad, 0xdc, 0x30],
    [0xfd, 0xe7, 0x25],
];

/// Colour of image cells whose value is NaN or infinite.
pub(super) const MISSING: [u8; 3] = [200, 200, 200];

/// Line and marker colours, in the order series use them (then repeating).
const PALETTE: [[u8; 3]; 7] = [
    [0, 114, 178],   // blue
    [230, 159, 0],   // orange
    [0, 158, 115],   // bluish green
    [204, 121, 167], // reddish purple
    [86, 180, 233],  // sky blue
    [213, 94, 0],    // vermilion
    [40, 40, 40],    // near black
];

/// The colour of series number `i` (0-based).
pub(super) fn series_color(i: usize) -> [u8; 3] {
    PALETTE[i % PALETTE.len()]
}

/// A colour lookup table mapping `[vmin, vmax]` onto 256 colours.
#[derive(Debug, Clone)]
pub(super) struct Colormap {
    table: [[u8; 3]; 256],
    vmin: f64,
    /// Table steps per half unit of value, 255 / ((vmax - vmin) / 2); a constant image
    /// gets the range `vmin - 0.5 ..= vmin + 0.5`, so it maps to the middle colour.
    scale: f64,
}

impl Colormap {
    /// Viridis over `vmin..=vmax`.
    pub fn viridis(vmin: f64, vmax: f64) -> Self {
        let mut table = [[0u8; 3]; 256];
        for (i, entry) in table.iter_mut().enumerate() {
            *entry = interpolate(&VIRIDIS_ANCHORS, i as f64 / 255.0);
        }
        // Halved differences: `vmax - vmin` may overflow near ±f64::MAX.
        let half = vmax * 0.5 - vmin * 0.5;
        let (vmin, scale) = if half > 0.0 && half.is_finite() {
            (vmin, 255.0 / half)
        } else {
            // Constant data: centre it so it gets the middle colour.
            (vmin - 0.5, 510.0)
        };
        Colormap { table, vmin, scale }
    }

    /// The colour of value `v`; values outside the range are clamped, non-finite ones
    /// get [`MISSING`].
    #[inline]
    pub fn color(&self, v: f64) -> [u8; 3] {
        if !v.is_finite() {
            return MISSING;
        }
        let k = ((v * 0.5 - self.vmin * 0.5) * self.scale).clamp(0.0, 255.0);
        self.table[(k + 0.5) as usize]
    }
}

/// Linear interpolation between evenly spaced anchors at `t` in `[0, 1]`.
fn interpolate(anchors: &[[u8; 3]], t: f64) -> [u8; 3] {
    let last = (anchors.len() - 1) as f64;
    let pos = t.clamp(0.0, 1.0) * last;
    let i = (pos.floor() as usize).min(anchors.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (anchors[i], anchors[i + 1]);
    let mix = |c: usize| (a[c] as f64 + (b[c] as f64 - a[c] as f64) * f).round() as u8;
    [mix(0), mix(1), mix(2)]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Perceived lightness (0-255) of a colour, Rec. 709 weights.
    fn luminance(c: [u8; 3]) -> f64 {
        0.2126 * c[0] as f64 + 0.7152 * c[1] as f64 + 0.0722 * c[2] as f64
    }

    #[test]
    fn ends_are_the_anchor_colours() {
        let cm = Colormap::viridis(0.0, 1.0);
        assert_eq!(cm.color(0.0), VIRIDIS_ANCHORS[0]);
        assert_eq!(cm.color(1.0), VIRIDIS_ANCHORS[8]);
        assert_eq!(cm.color(-5.0), VIRIDIS_ANCHORS[0]);
        assert_eq!(cm.color(9.0), VIRIDIS_ANCHORS[8]);
        assert_eq!(cm.color(f64::NAN), MISSING);
        assert_eq!(cm.color(0.5), VIRIDIS_ANCHORS[4]);
    }

    #[test]
    fn lightness_increases_monotonically() {
        let cm = Colormap::viridis(0.0, 255.0);
        let mut prev = -1.0;
        for i in 0..256 {
            let l = luminance(cm.color(i as f64));
            assert!(l >= prev - 0.5, "lightness drops at {i}: {l} after {prev}");
            prev = l;
        }
    }

    #[test]
    fn extreme_ranges_do_not_overflow() {
        let cm = Colormap::viridis(-f64::MAX, f64::MAX);
        assert_eq!(cm.color(-f64::MAX), VIRIDIS_ANCHORS[0]);
        assert_eq!(cm.color(0.0), VIRIDIS_ANCHORS[4]);
        assert_eq!(cm.color(f64::MAX), VIRIDIS_ANCHORS[8]);
    }

    #[test]
    fn constant_range_maps_to_the_middle() {
        let cm = Colormap::viridis(3.0, 3.0);
        assert_eq!(cm.color(3.0), Colormap::viridis(0.0, 1.0).color(0.5));
    }

    #[test]
    fn palette_repeats() {
        assert_eq!(series_color(0), series_color(PALETTE.len()));
        assert_ne!(series_color(0), series_color(1));
    }
}
