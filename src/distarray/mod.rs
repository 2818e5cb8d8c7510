//! DistArray: N-d arrays distributed over engines, and the layer that says who holds what.
//!
//! This module knows nothing of Rhai, the console or the transports. Its lower half is
//! pure, deterministic Rust with no communication: every engine (and the console)
//! computes the same answers from the same inputs, so no message is ever needed to agree
//! on a layout. Its upper half ([`DistArray`] and its operations) talks to the other
//! engines only through the small [`Comm`] trait, which the engine implements.
//!
//! # Layout
//!
//! - `error` — [`DistError`], the distribution layer's error type, with user-facing messages.
//! - `axis` — [`AxisDist`] (`"b"`, `"c"`, `"bc:K"`, `"n"`) and the per-axis index maps.
//! - `grid` — [`ProcessGrid`]: the automatic, shape-aware grid choice, user grids, and
//!   rank ↔ grid coordinates.
//! - `distribution` — [`Distribution`]: N-d shape + dists + grid; shard shapes, owners,
//!   global ↔ (rank, local) maps, owner maps.
//! - `plan` — [`RedistributionPlan`]: the transfers between two distributions, as
//!   per-axis runs.
//! - `shards` — carrying out a plan on in-memory shards: pack, unpack, copy, apply,
//!   scatter and gather.
//! - `comm` — the [`Comm`] trait (a tagged exchange among the array's engines, which
//!   the engine implements) and [`DaError`].
//! - `array` — [`DistArray`]: distribution + group + shard (computed or pending), and
//!   the constructors.
//! - `ops` — elementwise operations (fused per shard), `where`, reductions.
//! - `exchange` — redistribution, transpose, roll, slice, element access.
//! - `product` — copying a product of per-axis index lists between row-major buffers,
//!   as runs (what roll and slice pack and place).
//! - `reshape` — reshape, squeeze, expand_dims, permutations, flip, stepped slices,
//!   concatenate, stack.
//! - `scan` — cumsum, cumprod (local scans, shard totals scanned across engines), diff.
//! - `fft` — FFTs along any axes: local axes per shard, others made local by redistribution.
//! - `fft1d` — the FFT of a 1-d array over several engines (four-step, Bluestein).
//!
//! # Invariants
//!
//! - **Every global index has exactly one owner engine and one position in its shard.**
//! - **Shards are row-major; engine ranks are row-major over the grid.**
//! - **A plan moves every element exactly once**, in a packed order both ends derive.
//! - **`axis`, `grid`, `distribution`, `plan` and `shards` do no communication** and
//!   allocate nothing per element.
//! - **A DistArray operation is collective over the array's group**, and checks first
//!   that the running request is on exactly that group, so it fails at once instead of
//!   waiting for engines that will never join.
//! - **Every member of a group makes the same exchanges in the same order**; partial
//!   results are combined in rank order, so reductions give the same bits every run.

pub mod array;
pub mod axis;
pub mod comm;
pub mod distribution;
pub mod error;
pub mod exchange;
pub mod fft;
pub mod fft1d;
mod fft_pass;
pub mod grid;
pub mod ops;
pub mod plan;
pub mod product;
pub mod reshape;
pub mod scan;
pub mod shards;

#[cfg(test)]
mod proptests;

pub use array::{DistArray, Fill};
pub use axis::{default_dists, parse_dists, AxisChunk, AxisChunks, AxisDist};
pub use comm::{engine_list, Comm, DaError, Solo};
pub use distribution::{checked_shape, Distribution};
pub use error::DistError;
pub use grid::ProcessGrid;
pub use plan::{AxisPiece, AxisRun, RedistributionPlan, Transfer};
pub use shards::{apply_plan, copy_transfer, for_each_segment, gather_global, pack, scatter_global, unpack, Segment};
