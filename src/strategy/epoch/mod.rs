//! [`Epoch`]: reference-counted pointers whose final release is deferred through
//! crossbeam-epoch, and cells read under a pin without touching a reference count.
//!
//! # How it reclaims
//! Deferred destruction (RCU). A pointer is a strong reference count, like `Arc`, plus a weak
//! count. When the last strong reference goes, the value is not dropped at once: the releasing
//! thread pins and hands the object to crossbeam-epoch, which runs the drop once every thread
//! that was pinned at that moment has unpinned. A [`Cell`](crate::Cell) holds one strong
//! reference in a `crossbeam_epoch::Atomic`; [`Cell::read`](crate::Cell::read) pins, loads the
//! pointer and runs its closure without any reference-count traffic, which is safe because an
//! object a pinned reader can still see is never dropped under it.
//! [`Cell::load`](crate::Cell::load) takes a strong reference only if the count is not already
//! zero: an object that has been retired is never resurrected.
//!
//! The allocation is freed when the weak count reaches zero. The strong references together hold
//! one implicit weak reference, released only by the deferred drop, so memory is never freed
//! while a reader can still reach it, and [`Weak`](crate::Weak) is a real weak pointer.
//!
//! This is not tracing: like `Arc`, unreachable cycles leak, and a [`Weak`](crate::Weak)
//! back-edge is how a cycle is broken by hand.
//!
//! # When it is the right choice
//! Read-mostly shared state: configuration, routing tables, snapshots swapped with
//! [`Cell::store`](crate::Cell::store) or [`Cell::rcu`](crate::Cell::rcu) and read by many
//! tasks. Reads write no shared cache line apart from this thread's own epoch slot, so they do not
//! contend with each other the way `Arc` reference counts do.
//!
//! # Flush policy
//! crossbeam-epoch keeps deferred drops in a 64-slot bag per thread. A bag is handed to the
//! global queue only when it fills or the thread flushes, and is freed two epoch advances later.
//! Without a flush, a single deferred object can wait forever (`examples/epoch_flush.rs` shows
//! it with raw crossbeam-epoch). This strategy flushes on a policy, [`FlushPolicy`]:
//!
//! - every `K` deferrals on a thread (default 32), and
//! - every `P` epoch operations on a thread while any garbage is pending anywhere (default 64).
//!
//! An *epoch operation* is a call that pins: [`Cell::read`](crate::Cell::read),
//! [`load`](crate::Cell::load), [`swap`](crate::Cell::swap), [`rcu`](crate::Cell::rcu), a whole
//! [`Epoch::pinned`] call (however many cells it reads with [`Cell::get`](crate::Cell::get)),
//! and the final release of a pointer, which is where a value is retired. A
//! [`store`](crate::Cell::store) is a swap plus the release of the old value: two operations.
//! Clones and releases that are not the last touch no thread-local state and do not count.
//!
//! **The bound.** On one thread, a retired value is dropped by the second flush after its
//! retirement, and flushes come at least every `P` operations while it is pending, so it is
//! dropped within `2P − 1` epoch operations of that thread: 127 with the default policy
//! ([`FlushPolicy::bound`]). A value retired *by another value's drop* (the last handle to it was
//! a field of a dropped value) waits in a global list until the next flush on any thread adopts
//! it, then for two more. With several threads an epoch advances only once every pinned thread
//! has pinned in the current epoch, so a thread that stays pinned (a long
//! [`read`](crate::Cell::read) closure) holds back everyone's garbage until it unpins.
//!
//! **How it was measured.** `tests/epoch_bound.rs` retires 10 000 values by `store` and `swap` on
//! one thread with the default policy, records for each the operation that took it out of the cell
//! and the one during which its `Drop` ran, and asserts the largest gap is within the bound. It is
//! 63 store/swap calls, that is 126 epoch operations (each call is a swap plus the release of the
//! old value), against a bound of 127. A value retired once and followed only by reads is dropped
//! 126 operations later. Both numbers are exact, not sampled: the test is deterministic on one
//! thread.
//!
//! **`collect()`.** [`Strategy::collect`] (or [`reclaimer::collect::<Epoch>()`](crate::collect))
//! returns at once when nothing is pending. Otherwise it flushes and re-pins, round after round,
//! until this thread's own garbage (including what its drops retire) is freed. Then it defers a
//! marker and goes on until the marker is freed, then a second one: the global queue is freed in
//! order and a popped bag is dropped by a pinned thread, so by then every bag handed on before the
//! call has been dropped completely. It cannot reach garbage still in the bag of another thread
//! that is not running. Called while this thread is pinned (inside a read closure, or a `Drop`
//! run by a flush) it can only flush this thread's bag, once.
//!
//! **What `collect()` waits for.** Like RCU's `synchronize_rcu`, it waits for a grace period:
//! the epoch advances only once every thread pinned now has unpinned (or re-pinned in the new
//! epoch), so `collect()` returns once each thread that is pinned when it runs has left that
//! pin, however long the scheduler keeps such a thread off the CPU. It has no timeout: its end
//! depends on the other threads' progress, never on a clock. So never call it while another
//! thread holds a pin that waits for the caller (a [`read`](crate::Cell::read) closure blocked on
//! a lock the caller holds): that deadlocks, as `synchronize_rcu` inside a read-side section
//! does.
//!
//! **Other threads and the bound.** The bound above counts one thread's operations. Other
//! threads of the process delay it only by staying pinned: an advance needs every pinned thread
//! to have pinned in the current epoch, and a thread that was descheduled in the middle of a read
//! (or of a thread-local destructor that hands its bag on at exit) holds the epoch back until it
//! runs again. The bound holds exactly when no other thread of the process is pinned, which is
//! how `tests/epoch_bound.rs` measures it (its harness runs every test on the main thread and
//! joins every thread it spawns); with other threads pinned, each of their pins adds to the
//! wait.
//!
//! **Idle workers.** Garbage deferred on a tokio worker that then parks stays in that worker's
//! bag, unflushed, until the worker runs again or exits; no other thread can free it, and a
//! `collect()` elsewhere does not see it. The lever is tokio's `on_thread_park` hook, which runs on
//! the worker just before it parks, with [`Epoch::flush`] (which is `Epoch`'s
//! [`Strategy::on_park`], so generic code installs `reclaimer::on_park::<S>`):
//!
//! ```
//! let runtime = tokio::runtime::Builder::new_multi_thread()
//!     .worker_threads(2)
//!     .on_thread_park(reclaimer::Epoch::flush)
//!     .build()
//!     .unwrap();
//! # drop(runtime);
//! ```
//!
//! A parking worker then hands its bag to the global queue and frees what the epoch allows; it
//! costs one atomic load when nothing is pending and one flush otherwise, and never waits (the
//! full [`Strategy::collect`] could wait for a pinned thread, keeping the worker from new work).
//! What it hands on is freed by the running threads' policy flushes, which continue while
//! [`Epoch::pending`] is not zero. The lab's `idle-worker` workload runs with and
//! without the hook and shows the difference in garbage in flight ([`Epoch::pending`]).
//!
//! # Traps
//! - **Cycles leak**, as with `Arc`: deferred destruction is not tracing. Use
//!   [`Weak`](crate::Weak) back-edges.
//! - **Drops run elsewhere, later.** A value's `Drop` runs inside whichever epoch operation
//!   flushes its bag, possibly on another thread and in another task, so a large drop lands in an
//!   unrelated operation's latency. Values need `Send + Sync` for that reason. A deferred drop
//!   that panics does not unwind through crossbeam-epoch: the panic is kept, and the next
//!   [`collect`] on the thread that ran the drop raises it (`docs/limitations.md`, "Hostile
//!   destructors and traces").
//! - **Deep structures are freed a level at a time.** Dropping the head of a chain does not
//!   recurse: each node's drop retires the next, which waits for its own flushes. No stack
//!   overflows, but a chain of `n` nodes takes about `2n` flush rounds to free ([`collect`]
//!   runs them).
//! - **Long pins stall everyone.** A [`read`](crate::Cell::read) closure keeps its thread pinned;
//!   while it runs no epoch can advance past it. Never block inside one (it cannot hold a guard
//!   across an `.await`, but it can block). A panic inside one stays pinned while the panic hook
//!   runs; printing a backtrace was seen to take over 100 ms.
//! - **Threads that end** hand their bag on in a thread-local destructor, which for
//!   `std::thread::scope` threads can run after the scope has returned: call `collect()` at the
//!   end of such a thread's work when its garbage must be gone when the scope ends.
//! - Garbage still pending when the process exits is never dropped, and the global collector is
//!   never freed (valgrind reports it as "still reachable").
//!
//! # Design notes
//! - The cell is crossbeam's `Atomic` rather than a bare `AtomicPtr`: a load is tied to the
//!   `Guard`, so a borrowed value cannot outlive its pin, and under crossbeam's `loom` feature the
//!   pointer is a loom atomic, checked with the rest.
//! - [`Epoch::pending`] counts objects retired and not yet dropped, over all threads. Each
//!   thread counts what it retires, and what it frees of its own, in counters no other thread
//!   writes (a load and a store, no read-modify-write); only a drop run on another thread pays
//!   an atomic add. The `collect()` markers are not counted.
//! - An epoch operation counts down a thread-local number towards the next check of the
//!   policy, so a read touches no shared state beyond crossbeam's pin.
//! - A [`store`](crate::Cell::store) releases the old value under the pin of its swap: one pin,
//!   as crossbeam's own swap plus `defer_destroy`.
//! - A value retired while a deferred drop runs (on whichever thread ran it) goes to a global list
//!   rather than into that thread's bag, which may go idle; it stays counted as garbage of the
//!   thread that retired the outer value, so that thread's `collect()` waits for it.
//!
//! [`collect`]: Strategy::collect

