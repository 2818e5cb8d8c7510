//! Threads transport: round trip of `px("1")` with 2 and 4 engines, a stream of
//! 10,000 `px("1")` from the Rhai console, interrupt latency of `loop {}`, and a bare
//! crossbeam channel ping-pong between two threads as the floor (spinning, and for
//! context blocking, which adds the cost of waking a parked thread). Run by
//! `scripts/bench.sh` (or `cargo bench --bench threads`).

mod common;

use common::{counting_sink, Stats};
use crossbeam::channel::{unbounded, Receiver, Sender, TryRecvError};
use pshell::client::Client;
use pshell::console::Console;
use pshell::runner::EngineConfig;
use std::cell::Cell;
use std::rc::Rc;
use std::thread::JoinHandle;
use std::time::Instant;

/// A console client and `n` engine threads, as `pshell -n N` starts them.
struct Cluster {
    client: Client,
    printed: Rc<Cell<usize>>,
    handles: Vec<JoinHandle<()>>,
}

impl Cluster {
    fn start(n: usize) -> Cluster {
        let (console_end, handles) =
            pshell::launch::start_engine_threads(n, EngineConfig::default()).expect("spawn engine threads");
        let (printed, sink) = counting_sink();
        let client = Client::connect(Box::new(console_end), sink).expect("engines say hello");
        Cluster { client, printed, handles }
    }
}

/// Waits for the engine threads, once their client (which sends Shutdown) is dropped.
fn join(handles: Vec<JoinHandle<()>>) {
    for h in handles {
        h.join().expect("engine thread ends cleanly");
    }
}

/// The next message from `rx`: busy-polling `try_recv` when `spin` (as the transport
/// does while a round trip is in flight), else blocking in `recv()` (which parks the
/// thread once crossbeam's own short spin gives up). `None` once the sender is gone.
fn receive<T>(rx: &Receiver<T>, spin: bool) -> Option<T> {
    if !spin {
        return rx.recv().ok();
    }
    loop {
        match rx.try_recv() {
            Ok(m) => return Some(m),
            Err(TryRecvError::Disconnected) => return None,
            Err(TryRecvError::Empty) => std::hint::spin_loop(),
        }
    }
}

/// Round trips of 16 bytes between two threads over a pair of crossbeam channels.
fn bare_ping_pong(spin: bool, warmup: usize, samples: usize) -> Stats {
    let (to_echo, echo_in): (Sender<[u8; 16]>, Receiver<[u8; 16]>) = unbounded();
    let (to_main, main_in) = unbounded();
    let echo = std::thread::spawn(move || {
        while let Some(m) = receive(&echo_in, spin) {
            if to_main.send(m).is_err() {
                break;
            }
        }
    });
    let mut times = Vec::with_capacity(samples);
    for i in 0..warmup + samples {
        let t = Instant::now();
        to_echo.send([i as u8; 16]).expect("echo thread alive");
        let back = receive(&main_in, spin).expect("echo thread answers");
        let dt = t.elapsed();
        assert_eq!(back[0], i as u8);
        if i >= warmup {
            times.push(dt);
        }
    }
    drop(to_echo);
    echo.join().expect("echo thread ends");
    Stats::new(&times)
}

const STREAM: usize = 10_000;
const TARGET_RT_US: f64 = 20.0;

fn main() {
    // The floor first, on a quiet machine.
    let base = bare_ping_pong(true, 2_000, 20_000);
    let base_blocking = bare_ping_pong(false, 2_000, 20_000);

    // 2 engines: round trip, the console stream, interrupts.
    let Cluster { mut client, printed, handles } = Cluster::start(2);
    let rt2 = common::round_trips(&mut client, 2_000, 20_000);
    let interrupts = common::interrupt_latency(&mut client, &printed, 20);
    let mut console = Console::new(client);
    let per_s = common::console_stream(&mut console, STREAM);
    // Dropping the console drops its client, which shuts the engines down.
    drop(console);
    join(handles);

    // 4 engines: round trip.
    let Cluster { mut client, handles, .. } = Cluster::start(4);
    let rt4 = common::round_trips(&mut client, 2_000, 20_000);
    drop(client);
    join(handles);

    common::report_round_trip("threads", 2, &rt2, Some(TARGET_RT_US), "");
    common::report_round_trip("threads", 4, &rt4, None, "no target for 4 engines; for context");
    common::report_stream("threads", 2, STREAM, per_s, TARGET_RT_US);
    common::report_baseline("threads bare crossbeam ping-pong, 16 bytes between 2 spinning threads", &base, &rt2);
    common::report_baseline(
        "threads bare crossbeam ping-pong, 16 bytes between 2 threads blocking in recv()",
        &base_blocking,
        &rt2,
    );
    common::report_interrupt("threads", 2, &interrupts);
}
