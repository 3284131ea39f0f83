//! The garbage counts behind [`Epoch::pending`](super::Epoch::pending) and `collect()`'s wait:
//! each object retired is counted against an [`Origin`], the counts of the thread that retired
//! it, until its deferred drop runs.
//!
//! A live thread holds an origin of its own, so the common path writes only counters no other
//! thread writes: a retirement adds to `retired` and a drop run on the same thread adds to
//! `freed_here`, each with a load and a store, no read-modify-write. Only a drop run on another
//! thread, and an orphan (see `retire.rs`), pays a read-modify-write. Every count only grows, so
//! `collect()` reads a change in the freed counts as progress.
//!
//! Origins are never freed: a thread gives its origin back when it exits and the next thread
//! to start takes it, counts and all, so a deferred drop may always reach the origin it names,
//! and the registry grows only to the most threads alive at once. A thread that inherits an
//! origin inherits its pending garbage: it is in the global queue (an exiting thread hands its
//! bag on), and the new holder's `collect()` waits for it too.

use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

use super::local::LOCAL;
use crate::loom::local_key;
use crate::padded::Padded;

/// The counts of an [`Origin`] that any thread may write, with read-modify-writes.
struct Others {
    /// Deferred drops of the origin's objects run on other threads.
    freed_elsewhere: AtomicUsize,
    /// Orphans retired for the origin, on any thread (see `retire.rs`).
    orphans: AtomicUsize,
    /// `collect()` markers deferred by the holder and not yet run: counted in its own pending
    /// garbage, never in `Epoch::pending`.
    markers: AtomicUsize,
}

/// The garbage counts of the thread holding it; see the [module docs](self).
pub(super) struct Origin {
    /// Objects retired by the holder: written by the holder alone (except in [`SHARED`]).
    retired: AtomicUsize,
    /// Deferred drops of this origin's objects run on the holder's thread: written by the holder
    /// alone.
    freed_here: AtomicUsize,
    /// The counts other threads write, on cache lines of their own: a thread running another's
    /// drops does not take the owner's line away from it on every drop.
    others: Padded<Others>,
    /// Whether a live thread holds this origin.
    taken: AtomicBool,
    /// Whether several threads may write `retired` at once ([`SHARED`] only).
    shared: bool,
    /// The next origin in the registry; set before the origin is published, never changed.
    next: *const Padded<Origin>,
}

// SAFETY: the counts are atomics; `next` points at a leaked origin that lives forever and is
// only read.
unsafe impl Sync for Origin {}
// SAFETY: as for `Sync`.
unsafe impl Send for Origin {}

impl Origin {
    const fn new(taken: bool, shared: bool) -> Self {
        Origin {
            retired: AtomicUsize::new(0),
            freed_here: AtomicUsize::new(0),
            others: Padded(Others {
                freed_elsewhere: AtomicUsize::new(0),
                orphans: AtomicUsize::new(0),
                markers: AtomicUsize::new(0),
            }),
            taken: AtomicBool::new(taken),
            shared,
            next: ptr::null(),
        }
    }

    /// Counts one more object retired by this origin's holder, the caller.
    #[inline]
    pub(super) fn count_retired(&self) {
        // Relaxed: a statistic; `pending` orders its loads through the freed counts, whose
        // Release adds come after this (the drop is deferred after the retirement).
        if self.shared {
            self.retired.fetch_add(1, Ordering::Relaxed);
        } else {
            add_alone(&self.retired, Ordering::Relaxed);
        }
    }

    /// Whether a live thread holds this origin (always, for [`SHARED`]).
    pub(super) fn held(&self) -> bool {
        // Relaxed: a hint for where to count an orphan; either answer counts it somewhere a
        // `collect()` can reach.
        self.taken.load(Ordering::Relaxed)
    }

