//! [`DistArray`]: a [`Distribution`], the group of engines that created it, and this
//! engine's shard — an [`NdArray`], or an elementwise expression over shards not yet
//! computed.
//!
//! Elementwise operations on DistArrays do not compute at once: they extend the shard's
//! pending expression ([`Lazy`]), and the shard is computed, fused in one pass, the
//! first time anything needs its values (a reduction, an exchange, element access,
//! `local()`), or when the tree grows past [`MAX_PENDING`] nodes. So `c = a * b + a`
//! reads `a` and `b` once and allocates only `c`. Clones share the pending state, so an
//! expression is computed once however many variables hold it. Operations that can fail
//! element by element (integer division) are computed at once and their errors agreed
//! by the whole group.
//!
//! Constructors (zeros, full, arange, linspace, random...) build only this engine's
//! shard from the distribution's index maps, after checking that the shards of every
//! engine on this machine fit in its free memory.

use super::comm::{engine_list, Comm, DaError};
use super::{AxisDist, Distribution};
use crate::dispatch_dtype;
use crate::nd::random::{self, Draw, Part};
use crate::nd::{store, DType, Elem, Lazy, NdArray, Scalar, Stored};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// Pending expressions larger than this are computed at once.
pub const MAX_PENDING: usize = 48;

enum Shard {
    Ready(NdArray),
    Pending(Lazy),
}

/// An n-d array distributed over a group of engines.
#[derive(Clone)]
pub struct DistArray {
    dist: Arc<Distribution>,
    group: Arc<Vec<usize>>,
    rank: usize,
    shard: Rc<RefCell<Shard>>,
}

impl DistArray {
    /// Wraps this engine's `shard` of an array laid out by `dist` over `group`.
    pub fn from_shard(dist: Distribution, group: Vec<usize>, rank: usize, shard: NdArray) -> DistArray {
        debug_assert_eq!(shard.shape(), dist.local_shape(rank).expect("rank in range"));
        DistArray {
            dist: Arc::new(dist),
            group: Arc::new(group),
            rank,
            shard: Rc::new(RefCell::new(Shard::Ready(shard))),
        }
    }

    /// A new array with this one's layout and `expr` as its (pending) shard.
    pub(super) fn with_lazy(&self, expr: Lazy) -> DistArray {
        let shard = if expr.as_leaf().is_some() || expr.nodes() <= MAX_PENDING {
            Shard::Pending(expr)
        } else {
            match expr.eval() {
                Ok(a) => Shard::Ready(a),
                Err(_) => Shard::Pending(expr), // the error shows when it is used
            }
        };
        DistArray {
            dist: self.dist.clone(),
            group: self.group.clone(),
            rank: self.rank,
            shard: Rc::new(RefCell::new(shard)),
        }
    }

    /// A new array with this one's group and `dist`, holding `shard`.
    pub(super) fn sibling(&self, dist: Distribution, shard: NdArray) -> DistArray {
        DistArray::from_shard(dist, self.group.to_vec(), self.rank, shard)
    }

    pub fn distribution(&self) -> &Distribution {
        &self.dist
    }

    /// The engine ids the array lives on, in rank order.
    pub fn group(&self) -> &[usize] {
        &self.group
    }

    /// This engine's position in the group.
    pub fn rank(&self) -> usize {
        self.rank
    }

    pub fn shape(&self) -> &[usize] {
        self.dist.shape()
    }

    pub fn dtype(&self) -> DType {
        match &*self.shard.borrow() {
            Shard::Ready(a) => a.dtype(),
            Shard::Pending(l) => l.dtype(),
        }
    }

    /// This engine's shard shape.
    pub fn local_shape(&self) -> Vec<usize> {
        self.dist.local_shape(self.rank).expect("rank in range")
    }

    /// The shard as an expression (a leaf when computed).
    pub fn lazy(&self) -> Lazy {
        match &*self.shard.borrow() {
            Shard::Ready(a) => Lazy::leaf(a.clone()),
            Shard::Pending(l) => l.clone(),
        }
    }

    /// This engine's shard, computing a pending expression first (once).
    pub fn local(&self) -> Result<NdArray, DaError> {
        let pending = match &*self.shard.borrow() {
            Shard::Ready(a) => return Ok(a.clone()),
            Shard::Pending(l) => l.clone(),
        };
        let a = pending.eval()?;
        *self.shard.borrow_mut() = Shard::Ready(a.clone());
        Ok(a)
    }

