//! Redistribution plans: which elements go from which engine to which, as runs.
//!
//! A [`RedistributionPlan`] between two [`Distribution`]s of the same global shape (any
//! dists, any grids, even different engine counts) lists one [`Transfer`] for each
//! (source rank, destination rank) pair that shares at least one element. It is pure
//! data: the communication layer packs, sends and unpacks with it (`shards` does the
//! in-memory version), and every engine computes the same plan from the two
//! distributions alone.
//!
//! # Format
//!
//! Because both distributions map each axis independently, the elements a source engine
//! sends a destination engine are a cartesian product of per-axis index sets. For each
//! axis the plan keeps [`AxisPiece`]s: for one (source coordinate, destination
//! coordinate) pair along that axis, a list of [`AxisRun`]s. A run is a strided group of
//! contiguous ranges: `reps` times, local indices `src + i*src_step ..+ len` of the
//! source shard are local indices `dst + i*dst_step ..+ len` of the destination shard.
//! A transfer names one piece per axis; its elements are the product of those runs.
//!
//! Runs are built greedily from the maximal ranges over which both layouts stay
//! contiguous: a range that continues the previous run on both sides lengthens it, one
//! of the same length at the same spacing adds a repetition, anything else starts a new
//! run. So block→block, block↔cyclic and `"c"`(p)↔`"c"`(q) are one run per coordinate
//! pair, `"bc:K"`↔`"bc:K"` at most two and block↔`"bc:K"` at most three (partial blocks
//! at the ends), whatever the extent. Cyclic layouts with different block sizes
//! (`"c"`↔`"bc:3"`, `"bc:2"`↔`"bc:5"`) interleave irregularly and need O(extent / K)
//! runs; a later version could store their period instead.
//!
//! The plan's size is O(runs + transfers). Building it merges the two layouts'
//! [`AxisDist::chunks`] with no per-element work: O(engines) steps for block→block
//! (a 10^8-element vector included), one step per block for cyclic layouts (about
//! 10 ns each), after which even block→cyclic keeps only one run per coordinate pair.
//!
//! **Packed order**: the elements of a transfer travel in row-major order of the
//! product of its runs (axis 0 slowest; within an axis, runs in order). Sender and
//! receiver both derive their offsets from that order, so no index travels with data.
//!
//! [`AxisDist::chunks`]: super::axis::AxisDist::chunks

use std::collections::HashMap;

use super::axis::AxisDist;
use super::distribution::Distribution;
use super::error::DistError;

/// Along one axis: `reps` ranges of `len` local indices, the `i`-th starting at
/// `src + i * src_step` in the source shard and at `dst + i * dst_step` in the
/// destination shard. With `reps == 1` the steps are 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AxisRun {
    /// First local index in the source shard.
    pub src: usize,
    /// First local index in the destination shard.
    pub dst: usize,
    /// Length of each contiguous range.
    pub len: usize,
    /// Number of ranges (at least 1).
    pub reps: usize,
    /// Distance between range starts in the source shard.
    pub src_step: usize,
    /// Distance between range starts in the destination shard.
    pub dst_step: usize,
}

impl AxisRun {
    /// One contiguous range.
    pub fn contiguous(src: usize, dst: usize, len: usize) -> AxisRun {
        AxisRun { src, dst, len, reps: 1, src_step: 0, dst_step: 0 }
    }

    /// Number of indices covered: `len * reps`.
    pub fn count(&self) -> usize {
        self.len * self.reps
    }

    /// Takes in the range of `len` indices at `src`/`dst` if it continues this run —
    /// lengthening it or adding a repetition — and says whether it did.
    fn absorb(&mut self, src: usize, dst: usize, len: usize) -> bool {
        if self.reps == 1 && self.src + self.len == src && self.dst + self.len == dst {
            self.len += len;
        } else if len != self.len {
            return false;
        } else if self.reps == 1 {
            (self.src_step, self.dst_step, self.reps) = (src - self.src, dst - self.dst, 2);
        } else if src == self.src + self.reps * self.src_step && dst == self.dst + self.reps * self.dst_step {
            self.reps += 1;
        } else {
            return false;
        }
        true
    }
}

