//! Linear algebra figures, every ratio against a baseline measured in this run (release):
//!
//! - 4096² f64 GEMM: `da::matmul` on 2 engine threads against one thread of the same
//!   crate's GEMM (faer, sequential), target ≥ 1.7×; GFLOP/s (2n³ / t) next to the
//!   machine's peak, stated as cores × f64 FMA lanes × 2 × clock. Operands already on
//!   the product's 1 × 2 block grid (SUMMA alone), and from the default block rows
//!   (including the redistribution of both operands).
//! - `nd::linalg::solve` 2048² and `svd` 1024² (thin, with vectors), one thread, seconds.
//! - CG on the 2-D 5-point Laplacian of 2000 × 2000 = 4·10^6 unknowns, matrix-free (a
//!   DistArray expression of `da::roll`s; periodic, so shifted by 10^-2 to be positive
//!   definite), a fixed 100 iterations on 2 engine threads against 1 engine.
//!
//! Engine times are measured inside the engines after a barrier (the slowest counts),
//! best of 3. Sizes: `PSHELL_LINALG_N` (GEMM, default 4096), `PSHELL_CG_N` (grid side,
//! default 2000). Run: `cargo bench --bench linalg` (`-- --gemm`: the GEMM rows only).
//!
//! Under `mpirun -n 3` (feature `mpi`; rank 0 is the console, 2 engines) it measures
//! the GEMM rows over the MPI transport, the serial baseline on rank 0 while the
//! engines wait.

mod common;

use pshell::client::Client;
use pshell::nd::NdArray;
use pshell::protocol::Value;
use pshell::runner::EngineConfig;
use std::time::Instant;

const REPS: usize = 3;

fn cluster(n: usize) -> Client {
    let (console, _engines) = pshell::launch::start_engine_threads(n, EngineConfig::default()).expect("engine threads");
    Client::connect(Box::new(console), Box::new(|_| {})).expect("engines start")
}

/// The slowest engine's seconds for `body`, timed inside the engines after a barrier.
fn timed(client: &mut Client, body: &str) -> f64 {
    let targets: Vec<usize> = (0..client.engines()).collect();
    let code = format!("barrier(); let t0 = timestamp(); let dt = 0.0; {{ {body}; dt = t0.elapsed; }} dt");
    let values = client.execute(&code, &targets, "bench").unwrap_or_else(|e| panic!("{body}: {e:?}"));
    values
        .iter()
        .map(|v| match v {
            Value::Float(x) => *x,
            other => panic!("{body} returned {other}"),
        })
        .fold(0.0, f64::max)
}

fn best(mut f: impl FnMut() -> f64) -> f64 {
    (0..REPS).map(|_| f()).fold(f64::INFINITY, f64::min)
}

fn setup(client: &mut Client, code: &str) {
    let targets: Vec<usize> = (0..client.engines()).collect();
    client.execute(code, &targets, "bench").unwrap_or_else(|e| panic!("{code}: {e:?}"));
}

/// (cores, MHz) from /proc.
fn machine() -> (usize, f64) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let mhz = info
        .lines()
        .find(|l| l.starts_with("cpu MHz"))
        .and_then(|l| l.split(':').nth(1))
        .and_then(|x| x.trim().parse().ok())
        .unwrap_or(0.0);
    (cores, mhz)
}

fn random(shape: &[usize], seed: u64) -> NdArray {
    let n: usize = shape.iter().product();
    let key = pshell::nd::random::key(seed);
    NdArray::from_vec(shape, (0..n as u64).map(|i| pshell::nd::random::uniform(key, i) - 0.5).collect::<Vec<f64>>())
}

/// Cores × f64 FMA throughput: `(cores, GFLOP/s of one core)`, with the report line.
fn peak() -> (usize, f64) {
    let (cores, mhz) = machine();
    // f64 lanes of the widest vectors the CPU offers (faer's pulp picks them at run time:
    // 8 with AVX-512, 4 with AVX2), 2 FMA pipes. The clock is /proc's nominal one; a VM
    // may report less than the cores run at (then a measured figure can pass "peak").
    let flags = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let lanes = if flags.contains(" avx512f") {
        8.0
    } else if flags.contains(" avx2") {
        4.0
    } else {
        2.0
    };
    let per_core = 2.0 * lanes * 2.0 * mhz / 1e3;
    println!(
        "peak f64: {cores} cores × 2 FMA pipes × {lanes} lanes × 2 flops × {:.2} GHz = {:.1} GFLOP/s ({per_core:.1} per core) INFO",
        mhz / 1e3,
        cores as f64 * per_core
    );
    (cores, per_core)
}

