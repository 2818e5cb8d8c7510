//! Sorting and searching on one array: `sort`, `argsort` along an axis (stable, NaN
//! last, as NumPy's `kind="stable"`), `unique` (with counts), `searchsorted`.
//!
//! [`Order`] is the element order every sort uses, NdArray's and DistArray's shards:
//! NumPy's (`np_cmp`: NaNs after everything, `-0.0 == 0.0`, complex lexicographic) and a
//! refinement of it that is total on the bits (`total_cmp`: `-0.0` before `0.0`, NaNs by
//! payload), which a distributed sort uses so that its result does not depend on how
//! the elements were spread. Lanes along an axis are gathered into one buffer, sorted
//! with Rust's stable sort, and written back; the last axis is sorted in place.

use super::{checked_axis, store, NdArray, NdError, Stored, C64};
use std::cmp::Ordering;

/// The orders of an element type.
pub trait Order: Stored {
    /// NumPy's sort order.
    fn np_cmp(&self, other: &Self) -> Ordering;
    /// A total order on the bits that refines [`Order::np_cmp`].
    fn total_cmp(&self, other: &Self) -> Ordering;
    /// Whether NumPy's `unique` takes `self` and `other` as one value (NaNs are one).
    fn same(&self, other: &Self) -> bool {
        self.np_cmp(other) == Ordering::Equal
    }
}

macro_rules! int_order {
    ($($t:ty),*) => {$(
        impl Order for $t {
            #[inline]
            fn np_cmp(&self, other: &Self) -> Ordering {
                self.cmp(other)
            }
            #[inline]
            fn total_cmp(&self, other: &Self) -> Ordering {
                self.cmp(other)
            }
        }
    )*};
}
int_order!(i64, i32, bool);

macro_rules! float_order {
    ($($t:ty),*) => {$(
        impl Order for $t {
            #[inline]
            fn np_cmp(&self, other: &Self) -> Ordering {
                match (self.is_nan(), other.is_nan()) {
                    (false, false) => self.partial_cmp(other).expect("not NaN"),
                    (true, true) => Ordering::Equal,
                    (true, false) => Ordering::Greater,
                    (false, true) => Ordering::Less,
                }
            }
            #[inline]
            fn total_cmp(&self, other: &Self) -> Ordering {
                match (self.is_nan(), other.is_nan()) {
                    (false, false) => <$t>::total_cmp(self, other),
                    (true, true) => self.abs().to_bits().cmp(&other.abs().to_bits())
                        .then(self.is_sign_negative().cmp(&other.is_sign_negative())),
                    (true, false) => Ordering::Greater,
                    (false, true) => Ordering::Less,
                }
            }
        }
    )*};
}
float_order!(f64, f32);

impl Order for C64 {
    fn np_cmp(&self, other: &Self) -> Ordering {
        self.re.np_cmp(&other.re).then(self.im.np_cmp(&other.im))
    }
    fn total_cmp(&self, other: &Self) -> Ordering {
        Order::total_cmp(&self.re, &other.re).then(Order::total_cmp(&self.im, &other.im))
    }
}

/// `(outer, n, inner)`: the lanes along `axis` of `shape` are `outer * inner` runs of `n`
/// elements, `inner` apart.
pub fn lanes(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    (shape[..axis].iter().product(), shape[axis], shape[axis + 1..].iter().product())
}

/// Applies `f` to every lane of `data` along `axis` (given as `lanes`), in place.
fn each_lane<T: Copy + Default>(data: &mut [T], (outer, n, inner): (usize, usize, usize), mut f: impl FnMut(&mut [T])) {
    if inner == 1 {
        data.chunks_exact_mut(n.max(1)).for_each(f);
        return;
    }
    let mut buf = vec![T::default(); n];
    for o in 0..outer {
        for i in 0..inner {
            let base = o * n * inner + i;
            (0..n).for_each(|j| buf[j] = data[base + j * inner]);
            f(&mut buf);
            (0..n).for_each(|j| data[base + j * inner] = buf[j]);
        }
    }
}

/// The indices that sort `lane` stably in NumPy's order.
pub fn argsort_slice<T: Order>(lane: &[T], out: &mut [i64]) {
    out.iter_mut().enumerate().for_each(|(i, x)| *x = i as i64);
    out.sort_by(|&i, &j| lane[i as usize].np_cmp(&lane[j as usize]));
}

