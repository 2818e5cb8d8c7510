//! Property tests of the protocol codec (`proptest`): every value and message
//! round-trips exactly, and no byte string makes the decoder panic or allocate more than
//! the bytes can hold.
//!
//! - **Round trip**: random values (NaN payloads, -0.0, ±inf, `i64::MIN/MAX`, empty and
//!   nested arrays and maps, text with NUL and multi-byte characters, NdArrays of every
//!   dtype and shape including zero-length axes, typed lists) inside random messages of
//!   every kind decode to an equal message whose encoding is the same bytes.
//! - **Broken frames**: every truncation of a valid frame is an error; a single-byte
//!   mutation anywhere, or random bytes, either is an error or decodes to a message whose
//!   encoding is exactly those bytes (the decoder accepts only canonical encodings, so
//!   nothing is misread); none panics.
//! - **Allocation**: decoding a small buffer never asks for a big block
//!   (`memory::cache::largest_big_request`), and a length field of 2^60 anywhere is an
//!   error.
//!
//! The normal suite runs 2,000 cases a property; `long_run_of_a_million_cases` (ignored)
//! runs 1,000,000 cases of the broken-frame properties: `cargo test --release
//! codec_props -- --ignored`.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::Union;
use proptest::test_runner::{Config, TestRunner};
use pshell::memory::cache;
use pshell::protocol::codec::{decode, encode};
use pshell::protocol::{
    Activity, Buffer, DictAnswer, DictFailure, DictKey, DictMode, DictMsg, DictOp, DictStatus, EngineStatus, Message,
    Output, PlotImage, RemoteError, Reply, Request, RequestKind, Stream, Value, WriteOp,
};
use std::sync::Arc;

const CASES: u32 = 2000;

fn config(cases: u32) -> Config {
    Config { cases, failure_persistence: None, ..Config::default() }
}

// ---- strategies -------------------------------------------------------------------

/// Any bit pattern (NaN payloads included), with the special values drawn often.
fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => any::<u64>().prop_map(f64::from_bits),
        1 => prop::sample::select(vec![-0.0, 0.0, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, f64::MIN_POSITIVE / 2.0]),
        1 => prop::sample::select(vec![0x7ff0_0000_0000_0001u64, 0xfff8_dead_beef_0001, 0x7ff4_0000_0000_0000])
            .prop_map(f64::from_bits),
    ]
}

fn int() -> impl Strategy<Value = i64> {
    prop_oneof![3 => any::<i64>(), 1 => prop::sample::select(vec![i64::MIN, i64::MAX, 0, -1, 1])]
}

/// Text with NUL, multi-byte and four-byte characters among arbitrary ones.
fn text() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        2 => any::<char>(),
        1 => prop::sample::select(vec!['\0', 'é', '世', '🚀', '\u{10FFFF}', '"', '\n', 'a']),
    ];
    vec(ch, 0..8).prop_map(|cs| cs.into_iter().collect())
}

fn dict_key() -> impl Strategy<Value = DictKey> {
    prop_oneof![
        any::<bool>().prop_map(DictKey::Bool),
        int().prop_map(DictKey::Int),
        any::<char>().prop_map(DictKey::Char),
        text().prop_map(DictKey::Str),
    ]
}

/// Elements of one dtype, `n` of them.
fn buffer(n: usize) -> impl Strategy<Value = Buffer> {
    prop_oneof![
        vec(float(), n).prop_map(Buffer::F64),
        vec(float().prop_map(|x| f32::from_bits(x.to_bits() as u32)), n).prop_map(Buffer::F32),
        vec(int(), n).prop_map(Buffer::I64),
        vec(any::<i32>(), n).prop_map(Buffer::I32),
        vec(any::<bool>(), n).prop_map(Buffer::Bool),
        vec((float(), float()).prop_map(|(a, b)| [a, b]), n).prop_map(Buffer::C128),
    ]
}

/// An NdArray of any dtype, 0 to 4 axes of 0 to 3 elements (zero-length axes often).
fn ndarray() -> impl Strategy<Value = Value> {
    vec(0usize..4, 0..5).prop_flat_map(|shape| {
        let n = shape.iter().product();
        buffer(n).prop_map(move |data| Value::NdArray { shape: shape.clone(), data })
    })
}

