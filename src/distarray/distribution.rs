//! An N-d distribution: global shape + one [`AxisDist`] per axis + a [`ProcessGrid`].
//!
//! A [`Distribution`] answers, without any communication, every "who holds what"
//! question about a distributed array: the shard shape of each engine, the engine and
//! local position of a global index, and back. Each axis is mapped independently by its
//! `AxisDist` over the grid's processes along that axis; an engine's shard is the
//! cartesian product of its per-axis index sets, stored row-major.
//!
//! Conventions fixed here:
//!
//! - **Engine rank ↔ grid coordinates is row-major** (see `grid`).
//! - **At least one axis.** A shape `[]` is refused: a 0-d value is not distributed.
//! - **Zero-size axes are allowed**, as in NumPy (`da::zeros([0, 3])` is a valid empty
//!   array): every shard is then empty along that axis, there are no valid indices and
//!   redistribution moves nothing. Negative extents are refused, naming the axis.
//! - **Global indices from users may be negative** and count from the end, as Rhai
//!   array indices do ([`Distribution::checked_index`]); the `usize` entry points take
//!   plain in-range indices and say which index and shape did not match when not.
//! - The element count must fit in a `usize`.
//!
//! The per-index maps (`owner`, `to_local`, `to_global`, `local_offset`) allocate
//! nothing on success. Moving data between two distributions belongs to `plan`.

use std::fmt;

use super::axis::{default_dists, parse_dists, AxisDist};
use super::error::{DistError, List, Quoted};
use super::grid::{check_dist_len, ProcessGrid};

/// Where every element of an N-d array lives: shape, per-axis layout and process grid.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Distribution {
    shape: Vec<usize>,
    dists: Vec<AxisDist>,
    grid: ProcessGrid,
    size: usize,
}

/// Converts a user shape (Rhai integers) to extents, refusing negative ones.
pub fn checked_shape(shape: &[i64]) -> Result<Vec<usize>, DistError> {
    if let Some(axis) = shape.iter().position(|&n| n < 0) {
        return Err(DistError::NegativeExtent { shape: shape.to_vec(), axis });
    }
    Ok(shape.iter().map(|&n| n as usize).collect())
}

fn to_i64(index: &[usize]) -> Vec<i64> {
    index.iter().map(|&i| i64::try_from(i).unwrap_or(i64::MAX)).collect()
}

impl Distribution {
    /// `shape` laid out by `dists` over `engines` engines on an automatically chosen grid.
    pub fn new(shape: &[usize], dists: &[AxisDist], engines: usize) -> Result<Distribution, DistError> {
        Self::check_shape(shape, dists)?;
        let grid = ProcessGrid::auto(shape, dists, engines)?;
        Self::build(shape, dists, grid)
    }

    /// Like [`new`](Self::new) with a user-given grid, checked against `dists` and `engines`.
    pub fn with_grid(
        shape: &[usize],
        dists: &[AxisDist],
        grid: &[i64],
        engines: usize,
    ) -> Result<Distribution, DistError> {
        Self::check_shape(shape, dists)?;
        let grid = ProcessGrid::user(grid, dists, engines)?;
        Self::build(shape, dists, grid)
    }

    /// The whole user path: a Rhai shape, optional dist strings (default `["b", "n", ..]`)
    /// and an optional grid (default automatic).
    pub fn from_user<S: AsRef<str>>(
        shape: &[i64],
        dists: Option<&[S]>,
        grid: Option<&[i64]>,
        engines: usize,
    ) -> Result<Distribution, DistError> {
        let shape = checked_shape(shape)?;
        if shape.is_empty() {
            return Err(DistError::NoAxes);
        }
        let dists = match dists {
            Some(texts) => parse_dists(texts, shape.len())?,
            None => default_dists(shape.len()),
        };
        match grid {
            Some(g) => Self::with_grid(&shape, &dists, g, engines),
            None => Self::new(&shape, &dists, engines),
        }
    }

    fn check_shape(shape: &[usize], dists: &[AxisDist]) -> Result<(), DistError> {
        if shape.is_empty() {
            return Err(DistError::NoAxes);
        }
        check_dist_len(dists, shape.len())
    }

