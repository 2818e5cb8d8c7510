//! The messages of DistDict, the distributed dictionary, as plain data.
//!
//! They travel inside [`Message::Dict`](super::Message::Dict) between whoever uses a dict
//! (an engine or the console) and the engines that own its keys. This module fixes their
//! shape only; what they mean (hashing, owners, SPMD and MPMD access) belongs to
//! `distdict`, and their bytes to `codec` (`codec_dict.rs`).
//!
//! Conversation, for a dict known by its id (chosen when the engines created it):
//! - [`DictMsg::Request`] asks one owner a question (`id` chosen by the asker); the owner
//!   answers the sender with one [`DictMsg::Reply`] of the same `id`. The reply goes to
//!   the peer the transport names as the request's sender, so no address travels.
//! - [`DictMsg::Write`] carries writes to apply in order. With `ack: Some(id)` the owner
//!   answers with [`DictAnswer::Written`] after applying them, listing every write from
//!   that sender it refused since its last acknowledgement: that is how a flush works.
//! - [`DictMsg::Push`] is an SPMD owner's answer to an operation every engine ran, sent
//!   to every other engine without being asked.

use super::Value;

/// A dictionary key. The derived order (booleans, then integers, then characters, then
/// strings; each in its natural order, strings by code points) is the order of keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DictKey {
    Bool(bool),
    Int(i64),
    Char(char),
    Str(String),
}

/// How a dict is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DictMode {
    /// Any engine, or the console, reads and writes any key at any time.
    Mpmd,
    /// Every engine runs the same operations; only the owner of a key stores it.
    Spmd,
}

impl DictMode {
    /// "mpmd" or "spmd", as scripts spell it.
    pub fn name(self) -> &'static str {
        match self {
            DictMode::Mpmd => "mpmd",
            DictMode::Spmd => "spmd",
        }
    }
}

/// One write, applied at the key's owner.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOp {
    /// `d[key] = value`.
    Set { key: DictKey, value: Value },
    /// `d.add(key, amount)`: the key's number plus `amount` (an int or a float), from 0.
    Add { key: DictKey, amount: Value },
}

/// A question to the engine that owns keys of a dict.
#[derive(Debug, Clone, PartialEq)]
pub enum DictOp {
    /// Which dict is called `name` (asked of any engine; `dict` is ignored).
    Open { name: String },
    /// The values of these keys (`None` for a missing key), in the order asked.
    Get { keys: Vec<DictKey> },
    /// Whether the key is present.
    Contains { key: DictKey },
    /// Removes the key; answers its value (`None` if it was missing).
    Remove { key: DictKey },
    /// How many keys this owner holds.
    Len,
    /// This owner's keys in order, with their values if `values`.
    Entries { values: bool },
    /// Removes every key this owner holds.
    Clear,
    /// Every dict this engine holds a part of, with its key count (`dict` is ignored).
    Status,
}

/// One dict's part on one engine, for `%status`.
#[derive(Debug, Clone, PartialEq)]
pub struct DictStatus {
    pub name: String,
    pub mode: DictMode,
    pub keys: u64,
    /// Approximate memory the part takes.
    pub bytes: u64,
}

/// An owner's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum DictAnswer {
    Done,
    /// Writes up to an acknowledgement have been applied. `total` of them were refused
    /// since the last acknowledgement; the first few are listed, each with its dict's id
    /// and why (the text does not name the dict: the writer does).
    Written {
        refused: Vec<(u64, String)>,
        total: u64,
    },
    Opened {
        dict: u64,
        name: String,
        mode: DictMode,
    },
    Values(Vec<Option<Value>>),
    Flag(bool),
    Count(u64),
    Keys(Vec<DictKey>),
    Items(Vec<(DictKey, Value)>),
    Status(Vec<DictStatus>),
}

/// Why an owner could not answer.
#[derive(Debug, Clone, PartialEq)]
pub enum DictFailure {
    /// The engine has no dict with this id: it was reset or restarted since.
    UnknownDict,
    /// No dict has the name asked for by [`DictOp::Open`]; these exist.
    UnknownName { known: Vec<String> },
}

/// A DistDict message.
#[derive(Debug, Clone, PartialEq)]
pub enum DictMsg {
    Request {
        id: u64,
        dict: u64,
        op: DictOp,
    },
    Write {
        dict: u64,
        ops: Vec<WriteOp>,
        ack: Option<u64>,
    },
    Reply {
        id: u64,
        outcome: Result<DictAnswer, DictFailure>,
    },
    /// SPMD: the answer to the `seq`-th pushed operation of `request`; `what` says which
    /// operation it was (e.g. `d["a"]`), so engines that ran different ones can tell.
    Push {
        request: u64,
        seq: u64,
        what: String,
        outcome: Result<DictAnswer, String>,
    },
}
