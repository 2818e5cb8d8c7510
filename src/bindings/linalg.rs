//! The Rhai side of local linear algebra (console and engines): `nd::matmul`,
//! `nd::outer`, `nd::eye`, the method `x.dot(y)` and property `x.T`, and the sub-module
//! `nd::linalg` over [`crate::linalg`].
//!
//! ```rhai
//! let a = nd::array([[4.0, 1.0], [1.0, 3.0]]);
//! let x = nd::linalg::solve(a, nd::array([1.0, 2.0]));
//! let r = a.dot(x) - nd::array([1.0, 2.0]);          // ~0
//! let qr = nd::linalg::qr(a);                        // [q, r]
//! let usv = nd::linalg::svd(a, #{full_matrices: false});
//! let n = nd::linalg::norm(a, "fro");
//! ```
//!
//! Operands may be NdArrays or nested Rhai arrays of numbers. Options are positional
//! as in NumPy (`qr(a, "complete")`, `svd(a, false)`, `eigh(a, "U")`, `norm(x, 1, 0)`)
//! or a map (`svd(a, #{full_matrices: false, compute_uv: true})`,
//! `norm(x, #{ord: "inf", axis: 1})`, `lstsq(a, b, #{rcond: 1e-10})`).

use super::array_ops::{dynamic_of, error, ints_of, Res};
use super::nd::{dtype_of, from_rhai};
use crate::linalg::norm::Ord;
use crate::linalg::{decomp, norm, product};
use crate::nd::{DType, NdArray};
use rhai::{Array, Dynamic, Engine, Map, Module, NativeCallContext};

/// An operand: an NdArray, or nested script arrays made into one.
pub fn operand(ctx: &NativeCallContext, op: &str, v: &Dynamic) -> Res<NdArray> {
    if let Some(a) = v.read_lock::<NdArray>() {
        return Ok(a.clone());
    }
    if v.is_array() {
        return from_rhai(ctx, v, None);
    }
    Err(error(ctx, format!("{op}: expected an NdArray or an array of numbers, not {}", v.type_name())))
}

/// A 0-d result as its scalar, anything else as the array.
pub fn result(a: NdArray) -> Dynamic {
    if a.ndim() == 0 {
        match a.get(&[]) {
            Ok(s) => dynamic_of(s),
            Err(_) => Dynamic::from(a),
        }
    } else {
        Dynamic::from(a)
    }
}

fn arrays(parts: Vec<NdArray>) -> Array {
    parts.into_iter().map(Dynamic::from).collect()
}

/// Reads a norm order: `()`, a number, or "fro" "nuc" "inf" "-inf".
pub fn ord_of(ctx: &NativeCallContext, op: &str, v: &Dynamic) -> Res<Option<Ord>> {
    if v.is_unit() {
        return Ok(None);
    }
    if let Ok(i) = v.as_int() {
        return Ok(Some(Ord::P(i as f64)));
    }
    if let Ok(x) = v.as_float() {
        return Ok(Some(Ord::P(x)));
    }
    if let Some(s) = v.read_lock::<rhai::ImmutableString>() {
        return Ord::parse(op, s.as_str()).map(Some).map_err(|e| error(ctx, e));
    }
    Err(error(
        ctx,
        format!("{op}: the norm order must be a number or \"fro\", \"nuc\", \"inf\", \"-inf\", not {}", v.type_name()),
    ))
}

/// Reads an options map, refusing keys not in `known`.
pub fn options(ctx: &NativeCallContext, op: &str, v: &Dynamic, known: &[&str]) -> Res<Map> {
    let m = v
        .read_lock::<Map>()
        .map(|m| m.clone())
        .ok_or_else(|| error(ctx, format!("{op}: options must be a map, not {}", v.type_name())))?;
    for k in m.keys() {
        if !known.contains(&k.as_str()) {
            return Err(error(ctx, format!("{op}: unknown option '{k}': use {}", known.join(", "))));
        }
    }
    Ok(m)
}

