//! The Rhai side of DistArray on engines: the type, the module `da`, properties,
//! element access, and the collective methods.
//!
//! ```rhai
//! let a = da::random([1000, 1000], #{dist: ["b", "c"], seed: 7});
//! let b = da::roll(a, 1, 0) + a * 2.0;     // fused per shard; roll exchanges rows
//! print(b.sum(1).shape);                   // [1000]
//! let c = b.redistribute(["c", "n"]);
//! c[[0, 5]]                                // the same value on every engine
//! ```
//!
//! Every function borrows the engine's state for the call, builds the request's group
//! (`State::group_comm`) and calls `crate::distarray`; interrupted waits end the request
//! as interrupted, other failures are runtime errors at the call site.

use super::array_ops::{self, dynamic_of, error, ints_of, plain_error, scalar_of, ArrayOps, Res};
use super::nd::dtype_of;
use crate::distarray::array::{build, fresh_seed};
use crate::distarray::ops::{self, Reduced, Side};
use crate::distarray::{exchange, DaError, DistArray, Distribution, Fill};
use crate::engine::group::GroupComm;
use crate::engine::state::State;
use crate::nd::random::Draw;
use crate::nd::reduce::Reduction;
use crate::nd::{checked_axis, BinOp, DType, NdArray, Scalar, UnOp};
use rhai::{Array, Dynamic, Engine, EvalAltResult, Map, Module, NativeCallContext, Position};
use std::cell::RefCell;
use std::rc::Rc;

type St = Rc<RefCell<State>>;

pub(super) fn fail(pos: Position, e: DaError) -> Box<EvalAltResult> {
    match e {
        DaError::Interrupted => EvalAltResult::ErrorTerminated("interrupted".into(), pos).into(),
        e => EvalAltResult::ErrorRuntime(e.to_string().into(), pos).into(),
    }
}

/// Runs `f` with the request's group.
/// `a[index] = v` (collective).
fn set_element(st: &St, a: &mut DistArray, index: &[i64], v: &Dynamic) -> Res<()> {
    let value = scalar_of(v)
        .ok_or_else(|| plain_error(format!("an element must be a number or bool, not {}", v.type_name())))?;
    with(st, Position::NONE, |c| exchange::set(c, a, index, value))
}

pub(super) fn with<T>(st: &St, pos: Position, f: impl FnOnce(&mut GroupComm) -> Result<T, DaError>) -> Res<T> {
    let mut s = st.borrow_mut();
    let mut comm = s.group_comm().map_err(|e| fail(pos, e))?;
    f(&mut comm).map_err(|e| fail(pos, e))
}

impl ArrayOps for DistArray {
    type Ctx = St;

    fn binary(st: &St, ctx: &NativeCallContext, a: DistArray, op: BinOp, b: DistArray) -> Res<DistArray> {
        with(st, ctx.call_position(), |c| ops::binary(c, &a, op, &b))
    }

    fn binary_scalar(
        st: &St,
        ctx: &NativeCallContext,
        a: DistArray,
        op: BinOp,
        s: Scalar,
        left: bool,
    ) -> Res<DistArray> {
        with(st, ctx.call_position(), |c| ops::binary_scalar(c, &a, op, s, left))
    }

    fn unary(st: &St, ctx: &NativeCallContext, a: DistArray, op: UnOp) -> Res<DistArray> {
        with(st, ctx.call_position(), |c| ops::unary(c, &a, op))
    }

    fn reduce(st: &St, ctx: &NativeCallContext, a: &DistArray, op: Reduction) -> Res<Dynamic> {
        with(st, ctx.call_position(), |c| ops::reduce_all(c, a, op)).map(dynamic_of)
    }

    fn reduce_axis(st: &St, ctx: &NativeCallContext, a: &DistArray, op: Reduction, axis: i64) -> Res<Dynamic> {
        Ok(match with(st, ctx.call_position(), |c| ops::reduce_axis(c, a, op, axis))? {
            Reduced::Scalar(s) => dynamic_of(s),
            Reduced::Array(r) => Dynamic::from(r),
        })
    }
}

/// The options of a constructor: `#{dist: [..], grid: [..], dtype: "..", seed: n, mean: x, std: y}`.
struct Options {
    dist: Option<Vec<String>>,
    grid: Option<Vec<i64>>,
    dtype: Option<DType>,
    map: Map,
}

