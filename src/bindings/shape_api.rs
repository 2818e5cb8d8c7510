//! The Rhai side of shape operations, scans and approximate comparison, for NdArray
//! (console and engines) and DistArray (engines), and the constructors that make `nd` and
//! `da` offer the same ones.
//!
//! ```rhai
//! let x = nd::arange(12).reshape([3, -1]);      // [3, 4]
//! let y = x.transpose([1, 0]).flip(0).cumsum(0);
//! let z = nd::concatenate([x, x], 1);          // [3, 8]
//! let v = x.slice([[-1, -4, -1], [0, 4, 2]]);   // rows reversed, every other column
//! nd::allclose(nd::random([4], #{seed: 7}), nd::random([4], #{seed: 7}))
//! ```
//!
//! Methods: `reshape(shape)`, `ravel()`, `squeeze([axis])`, `expand_dims(axis)`,
//! `swapaxes(i, j)`, `transpose(axes)`, `flip(axis)`, `cumsum([axis])`, `cumprod([axis])`,
//! `diff([axis])`. Module functions: `concatenate(list [, axis])`, `stack(list [, axis])`
//! in both; `nd::isclose`, `nd::allclose`, `da::allclose`; `nd::random`, `nd::normal`,
//! `nd::randint` (the same counter-based streams as `da::`'s) and `da::array(nested [,o])`.
//! Everything converts arguments and calls `crate::nd` or `crate::distarray`.

use super::array_ops::{error, ints_of, Res};
use super::compare::{ATOL, RTOL};
use super::da::with;
use crate::distarray::array::{build, fresh_seed};
use crate::distarray::scan::{diff as da_diff, scan as da_scan};
use crate::distarray::{reshape as dr, Comm, DaError, DistArray, Distribution, Fill, Solo};
use crate::engine::state::State;
use crate::nd::random::Draw;
use crate::nd::reshape::{checked_permutation, infer_shape, swap_permutation};
use crate::nd::scan::ScanOp;
use crate::nd::{DType, NdArray, NdError};
use rhai::{Array, Dynamic, Engine, Map, Module, NativeCallContext};
use std::cell::RefCell;
use std::rc::Rc;

type St = Rc<RefCell<State>>;

fn nd_err<'a>(ctx: &'a NativeCallContext<'a>) -> impl Fn(NdError) -> Box<rhai::EvalAltResult> + 'a {
    move |e| error(ctx, e)
}

/// Registers the NdArray methods (console and engines).
pub fn register_nd(engine: &mut Engine) {
    engine.register_fn("reshape", |ctx: NativeCallContext, a: &mut NdArray, s: Dynamic| -> Res<NdArray> {
        a.reshaped(&ints_of(&ctx, "shape", &s)?).map_err(nd_err(&ctx))
    });
    engine.register_fn("ravel", |a: &mut NdArray| a.ravel());
    engine.register_fn("squeeze", |ctx: NativeCallContext, a: &mut NdArray| a.squeeze(None).map_err(nd_err(&ctx)));
    engine.register_fn("squeeze", |ctx: NativeCallContext, a: &mut NdArray, ax: i64| {
        a.squeeze(Some(ax)).map_err(nd_err(&ctx))
    });
    engine.register_fn("expand_dims", |ctx: NativeCallContext, a: &mut NdArray, ax: i64| {
        a.expand_dims(ax).map_err(nd_err(&ctx))
    });
    engine.register_fn("swapaxes", |ctx: NativeCallContext, a: &mut NdArray, i: i64, j: i64| {
        a.swapaxes(i, j).map_err(nd_err(&ctx))
    });
    engine.register_fn("transpose", |ctx: NativeCallContext, a: &mut NdArray, axes: Array| -> Res<NdArray> {
        a.transpose_axes(&ints_of(&ctx, "axes", &Dynamic::from(axes))?).map_err(nd_err(&ctx))
    });
    engine.register_fn("flip", |ctx: NativeCallContext, a: &mut NdArray, ax: i64| a.flip(ax).map_err(nd_err(&ctx)));
    for (name, op) in [("cumsum", ScanOp::Sum), ("cumprod", ScanOp::Prod)] {
        engine.register_fn(name, move |ctx: NativeCallContext, a: &mut NdArray| a.scan(op, None).map_err(nd_err(&ctx)));
        engine.register_fn(name, move |ctx: NativeCallContext, a: &mut NdArray, ax: i64| {
            a.scan(op, Some(ax)).map_err(nd_err(&ctx))
        });
    }
    engine.register_fn("diff", |ctx: NativeCallContext, a: &mut NdArray| a.diff(None).map_err(nd_err(&ctx)));
    engine
        .register_fn("diff", |ctx: NativeCallContext, a: &mut NdArray, ax: i64| a.diff(Some(ax)).map_err(nd_err(&ctx)));
}

