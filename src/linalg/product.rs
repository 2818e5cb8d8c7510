//! Matrix products: `matmul` (NumPy's rules for 1-D, 2-D and stacks of matrices with
//! broadcast batch axes), `dot`, `outer`, `eye`, and [`gemm`], the one local GEMM
//! (faer, sequential) that everything here and the distributed algorithms call.
//!
//! Dtypes: f64 and c128 stay; f32 × f32 runs in f32; bool and integers compute in f64
//! (like NumPy's `linalg`, not like its integer `matmul`); mixed operands promote first.

use super::error::LinAlgError;
use super::field::{view, Cx, Field};
use crate::interrupt::{self, Interrupted};
use crate::nd::{DType, NdArray, NdError};
use faer::{Accum, MatMut, MatRef, Par};

/// What an interrupted product reports.
pub const WHAT: &str = "a matrix product";

/// The most multiply-adds in one call of faer's GEMM from [`gemm_pieces`], about 20 ms
/// of one core's work, between two checks for an interrupt.
const PIECE: usize = 1 << 29;
/// The thinnest cut of the inner axis (faer's own blocks are about this deep, so cuts no
/// thinner cost nothing), and of the rows.
const MIN_DEPTH: usize = 256;
const MIN_ROWS: usize = 64;

/// `c (m×n) = a (m×k) · b (k×n)`, or `c += a · b` when `accumulate`; all row-major.
pub fn gemm<T: faer::traits::ComplexField + Copy>(
    c: &mut [T],
    a: &[T],
    b: &[T],
    (m, k, n): (usize, usize, usize),
    accumulate: bool,
) {
    debug_assert!(a.len() == m * k);
    gemm_strided(c, a, k, b, (m, k, n), accumulate);
}

/// [`gemm`] with `a`'s rows `a_stride` elements apart (`a_stride ≥ k`): a block of
/// columns of a wider row-major matrix, read in place.
pub fn gemm_strided<T: faer::traits::ComplexField + Copy>(
    c: &mut [T],
    a: &[T],
    a_stride: usize,
    b: &[T],
    (m, k, n): (usize, usize, usize),
    accumulate: bool,
) {
    debug_assert!(c.len() == m * n && b.len() == k * n && a_stride >= k);
    if m == 0 || n == 0 {
        return;
    }
    let dst = MatMut::from_row_major_slice_mut(c, m, n);
    let beta = if accumulate { Accum::Add } else { Accum::Replace };
    let one = faer::traits::math_utils::one::<T>();
    let a = MatRef::from_row_major_slice_with_stride(a, m, k, a_stride);
    faer::linalg::matmul::matmul(dst, beta, a, view(b, k, n), one, Par::Seq);
}

/// [`gemm_strided`] in pieces of at most [`PIECE`] multiply-adds (row blocks of `a`,
/// cuts of the inner axis), calling `stop` before each; a `stop` error ends the product
/// with `c` part written. Products too small to cut are one call.
pub fn gemm_pieces<T: faer::traits::ComplexField + Copy>(
    c: &mut [T],
    a: &[T],
    a_stride: usize,
    b: &[T],
    (m, k, n): (usize, usize, usize),
    accumulate: bool,
    stop: &mut dyn FnMut() -> Result<(), Interrupted>,
) -> Result<(), Interrupted> {
    cut(c, a, a_stride, b, (m, k, n), accumulate, stop, PIECE)
}

#[allow(clippy::too_many_arguments)]
fn cut<T: faer::traits::ComplexField + Copy>(
    c: &mut [T],
    a: &[T],
    a_stride: usize,
    b: &[T],
    (m, k, n): (usize, usize, usize),
    accumulate: bool,
    stop: &mut dyn FnMut() -> Result<(), Interrupted>,
    piece: usize,
) -> Result<(), Interrupted> {
    stop()?;
    if m.saturating_mul(k).saturating_mul(n) <= piece || m == 0 || n == 0 || k == 0 {
        gemm_strided(c, a, a_stride, b, (m, k, n), accumulate);
        return Ok(());
    }
    let depth = (piece / (m * n)).max(MIN_DEPTH).min(k);
    let rows = (piece / (depth * n)).max(MIN_ROWS).min(m);
    for r0 in (0..m).step_by(rows) {
        let r1 = (r0 + rows).min(m);
        for k0 in (0..k).step_by(depth) {
            let k1 = (k0 + depth).min(k);
            stop()?;
            gemm_strided(
                &mut c[r0 * n..r1 * n],
                &a[r0 * a_stride + k0..],
                a_stride,
                &b[k0 * n..k1 * n],
                (r1 - r0, k1 - k0, n),
                accumulate || k0 > 0,
            );
        }
    }
    Ok(())
}

/// The dtype a product of `a` and `b` computes in.
pub fn product_dtype(a: DType, b: DType) -> DType {
    match DType::promote(a, b) {
        DType::C128 => DType::C128,
        DType::F32 => DType::F32,
        _ => DType::F64,
    }
}

