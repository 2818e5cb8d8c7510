//! What a request comes to at the console: its values or one [`CompositeError`], and
//! the errors and notices of the client itself.

use crate::protocol::{RemoteError, Reply, Value};
use std::sync::Arc;

/// The errors of one request, from every engine that failed it.
#[derive(Debug, Clone, PartialEq)]
pub struct CompositeError {
    /// What was run ("px", a file name...) and its code, for carets.
    pub origin: String,
    pub code: Option<Arc<str>>,
    /// How many engines ran the request.
    pub engines: usize,
    pub errors: Vec<RemoteError>,
}

/// Why the client could not start or go on.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ClientError {
    /// An engine did not say hello in time, or spoke another protocol version.
    Handshake(String),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Handshake(m) => write!(f, "engines did not start: {m}"),
        }
    }
}

impl std::error::Error for ClientError {}

/// Something the person at the console should hear about, outside any one request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Notice {
    /// An engine is gone (its thread died, or it sent garbage); `reason` says why.
    EngineLost { engine: usize, reason: String },
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Notice::EngineLost { engine, reason } => write!(f, "engine {engine} is gone: {reason}"),
        }
    }
}

/// The reply that stands for one from an engine that is gone.
pub(super) fn lost_reply(request: u64, engine: usize, reason: &str) -> Reply {
    let error = RemoteError {
        engine,
        kind: "EngineLost".into(),
        message: format!("engine {engine} is gone: {reason}"),
        position: None,
        call_chain: vec![],
    };
    Reply { request, engine, outcome: Err(error), started: 0.0, elapsed: 0.0 }
}

/// The values of `replies`, or all their errors as one composite error.
pub fn collect(replies: Vec<Reply>, origin: &str, code: Option<Arc<str>>) -> Result<Vec<Value>, CompositeError> {
    let engines = replies.len();
    let mut values = Vec::with_capacity(engines);
    let mut errors = Vec::new();
    for r in replies {
        match r.outcome {
            Ok(v) => values.push(v),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(CompositeError { origin: origin.to_string(), code, engines, errors })
    }
}