fn nd_list(ctx: &NativeCallContext, what: &str, list: &Array) -> Res<Vec<NdArray>> {
    list.iter()
        .map(|v| {
            v.read_lock::<NdArray>().map(|a| a.clone()).ok_or_else(|| {
                error(ctx, format!("{what}: expected a list of NdArrays, but it holds a {}", v.type_name()))
            })
        })
        .collect()
}

fn num(ctx: &NativeCallContext, what: &str, v: &Dynamic) -> Res<f64> {
    v.as_float()
        .or_else(|_| v.as_int().map(|i| i as f64))
        .map_err(|_| error(ctx, format!("{what} must be a number, not {}", v.type_name())))
}

/// NumPy's `isclose` elementwise, `a` and `b` of one shape (or either a number).
fn isclose_nd(ctx: &NativeCallContext, a: &Dynamic, b: &Dynamic, tol: (f64, f64)) -> Res<NdArray> {
    let side = |v: &Dynamic| -> Res<(Option<NdArray>, f64)> {
        if let Some(x) = v.read_lock::<NdArray>() {
            if x.dtype() == DType::C128 {
                return Err(error(ctx, "isclose: c128 arrays are not supported; compare .re and .im"));
            }
            return Ok((Some(x.astype(DType::F64).map_err(nd_err(ctx))?), 0.0));
        }
        Ok((None, num(ctx, "isclose: each side", v)?))
    };
    let ((x, xs), (y, ys)) = (side(a)?, side(b)?);
    let shape = match (&x, &y) {
        (Some(p), Some(q)) if p.shape() != q.shape() => {
            return Err(error(ctx, format!("isclose: shapes {:?} and {:?} do not match", p.shape(), q.shape())))
        }
        (Some(p), _) | (None, Some(p)) => p.shape().to_vec(),
        (None, None) => {
            return Err(error(ctx, "nd::isclose: give at least one NdArray (isclose(a, b) compares numbers)"))
        }
    };
    let n: usize = shape.iter().product();
    let at = |s: &Option<NdArray>, k: f64, i: usize| s.as_ref().map_or(k, |a| a.as_slice::<f64>().expect("f64")[i]);
    let out: Vec<bool> = (0..n).map(|i| super::compare::isclose(at(&x, xs, i), at(&y, ys, i), tol.0, tol.1)).collect();
    Ok(NdArray::from_vec(&shape, out))
}

fn tolerances(ctx: &NativeCallContext, rest: &[Dynamic]) -> Res<(f64, f64)> {
    Ok((
        rest.first().map(|v| num(ctx, "rtol", v)).transpose()?.unwrap_or(RTOL),
        rest.get(1).map(|v| num(ctx, "atol", v)).transpose()?.unwrap_or(ATOL),
    ))
}

