//! Where the console meets a person: which way it reads input, and Ctrl-C.
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
//! Under mpirun, rank 0's stdout is always a pseudo-terminal of mpirun's, even when
//! mpirun's own output goes to a pipe or a file: there "stdout is a terminal" means
//! mpirun's stdout is ([`note_launcher`]). And when a person types at mpirun's
//! terminal, rank 0 first puts a pseudo-terminal between mpirun and itself
//! ([`super::relay`]), so the same rule applies.

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
    mode(interactive, std::io::stdin().is_terminal(), stdout_is_terminal())
}

static STDOUT_TERMINAL: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Whether what the console prints reaches a terminal (colours, `%reset`'s question,
/// line mode).
pub fn stdout_is_terminal() -> bool {
    *STDOUT_TERMINAL.get_or_init(|| std::io::stdout().is_terminal())
}

/// Whether descriptor `fd` of the process that started this one is a terminal (`None`
/// when the system does not tell).
#[cfg(unix)]
pub fn launcher_fd_is_terminal(fd: u32) -> Option<bool> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = format!("/proc/{}/fd/{fd}", std::os::unix::process::parent_id());
    let opened = std::fs::OpenOptions::new().read(true).custom_flags(nix::fcntl::OFlag::O_NOCTTY.bits()).open(path);
    opened.ok().map(|f| f.is_terminal())
}

/// Under an MPI launcher: judge stdout by the launcher's (see the module docs). Call
/// before anything asks [`stdout_is_terminal`].
#[cfg(unix)]
pub fn note_launcher() {
    let tty = launcher_fd_is_terminal(1).unwrap_or_else(|| std::io::stdout().is_terminal());
    let _ = STDOUT_TERMINAL.set(tty);
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
