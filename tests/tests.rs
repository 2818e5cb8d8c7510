//! pshell's integration tests: one binary, driving the `pshell` executable as a user
//! does (scripts in, console text and exit status out) on the threads transport, or
//! under `mpirun` with `PSHELL_TEST_TRANSPORT=mpi` (see `util`). Tests related to most
//! features go in here:
//! - `cli`: modes (-e, FILE, --spmd, stdin), exit status, usage errors.
//! - `console`: px and targets, functions shipped from the console, composite errors.
//! - `values`: values crossing between console and engines exactly.
//! - `spmd`: rank/size and the collectives, their determinism and their errors.
//! - `interrupt`: interrupting loops, receives and barriers; namespaces survive.
//! - `examples`: every examples/*.rhai runs and checks itself.
//! - `inprocess`: threads-only checks that need Rust hooks (panics inside requests).
//! - `repl`: the REPL in line mode (pipes): prompts, magics, display, errors, bad input.
//! - `repl_terminal`: the REPL on a terminal (tmux, helper `repl_tmux`): Ctrl-C, Ctrl-D,
//!   history, completion, multi-line editing, pastes, the live line.
//! - `repl_session`: examples/session.txt replayed and compared.

mod cli;
mod console;
mod examples;
mod inprocess;
mod interrupt;
mod repl;
mod repl_session;
mod repl_terminal;
mod repl_tmux;
mod spmd;
mod util;
mod values;
