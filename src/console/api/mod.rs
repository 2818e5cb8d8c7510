//! The console's own Rhai functions, beside the console they serve.
//!
//! - [`px`]: `engines px px_async interrupt sleep`.
//! - [`async_result`]: the AsyncResult that `px_async` and `submit` return.
//! - [`data`]: `push pull scatter gather`.
//! - [`farm`]: `map lb_map submit wait_all`.
//! - [`da`]: `gather`/`scatter` of DistArrays.
//! - [`bsp`]: `bsp::run`, supersteps driven from the console.
//! - [`callback`]: user functions of the models checked before they run.

pub mod async_result;
pub mod bsp;
pub mod callback;
pub mod da;
pub mod data;
pub mod farm;
pub mod mr;
pub mod px;
