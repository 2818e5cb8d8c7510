//! An FFT along a distributed axis that goes back to the layout it started from,
//! without building the transposed shard: the global transpose fused with the
//! transform and the transpose back.
//!
//! [`super::fft`] makes an axis whole with a [`redistribute`](super::exchange::redistribute)
//! to a layout where it is `"n"`, transforms, and redistributes back: two shard-sized
//! arrays assembled and two all-to-alls of copies. When the transposed layout's shard
//! is just the pieces the other engines send stacked along the axis (block layouts: a
//! `["b", "n"]` → `["n", "b"]` transpose, or pencils), there is no need to assemble
//! it. Each engine packs the pieces of its shard that the [`RedistributionPlan`]
//! sends (the plan, `pack` and the exchange are DistArray's redistribution machinery),
//! transforms the lanes of the received pieces as one stack (gathered from them
//! directly), moves each piece back to the engine it came from, and that engine
//! writes it over the same elements of its own shard. On a 2-D array transformed
//! along axis 0 (the column pass of `fft2` on block rows) an engine's own piece is
//! not packed: its lanes are gathered from the shard where they lie. The result is in
//! the starting layout, in the shard's own storage; the buffers are the packed pieces
//! (at most one shard in all, sent and received), so the memory rule holds with a
//! shard to spare.
//!
//! Whether the pieces stack is decided from the whole plan, so every engine takes the
//! same path; when they do not, the caller falls back to the two redistributions.

use super::array::{check_memory, DistArray};
use super::comm::{Comm, DaError};
use super::exchange::{elems_of, value_of};
use super::{for_each_segment, pack, Distribution, RedistributionPlan};
use crate::nd::{fft, store, DType, NdArray, Store, C64};

/// Whether the target shards of `plan` are, along `axis`, the pieces of the source
/// ranks stacked in rank order, each whole along every other axis.
fn pieces_stack(plan: &RedistributionPlan, axis: usize) -> bool {
    let target = plan.target();
    let mut filled = vec![0usize; target.engines()];
    for t in plan.transfers() {
        let Ok(shape) = target.local_shape(t.dst_rank) else { return false };
        for (a, &extent) in shape.iter().enumerate() {
            let [r] = plan.runs(t, a) else { return false };
            let want_dst = if a == axis { filled[t.dst_rank] } else { 0 };
            let whole = a == axis || r.len == extent;
            if r.reps != 1 || r.dst != want_dst || !whole {
                return false;
            }
        }
        filled[t.dst_rank] += plan.runs(t, axis)[0].len;
    }
    (0..target.engines()).all(|r| target.local_shape(r).is_ok_and(|s| s[axis] == filled[r]))
}

/// `a` transformed along `axis`, which is whole in `target` and not in `a`'s layout,
/// and left in `a`'s layout; `None` (having done nothing) when the pieces of the
/// transpose to `target` do not stack.
pub(super) fn fused(
    comm: &mut dyn Comm,
    a: DistArray,
    target: &Distribution,
    axis: usize,
    inverse: bool,
) -> Result<Result<DistArray, DistArray>, DaError> {
    fused_then(comm, a, target, axis, inverse, &|_, _, _| {})
}

