//! Shape operations on DistArrays: reshape, ravel, squeeze, expand_dims, axis
//! permutations (transpose with axes, swapaxes), flip, slices with any step,
//! concatenate and stack. The shapes and refusals are `nd::reshape`'s, so both kinds of
//! array accept and refuse the same inputs with the same messages.
//!
//! - **reshape** keeps the global C order. It works in the *row layout* (block along
//!   axis 0, the other axes whole, grid `[P, 1, ..]`), where every shard is a
//!   contiguous run of the flat order: the array is redistributed to it only when it is
//!   not there already, then each engine sends the parts of its run that the new row
//!   layout gives to others (one exchange, none when the runs already agree, as for a
//!   reshape that only splits or merges axes past the first). The result is in the row
//!   layout of the new shape.
//! - **squeeze/expand_dims** drop or add a length-1 axis that no engine splits: the
//!   shard is reshaped in place and the distribution loses or gains an `"n"` axis; no
//!   message. (A squeezed axis with more than one grid entry goes through reshape.)
//! - **permutations** permute each shard locally and send it whole to the engine that
//!   holds that block in the permuted layout (dists and grid permuted the same way).
//! - **flip and stepped slices** are remaps (`exchange::remap`): per axis, global index
//!   `g` goes to its new position.
//! - **concatenate** remaps every input into its place in one new shard
//!   (`exchange::remap_into`), in the dtype NumPy promotes to; **stack** is
//!   expand_dims + concatenate.

use super::array::{check_memory, DistArray};
use super::comm::{Comm, DaError};
use super::exchange::{elems_of, redistribute, remap, remap_into, value_of};
use super::{AxisDist, Distribution};
use crate::dispatch_dtype;
use crate::nd::reshape::{concat_shape, expand_axis, joined_dtype, resolve_stepped, squeeze_axes, stack_shape};
use crate::nd::{checked_axis, store, NdArray, Stored};
use crate::protocol::Value;

/// The row layout of `shape` over `engines`: block along axis 0, the rest whole.
pub fn row_layout(shape: &[usize], engines: usize) -> Result<Distribution, DaError> {
    let mut dists = vec![AxisDist::NotDistributed; shape.len()];
    let mut grid = vec![1i64; shape.len()];
    dists[0] = AxisDist::Block;
    grid[0] = engines as i64;
    Ok(Distribution::with_grid(shape, &dists, &grid, engines)?)
}

/// The flat C-order range `[start, end)` that `rank` holds in a row layout.
fn flat_run(d: &Distribution, rank: usize) -> (usize, usize) {
    let (n, p) = (d.shape()[0], d.grid().dims()[0]);
    let inner: usize = d.shape()[1..].iter().product();
    let len = AxisDist::Block.local_len(n, p, rank);
    let first = if len > 0 { AxisDist::Block.to_global(n, p, rank, 0) } else { n };
    (first * inner, (first + len) * inner)
}

/// `a` with shape `shape` (already checked: same size), in the global C order.
pub fn reshape(comm: &mut dyn Comm, a: &DistArray, shape: &[usize]) -> Result<DistArray, DaError> {
    a.check_group(comm)?;
    if shape.is_empty() {
        return Err(DaError::Invalid("reshape: a DistArray needs at least one axis".into()));
    }
    let engines = a.distribution().engines();
    let src_layout = row_layout(a.shape(), engines)?;
    let dst_layout = row_layout(shape, engines)?;
    let rows = redistribute(comm, a, src_layout.clone())?;
    let me = comm.rank();
    let runs_agree = (0..engines).all(|r| flat_run(&src_layout, r) == flat_run(&dst_layout, r));
    let shard = rows.local()?;
    let local_shape = dst_layout.local_shape(me)?;
    if runs_agree {
        return Ok(a.sibling(dst_layout, shard.reshape(&local_shape)?));
    }
    check_memory(comm, &dst_layout, shard.dtype())?;
    let out = dispatch_dtype!(shard.dtype(), T => {
        move_runs::<T>(comm, shard.as_slice::<T>().expect("dtype"), (&src_layout, &dst_layout), &local_shape)?
    });
    Ok(a.sibling(dst_layout, out))
}

