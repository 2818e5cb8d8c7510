//! The text of `%status` (one row per engine) and `%who` (variables with types, engines
//! with the same namespace collapsed into one line).
//!
//! The rows come from the engines' answers to a status query, which they give from their
//! progress loops, so busy engines answer too; an engine that does not answer in time
//! (busy in native code) or is gone gets a row from what the console knows: the requests
//! it sent and has no reply for.

use crate::client::{Busy, EngineInfo};
use crate::engine::collectives::engine_list;
use crate::protocol::EngineStatus;

/// One engine, as the console learnt about it.
pub struct Row<'a> {
    pub engine: usize,
    pub info: &'a EngineInfo,
    pub answer: Result<EngineStatus, String>,
    /// Requests sent to it and not answered, oldest first.
    pub pending: Vec<Busy>,
}

/// `12.3 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut x = n as f64;
    let mut u = 0;
    while x >= 1024.0 && u + 1 < UNITS.len() {
        x /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{x:.1} {}", UNITS[u])
    }
}

/// `%status`: a table with a header; `shared_process` notes that memory is the whole
/// process's (engines are threads of the console's process).
pub fn table(rows: &[Row], shared_process: bool) -> String {
    let mut cells: Vec<[String; 9]> = vec![[
        "engine".into(),
        "host".into(),
        "pid".into(),
        "state".into(),
        "for".into(),
        "memory".into(),
        "vars".into(),
        "shards".into(),
        "running".into(),
    ]];
    for r in rows {
        let (state, seconds, memory, vars, shards, what) = match &r.answer {
            Ok(st) => {
                let (state, secs, what) = match &st.running {
                    Some(a) => {
                        let queued = if st.queued > 0 { format!(" (+{} queued)", st.queued) } else { String::new() };
                        ("busy".to_string(), format!("{:.1} s", a.seconds), format!("{}{queued}", a.what))
                    }
                    None => ("idle".to_string(), String::new(), String::new()),
                };
                // DistArray shards held in variables (DistDict keys are listed below the table).
                let shards = st.variables.iter().filter(|(_, t)| t == "DistArray").count().to_string();
                let memory = st.memory.map(bytes).unwrap_or_else(|| "?".into());
                (state, secs, memory, st.variables.len().to_string(), shards, what)
            }
            Err(why) => {
                let secs = r.pending.first().map(|b| format!("{:.1} s", b.since.as_secs_f64())).unwrap_or_default();
                let state = if r.pending.is_empty() { "?" } else { "busy" };
                (state.to_string(), secs, "?".into(), "?".into(), "?".into(), why.clone())
            }
        };
        cells.push([
            r.engine.to_string(),
            r.info.host.clone(),
            r.info.pid.to_string(),
            state,
            seconds,
            memory,
            vars,
            shards,
            what,
        ]);
    }
    let widths: Vec<usize> =
        (0..9).map(|c| cells.iter().map(|row| row[c].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for row in &cells {
        let line: Vec<String> = row.iter().zip(&widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    if shared_process {
        out.push_str("(engines are threads of this process: memory is the whole process's)\n");
    }
    out
}

fn variables(vars: &[(String, String)]) -> String {
    if vars.is_empty() {
        return "no variables".into();
    }
    vars.iter().map(|(n, t)| format!("{n}: {t}")).collect::<Vec<_>>().join(", ")
}

/// `%who`: the console's variables and functions, then each group of engines with the
/// same variables; engines that did not answer are named with the reason.
pub fn who(
    console: &[(String, String)],
    functions: &[String],
    engines: &[(usize, Result<EngineStatus, String>)],
) -> String {
    let mut out = format!("console: {}\n", variables(console));
    if !functions.is_empty() {
        out.push_str(&format!("functions: {}\n", functions.join(", ")));
    }
    // Engines with the same answer: their variables, or why they did not answer.
    type Answer<'a> = Result<&'a [(String, String)], &'a str>;
    let mut groups: Vec<(Vec<usize>, Answer)> = Vec::new();
    for (e, answer) in engines {
        let key = match answer {
            Ok(st) => Ok(st.variables.as_slice()),
            Err(why) => Err(why.as_str()),
        };
        match groups.iter_mut().find(|(_, k)| *k == key) {
            Some((es, _)) => es.push(*e),
            None => groups.push((vec![*e], key)),
        }
    }
    for (es, key) in groups {
        let text = match key {
            Ok(vars) => variables(vars),
            Err(why) => format!("({why})"),
        };
        out.push_str(&format!("[{}] {text}\n", engine_list(&es)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Activity;
    use std::time::Duration;

    fn st(engine: usize, running: bool, vars: &[(&str, &str)]) -> EngineStatus {
        EngineStatus {
            engine,
            query: 1,
            running: running.then(|| Activity { request: 4, what: "loop {}".into(), seconds: 2.25 }),
            queued: 0,
            memory: Some(3 << 20),
            variables: vars.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect(),
        }
    }

    #[test]
    fn the_status_table_has_a_row_per_engine() {
        let info = EngineInfo { host: "node1".into(), pid: 42 };
        let rows = vec![
            Row {
                engine: 0,
                info: &info,
                answer: Ok(st(0, true, &[("a", "i64"), ("x", "DistArray"), ("y", "DistArray")])),
                pending: vec![],
            },
            Row { engine: 1, info: &info, answer: Ok(st(1, false, &[])), pending: vec![] },
            Row {
                engine: 2,
                info: &info,
                answer: Err("no answer within 0.5 s".into()),
                pending: vec![Busy { request: 4, since: Duration::from_millis(3100) }],
            },
        ];
        let t = table(&rows, true);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "engine  host   pid  state  for    memory   vars  shards  running");
        assert_eq!(lines[1], "0       node1  42   busy   2.2 s  3.0 MiB  3     2       loop {}");
        assert_eq!(lines[2], "1       node1  42   idle          3.0 MiB  0     0");
        assert_eq!(lines[3], "2       node1  42   busy   3.1 s  ?        ?     ?       no answer within 0.5 s");
        assert!(lines[4].starts_with("(engines are threads"));
    }

    #[test]
    fn who_collapses_engines_with_the_same_namespace() {
        let engines = vec![
            (0, Ok(st(0, false, &[("x", "array")]))),
            (1, Ok(st(1, false, &[("x", "array")]))),
            (2, Ok(st(2, false, &[]))),
            (3, Err("gone: shut down".to_string())),
        ];
        let text = who(&[("a".into(), "i64".into())], &["sq(x)".into()], &engines);
        assert_eq!(
            text,
            "console: a: i64\nfunctions: sq(x)\n[0,1] x: array\n[2] no variables\n[3] (gone: shut down)\n"
        );
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
    }
}