    fn build(shape: &[usize], dists: &[AxisDist], grid: ProcessGrid) -> Result<Distribution, DistError> {
        let size = shape
            .iter()
            .try_fold(1usize, |acc, &n| acc.checked_mul(n))
            .ok_or_else(|| DistError::TooManyElements { shape: shape.to_vec() })?;
        Ok(Distribution { shape: shape.to_vec(), dists: dists.to_vec(), grid, size })
    }

    /// The global shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The layout of each axis.
    pub fn dists(&self) -> &[AxisDist] {
        &self.dists
    }

    /// The process grid.
    pub fn grid(&self) -> &ProcessGrid {
        &self.grid
    }

    /// Number of axes (at least 1).
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// Number of elements of the global array.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Number of engines the array is spread over.
    pub fn engines(&self) -> usize {
        self.grid.size()
    }

    /// Fails unless `rank` is one of this distribution's engines.
    pub fn check_rank(&self, rank: usize) -> Result<(), DistError> {
        if rank < self.engines() {
            Ok(())
        } else {
            Err(DistError::RankOutOfRange { rank, engines: self.engines() })
        }
    }

    /// Shard length along `axis` of the engine at grid coordinate `coord` on that axis.
    #[inline]
    pub fn axis_local_len(&self, axis: usize, coord: usize) -> usize {
        let p = self.grid.dims()[axis];
        self.dists[axis].local_len(self.shape[axis], p, coord)
    }

    /// Writes the shard shape of engine `rank` into `out` (`out.len() == ndim()`).
    pub fn local_shape_into(&self, rank: usize, out: &mut [usize]) -> Result<(), DistError> {
        self.check_rank(rank)?;
        self.grid.coords(rank, out);
        for (axis, o) in out.iter_mut().enumerate() {
            *o = self.axis_local_len(axis, *o);
        }
        Ok(())
    }

    /// The shard shape of engine `rank`.
    pub fn local_shape(&self, rank: usize) -> Result<Vec<usize>, DistError> {
        let mut out = vec![0; self.ndim()];
        self.local_shape_into(rank, &mut out)?;
        Ok(out)
    }

    /// Number of elements in the shard of engine `rank`.
    pub fn local_size(&self, rank: usize) -> Result<usize, DistError> {
        self.check_rank(rank)?;
        let mut r = rank;
        let mut size = 1;
        for axis in (0..self.ndim()).rev() {
            let d = self.grid.dims()[axis];
            size *= self.axis_local_len(axis, r % d);
            r /= d;
        }
        Ok(size)
    }

    /// The engine that owns global `index`.
    #[inline]
    pub fn owner(&self, index: &[usize]) -> Result<usize, DistError> {
        self.check_global(index)?;
        let mut rank = 0;
        for (axis, &g) in index.iter().enumerate() {
            let p = self.grid.dims()[axis];
            let (c, _) = self.dists[axis].to_local(self.shape[axis], p, g);
            rank = rank * p + c;
        }
        Ok(rank)
    }

    /// Global `index` → owning engine (returned) and its local index (written to
    /// `local`, which has one entry per axis).
    #[inline]
    pub fn to_local(&self, index: &[usize], local: &mut [usize]) -> Result<usize, DistError> {
        self.check_global(index)?;
        debug_assert_eq!(local.len(), self.ndim());
        let mut rank = 0;
        for (axis, (&g, l)) in index.iter().zip(local.iter_mut()).enumerate() {
            let p = self.grid.dims()[axis];
            let (c, li) = self.dists[axis].to_local(self.shape[axis], p, g);
            *l = li;
            rank = rank * p + c;
        }
        Ok(rank)
    }

    /// (engine `rank`, `local` index in its shard) → global index, written to `global`
    /// (one entry per axis).
    #[inline]
    pub fn to_global(&self, rank: usize, local: &[usize], global: &mut [usize]) -> Result<(), DistError> {
        self.check_local(rank, local)?;
        let mut r = rank;
        for axis in (0..self.ndim()).rev() {
            let p = self.grid.dims()[axis];
            global[axis] = self.dists[axis].to_global(self.shape[axis], p, r % p, local[axis]);
            r /= p;
        }
        Ok(())
    }