/// A typed list: floats, integers or booleans.
fn list() -> impl Strategy<Value = Value> {
    prop_oneof![
        vec(float(), 0..20).prop_map(Buffer::F64),
        vec(int(), 0..20).prop_map(Buffer::I64),
        vec(any::<bool>(), 0..20).prop_map(Buffer::Bool),
    ]
    .prop_map(Value::List)
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Unit),
        any::<bool>().prop_map(Value::Bool),
        int().prop_map(Value::Int),
        float().prop_map(Value::Float),
        text().prop_map(Value::Str),
        any::<char>().prop_map(Value::Char),
        vec(any::<u8>(), 0..12).prop_map(Value::Blob),
        ndarray(),
        list(),
    ]
}

/// Values nested up to 4 levels: arrays, maps and function pointers of leaves.
fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..5).prop_map(Value::Array),
            vec((text(), inner.clone()), 0..5).prop_map(Value::Map),
            (text(), vec(inner, 0..3)).prop_map(|(name, curried)| Value::FnPtr { name, curried }),
        ]
    })
}

fn remote_error() -> impl Strategy<Value = RemoteError> {
    (any::<usize>(), text(), text(), any::<Option<(u32, u32)>>(), vec(text(), 0..3)).prop_map(
        |(engine, kind, message, position, call_chain)| RemoteError { engine, kind, message, position, call_chain },
    )
}

fn request_kind() -> impl Strategy<Value = RequestKind> {
    prop_oneof![
        (text(), text()).prop_map(|(code, origin)| RequestKind::Execute { code: Arc::from(code), origin }),
        text().prop_map(|s| RequestKind::Define { source: Arc::from(s) }),
        vec((text(), value()), 0..3).prop_map(|vars| RequestKind::Push { vars }),
        vec(text(), 0..3).prop_map(|names| RequestKind::Pull { names }),
        Just(RequestKind::Reset),
        (value(), vec(value(), 0..3), any::<u64>()).prop_map(|(func, items, first)| RequestKind::Map {
            func,
            items,
            first
        }),
        (value(), vec(value(), 0..3)).prop_map(|(func, args)| RequestKind::Call { func, args }),
        text().prop_map(|name| RequestKind::Gather { name }),
    ]
}

fn mode() -> impl Strategy<Value = DictMode> {
    prop_oneof![Just(DictMode::Mpmd), Just(DictMode::Spmd)]
}

fn dict_answer() -> impl Strategy<Value = DictAnswer> {
    prop_oneof![
        Just(DictAnswer::Done),
        (vec((any::<u64>(), text()), 0..3), any::<u64>())
            .prop_map(|(refused, total)| DictAnswer::Written { refused, total }),
        (any::<u64>(), text(), mode()).prop_map(|(dict, name, mode)| DictAnswer::Opened { dict, name, mode }),
        vec(proptest::option::of(value()), 0..3).prop_map(DictAnswer::Values),
        any::<bool>().prop_map(DictAnswer::Flag),
        any::<u64>().prop_map(DictAnswer::Count),
        vec(dict_key(), 0..4).prop_map(DictAnswer::Keys),
        vec((dict_key(), value()), 0..3).prop_map(DictAnswer::Items),
        vec((text(), mode(), any::<u64>(), any::<u64>()), 0..3).prop_map(|parts| DictAnswer::Status(
            parts.into_iter().map(|(name, mode, keys, bytes)| DictStatus { name, mode, keys, bytes }).collect()
        )),
    ]
}

