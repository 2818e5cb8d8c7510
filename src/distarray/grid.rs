//! The process grid: how many engines go along each axis, and engine ↔ grid coordinates.
//!
//! A [`ProcessGrid`] has one entry per array axis; the entries multiply to the engine
//! count and a not-distributed (`"n"`) axis always has 1. Engine ranks are laid out on
//! the grid in row-major order: the last axis varies fastest, so on a `[2, 3]` grid
//! engine 4 sits at coordinates `[1, 1]`.
//!
//! # Choosing a grid
//!
//! [`ProcessGrid::auto`] is `MPI_Dims_create` made shape-aware. It tries every way to
//! write the engine count as an ordered product over the distributed axes and keeps the
//! best by, in order:
//!
//! 1. the largest shard (elements of the biggest local block, computed with the real
//!    per-axis layout, so uneven splits and empty shards count) — balance first;
//! 2. the number of engines left with an empty shard — fewer is better;
//! 3. the sum of the largest local extents over the distributed axes — the shard's
//!    "perimeter", smallest when shards are square-ish, which is what halo exchanges
//!    and transposes pay for;
//! 4. larger counts on earlier axes (as `MPI_Dims_create` orders them), so that the
//!    choice is deterministic.
//!
//! So 64×64 over 16 engines with `["b", "c"]` gets `[4, 4]` (16×16 shards), and
//! 1000×10 over 4 engines with `["b", "b"]` gets `[4, 1]` (250×10 shards, perimeter 260)
//! rather than `[2, 2]` (500×5, perimeter 505). The search visits each ordered
//! factorisation once; for realistic engine counts that is at most a few thousand.
//!
//! [`ProcessGrid::user`] checks a grid the user gave instead. Neither does any
//! communication: every engine computes the same grid from the same inputs.

use std::fmt;

use super::axis::AxisDist;
use super::error::{DistError, List};

/// Number of processes along each axis of an array.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProcessGrid {
    dims: Vec<usize>,
}

/// The quantities a candidate grid is judged by, compared in field order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Cost {
    largest_shard: u128,
    idle_engines: usize,
    perimeter: u128,
}

impl ProcessGrid {
    /// Chooses a grid for an array of `shape` laid out by `dists` over `engines`
    /// engines (see the module docs for the criteria).
    pub fn auto(shape: &[usize], dists: &[AxisDist], engines: usize) -> Result<ProcessGrid, DistError> {
        check_dist_len(dists, shape.len())?;
        if engines == 0 {
            return Err(DistError::NoEngines);
        }
        let axes: Vec<usize> = (0..dists.len()).filter(|&a| dists[a].is_distributed()).collect();
        if axes.is_empty() && engines > 1 {
            return Err(DistError::NothingDistributed { dist: dists.to_vec(), engines });
        }
        let divisors = divisors(engines);
        let mut search = Search {
            shape,
            dists,
            axes: &axes,
            engines,
            divisors: &divisors,
            current: vec![1; axes.len()],
            best: None,
        };
        search.visit(0, engines);
        let (_, factors) = search.best.expect("the engine count always factorises");
        let mut dims = vec![1; dists.len()];
        for (&a, &f) in axes.iter().zip(&factors) {
            dims[a] = f;
        }
        Ok(ProcessGrid { dims })
    }

    /// Checks a grid given by the user: one entry per axis, each at least 1, 1 on every
    /// not-distributed axis, and a product equal to `engines`.
    pub fn user(grid: &[i64], dists: &[AxisDist], engines: usize) -> Result<ProcessGrid, DistError> {
        if engines == 0 {
            return Err(DistError::NoEngines);
        }
        if grid.len() != dists.len() {
            return Err(DistError::GridLength { grid: grid.to_vec(), ndim: dists.len() });
        }
        if let Some(axis) = grid.iter().position(|&g| g < 1) {
            return Err(DistError::GridEntry { grid: grid.to_vec(), axis });
        }
        if let Some(axis) = (0..grid.len()).find(|&a| grid[a] > 1 && !dists[a].is_distributed()) {
            return Err(DistError::GridOnUndistributedAxis { grid: grid.to_vec(), axis });
        }
        let product = grid.iter().fold(1u128, |acc, &g| acc.saturating_mul(g as u128));
        if product != engines as u128 {
            return Err(DistError::GridProduct { grid: grid.to_vec(), product, engines });
        }
        Ok(ProcessGrid { dims: grid.iter().map(|&g| g as usize).collect() })
    }