/// What one axis contributes to the transfers between one source grid coordinate and
/// one destination grid coordinate along it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AxisPiece {
    /// Coordinate along this axis in the source grid.
    pub src_coord: usize,
    /// Coordinate along this axis in the destination grid.
    pub dst_coord: usize,
    /// The runs, in increasing local (and global) order.
    pub runs: Vec<AxisRun>,
    /// Total indices over `runs`.
    pub len: usize,
}

/// The block of elements that source engine `src_rank` sends destination `dst_rank`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// Engine that holds the elements in the source distribution.
    pub src_rank: usize,
    /// Engine that holds them in the destination distribution.
    pub dst_rank: usize,
    /// Number of elements.
    pub len: usize,
    /// For each axis, the index of the piece in the plan's list for that axis.
    pieces: Vec<usize>,
}

/// Everything that moves when an array goes from one distribution to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedistributionPlan {
    source: Distribution,
    target: Distribution,
    axes: Vec<Vec<AxisPiece>>,
    transfers: Vec<Transfer>,
}

impl RedistributionPlan {
    /// Plans the move from `source` to `target`, which must have the same global shape.
    pub fn new(source: &Distribution, target: &Distribution) -> Result<RedistributionPlan, DistError> {
        if source.shape() != target.shape() {
            return Err(DistError::ShapeMismatch { from: source.shape().to_vec(), to: target.shape().to_vec() });
        }
        // An empty array moves nothing; skipping the walk also keeps a [0, 10^12]
        // cyclic array from costing 10^12 steps.
        let empty = source.size() == 0;
        let axes: Vec<Vec<AxisPiece>> = (0..source.ndim())
            .map(|a| {
                if empty {
                    return Vec::new();
                }
                axis_pieces(
                    source.shape()[a],
                    (source.dists()[a], source.grid().dims()[a]),
                    (target.dists()[a], target.grid().dims()[a]),
                )
            })
            .collect();
        let transfers = transfers(source, target, &axes);
        Ok(RedistributionPlan { source: source.clone(), target: target.clone(), axes, transfers })
    }

    /// The distribution the data is in.
    pub fn source(&self) -> &Distribution {
        &self.source
    }

    /// The distribution the data goes to.
    pub fn target(&self) -> &Distribution {
        &self.target
    }

    /// All transfers, sorted by (source rank, destination rank).
    pub fn transfers(&self) -> &[Transfer] {
        &self.transfers
    }

    /// The transfers out of source engine `rank`, by destination rank.
    pub fn sends(&self, rank: usize) -> &[Transfer] {
        let lo = self.transfers.partition_point(|t| t.src_rank < rank);
        let hi = self.transfers.partition_point(|t| t.src_rank <= rank);
        &self.transfers[lo..hi]
    }

    /// The transfers into destination engine `rank`, by source rank.
    pub fn receives(&self, rank: usize) -> impl Iterator<Item = &Transfer> {
        self.transfers.iter().filter(move |t| t.dst_rank == rank)
    }

    /// The piece of `transfer` along `axis`.
    pub fn piece(&self, transfer: &Transfer, axis: usize) -> &AxisPiece {
        &self.axes[axis][transfer.pieces[axis]]
    }

    /// The runs of `transfer` along `axis`.
    pub fn runs(&self, transfer: &Transfer, axis: usize) -> &[AxisRun] {
        &self.piece(transfer, axis).runs
    }

    /// All pieces along `axis`, sorted by (source coordinate, destination coordinate).
    pub fn axis_pieces(&self, axis: usize) -> &[AxisPiece] {
        &self.axes[axis]
    }

    /// Number of elements that change engine.
    pub fn moved(&self) -> usize {
        self.transfers.iter().filter(|t| t.src_rank != t.dst_rank).map(|t| t.len).sum()
    }

    /// True when every element keeps its engine and its local position, so the shards
    /// can be kept as they are (e.g. `"c"` → `"bc:1"`, or any change on a 1-engine axis).
    pub fn is_noop(&self) -> bool {
        self.source.engines() == self.target.engines()
            && self.transfers.iter().all(|t| {
                t.src_rank == t.dst_rank
                    && (0..self.axes.len()).all(|a| {
                        let same = |r: &AxisRun| r.src == r.dst && r.src_step == r.dst_step;
                        self.runs(t, a).iter().all(same)
                    })
            })
    }
}

/// Above this many (source, destination) coordinate pairs, pieces are found through a
/// hash map instead of a dense table.
const DENSE_PAIRS: usize = 1 << 16;

