//! Typed lists (`Value::List`): a Rhai array of at least [`LIST_MIN`] elements that are
//! all floats, all ints or all booleans travels as one typed buffer, collected in one
//! pass; at the first element of another type the array takes `convert`'s general path
//! (a `Value` per element). Coming back, a list becomes the same Rhai array (floats stay
//! floats, ints ints), built once, in storage advised for huge pages before it is first
//! written, or in the storage of the array a variable already holds ([`assign`]).

use super::ConvertError;
use crate::protocol::{Buffer, Value};
use rhai::{Array, Dynamic, AST};

/// Arrays shorter than this take the general path (a typed list gains nothing there).
pub const LIST_MIN: usize = 16;

/// The elements of `a` as one typed buffer, if there are at least [`LIST_MIN`] and all
/// are floats, all ints or all booleans; `None` at the first element of another type.
pub(super) fn typed_list(a: &[Dynamic]) -> Option<Buffer> {
    /// Every element through `get`, in storage advised for huge pages before it is
    /// written; `None` at the first element `get` refuses.
    fn collect<T>(a: &[Dynamic], get: impl Fn(&Dynamic) -> Option<T>) -> Option<Vec<T>> {
        let mut out = Vec::with_capacity(a.len());
        crate::memory::advise_capacity(&mut out);
        for d in a {
            out.push(get(d)?);
        }
        Some(out)
    }
    let first = a.first().filter(|_| a.len() >= LIST_MIN)?;
    if first.is_float() {
        collect(a, |d| d.as_float().ok()).map(Buffer::F64)
    } else if first.is_int() {
        collect(a, |d| d.as_int().ok()).map(Buffer::I64)
    } else if first.is_bool() {
        collect(a, |d| d.as_bool().ok()).map(Buffer::Bool)
    } else {
        None
    }
}

/// A Rhai array holding the elements of a typed list, built in one pass.
pub(super) fn list_to_array(b: Buffer) -> Array {
    let mut a = Array::new();
    fill_array(&mut a, b);
    a
}

/// Replaces the elements of `a` by those of the typed list `b`, in one pass, in `a`'s
/// storage when it has room (growing it otherwise, advised for huge pages before the new
/// room is first written).
fn fill_array(a: &mut Array, b: Buffer) {
    fn fill<T: Copy>(a: &mut Array, v: &[T], make: impl Fn(T) -> Dynamic) {
        empty(a);
        a.reserve_exact(v.len());
        crate::memory::advise_capacity(a);
        for (slot, &x) in a.spare_capacity_mut()[..v.len()].iter_mut().zip(v) {
            slot.write(make(x));
        }
        // SAFETY: the first `v.len()` slots, within capacity, were just written.
        unsafe { a.set_len(v.len()) }
    }
    match b {
        Buffer::F64(v) => fill(a, &v, Dynamic::from_float),
        Buffer::I64(v) => fill(a, &v, Dynamic::from_int),
        Buffer::Bool(v) => fill(a, &v, Dynamic::from_bool),
        Buffer::F32(v) => fill(a, &v, |x| Dynamic::from_float(x as f64)),
        Buffer::I32(v) => fill(a, &v, |x| Dynamic::from_int(x as i64)),
        // Lists never hold complex numbers; a pair [re, im] is what one would stand for.
        Buffer::C128(v) => fill(a, &v, |[re, im]| Dynamic::from_array(vec![re.into(), im.into()])),
        Buffer::Shared(s) => fill_array(a, s.to_buffer()),
    }
}

/// Empties `a`, keeping its storage. When every element is an unshared float, int,
/// boolean or unit (the usual case when a list refills an array), none owns anything, so
/// the elements are let go without a destructor call each (a scan is ~4x cheaper than
/// dropping ten million `Dynamic`s one by one).
pub(super) fn empty(a: &mut Array) {
    let plain = |d: &Dynamic| !d.is_shared() && (d.is_float() || d.is_int() || d.is_bool() || d.is_unit());
    if a.iter().all(plain) {
        // SAFETY: length 0 is within capacity and leaves no element to read; the elements
        // own no memory, so not running their destructors leaks nothing.
        unsafe { a.set_len(0) }
    } else {
        a.clear();
    }
}

