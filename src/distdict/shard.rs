//! One dict's part on one engine: its entries, in [`PARTS`] tables split by key hash.
//!
//! A large dict's table is far bigger than the processor's caches, so a lookup or insert
//! in key order costs one trip to main memory. Batches (`set_many`, `get_many`, buffered
//! writes) are therefore handled part by part: one pass over the batch, in its order,
//! turns each key into its compact form ([`SlotKey`]) and files it under its part
//! (keeping the batch's order within a part, hence for every key); then each part's
//! keys go to their table, which is small enough (1/[`PARTS`] of the dict) to stay in
//! cache while they do. Batches shorter than [`BATCH_MIN`] go key by key.
//!
//! Within a part, a batch's keys go to the table in the order of their slots (the low
//! bits of their hash), so the table is swept from one end to the other and the
//! processor fetches its memory ahead; writes to one key keep their order (a stable
//! sort). The part is taken from hash bits the tables themselves do not use (they use
//! the low bits for a slot and the top seven as a tag), so every part's table stays well
//! spread.

use super::key::{Key, KeyHash};
use super::slot::{AsKey, SlotKey, SlotValue};
use crate::protocol::Value;
use std::collections::HashMap;
use std::hash::BuildHasher;

/// Tables per dict part.
pub const PARTS: usize = 256;
/// The shortest batch handled part by part.
pub const BATCH_MIN: usize = 2048;

pub type Table = HashMap<SlotKey, SlotValue, KeyHash>;

/// The hash `k` has in the tables.
fn hash_of(k: &dyn AsKey) -> u64 {
    KeyHash::default().hash_one(k)
}

/// Which of the [`PARTS`] tables holds the key of hash `h`.
fn part(h: u64) -> usize {
    (h >> 48) as usize % PARTS
}

/// Which of the [`PARTS`] tables holds `k`.
pub fn part_of(k: &dyn AsKey) -> usize {
    part(hash_of(k))
}

/// The mask of slot numbers of a table that can hold `items` keys without growing.
/// (The standard table keeps at most 7/8 of its slots full, in a power-of-two count;
/// were that to change, batches would only go in a less favourable order.)
fn slot_mask(items: usize) -> u64 {
    let slots = if items < 8 { (items + 1).next_power_of_two() } else { (items * 8).div_ceil(7).next_power_of_two() };
    slots as u64 - 1
}

/// A batch filed by part: each item with its position in the batch and its hash, in
/// batch order.
pub struct Split<T> {
    pub parts: Vec<Vec<(u32, u64, T)>>,
}

impl<T> Split<T> {
    /// Files `items` by the part of their key, in one pass: `compact` turns an item into
    /// the form it is filed in, `key` finds its key there.
    pub fn new<I>(
        items: impl ExactSizeIterator<Item = I>,
        compact: impl Fn(I) -> T,
        key: impl Fn(&T) -> &SlotKey,
    ) -> Split<T> {
        let guess = items.len() / PARTS + items.len() / (4 * PARTS) + 4;
        let mut parts: Vec<Vec<(u32, u64, T)>> = (0..PARTS).map(|_| Vec::with_capacity(guess)).collect();
        for (i, item) in items.enumerate() {
            let filed = compact(item);
            let h = hash_of(key(&filed));
            parts[part(h)].push((i as u32, h, filed));
        }
        Split { parts }
    }
}

/// Puts a part's items in the order of their slots in `table` once it holds them too
/// (stable: items of one key keep their order).
pub fn in_slot_order<T>(items: &mut [(u32, u64, T)], table: &Table) {
    let mask = slot_mask(table.capacity().max(table.len() + items.len()));
    items.sort_by_key(|(_, h, _)| *h & mask);
}

/// One dict's part on this engine.
pub struct Shard {
    pub(super) tables: Vec<Table>,
    pub(super) bytes: usize,
}

impl Default for Shard {
    fn default() -> Shard {
        Shard { tables: (0..PARTS).map(|_| Table::default()).collect(), bytes: 0 }
    }
}

