//! All-to-all exchange among the engines: each engine hands one batch of values to every
//! engine (itself included) and receives one batch from each, in rank order. The BSP
//! superstep (`bsp::superstep`) and MapReduce's shuffle (`mr::run`) are built on it.
//!
//! The batches travel as point-to-point user messages (`Message::User`, the mail `recv`
//! reads), each wrapped in an envelope that names the exchange, so there is no root and
//! no engine forwards another's data. Every engine sends one envelope to every other
//! engine per exchange, and messages from one engine arrive in the order sent, so the
//! k-th envelope from an engine is its part of the k-th exchange. An engine whose next
//! mail from a peer is not an envelope (a `send` no `recv` took), or names another
//! operation, ends the exchange with an error naming both; an engine that leaves the
//! request without joining makes it fail, as in a collective. Waits go through
//! [`State::wait_for`], so interrupts end them.

use super::state::{State, WaitError};
use crate::protocol::Value;

/// Marks an exchange envelope (a user `send` cannot make a string starting with NUL by
/// accident).
const TAG: &str = "\u{0}exchange";

impl State {
    /// Sends `outgoing[e]` to engine `e` for every engine and returns what each engine
    /// sent to this one, in rank order. `what` names the operation in messages
    /// (`"bsp::superstep()"`); every engine of the request must call it with the same name.
    pub fn exchange(&mut self, what: &str, outgoing: Vec<Vec<Value>>) -> Result<Vec<Vec<Value>>, WaitError> {
        let n = self.engines;
        assert_eq!(outgoing.len(), n, "one batch per engine");
        let request = match &self.current {
            Some(c) => {
                let mut sorted = c.targets.clone();
                sorted.sort_unstable();
                if sorted != (0..n).collect::<Vec<_>>() {
                    return Err(WaitError::Failed(format!(
                        "{what} is collective over all {n} engines, but this request runs on engine {}",
                        super::collectives::engine_list(&c.targets)
                    )));
                }
                c.id
            }
            None => return Err(WaitError::Failed(format!("{what} can only run inside a request"))),
        };
        let me = self.id;
        let mut mine = Vec::new();
        for (dest, batch) in outgoing.into_iter().enumerate() {
            if dest == me {
                mine = batch;
                continue;
            }
            let envelope = Value::Array(vec![Value::Str(TAG.into()), Value::Str(what.into()), Value::Array(batch)]);
            self.send_user(envelope, dest as i64)?;
        }
        let mut incoming = Vec::with_capacity(n);
        for src in 0..n {
            if src == me {
                incoming.push(std::mem::take(&mut mine));
                continue;
            }
            let got = self.wait_for(|s| {
                if let Some(v) = s.user_mail.get_mut(&src).and_then(|q| q.pop_front()) {
                    return Some(Ok(v));
                }
                s.peer_left(request, src).map(|failed| {
                    let how =
                        if failed { "failed before joining it" } else { "finished this request without joining it" };
                    Err(format!("{what}: engine {src} {how}"))
                })
            })?;
            incoming.push(open(what, me, src, got)?);
        }
        Ok(incoming)
    }
}

/// The batch inside an envelope from `src`, or why `got` is not the envelope expected.
fn open(what: &str, me: usize, src: usize, got: Value) -> Result<Vec<Value>, WaitError> {
    if let Value::Array(mut parts) = got {
        if parts.len() == 3 && parts[0] == Value::Str(TAG.into()) {
            let batch = parts.pop().expect("three parts");
            let op = parts.pop().expect("three parts");
            return match (op, batch) {
                (Value::Str(op), Value::Array(batch)) if op == what => Ok(batch),
                (Value::Str(op), _) => Err(WaitError::Failed(format!(
                    "engines disagree: engine {me} called {what} while engine {src} called {op}"
                ))),
                _ => Err(WaitError::Failed(format!("{what}: a malformed batch from engine {src}"))),
            };
        }
    }
    Err(WaitError::Failed(format!(
        "{what}: engine {src} sent engine {me} a value with send() that no recv() took before {what}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_open_and_strangers_are_named() {
        let env = |op: &str| {
            Value::Array(vec![Value::Str(TAG.into()), Value::Str(op.into()), Value::Array(vec![Value::Int(4)])])
        };
        assert_eq!(open("mr::run()", 0, 1, env("mr::run()")).unwrap(), vec![Value::Int(4)]);
        match open("mr::run()", 0, 1, env("bsp::superstep()")) {
            Err(WaitError::Failed(m)) => {
                assert_eq!(m, "engines disagree: engine 0 called mr::run() while engine 1 called bsp::superstep()")
            }
            _ => panic!("expected a disagreement"),
        }
        match open("bsp::superstep()", 2, 1, Value::Int(7)) {
            Err(WaitError::Failed(m)) => {
                assert!(m.contains("engine 1 sent engine 2 a value with send() that no recv() took"), "{m}")
            }
            _ => panic!("expected a stranger"),
        }
    }
}