/// Options of `nd::random`/`normal`/`randint`: `#{seed, dtype, mean, std}`.
fn random_opts(ctx: &NativeCallContext, o: Option<&Dynamic>) -> Res<(Option<i64>, Option<DType>, f64, f64)> {
    let Some(o) = o else { return Ok((None, None, 0.0, 1.0)) };
    let m = o
        .read_lock::<Map>()
        .ok_or_else(|| error(ctx, format!("options must be a map like #{{seed: 7}}, not {}", o.type_name())))?;
    for k in m.keys() {
        if !["seed", "dtype", "mean", "std", "dist", "grid"].contains(&k.as_str()) {
            return Err(error(ctx, format!("unknown option '{k}': use seed, dtype, mean, std")));
        }
    }
    let seed =
        m.get("seed").map(|s| s.as_int().map_err(|_| error(ctx, "option seed must be an integer"))).transpose()?;
    let dtype = m.get("dtype").map(|d| super::nd::dtype_of(ctx, Some(d), DType::F64)).transpose()?;
    let f = |k: &str, d: f64| m.get(k).map(|v| num(ctx, k, v)).transpose().map(|x| x.unwrap_or(d));
    Ok((seed, dtype, f("mean", 0.0)?, f("std", 1.0)?))
}

/// A local array with the values `da::` would give for the same seed (one-engine layout).
fn local_random(
    ctx: &NativeCallContext,
    shape: &Dynamic,
    o: Option<&Dynamic>,
    draw: Option<Draw>,
    default: DType,
) -> Res<NdArray> {
    let shape = ints_of(ctx, "shape", shape)?;
    let (seed, dtype, mean, std) = random_opts(ctx, o)?;
    let draw = draw.unwrap_or(Draw::Normal { mean, std });
    let mut solo = Solo::new(0);
    let run = |c: &mut Solo| -> Result<NdArray, DaError> {
        let seed = match seed {
            Some(s) => s as u64,
            None => fresh_seed(c)?,
        };
        let dist = Distribution::from_user(&shape, None::<&[&str]>, None, 1)?;
        build(c, dist, dtype.unwrap_or(default), Fill::Random { draw, seed })?.into_local()
    };
    run(&mut solo).map_err(|e| error(ctx, e))
}

/// Adds the module functions of `nd`.
pub fn add_nd(m: &mut Module) {
    for (name, stack) in [("concatenate", false), ("stack", true)] {
        let join = move |ctx: &NativeCallContext, l: &Array, ax: i64| -> Res<NdArray> {
            let parts = nd_list(ctx, name, l)?;
            if stack { NdArray::stack(&parts, ax) } else { NdArray::concatenate(&parts, ax) }.map_err(nd_err(ctx))
        };
        m.set_native_fn(name, move |ctx: NativeCallContext, l: Array| join(&ctx, &l, 0));
        m.set_native_fn(name, move |ctx: NativeCallContext, l: Array, ax: i64| join(&ctx, &l, ax));
    }
    m.set_native_fn("isclose", |ctx: NativeCallContext, a: Dynamic, b: Dynamic| isclose_nd(&ctx, &a, &b, (RTOL, ATOL)));
    m.set_native_fn("isclose", |ctx: NativeCallContext, a: Dynamic, b: Dynamic, r: Dynamic| {
        isclose_nd(&ctx, &a, &b, tolerances(&ctx, &[r])?)
    });
    m.set_native_fn("isclose", |ctx: NativeCallContext, a: Dynamic, b: Dynamic, r: Dynamic, t: Dynamic| {
        isclose_nd(&ctx, &a, &b, tolerances(&ctx, &[r, t])?)
    });
    let all = |x: NdArray| x.as_slice::<bool>().expect("bool").iter().all(|&v| v);
    m.set_native_fn("allclose", move |ctx: NativeCallContext, a: Dynamic, b: Dynamic| {
        isclose_nd(&ctx, &a, &b, (RTOL, ATOL)).map(all)
    });
    m.set_native_fn("allclose", move |ctx: NativeCallContext, a: Dynamic, b: Dynamic, r: Dynamic| {
        isclose_nd(&ctx, &a, &b, tolerances(&ctx, &[r])?).map(all)
    });
    m.set_native_fn("allclose", move |ctx: NativeCallContext, a: Dynamic, b: Dynamic, r: Dynamic, t: Dynamic| {
        isclose_nd(&ctx, &a, &b, tolerances(&ctx, &[r, t])?).map(all)
    });
    m.set_native_fn("random", |ctx: NativeCallContext, s: Dynamic| {
        local_random(&ctx, &s, None, Some(Draw::Uniform), DType::F64)
    });
    m.set_native_fn("random", |ctx: NativeCallContext, s: Dynamic, o: Dynamic| {
        local_random(&ctx, &s, Some(&o), Some(Draw::Uniform), DType::F64)
    });
    m.set_native_fn("normal", |ctx: NativeCallContext, s: Dynamic| local_random(&ctx, &s, None, None, DType::F64));
    m.set_native_fn("normal", |ctx: NativeCallContext, s: Dynamic, o: Dynamic| {
        local_random(&ctx, &s, Some(&o), None, DType::F64)
    });
    let randint = |ctx: &NativeCallContext, lo: i64, hi: i64, s: &Dynamic, o: Option<&Dynamic>| -> Res<NdArray> {
        if hi <= lo {
            return Err(error(
                ctx,
                format!("nd::randint: the range [{lo}, {hi}) is empty: hi must be greater than lo"),
            ));
        }
        local_random(ctx, s, o, Some(Draw::Int { lo, hi }), DType::I64)
    };
    m.set_native_fn("randint", move |ctx: NativeCallContext, lo: i64, hi: i64, s: Dynamic| {
        randint(&ctx, lo, hi, &s, None)
    });
    m.set_native_fn("randint", move |ctx: NativeCallContext, lo: i64, hi: i64, s: Dynamic, o: Dynamic| {
        randint(&ctx, lo, hi, &s, Some(&o))
    });
}

