//! What an engine knows between and during requests, and its progress loop.
//!
//! [`State`] is shared (through `Rc<RefCell<_>>`) by the request runner, Rhai's
//! `on_progress` and `on_print` callbacks, and the SPMD functions. Every message that
//! arrives passes through [`State::handle`]: requests queue up, interrupts mark the
//! requests they cover, point-to-point and collective messages wait in mailboxes, and
//! notices that peers left a request are kept for the collectives waiting on them, and
//! DistDict messages are served (`engine::dicts`).
//! [`State::wait_for`] is the one blocking wait: it keeps the inbox moving and ends on
//! an interrupt, so nothing waits in a way Ctrl-C cannot end.

use crate::protocol::{Message, Output, Peer, Request, Stream, Value};
use crate::transport::Transport;
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// The request an engine is running.
#[derive(Debug)]
pub struct Current {
    pub id: u64,
    pub targets: Vec<usize>,
    /// Collectives started so far in this request.
    pub collectives: u64,
}

/// A collective message waiting to be matched: (request, seq, from).
type CollectiveKey = (u64, u64, usize);

pub struct State {
    pub transport: Box<dyn Transport>,
    pub id: usize,
    pub engines: usize,
    pub queue: VecDeque<Request>,
    pub current: Option<Current>,
    /// Requests with an id up to this one are to be interrupted.
    pub interrupt_up_to: u64,
    /// The highest request id this engine has finished.
    pub last_finished: u64,
    pub shutdown: bool,
    /// Messages from `send`, per source engine, in arrival order.
    pub user_mail: HashMap<usize, VecDeque<Value>>,
    pub collective_mail: HashMap<CollectiveKey, (String, Result<Value, String>)>,
    /// Per request: engines that have left it, and whether they failed.
    pub peers_done: HashMap<u64, HashMap<usize, bool>>,
    /// Functions defined at the console (and closures), compiled here.
    pub lib: rhai::AST,
    /// Per engine group, the exchanges DistArray operations made in the running request.
    pub group_seq: HashMap<Vec<usize>, u64>,
    /// Per engine group, the ranks of its members on this engine's machine.
    pub group_hosts: HashMap<Vec<usize>, Vec<usize>>,
    /// This engine's DistDict parts and dict traffic (see `engine::dicts`).
    pub dd: crate::distdict::Node,
    /// What `%status` reports: the running request and the namespace (see `status`).
    pub report: super::status::Report,
}

/// Why a wait ended without its condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitError {
    Interrupted,
    /// The condition can no longer happen; the message says why.
    Failed(String),
}

/// How long a peer that has left a request gets for its last messages to arrive
/// (over MPI, messages from different ranks are not ordered).
const GRACE: Duration = Duration::from_millis(100);

impl State {
    pub fn new(transport: Box<dyn Transport>) -> State {
        let id = match transport.me() {
            Peer::Engine(e) => e,
            Peer::Console => panic!("an engine needs an engine endpoint"),
        };
        let engines = transport.engines();
        let dd = super::dicts::new_node(id, engines, transport.kind());
        State {
            transport,
            id,
            engines,
            queue: VecDeque::new(),
            current: None,
            interrupt_up_to: 0,
            last_finished: 0,
            shutdown: false,
            user_mail: HashMap::new(),
            collective_mail: HashMap::new(),
            peers_done: HashMap::new(),
            lib: rhai::AST::empty(),
            group_seq: HashMap::new(),
            group_hosts: HashMap::new(),
            dd,
            report: Default::default(),
        }
    }

