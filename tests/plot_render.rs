//! The plot layer (`pshell::plot`) through its public API, without Rhai or the console:
//! - `kinds`: every kind renders to a PNG of the requested size that is not blank, and
//!   to a well-formed SVG that carries its title.
//! - `non_finite`: NaN and infinite values are skipped and counted in the note.
//! - `errors`: every way bad input can fail, each with its message.
//! - `preview`: the terminal text shows title, ranges and marks, and stays small.
//! - `edges`: tiny and huge sizes, one-point data, constant data, threads.

use crate::images::{check_svg, count_color, decode, variance};
use pshell::plot::{preview_text, render, Format, PlotError, PlotSpec, RenderedPlot, Series};

/// Renders `spec` as PNG and checks size and contents; returns the pixels.
fn png_ok(spec: &PlotSpec) -> (RenderedPlot, Vec<u8>) {
    let out = render(spec).unwrap_or_else(|e| panic!("render failed: {e}"));
    assert_eq!(out.format, Format::Png);
    assert_eq!(&out.bytes[..8], b"\x89PNG\r\n\x1a\n");
    let (w, h, rgb) = decode(&out.bytes);
    assert_eq!((w, h), (spec.width, spec.height));
    assert_eq!((out.width, out.height), (spec.width, spec.height));
    let v = variance(&rgb);
    assert!(v > 100.0, "image looks blank: grey variance {v}");
    (out, rgb)
}

/// Renders `spec` as SVG, parses it as XML and checks the title is in it.
fn svg_ok(spec: &PlotSpec) -> String {
    let out = render(&spec.clone().with_format(Format::Svg)).expect("render SVG");
    assert_eq!(out.format, Format::Svg);
    let text = String::from_utf8(out.bytes).expect("SVG is UTF-8");
    check_svg(&text, spec.title.as_deref());
    text
}

fn wave(n: usize) -> Vec<f64> {
    (0..n).map(|i| (i as f64 * 0.1).sin()).collect()
}

fn image(rows: usize, cols: usize) -> Vec<f64> {
    (0..rows * cols).map(|k| ((k / cols) as f64 * 0.3).sin() + (k % cols) as f64 * 0.01).collect()
}

mod kinds {
    use super::*;

    #[test]
    fn line_with_several_series_and_a_legend() {
        let spec = PlotSpec::line(vec![
            Series::new(wave(100)).with_label("a"),
            Series::xy((0..50).map(|i| i as f64 * 2.0).collect(), wave(50)).with_label("b"),
        ])
        .with_title("Line")
        .with_xlabel("x")
        .with_ylabel("y");
        let (out, rgb) = png_ok(&spec);
        assert_eq!(out.note, None);
        // Both series colours are present (blue and orange of the palette).
        assert!(count_color(&rgb, [0, 114, 178]) > 100);
        assert!(count_color(&rgb, [230, 159, 0]) > 100);
        let svg = svg_ok(&spec);
        assert!(svg.contains(">\na\n</text>") || svg.contains(">a</text>"), "legend label a");
    }

    #[test]
    fn scatter() {
        let x: Vec<f64> = (0..300).map(|i| (i as f64 * 0.7).cos() * i as f64).collect();
        let y: Vec<f64> = (0..300).map(|i| (i as f64 * 0.7).sin() * i as f64).collect();
        let spec = PlotSpec::scatter(vec![Series::xy(x, y)]).with_title("Scatter");
        let (_, rgb) = png_ok(&spec);
        assert!(count_color(&rgb, [0, 114, 178]) > 300);
        svg_ok(&spec);
    }

    #[test]
    fn histogram_with_default_and_given_bins() {
        let data: Vec<f64> = (0..1000).map(|i| ((i * 7919) % 1000) as f64 / 10.0).collect();
        let spec = PlotSpec::hist(data.clone(), None).with_title("Hist");
        png_ok(&spec);
        svg_ok(&spec);
        let spec = PlotSpec::hist(data, Some(5)).with_title("Five bins");
        let (_, rgb) = png_ok(&spec);
        assert!(count_color(&rgb, [0, 114, 178]) > 10_000, "bars are filled");
        let svg = svg_ok(&spec);
        assert!(svg.contains("count"), "default y label");
    }

    #[test]
    fn imshow_has_a_heat_map_and_a_colour_bar() {
        let spec = PlotSpec::image(30, 40, image(30, 40)).with_title("Image");
        let (_, rgb) = png_ok(&spec);
        // The darkest and brightest viridis colours both appear, in the bar at least.
        assert!(count_color(&rgb, [0x44, 0x01, 0x54]) > 20, "dark end of viridis");
        assert!(count_color(&rgb, [0xfd, 0xe7, 0x25]) > 20, "bright end of viridis");
        let svg = svg_ok(&spec);
        assert_eq!(svg.matches("<image").count(), 1);
        assert!(svg.contains("href=\"data:image/png;base64,"));
    }

