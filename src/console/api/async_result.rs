//! AsyncResult: work in flight, asked about later. `px_async` makes one for a request on
//! some engines (its value: one per engine); `submit` makes one for a task, a single call
//! that runs on whichever engine is idle (its value: the call's result).
//!
//! An AsyncResult shares the console's client; its clones share one outcome, fetched from
//! the client once and kept. `.ready()` and `.progress()` take in waiting messages without
//! blocking; `.wait()`, `.get()` and `wait_all` block, while output keeps streaming and the
//! progress hook hears how far they are.

use crate::bindings::convert;
use crate::client::progress::Ticker;
use crate::client::CompositeError;
use crate::console::{display, Shared};
use crate::protocol::{RemoteError, Value};
use rhai::{Array, Dynamic, Engine, EvalAltResult, NativeCallContext};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

type Res<T> = Result<T, Box<EvalAltResult>>;

#[derive(Clone)]
enum Source {
    /// `px_async`: a request on `targets`.
    Request { id: u64, targets: Vec<usize>, code: Arc<str> },
    /// `submit`: client task `id`.
    Task { id: u64 },
}

enum Outcome {
    PerEngine(Result<Vec<Value>, CompositeError>),
    Single { engine: Option<usize>, outcome: Result<Value, RemoteError> },
}

/// A finished outcome and when it was fetched.
type Settled = (Outcome, Instant);

#[derive(Clone)]
pub struct AsyncResult {
    source: Source,
    submitted: Instant,
    shared: Rc<RefCell<Shared>>,
    done: Rc<RefCell<Option<Settled>>>,
}

impl AsyncResult {
    /// A request `id` sent to `targets` (`px_async`).
    pub fn new(id: u64, targets: Vec<usize>, code: Arc<str>, shared: Rc<RefCell<Shared>>) -> AsyncResult {
        AsyncResult::from_source(Source::Request { id, targets, code }, shared)
    }

    /// Client task `id` (`submit`).
    pub fn task(id: u64, shared: Rc<RefCell<Shared>>) -> AsyncResult {
        AsyncResult::from_source(Source::Task { id }, shared)
    }

    fn from_source(source: Source, shared: Rc<RefCell<Shared>>) -> AsyncResult {
        AsyncResult { source, submitted: Instant::now(), shared, done: Rc::new(RefCell::new(None)) }
    }

    /// Waits up to `timeout` (forever if `None`); whether it is done.
    fn settle(&self, timeout: Option<Duration>) -> bool {
        if self.done.borrow().is_some() {
            return true;
        }
        let mut s = self.shared.borrow_mut();
        let outcome = match &self.source {
            Source::Request { id, code, .. } => s
                .client
                .wait(*id, timeout)
                .map(|replies| Outcome::PerEngine(crate::client::collect(replies, "px_async", Some(code.clone())))),
            Source::Task { id } => {
                s.client.wait_task(*id, timeout).map(|r| Outcome::Single { engine: r.engine, outcome: r.outcome })
            }
        };
        match outcome {
            Some(o) => {
                *self.done.borrow_mut() = Some((o, Instant::now()));
                true
            }
            None => false,
        }
    }

    /// [`settle`](Self::settle) in slices, telling the progress hook how far it is.
    fn settle_reporting(&self, timeout: Option<Duration>) -> bool {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut ticker = Ticker::new("wait");
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            let slice = left.unwrap_or(Duration::MAX).min(crate::client::progress::EVERY);
            let settled = self.settle(Some(slice));
            let [done, total] = self.counts();
            if settled || left.is_some_and(|l| l <= slice) {
                ticker.finish(self.shared.borrow_mut().progress.as_mut(), done, total);
                return settled;
            }
            ticker.tick(self.shared.borrow_mut().progress.as_mut(), done, total);
        }
    }

    pub fn is_done(&self) -> bool {
        self.done.borrow().is_some()
    }

    fn elapsed(&self) -> f64 {
        match &*self.done.borrow() {
            Some((_, at)) => at.duration_since(self.submitted).as_secs_f64(),
            None => self.submitted.elapsed().as_secs_f64(),
        }
    }

    /// `[done, total]`: engines that answered, or 0/1 for a task.
    fn counts(&self) -> [usize; 2] {
        let finished = self.done.borrow().is_some();
        match &self.source {
            Source::Request { id, targets, .. } => {
                let total = targets.len();
                [if finished { total } else { self.shared.borrow().client.replies_so_far(*id) }, total]
            }
            Source::Task { .. } => [usize::from(finished), 1],
        }
    }

    fn progress(&self) -> Array {
        self.settle(Some(Duration::ZERO));
        self.counts().iter().map(|&n| Dynamic::from(n as i64)).collect()
    }

    fn engines(&self) -> Array {
        let ids: Vec<usize> = match &self.source {
            Source::Request { targets, .. } => targets.clone(),
            Source::Task { id } => match &*self.done.borrow() {
                Some((Outcome::Single { engine, .. }, _)) => engine.iter().copied().collect(),
                _ => self.shared.borrow().client.task_engine(*id).into_iter().collect(),
            },
        };
        ids.into_iter().map(|e| Dynamic::from(e as i64)).collect()
    }

    fn get(&self, ctx: &NativeCallContext) -> Res<Dynamic> {
        self.settle_reporting(None);
        let done = self.done.borrow();
        let (outcome, _) = done.as_ref().expect("settled");
        let back = |v: &Value| {
            convert::to_dynamic(v.clone(), &self.shared.borrow().lib).map_err(|e| runtime(ctx, e.to_string()))
        };
        match outcome {
            Outcome::PerEngine(Ok(values)) => values.iter().map(back).collect::<Res<Array>>().map(Dynamic::from),
            Outcome::PerEngine(Err(e)) => Err(runtime(ctx, display::composite(e))),
            Outcome::Single { outcome: Ok(v), .. } => back(v),
            Outcome::Single { engine: Some(_), outcome: Err(e) } => {
                let c = CompositeError { origin: "submit".into(), code: None, engines: 1, errors: vec![e.clone()] };
                Err(runtime(ctx, display::composite(&c)))
            }
            Outcome::Single { engine: None, outcome: Err(e) } => {
                Err(runtime(ctx, format!("submit: {}: {}", e.kind, e.message)))
            }
        }
    }

    fn describe(&self) -> String {
        let state = if self.is_done() { "done" } else { "running" };
        match &self.source {
            Source::Request { id, targets, .. } => {
                format!("<AsyncResult {id} on {} engines: {state}>", targets.len())
            }
            Source::Task { id } => format!("<AsyncResult of task {id}: {state}>"),
        }
    }
}

