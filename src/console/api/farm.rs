//! Task farming at the console: `map lb_map submit wait_all`.
//!
//! Thin: the function argument (a console function, a closure with its captured values,
//! or a function's name) becomes a travelling function pointer, items are converted
//! chunk by chunk as the client asks for them, and the work itself is done by
//! `client::farm` (map, lb_map) and the client's task queue (submit).

use super::async_result::{self, AsyncResult};
use super::px::error;
use crate::bindings::convert;
use crate::client::farm::{self, FarmError, Source};
use crate::console::Shared;
use crate::protocol::{RequestKind, Value};
use rhai::{Array, Dynamic, Engine, EvalAltResult, FnPtr, ImmutableString, NativeCallContext};
use std::cell::RefCell;
use std::ops::{Range, RangeInclusive};
use std::rc::Rc;

type Res<T> = Result<T, Box<EvalAltResult>>;

/// The travelling form of a function argument.
pub(super) fn function(ctx: &NativeCallContext, op: &str, f: &Dynamic) -> Res<Value> {
    if let Some(name) = f.read_lock::<ImmutableString>() {
        let name = name.trim();
        if FnPtr::new(name).is_err() {
            return Err(error(ctx, format!("{op}: '{name}' is not a function name")));
        }
        return Ok(Value::FnPtr { name: name.to_string(), curried: vec![] });
    }
    if !f.is::<FnPtr>() {
        let t = convert::friendly_type_name(f);
        return Err(error(ctx, format!("{op}: expected a function (a function, its name, or a closure), not {t}")));
    }
    convert::to_value(f).map_err(|e| {
        error(ctx, format!("{op}: the function cannot travel to the engines: {e} (captured by the closure)"))
    })
}

/// The items to map over: an array or a range of integers.
enum Items {
    Array(Array),
    Ints { start: i64, len: usize },
}

impl Items {
    fn from(ctx: &NativeCallContext, op: &str, d: Dynamic) -> Res<Items> {
        if d.is_array() {
            return Ok(Items::Array(d.into_array().expect("checked")));
        }
        if let Some(r) = d.read_lock::<Range<i64>>() {
            return Ok(Items::Ints { start: r.start, len: r.end.saturating_sub(r.start).max(0) as usize });
        }
        if let Some(r) = d.read_lock::<RangeInclusive<i64>>() {
            let len = if r.is_empty() { 0 } else { (*r.end() - *r.start()) as usize + 1 };
            return Ok(Items::Ints { start: *r.start(), len });
        }
        let t = convert::friendly_type_name(&d);
        Err(error(ctx, format!("{op}: the items must be an array or a range of integers, not {t}")))
    }

    fn len(&self) -> usize {
        match self {
            Items::Array(a) => a.len(),
            Items::Ints { len, .. } => *len,
        }
    }

    /// Items `r` as travelling values.
    fn values(&self, r: Range<usize>) -> Result<Vec<Value>, String> {
        match self {
            Items::Array(a) => a[r.clone()]
                .iter()
                .zip(r)
                .map(|(v, i)| convert::to_value(v).map_err(|e| format!("item {i} cannot travel to the engines: {e}")))
                .collect(),
            Items::Ints { start, .. } => Ok(r.map(|i| Value::Int(start + i as i64)).collect()),
        }
    }
}

type Farm = fn(
    &mut crate::client::Client,
    Value,
    usize,
    &mut Source,
    Option<&mut crate::client::progress::ProgressHook>,
) -> Result<Vec<Value>, FarmError>;

fn run_farm(
    ctx: &NativeCallContext,
    shared: &RefCell<Shared>,
    op: &str,
    how: Farm,
    f: Dynamic,
    items: Dynamic,
) -> Res<Array> {
    if items.is::<FnPtr>() && !f.is::<FnPtr>() && !f.is_string() {
        return Err(error(ctx, format!("{op}: the function comes first: {op}(f, items)")));
    }
    let func = function(ctx, op, &f)?;
    let items = Items::from(ctx, op, items)?;
    let mut source = |r: Range<usize>| items.values(r);
    let values = {
        let s = &mut *shared.borrow_mut();
        how(&mut s.client, func, items.len(), &mut source, s.progress.as_mut())
            .map_err(|e| error(ctx, e.to_string()))?
    };
    let s = shared.borrow();
    values.into_iter().map(|v| convert::to_dynamic(v, &s.lib).map_err(|e| error(ctx, e.to_string()))).collect()
}

