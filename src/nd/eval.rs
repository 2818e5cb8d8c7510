//! Evaluation of an expression tree ([`super::Lazy`]) block by block.
//!
//! The tree is turned into [`Node`]s that each own a scratch buffer of [`BLOCK`]
//! elements of their dtype (constants are filled once); leaves borrow their arrays. For
//! every block the root asks its children for their values, which are slices of a leaf
//! or of a child's scratch buffer, runs its typed kernel, and the root's block is copied
//! into the result, allocated once (memory checked, huge pages advised).

use super::dtype::{DType, Scalar, C64};
use super::expr::{BinOp, Expr, UnOp};
use super::kernels::{self, Arith};
use super::{store, NdArray, NdError};

/// Elements per block: small enough that a tree's scratch buffers stay in L1/L2.
pub const BLOCK: usize = 2048;

/// Computes `expr` over arrays of `shape` into a new array.
pub(super) fn evaluate(expr: &Expr, shape: &[usize]) -> Result<NdArray, NdError> {
    let n = super::size_of(shape)?;
    let dtype = expr.dtype();
    store::check_memory(n as u64 * dtype.size() as u64)?;
    let mut root = Node::build(expr);
    dispatch_dtype!(dtype, T => {
        let mut out = store::zeroed::<T>(n);
        let mut start = 0;
        while start < n {
            if start % (64 * BLOCK) == 0 {
                crate::interrupt::check("an elementwise expression")?;
            }
            let len = BLOCK.min(n - start);
            let block = root.eval(start, len)?;
            out[start..start + len].copy_from_slice(<T as Column>::of(block));
            start += len;
        }
        Ok(NdArray::from_vec::<T>(shape, out))
    })
}

