//! The engine's side of DistDict: how dict messages are served and dict waits are made.
//!
//! The dict logic is in `distdict`; this file connects it to the engine's [`State`]:
//! `State::handle` passes every `Message::Dict` to [`State::serve_dict`], so an owner
//! answers from its progress loop (between requests, inside `State::wait_for`, and from
//! Rhai's `on_progress` during long scripts). `State` is the engine's [`Link`] (waits go
//! through `State::wait_for`, so interrupts end them) and [`SpmdLink`] (tickets and
//! pushes are tied to the running request, like collectives). Buffered writes are sent
//! when they grow old ([`State::dict_tick`], from `poll`), acknowledged before every
//! collective ([`State::settle_dicts`]) and at the end of every request
//! ([`State::finish_dicts`]), whose refused writes make the request fail.

use super::collectives::{engine_list, Collective};
use super::state::{State, WaitError};
use crate::distdict::memory::Budget;
use crate::distdict::registry::{self, Info, Proposal};
use crate::distdict::{access, DictError, Handle, Link, Node, Outcome, SpmdLink};
use crate::protocol::{DictAnswer, DictMode, DictMsg, Message, Peer, Value};

/// The dict state of engine `id` of `engines`, with its share of this machine's memory.
pub fn new_node(id: usize, engines: usize, transport_kind: &str) -> Node {
    let here = if transport_kind == "mpi" {
        ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "PMI_LOCAL_SIZE"]
            .iter()
            .find_map(|v| std::env::var(v).ok()?.parse::<usize>().ok())
            .unwrap_or(engines)
    } else {
        engines
    };
    Node::new(id, engines, Budget::for_engine(here))
}

fn wait_error(e: WaitError) -> DictError {
    match e {
        WaitError::Interrupted => DictError::Interrupted,
        WaitError::Failed(m) => DictError::Failed(m),
    }
}

impl State {
    /// Takes in one dict message; a request is answered at once.
    pub(super) fn serve_dict(&mut self, from: Peer, msg: DictMsg) {
        if let Some((to, reply)) = self.dd.serve(from, msg, self.last_finished) {
            let _ = self.transport.send(to, Message::Dict(reply));
        }
    }

    /// Sends the dict writes that have waited in their buffers long enough.
    pub(super) fn dict_tick(&mut self) {
        if !self.dd.outbox.is_buffered() {
            return;
        }
        for owner in self.dd.outbox.aged() {
            for m in self.dd.outbox.take(owner, None) {
                let _ = self.transport.send(Peer::Engine(owner), Message::Dict(m));
            }
        }
    }

    /// Before a collective: every dict write of this engine has landed. Refused writes
    /// are kept for the next operation on their dict or the end of the request.
    pub fn settle_dicts(&mut self) -> Result<(), WaitError> {
        access::settle(self).map_err(|e| match e {
            DictError::Interrupted => WaitError::Interrupted,
            other => WaitError::Failed(other.to_string()),
        })
    }

    /// At the end of request `id`: sends and acknowledges the writes it made (unless it
    /// was interrupted: then they are only sent) and forgets its SPMD pushes. An error
    /// names writes that were refused.
    pub fn finish_dicts(&mut self, id: u64) -> Result<(), String> {
        let settled = if self.interrupted() {
            for owner in 0..self.engines {
                for m in self.dd.outbox.take(owner, None) {
                    let _ = self.transport.send(Peer::Engine(owner), Message::Dict(m));
                }
            }
            Ok(())
        } else {
            access::settle(self)
        };
        self.dd.replies.clear();
        self.dd.pushes.retain(|(request, _, _), _| *request > id);
        settled.map_err(|e| e.to_string())?;
        match self.dd.take_refused(None) {
            Some((dict, count, first)) => {
                while self.dd.take_refused(None).is_some() {}
                Err(DictError::Refused { dict: self.dd.name_of(dict), count, first }.to_string())
            }
            None => Ok(()),
        }
    }

