//! An engine's writes on their way to other owners: buffered per owner, sent in batches.
//!
//! Buffers hold [`WriteOp`]s grouped by dict, in the order issued. A buffer goes out as
//! `Write` messages (one per dict group, usually one) when it holds [`BATCH_OPS`] writes
//! or [`BATCH_BYTES`] bytes, when it is [`MAX_AGE`] old, or when anything else is about
//! to be sent to that owner. The outbox also counts, per owner, the bytes sent since the
//! last acknowledgement ([`WINDOW`] bounds them) and whether anything was sent since
//! (a flush asks only those owners). It sends nothing itself: it hands out messages.

use super::store::write_bytes;
use crate::protocol::{DictMsg, WriteOp};
use std::time::{Duration, Instant};

/// Writes in one batch.
pub const BATCH_OPS: usize = 4096;
/// Bytes in one batch (a larger write goes alone).
pub const BATCH_BYTES: usize = 1 << 20;
/// The oldest a buffered write gets before the progress loop sends it.
pub const MAX_AGE: Duration = Duration::from_millis(2);
/// Bytes of writes to one owner in flight without an acknowledgement.
pub const WINDOW: usize = 32 << 20;

#[derive(Default)]
struct Queue {
    groups: Vec<(u64, Vec<WriteOp>)>,
    ops: usize,
    bytes: usize,
    since: Option<Instant>,
    /// Bytes sent since the last acknowledgement was asked for.
    unacked: usize,
    /// Whether anything was sent since the last acknowledgement was asked for.
    dirty: bool,
}

pub struct Outbox {
    queues: Vec<Queue>,
    /// Whether any queue holds writes.
    buffered: bool,
}

impl Outbox {
    pub fn new(engines: usize) -> Outbox {
        Outbox { queues: (0..engines).map(|_| Queue::default()).collect(), buffered: false }
    }

    /// Buffers `op` for `owner`; whether the buffer should be sent now.
    pub fn push(&mut self, owner: usize, dict: u64, op: WriteOp) -> bool {
        let bytes = write_bytes(&op);
        let q = &mut self.queues[owner];
        match q.groups.last_mut() {
            Some((d, ops)) if *d == dict => ops.push(op),
            _ => q.groups.push((dict, vec![op])),
        }
        q.ops += 1;
        q.bytes += bytes;
        if q.since.is_none() {
            q.since = Some(Instant::now());
        }
        self.buffered = true;
        q.ops >= BATCH_OPS || q.bytes >= BATCH_BYTES
    }

    /// Buffers many writes for `owner` at once (they go out together).
    pub fn extend(&mut self, owner: usize, dict: u64, ops: Vec<WriteOp>) {
        let bytes: usize = ops.iter().map(write_bytes).sum();
        let q = &mut self.queues[owner];
        q.ops += ops.len();
        q.bytes += bytes;
        match q.groups.last_mut() {
            Some((d, buffered)) if *d == dict => buffered.extend(ops),
            _ => q.groups.push((dict, ops)),
        }
        q.since.get_or_insert_with(Instant::now);
        self.buffered = true;
    }

    /// Whether any writes wait in a buffer.
    pub fn is_buffered(&self) -> bool {
        self.buffered
    }

    /// The owners whose buffers are older than [`MAX_AGE`].
    pub fn aged(&self) -> Vec<usize> {
        if !self.buffered {
            return vec![];
        }
        let now = Instant::now();
        (0..self.queues.len())
            .filter(|&o| self.queues[o].since.is_some_and(|t| now.duration_since(t) >= MAX_AGE))
            .collect()
    }

    /// The owners with writes buffered, or sent and not yet acknowledged.
    pub fn dirty(&self) -> Vec<usize> {
        (0..self.queues.len()).filter(|&o| self.queues[o].dirty || self.queues[o].ops > 0).collect()
    }

    /// Whether the writes in flight to `owner` fill the window.
    pub fn window_full(&self, owner: usize) -> bool {
        self.queues[owner].unacked >= WINDOW
    }

    /// The messages that send `owner`'s buffer; with `ack`, the last one asks for an
    /// acknowledgement of everything sent so far (an empty write if nothing is buffered).
    pub fn take(&mut self, owner: usize, ack: Option<u64>) -> Vec<DictMsg> {
        let q = &mut self.queues[owner];
        let mut msgs: Vec<DictMsg> =
            q.groups.drain(..).map(|(dict, ops)| DictMsg::Write { dict, ops, ack: None }).collect();
        q.unacked += q.bytes;
        q.dirty |= q.ops > 0;
        (q.ops, q.bytes, q.since) = (0, 0, None);
        if let Some(id) = ack {
            match msgs.last_mut() {
                Some(DictMsg::Write { ack, .. }) => *ack = Some(id),
                _ => msgs.push(DictMsg::Write { dict: 0, ops: vec![], ack: Some(id) }),
            }
            (q.unacked, q.dirty) = (0, false);
        }
        self.buffered = self.queues.iter().any(|q| q.ops > 0);
        msgs
    }

    /// Forgets everything (the engine was reset).
    pub fn clear(&mut self) {
        let n = self.queues.len();
        *self = Outbox::new(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{DictKey, Value};

    fn set(i: i64) -> WriteOp {
        WriteOp::Set { key: DictKey::Int(i), value: Value::Int(i) }
    }

    #[test]
    fn writes_keep_their_order_grouped_by_dict() {
        let mut o = Outbox::new(2);
        assert!(!o.push(1, 7, set(1)));
        o.push(1, 7, set(2));
        o.push(1, 8, set(3));
        o.push(1, 7, set(4));
        assert!(o.is_buffered());
        assert_eq!(o.dirty(), vec![1]);
        let msgs = o.take(1, None);
        assert_eq!(
            msgs,
            vec![
                DictMsg::Write { dict: 7, ops: vec![set(1), set(2)], ack: None },
                DictMsg::Write { dict: 8, ops: vec![set(3)], ack: None },
                DictMsg::Write { dict: 7, ops: vec![set(4)], ack: None },
            ]
        );
        assert!(!o.is_buffered());
        assert_eq!(o.dirty(), vec![1], "sent but not acknowledged");
        assert_eq!(o.take(1, Some(9)), vec![DictMsg::Write { dict: 0, ops: vec![], ack: Some(9) }]);
        assert!(o.dirty().is_empty());
    }

    #[test]
    fn full_batches_and_large_writes_ask_to_be_sent() {
        let mut o = Outbox::new(1);
        let full = (0..BATCH_OPS as i64).map(|i| o.push(0, 1, set(i))).filter(|&send| send).count();
        assert_eq!(full, 1);
        o.take(0, None);
        assert!(o.push(0, 1, WriteOp::Set { key: DictKey::Int(0), value: Value::Blob(vec![0; BATCH_BYTES]) }));
        o.take(0, None);
        assert!(!o.window_full(0));
        o.extend(0, 1, vec![WriteOp::Set { key: DictKey::Int(0), value: Value::Blob(vec![0; WINDOW]) }]);
        let msgs = o.take(0, None);
        assert_eq!(msgs.len(), 1);
        assert!(o.window_full(0));
        o.take(0, Some(1));
        assert!(!o.window_full(0));
    }

    #[test]
    fn old_buffers_are_due() {
        let mut o = Outbox::new(3);
        o.push(2, 1, set(1));
        assert!(o.aged().is_empty());
        std::thread::sleep(MAX_AGE + Duration::from_millis(1));
        assert_eq!(o.aged(), vec![2]);
    }
}
