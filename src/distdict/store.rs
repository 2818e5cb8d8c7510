//! The parts of dicts that one engine owns: a table per dict, with memory accounting.
//!
//! [`Store`] is plain data: it applies writes and answers questions about keys this
//! engine owns; it sends nothing and knows no other engine. Every write that makes the
//! store grow passes the engine's [`Budget`] first, so a refused write changes nothing.
//! Tables hold keys and values in their compact forms ([`slot`](super::slot)), and are
//! asked with the keys messages carry. A batch of writes is applied part by part
//! ([`shard`](super::shard)): writes to one key keep their order, and refusals are
//! reported in the batch's order; when a batch crosses the memory budget, which of its
//! new keys are refused follows the parts' order rather than the batch's.

use super::key::{show, Key, KeyHash};
use super::memory::{key_heap, show_bytes, value_heap, Budget, MemoryError};
pub use super::shard::Shard;
use super::shard::{in_slot_order, part_of, Split, Table, BATCH_MIN};
use super::slot::{slot_bytes, SlotKey, SlotValue};
use crate::protocol::{Value, WriteOp};
use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

/// A write in the form the tables hold: a set, or an add of `value`.
pub struct SlotOp {
    key: SlotKey,
    value: SlotValue,
    add: bool,
}

impl SlotOp {
    /// `d[key] = value`.
    pub fn set(key: SlotKey, value: SlotValue) -> SlotOp {
        SlotOp { key, value, add: false }
    }
}

impl From<WriteOp> for SlotOp {
    fn from(op: WriteOp) -> SlotOp {
        match op {
            WriteOp::Set { key, value } => SlotOp { key: key.into(), value: value.into(), add: false },
            WriteOp::Add { key, amount } => SlotOp { key: key.into(), value: amount.into(), add: true },
        }
    }
}

/// Why a write was not applied. The text does not name the dict: callers do.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WriteError {
    /// The engine has no part of this dict (it was reset or restarted).
    UnknownDict,
    /// Storing it would take too much memory.
    Memory { engine: usize, key: String, bytes: usize, held_keys: usize, error: MemoryError },
    /// `add` to a key whose value is not a number.
    NotANumber { key: String, type_name: &'static str },
    /// `add` of something that is not a number.
    BadAmount { type_name: &'static str },
    /// `add` of two integers that overflows.
    Overflow { key: String, value: i64, amount: i64 },
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::UnknownDict => write!(f, "the dict no longer exists (its engines were reset or restarted)"),
            WriteError::Memory { engine, key, bytes, held_keys, error } => write!(
                f,
                "engine {engine} refused key {key} ({}) and kept its {held_keys} keys: {error}",
                show_bytes(*bytes)
            ),
            WriteError::NotANumber { key, type_name } => {
                write!(f, "add to key {key}: its value is a {type_name}, not a number")
            }
            WriteError::BadAmount { type_name } => {
                write!(f, "add needs an integer or a float to add, not a {type_name}")
            }
            WriteError::Overflow { key, value, amount } => {
                write!(f, "add to key {key}: {value} + {amount} overflows a 64-bit integer")
            }
        }
    }
}

/// What `a + b` is for `add`, if both are numbers.
pub fn add_numbers(key: &Key, current: Option<&Value>, amount: &Value) -> Result<Value, WriteError> {
    let zero = Value::Int(0);
    let current = current.unwrap_or(&zero);
    Ok(match (current, amount) {
        (Value::Int(a), Value::Int(b)) => {
            Value::Int(a.checked_add(*b).ok_or(WriteError::Overflow { key: show(key), value: *a, amount: *b })?)
        }
        (Value::Int(a), Value::Float(b)) => Value::Float(*a as f64 + b),
        (Value::Float(a), Value::Int(b)) => Value::Float(a + *b as f64),
        (Value::Float(a), Value::Float(b)) => Value::Float(a + b),
        (Value::Int(_) | Value::Float(_), other) => return Err(WriteError::BadAmount { type_name: other.type_name() }),
        (other, _) => return Err(WriteError::NotANumber { key: show(key), type_name: other.type_name() }),
    })
}

