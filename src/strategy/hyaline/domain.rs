//! `Hyaline`'s [`Domain`]: reads under a seize guard, retired objects handed to seize's
//! collector, the flush period, and the flush when a thread exits.

use std::ptr::NonNull;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::LazyLock;

use seize::{Collector, Guard as _, LocalGuard};

use super::Hyaline;
use crate::strategy::deferred::local::Local;
use crate::strategy::deferred::{adopt_round, reclaim, Busy, Domain, Object, State};

/// The one collector behind every `Hyaline` handle, built on first use with seize's batch size
/// set to [`Hyaline::BATCH`]. A static, never dropped: what is retired when the process exits is
/// never dropped.
static COLLECTOR: LazyLock<Collector> =
    LazyLock::new(|| Collector::new().batch_size(Hyaline::BATCH as usize));

/// `Hyaline`'s origins and orphans.
static STATE: State = State::new();

std::thread_local! {
    /// This thread's state. `entries` counts the entries of its seize batch: seize hands the
    /// batch on by itself when it reaches [`Hyaline::BATCH`], so it counts modulo that.
    static LOCAL: Local = const { Local::new() };
}

/// Threads that have used seize through this strategy and not exited: at most this many can be
/// inside a guard at once, which is how many entries a flush pads its batch to (seize hands a
/// batch on only if it has an entry for each thread inside a guard).
static THREADS: AtomicUsize = AtomicUsize::new(0);

/// A seize guard entered through this strategy: counted, so that `collect()` knows not to wait
/// inside one.
pub(crate) struct Pin(LocalGuard<'static>);

impl Drop for Pin {
    #[inline]
    fn drop(&mut self) {
        // Then the guard itself drops, leaving (and maybe running deferred drops).
        LOCAL.with(|local| local.depth.set(local.depth.get() - 1));
    }
}

/// Enters a guard on this thread.
#[inline]
fn pin() -> Pin {
    let guard = COLLECTOR.enter();
    LOCAL.with(|local| {
        local.depth.set(local.depth.get() + 1);
        if !local.registered.get() {
            register(local);
        }
    });
    Pin(guard)
}

/// seize's reclaimer for an object of type `T`.
///
/// # Safety
///
/// As for [`reclaim`]: `ptr` was handed on by [`Hyaline::hand_on::<T>`](Domain::hand_on).
unsafe fn seize_reclaim<T>(ptr: *mut (), _: &Collector) {
    // SAFETY: the caller's contract; seize never passes null.
    unsafe { reclaim::<Hyaline, T>(NonNull::new_unchecked(ptr)) }
}

/// A padding entry's reclaimer: nothing to do.
unsafe fn pad(_: *mut (), _: &Collector) {}

impl Domain for Hyaline {
    const DEFERRED_SITE: &'static str = "a deferred `Drop` run by `Hyaline` (the object's memory \
        was freed and every other deferred drop of its batch ran)";

    type Guard = Pin;

    fn state() -> &'static State {
        &STATE
    }

    #[inline]
    fn with_local<R>(f: impl FnOnce(&Local) -> R) -> R {
        LOCAL.with(f)
    }

    #[inline]
    fn protect<T>(atomic: &AtomicPtr<Object<T>>) -> (Pin, *mut Object<T>) {
        let guard = pin();
        // `protect` loads with at least Acquire (it strengthens the ordering to what seize's
        // barriers need). Everything loaded while the guard lives is protected: an object
        // retired after this thread entered is reclaimed only once it leaves.
        let current = guard.0.protect(atomic, Ordering::Acquire);
        (guard, current)
    }

    #[inline]
    fn reprotect<T>(guard: &mut Pin, atomic: &AtomicPtr<Object<T>>) -> *mut Object<T> {
        // As in `protect`: the guard covers every load it makes.
        guard.0.protect(atomic, Ordering::Acquire)
    }

    #[inline]
    unsafe fn hand_on<T>(ptr: NonNull<()>) {
        // SAFETY: the caller's contract: retired, unreachable, handed on once; `seize_reclaim`
        // matches the object's type.
        unsafe { COLLECTOR.retire(ptr.as_ptr(), seize_reclaim::<T>) };
        LOCAL.with(count_entry);
    }

    #[inline]
    fn tick() {
        if LOCAL.with(|local| local.count_operation(Hyaline::PERIOD)) {
            period_end();
        }
    }
}

