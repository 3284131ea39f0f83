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
//! [`load`](crate::Cell::load), [`swap`](crate::Cell::swap), [`rcu`](crate::Cell::rcu), and the
//! final release of a pointer, which is where a value is retired. A
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
//! the worker just before it parks, with [`Epoch::flush`]:
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
//!   unrelated operation's latency. Values need `Send + Sync` for that reason.
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
//! - [`Epoch::pending`] counts objects retired and not yet dropped, over all threads, from two
//!   monotonic counters; the `collect()` markers are not counted.
//! - A value retired while a deferred drop runs (on whichever thread ran it) goes to a global list
//!   rather than into that thread's bag, which may go idle; it stays counted as garbage of the
//!   thread that retired the outer value, so that thread's `collect()` waits for it.
//!
//! [`collect`]: Strategy::collect

use std::cell::Cell as StdCell;
use std::fmt;
use std::marker::PhantomData;
use std::mem::{self, ManuallyDrop};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize as StatCounter, Ordering};
use std::sync::{Arc as StdArc, Mutex, PoisonError};
#[cfg(not(reclaimer_loom))]
use std::time::Duration;

use crossbeam_epoch::{self as cb, Atomic, Guard};

use super::raw::{Backend, ThreadSafeBackend};
use super::{strategy_marker, BackEdge, Strategy, ThreadSafe};
use crate::loom::{fence, local_key, yield_now, AtomicUsize};
use crate::padded::Padded;
use crate::trace::{Trace, Visitor};

/// The `Epoch` strategy: reference-counted pointers freed through crossbeam-epoch, cells read
/// under a pin. See the [module docs](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Epoch;

strategy_marker!(Epoch);

// ---------------------------------------------------------------------------------------------
// Flush policy

/// When a thread flushes its deferred garbage to the global queue and tries to advance the
/// epoch. See the [module docs](self#flush-policy) for the bound it gives.
///
/// A process-wide setting: [`Epoch::set_flush_policy`] installs one, each thread reads it at
/// each epoch operation.
///
/// ```
/// use reclaimer::strategy::epoch::FlushPolicy;
///
/// let eager = FlushPolicy::new().after_deferrals(8).after_operations(16);
/// assert_eq!(eager.bound(), Some(31));
/// assert_eq!(FlushPolicy::default().bound(), Some(127));
/// assert_eq!(FlushPolicy::NEVER.bound(), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlushPolicy {
    deferrals: u32,
    operations: u32,
}

impl FlushPolicy {
    /// The default: flush after 32 deferrals, or after 64 epoch operations while garbage is
    /// pending.
    pub const DEFAULT: FlushPolicy = FlushPolicy {
        deferrals: 32,
        operations: 64,
    };

    /// Never flush on a policy: crossbeam-epoch's own behaviour, where a bag is handed on only
    /// when its 64 slots fill. Only [`Strategy::collect`] frees a lone deferred object.
    pub const NEVER: FlushPolicy = FlushPolicy {
        deferrals: 0,
        operations: 0,
    };

    /// The default policy, to adjust with the setters.
    pub const fn new() -> Self {
        Self::DEFAULT
    }

    /// Flush after this many deferrals on a thread since its last flush; 0 turns the rule off.
    pub const fn after_deferrals(mut self, deferrals: u32) -> Self {
        self.deferrals = deferrals;
        self
    }

    /// Flush after this many epoch operations on a thread since its last flush, when any garbage
    /// is pending; 0 turns the rule off.
    pub const fn after_operations(mut self, operations: u32) -> Self {
        self.operations = operations;
        self
    }

    /// The deferral threshold (0: off).
    pub const fn deferrals(&self) -> u32 {
        self.deferrals
    }

    /// The operation threshold (0: off).
    pub const fn operations(&self) -> u32 {
        self.operations
    }

    /// The bound on one thread, in epoch operations, between a value's retirement and its drop:
    /// `2P − 1`. `None` when the operation rule is off: a thread that retires one value and then
    /// only reads would never flush it.
    pub const fn bound(&self) -> Option<u32> {
        if self.operations == 0 {
            None
        } else {
            Some(self.operations.saturating_mul(2) - 1)
        }
    }

    const fn pack(self) -> u64 {
        ((self.deferrals as u64) << 32) | self.operations as u64
    }

    const fn unpack(packed: u64) -> Self {
        FlushPolicy {
            deferrals: (packed >> 32) as u32,
            operations: packed as u32,
        }
    }
}

impl Default for FlushPolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The installed policy, packed as `deferrals << 32 | operations`.
static POLICY: AtomicU64 = AtomicU64::new(FlushPolicy::DEFAULT.pack());
/// Objects handed to the epoch so far.
static DEFERRED: Striped = Striped::new();
/// Deferred drops run so far.
static FREED: Striped = Striped::new();

/// Shards of a [`Striped`] count.
const SHARDS: usize = 16;

/// A process-wide count split over cache-padded shards, one per thread (threads past `SHARDS`
/// share), so threads that retire and free at once do not contend for one cache line. Readers
/// sum the shards.
struct Striped {
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
    fn increment(&self, ordering: Ordering) {
        self.shards[shard()].0.fetch_add(1, ordering);
    }

    /// The count: the sum of the shards, each loaded with `ordering`.
    fn sum(&self, ordering: Ordering) -> usize {
        self.shards
            .iter()
            .fold(0, |sum, shard| sum.wrapping_add(shard.0.load(ordering)))
    }
}

