//! The threads transport: the console and N engine threads in one process.
//!
//! Every endpoint owns the receiving side of one unbounded crossbeam channel and holds
//! senders to everyone's. Messages are moved, not encoded: a shard sent to another engine
//! changes owner without a copy. Waiting spins briefly before it blocks, because a wake-up
//! from a blocked receive costs several microseconds and round trips are short.
//! An interrupt the console sends also raises the engine's atomic probe (one per engine,
//! shared by the cluster's endpoints), which native kernels read between blocks.

use super::{raises_probe, Transport, TransportError};
use crate::protocol::{codec, Message, Peer};
use crossbeam::channel::{unbounded, Receiver, RecvTimeoutError, Sender};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

type Envelope = (Peer, Message);

/// An endpoint of the threads transport.
pub struct ThreadEndpoint {
    me: Peer,
    /// Index `codec::peer_to_rank(peer)`: 0 is the console, `e + 1` engine `e`.
    senders: Vec<Sender<Envelope>>,
    inbox: Receiver<Envelope>,
    /// Per engine: the highest request id the console has interrupted.
    probes: Arc<Vec<AtomicU64>>,
}

/// Builds a console endpoint and `n` engine endpoints, all connected.
pub fn cluster(n: usize) -> (ThreadEndpoint, Vec<ThreadEndpoint>) {
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..=n).map(|_| unbounded()).unzip();
    let probes: Arc<Vec<AtomicU64>> = Arc::new((0..n).map(|_| AtomicU64::new(0)).collect());
    let mut endpoints = receivers.into_iter().enumerate().map(|(rank, inbox)| ThreadEndpoint {
        me: codec::rank_to_peer(rank),
        senders: senders.clone(),
        inbox,
        probes: probes.clone(),
    });
    let console = endpoints.next().expect("rank 0 exists");
    (console, endpoints.collect())
}

/// How long a receive spins (yielding) before it blocks.
const SPIN: Duration = Duration::from_micros(50);

impl ThreadEndpoint {
    /// A way to reach the console after this endpoint has been moved away (used to
    /// report an engine thread that died).
    pub fn console_line(&self) -> impl Fn(Message) + Send + 'static {
        let me = self.me;
        let to_console = self.senders[0].clone();
        move |msg| {
            let _ = to_console.send((me, msg));
        }
    }
}

impl Transport for ThreadEndpoint {
    fn me(&self) -> Peer {
        self.me
    }

    fn engines(&self) -> usize {
        self.senders.len() - 1
    }

    fn kind(&self) -> &'static str {
        "threads"
    }

    fn send(&self, to: Peer, msg: Message) -> Result<(), TransportError> {
        let sender = self.senders.get(codec::peer_to_rank(to)).ok_or(TransportError::NoSuchPeer { peer: to })?;
        if let (Peer::Engine(e), Some(up_to)) = (to, raises_probe(&msg)) {
            self.probes[e].fetch_max(up_to, Ordering::Release);
        }
        sender.send((self.me, msg)).map_err(|_| TransportError::Disconnected { peer: to })
    }

    fn try_recv(&self) -> Option<Envelope> {
        self.inbox.try_recv().ok()
    }

    fn recv_timeout(&self, timeout: Duration) -> Option<Envelope> {
        let start = Instant::now();
        let spin = timeout.min(SPIN);
        while start.elapsed() < spin {
            if let Ok(m) = self.inbox.try_recv() {
                return Some(m);
            }
            std::thread::yield_now();
        }
        match self.inbox.recv_timeout(timeout.saturating_sub(start.elapsed())) {
            Ok(m) => Some(m),
            Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => None,
        }
    }

    fn interrupt_probe(&self) -> crate::interrupt::Probe {
        let Peer::Engine(e) = self.me else { return std::rc::Rc::new(|| 0) };
        let probes = self.probes.clone();
        std::rc::Rc::new(move || probes[e].load(Ordering::Acquire))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Value;

    #[test]
    fn messages_arrive_in_order_tagged_with_sender() {
        let (console, engines) = cluster(3);
        for i in 0..5 {
            engines[2].send(Peer::Console, Message::User { value: Value::Int(i) }).unwrap();
        }
        engines[0].send(Peer::Engine(1), Message::Shutdown).unwrap();
        for i in 0..5 {
            let (from, m) = console.recv_timeout(Duration::from_secs(1)).unwrap();
            assert_eq!(from, Peer::Engine(2));
            assert_eq!(m, Message::User { value: Value::Int(i) });
        }
        assert_eq!(engines[1].try_recv(), Some((Peer::Engine(0), Message::Shutdown)));
        assert_eq!(console.try_recv(), None);
    }

    #[test]
    fn interrupts_raise_the_engines_probe() {
        let (console, engines) = cluster(2);
        let probes: Vec<_> = engines.iter().map(|e| e.interrupt_probe()).collect();
        assert_eq!((probes[0](), probes[1]()), (0, 0));
        console.send(Peer::Engine(1), Message::Interrupt { up_to: 7 }).unwrap();
        console.send(Peer::Engine(1), Message::Interrupt { up_to: 3 }).unwrap();
        assert_eq!((probes[0](), probes[1]()), (0, 7));
        console.send(Peer::Engine(0), Message::Shutdown).unwrap();
        assert_eq!((probes[0](), probes[1]()), (u64::MAX, 7));
        // The messages still arrive in the inbox, in order.
        assert!(matches!(engines[1].try_recv(), Some((Peer::Console, Message::Interrupt { up_to: 7 }))));
    }

    #[test]
    fn unknown_peer_and_timeout() {
        let (console, _engines) = cluster(1);
        assert_eq!(
            console.send(Peer::Engine(5), Message::Shutdown),
            Err(TransportError::NoSuchPeer { peer: Peer::Engine(5) })
        );
        assert_eq!(console.recv_timeout(Duration::from_millis(5)), None);
    }

    #[test]
    fn send_to_a_dropped_endpoint_is_disconnected() {
        let (console, mut engines) = cluster(1);
        drop(engines.pop());
        assert_eq!(
            console.send(Peer::Engine(0), Message::Shutdown),
            Err(TransportError::Disconnected { peer: Peer::Engine(0) })
        );
    }
}