fn move_runs<T: Stored>(
    comm: &mut dyn Comm,
    src: &[T],
    (from, to): (&Distribution, &Distribution),
    local_shape: &[usize],
) -> Result<NdArray, DaError> {
    let (me, engines) = (comm.rank(), from.engines());
    let overlap = |a: (usize, usize), b: (usize, usize)| (a.0.max(b.0), a.1.min(b.1));
    let mine = flat_run(from, me);
    let want = flat_run(to, me);
    let mut out = store::zeroed::<T>(want.1 - want.0);
    let mut sends = Vec::new();
    for r in 0..engines {
        let (s, e) = overlap(mine, flat_run(to, r));
        if s < e && r != me {
            sends.push((r, value_of(src[s - mine.0..e - mine.0].to_vec())));
        }
    }
    let sources: Vec<usize> = (0..engines)
        .filter(|&r| {
            r != me && {
                let (s, e) = overlap(flat_run(from, r), want);
                s < e
            }
        })
        .collect();
    let got = comm.exchange("reshape", sends, &sources)?;
    let (s, e) = overlap(mine, want);
    if s < e {
        out[s - want.0..e - want.0].copy_from_slice(&src[s - mine.0..e - mine.0]);
    }
    for (r, v) in sources.iter().zip(got) {
        let (s, e) = overlap(flat_run(from, *r), want);
        let piece = elems_of::<T>(v, *r, "reshape")?;
        if piece.len() != e - s {
            return Err(DaError::Comm(format!(
                "reshape: engine rank {r} sent {} elements, not {}",
                piece.len(),
                e - s
            )));
        }
        out[s - want.0..e - want.0].copy_from_slice(&piece);
    }
    Ok(NdArray::from_vec(local_shape, out))
}

/// `a` without its length-1 axes (or only `axis`).
pub fn squeeze(comm: &mut dyn Comm, a: &DistArray, axis: Option<i64>) -> Result<DistArray, DaError> {
    a.check_group(comm)?;
    let d = a.distribution();
    let drop = squeeze_axes(d.shape(), axis)?;
    let keep: Vec<usize> = (0..d.ndim()).filter(|ax| !drop.contains(ax)).collect();
    let shape: Vec<usize> = keep.iter().map(|&ax| d.shape()[ax]).collect();
    if shape.is_empty() {
        return Err(DaError::Invalid(format!(
            "squeeze: the result would have no axes (shape {:?}); a DistArray needs at least one",
            d.shape()
        )));
    }
    if drop.iter().any(|&ax| d.grid().dims()[ax] > 1) {
        return reshape(comm, a, &shape);
    }
    let dists: Vec<AxisDist> = keep.iter().map(|&ax| d.dists()[ax]).collect();
    let grid: Vec<i64> = keep.iter().map(|&ax| d.grid().dims()[ax] as i64).collect();
    let target = Distribution::with_grid(&shape, &dists, &grid, d.engines())?;
    let local = target.local_shape(comm.rank())?;
    Ok(a.sibling(target, a.local()?.reshape(&local)?))
}

/// `a` with a new undistributed axis of length 1 at `axis` (no message).
pub fn expand_dims(comm: &mut dyn Comm, a: &DistArray, axis: i64) -> Result<DistArray, DaError> {
    a.check_group(comm)?;
    let d = a.distribution();
    let ax = expand_axis(axis, d.ndim())?;
    let (mut shape, mut dists) = (d.shape().to_vec(), d.dists().to_vec());
    let mut grid: Vec<i64> = d.grid().dims().iter().map(|&g| g as i64).collect();
    shape.insert(ax, 1);
    dists.insert(ax, AxisDist::NotDistributed);
    grid.insert(ax, 1);
    let target = Distribution::with_grid(&shape, &dists, &grid, d.engines())?;
    let local = target.local_shape(comm.rank())?;
    Ok(a.sibling(target, a.local()?.reshape(&local)?))
}

/// Axis `k` of the result is axis `perm[k]` of `a` (a checked permutation).
pub fn permute(comm: &mut dyn Comm, a: &DistArray, perm: &[usize]) -> Result<DistArray, DaError> {
    a.check_group(comm)?;
    let d = a.distribution();
    let shape: Vec<usize> = perm.iter().map(|&p| d.shape()[p]).collect();
    let dists: Vec<AxisDist> = perm.iter().map(|&p| d.dists()[p]).collect();
    let grid: Vec<i64> = perm.iter().map(|&p| d.grid().dims()[p] as i64).collect();
    let target = Distribution::with_grid(&shape, &dists, &grid, d.engines())?;
    let me = comm.rank();
    let mut cs = vec![0; d.ndim()];
    d.grid().coords(me, &mut cs);
    let dest = target.grid().rank(&perm.iter().map(|&p| cs[p]).collect::<Vec<_>>());
    let mut cd = vec![0; d.ndim()];
    target.grid().coords(me, &mut cd);
    let mut from = vec![0; d.ndim()];
    for (k, &p) in perm.iter().enumerate() {
        from[p] = cd[k];
    }
    let src = d.grid().rank(&from);
    let shard = a.local()?.permuted(perm);
    if dest == me {
        return Ok(a.sibling(target, shard));
    }
    let (shape, data) = shard.into_buffer();
    let got = comm.exchange("transpose", vec![(dest, Value::NdArray { shape, data })], &[src])?;
    let shard = match got.into_iter().next() {
        Some(Value::NdArray { shape, data }) => NdArray::from_buffer(&shape, data)?,
        _ => return Err(DaError::Comm(format!("transpose: engine rank {src} sent no array"))),
    };
    Ok(a.sibling(target, shard))
}