/// This thread's shard of every [`Striped`] count.
#[inline]
fn shard() -> usize {
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

/// How long `collect` has gone without freeing anything: a thread pinned in an older epoch
/// (perhaps descheduled) must run and unpin first.
struct Idle {
    rounds: u32,
}

impl Idle {
    fn new() -> Self {
        Idle { rounds: 0 }
    }

    /// Progress was made.
    fn reset(&mut self) {
        self.rounds = 0;
    }

    /// A round freed nothing: backs off (yields four times, then sleeps from 20 µs doubling to
    /// 1.28 ms) and says whether to keep trying. Natively it always keeps trying: the epoch
    /// advances once every thread pinned now has unpinned, whenever the scheduler runs them, so
    /// the wait ends by the epoch's progress, never by a clock. Under loom, whose models must
    /// terminate, it gives up after eight rounds.
    fn wait(&mut self) -> bool {
        self.rounds += 1;
        #[cfg(reclaimer_loom)]
        if self.rounds >= 8 {
            return false;
        }
        #[cfg(not(reclaimer_loom))]
        if self.rounds > 4 {
            std::thread::sleep(Duration::from_micros(20 << (self.rounds - 5).min(6)));
            return true;
        }
        yield_now();
        true
    }
}

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
        // Acquire pairs with the Release increments of `FREED`: every drop counted there was
        // deferred, and counted in `DEFERRED`, before it, so the loads below see those counts.
        let freed = FREED.sum(Ordering::Acquire);
        // Relaxed: a statistic; the Acquire loads above already order these after them.
        let deferred = DEFERRED.sum(Ordering::Relaxed);
        deferred.saturating_sub(freed)
    }

    /// Installs `policy` for every thread, from their next epoch operation on.
    pub fn set_flush_policy(policy: FlushPolicy) {
        // Relaxed: a tuning knob each thread reads on its own; no memory is published with it.
        POLICY.store(policy.pack(), Ordering::Relaxed);
    }

    /// The policy in force.
    pub fn flush_policy() -> FlushPolicy {
        // Relaxed: see `set_flush_policy`.
        FlushPolicy::unpack(POLICY.load(Ordering::Relaxed))
    }
}

/// A thread's progress towards its next flush.
struct Local {
    /// Epoch operations since the last flush (or since the last check that found no garbage).
    operations: StdCell<u32>,
    /// Deferrals since the last flush.
    deferrals: StdCell<u32>,
    /// How many deferred drops this thread is running now; no policy flush starts inside one.
    running: StdCell<u32>,
    /// The origin of the innermost deferred drop running now (null when none).
    origin: StdCell<*const Origin>,
}

/// Marks the thread that retired an object: its strong count, minus the thread's own
/// reference, is the number of that thread's deferred drops that have not run yet.
#[derive(Debug)]
struct Origin;

local_key! {
    static LOCAL: Local = const {
        Local {
            operations: StdCell::new(0),
            deferrals: StdCell::new(0),
            running: StdCell::new(0),
            origin: StdCell::new(std::ptr::null()),
        }
    };
}

local_key! {
    static ORIGIN: StdArc<Origin> = StdArc::new(Origin);
}

/// Counts one epoch operation on this thread (and a deferral if `deferred`); flushes under
/// `guard` when the policy says so.
#[inline]
fn tick(guard: &Guard, deferred: bool) {
    let flush = LOCAL
        .try_with(|local| {
            let operations = local.operations.get().saturating_add(1);
            let deferrals = local.deferrals.get().saturating_add(u32::from(deferred));
            let policy = Epoch::flush_policy();
            let mut due = policy.deferrals != 0 && deferrals >= policy.deferrals;
            let mut operations = operations;
            if !due && policy.operations != 0 && operations >= policy.operations {
                if Epoch::pending() > 0 {
                    due = true;
                } else {
                    // Nothing to free anywhere: start counting again.
                    operations = 0;
                }
            }
            if due && local.running.get() == 0 {
                local.operations.set(0);
                local.deferrals.set(0);
                true
            } else {
                local.operations.set(operations);
                local.deferrals.set(deferrals);
                false
            }
        })
        .unwrap_or(false);
    if flush {
        adopt_orphans(guard);
        guard.flush();
    }
}

/// Forgets this thread's progress towards a flush: it has just flushed.
fn reset_local() {
    let _ = LOCAL.try_with(|local| {
        local.operations.set(0);
        local.deferrals.set(0);
    });
}

