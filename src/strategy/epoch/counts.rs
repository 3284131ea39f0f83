//! The process-wide garbage counts behind [`Epoch::pending`](super::Epoch::pending).

use std::cell::Cell as StdCell;
use std::sync::atomic::{AtomicUsize as StatCounter, Ordering};

use crate::padded::Padded;

/// Objects handed to the epoch so far.
pub(super) static DEFERRED: Striped = Striped::new();
/// Deferred drops run so far.
pub(super) static FREED: Striped = Striped::new();

/// Shards of a [`Striped`] count.
pub(super) const SHARDS: usize = 16;

/// A process-wide count split over cache-padded shards, one per thread (threads past `SHARDS`
/// share), so threads that retire and free at once do not contend for one cache line. Readers
/// sum the shards.
pub(super) struct Striped {
    shards: [Padded<StatCounter>; SHARDS],
}

impl Striped {
    const fn new() -> Self {
        Striped {
            shards: [const { Padded(StatCounter::new(0)) }; SHARDS],
        }
    }

    /// Counts one, in this thread's shard.
    #[inline]
    pub(super) fn increment(&self, ordering: Ordering) {
        self.shards[shard()].0.fetch_add(1, ordering);
    }

    /// The count: the sum of the shards, each loaded with `ordering`.
    pub(super) fn sum(&self, ordering: Ordering) -> usize {
        self.shards
            .iter()
            .fold(0, |sum, shard| sum.wrapping_add(shard.0.load(ordering)))
    }
}

/// This thread's shard of every [`Striped`] count.
#[inline]
pub(super) fn shard() -> usize {
    /// Shards handed out so far.
    static NEXT: StatCounter = StatCounter::new(0);
    std::thread_local! {
        static SHARD: StdCell<usize> = const { StdCell::new(usize::MAX) };
    }
    SHARD
        .try_with(|shard| {
            if shard.get() == usize::MAX {
                // Relaxed: only spreads threads over the shards.
                shard.set(NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS);
            }
            shard.get()
        })
        .unwrap_or(0)
}