    /// Row-major offset of `local` in the shard of engine `rank`.
    #[inline]
    pub fn local_offset(&self, rank: usize, local: &[usize]) -> Result<usize, DistError> {
        self.check_local(rank, local)?;
        let mut r = rank;
        let mut offset = 0;
        let mut stride = 1;
        for axis in (0..self.ndim()).rev() {
            let p = self.grid.dims()[axis];
            offset += local[axis] * stride;
            stride *= self.axis_local_len(axis, r % p);
            r /= p;
        }
        Ok(offset)
    }

    /// Turns a user index (negative entries count from the end) into an in-range
    /// global index written to `out`, or says which index did not fit which shape.
    pub fn checked_index(&self, index: &[i64], out: &mut [usize]) -> Result<(), DistError> {
        let bad = |index: &[i64]| DistError::IndexOutOfBounds { index: index.to_vec(), shape: self.shape.clone() };
        if index.len() != self.ndim() {
            return Err(DistError::IndexLength { index: index.to_vec(), shape: self.shape.clone() });
        }
        for ((&i, &n), o) in index.iter().zip(&self.shape).zip(out.iter_mut()) {
            let n = i64::try_from(n).unwrap_or(i64::MAX);
            let j = if i < 0 { i + n } else { i };
            if j < 0 || j >= n {
                return Err(bad(index));
            }
            *o = j as usize;
        }
        Ok(())
    }

    /// The owning engine of every element, row-major over the global shape — the
    /// picture of the decomposition that `.owner_map()` shows.
    pub fn owner_map(&self) -> Vec<usize> {
        // Per axis, the grid coordinate of each index, pre-multiplied by the rank stride.
        let mut stride = 1;
        let mut parts: Vec<Vec<usize>> = vec![Vec::new(); self.ndim()];
        for axis in (0..self.ndim()).rev() {
            let (n, p) = (self.shape[axis], self.grid.dims()[axis]);
            parts[axis] = (0..n).map(|g| self.dists[axis].to_local(n, p, g).0 * stride).collect();
            stride *= p;
        }
        let mut out = vec![0usize; self.size];
        let mut index = vec![0usize; self.ndim()];
        for o in out.iter_mut() {
            *o = index.iter().zip(&parts).map(|(&i, part)| part[i]).sum();
            for axis in (0..self.ndim()).rev() {
                index[axis] += 1;
                if index[axis] < self.shape[axis] {
                    break;
                }
                index[axis] = 0;
            }
        }
        out
    }

    /// The dist strings, e.g. `["b", "bc:4"]`, as `.dist` reports them.
    pub fn dist_strings(&self) -> Vec<String> {
        self.dists.iter().map(|d| d.to_string()).collect()
    }

    #[inline]
    fn check_global(&self, index: &[usize]) -> Result<(), DistError> {
        if index.len() != self.ndim() {
            return Err(DistError::IndexLength { index: to_i64(index), shape: self.shape.clone() });
        }
        if index.iter().zip(&self.shape).any(|(&i, &n)| i >= n) {
            return Err(DistError::IndexOutOfBounds { index: to_i64(index), shape: self.shape.clone() });
        }
        Ok(())
    }

    #[inline]
    fn check_local(&self, rank: usize, local: &[usize]) -> Result<(), DistError> {
        self.check_rank(rank)?;
        let mut r = rank;
        let mut ok = local.len() == self.ndim();
        for axis in (0..self.ndim()).rev() {
            let p = self.grid.dims()[axis];
            ok = ok && local[axis] < self.axis_local_len(axis, r % p);
            r /= p;
        }
        if ok {
            return Ok(());
        }
        Err(DistError::LocalIndexOutOfBounds { rank, index: local.to_vec(), local_shape: self.local_shape(rank)? })
    }
}

impl fmt::Display for Distribution {
    /// `shape [64, 64], dist ["b", "c"], grid [4, 4]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "shape {}, dist {}, grid {}", List(&self.shape), Quoted(&self.dists), self.grid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AxisDist::{Block as B, Cyclic as C, NotDistributed as N};