/// This thread's deferred drops that have not run yet.
fn own_pending() -> usize {
    ORIGIN
        .try_with(|origin| StdArc::strong_count(origin) - 1)
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// The object and its counts

/// An object: the counts and the value, in one allocation.
struct Inner<T> {
    /// Strong references: pointers and cells.
    strong: AtomicUsize,
    /// Weak references, plus one held by all the strong ones together and released by the
    /// deferred drop.
    weak: AtomicUsize,
    value: ManuallyDrop<T>,
}

/// Above this a count could overflow; abort as `std::sync::Arc` does.
const MAX_REFCOUNT: usize = isize::MAX as usize;

/// The strong count of the object at `ptr`, borrowed without borrowing the value.
///
/// # Safety
///
/// The allocation at `ptr` must be live for `'a`: the caller holds a strong or weak reference,
/// or reached it from a cell while pinned.
#[inline]
unsafe fn strong<'a, T>(ptr: NonNull<Inner<T>>) -> &'a AtomicUsize {
    // SAFETY: the caller guarantees the allocation is live; this borrows only the count field.
    unsafe { &(*ptr.as_ptr()).strong }
}

/// The weak count of the object at `ptr`, borrowed without borrowing the value.
///
/// # Safety
///
/// As for [`strong`].
#[inline]
unsafe fn weak<'a, T>(ptr: NonNull<Inner<T>>) -> &'a AtomicUsize {
    // SAFETY: the caller guarantees the allocation is live; this borrows only the count field.
    unsafe { &(*ptr.as_ptr()).weak }
}

/// Takes a strong reference if the strong count is not zero; never resurrects a retired object.
///
/// # Safety
///
/// As for [`strong`].
#[inline]
unsafe fn try_acquire_strong<T>(ptr: NonNull<Inner<T>>) -> bool {
    // SAFETY: the caller's guarantee.
    let strong = unsafe { strong(ptr) };
    // Acquire, here and on CAS failure: a zero count synchronises with the Release decrements
    // that brought it there, so a caller that then reloads the cell sees the store that took the
    // object out (with Relaxed, a reload could keep returning the stale pointer).
    let mut count = strong.load(Ordering::Acquire);
    loop {
        if count == 0 {
            return false;
        }
        if count > MAX_REFCOUNT {
            std::process::abort();
        }
        // Relaxed on success, as in `Arc::clone`: the caller already sees the value's
        // initialisation (through the cell's Acquire load, or through the strong pointer the weak
        // one was made from), and the count reaching zero later is ordered by the Release/Acquire
        // pair in `EpochPtr::drop`. Acquire on failure: as for the load above.
        match strong.compare_exchange_weak(count, count + 1, Ordering::Relaxed, Ordering::Acquire) {
            Ok(_) => return true,
            Err(seen) => count = seen,
        }
    }
}

/// Gives up one weak reference; frees the allocation if it was the last.
///
/// # Safety
///
/// The caller owns a weak reference to `ptr` (or the strong group's implicit one) and gives it
/// up: it must not use `ptr` afterwards.
unsafe fn release_weak<T>(ptr: NonNull<Inner<T>>) {
    // Release pairs with the Acquire fence below on whichever thread releases last: every use of
    // the counts, and the value's drop (which precedes the release of the implicit weak), happen
    // before the free.
    // SAFETY: we hold a weak reference, so the allocation is live.
    if unsafe { weak(ptr) }.fetch_sub(1, Ordering::Release) != 1 {
        return;
    }
    // Acquire pairs with the Release decrements of every other weak reference.
    fence(Ordering::Acquire);
    // SAFETY: the weak count reached zero. The implicit weak was released, so the value was
    // dropped and no pinned reader can still reach the object (it is released only by the
    // deferred drop); no `Weak` remains. The allocation came from `Box::new` in `EpochPtr::new`,
    // and `ManuallyDrop` keeps the box from dropping the value again.
    drop(unsafe { Box::from_raw(ptr.as_ptr()) });
}

/// An object whose strong count reached zero, waiting for its deferred drop. Type-erased, so
/// that retirements made inside a deferred drop can wait in one list (see [`ORPHANS`]); three
/// words, so crossbeam stores the closure that owns it inline in its bag.
struct Retired {
    ptr: NonNull<()>,
    /// `finish::<T>` for the object's `T`.
    finish: unsafe fn(NonNull<()>),
    /// Counts this drop among the pending ones of the thread that retired it until it runs.
    origin: StdArc<Origin>,
}

// SAFETY: a `Retired` owns the last strong reference to an `Inner<T>` built by
// `Shareable<Epoch>::into_ptr`, which requires `T: Send + Sync`; dropping the value on another
// thread is what `T: Send` allows. The `Arc<Origin>` is `Send`.
unsafe impl Send for Retired {}

/// Drops the value of the `Inner<T>` at `ptr`, then releases the strong group's implicit weak
/// reference (even if the drop panics).
///
/// # Safety
///
/// `ptr` is a retired `Inner<T>`: its strong count reached zero, and no thread can still read
/// its value. Called once per object.
unsafe fn finish<T>(ptr: NonNull<()>) {
    /// Releases the implicit weak reference when dropped.
    struct ReleaseWeak<T>(NonNull<Inner<T>>);
    impl<T> Drop for ReleaseWeak<T> {
        fn drop(&mut self) {
            // SAFETY: the implicit weak reference is released once, here, after the value.
            unsafe { release_weak(self.0) };
        }
    }
    let release = ReleaseWeak(ptr.cast::<Inner<T>>());
    // SAFETY: the caller's contract: this is the last access to the value. `Weak`s touch only
    // the count fields, so the `&mut` to the value aliases nothing.
    unsafe { ManuallyDrop::drop(&mut (*release.0.as_ptr()).value) };
}

impl Retired {
    /// Runs the deferred drop: drops the value, releases the implicit weak reference and
    /// counts the drop as freed.
    fn run(self) {
        /// Counts the drop in `FREED` when dropped, even if the value's drop panics.
        struct Freed;
        impl Drop for Freed {
            fn drop(&mut self) {
                // Release pairs with the Acquire loads in `Epoch::pending`.
                FREED.increment(Ordering::Release);
            }
        }
        let _freed = Freed;
        let _running = Running::enter(&self.origin);
        // SAFETY: `retire`'s contract made this object retired, once; crossbeam runs this only
        // after every thread pinned when it was deferred has unpinned, and no reader can reach
        // the object since (no cell holds it, upgrades fail at zero).
        unsafe { (self.finish)(self.ptr) };
    }

    /// Hands the drop to the epoch: it runs once every guard active now is dropped.
    fn defer(self, guard: &Guard) {
        // SAFETY: the closure owns a pointer to a heap object and an `Arc`, nothing on the stack.
        // It may run on another thread, which `Retired: Send` allows. crossbeam runs it after
        // every guard active now is dropped, and no cell holds the object any more (a cell holds
        // a strong reference), so no later reader can reach it.
        unsafe { guard.defer_unchecked(move || self.run()) };
    }
}

/// Objects retired while a deferred drop was running (a value that owned the last reference to
/// another). They wait here rather than in the bag of whichever thread ran the drop, which may
/// go idle; the next flush on any thread, and [`Strategy::collect`], adopt them into its own bag.
/// Waiting longer before the deferral is safe: a reader pinned when the object was retired is
/// still waited for, and no later reader can reach it.
///
/// A std `Mutex` even under loom: its critical sections make no loom operation, so a model
/// thread is never switched out while holding it.
static ORPHANS: Mutex<Vec<Retired>> = Mutex::new(Vec::new());
/// Whether `ORPHANS` may be non-empty: spares the lock when it is not.
static HAS_ORPHANS: AtomicBool = AtomicBool::new(false);

/// Moves the orphans into this thread's bag, to be sealed by the flush that follows.
fn adopt_orphans(guard: &Guard) {
    // Relaxed: a hint. The lock orders the list itself; an orphan missed here is adopted by
    // the next flush.
    if !HAS_ORPHANS.load(Ordering::Relaxed) {
        return;
    }
    let orphans = {
        let mut list = ORPHANS.lock().unwrap_or_else(PoisonError::into_inner);
        // Relaxed: written under the lock, which orders it with the pushes.
        HAS_ORPHANS.store(false, Ordering::Relaxed);
        mem::take(&mut *list)
    };
    for orphan in orphans {
        orphan.defer(guard);
    }
}

/// Marks this thread as running a deferred drop: no policy flush starts inside one, and what it
/// retires is an orphan counted for the same origin.
struct Running {
    outer: *const Origin,
}

impl Running {
    fn enter(origin: &StdArc<Origin>) -> Self {
        let outer = LOCAL
            .try_with(|local| {
                local.running.set(local.running.get() + 1);
                local.origin.replace(StdArc::as_ptr(origin))
            })
            .unwrap_or(std::ptr::null());
        Running { outer }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = LOCAL.try_with(|local| {
            local.running.set(local.running.get() - 1);
            local.origin.set(self.outer);
        });
    }
}

/// Hands the object to the epoch: its value is dropped, and the strong group's weak reference
/// released, once no thread pinned now can still be reading it.
///
/// # Safety
///
/// The strong count of `ptr` reached zero in this caller's decrement (so each object is retired
/// once), and the caller has done an Acquire fence after it.
unsafe fn retire<T>(ptr: NonNull<Inner<T>>, guard: &Guard) {
    // Relaxed: a statistic; `Epoch::pending` orders its loads through `FREED`.
    DEFERRED.increment(Ordering::Relaxed);
    let running_origin = LOCAL
        .try_with(|local| (local.running.get() > 0).then(|| local.origin.get()))
        .ok()
        .flatten()
        .filter(|origin| !origin.is_null());
    let origin = match running_origin {
        // SAFETY: the pointer is the `Arc<Origin>` of the `Retired` running on this thread,
        // which holds a strong reference until it returns, after this.
        Some(origin) => unsafe {
            StdArc::increment_strong_count(origin);
            StdArc::from_raw(origin)
        },
        None => ORIGIN
            .try_with(StdArc::clone)
            .unwrap_or_else(|_| StdArc::new(Origin)),
    };
    let retired = Retired {
        ptr: ptr.cast(),
        finish: finish::<T>,
        origin,
    };
    if running_origin.is_some() {
        let mut list = ORPHANS.lock().unwrap_or_else(PoisonError::into_inner);
        list.push(retired);
        // Relaxed: see `adopt_orphans`.
        HAS_ORPHANS.store(true, Ordering::Relaxed);
    } else {
        retired.defer(guard);
    }
}

// ---------------------------------------------------------------------------------------------
// Pointer, weak pointer, slot

/// The strong pointer behind [`Shared<Epoch, T>`](crate::Shared).
#[doc(hidden)]
pub struct EpochPtr<T> {
    ptr: NonNull<Inner<T>>,
    _owns: PhantomData<Inner<T>>,
}

impl<T> EpochPtr<T> {
    fn new(value: T) -> Self {
        let inner = Box::new(Inner {
            strong: AtomicUsize::new(1),
            weak: AtomicUsize::new(1),
            value: ManuallyDrop::new(value),
        });
        EpochPtr {
            ptr: NonNull::from(Box::leak(inner)),
            _owns: PhantomData,
        }
    }

    /// Gives up the pointer without releasing its strong reference.
    fn into_raw(self) -> *const Inner<T> {
        let ptr = self.ptr.as_ptr();
        mem::forget(self);
        ptr
    }

    /// Takes ownership of one strong reference to `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` is non-null and the caller owns a strong reference to it, which it gives up.
    unsafe fn from_raw(ptr: *const Inner<T>) -> Self {
        EpochPtr {
            // SAFETY: the caller guarantees `ptr` is non-null.
            ptr: unsafe { NonNull::new_unchecked(ptr.cast_mut()) },
            _owns: PhantomData,
        }
    }
}

impl<T> Clone for EpochPtr<T> {
    #[inline]
    fn clone(&self) -> Self {
        // Relaxed, as in `Arc::clone`: a new reference made from an existing one needs no
        // ordering; the existing one keeps the object alive meanwhile.
        // SAFETY: we hold a strong reference, so the allocation is live.
        let old = unsafe { strong(self.ptr) }.fetch_add(1, Ordering::Relaxed);
        if old > MAX_REFCOUNT {
            std::process::abort();
        }
        EpochPtr {
            ptr: self.ptr,
            _owns: PhantomData,
        }
    }
}

impl<T> Drop for EpochPtr<T> {
    #[inline]
    fn drop(&mut self) {
        // Release pairs with the Acquire fence below on whichever thread releases last, so every
        // use of the value through this reference happens before its drop.
        // SAFETY: we hold a strong reference, so the allocation is live.
        if unsafe { strong(self.ptr) }.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        // Acquire pairs with the Release decrements of every other strong reference.
        fence(Ordering::Acquire);
        let guard = cb::pin();
        // SAFETY: our decrement took the count to zero, after the Acquire fence above.
        unsafe { retire(self.ptr, &guard) };
        tick(&guard, true);
    }
}

impl<T> fmt::Debug for EpochPtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EpochPtr({:p})", self.ptr)
    }
}

