//! Operations that move elements between engines: redistribution, transpose, roll,
//! slicing, and reading one element.
//!
//! - **Redistribution** carries out a [`RedistributionPlan`]: each engine packs what
//!   each other engine needs into one contiguous buffer per destination, the buffers
//!   are exchanged (moved on threads, raw bytes over MPI), and each engine unpacks what
//!   it received; what stays on an engine is copied shard to shard directly.
//! - **Transpose** reverses the axes of every shard locally and sends each shard whole
//!   to the engine that holds that block in the transposed layout (reversed dists and
//!   grid): one message per engine.
//! - **Roll and slice** are *remaps*: per axis, a map from source global index to
//!   target global index, so the elements one engine sends another are a product of
//!   per-axis index lists; they are packed into one buffer and placed by the receiver
//!   from the same lists, which both sides derive, as runs of whole row pieces
//!   ([`super::product`]), not element by element.

use super::array::{check_memory, DistArray};
use super::comm::{Comm, DaError};
use super::product::copy_product;
use super::{copy_transfer, pack, unpack, AxisDist, Distribution, RedistributionPlan};
use crate::dispatch_dtype;
use crate::nd::{store, NdArray, Scalar, Stored};
use crate::protocol::Value;
use std::collections::HashMap;

/// A buffer of elements as a travelling value.
pub(super) fn value_of<T: Stored>(data: Vec<T>) -> Value {
    Value::NdArray { shape: vec![data.len()], data: T::into_buffer(data) }
}

/// The elements of a received value, which must be of type `T`.
pub(super) fn elems_of<T: Stored>(v: Value, from: usize, op: &str) -> Result<Vec<T>, DaError> {
    match v {
        Value::NdArray { data, .. } => T::from_buffer(data).map_err(|b| {
            DaError::Comm(format!(
                "{op}: engine rank {from} sent {} elements where {} were expected",
                b.type_name(),
                T::DTYPE
            ))
        }),
        other => {
            Err(DaError::Comm(format!("{op}: engine rank {from} sent a {} instead of array data", other.type_name())))
        }
    }
}

/// `a` laid out by `target` (same shape, same group).
pub fn redistribute(comm: &mut dyn Comm, a: &DistArray, target: Distribution) -> Result<DistArray, DaError> {
    a.check_group(comm)?;
    if target == *a.distribution() {
        return Ok(a.clone());
    }
    let plan = RedistributionPlan::new(a.distribution(), &target)?;
    let shard = a.local()?;
    if plan.is_noop() {
        // Nothing moves, but an empty shard may change shape ([0, 1] → [1, 0]).
        let want = target.local_shape(a.rank())?;
        let shard = if shard.shape() == want.as_slice() { shard } else { shard.reshape(&want)? };
        return Ok(a.sibling(target, shard));
    }
    check_memory(comm, &target, shard.dtype())?;
    let out = dispatch_dtype!(shard.dtype(), T => move_plan::<T>(comm, &plan, shard.as_slice::<T>().expect("dtype"))?);
    Ok(a.sibling(target, out))
}

fn move_plan<T: Stored>(comm: &mut dyn Comm, plan: &RedistributionPlan, src: &[T]) -> Result<NdArray, DaError> {
    let me = comm.rank();
    let shape = plan.target().local_shape(me)?;
    let mut out = store::zeroed::<T>(shape.iter().product());
    let mut sends = Vec::new();
    for t in plan.sends(me) {
        if t.dst_rank == me {
            copy_transfer(plan, t, src, &mut out)?;
        } else {
            let mut buf = store::uninit(t.len);
            pack(plan, t, src, &mut buf)?;
            sends.push((t.dst_rank, value_of(buf)));
        }
    }
    let incoming: Vec<_> = plan.receives(me).filter(|t| t.src_rank != me).collect();
    let from: Vec<usize> = incoming.iter().map(|t| t.src_rank).collect();
    let got = comm.exchange("redistribute", sends, &from)?;
    for (t, v) in incoming.into_iter().zip(got) {
        let buf = elems_of::<T>(v, t.src_rank, "redistribute")?;
        unpack(plan, t, &buf, &mut out)?;
        store::park(buf);
    }
    Ok(NdArray::from_vec(&shape, out))
}

/// The array with its axes reversed (a matrix transpose for 2-D).
pub fn transpose(comm: &mut dyn Comm, a: &DistArray) -> Result<DistArray, DaError> {
    a.check_group(comm)?;
    let d = a.distribution();
    let rev = |v: &[usize]| v.iter().rev().copied().collect::<Vec<_>>();
    let dists: Vec<AxisDist> = d.dists().iter().rev().copied().collect();
    let grid: Vec<i64> = d.grid().dims().iter().rev().map(|&g| g as i64).collect();
    let target = Distribution::with_grid(&rev(d.shape()), &dists, &grid, d.engines())?;
    let me = comm.rank();
    let mut coords = vec![0; d.ndim()];
    d.grid().coords(me, &mut coords);
    let dest = target.grid().rank(&rev(&coords));
    target.grid().coords(me, &mut coords);
    let src = d.grid().rank(&rev(&coords));
    let shard = a.local()?.transpose();
    let (shape, data) = shard.into_buffer();
    let got = comm.exchange("transpose", vec![(dest, Value::NdArray { shape, data })], &[src])?;
    let shard = match got.into_iter().next() {
        Some(Value::NdArray { shape, data }) => NdArray::from_buffer(&shape, data)?,
        _ => return Err(DaError::Comm(format!("transpose: engine rank {src} sent no array"))),
    };
    Ok(a.sibling(target, shard))
}

