//! Selection and counting on DistArrays: `select` (a distributed compaction), `take`
//! and `put` at global flat indices, `clip`, `nonzero`, `count_nonzero`, `histogram`.
//!
//! - **Compaction** (`select`, `nonzero`): the array (and mask) are first laid out in
//!   row blocks (`["b", "n", ..]` over a `[P, 1, ..]` grid), where each engine holds a
//!   contiguous range of global C-order positions; each compresses its shard, and
//!   [`block_from_pieces`] (counts gathered, an exclusive scan, one exchange) makes the
//!   block-distributed result.
//! - **take**: the indices are the same on every engine; each reads the ones it owns and
//!   all owners' values are exchanged once (an allgather), so every engine assembles
//!   the result in the order asked (an NdArray, as small as the indices). **put** needs
//!   no message: each owner writes its own elements.
//! - **histogram**: the range (if not given) from every engine's min and max, the same
//!   edges everywhere, local counts summed in rank order.

use super::array::DistArray;
use super::comm::{Comm, DaError};
use super::exchange::{elems_of, redistribute, value_of};
use super::sort::{block_from_pieces, gather_ints};
use super::{AxisDist, Distribution};
use crate::dispatch_dtype;
use crate::nd::select::{
    check_mask, checked_index, compress, hist_counts, hist_data, hist_edges, index_values, min_max,
};
use crate::nd::{NdArray, Scalar, Stored};

/// `d`'s shape in row blocks: axis 0 split in blocks over all engines, the rest whole.
fn row_blocks(d: &Distribution) -> Result<Distribution, DaError> {
    let n = d.ndim();
    let mut dists = vec![AxisDist::NotDistributed; n];
    dists[0] = AxisDist::Block;
    let mut grid = vec![1i64; n];
    grid[0] = d.engines() as i64;
    Ok(Distribution::with_grid(d.shape(), &dists, &grid, d.engines())?)
}

fn in_row_blocks(comm: &mut dyn Comm, a: &DistArray) -> Result<DistArray, DaError> {
    redistribute(comm, a, row_blocks(a.distribution())?)
}

/// Global C-order position of this engine's first element in a row-block layout.
fn row_block_start(a: &DistArray) -> usize {
    let d = a.distribution();
    let row: usize = d.shape()[1..].iter().product();
    super::sort::block_range(d.shape()[0], d.engines(), a.rank()).0 * row
}

/// The elements of `a` where `mask` (a bool DistArray of the same shape) is true, in
/// C order, as a block-distributed 1-d array.
pub fn select(comm: &mut dyn Comm, a: &DistArray, mask: &DistArray) -> Result<DistArray, DaError> {
    a.check_group(comm)?;
    mask.check_group(comm)?;
    check_mask(mask.dtype(), mask.shape(), a.shape(), "select")?;
    let (x, m) = (in_row_blocks(comm, a)?, in_row_blocks(comm, mask)?);
    let (xs, ms) = (x.local()?, m.local()?);
    let ms = ms.as_slice::<bool>().expect("bool");
    dispatch_dtype!(a.dtype(), T => {
        let piece = compress(xs.as_slice::<T>().expect("dtype"), ms);
        block_from_pieces(comm, a, "select", piece)
    })
}

/// The global C-order positions of the non-zero elements, one block-distributed i64
/// array per axis (NumPy's `nonzero` tuple).
pub fn nonzero(comm: &mut dyn Comm, a: &DistArray) -> Result<Vec<DistArray>, DaError> {
    a.check_group(comm)?;
    let x = in_row_blocks(comm, a)?;
    let start = row_block_start(&x);
    let shard = x.local()?;
    let flat = crate::dispatch_store!(shard.store(), s => s
        .iter()
        .enumerate()
        .filter(|(_, v)| crate::nd::Elem::to_bool(**v))
        .map(|(i, _)| start + i)
        .collect::<Vec<usize>>());
    let shape = a.shape().to_vec();
    let mut out = Vec::with_capacity(shape.len());
    for ax in 0..shape.len() {
        let inner: usize = shape[ax + 1..].iter().product();
        let coords: Vec<i64> = flat.iter().map(|&f| ((f / inner) % shape[ax]) as i64).collect();
        out.push(block_from_pieces(comm, a, "nonzero", coords)?);
    }
    Ok(out)
}

/// How many elements are not zero (or false).
pub fn count_nonzero(comm: &mut dyn Comm, a: &DistArray) -> Result<i64, DaError> {
    a.check_group(comm)?;
    let mine = a.local()?.count_nonzero() as i64;
    Ok(gather_ints(comm, "count_nonzero", &[mine])?.iter().map(|v| v[0]).sum())
}

/// `a` with every element limited to `[lo, hi]` (same layout).
pub fn clip(comm: &mut dyn Comm, a: &DistArray, lo: Scalar, hi: Scalar) -> Result<DistArray, DaError> {
    a.check_group(comm)?;
    let s = a.local()?.clip(lo, hi)?;
    Ok(DistArray::from_shard(a.distribution().clone(), a.group().to_vec(), a.rank(), s))
}

/// Checks flat `indices` against `a`'s size; each as (owner rank, local flat offset).
fn owners(a: &DistArray, indices: &NdArray, op: &str) -> Result<Vec<(usize, usize)>, DaError> {
    let d = a.distribution();
    let n = d.size();
    let what = || format!("a DistArray of size {n}");
    let shape = d.shape();
    let (mut g, mut l) = (vec![0; shape.len()], vec![0; shape.len()]);
    let mut out = Vec::new();
    for i in index_values(indices, op)? {
        let mut f = checked_index(i, n, &what)?;
        for ax in (0..shape.len()).rev() {
            g[ax] = f % shape[ax];
            f /= shape[ax];
        }
        let r = d.to_local(&g, &mut l)?;
        out.push((r, d.local_offset(r, &l)?));
    }
    Ok(out)
}