    /// `dd::new(..)`, collective over all engines: they agree on the name, mode and id
    /// (an allgather), then wait until every engine has made its part (a barrier).
    pub fn create_dict(&mut self, name: Option<String>, mode: DictMode) -> Result<Handle, DictError> {
        let targets = self.current.as_ref().map(|c| c.targets.clone()).unwrap_or_default();
        let mut sorted = targets.clone();
        sorted.sort_unstable();
        if sorted != (0..self.engines).collect::<Vec<_>>() {
            return Err(DictError::Usage(format!(
                "dd::new is collective over all {} engines, but this request runs on engine {}",
                self.engines,
                engine_list(&targets)
            )));
        }
        let name = name.unwrap_or_else(|| self.dd.registry.auto_name());
        let taken = self.dd.registry.get(&name).is_some();
        let mine = Proposal { name, mode, taken, id: registry::fresh_id() };
        let all = self.collective(Collective::Allgather, mine.to_value()).map_err(wait_error)?;
        let proposals: Vec<Proposal> = match &all {
            Value::Array(items) => items.iter().filter_map(Proposal::from_value).collect(),
            _ => vec![],
        };
        if proposals.len() != self.engines {
            return Err(DictError::Failed("dd::new: engines sent unreadable proposals".into()));
        }
        let Info { id, name, mode } = registry::decide(&proposals)?;
        self.dd.store.create(id);
        self.dd.registry.insert(Info { id, name: name.clone(), mode });
        // Nobody uses the dict before every engine has it (a write would find no part).
        self.collective(Collective::Barrier, Value::Unit).map_err(wait_error)?;
        Ok(Handle { id, name: name.into(), mode, engines: self.engines })
    }
}

impl Link for State {
    fn me(&self) -> Peer {
        Peer::Engine(self.id)
    }

    fn engines(&self) -> usize {
        self.engines
    }

    fn send(&mut self, to: usize, msg: DictMsg) -> Result<(), DictError> {
        self.transport
            .send(Peer::Engine(to), Message::Dict(msg))
            .map_err(|e| DictError::Failed(format!("engine {}: {e}", self.id)))
    }

    fn new_id(&mut self) -> u64 {
        self.dd.new_id()
    }

    fn wait_replies(&mut self, _dict: &str, ids: &[(usize, u64)]) -> Result<Vec<Outcome>, DictError> {
        self.wait_for(|s| {
            ids.iter()
                .all(|(_, id)| s.dd.replies.contains_key(id))
                .then(|| Ok(ids.iter().map(|(_, id)| s.dd.replies.remove(id).expect("checked")).collect()))
        })
        .map_err(wait_error)
    }

    fn node(&mut self) -> Option<&mut Node> {
        Some(&mut self.dd)
    }
}

impl SpmdLink for State {
    fn ticket(&mut self, h: &Handle) -> Result<(u64, u64), DictError> {
        let (request, targets) = match &self.current {
            Some(c) => (c.id, &c.targets),
            None => {
                return Err(DictError::Usage(format!("dict '{}' (SPMD) can only be used inside a request", h.name)))
            }
        };
        if targets.len() != self.engines {
            return Err(DictError::SpmdNeedsAll { dict: h.name.to_string(), running: engine_list(targets) });
        }
        if self.dd.spmd_seq.0 != request {
            self.dd.spmd_seq = (request, 0);
        }
        self.dd.spmd_seq.1 += 1;
        Ok(self.dd.spmd_seq)
    }

    fn wait_pushes(
        &mut self,
        h: &Handle,
        (request, seq): (u64, u64),
        from: &[usize],
        what: &str,
    ) -> Result<Vec<Result<DictAnswer, String>>, DictError> {
        let me = self.id;
        self.wait_for(|s| {
            // A push for another operation is an error whatever else is missing.
            for &e in from {
                if let Some((theirs, _)) = s.dd.pushes.get(&(request, seq, e)).filter(|(t, _)| t != what) {
                    let (theirs, mine, dict) = (theirs.clone(), what.to_string(), h.name.to_string());
                    return Some(Err(DictError::SpmdDisagree { dict, seq, engine: e, theirs, me, mine }.to_string()));
                }
            }
            for &e in from {
                if !s.dd.pushes.contains_key(&(request, seq, e)) {
                    return s.peer_left(request, e).map(|failed| {
                        let what = what.to_string();
                        Err(DictError::SpmdLeft { dict: h.name.to_string(), engine: e, failed, what }.to_string())
                    });
                }
            }
            Some(Ok(from.iter().map(|&e| s.dd.pushes.remove(&(request, seq, e)).expect("checked").1).collect()))
        })
        .map_err(wait_error)
    }
}
