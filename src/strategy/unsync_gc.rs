//! [`UnsyncGc`]: dumpster's thread-local, cycle-collecting `unsync::Gc`, with `RefCell` cells
//! the collector can trace.
//!
//! # How it reclaims
//! Reference counting plus cycle detection, on one thread and with no atomics. An object whose
//! count reaches zero is freed at once. A decrement that leaves a count above zero marks the
//! object a *dirty* candidate (an entry in a thread-local hash map); when the number of `Gc`s
//! dropped since the last collection exceeds the number alive, that drop runs a collection
//! inline, which frees the unreachable cycles among the candidates. [`Strategy::collect`] runs
//! `dumpster::unsync::collect`. Each thread has its own heap, collected at thread exit too.
//!
//! # When it is the right choice
//! Cyclic graphs owned by one thread (a `tokio::task::LocalSet`), where acyclic garbage should
//! still go at once: unlike [`Gc`](crate::Gc), nothing waits for a collection but cycles.
//!
//! # Traps
//! - **`!Send`.** `Shared<UnsyncGc, T>` cannot cross threads; run its tasks with `spawn_local`.
//! - **Every decrement that is not the last costs a hash-map insert**: the candidate set.
//!   Cloning and dropping handles in a loop is far dearer than with [`Rc`](crate::Rc).
//! - **Collections run inside `Drop`.** Whichever task drops the triggering handle pays for the
//!   collection of every candidate.
//! - **Recursive search.** The collector's graph search and marking recurse per node, as
//!   `SyncGc`'s do; `docs/limitations.md` has the depth that fits a 2 MiB stack.
//! - **Cells are `RefCell`s.** A read holds a shared borrow while its closure runs: a store into
//!   the same cell from inside [`Cell::read`](crate::Cell::read) panics. Whatever a cell or lock
//!   borrowed mutably while a collection runs holds counts as reachable.
//! - **Hostile destructors.** A `Drop` that panics during a collection does not stop it: the
//!   panic comes out of `collect()`, or of the drop that started the collection, once it is
//!   done. A `Trace` impl that panics while the collector runs aborts the process (dumpster
//!   cannot finish a collection without it).

use std::cell::{Cell as StdCell, RefCell};
use std::mem::ManuallyDrop;

use super::hostile;
use super::raw::{Backend, LocalBackend};
use super::{strategy_marker, strong_back_edge_ops, BackEdge, Local, Strategy};
use crate::trace::{RawVisitor, Trace, Visitor};

/// The `UnsyncGc` strategy: `dumpster::unsync::Gc` pointers and traceable `RefCell` cells,
/// confined to one thread. See the [module docs](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct UnsyncGc;

strategy_marker!(UnsyncGc);

/// A value in dumpster's thread-local heap: adapts [`Trace`] to dumpster's `TraceWith`, and
/// keeps a panic in the value's drop from unwinding through a collection.
#[derive(Debug)]
pub(crate) struct GcBox<T>(ManuallyDrop<T>);

