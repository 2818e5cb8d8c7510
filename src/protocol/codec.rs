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

use super::{Message, Peer};

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

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Where detached elements come from (none: a detached run is an error).
    attach: Option<&'a mut Attach<'a>>,
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

// The encoding and decoding halves.
#[path = "codec_read.rs"]
mod read;
#[path = "codec_write.rs"]
mod write;

// DistDict's messages (`Message::Dict`).
#[path = "codec_dict.rs"]
mod dict;

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
