//! px, targets, functions defined at the console, namespaces and composite errors.

use crate::util::{clusters, clusters_with, script};

#[test]
fn px_returns_values_in_target_order() {
    for on in clusters_with(3) {
        let r = script(on, "print(px(\"rank()\", [2, 0]));\nprint(px(\"rank()\", 1));\nprint(engines().len());").ok();
        assert_eq!(r.stdout, format!("[2, 0]\n[1]\n{}\n", on.engines()));
    }
}

#[test]
fn bad_targets_are_clear_errors_and_the_session_goes_on() {
    for on in clusters() {
        let n = on.engines();
        let code = format!(
            "for t in [[{n}], [0, 0], [], \"x\", [-1]] {{ try {{ px(\"1\", t); }} catch (e) {{ print(e) }} }}\nprint(px(\"7\").len());"
        );
        let r = script(on, &code).ok();
        let last = n - 1;
        assert_eq!(
            r.stdout,
            format!(
                "targets: engine {n} does not exist (engines are 0-{last})\ntargets: engine 0 is named twice\n\
                 targets: the list of engines is empty\ntargets: expected an engine id or an array of them, not string\n\
                 targets: engine -1 does not exist (engines are 0-{last})\n{n}\n"
            )
        );
    }
}

#[test]
fn functions_defined_at_the_console_run_on_every_engine() {
    for on in clusters() {
        let code = "fn sq(x) { x * x }\nfn cube(x) { sq(x) * x }\nprint(px(\"cube(rank() + 1)\"));";
        let r = script(on, code).ok();
        let expected: Vec<String> = (1..=on.engines()).map(|e| (e * e * e).to_string()).collect();
        assert_eq!(r.stdout.trim(), format!("[{}]", expected.join(", ")));
    }
}

#[test]
fn engine_namespaces_and_snippet_functions_persist() {
    for on in clusters() {
        let code = "px(\"let a = rank() + 1; fn twice(x) { 2 * x }\");\nprint(px(\"twice(a)\"));";
        let r = script(on, code).ok();
        let expected: Vec<String> = (1..=on.engines()).map(|e| (2 * e).to_string()).collect();
        assert_eq!(r.stdout.trim(), format!("[{}]", expected.join(", ")));
    }
}

#[test]
fn a_runtime_error_on_one_engine_names_it_and_the_others_carry_on() {
    for on in clusters_with(2) {
        let code = "px(\"let v = 5;\");\ntry { px(\"let w = 1;\\nif rank() == 1 { throw `boom on ${rank()}` }\\nrank()\"); } catch (e) { print(e) }\nprint(px(\"v\"));";
        let r = script(on, code).ok();
        let values: Vec<String> = (0..on.engines()).map(|_| "5".to_string()).collect();
        assert_eq!(
            r.stdout,
            format!(
                "[1] RuntimeError: boom on 1\n  at px line 2, column 18\n  2 | if rank() == 1 {{ throw `boom on ${{rank()}}` }}\n    |                  ^\n[{}]\n",
                values.join(", ")
            )
        );
    }
}

#[test]
fn identical_failures_collapse_into_one_entry() {
    for on in clusters_with(3) {
        let r = script(on, "px(\"let q = ;\")").fails(1);
        let n = on.engines();
        let expected = format!(
            "error: {n} of {n} engines failed in px:\n[0-{}] ParseError: Unexpected ';'\n  at px line 1, column 9\n  1 | let q = ;\n    |         ^\n",
            n - 1
        );
        assert!(r.stderr.starts_with(&expected), "{}", r.stderr);
    }
}

#[test]
fn errors_inside_functions_show_the_call_chain() {
    for on in clusters() {
        let code = "fn inner(x) { x / 0 }\nfn outer(x) { inner(x) + 1 }\npx(\"outer(rank())\", 0)";
        let r = script(on, code).fails(1);
        assert!(r.stderr.contains("[0] ArithmeticError: Division by zero"), "{}", r.stderr);
        assert!(r.stderr.contains("in outer (line 2, column 15) > inner (line 1, column 17)"), "{}", r.stderr);
    }
}

#[test]
fn engine_output_streams_while_the_request_runs() {
    for on in clusters() {
        let code = "let r = px_async(\"print(`early ${rank()}`); debug(`dbg`); sleep(60); 1\", 0);\nsleep(0.5);\nprint(\"console saw it\");\ninterrupt();\nr.wait();";
        let r = script(on, code).ok();
        assert_eq!(r.stdout, "[0] early 0\n[0] \"dbg\"\nconsole saw it\n", "{on:?}");
    }
}
