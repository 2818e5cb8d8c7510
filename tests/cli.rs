//! The command line: modes, exit status and usage errors.

use crate::util::{self, clusters, run, script, spmd, On};

#[test]
fn dash_e_prints_the_value_of_the_snippet() {
    for on in clusters() {
        let r = run(on, &["-e", "px(\"rank() * 10\")"], None).ok();
        let expected: Vec<String> = (0..on.engines()).map(|e| (e * 10).to_string()).collect();
        assert_eq!(r.stdout.trim(), format!("[{}]", expected.join(", ")), "{on:?}");
    }
}

#[test]
fn a_script_file_runs_on_the_console_and_engine_output_is_tagged() {
    for on in clusters() {
        let r = script(on, "print(\"console\");\npx(\"print(`engine ${rank()}`)\");\n").ok();
        let mut expected: Vec<String> = (0..on.engines()).map(|e| format!("[{e}] engine {e}")).collect();
        expected.push("console".into());
        expected.sort();
        assert_eq!(r.sorted_lines(), expected, "{on:?}");
    }
}

#[test]
fn a_script_on_stdin_runs_when_stdin_is_not_a_terminal() {
    for on in clusters() {
        let r = run(on, &[], Some("let n = engines().len();\nprint(`engines: ${n}`);\n")).ok();
        assert_eq!(r.stdout.trim(), format!("engines: {}", on.engines()));
    }
}

#[test]
fn spmd_runs_the_file_on_every_engine() {
    for on in clusters() {
        let r = spmd(on, "let total = allreduce(rank() + 1, \"sum\");\nprint(`${rank()}/${size()} total ${total}`);\n")
            .ok();
        let n = on.engines();
        let mut expected: Vec<String> = (0..n).map(|e| format!("[{e}] {e}/{n} total {}", n * (n + 1) / 2)).collect();
        expected.sort();
        assert_eq!(r.sorted_lines(), expected);
    }
}

#[test]
fn a_failing_script_exits_1_with_the_error_and_line_on_stderr() {
    for on in clusters() {
        let r = script(on, "let a = 1;\nlet b = a + missing;\n").fails(1);
        assert!(r.stderr.contains("Variable not found: missing"), "{}", r.stderr);
        assert!(r.stderr.contains("at ") && r.stderr.contains("script.rhai line 2, column 13"), "{}", r.stderr);
        assert!(r.stderr.contains("  2 | let b = a + missing;\n    |             ^"), "{}", r.stderr);
    }
}

#[test]
fn a_failing_spmd_script_names_the_engine_and_line() {
    for on in clusters() {
        let r = spmd(on, "let x = 1;\nif rank() == 0 { throw \"bad rank\" }\n").fails(1);
        assert!(r.stderr.contains("[0] RuntimeError: bad rank"), "{}", r.stderr);
        assert!(r.stderr.contains("line 2, column 18"), "{}", r.stderr);
    }
}

#[test]
fn syntax_error_in_a_script_is_reported_before_anything_runs() {
    for on in clusters() {
        let r = script(on, "px(\"print(1)\");\nlet = 3;\n").fails(1);
        assert!(r.stderr.contains("syntax error"), "{}", r.stderr);
        assert!(r.stderr.contains("line 2, column 5"), "{}", r.stderr);
        assert!(r.stdout.is_empty(), "nothing ran: {}", r.stdout);
    }
}

#[test]
fn usage_errors_exit_2() {
    let on = clusters()[0];
    let r = run(on, &["no/such/file.rhai"], None).fails(2);
    assert!(r.stderr.contains("cannot read 'no/such/file.rhai'"), "{}", r.stderr);
    let r = run(on, &["--no-such-flag"], None).fails(2);
    assert!(r.stderr.contains("--no-such-flag"), "{}", r.stderr);
    let r = run(on, &["-e", "1", "file.rhai"], None).fails(2);
    assert!(r.stderr.contains("cannot be used with"), "{}", r.stderr);
}

#[test]
fn zero_engines_is_a_usage_error() {
    if util::mpi() {
        return; // -n is the threads transport's option
    }
    let out = std::process::Command::new(util::binary()).args(["-n", "0", "-e", "1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("-n must be at least 1"));
}

#[test]
fn one_mpi_rank_is_explained() {
    if !util::mpi() {
        return;
    }
    let r = run(On::Mpi(0), &["-e", "1"], None);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("needs at least 2 ranks"), "{}", r.stderr);
}

#[test]
fn a_100_mb_snippet_is_refused_with_its_size() {
    // The console refuses before anything is sent, so one cluster shows it, and only on
    // threads: no transport is involved (building the 100 MB string in Rhai, in a debug
    // build, is the slow part of this test).
    if crate::util::mpi() {
        return;
    }
    for on in clusters().into_iter().take(1) {
        let code = "let code = \"let s = \\\"\";\ncode.pad(100_000_000, 'x');\ncode += \"\\\"; s.len()\";\npx(code)\n";
        let r = script(on, code).fails(1);
        assert!(r.stderr.contains("the code is 100.0 MB; pshell sends at most 64 MiB"), "{}", r.stderr);
        // The session is intact: the same script can go on after catching it.
        let code = "let code = \"\";\ncode.pad(70_000_000, ' ');\ntry { px(code); } catch (e) { print(\"caught\") }\nprint(px(\"1\").len());\n";
        let r = script(on, code).ok();
        assert_eq!(r.stdout, format!("caught\n{}\n", on.engines()));
    }
}