fn runtime(ctx: &NativeCallContext, msg: String) -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(msg.into(), ctx.call_position()).into()
}

/// A timeout argument: seconds >= 0.
pub fn seconds(ctx: &NativeCallContext, what: &str, s: f64) -> Res<Duration> {
    if !(s >= 0.0 && s.is_finite()) {
        return Err(runtime(ctx, format!("{what}: the timeout must be a number of seconds >= 0, not {s}")));
    }
    Ok(Duration::from_secs_f64(s))
}

/// `wait_all(results, timeout)`: whether every result is done within `timeout`.
pub fn wait_all(ctx: &NativeCallContext, shared: &RefCell<Shared>, results: Array, timeout: Option<f64>) -> Res<bool> {
    let timeout = timeout.map(|s| seconds(ctx, "wait_all", s)).transpose()?;
    let results: Vec<AsyncResult> = results
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            let t = convert::friendly_type_name(&d);
            d.try_cast::<AsyncResult>()
                .ok_or_else(|| runtime(ctx, format!("wait_all: item {i} is not an AsyncResult (it is {t})")))
        })
        .collect::<Res<_>>()?;
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut ticker = Ticker::new("wait_all");
    let total = results.len();
    loop {
        let mut done = 0;
        for r in &results {
            if r.settle(Some(Duration::ZERO)) {
                done += 1;
            }
        }
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        if done == total || left.is_some_and(|l| l.is_zero()) {
            ticker.finish(shared.borrow_mut().progress.as_mut(), done, total);
            return Ok(done == total);
        }
        ticker.tick(shared.borrow_mut().progress.as_mut(), done, total);
        let pause = left.unwrap_or(Duration::MAX).min(Duration::from_millis(5));
        shared.borrow_mut().client.pump(pause);
    }
}

/// Registers the AsyncResult type and its methods.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<AsyncResult>("AsyncResult");
    // `r.ready()`: whether it is done.
    engine.register_fn("ready", |r: &mut AsyncResult| r.settle(Some(Duration::ZERO)));
    // `r.wait()`: waits until done; true.
    engine.register_fn("wait", |r: &mut AsyncResult| r.settle_reporting(None));
    // `r.wait(seconds)`: waits at most `seconds`; whether it is done.
    engine.register_fn("wait", |ctx: NativeCallContext, r: &mut AsyncResult, s: f64| -> Res<bool> {
        Ok(r.settle_reporting(Some(seconds(&ctx, "wait", s)?)))
    });
    engine.register_fn("wait", |ctx: NativeCallContext, r: &mut AsyncResult, s: i64| -> Res<bool> {
        Ok(r.settle_reporting(Some(seconds(&ctx, "wait", s as f64)?)))
    });
    // `r.get()`: the value (per engine for px_async, the call's result for submit), waiting
    // if needed, or the error.
    engine.register_fn("get", |ctx: NativeCallContext, r: &mut AsyncResult| r.get(&ctx));
    // `r.progress()`: `[done, total]` (engines for px_async, 0 or 1 of 1 for submit).
    engine.register_fn("progress", |r: &mut AsyncResult| r.progress());
    // `r.elapsed`: seconds from submission to completion (or until now).
    engine.register_get("elapsed", |r: &mut AsyncResult| r.elapsed());
    // `r.engines`: the engines it went to (for submit: the one it ran on, once known).
    engine.register_get("engines", |r: &mut AsyncResult| r.engines());
    engine.register_fn("to_string", |r: &mut AsyncResult| r.describe());
    engine.register_fn("to_debug", |r: &mut AsyncResult| r.describe());
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