fn float_opt(ctx: &NativeCallContext, op: &str, m: &Map, key: &str) -> Res<Option<f64>> {
    match m.get(key) {
        None => Ok(None),
        Some(v) if v.is_unit() => Ok(None),
        Some(v) => v
            .as_float()
            .or_else(|_| v.as_int().map(|i| i as f64))
            .map(Some)
            .map_err(|t| error(ctx, format!("{op}: {key} must be a number, not {t}"))),
    }
}

fn bool_opt(ctx: &NativeCallContext, op: &str, m: &Map, key: &str, default: bool) -> Res<bool> {
    match m.get(key) {
        None => Ok(default),
        Some(v) => v.as_bool().map_err(|t| error(ctx, format!("{op}: {key} must be true or false, not {t}"))),
    }
}

fn axis_of(ctx: &NativeCallContext, v: &Dynamic) -> Res<Option<Vec<i64>>> {
    if v.is_unit() {
        return Ok(None);
    }
    ints_of(ctx, "nd::linalg::norm: axis", v).map(Some)
}

/// A number given as a float or an integer (`()` for the default).
fn number(ctx: &NativeCallContext, op: &str, what: &str, v: &Dynamic) -> Res<Option<f64>> {
    if v.is_unit() {
        return Ok(None);
    }
    v.as_float()
        .or_else(|_| v.as_int().map(|i| i as f64))
        .map(Some)
        .map_err(|t| error(ctx, format!("{op}: {what} must be a number, not {t}")))
}

/// Registers `x.dot(y)` and `x.T` on NdArray.
pub fn register_methods(engine: &mut Engine) {
    engine.register_fn("dot", |ctx: NativeCallContext, a: &mut NdArray, b: Dynamic| -> Res<Dynamic> {
        let b = operand(&ctx, "dot", &b)?;
        product::dot(a, &b).map(result).map_err(|e| error(&ctx, e))
    });
    engine.register_get("T", |a: &mut NdArray| a.transpose());
}

/// Adds `matmul`, `outer`, `eye` and the sub-module `linalg` to the module `nd`.
pub fn add(m: &mut Module) {
    m.set_native_fn("matmul", |ctx: NativeCallContext, a: Dynamic, b: Dynamic| -> Res<Dynamic> {
        let (a, b) = (operand(&ctx, "nd::matmul", &a)?, operand(&ctx, "nd::matmul", &b)?);
        product::matmul(&a, &b).map(result).map_err(|e| error(&ctx, e))
    });
    m.set_native_fn("outer", |ctx: NativeCallContext, a: Dynamic, b: Dynamic| -> Res<NdArray> {
        let (a, b) = (operand(&ctx, "nd::outer", &a)?, operand(&ctx, "nd::outer", &b)?);
        product::outer(&a, &b).map_err(|e| error(&ctx, e))
    });
    let eye = |ctx: &NativeCallContext, n: i64, o: Option<&Dynamic>| -> Res<NdArray> {
        let op = "nd::eye";
        let (mut cols, mut k, mut dtype) = (n, 0, DType::F64);
        if let Some(o) = o {
            if o.is_map() {
                let m = options(ctx, op, o, &["m", "k", "dtype"])?;
                let int = |key: &str, d: i64| -> Res<i64> {
                    m.get(key).map_or(Ok(d), |v| {
                        v.as_int().map_err(|t| error(ctx, format!("{op}: {key} must be an integer, not {t}")))
                    })
                };
                cols = int("m", n)?;
                k = int("k", 0)?;
                dtype = dtype_of(ctx, m.get("dtype"), DType::F64)?;
            } else {
                dtype = dtype_of(ctx, Some(o), DType::F64)?;
            }
        }
        if n < 0 || cols < 0 {
            return Err(error(ctx, format!("{op}: sizes must be 0 or more, not {n} × {cols}")));
        }
        product::eye(n as usize, cols as usize, k, dtype).map_err(|e| error(ctx, e))
    };
    m.set_native_fn("eye", move |ctx: NativeCallContext, n: i64| eye(&ctx, n, None));
    m.set_native_fn("eye", move |ctx: NativeCallContext, n: i64, o: Dynamic| eye(&ctx, n, Some(&o)));
    m.set_sub_module("linalg", linalg_module());
}

