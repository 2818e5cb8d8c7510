//! `.npz` archives: zip files of `.npy` members, as `np.savez` (members stored) and
//! `np.savez_compressed` (members deflated) write them. The `zip` crate reads and
//! writes the archive; the members' `.npy` headers and elements go through `npy` and
//! `elems` like any `.npy` file.
//!
//! A member is named as NumPy names it, without its `.npy` suffix. A stored member's
//! `.npy` bytes lie as they are inside the archive, so [`Member::Stored`] gives its
//! header with `data_offset` counted from the start of the archive file, and the
//! readers of whole files and of shards read it in place with positioned reads. A
//! deflated member must be inflated from its start: [`inflate`] gives its whole bytes.

use super::elems::FileType;
use super::error::IoError;
use super::file::{self, Atomic};
use super::local;
use super::npy::{self, Header};
use crate::nd::NdArray;
use std::fs::File;
use std::io::{Read, Write};
use zip::result::ZipError;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// An open archive.
pub struct Archive {
    path: String,
    zip: ZipArchive<File>,
    /// The same file, for positioned reads of stored members.
    file: File,
}

/// Where a member's array is.
pub enum Member {
    /// Stored: read in place (`data_offset` counts from the archive's first byte).
    Stored(Header),
    /// Deflated: the member's index, to [`inflate`].
    Deflated(usize),
}

fn zip_error(path: &str, action: &'static str, e: ZipError) -> IoError {
    match e {
        ZipError::Io(e) => IoError::os(path, action, &e),
        ZipError::InvalidArchive(why) => IoError::format(path, format!("not a .npz archive ({why})")),
        ZipError::UnsupportedArchive(why) => {
            IoError::format(path, format!("a zip archive pshell does not read: {why}"))
        }
        other => IoError::format(path, format!("a damaged .npz archive: {other}")),
    }
}

/// A member's name as the user sees it: without `.npy`.
fn short(name: &str) -> &str {
    name.strip_suffix(".npy").unwrap_or(name)
}

impl Archive {
    pub fn open(path: &str) -> Result<Archive, IoError> {
        let f = file::open(path)?;
        let again = f.try_clone().map_err(|e| IoError::os(path, "open", &e))?;
        let zip = ZipArchive::new(again).map_err(|e| zip_error(path, "read", e))?;
        Ok(Archive { path: path.to_string(), zip, file: f })
    }

    /// The members' names (without `.npy`), in the archive's order.
    pub fn names(&self) -> Vec<String> {
        (0..self.zip.len()).filter_map(|i| self.zip.name_for_index(i)).map(|n| short(n).to_string()).collect()
    }

    /// The index of member `name` (given with or without `.npy`), or an error listing
    /// the names there are.
    pub fn index(&self, name: &str) -> Result<usize, IoError> {
        let found = self.zip.index_for_name(&format!("{name}.npy")).or_else(|| self.zip.index_for_name(name));
        found.ok_or_else(|| {
            let names = self.names();
            let list = if names.is_empty() { "none".to_string() } else { names.join(", ") };
            IoError::invalid(&self.path, format!("no member named '{name}': the archive holds {list}"))
        })
    }

    /// How to read member `i`, its header checked against its size.
    pub fn member(&mut self, i: usize) -> Result<Member, IoError> {
        let path = self.path.clone();
        let m = self.zip.by_index(i).map_err(|e| zip_error(&path, "read", e))?;
        let label = format!("{path}, member {}", m.name());
        match m.compression() {
            CompressionMethod::Stored => {}
            CompressionMethod::Deflated => return Ok(Member::Deflated(i)),
            other => {
                return Err(IoError::format(
                    &label,
                    format!("compressed with {other}, which pshell does not read (stored and deflate are read)"),
                ))
            }
        }
        let (start, size) = (m.data_start(), m.size());
        drop(m);
        let f = &self.file;
        let mut prefix = vec![0; npy::PREFIX.min(size as usize)];
        file::read_exact_at(&label, f, &mut prefix, start)?;
        let hlen = npy::header_len(&label, &prefix)?;
        if hlen as u64 > size {
            return Err(IoError::format(&label, format!("a .npy header of {hlen} bytes in a member of {size} bytes")));
        }
        let mut head = vec![0; hlen];
        file::read_exact_at(&label, f, &mut head, start)?;
        let mut h = npy::parse(&label, &head)?;
        check_size(&label, &h, size)?;
        h.data_offset += start;
        Ok(Member::Stored(h))
    }

    /// The archive file, for positioned reads of stored members.
    pub fn file(&self) -> &File {
        &self.file
    }

