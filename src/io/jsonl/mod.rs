//! JSON Lines files of a DistDict: one `[key, value]` pair a line, as Python's `json`
//! writes and reads them.
//!
//! - [`write_line`] — a pair as one line: keys are integers, strings and booleans;
//!   values are `()` (`null`), booleans, integers, floats, strings, arrays and maps,
//!   nested. The bytes are those of Python's `json.dumps([k, v], ensure_ascii=False)`
//!   for the same pair (separators `", "` and `": "`, map keys in order): floats in
//!   Python's `repr` (shortest digits that read back to the same bits, `1.0` never `1`,
//!   `1e+16` from 16 digits on), `NaN`, `Infinity` and `-Infinity` as Python writes
//!   them. What JSON cannot say faithfully — characters (JSON would read them back as
//!   strings), blobs, NdArrays, function pointers — is [`Unsayable`], naming what and
//!   where.
//! - [`parse`] — a line back into a pair: a strict JSON reader of its own, because the
//!   floats must come back bit for bit (Rust's correctly rounded `f64` parsing of the
//!   number's text) and Python's `NaN`/`Infinity` must be read; integers stay integers
//!   (`1` is an int, `1.0` a float); nesting is bounded ([`MAX_DEPTH`]).
//! - [`dist`] — the collective parts over DistArray's [`Comm`](crate::distarray::Comm):
//!   each engine's lines joined into one file written atomically, and each engine's
//!   byte range of a file parsed with line numbers made global.
//!
//! The DistDict side (which keys an engine holds, creating the dict, writing pairs to
//! their owners) is `bindings::distdict::file`'s; this module knows no dicts, only keys
//! and values.

pub mod dist;
mod parse;

pub use parse::{parse, LineError, MAX_DEPTH};

use crate::protocol::{Buffer, DictKey as Key, Value};
use std::fmt::Write as _;

/// A value a JSON Lines file cannot hold: `what` it is ("a blob"), `at` where inside the
/// value ("" for the value itself, else a path like `[2].x`), and `advice`.
#[derive(Debug, Clone, PartialEq)]
pub struct Unsayable {
    pub what: String,
    pub at: String,
    pub advice: &'static str,
}

impl Unsayable {
    fn new(what: impl Into<String>, at: &str, advice: &'static str) -> Unsayable {
        Unsayable { what: what.into(), at: at.to_string(), advice }
    }
}

impl std::fmt::Display for Unsayable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.at.is_empty() {
            true => write!(f, "it is {}, which JSON cannot hold faithfully: {}", self.what, self.advice),
            false => {
                write!(f, "it holds {} at {}, which JSON cannot hold faithfully: {}", self.what, self.at, self.advice)
            }
        }
    }
}

/// Appends `[key, value]\n` to `out`; on error `out` is as it was.
pub fn write_line(out: &mut String, key: &Key, value: &Value) -> Result<(), Unsayable> {
    let start = out.len();
    let r = (|| {
        out.push('[');
        match key {
            Key::Int(i) => write!(out, "{i}").expect("to a String"),
            Key::Str(s) => write_str(out, s),
            Key::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Key::Char(c) => {
                return Err(Unsayable::new(
                    format!("a character key ('{c}')"),
                    "",
                    "JSON would read it back as a string; use string keys",
                ))
            }
        }
        out.push_str(", ");
        write_value(out, value, &mut String::new(), 0)?;
        out.push_str("]\n");
        Ok(())
    })();
    if r.is_err() {
        out.truncate(start);
    }
    r
}

fn write_value(out: &mut String, v: &Value, at: &mut String, depth: usize) -> Result<(), Unsayable> {
    if depth > MAX_DEPTH {
        return Err(Unsayable::new(format!("arrays or maps nested deeper than {MAX_DEPTH}"), at, "flatten it"));
    }
    match v {
        Value::Unit => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => write!(out, "{i}").expect("to a String"),
        Value::Float(x) => write_float(out, *x),
        Value::Str(s) => write_str(out, s),
        Value::Char(c) => {
            return Err(Unsayable::new(
                format!("a character ('{c}')"),
                at,
                "JSON would read it back as a string; make it one with to_string()",
            ))
        }
        Value::Blob(_) => {
            return Err(Unsayable::new("a blob", at, "JSON has no bytes; convert it to an array of integers"))
        }
        Value::FnPtr { name, .. } => {
            return Err(Unsayable::new(format!("a function pointer (Fn(\"{name}\"))"), at, "functions are not data"))
        }
        Value::NdArray { shape, .. } => {
            return Err(Unsayable::new(
                format!("an NdArray of shape {shape:?}"),
                at,
                "save arrays with x.save(path) (.npy), or store x.to_array()",
            ))
        }
        Value::List(buf) => write_list(out, buf, at)?,
        Value::Array(items) => joined(out, ('[', ']'), items.iter().enumerate(), |out, (i, item)| {
            write_inside(out, item, at, format_args!("[{i}]"), depth)
        })?,
        Value::Map(entries) => joined(out, ('{', '}'), entries, |out, (k, item)| {
            write_str(out, k);
            out.push_str(": ");
            write_inside(out, item, at, format_args!(".{k}"), depth)
        })?,
    }
    Ok(())
}

/// [`write_value`] of an element of a container, with `step` added to the path `at`
/// for the length of the call.
fn write_inside(
    out: &mut String,
    item: &Value,
    at: &mut String,
    step: std::fmt::Arguments,
    depth: usize,
) -> Result<(), Unsayable> {
    let len = at.len();
    at.write_fmt(step).expect("to a String");
    write_value(out, item, at, depth + 1)?;
    at.truncate(len);
    Ok(())
}

