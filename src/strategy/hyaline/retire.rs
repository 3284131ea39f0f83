//! The retire path: an object whose strong count reached zero is handed to seize's collector, or
//! to the orphan list when it is retired by another object's deferred drop.

use std::mem;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{LazyLock, Mutex, PoisonError};

use seize::{Collector, Guard as _};

use super::counts::Origin;
use super::local::{Reclaiming, LOCAL, THREADS};
use super::Hyaline;
use crate::strategy::counted::{finish, Inner};

/// The header of a `Hyaline` object: the origin its retirement counts against, written once by
/// the retiring thread (no other thread touches it after the strong count reached zero) and
/// read by the deferred drop after seize's synchronisation.
pub(super) type Header = AtomicPtr<Origin>;

/// A `Hyaline` object.
pub(super) type Object<T> = Inner<T, Header>;

/// The one collector behind every `Hyaline` handle, built on first use with seize's batch size
/// set to [`Hyaline::BATCH`]. A static, never dropped: what is retired when the process exits is
/// never dropped.
pub(super) static COLLECTOR: LazyLock<Collector> =
    LazyLock::new(|| Collector::new().batch_size(Hyaline::BATCH as usize));

/// What panicked, as `hostile::rethrow` names it.
const DEFERRED_SITE: &str = "a deferred `Drop` run by `Hyaline` (the object's memory was freed \
    and every other deferred drop of its batch ran)";

/// An object retired while a deferred drop was running, waiting to be handed to seize.
struct Orphan {
    ptr: NonNull<()>,
    /// `reclaim::<T>` for the object's `T`.
    reclaim: unsafe fn(*mut (), &Collector),
}

// SAFETY: an `Orphan` owns the last strong reference to an object built by
// `ThreadSafeBackend::ptr_new`, which requires `T: Send + Sync`; dropping the value on another
// thread is what `T: Send` allows.
unsafe impl Send for Orphan {}

/// Objects retired inside a deferred drop (a value that owned the last reference to another).
/// Handing them to seize there would run seize's reclamation recursively, a level of stack per
/// level of a chain; they wait here instead, for the next period end, flush or `collect()` on
/// any thread, which hands them on. Waiting longer before
/// the retirement is safe: no cell holds them and no upgrade can succeed, so no thread can reach
/// them, whoever retires them.
static ORPHANS: Mutex<Vec<Orphan>> = Mutex::new(Vec::new());
/// Whether `ORPHANS` may be non-empty: spares the lock when it is not.
pub(super) static HAS_ORPHANS: AtomicBool = AtomicBool::new(false);

/// Runs the deferred drop of the object at `ptr`. seize calls it once no thread that was inside
/// a guard when the object's batch was handed on is still inside it.
///
/// # Safety
///
/// `ptr` is an `Object<T>` handed to seize by [`retire`] or [`adopt_orphans`], reclaimed once.
unsafe fn reclaim<T>(ptr: *mut (), _: &Collector) {
    let object = ptr.cast::<Object<T>>();
    // Relaxed: written before the retirement, which seize's synchronisation orders before this.
    // SAFETY: the allocation is live until `finish` releases its implicit weak reference.
    let origin = unsafe { &*(*object).header.load(Ordering::Relaxed) };
    let reclaiming = Reclaiming::enter(origin);
    let here = LOCAL.with(|local| local.holds(origin));
    // A panic must not unwind through seize's loop over the batch: the rest of the batch would
    // never be freed. It is kept and raised again by this thread's next `collect()`.
    crate::strategy::hostile::catching(DEFERRED_SITE, || {
        // SAFETY: this object was retired once; seize runs this after every thread that could
        // still read it has left its guard, and no cell or upgrade can reach it since.
        unsafe { finish::<T, Header>(NonNull::new_unchecked(ptr)) }
    });
    drop(reclaiming);
    // After the drop, and after whatever it retired was counted against the same origin.
    origin.count_freed(here);
}

/// A padding entry's reclaimer: nothing to do.
unsafe fn pad(_: *mut (), _: &Collector) {}

