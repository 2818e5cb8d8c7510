//! Reductions (`sum mean var std min max prod argmin argmax all any`), whole and along
//! an axis, written once for local arrays and for DistArray shards.
//!
//! A whole-array reduction is a pipeline: each holder of a part of the array computes a
//! *partial* over its elements, the partials are gathered **in a fixed order** (rank
//! order for shards), and every holder combines them the same way, so the result is the
//! same bits run after run. [`whole`] takes the gathering step as a closure: a local
//! array gathers only its own partial, a DistArray gathers through its engines.
//!
//! Sums are pairwise (blocks of 1024 summed in 8 independent lanes, halves added
//! recursively: error O(log n · ε), and the inner loop vectorizes) and partials are
//! combined with Neumaier's compensated summation; `mean` is the sum over the count;
//! `var`/`std` take two passes (mean, then squared deviations) with `ddof = 0`. Integer
//! and bool sums and products are i64 (wrapping); f32 accumulates in f64. `min`/`max`
//! propagate NaN; `argmin`/`argmax` give the first flat index of the extreme (a NaN
//! counts as the extreme). Complex arrays have `sum mean prod var std all any`.
//!
//! Partials look for an interrupt every [`BLOCK`] elements (the same order of
//! operations with or without the checks, so the same bits).

use super::dtype::{DType, Elem, Scalar, C64};
use super::{checked_axis, NdArray, NdError};
use crate::interrupt::{self, Interrupted};

/// Elements between two interrupt checks (tens of microseconds of work).
const BLOCK: usize = 1 << 16;

const WHAT: &str = "a reduction";

/// `x` in blocks of [`BLOCK`], each after an interrupt check.
fn blocks<T>(x: &[T]) -> impl Iterator<Item = Result<&[T], Interrupted>> {
    x.chunks(BLOCK).map(|b| interrupt::check(WHAT).map(|()| b))
}

/// A reduction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    Sum,
    Mean,
    Var,
    Std,
    Min,
    Max,
    Prod,
    Argmin,
    Argmax,
    All,
    Any,
}

impl Reduction {
    pub const ALL: [Reduction; 11] = [
        Reduction::Sum,
        Reduction::Mean,
        Reduction::Var,
        Reduction::Std,
        Reduction::Min,
        Reduction::Max,
        Reduction::Prod,
        Reduction::Argmin,
        Reduction::Argmax,
        Reduction::All,
        Reduction::Any,
    ];

    pub fn name(self) -> &'static str {
        use Reduction::*;
        match self {
            Sum => "sum",
            Mean => "mean",
            Var => "var",
            Std => "std",
            Min => "min",
            Max => "max",
            Prod => "prod",
            Argmin => "argmin",
            Argmax => "argmax",
            All => "all",
            Any => "any",
        }
    }

    /// The dtype of the result for an array of `d`.
    pub fn result_dtype(self, d: DType) -> Result<DType, NdError> {
        use Reduction::*;
        let refuse = || Err(NdError::NotSupported { what: self.name().to_string(), dtype: d });
        Ok(match (self, d) {
            (Min | Max | Argmin | Argmax, DType::C128) => return refuse(),
            (Sum | Prod, DType::Bool | DType::I32 | DType::I64) => DType::I64,
            (Sum | Prod | Min | Max, _) => d,
            (Mean, DType::F32 | DType::C128) => d,
            (Var | Std, DType::F32) => DType::F32,
            (Mean | Var | Std, _) => DType::F64,
            (Argmin | Argmax, _) => DType::I64,
            (All | Any, _) => DType::Bool,
        })
    }
}

/// [`pairwise`] with an interrupt check before each subtree of at most [`BLOCK`]
/// elements: the same tree, so the same sum.
fn pairwise_checked<T: Copy>(x: &[T], f: impl Fn(T) -> f64 + Copy) -> Result<f64, Interrupted> {
    if x.len() <= BLOCK {
        interrupt::check(WHAT)?;
        return Ok(pairwise(x, f));
    }
    let half = (x.len() / 2).next_multiple_of(8);
    Ok(pairwise_checked(&x[..half], f)? + pairwise_checked(&x[half..], f)?)
}

