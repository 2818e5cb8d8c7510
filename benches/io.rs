//! `.npy` save and load of 2^27 f64 (1 GiB) on 2 engine threads against one thread
//! writing and reading the same bytes with `std::fs` in the same run, in GB/s and as a
//! ratio (goal ≥ 0.9×: the file system, not pshell, is the limit); the same for raw
//! binary (`tofile`, `fromfile`) and a stored `.npz` member (written by one engine with
//! `nd::save_npz`, read by both with `da::load_npz`). The files live in the target
//! folder, so these are page-cache figures on this kind of machine.
//!
//! `da::loadtxt` of a ~210 MB numeric CSV (3.5e6 rows × 4 columns) on 2 engines
//! against one thread parsing the same file with the same `csv` crate (byte records,
//! `str::parse::<f64>`), as a ratio (goal ≥ 1.7×). `PSHELL_IO_BENCH_CSV_ROWS` changes
//! the rows.
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

/// Writes `rows` rows of 4 varied numbers, the kind an instrument writes.
fn write_csv(path: &std::path::Path, rows: usize) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).expect("csv"));
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..rows {
        let mut v = [0.0; 4];
        for e in &mut v {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            *e = (x >> 11) as f64 / (1u64 << 53) as f64 * 2000.0 - 1000.0;
        }
        writeln!(w, "{:.9},{:.6},{:.9e},{:.3}", v[0], v[1], v[2], v[3]).expect("write csv");
    }
    w.flush().expect("flush csv");
}

/// The baseline: one thread parses the file with the `csv` crate (the values and their
/// rows).
fn parse_one_thread(path: &std::path::Path) -> (Vec<f64>, usize) {
    let mut r = csv::ReaderBuilder::new().has_headers(false).quoting(false).from_path(path).expect("open csv");
    let mut rec = csv::ByteRecord::new();
    let (mut values, mut rows) = (Vec::new(), 0);
    while r.read_byte_record(&mut rec).expect("read csv") {
        for f in rec.iter() {
            values.push(std::str::from_utf8(f).expect("utf-8").parse::<f64>().expect("a number"));
        }
        rows += 1;
    }
    (values, rows)
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

    let bin = dir.join("a.bin").display().to_string();
    let tofile = best(|| engines_time(&mut client, &timed(&format!("a.tofile(\"{bin}\")"))));
    let fromfile = best(|| {
        engines_time(&mut client, &timed(&format!("let b = da::fromfile(\"{bin}\", \"f64\", [{n}]); b.local();")))
    });
    report("tofile (raw, block)", tofile, fs_write, bytes, 0.9);
    report("fromfile (raw, block)", fromfile, fs_read, bytes, 0.9);
    let _ = std::fs::remove_file(&bin);

    // One engine writes a stored archive of an NdArray; both read their shards of it.
    let npz = dir.join("a.npz").display().to_string();
    client.execute("let x = if rank() == 0 { a.local() } else { 0 }; 0", &[0, 1], "npz setup").expect("npz setup");
    let save_npz =
        best(|| engines_time(&mut client, &timed(&format!("if rank() == 0 {{ nd::save_npz(\"{npz}\", #{{a: x}}) }}"))));
    let load_npz =
        best(|| engines_time(&mut client, &timed(&format!("let b = da::load_npz(\"{npz}\", \"a\"); b.local();"))));
    // The archive holds engine 0's shard: half the bytes.
    report("save_npz (half, 1 engine)", save_npz, fs_write / 2.0, bytes / 2.0, 0.9);
    report("load_npz (half, stored)", load_npz, fs_read / 2.0, bytes / 2.0, 0.9);
    client.execute("x = 0; 0", &[0, 1], "npz done").expect("npz done");
    let _ = std::fs::remove_file(&npz);

    let rows: usize = std::env::var("PSHELL_IO_BENCH_CSV_ROWS").ok().and_then(|s| s.parse().ok()).unwrap_or(3_500_000);
    let csv_path = dir.join("big.csv");
    write_csv(&csv_path, rows);
    let csv_bytes = std::fs::metadata(&csv_path).expect("csv size").len() as f64;
    let mut parsed = (Vec::new(), 0);
    let one = best(|| {
        let start = Instant::now();
        parsed = parse_one_thread(&csv_path);
        start.elapsed().as_secs_f64()
    });
    assert_eq!((parsed.0.len(), parsed.1), (rows * 4, rows), "baseline parse");
    let sum: f64 = parsed.0.iter().sum();
    drop(parsed);
    let p = csv_path.display().to_string();
    let loadtxt = best(|| {
        engines_time(&mut client, &timed(&format!("let t = da::loadtxt(\"{p}\", #{{delimiter: \",\"}}); t.local();")))
    });
    let check = client.execute(
        &format!("let t = da::loadtxt(\"{p}\", #{{delimiter: \",\"}}); [t.shape, t.sum()]"),
        &[0],
        "check",
    );
    let check = format!("{:?}", check.expect("loadtxt check"));
    assert!(check.contains(&format!("Int({rows}), Int(4)")), "loadtxt shape: {check}");
    let ratio = one / loadtxt;
    println!(
        "{:<26} 2 engines {:>8.1} ms {:>5.0} MB/s | 1-thread csv crate {:>8.1} ms {:>5.0} MB/s | ratio {ratio:>5.2}x (goal >= 1.7x) {}",
        format!("da::loadtxt ({:.0} MB CSV)", csv_bytes / 1e6),
        loadtxt * 1e3,
        csv_bytes / loadtxt / 1e6,
        one * 1e3,
        csv_bytes / one / 1e6,
        common::verdict(ratio >= 1.7)
    );
    println!("  (sum of the values: one thread {sum:.6e}, engines {check})");
    let _ = std::fs::remove_file(&csv_path);
    drop(client);
    for h in handles {
        let _ = h.join();
    }
}
