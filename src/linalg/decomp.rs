//! Dense decompositions and solvers with NumPy's conventions, each one faer call on a
//! 2-D matrix (stacks of matrices are `matmul`'s alone): `solve inv det slogdet
//! cholesky qr svd eigh eig lstsq pinv cond matrix_rank`.
//!
//! - Singularity is what LAPACK's `getrf` reports: an exact zero pivot of the partial
//!   pivoting LU (a nearly singular matrix solves, with a large condition number).
//! - `qr` and `svd` are unique up to signs (phases) of columns; tests compare them with
//!   NumPy after fixing the signs, and by their residuals.
//! - `eig` gives c128 eigenvalues and vectors unless every eigenvalue of a real matrix
//!   is real (then f64, as NumPy); eigenvectors have unit 2-norm.

use super::error::{invalid, LinAlgError};
use super::field::{back, matrix_shape, nd_of, out_dtype, rows_of, square, view, work_dtype, Cx, Field};
use super::product::gemm;
use crate::nd::{DType, NdArray, Scalar, C64};
use faer::linalg::solvers::{DenseSolveCore, Solve};
use faer::{Mat, MatRef, Side};

/// Runs `$body` with `T` the Field of working dtype `$d` (f64 or c128).
macro_rules! by_field {
    ($d:expr, $t:ident => $body:expr) => {
        match $d {
            DType::C128 => {
                type $t = Cx;
                $body
            }
            _ => {
                type $t = f64;
                $body
            }
        }
    };
}

fn scalar_of<T: Field>(x: T) -> Scalar {
    if T::DTYPE == DType::C128 {
        Scalar::C128(C64::new(x.re(), x.im()))
    } else {
        Scalar::F64(x.re())
    }
}

/// One operand in its working dtype, with the dtype its results go back as.
fn prepared(op: &str, a: &NdArray) -> Result<(NdArray, DType), LinAlgError> {
    let w = work_dtype(op, a.dtype())?;
    Ok((a.astype(w)?, out_dtype(a.dtype(), w)))
}

fn lu_checked<T: Field>(op: &str, a: MatRef<'_, T>) -> Result<faer::linalg::solvers::PartialPivLu<T>, LinAlgError> {
    let lu = a.partial_piv_lu();
    let u = lu.U();
    if (0..u.nrows()).any(|i| u[(i, i)].modulus() == 0.0) {
        return Err(LinAlgError::Singular { op: op.into() });
    }
    Ok(lu)
}

/// `solve(a, b)`: `x` with `a · x = b`, for `b` of shape `(n,)` or `(n, k)`.
pub fn solve(a: &NdArray, b: &NdArray) -> Result<NdArray, LinAlgError> {
    let op = "nd::linalg::solve";
    let n = square(op, a)?;
    let k = match *b.shape() {
        [m] if m == n => 1,
        [m, k] if m == n => k,
        _ => {
            return Err(LinAlgError::ShapeMismatch {
                op: op.into(),
                left: a.shape().to_vec(),
                right: b.shape().to_vec(),
                why: format!("b must have shape [{n}] or [{n}, k] for a matrix of {n} rows"),
            })
        }
    };
    let w = DType::promote(work_dtype(op, a.dtype())?, work_dtype(op, b.dtype())?);
    let out = out_dtype(DType::promote(a.dtype(), b.dtype()), w);
    let (a, bw) = (a.astype(w)?, b.astype(w)?);
    let x = by_field!(w, T => {
        let (ea, eb) = (T::elems(&a), T::elems(&bw));
        let lu = lu_checked(op, view(&ea, n, n))?;
        let x = lu.solve(view(&eb, n, k));
        T::array(b.shape(), rows_of(x.as_ref()))
    });
    back(x, out)
}

/// `inv(a)`.
pub fn inv(a: &NdArray) -> Result<NdArray, LinAlgError> {
    let op = "nd::linalg::inv";
    let n = square(op, a)?;
    let (a, out) = prepared(op, a)?;
    let r = by_field!(a.dtype(), T => {
        let e = T::elems(&a);
        nd_of(lu_checked(op, view(&e, n, n))?.inverse().as_ref())
    });
    back(r, out)
}