// SAFETY: as for `std::sync::Arc<T>`: the counts are atomic, the value is shared only as `&T`
// (`Sync`) and may be dropped on any thread (`Send`).
unsafe impl<T: Send + Sync> Send for EpochPtr<T> {}
// SAFETY: as for `Send`.
unsafe impl<T: Send + Sync> Sync for EpochPtr<T> {}

/// The weak pointer behind [`Weak<Epoch, T>`](crate::Weak): keeps the allocation, not the value.
#[doc(hidden)]
pub struct EpochWeak<T> {
    ptr: NonNull<Inner<T>>,
    _owns: PhantomData<Inner<T>>,
}

impl<T> EpochWeak<T> {
    /// A new weak reference to the object `ptr` points to.
    ///
    /// # Safety
    ///
    /// The caller holds a strong or weak reference to `ptr`.
    unsafe fn new(ptr: NonNull<Inner<T>>) -> Self {
        // Relaxed, as in `Arc::downgrade` without `get_mut`: an existing reference keeps the
        // allocation alive meanwhile, and nothing here checks for uniqueness.
        // SAFETY: the caller's reference keeps the allocation live.
        let old = unsafe { weak(ptr) }.fetch_add(1, Ordering::Relaxed);
        if old > MAX_REFCOUNT {
            std::process::abort();
        }
        EpochWeak {
            ptr,
            _owns: PhantomData,
        }
    }
}

