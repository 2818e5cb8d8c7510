//! Elementwise operations and reductions on DistArrays.
//!
//! Elementwise work is local to each shard: two arrays of one layout combine their
//! pending expressions; if the right operand is laid out differently it is first
//! redistributed to the left one's layout (collective). Integer division, remainder and
//! power can fail element by element, so they are computed at once and the group
//! agrees on the outcome: if any engine failed, every engine raises its error.
//!
//! A whole-array reduction runs `nd::reduce::whole` with a gathering step that
//! allgathers the partials, so every engine combines them in rank order into the same
//! bits. A reduction along an axis makes that axis local first (redistributing so that
//! it is not split over engines), reduces each shard along it, and returns a DistArray
//! over the remaining axes.

use super::array::DistArray;
use super::comm::{Comm, DaError};
use super::exchange::redistribute;
use super::{AxisDist, Distribution};
use crate::nd::reduce::{self, Reduction};
use crate::nd::{checked_axis, BinOp, DType, Lazy, NdArray, Scalar, UnOp};
use crate::protocol::Value;

/// `b` in `a`'s layout: itself, or redistributed (shapes must match).
fn aligned(comm: &mut dyn Comm, a: &DistArray, b: &DistArray, op: &str) -> Result<DistArray, DaError> {
    if a.shape() != b.shape() {
        return Err(crate::nd::NdError::ShapeMismatch {
            op: op.into(),
            left: a.shape().to_vec(),
            right: b.shape().to_vec(),
        }
        .into());
    }
    b.check_group(comm)?;
    if a.same_layout(b) {
        Ok(b.clone())
    } else {
        redistribute(comm, b, a.distribution().clone())
    }
}

/// Computes `r` now if its operation can fail per element, with the group agreeing.
fn settle(comm: &mut dyn Comm, r: DistArray, op: BinOp) -> Result<DistArray, DaError> {
    let risky = matches!(op, BinOp::Div | BinOp::Rem | BinOp::Pow) && (r.dtype().is_int());
    if !risky {
        return Ok(r);
    }
    let outcome = r.local().map(|_| ());
    agree(comm, op.symbol(), outcome)?;
    Ok(r)
}

/// Every member learns whether any failed; all fail with the first failure's message.
pub fn agree(comm: &mut dyn Comm, op: &str, outcome: Result<(), DaError>) -> Result<(), DaError> {
    let mine = Value::Str(outcome.as_ref().err().map(|e| e.to_string()).unwrap_or_default());
    let all = comm.allgather(op, mine)?;
    for (r, v) in all.iter().enumerate() {
        if let Value::Str(m) = v {
            if !m.is_empty() {
                // The same message everywhere, so the console shows one error for all.
                return Err(DaError::Invalid(format!("{m} (on engine {})", comm.group()[r])));
            }
        }
    }
    Ok(())
}

/// `a op b`, elementwise.
pub fn binary(comm: &mut dyn Comm, a: &DistArray, op: BinOp, b: &DistArray) -> Result<DistArray, DaError> {
    a.check_group(comm)?;
    let b = aligned(comm, a, b, op.symbol())?;
    let r = a.with_lazy(a.lazy().binary(op, b.lazy())?);
    settle(comm, r, op)
}

/// `a op s` (or `s op a` when `left`).
pub fn binary_scalar(
    comm: &mut dyn Comm,
    a: &DistArray,
    op: BinOp,
    s: Scalar,
    left: bool,
) -> Result<DistArray, DaError> {
    a.check_group(comm)?;
    let r = a.with_lazy(a.lazy().binary_scalar(op, s, left)?);
    settle(comm, r, op)
}

/// `op(a)`, elementwise.
pub fn unary(comm: &mut dyn Comm, a: &DistArray, op: UnOp) -> Result<DistArray, DaError> {
    a.check_group(comm)?;
    Ok(a.with_lazy(a.lazy().unary(op)?))
}

/// `a` converted to `dtype`.
pub fn astype(comm: &mut dyn Comm, a: &DistArray, dtype: DType) -> Result<DistArray, DaError> {
    a.check_group(comm)?;
    Ok(a.with_lazy(a.lazy().cast(dtype)))
}

/// A copy of `a` (its values computed; later writes to either do not affect the other).
pub fn copy(comm: &mut dyn Comm, a: &DistArray) -> Result<DistArray, DaError> {
    a.check_group(comm)?;
    Ok(a.sibling(a.distribution().clone(), a.local()?))
}

/// One side of `where`: an array (aligned to the mask) or a scalar.
pub enum Side {
    Array(DistArray),
    Scalar(Scalar),
}

