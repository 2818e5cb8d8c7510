//! How arrays read: a header with shape and dtype, then the values nested like NumPy's,
//! right-aligned in columns, with "..." in place of the middle of long axes once an
//! array has more than [`THRESHOLD`] elements.

use super::dtype::Scalar;
use super::NdArray;
use std::fmt;

/// Arrays with more elements than this are summarised.
pub const THRESHOLD: usize = 1000;
/// Elements shown at each end of a summarised axis.
const EDGE: usize = 3;

/// `[a, b, c]`: how shapes and indices appear in messages.
pub fn list<T: fmt::Display>(items: &[T]) -> String {
    let inner: Vec<String> = items.iter().map(|x| x.to_string()).collect();
    format!("[{}]", inner.join(", "))
}

/// One element as text: integers exactly, floats with up to 8 significant decimals
/// (always with a point or an exponent), as NumPy prints them.
pub fn element(s: Scalar) -> String {
    match s {
        Scalar::F64(x) => float(x),
        Scalar::F32(x) => float(x as f64),
        Scalar::C128(c) => {
            format!("{}{}{}i", float(c.re), if c.im < 0.0 || c.im.is_nan() { "" } else { "+" }, float(c.im))
        }
        other => other.to_string(),
    }
}

fn float(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let a = x.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        let s = format!("{x:.7e}");
        let (m, e) = s.split_once('e').expect("exponent");
        let m = m.trim_end_matches('0').trim_end_matches('.');
        return format!("{m}e{e}");
    }
    let digits = 8usize.saturating_sub(a.log10().floor().max(0.0) as usize + 1).max(1);
    let s = format!("{x:.digits$}");
    let s = s.trim_end_matches('0');
    if s.ends_with('.') {
        format!("{s}0")
    } else {
        s.to_string()
    }
}

/// Indices shown along an axis of extent `n` (`None` marks the "...").
fn shown(n: usize, summarise: bool) -> Vec<Option<usize>> {
    if summarise && n > 2 * EDGE {
        (0..EDGE).map(Some).chain([None]).chain((n - EDGE..n).map(Some)).collect()
    } else {
        (0..n).map(Some).collect()
    }
}

impl NdArray {
    /// The values, nested, without the header.
    pub fn values_text(&self) -> String {
        let shape = self.shape();
        if shape.is_empty() {
            return self.scalars().first().map(|&s| element(s)).unwrap_or_default();
        }
        let summarise = self.size() > THRESHOLD;
        let axes: Vec<Vec<Option<usize>>> = shape.iter().map(|&n| shown(n, summarise)).collect();
        let scalars = self.scalars();
        let mut strides = vec![1; shape.len()];
        for a in (0..shape.len() - 1).rev() {
            strides[a] = strides[a + 1] * shape[a + 1];
        }
        // Width of the widest element shown.
        let mut width = 0;
        walk(&axes, 0, 0, &strides, &mut |flat| width = width.max(element(scalars[flat]).len()));
        let mut out = String::new();
        write_axis(&mut out, &axes, 0, 0, &strides, &scalars, width);
        out
    }
}

fn walk(axes: &[Vec<Option<usize>>], a: usize, base: usize, strides: &[usize], f: &mut impl FnMut(usize)) {
    for i in axes[a].iter().flatten() {
        let flat = base + i * strides[a];
        if a + 1 == axes.len() {
            f(flat);
        } else {
            walk(axes, a + 1, flat, strides, f);
        }
    }
}

fn write_axis(
    out: &mut String,
    axes: &[Vec<Option<usize>>],
    a: usize,
    base: usize,
    strides: &[usize],
    scalars: &[Scalar],
    width: usize,
) {
    out.push('[');
    let last = a + 1 == axes.len();
    let sep =
        if last { ", ".to_string() } else { format!(",{}{}", "\n".repeat(axes.len() - a - 1), " ".repeat(a + 1)) };
    for (k, i) in axes[a].iter().enumerate() {
        if k > 0 {
            out.push_str(&sep);
        }
        match i {
            None => out.push_str("..."),
            Some(i) if last => out.push_str(&format!("{:>width$}", element(scalars[base + i * strides[a]]))),
            Some(i) => write_axis(out, axes, a + 1, base + i * strides[a], strides, scalars, width),
        }
    }
    out.push(']');
}

impl fmt::Display for NdArray {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NdArray(shape {}, {})\n{}", list(self.shape()), self.dtype(), self.values_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_arrays_show_every_value_aligned() {
        let a = NdArray::from_vec(&[2, 3], vec![0.5, 1.0, -2.0, 3.0, 10.25, 5.0]);
        assert_eq!(a.to_string(), "NdArray(shape [2, 3], f64)\n[[  0.5,   1.0,  -2.0],\n [  3.0, 10.25,   5.0]]");
        let b = NdArray::from_vec(&[2, 1, 2], vec![true, false, true, true]);
        assert_eq!(b.values_text(), "[[[ true, false]],\n\n [[ true,  true]]]");
    }

    #[test]
    fn floats_show_eight_significant_digits() {
        assert_eq!(element(Scalar::F64(0.349_550_234_166_101_1)), "0.3495502");
        assert_eq!(element(Scalar::F64(1234.5)), "1234.5");
        assert_eq!(element(Scalar::F64(-2.0)), "-2.0");
        assert_eq!(element(Scalar::F64(1.5e-7)), "1.5e-7");
        assert_eq!(element(Scalar::F64(f64::NAN)), "NaN");
    }

    #[test]
    fn large_arrays_are_summarised() {
        let a = NdArray::from_vec(&[2000], (0..2000i64).collect());
        assert_eq!(a.values_text(), "[   0,    1,    2, ..., 1997, 1998, 1999]");
        let m = NdArray::from_vec(&[100, 100], vec![1i32; 10000]);
        let text = m.values_text();
        assert_eq!(text.lines().count(), 7);
        assert!(text.contains(" ...,\n"), "{text}");
    }
}
