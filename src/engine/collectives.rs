//! Collectives and point-to-point messages between engines, over the transport.
//!
//! Every collective runs over all engines and follows one pattern: each engine sends its
//! contribution to the root, the root combines them in rank order (so results are the
//! same bits on every run and transport) and sends the result, or an error, back. A
//! collective names its operation in its messages, so engines that disagree (one in
//! `barrier`, another in `allreduce`) get an error naming both calls instead of a hang.
//! An engine that leaves the request without joining ends the collective with an error
//! naming it. Every wait goes through [`State::wait_for`], so interrupts end it.

use super::reduce::{self, ReduceOp};
use super::state::{State, WaitError};
use crate::protocol::{Message, Peer, Value};

/// The collective operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collective {
    Barrier,
    Bcast { root: usize },
    Allreduce(ReduceOp),
    Allgather,
}

impl Collective {
    /// How the call reads in messages: `barrier()`, `allreduce(sum)`...
    pub fn call(self) -> String {
        match self {
            Collective::Barrier => "barrier()".into(),
            Collective::Bcast { root } => format!("bcast(root {root})"),
            Collective::Allreduce(op) => format!("allreduce({})", op.name()),
            Collective::Allgather => "allgather()".into(),
        }
    }

    fn root(self) -> usize {
        match self {
            Collective::Bcast { root } => root,
            _ => 0,
        }
    }
}

/// "0", "0,2" or "0-3" (one definition, in `distarray`, shared by every message).
pub use crate::distarray::engine_list;

impl State {
    fn check_engine(&self, what: &str, e: i64) -> Result<usize, WaitError> {
        if e < 0 || e as usize >= self.engines {
            return Err(WaitError::Failed(format!(
                "{what}: engine {e} does not exist (engines are 0-{})",
                self.engines - 1
            )));
        }
        Ok(e as usize)
    }

    /// Runs collective `c` with this engine's `contribution`; every engine gets the result.
    pub fn collective(&mut self, c: Collective, contribution: Value) -> Result<Value, WaitError> {
        // Dict writes made before a collective have landed when it ends (DistDict).
        self.settle_dicts()?;
        let call = c.call();
        if let Collective::Bcast { root } = c {
            self.check_engine("bcast", root as i64)?;
        }
        let (request, seq, targets) = match self.current.as_mut() {
            Some(cur) => {
                cur.collectives += 1;
                (cur.id, cur.collectives, cur.targets.clone())
            }
            None => return Err(WaitError::Failed(format!("{call} can only run inside a request"))),
        };
        let mut sorted = targets.clone();
        sorted.sort_unstable();
        if sorted != (0..self.engines).collect::<Vec<_>>() {
            return Err(WaitError::Failed(format!(
                "{call} is collective over all {} engines, but this request runs on engine {}",
                self.engines,
                engine_list(&targets)
            )));
        }
        let root = c.root();
        let op = call.clone();
        if self.id != root {
            let msg = Message::Collective { request, seq, op, payload: Ok(contribution) };
            self.send_engine(root, msg)?;
            let payload = self.wait_for(|s| {
                if let Some((op, payload)) = s.collective_mail.remove(&(request, seq, root)) {
                    // The root runs another operation (an exchange sends to everyone).
                    if op != call {
                        let why =
                            format!("engines disagree: engine {} called {call} while engine {root} called {op}", s.id);
                        return Some(Ok(Err(why)));
                    }
                    return Some(Ok(payload));
                }
                s.peer_left(request, root)
                    .map(|failed| Err(format!("{call}: engine {root} {}", left(failed, "joining it"))))
            })?;
            return payload.map_err(WaitError::Failed);
        }
        let others: Vec<usize> = (0..self.engines).filter(|&e| e != root).collect();
        let waited = self.wait_for(|s| {
            for &e in &others {
                if !s.collective_mail.contains_key(&(request, seq, e)) {
                    return s
                        .peer_left(request, e)
                        .map(|failed| Err(format!("{call}: engine {e} {}", left(failed, "joining it"))));
                }
            }
            Some(Ok(()))
        });
        let result = match waited {
            Err(WaitError::Interrupted) => return Err(WaitError::Interrupted),
            Err(WaitError::Failed(msg)) => Err(msg),
            Ok(()) => {
                let mut parts = Vec::with_capacity(self.engines);
                for e in 0..self.engines {
                    if e == root {
                        parts.push((e, call.clone(), Ok(contribution.clone())));
                    } else {
                        let (op, payload) = self.collective_mail.remove(&(request, seq, e)).expect("checked above");
                        parts.push((e, op, payload));
                    }
                }
                combine(c, root, parts)
            }
        };
        for &e in &others {
            let msg = Message::Collective { request, seq, op: call.clone(), payload: result.clone() };
            self.send_engine(e, msg)?;
        }
        result.map_err(WaitError::Failed)
    }

