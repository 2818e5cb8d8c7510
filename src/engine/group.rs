//! The engine's side of DistArray communication: [`GroupComm`] implements
//! `distarray::Comm` over the transport, for the engines of the running request.
//!
//! Each exchange is one step numbered per group within the request; its messages are
//! `Message::Collective`s whose sequence number has the top bit set and carries a hash
//! of the group, so they never meet the messages of `barrier`/`allreduce` (which count
//! separately) nor those of another group. Values are moved into the messages (the
//! threads transport hands them over as they are; MPI encodes arrays as raw bytes).
//! Waiting goes through `State::wait_for`, so an interrupt ends it, and an engine that
//! leaves the request without joining makes it fail with an error naming that engine.

use super::state::{State, WaitError};
use crate::distarray::{engine_list, Comm, DaError};
use crate::protocol::{Message, Peer, Value};

/// The running request's engines as a DistArray group, seen from this engine.
pub struct GroupComm<'a> {
    state: &'a mut State,
    group: Vec<usize>,
    rank: usize,
    request: u64,
}

impl State {
    /// The running request's targets (sorted) as a group for DistArray operations.
    pub fn group_comm(&mut self) -> Result<GroupComm<'_>, DaError> {
        let cur = self
            .current
            .as_ref()
            .ok_or_else(|| DaError::Invalid("DistArray operations run inside a request".into()))?;
        let mut group = cur.targets.clone();
        group.sort_unstable();
        group.dedup();
        let request = cur.id;
        let rank = group.iter().position(|&e| e == self.id).expect("an engine runs only requests that target it");
        Ok(GroupComm { state: self, group, rank, request })
    }
}

fn group_hash(group: &[usize]) -> u64 {
    group.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &e| (h ^ e as u64).wrapping_mul(0x0000_0100_0000_01B3))
}

impl GroupComm<'_> {
    fn next_seq(&mut self) -> u64 {
        let n = self.state.group_seq.entry(self.group.clone()).or_insert(0);
        *n += 1;
        (1 << 63) | ((group_hash(&self.group) & 0x7FFF_FFFF) << 32) | (*n & 0xFFFF_FFFF)
    }
}

impl Comm for GroupComm<'_> {
    fn rank(&self) -> usize {
        self.rank
    }

    fn group(&self) -> &[usize] {
        &self.group
    }

    fn exchange(&mut self, op: &str, sends: Vec<(usize, Value)>, from: &[usize]) -> Result<Vec<Value>, DaError> {
        let (request, seq, me) = (self.request, self.next_seq(), self.state.id);
        let mut own = None;
        for (r, v) in sends {
            let e = self.group[r];
            if e == me {
                own = Some(v);
                continue;
            }
            let msg = Message::Collective { request, seq, op: op.to_string(), payload: Ok(v) };
            self.state.transport.send(Peer::Engine(e), msg).map_err(|err| DaError::Comm(format!("{op}: {err}")))?;
        }
        let waiting: Vec<usize> = from.iter().map(|&r| self.group[r]).filter(|&e| e != me).collect();
        let waited = self.state.wait_for(|s| s.collective_arrived(request, seq, &waiting, op));
        match waited {
            Err(WaitError::Interrupted) => return Err(DaError::Interrupted),
            Err(WaitError::Failed(m)) => return Err(DaError::Comm(m)),
            Ok(()) => {}
        }
        let mut out = Vec::with_capacity(from.len());
        for &r in from {
            let e = self.group[r];
            if e == me {
                out.push(
                    own.take().ok_or_else(|| DaError::Comm(format!("{op}: engine {me} expected data from itself")))?,
                );
                continue;
            }
            let (their_op, payload) = self.state.collective_mail.remove(&(request, seq, e)).expect("checked above");
            if their_op != op {
                return Err(DaError::Comm(format!(
                    "engines disagree: engine {me} ran {op} while engine {e} ran {their_op} (group {})",
                    engine_list(&self.group)
                )));
            }
            out.push(payload.map_err(DaError::Comm)?);
        }
        Ok(out)
    }

    fn compute_aside(&self) -> bool {
        self.state.transport.helper_threads()
    }

    fn ranks_on_my_host(&mut self) -> Result<Vec<usize>, DaError> {
        if self.state.transport.kind() == "threads" {
            return Ok((0..self.group.len()).collect());
        }
        if let Some(r) = self.state.group_hosts.get(&self.group) {
            return Ok(r.clone());
        }
        let hosts = self.allgather("host names", Value::Str(super::host_name()))?;
        let mine = &hosts[self.rank];
        let ranks: Vec<usize> = (0..hosts.len()).filter(|&r| hosts[r] == *mine).collect();
        self.state.group_hosts.insert(self.group.clone(), ranks.clone());
        Ok(ranks)
    }
}
