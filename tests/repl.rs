//! The REPL in line mode (`pshell -i`, stdin and stdout pipes): prompts, results, every
//! magic, collapsed per-engine results, carets, multi-line cells and bad input, on
//! either transport. [`transcript`] puts the inputs back after their prompts, so a test
//! reads like the session a person would have seen.

use crate::util::{self, clusters, clusters_with, On, Run};
use std::io::{Read, Write};
use std::process::{Command, Stdio};

/// Runs the REPL in line mode with `input` on stdin.
pub fn repl(on: On, input: &str) -> Run {
    util::run(on, &["-i"], Some(input))
}

/// The prompt at the start of `s`, if there is one: `In [n]: `, `[px ...] In [n]: ` or
/// a continuation `   ...: `.
pub fn prompt_len(s: &str) -> Option<usize> {
    let rest = if s.starts_with("[px") { &s[s.find("] ")? + 2..] } else { s };
    let skipped = s.len() - rest.len();
    if let Some(r) = rest.strip_prefix("In [") {
        let digits = r.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 && r[digits..].starts_with("]: ") {
            return Some(skipped + 4 + digits + 3);
        }
    }
    let spaces = s.chars().take_while(|c| *c == ' ').count();
    (spaces > 0 && s[spaces..].starts_with("...: ")).then_some(spaces + 5)
}

/// The session as a person saw it: each prompt followed by the line typed after it.
pub fn transcript(input: &str, stdout: &str) -> String {
    let mut lines = input.lines();
    let mut out = String::new();
    let mut rest = stdout;
    while !rest.is_empty() {
        if let Some(n) = prompt_len(rest) {
            out.push_str(&rest[..n]);
            match lines.next() {
                Some(line) => {
                    out.push_str(line);
                    out.push('\n');
                }
                None => out.push('\n'),
            }
            rest = &rest[n..];
            // The end of input after the last prompt prints a newline.
            if rest.starts_with('\n') && out.ends_with(": \n") {
                rest = &rest[1..];
            }
        } else {
            let end = rest.find('\n').map_or(rest.len(), |i| i + 1);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        }
    }
    out
}

/// The transcript without the banner and the last, empty prompt.
fn cells(on: On, input: &str) -> String {
    let r = repl(on, input).ok();
    let t = transcript(input, &r.stdout);
    let body = t.split_once('\n').map_or("", |(_, b)| b);
    let last = body.rfind("In [").unwrap_or(body.len());
    body[..last].to_string()
}

#[test]
fn prompts_results_and_the_end_of_input() {
    for on in clusters() {
        let r = repl(on, "1 + 2\nlet a = 5;\na * 2\n").ok();
        let banner = format!("{} engines over {}", on.engines(), if util::mpi() { "mpi" } else { "threads" });
        assert!(r.stdout.starts_with(&format!("pshell {}: {banner}.", env!("CARGO_PKG_VERSION"))), "{}", r.stdout);
        let t = transcript("1 + 2\nlet a = 5;\na * 2\n", &r.stdout);
        assert!(
            t.ends_with("In [1]: 1 + 2\nOut[1]: 3\nIn [2]: let a = 5;\nIn [3]: a * 2\nOut[3]: 10\nIn [4]: \n"),
            "{t}"
        );
    }
}

#[test]
fn identical_results_collapse_and_different_ones_are_tagged() {
    for on in clusters() {
        let n = on.engines();
        let t = cells(on, "%px 6 * 7\n%px rank() % 2\npx(\"rank()\")\n");
        let all = if n == 1 { "0".to_string() } else { util_list(0, n - 1) };
        let mut expected = format!("In [1]: %px 6 * 7\nOut[1]: [{all}] 42\nIn [2]: %px rank() % 2\n");
        match n {
            1 => expected.push_str("Out[2]: [0] 0\n"),
            _ => {
                let evens: Vec<String> = (0..n).step_by(2).map(|e| e.to_string()).collect();
                let odds: Vec<String> = (1..n).step_by(2).map(|e| e.to_string()).collect();
                expected.push_str(&format!("Out[2]: [{}] 0\n        [{}] 1\n", evens.join(","), odds.join(",")));
            }
        }
        let ranks: Vec<String> = (0..n).map(|e| e.to_string()).collect();
        expected.push_str(&format!("In [3]: px(\"rank()\")\nOut[3]: [{}]\n", ranks.join(", ")));
        assert_eq!(t, expected, "{on:?}");
    }
}