/// Every dict part this engine owns, by dict id.
pub struct Store {
    engine: usize,
    shards: HashMap<u64, Shard, KeyHash>,
    /// Memory and keys held by every part.
    held: usize,
    keys: usize,
    budget: Budget,
}

/// What a write changes besides its shard: the engine's totals and budget.
struct Totals<'a> {
    engine: usize,
    held: &'a mut usize,
    keys: &'a mut usize,
    budget: &'a mut Budget,
}

impl Totals<'_> {
    /// Admits growth from `old` to `new` bytes for `key`, or says why not.
    fn admit(&mut self, key: &SlotKey, old: usize, new: usize) -> Result<(), WriteError> {
        if new > old {
            if let Err(error) = self.budget.admit(*self.held, new - old) {
                let (held_keys, key) = (*self.keys, show(&key.to_key()));
                return Err(WriteError::Memory { engine: self.engine, key, bytes: new, held_keys, error });
            }
        }
        Ok(())
    }

    fn grow(&mut self, bytes: &mut usize, old: usize, new: usize) {
        *bytes = *bytes + new - old;
        *self.held = *self.held + new - old;
    }

    /// One write to `table`, a table of the part whose memory is `bytes`.
    fn apply(&mut self, table: &mut Table, bytes: &mut usize, op: SlotOp) -> Result<(), WriteError> {
        match op.add {
            false => self.set(table, bytes, op.key, op.value),
            true => self.add(table, bytes, op.key, &op.value),
        }
    }

    /// `d[key] = value`: one lookup; a refused write changes nothing.
    fn set(&mut self, table: &mut Table, bytes: &mut usize, key: SlotKey, value: SlotValue) -> Result<(), WriteError> {
        let new = slot_bytes(&key, &value);
        match table.entry(key) {
            Entry::Occupied(mut e) => {
                let old = slot_bytes(e.key(), e.get());
                self.admit(e.key(), old, new)?;
                e.insert(value);
                self.grow(bytes, old, new);
            }
            Entry::Vacant(e) => {
                self.admit(e.key(), 0, new)?;
                e.insert(value);
                *self.keys += 1;
                self.grow(bytes, 0, new);
            }
        }
        Ok(())
    }

    /// `d.add(key, amount)`, from 0 for a new key.
    fn add(
        &mut self,
        table: &mut Table,
        bytes: &mut usize,
        key: SlotKey,
        amount: &SlotValue,
    ) -> Result<(), WriteError> {
        let sum = |key: &SlotKey, current: Option<&SlotValue>| {
            let current = current.map(|v| match v {
                SlotValue::Boxed(v) => Cow::Borrowed(&**v),
                scalar => Cow::Owned(scalar.to_value()),
            });
            add_numbers(&key.to_key(), current.as_deref(), &amount.to_value()).map(SlotValue::from)
        };
        match table.entry(key) {
            Entry::Occupied(mut e) => {
                let total = match (e.get(), amount) {
                    (SlotValue::Int(a), SlotValue::Int(b)) if a.checked_add(*b).is_some() => SlotValue::Int(a + b),
                    (SlotValue::Float(a), SlotValue::Float(b)) => SlotValue::Float(a + b),
                    (current, _) => sum(e.key(), Some(current))?,
                };
                e.insert(total);
            }
            Entry::Vacant(e) => {
                let value = sum(e.key(), None)?;
                let new = slot_bytes(e.key(), &value);
                self.admit(e.key(), 0, new)?;
                e.insert(value);
                *self.keys += 1;
                self.grow(bytes, 0, new);
            }
        }
        Ok(())
    }
}

impl Store {
    pub fn new(engine: usize, budget: Budget) -> Store {
        Store { engine, shards: HashMap::default(), held: 0, keys: 0, budget }
    }