impl Options {
    fn read(ctx: &NativeCallContext, o: Option<&Dynamic>) -> Res<Options> {
        let map = match o {
            None => Map::new(),
            Some(v) => v.read_lock::<Map>().map(|m| m.clone()).ok_or_else(|| {
                error(
                    ctx,
                    format!(
                        "options must be a map like #{{dist: [\"b\", \"n\"], dtype: \"f64\"}}, not {}",
                        v.type_name()
                    ),
                )
            })?,
        };
        for key in map.keys() {
            if !["dist", "grid", "dtype", "seed", "mean", "std"].contains(&key.as_str()) {
                return Err(error(ctx, format!("unknown option '{key}': use dist, grid, dtype, seed, mean, std")));
            }
        }
        let dist = match map.get("dist") {
            None => None,
            Some(d) => Some(strings_of(ctx, d)?),
        };
        let grid = match map.get("grid") {
            None => None,
            Some(g) => Some(ints_of(ctx, "grid", g)?),
        };
        let dtype = match map.get("dtype") {
            None => None,
            Some(d) => Some(dtype_of(ctx, Some(d), DType::F64)?),
        };
        Ok(Options { dist, grid, dtype, map })
    }

    fn float(&self, ctx: &NativeCallContext, key: &str, default: f64) -> Res<f64> {
        match self.map.get(key) {
            None => Ok(default),
            Some(v) => v
                .as_float()
                .or_else(|_| v.as_int().map(|i| i as f64))
                .map_err(|_| error(ctx, format!("option {key} must be a number"))),
        }
    }

    /// The seed: given, or fresh and agreed by the group.
    fn seed(&self, c: &mut GroupComm) -> Result<u64, DaError> {
        match self.map.get("seed") {
            None => fresh_seed(c),
            Some(s) => {
                s.as_int().map(|s| s as u64).map_err(|_| DaError::Invalid("option seed must be an integer".into()))
            }
        }
    }
}

pub(super) fn strings_of(ctx: &NativeCallContext, v: &Dynamic) -> Res<Vec<String>> {
    if let Ok(s) = v.clone().into_immutable_string() {
        return Ok(vec![s.to_string()]);
    }
    let arr = v.read_lock::<Array>().ok_or_else(|| {
        error(ctx, format!("dist must be an array of strings like [\"b\", \"c\"], not {}", v.type_name()))
    })?;
    arr.iter()
        .map(|x| {
            x.clone()
                .into_immutable_string()
                .map(|s| s.to_string())
                .map_err(|_| error(ctx, format!("dist entries must be strings, not {}", x.type_name())))
        })
        .collect()
}

/// A constructor: reads the shape and options, builds this engine's shard.
fn construct(
    st: &St,
    ctx: &NativeCallContext,
    shape: &Dynamic,
    o: Option<&Dynamic>,
    default: DType,
    fill: impl FnOnce(&Options, &mut GroupComm) -> Result<Fill, DaError>,
) -> Res<DistArray> {
    let shape = ints_of(ctx, "shape", shape)?;
    let opts = Options::read(ctx, o)?;
    let dtype = opts.dtype.unwrap_or(default);
    with(st, ctx.call_position(), |c| {
        use crate::distarray::Comm;
        let dist = Distribution::from_user(&shape, opts.dist.as_deref(), opts.grid.as_deref(), c.size())?;
        let f = fill(&opts, c)?;
        build(c, dist, dtype, f)
    })
}

fn index_of(idx: &Array) -> Res<Vec<i64>> {
    idx.iter()
        .map(|x| x.as_int().map_err(|_| plain_error(format!("an index must hold integers, not {}", x.type_name()))))
        .collect()
}

fn side(v: Dynamic, ctx: &NativeCallContext) -> Res<Side> {
    if v.is::<DistArray>() {
        return Ok(Side::Array(v.cast::<DistArray>()));
    }
    scalar_of(&v)
        .map(Side::Scalar)
        .ok_or_else(|| error(ctx, format!("da::where: x and y must be DistArrays or numbers, not {}", v.type_name())))
}

fn describe(a: &DistArray) -> String {
    let d = a.distribution();
    format!(
        "DistArray(shape {:?}, {}, dist {:?}, grid {:?}, engines {})",
        d.shape(),
        a.dtype(),
        d.dist_strings(),
        d.grid().dims(),
        crate::distarray::engine_list(a.group())
    )
}