    /// Counts an orphan retired for this origin on any thread: pending until it runs.
    pub(super) fn count_orphan(&self) {
        // Relaxed: as in `count_retired`.
        self.others.0.orphans.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one deferred drop of this origin's objects as run, on the calling thread.
    #[inline]
    pub(super) fn count_freed(&'static self) {
        // Release pairs with the Acquire loads in `pending`: the drop, and the retirement before
        // it, come before any sum that counts it.
        if ptr::eq(self, own_cached()) {
            add_alone(&self.freed_here, Ordering::Release);
        } else {
            self.others
                .0
                .freed_elsewhere
                .fetch_add(1, Ordering::Release);
        }
    }

    /// Counts a `collect()` marker deferred by the holder.
    pub(super) fn marker_deferred(&self) {
        // Relaxed: only the holder's own `own_pending` reads it, after the marker's run is
        // ordered by the epoch's own synchronisation.
        self.others.0.markers.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a `collect()` marker as run.
    pub(super) fn marker_freed(&self) {
        // Release pairs with the Acquire load in `own_pending`.
        self.others.0.markers.fetch_sub(1, Ordering::Release);
    }

    /// Deferred drops of this origin's objects run so far, loaded with `ordering`: never
    /// decreases, so a change is progress.
    pub(super) fn freed(&self, ordering: Ordering) -> usize {
        self.freed_here
            .load(ordering)
            .wrapping_add(self.others.0.freed_elsewhere.load(ordering))
    }

    /// Objects retired for this origin so far, orphans included. Relaxed: callers load the
    /// freed counts first, with Acquire, which orders these loads (see `pending`).
    pub(super) fn retired(&self) -> usize {
        self.retired
            .load(Ordering::Relaxed)
            .wrapping_add(self.others.0.orphans.load(Ordering::Relaxed))
    }
}

/// Adds one to a counter this thread alone writes: a load and a store.
#[inline]
fn add_alone(counter: &AtomicUsize, ordering: Ordering) {
    // Relaxed load: this thread wrote it last (or the origin's previous holder, ordered before
    // this thread by the hand-over in `take`).
    counter.store(counter.load(Ordering::Relaxed).wrapping_add(1), ordering);
}

/// The origin of threads without one of their own (a thread whose locals are being
/// destroyed): every write to it is a read-modify-write.
pub(super) static SHARED: Origin = Origin::new(true, true);

/// The most recently registered origin; each points at the one registered before it.
static REGISTRY: AtomicPtr<Padded<Origin>> = AtomicPtr::new(ptr::null_mut());

/// Every origin: [`SHARED`] and the registry.
fn all() -> impl Iterator<Item = &'static Origin> {
    // Acquire pairs with the Release in `take`: an origin's fields, `next` included, were
    // written before it was published.
    let mut next: *const Padded<Origin> = REGISTRY.load(Ordering::Acquire);
    std::iter::once(&SHARED).chain(std::iter::from_fn(move || {
        // SAFETY: registered origins are leaked boxes, never freed; `next` is null or one.
        let origin = unsafe { next.as_ref() }.map(|padded| &padded.0)?;
        next = origin.next;
        Some(origin)
    }))
}

/// Takes a free origin from the registry, or registers a new one.
fn take() -> &'static Origin {
    for origin in all().skip(1) {
        // Acquire pairs with the Release in `Holder::drop`: the previous holder's plain adds
        // come before this thread's.
        if origin
            .taken
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
        {
            return origin;
        }
    }
    let origin = Box::leak(Box::new(Padded(Origin::new(true, false))));
    // Relaxed: the Release of a successful exchange below publishes what it read.
    let mut head = REGISTRY.load(Ordering::Relaxed);
    loop {
        origin.0.next = head;
        // Release: publishes the origin's fields to `all`'s Acquire load.
        match REGISTRY.compare_exchange_weak(head, origin, Ordering::Release, Ordering::Relaxed) {
            Ok(_) => return &origin.0,
            Err(seen) => head = seen,
        }
    }
}

/// A thread's hold on its origin, given back when the thread exits.
pub(super) struct Holder(&'static Origin);

impl Drop for Holder {
    fn drop(&mut self) {
        // The cached pointer goes first: what this thread retires from now on counts in
        // `SHARED`.
        let _ = LOCAL.try_with(|local| local.own.set(ptr::null()));
        // Release pairs with the Acquire in `take`.
        self.0.taken.store(false, Ordering::Release);
    }
}

local_key! {
    static HOLDER: Holder = Holder(take());
}

/// This thread's origin, or [`SHARED`] when it has none (its locals are being destroyed).
#[inline]
pub(super) fn own() -> &'static Origin {
    let cached = own_cached();
    if cached.is_null() {
        own_slow()
    } else {
        // SAFETY: a non-null cached pointer is this thread's origin, which lives forever.
        unsafe { &*cached }
    }
}

/// The origin cached in this thread's state, or null.
#[inline]
fn own_cached() -> *const Origin {
    LOCAL
        .try_with(|local| local.own.get())
        .unwrap_or(ptr::null())
}

#[cold]
fn own_slow() -> &'static Origin {
    HOLDER
        .try_with(|holder| {
            let _ = LOCAL.try_with(|local| local.own.set(holder.0));
            holder.0
        })
        .unwrap_or(&SHARED)
}

/// Objects retired and not yet dropped, over every origin.
pub(super) fn pending() -> usize {
    // Acquire on the freed counts pairs with their Release adds: every drop counted there was
    // retired, and counted in `retired`, before it, so the Relaxed loads of `retired` that
    // follow see those retirements; the sum never counts a drop without its retirement.
    let freed = all().fold(0usize, |sum, o| {
        sum.wrapping_add(o.freed(Ordering::Acquire))
    });
    let retired = all().fold(0usize, |sum, o| sum.wrapping_add(o.retired()));
    non_negative(retired.wrapping_sub(freed))
}

/// `difference`, or 0 if it wrapped below zero. The loads never see a drop without its
/// retirement, so it does not; the guard keeps a mistake from showing as a huge count.
fn non_negative(difference: usize) -> usize {
    if difference > isize::MAX as usize {
        0
    } else {
        difference
    }
}

/// Deferred drops run so far, over every origin: progress for `collect()`.
pub(super) fn freed() -> usize {
    // Relaxed: only compared with itself, before and after a round.
    all().fold(0usize, |sum, o| {
        sum.wrapping_add(o.freed(Ordering::Relaxed))
    })
}

/// This thread's garbage not yet dropped, its `collect()` markers included.
pub(super) fn own_pending() -> usize {
    let origin = own();
    // Acquire: as in `pending`, and for the markers.
    let freed = origin.freed(Ordering::Acquire);
    let markers = origin.others.0.markers.load(Ordering::Acquire);
    non_negative(origin.retired().wrapping_sub(freed)).wrapping_add(markers)
}
