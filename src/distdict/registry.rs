//! The dicts an engine knows, by name and by id, and how engines agree on a new one.
//!
//! `dd::new` is collective: every engine proposes (name, mode, whether the name is taken
//! here, a fresh random-ish id) and all of them see every proposal (an allgather done by
//! the engine); [`decide`] turns the proposals into the same outcome on every engine.
//! The id is engine 0's proposal: 64 bits from the clock, the process id and a counter,
//! so a handle made before the engines were reset or restarted never names a new dict.

use super::DictError;
use crate::protocol::{DictMode, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

/// A dict as every engine knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Info {
    pub id: u64,
    pub name: String,
    pub mode: DictMode,
}

#[derive(Default)]
pub struct Registry {
    by_name: BTreeMap<String, Info>,
    names: HashMap<u64, String>,
}

impl Registry {
    pub fn get(&self, name: &str) -> Option<&Info> {
        self.by_name.get(name)
    }

    /// The name of dict `id`, if this engine knows it.
    pub fn name_of(&self, id: u64) -> Option<&str> {
        self.names.get(&id).map(String::as_str)
    }

    pub fn mode_of(&self, id: u64) -> Option<DictMode> {
        self.name_of(id).and_then(|n| self.by_name.get(n)).map(|i| i.mode)
    }

    pub fn insert(&mut self, info: Info) {
        self.names.insert(info.id, info.name.clone());
        self.by_name.insert(info.name.clone(), info);
    }

    /// Forgets dict `id` (a dict whose collective creation failed after it was made).
    pub fn remove(&mut self, id: u64) {
        if let Some(name) = self.names.remove(&id) {
            self.by_name.remove(&name);
        }
    }

    /// Every dict name, in order.
    pub fn names(&self) -> Vec<String> {
        self.by_name.keys().cloned().collect()
    }

    pub fn infos(&self) -> impl Iterator<Item = &Info> {
        self.by_name.values()
    }

    pub fn clear(&mut self) {
        self.by_name.clear();
        self.names.clear();
    }

    /// The name `dd::new()` gives: the first of "dict1", "dict2", ... not taken.
    pub fn auto_name(&self) -> String {
        (1..).map(|i| format!("dict{i}")).find(|n| !self.by_name.contains_key(n)).expect("a free name")
    }
}

/// One engine's proposal for a new dict.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub name: String,
    pub mode: DictMode,
    /// Whether this engine already has a dict of that name.
    pub taken: bool,
    pub id: u64,
}

impl Proposal {
    pub fn to_value(&self) -> Value {
        Value::Array(vec![
            Value::Str(self.name.clone()),
            Value::Str(self.mode.name().into()),
            Value::Bool(self.taken),
            Value::Int(self.id as i64),
        ])
    }

    pub fn from_value(v: &Value) -> Option<Proposal> {
        match v {
            Value::Array(items) => match items.as_slice() {
                [Value::Str(name), Value::Str(mode), Value::Bool(taken), Value::Int(id)] => {
                    Some(Proposal { name: name.clone(), mode: parse_mode(mode).ok()?, taken: *taken, id: *id as u64 })
                }
                _ => None,
            },
            _ => None,
        }
    }
}

/// "mpmd" or "spmd".
pub fn parse_mode(s: &str) -> Result<DictMode, DictError> {
    match s {
        "mpmd" => Ok(DictMode::Mpmd),
        "spmd" => Ok(DictMode::Spmd),
        other => Err(DictError::Usage(format!("dd::new: mode must be \"mpmd\" or \"spmd\", not {other:?}"))),
    }
}

/// A fresh dict id: clock, process and counter, mixed.
pub fn fresh_id() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    let seed = nanos ^ ((std::process::id() as u64) << 40) ^ COUNTER.fetch_add(1, Ordering::Relaxed).rotate_left(20);
    // Not the key hash: any good mix will do, and 0 is kept for "no dict".
    let id = super::key::hash(&super::Key::Int(seed as i64));
    id.max(1)
}

/// The outcome of a creation, from every engine's proposal (in engine order).
pub fn decide(proposals: &[Proposal]) -> Result<Info, DictError> {
    let first = proposals.first().ok_or_else(|| DictError::Failed("dd::new: no engine took part".into()))?;
    if let Some((e, p)) = proposals.iter().enumerate().find(|(_, p)| p.name != first.name || p.mode != first.mode) {
        return Err(DictError::Usage(format!(
            "dd::new: engines disagree on the dict: engine 0 asked for '{}' ({}), engine {e} for '{}' ({})",
            first.name,
            first.mode.name(),
            p.name,
            p.mode.name()
        )));
    }
    let taken: Vec<usize> = proposals.iter().enumerate().filter(|(_, p)| p.taken).map(|(e, _)| e).collect();
    if taken.len() == proposals.len() {
        return Err(DictError::NameTaken { name: first.name.clone() });
    }
    if !taken.is_empty() {
        return Err(DictError::Usage(format!(
            "dd::new: a dict named '{}' already exists on engine {} (but not on the others, which were reset)",
            first.name,
            taken.iter().map(|e| e.to_string()).collect::<Vec<_>>().join(",")
        )));
    }
    Ok(Info { id: first.id, name: first.name.clone(), mode: first.mode })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(name: &str, mode: DictMode, taken: bool, id: u64) -> Proposal {
        Proposal { name: name.into(), mode, taken, id }
    }

    #[test]
    fn engines_agree_on_engine_zeros_id() {
        let ps = [p("w", DictMode::Spmd, false, 11), p("w", DictMode::Spmd, false, 22)];
        assert_eq!(decide(&ps).unwrap(), Info { id: 11, name: "w".into(), mode: DictMode::Spmd });
        for q in &ps {
            assert_eq!(Proposal::from_value(&q.to_value()).as_ref(), Some(q));
        }
    }

    #[test]
    fn taken_names_and_disagreements_are_errors() {
        let ps = [p("w", DictMode::Mpmd, true, 1), p("w", DictMode::Mpmd, true, 2)];
        assert_eq!(
            decide(&ps).unwrap_err().to_string(),
            "dd::new: a dict named 'w' already exists; dd::open(\"w\") gives a handle to it"
        );
        let ps = [p("w", DictMode::Mpmd, false, 1), p("v", DictMode::Mpmd, false, 2)];
        assert_eq!(
            decide(&ps).unwrap_err().to_string(),
            "dd::new: engines disagree on the dict: engine 0 asked for 'w' (mpmd), engine 1 for 'v' (mpmd)"
        );
        let ps = [p("w", DictMode::Mpmd, false, 1), p("w", DictMode::Mpmd, true, 2)];
        assert!(decide(&ps).unwrap_err().to_string().contains("already exists on engine 1"));
    }

    #[test]
    fn auto_names_skip_taken_ones_and_ids_differ() {
        let mut r = Registry::default();
        assert_eq!(r.auto_name(), "dict1");
        r.insert(Info { id: 5, name: "dict1".into(), mode: DictMode::Mpmd });
        assert_eq!(r.auto_name(), "dict2");
        assert_eq!(r.name_of(5), Some("dict1"));
        assert_eq!(r.mode_of(5), Some(DictMode::Mpmd));
        assert_ne!(fresh_id(), fresh_id());
        assert_eq!(
            parse_mode("SPMD").unwrap_err().to_string(),
            "dd::new: mode must be \"mpmd\" or \"spmd\", not \"SPMD\""
        );
    }
}
