//! DistDict driven as a user does: dict semantics from engines and the console, fixed
//! owners, SPMD and MPMD modes, access while the owner is busy, concurrent writes, write
//! order and flush, interrupts, and every bad input with its message.

use crate::util::{self, clusters, clusters_with, script, script_env, spmd, On};

#[test]
fn dict_semantics_on_engines_and_at_the_console() {
    for on in clusters() {
        let n = on.engines();
        let code = r#"
px(`let d = dd::new("t");`);
px(`d["s"] = "text"; d[7] = [1, 2.5, #{x: 'c'}]; d[true] = blob(3, 9); d['k'] = #{a: [()]}; d[-1] = -0.5;`, [0]);
let want = [5, [true, -1, 7, 'k', "s"], "text", [1, 2.5, #{x: 'c'}], blob(3, 9), #{a: [()]}, 42, true, true, false];
let got = px(`[d.len(), d.keys(), d["s"], d[7], d[true], d['k'], d.get("nope", 42), d.contains(7), 7 in d, d.contains(8)]`);
for g in got { if g != want { throw `an engine got ${g}` } }
let d = dd::open("t");
let c = [d.len(), d.keys(), d["s"], d[7], d[true], d['k'], d.get("nope", 42), d.contains(7), 7 in d, d.contains(8)];
if c != want { throw `the console got ${c}` }
let items = [[true, blob(3, 9)], [-1, -0.5], [7, [1, 2.5, #{x: 'c'}]], ['k', #{a: [()]}], ["s", "text"]];
print(d.items() == items);
print(d.remove(7) == want[3]);
print(d.remove(7) == ());
px(`if d.remove("s") != "text" { throw "remove" }`, [LAST]);
print(d.len());
d.set_many(#{p: 1, q: "two"});
px(`d.set_many([[1, "one"], ['z', 26], [false, ()]])`, [0]);
print(px(`d.get_many(["p", "q", 1, 'z', false])`)[LAST]);
print(d.get_many(["p", "nope"], "none"));
px(`d.add("n", 2); d.add("n", 3); d.add("f", 0.5); d.add("f", 1);`);
d.add("n", 1);
print([d["n"], d["f"]]);
print(d.values().len() == d.len());
print(`${d} ${d.size} ${d.name} ${d.mode}`);
d.clear();
print(px(`d.len()`));
d["after"] = 1;
print(d.keys());
"#
        .replace("LAST", &(n - 1).to_string());
        let r = script(on, &code).ok();
        let zeros = vec!["0"; n].join(", ");
        let expected = [
            "true".to_string(),
            "true".into(),
            "true".into(),
            "3".into(),
            r#"[1, "two", "one", 26, ()]"#.into(),
            r#"[1, "none"]"#.into(),
            format!("[{}, {:?}]", 5 * n + 1, 1.5 * n as f64),
            "true".into(),
            format!("DistDict(\"t\", mpmd, {n} engines) {n} t mpmd"),
            format!("[{zeros}]"),
            r#"["after"]"#.into(),
        ];
        assert_eq!(r.stdout.lines().collect::<Vec<_>>(), expected, "{on:?}");
    }
}

#[test]
fn owners_are_the_same_on_every_run_and_transport() {
    let code =
        "let d = dd::new();\nfor i in 0..30 { d[`k${i}`] = i; d[i] = i; d[i % 2 == 0] = i; }\nprint(d.local_keys());";
    for on in clusters_with(2) {
        let first = spmd(on, code).ok().sorted_lines();
        assert_eq!(first.len(), on.engines());
        assert!(first.iter().filter(|l| !l.ends_with("[]")).count() >= 2, "keys on one engine only: {first:?}");
        assert_eq!(spmd(on, code).ok().sorted_lines(), first);
        if util::mpi() {
            assert_eq!(spmd(On::Threads(on.engines()), code).ok().sorted_lines(), first, "threads and MPI differ");
        }
    }
}

#[test]
fn spmd_reads_give_every_engine_the_owners_value() {
    for on in clusters() {
        let code = r#"let d = dd::new(#{name: "s", mode: "spmd"});
for i in 0..20 { d[i] = i * i; }
d.set_many(#{a: 1, b: 2});
d.add("a", 10);
let r = [d.len(), d[3], d.get(99, "x"), d.contains("b"), d.get_many([1, 2, "a"]), d.remove(0), d.len(), d.items().len(), d.keys()[0], d.values()[0]];
let mine = d.local_keys().len();
let total = allreduce(mine, "sum");
d.clear();
print(`${r} ${total} ${d.len()}`);"#;
        let n = on.engines();
        let mut expected: Vec<String> =
            (0..n).map(|e| format!("[{e}] [22, 9, \"x\", true, [1, 4, 11], 0, 21, 21, 1, 1] 21 0")).collect();
        expected.sort();
        assert_eq!(spmd(on, code).ok().sorted_lines(), expected, "{on:?}");
    }
}

#[test]
fn spmd_misuse_is_an_error_naming_it() {
    for on in clusters_with(2) {
        let code = r#"
px(`let s = dd::new(#{name: "s", mode: "spmd"}); for i in 0..30 { s[i] = i; }`);
let k0 = px(`s.local_keys()`, [0])[0][0];
try { px(`s[1]`, [0]); } catch (e) { print(e) }
try { px(`if rank() == 0 { s[${k0}] } else { s.len() }`); } catch (e) { print(e) }
print(px(`s.len()`)[0]);
"#;
        let r = script(on, code).ok();
        assert!(r.stdout.contains("dict 's' is in SPMD mode, where every engine runs each of its operations, but this request runs on engine 0 only; use mode \"mpmd\" to reach it from some engines"), "{}", r.stdout);
        assert!(
            r.stdout.contains("dict 's' (SPMD): engines disagree at operation 1: engine 0 ran get("),
            "{}",
            r.stdout
        );
        assert!(r.stdout.contains(") while engine 1 ran len()"), "{}", r.stdout);
        assert!(r.stdout.ends_with("\n30\n"), "the session did not go on: {}", r.stdout);
    }
}

#[test]
fn the_owner_serves_while_it_runs_a_loop_or_waits_in_a_collective() {
    for on in clusters_with(2) {
        let code = r#"
px(`let d = dd::new("busy"); for i in 0..200 { d[i] = i; }`);
let k0 = px(`d.local_keys()`, [0])[0][0];
let d = dd::open("busy");
let r = px_async(`let x = 0; loop { x += 1; }`, [0]);
sleep(0.2);
d[k0] = "console";
if d[k0] != "console" { throw `console read ${d[k0]}` }
let seen = px(`d[${k0}] = "engine 1"; d.flush(); [d[${k0}], d.len()]`, [1]);
if seen != [["engine 1", 200]] { throw `engine 1 read ${seen}` }
if r.ready() { throw "engine 0 left its loop" }
interrupt([0]);
if !r.wait(20.0) { throw "the loop was not interrupted" }
let b = px_async(`if rank() == 0 { barrier() } else { sleep(0.6); barrier() }`);
sleep(0.2);
d[k0] = 5;
let inside = d[k0];
if b.ready() { throw "the barrier ended early" }
b.wait(20.0);
b.get();
print(`served: ${inside}`);
"#;
        let r = script(on, code).ok();
        assert_eq!(r.stdout, "served: 5\n", "{on:?}");
    }
}

#[test]
fn concurrent_writes_to_one_key_leave_one_whole_value() {
    for on in clusters_with(2) {
        let code = r#"
px(`let d = dd::new("race");`);
let last = px(`
let v = [];
for i in 0..200 {
    v.clear();
    v.pad(300, rank() * 1000 + i);
    d["hot"] = v;
    let got = d["hot"];
    if got.len() != 300 { throw "torn: length " + got.len() }
    for x in got { if x != got[0] { throw "torn: " + got[0] + " beside " + x } }
}
barrier();
let last = d["hot"];
for x in last { if x != last[0] { throw "torn at the end" } }
last[0]`);
for x in last { if x != last[0] { throw `engines disagree: ${last}` } }
let d = dd::open("race");
if d["hot"][0] != last[0] || d["hot"].len() != 300 { throw "the console disagrees" }
print(last[0] % 1000);
"#;
        assert_eq!(script(on, code).ok().stdout, "199\n", "{on:?}");
    }
}

#[test]
fn writes_land_in_order_and_flush_and_barrier_make_them_visible() {
    for on in clusters_with(2) {
        let code = r#"
px(`let d = dd::new("order");`);
let out = px(`
if rank() == 0 {
    for i in 1..=5000 { d["k"] = i; d.add("sum", i); }
    d.flush();
    send("flushed", 1);
} else if rank() == 1 {
    let last = 0;
    for r in 0..300 {
        let v = d.get("k", 0);
        if v < last { throw "went back from " + last + " to " + v }
        last = v;
    }
    recv(0);
    if d["k"] != 5000 || d["sum"] != 12502500 { throw "after flush: " + d["k"] + " " + d.get("sum", ()) }
}
d["e" + rank()] = rank();
barrier();
let seen = 0;
for e in 0..size() { if d["e" + e] == e { seen += 1 } }
seen`);
for s in out { if s != out.len() { throw `after the barrier an engine saw ${s} of ${out.len()} keys` } }
print("ok");
"#;
        assert_eq!(script(on, code).ok().stdout, "ok\n", "{on:?}");
    }
}

#[test]
fn a_dict_wait_ends_on_interrupt() {
    for on in clusters_with(2) {
        let code = r#"
px(`let s = dd::new(#{name: "s", mode: "spmd"}); for i in 0..30 { s[i] = i; }`);
let k1 = px(`s.local_keys()`, [1])[0][0];
let r = px_async(`if rank() == 1 { sleep(1000) } else { s[${k1}] }`);
sleep(0.3);
if r.ready() { throw "the read did not wait for its owner" }
interrupt();
if !r.wait(20.0) { throw "the wait was not interrupted" }
try { r.get(); } catch (e) { print(e); }
print(px(`s.local_keys().len()`).len());
"#;
        let n = on.engines();
        let r = script(on, code).ok();
        assert!(r.stdout.contains("Interrupted: interrupted"), "{}", r.stdout);
        assert!(r.stdout.ends_with(&format!("\n{n}\n")), "{}", r.stdout);
    }
}

#[test]
fn bad_input_gives_clear_errors_and_the_session_goes_on() {
    for on in clusters_with(2) {
        let n = on.engines();
        let code = r#"
px(`let d = dd::new("bad"); d["s"] = "text";`);
let d = dd::open("bad");
let cases = [
    || d["missing"],
    || d[1.5],
    || { d[[1, 2]] = 1 },
    || d.get(#{a: 1}, 0),
    || dd::open("nope"),
    || px(`dd::open("nope")`),
    || px(`dd::new("bad")`),
    || dd::new("x"),
    || px(`dd::new("x")`, [0]),
    || { d["t"] = timestamp() },
    || px(`d["t"] = timestamp()`),
    || px(`d[2.5] = 1`),
    || d.add("s", 1),
    || px(`d.add("s", 1)`),
    || d.add("n", "x"),
    || d.local_keys(),
    || d.rank,
    || px(`dd::new(#{name: "m", mode: "xmpmd"})`),
    || px(`dd::new(#{nmae: "m"})`),
    || d.set_many(5),
    || d.set_many([[1, 2], [3]]),
    || px(`d`),
    || { d.clear(); d["s"] },
];
for f in cases {
    try { let v = f.call(); print(`no error: ${v}`); } catch (e) { print(e); }
}
print(px("1").len());
"#;
        let r = script(on, code).ok();
        let expected = [
            "dict 'bad' has no key \"missing\"",
            "dict 'bad': a key must be a string, an integer, a boolean or a character, not a float (1.5)",
            "dict 'bad': a key must be a string, an integer, a boolean or a character, not an array ([1, 2])",
            "dict 'bad': a key must be a string, an integer, a boolean or a character, not a map (#{\"a\": 1})",
            "dd::open: there is no dict named 'nope' (dicts: bad)",
            "RuntimeError: dd::open: there is no dict named 'nope' (dicts: bad)",
            "RuntimeError: dd::new: a dict named 'bad' already exists; dd::open(\"bad\") gives a handle to it",
            "dd::new runs on the engines, all at once: px(\"let d = dd::new(\\\"words\\\")\"); at the console, dd::open(\"words\") gives a handle to it",
            &format!("RuntimeError: dd::new is collective over all {n} engines, but this request runs on engine 0"),
            "dict 'bad': the value for key \"t\" cannot be stored: a value of type 'timestamp' cannot travel between console and engines",
            "RuntimeError: dict 'bad': the value for key \"t\" cannot be stored: a value of type 'timestamp' cannot travel between console and engines",
            "RuntimeError: dict 'bad': a key must be a string, an integer, a boolean or a character, not a float (2.5)",
            "dict 'bad': a write was refused: add to key \"s\": its value is a string, not a number",
            "dict 'bad': a write was refused: add to key \"s\": its value is a string, not a number",
            "dict 'bad': d.add needs an integer or a float to add, not a string (\"x\")",
            "d.local_keys() is for engines: the console holds no part of dict 'bad'",
            "d.rank is the engine's id, on engines; the console holds no part of dict 'bad'",
            "RuntimeError: dd::new: mode must be \"mpmd\" or \"spmd\", not \"xmpmd\"",
            "RuntimeError: dd::new: unknown option 'nmae' (options: name, mode)",
            "dict 'bad': d.set_many takes a map or an array of [key, value] pairs, not a value of type 'i64' (5)",
            "dict 'bad': d.set_many takes a map or an array of [key, value] pairs, but item 1 is an array ([3])",
            "CannotTravel: the snippet's result cannot be returned: a value of type 'DistDict' cannot travel between console and engines",
            "dict 'bad' has no key \"s\"",
        ];
        for e in expected {
            assert!(r.stdout.contains(e), "{on:?}: expected {e:?} in\n{}", r.stdout);
        }
        assert!(!r.stdout.contains("no error"), "{}", r.stdout);
        assert!(r.stdout.ends_with(&format!("\n{n}\n")), "the session did not go on: {}", r.stdout);
    }
}

#[test]
fn a_million_one_megabyte_values_are_refused_before_memory_runs_out() {
    for on in clusters() {
        let code = r#"
px(`let big = dd::new("big");`);
let d = dd::open("big");
try {
    for i in 0..1000000 { d[i] = blob(1000000); }
    print("no error");
} catch (e) { print(e) }
let kept = d.len();
if kept < 1 { throw "nothing was kept" }
try {
    px(`for i in 0..1000000 { big[rank() * 1000000 + i] = blob(1000000); } big.flush();`);
    print("no error");
} catch (e) { print(e) }
print(d.len() >= kept);
print(px("1").len());
"#;
        let r = script_env(on, code, &[("PSHELL_DD_MEMORY", "64M")]).ok();
        let budget = "past its budget of 64.0 MB (PSHELL_DD_MEMORY=64M)";
        assert!(
            r.stdout.starts_with("dict 'big': a write was refused: engine "),
            "{on:?}: the console's write was not refused:\n{}",
            r.stdout
        );
        assert!(r.stdout.matches(budget).count() >= 2, "{on:?}:\n{}", r.stdout);
        assert!(r.stdout.contains("out of dict memory: it would hold "), "{}", r.stdout);
        assert!(!r.stdout.contains("no error"), "{}", r.stdout);
        assert!(r.stdout.ends_with(&format!("true\n{}\n", on.engines())), "{}", r.stdout);
    }
}

/// In process, on threads: `%status`'s function, and handles after the engines were reset
/// (no script can reset engines yet; the REPL's `%reset` will send this request).
#[test]
fn status_counts_keys_per_engine_and_handles_die_with_a_reset() {
    use pshell::bindings::distdict::status_lines;
    use pshell::client::Client;
    use pshell::console::Console;
    use pshell::protocol::RequestKind;
    use pshell::runner::{self, EngineConfig};
    use pshell::transport::threads;
    use std::time::Duration;

    let (console_end, ends) = threads::cluster(3);
    let engines: Vec<_> = ends
        .into_iter()
        .map(|end| std::thread::spawn(move || runner::run(Box::new(end), EngineConfig::default())))
        .collect();
    let client = Client::connect(Box::new(console_end), Box::new(|_| {})).unwrap();
    let mut console = Console::new(client);
    let _ = console.eval(r#"px(`let d = dd::new("w"); for i in 0..30 { d[i] = i; }`)"#, "test").unwrap();
    let busy = console
        .shared
        .borrow_mut()
        .client
        .submit(&[0], RequestKind::Execute { code: "let x = 0; loop { x += 1 }".into(), origin: "busy".into() });
    let lines = status_lines(&mut console.shared.borrow_mut().client).unwrap();
    assert!(!console.shared.borrow().client.is_done(busy), "engine 0 answered after its loop");
    let mut total = 0;
    for (e, line) in lines.iter().enumerate() {
        let rest = line.strip_prefix(&format!("engine {e}: w ")).unwrap_or_else(|| panic!("{line}"));
        total += rest.split(' ').next().unwrap().parse::<usize>().unwrap();
        assert!(rest.contains(" keys ("), "{line}");
    }
    assert_eq!((lines.len(), total), (3, 30), "{lines:?}");
    {
        let mut s = console.shared.borrow_mut();
        s.client.interrupt(&[0]);
        assert!(s.client.wait(busy, Some(Duration::from_secs(20))).is_some());
    }

    let _ = console.eval(r#"let h = dd::open("w");"#, "test").unwrap();
    console.shared.borrow_mut().client.run(&[0, 1, 2], RequestKind::Reset, "reset").unwrap();
    let e = console.eval("h[1]", "test").unwrap_err();
    assert!(e.starts_with("dict 'w' no longer exists: engine "), "{e}");
    assert!(e.contains(" was reset or restarted after this handle was made"), "{e}");
    let e = console.eval("h[1] = 2", "test").unwrap_err();
    assert!(e.starts_with("dict 'w': a write was refused: it no longer exists: engine "), "{e}");
    let e = console.eval(r#"dd::open("w")"#, "test").unwrap_err();
    assert!(e.starts_with("dd::open: there is no dict named 'w' (there are no dicts: engines create one"), "{e}");
    let n = console.eval(r#"px(`let d = dd::new("w")`); dd::open("w").len()"#, "test").unwrap();
    assert_eq!(n.as_int().unwrap(), 0);
    assert!(
        console.eval("h.len()", "test").unwrap_err().contains("no longer exists"),
        "a stale handle reached the new dict"
    );
    let lines = status_lines(&mut console.shared.borrow_mut().client).unwrap();
    assert_eq!(
        lines,
        vec!["engine 0: w 0 keys (0 bytes)", "engine 1: w 0 keys (0 bytes)", "engine 2: w 0 keys (0 bytes)"]
    );
    drop(console);
    for h in engines {
        h.join().unwrap();
    }
}
