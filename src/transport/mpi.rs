//! The MPI transport (feature `mpi`): world rank 0 is the console, ranks 1..P-1 are
//! engines 0..P-2.
//!
//! Console ↔ engine messages use the world communicator; engine ↔ engine messages use a
//! communicator of the engines alone, split off at start, where engine `e` is rank `e`.
//! Messages travel as `protocol::codec` bytes. A send is non-blocking underneath: while
//! it waits to complete it keeps receiving into the inbox, so two engines sending large
//! messages to each other cannot deadlock. Receiving probes without blocking, so the
//! progress loop stays responsive to interrupts. A message for several peers
//! (`send_to_all`) is encoded once. The sends of `send_to_all` and `send_each` are all
//! in flight together, so the receivers copy their parts out in parallel. Big buffers
//! freed here are reused by the next of their size (`memory::cache`).
//!
//! **Bulk elements travel as they are.** A message is one *header* (tag [`HEADER`]: the
//! codec's bytes with big arrays' elements detached, then a `u32` count `k`, see
//! `codec::encode_detached`) followed by `k` *payloads* (tag [`PAYLOAD`]), each sent
//! straight from the array's memory. The receiver decodes the header and receives each
//! payload straight into a new typed buffer (a blocking receive from the same sender:
//! MPI keeps one sender's messages of one tag in order, and the sender has already
//! posted them). So a shard crosses with MPI's own copy only — no encode copy, no
//! decode copy. If a header does not decode, its `k` payloads are still received (and
//! dropped) so the next message's payloads stay matched.
//!
//! **Interrupts also travel out of band.** The console sends each `Interrupt` (and
//! `Shutdown`) a second time, as one `u64` on a duplicate of the world communicator that
//! carries nothing else, so an engine inside a native kernel can probe for it
//! ([`Transport::interrupt_probe`]) without receiving the messages queued before it.

use super::{raises_probe, Transport, TransportError};
use crate::protocol::codec::DecodeError;
use crate::protocol::{codec, raw, Message, Peer};
use mpi::environment::Universe;
use mpi::point_to_point::Status;
use mpi::topology::{Color, SimpleCommunicator};
use mpi::traits::*;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
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
    /// Interrupts out of band (a duplicate of `world`). Probes hold it weakly, so it is
    /// freed with the transport, before MPI is finalized.
    signals: Rc<SimpleCommunicator>,
    /// On an engine: the highest request id interrupted so far.
    raised: Rc<Cell<u64>>,
    /// Whether MPI granted `MPI_THREAD_FUNNELED` (helper threads that never call it).
    funneled: bool,
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
    // Funneled: only this thread calls MPI, but native kernels may run on helper threads
    // beside it (SUMMA's GEMM while the next panel travels).
    let (universe, granted) = mpi::initialize_with_threading(mpi::Threading::Funneled)
        .ok_or_else(|| "MPI was already initialized".to_string())?;
    let world = universe.world();
    let (rank, size) = (world.rank() as usize, world.size() as usize);
    let color = if rank == 0 { Color::undefined() } else { Color::with_value(1) };
    let engines_comm = world.split_by_color(color);
    let signals = Rc::new(world.duplicate());
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
        signals,
        raised: Rc::new(Cell::new(0)),
        funneled: granted >= mpi::Threading::Funneled,
        _universe: universe,
    };
    Ok((role, t))
}

/// Tags of a message's header and of its detached payloads.
const HEADER: mpi::Tag = 0;
const PAYLOAD: mpi::Tag = 1;

/// How long a receive spins (yielding) before it sleeps between probes.
const SPIN: Duration = Duration::from_micros(200);
const NAP: Duration = Duration::from_micros(50);

impl MpiTransport {
    /// Tells every engine to stop (used when the console quits before its client starts).
    pub fn shutdown_engines(&self) -> Result<(), TransportError> {
        (0..self.engines).try_for_each(|e| self.send(Peer::Engine(e), Message::Shutdown))
    }

    /// On the console: raises the probe of the engine `to` if `msg` is an interrupt.
    fn raise(&self, to: Peer, msg: &Message) {
        if let (Peer::Console, Peer::Engine(e), Some(up_to)) = (self.me, to, raises_probe(msg)) {
            // Eight bytes: sent eagerly, so this does not wait for the engine.
            self.signals.process_at_rank(codec::peer_to_rank(Peer::Engine(e)) as i32).send(&up_to);
        }
    }

