//! TSQR: the QR factorization of a tall-skinny DistArray (`m ≥ n`, rows
//! block-distributed), and least squares through it.
//!
//! 1. `a` is laid out by rows (`["b", "n"]`, redistributed if it is not) and each engine
//!    factors its rows: `A_i = Q_i R_i` (faer, `k_i = min(m_i, n)` columns).
//! 2. The R factors meet up a binary tree: at level `s` (1, 2, 4, …) rank `r` with
//!    `r % 2s == 0` receives the R of rank `r + s`, stacks it under its own and factors
//!    the stack again, keeping that small Q. Rank 0 ends with `R` (`n × n`), which it
//!    makes unique by giving it a real non-negative diagonal, and broadcasts.
//! 3. Down the same tree each parent multiplies its small Q by what it got from above
//!    and hands the child its rows; each engine's block of the distributed `Q` is
//!    `Q_i · W_i`. `Q` (`m × n`) stays distributed by rows, `R` is on every engine.
//!
//! `lstsq(a, b)` computes `c = Qᴴ b` (local products summed in rank order) and solves
//! `R x = c` on every engine. Every step is an exchange through the progress loop, so
//! it can be interrupted between levels.

use super::decomp::qr_parts;
use super::field::{Cx, Field};
use super::product::gemm;
use super::summa::{by_rows, mismatch};
use super::LinAlgError;
use crate::distarray::{exchange, AxisDist, Comm, DaError, DistArray, Distribution};
use crate::nd::{DType, NdArray};
use crate::protocol::Value;

fn send<T: Field>(rows: usize, cols: usize, v: Vec<T>) -> Value {
    let (shape, data) = T::array(&[rows, cols], v).into_buffer();
    Value::NdArray { shape, data }
}

fn receive<T: Field>(v: Value, op: &str) -> Result<(usize, usize, Vec<T>), DaError> {
    match v {
        Value::NdArray { shape, data } if shape.len() == 2 => {
            let a = NdArray::from_buffer(&shape, data)?;
            if a.dtype() != T::DTYPE {
                return Err(DaError::Comm(format!("{op}: received {} where {} was expected", a.dtype(), T::DTYPE)));
            }
            Ok((shape[0], shape[1], T::elems(&a).into_owned()))
        }
        other => Err(DaError::Comm(format!("{op}: received a {} instead of a factor", other.type_name()))),
    }
}

/// The result of [`tsqr`].
pub struct Tsqr {
    pub q: DistArray,
    pub r: NdArray,
}

fn la(e: LinAlgError) -> DaError {
    DaError::Invalid(e.to_string())
}

/// The work dtype of a distributed operand (f64, or c128).
fn work(a: &DistArray) -> DType {
    if a.dtype() == DType::C128 {
        DType::C128
    } else {
        DType::F64
    }
}

/// `[q, r]` of a tall-skinny `a` (see the module docs).
pub fn tsqr(comm: &mut dyn Comm, a: &DistArray) -> Result<Tsqr, DaError> {
    let op = "da::linalg::tsqr";
    a.check_group(comm)?;
    let s = a.shape().to_vec();
    if s.len() != 2 {
        return Err(la(LinAlgError::Ndim { op: op.into(), shape: s, want: "a 2-D array".into() }));
    }
    if s[0] < s[1] {
        return Err(DaError::Invalid(format!(
            "{op}: TSQR is for tall-skinny arrays (at least as many rows as columns), not of shape [{}, {}]",
            s[0], s[1]
        )));
    }
    let w = work(a);
    let aw = crate::distarray::ops::astype(comm, a, w)?;
    let rows = by_rows(comm, &aw)?;
    match w {
        DType::C128 => tsqr_t::<Cx>(comm, &rows),
        _ => tsqr_t::<f64>(comm, &rows),
    }
}

