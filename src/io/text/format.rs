//! The printf subset NumPy users give `savetxt` as `fmt` (`%.18e`, `%.6f`, `%g`, `%d`,
//! with the flags `-+ 0`, a width and a precision), written as C (and Python's `%`)
//! writes them: two-digit exponents at least, `nan`/`inf`, `%d` truncating.

/// One printf conversion: `%[flags][width][.precision]conv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
    conv: u8,
}

/// A row or field format: literal text around conversions.
#[derive(Debug, Clone, PartialEq)]
pub struct Fmt {
    /// `literal[i]` comes before `specs[i]`; the last literal after the last spec.
    literal: Vec<String>,
    specs: Vec<Spec>,
}

impl Fmt {
    /// Parses a printf-style format (`%%` is a literal `%`).
    pub fn parse(s: &str) -> Result<Fmt, String> {
        let b = s.as_bytes();
        let (mut literal, mut specs, mut cur) = (Vec::new(), Vec::new(), String::new());
        let mut i = 0;
        while i < b.len() {
            if b[i] != b'%' {
                let ch = s[i..].chars().next().expect("in the string");
                cur.push(ch);
                i += ch.len_utf8();
                continue;
            }
            if b.get(i + 1) == Some(&b'%') {
                cur.push('%');
                i += 2;
                continue;
            }
            let at = i;
            i += 1;
            let mut spec =
                Spec { left: false, plus: false, space: false, zero: false, width: 0, precision: None, conv: 0 };
            while let Some(&c) = b.get(i) {
                match c {
                    b'-' => spec.left = true,
                    b'+' => spec.plus = true,
                    b' ' => spec.space = true,
                    b'0' => spec.zero = true,
                    _ => break,
                }
                i += 1;
            }
            let digits = |i: &mut usize| {
                let s = *i;
                while b.get(*i).is_some_and(u8::is_ascii_digit) {
                    *i += 1;
                }
                std::str::from_utf8(&b[s..*i]).ok().and_then(|d| d.parse::<usize>().ok())
            };
            spec.width = digits(&mut i).unwrap_or(0);
            if b.get(i) == Some(&b'.') {
                i += 1;
                spec.precision = Some(digits(&mut i).unwrap_or(0));
            }
            match b.get(i) {
                Some(&c) if b"eEfFgGdi".contains(&c) => spec.conv = c,
                _ => {
                    return Err(format!(
                        "fmt '{s}': '{}' is not a conversion pshell writes (use %e, %f, %g or %d, as in \"%.6e\")",
                        &s[at..(i + 1).min(s.len())]
                    ))
                }
            }
            i += 1;
            literal.push(std::mem::take(&mut cur));
            specs.push(spec);
        }
        literal.push(cur);
        Ok(Fmt { literal, specs })
    }

    /// How many values one use of this format writes.
    pub fn arity(&self) -> usize {
        self.specs.len()
    }

    /// Writes `values` (as many as [`Fmt::arity`]) into `out`.
    pub fn write(&self, out: &mut String, values: &[f64]) -> Result<(), String> {
        for (i, spec) in self.specs.iter().enumerate() {
            out.push_str(&self.literal[i]);
            spec.write(out, values[i])?;
        }
        out.push_str(self.literal.last().expect("one more literal than specs"));
        Ok(())
    }
}

/// `m` with its exponent as C writes it: `1.5e+00`, `2e-300`.
fn c_exp(x: f64, prec: usize, upper: bool) -> String {
    let s = format!("{:.*e}", prec, x);
    let (mant, exp) = s.split_once('e').expect("an exponent");
    let e: i32 = exp.parse().expect("an integer exponent");
    let sign = if e < 0 { '-' } else { '+' };
    let out = format!("{mant}e{sign}{:02}", e.abs());
    if upper {
        out.to_uppercase()
    } else {
        out
    }
}

