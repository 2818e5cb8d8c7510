//! How console and engines exchange [`Message`]s: one trait, two implementations.
//!
//! [`Transport`] is an endpoint owned by one participant (the console or one engine). It
//! sends to any peer and receives from all peers through one inbox. It knows nothing of
//! Rhai, requests' meaning or arrays: it moves messages, in order between any pair of
//! peers. [`threads`] moves the structs through crossbeam channels (nothing is encoded or
//! copied); `mpi` (feature `mpi`) encodes them with `protocol::codec` and sends bytes.
//! Sends never block on the receiver: a large MPI send keeps draining the inbox while it
//! waits, so two engines sending to each other cannot deadlock.

pub mod threads;

#[cfg(feature = "mpi")]
pub mod mpi;

use crate::protocol::{Message, Peer};
use std::time::Duration;

/// How far the console's `msg` to an engine raises that engine's interrupt probe, if
/// it is an interrupt (`Shutdown` interrupts everything).
fn raises_probe(msg: &Message) -> Option<u64> {
    match msg {
        Message::Interrupt { up_to } => Some(*up_to),
        Message::Shutdown => Some(u64::MAX),
        _ => None,
    }
}

/// A failure of the transport itself (not of a script).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportError {
    /// The peer is gone: its thread ended or its channel closed.
    Disconnected { peer: Peer },
    /// The peer does not exist in this cluster.
    NoSuchPeer { peer: Peer },
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportError::Disconnected { peer } => {
                write!(f, "{} is no longer connected", peer_name(*peer))
            }
            TransportError::NoSuchPeer { peer } => write!(f, "{} does not exist", peer_name(*peer)),
        }
    }
}

impl std::error::Error for TransportError {}

/// "the console" or "engine 3".
pub fn peer_name(p: Peer) -> String {
    match p {
        Peer::Console => "the console".into(),
        Peer::Engine(e) => format!("engine {e}"),
    }
}

/// One participant's endpoint.
pub trait Transport {
    /// Who this endpoint belongs to.
    fn me(&self) -> Peer;
    /// How many engines the cluster has.
    fn engines(&self) -> usize;
    /// "threads" or "mpi".
    fn kind(&self) -> &'static str;
    /// Sends `msg` to `to`. Messages between a pair of peers arrive in the order sent.
    fn send(&self, to: Peer, msg: Message) -> Result<(), TransportError>;
    /// The next message in the inbox, if one is waiting.
    fn try_recv(&self) -> Option<(Peer, Message)>;
    /// The next message, waiting at most `timeout` for one.
    fn recv_timeout(&self, timeout: Duration) -> Option<(Peer, Message)>;
    /// Sends the same `msg` to each of `to`, with one result per peer in that order. The
    /// default sends each peer its own clone (the last gets `msg` itself); a transport that
    /// serialises messages encodes it once (so bulk data is not copied per peer).
    fn send_to_all(&self, to: &[Peer], msg: Message) -> Vec<Result<(), TransportError>> {
        let mut results = Vec::with_capacity(to.len());
        if let Some((&last, rest)) = to.split_last() {
            results.extend(rest.iter().map(|&p| self.send(p, msg.clone())));
            results.push(self.send(last, msg));
        }
        results
    }
    /// Sends each message to its peer, with one result per message in order. The default
    /// sends them one after another; a transport whose large sends wait for the receiver
    /// puts them all in flight together.
    fn send_each(&self, msgs: Vec<(Peer, Message)>) -> Vec<Result<(), TransportError>> {
        msgs.into_iter().map(|(p, m)| self.send(p, m)).collect()
    }
    /// Whether this process may run helper threads beside the endpoint's own, threads
    /// that never call the transport (MPI: the library granted `MPI_THREAD_FUNNELED`).
    fn helper_threads(&self) -> bool {
        true
    }
    /// On an engine: the probe native kernels ask whether the console has interrupted
    /// (see [`crate::interrupt`]). An `Interrupt` (or `Shutdown`) the console sends also
    /// raises it, out of band, so a kernel learns of it without taking the inbox's
    /// messages. A transport without such a channel never raises it.
    fn interrupt_probe(&self) -> crate::interrupt::Probe {
        std::rc::Rc::new(|| 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The trait must stay object safe: the console and engines hold `Box<dyn Transport>`.
    #[test]
    fn transport_is_object_safe() {
        fn takes_dyn(t: &dyn Transport) -> (Peer, usize, &'static str) {
            (t.me(), t.engines(), t.kind())
        }
        let (console, _engines) = threads::cluster(2);
        assert_eq!(takes_dyn(&console), (Peer::Console, 2, "threads"));
    }
}