    /// Processes along each axis.
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }

    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.dims.len()
    }

    /// Number of engines: the product of the entries.
    pub fn size(&self) -> usize {
        self.dims.iter().product()
    }

    /// Writes the grid coordinates of engine `rank` (row-major) into `out`. The caller
    /// guarantees `rank < size()` and `out.len() == ndim()`.
    #[inline]
    pub fn coords(&self, rank: usize, out: &mut [usize]) {
        let mut r = rank;
        for (o, &d) in out.iter_mut().zip(&self.dims).rev() {
            *o = r % d;
            r /= d;
        }
    }

    /// The engine rank at grid coordinates `coords` (row-major). The caller
    /// guarantees `coords[a] < dims()[a]`.
    #[inline]
    pub fn rank(&self, coords: &[usize]) -> usize {
        coords.iter().zip(&self.dims).fold(0, |acc, (&c, &d)| acc * d + c)
    }
}

impl fmt::Display for ProcessGrid {
    /// `[4, 4]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", List(&self.dims))
    }
}

pub(crate) fn check_dist_len(dists: &[AxisDist], ndim: usize) -> Result<(), DistError> {
    if dists.len() != ndim {
        return Err(DistError::DistLength { dist: dists.iter().map(|d| d.to_string()).collect(), ndim });
    }
    Ok(())
}

/// The divisors of `n >= 1`, ascending.
fn divisors(n: usize) -> Vec<usize> {
    let mut small = Vec::new();
    let mut large = Vec::new();
    let mut d = 1;
    while d <= n / d {
        if n.is_multiple_of(d) {
            small.push(d);
            if d != n / d {
                large.push(n / d);
            }
        }
        d += 1;
    }
    small.extend(large.into_iter().rev());
    small
}

/// Depth-first walk over the ordered factorisations of the engine count.
struct Search<'a> {
    shape: &'a [usize],
    dists: &'a [AxisDist],
    axes: &'a [usize],
    engines: usize,
    divisors: &'a [usize],
    current: Vec<usize>,
    best: Option<(Cost, Vec<usize>)>,
}