impl<T> Drop for EpochWeak<T> {
    fn drop(&mut self) {
        // SAFETY: we own this weak reference and give it up.
        unsafe { release_weak(self.ptr) };
    }
}

impl<T> fmt::Debug for EpochWeak<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EpochWeak({:p})", self.ptr)
    }
}

// SAFETY: as for `std::sync::Weak<T>`: it only touches the atomic counts, and upgrades to an
// `EpochPtr<T>`, which is `Send + Sync` under the same bounds.
unsafe impl<T: Send + Sync> Send for EpochWeak<T> {}
// SAFETY: as for `Send`.
unsafe impl<T: Send + Sync> Sync for EpochWeak<T> {}

/// The slot behind [`Cell<Epoch, T>`](crate::Cell): a crossbeam `Atomic` holding one strong
/// reference, never null.
///
/// crossbeam's `Atomic` rather than a bare `AtomicPtr`: its loads are tied to a `Guard`, so a
/// borrowed value cannot outlive the pin, and under crossbeam's `loom` feature its pointer is a
/// loom atomic that the model checks with the rest.
#[doc(hidden)]
pub struct EpochSlot<T> {
    atomic: Atomic<Inner<T>>,
}

impl<T> Drop for EpochSlot<T> {
    fn drop(&mut self) {
        // Relaxed: `&mut self` means no other thread can access the slot; whatever gave us
        // exclusive access ordered their stores before this.
        // SAFETY: `unprotected` is only used to read the pointer, not to dereference it.
        let current = self
            .atomic
            .load(Ordering::Relaxed, unsafe { cb::unprotected() });
        // SAFETY: the slot holds one strong reference to its non-null pointer; we give it up.
        drop(unsafe { EpochPtr::from_raw(current.as_raw()) });
    }
}

impl<T> fmt::Debug for EpochSlot<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EpochSlot")
    }
}

// ---------------------------------------------------------------------------------------------
// The strategy

impl Strategy for Epoch {
    const NAME: &'static str = "Epoch";
    const THREAD_SAFE: bool = true;
    const FREES_MEMORY: bool = true;
    const RECLAIMS_CYCLES: bool = false;
    const BACK_EDGE: BackEdge = BackEdge::Weak;

