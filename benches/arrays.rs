//! NumPy-style array operations on 2 engine threads against a single-threaded Rust loop
//! over the same data, both measured in this run (release build):
//!
//! - `a.cumsum()` of 10^8 f64 on a block-distributed DistArray (target ≥ 1.5× the loop;
//!   `np.cumsum` took 0.41 s here): each engine scans its shard, the shard totals are
//!   scanned across the engines, and the second engine adds its carry.
//!
//! The loop is a plain running sum written into a new vector (what `np.cumsum` does);
//! engine times are measured inside the engines after a barrier (the slowest counts).
//! Other array benchmarks (sort: `benches/sort.rs`) may add sections here.
//!
//! Run: `cargo bench --bench arrays`.

mod common;

use common::{best, engines_time};
use pshell::client::Client;
use pshell::nd::random;
use pshell::runner::EngineConfig;
use std::hint::black_box;
use std::time::Instant;

fn timed(body: &str) -> String {
    // The block drops what the body made, after the clock has been read.
    format!("barrier(); let t0 = timestamp(); let dt = 0.0; {{ {body}; dt = t0.elapsed; }} dt")
}

fn report(what: &str, engines: f64, baseline: f64, target: &str) {
    println!(
        "{what:<30} 2 engines {:>8.2} ms | 1-thread loop {:>8.2} ms | ratio {:>5.2}x (target {target})",
        engines * 1e3,
        baseline * 1e3,
        baseline / engines
    );
}

fn main() {
    let (console, handles) = pshell::launch::start_engine_threads(2, EngineConfig::default()).expect("engine threads");
    let mut client = Client::connect(Box::new(console), Box::new(|_| {})).expect("engines start");

    // cumsum of 10^8 f64.
    let n = 100_000_000usize;
    client.execute("let s = da::random([100_000_000], #{seed: 3}); s.local();", &[0, 1], "bench").unwrap();
    let t_engines = best(|| engines_time(&mut client, &timed("let c = s.cumsum(); c.local()")));
    let key = random::key(3);
    let s: Vec<f64> = (0..n as u64).map(|i| random::uniform(key, i)).collect();
    let t_loop = best(|| {
        let start = Instant::now();
        let mut acc = 0.0;
        let c: Vec<f64> = s
            .iter()
            .map(|&x| {
                acc += x;
                acc
            })
            .collect();
        black_box(&c);
        start.elapsed().as_secs_f64()
    });
    report("a.cumsum() (10^8 f64)", t_engines, t_loop, ">= 1.5x");
    // The same kernel on one thread (NdArray), to tell kernel speed from parallel speed-up.
    let whole = pshell::nd::NdArray::from_vec(&[n], s.clone());
    let t_kernel = best(|| {
        let start = Instant::now();
        black_box(whole.scan(pshell::nd::scan::ScanOp::Sum, None).expect("cumsum"));
        start.elapsed().as_secs_f64()
    });
    println!("  the cumsum kernel alone on 1 thread (nd): {:.2} ms", t_kernel * 1e3);
    // The answers agree: the distributed scan differs from the sequential one only by rounding.
    let last = client.execute("s.cumsum()[[99_999_999]]", &[0, 1], "bench").unwrap();
    let seq: f64 = s.iter().sum::<f64>();
    println!("  last element: engines {:?}, sequential {seq}", last[0]);
    drop((whole, s));
    client.shutdown();
    for h in handles {
        h.join().expect("engine thread");
    }
}