/// Registers the DistArray type and the module `da`, bound to this engine's state.
pub fn register(engine: &mut Engine, state: &St) {
    engine.register_type_with_name::<DistArray>("DistArray");
    super::da_linalg::register_methods(engine, state);
    array_ops::register::<DistArray>(engine, state);
    let shape = |v: &[usize]| -> Array { v.iter().map(|&n| Dynamic::from(n as i64)).collect() };
    engine.register_get("shape", move |a: &mut DistArray| shape(a.shape()));
    engine.register_get("ndim", |a: &mut DistArray| a.shape().len() as i64);
    engine.register_get("size", |a: &mut DistArray| a.distribution().size() as i64);
    engine.register_get("dtype", |a: &mut DistArray| a.dtype().name().to_string());
    engine.register_get("dist", |a: &mut DistArray| -> Array {
        a.distribution().dist_strings().into_iter().map(Dynamic::from).collect()
    });
    engine.register_get("grid", move |a: &mut DistArray| shape(a.distribution().grid().dims()));
    engine.register_get("local_shape", move |a: &mut DistArray| shape(&a.local_shape()));
    for (name, op) in [("re", UnOp::Re), ("im", UnOp::Im)] {
        let st = state.clone();
        engine.register_get(name, move |a: &mut DistArray| with(&st, Position::NONE, |c| ops::unary(c, a, op)));
    }
    engine.register_fn("to_string", |a: &mut DistArray| describe(a));
    engine.register_fn("to_debug", |a: &mut DistArray| describe(a));
    engine.register_fn("local", |ctx: NativeCallContext, a: &mut DistArray| -> Res<NdArray> {
        a.local().map_err(|e| fail(ctx.call_position(), e))
    });
    engine.register_fn("owner", |ctx: NativeCallContext, a: &mut DistArray, idx: Array| -> Res<i64> {
        let d = a.distribution();
        let mut g = vec![0; d.ndim()];
        d.checked_index(&index_of(&idx)?, &mut g).map_err(|e| error(&ctx, e))?;
        Ok(a.group()[d.owner(&g).map_err(|e| error(&ctx, e))?] as i64)
    });
    engine.register_fn("owner_map", |ctx: NativeCallContext, a: &mut DistArray| -> Res<NdArray> {
        let d = a.distribution();
        if d.ndim() > 2 {
            return Err(error(&ctx, format!("owner_map is for 1-d and 2-d arrays; this one has {} axes", d.ndim())));
        }
        let owners: Vec<i64> = d.owner_map().into_iter().map(|r| a.group()[r] as i64).collect();
        Ok(NdArray::from_vec(d.shape(), owners))
    });
    let st = state.clone();
    engine.register_fn("copy", move |ctx: NativeCallContext, a: &mut DistArray| {
        with(&st, ctx.call_position(), |c| ops::copy(c, a))
    });
    let st = state.clone();
    engine.register_fn("astype", move |ctx: NativeCallContext, a: &mut DistArray, d: &str| {
        let d = DType::parse(d).map_err(|e| error(&ctx, e))?;
        with(&st, ctx.call_position(), |c| ops::astype(c, a, d))
    });
    let st = state.clone();
    engine.register_fn("transpose", move |ctx: NativeCallContext, a: &mut DistArray| {
        with(&st, ctx.call_position(), |c| exchange::transpose(c, a))
    });
    // `a.T`, as NdArray's: a property getter is the function `get$T` (it needs the call
    // context, which `register_get` does not give).
    let st = state.clone();
    engine.register_fn("get$T", move |ctx: NativeCallContext, a: &mut DistArray| {
        with(&st, ctx.call_position(), |c| exchange::transpose(c, a))
    });
    let st = state.clone();
    engine.register_fn("slice", move |ctx: NativeCallContext, a: &mut DistArray, r: Array| {
        let ranges = array_ops::ranges_of(&ctx, &r)?;
        with(&st, ctx.call_position(), |c| crate::distarray::reshape::slice(c, a, &ranges))
    });
    for with_grid in [false, true] {
        let st = state.clone();
        let redistribute =
            move |ctx: NativeCallContext, a: &mut DistArray, dist: Dynamic, grid: Option<Dynamic>| -> Res<DistArray> {
                let dist = strings_of(&ctx, &dist)?;
                let grid = grid.map(|g| ints_of(&ctx, "grid", &g)).transpose()?;
                let shape: Vec<i64> = a.shape().iter().map(|&n| n as i64).collect();
                let target = Distribution::from_user(&shape, Some(&dist), grid.as_deref(), a.group().len())
                    .map_err(|e| error(&ctx, e))?;
                with(&st, ctx.call_position(), |c| exchange::redistribute(c, a, target))
            };
        if with_grid {
            engine.register_fn(
                "redistribute",
                move |ctx: NativeCallContext, a: &mut DistArray, d: Dynamic, g: Dynamic| {
                    redistribute(ctx, a, d, Some(g))
                },
            );
        } else {
            engine.register_fn("redistribute", move |ctx: NativeCallContext, a: &mut DistArray, d: Dynamic| {
                redistribute(ctx, a, d, None)
            });
        }
    }
    let st = state.clone();
    engine.register_indexer_get(move |a: &mut DistArray, idx: Array| -> Res<Dynamic> {
        let index = index_of(&idx)?;
        with(&st, Position::NONE, |c| exchange::get(c, a, &index)).map(dynamic_of)
    });
    // `a[i]` is `a[[i]]`, as NumPy's `a[i]` of a 1-D array (the shape check says the rest).
    let st = state.clone();
    engine.register_indexer_get(move |a: &mut DistArray, i: i64| -> Res<Dynamic> {
        with(&st, Position::NONE, |c| exchange::get(c, a, &[i])).map(dynamic_of)
    });
    let st = state.clone();
    engine.register_indexer_set(move |a: &mut DistArray, idx: Array, v: Dynamic| {
        set_element(&st, a, &index_of(&idx)?, &v)
    });
    let st = state.clone();
    engine.register_indexer_set(move |a: &mut DistArray, i: i64, v: Dynamic| set_element(&st, a, &[i], &v));
    super::sort_select::register_da(engine, state);
    super::io::register_da(engine, state);
    super::shape_api::register_da(engine, state);
    engine.register_static_module("da", module(state).into());
}

