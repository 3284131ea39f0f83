//! The garbage counts behind [`Hyaline::pending`](super::Hyaline::pending) and `collect()`'s
//! wait: each retired object records in its header the [`Origin`] it counts against, and its
//! deferred drop adds to that origin's freed count, on whichever thread it runs.
//!
//! A thread's origin is the one it retires into; an object retired by another object's deferred
//! drop counts against the origin of that object, so a thread's `collect()` waits for the whole
//! of a chain it dropped. Origins are never freed: a thread gives its origin back when it exits
//! and the next thread to need one takes it, counts and all, so a header always names a live
//! origin and the registry grows only to the most threads alive at once.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::padded::Padded;

/// One thread's garbage counts. Both only grow, so a change in `freed` is progress.
pub(super) struct Origin {
    /// Objects retired against this origin.
    retired: AtomicUsize,
    /// Deferred drops of this origin's objects that have run, on any thread.
    freed: AtomicUsize,
    /// Whether a live thread holds this origin.
    taken: AtomicBool,
}

impl Origin {
    /// Counts one more object retired against this origin, by any thread.
    #[inline]
    pub(super) fn count_retired(&self) {
        // Relaxed: `pending` orders its loads through `freed`, whose Release adds come after
        // this (an object's drop runs after its retirement).
        self.retired.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one deferred drop of this origin's objects as run.
    #[inline]
    pub(super) fn count_freed(&self) {
        // Release pairs with the Acquire loads in `pending`: the drop, and the retirements it
        // made (counted before it finished), come before any sum that counts it.
        self.freed.fetch_add(1, Ordering::Release);
    }

    /// Objects retired against this origin and not yet dropped.
    pub(super) fn pending(&self) -> usize {
        // Acquire pairs with `count_freed`: every drop counted was retired, and counted in
        // `retired`, before it, so the difference never goes below zero.
        let freed = self.freed.load(Ordering::Acquire);
        self.retired.load(Ordering::Relaxed).wrapping_sub(freed)
    }
}

/// Every origin ever made, each leaked: a header may name one after its thread exits.
static ALL: Mutex<Vec<&'static Padded<Origin>>> = Mutex::new(Vec::new());

/// Takes a free origin, or makes one.
pub(super) fn take() -> &'static Origin {
    let mut all = ALL.lock().unwrap_or_else(PoisonError::into_inner);
    for origin in all.iter() {
        // Relaxed: the lock orders the hand-over.
        if !origin.0.taken.swap(true, Ordering::Relaxed) {
            return &origin.0;
        }
    }
    let origin: &'static Padded<Origin> = Box::leak(Box::new(Padded(Origin {
        retired: AtomicUsize::new(0),
        freed: AtomicUsize::new(0),
        taken: AtomicBool::new(true),
    })));
    all.push(origin);
    &origin.0
}

/// Gives an origin back for the next thread; its pending garbage goes with it.
pub(super) fn give_back(origin: &'static Origin) {
    let _all = ALL.lock().unwrap_or_else(PoisonError::into_inner);
    // Relaxed: under the lock, as in `take`.
    origin.taken.store(false, Ordering::Relaxed);
}

/// Objects retired and not yet dropped, over every origin.
pub(super) fn pending() -> usize {
    let all = ALL.lock().unwrap_or_else(PoisonError::into_inner);
    let total = all
        .iter()
        .fold(0usize, |sum, origin| sum.wrapping_add(origin.0.pending()));
    // The loads of different origins are not one snapshot; never show a wrapped difference.
    if total > isize::MAX as usize {
        0
    } else {
        total
    }
}
