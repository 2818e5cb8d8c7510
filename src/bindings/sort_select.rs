//! Sorting, searching, selection and counting for NdArray (console and engines) and
//! DistArray (engines), over `crate::nd::{sort, select}` and
//! `crate::distarray::{sort, select}`.
//!
//! ```rhai
//! let x = nd::array([3.0, 1.0, 0.0/0.0, 2.0]);
//! x.sort()                      // [1.0, 2.0, 3.0, NaN]: NaN last, as NumPy
//! x.argsort()                   // [1, 3, 0, 2] (stable)
//! x.select(x > 1.5)             // [3.0, 2.0]
//! x.take([0, -1])               // [3.0, 2.0]
//! let h = nd::histogram(x.select(x == x), 2);   // [counts, edges]
//! let a = da::random([1000]);
//! let s = a.sort();             // a sample sort; block-distributed
//! let u = da::unique(da::randint(0, 5, [100]), #{counts: true});  // [values, counts]
//! s.searchsorted(0.5)           // an int
//! ```

use super::array_ops::{dynamic_of, error, scalar_of, Res};
use super::da::with;
use super::nd::from_rhai;
use crate::distarray::{select as dsel, sort as dsort, DistArray};
use crate::engine::state::State;
use crate::nd::NdArray;
use rhai::{Array, Dynamic, Engine, Map, Module, NativeCallContext};
use std::cell::RefCell;
use std::rc::Rc;

type St = Rc<RefCell<State>>;

/// An array argument: an NdArray, a (nested) script array or a number (a 0-d array).
fn array_arg(ctx: &NativeCallContext, what: &str, v: &Dynamic) -> Res<NdArray> {
    if let Some(a) = v.read_lock::<NdArray>() {
        return Ok(a.clone());
    }
    if let Some(items) = v.read_lock::<Array>() {
        if items.is_empty() {
            return Ok(NdArray::from_vec::<i64>(&[0], vec![]));
        }
    }
    if v.is_array() {
        return from_rhai(ctx, v, None);
    }
    match scalar_of(v) {
        Some(s) => Ok(NdArray::from_scalars(&[], s.dtype(), &[s])),
        None => Err(error(ctx, format!("{what} must be an NdArray, an array or a number, not {}", v.type_name()))),
    }
}

/// A 0-d result as its one value, anything else as an NdArray.
fn result_of(a: NdArray) -> Dynamic {
    if a.ndim() == 0 {
        a.get(&[]).map(dynamic_of).unwrap_or(Dynamic::UNIT)
    } else {
        Dynamic::from(a)
    }
}

fn bound(ctx: &NativeCallContext, v: &Dynamic) -> Res<crate::nd::Scalar> {
    scalar_of(v).ok_or_else(|| error(ctx, format!("clip: the bounds must be numbers, not {}", v.type_name())))
}

/// Reads an options map whose keys are among `allowed`.
fn options(ctx: &NativeCallContext, op: &str, o: &Dynamic, allowed: &[&str]) -> Res<Map> {
    let m = o.read_lock::<Map>().map(|m| m.clone()).ok_or_else(|| {
        error(ctx, format!("{op}: options must be a map like #{{{}: ..}}, not {}", allowed[0], o.type_name()))
    })?;
    if let Some(k) = m.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(error(ctx, format!("{op}: unknown option '{k}': use {}", allowed.join(", "))));
    }
    Ok(m)
}

fn counts_option(ctx: &NativeCallContext, op: &str, o: Option<&Dynamic>) -> Res<bool> {
    let Some(o) = o else { return Ok(false) };
    match options(ctx, op, o, &["counts"])?.get("counts") {
        None => Ok(false),
        Some(c) => c.as_bool().map_err(|t| error(ctx, format!("{op}: counts must be true or false, not {t}"))),
    }
}

fn range_option(ctx: &NativeCallContext, op: &str, o: Option<&Dynamic>) -> Res<Option<(f64, f64)>> {
    let Some(o) = o else { return Ok(None) };
    let Some(r) = options(ctx, op, o, &["range"])?.get("range").cloned() else { return Ok(None) };
    let bad = || error(ctx, format!("{op}: range must be [lo, hi] (two numbers), not {r}"));
    let items = r.read_lock::<Array>().map(|a| a.clone()).ok_or_else(bad)?;
    let nums: Vec<f64> = items.iter().filter_map(|x| scalar_of(x).map(|s| s.as_f64())).collect();
    match nums[..] {
        [lo, hi] if items.len() == 2 => Ok(Some((lo, hi))),
        _ => Err(bad()),
    }
}

fn pair(a: Dynamic, b: Dynamic) -> Array {
    vec![a, b]
}

