//! The process's allocator: the system one, except that big blocks freed are kept for
//! a moment and handed to the next request of the same size.
//!
//! Why: on this kind of machine a fresh block costs far more than its bytes — the host
//! backs the guest's pages lazily, so first-touching 80 MB of new memory took 35–57 ms
//! and at random a big allocation stalled 250–330 ms — while a block written before
//! costs nothing more to write again. Repeated bulk operations (an FFT in a loop, a
//! scatter each step, `c = a * b + a` reassigned) free a shard-sized block and ask for
//! one of the same size a moment later; this keeps it for them.
//!
//! - **Which blocks**: requests of at least [`BIG`] bytes, allocated in whole 2 MiB
//!   units. Smaller requests go straight to the system allocator.
//! - **Huge pages**: code that fills a whole buffer advises it (`store::uninit`, the
//!   codec, the MPI receive), and a reused block keeps its pages. Here only new blocks
//!   of at least [`ADVISE_MIN`] are advised, in case a shard-sized buffer is made
//!   elsewhere (a cautious rule: a trace of the FFT benchmark found all of its big
//!   buffers coming from `store::uninit`). Mid-sized blocks of hash tables and growing
//!   vectors, touched sparsely, are not: they would zero whole 2 MiB pages they never
//!   use (advising every big block took DistDict's `get_many` from 5.4 to 3.5 M keys/s).
//! - **Growing**: a big block grows or shrinks through the system's `realloc`, which
//!   moves a mapped block's pages instead of copying them, unless a waiting block has
//!   the new size.
//! - **Reuse**: a freed big block waits in one of [`SLOTS`] slots; a request of the same
//!   rounded size and alignment takes the newest such block. Nothing is moved or copied.
//! - **Bounds**: the blocks waiting never exceed [`CAP`] bytes in all (the oldest leave
//!   first), and each goes back to the system after [`DECAY`] unused: an engine that has
//!   been idle for that long holds only what its values hold (the trimmer thread,
//!   [`start_trimmer`], frees them even when nothing else happens).
//! - **Safety**: the slots are plain data behind a `Mutex` that never allocates; nothing
//!   allocates while it is held.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Requests at least this large are big.
pub const BIG: usize = super::HUGE_PAGE_MIN;
/// Big blocks are whole multiples of this.
const UNIT: usize = 2 << 20;
/// New blocks at least this large are advised `MADV_HUGEPAGE` (see the module
/// documentation).
pub const ADVISE_MIN: usize = 64 << 20;
/// At most this many freed blocks wait.
pub const SLOTS: usize = 16;
/// At most this many bytes wait in all.
pub const CAP: usize = 1 << 30;
/// A block unused this long goes back to the system.
pub const DECAY: Duration = Duration::from_secs(2);

/// The allocator (see the module documentation); `lib.rs` installs it.
pub struct Recycler;

#[derive(Clone, Copy)]
struct Slot {
    ptr: usize,
    /// The rounded size and alignment the block was allocated with from the system.
    size: usize,
    align: usize,
    /// When it was freed, in [`now_ms`] milliseconds.
    freed: u64,
}

struct Waiting {
    slots: [Option<Slot>; SLOTS],
    bytes: usize,
}

static WAITING: Mutex<Waiting> = Mutex::new(Waiting { slots: [None; SLOTS], bytes: 0 });
static HITS: AtomicUsize = AtomicUsize::new(0);
static FRESH: AtomicUsize = AtomicUsize::new(0);

fn waiting() -> std::sync::MutexGuard<'static, Waiting> {
    // Nothing panics while the lock is held, so a poisoned lock still holds sound data.
    WAITING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Milliseconds since the first call (a monotonic clock).
fn now_ms() -> u64 {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_millis() as u64
}

/// The layout a big request is allocated with from the system.
fn system_layout(l: Layout) -> Layout {
    let size = l.size().next_multiple_of(UNIT);
    Layout::from_size_align(size, l.align()).expect("a rounded big layout is valid")
}

impl Waiting {
    /// Takes the newest waiting block of exactly this system layout.
    fn take(&mut self, sys: Layout) -> Option<usize> {
        let i = (0..SLOTS)
            .filter(|&i| self.slots[i].is_some_and(|s| s.size == sys.size() && s.align == sys.align()))
            .max_by_key(|&i| self.slots[i].map_or(0, |s| s.freed))?;
        let s = self.slots[i].take()?;
        self.bytes -= s.size;
        Some(s.ptr)
    }

    /// Removes the oldest waiting block, for the caller to free.
    fn evict_oldest(&mut self) -> Option<Slot> {
        let i =
            (0..SLOTS).filter(|&i| self.slots[i].is_some()).min_by_key(|&i| self.slots[i].map_or(0, |s| s.freed))?;
        let s = self.slots[i].take()?;
        self.bytes -= s.size;
        Some(s)
    }

