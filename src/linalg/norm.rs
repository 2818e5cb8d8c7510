//! `norm(x, ord, axis)` with NumPy's orders: for vectors None/2, 1, inf, -inf, 0 (count
//! of non-zeros) and any other p (`sum(|x|^p)^(1/p)`); for matrices None/"fro", "nuc",
//! 1, -1 (column sums), inf, -inf (row sums), 2, -2 (singular values). Without `axis`, a
//! 1-D array takes the vector norm, a 2-D one the matrix norm, and with `ord` None any
//! array the 2-norm of all its elements. One `axis` takes vector norms along it; two
//! axes take the matrix norm of a 2-D array (`[1, 0]`: of its transpose).

use super::error::{invalid, LinAlgError};
use crate::nd::{checked_axis, DType, NdArray, UnOp};
use ndarray::{ArrayView1, ArrayView2, Axis, Ix2};

/// A norm order.
#[derive(Debug, Clone, PartialEq)]
pub enum Ord {
    Fro,
    Nuc,
    /// A number: 1, 2, ±inf, 0, any p.
    P(f64),
}

impl Ord {
    /// Reads "fro", "nuc", "inf", "-inf" or a number.
    pub fn parse(op: &str, s: &str) -> Result<Ord, LinAlgError> {
        match s {
            "fro" => Ok(Ord::Fro),
            "nuc" => Ok(Ord::Nuc),
            "inf" => Ok(Ord::P(f64::INFINITY)),
            "-inf" => Ok(Ord::P(f64::NEG_INFINITY)),
            other => other.parse::<f64>().map(Ord::P).map_err(|_| {
                invalid(
                    op,
                    format!("unknown norm order \"{other}\": use \"fro\", \"nuc\", \"inf\", \"-inf\" or a number"),
                )
            }),
        }
    }

    pub(crate) fn name(&self) -> String {
        match self {
            Ord::Fro => "\"fro\"".into(),
            Ord::Nuc => "\"nuc\"".into(),
            Ord::P(p) => format!("{p}"),
        }
    }
}

/// The vector norm of `|x|` values.
pub fn vector_norm(op: &str, abs: ArrayView1<'_, f64>, ord: Option<&Ord>) -> Result<f64, LinAlgError> {
    let p = match ord {
        None => 2.0,
        Some(Ord::P(p)) => *p,
        Some(o) => return Err(invalid(op, format!("norm order {} is for matrices, not vectors", o.name()))),
    };
    Ok(if p == f64::INFINITY {
        abs.iter().copied().fold(f64::NEG_INFINITY, f64::max).max(if abs.is_empty() { 0.0 } else { f64::NEG_INFINITY })
    } else if p == f64::NEG_INFINITY {
        abs.iter().copied().fold(f64::INFINITY, f64::min)
    } else if p == 0.0 {
        abs.iter().filter(|&&x| x != 0.0).count() as f64
    } else if p == 1.0 {
        abs.sum()
    } else if p == 2.0 {
        abs.iter().map(|x| x * x).sum::<f64>().sqrt()
    } else {
        abs.iter().map(|x| x.powf(p)).sum::<f64>().powf(1.0 / p)
    })
}

