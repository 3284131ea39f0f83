//! [`Gc`]: rust-gc's thread-local mark-sweep `Gc`, with `GcCell` cells.
//!
//! # How it reclaims
//! Tracing: nothing is freed when the last pointer goes. rust-gc collects on allocation, when
//! the bytes allocated on this thread pass a threshold (100 B at first, then live bytes / 0.7),
//! or when [`Strategy::collect`] runs `gc::force_collect`. A collection is stop-the-world over
//! the thread's whole heap: mark from the roots, then sweep. Unreachable cycles are freed.
//!
//! # When it is the right choice
//! Cyclic object graphs owned by one thread: a current-thread tokio runtime with a
//! `tokio::task::LocalSet` (`spawn_local`). It is the cheapest pointer here: cloning touches no
//! atomic.
//!
//! # Traps
//! - **`!Send`.** `Shared<Gc, T>` cannot cross threads: `tokio::spawn` of a future holding one
//!   does not compile. Each thread has its own heap; use `spawn_local`.
//! - **Mutable links go through [`Cell`](crate::Cell).** rust-gc unroots a pointer only when it is
//!   stored through its own cell. A pointer written into a std `Mutex` or `RefCell` stays a
//!   root forever, and its cycle is never collected. The std lock types have no
//!   [`Trace`] impl, so the compiler points this out.
//! - **Pauses grow with the heap.** Every collection marks all live objects of the thread.
//! - **Recursive marking.** Marking a long chain recurses once per node; see
//!   `docs/limitations.md` for the depth that fits a 2 MiB stack.
//! - **No finalizers.** rust-gc finalizers can resurrect objects, a known use-after-free; this
//!   crate never defines one, and `Drop` of your types must not touch other `Gc` handles: a
//!   `Drop` run by the collector that dereferences, clones, creates or stores one panics, the
//!   collection still finishes, and the panic comes out of `collect()` (or the `Shared::new`
//!   that ran the collection). A `Trace` impl that panics inside rust-gc aborts the process.
//!   `docs/limitations.md`, "Hostile destructors and traces", has the details.
//! - `collect()` from inside a `Drop` that runs during a collection does nothing (a collection
//!   is already running).

use std::mem::ManuallyDrop;

use gc::{Finalize, GcCell};

use super::hostile;
use super::raw::{Backend, LocalBackend};
use super::{strategy_marker, strong_back_edge_ops, BackEdge, Local, Strategy};
use crate::trace::{RawVisitor, Trace, Visitor};

/// The `Gc` strategy: rust-gc pointers and cells, confined to one thread. See the
/// [module docs](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Gc;

strategy_marker!(Gc);

/// A value in rust-gc's heap: adapts [`Trace`] to rust-gc's `Trace + Finalize`, and keeps a
/// panic in the value's drop or trace from unwinding through rust-gc (see [`hostile`]).
#[derive(Debug)]
pub(crate) struct GcBox<T>(ManuallyDrop<T>);

/// What panicked, as [`hostile::rethrow`] names it.
const DROP_SITE: &str = "a `Drop` run by the `Gc` collector (rust-gc's sweep: the collection \
    finished and dropped every other unreachable object once; inside such a `Drop` other \
    `Shared<Gc, _>` handles may already be reclaimed, and no handle can be dereferenced, cloned, \
    created or stored)";

impl<T> Drop for GcBox<T> {
    #[inline]
    fn drop(&mut self) {
        if !std::mem::needs_drop::<T>() {
            // Nothing to run, nothing that can panic: the sweep frees the memory.
            return;
        }
        if gc::finalizer_safe() {
            // SAFETY: dropped once, here; the value is never used after its box's drop.
            unsafe { ManuallyDrop::drop(&mut self.0) };
        } else {
            // rust-gc is sweeping: a panic must not unwind through the sweep, which would leave
            // the rest of the garbage in the heap, to be dropped again (and panic again, then
            // abort) when the thread exits. Kept, and raised again once the collection is done.
            let outer = IN_SWEEP.replace(true);
            hostile::catching(DROP_SITE, || {
                // SAFETY: as above.
                unsafe { ManuallyDrop::drop(&mut self.0) };
            });
            IN_SWEEP.set(outer);
        }
    }
}

