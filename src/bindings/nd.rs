//! The Rhai side of NdArray: the type, the module `nd`, properties, indexing, display.
//!
//! ```rhai
//! let x = nd::array([[1.0, 2.0], [3.0, 4.0]]);
//! x[[0, 1]] = 5.0;
//! print(x.sum(0));          // NdArray(shape [2], f64) [4.0, 7.0]
//! let y = sin(x) * 2 + x;   // fused elementwise work
//! y.to_array()              // [[..], [..]]
//! ```
//!
//! Registered on the console and on every engine. Everything here converts arguments
//! and calls `crate::nd`; the numeric work is there.

use super::array_ops::{self, dynamic_of, error, ints_of, plain_error, scalar_of, ArrayOps, Res};
use crate::nd::reduce::Reduction;
use crate::nd::{checked_shape, BinOp, DType, NdArray, NdError, Scalar, UnOp, C64};
use rhai::{Array, Dynamic, Engine, Map, Module, NativeCallContext};

impl ArrayOps for NdArray {
    type Ctx = ();

    fn binary(_: &(), ctx: &NativeCallContext, a: NdArray, op: BinOp, b: NdArray) -> Res<NdArray> {
        a.binary(op, &b).map_err(|e| error(ctx, e))
    }

    fn binary_scalar(_: &(), ctx: &NativeCallContext, a: NdArray, op: BinOp, s: Scalar, left: bool) -> Res<NdArray> {
        a.binary_scalar(op, s, left).map_err(|e| error(ctx, e))
    }

    fn unary(_: &(), ctx: &NativeCallContext, a: NdArray, op: UnOp) -> Res<NdArray> {
        a.unary(op).map_err(|e| error(ctx, e))
    }

    fn reduce(_: &(), ctx: &NativeCallContext, a: &NdArray, op: Reduction) -> Res<Dynamic> {
        a.reduce(op).map(dynamic_of).map_err(|e| error(ctx, e))
    }

    fn reduce_axis(_: &(), ctx: &NativeCallContext, a: &NdArray, op: Reduction, axis: i64) -> Res<Dynamic> {
        let r = a.reduce_axis(op, axis).map_err(|e| error(ctx, e))?;
        Ok(if r.ndim() == 0 { dynamic_of(r.get(&[]).map_err(|e| error(ctx, e))?) } else { Dynamic::from(r) })
    }
}

/// Reads an optional dtype argument: a dtype name or a map with a `dtype` key.
pub fn dtype_of(ctx: &NativeCallContext, v: Option<&Dynamic>, default: DType) -> Res<DType> {
    let Some(v) = v else { return Ok(default) };
    if let Some(s) = v.read_lock::<rhai::ImmutableString>() {
        return DType::parse(s.as_str()).map_err(|e| error(ctx, e));
    }
    if let Some(m) = v.read_lock::<Map>() {
        return match m.get("dtype") {
            None => Ok(default),
            Some(d) => dtype_of(ctx, Some(d), default),
        };
    }
    Err(error(ctx, format!("expected a dtype name such as \"f64\" or a map of options, not {}", v.type_name())))
}

fn shape_of(ctx: &NativeCallContext, v: &Dynamic) -> Res<Vec<usize>> {
    checked_shape(&ints_of(ctx, "shape", v)?).map_err(|e| error(ctx, e))
}

/// Flattens nested script arrays into a shape and scalars, refusing ragged nesting.
fn nested(v: &Dynamic, at: &mut Vec<usize>, shape: &mut Vec<usize>, out: &mut Vec<Scalar>) -> Result<(), NdError> {
    let depth = at.len();
    if let Some(items) = v.read_lock::<Array>() {
        match shape.get(depth) {
            None if out.is_empty() && depth == shape.len() => shape.push(items.len()),
            Some(&n) if n == items.len() => {}
            other => {
                let reason = match other {
                    Some(n) => {
                        format!("ragged nesting: the array at {at:?} has {} items where others have {n}", items.len())
                    }
                    None => format!("ragged nesting: an array at {at:?} where a number was expected"),
                };
                return Err(NdError::BadNesting { reason });
            }
        }
        for (i, x) in items.iter().enumerate() {
            at.push(i);
            nested(x, at, shape, out)?;
            at.pop();
        }
        return Ok(());
    }
    if depth != shape.len() {
        return Err(NdError::BadNesting {
            reason: format!("ragged nesting: a number at {at:?} where an array was expected"),
        });
    }
    match scalar_of(v) {
        Some(s) => {
            out.push(s);
            Ok(())
        }
        None => Err(NdError::BadNesting {
            reason: format!(
                "the element at {at:?} is a {}, not a number or bool",
                super::convert::friendly_type_name(v)
            ),
        }),
    }
}

