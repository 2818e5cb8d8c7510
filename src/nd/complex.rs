//! Arithmetic and elementary functions of [`C64`] (`c128` elements).
//!
//! Division uses Smith's algorithm (no overflow for large operands); the functions use
//! the principal branches, as NumPy does. This is the whole of complex support that the
//! elementwise kernels need; FFTs live elsewhere.

use super::dtype::C64;
use std::ops::{Add, Div, Mul, Neg, Sub};

impl Add for C64 {
    type Output = C64;
    #[inline(always)]
    fn add(self, o: C64) -> C64 {
        C64::new(self.re + o.re, self.im + o.im)
    }
}

impl Sub for C64 {
    type Output = C64;
    #[inline(always)]
    fn sub(self, o: C64) -> C64 {
        C64::new(self.re - o.re, self.im - o.im)
    }
}

impl Mul for C64 {
    type Output = C64;
    #[inline(always)]
    fn mul(self, o: C64) -> C64 {
        C64::new(self.re * o.re - self.im * o.im, self.re * o.im + self.im * o.re)
    }
}

impl Div for C64 {
    type Output = C64;
    #[inline(always)]
    fn div(self, o: C64) -> C64 {
        if o.re.abs() >= o.im.abs() {
            let r = o.im / o.re;
            let d = o.re + o.im * r;
            C64::new((self.re + self.im * r) / d, (self.im - self.re * r) / d)
        } else {
            let r = o.re / o.im;
            let d = o.re * r + o.im;
            C64::new((self.re * r + self.im) / d, (self.im * r - self.re) / d)
        }
    }
}

impl Neg for C64 {
    type Output = C64;
    #[inline(always)]
    fn neg(self) -> C64 {
        C64::new(-self.re, -self.im)
    }
}

impl C64 {
    /// |z|, without overflow.
    #[inline]
    pub fn abs(self) -> f64 {
        self.re.hypot(self.im)
    }

    /// The argument, in (-π, π].
    #[inline]
    pub fn arg(self) -> f64 {
        self.im.atan2(self.re)
    }

    #[inline]
    pub fn conj(self) -> C64 {
        C64::new(self.re, -self.im)
    }

    #[inline]
    pub fn exp(self) -> C64 {
        let e = self.re.exp();
        C64::new(e * self.im.cos(), e * self.im.sin())
    }

    /// Principal logarithm.
    #[inline]
    pub fn ln(self) -> C64 {
        C64::new(self.abs().ln(), self.arg())
    }

    /// Principal square root.
    #[inline]
    pub fn sqrt(self) -> C64 {
        if self.re == 0.0 && self.im == 0.0 {
            return C64::new(0.0, self.im);
        }
        let m = self.abs();
        let re = ((m + self.re) / 2.0).sqrt();
        let im = ((m - self.re) / 2.0).sqrt();
        C64::new(re, if self.im < 0.0 { -im } else { im })
    }

    #[inline]
    pub fn sin(self) -> C64 {
        C64::new(self.re.sin() * self.im.cosh(), self.re.cos() * self.im.sinh())
    }

    #[inline]
    pub fn cos(self) -> C64 {
        C64::new(self.re.cos() * self.im.cosh(), -(self.re.sin() * self.im.sinh()))
    }

    #[inline]
    pub fn tan(self) -> C64 {
        self.sin() / self.cos()
    }

    #[inline]
    pub fn sinh(self) -> C64 {
        C64::new(self.re.sinh() * self.im.cos(), self.re.cosh() * self.im.sin())
    }

    #[inline]
    pub fn cosh(self) -> C64 {
        C64::new(self.re.cosh() * self.im.cos(), self.re.sinh() * self.im.sin())
    }

    #[inline]
    pub fn tanh(self) -> C64 {
        self.sinh() / self.cosh()
    }

    /// `self ** p` on the principal branch; `0 ** p` is 0 for p ≠ 0 and 1 for p = 0.
    #[inline]
    pub fn powc(self, p: C64) -> C64 {
        if self.re == 0.0 && self.im == 0.0 {
            return if p.re == 0.0 && p.im == 0.0 { C64::new(1.0, 0.0) } else { C64::new(0.0, 0.0) };
        }
        (self.ln() * p).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: C64, b: C64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn arithmetic_and_functions() {
        let a = C64::new(1.0, 2.0);
        let b = C64::new(3.0, -1.0);
        assert_eq!(a * b, C64::new(5.0, 5.0));
        assert!(close(a * b / b, a));
        assert!(close(C64::new(0.0, std::f64::consts::PI).exp(), C64::new(-1.0, 0.0)));
        assert!(close(C64::new(-4.0, 0.0).sqrt(), C64::new(0.0, 2.0)));
        assert!(close(a.ln().exp(), a));
        assert!(close(a.sin() * a.sin() + a.cos() * a.cos(), C64::new(1.0, 0.0)));
        assert!(close(a.powc(C64::new(2.0, 0.0)), a * a));
        assert_eq!(C64::new(3.0, 4.0).abs(), 5.0);
    }
}
