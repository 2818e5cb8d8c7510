//! One line of a JSON Lines dict file read back into a `(key, value)` pair: strict JSON
//! plus Python's `NaN`, `Infinity` and `-Infinity`.
//!
//! Numbers with a fraction or an exponent are floats, parsed from their text by Rust's
//! correctly rounded `f64` parser (so every float `write_float` wrote comes back with the
//! same bits); the others are integers, and one outside the 64-bit range is an error
//! rather than a rounded float. Objects become maps with their keys in order (a key
//! given twice: the last wins, as in Python). Strings are UTF-8; `\u` escapes may pair
//! surrogates, a lone surrogate is an error. Errors carry the byte offset in the line.

use crate::protocol::{DictKey as Key, Value};

/// How deeply arrays and maps may nest in one value.
pub const MAX_DEPTH: usize = 256;

/// What is wrong with a line, and where (`at`: byte offset in the line).
#[derive(Debug, Clone, PartialEq)]
pub struct LineError {
    pub at: usize,
    pub reason: String,
}

/// A line (without its newline) as a `[key, value]` pair.
pub fn parse(line: &str) -> Result<(Key, Value), LineError> {
    let mut p = Parser { s: line.as_bytes(), at: 0 };
    p.ws();
    let start = p.at;
    let v = p.value(0)?;
    p.ws();
    if p.at < p.s.len() {
        return Err(p.err("more text after the [key, value] pair"));
    }
    let Value::Array(mut pair) = v else {
        return Err(LineError { at: start, reason: format!("a line must be a [key, value] pair, not {}", kind(&v)) });
    };
    if pair.len() != 2 {
        return Err(LineError {
            at: start,
            reason: format!("a line must be a [key, value] pair, not an array of {} items", pair.len()),
        });
    }
    let value = pair.pop().expect("two items");
    let key = match pair.pop().expect("two items") {
        Value::Int(i) => Key::Int(i),
        Value::Str(s) => Key::Str(s),
        Value::Bool(b) => Key::Bool(b),
        other => {
            return Err(LineError {
                at: start + 1,
                reason: format!("a key must be an integer, a string or a boolean, not {}", kind(&other)),
            })
        }
    };
    Ok((key, value))
}

