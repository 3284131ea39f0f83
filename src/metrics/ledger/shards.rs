//! The ledger's per-thread counters: the operation clock, the garbage-in-flight gauge and the
//! timed-operation samples, one [`Slot`] per thread in a [`Sharded`] array. A thread with a
//! slot of its own adds to it with a load and a store, no read-modify-write; readers sum the
//! slots.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use hdrhistogram::Histogram;

use crate::metrics::alloc::{uncounted, Uncounted};
use crate::metrics::report::InFlight;
use crate::metrics::stats;
use crate::padded::Padded;
use crate::sharded::Sharded;

/// Slots: 32 owned by one thread each, then one shared by every further thread.
const SLOTS: usize = 33;

/// One thread's part of the ledger's counters: its operation-clock ticks, the garbage it
/// released minus the garbage it reclaimed, and its operation-time samples.
#[derive(Default)]
struct Slot {
    ops: AtomicU64,
    in_flight: AtomicI64,
    in_flight_bytes: AtomicI64,
    samples: Mutex<Option<Histogram<u64>>>,
}

/// Adds `delta` to `counter`, of a slot this thread owns `alone` or not; returns the previous
/// value.
#[inline]
fn add_u64(counter: &AtomicU64, delta: u64, alone: bool) -> u64 {
    // Relaxed: the counters order nothing; readers sum the slots whenever they look.
    if alone {
        // Only the owning thread writes its slot: a load and a store lose nothing.
        let previous = counter.load(Ordering::Relaxed);
        counter.store(previous.wrapping_add(delta), Ordering::Relaxed);
        previous
    } else {
        counter.fetch_add(delta, Ordering::Relaxed)
    }
}

/// As [`add_u64`], for the signed gauges.
#[inline]
fn add_i64(counter: &AtomicI64, delta: i64, alone: bool) {
    // Relaxed: as in `add_u64`.
    if alone {
        let previous = counter.load(Ordering::Relaxed);
        counter.store(previous.wrapping_add(delta), Ordering::Relaxed);
    } else {
        counter.fetch_add(delta, Ordering::Relaxed);
    }
}

/// The slots, and which operations to time.
pub(super) struct Shards {
    slots: Uncounted<Box<Sharded<Slot, SLOTS>>>,
    /// `op_sample_every - 1`, or `u64::MAX` when timing is off.
    sample_mask: u64,
}

impl Shards {
    /// Slots timing one operation in `op_sample_every` (rounded up to a power of two; 0: none).
    pub(super) fn new(op_sample_every: u32) -> Self {
        Shards {
            slots: Uncounted::new(|| {
                Box::new(Sharded::new(std::array::from_fn(|_| Padded::default())))
            }),
            sample_mask: match op_sample_every {
                0 => u64::MAX,
                n => u64::from(n.next_power_of_two()) - 1,
            },
        }
    }

    /// Adds `n` to this thread's ticks; returns its slot and the slot's previous count.
    #[inline]
    fn bump(&self, n: u64) -> (&Slot, u64) {
        let (slot, alone) = self.slots.mine_alone();
        (slot, add_u64(&slot.ops, n, alone))
    }

    /// Advances the operation clock by `n`, in this thread's slot.
    #[inline]
    pub(super) fn tick(&self, n: u64) {
        self.bump(n);
    }

    /// The operation clock: the sum of the slots.
    #[inline]
    pub(super) fn ops(&self) -> u64 {
        // Relaxed: each slot only grows; a sum taken while others tick is a value the clock
        // passed through up to their concurrent ticks, which is all it promises.
        self.slots
            .written()
            .map(|s| s.ops.load(Ordering::Relaxed))
            .sum()
    }

    /// Runs `f` as one operation: a tick, and for one operation in N its duration recorded in
    /// this thread's histogram.
    #[inline]
    pub(super) fn time<R>(&self, f: impl FnOnce() -> R) -> R {
        let (slot, n) = self.bump(1);
        if n & self.sample_mask != 0 {
            return f();
        }
        let start = Instant::now();
        let result = f();
        let ns = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        let mut samples = slot.samples.lock().unwrap_or_else(PoisonError::into_inner);
        uncounted(|| {
            stats::record(samples.get_or_insert_with(stats::histogram), ns);
        });
        result
    }

    /// Adds to the garbage-in-flight gauge, in this thread's slot. Whether an object counts
    /// is decided by the RMWs on its own record or generation; the gauge only sums.
    #[inline]
    pub(super) fn in_flight_change(&self, count: i64, bytes: i64) {
        if count == 0 && bytes == 0 {
            return;
        }
        let (slot, alone) = self.slots.mine_alone();
        add_i64(&slot.in_flight, count, alone);
        add_i64(&slot.in_flight_bytes, bytes, alone);
    }

    /// Garbage in flight: the sum of the slots, never below 0.
    pub(super) fn in_flight(&self) -> InFlight {
        let (mut count, mut bytes) = (0i64, 0i64);
        for slot in self.slots.written() {
            // Relaxed: a gauge; see `in_flight_change`.
            count = count.wrapping_add(slot.in_flight.load(Ordering::Relaxed));
            bytes = bytes.wrapping_add(slot.in_flight_bytes.load(Ordering::Relaxed));
        }
        InFlight::new(count.max(0) as u64, bytes.max(0) as u64)
    }

    /// Every thread's timed operations in one histogram; `None` if none was timed.
    pub(super) fn op_samples(&self) -> Option<Histogram<u64>> {
        let mut all = None::<Histogram<u64>>;
        for slot in self.slots.written() {
            let shard = slot.samples.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(h) = shard.as_ref() {
                match &mut all {
                    Some(all) => {
                        all.add(h).expect("auto-resizing histograms add");
                    }
                    None => all = Some(h.clone()),
                }
            }
        }
        all
    }
}