/// `0-3`, as the display names contiguous engines (two are `0,1`).
fn util_list(first: usize, last: usize) -> String {
    match last - first {
        0 => first.to_string(),
        1 => format!("{first},{last}"),
        _ => format!("{first}-{last}"),
    }
}

#[test]
fn multi_line_cells_run_when_complete_and_two_enters_force_a_submit() {
    let on = clusters_with(2)[0];
    let input = "fn add(a, b) {\n  a + b\n}\nlet m = #{\n  x: 1,\n  y: `two\nlines`\n};\nm.y\n%px for i in 0..3 {\n  if i == 2 { print(`last ${rank()}`) }\n}\nlet broken = [1,\n\nadd(1, 2)\n";
    let t = cells(on, input);
    let expected_start = "In [1]: fn add(a, b) {\n   ...:   a + b\n   ...: }\nIn [2]: let m = #{\n   ...:   x: 1,\n   ...:   y: `two\n   ...: lines`\n   ...: };\nIn [3]: m.y\nOut[3]: \"two\\nlines\"\nIn [4]: %px for i in 0..3 {\n   ...:   if i == 2 { print(`last ${rank()}`) }\n   ...: }\n";
    assert!(t.starts_with(expected_start), "{t}");
    let mut printed: Vec<String> = (0..on.engines()).map(|e| format!("[{e}] last {e}")).collect();
    printed.sort();
    let rest = &t[expected_start.len()..];
    let mut got: Vec<String> = rest.lines().take(on.engines()).map(String::from).collect();
    got.sort();
    assert_eq!(got, printed);
    assert!(
        rest.contains("In [5]: let broken = [1,\n   ...: \nerror: syntax error: Expecting ']' to end this array literal\n  at In [5] line 2, column 1\n  2 | \n    | ^\nIn [6]: add(1, 2)\nOut[6]: 3\n"),
        "{t}"
    );
}

#[test]
fn errors_show_the_engine_and_a_caret_under_the_column() {
    for on in clusters_with(2) {
        let input = "let a = 1;\nlet b = a +\n  missing;\n%px if rank() == 1 { throw \"boom\" }\n%px let q = ;\n";
        let t = cells(on, input);
        assert!(
            t.contains("In [2]: let b = a +\n   ...:   missing;\nerror: Variable not found: missing\n  at In [2] line 2, column 3\n  2 |   missing;\n    |   ^\n"),
            "{t}"
        );
        assert!(
            t.contains("In [3]: %px if rank() == 1 { throw \"boom\" }\nerror: [1] RuntimeError: boom\n  at In [3] line 1, column 18\n  1 | if rank() == 1 { throw \"boom\" }\n    |                  ^\n"),
            "{t}"
        );
        // A syntax error is found on the console: nothing is sent, no engine is named.
        assert!(
            t.contains("In [4]: %px let q = ;\nerror: syntax error: Unexpected ';'\n  at In [4] line 1, column 9\n  1 | let q = ;\n    |         ^\n"),
            "{t}"
        );
    }
}

#[test]
fn several_failing_engines_make_one_composite_error() {
    for on in clusters_with(3) {
        let n = on.engines();
        let t = cells(on, "%px throw `same`\n%px 1\n");
        assert!(
            t.starts_with(&format!(
                "In [1]: %px throw `same`\nerror: {n} of {n} engines failed in In [1]:\n[{}] RuntimeError: same\n",
                util_list(0, n - 1)
            )),
            "{t}"
        );
        assert!(t.ends_with(&format!("In [2]: %px 1\nOut[2]: [{}] 1\n", util_list(0, n - 1))), "{t}");
    }
}