    /// Removes one block freed before `cutoff`, for the caller to free.
    fn evict_older(&mut self, cutoff: u64) -> Option<Slot> {
        let i = (0..SLOTS).find(|&i| self.slots[i].is_some_and(|s| s.freed < cutoff))?;
        let s = self.slots[i].take()?;
        self.bytes -= s.size;
        Some(s)
    }
}

fn free_to_system(s: Slot) {
    let layout = Layout::from_size_align(s.size, s.align).expect("a stored layout is valid");
    // SAFETY: the block was allocated by `System` with exactly this layout and, taken
    // out of its slot, is owned by no one.
    unsafe { System.dealloc(s.ptr as *mut u8, layout) }
}

/// Frees every block that has waited longer than [`DECAY`]; returns how many.
pub fn trim() -> usize {
    trim_older_than(DECAY)
}

/// Frees every block that has waited longer than `age`; returns how many.
pub fn trim_older_than(age: Duration) -> usize {
    let cutoff = now_ms().saturating_sub(age.as_millis() as u64) + u64::from(age.is_zero());
    let mut freed = 0;
    // One block per lock: the system's free runs without the lock held.
    loop {
        let next = waiting().evict_older(cutoff); // the guard ends with this statement
        let Some(s) = next else { break };
        free_to_system(s);
        freed += 1;
    }
    freed
}

/// Bytes of freed blocks waiting for reuse now.
pub fn waiting_bytes() -> usize {
    waiting().bytes
}

/// How many big requests were served from a waiting block so far.
pub fn reuses() -> usize {
    HITS.load(Ordering::Relaxed)
}

/// How many big requests needed a new block from the system so far.
pub fn fresh_blocks() -> usize {
    FRESH.load(Ordering::Relaxed)
}