    /// Starts an empty part of dict `id` (keeps an existing one).
    pub fn create(&mut self, id: u64) {
        self.shards.entry(id).or_default();
    }

    /// Forgets dict `id`'s part (its keys and the part itself).
    pub fn forget(&mut self, id: u64) {
        if self.clear(id).is_ok() {
            self.shards.remove(&id);
        }
    }

    /// Forgets every dict.
    pub fn clear_all(&mut self) {
        self.shards.clear();
        (self.held, self.keys) = (0, 0);
    }

    pub fn shard(&self, id: u64) -> Option<&Shard> {
        self.shards.get(&id)
    }

    /// Memory held by every part on this engine.
    pub fn held(&self) -> usize {
        self.held
    }

    /// Applies writes to dict `id` in order, handing each refused one to `refused` (in
    /// the order of `ops`). An error if this engine has no part of the dict (then nothing
    /// is applied).
    pub fn apply_all<O: Into<SlotOp>>(
        &mut self,
        id: u64,
        ops: Vec<O>,
        mut refused: impl FnMut(WriteError),
    ) -> Result<(), WriteError> {
        let shard = self.shards.get_mut(&id).ok_or(WriteError::UnknownDict)?;
        let mut totals =
            Totals { engine: self.engine, held: &mut self.held, keys: &mut self.keys, budget: &mut self.budget };
        if ops.len() < BATCH_MIN {
            for op in ops {
                let op: SlotOp = op.into();
                let table = &mut shard.tables[part_of(&op.key)];
                if let Err(e) = totals.apply(table, &mut shard.bytes, op) {
                    refused(e);
                }
            }
            return Ok(());
        }
        let split = Split::new(ops.into_iter(), O::into, |op: &SlotOp| &op.key);
        let mut errors = Vec::new();
        for (table, mut part) in shard.tables.iter_mut().zip(split.parts) {
            if table.is_empty() {
                table.reserve(part.len());
            }
            in_slot_order(&mut part, table);
            for (i, _, op) in part {
                if let Err(e) = totals.apply(table, &mut shard.bytes, op) {
                    errors.push((i, e));
                }
            }
        }
        errors.sort_by_key(|(i, _)| *i);
        errors.into_iter().for_each(|(_, e)| refused(e));
        Ok(())
    }

    /// Applies one write.
    pub fn apply(&mut self, id: u64, op: WriteOp) -> Result<(), WriteError> {
        let mut error = None;
        self.apply_all(id, vec![op], |e| error = Some(e))?;
        error.map_or(Ok(()), Err)
    }

    /// `d[key] = value`.
    pub fn set(&mut self, id: u64, key: Key, value: Value) -> Result<(), WriteError> {
        self.apply(id, WriteOp::Set { key, value })
    }

    /// `d.add(key, amount)`: adds at the owner, from 0 for a new key.
    pub fn add(&mut self, id: u64, key: Key, amount: &Value) -> Result<(), WriteError> {
        self.apply(id, WriteOp::Add { key, amount: amount.clone() })
    }

    /// Removes `key`; its value if it was there.
    pub fn remove(&mut self, id: u64, key: &Key) -> Result<Option<Value>, WriteError> {
        let shard = self.shards.get_mut(&id).ok_or(WriteError::UnknownDict)?;
        let Some((k, v)) = shard.remove(key) else { return Ok(None) };
        let bytes = slot_bytes(&k, &v);
        shard.bytes -= bytes;
        self.held -= bytes;
        self.keys -= 1;
        Ok(Some(v.into_value()))
    }

    /// Removes every key of dict `id` held here.
    pub fn clear(&mut self, id: u64) -> Result<(), WriteError> {
        let shard = self.shards.get_mut(&id).ok_or(WriteError::UnknownDict)?;
        self.held -= shard.bytes;
        self.keys -= shard.len();
        *shard = Shard::default();
        Ok(())
    }
}