#[test]
fn autopx_and_targets_send_cells_to_the_chosen_engines() {
    for on in clusters_with(3) {
        let input = "%targets 0,2\n%autopx\nlet t = rank() * 10;\nt\n%autopx\n%targets all\n%px t\n%targets\n";
        let t = cells(on, input);
        let n = on.engines();
        let expected = format!(
            "In [1]: %targets 0,2\ntargets: engines 0,2\nIn [2]: %autopx\n%autopx on: cells run on engines 0,2 (%autopx again to leave)\n\
             [px 0,2] In [3]: let t = rank() * 10;\n[px 0,2] In [4]: t\nOut[4]: [0] 0\n        [2] 20\n\
             [px 0,2] In [5]: %autopx\n%autopx off: cells run on the console\nIn [6]: %targets all\ntargets: engines {all} (all)\n\
             In [7]: %px t\nerror: ",
            all = util_list(0, n - 1),
        );
        assert!(t.starts_with(&expected), "{t}");
        // Only engines 0 and 2 have `t`.
        let others: Vec<String> = (0..n).filter(|e| *e != 0 && *e != 2).map(|e| e.to_string()).collect();
        assert!(t.contains(&format!("[{}] VariableNotFound: Variable not found: t\n", others.join(","))), "{t}");
        assert!(
            t.ends_with(&format!("In [8]: %targets\ntargets: engines {}\n", util_list(0, on.engines() - 1))),
            "{t}"
        );
    }
}

#[test]
fn bad_targets_are_refused_and_the_old_ones_stay() {
    let on = clusters_with(2)[0];
    let n = on.engines();
    let t = cells(on, &format!("%targets {n}\n%targets 1-x\n%targets 1,1\n%targets\n"));
    let expected = format!(
        "In [1]: %targets {n}\nerror: targets: engine {n} does not exist (engines are 0-{last})\n\
         In [2]: %targets 1-x\nerror: targets: '1-x' is not an engine id or a range like 2-5 (e.g. %targets 0,2-3 or %targets all)\n\
         In [3]: %targets 1,1\nerror: targets: engine 1 is named twice\nIn [4]: %targets\ntargets: engines {all}\n",
        last = n - 1,
        all = util_list(0, n - 1)
    );
    assert_eq!(t, expected);
}

#[test]
fn time_reports_per_engine_spread_and_wall_time() {
    let on = clusters_with(2)[0];
    let t = cells(on, "%time rank() + 1\n");
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(lines[1], format!("Out[1]: [0] 1"));
    let last = lines.last().unwrap();
    let n = on.engines();
    assert!(last.starts_with(&format!("time on {n} engines: min ")), "{t}");
    assert!(last.contains(", median ") && last.contains(", max ") && last.ends_with(" at the console"), "{t}");
}

