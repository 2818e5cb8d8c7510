//! What the console writes while requests run: engine output tagged `[e]`, colours, and
//! the live line of a long request.
//!
//! [`Style`] decides colours: only on a terminal, never with `NO_COLOR` or `TERM=dumb`.
//! [`Screen`] is shared by the client's output sink and its wait hook: output arrives a
//! whole message at a time and is written line by line with the engine's tag, so lines
//! from different engines never mix; a request that runs longer than [`LIVE_AFTER`]
//! shows a line with its elapsed time and how many engines are done, redrawn a few
//! times a second, erased before any output is written and when the request ends.

use crate::client::{OutputSink, WaitHook, WaitProgress};
use crate::protocol::{Output, Stream};
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// A request shows the live line after running this long.
pub const LIVE_AFTER: Duration = Duration::from_secs(2);
const REDRAW: Duration = Duration::from_millis(200);

/// Whether and how to colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// Colours when stdout is a terminal, `NO_COLOR` is unset (or empty) and `TERM` is
    /// not `dumb`.
    pub fn detect() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        Style { color: super::terminal::stdout_is_terminal() && !no_color && !dumb }
    }

    pub fn plain() -> Style {
        Style { color: false }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// `In [3]:` and the autopx/targets marks.
    pub fn prompt(&self, text: &str) -> String {
        self.paint("32", text)
    }
    /// `Out[3]:`
    pub fn out(&self, text: &str) -> String {
        self.paint("31", text)
    }
    /// An engine tag, `[0-3]`.
    pub fn tag(&self, text: &str) -> String {
        self.paint("36", text)
    }
    /// An error's first line.
    pub fn error(&self, text: &str) -> String {
        self.paint("1;31", text)
    }
    /// Secondary text: the live line, timings.
    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// The console's output while requests run.
pub struct Screen {
    pub style: Style,
    /// Whether long requests show the live line (a terminal REPL only).
    pub live: bool,
    /// Whether the live line is on screen, and when it was drawn.
    shown: Option<Instant>,
}

impl Screen {
    pub fn new(style: Style, live: bool) -> Rc<RefCell<Screen>> {
        Rc::new(RefCell::new(Screen { style, live, shown: None }))
    }

    /// Erases the live line if it is shown.
    pub fn clear(&mut self) {
        if self.shown.take().is_some() {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(b"\r\x1b[2K");
            let _ = out.flush();
        }
    }

    /// Writes engine output, each line tagged with its engine, in one write.
    pub fn output(&mut self, out: &Output) {
        self.clear();
        let buf = tagged(out, self.style);
        let mut w = std::io::stdout().lock();
        let _ = w.write_all(buf.as_bytes());
        let _ = w.flush();
    }

    /// Draws, redraws or erases the live line for a request being waited for.
    pub fn progress(&mut self, p: &WaitProgress) {
        if !self.live || p.done == p.total {
            return self.clear();
        }
        if p.elapsed < LIVE_AFTER || self.shown.is_some_and(|t| t.elapsed() < REDRAW) {
            return;
        }
        let line = live_line(p);
        let mut out = std::io::stdout().lock();
        let _ = write!(out, "\r\x1b[2K{}", self.style.dim(&line));
        let _ = out.flush();
        self.shown = Some(Instant::now());
    }
}

/// Engine output as `[e] line` lines (`debug` output dimmed).
pub fn tagged(out: &Output, style: Style) -> String {
    let text = out.text.strip_suffix('\n').unwrap_or(&out.text);
    let tag = style.tag(&format!("[{}]", out.engine));
    let mut buf = String::with_capacity(text.len() + 8);
    for line in text.split('\n') {
        match out.stream {
            Stream::Print => buf.push_str(&format!("{tag} {line}\n")),
            Stream::Debug => buf.push_str(&format!("{tag} {}\n", style.dim(line))),
        }
    }
    buf
}

/// The text of the live line.
pub fn live_line(p: &WaitProgress) -> String {
    format!("… running for {:.1} s: {}/{} engines done (Ctrl-C interrupts)", p.elapsed.as_secs_f64(), p.done, p.total)
}

/// The client's output sink, writing through `screen`.
pub fn sink(screen: &Rc<RefCell<Screen>>) -> OutputSink {
    let screen = screen.clone();
    Box::new(move |out: &Output| screen.borrow_mut().output(out))
}

/// The client's wait hook, drawing the live line through `screen`.
pub fn wait_hook(screen: &Rc<RefCell<Screen>>) -> WaitHook {
    let screen = screen.clone();
    Box::new(move |p: &WaitProgress| screen.borrow_mut().progress(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_colour_only_when_asked() {
        assert_eq!(Style::plain().tag("[0]"), "[0]");
        assert_eq!(Style { color: true }.tag("[0]"), "\x1b[36m[0]\x1b[0m");
    }

    #[test]
    fn output_lines_are_tagged() {
        let out = Output { request: 1, engine: 3, stream: Stream::Print, text: "a\nb\n".into() };
        assert_eq!(tagged(&out, Style::plain()), "[3] a\n[3] b\n");
        let out = Output { request: 1, engine: 0, stream: Stream::Debug, text: "d".into() };
        assert_eq!(tagged(&out, Style { color: true }), "\x1b[36m[0]\x1b[0m \x1b[2md\x1b[0m\n");
    }

    #[test]
    fn the_live_line_says_time_and_engines() {
        let p = WaitProgress { request: 3, elapsed: Duration::from_millis(2500), done: 1, total: 4 };
        assert_eq!(live_line(&p), "… running for 2.5 s: 1/4 engines done (Ctrl-C interrupts)");
    }
}
