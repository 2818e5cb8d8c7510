//! Dict operations in MPMD mode, from an engine or from the console, over a [`Link`].
//!
//! A key's operation goes to its owner: answered locally when this engine owns it, else
//! as one request whose reply is awaited through the link (so the wait serves the inbox
//! and ends on an interrupt). Batch and whole-dict operations send every owner its
//! request first and then wait for all the replies, so the owners work at the same time.
//! Writes follow the policy in the module docs of `distdict`: buffered on engines,
//! acknowledged one by one at the console. Before anything is sent to an owner, the
//! writes buffered for it go first, which keeps one engine's operations in order.

use super::key::{by_owner, owner, show, Key};
use super::store::SlotOp;
use super::{DictError, Handle, Link, Outcome};
use crate::interrupt::Meter;
use crate::protocol::{DictAnswer, DictFailure, DictMsg, DictOp, DictStatus, Peer, Value, WriteOp};

/// This side's engine id, if it is an engine.
fn engine_id(link: &dyn Link) -> Option<usize> {
    match link.me() {
        Peer::Engine(e) => Some(e),
        Peer::Console => None,
    }
}

/// Turns an owner's failure into the error its user sees.
pub fn failure(h: &Handle, engine: usize, f: DictFailure) -> DictError {
    match f {
        DictFailure::UnknownDict => DictError::Gone { dict: h.name.to_string(), engine },
        DictFailure::UnknownName { .. } => {
            DictError::Failed(format!("dict '{}': engine {engine} gave an answer to another question", h.name))
        }
    }
}

/// Raises refusals reported for `h`'s writes and not raised yet.
fn check_refused(link: &mut dyn Link, h: &Handle) -> Result<(), DictError> {
    if let Some(node) = link.node() {
        if let Some((_, count, first)) = node.take_refused(Some(h.id)) {
            return Err(DictError::Refused { dict: h.name.to_string(), count, first });
        }
    }
    Ok(())
}

/// Sends the writes buffered for `owner`, so that what follows arrives after them.
fn send_buffered(link: &mut dyn Link, owner: usize) -> Result<(), DictError> {
    let msgs = match link.node() {
        Some(node) if node.outbox.is_buffered() => node.outbox.take(owner, None),
        _ => return Ok(()),
    };
    msgs.into_iter().try_for_each(|m| link.send(owner, m))
}

/// Asks each (owner, op) and returns the answers in the same order.
fn ask_many(link: &mut dyn Link, h: &Handle, ops: Vec<(usize, DictOp)>) -> Result<Vec<DictAnswer>, DictError> {
    let me = engine_id(link);
    let owners: Vec<usize> = ops.iter().map(|(o, _)| *o).collect();
    let mut waiting = Vec::new();
    let mut local = Vec::new();
    for (i, (owner, op)) in ops.into_iter().enumerate() {
        if me == Some(owner) {
            local.push((i, op));
            continue;
        }
        send_buffered(link, owner)?;
        let id = link.new_id();
        link.send(owner, DictMsg::Request { id, dict: h.id, op })?;
        waiting.push((i, (owner, id)));
    }
    let mut answers: Vec<Option<Outcome>> = vec![None; owners.len()];
    if let Some(node) = link.node() {
        for (i, op) in local {
            answers[i] = Some(node.answer(h.id, op));
        }
    }
    if !waiting.is_empty() {
        let ids: Vec<(usize, u64)> = waiting.iter().map(|(_, w)| *w).collect();
        for ((i, _), r) in waiting.iter().zip(link.wait_replies(&h.name, &ids)?) {
            answers[*i] = Some(r);
        }
    }
    answers
        .into_iter()
        .zip(owners)
        .map(|(a, owner)| a.expect("every question answered").map_err(|f| failure(h, owner, f)))
        .collect()
}

fn ask(link: &mut dyn Link, h: &Handle, owner: usize, op: DictOp) -> Result<DictAnswer, DictError> {
    check_refused(link, h)?;
    Ok(ask_many(link, h, vec![(owner, op)])?.pop().expect("one answer"))
}

fn unexpected(h: &Handle, a: DictAnswer) -> DictError {
    DictError::Failed(format!("dict '{}': unexpected answer {a:?}", h.name))
}

