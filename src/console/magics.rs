//! The REPL's magics: `%px %autopx %targets %time %run %pxrun %status %who %reset
//! %help %quit` (their one-line help is [`super::complete::MAGICS`]).
//!
//! Code that goes to the engines (`%px`, `%time`, `%pxrun`, autopx cells) is parsed on
//! the console first: a syntax error shows with its caret and nothing is sent.

use super::complete::MAGICS;
use super::repl::{Outcome, Session};
use super::status::{self, Row};
use crate::client::{collect, parse_targets};
use crate::engine::collectives::engine_list;
use crate::protocol::RequestKind;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long `%status` and `%who` wait for busy engines to answer.
const STATUS_WAIT: Duration = Duration::from_millis(500);

/// Console functions listed by `%help` when they exist, with their help line.
const CONSOLE_HELP: &[(&str, &str)] = &[
    ("engines", "engines(): the engine ids"),
    ("px", "px(code [, targets]): run code on the engines; an array of their values"),
    ("px_async", "px_async(code [, targets]): start code; an AsyncResult (.ready .wait .get .progress)"),
    ("push", "push(map [, targets]): set variables on the engines"),
    ("pull", "pull(name [, targets]): an array of the engines' values of a variable"),
    ("scatter", "scatter(name, array [, targets]): split an array over the engines"),
    ("gather", "gather(name [, targets]): the engines' arrays, concatenated"),
    ("map", "map(f, items): f over items on the engines"),
    ("lb_map", "lb_map(f, items): the same, load-balanced"),
    ("submit", "submit(f, args...): f(args) on the next idle engine; an AsyncResult"),
    ("interrupt", "interrupt([targets]): stop what the engines run (what Ctrl-C does)"),
    ("sleep", "sleep(seconds): wait; engine output keeps streaming"),
];

/// Engine functions listed by `%help` when they exist.
const ENGINE_HELP: &[(&str, &str)] = &[
    ("rank", "rank(), size(): this engine's id and the number of engines"),
    ("barrier", "barrier(): wait for every engine"),
    ("bcast", "bcast(v, root): root's v, on every engine"),
    ("allreduce", "allreduce(v, op): combine v over the engines (\"sum\" \"min\" \"max\" \"prod\")"),
    ("allgather", "allgather(v): every engine's v, in engine order"),
    ("send", "send(v, dest), recv(src): point-to-point messages"),
];

/// Parses `%targets` arguments: `all`, or ids and ranges like `0,2-3`.
pub fn parse_spec(spec: &str, engines: usize) -> Result<Option<Vec<usize>>, String> {
    let spec = spec.trim();
    if spec == "all" {
        return Ok(None);
    }
    if spec.is_empty() {
        return Err("%targets needs engines, e.g. %targets 0,2-3 or %targets all".into());
    }
    let bad = |part: &str| {
        format!("targets: '{part}' is not an engine id or a range like 2-5 (e.g. %targets 0,2-3 or %targets all)")
    };
    let mut ids: Vec<i64> = Vec::new();
    for part in spec.split(',').map(str::trim) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (i64, i64) = match (a.trim().parse(), b.trim().parse()) {
                    (Ok(a), Ok(b)) => (a, b),
                    _ => return Err(bad(part)),
                };
                if a > b {
                    return Err(format!("targets: the range {part} goes backwards"));
                }
                if b - a > engines as i64 {
                    return Err(format!("targets: engine {b} does not exist (engines are 0-{})", engines - 1));
                }
                ids.extend(a..=b);
            }
            None => ids.push(part.parse().map_err(|_| bad(part))?),
        }
    }
    parse_targets(Some(&ids), engines).map(Some)
}

