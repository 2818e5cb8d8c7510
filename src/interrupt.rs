//! The interrupt watch that native kernels poll between blocks of work.
//!
//! An engine inside a long native kernel (an elementwise expression over 10^8 elements,
//! an FFT, a sort, a GEMM, a file read) does not serve its inbox, so the `Interrupt`
//! message waits there until the kernel ends. Each transport therefore also raises an
//! out-of-band *probe* when the console interrupts an engine (threads: an atomic per
//! engine; MPI: a message on a communicator of its own), and the runner installs that
//! probe, with the running request's id, for the length of the request ([`watch`]).
//! Kernels call [`check`] between blocks of a few hundred microseconds of work; it asks
//! the probe at most every [`EVERY`] and fails once the request has been interrupted.
//! Plain Rust with no other dependency, so every layer down to `nd` can use it.
//!
//! A kernel that fails this way has written nothing its caller keeps: kernels build new
//! arrays, and a kernel that changes an array in place checks only before it starts
//! writing. Once tripped, the watch stays tripped until the request ends, so the runner
//! reports the request as interrupted even if a script caught the kernel's error.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// What a transport hands the runner: the highest request id the console has asked
/// this engine to interrupt so far (`u64::MAX` once it must shut down).
pub type Probe = Rc<dyn Fn() -> u64>;

/// The least time between two probes (a probe under MPI is a message probe).
pub const EVERY: Duration = Duration::from_micros(500);

/// A kernel stopped because its request was interrupted; `what` names the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted {
    pub what: &'static str,
}

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "interrupted in {}", self.what)
    }
}

impl std::error::Error for Interrupted {}

struct Watch {
    request: u64,
    probe: Probe,
    last: Instant,
    tripped: Option<&'static str>,
}

thread_local! {
    static WATCH: RefCell<Option<Watch>> = const { RefCell::new(None) };
}

/// Watches for an interrupt of `request` on this thread until the guard is dropped.
pub fn watch(request: u64, probe: Probe) -> Watching {
    let last = Instant::now() - EVERY;
    WATCH.with(|w| *w.borrow_mut() = Some(Watch { request, probe, last, tripped: None }));
    Watching(())
}

/// Ends the watch when dropped.
#[must_use = "the watch ends when this guard is dropped"]
pub struct Watching(());

impl Drop for Watching {
    fn drop(&mut self) {
        WATCH.with(|w| w.borrow_mut().take());
    }
}

/// Fails if the running request has been interrupted. `what` names the kernel in the
/// error. Cheap enough to call every few microseconds of work; without a watch (the
/// console, tests of plain kernels) it always succeeds.
pub fn check(what: &'static str) -> Result<(), Interrupted> {
    WATCH.with(|w| {
        let mut w = w.borrow_mut();
        let Some(w) = w.as_mut() else { return Ok(()) };
        if let Some(first) = w.tripped {
            return Err(Interrupted { what: first });
        }
        let now = Instant::now();
        if now.duration_since(w.last) < EVERY {
            return Ok(());
        }
        w.last = now;
        if (w.probe)() >= w.request {
            w.tripped = Some(what);
            return Err(Interrupted { what });
        }
        Ok(())
    })
}

/// Calls [`check`] once per [`Meter::PER`] elements of work, for kernels whose loops
/// are short (a row of a few elements) but many: `meter.tick(row.len())?` per row.
pub struct Meter {
    what: &'static str,
    left: usize,
}

impl Meter {
    /// Elements of work between two checks.
    pub const PER: usize = 1 << 16;

    /// A meter for the kernel `what`; its first tick checks.
    pub fn new(what: &'static str) -> Meter {
        Meter { what, left: 0 }
    }

    /// Counts `n` elements of work done or about to be done; checks when the count
    /// since the last check reaches [`Meter::PER`].
    #[inline]
    pub fn tick(&mut self, n: usize) -> Result<(), Interrupted> {
        if self.left > n {
            self.left -= n;
            return Ok(());
        }
        self.left = Self::PER;
        check(self.what)
    }
}

/// The kernel that noticed an interrupt of the running request, if one did.
pub fn tripped() -> Option<&'static str> {
    WATCH.with(|w| w.borrow().as_ref().and_then(|w| w.tripped))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn without_a_watch_nothing_is_interrupted() {
        assert_eq!(check("k"), Ok(()));
        assert_eq!(tripped(), None);
    }

    #[test]
    fn a_probe_at_or_past_the_request_trips_the_watch_until_it_ends() {
        let up_to = Rc::new(Cell::new(0u64));
        let seen = up_to.clone();
        let guard = watch(5, Rc::new(move || seen.get()));
        assert_eq!(check("a"), Ok(()));
        up_to.set(4);
        std::thread::sleep(EVERY);
        assert_eq!(check("a"), Ok(()), "an interrupt of an earlier request");
        up_to.set(5);
        std::thread::sleep(EVERY);
        assert_eq!(check("fft"), Err(Interrupted { what: "fft" }));
        // Sticky, and it names the kernel that noticed first.
        up_to.set(0);
        assert_eq!(check("sort"), Err(Interrupted { what: "fft" }));
        assert_eq!(tripped(), Some("fft"));
        assert_eq!(Interrupted { what: "fft" }.to_string(), "interrupted in fft");
        drop(guard);
        assert_eq!(tripped(), None);
        assert_eq!(check("a"), Ok(()));
    }

    /// A watch of request 1 whose probe never trips and counts its calls.
    fn counting_watch() -> (Rc<Cell<usize>>, Watching) {
        let calls = Rc::new(Cell::new(0));
        let c = calls.clone();
        let guard = watch(
            1,
            Rc::new(move || {
                c.set(c.get() + 1);
                0
            }),
        );
        (calls, guard)
    }

    #[test]
    fn a_meter_checks_once_per_span_of_work() {
        let (calls, _guard) = counting_watch();
        let mut m = Meter::new("k");
        // Ticks of an eighth of a span, each past the probes' spacing in time: the
        // first tick checks, and the next check comes a whole span later.
        for _ in 0..16 {
            m.tick(Meter::PER / 8).unwrap();
            std::thread::sleep(EVERY);
        }
        assert_eq!(calls.get(), 2, "probes for two spans of work");
    }

    #[test]
    fn probes_are_spaced_out() {
        let (calls, _guard) = counting_watch();
        for _ in 0..1000 {
            check("k").unwrap();
        }
        assert!(calls.get() <= 2, "{} probes in a burst of checks", calls.get());
    }
}
