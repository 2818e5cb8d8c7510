//! The Rhai side of distributed linear algebra (engines): `da::matmul`, `A.dot(x)`,
//! `da::eye` and the sub-module `da::linalg` (`tsqr lstsq cg norm`), over
//! `crate::linalg::{summa, tsqr, cg, dnorm}`.
//!
//! ```rhai
//! let a = da::random([1000, 800], #{seed: 1});
//! let b = da::random([800, 600], #{dist: ["c", "b"], seed: 2});
//! let c = da::matmul(a, b);                   // SUMMA; c is block × block on a 2-D grid
//! let y = a.dot(da::ones([800]));             // matrix–vector: y by blocks of rows
//! let qr = da::linalg::tsqr(da::random([100000, 20], #{seed: 3}));   // [q (DistArray), r]
//! let x = da::linalg::lstsq(a, da::ones([1000]));                    // NdArray
//! let s = da::linalg::cg(|v| v * 4.0 - da::roll(v, 1, 0) - da::roll(v, -1, 0), da::ones([1000]));
//! print(s[1]);                                // iterations; s[0] is x, s[2] ‖r‖/‖b‖
//! ```

use super::array_ops::{dynamic_of, error, ints_of, Res};
use super::da::{fail, with};
use super::linalg::{options, ord_of};
use super::nd::dtype_of;
use crate::distarray::array::{check_memory, global_parts};
use crate::distarray::ops;
use crate::distarray::{Comm, DaError, DistArray, Distribution};
use crate::engine::state::State;
use crate::linalg::cg::{self, Space};
use crate::linalg::{dnorm, summa, tsqr};
use crate::nd::reduce::Reduction;
use crate::nd::BinOp;
use crate::nd::{random, DType, NdArray};
use rhai::{Array, Dynamic, Engine, EvalAltResult, FnPtr, Map, Module, NativeCallContext};
use std::cell::RefCell;
use std::rc::Rc;

type St = Rc<RefCell<State>>;

/// Registers `a.dot(b)` on DistArray.
pub fn register_methods(engine: &mut Engine, state: &St) {
    let st = state.clone();
    engine.register_fn("dot", move |ctx: NativeCallContext, a: &mut DistArray, b: DistArray| product(&st, &ctx, a, &b));
}

/// `a · b`: a DistArray, or for two 1-D arrays their inner product (a number).
fn product(st: &St, ctx: &NativeCallContext, a: &DistArray, b: &DistArray) -> Res<Dynamic> {
    if a.shape().len() == 1 && b.shape().len() == 1 {
        return with(st, ctx.call_position(), |c| {
            if a.shape() != b.shape() {
                return Err(summa::mismatch("da::matmul", a.shape(), b.shape(), "vectors of different lengths".into()));
            }
            let p = ops::binary(c, a, BinOp::Mul, b)?;
            ops::reduce_all(c, &p, Reduction::Sum)
        })
        .map(dynamic_of);
    }
    with(st, ctx.call_position(), |c| summa::matmul(c, a, b)).map(Dynamic::from)
}

/// A Rhai error from inside a user's operator, as DistArray's error.
fn from_rhai(e: EvalAltResult) -> DaError {
    match e {
        EvalAltResult::ErrorTerminated(..) => DaError::Interrupted,
        e => DaError::Invalid(format!("da::linalg::cg: the operator failed: {e}")),
    }
}

/// CG over a function of DistArrays: the state is borrowed for each vector operation
/// only, so the function can run DistArray code itself.
struct FnSpace<'a> {
    st: St,
    ctx: &'a NativeCallContext<'a>,
    f: FnPtr,
    shape: Vec<usize>,
}

impl FnSpace<'_> {
    fn comm<T>(&self, f: impl FnOnce(&mut dyn Comm) -> Result<T, DaError>) -> Result<T, DaError> {
        let mut s = self.st.borrow_mut();
        let mut c = s.group_comm()?;
        f(&mut c)
    }
}

