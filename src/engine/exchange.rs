//! All-to-all exchange among the engines: each engine hands one batch of values to every
//! engine (itself included) and receives one batch from each, in rank order. The BSP
//! superstep (`bsp::superstep`) and MapReduce's shuffle (`mr::run`) are built on it.
//!
//! An exchange is a collective (`engine::collectives`) without a root: it takes the
//! request's next collective number, and every engine sends each peer its batch as a
//! `Message::Collective` naming the operation, straight over the transport (moved on
//! threads, encoded with big arrays as raw bytes over MPI); a batch for this engine
//! itself never leaves it. Because exchanges and `barrier`/`allreduce`/... count
//! together, engines that call different ones at the same point get an error naming
//! both calls instead of a hang, and what an abandoned exchange left behind is dropped
//! with its request (`State::finish`), never read by a later one; user mail
//! (`send`/`recv`) is a separate queue and never mixes in. An engine that leaves the
//! request without joining makes the exchange fail with an error naming it. Waits go
//! through [`State::wait_for`], so interrupts end them; an engine that never arrives
//! because it waits for something else (a `recv` nobody answers) is a deadlock only an
//! interrupt ends, as with any collective.

use super::collectives::engine_list;
use super::state::{State, WaitError};
use crate::protocol::{Message, Peer, Value};

impl State {
    /// Sends `outgoing[e]` to engine `e` for every engine and returns what each engine
    /// sent to this one, in rank order. `what` names the operation in messages
    /// (`"bsp::superstep()"`); every engine of the request must call it with the same name.
    pub fn exchange(&mut self, what: &str, outgoing: Vec<Vec<Value>>) -> Result<Vec<Vec<Value>>, WaitError> {
        let n = self.engines;
        assert_eq!(outgoing.len(), n, "one batch per engine");
        // Dict writes made before an exchange have landed when it ends, as for a collective.
        self.settle_dicts()?;
        let (request, seq) = match self.current.as_mut() {
            Some(c) => {
                let mut sorted = c.targets.clone();
                sorted.sort_unstable();
                if sorted != (0..n).collect::<Vec<_>>() {
                    return Err(WaitError::Failed(format!(
                        "{what} is collective over all {n} engines, but this request runs on engine {}",
                        engine_list(&c.targets)
                    )));
                }
                c.collectives += 1;
                (c.id, c.collectives)
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
            let msg = Message::Collective { request, seq, op: what.to_string(), payload: Ok(Value::Array(batch)) };
            self.transport
                .send(Peer::Engine(dest), msg)
                .map_err(|err| WaitError::Failed(format!("{what}: engine {me}: {err}")))?;
        }
        let others: Vec<usize> = (0..n).filter(|&e| e != me).collect();
        self.wait_for(|s| {
            // A peer in another operation (its batch, or a root's verdict) is an error at
            // once, confirmed after the wait's grace like every failure.
            for &e in &others {
                if let Some((op, _)) = s.collective_mail.get(&(request, seq, e)).filter(|(op, _)| op != what) {
                    return Some(Err(disagree(what, me, e, op)));
                }
            }
            s.collective_arrived(request, seq, &others, what)
        })?;
        let mut incoming = Vec::with_capacity(n);
        for src in 0..n {
            if src == me {
                incoming.push(std::mem::take(&mut mine));
                continue;
            }
            let (op, payload) = self.collective_mail.remove(&(request, seq, src)).expect("checked above");
            incoming.push(open(what, me, src, &op, payload)?);
        }
        Ok(incoming)
    }
}

/// The batch engine `src` sent for operation `op`, or why it is not the batch expected.
fn open(what: &str, me: usize, src: usize, op: &str, payload: Result<Value, String>) -> Result<Vec<Value>, WaitError> {
    if op != what {
        return Err(WaitError::Failed(disagree(what, me, src, op)));
    }
    match payload {
        Ok(Value::Array(batch)) => Ok(batch),
        Ok(_) => Err(WaitError::Failed(format!("{what}: a malformed batch from engine {src}"))),
        Err(msg) => Err(WaitError::Failed(msg)),
    }
}

fn disagree(what: &str, me: usize, src: usize, op: &str) -> String {
    format!("engines disagree: engine {me} called {what} while engine {src} called {op}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_open_and_disagreements_are_named() {
        let batch = || Ok(Value::Array(vec![Value::Int(4)]));
        assert_eq!(open("mr::run()", 0, 1, "mr::run()", batch()).unwrap(), vec![Value::Int(4)]);
        assert_eq!(
            open("mr::run()", 0, 1, "bsp::superstep()", batch()),
            Err(WaitError::Failed(
                "engines disagree: engine 0 called mr::run() while engine 1 called bsp::superstep()".into()
            ))
        );
        // A root's verdict (barrier's "engines disagree") passes through as it is.
        assert_eq!(open("x", 2, 1, "x", Err("why".into())), Err(WaitError::Failed("why".into())));
        assert!(
            matches!(open("x", 2, 1, "x", Ok(Value::Int(7))), Err(WaitError::Failed(m)) if m.contains("malformed"))
        );
    }
}
