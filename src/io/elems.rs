//! Element types as files hold them ([`FileType`]: kind, size, byte order, as in a
//! NumPy `descr` such as `'<f8'` or `'>i2'`), and conversion between their raw bytes
//! and the six dtypes.
//!
//! The six dtypes read and write exactly (`f8 f4 i8 i4 b1 c16`, either byte order;
//! written little-endian, as NumPy writes on these machines). Narrower types widen on
//! read: `i1 i2 u1 u2` to `i32`, `u4` to `i64`, `f2` to `f32` ([`FileType::widened`]
//! says so). Anything else is refused with advice on what to convert it to. Conversion
//! runs over whole runs of elements with one closure chosen per run, and a run whose
//! bytes already are the elements is one copy.

use crate::nd::{DType, Stored, C64};

/// An element type in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileType {
    /// NumPy's kind letter: `f` float, `i` signed, `u` unsigned, `b` bool, `c` complex.
    pub kind: char,
    /// Bytes per element.
    pub size: usize,
    /// Most significant byte first.
    pub big_endian: bool,
}

/// The advice for a type pshell does not read, or `None` when it reads it.
fn refusal(kind: char, size: usize) -> Option<&'static str> {
    Some(match (kind, size) {
        ('f', 2 | 4 | 8) | ('i', 1 | 2 | 4 | 8) | ('u', 1 | 2 | 4) | ('b', 1) | ('c', 16) => return None,
        ('u', 8) => "convert it with .astype(np.int64) if the values fit, or .astype(np.float64)",
        ('c', 8) => "convert it with .astype(np.complex128)",
        ('c', _) => "convert it with .astype(np.complex128)",
        ('f', _) => "convert it with .astype(np.float64)",
        ('O', _) => "object arrays hold Python objects; convert to a numeric dtype such as np.float64",
        ('U' | 'S', _) => "strings are not numbers; convert to a numeric dtype, or write a CSV",
        ('M' | 'm', _) => "convert dates and durations with .astype(np.int64)",
        _ => "convert it to one of float64, float32, int64, int32, bool, complex128",
    })
}

impl FileType {
    /// The little-endian file type of a dtype (what pshell writes).
    pub fn of(dtype: DType) -> FileType {
        let (kind, size) = match dtype {
            DType::F64 => ('f', 8),
            DType::F32 => ('f', 4),
            DType::I64 => ('i', 8),
            DType::I32 => ('i', 4),
            DType::Bool => ('b', 1),
            DType::C128 => ('c', 16),
        };
        FileType { kind, size, big_endian: false }
    }

    /// Parses a NumPy type string (`'<f8'`, `'>i4'`, `'|b1'`, `'=u2'`); `Err` carries
    /// the advice for a type that is well-formed but not read.
    pub fn parse(descr: &str) -> Result<FileType, Option<&'static str>> {
        let mut chars = descr.chars();
        let order = chars.next().ok_or(None)?;
        let (big_endian, rest) = match order {
            '<' | '|' => (false, chars.as_str()),
            '>' => (true, chars.as_str()),
            '=' => (cfg!(target_endian = "big"), chars.as_str()),
            _ => (cfg!(target_endian = "big"), descr),
        };
        let mut chars = rest.chars();
        let kind = chars.next().ok_or(None)?;
        let size: usize = match chars.as_str().parse() {
            Ok(s) => s,
            Err(_) => return Err(refusal(kind, 0)),
        };
        match refusal(kind, size) {
            None => Ok(FileType { kind, size, big_endian: big_endian && size > 1 }),
            Some(advice) => Err(Some(advice)),
        }
    }

    /// NumPy's name for it (`'<f8'`).
    pub fn descr(self) -> String {
        let order = if self.size == 1 {
            '|'
        } else if self.big_endian {
            '>'
        } else {
            '<'
        };
        format!("{order}{}{}", self.kind, self.size)
    }

    /// The dtype its elements are read as.
    pub fn dtype(self) -> DType {
        match (self.kind, self.size) {
            ('f', 8) => DType::F64,
            ('f', _) => DType::F32,
            ('i', 8) | ('u', 4) => DType::I64,
            ('i' | 'u', _) => DType::I32,
            ('b', _) => DType::Bool,
            _ => DType::C128,
        }
    }

    /// Whether reading widens it (its dtype is bigger than it).
    pub fn widened(self) -> bool {
        self.dtype().size() != self.size || self.kind == 'u'
    }

    /// Whether its bytes are the elements of its dtype in this machine's memory.
    pub fn is_native(self) -> bool {
        !self.widened() && self.kind != 'b' && self.big_endian == cfg!(target_endian = "big")
    }
}

