//! Whole-process time of `pshell -n 2 -e 'px("1")'` and of
//! `mpirun -n 3 pshell -e 'px("1")'` (median of several runs). For context: the floor
//! of the second, `mpirun -n 3` of a program that only initializes and finalizes MPI
//! (the `mpi` bench with `--init-only`), and the same pshell run with Open MPI told to
//! use its ob1 messaging layer (`OMPI_MCA_pml=ob1`), which skips the probing of network
//! layers that dominates MPI_Init on a single machine.
//!
//! Usage: `startup [PSHELL [MPI_BENCH]]` (default `target/release/pshell`);
//! `scripts/bench.sh` builds both with `--features mpi` and passes them. MPI figures are
//! skipped when `mpirun` is not on the PATH or pshell was built without MPI.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const RUNS: usize = 10;

/// Runs `cmd` once (untimed) and then `RUNS` times; the median wall time, and the
/// output of the last run.
fn time_runs(mut make: impl FnMut() -> Command) -> (Duration, Output) {
    let mut last = make().output().expect("start the command");
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        last = make().output().expect("start the command");
        times.push(t.elapsed());
    }
    times.sort();
    (times[RUNS / 2], last)
}

/// Checks that a `px("1")` run succeeded and printed the value of every engine.
fn check(what: &str, out: &Output, expected: &str) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || stdout.trim() != expected {
        eprintln!(
            "{what}: unexpected result: {} stdout {stdout:?} stderr {:?}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        std::process::exit(1);
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "MISS"
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    // `cargo bench` passes `--bench`; the other arguments are paths.
    let paths: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let pshell = paths.first().cloned().unwrap_or_else(|| "target/release/pshell".into());
    let mpi_bench = paths.get(1);
    if !Path::new(&pshell).exists() {
        println!(
            "startup benchmark skipped: {pshell} does not exist (build it with `cargo build --release --features mpi`)"
        );
        return;
    }

    let (threads, out) = time_runs(|| {
        let mut c = Command::new(&pshell);
        c.args(["-n", "2", "-e", "px(\"1\")"]);
        c
    });
    check("pshell -n 2", &out, "[1, 1]");
    println!(
        "threads whole process pshell -n 2 -e 'px(\"1\")': median {:.1} ms of {RUNS} runs (target <= 50 ms) {}",
        ms(threads),
        verdict(ms(threads) <= 50.0)
    );

    let has_mpirun = Command::new("mpirun").arg("--version").output().is_ok_and(|o| o.status.success());
    if !has_mpirun {
        println!("MPI whole process: skipped, mpirun not found");
        return;
    }
    let (mpi, out) = time_runs(|| {
        let mut c = Command::new("mpirun");
        c.args(["-n", "3", &pshell, "-e", "px(\"1\")"]);
        c
    });
    if !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("without MPI") {
        println!("MPI whole process: skipped, {pshell} was built without feature mpi");
        return;
    }
    check("mpirun -n 3 pshell", &out, "[1, 1]");
    println!(
        "MPI whole process mpirun -n 3 pshell -e 'px(\"1\")': median {:.0} ms of {RUNS} runs (target <= 300 ms) {}",
        ms(mpi),
        verdict(ms(mpi) <= 300.0)
    );
    if let Some(bench) = mpi_bench {
        let (floor, out) = time_runs(|| {
            let mut c = Command::new("mpirun");
            c.args(["-n", "3", bench, "--init-only"]);
            c
        });
        check("mpirun -n 3 mpi --init-only", &out, "");
        println!(
            "MPI whole process floor, mpirun -n 3 of MPI_Init + MPI_Finalize only: median {:.0} ms; pshell = {:.2} x the floor, {:+.0} ms INFO",
            ms(floor),
            mpi.as_secs_f64() / floor.as_secs_f64(),
            ms(mpi) - ms(floor)
        );
    }
    let (ob1, out) = time_runs(|| {
        let mut c = Command::new("mpirun");
        c.args(["-n", "3", &pshell, "-e", "px(\"1\")"]);
        c.env("OMPI_MCA_pml", "ob1");
        c
    });
    check("OMPI_MCA_pml=ob1 mpirun -n 3 pshell", &out, "[1, 1]");
    println!(
        "MPI whole process OMPI_MCA_pml=ob1 mpirun -n 3 pshell -e 'px(\"1\")' (Open MPI skips probing network layers): median {:.0} ms of {RUNS} runs, {:.2} x the default INFO",
        ms(ob1),
        ob1.as_secs_f64() / mpi.as_secs_f64()
    );
}
