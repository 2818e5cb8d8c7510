//! Where cells come from: rustyline on a terminal ([`TerminalInput`]: editing, history
//! in the user's data directory, completion, colours), or standard input read line by
//! line ([`LineInput`], line mode: the same prompts and multi-line cells without
//! editing).
//!
//! Line mode reads on a thread of its own, so that Ctrl-C at the prompt (noticed through
//! the console's interrupt flag) drops the cell being typed, as on a terminal, and a line
//! that is not UTF-8 is reported and skipped without ending the session.

use super::complete::Names;
use super::helper::ReplHelper;
use super::screen::Style;
use super::{validate, Shared};
use crossbeam::channel::{unbounded, Receiver, RecvTimeoutError};
use rustyline::error::ReadlineError;
use rustyline::history::{FileHistory, History};
use rustyline::{ColorMode, CompletionType, Config, Editor};
use std::cell::RefCell;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// What reading a cell gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Got {
    Cell(String),
    /// Ctrl-C at the prompt: the cell being typed is dropped.
    Interrupted,
    /// The input could not be read as text; the message says where.
    Skipped(String),
    /// End of input (Ctrl-D).
    Eof,
}

/// A source of cells.
pub trait Input {
    /// Reads one cell after showing `prompt` (plain and coloured).
    fn read(&mut self, prompt: &str, styled: &str) -> Got;
    /// Asks a question; the line answered (`None` at end of input).
    fn ask(&mut self, question: &str) -> Option<String>;
    /// Keeps `cell` in the history.
    fn remember(&mut self, cell: &str);
    /// Whether a `!` command may read the terminal.
    fn shell_gets_stdin(&self) -> bool;
}

/// The history file: `$PSHELL_HISTORY` (empty: no history), else
/// `$XDG_DATA_HOME/pshell/history`, else `~/.local/share/pshell/history`.
pub fn history_path() -> Option<PathBuf> {
    history_path_in(|name| std::env::var_os(name))
}

