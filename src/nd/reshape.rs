//! NumPy's shape operations on NdArray: `reshape` (C order, one `-1` inferred), `ravel`,
//! `squeeze`, `expand_dims`, `swapaxes`, `transpose(axes)`, `flip`, `concatenate`,
//! `stack`, and slices with negative steps.
//!
//! The pure shape arithmetic (inferring `-1`, checking permutations, resolving a slice
//! range with any step) is here as free functions, so `distarray::reshape` computes the
//! same shapes and refuses the same inputs with the same messages. Results are new
//! arrays in standard layout; operations that keep the row-major order (reshape, ravel,
//! squeeze, expand_dims) share the storage instead of copying it.

use super::shape_ops::flat_index;
use super::store::Stored;
use super::{checked_axis, size_of, DType, NdArray, NdError};
use ndarray::{Axis, IxDyn, Slice};

fn invalid(what: &str, reason: String) -> NdError {
    NdError::Invalid { reason: format!("{what}: {reason}") }
}

/// The shape `new` (which may hold one `-1`) for an array of `size` elements.
pub fn infer_shape(old: &[usize], new: &[i64]) -> Result<Vec<usize>, NdError> {
    let size: usize = old.iter().product();
    let unknown: Vec<usize> = (0..new.len()).filter(|&i| new[i] == -1).collect();
    if unknown.len() > 1 {
        return Err(invalid("reshape", format!("can only infer one axis, {:?} has {} -1s", new, unknown.len())));
    }
    if let Some(axis) = new.iter().position(|&n| n < -1) {
        return Err(NdError::NegativeExtent { shape: new.to_vec(), axis });
    }
    let known: Vec<usize> = new.iter().map(|&n| n.max(1) as usize).collect();
    let known_size = size_of(&known)?;
    let mut shape: Vec<usize> = new.iter().map(|&n| n.max(0) as usize).collect();
    if let Some(&u) = unknown.first() {
        if known_size == 0 || !size.is_multiple_of(known_size) {
            return Err(invalid(
                "reshape",
                format!("cannot reshape an array of size {size} (shape {old:?}) into shape {new:?}"),
            ));
        }
        shape[u] = size / known_size;
    }
    if size_of(&shape)? != size {
        return Err(invalid(
            "reshape",
            format!("cannot reshape an array of size {size} (shape {old:?}) into shape {new:?}"),
        ));
    }
    Ok(shape)
}

/// The axes a `squeeze` removes: `axis` (which must have length 1) or every length-1 axis.
pub fn squeeze_axes(shape: &[usize], axis: Option<i64>) -> Result<Vec<usize>, NdError> {
    match axis {
        None => Ok((0..shape.len()).filter(|&a| shape[a] == 1).collect()),
        Some(ax) => {
            let a = checked_axis(ax, shape.len())?;
            if shape[a] != 1 {
                return Err(invalid(
                    "squeeze",
                    format!("cannot select axis {ax} of shape {shape:?}: its length is {}, not 1", shape[a]),
                ));
            }
            Ok(vec![a])
        }
    }
}

/// The position a new axis takes in `expand_dims(axis)` on an array of `ndim` axes.
pub fn expand_axis(axis: i64, ndim: usize) -> Result<usize, NdError> {
    checked_axis(axis, ndim + 1)
}

/// A user permutation of `ndim` axes, checked (negative axes count from the end).
pub fn checked_permutation(axes: &[i64], ndim: usize) -> Result<Vec<usize>, NdError> {
    if axes.len() != ndim {
        return Err(invalid("transpose", format!("axes {axes:?} do not match an array with {ndim} axes")));
    }
    let perm: Vec<usize> = axes.iter().map(|&a| checked_axis(a, ndim)).collect::<Result<_, _>>()?;
    let mut seen = vec![false; ndim];
    for &p in &perm {
        if std::mem::replace(&mut seen[p], true) {
            return Err(invalid("transpose", format!("axes {axes:?}: axis {p} is repeated")));
        }
    }
    Ok(perm)
}

/// The permutation that swaps axes `i` and `j`.
pub fn swap_permutation(i: i64, j: i64, ndim: usize) -> Result<Vec<usize>, NdError> {
    let (i, j) = (checked_axis(i, ndim)?, checked_axis(j, ndim)?);
    let mut perm: Vec<usize> = (0..ndim).collect();
    perm.swap(i, j);
    Ok(perm)
}