fn linalg_module() -> Module {
    let mut m = Module::new();
    macro_rules! one {
        ($name:literal, $f:expr) => {
            m.set_native_fn($name, |ctx: NativeCallContext, a: Dynamic| -> Res<Dynamic> {
                let a = operand(&ctx, concat!("nd::linalg::", $name), &a)?;
                let f = $f;
                f(&a).map_err(|e| error(&ctx, e))
            });
        };
    }
    one!("inv", |a: &NdArray| decomp::inv(a).map(Dynamic::from));
    one!("det", |a: &NdArray| decomp::det(a).map(dynamic_of));
    one!("slogdet", |a: &NdArray| decomp::slogdet(a).map(|(s, l)| Dynamic::from(vec![dynamic_of(s), l.into()])));
    one!("cholesky", |a: &NdArray| decomp::cholesky(a).map(Dynamic::from));
    one!("eig", |a: &NdArray| decomp::eig(a).map(|p| Dynamic::from(arrays(p))));
    one!("qr", |a: &NdArray| decomp::qr(a, "reduced").map(|p| Dynamic::from(arrays(p))));
    one!("svd", |a: &NdArray| decomp::svd(a, true, true).map(|p| Dynamic::from(arrays(p))));
    one!("eigh", |a: &NdArray| decomp::eigh(a, "L").map(|p| Dynamic::from(arrays(p))));
    one!("pinv", |a: &NdArray| decomp::pinv(a, None).map(Dynamic::from));
    one!("matrix_rank", |a: &NdArray| decomp::matrix_rank(a, None).map(Dynamic::from));
    one!("cond", |a: &NdArray| decomp::cond(a, None).map(Dynamic::from));
    one!("norm", |a: &NdArray| norm::norm(a, None, None).map(result));

    m.set_native_fn("solve", |ctx: NativeCallContext, a: Dynamic, b: Dynamic| -> Res<NdArray> {
        let op = "nd::linalg::solve";
        decomp::solve(&operand(&ctx, op, &a)?, &operand(&ctx, op, &b)?).map_err(|e| error(&ctx, e))
    });
    m.set_native_fn("qr", |ctx: NativeCallContext, a: Dynamic, mode: Dynamic| -> Res<Array> {
        let op = "nd::linalg::qr";
        let mode = if let Some(s) = mode.read_lock::<rhai::ImmutableString>() {
            s.to_string()
        } else {
            let m = options(&ctx, op, &mode, &["mode"])?;
            m.get("mode").map(|v| v.to_string()).unwrap_or_else(|| "reduced".into())
        };
        decomp::qr(&operand(&ctx, op, &a)?, &mode).map(arrays).map_err(|e| error(&ctx, e))
    });
    m.set_native_fn("svd", |ctx: NativeCallContext, a: Dynamic, o: Dynamic| -> Res<Dynamic> {
        let op = "nd::linalg::svd";
        let (full, uv) = if let Ok(full) = o.as_bool() {
            (full, true)
        } else {
            let m = options(&ctx, op, &o, &["full_matrices", "compute_uv"])?;
            (bool_opt(&ctx, op, &m, "full_matrices", true)?, bool_opt(&ctx, op, &m, "compute_uv", true)?)
        };
        let mut parts = decomp::svd(&operand(&ctx, op, &a)?, full, uv).map_err(|e| error(&ctx, e))?;
        Ok(if uv { Dynamic::from(arrays(parts)) } else { Dynamic::from(parts.remove(0)) })
    });
    m.set_native_fn("eigh", |ctx: NativeCallContext, a: Dynamic, uplo: &str| -> Res<Array> {
        decomp::eigh(&operand(&ctx, "nd::linalg::eigh", &a)?, uplo).map(arrays).map_err(|e| error(&ctx, e))
    });
    let lstsq = |ctx: &NativeCallContext, a: &Dynamic, b: &Dynamic, rcond: Option<f64>| -> Res<Array> {
        let op = "nd::linalg::lstsq";
        let r = decomp::lstsq(&operand(ctx, op, a)?, &operand(ctx, op, b)?, rcond).map_err(|e| error(ctx, e))?;
        Ok(vec![Dynamic::from(r.x), Dynamic::from(r.residuals), r.rank.into(), Dynamic::from(r.s)])
    };
    m.set_native_fn("lstsq", move |ctx: NativeCallContext, a: Dynamic, b: Dynamic| lstsq(&ctx, &a, &b, None));
    m.set_native_fn("lstsq", move |ctx: NativeCallContext, a: Dynamic, b: Dynamic, o: Dynamic| {
        let op = "nd::linalg::lstsq";
        let rcond = if o.is_map() {
            float_opt(&ctx, op, &options(&ctx, op, &o, &["rcond"])?, "rcond")?
        } else {
            number(&ctx, op, "rcond", &o)?
        };
        lstsq(&ctx, &a, &b, rcond)
    });
    m.set_native_fn("pinv", |ctx: NativeCallContext, a: Dynamic, o: Dynamic| -> Res<NdArray> {
        let op = "nd::linalg::pinv";
        let rcond = if o.is_map() {
            float_opt(&ctx, op, &options(&ctx, op, &o, &["rcond"])?, "rcond")?
        } else {
            number(&ctx, op, "rcond", &o)?
        };
        decomp::pinv(&operand(&ctx, op, &a)?, rcond).map_err(|e| error(&ctx, e))
    });
    m.set_native_fn("matrix_rank", |ctx: NativeCallContext, a: Dynamic, o: Dynamic| -> Res<i64> {
        let op = "nd::linalg::matrix_rank";
        let tol = if o.is_map() {
            float_opt(&ctx, op, &options(&ctx, op, &o, &["tol"])?, "tol")?
        } else {
            number(&ctx, op, "tol", &o)?
        };
        decomp::matrix_rank(&operand(&ctx, op, &a)?, tol).map_err(|e| error(&ctx, e))
    });
    m.set_native_fn("cond", |ctx: NativeCallContext, a: Dynamic, p: Dynamic| -> Res<f64> {
        let op = "nd::linalg::cond";
        let p = ord_of(&ctx, op, &p)?;
        decomp::cond(&operand(&ctx, op, &a)?, p.as_ref()).map_err(|e| error(&ctx, e))
    });
    let norm_call = |ctx: &NativeCallContext, x: &Dynamic, ord: &Dynamic, axis: &Dynamic| -> Res<Dynamic> {
        let op = "nd::linalg::norm";
        let (ord, axis) = if ord.is_map() {
            let m = options(ctx, op, ord, &["ord", "axis"])?;
            (
                ord_of(ctx, op, m.get("ord").unwrap_or(&Dynamic::UNIT))?,
                axis_of(ctx, m.get("axis").unwrap_or(&Dynamic::UNIT))?,
            )
        } else {
            (ord_of(ctx, op, ord)?, axis_of(ctx, axis)?)
        };
        norm::norm(&operand(ctx, op, x)?, ord.as_ref(), axis.as_deref()).map(result).map_err(|e| error(ctx, e))
    };
    m.set_native_fn("norm", move |ctx: NativeCallContext, x: Dynamic, ord: Dynamic| {
        norm_call(&ctx, &x, &ord, &Dynamic::UNIT)
    });
    m.set_native_fn("norm", move |ctx: NativeCallContext, x: Dynamic, ord: Dynamic, axis: Dynamic| {
        norm_call(&ctx, &x, &ord, &axis)
    });
    m
}
