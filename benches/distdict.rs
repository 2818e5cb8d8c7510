//! DistDict figures (issue 6), with 2 engines, beside baselines measured in the same run:
//! - `set_many` / `get_many` of 10^6 string keys (each engine half of them, from Rhai,
//!   timed between barriers), against a single-threaded `HashMap<String, i64>` built and
//!   read here;
//! - one `d["k"]` read from the console: the median of single round trips;
//! - `d.add` from 2 engines, 10^6 updates in all (Rhai loops, timed between barriers).
//!
//! Run it plainly for the threads transport, or under `mpirun -n 3` (feature `mpi`) for
//! MPI, where rank 0 measures and prints. Each line ends with the target and PASS or
//! MISS (INFO: context). Nothing fails on a MISS.

mod common;

use common::verdict;
use pshell::client::Client;
use pshell::distdict::{access, Key};
use pshell::protocol::Value;
use std::collections::HashMap;
use std::time::{Duration, Instant};

const KEYS: usize = 1_000_000;
const ADDS: usize = 1_000_000;
const WORDS: usize = 10_000;
const READS: usize = 20_000;

/// Targets: (set/get ops/s, console read median us, add updates/s or none).
struct Targets {
    batch: f64,
    read_us: f64,
    add: Option<f64>,
}

/// Runs `code` on every engine; each returns seconds; the slowest counts.
fn slowest(client: &mut Client, code: &str) -> f64 {
    let all: Vec<usize> = (0..client.engines()).collect();
    let values = client.execute(code, &all, "bench").unwrap_or_else(|e| panic!("bench snippet failed: {e:?}"));
    values
        .iter()
        .map(|v| match v {
            Value::Float(x) => *x,
            other => panic!("expected seconds, got {other:?}"),
        })
        .fold(0.0, f64::max)
}

/// A single-threaded HashMap of the same keys: (insert ops/s, lookup ops/s).
fn hashmap_baseline(n: usize) -> (f64, f64) {
    let keys: Vec<String> = (0..n).map(|i| format!("k{}_{}", i % 2, i / 2)).collect();
    let t = Instant::now();
    let mut m: HashMap<String, i64> = HashMap::new();
    for (i, k) in keys.iter().enumerate() {
        m.insert(k.clone(), i as i64);
    }
    let insert = n as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut sum = 0i64;
    for k in &keys {
        sum += m[k];
    }
    let lookup = n as f64 / t.elapsed().as_secs_f64();
    assert_eq!(sum, (n as i64 - 1) * n as i64 / 2);
    (insert, lookup)
}