thread_local! {
    /// The largest big request this thread made since [`largest_big_request`] last
    /// reset it (touched by big requests only, so small ones cost nothing more).
    static LARGEST: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Notes a big request of `size` bytes made by this thread.
fn note_big(size: usize) {
    // `try_with`: a thread being torn down may still allocate.
    let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
}

/// The largest request of at least [`BIG`] bytes this thread made since the last call
/// (0 if none), and resets it: tests use it to check that decoding a small buffer never
/// asks for a big block.
pub fn largest_big_request() -> usize {
    LARGEST.try_with(|l| l.replace(0)).unwrap_or(0)
}

/// Starts (once per process) the thread that gives blocks back after [`DECAY`] even
/// when nothing else allocates. Engines and the console call it when they start.
pub fn start_trimmer() {
    static STARTED: AtomicBool = AtomicBool::new(false);
    if STARTED.swap(true, Ordering::AcqRel) {
        return;
    }
    let spawned = std::thread::Builder::new().name("pshell-memory".into()).spawn(|| loop {
        std::thread::sleep(DECAY / 4);
        trim();
    });
    if spawned.is_err() {
        // Without it, blocks still leave on the next big request or free after DECAY.
        STARTED.store(false, Ordering::Release);
    }
}

impl Recycler {
    /// A big block: a waiting one of its size (zeroed when asked), else a new one from
    /// the system.
    fn big(layout: Layout, zeroed: bool) -> *mut u8 {
        note_big(layout.size());
        let sys = system_layout(layout);
        // Bound first: the lock must be released before `trim` takes it again.
        let taken = waiting().take(sys);
        match taken {
            Some(ptr) => {
                HITS.fetch_add(1, Ordering::Relaxed);
                if zeroed {
                    // SAFETY: the block has `sys.size() >= layout.size()` bytes, ours now.
                    unsafe { std::ptr::write_bytes(ptr as *mut u8, 0, layout.size()) };
                }
                ptr as *mut u8
            }
            None => {
                FRESH.fetch_add(1, Ordering::Relaxed);
                trim();
                // SAFETY: `sys` has a non-zero size.
                let ptr = unsafe {
                    if zeroed {
                        System.alloc_zeroed(sys)
                    } else {
                        System.alloc(sys)
                    }
                };
                // Blocks this large are bulk data written whole (a new block's pages are
                // faulted in only when touched, so advising after allocating is in time).
                if sys.size() >= ADVISE_MIN {
                    super::advise_range(ptr as usize, sys.size());
                }
                ptr
            }
        }
    }
}

unsafe impl GlobalAlloc for Recycler {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() < BIG {
            // SAFETY: forwarded unchanged; the caller's contract is the system's.
            return unsafe { System.alloc(layout) };
        }
        Self::big(layout, false)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() < BIG {
            // SAFETY: forwarded unchanged.
            return unsafe { System.alloc_zeroed(layout) };
        }
        Self::big(layout, true)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.size() < BIG {
            // SAFETY: a small block came from `System.alloc` with this layout.
            return unsafe { System.dealloc(ptr, layout) };
        }
        let sys = system_layout(layout);
        let slot = Slot { ptr: ptr as usize, size: sys.size(), align: sys.align(), freed: now_ms() };
        if sys.size() > CAP {
            return free_to_system(slot);
        }
        let mut evicted = [None; SLOTS];
        {
            let mut w = waiting();
            let mut n = 0;
            while w.bytes + sys.size() > CAP || w.slots.iter().all(Option::is_some) {
                evicted[n] = w.evict_oldest();
                n += 1;
            }
            let free = w.slots.iter().position(Option::is_none).expect("a slot was freed");
            w.slots[free] = Some(slot);
            w.bytes += sys.size();
        }
        evicted.into_iter().flatten().for_each(free_to_system);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.size() < BIG && new_size < BIG {
            // SAFETY: forwarded unchanged; both blocks are the system's small ones.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // SAFETY: `layout.align()` is a valid alignment and `new_size` was checked by the
        // caller not to overflow when rounded up to it.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if layout.size() >= BIG && new_size >= BIG {
            note_big(new_size);
            let (old_sys, new_sys) = (system_layout(layout), system_layout(new_layout));
            if old_sys == new_sys {
                return ptr; // the block already has the room
            }
            let taken = waiting().take(new_sys); // the lock ends with this statement
            return match taken {
                // SAFETY: the block came from `System` with `old_sys`; the new size is a
                // whole number of units. The system moves a mapped block's pages.
                None => unsafe { System.realloc(ptr, old_sys, new_sys.size()) },
                // SAFETY: a waiting block of `new_sys`, ours now; the old one holds
                // `layout.size()` initialised bytes at most.
                Some(new) => unsafe {
                    HITS.fetch_add(1, Ordering::Relaxed);
                    std::ptr::copy_nonoverlapping(ptr, new as *mut u8, layout.size().min(new_size));
                    self.dealloc(ptr, layout);
                    new as *mut u8
                },
            };
        }
        // Between a small and a big block: a new one and a copy.
        // SAFETY: as `alloc`; the old block holds `layout.size()` initialised bytes at most.
        unsafe {
            let new = self.alloc(new_layout);
            if !new.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_freed_big_block_serves_the_next_request_of_its_size() {
        let n = (37 << 20) / 8 + 1000; // f64s: a size no other test asks for
        let a: Vec<f64> = vec![1.5; n];
        let first = a.as_ptr() as usize;
        drop(a);
        // Other threads of the test binary allocate too, so ask a few times.
        let reused = (0..4).any(|_| {
            let mut b: Vec<f64> = Vec::with_capacity(n);
            let same = b.as_ptr() as usize == first;
            b.extend((0..n).map(|i| i as f64));
            assert!(b.iter().enumerate().all(|(i, &x)| x == i as f64));
            same
        });
        assert!(reused, "the freed block was not reused");
    }

    #[test]
    fn zeroed_requests_get_zeros_even_from_a_used_block() {
        let n = BIG / 8 + 77;
        for _ in 0..3 {
            let v: Vec<u64> = vec![0; n];
            assert!(v.iter().all(|&x| x == 0));
            let w: Vec<u64> = vec![u64::MAX; n];
            drop(w);
        }
    }

    #[test]
    fn growing_and_shrinking_a_big_vector_keeps_its_elements() {
        let mut v: Vec<u32> = (0..(BIG / 4) as u32).collect();
        v.extend(0..(BIG / 2) as u32);
        assert_eq!(v.len(), BIG / 4 + BIG / 2);
        assert_eq!(v[BIG / 4 - 1], (BIG / 4 - 1) as u32);
        assert_eq!(v[BIG / 4 + 5], 5);
        v.truncate(10);
        v.shrink_to_fit();
        assert_eq!(v, (0..10).collect::<Vec<u32>>());
    }

    #[test]
    fn trimmed_blocks_go_back_to_the_system() {
        let n = (53 << 20) + 4096; // a size class no other test uses
        let class = system_layout(Layout::from_size_align(n, 1).unwrap()).size();
        let waits = || waiting().slots.iter().flatten().any(|s| s.size == class);
        drop(vec![1u8; n]);
        assert!(waits(), "a freed big block waits for reuse");
        trim_older_than(Duration::from_secs(3600));
        assert!(waits(), "a fresh block is not trimmed");
        trim_older_than(Duration::ZERO);
        assert!(!waits(), "a trimmed block no longer waits");
    }

    #[test]
    fn waiting_blocks_stay_within_the_cap_and_slots() {
        let blocks: Vec<Vec<u8>> = (0..SLOTS + 4).map(|_| vec![7u8; BIG]).collect();
        drop(blocks);
        let w = waiting();
        assert!(w.bytes <= CAP);
        let counted: usize = w.slots.iter().flatten().map(|s| s.size).sum();
        assert_eq!(counted, w.bytes);
    }
}