/// `1.23 ms`, `45.6 µs`, `2.00 s`.
pub fn seconds(s: f64) -> String {
    if s < 1e-3 {
        format!("{:.1} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

/// min, median and max of `times` (not empty).
pub fn spread(times: &mut [f64]) -> (f64, f64, f64) {
    times.sort_by(f64::total_cmp);
    let n = times.len();
    let median = if n % 2 == 1 { times[n / 2] } else { (times[n / 2 - 1] + times[n / 2]) / 2.0 };
    (times[0], median, times[n - 1])
}

impl Session<'_> {
    /// Runs magic `text` (without its `%`), the `n`th cell.
    pub(super) fn magic(&mut self, text: &str, n: usize) -> Outcome {
        let (name, arg) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        let arg = arg.trim();
        match name {
            "px" if arg.is_empty() => Err("%px needs code to run on the engines, e.g. %px rank()".into()),
            "px" => {
                let targets = self.targets();
                self.px(arg, n, &targets)
            }
            "autopx" => {
                self.autopx = !self.autopx;
                let text = if self.autopx {
                    format!(
                        "%autopx on: cells run on engines {} (%autopx again to leave)",
                        engine_list(&self.targets())
                    )
                } else {
                    "%autopx off: cells run on the console".to_string()
                };
                self.say(&text);
                Ok(())
            }
            "targets" => self.set_targets(arg),
            "time" if arg.is_empty() => Err("%time needs code to time on the engines, e.g. %time %px 1 + 1".into()),
            "time" => self.time(arg.strip_prefix("%px").unwrap_or(arg).trim(), n),
            "run" => {
                let (code, origin) = read_file("%run", arg)?;
                self.console.eval(&code, &origin).map(|_| ())
            }
            "pxrun" => {
                let (code, origin) = read_file("%pxrun", arg)?;
                self.console.check_syntax(&code, &origin)?;
                let targets = self.targets();
                let mut shared = self.console.shared.borrow_mut();
                shared.client.execute(&code, &targets, &origin).map(|_| ()).map_err(|e| super::display::composite(&e))
            }
            "status" => {
                self.status();
                Ok(())
            }
            "who" => {
                self.who();
                Ok(())
            }
            "plots" => {
                let listing = self.console.plots_listing();
                self.say(listing.trim_end());
                Ok(())
            }
            "reset" => self.reset(arg),
            "help" => {
                self.help();
                Ok(())
            }
            "quit" | "exit" => {
                self.quit = true;
                Ok(())
            }
            "" => Err("a magic needs a name after %; %help lists them".into()),
            other => Err(format!("unknown magic %{other}; %help lists them")),
        }
    }

    fn set_targets(&mut self, arg: &str) -> Outcome {
        let engines = self.console.shared.borrow().client.engines();
        if arg.is_empty() {
            self.say(&format!("targets: engines {}", engine_list(&self.targets())));
            return Ok(());
        }
        self.targets = parse_spec(arg, engines)?;
        let all = self.targets.is_none();
        self.say(&format!("targets: engines {}{}", engine_list(&self.targets()), if all { " (all)" } else { "" }));
        Ok(())
    }

    fn time(&mut self, code: &str, n: usize) -> Outcome {
        let origin = format!("In [{n}]");
        self.console.check_syntax(code, &origin)?;
        let targets = self.targets();
        let start = Instant::now();
        let replies = {
            let mut shared = self.console.shared.borrow_mut();
            let kind = RequestKind::Execute { code: Arc::from(code), origin: origin.clone() };
            let id = shared.client.submit(&targets, kind);
            shared.client.wait(id, None).expect("no deadline")
        };
        let wall = start.elapsed().as_secs_f64();
        let mut times: Vec<f64> = replies.iter().map(|r| r.elapsed).collect();
        let (min, median, max) = spread(&mut times);
        let values = collect(replies, &origin, Some(Arc::from(code))).map_err(|e| super::display::composite(&e))?;
        self.show_engines(n, &targets, &values);
        let line = format!(
            "time on {} engine{}: min {}, median {}, max {}; wall {} at the console",
            targets.len(),
            if targets.len() == 1 { "" } else { "s" },
            seconds(min),
            seconds(median),
            seconds(max),
            seconds(wall)
        );
        self.say(&self.style.dim(&line));
        Ok(())
    }

    fn status(&mut self) {
        let shared = self.console.shared.clone();
        let mut s = shared.borrow_mut();
        let answers = s.client.status(STATUS_WAIT);
        let shared_process = s.client.transport_kind() == "threads";
        let rows: Vec<Row> = answers
            .into_iter()
            .enumerate()
            .map(|(engine, answer)| Row {
                engine,
                info: &s.client.info()[engine],
                answer,
                pending: s.client.busy(engine),
            })
            .collect();
        let mut text = status::table(&rows, shared_process);
        drop(rows);
        // The keys each engine holds, for every DistDict (busy engines answer too).
        match crate::bindings::distdict::status_lines(&mut s.client) {
            Ok(lines) if !lines.is_empty() => {
                text = format!("{}\nDistDicts:\n  {}", text.trim_end(), lines.join("\n  "));
            }
            Ok(_) => {}
            Err(e) => text = format!("{}\nDistDicts: {e}", text.trim_end()),
        }
        drop(s);
        self.say(text.trim_end());
    }

    fn who(&mut self) {
        let answers = self.console.shared.borrow_mut().client.status(STATUS_WAIT);
        let engines: Vec<_> = answers.into_iter().enumerate().collect();
        let text = status::who(&self.console.variables(), &self.console.defined_functions(), &engines);
        self.say(text.trim_end());
    }

    fn reset(&mut self, arg: &str) -> Outcome {
        let force = match arg {
            "" => false,
            "-f" => true,
            other => return Err(format!("%reset takes no argument but -f (to skip the question), not '{other}'")),
        };
        let engines = self.console.shared.borrow().client.engines();
        if self.watched && !force {
            let q = format!("Forget every variable and function on the console and {engines} engines? [y/N] ");
            let answer = self.input.ask(&q).unwrap_or_default();
            if !matches!(answer.trim(), "y" | "Y" | "yes") {
                self.say("reset cancelled");
                return Ok(());
            }
        }
        self.console.reset();
        let all: Vec<usize> = (0..engines).collect();
        let mut shared = self.console.shared.borrow_mut();
        shared.client.run(&all, RequestKind::Reset, "%reset").map_err(|e| super::display::composite(&e))?;
        drop(shared);
        self.say(&format!("reset: the console and {engines} engines start afresh"));
        Ok(())
    }

    fn help(&mut self) {
        let mut out =
            String::from("Cells are Rhai code run on the console; px(\"code\") runs code on every engine.\nMagics:\n");
        for (_, line) in MAGICS {
            out.push_str(&format!("  {line}\n"));
        }
        out.push_str("  !CMD: run CMD in the system shell\nAt the console:\n");
        let console: Vec<String> = self.console.functions(false).into_iter().map(|(f, _)| f).collect();
        for (_, line) in CONSOLE_HELP.iter().filter(|(name, _)| console.iter().any(|f| f == name)) {
            out.push_str(&format!("  {line}\n"));
        }
        out.push_str("On the engines (in px code):\n");
        let engine: Vec<String> = crate::runner::function_names(false).into_iter().map(|(f, _)| f).collect();
        for (_, line) in ENGINE_HELP.iter().filter(|(name, _)| engine.iter().any(|f| f == name)) {
            out.push_str(&format!("  {line}\n"));
        }
        out.push_str("Keys: Tab completes; Ctrl-C interrupts the engines (or clears the line); Ctrl-D quits.");
        self.say(&out);
    }
}

/// A file's text and its name for errors.
fn read_file(magic: &str, path: &str) -> Result<(String, String), String> {
    if path.is_empty() {
        return Err(format!("{magic} needs a file, e.g. {magic} script.rhai"));
    }
    let code = super::batch::read_script(path.as_ref()).map_err(|e| format!("{magic}: {e}"))?;
    Ok((code, path.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_specs_are_checked() {
        assert_eq!(parse_spec("all", 4), Ok(None));
        assert_eq!(parse_spec("0,2-3", 4), Ok(Some(vec![0, 2, 3])));
        assert_eq!(parse_spec(" 1 ", 4), Ok(Some(vec![1])));
        assert_eq!(parse_spec("4", 4).unwrap_err(), "targets: engine 4 does not exist (engines are 0-3)");
        assert_eq!(parse_spec("1-9", 4).unwrap_err(), "targets: engine 9 does not exist (engines are 0-3)");
        assert_eq!(
            parse_spec("0-99999999999", 4).unwrap_err(),
            "targets: engine 99999999999 does not exist (engines are 0-3)"
        );
        assert_eq!(parse_spec("3-1", 4).unwrap_err(), "targets: the range 3-1 goes backwards");
        assert_eq!(parse_spec("1,1", 4).unwrap_err(), "targets: engine 1 is named twice");
        assert!(parse_spec("x", 4).unwrap_err().starts_with("targets: 'x' is not an engine id or a range"));
        assert!(parse_spec("-1", 4).unwrap_err().starts_with("targets: '-1' is not an engine id"));
        assert!(parse_spec("", 4).unwrap_err().starts_with("%targets needs engines"));
    }

    #[test]
    fn timings_read_well() {
        assert_eq!(seconds(0.0000456), "45.6 µs");
        assert_eq!(seconds(0.00123), "1.23 ms");
        assert_eq!(seconds(2.0), "2.00 s");
        assert_eq!(spread(&mut [3.0, 1.0, 2.0]), (1.0, 2.0, 3.0));
        assert_eq!(spread(&mut [4.0, 1.0, 2.0, 3.0]), (1.0, 2.5, 4.0));
    }
}
