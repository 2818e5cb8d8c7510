//! The user functions that the models of parallelism (`bsp::run`, `mr::run`) call on the
//! engines: read as travelling function pointers (as `map` reads its function) and
//! checked against the console's function library before anything runs, so a function
//! with the wrong number of parameters is an error naming it, not a failure per engine.

use super::farm::function;
use super::px::error;
use crate::console::Shared;
use crate::protocol::Value;
use rhai::{Dynamic, EvalAltResult, NativeCallContext};
use std::cell::RefCell;

type Res<T> = Result<T, Box<EvalAltResult>>;

/// `f` as a travelling function that takes `params` arguments; `op` and `role` name it in
/// errors (`"bsp::run"`, `"the step function"`), `form` shows the call (`"step_fn(state, messages)"`).
pub fn callback(
    ctx: &NativeCallContext,
    shared: &RefCell<Shared>,
    op: &str,
    role: &str,
    form: &str,
    f: &Dynamic,
    params: usize,
) -> Res<Value> {
    let func = function(ctx, &format!("{op}: {role}"), f)?;
    let Value::FnPtr { name, curried } = &func else { unreachable!("function() makes a function pointer") };
    let s = shared.borrow();
    let arities: Vec<usize> = s
        .lib
        .iter_functions()
        .filter(|m| m.name == name.as_str())
        .map(|m| m.params.len().saturating_sub(curried.len()))
        .collect();
    let shown = if name.starts_with("anon$") { "the closure".to_string() } else { format!("'{name}'") };
    if arities.is_empty() {
        return Err(error(ctx, format!("{op}: {role} {shown} is not a function defined at the console")));
    }
    if !arities.contains(&params) {
        let takes = arities.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(" or ");
        let plural = if params == 1 { "" } else { "s" };
        return Err(error(
            ctx,
            format!("{op}: {role} ({shown}) takes {takes} parameter{}, but it is called as {form} ({params} argument{plural})", if takes == "1" { "" } else { "s" }),
        ));
    }
    Ok(func)
}

/// Reads an options map: every key must be one of `known`.
pub fn options(ctx: &NativeCallContext, op: &str, o: Option<Dynamic>, known: &[&str]) -> Res<rhai::Map> {
    let Some(o) = o else { return Ok(rhai::Map::new()) };
    let t = crate::bindings::convert::friendly_type_name(&o);
    let Some(map) = o.try_cast::<rhai::Map>() else {
        return Err(error(ctx, format!("{op}: the options must be a map, not {t}")));
    };
    if let Some(k) = map.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(error(ctx, format!("{op}: unknown option '{k}' (options: {})", known.join(", "))));
    }
    Ok(map)
}
