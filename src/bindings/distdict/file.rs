//! `d.save(path)` and `dd::load(path [, name])`: a DistDict to and from a JSON Lines
//! file (`[key, value]` a line; the format is `io::jsonl`'s).
//!
//! Both are collective over all engines, like `dd::new`: on the engines every engine
//! calls them at the same point (`px("d.save(\"w.jsonl\")")`); at the console they run
//! that request on every engine and wait for it.
//!
//! - **save**: every engine flushes its pending writes and waits for the others (so the
//!   file holds every write made before the call), encodes the keys it owns in key
//!   order, and `io::jsonl::dist::save_parts` joins the parts in engine order into one
//!   file written under a temporary name and renamed. A value JSON cannot hold is an
//!   error naming the key, before the file is touched. The line order is the same
//!   every run on the same number of engines (not across engine counts).
//! - **load**: the name (default: the file's name without its last extension) must be
//!   free; each engine parses the lines that start in its byte range; only then is the
//!   dict created (collectively, as `dd::new`), and each engine sends its pairs to their
//!   owners in one batch per owner (`access::write_groups`) and flushes. A key on two
//!   lines is an error (a dict file from `d.save` holds each key once; which of two
//!   lines should win is not clear), found by comparing the lines read with the keys
//!   stored; the file is then read once more to name both lines. On any error after
//!   creation (a refused write, a repeated key) the new dict is forgotten on every
//!   engine: no half-filled dict remains under the name.

use super::{fail, new_args, DistDict, Res};
use crate::console::{display, Shared};
use crate::distarray::engine_list;
use crate::distdict::{access, key, DictError, Handle};
use crate::engine::state::State;
use crate::io::dist::agree;
use crate::io::jsonl::dist::{encode, find_duplicate, read_part, save_parts};
use crate::protocol::{DictMode, WriteOp};
use rhai::{Dynamic, Engine, Module, NativeCallContext};
use std::cell::RefCell;
use std::rc::Rc;

type St = Rc<RefCell<State>>;

fn failed(e: impl ToString) -> DictError {
    DictError::Failed(e.to_string())
}

/// Runs `f` with the request's group of engines, which must be all of them.
fn on_all<T>(
    st: &St,
    what: &str,
    f: impl FnOnce(&mut dyn crate::distarray::Comm) -> Result<T, crate::distarray::DaError>,
) -> Result<T, DictError> {
    let mut s = st.borrow_mut();
    let engines = s.engines;
    let mut comm = s.group_comm().map_err(failed)?;
    let group = crate::distarray::Comm::group(&comm).to_vec();
    if group.len() != engines {
        return Err(DictError::Usage(format!(
            "{what} is collective over all {engines} engines, but this request runs on engine {}",
            engine_list(&group)
        )));
    }
    f(&mut comm).map_err(failed)
}

/// `d.save(path)` on an engine (every engine at once).
pub fn save(st: &St, h: &Handle, path: &str) -> Result<(), DictError> {
    on_all(st, "d.save", |_| Ok(()))?;
    let flushed = access::flush(&mut *st.borrow_mut(), h).map_err(|e| e.to_string());
    on_all(st, "d.save", |c| agree(c, "dict save: flush", flushed))?;
    let items = access::local_items(&mut *st.borrow_mut(), h, "save")?;
    let part =
        encode(&items).map_err(|(k, e)| format!("dict '{}': cannot save key {} to {path}: {e}", h.name, key::show(&k)));
    drop(items);
    on_all(st, "d.save", |c| save_parts(c, path, part))
}

/// The name `dd::load(path)` gives: the file's name without its last extension.
pub fn default_name(path: &str) -> String {
    let p = std::path::Path::new(path);
    p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| path.to_string())
}

