//! [`LinAlgError`]: why a linear algebra call was refused, in NumPy's words.

use crate::nd::display::list;
use crate::nd::{DType, NdError};
use std::fmt;

/// Why a linear algebra operation failed. `op` is the user's name for the call
/// (`nd::linalg::solve`), so messages say which call refused what.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LinAlgError {
    /// The matrix has no inverse (an exact zero pivot in its LU factorization).
    Singular { op: String },
    /// Cholesky found a non-positive pivot.
    NotPositiveDefinite { op: String },
    /// A square matrix was needed; `shape` is the one given.
    NotSquare { op: String, shape: Vec<usize> },
    /// The operands' shapes do not fit together; `why` says which axes.
    ShapeMismatch { op: String, left: Vec<usize>, right: Vec<usize>, why: String },
    /// The operand has the wrong number of axes (`want` describes what is accepted).
    Ndim { op: String, shape: Vec<usize>, want: String },
    /// The iteration of an eigenvalue or singular value solver did not converge.
    NotConverged { op: String },
    /// A dtype the operation does not take.
    DType { op: String, dtype: DType },
    /// A bad argument (an unknown `ord`, a bad mode), with its message.
    Invalid { op: String, message: String },
    /// An array operation underneath failed (memory, shapes).
    Nd(NdError),
}

impl fmt::Display for LinAlgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinAlgError::Singular { op } => write!(f, "{op}: LinAlgError: singular matrix"),
            LinAlgError::NotPositiveDefinite { op } => {
                write!(f, "{op}: LinAlgError: matrix is not positive definite")
            }
            LinAlgError::NotSquare { op, shape } => {
                write!(f, "{op}: LinAlgError: the matrix must be square, not of shape {}", list(shape))
            }
            LinAlgError::ShapeMismatch { op, left, right, why } => {
                write!(f, "{op}: LinAlgError: shapes {} and {} do not fit: {why}", list(left), list(right))
            }
            LinAlgError::Ndim { op, shape, want } => {
                write!(f, "{op}: LinAlgError: expected {want}, got an array of shape {}", list(shape))
            }
            LinAlgError::NotConverged { op } => write!(f, "{op}: LinAlgError: the iteration did not converge"),
            LinAlgError::DType { op, dtype } => write!(f, "{op}: not defined for {dtype} arrays"),
            LinAlgError::Invalid { op, message } => write!(f, "{op}: {message}"),
            LinAlgError::Nd(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for LinAlgError {}

impl From<NdError> for LinAlgError {
    fn from(e: NdError) -> LinAlgError {
        LinAlgError::Nd(e)
    }
}

pub(crate) fn invalid(op: &str, message: impl Into<String>) -> LinAlgError {
    LinAlgError::Invalid { op: op.to_string(), message: message.into() }
}
