//! The REPL on a terminal (tmux, see `repl_tmux`), typed at as a person would: Ctrl-C
//! during `loop {}`, Ctrl-D shutdown leaving no engine process, history across restarts,
//! completion, multi-line editing, a huge paste, the live line, `%reset`'s question.
//! Under `PSHELL_TEST_TRANSPORT=mpi` the pane runs `mpirun`, whose terminal pshell
//! relays so that Ctrl-C interrupts instead of ending the job.

use crate::repl_tmux::Pane;
use crate::util::{self, clusters};

/// Engine pids from a `%status` table on `screen`.
fn status_pids(screen: &str, engines: usize) -> Vec<u32> {
    let table = screen.rsplit("%status\n").next().expect("a %status table");
    table.lines().skip(1).take(engines).map(|row| row.split_whitespace().nth(2).unwrap().parse().unwrap()).collect()
}

/// Whether process `pid` is running (a zombie waiting to be reaped is not).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')))
}

#[test]
fn ctrl_c_interrupts_loops_and_ctrl_d_stops_every_engine() {
    for on in clusters() {
        let n = on.engines();
        let all = if n == 1 {
            "0".to_string()
        } else if n == 2 {
            "0,1".into()
        } else {
            format!("0-{}", n - 1)
        };
        let pane = Pane::pshell(on, &[], &[("PSHELL_HISTORY", "")]);
        pane.wait("In [1]: ");
        pane.line("%px let kept = rank() + 100;");
        pane.wait("In [2]: ");
        pane.line("%px loop {}");
        pane.wait("In [2]: %px loop {}");
        std::thread::sleep(std::time::Duration::from_millis(300));
        pane.keys(&["C-c"]);
        pane.wait(&format!("KeyboardInterrupt: interrupted engines {all} (their variables are kept)"));
        pane.wait("In [3]: ");
        // Console code is interrupted too.
        pane.line("let i = 0; loop { i += 1; }");
        pane.wait("In [3]: let i = 0;");
        std::thread::sleep(std::time::Duration::from_millis(300));
        pane.keys(&["C-c"]);
        pane.wait("KeyboardInterrupt\n");
        // Ctrl-C at a prompt drops the line being typed, and the session goes on.
        pane.wait("In [4]: ");
        pane.type_text("not_run");
        pane.keys(&["C-c"]);
        // rustyline drops keys that arrive in the same read as the Ctrl-C.
        pane.wait_count("In [4]: ", 2);
        pane.line("%px kept");
        let s = pane.wait("Out[4]: ");
        assert!(s.contains("Out[4]: [0] 100"), "{s}");
        assert!(!s.contains("Variable not found"), "{s}");
        pane.line("%status");
        let s = pane.wait("In [6]: ");
        let pids = status_pids(&s, n);
        assert_eq!(pids.len(), n);
        pane.keys(&["C-d"]);
        let s = pane.wait("[exit ");
        assert!(s.contains("[exit 0]"), "{s}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while pids.iter().any(|&p| alive(p)) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let left: Vec<u32> = pids.into_iter().filter(|&p| alive(p)).collect();
        assert!(left.is_empty(), "engine processes still running after Ctrl-D: {left:?}");
    }
}

#[test]
fn history_survives_a_restart() {
    let on = clusters()[0];
    let dir = util::tempdir();
    let file = dir.join("history");
    let env = [("PSHELL_HISTORY", file.to_str().unwrap())];
    {
        let pane = Pane::pshell(on, &[], &env);
        pane.wait("In [1]: ");
        pane.type_text("fn two_lines(x) {");
        pane.keys(&["Enter"]);
        pane.line("x + 1 }");
        pane.line("let remembered = 6 * 7;");
        pane.wait("In [3]: ");
        pane.keys(&["C-d"]);
        pane.wait("[exit 0]");
    }
    let pane = Pane::pshell(on, &[], &env);
    pane.wait("In [1]: ");
    // The last cell of the last session, then the one before (a two-line cell).
    pane.keys(&["Up", "Enter"]);
    pane.wait("In [2]: ");
    pane.keys(&["Up", "Up", "Enter"]);
    pane.wait("In [3]: ");
    pane.line("two_lines(remembered)");
    let s = pane.wait("Out[3]: ");
    assert!(s.contains("In [1]: let remembered = 6 * 7;\nIn [2]: fn two_lines(x) {\nx + 1 }\nIn [3]: two_lines(remembered)\nOut[3]: 43"), "{s}");
    // Keys pressed before the prompt is back reach a terminal in its normal mode, where
    // Ctrl-D is no key: wait for the prompt.
    pane.wait("In [4]: ");
    pane.keys(&["C-d"]);
    pane.wait("[exit 0]");
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(saved.contains("let remembered = 6 * 7;"), "{saved}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn tab_completes_magics_and_console_and_engine_names() {
    let on = clusters()[0];
    let pane = Pane::pshell(on, &[], &[("PSHELL_HISTORY", "")]);
    pane.wait("In [1]: ");
    pane.line("let alpha_beta = 1;");
    pane.line("%px let gamma_delta = 2;");
    pane.wait("In [3]: ");
    pane.type_text("alpha_b");
    pane.keys(&["Tab"]);
    pane.wait("In [3]: alpha_beta");
    pane.keys(&["Enter"]);
    pane.wait("Out[3]: 1");
    pane.type_text("%px gamma_d");
    pane.keys(&["Tab"]);
    pane.wait("In [4]: %px gamma_delta");
    pane.keys(&["Enter"]);
    pane.wait("Out[4]: [");
    pane.type_text("%autop");
    pane.keys(&["Tab"]);
    pane.wait("In [5]: %autopx");
    pane.keys(&["Enter"]);
    let s = pane.wait("[px] In [6]: ");
    assert!(s.contains("%autopx on: cells run on engines"), "{s}");
}

#[test]
fn multi_line_editing_and_two_enters() {
    let on = clusters()[0];
    let pane = Pane::pshell(on, &[], &[("PSHELL_HISTORY", "")]);
    pane.wait("In [1]: ");
    for line in ["fn twice(x) {", "  x * 2", "}"] {
        pane.line(line);
    }
    pane.wait("In [2]: ");
    pane.line("twice(21)");
    pane.wait("Out[2]: 42");
    pane.line("let a = [1,");
    pane.keys(&["Enter"]);
    let s = pane.wait("In [4]: ");
    assert!(
        s.contains("error: syntax error: Expecting ']' to end this array literal\n  at In [3] line 2, column 1"),
        "{s}"
    );
}

#[test]
fn a_huge_paste_then_ctrl_c_keeps_what_ran() {
    let on = clusters()[0];
    let dir = util::tempdir();
    let pane = Pane::pshell(on, &[], &[("PSHELL_HISTORY", "")]);
    pane.wait("In [1]: ");
    let mut text: String = (0..10_000).map(|i| format!("let v{i} = {i};\n")).collect();
    text.push_str("px(\"print(`looping on ${rank()}`); loop {}\")");
    pane.paste(&text, &dir);
    pane.wait("loop {}\")");
    pane.keys(&["Enter"]);
    // The engines loop once every line above has run on the console.
    pane.wait("[0] looping on 0");
    pane.keys(&["C-c"]);
    pane.wait("KeyboardInterrupt: interrupted engines");
    pane.keys(&["C-l"]);
    pane.line("v9999 + v1");
    pane.wait("Out[2]: 10000");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_long_request_shows_a_live_line_that_goes_away() {
    let on = clusters()[0];
    let pane = Pane::pshell(on, &[], &[("PSHELL_HISTORY", "")]);
    pane.wait("In [1]: ");
    pane.line("%px sleep(3.5); 1");
    pane.wait("running for 2.");
    let s = pane.wait("Out[1]: ");
    assert!(!s.contains("running for"), "the live line stayed:\n{s}");
}

#[test]
fn reset_asks_on_a_terminal() {
    let on = clusters()[0];
    let pane = Pane::pshell(on, &[], &[("PSHELL_HISTORY", "")]);
    pane.wait("In [1]: ");
    pane.line("let keep_me = 1;");
    pane.line("%reset");
    pane.wait("? [y/N] ");
    pane.line("n");
    pane.wait("reset cancelled");
    pane.line("keep_me");
    pane.wait("Out[3]: 1");
    pane.line("%reset");
    pane.wait_count("? [y/N] ", 2);
    pane.line("y");
    pane.wait("start afresh");
    pane.line("keep_me");
    pane.wait("Variable not found: keep_me");
}
