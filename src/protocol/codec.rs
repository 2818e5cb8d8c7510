//! The one byte encoding of [`Message`]: compact, exact, and safe to decode.
//!
//! Layout: a magic byte and the message tag, then fields in order. Integers are
//! little-endian fixed width, floats are their IEEE bits, strings and blobs are a `u64`
//! length followed by raw bytes (bulk data is never text). Decoding checks every length
//! against what is left before allocating, bounds nesting depth, and reports a truncated
//! or malformed buffer as a [`DecodeError`], never a panic.
//!
//! **Detached elements**: [`encode_detached`] leaves the elements of big arrays out of
//! the bytes (a placement byte says so) and returns them as slices of the message's own
//! buffers, for a transport to send as they are; [`decode_attached`] asks a callback for
//! each of them, in the same order, as a typed buffer the transport received straight
//! into. Bulk data then crosses with no encode or decode copy.

use super::raw;
use super::{
    Activity, EngineStatus, Message, Output, Peer, PlotImage, RemoteError, Reply, Request, RequestKind, Stream, Value,
};
use std::sync::Arc;

const MAGIC: u8 = 0xB7;
/// Deepest nesting of arrays/maps a decoder accepts.
const MAX_DEPTH: usize = 512;
/// Most items a decoder reserves room for before reading them: a count is only checked
/// against the bytes left (at least a byte an item), and a decoded item can be far larger
/// than its smallest encoding, so room beyond this grows as items actually arrive.
const RESERVE_MAX: usize = 1024;

/// An empty vector with room for `n` items, at most [`RESERVE_MAX`] of them.
fn reserve<T>(n: usize) -> Vec<T> {
    Vec::with_capacity(n.min(RESERVE_MAX))
}

/// Why a buffer could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The buffer ended while `what` was being read.
    Truncated { what: &'static str },
    /// A byte that is not a known tag for `what`.
    BadTag { what: &'static str, tag: u8 },
    /// A string that is not UTF-8, or a char that is not a Unicode scalar.
    BadText { what: &'static str },
    /// Arrays or maps nested deeper than the decoder allows.
    TooDeep,
    /// Bytes left over after a complete message.
    Trailing { bytes: usize },
    /// An n-d array whose shape does not hold its number of elements.
    BadShape { shape: Vec<usize>, elements: usize },
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Truncated { what } => write!(f, "message truncated while reading {what}"),
            DecodeError::BadTag { what, tag } => write!(f, "unknown tag {tag} for {what}"),
            DecodeError::BadText { what } => write!(f, "invalid text in {what}"),
            DecodeError::TooDeep => write!(f, "values nested deeper than {MAX_DEPTH} levels"),
            DecodeError::Trailing { bytes } => {
                write!(f, "{bytes} unexpected bytes after the message")
            }
            DecodeError::BadShape { shape, elements } => {
                write!(f, "an array of shape {shape:?} cannot hold {elements} elements")
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// Elements of at least this many bytes are detached by [`encode_detached`].
pub const DETACH_MIN: usize = 64 << 10;

/// Encodes a message into bytes.
pub fn encode(msg: &Message) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(64), None);
    w.u8(MAGIC);
    w.message(msg);
    w.0
}

/// Encodes a message into `out` (cleared first), reusing its memory: a transport that
/// sends many large messages keeps one buffer instead of faulting in fresh pages each time.
pub fn encode_into(msg: &Message, out: &mut Vec<u8>) {
    out.clear();
    let mut w = Writer(std::mem::take(out), None);
    w.u8(MAGIC);
    w.message(msg);
    *out = w.0;
}

/// Like [`encode_into`], but the elements of arrays of at least [`DETACH_MIN`] bytes
/// (other than booleans) are not copied into `out`: they are returned, in the order
/// [`decode_attached`] will ask for them, as the message's own memory. On a big-endian
/// machine nothing is detached (the bytes would not be the encoding).
pub fn encode_detached<'m>(msg: &'m Message, out: &mut Vec<u8>) -> Vec<&'m [u8]> {
    out.clear();
    let mut w = Writer(std::mem::take(out), Some(Vec::new()));
    w.u8(MAGIC);
    w.message(msg);
    *out = w.0;
    let spans = w.1.unwrap_or_default();
    // SAFETY: each span is the address and length of the elements of a buffer inside
    // `msg` (`raw::native_bytes`), which `msg`'s shared borrow keeps alive and unchanged
    // for `'m`.
    spans.into_iter().map(|(ptr, len)| unsafe { std::slice::from_raw_parts(ptr as *const u8, len) }).collect()
}

