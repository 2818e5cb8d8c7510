//! Task farming and data movement, with 2 engines: `lb_map` of 10^5 trivial items
//! (items/s), and push/pull and scatter/gather of 10^7 f64 (GB/s, counting 8 bytes per
//! number), each beside a baseline measured in the same run.
//!
//! Run on threads as `cargo bench --bench tasks` (or the executable alone), and over MPI
//! as `mpirun -n 3 <the executable>` with feature `mpi` (rank 0 is the console). Every
//! figure goes through the Rhai console as a script would (`lb_map(|x| x + 1, items)`,
//! `push(#{x: a}, 0)`...); the data figures are given for a Rhai array of floats and for
//! an NdArray (on threads an NdArray that a variable holds is shared, not copied, so its
//! push and pull take microseconds); the Rhai-array figures are also given for the
//! console's client alone (the `Value::List` of floats a Rhai array of floats travels as,
//! without the console's Rhai conversion), and beside the console's Rhai copying the array
//! once (`let c = a;`: Rhai copies a variable passed to a function, so `push(#{x: a})` and
//! `scatter("y", a)` pay that before pshell sees the array), to show where the time goes. Baselines: the same `map` run locally by the console's Rhai (items/s), and
//! the bare cost of moving the bytes (a memory copy of the 80 MB on threads, an MPI
//! send of them between ranks 0 and 1 over MPI). Nothing asserts on time: each figure
//! with a target says PASS or MISS.
//!
//! The GB/s targets are read on the NdArray figures: the reference (IPython
//! parallel, about 0.56 GB/s) moves NumPy arrays, whose counterpart here is the NdArray.
//! A Rhai array cannot move faster than the console's Rhai copies it (it copies a
//! variable passed to a function), so its figures are INFO, printed as a ratio to that
//! copy.

use pshell::client::Client;
use pshell::console::Console;
use pshell::protocol::{Buffer, RequestKind, Value};
use std::time::{Duration, Instant};

const ITEMS: usize = 100_000;
const FLOATS: usize = 10_000_000;
const REPS: usize = 3;

fn verdict(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "MISS"
    }
}

