//! Live heap bytes from a counting global allocator: live, peak, and a timeline sampled with
//! garbage in flight. Plus resident set size at the end of a run.
//!
//! The allocator is opt-in: a binary, test or bench installs it; the library never does.
//!
//! ```
//! use reclaimer::metrics::CountingAlloc;
//!
//! #[global_allocator]
//! static ALLOC: CountingAlloc = CountingAlloc::system();
//!
//! fn main() {
//!     let before = reclaimer::metrics::memory::thread_net_bytes();
//!     let buffer = vec![0u8; 4096];
//!     assert_eq!(reclaimer::metrics::memory::thread_net_bytes() - before, 4096);
//!     drop(buffer);
//!     assert_eq!(reclaimer::metrics::memory::thread_net_bytes(), before);
//! }
//! ```
//!
//! Counting costs one atomic add on a shared counter per allocation and per free, plus a
//! thread-local add: enough to slow allocation-heavy code, so runs compared with each other
//! should all have it or all not.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::garbage::GarbageSample;

/// A global allocator that counts live heap bytes, then forwards to `A` (by default the
/// system allocator).
///
/// Install it with `#[global_allocator]` in a binary, test or bench (see the
/// [module docs](self)); then [`live_bytes`], [`peak_bytes`] and the ledger's reports see the
/// heap.
#[derive(Debug, Default, Clone, Copy)]
pub struct CountingAlloc<A = System> {
    inner: A,
}

impl CountingAlloc<System> {
    /// Counts, then forwards to [`System`].
    pub const fn system() -> Self {
        CountingAlloc { inner: System }
    }
}

impl<A> CountingAlloc<A> {
    /// Counts, then forwards to `inner`.
    pub const fn new(inner: A) -> Self {
        CountingAlloc { inner }
    }
}

/// Counters every thread adds to; together on one cache line.
struct Counters {
    live: AtomicI64,
    allocations: AtomicU64,
}

static COUNTERS: Counters = Counters {
    live: AtomicI64::new(0),
    allocations: AtomicU64::new(0),
};
/// Written only when the live bytes pass it; on its own line.
#[repr(align(128))]
struct Peak(AtomicI64);
static PEAK: Peak = Peak(AtomicI64::new(0));
static INSTALLED: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// Set while this thread allocates on the ledger's behalf.
    static UNCOUNTED: Cell<bool> = const { Cell::new(false) };
    /// Bytes this thread allocated minus bytes it freed.
    static THREAD_NET: Cell<i64> = const { Cell::new(0) };
}

#[inline]
fn counting() -> bool {
    // Const-initialised locals without destructors are always accessible; `try_with` keeps
    // that an assumption that cannot panic inside the allocator.
    !UNCOUNTED.try_with(Cell::get).unwrap_or(false)
}

#[inline]
fn count(delta: i64, allocation: bool) {
    if !counting() {
        return;
    }
    // Relaxed, all: independent statistics that order no other memory.
    if !INSTALLED.load(Ordering::Relaxed) {
        INSTALLED.store(true, Ordering::Relaxed);
    }
    let live = COUNTERS.live.fetch_add(delta, Ordering::Relaxed) + delta;
    if allocation {
        COUNTERS.allocations.fetch_add(1, Ordering::Relaxed);
    }
    if delta > 0 && live > PEAK.0.load(Ordering::Relaxed) {
        PEAK.0.fetch_max(live, Ordering::Relaxed);
    }
    let _ = THREAD_NET.try_with(|net| net.set(net.get() + delta));
}

#[inline]
fn size_of(layout: Layout) -> i64 {
    i64::try_from(layout.size()).unwrap_or(i64::MAX)
}

