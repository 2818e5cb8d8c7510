//! Keys and values as an owner's table holds them: small, so that a lookup touches one
//! cache line.
//!
//! A [`Key`] in a message is 32 bytes and a string key's text lives elsewhere on the heap;
//! a [`Value`] is 56 bytes. A table of those spends two cache misses per lookup (the
//! slot, then the key's text to compare it) and fills memory with 88-byte slots. Here a
//! [`SlotKey`] is 24 bytes and keeps strings of up to [`INLINE`] bytes in place (the
//! common case: words, ids, "k0_123"), and a [`SlotValue`] is 16 bytes and keeps numbers,
//! booleans, characters and the unit in place (anything else is boxed). A slot is then
//! 40 bytes, and a string key is compared without leaving it.
//!
//! Lookups take the message's [`Key`] as it is, with no conversion: both kinds of key
//! are hashed and compared through one view, [`KeyRef`], and the table finds a
//! `&dyn AsKey` by `Borrow` (so a `SlotKey` and the `Key` it came from hash alike).

use super::key::Key;
use super::memory::value_heap;
use crate::protocol::Value;
use std::borrow::Borrow;
use std::hash::{Hash, Hasher};

/// The longest string key kept inside its slot.
pub const INLINE: usize = 22;

/// What table slot one entry takes, with the table's spare room (at most 1/8 of slots
/// empty after growth, so 8/7 of a slot), and its control byte.
pub const SLOT_BYTES: usize = (std::mem::size_of::<(SlotKey, SlotValue)>() * 8).div_ceil(7) + 1;

/// A key as the table holds it (24 bytes).
#[derive(Clone)]
pub enum SlotKey {
    Bool(bool),
    Int(i64),
    Char(char),
    /// A string of at most [`INLINE`] bytes: its length and its UTF-8.
    Short(u8, [u8; INLINE]),
    Long(Box<str>),
}

/// A borrowed view of either kind of key: what hashing and equality look at.
#[derive(PartialEq, Eq)]
pub enum KeyRef<'a> {
    Bool(bool),
    Int(i64),
    Char(char),
    /// A string's UTF-8.
    Str(&'a [u8]),
}

/// Something the table can be asked about: a [`Key`] or a [`SlotKey`].
pub trait AsKey {
    fn key_ref(&self) -> KeyRef<'_>;
}

impl AsKey for Key {
    fn key_ref(&self) -> KeyRef<'_> {
        match self {
            Key::Bool(b) => KeyRef::Bool(*b),
            Key::Int(i) => KeyRef::Int(*i),
            Key::Char(c) => KeyRef::Char(*c),
            Key::Str(s) => KeyRef::Str(s.as_bytes()),
        }
    }
}

impl AsKey for SlotKey {
    fn key_ref(&self) -> KeyRef<'_> {
        match self {
            SlotKey::Bool(b) => KeyRef::Bool(*b),
            SlotKey::Int(i) => KeyRef::Int(*i),
            SlotKey::Char(c) => KeyRef::Char(*c),
            SlotKey::Short(n, bytes) => KeyRef::Str(&bytes[..*n as usize]),
            SlotKey::Long(s) => KeyRef::Str(s.as_bytes()),
        }
    }
}

/// A short string's hash input: its bytes zero-padded to 23, then its length, as three
/// words (the same whether it comes from a message's key or from a slot).
fn short_words(bytes: &[u8; INLINE], len: u8) -> [u64; 3] {
    let mut b = [0u8; 24];
    b[..INLINE].copy_from_slice(bytes);
    b[23] = len;
    let word = |i: usize| u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().expect("8 bytes"));
    [word(0), word(1), word(2)]
}

impl Hash for KeyRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            KeyRef::Bool(b) => state.write_u64(*b as u64),
            KeyRef::Int(i) => state.write_u64(1 << 62 ^ *i as u64),
            KeyRef::Char(c) => state.write_u64(2 << 62 | *c as u64),
            KeyRef::Str(s) if s.len() <= INLINE => {
                let mut bytes = [0u8; INLINE];
                bytes[..s.len()].copy_from_slice(s);
                short_words(&bytes, s.len() as u8).iter().for_each(|w| state.write_u64(*w));
            }
            KeyRef::Str(s) => state.write(s),
        }
    }
}

impl Hash for dyn AsKey + '_ {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key_ref().hash(state)
    }
}

impl PartialEq for dyn AsKey + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.key_ref() == other.key_ref()
    }
}

impl Eq for dyn AsKey + '_ {}

impl Hash for SlotKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            SlotKey::Short(n, bytes) => short_words(bytes, *n).iter().for_each(|w| state.write_u64(*w)),
            other => other.key_ref().hash(state),
        }
    }
}