/// How two operands' shapes combine in `matmul`.
struct Plan {
    batch: Vec<usize>,
    a_batch: Vec<usize>,
    b_batch: Vec<usize>,
    m: usize,
    k: usize,
    n: usize,
    out: Vec<usize>,
}

fn plan(op: &str, a: &[usize], b: &[usize]) -> Result<Plan, LinAlgError> {
    if a.is_empty() || b.is_empty() {
        return Err(LinAlgError::Ndim {
            op: op.into(),
            shape: if a.is_empty() { a.to_vec() } else { b.to_vec() },
            want: "arrays of at least 1 axis (multiply by a scalar with *)".into(),
        });
    }
    let sa: Vec<usize> = if a.len() == 1 { vec![1, a[0]] } else { a.to_vec() };
    let sb: Vec<usize> = if b.len() == 1 { vec![b[0], 1] } else { b.to_vec() };
    let (m, ka) = (sa[sa.len() - 2], sa[sa.len() - 1]);
    let (kb, n) = (sb[sb.len() - 2], sb[sb.len() - 1]);
    let mismatch = |why: String| LinAlgError::ShapeMismatch { op: op.into(), left: a.to_vec(), right: b.to_vec(), why };
    if ka != kb {
        return Err(mismatch(format!(
            "the first's last axis has {ka} elements, the second's {} axis has {kb}",
            if b.len() == 1 { "only" } else { "second-to-last" }
        )));
    }
    let (a_batch, b_batch) = (sa[..sa.len() - 2].to_vec(), sb[..sb.len() - 2].to_vec());
    let nb = a_batch.len().max(b_batch.len());
    let pad = |v: &[usize]| -> Vec<usize> { std::iter::repeat_n(1, nb - v.len()).chain(v.iter().copied()).collect() };
    let (pa, pb) = (pad(&a_batch), pad(&b_batch));
    let mut batch = Vec::with_capacity(nb);
    for (x, y) in pa.iter().zip(&pb) {
        batch.push(match (x, y) {
            (x, y) if x == y => *x,
            (1, y) => *y,
            (x, 1) => *x,
            _ => return Err(mismatch(format!("the stack axes {pa:?} and {pb:?} do not broadcast"))),
        });
    }
    let mut out = batch.clone();
    if a.len() > 1 {
        out.push(m);
    }
    if b.len() > 1 {
        out.push(n);
    }
    Ok(Plan { batch, a_batch: pa, b_batch: pb, m, k: ka, n, out })
}

/// The flat matrix index into an operand with (padded) stack shape `own` for the
/// position `idx` of the broadcast stack.
fn stack_offset(idx: &[usize], own: &[usize]) -> usize {
    idx.iter().zip(own).fold(0, |acc, (&i, &n)| acc * n + if n == 1 { 0 } else { i })
}

fn run<T: faer::traits::ComplexField + Copy>(p: &Plan, a: &[T], b: &[T]) -> Result<Vec<T>, Interrupted> {
    let (m, k, n) = (p.m, p.k, p.n);
    let count: usize = p.batch.iter().product();
    let mut out = vec![faer::traits::math_utils::zero::<T>(); count * m * n];
    let mut idx = vec![0usize; p.batch.len()];
    for s in 0..count {
        let mut r = s;
        for ax in (0..idx.len()).rev() {
            idx[ax] = r % p.batch[ax];
            r /= p.batch[ax];
        }
        let (oa, ob) = (stack_offset(&idx, &p.a_batch), stack_offset(&idx, &p.b_batch));
        gemm_pieces(
            &mut out[s * m * n..(s + 1) * m * n],
            &a[oa * m * k..(oa + 1) * m * k],
            k,
            &b[ob * k * n..(ob + 1) * k * n],
            (m, k, n),
            false,
            &mut || interrupt::check(WHAT),
        )?;
    }
    Ok(out)
}

/// NumPy's `matmul(a, b)`. Two 1-D operands give a 0-d array (the inner product).
pub fn matmul(a: &NdArray, b: &NdArray) -> Result<NdArray, LinAlgError> {
    let op = "nd::matmul";
    let p = plan(op, a.shape(), b.shape())?;
    crate::nd::store::check_memory((p.out.iter().product::<usize>() * 16) as u64)?;
    let dtype = product_dtype(a.dtype(), b.dtype());
    let (a, b) = (a.astype(dtype)?, b.astype(dtype)?);
    let stopped = |e: Interrupted| LinAlgError::Nd(NdError::Interrupted(e));
    Ok(match dtype {
        DType::F32 => NdArray::from_vec(
            &p.out,
            run(&p, a.as_slice::<f32>().expect("f32"), b.as_slice::<f32>().expect("f32")).map_err(stopped)?,
        ),
        DType::C128 => Cx::array(&p.out, run(&p, &Cx::elems(&a), &Cx::elems(&b)).map_err(stopped)?),
        _ => NdArray::from_vec(
            &p.out,
            run(&p, a.as_slice::<f64>().expect("f64"), b.as_slice::<f64>().expect("f64")).map_err(stopped)?,
        ),
    })
}

