//! Under `mpirun`: a pseudo-terminal between mpirun and the console, so that the REPL
//! edits lines as on any terminal and Ctrl-C interrupts the engines instead of ending
//! the job.
//!
//! # What Open MPI does (4.1, measured)
//! Every rank runs in its own process group, in mpirun's session; only mpirun's group is
//! in the terminal's foreground. Rank 0's stdin is a pipe that mpirun fills with what it
//! reads from its own stdin; its stdout is a pseudo-terminal that mpirun copies out. So:
//! - Ctrl-C makes the terminal send SIGINT to mpirun alone, which answers with SIGTERM
//!   to every rank: the session ends.
//! - Rank 0 cannot read the terminal itself: it is not in the foreground group, and a
//!   background read stops it (SIGTTIN). Taking the foreground does not help either:
//!   mpirun's stdin reader, armed at start, then reads from the background and mpirun
//!   is stopped by SIGTTIN (the shell reports the job stopped).
//!
//! # What pshell does
//! When mpirun's stdin and stdout are the terminal that controls rank 0 (a person types
//! at it and reads it), rank 0 switches that terminal to raw input (no line buffering,
//! no echo, no signals from keys): mpirun, still in the foreground, forwards every key
//! as it is typed, and
//! Ctrl-C arrives as the byte 0x03 instead of a SIGINT. Rank 0 opens a pseudo-terminal,
//! makes it its stdin, stdout and stderr (so rustyline runs on a real terminal with the
//! real window size), copies the keys from mpirun's pipe into it, and what rustyline and
//! the console write onto the real terminal. A Ctrl-C byte goes to rustyline while it
//! edits a line (it clears the line); while the console runs a cell it becomes a SIGINT
//! that rank 0 sends itself, which the REPL's handler turns into an interrupt of the
//! engines. The terminal's settings come back when the console ends, or when rank 0 is
//! told to stop (SIGTERM, SIGHUP). What cannot be done: a `!CMD` run from the REPL is not
//! interrupted by Ctrl-C there (the pseudo-terminal has no session to signal), and a rank
//! 0 killed by SIGKILL leaves the terminal raw (`reset` repairs it).

use nix::sys::termios::{self, LocalFlags, SetArg, Termios};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Ctrl-C as a byte.
const ETX: u8 = 0x03;

/// The relay; restores the terminal and the standard descriptors when dropped.
pub struct Relay {
    tty: File,
    saved: Termios,
    /// The descriptors 0, 1 and 2 had before.
    originals: [OwnedFd; 3],
    output: Option<JoinHandle<()>>,
    done: Arc<AtomicBool>,
}

/// Whether the launcher's (mpirun's) descriptor `fd` is this process's controlling
/// terminal.
fn launcher_uses_our_terminal(fd: u32) -> bool {
    let path = format!("/proc/{}/fd/{fd}", std::os::unix::process::parent_id());
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::fcntl::OFlag::O_NOCTTY.bits())
        .open(path)
        .ok()
        // tcgetpgrp succeeds only on a controlling terminal of this process.
        .is_some_and(|f| nix::unistd::tcgetpgrp(&f).is_ok())
}

fn window_size(fd: &impl AsFd) -> Option<nix::pty::Winsize> {
    let mut ws = nix::pty::Winsize { ws_row: 0, ws_col: 0, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCGWINSZ writes one `winsize` into the pointed-to struct.
    let r = unsafe { nix::libc::ioctl(fd.as_fd().as_raw_fd(), nix::libc::TIOCGWINSZ, &mut ws) };
    (r == 0 && ws.ws_col > 0).then_some(ws)
}

fn set_window_size(fd: &impl AsFd, ws: &nix::pty::Winsize) {
    // SAFETY: TIOCSWINSZ reads one `winsize` from the pointed-to struct.
    unsafe { nix::libc::ioctl(fd.as_fd().as_raw_fd(), nix::libc::TIOCSWINSZ, ws) };
}

/// Starts the relay if a person types at mpirun's terminal and reads it (mpirun's stdin
/// and stdout are this process's controlling terminal) and stdin is mpirun's pipe;
/// `None` otherwise (or if the system refuses), leaving everything as it was.
pub fn start() -> Option<Relay> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() || !launcher_uses_our_terminal(0) || !launcher_uses_our_terminal(1) {
        return None;
    }
    // Rank 0 is in a background process group: changing the terminal's settings (and
    // writing to it under `stty tostop`) would stop it with SIGTTOU unless blocked.
    // Threads started from here on inherit the mask.
    let mut ttou = nix::sys::signal::SigSet::empty();
    ttou.add(nix::sys::signal::Signal::SIGTTOU);
    ttou.thread_block().ok()?;
    let tty = std::fs::OpenOptions::new().read(true).write(true).open("/dev/tty").ok()?;
    let saved = termios::tcgetattr(&tty).ok()?;
    let ws = window_size(&tty);
    let pty = nix::pty::openpty(ws.as_ref(), None).ok()?;
    let originals = [
        nix::unistd::dup(std::io::stdin()).ok()?,
        nix::unistd::dup(std::io::stdout()).ok()?,
        nix::unistd::dup(std::io::stderr()).ok()?,
    ];
    let mut raw = saved.clone();
    raw.local_flags.remove(LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ISIG | LocalFlags::IEXTEN);
    raw.input_flags.remove(termios::InputFlags::IXON | termios::InputFlags::ICRNL);
    raw.control_chars[termios::SpecialCharacterIndices::VMIN as usize] = 1;
    raw.control_chars[termios::SpecialCharacterIndices::VTIME as usize] = 0;
    termios::tcsetattr(&tty, SetArg::TCSADRAIN, &raw).ok()?;
    let _ = std::io::stdout().flush();
    for (fd, moved) in [
        nix::unistd::dup2_stdin(&pty.slave),
        nix::unistd::dup2_stdout(&pty.slave),
        nix::unistd::dup2_stderr(&pty.slave),
    ]
    .into_iter()
    .enumerate()
    {
        if moved.is_err() {
            eprintln!("pshell: cannot relay descriptor {fd}; Ctrl-C will end the job");
        }
    }
    drop(pty.slave);
    let done = Arc::new(AtomicBool::new(false));
    let master = File::from(pty.master);
    let keys = File::from(originals[0].try_clone().ok()?);
    spawn_keys(keys, master.try_clone().ok()?);
    let output = spawn_output(master.try_clone().ok()?, tty.try_clone().ok()?);
    spawn_resizer(master, tty.try_clone().ok()?, done.clone());
    spawn_stopper(tty.try_clone().ok()?, saved.clone());
    Some(Relay { tty, saved, originals, output: Some(output), done })
}