/// `a` reversed along `axis`.
pub fn flip(comm: &mut dyn Comm, a: &DistArray, axis: i64) -> Result<DistArray, DaError> {
    let ax = checked_axis(axis, a.shape().len())?;
    let n = a.shape()[ax];
    let id = |g: usize| Some(g);
    let rev = move |g: usize| Some(n - 1 - g);
    let maps: Vec<&dyn Fn(usize) -> Option<usize>> =
        (0..a.shape().len()).map(|k| if k == ax { &rev as &dyn Fn(usize) -> Option<usize> } else { &id }).collect();
    remap(comm, "flip", a, a.distribution().clone(), &maps)
}

/// The elements of `a` in `ranges` (`[start, end]` or `[start, end, step]` per axis, any
/// nonzero step, Python's rules), laid out with `a`'s dists over the same engines.
pub fn slice(comm: &mut dyn Comm, a: &DistArray, ranges: &[Vec<i64>]) -> Result<DistArray, DaError> {
    let d = a.distribution();
    if ranges.len() != d.ndim() {
        return Err(DaError::Invalid(format!(
            "slice: give one range per axis: {} ranges for {} axes",
            ranges.len(),
            d.ndim()
        )));
    }
    let resolved: Vec<(usize, usize, i64)> = ranges
        .iter()
        .zip(d.shape())
        .enumerate()
        .map(|(ax, (r, &n))| resolve_stepped(ax, r, n))
        .collect::<Result<_, _>>()?;
    let shape: Vec<usize> = resolved.iter().map(|r| r.1).collect();
    let target = Distribution::new(&shape, d.dists(), d.engines())?;
    let fs: Vec<Box<dyn Fn(usize) -> Option<usize>>> = resolved
        .iter()
        .map(|&(first, count, step)| {
            Box::new(move |g: usize| {
                let off = g as i64 - first as i64;
                (off % step == 0).then(|| off / step).filter(|&k| k >= 0 && (k as usize) < count).map(|k| k as usize)
            }) as Box<dyn Fn(usize) -> Option<usize>>
        })
        .collect();
    let maps: Vec<&dyn Fn(usize) -> Option<usize>> = fs.iter().map(|f| f.as_ref()).collect();
    remap(comm, "slice", a, target, &maps)
}

/// `parts` joined along `axis`, laid out with the first part's dists.
pub fn concatenate(comm: &mut dyn Comm, parts: &[DistArray], axis: i64) -> Result<DistArray, DaError> {
    let shapes: Vec<Vec<usize>> = parts.iter().map(|p| p.shape().to_vec()).collect();
    let (shape, ax) = concat_shape(&shapes, axis)?;
    for p in parts {
        p.check_group(comm)?;
    }
    let first = &parts[0];
    let dtype = joined_dtype(parts.iter().map(|p| p.dtype()));
    let target = Distribution::new(&shape, first.distribution().dists(), first.distribution().engines())?;
    check_memory(comm, &target, dtype)?;
    let mut out = dispatch_dtype!(dtype, T => NdArray::from_vec::<T>(
        &target.local_shape(comm.rank())?,
        store::zeroed::<T>(target.local_size(comm.rank())?),
    ));
    let mut offset = 0;
    for p in parts {
        let p = super::ops::astype(comm, p, dtype)?;
        let at = offset;
        let id = |g: usize| Some(g);
        let shifted = move |g: usize| Some(g + at);
        let maps: Vec<&dyn Fn(usize) -> Option<usize>> =
            (0..shape.len()).map(|k| if k == ax { &shifted as &dyn Fn(usize) -> Option<usize> } else { &id }).collect();
        out = remap_into(comm, "concatenate", &p, target.clone(), &maps, Some(out))?.into_local()?;
        offset += p.shape()[ax];
    }
    Ok(first.sibling(target, out))
}

/// `parts` (all of one shape) stacked along a new `axis`.
pub fn stack(comm: &mut dyn Comm, parts: &[DistArray], axis: i64) -> Result<DistArray, DaError> {
    let shapes: Vec<Vec<usize>> = parts.iter().map(|p| p.shape().to_vec()).collect();
    let (_, ax) = stack_shape(&shapes, axis)?;
    let expanded: Vec<DistArray> = parts.iter().map(|p| expand_dims(comm, p, ax as i64)).collect::<Result<_, _>>()?;
    concatenate(comm, &expanded, ax as i64)
}
