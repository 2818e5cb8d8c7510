//! Element types: [`DType`], the typed [`Scalar`], the complex [`C64`], and the [`Elem`]
//! trait that lets one generic kernel serve every dtype.
//!
//! Promotion follows NumPy (NEP 50 for scalars): two arrays promote to the smallest
//! dtype that holds both (`i32 + i64 → i64`, `i64 + f64 → f64`, `i32 + f32 → f64`,
//! anything with `c128 → c128`); a script's integer scalar keeps an integer or float
//! array's dtype, a float scalar keeps a float array's dtype and makes an integer
//! array `f64`. Arithmetic on `bool` is done in `i64` (`true + true == 2`). Casts follow
//! Rust's `as`: float → int truncates and saturates, int → narrower int wraps, a number
//! → bool is `!= 0`, complex → real keeps the real part.

use super::NdError;
use std::fmt;

/// The element type of an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    Bool,
    I32,
    I64,
    F32,
    F64,
    C128,
}

impl DType {
    /// Parses `"f64" "f32" "i64" "i32" "bool" "c128"`.
    pub fn parse(name: &str) -> Result<DType, NdError> {
        Ok(match name {
            "f64" => DType::F64,
            "f32" => DType::F32,
            "i64" => DType::I64,
            "i32" => DType::I32,
            "bool" => DType::Bool,
            "c128" => DType::C128,
            other => return Err(NdError::UnknownDType { name: other.to_string() }),
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            DType::F64 => "f64",
            DType::F32 => "f32",
            DType::I64 => "i64",
            DType::I32 => "i32",
            DType::Bool => "bool",
            DType::C128 => "c128",
        }
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::Bool => 1,
            DType::I32 | DType::F32 => 4,
            DType::I64 | DType::F64 => 8,
            DType::C128 => 16,
        }
    }

    pub fn is_int(self) -> bool {
        matches!(self, DType::I32 | DType::I64)
    }

    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64)
    }

    /// The dtype two arrays promote to.
    pub fn promote(a: DType, b: DType) -> DType {
        use DType::*;
        match (a.max(b), a.min(b)) {
            (F32, I32 | I64) => F64,
            (hi, _) => hi,
        }
    }

    /// The dtype arithmetic is done in (bool counts as i64).
    pub fn arith(self) -> DType {
        if self == DType::Bool {
            DType::I64
        } else {
            self
        }
    }

    /// The float dtype a math function computes in (f32 stays f32, c128 stays c128).
    pub fn float(self) -> DType {
        match self {
            DType::F32 | DType::C128 => self,
            _ => DType::F64,
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A complex number of two f64 (`c128`), laid out as `[re, im]`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[repr(C)]
pub struct C64 {
    pub re: f64,
    pub im: f64,
}

impl C64 {
    pub const fn new(re: f64, im: f64) -> C64 {
        C64 { re, im }
    }
}

/// One typed value: a script scalar, a reduction result or an element.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar {
    Bool(bool),
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
    C128(C64),
}

impl Scalar {
    pub fn dtype(self) -> DType {
        match self {
            Scalar::Bool(_) => DType::Bool,
            Scalar::I32(_) => DType::I32,
            Scalar::I64(_) => DType::I64,
            Scalar::F32(_) => DType::F32,
            Scalar::F64(_) => DType::F64,
            Scalar::C128(_) => DType::C128,
        }
    }

    /// This value converted to `dtype` (Rust `as` semantics, see the module docs).
    pub fn cast(self, dtype: DType) -> Scalar {
        fn go<T: Elem>(s: Scalar) -> Scalar {
            T::scalar(super::store::scalar_as::<T>(s))
        }
        match dtype {
            DType::Bool => go::<bool>(self),
            DType::I32 => go::<i32>(self),
            DType::I64 => go::<i64>(self),
            DType::F32 => go::<f32>(self),
            DType::F64 => go::<f64>(self),
            DType::C128 => go::<C64>(self),
        }
    }

    /// The dtype an array of `array` dtype and this script scalar compute in (NEP 50).
    pub fn promote_with(self, array: DType) -> DType {
        use DType::*;
        match (self.dtype(), array) {
            (Bool, a) => a,
            (I64 | I32, Bool) => I64,
            (I64 | I32, a) => a,
            (F64 | F32, Bool | I32 | I64) => F64,
            (F64 | F32, a) => a,
            (C128, _) => C128,
        }
    }

    /// The value as an f64, for messages and tests (complex: the real part).
    pub fn as_f64(self) -> f64 {
        match self {
            Scalar::Bool(b) => b as u8 as f64,
            Scalar::I32(x) => x as f64,
            Scalar::I64(x) => x as f64,
            Scalar::F32(x) => x as f64,
            Scalar::F64(x) => x,
            Scalar::C128(c) => c.re,
        }
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::I32(x) => write!(f, "{x}"),
            Scalar::I64(x) => write!(f, "{x}"),
            Scalar::F32(x) => write!(f, "{x:?}"),
            Scalar::F64(x) => write!(f, "{x:?}"),
            Scalar::C128(c) => write!(f, "{:?}{:+?}i", c.re, c.im),
        }
    }
}