/// Removes trailing zeros of a fraction (and a bare point), keeping any exponent.
fn strip_zeros(s: &str) -> String {
    let (num, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    if !num.contains('.') {
        return s.to_string();
    }
    let t = num.trim_end_matches('0').trim_end_matches('.');
    format!("{t}{exp}")
}

impl Spec {
    fn write(&self, out: &mut String, x: f64) -> Result<(), String> {
        let upper = self.conv.is_ascii_uppercase();
        let body = if !x.is_finite() {
            if self.conv == b'd' || self.conv == b'i' {
                return Err(format!("cannot write {x} with %{}: it is not an integer", self.conv as char));
            }
            let s = if x.is_nan() { "nan" } else { "inf" };
            if upper {
                s.to_uppercase()
            } else {
                s.to_string()
            }
        } else {
            let a = x.abs();
            match self.conv {
                b'e' | b'E' => c_exp(a, self.precision.unwrap_or(6), upper),
                b'f' | b'F' => format!("{:.*}", self.precision.unwrap_or(6), a),
                b'g' | b'G' => {
                    let p = self.precision.unwrap_or(6).max(1);
                    let e = if a == 0.0 {
                        0
                    } else {
                        let s = c_exp(a, p - 1, false);
                        s[s.find('e').expect("an exponent") + 1..].parse::<i32>().expect("an exponent")
                    };
                    let s = if e < -4 || e >= p as i32 {
                        c_exp(a, p - 1, upper)
                    } else {
                        format!("{:.*}", (p as i32 - 1 - e) as usize, a)
                    };
                    strip_zeros(&s)
                }
                _ => format!("{}", a.trunc() as i128),
            }
        };
        // The sign: a negative value, or the + / space flags.
        // (`%d` writes the integer part: -0.5 is "0", as in Python.)
        let negative = match self.conv {
            b'd' | b'i' => x.trunc() < 0.0,
            _ => x.is_sign_negative() && !x.is_nan(),
        };
        let sign = if negative {
            "-"
        } else if self.plus {
            "+"
        } else if self.space {
            " "
        } else {
            ""
        };
        let len = sign.len() + body.len();
        let pad = self.width.saturating_sub(len);
        if self.left {
            out.push_str(sign);
            out.push_str(&body);
            out.extend(std::iter::repeat_n(' ', pad));
        } else if self.zero && x.is_finite() {
            out.push_str(sign);
            out.extend(std::iter::repeat_n('0', pad));
            out.push_str(&body);
        } else {
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(sign);
            out.push_str(&body);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(fmt: &str, x: f64) -> String {
        let mut s = String::new();
        Fmt::parse(fmt).unwrap().write(&mut s, &[x]).unwrap();
        s
    }

    #[test]
    fn printf_conversions_write_as_c() {
        assert_eq!(f("%.18e", 1.5), "1.500000000000000000e+00");
        assert_eq!(f("%.3e", -1234.5), "-1.234e+03");
        assert_eq!(f("%.2e", 1e-300), "1.00e-300");
        assert_eq!(f("%g", 0.0001), "0.0001");
        assert_eq!(f("%g", 0.00001), "1e-05");
        assert_eq!(f("%g", 123456789.0), "1.23457e+08");
        assert_eq!(f("%g", 100.0), "100");
        assert_eq!(f("%.3g", 2.5), "2.5");
        assert_eq!(f("%d", -7.9), "-7");
        assert_eq!(f("%5d", 42.0), "   42");
        assert_eq!(f("%d", -0.5), "0");
        assert_eq!(f("%.1f", -0.04), "-0.0");
        assert_eq!(f("%-6.1f|", 2.25), "2.2   |");
        assert_eq!(f("%+08.2f", 2.5), "+0002.50");
        assert_eq!(f("%.2f", f64::NAN), "nan");
        assert_eq!(f("%.2e", f64::NEG_INFINITY), "-inf");
        assert!(Fmt::parse("%s").is_err());
    }
}
