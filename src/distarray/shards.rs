//! Carrying out a redistribution plan on in-memory shards.
//!
//! The communication layer moves data with three steps per [`Transfer`]: the sender
//! [`pack`]s its part of the source shard into a contiguous buffer (in the plan's
//! packed order), the buffer travels, and the receiver [`unpack`]s it into the
//! destination shard. A transfer that stays on one engine skips the buffer with
//! [`copy_transfer`]. All three are built on [`for_each_segment`], which turns a
//! transfer into maximal contiguous segments — a `copy_from_slice` each — so there is
//! no per-element index arithmetic: a run along the last axis is one segment, and when
//! the trailing axes are whole in both shards their runs fuse with the axis above
//! (`["b", "n"]` → `["c", "n"]` moves whole rows; an unchanged 1-D block is one copy).
//!
//! [`apply_plan`] performs a whole plan on a set of shards held in one process (shards
//! are row-major `Vec`s, one per rank); [`scatter_global`] and [`gather_global`] are
//! plans from and to a one-engine distribution. They are what tests check
//! redistributions against, and what the threads transport can use directly.
//!
//! Shard lengths are checked against the distributions; the layer owns no buffers and
//! does no I/O. Segments are at most [`PIECE`] elements long, and the walk looks for an
//! interrupt every [`PIECE`] elements, so a long redistribution can be stopped.

use super::axis::default_dists;
use super::distribution::Distribution;
use super::error::DistError;
use super::plan::{AxisRun, RedistributionPlan, Transfer};
use crate::interrupt::{self, Interrupted};
use crate::nd::store;

/// The longest segment, and the elements copied between two interrupt checks.
pub const PIECE: usize = 1 << 16;

/// One contiguous copy of a transfer: `len` elements from offset `src` of the source
/// shard to offset `dst` of the destination shard, at offset `packed` of the packed
/// buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Offset in the source shard (row-major).
    pub src: usize,
    /// Offset in the destination shard (row-major).
    pub dst: usize,
    /// Offset in the transfer's packed buffer.
    pub packed: usize,
    /// Number of elements.
    pub len: usize,
}

/// Calls `f` for each contiguous segment of `transfer` (at most [`PIECE`] elements),
/// in packed order; stops early if the running request is interrupted.
pub fn for_each_segment(
    plan: &RedistributionPlan,
    transfer: &Transfer,
    f: impl FnMut(Segment),
) -> Result<(), Interrupted> {
    let ndim = plan.source().ndim();
    let src_shape =
        plan.source().local_shape(transfer.src_rank).expect("a plan's transfers name ranks of its distributions");
    let dst_shape =
        plan.target().local_shape(transfer.dst_rank).expect("a plan's transfers name ranks of its distributions");
    let runs: Vec<&[AxisRun]> = (0..ndim).map(|a| plan.runs(transfer, a)).collect();

    // Trailing axes copied whole on both sides fuse into one stride-1 block.
    let mut depth = ndim;
    let mut inner = 1;
    while depth > 0 {
        let a = depth - 1;
        match runs[a] {
            [r] if r.reps == 1 && r.src == 0 && r.dst == 0 && r.len == src_shape[a] && r.len == dst_shape[a] => {
                inner *= r.len;
                depth -= 1;
            }
            _ => break,
        }
    }
    let mut walk = Walk {
        runs: &runs[..depth],
        src_strides: strides(&src_shape),
        dst_strides: strides(&dst_shape),
        inner,
        packed: 0,
        unchecked: 0,
        f,
    };
    if depth == 0 {
        return walk.emit(0, 0, inner);
    }
    walk.axis(0, 0, 0)
}

/// Row-major strides of a shard of `shape`.
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for a in (0..shape.len().saturating_sub(1)).rev() {
        s[a] = s[a + 1] * shape[a + 1];
    }
    s
}

/// Depth-first walk over the product of the runs of the first `runs.len()` axes.
struct Walk<'a, F> {
    runs: &'a [&'a [AxisRun]],
    src_strides: Vec<usize>,
    dst_strides: Vec<usize>,
    inner: usize,
    packed: usize,
    /// Elements passed to `f` since the last interrupt check.
    unchecked: usize,
    f: F,
}