/// NumPy's `dot(a, b)`: `matmul` unless both have 2 axes or more and one has more than
/// 2, where it sums over `a`'s last axis and `b`'s second-to-last one, pairing every
/// stack of `a` with every stack of `b` (shape `a[..-1] + b[..-2] + b[-1]`).
pub fn dot(a: &NdArray, b: &NdArray) -> Result<NdArray, LinAlgError> {
    let (sa, sb) = (a.shape().to_vec(), b.shape().to_vec());
    if sa.len() < 2 || sb.len() < 2 || (sa.len() == 2 && sb.len() == 2) {
        return matmul(a, b).map_err(|e| rename(e, "dot"));
    }
    let (k, kb) = (sa[sa.len() - 1], sb[sb.len() - 2]);
    if k != kb {
        return Err(LinAlgError::ShapeMismatch {
            op: "dot".into(),
            left: sa,
            right: sb,
            why: format!("the first's last axis has {k} elements, the second's second-to-last axis has {kb}"),
        });
    }
    let p_rows: usize = sa[..sa.len() - 1].iter().product();
    let n = sb[sb.len() - 1];
    let q: usize = sb[..sb.len() - 2].iter().product::<usize>() * n;
    // b as (k, stacks × n): its second-to-last axis moved to the front.
    let mut axes: Vec<usize> = vec![sb.len() - 2];
    axes.extend((0..sb.len()).filter(|&x| x != sb.len() - 2));
    let bt = permuted(b, &axes).reshape(&[k, q])?;
    let a2 = a.reshape(&[p_rows, k])?;
    let r = matmul(&a2, &bt).map_err(|e| rename(e, "dot"))?;
    let mut shape = sa[..sa.len() - 1].to_vec();
    shape.extend_from_slice(&sb[..sb.len() - 2]);
    shape.push(n);
    Ok(r.reshape(&shape)?)
}

fn rename(e: LinAlgError, to: &str) -> LinAlgError {
    match e {
        LinAlgError::ShapeMismatch { left, right, why, .. } => {
            LinAlgError::ShapeMismatch { op: to.into(), left, right, why }
        }
        LinAlgError::Ndim { shape, want, .. } => LinAlgError::Ndim { op: to.into(), shape, want },
        e => e,
    }
}

/// NumPy's `outer(a, b)`: both flattened, `out[i, j] = a[i] * b[j]`.
pub fn outer(a: &NdArray, b: &NdArray) -> Result<NdArray, LinAlgError> {
    let (m, n) = (a.size(), b.size());
    let dtype = product_dtype(a.dtype(), b.dtype());
    let (a, b) = (a.astype(dtype)?.reshape(&[m, 1])?, b.astype(dtype)?.reshape(&[1, n])?);
    matmul(&a, &b)
}

/// NumPy's `eye(n, m, k)`: ones on the `k`-th diagonal of an `n × m` matrix.
pub fn eye(n: usize, m: usize, k: i64, dtype: DType) -> Result<NdArray, LinAlgError> {
    crate::nd::store::check_memory((n * m * dtype.size()) as u64)?;
    let mut data = vec![0.0f64; n * m];
    for i in 0..n {
        let j = i as i64 + k;
        if j >= 0 && (j as usize) < m {
            data[i * m + j as usize] = 1.0;
        }
    }
    Ok(NdArray::from_vec(&[n, m], data).astype(dtype)?)
}

/// `a` with its axes in the order `axes`, copied into standard layout.
pub fn permuted(a: &NdArray, axes: &[usize]) -> NdArray {
    crate::dispatch_store!(a.store(), x => NdArray::from_ndarray(x.view().permuted_axes(ndarray::IxDyn(axes)).as_standard_layout().into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A product cut into pieces (rows and inner axis, with ragged ends) is the product
    /// of one call, up to rounding (the inner sums are split); accumulating adds to `c`;
    /// a `stop` error ends it.
    #[test]
    fn a_product_in_pieces_is_the_product() {
        let (m, k, n) = (150, 700, 37);
        let a: Vec<f64> = (0..m * (k + 3)).map(|i| ((i * 7919) % 1000) as f64 / 500.0 - 1.0).collect();
        let b: Vec<f64> = (0..k * n).map(|i| ((i * 104729) % 1000) as f64 / 500.0 - 1.0).collect();
        let mut want = vec![1.0; m * n];
        gemm_strided(&mut want, &a, k + 3, &b, (m, k, n), true);
        let mut got = vec![1.0; m * n];
        let mut calls = 0;
        let mut count = || {
            calls += 1;
            Ok(())
        };
        cut(&mut got, &a, k + 3, &b, (m, k, n), true, &mut count, 64 * 256 * n).unwrap();
        assert!(calls > 4, "{calls} pieces");
        let worst = want.iter().zip(&got).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
        assert!(worst < 1e-10, "differs by {worst}");
        let mut left = 2;
        let mut stop = || {
            left -= 1;
            if left == 0 {
                Err(Interrupted { what: WHAT })
            } else {
                Ok(())
            }
        };
        assert_eq!(
            cut(&mut got, &a, k + 3, &b, (m, k, n), false, &mut stop, 64 * 256 * n),
            Err(Interrupted { what: WHAT })
        );
    }
}
