//! Exact comparisons of floats in Rhai, and `isclose` for approximate ones.
//!
//! Rhai's own `== != < <= > >=` on floats (built without its `unchecked` feature) compare
//! with a relative epsilon: `0.1 + 0.2 == 0.3` is true, and at infinity the relative
//! difference is NaN, so `1.0/0.0 > 1.0` and `x == x` for `x = inf` are false. A numerical
//! shell must compare as IEEE-754 does (as NumPy and Rust do), so [`register`] replaces
//! the six operators for `f64 ⊕ f64`, `f64 ⊕ i64` and `i64 ⊕ f64`:
//! - two floats compare as Rust's `f64` does: NaN is unequal to everything (`!=` true,
//!   every ordering false), `-0.0 == 0.0`, infinities are ordered;
//! - an integer and a float compare by their exact values (as Python does), not after
//!   rounding the integer to a float: `9007199254740993 == 9007199254740992.0` is false.
//!   For every integer of magnitude up to 2^53 this is the same as converting it.
//!
//! Rhai calls built-in operators of primitive types directly unless its "fast operators"
//! mode is off, so [`register`] turns that mode off; everything else about the engine
//! (its overflow checks, nesting and call limits) stays. The operators are registered on
//! the engine itself, so they apply to every script it runs, to functions shipped to
//! engines, and to the stdlib modules it compiles (`bindings::stdlib::register` calls
//! this first). `isclose(a, b [, rtol, atol])` is NumPy's `|a - b| <= atol + rtol·|b|`
//! (defaults 1e-5, 1e-8; NaN is close to nothing, an infinity only to itself).

use rhai::Engine;
use std::cmp::Ordering;

/// NumPy's default relative tolerance for `isclose`/`allclose`.
pub const RTOL: f64 = 1e-5;
/// NumPy's default absolute tolerance for `isclose`/`allclose`.
pub const ATOL: f64 = 1e-8;

/// The exact order of an integer and a float (`None` when the float is NaN).
pub fn cmp_int_float(i: i64, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    // 2^63 is exactly representable; every finite float in [-2^63, 2^63) truncates to an i64.
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if f >= TWO_63 {
        return Some(Ordering::Less);
    }
    if f < -TWO_63 {
        return Some(Ordering::Greater);
    }
    let t = f.trunc();
    match i.cmp(&(t as i64)) {
        Ordering::Equal => 0.0f64.partial_cmp(&(f - t)),
        other => Some(other),
    }
}

/// NumPy's `isclose` for two scalars.
pub fn isclose(a: f64, b: f64, rtol: f64, atol: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return false;
    }
    if a.is_infinite() || b.is_infinite() {
        return a == b;
    }
    (a - b).abs() <= atol + rtol * b.abs()
}

macro_rules! ops {
    ($engine:expr, $l:ty, $r:ty, $cmp:expr) => {{
        let cmp = $cmp;
        $engine.register_fn("==", move |a: $l, b: $r| cmp(a, b) == Some(Ordering::Equal));
        $engine.register_fn("!=", move |a: $l, b: $r| cmp(a, b) != Some(Ordering::Equal));
        $engine.register_fn("<", move |a: $l, b: $r| cmp(a, b) == Some(Ordering::Less));
        $engine.register_fn("<=", move |a: $l, b: $r| matches!(cmp(a, b), Some(Ordering::Less | Ordering::Equal)));
        $engine.register_fn(">", move |a: $l, b: $r| cmp(a, b) == Some(Ordering::Greater));
        $engine.register_fn(">=", move |a: $l, b: $r| matches!(cmp(a, b), Some(Ordering::Greater | Ordering::Equal)));
    }};
}

