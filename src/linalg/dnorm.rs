//! `da::linalg::norm(a [, ord])`: norms of DistArrays from elementwise work and
//! reductions (partials combined in rank order). Vectors: None/2, 1, inf, -inf, 0, p;
//! matrices: None/"fro", 1, -1 (column sums), inf, -inf (row sums); any array with
//! `ord` None: the 2-norm of all elements.
//!
//! Matrix orders "nuc", 2 and -2 need the singular values: they are those of TSQR's `R`
//! (`n × n`, on every engine) for a matrix with at least as many rows as columns, and
//! of its transpose's `R` otherwise (the transpose is one redistribution); one local
//! SVD of `R` on every engine then gives the same sum, largest or smallest value
//! everywhere. That costs a distributed QR (`O(m n²)` spread over the engines, plus
//! `O(n³ log p)` up the tree) and an `n × n` matrix per engine, so it suits matrices
//! whose smaller side fits in one engine's memory. An empty matrix has norm 0.

use super::norm::Ord;
use crate::distarray::ops::{self, Reduced};
use crate::distarray::{Comm, DaError, DistArray};
use crate::nd::reduce::Reduction;
use crate::nd::{BinOp, DType, Scalar, UnOp};

fn all(comm: &mut dyn Comm, a: &DistArray, r: Reduction) -> Result<f64, DaError> {
    Ok(ops::reduce_all(comm, a, r)?.as_f64())
}

/// The norm of `a`, the same number on every engine.
pub fn norm(comm: &mut dyn Comm, a: &DistArray, ord: Option<&Ord>) -> Result<f64, DaError> {
    let op = "da::linalg::norm";
    a.check_group(comm)?;
    let abs = ops::unary(comm, a, UnOp::Abs)?;
    let abs = ops::astype(comm, &abs, DType::F64)?;
    let ndim = a.shape().len();
    match (ord, ndim) {
        (None, _) | (Some(Ord::Fro), 2) => {
            let sq = ops::binary(comm, &abs, BinOp::Mul, &abs)?;
            Ok(all(comm, &sq, Reduction::Sum)?.sqrt())
        }
        (Some(Ord::P(p)), 1) => {
            let p = *p;
            if p == f64::INFINITY {
                all(comm, &abs, Reduction::Max)
            } else if p == f64::NEG_INFINITY {
                all(comm, &abs, Reduction::Min)
            } else if p == 0.0 {
                let nz = ops::binary_scalar(comm, &abs, BinOp::Ne, Scalar::F64(0.0), false)?;
                let nz = ops::astype(comm, &nz, DType::F64)?;
                all(comm, &nz, Reduction::Sum)
            } else if p == 1.0 {
                all(comm, &abs, Reduction::Sum)
            } else {
                let pw = ops::binary_scalar(comm, &abs, BinOp::Pow, Scalar::F64(p), false)?;
                Ok(all(comm, &pw, Reduction::Sum)?.powf(1.0 / p))
            }
        }
        (Some(Ord::P(p)), 2) if p.abs() == 1.0 || p.is_infinite() => {
            let axis = if p.abs() == 1.0 { 0 } else { 1 };
            let sums = match ops::reduce_axis(comm, &abs, Reduction::Sum, axis)? {
                Reduced::Array(s) => s,
                Reduced::Scalar(_) => unreachable!("a 2-D array reduces to a 1-D one"),
            };
            all(comm, &sums, if *p > 0.0 { Reduction::Max } else { Reduction::Min })
        }
        (Some(Ord::Nuc), 2) => Ok(singular_values(comm, a)?.iter().sum()),
        (Some(Ord::P(p)), 2) if p.abs() == 2.0 => {
            let s = singular_values(comm, a)?;
            let pick = if *p > 0.0 { s.first() } else { s.last() };
            Ok(pick.copied().unwrap_or(0.0))
        }
        (Some(o), 2) => Err(DaError::Invalid(format!(
            "{op}: norm order {} is not a matrix norm: use \"fro\", \"nuc\", 1, -1, 2, -2, \"inf\" or \"-inf\"",
            o.name()
        ))),
        (Some(o), 1) => Err(DaError::Invalid(format!("{op}: norm order {} is for matrices, not vectors", o.name()))),
        (Some(_), n) => Err(DaError::Invalid(format!(
            "{op}: a norm order needs a 1-D or 2-D array, not {n} axes (use no order for the 2-norm of all elements)"
        ))),
    }
}

/// The singular values of a 2-D `a`, descending, the same on every engine: those of
/// TSQR's `R` of `a` (or of its transpose when `a` is wide).
fn singular_values(comm: &mut dyn Comm, a: &DistArray) -> Result<Vec<f64>, DaError> {
    let op = "da::linalg::norm";
    let s = a.shape();
    if s[0] == 0 || s[1] == 0 {
        return Ok(Vec::new());
    }
    let transposed;
    let tall = if s[0] >= s[1] {
        a
    } else {
        transposed = crate::distarray::exchange::transpose(comm, a)?;
        &transposed
    };
    let r = super::tsqr::tsqr(comm, tall)?.r;
    let sv = super::decomp::svd(&r, false, false).map_err(|e| DaError::Invalid(format!("{op}: {e}")))?;
    let sv = sv[0].astype(DType::F64)?;
    Ok(sv.as_slice::<f64>().expect("f64").to_vec())
}