/// Registers the NdArray methods.
pub fn register_nd(engine: &mut Engine) {
    let nd = |ctx: &NativeCallContext, r: Result<NdArray, crate::nd::NdError>| r.map_err(|e| error(ctx, e));
    engine.register_fn("sort", move |ctx: NativeCallContext, x: &mut NdArray| nd(&ctx, x.sort(-1)));
    engine.register_fn("sort", move |ctx: NativeCallContext, x: &mut NdArray, axis: i64| nd(&ctx, x.sort(axis)));
    engine.register_fn("argsort", move |ctx: NativeCallContext, x: &mut NdArray| nd(&ctx, x.argsort(-1)));
    engine.register_fn("argsort", move |ctx: NativeCallContext, x: &mut NdArray, axis: i64| nd(&ctx, x.argsort(axis)));
    engine.register_fn("searchsorted", move |ctx: NativeCallContext, x: &mut NdArray, v: Dynamic| {
        let v = array_arg(&ctx, "searchsorted: the values", &v)?;
        nd(&ctx, x.searchsorted(&v)).map(result_of)
    });
    engine.register_fn("select", move |ctx: NativeCallContext, x: &mut NdArray, mask: NdArray| {
        nd(&ctx, x.select_mask(&mask))
    });
    engine.register_fn("take", move |ctx: NativeCallContext, x: &mut NdArray, i: Dynamic| {
        let i = array_arg(&ctx, "take: the indices", &i)?;
        nd(&ctx, x.take(&i, None)).map(result_of)
    });
    engine.register_fn("take", move |ctx: NativeCallContext, x: &mut NdArray, i: Dynamic, axis: i64| {
        let i = array_arg(&ctx, "take: the indices", &i)?;
        nd(&ctx, x.take(&i, Some(axis)))
    });
    engine.register_fn("put", move |ctx: NativeCallContext, x: &mut NdArray, i: Dynamic, v: Dynamic| -> Res<()> {
        let (i, v) = (array_arg(&ctx, "put: the indices", &i)?, array_arg(&ctx, "put: the values", &v)?);
        x.put(&i, &v).map_err(|e| error(&ctx, e))
    });
    engine.register_fn("clip", move |ctx: NativeCallContext, x: &mut NdArray, lo: Dynamic, hi: Dynamic| {
        nd(&ctx, x.clip(bound(&ctx, &lo)?, bound(&ctx, &hi)?))
    });
    engine.register_fn("nonzero", |x: &mut NdArray| -> Array { x.nonzero().into_iter().map(Dynamic::from).collect() });
    engine.register_fn("count_nonzero", |x: &mut NdArray| x.count_nonzero() as i64);
}

/// Adds `unique`, `count_nonzero` and `histogram` to the module `nd`.
pub fn add_nd(m: &mut Module) {
    let unique = |ctx: &NativeCallContext, x: &NdArray, o: Option<&Dynamic>| -> Res<Dynamic> {
        let counts = counts_option(ctx, "nd::unique", o)?;
        let (v, c) = x.unique().map_err(|e| error(ctx, e))?;
        Ok(if counts { pair(Dynamic::from(v), Dynamic::from(c)).into() } else { Dynamic::from(v) })
    };
    m.set_native_fn("unique", move |ctx: NativeCallContext, x: NdArray| unique(&ctx, &x, None));
    m.set_native_fn("unique", move |ctx: NativeCallContext, x: NdArray, o: Dynamic| unique(&ctx, &x, Some(&o)));
    m.set_native_fn("count_nonzero", |x: NdArray| Ok(x.count_nonzero() as i64));
    let hist = |ctx: &NativeCallContext, x: &NdArray, bins: i64, o: Option<&Dynamic>| -> Res<Array> {
        let range = range_option(ctx, "nd::histogram", o)?;
        let (c, e) = x.histogram(bins, range).map_err(|e| error(ctx, e))?;
        Ok(pair(Dynamic::from(c), Dynamic::from(e)))
    };
    m.set_native_fn("histogram", move |ctx: NativeCallContext, x: NdArray, bins: i64| hist(&ctx, &x, bins, None));
    m.set_native_fn("histogram", move |ctx: NativeCallContext, x: NdArray, bins: i64, o: Dynamic| {
        hist(&ctx, &x, bins, Some(&o))
    });
}