/// Sign and log|det| from the LU factors: `(sign, logabsdet)`, sign 0 for singular.
fn slogdet_t<T: Field>(a: MatRef<'_, T>) -> (T, f64) {
    let n = a.nrows();
    if n == 0 {
        return (T::one(), 0.0);
    }
    let lu = a.partial_piv_lu();
    let (u, perm) = (lu.U(), lu.P());
    let fwd = perm.arrays().0;
    let mut seen = vec![false; n];
    let mut swaps = 0;
    for i in 0..n {
        let mut j = i;
        let mut len = 0;
        while !seen[j] {
            seen[j] = true;
            j = fwd[j];
            len += 1;
        }
        if len > 0 {
            swaps += len - 1;
        }
    }
    let mut sign = if swaps % 2 == 0 { T::one() } else { -T::one() };
    let mut log = 0.0;
    for i in 0..n {
        let d = u[(i, i)];
        let m = d.modulus();
        if m == 0.0 {
            return (T::zero(), f64::NEG_INFINITY);
        }
        sign *= d / T::real(m);
        log += m.ln();
    }
    (sign, log)
}

/// `det(a)`.
pub fn det(a: &NdArray) -> Result<Scalar, LinAlgError> {
    let op = "nd::linalg::det";
    let n = square(op, a)?;
    let (a, _) = prepared(op, a)?;
    Ok(by_field!(a.dtype(), T => {
        let e = T::elems(&a);
        let (s, l) = slogdet_t(view(&e, n, n));
        scalar_of(s * T::real(l.exp()))
    }))
}

/// `slogdet(a)`: `[sign, logabsdet]` (sign c128 for complex matrices).
pub fn slogdet(a: &NdArray) -> Result<(Scalar, f64), LinAlgError> {
    let op = "nd::linalg::slogdet";
    let n = square(op, a)?;
    let (a, _) = prepared(op, a)?;
    Ok(by_field!(a.dtype(), T => {
        let e = T::elems(&a);
        let (s, l) = slogdet_t(view(&e, n, n));
        (scalar_of(s), l)
    }))
}

/// `cholesky(a)`: lower-triangular `L` with `a = L · Lᴴ` (only `a`'s lower half is read).
pub fn cholesky(a: &NdArray) -> Result<NdArray, LinAlgError> {
    let op = "nd::linalg::cholesky";
    let n = square(op, a)?;
    let (a, out) = prepared(op, a)?;
    let r = by_field!(a.dtype(), T => {
        let e = T::elems(&a);
        let llt = view(&e, n, n).llt(Side::Lower).map_err(|_| LinAlgError::NotPositiveDefinite { op: op.into() })?;
        let l = llt.L();
        let data: Vec<T> = (0..n * n).map(|f| if f % n <= f / n { l[(f / n, f % n)] } else { T::zero() }).collect();
        T::array(&[n, n], data)
    });
    back(r, out)
}

/// `qr(a, mode)`: mode "reduced" → `[q (m×k), r (k×n)]`, "complete" → `[q (m×m),
/// r (m×n)]`, "r" → `[r (k×n)]`, with `k = min(m, n)`.
pub fn qr(a: &NdArray, mode: &str) -> Result<Vec<NdArray>, LinAlgError> {
    let op = "nd::linalg::qr";
    let (m, n) = matrix_shape(op, a)?;
    if !["reduced", "complete", "r"].contains(&mode) {
        return Err(invalid(op, format!("unknown mode '{mode}': use \"reduced\", \"complete\" or \"r\"")));
    }
    let (a, out) = prepared(op, a)?;
    let parts = by_field!(a.dtype(), T => {
        let e = T::elems(&a);
        let f = view(&e, m, n).qr();
        let k = m.min(n);
        let upper = |r: MatRef<'_, T>| -> NdArray {
            let (rr, rc) = (r.nrows(), r.ncols());
            T::array(&[rr, rc], (0..rr * rc).map(|x| if x % rc >= x / rc { r[(x / rc, x % rc)] } else { T::zero() }).collect())
        };
        match mode {
            "complete" => {
                // R is m × n: the thin R (k × n) above m − k rows of zeros.
                let thin = upper(f.thin_R());
                let mut data = T::elems(&thin).into_owned();
                data.resize(m * n, T::zero());
                vec![nd_of(f.compute_Q().as_ref()), T::array(&[m, n], data)]
            }
            "r" => vec![upper(f.thin_R())],
            _ => {
                debug_assert_eq!(f.thin_R().nrows(), k);
                vec![nd_of(f.compute_thin_Q().as_ref()), upper(f.thin_R())]
            }
        }
    });
    parts.into_iter().map(|p| back(p, out)).collect()
}

