//! What the console can learn about the engines while requests run: their status
//! (asked with `Message::StatusQuery`, answered from the engines' progress loops), the
//! requests in flight, which engines an interrupt reached, and a hook called while
//! [`Client::wait`] waits (for a live progress line).

use super::Client;
use crate::protocol::{EngineStatus, Message, Peer};
use std::time::{Duration, Instant};

/// How a wait is going, for [`Client::set_wait_hook`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WaitProgress {
    pub request: u64,
    /// Since the request was submitted.
    pub elapsed: Duration,
    /// Engines that have answered, of `total`.
    pub done: usize,
    pub total: usize,
}

/// A request in flight on an engine, as the console sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Busy {
    pub request: u64,
    pub since: Duration,
}

impl Client {
    /// Asks every engine for its status and waits up to `timeout` for the answers. An
    /// engine that is gone, or does not answer in time (busy in native code), is an
    /// `Err` saying so.
    pub fn status(&mut self, timeout: Duration) -> Vec<Result<EngineStatus, String>> {
        self.status_query += 1;
        self.statuses.clear();
        let query = self.status_query;
        let n = self.engines();
        let alive: Vec<usize> = (0..n).filter(|e| !self.lost.contains_key(e)).collect();
        for e in alive {
            if let Err(err) = self.transport.send(Peer::Engine(e), Message::StatusQuery { query }) {
                self.lost.entry(e).or_insert_with(|| err.to_string());
            }
        }
        let deadline = Instant::now() + timeout;
        let waiting = |c: &Client| (0..n).any(|e| !c.lost.contains_key(&e) && !c.statuses.contains_key(&e));
        while waiting(self) && Instant::now() < deadline {
            self.pump(Duration::from_millis(2));
        }
        (0..n)
            .map(|e| match (self.statuses.remove(&e), self.lost.get(&e)) {
                (Some(st), _) => Ok(st),
                (None, Some(reason)) => Err(format!("gone: {reason}")),
                (None, None) => Err(format!("no answer within {:.1} s", timeout.as_secs_f64())),
            })
            .collect()
    }

    /// The requests in flight on `engine` that it has not answered, oldest first.
    pub fn busy(&self, engine: usize) -> Vec<Busy> {
        self.pending
            .iter()
            .filter(|(_, p)| p.targets.contains(&engine) && !p.replies.contains_key(&engine))
            .map(|(&request, p)| Busy { request, since: p.submitted.elapsed() })
            .collect()
    }

    /// The engines interrupted by [`Client::interrupt_running`] (what setting the
    /// interrupt flag does) since the last call, sorted.
    pub fn take_interrupted(&mut self) -> Vec<usize> {
        let mut e = std::mem::take(&mut self.flag_interrupted);
        e.sort_unstable();
        e.dedup();
        e
    }

    /// Calls `hook` while [`Client::wait`] waits, and once when the request is done.
    pub fn set_wait_hook(&mut self, hook: Option<super::WaitHook>) {
        self.wait_hook = hook;
    }

    pub(super) fn report_wait(&mut self, id: u64) {
        let Some(p) = self.pending.get(&id) else { return };
        let progress =
            WaitProgress { request: id, elapsed: p.submitted.elapsed(), done: p.replies.len(), total: p.targets.len() };
        if let Some(hook) = self.wait_hook.as_mut() {
            hook(&progress);
        }
    }
}