fn dict_msg() -> impl Strategy<Value = DictMsg> {
    let op = prop_oneof![
        text().prop_map(|name| DictOp::Open { name }),
        vec(dict_key(), 0..4).prop_map(|keys| DictOp::Get { keys }),
        dict_key().prop_map(|key| DictOp::Contains { key }),
        dict_key().prop_map(|key| DictOp::Remove { key }),
        Just(DictOp::Len),
        any::<bool>().prop_map(|values| DictOp::Entries { values }),
        Just(DictOp::Clear),
        Just(DictOp::Status),
    ];
    let write = (any::<bool>(), dict_key(), value()).prop_map(|(add, key, value)| {
        if add {
            WriteOp::Add { key, amount: value }
        } else {
            WriteOp::Set { key, value }
        }
    });
    let failure = prop_oneof![
        Just(DictFailure::UnknownDict),
        vec(text(), 0..3).prop_map(|known| DictFailure::UnknownName { known }),
    ];
    prop_oneof![
        (any::<u64>(), any::<u64>(), op).prop_map(|(id, dict, op)| DictMsg::Request { id, dict, op }),
        (any::<u64>(), vec(write, 0..3), any::<Option<u64>>()).prop_map(|(dict, ops, ack)| DictMsg::Write {
            dict,
            ops,
            ack
        }),
        (any::<u64>(), prop_oneof![dict_answer().prop_map(Ok), failure.prop_map(Err)])
            .prop_map(|(id, outcome)| DictMsg::Reply { id, outcome }),
        (any::<u64>(), any::<u64>(), text(), prop_oneof![dict_answer().prop_map(Ok), text().prop_map(Err)])
            .prop_map(|(request, seq, what, outcome)| DictMsg::Push { request, seq, what, outcome }),
    ]
}

fn plot_image() -> impl Strategy<Value = PlotImage> {
    (
        (any::<u64>(), any::<usize>(), text(), text(), text(), any::<u32>()),
        (any::<u32>(), proptest::option::of(text()), proptest::option::of(text()), text(), any::<bool>()),
        vec(any::<u8>(), 0..24),
    )
        .prop_map(
            |((request, engine, kind, title, format, width), (height, file, note, preview, force_preview), bytes)| {
                PlotImage {
                    request,
                    engine,
                    kind,
                    title,
                    format,
                    width,
                    height,
                    file,
                    note,
                    preview,
                    force_preview,
                    bytes,
                }
            },
        )
}

fn status() -> impl Strategy<Value = EngineStatus> {
    let activity =
        (any::<u64>(), text(), float()).prop_map(|(request, what, seconds)| Activity { request, what, seconds });
    (
        any::<usize>(),
        any::<u64>(),
        proptest::option::of(activity),
        any::<usize>(),
        any::<Option<u64>>(),
        vec((text(), text()), 0..3),
    )
        .prop_map(|(engine, query, running, queued, memory, variables)| EngineStatus {
            engine,
            query,
            running,
            queued,
            memory,
            variables,
        })
}

/// A message of any kind (every variant of `Message`).
fn message() -> impl Strategy<Value = Message> {
    let stream = prop_oneof![Just(Stream::Print), Just(Stream::Debug)];
    Union::new(vec![
        (any::<u32>(), text(), any::<u32>())
            .prop_map(|(version, host, pid)| Message::Hello { version, host, pid })
            .boxed(),
        (any::<u64>(), vec(any::<usize>(), 0..4), request_kind())
            .prop_map(|(id, targets, kind)| Message::Request(Request { id, targets, kind }))
            .boxed(),
        (
            any::<u64>(),
            any::<usize>(),
            prop_oneof![value().prop_map(Ok), remote_error().prop_map(Err)],
            float(),
            float(),
        )
            .prop_map(|(request, engine, outcome, started, elapsed)| {
                Message::Reply(Reply { request, engine, outcome, started, elapsed })
            })
            .boxed(),
        (any::<u64>(), any::<usize>(), stream, text())
            .prop_map(|(request, engine, stream, text)| Message::Output(Output { request, engine, stream, text }))
            .boxed(),
        any::<u64>().prop_map(|up_to| Message::Interrupt { up_to }).boxed(),
        (any::<u64>(), vec((any::<usize>(), any::<bool>()), 0..4))
            .prop_map(|(request, engines)| Message::PeerDone { request, engines })
            .boxed(),
        Just(Message::Shutdown).boxed(),
        (any::<usize>(), text()).prop_map(|(engine, reason)| Message::Goodbye { engine, reason }).boxed(),
        (any::<u64>(), any::<u64>(), text(), prop_oneof![value().prop_map(Ok), text().prop_map(Err)])
            .prop_map(|(request, seq, op, payload)| Message::Collective { request, seq, op, payload })
            .boxed(),
        value().prop_map(|value| Message::User { value }).boxed(),
        text().prop_map(|reason| Message::Malformed { reason }).boxed(),
        plot_image().prop_map(Message::Plot).boxed(),
        (any::<u64>(), any::<u64>(), remote_error())
            .prop_map(|(request, item, error)| Message::ItemFailed { request, item, error })
            .boxed(),
        dict_msg().prop_map(Message::Dict).boxed(),
        any::<u64>().prop_map(|query| Message::StatusQuery { query }).boxed(),
        status().prop_map(Message::Status).boxed(),
    ])
}