    #[test]
    fn svg_escapes_markup_in_labels() {
        let spec = PlotSpec::line(vec![Series::new(wave(10))]).with_title("a < b & c");
        let svg = svg_ok(&spec);
        assert!(svg.contains("a &lt; b &amp; c"));
    }
}

mod non_finite {
    use super::*;

    #[test]
    fn line_skips_and_counts() {
        let mut y = wave(100);
        y[10] = f64::NAN;
        y[11] = f64::INFINITY;
        y[50] = f64::NEG_INFINITY;
        let spec = PlotSpec::line(vec![Series::new(y)]);
        let (out, _) = png_ok(&spec);
        assert_eq!(out.note.as_deref(), Some("skipped 3 non-finite values"));
    }

    #[test]
    fn a_non_finite_x_skips_the_point() {
        let spec = PlotSpec::scatter(vec![Series::xy(vec![1.0, f64::NAN, 3.0], vec![1.0, 2.0, 3.0])]);
        let (out, _) = png_ok(&spec);
        assert_eq!(out.note.as_deref(), Some("skipped 1 non-finite value"));
    }

    #[test]
    fn hist_and_image_skip_and_count() {
        let mut data = wave(200);
        data.extend([f64::NAN, f64::NAN]);
        let (out, _) = png_ok(&PlotSpec::hist(data, None));
        assert_eq!(out.note.as_deref(), Some("skipped 2 non-finite values"));

        let mut img = image(10, 10);
        img[0] = f64::NAN;
        let (out, rgb) = png_ok(&PlotSpec::image(10, 10, img));
        assert_eq!(out.note.as_deref(), Some("skipped 1 non-finite value"));
        assert!(count_color(&rgb, [200, 200, 200]) > 50, "missing cell drawn in grey");
    }

    #[test]
    fn isolated_points_between_gaps_are_still_drawn() {
        let y = vec![f64::NAN, 1.0, f64::NAN, 2.0, f64::NAN];
        let (out, rgb) = png_ok(&PlotSpec::line(vec![Series::new(y)]));
        assert_eq!(out.note.as_deref(), Some("skipped 3 non-finite values"));
        assert!(count_color(&rgb, [0, 114, 178]) > 10);
    }
}

mod errors {
    use super::*;

    fn message(spec: &PlotSpec) -> String {
        let err = render(spec).expect_err("should fail");
        // The preview reports the same problem instead of a picture.
        assert_eq!(preview_text(spec, 60, 20), format!("(no preview: {err})"));
        err.to_string()
    }

    #[test]
    fn empty_data() {
        assert_eq!(message(&PlotSpec::line(vec![Series::new(vec![])])), "plot: y is empty, nothing to plot");
        assert_eq!(message(&PlotSpec::line(vec![])), "plot: line plot (no series) is empty, nothing to plot");
        assert_eq!(
            message(&PlotSpec::scatter(vec![Series::new(vec![1.0]), Series::new(vec![])])),
            "plot: series 1 (y) is empty, nothing to plot"
        );
        assert_eq!(message(&PlotSpec::hist(vec![], None)), "plot: histogram data is empty, nothing to plot");
        assert_eq!(message(&PlotSpec::image(0, 5, vec![])), "plot: image (0 x 5) is empty, nothing to plot");
    }

    #[test]
    fn x_and_y_of_different_lengths() {
        let spec = PlotSpec::line(vec![Series::xy(vec![1.0; 5], vec![1.0; 4])]);
        assert_eq!(message(&spec), "plot: series 0: x has 5 values but y has 4");
        assert_eq!(render(&spec), Err(PlotError::LengthMismatch { series: 0, x_len: 5, y_len: 4 }));
    }

    #[test]
    fn bad_sizes() {
        let line = PlotSpec::line(vec![Series::new(wave(10))]);
        assert_eq!(
            message(&line.clone().with_size(0, 480)),
            "plot: size 0x480 is out of range, width and height must each be between 100 and \
             8192 pixels"
        );
        assert!(message(&line.clone().with_size(640, 100_000)).starts_with("plot: size 640x100000"));
        assert!(message(&line.with_size(99, 99)).starts_with("plot: size 99x99"));
    }

    #[test]
    fn image_data_not_rows_times_cols() {
        assert_eq!(
            message(&PlotSpec::image(3, 4, vec![0.0; 10])),
            "imshow: image data has 10 values but rows x cols = 3 x 4 = 12"
        );
    }

    #[test]
    fn all_values_non_finite() {
        let nan = vec![f64::NAN, f64::INFINITY];
        let expected = "plot: all 2 values are NaN or infinite, nothing to plot";
        assert_eq!(message(&PlotSpec::line(vec![Series::new(nan.clone())])), expected);
        assert_eq!(message(&PlotSpec::hist(nan.clone(), None)), expected);
        assert_eq!(message(&PlotSpec::image(1, 2, nan)), expected);
    }

