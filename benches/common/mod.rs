//! Measurements shared by the benchmarks: round trips, a stream of `px("1")` through
//! the Rhai console, interrupt latency, and the statistics and report lines.
//!
//! Each figure is printed as one line: what was measured, the numbers, the target in
//! parentheses and PASS or MISS (INFO for figures given for context, without a target).
//! Nothing here asserts on time: a MISS is reported, never a failure.

// Every bench uses a different subset of these helpers.
#![allow(dead_code)]

use pshell::client::{Client, OutputSink};
use pshell::console::Console;
use pshell::protocol::Output;
use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Sorted samples in microseconds, with the order statistics the report uses.
pub struct Stats {
    sorted_us: Vec<f64>,
}

impl Stats {
    pub fn new(samples: &[Duration]) -> Stats {
        let mut sorted_us: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e6).collect();
        sorted_us.sort_by(f64::total_cmp);
        assert!(!sorted_us.is_empty(), "no samples");
        Stats { sorted_us }
    }

    /// The `q` quantile (0..=1), nearest rank.
    pub fn quantile(&self, q: f64) -> f64 {
        let n = self.sorted_us.len();
        let i = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
        self.sorted_us[i]
    }

    pub fn median(&self) -> f64 {
        self.quantile(0.5)
    }

    pub fn p99(&self) -> f64 {
        self.quantile(0.99)
    }

    pub fn max(&self) -> f64 {
        *self.sorted_us.last().expect("not empty")
    }

    /// How many samples.
    pub fn len(&self) -> usize {
        self.sorted_us.len()
    }
}

/// "PASS" or "MISS".
pub fn verdict(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "MISS"
    }
}

/// A sink for engines' printed output that counts the lines it receives.
pub fn counting_sink() -> (Rc<Cell<usize>>, OutputSink) {
    let count = Rc::new(Cell::new(0));
    let c = count.clone();
    (count, Box::new(move |_out: &Output| c.set(c.get() + 1)))
}

/// All engine ids of `client`.
pub fn all_engines(client: &Client) -> Vec<usize> {
    (0..client.engines()).collect()
}

/// One `client.execute(code)` on `targets`, checking that every engine answered 1.
fn px_one(client: &mut Client, targets: &[usize]) {
    let values = client.execute("1", targets, "bench").unwrap_or_else(|e| panic!("px(\"1\") failed: {e:?}"));
    assert_eq!(values.len(), targets.len(), "one value per engine");
}

/// Times `samples` round trips of `px("1")` to every engine, after `warmup` untimed ones.
pub fn round_trips(client: &mut Client, warmup: usize, samples: usize) -> Stats {
    let targets = all_engines(client);
    for _ in 0..warmup {
        px_one(client, &targets);
    }
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = Instant::now();
        px_one(client, &targets);
        times.push(t.elapsed());
    }
    Stats::new(&times)
}

/// Requests per second of `for i in 0..n { px("1") }` run by the Rhai console (each
/// `px` waits for its values, as in a script).
pub fn console_stream(console: &mut Console, n: usize) -> f64 {
    if let Err(e) = console.eval("for i in 0..200 { px(\"1\") }", "warm-up") {
        panic!("warm-up stream: {e}");
    }
    let script = format!("let last = (); for i in 0..{n} {{ last = px(\"1\"); }} last");
    let t = Instant::now();
    let last = console.eval(&script, "stream").expect("stream");
    let secs = t.elapsed().as_secs_f64();
    assert!(last.is_array(), "px returns an array, got {}", last.type_name());
    n as f64 / secs
}

/// Times `trials` interrupts of a running `loop {}` on every engine: from the moment
/// `client.interrupt` is called to the moment every engine's reply is in. `printed`
/// counts lines of engine output (from [`counting_sink`]): each trial waits until every
/// engine has printed that it is inside the loop before interrupting.
pub fn interrupt_latency(client: &mut Client, printed: &Rc<Cell<usize>>, trials: usize) -> Stats {
    interrupt_latency_of(client, printed, "", &vec![Duration::from_millis(5); trials])
}