    /// This engine's shard, taken out of the array: when no other handle shares it, the
    /// result is its only owner and can be changed in place without a copy.
    pub fn into_local(self) -> Result<NdArray, DaError> {
        self.local()
    }

    /// The shard for writing (computed, and unshared from other arrays).
    pub fn local_mut(&mut self) -> Result<std::cell::RefMut<'_, NdArray>, DaError> {
        let a = self.local()?;
        if Rc::strong_count(&self.shard) > 1 {
            self.shard = Rc::new(RefCell::new(Shard::Ready(a)));
        }
        Ok(std::cell::RefMut::map(self.shard.borrow_mut(), |s| match s {
            Shard::Ready(a) => a,
            Shard::Pending(_) => unreachable!("computed above"),
        }))
    }

    /// Fails at once unless `comm` is this array's group (so no collective can hang).
    pub fn check_group(&self, comm: &dyn Comm) -> Result<(), DaError> {
        if comm.group() == self.group.as_slice() && comm.rank() == self.rank {
            return Ok(());
        }
        Err(DaError::WrongEngines { array: engine_list(&self.group), request: engine_list(comm.group()) })
    }

    /// Whether `other` has the same layout (shape, dists, grid) over the same engines.
    pub fn same_layout(&self, other: &DistArray) -> bool {
        self.dist == other.dist && self.group == other.group
    }
}

/// Refuses to build shards of `dtype` for `dist` if the engines of `comm`'s group on
/// this machine would need more memory than it has free.
pub fn check_memory(comm: &mut dyn Comm, dist: &Distribution, dtype: DType) -> Result<(), DaError> {
    // Decided on the whole array's size, which every member knows alike, so that all
    // members make (or skip) the same exchange below.
    let whole = dist.size() as u64 * dtype.size() as u64;
    if whole < (4 << 20) {
        return Ok(());
    }
    let on_host = comm.ranks_on_my_host()?;
    let total: u64 = on_host.iter().map(|&r| dist.local_size(r).unwrap_or(0) as u64 * dtype.size() as u64).sum();
    store::check_memory(total).map_err(DaError::from)
}

/// Per axis, the global flat offsets contributed by the local indices of `rank`'s
/// shard: affine for block, cyclic and undistributed axes, a table for block-cyclic.
pub fn global_parts(dist: &Distribution, rank: usize) -> Vec<Part> {
    let ndim = dist.ndim();
    let mut coords = vec![0; ndim];
    dist.grid().coords(rank, &mut coords);
    let mut parts = vec![Part::Table(Vec::new()); ndim];
    let mut stride = 1u64;
    for a in (0..ndim).rev() {
        let (n, p, d, c) = (dist.shape()[a], dist.grid().dims()[a], dist.dists()[a], coords[a]);
        let len = d.local_len(n, p, c);
        let first = if len > 0 { d.to_global(n, p, c, 0) as u64 } else { 0 };
        parts[a] = match d {
            AxisDist::Block | AxisDist::NotDistributed => Part::Affine { start: first * stride, step: stride, len },
            AxisDist::Cyclic => Part::Affine { start: first * stride, step: p as u64 * stride, len },
            AxisDist::BlockCyclic(_) if p == 1 => Part::Affine { start: 0, step: stride, len },
            AxisDist::BlockCyclic(_) => {
                Part::Table((0..len).map(|l| d.to_global(n, p, c, l) as u64 * stride).collect())
            }
        };
        stride *= n as u64;
    }
    parts
}

/// What a constructor fills the shard with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fill {
    /// Every element this value.
    Value(Scalar),
    /// The global flat index `i` (arange).
    Index,
    /// `start + i * step` (linspace), the last element exactly `end`.
    Line { start: f64, step: f64, end: f64, n: usize },
    /// Counter-based random numbers with this seed.
    Random { draw: Draw, seed: u64 },
}

