//! An object's life in the ledger: registered, released (directly, by its last consumer or
//! with its generation), reclaimed. Each step is a read-modify-write on the object's own
//! record or generation entry, which decides it against a racing step on another thread.

use std::sync::atomic::Ordering;

use super::storage::{Record, GEN_RELEASED};
use super::{Ledger, FINAL_COLLECT};
use crate::metrics::record::state::*;
use crate::metrics::record::{Generation, ObjectId, ObjectRecord, Stamp};

impl Ledger {
    /// Registers an object with label `label`, `bytes` bytes, in `generation`; it owes
    /// `consumers` calls to [`consume`](Ledger::consume) before it is released, and reclaiming
    /// it before its release is early when `expect_release` is set or `consumers > 0`.
    ///
    /// This is what [`Tracked`](crate::metrics::Tracked) calls; use it directly to track an
    /// object that cannot be wrapped, and call [`record_reclaim`](Ledger::record_reclaim) from
    /// its `Drop`.
    pub fn register(
        &self,
        label: &'static str,
        generation: Generation,
        bytes: u64,
        consumers: u32,
        expect_release: bool,
    ) -> ObjectId {
        let label = self.label(label, false);
        self.register_raw(label, generation, bytes, consumers, expect_release)
    }

    #[inline]
    pub(crate) fn register_raw(
        &self,
        label: u32,
        generation: Generation,
        bytes: u64,
        consumers: u32,
        expect_release: bool,
    ) -> ObjectId {
        let inner = &*self.inner;
        let id = inner.storage.next_id();
        let Some(record) = inner.storage.record_or_alloc(id) else {
            // Relaxed: a statistic read at report time.
            inner.untracked.fetch_add(1, Ordering::Relaxed);
            return ObjectId::from_raw(id);
        };
        let entry = inner.storage.generation_entry(generation);
        let generation = if generation != Generation::NONE && entry.is_none() {
            self.misuse();
            Generation::NONE
        } else {
            generation
        };
        // Relaxed stores: published to other threads by the Release store of `state` below.
        record.label.store(label, Ordering::Relaxed);
        record.generation.store(generation.get(), Ordering::Relaxed);
        record.bytes.store(bytes, Ordering::Relaxed);
        record.consumers.store(consumers, Ordering::Relaxed);
        record.alloc_ns.store(self.elapsed_ns(), Ordering::Relaxed);
        let mut state = CREATED;
        if expect_release || consumers > 0 {
            state |= EXPECTS_RELEASE;
        }
        // Release: pairs with the Acquire loads of `state` in `view` and `record_reclaim`, so
        // whoever sees CREATED sees the fields above.
        record.state.store(state, Ordering::Release);
        if let Some(entry) = entry {
            // AcqRel: the count and bytes words each order this member against the
            // generation's release (see `release_generation`).
            let count = entry.count.fetch_add(1, Ordering::AcqRel);
            let live = entry.bytes.fetch_add(bytes, Ordering::AcqRel);
            // A member born into a released generation is garbage from the start.
            self.inner.shards.in_flight_change(
                i64::from(count & GEN_RELEASED != 0),
                if live & GEN_RELEASED != 0 {
                    bytes as i64
                } else {
                    0
                },
            );
        }
        ObjectId::from_raw(id)
    }

    #[inline]
    fn record(&self, id: ObjectId) -> Option<&Record> {
        self.inner.storage.record(id.get())
    }

    /// Records that object `id` was reclaimed (its `Drop` ran), now.
    ///
    /// A second call for the same id is not counted again: it is reported as a double reclaim
    /// ([`Counts::double_reclaims`](crate::metrics::Counts::double_reclaims)) and fails
    /// [`Counts::check`](crate::metrics::Counts::check).
    #[inline]
    pub fn record_reclaim(&self, id: ObjectId) {
        let Some(record) = self.record(id) else {
            return;
        };
        let ns = self.elapsed_ns();
        let op = self.ops();
        // AcqRel: the first reclaim wins against a second one and against a racing release
        // (whose CAS in `release_record` reads the same word).
        let prev = record.state.fetch_or(RECLAIMED, Ordering::AcqRel);
        if prev & RECLAIMED != 0 {
            // Relaxed: statistics read at report time.
            self.inner.double_reclaims.fetch_add(1, Ordering::Relaxed);
            record.state.fetch_or(DOUBLE, Ordering::Relaxed);
            return;
        }
        // Relaxed: published by the Release store of `reclaim_ns`.
        record.reclaim_op.store(op, Ordering::Relaxed);
        // Release: pairs with the Acquire load in `view`.
        record.reclaim_ns.store(ns + 1, Ordering::Release);
        // Relaxed: the phase only labels reclaims; `finish` sets it before calling collect on
        // this same thread, or the workload has ended.
        if self.inner.phase.load(Ordering::Relaxed) == FINAL_COLLECT {
            record.state.fetch_or(LATE, Ordering::Relaxed);
        }
        // Relaxed: written before the object was handed out, which ordered it before this drop.
        let bytes = record.bytes.load(Ordering::Relaxed);
        if prev & RELEASED != 0 {
            self.inner.shards.in_flight_change(-1, -(bytes as i64));
        }
        // Relaxed: as for `bytes`.
        let generation = Generation::from_raw(record.generation.load(Ordering::Relaxed));
        if let Some(entry) = self.inner.storage.generation_entry(generation) {
            // AcqRel: each word decides on its own whether the release counted this member.
            let count = entry.count.fetch_sub(1, Ordering::AcqRel);
            let live = entry.bytes.fetch_sub(bytes, Ordering::AcqRel);
            if count & GEN_RELEASED != 0 {
                // Relaxed: read at report time, after the workload.
                record
                    .state
                    .fetch_or(GENERATION_RELEASED_AT_RECLAIM, Ordering::Relaxed);
            }
            self.inner.shards.in_flight_change(
                -i64::from(count & GEN_RELEASED != 0),
                if live & GEN_RELEASED != 0 {
                    -(bytes as i64)
                } else {
                    0
                },
            );
        }
    }

