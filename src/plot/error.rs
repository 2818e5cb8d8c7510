//! Errors of the plot layer.
//!
//! This file owns [`PlotError`], the one error type that [`super::render`] and the
//! validation in [`super::data`] return. Every variant describes bad input a user can
//! reach from the console (empty data, mismatched lengths, a bad size, a wrong image
//! shape, an unknown format) or a failure inside the drawing library, and its message is
//! written to be shown as is, without the variant name. The terminal preview does not
//! return errors: it prints the same message in place of the picture.

use std::fmt;

/// Why a plot could not be made.
///
/// Messages are short and self-contained, meant to be shown at the console, e.g.
/// `plot: series 0: x has 5 values but y has 4`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlotError {
    /// There was nothing to plot: `what` names the empty input, e.g. `"series 1 (y)"`,
    /// `"histogram data"`, `"image (0 rows)"` or `"line plot (no series)"`.
    EmptyData {
        /// The empty input, in the user's words.
        what: String,
    },
    /// A series was given both `x` and `y`, of different lengths.
    LengthMismatch {
        /// Index of the series in the plot (0-based).
        series: usize,
        /// Number of x values.
        x_len: usize,
        /// Number of y values.
        y_len: usize,
    },
    /// `width` or `height` is outside [`super::MIN_SIZE`]`..=`[`super::MAX_SIZE`].
    BadSize {
        /// Requested width in pixels.
        width: u32,
        /// Requested height in pixels.
        height: u32,
    },
    /// An image's data does not hold `rows * cols` values.
    ImageShape {
        /// Declared number of rows.
        rows: usize,
        /// Declared number of columns.
        cols: usize,
        /// Actual number of values in the data.
        len: usize,
    },
    /// Every value was NaN or infinite, so no point survived the filtering.
    AllNonFinite {
        /// Number of values that were looked at (all of them skipped).
        total: usize,
    },
    /// The histogram `bins` option is zero or above [`super::MAX_BINS`].
    BadBins {
        /// The requested number of bins.
        bins: usize,
    },
    /// A format name other than `png` or `svg`.
    UnknownFormat {
        /// The name as given.
        name: String,
    },
    /// The drawing library failed; `message` is its own description.
    Backend {
        /// Text of the underlying error.
        message: String,
    },
    /// Encoding the picture as PNG failed; `message` is the encoder's description.
    Encode {
        /// Text of the underlying error.
        message: String,
    },
}

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlotError::EmptyData { what } => write!(f, "plot: {what} is empty, nothing to plot"),
            PlotError::LengthMismatch { series, x_len, y_len } => {
                write!(f, "plot: series {series}: x has {x_len} values but y has {y_len}")
            }
            PlotError::BadSize { width, height } => write!(
                f,
                "plot: size {width}x{height} is out of range, width and height must each be \
                 between {} and {} pixels",
                super::MIN_SIZE,
                super::MAX_SIZE
            ),
            PlotError::ImageShape { rows, cols, len } => match rows.checked_mul(*cols) {
                Some(n) => write!(f, "imshow: image data has {len} values but rows x cols = {rows} x {cols} = {n}"),
                None => write!(
                    f,
                    "imshow: image data has {len} values but rows x cols = {rows} x {cols} \
                     overflows"
                ),
            },
            PlotError::AllNonFinite { total } => {
                write!(f, "plot: all {total} values are NaN or infinite, nothing to plot")
            }
            PlotError::BadBins { bins } => {
                write!(f, "hist: bins must be between 1 and {}, got {bins}", super::MAX_BINS)
            }
            PlotError::UnknownFormat { name } => {
                write!(f, "plot: unknown format {name:?}, expected \"png\" or \"svg\"")
            }
            PlotError::Backend { message } => write!(f, "plot: drawing failed: {message}"),
            PlotError::Encode { message } => write!(f, "plot: PNG encoding failed: {message}"),
        }
    }
}

impl std::error::Error for PlotError {}

impl PlotError {
    /// Wraps any drawing-library error (plotters' `DrawingAreaErrorKind`, font errors).
    pub(super) fn backend(err: impl fmt::Display) -> Self {
        PlotError::Backend { message: err.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_numbers() {
        let e = PlotError::LengthMismatch { series: 2, x_len: 5, y_len: 4 };
        assert_eq!(e.to_string(), "plot: series 2: x has 5 values but y has 4");
        let e = PlotError::ImageShape { rows: 3, cols: 4, len: 10 };
        assert_eq!(e.to_string(), "imshow: image data has 10 values but rows x cols = 3 x 4 = 12");
        let e = PlotError::ImageShape { rows: usize::MAX, cols: 2, len: 1 };
        assert!(e.to_string().ends_with("overflows"));
        let e = PlotError::UnknownFormat { name: "jpg".into() };
        assert_eq!(e.to_string(), "plot: unknown format \"jpg\", expected \"png\" or \"svg\"");
    }
}
