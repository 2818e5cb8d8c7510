//! Sorting and searching on one array: `sort`, `argsort` along an axis (stable, NaN
//! last, as NumPy's `kind="stable"`), `unique` (with counts), `searchsorted`.
//!
//! [`Order`] is the element order every sort uses, NdArray's and DistArray's shards:
//! NumPy's (`np_cmp`: NaNs after everything, `-0.0 == 0.0`, complex lexicographic) and a
//! refinement of it that is total on the bits (`total_cmp`: `-0.0` before `0.0`, NaNs by
//! payload), which a distributed sort uses so that its result does not depend on how
//! the elements were spread. Lanes along an axis are gathered into one buffer, sorted
//! stably ([`Order::sort_stable`]: for integers, and floats whose ties are all the same
//! bits, an unstable sort by the radix key, which gives the same result; the radix sort
//! of [`super::radix`] for floats with `-0.0` and `0.0` or several NaN patterns; Rust's
//! stable sort for complex), and written back; the last axis is sorted in place.

use super::radix::{self, RadixKey};
use super::{checked_axis, store, NdArray, NdError, Stored, C64};
use crate::interrupt::Interrupted;
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
    /// Sorts `v` stably in NumPy's order (`scratch`: a buffer the sort may grow and reuse).
    fn sort_stable(v: &mut [Self], _scratch: &mut Vec<Self>) -> Result<(), Interrupted> {
        radix::sort_stable_by(v, Self::np_cmp)
    }
    /// Sorts `(value, index)` pairs stably by value in NumPy's order.
    fn sort_pairs_stable(v: &mut [(Self, i64)], _scratch: &mut Vec<(Self, i64)>) -> Result<(), Interrupted> {
        radix::sort_stable_by(v, |a, b| a.0.np_cmp(&b.0))
    }
    /// What tells apart elements NumPy's order takes as equal, in `v`: whether it holds
    /// `-0.0`, whether `+0.0`, the smallest and the largest NaN bit pattern (as i64;
    /// `MAX, MIN` when none). Across arrays: ties can show when some have `-0.0` and some
    /// `+0.0`, or the smallest NaN pattern is not the largest ([`ties_show`]).
    fn tie_summary(_v: &[Self]) -> [i64; 4] {
        [0, 0, i64::MAX, i64::MIN]
    }
}

/// Whether the [`Order::tie_summary`]s of some arrays' parts show that the order of tied
/// elements matters (they are not all the same bits).
pub fn ties_show<'a>(parts: impl IntoIterator<Item = &'a [i64]>) -> bool {
    let (mut neg, mut pos, mut lo, mut hi) = (false, false, i64::MAX, i64::MIN);
    for s in parts {
        neg |= s[0] != 0;
        pos |= s[1] != 0;
        lo = lo.min(s[2]);
        hi = hi.max(s[3]);
    }
    (neg && pos) || lo < hi
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
            fn sort_stable(v: &mut [Self], scratch: &mut Vec<Self>) -> Result<(), Interrupted> {
                // Equal integers are the same bits: no order among them can show.
                radix::sort_unstable_by_key(v, scratch, |x| x.key())
            }
            fn sort_pairs_stable(v: &mut [(Self, i64)], scratch: &mut Vec<(Self, i64)>) -> Result<(), Interrupted> {
                radix::sort_pairs::<$t, { <$t as RadixKey>::BYTES }>(v, scratch)
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
            fn sort_stable(v: &mut [Self], scratch: &mut Vec<Self>) -> Result<(), Interrupted> {
                if ties_show([&Self::tie_summary(v)[..]]) {
                    radix::sort::<$t, { <$t as RadixKey>::BYTES }>(v, scratch)
                } else {
                    // Elements NumPy takes as equal are the same bits: the unstable sort
                    // by key gives the stable sort's result, and is faster here.
                    radix::sort_unstable_by_key(v, scratch, |x| x.key())
                }
            }
            fn sort_pairs_stable(v: &mut [(Self, i64)], scratch: &mut Vec<(Self, i64)>) -> Result<(), Interrupted> {
                radix::sort_pairs::<$t, { <$t as RadixKey>::BYTES }>(v, scratch)
            }
            fn tie_summary(v: &[Self]) -> [i64; 4] {
                let mut s = [0, 0, i64::MAX, i64::MIN];
                for x in v {
                    if *x == 0.0 {
                        s[x.is_sign_positive() as usize] = 1;
                    } else if x.is_nan() {
                        let b = x.to_bits() as i64;
                        s[2] = s[2].min(b);
                        s[3] = s[3].max(b);
                    }
                }
                s
            }
        }
    )*};
}
float_order!(f64, f32);

