//! [`Value`]: a script value that can travel between console and engines.
//!
//! It mirrors the Rhai values that have a meaning outside one interpreter. Floats are
//! compared by their bits, so NaN, -0.0 and ±inf survive a round trip and compare equal
//! to themselves in tests.

/// A value that crosses between processes exactly.
#[derive(Debug, Clone)]
pub enum Value {
    Unit,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Char(char),
    Blob(Vec<u8>),
    Array(Vec<Value>),
    /// Keys in ascending order, as Rhai keeps them.
    Map(Vec<(String, Value)>),
    /// A function pointer: the function's name and its curried arguments.
    FnPtr {
        name: String,
        curried: Vec<Value>,
    },
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        use Value::*;
        match (self, other) {
            (Unit, Unit) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a.to_bits() == b.to_bits(),
            (Str(a), Str(b)) => a == b,
            (Char(a), Char(b)) => a == b,
            (Blob(a), Blob(b)) => a == b,
            (Array(a), Array(b)) => a == b,
            (Map(a), Map(b)) => a == b,
            (FnPtr { name: n1, curried: c1 }, FnPtr { name: n2, curried: c2 }) => n1 == n2 && c1 == c2,
            _ => false,
        }
    }
}

impl Value {
    /// The name of this value's type, as a Rhai user knows it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Unit => "()",
            Value::Bool(_) => "bool",
            Value::Int(_) => "i64",
            Value::Float(_) => "f64",
            Value::Str(_) => "string",
            Value::Char(_) => "char",
            Value::Blob(_) => "blob",
            Value::Array(_) => "array",
            Value::Map(_) => "map",
            Value::FnPtr { .. } => "Fn",
        }
    }

    /// A short human-readable rendering (used in error messages).
    pub fn brief(&self) -> String {
        let mut s = format!("{self}");
        if s.chars().count() > 60 {
            s = s.chars().take(57).collect::<String>() + "...";
        }
        s
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Unit => write!(f, "()"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x:?}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Char(c) => write!(f, "{c:?}"),
            Value::Blob(b) => write!(f, "<blob of {} bytes>", b.len()),
            Value::Array(items) => {
                write!(f, "[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{v}")?;
                }
                write!(f, "]")
            }
            Value::Map(entries) => {
                write!(f, "#{{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                write!(f, "}}")
            }
            Value::FnPtr { name, curried } => {
                write!(f, "Fn({name:?})")?;
                for v in curried {
                    write!(f, ".curry({v})")?;
                }
                Ok(())
            }
        }
    }
}
