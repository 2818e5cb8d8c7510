//! Scans and differences: `cumsum`, `cumprod`, `diff`, whole (flattened, as NumPy does
//! without an axis) or along an axis.
//!
//! Result dtypes follow NumPy: a scan of `bool` or `i32` is `i64`, other dtypes keep
//! theirs; integers wrap on overflow as NumPy's do; floats are summed in order (as
//! `np.cumsum` does, so the answers are the same bits). `diff` keeps the dtype, and of
//! booleans it is `!=` (NumPy's `not_equal`).
//!
//! The kernels work on a standard-layout buffer seen as `(outer, n, inner)` around the
//! scanned axis, and are public so `distarray::scan` runs the same loops on shards:
//! [`scan_in_place`] for the local scan, [`combine_in_place`] to apply a carried-in
//! offset, [`last_slice`] for the carry a shard passes on.

use super::dtype::{DType, C64};
use super::store::Stored;
use super::{checked_axis, NdArray, NdError};
use crate::interrupt::{Interrupted, Meter};

/// What an interrupted scan reports.
const WHAT: &str = "a scan";

/// The operation of a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanOp {
    Sum,
    Prod,
}

impl ScanOp {
    pub fn name(self) -> &'static str {
        match self {
            ScanOp::Sum => "cumsum",
            ScanOp::Prod => "cumprod",
        }
    }
}

