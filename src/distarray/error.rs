//! The one error type of the distribution layer.
//!
//! Every way a user can describe an impossible distribution — an unknown dist string, a
//! shape with a negative extent, a grid that does not multiply to the engine count, an
//! index outside the array — ends here as a [`DistError`] whose message names the bad
//! value and, where there is one, the way to fix it. The messages are written for the
//! person at the console: the Rhai bindings show them unchanged.
//!
//! This module owns only the enum and its `Display`; the checks live next to the data
//! they check (`axis`, `grid`, `distribution`, `plan`, `shards`).

use std::fmt;

use super::axis::AxisDist;

/// Why a distribution, index, plan or shard set was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DistError {
    /// A per-axis distribution that is not `"b"`, `"c"`, `"bc:K"` or `"n"`.
    /// `text` is what the user wrote; `axis` is its position, when known.
    UnknownDist { text: String, axis: Option<usize> },
    /// A `"bc:K"` whose block size `K` is not a positive integer.
    BadBlockSize { text: String, axis: Option<usize> },
    /// A shape with no axes: a distributed array needs at least one.
    NoAxes,
    /// A negative extent: `shape` is the whole shape given, `axis` the offending one.
    NegativeExtent { shape: Vec<i64>, axis: usize },
    /// The number of elements of `shape` does not fit in a `usize`.
    TooManyElements { shape: Vec<usize> },
    /// The dist list `dist` does not have one entry for each of the `ndim` axes.
    DistLength { dist: Vec<String>, ndim: usize },
    /// An engine count of zero.
    NoEngines,
    /// Every axis of `dist` is `"n"`, so nothing can be spread over `engines` (> 1).
    NothingDistributed { dist: Vec<AxisDist>, engines: usize },
    /// A user grid whose length is not the number of axes `ndim`.
    GridLength { grid: Vec<i64>, ndim: usize },
    /// A user grid with an entry below 1 on `axis`.
    GridEntry { grid: Vec<i64>, axis: usize },
    /// A user grid that gives more than one process to `axis`, which is `"n"`.
    GridOnUndistributedAxis { grid: Vec<i64>, axis: usize },
    /// A user grid whose entries multiply to `product` instead of `engines`.
    GridProduct { grid: Vec<i64>, product: u128, engines: usize },
    /// A global index with the wrong number of entries for `shape`.
    IndexLength { index: Vec<i64>, shape: Vec<usize> },
    /// A global index outside `shape` on at least one axis.
    IndexOutOfBounds { index: Vec<i64>, shape: Vec<usize> },
    /// An engine rank that is not below the engine count `engines`.
    RankOutOfRange { rank: usize, engines: usize },
    /// A local index outside the shard of `rank`, whose shape is `local_shape`.
    LocalIndexOutOfBounds { rank: usize, index: Vec<usize>, local_shape: Vec<usize> },
    /// A redistribution between two different global shapes.
    ShapeMismatch { from: Vec<usize>, to: Vec<usize> },
    /// A shard set with `got` shards for a distribution over `expected` engines.
    ShardCount { expected: usize, got: usize },
    /// The shard of `rank` holds `got` elements where the distribution says `expected`.
    ShardLength { rank: usize, expected: usize, got: usize },
    /// A packed message of one transfer holds `got` elements where the plan says `expected`.
    PackedLength { from: usize, to: usize, expected: usize, got: usize },
    /// The running request was interrupted while elements were being moved.
    Interrupted(crate::interrupt::Interrupted),
}

impl From<crate::interrupt::Interrupted> for DistError {
    fn from(e: crate::interrupt::Interrupted) -> DistError {
        DistError::Interrupted(e)
    }
}

/// `[a, b, c]`, the way shapes, grids and indices are shown in messages.
pub(crate) struct List<'a, T>(pub &'a [T]);

impl<T: fmt::Display> fmt::Display for List<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, x) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{x}")?;
        }
        f.write_str("]")
    }
}

/// `["b", "c"]`, the way dist lists are shown in messages (as the user types them).
pub(crate) struct Quoted<'a, T>(pub &'a [T]);

impl<T: fmt::Display> fmt::Display for Quoted<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, x) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "\"{x}\"")?;
        }
        f.write_str("]")
    }
}

const DIST_CHOICES: &str = "use \"b\", \"c\", \"bc:K\" or \"n\"";

fn for_axis(axis: Option<usize>) -> String {
    axis.map(|a| format!(" for axis {a}")).unwrap_or_default()
}

