//! The console's side of DistDict: the [`Client`] is the console's dict [`Link`].
//!
//! Dict requests go straight to the engines that own the keys, beside the console's
//! requests; their replies (`Message::Dict`) are set aside by `Client::handle` until
//! the waiting operation takes them. Waiting goes through [`Client::pump`], so engine
//! output keeps streaming, and it ends when the engine is lost or when the console is
//! interrupted (Ctrl-C sets the client's interrupt flag).

use super::Client;
use crate::distdict::{DictError, Link, Node, Outcome};
use crate::protocol::{DictMsg, Message, Peer};
use std::time::Duration;

impl Client {
    /// Sets aside a dict reply for the operation waiting for it.
    pub(super) fn take_dict_message(&mut self, msg: DictMsg) {
        if let DictMsg::Reply { id, outcome } = msg {
            if self.dict_waiting.contains(&id) {
                self.dict_replies.insert(id, outcome);
            }
        }
    }
}

impl Link for Client {
    fn me(&self) -> Peer {
        Peer::Console
    }

    fn engines(&self) -> usize {
        Client::engines(self)
    }

    fn send(&mut self, to: usize, msg: DictMsg) -> Result<(), DictError> {
        if let Some(reason) = self.lost.get(&to) {
            return Err(DictError::Failed(format!("engine {to} is gone: {reason}")));
        }
        self.transport.send(Peer::Engine(to), Message::Dict(msg)).map_err(|e| DictError::Failed(e.to_string()))
    }

    fn new_id(&mut self) -> u64 {
        self.dict_next_id += 1;
        self.dict_waiting.insert(self.dict_next_id);
        self.dict_next_id
    }

    fn wait_replies(&mut self, dict: &str, ids: &[(usize, u64)]) -> Result<Vec<Outcome>, DictError> {
        let interrupts = self.interrupts;
        let outcome = loop {
            if ids.iter().all(|(_, id)| self.dict_replies.contains_key(id)) {
                break Ok(ids.iter().map(|(_, id)| self.dict_replies.remove(id).expect("checked")).collect());
            }
            if let Some((e, reason)) = ids
                .iter()
                .find_map(|(e, id)| (!self.dict_replies.contains_key(id)).then(|| self.lost.get(e).map(|r| (*e, r)))?)
            {
                break Err(DictError::Lost { dict: dict.to_string(), engine: e, reason: reason.clone() });
            }
            if self.interrupts != interrupts {
                break Err(DictError::Interrupted);
            }
            self.pump(Duration::from_millis(5));
        };
        for (_, id) in ids {
            self.dict_waiting.remove(id);
            self.dict_replies.remove(id);
        }
        outcome
    }

    fn node(&mut self) -> Option<&mut Node> {
        None
    }
}
