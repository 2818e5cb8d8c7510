//! Element access, transpose, slices, concatenation along axis 0, and construction
//! from nested values.
//!
//! Indices may be negative (counting from the end, like Rhai arrays); an index out of
//! range names itself and the shape. Slices take `[start, end]` or `[start, end, step]`
//! per axis with Python's meaning (negative bounds count from the end, bounds are
//! clamped, step > 0). Results are always new arrays in standard layout.

use super::dtype::{DType, Elem, Scalar};
use super::store::{scalar_as, Stored};
use super::{NdArray, NdError};
use ndarray::{ArrayD, Axis, IxDyn, Slice};

/// The flat offset of a user index in `shape`, checked.
pub fn flat_index(index: &[i64], shape: &[usize]) -> Result<usize, NdError> {
    if index.len() != shape.len() {
        return Err(NdError::IndexLength { index: index.to_vec(), shape: shape.to_vec() });
    }
    let mut flat = 0usize;
    for (&i, &n) in index.iter().zip(shape) {
        let j = if i < 0 { i + n as i64 } else { i };
        if j < 0 || j >= n as i64 {
            return Err(NdError::IndexOutOfBounds { index: index.to_vec(), shape: shape.to_vec() });
        }
        flat = flat * n + j as usize;
    }
    Ok(flat)
}

/// A slice range for one axis of extent `n`: (start, end, step) after Python's rules.
pub fn resolve_range(axis: usize, range: &[i64], n: usize) -> Result<(usize, usize, usize), NdError> {
    let bad = |reason: &str| NdError::BadRange { axis, reason: reason.to_string() };
    let (start, end, step) = match range {
        [s, e] => (*s, *e, 1),
        [s, e, k] => (*s, *e, *k),
        _ => return Err(bad(&format!("expected [start, end] or [start, end, step], got {} numbers", range.len()))),
    };
    if step <= 0 {
        return Err(bad(&format!("the step must be positive, not {step}")));
    }
    let clamp = |x: i64| -> usize {
        let x = if x < 0 { x + n as i64 } else { x };
        x.clamp(0, n as i64) as usize
    };
    let (s, e) = (clamp(start), clamp(end));
    Ok((s, e.max(s), step as usize))
}

/// Number of indices in a resolved range.
pub fn range_len((s, e, k): (usize, usize, usize)) -> usize {
    (e - s).div_ceil(k)
}

fn standard<T: Stored>(a: ndarray::ArrayViewD<'_, T>) -> NdArray {
    NdArray::from_store(T::wrap(a.as_standard_layout().into_owned()))
}

impl NdArray {
    /// The element at `index`.
    pub fn get(&self, index: &[i64]) -> Result<Scalar, NdError> {
        let flat = flat_index(index, self.shape())?;
        Ok(dispatch_store!(self.store(), a => a.as_slice().expect("standard")[flat].scalar()))
    }

    /// Sets the element at `index` to `value` (cast to this array's dtype).
    pub fn set(&mut self, index: &[i64], value: Scalar) -> Result<(), NdError> {
        let flat = flat_index(index, self.shape())?;
        dispatch_store!(self.make_mut(), a => {
            let slot = &mut a.as_slice_mut().expect("standard")[flat];
            *slot = scalar_as(value);
        });
        Ok(())
    }

    /// The axes in reverse order (a matrix transpose for 2-D).
    pub fn transpose(&self) -> NdArray {
        dispatch_store!(self.store(), a => standard(a.view().reversed_axes()))
    }

    /// The elements selected by one range per axis.
    pub fn slice(&self, ranges: &[Vec<i64>]) -> Result<NdArray, NdError> {
        if ranges.len() != self.ndim() {
            return Err(NdError::BadRange {
                axis: ranges.len().min(self.ndim()),
                reason: format!("give one range per axis: {} ranges for {} axes", ranges.len(), self.ndim()),
            });
        }
        let resolved: Vec<(usize, usize, usize)> = ranges
            .iter()
            .zip(self.shape())
            .enumerate()
            .map(|(a, (r, &n))| resolve_range(a, r, n))
            .collect::<Result<_, _>>()?;
        Ok(dispatch_store!(self.store(), a => standard(a.slice_each_axis(|ax| {
            let (s, e, k) = resolved[ax.axis.index()];
            Slice::new(s as isize, Some(e as isize), k as isize)
        }))))
    }