/// `d[key]` and `d.get(key, default)`: the value, `None` if missing.
pub fn get(link: &mut dyn Link, h: &Handle, key: Key) -> Result<Option<Value>, DictError> {
    let o = owner(&key, h.engines);
    match ask(link, h, o, DictOp::Get { keys: vec![key] })? {
        DictAnswer::Values(mut v) if v.len() == 1 => Ok(v.pop().expect("one value")),
        a => Err(unexpected(h, a)),
    }
}

/// `d.contains(key)`.
pub fn contains(link: &mut dyn Link, h: &Handle, key: Key) -> Result<bool, DictError> {
    let o = owner(&key, h.engines);
    match ask(link, h, o, DictOp::Contains { key })? {
        DictAnswer::Flag(b) => Ok(b),
        a => Err(unexpected(h, a)),
    }
}

/// `d.remove(key)`: its value, `None` if it was missing.
pub fn remove(link: &mut dyn Link, h: &Handle, key: Key) -> Result<Option<Value>, DictError> {
    let o = owner(&key, h.engines);
    match ask(link, h, o, DictOp::Remove { key })? {
        DictAnswer::Values(mut v) if v.len() == 1 => Ok(v.pop().expect("one value")),
        a => Err(unexpected(h, a)),
    }
}

/// Asks every owner for acknowledgement of the writes sent to it (engines): after this,
/// every earlier write from this engine has landed. Refusals are kept for the caller.
pub fn settle(link: &mut dyn Link) -> Result<(), DictError> {
    let Some(node) = link.node() else { return Ok(()) };
    let owners = node.outbox.dirty();
    if owners.is_empty() {
        return Ok(());
    }
    let mut ids = Vec::with_capacity(owners.len());
    for owner in owners {
        let id = link.new_id();
        let msgs = link.node().expect("an engine").outbox.take(owner, Some(id));
        for m in msgs {
            link.send(owner, m)?;
        }
        ids.push((owner, id));
    }
    let replies = link.wait_replies("(flush)", &ids)?;
    let node = link.node().expect("an engine");
    for r in replies {
        if let Ok(DictAnswer::Written { refused, total }) = r {
            node.note_refused(refused, total);
        }
    }
    Ok(())
}

/// Sends writes that wait for their acknowledgement (the console's writes).
fn write_acked(link: &mut dyn Link, h: &Handle, groups: Vec<(usize, Vec<WriteOp>)>) -> Result<(), DictError> {
    let mut ids = Vec::with_capacity(groups.len());
    for (owner, ops) in groups {
        let id = link.new_id();
        link.send(owner, DictMsg::Write { dict: h.id, ops, ack: Some(id) })?;
        ids.push((owner, id));
    }
    let (mut count, mut first) = (0, None);
    for ((owner, _), r) in ids.iter().zip(link.wait_replies(&h.name, &ids)?) {
        match r {
            Ok(DictAnswer::Written { refused, total }) => {
                count += total;
                first = first.or(refused.into_iter().next().map(|(_, why)| why));
            }
            Ok(a) => return Err(unexpected(h, a)),
            Err(f) => return Err(failure(h, *owner, f)),
        }
    }
    match first {
        Some(first) => Err(DictError::Refused { dict: h.name.to_string(), count, first }),
        None => Ok(()),
    }
}

/// Queues writes for `owner` on an engine: sent when the batch is full (or at once with
/// `now`), and acknowledged when the window to that owner is full.
fn write_buffered(
    link: &mut dyn Link,
    h: &Handle,
    owner: usize,
    ops: Vec<WriteOp>,
    now: bool,
) -> Result<(), DictError> {
    let node = link.node().expect("an engine");
    let full = if ops.len() == 1 && !now {
        node.outbox.push(owner, h.id, ops.into_iter().next().expect("one write"))
    } else {
        node.outbox.extend(owner, h.id, ops);
        true
    };
    if !full {
        return Ok(());
    }
    send_buffered(link, owner)?;
    if link.node().expect("an engine").outbox.window_full(owner) {
        settle(link)?;
        check_refused(link, h)?;
    }
    Ok(())
}

/// Applies writes this engine owns; the first refusal is the error.
fn write_local<O: Into<SlotOp>>(link: &mut dyn Link, h: &Handle, ops: Vec<O>) -> Result<(), DictError> {
    let node = link.node().expect("an engine");
    match node.apply_local(h.id, ops) {
        (_, None) => Ok(()),
        (count, Some(first)) => Err(DictError::Refused { dict: h.name.to_string(), count, first }),
    }
}