/// Numbers a scan can combine: wrapping for integers, IEEE for floats.
pub trait ScanElem: Stored {
    const ZERO: Self;
    const ONE: Self;
    fn add(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    #[inline(always)]
    fn apply(op: ScanOp, a: Self, b: Self) -> Self {
        match op {
            ScanOp::Sum => a.add(b),
            ScanOp::Prod => a.mul(b),
        }
    }
    #[inline(always)]
    fn identity(op: ScanOp) -> Self {
        match op {
            ScanOp::Sum => Self::ZERO,
            ScanOp::Prod => Self::ONE,
        }
    }
}

macro_rules! int_elem {
    ($t:ty) => {
        impl ScanElem for $t {
            const ZERO: $t = 0;
            const ONE: $t = 1;
            #[inline(always)]
            fn add(self, o: $t) -> $t {
                self.wrapping_add(o)
            }
            #[inline(always)]
            fn mul(self, o: $t) -> $t {
                self.wrapping_mul(o)
            }
            #[inline(always)]
            fn sub(self, o: $t) -> $t {
                self.wrapping_sub(o)
            }
        }
    };
}
int_elem!(i64);
int_elem!(i32);

macro_rules! float_elem {
    ($t:ty) => {
        impl ScanElem for $t {
            const ZERO: $t = 0.0;
            const ONE: $t = 1.0;
            #[inline(always)]
            fn add(self, o: $t) -> $t {
                self + o
            }
            #[inline(always)]
            fn mul(self, o: $t) -> $t {
                self * o
            }
            #[inline(always)]
            fn sub(self, o: $t) -> $t {
                self - o
            }
        }
    };
}
float_elem!(f64);
float_elem!(f32);

impl ScanElem for C64 {
    const ZERO: C64 = C64::new(0.0, 0.0);
    const ONE: C64 = C64::new(1.0, 0.0);
    #[inline(always)]
    fn add(self, o: C64) -> C64 {
        self + o
    }
    #[inline(always)]
    fn mul(self, o: C64) -> C64 {
        self * o
    }
    #[inline(always)]
    fn sub(self, o: C64) -> C64 {
        self - o
    }
}

/// The dtype a scan of `dtype` gives.
pub fn scan_dtype(dtype: DType) -> DType {
    match dtype {
        DType::Bool | DType::I32 => DType::I64,
        d => d,
    }
}

/// `(outer, n, inner)` of `shape` around `axis`.
pub fn split_at_axis(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    (shape[..axis].iter().product(), shape[axis], shape[axis + 1..].iter().product())
}

/// Scans `data` (`(outer, n, inner)`) along the middle axis, in place. Interrupted, it
/// leaves `data` part scanned: callers scan buffers of their own.
pub fn scan_in_place<T: ScanElem>(
    data: &mut [T],
    (outer, n, inner): (usize, usize, usize),
    op: ScanOp,
) -> Result<(), Interrupted> {
    if n < 2 || inner == 0 {
        return Ok(());
    }
    let mut meter = Meter::new(WHAT);
    for block in data.chunks_exact_mut(n * inner).take(outer) {
        if inner == 1 {
            let mut acc = block[0];
            for piece in block[1..].chunks_mut(Meter::PER) {
                meter.tick(piece.len())?;
                for x in piece {
                    acc = T::apply(op, acc, *x);
                    *x = acc;
                }
            }
            continue;
        }
        for i in 1..n {
            meter.tick(inner)?;
            let (before, rest) = block.split_at_mut(i * inner);
            let prev = &before[(i - 1) * inner..];
            for (x, &p) in rest[..inner].iter_mut().zip(prev) {
                *x = T::apply(op, p, *x);
            }
        }
    }
    Ok(())
}

/// The scan of `src` (`(outer, n, inner)`) along the middle axis into a new buffer, in
/// one pass (no copy first).
pub fn scan_copy<T: ScanElem>(src: &[T], dims: (usize, usize, usize), op: ScanOp) -> Result<Vec<T>, Interrupted> {
    let (outer, n, inner) = dims;
    if inner != 1 || n < 2 {
        let mut out = src.to_vec();
        scan_in_place(&mut out, dims, op)?;
        return Ok(out);
    }
    let mut out = super::store::uninit::<T>(src.len());
    let mut meter = Meter::new(WHAT);
    for block in src.chunks_exact(n).take(outer) {
        let mut acc = block[0];
        out.push(acc);
        for piece in block[1..].chunks(Meter::PER) {
            meter.tick(piece.len())?;
            out.extend(piece.iter().map(|&x| {
                acc = T::apply(op, acc, x);
                acc
            }));
        }
    }
    Ok(out)
}

/// Combines every row of `data` (`(outer, n, inner)`) with `carry` (`outer × inner`):
/// `x = carry op x`.
pub fn combine_in_place<T: ScanElem>(
    data: &mut [T],
    (outer, n, inner): (usize, usize, usize),
    carry: &[T],
    op: ScanOp,
) -> Result<(), Interrupted> {
    if n == 0 || inner == 0 {
        return Ok(());
    }
    let mut meter = Meter::new(WHAT);
    for (o, block) in data.chunks_exact_mut(n * inner).take(outer).enumerate() {
        let c = &carry[o * inner..(o + 1) * inner];
        if inner == 1 {
            for piece in block.chunks_mut(Meter::PER) {
                meter.tick(piece.len())?;
                piece.iter_mut().for_each(|x| *x = T::apply(op, c[0], *x));
            }
            continue;
        }
        for row in block.chunks_exact_mut(inner) {
            meter.tick(inner)?;
            for (x, &k) in row.iter_mut().zip(c) {
                *x = T::apply(op, k, *x);
            }
        }
    }
    Ok(())
}

/// The last row along the middle axis (`outer × inner`), or the identity where `n` is 0.
pub fn last_slice<T: ScanElem>(data: &[T], (outer, n, inner): (usize, usize, usize), op: ScanOp) -> Vec<T> {
    let mut out = Vec::with_capacity(outer * inner);
    for o in 0..outer {
        if n == 0 {
            out.extend(std::iter::repeat_n(T::identity(op), inner));
        } else {
            let at = (o * n + n - 1) * inner;
            out.extend_from_slice(&data[at..at + inner]);
        }
    }
    out
}

fn scanned<T: ScanElem>(a: &NdArray, axis: usize, op: ScanOp) -> Result<NdArray, Interrupted> {
    let data = scan_copy(a.as_slice::<T>().expect("dtype"), split_at_axis(a.shape(), axis), op)?;
    Ok(NdArray::from_vec(a.shape(), data))
}

fn differenced<T: ScanElem>(a: &NdArray, axis: usize) -> Result<NdArray, Interrupted> {
    let (outer, n, inner) = split_at_axis(a.shape(), axis);
    let src = a.as_slice::<T>().expect("dtype");
    let m = n.saturating_sub(1);
    let mut out = Vec::with_capacity(outer * m * inner);
    let mut meter = Meter::new(WHAT);
    for block in src.chunks_exact((n * inner).max(1)).take(outer) {
        if inner == 1 {
            for (piece, next) in block[..m].chunks(Meter::PER).zip(block[1..].chunks(Meter::PER)) {
                meter.tick(piece.len())?;
                out.extend(next.iter().zip(piece).map(|(&h, &l)| h.sub(l)));
            }
            continue;
        }
        for i in 0..m {
            meter.tick(inner)?;
            let (lo, hi) = (&block[i * inner..(i + 1) * inner], &block[(i + 1) * inner..(i + 2) * inner]);
            out.extend(hi.iter().zip(lo).map(|(&h, &l)| h.sub(l)));
        }
    }
    let mut shape = a.shape().to_vec();
    shape[axis] = m;
    Ok(NdArray::from_vec(&shape, out))
}

impl NdArray {
    /// `cumsum`/`cumprod` along `axis`, or of the flattened array when `axis` is `None`.
    pub fn scan(&self, op: ScanOp, axis: Option<i64>) -> Result<NdArray, NdError> {
        let (a, ax) = match axis {
            None => (self.ravel(), 0),
            Some(ax) => (self.clone(), checked_axis(ax, self.ndim())?),
        };
        let a = a.astype(scan_dtype(a.dtype()))?;
        Ok(match a.dtype() {
            DType::F64 => scanned::<f64>(&a, ax, op)?,
            DType::F32 => scanned::<f32>(&a, ax, op)?,
            DType::I64 => scanned::<i64>(&a, ax, op)?,
            DType::C128 => scanned::<C64>(&a, ax, op)?,
            DType::I32 | DType::Bool => unreachable!("promoted to i64"),
        })
    }

