//! One engine's dict state, and how it serves the dict messages that reach it.
//!
//! A [`Node`] holds this engine's parts of every dict ([`Store`]), the dicts it knows
//! ([`Registry`]), its writes on their way to other owners ([`Outbox`]), the replies its
//! own requests are waiting for, and SPMD pushes not yet consumed. [`Node::serve`] takes
//! in one message and says what to send back; it is called from the engine's progress
//! loop, so requests are answered whatever the engine is doing. It does no I/O.

use super::memory::Budget;
use super::outbox::Outbox;
use super::registry::Registry;
use super::store::{SlotOp, Store};
use super::Outcome;
use crate::protocol::{DictAnswer, DictFailure, DictMsg, DictOp, DictStatus, Peer, WriteOp};
use std::collections::HashMap;

/// Refusals kept in full per writer (the rest are only counted).
const REFUSALS_KEPT: usize = 8;

/// Refused writes from one writer: the first few, and how many in all.
#[derive(Default)]
struct Refusals {
    first: Vec<(u64, String)>,
    total: u64,
}

impl Refusals {
    fn note(&mut self, dict: u64, why: String) {
        if self.first.len() < REFUSALS_KEPT {
            self.first.push((dict, why));
        }
        self.total += 1;
    }
}

/// What an SPMD push carries: the operation's text and its outcome.
pub type Pushed = (String, Result<DictAnswer, String>);

pub struct Node {
    pub me: usize,
    pub engines: usize,
    pub store: Store,
    pub registry: Registry,
    pub outbox: Outbox,
    /// Replies to this engine's requests, by request id.
    pub replies: HashMap<u64, Outcome>,
    next_id: u64,
    /// Owner side: writes refused, per writer, since its last acknowledgement.
    refusals: HashMap<Peer, Refusals>,
    /// Writer side: refusals reported by owners, not yet raised: (dict, why), total.
    pub refused: Vec<(u64, String)>,
    pub refused_total: HashMap<u64, u64>,
    /// SPMD pushes by (request, seq, from engine).
    pub pushes: HashMap<(u64, u64, usize), Pushed>,
    /// SPMD operations counted in the current request: (request, count).
    pub spmd_seq: (u64, u64),
}

impl Node {
    pub fn new(me: usize, engines: usize, budget: Budget) -> Node {
        Node {
            me,
            engines,
            store: Store::new(me, budget),
            registry: Registry::default(),
            outbox: Outbox::new(engines),
            replies: HashMap::new(),
            next_id: 1,
            refusals: HashMap::new(),
            refused: Vec::new(),
            refused_total: HashMap::new(),
            pushes: HashMap::new(),
            spmd_seq: (0, 0),
        }
    }

