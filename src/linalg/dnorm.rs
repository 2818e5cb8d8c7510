//! `da::linalg::norm(a [, ord])`: norms of DistArrays from elementwise work and
//! reductions (partials combined in rank order). Vectors: None/2, 1, inf, -inf, 0, p;
//! matrices: None/"fro", 1, -1 (column sums), inf, -inf (row sums); any array with
//! `ord` None: the 2-norm of all elements. Orders that need singular values ("nuc",
//! 2, -2 for matrices) are refused: they would need a distributed SVD.

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
    let bad = |o: &Ord, what: &str| DaError::Invalid(format!("{op}: norm order {o:?} is not supported for {what}"));
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
        (Some(o), 2) => Err(DaError::Invalid(format!(
            "{op}: norm order {} of a matrix needs its singular values; use None, \"fro\", 1, -1, \"inf\" or \"-inf\" (or gather and use nd::linalg::norm)",
            match o { Ord::Nuc => "\"nuc\"".to_string(), Ord::P(p) => p.to_string(), Ord::Fro => "\"fro\"".into() }
        ))),
        (Some(o), 1) => Err(bad(o, "vectors")),
        (Some(_), n) => Err(DaError::Invalid(format!("{op}: a norm order needs a 1-D or 2-D array, not {n} axes (use no order for the 2-norm of all elements)"))),
    }
}
