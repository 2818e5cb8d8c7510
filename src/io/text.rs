//! Numeric text files as NumPy's `loadtxt`/`savetxt` read and write them: the parsing
//! of a byte range of lines into `f64` rows, the shape NumPy gives the result, and the
//! printf-style formatting of rows.
//!
//! - **Reading**: [`parse`] turns a chunk of whole lines into row-major values. A field
//!   delimiter given (`","`, `";"`...) is parsed with the `csv` crate's byte records
//!   (no quoting, so a newline always ends a row); the default, any run of whitespace,
//!   is split directly. Comments (`#` by default, several allowed) end a line's data
//!   wherever they start; blank lines are skipped. Line numbers in the result are
//!   local to the chunk (1-based), so the parallel reader can add the lines before it.
//! - **Shape**: [`squeeze`] gives NumPy's result shape for `rows × cols` and `ndmin`.
//! - **Writing**: [`Fmt`] is the printf subset NumPy users write (`%.18e`, `%.6f`,
//!   `%g`, `%d`, with flags and width), and [`format_rows`] writes rows as
//!   `np.savetxt` does, byte for byte for those conversions.

use super::error::IoError;

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
}

impl Rows<'_> {
    /// Adds one row of `fields` found on local line `line`; false when reading stops.
    fn add(&mut self, line: usize, row: &[&[u8]]) -> bool {
        if self.out.rows >= self.limit {
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

/// Parses a chunk of whole lines (the last may lack its newline).
pub fn parse(chunk: &[u8], opts: &ReadOpts) -> Parsed {
    let limit = opts.max_rows.unwrap_or(usize::MAX);
    let mut rows = Rows { opts, out: Parsed::default(), limit };
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
                let mut fs: Vec<&[u8]> = Vec::new();
                for f in rec.iter() {
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
                if fs.len() == 1 && fs[0].trim_ascii().is_empty() || fs.is_empty() {
                    continue;
                }
                if !rows.add(line, &fs) {
                    break;
                }
            }
        }
    }
    rows.out
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
    let p = parse(&bytes[start..], opts);
    if let Some(e) = &p.error {
        return Err(e.in_file(path, opts.skiprows));
    }
    let cols = p.cols.filter(|_| p.rows > 0).ok_or_else(|| no_data(path, bytes.len() as u64))?;
    Ok((squeeze(p.rows, cols, opts.ndmin), p.values))
}

/// One printf conversion: `%[flags][width][.precision]conv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
    conv: u8,
}

/// A row or field format: literal text around conversions.
#[derive(Debug, Clone, PartialEq)]
pub struct Fmt {
    /// `literal[i]` comes before `specs[i]`; the last literal after the last spec.
    literal: Vec<String>,
    specs: Vec<Spec>,
}

impl Fmt {
    /// Parses a printf-style format (`%%` is a literal `%`).
    pub fn parse(s: &str) -> Result<Fmt, String> {
        let b = s.as_bytes();
        let (mut literal, mut specs, mut cur) = (Vec::new(), Vec::new(), String::new());
        let mut i = 0;
        while i < b.len() {
            if b[i] != b'%' {
                let ch = s[i..].chars().next().expect("in the string");
                cur.push(ch);
                i += ch.len_utf8();
                continue;
            }
            if b.get(i + 1) == Some(&b'%') {
                cur.push('%');
                i += 2;
                continue;
            }
            let at = i;
            i += 1;
            let mut spec =
                Spec { left: false, plus: false, space: false, zero: false, width: 0, precision: None, conv: 0 };
            while let Some(&c) = b.get(i) {
                match c {
                    b'-' => spec.left = true,
                    b'+' => spec.plus = true,
                    b' ' => spec.space = true,
                    b'0' => spec.zero = true,
                    _ => break,
                }
                i += 1;
            }
            let digits = |i: &mut usize| {
                let s = *i;
                while b.get(*i).is_some_and(u8::is_ascii_digit) {
                    *i += 1;
                }
                std::str::from_utf8(&b[s..*i]).ok().and_then(|d| d.parse::<usize>().ok())
            };
            spec.width = digits(&mut i).unwrap_or(0);
            if b.get(i) == Some(&b'.') {
                i += 1;
                spec.precision = Some(digits(&mut i).unwrap_or(0));
            }
            match b.get(i) {
                Some(&c) if b"eEfFgGdi".contains(&c) => spec.conv = c,
                _ => {
                    return Err(format!(
                        "fmt '{s}': '{}' is not a conversion pshell writes (use %e, %f, %g or %d, as in \"%.6e\")",
                        &s[at..(i + 1).min(s.len())]
                    ))
                }
            }
            i += 1;
            literal.push(std::mem::take(&mut cur));
            specs.push(spec);
        }
        literal.push(cur);
        Ok(Fmt { literal, specs })
    }

