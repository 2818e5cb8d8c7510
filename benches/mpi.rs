//! MPI transport, launched by `mpirun -n P` on this executable itself (P - 1 engines):
//! round trip of `px("1")` to every engine and a bare 16-byte MPI ping-pong between
//! ranks 0 and 1 as the floor; with `--full`, also a stream of 10,000 `px("1")` from the
//! Rhai console and the interrupt latency of `loop {}`. Rank 0 prints the report.
//! `scripts/bench.sh` runs it with P = 3 (`--full`) and P = 5, and again under other
//! Open MPI settings with `--variant=SETTINGS` (for context). With `--init-only` it
//! only initializes and finalizes MPI: the floor of `mpirun -n 3 pshell`'s whole-process
//! time (benches/startup.rs). Needs feature `mpi`.

#[cfg(feature = "mpi")]
mod common;

#[cfg(not(feature = "mpi"))]
fn main() {
    println!("MPI benchmark skipped: build with `--features mpi` and run under mpirun (scripts/bench.sh does)");
}

#[cfg(feature = "mpi")]
fn main() {
    bench::main();
}

#[cfg(feature = "mpi")]
mod bench {
    use super::common::{self, counting_sink, Stats};
    use mpi::topology::{Communicator, SimpleCommunicator};
    use mpi::traits::*;
    use pshell::client::Client;
    use pshell::console::Console;
    use pshell::runner::{self, EngineConfig};
    use pshell::transport::mpi::{start, Role};
    use std::time::{Duration, Instant};

    const STREAM: usize = 10_000;
    const TARGET_RT_US: f64 = 50.0;
    const PING_BYTES: usize = 16;

    /// Round trips of 16 bytes between ranks 0 and 1 of `comm` (blocking send and
    /// receive); other ranks sleep in a non-blocking barrier so they take no CPU.
    /// Returns the samples on rank 0, `None` elsewhere.
    fn bare_ping_pong(comm: &SimpleCommunicator, warmup: usize, samples: usize) -> Option<Stats> {
        let mut buf = [0u8; PING_BYTES];
        let mut times = Vec::with_capacity(samples);
        match comm.rank() {
            0 => {
                let peer = comm.process_at_rank(1);
                for i in 0..warmup + samples {
                    buf[0] = i as u8;
                    let t = Instant::now();
                    peer.send(&buf[..]);
                    peer.receive_into(&mut buf[..]);
                    let dt = t.elapsed();
                    assert_eq!(buf[0], i as u8, "the echo is the message");
                    if i >= warmup {
                        times.push(dt);
                    }
                }
            }
            1 => {
                let peer = comm.process_at_rank(0);
                for _ in 0..warmup + samples {
                    peer.receive_into(&mut buf[..]);
                    peer.send(&buf[..]);
                }
            }
            _ => {}
        }
        let mut barrier = comm.immediate_barrier();
        loop {
            match barrier.test() {
                Ok(_) => break,
                Err(pending) => {
                    barrier = pending;
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        }
        (comm.rank() == 0).then(|| Stats::new(&times))
    }

    pub fn main() {
        if std::env::args().any(|a| a == "--init-only") {
            // MPI_Init and MPI_Finalize (when the universe drops), nothing else.
            let _universe = mpi::initialize().expect("MPI initializes once");
            return;
        }
        let full = std::env::args().any(|a| a == "--full");
        // `--variant=TEXT`: a run under other settings (given by the caller in the
        // environment), reported for context: labelled with TEXT, without a verdict.
        let variant = std::env::args().find_map(|a| a.strip_prefix("--variant=").map(str::to_string));
        let label = variant.as_ref().map_or_else(|| "MPI".to_string(), |v| format!("MPI ({v})"));
        let target = variant.is_none().then_some(TARGET_RT_US);
        let (role, transport) = match start() {
            Ok(started) => started,
            Err(msg) => {
                println!("MPI benchmark: {msg}. Run it under `mpirun -n 3` (scripts/bench.sh does).");
                return;
            }
        };
        // The floor, on a communicator of its own so pshell's traffic cannot mix with it.
        let base = {
            let dup = SimpleCommunicator::world().duplicate();
            bare_ping_pong(&dup, 2_000, 10_000)
        };
        match role {
            Role::Engine => runner::run(Box::new(transport), EngineConfig::default()),
            Role::Console => {
                let base = base.expect("rank 0 measured the ping-pong");
                let (printed, sink) = counting_sink();
                let mut client = Client::connect(Box::new(transport), sink).expect("engines say hello");
                let engines = client.engines();
                let rt = common::round_trips(&mut client, 2_000, 10_000);
                let interrupts = full.then(|| common::interrupt_latency(&mut client, &printed, 10));
                let per_s = full.then(|| {
                    let mut console = Console::new(client);
                    common::console_stream(&mut console, STREAM)
                    // Dropping the console drops its client: the engines shut down.
                });
                common::report_round_trip(
                    &label,
                    engines,
                    &rt,
                    target,
                    "for context; the target applies to default settings",
                );
                if let Some(per_s) = per_s {
                    common::report_stream(&label, engines, STREAM, per_s, TARGET_RT_US);
                }
                common::report_baseline(
                    &format!("{label} bare ping-pong, {PING_BYTES} bytes between ranks 0 and 1 of {}", engines + 1),
                    &base,
                    &rt,
                );
                if let Some(s) = interrupts {
                    common::report_interrupt(&label, engines, &s);
                }
            }
        }
    }
}