    #[test]
    fn decomposition_of_the_slides() {
        let d = Distribution::new(&[64, 64], &[B, C], 16).unwrap();
        assert_eq!(d.grid().dims(), [4, 4]);
        assert_eq!(d.local_shape(5).unwrap(), [16, 16]);
        // Row 17 is in block-row 1; column 6 is cyclic coordinate 2: engine 1*4+2.
        assert_eq!(d.owner(&[17, 6]).unwrap(), 6);
        let mut local = [0; 2];
        assert_eq!(d.to_local(&[17, 6], &mut local).unwrap(), 6);
        assert_eq!(local, [1, 1]);
        let mut g = [0; 2];
        d.to_global(6, &local, &mut g).unwrap();
        assert_eq!(g, [17, 6]);
        assert_eq!(d.local_offset(6, &local).unwrap(), 17);
        let map = d.owner_map();
        assert_eq!(map[17 * 64 + 6], 6);
        assert_eq!(d.to_string(), "shape [64, 64], dist [\"b\", \"c\"], grid [4, 4]");
        assert_eq!(d.dist_strings(), ["b", "c"]);
    }

    #[test]
    fn user_path_and_defaults() {
        let d = Distribution::from_user(&[10, 3], None::<&[&str]>, None, 4).unwrap();
        assert_eq!(d.dists(), [B, N]);
        assert_eq!(d.grid().dims(), [4, 1]);
        let sizes: Vec<_> = (0..4).map(|r| d.local_size(r).unwrap()).collect();
        assert_eq!(sizes, [9, 9, 6, 6]);
        let d = Distribution::from_user(&[4, 4], Some(&["c", "b"]), Some(&[1, 2]), 2).unwrap();
        assert_eq!(d.grid().dims(), [1, 2]);
        let d = Distribution::from_user(&[0, 5], None::<&[&str]>, None, 3).unwrap();
        assert_eq!(d.size(), 0);
        assert_eq!(d.local_shape(2).unwrap(), [0, 5]);
        assert!(d.owner_map().is_empty());
    }

    #[test]
    fn bad_input_messages() {
        let none = None::<&[&str]>;
        let e = Distribution::from_user(&[4, -2], none, None, 2).unwrap_err();
        assert_eq!(e.to_string(), "shape [4, -2] has a negative extent -2 on axis 1: extents must be 0 or more");
        let e = Distribution::from_user(&[], none, None, 2).unwrap_err();
        assert_eq!(e.to_string(), "shape [] has no axes: a distributed array needs at least one axis");
        let e = Distribution::from_user(&[4, 4], Some(&["b"]), None, 2).unwrap_err();
        assert!(matches!(e, DistError::DistLength { ndim: 2, .. }));
        let e = Distribution::new(&[usize::MAX, 3], &[B, N], 2).unwrap_err();
        assert!(e.to_string().contains("more elements than this machine"));

        let d = Distribution::new(&[4, 5], &[B, N], 2).unwrap();
        let e = d.owner(&[4, 0]).unwrap_err();
        assert_eq!(e.to_string(), "index [4, 0] is out of bounds for shape [4, 5]");
        let e = d.owner(&[1]).unwrap_err();
        assert_eq!(e.to_string(), "index [1] has 1 entry but shape [4, 5] has 2 axes");
        let mut out = [0; 2];
        d.checked_index(&[-1, -5], &mut out).unwrap();
        assert_eq!(out, [3, 0]);
        let e = d.checked_index(&[0, -6], &mut out).unwrap_err();
        assert_eq!(e.to_string(), "index [0, -6] is out of bounds for shape [4, 5]");
        let e = d.local_shape(2).unwrap_err();
        assert_eq!(e.to_string(), "engine 2 does not exist: the array is distributed over engines 0-1");
        let e = d.to_global(1, &[2, 0], &mut out).unwrap_err();
        assert_eq!(e.to_string(), "local index [2, 0] is out of bounds for the shard of engine 1, of shape [2, 5]");
    }
}
