//! Whole-process time of `pshell -n 2 -e 'px("1")'` and of
//! `mpirun -n 3 pshell -e 'px("1")'` (median of several runs), with `mpirun -n 3 true`
//! as the floor of the second. Usage: `startup [PSHELL]` (default
//! `target/release/pshell`); `scripts/bench.sh` builds pshell with `--features mpi`
//! and passes it. MPI figures are skipped when `mpirun` is not on the PATH.

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
    // `cargo bench` passes `--bench`; anything else is the pshell to run.
    let pshell =
        std::env::args().skip(1).find(|a| !a.starts_with("--")).unwrap_or_else(|| "target/release/pshell".into());
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
    let (floor, out) = time_runs(|| {
        let mut c = Command::new("mpirun");
        c.args(["-n", "3", "true"]);
        c
    });
    check("mpirun -n 3 true", &out, "");
    let (mpi, out) = time_runs(|| {
        let mut c = Command::new("mpirun");
        c.args(["-n", "3", &pshell, "-e", "px(\"1\")"]);
        c
    });
    check("mpirun -n 3 pshell", &out, "[1, 1]");
    println!(
        "MPI whole process mpirun -n 3 pshell -e 'px(\"1\")': median {:.0} ms of {RUNS} runs (target <= 300 ms) {}",
        ms(mpi),
        verdict(ms(mpi) <= 300.0)
    );
    println!(
        "MPI whole process mpirun -n 3 true (floor of the launcher): median {:.0} ms; pshell = {:.2} x the bare launch, {:.0} ms more INFO",
        ms(floor),
        mpi.as_secs_f64() / floor.as_secs_f64(),
        ms(mpi) - ms(floor)
    );
}
