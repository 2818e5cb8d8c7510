//! Distributed FFT against serial rustfft, both measured in this run (release build):
//!
//! - `da::fft2` of an n×n c128 array (n = 4096 unless `PSHELL_FFT_N` says otherwise) on
//!   2 engine threads, block rows, result back in the input's layout — so it includes
//!   both global transposes (target ≥ 1.5× the serial 2-D FFT);
//! - the serial 2-D FFT on one thread: row FFTs, a cache-blocked transpose, row FFTs, a
//!   transpose back, with the same rustfft (the baseline the issue names);
//! - `da::fft` of a 1-d c128 vector of 2^24 points (`PSHELL_FFT1D_LOG2` to change) on
//!   2 engine threads, block layout in and out (three all-to-alls), and with
//!   `keep_layout: false` (two), against serial rustfft of the same length in one call
//!   (target >= 1.3x).
//!
//! Engine times are measured inside the engines after a barrier (the slowest counts).
//! fft2 and the serial 2-D FFT are timed alternately, best of 5 each; then
//! `keep_layout: false` and the phases one by one (row FFTs into a new array, the
//! transpose, column FFTs in place, the transpose back — the unfused path, which
//! `keep_layout: false` takes — and the fused column pass fft2 runs instead of the
//! last three), next to the serial phases, so the output says where the time goes.
//!
//! Run: `cargo bench --bench fft`.

mod common;

use pshell::client::Client;
use pshell::runner::{self, EngineConfig};
use pshell::transport::threads;
use rustfft::num_complex::Complex;
use rustfft::FftPlanner;
use std::hint::black_box;
use std::time::Instant;

use common::{best, engines_time, BEST_OF as REPS};

/// `dst` (cols × rows) = the transpose of `src` (rows × cols), in 32×32 tiles.
fn transpose(src: &[Complex<f64>], dst: &mut [Complex<f64>], rows: usize, cols: usize) {
    const T: usize = 32;
    for r0 in (0..rows).step_by(T) {
        for c0 in (0..cols).step_by(T) {
            for r in r0..(r0 + T).min(rows) {
                for c in c0..(c0 + T).min(cols) {
                    dst[c * rows + r] = src[r * cols + c];
                }
            }
        }
    }
}