/// For one axis: per (source coordinate, target coordinate), the source local indices
/// that go there (increasing) and their target local indices (in the same order).
type AxisMoves = HashMap<(usize, usize), (Vec<usize>, Vec<usize>)>;

fn axis_moves(src: &Distribution, dst: &Distribution, axis: usize, f: &dyn Fn(usize) -> Option<usize>) -> AxisMoves {
    let (n, p, sd) = (src.shape()[axis], src.grid().dims()[axis], src.dists()[axis]);
    let (m, q, dd) = (dst.shape()[axis], dst.grid().dims()[axis], dst.dists()[axis]);
    let mut moves: AxisMoves = HashMap::new();
    for g in 0..n {
        if let Some(h) = f(g).filter(|&h| h < m) {
            let (c, l) = sd.to_local(n, p, g);
            let (d, l2) = dd.to_local(m, q, h);
            let e = moves.entry((c, d)).or_default();
            e.0.push(l);
            e.1.push(l2);
        }
    }
    moves
}

/// Moves the elements of `a` to `target`: along each axis, source global index `g`
/// goes to `maps[axis](g)` (or nowhere). Every target element must be hit once.
pub fn remap(
    comm: &mut dyn Comm,
    op: &str,
    a: &DistArray,
    target: Distribution,
    maps: &[&dyn Fn(usize) -> Option<usize>],
) -> Result<DistArray, DaError> {
    remap_into(comm, op, a, target, maps, None)
}

/// [`remap`] writing into `into` (this engine's shard of `target`, of `a`'s dtype):
/// target elements no source element maps to keep their values there (zeros when `None`).
pub fn remap_into(
    comm: &mut dyn Comm,
    op: &str,
    a: &DistArray,
    target: Distribution,
    maps: &[&dyn Fn(usize) -> Option<usize>],
    into: Option<NdArray>,
) -> Result<DistArray, DaError> {
    a.check_group(comm)?;
    let src = a.distribution();
    let ndim = src.ndim();
    let moves: Vec<AxisMoves> = (0..ndim).map(|ax| axis_moves(src, &target, ax, maps[ax])).collect();
    check_memory(comm, &target, a.dtype())?;
    let shard = a.local()?;
    let out = dispatch_dtype!(shard.dtype(), T => {
        let data = shard.as_slice::<T>().expect("dtype");
        let out = match into {
            // Moved, not copied, when no one else holds the output.
            Some(x) => T::from_buffer(x.into_buffer().1)
                .map_err(|_| DaError::Invalid(format!("{op}: an output of another dtype")))?,
            None => store::zeroed::<T>(target.local_size(comm.rank())?),
        };
        remap_shard::<T>(comm, op, (data, shard.shape()), src, &target, &moves, out)?
    });
    Ok(a.sibling(target, out))
}

/// [`remap`] for one dtype: packs what each engine needs from `data` (this engine's
/// shard), exchanges, and places what arrives into the new shard.
fn remap_shard<T: Stored>(
    comm: &mut dyn Comm,
    op: &str,
    (data, shard_shape): (&[T], &[usize]),
    src: &Distribution,
    target: &Distribution,
    moves: &[AxisMoves],
    mut out: Vec<T>,
) -> Result<NdArray, DaError> {
    let ndim = src.ndim();
    let me = comm.rank();
    let (mut cs, mut cd) = (vec![0; ndim], vec![0; ndim]);
    src.grid().coords(me, &mut cs);
    target.grid().coords(me, &mut cd);
    let lists = |from: &[usize], to: &[usize]| -> Option<Vec<&(Vec<usize>, Vec<usize>)>> {
        (0..ndim).map(|ax| moves[ax].get(&(from[ax], to[ax]))).collect()
    };
    let mut sends = Vec::new();
    let mut mine = None;
    let mut coords = vec![0; ndim];
    for r in 0..target.engines() {
        target.grid().coords(r, &mut coords);
        if let Some(l) = lists(&cs, &coords) {
            let from: Vec<&[usize]> = l.iter().map(|x| &x.0[..]).collect();
            let slab = pack_product(data, shard_shape, &from);
            if r == me {
                mine = Some(slab);
            } else {
                sends.push((r, value_of(slab)));
            }
        }
    }
    let mut from = Vec::new();
    let mut placements = Vec::new();
    for r in 0..src.engines() {
        src.grid().coords(r, &mut coords);
        if let Some(l) = lists(&coords, &cd) {
            if r != me {
                from.push(r);
            }
            placements.push((r, l));
        }
    }
    let mut got = comm.exchange(op, sends, &from)?.into_iter();
    let shape = target.local_shape(me)?;
    for (r, l) in placements {
        let slab = if r == me {
            mine.take().expect("own slab")
        } else {
            let v = got.next().ok_or_else(|| DaError::Comm(format!("{op}: engine rank {r} sent no array")))?;
            elems_of::<T>(v, r, op)?
        };
        let lens: Vec<usize> = l.iter().map(|x| x.1.len()).collect();
        if slab.len() != lens.iter().product::<usize>() {
            return Err(DaError::Comm(format!("{op}: engine rank {r} sent {} elements", slab.len())));
        }
        let whole: Vec<Vec<usize>> = lens.iter().map(|&n| (0..n).collect()).collect();
        let whole: Vec<&[usize]> = whole.iter().map(|v| &v[..]).collect();
        let to: Vec<&[usize]> = l.iter().map(|x| &x.1[..]).collect();
        copy_product(&slab, &lens, &whole, &mut out, &shape, &to);
    }
    Ok(NdArray::from_vec(&shape, out))
}