    /// How many values one use of this format writes.
    pub fn arity(&self) -> usize {
        self.specs.len()
    }

    /// Writes `values` (as many as [`Fmt::arity`]) into `out`.
    pub fn write(&self, out: &mut String, values: &[f64]) -> Result<(), String> {
        for (i, spec) in self.specs.iter().enumerate() {
            out.push_str(&self.literal[i]);
            spec.write(out, values[i])?;
        }
        out.push_str(self.literal.last().expect("one more literal than specs"));
        Ok(())
    }
}

/// `m` with its exponent as C writes it: `1.5e+00`, `2e-300`.
fn c_exp(x: f64, prec: usize, upper: bool) -> String {
    let s = format!("{:.*e}", prec, x);
    let (mant, exp) = s.split_once('e').expect("an exponent");
    let e: i32 = exp.parse().expect("an integer exponent");
    let sign = if e < 0 { '-' } else { '+' };
    let out = format!("{mant}e{sign}{:02}", e.abs());
    if upper {
        out.to_uppercase()
    } else {
        out
    }
}

/// Removes trailing zeros of a fraction (and a bare point), keeping any exponent.
fn strip_zeros(s: &str) -> String {
    let (num, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    if !num.contains('.') {
        return s.to_string();
    }
    let t = num.trim_end_matches('0').trim_end_matches('.');
    format!("{t}{exp}")
}

impl Spec {
    fn write(&self, out: &mut String, x: f64) -> Result<(), String> {
        let upper = self.conv.is_ascii_uppercase();
        let body = if !x.is_finite() {
            if self.conv == b'd' || self.conv == b'i' {
                return Err(format!("cannot write {x} with %{}: it is not an integer", self.conv as char));
            }
            let s = if x.is_nan() { "nan" } else { "inf" };
            if upper {
                s.to_uppercase()
            } else {
                s.to_string()
            }
        } else {
            let a = x.abs();
            match self.conv {
                b'e' | b'E' => c_exp(a, self.precision.unwrap_or(6), upper),
                b'f' | b'F' => format!("{:.*}", self.precision.unwrap_or(6), a),
                b'g' | b'G' => {
                    let p = self.precision.unwrap_or(6).max(1);
                    let e = if a == 0.0 {
                        0
                    } else {
                        let s = c_exp(a, p - 1, false);
                        s[s.find('e').expect("an exponent") + 1..].parse::<i32>().expect("an exponent")
                    };
                    let s = if e < -4 || e >= p as i32 {
                        c_exp(a, p - 1, upper)
                    } else {
                        format!("{:.*}", (p as i32 - 1 - e) as usize, a)
                    };
                    strip_zeros(&s)
                }
                _ => format!("{}", a.trunc() as i128),
            }
        };
        // The sign: a negative value, or the + / space flags.
        let negative = x.is_sign_negative() && !(x == 0.0 && (self.conv == b'd' || self.conv == b'i'));
        let negative = negative && !x.is_nan();
        let sign = if negative {
            "-"
        } else if self.plus {
            "+"
        } else if self.space {
            " "
        } else {
            ""
        };
        let len = sign.len() + body.len();
        let pad = self.width.saturating_sub(len);
        if self.left {
            out.push_str(sign);
            out.push_str(&body);
            out.extend(std::iter::repeat_n(' ', pad));
        } else if self.zero && x.is_finite() {
            out.push_str(sign);
            out.extend(std::iter::repeat_n('0', pad));
            out.push_str(&body);
        } else {
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(sign);
            out.push_str(&body);
        }
        Ok(())
    }
}

/// How to write a text file (NumPy's `savetxt` options).
#[derive(Debug, Clone)]
pub struct WriteOpts {
    /// One format for every column (arity 1), one per column, or one whole-row format.
    pub fmt: Vec<Fmt>,
    pub delimiter: String,
    pub newline: String,
    pub header: String,
    pub footer: String,
    pub comments: String,
}

impl Default for WriteOpts {
    fn default() -> Self {
        WriteOpts {
            fmt: vec![Fmt::parse("%.18e").expect("a valid format")],
            delimiter: " ".into(),
            newline: "\n".into(),
            header: String::new(),
            footer: String::new(),
            comments: "# ".into(),
        }
    }
}

/// The text `np.savetxt` writes for `rows × cols` values (row-major).
pub fn format_rows(path: &str, values: &[f64], cols: usize, o: &WriteOpts) -> Result<String, IoError> {
    let bad = |r: String| IoError::invalid(path, r);
    // One format per column, or one for the whole row.
    let whole_row = match o.fmt.as_slice() {
        [f] if f.arity() == 1 => None,
        [f] if f.arity() == cols => Some(f),
        [f] => return Err(bad(format!("fmt has {} conversions for {cols} columns", f.arity()))),
        fs => {
            if fs.len() != cols {
                return Err(bad(format!("fmt is a list of {} formats for {cols} columns", fs.len())));
            }
            if let Some(f) = fs.iter().find(|f| f.arity() != 1) {
                return Err(bad(format!("each format of the fmt list converts one value, not {}", f.arity())));
            }
            None
        }
    };
    let mut out = String::with_capacity(values.len() * 26);
    let comment = |out: &mut String, text: &str| {
        out.push_str(&o.comments);
        out.push_str(&text.replace('\n', &format!("\n{}", o.comments)));
        out.push_str(&o.newline);
    };
    if !o.header.is_empty() {
        comment(&mut out, &o.header);
    }
    if cols > 0 {
        for row in values.chunks(cols) {
            match whole_row {
                Some(f) => f.write(&mut out, row).map_err(bad)?,
                None => {
                    for (j, v) in row.iter().enumerate() {
                        if j > 0 {
                            out.push_str(&o.delimiter);
                        }
                        let f = if o.fmt.len() == 1 { &o.fmt[0] } else { &o.fmt[j] };
                        f.write(&mut out, std::slice::from_ref(v)).map_err(bad)?;
                    }
                }
            }
            out.push_str(&o.newline);
        }
    }
    if !o.footer.is_empty() {
        comment(&mut out, &o.footer);
    }
    Ok(out)
}

/// Writes `values` of `shape` (1-d: one value a line; 2-d: rows) atomically.
pub fn save(path: &str, shape: &[usize], values: &[f64], o: &WriteOpts) -> Result<(), IoError> {
    let cols = match shape {
        [_] => 1,
        [_, c] => *c,
        _ => {
            return Err(IoError::invalid(
                path,
                format!("savetxt writes 1-d or 2-d arrays, and this one is {}-d", shape.len()),
            ))
        }
    };
    let text = format_rows(path, values, cols, o)?;
    super::file::write_whole(path, &[text.as_bytes()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(fmt: &str, x: f64) -> String {
        let mut s = String::new();
        Fmt::parse(fmt).unwrap().write(&mut s, &[x]).unwrap();
        s
    }

    #[test]
    fn printf_conversions_write_as_c() {
        assert_eq!(f("%.18e", 1.5), "1.500000000000000000e+00");
        assert_eq!(f("%.3e", -1234.5), "-1.234e+03");
        assert_eq!(f("%.2e", 1e-300), "1.00e-300");
        assert_eq!(f("%g", 0.0001), "0.0001");
        assert_eq!(f("%g", 0.00001), "1e-05");
        assert_eq!(f("%g", 123456789.0), "1.23457e+08");
        assert_eq!(f("%g", 100.0), "100");
        assert_eq!(f("%.3g", 2.5), "2.5");
        assert_eq!(f("%d", -7.9), "-7");
        assert_eq!(f("%5d", 42.0), "   42");
        assert_eq!(f("%-6.1f|", 2.25), "2.2   |");
        assert_eq!(f("%+08.2f", 2.5), "+0002.50");
        assert_eq!(f("%.2f", f64::NAN), "nan");
        assert_eq!(f("%.2e", f64::NEG_INFINITY), "-inf");
        assert!(Fmt::parse("%s").is_err());
    }

    #[test]
    fn lines_parse_with_comments_and_delimiters() {
        let o = ReadOpts { delimiter: Some(b','), ..Default::default() };
        let p = parse(b"# h\n1,2\n\n3, 4 # c\n", &o);
        assert_eq!((p.rows, p.cols, p.values.clone()), (2, Some(2), vec![1.0, 2.0, 3.0, 4.0]));
        let p = parse(b"1 2\n3  4\t5\n", &ReadOpts::default());
        assert_eq!(p.error.unwrap(), LineError { line: 2, column: 0, reason: fields_reason(3, 2) });
        let p = parse(b"1,2\n3,x\n", &o);
        assert_eq!(p.error.unwrap().column, 2);
        assert_eq!(squeeze(1, 1, 0), Vec::<usize>::new());
        assert_eq!(squeeze(1, 3, 0), vec![3]);
        assert_eq!(squeeze(4, 1, 2), vec![4, 1]);
    }
}