    /// Marks object `id` released now: the workload is done with it. Returns whether this call
    /// released it (false if it was released already, belongs to a generation, or was
    /// reclaimed: the last two are counted as misuse).
    pub fn release(&self, id: ObjectId) -> bool {
        let Some(record) = self.record(id) else {
            return false;
        };
        // Relaxed: written by the creator before the object was shared.
        if record.generation.load(Ordering::Relaxed) != 0 {
            self.misuse();
            return false;
        }
        let stamp = self.now();
        self.release_record(record, stamp)
    }

    fn release_record(&self, record: &Record, stamp: Stamp) -> bool {
        // AcqRel/Acquire: decides release against a racing reclaim on the same word.
        let won = record
            .state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
                if s & CREATED == 0 || s & (RELEASED | RECLAIMED) != 0 {
                    None
                } else {
                    Some(s | RELEASED)
                }
            });
        match won {
            Ok(_) => {
                // Relaxed: published by the Release store of `release_ns`.
                record.release_op.store(stamp.op, Ordering::Relaxed);
                // Release: pairs with the Acquire load in `view`.
                record.release_ns.store(stamp.ns + 1, Ordering::Release);
                // Relaxed: as in `record_reclaim`.
                let bytes = record.bytes.load(Ordering::Relaxed);
                self.inner.shards.in_flight_change(1, bytes as i64);
                true
            }
            Err(state) => {
                if state & RELEASED == 0 {
                    self.misuse();
                }
                false
            }
        }
    }

    /// Adds `k` consumers that object `id` waits for: the last of them to call
    /// [`consume`](Ledger::consume) releases it. Reclaiming it while consumers are pending is
    /// early.
    pub fn add_consumers(&self, id: ObjectId, k: u32) {
        let Some(record) = self.record(id) else {
            return;
        };
        // AcqRel: ordered before any consumer's decrement that this addition enables.
        record.consumers.fetch_add(k, Ordering::AcqRel);
        // Relaxed: read at reclaim and report time through the state word's RMWs.
        record.state.fetch_or(EXPECTS_RELEASE, Ordering::Relaxed);
    }

    /// One consumer of object `id` is done. Returns true when it was the last one: then the
    /// object is released now. Consuming more times than there are consumers is misuse.
    pub fn consume(&self, id: ObjectId) -> bool {
        let Some(record) = self.record(id) else {
            return false;
        };
        // AcqRel: exactly one consumer sees 1, after every other consumer's decrement.
        match record
            .consumers
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| c.checked_sub(1))
        {
            Ok(1) => self.release_record(record, self.now()),
            Ok(_) => false,
            Err(_) => {
                self.misuse();
                false
            }
        }
    }

    /// A new generation: register a structure's objects in it, and release them all at once
    /// with [`release_generation`](Ledger::release_generation).
    pub fn generation(&self) -> Generation {
        self.inner.storage.new_generation().unwrap_or_else(|| {
            self.misuse();
            Generation::NONE
        })
    }

    /// Marks every object of `generation` released now: call it once the workload has
    /// dropped its last external handle to the structure. Members reclaimed before this call
    /// (an `Arc` structure frees at that drop) count as reclaimed at their release, latency
    /// 0. Returns whether this call released it.
    pub fn release_generation(&self, generation: Generation) -> bool {
        let Some(entry) = self.inner.storage.generation_entry(generation) else {
            self.misuse();
            return false;
        };
        let stamp = self.now();
        // AcqRel: decides, for each member reclaimed concurrently, whether it is counted in
        // flight (pairs with the RMWs in `register_raw` and `record_reclaim`).
        let count = entry.count.fetch_or(GEN_RELEASED, Ordering::AcqRel);
        if count & GEN_RELEASED != 0 {
            return false;
        }
        // Relaxed: published by the Release store of `release_ns`.
        entry.release_op.store(stamp.op, Ordering::Relaxed);
        // Release: pairs with the Acquire load in `view`.
        entry.release_ns.store(stamp.ns + 1, Ordering::Release);
        // AcqRel: as for the count word.
        let live = entry.bytes.fetch_or(GEN_RELEASED, Ordering::AcqRel);
        self.inner.shards.in_flight_change(
            (count & !GEN_RELEASED) as i64,
            (live & !GEN_RELEASED) as i64,
        );
        true
    }

    /// Whether object `id` has been reclaimed.
    pub fn is_reclaimed(&self, id: ObjectId) -> bool {
        // Acquire: pairs with the AcqRel RMW in `record_reclaim`.
        self.record(id)
            .is_some_and(|r| r.state.load(Ordering::Acquire) & RECLAIMED != 0)
    }

    /// What the ledger knows about object `id`.
    pub fn object(&self, id: ObjectId) -> Option<ObjectRecord> {
        let view = self.inner.storage.view(id.get())?;
        Some(view.to_record(id, self.inner.labels.display(view.label)))
    }
}
