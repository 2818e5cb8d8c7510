//! The collective parts of a dict file, over DistArray's [`Comm`] (the request's
//! engines, all of them, in engine order).
//!
//! - [`save_parts`]: each engine's lines (its own keys, already encoded) go into one
//!   file. The engines first agree that every part could be encoded (the first failing
//!   engine's message for all, before the file is touched), then on the parts' lengths
//!   (an allgather: engine `r`'s part starts after the parts of engines `0..r`). Engine 0
//!   creates the temporary beside the target and sets its length; each engine writes
//!   its part at its offset; once all have written, engine 0 renames the temporary over
//!   the target, or removes it if anyone failed (an older file stays as it was).
//! - [`read_part`]: the file's bytes are cut into one range per engine; an engine's
//!   lines are those that start in its range (as `da::loadtxt` does), so each line is
//!   parsed by one engine. One allgather of the engines' line counts makes line numbers
//!   the file's; the first bad line of the file is every engine's error.
//! - [`find_duplicate`]: for the rare file that names a key twice, each key's line
//!   numbers travel to the key's owner (one exchange), which finds the key repeated
//!   earliest in the file.

use super::{parse, write_line, Unsayable};
use crate::distarray::sort::gather_ints;
use crate::distarray::{Comm, DaError};
use crate::distdict::key::{owner, show};
use crate::io::dist::{agree, on_root};
use crate::io::error::IoError;
use crate::io::file::{self, Atomic};
use crate::io::text::dist::next_line_start;
use crate::protocol::{DictKey as Key, Value};
use std::path::Path;

/// Encodes `items` (in their order) as lines; the first that cannot be said is the error.
pub fn encode(items: &[(Key, Value)]) -> Result<String, (Key, Unsayable)> {
    let mut out = String::with_capacity(items.len() * 16);
    for (k, v) in items {
        write_line(&mut out, k, v).map_err(|e| (k.clone(), e))?;
    }
    Ok(out)
}

/// Writes every engine's `part` (or its error) as one file at `path`, in rank order.
pub fn save_parts(comm: &mut dyn Comm, path: &str, part: Result<String, String>) -> Result<(), DaError> {
    let (part, mine) = match part {
        Ok(p) => (p, Ok(())),
        Err(e) => (String::new(), Err(e)),
    };
    agree(comm, "dict save: encode", mine)?;
    let lens = gather_ints(comm, "dict save: lengths", &[part.len() as i64])?;
    let rank = comm.rank();
    let offset: u64 = lens[..rank].iter().map(|l| l[0] as u64).sum();
    let total: u64 = lens.iter().map(|l| l[0] as u64).sum();
    let mut atomic = None;
    let as_str = |v: Value| if let Value::Str(s) = v { Some(s) } else { None };
    let create = || {
        let t = Atomic::create(path)?;
        t.set_len(total)?;
        let name = t.temp().to_string_lossy().into_owned();
        atomic = Some(t);
        Ok(name)
    };
    let temp = on_root(comm, "dict save: create", create, |t| Value::Str(t.clone()), as_str)?
        .ok_or_else(|| DaError::Comm("dict save: engine 0 sent no file name".into()))?;
    let mine = match (&atomic, part.is_empty()) {
        (_, true) => Ok(()),
        (Some(t), false) => t.write_at(part.as_bytes(), offset),
        (None, false) => {
            file::open_part(path, Path::new(&temp)).and_then(|f| file::write_all_at(path, &f, part.as_bytes(), offset))
        }
    };
    agree(comm, "dict save: write", mine.map_err(|e| e.to_string()))?;
    let done =
        on_root(comm, "dict save: rename", || atomic.map_or(Ok(()), Atomic::commit), |_| Value::Unit, |_| Some(()))?;
    done.ok_or_else(|| DaError::Comm("dict save: no answer from engine 0".into()))
}

/// One engine's pairs of the file, with each pair's line number in the file (1-based).
#[derive(Debug, Default)]
pub struct Part {
    pub pairs: Vec<(Key, Value)>,
    pub lines: Vec<u64>,
}

/// The first bad line of a part: its index in the part (0-based), column (1-based,
/// in characters), why.
type Bad = (u64, usize, String);

/// What one engine read: its part, how many lines its range held, its first bad line.
type Mine = (Part, u64, Option<Bad>);

