//! `px_async` and its AsyncResult: a request in flight, asked about later.
//!
//! An AsyncResult holds the request id and shares the console's client; its clones
//! share one outcome, fetched from the client once and kept. `.ready()` and `.progress()`
//! take in waiting messages without blocking; `.wait()` and `.get()` block, and output
//! keeps streaming while they do.

use super::convert;
use crate::client::CompositeError;
use crate::console::{display, Shared};
use crate::protocol::Value;
use rhai::{Array, Dynamic, Engine, EvalAltResult, NativeCallContext};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

type Res<T> = Result<T, Box<EvalAltResult>>;

/// A finished request's outcome and when it was fetched.
type Settled = (Result<Vec<Value>, CompositeError>, Instant);

#[derive(Clone)]
pub struct AsyncResult {
    id: u64,
    targets: Vec<usize>,
    code: std::sync::Arc<str>,
    submitted: Instant,
    shared: Rc<RefCell<Shared>>,
    /// The outcome once fetched, and when it was.
    done: Rc<RefCell<Option<Settled>>>,
}

impl AsyncResult {
    pub fn new(id: u64, targets: Vec<usize>, code: std::sync::Arc<str>, shared: Rc<RefCell<Shared>>) -> AsyncResult {
        AsyncResult { id, targets, code, submitted: Instant::now(), shared, done: Rc::new(RefCell::new(None)) }
    }

    /// Waits up to `timeout` (forever if `None`); whether the request is done.
    fn settle(&self, timeout: Option<Duration>) -> bool {
        if self.done.borrow().is_some() {
            return true;
        }
        let mut s = self.shared.borrow_mut();
        match s.client.wait(self.id, timeout) {
            Some(replies) => {
                let outcome = crate::client::collect(replies, "px_async", Some(self.code.clone()));
                *self.done.borrow_mut() = Some((outcome, Instant::now()));
                true
            }
            None => false,
        }
    }

    fn elapsed(&self) -> f64 {
        match &*self.done.borrow() {
            Some((_, at)) => at.duration_since(self.submitted).as_secs_f64(),
            None => self.submitted.elapsed().as_secs_f64(),
        }
    }

    fn progress(&self) -> Array {
        self.settle(Some(Duration::ZERO));
        let total = self.targets.len() as i64;
        let done = match &*self.done.borrow() {
            Some(_) => total,
            None => self.shared.borrow().client.replies_so_far(self.id) as i64,
        };
        vec![done.into(), total.into()]
    }

    fn get(&self, ctx: &NativeCallContext) -> Res<Array> {
        self.settle(None);
        let done = self.done.borrow();
        let (outcome, _) = done.as_ref().expect("settled");
        match outcome {
            Ok(values) => {
                let s = self.shared.borrow();
                values
                    .iter()
                    .map(|v| {
                        convert::to_dynamic(v.clone(), &s.lib)
                            .map_err(|e| EvalAltResult::ErrorRuntime(e.to_string().into(), ctx.call_position()).into())
                    })
                    .collect()
            }
            Err(e) => Err(EvalAltResult::ErrorRuntime(display::composite(e).into(), ctx.call_position()).into()),
        }
    }
}

fn seconds(ctx: &NativeCallContext, what: &str, s: f64) -> Res<Duration> {
    if !(s >= 0.0 && s.is_finite()) {
        return Err(EvalAltResult::ErrorRuntime(
            format!("{what}: the timeout must be a number of seconds >= 0, not {s}").into(),
            ctx.call_position(),
        )
        .into());
    }
    Ok(Duration::from_secs_f64(s))
}

/// Registers the AsyncResult type and its methods.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<AsyncResult>("AsyncResult");
    // `r.ready()`: whether every engine has answered.
    engine.register_fn("ready", |r: &mut AsyncResult| r.settle(Some(Duration::ZERO)));
    // `r.wait()`: waits until done; true.
    engine.register_fn("wait", |r: &mut AsyncResult| r.settle(None));
    // `r.wait(seconds)`: waits at most `seconds`; whether it is done.
    engine.register_fn("wait", |ctx: NativeCallContext, r: &mut AsyncResult, s: f64| -> Res<bool> {
        Ok(r.settle(Some(seconds(&ctx, "wait", s)?)))
    });
    engine.register_fn("wait", |ctx: NativeCallContext, r: &mut AsyncResult, s: i64| -> Res<bool> {
        Ok(r.settle(Some(seconds(&ctx, "wait", s as f64)?)))
    });
    // `r.get()`: the per-engine values (waiting if needed), or the composite error.
    engine.register_fn("get", |ctx: NativeCallContext, r: &mut AsyncResult| r.get(&ctx));
    // `r.progress()`: `[done, total]` engines.
    engine.register_fn("progress", |r: &mut AsyncResult| r.progress());
    // `r.elapsed`: seconds from submission to completion (or until now).
    engine.register_get("elapsed", |r: &mut AsyncResult| r.elapsed());
    // `r.engines`: the engines the request went to.
    engine.register_get("engines", |r: &mut AsyncResult| -> Array {
        r.targets.iter().map(|&e| Dynamic::from(e as i64)).collect()
    });
    engine.register_fn("to_string", |r: &mut AsyncResult| {
        let state = if r.done.borrow().is_some() { "done" } else { "running" };
        format!("<AsyncResult {} on {} engines: {state}>", r.id, r.targets.len())
    });
}

/// `sleep` at the console: waits while output keeps streaming; Ctrl-C ends it.
pub fn console_sleep(ctx: &NativeCallContext, shared: &RefCell<Shared>, s: f64) -> Res<()> {
    let d = seconds(ctx, "sleep", s)?;
    let end = Instant::now() + d;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        if shared.borrow().interrupted.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(EvalAltResult::ErrorTerminated("interrupted".into(), ctx.call_position()).into());
        }
        shared.borrow_mut().client.pump(left.min(Duration::from_millis(5)));
    }
}