/// The GEMM rows: `da::matmul` on `client`'s 2 engines (`kind`: "threads" or "MPI")
/// against one thread of faer's GEMM measured here.
fn gemm_rows(client: &mut Client, kind: &str, n: usize, per_core: f64) {
    let flops = 2.0 * (n as f64).powi(3);
    // Baseline: one thread of faer's GEMM on the same sizes.
    let (a, b) = (random(&[n, n], 1), random(&[n, n], 2));
    let (ae, be) = (a.as_slice::<f64>().unwrap(), b.as_slice::<f64>().unwrap());
    let mut c = vec![0.0f64; n * n];
    let serial = best(|| {
        let t = Instant::now();
        pshell::linalg::product::gemm(&mut c, ae, be, (n, n, n), false);
        t.elapsed().as_secs_f64()
    });
    drop((a, b, c));
    let engines = client.engines();
    setup(
        client,
        &format!(
            "let a = da::random([{n}, {n}], #{{dist: [\"b\", \"b\"], grid: [1, {engines}], seed: 1}}); \
             let b = da::random([{n}, {n}], #{{dist: [\"b\", \"b\"], grid: [1, {engines}], seed: 2}}); \
             let ar = da::random([{n}, {n}], #{{seed: 3}}); let br = da::random([{n}, {n}], #{{seed: 4}}); \
             a.local(); b.local(); ar.local(); br.local();"
        ),
    );
    let on_grid = best(|| timed(client, "let c = da::matmul(a, b); c.local()"));
    let by_rows = best(|| timed(client, "let c = da::matmul(ar, br); c.local()"));
    let gf = |t: f64| flops / t / 1e9;
    println!(
        "GEMM {n}² f64  1 thread (faer)   {serial:>7.3} s {:>6.1} GFLOP/s ({:.0}% of one core's peak) INFO",
        gf(serial),
        100.0 * gf(serial) / per_core
    );
    println!(
        "da::matmul {n}² {engines} engines ({kind}), grid  {on_grid:>7.3} s {:>6.1} GFLOP/s | ratio {:.2}x (target >= 1.7x) {}",
        gf(on_grid),
        serial / on_grid,
        common::verdict(serial / on_grid >= 1.7)
    );
    println!(
        "da::matmul {n}² {engines} engines ({kind}), rows  {by_rows:>7.3} s {:>6.1} GFLOP/s | ratio {:.2}x (redistributing both operands) INFO",
        gf(by_rows),
        serial / by_rows
    );
    println!("  for scale: NumPy/OpenBLAS here 52.6 GFLOP/s on 1 thread, 100.7 on 2 (goal for 2 engines: >= 90)");
    setup(client, "a = (); b = (); ar = (); br = ();");
}

fn gemm_size() -> usize {
    std::env::var("PSHELL_LINALG_N").ok().and_then(|s| s.parse().ok()).unwrap_or(4096)
}

/// Under `mpirun -n 3` (2 engines): the GEMM rows over the MPI transport.
#[cfg(feature = "mpi")]
fn mpi_main() {
    if let Some(mut client) = common::mpi_console("MPI linalg benchmark") {
        let (_, per_core) = peak();
        gemm_rows(&mut client, "MPI", gemm_size(), per_core);
    }
}

fn main() {
    if common::under_mpi() {
        #[cfg(feature = "mpi")]
        mpi_main();
        #[cfg(not(feature = "mpi"))]
        println!("MPI linalg benchmark skipped: build with `--features mpi`");
        return;
    }
    let gemm_only = std::env::args().any(|a| a == "--gemm");
    let (_, per_core) = peak();
    let mut two = cluster(2);
    gemm_rows(&mut two, "threads", gemm_size(), per_core);
    if gemm_only {
        return;
    }

    // One thread: solve and svd.
    let m = random(&[2048, 2048], 5);
    let rhs = random(&[2048], 6);
    let t_solve = best(|| {
        let t = Instant::now();
        pshell::linalg::decomp::solve(&m, &rhs).expect("solve");
        t.elapsed().as_secs_f64()
    });
    let s = random(&[1024, 1024], 7);
    let t_svd = best(|| {
        let t = Instant::now();
        pshell::linalg::decomp::svd(&s, false, true).expect("svd");
        t.elapsed().as_secs_f64()
    });
    println!(
        "nd::linalg::solve 2048² 1 thread {t_solve:>7.3} s (NumPy 1 thread here: 0.18 s) | ratio {:.2}x INFO",
        0.18 / t_solve
    );
    println!(
        "nd::linalg::svd 1024² 1 thread   {t_svd:>7.3} s (NumPy 1 thread here: 0.48 s) | ratio {:.2}x INFO",
        0.48 / t_svd
    );

    // CG on a 2-D Laplacian, matrix-free, 2 engines against 1.
    let g: usize = std::env::var("PSHELL_CG_N").ok().and_then(|s| s.parse().ok()).unwrap_or(2000);
    let prep = format!(
        "let op = |v| v * 4.01 - da::roll(v, 1, 0) - da::roll(v, -1, 0) - da::roll(v, 1, 1) - da::roll(v, -1, 1); \
         let rhs = da::random([{g}, {g}], #{{seed: 8}}); rhs.local();"
    );
    let body = "let s = da::linalg::cg(op, rhs, #{tol: 0.0, maxiter: 100}); if s[1] != 100 { throw \"iterations\" }";
    setup(&mut two, &prep);
    let cg2 = best(|| timed(&mut two, body));
    drop(two);
    let mut one = cluster(1);
    setup(&mut one, &prep);
    let cg1 = best(|| timed(&mut one, body));
    println!(
        "cg 2-D Laplacian {g}² ({:.1e} unknowns), 100 iterations: 2 engines {cg2:.3} s ({:.1} ms/it) | 1 engine {cg1:.3} s | ratio {:.2}x INFO",
        (g * g) as f64,
        cg2 * 10.0,
        cg1 / cg2
    );
}