/// A slice range `[start, end]` or `[start, end, step]` (any nonzero step) on an axis of
/// extent `n`, as Python resolves it: `(first, count, step)` with the indices
/// `first + k * step` for `k < count`.
pub fn resolve_stepped(axis: usize, range: &[i64], n: usize) -> Result<(usize, usize, i64), NdError> {
    let bad = |reason: String| NdError::BadRange { axis, reason };
    let (start, end, step) = match range {
        [s, e] => (*s, *e, 1),
        [s, e, k] => (*s, *e, *k),
        _ => return Err(bad(format!("expected [start, end] or [start, end, step], got {} numbers", range.len()))),
    };
    if step == 0 {
        return Err(bad("the step must not be zero".into()));
    }
    let n = n as i64;
    let wrap = |x: i64| if x < 0 { x + n } else { x };
    let (first, count) = if step > 0 {
        let (s, e) = (wrap(start).clamp(0, n), wrap(end).clamp(0, n));
        (s, if e > s { (e - s + step - 1) / step } else { 0 })
    } else {
        let (s, e) = (wrap(start).clamp(-1, n - 1), wrap(end).clamp(-1, n - 1));
        (s, if s > e { (s - e + (-step) - 1) / (-step) } else { 0 })
    };
    Ok((if count == 0 { 0 } else { first as usize }, count as usize, step))
}

/// The shape of `parts` joined along `axis` (same dtype promotion as NumPy).
pub fn concat_shape(shapes: &[Vec<usize>], axis: i64) -> Result<(Vec<usize>, usize), NdError> {
    let first = shapes.first().ok_or_else(|| invalid("concatenate", "needs at least one array".into()))?;
    if first.is_empty() {
        return Err(invalid("concatenate", "zero-dimensional arrays cannot be concatenated".into()));
    }
    let ax = checked_axis(axis, first.len())?;
    let mut shape = first.clone();
    shape[ax] = 0;
    for (i, s) in shapes.iter().enumerate() {
        let same = s.len() == first.len() && (0..s.len()).all(|a| a == ax || s[a] == first[a]);
        if !same {
            return Err(invalid(
                "concatenate",
                format!(
                    "all the input array dimensions except for the concatenation axis must match exactly, but array 0 has shape {first:?} and array {i} has shape {s:?}"
                ),
            ));
        }
        shape[ax] += s[ax];
    }
    Ok((shape, ax))
}

/// The shape of `shapes` (all equal) stacked on a new `axis`.
pub fn stack_shape(shapes: &[Vec<usize>], axis: i64) -> Result<(Vec<usize>, usize), NdError> {
    let first = shapes.first().ok_or_else(|| invalid("stack", "needs at least one array".into()))?;
    if let Some((i, s)) = shapes.iter().enumerate().find(|(_, s)| *s != first) {
        return Err(invalid(
            "stack",
            format!("all input arrays must have the same shape, but array 0 has shape {first:?} and array {i} has shape {s:?}"),
        ));
    }
    let ax = expand_axis(axis, first.len())?;
    let mut shape = first.clone();
    shape.insert(ax, shapes.len());
    Ok((shape, ax))
}

/// The dtype arrays of `dtypes` join in.
pub fn joined_dtype(dtypes: impl IntoIterator<Item = DType>) -> DType {
    dtypes.into_iter().reduce(DType::promote).unwrap_or(DType::F64)
}

impl NdArray {
    /// The same elements in C order with shape `shape` (one `-1` inferred).
    pub fn reshaped(&self, shape: &[i64]) -> Result<NdArray, NdError> {
        self.reshape(&infer_shape(self.shape(), shape)?)
    }

    /// The elements as a 1-d array, in C order.
    pub fn ravel(&self) -> NdArray {
        self.reshape(&[self.size()]).expect("same size")
    }

    /// Without the axes of length 1 (or only `axis`, which must have length 1).
    pub fn squeeze(&self, axis: Option<i64>) -> Result<NdArray, NdError> {
        let drop = squeeze_axes(self.shape(), axis)?;
        let shape: Vec<usize> = (0..self.ndim()).filter(|a| !drop.contains(a)).map(|a| self.shape()[a]).collect();
        self.reshape(&shape)
    }