impl Shard {
    pub fn len(&self) -> usize {
        self.tables.iter().map(Table::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.tables.iter().all(Table::is_empty)
    }

    /// Approximate memory this part takes.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The value of `k`, if it is here.
    pub fn get(&self, k: &Key) -> Option<Value> {
        self.tables[part_of(k)].get(k as &dyn AsKey).map(SlotValue::to_value)
    }

    /// The values of `keys`, in their order (`None` for a missing key).
    pub fn get_many(&self, keys: &[Key]) -> Vec<Option<Value>> {
        if keys.len() < BATCH_MIN {
            return keys.iter().map(|k| self.get(k)).collect();
        }
        let split = Split::new(keys.iter(), SlotKey::from_ref, |k| k);
        // Found values are noted in batch order as references first (storing one out of
        // order drops nothing, so it does not wait to read what it replaces), then
        // become message values in one sweep.
        let mut found: Vec<Option<&SlotValue>> = vec![None; keys.len()];
        for (table, mut part) in self.tables.iter().zip(split.parts) {
            in_slot_order(&mut part, table);
            for (i, _, k) in part {
                found[i as usize] = table.get(&k);
            }
        }
        found.into_iter().map(|v| v.map(SlotValue::to_value)).collect()
    }

    pub fn contains(&self, k: &Key) -> bool {
        self.tables[part_of(k)].contains_key(k as &dyn AsKey)
    }

    /// This part's keys, in key order.
    pub fn keys(&self) -> Vec<Key> {
        let mut keys: Vec<Key> = self.tables.iter().flat_map(|t| t.keys().map(SlotKey::to_key)).collect();
        keys.sort_unstable();
        keys
    }

    /// This part's entries, in key order.
    pub fn items(&self) -> Vec<(Key, Value)> {
        let mut items: Vec<(Key, Value)> =
            self.tables.iter().flat_map(|t| t.iter().map(|(k, v)| (k.to_key(), v.to_value()))).collect();
        items.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        items
    }

    /// Removes `k`: its compact key and value, if it was here.
    pub(super) fn remove(&mut self, k: &Key) -> Option<(SlotKey, SlotValue)> {
        self.tables[part_of(k)].remove_entry(k as &dyn AsKey)
    }
}

#[cfg(test)]
mod tests {
    use crate::distdict::memory::Budget;
    use crate::distdict::store::Store;
    use crate::distdict::Key;
    use crate::protocol::{Value, WriteOp};

    fn k(i: usize) -> Key {
        Key::Str(format!("key_{i}"))
    }

    #[test]
    fn a_batch_applied_part_by_part_keeps_each_keys_order_and_reports_refusals_in_order() {
        let n = 3 * super::BATCH_MIN;
        let mut ops = Vec::new();
        for i in 0..n {
            ops.push(WriteOp::Set { key: k(i), value: Value::Int(i as i64) });
        }
        // Later writes to the same keys, in the same batch: the last one wins.
        for i in (0..n).step_by(3) {
            ops.push(WriteOp::Set { key: k(i), value: Value::Str(format!("v{i}")) });
            ops.push(WriteOp::Add { key: k(i + 1), amount: Value::Int(1000) });
        }
        // Refused: adds to strings, in batch order whatever their parts.
        ops.push(WriteOp::Add { key: k(n - 3), amount: Value::Int(1) });
        ops.push(WriteOp::Add { key: k(0), amount: Value::Int(1) });
        ops.push(WriteOp::Set { key: Key::Int(-1), value: Value::Unit });
        let mut s = Store::new(0, Budget::fixed(1 << 30));
        s.create(1);
        let mut refused = Vec::new();
        s.apply_all(1, ops, |e| refused.push(e.to_string())).unwrap();
        assert_eq!(
            refused,
            vec![
                format!("add to key \"key_{}\": its value is a string, not a number", n - 3),
                "add to key \"key_0\": its value is a string, not a number".to_string(),
            ]
        );
        let shard = s.shard(1).unwrap();
        assert_eq!(shard.len(), n + 1);
        let mut keys: Vec<Key> = (0..n).map(k).collect();
        keys.push(Key::Str("missing".into()));
        keys.push(Key::Int(-1));
        let values = shard.get_many(&keys);
        for (i, v) in values.iter().take(n).enumerate() {
            let want = match i % 3 {
                0 => Value::Str(format!("v{i}")),
                1 => Value::Int(i as i64 + 1000),
                _ => Value::Int(i as i64),
            };
            assert_eq!(v.as_ref(), Some(&want), "key {i}");
            assert_eq!(shard.get(&keys[i]), Some(want));
        }
        assert_eq!(values[n..], [None, Some(Value::Unit)]);
        assert_eq!(shard.keys()[0], Key::Int(-1));
        assert_eq!(shard.items().len(), n + 1);
    }
}
