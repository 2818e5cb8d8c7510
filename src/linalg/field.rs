//! The element types linear algebra runs in, and NdArray ↔ faer conversions.
//!
//! Every kernel is generic over [`Field`], which is `f64` or `faer::c64` (c128). An
//! operand is brought to its working dtype with [`work_dtype`] (NumPy's `linalg` rule:
//! bool and integers become f64; f32 is computed in f64 and the result cast back), then
//! viewed as a faer matrix over its row-major elements: f64 in place, c128 by one
//! conversion of the elements (`C64` and `faer::c64` are distinct types).

use super::error::LinAlgError;
use crate::nd::{DType, NdArray, C64};
use faer::MatRef;
use std::borrow::Cow;

/// faer's complex f64.
pub type Cx = faer::c64;

/// An element type the kernels compute in.
pub trait Field:
    faer::traits::ComplexField<Real = f64>
    + Copy
    + Send
    + Sync
    + 'static
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::Div<Output = Self>
    + std::ops::Neg<Output = Self>
    + std::ops::AddAssign
    + std::ops::MulAssign
{
    const DTYPE: DType;
    /// The elements of `a`, which is of dtype `DTYPE`.
    fn elems(a: &NdArray) -> Cow<'_, [Self]>;
    /// An NdArray of dtype `DTYPE` holding `data`.
    fn array(shape: &[usize], data: Vec<Self>) -> NdArray;
    fn real(x: f64) -> Self;
    fn modulus(self) -> f64;
    fn conjugate(self) -> Self;
    fn re(self) -> f64;
    fn im(self) -> f64;
    fn zero() -> Self {
        Self::real(0.0)
    }
    fn one() -> Self {
        Self::real(1.0)
    }
}

impl Field for f64 {
    const DTYPE: DType = DType::F64;
    fn elems(a: &NdArray) -> Cow<'_, [f64]> {
        Cow::Borrowed(a.as_slice::<f64>().expect("an f64 array"))
    }
    fn array(shape: &[usize], data: Vec<f64>) -> NdArray {
        NdArray::from_vec(shape, data)
    }
    fn real(x: f64) -> f64 {
        x
    }
    fn modulus(self) -> f64 {
        self.abs()
    }
    fn conjugate(self) -> f64 {
        self
    }
    fn re(self) -> f64 {
        self
    }
    fn im(self) -> f64 {
        0.0
    }
}

impl Field for Cx {
    const DTYPE: DType = DType::C128;
    fn elems(a: &NdArray) -> Cow<'_, [Cx]> {
        Cow::Owned(a.as_slice::<C64>().expect("a c128 array").iter().map(|c| Cx::new(c.re, c.im)).collect())
    }
    fn array(shape: &[usize], data: Vec<Cx>) -> NdArray {
        NdArray::from_vec(shape, data.into_iter().map(|c| C64::new(c.re, c.im)).collect::<Vec<C64>>())
    }
    fn real(x: f64) -> Cx {
        Cx::new(x, 0.0)
    }
    fn modulus(self) -> f64 {
        self.norm()
    }
    fn conjugate(self) -> Cx {
        self.conj()
    }
    fn re(self) -> f64 {
        self.re
    }
    fn im(self) -> f64 {
        self.im
    }
}

/// The dtype `op` computes in for an operand of `dtype`: f64 or c128.
pub fn work_dtype(op: &str, dtype: DType) -> Result<DType, LinAlgError> {
    match dtype {
        DType::C128 => Ok(DType::C128),
        DType::Bool | DType::I32 | DType::I64 | DType::F32 | DType::F64 => Ok(DType::F64),
        #[allow(unreachable_patterns)]
        other => Err(LinAlgError::DType { op: op.to_string(), dtype: other }),
    }
}

/// The dtype a result goes back as: f32 for f32 input, else the working dtype.
pub fn out_dtype(input: DType, work: DType) -> DType {
    if input == DType::F32 && work == DType::F64 {
        DType::F32
    } else {
        work
    }
}

/// Gives `a` (computed in f64/c128) back in `dtype` (f32 for f32 input).
pub fn back(a: NdArray, dtype: DType) -> Result<NdArray, LinAlgError> {
    if a.dtype() == dtype {
        Ok(a)
    } else {
        Ok(a.astype(dtype)?)
    }
}

/// A row-major `(m, n)` view of `data`.
pub fn view<T>(data: &[T], m: usize, n: usize) -> MatRef<'_, T> {
    MatRef::from_row_major_slice(data, m, n)
}

/// The elements of a faer matrix, row-major.
pub fn rows_of<T: Field>(m: MatRef<'_, T>) -> Vec<T> {
    let (r, c) = (m.nrows(), m.ncols());
    let mut out = Vec::with_capacity(r * c);
    for i in 0..r {
        for j in 0..c {
            out.push(m[(i, j)]);
        }
    }
    out
}

/// A faer matrix as a 2-D NdArray.
pub fn nd_of<T: Field>(m: MatRef<'_, T>) -> NdArray {
    T::array(&[m.nrows(), m.ncols()], rows_of(m))
}

/// The shape of a 2-D operand, or an error naming what `op` accepts.
pub fn matrix_shape(op: &str, a: &NdArray) -> Result<(usize, usize), LinAlgError> {
    match a.shape() {
        &[m, n] => Ok((m, n)),
        s => Err(LinAlgError::Ndim { op: op.into(), shape: s.to_vec(), want: "a 2-D matrix".into() }),
    }
}

/// The size of a square 2-D operand.
pub fn square(op: &str, a: &NdArray) -> Result<usize, LinAlgError> {
    let (m, n) = matrix_shape(op, a)?;
    if m != n {
        return Err(LinAlgError::NotSquare { op: op.into(), shape: a.shape().to_vec() });
    }
    Ok(n)
}
