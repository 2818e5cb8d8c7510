//! Splitting values for `scatter` and joining engines' pieces for `gather`.
//!
//! This is the one place that decides what can be scattered and gathered, on the
//! console's side: [`split`] and [`join`] dispatch on the kind of [`Value`]. Today that is
//! a Rhai array, either kind (`Value::Array` of general values or `Value::List`, a typed
//! buffer of numbers), split into contiguous blocks whose sizes differ by at most one
//! (the larger blocks first) and joined by concatenation in the order given. Other kinds
//! (n-d arrays, travelling as typed buffers) get their own arm in each match.
//! General arrays are never copied element by element here: blocks are moved out of the
//! array and pieces are moved into the result. Typed lists are split and joined as typed
//! buffers, never expanded to a `Value` per element: the first block keeps the list's
//! storage and the others are copied out of it; a join grows the first piece's storage
//! (a large allocation grows by remapping, not copying) and appends the others. Only a
//! join of lists of different element types, or of lists with general arrays, expands
//! the lists, giving the same items a general join would.

use crate::protocol::{Buffer, Value};
use std::ops::Range;

/// Why a value cannot be scattered, or pieces cannot be gathered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DataError {
    /// `scatter` was given a value it cannot split.
    NotSplittable { type_name: String },
    /// The engines hold values of different types under the gathered name; each type
    /// with the engines that hold it.
    Mixed { name: String, groups: Vec<(String, Vec<usize>)> },
    /// Every engine holds a value that cannot be joined (not an array).
    NotJoinable { name: String, type_name: String },
}

impl std::fmt::Display for DataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DataError::NotSplittable { type_name } => {
                write!(f, "scatter needs an array to split, not a value of type {type_name}")
            }
            DataError::Mixed { name, groups } => {
                let parts: Vec<String> = groups
                    .iter()
                    .map(|(t, engines)| {
                        let s = if engines.len() == 1 { "" } else { "s" };
                        format!("{t} on engine{s} {}", crate::engine::collectives::engine_list(engines))
                    })
                    .collect();
                write!(f, "gather: '{name}' has different types on the engines: {}", parts.join(", "))
            }
            DataError::NotJoinable { name, type_name } => write!(
                f,
                "gather: '{name}' is not an array on any engine (it is {type_name}); gather joins arrays (pull reads any value)"
            ),
        }
    }
}

impl std::error::Error for DataError {}

/// `n` items in `parts` contiguous blocks whose sizes differ by at most one, larger first.
pub fn blocks(n: usize, parts: usize) -> Vec<Range<usize>> {
    assert!(parts > 0, "at least one part");
    let (base, extra) = (n / parts, n % parts);
    let mut start = 0;
    (0..parts)
        .map(|p| {
            let len = base + usize::from(p < extra);
            let r = start..start + len;
            start += len;
            r
        })
        .collect()
}

/// Splits `value` into `parts` blocks for `scatter`.
pub fn split(value: Value, parts: usize) -> Result<Vec<Value>, DataError> {
    match value {
        Value::Array(items) => {
            let mut it = items.into_iter();
            Ok(blocks(it.len(), parts).into_iter().map(|r| Value::Array(it.by_ref().take(r.len()).collect())).collect())
        }
        Value::List(b) => Ok(split_list(b, parts).into_iter().map(Value::List).collect()),
        other => Err(DataError::NotSplittable { type_name: other.type_name().into() }),
    }
}

/// A typed list in `parts` blocks: the first keeps `b`'s storage, the rest are copied.
fn split_list(b: Buffer, parts: usize) -> Vec<Buffer> {
    fn cut<T: Copy>(mut v: Vec<T>, parts: usize, wrap: fn(Vec<T>) -> Buffer) -> Vec<Buffer> {
        let ranges = blocks(v.len(), parts);
        let mut rest: Vec<Buffer> = ranges[1..].iter().map(|r| wrap(copy_of(&v[r.clone()]))).collect();
        v.truncate(ranges[0].end);
        rest.insert(0, wrap(v));
        rest
    }
    match b {
        Buffer::F64(v) => cut(v, parts, Buffer::F64),
        Buffer::I64(v) => cut(v, parts, Buffer::I64),
        Buffer::Bool(v) => cut(v, parts, Buffer::Bool),
        Buffer::F32(v) => cut(v, parts, Buffer::F32),
        Buffer::I32(v) => cut(v, parts, Buffer::I32),
        Buffer::C128(v) => cut(v, parts, Buffer::C128),
        Buffer::Shared(s) => split_list(s.to_buffer(), parts),
    }
}

