//! The console's side of the conversation with the engines.
//!
//! [`Client`] sends requests, keeps track of those in flight (several may be, each
//! matched to its replies by id), hands printed output to a sink as it arrives, and
//! turns replies into values or one [`CompositeError`]. It also does the two things only
//! the console can see: it tells engines still inside a request that others have left it
//! (so their collectives fail instead of waiting forever), and it forwards interrupts.
//! Pictures that engines draw arrive like printed output and go to a plot sink, which
//! saves and shows them; if it cannot (say, the file cannot be written), that engine's
//! part of the request fails with a `PlotError`. It is also the console's DistDict link
//! (`client::dicts`).
//! It knows nothing of Rhai: values are protocol [`Value`]s.
//!
//! Beside plain requests: [`tasks`] keeps `submit`'s calls in a queue until an engine is
//! idle (and re-runs them elsewhere if their engine is lost), [`farm`] runs `map` and
//! `lb_map`, [`data`] splits and joins `scatter`/`gather` pieces, and [`progress`] is the
//! hook through which long waits report how far they are.

pub mod data;
mod dicts;
pub mod farm;
mod outcome;
pub mod progress;
mod status;
mod targets;
pub mod tasks;

use outcome::lost_reply;
pub use outcome::{collect, ClientError, CompositeError, Notice};
pub use status::{Busy, WaitProgress};
pub use targets::parse_targets;

use crate::protocol::{
    EngineStatus, Message, Output, Peer, PlotImage, RemoteError, Reply, Request, RequestKind, Stream, Value, VERSION,
};
use crate::transport::Transport;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long after the first engine leaves a request the others are told about it.
const PEER_NOTICE_AFTER: Duration = Duration::from_millis(20);

/// What an engine said about itself when it started.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineInfo {
    pub host: String,
    pub pid: u32,
}

struct Pending {
    targets: Vec<usize>,
    replies: HashMap<usize, Reply>,
    first_reply: Option<Instant>,
    /// Engines whose departure was already announced to the others.
    announced: HashSet<usize>,
    /// Engines whose pictures could not be saved, with why: their replies become errors.
    plot_errors: HashMap<usize, String>,
    submitted: Instant,
}

/// Receives engines' printed output as it arrives.
pub type OutputSink = Box<dyn FnMut(&Output)>;

/// Saves and shows a picture sent by an engine; the error says why it could not.
pub type PlotSink = Box<dyn FnMut(&PlotImage) -> Result<(), String>>;

/// Receives [`Notice`]s as they happen.
pub type NoticeSink = Box<dyn FnMut(&Notice)>;

pub struct Client {
    transport: Box<dyn Transport>,
    info: Vec<EngineInfo>,
    next_id: u64,
    pending: BTreeMap<u64, Pending>,
    sink: OutputSink,
    plot_sink: Option<PlotSink>,
    /// Set (e.g. by a SIGINT handler) to interrupt what is running.
    interrupt_flag: Arc<AtomicBool>,
    /// Engines that are gone, with the reason.
    lost: BTreeMap<usize, String>,
    notices: NoticeSink,
    /// Failed items of map requests in flight, by request id: (item index, error).
    item_errors: HashMap<u64, Vec<(u64, RemoteError)>>,
    /// `submit`'s queue and its tasks.
    tasks: tasks::Tasks,
    /// How many times requests in flight were interrupted (so loops that keep sending,
    /// like `lb_map`, can stop; dict waits end on a new one too).
    interrupts: u64,
    /// DistDict requests in flight and their replies (see `client::dicts`).
    dict_next_id: u64,
    dict_waiting: HashSet<u64>,
    dict_replies: HashMap<u64, crate::distdict::Outcome>,
    /// Engines interrupted by `interrupt_running` (what the flag does), since last asked.
    flag_interrupted: Vec<usize>,
    /// The latest status query and the answers to it so far.
    status_query: u64,
    statuses: HashMap<usize, EngineStatus>,
    /// Called while `wait` waits (the REPL's live progress line).
    wait_hook: Option<WaitHook>,
}

/// See [`Client::set_wait_hook`].
pub type WaitHook = Box<dyn FnMut(&WaitProgress)>;

