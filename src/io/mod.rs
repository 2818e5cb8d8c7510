//! Data in and out: file formats and shard I/O, plain Rust with no Rhai.
//!
//! This room owns what a file looks like and how the bytes of one engine's shard are
//! found in it; `bindings::io` converts script arguments and calls in here, and the
//! collective parts talk to the other engines only through DistArray's
//! [`Comm`](crate::distarray::Comm) trait.
//!
//! # Layout
//! - `error` — [`IoError`]: every refusal names the file and what is wrong with it.
//! - `npy` — the `.npy` header (versions 1.0, 2.0, 3.0): parsing, checking, writing the
//!   exact bytes NumPy writes.
//! - `elems` — file element types ([`FileType`]: kind, size, byte order) and the
//!   conversion of raw bytes to and from the six dtypes (widening narrow ones).
//! - `runs` — where a shard's elements lie in a file: per-axis pieces combined into
//!   runs (a start, a step in the file, a stride in the shard), never one per element.
//! - `file` — opening with the path in the error, positioned reads and writes
//!   (`FileExt::read_at`/`write_at`), and [`file::Atomic`]: a file written under a
//!   temporary name and renamed over the target only when complete.
//! - `shard` — reading and writing one shard's runs, coalescing small runs into
//!   bounded span reads and big native runs straight into the shard's memory.
//! - `raw` — raw binary ([`raw::RawSpec`]: dtype, shape, offset, order), checked
//!   against the file's size and described as a header for the `.npy` readers.
//! - `npz` — `.npz` archives through the `zip` crate: stored members read in place,
//!   deflated ones inflated; writing members with NumPy's exact `.npy` bytes.
//! - `dist` — the collective operations: `load`/`save` of a DistArray (one engine
//!   checks the header and every engine gets the same verdict; every engine reads or
//!   writes only its own part; one engine renames after all have written).
//! - `text` — numeric text (`loadtxt`/`savetxt`): parsing with the `csv` crate,
//!   NumPy's result shapes, printf formats, and `da::loadtxt`'s parallel parse of one
//!   byte range per engine.
//! - `jsonl` — a DistDict as JSON Lines: `[key, value]` lines as Python's `json`
//!   writes them, read back bit for bit; the parts of the engines joined into one file
//!   atomically, and a file parsed by byte ranges with line numbers made the file's.
//! - `local` — whole NdArrays: `.npy` and raw binary files read and written by one
//!   process (the console, or one engine).
//!
//! # Invariants
//! - **No engine reads the whole file for a DistArray, and nothing passes through the
//!   console**: each engine reads its own runs with positioned reads.
//! - **A target name never holds a half-written file**: everything is written under a
//!   temporary name beside it and renamed once complete; on any error the temporary is
//!   removed and an older file under the name is left as it was.
//! - **Every engine of a collective operation reports the same error.**

pub mod dist;
pub mod elems;
pub mod error;
pub mod file;
pub mod jsonl;
pub mod local;
pub mod npy;
pub mod npz;
pub mod raw;
pub mod runs;
pub mod shard;
pub mod text;

pub use elems::FileType;
pub use error::IoError;
pub use npy::Header;
