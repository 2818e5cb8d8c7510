//! The console: the Rhai interpreter a person talks to, batch runs and the REPL.
//!
//! [`Console`] owns the console's Rhai engine and namespace, and a [`Client`] shared
//! with the functions registered by [`api`]. Every piece of code it runs
//! is compiled first; if it defines functions (or closures), its source is compiled on
//! every engine too, so `map(f, items)` and `px("f(1)")` work without pushing code.
//! [`batch`] runs files, `-e` snippets and SPMD scripts; [`repl`] is the interactive loop;
//! [`display`] formats results and errors; [`plots`] saves, shows and lists the session's
//! plots (those drawn here and those engines send).
//!
//! The REPL's parts: [`repl`] (the loop and cells), [`magics`], [`input`] (rustyline on a
//! terminal, or line mode), [`helper`] (validation, completion, highlighting for
//! rustyline), [`validate`] (when a cell is complete), [`show`] (values, per-engine
//! collapse), [`screen`] (engine output, colours, the live line), [`status`] (`%status`,
//! `%who`), [`terminal`] (modes, Ctrl-C), `relay` (under mpirun: a pseudo-terminal
//! between mpirun and rustyline, so Ctrl-C interrupts instead of ending the job).

pub mod api;
pub mod batch;
pub mod complete;
pub mod display;
pub mod helper;
pub mod highlight;
pub mod hints;
pub mod input;
pub mod magics;
pub mod plots;
#[cfg(unix)]
pub mod relay;
pub mod repl;
pub mod screen;
pub mod show;
pub mod status;
pub mod terminal;
pub mod validate;

use crate::client::progress::ProgressHook;
use crate::client::Client;
use rhai::{Dynamic, Engine, EvalAltResult, Position, Scope, AST};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The most code sent to the engines in one piece.
pub const MAX_CODE_BYTES: usize = 64 << 20;

/// What the console's registered functions share with it.
pub struct Shared {
    pub client: Client,
    /// Every function defined at the console so far.
    pub lib: AST,
    /// Told how far long waits (`map`, `lb_map`, `wait`, `wait_all`) are; the REPL sets
    /// it to draw a progress bar, batch runs leave it empty.
    pub progress: Option<ProgressHook>,
    /// Set by Ctrl-C: stops console code (and console waits) as soon as it is noticed.
    pub interrupted: Arc<AtomicBool>,
}

pub struct Console {
    pub shared: Rc<RefCell<Shared>>,
    /// The session's plots (what `plots()` and `%plots` list).
    pub plots: Rc<RefCell<plots::PlotLog>>,
    rhai: Engine,
    scope: Scope<'static>,
}

/// Refuses code too large to send, saying how large it is.
pub fn check_size(code: &str) -> Result<(), String> {
    if code.len() > MAX_CODE_BYTES {
        return Err(format!(
            "the code is {:.1} MB; pshell sends at most {} MiB of code at once (build large data on the engines, or load it from files)",
            code.len() as f64 / 1e6,
            MAX_CODE_BYTES >> 20
        ));
    }
    Ok(())
}

impl Console {
    pub fn new(mut client: Client) -> Console {
        use std::io::IsTerminal;
        let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
        let plots = Rc::new(RefCell::new(plots::PlotLog::new(plots::DEFAULT_DIR, interactive)));
        client.set_plot_sink(crate::bindings::plot::engine_picture_sink(plots.clone()));
        let interrupted = Arc::new(AtomicBool::new(false));
        let shared = Rc::new(RefCell::new(Shared {
            client,
            lib: AST::empty(),
            progress: None,
            interrupted: interrupted.clone(),
        }));
        let mut rhai = Engine::new();
        rhai.on_progress(move |_| interrupted.load(Ordering::Relaxed).then(|| Dynamic::from("interrupted")));
        api::px::register(&mut rhai, &shared);
        crate::bindings::distdict::register_console(&mut rhai, &shared);
        crate::bindings::stdlib::register(&mut rhai);
        crate::bindings::plot::register_console(&mut rhai, &plots);
        crate::bindings::nd::register(&mut rhai);
        api::da::register(&mut rhai, &shared);
        api::bsp::register(&mut rhai, &shared);
        api::mr::register(&mut rhai, &shared);
        Console { shared, plots, rhai, scope: Scope::new() }
    }

    /// What `%plots` shows: the session's plots, one line each, oldest first.
    pub fn plots_listing(&self) -> String {
        self.plots.borrow().listing()
    }

