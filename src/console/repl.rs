//! The interactive loop: numbered prompts, cells run on the console (or on the engines
//! under `%autopx`), results as `Out[n]:`, errors that keep the session going, Ctrl-C
//! that interrupts what runs, Ctrl-D or `%quit` that ends the session.
//!
//! A cell is one of: `!CMD` (the system shell), `%magic ...` (see [`super::magics`]),
//! or Rhai code, run on the console, or with `%autopx` on the target engines, whose
//! values show tagged by engine with identical values collapsed (`Out[3]: [0-3] 42`).
//! `px(...)` typed at the console is a console call and its value shows as the array it
//! is. Ctrl-C sets two flags (see [`super::terminal::CtrlC`]): the client's, which
//! interrupts the requests in flight on their targets, and the console's, which stops
//! console code; the cell then reports which engines were interrupted.

use super::complete::Names;
use super::input::{Got, Input, LineInput, TerminalInput};
use super::screen::{self, Screen, Style};
use super::terminal::{CtrlC, Mode};
use super::{display, show, Console};
use crate::engine::collectives::engine_list;
use crate::protocol::Value;
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// What a cell did: `Err` is the error text to show.
pub(super) type Outcome = Result<(), String>;

/// The state of an interactive session.
pub struct Session<'c> {
    pub(super) console: &'c mut Console,
    pub(super) input: Box<dyn Input>,
    pub(super) style: Style,
    screen: Rc<RefCell<Screen>>,
    /// The number of the next cell.
    pub(super) count: usize,
    /// Cells go to the engines.
    pub(super) autopx: bool,
    /// The engines `%px`, `%autopx`, `%time` and `%pxrun` use; `None`: all.
    pub(super) targets: Option<Vec<usize>>,
    /// Someone watches the output (stdout is a terminal): `%reset` asks first.
    pub(super) watched: bool,
    pub(super) quit: bool,
    names: Rc<RefCell<Names>>,
    /// Where the session's output goes when it is not the terminal (the Jupyter kernel).
    out: Option<Rc<dyn Fn(Shown)>>,
}

/// A piece of a cell's output, for a front end other than the terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// Text the terminal would print (magics' answers, notes).
    Text(String),
    /// The cell's value, as `Out[n]:` shows it (without the `Out[n]: ` lead).
    Value(String),
    /// An error: its text as the terminal shows it after `error: `.
    Error(String),
    /// Ctrl-C (or an interrupt request) stopped the cell; the line says which engines.
    Interrupted(String),
}

/// Runs the REPL until end of input or `%quit`; `mode` is Terminal or Lines.
pub fn run(console: &mut Console, mode: Mode, screen: Rc<RefCell<Screen>>) {
    let style = screen.borrow().style;
    let shared = console.shared.clone();
    let names = Rc::new(RefCell::new(Names::default()));
    let flags = {
        let s = shared.borrow();
        [s.interrupted.clone(), s.client.interrupt_flag()]
    };
    let _ctrl_c =
        CtrlC::catch(&flags).map_err(|e| eprintln!("pshell: Ctrl-C will end pshell (cannot catch SIGINT: {e})")).ok();
    let input: Box<dyn Input> = match mode {
        Mode::Terminal => match TerminalInput::new(style, shared.clone(), names.clone()) {
            Ok(t) => Box::new(t),
            Err(e) => {
                eprintln!("pshell: {e}; reading line by line");
                Box::new(LineInput::new(flags[0].clone()))
            }
        },
        _ => Box::new(LineInput::new(flags[0].clone())),
    };
    if mode == Mode::Terminal {
        screen.borrow_mut().live = true;
        shared.borrow_mut().client.set_wait_hook(Some(screen::wait_hook(&screen)));
    }
    let (n, kind) = {
        let s = shared.borrow();
        (s.client.engines(), s.client.transport_kind())
    };
    println!(
        "pshell {}: {n} engines over {kind}. %help lists magics and functions; Ctrl-C interrupts; Ctrl-D quits.",
        env!("CARGO_PKG_VERSION")
    );
    let mut session = Session {
        console,
        input,
        style,
        screen,
        count: 1,
        autopx: false,
        targets: None,
        watched: super::terminal::stdout_is_terminal(),
        quit: false,
        names,
        out: None,
    };
    session.refresh_names();
    while !session.quit {
        session.console.shared.borrow_mut().client.pump(Duration::ZERO);
        let (plain, styled) = session.prompt();
        match session.input.read(&plain, &styled) {
            Got::Cell(cell) if cell.trim().is_empty() => {}
            Got::Cell(cell) => {
                session.input.remember(&cell);
                session.run_cell(&cell);
            }
            Got::Interrupted => session.clear_interrupts(),
            Got::Skipped(msg) => session.show_error(&msg),
            Got::Eof => break,
        }
    }
    shared.borrow_mut().client.set_wait_hook(None);
}