/// The elements of `data` (row-major, `shape`) at the product of `lists`, packed
/// row-major.
fn pack_product<T: Stored>(data: &[T], shape: &[usize], lists: &[&[usize]]) -> Vec<T> {
    let lens: Vec<usize> = lists.iter().map(|l| l.len()).collect();
    let mut slab = store::zeroed::<T>(lens.iter().product());
    let whole: Vec<Vec<usize>> = lens.iter().map(|&n| (0..n).collect()).collect();
    let whole: Vec<&[usize]> = whole.iter().map(|v| &v[..]).collect();
    copy_product(data, shape, lists, &mut slab, &lens, &whole);
    slab
}

/// `a` rolled by `shift` along `axis`: element `g` moves to `(g + shift) mod n`.
pub fn roll(comm: &mut dyn Comm, a: &DistArray, shift: i64, axis: usize) -> Result<DistArray, DaError> {
    let n = a.shape()[axis];
    let s = if n == 0 { 0 } else { shift.rem_euclid(n as i64) as usize };
    let id = |g: usize| Some(g);
    let shifted = move |g: usize| Some((g + s) % n.max(1));
    let maps: Vec<&dyn Fn(usize) -> Option<usize>> = (0..a.shape().len())
        .map(|ax| if ax == axis { &shifted as &dyn Fn(usize) -> Option<usize> } else { &id })
        .collect();
    remap(comm, "roll", a, a.distribution().clone(), &maps)
}

/// The elements of `a` in `ranges` (resolved `(start, end, step)` per axis), laid out
/// with `a`'s dists over the same engines.
pub fn slice(comm: &mut dyn Comm, a: &DistArray, ranges: &[(usize, usize, usize)]) -> Result<DistArray, DaError> {
    let d = a.distribution();
    let shape: Vec<usize> = ranges.iter().map(|&r| crate::nd::shape_ops::range_len(r)).collect();
    let target = Distribution::new(&shape, d.dists(), d.engines())?;
    let fs: Vec<Box<dyn Fn(usize) -> Option<usize>>> = ranges
        .iter()
        .map(|&(s, e, k)| {
            Box::new(move |g: usize| (g >= s && g < e && (g - s).is_multiple_of(k)).then(|| (g - s) / k))
                as Box<dyn Fn(usize) -> Option<usize>>
        })
        .collect();
    let maps: Vec<&dyn Fn(usize) -> Option<usize>> = fs.iter().map(|f| f.as_ref()).collect();
    remap(comm, "slice", a, target, &maps)
}

/// The element at user `index`, read by its owner and sent to every engine.
pub fn get(comm: &mut dyn Comm, a: &DistArray, index: &[i64]) -> Result<Scalar, DaError> {
    a.check_group(comm)?;
    let d = a.distribution();
    let mut global = vec![0; d.ndim()];
    d.checked_index(index, &mut global)?;
    let mut local = vec![0; d.ndim()];
    let owner = d.to_local(&global, &mut local)?;
    let mine = if owner == comm.rank() {
        let local: Vec<i64> = local.iter().map(|&l| l as i64).collect();
        let (shape, data) = NdArray::from_scalars(&[], a.dtype(), &[a.local()?.get(&local)?]).into_buffer();
        Value::NdArray { shape, data }
    } else {
        Value::Unit
    };
    match comm.broadcast("element read", mine, owner)? {
        Value::NdArray { shape, data } => Ok(NdArray::from_buffer(&shape, data)?.get(&[])?),
        _ => Err(DaError::Comm(format!("element read: engine rank {owner} sent no element"))),
    }
}

/// Sets the element at user `index` (only its owner stores; nothing travels).
pub fn set(comm: &mut dyn Comm, a: &mut DistArray, index: &[i64], value: Scalar) -> Result<(), DaError> {
    a.check_group(comm)?;
    let d = a.distribution().clone();
    let mut global = vec![0; d.ndim()];
    d.checked_index(index, &mut global)?;
    let mut local = vec![0; d.ndim()];
    if d.to_local(&global, &mut local)? == comm.rank() {
        let local: Vec<i64> = local.iter().map(|&l| l as i64).collect();
        a.local_mut()?.set(&local, value)?;
    }
    Ok(())
}
