//! Numeric text files as NumPy's `loadtxt`/`savetxt` read and write them, plain Rust
//! with no Rhai.
//!
//! # Layout
//! - `parse` — [`ReadOpts`] (NumPy's option names), [`parse`]: a chunk of whole lines
//!   into row-major `f64` values with the first bad line's local line and column,
//!   [`load`]: a whole file read by one process (`nd::loadtxt`), [`squeeze`]: the
//!   shape `np.loadtxt` gives `rows × cols` (one column or one row → 1-d).
//! - `format` — [`Fmt`]: the printf subset of `fmt` (`%.18e`, `%10.3f`, `%g`, `%d`),
//!   byte for byte as C and Python write it.
//! - `write` — [`WriteOpts`], [`format_rows`] and [`save`]: `np.savetxt`'s text
//!   (header, rows, footer), written under a temporary name and renamed.
//! - `dist` — `da::loadtxt`: a byte range of the file per engine, parsed in parallel,
//!   line numbers made global by one allgather, rows re-balanced to a block
//!   distribution.
//!
//! # Invariants
//! - **Every line is parsed by exactly one engine**: the one whose byte range holds the
//!   line's first byte.
//! - **A bad line is reported by its line in the file** (1-based, counting skipped and
//!   comment lines) and its column (1-based field), on every engine the same.

pub mod dist;
mod format;
mod parse;
mod write;

pub use format::Fmt;
pub use parse::{after_lines, fields_reason, load, no_data, parse, squeeze, LineError, Parsed, ReadOpts};
pub use write::{format_rows, save, WriteOpts};