impl Space for FnSpace<'_> {
    type V = DistArray;
    fn apply(&mut self, x: &DistArray) -> Result<DistArray, DaError> {
        let y: Dynamic = self.f.call_within_context(self.ctx, (x.clone(),)).map_err(|e| from_rhai(*e))?;
        let y = y
            .try_cast::<DistArray>()
            .ok_or_else(|| DaError::Invalid("da::linalg::cg: the operator must return a DistArray".into()))?;
        if y.shape() != self.shape.as_slice() {
            return Err(DaError::Invalid(format!(
                "da::linalg::cg: the operator returned shape {:?} for a vector of shape {:?}",
                y.shape(),
                self.shape
            )));
        }
        Ok(y)
    }
    fn dot(&mut self, x: &DistArray, y: &DistArray) -> Result<f64, DaError> {
        self.comm(|c| cg::dot(c, x, y))
    }
    fn axpy(&mut self, a: f64, x: &DistArray, y: &DistArray) -> Result<DistArray, DaError> {
        self.comm(|c| cg::axpy(c, a, x, y))
    }
}

struct CgOptions {
    tol: f64,
    maxiter: Option<usize>,
    x0: Option<DistArray>,
}

fn cg_options(ctx: &NativeCallContext, o: Option<&Dynamic>) -> Res<CgOptions> {
    let op = "da::linalg::cg";
    let mut r = CgOptions { tol: 1e-8, maxiter: None, x0: None };
    let Some(o) = o else { return Ok(r) };
    let m: Map = options(ctx, op, o, &["tol", "maxiter", "x0"])?;
    if let Some(t) = m.get("tol") {
        r.tol = t
            .as_float()
            .or_else(|_| t.as_int().map(|i| i as f64))
            .map_err(|t| error(ctx, format!("{op}: tol must be a number, not {t}")))?;
    }
    if let Some(n) = m.get("maxiter") {
        let n = n.as_int().map_err(|t| error(ctx, format!("{op}: maxiter must be an integer, not {t}")))?;
        if n < 0 {
            return Err(error(ctx, format!("{op}: maxiter must be 0 or more, not {n}")));
        }
        r.maxiter = Some(n as usize);
    }
    if let Some(x) = m.get("x0") {
        r.x0 =
            Some(x.clone().try_cast::<DistArray>().ok_or_else(|| error(ctx, format!("{op}: x0 must be a DistArray")))?);
    }
    Ok(r)
}

fn cg_call(st: &St, ctx: &NativeCallContext, a: &Dynamic, b: DistArray, o: Option<&Dynamic>) -> Res<Array> {
    let op = "da::linalg::cg";
    let o = cg_options(ctx, o)?;
    let maxiter = o.maxiter.unwrap_or(10 * b.distribution().size().max(1));
    let pack = |s: cg::Solution<DistArray>| -> Array {
        vec![Dynamic::from(s.x), (s.iterations as i64).into(), s.residual.into()]
    };
    if let Some(f) = a.clone().try_cast::<FnPtr>() {
        if let Some(x0) = &o.x0 {
            if x0.shape() != b.shape() {
                return Err(error(ctx, format!("{op}: x0 has shape {:?}, b {:?}", x0.shape(), b.shape())));
            }
        }
        let mut space = FnSpace { st: st.clone(), ctx, f, shape: b.shape().to_vec() };
        return cg::cg(&mut space, &b, o.x0, o.tol, maxiter).map(pack).map_err(|e| fail(ctx.call_position(), e));
    }
    let a = a.clone().try_cast::<DistArray>().ok_or_else(|| {
        error(ctx, format!("{op}: A must be a DistArray or a function of one, not {}", a.type_name()))
    })?;
    with(st, ctx.call_position(), |c| {
        let (mut space, b) = cg::MatrixSpace::new(c, &a, &b)?;
        let x0 = match o.x0 {
            Some(x0) if x0.shape() != b.shape() => {
                return Err(DaError::Invalid(format!("{op}: x0 has shape {:?}, b {:?}", x0.shape(), b.shape())))
            }
            Some(x0) => Some(crate::distarray::exchange::redistribute(space.comm, &x0, b.distribution().clone())?),
            None => None,
        };
        cg::cg(&mut space, &b, x0, o.tol, maxiter).map(pack)
    })
}

