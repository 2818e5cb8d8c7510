//! The engine loop: take a request, run it, reply; until `Shutdown`.
//!
//! An engine owns its Rhai `Engine` (with every binding registered), a persistent `Scope`
//! (its namespace) and a library of functions (those defined at the console, in snippets,
//! and closures). It runs one request at a time from its queue and answers each with one
//! `Reply`; a panic inside a request becomes that request's error and the engine carries
//! on. `farm` calls one function on many items (`map`, `lb_map`, `submit`).

mod farm;

use crate::engine::errors;

use crate::bindings::{convert, signatures, spmd, stdlib};
use crate::engine::state::{Current, State, WaitError};
use crate::protocol::{Message, Peer, RemoteError, Reply, Request, RequestKind, Stream, Value, VERSION};
use crate::transport::Transport;
use rhai::{Dynamic, Engine, Scope, AST};
use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// How an engine is set up beyond the defaults.
#[derive(Default, Clone, Copy)]
pub struct EngineConfig {
    /// Registers extra functions (tests use it to add functions that panic).
    pub extend: Option<fn(&mut Engine)>,
}

/// Snippets compiled recently, so a repeated `px("...")` is not parsed again.
const CACHE_ENTRIES: usize = 256;

struct Runner {
    state: Rc<RefCell<State>>,
    rhai: Engine,
    scope: Scope<'static>,
    cache: HashMap<Arc<str>, AST>,
    /// The transport's interrupt probe, watched by native kernels during each request.
    probe: crate::interrupt::Probe,
}

/// Runs an engine until the console shuts it down.
pub fn run(transport: Box<dyn Transport>, config: EngineConfig) {
    crate::memory::cache::start_trimmer();
    let hello = Message::Hello { version: VERSION, host: crate::engine::host_name(), pid: std::process::id() };
    if transport.send(Peer::Console, hello).is_err() {
        return;
    }
    errors::install_panic_hook();
    let state = Rc::new(RefCell::new(State::new(transport)));
    let probe = state.borrow().transport.interrupt_probe();
    let mut runner =
        Runner { rhai: new_engine(&state, config), state, scope: Scope::new(), cache: HashMap::new(), probe };
    // A panic outside a request (inside one it is that request's error) ends the engine;
    // the console hears why instead of waiting for replies that will never come.
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| runner.serve_all())) {
        if let Ok(st) = runner.state.try_borrow() {
            let reason = format!("its loop panicked: {}", errors::panic_text(payload.as_ref()));
            let _ = st.transport.send(Peer::Console, Message::Goodbye { engine: st.id, reason });
        }
    }
}

/// The names of the functions a script can call on an engine (for completion and help at
/// the console): those registered by pshell and (`standard`) Rhai's standard library,
/// with their module path (`da::zeros`), and the number of parameters of each.
pub fn function_names(standard: bool) -> Vec<(String, usize)> {
    let (_console, mut ends) = crate::transport::threads::cluster(1);
    let end = ends.pop().expect("one engine endpoint");
    let state = Rc::new(RefCell::new(State::new(Box::new(end))));
    let rhai = new_engine(&state, EngineConfig::default());
    crate::bindings::function_names(&rhai, standard)
}

fn new_engine(state: &Rc<RefCell<State>>, config: EngineConfig) -> Engine {
    let mut rhai = Engine::new();
    let st = state.clone();
    rhai.on_progress(move |ops| {
        if ops & 0x3FF != 0 {
            return None;
        }
        let mut s = st.try_borrow_mut().ok()?;
        s.poll();
        (s.interrupted() || crate::interrupt::tripped().is_some()).then(|| Dynamic::from("interrupted"))
    });
    let st = state.clone();
    rhai.on_print(move |text| {
        if let Ok(mut s) = st.try_borrow_mut() {
            s.emit(Stream::Print, text.to_string());
        }
    });
    let st = state.clone();
    rhai.on_debug(move |text, _source, _pos| {
        if let Ok(mut s) = st.try_borrow_mut() {
            s.emit(Stream::Debug, text.to_string());
        }
    });
    spmd::register(&mut rhai, state);
    crate::bindings::bsp::register(&mut rhai, state);
    crate::bindings::mr::register(&mut rhai, state);
    crate::bindings::plot::register_engine(&mut rhai, state);
    crate::bindings::distdict::register_engine(&mut rhai, state);
    stdlib::register(&mut rhai);
    crate::bindings::nd::register(&mut rhai);
    crate::bindings::da::register(&mut rhai, state);
    if let Some(extend) = config.extend {
        extend(&mut rhai);
    }
    rhai
}

impl Runner {
    /// Runs requests until shutdown, one reply for each.
    fn serve_all(&mut self) {
        while let Some(req) = self.next_request() {
            let id = req.id;
            let started = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
            let clock = Instant::now();
            let engine = self.state.borrow().id;
            let outcome = if id <= self.state.borrow().interrupt_up_to {
                Err(errors::plain(engine, "Interrupted", "interrupted before it started".into()))
            } else {
                {
                    let mut st = self.state.borrow_mut();
                    st.current = Some(Current { id, targets: req.targets.clone(), collectives: 0 });
                    st.report.start(id, &req.kind);
                }
                let _watching = crate::interrupt::watch(id, self.probe.clone());
                let outcome = errors::catch_request(engine, || self.serve(req));
                // A kernel that stopped for an interrupt ends the request as interrupted,
                // even if the script caught its error.
                match crate::interrupt::tripped() {
                    Some(what) if !matches!(&outcome, Err(e) if e.kind == "Interrupted") => {
                        Err(errors::plain(engine, "Interrupted", format!("interrupted in {what}")))
                    }
                    _ => outcome,
                }
            };
            let mut st = self.state.borrow_mut();
            // The request's dict writes land before its reply; a refused one fails it.
            let outcome = match (outcome, st.finish_dicts(id)) {
                (Ok(_), Err(msg)) => Err(errors::plain(engine, "DictError", msg)),
                (outcome, _) => outcome,
            };
            st.finish(id);
            let (rhai, scope) = (&self.rhai, &self.scope);
            st.report
                .finish(scope.len(), || scope.iter_raw().map(|(name, _, v)| (name, rhai.map_type_name(v.type_name()))));
            let reply = Reply { request: id, engine, outcome, started, elapsed: clock.elapsed().as_secs_f64() };
            if st.transport.send(Peer::Console, Message::Reply(reply)).is_err() {
                break;
            }
        }
    }

