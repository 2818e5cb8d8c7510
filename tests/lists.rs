//! Rhai arrays of plain numbers (all floats, all ints, all booleans) travel as one typed
//! buffer (`Value::List`): push, pull, scatter, gather and allreduce must give back
//! exactly the arrays a user gave, item types included (ints stay ints, floats floats, a
//! mixed array stays mixed), short and empty arrays too, lists inside maps and arrays,
//! and a gather of typed lists from some engines and general arrays from others.

use crate::util::{clusters, script};

/// Console functions (shipped to the engines too): `same(a, b)` is true when the two
/// values are equal item by item with the same types, floats bit for bit through their
/// bytes (Rhai's own `==` on floats is approximate and has inf != inf); `check(what, a, b)`
/// throws naming `what` and the first differing item otherwise.
const SAME: &str = r#"
fn same(a, b) {
    if type_of(a) != type_of(b) { return false }
    switch type_of(a) {
        "array" => {
            if a.len() != b.len() { return false }
            for i in 0..a.len() { if !same(a[i], b[i]) { return false } }
            true
        }
        "map" => {
            if a.keys() != b.keys() { return false }
            for k in a.keys() { if !same(a[k], b[k]) { return false } }
            true
        }
        "f64" => bits(a) == bits(b),
        _ => a == b
    }
}
fn bits(x) { let b = blob(8); b.write_le(0, 8, x); b }
fn check(what, a, b) {
    if same(a, b) { return }
    if type_of(a) == "array" && type_of(b) == "array" && a.len() == b.len() {
        for i in 0..a.len() {
            if !same(a[i], b[i]) { throw `${what}: item ${i} is ${a[i]} (${type_of(a[i])}), not ${b[i]} (${type_of(b[i])})` }
        }
    }
    let show = |x| if type_of(x) == "array" { `an array of ${x.len()} items` } else { `${x}` };
    throw `${what}: ${show.call(a)} is not ${show.call(b)}`
}
fn floats(n) { let a = []; for i in 0..n { a.push(i * 0.25 - 7.0) } a }
fn ints(n) { let a = []; for i in 0..n { a.push(i * 3 - 50) } a }
fn bools(n) { let a = []; for i in 0..n { a.push(i % 3 == 1) } a }
"#;

fn run_checked(body: &str) {
    for on in clusters() {
        let r = script(on, &format!("{SAME}\n{body}\nprint(\"ok\");")).ok();
        assert_eq!(r.stdout, "ok\n", "{on:?}\n{}", r.stderr);
    }
}

