//! The MPI transport (feature `mpi`): world rank 0 is the console, ranks 1..P-1 are
//! engines 0..P-2.
//!
//! Console ↔ engine messages use the world communicator; engine ↔ engine messages use a
//! communicator of the engines alone, split off at start, where engine `e` is rank `e`.
//! Messages travel as `protocol::codec` bytes. A send is non-blocking underneath: while
//! it waits to complete it keeps receiving into the inbox, so two engines sending large
//! messages to each other cannot deadlock. Receiving probes without blocking, so the
//! progress loop stays responsive to interrupts. A message for several peers
//! (`send_to_all`) is encoded once; encoding and receiving reuse one buffer each. The
//! sends of `send_to_all` and `send_each` are all in flight together, so the receivers
//! copy their parts out in parallel.

use super::{Transport, TransportError};
use crate::protocol::{codec, Message, Peer};
use mpi::environment::Universe;
use mpi::point_to_point::Status;
use mpi::topology::{Color, SimpleCommunicator};
use mpi::traits::*;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Which part this process plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Console,
    Engine,
}

pub struct MpiTransport {
    world: SimpleCommunicator,
    /// The engines' own communicator (`None` on the console).
    engines_comm: Option<SimpleCommunicator>,
    me: Peer,
    engines: usize,
    inbox: RefCell<VecDeque<(Peer, Message)>>,
    /// Encoding buffers (a pool: `send_each` needs one per message) and the receiving
    /// buffer, kept between messages (up to `keep` bytes in all) so a
    /// large transfer writes into memory already mapped instead of faulting in fresh pages.
    send_bufs: RefCell<Vec<Vec<u8>>>,
    recv_buf: RefCell<Vec<u8>>,
    keep: usize,
    // Dropped last: finalizes MPI.
    _universe: Universe,
}

/// Initializes MPI and builds this rank's endpoint.
pub fn start() -> Result<(Role, MpiTransport), String> {
    // Open MPI yields the CPU inside every progress call when ranks outnumber cores; our
    // receive loops already yield and nap, so its yield only adds latency (measured: a
    // px round trip of 27 us becomes 9 us without it). A user's own setting wins.
    if std::env::var_os("OMPI_MCA_mpi_yield_when_idle").is_none() {
        std::env::set_var("OMPI_MCA_mpi_yield_when_idle", "0");
    }
    // All ranks on one machine: shared memory (pml ob1) is the fast path, and skipping
    // the probe of network layers (UCX, OFI) halves MPI_Init (measured 470 -> 280 ms for
    // mpirun -n 3). Every rank sees the same variables, so all choose alike.
    let var = |name: &str| std::env::var(name).ok();
    let one_node =
        var("OMPI_COMM_WORLD_SIZE").is_some() && var("OMPI_COMM_WORLD_SIZE") == var("OMPI_COMM_WORLD_LOCAL_SIZE");
    if one_node && std::env::var_os("OMPI_MCA_pml").is_none() {
        std::env::set_var("OMPI_MCA_pml", "ob1");
    }
    let (universe, _) = mpi::initialize_with_threading(mpi::Threading::Single)
        .ok_or_else(|| "MPI was already initialized".to_string())?;
    let world = universe.world();
    let (rank, size) = (world.rank() as usize, world.size() as usize);
    let color = if rank == 0 { Color::undefined() } else { Color::with_value(1) };
    let engines_comm = world.split_by_color(color);
    if size < 2 {
        return Err(format!(
            "under MPI pshell needs at least 2 ranks (rank 0 is the console, the others are engines), but it has {size}; try `mpirun -n 3 pshell`"
        ));
    }
    let me = codec::rank_to_peer(rank);
    let role = if rank == 0 { Role::Console } else { Role::Engine };
    let t = MpiTransport {
        world,
        engines_comm,
        me,
        engines: size - 1,
        inbox: RefCell::new(VecDeque::new()),
        send_bufs: RefCell::new(Vec::new()),
        recv_buf: RefCell::new(Vec::new()),
        keep: if me == Peer::Console { CONSOLE_KEEPS } else { ENGINE_KEEPS },
        _universe: universe,
    };
    Ok((role, t))
}

/// How long a receive spins (yielding) before it sleeps between probes.
const SPIN: Duration = Duration::from_micros(200);
const NAP: Duration = Duration::from_micros(50);

impl MpiTransport {
    /// Tells every engine to stop (used when the console quits before its client starts).
    pub fn shutdown_engines(&self) -> Result<(), TransportError> {
        (0..self.engines).try_for_each(|e| self.send(Peer::Engine(e), Message::Shutdown))
    }

    /// Moves every message that has arrived into the inbox.
    fn drain(&self) {
        let mut inbox = self.inbox.borrow_mut();
        while let Some(matched) = self.world.any_process().immediate_matched_probe() {
            let from = codec::rank_to_peer(matched.1.source_rank() as usize);
            inbox.push_back((from, self.receive(matched)));
        }
        if let Some(comm) = &self.engines_comm {
            while let Some(matched) = comm.any_process().immediate_matched_probe() {
                let from = Peer::Engine(matched.1.source_rank() as usize);
                inbox.push_back((from, self.receive(matched)));
            }
        }
    }

    /// Receives a probed message into the reused receive buffer and decodes it.
    fn receive(&self, (msg, status): (mpi::point_to_point::Message, Status)) -> Message {
        let mut buf = self.recv_buf.borrow_mut();
        let n = status.count(u8::equivalent_datatype()).max(0) as usize;
        if buf.len() < n {
            let missing = n - buf.len();
            buf.reserve(missing);
            crate::memory::advise_capacity(&mut buf);
            buf.resize(n, 0);
        }
        msg.matched_receive_into(&mut buf[..n]);
        let decoded = decode(&buf[..n]);
        if buf.capacity() > self.keep {
            *buf = Vec::new();
        }
        decoded
    }
}