std::thread_local! {
    /// Whether rust-gc's sweep is running a value's `Drop` on this thread: the only way this
    /// crate's users run code inside a collection, where rust-gc cannot allocate. Checked on
    /// every `Shared::new`, so a thread-local of our own (a plain load) rather than a call to
    /// `gc::finalizer_safe`.
    static IN_SWEEP: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// What a panic inside one of rust-gc's trace operations would leave behind.
const TRACE_CONSEQUENCE: &str = "rust-gc's marks and root counts would be left inconsistent (a \
    later collection could free live objects)";

/// The operations of rust-gc that call into a `Trace` impl, each the site of an
/// [`hostile::AbortOnUnwind`] guard.
struct MarkSite;
struct RootSite;
struct UnrootSite;

impl hostile::AbortSite for MarkSite {
    const SITE: &'static str = "rust-gc's mark";
    const CONSEQUENCE: &'static str = TRACE_CONSEQUENCE;
}
impl hostile::AbortSite for RootSite {
    const SITE: &'static str = "rust-gc's root";
    const CONSEQUENCE: &'static str = TRACE_CONSEQUENCE;
}
impl hostile::AbortSite for UnrootSite {
    const SITE: &'static str = "rust-gc's unroot";
    const CONSEQUENCE: &'static str = TRACE_CONSEQUENCE;
}

impl<T> Finalize for GcBox<T> {}

// SAFETY: each rust-gc operation is forwarded, through one visitor per operation, to exactly the
// handles `T::trace` visits; `Trace`'s contract makes that the same set every time.
unsafe impl<T: Trace> gc::Trace for GcBox<T> {
    #[inline]
    unsafe fn trace(&self) {
        hostile::AbortOnUnwind::<MarkSite>::run(|| self.0.trace(&mut Mark));
    }
    #[inline]
    unsafe fn root(&self) {
        hostile::AbortOnUnwind::<RootSite>::run(|| self.0.trace(&mut Root));
    }
    #[inline]
    unsafe fn unroot(&self) {
        hostile::AbortOnUnwind::<UnrootSite>::run(|| self.0.trace(&mut Unroot));
    }
    // This crate defines no finalizers, so there is nothing to run.
    #[inline]
    fn finalize_glue(&self) {}
}

/// Forwards rust-gc's mark to each child.
struct Mark;
/// Forwards rust-gc's root to each child.
struct Root;
/// Forwards rust-gc's unroot to each child.
struct Unroot;

impl RawVisitor for Mark {
    #[inline]
    fn visit_gc<X: gc::Trace + ?Sized>(&mut self, x: &X) {
        // SAFETY: this visitor only runs inside `GcBox::trace`, which rust-gc calls while
        // marking; marking the children is what that call asks for.
        unsafe { x.trace() }
    }
}

impl RawVisitor for Root {
    #[inline]
    fn visit_gc<X: gc::Trace + ?Sized>(&mut self, x: &X) {
        // SAFETY: this visitor only runs inside `GcBox::root`, which rust-gc calls to root the
        // value's children; rooting each child is what that call asks for.
        unsafe { x.root() }
    }
}

impl RawVisitor for Unroot {
    #[inline]
    fn visit_gc<X: gc::Trace + ?Sized>(&mut self, x: &X) {
        // SAFETY: this visitor only runs inside `GcBox::unroot`, which rust-gc calls when the
        // value moves into its heap; unrooting each child is what that call asks for.
        unsafe { x.unroot() }
    }
}

impl Strategy for Gc {
    type Kind = super::kind::OneThread;
    const NAME: &'static str = "Gc";
    const THREAD_SAFE: bool = false;
    const FREES_MEMORY: bool = true;
    const RECLAIMS_CYCLES: bool = true;
    const BACK_EDGE: BackEdge = BackEdge::Strong;

    #[inline]
    fn collect() {
        // During a sweep (a `Drop` run by the collector) another collection would panic on the
        // heap's borrow flag; the running one already does the work.
        if gc::finalizer_safe() {
            gc::force_collect();
            hostile::rethrow();
        }
    }

    #[inline]
    fn on_park() {}
}

impl Backend for Gc {
    type Ptr<T: Trace + 'static> = gc::Gc<GcBox<T>>;
    type WeakPtr<T: Trace + 'static> = gc::Gc<GcBox<T>>;
    type Slot<T: Trace + 'static> = GcCell<gc::Gc<GcBox<T>>>;
    type OptionSlot<T: Trace + 'static> = GcCell<Option<gc::Gc<GcBox<T>>>>;
    type Lock<T: Trace + 'static> = GcCell<GcBox<T>>;

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
        gc::Gc::ptr_eq(a, b)
    }
    #[inline]
    fn ptr_trace<T: Trace + 'static, V: Visitor>(ptr: &Self::Ptr<T>, visitor: &mut V) {
        visitor.visit_gc(ptr);
    }

    strong_back_edge_ops!();

    #[inline]
    fn slot_new<T: Trace + 'static>(ptr: Self::Ptr<T>) -> Self::Slot<T> {
        GcCell::new(ptr)
    }
    // The closure runs under the cell's shared borrow, which costs less than cloning the
    // pointer out (a root and an unroot); a store into the same cell from inside it panics.
    #[inline]
    fn slot_read<T: Trace + 'static, R>(slot: &Self::Slot<T>, f: impl FnOnce(&T) -> R) -> R {
        f(&slot.borrow().0)
    }
    #[inline]
    fn slot_load<T: Trace + 'static>(slot: &Self::Slot<T>) -> Self::Ptr<T> {
        slot.borrow().clone()
    }
    #[inline(always)]
    fn slot_swap<T: Trace + 'static>(slot: &Self::Slot<T>, new: Self::Ptr<T>) -> Self::Ptr<T> {
        std::mem::replace(&mut *slot.borrow_mut(), new)
    }
    // The closure runs with no borrow held; if it changed the cell meanwhile, run it again on
    // the new value, as a compare-and-swap loop would.
    #[inline]
    fn slot_rcu<T: Trace + 'static>(
        slot: &Self::Slot<T>,
        mut f: impl FnMut(&T) -> Self::Ptr<T>,
    ) -> Self::Ptr<T> {
        loop {
            let current = Self::slot_load(slot);
            let new = f(&current.0);
            let mut guard = slot.borrow_mut();
            if gc::Gc::ptr_eq(&guard, &current) {
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
            if gc::Gc::ptr_eq(&guard, &current) {
                return Some(std::mem::replace(&mut *guard, new));
            }
        }
    }
    #[inline]
    fn slot_trace<T: Trace + 'static, V: Visitor>(slot: &Self::Slot<T>, visitor: &mut V) {
        visitor.visit_gc(slot);
    }

    #[inline]
    fn option_new<T: Trace + 'static>(ptr: Option<Self::Ptr<T>>) -> Self::OptionSlot<T> {
        GcCell::new(ptr)
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
    #[inline(always)]
    fn option_swap<T: Trace + 'static>(
        slot: &Self::OptionSlot<T>,
        new: Option<Self::Ptr<T>>,
    ) -> Option<Self::Ptr<T>> {
        std::mem::replace(&mut *slot.borrow_mut(), new)
    }
    // As `slot_update`.
    #[inline]
    fn option_update<T: Trace + 'static>(
        slot: &Self::OptionSlot<T>,
        mut f: impl FnMut(Option<&T>) -> Option<Option<Self::Ptr<T>>>,
    ) -> Option<Option<Self::Ptr<T>>> {
        let same = |a: &Option<Self::Ptr<T>>, b: &Option<Self::Ptr<T>>| match (a, b) {
            (Some(a), Some(b)) => gc::Gc::ptr_eq(a, b),
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
        visitor.visit_gc(slot);
    }

    #[inline]
    fn lock_new<T: Trace + 'static>(value: T) -> Self::Lock<T> {
        GcCell::new(GcBox(ManuallyDrop::new(value)))
    }
    // The `GcCell`'s mutable borrow roots the value's handles while `f` runs (so a collection
    // inside `f` keeps them) and unroots them when it ends, as for `GcCell<Vec<Gc<_>>>`.
    #[inline]
    fn lock_with<T: Trace + 'static, R>(lock: &Self::Lock<T>, f: impl FnOnce(&mut T) -> R) -> R {
        let mut guard = lock.try_borrow_mut().unwrap_or_else(|_| {
            panic!("Lock::with re-entered: the lock is already in use by a `with` or `read` on this thread")
        });
        f(&mut guard.0)
    }
    #[inline]
    fn lock_read<T: Trace + 'static, R>(lock: &Self::Lock<T>, f: impl FnOnce(&T) -> R) -> R {
        let guard = lock.try_borrow().unwrap_or_else(|_| {
            panic!("Lock::read re-entered: the lock is already in use by a `with` on this thread")
        });
        f(&guard.0)
    }
    #[inline]
    fn lock_into_inner<T: Trace + 'static>(lock: Self::Lock<T>) -> T {
        let boxed = ManuallyDrop::new(lock.into_inner());
        // SAFETY: `boxed` is never dropped, so the value is moved out once.
        unsafe { std::ptr::read(&*boxed.0) }
    }
    #[inline]
    fn lock_trace<T: Trace + 'static, V: Visitor>(lock: &Self::Lock<T>, visitor: &mut V) {
        visitor.visit_gc(lock);
    }
}

impl Local for Gc {}

impl LocalBackend for Gc {
    #[inline(always)]
    fn ptr_new<T: Trace + 'static>(value: T) -> gc::Gc<GcBox<T>> {
        assert!(
            !IN_SWEEP.get(),
            "reclaimer: `Shared::<Gc, _>::new` called from a `Drop` run by the `Gc` collector: \
             rust-gc cannot allocate while it sweeps. See docs/limitations.md, \"Hostile \
             destructors and traces\"."
        );
        let ptr = gc::Gc::new(GcBox(ManuallyDrop::new(value)));
        // The allocation may have run a collection.
        hostile::rethrow();
        ptr
    }
}