fn tsqr_t<T: Field>(comm: &mut dyn Comm, rows: &DistArray) -> Result<Tsqr, DaError> {
    let op = "da::linalg::tsqr";
    let (me, p) = (comm.rank(), comm.size());
    let n = rows.shape()[1];
    let local = rows.local()?;
    let mi = local.shape()[0];
    let (q0, mut r, mut kr) = {
        let (q, r) = qr_parts::<T>(&T::elems(&local), mi, n);
        (q, r, mi.min(n))
    };
    // Up the tree: (step, partner, my rows, partner's rows, the stack's Q).
    let mut saved: Vec<(usize, usize, usize, usize, Vec<T>)> = Vec::new();
    let mut active = true;
    let mut step = 1;
    while step < p {
        let parent = active && me % (2 * step) == 0 && me + step < p;
        let child = active && me % (2 * step) == step;
        let sends = if child { vec![(me - step, send(kr, n, r.clone()))] } else { vec![] };
        let from: Vec<usize> = if parent { vec![me + step] } else { vec![] };
        let got = comm.exchange(op, sends, &from)?;
        if child {
            active = false;
        }
        if let Some(v) = got.into_iter().next() {
            let (kp, cols, theirs) = receive::<T>(v, op)?;
            if cols != n {
                return Err(DaError::Comm(format!("{op}: a factor with {cols} columns arrived, not {n}")));
            }
            let mut stack = std::mem::take(&mut r);
            stack.extend(theirs);
            let (qs, rs) = qr_parts::<T>(&stack, kr + kp, n);
            saved.push((step, me + step, kr, kp, qs));
            r = rs;
            kr = (kr + kp).min(n);
        }
        step *= 2;
    }
    // Rank 0: a real non-negative diagonal of R, then R to everyone.
    let big_k = n;
    let mut wm: Vec<T> = Vec::new();
    if me == 0 {
        debug_assert_eq!(kr, big_k);
        wm = vec![T::zero(); big_k * big_k];
        for i in 0..big_k {
            let d = r[i * n + i];
            let ph = if d.modulus() == 0.0 { T::one() } else { d / T::real(d.modulus()) };
            wm[i * big_k + i] = ph;
            for j in i..n {
                r[i * n + j] = ph.conjugate() * r[i * n + j];
            }
        }
    }
    let rv = comm.broadcast(op, if me == 0 { send(big_k, n, r) } else { Value::Unit }, 0)?;
    let (_, _, r) = receive::<T>(rv, op)?;
    // Down the tree.
    let mut s = step / 2;
    while s >= 1 {
        let mut sends = Vec::new();
        let mut from = Vec::new();
        if let Some(pos) = saved.iter().position(|x| x.0 == s) {
            let (_, partner, mine, theirs, qs) = saved.remove(pos);
            let mut prod = vec![T::zero(); (mine + theirs) * big_k];
            gemm(&mut prod, &qs, &wm, (mine + theirs, (mine + theirs).min(n), big_k), false);
            let lower = prod.split_off(mine * big_k);
            sends.push((partner, send(theirs, big_k, lower)));
            wm = prod;
        } else if me % (2 * s) == s && wm.is_empty() {
            from.push(me - s);
        }
        let got = comm.exchange(op, sends, &from)?;
        if let Some(v) = got.into_iter().next() {
            wm = receive::<T>(v, op)?.2;
        }
        s /= 2;
    }
    let ki = mi.min(n);
    if wm.len() != ki * big_k {
        return Err(DaError::Comm(format!(
            "{op}: engine rank {me} ended with {} coefficients, not {}",
            wm.len(),
            ki * big_k
        )));
    }
    let mut q = vec![T::zero(); mi * big_k];
    gemm(&mut q, &q0, &wm, (mi, ki, big_k), false);
    let d = Distribution::with_grid(
        &[rows.shape()[0], big_k],
        &[AxisDist::Block, AxisDist::NotDistributed],
        &[p as i64, 1],
        p,
    )?;
    let q = DistArray::from_shard(d, rows.group().to_vec(), me, T::array(&[mi, big_k], q));
    Ok(Tsqr { q, r: T::array(&[big_k, n], r) })
}