    fn send_engine(&mut self, e: usize, msg: Message) -> Result<(), WaitError> {
        self.transport.send(Peer::Engine(e), msg).map_err(|err| WaitError::Failed(format!("engine {}: {err}", self.id)))
    }

    /// `send(value, dest)`: queues `value` for engine `dest`'s next `recv(this engine)`.
    pub fn send_user(&mut self, value: Value, dest: i64) -> Result<(), WaitError> {
        let dest = self.check_engine("send", dest)?;
        if dest == self.id {
            self.user_mail.entry(dest).or_default().push_back(value);
            return Ok(());
        }
        self.send_engine(dest, Message::User { value })
    }

    /// `recv(src)`: the next value engine `src` sent to this engine, waiting for it.
    pub fn recv_user(&mut self, src: i64) -> Result<Value, WaitError> {
        let src = self.check_engine("recv", src)?;
        let (request, running) = match &self.current {
            Some(c) => (c.id, c.targets.contains(&src)),
            None => (0, false),
        };
        self.wait_for(|s| {
            if let Some(v) = s.user_mail.get_mut(&src).and_then(|q| q.pop_front()) {
                return Some(Ok(v));
            }
            if !running {
                return Some(Err(format!(
                    "recv({src}): engine {src} is not running this request and has sent nothing to engine {}",
                    s.id
                )));
            }
            s.peer_left(request, src)
                .map(|failed| Err(format!("recv({src}): engine {src} {}", left(failed, "sending"))))
        })
    }
}

/// How a peer left a request before doing `what`.
fn left(failed: bool, what: &str) -> String {
    if failed {
        format!("failed before {what}")
    } else {
        format!("finished this request without {what}")
    }
}

/// Combines the contributions (in rank order) at the root.
fn combine(c: Collective, root: usize, parts: Vec<(usize, String, Result<Value, String>)>) -> Result<Value, String> {
    let call = c.call();
    if let Some((e, op, _)) = parts.iter().find(|(_, op, _)| *op != call) {
        return Err(format!("engines disagree: engine {root} called {call} while engine {e} called {op}"));
    }
    let values = parts.into_iter().map(|(_, _, p)| p).collect::<Result<Vec<_>, _>>()?;
    match c {
        Collective::Barrier => Ok(Value::Unit),
        Collective::Bcast { root } => Ok(values[root].clone()),
        Collective::Allgather => Ok(Value::Array(values)),
        Collective::Allreduce(op) => {
            for (e, v) in values.iter().enumerate() {
                reduce::check_reducible(op, v).map_err(|m| format!("{m} (from engine {e})"))?;
            }
            let mut acc = values[0].clone();
            for (e, v) in values.iter().enumerate().skip(1) {
                acc = reduce::combine(op, &acc, v).map_err(|m| format!("{m} (engine {e}'s contribution)"))?;
            }
            Ok(acc)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_lists_read_well() {
        assert_eq!(engine_list(&[0, 1, 2, 3]), "0-3");
        assert_eq!(engine_list(&[0, 2]), "0,2");
        assert_eq!(engine_list(&[1, 2]), "1,2");
        assert_eq!(engine_list(&[5]), "5");
    }

    #[test]
    fn combine_checks_agreement_then_reduces_in_rank_order() {
        let c = Collective::Allreduce(ReduceOp::Sum);
        let parts = vec![
            (0, c.call(), Ok(Value::Float(0.1))),
            (1, c.call(), Ok(Value::Float(0.2))),
            (2, c.call(), Ok(Value::Float(0.3))),
        ];
        assert_eq!(combine(c, 0, parts), Ok(Value::Float((0.1 + 0.2) + 0.3)));
        let parts = vec![(0, c.call(), Ok(Value::Int(1))), (1, "barrier()".into(), Ok(Value::Unit))];
        assert_eq!(
            combine(c, 0, parts).unwrap_err(),
            "engines disagree: engine 0 called allreduce(sum) while engine 1 called barrier()"
        );
    }
}
