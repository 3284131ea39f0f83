//! [`Arc`]: `std::sync::Arc` pointers and `arc_swap::ArcSwap` cells.
//!
//! # How it reclaims
//! Reference counting: the last `drop` frees the object at once, on the thread that dropped
//! it. Reclamation is exact, so garbage in flight is zero for acyclic data.
//!
//! # When it is the right choice
//! Acyclic shared state, and read-mostly configuration swapped with [`Cell::store`] or
//! [`Cell::rcu`]: arc-swap reads are wait-free and do not contend with each other.
//!
//! # Traps
//! - **Cycles leak.** Two objects that point at each other are never freed. Break the cycle by
//!   holding one edge as a [`Weak`](crate::Weak) (`Shared::downgrade`).
//! - **Deep chains recurse on drop.** Dropping the head of a long `Arc` chain drops every node
//!   recursively; a long enough chain overflows a tokio worker's 2 MiB stack (see
//!   `docs/limitations.md` for the measured depths).
//! - **arc-swap guards.** Each thread has 8 fast debt slots; an `arc_swap::Guard` held across
//!   `.await` ties one up. This crate's cell API reads through closures and returns owning
//!   pointers, so no guard outlives a read.
//!
//! [`Cell::store`]: crate::Cell::store
//! [`Cell::rcu`]: crate::Cell::rcu

use arc_swap::{ArcSwap, ArcSwapOption, Guard};

use super::mutex_lock::mutex_lock_ops;
use super::raw::{Backend, ThreadSafeBackend};
use super::std_arc::std_arc_pointer_ops;
use super::{strategy_marker, BackEdge, Strategy, ThreadSafe};
use crate::trace::{Trace, Visitor};

/// The `Arc` strategy: `std::sync::Arc` pointers, `arc_swap::ArcSwap` cells. See the
/// [module docs](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Arc;

strategy_marker!(Arc);

impl Strategy for Arc {
    type Kind = super::kind::AnyThread;
    const NAME: &'static str = "Arc";
    const THREAD_SAFE: bool = true;
    const FREES_MEMORY: bool = true;
    const RECLAIMS_CYCLES: bool = false;
    const BACK_EDGE: BackEdge = BackEdge::Weak;

    #[inline]
    fn collect() {}

    #[inline]
    fn on_park() {}
}

impl Backend for Arc {
    type Slot<T: Trace + 'static> = ArcSwap<T>;
    type OptionSlot<T: Trace + 'static> = ArcSwapOption<T>;

    std_arc_pointer_ops!();
    mutex_lock_ops!();

    #[inline]
    fn slot_new<T: Trace + 'static>(ptr: Self::Ptr<T>) -> Self::Slot<T> {
        ArcSwap::new(ptr)
    }
    #[inline]
    fn slot_read<T: Trace + 'static, R>(slot: &Self::Slot<T>, f: impl FnOnce(&T) -> R) -> R {
        f(&slot.load())
    }
    #[inline]
    fn slot_load<T: Trace + 'static>(slot: &Self::Slot<T>) -> Self::Ptr<T> {
        slot.load_full()
    }
    #[inline]
    fn slot_swap<T: Trace + 'static>(slot: &Self::Slot<T>, new: Self::Ptr<T>) -> Self::Ptr<T> {
        slot.swap(new)
    }
    #[inline]
    fn slot_rcu<T: Trace + 'static>(
        slot: &Self::Slot<T>,
        mut f: impl FnMut(&T) -> Self::Ptr<T>,
    ) -> Self::Ptr<T> {
        slot.rcu(|current| f(current))
    }
    // arc-swap's own `rcu` loop, stopping where `f` declines: a compare-and-swap against the
    // loaded value, retried with the value that beat it.
    #[inline]
    fn slot_update<T: Trace + 'static>(
        slot: &Self::Slot<T>,
        mut f: impl FnMut(&T) -> Option<Self::Ptr<T>>,
    ) -> Option<Self::Ptr<T>> {
        let mut current = slot.load();
        loop {
            let new = f(&current)?;
            let previous = slot.compare_and_swap(&*current, new);
            if std::sync::Arc::ptr_eq(&current, &previous) {
                return Some(Guard::into_inner(previous));
            }
            current = previous;
        }
    }
    #[inline]
    fn slot_trace<T: Trace + 'static, V: Visitor>(_: &Self::Slot<T>, _: &mut V) {}

    #[inline]
    fn option_new<T: Trace + 'static>(ptr: Option<Self::Ptr<T>>) -> Self::OptionSlot<T> {
        ArcSwapOption::new(ptr)
    }
    #[inline]
    fn option_read<T: Trace + 'static, R>(
        slot: &Self::OptionSlot<T>,
        f: impl FnOnce(Option<&T>) -> R,
    ) -> R {
        f(slot.load().as_deref())
    }
    #[inline]
    fn option_load<T: Trace + 'static>(slot: &Self::OptionSlot<T>) -> Option<Self::Ptr<T>> {
        slot.load_full()
    }
    #[inline]
    fn option_swap<T: Trace + 'static>(
        slot: &Self::OptionSlot<T>,
        new: Option<Self::Ptr<T>>,
    ) -> Option<Self::Ptr<T>> {
        slot.swap(new)
    }
    // As `slot_update`.
    #[inline]
    fn option_update<T: Trace + 'static>(
        slot: &Self::OptionSlot<T>,
        mut f: impl FnMut(Option<&T>) -> Option<Option<Self::Ptr<T>>>,
    ) -> Option<Option<Self::Ptr<T>>> {
        let address = |p: &Option<Self::Ptr<T>>| p.as_ref().map(std::sync::Arc::as_ptr);
        let mut current = slot.load();
        loop {
            let new = f(current.as_deref())?;
            let previous = slot.compare_and_swap(&*current, new);
            if address(&current) == address(&previous) {
                return Some(Guard::into_inner(previous));
            }
            current = previous;
        }
    }
    #[inline]
    fn option_trace<T: Trace + 'static, V: Visitor>(_: &Self::OptionSlot<T>, _: &mut V) {}
}

// SAFETY: `Arc<T>`, `Weak<T>`, `ArcSwap<T>` and `ArcSwapOption<T>` are `Send + Sync` when
// `T: Send + Sync`; `Mutex<T>` is `Send + Sync` when `T: Send`.
unsafe impl ThreadSafe for Arc {}

impl ThreadSafeBackend for Arc {
    #[inline]
    fn ptr_new<T: Trace + Send + Sync + 'static>(value: T) -> Self::Ptr<T> {
        std::sync::Arc::new(value)
    }
}
