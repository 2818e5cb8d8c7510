//! Round trips of every message and value, and decoding of broken buffers.

use super::*;
use crate::protocol::raw;
use crate::protocol::{
    Activity, Buffer, EngineStatus, Output, PlotImage, RemoteError, Reply, Request, RequestKind, Stream, Value, VERSION,
};
use std::sync::Arc;

fn tricky_values() -> Vec<Value> {
    vec![
        Value::Unit,
        Value::Bool(true),
        Value::Bool(false),
        Value::Int(i64::MIN),
        Value::Int(i64::MAX),
        Value::Int(0),
        Value::Float(f64::NAN),
        Value::Float(f64::INFINITY),
        Value::Float(f64::NEG_INFINITY),
        Value::Float(-0.0),
        Value::Float(f64::MIN_POSITIVE / 2.0),
        Value::Str(String::new()),
        Value::Str("héllo, 世界 🚀 \u{0} \"quoted\"\n".into()),
        Value::Char('🚀'),
        Value::Char('\u{10FFFF}'),
        Value::Blob(vec![0, 255, 1, 254]),
        Value::Blob(vec![]),
        Value::Array(vec![]),
        Value::Array(vec![Value::Int(1), Value::Array(vec![Value::Float(-0.0), Value::Unit])]),
        Value::Map(vec![]),
        Value::Map(vec![
            ("a".into(), Value::Map(vec![("b".into(), Value::Array(vec![Value::Char('x')]))])),
            ("ключ".into(), Value::Float(f64::NAN)),
        ]),
        Value::FnPtr { name: "f".into(), curried: vec![] },
        Value::FnPtr {
            name: "anon$123".into(),
            curried: vec![Value::Int(7), Value::Array(vec![Value::Str("s".into())])],
        },
        Value::NdArray { shape: vec![2, 2], data: Buffer::F64(vec![f64::NAN, -0.0, f64::INFINITY, 1e-310]) },
        Value::NdArray { shape: vec![3], data: Buffer::F32(vec![f32::NAN, -0.0, 1.5]) },
        Value::NdArray { shape: vec![1, 2], data: Buffer::I64(vec![i64::MIN, i64::MAX]) },
        Value::NdArray { shape: vec![2], data: Buffer::I32(vec![i32::MIN, -1]) },
        Value::NdArray { shape: vec![3, 1], data: Buffer::Bool(vec![true, false, true]) },
        Value::NdArray { shape: vec![1], data: Buffer::C128(vec![[-0.0, f64::NAN]]) },
        Value::NdArray { shape: vec![0, 5], data: Buffer::F64(vec![]) },
        Value::NdArray { shape: vec![], data: Buffer::I64(vec![7]) },
        Value::List(Buffer::F64(vec![f64::NAN, -0.0, f64::INFINITY, f64::NEG_INFINITY, 1e-310])),
        Value::List(Buffer::I64(vec![i64::MIN, i64::MAX, 0, -1])),
        Value::List(Buffer::Bool(vec![true, false, false])),
        Value::List(Buffer::F64(vec![])),
        Value::Map(vec![("xs".into(), Value::List(Buffer::I64(vec![1, 2])))]),
    ]
}

fn roundtrip(msg: Message) {
    let bytes = encode(&msg);
    assert_eq!(decode(&bytes).unwrap(), msg);
}

#[test]
fn every_value_roundtrips_exactly() {
    for v in tricky_values() {
        roundtrip(Message::User { value: v.clone() });
        // -0.0 and NaN keep their bits, not just their class.
        if let Value::Float(x) = v {
            match decode(&encode(&Message::User { value: v.clone() })).unwrap() {
                Message::User { value: Value::Float(y) } => assert_eq!(x.to_bits(), y.to_bits()),
                other => panic!("unexpected {other:?}"),
            }
        }
    }
}

