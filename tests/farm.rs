//! map, lb_map, submit and wait_all: results in order whatever the function (console
//! function, closure with captured values, name), failures named by item and engine after
//! the other items ran, and bad input as clear errors.

use crate::util::{clusters, clusters_with, script};

#[test]
fn map_and_lb_map_give_results_in_item_order_for_every_kind_of_function() {
    for on in clusters() {
        let code = r#"
fn sq(x) { x * x }
fn tagged(x) { #{x: x, on: rank()} }
let k = 100;
let items = [];
for i in 0..50 { items.push(i) }
let want = items.map(|x| x * x);
for f in [sq, "sq", Fn("sq"), |x| x * x] {
    if map(f, items) != want { throw `map with ${f}` }
    if lb_map(f, items) != want { throw `lb_map with ${f}` }
}
if map(|x| x + k, range(0, 5)) != [100, 101, 102, 103, 104] { throw "closure over a range" }
if lb_map(|x| x + k, 1..=3) != [101, 102, 103] { throw "closure over an inclusive range" }
if map(sq, []) != [] || lb_map(sq, []) != [] { throw "no items" }
// Items of any travelling type come back whole.
let odd = [#{a: [1.5, ()]}, "s", '🚀', -0.0];
if lb_map(|v| v, odd) != odd || map(|v| v, odd) != odd { throw "items travel exactly" }
// The static split: contiguous blocks, one per engine, in engine order.
let on = map(tagged, items).map(|t| t.on);
let n = engines().len();
for i in 1..on.len() { if on[i] < on[i - 1] { throw `map is not split in engine order: ${on}` } }
if on[0] != 0 || on[49] != n - 1 { throw `map did not use every engine: ${on}` }
print("ok");
"#;
        assert_eq!(script(on, code).ok().stdout, "ok\n", "{on:?}");
    }
}

#[test]
fn lb_map_balances_items_of_very_different_cost() {
    for on in clusters_with(2) {
        // Item 0 takes long; with load balancing the cheap items all go elsewhere.
        let code = r#"
fn work(x) { if x == 0 { sleep(1.0) } else { sleep(0.01) } #{x: x, on: rank()} }
let r = lb_map(work, range(0, 20));
let xs = r.map(|t| t.x);
for i in 0..20 { if xs[i] != i { throw `results out of order: ${xs}` } }
let slow = r[0].on;
let with_slow = r.filter(|t| t.on == slow).len();
print(with_slow);
let many = [];
for i in 0..10000 { many.push(i) }
let s = lb_map(|x| x + 1, many);
if s.len() != 10000 || s[0] != 1 || s[9999] != 10000 { throw "10^4 trivial items" }
print("ok");
"#;
        let r = script(on, code).ok();
        // The engine with the slow item took only it (and maybe one prefetched cheap item).
        let with_slow: usize = r.stdout.lines().next().unwrap().parse().unwrap();
        assert!(with_slow <= 2, "{on:?}: the engine with the slow item also ran {with_slow} items");
        assert!(r.stdout.ends_with("ok\n"), "{on:?}: {}", r.stdout);
    }
}

#[test]
fn a_failing_item_names_its_index_and_engine_after_the_others_ran() {
    for on in clusters() {
        for op in ["map", "lb_map"] {
            let code = format!(
                r#"
fn f(x) {{
    print(`ran ${{x}}`);
    if x == 7 {{ throw `seven is bad` }}
    x
}}
try {{ {op}(f, range(0, 12)) }} catch (e) {{ print(e) }}
print({op}(f, [1]));
"#
            );
            let r = script(on, &code).ok();
            let ran = r.stdout.lines().filter(|l| l.contains("] ran ")).count();
            assert_eq!(ran, 13, "{on:?} {op}: every item ran:\n{}", r.stdout);
            let text: Vec<&str> = r.stdout.lines().filter(|l| !l.contains("] ran ")).collect();
            assert_eq!(text[0], format!("{op}: 1 of 12 items failed:"), "{on:?}");
            assert!(text[1].starts_with("[item 7 on engine "), "{on:?}: {}", text[1]);
            assert!(text[1].ends_with("] RuntimeError: seven is bad"), "{on:?}: {}", text[1]);
            assert_eq!(text[2], "  in f (line 4, column 17)", "{on:?}");
            assert_eq!(text[3], "[1]", "{on:?}: the session goes on");
        }
    }
}

#[test]
fn many_failures_collapse_and_are_counted() {
    for on in clusters() {
        let code = r#"
try { lb_map(|x| if x % 2 == 1 { throw "odd" } else { x }, range(0, 100)) } catch (e) { print(e) }
"#;
        let r = script(on, code).ok();
        let mut lines = r.stdout.lines();
        assert_eq!(lines.next(), Some("lb_map: 50 of 100 items failed:"), "{on:?}");
        let second = lines.next().unwrap();
        assert!(second.starts_with("[items 1, 3, 5, 7, 9, 11, and 44 more on engine"), "{on:?}: {second}");
        assert!(second.ends_with("] RuntimeError: odd"), "{on:?}: {second}");
    }
}

#[test]
fn a_function_missing_on_the_engines_is_named() {
    for on in clusters_with(2) {
        let n = on.engines();
        let code = r#"
try { map("nosuch", [1, 2, 3]) } catch (e) { print(e) }
try { lb_map("nosuch", [1]) } catch (e) { print(e) }
fn two(a, b) { a + b }
try { print(submit(two, 1).get()) } catch (e) { print(e) }
px("fn only_here(x) { x }", 0);
try { map("only_here", range(0, engines().len() * 2)) } catch (e) { print(e) }
try { map("not a name", [1]) } catch (e) { print(e) }
try { map(42, [1]) } catch (e) { print(e) }
try { map(|x| x, 42) } catch (e) { print(e) }
try { lb_map(range(0, 3), |x| x) } catch (e) { print(e) }
"#;
        let r = script(on, code).ok();
        let missing = "FunctionNotFound: there is no function";
        let lines: Vec<&str> = r.stdout.lines().collect();
        assert_eq!(lines[0], "map: 3 of 3 items failed:", "{on:?}: {}", r.stdout);
        assert!(lines[1].starts_with("[items 0-2 on engine"), "{on:?}: {}", lines[1]);
        assert!(
            lines[1].ends_with(&format!(
                "] {missing} 'nosuch' taking 1 argument on the engines (define it at the console, or on every engine with px)"
            )),
            "{}",
            lines[1]
        );
        assert_eq!(lines[2], "lb_map: 1 of 1 item failed:", "{on:?}");
        assert!(lines[3].starts_with(&format!("[item 0 on engine 0] {missing} 'nosuch'")), "{}", r.stdout);
        assert!(lines[4].starts_with(&format!("[0] {missing} 'two' taking 1 argument")), "{}", r.stdout);
        let half = format!("map: {} of {} items failed:", 2 * n - 2, 2 * n);
        assert_eq!(lines[5], half, "{on:?}: only engine 0 has it");
        assert!(lines[6].contains(&format!("{missing} 'only_here'")), "{}", lines[6]);
        let tail = &lines[lines.len() - 4..];
        assert_eq!(
            tail,
            [
                "map: 'not a name' is not a function name",
                "map: expected a function (a function, its name, or a closure), not i64",
                "map: the items must be an array or a range of integers, not i64",
                "lb_map: the function comes first: lb_map(f, items)",
            ],
            "{on:?}"
        );
    }
}

#[test]
fn values_that_cannot_travel_are_named() {
    for on in clusters() {
        let code = r#"
let t = timestamp();
try { map(|x| x + t.elapsed, [1]) } catch (e) { print(e) }
try { lb_map(|x| x, [1, timestamp()]) } catch (e) { print(e) }
try { submit(|x| x, timestamp()) } catch (e) { print(e) }
try { map(|x| timestamp(), [1]) } catch (e) { print(e) }
"#;
        let r = script(on, code).ok();
        let tt = "a value of type 'timestamp' cannot travel between console and engines";
        let lines: Vec<&str> = r.stdout.lines().collect();
        assert_eq!(lines[0], format!("map: the function cannot travel to the engines: {tt} (captured by the closure)"));
        assert_eq!(lines[1], format!("lb_map: item 1 cannot travel to the engines: {tt}"));
        assert_eq!(lines[2], format!("submit: argument 1 cannot travel to the engines: {tt}"));
        assert_eq!(lines[3], "map: 1 of 1 item failed:");
        assert_eq!(lines[4], format!("[item 0 on engine 0] CannotTravel: the result cannot be returned: {tt}"));
    }
}

#[test]
fn submit_runs_on_idle_engines_and_wait_all_waits() {
    for on in clusters() {
        let code = r#"
fn slow(x) { sleep(0.05); x * 10 }
let rs = [];
for i in 0..12 { rs.push(submit(slow, i)) }
rs.push(submit(|a, b, c| a + b + c, 1, 2, 3));
rs.push(submit(Fn("slow"), 100));
if !wait_all(rs) { throw "wait_all without a timeout is true" }
print(rs.map(|r| r.get()));
print(rs.map(|r| r.progress()).filter(|p| p != [1, 1]).len());
let n = engines().len();
let used = [];
for r in rs { let e = r.engines; if e.len() != 1 || e[0] >= n { throw `engines: ${e}` } if !used.contains(e[0]) { used.push(e[0]) } }
print(used.len() == n.min(12));
let long = submit(slow, 1);
let quick = submit(|| 1);
print(quick.get());
let p = px_async("sleep(0.3); rank()");
print(wait_all([p, long], 0.01));
print(wait_all([p, long]));
print(p.get().len() == n);
try { wait_all([p], -1) } catch (e) { print(e) }
try { wait_all([p, 3]) } catch (e) { print(e) }
try { long.wait(-0.5) } catch (e) { print(e) }
try { submit(|x| x / 0, 1).get() } catch (e) { print(e) }
print(long.elapsed > 0.0);
print(`${long}`);
"#;
        let r = script(on, code).ok();
        let lines: Vec<&str> = r.stdout.lines().collect();
        assert_eq!(
            lines[..11],
            [
                "[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 6, 1000]",
                "0",
                "true",
                "1",
                "false",
                "true",
                "true",
                "wait_all: the timeout must be a number of seconds >= 0, not -1",
                "wait_all: item 1 is not an AsyncResult (it is i64)",
                "wait: the timeout must be a number of seconds >= 0, not -0.5",
                "[0] ArithmeticError: Division by zero: 1 / 0",
            ],
            "{on:?}"
        );
        assert_eq!(lines[11..], ["  in closure (line 24, column 20)", "true", "<AsyncResult of task 14: done>"]);
    }
}

#[test]
fn interrupt_stops_running_tasks_and_drops_queued_ones() {
    for on in clusters() {
        let code = r#"
fn slow(x) { sleep(0.5); x }
fn outcome(r) { try { r.get(); return "ok"; } catch (e) { return e; } }
let n = engines().len();
let rs = [];
for i in 0..(2 * n) { rs.push(submit(slow, i)) }
sleep(0.2);
interrupt();
let msgs = rs.map(|r| outcome(r));
print(msgs.filter(|m| m.ends_with("] Interrupted: interrupted")).len() == n);
print(msgs.filter(|m| m == "submit: Interrupted: interrupted before it reached an engine").len() == n);
print(submit(slow, 7).get());
"#;
        let r = script(on, code).ok();
        assert_eq!(r.stdout, "true\ntrue\n7\n", "{on:?}");
    }
}
