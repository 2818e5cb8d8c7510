//! The typed loops behind every elementwise operation, on flat slices.
//!
//! Each function matches on the operation once and then runs one tight loop over
//! `zip`ped slices, which the compiler vectorizes; nothing here allocates. Integer
//! arithmetic wraps on overflow (as NumPy's does) but division, remainder and negative
//! powers are checked and refused. Float `%` has the sign of the dividend (Rust and
//! Rhai's `%`, C's `fmod`).

use super::dtype::{Elem, C64};
use super::expr::{BinOp, UnOp};
use super::NdError;

/// Binary operations whose result has the operands' type.
pub trait Arith: Elem {
    fn arith(op: BinOp, a: &[Self], b: &[Self], o: &mut [Self]) -> Result<(), NdError>;
    fn unary(op: UnOp, a: &[Self], o: &mut [Self]) -> Result<(), NdError>;
}

#[inline(always)]
fn zip2<T: Copy, U>(a: &[T], b: &[T], o: &mut [U], f: impl Fn(T, T) -> U) {
    for ((o, &a), &b) in o.iter_mut().zip(a).zip(b) {
        *o = f(a, b);
    }
}

#[inline(always)]
fn map1<T: Copy, U>(a: &[T], o: &mut [U], f: impl Fn(T) -> U) {
    for (o, &a) in o.iter_mut().zip(a) {
        *o = f(a);
    }
}

fn unsupported(what: &str, dtype: super::DType) -> NdError {
    NdError::NotSupported { what: what.to_string(), dtype }
}

macro_rules! float_kernels {
    ($t:ty) => {
        impl Arith for $t {
            fn arith(op: BinOp, a: &[$t], b: &[$t], o: &mut [$t]) -> Result<(), NdError> {
                match op {
                    BinOp::Add => zip2(a, b, o, |x, y| x + y),
                    BinOp::Sub => zip2(a, b, o, |x, y| x - y),
                    BinOp::Mul => zip2(a, b, o, |x, y| x * y),
                    BinOp::Div => zip2(a, b, o, |x, y| x / y),
                    BinOp::Rem => zip2(a, b, o, |x, y| x % y),
                    BinOp::Pow => zip2(a, b, o, |x, y| x.powf(y)),
                    other => return Err(unsupported(other.symbol(), <$t>::DTYPE)),
                }
                Ok(())
            }

            fn unary(op: UnOp, a: &[$t], o: &mut [$t]) -> Result<(), NdError> {
                match op {
                    UnOp::Neg => map1(a, o, |x| -x),
                    UnOp::Abs => map1(a, o, |x| x.abs()),
                    UnOp::Sin => map1(a, o, |x| x.sin()),
                    UnOp::Cos => map1(a, o, |x| x.cos()),
                    UnOp::Tan => map1(a, o, |x| x.tan()),
                    UnOp::Asin => map1(a, o, |x| x.asin()),
                    UnOp::Acos => map1(a, o, |x| x.acos()),
                    UnOp::Atan => map1(a, o, |x| x.atan()),
                    UnOp::Sinh => map1(a, o, |x| x.sinh()),
                    UnOp::Cosh => map1(a, o, |x| x.cosh()),
                    UnOp::Tanh => map1(a, o, |x| x.tanh()),
                    UnOp::Exp => map1(a, o, |x| x.exp()),
                    UnOp::Log => map1(a, o, |x| x.ln()),
                    UnOp::Log10 => map1(a, o, |x| x.log10()),
                    UnOp::Sqrt => map1(a, o, |x| x.sqrt()),
                    UnOp::Floor => map1(a, o, |x| x.floor()),
                    UnOp::Ceil => map1(a, o, |x| x.ceil()),
                    UnOp::Round => map1(a, o, |x| x.round_ties_even()),
                    UnOp::Re | UnOp::Conj => o.copy_from_slice(a),
                    UnOp::Im => o.iter_mut().for_each(|x| *x = 0.0),
                    UnOp::Angle => map1(a, o, |x| if x < 0.0 { std::f64::consts::PI as $t } else { x * 0.0 }),
                    UnOp::Not => return Err(unsupported("! (not)", <$t>::DTYPE)),
                }
                Ok(())
            }
        }
    };
}

float_kernels!(f64);
float_kernels!(f32);

macro_rules! int_kernels {
    ($t:ty) => {
        impl Arith for $t {
            fn arith(op: BinOp, a: &[$t], b: &[$t], o: &mut [$t]) -> Result<(), NdError> {
                let dtype = <$t>::DTYPE;
                match op {
                    BinOp::Add => zip2(a, b, o, |x, y| x.wrapping_add(y)),
                    BinOp::Sub => zip2(a, b, o, |x, y| x.wrapping_sub(y)),
                    BinOp::Mul => zip2(a, b, o, |x, y| x.wrapping_mul(y)),
                    BinOp::Div | BinOp::Rem if b.contains(&0) => {
                        let op = if op == BinOp::Div { "division" } else { "remainder" };
                        return Err(NdError::DivisionByZero { op, dtype });
                    }
                    BinOp::Div => zip2(a, b, o, |x, y| x.wrapping_div(y)),
                    BinOp::Rem => zip2(a, b, o, |x, y| x.wrapping_rem(y)),
                    BinOp::Pow if b.iter().any(|&e| e < 0) => return Err(NdError::NegativePower { dtype }),
                    BinOp::Pow => zip2(a, b, o, |x, y| x.wrapping_pow((y as i64).min(u32::MAX as i64) as u32)),
                    BinOp::And => zip2(a, b, o, |x, y| x & y),
                    BinOp::Or => zip2(a, b, o, |x, y| x | y),
                    BinOp::Xor => zip2(a, b, o, |x, y| x ^ y),
                    other => return Err(unsupported(other.symbol(), dtype)),
                }
                Ok(())
            }

            fn unary(op: UnOp, a: &[$t], o: &mut [$t]) -> Result<(), NdError> {
                match op {
                    UnOp::Neg => map1(a, o, |x| x.wrapping_neg()),
                    UnOp::Abs => map1(a, o, |x| x.wrapping_abs()),
                    UnOp::Not => map1(a, o, |x| !x),
                    UnOp::Floor | UnOp::Ceil | UnOp::Round | UnOp::Re | UnOp::Conj => o.copy_from_slice(a),
                    UnOp::Im => o.iter_mut().for_each(|x| *x = 0),
                    other => return Err(unsupported(other.name(), <$t>::DTYPE)),
                }
                Ok(())
            }
        }
    };
}