/// `items` written by `f` between `open` and `close`, separated by ", " (Python's way).
fn joined<T, E>(
    out: &mut String,
    (open, close): (char, char),
    items: impl IntoIterator<Item = T>,
    mut f: impl FnMut(&mut String, T) -> Result<(), E>,
) -> Result<(), E> {
    out.push(open);
    for (i, x) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        f(out, x)?;
    }
    out.push(close);
    Ok(())
}

fn write_list(out: &mut String, buf: &Buffer, at: &str) -> Result<(), Unsayable> {
    fn each<T>(out: &mut String, xs: &[T], mut f: impl FnMut(&mut String, &T)) {
        let never: Result<(), std::convert::Infallible> = joined(out, ('[', ']'), xs, |o, x| {
            f(o, x);
            Ok(())
        });
        let Ok(()) = never;
    }
    match buf {
        Buffer::F64(xs) => each(out, xs, |o, &x| write_float(o, x)),
        Buffer::I64(xs) => each(out, xs, |o, x| write!(o, "{x}").expect("to a String")),
        Buffer::Bool(xs) => each(out, xs, |o, &b| o.push_str(if b { "true" } else { "false" })),
        Buffer::F32(xs) => each(out, xs, |o, &x| write_float(o, x as f64)),
        Buffer::I32(xs) => each(out, xs, |o, x| write!(o, "{x}").expect("to a String")),
        Buffer::C128(_) => return Err(Unsayable::new("complex numbers", at, "store their real and imaginary parts")),
        Buffer::Shared(s) => return write_list(out, &s.to_buffer(), at),
    }
    Ok(())
}

/// A float as Python's `repr` writes it: the shortest digits that read back to `x`,
/// positional from 1e-4 up to 1e16 (with `.0` when whole), else `d.ddde±XX`.
pub fn write_float(out: &mut String, x: f64) {
    if x.is_nan() {
        return out.push_str("NaN");
    }
    if x.is_infinite() {
        return out.push_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
    }
    if x == 0.0 {
        return out.push_str(if x.is_sign_negative() { "-0.0" } else { "0.0" });
    }
    // `{:e}`: the shortest round-trip digits as `d.ddde-X` (Rust's exponent, no sign for +).
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').expect("an exponent");
    let exp: i32 = exp.parse().expect("an integer exponent");
    if (-4..16).contains(&exp) {
        let s = format!("{x}");
        out.push_str(&s);
        if !s.contains('.') {
            out.push_str(".0");
        }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        write!(out, "{mantissa}e{sign}{:02}", exp.abs()).expect("to a String");
    }
}

/// A string as JSON, escaping as Python's `json.dumps(..., ensure_ascii=False)` does.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => write!(out, "\\u{:04x}", c as u32).expect("to a String"),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(k: Key, v: Value) -> String {
        let mut s = String::new();
        write_line(&mut s, &k, &v).unwrap();
        s
    }

    #[test]
    fn floats_read_as_pythons_repr() {
        let cases = [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-300, "1.5e-300"),
            (f64::MAX, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (-0.0, "-0.0"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (x, want) in cases {
            let mut s = String::new();
            write_float(&mut s, x);
            assert_eq!(s, want);
        }
    }

    #[test]
    fn lines_are_pythons_json_dumps() {
        let v = Value::Map(vec![
            ("a".into(), Value::Array(vec![Value::Int(1), Value::Float(2.0), Value::Unit])),
            ("b\"".into(), Value::Str("x\ny\u{1}é".into())),
        ]);
        assert_eq!(line(Key::Str("k".into()), v), "[\"k\", {\"a\": [1, 2.0, null], \"b\\\"\": \"x\\ny\\u0001é\"}]\n");
        assert_eq!(line(Key::Int(-3), Value::List(Buffer::F64(vec![1.0, 0.5]))), "[-3, [1.0, 0.5]]\n");
        assert_eq!(line(Key::Bool(true), Value::Bool(false)), "[true, false]\n");
    }

    #[test]
    fn unsayable_values_name_what_and_where_and_leave_nothing() {
        let mut s = "before\n".to_string();
        let v = Value::Array(vec![Value::Int(1), Value::Map(vec![("x".into(), Value::Blob(vec![1]))])]);
        let e = write_line(&mut s, &Key::Int(1), &v).unwrap_err();
        assert_eq!(s, "before\n");
        assert_eq!(e.to_string(), "it holds a blob at [1].x, which JSON cannot hold faithfully: JSON has no bytes; convert it to an array of integers");
        let e = write_line(&mut s, &Key::Char('c'), &Value::Unit).unwrap_err();
        assert!(e.to_string().starts_with("it is a character key ('c')"), "{e}");
    }

    #[test]
    fn every_line_reads_back_bit_for_bit() {
        let floats = [0.1, 1.0 / 3.0, 1e300, -1e-310, 2f64.powi(60), f64::MIN_POSITIVE, 9007199254740993.0, -0.0];
        let v = Value::Array(floats.iter().map(|&x| Value::Float(x)).collect());
        let s = line(Key::Int(i64::MIN), v.clone());
        let (k, back) = parse(s.trim_end()).unwrap();
        assert_eq!(k, Key::Int(i64::MIN));
        let Value::Array(items) = back else { panic!("{back:?}") };
        for (x, item) in floats.iter().zip(items) {
            let Value::Float(y) = item else { panic!("{item:?}") };
            assert_eq!(x.to_bits(), y.to_bits());
        }
    }
}
