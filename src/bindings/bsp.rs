//! The module `bsp` on engines: bulk synchronous parallel supersteps (BSPlib's
//! `bsp_send`/`bsp_sync`, Pregel's supersteps).
//!
//! `bsp::send(dest, v)` only queues `v`; `bsp::superstep()` ends the superstep: every
//! engine's queued values go to their destinations in one all-to-all exchange
//! (`State::exchange`), and each engine gets what was sent to it, ordered by sending
//! engine and then by the order of the sends. `bsp::messages()` is that array again,
//! `bsp::step()` the number of supersteps ended so far. The superstep is collective: every
//! engine of the request must call it. The queue and the messages live on this engine
//! between requests, so a superstep may end in a later `px` than the sends.
//!
//! `bsp::__vote`, `__report` and `__reset` are what the console's `bsp::run`
//! (`console::api::bsp`) runs on the engines between calls of the step function.

use super::convert;
use crate::engine::state::{State, WaitError};
use crate::protocol::Value;
use rhai::{Array, Dynamic, Engine, EvalAltResult, Module, NativeCallContext};
use std::cell::RefCell;
use std::rc::Rc;

type Res<T> = Result<T, Box<EvalAltResult>>;

/// This engine's side of the supersteps.
#[derive(Default)]
struct Bsp {
    /// Supersteps ended.
    step: i64,
    /// Values queued for each engine in this superstep.
    outbox: Vec<Vec<Value>>,
    /// Values queued in this superstep, over all destinations.
    queued: usize,
    /// Values queued in the superstep that ended last.
    sent_last: usize,
    /// What arrived in the superstep that ended last.
    inbox: Vec<Value>,
    /// The step function's last vote (`bsp::run`).
    halt: bool,
}

fn error(ctx: &NativeCallContext, msg: String) -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(msg.into(), ctx.call_position()).into()
}

fn wait_error(ctx: &NativeCallContext, e: WaitError) -> Box<EvalAltResult> {
    match e {
        WaitError::Interrupted => EvalAltResult::ErrorTerminated("interrupted".into(), ctx.call_position()).into(),
        WaitError::Failed(msg) => error(ctx, msg),
    }
}

fn to_dynamics(ctx: &NativeCallContext, state: &RefCell<State>, values: &[Value]) -> Res<Array> {
    let lib = state.borrow().lib.clone();
    values.iter().map(|v| convert::to_dynamic(v.clone(), &lib).map_err(|e| error(ctx, e.to_string()))).collect()
}

fn send(ctx: &NativeCallContext, state: &RefCell<State>, bsp: &RefCell<Bsp>, dest: i64, v: &Dynamic) -> Res<()> {
    let n = state.borrow().engines;
    if dest < 0 || dest as usize >= n {
        return Err(error(ctx, format!("bsp::send: engine {dest} does not exist (engines are 0-{})", n - 1)));
    }
    let v = convert::to_value(v).map_err(|e| error(ctx, format!("bsp::send: {e}")))?;
    let mut b = bsp.borrow_mut();
    if b.outbox.len() != n {
        b.outbox.resize_with(n, Vec::new);
    }
    b.outbox[dest as usize].push(v);
    b.queued += 1;
    Ok(())
}

fn superstep(ctx: &NativeCallContext, state: &RefCell<State>, bsp: &RefCell<Bsp>) -> Res<Array> {
    let n = state.borrow().engines;
    let (outgoing, queued) = {
        let mut b = bsp.borrow_mut();
        let mut out = std::mem::take(&mut b.outbox);
        out.resize_with(n, Vec::new);
        (out, std::mem::take(&mut b.queued))
    };
    let incoming = state.borrow_mut().exchange("bsp::superstep()", outgoing).map_err(|e| wait_error(ctx, e))?;
    let arrived: Vec<Value> = incoming.into_iter().flatten().collect();
    let shown = to_dynamics(ctx, state, &arrived)?;
    let mut b = bsp.borrow_mut();
    b.step += 1;
    b.sent_last = queued;
    b.inbox = arrived;
    Ok(shown)
}

/// Reads the step function's result `#{state, halt}`: records the vote, returns the state.
fn vote(ctx: &NativeCallContext, bsp: &RefCell<Bsp>, r: Dynamic) -> Res<Dynamic> {
    let step = bsp.borrow().step;
    let wrong = |what: String| {
        error(ctx, format!("bsp::run: the step function must return #{{state: s, halt: true or false}}; in superstep {step} it returned {what}"))
    };
    let Some(mut map) = r.clone().try_cast::<rhai::Map>() else {
        return Err(wrong(format!("a value of type '{}'", convert::friendly_type_name(&r))));
    };
    let halt = match map.get("halt").map(|h| h.as_bool()) {
        Some(Ok(h)) => h,
        Some(Err(t)) => return Err(wrong(format!("halt of type '{t}'"))),
        None => return Err(wrong("a map without 'halt'".into())),
    };
    let Some(state) = map.remove("state") else { return Err(wrong("a map without 'state'".into())) };
    bsp.borrow_mut().halt = halt;
    Ok(state)
}

/// Registers the module `bsp`, bound to this engine's state.
pub fn register(engine: &mut Engine, state: &Rc<RefCell<State>>) {
    let bsp: Rc<RefCell<Bsp>> = Rc::default();
    let mut m = Module::new();
    // `bsp::send(dest, v)`: queues `v` for engine `dest`; it arrives when the superstep ends.
    let (st, b) = (state.clone(), bsp.clone());
    m.set_native_fn("send", move |ctx: NativeCallContext, dest: i64, v: Dynamic| send(&ctx, &st, &b, dest, &v));
    // `bsp::superstep()`: ends the superstep (collective); the values sent to this engine.
    let (st, b) = (state.clone(), bsp.clone());
    m.set_native_fn("superstep", move |ctx: NativeCallContext| superstep(&ctx, &st, &b));
    // `bsp::messages()`: what arrived when the last superstep ended.
    let (st, b) = (state.clone(), bsp.clone());
    m.set_native_fn("messages", move |ctx: NativeCallContext| -> Res<Array> {
        let inbox = b.borrow().inbox.clone();
        to_dynamics(&ctx, &st, &inbox)
    });
    // `bsp::step()`: the number of supersteps ended so far (0 in the first).
    let b = bsp.clone();
    m.set_native_fn("step", move || -> Res<i64> { Ok(b.borrow().step) });
    let b = bsp.clone();
    m.set_native_fn("__vote", move |ctx: NativeCallContext, r: Dynamic| vote(&ctx, &b, r));
    let b = bsp.clone();
    m.set_native_fn("__report", move || -> Res<Array> {
        let b = b.borrow();
        Ok(vec![Dynamic::from(b.halt), Dynamic::from(b.sent_last as i64)])
    });
    let b = bsp.clone();
    m.set_native_fn("__reset", move || -> Res<()> {
        *b.borrow_mut() = Bsp::default();
        Ok(())
    });
    engine.register_static_module("bsp", m.into());
}
