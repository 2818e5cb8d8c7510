//! Reading text: a chunk of whole lines parsed into `f64` rows ([`parse`]), the whole
//! file read by one process ([`load`]), and the shape NumPy gives the result
//! ([`squeeze`]).
//!
//! A field delimiter given (`","`, `";"`, `"\t"`...) is parsed with the `csv` crate's
//! byte records (no quoting, so a newline always ends a row); the default, any run of
//! whitespace, is split directly. Comments (`#` by default, several allowed) end a
//! line's data wherever they start; blank lines are skipped; a `\r` before the newline
//! is part of neither field nor number. Line numbers in the result are local to the
//! chunk (1-based), so the parallel reader can add the lines before it.

use crate::interrupt::{Interrupted, Meter};
use crate::io::error::IoError;

/// How to read a text file (NumPy's option names).
#[derive(Debug, Clone)]
pub struct ReadOpts {
    /// One field delimiter byte; `None`: any run of whitespace.
    pub delimiter: Option<u8>,
    /// Strings that start a comment (to the end of the line).
    pub comments: Vec<Vec<u8>>,
    /// Lines skipped at the start of the file (comment lines included, as NumPy).
    pub skiprows: usize,
    /// The columns kept, in order (negative: from the end of each row).
    pub usecols: Option<Vec<i64>>,
    /// At most this many data rows (the whole-file reader only).
    pub max_rows: Option<usize>,
    /// The fewest dimensions of the result (0, 1 or 2).
    pub ndmin: usize,
}

impl Default for ReadOpts {
    fn default() -> Self {
        ReadOpts {
            delimiter: None,
            comments: vec![b"#".to_vec()],
            skiprows: 0,
            usecols: None,
            max_rows: None,
            ndmin: 0,
        }
    }
}

/// A bad line of a chunk: its local line (1-based), column (1-based; 0: the line).
#[derive(Debug, Clone, PartialEq)]
pub struct LineError {
    pub line: usize,
    pub column: usize,
    pub reason: String,
}

impl LineError {
    /// The error with the chunk's line turned into the file's (`before` lines earlier).
    pub fn in_file(&self, path: &str, before: usize) -> IoError {
        IoError::Text { path: path.into(), line: self.line + before, column: self.column, reason: self.reason.clone() }
    }
}

/// What one chunk of lines held.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The rows' values, row-major.
    pub values: Vec<f64>,
    pub rows: usize,
    /// The columns of each row (of the first row; the others were checked against it).
    pub cols: Option<usize>,
    /// The local line of the first row.
    pub first_line: usize,
    /// The first bad line, after which nothing more was read.
    pub error: Option<LineError>,
}

/// The number of fields that `n` is, in words.
fn fields(n: usize) -> String {
    if n == 1 {
        "1 field".into()
    } else {
        format!("{n} fields")
    }
}

/// The message for a row of `found` fields after rows of `expected`.
pub fn fields_reason(found: usize, expected: usize) -> String {
    format!("{} where the rows before have {}", fields(found), expected)
}

/// One field's number, or why not.
fn number(field: &[u8]) -> Result<f64, String> {
    let t = field.trim_ascii();
    std::str::from_utf8(t)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .ok_or_else(|| format!("could not convert '{}' to float", String::from_utf8_lossy(t)))
}

/// The line without its comment (the earliest of the comment strings).
fn uncommented<'a>(line: &'a [u8], comments: &[Vec<u8>]) -> &'a [u8] {
    let mut end = line.len();
    for c in comments.iter().filter(|c| !c.is_empty()) {
        if let Some(i) = line.windows(c.len()).position(|w| w == c.as_slice()) {
            end = end.min(i);
        }
    }
    &line[..end]
}

/// Collects the rows of a chunk, checking each against the first.
struct Rows<'o> {
    opts: &'o ReadOpts,
    out: Parsed,
    limit: usize,
    meter: Meter,
    stopped: Option<Interrupted>,
}

