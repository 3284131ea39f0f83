//! [`Hyaline`]: reference-counted pointers whose final release is deferred through seize's
//! Hyaline-1 collector, and cells read under a seize guard without touching a reference count.
//!
//! # How it reclaims
//! Deferred destruction, with the batches themselves reference-counted. A pointer is a strong
//! and a weak count, as `Epoch`'s is (the same object layout). When the last strong reference
//! goes, the object is *retired*: it joins this thread's batch in seize. A
//! [`Cell`](crate::Cell) holds one strong reference in an `AtomicPtr`;
//! [`Cell::read`](crate::Cell::read) enters a guard, loads the pointer through
//! `Guard::protect` and runs its closure without any reference-count traffic.
//!
//! When a batch is handed on (it holds [`Hyaline::BATCH`] objects, or this thread flushes),
//! seize appends it to the reservation list of every thread that is inside a guard at that
//! moment and counts them; each decrements the count when it leaves its guard, and the last one
//! drops the batch's values. A batch handed on while no thread is inside a guard is dropped at
//! once. There is no global epoch: a batch waits only for the threads that were reading when it
//! was handed on, and the last of them to leave frees it, where under `Epoch` garbage waits until
//! some thread finds the epoch two advances past it. A thread that stays
//! inside a guard (a long [`read`](crate::Cell::read) closure) still holds every batch handed
//! on while it is there. seize implements Hyaline-1, not the robust Hyaline-1S: there are no
//! birth eras, so a stalled reader is not bounded.
//!
//! This is not tracing: like `Arc`, unreachable cycles leak, and a [`Weak`](crate::Weak)
//! back-edge is how a cycle is broken by hand.
//!
//! # The bound
//! seize hands a batch on by itself once it holds [`Hyaline::BATCH`] (32) objects, but a batch
//! that never fills waits for ever: one value retired and followed only by reads is never
//! dropped. So each thread counts its *operations*: [`Cell::read`](crate::Cell::read),
//! [`load`](crate::Cell::load), [`swap`](crate::Cell::swap), [`rcu`](crate::Cell::rcu) and
//! `update`, and the final release of a pointer (a [`store`](crate::Cell::store) is a swap and
//! the release of the old value: two). At the end of every [`Hyaline::PERIOD`] (64) operations,
//! a thread whose batch holds anything flushes it.
//!
//! **Stated:** on a thread with no other thread inside a guard, a retired value is dropped no
//! later than [`Hyaline::BOUND`] = `PERIOD − 1` = 63 operations after the one that retired it.
//! The flush comes within that many, and a batch handed on with no reader active is dropped in
//! the same call. `tests/hyaline_bound.rs` measures it from outside: it retires 10 000 values by
//! `swap` and drop, and one by a `store` followed only by reads, records the operation during
//! which each `Drop` ran, and asserts the largest gap; it is exact, not sampled, on one thread
//! (62 and 62).
//! With readers on other threads, each batch also waits for every reader active when it was
//! handed on to leave its guard.
//!
//! A flush is a no-op while the batch holds fewer objects than threads are inside a guard (seize
//! needs one entry of the batch per reservation list it joins); the batch then waits for more
//! retirements.
//!
//! **`collect()`** hands this thread's batch on and then whatever the drops it ran retired,
//! round after round, until nothing retired by them is left in this thread's batch. It never
//! waits for another thread: a batch that a reader on another thread holds is dropped when that
//! reader leaves its guard.
//!
//! **Idle workers.** What sits in a parked worker's batch waits until the worker runs again. The
//! lever is tokio's `on_thread_park` hook with [`Hyaline::flush`], which is `Hyaline`'s
//! [`Strategy::on_park`]. The lab's `idle-worker` workload runs with and without it.
//!
//! **Threads that end** flush their batch in a thread-local destructor: seize itself keeps an
//! exited thread's batch for the next thread that takes its id.
//!
//! # Traps
//! - **Cycles leak**, as with `Arc` and `Epoch`. Use [`Weak`](crate::Weak) back-edges.
//! - **Drops run elsewhere, later**: a value's `Drop` runs inside whichever operation frees its
//!   batch, on the last reader to leave its guard, possibly another thread. A deferred drop that
//!   panics does not unwind through seize: the panic is kept, and the next
//!   [`collect`](Strategy::collect) on the thread that ran it raises it.
//! - **Deep structures are freed a level at a time.** A value retired by another's deferred
//!   drop waits in a global list until the end of that operation, which hands it to seize: no
//!   recursion through seize, and no stack overflow for a long chain.
//! - **A flush is a heavy barrier.** seize's `fast-barrier` makes each hand-on of a batch one
//!   `membarrier` system call, so that reads need only a compiler fence; amortised over a full
//!   batch it is cheap, but a thread that retires one object every period pays a system call per
//!   period.
//! - Garbage still pending when the process exits is never dropped: the collector is a static.
//!
//! # Design notes
//! - One process-wide seize `Collector`, built on first use.
//! - The object and its count operations are `Epoch`'s (`src/strategy/counted.rs`); the
//!   pointer, the cells, the garbage counts and the orphans are shared with `Hazard`
//!   (`src/strategy/deferred/`); this module is only seize's side (`domain.rs`).
//! - The operation count is a countdown in a thread-local with no destructor, so a read costs a
//!   guard (seize's enter and leave) and a decrement.

