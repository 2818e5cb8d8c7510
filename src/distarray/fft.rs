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
//! - Which axes carry the engines while others are transformed: the axes not still to
//!   transform that are already distributed stay as they are; if none is, the longest
//!   of them becomes `"b"`. When every axis still has to be transformed and none is
//!   whole, the first is distributed and the rest are transformed first.
//! - A 1-d array on more than one engine has no other axis to carry the engines: it
//!   goes to the distributed 1-d FFT, [`super::fft1d`] (four-step or Bluestein).
//! - Dtypes: every input dtype is promoted to `c128` (see [`crate::nd::fft`]); the
//!   inverse divides by the length of each transformed axis.

use super::array::{check_memory, DistArray};
use super::comm::{Comm, DaError};
use super::exchange::redistribute;
use super::{AxisDist, Distribution};
use crate::nd::{checked_axis, fft, DType};

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
/// names the script function in messages.
pub fn fftn(
    comm: &mut dyn Comm,
    op: &str,
    a: &DistArray,
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
        return super::fft1d::fft1d(comm, a, opts);
    }
    let mut cur = a.clone();
    let mut remaining = axes.to_vec();
    loop {
        let dist = cur.distribution().clone();
        let (now, later): (Vec<usize>, Vec<usize>) = remaining.iter().partition(|&&ax| dist.grid().dims()[ax] == 1);
        if !now.is_empty() {
            let shard = fft::fft_axes(&cur.local()?, &now, opts.inverse)?;
            cur = cur.sibling(dist.clone(), shard);
        }
        remaining = later;
        if remaining.is_empty() {
            break;
        }
        let target = whole_along(&dist, &remaining)?;
        cur = redistribute(comm, &cur, target)?;
    }
    if cur.dtype() != DType::C128 {
        let shard = cur.local()?.astype(DType::C128)?;
        cur = cur.sibling(cur.distribution().clone(), shard);
    }
    if opts.keep_layout && *cur.distribution() != start {
        cur = redistribute(comm, &cur, start)?;
    }
    Ok(cur)
}

/// A layout of `d`'s shape over its engines in which the axes of `todo` are whole (or,
/// when no other axis can carry the engines, all of them but the first).
fn whole_along(d: &Distribution, todo: &[usize]) -> Result<Distribution, DaError> {
    let ndim = d.ndim();
    let others: Vec<usize> = (0..ndim).filter(|ax| !todo.contains(ax)).collect();
    let mut dists = vec![AxisDist::NotDistributed; ndim];
    if others.is_empty() {
        dists[todo[0]] = AxisDist::Block;
    } else {
        for &ax in &others {
            if d.dists()[ax].is_distributed() && d.grid().dims()[ax] > 1 {
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
