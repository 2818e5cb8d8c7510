//! Typed storage ([`Store`]), allocation, and conversion to and from protocol buffers.
//!
//! Big buffers are allocated zeroed (for large sizes the allocator maps fresh pages, so
//! this costs nothing until they are written) and then advised `MADV_HUGEPAGE`, before
//! any kernel touches them, so that memory-bound loops run on transparent huge pages
//! (worth 20–45% on this kind of machine). The advice needs one libc call; std already
//! links libc on Linux, so it is declared here instead of adding the `libc` crate for a
//! single function. Before allocating, [`check_memory`] compares the request with the
//! kernel's `MemAvailable` and refuses, saying how much is needed and how much is free.
//!
//! Converting to a [`Buffer`] moves the elements when the array is not shared; a buffer
//! becomes an array without a copy.

use super::dtype::{Elem, Scalar, C64};
use super::{size_of, NdArray, NdError};
use crate::protocol::Buffer;
use ndarray::{ArrayD, IxDyn};

/// The elements of an array, one variant per dtype.
#[derive(Clone, Debug)]
pub enum Store {
    F64(ArrayD<f64>),
    F32(ArrayD<f32>),
    I64(ArrayD<i64>),
    I32(ArrayD<i32>),
    Bool(ArrayD<bool>),
    C128(ArrayD<C64>),
}

impl Store {
    pub fn dtype(&self) -> super::DType {
        use super::DType;
        match self {
            Store::F64(_) => DType::F64,
            Store::F32(_) => DType::F32,
            Store::I64(_) => DType::I64,
            Store::I32(_) => DType::I32,
            Store::Bool(_) => DType::Bool,
            Store::C128(_) => DType::C128,
        }
    }

    pub fn shape(&self) -> &[usize] {
        dispatch_store!(self, a => a.shape())
    }

    pub fn is_standard(&self) -> bool {
        dispatch_store!(self, a => a.is_standard_layout())
    }
}

/// An element type that has a [`Store`] variant and a [`Buffer`] variant.
pub trait Stored: Elem {
    fn wrap(a: ArrayD<Self>) -> Store;
    fn get(s: &Store) -> Option<&ArrayD<Self>>;
    fn get_mut(s: &mut Store) -> Option<&mut ArrayD<Self>>;
    fn into_buffer(v: Vec<Self>) -> Buffer;
    /// The elements of `b` if it holds this type, else `b` back.
    fn from_buffer(b: Buffer) -> Result<Vec<Self>, Buffer>;
}

macro_rules! stored {
    ($t:ty, $v:ident) => {
        impl Stored for $t {
            fn wrap(a: ArrayD<Self>) -> Store {
                Store::$v(a)
            }
            fn get(s: &Store) -> Option<&ArrayD<Self>> {
                match s {
                    Store::$v(a) => Some(a),
                    _ => None,
                }
            }
            fn get_mut(s: &mut Store) -> Option<&mut ArrayD<Self>> {
                match s {
                    Store::$v(a) => Some(a),
                    _ => None,
                }
            }
            fn into_buffer(v: Vec<Self>) -> Buffer {
                Buffer::$v(v)
            }
            fn from_buffer(b: Buffer) -> Result<Vec<Self>, Buffer> {
                match b {
                    Buffer::$v(v) => Ok(v),
                    other => Err(other),
                }
            }
        }
    };
}

stored!(f64, F64);
stored!(f32, F32);
stored!(i64, I64);
stored!(i32, I32);
stored!(bool, Bool);

impl Stored for C64 {
    fn wrap(a: ArrayD<Self>) -> Store {
        Store::C128(a)
    }
    fn get(s: &Store) -> Option<&ArrayD<Self>> {
        match s {
            Store::C128(a) => Some(a),
            _ => None,
        }
    }
    fn get_mut(s: &mut Store) -> Option<&mut ArrayD<Self>> {
        match s {
            Store::C128(a) => Some(a),
            _ => None,
        }
    }
    fn into_buffer(v: Vec<Self>) -> Buffer {
        Buffer::C128(v.into_iter().map(|c| [c.re, c.im]).collect())
    }
    fn from_buffer(b: Buffer) -> Result<Vec<Self>, Buffer> {
        match b {
            Buffer::C128(v) => Ok(v.into_iter().map(|[re, im]| C64::new(re, im)).collect()),
            other => Err(other),
        }
    }
}

/// `value` converted to element type `T`.
pub fn scalar_as<T: Elem>(value: Scalar) -> T {
    match value.cast(T::DTYPE) {
        Scalar::Bool(x) => T::cast_from(x),
        Scalar::I32(x) => T::cast_from(x),
        Scalar::I64(x) => T::cast_from(x),
        Scalar::F32(x) => T::cast_from(x),
        Scalar::F64(x) => T::cast_from(x),
        Scalar::C128(x) => T::cast_from(x),
    }
}

/// Buffers at least this large are advised to use huge pages.
const HUGE_PAGE_MIN: usize = 4 << 20;
/// Memory kept free for everything else when checking an allocation.
const RESERVE: u64 = 64 << 20;

#[cfg(target_os = "linux")]
extern "C" {
    fn madvise(addr: *mut std::ffi::c_void, len: usize, advice: std::ffi::c_int) -> std::ffi::c_int;
}