fn key_of(op: &WriteOp) -> &Key {
    match op {
        WriteOp::Set { key, .. } | WriteOp::Add { key, .. } => key,
    }
}

/// One write: `d[key] = value` or `d.add(key, amount)`.
pub fn write(link: &mut dyn Link, h: &Handle, op: WriteOp) -> Result<(), DictError> {
    check_refused(link, h)?;
    let o = owner(key_of(&op), h.engines);
    match engine_id(link) {
        Some(me) if me == o => write_local(link, h, vec![op]),
        Some(_) => write_buffered(link, h, o, vec![op], false),
        None => write_acked(link, h, vec![(o, vec![op])]),
    }
}

/// `d.set_many(..)`: one message per owner; this engine's own keys are stored meanwhile.
pub fn write_many(link: &mut dyn Link, h: &Handle, ops: Vec<WriteOp>) -> Result<(), DictError> {
    let share = if ops.len() < 256 { 0 } else { ops.len() / h.engines + ops.len() / (8 * h.engines) };
    let mut groups: Vec<Vec<WriteOp>> = (0..h.engines).map(|_| Vec::with_capacity(share)).collect();
    let mut meter = Meter::new("a dict batch");
    for op in ops {
        meter.tick(1)?;
        groups[owner(key_of(&op), h.engines)].push(op);
    }
    let mine = match engine_id(link) {
        Some(me) => std::mem::take(&mut groups[me]),
        None => vec![],
    };
    write_groups(link, h, groups, mine)
}

/// [`write_many`] of writes already grouped by owner: `groups[e]` for engine `e`, and the
/// writes this engine owns in the tables' form (`local`, empty at the console).
pub fn write_groups<O: Into<SlotOp>>(
    link: &mut dyn Link,
    h: &Handle,
    groups: Vec<Vec<WriteOp>>,
    local: Vec<O>,
) -> Result<(), DictError> {
    check_refused(link, h)?;
    let mut groups: Vec<(usize, Vec<WriteOp>)> =
        groups.into_iter().enumerate().filter(|(_, g)| !g.is_empty()).collect();
    let Some(me) = engine_id(link) else { return write_acked(link, h, groups) };
    let mine = groups.iter().position(|(o, _)| *o == me).map(|i| groups.remove(i).1);
    for (o, ops) in groups {
        write_buffered(link, h, o, ops, true)?;
    }
    if let Some(ops) = mine {
        write_local(link, h, ops)?;
    }
    match local.is_empty() {
        true => Ok(()),
        false => write_local(link, h, local),
    }
}

/// `d.get_many(keys)`: the values in the order of `keys` (`None` for missing ones).
pub fn get_many(link: &mut dyn Link, h: &Handle, keys: Vec<Key>) -> Result<Vec<Option<Value>>, DictError> {
    check_refused(link, h)?;
    let n = keys.len();
    let per_owner = by_owner(keys, h.engines)?;
    let mut positions = Vec::new();
    let mut ops = Vec::new();
    for (o, (pos, keys)) in per_owner.into_iter().enumerate().filter(|(_, g)| !g.0.is_empty()) {
        positions.push(pos);
        ops.push((o, DictOp::Get { keys }));
    }
    let mut out: Vec<Option<Value>> = vec![None; n];
    let answers = ask_many(link, h, ops)?;
    for (pos, answer) in positions.into_iter().zip(answers) {
        match answer {
            DictAnswer::Values(values) if values.len() == pos.len() => {
                for (i, v) in pos.into_iter().zip(values) {
                    out[i] = v;
                }
            }
            a => return Err(unexpected(h, a)),
        }
    }
    Ok(out)
}

fn ask_all(link: &mut dyn Link, h: &Handle, op: DictOp) -> Result<Vec<DictAnswer>, DictError> {
    check_refused(link, h)?;
    ask_many(link, h, (0..h.engines).map(|o| (o, op.clone())).collect())
}

/// `d.len()`.
pub fn len(link: &mut dyn Link, h: &Handle) -> Result<u64, DictError> {
    ask_all(link, h, DictOp::Len)?
        .into_iter()
        .map(|a| match a {
            DictAnswer::Count(n) => Ok(n),
            a => Err(unexpected(h, a)),
        })
        .sum()
}

