//! The console's functions: `engines px px_async interrupt sleep`; data movement
//! (`push pull scatter gather`) is in `data_api`, and `map lb_map submit wait_all` in
//! `farm_api`.
//!
//! Each checks its arguments, calls the [`Client`](crate::client::Client), and converts
//! values with `convert`. A request that fails on some engines raises one error whose
//! text is the composite error display, so a script can `try`/`catch` it and a batch run
//! prints it whole.

use super::async_result::{self, AsyncResult};
use super::{data, farm};
use crate::bindings::convert;
use crate::client::parse_targets;
use crate::console::{check_size, display, Shared};
use crate::protocol::RequestKind;
use rhai::{Array, Dynamic, Engine, EvalAltResult, NativeCallContext};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

type Res<T> = Result<T, Box<EvalAltResult>>;

pub(super) fn error(ctx: &NativeCallContext, msg: String) -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(msg.into(), ctx.call_position()).into()
}

/// Reads a targets argument: an engine id or an array of them. None means every engine
/// still there.
pub(super) fn targets_arg(ctx: &NativeCallContext, shared: &RefCell<Shared>, t: Option<Dynamic>) -> Res<Vec<usize>> {
    let n = shared.borrow().client.engines();
    let ids: Option<Vec<i64>> = match t {
        None => return Ok(shared.borrow().client.live_engines()),
        Some(d) if d.is_int() => Some(vec![d.as_int().expect("checked")]),
        Some(d) if d.is_array() => Some(
            d.into_array()
                .expect("checked")
                .into_iter()
                .map(|x| x.as_int().map_err(|_| error(ctx, format!("targets: '{x}' is not an engine id"))))
                .collect::<Res<_>>()?,
        ),
        Some(d) => {
            return Err(error(
                ctx,
                format!("targets: expected an engine id or an array of them, not {}", d.type_name()),
            ))
        }
    };
    parse_targets(ids.as_deref(), n).map_err(|m| error(ctx, m))
}

fn px(ctx: &NativeCallContext, shared: &RefCell<Shared>, code: &str, t: Option<Dynamic>) -> Res<Array> {
    check_size(code).map_err(|m| error(ctx, m))?;
    let targets = targets_arg(ctx, shared, t)?;
    let values = {
        let mut s = shared.borrow_mut();
        s.client.execute(code, &targets, "px").map_err(|e| error(ctx, display::composite(&e)))?
    };
    let s = shared.borrow();
    values.into_iter().map(|v| convert::to_dynamic(v, &s.lib).map_err(|e| error(ctx, e.to_string()))).collect()
}

fn px_async(ctx: &NativeCallContext, shared: &Rc<RefCell<Shared>>, code: &str, t: Option<Dynamic>) -> Res<AsyncResult> {
    check_size(code).map_err(|m| error(ctx, m))?;
    let targets = targets_arg(ctx, shared, t)?;
    let code: Arc<str> = Arc::from(code);
    let kind = RequestKind::Execute { code: code.clone(), origin: "px_async".into() };
    let id = shared.borrow_mut().client.submit(&targets, kind);
    Ok(AsyncResult::new(id, targets, code, shared.clone()))
}

/// Registers the console functions, bound to the console's shared state.
pub fn register(engine: &mut Engine, shared: &Rc<RefCell<Shared>>) {
    // `engines()`: the engine ids, `[0, 1, ...]` (those still there, if some are gone).
    let sh = shared.clone();
    engine.register_fn("engines", move || -> Array {
        sh.borrow().client.live_engines().into_iter().map(|e| Dynamic::from(e as i64)).collect()
    });
    // `px(code)`: runs `code` on every engine; an array of their values.
    let sh = shared.clone();
    engine.register_fn("px", move |ctx: NativeCallContext, code: &str| px(&ctx, &sh, code, None));
    // `px(code, targets)`: the same on some engines (an id or an array of ids).
    let sh = shared.clone();
    engine.register_fn("px", move |ctx: NativeCallContext, code: &str, t: Dynamic| px(&ctx, &sh, code, Some(t)));
    // `px_async(code)`: starts `code` on every engine; an AsyncResult.
    let sh = shared.clone();
    engine.register_fn("px_async", move |ctx: NativeCallContext, code: &str| px_async(&ctx, &sh, code, None));
    // `px_async(code, targets)`: the same on some engines.
    let sh = shared.clone();
    engine.register_fn("px_async", move |ctx: NativeCallContext, code: &str, t: Dynamic| {
        px_async(&ctx, &sh, code, Some(t))
    });
    async_result::register(engine);
    data::register(engine, shared);
    farm::register(engine, shared);
    // `sleep(seconds)`: waits; engine output keeps streaming meanwhile.
    let sh = shared.clone();
    engine.register_fn("sleep", move |ctx: NativeCallContext, s: f64| async_result::console_sleep(&ctx, &sh, s));
    let sh = shared.clone();
    engine.register_fn("sleep", move |ctx: NativeCallContext, s: i64| async_result::console_sleep(&ctx, &sh, s as f64));
    // `interrupt()`: interrupts what every engine is running, and drops the submitted
    // tasks still waiting for an engine.
    let sh = shared.clone();
    engine.register_fn("interrupt", move || {
        let mut s = sh.borrow_mut();
        let all: Vec<usize> = (0..s.client.engines()).collect();
        s.client.interrupt_running();
        s.client.interrupt(&all);
    });
    // `interrupt(targets)`: interrupts what these engines are running.
    let sh = shared.clone();
    engine.register_fn("interrupt", move |ctx: NativeCallContext, t: Dynamic| -> Res<()> {
        let targets = targets_arg(&ctx, &sh, Some(t))?;
        sh.borrow_mut().client.interrupt(&targets);
        Ok(())
    });
}