impl Rows<'_> {
    /// Adds one row of `fields` found on local line `line`; false when reading stops.
    fn add(&mut self, line: usize, row: &[&[u8]]) -> bool {
        if self.out.rows >= self.limit {
            return false;
        }
        if let Err(e) = self.meter.tick(row.len()) {
            self.stopped = Some(e);
            return false;
        }
        let n = row.len();
        let fail = |out: &mut Parsed, column, reason| {
            out.error = Some(LineError { line, column, reason });
            false
        };
        let start = self.out.values.len();
        match &self.opts.usecols {
            Some(cols) => {
                for &c in cols {
                    let i = if c < 0 { c + n as i64 } else { c };
                    if i < 0 || i >= n as i64 {
                        let reason = format!("usecols asks for column {c}, and this row has {}", fields(n));
                        return fail(&mut self.out, 0, reason);
                    }
                    match number(row[i as usize]) {
                        Ok(v) => self.out.values.push(v),
                        Err(r) => return fail(&mut self.out, i as usize + 1, r),
                    }
                }
            }
            None => {
                if let Some(expected) = self.out.cols.filter(|&e| e != n) {
                    return fail(&mut self.out, 0, fields_reason(n, expected));
                }
                for (i, f) in row.iter().enumerate() {
                    match number(f) {
                        Ok(v) => self.out.values.push(v),
                        Err(r) => {
                            self.out.values.truncate(start);
                            return fail(&mut self.out, i + 1, r);
                        }
                    }
                }
            }
        }
        if self.out.rows == 0 {
            self.out.first_line = line;
            self.out.cols = Some(self.out.values.len() - start);
        }
        self.out.rows += 1;
        true
    }
}

/// An empty vector in `v`'s allocation, free to borrow from something else (the
/// element types are alike, so the collection happens in place).
fn reuse<'b>(mut v: Vec<&[u8]>) -> Vec<&'b [u8]> {
    v.clear();
    v.into_iter().map(|_| -> &'b [u8] { unreachable!("the vector is empty") }).collect()
}

/// Parses a chunk of whole lines (the last may lack its newline); fails only when the
/// request is interrupted (bad lines are [`Parsed::error`]).
pub fn parse(chunk: &[u8], opts: &ReadOpts) -> Result<Parsed, Interrupted> {
    let limit = opts.max_rows.unwrap_or(usize::MAX);
    let meter = Meter::new("a text file's parse");
    let mut rows = Rows { opts, out: Parsed::default(), limit, meter, stopped: None };
    match opts.delimiter {
        None => {
            let mut fs: Vec<&[u8]> = Vec::new();
            for (i, line) in chunk.split(|&b| b == b'\n').enumerate() {
                let data = uncommented(line, &opts.comments);
                fs.clear();
                fs.extend(data.split(|b| b.is_ascii_whitespace()).filter(|f| !f.is_empty()));
                if !fs.is_empty() && !rows.add(i + 1, &fs) {
                    break;
                }
            }
        }
        Some(d) => {
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(d)
                .has_headers(false)
                .flexible(true)
                .quoting(false)
                .from_reader(chunk);
            let mut rec = csv::ByteRecord::new();
            // The fields of the row, an allocation kept from row to row.
            let mut spare: Vec<&[u8]> = Vec::new();
            let comment_char = (opts.comments.len() == 1 && opts.comments[0].len() == 1).then(|| opts.comments[0][0]);
            loop {
                match reader.read_byte_record(&mut rec) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => {
                        let line = e.position().map_or(0, |p| p.line() as usize);
                        rows.out.error = Some(LineError { line, column: 0, reason: e.to_string() });
                        break;
                    }
                }
                let line = rec.position().map_or(0, |p| p.line() as usize);
                let mut fs = reuse(std::mem::take(&mut spare));
                // Most records hold no comment: one search of the record's bytes.
                let plain = comment_char.is_some_and(|c| !rec.as_slice().contains(&c));
                if plain {
                    fs.extend(rec.iter());
                }
                for f in rec.iter().take(if plain { 0 } else { usize::MAX }) {
                    // A comment ends the row's data, inside a field or at its start.
                    let cut = match comment_char {
                        Some(c) => f.iter().position(|&b| b == c),
                        None => {
                            let u = uncommented(f, &opts.comments);
                            (u.len() < f.len()).then_some(u.len())
                        }
                    };
                    match cut {
                        Some(i) => {
                            if !(i == 0 || f[..i].trim_ascii().is_empty()) || !fs.is_empty() {
                                fs.push(&f[..i]);
                            }
                            break;
                        }
                        None => fs.push(f),
                    }
                }
                // A blank line (or only spaces) holds no row.
                let blank = fs.len() == 1 && fs[0].trim_ascii().is_empty() || fs.is_empty();
                if !blank && !rows.add(line, &fs) {
                    break;
                }
                spare = reuse(fs);
            }
        }
    }
    match rows.stopped {
        Some(e) => Err(e),
        None => Ok(rows.out),
    }
}

