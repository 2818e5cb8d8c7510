//! Calling one function on many items: the engine's side of `map`, `lb_map` and `submit`.
//!
//! The console sends a function (a travelled `FnPtr`: a name, or a closure and its
//! captured values) with a block of items ([`RequestKind::Map`]) or one argument list
//! ([`RequestKind::Call`]). The function is called natively through Rhai's `FnPtr::call`
//! with the engine's function library (the console's functions and closures are compiled
//! there), so no snippet is parsed per item. A failing item does not stop the others: it
//! is reported at once as a [`Message::ItemFailed`] naming its index in the whole map, and
//! the request ends with an "ItemsFailed" error once every item has run. Two failures end
//! the whole block instead, because every other item would fail the same way: the
//! function does not exist on this engine, or the request was interrupted.
//!
//! [`RequestKind::Map`]: crate::protocol::RequestKind::Map
//! [`RequestKind::Call`]: crate::protocol::RequestKind::Call

use crate::bindings::{convert, signatures};
use crate::engine::errors;
use crate::engine::state::State;
use crate::protocol::{Message, Peer, RemoteError, Value};
use rhai::{Dynamic, Engine, EvalAltResult, FnPtr, AST};
use std::cell::RefCell;

/// Items run between two looks at the inbox (for interrupts), when the items are too
/// short for Rhai's own progress callback to fire.
const POLL_EVERY: usize = 64;

/// The function to call, rebuilt from its travelled form.
fn function(engine: usize, func: Value, lib: &AST) -> Result<FnPtr, RemoteError> {
    let what = match &func {
        Value::FnPtr { name, .. } => name.clone(),
        other => {
            let msg = format!("expected a function to call, not a value of type {}", other.type_name());
            return Err(errors::plain(engine, "TypeError", msg));
        }
    };
    let d = convert::to_dynamic(func, lib).map_err(|e| errors::plain(engine, "FunctionNotFound", e.to_string()))?;
    d.try_cast::<FnPtr>().ok_or_else(|| errors::plain(engine, "TypeError", format!("'{what}' is not a function")))
}

/// Whether `err` says that `f` itself (not something it calls) does not exist.
fn is_missing(f: &FnPtr, err: &EvalAltResult) -> bool {
    match err {
        EvalAltResult::ErrorFunctionNotFound(sig, _) => {
            let name = f.fn_name();
            sig.strip_prefix(name).is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '(']))
        }
        _ => false,
    }
}

fn missing(engine: usize, f: &FnPtr, args: usize) -> RemoteError {
    let n = args + f.curry().len();
    let plural = if n == 1 { "" } else { "s" };
    errors::plain(
        engine,
        "FunctionNotFound",
        format!(
            "there is no function '{}' taking {n} argument{plural} on the engines (define it at the console, or on every engine with px)",
            f.fn_name()
        ),
    )
}

/// Calls `func` on each item; the array of results, or "ItemsFailed" after reporting each
/// failed item.
pub fn run_map(
    rhai: &Engine,
    state: &RefCell<State>,
    func: Value,
    items: Vec<Value>,
    first: u64,
) -> Result<Value, RemoteError> {
    let (engine, lib, request) = {
        let st = state.borrow();
        (st.id, st.lib.clone(), st.current.as_ref().map_or(0, |c| c.id))
    };
    let f = function(engine, func, &lib)?;
    let total = items.len();
    let mut results = Vec::with_capacity(total);
    let mut failed = 0usize;
    for (i, item) in items.into_iter().enumerate() {
        if i % POLL_EVERY == POLL_EVERY - 1 {
            let mut st = state.borrow_mut();
            st.poll();
            if st.interrupted() {
                return Err(errors::plain(engine, "Interrupted", "interrupted".into()));
            }
        }
        let index = first + i as u64;
        let arg = convert::to_dynamic(item, &lib)
            .map_err(|e| errors::plain(engine, "CannotTravel", format!("item {index}: {e}")));
        let outcome = arg.and_then(|arg| match f.call::<Dynamic>(rhai, &lib, (arg,)) {
            Ok(v) => convert::to_value(&v)
                .map_err(|e| errors::plain(engine, "CannotTravel", format!("the result cannot be returned: {e}"))),
            Err(e) if matches!(*e, EvalAltResult::ErrorTerminated(..)) => {
                Err(errors::plain(engine, "Interrupted", "interrupted".into()))
            }
            Err(e) if i == 0 && is_missing(&f, &e) => Err(missing(engine, &f, 1)),
            Err(e) => Err(errors::from_eval(engine, *e, |e| signatures::explain(rhai, e))),
        });
        match outcome {
            Ok(v) => results.push(v),
            Err(e) if e.kind == "Interrupted" || e.kind == "FunctionNotFound" => return Err(e),
            Err(error) => {
                failed += 1;
                results.push(Value::Unit);
                let msg = Message::ItemFailed { request, item: index, error };
                let _ = state.borrow().transport.send(Peer::Console, msg);
            }
        }
    }
    if failed > 0 {
        let plural = if total == 1 { "" } else { "s" };
        let msg = format!("{failed} of {total} item{plural} failed");
        return Err(errors::plain(engine, "ItemsFailed", msg));
    }
    Ok(Value::Array(results))
}

/// Calls `func(args...)` once.
pub fn run_call(rhai: &Engine, state: &RefCell<State>, func: Value, args: Vec<Value>) -> Result<Value, RemoteError> {
    let (engine, lib) = {
        let st = state.borrow();
        (st.id, st.lib.clone())
    };
    let f = function(engine, func, &lib)?;
    let n = args.len();
    let args: Vec<Dynamic> = args
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            convert::to_dynamic(a, &lib)
                .map_err(|e| errors::plain(engine, "CannotTravel", format!("argument {}: {e}", i + 1)))
        })
        .collect::<Result<_, _>>()?;
    match f.call::<Dynamic>(rhai, &lib, args) {
        Ok(v) => convert::to_value(&v)
            .map_err(|e| errors::plain(engine, "CannotTravel", format!("the result cannot be returned: {e}"))),
        Err(e) if is_missing(&f, &e) => Err(missing(engine, &f, n)),
        Err(e) => Err(errors::from_eval(engine, *e, |e| signatures::explain(rhai, e))),
    }
}