#[test]
fn every_message_roundtrips() {
    let err = RemoteError {
        engine: 3,
        kind: "RuntimeError".into(),
        message: "boom ☃".into(),
        position: Some((2, 17)),
        call_chain: vec!["outer".into(), "inner".into()],
    };
    let item_err = RemoteError { engine: 1, ..err.clone() };
    let msgs = vec![
        Message::Hello { version: VERSION, host: "node-1".into(), pid: 4242 },
        Message::Request(Request {
            id: u64::MAX,
            targets: vec![0, 2, 3],
            kind: RequestKind::Execute { code: Arc::from("let x = 1;\nx + 1"), origin: "px".into() },
        }),
        Message::Request(Request {
            id: 1,
            targets: vec![],
            kind: RequestKind::Define { source: Arc::from("fn f(x) { x }") },
        }),
        Message::Request(Request {
            id: 2,
            targets: vec![1],
            kind: RequestKind::Push { vars: vec![("a".into(), Value::Int(1)), ("b".into(), Value::Unit)] },
        }),
        Message::Request(Request { id: 3, targets: vec![1], kind: RequestKind::Pull { names: vec!["a".into()] } }),
        Message::Request(Request { id: 4, targets: vec![0], kind: RequestKind::Reset }),
        Message::Reply(Reply {
            request: 9,
            engine: 1,
            outcome: Ok(Value::Float(f64::NAN)),
            started: 1.5,
            elapsed: 0.25,
        }),
        Message::Reply(Reply { request: 9, engine: 3, outcome: Err(err.clone()), started: 0.0, elapsed: -0.0 }),
        Message::Reply(Reply {
            request: 9,
            engine: 3,
            outcome: Err(RemoteError { position: None, call_chain: vec![], ..err }),
            started: 0.0,
            elapsed: 0.0,
        }),
        Message::Output(Output { request: 5, engine: 0, stream: Stream::Print, text: "hi\n".into() }),
        Message::Output(Output { request: 5, engine: 0, stream: Stream::Debug, text: String::new() }),
        Message::Interrupt { up_to: 77 },
        Message::PeerDone { request: 3, engines: vec![(0, false), (5, true)] },
        Message::Shutdown,
        Message::Goodbye { engine: 2, reason: "stack overflow".into() },
        Message::Collective { request: 1, seq: 2, op: "allreduce:sum".into(), payload: Ok(Value::Int(3)) },
        Message::Collective { request: 1, seq: 2, op: "barrier".into(), payload: Err("mismatch".into()) },
        Message::Malformed { reason: "bad".into() },
        Message::Plot(plot_image()),
        Message::Plot(PlotImage {
            file: None,
            note: None,
            preview: String::new(),
            force_preview: false,
            bytes: vec![],
            ..plot_image()
        }),
        Message::Request(Request {
            id: 5,
            targets: vec![2],
            kind: RequestKind::Map {
                func: Value::FnPtr { name: "anon$9".into(), curried: vec![Value::Float(-0.0)] },
                items: tricky_values(),
                first: 1 << 40,
            },
        }),
        Message::Request(Request {
            id: 6,
            targets: vec![0],
            kind: RequestKind::Call { func: Value::FnPtr { name: "f".into(), curried: vec![] }, args: vec![] },
        }),
        Message::Request(Request { id: 7, targets: vec![0, 1], kind: RequestKind::Gather { name: "x".into() } }),
        Message::ItemFailed { request: 5, item: 17, error: item_err },
        Message::StatusQuery { query: 7 },
        Message::Status(EngineStatus {
            engine: 2,
            query: 7,
            running: Some(Activity { request: 12, what: "loop {}".into(), seconds: 1.25 }),
            queued: 3,
            memory: Some(1 << 30),
            variables: vec![("a".into(), "i64".into()), ("ключ".into(), "array".into())],
        }),
        Message::Status(EngineStatus {
            engine: 0,
            query: 8,
            running: None,
            queued: 0,
            memory: None,
            variables: vec![],
        }),
    ];
    for m in msgs {
        roundtrip(m);
    }
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    let msg = Message::Request(Request {
        id: 12,
        targets: vec![0, 1],
        kind: RequestKind::Push { vars: vec![("v".into(), Value::Array(tricky_values()))] },
    });
    let bytes = encode(&msg);
    for cut in 0..bytes.len() {
        assert!(decode(&bytes[..cut]).is_err(), "cut at {cut} decoded");
    }
}

