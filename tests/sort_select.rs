//! Sorting, searching, selection and counting (`sort argsort unique searchsorted select
//! take put clip nonzero count_nonzero histogram`) compared with NumPy's answers in
//! `tests/data/sort_select.json` (written by `tests/fixtures/gen_sort.py`): each
//! expression is evaluated on an NdArray at the console and on DistArrays on the engines
//! in several layouts, on every cluster. Bad input (a mask of another shape, an index
//! out of range, an axis out of range) must fail with a clear message and change nothing.

use crate::util::{clusters, script, On};
use serde_json::Value as Json;

fn cases() -> Vec<Json> {
    let text = include_str!("data/sort_select.json");
    let v: Json = serde_json::from_str(text).expect("valid fixture JSON");
    v["cases"].as_array().expect("cases").clone()
}

/// A number of the fixture as a Rhai literal.
fn num(v: &Json) -> String {
    match v {
        Json::String(s) if s == "nan" => "(0.0/0.0)".into(),
        Json::String(s) if s == "inf" => "(1.0/0.0)".into(),
        Json::String(s) if s == "-inf" => "(-1.0/0.0)".into(),
        // Floats are strings in the fixture, so that they are read exactly.
        Json::String(s) => format!("{:?}", s.parse::<f64>().expect("a float")),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) if n.is_i64() => n.to_string(),
        other => panic!("not a number in the fixture: {other}"),
    }
}

/// An array of the fixture as Rhai code: `mk` (NdArray) or `mkd` (DistArray in layout `dist`).
fn array(v: &Json, dist: Option<&str>) -> String {
    match v {
        Json::Number(_) | Json::String(_) => num(v),
        Json::Array(items) => format!("[{}]", items.iter().map(|x| array(x, dist)).collect::<Vec<_>>().join(", ")),
        Json::Object(o) => {
            let data: Vec<String> = o["data"].as_array().expect("data").iter().map(num).collect();
            let shape = o["shape"].to_string();
            let dtype = o["dtype"].as_str().expect("dtype");
            match dist {
                None => format!("mk([{}], {shape}, \"{dtype}\")", data.join(", ")),
                Some(d) => format!("mkd([{}], {shape}, \"{dtype}\", {d})", data.join(", ")),
            }
        }
        other => panic!("unexpected fixture value {other}"),
    }
}

