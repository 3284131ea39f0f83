//! What the deferred-refcount strategies whose reclaimer is not crossbeam-epoch share
//! (`Hyaline` through seize, `Hazard` through haphazard): the refcounted pointer and its cells,
//! generic over a [`Domain`]; the garbage counts behind `collect()`'s wait ([`origin`]); the
//! orphan list; and each thread's state ([`local`]).
//!
//! A domain says how a read protects the object it borrows and how a retired object is handed
//! to the backend; everything else is here once. An object whose strong count reaches zero is
//! *retired*: its header records the origin it counts against, and the backend later calls
//! [`reclaim`], which drops the value, releases the allocation's implicit weak reference and
//! counts the drop. An object retired by another object's deferred drop is an *orphan*: it
//! waits in the domain's orphan list for the next [`adopt_round`], so that a chain is freed one
//! level per round with no recursion through the backend.

pub(crate) mod local;
pub(crate) mod origin;
pub(crate) mod pointer;

use std::mem;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use self::local::{Local, Reclaiming};
use self::origin::{Origin, Registry};
use super::counted::{finish, Inner};

/// The header of an object: the origin its retirement counts against, written once by the
/// retiring thread (no other thread touches it after the strong count reached zero) and read by
/// the deferred drop after the backend's synchronisation.
pub(crate) type Header = AtomicPtr<Origin>;

/// An object of a deferred strategy.
pub(crate) type Object<T> = Inner<T, Header>;

/// How one strategy protects reads and hands retired objects to its backend.
pub(crate) trait Domain: Sized + 'static {
    /// What panicked, as `hostile::rethrow` names it, for a deferred drop that panics.
    const DEFERRED_SITE: &'static str;

    /// Keeps the object a read loaded from reclamation while it lives.
    type Guard;

    /// The domain's registry of origins and its orphans.
    fn state() -> &'static State;

    /// Runs `f` on this thread's state.
    fn with_local<R>(f: impl FnOnce(&Local) -> R) -> R;

    /// Loads the pointer `atomic` holds and protects it: until the guard drops, an object it
    /// points to is not reclaimed.
    fn protect<T>(atomic: &AtomicPtr<Object<T>>) -> (Self::Guard, *mut Object<T>);

    /// Loads `atomic` again under `guard` and protects what it holds now, for a retry.
    fn reprotect<T>(guard: &mut Self::Guard, atomic: &AtomicPtr<Object<T>>) -> *mut Object<T>;

    /// Hands an object to the backend, which calls [`reclaim::<Self, T>`](reclaim) once no
    /// protected read can reach it.
    ///
    /// # Safety
    ///
    /// The object is retired (its strong count is zero and its header written), unreachable
    /// from any cell, and handed on once.
    unsafe fn hand_on<T>(ptr: NonNull<()>);

    /// Ends one operation of this thread: counts it towards the next flush.
    fn tick();
}

/// An object retired while a deferred drop was running, waiting to be handed on.
struct Orphan {
    ptr: NonNull<()>,
    /// `D::hand_on::<T>` for the object's domain and `T`.
    hand_on: unsafe fn(NonNull<()>),
}

// SAFETY: an `Orphan` owns the last strong reference to an object built by
// `ThreadSafeBackend::ptr_new`, which requires `T: Send + Sync`; dropping the value on another
// thread is what `T: Send` allows.
unsafe impl Send for Orphan {}

/// A domain's origins and orphans.
pub(crate) struct State {
    pub(crate) registry: Registry,
    /// Objects retired inside a deferred drop (a value that owned the last reference to
    /// another). Handing them to the backend there would run its reclamation recursively, a
    /// level of stack per level of a chain; they wait here instead, for the next round on any
    /// thread. Waiting longer before the retirement is safe: no cell holds them and no upgrade
    /// can succeed, so no thread can reach them, whoever retires them.
    orphans: Mutex<Vec<Orphan>>,
    /// Whether `orphans` may be non-empty: spares the lock when it is not.
    has_orphans: AtomicBool,
    /// Threads handing orphans or an exiting thread's garbage on now ([`Busy`]): a `collect()`
    /// does not return while one is, since what they took is on no list it can see.
    busy: AtomicUsize,
}