mod collect;
mod counts;
mod flush;
mod local;
mod option;
mod pinned;
mod pointer;
mod policy;
mod retire;
#[cfg(all(test, not(reclaimer_loom)))]
mod tests;

use crossbeam_epoch as cb;

use super::counted as object;

use self::local::reset_local;
use self::retire::adopt_orphans;
use super::{strategy_marker, BackEdge, Strategy, ThreadSafe};

pub use self::pinned::Pinned;
pub use self::policy::FlushPolicy;

/// The `Epoch` strategy: reference-counted pointers freed through crossbeam-epoch, cells read
/// under a pin. See the [module docs](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Epoch;

strategy_marker!(Epoch);

impl Epoch {
    /// One flush round on this thread, never waiting: hands this thread's deferred garbage (and
    /// any orphans) to the global queue and frees what the epoch allows now.
    ///
    /// This is the hook for a worker about to park (`on_thread_park`): it costs one atomic load
    /// when nothing is pending, and unlike [`Strategy::collect`] it never waits for other threads,
    /// so a parking worker is not kept from new work. Garbage it hands on is freed by the next
    /// flushes of running threads.
    pub fn flush() {
        if Epoch::pending() == 0 {
            return;
        }
        let guard = cb::pin();
        adopt_orphans(&guard);
        guard.flush();
        drop(guard);
        reset_local();
    }

    /// Objects retired but not yet dropped, over all threads: the garbage in flight.
    pub fn pending() -> usize {
        counts::pending()
    }
}

impl Strategy for Epoch {
    type Kind = super::kind::AnyThread;
    const NAME: &'static str = "Epoch";
    const THREAD_SAFE: bool = true;
    const FREES_MEMORY: bool = true;
    const RECLAIMS_CYCLES: bool = false;
    const BACK_EDGE: BackEdge = BackEdge::Weak;

    fn collect() {
        collect::collect();
    }

    #[inline]
    fn on_park() {
        Epoch::flush();
    }
}

// SAFETY: for `T: Send + Sync`, `EpochPtr<T>` and `EpochWeak<T>` are `Send + Sync` (impls in
// `pointer.rs`), and `EpochSlot<T>` and `EpochOptionSlot<T>` are crossbeam's `Atomic<Inner<T>>`,
// which is when `Inner<T>` is (atomic counts and a `T`); the lock, a `Mutex<T>`, is `Send + Sync`
// when `T: Send`. The raw operations use only atomics and crossbeam's thread-safe global
// collector; the deferred drop may run on any thread, which `T: Send` allows.
unsafe impl ThreadSafe for Epoch {}
