//! The retire path: an object whose strong count reached zero is handed to crossbeam-epoch, or to
//! the orphan list when a deferred drop retires it.

use std::mem;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use crossbeam_epoch::Guard;

use super::counts::{own, Origin};
use super::local::{Running, LOCAL};
use super::object::{finish, Inner};

/// An object whose strong count reached zero, waiting for its deferred drop. Type-erased, so
/// that retirements made inside a deferred drop can wait in one list (see [`ORPHANS`]); three
/// words, so crossbeam stores the closure that owns it inline in its bag.
pub(super) struct Retired {
    ptr: NonNull<()>,
    /// `finish::<T>` for the object's `T`.
    finish: unsafe fn(NonNull<()>),
    /// The counts of the thread that retired it, where this drop is pending until it runs.
    origin: &'static Origin,
}

// SAFETY: a `Retired` owns the last strong reference to an `Inner<T>` built by
// `ThreadSafeBackend::ptr_new`, which requires `T: Send + Sync`; dropping the value on another
// thread is what `T: Send` allows. The `&'static Origin` is `Send`.
unsafe impl Send for Retired {}

/// What panicked, as `hostile::rethrow` names it.
const DEFERRED_SITE: &str = "a deferred `Drop` run by `Epoch` (the object's memory was freed and \
    every other deferred drop ran)";

impl Retired {
    /// Runs the deferred drop: drops the value, releases the implicit weak reference and
    /// counts the drop as freed.
    fn run(self) {
        /// Counts the drop as run when dropped, even if the value's drop panics.
        struct Freed(&'static Origin);
        impl Drop for Freed {
            fn drop(&mut self) {
                self.0.count_freed();
            }
        }
        let _freed = Freed(self.origin);
        let _running = Running::enter(self.origin);
        // SAFETY: `retire`'s contract made this object retired, once; crossbeam runs this only
        // after every thread pinned when it was deferred has unpinned, and no reader can reach
        // the object since (no cell holds it, upgrades fail at zero).
        unsafe { (self.finish)(self.ptr) };
    }

    /// Runs the deferred drop inside crossbeam-epoch, which must not unwind: a panic would skip
    /// the rest of crossbeam's bag (those objects never freed, and `collect()` waiting for them).
    /// The panic is kept and raised again by this thread's next `collect()` (see `hostile`).
    fn run_catching(self) {
        super::super::hostile::catching(DEFERRED_SITE, || self.run());
    }

    /// Hands the drop to the epoch: it runs once every guard active now is dropped.
    fn defer(self, guard: &Guard) {
        // SAFETY: the closure owns a pointer to a heap object and a `'static` reference, nothing
        // on the stack.
        // It may run on another thread, which `Retired: Send` allows. crossbeam runs it after
        // every guard active now is dropped, and no cell holds the object any more (a cell holds
        // a strong reference), so no later reader can reach it.
        unsafe { guard.defer_unchecked(move || self.run_catching()) };
    }
}

/// Objects retired while a deferred drop was running (a value that owned the last reference to
/// another). They wait here rather than in the bag of whichever thread ran the drop, which may
/// go idle; the next flush on any thread, and [`Strategy::collect`], adopt them into its own bag.
/// Waiting longer before the deferral is safe: a reader pinned when the object was retired is
/// still waited for, and no later reader can reach it.
///
/// A std `Mutex` even under loom: its critical sections make no loom operation, so a model
/// thread is never switched out while holding it.
pub(super) static ORPHANS: Mutex<Vec<Retired>> = Mutex::new(Vec::new());
/// Whether `ORPHANS` may be non-empty: spares the lock when it is not.
pub(super) static HAS_ORPHANS: AtomicBool = AtomicBool::new(false);

/// Moves the orphans into this thread's bag, to be sealed by the flush that follows.
pub(super) fn adopt_orphans(guard: &Guard) {
    // Relaxed: a hint. The lock orders the list itself; an orphan missed here is adopted by
    // the next flush.
    if !HAS_ORPHANS.load(Ordering::Relaxed) {
        return;
    }
    let orphans = {
        let mut list = ORPHANS.lock().unwrap_or_else(PoisonError::into_inner);
        // Relaxed: written under the lock, which orders it with the pushes.
        HAS_ORPHANS.store(false, Ordering::Relaxed);
        mem::take(&mut *list)
    };
    for orphan in orphans {
        orphan.defer(guard);
    }
}

/// Hands the object to the epoch: its value is dropped, and the strong group's weak reference
/// released, once no thread pinned now can still be reading it.
///
/// # Safety
///
/// The strong count of `ptr` reached zero in this caller's decrement (so each object is retired
/// once), and the caller has done an Acquire fence after it.
pub(super) unsafe fn retire<T>(ptr: NonNull<Inner<T>>, guard: &Guard) {
    let running_origin = LOCAL
        .try_with(|local| (local.running.get() > 0).then(|| local.origin.get()))
        .ok()
        .flatten()
        .filter(|origin| !origin.is_null());
    let origin = match running_origin {
        Some(origin) => {
            // SAFETY: origins live forever; this is the one of the `Retired` running here.
            let origin: &'static Origin = unsafe { &*origin };
            // The thread whose garbage this drop was has exited: no `collect()` of its own will
            // wait for the orphan, so this thread, which runs its drops, takes it on. A chain
            // dropped by an exited thread is then freed whole by one `collect()` elsewhere.
            let origin = if origin.held() { origin } else { own() };
            origin.count_orphan();
            origin
        }
        None => {
            let origin = own();
            origin.count_retired();
            origin
        }
    };
    let retired = Retired {
        ptr: ptr.cast(),
        finish: finish::<T, ()>,
        origin,
    };
    if running_origin.is_some() {
        let mut list = ORPHANS.lock().unwrap_or_else(PoisonError::into_inner);
        list.push(retired);
        // Relaxed: see `adopt_orphans`.
        HAS_ORPHANS.store(true, Ordering::Relaxed);
    } else {
        retired.defer(guard);
    }
}
