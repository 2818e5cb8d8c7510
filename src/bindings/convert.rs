//! Conversion between Rhai's `Dynamic` and the protocol's [`Value`].
//!
//! Everything that crosses between console and engines goes through here, so this is
//! where "a value that cannot travel" is decided and named. Shared (captured) values are
//! read through; function pointers keep their curried arguments, and closures (`anon$…`
//! functions) are rebuilt from the receiver's function library, which holds the same
//! compiled source as the sender's.
//!
//! An array of at least [`LIST_MIN`] elements that are all floats (or all ints, or all
//! booleans) travels as one typed buffer, `Value::List`, made in one pass; at the first
//! element of another type the array takes the general path (a `Value` per element).
//! Coming back, a list becomes the same Rhai array (floats stay floats, ints ints), built
//! once in storage advised for huge pages before it is written.

use crate::nd::NdArray;
use crate::protocol::Value;
use rhai::{Array, Blob, Dynamic, FnPtr, Map, AST};

/// Deepest nesting converted; deeper values are refused rather than overflow the stack.
const MAX_DEPTH: usize = 256;

// Typed lists: homogeneous numeric arrays as one buffer, and refilling held arrays.
#[path = "convert_list.rs"]
mod list;
pub use list::{assign, LIST_MIN};
use list::{list_to_array, typed_list};

/// Why a value cannot travel.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConvertError {
    /// A value of this type has no meaning outside its interpreter.
    CannotTravel { type_name: String },
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep,
    /// A function pointer names a closure that this side's library does not have.
    UnknownFunction { name: String },
    /// An n-d array whose shape does not hold its elements.
    BadArray { reason: String },
}

impl std::fmt::Display for ConvertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConvertError::CannotTravel { type_name } if type_name == "DistArray" => write!(
                f,
                "a value of type 'DistArray' cannot travel between console and engines (gather(\"name\") at the console fetches it whole as an NdArray)"
            ),
            ConvertError::CannotTravel { type_name } => {
                write!(f, "a value of type '{type_name}' cannot travel between console and engines")
            }
            ConvertError::TooDeep => write!(f, "a value nested deeper than {MAX_DEPTH} levels cannot travel"),
            ConvertError::UnknownFunction { name } if name.starts_with("anon$") => write!(
                f,
                "a closure made inside a snippet cannot leave the engines (Rhai closures are compiled where they are written); define it at the console (`let f = |x| ...` or `fn f(x) {{ ... }}`) and it exists on every engine"
            ),
            ConvertError::UnknownFunction { name } => {
                write!(f, "function pointer to '{name}', which is not defined here")
            }
            ConvertError::BadArray { reason } => write!(f, "an n-d array that cannot be rebuilt: {reason}"),
        }
    }
}

impl std::error::Error for ConvertError {}

/// Converts a script value into one that can travel.
pub fn to_value(d: &Dynamic) -> Result<Value, ConvertError> {
    to_value_at(d, 0)
}

/// Like [`to_value`] for a value that is no longer needed here: an n-d array that no
/// variable shares is moved into the message as a plain buffer, and an array that became
/// a typed list is let go without a destructor call per element.
pub fn into_value(d: Dynamic) -> Result<Value, ConvertError> {
    if d.is::<NdArray>() {
        let a = d.cast::<NdArray>();
        let (shape, data) = if a.is_unique() { a.into_buffer() } else { a.to_shared_buffer() };
        return Ok(Value::NdArray { shape, data });
    }
    if d.is_array() && !d.is_shared() {
        let mut a = d.into_array().expect("an array");
        if let Some(list) = typed_list(&a) {
            list::empty(&mut a);
            return Ok(Value::List(list));
        }
        return to_value(&Dynamic::from_array(a));
    }
    to_value(&d)
}

fn to_value_at(d: &Dynamic, depth: usize) -> Result<Value, ConvertError> {
    if depth > MAX_DEPTH {
        return Err(ConvertError::TooDeep);
    }
    if d.is_shared() {
        return to_value_at(&d.flatten_clone(), depth);
    }
    if d.is_unit() {
        return Ok(Value::Unit);
    }
    if let Ok(b) = d.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Ok(i) = d.as_int() {
        return Ok(Value::Int(i));
    }
    if let Ok(x) = d.as_float() {
        return Ok(Value::Float(x));
    }
    if let Ok(c) = d.as_char() {
        return Ok(Value::Char(c));
    }
    if let Some(s) = d.read_lock::<rhai::ImmutableString>() {
        return Ok(Value::Str(s.to_string()));
    }
    if let Some(b) = d.read_lock::<Blob>() {
        return Ok(Value::Blob(b.clone()));
    }
    if let Some(a) = d.read_lock::<Array>() {
        if let Some(list) = typed_list(&a) {
            return Ok(Value::List(list));
        }
        return a.iter().map(|v| to_value_at(v, depth + 1)).collect::<Result<_, _>>().map(Value::Array);
    }
    if let Some(m) = d.read_lock::<Map>() {
        return m
            .iter()
            .map(|(k, v)| Ok((k.to_string(), to_value_at(v, depth + 1)?)))
            .collect::<Result<_, _>>()
            .map(Value::Map);
    }
    if let Some(a) = d.read_lock::<NdArray>() {
        // Shares the elements (no copy): on threads the receiver gets the same storage,
        // copy-on-write on both sides; the MPI codec writes their bytes.
        let (shape, data) = a.to_shared_buffer();
        return Ok(Value::NdArray { shape, data });
    }
    if let Some(f) = d.read_lock::<FnPtr>() {
        let curried = f.curry().iter().map(|v| to_value_at(v, depth + 1)).collect::<Result<_, _>>()?;
        return Ok(Value::FnPtr { name: f.fn_name().to_string(), curried });
    }
    Err(ConvertError::CannotTravel { type_name: friendly_type_name(d) })
}

