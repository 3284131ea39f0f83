//! [`Hazard`]: reference-counted pointers whose final release is deferred through haphazard's
//! hazard pointers, and cells read under a hazard pointer without touching a reference count.
//!
//! # How it reclaims
//! Hazard pointers (Michael, 2004). A pointer is a strong and a weak count, as `Epoch`'s and
//! `Hyaline`'s are (the same object layout). A [`Cell`](crate::Cell) holds one strong reference
//! in an `AtomicPtr`. [`Cell::read`](crate::Cell::read) takes a hazard pointer (one of this
//! thread's spares), publishes in it the pointer it loaded, loads again until the two agree,
//! runs its closure and clears it: no reference-count traffic. When the last strong reference
//! goes, the object is *retired* into haphazard's global domain, a list shared by every thread.
//! A *scan* reads every hazard pointer and reclaims each retired object that none of them
//! protects; it runs on whichever thread calls it.
//!
//! So the garbage is bounded by the readers, object by object: a reader that stalls inside a
//! read closure keeps exactly the object its hazard pointer protects, and nothing retired by
//! anyone else waits for it. There is no epoch and no batch: this is what distinguishes it from
//! [`Epoch`](crate::Epoch) (a stalled pinned thread holds every later retirement back) and
//! [`Hyaline`](crate::Hyaline) (a stalled reader holds every batch handed on while it reads).
//! The price is on both sides: a read publishes its pointer and loads again (a store, a `SeqCst`
//! fence and a second load), and a scan walks every hazard pointer and every retired object.
//!
//! This is not tracing: like `Arc`, unreachable cycles leak, and a [`Weak`](crate::Weak)
//! back-edge is how a cycle is broken by hand.
//!
//! # The bound
//! haphazard scans by itself when more than 1 000 objects (or twice the hazard pointers) are
//! retired, or when a retirement finds its last scan two seconds old; a lone retired value
//! followed only by reads waits for ever. So each thread counts its *operations*, as `Hyaline`'s
//! do ([`Cell::read`](crate::Cell::read), [`load`](crate::Cell::load),
//! [`swap`](crate::Cell::swap), [`rcu`](crate::Cell::rcu), `update`, and a final release; a
//! [`store`](crate::Cell::store) is two). At the end of every [`Hazard::PERIOD`] (64)
//! operations, a thread that retired anything since its last scan scans.
//!
//! **Stated:** a retired value that no hazard pointer protects is dropped no later than
//! [`Hazard::BOUND`] = `PERIOD − 1` = 63 operations of the retiring thread after the one that
//! retired it, whatever other threads do. `tests/hazard_bound.rs` measures it from outside, and
//! shows that a reader holding one value keeps that value alone.
//!
//! **`collect()`** scans, and hands on what the drops it ran retired, round after round, until
//! every object this thread retired has been dropped: it waits only for readers whose hazard
//! pointers protect one of them. Inside a read closure or a deferred drop it scans once.
//!
//! **Idle workers** strand nothing: a retired object is in the global domain, and any thread's
//! scan reclaims it. [`Strategy::on_park`] scans if the parking worker retired anything since its
//! last scan, so what it dropped goes before it idles rather than at the next scan elsewhere.
//!
//! # Traps
//! - **Cycles leak**, as with `Arc`. Use [`Weak`](crate::Weak) back-edges.
//! - **Drops run elsewhere, later**: a value's `Drop` runs inside whichever scan reclaims it,
//!   possibly on another thread. A deferred drop that panics does not unwind through haphazard:
//!   the panic is kept, and the next [`collect`](Strategy::collect) on the thread that ran it
//!   raises it.
//! - **A scan is not cheap.** Each walks every hazard pointer, building a set of what they
//!   protect, and every retired object. It runs at most once a period per retiring thread.
//! - **A read pays a full fence.** haphazard 0.1 orders the publication of a hazard pointer
//!   against the reload with a `SeqCst` fence (its asymmetric barrier is not implemented yet), so
//!   each read costs a store, a fence and two loads where `Hyaline`'s costs a guard.
//! - **Every retirement allocates**: haphazard keeps a boxed record of each retired object until
//!   it is reclaimed.
//! - **Deep structures are freed a level at a time**, as under `Hyaline`: an object retired by
//!   another's deferred drop waits in a list until the next period end, flush or `collect()`.
//! - Garbage still pending when the process exits is never dropped: the domain is a static.
//!
//! # Design notes
//! - The global domain of haphazard. A read takes a hazard pointer from a per-thread list of
//!   spares and gives it back, so a thread acquires a record from the domain once per level of
//!   nested reads.
//! - The object and its count operations are `Epoch`'s (`src/strategy/counted.rs`); the
//!   pointer, the cells, the garbage counts and the orphans are `Hyaline`'s
//!   (`src/strategy/deferred/`); this module is only haphazard's side (`domain.rs`).

mod domain;

use self::domain::{adopt_orphans, scan, scan_if_retired};
use super::deferred::pointer::{
    deferred_backend, present, DeferredPtr, DeferredSlot, DeferredWeak,
};
use super::deferred::Domain;
use super::{strategy_marker, BackEdge, Strategy, ThreadSafe};
use crate::trace::{Trace, Visitor};

/// The `Hazard` strategy: reference-counted pointers freed through haphazard's hazard pointers,
/// cells read under a hazard pointer. See the [module docs](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Hazard;

strategy_marker!(Hazard);
deferred_backend!(Hazard);

impl Hazard {
    /// Operations between two scan checks on a thread.
    pub const PERIOD: u32 = 64;
    /// The reclamation bound in operations: a retired value that no hazard pointer protects is
    /// dropped within this many operations of its thread after the one that retired it.
    pub const BOUND: u32 = Self::PERIOD - 1;

    /// Scans if this thread retired anything since its last scan, and hands on the objects
    /// retired by deferred drops; never waits.
    pub fn flush() {
        scan_if_retired();
        adopt_orphans();
    }

    /// Objects retired but not yet dropped, over all threads: the garbage in flight.
    pub fn pending() -> usize {
        Hazard::state().registry.pending()
    }
}

impl Strategy for Hazard {
    type Kind = super::kind::AnyThread;
    const NAME: &'static str = "Hazard";
    const THREAD_SAFE: bool = true;
    const FREES_MEMORY: bool = true;
    const RECLAIMS_CYCLES: bool = false;
    const BACK_EDGE: BackEdge = BackEdge::Weak;

    fn collect() {
        super::deferred::collect::<Hazard>(|| {
            // A scan whether or not this thread retired anything: what it waits for may be
            // another thread's orphan of its garbage.
            scan();
            adopt_orphans();
        });
    }

    #[inline]
    fn on_park() {
        Hazard::flush();
    }
}

// SAFETY: for `T: Send + Sync`, `DeferredPtr<Hazard, T>` and `DeferredWeak<Hazard, T>` are
// `Send + Sync` (impls in `deferred/pointer.rs`), and `DeferredSlot<Hazard, T>` is an
// `AtomicPtr` owning one strong reference, which is `Send + Sync` when the object is; the lock,
// a `Mutex<T>`, is `Send + Sync` when `T: Send`. The raw operations use only atomics and
// haphazard's thread-safe global domain; the deferred drop may run on any thread, which
// `T: Send` allows.
unsafe impl ThreadSafe for Hazard {}