/// `nd::array(nested)`: the shape comes from the nesting; the dtype from the values
/// (bool, i64 or f64) unless given.
pub fn from_rhai(ctx: &NativeCallContext, v: &Dynamic, dtype: Option<&Dynamic>) -> Res<NdArray> {
    let (mut shape, mut values) = (Vec::new(), Vec::new());
    nested(v, &mut Vec::new(), &mut shape, &mut values).map_err(|e| error(ctx, e))?;
    let a = NdArray::from_nested(&shape, &values);
    match dtype {
        None => Ok(a),
        Some(_) => a.astype(dtype_of(ctx, dtype, a.dtype())?).map_err(|e| error(ctx, e)),
    }
}

/// The elements as nested script arrays (a 0-d array gives its one value).
pub fn to_rhai(a: &NdArray) -> Dynamic {
    fn build(shape: &[usize], values: &mut impl Iterator<Item = Scalar>) -> Dynamic {
        match shape.split_first() {
            None => values.next().map(dynamic_of).unwrap_or(Dynamic::UNIT),
            Some((&n, rest)) => (0..n).map(|_| build(rest, values)).collect::<Array>().into(),
        }
    }
    build(a.shape(), &mut a.scalars().into_iter())
}

fn index_of(idx: &Array) -> Res<Vec<i64>> {
    idx.iter()
        .map(|x| x.as_int().map_err(|_| plain_error(format!("an index must hold integers, not {}", x.type_name()))))
        .collect()
}

fn value_of(v: &Dynamic) -> Res<Scalar> {
    if let Some(m) = v.read_lock::<Map>() {
        let part = |k: &str| m.get(k).and_then(|x| x.as_float().ok()).unwrap_or(0.0);
        return Ok(Scalar::C128(C64::new(part("re"), part("im"))));
    }
    scalar_of(v).ok_or_else(|| plain_error(format!("an array element must be a number or bool, not {}", v.type_name())))
}

fn shape_array(shape: &[usize]) -> Array {
    shape.iter().map(|&n| Dynamic::from(n as i64)).collect()
}

/// Registers the NdArray type and the module `nd`.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<NdArray>("NdArray");
    array_ops::register::<NdArray>(engine, &());
    engine.register_get("shape", |a: &mut NdArray| shape_array(a.shape()));
    engine.register_get("ndim", |a: &mut NdArray| a.ndim() as i64);
    engine.register_get("size", |a: &mut NdArray| a.size() as i64);
    engine.register_get("dtype", |a: &mut NdArray| a.dtype().name().to_string());
    engine.register_get("re", |a: &mut NdArray| a.unary(UnOp::Re).map_err(plain_error));
    engine.register_get("im", |a: &mut NdArray| a.unary(UnOp::Im).map_err(plain_error));
    engine.register_fn("to_string", |a: &mut NdArray| a.to_string());
    engine.register_fn("to_debug", |a: &mut NdArray| a.to_string());
    engine.register_fn("to_array", |a: &mut NdArray| to_rhai(a));
    engine.register_fn("copy", |a: &mut NdArray| a.clone());
    engine.register_fn("transpose", |a: &mut NdArray| a.transpose());
    engine.register_fn("astype", |ctx: NativeCallContext, a: &mut NdArray, d: &str| -> Res<NdArray> {
        a.astype(DType::parse(d).map_err(|e| error(&ctx, e))?).map_err(|e| error(&ctx, e))
    });
    engine.register_fn("slice", |ctx: NativeCallContext, a: &mut NdArray, r: Array| -> Res<NdArray> {
        a.slice_stepped(&array_ops::ranges_of(&ctx, &r)?).map_err(|e| error(&ctx, e))
    });
    engine.register_indexer_get(|a: &mut NdArray, idx: Array| -> Res<Dynamic> {
        a.get(&index_of(&idx)?).map(dynamic_of).map_err(plain_error)
    });
    engine.register_indexer_get(|a: &mut NdArray, i: i64| -> Res<Dynamic> {
        a.get(&[i]).map(dynamic_of).map_err(plain_error)
    });
    engine.register_indexer_set(|a: &mut NdArray, idx: Array, v: Dynamic| -> Res<()> {
        a.set(&index_of(&idx)?, value_of(&v)?).map_err(plain_error)
    });
    engine.register_indexer_set(|a: &mut NdArray, i: i64, v: Dynamic| -> Res<()> {
        a.set(&[i], value_of(&v)?).map_err(plain_error)
    });
    super::shape_api::register_nd(engine);
    super::linalg::register_methods(engine);
    engine.register_static_module("nd", module().into());
}