// SAFETY: every method forwards to `inner` with the caller's arguments unchanged, so `inner`'s
// guarantees are ours; the counting around it touches only atomics and const thread-locals,
// which never allocate.
unsafe impl<A: GlobalAlloc> GlobalAlloc for CountingAlloc<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract for `layout`.
        let ptr = unsafe { self.inner.alloc(layout) };
        if !ptr.is_null() {
            count(size_of(layout), true);
        }
        ptr
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { self.inner.alloc_zeroed(layout) };
        if !ptr.is_null() {
            count(size_of(layout), true);
        }
        ptr
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller guarantees `ptr` came from this allocator with `layout`, and this
        // allocator's blocks are `inner`'s.
        unsafe { self.inner.dealloc(ptr, layout) };
        count(-size_of(layout), false);
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`, and the caller guarantees `new_size` is valid for
        // `layout`'s alignment.
        let new = unsafe { self.inner.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            let new_size = i64::try_from(new_size).unwrap_or(i64::MAX);
            count(new_size - size_of(layout), false);
        }
        new
    }
}

/// Whether a [`CountingAlloc`] has counted anything in this process: false when no binary
/// installed it.
pub fn installed() -> bool {
    // Relaxed: set once, read as a hint.
    INSTALLED.load(Ordering::Relaxed)
}

/// Live heap bytes now, process-wide (0 without the counting allocator).
pub fn live_bytes() -> u64 {
    // Relaxed: a statistic.
    COUNTERS.live.load(Ordering::Relaxed).max(0) as u64
}

/// The largest [`live_bytes`] since the last [`reset_peak`] (or the start).
pub fn peak_bytes() -> u64 {
    // Relaxed: a statistic.
    PEAK.0.load(Ordering::Relaxed).max(0) as u64
}

/// Restarts the peak from the current live bytes. A new [`Ledger`](super::Ledger) does this
/// unless told not to ([`LedgerConfig`](super::LedgerConfig)).
pub fn reset_peak() {
    // Relaxed: statistics; a concurrent allocation may raise the peak right after.
    PEAK.0
        .store(COUNTERS.live.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// Allocations counted so far, process-wide.
pub fn allocations() -> u64 {
    // Relaxed: a statistic.
    COUNTERS.allocations.load(Ordering::Relaxed)
}

/// Bytes the calling thread allocated minus bytes it freed. Exact whatever other threads do,
/// so tests can assert on it.
pub fn thread_net_bytes() -> i64 {
    THREAD_NET.try_with(Cell::get).unwrap_or(0)
}

/// Runs `f` with this thread's allocations and frees not counted. The ledger allocates and
/// frees its records this way, so its own memory does not show up as the workload's; memory
/// allocated inside must be freed inside too, or the counts drift.
pub fn uncounted<R>(f: impl FnOnce() -> R) -> R {
    /// Restores the previous flag, also on unwind.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = UNCOUNTED.try_with(|flag| flag.set(self.0));
        }
    }
    let previous = UNCOUNTED
        .try_with(|flag| flag.replace(true))
        .unwrap_or(false);
    let _restore = Restore(previous);
    f()
}

/// The process's resident set size, where the platform reports it (Linux: `VmRSS` of
/// `/proc/self/status`).
pub fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// A point of the heap timeline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeapPoint {
    /// When, in ns since the ledger was made.
    pub ns: u64,
    /// Live heap bytes.
    pub bytes: u64,
}

/// Memory over a run. Heap figures are `None` without the counting allocator.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryReport {
    /// Whether the counting allocator was installed.
    pub counting: bool,
    /// Live heap bytes when the ledger was made.
    pub start_bytes: Option<u64>,
    /// Live heap bytes at the report.
    pub end_bytes: Option<u64>,
    /// Peak live heap bytes since the ledger was made (or the last [`reset_peak`]).
    pub peak_bytes: Option<u64>,
    /// Allocations counted by the process so far.
    pub allocations: Option<u64>,
    /// Resident set size at the report.
    pub rss_end_bytes: Option<u64>,
    /// Bytes of the ledger's own records, not included in the heap figures.
    pub ledger_bytes: u64,
    /// Live heap bytes at each garbage sample.
    pub timeline: Vec<HeapPoint>,
}

pub(crate) fn report(
    start: Option<u64>,
    samples: &[GarbageSample],
    ledger_bytes: u64,
) -> MemoryReport {
    let counting = installed();
    MemoryReport {
        counting,
        start_bytes: start,
        end_bytes: counting.then(live_bytes),
        peak_bytes: counting.then(peak_bytes),
        allocations: counting.then(allocations),
        rss_end_bytes: rss_bytes(),
        ledger_bytes,
        timeline: samples
            .iter()
            .filter_map(|s| s.heap_bytes.map(|bytes| HeapPoint { ns: s.ns, bytes }))
            .collect(),
    }
}