/// `dd::load(path [, name])` on an engine (every engine at once).
pub fn load(st: &St, path: &str, name: Option<String>, mode: DictMode) -> Result<Handle, DictError> {
    let name = name.unwrap_or_else(|| default_name(path));
    let mine = if st.borrow().dd.registry.get(&name).is_some() {
        Err(format!("dd::load: a dict named '{name}' already exists; give another name: dd::load({path:?}, \"other\")"))
    } else {
        Ok(())
    };
    let part = on_all(st, "dd::load", |c| {
        agree(c, "dict load: name", mine)?;
        read_part(c, path)
    })?;
    let h = st.borrow_mut().create_dict(Some(name), mode)?;
    let lines = part.pairs.len() as i64;
    let mut groups: Vec<Vec<WriteOp>> = (0..h.engines).map(|_| Vec::new()).collect();
    for (key, value) in part.pairs {
        groups[key::owner(&key, h.engines)].push(WriteOp::Set { key, value });
    }
    let written = {
        let mut s = st.borrow_mut();
        let none: Vec<WriteOp> = Vec::new();
        access::write_groups(&mut *s, &h, groups, none).and_then(|()| access::flush(&mut *s, &h))
    };
    let outcome = on_all(st, "dd::load", |c| agree(c, "dict load: write", written.map_err(|e| e.to_string())))
        .and_then(|()| {
            // Every engine's writes have landed: each key is stored once, at its owner.
            let held = st.borrow().dd.store.shard(h.id).map_or(0, |s| s.len()) as i64;
            on_all(st, "dd::load", |c| {
                let all = crate::distarray::sort::gather_ints(c, "dict load: counts", &[lines, held])?;
                let (read, kept) = all.iter().fold((0, 0), |(r, k), x| (r + x[0], k + x[1]));
                if read == kept {
                    return Ok(());
                }
                let again = read_part(c, path)?;
                let keys = again.pairs.into_iter().map(|(k, _)| k).zip(again.lines).collect();
                Err(find_duplicate(c, path, keys)?)
            })
        });
    if outcome.is_err() {
        st.borrow_mut().dd.forget(h.id);
    }
    outcome.map(|()| h)
}

