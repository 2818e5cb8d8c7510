//! How much memory an engine's dict parts take, and the budget that refuses a write
//! before the engine would run the machine out of memory.
//!
//! Sizes are estimates of what the owner's table holds: the table slot of the key and the
//! value, plus what they own on the heap. The budget has two parts:
//! - a fixed limit per engine: `PSHELL_DD_MEMORY` (bytes; K/M/G/T suffixes count
//!   powers of 1000, KiB/MiB/GiB/TiB powers of 1024), else three quarters of the
//!   machine's memory shared by the engines on it;
//! - the machine's memory actually available (`MemAvailable` in /proc/meminfo), read
//!   again after each 64 MB of growth and for every large value: a write that would
//!   leave less than a reserve free is refused, so other programs' use counts too.

use super::key::Key;
use crate::protocol::Value;

/// Bytes of growth between two reads of /proc/meminfo.
const RECHECK: usize = 64 << 20;
/// What one table entry costs beyond the key's and value's own heap memory.
pub const ENTRY_BYTES: usize = (std::mem::size_of::<(Key, Value)>() * 8).div_ceil(7) + 1;

/// Approximate heap memory a key owns.
pub fn key_heap(k: &Key) -> usize {
    match k {
        Key::Str(s) => s.capacity(),
        _ => 0,
    }
}

/// Approximate heap memory a value owns (not counting its own slot).
pub fn value_heap(v: &Value) -> usize {
    const SLOT: usize = std::mem::size_of::<Value>();
    match v {
        Value::Unit | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Char(_) => 0,
        Value::Str(s) => s.capacity(),
        Value::Blob(b) => b.capacity(),
        Value::Array(items) => items.capacity() * SLOT + items.iter().map(value_heap).sum::<usize>(),
        Value::Map(entries) => {
            entries.capacity() * std::mem::size_of::<(String, Value)>()
                + entries.iter().map(|(k, v)| k.capacity() + value_heap(v)).sum::<usize>()
        }
        Value::FnPtr { name, curried } => {
            name.capacity() + curried.capacity() * SLOT + curried.iter().map(value_heap).sum::<usize>()
        }
        Value::NdArray { shape, data } => shape.capacity() * 8 + data.len() * data.elem_bytes(),
        Value::List(data) => data.len() * data.elem_bytes(),
    }
}

/// Approximate memory of one entry in an owner's table.
pub fn entry_bytes(k: &Key, v: &Value) -> usize {
    ENTRY_BYTES + key_heap(k) + value_heap(v)
}

/// "1.5 MB", "812 bytes".
pub fn show_bytes(n: usize) -> String {
    let x = n as f64;
    if x >= 1e9 {
        format!("{:.1} GB", x / 1e9)
    } else if x >= 1e6 {
        format!("{:.1} MB", x / 1e6)
    } else if x >= 1e3 {
        format!("{:.1} KB", x / 1e3)
    } else {
        format!("{n} bytes")
    }
}

/// Parses "512M", "2G", "1000000", "4GiB" into bytes (K, M, G, T are powers of 1000,
/// like the sizes in messages; KiB, MiB, GiB, TiB powers of 1024).
pub fn parse_size(s: &str) -> Option<usize> {
    let s = s.trim();
    let (digits, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit() && *c != '.') {
        Some((i, _)) => (&s[..i], s[i..].trim()),
        None => (s, ""),
    };
    let x: f64 = digits.parse().ok()?;
    let scale = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1.0,
        "K" | "KB" => 1e3,
        "M" | "MB" => 1e6,
        "G" | "GB" => 1e9,
        "T" | "TB" => 1e12,
        "KIB" => 1024.0,
        "MIB" => 1024.0 * 1024.0,
        "GIB" => 1024.0f64.powi(3),
        "TIB" => 1024.0f64.powi(4),
        _ => return None,
    };
    (x.is_finite() && x >= 0.0).then_some((x * scale) as usize)
}

/// (MemTotal, MemAvailable) in bytes, from /proc/meminfo.
pub fn meminfo() -> Option<(usize, usize)> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let field = |name: &str| -> Option<usize> {
        let line = text.lines().find(|l| l.starts_with(name))?;
        let kb: usize = line[name.len()..].trim().trim_end_matches("kB").trim().parse().ok()?;
        Some(kb * 1024)
    };
    Some((field("MemTotal:")?, field("MemAvailable:")?))
}

/// Why a write was refused for memory.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MemoryError {
    /// The engine's dict parts would pass its fixed limit (`why` says where it came from).
    OverBudget { held: usize, incoming: usize, limit: usize, why: String },
    /// The machine would be left with less than `reserve` bytes available.
    MachineLow { available: usize, incoming: usize, reserve: usize },
}