/// Marks this thread as handing garbage on while it lives: orphans it took from the list, or
/// what it retired before it exits.
pub(crate) struct Busy(&'static State);

impl Busy {
    pub(crate) fn enter(state: &'static State) -> Self {
        // SeqCst, with the load in `collect`: a `collect()` that finds the orphan list empty
        // after this thread took from it sees this count, or this thread's hand-on is over.
        state.busy.fetch_add(1, Ordering::SeqCst);
        Busy(state)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        // SeqCst: as in `enter`; what the hand-on dropped comes before.
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

impl State {
    pub(crate) const fn new() -> Self {
        State {
            registry: Registry::new(),
            orphans: Mutex::new(Vec::new()),
            has_orphans: AtomicBool::new(false),
            busy: AtomicUsize::new(0),
        }
    }

    /// Whether any orphan may be waiting: a hint, as the lock orders the list itself, and an
    /// orphan missed here is adopted by the next round. Acquire pairs with the Release store of
    /// `adopt_round`, so a `collect()` that sees the list emptied sees the adopter's [`Busy`].
    pub(crate) fn has_orphans(&self) -> bool {
        self.has_orphans.load(Ordering::Acquire)
    }
}

/// Runs the deferred drop of the object at `ptr`, once the backend found no protected read can
/// reach it.
///
/// # Safety
///
/// `ptr` is an `Object<T>` retired through [`retire::<D, T>`](retire), reclaimed once.
pub(crate) unsafe fn reclaim<D: Domain, T>(ptr: NonNull<()>) {
    let object = ptr.cast::<Object<T>>();
    // Relaxed: written before the retirement, which the backend's synchronisation orders
    // before this.
    // SAFETY: the allocation is live until `finish` releases its implicit weak reference.
    let origin = unsafe { &*(*object.as_ptr()).header.load(Ordering::Relaxed) };
    let reclaiming = Reclaiming::<D>::enter(origin);
    let here = D::with_local(|local| local.holds(origin));
    // A panic must not unwind through the backend's loop over its retired objects: the rest
    // would never be freed. It is kept and raised again by this thread's next `collect()`.
    crate::strategy::hostile::catching(D::DEFERRED_SITE, || {
        // SAFETY: this object was retired once; the backend runs this after every read that
        // could reach it has ended, and no cell or upgrade can reach it since.
        unsafe { finish::<T, Header>(ptr) }
    });
    drop(reclaiming);
    // After the drop, and after whatever it retired was counted against the same origin.
    origin.count_freed(here);
}

/// Retires the object: counts it against this thread's origin (or, inside a deferred drop,
/// against the origin of the object being dropped), records that in its header, and hands it to
/// the backend (or, inside a deferred drop, to the orphan list).
///
/// # Safety
///
/// The strong count of `ptr` reached zero in this caller's decrement (so each object is retired
/// once), and the caller has done an Acquire fence after it.
#[inline]
pub(crate) unsafe fn retire<D: Domain, T>(ptr: NonNull<Object<T>>) {
    let record = |origin: &'static Origin| {
        // Relaxed: read by the deferred drop, after the backend's synchronisation.
        // SAFETY: this caller released the last strong reference: the header is ours to write.
        unsafe {
            (*ptr.as_ptr())
                .header
                .store(origin as *const _ as *mut _, Ordering::Relaxed)
        };
    };
    let orphaned = D::with_local(|local| {
        if let Some(origin) = local.reclaiming_origin() {
            origin.count_orphan();
            record(origin);
            return true;
        }
        let origin = local.own(&D::state().registry);
        origin.count_retired_here();
        record(origin);
        // SAFETY: retired just now, once; no cell holds it and upgrades fail at zero.
        unsafe { D::hand_on::<T>(ptr.cast()) };
        false
    });
    if orphaned {
        let state = D::state();
        let mut list = state.orphans.lock().unwrap_or_else(PoisonError::into_inner);
        list.push(Orphan {
            ptr: ptr.cast(),
            hand_on: D::hand_on::<T>,
        });
        // Relaxed: see `State::has_orphans`.
        state.has_orphans.store(true, Ordering::Relaxed);
    }
}

/// Hands the orphans waiting now to the backend, unless this thread is running a deferred drop;
/// `true` if there were any. The caller flushes.
pub(crate) fn adopt_round<D: Domain>() -> bool {
    let state = D::state();
    if !state.has_orphans() || D::with_local(|local| local.reclaiming.get() != 0) {
        return false;
    }
    let orphans = {
        let mut list = state.orphans.lock().unwrap_or_else(PoisonError::into_inner);
        // Release: see `State::has_orphans`; the lock orders it with the pushes.
        state.has_orphans.store(false, Ordering::Release);
        mem::take(&mut *list)
    };
    let any = !orphans.is_empty();
    for orphan in orphans {
        // SAFETY: an orphan is retired and unreachable, and handed on once, here.
        unsafe { (orphan.hand_on)(orphan.ptr) };
    }
    any
}

/// This thread's garbage not yet dropped, and whether `collect()` may wait for it here.
pub(crate) fn own_pending<D: Domain>() -> (usize, bool) {
    D::with_local(|local| {
        let pending = local.own_if_any().map_or(0, Origin::pending);
        (pending, local.may_wait())
    })
}

/// The loop of a deferred strategy's `collect()`: `flush` (which hands this thread's garbage on
/// and adopts orphans) until every object this thread retired, orphans of its drops included,
/// has been dropped, and no other thread is handing orphans or its exit's garbage on; yields
/// between rounds. Inside a guard or a deferred drop it flushes once.
pub(crate) fn collect<D: Domain>(flush: impl Fn()) {
    loop {
        flush();
        let (mine, may_wait) = own_pending::<D>();
        let state = D::state();
        // SeqCst: see `Busy::enter`.
        let busy = state.busy.load(Ordering::SeqCst) != 0;
        if !may_wait || (mine == 0 && !state.has_orphans() && !busy) {
            break;
        }
        // This thread's garbage waits for a read on another thread to end, or its drop runs
        // elsewhere now.
        std::thread::yield_now();
    }
    super::hostile::rethrow();
}