/// Keys from mpirun's pipe into the pseudo-terminal; Ctrl-C while no line is being
/// edited (the pseudo-terminal is in its normal, signal-generating mode) becomes SIGINT.
fn spawn_keys(mut keys: File, mut master: File) {
    let _ = std::thread::Builder::new().name("pshell-keys".into()).spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            let n = match keys.read(&mut buf) {
                Ok(0) | Err(_) => {
                    let _ = master.write_all(&[0x04]); // end of input: Ctrl-D
                    return;
                }
                Ok(n) => n,
            };
            let editing = termios::tcgetattr(&master).is_ok_and(|t| !t.local_flags.contains(LocalFlags::ISIG));
            if editing {
                let _ = master.write_all(&buf[..n]);
                continue;
            }
            for part in buf[..n].split_inclusive(|&b| b == ETX) {
                let (text, ctrl_c) = match part.split_last() {
                    Some((&ETX, text)) => (text, true),
                    _ => (part, false),
                };
                let _ = master.write_all(text);
                if ctrl_c {
                    let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGINT);
                }
            }
        }
    });
}

/// What is written to the pseudo-terminal, onto the real terminal.
fn spawn_output(mut master: File, mut tty: File) -> JoinHandle<()> {
    std::thread::Builder::new()
        .name("pshell-screen".into())
        .spawn(move || {
            let mut buf = [0u8; 16384];
            // Ends with EIO once every descriptor of the other side is closed.
            while let Ok(n) = master.read(&mut buf) {
                if n == 0 || tty.write_all(&buf[..n]).is_err() {
                    break;
                }
                let _ = tty.flush();
            }
        })
        .expect("start the screen relay")
}

/// Follows the real terminal's size (rank 0 gets no SIGWINCH: it is not in the
/// foreground), and tells rustyline.
fn spawn_resizer(master: File, tty: File, done: Arc<AtomicBool>) {
    let _ = std::thread::Builder::new().name("pshell-resize".into()).spawn(move || {
        let mut last = window_size(&tty).map(|w| (w.ws_row, w.ws_col));
        while !done.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(300));
            if let Some(ws) = window_size(&tty) {
                if last != Some((ws.ws_row, ws.ws_col)) {
                    last = Some((ws.ws_row, ws.ws_col));
                    set_window_size(&master, &ws);
                    let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGWINCH);
                }
            }
        }
    });
}

/// Restores the terminal if rank 0 is told to stop (mpirun sends SIGTERM when the job
/// aborts), then ends as that signal would.
fn spawn_stopper(tty: File, saved: Termios) {
    use signal_hook::consts::{SIGHUP, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP]) else { return };
    let _ = std::thread::Builder::new().name("pshell-stop".into()).spawn(move || {
        if let Some(sig) = signals.forever().next() {
            let _ = termios::tcsetattr(&tty, SetArg::TCSANOW, &saved);
            std::process::exit(128 + sig);
        }
    });
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = std::io::stdout().flush();
        self.done.store(true, Ordering::Relaxed);
        // Closing every descriptor of the pseudo-terminal's slave side lets the screen
        // relay drain what is left and end.
        let _ = nix::unistd::dup2_stdin(&self.originals[0]);
        let _ = nix::unistd::dup2_stdout(&self.originals[1]);
        let _ = nix::unistd::dup2_stderr(&self.originals[2]);
        if let Some(h) = self.output.take() {
            let deadline = std::time::Instant::now() + Duration::from_secs(1);
            while !h.is_finished() && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        let _ = termios::tcsetattr(&self.tty, SetArg::TCSADRAIN, &self.saved);
    }
}
