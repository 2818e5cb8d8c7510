//! `bsp::run(step_fn, state [, o])` at the console: supersteps driven until every engine
//! votes to halt (Pregel's rule), over the engines' module `bsp` (`bindings::bsp`).
//!
//! Every engine starts with a copy of `state` (it picks its own part with `rank()` and
//! `size()`). Each superstep is one request on every engine: `step_fn(state, messages)`
//! runs with the engine's state and the messages that arrived when the last superstep
//! ended (`[]` in the first), sends with `bsp::send`, and returns `#{state: s, halt: b}`;
//! the superstep then ends (`bsp::superstep()`). The run stops after the first superstep
//! in which every engine voted `halt: true` and nobody sent anything (a message wakes a
//! halted engine), or after `max_steps` supersteps (default 1000). It returns
//! `#{states: [one per engine], steps: n, halted: bool}`. Long runs show progress as
//! `lb_map` does (supersteps done of `max_steps`). Errors in `step_fn` come back as
//! `px` errors do: engine, line and column.

use super::callback::{callback, options};
use super::px::error;
use crate::bindings::convert;
use crate::client::progress::Ticker;
use crate::console::{display, Shared};
use crate::protocol::{RequestKind, Value};
use rhai::{Dynamic, Engine, EvalAltResult, Map, Module, NativeCallContext};
use std::cell::RefCell;
use std::rc::Rc;

type Res<T> = Result<T, Box<EvalAltResult>>;

/// Supersteps run when `max_steps` is not given.
const DEFAULT_MAX_STEPS: i64 = 1000;

/// What each engine runs per superstep.
const STEP: &str = "let __bsp_out = __bsp_f.call(__bsp_state, bsp::messages());\n\
                    __bsp_state = bsp::__vote(__bsp_out);\n\
                    __bsp_out = ();\n\
                    bsp::superstep();\n\
                    bsp::__report()";

fn run(ctx: &NativeCallContext, shared: &RefCell<Shared>, f: Dynamic, state: Dynamic, o: Option<Dynamic>) -> Res<Map> {
    let op = "bsp::run";
    let func = callback(ctx, shared, op, "the step function", "step_fn(state, messages)", &f, 2)?;
    let o = options(ctx, op, o, &["max_steps"])?;
    let max_steps = match o.get("max_steps") {
        None => DEFAULT_MAX_STEPS,
        Some(m) => match m.as_int() {
            Ok(m) if m >= 1 => m,
            _ => return Err(error(ctx, format!("{op}: max_steps must be an integer of at least 1, not {m}"))),
        },
    };
    let state = convert::to_value(&state).map_err(|e| error(ctx, format!("{op}: the state: {e}")))?;
    let fail = |e: crate::client::CompositeError| error(ctx, display::composite(&e));
    let targets = shared.borrow().client.live_engines();
    {
        let mut s = shared.borrow_mut();
        let vars = vec![("__bsp_f".to_string(), func), ("__bsp_state".to_string(), state)];
        s.client.run(&targets, RequestKind::Push { vars }, op).map_err(fail)?;
        s.client.execute("bsp::__reset()", &targets, op).map_err(fail)?;
    }
    let mut ticker = Ticker::new("bsp::run");
    let mut steps = 0;
    let mut halted = false;
    while steps < max_steps && !halted {
        let reports = {
            let mut s = shared.borrow_mut();
            let reports = s.client.execute(STEP, &targets, op).map_err(fail)?;
            steps += 1;
            ticker.tick(s.progress.as_mut(), steps as usize, max_steps as usize);
            reports
        };
        let mut all_halt = true;
        let mut sent = 0;
        for r in &reports {
            match r {
                Value::Array(v) if v.len() == 2 => {
                    all_halt &= v[0] == Value::Bool(true);
                    sent += if let Value::Int(n) = v[1] { n } else { 0 };
                }
                other => unreachable!("bsp::__report returns [halt, sent], not {other:?}"),
            }
        }
        halted = all_halt && sent == 0;
    }
    let mut s = shared.borrow_mut();
    ticker.finish(s.progress.as_mut(), steps as usize, max_steps as usize);
    let pulled = s.client.run(&targets, RequestKind::Pull { names: vec!["__bsp_state".into()] }, op).map_err(fail)?;
    s.client.execute("__bsp_state = (); __bsp_f = ();", &targets, op).map_err(fail)?;
    let states = pulled
        .into_iter()
        .map(|v| {
            let v = match v {
                Value::Array(mut one) if one.len() == 1 => one.pop().expect("one value"),
                other => other,
            };
            convert::to_dynamic(v, &s.lib).map_err(|e| error(ctx, e.to_string()))
        })
        .collect::<Res<rhai::Array>>()?;
    let mut out = Map::new();
    out.insert("states".into(), states.into());
    out.insert("steps".into(), steps.into());
    out.insert("halted".into(), halted.into());
    Ok(out)
}

/// Registers the console's module `bsp` (`bsp::run`).
pub fn register(engine: &mut Engine, shared: &Rc<RefCell<Shared>>) {
    let mut m = Module::new();
    // `bsp::run(step_fn, state)`: supersteps until every engine votes to halt.
    let sh = shared.clone();
    m.set_native_fn("run", move |ctx: NativeCallContext, f: Dynamic, state: Dynamic| run(&ctx, &sh, f, state, None));
    // `bsp::run(step_fn, state, #{max_steps})`.
    let sh = shared.clone();
    m.set_native_fn("run", move |ctx: NativeCallContext, f: Dynamic, state: Dynamic, o: Dynamic| {
        run(&ctx, &sh, f, state, Some(o))
    });
    engine.register_static_module("bsp", m.into());
}
