//! How values read at the console: one line each, long arrays, maps and strings cut with
//! "…" and their length, and per-engine results tagged `[e]` with identical results from
//! several engines collapsed into one line (`[0-3] 42`).
//!
//! Only what is shown is rendered: a 10-million-element array costs as much as a short
//! one. Console values (`Dynamic`) and engine values (`protocol::Value`) follow the same
//! rules; a console value of a custom type shows as its `to_string`.

use crate::engine::collectives::engine_list;
use crate::protocol::Value;
use rhai::{Array, Dynamic, ImmutableString, Map};
use std::fmt::Write;

/// Arrays and maps longer than this are cut: the first `HEAD` items, "…", the last `TAIL`.
const LIMIT: usize = 12;
const HEAD: usize = 8;
const TAIL: usize = 2;
/// Strings longer than this many chars are cut.
const STR_LIMIT: usize = 200;
/// Nesting shown before "…".
const DEPTH: usize = 4;

fn seq<T>(out: &mut String, items: &[T], open: &str, close: &str, noun: &str, item: impl Fn(&mut String, &T)) {
    seq_at(out, items.len(), open, close, noun, |o, i| item(o, &items[i]));
}

/// [`seq`] over `n` items reached by index (a typed list renders only what is shown).
fn seq_at(out: &mut String, n: usize, open: &str, close: &str, noun: &str, item: impl Fn(&mut String, usize)) {
    out.push_str(open);
    let shown: Vec<usize> = if n > LIMIT { (0..HEAD).chain(n - TAIL..n).collect() } else { (0..n).collect() };
    for (k, &i) in shown.iter().enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        if n > LIMIT && k == HEAD {
            out.push_str("…, ");
        }
        item(out, i);
    }
    out.push_str(close);
    if n > LIMIT {
        let _ = write!(out, " ({n} {noun})");
    }
}

fn string(out: &mut String, s: &str) {
    let n = s.chars().count();
    if n > STR_LIMIT {
        let head: String = s.chars().take(STR_LIMIT).collect();
        let _ = write!(out, "{:?}… ({n} chars)", head);
    } else {
        let _ = write!(out, "{s:?}");
    }
}