/// [`fused`], calling `then(o, i, lane)` on each transformed lane where it arrived,
/// before it goes back (see [`fft::transform_pieces_then`]: `o` and `i` index the
/// axes before and after `axis` in this engine's shard of `target`). The four-step
/// 1-d FFT ([`super::fft1d`]) multiplies by its twiddles there.
pub(super) fn fused_then(
    comm: &mut dyn Comm,
    a: DistArray,
    target: &Distribution,
    axis: usize,
    inverse: bool,
    then: &fft::LaneFn,
) -> Result<Result<DistArray, DistArray>, DaError> {
    let plan = RedistributionPlan::new(a.distribution(), target)?;
    if !pieces_stack(&plan, axis) {
        return Ok(Err(a));
    }
    check_memory(comm, target, DType::C128)?;
    let me = comm.rank();
    let (dist, group) = (a.distribution().clone(), a.group().to_vec());
    let shard = a.into_local()?;
    let shard = if shard.dtype() == DType::C128 { shard } else { shard.astype(DType::C128)? };
    let shape = shard.shape().to_vec();
    // A shard shared with the caller's array is copied, into a recycled buffer if any.
    let mut mine: Vec<C64> = if shard.is_unique() {
        let Store::C128(x) = shard.into_store() else { unreachable!("c128 above") };
        store::into_vec(x)
    } else {
        let mut v = store::uninit(shard.size());
        v.extend_from_slice(shard.as_slice::<C64>().expect("c128 in standard layout"));
        v
    };

    // Out: one packed piece per destination. On a 2-D array transformed along axis 0
    // this engine's own piece is read and written where it lies in its shard.
    let in_place = shape.len() == 2 && axis == 0;
    let mut sends = Vec::new();
    let mut own = None;
    let mut own_offset = 0;
    let mut returning: Vec<usize> = Vec::new();
    for t in plan.sends(me) {
        if t.dst_rank == me && in_place {
            own_offset = plan.runs(t, 0)[0].src * shape[1] + plan.runs(t, 1)[0].src;
            continue;
        }
        let mut buf = store::uninit(t.len);
        pack(&plan, t, &mine, &mut buf)?;
        if t.dst_rank == me {
            own = Some(buf);
        } else {
            returning.push(t.dst_rank);
            sends.push((t.dst_rank, value_of(buf)));
        }
    }
    let incoming: Vec<usize> = plan.receives(me).map(|t| t.src_rank).collect();
    let from: Vec<usize> = incoming.iter().copied().filter(|&r| r != me).collect();
    let mut got = comm.exchange("fft transpose", sends, &from)?.into_iter();
    // One per source in rank order; `None` for the own piece left in the shard.
    let mut pieces: Vec<Option<Vec<C64>>> = Vec::with_capacity(incoming.len());
    for &r in &incoming {
        pieces.push(if r != me {
            Some(elems_of::<C64>(got.next().expect("one per source"), r, "fft transpose")?)
        } else if in_place {
            None
        } else {
            Some(own.take().expect("the plan sends this engine its own piece"))
        });
    }

    // The stack of pieces is this engine's shard of `target`: transform along `axis`.
    let tshape = target.local_shape(me)?;
    let lens: Vec<usize> = plan.receives(me).map(|t| plan.runs(t, axis)[0].len).collect();
    let outer: usize = tshape[..axis].iter().product();
    let inner: usize = tshape[axis + 1..].iter().product();
    {
        let mut mine_view = Some(&mut mine[..]);
        let mut views: Vec<fft::Piece> = Vec::with_capacity(pieces.len());
        for (piece, &len) in pieces.iter_mut().zip(&lens) {
            views.push(match piece {
                Some(v) => fft::Piece { data: v, offset: 0, len, row_stride: inner },
                None => fft::Piece {
                    data: mine_view.take().expect("one own piece"),
                    offset: own_offset,
                    len,
                    row_stride: shape[1],
                },
            });
        }
        fft::transform_pieces_then(&mut views, outer, inner, inverse, then)?;
    }

    // Back: each piece to the engine it came from, written over the same elements.
    let mut back = Vec::new();
    for (&r, piece) in incoming.iter().zip(pieces) {
        match piece {
            Some(p) if r == me => own = Some(p),
            Some(p) => back.push((r, value_of(p))),
            None => {}
        }
    }
    let mut got = comm.exchange("fft transpose back", back, &returning)?.into_iter();
    for t in plan.sends(me) {
        let piece = if t.dst_rank != me {
            elems_of::<C64>(got.next().expect("one per destination"), t.dst_rank, "fft transpose back")?
        } else if in_place {
            continue;
        } else {
            own.take().expect("kept above")
        };
        if piece.len() != t.len {
            return Err(DaError::Comm(format!(
                "fft transpose back: engine rank {} sent {} elements where {} were expected",
                t.dst_rank,
                piece.len(),
                t.len
            )));
        }
        for_each_segment(&plan, t, |s| mine[s.src..s.src + s.len].copy_from_slice(&piece[s.packed..s.packed + s.len]))?;
        store::park(piece);
    }
    Ok(Ok(DistArray::from_shard(dist, group, me, NdArray::from_vec(&shape, mine))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distarray::AxisDist::{Block as B, Cyclic as C, NotDistributed as N};

    fn stacks(
        shape: &[usize],
        from: (&[super::super::AxisDist], &[i64]),
        to: (&[super::super::AxisDist], &[i64]),
        axis: usize,
    ) -> bool {
        let e = from.1.iter().product::<i64>() as usize;
        let s = Distribution::with_grid(shape, from.0, from.1, e).unwrap();
        let t = Distribution::with_grid(shape, to.0, to.1, e).unwrap();
        pieces_stack(&RedistributionPlan::new(&s, &t).unwrap(), axis)
    }

    #[test]
    fn block_transposes_and_pencils_stack_cyclic_ones_do_not() {
        // The slab transpose of fft2, uneven blocks included.
        assert!(stacks(&[8, 6], (&[B, N], &[2, 1]), (&[N, B], &[1, 2]), 0));
        assert!(stacks(&[7, 5], (&[B, N], &[3, 1]), (&[N, B], &[1, 3]), 0));
        // Rows cyclic: a source's rows interleave with the others' in the target.
        assert!(!stacks(&[8, 6], (&[C, N], &[2, 1]), (&[N, B], &[1, 2]), 0));
        // The last pencil step of a 3-D array on a 2x2 grid.
        assert!(stacks(&[12, 10, 8], (&[B, N, B], &[2, 1, 2]), (&[N, B, B], &[1, 2, 2]), 0));
        // Along the last axis: pieces stack there too.
        assert!(stacks(&[6, 8], (&[N, B], &[1, 2]), (&[B, N], &[2, 1]), 1));
    }
}