/// What [`decode_attached`] calls for each detached run of elements: its element tag
/// (see `raw`) and count; it returns the elements as a buffer of that type and length.
pub type Attach<'f> = dyn FnMut(u8, usize) -> Result<super::Buffer, DecodeError> + 'f;

/// Decodes bytes produced by [`encode_detached`], taking each detached run of elements
/// from `attach`, in order.
pub fn decode_attached(bytes: &[u8], attach: &mut Attach<'_>) -> Result<Message, DecodeError> {
    decode_with(bytes, Some(attach))
}

/// Decodes bytes produced by [`encode`].
pub fn decode(bytes: &[u8]) -> Result<Message, DecodeError> {
    decode_with(bytes, None)
}

fn decode_with<'a>(bytes: &'a [u8], attach: Option<&'a mut Attach<'a>>) -> Result<Message, DecodeError> {
    let mut r = Reader { buf: bytes, pos: 0, attach };
    let magic = r.u8("magic byte")?;
    if magic != MAGIC {
        return Err(DecodeError::BadTag { what: "magic byte", tag: magic });
    }
    let msg = r.message()?;
    match bytes.len() - r.pos {
        0 => Ok(msg),
        n => Err(DecodeError::Trailing { bytes: n }),
    }
}

/// The bytes written, and (when detaching) the address and length of each run of
/// elements left out of them.
struct Writer(Vec<u8>, Option<Vec<(usize, usize)>>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    fn usize(&mut self, v: usize) {
        self.u64(v as u64);
    }

    /// A buffer's elements: a placement byte, the count, then (placement 0) the raw bytes,
    /// or (placement 1) nothing, the run being detached.
    fn elements(&mut self, data: &super::Buffer) {
        let detach = self.1.is_some() && data.len() * data.elem_bytes() >= DETACH_MIN;
        if let Some(bytes) = raw::native_bytes(data).filter(|_| detach) {
            self.u8(1);
            self.usize(data.len());
            self.1.get_or_insert_with(Vec::new).push((bytes.as_ptr() as usize, bytes.len()));
            return;
        }
        self.u8(0);
        self.usize(data.len());
        raw::write(&mut self.0, data);
    }

    fn value(&mut self, v: &Value) {
        match v {
            Value::Unit => self.u8(0),
            Value::Bool(b) => {
                self.u8(1);
                self.u8(*b as u8);
            }
            Value::Int(i) => {
                self.u8(2);
                self.u64(*i as u64);
            }
            Value::Float(x) => {
                self.u8(3);
                self.f64(*x);
            }
            Value::Str(s) => {
                self.u8(4);
                self.str(s);
            }
            Value::Char(c) => {
                self.u8(5);
                self.u32(*c as u32);
            }
            Value::Blob(b) => {
                self.u8(6);
                self.bytes(b);
            }
            Value::Array(items) => {
                self.u8(7);
                self.usize(items.len());
                items.iter().for_each(|v| self.value(v));
            }
            Value::Map(entries) => {
                self.u8(8);
                self.usize(entries.len());
                for (k, v) in entries {
                    self.str(k);
                    self.value(v);
                }
            }
            Value::FnPtr { name, curried } => {
                self.u8(9);
                self.str(name);
                self.usize(curried.len());
                curried.iter().for_each(|v| self.value(v));
            }
            Value::NdArray { shape, data } => {
                self.u8(10);
                self.usize(shape.len());
                shape.iter().for_each(|&n| self.usize(n));
                self.u8(raw::tag(data));
                self.elements(data);
            }
            // A typed list: its element type and count, then the elements as raw bytes,
            // exactly like an n-d array's (no per-element framing).
            Value::List(data) => {
                self.u8(11);
                self.u8(raw::tag(data));
                self.elements(data);
            }
        }
    }

    fn error(&mut self, e: &RemoteError) {
        self.usize(e.engine);
        self.str(&e.kind);
        self.str(&e.message);
        match e.position {
            None => self.u8(0),
            Some((line, col)) => {
                self.u8(1);
                self.u32(line);
                self.u32(col);
            }
        }
        self.usize(e.call_chain.len());
        e.call_chain.iter().for_each(|s| self.str(s));
    }

    fn message(&mut self, msg: &Message) {
        match msg {
            Message::Hello { version, host, pid } => {
                self.u8(0);
                self.u32(*version);
                self.str(host);
                self.u32(*pid);
            }
            Message::Request(req) => {
                self.u8(1);
                self.u64(req.id);
                self.usize(req.targets.len());
                req.targets.iter().for_each(|t| self.usize(*t));
                self.request_kind(&req.kind);
            }
            Message::Reply(rep) => {
                self.u8(2);
                self.u64(rep.request);
                self.usize(rep.engine);
                match &rep.outcome {
                    Ok(v) => {
                        self.u8(0);
                        self.value(v);
                    }
                    Err(e) => {
                        self.u8(1);
                        self.error(e);
                    }
                }
                self.f64(rep.started);
                self.f64(rep.elapsed);
            }
            Message::Output(out) => {
                self.u8(3);
                self.u64(out.request);
                self.usize(out.engine);
                self.u8(match out.stream {
                    Stream::Print => 0,
                    Stream::Debug => 1,
                });
                self.str(&out.text);
            }
            Message::Interrupt { up_to } => {
                self.u8(4);
                self.u64(*up_to);
            }
            Message::PeerDone { request, engines } => {
                self.u8(5);
                self.u64(*request);
                self.usize(engines.len());
                for (e, failed) in engines {
                    self.usize(*e);
                    self.u8(*failed as u8);
                }
            }
            Message::Shutdown => self.u8(6),
            Message::Goodbye { engine, reason } => {
                self.u8(7);
                self.usize(*engine);
                self.str(reason);
            }
            Message::Collective { request, seq, op, payload } => {
                self.u8(8);
                self.u64(*request);
                self.u64(*seq);
                self.str(op);
                match payload {
                    Ok(v) => {
                        self.u8(0);
                        self.value(v);
                    }
                    Err(e) => {
                        self.u8(1);
                        self.str(e);
                    }
                }
            }
            Message::User { value } => {
                self.u8(9);
                self.value(value);
            }
            Message::Malformed { reason } => {
                self.u8(10);
                self.str(reason);
            }
            Message::Plot(p) => {
                self.u8(11);
                self.u64(p.request);
                self.usize(p.engine);
                self.str(&p.kind);
                self.str(&p.title);
                self.str(&p.format);
                self.u32(p.width);
                self.u32(p.height);
                self.opt_str(p.file.as_deref());
                self.opt_str(p.note.as_deref());
                self.str(&p.preview);
                self.u8(p.force_preview as u8);
                self.bytes(&p.bytes);
            }
            Message::ItemFailed { request, item, error } => {
                self.u8(12);
                self.u64(*request);
                self.u64(*item);
                self.error(error);
            }
            Message::Dict(m) => {
                self.u8(dict::TAG);
                self.dict_msg(m);
            }
            // Status tags follow the dict's 20.
            Message::StatusQuery { query } => {
                self.u8(21);
                self.u64(*query);
            }
            Message::Status(st) => {
                self.u8(22);
                self.status(st);
            }
        }
    }

    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.u8(0),
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
        }
    }

    fn status(&mut self, st: &EngineStatus) {
        self.usize(st.engine);
        self.u64(st.query);
        match &st.running {
            None => self.u8(0),
            Some(a) => {
                self.u8(1);
                self.u64(a.request);
                self.str(&a.what);
                self.f64(a.seconds);
            }
        }
        self.usize(st.queued);
        match st.memory {
            None => self.u8(0),
            Some(m) => {
                self.u8(1);
                self.u64(m);
            }
        }
        self.usize(st.variables.len());
        for (name, ty) in &st.variables {
            self.str(name);
            self.str(ty);
        }
    }

    fn request_kind(&mut self, kind: &RequestKind) {
        match kind {
            RequestKind::Execute { code, origin } => {
                self.u8(0);
                self.str(code);
                self.str(origin);
            }
            RequestKind::Define { source } => {
                self.u8(1);
                self.str(source);
            }
            RequestKind::Push { vars } => {
                self.u8(2);
                self.usize(vars.len());
                for (k, v) in vars {
                    self.str(k);
                    self.value(v);
                }
            }
            RequestKind::Pull { names } => {
                self.u8(3);
                self.usize(names.len());
                names.iter().for_each(|n| self.str(n));
            }
            RequestKind::Reset => self.u8(4),
            RequestKind::Map { func, items, first } => {
                self.u8(5);
                self.value(func);
                self.u64(*first);
                self.usize(items.len());
                items.iter().for_each(|v| self.value(v));
            }
            RequestKind::Call { func, args } => {
                self.u8(6);
                self.value(func);
                self.usize(args.len());
                args.iter().for_each(|v| self.value(v));
            }
            RequestKind::Gather { name } => {
                self.u8(7);
                self.str(name);
            }
        }
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Where detached elements come from (none: a detached run is an error).
    attach: Option<&'a mut Attach<'a>>,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        if self.buf.len() - self.pos < n {
            return Err(DecodeError::Truncated { what });
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.take(1, what)?[0])
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.take(4, what)?.try_into().unwrap()))
    }
    fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.take(8, what)?.try_into().unwrap()))
    }
    fn f64(&mut self, what: &'static str) -> Result<f64, DecodeError> {
        Ok(f64::from_bits(self.u64(what)?))
    }
    fn bool(&mut self, what: &'static str) -> Result<bool, DecodeError> {
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            tag => Err(DecodeError::BadTag { what, tag }),
        }
    }
    /// A count of items that each take at least `min_item` bytes: checked against the
    /// bytes left, so a corrupt count cannot make us allocate.
    fn count(&mut self, min_item: usize, what: &'static str) -> Result<usize, DecodeError> {
        let n = self.u64(what)?;
        let left = (self.buf.len() - self.pos) as u64;
        if n.saturating_mul(min_item as u64) > left {
            return Err(DecodeError::Truncated { what });
        }
        Ok(n as usize)
    }
    fn bytes(&mut self, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let n = self.count(1, what)?;
        self.take(n, what)
    }
    fn string(&mut self, what: &'static str) -> Result<String, DecodeError> {
        let b = self.bytes(what)?;
        String::from_utf8(b.to_vec()).map_err(|_| DecodeError::BadText { what })
    }
    fn arc_str(&mut self, what: &'static str) -> Result<Arc<str>, DecodeError> {
        let b = self.bytes(what)?;
        std::str::from_utf8(b).map(Arc::from).map_err(|_| DecodeError::BadText { what })
    }
    fn usize(&mut self, what: &'static str) -> Result<usize, DecodeError> {
        Ok(self.u64(what)? as usize)
    }
    fn opt_string(&mut self, what: &'static str) -> Result<Option<String>, DecodeError> {
        Ok(if self.bool(what)? { Some(self.string(what)?) } else { None })
    }

    fn value(&mut self, depth: usize) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(DecodeError::TooDeep);
        }
        Ok(match self.u8("value tag")? {
            0 => Value::Unit,
            1 => Value::Bool(self.bool("bool")?),
            2 => Value::Int(self.u64("integer")? as i64),
            3 => Value::Float(self.f64("float")?),
            4 => Value::Str(self.string("string")?),
            5 => {
                let c = self.u32("char")?;
                Value::Char(char::from_u32(c).ok_or(DecodeError::BadText { what: "char" })?)
            }
            6 => Value::Blob(self.bytes("blob")?.to_vec()),
            7 => {
                let n = self.count(1, "array length")?;
                let mut items = reserve(n);
                for _ in 0..n {
                    items.push(self.value(depth + 1)?);
                }
                Value::Array(items)
            }
            8 => {
                let n = self.count(9, "map length")?;
                let mut entries = reserve(n);
                for _ in 0..n {
                    let k = self.string("map key")?;
                    entries.push((k, self.value(depth + 1)?));
                }
                Value::Map(entries)
            }
            9 => {
                let name = self.string("function name")?;
                let n = self.count(1, "curried arguments")?;
                let mut curried = reserve(n);
                for _ in 0..n {
                    curried.push(self.value(depth + 1)?);
                }
                Value::FnPtr { name, curried }
            }
            10 => self.ndarray()?,
            11 => self.list()?,
            tag => return Err(DecodeError::BadTag { what: "value", tag }),
        })
    }

    /// A count followed by that many values.
    fn values(&mut self, what: &'static str) -> Result<Vec<Value>, DecodeError> {
        let n = self.count(1, what)?;
        let mut items = reserve(n);
        for _ in 0..n {
            items.push(self.value(1)?);
        }
        Ok(items)
    }

    fn ndarray(&mut self) -> Result<Value, DecodeError> {
        let ndim = self.count(8, "array shape")?;
        let shape = (0..ndim).map(|_| self.usize("array extent")).collect::<Result<Vec<_>, _>>()?;
        let tag = self.u8("array element type")?;
        let data = self.elements(tag, "array elements")?;
        let expected = shape.iter().try_fold(1usize, |acc, &e| acc.checked_mul(e));
        // Zero-length axes aside, the extents must multiply to a size that can exist.
        let nonzero = shape.iter().filter(|&&e| e != 0).try_fold(1usize, |acc, &e| acc.checked_mul(e));
        if expected != Some(data.len()) || nonzero.is_none_or(|n| n > isize::MAX as usize) {
            return Err(DecodeError::BadShape { shape, elements: data.len() });
        }
        Ok(Value::NdArray { shape, data })
    }

    /// What [`Writer::elements`] wrote, for elements of type `tag`.
    fn elements(&mut self, tag: u8, what: &'static str) -> Result<super::Buffer, DecodeError> {
        let size = raw::elem_size(tag).ok_or(DecodeError::BadTag { what: "array element type", tag })?;
        match self.u8("element placement")? {
            0 => {
                let n = self.count(size, what)?;
                raw::read(tag, self.take(n * size, what)?)
            }
            1 => {
                let n = self.usize(what)?;
                let attach = self.attach.as_mut().ok_or(DecodeError::BadTag { what: "element placement", tag: 1 })?;
                let data = attach(tag, n)?;
                if data.len() != n || raw::tag(&data) != tag {
                    return Err(DecodeError::Truncated { what });
                }
                Ok(data)
            }
            placement => Err(DecodeError::BadTag { what: "element placement", tag: placement }),
        }
    }

    /// A typed list: floats, integers or booleans only (what `Value::List` holds).
    fn list(&mut self) -> Result<Value, DecodeError> {
        let tag = self.u8("list element type")?;
        if !matches!(tag, 0 | 2 | 4) {
            return Err(DecodeError::BadTag { what: "list element type", tag });
        }
        Ok(Value::List(self.elements(tag, "list elements")?))
    }

    fn error(&mut self) -> Result<RemoteError, DecodeError> {
        let engine = self.usize("engine")?;
        let kind = self.string("error kind")?;
        let message = self.string("error message")?;
        let position = if self.bool("position flag")? { Some((self.u32("line")?, self.u32("column")?)) } else { None };
        let n = self.count(8, "call chain")?;
        let call_chain = (0..n).map(|_| self.string("call chain")).collect::<Result<_, _>>()?;
        Ok(RemoteError { engine, kind, message, position, call_chain })
    }

    fn message(&mut self) -> Result<Message, DecodeError> {
        Ok(match self.u8("message tag")? {
            0 => Message::Hello { version: self.u32("version")?, host: self.string("host")?, pid: self.u32("pid")? },
            1 => {
                let id = self.u64("request id")?;
                let n = self.count(8, "targets")?;
                let targets = (0..n).map(|_| self.usize("target")).collect::<Result<_, _>>()?;
                let kind = self.request_kind()?;
                Message::Request(Request { id, targets, kind })
            }
            2 => {
                let request = self.u64("request id")?;
                let engine = self.usize("engine")?;
                let outcome = if self.bool("outcome flag")? { Err(self.error()?) } else { Ok(self.value(0)?) };
                let started = self.f64("start time")?;
                let elapsed = self.f64("elapsed time")?;
                Message::Reply(Reply { request, engine, outcome, started, elapsed })
            }
            3 => Message::Output(Output {
                request: self.u64("request id")?,
                engine: self.usize("engine")?,
                stream: match self.u8("stream")? {
                    0 => Stream::Print,
                    1 => Stream::Debug,
                    tag => return Err(DecodeError::BadTag { what: "stream", tag }),
                },
                text: self.string("output text")?,
            }),
            4 => Message::Interrupt { up_to: self.u64("request id")? },
            5 => {
                let request = self.u64("request id")?;
                let n = self.count(9, "engines")?;
                let engines =
                    (0..n)
                        .map(|_| Ok((self.usize("engine")?, self.bool("failed flag")?)))
                        .collect::<Result<_, DecodeError>>()?;
                Message::PeerDone { request, engines }
            }
            6 => Message::Shutdown,
            7 => Message::Goodbye { engine: self.usize("engine")?, reason: self.string("reason")? },
            8 => {
                let request = self.u64("request id")?;
                let seq = self.u64("sequence number")?;
                let op = self.string("operation")?;
                let payload =
                    if self.bool("payload flag")? { Err(self.string("collective error")?) } else { Ok(self.value(0)?) };
                Message::Collective { request, seq, op, payload }
            }
            9 => Message::User { value: self.value(0)? },
            10 => Message::Malformed { reason: self.string("reason")? },
            11 => Message::Plot(PlotImage {
                request: self.u64("request id")?,
                engine: self.usize("engine")?,
                kind: self.string("plot kind")?,
                title: self.string("plot title")?,
                format: self.string("plot format")?,
                width: self.u32("plot width")?,
                height: self.u32("plot height")?,
                file: self.opt_string("plot file")?,
                note: self.opt_string("plot note")?,
                preview: self.string("plot preview")?,
                force_preview: self.bool("preview flag")?,
                bytes: self.bytes("plot bytes")?.to_vec(),
            }),
            12 => Message::ItemFailed {
                request: self.u64("request id")?,
                item: self.u64("item index")?,
                error: self.error()?,
            },
            dict::TAG => Message::Dict(self.dict_msg()?),
            21 => Message::StatusQuery { query: self.u64("status query")? },
            22 => Message::Status(self.status()?),
            tag => return Err(DecodeError::BadTag { what: "message", tag }),
        })
    }

    fn status(&mut self) -> Result<EngineStatus, DecodeError> {
        let engine = self.usize("engine")?;
        let query = self.u64("status query")?;
        let running = if self.bool("running flag")? {
            Some(Activity {
                request: self.u64("request id")?,
                what: self.string("activity")?,
                seconds: self.f64("seconds")?,
            })
        } else {
            None
        };
        let queued = self.usize("queued requests")?;
        let memory = if self.bool("memory flag")? { Some(self.u64("memory")?) } else { None };
        let n = self.count(16, "variables")?;
        let variables = (0..n)
            .map(|_| Ok((self.string("variable name")?, self.string("variable type")?)))
            .collect::<Result<_, DecodeError>>()?;
        Ok(EngineStatus { engine, query, running, queued, memory, variables })
    }

    fn request_kind(&mut self) -> Result<RequestKind, DecodeError> {
        Ok(match self.u8("request kind")? {
            0 => RequestKind::Execute { code: self.arc_str("code")?, origin: self.string("origin")? },
            1 => RequestKind::Define { source: self.arc_str("source")? },
            2 => {
                let n = self.count(9, "variables")?;
                let vars = (0..n)
                    .map(|_| Ok((self.string("variable name")?, self.value(0)?)))
                    .collect::<Result<_, DecodeError>>()?;
                RequestKind::Push { vars }
            }
            3 => {
                let n = self.count(8, "names")?;
                let names = (0..n).map(|_| self.string("name")).collect::<Result<_, _>>()?;
                RequestKind::Pull { names }
            }
            4 => RequestKind::Reset,
            5 => {
                let func = self.value(0)?;
                let first = self.u64("first item")?;
                RequestKind::Map { func, first, items: self.values("items")? }
            }
            6 => {
                let func = self.value(0)?;
                RequestKind::Call { func, args: self.values("arguments")? }
            }
            7 => RequestKind::Gather { name: self.string("name")? },
            tag => return Err(DecodeError::BadTag { what: "request kind", tag }),
        })
    }
}

/// Peer numbering on the wire of a single world: 0 is the console, engine `e` is `e + 1`.
pub fn peer_to_rank(p: Peer) -> usize {
    match p {
        Peer::Console => 0,
        Peer::Engine(e) => e + 1,
    }
}

/// Inverse of [`peer_to_rank`].
pub fn rank_to_peer(rank: usize) -> Peer {
    match rank {
        0 => Peer::Console,
        r => Peer::Engine(r - 1),
    }
}

// DistDict's messages (`Message::Dict`).
#[path = "codec_dict.rs"]
mod dict;

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
