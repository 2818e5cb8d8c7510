//! Bulk elements of [`Buffer`]s as raw little-endian bytes (used by `codec`).
//!
//! On a little-endian machine the bytes of a `Vec<f64>` already are its encoding, so
//! writing is one `extend_from_slice` and reading one copy into a fresh vector; a
//! big-endian machine converts element by element. Booleans are one byte, 0 or 1, and
//! anything else is refused when reading.

use super::codec::DecodeError;
use super::Buffer;

/// The tag that names a buffer's element type on the wire.
pub fn tag(b: &Buffer) -> u8 {
    match b {
        Buffer::F64(_) => 0,
        Buffer::F32(_) => 1,
        Buffer::I64(_) => 2,
        Buffer::I32(_) => 3,
        Buffer::Bool(_) => 4,
        Buffer::C128(_) => 5,
        Buffer::Shared(s) => match s.elem_type() {
            "f64" => 0,
            "f32" => 1,
            "i64" => 2,
            "i32" => 3,
            "bool" => 4,
            _ => 5,
        },
    }
}

/// Bytes per element for `tag`, or `None` for an unknown tag.
pub fn elem_size(tag: u8) -> Option<usize> {
    Some(match tag {
        0 | 2 => 8,
        1 | 3 => 4,
        4 => 1,
        5 => 16,
        _ => return None,
    })
}

macro_rules! pod {
    ($write:ident, $read:ident, $t:ty, $n:expr) => {
        fn $write(out: &mut Vec<u8>, v: &[$t]) {
            if cfg!(target_endian = "little") {
                // SAFETY: `$t` is a plain number type with no padding; its bytes are
                // initialised and the slice covers exactly `v.len()` elements.
                let bytes = unsafe { std::slice::from_raw_parts(v.as_ptr() as *const u8, std::mem::size_of_val(v)) };
                out.extend_from_slice(bytes);
            } else {
                v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes()));
            }
        }

        /// The elements of `bytes` on a big-endian machine (a little-endian one copies
        /// them as they are, see [`read`]).
        fn $read(bytes: &[u8]) -> Vec<$t> {
            bytes.chunks_exact($n).map(|c| <$t>::from_le_bytes(c.try_into().unwrap())).collect()
        }
    };
}

pod!(write_f64, read_f64, f64, 8);
pod!(write_f32, read_f32, f32, 4);
pod!(write_i64, read_i64, i64, 8);
pod!(write_i32, read_i32, i32, 4);

/// Appends the elements of `b` (its tag and count are written by the caller).
pub fn write(out: &mut Vec<u8>, b: &Buffer) {
    // Room for the elements at once, advised for huge pages before it is first written.
    out.reserve(b.len() * b.elem_bytes());
    crate::memory::advise_capacity(out);
    match b {
        Buffer::F64(v) => write_f64(out, v),
        Buffer::F32(v) => write_f32(out, v),
        Buffer::I64(v) => write_i64(out, v),
        Buffer::I32(v) => write_i32(out, v),
        Buffer::Bool(v) => out.extend(v.iter().map(|&x| x as u8)),
        Buffer::C128(v) => {
            out.reserve(v.len() * 16);
            // Each element is two f64; write them as a flat run.
            for c in v {
                write_f64(out, c);
            }
        }
        Buffer::Shared(s) if cfg!(target_endian = "little") => out.extend_from_slice(s.native_bytes()),
        Buffer::Shared(s) => write(out, &s.to_buffer()),
    }
}

/// The elements' bytes as they are in memory, when that is their encoding (a
/// little-endian machine) and they are numbers (booleans are checked when read, so they
/// always travel inline).
pub fn native_bytes(b: &Buffer) -> Option<&[u8]> {
    fn bytes_of<T>(v: &[T]) -> &[u8] {
        // SAFETY: only called with plain number types (and `[f64; 2]`), which have no
        // padding; the byte slice covers exactly `v`'s elements and borrows them.
        unsafe { std::slice::from_raw_parts(v.as_ptr() as *const u8, std::mem::size_of_val(v)) }
    }
    if cfg!(target_endian = "big") {
        return None;
    }
    Some(match b {
        Buffer::F64(v) => bytes_of(v),
        Buffer::F32(v) => bytes_of(v),
        Buffer::I64(v) => bytes_of(v),
        Buffer::I32(v) => bytes_of(v),
        Buffer::C128(v) => bytes_of(v),
        Buffer::Bool(_) => return None,
        Buffer::Shared(s) if s.elem_type() == "bool" => return None,
        Buffer::Shared(s) => s.native_bytes(),
    })
}