#[test]
fn number_arrays_push_and_pull_with_their_types_and_bits() {
    run_checked(
        r#"
let f = floats(1000); f[1] = -0.0; f[2] = 0.0/0.0; f[3] = 1.0/0.0; f[4] = -1.0/0.0; f[5] = 5e-324;
let i = ints(1000); i[0] = -9223372036854775807 - 1; i[1] = 9223372036854775807;
let b = bools(40);
let mixed = floats(100); mixed.push(7);
let mixed2 = [7]; mixed2 += floats(100);
let words = ints(50); words.push("end");
let short = [1.5, 2.5];
let cases = #{f: f, i: i, b: b, mixed: mixed, mixed2: mixed2, words: words, short: short, empty: [],
              nested: #{inner: #{xs: f, ys: [i, "s", b]}, list: [f, f]}};
push(cases);
for k in cases.keys() {
    for v in pull(k) { check(`pull of ${k}`, v, cases[k]) }
}
// On the engines the arrays are ordinary Rhai arrays with the original item types.
let on_engines = px(`[type_of(f[0]), type_of(i[0]), type_of(b[1]), type_of(mixed[100]), type_of(mixed[0]),
                     type_of(mixed2[0]), f.len(), i[1], mixed.len(), nested.inner.xs.len(), 1.0 / f[1]]`);
for e in on_engines {
    check("types on an engine", e, ["f64", "i64", "bool", "i64", "f64", "i64", 1000, 9223372036854775807, 101, 1000, -1.0/0.0]);
}
// The engines can change them like any array, and they come back changed.
px("f.push(1); i[0] = 0.5; b.clear(); nested.inner.xs[0] = ()");
for v in pull(["f", "i", "b"]) {
    let ff = f; ff.push(1); let ii = i; ii[0] = 0.5;
    check("changed on the engine", v, [ff, ii, []]);
}
// A big list: ten million floats, summed on the engines.
let big = []; big.pad(1000000, 0.5); big[999999] = 1.5;
push(#{big: big}, 0);
check("sum of a big list", px("let s = 0.0; for x in big { s += x } s", 0), [500001.0]);
check("pull of a big list", pull("big", 0)[0], big);
"#,
    );
}

#[test]
fn number_arrays_scatter_and_gather_in_typed_blocks() {
    run_checked(
        r#"
let n = engines().len();
for a in [floats(1000), ints(1000), bools(999), floats(17), ints(16), floats(15), [], floats(3 * n + 20)] {
    let with_int = a + [1];
    for whole in [a, with_int] {
        scatter("part", whole);
        let sizes = pull("part").map(|p| p.len());
        let start = 0;
        let parts = pull("part");
        for e in 0..n {
            let want = whole.len() / n + if e < whole.len() % n { 1 } else { 0 };
            if sizes[e] != want { throw `engine ${e} got ${sizes[e]} of ${whole.len()} items, not ${want}` }
            check(`engine ${e}'s block`, parts[e], if want == 0 { [] } else { whole.extract(start, want) });
            start += want;
        }
        check(`gather of ${whole.len()} items`, gather("part"), whole);
    }
}
// Blocks go to the targets in target order.
if n >= 2 {
    scatter("r", floats(20), [n - 1, 0]);
    check("block of the first target", pull("r", n - 1)[0], floats(10));
    check("gather in target order", gather("r", [n - 1, 0]), floats(20));
}
"#,
    );
}

#[test]
fn gather_joins_typed_lists_with_general_arrays_from_other_engines() {
    run_checked(
        r#"
let n = engines().len();
// Engines hold, by rank: floats (a typed list), a mixed array, ints (a typed list),
// an empty array, bools; the whole is their concatenation, types kept.
px(`let g = switch rank() % 5 { 0 => floats(20 + rank()), 1 => ["s", 1, 2.5], 2 => ints(30), 3 => [], _ => bools(18) };`);
let want = [];
for e in 0..n {
    want += switch e % 5 { 0 => floats(20 + e), 1 => ["s", 1, 2.5], 2 => ints(30), 3 => [], _ => bools(18) };
}
check("gather of mixed pieces", gather("g"), want);
// Floats on one engine and ints on another join without converting either.
px(`let h = if rank() % 2 == 0 { floats(20) } else { ints(20) };`);
let want = [];
for e in 0..n { want += if e % 2 == 0 { floats(20) } else { ints(20) } }
check("gather of floats and ints", gather("h"), want);
// Typed lists in a gather of mismatched types are still named as arrays.
if n >= 2 {
    px("let m = if rank() == 0 { floats(20) } else { 5 };");
    try { gather("m"); throw "no error" } catch (e) {
        if !e.contains("gather: 'm' has different types on the engines: array on engine 0, i64 on engine") { throw e }
    }
}
"#,
    );
}

#[test]
fn number_arrays_reduce_and_gather_across_engines_like_any_array() {
    run_checked(
        r#"
let n = engines().len();
// allreduce of typed lists: floats, ints, and floats meeting ints.
let r = px(`let v = []; v.pad(20, rank() + 0.5); allreduce(v, "sum")`);
let want = []; want.pad(20, n * n / 2.0);
for x in r { check("allreduce of floats", x, want) }
let r = px(`let v = []; v.pad(20, rank() + 1); allreduce(v, "prod")`);
let p = 1; for e in 1..=n { p *= e }
let want = []; want.pad(20, p);
for x in r { check("allreduce of ints", x, want) }
let r = px(`let v = []; v.pad(20, if rank() == 0 { 1 } else { 1.0 }); allreduce(v, "max")`);
let want = []; want.pad(20, if n == 1 { 1 } else { 1.0 });
for x in r { check("allreduce of ints with floats", x, want) }
let r = px(`let v = []; v.pad(20, true); let m = "no error"; try { allreduce(v, "sum") } catch (e) { m = e } m`);
if !`${r[0]}`.contains("allreduce(sum): cannot reduce a bool (true)") { throw `bools: ${r[0]}` }
// allgather and bcast carry them too.
let r = px(`allgather(floats(20 + rank()))`);
let want = []; for e in 0..n { want.push(floats(20 + e)) }
for x in r { check("allgather of lists", x, want) }
let r = px(`bcast(if rank() == 0 { ints(40) } else { () }, 0)`);
for x in r { check("bcast of a list", x, ints(40)) }
"#,
    );
}