/// Registers the DistArray methods (engines).
pub fn register_da(engine: &mut Engine, state: &St) {
    let st = state.clone();
    engine.register_fn("reshape", move |ctx: NativeCallContext, a: &mut DistArray, s: Dynamic| -> Res<DistArray> {
        let shape = infer_shape(a.shape(), &ints_of(&ctx, "shape", &s)?).map_err(nd_err(&ctx))?;
        with(&st, ctx.call_position(), |c| dr::reshape(c, a, &shape))
    });
    let st = state.clone();
    engine.register_fn("ravel", move |ctx: NativeCallContext, a: &mut DistArray| {
        let n = a.distribution().size();
        with(&st, ctx.call_position(), |c| dr::reshape(c, a, &[n]))
    });
    let st = state.clone();
    engine.register_fn("squeeze", move |ctx: NativeCallContext, a: &mut DistArray| {
        with(&st, ctx.call_position(), |c| dr::squeeze(c, a, None))
    });
    let st = state.clone();
    engine.register_fn("squeeze", move |ctx: NativeCallContext, a: &mut DistArray, ax: i64| {
        with(&st, ctx.call_position(), |c| dr::squeeze(c, a, Some(ax)))
    });
    let st = state.clone();
    engine.register_fn("expand_dims", move |ctx: NativeCallContext, a: &mut DistArray, ax: i64| {
        with(&st, ctx.call_position(), |c| dr::expand_dims(c, a, ax))
    });
    let st = state.clone();
    engine.register_fn(
        "swapaxes",
        move |ctx: NativeCallContext, a: &mut DistArray, i: i64, j: i64| -> Res<DistArray> {
            let perm = swap_permutation(i, j, a.shape().len()).map_err(nd_err(&ctx))?;
            with(&st, ctx.call_position(), |c| dr::permute(c, a, &perm))
        },
    );
    let st = state.clone();
    engine.register_fn("transpose", move |ctx: NativeCallContext, a: &mut DistArray, axes: Array| -> Res<DistArray> {
        let axes = ints_of(&ctx, "axes", &Dynamic::from(axes))?;
        let perm = checked_permutation(&axes, a.shape().len()).map_err(nd_err(&ctx))?;
        with(&st, ctx.call_position(), |c| dr::permute(c, a, &perm))
    });
    let st = state.clone();
    engine.register_fn("flip", move |ctx: NativeCallContext, a: &mut DistArray, ax: i64| {
        with(&st, ctx.call_position(), |c| dr::flip(c, a, ax))
    });
    for (name, op) in [("cumsum", ScanOp::Sum), ("cumprod", ScanOp::Prod)] {
        let st = state.clone();
        engine.register_fn(name, move |ctx: NativeCallContext, a: &mut DistArray| {
            with(&st, ctx.call_position(), |c| da_scan(c, a, op, None))
        });
        let st = state.clone();
        engine.register_fn(name, move |ctx: NativeCallContext, a: &mut DistArray, ax: i64| {
            with(&st, ctx.call_position(), |c| da_scan(c, a, op, Some(ax)))
        });
    }
    let st = state.clone();
    engine.register_fn("diff", move |ctx: NativeCallContext, a: &mut DistArray| {
        with(&st, ctx.call_position(), |c| da_diff(c, a, None))
    });
    let st = state.clone();
    engine.register_fn("diff", move |ctx: NativeCallContext, a: &mut DistArray, ax: i64| {
        with(&st, ctx.call_position(), |c| da_diff(c, a, Some(ax)))
    });
}

