//! Registration of pshell's functions into Rhai, and value conversion.
//!
//! These modules are thin: each registered function checks and converts its arguments
//! and calls plain Rust in `engine`, `client` or the data-structure modules.
//! - [`convert`]: `Dynamic` ↔ protocol `Value`.
//! - [`spmd`]: `rank size barrier bcast allreduce allgather send recv` on engines.
//! - [`console_api`]: `engines px px_async interrupt sleep` on the console.
//! - [`async_result`]: the AsyncResult that `px_async` returns.
//! - [`distdict`]: the `dd` module and `DistDict` handles (engines and console).

pub mod async_result;
pub mod console_api;
pub mod convert;
pub mod distdict;
pub mod spmd;
