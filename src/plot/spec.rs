//! The data model of a plot: what to draw, not how.
//!
//! This file owns [`PlotSpec`] (the kind of plot with its data, the labels, the size and
//! the output [`Format`]), [`PlotKind`] and [`Series`], their constructors and the
//! defaults. A `PlotSpec` is plain data: the Rhai bindings build one from a call such as
//! `plot([y1, y2], #{label: ["a", "b"]})`, an engine may build one and render it where
//! the data is, and both [`super::render`] and [`super::preview_text`] read it. Checking
//! the data (lengths, emptiness, NaN) is left to [`super::data`]; nothing here fails
//! except parsing a format name.

use std::str::FromStr;

use super::PlotError;

/// Default width of a rendered plot in pixels.
pub const DEFAULT_WIDTH: u32 = 640;
/// Default height of a rendered plot in pixels.
pub const DEFAULT_HEIGHT: u32 = 480;
/// Smallest accepted width or height in pixels: below it axes and labels cannot fit.
pub const MIN_SIZE: u32 = 100;
/// Largest accepted width or height in pixels (a 8192x8192 PNG buffer is 192 MiB).
pub const MAX_SIZE: u32 = 8192;
/// Largest accepted number of histogram bins.
pub const MAX_BINS: usize = 100_000;

/// The file format of a rendered plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// A PNG bitmap (the default).
    #[default]
    Png,
    /// An SVG document; images (`imshow`) are embedded in it as PNG.
    Svg,
}

impl Format {
    /// The usual file extension, without the dot: `"png"` or `"svg"`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }

    /// The MIME type, e.g. for an inline-image terminal protocol.
    pub fn mime_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Svg => "image/svg+xml",
        }
    }
}

impl FromStr for Format {
    type Err = PlotError;

    /// Parses `"png"` or `"svg"`, ignoring ASCII case and a leading dot.
    fn from_str(name: &str) -> Result<Self, PlotError> {
        let bare = name.trim().trim_start_matches('.');
        if bare.eq_ignore_ascii_case("png") {
            Ok(Format::Png)
        } else if bare.eq_ignore_ascii_case("svg") {
            Ok(Format::Svg)
        } else {
            Err(PlotError::UnknownFormat { name: name.to_string() })
        }
    }
}

/// One curve of a line plot or one point cloud of a scatter plot.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// The x coordinates; `None` means the indices `0, 1, 2, ...` of `y`.
    pub x: Option<Vec<f64>>,
    /// The y coordinates.
    pub y: Vec<f64>,
    /// The legend entry; series without labels get `series N` in a legend.
    pub label: Option<String>,
}

impl Series {
    /// A series plotted against its indices.
    pub fn new(y: Vec<f64>) -> Self {
        Series { x: None, y, label: None }
    }

    /// A series with explicit x coordinates (lengths are checked at render time).
    pub fn xy(x: Vec<f64>, y: Vec<f64>) -> Self {
        Series { x: Some(x), y, label: None }
    }

    /// Sets the legend label.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
}

/// What kind of plot, with its data.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PlotKind {
    /// Connected lines, one per series; NaN or infinite points break the line.
    Line {
        /// The curves, drawn in order with distinct colours; a legend is drawn when
        /// there is more than one or any has a label.
        series: Vec<Series>,
    },
    /// Unconnected markers, one colour per series.
    Scatter {
        /// The point clouds.
        series: Vec<Series>,
    },
    /// A histogram of `data` over its finite range.
    Hist {
        /// The values to count.
        data: Vec<f64>,
        /// Number of equal-width bins; `None` uses [`default_bins`].
        bins: Option<usize>,
    },
    /// A heat map of a 2-D array with a colour bar; row 0 is drawn at the top.
    Image {
        /// Number of rows (the vertical extent).
        rows: usize,
        /// Number of columns (the horizontal extent).
        cols: usize,
        /// `rows * cols` values in row-major order.
        data: Vec<f64>,
    },
}