/// Elements of `x` where `mask` is true, else of `y`, in the mask's layout.
pub fn select(comm: &mut dyn Comm, mask: &DistArray, x: Side, y: Side) -> Result<DistArray, DaError> {
    mask.check_group(comm)?;
    let mut side = |s: Side| -> Result<Lazy, DaError> {
        Ok(match s {
            Side::Array(a) => aligned(comm, mask, &a, "where")?.lazy(),
            Side::Scalar(v) => Lazy::constant(v, &mask.local_shape()),
        })
    };
    let (x, y) = (side(x)?, side(y)?);
    Ok(mask.with_lazy(Lazy::select(mask.lazy(), x, y)?))
}

fn to_value(parts: Vec<Scalar>) -> Value {
    Value::Array(
        parts
            .into_iter()
            .map(|s| {
                let (shape, data) = NdArray::from_scalars(&[], s.dtype(), &[s]).into_buffer();
                Value::NdArray { shape, data }
            })
            .collect(),
    )
}

fn from_value(v: Value) -> Result<Vec<Scalar>, DaError> {
    let bad = || DaError::Comm("a reduction received a malformed partial result".into());
    match v {
        Value::Array(items) => items
            .into_iter()
            .map(|x| match x {
                Value::NdArray { shape, data } => Ok(NdArray::from_buffer(&shape, data)?.get(&[])?),
                _ => Err(bad()),
            })
            .collect(),
        _ => Err(bad()),
    }
}

/// `op` over every element of `a`: the same scalar on every engine.
pub fn reduce_all(comm: &mut dyn Comm, a: &DistArray, op: Reduction) -> Result<Scalar, DaError> {
    a.check_group(comm)?;
    let local = a.local()?;
    let d = a.distribution().clone();
    let (rank, shape) = (a.rank(), a.local_shape());
    let to_global = move |flat: usize| -> usize {
        let mut local = vec![0; shape.len()];
        let mut f = flat;
        for ax in (0..shape.len()).rev() {
            local[ax] = f % shape[ax];
            f /= shape[ax];
        }
        let mut global = vec![0; shape.len()];
        d.to_global(rank, &local, &mut global).expect("a local index of this shard");
        global.iter().zip(d.shape()).fold(0, |acc, (&g, &n)| acc * n + g)
    };
    let mut gather = |p: Vec<Scalar>| -> Result<Vec<Vec<Scalar>>, DaError> {
        comm.allgather(op.name(), to_value(p))?.into_iter().map(from_value).collect()
    };
    reduce::whole::<DaError>(&local, op, a.distribution().size(), &mut gather, &to_global)
}

/// What a reduction along an axis gives: a scalar for a 1-d array, else an array.
pub enum Reduced {
    Scalar(Scalar),
    Array(DistArray),
}

/// `op` along `axis` of `a`.
pub fn reduce_axis(comm: &mut dyn Comm, a: &DistArray, op: Reduction, axis: i64) -> Result<Reduced, DaError> {
    a.check_group(comm)?;
    let d = a.distribution();
    let axis = checked_axis(axis, d.ndim())?;
    op.result_dtype(a.dtype())?;
    if d.ndim() == 1 {
        return reduce_all(comm, a, op).map(Reduced::Scalar);
    }
    let src = if d.grid().dims()[axis] == 1 {
        a.clone()
    } else {
        let mut dists = d.dists().to_vec();
        dists[axis] = AxisDist::NotDistributed;
        if d.engines() > 1 && !dists.iter().any(|x| x.is_distributed()) {
            let widest = (0..d.ndim()).filter(|&x| x != axis).max_by_key(|&x| d.shape()[x]).expect("ndim >= 2");
            dists[widest] = AxisDist::Block;
        }
        redistribute(comm, a, Distribution::new(d.shape(), &dists, d.engines())?)?
    };
    let sd = src.distribution();
    let local = src.local()?.reduce_axis(op, axis as i64)?;
    let keep =
        |v: &[usize]| -> Vec<usize> { v.iter().enumerate().filter(|&(x, _)| x != axis).map(|(_, &e)| e).collect() };
    let dists: Vec<AxisDist> = sd.dists().iter().enumerate().filter(|&(x, _)| x != axis).map(|(_, &e)| e).collect();
    let grid: Vec<i64> = keep(sd.grid().dims()).iter().map(|&g| g as i64).collect();
    let target = Distribution::with_grid(&keep(sd.shape()), &dists, &grid, sd.engines())?;
    Ok(Reduced::Array(src.sibling(target, local)))
}
