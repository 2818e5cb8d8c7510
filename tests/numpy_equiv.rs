//! The NumPy equivalence table: rows of `tests/data/numpy_equiv/<topic>.json` (written by
//! `tests/fixtures/gen_numpy_equiv.py` from the topic files in `tests/fixtures/numpy_equiv/`)
//! evaluated by pshell as a user would — NdArrays at the console, DistArrays on the
//! engines in every layout of their number of axes (`b`, `c`, `bc:K`, 2-D grids) — and
//! compared with NumPy's answers. Threads: 1, 3 and 4 engines (4 gives a 2×2 grid); MPI:
//! the usual clusters (`PSHELL_MPI_RANKS`, e.g. 4 ranks = 3 engines).
//!
//! Row format (JSON, one object per row):
//! - `name`; `inputs`: `{var: array}`; `expr`: pshell code using the vars, where `M::`
//!   stands for `nd::` or `da::`; `kinds`: `["nd", "da"]` or one of them;
//! - either `expected` (an array, or a scalar with `scalar: true`) with `tol`/`da_tol`
//!   `"exact"`, `"ulp"` (one ulp) or `"close"` (relative 1e-12), or `error`: a substring of
//!   the message pshell must give (the inputs must be unchanged afterwards).
//! - arrays are `{dtype, shape, data}`, floats in `data` as strings (Python's `repr`,
//!   exact; `"nan"`, `"inf"`, `"-0.0"`), complex as `[re, im]` string pairs.
//!
//! Another topic adds `tests/fixtures/numpy_equiv/<topic>.py`, regenerates, and adds a
//! `#[test]` calling [`run_topic`].

use crate::util::{clusters, mpi, script, On};
use serde_json::Value as J;

fn float_lit(s: &str) -> String {
    match s {
        "nan" => "(0.0 / 0.0)".into(),
        "inf" => "(1.0 / 0.0)".into(),
        "-inf" => "(-1.0 / 0.0)".into(),
        s => {
            let x: f64 = s.parse().unwrap_or_else(|_| panic!("a float in the table: {s}"));
            format!("{x:?}")
        }
    }
}

fn element(dtype: &str, v: &J) -> String {
    match dtype {
        "f64" | "f32" => float_lit(v.as_str().expect("floats are strings")),
        "c128" => panic!("c128 inputs: add them to the literal writer first"),
        _ => v.to_string(),
    }
}

