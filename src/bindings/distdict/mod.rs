//! The `dd` module and the `DistDict` type: DistDict in Rhai, on engines and the console.
//!
//! Thin: each function converts its arguments (keys with [`key_of`], values with
//! `convert`), calls `distdict::access` (MPMD mode, and every use from the console) or
//! `distdict::spmd` (SPMD mode on engines) over the side's link, and converts back. The
//! same methods are registered on both sides through [`Side`]; only `dd::new` differs
//! (collective on engines, an error naming the right way at the console).
//!
//! ```rhai
//! let d = dd::new("words");          // on every engine at once
//! d["apple"] = 3;
//! d.add("apple", 1);
//! d.flush();
//! print(d["apple"]);                 // 4
//! ```

use super::convert::{self, friendly_type_name};
use crate::console::Shared;
use crate::distdict::{access, registry, spmd, DictError, Handle, Key, Link, SpmdLink};
use crate::engine::state::State;
use crate::protocol::{DictMode, Value, WriteOp};
use rhai::{Dynamic, Engine, EvalAltResult, Map, Module, NativeCallContext};
use std::cell::RefCell;
use std::rc::Rc;

mod file;
mod methods;
use methods::register_methods;

pub(super) type Res<T> = Result<T, Box<EvalAltResult>>;

/// A script's handle to a dict (the type is named `DistDict` in scripts and messages).
#[derive(Debug, Clone)]
pub struct DistDict {
    pub handle: Handle,
}

pub(super) fn fail(ctx: &NativeCallContext, e: DictError) -> Box<EvalAltResult> {
    match e {
        DictError::Interrupted => EvalAltResult::ErrorTerminated("interrupted".into(), ctx.call_position()).into(),
        e => EvalAltResult::ErrorRuntime(e.to_string().into(), ctx.call_position()).into(),
    }
}

/// Where dict operations run: an engine or the console.
pub trait Side: Clone + 'static {
    fn link<R>(&self, f: impl FnOnce(&mut dyn Link) -> R) -> R;
    /// Runs `f` with the SPMD link; `None` at the console.
    fn spmd<R>(&self, f: impl FnOnce(&mut dyn SpmdLink) -> R) -> Option<R>;
    /// Converts a value that arrived into a script value.
    fn to_dynamic(&self, v: Value) -> Result<Dynamic, convert::ConvertError>;
}

#[derive(Clone)]
struct EngineSide(Rc<RefCell<State>>);

impl Side for EngineSide {
    fn link<R>(&self, f: impl FnOnce(&mut dyn Link) -> R) -> R {
        f(&mut *self.0.borrow_mut())
    }
    fn spmd<R>(&self, f: impl FnOnce(&mut dyn SpmdLink) -> R) -> Option<R> {
        Some(f(&mut *self.0.borrow_mut()))
    }
    fn to_dynamic(&self, v: Value) -> Result<Dynamic, convert::ConvertError> {
        convert::to_dynamic(v, &self.0.borrow().lib)
    }
}

#[derive(Clone)]
struct ConsoleSide(Rc<RefCell<Shared>>);

impl Side for ConsoleSide {
    fn link<R>(&self, f: impl FnOnce(&mut dyn Link) -> R) -> R {
        f(&mut self.0.borrow_mut().client)
    }
    fn spmd<R>(&self, _f: impl FnOnce(&mut dyn SpmdLink) -> R) -> Option<R> {
        None
    }
    fn to_dynamic(&self, v: Value) -> Result<Dynamic, convert::ConvertError> {
        convert::to_dynamic(v, &self.0.borrow().lib)
    }
}

/// How a value that cannot be a key reads in the error: "a float (1.5)".
pub(super) fn describe(d: &Dynamic) -> String {
    let mut shown = d.to_string();
    if shown.chars().count() > 40 {
        shown = shown.chars().take(37).collect::<String>() + "...";
    }
    if d.is_unit() {
        return "() (the unit value)".into();
    }
    if d.is_string() {
        return format!("a string ({shown:?})");
    }
    let what = if d.is_float() {
        "a float".to_string()
    } else if d.is_array() {
        "an array".to_string()
    } else if d.is_map() {
        "a map".to_string()
    } else if d.is_blob() {
        return "a blob".into();
    } else {
        format!("a value of type '{}'", friendly_type_name(d))
    };
    format!("{what} ({shown})")
}

