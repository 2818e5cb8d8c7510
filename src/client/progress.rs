//! How long operations at the console report how far they are.
//!
//! `map`, `lb_map`, `AsyncResult.wait` and `wait_all` call a [`ProgressHook`] while they
//! wait: about every [`EVERY`], never for an operation shorter than that, and once more
//! with `finished` set when an operation that reported ends (so a bar can be cleared).
//! The hook decides what to show; the REPL draws a bar once an operation has run a few
//! seconds, and batch runs and line mode install none, so they show nothing.

use std::time::{Duration, Instant};

/// How often a waiting operation reports.
pub const EVERY: Duration = Duration::from_millis(100);

/// One report: `done` of `total` units (items, engines or results) after `elapsed`.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress<'a> {
    /// The operation: "map", "lb_map", "wait" or "wait_all".
    pub what: &'a str,
    pub done: usize,
    pub total: usize,
    pub elapsed: Duration,
    /// The operation has ended (the last report).
    pub finished: bool,
}

impl Progress<'_> {
    /// Units per second so far.
    pub fn rate(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            self.done as f64 / s
        } else {
            0.0
        }
    }

    /// The time left at the rate so far, once something is done.
    pub fn eta(&self) -> Option<Duration> {
        let rate = self.rate();
        (self.done > 0 && rate > 0.0).then(|| Duration::from_secs_f64((self.total - self.done) as f64 / rate))
    }
}

/// Receives progress reports.
pub type ProgressHook = Box<dyn FnMut(&Progress)>;

/// Paces the reports of one operation.
pub struct Ticker {
    what: &'static str,
    started: Instant,
    last: Instant,
    reported: bool,
}

impl Ticker {
    pub fn new(what: &'static str) -> Ticker {
        let now = Instant::now();
        Ticker { what, started: now, last: now, reported: false }
    }

    /// Reports `done` of `total` if [`EVERY`] has passed since the last report.
    pub fn tick(&mut self, hook: Option<&mut ProgressHook>, done: usize, total: usize) {
        let Some(hook) = hook else { return };
        if self.last.elapsed() < EVERY {
            return;
        }
        self.last = Instant::now();
        self.reported = true;
        hook(&Progress { what: self.what, done, total, elapsed: self.started.elapsed(), finished: false });
    }

    /// The last report, if there were others.
    pub fn finish(&mut self, hook: Option<&mut ProgressHook>, done: usize, total: usize) {
        if let (Some(hook), true) = (hook, self.reported) {
            hook(&Progress { what: self.what, done, total, elapsed: self.started.elapsed(), finished: true });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    #[test]
    fn short_operations_report_nothing_and_long_ones_end_with_finished() {
        let seen: Rc<RefCell<Vec<(usize, bool)>>> = Rc::default();
        let s = seen.clone();
        let mut hook: ProgressHook = Box::new(move |p| s.borrow_mut().push((p.done, p.finished)));
        let mut quick = Ticker::new("map");
        quick.tick(Some(&mut hook), 1, 2);
        quick.finish(Some(&mut hook), 2, 2);
        assert!(seen.borrow().is_empty());
        let mut slow = Ticker::new("map");
        std::thread::sleep(EVERY);
        slow.tick(Some(&mut hook), 1, 4);
        slow.tick(Some(&mut hook), 2, 4);
        slow.finish(Some(&mut hook), 4, 4);
        assert_eq!(*seen.borrow(), vec![(1, false), (4, true)]);
    }

    #[test]
    fn rate_and_eta() {
        let p = Progress { what: "lb_map", done: 25, total: 100, elapsed: Duration::from_secs(5), finished: false };
        assert_eq!(p.rate(), 5.0);
        assert_eq!(p.eta(), Some(Duration::from_secs(15)));
        assert_eq!(Progress { done: 0, ..p }.eta(), None);
    }
}
