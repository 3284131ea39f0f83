//! Each thread's state: progress towards its next flush, how full its seize batch is, the
//! guards and deferred drops it is inside, its [`Origin`], and the flush when it exits.

use std::cell::Cell as StdCell;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

use seize::LocalGuard;

use super::counts::{give_back, take, Origin, SHARED};
use super::retire::{adopt_orphans, adopt_round, flush_batch, COLLECTOR};
use super::Hyaline;

/// A thread's state. Only `Copy` cells, so the thread-local has no destructor and stays
/// reachable while the thread's other locals are destroyed.
pub(super) struct Local {
    /// Operations left before the next flush check.
    countdown: StdCell<u32>,
    /// Entries in this thread's seize batch: seize hands the batch on by itself when it reaches
    /// [`Hyaline::BATCH`], so this counts modulo that.
    entries: StdCell<u32>,
    /// How many deferred drops this thread is running now: what they retire is an orphan, and no
    /// flush starts inside one.
    pub(super) reclaiming: StdCell<u32>,
    /// The origin of the innermost deferred drop running now (null when none).
    pub(super) current: StdCell<*const Origin>,
    /// Guards this thread holds through [`pin`].
    depth: StdCell<u32>,
    /// This thread's origin, once taken.
    own: StdCell<*const Origin>,
    /// Whether this thread is counted in [`THREADS`] and its [`EXIT`] armed.
    registered: StdCell<bool>,
}

impl Local {
    /// Counts one entry added to this thread's seize batch.
    #[inline]
    pub(super) fn count_entry(&self) {
        self.entries.set((self.entries.get() + 1) % Hyaline::BATCH);
        if !self.registered.get() {
            register(self);
        }
    }

    /// The entries in this thread's batch, and forgets them: the caller flushes. A flush, even
    /// of an empty batch, starts a new period, as the check at a period's end does.
    pub(super) fn take_entries(&self) -> u32 {
        self.countdown.set(Hyaline::PERIOD);
        self.entries.replace(0)
    }

    /// This thread's origin, taken on first use.
    #[inline]
    pub(super) fn own(&self) -> &'static Origin {
        let own = self.own.get();
        if own.is_null() {
            let origin = take();
            self.own.set(origin);
            origin
        } else {
            // SAFETY: a non-null `own` is an origin, which lives forever.
            unsafe { &*own }
        }
    }

    /// This thread's origin, if it ever retired anything.
    pub(super) fn own_if_any(&self) -> Option<&'static Origin> {
        // SAFETY: as in `own`.
        unsafe { self.own.get().as_ref() }
    }

    /// Whether `origin` is this thread's own.
    #[inline]
    pub(super) fn holds(&self, origin: &Origin) -> bool {
        ptr::eq(self.own.get(), origin)
    }

    /// Whether `collect()` may wait here: not inside a guard, where it would wait for itself,
    /// nor inside a deferred drop.
    pub(super) fn may_wait(&self) -> bool {
        self.depth.get() == 0 && self.reclaiming.get() == 0
    }
}

std::thread_local! {
    pub(super) static LOCAL: Local = const {
        Local {
            countdown: StdCell::new(0),
            entries: StdCell::new(0),
            reclaiming: StdCell::new(0),
            current: StdCell::new(ptr::null()),
            depth: StdCell::new(0),
            own: StdCell::new(ptr::null()),
            registered: StdCell::new(false),
        }
    };
}

/// Threads that have used seize through this strategy and not exited: at most this many can be
/// inside a guard at once, which is how many entries a flush pads its batch to (seize hands a
/// batch on only if it has an entry for each thread inside a guard).
pub(super) static THREADS: AtomicUsize = AtomicUsize::new(0);

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

/// A seize guard entered through this strategy: counted, so that `collect()` knows not to wait
/// inside one.
pub(super) struct Pin(pub(super) LocalGuard<'static>);

/// Enters a guard on this thread.
#[inline]
pub(super) fn pin() -> Pin {
    let guard = COLLECTOR.enter();
    let _ = LOCAL.try_with(|local| {
        local.depth.set(local.depth.get() + 1);
        if !local.registered.get() {
            register(local);
        }
    });
    Pin(guard)
}

impl Drop for Pin {
    #[inline]
    fn drop(&mut self) {
        // Then the guard itself drops, leaving (and maybe running deferred drops).
        let _ = LOCAL.try_with(|local| local.depth.set(local.depth.get() - 1));
    }
}

/// Counts one operation on this thread; at the end of each [`Hyaline::PERIOD`] operations it
/// hands the orphans to seize (one round) and flushes the thread's batch if it holds anything.
#[inline]
pub(super) fn tick() {
    let due = LOCAL.with(|local| {
        let left = local.countdown.get();
        if left > 1 {
            local.countdown.set(left - 1);
            return false;
        }
        if local.reclaiming.get() != 0 {
            // Due inside a deferred drop: the next operation checks again.
            local.countdown.set(0);
            return false;
        }
        local.countdown.set(Hyaline::PERIOD);
        true
    });
    if due {
        period_end();
    }
}

/// The end of a period: one round of orphans, then the flush.
#[cold]
#[inline(never)]
fn period_end() {
    adopt_round();
    flush_batch();
}

/// Marks this thread as running the deferred drop of an object of `origin` while it lives.
pub(super) struct Reclaiming {
    outer: *const Origin,
}

impl Reclaiming {
    pub(super) fn enter(origin: &'static Origin) -> Self {
        let outer = LOCAL
            .try_with(|local| {
                local.reclaiming.set(local.reclaiming.get() + 1);
                local.current.replace(origin)
            })
            .unwrap_or(ptr::null());
        Reclaiming { outer }
    }
}

impl Drop for Reclaiming {
    fn drop(&mut self) {
        let _ = LOCAL.try_with(|local| {
            local.reclaiming.set(local.reclaiming.get() - 1);
            local.current.set(self.outer);
        });
    }
}

/// Flushes the thread's batch when the thread exits, and gives its origin back. seize keeps a
/// batch in a table indexed by thread id and hands an exited thread's id, batch and all, to the
/// next thread that starts; an unflushed batch would wait for that thread's retirements.
struct ExitFlush;

impl Drop for ExitFlush {
    fn drop(&mut self) {
        // If seize's thread-locals are gone after all, entering a guard panics; a destructor
        // must not unwind, and the batch then waits for the thread that takes this id.
        let _ = std::panic::catch_unwind(|| {
            flush_batch();
            adopt_orphans();
        });
        // Relaxed: as in `register`.
        THREADS.fetch_sub(1, Ordering::Relaxed);
        // What this thread still retires counts against `SHARED`: the next holder of its
        // origin writes that origin's counts alone.
        let _ = LOCAL.try_with(|local| {
            if let Some(origin) = local.own_if_any() {
                local.own.set(&SHARED);
                give_back(origin);
            }
        });
    }
}

std::thread_local! {
    static EXIT: ExitFlush = const { ExitFlush };
}
