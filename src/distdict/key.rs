//! Keys: their deterministic hash, the engine that owns them, and how they read.
//!
//! The hash is FNV-1a over a canonical byte encoding of the key (a type tag, then the
//! value: an integer's 8 little-endian bytes, a char's code point as 4 bytes, a string's
//! UTF-8), finished with SplitMix64's mixer so that the low bits, which pick the owner,
//! depend on every input byte. It has no random seed, so every process on every run
//! agrees on every key's owner: `owner = hash % engines`. Inside an owner, tables hash
//! keys with a faster word-at-a-time hasher ([`KeyHasher`]) whose values never travel.

use crate::interrupt::{Interrupted, Meter};
pub use crate::protocol::DictKey as Key;
use std::hash::{BuildHasherDefault, Hasher};

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// SplitMix64's finalizer: spreads every input bit over the whole word.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The key's hash: the same in every process and every run.
pub fn hash(key: &Key) -> u64 {
    let h = match key {
        Key::Bool(b) => fnv1a(FNV_OFFSET, &[0, *b as u8]),
        Key::Int(i) => fnv1a(fnv1a(FNV_OFFSET, &[1]), &i.to_le_bytes()),
        Key::Char(c) => fnv1a(fnv1a(FNV_OFFSET, &[2]), &(*c as u32).to_le_bytes()),
        Key::Str(s) => fnv1a(fnv1a(FNV_OFFSET, &[3]), s.as_bytes()),
    };
    mix(h)
}

/// The engine (0..engines) that owns `key`.
pub fn owner(key: &Key, engines: usize) -> usize {
    (hash(key) % engines.max(1) as u64) as usize
}

/// The owner of the string key `s` (the same as `owner(&Key::Str(s))`, without making it).
pub fn str_owner(s: &str, engines: usize) -> usize {
    (mix(fnv1a(fnv1a(FNV_OFFSET, &[3]), s.as_bytes())) % engines.max(1) as u64) as usize
}

/// One owner's share of a batch of keys: their positions in the batch, and the keys.
pub type Share = (Vec<usize>, Vec<Key>);

/// Keys grouped by owner, each with the keys' positions in `keys`: one group per engine
/// (batch calls send one message per owner). Interruptible (a batch can be millions).
pub fn by_owner(keys: Vec<Key>, engines: usize) -> Result<Vec<Share>, Interrupted> {
    let mut groups: Vec<Share> = (0..engines).map(|_| (Vec::new(), Vec::new())).collect();
    let mut meter = Meter::new("a dict batch");
    for (i, k) in keys.into_iter().enumerate() {
        meter.tick(1)?;
        let g = &mut groups[owner(&k, engines)];
        g.0.push(i);
        g.1.push(k);
    }
    Ok(groups)
}

/// The key as a script writes it: `"text"`, `'c'`, `42`, `true`.
pub fn show(key: &Key) -> String {
    let s = match key {
        Key::Bool(b) => b.to_string(),
        Key::Int(i) => i.to_string(),
        Key::Char(c) => format!("{c:?}"),
        Key::Str(s) => format!("{s:?}"),
    };
    if s.chars().count() > 60 {
        s.chars().take(57).collect::<String>() + "..."
    } else {
        s
    }
}

/// The hasher of the tables inside an owner: eight bytes at a time, then SplitMix64's
/// mixer. Its values never leave the engine, so unlike [`hash`] it may change.
#[derive(Clone, Copy)]
pub struct KeyHasher(u64);

const WORD_MUL: u64 = 0x9e37_79b9_7f4a_7c15;

impl Default for KeyHasher {
    fn default() -> Self {
        KeyHasher(FNV_OFFSET)
    }
}

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.write_u64(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        self.write_u64(u64::from_le_bytes(last) ^ ((bytes.len() as u64) << 56));
    }
    fn write_u8(&mut self, b: u8) {
        self.write_u64(b as u64);
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(WORD_MUL);
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
    fn write_isize(&mut self, v: isize) {
        self.write_u64(v as u64);
    }
    fn write_i64(&mut self, v: i64) {
        self.write_u64(v as u64);
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(v as u64);
    }
    fn finish(&self) -> u64 {
        mix(self.0)
    }
}

/// Builds [`KeyHasher`]s.
pub type KeyHash = BuildHasherDefault<KeyHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_fixed_numbers() {
        // Fixed forever (checked against an independent implementation): a change would move keys between engines of running sessions
        // (and make console and engines of different builds disagree).
        assert_eq!(hash(&Key::Str("a".into())), 0x66d9_f1db_cfd3_d5f5);
        assert_eq!(hash(&Key::Int(0)), 0x2bd2_f3b4_ca8a_517b);
        assert_eq!(owner(&Key::Str("words".into()), 7), (hash(&Key::Str("words".into())) % 7) as usize);
        for s in ["", "words", "k1_123456", "héllo"] {
            assert_eq!(str_owner(s, 7), owner(&Key::Str(s.into()), 7));
        }
    }

    #[test]
    fn same_text_of_different_types_are_different_keys() {
        let hs = [hash(&Key::Str("1".into())), hash(&Key::Int(1)), hash(&Key::Char('1')), hash(&Key::Bool(true))];
        for i in 0..hs.len() {
            for j in i + 1..hs.len() {
                assert_ne!(hs[i], hs[j]);
            }
        }
    }

    #[test]
    fn owners_are_balanced() {
        for engines in [2usize, 3, 7] {
            let mut counts = vec![0usize; engines];
            for i in 0..70_000 {
                counts[owner(&Key::Str(format!("word{i}")), engines)] += 1;
                counts[owner(&Key::Int(i), engines)] += 1;
            }
            let mean = 140_000 / engines;
            for c in counts {
                assert!(c.abs_diff(mean) < mean / 20, "{engines} engines: {c} vs {mean}");
            }
        }
    }

    #[test]
    fn the_table_hasher_separates_near_keys() {
        use std::hash::BuildHasher;
        let b = KeyHash::default();
        let hs: std::collections::HashSet<u64> =
            (0..100_000).map(|i| b.hash_one(Key::Str(format!("k0_{i}")))).collect();
        assert_eq!(hs.len(), 100_000);
        assert_ne!(b.hash_one(Key::Str("ab".into())), b.hash_one(Key::Str("ab\0".into())));
    }

    #[test]
    fn keys_read_as_literals() {
        assert_eq!(show(&Key::Str("a\"b".into())), "\"a\\\"b\"");
        assert_eq!(show(&Key::Char('x')), "'x'");
        assert_eq!(show(&Key::Int(-3)), "-3");
        assert_eq!(show(&Key::Bool(false)), "false");
        assert_eq!(show(&Key::Str("x".repeat(100))).len(), 60);
    }

    #[test]
    fn key_order_is_bools_ints_chars_strings() {
        let mut keys = vec![
            Key::Str("b".into()),
            Key::Char('z'),
            Key::Int(5),
            Key::Str("a".into()),
            Key::Int(-2),
            Key::Bool(true),
        ];
        keys.sort();
        assert_eq!(
            keys,
            vec![
                Key::Bool(true),
                Key::Int(-2),
                Key::Int(5),
                Key::Char('z'),
                Key::Str("a".into()),
                Key::Str("b".into())
            ]
        );
    }
}