#[test]
fn run_and_pxrun_run_files_on_the_console_and_the_engines() {
    let on = clusters_with(2)[0];
    let dir = util::tempdir();
    let file = dir.join("setup.rhai");
    std::fs::write(&file, "fn triple(x) { 3 * x }\nlet from_file = 14;\n").unwrap();
    let f = file.display();
    let input =
        format!("%run {f}\ntriple(from_file)\n%pxrun {f}\n%px triple(from_file) + rank()\n%run nowhere.rhai\n%pxrun\n");
    let t = cells(on, &input);
    assert!(t.contains(&format!("In [1]: %run {f}\nIn [2]: triple(from_file)\nOut[2]: 42\nIn [3]: %pxrun {f}\nIn [4]: %px triple(from_file) + rank()\nOut[4]: [0] 42\n")), "{t}");
    assert!(t.contains("In [5]: %run nowhere.rhai\nerror: %run: cannot read 'nowhere.rhai': No such file"), "{t}");
    assert!(t.ends_with("In [6]: %pxrun\nerror: %pxrun needs a file, e.g. %pxrun script.rhai\n"), "{t}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn who_status_and_reset_describe_and_clear_the_namespaces() {
    for on in clusters_with(2) {
        let n = on.engines();
        let input = "let c = 1.5;\nfn sq(x) { x * x }\n%px let e = rank();\n%who\n%status\n%reset\n%who\n";
        let t = cells(on, input);
        let all = util_list(0, n - 1);
        assert!(t.contains(&format!("In [4]: %who\nconsole: c: f64\nfunctions: sq(x)\n[{all}] e: i64\n")), "{t}");
        let status = t.split("In [5]: %status\n").nth(1).unwrap();
        let rows: Vec<&str> = status.lines().take_while(|l| !l.starts_with("In [")).collect();
        let header: Vec<&str> = rows[0].split_whitespace().collect();
        assert_eq!(header, ["engine", "host", "pid", "state", "for", "memory", "vars", "shards", "running"], "{t}");
        for (e, row) in rows[1..=n].iter().enumerate() {
            let cols: Vec<&str> = row.split_whitespace().collect();
            let last2 = &cols[cols.len() - 2..];
            assert_eq!((cols[0], cols[3], last2), (e.to_string().as_str(), "idle", &["1", "0"][..]), "{row}");
        }
        // Not a terminal: %reset asks nothing.
        assert!(t.contains(&format!("In [6]: %reset\nreset: the console and {n} engines start afresh\nIn [7]: %who\nconsole: no variables\n[{all}] no variables\n")), "{t}");
    }
}

#[test]
fn help_lists_every_magic_and_the_main_functions() {
    let on = clusters()[0];
    let t = cells(on, "%help\n");
    for magic in
        ["%px", "%autopx", "%targets", "%time", "%run", "%pxrun", "%status", "%who", "%reset", "%help", "%quit", "!CMD"]
    {
        assert!(t.contains(&format!("\n  {magic}")), "{magic} missing:\n{t}");
    }
    for f in ["px(code [, targets])", "px_async(", "interrupt(", "rank(), size()", "allreduce(v, op)"] {
        assert!(t.contains(f), "{f} missing:\n{t}");
    }
}

#[test]
fn quit_ends_the_session_and_unknown_magics_are_named() {
    let on = clusters()[0];
    let r = repl(on, "%foo\n%\n%quit\n1 + 1\n").ok();
    let t = transcript("%foo\n%\n%quit\n1 + 1\n", &r.stdout);
    assert!(t.ends_with("In [1]: %foo\nerror: unknown magic %foo; %help lists them\nIn [2]: %\nerror: a magic needs a name after %; %help lists them\nIn [3]: %quit\n"), "{t}");
}

#[test]
fn shell_commands_run_and_an_empty_one_is_an_error() {
    let on = clusters()[0];
    let t = cells(on, "!echo from the shell\n!\n!exit 3\n");
    assert_eq!(
        t,
        "In [1]: !echo from the shell\nfrom the shell\nIn [2]: !\nerror: ! needs a command to run in the system shell, e.g. !ls -l\nIn [3]: !exit 3\n(exit status 3)\n"
    );
}

#[test]
fn long_values_are_cut_with_their_length() {
    let on = clusters()[0];
    let t = cells(on, "let a = []; for i in 0..1000 { a.push(i) } a\n%px let s = \"\"; s.pad(500, 'x'); s\n");
    assert!(t.contains("Out[1]: [0, 1, 2, 3, 4, 5, 6, 7, …, 998, 999] (1000 items)\n"), "{t}");
    assert!(t.contains("…\" (500 chars)") || t.contains("\"… (500 chars)"), "{t}");
}

#[test]
fn a_huge_paste_runs_every_line() {
    let on = clusters_with(2)[0];
    // 2,500 lines, about 80 KB: more than a pipe buffer holds.
    let mut input: String = (0..2_500).map(|i| format!("let v{i} = {i}; // a comment to make it longer\n")).collect();
    input.push_str("v2499 + v1\n");
    let r = repl(on, &input).ok();
    assert!(r.stdout.contains("In [2501]: Out[2501]: 2500\n"), "{}", &r.stdout[r.stdout.len().saturating_sub(300)..]);
}

#[test]
fn invalid_utf8_on_stdin_is_reported_and_the_session_goes_on() {
    let on = clusters()[0];
    let mut cmd = match on {
        On::Threads(n) => {
            let mut c = Command::new(util::binary());
            c.args(["-n", &n.to_string()]);
            c
        }
        On::Mpi(n) => {
            let mut c = Command::new("mpirun");
            c.args(["--oversubscribe", "-n", &(n + 1).to_string()]).arg(util::binary());
            util::mpi_env(&mut c);
            c
        }
    };
    cmd.arg("-i").env("NO_COLOR", "1").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"1 + 1\nlet s = \"\xff\xfe\";\n2 + 2\n").unwrap();
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert!(child.wait().unwrap().success());
    assert!(out.contains("Out[1]: 2\nIn [2]: \nerror: line 2 of the input is not valid UTF-8; the cell was skipped\nIn [2]: Out[2]: 4\n"), "{out}");
}

