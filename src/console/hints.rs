//! Rhai's generic "not found" messages at the console, made to say what exists.
//!
//! A call of one of pshell's console functions with arguments it does not take names the
//! forms it does take (`push(#{name: value} [, targets])`); a function or module that
//! lives on the engines says so, and how to reach it. Anything else keeps Rhai's text.

use crate::bindings::signatures::{self, split_signature};
use rhai::{Engine, EvalAltResult};

/// The forms of the console's own functions, as API.md writes them.
const USAGE: &[(&str, &str)] = &[
    ("engines", "engines()"),
    ("px", "px(code [, targets])"),
    ("px_async", "px_async(code [, targets])"),
    ("push", "push(#{name: value} [, targets])"),
    ("pull", "pull(name [, targets]) or pull([names] [, targets])"),
    ("scatter", "scatter(name, array [, targets]) (or, to plot, scatter(x, y [, options]))"),
    ("gather", "gather(name [, targets])"),
    ("map", "map(f, items)"),
    ("lb_map", "lb_map(f, items)"),
    ("submit", "submit(f, args...)"),
    ("wait_all", "wait_all(results [, seconds])"),
    ("interrupt", "interrupt([targets])"),
];

/// Functions registered only on the engines.
const ENGINE_FUNCTIONS: &[&str] = &["rank", "size", "barrier", "bcast", "allreduce", "allgather", "send", "recv"];

/// Modules registered only on the engines.
const ENGINE_MODULES: &[&str] = &["da"];

/// A better message for `err` raised by console code running in `engine`, or `None` to
/// keep Rhai's.
pub fn explain(engine: &Engine, err: &EvalAltResult) -> Option<String> {
    match err {
        EvalAltResult::ErrorModuleNotFound(module, _) if ENGINE_MODULES.contains(&module.as_str()) => Some(format!(
            "module {module} lives on the engines: use it inside px(\"...\"), e.g. px(\"let a = {module}::zeros([4])\"), \
             or run the whole script there with --spmd; gather(\"a\") then brings a DistArray to the console as an NdArray"
        )),
        EvalAltResult::ErrorFunctionNotFound(sig, _) => {
            let (name, args) = split_signature(sig);
            if let Some((_, usage)) = USAGE.iter().find(|(n, _)| *n == name) {
                // Rhai has methods of some of these names (`push` on arrays): listed when
                // the call looks like one (an array or blob first), not otherwise.
                let method = args.starts_with("(array") || args.starts_with("(blob");
                let all = signatures::forms(engine, name)
                    .filter(|_| method)
                    .map(|f| format!(" (the forms that exist: {f})"));
                return Some(format!("{name} does not take {args}; use {usage}{}", all.unwrap_or_default()));
            }
            if ENGINE_FUNCTIONS.contains(&name) && !args.starts_with("(NdArray") && !args.starts_with("(DistArray") {
                return Some(format!(
                    "{name} runs on the engines, not the console: use it inside px(\"...\") or in a script run with --spmd"
                ));
            }
            signatures::explain(engine, err)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rhai::Position;

    fn missing(sig: &str) -> Option<String> {
        explain(&Engine::new(), &EvalAltResult::ErrorFunctionNotFound(sig.into(), Position::NONE))
    }

    #[test]
    fn console_functions_name_their_forms() {
        let m = missing("push (i64)").unwrap();
        assert!(m.contains("push does not take (i64)") && m.contains("push(#{name: value} [, targets])"), "{m}");
        assert!(missing("gather (i64)").unwrap().contains("gather(name [, targets])"));
    }

    #[test]
    fn engine_names_say_where_they_live() {
        assert!(missing("rank ()").unwrap().contains("runs on the engines"));
        let m = explain(&Engine::new(), &EvalAltResult::ErrorModuleNotFound("da".into(), Position::NONE)).unwrap();
        assert!(m.contains("module da lives on the engines") && m.contains("px("), "{m}");
        assert!(explain(&Engine::new(), &EvalAltResult::ErrorModuleNotFound("foo".into(), Position::NONE)).is_none());
        assert!(missing("frobnicate (array)").unwrap().contains("no function of that name exists"));
    }
}