/// A script value as a key: strings, integers, booleans and characters.
pub fn key_of(h: &Handle, d: &Dynamic) -> Result<Key, DictError> {
    if let Ok(s) = d.as_immutable_string_ref() {
        return Ok(Key::Str(s.as_str().to_owned()));
    }
    if let Ok(i) = d.as_int() {
        return Ok(Key::Int(i));
    }
    if let Ok(b) = d.as_bool() {
        return Ok(Key::Bool(b));
    }
    if let Ok(c) = d.as_char() {
        return Ok(Key::Char(c));
    }
    Err(DictError::BadKey { dict: h.name.to_string(), what: describe(d) })
}

pub(super) fn key_to_dynamic(k: Key) -> Dynamic {
    match k {
        Key::Str(s) => s.into(),
        Key::Int(i) => i.into(),
        Key::Bool(b) => b.into(),
        Key::Char(c) => c.into(),
    }
}

pub(super) fn value_of(h: &Handle, key: &Key, d: &Dynamic) -> Result<Value, DictError> {
    value_with(h, || crate::distdict::key::show(key), d)
}

/// [`value_of`] for a key that is shown by `shown` if the value cannot travel.
pub(super) fn value_with(h: &Handle, shown: impl FnOnce() -> String, d: &Dynamic) -> Result<Value, DictError> {
    convert::to_value(d).map_err(|e| DictError::CannotTravel {
        dict: h.name.to_string(),
        key: shown(),
        why: e.to_string(),
    })
}

pub(super) fn amount_of(h: &Handle, d: &Dynamic) -> Result<Value, DictError> {
    if let Ok(i) = d.as_int() {
        return Ok(Value::Int(i));
    }
    if let Ok(x) = d.as_float() {
        return Ok(Value::Float(x));
    }
    Err(DictError::Usage(format!("dict '{}': d.add needs an integer or a float to add, not {}", h.name, describe(d))))
}

pub(super) fn spmd_here<S: Side>(side: &S, h: &Handle) -> bool {
    h.mode == DictMode::Spmd && side.spmd(|_| ()).is_some()
}

pub(super) fn incoming<S: Side>(ctx: &NativeCallContext, side: &S, v: Value) -> Res<Dynamic> {
    side.to_dynamic(v).map_err(|e| fail(ctx, DictError::Failed(e.to_string())))
}

/// The value of `key`, `None` if missing.
pub(super) fn lookup<S: Side>(side: &S, h: &Handle, key: Key) -> Result<Option<Value>, DictError> {
    if spmd_here(side, h) {
        side.spmd(|l| spmd::get(l, h, key)).expect("an engine")
    } else {
        side.link(|l| access::get(l, h, key))
    }
}

pub(super) fn write<S: Side>(side: &S, h: &Handle, op: WriteOp) -> Result<(), DictError> {
    if spmd_here(side, h) {
        side.spmd(|l| spmd::write_many(l, h, vec![op])).expect("an engine")
    } else {
        side.link(|l| access::write(l, h, op))
    }
}

/// Reads the argument of `dd::new` (or `what`, e.g. `dd::load`): a name or `#{name, mode}`.
pub(super) fn new_args(what: &str, arg: Option<Dynamic>) -> Result<(Option<String>, DictMode), DictError> {
    let Some(arg) = arg else { return Ok((None, DictMode::Mpmd)) };
    if let Ok(name) = arg.as_immutable_string_ref() {
        return Ok((Some(name.to_string()), DictMode::Mpmd));
    }
    let Some(map) = arg.read_lock::<Map>() else {
        return Err(DictError::Usage(format!(
            "{what} takes a name or a map like #{{name: \"words\", mode: \"spmd\"}}, not {}",
            describe(&arg)
        )));
    };
    let mut name = None;
    let mut mode = DictMode::Mpmd;
    for (k, v) in map.iter() {
        match (k.as_str(), v.as_immutable_string_ref()) {
            ("name", Ok(s)) => name = Some(s.to_string()),
            ("mode", Ok(s)) => mode = registry::parse_mode(s.as_str())?,
            ("name" | "mode", Err(_)) => {
                return Err(DictError::Usage(format!("{what}: option '{k}' must be a string, not {}", describe(v))))
            }
            (other, _) => {
                return Err(DictError::Usage(format!("{what}: unknown option '{other}' (options: name, mode)")))
            }
        }
    }
    Ok((name, mode))
}

