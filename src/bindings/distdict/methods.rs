//! The methods of `DistDict` (indexing, get, set_many, add, flush...), registered the
//! same way for engines and the console through [`Side`].

use super::{
    amount_of, describe, fail, incoming, key_of, key_to_dynamic, lookup, spmd_here, value_of, value_with, write,
    DistDict, Res, Side,
};
use crate::distdict::key::{owner, show, str_owner};
use crate::distdict::slot::SlotKey;
use crate::distdict::store::SlotOp;
use crate::distdict::{access, spmd, DictError, Handle, Key};
use crate::protocol::{Peer, Value, WriteOp};
use rhai::{Array, Dynamic, Engine, Map, NativeCallContext};

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

/// Writes grouped by owner: one list per other engine, and this engine's own writes in
/// the tables' form (its keys are never made into message keys).
struct Groups<'a> {
    h: &'a Handle,
    lists: Vec<Vec<WriteOp>>,
    local: Vec<SlotOp>,
    /// This engine (none at the console).
    me: Option<usize>,
    /// SPMD mode: only this engine's keys are kept (the others are skipped).
    spmd: bool,
}

impl Groups<'_> {
    /// Whether a key of owner `o` is kept.
    fn keeps(&self, o: usize) -> bool {
        !self.spmd || self.me == Some(o)
    }

    /// `d[key] = v`, filed under the key's owner (the value converted only if kept).
    fn set(&mut self, key: Key, v: &Dynamic) -> Result<(), DictError> {
        let o = owner(&key, self.h.engines);
        if self.keeps(o) {
            let value = value_of(self.h, &key, v)?;
            match self.me == Some(o) {
                true => self.local.push(SlotOp::set(key.into(), value.into())),
                false => self.lists[o].push(WriteOp::Set { key, value }),
            }
        }
        Ok(())
    }

    /// `d[k] = v` for a string key `k`, made into a message key only if another owns it.
    fn set_str(&mut self, k: &str, v: &Dynamic) -> Result<(), DictError> {
        let o = str_owner(k, self.h.engines);
        if self.keeps(o) {
            let value = value_with(self.h, || show(&Key::Str(k.to_owned())), v)?;
            match self.me == Some(o) {
                true => self.local.push(SlotOp::set(SlotKey::of_str(k), value.into())),
                false => self.lists[o].push(WriteOp::Set { key: Key::Str(k.to_owned()), value }),
            }
        }
        Ok(())
    }
}

/// `set_many` entries, a map or an array of `[key, value]` pairs, converted and grouped
/// by owner in one pass. In SPMD mode only the keys this engine owns are kept.
fn entries<'a, S: Side>(side: &S, h: &'a Handle, items: Dynamic) -> Result<Groups<'a>, DictError> {
    let me = match side.link(|l| l.me()) {
        Peer::Engine(me) => Some(me),
        Peer::Console => None,
    };
    let lists = (0..h.engines).map(|_| Vec::new()).collect();
    let mut groups = Groups { h, lists, local: Vec::new(), me, spmd: spmd_here(side, h) };
    if let Some(map) = items.read_lock::<Map>() {
        let share = map.len() / h.engines + map.len() / (8 * h.engines);
        groups.lists.iter_mut().for_each(|g| g.reserve(share));
        groups.local.reserve(share);
        for (k, v) in map.iter() {
            groups.set_str(k, v)?;
        }
        return Ok(groups);
    }
    if let Some(pairs) = items.read_lock::<Array>() {
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
            groups.set(key_of(h, k)?, v)?;
        }
        return Ok(groups);
    }
    Err(DictError::Usage(format!(
        "dict '{}': d.set_many takes a map or an array of [key, value] pairs, not {}",
        h.name,
        describe(&items)
    )))
}

fn get_many<S: Side>(
    ctx: &NativeCallContext,
    side: &S,
    d: &DistDict,
    keys: Array,
    default: Option<Dynamic>,
) -> Res<Array> {
    let h = &d.handle;
    let wanted: Vec<Key> = keys.iter().map(|k| key_of(h, k)).collect::<Result<_, _>>().map_err(|e| fail(ctx, e))?;
    let values = if spmd_here(side, h) {
        side.spmd(|l| spmd::get_many(l, h, wanted)).expect("an engine")
    } else {
        side.link(|l| access::get_many(l, h, wanted))
    }
    .map_err(|e| fail(ctx, e))?;
    keys.iter()
        .zip(values)
        .map(|(k, v)| match (v, &default) {
            (Some(v), _) => incoming(ctx, side, v),
            (None, Some(d)) => Ok(d.clone()),
            (None, None) => Err(fail(ctx, access::missing(h, &key_of(h, k).map_err(|e| fail(ctx, e))?))),
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
pub(super) fn register_methods<S: Side>(engine: &mut Engine, side: S) {
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
    engine.register_fn(
        "get",
        move |ctx: NativeCallContext, d: &mut DistDict, k: Dynamic, default: Dynamic| -> Res<Dynamic> {
            let key = key_of(&d.handle, &k).map_err(|e| fail(&ctx, e))?;
            match lookup(&s, &d.handle, key).map_err(|e| fail(&ctx, e))? {
                Some(v) => incoming(&ctx, &s, v),
                None => Ok(default),
            }
        },
    );
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
        let n = if spmd_here(&s, h) {
            s.spmd(|l| spmd::len(l, h)).expect("an engine")
        } else {
            s.link(|l| access::len(l, h))
        };
        n.map(|n| n as i64).map_err(|e| fail(&ctx, e))
    });
    let s = side.clone();
    // `d.keys()`: every key, in key order (booleans, integers, characters, strings).
    engine.register_fn("keys", move |ctx: NativeCallContext, d: &mut DistDict| -> Res<Array> {
        let h = &d.handle;
        let keys = if spmd_here(&s, h) {
            s.spmd(|l| spmd::keys(l, h)).expect("an engine")
        } else {
            s.link(|l| access::keys(l, h))
        };
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
        if spmd_here(&s, h) {
            s.spmd(|l| spmd::clear(l, h)).expect("an engine")
        } else {
            s.link(|l| access::clear(l, h))
        }
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
        let Groups { lists, local, spmd, .. } = entries(&s, h, items).map_err(|e| fail(&ctx, e))?;
        if spmd {
            s.spmd(|l| spmd::write_local(l, h, local)).expect("an engine")
        } else {
            s.link(|l| access::write_groups(l, h, lists, local))
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
