//! The engine's state and the services built on it (below the bindings).
//!
//! What an engine knows between and during requests is in [`state`]; everything it waits
//! for goes through the progress loop there, which Rhai's `on_progress` polls during long
//! scripts, so an interrupt ends a running request within milliseconds. Collectives live
//! in [`collectives`], DistArray's group exchanges in [`group`]; the Rhai functions that
//! expose them are in `bindings::spmd` and `bindings::da`. [`dicts`] serves DistDict
//! messages and waits for dict replies; [`status`] answers `%status`. The request loop
//! that builds the engine's Rhai and runs requests is `runner`, one layer up.

pub mod collectives;
pub mod dicts;
pub mod errors;
pub mod exchange;
pub mod group;
pub mod reduce;
pub mod state;
pub mod status;

/// This machine's host name, for `Hello` and `%status`.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}
