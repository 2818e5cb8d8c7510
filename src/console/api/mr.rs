//! `mr::run(mapper, reducer, inputs [, #{combiner}])` at the console: MapReduce over the
//! engines' module `mr` (`bindings::mr`).
//!
//! `inputs` is a Rhai array, split over the engines in blocks as `scatter` splits it;
//! `mapper(x)` returns an array of `[key, value]`; the values are shuffled to their
//! keys' owners (DistDict's hash) and `reducer(key, values)` runs there. With
//! `combiner: true` the reducer also runs on each engine's own values first (for
//! associative reducers). The result is a map from each key (as a string) to its reduced
//! value. Errors in the callbacks come back as `px` errors do: engine, line and column.
//! Not yet: DistArray or file inputs, `into:` a DistDict.

use super::callback::{callback, options};
use super::px::error;
use crate::bindings::convert;
use crate::client::{collect, data};
use crate::console::{display, Shared};
use crate::protocol::RequestKind;
use rhai::{Dynamic, Engine, EvalAltResult, Map, Module, NativeCallContext};
use std::cell::RefCell;
use std::rc::Rc;

type Res<T> = Result<T, Box<EvalAltResult>>;

fn run(
    ctx: &NativeCallContext,
    shared: &RefCell<Shared>,
    f: Dynamic,
    r: Dynamic,
    inputs: Dynamic,
    o: Option<Dynamic>,
) -> Res<Map> {
    let op = "mr::run";
    let mapper = callback(ctx, shared, op, "the mapper", "mapper(x)", &f, 1)?;
    let reducer = callback(ctx, shared, op, "the reducer", "reducer(key, values)", &r, 2)?;
    let o = options(ctx, op, o, &["combiner"])?;
    let combiner = match o.get("combiner") {
        None => false,
        Some(c) => c.as_bool().map_err(|t| error(ctx, format!("{op}: combiner must be true or false, not {t}")))?,
    };
    if !inputs.is_array() {
        let t = convert::friendly_type_name(&inputs);
        return Err(error(ctx, format!("{op}: the inputs must be an array, not {t}")));
    }
    let inputs = convert::into_value(inputs).map_err(|e| error(ctx, format!("{op}: the inputs: {e}")))?;
    let fail = |e: crate::client::CompositeError| error(ctx, display::composite(&e));
    let targets = shared.borrow().client.live_engines();
    let pieces = data::split(inputs, targets.len()).map_err(|e| error(ctx, e.to_string()))?;
    let mut s = shared.borrow_mut();
    let kinds = pieces.into_iter().map(|p| RequestKind::Push { vars: vec![("__mr_items".to_string(), p)] }).collect();
    let id = s.client.submit_each(&targets, kinds);
    let replies = s.client.wait(id, None).expect("no deadline");
    collect(replies, op, None).map_err(fail)?;
    let vars = vec![("__mr_map".to_string(), mapper), ("__mr_reduce".to_string(), reducer)];
    s.client.run(&targets, RequestKind::Push { vars }, op).map_err(fail)?;
    let code =
        format!("let __mr_out = mr::__run(__mr_map, __mr_reduce, __mr_items, {combiner}); __mr_items = (); __mr_out");
    let ran = s.client.execute(&code, &targets, op);
    s.client.execute("__mr_map = (); __mr_reduce = (); __mr_items = ();", &targets, op).map_err(fail)?;
    let mut out = Map::new();
    for part in ran.map_err(fail)? {
        let part = convert::to_dynamic(part, &s.lib).map_err(|e| error(ctx, e.to_string()))?;
        for pair in part.cast::<rhai::Array>() {
            let mut kv = pair.cast::<rhai::Array>();
            let v = kv.pop().expect("[key, value]");
            out.insert(kv[0].to_string().into(), v);
        }
    }
    Ok(out)
}

/// Registers the console's module `mr` (`mr::run`).
pub fn register(engine: &mut Engine, shared: &Rc<RefCell<Shared>>) {
    let mut m = Module::new();
    let sh = shared.clone();
    m.set_native_fn("run", move |ctx: NativeCallContext, f: Dynamic, r: Dynamic, i: Dynamic| {
        run(&ctx, &sh, f, r, i, None)
    });
    let sh = shared.clone();
    m.set_native_fn("run", move |ctx: NativeCallContext, f: Dynamic, r: Dynamic, i: Dynamic, o: Dynamic| {
        run(&ctx, &sh, f, r, i, Some(o))
    });
    engine.register_static_module("mr", m.into());
}