fn matrix_norm(op: &str, x: &NdArray, abs: ArrayView2<'_, f64>, ord: Option<&Ord>) -> Result<f64, LinAlgError> {
    let sums = |axis: usize| -> Vec<f64> { abs.sum_axis(Axis(axis)).to_vec() };
    let max = |v: Vec<f64>| v.into_iter().fold(0.0, f64::max);
    let min = |v: Vec<f64>| v.into_iter().fold(f64::INFINITY, f64::min);
    Ok(match ord {
        None | Some(Ord::Fro) => abs.iter().map(|x| x * x).sum::<f64>().sqrt(),
        Some(Ord::Nuc) => {
            super::decomp::svd(x, false, false)?[0].astype(DType::F64)?.as_slice::<f64>().expect("f64").iter().sum()
        }
        Some(Ord::P(p)) if *p == 1.0 => max(sums(0)),
        Some(Ord::P(p)) if *p == -1.0 => min(sums(0)),
        Some(Ord::P(p)) if *p == f64::INFINITY => max(sums(1)),
        Some(Ord::P(p)) if *p == f64::NEG_INFINITY => min(sums(1)),
        Some(Ord::P(p)) if *p == 2.0 || *p == -2.0 => {
            let s = super::decomp::svd(x, false, false)?[0].astype(DType::F64)?;
            let s = s.as_slice::<f64>().expect("f64");
            if *p > 0.0 {
                s.first().copied().unwrap_or(0.0)
            } else {
                s.last().copied().unwrap_or(0.0)
            }
        }
        Some(o) => {
            return Err(invalid(
                op,
                format!(
                    "norm order {} is not a matrix norm: use \"fro\", \"nuc\", 1, -1, 2, -2, \"inf\" or \"-inf\"",
                    o.name()
                ),
            ))
        }
    })
}

/// `norm(x, ord, axis)`: a 0-d array for a whole norm, else the norms along `axis`.
pub fn norm(x: &NdArray, ord: Option<&Ord>, axis: Option<&[i64]>) -> Result<NdArray, LinAlgError> {
    let op = "nd::linalg::norm";
    let out = if x.dtype() == DType::F32 { DType::F32 } else { DType::F64 };
    let abs = x.unary(UnOp::Abs)?.astype(DType::F64)?;
    let a = <f64 as crate::nd::Stored>::get(abs.store()).expect("f64");
    let whole = |v: f64| -> Result<NdArray, LinAlgError> { Ok(NdArray::from_vec(&[], vec![v]).astype(out)?) };
    match axis {
        None if ord.is_none() => whole(a.iter().map(|v| v * v).sum::<f64>().sqrt()),
        None => match x.ndim() {
            1 => whole(vector_norm(op, a.view().into_dimensionality().expect("1-D"), ord)?),
            2 => whole(matrix_norm(op, x, a.view().into_dimensionality::<Ix2>().expect("2-D"), ord)?),
            n => Err(LinAlgError::Ndim {
                op: op.into(),
                shape: x.shape().to_vec(),
                want: format!(
                    "a 1-D or 2-D array for norm order {} (this one has {n} axes; give axis)",
                    ord.map(|o| o.name()).unwrap_or_default()
                ),
            }),
        },
        Some([ax]) => {
            let ax = checked_axis(*ax, x.ndim())?;
            let mut err = None;
            let r = a.map_axis(Axis(ax), |lane| {
                vector_norm(op, lane, ord).unwrap_or_else(|e| {
                    err = Some(e);
                    0.0
                })
            });
            if let Some(e) = err {
                return Err(e);
            }
            Ok(NdArray::from_ndarray(r).astype(out)?)
        }
        Some([r, c]) => {
            if x.ndim() != 2 {
                return Err(LinAlgError::Ndim {
                    op: op.into(),
                    shape: x.shape().to_vec(),
                    want: "a 2-D array for a matrix norm over two axes".into(),
                });
            }
            let (r, c) = (checked_axis(*r, 2)?, checked_axis(*c, 2)?);
            if r == c {
                return Err(invalid(op, "the two axes of a matrix norm must differ"));
            }
            let m = a.view().into_dimensionality::<Ix2>().expect("2-D");
            let v = if r == 0 {
                matrix_norm(op, x, m, ord)?
            } else {
                matrix_norm(op, &x.transpose(), m.reversed_axes(), ord)?
            };
            whole(v)
        }
        Some(more) => Err(invalid(op, format!("axis must be one axis or two, not {} axes", more.len()))),
    }
}

/// `norm` as one number (for `cond`).
pub fn norm_value(x: &NdArray, ord: Option<&Ord>) -> Result<f64, LinAlgError> {
    Ok(norm(x, ord, None)?.get(&[])?.as_f64())
}