/// Sum of `f(x)` over `x`, pairwise.
fn pairwise<T: Copy>(x: &[T], f: impl Fn(T) -> f64 + Copy) -> f64 {
    if x.len() <= 1024 {
        let mut acc = [0.0f64; 8];
        let chunks = x.chunks_exact(8);
        let rest = chunks.remainder();
        for c in chunks {
            for j in 0..8 {
                acc[j] += f(c[j]);
            }
        }
        for (j, &v) in rest.iter().enumerate() {
            acc[j] += f(v);
        }
        return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    }
    let half = (x.len() / 2).next_multiple_of(8);
    pairwise(&x[..half], f) + pairwise(&x[half..], f)
}

/// Neumaier-compensated sum of `parts`, in order.
fn compensated(parts: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut c) = (0.0f64, 0.0f64);
    for x in parts {
        let t = sum + x;
        c += if sum.abs() >= x.abs() { (sum - t) + x } else { (x - t) + sum };
        sum = t;
    }
    sum + c
}

/// Whether `x` is a NaN (the one value that differs from itself).
#[allow(clippy::eq_op)]
fn nan<T: Elem>(x: T) -> bool {
    x != x
}

/// The partial of `op` over the elements `x`: empty when there is none (an empty part).
fn partial<T: Elem + PartialOrd>(op: Reduction, x: &[T], mean: Option<Scalar>) -> Result<Vec<Scalar>, Interrupted> {
    use Reduction::*;
    let pick = |better: fn(T, T) -> bool| -> Result<Option<(T, usize)>, Interrupted> {
        let mut best: Option<(T, usize)> = None;
        for (k, block) in blocks(x).enumerate() {
            for (i, &v) in block?.iter().enumerate() {
                let i = k * BLOCK + i;
                if nan(v) {
                    return Ok(Some((v, i)));
                }
                if best.is_none_or(|(b, _)| better(v, b)) {
                    best = Some((v, i));
                }
            }
        }
        Ok(best)
    };
    let fold = |init: i64, f: fn(i64, i64) -> i64| -> Result<i64, Interrupted> {
        blocks(x).try_fold(init, |a, b| Ok(b?.iter().fold(a, |a, &v| f(a, v.to_i64()))))
    };
    Ok(match op {
        Sum | Mean if T::DTYPE.is_int() || T::DTYPE == DType::Bool => vec![Scalar::I64(fold(0, i64::wrapping_add)?)],
        Sum | Mean => vec![Scalar::F64(pairwise_checked(x, |v| v.to_f64())?)],
        Var | Std => {
            let m = mean.expect("the mean comes first").as_f64();
            vec![Scalar::F64(pairwise_checked(x, |v| (v.to_f64() - m) * (v.to_f64() - m))?)]
        }
        Prod if T::DTYPE.is_int() || T::DTYPE == DType::Bool => vec![Scalar::I64(fold(1, i64::wrapping_mul)?)],
        Prod => vec![Scalar::F64(
            blocks(x).try_fold(1.0, |a, b| Ok::<_, Interrupted>(b?.iter().fold(a, |a, &v| a * v.to_f64())))?,
        )],
        Min | Argmin => pick(|v, b| v < b)?.map_or(vec![], |(v, i)| vec![v.scalar(), Scalar::I64(i as i64)]),
        Max | Argmax => pick(|v, b| v > b)?.map_or(vec![], |(v, i)| vec![v.scalar(), Scalar::I64(i as i64)]),
        All | Any => vec![Scalar::Bool(truth(op, x)?)],
    })
}

/// `all` or `any` of `x`, stopping at the first block that decides it.
fn truth<T: Elem>(op: Reduction, x: &[T]) -> Result<bool, Interrupted> {
    let any = op == Reduction::Any;
    for b in blocks(x) {
        if b?.iter().any(|v| v.to_bool() == any) {
            return Ok(any);
        }
    }
    Ok(!any)
}

