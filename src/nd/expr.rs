//! Elementwise work as an expression tree, evaluated block by block.
//!
//! A [`Lazy`] is a tree of operations over arrays of one shape and scalars, built with
//! the dtype rules of `dtype` fixed at every node (casts are explicit nodes) and every
//! error of type or shape found while building. [`Lazy::eval`] allocates the result once
//! and runs the tree over blocks of [`BLOCK`] elements: each node computes its block
//! into a small scratch buffer that stays in cache, leaves are read straight from their
//! arrays, and the root's block is copied into the result. So `a * b + a` costs one pass
//! over `a` and `b` and one write of the result, like a hand-fused loop, with no
//! temporary arrays; the scratch buffers are allocated once per evaluation.
//!
//! NdArray evaluates at once; DistArray keeps small trees pending so that a whole
//! expression runs fused on each shard.

use super::dtype::{DType, Scalar};
use super::{NdArray, NdError};

pub use super::eval::BLOCK;

/// Binary elementwise operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Pow,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Xor,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        use BinOp::*;
        match self {
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            Rem => "%",
            Pow => "**",
            Eq => "==",
            Ne => "!=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            And => "&",
            Or => "|",
            Xor => "^",
        }
    }

    pub fn is_comparison(self) -> bool {
        use BinOp::*;
        matches!(self, Eq | Ne | Lt | Le | Gt | Ge)
    }

    fn is_bitwise(self) -> bool {
        matches!(self, BinOp::And | BinOp::Or | BinOp::Xor)
    }
}

/// Unary elementwise operations (math functions, negation, complex parts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
    Abs,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Exp,
    Log,
    Log10,
    Sqrt,
    Floor,
    Ceil,
    Round,
    Re,
    Im,
    Conj,
    Angle,
}

impl UnOp {
    pub fn name(self) -> &'static str {
        use UnOp::*;
        match self {
            Neg => "negation",
            Not => "! (not)",
            Abs => "abs",
            Sin => "sin",
            Cos => "cos",
            Tan => "tan",
            Asin => "asin",
            Acos => "acos",
            Atan => "atan",
            Sinh => "sinh",
            Cosh => "cosh",
            Tanh => "tanh",
            Exp => "exp",
            Log => "log",
            Log10 => "log10",
            Sqrt => "sqrt",
            Floor => "floor",
            Ceil => "ceil",
            Round => "round",
            Re => "re",
            Im => "im",
            Conj => "conj",
            Angle => "angle",
        }
    }

    /// The math functions scripts call by name, with their operation.
    pub const FUNCTIONS: [(&'static str, UnOp); 19] = [
        ("sin", UnOp::Sin),
        ("cos", UnOp::Cos),
        ("tan", UnOp::Tan),
        ("asin", UnOp::Asin),
        ("acos", UnOp::Acos),
        ("atan", UnOp::Atan),
        ("sinh", UnOp::Sinh),
        ("cosh", UnOp::Cosh),
        ("tanh", UnOp::Tanh),
        ("exp", UnOp::Exp),
        ("log", UnOp::Log),
        ("log10", UnOp::Log10),
        ("sqrt", UnOp::Sqrt),
        ("abs", UnOp::Abs),
        ("floor", UnOp::Floor),
        ("ceil", UnOp::Ceil),
        ("round", UnOp::Round),
        ("conj", UnOp::Conj),
        ("angle", UnOp::Angle),
    ];
}

#[derive(Clone)]
pub(super) enum Expr {
    Leaf(NdArray),
    Const(Scalar),
    Cast(DType, Box<Expr>),
    Unary(UnOp, DType, Box<Expr>),
    Binary(BinOp, DType, Box<Expr>, Box<Expr>),
    Where(DType, Box<Expr>, Box<Expr>, Box<Expr>),
}

impl Expr {
    pub(super) fn dtype(&self) -> DType {
        match self {
            Expr::Leaf(a) => a.dtype(),
            Expr::Const(s) => s.dtype(),
            Expr::Cast(d, _) | Expr::Unary(_, d, _) | Expr::Binary(_, d, _, _) | Expr::Where(d, ..) => *d,
        }
    }
}

/// An elementwise expression over arrays of one shape, not yet computed.
#[derive(Clone)]
pub struct Lazy {
    expr: Expr,
    shape: Vec<usize>,
    nodes: usize,
}

/// The (compute, result) dtypes of `op` on operands that promote to `p`.
fn binary_types(op: BinOp, p: DType) -> Result<(DType, DType), NdError> {
    let refuse = |what: &str| Err(NdError::NotSupported { what: what.to_string(), dtype: p });
    if op.is_comparison() {
        if p == DType::C128 && !matches!(op, BinOp::Eq | BinOp::Ne) {
            return refuse(&format!("ordering ({})", op.symbol()));
        }
        return Ok((p, DType::Bool));
    }
    if op.is_bitwise() {
        if p.is_float() || p == DType::C128 {
            return refuse(op.symbol());
        }
        return Ok((p, p));
    }
    let c = p.arith();
    if op == BinOp::Rem && c == DType::C128 {
        return refuse("%");
    }
    Ok((c, c))
}

impl Lazy {
    /// An array as the leaf of a tree.
    pub fn leaf(a: NdArray) -> Lazy {
        Lazy { shape: a.shape().to_vec(), expr: Expr::Leaf(a), nodes: 1 }
    }

