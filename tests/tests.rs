//! pshell's integration tests: one binary, driving the `pshell` executable as a user
//! does (scripts in, console text and exit status out) on the threads transport, or
//! under `mpirun` with `PSHELL_TEST_TRANSPORT=mpi` (see `util`). Tests related to most
//! features go in here:
//! - `deps`: scripts/deps.sh's detection against fake roots (a bare Debian image's files).
//! - `codec_props`: property tests of the protocol codec (round trips, broken frames).
//! - `cluster`: the example Slurm batch job, parsed and run through its mpirun line.
//! - `cli`: modes (-e, FILE, --spmd, stdin), exit status, usage errors.
//! - `compare`: exact float comparisons and `isclose`, console and engines.
//! - `console`: px and targets, functions shipped from the console, composite errors.
//! - `distarray`: NdArray at the console, DistArray on engines, gather/scatter, errors.
//! - `values`: values crossing between console and engines exactly.
//! - `spmd`: rank/size and the collectives, their determinism and their errors.
//! - `interrupt`: interrupting loops, receives and barriers; namespaces survive.
//! - `distdict`: DistDict semantics, owners, SPMD/MPMD access, ordering, bad input.
//! - `examples`: every examples/*.rhai runs and checks itself.
//! - `inprocess`: threads-only checks that need Rust hooks (panics inside requests).
//! - `plot_render`: the plot layer's rendering and preview, through `pshell::plot`.
//! - `plots`: plot functions at the console and on engines, saved files, errors.
//! - `images`: PNG/SVG checks shared by the plot tests.
//! - `data`: push, pull, scatter, gather.
//! - `lists`: arrays of plain numbers travelling as typed lists, exactly and with their types.
//! - `fft`, `fft1d`: distributed FFTs (n-d, and 1-d over several engines), `fftfreq`.
//! - `sort_select`: sort, search, selection and counting against NumPy's answers, bad input.
//! - `linalg`: local linear algebra (`nd::matmul`, `nd::linalg::*`) against NumPy's answers, bad input.
//! - `linalg_dist`: `da::matmul`, tsqr, lstsq, cg, norm, eye on several engine counts and layouts.
//! - `farm`: map, lb_map, submit, wait_all.
//! - `shape_ops`: nd/da constructor parity, reshape order from any layout, refused input.
//! - `io`: data files (.npy and more) against NumPy's own files, on every distribution; bad input.
//! - `io_more`: .npz archives, raw binary and DistDicts as JSON Lines; round trips, bad input, full disk.
//! - `io_text`: loadtxt/savetxt against NumPy's files and bytes, da::loadtxt round trips, bad lines.
//! - `numpy_equiv`: the NumPy equivalence table (tests/data/numpy_equiv, its generator in
//!   tests/fixtures) on NdArrays and on DistArrays in every layout.
//! - `loss`: engines that die: threads (in process) and MPI (a rank killed).
//! - `repl`: the REPL in line mode (pipes): prompts, magics, display, errors, bad input.
//! - `repl_terminal`: the REPL on a terminal (tmux, helper `repl_tmux`): Ctrl-C, Ctrl-D,
//!   history, completion, multi-line editing, pastes, the live line.
//! - `repl_session`: examples/session.txt replayed and compared.
//! - `kernel`: the Jupyter kernel driven by jupyter_client (tests/jupyter/drive.py), kernelspecs.

mod bad_input;
mod cli;
mod cluster;
mod codec_props;
mod compare;
mod console;
mod data;
mod deps;
mod distarray;
mod distdict;
mod examples;
mod farm;
mod fft;
mod fft1d;
mod images;
mod inprocess;
mod interrupt;
mod io;
mod io_dict;
mod io_more;
mod io_text;
mod kernel;
mod linalg;
mod linalg_dist;
mod lists;
mod loss;
mod models;
mod numpy_equiv;
mod plot_render;
mod plots;
mod repl;
mod repl_session;
mod repl_terminal;
mod repl_tmux;
mod shape_ops;
mod sort_select;
mod spmd;
mod util;
mod values;