/// A copy of `s` in fresh storage advised for huge pages before it is written.
fn copy_of<T: Copy>(s: &[T]) -> Vec<T> {
    let mut v = Vec::with_capacity(s.len());
    crate::memory::advise_capacity(&mut v);
    v.extend_from_slice(s);
    v
}

/// Joins the engines' pieces of `name` (engine, value), in the order given.
pub fn join(name: &str, pieces: Vec<(usize, Value)>) -> Result<Value, DataError> {
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (e, v) in &pieces {
        let t = v.type_name();
        match groups.iter_mut().find(|(g, _)| g == t) {
            Some((_, engines)) => engines.push(*e),
            None => groups.push((t.to_string(), vec![*e])),
        }
    }
    if groups.len() > 1 {
        return Err(DataError::Mixed { name: name.into(), groups });
    }
    match groups.first().map(|(t, _)| t.as_str()) {
        None => Ok(Value::Array(vec![])),
        Some("array") => {
            let pieces = match join_lists(pieces.into_iter().map(|(_, v)| v).collect()) {
                Ok(list) => return Ok(list),
                Err(pieces) => pieces,
            };
            let total = pieces.iter().filter_map(Value::items_len).sum();
            let mut out = Vec::with_capacity(total);
            for v in pieces {
                out.extend(v.into_items().unwrap_or_default());
            }
            Ok(Value::Array(out))
        }
        Some(t) => Err(DataError::NotJoinable { name: name.into(), type_name: t.into() }),
    }
}

/// Joins `pieces` as one typed list when every non-empty piece is a list of one element
/// type (empty pieces, of either kind, add nothing); gives the pieces back otherwise.
fn join_lists(pieces: Vec<Value>) -> Result<Value, Vec<Value>> {
    let mut kind = None;
    for v in &pieces {
        match v {
            Value::List(b) if b.is_empty() => {}
            Value::Array(a) if a.is_empty() => {}
            Value::List(b) if kind.is_none_or(|k| k == b.type_name()) => kind = Some(b.type_name()),
            _ => return Err(pieces),
        }
    }
    if kind.is_none() {
        return Err(pieces);
    }
    let mut lists = pieces.into_iter().filter_map(|v| match v {
        Value::List(Buffer::Shared(s)) if !s.is_empty() => Some(s.to_buffer()),
        Value::List(b) if !b.is_empty() => Some(b),
        _ => None,
    });
    let first = lists.next().expect("a non-empty list");
    let rest: Vec<Buffer> = lists.collect();
    Ok(Value::List(append(first, &rest)))
}