    /// Where console `print` goes (standard output unless set): the Jupyter kernel
    /// sends it as a stream.
    pub fn on_print(&mut self, f: impl Fn(&str) + 'static) {
        self.rhai.on_print(f);
    }

    /// Compiles and runs `code` on the console; `origin` names it in errors. The error is
    /// the text to show the user.
    pub fn eval(&mut self, code: &str, origin: &str) -> Result<Dynamic, String> {
        check_size(code)?;
        let ast = self
            .rhai
            .compile(code)
            .map_err(|e| format_at(origin, code, e.position(), &format!("syntax error: {}", e.err_type())))?;
        if ast.iter_functions().next().is_some() {
            let mut shared = self.shared.borrow_mut();
            shared.client.define(code).map_err(|e| display::composite(&e))?;
            shared.lib = shared.lib.merge(&ast.clone_functions_only());
        }
        let lib = self.shared.borrow().lib.clone();
        let merged = lib.merge(&ast);
        let result = self.rhai.eval_ast_with_scope::<Dynamic>(&mut self.scope, &merged);
        crate::bindings::forget_shadowed(&mut self.scope);
        result.map_err(|e| eval_error(&self.rhai, origin, code, *e))
    }

    /// Runs `code` on every engine at once (SPMD); output streams tagged by engine.
    pub fn run_spmd(&mut self, code: &str, origin: &str) -> Result<(), String> {
        check_size(code)?;
        let mut shared = self.shared.borrow_mut();
        let all: Vec<usize> = (0..shared.client.engines()).collect();
        shared.client.execute(code, &all, origin).map(|_| ()).map_err(|e| display::composite(&e))
    }

    /// Where long waits report their progress (the REPL draws a bar with it).
    pub fn set_progress_hook(&mut self, hook: Option<ProgressHook>) {
        self.shared.borrow_mut().progress = hook;
    }

    /// The names and types of the console's variables.
    pub fn variables(&self) -> Vec<(String, String)> {
        self.scope
            .iter_raw()
            .map(|(name, _, v)| (name.to_string(), self.rhai.map_type_name(v.type_name()).to_string()))
            .collect()
    }

    /// Checks the syntax of `code` (to be run on engines) without running it.
    pub fn check_syntax(&self, code: &str, origin: &str) -> Result<(), String> {
        check_size(code)?;
        self.rhai
            .compile(code)
            .map(|_| ())
            .map_err(|e| format_at(origin, code, e.position(), &format!("syntax error: {}", e.err_type())))
    }

    /// Forgets the console's variables and functions.
    pub fn reset(&mut self) {
        self.scope.clear();
        self.shared.borrow_mut().lib = AST::empty();
    }

    /// The functions console code can call (registered and defined at the console, and
    /// with `standard` Rhai's standard library), with their number of parameters.
    pub fn functions(&self, standard: bool) -> Vec<(String, usize)> {
        let mut names = crate::bindings::function_names(&self.rhai, standard);
        names.extend(self.shared.borrow().lib.iter_functions().map(|f| (f.name.to_string(), f.params.len())));
        names.sort();
        names.dedup();
        names
    }

    /// The functions defined at the console, as `name(params)`.
    pub fn defined_functions(&self) -> Vec<String> {
        self.shared.borrow().lib.iter_functions().map(|f| format!("{}({})", f.name, f.params.join(", "))).collect()
    }
}

/// `origin line L, column C: message` with the caret line under it.
fn format_at(origin: &str, code: &str, pos: Position, message: &str) -> String {
    match (pos.line(), pos.position()) {
        (Some(line), col) => {
            let col = col.unwrap_or(1);
            let mut s = format!("{message}\n  at {origin} line {line}, column {col}");
            if let Some(c) = display::caret(code, line as u32, col as u32) {
                s.push('\n');
                s.push_str(&c);
            }
            s
        }
        _ => message.to_string(),
    }
}

/// The text of an error raised while console code ran.
fn eval_error(rhai: &Engine, origin: &str, code: &str, err: EvalAltResult) -> String {
    let pos = err.position();
    let mut inner = err;
    while let EvalAltResult::ErrorInFunctionCall(_, _, e, _) = inner {
        inner = *e;
    }
    let message = hints::explain(rhai, &inner).unwrap_or_else(|| crate::engine::errors::message_of(inner));
    format_at(origin, code, pos, &message)
}