/// The best of `REPS` runs of `f`.
fn best(mut f: impl FnMut()) -> Duration {
    (0..REPS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .expect("runs")
}

fn eval(console: &mut Console, code: &str) {
    if let Err(e) = console.eval(code, "bench") {
        panic!("{code}: {e}");
    }
}

fn gbs(d: Duration) -> f64 {
    (FLOATS * 8) as f64 / d.as_secs_f64() / 1e9
}

/// Every figure; `bare` is the baseline transfer of the 80 MB, `transport` names it.
fn run(console: &mut Console, transport: &str, bare: Duration, bare_what: &str) {
    let engines = console.shared.borrow().client.engines();
    let items_target = if transport == "MPI" { 30_000.0 } else { 100_000.0 };
    let gbs_target = if transport == "MPI" { 1.0 } else { 5.0 };

    // lb_map of trivial items, and the same map done locally by the console's Rhai.
    eval(console, &format!("let items = []; for i in 0..{ITEMS} {{ items.push(i) }}"));
    eval(console, "let warm = lb_map(|x| x + 1, range(0, 1000));");
    let lb = best(|| eval(console, "let r = lb_map(|x| x + 1, items); if r[99999] != 100000 { throw \"wrong\" }"));
    let lb_range = best(|| eval(console, &format!("let r = lb_map(|x| x + 1, range(0, {ITEMS}));")));
    let stat = best(|| eval(console, "let r = map(|x| x + 1, items);"));
    let local = best(|| eval(console, "let r = items.map(|x| x + 1);"));
    let rate = |d: Duration| ITEMS as f64 / d.as_secs_f64();
    println!(
        "{transport} lb_map of {ITEMS} trivial items, {engines} engines: {:.0} items/s ({:.0} over a range, static map {:.0}) (target >= {items_target:.0} items/s) {}",
        rate(lb),
        rate(lb_range),
        rate(stat),
        verdict(rate(lb) >= items_target)
    );
    println!(
        "{transport} baseline: the same map run locally by the console's Rhai: {:.0} items/s; lb_map = {:.2} x local INFO",
        rate(local),
        rate(lb) / rate(local)
    );

    // Data movement through the Rhai console: a Rhai array of 10^7 floats.
    eval(console, &format!("let a = []; a.pad({FLOATS}, 0.5); a[1] = -0.0;"));
    let copy = best(|| eval(console, "let c = a; c = ();"));
    println!(
        "{transport} baseline: the console's Rhai copying the array once and dropping the copy (`let c = a; c = ();`, as for an argument): {:.3} GB/s, {:.0} ms INFO",
        gbs(copy),
        copy.as_secs_f64() * 1e3
    );
    let push = best(|| eval(console, "push(#{x: a}, 0);"));
    let pull = best(|| eval(console, "let b = pull(\"x\", 0)[0]; if b.len() != a.len() { throw \"wrong\" }"));
    let scatter = best(|| eval(console, "scatter(\"y\", a);"));
    let gather = best(|| eval(console, "let g = gather(\"y\"); if g.len() != a.len() { throw \"wrong\" }"));
    // `pull("x", 0)[0]`: Rhai copies the item it indexes out of pull's result.
    let whole = best(|| eval(console, "let p = pull(\"x\", 0); if p[0].len() != a.len() { throw \"wrong\" } p = ();"));
    for (what, d) in [
        ("push", push),
        ("pull", pull),
        ("pull, kept in pull's result (`let p = pull(\"x\", 0)`, no `[0]` copy),", whole),
        ("scatter", scatter),
        ("gather", gather),
    ] {
        println!(
            "{transport} {what} of {FLOATS} f64 (Rhai array) from the console, {engines} engines: {:.3} GB/s, {:.0} ms ({:.2} x the time of Rhai's own copy) INFO",
            gbs(d),
            d.as_secs_f64() * 1e3,
            d.as_secs_f64() / copy.as_secs_f64()
        );
    }
    eval(console, "a = (); push(#{x: (), y: ()});");

    // The same numbers as an NdArray (raw typed buffers): push and pull to and from every
    // engine (counting 8 bytes per number per engine), scatter and gather (counting them
    // once), each checked.
    eval(console, &format!("let nda = nd::zeros([{FLOATS}]) + 1.5;"));
    let npush = best(|| eval(console, "push(#{x: nda});"));
    let npull = best(|| {
        eval(
            console,
            &format!("let b = pull(\"x\"); if b.len() != {engines} || b[0].size != {FLOATS} {{ throw \"wrong\" }}"),
        )
    });
    let nscatter = best(|| eval(console, "scatter(\"y\", nda);"));
    let ngather =
        best(|| eval(console, &format!("let g = gather(\"y\"); if g.size != {FLOATS} {{ throw \"wrong\" }}")));
    for (what, d, times) in
        [("push", npush, engines), ("pull", npull, engines), ("scatter", nscatter, 1), ("gather", ngather, 1)]
    {
        let rate = gbs(d) * times as f64;
        let per = if times > 1 { " per engine" } else { "" };
        println!(
            "{transport} {what} of {FLOATS} f64 (NdArray){per} from the console, {engines} engines: {rate:.3} GB/s, {:.2} ms (target >= {gbs_target} GB/s) {}",
            d.as_secs_f64() * 1e3,
            verdict(rate >= gbs_target)
        );
    }
    eval(console, "nda = (); push(#{x: (), y: ()});");

    // The same through the client alone: the console's Rhai conversion left out.
    let floats = Value::List(Buffer::F64((0..FLOATS).map(|i| i as f64).collect()));
    let (cpush, cpull) = {
        let client = &mut console.shared.borrow_mut().client;
        let cpush = best(|| push_values(client, &floats));
        let cpull = best(|| pull_values(client));
        (cpush, cpull)
    };
    println!(
        "{transport} push / pull of {FLOATS} f64 through the client alone (Value::List of f64; the engine still converts to and from Rhai): {:.3} / {:.3} GB/s INFO",
        gbs(cpush),
        gbs(cpull)
    );
    println!(
        "{transport} baseline: {bare_what}: {:.2} GB/s, {:.1} ms; push from the console = {:.3} x the baseline INFO",
        gbs(bare),
        bare.as_secs_f64() * 1e3,
        gbs(push) / gbs(bare)
    );
}

fn push_values(client: &mut Client, floats: &Value) {
    let kind = RequestKind::Push { vars: vec![("x".into(), floats.clone())] };
    client.run(&[0], kind, "bench").expect("push");
}

fn pull_values(client: &mut Client) {
    let v = client.run(&[0], RequestKind::Pull { names: vec!["x".into()] }, "bench").expect("pull");
    assert!(matches!(&v[0], Value::Array(a) if a.len() == 1));
}

/// A copy of 80 MB in memory, the floor for moving the numbers between threads.
fn bare_copy() -> Duration {
    let src: Vec<f64> = (0..FLOATS).map(|i| i as f64).collect();
    best(|| {
        let copy = src.clone();
        assert_eq!(copy.len(), FLOATS);
        std::hint::black_box(copy);
    })
}

fn threads_main() {
    use pshell::runner::{self, EngineConfig};
    use pshell::transport::threads;
    let (console_end, ends) = threads::cluster(2);
    let handles: Vec<_> = ends
        .into_iter()
        .map(|end| {
            std::thread::Builder::new()
                .stack_size(16 << 20)
                .spawn(move || runner::run(Box::new(end), EngineConfig::default()))
                .expect("engine thread")
        })
        .collect();
    let client = Client::connect(Box::new(console_end), Box::new(|_| {})).expect("engines start");
    let mut console = Console::new(client);
    let bare = bare_copy();
    run(&mut console, "threads", bare, "a copy of the 80 MB in memory (Vec<f64>::clone)");
    drop(console);
    for h in handles {
        h.join().expect("engine ends");
    }
}

#[cfg(feature = "mpi")]
fn mpi_main() {
    use mpi::topology::{Communicator, SimpleCommunicator};
    use mpi::traits::*;
    use pshell::runner::{self, EngineConfig};
    use pshell::transport::mpi::{start, Role};
    let (role, transport) = match start() {
        Ok(started) => started,
        Err(msg) => {
            println!("MPI tasks benchmark: {msg}. Run it under `mpirun -n 3`.");
            return;
        }
    };
    // The floor: 80 MB from rank 0 to rank 1 and back, on a communicator of its own.
    let bare = {
        let comm = SimpleCommunicator::world().duplicate();
        let mut buf: Vec<f64> = (0..FLOATS).map(|i| i as f64).collect();
        let mut times = Vec::new();
        for _ in 0..REPS {
            comm.barrier();
            let t = Instant::now();
            match comm.rank() {
                0 => {
                    comm.process_at_rank(1).send(&buf[..]);
                    comm.process_at_rank(1).receive_into(&mut buf[..]);
                }
                1 => {
                    comm.process_at_rank(0).receive_into(&mut buf[..]);
                    comm.process_at_rank(0).send(&buf[..]);
                }
                _ => {}
            }
            times.push(t.elapsed() / 2);
        }
        comm.barrier();
        times.into_iter().min().expect("runs")
    };
    match role {
        Role::Engine => runner::run(Box::new(transport), EngineConfig::default()),
        Role::Console => {
            let client = Client::connect(Box::new(transport), Box::new(|_| {})).expect("engines start");
            let mut console = Console::new(client);
            run(&mut console, "MPI", bare, "a bare MPI send of the 80 MB from rank 0 to rank 1");
        }
    }
}

fn main() {
    if pshell::launch::mpi_launch_size().is_some() {
        #[cfg(feature = "mpi")]
        mpi_main();
        #[cfg(not(feature = "mpi"))]
        println!("MPI tasks benchmark skipped: build with `--features mpi`");
        return;
    }
    threads_main();
}
