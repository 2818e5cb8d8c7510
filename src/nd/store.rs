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
use crate::protocol::{Buffer, SharedElems};
use ndarray::{ArrayD, IxDyn};
use std::any::Any;
use std::sync::Arc;

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
                    Buffer::Shared(s) if s.elem_type() == Buffer::$v(vec![]).type_name() => {
                        Self::from_buffer(s.to_buffer())
                    }
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
    match value {
        Scalar::Bool(x) => T::cast_from(x),
        Scalar::I32(x) => T::cast_from(x),
        Scalar::I64(x) => T::cast_from(x),
        Scalar::F32(x) => T::cast_from(x),
        Scalar::F64(x) => T::cast_from(x),
        Scalar::C128(x) => T::cast_from(x),
    }
}

/// Memory kept free for everything else when checking an allocation.
const RESERVE: u64 = 64 << 20;
/// Allocations smaller than this are not checked (reading /proc costs more than they do).
const CHECK_MIN: u64 = 4 << 20;

pub use crate::memory::{advise_huge_pages, HUGE_PAGE_MIN};

/// `n` default elements (zeros, false), with huge pages advised before first touch.
pub fn zeroed<T: Clone + Default>(n: usize) -> Vec<T> {
    let mut v = uninit(n);
    v.resize(n, T::default());
    v
}

/// An empty vector with room for `n` elements: a buffer parked in a [`recycling`]
/// scope when one fits, else a new one advised for huge pages before anything touches
/// it (so the first writes fault in 2 MiB pages, not 4 KiB ones: for a 128 MiB shard
/// that is 64 page faults instead of 32768).
pub fn uninit<T>(n: usize) -> Vec<T> {
    if let Some(v) = unpark(n) {
        return v;
    }
    let mut v = Vec::with_capacity(n);
    advise_huge_pages(&mut v.spare_capacity_mut()[..n]);
    v
}

/// A big buffer given back inside a [`recycling`] scope: its allocation, as the
/// `Vec` that owned it made it.
struct Parked {
    ptr: std::ptr::NonNull<u8>,
    layout: std::alloc::Layout,
}

/// At most this many buffers wait for reuse on a thread.
const MAX_PARKED: usize = 2;

