//! [`SyncGc`]: dumpster's thread-safe, cycle-collecting `sync::Gc`, with `RwLock` cells the
//! collector can trace.
//!
//! # How it reclaims
//! Reference counting plus cycle detection. An object whose count reaches zero is freed at
//! once. A decrement that leaves a count above zero marks the object a *dirty* candidate; when
//! the number of `Gc`s dropped since the last collection exceeds the number alive, the next drop
//! runs a collection inline, under a global lock, which frees the unreachable cycles among the
//! candidates. [`Strategy::collect`] runs `dumpster::sync::collect`.
//!
//! # When it is the right choice
//! Cyclic graphs shared across the worker threads of a multi-thread runtime, where `Weak`
//! bookkeeping would be error-prone.
//!
//! # Traps
//! - **Candidates are per thread.** Dirty candidates sit in a thread-local buffer until it holds
//!   more than 100 000 entries, the thread exits, or that thread collects. `collect()` delivers
//!   only the calling thread's buffer: a cycle dropped on a worker that then goes idle can stay
//!   uncollected until that worker runs again. The lever is the park hook,
//!   [`Strategy::on_park`] (install `reclaimer::on_park::<SyncGc>` with tokio's
//!   `runtime::Builder::on_thread_park`): a worker about to go idle runs a collection, which
//!   delivers its buffer. It costs a parking worker a whole collection, under the global lock,
//!   each time it parks; the lab's `idle-worker` workload measures both.
//! - **Collections run inside `Drop`.** Whichever task drops the triggering handle pays for the
//!   whole collection, under a global write lock.
//! - **Recursive search.** The collector's graph search and marking recurse per node; see
//!   `docs/limitations.md` for the depth that fits a 2 MiB stack.
//! - **Cells are locks.** A read takes a read lock for the duration of its closure; do not store
//!   into the same cell from inside [`Cell::read`](crate::Cell::read) (that deadlocks). While a
//!   writer holds a cell, the collector treats its owner as reachable instead of waiting.
//! - **No collection inside a value's drop.** dumpster 2.1 can free a value while it holds its
//!   collecting lock, and a collection started from that value's drop would wait for the lock
//!   forever (`tests/sync_gc_nested_collect.rs` reproduces it). This strategy installs a
//!   collection condition (dumpster's default, except never while the thread drops a `SyncGc`
//!   value), and `collect()` called from inside such a drop does nothing: the drops still count
//!   towards the next collection. Code that calls `dumpster::sync::set_collect_condition` itself
//!   replaces this guard.
//! - Construction needs `T: Send + Sync` (dumpster may drop the value on any thread).
//! - **Hostile destructors.** A `Drop` that panics during a collection (for instance because it
//!   dereferenced a handle reclaimed in the same collection) does not stop it: the panic comes
//!   out of `collect()`, or of the drop that started the collection, once it is done. A `Trace`
//!   impl that panics makes its object count as reachable. See `docs/limitations.md`, "Hostile
//!   destructors and traces".

use std::cell::Cell as StdCell;
use std::mem::ManuallyDrop;
use std::sync::{Once, PoisonError, RwLock, TryLockError};

use super::hostile;
use super::raw::{Backend, ThreadSafeBackend};
use super::rw_lock_slot::{self, rw_lock_slot_ops};
use super::{strategy_marker, strong_back_edge_ops, BackEdge, Strategy, ThreadSafe};
use crate::trace::{RawVisitor, Trace, Visitor};

/// The `SyncGc` strategy: `dumpster::sync::Gc` pointers and traceable `RwLock` cells. See the
/// [module docs](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SyncGc;

strategy_marker!(SyncGc);

/// A value in dumpster's heap: adapts [`Trace`] to dumpster's `TraceWith`, and marks the thread
/// as dropping a value while its value drops (see [`collect_condition`]).
///
/// It is `Send + Sync` whatever `T` is because the only constructor,
/// `ThreadSafeBackend::ptr_new`, requires `T: Send + Sync`.
#[derive(Debug)]
pub(crate) struct GcBox<T>(ManuallyDrop<T>);

impl<T> Drop for GcBox<T> {
    #[inline]
    fn drop(&mut self) {
        if !std::mem::needs_drop::<T>() {
            // Dropping the value does nothing: it cannot panic, drop a handle or start a
            // collection, so none of the bookkeeping below applies.
            return;
        }
        let _dropping = Dropping::enter();
        if collecting() {
            // A panic must not unwind through dumpster's collection: it would leave the rest of
            // the garbage allocated and dumpster's "cleaning" flag set on this thread. Kept, and
            // raised again once the collection is done (see `hostile`).
            hostile::catching(DROP_SITE, || {
                // SAFETY: dropped once, here; the value is never used after its box's drop.
                unsafe { ManuallyDrop::drop(&mut self.0) };
            });
        } else {
            // SAFETY: as above.
            unsafe { ManuallyDrop::drop(&mut self.0) };
        }
    }
}