fn svd_err(op: &str) -> impl Fn(faer::linalg::solvers::SvdError) -> LinAlgError + '_ {
    move |_| LinAlgError::NotConverged { op: op.into() }
}

/// `Vᴴ` of a faer `V` as a row-major array.
fn adjoint_of<T: Field>(v: MatRef<'_, T>) -> NdArray {
    let (r, c) = (v.nrows(), v.ncols());
    T::array(&[c, r], (0..r * c).map(|x| v[(x % r, x / r)].conjugate()).collect())
}

/// `svd(a, full_matrices, compute_uv)`: `[u, s, vh]` (or `[s]`), s descending (f64).
pub fn svd(a: &NdArray, full_matrices: bool, compute_uv: bool) -> Result<Vec<NdArray>, LinAlgError> {
    let op = "nd::linalg::svd";
    let (m, n) = matrix_shape(op, a)?;
    let (a, out) = prepared(op, a)?;
    let real_out = if out == DType::F32 { DType::F32 } else { DType::F64 };
    let parts = by_field!(a.dtype(), T => {
        let e = T::elems(&a);
        let v = view(&e, m, n);
        if !compute_uv {
            vec![NdArray::from_vec(&[m.min(n)], v.singular_values().map_err(svd_err(op))?)]
        } else {
            let f = if full_matrices { v.svd() } else { v.thin_svd() }.map_err(svd_err(op))?;
            let s: Vec<f64> = f.S().column_vector().iter().map(|x| x.re()).collect();
            vec![nd_of(f.U()), NdArray::from_vec(&[s.len()], s), adjoint_of(f.V())]
        }
    });
    parts
        .into_iter()
        .map(|p| {
            let to = if p.dtype() == DType::F64 { real_out } else { out };
            back(p, to)
        })
        .collect()
}

/// The singular values of a 2-D working-dtype array, descending.
fn singular_values(op: &str, a: &NdArray) -> Result<Vec<f64>, LinAlgError> {
    let (m, n) = matrix_shape(op, a)?;
    let (a, _) = prepared(op, a)?;
    by_field!(a.dtype(), T => {
        let e = T::elems(&a);
        view(&e, m, n).singular_values().map_err(svd_err(op))
    })
}

/// `eigh(a, uplo)`: `[w, v]`, eigenvalues ascending, from the lower ("L") or upper half.
pub fn eigh(a: &NdArray, uplo: &str) -> Result<Vec<NdArray>, LinAlgError> {
    let op = "nd::linalg::eigh";
    let n = square(op, a)?;
    let side = match uplo {
        "L" => Side::Lower,
        "U" => Side::Upper,
        other => return Err(invalid(op, format!("UPLO must be \"L\" or \"U\", not \"{other}\""))),
    };
    let (a, out) = prepared(op, a)?;
    let real_out = if out == DType::F32 { DType::F32 } else { DType::F64 };
    let (w, v) = by_field!(a.dtype(), T => {
        let e = T::elems(&a);
        let f = view(&e, n, n).self_adjoint_eigen(side).map_err(|_| LinAlgError::NotConverged { op: op.into() })?;
        let w: Vec<f64> = f.S().column_vector().iter().map(|x| x.re()).collect();
        (NdArray::from_vec(&[n], w), nd_of(f.U()))
    });
    Ok(vec![back(w, real_out)?, back(v, out)?])
}

