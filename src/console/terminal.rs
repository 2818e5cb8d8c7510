//! Where the console meets a person: which way it reads input, Ctrl-C, and under
//! `mpirun` the adoption of the launcher's terminal.
//!
//! # Which mode
//! [`mode`] decides from what stdin and stdout are:
//! - stdin is a terminal → the full REPL on rustyline ([`Mode::Terminal`]);
//! - stdin is not, but stdout is (`cat cells.txt | pshell` in a terminal), or `-i` was
//!   given → the same REPL read line by line ([`Mode::Lines`]): prompts, multi-line
//!   cells, magics and results, no line editing;
//! - neither (`echo 'px("1")' | pshell > out`) → stdin is a batch script
//!   ([`Mode::Script`]), as `pshell -` always is.
//!
//! # Under mpirun
//! Open MPI starts every rank in its own process group with stdin a pipe that mpirun
//! feeds (rank 0 only) and stdout a pseudo-terminal that mpirun copies to its own; only
//! mpirun's process group is in the terminal's foreground. So Ctrl-C in the terminal
//! reaches mpirun alone, which answers by sending SIGTERM to every rank: the session
//! ends. To keep it, rank 0 [`adopt`]s the terminal when mpirun's own stdin, stdout or
//! stderr is the terminal that controls rank 0: it puts that terminal on the same file
//! descriptors (so [`mode`] then sees a terminal and rustyline edits lines on it
//! directly) and makes its own process group the terminal's foreground group. Ctrl-C then
//! reaches rank 0 only, which interrupts the engines; mpirun, now in the background,
//! stops reading the terminal (Open MPI reads stdin only in the foreground). Ctrl-Z is
//! ignored there: stopping rank 0 alone would leave the terminal to a stopped process.
//! The foreground goes back to mpirun's group when the console ends. When rank 0 runs on
//! another host than mpirun (no controlling terminal), nothing is adopted: the console
//! reads mpirun's pipe in line mode, and Ctrl-C ends the job, as Open MPI decides.

use std::io::IsTerminal;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// How the console reads its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// rustyline on a terminal: editing, history, completion, highlighting.
    Terminal,
    /// The REPL read line by line from a pipe.
    Lines,
    /// Standard input is a script, run as a batch.
    Script,
}

/// The mode for a console without a FILE or `-e`; `interactive` is `-i`.
pub fn mode(interactive: bool, stdin_tty: bool, stdout_tty: bool) -> Mode {
    if stdin_tty {
        Mode::Terminal
    } else if interactive || stdout_tty {
        Mode::Lines
    } else {
        Mode::Script
    }
}

/// [`mode`] for this process's stdin and stdout.
pub fn current_mode(interactive: bool) -> Mode {
    mode(interactive, std::io::stdin().is_terminal(), std::io::stdout().is_terminal())
}

/// While alive, SIGINT (Ctrl-C) sets the given flags instead of ending the process.
pub struct CtrlC {
    ids: Vec<signal_hook::SigId>,
}

impl CtrlC {
    pub fn catch(flags: &[Arc<AtomicBool>]) -> std::io::Result<CtrlC> {
        let ids = flags
            .iter()
            .map(|f| signal_hook::flag::register(signal_hook::consts::SIGINT, f.clone()))
            .collect::<Result<_, _>>()?;
        Ok(CtrlC { ids })
    }
}

impl Drop for CtrlC {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

/// The terminal adopted from mpirun; gives the foreground back when dropped.
pub struct Adopted {
    #[cfg(unix)]
    tty: std::fs::File,
    #[cfg(unix)]
    previous: nix::unistd::Pid,
    _tstp: Option<signal_hook::SigId>,
}

impl Drop for Adopted {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            let _ = set_foreground(&self.tty, self.previous);
        }
        if let Some(id) = self._tstp.take() {
            signal_hook::low_level::unregister(id);
        }
    }
}

/// Makes `pgrp` the foreground process group of `tty`. A process in a background group
/// may do so only with SIGTTOU blocked (otherwise it is stopped for trying).
#[cfg(unix)]
fn set_foreground(tty: &std::fs::File, pgrp: nix::unistd::Pid) -> nix::Result<()> {
    use nix::sys::signal::{SigSet, Signal};
    let mut ttou = SigSet::empty();
    ttou.add(Signal::SIGTTOU);
    ttou.thread_block()?;
    let done = nix::unistd::tcsetpgrp(tty, pgrp);
    let _ = ttou.thread_unblock();
    done
}

/// Under mpirun: takes over the launcher's terminal (see the module docs). `None` when
/// the launcher's stdin, stdout and stderr are none of them this process's controlling
/// terminal, or the system refuses.
#[cfg(unix)]
pub fn adopt() -> Option<Adopted> {
    use std::os::unix::fs::OpenOptionsExt;
    let tty = std::fs::OpenOptions::new().read(true).write(true).open("/dev/tty").ok()?;
    let previous = nix::unistd::tcgetpgrp(&tty).ok()?;
    let launcher = std::os::unix::process::parent_id();
    let mut adopted = false;
    for fd in 0..=2 {
        // The launcher's descriptor is our terminal if, opened again, it is a
        // controlling terminal of ours (tcgetpgrp fails on any other file).
        let path = format!("/proc/{launcher}/fd/{fd}");
        let same = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(nix::fcntl::OFlag::O_NOCTTY.bits())
            .open(&path)
            .ok()
            .is_some_and(|f| f.is_terminal() && nix::unistd::tcgetpgrp(&f).is_ok());
        if !same {
            continue;
        }
        let moved = match fd {
            0 => nix::unistd::dup2_stdin(&tty),
            1 => nix::unistd::dup2_stdout(&tty),
            _ => nix::unistd::dup2_stderr(&tty),
        };
        adopted |= moved.is_ok();
    }
    if !adopted {
        return None;
    }
    set_foreground(&tty, nix::unistd::getpgrp()).ok()?;
    let tstp = signal_hook::flag::register(signal_hook::consts::SIGTSTP, Arc::new(AtomicBool::new(false))).ok();
    Some(Adopted { tty, previous, _tstp: tstp })
}

#[cfg(not(unix))]
pub fn adopt() -> Option<Adopted> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mode_follows_stdin_then_stdout() {
        assert_eq!(mode(false, true, true), Mode::Terminal);
        assert_eq!(mode(false, true, false), Mode::Terminal);
        assert_eq!(mode(false, false, true), Mode::Lines);
        assert_eq!(mode(true, false, false), Mode::Lines);
        assert_eq!(mode(false, false, false), Mode::Script);
    }
}