#[test]
fn truncated_map_requests_and_item_failures_are_errors() {
    let msgs = [
        Message::Request(Request {
            id: 1,
            targets: vec![0],
            kind: RequestKind::Map {
                func: Value::FnPtr { name: "f".into(), curried: vec![Value::Int(1)] },
                items: tricky_values(),
                first: 3,
            },
        }),
        Message::ItemFailed {
            request: 1,
            item: 2,
            error: RemoteError {
                engine: 0,
                kind: "RuntimeError".into(),
                message: "m".into(),
                position: Some((1, 2)),
                call_chain: vec!["f".into()],
            },
        },
    ];
    for msg in msgs {
        let bytes = encode(&msg);
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut} decoded");
        }
    }
}

#[test]
fn corrupt_bytes_never_panic() {
    // Flip every byte of a rich message in turn: decoding may succeed or fail, never panic.
    let bytes = encode(&Message::User { value: Value::Array(tricky_values()) });
    for i in 0..bytes.len() {
        for flip in [0x01u8, 0x80, 0xFF] {
            let mut b = bytes.clone();
            b[i] ^= flip;
            let _ = decode(&b);
        }
    }
}

#[test]
fn huge_length_prefix_is_refused_before_allocating() {
    let mut b = vec![MAGIC, 9, 7];
    b.extend_from_slice(&u64::MAX.to_le_bytes());
    assert_eq!(decode(&b), Err(DecodeError::Truncated { what: "array length" }));
}

#[test]
fn deep_nesting_is_refused() {
    let mut v = Value::Unit;
    for _ in 0..(MAX_DEPTH + 5) {
        v = Value::Array(vec![v]);
    }
    let bytes = encode(&Message::User { value: v });
    assert_eq!(decode(&bytes), Err(DecodeError::TooDeep));
}

#[test]
fn wrong_magic_and_trailing_bytes_are_errors() {
    let mut b = encode(&Message::Shutdown);
    b.push(0);
    assert_eq!(decode(&b), Err(DecodeError::Trailing { bytes: 1 }));
    assert!(matches!(decode(&[0, 6]), Err(DecodeError::BadTag { what: "magic byte", .. })));
    assert_eq!(decode(&[MAGIC, 9, 5, 0, 0xD8, 0, 0]).unwrap_err(), DecodeError::BadText { what: "char" });
}

fn plot_image() -> PlotImage {
    PlotImage {
        request: 7,
        engine: 2,
        kind: "imshow".into(),
        title: "héat ☃".into(),
        format: "png".into(),
        width: 640,
        height: u32::MAX,
        file: Some("out/a b.png".into()),
        note: Some("skipped 3 non-finite values".into()),
        preview: "⣿⡇\n▒░".into(),
        force_preview: true,
        // Every byte value, and more than a small message: images travel as raw bytes.
        bytes: (0..70_000u32).map(|i| (i % 256) as u8).collect(),
    }
}

#[test]
fn plot_images_travel_as_raw_bytes() {
    let p = plot_image();
    let bytes = encode(&Message::Plot(p.clone()));
    // The image is in the message verbatim (not as text), and adds nothing but its length.
    let at = bytes.windows(p.bytes.len()).position(|w| w == p.bytes.as_slice()).expect("raw image bytes");
    assert_eq!(&bytes[at - 8..at], &(p.bytes.len() as u64).to_le_bytes());
    assert!(bytes.len() < p.bytes.len() + 200, "{} bytes for a {}-byte image", bytes.len(), p.bytes.len());
    for cut in [0, 1, 10, at, at + 1, bytes.len() - 1] {
        assert!(decode(&bytes[..cut]).is_err(), "cut at {cut} decoded");
    }
}