    /// `diff(axis)`: `x[i + 1] - x[i]` along `axis` (default the last), one shorter there.
    pub fn diff(&self, axis: Option<i64>) -> Result<NdArray, NdError> {
        if self.ndim() == 0 {
            return Err(NdError::Invalid { reason: "diff: needs an array of at least one axis".into() });
        }
        let ax = checked_axis(axis.unwrap_or(-1), self.ndim())?;
        Ok(match self.dtype() {
            DType::F64 => differenced::<f64>(self, ax)?,
            DType::F32 => differenced::<f32>(self, ax)?,
            DType::I64 => differenced::<i64>(self, ax)?,
            DType::I32 => differenced::<i32>(self, ax)?,
            DType::C128 => differenced::<C64>(self, ax)?,
            DType::Bool => differenced::<i32>(&self.astype(DType::I32)?, ax)?.astype(DType::Bool)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_along_axes_and_flattened() {
        let a = NdArray::from_vec(&[2, 3], vec![1i64, 2, 3, 4, 5, 6]);
        let s = |x: NdArray| x.as_slice::<i64>().unwrap().to_vec();
        assert_eq!(s(a.scan(ScanOp::Sum, None).unwrap()), [1, 3, 6, 10, 15, 21]);
        assert_eq!(s(a.scan(ScanOp::Sum, Some(0)).unwrap()), [1, 2, 3, 5, 7, 9]);
        assert_eq!(s(a.scan(ScanOp::Prod, Some(1)).unwrap()), [1, 2, 6, 4, 20, 120]);
        assert_eq!(s(a.diff(None).unwrap()), [1, 1, 1, 1]);
        assert_eq!(s(a.diff(Some(0)).unwrap()), [3, 3, 3]);
        let b = NdArray::from_vec(&[3], vec![true, true, false]);
        assert_eq!(b.scan(ScanOp::Sum, None).unwrap().dtype(), DType::I64);
        assert_eq!(b.diff(None).unwrap().as_slice::<bool>().unwrap(), [false, true]);
        assert!(a.scan(ScanOp::Sum, Some(2)).is_err());
        let big = NdArray::from_vec(&[2], vec![i64::MAX, 1]);
        assert_eq!(s(big.scan(ScanOp::Sum, None).unwrap()), [i64::MAX, i64::MIN], "wraps as NumPy");
    }

    #[test]
    fn carry_kernels() {
        let mut d = vec![1.0, 2.0, 3.0, 4.0];
        let dims = (1, 2, 2);
        scan_in_place(&mut d, dims, ScanOp::Sum).unwrap();
        assert_eq!(d, [1.0, 2.0, 4.0, 6.0]);
        assert_eq!(scan_copy(&[1i64, 2, 3, 4, 5, 6], (2, 3, 1), ScanOp::Sum).unwrap(), [1, 3, 6, 4, 9, 15]);
        assert_eq!(scan_copy(&[1i64, 2, 3, 4], (1, 2, 2), ScanOp::Prod).unwrap(), [1, 2, 3, 8]);
        assert_eq!(last_slice(&d, dims, ScanOp::Sum), [4.0, 6.0]);
        combine_in_place(&mut d, dims, &[10.0, 20.0], ScanOp::Sum).unwrap();
        assert_eq!(d, [11.0, 22.0, 14.0, 26.0]);
    }

    /// Rows longer than a meter's span, so the kernels run in pieces: the same numbers;
    /// and an interrupted watch stops them.
    #[test]
    fn long_rows_scan_in_pieces_and_stop_when_interrupted() {
        let n = 3 * Meter::PER + 5;
        let x: Vec<i64> = (0..2 * n as i64).map(|i| i % 7 - 3).collect();
        let dims = (2, n, 1);
        let mut want = Vec::new();
        let mut diffs = Vec::new();
        for row in x.chunks(n) {
            let mut acc = 0;
            want.extend(row.iter().map(|&v| {
                acc += v;
                acc
            }));
            diffs.extend(row.windows(2).map(|w| w[1] - w[0]));
        }
        assert_eq!(scan_copy(&x, dims, ScanOp::Sum).unwrap(), want);
        let mut y = x.clone();
        scan_in_place(&mut y, dims, ScanOp::Sum).unwrap();
        assert_eq!(y, want);
        combine_in_place(&mut y, dims, &[1, 2], ScanOp::Sum).unwrap();
        assert!(y[..n].iter().zip(&want).all(|(a, b)| *a == b + 1), "carry of the first row");
        assert!(y[n..].iter().zip(&want[n..]).all(|(a, b)| *a == b + 2), "carry of the second row");
        let a = NdArray::from_vec(&[2, n], x.clone());
        assert_eq!(a.diff(None).unwrap().as_slice::<i64>().unwrap(), &diffs[..]);
        let _watch = crate::interrupt::watch(1, std::rc::Rc::new(|| u64::MAX));
        let stopped = Err(Interrupted { what: WHAT });
        assert_eq!(scan_copy(&x, dims, ScanOp::Sum).map(|_| ()), stopped);
        assert_eq!(scan_in_place(&mut y, dims, ScanOp::Prod), stopped);
        assert!(matches!(a.diff(None), Err(NdError::Interrupted(_))));
    }

    #[test]
    fn empty_shards_scan_to_nothing_and_carry_the_identity() {
        // An engine whose shard has no rows along the scanned axis (more engines than rows).
        let mut empty: Vec<f64> = vec![];
        for dims in [(3, 0, 2), (0, 4, 2), (2, 3, 0)] {
            scan_in_place(&mut empty, dims, ScanOp::Sum).unwrap();
            combine_in_place(&mut empty, dims, &[1.0; 6][..dims.0 * dims.2], ScanOp::Sum).unwrap();
            assert!(scan_copy(&empty, dims, ScanOp::Prod).unwrap().is_empty());
        }
        assert_eq!(last_slice(&empty, (2, 0, 2), ScanOp::Prod), [1.0; 4]);
        let a = NdArray::from_vec(&[3, 0], Vec::<i64>::new());
        assert_eq!(a.diff(Some(1)).unwrap().shape(), [3, 0]);
        assert_eq!(a.diff(Some(0)).unwrap().shape(), [2, 0]);
        assert_eq!(a.scan(ScanOp::Sum, Some(1)).unwrap().shape(), [3, 0]);
    }
}