    fn collect() {
        if Epoch::pending() == 0 {
            return;
        }
        if cb::is_pinned() {
            // A pinned thread cannot re-pin, so the epoch cannot advance past it: hand this
            // thread's bag on and leave the rest to later operations.
            let guard = cb::pin();
            adopt_orphans(&guard);
            guard.flush();
            reset_local();
            return;
        }
        let mut markers = 0;
        let mut idle = Idle::new();
        loop {
            if own_pending() == 0 {
                // This thread's garbage is freed. Defer a marker counted as this thread's
                // garbage: the global queue is freed in order, so once it is freed so is every
                // bag handed on before it. Then a second one: bags are dropped by pinned
                // threads, so once it is freed, every bag popped before the first marker was
                // popped has been dropped completely.
                if markers == 2 {
                    break;
                }
                match ORIGIN.try_with(StdArc::clone) {
                    Ok(origin) => cb::pin().defer(move || drop(origin)),
                    Err(_) => break,
                }
                markers += 1;
            }
            // Relaxed: only compared with the count after this round.
            let before = FREED.sum(Ordering::Relaxed);
            // Each round pins anew, so this thread never holds the epoch back.
            let guard = cb::pin();
            adopt_orphans(&guard);
            guard.flush();
            drop(guard);
            // Relaxed: as above. A marker freed counts as progress too.
            if FREED.sum(Ordering::Relaxed) != before || own_pending() == 0 {
                idle.reset();
            } else if !idle.wait() {
                break;
            }
        }
        reset_local();
    }

    #[inline]
    fn on_park() {
        Epoch::flush();
    }
}

impl Backend for Epoch {
    type Ptr<T: Trace + 'static> = EpochPtr<T>;
    type WeakPtr<T: Trace + 'static> = EpochWeak<T>;
    type Slot<T: Trace + 'static> = EpochSlot<T>;

    #[inline]
    fn ptr_clone<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> Self::Ptr<T> {
        ptr.clone()
    }
    #[inline]
    fn ptr_deref<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> &T {
        // SAFETY: a strong reference keeps the value alive: it is dropped only after the strong
        // count reaches zero.
        unsafe { &(*ptr.ptr.as_ptr()).value }
    }
    #[inline]
    fn ptr_eq<T: Trace + 'static>(a: &Self::Ptr<T>, b: &Self::Ptr<T>) -> bool {
        a.ptr == b.ptr
    }
    // Not a tracer: nothing to visit.
    #[inline]
    fn ptr_trace<T: Trace + 'static, V: Visitor>(_: &Self::Ptr<T>, _: &mut V) {}

    #[inline]
    fn downgrade<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> Self::WeakPtr<T> {
        // SAFETY: `ptr` is a strong reference.
        unsafe { EpochWeak::new(ptr.ptr) }
    }
    #[inline]
    fn upgrade<T: Trace + 'static>(weak: &Self::WeakPtr<T>) -> Option<Self::Ptr<T>> {
        // SAFETY: the weak reference keeps the allocation live.
        unsafe { try_acquire_strong(weak.ptr) }.then(|| EpochPtr {
            ptr: weak.ptr,
            _owns: PhantomData,
        })
    }
    #[inline]
    fn weak_clone<T: Trace + 'static>(weak: &Self::WeakPtr<T>) -> Self::WeakPtr<T> {
        // SAFETY: `weak` is a weak reference.
        unsafe { EpochWeak::new(weak.ptr) }
    }
    #[inline]
    fn weak_trace<T: Trace + 'static, V: Visitor>(_: &Self::WeakPtr<T>, _: &mut V) {}

    #[inline]
    fn slot_new<T: Trace + 'static>(ptr: Self::Ptr<T>) -> Self::Slot<T> {
        EpochSlot {
            atomic: Atomic::from(ptr.into_raw()),
        }
    }
    #[inline]
    fn slot_read<T: Trace + 'static, R>(slot: &Self::Slot<T>, f: impl FnOnce(&T) -> R) -> R {
        let guard = cb::pin();
        // Acquire pairs with the Release half of the swap or compare-exchange that stored the
        // pointer (or with whatever shared the cell after building it): the value's
        // initialisation is visible.
        let current = slot.atomic.load(Ordering::Acquire, &guard);
        // SAFETY: a slot is never null. The object was in the slot while this thread was
        // pinned, so its retirement, if any, comes after this pin and its drop waits for
        // `guard`; the value outlives the borrow, which `f` cannot keep.
        let result = f(unsafe { &current.deref().value });
        tick(&guard, false);
        result
    }
    #[inline]
    fn slot_load<T: Trace + 'static>(slot: &Self::Slot<T>) -> Self::Ptr<T> {
        let guard = cb::pin();
        loop {
            // Acquire: as in `slot_read`.
            let current = slot.atomic.load(Ordering::Acquire, &guard);
            // SAFETY: a slot is never null.
            let ptr = unsafe { NonNull::new_unchecked(current.as_raw().cast_mut()) };
            // SAFETY: reached from the slot while pinned: the allocation is live until `guard`
            // drops (its implicit weak is released only by the deferred drop).
            if unsafe { try_acquire_strong(ptr) } {
                tick(&guard, false);
                return EpochPtr {
                    ptr,
                    _owns: PhantomData,
                };
            }
            // The count reached zero: the object left the slot after our load. Load again.
        }
    }
    #[inline]
    fn slot_swap<T: Trace + 'static>(slot: &Self::Slot<T>, new: Self::Ptr<T>) -> Self::Ptr<T> {
        let guard = cb::pin();
        // AcqRel: Release publishes the new value to readers' Acquire loads; Acquire makes the
        // old value's initialisation, published by its own store, visible to the caller who now
        // owns it.
        let old = slot
            .atomic
            .swap(cb::Shared::from(new.into_raw()), Ordering::AcqRel, &guard);
        tick(&guard, false);
        // SAFETY: the slot's strong reference to the old value moves to the caller.
        unsafe { EpochPtr::from_raw(old.as_raw()) }
    }
    #[inline]
    fn slot_rcu<T: Trace + 'static>(
        slot: &Self::Slot<T>,
        mut f: impl FnMut(&T) -> Self::Ptr<T>,
    ) -> Self::Ptr<T> {
        let guard = cb::pin();
        // Acquire: as in `slot_read`.
        let mut current = slot.atomic.load(Ordering::Acquire, &guard);
        loop {
            // SAFETY: as in `slot_read`: never null, and alive while `guard` is held.
            let new = f(unsafe { &current.deref().value }).into_raw();
            // Success AcqRel as in `slot_swap`; failure Acquire because the value seen is read
            // by the next attempt.
            match slot.atomic.compare_exchange(
                current,
                cb::Shared::from(new),
                Ordering::AcqRel,
                Ordering::Acquire,
                &guard,
            ) {
                Ok(_) => {
                    tick(&guard, false);
                    // SAFETY: the slot's strong reference to the old value moves to the caller.
                    return unsafe { EpochPtr::from_raw(current.as_raw()) };
                }
                Err(error) => {
                    // SAFETY: `new` was not stored; its strong reference is still ours.
                    drop(unsafe { EpochPtr::from_raw(new) });
                    current = error.current;
                }
            }
        }
    }
    #[inline]
    fn slot_trace<T: Trace + 'static, V: Visitor>(_: &Self::Slot<T>, _: &mut V) {}
}