/// Builds this engine's shard of a new array of `dtype` laid out by `dist` over
/// `comm`'s group.
pub fn build(comm: &mut dyn Comm, dist: Distribution, dtype: DType, fill: Fill) -> Result<DistArray, DaError> {
    check_memory(comm, &dist, dtype)?;
    let rank = comm.rank();
    let shape = dist.local_shape(rank)?;
    let parts = global_parts(&dist, rank);
    let n: usize = shape.iter().product();
    fn fill_typed<T: Stored>(
        shape: &[usize],
        n: usize,
        parts: &[Part],
        f: impl Fn(u64) -> T,
    ) -> Result<NdArray, DaError> {
        let data = random::filled(parts, f)?;
        debug_assert_eq!(data.len(), n);
        Ok(NdArray::from_vec(shape, data))
    }
    let shard = match fill {
        Fill::Value(v) => NdArray::full(dtype, &shape, v)?,
        Fill::Index => dispatch_dtype!(dtype, T => fill_typed::<T>(&shape, n, &parts, |i| T::cast_from(i as i64))?),
        Fill::Line { start, step, end, n: total } => {
            dispatch_dtype!(dtype, T => fill_typed::<T>(&shape, n, &parts, |i| {
                T::cast_from(if i as usize + 1 == total && total > 1 { end } else { start + step * i as f64 })
            })?)
        }
        Fill::Random { draw, seed } => {
            let key = random::key(seed);
            match draw {
                Draw::Uniform => {
                    dispatch_dtype!(dtype, T => fill_typed::<T>(&shape, n, &parts, |i| T::cast_from(random::uniform(key, i)))?)
                }
                Draw::Normal { mean, std } => dispatch_dtype!(dtype, T => fill_typed::<T>(&shape, n, &parts, |i| {
                    T::cast_from(mean + std * random::normal(key, i))
                })?),
                Draw::Int { lo, hi } => {
                    dispatch_dtype!(dtype, T => fill_typed::<T>(&shape, n, &parts, |i| T::cast_from(random::int(key, i, lo, hi)))?)
                }
            }
        }
    };
    Ok(DistArray::from_shard(dist, comm.group().to_vec(), rank, shard))
}

/// A seed no earlier call has used, the same on every member (drawn by rank 0).
pub fn fresh_seed(comm: &mut dyn Comm) -> Result<u64, DaError> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    let mine = random::bits(now ^ u64::from(std::process::id()).rotate_left(32), CALLS.fetch_add(1, Ordering::Relaxed));
    match comm.broadcast("random seed", crate::protocol::Value::Int(mine as i64), 0)? {
        crate::protocol::Value::Int(s) => Ok(s as u64),
        other => Err(DaError::Comm(format!("random seed: engine 0 sent {}", other.type_name()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distarray::{Comm, Solo};

    #[test]
    fn global_parts_agree_with_the_index_maps() {
        for dists in [["b", "n"], ["c", "b"], ["bc:2", "c"], ["n", "bc:3"]] {
            for engines in [1, 2, 3, 5] {
                let Ok(d) = Distribution::from_user(&[7, 5], Some(&dists), None, engines) else { continue };
                for rank in 0..engines {
                    let parts = global_parts(&d, rank);
                    let shape = d.local_shape(rank).unwrap();
                    for i in 0..shape[0] {
                        for j in 0..shape[1] {
                            let mut g = [0; 2];
                            d.to_global(rank, &[i, j], &mut g).unwrap();
                            assert_eq!(
                                parts[0].at(i) + parts[1].at(j),
                                (g[0] * 5 + g[1]) as u64,
                                "{dists:?} {engines} {rank}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn built_shards_hold_the_global_values() {
        let mut comm = Solo::new(0);
        let d = Distribution::from_user(&[3, 4], Some(&["c", "b"]), None, 1).unwrap();
        let a = build(&mut comm, d, DType::I64, Fill::Index).unwrap();
        assert_eq!(a.local().unwrap().as_slice::<i64>().unwrap(), (0..12).collect::<Vec<i64>>());
        assert_eq!(comm.group(), [0]);
        let d = Distribution::from_user(&[5], None::<&[&str]>, None, 1).unwrap();
        let l = build(&mut comm, d, DType::F64, Fill::Line { start: 0.0, step: 0.25, end: 1.0, n: 5 }).unwrap();
        assert_eq!(l.local().unwrap().as_slice::<f64>().unwrap(), [0.0, 0.25, 0.5, 0.75, 1.0]);
    }
}
