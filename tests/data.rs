//! push, pull, scatter and gather: values move exactly, blocks are contiguous and
//! balanced, and bad input is a clear error after which the session goes on.

use crate::util::{clusters, clusters_with, script};
use pshell::engine::collectives::engine_list;

/// The composite error's header when `failed` of `n` engines failed ("" for one).
fn header(failed: usize, n: usize, op: &str) -> String {
    if failed == 1 {
        String::new()
    } else {
        format!("{failed} of {n} engines failed in {op}:\n")
    }
}

#[test]
fn push_and_pull_any_travelling_value_to_and_from_targets() {
    for on in clusters_with(2) {
        let code = r#"
fn add(a, b) { a + b }
let k = 5;
push(#{f: 1.0/0.0, z: -0.0, s: `héllo 🚀`, nested: #{a: [(), true, 'c']}, big: -9223372036854775807 - 1, g: |x| x + k, h: Fn("add").curry(40)});
let v = pull(["f", "z", "s", "nested", "big"]);
if v.len() != engines().len() { throw "one array per engine" }
for x in v {
    if x[0] != 1.0/0.0 || 1.0 / x[1] != -1.0/0.0 || x[2] != `héllo 🚀` { throw `scalars: ${x}` }
    if x[3].a[0] != () || x[3].a[2] != 'c' || x[4] != -9223372036854775807 - 1 { throw `nested: ${x}` }
}
print(px("[g.call(1), h.call(2)]", 0));
push(#{t: 7}, [1]);
print(pull("t", 1));
print(pull(["t"], [1]));
try { pull("t") } catch (e) { print(e) }
try { push(#{"not a name": 1}) } catch (e) { print(e) }
try { push(#{w: timestamp()}) } catch (e) { print(e) }
try { pull(3) } catch (e) { print(e) }
print(pull("k2_missing", [1]).len());
"#;
        let r = script(on, code);
        let n = on.engines();
        let without_1: Vec<usize> = (0..n).filter(|&e| e != 1).collect();
        let expected = format!(
            "[[6, 42]]\n[7]\n[[7]]\n{}[{}] NameError: pull: 't' is not defined on this engine\n\
             push: 'not a name' is not a valid variable name\n\
             push of 'w': a value of type 'timestamp' cannot travel between console and engines\n\
             pull: expected a name or an array of names, not i64\n",
            header(n - 1, n, "pull"),
            engine_list(&without_1)
        );
        assert_eq!(r.code, 1, "{on:?}: the missing name fails at the end\n{}\n{}", r.stdout, r.stderr);
        assert_eq!(r.stdout, expected, "{on:?}");
        assert!(r.stderr.contains("[1] NameError: pull: 'k2_missing' is not defined on this engine"), "{}", r.stderr);
    }
}

#[test]
fn scatter_splits_into_balanced_contiguous_blocks_and_gather_joins_them() {
    for on in clusters() {
        let n = on.engines();
        let code = r#"
let n = engines().len();
for len in [0, 1, n - 1, n, 10 * n + 3, 1000] {
    let a = [];
    for i in 0..len { a.push(if i % 2 == 0 { i } else { i * 0.5 }) }
    scatter("part", a);
    let sizes = pull("part").map(|p| p.len());
    let lo = len / n;
    for i in 0..n {
        let want = if i < len % n { lo + 1 } else { lo };
        if sizes[i] != want { throw `len ${len}: engine ${i} got ${sizes[i]} items, not ${want}` }
    }
    if gather("part") != a { throw `len ${len}: gather did not give the array back` }
    let firsts = px("if part.len() > 0 { part[0] } else { () }");
    let start = 0;
    for i in 0..n {
        if sizes[i] > 0 && firsts[i] != a[start] { throw `len ${len}: engine ${i} does not start at item ${start}` }
        start += sizes[i];
    }
}
if n >= 2 {
    scatter("r", [1, 2, 3, 4, 5], [n - 1, 0]);
    print(pull("r", [n - 1, 0]));
    print(gather("r", [n - 1, 0]));
}
print("ok");
"#;
        let r = script(on, code).ok();
        let expected = if n == 1 { "ok\n" } else { "[[1, 2, 3], [4, 5]]\n[1, 2, 3, 4, 5]\nok\n" };
        assert_eq!(r.stdout, expected, "{on:?}");
    }
}

#[test]
fn scatter_and_gather_bad_input_are_clear_errors() {
    for on in clusters_with(3) {
        let n = on.engines();
        let code = r#"
for v in [5, "text", #{a: 1}, ()] { try { scatter("x", v) } catch (e) { print(e) } }
try { scatter("x", [timestamp()]) } catch (e) { print(e) }
try { scatter("bad name", [1]) } catch (e) { print(e) }
scatter("y", [1, 2], [1]);
try { gather("y") } catch (e) { print(e) }
px("let z = if rank() == 1 { 5 } else if rank() == 2 { `s` } else { [rank()] };");
try { gather("z") } catch (e) { print(e) }
px("let w = rank();");
try { gather("w") } catch (e) { print(e) }
print(gather("y", 1));
"#;
        let r = script(on, code).ok();
        let without_y: Vec<usize> = (0..n).filter(|&e| e != 1).collect();
        let arrays: Vec<usize> = (0..n).filter(|&e| e != 1 && e != 2).collect();
        let arrays = format!("engine{} {}", if arrays.len() == 1 { "" } else { "s" }, engine_list(&arrays));
        let expected = format!(
            "scatter needs an array to split, not a value of type i64\n\
             scatter needs an array to split, not a value of type string\n\
             scatter needs an array to split, not a value of type map\n\
             scatter needs an array to split, not a value of type ()\n\
             scatter of 'x': a value of type 'timestamp' cannot travel between console and engines\n\
             scatter: 'bad name' is not a valid variable name\n\
             {}[{}] NameError: gather: 'y' is not defined on this engine\n\
             gather: 'z' has different types on the engines: array on {arrays}, i64 on engine 1, string on engine 2\n\
             gather: 'w' is not an array on any engine (it is i64); gather joins arrays (pull reads any value)\n\
             [1, 2]\n",
            header(n - 1, n, "gather"),
            engine_list(&without_y)
        );
        assert_eq!(r.stdout, expected, "{on:?}");
    }
}
