//! DistDict: a dictionary whose keys are spread over the engines.
//!
//! Plain Rust, no Rhai and no console: the bindings (`bindings::distdict`) convert script
//! values and call the operations here; the engine (`engine::dicts`) and the client
//! (`client::dicts`) provide the [`Link`] they run over.
//!
//! # Keys, owners, order
//! Keys are strings, integers, booleans and characters ([`Key`]). Each key has one
//! owner, `key::hash(key) % engines`, a hash with no random seed, so every process on
//! every run agrees ([`key`]). Only the owner stores the key, in its [`store::Store`],
//! whose memory is accounted and capped ([`memory`]). `keys()`, `values()` and `items()`
//! list keys in one fixed order: booleans, integers, characters, then strings, each in
//! its natural order (strings by code points), so results are deterministic.
//!
//! # MPMD mode (the default): [`access`]
//! Any engine, or the console, reads and writes any key at any time. A read is a
//! request to the owner, answered from the owner's progress loop, so it is served while
//! the owner runs a long script, waits in a collective or sits idle.
//! - On engines, writes (`d[k] = v`, `d.add`, `set_many`) are asynchronous: the owner's
//!   writes apply at once, the others are buffered per owner ([`outbox`]) and sent in
//!   batches: when a batch is large, when it is 2 ms old (checked by the progress loop),
//!   before any other message to that owner, at `d.flush()`, before a collective and at
//!   the end of the request. Messages between two peers keep their order, so writes from
//!   one engine are applied in the order issued and an engine reads its own writes.
//!   `d.flush()`, every collective (so `barrier()`) and the end of each request wait
//!   until the owners acknowledge the writes sent so far: after them, everyone sees them.
//!   A write an owner refused (memory, `add` to a string) is reported at the next flush,
//!   operation on that dict, or the end of the request, whichever comes first. At most
//!   [`outbox::WINDOW`] bytes of writes to one owner are in flight unacknowledged, which
//!   bounds the owner's inbox and reports refusals promptly.
//! - At the console, writes wait for the owner's acknowledgement (one round trip), so a
//!   refused write is an error of the statement that made it.
//! - Concurrent writes to one key: the owner applies them in arrival order; the last one
//!   wins whole (a value is replaced in one step, never torn).
//!
//! # SPMD mode: [`spmd`]
//! Every engine runs the same dict operations in the same order (inside one request on
//! every engine). A write is stored by the owner and skipped by the others: no message.
//! A read is answered by the owner, which pushes the answer to every other engine
//! without being asked; the others wait for that push (one message per other engine per
//! read). Whole-dict reads (`len`, `keys`, `items`) are pushed by every engine to every
//! other. Pushes carry the request id, a sequence number and the operation's text, so
//! engines that ran different operations get an error naming both.
//!
//! # Creation and names
//! `dd::new` is collective over all engines ([`registry`]): they agree on the name, the
//! mode and a fresh 64-bit id. Handles carry the id; an engine asked about an id it does
//! not know (reset or restarted since) answers so, and the handle's user gets an error.

pub mod access;
pub mod key;
pub mod memory;
pub mod node;
pub mod outbox;
pub mod registry;
pub mod shard;
pub mod slot;
pub mod spmd;
pub mod store;

pub use key::Key;
pub use node::Node;

use crate::protocol::{DictAnswer, DictFailure, DictMode, DictMsg, Peer};
use std::sync::Arc;

/// A handle to a dict: what a script holds in `let d = dd::new(..)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Handle {
    pub id: u64,
    pub name: Arc<str>,
    pub mode: DictMode,
    /// The number of engines (keys are spread over all of them).
    pub engines: usize,
}

/// What goes wrong with a dict operation.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DictError {
    /// `d[k]` of a key that is not there.
    MissingKey { dict: String, key: String },
    /// A key of a type that cannot be a key; `what` describes it ("a float (1.5)").
    BadKey { dict: String, what: String },
    /// `dd::open` of a name no dict has; `known` are the names that exist.
    UnknownName { name: String, known: Vec<String> },
    /// `dd::new` of a name that is taken.
    NameTaken { name: String },
    /// The dict's engine no longer has it: reset or restarted since the handle was made.
    Gone { dict: String, engine: usize },
    /// Writes an owner refused: how many, and why the first was.
    Refused { dict: String, count: u64, first: String },
    /// A value that cannot be stored, and why.
    CannotTravel { dict: String, key: String, why: String },
    /// An SPMD operation in a request that does not run on every engine.
    SpmdNeedsAll { dict: String, running: String },
    /// SPMD engines that ran different operations at the same point.
    SpmdDisagree { dict: String, seq: u64, engine: usize, theirs: String, me: usize, mine: String },
    /// An SPMD owner that left the request before answering.
    SpmdLeft { dict: String, engine: usize, failed: bool, what: String },
    /// The engine that owns the keys is gone.
    Lost { dict: String, engine: usize, reason: String },
    /// A wrong argument or a call in the wrong place; the text says which.
    Usage(String),
    /// The wait was interrupted.
    Interrupted,
    /// A wait or send that failed; the text says why.
    Failed(String),
}

