//! DistArray throughput on 2 engine threads against a single-threaded Rust loop over
//! the same total data, both measured in this run (release build):
//!
//! - `c = a * b + a` on 2×10^7 f64 (target ≥ 1.6× the loop);
//! - `a.sum()` over 10^8 f64 (target ≥ 1.6×);
//! - `da::random` of 10^8 (target ≥ 1.8×);
//! - redistribution `["b","n"] → ["c","n"]` of a 4096×4096 f64 array (≥ 1 GB/s per engine);
//! - resident memory of the engines against the bytes their shards hold (≤ N + 32 MiB);
//! - the STREAM triad on 1 and 2 threads, the memory ceiling the others are read against.
//!
//! Engine times are measured inside the engines (the slowest engine counts) after a
//! barrier, so they include computing pending expressions but not the round trip. The
//! loops are written as well as the kernels (8 accumulators for the sum), so the ratios
//! measure the parallel speed-up, not a better algorithm.
//!
//! Run: `cargo bench --bench distarray`.

mod common;

use pshell::client::Client;
use pshell::nd::random;
use pshell::runner::EngineConfig;
use std::hint::black_box;
use std::time::Instant;

use common::{best, engines_time};

fn timed(body: &str) -> String {
    // The block drops what the body made, after the clock has been read.
    format!("barrier(); let t0 = timestamp(); let dt = 0.0; {{ {body}; dt = t0.elapsed; }} dt")
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|x| x.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn report(what: &str, engines: f64, baseline: f64, bytes: f64, target: &str) {
    println!(
        "{what:<34} 2 engines {:>8.2} ms {:>6.1} GB/s | 1-thread loop {:>8.2} ms {:>6.1} GB/s | ratio {:>5.2}x (target {target})",
        engines * 1e3,
        bytes / engines / 1e9,
        baseline * 1e3,
        bytes / baseline / 1e9,
        baseline / engines
    );
}

fn triad(threads: usize, n: usize) -> f64 {
    let mut a = pshell::nd::store::zeroed::<f64>(n);
    let mut b = pshell::nd::store::zeroed::<f64>(n);
    let mut c = pshell::nd::store::zeroed::<f64>(n);
    b.iter_mut().for_each(|x| *x = 1.0);
    c.iter_mut().for_each(|x| *x = 2.0);
    let chunk = n.div_ceil(threads);
    let t = best(|| {
        let start = Instant::now();
        std::thread::scope(|s| {
            for ((a, b), c) in a.chunks_mut(chunk).zip(b.chunks(chunk)).zip(c.chunks(chunk)) {
                s.spawn(move || {
                    for ((a, b), c) in a.iter_mut().zip(b).zip(c) {
                        *a = b + 3.0 * c;
                    }
                });
            }
        });
        start.elapsed().as_secs_f64()
    });
    black_box(&a);
    24.0 * n as f64 / t / 1e9
}

fn main() {
    let (console, handles) = pshell::launch::start_engine_threads(2, EngineConfig::default()).expect("engine threads");
    let mut client = Client::connect(Box::new(console), Box::new(|_| {})).expect("engines start");

    // Writing a new 80 MB buffer: fresh from the kernel (what every new array paid before
    // memory::cache), with and without huge pages, and a block the cache reuses.
    const N: usize = 10_000_000;
    let fresh = |advise: bool| {
        best(|| {
            use std::alloc::{GlobalAlloc, Layout, System};
            let layout = Layout::array::<f64>(N).expect("layout");
            let start = Instant::now();
            // SAFETY: a non-zero layout; every element is written before the block is
            // read, and it is freed with the layout it was allocated with.
            unsafe {
                let p = System.alloc(layout).cast::<f64>();
                assert!(!p.is_null(), "out of memory");
                if advise {
                    pshell::memory::advise_range(p as usize, layout.size());
                }
                (0..N).for_each(|i| p.add(i).write(i as f64));
                black_box(p);
                System.dealloc(p.cast(), layout);
            }
            start.elapsed().as_secs_f64()
        })
    };
    let reused = best(|| {
        let start = Instant::now();
        let v: Vec<f64> = (0..N).map(|i| i as f64).collect();
        black_box(&v);
        start.elapsed().as_secs_f64()
    });
    let (plain, huge) = (fresh(false), fresh(true));
    println!(
        "first write of 10^7 f64: fresh from the kernel {:.1} GB/s, fresh with huge pages advised {:.1} GB/s, a reused block {:.1} GB/s",
        8e7 / plain / 1e9,
        8e7 / huge / 1e9,
        8e7 / reused / 1e9
    );
    let ceiling1 = triad(1, 20_000_000);
    let ceiling2 = triad(2, 20_000_000);
    println!("STREAM triad (2x10^7 f64, huge pages): 1 thread {ceiling1:.1} GB/s, 2 threads {ceiling2:.1} GB/s");

    // c = a * b + a on 2x10^7 elements in total.
    let n = 20_000_000;
    client.execute("let a = da::random([20_000_000], #{seed: 1}); let b = da::random([20_000_000], #{seed: 2}); a.local(); b.local();", &[0, 1], "bench").unwrap();
    let t_engines = best(|| engines_time(&mut client, &timed("let c = a * b + a; c.local()")));
    // Freed shards wait a moment for reuse (memory::cache); the rule is about what an
    // engine holds once they have gone back, so measure after that.
    let waiting_mib = pshell::memory::cache::waiting_bytes() as f64 / (1 << 20) as f64;
    std::thread::sleep(pshell::memory::cache::DECAY + std::time::Duration::from_secs(1));
    let rss_before = rss_mib();
    client.execute("let c = a * b + a; c.local();", &[0, 1], "bench").unwrap();
    let rss_after = rss_mib();
    let key = random::key(1);
    let a: Vec<f64> = (0..n as u64).map(|i| random::uniform(key, i)).collect();
    let b: Vec<f64> = (0..n as u64).map(|i| random::uniform(key, i + 7)).collect();
    let t_loop = best(|| {
        let start = Instant::now();
        let c: Vec<f64> = a.iter().zip(&b).map(|(&x, &y)| x * y + x).collect();
        black_box(&c);
        start.elapsed().as_secs_f64()
    });
    report("c = a * b + a (2x10^7 f64)", t_engines, t_loop, 24.0 * n as f64, ">= 1.6x");
    let shard_mib = 3.0 * 8.0 * n as f64 / (1 << 20) as f64;
    println!(
        "memory: a, b, c hold {shard_mib:.0} MiB of shards; process resident {rss_after:.0} MiB (a, b only: {rss_before:.0} MiB; c added {:.0} MiB for its {:.0} MiB)",
        rss_after - rss_before,
        shard_mib / 3.0
    );
    println!(
        "  measured {:.0} s after the timed runs, whose freed shards ({waiting_mib:.0} MiB) waited for reuse until then",
        pshell::memory::cache::DECAY.as_secs_f64() + 1.0
    );
    drop((a, b));
    client.execute("a = (); b = (); c = ();", &[0, 1], "bench").unwrap();

    // sum over 10^8.
    let n = 100_000_000;
    client.execute("let s = da::random([100_000_000], #{seed: 3}); s.local();", &[0, 1], "bench").unwrap();
    let t_engines = best(|| engines_time(&mut client, &timed("s.sum()")));
    let key = random::key(3);
    let s: Vec<f64> = (0..n as u64).map(|i| random::uniform(key, i)).collect();
    let t_loop = best(|| {
        let start = Instant::now();
        let mut acc = [0.0f64; 8];
        for c in s.chunks_exact(8) {
            for j in 0..8 {
                acc[j] += c[j];
            }
        }
        black_box(acc.iter().sum::<f64>());
        start.elapsed().as_secs_f64()
    });
    report("a.sum() (10^8 f64)", t_engines, t_loop, 8.0 * n as f64, ">= 1.6x");
    // The same kernel on one thread, to tell kernel speed from parallel speed-up.
    let whole = pshell::nd::NdArray::from_vec(&[n], s.clone());
    let t_kernel = best(|| {
        let start = Instant::now();
        black_box(whole.reduce(pshell::nd::reduce::Reduction::Sum).expect("sum"));
        start.elapsed().as_secs_f64()
    });
    println!(
        "  the sum kernel alone on 1 thread: {:.2} ms, {:.1} GB/s",
        t_kernel * 1e3,
        8.0 * n as f64 / t_kernel / 1e9
    );
    drop(whole);
    drop(s);
    client.execute("s = ();", &[0, 1], "bench").unwrap();

    // da::random of 10^8.
    let t_engines =
        best(|| engines_time(&mut client, &timed("let r = da::random([100_000_000], #{seed: 4}); r.local()")));
    let key = random::key(4);
    let t_loop = best(|| {
        let start = Instant::now();
        let v: Vec<f64> = (0..n as u64).map(|i| random::uniform(key, i)).collect();
        black_box(&v);
        start.elapsed().as_secs_f64()
    });
    report("da::random (10^8 f64)", t_engines, t_loop, 8.0 * n as f64, ">= 1.8x");

    // Redistribution b -> c of 4096x4096.
    client.execute("let m = da::random([4096, 4096], #{seed: 5}); m.local();", &[0, 1], "bench").unwrap();
    let t = best(|| engines_time(&mut client, &timed("let r = m.redistribute([\"c\", \"n\"]); r.local()")));
    let per_engine = 4096.0 * 4096.0 * 8.0 / 2.0;
    println!(
        "redistribute [b,n] -> [c,n] 4096x4096 f64: {:.2} ms, {:.2} GB/s per engine (target >= 1 GB/s per engine)",
        t * 1e3,
        per_engine / t / 1e9
    );
    client.shutdown();
    for h in handles {
        h.join().expect("engine thread");
    }
}
