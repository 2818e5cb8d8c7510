//! Writing text as `np.savetxt` does: rows of formatted values between a header and a
//! footer (each line of them after the comment string), written atomically.

use super::format::Fmt;
use crate::io::error::IoError;

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
    crate::io::file::write_whole(path, &[text.as_bytes()])
}