/// A half-precision float's bits as an f32.
fn half(bits: u16) -> f32 {
    let sign = if bits & 0x8000 != 0 { -1.0f32 } else { 1.0 };
    let exp = (bits >> 10) & 0x1f;
    let frac = (bits & 0x3ff) as f32;
    match exp {
        0 => sign * frac * 2f32.powi(-24),
        0x1f if frac == 0.0 => sign * f32::INFINITY,
        0x1f => f32::NAN,
        e => sign * (1.0 + frac / 1024.0) * 2f32.powi(e as i32 - 15),
    }
}

/// Where converted elements go: `len` elements at `start`, `start + stride`, ...
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub start: usize,
    pub stride: usize,
    pub len: usize,
}

/// The six element types, with their memory as bytes where a file can be read
/// straight into it.
pub trait Raw: Stored {
    /// `v`'s memory as bytes to read into; `None` for bool (not every byte is a bool).
    fn bytes_mut(v: &mut [Self]) -> Option<&mut [u8]>;
}

macro_rules! plain {
    ($($t:ty),*) => {$(
        impl Raw for $t {
            fn bytes_mut(v: &mut [Self]) -> Option<&mut [u8]> {
                // SAFETY: a plain number type (C64 is `repr(C)` of two f64) with no
                // padding: any bytes written here leave valid values.
                Some(unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr().cast::<u8>(), std::mem::size_of_val(v)) })
            }
        }
    )*};
}
plain!(f64, f32, i64, i32, C64);

impl Raw for bool {
    fn bytes_mut(_: &mut [Self]) -> Option<&mut [u8]> {
        None
    }
}

/// The memory of `v` as bytes (bool included: its bytes are 0 or 1, NumPy's `b1`).
pub fn bytes<T: Stored>(v: &[T]) -> &[u8] {
    // SAFETY: reading the bytes of initialised numbers (and bools, one byte each) is
    // always valid; the slice lives as long as `v`.
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), std::mem::size_of_val(v)) }
}

fn each<T: Copy>(src: &[u8], step: usize, dst: &mut [T], at: Place, f: impl Fn(&[u8]) -> T) {
    for i in 0..at.len {
        dst[at.start + i * at.stride] = f(&src[i * step..]);
    }
}

fn arr<const N: usize>(b: &[u8]) -> [u8; N] {
    b[..N].try_into().expect("N bytes")
}

/// Converts `at.len` elements of type `ft` from `src` (element `i` at byte `i * step`)
/// into `dst` at the places `at`. `T` must be `ft.dtype()`'s element type.
pub fn decode<T: Stored>(ft: FileType, src: &[u8], step: usize, dst: &mut [T], at: Place) {
    debug_assert_eq!(T::DTYPE, ft.dtype());
    let big = ft.big_endian;
    macro_rules! num {
        ($t:ty, $n:literal, $conv:expr) => {{
            let conv = $conv;
            if big {
                each(src, step, dst, at, |b| conv(<$t>::from_be_bytes(arr::<$n>(b))))
            } else {
                each(src, step, dst, at, |b| conv(<$t>::from_le_bytes(arr::<$n>(b))))
            }
        }};
    }
    match (ft.kind, ft.size) {
        ('f', 8) => num!(f64, 8, |x: f64| T::from_f64(x)),
        ('f', 4) => num!(f32, 4, |x: f32| T::cast_from(x)),
        ('f', 2) => num!(u16, 2, |x: u16| T::cast_from(half(x))),
        ('i', 8) => num!(i64, 8, |x: i64| T::from_i64(x)),
        ('i', 4) => num!(i32, 4, |x: i32| T::from_i64(x as i64)),
        ('i', 2) => num!(i16, 2, |x: i16| T::from_i64(x as i64)),
        ('i', 1) => num!(i8, 1, |x: i8| T::from_i64(x as i64)),
        ('u', 4) => num!(u32, 4, |x: u32| T::from_i64(x as i64)),
        ('u', 2) => num!(u16, 2, |x: u16| T::from_i64(x as i64)),
        ('u', 1) => num!(u8, 1, |x: u8| T::from_i64(x as i64)),
        ('b', _) => each(src, step, dst, at, |b| T::from_bool(b[0] != 0)),
        _ => {
            if big {
                each(src, step, dst, at, |b| {
                    T::from_c64(C64::new(f64::from_be_bytes(arr::<8>(b)), f64::from_be_bytes(arr::<8>(&b[8..]))))
                })
            } else {
                each(src, step, dst, at, |b| {
                    T::from_c64(C64::new(f64::from_le_bytes(arr::<8>(b)), f64::from_le_bytes(arr::<8>(&b[8..]))))
                })
            }
        }
    }
}