fn sorted<T: Order>(a: &NdArray, axis: usize) -> NdArray {
    let mut data = a.as_slice::<T>().expect("dtype").to_vec();
    if !data.is_empty() {
        each_lane(&mut data, lanes(a.shape(), axis), |lane| lane.sort_by(T::np_cmp));
    }
    NdArray::from_vec(a.shape(), data)
}

fn argsorted<T: Order>(a: &NdArray, axis: usize) -> NdArray {
    let src = a.as_slice::<T>().expect("dtype");
    let (outer, n, inner) = lanes(a.shape(), axis);
    let mut out = store::zeroed::<i64>(src.len());
    let (mut lane, mut idx) = (vec![T::default(); n], vec![0i64; n]);
    for o in 0..outer {
        for i in 0..inner {
            let base = o * n * inner + i;
            (0..n).for_each(|j| lane[j] = src[base + j * inner]);
            argsort_slice(&lane, &mut idx);
            (0..n).for_each(|j| out[base + j * inner] = idx[j]);
        }
    }
    NdArray::from_vec(a.shape(), out)
}

/// Sorted runs of equal values: each distinct value once, with how often it occurs.
pub fn unique_sorted<T: Order>(sorted: &[T]) -> (Vec<T>, Vec<i64>) {
    let (mut values, mut counts) = (Vec::new(), Vec::new());
    for x in sorted {
        match values.last() {
            Some(v) if T::same(v, x) => *counts.last_mut().expect("paired") += 1,
            _ => {
                values.push(*x);
                counts.push(1);
            }
        }
    }
    (values, counts)
}

impl NdArray {
    /// A sorted copy along `axis` (stable, NaN last).
    pub fn sort(&self, axis: i64) -> Result<NdArray, NdError> {
        let axis = checked_axis(axis, self.ndim())?;
        Ok(dispatch_dtype!(self.dtype(), T => sorted::<T>(self, axis)))
    }

    /// The indices (i64) that sort each lane along `axis` (stable, NaN last).
    pub fn argsort(&self, axis: i64) -> Result<NdArray, NdError> {
        let axis = checked_axis(axis, self.ndim())?;
        Ok(dispatch_dtype!(self.dtype(), T => argsorted::<T>(self, axis)))
    }

    /// The distinct values of the flattened array, sorted, and how often each occurs
    /// (NaNs count as one value, as NumPy's `equal_nan=True`).
    pub fn unique(&self) -> (NdArray, NdArray) {
        let flat = self.reshape(&[self.size()]).expect("same size");
        let s = flat.sort(0).expect("1-d");
        dispatch_store!(s.store(), a => {
            let (v, c) = unique_sorted(a.as_slice().expect("standard layout"));
            let n = v.len();
            (NdArray::from_vec(&[n], v), NdArray::from_vec(&[n], c))
        })
    }

    /// Where each of `v`'s elements would be inserted into this sorted 1-d array to keep
    /// it sorted (the leftmost place, NumPy's `side="left"`); the result has `v`'s shape.
    pub fn searchsorted(&self, v: &NdArray) -> Result<NdArray, NdError> {
        if self.ndim() != 1 {
            return Err(NdError::Invalid {
                reason: format!(
                    "searchsorted needs a sorted 1-d array; this one has shape {}",
                    super::display::list(self.shape())
                ),
            });
        }
        let dtype = super::DType::promote(self.dtype(), v.dtype());
        let (a, v) = (self.astype(dtype)?, v.astype(dtype)?);
        Ok(dispatch_dtype!(dtype, T => {
            let (sorted, wanted) = (a.as_slice::<T>().expect("dtype"), v.as_slice::<T>().expect("dtype"));
            NdArray::from_vec(v.shape(), wanted.iter().map(|x| search_left(sorted, x) as i64).collect())
        }))
    }
}

/// The first position in `sorted` whose element is not before `x` (NumPy's order).
pub fn search_left<T: Order>(sorted: &[T], x: &T) -> usize {
    sorted.partition_point(|y| y.np_cmp(x) == Ordering::Less)
}