impl<F: FnMut(Segment)> Walk<'_, F> {
    fn axis(&mut self, a: usize, src_base: usize, dst_base: usize) -> Result<(), Interrupted> {
        let (ss, ds) = (self.src_strides[a], self.dst_strides[a]);
        let innermost = a + 1 == self.runs.len();
        for r in self.runs[a] {
            for rep in 0..r.reps {
                let (src, dst) = (r.src + rep * r.src_step, r.dst + rep * r.dst_step);
                if innermost {
                    self.emit(src_base + src * ss, dst_base + dst * ds, r.len * self.inner)?;
                } else {
                    for j in 0..r.len {
                        self.axis(a + 1, src_base + (src + j) * ss, dst_base + (dst + j) * ds)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// One contiguous stretch, in segments of at most [`PIECE`].
    fn emit(&mut self, src: usize, dst: usize, len: usize) -> Result<(), Interrupted> {
        let mut done = 0;
        while done < len {
            let n = (len - done).min(PIECE);
            (self.f)(Segment { src: src + done, dst: dst + done, packed: self.packed, len: n });
            self.packed += n;
            done += n;
            self.unchecked += n;
            if self.unchecked >= PIECE {
                interrupt::check("redistribute")?;
                self.unchecked = 0;
            }
        }
        Ok(())
    }
}

/// `to[at..at + len] = from[from_at..from_at + len]`, with a fast path for the single
/// elements that cyclic layouts produce.
#[inline(always)]
fn copy<T: Copy>(from: &[T], from_at: usize, to: &mut [T], at: usize, len: usize) {
    if len == 1 {
        to[at] = from[from_at];
    } else {
        to[at..at + len].copy_from_slice(&from[from_at..from_at + len]);
    }
}

fn check_shard(dist: &Distribution, rank: usize, len: usize) -> Result<(), DistError> {
    let expected = dist.local_size(rank)?;
    if len == expected {
        Ok(())
    } else {
        Err(DistError::ShardLength { rank, expected, got: len })
    }
}

/// Appends the elements of `transfer` from `src_shard` (the source shard of
/// `transfer.src_rank`) to `out`, in packed order.
pub fn pack<T: Copy>(
    plan: &RedistributionPlan,
    transfer: &Transfer,
    src_shard: &[T],
    out: &mut Vec<T>,
) -> Result<(), DistError> {
    check_shard(plan.source(), transfer.src_rank, src_shard.len())?;
    out.reserve(transfer.len);
    for_each_segment(plan, transfer, |s| {
        if s.len == 1 {
            out.push(src_shard[s.src]); // cyclic layouts: skip the slice machinery
        } else {
            out.extend_from_slice(&src_shard[s.src..s.src + s.len]);
        }
    })?;
    Ok(())
}

/// Writes the packed elements of `transfer` into `dst_shard` (the destination shard of
/// `transfer.dst_rank`).
pub fn unpack<T: Copy>(
    plan: &RedistributionPlan,
    transfer: &Transfer,
    packed: &[T],
    dst_shard: &mut [T],
) -> Result<(), DistError> {
    check_shard(plan.target(), transfer.dst_rank, dst_shard.len())?;
    if packed.len() != transfer.len {
        return Err(DistError::PackedLength {
            from: transfer.src_rank,
            to: transfer.dst_rank,
            expected: transfer.len,
            got: packed.len(),
        });
    }
    for_each_segment(plan, transfer, |s| copy(packed, s.packed, dst_shard, s.dst, s.len))?;
    Ok(())
}

/// Copies the elements of `transfer` straight from `src_shard` to `dst_shard`.
pub fn copy_transfer<T: Copy>(
    plan: &RedistributionPlan,
    transfer: &Transfer,
    src_shard: &[T],
    dst_shard: &mut [T],
) -> Result<(), DistError> {
    check_shard(plan.source(), transfer.src_rank, src_shard.len())?;
    check_shard(plan.target(), transfer.dst_rank, dst_shard.len())?;
    for_each_segment(plan, transfer, |s| copy(src_shard, s.src, dst_shard, s.dst, s.len))?;
    Ok(())
}

/// Performs `plan` on `shards` (one row-major shard per source rank) and returns the
/// destination shards, one per target rank.
pub fn apply_plan<T: Copy + Default, S: AsRef<[T]>>(
    plan: &RedistributionPlan,
    shards: &[S],
) -> Result<Vec<Vec<T>>, DistError> {
    let engines = plan.source().engines();
    if shards.len() != engines {
        return Err(DistError::ShardCount { expected: engines, got: shards.len() });
    }
    for (rank, shard) in shards.iter().enumerate() {
        check_shard(plan.source(), rank, shard.as_ref().len())?;
    }
    let mut out: Vec<Vec<T>> = (0..plan.target().engines())
        .map(|r| plan.target().local_size(r).map(store::zeroed::<T>))
        .collect::<Result<_, _>>()?;
    for t in plan.transfers() {
        copy_transfer(plan, t, shards[t.src_rank].as_ref(), &mut out[t.dst_rank])?;
    }
    Ok(out)
}

/// The whole array on one engine, laid out like `dist` (so a plan to or from it is a
/// scatter or a gather).
fn whole(dist: &Distribution) -> Distribution {
    Distribution::new(dist.shape(), &default_dists(dist.ndim()), 1).expect("a valid shape is valid on one engine")
}

/// Cuts the row-major `global` array into the shards of `dist`.
pub fn scatter_global<T: Copy + Default>(dist: &Distribution, global: &[T]) -> Result<Vec<Vec<T>>, DistError> {
    let plan = RedistributionPlan::new(&whole(dist), dist)?;
    apply_plan(&plan, &[global])
}

/// Joins the shards of `dist` into the row-major global array.
pub fn gather_global<T: Copy + Default, S: AsRef<[T]>>(dist: &Distribution, shards: &[S]) -> Result<Vec<T>, DistError> {
    let plan = RedistributionPlan::new(dist, &whole(dist))?;
    let mut out = apply_plan(&plan, shards)?;
    Ok(out.pop().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::super::axis::AxisDist::{Block as B, Cyclic as C, NotDistributed as N};
    use super::*;

    #[test]
    fn whole_rows_fuse_into_single_segments() {
        let s = Distribution::new(&[6, 4], &[B, N], 2).unwrap();
        let t = Distribution::new(&[6, 4], &[C, N], 2).unwrap();
        let plan = RedistributionPlan::new(&s, &t).unwrap();
        let tr = &plan.sends(0)[1]; // rows 1 of block 0..3 -> cyclic coordinate 1
        let mut segs = Vec::new();
        for_each_segment(&plan, tr, |s| segs.push(s)).unwrap();
        assert_eq!(segs, [Segment { src: 4, dst: 0, packed: 0, len: 4 }]);
        let same = RedistributionPlan::new(&s, &s).unwrap();
        let mut n = 0;
        for_each_segment(&same, &same.transfers()[0], |s| {
            assert_eq!(s.len, 12);
            n += 1;
        })
        .unwrap();
        assert_eq!(n, 1);
        // 4096x4096 [b, n] -> [c, n] over 2: engine 0 sends 1024 whole rows to engine 1.
        let s = Distribution::new(&[4096, 4096], &[B, N], 2).unwrap();
        let t = Distribution::new(&[4096, 4096], &[C, N], 2).unwrap();
        let plan = RedistributionPlan::new(&s, &t).unwrap();
        let mut rows = 0;
        for_each_segment(&plan, &plan.sends(0)[1], |s| {
            assert_eq!(s.len, 4096);
            rows += 1;
        })
        .unwrap();
        assert_eq!(rows, 1024);
    }

    #[test]
    fn scatter_gather_round_trip_and_errors() {
        let d = Distribution::new(&[5, 3], &[C, B], 4).unwrap();
        let global: Vec<f64> = (0..15).map(f64::from).collect();
        let shards = scatter_global(&d, &global).unwrap();
        assert_eq!(shards.len(), 4);
        assert_eq!(gather_global(&d, &shards).unwrap(), global);
        let e = scatter_global(&d, &global[..14]).unwrap_err();
        assert_eq!(e.to_string(), "the shard of engine 0 holds 14 elements but its distribution says 15");
        let e = gather_global(&d, &shards[..3]).unwrap_err();
        assert_eq!(e.to_string(), "got 3 shards for a distribution over 4 engines");
        let plan = RedistributionPlan::new(&d, &d).unwrap();
        let t = &plan.transfers()[0];
        let mut dst = vec![0.0; d.local_size(t.dst_rank).unwrap()];
        let e = unpack(&plan, t, &[1.0], &mut dst).unwrap_err();
        assert!(e.to_string().starts_with("the data sent from engine 0 to engine 0 holds 1 elements"));
    }
}
