//! `Hazard`'s [`Domain`]: reads protected by a hazard pointer from haphazard's global domain,
//! retired objects handed to that domain, and the reclamation period.

use std::cell::{RefCell, UnsafeCell};
use std::ops::Deref;
use std::ptr::NonNull;
use std::sync::atomic::AtomicPtr;

use haphazard::{Domain as HpDomain, HazardPointer};

use super::Hazard;
use crate::strategy::deferred::local::Local;
use crate::strategy::deferred::{adopt_round, reclaim, Busy, Domain, Object, State};

/// `Hazard`'s origins and orphans.
static STATE: State = State::new();

std::thread_local! {
    /// This thread's state. `entries` counts the objects it retired since its last scan.
    static LOCAL: Local = const { Local::new() };
    /// This thread's hazard pointers: one for outermost reads, and spares for nested ones, so
    /// that a thread acquires a record from the domain once per level of nesting.
    static HAZARDS: Hazards = const {
        Hazards {
            outer: UnsafeCell::new(None),
            nested: RefCell::new(Vec::new()),
        }
    };
}

/// A thread's hazard pointers; its exit gives them, and the thread's origin, back.
struct Hazards {
    /// The hazard pointer of the read that is not nested in another, made on first use. Only
    /// that read touches it, through the pointer its `Protection` holds.
    outer: UnsafeCell<Option<HazardPointer<'static>>>,
    /// Hazard pointers for nested reads, not in use.
    nested: RefCell<Vec<HazardPointer<'static>>>,
}

impl Drop for Hazards {
    fn drop(&mut self) {
        // Scan once for what this thread retired, so that it does not wait for another
        // thread's retirement or `collect()`.
        let _busy = Busy::enter(&STATE);
        if LOCAL.with(|local| local.entries.replace(0)) != 0 {
            HpDomain::global().eager_reclaim();
        }
        LOCAL.with(|local| local.give_back(&STATE.registry));
    }
}

/// A hazard pointer in use by a read: it protects one object until it is dropped. Not `Send`:
/// an outer one points into this thread's `HAZARDS`.
pub(crate) struct Protection {
    /// This thread's outer hazard pointer, for a read not nested in another.
    outer: Option<NonNull<HazardPointer<'static>>>,
    /// A nested read's, or one made while the thread's hazard pointers are gone.
    own: Option<HazardPointer<'static>>,
}

impl Protection {
    /// A hazard pointer for a read at nesting `depth` (0: not inside another read).
    #[inline]
    fn take(depth: u32) -> Self {
        if depth == 0 {
            let outer = HAZARDS.try_with(|hazards| {
                // SAFETY: no other read of this thread is running (`depth` is 0), so nothing
                // else borrows `outer`.
                let outer = unsafe { &mut *hazards.outer.get() };
                NonNull::from(outer.get_or_insert_with(HazardPointer::new))
            });
            if let Ok(outer) = outer {
                return Protection {
                    outer: Some(outer),
                    own: None,
                };
            }
        }
        let own = HAZARDS
            .try_with(|hazards| hazards.nested.borrow_mut().pop())
            .ok()
            .flatten()
            .unwrap_or_default();
        Protection {
            outer: None,
            own: Some(own),
        }
    }

    #[inline]
    fn hazard(&mut self) -> &mut HazardPointer<'static> {
        match (&mut self.outer, &mut self.own) {
            // SAFETY: the outer hazard pointer lives in this thread's `HAZARDS` until the thread
            // exits, and only this read, which outlives no thread-local, uses it.
            (Some(outer), _) => unsafe { outer.as_mut() },
            (None, Some(own)) => own,
            (None, None) => unreachable!("a protection holds a hazard pointer until it drops"),
        }
    }
}

impl Drop for Protection {
    #[inline]
    fn drop(&mut self) {
        LOCAL.with(|local| local.depth.set(local.depth.get() - 1));
        if let Some(mut outer) = self.outer {
            // SAFETY: as in `hazard`.
            unsafe { outer.as_mut() }.reset_protection();
        } else if let Some(mut own) = self.own.take() {
            own.reset_protection();
            // During thread exit the list may be gone: the hazard pointer then gives its record
            // back to the domain as it drops.
            let _ = HAZARDS.try_with(|hazards| hazards.nested.borrow_mut().push(own));
        }
    }
}

/// An object handed to haphazard: `Send`, as `retire_ptr` requires.
#[repr(transparent)]
struct SendObject<T>(Object<T>);

// SAFETY: an object reaches `hand_on` only through `ThreadSafeBackend::ptr_new`, which requires
// `T: Send + Sync`; haphazard may run its deleter on any thread, which `T: Send` allows.
unsafe impl<T> Send for SendObject<T> {}

/// What haphazard's deleter rebuilds from a retired pointer: dropping it runs the deferred
/// drop.
struct Retiring<T>(NonNull<SendObject<T>>);

