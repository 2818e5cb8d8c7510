//! The `.npy` header: `\x93NUMPY`, a version (1.0: 2-byte length; 2.0: 4-byte length;
//! 3.0: 4-byte length and a UTF-8 header), then a Python dict literal
//! `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }` padded with spaces
//! and a newline so that the data starts at a multiple of 64 bytes.
//!
//! [`Header::to_bytes`] writes exactly what NumPy (2.x) writes for a C-order array,
//! including the spare spaces it leaves so that the first extent can grow in place;
//! version 1.0 unless the header needs more than 65535 bytes. The parser reads any
//! dict NumPy writes (keys in any order, single or double quotes, trailing commas).

use super::elems::FileType;
use super::error::IoError;

/// The magic string every `.npy` file starts with.
pub const MAGIC: &[u8; 6] = b"\x93NUMPY";
/// Bytes of magic, version and the longest length field: enough to learn the header's size.
pub const PREFIX: usize = 12;

/// What a `.npy` header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub ftype: FileType,
    /// Elements stored column-major (NumPy's `fortran_order`).
    pub fortran: bool,
    pub shape: Vec<usize>,
    /// Where the data starts: the header's length in bytes.
    pub data_offset: u64,
}

impl Header {
    /// Number of elements.
    pub fn size(&self) -> u64 {
        self.shape.iter().map(|&n| n as u64).product()
    }

    /// Bytes of data the file must hold after the header.
    pub fn data_bytes(&self) -> u64 {
        self.size() * self.ftype.size as u64
    }

    /// The header NumPy writes for a C-order array of `ftype` and `shape`.
    pub fn to_bytes(ftype: FileType, shape: &[usize]) -> Vec<u8> {
        let dims: Vec<String> = shape.iter().map(|n| n.to_string()).collect();
        let tuple = match dims.len() {
            1 => format!("({},)", dims[0]),
            _ => format!("({})", dims.join(", ")),
        };
        let mut dict = format!("{{'descr': '{}', 'fortran_order': False, 'shape': {tuple}, }}", ftype.descr());
        // NumPy's room for the first extent to grow (GROWTH_AXIS_MAX_DIGITS = 21).
        if let Some(first) = dims.first() {
            dict.push_str(&" ".repeat(21usize.saturating_sub(first.len())));
        }
        let pad_for = |prefix: usize| 64 - (prefix + dict.len() + 1) % 64;
        let v1 = dict.len() + pad_for(10) < 65535;
        let prefix = if v1 { 10 } else { 12 };
        let pad = pad_for(prefix);
        let len = dict.len() + pad + 1;
        let mut out = Vec::with_capacity(prefix + len);
        out.extend_from_slice(MAGIC);
        if v1 {
            out.extend_from_slice(&[1, 0]);
            out.extend_from_slice(&(len as u16).to_le_bytes());
        } else {
            out.extend_from_slice(&[2, 0]);
            out.extend_from_slice(&(len as u32).to_le_bytes());
        }
        out.extend_from_slice(dict.as_bytes());
        out.resize(out.len() + pad, b' ');
        out.push(b'\n');
        out
    }
}

/// From the first bytes of a file (at least [`PREFIX`], or the whole file if shorter),
/// the total length of its header.
pub fn header_len(path: &str, prefix: &[u8]) -> Result<usize, IoError> {
    if prefix.len() < 10 || &prefix[..6] != MAGIC {
        return Err(IoError::format(path, "not a .npy file (it does not start with \\x93NUMPY)"));
    }
    match prefix[6] {
        1 => Ok(10 + u16::from_le_bytes([prefix[8], prefix[9]]) as usize),
        2 | 3 if prefix.len() >= 12 => Ok(12 + u32::from_le_bytes(prefix[8..12].try_into().expect("4 bytes")) as usize),
        2 | 3 => Err(IoError::format(path, "not a .npy file: its header is cut short")),
        v => Err(IoError::format(
            path,
            format!(
                "a .npy file of format version {v}.{}, which pshell does not read (1.0, 2.0 and 3.0 are read)",
                prefix[7]
            ),
        )),
    }
}

/// Parses a whole header (`bytes` is its [`header_len`] bytes).
pub fn parse(path: &str, bytes: &[u8]) -> Result<Header, IoError> {
    let start = if bytes[6] == 1 { 10 } else { 12 };
    let text =
        std::str::from_utf8(&bytes[start..]).map_err(|_| IoError::format(path, "the .npy header is not text"))?;
    let bad = |what: &str| IoError::format(path, format!("the .npy header is malformed ({what}): {}", text.trim_end()));
    let mut p = Parser { s: text.trim_end().as_bytes(), i: 0 };
    let dict = p.dict().map_err(|e| bad(&e))?;
    let mut descr = None;
    let mut fortran = None;
    let mut shape = None;
    for (key, value) in dict {
        match (key.as_str(), value) {
            ("descr", Lit::Str(s)) => descr = Some(s),
            ("descr", Lit::Other) => {
                return Err(IoError::Unsupported {
                    path: path.into(),
                    dtype: "structured".into(),
                    advice: "records with fields are not arrays of numbers; save each field as its own array".into(),
                })
            }
            ("fortran_order", Lit::Bool(b)) => fortran = Some(b),
            ("shape", Lit::Tuple(t)) => shape = Some(t),
            ("descr" | "fortran_order" | "shape", _) => return Err(bad(&format!("a wrong value for '{key}'"))),
            _ => {}
        }
    }
    let descr = descr.ok_or_else(|| bad("no 'descr'"))?;
    let ftype = FileType::parse(&descr).map_err(|advice| match advice {
        Some(advice) => IoError::Unsupported { path: path.into(), dtype: descr.clone(), advice: advice.into() },
        None => bad(&format!("the type string '{descr}'")),
    })?;
    Ok(Header {
        ftype,
        fortran: fortran.ok_or_else(|| bad("no 'fortran_order'"))?,
        shape: shape.ok_or_else(|| bad("no 'shape'"))?,
        data_offset: bytes.len() as u64,
    })
}