/// `s` as a Rhai string literal (`"..."`, anything but printable ASCII as `\U` escapes).
fn literal(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Registers `d.save(path)`, `dd::load(path [, name])` and the console's helper
/// `dd::__save(id, path)` on an engine.
pub(super) fn register_engine(engine: &mut Engine, dd: &mut Module, state: &St) {
    let st = state.clone();
    // `d.save("words.jsonl")`: every engine at once; one `[key, value]` line per key.
    engine.register_fn("save", move |ctx: NativeCallContext, d: &mut DistDict, path: &str| -> Res<()> {
        save(&st, &d.handle, path).map_err(|e| fail(&ctx, e))
    });
    let st = state.clone();
    // `dd::__save(id, path)`: `d.save(path)` for the console's handle of dict `id`.
    rhai::FuncRegistration::new("__save").with_volatility(true).set_into_module(
        dd,
        move |ctx: NativeCallContext, id: i64, path: &str| -> Res<()> {
            let h = {
                let s = st.borrow();
                let reg = &s.dd.registry;
                let info = reg.name_of(id as u64).and_then(|n| reg.get(n)).cloned();
                info.map(|i| Handle { id: i.id, name: i.name.as_str().into(), mode: i.mode, engines: s.engines })
            };
            let h = h.ok_or_else(|| {
                fail(&ctx, DictError::Gone { dict: format!("#{:x}", id as u64), engine: st.borrow().id })
            })?;
            save(&st, &h, path).map_err(|e| fail(&ctx, e))
        },
    );
    let load_with = |st: &St, ctx: &NativeCallContext, path: &str, arg: Option<Dynamic>| -> Res<DistDict> {
        let (name, mode) = new_args("dd::load", arg).map_err(|e| fail(ctx, e))?;
        load(st, path, name, mode).map(|handle| DistDict { handle }).map_err(|e| fail(ctx, e))
    };
    let st = state.clone();
    // `dd::load("words.jsonl")`: a new dict "words" filled from the file (every engine at once).
    rhai::FuncRegistration::new("load")
        .with_volatility(true)
        .set_into_module(dd, move |ctx: NativeCallContext, path: &str| load_with(&st, &ctx, path, None));
    let st = state.clone();
    // `dd::load("w.jsonl", "words")` or `dd::load("w.jsonl", #{name: "words", mode: "spmd"})`.
    rhai::FuncRegistration::new("load")
        .with_volatility(true)
        .set_into_module(dd, move |ctx: NativeCallContext, path: &str, arg: Dynamic| {
            load_with(&st, &ctx, path, Some(arg))
        });
}

/// Runs `code` on every engine from the console.
fn on_engines(ctx: &NativeCallContext, shared: &Rc<RefCell<Shared>>, code: &str, what: &str) -> Res<()> {
    let mut s = shared.borrow_mut();
    let all: Vec<usize> = (0..s.client.engines()).collect();
    s.client.execute(code, &all, what).map(|_| ()).map_err(|mut e| {
        // The engines' one message as the console's own error; else each engine's, without
        // the generated code.
        let first = e.errors.first().map(|r| (r.kind.clone(), r.message.clone()));
        match first {
            Some((kind, m)) if kind != "Interrupted" && e.errors.iter().all(|r| r.message == m) => {
                fail(ctx, DictError::Failed(m))
            }
            _ => {
                e.code = None;
                fail(ctx, DictError::Failed(display::composite(&e)))
            }
        }
    })
}

/// Registers `d.save(path)` and `dd::load(path [, name])` at the console: each runs
/// the engines' collective call on every engine.
pub(super) fn register_console(engine: &mut Engine, dd: &mut Module, shared: &Rc<RefCell<Shared>>) {
    let sh = shared.clone();
    // `d.save("words.jsonl")`: the engines write the file, each its own keys.
    engine.register_fn("save", move |ctx: NativeCallContext, d: &mut DistDict, path: &str| -> Res<()> {
        let code = format!("dd::__save({}, {}); ()", d.handle.id as i64, literal(path));
        on_engines(&ctx, &sh, &code, "d.save")
    });
    let load_with = |sh: &Rc<RefCell<Shared>>, ctx: &NativeCallContext, path: &str, arg: Option<Dynamic>| {
        let (name, mode) = new_args("dd::load", arg).map_err(|e| fail(ctx, e))?;
        let name = name.unwrap_or_else(|| default_name(path));
        let code = format!("dd::load({}, #{{name: {}, mode: \"{}\"}}); ()", literal(path), literal(&name), mode.name());
        on_engines(ctx, sh, &code, "dd::load")?;
        let side = super::ConsoleSide(sh.clone());
        super::dd_open(ctx, &side, &name)
    };
    let sh = shared.clone();
    // `dd::load("words.jsonl")`: the engines load the file; a handle to the new dict.
    rhai::FuncRegistration::new("load")
        .with_volatility(true)
        .set_into_module(dd, move |ctx: NativeCallContext, path: &str| load_with(&sh, &ctx, path, None));
    let sh = shared.clone();
    // `dd::load("w.jsonl", "words")` or with `#{name, mode}`.
    rhai::FuncRegistration::new("load")
        .with_volatility(true)
        .set_into_module(dd, move |ctx: NativeCallContext, path: &str, arg: Dynamic| {
            load_with(&sh, &ctx, path, Some(arg))
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_rhai_literals_and_default_names() {
        assert_eq!(literal("a \"b\"\\c"), "\"a \\\"b\\\"\\\\c\"");
        assert_eq!(literal("é\n"), "\"\\U000000E9\\U0000000A\"");
        assert_eq!(default_name("out/words.jsonl"), "words");
        assert_eq!(default_name("words"), "words");
        assert_eq!(default_name("a.b.jsonl"), "a.b");
    }
}
