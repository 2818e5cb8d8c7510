//! Selection and counting on one array: `select` (NumPy's `x[mask]`), `take`, `put`,
//! `clip`, `nonzero`, `count_nonzero`, and `histogram`'s pieces (range, edges, counts),
//! which DistArray's versions reuse on each shard.
//!
//! Every check (mask shape, each index, the bins) is made before anything is written,
//! so a refused call leaves its array as it was.

use super::display::list;
use super::{checked_axis, DType, Elem, NdArray, NdError, Scalar, Stored};

/// The index `i` (negative counts from the end) into an extent `n`, or the error that names it.
pub fn checked_index(i: i64, n: usize, what: &dyn Fn() -> String) -> Result<usize, NdError> {
    let j = if i < 0 { i + n as i64 } else { i };
    if j < 0 || j >= n as i64 {
        return Err(NdError::Invalid { reason: format!("index {i} is out of bounds for {}", what()) });
    }
    Ok(j as usize)
}

/// The elements of an integer index array as i64.
pub fn index_values(indices: &NdArray, op: &str) -> Result<Vec<i64>, NdError> {
    if !indices.dtype().is_int() {
        return Err(NdError::Invalid {
            reason: format!("{op}: indices must be integers, not {} values", indices.dtype()),
        });
    }
    Ok(indices.astype(DType::I64)?.as_slice::<i64>().expect("i64").to_vec())
}

/// Checks that `mask` is a bool array of `shape`, for `op`.
pub fn check_mask(mask_dtype: DType, mask_shape: &[usize], shape: &[usize], op: &str) -> Result<(), NdError> {
    if mask_dtype != DType::Bool {
        return Err(NdError::Invalid { reason: format!("{op}: the mask must be a bool array, not {mask_dtype}") });
    }
    if mask_shape != shape {
        return Err(NdError::Invalid {
            reason: format!(
                "{op}: the mask has shape {} but the array has shape {} (they must be the same)",
                list(mask_shape),
                list(shape)
            ),
        });
    }
    Ok(())
}

/// The elements of `data` where `mask` is true, in order.
pub fn compress<T: Copy>(data: &[T], mask: &[bool]) -> Vec<T> {
    data.iter().zip(mask).filter(|(_, &m)| m).map(|(x, _)| *x).collect()
}

fn clipped<T: Stored + PartialOrd>(a: &NdArray, lo: T, hi: T) -> NdArray {
    let src = a.as_slice::<T>().expect("dtype");
    let out = src
        .iter()
        .map(|&x| {
            let y = if x < lo { lo } else { x };
            if y > hi {
                hi
            } else {
                y
            }
        })
        .collect();
    NdArray::from_vec(a.shape(), out)
}

impl NdArray {
    /// The elements where `mask` (bool, same shape) is true, as a 1-d array (NumPy's `x[mask]`).
    pub fn select_mask(&self, mask: &NdArray) -> Result<NdArray, NdError> {
        check_mask(mask.dtype(), mask.shape(), self.shape(), "select")?;
        let m = mask.as_slice::<bool>().expect("bool");
        Ok(dispatch_store!(self.store(), a => {
            let out = compress(a.as_slice().expect("standard layout"), m);
            NdArray::from_vec(&[out.len()], out)
        }))
    }

    /// The elements at `indices` of the flattened array (no axis; the result has the
    /// indices' shape), or the slices at `indices` along `axis`.
    pub fn take(&self, indices: &NdArray, axis: Option<i64>) -> Result<NdArray, NdError> {
        let idx = index_values(indices, "take")?;
        let (shape, outer, n, inner, out_shape) = match axis {
            None => {
                let n = self.size();
                (vec![n], 1, n, 1, indices.shape().to_vec())
            }
            Some(axis) => {
                let ax = checked_axis(axis, self.ndim())?;
                let (o, n, i) = super::sort::lanes(self.shape(), ax);
                let mut s = self.shape()[..ax].to_vec();
                s.extend_from_slice(indices.shape());
                s.extend_from_slice(&self.shape()[ax + 1..]);
                (vec![ax], o, n, i, s)
            }
        };
        let what = || match axis {
            None => format!("an array of size {n}"),
            Some(_) => format!("axis {} with size {n}", shape[0]),
        };
        let idx: Vec<usize> = idx.iter().map(|&i| checked_index(i, n, &what)).collect::<Result<_, _>>()?;
        Ok(dispatch_store!(self.store(), a => {
            let src = a.as_slice().expect("standard layout");
            let mut out = Vec::with_capacity(outer * idx.len() * inner);
            for o in 0..outer {
                for &j in &idx {
                    let at = (o * n + j) * inner;
                    out.extend_from_slice(&src[at..at + inner]);
                }
            }
            NdArray::from_vec(&out_shape, out)
        }))
    }

    /// Writes `values` (repeated as needed, cast to this dtype) at the flat `indices`.
    pub fn put(&mut self, indices: &NdArray, values: &NdArray) -> Result<(), NdError> {
        let n = self.size();
        let what = || format!("an array of size {n}");
        let idx: Vec<usize> =
            index_values(indices, "put")?.iter().map(|&i| checked_index(i, n, &what)).collect::<Result<_, _>>()?;
        if idx.is_empty() {
            return Ok(());
        }
        if values.size() == 0 {
            return Err(NdError::Invalid { reason: "put: no values to write at the indices".into() });
        }
        let values = values.astype(self.dtype())?;
        dispatch_dtype!(self.dtype(), T => {
            let v = values.as_slice::<T>().expect("dtype");
            let a = T::get_mut(self.make_mut()).expect("dtype");
            let dst = a.as_slice_mut().expect("standard layout");
            idx.iter().zip(v.iter().cycle()).for_each(|(&i, &x)| dst[i] = x);
        });
        Ok(())
    }

