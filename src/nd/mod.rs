//! NdArray: a local, typed n-d array, and the numeric kernels every array uses.
//!
//! An [`NdArray`] is one of six typed `ndarray::ArrayD`s (dtypes `f64 f32 i64 i32 bool
//! c128`) behind an `Arc`: cloning it (which Rhai does whenever a variable is read) is
//! free, and writing through [`NdArray::make_mut`] copies only when the storage is shared
//! (copy-on-write value semantics, like Rhai's arrays). **Arrays are always in standard
//! (row-major, contiguous) layout**, so every kernel runs on flat slices; views that would
//! not be contiguous (transpose, slices) are copied once into a new standard array.
//!
//! The kernels are written once, here, and serve both NdArray and every DistArray shard:
//! - `expr` — elementwise work as an expression tree ([`Lazy`]) evaluated block by block
//!   (numexpr-style): each block of a few thousand elements goes through the whole tree
//!   in cache, so `a * b + a` reads `a` and `b` once and writes only the result, with no
//!   temporary arrays and no per-element allocation. `kernels` holds the typed loops.
//! - `reduce` — reductions, whole and along an axis, with pairwise summation.
//! - `random` — counter-based random numbers (the value depends on seed and index only).
//! - `store` — allocation (memory check, huge-page advice) and dtype dispatch.
//! - `shape_ops` — element access, transpose, slices, construction from nested values.
//! - `display` — NumPy-like text.
//!
//! This module knows nothing of Rhai or of distribution; `bindings::nd` exposes it as the
//! Rhai module `nd`, and `distarray` builds shards from it.

#[macro_use]
mod macros;
mod complex;
pub mod display;
pub mod dtype;
mod eval;
pub mod expr;
pub mod fft;
mod kernels;
pub mod radix;
pub mod random;
pub mod reduce;
pub mod reshape;
pub mod scan;
pub mod select;
pub mod shape_ops;
pub mod sort;
pub mod store;

pub use dtype::{DType, Elem, Scalar, C64};
pub use expr::{BinOp, Lazy, UnOp};
pub use store::{Store, Stored};

use std::fmt;
use std::sync::Arc;

/// A local n-d array of one dtype, in standard layout, shared copy-on-write.
#[derive(Clone)]
pub struct NdArray(Arc<Store>);

/// Why an array operation was refused. Messages are written for the person at the console.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum NdError {
    /// A dtype name that is not one of the six.
    UnknownDType { name: String },
    /// A shape with a negative extent (`shape` as given, `axis` the bad one).
    NegativeExtent { shape: Vec<i64>, axis: usize },
    /// More elements than this machine can address.
    TooManyElements { shape: Vec<usize> },
    /// Two arrays of different shapes in `op`.
    ShapeMismatch { op: String, left: Vec<usize>, right: Vec<usize> },
    /// An index with the wrong number of entries.
    IndexLength { index: Vec<i64>, shape: Vec<usize> },
    /// An index outside the array.
    IndexOutOfBounds { index: Vec<i64>, shape: Vec<usize> },
    /// An axis that the array does not have.
    AxisOutOfRange { axis: i64, ndim: usize },
    /// Integer division or remainder by zero.
    DivisionByZero { op: &'static str, dtype: DType },
    /// An integer raised to a negative power.
    NegativePower { dtype: DType },
    /// `what` is not defined for arrays of `dtype`.
    NotSupported { what: String, dtype: DType },
    /// A reduction with no identity on an empty array.
    Empty { op: &'static str },
    /// Allocating `needed` bytes when only `available` are free.
    OutOfMemory { needed: u64, available: u64 },
    /// Nested arrays of unequal lengths, or elements that are not numbers.
    BadNesting { reason: String },
    /// A slice range that is not `[start, end]` or `[start, end, step]` with step > 0.
    BadRange { axis: usize, reason: String },
    /// Any other refusal; `reason` names the operation and what was wrong.
    Invalid { reason: String },
    /// The request was interrupted while a kernel ran (see `crate::interrupt`).
    Interrupted(crate::interrupt::Interrupted),
}

fn gib(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{:.2} GiB", bytes as f64 / (1u64 << 30) as f64)
    } else {
        format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
    }
}