fn partial_complex(op: Reduction, x: &[C64], mean: Option<Scalar>) -> Result<Vec<Scalar>, Interrupted> {
    use Reduction::*;
    Ok(match op {
        Sum | Mean => {
            vec![Scalar::C128(C64::new(pairwise_checked(x, |v| v.re)?, pairwise_checked(x, |v| v.im)?))]
        }
        Var | Std => {
            let m = match mean {
                Some(Scalar::C128(m)) => m,
                _ => unreachable!("the complex mean comes first"),
            };
            vec![Scalar::F64(pairwise_checked(x, |v| {
                let d = v - m;
                d.re * d.re + d.im * d.im
            })?)]
        }
        Prod => vec![Scalar::C128(
            blocks(x).try_fold(C64::new(1.0, 0.0), |a, b| Ok::<_, Interrupted>(b?.iter().fold(a, |a, &v| a * v)))?,
        )],
        All | Any => vec![Scalar::Bool(truth(op, x)?)],
        Min | Max | Argmin | Argmax => unreachable!("refused by result_dtype"),
    })
}

/// This array's partial of `op` (with the global mean for `var`/`std`).
fn local_partial(a: &NdArray, op: Reduction, mean: Option<Scalar>) -> Result<Vec<Scalar>, Interrupted> {
    use super::Store;
    match a.store() {
        Store::F64(x) => partial(op, x.as_slice().expect("standard"), mean),
        Store::F32(x) => partial(op, x.as_slice().expect("standard"), mean),
        Store::I64(x) => partial(op, x.as_slice().expect("standard"), mean),
        Store::I32(x) => partial(op, x.as_slice().expect("standard"), mean),
        Store::Bool(x) => partial(op, x.as_slice().expect("standard"), mean),
        Store::C128(x) => partial_complex(op, x.as_slice().expect("standard"), mean),
    }
}

fn better(op: Reduction, v: Scalar, b: Scalar) -> bool {
    let less = matches!(op, Reduction::Min | Reduction::Argmin);
    fn pick<T: PartialOrd>(less: bool, x: T, y: T) -> bool {
        if less {
            x < y
        } else {
            x > y
        }
    }
    match (v, b) {
        (Scalar::I64(x), Scalar::I64(y)) => pick(less, x, y),
        (Scalar::I32(x), Scalar::I32(y)) => pick(less, x, y),
        (Scalar::Bool(x), Scalar::Bool(y)) => pick(less, x, y),
        _ => {
            let (x, y) = (v.as_f64(), b.as_f64());
            !y.is_nan() && (x.is_nan() || pick(less, x, y))
        }
    }
}

/// Combines partials given in the fixed order.
fn combine(op: Reduction, parts: &[Vec<Scalar>]) -> Option<Vec<Scalar>> {
    use Reduction::*;
    let mut present = parts.iter().filter(|p| !p.is_empty());
    let first = present.clone().next()?.clone();
    Some(match (op, first[0]) {
        (Sum | Mean | Var | Std, Scalar::I64(_)) => {
            vec![Scalar::I64(present.fold(0i64, |a, p| a.wrapping_add(int(p[0]))))]
        }
        (Sum | Mean | Var | Std, Scalar::F64(_)) => vec![Scalar::F64(compensated(present.map(|p| p[0].as_f64())))],
        (Sum | Mean, Scalar::C128(_)) => {
            let re = compensated(present.clone().map(|p| cplx(p[0]).re));
            let im = compensated(present.map(|p| cplx(p[0]).im));
            vec![Scalar::C128(C64::new(re, im))]
        }
        (Prod, Scalar::I64(_)) => vec![Scalar::I64(present.fold(1i64, |a, p| a.wrapping_mul(int(p[0]))))],
        (Prod, Scalar::F64(_)) => vec![Scalar::F64(present.fold(1.0, |a, p| a * p[0].as_f64()))],
        (Prod, Scalar::C128(_)) => vec![Scalar::C128(present.fold(C64::new(1.0, 0.0), |a, p| a * cplx(p[0])))],
        (All, _) => vec![Scalar::Bool(present.all(|p| p[0] == Scalar::Bool(true)))],
        (Any, _) => vec![Scalar::Bool(present.any(|p| p[0] == Scalar::Bool(true)))],
        (Min | Max | Argmin | Argmax, _) => {
            let mut best = first;
            for p in present.skip(1) {
                if better(op, p[0], best[0]) {
                    best = p.clone();
                }
            }
            best
        }
        _ => unreachable!("partials match their reduction"),
    })
}

fn int(s: Scalar) -> i64 {
    match s {
        Scalar::I64(x) => x,
        other => other.as_f64() as i64,
    }
}

fn cplx(s: Scalar) -> C64 {
    match s {
        Scalar::C128(c) => c,
        other => C64::new(other.as_f64(), 0.0),
    }
}