    /// A scalar broadcast over `shape`.
    pub fn constant(s: Scalar, shape: &[usize]) -> Lazy {
        Lazy { expr: Expr::Const(s), shape: shape.to_vec(), nodes: 1 }
    }

    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    pub fn dtype(&self) -> DType {
        self.expr.dtype()
    }

    /// Number of nodes in the tree (callers bound how large a pending tree grows).
    pub fn nodes(&self) -> usize {
        self.nodes
    }

    /// The array, if this tree is a single leaf.
    pub fn as_leaf(&self) -> Option<&NdArray> {
        match &self.expr {
            Expr::Leaf(a) => Some(a),
            _ => None,
        }
    }

    fn with(expr: Expr, shape: Vec<usize>, nodes: usize) -> Lazy {
        Lazy { expr, shape, nodes }
    }

    /// This tree's values converted to `dtype`.
    pub fn cast(self, dtype: DType) -> Lazy {
        if self.dtype() == dtype {
            return self;
        }
        let nodes = self.nodes + 1;
        match self.expr {
            Expr::Const(s) => Lazy::with(Expr::Const(s.cast(dtype)), self.shape, 1),
            e => Lazy::with(Expr::Cast(dtype, Box::new(e)), self.shape, nodes),
        }
    }

    /// `self op other`; the shapes must be equal.
    pub fn binary(self, op: BinOp, other: Lazy) -> Result<Lazy, NdError> {
        if self.shape != other.shape {
            return Err(NdError::ShapeMismatch {
                op: op.symbol().to_string(),
                left: self.shape.clone(),
                right: other.shape.clone(),
            });
        }
        let p = DType::promote(self.dtype(), other.dtype());
        self.combine(op, p, other)
    }

    /// `self op s`, or `s op self` when `scalar_left`, with NumPy's scalar promotion.
    pub fn binary_scalar(self, op: BinOp, s: Scalar, scalar_left: bool) -> Result<Lazy, NdError> {
        let p = s.promote_with(self.dtype());
        let c = Lazy::constant(s, &self.shape);
        if scalar_left {
            c.combine(op, p, self)
        } else {
            self.combine(op, p, c)
        }
    }

    fn combine(self, op: BinOp, p: DType, other: Lazy) -> Result<Lazy, NdError> {
        let (compute, out) = binary_types(op, p)?;
        let nodes = self.nodes + other.nodes + 3;
        let (l, r) = (self.cast(compute), other.cast(compute));
        Ok(Lazy::with(Expr::Binary(op, out, Box::new(l.expr), Box::new(r.expr)), l.shape, nodes))
    }

    /// `op(self)`.
    pub fn unary(self, op: UnOp) -> Result<Lazy, NdError> {
        use UnOp::*;
        let d = self.dtype();
        let refuse = || Err(NdError::NotSupported { what: op.name().to_string(), dtype: d });
        let (compute, out) = match (op, d) {
            (Not, DType::Bool | DType::I32 | DType::I64) => (d, d),
            (Not, _) => return refuse(),
            (Neg, _) => (d.arith(), d.arith()),
            (Abs | Re | Im | Angle, DType::C128) => (d, DType::F64),
            (Angle, _) => (d.float(), d.float()),
            (Abs | Floor | Ceil | Round | Re | Im | Conj, DType::Bool) => (DType::I64, DType::I64),
            (Abs | Floor | Ceil | Round | Re | Im | Conj, _) => (d, d),
            (Asin | Acos | Atan, DType::C128) => return refuse(),
            _ => (d.float(), d.float()),
        };
        if matches!(op, Floor | Ceil | Round) && d == DType::C128 {
            return refuse();
        }
        let x = self.cast(compute);
        let nodes = x.nodes + 1;
        Ok(Lazy::with(Expr::Unary(op, out, Box::new(x.expr)), x.shape, nodes))
    }

    /// Elements of `x` where `mask` is true, else of `y` (a mask that is not bool is
    /// tested `!= 0`); a constant operand takes the other's dtype where it can.
    pub fn select(mask: Lazy, x: Lazy, y: Lazy) -> Result<Lazy, NdError> {
        for other in [&x, &y] {
            if other.shape != mask.shape {
                return Err(NdError::ShapeMismatch {
                    op: "where".into(),
                    left: mask.shape.clone(),
                    right: other.shape.clone(),
                });
            }
        }
        let out = match (&x.expr, &y.expr) {
            (Expr::Const(s), Expr::Const(t)) => DType::promote(s.dtype(), t.dtype()),
            (Expr::Const(s), _) => s.promote_with(y.dtype()),
            (_, Expr::Const(t)) => t.promote_with(x.dtype()),
            _ => DType::promote(x.dtype(), y.dtype()),
        };
        let nodes = mask.nodes + x.nodes + y.nodes + 4;
        let (m, x, y) = (mask.cast(DType::Bool), x.cast(out), y.cast(out));
        Ok(Lazy::with(Expr::Where(out, Box::new(m.expr), Box::new(x.expr), Box::new(y.expr)), m.shape, nodes))
    }

    /// Computes the tree into a new array.
    pub fn eval(&self) -> Result<NdArray, NdError> {
        if let Expr::Leaf(a) = &self.expr {
            return Ok(a.clone());
        }
        super::eval::evaluate(&self.expr, &self.shape)
    }
}