/// The type name a user recognises ("timestamp", not "std::time::Instant").
pub fn friendly_type_name(d: &Dynamic) -> String {
    if d.is_timestamp() {
        return "timestamp".into();
    }
    let name = d.type_name();
    name.rsplit("::").next().unwrap_or(name).to_string()
}

/// Converts a travelled value back into a script value. `lib` is the library whose
/// closures function pointers may name.
pub fn to_dynamic(v: Value, lib: &AST) -> Result<Dynamic, ConvertError> {
    Ok(match v {
        Value::Unit => Dynamic::UNIT,
        Value::Bool(b) => b.into(),
        Value::Int(i) => i.into(),
        Value::Float(x) => x.into(),
        Value::Str(s) => s.into(),
        Value::Char(c) => c.into(),
        Value::Blob(b) => Dynamic::from_blob(b),
        Value::Array(items) => {
            let a: Array = items.into_iter().map(|v| to_dynamic(v, lib)).collect::<Result<_, _>>()?;
            a.into()
        }
        Value::Map(entries) => {
            let mut m = Map::new();
            for (k, v) in entries {
                m.insert(k.into(), to_dynamic(v, lib)?);
            }
            m.into()
        }
        Value::List(b) => Dynamic::from_array(list_to_array(b)),
        Value::NdArray { shape, data } => {
            let a = NdArray::from_buffer(&shape, data).map_err(|e| ConvertError::BadArray { reason: e.to_string() })?;
            Dynamic::from(a)
        }
        Value::FnPtr { name, curried } => {
            let mut f = fn_ptr(&name, lib)?;
            let curried: Vec<Dynamic> = curried.into_iter().map(|v| to_dynamic(v, lib)).collect::<Result<_, _>>()?;
            f.set_curry(curried);
            f.into()
        }
    })
}