fn module() -> Module {
    let mut m = Module::new();
    m.set_native_fn("array", |ctx: NativeCallContext, v: Dynamic| from_rhai(&ctx, &v, None));
    m.set_native_fn("array", |ctx: NativeCallContext, v: Dynamic, d: Dynamic| from_rhai(&ctx, &v, Some(&d)));
    for (name, fill) in [("zeros", 0), ("ones", 1)] {
        let make = move |ctx: &NativeCallContext, shape: &Dynamic, d: Option<&Dynamic>| -> Res<NdArray> {
            let (shape, dtype) = (shape_of(ctx, shape)?, dtype_of(ctx, d, DType::F64)?);
            NdArray::full(dtype, &shape, Scalar::I64(fill)).map_err(|e| error(ctx, e))
        };
        m.set_native_fn(name, move |ctx: NativeCallContext, s: Dynamic| make(&ctx, &s, None));
        m.set_native_fn(name, move |ctx: NativeCallContext, s: Dynamic, d: Dynamic| make(&ctx, &s, Some(&d)));
    }
    let full = |ctx: &NativeCallContext, shape: &Dynamic, v: &Dynamic, d: Option<&Dynamic>| -> Res<NdArray> {
        let value = scalar_of(v).ok_or_else(|| {
            error(ctx, format!("nd::full: the value must be a number or bool, not {}", v.type_name()))
        })?;
        let (shape, dtype) = (shape_of(ctx, shape)?, dtype_of(ctx, d, value.dtype())?);
        NdArray::full(dtype, &shape, value).map_err(|e| error(ctx, e))
    };
    m.set_native_fn("full", move |ctx: NativeCallContext, s: Dynamic, v: Dynamic| full(&ctx, &s, &v, None));
    m.set_native_fn("full", move |ctx: NativeCallContext, s: Dynamic, v: Dynamic, d: Dynamic| {
        full(&ctx, &s, &v, Some(&d))
    });
    let arange = |ctx: &NativeCallContext, n: i64, d: Option<&Dynamic>| -> Res<NdArray> {
        let shape = checked_shape(&[n]).map_err(|e| error(ctx, e))?;
        let a = NdArray::from_vec(&shape, (0..n).collect::<Vec<i64>>());
        a.astype(dtype_of(ctx, d, DType::I64)?).map_err(|e| error(ctx, e))
    };
    m.set_native_fn("arange", move |ctx: NativeCallContext, n: i64| arange(&ctx, n, None));
    m.set_native_fn("arange", move |ctx: NativeCallContext, n: i64, d: Dynamic| arange(&ctx, n, Some(&d)));
    m.set_native_fn("linspace", |ctx: NativeCallContext, a: f64, b: f64, n: i64| -> Res<NdArray> {
        let shape = checked_shape(&[n]).map_err(|e| error(&ctx, e))?;
        let step = if n > 1 { (b - a) / (n - 1) as f64 } else { 0.0 };
        Ok(NdArray::from_vec(
            &shape,
            (0..n).map(|i| if i == n - 1 && n > 1 { b } else { a + step * i as f64 }).collect(),
        ))
    });
    m.set_native_fn("where", |ctx: NativeCallContext, mask: NdArray, x: Dynamic, y: Dynamic| -> Res<NdArray> {
        let side = |v: &Dynamic| -> Res<crate::nd::Lazy> {
            if let Some(a) = v.read_lock::<NdArray>() {
                return Ok(crate::nd::Lazy::leaf(a.clone()));
            }
            scalar_of(v).map(|s| crate::nd::Lazy::constant(s, mask.shape())).ok_or_else(|| {
                error(&ctx, format!("nd::where: x and y must be arrays or numbers, not {}", v.type_name()))
            })
        };
        let lazy = crate::nd::Lazy::select(crate::nd::Lazy::leaf(mask.clone()), side(&x)?, side(&y)?);
        lazy.and_then(|l| l.eval()).map_err(|e| error(&ctx, e))
    });
    super::fft::add_fftfreq(&mut m, "nd");
    super::shape_api::add_nd(&mut m);
    super::linalg::add(&mut m);
    m
}