mod domain;

use self::domain::{adopt_orphans, flush_batch};
use super::deferred::pointer::{
    deferred_backend, present, DeferredPtr, DeferredSlot, DeferredWeak,
};
use super::deferred::Domain;
use super::{strategy_marker, BackEdge, Strategy, ThreadSafe};
use crate::trace::{Trace, Visitor};

/// The `Hyaline` strategy: reference-counted pointers freed through seize, cells read under a
/// seize guard. See the [module docs](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Hyaline;

strategy_marker!(Hyaline);
deferred_backend!(Hyaline);

impl Hyaline {
    /// seize's batch size: a batch of this many retired objects is handed on by itself.
    pub const BATCH: u32 = 32;
    /// Operations between two flush checks on a thread.
    pub const PERIOD: u32 = 64;
    /// The reclamation bound in operations: on a thread with no other thread inside a guard, a
    /// retired value is dropped within this many operations after the one that retired it.
    pub const BOUND: u32 = Self::PERIOD - 1;

    /// Hands on this thread's batch and the objects retired by deferred drops, never waiting.
    ///
    /// This is the hook for a worker about to park (`on_thread_park`): it costs a thread-local
    /// load and an atomic load when there is nothing to hand on.
    pub fn flush() {
        flush_batch();
        adopt_orphans();
    }

    /// Objects retired but not yet dropped, over all threads: the garbage in flight.
    pub fn pending() -> usize {
        Hyaline::state().registry.pending()
    }
}

impl Strategy for Hyaline {
    type Kind = super::kind::AnyThread;
    const NAME: &'static str = "Hyaline";
    const THREAD_SAFE: bool = true;
    const FREES_MEMORY: bool = true;
    const RECLAIMS_CYCLES: bool = false;
    const BACK_EDGE: BackEdge = BackEdge::Weak;

    fn collect() {
        super::deferred::collect::<Hyaline>(Hyaline::flush);
    }

    #[inline]
    fn on_park() {
        Hyaline::flush();
    }
}

// SAFETY: for `T: Send + Sync`, `DeferredPtr<Hyaline, T>` and `DeferredWeak<Hyaline, T>` are
// `Send + Sync` (impls in `deferred/pointer.rs`), and `DeferredSlot<Hyaline, T>` is an
// `AtomicPtr` owning one strong reference, which is `Send + Sync` when the object is (atomic
// counts, an atomic header and a `T`); the lock, a `Mutex<T>`, is `Send + Sync` when `T: Send`.
// The raw operations use only atomics and seize's thread-safe collector; the deferred drop may
// run on any thread, which `T: Send` allows.
unsafe impl ThreadSafe for Hyaline {}
