//! The engine: a Rhai interpreter that runs requests from the console.
//!
//! An engine owns its Rhai `Engine`, a persistent `Scope` (its namespace) and a library
//! of functions (those defined at the console, in snippets, and closures). It runs one
//! request at a time from its queue and answers each with one `Reply`; a panic inside a
//! request becomes that request's error and the engine carries on. Everything the engine
//! waits for goes through the progress loop in [`state`], and Rhai's `on_progress` polls
//! it during long scripts, so an interrupt ends a running request within milliseconds.
//! Collectives live in [`collectives`], DistArray's group exchanges in [`group`]; the Rhai
//! functions that expose them are in `bindings::spmd` and `bindings::da`. `farm` calls one
//! function on many items (`map`, `lb_map`, `submit`). [`dicts`] serves DistDict messages
//! and waits for dict replies.

pub mod collectives;
pub mod dicts;
pub mod errors;
mod farm;
pub mod group;
pub mod reduce;
mod runner;
pub mod state;
pub mod status;

pub use runner::{function_names, run, EngineConfig};

/// This machine's host name, for `Hello` and `%status`.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}