impl Client {
    /// Waits for every engine's hello and checks the protocol version.
    pub fn connect(transport: Box<dyn Transport>, sink: OutputSink) -> Result<Client, ClientError> {
        crate::memory::cache::start_trimmer();
        let n = transport.engines();
        let mut info: Vec<Option<EngineInfo>> = vec![None; n];
        let deadline = Instant::now() + Duration::from_secs(60);
        while info.iter().any(Option::is_none) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let missing: Vec<usize> = (0..n).filter(|&e| info[e].is_none()).collect();
                return Err(ClientError::Handshake(format!("no hello from engines {missing:?} within 60 s")));
            }
            match transport.recv_timeout(left.min(Duration::from_millis(100))) {
                Some((Peer::Engine(e), Message::Hello { version, host, pid })) if e < n => {
                    if version != VERSION {
                        return Err(ClientError::Handshake(format!(
                            "engine {e} speaks protocol {version}, this console {VERSION}"
                        )));
                    }
                    info[e] = Some(EngineInfo { host, pid });
                }
                Some((Peer::Engine(e), Message::Goodbye { reason, .. })) => {
                    return Err(ClientError::Handshake(format!("engine {e} ended: {reason}")));
                }
                _ => {}
            }
        }
        Ok(Client {
            transport,
            info: info.into_iter().map(Option::unwrap).collect(),
            next_id: 1,
            pending: BTreeMap::new(),
            sink,
            plot_sink: None,
            interrupt_flag: Arc::new(AtomicBool::new(false)),
            lost: BTreeMap::new(),
            notices: Box::new(|_| {}),
            item_errors: HashMap::new(),
            tasks: tasks::Tasks::default(),
            interrupts: 0,
            dict_next_id: 0,
            dict_waiting: HashSet::new(),
            dict_replies: HashMap::new(),
            flag_interrupted: Vec::new(),
            status_query: 0,
            statuses: HashMap::new(),
            wait_hook: None,
        })
    }

    pub fn engines(&self) -> usize {
        self.info.len()
    }

    pub fn info(&self) -> &[EngineInfo] {
        &self.info
    }

    pub fn transport_kind(&self) -> &'static str {
        self.transport.kind()
    }

    /// Where pictures drawn on engines go from now on (without one, they are refused).
    pub fn set_plot_sink(&mut self, sink: PlotSink) {
        self.plot_sink = Some(sink);
    }

    /// The flag that, once set, interrupts the requests being waited for.
    pub fn interrupt_flag(&self) -> Arc<AtomicBool> {
        self.interrupt_flag.clone()
    }

    /// Where [`Notice`]s go (by default nowhere).
    pub fn set_notice_sink(&mut self, sink: NoticeSink) {
        self.notices = sink;
    }

    /// The engines that are gone, with the reason.
    pub fn lost(&self) -> &BTreeMap<usize, String> {
        &self.lost
    }

    /// The engines still there, in order.
    pub fn live_engines(&self) -> Vec<usize> {
        (0..self.engines()).filter(|e| !self.lost.contains_key(e)).collect()
    }

    /// How many times requests in flight have been interrupted so far.
    pub fn interrupts(&self) -> u64 {
        self.interrupts
    }

    /// Sends a request to `targets` (already checked) and returns its id.
    /// The same request goes to every target through `Transport::send_to_all`, so a
    /// transport that serialises encodes its bulk data once.
    pub fn submit(&mut self, targets: &[usize], kind: RequestKind) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let mut pending = self.new_pending(targets);
        let peers: Vec<Peer> = targets.iter().map(|&e| Peer::Engine(e)).collect();
        let req = Request { id, targets: targets.to_vec(), kind };
        let results = self.transport.send_to_all(&peers, Message::Request(req));
        for (&e, result) in targets.iter().zip(results) {
            self.note_sent(id, e, result, &mut pending);
        }
        self.pending.insert(id, pending);
        id
    }

    fn new_pending(&self, targets: &[usize]) -> Pending {
        Pending {
            targets: targets.to_vec(),
            replies: HashMap::new(),
            first_reply: None,
            announced: HashSet::new(),
            plot_errors: HashMap::new(),
            submitted: Instant::now(),
        }
    }

    /// Records a failed send (the engine is lost) and a lost engine's reply.
    fn note_sent(&mut self, id: u64, e: usize, result: Result<(), crate::transport::TransportError>, p: &mut Pending) {
        if let Err(err) = result {
            self.lost.entry(e).or_insert_with(|| err.to_string());
        }
        if let Some(reason) = self.lost.get(&e) {
            p.replies.insert(e, lost_reply(id, e, reason));
        }
    }

    /// Sends one request (one id) whose content differs per target: `kinds[i]` goes to
    /// `targets[i]` (e.g. each engine's block of a scatter). Returns its id.
    pub fn submit_each(&mut self, targets: &[usize], kinds: Vec<RequestKind>) -> u64 {
        assert_eq!(targets.len(), kinds.len(), "one request kind per target");
        let id = self.next_id;
        self.next_id += 1;
        let mut pending = self.new_pending(targets);
        let msgs = targets
            .iter()
            .zip(kinds)
            .map(|(&e, kind)| (Peer::Engine(e), Message::Request(Request { id, targets: targets.to_vec(), kind })))
            .collect();
        let results = self.transport.send_each(msgs);
        for (&e, result) in targets.iter().zip(results) {
            self.note_sent(id, e, result, &mut pending);
        }
        self.pending.insert(id, pending);
        id
    }

    /// Whether every engine has answered request `id`.
    pub fn is_done(&self, id: u64) -> bool {
        self.pending.get(&id).is_none_or(|p| p.replies.len() == p.targets.len())
    }

    /// How many engines have answered request `id` so far.
    pub fn replies_so_far(&self, id: u64) -> usize {
        self.pending.get(&id).map_or(0, |p| p.replies.len())
    }

    /// Waits for request `id`, at most `timeout` (forever if `None`). Returns its replies
    /// in target order, or `None` if it is still running at the deadline.
    pub fn wait(&mut self, id: u64, timeout: Option<Duration>) -> Option<Vec<Reply>> {
        let deadline = timeout.map(|t| Instant::now() + t);
        if !self.is_done(id) {
            self.pump(Duration::ZERO);
        }
        while !self.is_done(id) {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left.is_some_and(|l| l.is_zero()) {
                return None;
            }
            self.pump(left.unwrap_or(Duration::MAX).min(Duration::from_millis(5)));
            self.report_wait(id);
        }
        self.report_wait(id);
        let mut p = self.pending.remove(&id)?;
        Some(p.targets.iter().map(|e| p.replies.remove(e).expect("every target replied")).collect())
    }

    /// Takes in messages for up to `pause`, and does the periodic duties.
    pub fn pump(&mut self, pause: Duration) {
        if self.interrupt_flag.swap(false, Ordering::SeqCst) {
            self.interrupt_running();
        }
        if let Some((from, msg)) = self.transport.recv_timeout(pause) {
            self.handle(from, msg);
            while let Some((from, msg)) = self.transport.try_recv() {
                self.handle(from, msg);
            }
        }
        self.announce_departures();
        self.step_tasks();
    }

    fn handle(&mut self, from: Peer, msg: Message) {
        match msg {
            Message::Output(out) => (self.sink)(&out),
            Message::Plot(image) => self.plot_arrived(image),
            Message::Reply(mut reply) => {
                if let Some(p) = self.pending.get_mut(&reply.request) {
                    if let Some(message) = p.plot_errors.remove(&reply.engine) {
                        if reply.outcome.is_ok() {
                            let engine = reply.engine;
                            let kind = "PlotError".into();
                            reply.outcome =
                                Err(RemoteError { engine, kind, message, position: None, call_chain: vec![] });
                        }
                    }
                    p.first_reply.get_or_insert_with(Instant::now);
                    p.replies.insert(reply.engine, reply);
                }
            }
            Message::Goodbye { engine, reason } => self.engine_lost(engine, reason),
            Message::ItemFailed { request, item, error } if self.pending.contains_key(&request) => {
                self.item_errors.entry(request).or_default().push((item, error));
            }
            Message::Dict(m) => self.take_dict_message(m),
            Message::Status(st) if st.query == self.status_query => {
                self.statuses.insert(st.engine, st);
            }
            Message::Malformed { reason } => {
                let engine = if let Peer::Engine(e) = from { e } else { 0 };
                self.engine_lost(engine, format!("sent a malformed message ({reason})"));
            }
            _ => {}
        }
    }

    /// Hands a picture to the plot sink; a failure is kept for the engine's reply (the
    /// picture arrives before it), or shown if its request is no longer awaited.
    fn plot_arrived(&mut self, image: PlotImage) {
        let outcome = match &mut self.plot_sink {
            Some(sink) => sink(&image),
            None => Err(format!("plot: this console cannot take pictures from engines ({} dropped)", image.kind)),
        };
        let Err(message) = outcome else { return };
        match self.pending.get_mut(&image.request) {
            Some(p) => {
                p.plot_errors.entry(image.engine).or_insert(message);
            }
            None => {
                let out = Output { request: image.request, engine: image.engine, stream: Stream::Debug, text: message };
                (self.sink)(&out)
            }
        }
    }

    fn engine_lost(&mut self, engine: usize, reason: String) {
        if self.lost.contains_key(&engine) {
            return;
        }
        self.lost.insert(engine, reason.clone());
        (self.notices)(&Notice::EngineLost { engine, reason: reason.clone() });
        for (id, p) in self.pending.iter_mut() {
            if p.targets.contains(&engine) && !p.replies.contains_key(&engine) {
                p.replies.insert(engine, lost_reply(*id, engine, &reason));
                p.first_reply.get_or_insert_with(Instant::now);
            }
        }
    }

    /// Tells engines still inside a request which engines have left it.
    fn announce_departures(&mut self) {
        for (&id, p) in self.pending.iter_mut() {
            let Some(first) = p.first_reply else { continue };
            if first.elapsed() < PEER_NOTICE_AFTER || p.replies.len() == p.targets.len() {
                continue;
            }
            let news: Vec<(usize, bool)> = p
                .replies
                .iter()
                .filter(|(e, _)| !p.announced.contains(*e))
                .map(|(e, r)| (*e, r.outcome.is_err()))
                .collect();
            if news.is_empty() {
                continue;
            }
            p.announced.extend(news.iter().map(|(e, _)| *e));
            for &e in p.targets.iter().filter(|e| !p.replies.contains_key(e)) {
                let msg = Message::PeerDone { request: id, engines: news.clone() };
                let _ = self.transport.send(Peer::Engine(e), msg);
            }
        }
    }

    /// The failed items reported for request `id` (item index, error), taken out.
    pub fn take_item_errors(&mut self, id: u64) -> Vec<(u64, RemoteError)> {
        self.item_errors.remove(&id).unwrap_or_default()
    }

    /// Interrupts every request in flight on its targets, and drops the tasks that were
    /// still waiting for an engine.
    pub fn interrupt_running(&mut self) {
        self.interrupts += 1;
        self.cancel_queued_tasks();
        let mut targets: Vec<usize> = self
            .pending
            .values()
            .flat_map(|p| p.targets.iter().copied().filter(|e| !p.replies.contains_key(e)))
            .collect();
        targets.sort_unstable();
        targets.dedup();
        self.interrupt(&targets);
        self.flag_interrupted.extend(targets);
    }

    /// Interrupts whatever `targets` are running or have queued.
    pub fn interrupt(&mut self, targets: &[usize]) {
        let up_to = self.next_id - 1;
        for &e in targets {
            let _ = self.transport.send(Peer::Engine(e), Message::Interrupt { up_to });
        }
    }

    /// Runs `kind` on `targets` and waits: the values in target order, or every error.
    pub fn run(&mut self, targets: &[usize], kind: RequestKind, origin: &str) -> Result<Vec<Value>, CompositeError> {
        let code = match &kind {
            RequestKind::Execute { code, .. } | RequestKind::Define { source: code } => Some(code.clone()),
            _ => None,
        };
        let id = self.submit(targets, kind);
        let replies = self.wait(id, None).expect("no deadline");
        collect(replies, origin, code)
    }

    /// `px(code, targets)`.
    pub fn execute(&mut self, code: &str, targets: &[usize], origin: &str) -> Result<Vec<Value>, CompositeError> {
        let kind = RequestKind::Execute { code: Arc::from(code), origin: origin.to_string() };
        self.run(targets, kind, origin)
    }

    /// Compiles `source`'s functions into every live engine's library.
    pub fn define(&mut self, source: &str) -> Result<(), CompositeError> {
        let live = self.live_engines();
        self.run(&live, RequestKind::Define { source: Arc::from(source) }, "function definitions").map(|_| ())
    }

    /// Ends every engine. Idempotent.
    pub fn shutdown(&mut self) {
        for e in 0..self.engines() {
            if !self.lost.contains_key(&e) {
                let _ = self.transport.send(Peer::Engine(e), Message::Shutdown);
            }
        }
        self.lost.extend((0..self.engines()).map(|e| (e, "shut down".to_string())));
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.shutdown();
    }
}
