//! `examples/session.txt`, a transcript of a real session with 4 engines, replayed: its
//! inputs (the text after each prompt) are typed into `pshell -i` again, and the
//! transcript of the new session must match, timings aside, and with lines printed by
//! different engines compared in engine order (they arrive in any order).

use crate::repl::{prompt_len, repl, transcript};
use crate::util::{self, On};

const SESSION: &str = include_str!("../examples/session.txt");

/// The lines typed in a transcript.
fn inputs(transcript: &str) -> String {
    transcript.lines().filter_map(|l| prompt_len(l).map(|n| format!("{}\n", &l[n..]))).collect()
}

/// Whether `line` is printed output of one engine: `[3] text`.
fn engine_output(line: &str) -> bool {
    line.strip_prefix('[').and_then(|r| r.split_once("] ")).is_some_and(|(id, _)| id.parse::<usize>().is_ok())
}

/// The transcript with timings and the transport blanked out, and runs of engine output
/// sorted.
fn normalize(t: &str) -> Vec<String> {
    let mut lines: Vec<String> = t
        .lines()
        .map(|l| match l.split_once(" engines over ") {
            Some((head, _)) if l.starts_with("pshell ") => format!("{head} engines over <transport>"),
            _ => match l.split_once(": min ") {
                Some((head, _)) if l.starts_with("time on ") => format!("{head}: <timings>"),
                _ => l.to_string(),
            },
        })
        .collect();
    let mut i = 0;
    while i < lines.len() {
        let run = lines[i..].iter().take_while(|l| engine_output(l)).count();
        lines[i..i + run].sort();
        i += run.max(1);
    }
    lines
}

#[test]
fn the_session_transcript_replays() {
    let on = if util::mpi() { On::Mpi(4) } else { On::Threads(4) };
    let typed = inputs(SESSION);
    assert!(typed.lines().count() >= 20, "the transcript has its inputs:\n{typed}");
    let r = repl(on, &typed).ok();
    let replayed = transcript(&typed, &r.stdout);
    let (want, got) = (normalize(SESSION), normalize(&replayed));
    for (k, (w, g)) in want.iter().zip(&got).enumerate() {
        assert_eq!(w, g, "line {} of examples/session.txt differs; the replay:\n{replayed}", k + 1);
    }
    assert_eq!(want.len(), got.len(), "the replay:\n{replayed}");
}