impl<T> Drop for GcBox<T> {
    #[inline]
    fn drop(&mut self) {
        if !std::mem::needs_drop::<T>() {
            return;
        }
        if collecting() {
            // A panic must not unwind through dumpster's collection: it would leave the rest of
            // the garbage allocated and dumpster's "collecting" flag set on this thread, so no
            // collection would run again. Kept, and raised again once the collection is done.
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
const DROP_SITE: &str = "a `Drop` run by the `UnsyncGc` collector (dumpster's collection: it \
    finished and dropped every other unreachable object once; inside such a `Drop` other \
    `Shared<UnsyncGc, _>` handles of the same collection may already be reclaimed and cannot be \
    dereferenced)";

std::thread_local! {
    /// Whether this thread is running a dumpster collection started by this crate.
    static COLLECTING: StdCell<bool> = const { StdCell::new(false) };
    /// Whether [`collect_condition`] is installed on this thread (dumpster keeps one per thread).
    static INSTALLED: StdCell<bool> = const { StdCell::new(false) };
}

/// Whether this thread runs a collection now.
fn collecting() -> bool {
    COLLECTING.try_with(StdCell::get).unwrap_or(false)
}

/// Runs a dumpster collection with [`COLLECTING`] set, then raises a panic the collection's
/// drops kept, if any.
fn collect_now() {
    /// Restores the flag, even if the collection panics.
    struct Collecting(bool);
    impl Drop for Collecting {
        fn drop(&mut self) {
            let _ = COLLECTING.try_with(|c| c.set(self.0));
        }
    }
    let outer = COLLECTING.try_with(|c| c.replace(true)).unwrap_or(false);
    let collecting = Collecting(outer);
    dumpster::unsync::collect();
    drop(collecting);
    if !outer {
        hostile::rethrow();
    }
}

/// dumpster's collection condition, with the collection run by [`collect_now`] (so that its
/// drops run with [`COLLECTING`] set) rather than by dumpster.
fn collect_condition(info: &dumpster::unsync::CollectInfo) -> bool {
    if !collecting() && dumpster::unsync::default_collect_condition(info) {
        collect_now();
    }
    false
}

/// Installs [`collect_condition`] on this thread, before its first `UnsyncGc` value exists.
#[inline]
fn install_collect_condition() {
    if !INSTALLED.get() {
        INSTALLED.set(true);
        dumpster::unsync::set_collect_condition(collect_condition);
    }
}

// SAFETY: `accept` shows dumpster's visitor exactly the `unsync::Gc`s that `T::trace` visits,
// the same ones on every call by `Trace`'s contract, except behind a cell borrowed mutably:
// then it stops and returns `Err`. dumpster's search ignores the result, and an edge it does
// not see leaves its target's count unaccounted, so the target counts as reachable (kept, never
// freed early). Its sweep only visits unreachable objects, whose cells no one can be borrowing:
// a borrow is taken through a handle or a reference that keeps the owner reachable.
unsafe impl<V: dumpster::Visitor, T: Trace> dumpster::TraceWith<V> for GcBox<T> {
    #[inline]
    fn accept(&self, visitor: &mut V) -> Result<(), ()> {
        let mut adapter = Adapter {
            inner: visitor,
            busy: false,
        };
        // A panic must not unwind through dumpster, and dumpster's sweep cannot skip a value it
        // could not trace (an edge it does not kill would be dropped again): abort, as `Gc`
        // does.
        hostile::AbortOnUnwind::<CollectorSite>::run(|| self.0.trace(&mut adapter));
        if adapter.busy {
            Err(())
        } else {
            Ok(())
        }
    }
}

/// dumpster's unsync collector, where a `Trace` impl that panics aborts the process.
struct CollectorSite;

impl hostile::AbortSite for CollectorSite {
    const SITE: &'static str = "dumpster's unsync collector";
    const CONSEQUENCE: &'static str = "dumpster's sweep would stop half-way with its collecting \
        flag set (no collection would run on this thread again), or free a value whose edges it \
        did not see";
}

/// Passes each visited `unsync::Gc` to dumpster's visitor; stops at the first busy cell.
struct Adapter<'a, V> {
    inner: &'a mut V,
    busy: bool,
}

impl<V: dumpster::Visitor> RawVisitor for Adapter<'_, V> {
    #[inline]
    fn visit_unsync_gc<X>(&mut self, gc: &dumpster::unsync::Gc<X>)
    where
        X: dumpster::Trace + ?Sized,
    {
        if !self.busy {
            self.inner.visit_unsync(gc);
        }
    }
    #[inline]
    fn busy(&mut self) {
        self.busy = true;
    }
}

type Raw<T> = dumpster::unsync::Gc<GcBox<T>>;

impl Strategy for UnsyncGc {
    type Kind = super::kind::OneThread;
    const NAME: &'static str = "UnsyncGc";
    const THREAD_SAFE: bool = false;
    const FREES_MEMORY: bool = true;
    const RECLAIMS_CYCLES: bool = true;
    const BACK_EDGE: BackEdge = BackEdge::Strong;