impl<'c> Session<'c> {
    /// A session for another front end: cells come from [`Session::run_cell`], their
    /// output goes to `out`; `input` answers questions (`%reset` asks none: not watched).
    pub fn for_front_end(console: &'c mut Console, input: Box<dyn Input>, out: Rc<dyn Fn(Shown)>) -> Session<'c> {
        let mut session = Session {
            console,
            input,
            style: Style::plain(),
            screen: Screen::new(Style::plain(), false),
            count: 1,
            autopx: false,
            targets: None,
            watched: false,
            quit: false,
            names: Rc::new(RefCell::new(Names::default())),
            out: Some(out),
        };
        session.refresh_names();
        session
    }

    /// The number of the next cell.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Whether `%quit` was asked for.
    pub fn quit_asked(&self) -> bool {
        self.quit
    }

    /// The console this session drives.
    pub fn console(&mut self) -> &mut Console {
        self.console
    }

    /// The names completion draws from (the console's variables and functions).
    pub fn names(&self) -> Names {
        self.names.borrow().clone()
    }

    /// The prompt, plain and coloured: `In [3]: `, `[px] In [3]: `, `[px 0,2] In [3]: `.
    pub(super) fn prompt(&self) -> (String, String) {
        let mark = match (&self.targets, self.autopx) {
            (_, false) => String::new(),
            (None, true) => "[px] ".to_string(),
            (Some(t), true) => format!("[px {}] ", engine_list(t)),
        };
        let plain = format!("{mark}In [{}]: ", self.count);
        let styled = self.style.prompt(&plain);
        (plain, styled)
    }

    /// The engines `%px` and friends use.
    pub(super) fn targets(&self) -> Vec<usize> {
        match &self.targets {
            Some(t) => t.clone(),
            None => (0..self.console.shared.borrow().client.engines()).collect(),
        }
    }

    fn clear_interrupts(&mut self) {
        let mut shared = self.console.shared.borrow_mut();
        shared.interrupted.store(false, Ordering::SeqCst);
        shared.client.interrupt_flag().store(false, Ordering::SeqCst);
        shared.client.take_interrupted();
    }

    /// Runs one non-empty cell and shows what it gave.
    pub fn run_cell(&mut self, cell: &str) {
        let n = self.count;
        self.count += 1;
        self.clear_interrupts();
        let trimmed = cell.trim();
        let outcome = if let Some(cmd) = trimmed.strip_prefix('!') {
            self.shell(cmd)
        } else if let Some(magic) = trimmed.strip_prefix('%') {
            self.magic(magic, n)
        } else if self.autopx {
            let targets = self.targets();
            self.px(cell, n, &targets)
        } else {
            self.console_cell(cell, n)
        };
        self.screen.borrow_mut().clear();
        let (hit, engines) = {
            let mut shared = self.console.shared.borrow_mut();
            (shared.interrupted.swap(false, Ordering::SeqCst), shared.client.take_interrupted())
        };
        if hit {
            let what = if engines.is_empty() {
                "KeyboardInterrupt".to_string()
            } else {
                format!("KeyboardInterrupt: interrupted engines {} (their variables are kept)", engine_list(&engines))
            };
            match &self.out {
                Some(out) => out(Shown::Interrupted(what)),
                None => self.show_error_line(&what),
            }
        } else if let Err(text) = outcome {
            self.show_error(&text);
        }
        self.refresh_names();
    }

    fn console_cell(&mut self, cell: &str, n: usize) -> Outcome {
        let value = self.console.eval(cell, &format!("In [{n}]"))?;
        if !value.is_unit() {
            if let Some(out) = &self.out {
                out(Shown::Value(show::dynamic(&value)));
                return Ok(());
            }
            self.say(&format!("{}{}", self.style.out(&format!("Out[{n}]: ")), show::dynamic(&value)));
        }
        Ok(())
    }

    /// Runs `code` on `targets` and shows their values, collapsed.
    pub(super) fn px(&mut self, code: &str, n: usize, targets: &[usize]) -> Outcome {
        let origin = format!("In [{n}]");
        self.console.check_syntax(code, &origin)?;
        let values = {
            let mut shared = self.console.shared.borrow_mut();
            shared.client.execute(code, targets, &origin).map_err(|e| display::composite(&e))?
        };
        self.show_engines(n, targets, &values);
        Ok(())
    }

    /// `Out[n]: [0-3] 42`, one line per group of engines with the same value.
    pub(super) fn show_engines(&mut self, n: usize, targets: &[usize], values: &[Value]) {
        if values.iter().all(|v| *v == Value::Unit) {
            return;
        }
        if let Some(out) = &self.out {
            let lines: Vec<String> =
                show::grouped(targets, values).into_iter().map(|(engines, v)| format!("[{engines}] {v}")).collect();
            out(Shown::Value(lines.join("\n")));
            return;
        }
        let out = format!("Out[{n}]: ");
        let pad = " ".repeat(out.chars().count());
        let lines: Vec<String> = show::grouped(targets, values)
            .into_iter()
            .enumerate()
            .map(|(i, (engines, v))| {
                let lead = if i == 0 { self.style.out(&out) } else { pad.clone() };
                format!("{lead}{} {v}", self.style.tag(&format!("[{engines}]")))
            })
            .collect();
        self.say(&lines.join("\n"));
    }

    fn shell(&mut self, cmd: &str) -> Outcome {
        let cmd = cmd.trim();
        if cmd.is_empty() {
            return Err("! needs a command to run in the system shell, e.g. !ls -l".into());
        }
        let _ = std::io::stdout().flush();
        let mut c = std::process::Command::new("sh");
        c.arg("-c").arg(cmd);
        if !self.input.shell_gets_stdin() {
            c.stdin(std::process::Stdio::null());
        }
        let status = c.status().map_err(|e| format!("cannot run the system shell (sh): {e}"))?;
        if !status.success() {
            let code = status.code().map_or_else(|| "killed by a signal".to_string(), |c| format!("exit status {c}"));
            self.say(&self.style.dim(&format!("({code})")));
        }
        Ok(())
    }

    /// Refreshes the console's names for completion.
    fn refresh_names(&mut self) {
        let mut names = self.names.borrow_mut();
        names.variables = self.console.variables().into_iter().map(|(n, _)| n).collect();
        names.functions = self.console.functions(true);
    }

    /// Prints a line (or several) of the session.
    pub(super) fn say(&self, text: &str) {
        if let Some(out) = &self.out {
            return out(Shown::Text(format!("{text}\n")));
        }
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    fn show_error_line(&self, line: &str) {
        self.say(&self.style.error(line));
    }

    /// Shows an error: its first line stands out, the rest (carets, engines) follows.
    pub(super) fn show_error(&self, text: &str) {
        if let Some(out) = &self.out {
            return out(Shown::Error(text.to_string()));
        }
        let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
        self.show_error_line(&format!("error: {first}"));
        if !rest.is_empty() {
            self.say(rest);
        }
    }
}