// ---- properties -------------------------------------------------------------------

/// Decodes `bytes`, checking that it does not ask for a big block (the buffers here are
/// far below `cache::BIG`, so no honest decoding needs one) and that whatever it accepts
/// is the canonical encoding of what it returns.
fn decode_checked(bytes: &[u8]) -> Result<Option<Message>, TestCaseError> {
    assert!(bytes.len() * 64 < cache::BIG, "test buffers stay small");
    cache::largest_big_request();
    let out = decode(bytes);
    let largest = cache::largest_big_request();
    prop_assert_eq!(largest, 0, "decoding {} bytes asked for a block of {} bytes", bytes.len(), largest);
    match out {
        Ok(m) => {
            prop_assert_eq!(encode(&m), bytes, "accepted bytes that are not the encoding of what they decode to");
            Ok(Some(m))
        }
        Err(e) => {
            prop_assert!(!e.to_string().is_empty());
            Ok(None)
        }
    }
}

fn roundtrip(msg: &Message) -> Result<(), TestCaseError> {
    let bytes = encode(msg);
    let back = decode(&bytes).map_err(|e| TestCaseError::fail(format!("{e} for {msg:?}")))?;
    prop_assert_eq!(encode(&back), bytes);
    // Fields outside values (a reply's times) are plain f64s: NaN != NaN there, and
    // the byte comparison above already checked their bits.
    if !matches!(msg, Message::Reply(_) | Message::Status(_)) {
        prop_assert_eq!(&back, msg);
    }
    Ok(())
}

fn truncations(msg: &Message) -> Result<(), TestCaseError> {
    let bytes = encode(msg);
    for n in 0..bytes.len() {
        prop_assert!(decode_checked(&bytes[..n])?.is_none(), "a {n}-byte prefix of {msg:?} decoded");
    }
    Ok(())
}

/// Every position of the frame, each changed by `xor` (never 0) rotated per position.
fn mutations(msg: &Message, xor: u8) -> Result<(), TestCaseError> {
    let bytes = encode(msg);
    let mut broken = bytes.clone();
    for i in 0..bytes.len() {
        let x = xor.rotate_left(i as u32 % 8);
        broken[i] ^= x;
        decode_checked(&broken)?;
        broken[i] = bytes[i];
    }
    Ok(())
}

/// Random bytes, sometimes behind a valid magic byte and message tag so that the
/// decoder gets past the first checks.
fn random_bytes() -> impl Strategy<Value = Vec<u8>> {
    (0u8..24, any::<bool>(), vec(any::<u8>(), 0..200)).prop_map(|(tag, framed, mut rest)| {
        if framed {
            rest.splice(0..0, [0xB7, tag]);
        }
        rest
    })
}

fn run<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>) {
    let mut runner = TestRunner::new(config(cases));
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{e}");
    }
}

#[test]
fn every_value_roundtrips_exactly() {
    run(CASES, value(), |v| {
        roundtrip(&Message::User { value: v.clone() })?;
        let bytes = encode(&Message::User { value: v.clone() });
        let Message::User { value: back } = decode(&bytes).unwrap() else { unreachable!() };
        // Strict: a list stays a list of its own type, an array stays an array.
        prop_assert_eq!(format!("{back:?}"), format!("{v:?}"));
        Ok(())
    });
}