fn run(client: &mut Client, transport: &str, t: Targets) {
    let engines = client.engines();
    let per = KEYS / engines;
    let (base_insert, base_lookup) = hashmap_baseline(KEYS);

    let setup = format!(
        "let d = dd::new(\"bench\"); let m = #{{}}; for i in 0..{per} {{ m[`k${{rank()}}_${{i}}`] = i; }} let ks = m.keys(); 0.0"
    );
    slowest(client, &setup);
    let set = slowest(client, "barrier(); let t = timestamp(); d.set_many(m); d.flush(); barrier(); t.elapsed");
    let get = slowest(
        client,
        &format!(
            "barrier(); let t = timestamp(); let vs = d.get_many(ks); barrier(); let dt = t.elapsed; if vs.len() != {per} || vs[7] != m[ks[7]] || vs[{per} - 1] != m[ks[{per} - 1]] {{ throw \"wrong values\" }} dt"
        ),
    );
    let (set_rate, get_rate) = (KEYS as f64 / set, KEYS as f64 / get);
    println!(
        "{transport} set_many of {KEYS} string keys, {engines} engines: {:.2} M keys/s (target >= {:.0} M/s) {}; single-threaded HashMap insert in this run: {:.2} M/s, ratio {:.2}",
        set_rate / 1e6,
        t.batch / 1e6,
        verdict(set_rate >= t.batch),
        base_insert / 1e6,
        set_rate / base_insert
    );
    println!(
        "{transport} get_many of {KEYS} string keys, {engines} engines: {:.2} M keys/s (target >= {:.0} M/s) {}; single-threaded HashMap lookup in this run: {:.2} M/s, ratio {:.2}",
        get_rate / 1e6,
        t.batch / 1e6,
        verdict(get_rate >= t.batch),
        base_lookup / 1e6,
        get_rate / base_lookup
    );

    // Single reads from the console, one round trip each, keys on every engine.
    let h = access::open(client, "bench").expect("open");
    let keys: Vec<Key> = (0..engines).map(|e| Key::Str(format!("k{e}_7"))).collect();
    for k in keys.iter().cycle().take(2_000) {
        access::get(client, &h, k.clone()).expect("read");
    }
    let mut times: Vec<Duration> = Vec::with_capacity(READS);
    for k in keys.iter().cycle().take(READS) {
        let t0 = Instant::now();
        let v = access::get(client, &h, k.clone()).expect("read");
        times.push(t0.elapsed());
        assert_eq!(v, Some(Value::Int(7)));
    }
    times.sort();
    let us = |q: f64| times[((q * READS as f64) as usize).min(READS - 1)].as_secs_f64() * 1e6;
    println!(
        "{transport} single d[\"k\"] read from the console, {engines} engines: median {:.1} us, p99 {:.1} us (target median <= {} us) {}",
        us(0.5),
        us(0.99),
        t.read_us,
        verdict(us(0.5) <= t.read_us)
    );

    // d.add from every engine: ADDS updates in all over WORDS keys.
    let rounds = ADDS / engines / WORDS;
    slowest(
        client,
        &format!("let c = dd::new(\"counts\"); let ws = []; for i in 0..{WORDS} {{ ws.push(`w${{i}}`); }} 0.0"),
    );
    let add = slowest(
        client,
        &format!(
            "barrier(); let t = timestamp(); for r in 0..{rounds} {{ for w in ws {{ c.add(w, 1); }} }} c.flush(); barrier(); t.elapsed"
        ),
    );
    let total = rounds * WORDS * engines;
    let check = client.execute("let s = 0; for v in c.values() { s += v } [c.len(), s]", &[0], "bench").expect("check");
    assert_eq!(check, vec![Value::Array(vec![Value::Int(WORDS as i64), Value::Int(total as i64)])]);
    let add_rate = total as f64 / add;
    // The same loop into a Rhai map on each engine, for scale.
    let local = slowest(
        client,
        &format!(
            "let m = #{{}}; for w in ws {{ m[w] = 0; }} let t = timestamp(); for r in 0..{rounds} {{ for w in ws {{ m[w] += 1; }} }} t.elapsed"
        ),
    );
    let head = format!("{transport} d.add from {engines} engines, {total} updates: {:.2} M updates/s", add_rate / 1e6);
    let context =
        format!("the same loops into a local Rhai map on each engine: {:.2} M updates/s", total as f64 / local / 1e6);
    match t.add {
        Some(target) => {
            println!("{head} (target >= {:.0} M/s) {}; {context}", target / 1e6, verdict(add_rate >= target))
        }
        None => println!("{head} (no target over this transport) INFO; {context}"),
    }
}

fn main() {
    if common::under_mpi() {
        return mpi_main();
    }
    use pshell::runner::EngineConfig;
    let (console, handles) = pshell::launch::start_engine_threads(2, EngineConfig::default()).expect("engine threads");
    let mut client = Client::connect(Box::new(console), Box::new(|_| {})).expect("engines say hello");
    run(&mut client, "threads", Targets { batch: 5e6, read_us: 20.0, add: Some(2e6) });
    client.shutdown();
    for h in handles {
        h.join().expect("engine thread");
    }
}

#[cfg(not(feature = "mpi"))]
fn mpi_main() {
    println!("DistDict MPI benchmark skipped: build with `--features mpi`");
}

#[cfg(feature = "mpi")]
fn mpi_main() {
    if let Some(mut client) = common::mpi_console("DistDict MPI benchmark") {
        run(&mut client, "MPI", Targets { batch: 2e6, read_us: 60.0, add: None });
        client.shutdown();
    }
}
