//! Flattening Rhai errors (and panics) into [`RemoteError`]s that can travel.
//!
//! The position kept is the one in the snippet that was sent (for an error inside a
//! function called from the snippet, the position of the call), so the console can put a
//! caret under it. The functions being called are listed outermost first, each with the
//! position inside that function where the error happened.

use crate::protocol::RemoteError;
use rhai::{EvalAltResult, ParseError, Position};
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

fn position(pos: Position) -> Option<(u32, u32)> {
    match (pos.line(), pos.position()) {
        (Some(l), Some(c)) => Some((l as u32, c as u32)),
        (Some(l), None) => Some((l as u32, 1)),
        _ => None,
    }
}

/// A syntax error in a snippet.
pub fn from_parse(engine: usize, err: &ParseError) -> RemoteError {
    RemoteError {
        engine,
        kind: "ParseError".into(),
        message: err.err_type().to_string(),
        position: position(err.position()),
        call_chain: vec![],
    }
}

/// A runtime error raised while a snippet ran. `explain` may put a better message in
/// place of Rhai's for the innermost error (the engine's function table says what exists).
pub fn from_eval(engine: usize, err: EvalAltResult, explain: impl Fn(&EvalAltResult) -> Option<String>) -> RemoteError {
    let outer = position(err.position());
    let mut call_chain = Vec::new();
    let mut err = err;
    while let EvalAltResult::ErrorInFunctionCall(name, _source, inner, _) = err {
        let at = position(inner.position()).map(|(l, c)| format!(" (line {l}, column {c})")).unwrap_or_default();
        // Closures are compiled as functions named after a hash of their body.
        let name = if name.starts_with("anon$") { "closure" } else { name.as_str() };
        call_chain.push(format!("{name}{at}"));
        err = *inner;
    }
    // A kernel that noticed an interrupt failed with an error of its own module.
    if let Some(what) = crate::interrupt::tripped() {
        return RemoteError {
            engine,
            kind: "Interrupted".into(),
            message: format!("interrupted in {what}"),
            position: outer,
            call_chain,
        };
    }
    let kind = match &err {
        EvalAltResult::ErrorTerminated(..) => "Interrupted",
        EvalAltResult::ErrorRuntime(..) => "RuntimeError",
        EvalAltResult::ErrorParsing(..) => "ParseError",
        EvalAltResult::ErrorVariableNotFound(..) => "VariableNotFound",
        EvalAltResult::ErrorFunctionNotFound(..) => "FunctionNotFound",
        EvalAltResult::ErrorMismatchDataType(..) | EvalAltResult::ErrorMismatchOutputType(..) => "TypeError",
        EvalAltResult::ErrorIndexNotFound(..)
        | EvalAltResult::ErrorArrayBounds(..)
        | EvalAltResult::ErrorStringBounds(..)
        | EvalAltResult::ErrorBitFieldBounds(..) => "IndexError",
        EvalAltResult::ErrorArithmetic(..) => "ArithmeticError",
        EvalAltResult::ErrorTooManyOperations(..)
        | EvalAltResult::ErrorDataTooLarge(..)
        | EvalAltResult::ErrorStackOverflow(..)
        | EvalAltResult::ErrorTooManyModules(..) => "LimitError",
        _ => "RuntimeError",
    };
    let message = explain(&err).unwrap_or_else(|| message_of(err));
    RemoteError { engine, kind: kind.into(), message, position: outer, call_chain }
}

/// The text of an error without its position (which is reported separately).
pub fn message_of(mut err: EvalAltResult) -> String {
    match &err {
        EvalAltResult::ErrorTerminated(..) => "interrupted".to_string(),
        EvalAltResult::ErrorRuntime(v, _) => v.to_string(),
        _ => {
            err.clear_position();
            err.to_string()
        }
    }
}

/// The message a panic carried.
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

thread_local! {
    /// Whether this thread is running a request (its panics are reported, not printed).
    static IN_REQUEST: Cell<bool> = const { Cell::new(false) };
    /// Where the last panic on this thread happened.
    static PANIC_AT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs (once per process) a panic hook that records where a panic happened and
/// keeps quiet about panics inside requests: those travel to the console as errors.
pub fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let at = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
            PANIC_AT.with(|p| *p.borrow_mut() = at);
            if !IN_REQUEST.with(Cell::get) {
                default(info);
            }
        }));
    });
}

/// Runs `f` as a request: a panic inside it is returned as the panic's error.
pub fn catch_request<T>(engine: usize, f: impl FnOnce() -> Result<T, RemoteError>) -> Result<T, RemoteError> {
    IN_REQUEST.with(|r| r.set(true));
    let outcome = catch_unwind(AssertUnwindSafe(f));
    IN_REQUEST.with(|r| r.set(false));
    outcome.unwrap_or_else(|payload| Err(from_panic(engine, payload.as_ref())))
}

/// A panic caught while a request ran (or that ended an engine).
pub fn from_panic(engine: usize, payload: &(dyn std::any::Any + Send)) -> RemoteError {
    let what = panic_text(payload);
    let at = PANIC_AT.with(|p| p.borrow_mut().take()).map(|l| format!(" at {l}")).unwrap_or_default();
    RemoteError {
        engine,
        kind: "Panic".into(),
        message: format!("the engine panicked{at}: {what} (its namespace is kept)"),
        position: None,
        call_chain: vec![],
    }
}

/// An error raised by pshell itself, outside a script position.
pub fn plain(engine: usize, kind: &str, message: String) -> RemoteError {
    RemoteError { engine, kind: kind.into(), message, position: None, call_chain: vec![] }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rhai::Engine;

    #[test]
    fn function_errors_keep_the_call_site_and_the_chain() {
        let engine = Engine::new();
        let code = "fn inner(x) {\n  x + y\n}\nfn outer(x) { inner(x) }\nlet a = 1;\nouter(a)";
        let err = engine.eval::<i64>(code).unwrap_err();
        let r = from_eval(2, *err, |_| None);
        assert_eq!(r.kind, "VariableNotFound");
        assert_eq!(r.position, Some((6, 1)));
        assert_eq!(r.call_chain, vec!["outer (line 4, column 15)", "inner (line 2, column 7)"]);
        assert!(r.message.contains("y"), "{}", r.message);
    }

    #[test]
    fn thrown_values_and_syntax_errors() {
        let engine = Engine::new();
        let r = from_eval(0, *engine.eval::<()>("let x = 1;\n  throw \"bad\";").unwrap_err(), |_| None);
        assert_eq!((r.kind.as_str(), r.message.as_str(), r.position), ("RuntimeError", "bad", Some((2, 3))));
        let p = engine.compile("let x = ;").unwrap_err();
        let r = from_parse(1, &p);
        assert_eq!(r.kind, "ParseError");
        assert_eq!(r.position, Some((1, 9)));
    }
}
