//! What an engine tells the console about itself (`%status`, `%who`, completion).
//!
//! [`Report`] is kept in the engine's [`State`]: the runner notes when a request starts
//! and, after each request, which variables the namespace holds. A
//! `Message::StatusQuery` is answered from [`State::handle`], that is from the progress
//! loop, so an engine answers while it runs a loop, waits in a collective, or idles.
//! The variables are those of the last finished request: a running request may be
//! changing them.

use super::state::State;
use crate::protocol::{Activity, EngineStatus, RequestKind};
use std::time::Instant;

/// The longest activity description sent.
const WHAT_CHARS: usize = 60;

/// What the engine reports about itself.
#[derive(Debug, Default)]
pub struct Report {
    /// The request running: its id, a description and when it started.
    pub running: Option<(u64, String, Instant)>,
    /// Names and types of the namespace's variables, in the order they were defined.
    pub variables: Vec<(String, String)>,
}

impl Report {
    /// Notes that request `id` of kind `kind` starts now.
    pub fn start(&mut self, id: u64, kind: &RequestKind) {
        self.running = Some((id, describe(kind), Instant::now()));
    }

    /// Notes the namespace after a request; rebuilds the list only when it changed.
    /// `vars` lists the `len` variables of the namespace.
    pub fn finish<'a, I: Iterator<Item = (&'a str, &'a str)>>(&mut self, len: usize, vars: impl Fn() -> I) {
        self.running = None;
        let same =
            len == self.variables.len() && vars().zip(&self.variables).all(|((n, t), (n2, t2))| n == n2 && t == t2);
        if !same {
            self.variables = vars().map(|(n, t)| (n.to_string(), t.to_string())).collect();
        }
    }
}

fn fn_name(f: &crate::protocol::Value) -> String {
    match f {
        crate::protocol::Value::FnPtr { name, .. } if name.starts_with("anon$") => "a closure".into(),
        crate::protocol::Value::FnPtr { name, .. } => name.clone(),
        other => other.brief(),
    }
}

/// A short description of a request for `%status`.
pub fn describe(kind: &RequestKind) -> String {
    let text = match kind {
        RequestKind::Execute { code, .. } => {
            let mut lines = code.lines().map(str::trim).filter(|l| !l.is_empty());
            let first = lines.next().unwrap_or("").to_string();
            if lines.next().is_some() {
                format!("{first} …")
            } else {
                first
            }
        }
        RequestKind::Define { .. } => "defining functions".into(),
        RequestKind::Push { vars } => {
            format!("push {}", vars.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", "))
        }
        RequestKind::Pull { names } => format!("pull {}", names.join(", ")),
        RequestKind::Reset => "reset".into(),
        RequestKind::Map { func, items, first } => {
            format!("map {} over items {first}..{}", fn_name(func), first + items.len() as u64)
        }
        RequestKind::Call { func, .. } => format!("task {}", fn_name(func)),
        RequestKind::Gather { name } => format!("gather {name}"),
    };
    if text.chars().count() > WHAT_CHARS {
        text.chars().take(WHAT_CHARS - 1).collect::<String>() + "…"
    } else {
        text
    }
}

/// Resident memory of this process in bytes (Linux `/proc`; `None` elsewhere).
pub fn resident_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.trim_start_matches("VmRSS:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb * 1024)
}

impl State {
    /// This engine's answer to status query `query`.
    pub fn status(&self, query: u64) -> EngineStatus {
        let running = self.report.running.as_ref().map(|(request, what, since)| Activity {
            request: *request,
            what: what.clone(),
            seconds: since.elapsed().as_secs_f64(),
        });
        EngineStatus {
            engine: self.id,
            query,
            running,
            queued: self.queue.len(),
            memory: resident_memory(),
            variables: self.report.variables.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn requests_are_described_briefly() {
        let exec = |c: &str| RequestKind::Execute { code: Arc::from(c), origin: "px".into() };
        assert_eq!(describe(&exec("loop {}")), "loop {}");
        assert_eq!(describe(&exec("\n  let a = 1;\nlet b = 2;")), "let a = 1; …");
        assert_eq!(describe(&exec(&"x".repeat(100))).chars().count(), WHAT_CHARS);
        assert_eq!(describe(&RequestKind::Pull { names: vec!["a".into(), "b".into()] }), "pull a, b");
        assert_eq!(describe(&RequestKind::Reset), "reset");
    }

    #[test]
    fn the_variable_list_follows_the_namespace() {
        let mut r = Report::default();
        r.start(3, &RequestKind::Reset);
        assert!(r.running.is_some());
        r.finish(2, || [("a", "i64"), ("b", "string")].into_iter());
        assert_eq!(r.variables, vec![("a".to_string(), "i64".to_string()), ("b".to_string(), "string".to_string())]);
        assert!(r.running.is_none());
        r.finish(1, || [("a", "f64")].into_iter());
        assert_eq!(r.variables, vec![("a".to_string(), "f64".to_string())]);
    }

    #[test]
    fn memory_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(resident_memory().is_some_and(|m| m > 0));
        }
    }
}
