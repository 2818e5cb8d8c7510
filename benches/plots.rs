//! Render times of the two large plots the plots issue sets targets for, one line per
//! figure: a line plot of 10^6 points and an `imshow` of 2048x2048, each to PNG at the
//! default 640x480 (and the image also rendered at 2048x2048 pixels), with
//! the target (<= 1 s each) and PASS or MISS. The terminal preview
//! of the same data is timed too (INFO: it has no target of its own). As a baseline
//! measured in the same run, a 640x480 line plot of 1,000 points is rendered, and each
//! large figure is also given as a multiple of it.
//!
//! Run: `cargo bench --bench plots` (release build). Each figure is the best of
//! `PSHELL_BENCH_REPEAT` renders (default 3): the machine is shared, and the best run is
//! the one least disturbed by other work.

use pshell::plot::{preview_text, render, PlotSpec, Series};
use std::time::Instant;

/// The target for each large render, in seconds.
const TARGET: f64 = 1.0;

fn best_of(repeat: usize, mut f: impl FnMut()) -> f64 {
    (0..repeat)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn render_ok(spec: &PlotSpec) {
    let out = render(spec).unwrap_or_else(|e| panic!("render failed: {e}"));
    assert!(out.bytes.len() > 1000, "suspiciously small image");
}

fn verdict(seconds: f64) -> &'static str {
    if seconds <= TARGET {
        "PASS"
    } else {
        "MISS"
    }
}

fn main() {
    let repeat: usize = std::env::var("PSHELL_BENCH_REPEAT").ok().and_then(|s| s.parse().ok()).unwrap_or(3).max(1);

    let small = PlotSpec::line(vec![Series::new((0..1000).map(|i| (i as f64 * 0.01).sin()).collect())]);
    let base = best_of(repeat, || render_ok(&small));
    println!("plots: baseline line plot of 10^3 points, PNG 640x480: {:.1} ms  INFO", base * 1e3);

    let n = 1_000_000;
    let y: Vec<f64> = (0..n)
        .map(|i| {
            let t = i as f64 / n as f64;
            (t * 60.0).sin() + 0.3 * ((i * 7919) % 1000) as f64 / 1000.0
        })
        .collect();
    let line = PlotSpec::line(vec![Series::new(y)]).with_title("10^6 points");
    let t = best_of(repeat, || render_ok(&line));
    println!(
        "plots: line plot of 10^6 points, PNG 640x480: {:.1} ms ({:.0}x baseline)  target <= {:.0} ms  {}",
        t * 1e3,
        t / base,
        TARGET * 1e3,
        verdict(t)
    );
    let t = best_of(repeat, || assert!(!preview_text(&line, 100, 24).is_empty()));
    println!("plots: terminal preview of 10^6 points, 100x24 characters: {:.1} ms  INFO", t * 1e3);

    let side = 2048;
    let mut img = Vec::with_capacity(side * side);
    for r in 0..side {
        for c in 0..side {
            let (y, x) = (r as f64 / side as f64 - 0.5, c as f64 / side as f64 - 0.5);
            img.push((30.0 * (x * x + y * y).sqrt()).sin());
        }
    }
    let image = PlotSpec::image(side, side, img).with_title("2048 x 2048");
    let t = best_of(repeat, || render_ok(&image));
    println!(
        "plots: imshow 2048x2048, PNG 640x480: {:.1} ms ({:.0}x baseline)  target <= {:.0} ms  {}",
        t * 1e3,
        t / base,
        TARGET * 1e3,
        verdict(t)
    );
    let full = image.clone().with_size(2048, 2048);
    let t = best_of(repeat, || render_ok(&full));
    println!(
        "plots: imshow 2048x2048, PNG 2048x2048: {:.1} ms ({:.0}x baseline)  target <= {:.0} ms  {}",
        t * 1e3,
        t / base,
        TARGET * 1e3,
        verdict(t)
    );
    let t = best_of(repeat, || assert!(!preview_text(&image, 100, 40).is_empty()));
    println!("plots: terminal preview of 2048x2048, 100x40 characters: {:.1} ms  INFO", t * 1e3);
}