/// The pieces of one axis of extent `n`, from layout `from` over `p` processes to layout
/// `to` over `q`, sorted by (source coordinate, destination coordinate).
fn axis_pieces(n: usize, from: (AxisDist, usize), to: (AxisDist, usize)) -> Vec<AxisPiece> {
    let ((fd, p), (td, q)) = (from, to);
    let mut pieces: Vec<AxisPiece> = Vec::new();
    let dense = p.saturating_mul(q) <= DENSE_PAIRS;
    let mut table = vec![usize::MAX; if dense { p * q } else { 0 }];
    let mut map: HashMap<(usize, usize), usize> = HashMap::new();
    // Merge the two chunk sequences: each step is a range on which both sides stay
    // on one coordinate at consecutive local indices.
    let (mut src_chunks, mut dst_chunks) = (fd.chunks(n, p), td.chunks(n, q));
    let (mut s, mut d) = (src_chunks.next(), dst_chunks.next());
    let mut g = 0;
    while let (Some(sch), Some(dch)) = (s, d) {
        let end = sch.end.min(dch.end);
        let len = end - g;
        let (sc, sl) = (sch.coord, sch.local + (g - sch.start));
        let (dc, dl) = (dch.coord, dch.local + (g - dch.start));
        let slot = if dense { &mut table[sc * q + dc] } else { map.entry((sc, dc)).or_insert(usize::MAX) };
        if *slot == usize::MAX {
            *slot = pieces.len();
            pieces.push(AxisPiece { src_coord: sc, dst_coord: dc, runs: Vec::new(), len: 0 });
        }
        let piece = &mut pieces[*slot];
        piece.len += len;
        if !piece.runs.last_mut().is_some_and(|r| r.absorb(sl, dl, len)) {
            piece.runs.push(AxisRun::contiguous(sl, dl, len));
        }
        g = end;
        if sch.end == end {
            s = src_chunks.next();
        }
        if dch.end == end {
            d = dst_chunks.next();
        }
    }
    pieces.sort_by_key(|p| (p.src_coord, p.dst_coord));
    pieces
}

