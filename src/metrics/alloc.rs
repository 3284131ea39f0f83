//! The counting allocator: live heap bytes, their peak and the allocation count, process-wide,
//! and each thread's net bytes. The heap figures of a [`MemoryReport`](super::MemoryReport) come
//! from here.
//!
//! The allocator is opt-in: a binary, test or bench installs it; the library never does.
//! Counting costs one atomic add on a shared counter per allocation and per free, plus a
//! thread-local add: enough to slow allocation-heavy code, so runs compared with each other
//! should all have it or all not.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

/// A global allocator that counts live heap bytes, then forwards to `A` (by default the
/// system allocator).
///
/// Install it with `#[global_allocator]` in a binary, test or bench; then its figures
/// ([`live_bytes`](CountingAlloc::live_bytes), [`peak_bytes`](CountingAlloc::peak_bytes),
/// [`thread_net_bytes`](CountingAlloc::thread_net_bytes), ...) and the ledger's reports see the
/// heap. The figures are process-wide, whatever `A` is: read them as
/// `CountingAlloc::live_bytes()`.
///
/// ```
/// use reclaimer::metrics::CountingAlloc;
///
/// #[global_allocator]
/// static ALLOC: CountingAlloc = CountingAlloc::system();
///
/// fn main() {
///     let before = CountingAlloc::thread_net_bytes();
///     let buffer = vec![0u8; 4096];
///     assert_eq!(CountingAlloc::thread_net_bytes() - before, 4096);
///     drop(buffer);
///     assert_eq!(CountingAlloc::thread_net_bytes(), before);
/// }
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct CountingAlloc<A = System> {
    inner: A,
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

/// The process-wide figures, named through the `System` instance so that
/// `CountingAlloc::live_bytes()` needs no type parameter.
impl CountingAlloc<System> {
    /// Counts, then forwards to [`System`].
    pub const fn system() -> Self {
        CountingAlloc { inner: System }
    }

    /// Whether a `CountingAlloc` has counted anything in this process: false when no binary
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

    /// The largest [`live_bytes`](CountingAlloc::live_bytes) since the last
    /// [`reset_peak`](CountingAlloc::reset_peak) (or the start).
    pub fn peak_bytes() -> u64 {
        // Relaxed: a statistic.
        PEAK.0.load(Ordering::Relaxed).max(0) as u64
    }

    /// Restarts the peak from the current live bytes. A new [`Ledger`](super::Ledger) does
    /// this unless told not to ([`LedgerConfig`](super::LedgerConfig)).
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

    /// Bytes the calling thread allocated minus bytes it freed. Exact whatever other threads
    /// do, so tests can assert on it.
    pub fn thread_net_bytes() -> i64 {
        THREAD_NET.try_with(Cell::get).unwrap_or(0)
    }

    /// Runs `f` with this thread's allocations and frees not counted. The ledger allocates and
    /// frees its records this way, so its own memory does not show up as the workload's;
    /// memory allocated inside must be freed inside too, or the counts drift.
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
}

/// Runs `f` uncounted: [`CountingAlloc::uncounted`].
#[inline]
pub(crate) fn uncounted<R>(f: impl FnOnce() -> R) -> R {
    CountingAlloc::uncounted(f)
}

/// A value made and dropped [`uncounted`], so its memory never shows as the workload's.
pub(crate) struct Uncounted<T>(ManuallyDrop<T>);

impl<T> Uncounted<T> {
    /// The value `make` returns, made uncounted.
    pub(crate) fn new(make: impl FnOnce() -> T) -> Self {
        Uncounted(ManuallyDrop::new(uncounted(make)))
    }
}

impl<T> Deref for Uncounted<T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Drop for Uncounted<T> {
    fn drop(&mut self) {
        // SAFETY: `drop` runs once, and the value is not used after it is taken.
        let value = unsafe { ManuallyDrop::take(&mut self.0) };
        uncounted(move || drop(value));
    }
}

/// The process's resident set size, where the platform reports it (Linux: `VmRSS` of
/// `/proc/self/status`).
#[cfg(not(miri))]
pub(crate) fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Under Miri, unknown: its isolation refuses to open files.
#[cfg(miri)]
pub(crate) fn rss_bytes() -> Option<u64> {
    None
}
