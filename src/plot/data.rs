//! Checking and cleaning a [`PlotSpec`]'s data before anything is drawn.
//!
//! This file owns the rules shared by the saved image and the terminal preview: which
//! inputs are errors, how NaN and infinite values are skipped and counted, where line
//! breaks go, how a histogram is binned and what value range an image spans. Its output
//! ([`Prepared`]) is plain numbers in data coordinates; scaling them to pixels or
//! characters is left to [`super::chart`], [`super::heatmap`] and [`super::preview`].

use super::spec::{default_bins, PlotKind, PlotSpec, Series, MAX_BINS, MAX_SIZE, MIN_SIZE};
use super::PlotError;

/// One cleaned series of a line or scatter plot.
#[derive(Debug, Clone)]
pub(super) struct XySeries {
    /// Runs of consecutive finite points; a line is broken between runs. A scatter
    /// series has a single run.
    pub segments: Vec<Vec<(f64, f64)>>,
    /// Legend label as given.
    pub label: Option<String>,
}

/// Cleaned data of a line or scatter plot.
#[derive(Debug, Clone)]
pub(super) struct XyData {
    pub series: Vec<XySeries>,
    /// Smallest and largest finite x over all series.
    pub x: (f64, f64),
    /// Smallest and largest finite y over all series.
    pub y: (f64, f64),
    /// Total number of finite points kept.
    pub points: usize,
}

/// A binned histogram.
#[derive(Debug, Clone)]
pub(super) struct HistData {
    /// Left edge of the first bin.
    pub lo: f64,
    /// Right edge of the last bin.
    pub hi: f64,
    /// Count per bin, left to right.
    pub counts: Vec<u64>,
}

/// A checked image with its finite value range.
#[derive(Debug, Clone)]
pub(super) struct ImageData<'a> {
    pub rows: usize,
    pub cols: usize,
    /// Row-major values; non-finite ones are drawn in a neutral "missing" colour.
    pub data: &'a [f64],
    /// Smallest finite value.
    pub vmin: f64,
    /// Largest finite value.
    pub vmax: f64,
}

/// The checked, cleaned data of a spec.
#[derive(Debug, Clone)]
pub(super) enum Prepared<'a> {
    Line(XyData),
    Scatter(XyData),
    Hist(HistData),
    Image(ImageData<'a>),
}

/// Prepared data plus the number of non-finite values that were skipped.
#[derive(Debug, Clone)]
pub(super) struct Checked<'a> {
    pub prepared: Prepared<'a>,
    pub skipped: usize,
}

impl Checked<'_> {
    /// The note reported with a plot, e.g. `skipped 3 non-finite values`.
    pub fn note(&self) -> Option<String> {
        match self.skipped {
            0 => None,
            1 => Some("skipped 1 non-finite value".to_string()),
            n => Some(format!("skipped {n} non-finite values")),
        }
    }
}

/// Checks the requested pixel size.
pub(super) fn check_size(width: u32, height: u32) -> Result<(), PlotError> {
    let ok = |v: u32| (MIN_SIZE..=MAX_SIZE).contains(&v);
    if ok(width) && ok(height) {
        Ok(())
    } else {
        Err(PlotError::BadSize { width, height })
    }
}

/// Checks and cleans the data of `spec` (not its size: see [`check_size`]).
pub(super) fn prepare(spec: &PlotSpec) -> Result<Checked<'_>, PlotError> {
    match &spec.kind {
        PlotKind::Line { series } => {
            let (data, skipped) = prepare_xy(series, true, "line plot")?;
            Ok(Checked { prepared: Prepared::Line(data), skipped })
        }
        PlotKind::Scatter { series } => {
            let (data, skipped) = prepare_xy(series, false, "scatter plot")?;
            Ok(Checked { prepared: Prepared::Scatter(data), skipped })
        }
        PlotKind::Hist { data, bins } => {
            let (hist, skipped) = prepare_hist(data, *bins)?;
            Ok(Checked { prepared: Prepared::Hist(hist), skipped })
        }
        PlotKind::Image { rows, cols, data } => {
            let (image, skipped) = prepare_image(*rows, *cols, data)?;
            Ok(Checked { prepared: Prepared::Image(image), skipped })
        }
    }
}