    /// Moves every message that has arrived into the inbox.
    fn drain(&self) {
        let mut inbox = self.inbox.borrow_mut();
        while let Some(matched) = self.world.any_process().immediate_matched_probe_with_tag(HEADER) {
            let from = codec::rank_to_peer(matched.1.source_rank() as usize);
            inbox.push_back((from, self.receive(&self.world, matched)));
        }
        if let Some(comm) = &self.engines_comm {
            while let Some(matched) = comm.any_process().immediate_matched_probe_with_tag(HEADER) {
                let from = Peer::Engine(matched.1.source_rank() as usize);
                inbox.push_back((from, self.receive(comm, matched)));
            }
        }
    }

    /// Receives a probed header, then its payloads, and decodes the message.
    fn receive(&self, comm: &SimpleCommunicator, (msg, status): (mpi::point_to_point::Message, Status)) -> Message {
        let n = status.count(u8::equivalent_datatype()).max(0) as usize;
        let mut header: Vec<u8> = Vec::with_capacity(n);
        let mut room = Room { ptr: header.as_mut_ptr(), len: n };
        msg.matched_receive_into(&mut room);
        // SAFETY: MPI wrote all `n` bytes of the room.
        unsafe { header.set_len(n) };
        let sender = comm.process_at_rank(status.source_rank());
        let Some((body, k)) = header.split_last_chunk::<4>() else {
            return Message::Malformed { reason: "a message shorter than its header".into() };
        };
        let k = u32::from_le_bytes(*k) as usize;
        let mut taken = 0;
        let decoded = codec::decode_attached(body, &mut |tag, count| {
            taken += 1;
            if taken > k {
                return Err(DecodeError::Truncated { what: "detached elements" });
            }
            receive_payload(&sender, tag, count)
        });
        // Payloads the header did not ask for (it did not decode) are dropped.
        for _ in taken.min(k)..k {
            discard(sender.matched_probe_with_tag(PAYLOAD));
        }
        decoded.unwrap_or_else(|e| Message::Malformed { reason: e.to_string() })
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

    /// Sends each encoded message (header and payloads) to its `(comm, rank)`, all at once
    /// (in flight together, so receivers copy their parts in parallel), draining the
    /// inbox until every send has completed.
    fn send_all_bytes(&self, sends: &[(&SimpleCommunicator, usize, &Encoded)]) {
        let parts = sends.iter().flat_map(|&(comm, rank, e)| {
            let to = comm.process_at_rank(rank as i32);
            std::iter::once((to, HEADER, &e.header[..])).chain(e.payloads.iter().map(move |&p| (to, PAYLOAD, p)))
        });
        let parts: Vec<_> = parts.collect();
        mpi::request::scope(|scope| {
            let mut pending: Vec<_> =
                parts.iter().map(|&(to, tag, bytes)| to.immediate_send_with_tag(scope, bytes, tag)).collect();
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

/// A message ready to send: its header (the codec's bytes, then the payload count) and
/// its detached payloads, which borrow the message's own buffers.
struct Encoded<'m> {
    header: Vec<u8>,
    payloads: Vec<&'m [u8]>,
}

/// `msgs` encoded for sending.
fn encode_all<'m>(msgs: impl Iterator<Item = &'m Message>) -> Vec<Encoded<'m>> {
    msgs.map(|m| {
        let mut header = Vec::new();
        let payloads = codec::encode_detached(m, &mut header);
        let count = u32::try_from(payloads.len()).expect("fewer than 2^32 arrays in one message");
        header.extend_from_slice(&count.to_le_bytes());
        Encoded { header, payloads }
    })
    .collect()
}

/// Receives the next payload from `sender` straight into a new buffer of `count`
/// elements of type `tag` (after checking that its size is exactly that).
fn receive_payload(
    sender: &mpi::topology::Process<'_>,
    tag: u8,
    count: usize,
) -> Result<crate::protocol::Buffer, DecodeError> {
    let (payload, status) = sender.matched_probe_with_tag(PAYLOAD);
    let bytes = status.count(u8::equivalent_datatype()).max(0) as usize;
    let fits = raw::elem_size(tag).and_then(|size| size.checked_mul(count)) == Some(bytes);
    let filling = if fits { raw::filling(tag, count) } else { None };
    let Some(mut filling) = filling else {
        discard((payload, status));
        return Err(DecodeError::BadShape { shape: vec![count], elements: bytes });
    };
    let (ptr, len) = filling.room();
    let mut room = Room { ptr, len: bytes.min(len) };
    payload.matched_receive_into(&mut room);
    // SAFETY: MPI wrote all `bytes = count × size` bytes of the room.
    Ok(unsafe { filling.finish(count) })
}

/// Receives a probed message and drops it.
fn discard((msg, status): (mpi::point_to_point::Message, Status)) {
    let mut bytes = vec![0u8; status.count(u8::equivalent_datatype()).max(0) as usize];
    msg.matched_receive_into(&mut bytes[..]);
}

/// Uninitialised memory that MPI receives bytes into (a `&mut [u8]` would claim the
/// bytes are initialised before they are).
struct Room {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: `ptr` is valid for writes of `len` bytes for as long as the `Room` is borrowed
// (it is the spare capacity of a vector that outlives the receive: `Room`s are made only
// in this file, each from a vector with at least `len` bytes of room), and the datatype and
// count describe exactly those bytes.
unsafe impl mpi::datatype::PointerMut for Room {
    fn pointer_mut(&mut self) -> *mut std::ffi::c_void {
        self.ptr.cast()
    }
}
unsafe impl mpi::datatype::Collection for Room {
    fn count(&self) -> mpi::Count {
        mpi::Count::try_from(self.len).expect("a payload below 2 GiB")
    }
}
unsafe impl mpi::datatype::AsDatatype for Room {
    type Out = <u8 as Equivalence>::Out;
    fn as_datatype(&self) -> Self::Out {
        u8::equivalent_datatype()
    }
}
unsafe impl mpi::datatype::BufferMut for Room {}

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
        self.raise(to, &msg);
        let encoded = encode_all(std::iter::once(&msg));
        self.send_all_bytes(&[(comm, rank, &encoded[0])]);
        Ok(())
    }

    fn send_to_all(&self, to: &[Peer], msg: Message) -> Vec<Result<(), TransportError>> {
        // Encoded once, whatever the number of peers, and sent to all of them at once.
        let encoded = encode_all(std::iter::once(&msg));
        let routes: Vec<_> = to.iter().map(|&p| self.route(p)).collect();
        for (&p, r) in to.iter().zip(&routes) {
            if r.is_ok() {
                self.raise(p, &msg);
            }
        }
        let sends: Vec<_> = routes.iter().flatten().map(|&(comm, rank)| (comm, rank, &encoded[0])).collect();
        self.send_all_bytes(&sends);
        routes.into_iter().map(|r| r.map(|_| ())).collect()
    }

    fn send_each(&self, msgs: Vec<(Peer, Message)>) -> Vec<Result<(), TransportError>> {
        // Each encoded into its own buffer, then all sent at once.
        let routes: Vec<_> = msgs.iter().map(|(p, _)| self.route(*p)).collect();
        for ((p, m), r) in msgs.iter().zip(&routes) {
            if r.is_ok() {
                self.raise(*p, m);
            }
        }
        let routed = msgs.iter().zip(&routes).filter(|(_, r)| r.is_ok()).map(|((_, m), _)| m);
        let encoded = encode_all(routed);
        let sends: Vec<_> = routes.iter().flatten().zip(&encoded).map(|(&(comm, rank), e)| (comm, rank, e)).collect();
        self.send_all_bytes(&sends);
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

    fn helper_threads(&self) -> bool {
        self.funneled
    }

    fn interrupt_probe(&self) -> crate::interrupt::Probe {
        let (signals, raised) = (Rc::downgrade(&self.signals), self.raised.clone());
        Rc::new(move || {
            if let Some(comm) = signals.upgrade() {
                let console = comm.process_at_rank(0);
                while let Some((msg, _)) = console.immediate_matched_probe() {
                    let (up_to, _) = msg.matched_receive::<u64>();
                    raised.set(raised.get().max(up_to));
                }
            }
            raised.get()
        })
    }
}
