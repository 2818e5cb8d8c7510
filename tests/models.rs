//! Models of parallelism: `bsp::` supersteps (in SPMD code and driven by `bsp::run`) and
//! `mr::run`, each answer checked against a serial computation in the same script, and
//! bad callbacks named before anything runs. One script run per cluster and model.

use crate::util::{clusters, script};

#[test]
fn bsp_supersteps_deliver_in_rank_order_and_run_stops_when_all_halt() {
    for on in clusters() {
        let code = r#"
let n = engines().len();
// SPMD: each engine sends its rank to the next engine and twice to itself.
let got = px(`
    bsp::send((rank() + 1) % size(), rank());
    bsp::send(rank(), [rank(), "self", 1]);
    bsp::send(rank(), [rank(), "self", 2]);
    let first = bsp::step();
    let m = bsp::superstep();
    if m != bsp::messages() { throw "messages() differs from what superstep() returned" }
    let empty = bsp::superstep();
    [first, bsp::step(), m, empty]
`);
for r in 0..n {
    let prev = (r + n - 1) % n;
    let mine = [[r, "self", 1], [r, "self", 2]];
    // Ordered by sending engine, then by send order.
    let want = if n == 1 { [0, [0, "self", 1], [0, "self", 2]] }
               else if prev < r { [prev] + mine } else { mine + [prev] };
    if got[r] != [0, 2, want, []] { throw `engine ${r}: ${got[r]}, expected ${[0, 2, want, []]}` }
}

// bsp::run: every engine passes a token around the ring, adding its rank, for n laps;
// engine 0 halts when the token has made them all; the others halt after each step.
fn lap(state, messages) {
    if bsp::step() == 0 && rank() == 0 { bsp::send(1 % size(), [state.laps * size() - 1, 0]); }
    for m in messages {
        let left = m[0]; let sum = m[1] + rank();
        if left > 0 { bsp::send((rank() + 1) % size(), [left - 1, sum]); } else { state.total = sum; }
    }
    #{state: state, halt: true}
}
let r = bsp::run(lap, #{laps: 3, total: -1});
let serial = 0;
for i in 0..(3 * n) { serial += (i + 1) % n; }
let totals = r.states.filter(|s| s.total >= 0);
if !r.halted || totals.len() != 1 || totals[0].total != serial { throw `ring: ${r}, serial ${serial}` }
if r.steps != 3 * n + 1 { throw `ring took ${r.steps} supersteps, expected ${3 * n + 1}` }

// max_steps ends a run that never halts.
let r = bsp::run(|s, m| #{state: s + m.len(), halt: false}, 0, #{max_steps: 4});
let zeros = []; zeros.pad(n, 0);
if r.halted || r.steps != 4 || r.states != zeros { throw `max_steps: ${r}` }

// Bad callbacks and options, named before anything runs; the session goes on.
fn one(s) { s }
for c in [
    [|| bsp::run(one, 0), "bsp::run: the step function ('one') takes 1 parameter, but it is called as step_fn(state, messages)"],
    [|| bsp::run(|s| s, 0), "(the closure) takes 1 parameter,"],
    [|| bsp::run("nope", 0), "bsp::run: the step function 'nope' is not a function defined at the console"],
    [|| bsp::run(42, 0), "expected a function"],
    [|| bsp::run(lap, 0, #{max_step: 3}), "bsp::run: unknown option 'max_step' (options: max_steps)"],
    [|| bsp::run(lap, 0, #{max_steps: 0}), "max_steps must be an integer of at least 1, not 0"],
    [|| bsp::run(|s, m| s, 0), "the step function must return #{state: s, halt: true or false}; in superstep 0 it returned a value of type 'i64'"],
    [|| bsp::run(|s, m| #{state: s}, 0), "a map without 'halt'"],
    [|| bsp::run(|s, m| { bsp::send(size(), 1); #{state: s, halt: true} }, 0), `bsp::send: engine ${n} does not exist`],
] {
    let attempt = c[0]; let want = c[1];
    let msg = "";
    try { attempt.call(); } catch (e) { msg = `${e}`; }
    if !msg.contains(want) { throw `expected '${want}' in: ${msg}` }
}
// An error inside the step function: engine, line and column, as px reports them.
fn bad(s, m) {
    let x = s.missing.field;
    #{state: s, halt: true}
}
let msg = "";
try { bsp::run(bad, #{}); } catch (e) { msg = `${e}`; }
// (the line is the script's: console functions keep their positions on the engines)
if !msg.contains("in bad (line 65, column 23)") || !msg.contains("[0") || !msg.contains("Unknown property 'field'") { throw `step function error: ${msg}` }
// A superstep some engines skip fails instead of hanging, and what it sent is never read
// by a later superstep; a superstep where others call barrier() is a disagreement.
if n > 1 {
    let msg = "";
    try { px("if rank() == 0 { bsp::send(1, 99); bsp::superstep() }"); } catch (e) { msg = `${e}`; }
    if !msg.contains("bsp::superstep(): engine 1 finished this request without joining it") { throw `skipped superstep: ${msg}` }
    let later = px("bsp::superstep()");
    if later.filter(|m| m != []).len() != 0 { throw `a later superstep read a stale batch: ${later}` }
    let msg = "";
    try { px("if rank() == 0 { barrier() } else { bsp::superstep() }"); } catch (e) { msg = `${e}`; }
    if !msg.contains("engines disagree") || !msg.contains("barrier()") || !msg.contains("bsp::superstep()") { throw `barrier against superstep: ${msg}` }
    // Waiting in a superstep ends on an interrupt; the engines stay usable.
    let r = px_async("if rank() == 0 { bsp::superstep() } else { sleep(1000) }");
    sleep(0.2);
    if r.ready() { throw "a superstep without its peers ended by itself" }
    interrupt();
    if !r.wait(20.0) { throw "a superstep was not interrupted" }
    let msg = "";
    try { r.get(); } catch (e) { msg = `${e}`; }
    if !msg.contains("Interrupted") { throw `interrupted superstep: ${msg}` }
}
// send()/recv() mail and supersteps do not mix.
let got = px(`
    send(rank(), (rank() + 1) % size());
    bsp::send((rank() + 1) % size(), "bsp");
    let m = bsp::superstep();
    [recv((rank() + size() - 1) % size()), m]
`);
for r in 0..n { if got[r] != [(r + n - 1) % n, ["bsp"]] { throw `mail and supersteps mixed on ${r}: ${got[r]}` } }
// Big values: 100000 numbers to the next engine and to itself, in one superstep.
let got = px(`
    let big = []; big.pad(100000, 0.5); big[0] = rank() * 1.0;
    bsp::send((rank() + 1) % size(), big);
    bsp::send(rank(), [big.len(), big]);
    let m = bsp::superstep();
    let first = m.filter(|x| type_of(x) == "array" && x.len() == 100000);
    let second = m.filter(|x| x.len() == 2);
    [first.len(), first[0][0], first[0][99999], second[0][0], second[0][1][0]]
`);
for r in 0..n {
    let want = [1, ((r + n - 1) % n) * 1.0, 0.5, 100000, r * 1.0];
    if got[r] != want { throw `big messages on ${r}: ${got[r]}, expected ${want}` }
}
// Ranks out of range, in SPMD code as in a step function.
for d in [-1, n] {
    let msg = "";
    try { px(`bsp::send(${d}, 1)`); } catch (e) { msg = `${e}`; }
    if !msg.contains(`bsp::send: engine ${d} does not exist (engines are 0-${n - 1})`) || !msg.contains("line 1, column") { throw `send to ${d}: ${msg}` }
}
print("ok");
"#;
        let r = script(on, code);
        assert_eq!(r.stdout, "ok\n", "{on:?}\n{}", r.stderr);
    }
}

#[test]
fn mapreduce_counts_words_as_a_serial_count_does() {
    for on in clusters() {
        let code = r#"
let lines = ["a b a", "c b a", "", "d", "a"];
fn words(line) { let out = []; for w in line.split(" ") { if w != "" { out.push([w, 1]); } } out }
fn total(k, vs) { let s = 0; for v in vs { s += v; } s }
let serial = #{};
for l in lines { for w in l.split(" ") { if w != "" { serial[w] = (serial[w] ?? 0) + 1; } } }
// Fewer inputs than engines on the bigger clusters; with and without the combiner.
let r = mr::run(words, total, lines);
if r != serial { throw `word count ${r}, serial ${serial}` }
let r = mr::run(words, total, lines, #{combiner: true});
if r != serial { throw `with combiner ${r}, serial ${serial}` }
// Integer keys; values in engine then mapper order.
let r = mr::run(|x| [[x % 3, x]], |k, vs| vs, [0, 1, 2, 3, 4, 5, 6]);
if r != #{"0": [0, 3, 6], "1": [1, 4], "2": [2, 5]} { throw `groups ${r}` }
if mr::run(words, total, []) != #{} { throw "empty inputs" }
for c in [
    [|| mr::run(|x| x, total, [1]), "the mapper must return an array of [key, value]; for item 0 it returned a value of type 'i64'"],
    [|| mr::run(|x| [[[1], 2]], total, [1]), "a key of type 'array'"],
    [|| mr::run(words, |k| k, lines), "mr::run: the reducer (the closure) takes 1 parameter,"],
    [|| mr::run(words, total, 5), "mr::run: the inputs must be an array, not i64"],
    [|| mr::run(words, total, lines, #{combine: true}), "unknown option 'combine' (options: combiner)"],
] {
    let attempt = c[0]; let want = c[1];
    let msg = "";
    try { attempt.call(); } catch (e) { msg = `${e}`; }
    if !msg.contains(want) { throw `expected '${want}' in: ${msg}` }
}
print("ok");
"#;
        let r = script(on, code);
        assert_eq!(r.stdout, "ok\n", "{on:?}\n{}", r.stderr);
    }
}