impl Search<'_> {
    /// Chooses the factor of distributed axis number `i`; `left` is what the
    /// remaining axes must multiply to.
    fn visit(&mut self, i: usize, left: usize) {
        if i + 1 >= self.axes.len() {
            if let Some(last) = self.current.last_mut() {
                *last = left;
            }
            self.consider();
            return;
        }
        // Largest first, so that on equal cost the earlier axes keep the larger counts.
        for j in (0..self.divisors.len()).rev() {
            let f = self.divisors[j];
            if f <= left && left.is_multiple_of(f) {
                self.current[i] = f;
                self.visit(i + 1, left / f);
            }
        }
    }

    fn consider(&mut self) {
        let mut largest_shard = 1u128;
        let mut perimeter = 0u128;
        let mut busy = 1u128;
        for (&a, &p) in self.axes.iter().zip(&self.current) {
            let (d, n) = (self.dists[a], self.shape[a]);
            let len = d.max_local_len(n, p) as u128;
            // Saturating: a [0, 2^62, 2^62, 2^62] array is valid (it has no elements).
            largest_shard = largest_shard.saturating_mul(len);
            perimeter = perimeter.saturating_add(len);
            busy = busy.saturating_mul(d.busy_coords(n, p) as u128);
        }
        let cost =
            Cost { largest_shard, idle_engines: self.engines - busy.min(self.engines as u128) as usize, perimeter };
        if self.best.as_ref().is_none_or(|(b, _)| cost < *b) {
            self.best = Some((cost, self.current.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AxisDist::{Block as B, BlockCyclic as BC, Cyclic as C, NotDistributed as N};

    fn auto(shape: &[usize], dists: &[AxisDist], e: usize) -> Vec<usize> {
        ProcessGrid::auto(shape, dists, e).unwrap().dims().to_vec()
    }

    #[test]
    fn examples_from_the_design() {
        assert_eq!(auto(&[64, 64], &[B, C], 16), [4, 4]);
        assert_eq!(auto(&[64, 64], &[B, N], 16), [16, 1]);
        assert_eq!(auto(&[1000, 10], &[B, B], 4), [4, 1]);
        assert_eq!(auto(&[10, 1000], &[B, B], 4), [1, 4]);
        assert_eq!(auto(&[1000, 1000], &[B, B], 6), [3, 2]);
        assert_eq!(auto(&[100, 100, 100], &[B, B, B], 8), [2, 2, 2]);
        assert_eq!(auto(&[3, 1000], &[B, B], 4), [1, 4]);
        // Equal largest shards (2 elements): [2, 2] keeps every engine busy, [4, 1]
        // would leave one idle.
        assert_eq!(auto(&[3, 2], &[B, B], 4), [2, 2]);
        assert_eq!(auto(&[7], &[N], 1), [1]);
        assert_eq!(auto(&[5, 7], &[N, BC(2)], 3), [1, 3]);
        // Zero-size arrays still get a valid grid.
        assert_eq!(auto(&[0, 8], &[B, B], 4).iter().product::<usize>(), 4);
    }

    #[test]
    fn auto_grid_errors() {
        let e = ProcessGrid::auto(&[4, 4], &[N, N], 3).unwrap_err();
        assert_eq!(
            e.to_string(),
            "dist [\"n\", \"n\"] distributes no axis, so it cannot be spread over 3 engines: \
             make at least one axis \"b\", \"c\" or \"bc:K\""
        );
        let e = ProcessGrid::auto(&[4], &[B], 0).unwrap_err();
        assert_eq!(e.to_string(), "there are no engines to distribute over");
        let e = ProcessGrid::auto(&[4, 4], &[B], 2).unwrap_err();
        assert!(matches!(e, DistError::DistLength { ndim: 2, .. }));
    }

    #[test]
    fn user_grid_is_checked() {
        let g = ProcessGrid::user(&[2, 2], &[B, C], 4).unwrap();
        assert_eq!(g.to_string(), "[2, 2]");
        let e = ProcessGrid::user(&[2, 3], &[B, C], 4).unwrap_err();
        assert_eq!(
            e.to_string(),
            "grid [2, 3] multiplies to 6 but there are 4 engines: the product must equal the engine count"
        );
        let e = ProcessGrid::user(&[2, 2], &[B, N], 4).unwrap_err();
        assert_eq!(
            e.to_string(),
            "grid [2, 2] gives 2 processes to axis 1, which is not distributed (\"n\"): use 1 there"
        );
        let e = ProcessGrid::user(&[4], &[B, N], 4).unwrap_err();
        assert_eq!(e.to_string(), "grid [4] has 1 entry but the array has 2 axes: give one entry per axis");
        let e = ProcessGrid::user(&[4, 0], &[B, B], 4).unwrap_err();
        assert_eq!(e.to_string(), "grid [4, 0] has 0 processes on axis 1: every entry must be at least 1");
        let e = ProcessGrid::user(&[i64::MAX, i64::MAX], &[B, B], 4).unwrap_err();
        assert!(matches!(e, DistError::GridProduct { .. }));
    }

    #[test]
    fn ranks_are_row_major() {
        let g = ProcessGrid::user(&[2, 3], &[B, B], 6).unwrap();
        let mut c = [0; 2];
        g.coords(4, &mut c);
        assert_eq!(c, [1, 1]);
        for r in 0..6 {
            g.coords(r, &mut c);
            assert_eq!(g.rank(&c), r);
        }
        assert_eq!(divisors(12), [1, 2, 3, 4, 6, 12]);
        assert_eq!(divisors(1), [1]);
        assert_eq!(divisors(16), [1, 2, 4, 8, 16]);
    }
}
