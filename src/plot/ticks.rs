//! Axis ticks and number formatting, shared by the images and the terminal preview.
//!
//! This file owns where ticks go ("nice" steps of 1, 2, 2.5 or 5 times a power of ten)
//! and how tick values and ranges are written as text, so that an axis reads the same in
//! a PNG, an SVG and the braille preview. Drawing the ticks is left to
//! [`super::chart`]; this file only computes numbers and strings.

/// Tick positions for one axis.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Ticks {
    /// Tick values inside the axis range, increasing.
    pub values: Vec<f64>,
    /// Distance between neighbouring ticks.
    pub step: f64,
}

impl Ticks {
    /// The tick values written with a common number of decimals.
    pub fn labels(&self) -> Vec<String> {
        let scientific = self.scientific();
        self.values.iter().map(|&v| format_with_step(v, self.step, scientific)).collect()
    }

    /// One tick value written like [`Ticks::labels`] writes it.
    pub fn label(&self, v: f64) -> String {
        format_with_step(v, self.step, self.scientific())
    }

    fn scientific(&self) -> bool {
        let big = self.values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        big >= 1e6 || (big > 0.0 && big < 1e-3)
    }
}

/// About `target` ticks at "nice" values within `lo..=hi`, never closer than
/// `min_step` (use 1.0 for integer axes such as image rows, 0.0 for none).
pub(super) fn nice_ticks(lo: f64, hi: f64, target: usize, min_step: f64) -> Ticks {
    let target = target.max(2) as f64;
    // Half the span: the full one may overflow for values near ±f64::MAX.
    let half = hi * 0.5 - lo * 0.5;
    if half.is_nan() || half <= 0.0 || half.is_infinite() {
        return Ticks { values: vec![lo], step: 1.0 };
    }
    let raw = (half / target * 2.0).max(min_step);
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let nice = [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().find(|&n| n >= norm * (1.0 - 1e-9)).unwrap_or(10.0);
    let mut step = nice * mag;
    if step < min_step {
        step = min_step;
    }
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    let values = (first..=last)
        .map(|k| {
            let v = k as f64 * step;
            // Snap -0.0 and rounding dust such as 3e-17 to an exact zero.
            if v.abs() < step * 1e-9 {
                0.0
            } else {
                v
            }
        })
        .collect();
    Ticks { values, step }
}

/// Decimals needed to write multiples of `step` exactly (at most 12).
fn decimals_for(step: f64) -> usize {
    (0..12)
        .find(|&d| {
            let scaled = step * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
        })
        .unwrap_or(12)
}

fn format_with_step(v: f64, step: f64, scientific: bool) -> String {
    if scientific {
        if v == 0.0 {
            return "0".to_string();
        }
        // Digits of the mantissa needed to tell neighbouring ticks apart.
        let exp = v.abs().log10().floor();
        let digits = decimals_for(step / 10f64.powf(exp)).min(6);
        return tidy_exponent(&format!("{v:.digits$e}"));
    }
    let d = decimals_for(step);
    format!("{v:.d$}")
}

/// A value on its own (range ends, colour-bar extremes): up to 4 significant digits.
pub(super) fn format_value(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let a = v.abs();
    if !(1e-3..1e6).contains(&a) {
        return tidy_exponent(&format!("{v:.3e}"));
    }
    let int_digits = a.log10().floor() as i32 + 1;
    let d = (4 - int_digits).clamp(0, 6) as usize;
    let s = format!("{v:.d$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Drops trailing zeros of a scientific mantissa: `1.500e6` becomes `1.5e6`.
fn tidy_exponent(s: &str) -> String {
    match s.split_once('e') {
        Some((m, e)) if m.contains('.') => {
            let m = m.trim_end_matches('0').trim_end_matches('.');
            format!("{m}e{e}")
        }
        _ => s.to_string(),
    }
}

/// How many ticks suit an axis of `pixels` length, one per `spacing` pixels.
pub(super) fn tick_target(pixels: f64, spacing: f64) -> usize {
    ((pixels / spacing).round() as usize).clamp(2, 12)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_nice_and_inside() {
        let t = nice_ticks(0.0, 10.0, 5, 0.0);
        assert_eq!(t.values, vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(t.labels(), vec!["0", "2", "4", "6", "8", "10"]);
        let t = nice_ticks(-0.33, 0.71, 6, 0.0);
        assert_eq!(t.step, 0.2);
        assert_eq!(t.labels(), vec!["-0.2", "0.0", "0.2", "0.4", "0.6"]);
        let t = nice_ticks(0.0, 1.0, 4, 0.0);
        assert_eq!(t.labels(), vec!["0.00", "0.25", "0.50", "0.75", "1.00"]);
    }

    #[test]
    fn integer_axes_do_not_get_fractional_ticks() {
        let t = nice_ticks(0.0, 3.0, 10, 1.0);
        assert_eq!(t.values, vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(t.labels(), vec!["0", "1", "2", "3"]);
    }

    #[test]
    fn large_and_small_values_use_exponents() {
        let t = nice_ticks(0.0, 3e6, 3, 0.0);
        assert_eq!(t.labels(), vec!["0", "1e6", "2e6", "3e6"]);
        let t = nice_ticks(0.0, 3e-4, 3, 0.0);
        assert_eq!(t.labels(), vec!["0", "1e-4", "2e-4", "3e-4"]);
        let t = nice_ticks(1.0e6, 1.5e6, 2, 0.0);
        assert_eq!(t.labels(), vec!["1e6", "1.25e6", "1.5e6"]);
    }

    #[test]
    fn degenerate_ranges_do_not_panic() {
        let t = nice_ticks(-f64::MAX, f64::MAX, 4, 0.0);
        assert!(t.values.len() >= 3 && t.values.iter().all(|v| v.is_finite()));
        assert_eq!(nice_ticks(1.0, 1.0, 5, 0.0).values, vec![1.0]);
        assert_eq!(nice_ticks(f64::NAN, 1.0, 5, 0.0).values.len(), 1);
    }

    #[test]
    fn single_values_keep_four_digits() {
        assert_eq!(format_value(0.0), "0");
        assert_eq!(format_value(1.23456), "1.235");
        assert_eq!(format_value(-1234.6), "-1235");
        assert_eq!(format_value(999999.0), "999999");
        assert_eq!(format_value(2.5e7), "2.5e7");
        assert_eq!(format_value(1.0), "1");
        assert_eq!(format_value(1.5e-5), "1.5e-5");
    }
}
