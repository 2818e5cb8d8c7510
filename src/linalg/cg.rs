//! Conjugate gradients for symmetric positive definite systems, over any vector space
//! that can apply the operator, take dot products and form `a·x + y` ([`Space`]): a
//! DistArray matrix (its matvec, [`MatrixSpace`]), or a function of DistArrays that the
//! bindings call (a matrix-free operator such as a stencil written with `da::roll`).
//!
//! Dot products are DistArray sums, combined in rank order, so a run gives the same
//! iterates every time on any transport; each one waits through the progress loop, so
//! an interrupt ends the solve between iterations. Stops when `‖r‖ / ‖b‖ ≤ tol` or
//! after `maxiter` iterations; returns `x`, the iterations done and `‖r‖ / ‖b‖`.

use super::summa::{by_rows, matvec, mismatch};
use crate::distarray::ops;
use crate::distarray::{exchange, AxisDist, Comm, DaError, DistArray, Distribution};
use crate::nd::reduce::Reduction;
use crate::nd::{BinOp, DType, Scalar};

/// What CG needs of its vectors and operator.
pub trait Space {
    type V: Clone;
    fn apply(&mut self, x: &Self::V) -> Result<Self::V, DaError>;
    fn dot(&mut self, x: &Self::V, y: &Self::V) -> Result<f64, DaError>;
    /// `a·x + y`, computed.
    fn axpy(&mut self, a: f64, x: &Self::V, y: &Self::V) -> Result<Self::V, DaError>;
}

/// What [`cg`] returns.
pub struct Solution<V> {
    pub x: V,
    pub iterations: usize,
    pub residual: f64,
}

/// Solves `A x = b` by conjugate gradients from `x0` (zero when `None`).
pub fn cg<S: Space>(
    s: &mut S,
    b: &S::V,
    x0: Option<S::V>,
    tol: f64,
    maxiter: usize,
) -> Result<Solution<S::V>, DaError> {
    let bnorm = s.dot(b, b)?.sqrt();
    let zero = s.axpy(-1.0, b, b)?;
    if bnorm == 0.0 {
        return Ok(Solution { x: zero, iterations: 0, residual: 0.0 });
    }
    let (mut x, mut r) = match x0 {
        Some(x0) => {
            let ax = s.apply(&x0)?;
            let r = s.axpy(-1.0, &ax, b)?;
            (x0, r)
        }
        None => (zero, b.clone()),
    };
    let mut p = r.clone();
    let mut rr = s.dot(&r, &r)?;
    let mut it = 0;
    while it < maxiter && rr.sqrt() / bnorm > tol {
        let ap = s.apply(&p)?;
        let pap = s.dot(&p, &ap)?;
        if pap.is_nan() || pap <= 0.0 {
            return Err(DaError::Invalid(format!(
                "da::linalg::cg: LinAlgError: the operator is not positive definite (pᵀAp = {pap:e} at iteration {})",
                it + 1
            )));
        }
        let alpha = rr / pap;
        x = s.axpy(alpha, &p, &x)?;
        r = s.axpy(-alpha, &ap, &r)?;
        let rr_new = s.dot(&r, &r)?;
        p = s.axpy(rr_new / rr, &p, &r)?;
        rr = rr_new;
        it += 1;
    }
    Ok(Solution { x, iterations: it, residual: rr.sqrt() / bnorm })
}

/// `x · y` of two DistArrays (real), summed in rank order.
pub fn dot(comm: &mut dyn Comm, x: &DistArray, y: &DistArray) -> Result<f64, DaError> {
    let xy = ops::binary(comm, x, BinOp::Mul, y)?;
    Ok(ops::reduce_all(comm, &xy, Reduction::Sum)?.as_f64())
}

/// `a·x + y`, computed (one fused pass).
pub fn axpy(comm: &mut dyn Comm, a: f64, x: &DistArray, y: &DistArray) -> Result<DistArray, DaError> {
    let ax = ops::binary_scalar(comm, x, BinOp::Mul, Scalar::F64(a), false)?;
    let r = ops::binary(comm, &ax, BinOp::Add, y)?;
    r.local()?;
    Ok(r)
}

/// A DistArray matrix as CG's operator, its rows laid out once for the matvec.
pub struct MatrixSpace<'a> {
    pub comm: &'a mut dyn Comm,
    rows: DistArray,
}

impl<'a> MatrixSpace<'a> {
    /// For `a` (square, real) and `b` (1-D, as long): the space and `b` laid out like
    /// the matvec's results.
    pub fn new(comm: &'a mut dyn Comm, a: &DistArray, b: &DistArray) -> Result<(MatrixSpace<'a>, DistArray), DaError> {
        let op = "da::linalg::cg";
        a.check_group(comm)?;
        b.check_group(comm)?;
        let (sa, sb) = (a.shape().to_vec(), b.shape().to_vec());
        if sa.len() != 2 || sa[0] != sa[1] {
            return Err(DaError::Invalid(
                crate::linalg::LinAlgError::NotSquare { op: op.into(), shape: sa }.to_string(),
            ));
        }
        if sb.len() != 1 || sb[0] != sa[0] {
            return Err(mismatch(op, &sa, &sb, format!("b must have shape [{}]", sa[0])));
        }
        if a.dtype() == DType::C128 || b.dtype() == DType::C128 {
            return Err(DaError::Invalid(format!(
                "{op}: complex systems are not supported (use real symmetric positive definite ones)"
            )));
        }
        let a = ops::astype(comm, a, DType::F64)?;
        let rows = by_rows(comm, &a)?;
        let b = ops::astype(comm, b, DType::F64)?;
        let b =
            exchange::redistribute(comm, &b, Distribution::new(&sb, &[AxisDist::Block], a.distribution().engines())?)?;
        b.local()?;
        Ok((MatrixSpace { comm, rows }, b))
    }
}

impl Space for MatrixSpace<'_> {
    type V = DistArray;
    fn apply(&mut self, x: &DistArray) -> Result<DistArray, DaError> {
        matvec::<f64>(self.comm, &self.rows, x)
    }
    fn dot(&mut self, x: &DistArray, y: &DistArray) -> Result<f64, DaError> {
        dot(self.comm, x, y)
    }
    fn axpy(&mut self, a: f64, x: &DistArray, y: &DistArray) -> Result<DistArray, DaError> {
        axpy(self.comm, a, x, y)
    }
}