    /// `parts` (same dtype, same shape past axis 0) joined along axis 0.
    pub fn concat0(parts: &[NdArray]) -> Result<NdArray, NdError> {
        let first = parts.first().ok_or(NdError::BadNesting { reason: "nothing to join".into() })?;
        let mut shape = first.shape().to_vec();
        shape[0] = parts.iter().map(|p| p.shape()[0]).sum();
        dispatch_dtype!(first.dtype(), T => {
            let mut data: Vec<T> = Vec::with_capacity(super::size_of(&shape)?);
            for p in parts {
                data.extend_from_slice(p.as_slice::<T>().ok_or(NdError::BadNesting { reason: "parts of different dtypes".into() })?);
            }
            Ok(NdArray::from_vec(&shape, data))
        })
    }

    /// An array from row-major scalars; the dtype is the promotion of theirs (bool,
    /// i64 or f64 from a script), `f64` when there are none.
    pub fn from_nested(shape: &[usize], values: &[Scalar]) -> NdArray {
        let dtype = values.iter().map(|s| s.dtype()).reduce(DType::promote).unwrap_or(DType::F64);
        NdArray::from_scalars(shape, dtype, values)
    }

    /// The array `arr` (for tests and kernels that build with ndarray directly).
    pub fn from_ndarray<T: Stored>(arr: ArrayD<T>) -> NdArray {
        NdArray::from_store(T::wrap(arr.as_standard_layout().into_owned()))
    }

    /// Elements `start..end` along axis 0.
    pub fn rows(&self, start: usize, end: usize) -> NdArray {
        dispatch_store!(self.store(), a => standard(a.slice_axis(Axis(0), Slice::from(start..end))))
    }

    /// A reshaped copy-free view as a new array (sizes must agree).
    pub fn reshape(&self, shape: &[usize]) -> Result<NdArray, NdError> {
        if super::size_of(shape)? != self.size() {
            return Err(NdError::ShapeMismatch {
                op: "reshape".into(),
                left: self.shape().to_vec(),
                right: shape.to_vec(),
            });
        }
        Ok(dispatch_store!(self.store(), a => NdArray::from_store(Stored::wrap(
            a.clone().into_shape_with_order(IxDyn(shape)).expect("sizes agree")
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iota(shape: &[usize]) -> NdArray {
        let n = shape.iter().product::<usize>();
        NdArray::from_vec(shape, (0..n as i64).collect())
    }

    #[test]
    fn get_set_with_negative_indices_and_errors() {
        let mut a = iota(&[2, 3]);
        assert_eq!(a.get(&[1, -1]).unwrap(), Scalar::I64(5));
        let b = a.clone();
        a.set(&[0, 0], Scalar::F64(9.7)).unwrap();
        assert_eq!(a.get(&[0, 0]).unwrap(), Scalar::I64(9));
        assert_eq!(b.get(&[0, 0]).unwrap(), Scalar::I64(0), "copy on write");
        assert_eq!(a.get(&[2, 0]).unwrap_err().to_string(), "index [2, 0] is out of bounds for shape [2, 3]");
        assert_eq!(a.get(&[0]).unwrap_err().to_string(), "index [0] has 1 entries but shape [2, 3] has 2 axes");
    }

    #[test]
    fn transpose_slice_concat() {
        let a = iota(&[2, 3]);
        let t = a.transpose();
        assert_eq!(t.shape(), [3, 2]);
        assert_eq!(t.as_slice::<i64>().unwrap(), [0, 3, 1, 4, 2, 5]);
        let s = iota(&[10]).slice(&[vec![1, -1, 3]]).unwrap();
        assert_eq!(s.as_slice::<i64>().unwrap(), [1, 4, 7]);
        let s = a.slice(&[vec![0, 2], vec![1, 3]]).unwrap();
        assert_eq!(s.as_slice::<i64>().unwrap(), [1, 2, 4, 5]);
        assert!(a.slice(&[vec![0, 2, 0], vec![0, 1]]).unwrap_err().to_string().contains("step must be positive"));
        let c = NdArray::concat0(&[a.rows(0, 1), a.rows(1, 2)]).unwrap();
        assert_eq!(c, a);
        assert_eq!(a.reshape(&[3, 2]).unwrap().get(&[2, 1]).unwrap(), Scalar::I64(5));
        let n = NdArray::from_nested(&[3], &[Scalar::I64(1), Scalar::F64(0.5), Scalar::Bool(true)]);
        assert_eq!(n.dtype(), DType::F64);
    }
}