fn eye(st: &St, ctx: &NativeCallContext, n: i64, o: Option<&Dynamic>) -> Res<DistArray> {
    let op = "da::eye";
    let map = match o {
        None => Map::new(),
        Some(o) => options(ctx, op, o, &["m", "k", "dist", "grid", "dtype"])?,
    };
    let int = |key: &str, d: i64| -> Res<i64> {
        map.get(key)
            .map_or(Ok(d), |v| v.as_int().map_err(|t| error(ctx, format!("{op}: {key} must be an integer, not {t}"))))
    };
    let (cols, k) = (int("m", n)?, int("k", 0)?);
    if n < 0 || cols < 0 {
        return Err(error(ctx, format!("{op}: sizes must be 0 or more, not {n} × {cols}")));
    }
    let dtype = dtype_of(ctx, map.get("dtype"), DType::F64)?;
    let dist: Option<Vec<String>> = match map.get("dist") {
        None => None,
        Some(d) => Some(
            d.read_lock::<Array>()
                .ok_or_else(|| error(ctx, format!("{op}: dist must be an array of strings")))?
                .iter()
                .map(|x| x.to_string())
                .collect(),
        ),
    };
    let grid = map.get("grid").map(|g| ints_of(ctx, "grid", g)).transpose()?;
    with(st, ctx.call_position(), |c| {
        let d = Distribution::from_user(&[n, cols], dist.as_deref(), grid.as_deref(), c.size())?;
        check_memory(c, &d, dtype)?;
        let (rank, m) = (c.rank(), cols as u64);
        let parts = global_parts(&d, rank);
        let data = random::filled(&parts, |g| if (g % m) as i64 == (g / m) as i64 + k { 1.0 } else { 0.0 })?;
        let shard = NdArray::from_vec(&d.local_shape(rank)?, data).astype(dtype)?;
        Ok(DistArray::from_shard(d, c.group().to_vec(), rank, shard))
    })
}

/// Adds `matmul`, `eye` and the sub-module `linalg` to the module `da`.
pub fn add(m: &mut Module, state: &St) {
    let st = state.clone();
    m.set_native_fn("matmul", move |ctx: NativeCallContext, a: DistArray, b: DistArray| product(&st, &ctx, &a, &b));
    let st = state.clone();
    m.set_native_fn("eye", move |ctx: NativeCallContext, n: i64| eye(&st, &ctx, n, None));
    let st = state.clone();
    m.set_native_fn("eye", move |ctx: NativeCallContext, n: i64, o: Dynamic| eye(&st, &ctx, n, Some(&o)));

    let mut l = Module::new();
    let st = state.clone();
    l.set_native_fn("tsqr", move |ctx: NativeCallContext, a: DistArray| -> Res<Array> {
        let t = with(&st, ctx.call_position(), |c| tsqr::tsqr(c, &a))?;
        Ok(vec![Dynamic::from(t.q), Dynamic::from(t.r)])
    });
    let st = state.clone();
    l.set_native_fn("lstsq", move |ctx: NativeCallContext, a: DistArray, b: DistArray| -> Res<NdArray> {
        with(&st, ctx.call_position(), |c| tsqr::lstsq(c, &a, &b))
    });
    let st = state.clone();
    l.set_native_fn("cg", move |ctx: NativeCallContext, a: Dynamic, b: DistArray| cg_call(&st, &ctx, &a, b, None));
    let st = state.clone();
    l.set_native_fn("cg", move |ctx: NativeCallContext, a: Dynamic, b: DistArray, o: Dynamic| {
        cg_call(&st, &ctx, &a, b, Some(&o))
    });
    let st = state.clone();
    l.set_native_fn("norm", move |ctx: NativeCallContext, a: DistArray| -> Res<f64> {
        with(&st, ctx.call_position(), |c| dnorm::norm(c, &a, None))
    });
    let st = state.clone();
    l.set_native_fn("norm", move |ctx: NativeCallContext, a: DistArray, ord: Dynamic| -> Res<f64> {
        let ord = ord_of(&ctx, "da::linalg::norm", &ord)?;
        with(&st, ctx.call_position(), |c| dnorm::norm(c, &a, ord.as_ref()))
    });
    m.set_sub_module("linalg", l);
}
