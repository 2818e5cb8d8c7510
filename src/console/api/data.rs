//! Moving data between the console and the engines' namespaces: `push pull scatter gather`.
//!
//! Thin: each function checks its arguments, converts values with `convert`, and sends
//! requests through the client. What can be split and joined is decided in one place,
//! `client::data::{split, join}`; the engine's piece of a gather is chosen where the
//! engine serves `RequestKind::Gather` (`runner`). A failure on some engines is
//! one error naming them (the composite error display).

use super::px::{error, targets_arg};
use crate::bindings::convert;
use crate::client::{collect, data};
use crate::console::{display, Shared};
use crate::protocol::{RequestKind, Value};
use rhai::{Array, Dynamic, Engine, EvalAltResult, Map, NativeCallContext};
use std::cell::RefCell;
use std::rc::Rc;

type Res<T> = Result<T, Box<EvalAltResult>>;

/// Whether `name` can be a variable on the engines.
pub(super) fn check_name(ctx: &NativeCallContext, op: &str, name: &str) -> Res<()> {
    if crate::bindings::is_identifier(name) {
        Ok(())
    } else {
        Err(error(ctx, format!("{op}: '{name}' is not a valid variable name")))
    }
}

fn push(ctx: &NativeCallContext, shared: &RefCell<Shared>, vars: Map, t: Option<Dynamic>) -> Res<()> {
    let targets = targets_arg(ctx, shared, t)?;
    let mut out = Vec::with_capacity(vars.len());
    for (name, v) in vars {
        check_name(ctx, "push", &name)?;
        // Moved when nothing else holds it (`push(#{a: nd::zeros([n])})`).
        let v = convert::into_value(v).map_err(|e| error(ctx, format!("push of '{name}': {e}")))?;
        out.push((name.to_string(), v));
    }
    let mut s = shared.borrow_mut();
    s.client.run(&targets, RequestKind::Push { vars: out }, "push").map_err(|e| error(ctx, display::composite(&e)))?;
    Ok(())
}

fn pull(ctx: &NativeCallContext, shared: &RefCell<Shared>, names: Dynamic, t: Option<Dynamic>) -> Res<Array> {
    let targets = targets_arg(ctx, shared, t)?;
    let (names, single) = if names.is_string() {
        (vec![names.into_string().expect("checked")], true)
    } else if names.is_array() {
        let names = names
            .into_array()
            .expect("checked")
            .into_iter()
            .map(|n| n.into_string().map_err(|t| error(ctx, format!("pull: a name must be a string, not {t}"))))
            .collect::<Res<Vec<String>>>()?;
        (names, false)
    } else {
        let t = convert::friendly_type_name(&names);
        return Err(error(ctx, format!("pull: expected a name or an array of names, not {t}")));
    };
    for n in &names {
        check_name(ctx, "pull", n)?;
    }
    let mut s = shared.borrow_mut();
    let values =
        s.client.run(&targets, RequestKind::Pull { names }, "pull").map_err(|e| error(ctx, display::composite(&e)))?;
    values
        .into_iter()
        .map(|v| {
            let v = match v {
                Value::Array(mut vals) if single && vals.len() == 1 => vals.pop().expect("one value"),
                other => other,
            };
            convert::to_dynamic(v, &s.lib).map_err(|e| error(ctx, e.to_string()))
        })
        .collect()
}