    #[inline]
    fn collect() {
        // Inside a collection's drop, dumpster returns at once; the running collection does the
        // work.
        if !collecting() {
            collect_now();
        }
    }

    #[inline]
    fn on_park() {}
}

/// Traces what `cell` holds with `trace`; a cell borrowed mutably makes `visitor` report
/// `busy`, so dumpster counts what the cell holds as reachable.
#[inline]
fn trace_ref_cell<X, V: Visitor>(
    cell: &RefCell<X>,
    visitor: &mut V,
    trace: impl FnOnce(&X, &mut V),
) {
    match cell.try_borrow() {
        Ok(value) => trace(&value, visitor),
        Err(_) => visitor.busy(),
    }
}

impl Backend for UnsyncGc {
    type Ptr<T: Trace + 'static> = Raw<T>;
    type WeakPtr<T: Trace + 'static> = Raw<T>;
    type Slot<T: Trace + 'static> = RefCell<Raw<T>>;
    type OptionSlot<T: Trace + 'static> = RefCell<Option<Raw<T>>>;
    type Lock<T: Trace + 'static> = RefCell<T>;

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
        dumpster::unsync::Gc::ptr_eq(a, b)
    }
    #[inline]
    fn ptr_trace<T: Trace + 'static, V: Visitor>(ptr: &Self::Ptr<T>, visitor: &mut V) {
        visitor.visit_unsync_gc(ptr);
    }

    strong_back_edge_ops!();

    #[inline]
    fn slot_new<T: Trace + 'static>(ptr: Self::Ptr<T>) -> Self::Slot<T> {
        RefCell::new(ptr)
    }
    // Under the cell's shared borrow: cloning the pointer out would cost a candidate-set insert
    // when the clone drops.
    #[inline]
    fn slot_read<T: Trace + 'static, R>(slot: &Self::Slot<T>, f: impl FnOnce(&T) -> R) -> R {
        f(&slot.borrow().0)
    }
    #[inline]
    fn slot_load<T: Trace + 'static>(slot: &Self::Slot<T>) -> Self::Ptr<T> {
        slot.borrow().clone()
    }
    #[inline]
    fn slot_swap<T: Trace + 'static>(slot: &Self::Slot<T>, new: Self::Ptr<T>) -> Self::Ptr<T> {
        slot.replace(new)
    }
    // `f` runs with no borrow held; if it changed the cell meanwhile, run it again on the new
    // value, as a compare-and-swap loop would.
    #[inline]
    fn slot_rcu<T: Trace + 'static>(
        slot: &Self::Slot<T>,
        mut f: impl FnMut(&T) -> Self::Ptr<T>,
    ) -> Self::Ptr<T> {
        loop {
            let current = Self::slot_load(slot);
            let new = f(&current.0);
            let mut guard = slot.borrow_mut();
            if dumpster::unsync::Gc::ptr_eq(&guard, &current) {
                return std::mem::replace(&mut *guard, new);
            }
        }
    }
    // As `slot_rcu`, stopping where `f` declines.
    #[inline]
    fn slot_update<T: Trace + 'static>(
        slot: &Self::Slot<T>,
        mut f: impl FnMut(&T) -> Option<Self::Ptr<T>>,
    ) -> Option<Self::Ptr<T>> {
        loop {
            let current = Self::slot_load(slot);
            let new = f(&current.0)?;
            let mut guard = slot.borrow_mut();
            if dumpster::unsync::Gc::ptr_eq(&guard, &current) {
                return Some(std::mem::replace(&mut *guard, new));
            }
        }
    }
    #[inline]
    fn slot_trace<T: Trace + 'static, V: Visitor>(slot: &Self::Slot<T>, visitor: &mut V) {
        trace_ref_cell(slot, visitor, |ptr, visitor| visitor.visit_unsync_gc(ptr));
    }

    #[inline]
    fn option_new<T: Trace + 'static>(ptr: Option<Self::Ptr<T>>) -> Self::OptionSlot<T> {
        RefCell::new(ptr)
    }
    // Under the cell's shared borrow, as `slot_read`.
    #[inline]
    fn option_read<T: Trace + 'static, R>(
        slot: &Self::OptionSlot<T>,
        f: impl FnOnce(Option<&T>) -> R,
    ) -> R {
        f(slot.borrow().as_ref().map(|ptr| &*ptr.0))
    }
    #[inline]
    fn option_load<T: Trace + 'static>(slot: &Self::OptionSlot<T>) -> Option<Self::Ptr<T>> {
        slot.borrow().clone()
    }
    #[inline]
    fn option_swap<T: Trace + 'static>(
        slot: &Self::OptionSlot<T>,
        new: Option<Self::Ptr<T>>,
    ) -> Option<Self::Ptr<T>> {
        slot.replace(new)
    }
    // As `slot_update`.
    #[inline]
    fn option_update<T: Trace + 'static>(
        slot: &Self::OptionSlot<T>,
        mut f: impl FnMut(Option<&T>) -> Option<Option<Self::Ptr<T>>>,
    ) -> Option<Option<Self::Ptr<T>>> {
        let same = |a: &Option<Self::Ptr<T>>, b: &Option<Self::Ptr<T>>| match (a, b) {
            (Some(a), Some(b)) => dumpster::unsync::Gc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        loop {
            let current = Self::option_load(slot);
            let new = f(current.as_ref().map(|ptr| &*ptr.0))?;
            let mut guard = slot.borrow_mut();
            if same(&guard, &current) {
                return Some(std::mem::replace(&mut *guard, new));
            }
        }
    }
    #[inline]
    fn option_trace<T: Trace + 'static, V: Visitor>(slot: &Self::OptionSlot<T>, visitor: &mut V) {
        trace_ref_cell(slot, visitor, |ptr, visitor| {
            if let Some(ptr) = ptr {
                visitor.visit_unsync_gc(ptr);
            }
        });
    }

    #[inline]
    fn lock_new<T: Trace + 'static>(value: T) -> Self::Lock<T> {
        RefCell::new(value)
    }
    #[inline]
    fn lock_with<T: Trace + 'static, R>(lock: &Self::Lock<T>, f: impl FnOnce(&mut T) -> R) -> R {
        let mut guard = lock.try_borrow_mut().unwrap_or_else(|_| {
            panic!("Lock::with re-entered: the lock is already in use by a `with` or `read` on this thread")
        });
        f(&mut guard)
    }
    #[inline]
    fn lock_read<T: Trace + 'static, R>(lock: &Self::Lock<T>, f: impl FnOnce(&T) -> R) -> R {
        let guard = lock.try_borrow().unwrap_or_else(|_| {
            panic!("Lock::read re-entered: the lock is already in use by a `with` on this thread")
        });
        f(&guard)
    }
    #[inline]
    fn lock_into_inner<T: Trace + 'static>(lock: Self::Lock<T>) -> T {
        lock.into_inner()
    }
    #[inline]
    fn lock_trace<T: Trace + 'static, V: Visitor>(lock: &Self::Lock<T>, visitor: &mut V) {
        trace_ref_cell(lock, visitor, |value, visitor| value.trace(visitor));
    }
}

impl Local for UnsyncGc {}

impl LocalBackend for UnsyncGc {
    #[inline]
    fn ptr_new<T: Trace + 'static>(value: T) -> Self::Ptr<T> {
        install_collect_condition();
        dumpster::unsync::Gc::new(GcBox(ManuallyDrop::new(value)))
    }
}
