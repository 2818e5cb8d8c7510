//! The messages that console and engines exchange, as plain data.
//!
//! This module owns the *shape* of every message (one enum, [`Message`], for every
//! direction) and, in [`codec`], their one exact byte encoding. It does no I/O and knows
//! nothing of Rhai: scripts' values cross as [`Value`], which `bindings::convert` maps to
//! and from Rhai's `Dynamic`. The threads transport moves these structs through channels
//! without encoding them; the MPI transport encodes them with [`codec`].
//!
//! Conversation:
//! - console → engine: [`Message::Hello`] first (carries [`VERSION`]), then
//!   [`Message::Request`]s, [`Message::Interrupt`], [`Message::PeerDone`] and finally
//!   [`Message::Shutdown`].
//! - engine → console: [`Message::Hello`] (with host and pid), [`Message::Output`] and
//!   [`Message::Plot`] while a request runs, [`Message::ItemFailed`] for failed items of a
//!   map, one [`Message::Reply`] per request, [`Message::Goodbye`] if it dies.
//! - console → engine → console, at any time: [`Message::StatusQuery`], answered at once
//!   (from the progress loop while busy) with [`Message::Status`].
//! - engine ↔ engine: [`Message::Collective`] and [`Message::User`].
//! - anyone ↔ engine: [`Message::Dict`] (see [`DictMsg`]).

pub mod codec;
mod dict;
pub mod raw;
mod value;

use std::sync::Arc;

pub use dict::{DictAnswer, DictFailure, DictKey, DictMode, DictMsg, DictOp, DictStatus, WriteOp};
pub use value::{list_item, Buffer, SharedElems, Value};

/// Protocol version, checked in the first message of every conversation.
pub const VERSION: u32 = 1;

/// Who sent or receives a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Peer {
    Console,
    Engine(usize),
}

/// Every message of the protocol.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// The opening message. From the console: `host`/`pid` are the console's.
    Hello { version: u32, host: String, pid: u32 },
    /// Work for an engine.
    Request(Request),
    /// The end of one request on one engine.
    Reply(Reply),
    /// Text printed by a script while a request runs.
    Output(Output),
    /// Stop every request with an id `<= up_to` (running or queued).
    Interrupt { up_to: u64 },
    /// The console tells engines still running `request` that these engines have left
    /// it (`failed` = they left with an error), so collectives waiting for them fail.
    PeerDone { request: u64, engines: Vec<(usize, bool)> },
    /// End the engine loop.
    Shutdown,
    /// An engine ends abnormally (its loop died); `reason` says why.
    Goodbye { engine: usize, reason: String },
    /// One step of a collective operation between engines. `seq` counts the
    /// collectives of this request on every engine; `op` names the operation so that
    /// mismatched calls are detected; `payload` is a contribution or a result.
    Collective { request: u64, seq: u64, op: String, payload: Result<Value, String> },
    /// A point-to-point message from `send(v, dest)`.
    User { value: Value },
    /// A message that could not be decoded; `reason` says why.
    Malformed { reason: String },
    /// A picture an engine drew while a request ran, for the console to save and show.
    Plot(PlotImage),
    /// One item of a [`RequestKind::Map`] failed (`item` is its index in the whole
    /// map). Sent before the request's reply; the other items go on.
    ItemFailed { request: u64, item: u64, error: RemoteError },
    /// DistDict traffic between a dict's users and the engines that own its keys.
    Dict(DictMsg),
    /// The console asks an engine what it is doing (`%status`, `%who`, completion). The
    /// engine answers from its progress loop, so a busy engine answers too.
    StatusQuery { query: u64 },
    /// An engine's answer to [`Message::StatusQuery`].
    Status(EngineStatus),
}

/// A request from the console to an engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub id: u64,
    /// Every engine this request was sent to, in target order.
    pub targets: Vec<usize>,
    pub kind: RequestKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RequestKind {
    /// Run `code`; `origin` names it in errors (e.g. "px" or a file name).
    Execute { code: Arc<str>, origin: String },
    /// Compile `source` and keep its functions in the engine's library.
    Define { source: Arc<str> },
    /// Set variables in the engine's namespace.
    Push { vars: Vec<(String, Value)> },
    /// Read variables from the engine's namespace (an array of values).
    Pull { names: Vec<String> },
    /// Forget every variable and function.
    Reset,
    /// Call `func` (a [`Value::FnPtr`]) on each of `items`; the reply is the array of
    /// results. `first` is the index of `items[0]` in the whole map, so failures
    /// ([`Message::ItemFailed`]) name the item. If some items failed the reply is an
    /// error of kind "ItemsFailed" after every item has run.
    Map { func: Value, items: Vec<Value>, first: u64 },
    /// Call `func` once with `args`; the reply is its result.
    Call { func: Value, args: Vec<Value> },
    /// This engine's piece of variable `name` for `gather`.
    Gather { name: String },
}

/// What an engine answers to one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub request: u64,
    pub engine: usize,
    pub outcome: Result<Value, RemoteError>,
    /// Wall-clock start, seconds since the Unix epoch.
    pub started: f64,
    /// Seconds the request ran on the engine.
    pub elapsed: f64,
}

/// An error raised on an engine, flattened so it can travel.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteError {
    pub engine: usize,
    /// A short class: "ParseError", "RuntimeError", "Interrupted", "Panic", ...
    pub kind: String,
    pub message: String,
    /// 1-based (line, column) in the snippet, when known.
    pub position: Option<(u32, u32)>,
    /// Script functions that were being called, outermost first.
    pub call_chain: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// `print(...)`
    Print,
    /// `debug(...)`
    Debug,
}

/// What an engine says about itself when asked (`Message::StatusQuery`).
#[derive(Debug, Clone, PartialEq)]
pub struct EngineStatus {
    pub engine: usize,
    /// The query this answers.
    pub query: u64,
    /// The request running now, if any.
    pub running: Option<Activity>,
    /// Requests waiting behind it.
    pub queued: usize,
    /// Resident memory of the engine's process in bytes, when the system tells.
    pub memory: Option<u64>,
    /// The engine's variables and their types, as of its last finished request.
    pub variables: Vec<(String, String)>,
}

/// The request an engine is running.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub request: u64,
    /// A short description: the first line of the code, or the kind of request.
    pub what: String,
    /// Seconds since it started.
    pub seconds: f64,
}

/// Printed text from an engine, tagged with the request that produced it.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub request: u64,
    pub engine: usize,
    pub stream: Stream,
    pub text: String,
}

/// An encoded picture made on an engine (by `plot`, `scatter`, `hist` or `imshow`), sent
/// to the console as raw bytes. The protocol does not look inside `bytes`.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotImage {
    pub request: u64,
    pub engine: usize,
    /// The function that made it: "plot", "scatter", "hist" or "imshow".
    pub kind: String,
    /// The plot's title ("" if none).
    pub title: String,
    /// The file format of `bytes`: "png" or "svg".
    pub format: String,
    pub width: u32,
    pub height: u32,
    /// Where the user asked the console to save it; `None`: the console's default.
    pub file: Option<String>,
    /// Something to tell the user, e.g. "skipped 3 non-finite values".
    pub note: Option<String>,
    /// A text rendering for the terminal ("" if the user asked for none).
    pub preview: String,
    /// Show `preview` even where the console would not (not at a terminal).
    pub force_preview: bool,
    /// The encoded image.
    pub bytes: Vec<u8>,
}