/// `eig(a)`: `[w, v]` with `a · v[:, i] = w[i] · v[:, i]`, `v`'s columns of unit norm.
pub fn eig(a: &NdArray) -> Result<Vec<NdArray>, LinAlgError> {
    let op = "nd::linalg::eig";
    let n = square(op, a)?;
    let (a, out) = prepared(op, a)?;
    let real_input = a.dtype() == DType::F64;
    let notconv = |_| LinAlgError::NotConverged { op: op.into() };
    let (w, v): (Vec<Cx>, Vec<Cx>) = by_field!(a.dtype(), T => {
        let e = T::elems(&a);
        let m: Mat<T> = view(&e, n, n).to_owned();
        let f = m.eigen().map_err(notconv)?;
        let w: Vec<Cx> = f.S().column_vector().iter().copied().collect();
        let u = f.U();
        let mut v = rows_of(u);
        for j in 0..n {
            let norm = (0..n).map(|i| v[i * n + j].norm_sqr()).sum::<f64>().sqrt();
            if norm > 0.0 {
                (0..n).for_each(|i| v[i * n + j] /= norm);
            }
        }
        (w, v)
    });
    if real_input && w.iter().all(|x| x.im == 0.0) {
        let wr = NdArray::from_vec(&[n], w.iter().map(|x| x.re).collect::<Vec<f64>>());
        let vr = NdArray::from_vec(&[n, n], v.iter().map(|x| x.re).collect::<Vec<f64>>());
        return Ok(vec![back(wr, out)?, back(vr, out)?]);
    }
    Ok(vec![Cx::array(&[n], w), Cx::array(&[n, n], v)])
}

/// What `lstsq` returns: NumPy's `[x, residuals, rank, s]`.
pub struct Lstsq {
    pub x: NdArray,
    pub residuals: NdArray,
    pub rank: i64,
    pub s: NdArray,
}

/// `V · diag(f(s)) · Uᴴ · b` through a thin SVD of `a` (m×n): the core of `lstsq` and
/// `pinv`. `keep(s)` says which singular values count; returns `(x, s, rank)`.
fn svd_apply<T: Field>(
    op: &str,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    cutoff: impl Fn(f64) -> f64,
) -> Result<(Vec<T>, Vec<f64>, usize), LinAlgError> {
    let (m, n, k) = (a.nrows(), a.ncols(), b.ncols());
    let f = a.thin_svd().map_err(svd_err(op))?;
    let s: Vec<f64> = f.S().column_vector().iter().map(|x| x.re()).collect();
    let tol = cutoff(s.first().copied().unwrap_or(0.0));
    let r = s.iter().take_while(|&&x| x > tol).count();
    let (u, v) = (f.U(), f.V());
    // c = diag(1/s) · Uᴴ b (first r rows), then x = V[:, :r] · c.
    let mut c = vec![T::zero(); r * k];
    for i in 0..r {
        for j in 0..k {
            let mut acc = T::zero();
            for p in 0..m {
                acc += u[(p, i)].conjugate() * b[(p, j)];
            }
            c[i * k + j] = acc / T::real(s[i]);
        }
    }
    let vr: Vec<T> = (0..n * r).map(|x| v[(x / r, x % r)]).collect();
    let mut x = vec![T::zero(); n * k];
    gemm(&mut x, &vr, &c, (n, r, k), false);
    Ok((x, s, r))
}

/// `lstsq(a, b, rcond)`: the least-squares solution of `a · x = b` through the SVD;
/// singular values below `rcond · max(s)` (default `eps · max(m, n)`) count as zero.
pub fn lstsq(a: &NdArray, b: &NdArray, rcond: Option<f64>) -> Result<Lstsq, LinAlgError> {
    let op = "nd::linalg::lstsq";
    let (m, n) = matrix_shape(op, a)?;
    let k = match *b.shape() {
        [mb] if mb == m => 1,
        [mb, k] if mb == m => k,
        _ => {
            return Err(LinAlgError::ShapeMismatch {
                op: op.into(),
                left: a.shape().to_vec(),
                right: b.shape().to_vec(),
                why: format!("b must have shape [{m}] or [{m}, k] for a matrix of {m} rows"),
            })
        }
    };
    let rcond = rcond.unwrap_or(f64::EPSILON * m.max(n) as f64);
    let w = DType::promote(work_dtype(op, a.dtype())?, work_dtype(op, b.dtype())?);
    let out = out_dtype(DType::promote(a.dtype(), b.dtype()), w);
    let (aw, bw) = (a.astype(w)?, b.astype(w)?);
    let x_shape: Vec<usize> = if b.ndim() == 1 { vec![n] } else { vec![n, k] };
    let (x, s, rank, res) = by_field!(w, T => {
        let (ea, eb) = (T::elems(&aw), T::elems(&bw));
        let (x, s, rank) = svd_apply(op, view(&ea, m, n), view(&eb, m, k), |smax| rcond * smax)?;
        let res = if rank == n && m > n {
            let mut r = eb.to_vec();
            let neg: Vec<T> = ea.iter().map(|&v| -v).collect();
            gemm(&mut r, &neg, &x, (m, n, k), true);
            let sums: Vec<f64> = (0..k).map(|j| (0..m).map(|i| r[i * k + j].modulus().powi(2)).sum()).collect();
            NdArray::from_vec(&[k], sums)
        } else {
            NdArray::from_vec(&[0], Vec::<f64>::new())
        };
        (T::array(&x_shape, x), s, rank, res)
    });
    let real_out = if out == DType::F32 { DType::F32 } else { DType::F64 };
    Ok(Lstsq {
        x: back(x, out)?,
        residuals: back(res, real_out)?,
        rank: rank as i64,
        s: back(NdArray::from_vec(&[s.len()], s), real_out)?,
    })
}