impl fmt::Display for DistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DistError::UnknownDist { text, axis } => write!(
                f,
                "unknown distribution '{text}'{}: {DIST_CHOICES}",
                for_axis(*axis)
            ),
            DistError::BadBlockSize { text, axis } => write!(
                f,
                "bad block size in '{text}'{}: K in \"bc:K\" must be a positive integer, e.g. \"bc:4\"",
                for_axis(*axis)
            ),
            DistError::NoAxes => write!(
                f,
                "shape [] has no axes: a distributed array needs at least one axis"
            ),
            DistError::NegativeExtent { shape, axis } => write!(
                f,
                "shape {} has a negative extent {} on axis {axis}: extents must be 0 or more",
                List(shape),
                shape[*axis]
            ),
            DistError::TooManyElements { shape } => write!(
                f,
                "shape {} has more elements than this machine can address",
                List(shape)
            ),
            DistError::DistLength { dist, ndim } => write!(
                f,
                "dist {} has {} entr{} but the array has {ndim} ax{}: give one of \"b\", \"c\", \"bc:K\", \"n\" per axis",
                Quoted(dist),
                dist.len(),
                if dist.len() == 1 { "y" } else { "ies" },
                if *ndim == 1 { "is" } else { "es" }
            ),
            DistError::NoEngines => write!(f, "there are no engines to distribute over"),
            DistError::NothingDistributed { dist, engines } => write!(
                f,
                "dist {} distributes no axis, so it cannot be spread over {engines} engines: \
                 make at least one axis \"b\", \"c\" or \"bc:K\"",
                Quoted(dist)
            ),
            DistError::GridLength { grid, ndim } => write!(
                f,
                "grid {} has {} entr{} but the array has {ndim} ax{}: give one entry per axis",
                List(grid),
                grid.len(),
                if grid.len() == 1 { "y" } else { "ies" },
                if *ndim == 1 { "is" } else { "es" }
            ),
            DistError::GridEntry { grid, axis } => write!(
                f,
                "grid {} has {} processes on axis {axis}: every entry must be at least 1",
                List(grid),
                grid[*axis]
            ),
            DistError::GridOnUndistributedAxis { grid, axis } => write!(
                f,
                "grid {} gives {} processes to axis {axis}, which is not distributed (\"n\"): use 1 there",
                List(grid),
                grid[*axis]
            ),
            DistError::GridProduct {
                grid,
                product,
                engines,
            } => write!(
                f,
                "grid {} multiplies to {product} but there {} {engines} engine{}: the product must equal the engine count",
                List(grid),
                if *engines == 1 { "is" } else { "are" },
                if *engines == 1 { "" } else { "s" }
            ),
            DistError::IndexLength { index, shape } => write!(
                f,
                "index {} has {} entr{} but shape {} has {} ax{}",
                List(index),
                index.len(),
                if index.len() == 1 { "y" } else { "ies" },
                List(shape),
                shape.len(),
                if shape.len() == 1 { "is" } else { "es" }
            ),
            DistError::IndexOutOfBounds { index, shape } => write!(
                f,
                "index {} is out of bounds for shape {}",
                List(index),
                List(shape)
            ),
            DistError::RankOutOfRange { rank, engines } => write!(
                f,
                "engine {rank} does not exist: the array is distributed over engines 0-{}",
                engines.saturating_sub(1)
            ),
            DistError::LocalIndexOutOfBounds {
                rank,
                index,
                local_shape,
            } => write!(
                f,
                "local index {} is out of bounds for the shard of engine {rank}, of shape {}",
                List(index),
                List(local_shape)
            ),
            DistError::ShapeMismatch { from, to } => write!(
                f,
                "cannot redistribute an array of shape {} into shape {}: the shapes must be equal",
                List(from),
                List(to)
            ),
            DistError::ShardCount { expected, got } => write!(
                f,
                "got {got} shards for a distribution over {expected} engines"
            ),
            DistError::ShardLength {
                rank,
                expected,
                got,
            } => write!(
                f,
                "the shard of engine {rank} holds {got} elements but its distribution says {expected}"
            ),
            DistError::PackedLength {
                from,
                to,
                expected,
                got,
            } => write!(
                f,
                "the data sent from engine {from} to engine {to} holds {got} elements but the redistribution plan says {expected}"
            ),
            DistError::Interrupted(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for DistError {}