/// A block of one dtype, borrowed.
#[derive(Clone, Copy)]
enum ColRef<'a> {
    F64(&'a [f64]),
    F32(&'a [f32]),
    I64(&'a [i64]),
    I32(&'a [i32]),
    Bool(&'a [bool]),
    C128(&'a [C64]),
}

/// A scratch buffer of one dtype.
enum Col {
    F64(Vec<f64>),
    F32(Vec<f32>),
    I64(Vec<i64>),
    I32(Vec<i32>),
    Bool(Vec<bool>),
    C128(Vec<C64>),
}

/// Picks the typed slice out of a [`ColRef`] whose type was fixed when the tree was built.
trait Column: Sized {
    fn of(c: ColRef<'_>) -> &[Self];
}

macro_rules! column {
    ($t:ty, $v:ident) => {
        impl Column for $t {
            fn of(c: ColRef<'_>) -> &[$t] {
                match c {
                    ColRef::$v(s) => s,
                    _ => unreachable!("dtypes are fixed when the tree is built"),
                }
            }
        }
    };
}
column!(f64, F64);
column!(f32, F32);
column!(i64, I64);
column!(i32, I32);
column!(bool, Bool);
column!(C64, C128);

macro_rules! each_col {
    ($c:expr, $x:ident => $body:expr) => {
        match $c {
            Col::F64($x) => $body,
            Col::F32($x) => $body,
            Col::I64($x) => $body,
            Col::I32($x) => $body,
            Col::Bool($x) => $body,
            Col::C128($x) => $body,
        }
    };
}

macro_rules! each_ref {
    ($c:expr, $x:ident => $body:expr) => {
        match $c {
            ColRef::F64($x) => $body,
            ColRef::F32($x) => $body,
            ColRef::I64($x) => $body,
            ColRef::I32($x) => $body,
            ColRef::Bool($x) => $body,
            ColRef::C128($x) => $body,
        }
    };
}

impl Col {
    fn new(dtype: DType, fill: Option<Scalar>) -> Col {
        macro_rules! make {
            ($t:ty, $v:ident) => {{
                let x: $t = fill.map(store::scalar_as::<$t>).unwrap_or_default();
                Col::$v(vec![x; BLOCK])
            }};
        }
        match dtype {
            DType::F64 => make!(f64, F64),
            DType::F32 => make!(f32, F32),
            DType::I64 => make!(i64, I64),
            DType::I32 => make!(i32, I32),
            DType::Bool => make!(bool, Bool),
            DType::C128 => make!(C64, C128),
        }
    }

    fn head(&self, len: usize) -> ColRef<'_> {
        match self {
            Col::F64(v) => ColRef::F64(&v[..len]),
            Col::F32(v) => ColRef::F32(&v[..len]),
            Col::I64(v) => ColRef::I64(&v[..len]),
            Col::I32(v) => ColRef::I32(&v[..len]),
            Col::Bool(v) => ColRef::Bool(&v[..len]),
            Col::C128(v) => ColRef::C128(&v[..len]),
        }
    }
}

fn leaf_ref(a: &NdArray) -> ColRef<'_> {
    match a.store() {
        super::Store::F64(x) => ColRef::F64(x.as_slice().expect("standard")),
        super::Store::F32(x) => ColRef::F32(x.as_slice().expect("standard")),
        super::Store::I64(x) => ColRef::I64(x.as_slice().expect("standard")),
        super::Store::I32(x) => ColRef::I32(x.as_slice().expect("standard")),
        super::Store::Bool(x) => ColRef::Bool(x.as_slice().expect("standard")),
        super::Store::C128(x) => ColRef::C128(x.as_slice().expect("standard")),
    }
}

/// One node of a tree being evaluated, with its scratch buffer.
struct Node<'a> {
    op: NodeOp<'a>,
    buf: Col,
}

enum NodeOp<'a> {
    Leaf(ColRef<'a>),
    Const,
    Cast(Box<Node<'a>>),
    Unary(UnOp, Box<Node<'a>>),
    Binary(BinOp, Box<Node<'a>>, Box<Node<'a>>),
    Where(Box<Node<'a>>, Box<Node<'a>>, Box<Node<'a>>),
}

impl<'a> Node<'a> {
    fn build(e: &'a Expr) -> Node<'a> {
        let b = |e: &'a Expr| Box::new(Node::build(e));
        let (op, fill) = match e {
            Expr::Leaf(a) => (NodeOp::Leaf(leaf_ref(a)), None),
            Expr::Const(s) => (NodeOp::Const, Some(*s)),
            Expr::Cast(_, x) => (NodeOp::Cast(b(x)), None),
            Expr::Unary(op, _, x) => (NodeOp::Unary(*op, b(x)), None),
            Expr::Binary(op, _, x, y) => (NodeOp::Binary(*op, b(x), b(y)), None),
            Expr::Where(_, m, x, y) => (NodeOp::Where(b(m), b(x), b(y)), None),
        };
        let buf = match op {
            NodeOp::Leaf(_) => Col::Bool(Vec::new()),
            _ => Col::new(e.dtype(), fill),
        };
        Node { op, buf }
    }

    /// The values of elements `start..start + len` (`len <= BLOCK`).
    fn eval(&mut self, start: usize, len: usize) -> Result<ColRef<'_>, NdError> {
        match &mut self.op {
            NodeOp::Leaf(c) => {
                return Ok(each_ref!(*c, s => {
                    let s = &s[start..start + len];
                    leaf_slice(s)
                }))
            }
            NodeOp::Const => {}
            NodeOp::Cast(x) => {
                let a = x.eval(start, len)?;
                each_ref!(a, a => each_col!(&mut self.buf, o => kernels::cast(a, &mut o[..len])));
            }
            NodeOp::Unary(op, x) => {
                let a = x.eval(start, len)?;
                run_unary(*op, a, &mut self.buf, len)?;
            }
            NodeOp::Binary(op, x, y) => {
                let a = x.eval(start, len)?;
                let b = y.eval(start, len)?;
                run_binary(*op, a, b, &mut self.buf, len)?;
            }
            NodeOp::Where(m, x, y) => {
                let m = <bool as Column>::of(m.eval(start, len)?);
                let (a, b) = (x.eval(start, len)?, y.eval(start, len)?);
                macro_rules! sel {
                    ($($v:ident),*) => {
                        match (a, b, &mut self.buf) {
                            $((ColRef::$v(a), ColRef::$v(b), Col::$v(o)) => kernels::select(m, a, b, &mut o[..len]),)*
                            _ => unreachable!("dtypes are fixed when the tree is built"),
                        }
                    };
                }
                sel!(F64, F32, I64, I32, Bool, C128);
            }
        }
        Ok(self.buf.head(len))
    }
}

/// Rewraps a typed slice as a [`ColRef`].
fn leaf_slice<T: Column + LeafRef>(s: &[T]) -> ColRef<'_> {
    T::wrap(s)
}

trait LeafRef: Sized {
    fn wrap(s: &[Self]) -> ColRef<'_>;
}

macro_rules! leaf_ref_impl {
    ($t:ty, $v:ident) => {
        impl LeafRef for $t {
            fn wrap(s: &[$t]) -> ColRef<'_> {
                ColRef::$v(s)
            }
        }
    };
}
leaf_ref_impl!(f64, F64);
leaf_ref_impl!(f32, F32);
leaf_ref_impl!(i64, I64);
leaf_ref_impl!(i32, I32);
leaf_ref_impl!(bool, Bool);
leaf_ref_impl!(C64, C128);

fn run_unary(op: UnOp, a: ColRef<'_>, out: &mut Col, len: usize) -> Result<(), NdError> {
    match (a, out) {
        (ColRef::C128(a), Col::F64(o)) => {
            kernels::complex_to_real(op, a, &mut o[..len]);
            Ok(())
        }
        (ColRef::F64(a), Col::F64(o)) => f64::unary(op, a, &mut o[..len]),
        (ColRef::F32(a), Col::F32(o)) => f32::unary(op, a, &mut o[..len]),
        (ColRef::I64(a), Col::I64(o)) => i64::unary(op, a, &mut o[..len]),
        (ColRef::I32(a), Col::I32(o)) => i32::unary(op, a, &mut o[..len]),
        (ColRef::Bool(a), Col::Bool(o)) => bool::unary(op, a, &mut o[..len]),
        (ColRef::C128(a), Col::C128(o)) => C64::unary(op, a, &mut o[..len]),
        _ => unreachable!("dtypes are fixed when the tree is built"),
    }
}

fn run_binary(op: BinOp, a: ColRef<'_>, b: ColRef<'_>, out: &mut Col, len: usize) -> Result<(), NdError> {
    if op.is_comparison() {
        let o = match out {
            Col::Bool(o) => &mut o[..len],
            _ => unreachable!("comparisons give bool"),
        };
        match (a, b) {
            (ColRef::F64(a), ColRef::F64(b)) => kernels::compare(op, a, b, o),
            (ColRef::F32(a), ColRef::F32(b)) => kernels::compare(op, a, b, o),
            (ColRef::I64(a), ColRef::I64(b)) => kernels::compare(op, a, b, o),
            (ColRef::I32(a), ColRef::I32(b)) => kernels::compare(op, a, b, o),
            (ColRef::Bool(a), ColRef::Bool(b)) => kernels::compare(op, a, b, o),
            (ColRef::C128(a), ColRef::C128(b)) => kernels::compare_complex(op, a, b, o),
            _ => unreachable!("dtypes are fixed when the tree is built"),
        }
        return Ok(());
    }
    match (a, b, out) {
        (ColRef::F64(a), ColRef::F64(b), Col::F64(o)) => f64::arith(op, a, b, &mut o[..len]),
        (ColRef::F32(a), ColRef::F32(b), Col::F32(o)) => f32::arith(op, a, b, &mut o[..len]),
        (ColRef::I64(a), ColRef::I64(b), Col::I64(o)) => i64::arith(op, a, b, &mut o[..len]),
        (ColRef::I32(a), ColRef::I32(b), Col::I32(o)) => i32::arith(op, a, b, &mut o[..len]),
        (ColRef::Bool(a), ColRef::Bool(b), Col::Bool(o)) => bool::arith(op, a, b, &mut o[..len]),
        (ColRef::C128(a), ColRef::C128(b), Col::C128(o)) => C64::arith(op, a, b, &mut o[..len]),
        _ => unreachable!("dtypes are fixed when the tree is built"),
    }
}