    /// The next request to run, serving messages while idle; `None` on shutdown.
    fn next_request(&mut self) -> Option<Request> {
        let mut st = self.state.borrow_mut();
        match st.wait_for(|s| s.queue.pop_front().map(Ok)) {
            Ok(req) => Some(req),
            Err(WaitError::Interrupted) | Err(WaitError::Failed(_)) => None,
        }
    }

    fn engine_id(&self) -> usize {
        self.state.borrow().id
    }

    fn serve(&mut self, req: Request) -> Result<Value, RemoteError> {
        let engine = self.engine_id();
        match req.kind {
            RequestKind::Execute { code, .. } => self.execute(code),
            RequestKind::Define { source } => {
                let ast = self.rhai.compile(&*source).map_err(|e| errors::from_parse(engine, &e))?;
                self.add_functions(&ast);
                Ok(Value::Unit)
            }
            RequestKind::Push { vars } => {
                for (name, value) in vars {
                    if !crate::bindings::is_identifier(&name) {
                        return Err(errors::plain(
                            engine,
                            "NameError",
                            format!("push: '{name}' is not a valid variable name"),
                        ));
                    }
                    let lib = &self.state.borrow().lib;
                    let failed = |e| errors::plain(engine, "CannotTravel", format!("push of '{name}': {e}"));
                    // An existing variable is assigned in place (a big array may refill its
                    // storage); a new one, or a constant's name, gets a new variable.
                    match self.scope.get_mut(&name) {
                        Some(slot) => convert::assign(slot, value, lib).map_err(failed)?,
                        None => {
                            let d = convert::to_dynamic(value, lib).map_err(failed)?;
                            self.scope.push(name, d);
                        }
                    }
                }
                Ok(Value::Unit)
            }
            RequestKind::Pull { names } => names
                .iter()
                .map(|name| {
                    let d = self.scope.get(name).ok_or_else(|| {
                        errors::plain(engine, "NameError", format!("pull: '{name}' is not defined on this engine"))
                    })?;
                    convert::to_value(d)
                        .map_err(|e| errors::plain(engine, "CannotTravel", format!("pull of '{name}': {e}")))
                })
                .collect::<Result<_, _>>()
                .map(Value::Array),
            RequestKind::Reset => {
                self.scope.clear();
                self.cache.clear();
                self.state.borrow_mut().dd.reset();
                self.state.borrow_mut().lib = AST::empty();
                Ok(Value::Unit)
            }
            RequestKind::Map { func, items, first } => farm::run_map(&self.rhai, &self.state, func, items, first),
            RequestKind::Call { func, args } => farm::run_call(&self.rhai, &self.state, func, args),
            // This engine's piece of a gather. The one place that decides what an engine
            // contributes: a Rhai array travels as a `Value::Array` (the console joins the
            // pieces in `client::data::join`).
            RequestKind::Gather { name } => {
                let d = self.scope.get(&name).ok_or_else(|| {
                    errors::plain(engine, "NameError", format!("gather: '{name}' is not defined on this engine"))
                })?;
                convert::to_value(d)
                    .map_err(|e| errors::plain(engine, "CannotTravel", format!("gather of '{name}': {e}")))
            }
        }
    }

    fn add_functions(&mut self, ast: &AST) {
        if ast.iter_functions().next().is_some() {
            let mut st = self.state.borrow_mut();
            st.lib = st.lib.merge(&ast.clone_functions_only());
        }
    }

    fn execute(&mut self, code: Arc<str>) -> Result<Value, RemoteError> {
        let engine = self.engine_id();
        let snippet = match self.cache.get(&code) {
            Some(ast) => ast.clone(),
            None => {
                let ast = self.rhai.compile(&*code).map_err(|e| errors::from_parse(engine, &e))?;
                if self.cache.len() >= CACHE_ENTRIES {
                    self.cache.clear();
                }
                self.cache.insert(code, ast.clone());
                ast
            }
        };
        // Functions defined in the snippet stay defined on the engine.
        self.add_functions(&snippet);
        let lib_has_fns = self.state.borrow().lib.iter_functions().next().is_some();
        let result = if lib_has_fns {
            let merged = self.state.borrow().lib.merge(&snippet);
            self.rhai.eval_ast_with_scope::<Dynamic>(&mut self.scope, &merged)
        } else {
            self.rhai.eval_ast_with_scope::<Dynamic>(&mut self.scope, &snippet)
        };
        crate::bindings::forget_shadowed(&mut self.scope);
        let value = result.map_err(|e| errors::from_eval(engine, *e, |e| signatures::explain(&self.rhai, e)))?;
        convert::into_value(value)
            .map_err(|e| errors::plain(engine, "CannotTravel", format!("the snippet's result cannot be returned: {e}")))
    }
}