impl fmt::Display for NdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use display::list;
        match self {
            NdError::UnknownDType { name } => {
                write!(f, "unknown dtype '{name}': use one of \"f64\", \"f32\", \"i64\", \"i32\", \"bool\", \"c128\"")
            }
            NdError::NegativeExtent { shape, axis } => write!(
                f,
                "shape {} has a negative extent {} on axis {axis}: extents must be 0 or more",
                list(shape),
                shape[*axis]
            ),
            NdError::TooManyElements { shape } => {
                write!(f, "shape {} has more elements than this machine can address", list(shape))
            }
            NdError::ShapeMismatch { op, left, right } => write!(
                f,
                "{op}: shapes {} and {} do not match (arrays must have the same shape)",
                list(left),
                list(right)
            ),
            NdError::IndexLength { index, shape } => write!(
                f,
                "index {} has {} entries but shape {} has {} axes",
                list(index),
                index.len(),
                list(shape),
                shape.len()
            ),
            NdError::IndexOutOfBounds { index, shape } => {
                write!(f, "index {} is out of bounds for shape {}", list(index), list(shape))
            }
            NdError::AxisOutOfRange { axis, ndim } => {
                write!(f, "axis {axis} is out of range for an array with {ndim} axes (valid: 0..{ndim})")
            }
            NdError::DivisionByZero { op, dtype } => write!(f, "integer {op} by zero in a {dtype} array"),
            NdError::NegativePower { dtype } => {
                write!(f, "a {dtype} array raised to a negative integer power; use floats (e.g. .astype(\"f64\"))")
            }
            NdError::NotSupported { what, dtype } => write!(f, "{what} is not defined for {dtype} arrays"),
            NdError::Empty { op } => write!(f, "{op} of an empty array has no value"),
            NdError::OutOfMemory { needed, available } => {
                write!(f, "not enough memory: this needs {} but only {} is available", gib(*needed), gib(*available))
            }
            NdError::BadNesting { reason } => write!(f, "nd::array: {reason}"),
            NdError::BadRange { axis, reason } => write!(f, "slice range for axis {axis}: {reason}"),
            NdError::Invalid { reason } => write!(f, "{reason}"),
            NdError::Interrupted(e) => write!(f, "{e}"),
        }
    }
}

impl From<crate::interrupt::Interrupted> for NdError {
    fn from(e: crate::interrupt::Interrupted) -> NdError {
        NdError::Interrupted(e)
    }
}

impl std::error::Error for NdError {}

/// Number of elements of `shape`, refusing overflow.
pub fn size_of(shape: &[usize]) -> Result<usize, NdError> {
    shape
        .iter()
        .try_fold(1usize, |acc, &n| acc.checked_mul(n))
        .ok_or_else(|| NdError::TooManyElements { shape: shape.to_vec() })
}

/// A user shape (script integers) as extents, refusing negative ones.
pub fn checked_shape(shape: &[i64]) -> Result<Vec<usize>, NdError> {
    if let Some(axis) = shape.iter().position(|&n| n < 0) {
        return Err(NdError::NegativeExtent { shape: shape.to_vec(), axis });
    }
    let s: Vec<usize> = shape.iter().map(|&n| n as usize).collect();
    size_of(&s)?;
    Ok(s)
}

/// A user axis (negative counts from the end) for an array with `ndim` axes.
pub fn checked_axis(axis: i64, ndim: usize) -> Result<usize, NdError> {
    let a = if axis < 0 { axis + ndim as i64 } else { axis };
    if a < 0 || a >= ndim as i64 {
        return Err(NdError::AxisOutOfRange { axis, ndim });
    }
    Ok(a as usize)
}

impl NdArray {
    /// Wraps a store (which must be in standard layout).
    pub fn from_store(store: Store) -> NdArray {
        debug_assert!(store.is_standard());
        NdArray(Arc::new(store))
    }