/// Memory a write will take at most (to size buffers and windows).
pub fn write_bytes(op: &WriteOp) -> usize {
    match op {
        WriteOp::Set { key, value } => 16 + key_heap(key) + value_heap(value),
        WriteOp::Add { key, .. } => 16 + key_heap(key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Key {
        Key::Str(s.into())
    }

    #[test]
    fn set_get_remove_clear_and_accounting() {
        let mut s = Store::new(0, Budget::fixed(1 << 30));
        s.create(1);
        s.set(1, k("b"), Value::Int(2)).unwrap();
        s.set(1, k("a"), Value::Str("x".repeat(1000))).unwrap();
        s.set(1, Key::Int(7), Value::Unit).unwrap();
        let held = s.held();
        assert!(held > 1000);
        assert_eq!(s.shard(1).unwrap().keys(), vec![Key::Int(7), k("a"), k("b")]);
        s.set(1, k("a"), Value::Int(1)).unwrap();
        assert!(s.held() < held - 900, "overwriting frees the old value");
        assert_eq!(s.remove(1, &k("a")).unwrap(), Some(Value::Int(1)));
        assert_eq!(s.remove(1, &k("a")).unwrap(), None);
        assert_eq!(s.shard(1).unwrap().items(), vec![(Key::Int(7), Value::Unit), (k("b"), Value::Int(2))]);
        s.clear(1).unwrap();
        assert_eq!((s.held(), s.shard(1).unwrap().len()), (0, 0));
        assert_eq!(s.set(2, k("a"), Value::Unit), Err(WriteError::UnknownDict));
    }

    #[test]
    fn add_creates_at_zero_and_keeps_types() {
        let mut s = Store::new(0, Budget::fixed(1 << 30));
        s.create(1);
        s.add(1, k("n"), &Value::Int(2)).unwrap();
        s.add(1, k("n"), &Value::Int(3)).unwrap();
        s.add(1, k("x"), &Value::Float(0.5)).unwrap();
        s.add(1, k("x"), &Value::Int(1)).unwrap();
        let shard = s.shard(1).unwrap();
        assert_eq!(shard.get(&k("n")), Some(Value::Int(5)));
        assert_eq!(shard.get(&k("x")), Some(Value::Float(1.5)));
        s.set(1, k("s"), Value::Str("text".into())).unwrap();
        assert_eq!(
            s.add(1, k("s"), &Value::Int(1)).unwrap_err().to_string(),
            "add to key \"s\": its value is a string, not a number"
        );
        assert_eq!(
            s.add(1, k("n"), &Value::Str("1".into())).unwrap_err().to_string(),
            "add needs an integer or a float to add, not a string"
        );
        s.set(1, k("big"), Value::Int(i64::MAX)).unwrap();
        assert_eq!(
            s.add(1, k("big"), &Value::Int(1)).unwrap_err().to_string(),
            format!("add to key \"big\": {} + 1 overflows a 64-bit integer", i64::MAX)
        );
    }

    #[test]
    fn a_write_past_the_budget_is_refused_and_changes_nothing() {
        let mut s = Store::new(3, Budget::fixed(3_000_000));
        s.create(1);
        s.set(1, Key::Int(0), Value::Blob(vec![0; 1_000_000])).unwrap();
        s.set(1, Key::Int(1), Value::Blob(vec![0; 1_000_000])).unwrap();
        let held = s.held();
        let e = s.set(1, Key::Int(2), Value::Blob(vec![0; 1_000_000])).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "engine 3 refused key 2 (1.0 MB) and kept its 2 keys: out of dict memory: it would hold 3.0 MB"
            ),
            "{e}"
        );
        assert_eq!((s.held(), s.shard(1).unwrap().len()), (held, 2));
        // Replacing a value by a smaller one is always allowed.
        s.set(1, Key::Int(0), Value::Unit).unwrap();
        s.set(1, Key::Int(2), Value::Blob(vec![0; 1_000_000])).unwrap();
    }
}