fn main() {
    let n: usize = std::env::var("PSHELL_FFT_N").ok().and_then(|s| s.parse().ok()).unwrap_or(4096);
    let (console, ends) = threads::cluster(2);
    let handles: Vec<_> = ends
        .into_iter()
        .map(|end| std::thread::spawn(move || runner::run(Box::new(end), EngineConfig::default())))
        .collect();
    let mut client = Client::connect(Box::new(console), Box::new(|_| {})).expect("engines start");

    let setup =
        format!("let a = da::random([{n}, {n}], #{{dist: [\"b\", \"n\"], seed: 1}}).astype(\"c128\"); a.local();");
    client.execute(&setup, &[0, 1], "bench").expect("setup");
    // Each timed block starts after a barrier and ends with the elapsed seconds.
    let timed_once = |client: &mut Client, prep: &str, body: &str| {
        engines_time(
            client,
            &format!("{prep} barrier(); let t0 = timestamp(); let dt = 0.0; {{ let f = {body}; f.local(); dt = t0.elapsed; }} dt"),
        )
    };
    let timed = |client: &mut Client, prep: &str, body: &str| best(|| timed_once(client, prep, body));

    // The serial 2-D FFT: row FFTs, blocked transpose, row FFTs, transpose back.
    let mut planner = FftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(n);
    let mut scratch = vec![Complex::default(); fft.get_inplace_scratch_len()];
    let mut data: Vec<Complex<f64>> = (0..n * n).map(|i| Complex::new((i % 17) as f64, 0.0)).collect();
    let mut other = vec![Complex::default(); n * n];
    let (mut s_fft, mut s_tr) = (f64::INFINITY, f64::INFINITY);
    let mut serial = || {
        let start = Instant::now();
        fft.process_with_scratch(&mut data, &mut scratch);
        let t1 = Instant::now();
        transpose(&data, &mut other, n, n);
        let t2 = Instant::now();
        fft.process_with_scratch(&mut other, &mut scratch);
        let t3 = Instant::now();
        transpose(&other, &mut data, n, n);
        black_box(&data);
        let end = Instant::now();
        s_fft = s_fft.min((t1 - start).as_secs_f64() + (t3 - t2).as_secs_f64());
        s_tr = s_tr.min((t2 - t1).as_secs_f64() + (end - t3).as_secs_f64());
        (end - start).as_secs_f64()
    };
    // The two are measured alternately, so that both see the same load on a shared
    // machine; each keeps its best time.
    let (mut t_engines, mut t_serial) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..REPS {
        t_engines = t_engines.min(timed_once(&mut client, "", "da::fft2(a)"));
        t_serial = t_serial.min(serial());
    }
    let t_kept = timed(&mut client, "", "da::fft2(a, #{keep_layout: false})");
    // The phases of fft2, one at a time (`take` hands over a temporary's shard, as
    // fft2 does inside).
    let t_rows = timed(&mut client, "", "da::fft(a, 1)");
    let t_move = timed(&mut client, "", "a.redistribute([\"n\", \"b\"])");
    let t_cols = timed(&mut client, "let r = a.redistribute([\"n\", \"b\"]);", "da::fft(take(r), 0)");
    let t_back = timed(&mut client, "let r = a.redistribute([\"n\", \"b\"]);", "r.redistribute([\"b\", \"n\"])");
    // What fft2 runs after the row FFTs: the column FFTs fused with both transposes.
    let t_fused = timed(&mut client, "let r = da::fft(a, 1);", "da::fft(take(r), 0)");
    client.execute("a = ();", &[0, 1], "bench").expect("free");
    drop((data, other));
    println!(
        "fft2 {n}x{n} c128: 2 engines {t_engines:.3} s | serial rustfft 2-D (1 thread) {t_serial:.3} s | ratio {:.2}x (target >= 1.5x)",
        t_serial / t_engines
    );
    println!("  keep_layout: false (no transpose back) {t_kept:.3} s | ratio {:.2}x", t_serial / t_kept);
    println!(
        "  phases on 2 engines: row FFTs (axis 1, into a new array) {t_rows:.3} s | transpose [\"b\",\"n\"] -> [\"n\",\"b\"] {t_move:.3} s | \
         column FFTs (axis 0, in place) {t_cols:.3} s | transpose back {t_back:.3} s"
    );
    println!(
        "  fft2 = row FFTs + the column FFTs fused with both transposes (fft_pass): {t_fused:.3} s \
         (unfused: {:.3} s)",
        t_move + t_cols + t_back
    );
    println!("  phases serial: row FFTs (both passes) {s_fft:.3} s | blocked transposes (both) {s_tr:.3} s");

    let log2: u32 = std::env::var("PSHELL_FFT1D_LOG2").ok().and_then(|s| s.parse().ok()).unwrap_or(24);
    let m = 1usize << log2;
    let fft1 = planner.plan_fft_forward(m);
    let mut scratch = vec![Complex::default(); fft1.get_inplace_scratch_len()];
    let mut v: Vec<Complex<f64>> = (0..m).map(|i| Complex::new((i % 13) as f64, 0.0)).collect();
    let t_1d = best(|| {
        let start = Instant::now();
        fft1.process_with_scratch(&mut v, &mut scratch);
        black_box(&v);
        start.elapsed().as_secs_f64()
    });
    drop((v, scratch));
    let setup = format!("let v = da::random([{m}], #{{seed: 2}}).astype(\"c128\"); v.local();");
    client.execute(&setup, &[0, 1], "bench").expect("setup 1-d");
    let (hits0, fresh0) = (pshell::memory::cache::reuses(), pshell::memory::cache::fresh_blocks());
    let t_kept = best(|| {
        engines_time(
            &mut client,
            "barrier(); let t0 = timestamp(); let dt = 0.0; { let f = da::fft(v); f.local(); dt = t0.elapsed; } dt",
        )
    });
    let t_left = best(|| {
        engines_time(
            &mut client,
            "barrier(); let t0 = timestamp(); let dt = 0.0; { let f = da::fft(v, #{keep_layout: false}); f.local(); dt = t0.elapsed; } dt",
        )
    });
    let (hits, fresh) = (pshell::memory::cache::reuses() - hits0, pshell::memory::cache::fresh_blocks() - fresh0);
    client.execute("v = ();", &[0, 1], "bench").expect("free");
    println!(
        "fft 2^{log2} c128: 2 engines {t_kept:.3} s (block in and out) | serial rustfft {t_1d:.3} s | ratio {:.2}x (target >= 1.3x)",
        t_1d / t_kept
    );
    println!(
        "  with #{{keep_layout: false}} (result left \"bc:K\", one all-to-all less): {t_left:.3} s | ratio {:.2}x",
        t_1d / t_left
    );
    println!("  big blocks in these 1-d runs: {hits} reused, {fresh} new from the kernel (memory::cache) INFO");

    client.shutdown();
    for h in handles {
        let _ = h.join();
    }
}
