//! Distributed FFTs of DistArrays along any set of axes, in any distribution.
//!
//! The transform along an axis is done where that axis is whole on every engine (its
//! grid extent is 1): such axes are transformed shard by shard with
//! [`crate::nd::fft`], with no communication. The other requested axes are made whole
//! by a **global transpose**: a [`redistribute`] (DistArray's one redistribution, an
//! all-to-all between the engines) to a layout in which every axis still to transform
//! is `"n"` and the engines are spread over the other axes. For a block-row 2-D array
//! `fft2` is the classic slab algorithm: FFT the rows, transpose, FFT the columns,
//! transpose back. Cyclic and block-cyclic inputs go through the same redistribution.
//!
//! - Layout of the result: by default the input's layout (a last redistribution back).
//!   With `keep_layout = false` the result stays in the layout of the last transform,
//!   which saves that all-to-all; its dists say what it is.
//! - Which axes carry the engines while others are transformed ([`steps`] lists the
//!   layouts): **pencils** first — the grid extent of an axis still to transform moves
//!   onto a whole axis that is not, next to it in the grid when possible, and every
//!   other axis keeps its extent. A 3-D `["b", "b", "n"]` array on a 2×2 grid goes
//!   `[b,b,n]` → `[b,n,b]` → `[n,b,b]`: the grid stays 2-D and each transpose is an
//!   exchange within one row of it. **Slabs** when no axis is free: the axes not still
//!   to transform that are distributed stay as they are; if none is, the longest of
//!   them becomes `"b"`. When every axis still has to be transformed and none is
//!   whole, the first is distributed and the rest are transformed first.
//! - The last transform of a call that returns to its starting layout is fused with
//!   its transpose and the way back when the transposed shard is just the other
//!   engines' pieces stacked along the axis (block layouts, pencils): see
//!   [`super::fft_pass`] — no transposed shard is assembled, the pieces are
//!   transformed where they arrive and moved back.
//! - Memory and copies: the input's shard is copied once, into the first transform's
//!   output (a few rows at a time, transformed while in cache); every later transform
//!   runs in place on a shard this function owns. Inside one call, the shard left
//!   behind by a transpose and the buffers received in it are parked
//!   ([`store::recycling`]) and reused by the next transpose, instead of fresh pages
//!   the kernel must clear. Beyond input and output an engine holds at most the
//!   shard being transposed plus one shard's worth of send and receive buffers.
//! - A 1-d array on more than one engine has no other axis to carry the engines: it
//!   goes to the distributed 1-d FFT, [`super::fft1d`] (four-step or Bluestein).
//! - Dtypes: every input dtype is promoted to `c128` (see [`crate::nd::fft`]); the
//!   inverse divides by the length of each transformed axis.

use super::array::{check_memory, DistArray};
use super::comm::{Comm, DaError};
use super::exchange::redistribute;
use super::fft_pass;
use super::{AxisDist, Distribution};
use crate::nd::{checked_axis, fft, store, DType};

/// How to transform: forward or inverse, and whether to return to the input's layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FftOptions {
    pub inverse: bool,
    pub keep_layout: bool,
}

/// Checks the axes given to `op` for an array of `ndim` axes: each in range (negative
/// counts from the end), none repeated.
pub fn checked_axes(op: &str, axes: &[i64], ndim: usize) -> Result<Vec<usize>, DaError> {
    let mut out = Vec::with_capacity(axes.len());
    for &ax in axes {
        let a = checked_axis(ax, ndim).map_err(|e| DaError::Invalid(format!("da::{op}: {e}")))?;
        if out.contains(&a) {
            return Err(DaError::Invalid(format!("da::{op}: axis {a} is repeated in the axes {axes:?}")));
        }
        out.push(a);
    }
    Ok(out)
}

/// The FFT of `a` along `axes` (already checked), collective over `a`'s group; `op`
/// names the script function in messages. When `a` is the only handle on its shard
/// (a temporary), the first transform runs in that shard's storage.
pub fn fftn(
    comm: &mut dyn Comm,
    op: &str,
    a: DistArray,
    axes: &[usize],
    opts: FftOptions,
) -> Result<DistArray, DaError> {
    a.check_group(comm)?;
    let start = a.distribution().clone();
    if start.size() == 0 {
        return Err(DaError::Invalid(format!(
            "da::{op}: the array of shape {:?} is empty; an FFT needs at least one element along every axis",
            start.shape()
        )));
    }
    check_memory(comm, &start, DType::C128)?;
    if start.ndim() == 1 && start.engines() > 1 && !axes.is_empty() {
        return store::recycling(|| super::fft1d::fft1d(comm, &a, opts));
    }
    store::recycling(|| transform(comm, a, &steps(&start, axes)?, opts))
}