/// Merges owners' key lists (each sorted, disjoint) into one in key order.
pub fn merge_keys(answers: Vec<DictAnswer>) -> Option<Vec<Key>> {
    let mut all = Vec::new();
    for a in answers {
        match a {
            DictAnswer::Keys(k) => all.extend(k),
            _ => return None,
        }
    }
    all.sort_unstable();
    Some(all)
}

/// Merges owners' items (each sorted, disjoint) into one list in key order.
pub fn merge_items(answers: Vec<DictAnswer>) -> Option<Vec<(Key, Value)>> {
    let mut all = Vec::new();
    for a in answers {
        match a {
            DictAnswer::Items(i) => all.extend(i),
            _ => return None,
        }
    }
    all.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Some(all)
}

/// `d.keys()`, in key order.
pub fn keys(link: &mut dyn Link, h: &Handle) -> Result<Vec<Key>, DictError> {
    let answers = ask_all(link, h, DictOp::Entries { values: false })?;
    merge_keys(answers).ok_or_else(|| DictError::Failed(format!("dict '{}': unexpected answer to keys()", h.name)))
}

/// `d.items()`, in key order.
pub fn items(link: &mut dyn Link, h: &Handle) -> Result<Vec<(Key, Value)>, DictError> {
    let answers = ask_all(link, h, DictOp::Entries { values: true })?;
    merge_items(answers).ok_or_else(|| DictError::Failed(format!("dict '{}': unexpected answer to items()", h.name)))
}

/// `d.clear()`: every owner drops its keys.
pub fn clear(link: &mut dyn Link, h: &Handle) -> Result<(), DictError> {
    ask_all(link, h, DictOp::Clear).map(|_| ())
}

/// `d.flush()`: returns when every earlier write from this engine has landed.
pub fn flush(link: &mut dyn Link, h: &Handle) -> Result<(), DictError> {
    settle(link)?;
    check_refused(link, h)
}

/// This engine's part: its keys, or its items, in key order.
pub fn local_items(link: &mut dyn Link, h: &Handle, what: &str) -> Result<Vec<(Key, Value)>, DictError> {
    let Some(me) = engine_id(link) else {
        return Err(DictError::Usage(format!(
            "d.{what}() is for engines: the console holds no part of dict '{}'",
            h.name
        )));
    };
    let node = link.node().expect("an engine");
    match node.store.shard(h.id) {
        Some(s) => Ok(s.items()),
        None => Err(DictError::Gone { dict: h.name.to_string(), engine: me }),
    }
}

/// `dd::open(name)`: from this engine's registry, or (console) from engine 0.
pub fn open(link: &mut dyn Link, name: &str) -> Result<Handle, DictError> {
    let engines = link.engines();
    if let Some(node) = link.node() {
        return match node.registry.get(name) {
            Some(i) => Ok(Handle { id: i.id, name: i.name.as_str().into(), mode: i.mode, engines }),
            None => Err(DictError::UnknownName { name: name.into(), known: node.registry.names() }),
        };
    }
    let id = link.new_id();
    link.send(0, DictMsg::Request { id, dict: 0, op: DictOp::Open { name: name.into() } })?;
    match link.wait_replies(name, &[(0, id)])?.pop().expect("one reply") {
        Ok(DictAnswer::Opened { dict, name, mode }) => Ok(Handle { id: dict, name: name.into(), mode, engines }),
        Err(DictFailure::UnknownName { known }) => Err(DictError::UnknownName { name: name.into(), known }),
        other => Err(DictError::Failed(format!("dd::open: unexpected answer {other:?}"))),
    }
}

/// Every engine's dicts with their key counts (for `%status`), in engine order. Engines
/// answer from their progress loop, so busy engines answer too.
pub fn status(link: &mut dyn Link) -> Result<Vec<Vec<DictStatus>>, DictError> {
    let engines = link.engines();
    let mut ids = Vec::with_capacity(engines);
    for e in 0..engines {
        let id = link.new_id();
        link.send(e, DictMsg::Request { id, dict: 0, op: DictOp::Status })?;
        ids.push((e, id));
    }
    link.wait_replies("(status)", &ids)?
        .into_iter()
        .map(|r| match r {
            Ok(DictAnswer::Status(s)) => Ok(s),
            other => Err(DictError::Failed(format!("status: unexpected answer {other:?}"))),
        })
        .collect()
}

/// The missing-key error of `d[key]`.
pub fn missing(h: &Handle, key: &Key) -> DictError {
    DictError::MissingKey { dict: h.name.to_string(), key: show(key) }
}