/// `first` with the elements of `rest` (all of `first`'s element type) appended.
fn append(first: Buffer, rest: &[Buffer]) -> Buffer {
    fn grow<T: Copy>(mut v: Vec<T>, rest: &[Buffer], get: fn(&Buffer) -> Option<&[T]>) -> Vec<T> {
        v.reserve_exact(rest.iter().map(Buffer::len).sum());
        crate::memory::advise_capacity(&mut v);
        for b in rest {
            v.extend_from_slice(get(b).expect("pieces of one element type, checked by join_lists"));
        }
        v
    }
    macro_rules! grow {
        ($v:expr, $variant:ident) => {
            Buffer::$variant(grow($v, rest, |b| match b {
                Buffer::$variant(x) => Some(x),
                _ => None,
            }))
        };
    }
    match first {
        Buffer::F64(v) => grow!(v, F64),
        Buffer::I64(v) => grow!(v, I64),
        Buffer::Bool(v) => grow!(v, Bool),
        Buffer::F32(v) => grow!(v, F32),
        Buffer::I32(v) => grow!(v, I32),
        Buffer::C128(v) => grow!(v, C128),
        Buffer::Shared(s) => append(s.to_buffer(), rest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(r: Range<i64>) -> Value {
        Value::Array(r.map(Value::Int).collect())
    }

    #[test]
    fn blocks_differ_by_at_most_one_and_cover_everything() {
        assert_eq!(blocks(10, 3), vec![0..4, 4..7, 7..10]);
        assert_eq!(blocks(2, 4), vec![0..1, 1..2, 2..2, 2..2]);
        assert_eq!(blocks(0, 2), vec![0..0, 0..0]);
        for n in 0..40 {
            for parts in 1..9 {
                let b = blocks(n, parts);
                assert_eq!(b.len(), parts);
                assert_eq!(b.last().unwrap().end, n);
                let lens: Vec<usize> = b.iter().map(|r| r.len()).collect();
                assert!(lens.iter().max().unwrap() - lens.iter().min().unwrap() <= 1, "{lens:?}");
                assert!(b.windows(2).all(|w| w[0].end == w[1].start));
            }
        }
    }

    #[test]
    fn split_then_join_gives_the_array_back() {
        let pieces = split(ints(0..11), 4).unwrap();
        assert_eq!(pieces, vec![ints(0..3), ints(3..6), ints(6..9), ints(9..11)]);
        let joined = join("x", pieces.into_iter().enumerate().collect()).unwrap();
        assert_eq!(joined, ints(0..11));
    }

    fn floats(r: Range<i64>) -> Value {
        Value::List(Buffer::F64(r.map(|i| i as f64).collect()))
    }

    #[test]
    fn typed_lists_split_into_typed_blocks_and_join_back() {
        let whole = floats(0..11);
        let Value::List(Buffer::F64(v)) = &whole else { unreachable!() };
        let ptr = v.as_ptr();
        let pieces = split(whole, 4).unwrap();
        assert_eq!(pieces, vec![floats(0..3), floats(3..6), floats(6..9), floats(9..11)]);
        assert!(matches!(&pieces[0], Value::List(Buffer::F64(v)) if v.as_ptr() == ptr), "the first block is moved");
        assert!(pieces.iter().all(|p| matches!(p, Value::List(Buffer::F64(_)))));
        let joined = join("x", pieces.into_iter().enumerate().collect()).unwrap();
        assert!(matches!(&joined, Value::List(Buffer::F64(v)) if v.len() == 11), "{joined:?}");
        assert_eq!(joined, floats(0..11));
        // More engines than items: empty blocks, which add nothing when joined.
        let pieces = split(Value::List(Buffer::I64(vec![7, 8])), 3).unwrap();
        assert_eq!(pieces[2], Value::List(Buffer::I64(vec![])));
        let with_empty = vec![(0, pieces[0].clone()), (1, Value::Array(vec![])), (2, pieces[1].clone())];
        assert_eq!(join("x", with_empty).unwrap(), Value::List(Buffer::I64(vec![7, 8])));
    }

    #[test]
    fn lists_mixed_with_other_arrays_join_item_by_item() {
        let ints = Value::List(Buffer::I64(vec![1, 2]));
        let general = Value::Array(vec![Value::Str("s".into()), Value::Float(0.5)]);
        let joined = join("x", vec![(0, floats(0..2)), (1, general.clone()), (2, ints.clone())]).unwrap();
        let expected = [floats(0..2), general, ints.clone()].into_iter().flat_map(|v| v.into_items().unwrap());
        assert_eq!(joined, Value::Array(expected.collect()));
        assert!(matches!(&joined, Value::Array(a) if a[0] == Value::Float(0.0) && a[4] == Value::Int(1)));
        // Floats and ints stay what they were.
        let joined = join("x", vec![(0, floats(0..1)), (1, ints)]).unwrap();
        assert_eq!(joined, Value::Array(vec![Value::Float(0.0), Value::Int(1), Value::Int(2)]));
        assert!(matches!(&joined, Value::Array(a) if matches!(a[0], Value::Float(_)) && matches!(a[1], Value::Int(_))));
        let mixed = vec![(0, floats(0..2)), (1, Value::Int(5))];
        assert_eq!(
            join("x", mixed).unwrap_err().to_string(),
            "gather: 'x' has different types on the engines: array on engine 0, i64 on engine 1"
        );
    }

    #[test]
    fn bad_input_is_named() {
        assert_eq!(
            split(Value::Int(3), 2).unwrap_err().to_string(),
            "scatter needs an array to split, not a value of type i64"
        );
        let mixed = vec![(0, ints(0..2)), (1, Value::Int(5)), (2, ints(0..1)), (3, Value::Str("s".into()))];
        assert_eq!(
            join("x", mixed).unwrap_err().to_string(),
            "gather: 'x' has different types on the engines: array on engines 0,2, i64 on engine 1, string on engine 3"
        );
        assert_eq!(
            join("n", vec![(0, Value::Int(1)), (1, Value::Int(2))]).unwrap_err().to_string(),
            "gather: 'n' is not an array on any engine (it is i64); gather joins arrays (pull reads any value)"
        );
    }
}