impl MpiTransport {
    /// The communicator and rank that reach `to`.
    fn route(&self, to: Peer) -> Result<(&SimpleCommunicator, usize), TransportError> {
        Ok(match (self.me, to, &self.engines_comm) {
            (_, Peer::Engine(e), _) if e >= self.engines => return Err(TransportError::NoSuchPeer { peer: to }),
            (Peer::Engine(_), Peer::Engine(e), Some(comm)) => (comm, e),
            (_, to, _) => (&self.world, codec::peer_to_rank(to)),
        })
    }

    /// Sends encoded bytes, draining the inbox while the send is in flight.
    fn send_bytes(&self, comm: &SimpleCommunicator, rank: usize, bytes: &[u8]) {
        self.send_all_bytes(&[(comm, rank, bytes)]);
    }

    /// Sends each `(comm, rank, bytes)` at once (all in flight together, so receivers copy
    /// their parts in parallel), draining the inbox until every send has completed.
    fn send_all_bytes(&self, sends: &[(&SimpleCommunicator, usize, &[u8])]) {
        mpi::request::scope(|scope| {
            let mut pending: Vec<_> = sends
                .iter()
                .map(|&(comm, rank, bytes)| comm.process_at_rank(rank as i32).immediate_send(scope, bytes))
                .collect();
            while !pending.is_empty() {
                pending = pending.into_iter().filter_map(|req| req.test().err()).collect();
                if !pending.is_empty() {
                    self.drain();
                    std::thread::yield_now();
                }
            }
        });
    }
}

/// Bytes of buffers the console keeps between messages (a push or scatter of up to this
/// much reuses memory already mapped), and what an engine keeps (within the memory an
/// engine may use beyond its shards).
const CONSOLE_KEEPS: usize = 512 << 20;
const ENGINE_KEEPS: usize = 32 << 20;

impl MpiTransport {
    /// `msgs` encoded, each into a buffer from the pool.
    fn encode_all<'m>(&self, msgs: impl Iterator<Item = &'m Message>) -> Vec<Vec<u8>> {
        let mut pool = self.send_bufs.borrow_mut();
        msgs.map(|m| {
            let mut buf = pool.pop().unwrap_or_default();
            codec::encode_into(m, &mut buf);
            buf
        })
        .collect()
    }

    /// Gives encoding buffers back to the pool, as long as it stays within `keep` bytes.
    fn recycle(&self, bufs: Vec<Vec<u8>>) {
        let mut pool = self.send_bufs.borrow_mut();
        let mut kept: usize = pool.iter().map(Vec::capacity).sum();
        for b in bufs {
            if kept + b.capacity() <= self.keep {
                kept += b.capacity();
                pool.push(b);
            }
        }
    }
}

fn decode(bytes: &[u8]) -> Message {
    codec::decode(bytes).unwrap_or_else(|e| Message::Malformed { reason: e.to_string() })
}

impl Transport for MpiTransport {
    fn me(&self) -> Peer {
        self.me
    }

    fn engines(&self) -> usize {
        self.engines
    }

    fn kind(&self) -> &'static str {
        "mpi"
    }

    fn send(&self, to: Peer, msg: Message) -> Result<(), TransportError> {
        let (comm, rank) = self.route(to)?;
        let bufs = self.encode_all(std::iter::once(&msg));
        self.send_bytes(comm, rank, &bufs[0]);
        self.recycle(bufs);
        Ok(())
    }

    fn send_to_all(&self, to: &[Peer], msg: Message) -> Vec<Result<(), TransportError>> {
        // Encoded once, whatever the number of peers, and sent to all of them at once.
        let bufs = self.encode_all(std::iter::once(&msg));
        let routes: Vec<_> = to.iter().map(|&p| self.route(p)).collect();
        let sends: Vec<_> = routes.iter().flatten().map(|&(comm, rank)| (comm, rank, &bufs[0][..])).collect();
        self.send_all_bytes(&sends);
        self.recycle(bufs);
        routes.into_iter().map(|r| r.map(|_| ())).collect()
    }

    fn send_each(&self, msgs: Vec<(Peer, Message)>) -> Vec<Result<(), TransportError>> {
        // Each encoded into its own buffer, then all sent at once.
        let routes: Vec<_> = msgs.iter().map(|(p, _)| self.route(*p)).collect();
        let routed = msgs.iter().zip(&routes).filter(|(_, r)| r.is_ok()).map(|((_, m), _)| m);
        let bufs = self.encode_all(routed);
        let sends: Vec<_> = routes.iter().flatten().zip(&bufs).map(|(&(comm, rank), b)| (comm, rank, &b[..])).collect();
        self.send_all_bytes(&sends);
        self.recycle(bufs);
        routes.into_iter().map(|r| r.map(|_| ())).collect()
    }

    fn try_recv(&self) -> Option<(Peer, Message)> {
        if let Some(m) = self.inbox.borrow_mut().pop_front() {
            return Some(m);
        }
        self.drain();
        self.inbox.borrow_mut().pop_front()
    }

    fn recv_timeout(&self, timeout: Duration) -> Option<(Peer, Message)> {
        let start = Instant::now();
        loop {
            if let Some(m) = self.try_recv() {
                return Some(m);
            }
            let waited = start.elapsed();
            if waited >= timeout {
                return None;
            }
            if waited < SPIN {
                std::thread::yield_now();
            } else {
                std::thread::sleep(NAP.min(timeout - waited));
            }
        }
    }
}
