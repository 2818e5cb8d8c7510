//! [`Value`]: a script value that can travel between console and engines.
//!
//! It mirrors the Rhai values that have a meaning outside one interpreter. Floats are
//! compared by their bits, so NaN, -0.0 and ±inf survive a round trip and compare equal
//! to themselves in tests.

use std::any::Any;
use std::sync::Arc;

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
    /// A local n-d array: its shape and its elements in row-major order. The threads
    /// transport moves the buffer; the codec writes it as raw little-endian bytes.
    NdArray {
        shape: Vec<usize>,
        data: Buffer,
    },
    /// A script array whose elements are all plain numbers of one type, as one typed
    /// buffer (`Buffer::F64` for floats, `Buffer::I64` for ints, `Buffer::Bool`): the
    /// same array as an [`Value::Array`] of `Float`/`Int`/`Bool` items (equal to it, shown
    /// like it, "array" by type), without a `Value` per element. It is a list, not an
    /// n-d array: it goes back to a script as an array. The threads transport moves the
    /// buffer; the codec writes it as raw little-endian bytes.
    List(Buffer),
}

/// The typed elements of an n-d array. `protocol` gives them no meaning beyond their
/// type; `nd` and `bindings::convert` turn them into arrays.
#[derive(Debug, Clone)]
pub enum Buffer {
    F64(Vec<f64>),
    F32(Vec<f32>),
    I64(Vec<i64>),
    I32(Vec<i32>),
    Bool(Vec<bool>),
    /// Complex numbers as `[re, im]`.
    C128(Vec<[f64; 2]>),
    /// The sender's own elements, shared instead of copied: moving a message between
    /// threads then moves a pointer. Only the kind of array that made it reads it back as
    /// such (by downcasting); everything else sees the plain buffer it stands for.
    Shared(Arc<dyn SharedElems>),
}

/// Typed elements held elsewhere and shared read-only (copy-on-write on their owner's
/// side). `protocol` asks only for the plain [`Buffer`] they stand for (the codec writes
/// that), their count and their element type.
pub trait SharedElems: Any + Send + Sync + std::fmt::Debug {
    /// A copy of the elements as a plain buffer (never `Shared`).
    fn to_buffer(&self) -> Buffer;
    /// The elements' bytes in memory, in this machine's byte order (for `f64 f32 i64 i32`
    /// the numbers', for `bool` one byte 0 or 1, for `c128` re then im): the codec writes
    /// them as they are on a little-endian machine, without an intermediate copy.
    fn native_bytes(&self) -> &[u8];
    /// Number of elements.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The element type's name, as [`Buffer::type_name`] gives it.
    fn elem_type(&self) -> &'static str;
    /// For downcasting back to the owner's type.
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

impl Buffer {
    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            Buffer::F64(v) => v.len(),
            Buffer::F32(v) => v.len(),
            Buffer::I64(v) => v.len(),
            Buffer::I32(v) => v.len(),
            Buffer::Bool(v) => v.len(),
            Buffer::C128(v) => v.len(),
            Buffer::Shared(s) => s.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes one element takes in memory.
    pub fn elem_bytes(&self) -> usize {
        match self {
            Buffer::F64(_) | Buffer::I64(_) => 8,
            Buffer::F32(_) | Buffer::I32(_) => 4,
            Buffer::Bool(_) => 1,
            Buffer::C128(_) => 16,
            Buffer::Shared(s) => match s.elem_type() {
                "f32" | "i32" => 4,
                "bool" => 1,
                "c128" => 16,
                _ => 8,
            },
        }
    }

    /// The element type's name: "f64", "f32", "i64", "i32", "bool" or "c128".
    pub fn type_name(&self) -> &'static str {
        match self {
            Buffer::F64(_) => "f64",
            Buffer::F32(_) => "f32",
            Buffer::I64(_) => "i64",
            Buffer::I32(_) => "i32",
            Buffer::Bool(_) => "bool",
            Buffer::C128(_) => "c128",
            Buffer::Shared(s) => s.elem_type(),
        }
    }
}

impl PartialEq for Buffer {
    /// Floats compare by bits, like [`Value`].
    fn eq(&self, other: &Buffer) -> bool {
        use Buffer::*;
        match (self, other) {
            (Shared(a), b) => &a.to_buffer() == b,
            (a, Shared(b)) => a == &b.to_buffer(),
            (F64(a), F64(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()),
            (F32(a), F32(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()),
            (I64(a), I64(b)) => a == b,
            (I32(a), I32(b)) => a == b,
            (Bool(a), Bool(b)) => a == b,
            (C128(a), C128(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|(x, y)| x[0].to_bits() == y[0].to_bits() && x[1].to_bits() == y[1].to_bits())
            }
            _ => false,
        }
    }
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
            (NdArray { shape: s1, data: d1 }, NdArray { shape: s2, data: d2 }) => s1 == s2 && d1 == d2,
            (List(a), List(b)) if a.type_name() == b.type_name() => a == b,
            (List(a), List(b)) => a.len() == b.len() && (0..a.len()).all(|i| list_item(a, i) == list_item(b, i)),
            (List(a), Array(b)) | (Array(b), List(a)) => {
                a.len() == b.len() && b.iter().enumerate().all(|(i, x)| &list_item(a, i) == x)
            }
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
            Value::Array(_) | Value::List(_) => "array",
            Value::Map(_) => "map",
            Value::FnPtr { .. } => "Fn",
            Value::NdArray { .. } => "NdArray",
        }
    }

    /// The number of items of an array of either kind, `None` for anything else.
    pub fn items_len(&self) -> Option<usize> {
        match self {
            Value::Array(items) => Some(items.len()),
            Value::List(b) => Some(b.len()),
            _ => None,
        }
    }

    /// The items of an array of either kind as general values (a typed list is expanded,
    /// one `Value` per element), `None` for anything else.
    pub fn into_items(self) -> Option<Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            Value::List(b) => Some((0..b.len()).map(|i| list_item(&b, i)).collect()),
            _ => None,
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
            Value::NdArray { shape, data } => write!(f, "<NdArray {shape:?} {}>", data.type_name()),
            Value::List(b) => {
                write!(f, "[")?;
                for i in 0..b.len() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{}", list_item(b, i))?;
                }
                write!(f, "]")
            }
        }
    }
}

/// Item `i` of a typed list as the general value it stands for: `Float` for floats,
/// `Int` for integers, `Bool` for booleans (a complex element, which no list holds, as
/// an array `[re, im]`). Panics if `i` is out of bounds, like indexing.
pub fn list_item(b: &Buffer, i: usize) -> Value {
    match b {
        Buffer::F64(v) => Value::Float(v[i]),
        Buffer::F32(v) => Value::Float(v[i] as f64),
        Buffer::I64(v) => Value::Int(v[i]),
        Buffer::I32(v) => Value::Int(v[i] as i64),
        Buffer::Bool(v) => Value::Bool(v[i]),
        Buffer::C128(v) => Value::Array(vec![Value::Float(v[i][0]), Value::Float(v[i][1])]),
        Buffer::Shared(s) => list_item(&s.to_buffer(), i),
    }
}