    pub fn new_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Forgets every dict (the engine's namespace was reset).
    pub fn reset(&mut self) {
        self.store.clear_all();
        self.registry.clear();
        self.outbox.clear();
        self.replies.clear();
        self.refusals.clear();
        self.refused.clear();
        self.refused_total.clear();
        self.pushes.clear();
    }

    /// Forgets dict `id` on this engine: its part and its name.
    pub fn forget(&mut self, id: u64) {
        self.store.forget(id);
        self.registry.remove(id);
    }

    /// The name of dict `id` for messages ("#id" if this engine does not know it).
    pub fn name_of(&self, id: u64) -> String {
        self.registry.name_of(id).map_or_else(|| format!("#{id:x}"), str::to_string)
    }

    /// Takes in one message from `from`. Returns the reply to send, if any. SPMD pushes
    /// of requests up to `last_finished` are stale and dropped.
    pub fn serve(&mut self, from: Peer, msg: DictMsg, last_finished: u64) -> Option<(Peer, DictMsg)> {
        match msg {
            DictMsg::Request { id, dict, op } => Some((from, DictMsg::Reply { id, outcome: self.answer(dict, op) })),
            DictMsg::Write { dict, ops, ack } => {
                self.apply_from(from, dict, ops);
                let id = ack?;
                let r = self.refusals.remove(&from).unwrap_or_default();
                let answer = DictAnswer::Written { refused: r.first, total: r.total };
                Some((from, DictMsg::Reply { id, outcome: Ok(answer) }))
            }
            DictMsg::Reply { id, outcome } => {
                self.replies.insert(id, outcome);
                None
            }
            DictMsg::Push { request, seq, what, outcome } => {
                if let Peer::Engine(e) = from {
                    if request > last_finished {
                        self.pushes.insert((request, seq, e), (what, outcome));
                    }
                }
                None
            }
        }
    }

    /// Applies writes from another side, noting the refused ones for its next ack.
    fn apply_from(&mut self, from: Peer, dict: u64, ops: Vec<WriteOp>) {
        if ops.is_empty() {
            return;
        }
        let refusals = &mut self.refusals;
        let applied = self.store.apply_all(dict, ops, |e| refusals.entry(from).or_default().note(dict, e.to_string()));
        if applied.is_err() {
            let why = format!(
                "it no longer exists: engine {} was reset or restarted after the writer's handle was made",
                self.me
            );
            self.refusals.entry(from).or_default().note(dict, why);
        }
    }

    /// Records refusals an owner reported to this engine.
    pub fn note_refused(&mut self, refused: Vec<(u64, String)>, total: u64) {
        let listed = refused.len() as u64;
        if let Some((dict, _)) = refused.first() {
            *self.refused_total.entry(*dict).or_default() += total - listed;
        }
        for (dict, why) in refused {
            *self.refused_total.entry(dict).or_default() += 1;
            if !self.refused.iter().any(|(d, _)| *d == dict) {
                self.refused.push((dict, why));
            }
        }
    }

    /// Takes the refusals recorded for `dict` (all dicts if `None`): (dict, count, first).
    pub fn take_refused(&mut self, dict: Option<u64>) -> Option<(u64, u64, String)> {
        let i = self.refused.iter().position(|(d, _)| dict.is_none_or(|x| x == *d))?;
        let (d, first) = self.refused.remove(i);
        let count = self.refused_total.remove(&d).unwrap_or(1);
        Some((d, count, first))
    }

    /// The answer to a question about dict `dict`'s keys on this engine.
    pub fn answer(&mut self, dict: u64, op: DictOp) -> Outcome {
        match op {
            DictOp::Open { name } => {
                return match self.registry.get(&name) {
                    Some(i) => Ok(DictAnswer::Opened { dict: i.id, name: i.name.clone(), mode: i.mode }),
                    None => Err(DictFailure::UnknownName { known: self.registry.names() }),
                }
            }
            DictOp::Status => return Ok(DictAnswer::Status(self.status())),
            DictOp::Remove { key } => {
                return self
                    .store
                    .remove(dict, &key)
                    .map(|v| DictAnswer::Values(vec![v]))
                    .map_err(|_| DictFailure::UnknownDict)
            }
            DictOp::Clear => {
                return self.store.clear(dict).map(|_| DictAnswer::Done).map_err(|_| DictFailure::UnknownDict)
            }
            _ => {}
        }
        let shard = self.store.shard(dict).ok_or(DictFailure::UnknownDict)?;
        Ok(match op {
            DictOp::Get { keys } => DictAnswer::Values(shard.get_many(&keys)),
            DictOp::Contains { key } => DictAnswer::Flag(shard.contains(&key)),
            DictOp::Len => DictAnswer::Count(shard.len() as u64),
            DictOp::Entries { values: false } => DictAnswer::Keys(shard.keys()),
            DictOp::Entries { values: true } => DictAnswer::Items(shard.items()),
            DictOp::Open { .. } | DictOp::Status | DictOp::Remove { .. } | DictOp::Clear => {
                unreachable!("handled above")
            }
        })
    }

    /// Every dict this engine has a part of, with its size here.
    pub fn status(&self) -> Vec<DictStatus> {
        self.registry
            .infos()
            .filter_map(|i| {
                let shard = self.store.shard(i.id)?;
                Some(DictStatus {
                    name: i.name.clone(),
                    mode: i.mode,
                    keys: shard.len() as u64,
                    bytes: shard.bytes() as u64,
                })
            })
            .collect()
    }

    /// Applies writes this engine owns: (how many were refused, why the first was).
    pub fn apply_local<O: Into<SlotOp>>(&mut self, dict: u64, ops: Vec<O>) -> (u64, Option<String>) {
        let (mut count, mut first) = (0, None);
        let applied = self.store.apply_all(dict, ops, |e| {
            count += 1;
            first.get_or_insert_with(|| e.to_string());
        });
        match applied {
            Ok(()) => (count, first),
            Err(e) => (1, Some(format!("{e} (engine {})", self.me))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distdict::registry::Info;
    use crate::protocol::{DictKey, DictMode, Value};

    fn node() -> Node {
        let mut n = Node::new(1, 2, Budget::fixed(10_000));
        n.registry.insert(Info { id: 7, name: "w".into(), mode: DictMode::Mpmd });
        n.store.create(7);
        n
    }

    fn set(k: &str, v: Value) -> WriteOp {
        WriteOp::Set { key: DictKey::Str(k.into()), value: v }
    }

    #[test]
    fn requests_are_answered_to_their_sender() {
        let mut n = node();
        assert_eq!(
            n.serve(Peer::Console, DictMsg::Write { dict: 7, ops: vec![set("a", Value::Int(1))], ack: None }, 0),
            None
        );
        let get = DictMsg::Request {
            id: 3,
            dict: 7,
            op: DictOp::Get { keys: vec![DictKey::Str("a".into()), DictKey::Int(1)] },
        };
        assert_eq!(
            n.serve(Peer::Engine(0), get, 0),
            Some((
                Peer::Engine(0),
                DictMsg::Reply { id: 3, outcome: Ok(DictAnswer::Values(vec![Some(Value::Int(1)), None])) }
            ))
        );
        let open = DictMsg::Request { id: 4, dict: 0, op: DictOp::Open { name: "x".into() } };
        assert_eq!(
            n.serve(Peer::Console, open, 0).unwrap().1,
            DictMsg::Reply { id: 4, outcome: Err(DictFailure::UnknownName { known: vec!["w".into()] }) }
        );
        let gone = DictMsg::Request { id: 5, dict: 99, op: DictOp::Len };
        assert_eq!(
            n.serve(Peer::Console, gone, 0).unwrap().1,
            DictMsg::Reply { id: 5, outcome: Err(DictFailure::UnknownDict) }
        );
        assert_eq!(
            n.status(),
            vec![DictStatus { name: "w".into(), mode: DictMode::Mpmd, keys: 1, bytes: n.store.held() as u64 }]
        );
    }

    #[test]
    fn refused_writes_are_reported_at_the_next_ack_of_their_writer() {
        let mut n = node();
        let big = set("big", Value::Blob(vec![0; 20_000]));
        n.serve(Peer::Engine(0), DictMsg::Write { dict: 7, ops: vec![big.clone(), big], ack: None }, 0);
        n.serve(Peer::Console, DictMsg::Write { dict: 99, ops: vec![set("x", Value::Unit)], ack: None }, 0);
        let ack = n.serve(Peer::Engine(0), DictMsg::Write { dict: 0, ops: vec![], ack: Some(8) }, 0);
        match ack {
            Some((
                Peer::Engine(0),
                DictMsg::Reply { id: 8, outcome: Ok(DictAnswer::Written { refused, total: 2 }) },
            )) => {
                assert_eq!(refused.len(), 2);
                assert!(refused[0].1.starts_with("engine 1 refused key \"big\" (20.1 KB)"), "{}", refused[0].1);
            }
            other => panic!("{other:?}"),
        }
        let ack = n.serve(Peer::Console, DictMsg::Write { dict: 0, ops: vec![], ack: Some(9) }, 0).unwrap().1;
        assert_eq!(
            ack,
            DictMsg::Reply {
                id: 9,
                outcome: Ok(DictAnswer::Written {
                    refused: vec![(
                        99,
                        "it no longer exists: engine 1 was reset or restarted after the writer's handle was made"
                            .into()
                    )],
                    total: 1
                })
            }
        );
    }

    #[test]
    fn writer_side_refusals_are_counted_per_dict() {
        let mut n = node();
        n.note_refused(vec![(7, "first".into()), (7, "second".into())], 5);
        n.note_refused(vec![(8, "other".into())], 1);
        assert_eq!(n.take_refused(Some(8)), Some((8, 1, "other".into())));
        assert_eq!(n.take_refused(None), Some((7, 5, "first".into())));
        assert_eq!(n.take_refused(None), None);
    }

    #[test]
    fn stale_pushes_are_dropped() {
        let mut n = node();
        let push = |request| DictMsg::Push { request, seq: 1, what: "len()".into(), outcome: Ok(DictAnswer::Count(1)) };
        n.serve(Peer::Engine(0), push(3), 3);
        n.serve(Peer::Engine(0), push(4), 3);
        assert_eq!(n.pushes.keys().collect::<Vec<_>>(), vec![&(4, 1, 0)]);
    }
}