fn fn_ptr(name: &str, lib: &AST) -> Result<FnPtr, ConvertError> {
    if let Ok(f) = FnPtr::new(name) {
        return Ok(f);
    }
    // A closure: its name is not an identifier, so link it to its definition.
    let params = lib
        .iter_functions()
        .find(|f| f.name == name)
        .map(|f| f.params.len())
        .ok_or_else(|| ConvertError::UnknownFunction { name: name.to_string() })?;
    lib.shared_lib()
        .get_script_fn(name, params)
        .map(|def| FnPtr::from(def.clone()))
        .ok_or_else(|| ConvertError::UnknownFunction { name: name.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rhai::Engine;

    fn roundtrip(engine: &Engine, code: &str) -> (Dynamic, Dynamic) {
        let ast = engine.compile(code).unwrap();
        let d: Dynamic = engine.eval_ast(&ast).unwrap();
        let v = to_value(&d).unwrap();
        let back = to_dynamic(v, &ast).unwrap();
        (d, back)
    }

    #[test]
    fn scalars_and_containers_roundtrip() {
        let engine = Engine::new();
        for code in [
            "()",
            "true",
            "-9223372036854775807 - 1",
            "9223372036854775807",
            "-0.0",
            "1.0/0.0",
            "'🚀'",
            r#""héllo 世界""#,
            "[1, [2.5, ()], #{a: [true]}]",
            "blob(3, 7)",
        ] {
            let (d, back) = roundtrip(&engine, code);
            assert_eq!(format!("{d:?}"), format!("{back:?}"), "{code}");
        }
    }

    #[test]
    fn nan_and_negative_zero_keep_their_bits() {
        let engine = Engine::new();
        let (_, back) = roundtrip(&engine, "-0.0");
        assert_eq!(back.as_float().unwrap().to_bits(), (-0.0f64).to_bits());
        let (_, back) = roundtrip(&engine, "0.0/0.0");
        assert!(back.as_float().unwrap().is_nan());
    }

    #[test]
    fn closures_keep_captured_values_and_still_run() {
        let engine = Engine::new();
        let code = "let k = 10; let f = |x| x + k; f";
        let ast = engine.compile(code).unwrap();
        let d: Dynamic = engine.eval_ast(&ast).unwrap();
        let v = to_value(&d).unwrap();
        match &v {
            Value::FnPtr { name, curried } => {
                assert!(name.starts_with("anon$"));
                assert_eq!(curried, &vec![Value::Int(10)]);
            }
            other => panic!("not a FnPtr: {other:?}"),
        }
        // On the "other side": a fresh compile of the same source gives the same library.
        let lib = engine.compile(code).unwrap().clone_functions_only();
        let f = to_dynamic(v, &lib).unwrap().cast::<FnPtr>();
        let r: i64 = f.call(&engine, &lib, (5_i64,)).unwrap();
        assert_eq!(r, 15);
    }

    #[test]
    fn timestamp_cannot_travel_and_says_so() {
        let engine = Engine::new();
        let d: Dynamic = engine.eval("timestamp()").unwrap();
        let e = to_value(&d).unwrap_err();
        assert_eq!(e.to_string(), "a value of type 'timestamp' cannot travel between console and engines");
    }

    #[test]
    fn nd_arrays_cross_both_ways_and_are_moved_when_not_shared() {
        use crate::nd::{DType, Scalar};
        for dtype in ["f64", "f32", "i64", "i32", "bool", "c128"] {
            let mut a = NdArray::zeros(DType::parse(dtype).unwrap(), &[2, 3]).unwrap();
            a.set(&[1, 2], Scalar::I64(1)).unwrap();
            let v = to_value(&Dynamic::from(a.clone())).unwrap();
            let back = to_dynamic(v, &AST::empty()).unwrap().cast::<NdArray>();
            assert_eq!(back, a, "{dtype}");
        }
        let a = NdArray::from_vec(&[4], vec![1.0f64, f64::NAN, -0.0, 2.5]);
        let ptr = a.as_slice::<f64>().unwrap().as_ptr();
        match into_value(Dynamic::from(a)).unwrap() {
            Value::NdArray { shape, data: crate::protocol::Buffer::F64(v) } => {
                assert_eq!(shape, [4]);
                assert_eq!(v.as_ptr(), ptr, "an unshared array is moved, not copied");
            }
            other => panic!("{other:?}"),
        }
        let bad = Value::NdArray { shape: vec![3], data: crate::protocol::Buffer::I32(vec![1]) };
        assert!(to_dynamic(bad, &AST::empty())
            .unwrap_err()
            .to_string()
            .starts_with("an n-d array that cannot be rebuilt"));
    }

    #[test]
    fn a_held_nd_array_travels_as_its_storage_copy_on_write_and_encodes_as_bytes() {
        use crate::nd::Scalar;
        use crate::protocol::{codec, Message, Request, RequestKind};
        let a = NdArray::from_vec(&[3], vec![1.0f64, -0.0, f64::NAN]);
        let v = to_value(&Dynamic::from(a.clone())).unwrap();
        let mut back = to_dynamic(v.clone(), &AST::empty()).unwrap().cast::<NdArray>();
        let ptr = a.as_slice::<f64>().unwrap().as_ptr();
        assert_eq!(back.as_slice::<f64>().unwrap().as_ptr(), ptr, "shared, not copied");
        back.set(&[0], Scalar::I64(5)).unwrap();
        assert_eq!(a.as_slice::<f64>().unwrap()[0], 1.0, "writing the copy leaves the original");
        assert_ne!(back.as_slice::<f64>().unwrap().as_ptr(), ptr);
        // Over MPI the shared elements are written as plain bytes and read back exactly.
        let msg = Message::Request(Request {
            id: 1,
            targets: vec![0],
            kind: RequestKind::Push { vars: vec![("a".into(), v.clone())] },
        });
        match codec::decode(&codec::encode(&msg)).unwrap() {
            Message::Request(Request { kind: RequestKind::Push { vars }, .. }) => {
                assert!(matches!(&vars[0].1, Value::NdArray { data: crate::protocol::Buffer::F64(_), .. }));
                assert_eq!(vars[0].1, v);
            }
            other => panic!("{other:?}"),
        }
        // Every dtype's shared elements encode to the bytes its plain buffer does.
        for dtype in ["f64", "f32", "i64", "i32", "bool", "c128"] {
            let mut a = NdArray::zeros(crate::nd::DType::parse(dtype).unwrap(), &[2, 3]).unwrap();
            a.set(&[1, 2], Scalar::I64(1)).unwrap();
            let shared = to_value(&Dynamic::from(a.clone())).unwrap();
            let (shape, plain) = a.into_buffer();
            let enc = |v: Value| {
                codec::encode(&Message::Request(Request {
                    id: 1,
                    targets: vec![0],
                    kind: RequestKind::Push { vars: vec![("a".into(), v)] },
                }))
            };
            assert_eq!(enc(shared), enc(Value::NdArray { shape, data: plain }), "{dtype}");
        }
    }

    #[test]
    fn unknown_closure_is_an_error() {
        let e = to_dynamic(Value::FnPtr { name: "anon$0000".into(), curried: vec![] }, &AST::empty()).unwrap_err();
        assert_eq!(e, ConvertError::UnknownFunction { name: "anon$0000".into() });
        assert!(e.to_string().starts_with("a closure made inside a snippet cannot leave the engines"));
    }
}