fn submit(ctx: &NativeCallContext, shared: &Rc<RefCell<Shared>>, f: Dynamic, args: Vec<Dynamic>) -> Res<AsyncResult> {
    let func = function(ctx, "submit", &f)?;
    let args = args
        .iter()
        .enumerate()
        .map(|(i, a)| {
            convert::to_value(a)
                .map_err(|e| error(ctx, format!("submit: argument {} cannot travel to the engines: {e}", i + 1)))
        })
        .collect::<Res<Vec<_>>>()?;
    let id = shared.borrow_mut().client.submit_task(RequestKind::Call { func, args });
    Ok(AsyncResult::task(id, shared.clone()))
}

/// Registers `map lb_map submit wait_all`, bound to the console's shared state.
pub fn register(engine: &mut Engine, shared: &Rc<RefCell<Shared>>) {
    // `map(f, items)`: `[f(x) for x in items]`, items split in one block per engine;
    // results in item order. `items`: an array or a range of integers.
    let sh = shared.clone();
    engine.register_fn("map", move |ctx: NativeCallContext, f: Dynamic, items: Dynamic| {
        run_farm(&ctx, &sh, "map", farm::map, f, items)
    });
    // `lb_map(f, items)`: the same, load-balanced: each idle engine takes the next item
    // (or a small chunk of cheap items).
    let sh = shared.clone();
    engine.register_fn("lb_map", move |ctx: NativeCallContext, f: Dynamic, items: Dynamic| {
        run_farm(&ctx, &sh, "lb_map", farm::lb_map, f, items)
    });
    // `submit(f, args...)`: an AsyncResult for `f(args...)` on the next idle engine.
    let sh = shared.clone();
    engine.register_fn("submit", move |ctx: NativeCallContext, f: Dynamic| submit(&ctx, &sh, f, vec![]));
    let sh = shared.clone();
    engine.register_fn("submit", move |ctx: NativeCallContext, f: Dynamic, a: Dynamic| submit(&ctx, &sh, f, vec![a]));
    let sh = shared.clone();
    engine.register_fn("submit", move |ctx: NativeCallContext, f: Dynamic, a: Dynamic, b: Dynamic| {
        submit(&ctx, &sh, f, vec![a, b])
    });
    let sh = shared.clone();
    engine.register_fn("submit", move |ctx: NativeCallContext, f: Dynamic, a: Dynamic, b: Dynamic, c: Dynamic| {
        submit(&ctx, &sh, f, vec![a, b, c])
    });
    let sh = shared.clone();
    engine.register_fn(
        "submit",
        move |ctx: NativeCallContext, f: Dynamic, a: Dynamic, b: Dynamic, c: Dynamic, d: Dynamic| {
            submit(&ctx, &sh, f, vec![a, b, c, d])
        },
    );
    let sh = shared.clone();
    engine.register_fn(
        "submit",
        move |ctx: NativeCallContext, f: Dynamic, a: Dynamic, b: Dynamic, c: Dynamic, d: Dynamic, e: Dynamic| {
            submit(&ctx, &sh, f, vec![a, b, c, d, e])
        },
    );
    // `wait_all(results)`: waits until every AsyncResult is done; true.
    let sh = shared.clone();
    engine.register_fn("wait_all", move |ctx: NativeCallContext, results: Array| {
        async_result::wait_all(&ctx, &sh, results, None)
    });
    // `wait_all(results, seconds)`: waits at most `seconds`; whether all are done.
    let sh = shared.clone();
    engine.register_fn("wait_all", move |ctx: NativeCallContext, results: Array, s: f64| {
        async_result::wait_all(&ctx, &sh, results, Some(s))
    });
    let sh = shared.clone();
    engine.register_fn("wait_all", move |ctx: NativeCallContext, results: Array, s: i64| {
        async_result::wait_all(&ctx, &sh, results, Some(s as f64))
    });
}