/// [`interrupt_latency`] of `loop { BODY }`, one trial per delay: the time the loop runs
/// (after every engine said it started) before the interrupt.
pub fn interrupt_latency_of(client: &mut Client, printed: &Rc<Cell<usize>>, body: &str, delays: &[Duration]) -> Stats {
    use pshell::protocol::RequestKind;
    let targets = all_engines(client);
    let mut times = Vec::with_capacity(delays.len());
    for (trial, delay) in delays.iter().enumerate() {
        let before = printed.get();
        let code = format!("print(\"in the loop\"); loop {{ {body} }}");
        let id = client.submit(&targets, RequestKind::Execute { code: code.into(), origin: "bench".into() });
        let deadline = Instant::now() + Duration::from_secs(10);
        while printed.get() < before + targets.len() {
            assert!(Instant::now() < deadline, "engines did not start the loop");
            client.pump(Duration::from_millis(1));
        }
        // Let the loop run for a moment, as a person would before pressing Ctrl-C.
        let spin_until = Instant::now() + *delay;
        while Instant::now() < spin_until {
            client.pump(Duration::from_micros(200));
        }
        let t = Instant::now();
        client.interrupt(&targets);
        let replies = client
            .wait(id, Some(Duration::from_secs(30)))
            .unwrap_or_else(|| panic!("trial {trial}: loop {{ {body} }} not interrupted within 30 s"));
        times.push(t.elapsed());
        for r in &replies {
            match &r.outcome {
                Err(e) if e.kind == "Interrupted" || e.message.contains("interrupted") => {}
                other => panic!("trial {trial}: engine {} answered {other:?}", r.engine),
            }
        }
        // The engines carry on after an interrupt.
        px_one(client, &targets);
    }
    Stats::new(&times)
}

/// The round-trip line; without a target, `note` says why it is given. E.g.
/// `threads round trip px("1"), 2 engines: median 14.2 us, p99 31.0 us (target median <= 20 us) PASS`.
pub fn report_round_trip(transport: &str, engines: usize, s: &Stats, target_us: Option<f64>, note: &str) {
    let head = format!(
        "{transport} round trip px(\"1\"), {engines} engines: median {:.1} us, p99 {:.1} us",
        s.median(),
        s.p99()
    );
    match target_us {
        Some(t) => println!("{head} (target median <= {t} us) {}", verdict(s.median() <= t)),
        None => println!("{head} ({note}) INFO"),
    }
}

/// The stream line; the target is one request per round-trip target.
pub fn report_stream(transport: &str, engines: usize, n: usize, per_s: f64, target_rt_us: f64) {
    let target = 1e6 / target_rt_us;
    println!(
        "{transport} stream of {n} px(\"1\") from the Rhai console, {engines} engines: {per_s:.0} requests/s, {:.1} us each (target >= {target:.0} requests/s, i.e. 1 / the {target_rt_us} us round-trip target) {}",
        1e6 / per_s,
        verdict(per_s >= target)
    );
}

/// The baseline line with the ratio of the pshell round trip to it.
pub fn report_baseline(what: &str, base: &Stats, round_trip: &Stats) {
    println!(
        "{what}: median {:.1} us, p99 {:.1} us; round trip = {:.1} x the bare ping-pong (median) INFO",
        base.median(),
        base.p99(),
        round_trip.median() / base.median()
    );
}

/// The interrupt line; the target applies to every trial.
pub fn report_interrupt(transport: &str, engines: usize, s: &Stats) {
    let limit_ms = 100.0;
    println!(
        "{transport} interrupt of a running loop {{}}, {engines} engines, interrupt -> replies: median {:.2} ms, max {:.2} ms over {} trials (target max <= {limit_ms} ms) {}",
        s.median() / 1e3,
        s.max() / 1e3,
        s.sorted_us.len(),
        verdict(s.max() / 1e3 <= limit_ms)
    );
}

/// Runs of a measurement `best` takes the smallest of.
pub const BEST_OF: usize = 5;

/// The smallest of [`BEST_OF`] results of `f` (seconds).
pub fn best(mut f: impl FnMut() -> f64) -> f64 {
    (0..BEST_OF).map(|_| f()).fold(f64::INFINITY, f64::min)
}

/// Seconds the slowest of engines 0 and 1 took for `code` (which ends with the elapsed
/// seconds it measured inside the engine).
pub fn engines_time(client: &mut Client, code: &str) -> f64 {
    let values = client.execute(code, &[0, 1], "bench").unwrap_or_else(|e| panic!("{code}: {e:?}"));
    values
        .iter()
        .map(|v| match v {
            pshell::protocol::Value::Float(x) => *x,
            other => panic!("{code} returned {other}"),
        })
        .fold(0.0, f64::max)
}

/// Whether an MPI launcher started this bench (the test `pshell` itself uses).
pub fn under_mpi() -> bool {
    pshell::launch::mpi_launch_size().is_some()
}

/// Under `mpirun`: an engine rank serves until the console is done (`None`); the console
/// rank gets its client. `None` with a message when MPI does not start; `what` names the
/// bench in it.
#[cfg(feature = "mpi")]
pub fn mpi_console(what: &str) -> Option<Client> {
    use pshell::transport::mpi::{start, Role};
    let (role, transport) = match start() {
        Ok(started) => started,
        Err(msg) => {
            println!("{what}: {msg}. Run it under `mpirun -n 3`.");
            return None;
        }
    };
    match role {
        Role::Engine => {
            pshell::runner::run(Box::new(transport), pshell::runner::EngineConfig::default());
            None
        }
        Role::Console => Some(Client::connect(Box::new(transport), Box::new(|_| {})).expect("engines say hello")),
    }
}
