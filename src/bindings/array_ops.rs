//! The operators, math functions and reductions that NdArray and DistArray share,
//! registered once for any type that implements [`ArrayOps`].
//!
//! Operators: `+ - * / % **`, comparisons `== != < <= > >=` (bool arrays), `& | ^` (bool
//! and integer arrays), unary `-` and `!`, each between two arrays and between an array
//! and a script scalar (int, float or bool) on either side. Math functions work as
//! functions and as methods (`sin(a)`, `a.sin()`). Reductions: `a.sum()` (whole array, a
//! scalar) and `a.sum(axis)` (an array without that axis). The variance is `a.var()`
//! (Rhai reserves `var`; `allow_reserved_api_names` makes it a name) or `a.variance()`.

use crate::nd::reduce::Reduction;
use crate::nd::{BinOp, Scalar, UnOp, C64};
use rhai::{Dynamic, Engine, EvalAltResult, NativeCallContext, Position};

pub type Res<T> = Result<T, Box<EvalAltResult>>;

/// A runtime error at the call site.
pub fn error(ctx: &NativeCallContext, msg: impl std::fmt::Display) -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(msg.to_string().into(), ctx.call_position()).into()
}

/// A runtime error where no call context is at hand (indexers).
pub fn plain_error(msg: impl std::fmt::Display) -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(msg.to_string().into(), Position::NONE).into()
}

/// A script scalar as a typed scalar: ints are i64, floats f64.
pub fn scalar_of(v: &Dynamic) -> Option<Scalar> {
    if let Ok(i) = v.as_int() {
        Some(Scalar::I64(i))
    } else if let Ok(x) = v.as_float() {
        Some(Scalar::F64(x))
    } else {
        v.as_bool().ok().map(Scalar::Bool)
    }
}

/// A typed scalar as a script value: ints → int, floats → float, complex → `#{re, im}`.
pub fn dynamic_of(s: Scalar) -> Dynamic {
    match s {
        Scalar::Bool(b) => b.into(),
        Scalar::I32(x) => (x as i64).into(),
        Scalar::I64(x) => x.into(),
        Scalar::F32(x) => (x as f64).into(),
        Scalar::F64(x) => x.into(),
        Scalar::C128(C64 { re, im }) => {
            let mut m = rhai::Map::new();
            m.insert("re".into(), re.into());
            m.insert("im".into(), im.into());
            m.into()
        }
    }
}

/// What a Rhai array type provides; `Ctx` is what its operations need besides the
/// arrays (nothing for NdArray, the engine's state for DistArray).
pub trait ArrayOps: Clone + 'static {
    type Ctx: Clone + 'static;
    fn binary(cx: &Self::Ctx, ctx: &NativeCallContext, a: Self, op: BinOp, b: Self) -> Res<Self>;
    fn binary_scalar(cx: &Self::Ctx, ctx: &NativeCallContext, a: Self, op: BinOp, s: Scalar, left: bool) -> Res<Self>;
    fn unary(cx: &Self::Ctx, ctx: &NativeCallContext, a: Self, op: UnOp) -> Res<Self>;
    fn reduce(cx: &Self::Ctx, ctx: &NativeCallContext, a: &Self, op: Reduction) -> Res<Dynamic>;
    fn reduce_axis(cx: &Self::Ctx, ctx: &NativeCallContext, a: &Self, op: Reduction, axis: i64) -> Res<Dynamic>;
}

const BINARY: [(&str, BinOp); 15] = [
    ("+", BinOp::Add),
    ("-", BinOp::Sub),
    ("*", BinOp::Mul),
    ("/", BinOp::Div),
    ("%", BinOp::Rem),
    ("**", BinOp::Pow),
    ("==", BinOp::Eq),
    ("!=", BinOp::Ne),
    ("<", BinOp::Lt),
    ("<=", BinOp::Le),
    (">", BinOp::Gt),
    (">=", BinOp::Ge),
    ("&", BinOp::And),
    ("|", BinOp::Or),
    ("^", BinOp::Xor),
];

/// Registers the operators, math functions and reductions for `T`.
pub fn register<T: ArrayOps>(engine: &mut Engine, cx: &T::Ctx) {
    for (name, op) in BINARY {
        let c = cx.clone();
        engine.register_fn(name, move |ctx: NativeCallContext, a: T, b: T| T::binary(&c, &ctx, a, op, b));
        macro_rules! with_scalar {
            ($s:ty, $wrap:expr) => {
                let c = cx.clone();
                engine.register_fn(name, move |ctx: NativeCallContext, a: T, s: $s| {
                    T::binary_scalar(&c, &ctx, a, op, $wrap(s), false)
                });
                let c = cx.clone();
                engine.register_fn(name, move |ctx: NativeCallContext, s: $s, a: T| {
                    T::binary_scalar(&c, &ctx, a, op, $wrap(s), true)
                });
            };
        }
        with_scalar!(i64, Scalar::I64);
        with_scalar!(f64, Scalar::F64);
        with_scalar!(bool, Scalar::Bool);
    }
    let c = cx.clone();
    engine.register_fn("-", move |ctx: NativeCallContext, a: T| T::unary(&c, &ctx, a, UnOp::Neg));
    let c = cx.clone();
    engine.register_fn("!", move |ctx: NativeCallContext, a: T| T::unary(&c, &ctx, a, UnOp::Not));
    for (name, op) in UnOp::FUNCTIONS {
        let c = cx.clone();
        engine.register_fn(name, move |ctx: NativeCallContext, a: T| T::unary(&c, &ctx, a, op));
    }
    // The variance is also `variance` (scripts written before `var` parsed keep working).
    let names = Reduction::ALL.iter().map(|&op| (op.name(), op)).chain([("variance", Reduction::Var)]);
    for (name, op) in names {
        let c = cx.clone();
        engine.register_fn(name, move |ctx: NativeCallContext, a: &mut T| T::reduce(&c, &ctx, a, op));
        let c = cx.clone();
        engine.register_fn(name, move |ctx: NativeCallContext, a: &mut T, axis: i64| {
            T::reduce_axis(&c, &ctx, a, op, axis)
        });
    }
}

/// Reads a shape: an int or an array of ints.
pub fn ints_of(ctx: &NativeCallContext, what: &str, v: &Dynamic) -> Res<Vec<i64>> {
    if let Ok(n) = v.as_int() {
        return Ok(vec![n]);
    }
    let arr = v
        .read_lock::<rhai::Array>()
        .ok_or_else(|| error(ctx, format!("{what} must be an array of integers, not {}", v.type_name())))?;
    arr.iter()
        .map(|x| x.as_int().map_err(|_| error(ctx, format!("{what} must be an array of integers, but it holds {x}"))))
        .collect()
}

/// Reads an array of `[start, end]` / `[start, end, step]` ranges.
pub fn ranges_of(ctx: &NativeCallContext, v: &rhai::Array) -> Res<Vec<Vec<i64>>> {
    v.iter().map(|r| ints_of(ctx, "each slice range", r)).collect()
}