/// What panicked, as `hostile::rethrow` names it.
const DROP_SITE: &str = "a `Drop` run by the `SyncGc` collector (dumpster's collection: it \
    finished and dropped every other unreachable object once; inside such a `Drop` other \
    `Shared<SyncGc, _>` handles of the same collection may already be reclaimed and cannot be \
    dereferenced)";
/// As [`DROP_SITE`], for a `Trace` impl.
const TRACE_SITE: &str = "a `Trace` impl called by the `SyncGc` collector (its object counted as \
    reachable and was kept, with everything it links to)";

std::thread_local! {
    /// How many `SyncGc` values this thread is dropping now.
    static DROPPING: StdCell<u32> = const { StdCell::new(0) };
    /// Whether this thread is running a dumpster collection started by this crate.
    static COLLECTING: StdCell<bool> = const { StdCell::new(false) };
}

/// Whether this thread runs a collection now.
fn collecting() -> bool {
    COLLECTING.try_with(StdCell::get).unwrap_or(false)
}

/// Runs a dumpster collection with [`COLLECTING`] set, then raises a panic the collection's
/// drops or traces kept, if any.
fn collect_now() {
    /// Clears the flag, even if the collection panics.
    struct Collecting;
    impl Drop for Collecting {
        fn drop(&mut self) {
            let _ = COLLECTING.try_with(|c| c.set(false));
        }
    }
    let _ = COLLECTING.try_with(|c| c.set(true));
    let collecting = Collecting;
    dumpster::sync::collect();
    drop(collecting);
    hostile::rethrow();
}

/// Counts this thread as dropping a value until dropped.
struct Dropping;

impl Dropping {
    fn enter() -> Self {
        let _ = DROPPING.try_with(|d| d.set(d.get() + 1));
        Dropping
    }
}

impl Drop for Dropping {
    fn drop(&mut self) {
        let _ = DROPPING.try_with(|d| d.set(d.get() - 1));
    }
}

/// Whether this thread is dropping a `SyncGc` value (or its thread-locals are gone).
fn dropping() -> bool {
    DROPPING.try_with(|d| d.get() > 0).unwrap_or(true)
}

/// dumpster's collection condition, except never while this thread drops a value.
///
/// dumpster 2.1 frees a value whose last strong handle went during a collection
/// (`drop_weak_zero`) while it still holds its collecting lock, and outside its own "cleaning"
/// flag; a handle dropped by that value's drop would start a nested collection on the same
/// thread, which waits for that lock forever (seen in the lab's `chat` on two workers). With this
/// condition, drops inside a value's drop only count towards the next collection, which the next
/// drop outside one starts.
///
/// When dumpster's condition holds, the condition runs the collection itself ([`collect_now`]) and
/// tells dumpster not to: that way the collection's drops run with [`COLLECTING`] set. A panic
/// kept from it is raised here, from the drop that started the collection (unless that thread is
/// already unwinding).
fn collect_condition(info: &dumpster::sync::CollectInfo) -> bool {
    // dumpster's condition first: two relaxed loads, false on almost every drop, where the
    // thread-local is not read at all.
    if dumpster::sync::default_collect_condition(info) && !dropping() {
        collect_now();
    }
    false
}

/// Installs [`collect_condition`] once, before the first `SyncGc` value exists.
#[inline]
fn install_collect_condition() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| dumpster::sync::set_collect_condition(collect_condition));
}

// SAFETY: a `GcBox<T>` is only ever built by `ThreadSafeBackend::ptr_new`, whose bound is
// `T: Send + Sync`.
unsafe impl<T> Send for GcBox<T> {}
// SAFETY: as for `Send`.
unsafe impl<T> Sync for GcBox<T> {}

// SAFETY: `accept` shows dumpster's visitor exactly the `sync::Gc`s that `T::trace` visits, the
// same ones on every call by `Trace`'s contract, and returns `Err` when a cell could not be read
// rather than hiding its edge.
unsafe impl<V: dumpster::Visitor, T: Trace> dumpster::TraceWith<V> for GcBox<T> {
    #[inline]
    fn accept(&self, visitor: &mut V) -> Result<(), ()> {
        let mut adapter = Adapter {
            inner: visitor,
            busy: false,
        };
        // A panic must not unwind through dumpster (see `GcBox::drop`): the object then counts
        // as reachable, the same answer as a busy cell.
        if !hostile::catching(TRACE_SITE, || self.0.trace(&mut adapter)) {
            return Err(());
        }
        if adapter.busy {
            Err(())
        } else {
            Ok(())
        }
    }
}

/// Passes each visited `sync::Gc` to dumpster's visitor; stops at the first busy cell.
struct Adapter<'a, V> {
    inner: &'a mut V,
    busy: bool,
}

impl<V: dumpster::Visitor> RawVisitor for Adapter<'_, V> {
    #[inline]
    fn visit_sync_gc<X>(&mut self, gc: &dumpster::sync::Gc<X>)
    where
        X: dumpster::Trace + Send + Sync + ?Sized,
    {
        if !self.busy {
            self.inner.visit_sync(gc);
        }
    }
    #[inline]
    fn busy(&mut self) {
        self.busy = true;
    }
}

type Raw<T> = dumpster::sync::Gc<GcBox<T>>;