/// Hands the object to seize: its value is dropped, and the strong group's weak reference
/// released, once no thread inside a guard now can still be reading it. Counts it against this
/// thread's origin, or, inside a deferred drop, against the origin of the object being dropped.
///
/// # Safety
///
/// The strong count of `ptr` reached zero in this caller's decrement (so each object is retired
/// once), and the caller has done an Acquire fence after it.
#[inline]
pub(super) unsafe fn retire<T>(ptr: NonNull<Object<T>>) {
    let orphan = Orphan {
        ptr: ptr.cast(),
        reclaim: reclaim::<T>,
    };
    let record = |origin: &'static Origin| {
        // Relaxed: read by the deferred drop, after seize's synchronisation.
        // SAFETY: this caller released the last strong reference: the header is ours to write.
        unsafe {
            (*ptr.as_ptr())
                .header
                .store(origin as *const _ as *mut _, Ordering::Relaxed)
        };
    };
    let direct = LOCAL.with(|local| {
        let current = local.current.get();
        if local.reclaiming.get() != 0 && !current.is_null() {
            // SAFETY: origins live forever.
            let origin = unsafe { &*current };
            origin.count_orphan();
            record(origin);
            return false;
        }
        let origin = local.own();
        origin.count_retired_here();
        record(origin);
        // SAFETY: no cell holds the object and upgrades fail at zero, so no thread that enters
        // a guard from now on can reach it, and this thread gave up its reference;
        // `reclaim::<T>` matches the pointer's type.
        unsafe { COLLECTOR.retire(orphan.ptr.as_ptr(), orphan.reclaim) };
        local.count_entry();
        true
    });
    if !direct {
        let mut list = ORPHANS.lock().unwrap_or_else(PoisonError::into_inner);
        list.push(orphan);
        // Relaxed: see `adopt_orphans`.
        HAS_ORPHANS.store(true, Ordering::Relaxed);
    }
}

/// Hands every orphan to seize and flushes, round after round (their drops may orphan more),
/// unless this thread is itself running a deferred drop.
pub(super) fn adopt_orphans() {
    while adopt_round() {
        flush_batch();
    }
}

/// Moves the orphans into this thread's batch, unless this thread is running a deferred drop;
/// `true` if there were any. The caller flushes.
pub(super) fn adopt_round() -> bool {
    // Relaxed: a hint. The lock orders the list itself; an orphan missed here is adopted by the
    // next round, on this thread or another.
    if !HAS_ORPHANS.load(Ordering::Relaxed) || LOCAL.with(|local| local.reclaiming.get() != 0) {
        return false;
    }
    let orphans = {
        let mut list = ORPHANS.lock().unwrap_or_else(PoisonError::into_inner);
        // Relaxed: written under the lock, which orders it with the pushes.
        HAS_ORPHANS.store(false, Ordering::Relaxed);
        mem::take(&mut *list)
    };
    let any = !orphans.is_empty();
    LOCAL.with(|local| {
        for orphan in orphans {
            // SAFETY: as in `retire`: an orphan is unreachable, and retired once, here.
            unsafe { COLLECTOR.retire(orphan.ptr.as_ptr(), orphan.reclaim) };
            local.count_entry();
        }
    });
    any
}

/// Hands this thread's batch on, if it holds anything: seize adds it to the reservation list of
/// every thread inside a guard now, and the last of them to leave drops it (at once, when none
/// is). The batch is padded with empty entries to one per thread that may be inside a guard, as
/// seize needs.
pub(super) fn flush_batch() {
    let entries = LOCAL.with(|local| local.take_entries());
    if entries == 0 {
        return;
    }
    // Relaxed: see `THREADS`.
    let threads = THREADS.load(Ordering::Relaxed);
    for _ in (entries as usize)..threads {
        // SAFETY: a dangling, never dereferenced pointer whose reclaimer does nothing.
        unsafe { COLLECTOR.retire(NonNull::<()>::dangling().as_ptr(), pad) };
        LOCAL.with(|local| local.count_entry());
    }
    let guard = COLLECTOR.enter();
    guard.flush();
    LOCAL.with(|local| local.take_entries());
    // Leaving drops the batch if no other thread was inside a guard.
    drop(guard);
}
