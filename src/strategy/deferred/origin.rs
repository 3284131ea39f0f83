//! The garbage counts behind each deferred strategy's `pending()` and `collect()`'s wait: each retired object records in its header the [`Origin`] it counts against, and its
//! deferred drop adds to that origin's freed counts, on whichever thread it runs.
//!
//! A thread's origin is the one it retires into; an object retired by another object's deferred
//! drop counts against the origin of that object, so a thread's `collect()` waits for the whole
//! of a chain it dropped. The common path writes only counters no other thread writes: a
//! retirement by the holder adds to `retired_here` and a drop run on the holder's thread to
//! `freed_here`, each with a load and a store, no read-modify-write. Only orphans and drops run
//! on other threads pay a read-modify-write, on a cache line of their own.
//!
//! Origins are never freed: a thread gives its origin back when it exits and the next thread
//! to need one takes it, counts and all, so a header always names a live origin and the
//! registry grows only to the most threads alive at once. What a thread retires after giving
//! its origin back counts against the registry's shared origin, whose every write is a
//! read-modify-write.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::padded::Padded;

/// The counts of an [`Origin`] that any thread may write, with read-modify-writes.
struct Others {
    /// Orphans retired against the origin, on any thread.
    retired: AtomicUsize,
    /// Deferred drops of the origin's objects run on other threads.
    freed: AtomicUsize,
}

/// One thread's garbage counts. Every count only grows, so a change in the freed counts is
/// progress.
pub(crate) struct Origin {
    /// Objects retired by the holder: written by the holder alone (except in a shared origin).
    retired_here: AtomicUsize,
    /// Deferred drops of this origin's objects run on the holder's thread: written by the holder
    /// alone (except in a shared origin).
    freed_here: AtomicUsize,
    /// The counts other threads write, on a cache line of their own.
    others: Padded<Others>,
    /// Whether a live thread holds this origin.
    taken: AtomicBool,
    /// Whether several threads may write the holder's counts at once (a registry's shared
    /// origin only).
    shared: bool,
}

impl Origin {
    const fn new(taken: bool, shared: bool) -> Self {
        Origin {
            retired_here: AtomicUsize::new(0),
            freed_here: AtomicUsize::new(0),
            others: Padded(Others {
                retired: AtomicUsize::new(0),
                freed: AtomicUsize::new(0),
            }),
            taken: AtomicBool::new(taken),
            shared,
        }
    }

    /// Counts one more object retired by this origin's holder, the caller.
    #[inline]
    pub(crate) fn count_retired_here(&self) {
        // Relaxed: `pending` orders its loads through the freed counts, whose Release adds
        // come after this (an object's drop runs after its retirement).
        add(&self.retired_here, self.shared, Ordering::Relaxed);
    }

    /// Counts one more object retired against this origin by a deferred drop, on any thread.
    pub(crate) fn count_orphan(&self) {
        // Relaxed: as in `count_retired_here`.
        self.others.0.retired.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one deferred drop of this origin's objects as run; `here` when the caller holds
    /// this origin.
    #[inline]
    pub(crate) fn count_freed(&self, here: bool) {
        // Release pairs with the Acquire loads in `pending`: the drop, and the retirements it
        // made (counted before it finished), come before any sum that counts it.
        if here {
            add(&self.freed_here, self.shared, Ordering::Release);
        } else {
            self.others.0.freed.fetch_add(1, Ordering::Release);
        }
    }

    /// Objects retired against this origin and not yet dropped.
    pub(crate) fn pending(&self) -> usize {
        // Acquire pairs with `count_freed`: every drop counted was retired, and counted, before
        // it, so the Relaxed loads of the retired counts that follow see those retirements.
        let freed = self
            .freed_here
            .load(Ordering::Acquire)
            .wrapping_add(self.others.0.freed.load(Ordering::Acquire));
        let retired = self
            .retired_here
            .load(Ordering::Relaxed)
            .wrapping_add(self.others.0.retired.load(Ordering::Relaxed));
        non_negative(retired.wrapping_sub(freed))
    }
}

/// Adds one to a counter: a load and a store when one thread alone writes it, else a
/// read-modify-write.
#[inline]
fn add(counter: &AtomicUsize, shared: bool, ordering: Ordering) {
    if shared {
        counter.fetch_add(1, ordering);
    } else {
        // Relaxed load: this thread wrote it last (or the origin's previous holder, ordered
        // before this thread by the hand-over under the registry's lock).
        counter.store(counter.load(Ordering::Relaxed).wrapping_add(1), ordering);
    }
}

/// `difference`, or 0 if it wrapped below zero: the loads are not one snapshot across
/// origins, and a mistake must not show as a huge count.
fn non_negative(difference: usize) -> usize {
    if difference > isize::MAX as usize {
        0
    } else {
        difference
    }
}

/// Every origin of one strategy, and the one its threads use once they gave theirs back.
pub(crate) struct Registry {
    /// The origin of threads that gave theirs back (a thread whose locals are being destroyed):
    /// every write to it is a read-modify-write.
    shared: Origin,
    /// Every other origin, each leaked: a header may name one after its thread exits.
    all: Mutex<Vec<&'static Padded<Origin>>>,
}

impl Registry {
    pub(crate) const fn new() -> Self {
        Registry {
            shared: Origin::new(true, true),
            all: Mutex::new(Vec::new()),
        }
    }

    /// The origin every write to which is a read-modify-write.
    pub(crate) fn shared(&'static self) -> &'static Origin {
        &self.shared
    }

    /// Takes a free origin, or makes one.
    pub(crate) fn take(&self) -> &'static Origin {
        let mut all = self.all.lock().unwrap_or_else(PoisonError::into_inner);
        for origin in all.iter() {
            // Relaxed: the lock orders the hand-over, and with it the previous holder's plain
            // adds before this thread's.
            if !origin.0.taken.swap(true, Ordering::Relaxed) {
                return &origin.0;
            }
        }
        let origin: &'static Padded<Origin> = Box::leak(Box::new(Padded(Origin::new(true, false))));
        all.push(origin);
        &origin.0
    }

    /// Gives an origin back for the next thread; its pending garbage goes with it.
    pub(crate) fn give_back(&self, origin: &'static Origin) {
        let _all = self.all.lock().unwrap_or_else(PoisonError::into_inner);
        // Relaxed: under the lock, as in `take`.
        origin.taken.store(false, Ordering::Relaxed);
    }

    /// Objects retired and not yet dropped, over every origin.
    pub(crate) fn pending(&self) -> usize {
        let all = self.all.lock().unwrap_or_else(PoisonError::into_inner);
        let total = all
            .iter()
            .map(|origin| &origin.0)
            .chain(std::iter::once(&self.shared))
            .fold(0usize, |sum, origin| sum.wrapping_add(origin.pending()));
        non_negative(total)
    }
}
