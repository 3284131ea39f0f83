//! Each thread's state for one deferred strategy: progress towards its next flush, a count the
//! domain keeps (seize batch entries, retirements since the last scan), the guards and deferred
//! drops it is inside, and its origin. Each domain declares its own thread-local of this type.

use std::cell::Cell as StdCell;
use std::ptr;

use super::origin::{Origin, Registry};
use super::Domain;

/// A thread's state. Only `Copy` cells, so a thread-local of it has no destructor and stays
/// reachable while the thread's other locals are destroyed.
pub(crate) struct Local {
    /// Operations left before the next flush check.
    pub(crate) countdown: StdCell<u32>,
    /// The domain's own count towards a flush.
    pub(crate) entries: StdCell<u32>,
    /// How many deferred drops this thread is running now: what they retire is an orphan, and
    /// no flush starts inside one.
    pub(crate) reclaiming: StdCell<u32>,
    /// The origin of the innermost deferred drop running now (null when none).
    current: StdCell<*const Origin>,
    /// Guards this thread holds.
    pub(crate) depth: StdCell<u32>,
    /// This thread's origin, once taken.
    own: StdCell<*const Origin>,
    /// Whether the domain has registered this thread (what that means is the domain's).
    pub(crate) registered: StdCell<bool>,
}

impl Local {
    pub(crate) const fn new() -> Self {
        Local {
            countdown: StdCell::new(0),
            entries: StdCell::new(0),
            reclaiming: StdCell::new(0),
            current: StdCell::new(ptr::null()),
            depth: StdCell::new(0),
            own: StdCell::new(ptr::null()),
            registered: StdCell::new(false),
        }
    }

    /// This thread's origin in `registry`, taken on first use.
    #[inline]
    pub(crate) fn own(&self, registry: &Registry) -> &'static Origin {
        let own = self.own.get();
        if own.is_null() {
            let origin = registry.take();
            self.own.set(origin);
            origin
        } else {
            // SAFETY: a non-null `own` is an origin, which lives forever.
            unsafe { &*own }
        }
    }

    /// This thread's origin, if it ever retired anything.
    pub(crate) fn own_if_any(&self) -> Option<&'static Origin> {
        // SAFETY: as in `own`.
        unsafe { self.own.get().as_ref() }
    }

    /// Gives this thread's origin back to `registry` (the thread is exiting); what it still
    /// retires counts against the registry's shared origin.
    pub(crate) fn give_back(&self, registry: &'static Registry) {
        if let Some(origin) = self.own_if_any() {
            self.own.set(registry.shared());
            registry.give_back(origin);
        }
    }

    /// Whether `origin` is this thread's own.
    #[inline]
    pub(crate) fn holds(&self, origin: &Origin) -> bool {
        ptr::eq(self.own.get(), origin)
    }

    /// The origin of the deferred drop this thread is running, if any.
    #[inline]
    pub(crate) fn reclaiming_origin(&self) -> Option<&'static Origin> {
        if self.reclaiming.get() == 0 {
            return None;
        }
        // SAFETY: origins live forever.
        unsafe { self.current.get().as_ref() }
    }

    /// Whether `collect()` may wait here: not inside a guard, where it would wait for itself,
    /// nor inside a deferred drop.
    pub(crate) fn may_wait(&self) -> bool {
        self.depth.get() == 0 && self.reclaiming.get() == 0
    }

    /// Counts one operation; `true` at the end of a period of `period` operations, outside any
    /// deferred drop (one that ends inside a drop is checked again at the next operation).
    #[inline]
    pub(crate) fn count_operation(&self, period: u32) -> bool {
        let left = self.countdown.get();
        if left > 1 {
            self.countdown.set(left - 1);
            return false;
        }
        if self.reclaiming.get() != 0 {
            self.countdown.set(0);
            return false;
        }
        self.countdown.set(period);
        true
    }
}

/// Marks this thread as running the deferred drop of an object of `origin` while it lives.
pub(crate) struct Reclaiming<D: Domain> {
    outer: *const Origin,
    _domain: std::marker::PhantomData<D>,
}

impl<D: Domain> Reclaiming<D> {
    pub(crate) fn enter(origin: &'static Origin) -> Self {
        let outer = D::with_local(|local| {
            local.reclaiming.set(local.reclaiming.get() + 1);
            local.current.replace(origin)
        });
        Reclaiming {
            outer,
            _domain: std::marker::PhantomData,
        }
    }
}

impl<D: Domain> Drop for Reclaiming<D> {
    fn drop(&mut self) {
        D::with_local(|local| {
            local.reclaiming.set(local.reclaiming.get() - 1);
            local.current.set(self.outer);
        });
    }
}