    /// Takes in one message.
    pub fn handle(&mut self, from: Peer, msg: Message) {
        match (from, msg) {
            (_, Message::Request(r)) => self.queue.push_back(r),
            (_, Message::Interrupt { up_to }) => self.interrupt_up_to = self.interrupt_up_to.max(up_to),
            (_, Message::Shutdown) => self.shutdown = true,
            // Notices and collective messages of finished requests are dropped.
            (_, Message::PeerDone { request, engines }) if request > self.last_finished => {
                self.peers_done.entry(request).or_default().extend(engines);
            }
            (Peer::Engine(src), Message::User { value }) => self.user_mail.entry(src).or_default().push_back(value),
            (Peer::Engine(src), Message::Collective { request, seq, op, payload }) if request > self.last_finished => {
                self.collective_mail.insert((request, seq, src), (op, payload));
            }
            (Peer::Console, Message::StatusQuery { query }) => {
                let status = self.status(query);
                let _ = self.transport.send(Peer::Console, Message::Status(status));
            }
            (from, Message::Malformed { reason }) => {
                let text = format!("engine {} received a malformed message from {from:?}: {reason}", self.id);
                self.emit(Stream::Debug, text);
            }
            (from, Message::Dict(m)) => self.serve_dict(from, m),
            // Hellos are answered by the loop before any request; anything else is noise.
            _ => {}
        }
    }

    /// Takes in every message already waiting.
    pub fn poll(&mut self) {
        while let Some((from, msg)) = self.transport.try_recv() {
            self.handle(from, msg);
        }
        self.dict_tick();
    }

    /// Whether the running request has been asked to stop (or the engine to shut down).
    pub fn interrupted(&self) -> bool {
        self.shutdown || self.current.as_ref().is_some_and(|c| c.id <= self.interrupt_up_to)
    }

    /// Sends printed text to the console, tagged with the running request.
    pub fn emit(&mut self, stream: Stream, text: String) {
        let request = self.current.as_ref().map_or(0, |c| c.id);
        let out = Output { request, engine: self.id, stream, text };
        let _ = self.transport.send(Peer::Console, Message::Output(out));
    }

    /// Waits until `check` gives an answer, serving the inbox meanwhile. `check` returns
    /// `Some(Ok(v))` when done, `Some(Err(msg))` when the awaited thing can no longer
    /// happen; such failures are confirmed only after [`GRACE`], so that messages already
    /// on their way still count.
    pub fn wait_for<T>(
        &mut self,
        mut check: impl FnMut(&mut State) -> Option<Result<T, String>>,
    ) -> Result<T, WaitError> {
        let mut failing_since: Option<Instant> = None;
        let mut pause = Duration::from_micros(100);
        loop {
            self.poll();
            if self.interrupted() {
                return Err(WaitError::Interrupted);
            }
            match check(self) {
                Some(Ok(v)) => return Ok(v),
                Some(Err(msg)) => match failing_since {
                    Some(t) if t.elapsed() >= GRACE => return Err(WaitError::Failed(msg)),
                    Some(_) => {}
                    None => failing_since = Some(Instant::now()),
                },
                None => failing_since = None,
            }
            if let Some((from, msg)) = self.transport.recv_timeout(pause) {
                self.handle(from, msg);
                pause = Duration::from_micros(100);
            } else {
                pause = (pause * 2).min(Duration::from_millis(5));
            }
        }
    }

    /// Whether `engine` has left request `request`, and if so whether it failed.
    pub fn peer_left(&self, request: u64, engine: usize) -> Option<bool> {
        self.peers_done.get(&request).and_then(|m| m.get(&engine).copied())
    }

    /// The condition of a wait for the collective message `seq` of `request` from each of
    /// `peers`: `Some(Ok(()))` once all arrived, an error naming a peer that left the request
    /// without sending it, `None` while the wait goes on. `what` names the operation.
    pub fn collective_arrived(
        &self,
        request: u64,
        seq: u64,
        peers: &[usize],
        what: &str,
    ) -> Option<Result<(), String>> {
        for &e in peers {
            if !self.collective_mail.contains_key(&(request, seq, e)) {
                return self.peer_left(request, e).map(|failed| {
                    let how =
                        if failed { "failed before joining it" } else { "finished this request without joining it" };
                    Err(format!("{what}: engine {e} {how}"))
                });
            }
        }
        Some(Ok(()))
    }

    /// Forgets what belonged to requests up to `id`, which has just finished.
    pub fn finish(&mut self, id: u64) {
        self.last_finished = self.last_finished.max(id);
        self.current = None;
        let last = self.last_finished;
        self.collective_mail.retain(|(req, _, _), _| *req > last);
        self.peers_done.retain(|req, _| *req > last);
        self.group_seq.clear();
    }
}