fn dd_open<S: Side>(ctx: &NativeCallContext, side: &S, name: &str) -> Res<DistDict> {
    side.link(|l| access::open(l, name)).map(|handle| DistDict { handle }).map_err(|e| fail(ctx, e))
}

/// Registers `dd` and `DistDict` on an engine.
pub fn register_engine(engine: &mut Engine, state: &Rc<RefCell<State>>) {
    super::allow_reserved_api_names(engine);
    register_methods(engine, EngineSide(state.clone()));
    let mut dd = Module::new();
    let create = |st: &Rc<RefCell<State>>, ctx: &NativeCallContext, arg: Option<Dynamic>| -> Res<DistDict> {
        let (name, mode) = new_args("dd::new", arg).map_err(|e| fail(ctx, e))?;
        st.borrow_mut().create_dict(name, mode).map(|handle| DistDict { handle }).map_err(|e| fail(ctx, e))
    };
    let st = state.clone();
    // `dd::new()`: a new dict named "dict1", "dict2"... (collective over all engines).
    rhai::FuncRegistration::new("new")
        .with_volatility(true)
        .set_into_module(&mut dd, move |ctx: NativeCallContext| create(&st, &ctx, None));
    let st = state.clone();
    // `dd::new("words")` or `dd::new(#{name: "words", mode: "spmd"})`.
    rhai::FuncRegistration::new("new")
        .with_volatility(true)
        .set_into_module(&mut dd, move |ctx: NativeCallContext, arg: Dynamic| create(&st, &ctx, Some(arg)));
    let side = EngineSide(state.clone());
    // `dd::open("words")`: a handle to an existing dict.
    rhai::FuncRegistration::new("open")
        .with_volatility(true)
        .set_into_module(&mut dd, move |ctx: NativeCallContext, name: &str| dd_open(&ctx, &side, name));
    file::register_engine(engine, &mut dd, state);
    engine.register_static_module("dd", dd.into());
}

/// Registers `dd` and `DistDict` at the console.
pub fn register_console(engine: &mut Engine, shared: &Rc<RefCell<Shared>>) {
    super::allow_reserved_api_names(engine);
    register_methods(engine, ConsoleSide(shared.clone()));
    let mut dd = Module::new();
    let side = ConsoleSide(shared.clone());
    // `dd::open("words")`: a handle to a dict the engines made.
    rhai::FuncRegistration::new("open")
        .with_volatility(true)
        .set_into_module(&mut dd, move |ctx: NativeCallContext, name: &str| dd_open(&ctx, &side, name));
    let at_console = |ctx: NativeCallContext| -> Res<DistDict> {
        Err(fail(
            &ctx,
            DictError::Usage(
                "dd::new runs on the engines, all at once: px(\"let d = dd::new(\\\"words\\\")\"); at the console, dd::open(\"words\") gives a handle to it".into(),
            ),
        ))
    };
    rhai::FuncRegistration::new("new").set_into_module(&mut dd, at_console);
    rhai::FuncRegistration::new("new")
        .set_into_module(&mut dd, move |ctx: NativeCallContext, _arg: Dynamic| at_console(ctx));
    file::register_console(engine, &mut dd, shared);
    engine.register_static_module("dd", dd.into());
}

/// Every engine's dicts and their key counts, one line per engine, for `%status`:
/// `engine 0: words 1204 keys (2.1 MB), counts 10 keys (1.2 KB)`. Busy engines answer too.
pub fn status_lines(client: &mut crate::client::Client) -> Result<Vec<String>, String> {
    let all = access::status(client).map_err(|e| e.to_string())?;
    Ok(all
        .into_iter()
        .enumerate()
        .map(|(e, dicts)| {
            let parts: Vec<String> = dicts
                .iter()
                .map(|d| {
                    format!("{} {} keys ({})", d.name, d.keys, crate::distdict::memory::show_bytes(d.bytes as usize))
                })
                .collect();
            let list = if parts.is_empty() { "no dicts".to_string() } else { parts.join(", ") };
            format!("engine {e}: {list}")
        })
        .collect())
}