    /// An array of `shape` from row-major `data` (whose length must be the size).
    pub fn from_vec<T: Stored>(shape: &[usize], data: Vec<T>) -> NdArray {
        let a = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(shape), data).expect("data matches the shape");
        NdArray::from_store(T::wrap(a))
    }

    /// Zeros (false for bool) of `dtype`, after checking that the memory is there.
    pub fn zeros(dtype: DType, shape: &[usize]) -> Result<NdArray, NdError> {
        let n = size_of(shape)?;
        store::check_memory(n as u64 * dtype.size() as u64)?;
        Ok(dispatch_dtype!(dtype, T => NdArray::from_vec::<T>(shape, store::zeroed::<T>(n))))
    }

    /// Every element `value` (cast to `dtype`).
    pub fn full(dtype: DType, shape: &[usize], value: Scalar) -> Result<NdArray, NdError> {
        let n = size_of(shape)?;
        store::check_memory(n as u64 * dtype.size() as u64)?;
        Ok(dispatch_dtype!(dtype, T => {
            let v = store::scalar_as::<T>(value);
            let mut data = store::zeroed::<T>(n);
            data.iter_mut().for_each(|x| *x = v);
            NdArray::from_vec::<T>(shape, data)
        }))
    }

    pub fn store(&self) -> &Store {
        &self.0
    }

    /// The store for writing; copies it first if another array shares it.
    pub fn make_mut(&mut self) -> &mut Store {
        Arc::make_mut(&mut self.0)
    }

    /// The store, moved out when this is its only owner.
    pub fn into_store(self) -> Store {
        Arc::try_unwrap(self.0).unwrap_or_else(|shared| (*shared).clone())
    }

    /// Whether no other array shares this one's storage.
    pub fn is_unique(&self) -> bool {
        Arc::strong_count(&self.0) == 1
    }

    pub fn dtype(&self) -> DType {
        self.0.dtype()
    }

    pub fn shape(&self) -> &[usize] {
        self.0.shape()
    }

    pub fn ndim(&self) -> usize {
        self.shape().len()
    }

    pub fn size(&self) -> usize {
        self.shape().iter().product()
    }

    /// Bytes held by the elements.
    pub fn nbytes(&self) -> usize {
        self.size() * self.dtype().size()
    }

    /// The elements as a typed slice, if the dtype is `T`.
    pub fn as_slice<T: Stored>(&self) -> Option<&[T]> {
        T::get(&self.0).map(|a| a.as_slice().expect("standard layout"))
    }

    /// A copy in `dtype` (the same storage if it already is).
    pub fn astype(&self, dtype: DType) -> Result<NdArray, NdError> {
        if dtype == self.dtype() {
            return Ok(self.clone());
        }
        Lazy::leaf(self.clone()).cast(dtype).eval()
    }

    /// `self op other`, elementwise, same shapes.
    pub fn binary(&self, op: BinOp, other: &NdArray) -> Result<NdArray, NdError> {
        Lazy::leaf(self.clone()).binary(op, Lazy::leaf(other.clone()))?.eval()
    }

    /// `self op s` (or `s op self` when `scalar_left`).
    pub fn binary_scalar(&self, op: BinOp, s: Scalar, scalar_left: bool) -> Result<NdArray, NdError> {
        Lazy::leaf(self.clone()).binary_scalar(op, s, scalar_left)?.eval()
    }

    /// `op(self)`, elementwise.
    pub fn unary(&self, op: UnOp) -> Result<NdArray, NdError> {
        Lazy::leaf(self.clone()).unary(op)?.eval()
    }

    /// Elements where `mask` is true from `x`, else from `y` (all the same shape).
    pub fn select(mask: &NdArray, x: &NdArray, y: &NdArray) -> Result<NdArray, NdError> {
        Lazy::select(Lazy::leaf(mask.clone()), Lazy::leaf(x.clone()), Lazy::leaf(y.clone()))?.eval()
    }

    /// The elements in row-major order as scalars (for display and conversion).
    pub fn scalars(&self) -> Vec<Scalar> {
        dispatch_store!(&*self.0, a => a.iter().map(|x| x.scalar()).collect())
    }
}

impl fmt::Debug for NdArray {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl PartialEq for NdArray {
    /// Same dtype, shape and element bits (so NaN equals NaN): for tests and round trips.
    fn eq(&self, other: &NdArray) -> bool {
        self.dtype() == other.dtype()
            && self.shape() == other.shape()
            && self.scalars().iter().zip(other.scalars()).all(|(a, b)| match (a, b) {
                (Scalar::F64(x), Scalar::F64(y)) => x.to_bits() == y.to_bits(),
                (Scalar::F32(x), Scalar::F32(y)) => x.to_bits() == y.to_bits(),
                (Scalar::C128(x), Scalar::C128(y)) => {
                    x.re.to_bits() == y.re.to_bits() && x.im.to_bits() == y.im.to_bits()
                }
                (a, b) => *a == b,
            })
    }
}

#[cfg(test)]
mod tests;
