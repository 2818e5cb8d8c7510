//! pshell: an interactive shell for parallel computing.
//!
//! A person writes Rhai at a console; the console runs it locally or sends it to many
//! engines (Rhai interpreters in threads or MPI ranks) which compute in parallel, talk to
//! each other through collectives, and send back values, printed output and errors.
//!
//! # Layout
//! - [`protocol`]: the messages and their exact encoding (no I/O, no Rhai).
//! - [`transport`]: one trait; threads (crossbeam) and MPI (feature `mpi`).
//! - [`engine`]: an engine's state, progress loop and services (collectives, dicts, status).
//! - [`runner`]: the engine loop: its Rhai engine with every binding, namespace, requests.
//! - [`client`]: console-side requests: execute, interrupt, define functions.
//! - [`console`]: batch runs, the REPL, the display of results and errors, and the
//!   console's own Rhai functions (`console::api`).
//! - [`distdict`]: the distributed dictionary: hashing, owners, SPMD and MPMD access.
//! - [`bindings`]: registration of the above as Rhai functions, and value conversion.
//! - [`plot`]: rendering plots to PNG/SVG and a terminal preview (no Rhai, no I/O).
//! - [`nd`]: NdArray, the local typed n-d array, and the numeric kernels of every array.
//! - [`distarray`]: distributions, DistArray and its collective operations.
//! - [`interrupt`]: the interrupt watch native kernels poll between blocks of work.
//! - [`memory`]: huge-page advice for big buffers, and the allocator that reuses them.
//! - [`launch`]: picks the transport and starts console and engines.
//! - [`watch`]: under MPI, notices an engine process that died and ends the session.
//!
//! See ARCHITECTURE.md for the invariants.

pub mod bindings;
pub mod client;
pub mod console;
pub mod distarray;
pub mod distdict;
pub mod engine;
pub mod interrupt;
pub mod io;
pub mod kernel;
pub mod launch;
pub mod linalg;
pub mod memory;
pub mod nd;
pub mod plot;
pub mod protocol;
pub mod runner;
pub mod transport;
pub mod watch;

/// Big blocks freed are reused for a moment before going back to the kernel (see
/// [`memory::cache`]).
#[global_allocator]
static ALLOCATOR: memory::cache::Recycler = memory::cache::Recycler;