impl From<crate::interrupt::Interrupted> for DictError {
    fn from(_: crate::interrupt::Interrupted) -> DictError {
        DictError::Interrupted
    }
}

impl std::fmt::Display for DictError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DictError::MissingKey { dict, key } => write!(f, "dict '{dict}' has no key {key}"),
            DictError::BadKey { dict, what } => write!(
                f,
                "dict '{dict}': a key must be a string, an integer, a boolean or a character, not {what}"
            ),
            DictError::UnknownName { name, known } if known.is_empty() => write!(
                f,
                "dd::open: there is no dict named '{name}' (there are no dicts: engines create one with dd::new(\"{name}\"))"
            ),
            DictError::UnknownName { name, known } => {
                write!(f, "dd::open: there is no dict named '{name}' (dicts: {})", known.join(", "))
            }
            DictError::NameTaken { name } => write!(
                f,
                "dd::new: a dict named '{name}' already exists; dd::open(\"{name}\") gives a handle to it"
            ),
            DictError::Gone { dict, engine } => write!(
                f,
                "dict '{dict}' no longer exists: engine {engine} was reset or restarted after this handle was made"
            ),
            DictError::Refused { dict, count: 1, first } => write!(f, "dict '{dict}': a write was refused: {first}"),
            DictError::Refused { dict, count, first } => {
                write!(f, "dict '{dict}': {count} writes were refused; the first: {first}")
            }
            DictError::CannotTravel { dict, key, why } => {
                write!(f, "dict '{dict}': the value for key {key} cannot be stored: {why}")
            }
            DictError::SpmdNeedsAll { dict, running } => write!(
                f,
                "dict '{dict}' is in SPMD mode, where every engine runs each of its operations, but this request runs on engine {running} only; use mode \"mpmd\" to reach it from some engines"
            ),
            DictError::SpmdDisagree { dict, seq, engine, theirs, me, mine } => write!(
                f,
                "dict '{dict}' (SPMD): engines disagree at operation {seq}: engine {engine} ran {theirs} while engine {me} ran {mine}"
            ),
            DictError::SpmdLeft { dict, engine, failed: true, what } => {
                write!(f, "dict '{dict}' (SPMD): engine {engine} failed before running {what}")
            }
            DictError::SpmdLeft { dict, engine, failed: false, what } => {
                write!(f, "dict '{dict}' (SPMD): engine {engine} finished this request without running {what}")
            }
            DictError::Lost { dict, engine, reason } => write!(f, "dict '{dict}': engine {engine} is gone: {reason}"),
            DictError::Usage(m) | DictError::Failed(m) => write!(f, "{m}"),
            DictError::Interrupted => write!(f, "interrupted"),
        }
    }
}

impl std::error::Error for DictError {}

/// An owner's answer to one request.
pub type Outcome = Result<DictAnswer, DictFailure>;

/// What dict operations need from the side they run on: an engine (its `State`) or the
/// console (its `Client`).
pub trait Link {
    /// Who this side is.
    fn me(&self) -> Peer;
    /// How many engines there are.
    fn engines(&self) -> usize;
    /// Sends `msg` to engine `to` (never this side itself).
    fn send(&mut self, to: usize, msg: DictMsg) -> Result<(), DictError>;
    /// A fresh id for a request from this side.
    fn new_id(&mut self) -> u64;
    /// Waits for the replies to these (engine, id) requests, keeping this side's inbox
    /// moving (so an engine serves others meanwhile) and ending on an interrupt.
    fn wait_replies(&mut self, dict: &str, ids: &[(usize, u64)]) -> Result<Vec<Outcome>, DictError>;
    /// This engine's dict state; `None` on the console.
    fn node(&mut self) -> Option<&mut Node>;
}

/// What SPMD operations need beyond [`Link`] (engines only).
pub trait SpmdLink: Link {
    /// The (request, sequence number) of the next SPMD operation on `h`, after checking
    /// that the running request runs on every engine.
    fn ticket(&mut self, h: &Handle) -> Result<(u64, u64), DictError>;
    /// Waits for the pushes of operation (`request`, `seq`) from each of `from`.
    fn wait_pushes(
        &mut self,
        h: &Handle,
        ticket: (u64, u64),
        from: &[usize],
        what: &str,
    ) -> Result<Vec<Result<DictAnswer, String>>, DictError>;
}