fn value_into(out: &mut String, v: &Value, depth: usize) {
    match v {
        Value::Array(_) | Value::List(_) | Value::Map(_) if depth >= DEPTH => out.push('…'),
        Value::List(b) => seq_at(out, b.len(), "[", "]", "items", |o, i| {
            let _ = write!(o, "{}", crate::protocol::list_item(b, i));
        }),
        Value::Array(items) => seq(out, items, "[", "]", "items", |o, x| value_into(o, x, depth + 1)),
        Value::Map(entries) => seq(out, entries, "#{", "}", "entries", |o, (k, x)| {
            let _ = write!(o, "{k}: ");
            value_into(o, x, depth + 1);
        }),
        Value::Str(s) => string(out, s),
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

/// One engine value, as shown.
pub fn value(v: &Value) -> String {
    let mut s = String::new();
    value_into(&mut s, v, 0);
    s
}

fn dynamic_into(out: &mut String, d: &Dynamic, depth: usize) {
    if d.is_shared() {
        return dynamic_into(out, &d.flatten_clone(), depth);
    }
    if let Some(a) = d.read_lock::<crate::nd::NdArray>() {
        return out.push_str(&a.to_string());
    }
    if let Some(a) = d.read_lock::<Array>() {
        if depth >= DEPTH {
            return out.push('…');
        }
        return seq(out, &a, "[", "]", "items", |o, x| dynamic_into(o, x, depth + 1));
    }
    if let Some(m) = d.read_lock::<Map>() {
        if depth >= DEPTH {
            return out.push('…');
        }
        let entries: Vec<(&str, &Dynamic)> = m.iter().map(|(k, v)| (k.as_str(), v)).collect();
        return seq(out, &entries, "#{", "}", "entries", |o, (k, x)| {
            let _ = write!(o, "{k}: ");
            dynamic_into(o, x, depth + 1);
        });
    }
    if let Some(s) = d.read_lock::<ImmutableString>() {
        return string(out, &s);
    }
    if let Ok(c) = d.as_char() {
        let _ = write!(out, "{c:?}");
        return;
    }
    if d.is_unit() {
        return out.push_str("()");
    }
    if let Ok(x) = d.as_float() {
        let _ = write!(out, "{x:?}");
        return;
    }
    let text = d.to_string();
    let n = text.chars().count();
    if n > STR_LIMIT * 10 {
        out.extend(text.chars().take(STR_LIMIT * 10));
        let _ = write!(out, "… ({n} chars)");
    } else {
        out.push_str(&text);
    }
}

/// A console value, as shown.
pub fn dynamic(d: &Dynamic) -> String {
    let mut s = String::new();
    dynamic_into(&mut s, d, 0);
    s
}

/// Per-engine values grouped: identical values (compared exactly, not as shown) make one
/// group, in the order of their first engine. Each group: the engines (`0-3`, `0,2`)
/// and the value as shown.
pub fn grouped(engines: &[usize], values: &[Value]) -> Vec<(String, String)> {
    let mut groups: Vec<(Vec<usize>, &Value)> = Vec::new();
    for (&e, v) in engines.iter().zip(values) {
        match groups.iter_mut().find(|(_, g)| *g == v) {
            Some((es, _)) => es.push(e),
            None => groups.push((vec![e], v)),
        }
    }
    groups.into_iter().map(|(es, v)| (engine_list(&es), value(v))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(r: std::ops::Range<i64>) -> Value {
        Value::Array(r.map(Value::Int).collect())
    }

    #[test]
    fn long_arrays_maps_and_strings_are_cut_with_their_length() {
        assert_eq!(value(&ints(0..3)), "[0, 1, 2]");
        assert_eq!(value(&ints(0..1000)), "[0, 1, 2, 3, 4, 5, 6, 7, …, 998, 999] (1000 items)");
        let m = Value::Map((0..20).map(|i| (format!("k{i:02}"), Value::Int(i))).collect());
        assert_eq!(
            value(&m),
            "#{k00: 0, k01: 1, k02: 2, k03: 3, k04: 4, k05: 5, k06: 6, k07: 7, …, k18: 18, k19: 19} (20 entries)"
        );
        let s = value(&Value::Str("x".repeat(1000)));
        assert!(s.ends_with("\"… (1000 chars)") && s.len() < 220, "{s}");
        assert_eq!(value(&Value::Str("a\"b".into())), "\"a\\\"b\"");
        let nested = Value::Array(vec![Value::Array(vec![Value::Array(vec![Value::Array(vec![ints(0..2)])])])]);
        assert_eq!(value(&nested), "[[[[…]]]]");
        assert_eq!(value(&Value::Float(1.0)), "1.0");
    }

    #[test]
    fn typed_lists_show_as_the_arrays_they_stand_for() {
        use crate::protocol::Buffer;
        for n in [0, 3, 12, 13, 1000] {
            let floats: Vec<f64> = (0..n).map(|i| i as f64 * 0.5).collect();
            let general = Value::Array(floats.iter().map(|&x| Value::Float(x)).collect());
            assert_eq!(value(&Value::List(Buffer::F64(floats))), value(&general), "{n}");
            assert_eq!(value(&Value::List(Buffer::I64((0..n).collect()))), value(&ints(0..n)), "{n}");
        }
        assert_eq!(value(&Value::List(Buffer::Bool(vec![true, false]))), "[true, false]");
        let deep = Value::Array(vec![Value::Array(vec![Value::Array(vec![Value::Array(vec![Value::List(
            Buffer::I64(vec![1]),
        )])])])]);
        assert_eq!(value(&deep), "[[[[…]]]]");
    }

    #[test]
    fn console_values_follow_the_same_rules() {
        let a: Array = (0..100).map(Dynamic::from).collect();
        assert_eq!(dynamic(&Dynamic::from(a)), "[0, 1, 2, 3, 4, 5, 6, 7, …, 98, 99] (100 items)");
        assert_eq!(dynamic(&Dynamic::from("hi")), "\"hi\"");
        assert_eq!(dynamic(&Dynamic::from(2.5)), "2.5");
        assert_eq!(dynamic(&Dynamic::from('c')), "'c'");
        assert_eq!(dynamic(&Dynamic::from(true)), "true");
        assert_eq!(dynamic(&Dynamic::from(vec![Dynamic::UNIT])), "[()]");
    }

    #[test]
    fn identical_results_collapse() {
        let v = [Value::Int(42), Value::Int(42), Value::Int(42), Value::Int(42)];
        assert_eq!(grouped(&[0, 1, 2, 3], &v), vec![("0-3".to_string(), "42".to_string())]);
        let v = [Value::Int(1), Value::Int(2), Value::Int(1)];
        assert_eq!(
            grouped(&[0, 1, 2], &v),
            vec![("0,2".to_string(), "1".to_string()), ("1".to_string(), "2".to_string())]
        );
        let nan = [Value::Float(f64::NAN), Value::Float(f64::NAN)];
        assert_eq!(grouped(&[3, 5], &nan), vec![("3,5".to_string(), "NaN".to_string())]);
    }
}
