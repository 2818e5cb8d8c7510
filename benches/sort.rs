//! Distributed sort against one thread's sort, both measured in this run (release build):
//!
//! - `a.sort()` of a 1-d f64 DistArray of 2^26 random values (`PSHELL_SORT_LOG2` to
//!   change) on 2 engine threads: the sample sort (local sort, splitters, one
//!   all-to-all, merge) and the final rebalance to balanced blocks;
//! - the baseline: `sort_unstable_by(f64::total_cmp)` of the same number of values on
//!   one thread (target: the engines >= 1.5x faster; NumPy's `np.sort` takes 5.3 s for
//!   2^26 on this machine).
//!
//! Engine times are measured inside the engines after a barrier (the slowest counts);
//! the two are timed alternately, best of `REPS` each, so both see the same load.
//!
//! Run: `cargo bench --bench sort`.

mod common;

use common::engines_time;
use pshell::client::Client;
use pshell::runner::EngineConfig;
use std::hint::black_box;
use std::time::Instant;

const REPS: usize = 3;

fn main() {
    let log2: u32 = std::env::var("PSHELL_SORT_LOG2").ok().and_then(|s| s.parse().ok()).unwrap_or(26);
    let n = 1usize << log2;
    let (console, handles) = pshell::launch::start_engine_threads(2, EngineConfig::default()).expect("engine threads");
    let mut client = Client::connect(Box::new(console), Box::new(|_| {})).expect("engines start");
    client.execute(&format!("let a = da::random([{n}], #{{seed: 3}}); a.local();"), &[0, 1], "bench").expect("setup");

    // The same kind of values for the baseline (uniform in [0, 1), from a fixed LCG).
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let original: Vec<f64> = (0..n)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect();
    let mut data = original.clone();
    let (mut t_engines, mut t_serial) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..REPS {
        let t = engines_time(
            &mut client,
            "barrier(); let t0 = timestamp(); let dt = 0.0; { let s = a.sort(); s.local(); dt = t0.elapsed; } dt",
        );
        t_engines = t_engines.min(t);
        data.copy_from_slice(&original);
        let start = Instant::now();
        data.sort_unstable_by(f64::total_cmp);
        black_box(&data);
        t_serial = t_serial.min(start.elapsed().as_secs_f64());
    }
    let sizes = client.execute("a.sort().local_shape[0]", &[0, 1], "bench").expect("sizes");
    client.execute("a = ();", &[0, 1], "bench").expect("free");
    println!(
        "sort 2^{log2} f64: 2 engines {t_engines:.3} s | one thread sort_unstable_by(total_cmp) {t_serial:.3} s | ratio {:.2}x (target >= 1.5x) | shard sizes {sizes:?}",
        t_serial / t_engines
    );
    drop(client);
    for h in handles {
        let _ = h.join();
    }
}