/// Helpers shared by the console and (shipped) the engines.
const HELPERS: &str = r#"
fn mk(data, shape, dt) {
    let z = nd::zeros(shape, dt);
    if data.len() > 0 { z.put(nd::arange(z.size), nd::array(data, dt)); }
    z
}
fn mkd(data, shape, dt, dist) {
    let z = da::zeros(shape, #{dist: dist, dtype: dt});
    if data.len() > 0 { z.put(nd::arange(z.size), nd::array(data, dt)); }
    z
}
fn same(got, want) {
    if type_of(want) == "array" {
        if type_of(got) != "array" || got.len() != want.len() { return false; }
        for i in 0..want.len() { if !same(got[i], want[i]) { return false; } }
        return true;
    }
    if type_of(want) == "i64" { return type_of(got) == "i64" && got == want; }
    if type_of(got) != "NdArray" && type_of(got) != "DistArray" { return false; }
    if got.shape != want.shape || got.dtype != want.dtype { return false; }
    let g = got.take(nd::arange(got.size));
    let w = want.take(nd::arange(want.size));
    // Zeros must have the sign NumPy gives them (1/x tells -0.0 from 0.0).
    let eq = if want.dtype == "f64" { (g == w) & ((g != 0.0) | ((1.0 / g) == (1.0 / w))) } else { g == w };
    (eq | ((g != g) & (w != w))).count_nonzero() == w.size
}
"#;

/// One case as a Rhai block that counts a pass in `n` or prints a failure.
fn check(i: usize, expr: &str, x: &str, want: &str, label: &str) -> String {
    let quoted = format!("{label} case {i} {expr}").replace('"', "'");
    format!(
        "{{ let x = {x}; let want = {want};
           try {{ let r = {expr}; if same(r, want) {{ n += 1; }} else {{ print(\"FAIL {quoted} got \" + r + \" want \" + want); }} }}
           catch (e) {{ print(\"FAIL {quoted} error \" + e); }} }}\n"
    )
}

fn equivalence_script(cases: &[Json]) -> String {
    let mut console = String::from("let n = 0;\n");
    let mut engines = String::from("let n = 0;\n");
    let dists_1d = ["[\"b\"]", "[\"c\"]", "[\"bc:3\"]"];
    let dists_2d = ["[\"b\", \"n\"]", "[\"c\", \"c\"]", "[\"bc:2\", \"b\"]"];
    let mut on_engines = 0;
    for (i, c) in cases.iter().enumerate() {
        let expr = c["expr"].as_str().expect("expr");
        console.push_str(&check(
            i,
            &expr.replace("M::", "nd::"),
            &array(&c["x"], None),
            &array(&c["want"], None),
            "nd",
        ));
        if c["nd_only"].as_bool() == Some(true) {
            continue;
        }
        let dists = if c["x"]["shape"].as_array().expect("shape").len() == 1 { dists_1d } else { dists_2d };
        for d in dists {
            let label = format!("da {d}").replace('"', "");
            let x = array(&c["x"], Some(d));
            engines.push_str(&check(i, &expr.replace("M::", "da::"), &x, &array(&c["want"], None), &label));
            on_engines += 1;
        }
    }
    console.push_str("print(\"nd passed \" + n);\n");
    engines.push_str("n\n");
    format!(
        "{HELPERS}\n{console}\nlet counts = px(`{engines}`);\nprint(\"da passed \" + counts[0] + \" of {on_engines} on \" + counts.len());\n"
    )
}

#[test]
fn equals_numpy_on_ndarrays_and_distarrays_in_every_layout() {
    let cases = cases();
    assert!(cases.len() >= 25, "the fixture has {} cases", cases.len());
    let code = equivalence_script(&cases);
    let on_engines: usize = cases.iter().filter(|c| c["nd_only"].as_bool() != Some(true)).count() * 3;
    for on in clusters().into_iter().filter(|c| c.engines() <= 4) {
        let r = script(on, &code).ok();
        let fails: Vec<&str> = r.stdout.lines().filter(|l| l.contains("FAIL")).collect();
        assert!(fails.is_empty(), "{on:?}: {} failures:\n{}", fails.len(), fails.join("\n"));
        assert!(r.stdout.contains(&format!("nd passed {}", cases.len())), "{on:?}:\n{}", r.stdout);
        let want = format!("da passed {on_engines} of {on_engines} on {}", on.engines());
        assert!(r.stdout.contains(&want), "{on:?}: expected '{want}':\n{}\n{}", r.stdout, r.stderr);
    }
}

/// Runs `code` and returns what it printed (it must succeed).
fn printed(on: On, code: &str) -> String {
    script(on, code).ok().stdout
}

#[test]
fn bad_input_fails_clearly_and_changes_nothing() {
    let body = r#"
        let report = [];
        let y = x.copy();
        try { x.select(mask3); report.push("no error"); } catch (e) { report.push(e); }
        try { x.take([0, 99]); report.push("no error"); } catch (e) { report.push(e); }
        try { x.put([1, -40], 5.0); report.push("no error"); } catch (e) { report.push(e); }
        try { x.sort(3); report.push("no error"); } catch (e) { report.push(e); }
        try { x.argsort(-2); report.push("no error"); } catch (e) { report.push(e); }
        try { x.select(x); report.push("no error"); } catch (e) { report.push(e); }
        try { M::histogram(x, 0); report.push("no error"); } catch (e) { report.push(e); }
        try { x.take([12], 0); report.push("no error"); } catch (e) { report.push(e); }
        try { x.take([0], 1); report.push("no error"); } catch (e) { report.push(e); }
        report.push(((x == y) | (x != x)).count_nonzero() == x.size);
        report
    "#;
    let want = [
        "select: the mask has shape [3] but the array has shape [12] (they must be the same)",
        "index 99 is out of bounds for",
        "index -40 is out of bounds for",
        "axis 3 is out of range for an array with 1 axes",
        "axis -2 is out of range for an array with 1 axes",
        "select: the mask must be a bool array, not f64",
        "histogram: bins must be at least 1, not 0",
        "index 12 is out of bounds for axis 0 with size 12",
        "axis 1 is out of range for an array with 1 axes",
        "true",
    ];
    let nd = format!(
        "let x = nd::arange(12).astype(\"f64\"); let mask3 = nd::array([true, false, true]);\nlet r = {{ {} }};\nfor v in r {{ print(v); }}",
        body.replace("M::", "nd::")
    );
    let da = format!(
        "let r = px(`let x = da::arange(12, #{{dist: [\"c\"]}}).astype(\"f64\"); let mask3 = da::ones([3], #{{dtype: \"bool\"}});\n{}`)[0];\nfor v in r {{ print(v); }}",
        body.replace("M::", "da::")
    );
    for on in clusters().into_iter().filter(|c| c.engines() <= 4) {
        for code in [&nd, &da] {
            let out = printed(on, code);
            let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
            assert_eq!(lines.len(), want.len(), "{on:?}:\n{out}");
            for (got, w) in lines.iter().zip(want) {
                assert!(got.contains(w), "{on:?}: expected '{w}' in '{got}'\n{out}");
            }
        }
    }
}

#[test]
fn distributed_sort_is_balanced_and_the_same_on_every_layout() {
    let code = r#"
        let e = px("1").len();
        let r = px(`
            let out = [];
            for d in ["b", "c", "bc:7"] {
                let a = da::randint(0, 50, [1001], #{dist: [d], seed: 5}).astype("f64") / 4.0;
                let s = a.sort();
                let i = a.argsort();
                let ok = s.dist == ["b"] && (s.take(nd::arange(1001)) - a.take(i.take(nd::arange(1001)))).abs().max() == 0.0;
                out.push([s.local_shape[0], ok, s.take(nd::arange(1001)).sum(), i.take(nd::arange(1001)).sum()]);
            }
            out
        `);
        let mx = 0; let mn = 1001; let total = 0;
        for x in r { let k = x[0][0]; total += k; if k > mx { mx = k; } if k < mn { mn = k; } }
        print("balanced " + (mx - mn <= 1) + " total " + total);
        print("same " + (r.all(|x| x[0][1] && x[1][1] && x[2][1] && x[0][2] == x[1][2] && x[1][2] == x[2][2])));
        print("indices " + r[0][0][3]);
    "#;
    for on in clusters().into_iter().filter(|c| c.engines() <= 4) {
        let out = printed(on, code);
        assert!(out.contains("balanced true total 1001"), "{on:?}:\n{out}");
        assert!(out.contains("same true"), "{on:?}:\n{out}");
        assert!(out.contains(&format!("indices {}", 1001 * 1000 / 2)), "{on:?}:\n{out}");
    }
}