    /// With a new axis of length 1 at `axis`.
    pub fn expand_dims(&self, axis: i64) -> Result<NdArray, NdError> {
        let mut shape = self.shape().to_vec();
        shape.insert(expand_axis(axis, self.ndim())?, 1);
        self.reshape(&shape)
    }

    /// Axis `k` of the result is axis `perm[k]` of this array.
    pub fn permuted(&self, perm: &[usize]) -> NdArray {
        dispatch_store!(self.store(), a => NdArray::from_ndarray(a.view().permuted_axes(IxDyn(perm)).to_owned()))
    }

    /// `transpose(axes)`: the axes in the order given.
    pub fn transpose_axes(&self, axes: &[i64]) -> Result<NdArray, NdError> {
        Ok(self.permuted(&checked_permutation(axes, self.ndim())?))
    }

    /// Axes `i` and `j` exchanged.
    pub fn swapaxes(&self, i: i64, j: i64) -> Result<NdArray, NdError> {
        Ok(self.permuted(&swap_permutation(i, j, self.ndim())?))
    }

    /// The elements in reverse order along `axis`.
    pub fn flip(&self, axis: i64) -> Result<NdArray, NdError> {
        let ax = checked_axis(axis, self.ndim())?;
        Ok(dispatch_store!(self.store(), a => {
            let mut v = a.view();
            v.invert_axis(Axis(ax));
            NdArray::from_ndarray(v.to_owned())
        }))
    }

    /// The elements selected by one range per axis; steps may be negative (Python's rules).
    pub fn slice_stepped(&self, ranges: &[Vec<i64>]) -> Result<NdArray, NdError> {
        if ranges.len() != self.ndim() {
            return Err(NdError::BadRange {
                axis: ranges.len().min(self.ndim()),
                reason: format!("give one range per axis: {} ranges for {} axes", ranges.len(), self.ndim()),
            });
        }
        let resolved: Vec<(usize, usize, i64)> = ranges
            .iter()
            .zip(self.shape())
            .enumerate()
            .map(|(a, (r, &n))| resolve_stepped(a, r, n))
            .collect::<Result<_, _>>()?;
        Ok(dispatch_store!(self.store(), a => NdArray::from_ndarray(a.slice_each_axis(|ax| {
            let (first, count, step) = resolved[ax.axis.index()];
            if count == 0 {
                return Slice::new(0, Some(0), 1);
            }
            if step > 0 {
                Slice::new(first as isize, Some((first as i64 + (count as i64 - 1) * step + 1) as isize), step as isize)
            } else {
                // ndarray's negative steps walk from the end of [start, end).
                let last = first as i64 + (count as i64 - 1) * step;
                Slice::new(last as isize, Some(first as isize + 1), step as isize)
            }
        }).to_owned())))
    }

    /// `parts` joined along `axis`, in the promoted dtype.
    pub fn concatenate(parts: &[NdArray], axis: i64) -> Result<NdArray, NdError> {
        let shapes: Vec<Vec<usize>> = parts.iter().map(|p| p.shape().to_vec()).collect();
        let (shape, ax) = concat_shape(&shapes, axis)?;
        let dtype = joined_dtype(parts.iter().map(|p| p.dtype()));
        super::store::check_memory((size_of(&shape)? * dtype.size()) as u64)?;
        let cast: Vec<NdArray> = parts.iter().map(|p| p.astype(dtype)).collect::<Result<_, _>>()?;
        dispatch_dtype!(dtype, T => {
            let views: Vec<_> = cast.iter().map(|p| T::get(p.store()).expect("cast").view()).collect();
            let joined = ndarray::concatenate(Axis(ax), &views).map_err(|e| invalid("concatenate", e.to_string()))?;
            debug_assert_eq!(joined.shape(), &shape[..]);
            Ok(NdArray::from_ndarray(joined))
        })
    }

    /// `parts` (all of one shape) stacked along a new `axis`.
    pub fn stack(parts: &[NdArray], axis: i64) -> Result<NdArray, NdError> {
        let shapes: Vec<Vec<usize>> = parts.iter().map(|p| p.shape().to_vec()).collect();
        let (_, ax) = stack_shape(&shapes, axis)?;
        let expanded: Vec<NdArray> = parts.iter().map(|p| p.expand_dims(ax as i64)).collect::<Result<_, _>>()?;
        NdArray::concatenate(&expanded, ax as i64)
    }

