//! Dict operations in SPMD mode: every engine runs the same operations in order.
//!
//! Each operation first takes a ticket (request id, sequence number), which also checks
//! that the request runs on every engine. Writes are applied by the key's owner and
//! skipped by the others, without a message. A read of one key is answered by its owner,
//! which pushes the answer to every other engine; they wait for that push. Batch reads
//! are pushed by each owner concerned; whole-dict reads by every engine to every other.
//! A push names its operation (`what`), so engines that ran different operations at the
//! same point get an error naming both rather than a wrong value.

use super::access::{failure, merge_items, merge_keys};
use super::key::{by_owner, owner, show, Key};
use super::store::SlotOp;
use super::{DictError, Handle, SpmdLink};
use crate::protocol::{DictAnswer, DictMsg, DictOp, Peer, Value, WriteOp};

fn me(link: &dyn SpmdLink) -> usize {
    match link.me() {
        Peer::Engine(e) => e,
        Peer::Console => unreachable!("SPMD operations run on engines"),
    }
}

/// This engine's answer to `op`, pushed to every other engine.
fn answer_and_push(
    link: &mut dyn SpmdLink,
    h: &Handle,
    ticket: (u64, u64),
    op: DictOp,
    what: &str,
) -> Result<DictAnswer, DictError> {
    let me = me(link);
    let outcome = link.node().expect("an engine").answer(h.id, op).map_err(|f| failure(h, me, f));
    let pushed = outcome.clone().map_err(|e| e.to_string());
    for e in (0..h.engines).filter(|&e| e != me) {
        let (request, seq) = ticket;
        link.send(e, DictMsg::Push { request, seq, what: what.to_string(), outcome: pushed.clone() })?;
    }
    outcome
}

/// Waits for one push from each of `from` (in that order).
fn pushed(
    link: &mut dyn SpmdLink,
    h: &Handle,
    ticket: (u64, u64),
    from: &[usize],
    what: &str,
) -> Result<Vec<DictAnswer>, DictError> {
    link.wait_pushes(h, ticket, from, what)?.into_iter().map(|r| r.map_err(DictError::Failed)).collect()
}

/// A read of one key, answered by its owner on every engine.
fn read_one(link: &mut dyn SpmdLink, h: &Handle, key: &Key, op: DictOp, what: &str) -> Result<DictAnswer, DictError> {
    let ticket = link.ticket(h)?;
    let o = owner(key, h.engines);
    if o == me(link) {
        answer_and_push(link, h, ticket, op, what)
    } else {
        Ok(pushed(link, h, ticket, &[o], what)?.pop().expect("one push"))
    }
}

fn unexpected(h: &Handle, what: &str) -> DictError {
    DictError::Failed(format!("dict '{}' (SPMD): unexpected answer to {what}", h.name))
}

/// `d[key]` / `d.get(key, default)`: the owner's value on every engine.
pub fn get(link: &mut dyn SpmdLink, h: &Handle, key: Key) -> Result<Option<Value>, DictError> {
    let what = format!("get({})", show(&key));
    match read_one(link, h, &key, DictOp::Get { keys: vec![key.clone()] }, &what)? {
        DictAnswer::Values(mut v) if v.len() == 1 => Ok(v.pop().expect("one value")),
        _ => Err(unexpected(h, &what)),
    }
}

/// `d.contains(key)`.
pub fn contains(link: &mut dyn SpmdLink, h: &Handle, key: Key) -> Result<bool, DictError> {
    let what = format!("contains({})", show(&key));
    match read_one(link, h, &key, DictOp::Contains { key: key.clone() }, &what)? {
        DictAnswer::Flag(b) => Ok(b),
        _ => Err(unexpected(h, &what)),
    }
}

/// `d.remove(key)`: the owner removes it; every engine gets the value.
pub fn remove(link: &mut dyn SpmdLink, h: &Handle, key: Key) -> Result<Option<Value>, DictError> {
    let what = format!("remove({})", show(&key));
    match read_one(link, h, &key, DictOp::Remove { key: key.clone() }, &what)? {
        DictAnswer::Values(mut v) if v.len() == 1 => Ok(v.pop().expect("one value")),
        _ => Err(unexpected(h, &what)),
    }
}

/// Whether this engine stores `key` (so needs its value converted for a write).
pub fn owns(link: &dyn SpmdLink, h: &Handle, key: &Key) -> bool {
    owner(key, h.engines) == me(link)
}