/// Makes float comparisons exact on `engine`, and registers `isclose`.
pub fn register(engine: &mut Engine) {
    engine.set_fast_operators(false);
    ops!(engine, f64, f64, |a: f64, b: f64| a.partial_cmp(&b));
    ops!(engine, f64, i64, |a: f64, b: i64| cmp_int_float(b, a).map(Ordering::reverse));
    ops!(engine, i64, f64, cmp_int_float);
    let num = |v: &rhai::Dynamic| -> Result<f64, Box<rhai::EvalAltResult>> {
        v.as_float()
            .or_else(|_| v.as_int().map(|i| i as f64))
            .map_err(|_| format!("isclose: expected numbers, not {}", super::convert::friendly_type_name(v)).into())
    };
    engine.register_fn(
        "isclose",
        move |a: rhai::Dynamic, b: rhai::Dynamic| -> Result<bool, Box<rhai::EvalAltResult>> {
            Ok(isclose(num(&a)?, num(&b)?, RTOL, ATOL))
        },
    );
    engine.register_fn(
        "isclose",
        move |a: rhai::Dynamic, b: rhai::Dynamic, rtol: rhai::Dynamic| -> Result<bool, Box<rhai::EvalAltResult>> {
            Ok(isclose(num(&a)?, num(&b)?, num(&rtol)?, ATOL))
        },
    );
    engine.register_fn(
        "isclose",
        move |a: rhai::Dynamic,
              b: rhai::Dynamic,
              rtol: rhai::Dynamic,
              atol: rhai::Dynamic|
              -> Result<bool, Box<rhai::EvalAltResult>> {
            Ok(isclose(num(&a)?, num(&b)?, num(&rtol)?, num(&atol)?))
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Engine {
        let mut e = Engine::new();
        register(&mut e);
        e
    }

    fn eval(e: &Engine, code: &str) -> bool {
        e.eval::<bool>(code).unwrap_or_else(|err| panic!("{code}: {err}"))
    }

    #[test]
    fn int_float_order_is_exact() {
        assert_eq!(cmp_int_float(1, 1.0), Some(Ordering::Equal));
        assert_eq!(cmp_int_float(1, 1.5), Some(Ordering::Less));
        assert_eq!(cmp_int_float(-1, -1.5), Some(Ordering::Greater));
        assert_eq!(cmp_int_float(0, -0.0), Some(Ordering::Equal));
        assert_eq!(cmp_int_float(i64::MAX, 9_223_372_036_854_775_808.0), Some(Ordering::Less));
        assert_eq!(cmp_int_float(i64::MIN, -9_223_372_036_854_775_808.0), Some(Ordering::Equal));
        assert_eq!(cmp_int_float(9_007_199_254_740_993, 9_007_199_254_740_992.0), Some(Ordering::Greater));
        assert_eq!(cmp_int_float(0, f64::NAN), None);
        assert_eq!(cmp_int_float(i64::MIN, f64::NEG_INFINITY), Some(Ordering::Greater));
    }

    #[test]
    fn operators_are_exact_in_scripts_and_functions() {
        let e = engine();
        for code in [
            "1.0/0.0 > 1.0",
            "let x = 1.0/0.0; x == x",
            "0.1 + 0.2 != 0.3",
            "!(0.1 + 0.2 == 0.3)",
            "let n = 0.0/0.0; n != n && !(n == n) && !(n < 1.0) && !(n >= 1.0) && !(n <= n)",
            "-0.0 == 0.0 && !(-0.0 < 0.0)",
            "1 < 1.0000000000000002 && 1.0000000000000002 > 1 && 1 != 1.0000000000000002",
            "1.0 == 1 && 1 == 1.0 && 2 >= 2.0 && 2.0 <= 2",
            "fn f(a, b) { a < b } f(1.0, 1.0000000000000002)",
            "let a = [0.3]; a[0] != 0.1 + 0.2",
            "isclose(0.1 + 0.2, 0.3) && !isclose(1.0, 1.1) && isclose(1.0, 1.1, 0.2) && isclose(1, 1.0)",
            "isclose(1e-9, 0.0) && !isclose(1e-9, 0.0, 1e-5, 0.0)",
            "let i = 1.0/0.0; isclose(i, i) && !isclose(i, -i) && !isclose(0.0/0.0, 0.0/0.0)",
        ] {
            assert!(eval(&e, code), "{code}");
        }
        // A module compiled by the engine (as the stdlib's are) compares exactly too.
        let ast = e.compile("fn lt(a, b) { a < b }").unwrap();
        let m = rhai::Module::eval_ast_as_new(rhai::Scope::new(), &ast, &e).unwrap();
        let mut e = e;
        e.register_static_module("m", m.into());
        assert!(eval(&e, "m::lt(1.0, 1.0/0.0)"));
        assert!(eval(&e, "m::lt(0.3, 0.1 + 0.2)"));
        assert!(eval(&e, "!m::lt(0.0/0.0, 1.0)"));
        // Integer arithmetic keeps its overflow check.
        assert!(e.eval::<i64>("9223372036854775807 + 1").is_err());
    }
}