#[test]
fn array_elements_travel_as_raw_bytes_beside_a_small_header() {
    let data: Vec<f64> = (0..1000).map(|i| i as f64 * 0.5).collect();
    let bytes = encode(&Message::User { value: Value::NdArray { shape: vec![10, 100], data: Buffer::F64(data) } });
    // magic, message tag, value tag, ndim + 2 extents, dtype tag, placement, count, 8000 bytes.
    assert_eq!(bytes.len(), 3 + 8 * 3 + 1 + 1 + 8 + 8000);
    assert_eq!(&bytes[bytes.len() - 8..], &499.5f64.to_le_bytes());
}

#[test]
fn arrays_whose_shape_and_data_disagree_are_refused() {
    let ok = encode(&Message::User { value: Value::NdArray { shape: vec![2], data: Buffer::Bool(vec![true, false]) } });
    // The first extent sits after magic, message tag, value tag and ndim.
    let mut b = ok.clone();
    b[3 + 8] = 3;
    assert_eq!(decode(&b), Err(DecodeError::BadShape { shape: vec![3], elements: 2 }));
    let mut b = ok.clone();
    *b.last_mut().unwrap() = 2;
    assert_eq!(decode(&b), Err(DecodeError::BadTag { what: "bool element", tag: 2 }));
    let mut b = ok;
    b[3 + 16] = 9;
    assert_eq!(decode(&b), Err(DecodeError::BadTag { what: "array element type", tag: 9 }));
}

/// A message with big arrays of every detachable type, a big boolean one, small ones.
fn bulk_message() -> Message {
    let big = DETACH_MIN / 8 + 3;
    Message::User {
        value: Value::Array(vec![
            Value::NdArray { shape: vec![big], data: Buffer::F64((0..big).map(|i| i as f64 - 0.5).collect()) },
            Value::NdArray { shape: vec![2], data: Buffer::F64(vec![1.0, f64::NAN]) },
            Value::Map(vec![(
                "z".into(),
                Value::NdArray {
                    shape: vec![big, 1],
                    data: Buffer::C128((0..big).map(|i| [i as f64, -1.0]).collect()),
                },
            )]),
            Value::NdArray { shape: vec![big * 2], data: Buffer::I32((0..big as i32 * 2).collect()) },
            Value::NdArray { shape: vec![DETACH_MIN + 1], data: Buffer::Bool(vec![true; DETACH_MIN + 1]) },
            Value::List(Buffer::I64((0..big as i64).collect())),
            Value::List(Buffer::Bool(vec![false; DETACH_MIN + 1])),
        ]),
    }
}

#[test]
fn big_elements_are_detached_and_attached_back_in_order() {
    let msg = bulk_message();
    let mut header = Vec::new();
    let payloads = encode_detached(&msg, &mut header);
    // f64, c128, i32 and the i64 list are detached; the small array and the booleans
    // stay inline.
    assert_eq!(payloads.len(), 4);
    assert_eq!(payloads[0].len(), (DETACH_MIN / 8 + 3) * 8);
    assert!(header.len() < 2 * DETACH_MIN + 1000, "the header holds {} bytes", header.len()); // the booleans
    let mut next = payloads.iter();
    let back = decode_attached(&header, &mut |tag, n| {
        let bytes = next.next().expect("asked for more runs than were detached");
        assert_eq!(bytes.len(), n * raw::elem_size(tag).unwrap());
        raw::read(tag, bytes)
    })
    .unwrap();
    assert!(next.next().is_none(), "a detached run was not asked for");
    assert_eq!(back, msg);
    // Without detaching, the same message encodes whole.
    assert_eq!(decode(&encode(&msg)).unwrap(), msg);
}

#[test]
fn detached_runs_without_their_elements_are_errors() {
    let msg = bulk_message();
    let mut header = Vec::new();
    encode_detached(&msg, &mut header);
    assert!(matches!(decode(&header), Err(DecodeError::BadTag { what: "element placement", tag: 1 })));
    // Elements of the wrong count or type are refused.
    let short = decode_attached(&header, &mut |_, n| Ok(Buffer::F64(vec![0.0; n - 1])));
    assert!(short.is_err());
    let wrong_type = decode_attached(&header, &mut |_, n| Ok(Buffer::I64(vec![0; n])));
    assert!(wrong_type.is_err());
}

