//! Where one engine's shard lies in a file that holds the whole array, as runs.
//!
//! The file holds the global array in C (row-major) or Fortran (column-major) order.
//! Along each axis an engine's local indices map to global ones in a few arithmetic
//! pieces: one for block and undistributed axes, one with step `p` for a cyclic axis,
//! one per block for block-cyclic. A [`Run`] is such a piece of the file's fastest axis
//! at one combination of the other axes' indices: `len` elements from file element
//! `file`, `step` apart in the file, landing at `at` in the shard. Runs that continue
//! each other in both file and shard are joined, so a block of whole rows is one run.
//! Runs come out in increasing file order, which lets the reader coalesce neighbours.
//! Nothing here does I/O or allocates per element.

use super::elems::Place;
use crate::distarray::{AxisDist, Distribution};

/// `len` elements of the file, `step` elements apart from element `file` on, going to
/// (or coming from) the shard at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub file: u64,
    pub step: u64,
    pub at: Place,
}

impl Run {
    /// Elements of the file from the first to the last of the run, inclusive.
    pub fn span(&self) -> u64 {
        if self.at.len == 0 {
            0
        } else {
            (self.at.len as u64 - 1) * self.step + 1
        }
    }
}

/// A piece of one axis: local indices `l0..l0+len` at global `g0, g0+step, ...`.
#[derive(Debug, Clone, Copy)]
struct Piece {
    l0: usize,
    g0: usize,
    step: usize,
    len: usize,
}

fn pieces(d: AxisDist, n: usize, p: usize, c: usize) -> Vec<Piece> {
    let len = d.local_len(n, p, c);
    if len == 0 {
        return Vec::new();
    }
    let g0 = d.to_global(n, p, c, 0);
    match d {
        AxisDist::Cyclic if p > 1 => vec![Piece { l0: 0, g0, step: p, len }],
        AxisDist::BlockCyclic(k) if p > 1 => (0..len.div_ceil(k))
            .map(|b| Piece { l0: b * k, g0: d.to_global(n, p, c, b * k), step: 1, len: k.min(len - b * k) })
            .collect(),
        _ => vec![Piece { l0: 0, g0, step: 1, len }],
    }
}

/// Calls `f` with the runs of `rank`'s shard of `dist` in a file of the whole array in
/// C order, or Fortran order when `fortran`.
pub fn for_each_run(dist: &Distribution, rank: usize, fortran: bool, mut f: impl FnMut(Run)) {
    let ndim = dist.ndim();
    let shape = dist.shape();
    let mut coords = vec![0; ndim];
    dist.grid().coords(rank, &mut coords);
    let local = dist.local_shape(rank).expect("rank in range");
    if local.contains(&0) {
        return;
    }
    let mut lstride = vec![1usize; ndim];
    for a in (0..ndim.saturating_sub(1)).rev() {
        lstride[a] = lstride[a + 1] * local[a + 1];
    }
    let mut fstride = vec![1u64; ndim];
    let order: Vec<usize> = if fortran { (0..ndim).collect() } else { (0..ndim).rev().collect() };
    // `order` runs fastest first; strides grow along it.
    for w in 1..ndim {
        fstride[order[w]] = fstride[order[w - 1]] * shape[order[w - 1]] as u64;
    }
    let fast = order[0];
    let pieces_of = |a: usize| pieces(dist.dists()[a], shape[a], dist.grid().dims()[a], coords[a]);
    let fast_pieces = pieces_of(fast);
    // For the other axes, slowest first: (shard offset, file offset) of each local index.
    let outer: Vec<Vec<(usize, u64)>> = order[1..]
        .iter()
        .rev()
        .map(|&a| {
            let mut v = Vec::with_capacity(local[a]);
            for p in pieces_of(a) {
                for i in 0..p.len {
                    v.push(((p.l0 + i) * lstride[a], (p.g0 + i * p.step) as u64 * fstride[a]));
                }
            }
            v
        })
        .collect();
    let mut pending: Option<Run> = None;
    let mut emit = |r: Run| {
        if let Some(p) = &mut pending {
            let joins = p.step == 1
                && r.step == 1
                && p.at.stride == r.at.stride
                && r.file == p.file + p.at.len as u64
                && r.at.start == p.at.start + p.at.len * p.at.stride;
            if joins {
                p.at.len += r.at.len;
                return;
            }
            f(*p);
        }
        pending = Some(r);
    };
    let mut idx = vec![0usize; outer.len()];
    loop {
        let (mut base_l, mut base_f) = (0usize, 0u64);
        for (k, &i) in idx.iter().enumerate() {
            base_l += outer[k][i].0;
            base_f += outer[k][i].1;
        }
        for p in &fast_pieces {
            emit(Run {
                file: base_f + p.g0 as u64 * fstride[fast],
                step: p.step as u64 * fstride[fast],
                at: Place { start: base_l + p.l0 * lstride[fast], stride: lstride[fast], len: p.len },
            });
        }
        // Next combination, the last (fastest of the outer axes) first.
        let mut k = outer.len();
        loop {
            if k == 0 {
                if let Some(p) = pending {
                    f(p);
                }
                return;
            }
            k -= 1;
            idx[k] += 1;
            if idx[k] < outer[k].len() {
                break;
            }
            idx[k] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every element of every shard, placed by the runs, against the index maps.
    #[test]
    fn runs_cover_each_shard_exactly_in_both_orders() {
        for dists in [
            vec!["b"],
            vec!["c"],
            vec!["bc:2"],
            vec!["b", "n"],
            vec!["c", "b"],
            vec!["bc:2", "c"],
            vec!["n", "bc:3", "b"],
        ] {
            let shape: Vec<i64> = [7i64, 5, 3][..dists.len()].to_vec();
            for engines in [1, 2, 3, 4] {
                let Ok(d) = Distribution::from_user(&shape, Some(&dists), None, engines) else { continue };
                for fortran in [false, true] {
                    for rank in 0..engines {
                        let local = d.local_shape(rank).unwrap();
                        let n: usize = local.iter().product();
                        let mut seen = vec![u64::MAX; n];
                        let mut last = None;
                        for_each_run(&d, rank, fortran, |r| {
                            assert!(last.is_none_or(|l| r.file > l), "runs in file order");
                            last = Some(r.file + r.span() - 1);
                            for i in 0..r.at.len {
                                let s = r.at.start + i * r.at.stride;
                                assert_eq!(seen[s], u64::MAX, "placed once");
                                seen[s] = r.file + i as u64 * r.step;
                            }
                        });
                        // Expected: the file position of each local element.
                        let mut li = vec![0; local.len()];
                        for (s, got) in seen.iter().enumerate() {
                            let mut rem = s;
                            for a in (0..local.len()).rev() {
                                li[a] = rem % local[a];
                                rem /= local[a];
                            }
                            let mut g = vec![0; local.len()];
                            d.to_global(rank, &li, &mut g).unwrap();
                            let mut want = 0u64;
                            let axes: Vec<usize> =
                                if fortran { (0..g.len()).rev().collect() } else { (0..g.len()).collect() };
                            for a in axes {
                                want = want * d.shape()[a] as u64 + g[a] as u64;
                            }
                            assert_eq!(*got, want, "{dists:?} {engines} {rank} {fortran}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_block_of_rows_is_one_run() {
        let d = Distribution::from_user(&[8, 5], Some(&["b", "n"]), None, 2).unwrap();
        let mut runs = Vec::new();
        for_each_run(&d, 1, false, |r| runs.push(r));
        assert_eq!(runs, [Run { file: 20, step: 1, at: Place { start: 0, stride: 1, len: 20 } }]);
    }
}