/// How a parsed value reads in a message.
fn kind(v: &Value) -> String {
    match v {
        Value::Unit => "null".into(),
        Value::Float(x) => format!("a float ({x})"),
        Value::Array(items) => format!("an array of {} items", items.len()),
        Value::Map(_) => "an object".into(),
        Value::Str(s) => format!("a string ({s:?})"),
        Value::Int(i) => format!("an integer ({i})"),
        Value::Bool(b) => format!("a boolean ({b})"),
        other => other.type_name().to_string(),
    }
}

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn err(&self, reason: impl Into<String>) -> LineError {
        LineError { at: self.at, reason: reason.into() }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.at += 1;
        }
    }

    fn word(&mut self, w: &str, v: Value) -> Result<Value, LineError> {
        if self.s[self.at..].starts_with(w.as_bytes()) {
            self.at += w.len();
            Ok(v)
        } else {
            Err(self.err("not JSON: expected a value"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, LineError> {
        if depth > MAX_DEPTH {
            return Err(self.err(format!("arrays or objects nested deeper than {MAX_DEPTH}")));
        }
        match self.peek() {
            None => Err(self.err("not JSON: the line ends where a value was expected")),
            Some(b'n') => self.word("null", Value::Unit),
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'N') => self.word("NaN", Value::Float(f64::NAN)),
            Some(b'I') => self.word("Infinity", Value::Float(f64::INFINITY)),
            Some(b'-') if self.s[self.at..].starts_with(b"-Infinity") => {
                self.word("-Infinity", Value::Float(f64::NEG_INFINITY))
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'"') => self.string().map(Value::Str),
            Some(b'[') => {
                self.at += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.at += 1;
                    return Ok(Value::Array(items));
                }
                loop {
                    self.ws();
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.at += 1,
                        Some(b']') => {
                            self.at += 1;
                            return Ok(Value::Array(items));
                        }
                        _ => return Err(self.err("not JSON: expected ',' or ']' in an array")),
                    }
                }
            }
            Some(b'{') => {
                self.at += 1;
                let mut entries: Vec<(String, Value)> = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.at += 1;
                    return Ok(Value::Map(entries));
                }
                loop {
                    self.ws();
                    if self.peek() != Some(b'"') {
                        return Err(self.err("not JSON: expected a string key in an object"));
                    }
                    let k = self.string()?;
                    self.ws();
                    if self.peek() != Some(b':') {
                        return Err(self.err("not JSON: expected ':' after an object's key"));
                    }
                    self.at += 1;
                    self.ws();
                    entries.push((k, self.value(depth + 1)?));
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.at += 1,
                        Some(b'}') => {
                            self.at += 1;
                            // Sorted, the last of equal keys kept (a stable sort keeps their order).
                            entries.sort_by(|a, b| a.0.cmp(&b.0));
                            let mut out: Vec<(String, Value)> = Vec::with_capacity(entries.len());
                            for e in entries {
                                match out.last_mut() {
                                    Some(last) if last.0 == e.0 => *last = e,
                                    _ => out.push(e),
                                }
                            }
                            return Ok(Value::Map(out));
                        }
                        _ => return Err(self.err("not JSON: expected ',' or '}' in an object")),
                    }
                }
            }
            Some(_) => Err(self.err("not JSON: expected a value")),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<Value, LineError> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        let int_start = self.at;
        let n = self.digits();
        if n == 0 {
            return Err(self.err("not JSON: expected digits"));
        }
        if n > 1 && self.s[int_start] == b'0' {
            return Err(LineError { at: int_start, reason: "not JSON: a number has a leading zero".into() });
        }
        let mut float = false;
        if self.peek() == Some(b'.') {
            self.at += 1;
            float = true;
            if self.digits() == 0 {
                return Err(self.err("not JSON: expected digits after '.'"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            float = true;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(self.err("not JSON: expected digits in the exponent"));
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.at]).expect("ASCII");
        if float {
            return text
                .parse::<f64>()
                .map(Value::Float)
                .map_err(|_| LineError { at: start, reason: format!("not a number: {text}") });
        }
        text.parse::<i64>().map(Value::Int).map_err(|_| LineError {
            at: start,
            reason: format!("the integer {text} is outside the 64-bit range (write it as a float: {text}.0)"),
        })
    }

    fn hex4(&mut self) -> Result<u32, LineError> {
        let h = self.s.get(self.at..self.at + 4).and_then(|h| std::str::from_utf8(h).ok());
        let v = h
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or_else(|| self.err("not JSON: \\u needs 4 hex digits"))?;
        self.at += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, LineError> {
        let open = self.at;
        self.at += 1;
        let mut out = String::new();
        loop {
            let run = self.at;
            while matches!(self.peek(), Some(c) if c != b'"' && c != b'\\' && c >= 0x20) {
                self.at += 1;
            }
            // The line is a &str and runs stop only at ASCII bytes: this is whole UTF-8.
            out.push_str(std::str::from_utf8(&self.s[run..self.at]).expect("UTF-8"));
            match self.peek() {
                None => return Err(LineError { at: open, reason: "not JSON: a string is not closed".into() }),
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    let c = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.at += 1;
                            let esc = self.at - 2;
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) && self.s[self.at..].starts_with(b"\\u") {
                                self.at += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(LineError {
                                        at: esc,
                                        reason: "a \\u escape is a lone surrogate".into(),
                                    });
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            out.push(
                                char::from_u32(code)
                                    .ok_or(LineError { at: esc, reason: "a \\u escape is a lone surrogate".into() })?,
                            );
                            continue;
                        }
                        _ => return Err(self.err("not JSON: an unknown escape in a string")),
                    };
                    self.at += 1;
                    out.push(c);
                }
                Some(_) => return Err(self.err("not JSON: a control character inside a string (write it as \\u00XX)")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(line: &str) -> LineError {
        parse(line).unwrap_err()
    }

    #[test]
    fn pairs_of_every_kind_parse() {
        assert_eq!(parse("[1, 2]").unwrap(), (Key::Int(1), Value::Int(2)));
        assert_eq!(parse(" [\"a\",1.0] ").unwrap(), (Key::Str("a".into()), Value::Float(1.0)));
        assert_eq!(parse("[true, null]").unwrap(), (Key::Bool(true), Value::Unit));
        let (_, v) = parse(r#"["k", {"b": [1, -2.5e-3, "x\u00e9\ud83d\ude00\n"], "a": {}, "b": 7}]"#).unwrap();
        assert_eq!(v, Value::Map(vec![("a".into(), Value::Map(vec![])), ("b".into(), Value::Int(7))]));
        let (_, v) = parse(r#"[0, [NaN, Infinity, -Infinity, -0, "\ud83d\ude00"]]"#).unwrap();
        let Value::Array(v) = v else { panic!() };
        assert!(matches!(v[0], Value::Float(x) if x.is_nan()));
        assert_eq!(v[1], Value::Float(f64::INFINITY));
        assert_eq!(v[2], Value::Float(f64::NEG_INFINITY));
        assert_eq!(v[3], Value::Int(0));
        assert_eq!(v[4], Value::Str("😀".into()));
    }

    #[test]
    fn bad_lines_say_what_and_where() {
        assert_eq!(bad("[1, 2").reason, "not JSON: expected ',' or ']' in an array");
        assert_eq!(bad("[1, 2").at, 5);
        assert_eq!(bad("{\"a\": 1}").reason, "a line must be a [key, value] pair, not an object");
        assert_eq!(bad("[1, 2, 3]").reason, "a line must be a [key, value] pair, not an array of 3 items");
        assert_eq!(bad("[1.5, 2]").reason, "a key must be an integer, a string or a boolean, not a float (1.5)");
        assert_eq!(bad("[null, 2]").reason, "a key must be an integer, a string or a boolean, not null");
        assert_eq!(bad("[1, 2] x").reason, "more text after the [key, value] pair");
        assert!(bad("[1, 99999999999999999999]").reason.contains("outside the 64-bit range"));
        assert!(bad("[1, 01]").reason.contains("leading zero"));
        assert!(bad("[1, \"a\tb\"]").reason.contains("control character"));
        assert!(bad("[1, \"\\ud800\"]").reason.contains("lone surrogate"));
        assert!(bad("[1, \"abc").reason.contains("not closed"));
        assert!(bad("[1, nul]").reason.contains("expected a value"));
        assert!(bad("").reason.contains("ends where a value"));
        let deep = format!("[1, {}{}]", "[".repeat(MAX_DEPTH + 2), "]".repeat(MAX_DEPTH + 2));
        assert!(bad(&deep).reason.contains("nested deeper"));
    }
}