/// The byte offset after the first `n` lines of `bytes` (its length if it has fewer).
pub fn after_lines(bytes: &[u8], n: usize) -> usize {
    let mut at = 0;
    for _ in 0..n {
        match bytes[at..].iter().position(|&b| b == b'\n') {
            Some(i) => at += i + 1,
            None => return bytes.len(),
        }
    }
    at
}

/// The shape NumPy's `loadtxt` gives `rows × cols` values with `ndmin`.
pub fn squeeze(rows: usize, cols: usize, ndmin: usize) -> Vec<usize> {
    let mut shape: Vec<usize> = [rows, cols].into_iter().filter(|&n| n != 1).collect();
    if ndmin >= 2 {
        return vec![rows, cols];
    }
    if shape.len() < ndmin {
        shape.insert(0, 1);
    }
    shape
}

/// Why a file holds no rows.
pub fn no_data(path: &str, len: u64) -> IoError {
    if len == 0 {
        IoError::format(path, "the file is empty: no rows to read")
    } else {
        IoError::format(path, "holds no data rows (only comments, blank or skipped lines)")
    }
}

/// Reads a whole text file (`np.loadtxt`): the values and their shape.
pub fn load(path: &str, opts: &ReadOpts) -> Result<(Vec<usize>, Vec<f64>), IoError> {
    let bytes = std::fs::read(path).map_err(|e| IoError::os(path, "open", &e))?;
    let start = after_lines(&bytes, opts.skiprows);
    let p = parse(&bytes[start..], opts).map_err(IoError::Interrupted)?;
    if let Some(e) = &p.error {
        return Err(e.in_file(path, opts.skiprows));
    }
    let cols = p.cols.filter(|_| p.rows > 0).ok_or_else(|| no_data(path, bytes.len() as u64))?;
    Ok((squeeze(p.rows, cols, opts.ndmin), p.values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_with_comments_and_delimiters() {
        let o = ReadOpts { delimiter: Some(b','), ..Default::default() };
        let p = parse(b"# h\n1,2\n\n3, 4 # c\n", &o).unwrap();
        assert_eq!((p.rows, p.cols, p.values.clone()), (2, Some(2), vec![1.0, 2.0, 3.0, 4.0]));
        let p = parse(b"1 2\n3  4\t5\n", &ReadOpts::default()).unwrap();
        assert_eq!(p.error.unwrap(), LineError { line: 2, column: 0, reason: fields_reason(3, 2) });
        let p = parse(b"1,2\n3,x\n", &o).unwrap();
        assert_eq!(p.error.unwrap().column, 2);
        assert_eq!(squeeze(1, 1, 0), Vec::<usize>::new());
        assert_eq!(squeeze(1, 3, 0), vec![3]);
        assert_eq!(squeeze(4, 1, 2), vec![4, 1]);
    }
}