/// Running minimum and maximum of finite values.
#[derive(Clone, Copy)]
struct MinMax {
    lo: f64,
    hi: f64,
}

impl MinMax {
    const EMPTY: MinMax = MinMax { lo: f64::INFINITY, hi: f64::NEG_INFINITY };

    #[inline]
    fn add(&mut self, v: f64) {
        self.lo = self.lo.min(v);
        self.hi = self.hi.max(v);
    }

    /// The range of the finite values of `data` and how many there are; an error when
    /// none is finite.
    fn of_finite(data: &[f64]) -> Result<(MinMax, usize), PlotError> {
        let mut r = MinMax::EMPTY;
        let mut finite = 0usize;
        for &v in data.iter().filter(|v| v.is_finite()) {
            r.add(v);
            finite += 1;
        }
        if finite == 0 {
            return Err(PlotError::AllNonFinite { total: data.len() });
        }
        Ok((r, finite))
    }
}

fn prepare_xy(series: &[Series], connect: bool, what: &str) -> Result<(XyData, usize), PlotError> {
    if series.is_empty() {
        return Err(PlotError::EmptyData { what: format!("{what} (no series)") });
    }
    let (mut xr, mut yr) = (MinMax::EMPTY, MinMax::EMPTY);
    let (mut skipped, mut total, mut points) = (0, 0, 0);
    let mut out = Vec::with_capacity(series.len());
    for (i, s) in series.iter().enumerate() {
        if let Some(x) = &s.x {
            if x.len() != s.y.len() {
                return Err(PlotError::LengthMismatch { series: i, x_len: x.len(), y_len: s.y.len() });
            }
        }
        if s.y.is_empty() {
            return Err(PlotError::EmptyData {
                what: if series.len() == 1 { "y".to_string() } else { format!("series {i} (y)") },
            });
        }
        total += s.y.len();
        let mut segments = Vec::new();
        let mut current: Vec<(f64, f64)> = Vec::new();
        for (j, &y) in s.y.iter().enumerate() {
            let x = match &s.x {
                Some(x) => x[j],
                None => j as f64,
            };
            if x.is_finite() && y.is_finite() {
                xr.add(x);
                yr.add(y);
                current.push((x, y));
            } else {
                skipped += 1;
                if connect && !current.is_empty() {
                    segments.push(std::mem::take(&mut current));
                }
            }
        }
        if !current.is_empty() {
            segments.push(current);
        }
        points += segments.iter().map(Vec::len).sum::<usize>();
        out.push(XySeries { segments, label: s.label.clone() });
    }
    if points == 0 {
        return Err(PlotError::AllNonFinite { total });
    }
    let data = XyData { series: out, x: (xr.lo, xr.hi), y: (yr.lo, yr.hi), points };
    Ok((data, skipped))
}

fn prepare_hist(data: &[f64], bins: Option<usize>) -> Result<(HistData, usize), PlotError> {
    if let Some(b) = bins {
        if b == 0 || b > MAX_BINS {
            return Err(PlotError::BadBins { bins: b });
        }
    }
    if data.is_empty() {
        return Err(PlotError::EmptyData { what: "histogram data".to_string() });
    }
    let (r, finite) = MinMax::of_finite(data)?;
    let nbins = bins.unwrap_or_else(|| default_bins(finite));
    let (lo, hi) = if r.lo < r.hi { (r.lo, r.hi) } else { (r.lo - 0.5, r.hi + 0.5) };
    // Halved so that `hi - lo` cannot overflow for data near ±f64::MAX.
    let scale = nbins as f64 / half_span(lo, hi);
    let mut counts = vec![0u64; nbins];
    for &v in data.iter().filter(|v| v.is_finite()) {
        let k = (((v * 0.5 - lo * 0.5) * scale) as usize).min(nbins - 1);
        counts[k] += 1;
    }
    Ok((HistData { lo, hi, counts }, data.len() - finite))
}

fn prepare_image(rows: usize, cols: usize, data: &[f64]) -> Result<(ImageData<'_>, usize), PlotError> {
    if rows == 0 || cols == 0 {
        return Err(PlotError::EmptyData { what: format!("image ({rows} x {cols})") });
    }
    if rows.checked_mul(cols) != Some(data.len()) {
        return Err(PlotError::ImageShape { rows, cols, len: data.len() });
    }
    let (r, finite) = MinMax::of_finite(data)?;
    let image = ImageData { rows, cols, data, vmin: r.lo, vmax: r.hi };
    Ok((image, data.len() - finite))
}