int_kernels!(i64);
int_kernels!(i32);

impl Arith for bool {
    fn arith(op: BinOp, a: &[bool], b: &[bool], o: &mut [bool]) -> Result<(), NdError> {
        match op {
            BinOp::And => zip2(a, b, o, |x, y| x & y),
            BinOp::Or => zip2(a, b, o, |x, y| x | y),
            BinOp::Xor => zip2(a, b, o, |x, y| x ^ y),
            other => return Err(unsupported(other.symbol(), bool::DTYPE)),
        }
        Ok(())
    }

    fn unary(op: UnOp, a: &[bool], o: &mut [bool]) -> Result<(), NdError> {
        match op {
            UnOp::Not => map1(a, o, |x| !x),
            UnOp::Re | UnOp::Conj => o.copy_from_slice(a),
            other => return Err(unsupported(other.name(), bool::DTYPE)),
        }
        Ok(())
    }
}

impl Arith for C64 {
    fn arith(op: BinOp, a: &[C64], b: &[C64], o: &mut [C64]) -> Result<(), NdError> {
        match op {
            BinOp::Add => zip2(a, b, o, |x, y| x + y),
            BinOp::Sub => zip2(a, b, o, |x, y| x - y),
            BinOp::Mul => zip2(a, b, o, |x, y| x * y),
            BinOp::Div => zip2(a, b, o, |x, y| x / y),
            BinOp::Pow => zip2(a, b, o, |x, y| x.powc(y)),
            other => return Err(unsupported(other.symbol(), C64::DTYPE)),
        }
        Ok(())
    }

    fn unary(op: UnOp, a: &[C64], o: &mut [C64]) -> Result<(), NdError> {
        match op {
            UnOp::Neg => map1(a, o, |x| -x),
            UnOp::Conj => map1(a, o, |x| x.conj()),
            UnOp::Sin => map1(a, o, |x| x.sin()),
            UnOp::Cos => map1(a, o, |x| x.cos()),
            UnOp::Tan => map1(a, o, |x| x.tan()),
            UnOp::Sinh => map1(a, o, |x| x.sinh()),
            UnOp::Cosh => map1(a, o, |x| x.cosh()),
            UnOp::Tanh => map1(a, o, |x| x.tanh()),
            UnOp::Exp => map1(a, o, |x| x.exp()),
            UnOp::Log => map1(a, o, |x| x.ln()),
            UnOp::Log10 => map1(a, o, |x| {
                let l = x.ln();
                C64::new(l.re / std::f64::consts::LN_10, l.im / std::f64::consts::LN_10)
            }),
            UnOp::Sqrt => map1(a, o, |x| x.sqrt()),
            other => return Err(unsupported(other.name(), C64::DTYPE)),
        }
        Ok(())
    }
}

/// The complex functions with a real result: `abs re im angle`.
pub fn complex_to_real(op: UnOp, a: &[C64], o: &mut [f64]) {
    match op {
        UnOp::Abs => map1(a, o, |x| x.abs()),
        UnOp::Re => map1(a, o, |x| x.re),
        UnOp::Im => map1(a, o, |x| x.im),
        UnOp::Angle => map1(a, o, |x| x.arg()),
        other => unreachable!("{} does not give a real result", other.name()),
    }
}

/// Comparisons of ordered elements.
pub fn compare<T: Copy + PartialOrd>(op: BinOp, a: &[T], b: &[T], o: &mut [bool]) {
    match op {
        BinOp::Eq => zip2(a, b, o, |x, y| x == y),
        BinOp::Ne => zip2(a, b, o, |x, y| x != y),
        BinOp::Lt => zip2(a, b, o, |x, y| x < y),
        BinOp::Le => zip2(a, b, o, |x, y| x <= y),
        BinOp::Gt => zip2(a, b, o, |x, y| x > y),
        BinOp::Ge => zip2(a, b, o, |x, y| x >= y),
        other => unreachable!("{} is not a comparison", other.symbol()),
    }
}

/// `==` and `!=` of complex elements (ordering them is refused earlier).
pub fn compare_complex(op: BinOp, a: &[C64], b: &[C64], o: &mut [bool]) {
    match op {
        BinOp::Eq => zip2(a, b, o, |x, y| x == y),
        _ => zip2(a, b, o, |x, y| x != y),
    }
}

/// Converts every element of `a` to `U`.
#[inline]
pub fn cast<T: Elem, U: Elem>(a: &[T], o: &mut [U]) {
    map1(a, o, U::cast_from);
}

/// `o[i] = if m[i] { x[i] } else { y[i] }`.
#[inline]
pub fn select<T: Copy>(m: &[bool], x: &[T], y: &[T], o: &mut [T]) {
    for (((o, &m), &x), &y) in o.iter_mut().zip(m).zip(x).zip(y) {
        *o = if m { x } else { y };
    }
}
