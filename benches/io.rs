//! `.npy` save and load of 2^27 f64 (1 GiB) on 2 engine threads against one thread
//! writing and reading the same bytes with `std::fs` in the same run, in GB/s and as a
//! ratio (goal ≥ 0.9×: the file system, not pshell, is the limit). The files live in
//! the target folder, so these are page-cache figures on this kind of machine.
//!
//! Engine times are measured inside the engines after a barrier (the slowest engine
//! counts) and include the header check, the temporary's creation and the rename.
//! `PSHELL_IO_BENCH_LOG2` changes the size (default 27).
//!
//! Run: `cargo bench --bench io`.

mod common;

use common::{best, engines_time};
use pshell::client::Client;
use pshell::runner::EngineConfig;
use std::io::{Read, Write};
use std::time::Instant;

fn timed(body: &str) -> String {
    format!("barrier(); let t0 = timestamp(); let dt = 0.0; {{ {body}; dt = t0.elapsed; }} dt")
}

fn report(what: &str, engines: f64, baseline: f64, bytes: f64, goal: f64) {
    let ratio = baseline / engines;
    println!(
        "{what:<26} 2 engines {:>8.1} ms {:>5.2} GB/s | 1-thread std::fs {:>8.1} ms {:>5.2} GB/s | ratio {ratio:>5.2}x (goal >= {goal}x) {}",
        engines * 1e3,
        bytes / engines / 1e9,
        baseline * 1e3,
        bytes / baseline / 1e9,
        common::verdict(ratio >= goal)
    );
}

fn main() {
    let log2: u32 = std::env::var("PSHELL_IO_BENCH_LOG2").ok().and_then(|s| s.parse().ok()).unwrap_or(27);
    let n = 1usize << log2;
    let bytes = (n * 8) as f64;
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("io-bench");
    std::fs::create_dir_all(&dir).expect("bench folder");
    let npy = dir.join("a.npy");
    let raw = dir.join("raw.bin");
    let (console, handles) = pshell::launch::start_engine_threads(2, EngineConfig::default()).expect("engine threads");
    let mut client = Client::connect(Box::new(console), Box::new(|_| {})).expect("engines start");
    client.execute(&format!("let a = da::random([{n}], #{{seed: 1}}); a.sum(); 0"), &[0, 1], "setup").expect("setup");

    // Baseline: one thread writes and reads the same number of bytes with std::fs.
    let data: Vec<u8> = (0..n * 8).map(|i| (i * 31) as u8).collect();
    let fs_write = best(|| {
        let start = Instant::now();
        let mut f = std::fs::File::create(&raw).expect("create");
        f.write_all(&data).expect("write");
        drop(f);
        start.elapsed().as_secs_f64()
    });
    let mut back = vec![0u8; n * 8];
    let fs_read = best(|| {
        let start = Instant::now();
        let mut f = std::fs::File::open(&raw).expect("open");
        f.read_exact(&mut back).expect("read");
        start.elapsed().as_secs_f64()
    });
    drop((data, back));
    let _ = std::fs::remove_file(&raw);

    let path = npy.display().to_string();
    let save = best(|| engines_time(&mut client, &timed(&format!("a.save(\"{path}\")"))));
    let load = best(|| engines_time(&mut client, &timed(&format!("let b = da::load(\"{path}\"); b.local();"))));
    // The loaded array is the saved one (outside the timing).
    let same = client.execute(&format!("(da::load(\"{path}\") == a).all()"), &[0, 1], "check").expect("check");
    assert!(same.iter().all(|v| matches!(v, pshell::protocol::Value::Bool(true))), "load differs: {same:?}");
    println!("io: 2^{log2} f64 ({:.2} GiB), files in {}", bytes / (1u64 << 30) as f64, dir.display());
    report("save (.npy, block)", save, fs_write, bytes, 0.9);
    report("load (.npy, block)", load, fs_read, bytes, 0.9);
    let _ = std::fs::remove_file(&npy);
    drop(client);
    for h in handles {
        let _ = h.join();
    }
}