/// A nested Rhai array literal of `data` in `shape`.
fn nested(dtype: &str, shape: &[usize], data: &[J]) -> String {
    match shape.split_first() {
        None => element(dtype, &data[0]),
        Some((&n, rest)) => {
            let step: usize = rest.iter().product();
            let items: Vec<String> = (0..n).map(|i| nested(dtype, rest, &data[i * step..(i + 1) * step])).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

fn shape_of(a: &J) -> Vec<usize> {
    a["shape"].as_array().expect("shape").iter().map(|n| n.as_u64().expect("extent") as usize).collect()
}

/// The Rhai expression making array `a` as an NdArray, or a DistArray with `dist`.
fn make(a: &J, dist: Option<&str>) -> String {
    let dtype = a["dtype"].as_str().expect("dtype");
    let shape = shape_of(a);
    let lit = nested(dtype, &shape, a["data"].as_array().expect("data"));
    if a["scalar"].as_bool() == Some(true) {
        return lit;
    }
    match dist {
        None => format!("nd::array({lit}, \"{dtype}\")"),
        Some(d) => format!("da::array({lit}, #{{dtype: \"{dtype}\", dist: {d}}})"),
    }
}

/// Layouts for an array of `ndim` axes on `engines` engines.
fn layouts(ndim: usize, engines: usize) -> Vec<&'static str> {
    let mut l = match ndim {
        1 => vec![r#"["b"]"#, r#"["c"]"#, r#"["bc:2"]"#],
        2 => vec![r#"["b", "n"]"#, r#"["c", "n"]"#, r#"["n", "bc:2"]"#, r#"["b", "c"]"#],
        _ => vec![r#"["b", "n", "n"]"#, r#"["n", "c", "n"]"#, r#"["bc:2", "n", "c"]"#],
    };
    if ndim == 2 && engines == 4 {
        l.push(r#"["b", "b"], grid: [2, 2]"#);
        l.push(r#"["bc:2", "c"], grid: [2, 2]"#);
    }
    l
}

const CHECK: &str = r#"
fn same(r, e, tol) {
    if type_of(e) != "NdArray" {
        if type_of(r) != type_of(e) { return `a ${type_of(r)} (${r}) where NumPy gives a ${type_of(e)} (${e})` }
        if r != e { return `${r} where NumPy gives ${e}` }
        return "";
    }
    if type_of(r) != "NdArray" { return `a ${type_of(r)} (${r}) where NumPy gives an array` }
    if r.shape != e.shape { return `shape ${r.shape} where NumPy gives ${e.shape}` }
    if r.dtype != e.dtype { return `dtype ${r.dtype} where NumPy gives ${e.dtype}` }
    if r.size == 0 { return "" }
    let ok = r == e;
    if r.dtype == "f64" || r.dtype == "f32" {
        ok = ok | ((r != r) & (e != e));
        let err = abs(r - e);
        if tol == "ulp" { ok = ok | (err <= abs(e) * 2.220446049250313e-16) }
        if tol == "close" { ok = ok | (err <= abs(e) * 1e-12) }
    }
    if !ok.all() { return `values ${r} where NumPy gives ${e}` }
    ""
}
let fails = [];
let checks = 0;
"#;

fn nd_row(r: &J) -> String {
    let name = r["name"].as_str().expect("name");
    let mut lets = String::new();
    for (k, v) in r["inputs"].as_object().expect("inputs") {
        lets += &format!("let {k} = {}; let {k}__before = {k}; ", make(v, None));
    }
    let expr = r["expr"].as_str().expect("expr").replace("M::", "nd::");
    if let Some(err) = r["error"].as_str() {
        let unchanged: Vec<String> = r["inputs"]
            .as_object()
            .expect("inputs")
            .keys()
            .map(|k| format!("if !({k} == {k}__before).all() {{ fails.push(\"{name} nd: {k} changed\") }}"))
            .collect();
        return format!(
            "{{ {lets} checks += 1; try {{ let r = {expr}; fails.push(\"{name} nd: no error\") }} catch (e) {{ \
             if !e.to_string().contains({err:?}) {{ fails.push(`{name} nd: message ${{e}}`) }} }} {} }}\n",
            unchanged.join(" ")
        );
    }
    let e = make(&r["expected"], None);
    let tol = r["tol"].as_str().unwrap_or("exact");
    format!(
        "{{ {lets} checks += 1; try {{ let r = {expr}; let m = same(r, {e}, \"{tol}\"); \
         if m != \"\" {{ fails.push(`{name} nd: ${{m}}`) }} }} catch (err) {{ fails.push(`{name} nd: error ${{err}}`) }} }}\n"
    )
}

fn da_row(r: &J, engines: usize) -> String {
    let name = r["name"].as_str().expect("name");
    let inputs = r["inputs"].as_object().expect("inputs");
    let ndims: Vec<usize> = inputs.values().map(|v| shape_of(v).len()).collect();
    let count = ndims.iter().map(|&d| layouts(d, engines).len()).max().unwrap_or(1);
    let expr = r["expr"].as_str().expect("expr").replace("M::", "da::");
    let mut out = String::new();
    for k in 0..count {
        let mut lets = String::new();
        let mut label = Vec::new();
        for ((var, v), &d) in inputs.iter().zip(&ndims) {
            let l = layouts(d, engines);
            let dist = l[k % l.len()];
            label.push(dist.replace('"', ""));
            lets += &format!("let {var} = {}; let {var}__before = {var}.copy(); ", make(v, Some(dist)));
        }
        let label = label.join(" ");
        if let Some(err) = r["error"].as_str() {
            let unchanged: Vec<String> =
                inputs.keys().map(|v| format!("ok = ok && ({v} == {v}__before).all();")).collect();
            let snippet = format!(
                "{lets} let msg = \"no error\"; try {{ let r = {expr}; }} catch (e) {{ msg = e.to_string(); }} \
                 let ok = true; {} if ok {{ msg }} else {{ \"an input changed\" }}",
                unchanged.join(" ")
            );
            out += &format!(
                "checks += 1; try {{ for m in px({snippet:?}) {{ if !m.contains({err:?}) {{ fails.push(`{name} da {label}: ${{m}}`); break; }} }} }} \
                 catch (e) {{ fails.push(`{name} da {label}: ${{e}}`) }}\n"
            );
            continue;
        }
        let e = make(&r["expected"], None);
        let tol = r["da_tol"].as_str().unwrap_or("exact");
        let snippet = format!("{lets} let r = {expr}; type_of(r) == \"DistArray\"");
        out += &format!(
            "checks += 1; try {{ let is_da = px({snippet:?}); let r = if is_da[0] {{ gather(\"r\") }} else {{ \
             let v = px(\"r\"); for x in v {{ if x != v[0] {{ throw `engines disagree: ${{v}}` }} }} v[0] }}; \
             let m = same(r, {e}, \"{tol}\"); if m != \"\" {{ fails.push(`{name} da {label}: ${{m}}`) }} }} \
             catch (err) {{ fails.push(`{name} da {label}: error ${{err}}`) }}\n"
        );
    }
    out
}

/// The table's rows of `topic`.
pub fn rows(topic: &str) -> Vec<J> {
    let path = format!("{}/tests/data/numpy_equiv/{topic}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: J = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    doc["rows"].as_array().expect("rows").clone()
}

fn equiv_clusters() -> Vec<On> {
    if mpi() {
        clusters()
    } else {
        vec![On::Threads(1), On::Threads(3), On::Threads(4), On::Threads(7)]
    }
}

/// Runs every row of `topic` on every cluster; panics listing the rows that differ.
pub fn run_topic(topic: &str) {
    let rows = rows(topic);
    for on in equiv_clusters() {
        let mut code = CHECK.to_string();
        let mut expected_checks = 0;
        for r in &rows {
            let kinds: Vec<&str> = r["kinds"].as_array().expect("kinds").iter().map(|k| k.as_str().unwrap()).collect();
            if kinds.contains(&"nd") {
                code += &nd_row(r);
                expected_checks += 1;
            }
            if kinds.contains(&"da") {
                let d = da_row(r, on.engines());
                expected_checks += d.matches("checks += 1").count();
                code += &d;
            }
        }
        code += "for f in fails { print(`FAIL ${f}`) } print(`checks ${checks} failures ${fails.len()}`);";
        let run = script(on, &code).ok();
        let summary = format!("checks {expected_checks} failures 0");
        assert!(run.stdout.contains(&summary), "{topic} on {on:?}: expected '{summary}'\n{}", run.stdout);
    }
}

#[test]
fn shape_operations_match_numpy() {
    assert!(rows("shape").len() >= 35);
    run_topic("shape");
}

#[test]
fn scans_and_differences_match_numpy() {
    run_topic("scan");
}