/// Counts one entry added to this thread's seize batch.
#[inline]
fn count_entry(local: &Local) {
    local
        .entries
        .set((local.entries.get() + 1) % Hyaline::BATCH);
    if !local.registered.get() {
        register(local);
    }
}

/// The end of a period: one round of orphans, then the flush.
#[cold]
#[inline(never)]
fn period_end() {
    let _busy = STATE.has_orphans().then(|| Busy::enter(&STATE));
    adopt_round::<Hyaline>();
    flush_batch();
}

/// Hands every orphan to seize and flushes, round after round (their drops may orphan more).
pub(super) fn adopt_orphans() {
    let _busy = STATE.has_orphans().then(|| Busy::enter(&STATE));
    while adopt_round::<Hyaline>() {
        flush_batch();
    }
}

/// Hands this thread's batch on, if it holds anything: seize adds it to the reservation list of
/// every thread inside a guard now, and the last of them to leave drops it (at once, when none
/// is). The batch is padded with empty entries to one per thread that may be inside a guard, as
/// seize needs. A flush, even of an empty batch, starts a new period.
pub(super) fn flush_batch() {
    let entries = LOCAL.with(|local| {
        local.countdown.set(Hyaline::PERIOD);
        local.entries.replace(0)
    });
    if entries == 0 {
        return;
    }
    // Relaxed: see `THREADS`.
    let threads = THREADS.load(Ordering::Relaxed);
    for _ in (entries as usize)..threads {
        // SAFETY: a dangling, never dereferenced pointer whose reclaimer does nothing.
        unsafe { COLLECTOR.retire(NonNull::<()>::dangling().as_ptr(), pad) };
        LOCAL.with(count_entry);
    }
    let guard = COLLECTOR.enter();
    guard.flush();
    LOCAL.with(|local| local.entries.set(0));
    // Leaving drops the batch if no other thread was inside a guard.
    drop(guard);
}

/// Counts this thread in [`THREADS`] and arms its [`EXIT`]. Called after the thread's first
/// call into seize, so that seize's own thread-local destructor was registered first and runs
/// after [`ExitFlush`] (thread-local destructors run in the reverse order of registration).
#[cold]
fn register(local: &Local) {
    local.registered.set(true);
    // Relaxed: a bound for padding, read by `flush_batch`; a flush that reads a stale count
    // pads less and may be a no-op, which the next flush repeats.
    THREADS.fetch_add(1, Ordering::Relaxed);
    let _ = EXIT.try_with(|_| ());
}

/// Flushes the thread's batch when the thread exits, and gives its origin back. seize keeps a
/// batch in a table indexed by thread id and hands an exited thread's id, batch and all, to the
/// next thread that starts; an unflushed batch would wait for that thread's retirements.
struct ExitFlush;

impl Drop for ExitFlush {
    fn drop(&mut self) {
        // If seize's thread-locals are gone after all, entering a guard panics; a destructor
        // must not unwind, and the batch then waits for the thread that takes this id.
        let _busy = Busy::enter(&STATE);
        let _ = std::panic::catch_unwind(|| {
            flush_batch();
            adopt_orphans();
        });
        // Relaxed: as in `register`.
        THREADS.fetch_sub(1, Ordering::Relaxed);
        // The next holder of this thread's origin writes its counts alone.
        LOCAL.with(|local| local.give_back(&STATE.registry));
    }
}

std::thread_local! {
    static EXIT: ExitFlush = const { ExitFlush };
}