/// Sets a variable's value (`slot`) to a travelled value. A typed list arriving where an
/// unshared array is held refills that array's storage in place when it is no more than
/// twice the size needed: the memory is already faulted in, which on this kind of machine
/// is most of the cost of building a big array. Anything else replaces the value, as
/// [`to_dynamic`] builds it.
pub fn assign(slot: &mut Dynamic, v: Value, lib: &AST) -> Result<(), ConvertError> {
    match v {
        Value::List(b) if !slot.is_shared() && slot.is_array() => {
            let mut held = slot.write_lock::<Array>().expect("an unshared array");
            if held.capacity() <= 2 * b.len() {
                fill_array(&mut held, b);
            } else {
                drop(held);
                *slot = Dynamic::from_array(list_to_array(b));
            }
        }
        v => *slot = super::to_dynamic(v, lib)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{into_value, to_dynamic, to_value};
    use super::*;
    use rhai::Engine;

    #[test]
    fn homogeneous_arrays_travel_as_typed_lists_and_come_back_the_same() {
        let engine = Engine::new();
        let eval = |code: &str| engine.eval::<Dynamic>(code).unwrap();
        let cases = [
            ("let a = []; for i in 0..20 { a.push(i * 0.5) } a[3] = -0.0; a", Some("f64")),
            ("let a = []; for i in 0..20 { a.push(i - 10) } a.push(9223372036854775807); a", Some("i64")),
            ("let a = []; for i in 0..20 { a.push(i % 3 == 0) } a", Some("bool")),
            // Mixed from the first element, or only at the end: the general path.
            ("let a = [1]; for i in 0..20 { a.push(i * 0.5) } a", None),
            ("let a = []; for i in 0..20 { a.push(i * 0.5) } a.push(1); a", None),
            ("let a = []; for i in 0..20 { a.push(i) } a.push(\"s\"); a", None),
            // Short arrays keep the general path.
            ("[1.0, 2.0, 3.0]", None),
            ("[]", None),
        ];
        for (code, kind) in cases {
            let d = eval(code);
            let v = to_value(&d).unwrap();
            match (&v, kind) {
                (Value::List(b), Some(k)) => assert_eq!(b.type_name(), k, "{code}"),
                (Value::Array(_), None) => {}
                (other, _) => panic!("{code}: {other:?}"),
            }
            assert_eq!(into_value(d.clone()).unwrap(), v, "{code}");
            let back = to_dynamic(v, &AST::empty()).unwrap();
            assert!(back.is_array(), "{code}");
            // Same elements, same types, same bits (Debug shows 1.0 vs 1 and -0.0).
            assert_eq!(format!("{back:?}"), format!("{d:?}"), "{code}");
            let (a, b) = (d.into_array().unwrap(), back.into_array().unwrap());
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(x.type_name(), y.type_name(), "{code}");
                if let (Ok(x), Ok(y)) = (x.as_float(), y.as_float()) {
                    assert_eq!(x.to_bits(), y.to_bits(), "{code}");
                }
            }
        }
        // NaN keeps its bits inside a list.
        let d = eval("let a = []; a.pad(20, 0.0/0.0); a");
        let back = to_dynamic(to_value(&d).unwrap(), &AST::empty()).unwrap().into_array().unwrap();
        assert!(back.iter().all(|x| x.as_float().unwrap().is_nan()));
    }

    #[test]
    fn lists_nested_in_maps_and_arrays_are_typed_too() {
        let engine = Engine::new();
        let d: Dynamic = engine.eval("let a = []; a.pad(17, 2); #{xs: a, ys: [a, \"s\"]}").unwrap();
        let v = to_value(&d).unwrap();
        let Value::Map(m) = &v else { panic!("{v:?}") };
        assert!(matches!(&m[0].1, Value::List(Buffer::I64(x)) if x.len() == 17 && x[16] == 2));
        assert!(matches!(&m[1].1, Value::Array(items) if matches!(items[0], Value::List(_))));
        let back = to_dynamic(v, &AST::empty()).unwrap();
        assert_eq!(format!("{back:?}"), format!("{d:?}"));
    }

    #[test]
    fn assign_refills_a_held_array_in_place_and_replaces_anything_else() {
        let list = |n: usize| Value::List(Buffer::F64((0..n).map(|i| i as f64).collect()));
        let ints = |n: usize| Value::List(Buffer::I64((0..n as i64).collect()));
        let lib = AST::empty();
        // An unshared array of about the right size keeps its storage, with new items.
        let mut slot = Dynamic::from_array(vec![Dynamic::from("old"); 40]);
        let ptr = slot.read_lock::<Array>().unwrap().as_ptr();
        assign(&mut slot, list(30), &lib).unwrap();
        let a = slot.read_lock::<Array>().unwrap().clone();
        assert_eq!(slot.read_lock::<Array>().unwrap().as_ptr(), ptr, "refilled in place");
        assert_eq!(a.len(), 30);
        assert!(a.iter().enumerate().all(|(i, x)| x.as_float() == Ok(i as f64)));
        // Ints stay ints when they refill an array of floats.
        assign(&mut slot, ints(20), &lib).unwrap();
        let a = slot.clone().into_array().unwrap();
        assert!(a.iter().enumerate().all(|(i, x)| x.as_int() == Ok(i as i64)), "{a:?}");
        // Far more room than needed: a fresh array, the big one freed.
        let mut slot = Dynamic::from_array(Vec::with_capacity(1000));
        assign(&mut slot, list(20), &lib).unwrap();
        assert!(slot.read_lock::<Array>().unwrap().capacity() < 1000);
        // A shared variable (captured by a closure) is replaced, not written through.
        let shared = Dynamic::from_array(vec![Dynamic::from(1_i64); 20]).into_shared();
        let mut slot = shared.clone();
        assign(&mut slot, list(20), &lib).unwrap();
        assert!(!slot.is_shared());
        assert_eq!(shared.clone().into_array().unwrap()[0].as_int(), Ok(1));
        // Anything else replaces the value.
        let mut slot = Dynamic::from(5_i64);
        assign(&mut slot, list(20), &lib).unwrap();
        assert_eq!(slot.into_array().unwrap().len(), 20);
        let mut slot = Dynamic::from_array(vec![Dynamic::UNIT; 20]);
        assign(&mut slot, Value::Str("s".into()), &lib).unwrap();
        assert_eq!(slot.into_string().unwrap(), "s");
    }
}
