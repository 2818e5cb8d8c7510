//! The engines' side of MapReduce (`mr::run` at the console, `console::api::mr`):
//! `mr::__run(mapper, reducer, items, combiner)` maps this engine's items, shuffles the
//! `[key, value]` pairs to the keys' owners and reduces the keys it owns.
//!
//! A key's owner is DistDict's (`distdict::key::owner`), so a result can stay where a
//! DistDict would keep it. Pairs are grouped by key in sorted key order; with `combiner`
//! the reducer first runs on each key's local values, so only one value per key and
//! engine travels. The shuffle is one `State::exchange` (named `mr::run()`); at the owner
//! a key's values are in engine order, then in the order the mapper made them, so a run
//! gives the same answer on any transport. The result is this engine's `[key, reduced]`
//! pairs, in key order.

use super::convert;
use crate::distdict::key::{owner, Key};
use crate::engine::state::{State, WaitError};
use crate::protocol::Value;
use rhai::{Array, Dynamic, Engine, EvalAltResult, FnPtr, Module, NativeCallContext};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

type Res<T> = Result<T, Box<EvalAltResult>>;

fn error(ctx: &NativeCallContext, msg: String) -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(msg.into(), ctx.call_position()).into()
}

/// A key the shuffle can hash: strings, integers, booleans and characters.
fn key_of(d: &Dynamic) -> Option<Key> {
    if let Ok(s) = d.as_immutable_string_ref() {
        return Some(Key::Str(s.as_str().to_owned()));
    }
    d.as_int().map(Key::Int).or_else(|_| d.as_bool().map(Key::Bool)).or_else(|_| d.as_char().map(Key::Char)).ok()
}

fn key_to_dynamic(k: &Key) -> Dynamic {
    match k {
        Key::Str(s) => s.clone().into(),
        Key::Int(i) => (*i).into(),
        Key::Bool(b) => (*b).into(),
        Key::Char(c) => (*c).into(),
    }
}

/// The mapper's pairs for one item, grouped into `groups`.
fn map_one(ctx: &NativeCallContext, out: Dynamic, item: usize, groups: &mut BTreeMap<Key, Array>) -> Res<()> {
    let wrong = |what: String| {
        error(
            ctx,
            format!("mr::run: the mapper must return an array of [key, value]; for item {item} it returned {what}"),
        )
    };
    let t = convert::friendly_type_name(&out);
    let Some(pairs) = out.try_cast::<Array>() else { return Err(wrong(format!("a value of type '{t}'"))) };
    for (j, p) in pairs.into_iter().enumerate() {
        let t = convert::friendly_type_name(&p);
        let Some(mut kv) = p.try_cast::<Array>().filter(|kv| kv.len() == 2) else {
            return Err(wrong(format!("element {j} of type '{t}', not a [key, value] array")));
        };
        let v = kv.pop().expect("two");
        let k = kv.pop().expect("two");
        let Some(key) = key_of(&k) else {
            let t = convert::friendly_type_name(&k);
            return Err(wrong(format!(
                "a key of type '{t}' in element {j} (keys are strings, integers, booleans or characters)"
            )));
        };
        groups.entry(key).or_default().push(v);
    }
    Ok(())
}

fn reduce(ctx: &NativeCallContext, reducer: &FnPtr, key: &Key, values: Array) -> Res<Dynamic> {
    reducer.call_within_context(ctx, (key_to_dynamic(key), values))
}

fn run(
    ctx: &NativeCallContext,
    state: &RefCell<State>,
    f: FnPtr,
    r: FnPtr,
    items: Array,
    combiner: bool,
) -> Res<Array> {
    let n = state.borrow().engines;
    let mut groups: BTreeMap<Key, Array> = BTreeMap::new();
    for (i, item) in items.into_iter().enumerate() {
        let out: Dynamic = f.call_within_context(ctx, (item,))?;
        map_one(ctx, out, i, &mut groups)?;
    }
    let mut outgoing: Vec<Vec<Value>> = vec![Vec::new(); n];
    for (key, values) in groups {
        let values = if combiner { vec![reduce(ctx, &r, &key, values)?] } else { values };
        let values = convert::into_value(Dynamic::from_array(values))
            .map_err(|e| error(ctx, format!("mr::run: a value: {e}")))?;
        let k = convert::into_value(key_to_dynamic(&key)).map_err(|e| error(ctx, e.to_string()))?;
        outgoing[owner(&key, n)].push(Value::Array(vec![k, values]));
    }
    let incoming = state.borrow_mut().exchange("mr::run()", outgoing).map_err(|e| match e {
        WaitError::Interrupted => EvalAltResult::ErrorTerminated("interrupted".into(), ctx.call_position()).into(),
        WaitError::Failed(msg) => error(ctx, msg),
    })?;
    let lib = state.borrow().lib.clone();
    let mut owned: BTreeMap<Key, Array> = BTreeMap::new();
    for pair in incoming.into_iter().flatten() {
        let d = convert::to_dynamic(pair, &lib).map_err(|e| error(ctx, e.to_string()))?;
        let mut kv = d.cast::<Array>();
        let values = kv.pop().expect("[key, values]").cast::<Array>();
        let key = key_of(&kv[0]).expect("a key that was hashed");
        owned.entry(key).or_default().extend(values);
    }
    let mut out = Array::with_capacity(owned.len());
    for (key, values) in owned {
        let reduced = reduce(ctx, &r, &key, values)?;
        out.push(Dynamic::from_array(vec![key_to_dynamic(&key), reduced]));
    }
    Ok(out)
}

/// Registers the engines' module `mr`, bound to this engine's state.
pub fn register(engine: &mut Engine, state: &Rc<RefCell<State>>) {
    let mut m = Module::new();
    let st = state.clone();
    m.set_native_fn("__run", move |ctx: NativeCallContext, f: FnPtr, r: FnPtr, items: Array, combiner: bool| {
        run(&ctx, &st, f, r, items, combiner)
    });
    engine.register_static_module("mr", m.into());
}