/// `pinv(a, rcond)`: the pseudo-inverse, singular values below `rcond · max(s)`
/// (default 1e-15) dropped.
pub fn pinv(a: &NdArray, rcond: Option<f64>) -> Result<NdArray, LinAlgError> {
    let op = "nd::linalg::pinv";
    let (m, n) = matrix_shape(op, a)?;
    let rcond = rcond.unwrap_or(1e-15);
    let (a, out) = prepared(op, a)?;
    let r = by_field!(a.dtype(), T => {
        let e = T::elems(&a);
        let id: Vec<T> = (0..m * m).map(|x| if x / m == x % m { T::one() } else { T::zero() }).collect();
        let (x, _, _) = svd_apply(op, view(&e, m, n), view(&id, m, m), |smax| rcond * smax)?;
        T::array(&[n, m], x)
    });
    back(r, out)
}

/// `matrix_rank(a, tol)`: singular values above `tol` (default `max(s) · max(m, n) · eps`).
pub fn matrix_rank(a: &NdArray, tol: Option<f64>) -> Result<i64, LinAlgError> {
    let op = "nd::linalg::matrix_rank";
    if a.ndim() < 2 {
        let zero = a.scalars().iter().all(|s| s.as_f64() == 0.0 && !matches!(s, Scalar::C128(c) if c.im != 0.0));
        return Ok(if zero { 0 } else { 1 });
    }
    let s = singular_values(op, a)?;
    let (m, n) = matrix_shape(op, a)?;
    let tol = tol.unwrap_or(s.first().copied().unwrap_or(0.0) * m.max(n) as f64 * f64::EPSILON);
    Ok(s.iter().filter(|&&x| x > tol).count() as i64)
}

/// `cond(a, p)`: p `None` (or 2) is `max(s) / min(s)`, -2 its inverse; any other norm
/// order is `norm(a, p) · norm(inv(a), p)`.
pub fn cond(a: &NdArray, p: Option<&super::norm::Ord>) -> Result<f64, LinAlgError> {
    use super::norm::{norm_value as norm, Ord};
    let op = "nd::linalg::cond";
    matrix_shape(op, a)?;
    match p {
        None | Some(Ord::P(2.0)) | Some(Ord::P(-2.0)) => {
            let s = singular_values(op, a)?;
            let (hi, lo) = (s.first().copied().unwrap_or(0.0), s.last().copied().unwrap_or(0.0));
            Ok(if matches!(p, Some(Ord::P(x)) if *x < 0.0) { lo / hi } else { hi / lo })
        }
        Some(p) => {
            square(op, a)?;
            let na = norm(a, Some(p))?;
            let ni = norm(
                &inv(a).map_err(|e| match e {
                    LinAlgError::Singular { .. } => LinAlgError::Singular { op: op.into() },
                    e => e,
                })?,
                Some(p),
            )?;
            Ok(na * ni)
        }
    }
}

/// The thin QR of a row-major `m × n` matrix: `Q` (`m × k`) and upper `R` (`k × n`),
/// row-major, `k = min(m, n)`.
pub fn qr_parts<T: Field>(a: &[T], m: usize, n: usize) -> (Vec<T>, Vec<T>) {
    let k = m.min(n);
    if k == 0 {
        return (vec![T::zero(); m * k], vec![T::zero(); k * n]);
    }
    let f = view(a, m, n).qr();
    let r = f.thin_R();
    let rr: Vec<T> = (0..k * n).map(|x| if x % n >= x / n { r[(x / n, x % n)] } else { T::zero() }).collect();
    (rows_of(f.compute_thin_Q().as_ref()), rr)
}
