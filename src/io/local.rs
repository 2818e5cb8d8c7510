//! Whole arrays read and written by one process (the console, or one engine):
//! `.npy` files, raw binary and the bytes of an inflated `.npz` member, through the
//! same runs as a shard of one engine.

use super::elems::{FileType, Raw};
use super::error::IoError;
use super::file::{self, Atomic};
use super::npy::{self, Header};
use super::raw::RawSpec;
use super::runs::for_each_run;
use super::shard::{self, Source, Target};
use crate::dispatch_dtype;
use crate::distarray::{AxisDist, Distribution};
use crate::nd::{store, NdArray};
use std::fs::File;

/// Opens a `.npy` file and checks its header against its length.
pub fn open_npy(path: &str) -> Result<(File, Header), IoError> {
    let f = file::open(path)?;
    let total = file::len(path, &f)?;
    let mut prefix = vec![0; npy::PREFIX.min(total as usize)];
    file::read_exact_at(path, &f, &mut prefix, 0)?;
    let hlen = npy::header_len(path, &prefix)?;
    if hlen as u64 > total {
        return Err(IoError::format(path, format!("a .npy header of {hlen} bytes in a file of {total} bytes")));
    }
    let mut head = vec![0; hlen];
    file::read_exact_at(path, &f, &mut head, 0)?;
    let header = npy::parse(path, &head)?;
    let found = total - header.data_offset;
    if found < header.data_bytes() {
        return Err(IoError::Truncated { path: path.into(), expected: header.data_bytes(), found });
    }
    Ok((f, header))
}

/// What to say when reading `ftype` widens it, once per file.
pub fn widening_note(path: &str, ftype: FileType) -> Option<String> {
    ftype.widened().then(|| format!("note: {path} holds '{}' elements, read as {}", ftype.descr(), ftype.dtype()))
}

/// A whole-array layout on one engine (0-d arrays as one element).
fn whole(shape: &[usize]) -> Result<Distribution, IoError> {
    let s: Vec<usize> = if shape.is_empty() { vec![1] } else { shape.to_vec() };
    Distribution::new(&s, &vec![AxisDist::NotDistributed; s.len()], 1)
        .map_err(|e| IoError::invalid("array", e.to_string()))
}

/// Reads the shard of `rank` in `dist` from `src` (element type `src.ftype.dtype()`).
pub fn read_shard(src: &Source, dist: &Distribution, rank: usize) -> Result<NdArray, IoError> {
    let shape = dist.local_shape(rank).map_err(|e| IoError::invalid(src.path, e.to_string()))?;
    let n: usize = shape.iter().product();
    store::check_memory((n * src.ftype.dtype().size()) as u64)
        .map_err(|e| IoError::invalid(src.path, e.to_string()))?;
    fn typed<T: Raw>(
        src: &Source,
        dist: &Distribution,
        rank: usize,
        shape: &[usize],
        n: usize,
    ) -> Result<NdArray, IoError> {
        let mut v = store::zeroed::<T>(n);
        shard::read(src, dist, rank, &mut v)?;
        Ok(NdArray::from_vec(shape, v))
    }
    dispatch_dtype!(src.ftype.dtype(), T => typed::<T>(src, dist, rank, &shape, n))
}

/// Writes `a` (the shard of `rank` in `dist`) into a C-order file of the whole array.
pub fn write_shard(dst: &Target, dist: &Distribution, rank: usize, a: &NdArray) -> Result<(), IoError> {
    dispatch_dtype!(a.dtype(), T => shard::write::<T>(dst, dist, rank, a.as_slice::<T>().expect("its dtype")))
}

/// A whole array from a file of `shape` elements of `ftype` at `offset`.
pub fn read_whole(
    path: &str,
    f: &File,
    ftype: FileType,
    shape: &[usize],
    offset: u64,
    fortran: bool,
) -> Result<NdArray, IoError> {
    let dist = whole(shape)?;
    let src = Source { path, file: f, offset, ftype, fortran };
    let a = read_shard(&src, &dist, 0)?;
    if shape.is_empty() {
        return a.reshape(&[]).map_err(|e| IoError::invalid(path, e.to_string()));
    }
    Ok(a)
}

/// A whole array from the bytes of a `.npy` file in memory (`h` its parsed header,
/// the bytes checked to hold the data).
pub fn from_bytes(path: &str, bytes: &[u8], h: &Header) -> Result<NdArray, IoError> {
    let dist = whole(&h.shape)?;
    let data = &bytes[h.data_offset as usize..];
    let n = h.size() as usize;
    store::check_memory((n * h.ftype.dtype().size()) as u64).map_err(|e| IoError::invalid(path, e.to_string()))?;
    fn typed<T: Raw>(data: &[u8], h: &Header, dist: &Distribution, n: usize) -> NdArray {
        let mut v = store::zeroed::<T>(n);
        let es = h.ftype.size as u64;
        for_each_run(dist, 0, h.fortran, |r| {
            super::elems::decode(h.ftype, &data[(r.file * es) as usize..], (r.step * es) as usize, &mut v, r.at)
        });
        NdArray::from_vec(dist.shape(), v)
    }
    let a = dispatch_dtype!(h.ftype.dtype(), T => typed::<T>(data, h, &dist, n));
    if h.shape.is_empty() {
        return a.reshape(&[]).map_err(|e| IoError::invalid(path, e.to_string()));
    }
    Ok(a)
}

/// `nd::fromfile`: a raw binary file as `spec` says it is.
pub fn fromfile(path: &str, spec: &RawSpec) -> Result<NdArray, IoError> {
    let (f, h) = spec.check(path)?;
    read_whole(path, &f, h.ftype, &h.shape, h.data_offset, h.fortran)
}

/// `x.tofile(path)`: the elements alone, C order, little-endian (atomically).
pub fn tofile(path: &str, a: &NdArray) -> Result<(), IoError> {
    write_atomic(path, &[], a)
}

/// Reads a `.npy` file; the note says when its elements were widened.
pub fn load_npy(path: &str) -> Result<(NdArray, Option<String>), IoError> {
    let (f, h) = open_npy(path)?;
    let a = read_whole(path, &f, h.ftype, &h.shape, h.data_offset, h.fortran)?;
    Ok((a, widening_note(path, h.ftype)))
}

/// Writes `a` as a `.npy` file that NumPy reads (atomically).
pub fn save_npy(path: &str, a: &NdArray) -> Result<(), IoError> {
    let header = Header::to_bytes(FileType::of(a.dtype()), a.shape());
    write_atomic(path, &header, a)
}

/// Writes `a`'s elements in C order, little-endian, after `head` (atomically).
pub fn write_atomic(path: &str, head: &[u8], a: &NdArray) -> Result<(), IoError> {
    let out = Atomic::create(path)?;
    out.write_at(head, 0)?;
    out.set_len(head.len() as u64 + a.nbytes() as u64)?;
    let dist = whole(a.shape())?;
    let flat;
    let a = if a.shape().is_empty() {
        flat = a.reshape(&[1]).map_err(|e| IoError::invalid(path, e.to_string()))?;
        &flat
    } else {
        a
    };
    write_shard(&Target { path, file: out.file(), offset: head.len() as u64 }, &dist, 0, a)?;
    out.commit()
}