impl Order for C64 {
    fn tie_summary(_v: &[Self]) -> [i64; 4] {
        // Complex values are sorted with their indices always.
        [1, 1, 0, 0]
    }
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
fn each_lane<T: Copy + Default>(
    data: &mut [T],
    (outer, n, inner): (usize, usize, usize),
    mut f: impl FnMut(&mut [T]) -> Result<(), Interrupted>,
) -> Result<(), Interrupted> {
    if inner == 1 {
        return data.chunks_exact_mut(n.max(1)).try_for_each(f);
    }
    let mut buf = vec![T::default(); n];
    for o in 0..outer {
        for i in 0..inner {
            let base = o * n * inner + i;
            (0..n).for_each(|j| buf[j] = data[base + j * inner]);
            f(&mut buf)?;
            (0..n).for_each(|j| data[base + j * inner] = buf[j]);
        }
    }
    Ok(())
}

fn sorted<T: Order>(a: &NdArray, axis: usize) -> Result<NdArray, Interrupted> {
    let mut data = a.as_slice::<T>().expect("dtype").to_vec();
    if !data.is_empty() {
        let mut scratch = Vec::new();
        each_lane(&mut data, lanes(a.shape(), axis), |lane| T::sort_stable(lane, &mut scratch))?;
    }
    Ok(NdArray::from_vec(a.shape(), data))
}

fn argsorted<T: Order>(a: &NdArray, axis: usize) -> Result<NdArray, Interrupted> {
    let src = a.as_slice::<T>().expect("dtype");
    let (outer, n, inner) = lanes(a.shape(), axis);
    let mut out = store::zeroed::<i64>(src.len());
    let (mut pairs, mut scratch) = (Vec::with_capacity(n), Vec::new());
    for o in 0..outer {
        for i in 0..inner {
            let base = o * n * inner + i;
            pairs.clear();
            pairs.extend((0..n).map(|j| (src[base + j * inner], j as i64)));
            T::sort_pairs_stable(&mut pairs, &mut scratch)?;
            (0..n).for_each(|j| out[base + j * inner] = pairs[j].1);
        }
    }
    Ok(NdArray::from_vec(a.shape(), out))
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
        Ok(dispatch_dtype!(self.dtype(), T => sorted::<T>(self, axis))?)
    }

    /// The indices (i64) that sort each lane along `axis` (stable, NaN last).
    pub fn argsort(&self, axis: i64) -> Result<NdArray, NdError> {
        let axis = checked_axis(axis, self.ndim())?;
        Ok(dispatch_dtype!(self.dtype(), T => argsorted::<T>(self, axis))?)
    }

    /// The distinct values of the flattened array, sorted, and how often each occurs
    /// (NaNs count as one value, as NumPy's `equal_nan=True`).
    pub fn unique(&self) -> Result<(NdArray, NdArray), NdError> {
        let flat = self.reshape(&[self.size()]).expect("same size");
        let s = flat.sort(0)?;
        Ok(dispatch_store!(s.store(), a => {
            let (v, c) = unique_sorted(a.as_slice().expect("standard layout"));
            let n = v.len();
            (NdArray::from_vec(&[n], v), NdArray::from_vec(&[n], c))
        }))
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
