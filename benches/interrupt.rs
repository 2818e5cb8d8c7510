//! Interrupt latency inside native kernels (issue 15 §4): on 2 engine threads, each
//! kernel runs in a Rhai loop (`loop { BODY }`), the console interrupts it after a delay
//! that varies from trial to trial (so the interrupt lands in different phases of the
//! kernel), and the time from `client.interrupt` to every engine's reply is measured.
//! Baseline in the same run: the same for a bare `loop {}` (Rhai's own progress check).
//! Target: every kernel's median ≤ 100 ms; the ratio to `loop {}` is given for context.
//!
//! Kernels: an elementwise expression over 4·10^7 f64, a reduction of the same, `cumsum`,
//! `sort` of 2^25 f64, `fft2` of an 8192² c128 array, `da::matmul` of 4096² f64 and a
//! redistribution of 4·10^7 elements from block to cyclic.
//!
//! Run: `cargo bench --bench interrupt` (by `scripts/bench.sh`; about a minute, most of
//! it building the inputs).

mod common;

use common::{counting_sink, Stats};
use pshell::client::Client;
use pshell::runner::EngineConfig;
use std::time::Duration;

const TRIALS: usize = 5;
const TARGET_MS: f64 = 100.0;

/// `(name, set-up run once, the loop's body)`.
const KERNELS: &[(&str, &str, &str)] = &[
    ("elementwise a * 2.0 + 1.0, 4e7 f64", "let a = da::random([40000000]);", "let b = (a * 2.0 + 1.0).local();"),
    ("reduction a.sum(), 4e7 f64", "", "let b = a.sum();"),
    ("cumsum, 4e7 f64", "", "let b = a.cumsum();"),
    ("redistribute block -> cyclic, 4e7 f64", "", "let b = a.redistribute([\"c\"]);"),
    ("sort, 2^25 f64", "let s = da::random([33554432]);", "let b = s.sort();"),
    ("fft2, 8192^2 c128", "let c = da::random([8192, 8192]).astype(\"c128\");", "let b = da::fft2(c);"),
    ("da::matmul, 4096^2 f64", "let m = da::random([4096, 4096]);", "let b = da::matmul(m, m);"),
];

fn main() {
    let (console_end, handles) =
        pshell::launch::start_engine_threads(2, EngineConfig::default()).expect("spawn engine threads");
    let (printed, sink) = counting_sink();
    let mut client = Client::connect(Box::new(console_end), sink).expect("engines say hello");
    let targets = common::all_engines(&client);
    let delays = [5, 60, 150, 320, 700].map(Duration::from_millis);

    let base = common::interrupt_latency_of(&mut client, &printed, "", &delays[..1].repeat(20));
    let line = |name: &str, s: &Stats, ratio: Option<f64>| {
        let ratio = ratio.map_or(String::new(), |r| format!(", {r:.1}x loop {{}}'s"));
        println!(
            "threads interrupt inside {name}, 2 engines, interrupt -> replies: median {:.2} ms, max {:.2} ms over {} trials{ratio} (target median <= {TARGET_MS} ms) {}",
            s.median() / 1e3,
            s.max() / 1e3,
            s.len(),
            common::verdict(s.median() / 1e3 <= TARGET_MS)
        );
    };
    line("loop {} (baseline)", &base, None);
    for (name, setup, body) in KERNELS {
        if !setup.is_empty() {
            client.execute(setup, &targets, "bench").unwrap_or_else(|e| panic!("{setup}: {e:?}"));
        }
        let s = common::interrupt_latency_of(&mut client, &printed, body, &delays[..TRIALS]);
        line(name, &s, Some(s.median() / base.median()));
    }
    drop(client);
    for h in handles {
        h.join().expect("engine thread ends cleanly");
    }
}