fn da_list(ctx: &NativeCallContext, what: &str, list: &Array) -> Res<Vec<DistArray>> {
    let parts: Vec<DistArray> = list
        .iter()
        .map(|v| {
            v.read_lock::<DistArray>().map(|a| a.clone()).ok_or_else(|| {
                error(ctx, format!("{what}: expected a list of DistArrays, but it holds a {}", v.type_name()))
            })
        })
        .collect::<Res<_>>()?;
    if parts.is_empty() {
        return Err(error(ctx, format!("{what}: needs at least one array")));
    }
    Ok(parts)
}

/// `da::allclose(a, b [, rtol, atol])`: the same bool on every engine.
fn allclose_da(st: &St, ctx: &NativeCallContext, a: &DistArray, b: &Dynamic, tol: (f64, f64)) -> Res<bool> {
    let scalar = match b.is::<DistArray>() {
        true => None,
        false => Some(num(ctx, "da::allclose: b (a DistArray or a number)", b)?),
    };
    let b = b.read_lock::<DistArray>().map(|x| x.clone());
    with(st, ctx.call_position(), |c| {
        let a_local = crate::distarray::ops::astype(c, a, DType::F64)?.local()?;
        let b_local = match &b {
            Some(b) => {
                if b.shape() != a.shape() {
                    return Err(DaError::Invalid(format!(
                        "da::allclose: shapes {:?} and {:?} do not match",
                        a.shape(),
                        b.shape()
                    )));
                }
                let b = crate::distarray::exchange::redistribute(c, b, a.distribution().clone())?;
                Some(crate::distarray::ops::astype(c, &b, DType::F64)?.local()?)
            }
            None => None,
        };
        let x = a_local.as_slice::<f64>().expect("f64");
        let mine = (0..x.len()).all(|i| {
            let y = b_local.as_ref().map_or(scalar.unwrap_or(0.0), |b| b.as_slice::<f64>().expect("f64")[i]);
            super::compare::isclose(x[i], y, tol.0, tol.1)
        });
        let all = c.allgather("allclose", crate::protocol::Value::Bool(mine))?;
        Ok(all.iter().all(|v| matches!(v, crate::protocol::Value::Bool(true))))
    })
}