thread_local! {
    static SCOPES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    static PARKED: std::cell::RefCell<Vec<Parked>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` with buffer recycling on this thread: big buffers handed to [`park`] (or
/// [`park_array`]) inside it are kept — at most [`MAX_PARKED`] — and [`uninit`] and
/// [`zeroed`] reuse them instead of mapping fresh memory, which the kernel must clear
/// (on this kind of machine, clearing new pages was a third of a distributed FFT's
/// time). Whatever is still parked is freed when the outermost scope ends, so nothing
/// is held between operations.
pub fn recycling<R>(f: impl FnOnce() -> R) -> R {
    struct Scope;
    impl Drop for Scope {
        fn drop(&mut self) {
            let depth = SCOPES.with(|d| {
                d.set(d.get() - 1);
                d.get()
            });
            if depth == 0 {
                PARKED.with(|p| p.borrow_mut().drain(..).for_each(free_parked));
            }
        }
    }
    SCOPES.with(|d| d.set(d.get() + 1));
    let _scope = Scope;
    f()
}

fn free_parked(b: Parked) {
    // SAFETY: `ptr` was allocated by the global allocator with exactly `layout` (the
    // one its `Vec` used) and nothing else owns it since `park` took it.
    unsafe { std::alloc::dealloc(b.ptr.as_ptr(), b.layout) }
}

/// Gives `v`'s buffer back for reuse inside a [`recycling`] scope (elsewhere, or when
/// it is small, it is simply freed). Keeps the largest buffers.
pub fn park<T>(v: Vec<T>) {
    let Ok(layout) = std::alloc::Layout::array::<T>(v.capacity()) else { return };
    if layout.size() < HUGE_PAGE_MIN || SCOPES.with(|d| d.get()) == 0 {
        return;
    }
    let mut v = std::mem::ManuallyDrop::new(v);
    let ptr = std::ptr::NonNull::new(v.as_mut_ptr().cast::<u8>()).expect("a Vec's buffer is not null");
    PARKED.with(|p| {
        let mut p = p.borrow_mut();
        p.push(Parked { ptr, layout });
        if p.len() > MAX_PARKED {
            let smallest = (0..p.len()).min_by_key(|&i| p[i].layout.size()).expect("not empty");
            free_parked(p.swap_remove(smallest));
        }
    });
}

/// Parks the storage of `a` when nothing else shares it.
pub fn park_array(a: NdArray) {
    if a.is_unique() {
        dispatch_store!(a.into_store(), x => park(into_vec(x)));
    }
}

/// The smallest parked buffer that holds `n` elements of `T` without wasting more than
/// half of it, as an empty `Vec<T>`.
fn unpark<T>(n: usize) -> Option<Vec<T>> {
    let (size, align) = (std::mem::size_of::<T>(), std::mem::align_of::<T>());
    let want = n.checked_mul(size)?;
    if want < HUGE_PAGE_MIN || SCOPES.with(|d| d.get()) == 0 {
        return None;
    }
    PARKED.with(|p| {
        let mut p = p.borrow_mut();
        let fits = |b: &Parked| {
            let l = b.layout;
            l.align() == align && l.size().is_multiple_of(size) && l.size() >= want && l.size() / 2 <= want
        };
        let i = (0..p.len()).filter(|&i| fits(&p[i])).min_by_key(|&i| p[i].layout.size())?;
        let b = p.swap_remove(i);
        // SAFETY: the buffer was allocated for a `Vec` with this alignment and a size
        // that is a whole number of `T`s (checked by `fits`), and is owned by no one.
        Some(unsafe { Vec::from_raw_parts(b.ptr.as_ptr().cast::<T>(), 0, b.layout.size() / size) })
    })
}

/// Bytes the kernel says can still be allocated (`MemAvailable`), if it says.
pub fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Refuses to allocate `bytes` when the machine does not have them (keeping a reserve),
/// after giving back the freed blocks this process keeps for reuse.
pub fn check_memory(bytes: u64) -> Result<(), NdError> {
    if bytes < CHECK_MIN {
        return Ok(());
    }
    let short = |free: Option<u64>| free.filter(|&free| bytes.saturating_add(RESERVE) > free);
    let Some(free) = short(available_memory()) else { return Ok(()) };
    // Freed blocks waiting for reuse (memory::cache) are given back before refusing.
    if crate::memory::cache::waiting_bytes() == 0 {
        return Err(NdError::OutOfMemory { needed: bytes, available: free });
    }
    crate::memory::cache::trim_older_than(std::time::Duration::ZERO);
    match short(available_memory()) {
        Some(free) => Err(NdError::OutOfMemory { needed: bytes, available: free }),
        None => Ok(()),
    }
}

impl SharedElems for Store {
    fn to_buffer(&self) -> Buffer {
        dispatch_store!(self.clone(), a => Stored::into_buffer(into_vec(a)))
    }

    fn native_bytes(&self) -> &[u8] {
        dispatch_store!(self, a => {
            let elems = a.as_slice().expect("standard layout");
            // SAFETY: every element type here (plain numbers, `bool`, `Complex<f64>` which is
            // `repr(C)` of two f64) has no padding and initialised bytes; the byte slice
            // covers exactly the elements and borrows them for its lifetime.
            unsafe { std::slice::from_raw_parts(elems.as_ptr() as *const u8, std::mem::size_of_val(elems)) }
        })
    }

    fn len(&self) -> usize {
        dispatch_store!(self, a => a.len())
    }

    fn elem_type(&self) -> &'static str {
        self.dtype().name()
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

impl NdArray {
    /// The array as a protocol buffer that shares this array's elements (no copy): on
    /// threads the receiver gets the same storage, copy-on-write on both sides.
    pub fn to_shared_buffer(&self) -> (Vec<usize>, Buffer) {
        (self.shape().to_vec(), Buffer::Shared(self.0.clone()))
    }

    /// The array `elems` stand for, in `shape` (the caller checked the count): the same
    /// storage when `elems` are an array's store of that shape, else a copy.
    fn from_shared(shape: &[usize], elems: Arc<dyn SharedElems>) -> NdArray {
        match elems.clone().into_any().downcast::<Store>() {
            Ok(store) if store_shape(&store) == shape => NdArray(store),
            _ => NdArray::from_buffer(shape, elems.to_buffer()).expect("count checked"),
        }
    }

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
            Buffer::Shared(elems) => return Ok(NdArray::from_shared(shape, elems)),
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

fn store_shape(s: &Store) -> &[usize] {
    dispatch_store!(s, a => a.shape())
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
    fn big_buffers_are_reused_inside_a_recycling_scope_only() {
        let n = 4 * HUGE_PAGE_MIN / 8; // 16 MiB of f64
        park(zeroed::<f64>(n)); // outside a scope: simply freed
        assert!(PARKED.with(|p| p.borrow().is_empty()));
        recycling(|| {
            let v = zeroed::<C64>(n / 2);
            let ptr = v.as_ptr() as usize;
            park(v);
            // The same bytes and alignment as f64s: the parked buffer, empty.
            let w = uninit::<f64>(n);
            assert_eq!(w.as_ptr() as usize, ptr);
            assert!(w.capacity() >= n && w.is_empty());
            park(w);
            // A request it would waste more than half of, or that it cannot hold,
            // gets a new buffer.
            let (small, big) = (uninit::<f64>(n / 4), uninit::<f64>(2 * n));
            assert_ne!(small.as_ptr() as usize, ptr);
            assert_ne!(big.as_ptr() as usize, ptr);
            // A shared array's storage is not parked.
            let a = NdArray::from_vec(&[n], vec![1.0; n]);
            let shared = a.clone();
            park_array(a);
            assert_eq!(PARKED.with(|p| p.borrow().len()), 1);
            assert_eq!(shared.as_slice::<f64>().unwrap()[n - 1], 1.0);
        });
        // The scope's end freed what was parked.
        assert!(PARKED.with(|p| p.borrow().is_empty()));
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