/// Decodes and checks that the value is still a typed list of the same element type
/// (equality alone would also accept an `Array` of the same items).
fn list_roundtrip(v: &Value) -> Vec<u8> {
    let bytes = encode(&Message::User { value: v.clone() });
    let Message::User { value: back } = decode(&bytes).unwrap() else { panic!("not a user message") };
    match (&back, v) {
        (Value::List(b), Value::List(a)) => assert_eq!(a.type_name(), b.type_name()),
        other => panic!("not a list: {other:?}"),
    }
    assert_eq!(&back, v);
    bytes
}

#[test]
fn lists_travel_as_raw_bytes_of_their_type() {
    let floats: Vec<f64> = (0..1000).map(|i| i as f64 * 0.25 - 3.0).collect();
    let bytes = list_roundtrip(&Value::List(Buffer::F64(floats)));
    // magic, message tag, value tag, element type tag, placement, count, 8000 bytes.
    assert_eq!(bytes.len(), 5 + 8 + 8000);
    assert_eq!(bytes[3], 0);
    assert_eq!(&bytes[5..13], &1000u64.to_le_bytes());
    assert_eq!(&bytes[bytes.len() - 8..], &(999.0f64 * 0.25 - 3.0).to_le_bytes());
    let bytes = list_roundtrip(&Value::List(Buffer::I64(vec![-2, i64::MAX])));
    assert_eq!(bytes.len(), 5 + 8 + 16);
    assert_eq!(&bytes[13..21], &(-2i64).to_le_bytes());
    let bytes = list_roundtrip(&Value::List(Buffer::Bool(vec![true, false, true])));
    assert_eq!(&bytes[bytes.len() - 3..], &[1, 0, 1]);
    list_roundtrip(&Value::List(Buffer::I64(vec![])));
}

#[test]
fn broken_lists_are_refused() {
    let ok = encode(&Message::User { value: Value::List(Buffer::Bool(vec![true, false])) });
    for cut in 0..ok.len() {
        assert!(decode(&ok[..cut]).is_err(), "cut at {cut} decoded");
    }
    let mut b = ok.clone();
    *b.last_mut().unwrap() = 7;
    assert_eq!(decode(&b), Err(DecodeError::BadTag { what: "bool element", tag: 7 }));
    // Lists hold floats, integers or booleans only; other element types are refused.
    for tag in [1, 3, 5, 6] {
        let mut b = ok.clone();
        b[3] = tag;
        assert_eq!(decode(&b), Err(DecodeError::BadTag { what: "list element type", tag }));
    }
    // A count larger than the bytes left is refused before allocating.
    let mut b = ok;
    b[5..13].copy_from_slice(&u64::MAX.to_le_bytes());
    assert_eq!(decode(&b), Err(DecodeError::Truncated { what: "list elements" }));
}

#[test]
fn a_list_equals_and_shows_as_the_array_it_stands_for() {
    let list = Value::List(Buffer::F64(vec![1.5, -0.0]));
    let array = Value::Array(vec![Value::Float(1.5), Value::Float(-0.0)]);
    assert_eq!(list, array);
    assert_eq!(array, list);
    assert_eq!(list.to_string(), array.to_string());
    assert_eq!(list.type_name(), "array");
    assert_ne!(list, Value::Array(vec![Value::Float(1.5), Value::Float(0.0)]));
    assert_ne!(list, Value::List(Buffer::I64(vec![1, 0])));
    assert_eq!(Value::List(Buffer::I64(vec![3])), Value::Array(vec![Value::Int(3)]));
    assert_ne!(Value::List(Buffer::I64(vec![3])), Value::Array(vec![Value::Float(3.0)]));
    assert_eq!(list.clone().into_items(), array.clone().into_items());
    assert_eq!(list.items_len(), Some(2));
}
