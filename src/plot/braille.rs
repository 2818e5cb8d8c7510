//! A canvas of Unicode braille dots for terminal previews.
//!
//! This file owns [`Braille`]: a grid of character cells, each holding 2 x 4 dots
//! (U+2800..U+28FF), with dot setting, vertical spans and straight lines. It also owns
//! [`Scale`], the mapping from data values to dot (or cell) indices. It knows nothing
//! about plots; [`super::preview`] decides what to draw and frames it with text.

/// Bit of each dot within a braille cell, indexed `[row][column]` (row 0 at the top).
const DOT_BITS: [[u8; 2]; 4] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]];

/// A `cols x rows` character canvas of `2 cols x 4 rows` dots; dot (0, 0) is top left.
#[derive(Debug, Clone)]
pub(super) struct Braille {
    cols: usize,
    rows: usize,
    cells: Vec<u8>,
}

impl Braille {
    /// An empty canvas (at least 1 x 1 cell).
    pub fn new(cols: usize, rows: usize) -> Self {
        let (cols, rows) = (cols.max(1), rows.max(1));
        Braille { cols, rows, cells: vec![0; cols * rows] }
    }

    /// Width in dots.
    pub fn width(&self) -> usize {
        self.cols * 2
    }

    /// Height in dots.
    pub fn height(&self) -> usize {
        self.rows * 4
    }

    /// Sets one dot; dots outside the canvas are ignored.
    #[inline]
    pub fn set(&mut self, x: i64, y: i64) {
        if x < 0 || y < 0 || x as usize >= self.width() || y as usize >= self.height() {
            return;
        }
        let (x, y) = (x as usize, y as usize);
        self.cells[(y / 4) * self.cols + x / 2] |= DOT_BITS[y % 4][x % 2];
    }

    /// Sets the dots of column `x` from row `y0` to row `y1` (either order).
    pub fn vspan(&mut self, x: i64, y0: i64, y1: i64) {
        let (a, b) = (y0.min(y1).max(0), y0.max(y1).min(self.height() as i64 - 1));
        for y in a..=b {
            self.set(x, y);
        }
    }

    /// Sets the dots of a straight line between two dots (Bresenham), clipped to the
    /// canvas so the cost is bounded by its size.
    pub fn line(&mut self, (x0, y0): (i64, i64), (x1, y1): (i64, i64)) {
        if x0 == x1 {
            return self.vspan(x0, y0, y1);
        }
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let (mut x, mut y, mut err) = (x0, y0, dx + dy);
        let limit = (self.width() + self.height()) as i64 * 4;
        for _ in 0..=limit.min(dx.max(-dy)) {
            self.set(x, y);
            if x == x1 && y == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    /// Row `r` of the canvas as text (blank cells are U+2800, which keeps the width).
    pub fn row_text(&self, r: usize) -> String {
        self.cells[r * self.cols..(r + 1) * self.cols]
            .iter()
            .map(|&bits| char::from_u32(0x2800 + u32::from(bits)).unwrap_or(' '))
            .collect()
    }
}

/// A linear map from the data range `lo..=hi` onto the indices `0..n`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Scale {
    lo: f64,
    factor: f64,
    last: f64,
    flip: bool,
}

impl Scale {
    /// Maps `lo` to index 0 and `hi` to `n - 1`.
    pub fn new(lo: f64, hi: f64, n: usize) -> Self {
        let last = n.saturating_sub(1) as f64;
        // Halved differences: `hi - lo` may overflow near ±f64::MAX.
        let half = hi * 0.5 - lo * 0.5;
        let factor = if half > 0.0 { last / half } else { 0.0 };
        Scale { lo, factor, last, flip: false }
    }

    /// The same map with index 0 at `hi` instead (screen rows grow downward).
    pub fn flipped(mut self) -> Self {
        self.flip = true;
        self
    }

    /// The index of `v`, rounded, not clamped (the canvas clips).
    #[inline]
    pub fn index(&self, v: f64) -> i64 {
        let i = ((v * 0.5 - self.lo * 0.5) * self.factor).round();
        (if self.flip { self.last - i } else { i }) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_map_to_braille_bits() {
        let mut c = Braille::new(1, 1);
        assert_eq!(c.row_text(0), "\u{2800}");
        c.set(0, 0);
        assert_eq!(c.row_text(0), "\u{2801}");
        c.set(1, 3);
        assert_eq!(c.row_text(0), "\u{2881}");
        c.set(5, 5); // outside: ignored
        c.set(-1, 0);
        assert_eq!(c.row_text(0), "\u{2881}");
    }

    #[test]
    fn lines_and_spans_set_every_dot_between_their_ends() {
        let mut c = Braille::new(2, 1);
        c.line((0, 0), (3, 3));
        assert_eq!(c.row_text(0), "\u{2811}\u{2884}");
        let mut c = Braille::new(1, 1);
        c.vspan(0, 3, 0);
        assert_eq!(c.row_text(0), "\u{2847}");
    }

    #[test]
    fn far_away_lines_cost_no_more_than_the_canvas() {
        let mut c = Braille::new(2, 2);
        c.line((-1_000_000_000, 0), (1_000_000_000, 7));
        assert_eq!(c.row_text(0).chars().count(), 2);
    }

    #[test]
    fn scales_map_ends_to_ends() {
        let s = Scale::new(-1.0, 1.0, 9);
        assert_eq!((s.index(-1.0), s.index(0.0), s.index(1.0)), (0, 4, 8));
        let f = s.flipped();
        assert_eq!((f.index(-1.0), f.index(1.0)), (8, 0));
        assert_eq!(Scale::new(2.0, 2.0, 5).index(2.0), 0);
        let wide = Scale::new(-f64::MAX, f64::MAX, 3);
        assert_eq!((wide.index(-f64::MAX), wide.index(0.0), wide.index(f64::MAX)), (0, 1, 2));
    }
}