    /// Every element limited to `[lo, hi]` (NaN stays NaN); the dtype is promoted with
    /// the bounds' as NumPy does.
    pub fn clip(&self, lo: Scalar, hi: Scalar) -> Result<NdArray, NdError> {
        let dtype = hi.promote_with(lo.promote_with(self.dtype()));
        let a = self.astype(dtype)?;
        macro_rules! go {
            ($t:ty) => {
                Ok(clipped::<$t>(&a, store_cast(lo), store_cast(hi)))
            };
        }
        match dtype {
            DType::F64 => go!(f64),
            DType::F32 => go!(f32),
            DType::I64 => go!(i64),
            DType::I32 => go!(i32),
            DType::Bool => go!(bool),
            DType::C128 => Err(NdError::NotSupported { what: "clip".into(), dtype }),
        }
    }

    /// The indices of the non-zero elements, one i64 array per axis (NumPy's tuple).
    pub fn nonzero(&self) -> Vec<NdArray> {
        let shape = self.shape().to_vec();
        let flat: Vec<usize> = dispatch_store!(self.store(), a => a
            .iter()
            .enumerate()
            .filter(|(_, x)| x.to_bool())
            .map(|(i, _)| i)
            .collect());
        let mut axes = vec![Vec::with_capacity(flat.len()); shape.len()];
        for &f in &flat {
            let mut rest = f;
            for (ax, &n) in shape.iter().enumerate().rev() {
                axes[ax].push((rest % n) as i64);
                rest /= n;
            }
        }
        axes.into_iter().map(|v| NdArray::from_vec(&[v.len()], v)).collect()
    }

    /// How many elements are not zero (or false).
    pub fn count_nonzero(&self) -> usize {
        dispatch_store!(self.store(), a => a.iter().filter(|x| x.to_bool()).count())
    }

    /// `[counts, edges]` of `bins` equal bins over `range` (default: the data's min and max).
    pub fn histogram(&self, bins: i64, range: Option<(f64, f64)>) -> Result<(NdArray, NdArray), NdError> {
        let data = hist_data(self)?;
        let (lo, hi) = match range {
            Some(r) => r,
            None => min_max(&data).unwrap_or((0.0, 1.0)),
        };
        let edges = hist_edges(bins, lo, hi, range.is_some())?;
        let counts = hist_counts(&data, &edges);
        Ok((NdArray::from_vec(&[counts.len()], counts), NdArray::from_vec(&[edges.len()], edges)))
    }
}

fn store_cast<T: Elem>(s: Scalar) -> T {
    super::store::scalar_as::<T>(s)
}

/// The elements as f64, for `histogram` (complex refused).
pub fn hist_data(a: &NdArray) -> Result<Vec<f64>, NdError> {
    if a.dtype() == DType::C128 {
        return Err(NdError::NotSupported { what: "histogram".into(), dtype: DType::C128 });
    }
    Ok(dispatch_store!(a.store(), s => s.iter().map(|x| x.to_f64()).collect()))
}

/// The smallest and largest element (NaN if any is NaN), `None` when empty.
pub fn min_max(data: &[f64]) -> Option<(f64, f64)> {
    let first = *data.first()?;
    Some(data.iter().fold((first, first), |(lo, hi), &x| {
        if x.is_nan() || lo.is_nan() {
            (f64::NAN, f64::NAN)
        } else {
            (lo.min(x), hi.max(x))
        }
    }))
}

/// NumPy's bin edges: `bins + 1` values from `lo` to `hi` (widened by 0.5 each way
/// when they are equal), as `np.linspace` computes them.
pub fn hist_edges(bins: i64, lo: f64, hi: f64, given: bool) -> Result<Vec<f64>, NdError> {
    if bins < 1 {
        return Err(NdError::Invalid { reason: format!("histogram: bins must be at least 1, not {bins}") });
    }
    if !lo.is_finite() || !hi.is_finite() {
        let how = if given { "the range" } else { "the autodetected range" };
        return Err(NdError::Invalid { reason: format!("histogram: {how} [{lo}, {hi}] is not finite") });
    }
    if lo > hi {
        return Err(NdError::Invalid {
            reason: format!("histogram: max must be larger than min in range [{lo}, {hi}]"),
        });
    }
    let (lo, hi) = if lo == hi { (lo - 0.5, hi + 0.5) } else { (lo, hi) };
    let n = bins as usize;
    let step = (hi - lo) / n as f64;
    let mut edges: Vec<f64> = (0..=n).map(|i| i as f64 * step + lo).collect();
    edges[n] = hi;
    Ok(edges)
}

/// How many of `data` fall in each bin of `edges` (the last bin includes its right
/// edge; values outside, and NaNs, are not counted), computed as NumPy does.
pub fn hist_counts(data: &[f64], edges: &[f64]) -> Vec<i64> {
    let n = edges.len() - 1;
    let (lo, hi) = (edges[0], edges[n]);
    let norm = n as f64 / (hi - lo);
    let mut counts = vec![0i64; n];
    for &x in data {
        if !(x >= lo && x <= hi) {
            continue;
        }
        let mut i = (((x - lo) * norm) as usize).min(n - 1);
        if x < edges[i] {
            i -= 1;
        } else if i + 1 < n && x >= edges[i + 1] {
            i += 1;
        }
        counts[i] += 1;
    }
    counts
}