fn history_path_in(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    if let Some(p) = var("PSHELL_HISTORY") {
        return (!p.is_empty()).then(|| PathBuf::from(p));
    }
    let data = var("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(data.join("pshell").join("history"))
}

pub struct TerminalInput {
    editor: Editor<ReplHelper, FileHistory>,
    history: Option<PathBuf>,
}

impl TerminalInput {
    pub fn new(style: Style, shared: Rc<RefCell<Shared>>, names: Rc<RefCell<Names>>) -> Result<TerminalInput, String> {
        let config = Config::builder()
            .auto_add_history(false)
            .completion_type(CompletionType::List)
            .max_history_size(10_000)
            .map_err(|e| e.to_string())?
            .history_ignore_dups(true)
            .map_err(|e| e.to_string())?
            .color_mode(if style.color { ColorMode::Enabled } else { ColorMode::Disabled })
            // Asking the terminal where the cursor is races with keys typed ahead: a key
            // arriving before the answer is eaten, and the answer becomes keys. Every
            // output of the session ends its line, so the prompt starts a line anyway.
            .check_cursor_position(false)
            .build();
        let mut editor = Editor::with_config(config).map_err(|e| format!("cannot start the line editor: {e}"))?;
        editor.set_helper(Some(ReplHelper::new(style, shared, names)));
        let history = history_path();
        if let Some(path) = &history {
            if path.exists() {
                if let Err(e) = editor.load_history(path) {
                    eprintln!("pshell: cannot read the history in {}: {e}", path.display());
                }
            }
        }
        Ok(TerminalInput { editor, history })
    }
}

impl Input for TerminalInput {
    fn read(&mut self, prompt: &str, styled: &str) -> Got {
        match self.editor.readline(&(prompt, styled)) {
            Ok(cell) => Got::Cell(cell),
            Err(ReadlineError::Interrupted) => Got::Interrupted,
            Err(ReadlineError::Eof) => Got::Eof,
            Err(e) => Got::Skipped(format!("cannot read the line: {e}")),
        }
    }

    fn ask(&mut self, question: &str) -> Option<String> {
        match self.editor.readline(question) {
            Ok(answer) => Some(answer),
            Err(ReadlineError::Interrupted) => Some(String::new()),
            Err(_) => None,
        }
    }

    fn remember(&mut self, cell: &str) {
        let _ = self.editor.add_history_entry(cell);
        let Some(path) = &self.history else { return };
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = self.editor.history_mut().save(path) {
            eprintln!("pshell: cannot save the history in {}: {e}", path.display());
            self.history = None;
        }
    }

    fn shell_gets_stdin(&self) -> bool {
        true
    }
}

/// One line of standard input: its text, or its number if it is not UTF-8.
type Line = Result<String, usize>;

pub struct LineInput {
    lines: Receiver<Line>,
    parser: rhai::Engine,
    interrupted: Arc<AtomicBool>,
    /// A cell cut short by the end of input is run; the end is reported next time.
    ended: bool,
}

impl LineInput {
    /// Starts reading standard input; `interrupted` is the flag Ctrl-C sets.
    pub fn new(interrupted: Arc<AtomicBool>) -> LineInput {
        let (tx, rx) = unbounded();
        std::thread::Builder::new()
            .name("pshell-stdin".into())
            .spawn(move || {
                let mut stdin = std::io::stdin().lock();
                let mut n = 0;
                loop {
                    let mut buf = Vec::new();
                    match stdin.read_until(b'\n', &mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                    n += 1;
                    if buf.ends_with(b"\n") {
                        buf.pop();
                        if buf.ends_with(b"\r") {
                            buf.pop();
                        }
                    }
                    let line = String::from_utf8(buf).map_err(|_| n);
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            })
            .expect("start the stdin reader");
        LineInput { lines: rx, parser: validate::parser(), interrupted, ended: false }
    }

    /// The next line; `None` at the end, `Some(Err)` on Ctrl-C (and the flag is left set).
    fn next_line(&mut self) -> Option<Result<Line, ()>> {
        loop {
            if self.interrupted.load(Ordering::SeqCst) {
                return Some(Err(()));
            }
            match self.lines.recv_timeout(Duration::from_millis(20)) {
                Ok(line) => return Some(Ok(line)),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
    }
}

fn show(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

impl Input for LineInput {
    fn read(&mut self, prompt: &str, styled: &str) -> Got {
        if self.ended {
            return Got::Eof;
        }
        show(styled);
        let more = format!("{}...: ", " ".repeat(prompt.chars().count().saturating_sub(5)));
        let mut cell = String::new();
        let mut first = true;
        loop {
            match self.next_line() {
                None => {
                    self.ended = true;
                    show("\n");
                    return if cell.trim().is_empty() { Got::Eof } else { Got::Cell(cell) };
                }
                Some(Err(())) => {
                    show("\n");
                    return Got::Interrupted;
                }
                Some(Ok(Err(n))) => {
                    // Skip the rest of the cell too: its remaining lines make no sense alone.
                    show("\n");
                    return Got::Skipped(format!("line {n} of the input is not valid UTF-8; the cell was skipped"));
                }
                Some(Ok(Ok(line))) => {
                    if !first {
                        cell.push('\n');
                    }
                    first = false;
                    cell.push_str(&line);
                    if !validate::needs_more(&self.parser, &cell) {
                        return Got::Cell(cell);
                    }
                    show(&more);
                }
            }
        }
    }

    fn ask(&mut self, question: &str) -> Option<String> {
        show(question);
        match self.next_line() {
            Some(Ok(Ok(answer))) => Some(answer),
            Some(_) => Some(String::new()),
            None => None,
        }
    }

    fn remember(&mut self, _cell: &str) {}

    fn shell_gets_stdin(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_lives_in_the_data_directory() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| std::ffi::OsString::from(v))
        };
        let path = |pairs| history_path_in(env(pairs));
        assert_eq!(path(&[("XDG_DATA_HOME", "/data"), ("HOME", "/h")]), Some(PathBuf::from("/data/pshell/history")));
        assert_eq!(path(&[("HOME", "/home/u")]), Some(PathBuf::from("/home/u/.local/share/pshell/history")));
        assert_eq!(path(&[("PSHELL_HISTORY", "/tmp/h"), ("HOME", "/h")]), Some(PathBuf::from("/tmp/h")));
        assert_eq!(path(&[("PSHELL_HISTORY", ""), ("HOME", "/h")]), None);
        assert_eq!(path(&[]), None);
    }
}
