//! A terminal for the REPL tests: tmux runs pshell in a pane of its own server; a test
//! types with `send-keys` and reads the screen with `capture-pane`, as a person would.
//! tmux must be installed (scripts/test.sh installs it); without it these tests fail
//! and say so.

use crate::util::{self, On};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// How long a test waits for the screen to show what it expects.
const PATIENCE: Duration = Duration::from_secs(60);

/// A tmux server with one pane running a command.
pub struct Pane {
    socket: String,
}

fn tmux_available() -> bool {
    Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success())
}

impl Pane {
    /// Starts `pshell ARGS` on `on` in a 100×50 pane, with `env` set. When pshell ends,
    /// the pane prints `[exit N]` and stays.
    pub fn pshell(on: On, args: &[&str], env: &[(&str, &str)]) -> Pane {
        assert!(tmux_available(), "these tests drive the REPL in tmux: install tmux (scripts/test.sh does)");
        let bin = util::binary();
        let mut line = match on {
            On::Threads(n) => format!("{} -n {n}", bin.display()),
            On::Mpi(n) => format!("mpirun --oversubscribe -n {} {}", n + 1, bin.display()),
        };
        for a in args {
            line.push(' ');
            line.push_str(a);
        }
        // The shell ignores the Ctrl-C meant for pshell (its children get SIGINT as usual).
        Pane::start(&format!("trap : INT; {line}; echo \"[exit $?]\"; exec sleep 100000"), env)
    }

    fn start(shell_line: &str, env: &[(&str, &str)]) -> Pane {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let socket = format!("pshell-test-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst));
        let mut cmd = Command::new("tmux");
        cmd.args(["-L", &socket, "-f", "/dev/null", "new-session", "-d", "-x", "100", "-y", "50", "-s", "t"]);
        cmd.args(["sh", "-c", shell_line]);
        util::mpi_env(&mut cmd);
        cmd.env_remove("NO_COLOR").env_remove("TMUX");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run tmux");
        assert!(out.status.success(), "tmux did not start: {}", String::from_utf8_lossy(&out.stderr));
        let pane = Pane { socket };
        pane.tmux(&["set-option", "-g", "history-limit", "50000"]);
        pane
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types `text` literally (no key names, no Enter).
    pub fn type_text(&self, text: &str) {
        // tmux reads an argument ending in ';' as the end of its command.
        let escaped = match text.strip_suffix(';') {
            Some(head) => format!("{head}\\;"),
            None => text.to_string(),
        };
        self.tmux(&["send-keys", "-t", "t", "-l", &escaped]);
    }

    /// Presses keys by name: "Enter", "C-c", "C-d", "Tab", "Up".
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Types a line and presses Enter.
    pub fn line(&self, text: &str) {
        self.type_text(text);
        self.keys(&["Enter"]);
    }

    /// Pastes `text` as a terminal paste (bracketed when the program asks for it).
    pub fn paste(&self, text: &str, dir: &Path) {
        let file = dir.join("paste.txt");
        std::fs::write(&file, text).expect("write the paste");
        self.tmux(&["load-buffer", "-b", "p", file.to_str().expect("utf-8 path")]);
        self.tmux(&["paste-buffer", "-p", "-d", "-b", "p", "-t", "t"]);
    }

    /// Everything the pane shows and has scrolled off, lines joined where they wrapped.
    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-J", "-S", "-", "-t", "t"])
    }

    /// Waits until the screen satisfies `done`; panics with the screen if it does not
    /// within a minute. Returns the screen.
    pub fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if done(&s) {
                return s;
            }
            if start.elapsed() > PATIENCE {
                panic!("the screen never showed {what}:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the screen contains `text` `times` times.
    pub fn wait_count(&self, text: &str, times: usize) -> String {
        self.wait_for(&format!("{text:?} {times} times"), |s| s.matches(text).count() >= times)
    }

    /// Waits for `text` on the screen.
    pub fn wait(&self, text: &str) -> String {
        self.wait_count(text, 1)
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}