#[test]
fn every_message_kind_roundtrips_exactly() {
    run(CASES, message(), |m| roundtrip(&m));
}

#[test]
fn every_truncation_of_a_frame_is_an_error() {
    run(CASES, message(), |m| truncations(&m));
}

#[test]
fn every_single_byte_mutation_is_an_error_or_canonical() {
    run(CASES, (message(), 1u8..=255), |(m, xor)| mutations(&m, xor));
}

#[test]
fn random_bytes_are_an_error_or_canonical() {
    run(CASES, random_bytes(), |b| decode_checked(&b).map(drop));
}

/// A frame: magic, a `User` message, an array claiming `claimed` items, then `body`.
fn claiming_array(claimed: u64, body: &[u8]) -> Vec<u8> {
    let mut b = vec![0xB7, 9, 7];
    b.extend_from_slice(&claimed.to_le_bytes());
    b.extend_from_slice(body);
    b
}

#[test]
fn a_count_that_the_bytes_could_hold_but_do_not_allocates_nothing_big() {
    // One mebibyte of bytes after a count of a million items: the count passes the
    // "each item takes a byte" check, but the first item is a bad tag. Reserving room for
    // a million decoded values up front would ask for tens of megabytes.
    let frame = claiming_array(1 << 20, &vec![0xEE; 1 << 20]);
    cache::largest_big_request();
    let err = decode(&frame).unwrap_err();
    let largest = cache::largest_big_request();
    assert!(err.to_string().contains("unknown tag 238"), "{err}");
    assert_eq!(largest, 0, "decoding a corrupt count asked for {largest} bytes");
}

#[test]
fn a_length_of_2_pow_60_anywhere_is_an_error() {
    // Every 8-byte window of real frames set to 2^60: whichever length, count or
    // extent it lands on must be refused against the bytes left, never allocated.
    let mut runner = TestRunner::new(config(200));
    runner
        .run(&message(), |m| {
            let bytes = encode(&m);
            for i in 1..bytes.len().saturating_sub(7) {
                let mut b = bytes.clone();
                b[i..i + 8].copy_from_slice(&(1u64 << 60).to_le_bytes());
                decode_checked(&b)?;
            }
            Ok(())
        })
        .unwrap();
    for claimed in [1u64 << 60, u64::MAX, (1 << 60) + 1] {
        assert!(decode(&claiming_array(claimed, &[0; 64])).is_err());
    }
}

#[test]
fn shapes_whose_size_overflows_are_refused() {
    // A zero-length axis makes the element count 0, but the other extents must still
    // describe an array that could exist.
    let mut b = vec![0xB7, 9, 10];
    b.extend_from_slice(&3u64.to_le_bytes());
    for e in [0u64, 1 << 62, 1 << 62] {
        b.extend_from_slice(&e.to_le_bytes());
    }
    b.extend_from_slice(&[0, 0]); // f64, inline
    b.extend_from_slice(&0u64.to_le_bytes());
    let err = decode(&b).unwrap_err();
    assert!(err.to_string().contains("shape"), "{err}");
}

/// The million-case run of the broken-frame properties (run once by hand, in release).
#[test]
#[ignore = "long: 1,000,000 cases; cargo test --release codec_props -- --ignored"]
fn long_run_of_a_million_cases() {
    let start = std::time::Instant::now();
    let (cases, frame_bytes) = (std::sync::atomic::AtomicUsize::new(0), std::sync::atomic::AtomicUsize::new(0));
    run(1_000_000, (message(), 1u8..=255, random_bytes()), |(m, xor, junk)| {
        cases.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        frame_bytes.fetch_add(encode(&m).len(), std::sync::atomic::Ordering::Relaxed);
        roundtrip(&m)?;
        truncations(&m)?;
        mutations(&m, xor)?;
        decode_checked(&junk).map(drop)
    });
    let (cases, bytes) = (cases.into_inner(), frame_bytes.into_inner());
    eprintln!("{cases} cases (frames of {} bytes on average) in {:.1} s", bytes / cases, start.elapsed().as_secs_f64());
}