/// Adds the module functions of `da`.
pub fn add_da(m: &mut Module, state: &St) {
    for (name, stack) in [("concatenate", false), ("stack", true)] {
        let join = move |st: &St, ctx: &NativeCallContext, l: &Array, ax: i64| -> Res<DistArray> {
            let parts = da_list(ctx, name, l)?;
            with(
                st,
                ctx.call_position(),
                |c| if stack { dr::stack(c, &parts, ax) } else { dr::concatenate(c, &parts, ax) },
            )
        };
        let st = state.clone();
        m.set_native_fn(name, move |ctx: NativeCallContext, l: Array| join(&st, &ctx, &l, 0));
        let st = state.clone();
        m.set_native_fn(name, move |ctx: NativeCallContext, l: Array, ax: i64| join(&st, &ctx, &l, ax));
    }
    let st = state.clone();
    m.set_native_fn("allclose", move |ctx: NativeCallContext, a: DistArray, b: Dynamic| {
        allclose_da(&st, &ctx, &a, &b, (RTOL, ATOL))
    });
    let st = state.clone();
    m.set_native_fn("allclose", move |ctx: NativeCallContext, a: DistArray, b: Dynamic, r: Dynamic| {
        allclose_da(&st, &ctx, &a, &b, tolerances(&ctx, &[r])?)
    });
    let st = state.clone();
    m.set_native_fn("allclose", move |ctx: NativeCallContext, a: DistArray, b: Dynamic, r: Dynamic, t: Dynamic| {
        allclose_da(&st, &ctx, &a, &b, tolerances(&ctx, &[r, t])?)
    });
    let array = |st: &St, ctx: &NativeCallContext, v: &Dynamic, o: Option<&Dynamic>| -> Res<DistArray> {
        let whole = super::nd::from_rhai(ctx, v, None)?;
        let (dist, grid, dtype) = layout_opts(ctx, o)?;
        let whole = match dtype {
            Some(d) => whole.astype(d).map_err(nd_err(ctx))?,
            None => whole,
        };
        let shape: Vec<i64> = whole.shape().iter().map(|&n| n as i64).collect();
        with(st, ctx.call_position(), |c| {
            let d = Distribution::from_user(&shape, dist.as_deref(), grid.as_deref(), c.size())?;
            let shard = crate::dispatch_dtype!(whole.dtype(), T => {
                let mut shards = crate::distarray::scatter_global(&d, whole.as_slice::<T>().expect("dtype"))?;
                NdArray::from_vec(&d.local_shape(c.rank())?, shards.swap_remove(c.rank()))
            });
            Ok(DistArray::from_shard(d, c.group().to_vec(), c.rank(), shard))
        })
    };
    let st = state.clone();
    m.set_native_fn("array", move |ctx: NativeCallContext, v: Dynamic| array(&st, &ctx, &v, None));
    let st = state.clone();
    m.set_native_fn("array", move |ctx: NativeCallContext, v: Dynamic, o: Dynamic| array(&st, &ctx, &v, Some(&o)));
}

type Layout = (Option<Vec<String>>, Option<Vec<i64>>, Option<DType>);

/// `#{dist, grid, dtype}` of `da::array`.
fn layout_opts(ctx: &NativeCallContext, o: Option<&Dynamic>) -> Res<Layout> {
    let Some(o) = o else { return Ok((None, None, None)) };
    let m = o
        .read_lock::<Map>()
        .ok_or_else(|| error(ctx, format!("options must be a map like #{{dist: [\"b\"]}}, not {}", o.type_name())))?;
    for k in m.keys() {
        if !["dist", "grid", "dtype"].contains(&k.as_str()) {
            return Err(error(ctx, format!("unknown option '{k}': use dist, grid, dtype")));
        }
    }
    let dist = m
        .get("dist")
        .map(|d| -> Res<Vec<String>> {
            let items: Array =
                d.clone().into_typed_array::<Dynamic>().map_err(|_| error(ctx, "dist must be an array of strings"))?;
            items.into_iter().map(|x| x.into_string().map_err(|_| error(ctx, "dist entries must be strings"))).collect()
        })
        .transpose()?;
    let grid = m.get("grid").map(|g| ints_of(ctx, "grid", g)).transpose()?;
    let dtype = m.get("dtype").map(|d| super::nd::dtype_of(ctx, Some(d), DType::F64)).transpose()?;
    Ok((dist, grid, dtype))
}