/// `x` minimizing `‖a x − b‖` for a tall-skinny `a` of full column rank, through TSQR;
/// `b` of shape `[m]` or `[m, k]`; `x` on every engine.
pub fn lstsq(comm: &mut dyn Comm, a: &DistArray, b: &DistArray) -> Result<NdArray, DaError> {
    let op = "da::linalg::lstsq";
    a.check_group(comm)?;
    b.check_group(comm)?;
    let (sa, sb) = (a.shape().to_vec(), b.shape().to_vec());
    if sa.len() != 2 || !(sb.len() == 1 || sb.len() == 2) || sb[0] != sa[0] {
        return Err(mismatch(
            op,
            &sa,
            &sb,
            format!("b must have shape [{0}] or [{0}, k] for a matrix of {0} rows", sa.first().copied().unwrap_or(0)),
        ));
    }
    let t = tsqr(comm, a).map_err(|e| match e {
        DaError::Invalid(m) => DaError::Invalid(m.replacen("da::linalg::tsqr", op, 1)),
        e => e,
    })?;
    let w = if a.dtype() == DType::C128 || b.dtype() == DType::C128 { DType::C128 } else { DType::F64 };
    let q = crate::distarray::ops::astype(comm, &t.q, w)?;
    let r = t.r.astype(w)?;
    let p = comm.size();
    let bw = crate::distarray::ops::astype(comm, b, w)?;
    let b_rows = if sb.len() == 1 {
        exchange::redistribute(comm, &bw, Distribution::new(&sb, &[AxisDist::Block], p)?)?
    } else {
        by_rows(comm, &bw)?
    };
    let k = if sb.len() == 1 { 1 } else { sb[1] };
    match w {
        DType::C128 => lstsq_t::<Cx>(comm, &q, &r, &b_rows, k, sb.len() == 1),
        _ => lstsq_t::<f64>(comm, &q, &r, &b_rows, k, sb.len() == 1),
    }
}

fn lstsq_t<T: Field>(
    comm: &mut dyn Comm,
    q: &DistArray,
    r: &NdArray,
    b: &DistArray,
    k: usize,
    vector: bool,
) -> Result<NdArray, DaError> {
    let op = "da::linalg::lstsq";
    let n = r.shape()[0];
    let (ql, bl) = (q.local()?, b.local()?);
    let mi = ql.shape()[0];
    let (qe, be) = (T::elems(&ql), T::elems(&bl));
    // Qᵢᴴ bᵢ, n × k.
    let qh: Vec<T> = (0..n * mi).map(|x| qe[(x % mi) * n + x / mi].conjugate()).collect();
    let mut c = vec![T::zero(); n * k];
    gemm(&mut c, &qh, &be, (n, mi, k), false);
    let mut sum = vec![T::zero(); n * k];
    for v in comm.allgather(op, send(n, k, c))? {
        for (s, x) in sum.iter_mut().zip(receive::<T>(v, op)?.2) {
            *s += x;
        }
    }
    let re = T::elems(r);
    if (0..n).any(|i| re[i * n + i].modulus() == 0.0) {
        return Err(DaError::Invalid(format!(
            "{op}: LinAlgError: a is rank deficient (R has a zero on its diagonal); gather it and use nd::linalg::lstsq"
        )));
    }
    let rm = faer::MatRef::from_row_major_slice(&re, n, n);
    let mut x = faer::Mat::from_fn(n, k, |i, j| sum[i * k + j]);
    faer::linalg::triangular_solve::solve_upper_triangular_in_place(rm, x.as_mut(), faer::Par::Seq);
    let data: Vec<T> = (0..n * k).map(|f| x[(f / k, f % k)]).collect();
    let shape: Vec<usize> = if vector { vec![n] } else { vec![n, k] };
    Ok(T::array(&shape, data))
}