/// Runs `steps` on `a`: the global transposes and the transforms between them. The
/// buffers each step leaves behind (the shard before a transpose, what arrived in it)
/// are parked for the next steps to reuse.
fn transform(
    comm: &mut dyn Comm,
    a: DistArray,
    steps: &[(Distribution, Vec<usize>)],
    opts: FftOptions,
) -> Result<DistArray, DaError> {
    let start = a.distribution().clone();
    let (group, rank) = (a.group().to_vec(), a.rank());
    let mut cur = a;
    for (i, (dist, now)) in steps.iter().enumerate() {
        let dist = dist.clone();
        if opts.keep_layout && i + 1 == steps.len() && now.len() == 1 && *cur.distribution() != dist {
            // The last transform, when the result goes back: fused with its transpose
            // and the way back, if the pieces stack (see `fft_pass`).
            match fft_pass::fused(comm, cur, &dist, now[0], opts.inverse)? {
                Ok(done) => {
                    cur = done;
                    continue;
                }
                Err(not_fused) => cur = not_fused,
            }
        }
        if *cur.distribution() != dist {
            let next = redistribute(comm, &cur, dist.clone())?;
            let before = std::mem::replace(&mut cur, next);
            store::park_array(before.into_local()?);
        }
        if !now.is_empty() {
            // A shard shared with the caller's array is copied once, on the way into
            // the first transform; the later shards are this function's own.
            let shard = fft::fft_axes_owned(cur.into_local()?, now, opts.inverse)?;
            cur = DistArray::from_shard(dist, group.clone(), rank, shard);
        }
    }
    if cur.dtype() != DType::C128 {
        let shard = cur.local()?.astype(DType::C128)?;
        cur = cur.sibling(cur.distribution().clone(), shard);
    }
    if opts.keep_layout && *cur.distribution() != start {
        let next = redistribute(comm, &cur, start)?;
        let before = std::mem::replace(&mut cur, next);
        store::park_array(before.into_local()?);
    }
    Ok(cur)
}

/// The layouts a transform along `axes` goes through from `start`, each with the axes
/// transformed in it (those whole there): `start` first, then one per global transpose.
pub fn steps(start: &Distribution, axes: &[usize]) -> Result<Vec<(Distribution, Vec<usize>)>, DaError> {
    let mut out = Vec::new();
    let mut dist = start.clone();
    let mut remaining = axes.to_vec();
    loop {
        let (now, later): (Vec<usize>, Vec<usize>) = remaining.iter().partition(|&&ax| dist.grid().dims()[ax] == 1);
        if now.is_empty() && !out.is_empty() {
            return Err(DaError::Invalid(format!("da::fft: no layout of {start} makes the axes {later:?} whole")));
        }
        out.push((dist.clone(), now));
        if later.is_empty() {
            return Ok(out);
        }
        dist = whole_along(&dist, &later)?;
        remaining = later;
    }
}