/// An empty buffer of element type `tag` with room for `n` elements, and its memory as
/// raw bytes to receive them into (with [`Filling::finish`] once all are written).
pub fn filling(tag: u8, n: usize) -> Option<Filling> {
    /// Room for `n` elements, advised for huge pages before anything writes it.
    fn room<T>(n: usize) -> Vec<T> {
        let mut v = Vec::with_capacity(n);
        crate::memory::advise_capacity(&mut v);
        v
    }
    Some(match tag {
        0 => Filling::F64(room(n)),
        1 => Filling::F32(room(n)),
        2 => Filling::I64(room(n)),
        3 => Filling::I32(room(n)),
        5 => Filling::C128(room(n)),
        _ => return None,
    })
}

/// A typed buffer being written as raw bytes by someone else (a transport's receive).
pub enum Filling {
    F64(Vec<f64>),
    F32(Vec<f32>),
    I64(Vec<i64>),
    I32(Vec<i32>),
    C128(Vec<[f64; 2]>),
}

impl Filling {
    /// The start and byte length of the room for the elements (uninitialised memory:
    /// write it through the pointer, never read it).
    pub fn room(&mut self) -> (*mut u8, usize) {
        fn of<T>(v: &mut Vec<T>) -> (*mut u8, usize) {
            (v.as_mut_ptr() as *mut u8, v.capacity() * std::mem::size_of::<T>())
        }
        match self {
            Filling::F64(v) => of(v),
            Filling::F32(v) => of(v),
            Filling::I64(v) => of(v),
            Filling::I32(v) => of(v),
            Filling::C128(v) => of(v),
        }
    }

    /// The buffer of its `n` elements.
    ///
    /// # Safety
    /// All `n × size` bytes of the room must have been written, with `n` at most the
    /// count the buffer was made for.
    pub unsafe fn finish(self, n: usize) -> Buffer {
        /// # Safety
        /// As [`Filling::finish`].
        unsafe fn filled<T>(mut v: Vec<T>, n: usize) -> Vec<T> {
            // SAFETY: the caller wrote every byte of the first `n` elements, and every
            // bit pattern is a valid number.
            unsafe { v.set_len(n) };
            v
        }
        // SAFETY: passed on from the caller.
        unsafe {
            match self {
                Filling::F64(v) => Buffer::F64(filled(v, n)),
                Filling::F32(v) => Buffer::F32(filled(v, n)),
                Filling::I64(v) => Buffer::I64(filled(v, n)),
                Filling::I32(v) => Buffer::I32(filled(v, n)),
                Filling::C128(v) => Buffer::C128(filled(v, n)),
            }
        }
    }
}

/// Reads `bytes` (exactly count × size of `tag`) as a buffer.
pub fn read(tag: u8, bytes: &[u8]) -> Result<Buffer, DecodeError> {
    if tag == 4 {
        let bools = bytes.iter().map(|&b| match b {
            0 => Ok(false),
            1 => Ok(true),
            tag => Err(DecodeError::BadTag { what: "bool element", tag }),
        });
        return Ok(Buffer::Bool(bools.collect::<Result<_, _>>()?));
    }
    let size = elem_size(tag).ok_or(DecodeError::BadTag { what: "array element type", tag })?;
    let n = bytes.len() / size;
    if cfg!(target_endian = "little") {
        // The bytes already are the elements: one copy into an advised typed buffer.
        let mut filling = filling(tag, n).expect("every number tag has a filling");
        let (room, len) = filling.room();
        assert!(len >= n * size, "room for {n} elements");
        // SAFETY: the room holds at least `n * size` bytes and does not overlap `bytes`;
        // all of the first `n` elements are written before `finish`.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), room, n * size);
            return Ok(filling.finish(n));
        }
    }
    Ok(match tag {
        0 => Buffer::F64(read_f64(bytes)),
        1 => Buffer::F32(read_f32(bytes)),
        2 => Buffer::I64(read_i64(bytes)),
        3 => Buffer::I32(read_i32(bytes)),
        _ => Buffer::C128(read_f64(bytes).chunks_exact(2).map(|c| [c[0], c[1]]).collect()),
    })
}