enum Lit {
    Str(String),
    Bool(bool),
    Tuple(Vec<usize>),
    Other,
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn skip(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!("expected '{}' at byte {}", c as char, self.i))
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.skip();
        let q = *self.s.get(self.i).ok_or("the text ends early")?;
        if q != b'\'' && q != b'"' {
            return Err(format!("expected a string at byte {}", self.i));
        }
        let from = self.i + 1;
        let len = self.s[from..].iter().position(|&c| c == q).ok_or("an unclosed string")?;
        self.i = from + len + 1;
        Ok(String::from_utf8_lossy(&self.s[from..from + len]).into_owned())
    }

    fn dict(&mut self) -> Result<Vec<(String, Lit)>, String> {
        self.expect(b'{')?;
        let mut out = Vec::new();
        loop {
            if self.eat(b'}') {
                return Ok(out);
            }
            let key = self.string()?;
            self.expect(b':')?;
            let value = self.value()?;
            out.push((key, value));
            if !self.eat(b',') {
                self.expect(b'}')?;
                return Ok(out);
            }
        }
    }

    fn value(&mut self) -> Result<Lit, String> {
        self.skip();
        let rest = &self.s[self.i..];
        if rest.starts_with(b"True") || rest.starts_with(b"False") {
            let t = rest[0] == b'T';
            self.i += if t { 4 } else { 5 };
            return Ok(Lit::Bool(t));
        }
        match rest.first() {
            Some(b'\'' | b'"') => self.string().map(Lit::Str),
            Some(b'(') => {
                self.i += 1;
                let mut dims = Vec::new();
                loop {
                    if self.eat(b')') {
                        return Ok(Lit::Tuple(dims));
                    }
                    self.skip();
                    let from = self.i;
                    while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
                        self.i += 1;
                    }
                    let n = std::str::from_utf8(&self.s[from..self.i]).expect("digits");
                    dims.push(n.parse().map_err(|_| format!("expected an extent at byte {from}"))?);
                    self.eat(b'L');
                    if !self.eat(b',') {
                        self.expect(b')')?;
                        return Ok(Lit::Tuple(dims));
                    }
                }
            }
            Some(b'[' | b'{') => {
                // A structured descr: skip the nested literal.
                let mut depth = 0;
                while self.i < self.s.len() {
                    match self.s[self.i] {
                        b'[' | b'{' | b'(' => depth += 1,
                        b']' | b'}' | b')' => depth -= 1,
                        _ => {}
                    }
                    self.i += 1;
                    if depth == 0 {
                        return Ok(Lit::Other);
                    }
                }
                Err("an unclosed list".into())
            }
            _ => Err(format!("an unknown value at byte {}", self.i)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nd::DType;

    #[test]
    fn headers_round_trip_and_are_aligned() {
        for shape in [vec![], vec![5], vec![3, 4], vec![2, 1, 7]] {
            let h = Header::to_bytes(FileType::of(DType::I32), &shape);
            assert_eq!(h.len() % 64, 0);
            assert_eq!(header_len("x", &h).unwrap(), h.len());
            let p = parse("x", &h).unwrap();
            assert_eq!((p.shape, p.fortran, p.ftype.dtype()), (shape, false, DType::I32));
        }
        let h = Header::to_bytes(FileType::of(DType::F64), &[3]);
        let text = std::str::from_utf8(&h[10..]).unwrap();
        assert!(text.starts_with("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }"), "{text}");
    }

    #[test]
    fn bad_headers_say_what_is_wrong() {
        assert!(header_len("a.npy", b"PK\x03\x04").unwrap_err().to_string().contains("a.npy: not a .npy file"));
        let mut h = Header::to_bytes(FileType::of(DType::F64), &[3]);
        h[6] = 4;
        assert!(header_len("a.npy", &h).unwrap_err().to_string().contains("version 4.0"));
        let dict = b"\x93NUMPY\x01\x00\x46\x00{'descr': '|O', 'fortran_order': False, 'shape': (2,), }          \n";
        let e = parse("o.npy", dict).unwrap_err().to_string();
        assert!(e.contains("dtype '|O'") && e.contains("object"), "{e}");
        let dict = b"\x93NUMPY\x01\x00\x30\x00{\"shape\": (2, 3,), \"fortran_order\": True, \"descr\": \">f4\"}\n";
        let p = parse("d.npy", dict).unwrap();
        assert!(p.fortran && p.ftype.big_endian && p.shape == [2, 3]);
        let dict = b"\x93NUMPY\x01\x00\x20\x00{'descr': '<f8', 'shape': (2,)}\n";
        assert!(parse("m.npy", dict).unwrap_err().to_string().contains("no 'fortran_order'"));
    }
}