/// Reads and parses this engine's lines: its byte range, lines by the start.
fn read_mine(path: &str, rank: usize, p: usize) -> Result<Mine, IoError> {
    if Path::new(path).is_dir() {
        return Err(IoError::invalid(path, "is a folder; give a file name"));
    }
    let f = file::open(path)?;
    let len = file::len(path, &f)?;
    let cut = |r: usize| (len as u128 * r as u128 / p as u128) as u64;
    let begin = if rank == 0 { 0 } else { next_line_start(path, &f, cut(rank), len)? };
    let end = if rank + 1 == p { len } else { next_line_start(path, &f, cut(rank + 1), len)? };
    let mut bytes = vec![0; end.saturating_sub(begin) as usize];
    file::read_exact_at(path, &f, &mut bytes, begin)?;
    let (mut pairs, mut lines) = (Vec::new(), Vec::new());
    let mut count = 0u64;
    let mut bad = None;
    let mut rest = &bytes[..];
    while !rest.is_empty() {
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        let index = count;
        count += 1;
        if bad.is_some() {
            continue;
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let text = match std::str::from_utf8(line) {
            Ok(t) => t,
            Err(e) => {
                let col = String::from_utf8_lossy(&line[..e.valid_up_to()]).chars().count() + 1;
                bad = Some((index, col, "not UTF-8 text".to_string()));
                continue;
            }
        };
        if text.trim().is_empty() {
            continue;
        }
        match parse(text) {
            Ok(pair) => {
                pairs.push(pair);
                lines.push(index);
            }
            Err(e) => bad = Some((index, text[..e.at.min(text.len())].chars().count() + 1, e.reason)),
        }
    }
    Ok((Part { pairs, lines }, count, bad))
}

/// This engine's part of the file at `path`; the first bad line in the file (or the
/// first engine's read error) is every engine's error.
pub fn read_part(comm: &mut dyn Comm, path: &str) -> Result<Part, DaError> {
    let (rank, p) = (comm.rank(), comm.size());
    let (mut part, count, bad) = match read_mine(path, rank, p) {
        Ok(x) => x,
        Err(e) => {
            let msg = e.to_string();
            return Err(agree(comm, "dict load: read", Err(msg.clone())).err().unwrap_or(DaError::Invalid(msg)));
        }
    };
    agree(comm, "dict load: read", Ok(()))?;
    let counts = gather_ints(comm, "dict load: lines", &[count as i64])?;
    let before: u64 = counts[..rank].iter().map(|c| c[0] as u64).sum();
    let mine = bad.map_or(Ok(()), |(i, column, reason)| {
        Err(IoError::Text { path: path.into(), line: (before + i + 1) as usize, column, reason }.to_string())
    });
    agree(comm, "dict load: parse", mine)?;
    part.lines.iter_mut().for_each(|l| *l += before + 1);
    Ok(part)
}

fn key_value(k: &Key) -> Value {
    match k {
        Key::Int(i) => Value::Int(*i),
        Key::Str(s) => Value::Str(s.clone()),
        Key::Bool(b) => Value::Bool(*b),
        Key::Char(c) => Value::Char(*c),
    }
}

fn value_key(v: Value) -> Option<Key> {
    match v {
        Value::Int(i) => Some(Key::Int(i)),
        Value::Str(s) => Some(Key::Str(s)),
        Value::Bool(b) => Some(Key::Bool(b)),
        Value::Char(c) => Some(Key::Char(c)),
        _ => None,
    }
}

/// The error for a file whose keys repeat: the repetition that comes first in the file
/// ("line 812: the key "apple" is already on line 3"), the same on every engine.
/// `keys` are this engine's keys of the file with their line numbers.
pub fn find_duplicate(comm: &mut dyn Comm, path: &str, keys: Vec<(Key, u64)>) -> Result<DaError, DaError> {
    let p = comm.size();
    let mut sends: Vec<Vec<Value>> = vec![Vec::new(); p];
    for (k, line) in keys {
        let o = owner(&k, p);
        sends[o].push(Value::Array(vec![key_value(&k), Value::Int(line as i64)]));
    }
    let all: Vec<usize> = (0..p).collect();
    let got =
        comm.exchange("dict load: duplicates", sends.into_iter().map(Value::Array).enumerate().collect(), &all)?;
    let mut mine: Vec<(Key, u64)> = Vec::new();
    for v in got {
        let Value::Array(items) = v else { continue };
        for item in items {
            if let Value::Array(mut kl) = item {
                if let (Some(Value::Int(line)), Some(k)) = (kl.pop(), kl.pop().and_then(value_key)) {
                    mine.push((k, line as u64));
                }
            }
        }
    }
    mine.sort_unstable();
    // (line of the repetition, line of the first, key) for the earliest repetition here.
    let first = mine
        .windows(2)
        .filter(|w| w[0].0 == w[1].0)
        .map(|w| (w[1].1, w[0].1, &w[0].0))
        .min_by_key(|(again, _, _)| *again);
    let text = first.map(|(_, _, k)| show(k)).unwrap_or_default();
    let (again, once) = first.map_or((0, 0), |(a, o, _)| (a as i64, o as i64));
    let all = comm
        .allgather("dict load: duplicate", Value::Array(vec![Value::Int(again), Value::Int(once), Value::Str(text)]))?;
    let mut best: Option<(i64, i64, String)> = None;
    for v in all {
        if let Value::Array(v) = v {
            if let [Value::Int(a), Value::Int(o), Value::Str(k)] = v.as_slice() {
                if *a > 0 && best.as_ref().is_none_or(|b| *a < b.0) {
                    best = Some((*a, *o, k.clone()));
                }
            }
        }
    }
    let (again, once, key) =
        best.ok_or_else(|| DaError::Comm(format!("{path}: keys repeat, but no engine found which")))?;
    Ok(DaError::Invalid(
        IoError::Text {
            path: path.into(),
            line: again as usize,
            column: 0,
            reason: format!("the key {key} is already on line {once} (a dict file holds each key once)"),
        }
        .to_string(),
    ))
}
