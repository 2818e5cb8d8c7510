//! Values cross between engines and console exactly.

use crate::util::{clusters, clusters_with, script};

#[test]
fn tricky_values_come_back_exactly() {
    for on in clusters() {
        let code = r#"
let v = px("[1.0/0.0, -1.0/0.0, -0.0, 0.0/0.0, -9223372036854775807 - 1, 9223372036854775807, `héllo 世界 🚀`, '🚀', blob(3, 255), #{a: [(), true], b: #{c: 'x'}}, 0.1 + 0.2]")[0];
if v[0] != 1.0/0.0 || v[1] != -1.0/0.0 { throw "infinities" }
if 1.0 / v[2] != -1.0/0.0 { throw "negative zero lost its sign" }
if v[3] == v[3] { throw "NaN is not NaN" }
if v[4] != -9223372036854775807 - 1 || v[5] != 9223372036854775807 { throw "i64 extremes" }
if v[6] != "héllo 世界 🚀" || v[7] != '🚀' { throw "unicode" }
if v[8] != blob(3, 255) { throw "blob" }
if v[9].a[0] != () || v[9].a[1] != true || v[9].b.c != 'x' { throw "nested map" }
if v[10] != 0.1 + 0.2 { throw "float bits" }
print("exact");
"#;
        assert_eq!(script(on, code).ok().stdout, "exact\n", "{on:?}");
    }
}

#[test]
fn function_pointers_travel_with_their_curried_values() {
    for on in clusters() {
        let code = "fn add(a, b) { a + b }\nlet f = px(\"Fn(`add`).curry(rank() + 40)\")[0];\nprint(f.call(2));";
        assert_eq!(script(on, code).ok().stdout, "42\n");
    }
}

#[test]
fn closures_with_captured_values_travel_between_engines() {
    for on in clusters_with(2) {
        let code = "print(px(\"let k = rank() + 10; let f = |x| x + k; let g = bcast(f, 1); g.call(1)\"));";
        let n = on.engines();
        let expected: Vec<String> = (0..n).map(|_| "12".to_string()).collect();
        assert_eq!(script(on, code).ok().stdout.trim(), format!("[{}]", expected.join(", ")));
    }
}

#[test]
fn a_value_that_cannot_travel_is_named() {
    for on in clusters() {
        let r = script(on, "px(\"timestamp()\", 0)").fails(1);
        assert!(
            r.stderr.contains("[0] CannotTravel: the snippet's result cannot be returned: a value of type 'timestamp' cannot travel between console and engines"),
            "{}",
            r.stderr
        );
        let r = script(on, "px(\"allgather(timestamp())\")").fails(1);
        assert!(r.stderr.contains("allgather: a value of type 'timestamp' cannot travel"), "{}", r.stderr);
    }
}

#[test]
fn a_closure_made_on_an_engine_says_why_it_cannot_come_back() {
    for on in clusters() {
        let r = script(on, "try { px(\"|x| x\", 0); } catch (e) { print(e) }").ok();
        assert!(r.stdout.contains("a closure made inside a snippet cannot leave the engines"), "{}", r.stdout);
    }
}
