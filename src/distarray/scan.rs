//! Scans (`cumsum`, `cumprod`) and differences (`diff`) of DistArrays.
//!
//! A scan along an axis that no engine splits (grid extent 1) is a local scan of each
//! shard. Along a split axis, in a block layout: each engine scans its shard
//! (`nd::scan::scan_in_place`), the shards' last rows (the *totals*, one row across the
//! other axes) are allgathered, each engine combines the totals of the engines before it
//! on its grid line **in rank order** (an exclusive scan), and combines that carry into
//! its shard. A cyclic or block-cyclic axis is first redistributed to a block one (the
//! same grid), and the result goes back to the input's layout. Integers wrap as in NumPy
//! and are therefore bit-identical on every engine count; floats are combined in a fixed
//! order, so a run gives the same bits every time on the same engine count (the carry is
//! added to each local partial sum, which rounds differently from one long sequential sum).
//!
//! Without an axis the array is flattened first (`reshape` to 1-d, C order), as NumPy does.
//! `diff` along an axis is `slice(1..) - slice(..n-1)` (two remaps, then an elementwise
//! subtraction; `!=` for booleans, as NumPy's `diff` does).

use super::array::DistArray;
use super::comm::{Comm, DaError};
use super::exchange::{elems_of, redistribute, value_of};
use super::{AxisDist, Distribution};
use crate::nd::scan::{
    combine_in_place, last_slice, scan_copy, scan_dtype, scan_in_place, split_at_axis, ScanElem, ScanOp,
};
use crate::nd::{checked_axis, BinOp, DType, NdArray, C64};

/// `cumsum`/`cumprod` of `a` along `axis` (of the flattened array when `None`).
pub fn scan(comm: &mut dyn Comm, a: &DistArray, op: ScanOp, axis: Option<i64>) -> Result<DistArray, DaError> {
    a.check_group(comm)?;
    let (a, ax) = match axis {
        None => (super::reshape::reshape(comm, a, &[a.distribution().size()])?, 0),
        Some(x) => (a.clone(), checked_axis(x, a.shape().len())?),
    };
    let a = super::ops::astype(comm, &a, scan_dtype(a.dtype()))?;
    let d = a.distribution().clone();
    if d.grid().dims()[ax] == 1 {
        let shard = a.local()?;
        return Ok(a.sibling(d, shard.scan(op, Some(ax as i64))?));
    }
    if d.dists()[ax] == AxisDist::Block {
        return block_scan(comm, &a, op, ax);
    }
    let mut dists = d.dists().to_vec();
    dists[ax] = AxisDist::Block;
    let grid: Vec<i64> = d.grid().dims().iter().map(|&g| g as i64).collect();
    let blocked = redistribute(comm, &a, Distribution::with_grid(d.shape(), &dists, &grid, d.engines())?)?;
    let scanned = block_scan(comm, &blocked, op, ax)?;
    redistribute(comm, &scanned, d)
}

fn block_scan(comm: &mut dyn Comm, a: &DistArray, op: ScanOp, ax: usize) -> Result<DistArray, DaError> {
    let shard = a.local()?;
    let out = match shard.dtype() {
        DType::F64 => typed::<f64>(comm, a, shard, op, ax)?,
        DType::F32 => typed::<f32>(comm, a, shard, op, ax)?,
        DType::I64 => typed::<i64>(comm, a, shard, op, ax)?,
        DType::C128 => typed::<C64>(comm, a, shard, op, ax)?,
        DType::I32 | DType::Bool => unreachable!("promoted to i64"),
    };
    Ok(a.sibling(a.distribution().clone(), out))
}

fn typed<T: ScanElem>(
    comm: &mut dyn Comm,
    a: &DistArray,
    shard: NdArray,
    op: ScanOp,
    ax: usize,
) -> Result<NdArray, DaError> {
    let d = a.distribution();
    let shape = shard.shape().to_vec();
    let dims = split_at_axis(&shape, ax);
    // Scanned in place when `a` is a temporary of this scan (a cast or a redistribution),
    // else into a new buffer in the same pass.
    let mut data: Vec<T> = if shard.is_unique() {
        let mut d = T::from_buffer(shard.into_buffer().1).map_err(|_| DaError::Invalid("scan: dtype".into()))?;
        scan_in_place(&mut d, dims, op)?;
        d
    } else {
        scan_copy(shard.as_slice::<T>().expect("dtype"), dims, op)?
    };
    let totals = last_slice(&data, dims, op);
    let all = comm.allgather(op.name(), value_of(totals))?;
    let me = comm.rank();
    let (mut mine, mut theirs) = (vec![0; d.ndim()], vec![0; d.ndim()]);
    d.grid().coords(me, &mut mine);
    let mut before: Vec<(usize, usize)> = Vec::new(); // (coordinate along the axis, rank)
    for r in 0..d.engines() {
        d.grid().coords(r, &mut theirs);
        let same_line = (0..d.ndim()).all(|k| k == ax || theirs[k] == mine[k]);
        if same_line && theirs[ax] < mine[ax] {
            before.push((theirs[ax], r));
        }
    }
    before.sort_unstable();
    let mut all: Vec<Option<crate::protocol::Value>> = all.into_iter().map(Some).collect();
    let mut carry: Option<Vec<T>> = None;
    for (_, r) in before {
        let v = all[r].take().ok_or_else(|| DaError::Comm(format!("{}: no totals from rank {r}", op.name())))?;
        let t = elems_of::<T>(v, r, op.name())?;
        carry = Some(match carry {
            None => t,
            Some(c) => c.iter().zip(&t).map(|(&x, &y)| T::apply(op, x, y)).collect(),
        });
    }
    if let Some(c) = carry {
        combine_in_place(&mut data, dims, &c, op)?;
    }
    Ok(NdArray::from_vec(&shape, data))
}

/// `diff` of `a` along `axis` (default the last): `a[1..] - a[..n-1]` there.
pub fn diff(comm: &mut dyn Comm, a: &DistArray, axis: Option<i64>) -> Result<DistArray, DaError> {
    a.check_group(comm)?;
    let ax = checked_axis(axis.unwrap_or(-1), a.shape().len())?;
    let n = a.shape()[ax] as i64;
    let ranges = |lo: i64, hi: i64| -> Vec<Vec<i64>> {
        a.shape().iter().enumerate().map(|(k, &m)| if k == ax { vec![lo, hi] } else { vec![0, m as i64] }).collect()
    };
    let hi = super::reshape::slice(comm, a, &ranges(1, n.max(1)))?;
    let lo = super::reshape::slice(comm, a, &ranges(0, (n - 1).max(0)))?;
    let op = if a.dtype() == DType::Bool { BinOp::Ne } else { BinOp::Sub };
    super::ops::binary(comm, &hi, op, &lo)
}