/// Registers the DistArray methods, bound to this engine's state.
pub fn register_da(engine: &mut Engine, state: &St) {
    for (name, arg) in [("sort", false), ("argsort", true)] {
        let st = state.clone();
        engine.register_fn(name, move |ctx: NativeCallContext, a: &mut DistArray| {
            with(&st, ctx.call_position(), |c| dsort::sort_axis(c, a, -1, arg))
        });
        let st = state.clone();
        engine.register_fn(name, move |ctx: NativeCallContext, a: &mut DistArray, axis: i64| {
            with(&st, ctx.call_position(), |c| dsort::sort_axis(c, a, axis, arg))
        });
    }
    let st = state.clone();
    engine.register_fn("searchsorted", move |ctx: NativeCallContext, a: &mut DistArray, v: Dynamic| {
        let v = array_arg(&ctx, "searchsorted: the values", &v)?;
        with(&st, ctx.call_position(), |c| dsort::searchsorted(c, a, &v)).map(result_of)
    });
    let st = state.clone();
    engine.register_fn("select", move |ctx: NativeCallContext, a: &mut DistArray, mask: DistArray| {
        with(&st, ctx.call_position(), |c| dsel::select(c, a, &mask))
    });
    let st = state.clone();
    engine.register_fn("take", move |ctx: NativeCallContext, a: &mut DistArray, i: Dynamic| {
        let i = array_arg(&ctx, "take: the indices", &i)?;
        with(&st, ctx.call_position(), |c| dsel::take(c, a, &i)).map(result_of)
    });
    let st = state.clone();
    engine.register_fn("take", move |ctx: NativeCallContext, a: &mut DistArray, i: Dynamic, axis: i64| {
        let i = array_arg(&ctx, "take: the indices", &i)?;
        with(&st, ctx.call_position(), |c| dsel::take_axis(c, a, &i, axis)).map(result_of)
    });
    let st = state.clone();
    engine.register_fn("put", move |ctx: NativeCallContext, a: &mut DistArray, i: Dynamic, v: Dynamic| {
        let (i, v) = (array_arg(&ctx, "put: the indices", &i)?, array_arg(&ctx, "put: the values", &v)?);
        with(&st, ctx.call_position(), |c| dsel::put(c, a, &i, &v))
    });
    let st = state.clone();
    engine.register_fn("clip", move |ctx: NativeCallContext, a: &mut DistArray, lo: Dynamic, hi: Dynamic| {
        let (lo, hi) = (bound(&ctx, &lo)?, bound(&ctx, &hi)?);
        with(&st, ctx.call_position(), |c| dsel::clip(c, a, lo, hi))
    });
    let st = state.clone();
    engine.register_fn("nonzero", move |ctx: NativeCallContext, a: &mut DistArray| -> Res<Array> {
        let v = with(&st, ctx.call_position(), |c| dsel::nonzero(c, a))?;
        Ok(v.into_iter().map(Dynamic::from).collect())
    });
    let st = state.clone();
    engine.register_fn("count_nonzero", move |ctx: NativeCallContext, a: &mut DistArray| {
        with(&st, ctx.call_position(), |c| dsel::count_nonzero(c, a))
    });
}

/// Adds `unique`, `count_nonzero` and `histogram` to the module `da`.
pub fn add_da(m: &mut Module, state: &St) {
    let unique = |st: &St, ctx: &NativeCallContext, a: &DistArray, o: Option<&Dynamic>| -> Res<Dynamic> {
        let counts = counts_option(ctx, "da::unique", o)?;
        let (v, c) = with(st, ctx.call_position(), |comm| dsort::unique(comm, a))?;
        Ok(if counts { pair(Dynamic::from(v), Dynamic::from(c)).into() } else { Dynamic::from(v) })
    };
    let st = state.clone();
    m.set_native_fn("unique", move |ctx: NativeCallContext, a: DistArray| unique(&st, &ctx, &a, None));
    let st = state.clone();
    m.set_native_fn("unique", move |ctx: NativeCallContext, a: DistArray, o: Dynamic| unique(&st, &ctx, &a, Some(&o)));
    let st = state.clone();
    m.set_native_fn("count_nonzero", move |ctx: NativeCallContext, a: DistArray| {
        with(&st, ctx.call_position(), |c| dsel::count_nonzero(c, &a))
    });
    let hist = |st: &St, ctx: &NativeCallContext, a: &DistArray, bins: i64, o: Option<&Dynamic>| -> Res<Array> {
        let range = range_option(ctx, "da::histogram", o)?;
        let (c, e) = with(st, ctx.call_position(), |comm| dsel::histogram(comm, a, bins, range))?;
        Ok(pair(Dynamic::from(c), Dynamic::from(e)))
    };
    let st = state.clone();
    m.set_native_fn("histogram", move |ctx: NativeCallContext, a: DistArray, bins: i64| {
        hist(&st, &ctx, &a, bins, None)
    });
    let st = state.clone();
    m.set_native_fn("histogram", move |ctx: NativeCallContext, a: DistArray, bins: i64, o: Dynamic| {
        hist(&st, &ctx, &a, bins, Some(&o))
    });
}
