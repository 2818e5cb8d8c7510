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
use rhai::{Array, Dynamic, Engine, EvalAltResult, Map, Module, NativeCallContext};
use std::cell::RefCell;
use std::rc::Rc;

type Res<T> = Result<T, Box<EvalAltResult>>;

/// A script's handle to a dict (the type is named `DistDict` in scripts and messages).
#[derive(Debug, Clone)]
pub struct DistDict {
    pub handle: Handle,
}

fn fail(ctx: &NativeCallContext, e: DictError) -> Box<EvalAltResult> {
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
fn describe(d: &Dynamic) -> String {
    let mut shown = d.to_string();
    if shown.chars().count() > 40 {
        shown = shown.chars().take(37).collect::<String>() + "...";
    }
    if d.is_unit() {
        return "() (the unit value)".into();
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
        return Ok(Key::Str(s.to_string()));
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

fn key_to_dynamic(k: Key) -> Dynamic {
    match k {
        Key::Str(s) => s.into(),
        Key::Int(i) => i.into(),
        Key::Bool(b) => b.into(),
        Key::Char(c) => c.into(),
    }
}

fn value_of(h: &Handle, key: &Key, d: &Dynamic) -> Result<Value, DictError> {
    convert::to_value(d).map_err(|e| DictError::CannotTravel {
        dict: h.name.to_string(),
        key: crate::distdict::key::show(key),
        why: e.to_string(),
    })
}

fn amount_of(h: &Handle, d: &Dynamic) -> Result<Value, DictError> {
    if let Ok(i) = d.as_int() {
        return Ok(Value::Int(i));
    }
    if let Ok(x) = d.as_float() {
        return Ok(Value::Float(x));
    }
    Err(DictError::Usage(format!(
        "dict '{}': d.add needs an integer or a float to add, not {}",
        h.name,
        describe(d).replacen("a value of type", "a", 1)
    )))
}

fn spmd_here<S: Side>(side: &S, h: &Handle) -> bool {
    h.mode == DictMode::Spmd && side.spmd(|_| ()).is_some()
}

fn incoming<S: Side>(ctx: &NativeCallContext, side: &S, v: Value) -> Res<Dynamic> {
    side.to_dynamic(v).map_err(|e| fail(ctx, DictError::Failed(e.to_string())))
}

/// The value of `key`, `None` if missing.
fn lookup<S: Side>(side: &S, h: &Handle, key: Key) -> Result<Option<Value>, DictError> {
    if spmd_here(side, h) {
        side.spmd(|l| spmd::get(l, h, key)).expect("an engine")
    } else {
        side.link(|l| access::get(l, h, key))
    }
}

fn write<S: Side>(side: &S, h: &Handle, op: WriteOp) -> Result<(), DictError> {
    if spmd_here(side, h) {
        side.spmd(|l| spmd::write_many(l, h, vec![op])).expect("an engine")
    } else {
        side.link(|l| access::write(l, h, op))
    }
}

fn index_get<S: Side>(ctx: &NativeCallContext, side: &S, d: &DistDict, k: Dynamic) -> Res<Dynamic> {
    let h = &d.handle;
    let key = key_of(h, &k).map_err(|e| fail(ctx, e))?;
    match lookup(side, h, key.clone()).map_err(|e| fail(ctx, e))? {
        Some(v) => incoming(ctx, side, v),
        None => Err(fail(ctx, access::missing(h, &key))),
    }
}

fn index_set<S: Side>(ctx: &NativeCallContext, side: &S, d: &DistDict, k: Dynamic, v: Dynamic) -> Res<()> {
    let h = &d.handle;
    let key = key_of(h, &k).map_err(|e| fail(ctx, e))?;
    let value = value_of(h, &key, &v).map_err(|e| fail(ctx, e))?;
    write(side, h, WriteOp::Set { key, value }).map_err(|e| fail(ctx, e))
}

/// `set_many` entries: a map, or an array of `[key, value]` pairs. In SPMD mode only
/// the values of keys this engine owns are converted.
fn entries<S: Side>(side: &S, h: &Handle, items: Dynamic) -> Result<Vec<WriteOp>, DictError> {
    let spmd = spmd_here(side, h);
    let keep = |key: &Key| !spmd || side.spmd(|l| spmd::owns(l, h, key)).unwrap_or(true);
    let mut ops = Vec::new();
    if let Some(map) = items.read_lock::<Map>() {
        ops.reserve(map.len());
        for (k, v) in map.iter() {
            let key = Key::Str(k.to_string());
            if keep(&key) {
                let value = value_of(h, &key, v)?;
                ops.push(WriteOp::Set { key, value });
            }
        }
        return Ok(ops);
    }
    if let Some(pairs) = items.read_lock::<Array>() {
        ops.reserve(pairs.len());
        for (i, pair) in pairs.iter().enumerate() {
            let bad = || {
                DictError::Usage(format!(
                    "dict '{}': d.set_many takes a map or an array of [key, value] pairs, but item {i} is {}",
                    h.name,
                    describe(pair)
                ))
            };
            let p = pair.read_lock::<Array>().ok_or_else(bad)?;
            let [k, v] = p.as_slice() else { return Err(bad()) };
            let key = key_of(h, k)?;
            if keep(&key) {
                let value = value_of(h, &key, v)?;
                ops.push(WriteOp::Set { key, value });
            }
        }
        return Ok(ops);
    }
    Err(DictError::Usage(format!(
        "dict '{}': d.set_many takes a map or an array of [key, value] pairs, not {}",
        h.name,
        describe(&items)
    )))
}

fn get_many<S: Side>(ctx: &NativeCallContext, side: &S, d: &DistDict, keys: Array, default: Option<Dynamic>) -> Res<Array> {
    let h = &d.handle;
    let keys: Vec<Key> = keys.iter().map(|k| key_of(h, k)).collect::<Result<_, _>>().map_err(|e| fail(ctx, e))?;
    let values = if spmd_here(side, h) {
        side.spmd(|l| spmd::get_many(l, h, keys.clone())).expect("an engine")
    } else {
        side.link(|l| access::get_many(l, h, keys.clone()))
    }
    .map_err(|e| fail(ctx, e))?;
    keys.iter()
        .zip(values)
        .map(|(k, v)| match (v, &default) {
            (Some(v), _) => incoming(ctx, side, v),
            (None, Some(d)) => Ok(d.clone()),
            (None, None) => Err(fail(ctx, access::missing(h, k))),
        })
        .collect()
}

fn items_of<S: Side>(ctx: &NativeCallContext, side: &S, d: &DistDict) -> Res<Vec<(Key, Value)>> {
    let h = &d.handle;
    if spmd_here(side, h) {
        side.spmd(|l| spmd::items(l, h)).expect("an engine")
    } else {
        side.link(|l| access::items(l, h))
    }
    .map_err(|e| fail(ctx, e))
}

fn local_items<S: Side>(ctx: &NativeCallContext, side: &S, d: &DistDict, what: &str) -> Res<Vec<(Key, Value)>> {
    side.link(|l| access::local_items(l, &d.handle, what)).map_err(|e| fail(ctx, e))
}

/// `d.rank` on an engine; an error at the console.
fn rank<S: Side>(ctx: &NativeCallContext, side: &S, d: &DistDict) -> Res<i64> {
    match side.link(|l| l.me()) {
        crate::protocol::Peer::Engine(e) => Ok(e as i64),
        crate::protocol::Peer::Console => Err(fail(
            ctx,
            DictError::Usage(format!(
                "d.rank is the engine's id, on engines; the console holds no part of dict '{}'",
                d.handle.name
            )),
        )),
    }
}

/// Registers the methods of `DistDict` for `side`.
fn register_methods<S: Side>(engine: &mut Engine, side: S) {
    engine.register_type_with_name::<DistDict>("DistDict");
    let s = side.clone();
    // `d[k]`: the value of key `k`; an error naming `k` if it is missing.
    engine.register_indexer_get(move |ctx: NativeCallContext, d: &mut DistDict, k: Dynamic| index_get(&ctx, &s, d, k));
    let s = side.clone();
    // `d[k] = v`: stores `v` at `k`'s owner.
    engine.register_indexer_set(move |ctx: NativeCallContext, d: &mut DistDict, k: Dynamic, v: Dynamic| {
        index_set(&ctx, &s, d, k, v)
    });
    let s = side.clone();
    // `d.get(k, default)`: the value of `k`, or `default` if it is missing.
    engine.register_fn("get", move |ctx: NativeCallContext, d: &mut DistDict, k: Dynamic, default: Dynamic| -> Res<Dynamic> {
        let key = key_of(&d.handle, &k).map_err(|e| fail(&ctx, e))?;
        match lookup(&s, &d.handle, key).map_err(|e| fail(&ctx, e))? {
            Some(v) => incoming(&ctx, &s, v),
            None => Ok(default),
        }
    });
    let s = side.clone();
    // `d.contains(k)` (also `k in d`): whether `k` is present.
    engine.register_fn("contains", move |ctx: NativeCallContext, d: &mut DistDict, k: Dynamic| -> Res<bool> {
        let h = &d.handle;
        let key = key_of(h, &k).map_err(|e| fail(&ctx, e))?;
        if spmd_here(&s, h) {
            s.spmd(|l| spmd::contains(l, h, key)).expect("an engine")
        } else {
            s.link(|l| access::contains(l, h, key))
        }
        .map_err(|e| fail(&ctx, e))
    });
    let s = side.clone();
    // `d.remove(k)`: removes `k`; its value, or `()` if it was missing (as a Rhai map).
    engine.register_fn("remove", move |ctx: NativeCallContext, d: &mut DistDict, k: Dynamic| -> Res<Dynamic> {
        let h = &d.handle;
        let key = key_of(h, &k).map_err(|e| fail(&ctx, e))?;
        let v = if spmd_here(&s, h) {
            s.spmd(|l| spmd::remove(l, h, key)).expect("an engine")
        } else {
            s.link(|l| access::remove(l, h, key))
        }
        .map_err(|e| fail(&ctx, e))?;
        v.map_or(Ok(Dynamic::UNIT), |v| incoming(&ctx, &s, v))
    });
    let s = side.clone();
    // `d.len()`: the number of keys on all engines.
    engine.register_fn("len", move |ctx: NativeCallContext, d: &mut DistDict| -> Res<i64> {
        let h = &d.handle;
        let n = if spmd_here(&s, h) { s.spmd(|l| spmd::len(l, h)).expect("an engine") } else { s.link(|l| access::len(l, h)) };
        n.map(|n| n as i64).map_err(|e| fail(&ctx, e))
    });
    let s = side.clone();
    // `d.keys()`: every key, in key order (booleans, integers, characters, strings).
    engine.register_fn("keys", move |ctx: NativeCallContext, d: &mut DistDict| -> Res<Array> {
        let h = &d.handle;
        let keys =
            if spmd_here(&s, h) { s.spmd(|l| spmd::keys(l, h)).expect("an engine") } else { s.link(|l| access::keys(l, h)) };
        Ok(keys.map_err(|e| fail(&ctx, e))?.into_iter().map(key_to_dynamic).collect())
    });
    let s = side.clone();
    // `d.values()`: every value, in key order.
    engine.register_fn("values", move |ctx: NativeCallContext, d: &mut DistDict| -> Res<Array> {
        items_of(&ctx, &s, d)?.into_iter().map(|(_, v)| incoming(&ctx, &s, v)).collect()
    });
    let s = side.clone();
    // `d.items()`: `[key, value]` pairs, in key order.
    engine.register_fn("items", move |ctx: NativeCallContext, d: &mut DistDict| -> Res<Array> {
        items_of(&ctx, &s, d)?
            .into_iter()
            .map(|(k, v)| Ok(Dynamic::from_array(vec![key_to_dynamic(k), incoming(&ctx, &s, v)?])))
            .collect()
    });
    let s = side.clone();
    // `d.clear()`: removes every key; the dict stays usable.
    engine.register_fn("clear", move |ctx: NativeCallContext, d: &mut DistDict| -> Res<()> {
        let h = &d.handle;
        if spmd_here(&s, h) { s.spmd(|l| spmd::clear(l, h)).expect("an engine") } else { s.link(|l| access::clear(l, h)) }
            .map_err(|e| fail(&ctx, e))
    });
    let s = side.clone();
    // `d.local_keys()`: the keys this engine owns, in key order.
    engine.register_fn("local_keys", move |ctx: NativeCallContext, d: &mut DistDict| -> Res<Array> {
        Ok(local_items(&ctx, &s, d, "local_keys")?.into_iter().map(|(k, _)| key_to_dynamic(k)).collect())
    });
    let s = side.clone();
    // `d.local_values()`: the values of the keys this engine owns, in key order.
    engine.register_fn("local_values", move |ctx: NativeCallContext, d: &mut DistDict| -> Res<Array> {
        local_items(&ctx, &s, d, "local_values")?.into_iter().map(|(_, v)| incoming(&ctx, &s, v)).collect()
    });
    let s = side.clone();
    // `d.set_many(map)` or `d.set_many([[k, v], ...])`: one message per owner.
    engine.register_fn("set_many", move |ctx: NativeCallContext, d: &mut DistDict, items: Dynamic| -> Res<()> {
        let h = &d.handle;
        let ops = entries(&s, h, items).map_err(|e| fail(&ctx, e))?;
        if spmd_here(&s, h) {
            s.spmd(|l| spmd::write_many(l, h, ops)).expect("an engine")
        } else {
            s.link(|l| access::write_many(l, h, ops))
        }
        .map_err(|e| fail(&ctx, e))
    });
    let s = side.clone();
    // `d.get_many(keys)`: their values, one message per owner; an error for a missing key.
    engine.register_fn("get_many", move |ctx: NativeCallContext, d: &mut DistDict, keys: Array| {
        get_many(&ctx, &s, d, keys, None)
    });
    let s = side.clone();
    // `d.get_many(keys, default)`: the same, with `default` for missing keys.
    engine.register_fn("get_many", move |ctx: NativeCallContext, d: &mut DistDict, keys: Array, default: Dynamic| {
        get_many(&ctx, &s, d, keys, Some(default))
    });
    let s = side.clone();
    // `d.add(k, n)`: adds `n` to `k`'s number at its owner (from 0 for a new key).
    engine.register_fn("add", move |ctx: NativeCallContext, d: &mut DistDict, k: Dynamic, n: Dynamic| -> Res<()> {
        let h = &d.handle;
        let key = key_of(h, &k).map_err(|e| fail(&ctx, e))?;
        let amount = amount_of(h, &n).map_err(|e| fail(&ctx, e))?;
        write(&s, h, WriteOp::Add { key, amount }).map_err(|e| fail(&ctx, e))
    });
    let s = side.clone();
    // `d.flush()`: returns when every earlier write from here has landed.
    engine.register_fn("flush", move |ctx: NativeCallContext, d: &mut DistDict| -> Res<()> {
        if spmd_here(&s, &d.handle) {
            return Ok(());
        }
        s.link(|l| access::flush(l, &d.handle)).map_err(|e| fail(&ctx, e))
    });
    let s = side.clone();
    // `d.rank`: this engine's id.
    engine.register_get("rank", move |ctx: NativeCallContext, d: &mut DistDict| rank(&ctx, &s, d));
    // `d.size`: the number of engines the keys are spread over.
    engine.register_get("size", |d: &mut DistDict| d.handle.engines as i64);
    // `d.name`, `d.mode`: the dict's name and "mpmd" or "spmd".
    engine.register_get("name", |d: &mut DistDict| d.handle.name.to_string());
    engine.register_get("mode", |d: &mut DistDict| d.handle.mode.name().to_string());
    let show = |d: &mut DistDict| {
        format!("DistDict({:?}, {}, {} engines)", &*d.handle.name, d.handle.mode.name(), d.handle.engines)
    };
    engine.register_fn("to_string", show);
    engine.register_fn("to_debug", show);
}

/// Reads `dd::new`'s argument: a name or `#{name, mode}`.
fn new_args(arg: Option<Dynamic>) -> Result<(Option<String>, DictMode), DictError> {
    let Some(arg) = arg else { return Ok((None, DictMode::Mpmd)) };
    if let Ok(name) = arg.as_immutable_string_ref() {
        return Ok((Some(name.to_string()), DictMode::Mpmd));
    }
    let Some(map) = arg.read_lock::<Map>() else {
        return Err(DictError::Usage(format!(
            "dd::new takes a name or a map like #{{name: \"words\", mode: \"spmd\"}}, not {}",
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
                return Err(DictError::Usage(format!("dd::new: option '{k}' must be a string, not {}", describe(v))))
            }
            (other, _) => {
                return Err(DictError::Usage(format!("dd::new: unknown option '{other}' (options: name, mode)")))
            }
        }
    }
    Ok((name, mode))
}

fn dd_open<S: Side>(ctx: &NativeCallContext, side: &S, name: &str) -> Res<DistDict> {
    side.link(|l| access::open(l, name)).map(|handle| DistDict { handle }).map_err(|e| fail(ctx, e))
}

/// Makes `new` an ordinary name, so `dd::new(..)` parses: Rhai reserves the word `new`
/// (for no feature of its own), and the API names the constructor `dd::new`.
fn allow_new(engine: &mut Engine) {
    #[allow(deprecated)] // Rhai marks the token mapper "volatile", not deprecated.
    engine.on_parse_token(|token, _, _| match token {
        rhai::Token::Reserved(s) if s.as_str() == "new" => rhai::Token::Identifier(s),
        other => other,
    });
}

/// Registers `dd` and `DistDict` on an engine.
pub fn register_engine(engine: &mut Engine, state: &Rc<RefCell<State>>) {
    allow_new(engine);
    register_methods(engine, EngineSide(state.clone()));
    let mut dd = Module::new();
    let create = |st: &Rc<RefCell<State>>, ctx: &NativeCallContext, arg: Option<Dynamic>| -> Res<DistDict> {
        let (name, mode) = new_args(arg).map_err(|e| fail(ctx, e))?;
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
    engine.register_static_module("dd", dd.into());
}

/// Registers `dd` and `DistDict` at the console.
pub fn register_console(engine: &mut Engine, shared: &Rc<RefCell<Shared>>) {
    allow_new(engine);
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
    rhai::FuncRegistration::new("new").set_into_module(&mut dd, move |ctx: NativeCallContext, _arg: Dynamic| at_console(ctx));
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
                .map(|d| format!("{} {} keys ({})", d.name, d.keys, crate::distdict::memory::show_bytes(d.bytes as usize)))
                .collect();
            let list = if parts.is_empty() { "no dicts".to_string() } else { parts.join(", ") };
            format!("engine {e}: {list}")
        })
        .collect())
}