    /// The whole `.npy` bytes of member `i`, inflated, and their header.
    pub fn inflate(&mut self, i: usize) -> Result<(Header, Vec<u8>), IoError> {
        let path = self.path.clone();
        let mut m = self.zip.by_index(i).map_err(|e| zip_error(&path, "read", e))?;
        let label = format!("{path}, member {}", m.name());
        let size = m.size();
        crate::nd::store::check_memory(size).map_err(|e| IoError::invalid(&label, e.to_string()))?;
        let mut bytes = Vec::with_capacity(size as usize);
        m.read_to_end(&mut bytes).map_err(|e| IoError::format(&label, format!("cannot inflate: {e}")))?;
        let hlen = npy::header_len(&label, &bytes[..npy::PREFIX.min(bytes.len())])?;
        if hlen > bytes.len() {
            return Err(IoError::format(&label, format!("a .npy header of {hlen} bytes in a member of {size} bytes")));
        }
        let h = npy::parse(&label, &bytes[..hlen])?;
        check_size(&label, &h, bytes.len() as u64)?;
        Ok((h, bytes))
    }

    /// Member `i` as a whole array, and its element type in the file.
    pub fn read(&mut self, i: usize) -> Result<(NdArray, FileType), IoError> {
        let label = self.label(i);
        match self.member(i)? {
            Member::Stored(h) => {
                let a = local::read_whole(&label, &self.file, h.ftype, &h.shape, h.data_offset, h.fortran)?;
                Ok((a, h.ftype))
            }
            Member::Deflated(i) => {
                let (h, bytes) = self.inflate(i)?;
                Ok((local::from_bytes(&label, &bytes, &h)?, h.ftype))
            }
        }
    }

    /// The label of member `i` in messages: "data.npz, member a.npy".
    pub fn label(&self, i: usize) -> String {
        format!("{}, member {}", self.path, self.zip.name_for_index(i).unwrap_or("?"))
    }
}

/// An archive's members, by name, in its order.
pub type Members = Vec<(String, NdArray)>;

/// `nd::load_npz`: every member in the archive's order, and the notes of those widened.
pub fn load_all(path: &str) -> Result<(Members, Vec<String>), IoError> {
    let mut archive = Archive::open(path)?;
    let (mut out, mut notes) = (Vec::new(), Vec::new());
    for (i, name) in archive.names().into_iter().enumerate() {
        let (a, ftype) = archive.read(i)?;
        notes.extend(local::widening_note(&archive.label(i), ftype));
        out.push((name, a));
    }
    Ok((out, notes))
}

fn check_size(label: &str, h: &Header, size: u64) -> Result<(), IoError> {
    let found = size.saturating_sub(h.data_offset);
    if found < h.data_bytes() {
        return Err(IoError::Truncated { path: label.into(), expected: h.data_bytes(), found });
    }
    Ok(())
}

/// Writes `members` (name, array) as a `.npz` that `np.load` reads: each member the
/// exact `.npy` bytes NumPy writes, stored or deflated (atomically).
pub fn save(path: &str, members: &Members, compress: bool) -> Result<(), IoError> {
    let out = Atomic::create(path)?;
    let werr = |e: ZipError| zip_error(path, "write", e);
    let ioerr = |e: std::io::Error| IoError::os(path, "write", &e);
    {
        let mut zip = ZipWriter::new(std::io::BufWriter::with_capacity(1 << 20, out.file()));
        for (name, a) in members {
            let head = Header::to_bytes(FileType::of(a.dtype()), a.shape());
            let size = head.len() as u64 + a.nbytes() as u64;
            let method = if compress { CompressionMethod::Deflated } else { CompressionMethod::Stored };
            let opts =
                zip::write::SimpleFileOptions::default().compression_method(method).large_file(size >= u32::MAX as u64);
            zip.start_file(format!("{name}.npy"), opts).map_err(werr)?;
            zip.write_all(&head).map_err(ioerr)?;
            write_elements(&mut zip, a).map_err(ioerr)?;
        }
        let mut w = zip.finish().map_err(werr)?;
        w.flush().map_err(ioerr)?;
    }
    out.commit()
}

/// `a`'s elements, C order, little-endian.
fn write_elements(w: &mut impl Write, a: &NdArray) -> std::io::Result<()> {
    fn typed<T: super::elems::Raw>(w: &mut impl Write, v: &[T]) -> std::io::Result<()> {
        if cfg!(target_endian = "little") {
            return w.write_all(super::elems::bytes(v));
        }
        for part in v.chunks(1 << 16) {
            let mut buf = Vec::new();
            super::elems::encode(part, super::elems::Place { start: 0, stride: 1, len: part.len() }, &mut buf);
            w.write_all(&buf)?;
        }
        Ok(())
    }
    crate::dispatch_dtype!(a.dtype(), T => typed::<T>(w, a.as_slice::<T>().expect("its dtype")))
}