// SAFETY: for `T: Send + Sync`, `EpochPtr<T>` and `EpochWeak<T>` are `Send + Sync` (impls above),
// and `EpochSlot<T>` is crossbeam's `Atomic<Inner<T>>`, which is when `Inner<T>` is (atomic
// counts and a `T`). The raw operations use only atomics and crossbeam's thread-safe global
// collector; the deferred drop may run on any thread, which `T: Send` allows.
unsafe impl ThreadSafe for Epoch {}

impl ThreadSafeBackend for Epoch {
    #[inline]
    fn ptr_new<T: Trace + Send + Sync + 'static>(value: T) -> Self::Ptr<T> {
        EpochPtr::new(value)
    }
}

#[cfg(all(test, not(reclaimer_loom)))]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::{Cell, Shared, Weak};

    /// Counts its drops in a counter owned by one test.
    struct Probe {
        value: u64,
        drops: Arc<AtomicUsize>,
    }

    // SAFETY: holds no handles.
    unsafe impl Trace for Probe {
        fn trace<V: Visitor>(&self, _: &mut V) {}
    }

    impl Drop for Probe {
        fn drop(&mut self) {
            self.drops.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn probe(value: u64, drops: &Arc<AtomicUsize>) -> Shared<Epoch, Probe> {
        Shared::new(Probe {
            value,
            drops: drops.clone(),
        })
    }

    fn dropped(drops: &AtomicUsize) -> usize {
        drops.load(Ordering::SeqCst)
    }

    #[test]
    fn weak_upgrades_while_alive_and_fails_after_the_last_release() {
        let drops = Arc::new(AtomicUsize::new(0));
        let strong = probe(7, &drops);
        let weak: Weak<Epoch, Probe> = Shared::downgrade(&strong);
        let weak2 = weak.clone();
        let up = weak.upgrade().expect("alive");
        assert!(Shared::ptr_eq(&up, &strong));
        assert_eq!(up.value, 7);
        drop((strong, up));
        // Retired: the count is zero, so upgrading fails at once, before the drop has run.
        assert!(weak.upgrade().is_none());
        assert!(weak2.upgrade().is_none());
        Epoch::collect();
        assert_eq!(dropped(&drops), 1);
        assert!(weak.upgrade().is_none());
        drop((weak, weak2));
        assert_eq!(dropped(&drops), 1);
    }

    #[test]
    fn weak_dropped_first_leaves_the_value_alone() {
        let drops = Arc::new(AtomicUsize::new(0));
        let strong = probe(1, &drops);
        drop(Shared::downgrade(&strong));
        Epoch::collect();
        assert_eq!(dropped(&drops), 0);
        assert_eq!(strong.value, 1);
        drop(strong);
        Epoch::collect();
        assert_eq!(dropped(&drops), 1);
    }

    #[test]
    fn load_never_resurrects_a_retired_object() {
        let drops = Arc::new(AtomicUsize::new(0));
        let slot = Epoch::slot_new(EpochPtr::new(Probe {
            value: 1,
            drops: drops.clone(),
        }));
        let guard = cb::pin();
        // A reader pinned before the store still sees the old object...
        let stale = slot.atomic.load(Ordering::Acquire, &guard);
        let stale_ptr = NonNull::new(stale.as_raw().cast_mut()).expect("never null");
        let old = Epoch::slot_swap(
            &slot,
            EpochPtr::new(Probe {
                value: 2,
                drops: drops.clone(),
            }),
        );
        drop(old);
        // ...whose count is now zero: it is retired but, with the reader pinned, not dropped.
        // SAFETY: reached from the slot while pinned.
        assert_eq!(unsafe { strong(stale_ptr) }.load(Ordering::SeqCst), 0);
        // SAFETY: as above.
        assert!(!unsafe { try_acquire_strong(stale_ptr) });
        // SAFETY: as above.
        assert_eq!(unsafe { strong(stale_ptr) }.load(Ordering::SeqCst), 0);
        // SAFETY: as above: the value cannot be dropped while `guard` is held.
        assert_eq!(unsafe { stale.deref() }.value.value, 1);
        Epoch::collect(); // pinned: can only flush, cannot free under our own pin
        assert_eq!(dropped(&drops), 0);
        // A load takes the live object, never the stale one.
        let loaded = Epoch::slot_load(&slot);
        assert_eq!(Epoch::ptr_deref(&loaded).value, 2);
        drop(guard);
        Epoch::collect();
        assert_eq!(dropped(&drops), 1);
        drop((loaded, slot));
        Epoch::collect();
        assert_eq!(dropped(&drops), 2);
    }

    #[test]
    fn loads_racing_stores_see_live_values_and_drop_each_once() {
        const STORES: u64 = if cfg!(miri) { 40 } else { 2_000 };
        let drops = Arc::new(AtomicUsize::new(0));
        let cell: Cell<Epoch, Probe> = Cell::new(probe(0, &drops));
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let mut last = 0;
                while last < STORES {
                    let loaded = cell.load();
                    assert!(loaded.value >= last);
                    last = loaded.value;
                    let read = cell.read(|p| p.value);
                    assert!(read >= last);
                }
            });
            scope.spawn(|| {
                for value in 1..=STORES {
                    cell.store(probe(value, &drops));
                }
                // A scoped thread's bag is handed on by its thread-local destructor, which may
                // run after the scope has returned: flush it before leaving.
                Epoch::collect();
            });
        });
        drop(cell);
        Epoch::collect();
        assert_eq!(dropped(&drops), STORES as usize + 1);
    }

    #[test]
    fn rcu_updates_and_drops_every_attempt_once() {
        const THREADS: u64 = 2;
        const UPDATES: u64 = if cfg!(miri) { 20 } else { 500 };
        let drops = Arc::new(AtomicUsize::new(0));
        let attempts = AtomicUsize::new(0);
        let cell: Cell<Epoch, Probe> = Cell::new(probe(0, &drops));
        let replaced = cell.rcu(|p| probe(p.value + 1, &drops));
        assert_eq!(replaced.value, 0);
        assert_eq!(cell.read(|p| p.value), 1);
        drop(replaced);
        std::thread::scope(|scope| {
            for _ in 0..THREADS {
                scope.spawn(|| {
                    for _ in 0..UPDATES {
                        cell.rcu(|p| {
                            attempts.fetch_add(1, Ordering::SeqCst);
                            probe(p.value + 1, &drops)
                        });
                    }
                    Epoch::collect();
                });
            }
        });
        assert_eq!(cell.read(|p| p.value), 1 + THREADS * UPDATES);
        drop(cell);
        Epoch::collect();
        // The first value, the first update, and every attempt (stored or thrown away).
        assert_eq!(dropped(&drops), 2 + attempts.load(Ordering::SeqCst));
        assert!(attempts.load(Ordering::SeqCst) >= (THREADS * UPDATES) as usize);
    }

    #[test]
    fn deep_chain_drops_without_recursion() {
        struct Link {
            next: Option<Shared<Epoch, Link>>,
            drops: Arc<AtomicUsize>,
        }
        // SAFETY: `Epoch` never traces; the field is visited anyway.
        unsafe impl Trace for Link {
            fn trace<V: Visitor>(&self, visitor: &mut V) {
                self.next.trace(visitor);
            }
        }
        impl Drop for Link {
            fn drop(&mut self) {
                self.drops.fetch_add(1, Ordering::SeqCst);
            }
        }
        // Miri checks the memory accesses of a short chain; the native run, the recursion.
        const LEN: usize = if cfg!(miri) { 100 } else { 5_000 };
        let drops = Arc::new(AtomicUsize::new(0));
        // A 64 KiB stack: a recursive drop of 5 000 nodes would overflow it.
        let counter = drops.clone();
        std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || {
                let mut head = None;
                for _ in 0..LEN {
                    head = Some(Shared::<Epoch, _>::new(Link {
                        next: head,
                        drops: counter.clone(),
                    }));
                }
                drop(head);
                Epoch::collect();
            })
            .expect("spawn")
            .join()
            .expect("no overflow");
        assert_eq!(dropped(&drops), LEN);
    }

    #[test]
    fn policy_round_trips_and_bounds() {
        let policy = FlushPolicy::new().after_deferrals(3).after_operations(5);
        assert_eq!((policy.deferrals(), policy.operations()), (3, 5));
        assert_eq!(FlushPolicy::unpack(policy.pack()), policy);
        assert_eq!(policy.bound(), Some(9));
        assert_eq!(FlushPolicy::DEFAULT.bound(), Some(127));
        assert_eq!(FlushPolicy::NEVER.after_deferrals(4).bound(), None);
    }
}