impl PlotKind {
    /// The console function that makes this kind: `plot`, `scatter`, `hist`, `imshow`.
    pub fn name(&self) -> &'static str {
        match self {
            PlotKind::Line { .. } => "plot",
            PlotKind::Scatter { .. } => "scatter",
            PlotKind::Hist { .. } => "hist",
            PlotKind::Image { .. } => "imshow",
        }
    }
}

/// The number of histogram bins used when none is given: the square-root rule,
/// `ceil(sqrt(n))` for `n` finite values, kept within `1..=100`.
pub fn default_bins(n: usize) -> usize {
    ((n as f64).sqrt().ceil() as usize).clamp(1, 100)
}

/// A complete description of one plot.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotSpec {
    /// The kind of plot and its data.
    pub kind: PlotKind,
    /// Caption drawn above the plot.
    pub title: Option<String>,
    /// Label of the horizontal axis.
    pub xlabel: Option<String>,
    /// Label of the vertical axis (a histogram without one is labelled `count`).
    pub ylabel: Option<String>,
    /// Width in pixels, [`MIN_SIZE`]`..=`[`MAX_SIZE`].
    pub width: u32,
    /// Height in pixels, [`MIN_SIZE`]`..=`[`MAX_SIZE`].
    pub height: u32,
    /// Output format of [`super::render`].
    pub format: Format,
}

impl PlotSpec {
    /// A spec of the given kind with no labels, the default size and PNG output.
    pub fn new(kind: PlotKind) -> Self {
        PlotSpec {
            kind,
            title: None,
            xlabel: None,
            ylabel: None,
            width: DEFAULT_WIDTH,
            height: DEFAULT_HEIGHT,
            format: Format::Png,
        }
    }

    /// A line plot of the given series.
    pub fn line(series: Vec<Series>) -> Self {
        Self::new(PlotKind::Line { series })
    }

    /// A scatter plot of the given series.
    pub fn scatter(series: Vec<Series>) -> Self {
        Self::new(PlotKind::Scatter { series })
    }

    /// A histogram; `bins: None` uses [`default_bins`].
    pub fn hist(data: Vec<f64>, bins: Option<usize>) -> Self {
        Self::new(PlotKind::Hist { data, bins })
    }

    /// A heat map of a `rows x cols` array given in row-major order.
    pub fn image(rows: usize, cols: usize, data: Vec<f64>) -> Self {
        Self::new(PlotKind::Image { rows, cols, data })
    }

    /// Sets the title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the x-axis label.
    pub fn with_xlabel(mut self, label: impl Into<String>) -> Self {
        self.xlabel = Some(label.into());
        self
    }

    /// Sets the y-axis label.
    pub fn with_ylabel(mut self, label: impl Into<String>) -> Self {
        self.ylabel = Some(label.into());
        self
    }

    /// Sets the size in pixels (checked at render time).
    pub fn with_size(mut self, width: u32, height: u32) -> Self {
        self.width = width;
        self.height = height;
        self
    }

    /// Sets the output format.
    pub fn with_format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_parses_names_case_insensitively() {
        assert_eq!("png".parse::<Format>(), Ok(Format::Png));
        assert_eq!("SVG".parse::<Format>(), Ok(Format::Svg));
        assert_eq!(".svg".parse::<Format>(), Ok(Format::Svg));
        let err = "gif".parse::<Format>().unwrap_err();
        assert_eq!(err.to_string(), "plot: unknown format \"gif\", expected \"png\" or \"svg\"");
    }

    #[test]
    fn default_bins_follows_the_square_root_rule() {
        assert_eq!(default_bins(0), 1);
        assert_eq!(default_bins(1), 1);
        assert_eq!(default_bins(100), 10);
        assert_eq!(default_bins(101), 11);
        assert_eq!(default_bins(1_000_000), 100);
    }

    #[test]
    fn builders_set_fields() {
        let s = PlotSpec::line(vec![Series::new(vec![1.0]).with_label("a")])
            .with_title("t")
            .with_xlabel("x")
            .with_ylabel("y")
            .with_size(300, 200)
            .with_format(Format::Svg);
        assert_eq!(s.title.as_deref(), Some("t"));
        assert_eq!((s.width, s.height, s.format), (300, 200, Format::Svg));
        assert_eq!(s.kind.name(), "plot");
    }
}