/// Appends `at.len` elements of `src` at the places `at` as little-endian bytes of
/// `T`'s own file type.
pub fn encode<T: Stored>(src: &[T], at: Place, out: &mut Vec<u8>) {
    if at.stride == 1 && cfg!(target_endian = "little") {
        out.extend_from_slice(bytes(&src[at.start..at.start + at.len]));
        return;
    }
    for i in 0..at.len {
        let x = src[at.start + i * at.stride];
        match T::DTYPE {
            DType::F64 => out.extend_from_slice(&x.to_f64().to_le_bytes()),
            DType::F32 => out.extend_from_slice(&(x.to_f64() as f32).to_le_bytes()),
            DType::I64 => out.extend_from_slice(&x.to_i64().to_le_bytes()),
            DType::I32 => out.extend_from_slice(&(x.to_i64() as i32).to_le_bytes()),
            DType::Bool => out.push(x.to_bool() as u8),
            DType::C128 => {
                let c = x.to_c64();
                out.extend_from_slice(&c.re.to_le_bytes());
                out.extend_from_slice(&c.im.to_le_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_strings_parse_and_refuse_with_advice() {
        let f = FileType::parse("<f8").unwrap();
        assert_eq!((f.dtype(), f.descr(), f.is_native()), (DType::F64, "<f8".to_string(), true));
        let b = FileType::parse(">i2").unwrap();
        assert!(b.big_endian && b.widened() && b.dtype() == DType::I32);
        assert_eq!(FileType::parse("|b1").unwrap().dtype(), DType::Bool);
        assert_eq!(FileType::parse("<u4").unwrap().dtype(), DType::I64);
        assert!(FileType::parse("<u8").unwrap_err().unwrap().contains("int64"));
        assert!(FileType::parse("<c8").unwrap_err().unwrap().contains("complex128"));
        assert!(FileType::parse("|O").unwrap_err().unwrap().contains("object"));
        assert!(FileType::parse("<U5").unwrap_err().unwrap().contains("strings"));
        assert_eq!(FileType::of(DType::C128).descr(), "<c16");
    }

    #[test]
    fn big_endian_and_narrow_elements_convert() {
        let mut out = [0i32; 3];
        let src = [0x00u8, 0x01, 0xff, 0xfe, 0x7f, 0xff];
        decode(FileType::parse(">i2").unwrap(), &src, 2, &mut out, Place { start: 0, stride: 1, len: 3 });
        assert_eq!(out, [1, -2, 32767]);
        let mut h = [0f32; 3];
        let src = [0x00u8, 0x3c, 0x00, 0xc0, 0x00, 0x7c]; // 1.0, -2.0, inf
        decode(FileType::parse("<f2").unwrap(), &src, 2, &mut h, Place { start: 0, stride: 1, len: 3 });
        assert_eq!(h, [1.0, -2.0, f32::INFINITY]);
        let mut strided = [0f64; 4];
        let src: Vec<u8> = [1.5f64, 9.0, 2.5].iter().flat_map(|x| x.to_be_bytes()).collect();
        decode(FileType::parse(">f8").unwrap(), &src, 16, &mut strided, Place { start: 1, stride: 2, len: 2 });
        assert_eq!(strided, [0.0, 1.5, 0.0, 2.5]);
        let mut bytes = Vec::new();
        encode(&[C64::new(1.0, -1.0)], Place { start: 0, stride: 1, len: 1 }, &mut bytes);
        assert_eq!(bytes.len(), 16);
        let mut back = [C64::default()];
        decode(FileType::of(DType::C128), &bytes, 16, &mut back, Place { start: 0, stride: 1, len: 1 });
        assert_eq!(back[0], C64::new(1.0, -1.0));
    }
}