/// One transfer per combination of one piece per axis, sorted by (source, destination).
fn transfers(source: &Distribution, target: &Distribution, axes: &[Vec<AxisPiece>]) -> Vec<Transfer> {
    let mut out = Vec::new();
    if axes.iter().any(|pieces| pieces.is_empty()) {
        return out; // a zero-size axis: nothing to move
    }
    let (sdims, tdims) = (source.grid().dims(), target.grid().dims());
    let mut choice = vec![0usize; axes.len()];
    loop {
        let (mut src_rank, mut dst_rank, mut len) = (0, 0, 1);
        for (a, &i) in choice.iter().enumerate() {
            let piece = &axes[a][i];
            src_rank = src_rank * sdims[a] + piece.src_coord;
            dst_rank = dst_rank * tdims[a] + piece.dst_coord;
            len *= piece.len;
        }
        out.push(Transfer { src_rank, dst_rank, len, pieces: choice.clone() });
        // Odometer step over the piece lists, last axis fastest.
        let mut a = axes.len();
        loop {
            if a == 0 {
                out.sort_by_key(|t| (t.src_rank, t.dst_rank));
                return out;
            }
            a -= 1;
            choice[a] += 1;
            if choice[a] < axes[a].len() {
                break;
            }
            choice[a] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AxisDist::{Block as B, BlockCyclic as BC, Cyclic as C, NotDistributed as N};

    fn plan(shape: &[usize], a: &[AxisDist], b: &[AxisDist], e: usize) -> RedistributionPlan {
        let s = Distribution::new(shape, a, e).unwrap();
        let t = Distribution::new(shape, b, e).unwrap();
        RedistributionPlan::new(&s, &t).unwrap()
    }

    #[test]
    fn block_to_block_is_one_run_per_pair() {
        // 10 over 4 (3,3,2,2) -> 10 over 4 with a 1-D grid is the identity.
        let p = plan(&[10], &[B], &[B], 4);
        assert!(p.is_noop());
        assert_eq!(p.moved(), 0);
        // [b, n] over 2 -> [n, b] over 2: the transpose-like exchange.
        let p = plan(&[4, 6], &[B, N], &[N, B], 2);
        assert_eq!(p.transfers().len(), 4);
        let t = &p.sends(0)[1];
        assert_eq!((t.src_rank, t.dst_rank, t.len), (0, 1, 6));
        assert_eq!(p.runs(t, 0), [AxisRun::contiguous(0, 0, 2)]);
        assert_eq!(p.runs(t, 1), [AxisRun::contiguous(3, 0, 3)]);
        assert_eq!(p.moved(), 12);
    }

    #[test]
    fn cyclic_layouts_give_strided_runs() {
        let p = plan(&[12], &[C], &[BC(1)], 3);
        assert!(p.is_noop());
        assert_eq!(p.axis_pieces(0).len(), 3);
        assert!(p.axis_pieces(0).iter().all(|pc| pc.runs.len() == 1));
        // b -> c over 2: source block 0 = 0..6 sends 0, 2, 4 to coordinate 0.
        let p = plan(&[12], &[B], &[C], 2);
        let t = &p.sends(0)[0];
        assert_eq!(t.dst_rank, 0);
        let run = AxisRun { src: 0, dst: 0, len: 1, reps: 3, src_step: 2, dst_step: 1 };
        assert_eq!(p.runs(t, 0), [run]);
        assert!(!p.is_noop());
        // bc:3 -> b over 2 on 14: coordinate 0 holds [0,3) [6,9) [12,14) at local
        // 0..8; the target blocks are 0..7 and 7..14.
        let p = plan(&[14], &[BC(3)], &[B], 2);
        let t = &p.sends(0)[0]; // 0, 1, 2 and 6
        let runs = [AxisRun::contiguous(0, 0, 3), AxisRun::contiguous(3, 6, 1)];
        assert_eq!(p.runs(t, 0), runs);
        let t = &p.sends(0)[1]; // 7, 8 and 12, 13
        let run = AxisRun { src: 4, dst: 0, len: 2, reps: 2, src_step: 2, dst_step: 5 };
        assert_eq!(p.runs(t, 0), [run]);
        // Every pair of a 10^6-element b -> c plan is a single run.
        let p = plan(&[1_000_000], &[B], &[C], 8);
        assert!(p.axis_pieces(0).iter().all(|pc| pc.runs.len() == 1));
        // A 10^8-element block plan is built in O(engines) steps and stays tiny.
        let s = Distribution::new(&[100_000_000], &[B], 7).unwrap();
        let t = Distribution::new(&[100_000_000], &[B], 16).unwrap();
        let p = RedistributionPlan::new(&s, &t).unwrap();
        assert!(p.axis_pieces(0).iter().all(|pc| pc.runs.len() == 1));
        assert!(p.transfers().len() < 7 + 16);
    }

    #[test]
    fn runs_per_piece_do_not_grow_with_the_extent() {
        let bound = |f: AxisDist, t: AxisDist| match (f, t) {
            (B | C, B | C) => 1,
            (BC(_), BC(_)) => 2,
            _ => 3,
        };
        let pairs = [(B, B), (B, C), (C, C), (B, BC(3)), (BC(4), B), (BC(3), BC(3))];
        for (f, t) in pairs {
            for n in 0..150 {
                for p in 1..=7 {
                    for q in 1..=7 {
                        for piece in axis_pieces(n, (f, p), (t, q)) {
                            assert!(piece.runs.len() <= bound(f, t), "{f}/{p} -> {t}/{q}, n={n}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn zero_size_and_mismatched_shapes() {
        let p = plan(&[0, 5], &[B, N], &[C, N], 3);
        assert!(p.transfers().is_empty());
        let s = Distribution::new(&[4, 5], &[B, N], 2).unwrap();
        let t = Distribution::new(&[5, 4], &[B, N], 2).unwrap();
        let e = RedistributionPlan::new(&s, &t).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot redistribute an array of shape [4, 5] into shape [5, 4]: the shapes must be equal"
        );
    }

    #[test]
    fn different_engine_counts() {
        let one = Distribution::new(&[5, 3], &[B, N], 1).unwrap();
        let three = Distribution::new(&[5, 3], &[B, N], 3).unwrap();
        let p = RedistributionPlan::new(&one, &three).unwrap();
        assert_eq!(p.sends(0).len(), 3);
        let lens: Vec<_> = p.sends(0).iter().map(|t| t.len).collect();
        assert_eq!(lens, [6, 6, 3]);
        assert_eq!(p.receives(2).count(), 1);
    }
}
