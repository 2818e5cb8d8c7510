//! `da::loadtxt`: a numeric text file parsed in parallel into a block-distributed
//! DistArray.
//!
//! Engine 0 finds where the data starts (after `skiprows` lines) and every engine gets
//! that offset (or engine 0's error). The bytes from there to the end are cut into one
//! range per engine; an engine's lines are those that *start* in its range (engine
//! `r > 0` begins after the first newline at or past its range's start), so each line
//! is parsed by exactly one engine, and an engine whose range holds no line start has
//! no rows. Each engine reads only its lines (positioned reads) and parses them with
//! [`text::parse`](super::parse()). One allgather of the engines' line and row counts turns local line
//! numbers into the file's and checks that all engines found the same number of
//! columns; the first bad line in the file is every engine's error. The rows are then
//! moved to the standard block distribution.

use super::{fields_reason, LineError, ReadOpts};
use crate::distarray::sort::{block_rows_from_pieces, gather_ints};
use crate::distarray::{Comm, DaError, DistArray};
use crate::io::dist::{agree, on_root};
use crate::io::error::IoError;
use crate::io::{file, text};
use crate::protocol::Value;
use std::fs::File;

/// Bytes read at a time while looking for a newline.
const SCAN: usize = 64 << 10;

/// The offset where the line holding byte `at - 1` ends (the next line's start), at
/// most `len`.
pub(crate) fn next_line_start(path: &str, f: &File, at: u64, len: u64) -> Result<u64, IoError> {
    let mut pos = at.saturating_sub(1);
    let mut buf = vec![0; SCAN];
    while pos < len {
        let n = SCAN.min((len - pos) as usize);
        file::read_exact_at(path, f, &mut buf[..n], pos)?;
        if let Some(i) = buf[..n].iter().position(|&b| b == b'\n') {
            return Ok(pos + i as u64 + 1);
        }
        pos += n as u64;
    }
    Ok(len)
}

/// The offset after the first `n` lines of the file.
fn after_lines(path: &str, f: &File, n: usize, len: u64) -> Result<u64, IoError> {
    let mut at = 0;
    for _ in 0..n {
        if at >= len {
            break;
        }
        at = next_line_start(path, f, at + 1, len)?;
    }
    Ok(at)
}

/// One engine's part: its rows and what the others need to know of them.
struct Part {
    values: Vec<f64>,
    newlines: usize,
    parsed: text::Parsed,
}

fn read_part(path: &str, opts: &ReadOpts, start: u64, rank: usize, p: usize) -> Result<(Part, u64), IoError> {
    let f = file::open(path)?;
    let len = file::len(path, &f)?;
    let n = len - start.min(len);
    let cut = |r: usize| start + (n as u128 * r as u128 / p as u128) as u64;
    let begin = if rank == 0 { start } else { next_line_start(path, &f, cut(rank), len)? };
    let end = if rank + 1 == p { len } else { next_line_start(path, &f, cut(rank + 1), len)? };
    let mut bytes = vec![0; end.saturating_sub(begin) as usize];
    file::read_exact_at(path, &f, &mut bytes, begin)?;
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
    let mut parsed = text::parse(&bytes, opts).map_err(IoError::Interrupted)?;
    let values = std::mem::take(&mut parsed.values);
    Ok((Part { values, newlines, parsed }, len))
}

/// `da::loadtxt`: the file's rows, block-distributed (shape as `np.loadtxt` gives it).
pub fn loadtxt(comm: &mut dyn Comm, path: &str, opts: &ReadOpts) -> Result<DistArray, DaError> {
    let start = on_root(
        comm,
        "loadtxt: start",
        || {
            let f = file::open(path)?;
            let len = file::len(path, &f)?;
            after_lines(path, &f, opts.skiprows, len)
        },
        |&s| Value::Int(s as i64),
        |v| if let Value::Int(s) = v { Some(s as u64) } else { None },
    )?
    .ok_or_else(|| DaError::Comm("loadtxt: engine 0 sent no offset".into()))?;
    let (rank, p) = (comm.rank(), comm.size());
    let (part, len) = match read_part(path, opts, start, rank, p) {
        Ok(x) => x,
        Err(e) => {
            let msg = e.to_string();
            return Err(agree(comm, "loadtxt: read", Err(msg.clone())).err().unwrap_or(DaError::Invalid(msg)));
        }
    };
    agree(comm, "loadtxt: read", Ok(()))?;
    let pr = &part.parsed;
    let mine = [part.newlines as i64, pr.rows as i64, pr.cols.map_or(-1, |c| c as i64), pr.first_line as i64];
    let all = gather_ints(comm, "loadtxt: counts", &mine)?;
    let before = opts.skiprows + all[..rank].iter().map(|c| c[0] as usize).sum::<usize>();
    let expected = all.iter().find(|c| c[1] > 0).map(|c| c[2] as usize);
    let error = match (pr.cols, expected) {
        (Some(c), Some(e)) if pr.rows > 0 && c != e => {
            Some(LineError { line: pr.first_line, column: 0, reason: fields_reason(c, e) })
        }
        _ => pr.error.clone(),
    };
    agree(comm, "loadtxt: parse", error.map_or(Ok(()), |e| Err(e.in_file(path, before).to_string())))?;
    let rows: usize = all.iter().map(|c| c[1] as usize).sum();
    let cols = match expected {
        Some(c) if rows > 0 => c,
        _ => return Err(text::no_data(path, len).into()),
    };
    let shape = text::squeeze(rows, cols, opts.ndmin);
    let row: &[usize] = match shape.len() {
        0 => {
            return Err(IoError::invalid(
                path,
                "holds a single value, which is not distributed: read it with nd::loadtxt, or give #{ndmin: 1}",
            )
            .into())
        }
        1 => &[],
        _ => &shape[1..],
    };
    let group = comm.group().to_vec();
    block_rows_from_pieces(comm, group, "loadtxt: rows", part.values, row)
}