fn scatter(
    ctx: &NativeCallContext,
    shared: &RefCell<Shared>,
    name: &str,
    value: Dynamic,
    t: Option<Dynamic>,
) -> Res<()> {
    check_name(ctx, "scatter", name)?;
    let targets = targets_arg(ctx, shared, t)?;
    // The argument is this call's own copy: moved, not copied again.
    let (is_array, type_name) = (value.is_array(), convert::friendly_type_name(&value));
    let value = match convert::into_value(value) {
        Ok(v) => v,
        Err(e) if is_array => return Err(error(ctx, format!("scatter of '{name}': {e}"))),
        Err(_) => return Err(error(ctx, data::DataError::NotSplittable { type_name }.to_string())),
    };
    let pieces = data::split(value, targets.len()).map_err(|e| error(ctx, e.to_string()))?;
    let kinds = pieces.into_iter().map(|p| RequestKind::Push { vars: vec![(name.to_string(), p)] }).collect();
    let mut s = shared.borrow_mut();
    let id = s.client.submit_each(&targets, kinds);
    let replies = s.client.wait(id, None).expect("no deadline");
    collect(replies, "scatter", None).map_err(|e| error(ctx, display::composite(&e)))?;
    Ok(())
}

fn gather(ctx: &NativeCallContext, shared: &RefCell<Shared>, name: &str, t: Option<Dynamic>) -> Res<Dynamic> {
    check_name(ctx, "gather", name)?;
    let targets = targets_arg(ctx, shared, t)?;
    // A DistArray gathers into one NdArray; anything else is joined below.
    if let Some(nd) = super::da::gather_distarray(ctx, shared, name, &targets)? {
        return Ok(Dynamic::from(nd));
    }
    let mut s = shared.borrow_mut();
    let kind = RequestKind::Gather { name: name.to_string() };
    let values = s.client.run(&targets, kind, "gather").map_err(|e| error(ctx, display::composite(&e)))?;
    let whole = data::join(name, targets.into_iter().zip(values).collect()).map_err(|e| error(ctx, e.to_string()))?;
    convert::to_dynamic(whole, &s.lib).map_err(|e| error(ctx, e.to_string()))
}

/// Registers `push pull scatter gather`, bound to the console's shared state.
pub fn register(engine: &mut Engine, shared: &Rc<RefCell<Shared>>) {
    // `push(#{a: 1, b: [2]})`: sets each key as a variable on every engine.
    let sh = shared.clone();
    engine.register_fn("push", move |ctx: NativeCallContext, vars: Map| push(&ctx, &sh, vars, None));
    // `push(map, targets)`: the same on some engines (an id or an array of ids).
    let sh = shared.clone();
    engine.register_fn("push", move |ctx: NativeCallContext, vars: Map, t: Dynamic| push(&ctx, &sh, vars, Some(t)));
    // `pull("a")`: each engine's `a`, in engine order; `pull(["a", "b"])`: each engine's
    // `[a, b]`.
    let sh = shared.clone();
    engine.register_fn("pull", move |ctx: NativeCallContext, names: Dynamic| pull(&ctx, &sh, names, None));
    // `pull(names, targets)`: the same from some engines, in target order.
    let sh = shared.clone();
    engine
        .register_fn("pull", move |ctx: NativeCallContext, names: Dynamic, t: Dynamic| pull(&ctx, &sh, names, Some(t)));
    // `scatter("x", array)`: engine i gets the i-th contiguous block of `array` as `x`
    // (block sizes differ by at most one).
    let sh = shared.clone();
    engine.register_fn("scatter", move |ctx: NativeCallContext, name: &str, v: Dynamic| {
        scatter(&ctx, &sh, name, v, None)
    });
    // `scatter(name, array, targets)`: the blocks go to `targets`, in target order.
    let sh = shared.clone();
    engine.register_fn("scatter", move |ctx: NativeCallContext, name: &str, v: Dynamic, t: Dynamic| {
        scatter(&ctx, &sh, name, v, Some(t))
    });
    // `gather("x")`: the engines' arrays `x` joined in engine order.
    let sh = shared.clone();
    engine.register_fn("gather", move |ctx: NativeCallContext, name: &str| gather(&ctx, &sh, name, None));
    // `gather(name, targets)`: the same from `targets`, in target order.
    let sh = shared.clone();
    engine
        .register_fn("gather", move |ctx: NativeCallContext, name: &str, t: Dynamic| gather(&ctx, &sh, name, Some(t)));
}