impl std::fmt::Display for MemoryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MemoryError::OverBudget { held, incoming, limit, why } => write!(
                f,
                "out of dict memory: it would hold {} (+{}), past its budget of {} ({why})",
                show_bytes(held + incoming),
                show_bytes(*incoming),
                show_bytes(*limit)
            ),
            MemoryError::MachineLow { available, incoming, reserve } => write!(
                f,
                "out of memory: the machine has {} available, and storing {} more would leave less than the {} pshell keeps free",
                show_bytes(*available),
                show_bytes(*incoming),
                show_bytes(*reserve)
            ),
        }
    }
}

/// One engine's memory budget for its dict parts.
#[derive(Debug, Clone)]
pub struct Budget {
    limit: usize,
    /// Where `limit` came from, for messages.
    why: String,
    /// Bytes to leave available on the machine (0: do not look at the machine).
    reserve: usize,
    /// `held` when /proc/meminfo was last read.
    checked_at: usize,
}

impl Budget {
    /// The budget of an engine sharing this machine with `engines_here - 1` others.
    pub fn for_engine(engines_here: usize) -> Budget {
        let (total, _) = meminfo().unwrap_or((8 << 30, 8 << 30));
        let reserve = (total / 20).max(256 << 20);
        let share = total / 4 * 3 / engines_here.max(1);
        let default_why = format!(
            "3/4 of this machine's {} shared by {} engines; set PSHELL_DD_MEMORY to change it",
            show_bytes(total),
            engines_here.max(1)
        );
        let (limit, why) = match std::env::var("PSHELL_DD_MEMORY") {
            Ok(s) => match parse_size(&s) {
                Some(n) => (n, format!("PSHELL_DD_MEMORY={s}")),
                None => {
                    (share, format!("{default_why}; PSHELL_DD_MEMORY={s:?} is not a size like 512M, so it was ignored"))
                }
            },
            Err(_) => (share, default_why),
        };
        Budget { limit, why, reserve, checked_at: 0 }
    }

    /// A fixed limit and no look at the machine (for tests).
    pub fn fixed(limit: usize) -> Budget {
        Budget { limit, why: "fixed".into(), reserve: 0, checked_at: 0 }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Whether an engine holding `held` bytes may take `incoming` more.
    pub fn admit(&mut self, held: usize, incoming: usize) -> Result<(), MemoryError> {
        if incoming == 0 {
            return Ok(());
        }
        if held + incoming > self.limit {
            return Err(MemoryError::OverBudget { held, incoming, limit: self.limit, why: self.why.clone() });
        }
        self.checked_at = self.checked_at.min(held);
        if self.reserve > 0 && (held + incoming - self.checked_at >= RECHECK || incoming >= RECHECK) {
            if let Some((_, available)) = meminfo() {
                if available < incoming + self.reserve {
                    return Err(MemoryError::MachineLow { available, incoming, reserve: self.reserve });
                }
            }
            self.checked_at = held + incoming;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("512M"), Some(512_000_000));
        assert_eq!(parse_size("2g"), Some(2_000_000_000));
        assert_eq!(parse_size("1000"), Some(1000));
        assert_eq!(parse_size("1.5K"), Some(1500));
        assert_eq!(parse_size("4GiB"), Some(4 << 30));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size("5X"), None);
    }

    #[test]
    fn values_are_measured_with_what_they_own() {
        let blob = Value::Blob(vec![0; 1_000_000]);
        assert!(value_heap(&blob) >= 1_000_000);
        let arr = Value::Array(vec![Value::Int(1); 1000]);
        assert!(value_heap(&arr) >= 1000 * std::mem::size_of::<Value>());
        let nested = Value::Map(vec![("k".into(), Value::Str("x".repeat(500)))]);
        assert!(value_heap(&nested) >= 501);
        assert_eq!(value_heap(&Value::Int(3)), 0);
        assert!(entry_bytes(&Key::Str("abc".into()), &Value::Unit) > ENTRY_BYTES);
    }

    #[test]
    fn a_fixed_budget_refuses_past_its_limit() {
        let mut b = Budget::fixed(1000);
        assert!(b.admit(0, 1000).is_ok());
        let e = b.admit(600, 500).unwrap_err();
        assert_eq!(
            e.to_string(),
            "out of dict memory: it would hold 1.1 KB (+500 bytes), past its budget of 1.0 KB (fixed)"
        );
        assert!(b.admit(5000, 0).is_ok(), "shrinking or staying is always allowed");
    }

    #[test]
    fn the_machine_reserve_is_checked_for_large_values() {
        let mut b = Budget::for_engine(1);
        b.limit = usize::MAX;
        let e = b.admit(0, usize::MAX / 4).unwrap_err();
        assert!(matches!(e, MemoryError::MachineLow { .. }), "{e:?}");
        assert!(e.to_string().starts_with("out of memory: the machine has "), "{e}");
    }

    #[test]
    fn bytes_read_well() {
        assert_eq!(show_bytes(812), "812 bytes");
        assert_eq!(show_bytes(1_500_000), "1.5 MB");
        assert_eq!(show_bytes(3_200_000_000), "3.2 GB");
    }
}