    #[test]
    fn bad_bins() {
        assert_eq!(message(&PlotSpec::hist(vec![1.0], Some(0))), "hist: bins must be between 1 and 100000, got 0");
        assert!(message(&PlotSpec::hist(vec![1.0], Some(100_001))).ends_with("got 100001"));
    }

    #[test]
    fn unknown_format() {
        let err = "jpeg".parse::<Format>().unwrap_err();
        assert_eq!(err.to_string(), "plot: unknown format \"jpeg\", expected \"png\" or \"svg\"");
        assert_eq!("Svg".parse::<Format>(), Ok(Format::Svg));
    }
}

mod preview {
    use super::*;

    #[test]
    fn line_preview_shows_title_ranges_and_dots() {
        let spec = PlotSpec::line(vec![Series::new(wave(100))]).with_title("Sine").with_xlabel("t");
        let text = preview_text(&spec, 60, 15);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.len() <= 15, "{} lines", lines.len());
        assert!(lines.iter().all(|l| l.chars().count() <= 60), "{text}");
        assert_eq!(lines[0].trim(), "Sine");
        assert!(text.contains("┤") && text.contains("└"));
        assert!(lines.iter().any(|l| l.trim_start().starts_with("0 ") && l.ends_with("99")));
        assert!(text.chars().any(|c| ('\u{2801}'..='\u{28ff}').contains(&c)), "braille dots");
        assert!(text.ends_with("x: t"));
    }

    #[test]
    fn notes_and_legends_go_in_the_footer() {
        let spec = PlotSpec::line(vec![
            Series::new(vec![1.0, f64::NAN, 3.0]).with_label("first"),
            Series::new(vec![2.0, 1.0]),
        ]);
        let text = preview_text(&spec, 80, 12);
        assert!(text.ends_with("series: first, series 1; skipped 1 non-finite value"), "{text}");
    }

    #[test]
    fn hist_and_image_use_blocks() {
        let text = preview_text(&PlotSpec::hist(wave(500), Some(20)), 60, 12);
        assert!(text.contains('█'), "{text}");
        assert!(text.contains("20 bins"));
        let text = preview_text(&PlotSpec::image(50, 80, image(50, 80)), 60, 20);
        assert!(text.chars().any(|c| "░▒▓█".contains(c)), "{text}");
        assert!(text.contains("50x80, values"));
    }

    #[test]
    fn a_million_points_preview_quickly() {
        let y: Vec<f64> = (0..1_000_000).map(|i| ((i * 7) % 1000) as f64).collect();
        let spec = PlotSpec::line(vec![Series::new(y)]);
        let text = preview_text(&spec, 100, 30);
        assert_eq!(text.lines().count(), 30);
        assert!(text.contains("999999"));
    }
}

mod edges {
    use super::*;

    #[test]
    fn smallest_and_a_large_size() {
        png_ok(&PlotSpec::line(vec![Series::new(wave(50))]).with_title("tiny").with_size(100, 100));
        png_ok(&PlotSpec::image(8, 8, image(8, 8)).with_title("tiny").with_size(100, 100));
        png_ok(&PlotSpec::hist(wave(50), None).with_size(2400, 1600).with_title("big"));
    }

    #[test]
    fn one_point_and_constant_data() {
        png_ok(&PlotSpec::line(vec![Series::new(vec![5.0])]));
        png_ok(&PlotSpec::scatter(vec![Series::xy(vec![1.0, 1.0], vec![2.0, 2.0])]));
        let (out, _) = png_ok(&PlotSpec::hist(vec![3.0; 10], None));
        assert_eq!(out.note, None);
        png_ok(&PlotSpec::image(1, 1, vec![7.0]));
        png_ok(&PlotSpec::image(2, 500, image(2, 500)));
    }

    #[test]
    fn huge_values_render() {
        let y = vec![-1e300, 1e300, 0.0, 1e-300];
        png_ok(&PlotSpec::line(vec![Series::new(y)]));
        png_ok(&PlotSpec::hist(vec![f64::MIN_POSITIVE, 1e-310, 0.0], None));
        // Spans that overflow f64 must not panic (the picture may be crude).
        let extreme = vec![-f64::MAX, f64::MAX, 0.0];
        png_ok(&PlotSpec::line(vec![Series::new(extreme.clone())]));
        png_ok(&PlotSpec::hist(extreme.clone(), Some(3)));
        png_ok(&PlotSpec::image(1, 3, extreme.clone()));
        let text = preview_text(&PlotSpec::line(vec![Series::new(extreme)]), 40, 10);
        assert!(text.contains("e308"), "{text}");
    }

    #[test]
    fn threads_render_at_the_same_time() {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                std::thread::spawn(move || {
                    let spec = PlotSpec::line(vec![Series::new(wave(100 + i))]).with_title(format!("thread {i}"));
                    render(&spec).map(|r| r.bytes.len())
                })
            })
            .collect();
        for h in handles {
            assert!(h.join().expect("no panic").expect("render") > 1000);
        }
    }
}