/// The next layout of `d`'s shape over its engines while the axes of `todo` (some of
/// them distributed) remain to be transformed.
///
/// **Pencils**: the grid extent of a distributed axis of `todo` moves onto a whole axis
/// that is not to be transformed (the longest first), one such axis each, and every
/// other axis keeps its dist and extent. So the grid keeps its number of dimensions and
/// each engine exchanges with the engines along one dimension of it only (√P of them
/// on a square 2-D grid, not all P). Axes of `todo` left without a free axis stay as
/// they are, for a later step. **Slabs**: when no axis is free, the axes not to
/// transform that are distributed take all the engines (or, if none is, the longest of
/// them; if every axis is to be transformed, the first one).
fn whole_along(d: &Distribution, todo: &[usize]) -> Result<Distribution, DaError> {
    let ndim = d.ndim();
    let dims = d.grid().dims();
    let others: Vec<usize> = (0..ndim).filter(|ax| !todo.contains(ax)).collect();
    let mut free: Vec<usize> = others.iter().copied().filter(|&ax| dims[ax] == 1).collect();
    free.sort_by_key(|&ax| (std::cmp::Reverse(d.shape()[ax]), ax));
    let movers: Vec<usize> = todo.iter().copied().filter(|&ax| dims[ax] > 1).collect();
    if !free.is_empty() && !movers.is_empty() {
        let mut dists: Vec<AxisDist> =
            (0..ndim).map(|ax| if dims[ax] > 1 { d.dists()[ax] } else { AxisDist::NotDistributed }).collect();
        let mut grid: Vec<i64> = dims.iter().map(|&g| g as i64).collect();
        // A grid extent that moves past no other distributed axis keeps every engine's
        // rank in the same place, so the exchange stays within one row of the grid.
        let adjacent = |m: usize, f: usize| (m.min(f) + 1..m.max(f)).all(|ax| dims[ax] == 1);
        for &m in movers.iter().rev() {
            let Some(i) = free.iter().position(|&f| adjacent(m, f)).or((!free.is_empty()).then_some(0)) else {
                break;
            };
            let f = free.remove(i);
            (dists[f], grid[f]) = (AxisDist::Block, grid[m]);
            (dists[m], grid[m]) = (AxisDist::NotDistributed, 1);
        }
        return Ok(Distribution::with_grid(d.shape(), &dists, &grid, d.engines())?);
    }
    let mut dists = vec![AxisDist::NotDistributed; ndim];
    if others.is_empty() {
        dists[todo[0]] = AxisDist::Block;
    } else {
        for &ax in &others {
            if d.dists()[ax].is_distributed() && dims[ax] > 1 {
                dists[ax] = d.dists()[ax];
            }
        }
        if dists.iter().all(|x| !x.is_distributed()) {
            let longest = others.iter().copied().max_by_key(|&ax| (d.shape()[ax], std::cmp::Reverse(ax)));
            dists[longest.expect("others is not empty")] = AxisDist::Block;
        }
    }
    Ok(Distribution::new(d.shape(), &dists, d.engines())?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distarray::RedistributionPlan;
    use AxisDist::{Block as B, NotDistributed as N};

    /// The distinct engines each rank sends to (other than itself), at most.
    fn partners(from: &Distribution, to: &Distribution) -> usize {
        let plan = RedistributionPlan::new(from, to).unwrap();
        (0..from.engines()).map(|r| plan.sends(r).iter().filter(|t| t.dst_rank != r).count()).max().unwrap_or(0)
    }

    #[test]
    fn a_3d_array_on_a_2d_grid_keeps_a_2d_grid() {
        let start = Distribution::with_grid(&[12, 10, 8], &[B, B, N], &[2, 2, 1], 4).unwrap();
        let path = steps(&start, &[0, 1, 2]).unwrap();
        let layouts: Vec<(Vec<AxisDist>, Vec<usize>, Vec<usize>)> =
            path.iter().map(|(d, now)| (d.dists().to_vec(), d.grid().dims().to_vec(), now.clone())).collect();
        assert_eq!(
            layouts,
            [
                (vec![B, B, N], vec![2, 2, 1], vec![2]),
                (vec![B, N, B], vec![2, 1, 2], vec![1]),
                (vec![N, B, B], vec![1, 2, 2], vec![0]),
            ]
        );
        // Each transpose is an exchange within one row or column of the grid: every
        // engine talks to one other, where a slab transpose would talk to three. The
        // way back to the input's layout moves both extents at once: two others.
        assert_eq!(partners(&path[0].0, &path[1].0), 1);
        assert_eq!(partners(&path[1].0, &path[2].0), 1);
        assert_eq!(partners(&path[2].0, &start), 2);
        let slab = Distribution::with_grid(&[12, 10, 8], &[N, N, B], &[1, 1, 4], 4).unwrap();
        assert_eq!(partners(&start, &slab), 3);
        // A 4x2 grid: the exchanges are within groups of 2 and of 4.
        let start = Distribution::with_grid(&[16, 12, 8], &[B, B, N], &[4, 2, 1], 8).unwrap();
        let path = steps(&start, &[0, 1, 2]).unwrap();
        assert!(path.iter().all(|(d, _)| d.grid().dims().iter().filter(|&&g| g > 1).count() == 2));
        assert_eq!(partners(&path[0].0, &path[1].0), 1);
        assert_eq!(partners(&path[1].0, &path[2].0), 3);
    }

    #[test]
    fn slabs_when_no_axis_is_free() {
        let rows = Distribution::new(&[8, 6], &[B, N], 2).unwrap();
        let steps2 = steps(&rows, &[0, 1]).unwrap();
        assert_eq!(steps2.len(), 2);
        assert_eq!((steps2[0].0.dists(), &steps2[0].1[..]), (&[B, N][..], &[1][..]));
        assert_eq!((steps2[1].0.dists(), &steps2[1].1[..]), (&[N, B][..], &[0][..]));
        // Every axis distributed and to be transformed: the first carries the engines.
        let both = Distribution::with_grid(&[8, 6], &[B, B], &[2, 2], 4).unwrap();
        let s = steps(&both, &[0, 1]).unwrap();
        assert_eq!(
            s.iter().map(|(d, now)| (d.grid().dims().to_vec(), now.clone())).collect::<Vec<_>>(),
            [(vec![2, 2], vec![]), (vec![4, 1], vec![1]), (vec![1, 4], vec![0])]
        );
        // Along one axis of a 2-D grid whose other axis is distributed: it takes all.
        let s = steps(&both, &[0]).unwrap();
        assert_eq!(s[1].0.grid().dims(), [1, 4]);
        // Every requested axis is transformed exactly once.
        for (d, axes) in [(&rows, vec![1]), (&both, vec![1, 0])] {
            let mut done: Vec<usize> = steps(d, &axes).unwrap().into_iter().flat_map(|(_, now)| now).collect();
            done.sort();
            let mut want = axes.clone();
            want.sort();
            assert_eq!(done, want);
        }
    }
}