/// A whole-array reduction of the part `a` of an array of `total` elements.
/// `gather` exchanges a partial for everyone's, in a fixed order; `to_global` turns a
/// flat index in `a` into one in the whole array (for argmin/argmax).
pub fn whole<E: From<NdError>>(
    a: &NdArray,
    op: Reduction,
    total: usize,
    gather: &mut dyn FnMut(Vec<Scalar>) -> Result<Vec<Vec<Scalar>>, E>,
    to_global: &dyn Fn(usize) -> usize,
) -> Result<Scalar, E> {
    use Reduction::*;
    let out = op.result_dtype(a.dtype())?;
    let empty = || NdError::Empty { op: op.name() };
    let mean_of = |sum: Scalar| match sum {
        Scalar::C128(c) => Scalar::C128(C64::new(c.re / total as f64, c.im / total as f64)),
        s => Scalar::F64(s.as_f64() / total as f64),
    };
    let value = match op {
        Sum | Prod | All | Any => run(a, op, None, gather, to_global)?.map_or_else(|| identity(op), |p| p[0]),
        Min | Max => run(a, op, None, gather, to_global)?.ok_or_else(empty)?[0],
        Argmin | Argmax => run(a, op, None, gather, to_global)?.ok_or_else(empty)?[1],
        Mean => {
            let sum = run(a, Sum, None, gather, to_global)?.ok_or_else(empty)?[0];
            mean_of(sum)
        }
        Var | Std => {
            let sum = run(a, Sum, None, gather, to_global)?.ok_or_else(empty)?[0];
            let sq = run(a, op, Some(mean_of(sum)), gather, to_global)?.ok_or_else(empty)?[0];
            let var = sq.as_f64() / total as f64;
            Scalar::F64(if op == Std { var.sqrt() } else { var })
        }
    };
    Ok(value.cast(out))
}

/// One step of [`whole`]: this part's partial, gathered and combined.
fn run<E: From<NdError>>(
    a: &NdArray,
    op: Reduction,
    mean: Option<Scalar>,
    gather: &mut dyn FnMut(Vec<Scalar>) -> Result<Vec<Vec<Scalar>>, E>,
    to_global: &dyn Fn(usize) -> usize,
) -> Result<Option<Vec<Scalar>>, E> {
    let mut p = if a.size() == 0 { vec![] } else { local_partial(a, op, mean).map_err(NdError::from)? };
    if matches!(op, Reduction::Argmin | Reduction::Argmax) && !p.is_empty() {
        p[1] = Scalar::I64(to_global(int(p[1]) as usize) as i64);
    }
    gather(p).map(|parts| combine(op, &parts))
}

fn identity(op: Reduction) -> Scalar {
    match op {
        Reduction::Sum => Scalar::I64(0),
        Reduction::Prod => Scalar::I64(1),
        Reduction::All => Scalar::Bool(true),
        _ => Scalar::Bool(false),
    }
}

impl NdArray {
    /// `op` over every element.
    pub fn reduce(&self, op: Reduction) -> Result<Scalar, NdError> {
        whole::<NdError>(self, op, self.size(), &mut |p| Ok(vec![p]), &|i| i)
    }

    /// `op` along `axis` (negative counts from the end): an array without that axis.
    pub fn reduce_axis(&self, op: Reduction, axis: i64) -> Result<NdArray, NdError> {
        let axis = checked_axis(axis, self.ndim())?;
        let out = op.result_dtype(self.dtype())?;
        let mut shape = self.shape().to_vec();
        let n = shape.remove(axis);
        let values: Vec<Scalar> = dispatch_store!(self.store(), a => a
            .lanes(ndarray::Axis(axis))
            .into_iter()
            .map(|l| NdArray::from_vec(&[n], l.iter().copied().collect()).reduce(op))
            .collect::<Result<Vec<_>, _>>()?);
        Ok(NdArray::from_scalars(&shape, out, &values))
    }

    /// An array of `dtype` from row-major scalars (each cast to `dtype`).
    pub fn from_scalars(shape: &[usize], dtype: DType, values: &[Scalar]) -> NdArray {
        dispatch_dtype!(dtype, T => NdArray::from_vec::<T>(shape, values.iter().map(|&s| super::store::scalar_as::<T>(s)).collect()))
    }
}
