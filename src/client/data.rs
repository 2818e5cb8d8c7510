//! Splitting values for `scatter` and joining engines' pieces for `gather`.
//!
//! This is the one place that decides what can be scattered and gathered, on the
//! console's side: [`split`] and [`join`] dispatch on the kind of [`Value`]. Today that is
//! a Rhai array (`Value::Array`), split into contiguous blocks whose sizes differ by at
//! most one (the larger blocks first) and joined by concatenation in the order given.
//! Other kinds (n-d arrays, travelling as typed buffers) get their own arm in each match.
//! Nothing here copies an element: blocks are moved out of the array and pieces are moved
//! into the result.

use crate::protocol::Value;
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
        other => Err(DataError::NotSplittable { type_name: other.type_name().into() }),
    }
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
            let total = pieces.iter().map(|(_, v)| if let Value::Array(a) = v { a.len() } else { 0 }).sum();
            let mut out = Vec::with_capacity(total);
            for (_, v) in pieces {
                if let Value::Array(a) = v {
                    out.extend(a);
                }
            }
            Ok(Value::Array(out))
        }
        Some(t) => Err(DataError::NotJoinable { name: name.into(), type_name: t.into() }),
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