impl Strategy for SyncGc {
    type Kind = super::kind::AnyThread;
    const NAME: &'static str = "SyncGc";
    const THREAD_SAFE: bool = true;
    const FREES_MEMORY: bool = true;
    const RECLAIMS_CYCLES: bool = true;
    const BACK_EDGE: BackEdge = BackEdge::Strong;

    #[inline]
    fn collect() {
        // Inside a value's drop a collection could wait for dumpster's lock held by this thread
        // (see `collect_condition`); the running collection, or the next one, does the work.
        if !dropping() {
            collect_now();
        }
    }

    #[inline]
    fn on_park() {
        Self::collect();
    }
}

impl Backend for SyncGc {
    type Ptr<T: Trace + 'static> = Raw<T>;
    type WeakPtr<T: Trace + 'static> = Raw<T>;
    type Slot<T: Trace + 'static> = RwLock<Raw<T>>;
    type OptionSlot<T: Trace + 'static> = RwLock<Option<Raw<T>>>;
    type Lock<T: Trace + 'static> = RwLock<T>;

    #[inline]
    fn ptr_clone<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> Self::Ptr<T> {
        ptr.clone()
    }
    #[inline]
    fn ptr_deref<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> &T {
        &ptr.0
    }
    #[inline]
    fn ptr_eq<T: Trace + 'static>(a: &Self::Ptr<T>, b: &Self::Ptr<T>) -> bool {
        dumpster::sync::Gc::ptr_eq(a, b)
    }
    #[inline]
    fn ptr_trace<T: Trace + 'static, V: Visitor>(ptr: &Self::Ptr<T>, visitor: &mut V) {
        visitor.visit_sync_gc(ptr);
    }

    strong_back_edge_ops!();

    rw_lock_slot_ops!(|ptr| &*ptr.0);

    #[inline]
    fn slot_trace<T: Trace + 'static, V: Visitor>(slot: &Self::Slot<T>, visitor: &mut V) {
        trace_rw_lock(slot, visitor, |ptr, visitor| visitor.visit_sync_gc(ptr));
    }

    #[inline]
    fn option_trace<T: Trace + 'static, V: Visitor>(slot: &Self::OptionSlot<T>, visitor: &mut V) {
        trace_rw_lock(slot, visitor, |ptr, visitor| {
            if let Some(ptr) = ptr {
                visitor.visit_sync_gc(ptr);
            }
        });
    }

    #[inline]
    fn lock_new<T: Trace + 'static>(value: T) -> Self::Lock<T> {
        RwLock::new(value)
    }
    // Poisoning is ignored, as for the cells: a panic inside `f` leaves the value as `f` left
    // it. Re-entry deadlocks (std's `RwLock` does not detect it).
    #[inline]
    fn lock_with<T: Trace + 'static, R>(lock: &Self::Lock<T>, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut lock.write().unwrap_or_else(PoisonError::into_inner))
    }
    #[inline]
    fn lock_read<T: Trace + 'static, R>(lock: &Self::Lock<T>, f: impl FnOnce(&T) -> R) -> R {
        rw_lock_slot::read(lock, f)
    }
    #[inline]
    fn lock_into_inner<T: Trace + 'static>(lock: Self::Lock<T>) -> T {
        lock.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
    // The value's handles, read under a shared lock taken without waiting; a writer holding the
    // lock makes the owner count as reachable, never skipped.
    #[inline]
    fn lock_trace<T: Trace + 'static, V: Visitor>(lock: &Self::Lock<T>, visitor: &mut V) {
        trace_rw_lock(lock, visitor, |value, visitor| value.trace(visitor));
    }
}

/// Traces what `lock` holds with `trace`, never blocking the collector: a lock held by a writer
/// makes `visitor` report `busy`, so dumpster counts the owner as reachable. A poisoned lock
/// still holds a whole value (see `rw_lock_slot`) and is traced.
#[inline]
fn trace_rw_lock<X, V: Visitor>(lock: &RwLock<X>, visitor: &mut V, trace: impl FnOnce(&X, &mut V)) {
    match lock.try_read() {
        Ok(value) => trace(&value, visitor),
        Err(TryLockError::Poisoned(poisoned)) => trace(&poisoned.into_inner(), visitor),
        Err(TryLockError::WouldBlock) => visitor.busy(),
    }
}

// SAFETY: `dumpster::sync::Gc<GcBox<T>>` is `Send + Sync` (dumpster requires and `GcBox`
// provides it), and `RwLock` of it (or of an `Option` of it) is too; the lock, `RwLock<T>`, is
// `Send` when `T: Send` and `Sync` when `T: Send + Sync`. Values only enter through `Shareable<SyncGc>`,
// which requires `T: Send + Sync`.
unsafe impl ThreadSafe for SyncGc {}

impl ThreadSafeBackend for SyncGc {
    #[inline]
    fn ptr_new<T: Trace + Send + Sync + 'static>(value: T) -> Self::Ptr<T> {
        install_collect_condition();
        dumpster::sync::Gc::new(GcBox(ManuallyDrop::new(value)))
    }
}