/// Asks the kernel for transparent huge pages on the 2 MiB-aligned part of `v`'s
/// buffer. Advice only: a refusal changes nothing.
pub fn advise_huge_pages<T>(v: &mut [T]) {
    let bytes = std::mem::size_of_val(v);
    if bytes < HUGE_PAGE_MIN {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        const MADV_HUGEPAGE: std::ffi::c_int = 14;
        let start = v.as_mut_ptr() as usize;
        let aligned = start.next_multiple_of(HUGE);
        let end = (start + bytes) / HUGE * HUGE;
        if end > aligned {
            // SAFETY: the range lies inside `v`'s allocation, which we borrow mutably;
            // MADV_HUGEPAGE changes no contents and cannot fail in a way that matters.
            unsafe {
                madvise(aligned as *mut std::ffi::c_void, end - aligned, MADV_HUGEPAGE);
            }
        }
    }
}

/// `n` default elements (zeros, false), with huge pages advised before first touch.
pub fn zeroed<T: Elem>(n: usize) -> Vec<T> {
    if T::DTYPE == super::DType::C128 {
        // std knows no all-zero pattern for C64, so `vec![x; n]` would write every
        // element before the advice below: advise the untouched buffer, then fill it.
        let mut v = Vec::with_capacity(n);
        advise_huge_pages(v.spare_capacity_mut());
        v.resize(n, T::default());
        return v;
    }
    // Zeroed by the allocator (untouched pages), advised before the first write.
    let mut v = vec![T::default(); n];
    advise_huge_pages(&mut v);
    v
}

/// Bytes the kernel says can still be allocated (`MemAvailable`), if it says.
pub fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Refuses to allocate `bytes` when the machine does not have them (keeping a reserve).
pub fn check_memory(bytes: u64) -> Result<(), NdError> {
    if bytes < HUGE_PAGE_MIN as u64 {
        return Ok(());
    }
    match available_memory() {
        Some(free) if bytes.saturating_add(RESERVE) > free => {
            Err(NdError::OutOfMemory { needed: bytes, available: free })
        }
        _ => Ok(()),
    }
}

impl NdArray {
    /// The array as a protocol buffer, moving the elements when it is not shared.
    pub fn into_buffer(self) -> (Vec<usize>, Buffer) {
        let shape = self.shape().to_vec();
        let buffer = dispatch_store!(self.into_store(), a => Stored::into_buffer(into_vec(a)));
        (shape, buffer)
    }

    /// An array from a protocol buffer (no copy); the shape must hold the elements.
    pub fn from_buffer(shape: &[usize], data: Buffer) -> Result<NdArray, NdError> {
        let n = size_of(shape)?;
        if n != data.len() {
            return Err(NdError::BadNesting {
                reason: format!("shape {shape:?} does not hold {} elements", data.len()),
            });
        }
        let store = match data {
            Buffer::F64(v) => f64::wrap(from_vec(shape, v)),
            Buffer::F32(v) => f32::wrap(from_vec(shape, v)),
            Buffer::I64(v) => i64::wrap(from_vec(shape, v)),
            Buffer::I32(v) => i32::wrap(from_vec(shape, v)),
            Buffer::Bool(v) => bool::wrap(from_vec(shape, v)),
            b @ Buffer::C128(_) => C64::wrap(from_vec(shape, C64::from_buffer(b).expect("c128"))),
        };
        Ok(NdArray::from_store(store))
    }
}

fn from_vec<T>(shape: &[usize], v: Vec<T>) -> ArrayD<T> {
    ArrayD::from_shape_vec(IxDyn(shape), v).expect("length checked")
}

/// The elements of a standard-layout array, moved out.
pub fn into_vec<T: Clone>(a: ArrayD<T>) -> Vec<T> {
    if a.is_standard_layout() {
        let (v, offset) = a.into_raw_vec_and_offset();
        debug_assert!(offset.unwrap_or(0) == 0);
        v
    } else {
        a.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_move_both_ways() {
        let a = NdArray::from_vec(&[2, 3], (0..6).map(|i| i as f64).collect());
        let ptr = a.as_slice::<f64>().unwrap().as_ptr();
        let (shape, buf) = a.into_buffer();
        assert_eq!(shape, [2, 3]);
        match &buf {
            Buffer::F64(v) => assert_eq!(v.as_ptr(), ptr, "moved, not copied"),
            other => panic!("{other:?}"),
        }
        let b = NdArray::from_buffer(&shape, buf).unwrap();
        assert_eq!(b.as_slice::<f64>().unwrap()[5], 5.0);
        let c = NdArray::from_buffer(&[1], Buffer::C128(vec![[1.0, -2.0]])).unwrap();
        assert_eq!(c.scalars(), [Scalar::C128(C64::new(1.0, -2.0))]);
        assert!(NdArray::from_buffer(&[4], Buffer::I32(vec![1])).is_err());
    }

    #[test]
    fn memory_is_checked_before_allocating() {
        let e = NdArray::zeros(super::super::DType::F64, &[1 << 40]).unwrap_err();
        assert!(e.to_string().starts_with("not enough memory: this needs 8192.00 GiB but only"), "{e}");
        let mut v = zeroed::<f64>(1 << 20);
        advise_huge_pages(&mut v);
        assert!(v.iter().all(|&x| x == 0.0));
    }
}