/// The elements at global flat `indices` (an integer NdArray, the same on every engine),
/// as an NdArray of the indices' shape, on every engine.
pub fn take(comm: &mut dyn Comm, a: &DistArray, indices: &NdArray) -> Result<NdArray, DaError> {
    a.check_group(comm)?;
    let at = owners(a, indices, "take")?;
    let me = comm.rank();
    let shard = a.local()?;
    dispatch_dtype!(a.dtype(), T => take_typed::<T>(comm, &shard, &at, me, indices.shape()))
}

/// NumPy's `np.take(a, indices, axis)`: the result's shape is `a`'s with `axis` replaced
/// by `indices`' shape, on every engine. The positions asked are turned into flat
/// indices and fetched as [`take`] does (one gather, each engine sending what it owns).
pub fn take_axis(comm: &mut dyn Comm, a: &DistArray, indices: &NdArray, axis: i64) -> Result<NdArray, DaError> {
    a.check_group(comm)?;
    let shape = a.shape().to_vec();
    let ax = crate::nd::checked_axis(axis, shape.len())?;
    let (outer, n, inner) = crate::nd::sort::lanes(&shape, ax);
    let what = || format!("axis {ax} with size {n}");
    let idx: Vec<usize> =
        index_values(indices, "take")?.into_iter().map(|i| checked_index(i, n, &what)).collect::<Result<_, _>>()?;
    let mut flat = Vec::with_capacity(outer * idx.len() * inner);
    for o in 0..outer {
        for &j in &idx {
            let at = (o * n + j) * inner;
            flat.extend((at..at + inner).map(|f| f as i64));
        }
    }
    let mut out_shape = shape[..ax].to_vec();
    out_shape.extend_from_slice(indices.shape());
    out_shape.extend_from_slice(&shape[ax + 1..]);
    let flat = NdArray::from_vec(&[flat.len()], flat);
    Ok(take(comm, a, &flat)?.reshape(&out_shape)?)
}

fn take_typed<T: Stored>(
    comm: &mut dyn Comm,
    shard: &NdArray,
    at: &[(usize, usize)],
    me: usize,
    shape: &[usize],
) -> Result<NdArray, DaError> {
    let s = shard.as_slice::<T>().expect("dtype");
    let mine: Vec<T> = at.iter().filter(|(r, _)| *r == me).map(|&(_, o)| s[o]).collect();
    let all: Vec<Vec<T>> = comm
        .allgather("take", value_of(mine))?
        .into_iter()
        .enumerate()
        .map(|(r, v)| elems_of::<T>(v, r, "take"))
        .collect::<Result<_, _>>()?;
    let mut next = vec![0usize; all.len()];
    let out: Vec<T> = at
        .iter()
        .map(|&(r, _)| {
            next[r] += 1;
            all[r][next[r] - 1]
        })
        .collect();
    Ok(NdArray::from_vec(shape, out))
}

/// Writes `values` (repeated as needed, cast to `a`'s dtype) at global flat `indices`;
/// every index is checked before anything is written.
pub fn put(comm: &mut dyn Comm, a: &mut DistArray, indices: &NdArray, values: &NdArray) -> Result<(), DaError> {
    a.check_group(comm)?;
    let at = owners(a, indices, "put")?;
    if at.is_empty() {
        return Ok(());
    }
    if values.size() == 0 {
        return Err(DaError::Invalid("put: no values to write at the indices".into()));
    }
    let values = values.astype(a.dtype())?;
    let me = comm.rank();
    let mut shard = a.local_mut()?;
    dispatch_dtype!(values.dtype(), T => {
        let v = values.as_slice::<T>().expect("dtype");
        let dst = T::get_mut(shard.make_mut()).expect("dtype").as_slice_mut().expect("standard layout");
        at.iter().zip(v.iter().cycle()).filter(|((r, _), _)| *r == me).for_each(|(&(_, o), &x)| dst[o] = x);
    });
    Ok(())
}

/// `[counts, edges]` of `bins` equal bins over `range` (default: the whole array's min
/// and max), as NdArrays on every engine.
pub fn histogram(
    comm: &mut dyn Comm,
    a: &DistArray,
    bins: i64,
    range: Option<(f64, f64)>,
) -> Result<(NdArray, NdArray), DaError> {
    a.check_group(comm)?;
    let data = hist_data(&a.local()?)?;
    let (lo, hi) = match range {
        Some(r) => r,
        None => {
            let mine: Vec<f64> = min_max(&data).map(|(l, h)| vec![l, h]).unwrap_or_default();
            let all = comm.allgather("histogram", value_of(mine))?;
            let mut both = Vec::new();
            for (r, v) in all.into_iter().enumerate() {
                both.extend(elems_of::<f64>(v, r, "histogram")?);
            }
            min_max(&both).unwrap_or((0.0, 1.0))
        }
    };
    let edges = hist_edges(bins, lo, hi, range.is_some())?;
    let counts = hist_counts(&data, &edges);
    let all = gather_ints(comm, "histogram", &counts)?;
    let total: Vec<i64> = (0..counts.len()).map(|i| all.iter().map(|c| c[i]).sum()).collect();
    Ok((NdArray::from_vec(&[total.len()], total), NdArray::from_vec(&[edges.len()], edges)))
}