#[test]
fn stdin_is_still_a_batch_script_when_neither_end_is_a_terminal() {
    let on = clusters()[0];
    let r = util::run(on, &[], Some("print(px(\"1\").len());\n")).ok();
    assert_eq!(r.stdout, format!("{}\n", on.engines()));
    let r = util::run(on, &["-i", "-e", "1"], None).fails(2);
    assert!(r.stderr.contains("cannot be used with"), "{}", r.stderr);
}

#[test]
fn plots_ndarrays_and_dict_keys_show_in_the_repl() {
    for on in clusters() {
        let dir = util::tempdir();
        let file = dir.join("line.png");
        let input = format!(
            "let x = nd::linspace(0.0, 1.0, 5)\nx\nplot(x * x, #{{file: \"{}\"}});\n%plots\n%px let d = dd::new(\"w\"); if rank() == 0 {{ d[\"k\"] = 1; }} d.flush(); let a = da::zeros([8]);\n%status\n",
            file.display()
        );
        let r = repl(on, &input).ok();
        assert!(r.stdout.contains("Out[2]: NdArray(shape [5], f64)\n[ 0.0, 0.25,  0.5, 0.75,  1.0]"), "{}", r.stdout);
        assert!(r.stdout.contains(&format!("saved {}", file.display())), "{}", r.stdout);
        assert!(file.exists(), "the plot of an NdArray was saved");
        assert!(
            r.stdout.lines().any(|l| l.contains("line.png") && l.contains("plot")),
            "%plots lists it:\n{}",
            r.stdout
        );
        assert!(r.stdout.contains("DistDicts:"), "%status shows the dicts:\n{}", r.stdout);
        assert!(r.stdout.contains("w 1 keys") || r.stdout.contains("w 1 key"), "{}", r.stdout);
        // Each engine holds d and a shard of a: 2 variables, 1 shard.
        let rows = r.stdout.lines().filter(|l| l.contains(" idle ")).count();
        let with_shard = r
            .stdout
            .lines()
            .filter(|l| l.contains(" idle ") && l.split_whitespace().rev().take(2).eq(["1", "2"]))
            .count();
        assert_eq!((rows, with_shard), (on.engines(), on.engines()), "{}", r.stdout);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn rerunning_a_let_replaces_the_variable_instead_of_keeping_both() {
    // Rhai keeps a shadowed variable alive; a re-run cell must not pile up copies (a
    // DistArray's shards each time) on the console or the engines.
    for on in clusters_with(2) {
        let n = on.engines();
        let all = util_list(0, n - 1);
        let input = "let c = [1];\nlet c = [1, 2];\n%px let a = da::zeros([100, 10]);\n%px let a = da::zeros([100, 10]);\n%px let a = da::ones([100, 10]);\n%who\n%status\nc.len()\n%px a.sum()\n";
        let t = cells(on, input);
        assert!(t.contains(&format!("In [6]: %who\nconsole: c: array\n[{all}] a: DistArray\n")), "{t}");
        let status = t.split("In [7]: %status\n").nth(1).unwrap();
        for row in status.lines().skip(1).take(n) {
            let cols: Vec<&str> = row.split_whitespace().collect();
            assert_eq!(&cols[cols.len() - 2..], ["1", "1"], "one variable, one shard: {row}");
        }
        assert!(t.contains("In [8]: c.len()\nOut[8]: 2\n"), "{t}");
        assert!(t.contains("Out[9]: ") && t.contains("1000.0"), "the last `a` is the one kept: {t}");
    }
}