/// Widens `(lo, hi)` by `frac` of its span on each side; a zero span is widened to
/// `lo ± max(|lo| / 10, 0.5)` so a constant still sits in the middle of the axis. The
/// result stays finite even for data near ±`f64::MAX`.
pub(super) fn padded((lo, hi): (f64, f64), frac: f64) -> (f64, f64) {
    let span = hi - lo;
    let (a, b) = if span > 0.0 && span.is_finite() {
        (lo - span * frac, hi + span * frac)
    } else if span > 0.0 {
        (lo, hi) // the span overflows f64: no room to pad
    } else {
        let d = (lo.abs() / 10.0).max(0.5);
        (lo - d, hi + d)
    };
    (a.max(-f64::MAX), b.min(f64::MAX))
}

/// `hi - lo` halved, which cannot overflow for finite inputs (the full difference of
/// values near ±`f64::MAX` does).
#[inline]
pub(super) fn half_span(lo: f64, hi: f64) -> f64 {
    hi * 0.5 - lo * 0.5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_breaks_lines_and_is_counted() {
        let spec = PlotSpec::line(vec![Series::new(vec![1.0, f64::NAN, 2.0, 3.0, f64::INFINITY])]);
        let c = prepare(&spec).unwrap();
        assert_eq!(c.skipped, 2);
        assert_eq!(c.note().as_deref(), Some("skipped 2 non-finite values"));
        let Prepared::Line(d) = c.prepared else { panic!("not a line") };
        assert_eq!(d.series[0].segments.len(), 2);
        assert_eq!(d.series[0].segments[1], vec![(2.0, 2.0), (3.0, 3.0)]);
        assert_eq!((d.x, d.y, d.points), ((0.0, 3.0), (1.0, 3.0), 3));
    }

    #[test]
    fn scatter_keeps_one_run() {
        let spec = PlotSpec::scatter(vec![Series::xy(vec![0.0, 1.0, 2.0], vec![1.0, f64::NAN, 2.0])]);
        let c = prepare(&spec).unwrap();
        assert_eq!(c.note().as_deref(), Some("skipped 1 non-finite value"));
        let Prepared::Scatter(d) = c.prepared else { panic!("not a scatter") };
        assert_eq!(d.series[0].segments.len(), 1);
    }

    #[test]
    fn histogram_counts_every_finite_value_once() {
        let data: Vec<f64> = (0..100).map(f64::from).chain([f64::NAN]).collect();
        let spec = PlotSpec::hist(data, Some(4));
        let c = prepare(&spec).unwrap();
        let Prepared::Hist(h) = c.prepared else { panic!("not a hist") };
        assert_eq!(h.counts, vec![25, 25, 25, 25]);
        assert_eq!((h.lo, h.hi, c.skipped), (0.0, 99.0, 1));
    }

    #[test]
    fn constant_histogram_gets_a_unit_range() {
        let spec = PlotSpec::hist(vec![3.0; 5], None);
        let c = prepare(&spec).unwrap();
        let Prepared::Hist(h) = c.prepared else { panic!("not a hist") };
        assert_eq!((h.lo, h.hi), (2.5, 3.5));
        assert_eq!(h.counts.iter().sum::<u64>(), 5);
    }

    #[test]
    fn padding_handles_zero_span() {
        assert_eq!(padded((0.0, 10.0), 0.1), (-1.0, 11.0));
        assert_eq!(padded((5.0, 5.0), 0.1), (4.5, 5.5));
        assert_eq!(padded((100.0, 100.0), 0.1), (90.0, 110.0));
        assert_eq!(padded((-f64::MAX, f64::MAX), 0.1), (-f64::MAX, f64::MAX));
        assert_eq!(half_span(-f64::MAX, f64::MAX), f64::MAX);
    }

    #[test]
    fn size_limits() {
        assert!(check_size(640, 480).is_ok());
        assert!(check_size(MIN_SIZE, MAX_SIZE).is_ok());
        assert!(check_size(0, 480).is_err());
        assert!(check_size(640, MAX_SIZE + 1).is_err());
    }
}