    /// The flat C-order offset of `index` (for tests).
    pub fn offset_of(&self, index: &[i64]) -> Result<usize, NdError> {
        flat_index(index, self.shape())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iota(shape: &[usize]) -> NdArray {
        NdArray::from_vec(shape, (0..shape.iter().product::<usize>() as i64).collect())
    }

    fn ints(a: &NdArray) -> Vec<i64> {
        a.as_slice::<i64>().unwrap().to_vec()
    }

    #[test]
    fn reshape_infers_and_refuses() {
        let a = iota(&[2, 6]);
        assert_eq!(a.reshaped(&[3, -1]).unwrap().shape(), [3, 4]);
        assert_eq!(a.reshaped(&[-1]).unwrap().shape(), [12]);
        let e = a.reshaped(&[5, -1]).unwrap_err().to_string();
        assert_eq!(e, "reshape: cannot reshape an array of size 12 (shape [2, 6]) into shape [5, -1]");
        assert!(a.reshaped(&[-1, -1]).unwrap_err().to_string().contains("can only infer one axis"));
        assert!(a.reshaped(&[7]).is_err());
        assert_eq!(iota(&[0, 3]).reshaped(&[3, 0]).unwrap().shape(), [3, 0]);
    }

    #[test]
    fn squeeze_expand_swap_transpose_flip() {
        let a = iota(&[1, 3, 1]);
        assert_eq!(a.squeeze(None).unwrap().shape(), [3]);
        assert_eq!(a.squeeze(Some(-1)).unwrap().shape(), [1, 3]);
        assert!(a.squeeze(Some(1)).unwrap_err().to_string().contains("its length is 3, not 1"));
        assert_eq!(iota(&[3]).expand_dims(-1).unwrap().shape(), [3, 1]);
        assert_eq!(iota(&[3]).expand_dims(0).unwrap().shape(), [1, 3]);
        assert!(iota(&[3]).expand_dims(2).is_err());
        let b = iota(&[2, 3, 4]);
        let t = b.transpose_axes(&[1, 2, 0]).unwrap();
        assert_eq!(t.shape(), [3, 4, 2]);
        assert_eq!(t.get(&[2, 1, 1]).unwrap(), b.get(&[1, 2, 1]).unwrap());
        assert!(b.transpose_axes(&[0, 0, 1]).unwrap_err().to_string().contains("repeated"));
        assert_eq!(b.swapaxes(0, 2).unwrap().shape(), [4, 3, 2]);
        assert_eq!(ints(&iota(&[2, 3]).flip(1).unwrap()), [2, 1, 0, 5, 4, 3]);
        assert_eq!(ints(&iota(&[2, 3]).flip(0).unwrap()), [3, 4, 5, 0, 1, 2]);
    }

    #[test]
    fn negative_steps_follow_python() {
        let a = iota(&[10]);
        let s = |r: &[i64]| ints(&a.slice_stepped(&[r.to_vec()]).unwrap());
        assert_eq!(s(&[9, -11, -1]), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
        assert_eq!(s(&[-1, 0, -3]), [9, 6, 3]);
        assert_eq!(s(&[8, 2, -2]), [8, 6, 4]);
        assert_eq!(s(&[-3, 100]), [7, 8, 9]);
        assert_eq!(s(&[2, 8, 3]), [2, 5]);
        assert_eq!(s(&[2, 8, -1]), Vec::<i64>::new());
        assert!(a.slice_stepped(&[vec![0, 1, 0]]).is_err());
    }

    #[test]
    fn concatenate_and_stack() {
        let a = iota(&[2, 2]);
        let b = NdArray::from_vec(&[2, 1], vec![0.5f64, 1.5]);
        let c = NdArray::concatenate(&[a.clone(), b.clone()], 1).unwrap();
        assert_eq!(c.dtype(), DType::F64);
        assert_eq!(c.as_slice::<f64>().unwrap(), [0.0, 1.0, 0.5, 2.0, 3.0, 1.5]);
        assert!(NdArray::concatenate(&[a.clone(), b], 0).unwrap_err().to_string().contains("array 1 has shape [2, 1]"));
        let s = NdArray::stack(&[a.clone(), a.clone()], -1).unwrap();
        assert_eq!(s.shape(), [2, 2, 2]);
        assert_eq!(ints(&s), [0, 0, 1, 1, 2, 2, 3, 3]);
    }
}