/// Keys are equal when their views are: a string of up to [`INLINE`] bytes is always
/// `Short` (zero-padded), a longer one always `Long`, so kinds can be compared as they are.
impl PartialEq for SlotKey {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (SlotKey::Short(n, a), SlotKey::Short(m, b)) => n == m && a == b,
            (SlotKey::Long(a), SlotKey::Long(b)) => a == b,
            (SlotKey::Int(a), SlotKey::Int(b)) => a == b,
            (SlotKey::Bool(a), SlotKey::Bool(b)) => a == b,
            (SlotKey::Char(a), SlotKey::Char(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for SlotKey {}

impl<'a> Borrow<dyn AsKey + 'a> for SlotKey {
    fn borrow(&self) -> &(dyn AsKey + 'a) {
        self
    }
}

impl From<Key> for SlotKey {
    fn from(k: Key) -> SlotKey {
        match k {
            Key::Bool(b) => SlotKey::Bool(b),
            Key::Int(i) => SlotKey::Int(i),
            Key::Char(c) => SlotKey::Char(c),
            Key::Str(s) if s.len() <= INLINE => SlotKey::of_str(&s),
            Key::Str(s) => SlotKey::Long(s.into_boxed_str()),
        }
    }
}

impl SlotKey {
    /// The compact form of a key that stays where it is.
    pub fn from_ref(k: &Key) -> SlotKey {
        match k {
            Key::Str(s) => SlotKey::of_str(s),
            other => SlotKey::from(other.clone()),
        }
    }

    /// The string key `s` (copied in place if short, so nothing is allocated).
    pub fn of_str(s: &str) -> SlotKey {
        if s.len() <= INLINE {
            let mut bytes = [0u8; INLINE];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            SlotKey::Short(s.len() as u8, bytes)
        } else {
            SlotKey::Long(s.into())
        }
    }

    /// The key as messages carry it.
    pub fn to_key(&self) -> Key {
        match self {
            SlotKey::Bool(b) => Key::Bool(*b),
            SlotKey::Int(i) => Key::Int(*i),
            SlotKey::Char(c) => Key::Char(*c),
            SlotKey::Short(n, bytes) => {
                Key::Str(std::str::from_utf8(&bytes[..*n as usize]).expect("copied from a str").to_string())
            }
            SlotKey::Long(s) => Key::Str(s.to_string()),
        }
    }

    /// Heap memory the key owns.
    pub fn heap(&self) -> usize {
        match self {
            SlotKey::Long(s) => s.len(),
            _ => 0,
        }
    }
}

/// A value as the table holds it (16 bytes).
#[derive(Clone)]
pub enum SlotValue {
    Unit,
    Bool(bool),
    Int(i64),
    Float(f64),
    Char(char),
    Boxed(Box<Value>),
}

impl From<Value> for SlotValue {
    fn from(v: Value) -> SlotValue {
        match v {
            Value::Unit => SlotValue::Unit,
            Value::Bool(b) => SlotValue::Bool(b),
            Value::Int(i) => SlotValue::Int(i),
            Value::Float(x) => SlotValue::Float(x),
            Value::Char(c) => SlotValue::Char(c),
            other => SlotValue::Boxed(Box::new(other)),
        }
    }
}

impl SlotValue {
    /// The value as messages carry it.
    pub fn to_value(&self) -> Value {
        match self {
            SlotValue::Unit => Value::Unit,
            SlotValue::Bool(b) => Value::Bool(*b),
            SlotValue::Int(i) => Value::Int(*i),
            SlotValue::Float(x) => Value::Float(*x),
            SlotValue::Char(c) => Value::Char(*c),
            SlotValue::Boxed(v) => (**v).clone(),
        }
    }

    pub fn into_value(self) -> Value {
        match self {
            SlotValue::Boxed(v) => *v,
            other => other.to_value(),
        }
    }

    /// Heap memory the value owns.
    pub fn heap(&self) -> usize {
        match self {
            SlotValue::Boxed(v) => std::mem::size_of::<Value>() + value_heap(v),
            _ => 0,
        }
    }
}

/// What one entry takes in the table, with what its key and value own.
pub fn slot_bytes(k: &SlotKey, v: &SlotValue) -> usize {
    SLOT_BYTES + k.heap() + v.heap()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distdict::key::KeyHash;
    use std::collections::HashMap;

    #[test]
    fn slots_are_small() {
        assert_eq!(std::mem::size_of::<SlotKey>(), 24);
        assert_eq!(std::mem::size_of::<SlotValue>(), 16);
    }

    #[test]
    fn a_table_of_slot_keys_is_asked_with_message_keys() {
        let keys = [
            Key::Str(String::new()),
            Key::Str("k0_123".into()),
            Key::Str("x".repeat(INLINE)),
            Key::Str("y".repeat(INLINE + 1)),
            Key::Str("héllo 世界, a longer key than fits".into()),
            Key::Int(-4),
            Key::Char('é'),
            Key::Bool(true),
        ];
        let mut m: HashMap<SlotKey, usize, KeyHash> = HashMap::default();
        for (i, k) in keys.iter().enumerate() {
            m.insert(SlotKey::from(k.clone()), i);
        }
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(m.get(k as &dyn AsKey), Some(&i), "{k:?}");
            assert_eq!(SlotKey::from(k.clone()).to_key(), *k);
        }
        // Same text, different kinds: different keys.
        assert_eq!(m.get(&Key::Str("-4".into()) as &dyn AsKey), None);
        assert_eq!(m.get(&Key::Str("true".into()) as &dyn AsKey), None);
        assert_eq!(m.get(&Key::Str("k0_12".into()) as &dyn AsKey), None);
    }

    #[test]
    fn values_come_back_whole() {
        for v in [
            Value::Unit,
            Value::Bool(false),
            Value::Int(i64::MIN),
            Value::Float(-0.5),
            Value::Char('z'),
            Value::Str("text".into()),
            Value::Array(vec![Value::Int(1), Value::Str("a".into())]),
            Value::Blob(vec![1, 2, 3]),
        ] {
            let s = SlotValue::from(v.clone());
            assert_eq!(s.to_value(), v);
            assert_eq!(s.into_value(), v);
        }
        assert_eq!(SlotValue::from(Value::Int(3)).heap(), 0);
        assert!(SlotValue::from(Value::Blob(vec![0; 1000])).heap() > 1000);
    }
}