impl<T> Deref for Retiring<T> {
    type Target = SendObject<T>;
    fn deref(&self) -> &SendObject<T> {
        // SAFETY: a retired object is live until `reclaim` runs, in this value's drop.
        unsafe { self.0.as_ref() }
    }
}

impl<T> Drop for Retiring<T> {
    fn drop(&mut self) {
        // SAFETY: haphazard calls its deleter once per retired pointer, after no hazard pointer
        // protects it; the pointer was handed on by `Hazard::hand_on::<T>`.
        unsafe { reclaim::<Hazard, T>(self.0.cast()) };
    }
}

// SAFETY: `into_raw` and `from_raw` round-trip the pointer without touching the object, which
// stays valid as `&T` until the deleter drops the rebuilt `Retiring`, once.
unsafe impl<T> haphazard::raw::Pointer<SendObject<T>> for Retiring<T> {
    fn into_raw(self) -> *mut SendObject<T> {
        let ptr = self.0.as_ptr();
        std::mem::forget(self);
        ptr
    }

    unsafe fn from_raw(ptr: *mut SendObject<T>) -> Self {
        // SAFETY: haphazard passes back the non-null pointer it was given.
        Retiring(unsafe { NonNull::new_unchecked(ptr) })
    }
}

impl Domain for Hazard {
    const DEFERRED_SITE: &'static str = "a deferred `Drop` run by `Hazard` (the object's memory \
        was freed and every other object of the scan was reclaimed)";

    type Guard = Protection;

    fn state() -> &'static State {
        &STATE
    }

    #[inline]
    fn with_local<R>(f: impl FnOnce(&Local) -> R) -> R {
        LOCAL.with(f)
    }

    #[inline]
    fn protect<T>(atomic: &AtomicPtr<Object<T>>) -> (Protection, *mut Object<T>) {
        let depth = LOCAL.with(|local| {
            let depth = local.depth.get();
            local.depth.set(depth + 1);
            depth
        });
        let mut guard = Protection::take(depth);
        let current = Hazard::reprotect(&mut guard, atomic);
        (guard, current)
    }

    #[inline]
    fn reprotect<T>(guard: &mut Protection, atomic: &AtomicPtr<Object<T>>) -> *mut Object<T> {
        let hazard = guard.hazard();
        // haphazard loads the pointer, publishes it in the hazard pointer, and loads again until
        // the two agree (an Acquire load): from then until the reset, a scan sees it protected.
        // Every object the slot can hold is reclaimed only through the global domain
        // (`Hazard::hand_on`), as protection requires.
        hazard
            .protect_ptr(atomic)
            .map_or(std::ptr::null_mut(), |(ptr, _)| ptr.as_ptr())
    }

    #[inline]
    unsafe fn hand_on<T>(ptr: NonNull<()>) {
        // SAFETY: the caller's contract: retired, unreachable from every cell (so no hazard
        // pointer set from now on can protect it), handed on once, and valid until its
        // deleter runs; the domain is static.
        unsafe { HpDomain::global().retire_ptr::<SendObject<T>, Retiring<T>>(ptr.cast().as_ptr()) };
        LOCAL.with(|local| {
            local.entries.set(local.entries.get().saturating_add(1));
            if !local.registered.get() {
                local.registered.set(true);
                // Arms `Hazards`' destructor, which gives this thread's origin back.
                let _ = HAZARDS.try_with(|_| ());
            }
        });
    }

    #[inline]
    fn tick() {
        if LOCAL.with(|local| local.count_operation(Hazard::PERIOD)) {
            period_end();
        }
    }
}

/// The end of a period: one round of orphans, then a scan if this thread retired anything.
#[cold]
#[inline(never)]
fn period_end() {
    let _busy = STATE.has_orphans().then(|| Busy::enter(&STATE));
    adopt_round::<Hazard>();
    scan_if_retired();
}

/// Scans the domain if this thread retired anything since its last scan: every retired object
/// that no hazard pointer protects now is reclaimed, on this thread. Starts a new period.
pub(super) fn scan_if_retired() {
    let retired = LOCAL.with(|local| {
        local.countdown.set(Hazard::PERIOD);
        local.entries.replace(0)
    });
    if retired != 0 {
        HpDomain::global().eager_reclaim();
    }
}

/// Scans the domain now and starts a new period: what this thread retired is handed on, and its
/// exit need not scan again.
pub(super) fn scan() {
    LOCAL.with(|local| {
        local.countdown.set(Hazard::PERIOD);
        local.entries.set(0);
    });
    HpDomain::global().eager_reclaim();
}

/// Hands every orphan to the domain and scans, round after round (their drops may orphan more).
pub(super) fn adopt_orphans() {
    let _busy = STATE.has_orphans().then(|| Busy::enter(&STATE));
    while adopt_round::<Hazard>() {
        scan_if_retired();
    }
}
