//! Reading and writing one shard's [`Run`]s of a file.
//!
//! Reads: a run whose bytes already are the shard's elements (native type, contiguous
//! in file and shard) and at least [`CHUNK`] long is read straight into the shard's
//! memory with one positioned read. Other runs are coalesced: neighbours less than
//! [`GAP`] apart join one span read of at most [`CHUNK`] bytes, then each run is
//! converted out of the span (so a cyclic axis costs span reads, not one per element).
//! Writes: runs must be contiguous in the file (the caller arranges the layout so);
//! neighbours are joined into writes of up to [`CHUNK`] bytes, and big native runs are
//! written straight from the shard.

use super::elems::{bytes, decode, encode, FileType, Place, Raw};
use super::error::IoError;
use super::runs::{for_each_run, Run};
use crate::distarray::Distribution;
use std::fs::File;

/// The most bytes one coalesced read or write covers.
pub const CHUNK: usize = 4 << 20;
/// Runs closer than this many bytes are read in one span.
pub const GAP: u64 = 64 << 10;

/// A file holding a whole array: its path (for errors), data offset and element type.
pub struct Source<'a> {
    pub path: &'a str,
    pub file: &'a File,
    pub offset: u64,
    pub ftype: FileType,
    pub fortran: bool,
}

/// Fills `out` (the shard of `rank` in `dist`, row-major) from the file.
pub fn read<T: Raw>(src: &Source, dist: &Distribution, rank: usize, out: &mut [T]) -> Result<(), IoError> {
    let es = src.ftype.size as u64;
    let native = src.ftype.is_native();
    let mut pend: Vec<Run> = Vec::new();
    let (mut from, mut to) = (0u64, 0u64);
    let mut buf: Vec<u8> = Vec::new();
    let mut result = Ok(());
    let mut flush = |pend: &mut Vec<Run>, from: u64, to: u64, out: &mut [T]| -> Result<(), IoError> {
        if pend.is_empty() {
            return Ok(());
        }
        buf.resize(((to - from) * es) as usize, 0);
        super::file::read_exact_at(src.path, src.file, &mut buf, src.offset + from * es)?;
        for r in pend.drain(..) {
            decode(src.ftype, &buf[((r.file - from) * es) as usize..], (r.step * es) as usize, out, r.at);
        }
        Ok(())
    };
    let per_span = (CHUNK as u64 / es).max(1);
    for_each_run(dist, rank, src.fortran, |r| {
        if result.is_err() {
            return;
        }
        if native && r.step == 1 && r.at.stride == 1 && r.at.len as u64 * es >= CHUNK as u64 {
            result = flush(&mut pend, from, to, out).and_then(|_| {
                let dst = T::bytes_mut(&mut out[r.at.start..r.at.start + r.at.len]).expect("native types are plain");
                super::file::read_exact_at(src.path, src.file, dst, src.offset + r.file * es)
            });
            return;
        }
        // Pieces of at most a span each.
        let most = ((per_span - 1) / r.step + 1) as usize;
        let mut done = 0;
        while done < r.at.len && result.is_ok() {
            let len = most.min(r.at.len - done);
            let piece = Run {
                file: r.file + done as u64 * r.step,
                step: r.step,
                at: Place { start: r.at.start + done * r.at.stride, stride: r.at.stride, len },
            };
            done += len;
            let end = piece.file + piece.span();
            if !pend.is_empty() && ((end - from) > per_span || (piece.file - to) * es > GAP) {
                result = flush(&mut pend, from, to, out);
            }
            if pend.is_empty() {
                from = piece.file;
            }
            to = end;
            pend.push(piece);
        }
    });
    result?;
    flush(&mut pend, from, to, out)
}

/// Where a shard is written: a file, its path for errors, the data offset.
pub struct Target<'a> {
    pub path: &'a str,
    pub file: &'a File,
    pub offset: u64,
}

/// Writes `data` (the shard of `rank` in `dist`) at its places of a C-order file of
/// the whole array, little-endian.
pub fn write<T: Raw>(dst: &Target, dist: &Distribution, rank: usize, data: &[T]) -> Result<(), IoError> {
    let es = T::DTYPE.size() as u64;
    let mut buf: Vec<u8> = Vec::new();
    let mut at = 0u64; // file element where `buf` starts
    let mut result = Ok(());
    let flush = |buf: &mut Vec<u8>, at: u64| -> Result<(), IoError> {
        if !buf.is_empty() {
            super::file::write_all_at(dst.path, dst.file, buf, dst.offset + at * es)?;
            buf.clear();
        }
        Ok(())
    };
    for_each_run(dist, rank, false, |r| {
        if result.is_err() {
            return;
        }
        let big = r.step == 1 && r.at.stride == 1 && r.at.len as u64 * es >= CHUNK as u64;
        if big && cfg!(target_endian = "little") {
            result = flush(&mut buf, at).and_then(|_| {
                let src = bytes(&data[r.at.start..r.at.start + r.at.len]);
                super::file::write_all_at(dst.path, dst.file, src, dst.offset + r.file * es)
            });
            return;
        }
        // A run with gaps in the file is written element by element (callers avoid it).
        let (count, len) = if r.step == 1 { (1, r.at.len) } else { (r.at.len, 1) };
        for i in 0..count {
            let file = r.file + i as u64 * r.step;
            let contiguous = at + buf.len() as u64 / es == file;
            if !buf.is_empty() && (!contiguous || buf.len() + len * es as usize > CHUNK) {
                if let Err(e) = flush(&mut buf, at) {
                    result = Err(e);
                    return;
                }
            }
            if buf.is_empty() {
                at = file;
            }
            encode(data, Place { start: r.at.start + i * r.at.stride, stride: r.at.stride, len }, &mut buf);
        }
    });
    result?;
    flush(&mut buf, at)
}
