//! Exact IEEE-754 float comparisons and `isclose`, at the console, in snippets on the
//! engines, and inside functions defined at the console and called on the engines.

use crate::util::{clusters, script};

/// `[expression, expected]` rows: each operator with ±inf, NaN, -0.0, values one ulp
/// apart, and integer/float mixes.
const ROWS: &str = r#"{
    let inf = 1.0 / 0.0; let nan = 0.0 / 0.0; let one_up = 1.0000000000000002; let one_down = 0.9999999999999999;
    [
        [inf > 1.0, true], [inf >= inf, true], [inf == inf, true], [inf != inf, false], [-inf < -1e308, true],
        [inf <= 1.0, false], [-inf == inf, false], [1 < inf, true], [inf > 9223372036854775807, true],
        [nan == nan, false], [nan != nan, true], [nan < 1.0, false], [nan <= 1.0, false], [nan > 1.0, false],
        [nan >= nan, false], [nan == 1, false], [1 != nan, true], [1 < nan, false], [nan >= 1, false],
        [-0.0 == 0.0, true], [-0.0 < 0.0, false], [-0.0 <= 0.0, true], [0 == -0.0, true], [-0.0 >= 0, true],
        [0.1 + 0.2 == 0.3, false], [0.1 + 0.2 != 0.3, true], [0.1 + 0.2 > 0.3, true],
        [one_up > 1.0, true], [one_up == 1.0, false], [one_down < 1.0, true], [one_down >= 1.0, false],
        [1 < one_up, true], [one_down < 1, true], [1 == 1.0, true], [2.0 <= 2, true], [3 > 2.5, true],
        [9007199254740993 == 9007199254740992.0, false], [9007199254740993 > 9007199254740992.0, true],
        [isclose(0.1 + 0.2, 0.3), true], [isclose(1.0, 1.001), false], [isclose(1.0, 1.001, 0.01), true],
        [isclose(1e-9, 0), true], [isclose(1e-9, 0, 0.0, 0.0), false], [isclose(inf, inf), true],
        [isclose(nan, nan), false], [isclose(inf, 1e308), false]
    ]
}"#;

fn check_code(rows_expr: &str) -> String {
    format!(
        r#"
        fn bad_rows() {{
            let rows = {rows_expr};
            let bad = [];
            for (r, i) in rows {{ if r[0] != r[1] {{ bad.push(i) }} }}
            bad
        }}
        let here = bad_rows();
        if here != [] {{ throw `console: rows ${{here}} are wrong` }}
        for b in px("bad_rows()") {{ if b != [] {{ throw `engine snippet: rows ${{b}} are wrong` }} }}
        for b in map(|i| bad_rows(), [1, 2, 3]) {{ if b != [] {{ throw `engine function: rows ${{b}} are wrong` }} }}
        let n = px("let x = 1.0 / 0.0; if x == x && 1.0/0.0 > 1.0 && !(0.1 + 0.2 == 0.3) {{ 1 }} else {{ 0 }}");
        if n.reduce(|s, v| s + v, 0) != n.len() {{ throw "engines compare approximately" }}
        print("ok");
    "#
    )
}

#[test]
fn float_operators_are_exact_on_console_and_engines() {
    let code = check_code(ROWS);
    for on in clusters() {
        let r = script(on, &code).ok();
        assert!(r.stdout.contains("ok"), "{on:?}:\n{}\n{}", r.stdout, r.stderr);
    }
}

#[test]
fn integer_overflow_and_isclose_errors_stay() {
    let code = r#"
        try { let x = 9223372036854775807; x + 1; print("no overflow error") } catch (e) { print(`overflow: ${e}`) }
        try { isclose("a", 1.0) } catch (e) { print(e) }
        let r = px("let ok = false; try { let x = 9223372036854775807; let y = x + 1; } catch { ok = true } ok");
        print(`engines overflow: ${r.all(|v| v)}`);
    "#;
    let r = script(clusters()[0], code).ok();
    assert!(r.stdout.contains("overflow: ") && !r.stdout.contains("no overflow error"), "{}", r.stdout);
    assert!(r.stdout.contains("isclose: expected numbers, not string"), "{}", r.stdout);
    assert!(r.stdout.contains("engines overflow: true"), "{}", r.stdout);
}
