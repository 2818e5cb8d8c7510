//! Under MPI: noticing that an engine's process died, and ending the session cleanly.
//!
//! What Open MPI (4.1) does when one rank dies (killed, crashed, or exited without
//! `MPI_Finalize`): `mpirun` notices within about a second, sends SIGTERM to every other
//! rank, then SIGKILL one second later (`odls_base_sigkill_timeout`), and prints
//! "mpirun noticed that process rank R ... exited on signal N". The job cannot go on
//! without the rank (Open MPI's `--enable-recovery` is off by default, and pshell does
//! not assume fault-tolerant MPI), so pshell does not try to continue: the console's
//! watcher sees the engine's process gone (its `/proc` entry missing or a zombie), says
//! which engine died, and exits with status 1, before mpirun's SIGTERM arrives and
//! whatever the console was doing (waiting for replies, running console code, reading the
//! next line). Engines on other hosts cannot be watched this way; their death ends the
//! job through mpirun alone, whose message names the rank (engine = rank - 1).
//!
//! An engine whose loop fails without its process dying says goodbye instead (the console
//! goes on without it, as on threads); such engines are passed in `gone` so the watcher
//! leaves them alone.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often the processes are looked at.
const EVERY: Duration = Duration::from_millis(100);

/// An engine process on this host: (engine id, pid).
pub type Watched = (usize, u32);

/// Whether process `pid` is alive (exists and is not a zombie).
pub fn alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
    // "pid (command) S ...": the state follows the last ')'.
    let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.trim_start().chars().next());
    !matches!(state, Some('Z') | Some('X') | None)
}

/// What the watcher says when engine `engine` (pid `pid`) died.
pub fn death_notice(engine: usize, pid: u32) -> String {
    format!(
        "pshell: engine {engine} (MPI rank {}, pid {pid}) died; Open MPI ends the whole job when a rank dies, so this session ends here",
        engine + 1
    )
}

/// Starts the watcher thread. It stops when `closing` is set (the console is shutting the
/// engines down); engines in `gone` are not watched.
pub fn start(engines: Vec<Watched>, closing: Arc<AtomicBool>, gone: Arc<Mutex<HashSet<usize>>>) {
    if engines.is_empty() {
        return;
    }
    let spawned = std::thread::Builder::new().name("pshell-watch".into()).spawn(move || loop {
        std::thread::sleep(EVERY);
        if closing.load(Ordering::SeqCst) {
            return;
        }
        let gone = gone.lock().map(|g| g.clone()).unwrap_or_default();
        if let Some(&(engine, pid)) = engines.iter().find(|(e, pid)| !gone.contains(e) && !alive(*pid)) {
            if closing.load(Ordering::SeqCst) {
                return;
            }
            eprintln!("{}", death_notice(engine, pid));
            std::process::exit(1);
        }
    });
    if let Err(e) = spawned {
        eprintln!("pshell: cannot watch the engine processes: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_finished_child_is_not() {
        assert!(alive(std::process::id()));
        let mut child = std::process::Command::new("true").spawn().expect("run true");
        let pid = child.id();
        child.wait().expect("reaped");
        assert!(!alive(pid));
    }
}
