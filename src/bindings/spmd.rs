//! The SPMD functions on engines: `rank size barrier bcast allreduce allgather send recv`.
//!
//! Thin wrappers: convert arguments to travelling values, call the engine's collectives
//! (`engine::collectives`), convert the result back. A wait that was interrupted raises
//! Rhai's "terminated" error, so the request ends as "interrupted".

use super::convert;
use crate::engine::collectives::Collective;
use crate::engine::reduce::ReduceOp;
use crate::engine::state::{State, WaitError};
use crate::protocol::Value;
use rhai::{Dynamic, Engine, EvalAltResult, NativeCallContext};
use std::cell::RefCell;
use std::rc::Rc;

type Res<T> = Result<T, Box<EvalAltResult>>;

fn fail(ctx: &NativeCallContext, e: WaitError) -> Box<EvalAltResult> {
    match e {
        WaitError::Interrupted => EvalAltResult::ErrorTerminated("interrupted".into(), ctx.call_position()).into(),
        WaitError::Failed(msg) => EvalAltResult::ErrorRuntime(msg.into(), ctx.call_position()).into(),
    }
}

fn outgoing(ctx: &NativeCallContext, what: &str, v: &Dynamic) -> Res<Value> {
    convert::to_value(v)
        .map_err(|e| EvalAltResult::ErrorRuntime(format!("{what}: {e}").into(), ctx.call_position()).into())
}

fn incoming(ctx: &NativeCallContext, state: &RefCell<State>, v: Value) -> Res<Dynamic> {
    convert::to_dynamic(v, &state.borrow().lib)
        .map_err(|e| EvalAltResult::ErrorRuntime(e.to_string().into(), ctx.call_position()).into())
}

fn run(ctx: &NativeCallContext, state: &RefCell<State>, c: Collective, v: Value) -> Res<Dynamic> {
    let result = state.borrow_mut().collective(c, v).map_err(|e| fail(ctx, e))?;
    incoming(ctx, state, result)
}

fn engine_sleep(ctx: &NativeCallContext, state: &RefCell<State>, s: f64) -> Res<()> {
    if !(s >= 0.0 && s.is_finite()) {
        return Err(fail(ctx, WaitError::Failed(format!("sleep: seconds must be >= 0, not {s}"))));
    }
    let end = std::time::Instant::now() + std::time::Duration::from_secs_f64(s);
    state.borrow_mut().wait_for(|_| (std::time::Instant::now() >= end).then_some(Ok(()))).map_err(|e| fail(ctx, e))
}

/// Registers the SPMD functions, bound to this engine's state.
pub fn register(engine: &mut Engine, state: &Rc<RefCell<State>>) {
    // `rank()`: this engine's id, 0..size()-1.
    let st = state.clone();
    engine.register_fn("rank", move || st.borrow().id as i64);
    // `size()`: the number of engines.
    let st = state.clone();
    engine.register_fn("size", move || st.borrow().engines as i64);
    // `barrier()`: waits until every engine has called it.
    let st = state.clone();
    engine.register_fn("barrier", move |ctx: NativeCallContext| -> Res<()> {
        run(&ctx, &st, Collective::Barrier, Value::Unit).map(|_| ())
    });
    // `bcast(v, root)`: root's `v` on every engine.
    let st = state.clone();
    engine.register_fn("bcast", move |ctx: NativeCallContext, v: Dynamic, root: i64| -> Res<Dynamic> {
        if root < 0 {
            let n = st.borrow().engines;
            return Err(fail(
                &ctx,
                WaitError::Failed(format!("bcast: engine {root} does not exist (engines are 0-{})", n - 1)),
            ));
        }
        let me = st.borrow().id;
        let v = if me == root as usize { outgoing(&ctx, "bcast", &v)? } else { Value::Unit };
        run(&ctx, &st, Collective::Bcast { root: root as usize }, v)
    });
    // `allreduce(v, op)`: op one of "sum" "min" "max" "prod", combined in rank order.
    let st = state.clone();
    engine.register_fn("allreduce", move |ctx: NativeCallContext, v: Dynamic, op: &str| -> Res<Dynamic> {
        let op = ReduceOp::parse(op).map_err(|m| fail(&ctx, WaitError::Failed(m)))?;
        let v = outgoing(&ctx, "allreduce", &v)?;
        run(&ctx, &st, Collective::Allreduce(op), v)
    });
    // `allgather(v)`: every engine's `v`, in rank order.
    let st = state.clone();
    engine.register_fn("allgather", move |ctx: NativeCallContext, v: Dynamic| -> Res<Dynamic> {
        let v = outgoing(&ctx, "allgather", &v)?;
        run(&ctx, &st, Collective::Allgather, v)
    });
    // `send(v, dest)`: sends `v` to engine `dest` (returns at once).
    let st = state.clone();
    engine.register_fn("send", move |ctx: NativeCallContext, v: Dynamic, dest: i64| -> Res<()> {
        let v = outgoing(&ctx, "send", &v)?;
        st.borrow_mut().send_user(v, dest).map_err(|e| fail(&ctx, e))
    });
    // `sleep(seconds)`: waits, serving messages; an interrupt ends it.
    let st = state.clone();
    engine.register_fn("sleep", move |ctx: NativeCallContext, s: f64| -> Res<()> { engine_sleep(&ctx, &st, s) });
    let st = state.clone();
    engine.register_fn("sleep", move |ctx: NativeCallContext, s: i64| -> Res<()> { engine_sleep(&ctx, &st, s as f64) });
    // `recv(src)`: the next value sent by engine `src`, waiting for it.
    let st = state.clone();
    engine.register_fn("recv", move |ctx: NativeCallContext, src: i64| -> Res<Dynamic> {
        let v = st.borrow_mut().recv_user(src).map_err(|e| fail(&ctx, e))?;
        incoming(&ctx, &st, v)
    });
}