fn module(state: &St) -> Module {
    let mut m = Module::new();
    for (name, fill) in [("zeros", 0), ("ones", 1)] {
        let st = state.clone();
        m.set_native_fn(name, move |ctx: NativeCallContext, s: Dynamic| {
            construct(&st, &ctx, &s, None, DType::F64, |_, _| Ok(Fill::Value(Scalar::I64(fill))))
        });
        let st = state.clone();
        m.set_native_fn(name, move |ctx: NativeCallContext, s: Dynamic, o: Dynamic| {
            construct(&st, &ctx, &s, Some(&o), DType::F64, |_, _| Ok(Fill::Value(Scalar::I64(fill))))
        });
    }
    let full = |st: &St, ctx: &NativeCallContext, s: &Dynamic, v: &Dynamic, o: Option<&Dynamic>| -> Res<DistArray> {
        let value = scalar_of(v).ok_or_else(|| {
            error(ctx, format!("da::full: the value must be a number or bool, not {}", v.type_name()))
        })?;
        construct(st, ctx, s, o, value.dtype(), |_, _| Ok(Fill::Value(value)))
    };
    let st = state.clone();
    m.set_native_fn("full", move |ctx: NativeCallContext, s: Dynamic, v: Dynamic| full(&st, &ctx, &s, &v, None));
    let st = state.clone();
    m.set_native_fn("full", move |ctx: NativeCallContext, s: Dynamic, v: Dynamic, o: Dynamic| {
        full(&st, &ctx, &s, &v, Some(&o))
    });
    let st = state.clone();
    m.set_native_fn("arange", move |ctx: NativeCallContext, n: i64| {
        construct(&st, &ctx, &Dynamic::from(n), None, DType::I64, |_, _| Ok(Fill::Index))
    });
    let st = state.clone();
    m.set_native_fn("arange", move |ctx: NativeCallContext, n: i64, o: Dynamic| {
        construct(&st, &ctx, &Dynamic::from(n), Some(&o), DType::I64, |_, _| Ok(Fill::Index))
    });
    let linspace = |st: &St, ctx: &NativeCallContext, a: f64, b: f64, n: i64, o: Option<&Dynamic>| -> Res<DistArray> {
        let step = if n > 1 { (b - a) / (n - 1) as f64 } else { 0.0 };
        let fill = Fill::Line { start: a, step, end: b, n: n.max(0) as usize };
        construct(st, ctx, &Dynamic::from(n), o, DType::F64, |_, _| Ok(fill))
    };
    let st = state.clone();
    m.set_native_fn("linspace", move |ctx: NativeCallContext, a: f64, b: f64, n: i64| {
        linspace(&st, &ctx, a, b, n, None)
    });
    let st = state.clone();
    m.set_native_fn("linspace", move |ctx: NativeCallContext, a: f64, b: f64, n: i64, o: Dynamic| {
        linspace(&st, &ctx, a, b, n, Some(&o))
    });
    for (name, normal) in [("random", false), ("normal", true)] {
        let make = move |st: &St, ctx: &NativeCallContext, s: &Dynamic, o: Option<&Dynamic>| -> Res<DistArray> {
            construct(st, ctx, s, o, DType::F64, |opts, c| {
                let draw = if normal {
                    let mean = opts.float(ctx, "mean", 0.0).map_err(|e| DaError::Invalid(e.to_string()))?;
                    let std = opts.float(ctx, "std", 1.0).map_err(|e| DaError::Invalid(e.to_string()))?;
                    Draw::Normal { mean, std }
                } else {
                    Draw::Uniform
                };
                Ok(Fill::Random { draw, seed: opts.seed(c)? })
            })
        };
        let st = state.clone();
        m.set_native_fn(name, move |ctx: NativeCallContext, s: Dynamic| make(&st, &ctx, &s, None));
        let st = state.clone();
        m.set_native_fn(name, move |ctx: NativeCallContext, s: Dynamic, o: Dynamic| make(&st, &ctx, &s, Some(&o)));
    }
    let randint =
        |st: &St, ctx: &NativeCallContext, lo: i64, hi: i64, s: &Dynamic, o: Option<&Dynamic>| -> Res<DistArray> {
            if hi <= lo {
                return Err(error(
                    ctx,
                    format!("da::randint: the range [{lo}, {hi}) is empty: hi must be greater than lo"),
                ));
            }
            construct(st, ctx, s, o, DType::I64, |opts, c| {
                Ok(Fill::Random { draw: Draw::Int { lo, hi }, seed: opts.seed(c)? })
            })
        };
    let st = state.clone();
    m.set_native_fn("randint", move |ctx: NativeCallContext, lo: i64, hi: i64, s: Dynamic| {
        randint(&st, &ctx, lo, hi, &s, None)
    });
    let st = state.clone();
    m.set_native_fn("randint", move |ctx: NativeCallContext, lo: i64, hi: i64, s: Dynamic, o: Dynamic| {
        randint(&st, &ctx, lo, hi, &s, Some(&o))
    });
    let st = state.clone();
    m.set_native_fn(
        "where",
        move |ctx: NativeCallContext, mask: DistArray, x: Dynamic, y: Dynamic| -> Res<DistArray> {
            let (x, y) = (side(x, &ctx)?, side(y, &ctx)?);
            with(&st, ctx.call_position(), |c| ops::select(c, &mask, x, y))
        },
    );
    let st = state.clone();
    m.set_native_fn("roll", move |ctx: NativeCallContext, a: DistArray, shift: i64, axis: i64| -> Res<DistArray> {
        let axis = checked_axis(axis, a.shape().len()).map_err(|e| error(&ctx, e))?;
        with(&st, ctx.call_position(), |c| exchange::roll(c, &a, shift, axis))
    });
    let st = state.clone();
    m.set_native_fn("__from_block", move |ctx: NativeCallContext, piece: NdArray, shape: Array| -> Res<DistArray> {
        let shape = ints_of(&ctx, "shape", &Dynamic::from(shape))?;
        with(&st, ctx.call_position(), |c| {
            use crate::distarray::Comm;
            let dist = Distribution::from_user(&shape, None::<&[&str]>, None, c.size())?;
            if dist.local_shape(c.rank())? != piece.shape() {
                return Err(DaError::Invalid(format!(
                    "scatter: engine {} got a piece of shape {:?} where {:?} was expected",
                    c.group()[c.rank()],
                    piece.shape(),
                    dist.local_shape(c.rank())?
                )));
            }
            Ok(DistArray::from_shard(dist, c.group().to_vec(), c.rank(), piece))
        })
    });
    m.set_native_fn("__part", |v: Dynamic| -> Res<Dynamic> {
        if !v.is::<DistArray>() {
            return Ok(Dynamic::UNIT);
        }
        let a = v.cast::<DistArray>();
        let d = a.distribution();
        let mut m = Map::new();
        let ints = |v: &[usize]| -> Dynamic { v.iter().map(|&n| Dynamic::from(n as i64)).collect::<Array>().into() };
        m.insert("shape".into(), ints(d.shape()));
        m.insert("dist".into(), d.dist_strings().into_iter().map(Dynamic::from).collect::<Array>().into());
        m.insert("grid".into(), ints(d.grid().dims()));
        m.insert("group".into(), ints(a.group()));
        m.insert("shard".into(), Dynamic::from(a.local().map_err(|e| fail(Position::NONE, e))?));
        Ok(m.into())
    });
    super::fft::add(&mut m, state);
    super::sort_select::add_da(&mut m, state);
    super::io::add_da(&mut m, state);
    super::shape_api::add_da(&mut m, state);
    super::da_linalg::add(&mut m, state);
    m
}