/// Writes: the owner of each key applies it; nothing is sent. Ops for keys this engine
/// does not own are skipped (callers may leave them out).
pub fn write_many(link: &mut dyn SpmdLink, h: &Handle, ops: Vec<WriteOp>) -> Result<(), DictError> {
    link.ticket(h)?;
    let me = me(link);
    let mine: Vec<WriteOp> = ops
        .into_iter()
        .filter(|op| match op {
            WriteOp::Set { key, .. } | WriteOp::Add { key, .. } => owner(key, h.engines) == me,
        })
        .collect();
    match link.node().expect("an engine").apply_local(h.id, mine) {
        (_, None) => Ok(()),
        (count, Some(first)) => Err(DictError::Refused { dict: h.name.to_string(), count, first }),
    }
}

/// Writes of keys this engine owns, already in the tables' form (`set_many`).
pub fn write_local(link: &mut dyn SpmdLink, h: &Handle, ops: Vec<SlotOp>) -> Result<(), DictError> {
    link.ticket(h)?;
    match link.node().expect("an engine").apply_local(h.id, ops) {
        (_, None) => Ok(()),
        (count, Some(first)) => Err(DictError::Refused { dict: h.name.to_string(), count, first }),
    }
}

/// `d.get_many(keys)`: each owner concerned pushes the values of its keys.
pub fn get_many(link: &mut dyn SpmdLink, h: &Handle, keys: Vec<Key>) -> Result<Vec<Option<Value>>, DictError> {
    let ticket = link.ticket(h)?;
    let what = format!("get_many({} keys)", keys.len());
    let me = me(link);
    let n = keys.len();
    let per_owner = by_owner(keys, h.engines)?;
    let mut out = vec![None; n];
    let mut put = |pos: Vec<usize>, a: DictAnswer| match a {
        DictAnswer::Values(values) if values.len() == pos.len() => {
            pos.into_iter().zip(values).for_each(|(i, v)| out[i] = v);
            Ok(())
        }
        _ => Err(unexpected(h, &what)),
    };
    let mut others = Vec::new();
    let mut positions = Vec::new();
    for (o, (pos, keys)) in per_owner.into_iter().enumerate() {
        if pos.is_empty() {
            continue;
        }
        if o == me {
            let a = answer_and_push(link, h, ticket, DictOp::Get { keys }, &what)?;
            put(pos, a)?;
        } else {
            others.push(o);
            positions.push(pos);
        }
    }
    for (pos, a) in positions.into_iter().zip(pushed(link, h, ticket, &others, &what)?) {
        put(pos, a)?;
    }
    Ok(out)
}

/// A whole-dict read: every engine's part, in engine order.
fn whole(link: &mut dyn SpmdLink, h: &Handle, op: DictOp, what: &str) -> Result<Vec<DictAnswer>, DictError> {
    let ticket = link.ticket(h)?;
    let me = me(link);
    let mine = answer_and_push(link, h, ticket, op, what)?;
    let others: Vec<usize> = (0..h.engines).filter(|&e| e != me).collect();
    let mut theirs = pushed(link, h, ticket, &others, what)?.into_iter();
    Ok((0..h.engines).map(|e| if e == me { mine.clone() } else { theirs.next().expect("one per engine") }).collect())
}

/// `d.len()`.
pub fn len(link: &mut dyn SpmdLink, h: &Handle) -> Result<u64, DictError> {
    whole(link, h, DictOp::Len, "len()")?
        .into_iter()
        .map(|a| match a {
            DictAnswer::Count(n) => Ok(n),
            _ => Err(unexpected(h, "len()")),
        })
        .sum()
}

/// `d.keys()`, in key order.
pub fn keys(link: &mut dyn SpmdLink, h: &Handle) -> Result<Vec<Key>, DictError> {
    let answers = whole(link, h, DictOp::Entries { values: false }, "keys()")?;
    merge_keys(answers).ok_or_else(|| unexpected(h, "keys()"))
}

/// `d.items()` (and `values()`), in key order.
pub fn items(link: &mut dyn SpmdLink, h: &Handle) -> Result<Vec<(Key, Value)>, DictError> {
    let answers = whole(link, h, DictOp::Entries { values: true }, "items()")?;
    merge_items(answers).ok_or_else(|| unexpected(h, "items()"))
}

/// `d.clear()`: every engine clears its part; nothing is sent.
pub fn clear(link: &mut dyn SpmdLink, h: &Handle) -> Result<(), DictError> {
    link.ticket(h)?;
    let me = me(link);
    let node = link.node().expect("an engine");
    node.store.clear(h.id).map_err(|_| DictError::Gone { dict: h.name.to_string(), engine: me })
}