/// What every element type can do: name its dtype, convert to and from the others.
pub trait Elem: Copy + Default + PartialEq + Send + Sync + fmt::Debug + 'static {
    const DTYPE: DType;
    fn scalar(self) -> Scalar;
    fn to_f64(self) -> f64;
    fn to_i64(self) -> i64;
    fn to_bool(self) -> bool;
    fn to_c64(self) -> C64;
    fn from_f64(x: f64) -> Self;
    fn from_i64(x: i64) -> Self;
    fn from_bool(x: bool) -> Self;
    fn from_c64(x: C64) -> Self;
    /// `other as Self`, choosing the exact path for the destination kind.
    #[inline(always)]
    fn cast_from<T: Elem>(other: T) -> Self {
        match Self::DTYPE {
            DType::Bool => Self::from_bool(other.to_bool()),
            // Floats go straight to the integer type, so that `as` saturates there.
            DType::I32 | DType::I64 if T::DTYPE.is_float() || T::DTYPE == DType::C128 => Self::from_f64(other.to_f64()),
            DType::I32 | DType::I64 => Self::from_i64(other.to_i64()),
            DType::F32 | DType::F64 => Self::from_f64(other.to_f64()),
            DType::C128 => Self::from_c64(other.to_c64()),
        }
    }
}

macro_rules! real_elem {
    ($t:ty, $d:ident) => {
        impl Elem for $t {
            const DTYPE: DType = DType::$d;
            #[inline(always)]
            fn scalar(self) -> Scalar {
                Scalar::$d(self)
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn to_i64(self) -> i64 {
                self as i64
            }
            #[inline(always)]
            fn to_bool(self) -> bool {
                self != (0 as $t)
            }
            #[inline(always)]
            fn to_c64(self) -> C64 {
                C64::new(self as f64, 0.0)
            }
            #[inline(always)]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn from_i64(x: i64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn from_bool(x: bool) -> Self {
                x as u8 as $t
            }
            #[inline(always)]
            fn from_c64(x: C64) -> Self {
                x.re as $t
            }
        }
    };
}

real_elem!(f64, F64);
real_elem!(f32, F32);
real_elem!(i64, I64);
real_elem!(i32, I32);

impl Elem for bool {
    const DTYPE: DType = DType::Bool;
    #[inline(always)]
    fn scalar(self) -> Scalar {
        Scalar::Bool(self)
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as u8 as f64
    }
    #[inline(always)]
    fn to_i64(self) -> i64 {
        self as i64
    }
    #[inline(always)]
    fn to_bool(self) -> bool {
        self
    }
    #[inline(always)]
    fn to_c64(self) -> C64 {
        C64::new(self as u8 as f64, 0.0)
    }
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x != 0.0
    }
    #[inline(always)]
    fn from_i64(x: i64) -> Self {
        x != 0
    }
    #[inline(always)]
    fn from_bool(x: bool) -> Self {
        x
    }
    #[inline(always)]
    fn from_c64(x: C64) -> Self {
        x.re != 0.0 || x.im != 0.0
    }
}

impl Elem for C64 {
    const DTYPE: DType = DType::C128;
    #[inline(always)]
    fn scalar(self) -> Scalar {
        Scalar::C128(self)
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self.re
    }
    #[inline(always)]
    fn to_i64(self) -> i64 {
        self.re as i64
    }
    #[inline(always)]
    fn to_bool(self) -> bool {
        self.re != 0.0 || self.im != 0.0
    }
    #[inline(always)]
    fn to_c64(self) -> C64 {
        self
    }
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        C64::new(x, 0.0)
    }
    #[inline(always)]
    fn from_i64(x: i64) -> Self {
        C64::new(x as f64, 0.0)
    }
    #[inline(always)]
    fn from_bool(x: bool) -> Self {
        C64::new(x as u8 as f64, 0.0)
    }
    #[inline(always)]
    fn from_c64(x: C64) -> Self {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DType::*;

    #[test]
    fn promotion_is_numpy_like() {
        assert_eq!(DType::promote(I64, F64), F64);
        assert_eq!(DType::promote(I32, I64), I64);
        assert_eq!(DType::promote(I32, F32), F64);
        assert_eq!(DType::promote(F32, F64), F64);
        assert_eq!(DType::promote(Bool, I32), I32);
        assert_eq!(DType::promote(F32, C128), C128);
        assert_eq!(Scalar::I64(2).promote_with(I32), I32);
        assert_eq!(Scalar::F64(2.0).promote_with(F32), F32);
        assert_eq!(Scalar::F64(2.0).promote_with(I32), F64);
        assert_eq!(Scalar::I64(1).promote_with(Bool), I64);
    }

    #[test]
    fn casts_follow_as() {
        assert_eq!(Scalar::F64(-2.7).cast(I64), Scalar::I64(-2));
        assert_eq!(Scalar::F64(1e30).cast(I32), Scalar::I32(i32::MAX));
        assert_eq!(Scalar::I64(3).cast(Bool), Scalar::Bool(true));
        assert_eq!(Scalar::C128(C64::new(1.5, 2.0)).cast(F64), Scalar::F64(1.5));
        assert_eq!(Scalar::Bool(true).cast(C128), Scalar::C128(C64::new(1.0, 0.0)));
        assert_eq!(
            DType::parse("f16").unwrap_err().to_string(),
            NdError::UnknownDType { name: "f16".into() }.to_string()
        );
    }
}
