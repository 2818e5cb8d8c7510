//! Tasks: single calls (`submit(f, args...)`) that run on whichever engine is idle.
//!
//! A task waits in a queue at the console until some engine has nothing of this client's
//! in flight, then goes there as one request. The queue moves whenever the client pumps
//! messages (any wait at the console), so tasks keep flowing while a script waits on any
//! of them. If a task's engine is lost before it replies, the task goes back to the front
//! of the queue and runs on another engine; only when no engine is left does it fail with
//! the loss. Interrupting (Ctrl-C) drops the tasks still queued, with an "Interrupted"
//! outcome, and interrupts the running ones like any request.

use super::Client;
use crate::protocol::{RemoteError, RequestKind, Value};
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// How a task ended.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskReply {
    /// The engine it ran on (`None`: it was dropped before reaching one).
    pub engine: Option<usize>,
    pub outcome: Result<Value, RemoteError>,
    /// Seconds it ran on its engine.
    pub elapsed: f64,
}

enum State {
    Queued,
    Running { request: u64, engine: usize },
    Done(TaskReply),
}

struct Task {
    kind: RequestKind,
    state: State,
}

/// The queue and every task not yet collected.
#[derive(Default)]
pub(super) struct Tasks {
    next: u64,
    tasks: HashMap<u64, Task>,
    queue: VecDeque<u64>,
}

impl Client {
    /// Queues `kind` (usually a [`RequestKind::Call`]) to run on the next idle engine.
    /// Returns the task's id.
    pub fn submit_task(&mut self, kind: RequestKind) -> u64 {
        let id = self.tasks.next;
        self.tasks.next += 1;
        self.tasks.tasks.insert(id, Task { kind, state: State::Queued });
        self.tasks.queue.push_back(id);
        self.step_tasks();
        id
    }

    /// The engine task `id` runs (or ran) on, if it has reached one.
    pub fn task_engine(&self, id: u64) -> Option<usize> {
        match &self.tasks.tasks.get(&id)?.state {
            State::Queued => None,
            State::Running { engine, .. } => Some(*engine),
            State::Done(r) => r.engine,
        }
    }

    /// Whether task `id` has ended (an unknown id counts as ended).
    pub fn task_done(&self, id: u64) -> bool {
        self.tasks.tasks.get(&id).is_none_or(|t| matches!(t.state, State::Done(_)))
    }

    /// Waits for task `id`, at most `timeout` (forever if `None`), and takes its reply
    /// out. `None` if it is still running at the deadline, or was already taken.
    pub fn wait_task(&mut self, id: u64, timeout: Option<Duration>) -> Option<TaskReply> {
        let deadline = timeout.map(|t| Instant::now() + t);
        self.step_tasks();
        while !self.task_done(id) {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left.is_some_and(|l| l.is_zero()) {
                return None;
            }
            self.pump(left.unwrap_or(Duration::MAX).min(Duration::from_millis(5)));
        }
        match self.tasks.tasks.remove(&id)?.state {
            State::Done(reply) => Some(reply),
            _ => unreachable!("checked done"),
        }
    }

    /// The live engines with no request of this client in flight.
    pub fn idle_engines(&self) -> Vec<usize> {
        let mut busy = vec![false; self.engines()];
        for p in self.pending.values() {
            for &e in p.targets.iter().filter(|e| !p.replies.contains_key(e)) {
                busy[e] = true;
            }
        }
        self.live_engines().into_iter().filter(|&e| !busy[e]).collect()
    }

    /// Collects finished tasks (re-queuing those whose engine was lost) and sends queued
    /// tasks to idle engines.
    pub(super) fn step_tasks(&mut self) {
        if self.tasks.tasks.is_empty() {
            return;
        }
        let running: Vec<(u64, u64)> = self
            .tasks
            .tasks
            .iter()
            .filter_map(|(&id, t)| match t.state {
                State::Running { request, .. } if self.is_done(request) => Some((id, request)),
                _ => None,
            })
            .collect();
        let mut retry = Vec::new();
        for (id, request) in running {
            let reply = self.wait(request, Some(Duration::ZERO)).and_then(|mut r| r.pop()).expect("done");
            let retry_elsewhere =
                matches!(&reply.outcome, Err(e) if e.kind == "EngineLost") && !self.live_engines().is_empty();
            let task = self.tasks.tasks.get_mut(&id).expect("running task");
            if retry_elsewhere {
                task.state = State::Queued;
                retry.push(id);
            } else {
                let engine = Some(reply.engine);
                task.state = State::Done(TaskReply { engine, outcome: reply.outcome, elapsed: reply.elapsed });
            }
        }
        // Tasks that lost their engine run before the others, in their original order.
        retry.sort_unstable();
        for id in retry.into_iter().rev() {
            self.tasks.queue.push_front(id);
        }
        if self.tasks.queue.is_empty() {
            return;
        }
        if self.live_engines().is_empty() {
            self.fail_queued("EngineLost", "every engine is gone");
            return;
        }
        for engine in self.idle_engines() {
            let Some(id) = self.tasks.queue.pop_front() else { break };
            let task = self.tasks.tasks.get_mut(&id).expect("queued task");
            let kind = task.kind.clone();
            let request = self.submit(&[engine], kind);
            self.tasks.tasks.get_mut(&id).expect("queued task").state = State::Running { request, engine };
        }
    }

    /// Ends every queued task with an error of `kind`.
    fn fail_queued(&mut self, kind: &str, message: &str) {
        while let Some(id) = self.tasks.queue.pop_front() {
            let error = RemoteError {
                engine: 0,
                kind: kind.into(),
                message: message.into(),
                position: None,
                call_chain: vec![],
            };
            if let Some(t) = self.tasks.tasks.get_mut(&id) {
                t.state = State::Done(TaskReply { engine: None, outcome: Err(error), elapsed: 0.0 });
            }
        }
    }

    /// Drops the tasks that have not reached an engine yet (on an interrupt).
    pub(super) fn cancel_queued_tasks(&mut self) {
        self.fail_queued("Interrupted", "interrupted before it reached an engine");
    }
}
