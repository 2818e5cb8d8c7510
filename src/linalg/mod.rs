//! Linear algebra: local kernels over `faer` and distributed algorithms over DistArray's
//! [`Comm`](crate::distarray::Comm).
//!
//! This room knows nothing of Rhai or the console (`bindings::linalg` and
//! `bindings::da_linalg` expose it). It never writes a GEMM or a factorization by hand:
//! every local product and decomposition is one `faer` call on a whole matrix, with
//! sequential parallelism (the engines are the parallelism).
//!
//! # Layout
//!
//! - `error` — [`LinAlgError`], NumPy's `LinAlgError` cases with messages naming shapes.
//! - `field` — the element types the kernels run in (`f64`, `c128`), NdArray ↔ faer
//!   matrix views (row-major slices viewed in place, no copy for f64/c128 input) and
//!   dtype promotion (bool and integers → f64, as NumPy's `linalg` does; `f32` is
//!   computed in f64 and the result given back as f32, except `matmul`, which runs f32).
//! - `product` — `matmul` (1-D/2-D/N-d stacks with broadcast batch axes), `dot`,
//!   `outer`, `eye`, and the local GEMM the distributed algorithms call.
//! - `decomp` — `solve inv det slogdet cholesky qr svd eigh eig lstsq pinv cond
//!   matrix_rank`, NumPy's conventions (2-D matrices; stacks only in `matmul`).
//! - `norm` — vector and matrix norms (`ord` None/"fro"/"nuc"/±1/±2/±inf/p, `axis`).
//! - `summa` — `da::matmul` (SUMMA on a 2-D grid) and the matrix–vector product.
//! - `tsqr` — tall-skinny QR (a tree of R factors) and least squares through it.
//! - `cg` — conjugate gradients over a matrix or a matrix-free operator.
//! - `dnorm` — norms of DistArrays.

pub mod cg;
pub mod decomp;
pub mod dnorm;
pub mod error;
pub mod field;
pub mod norm;
pub mod product;
pub mod summa;
pub mod tsqr;

pub use error::LinAlgError;
