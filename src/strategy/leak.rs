//! [`Leak`]: leaked boxes, never reclaimed.
//!
//! # How it reclaims
//! It does not. Every object is a leaked `Box`, pointers are `&'static T`, and a cell is an
//! atomic pointer whose old values are dropped on the floor.
//!
//! # When it is the right choice
//! Never in production. It is the "no reclamation" baseline: the upper bound on speed (no
//! refcount, no deferral, no tracing) and the worst case for memory. Every other strategy's
//! throughput is read against it.
//!
//! # Traps
//! - Memory grows with every allocation until the process exits; `Drop` never runs.
//! - [`Weak`](crate::Weak) is a strong pointer (nothing is ever freed anyway).

use std::sync::atomic::{AtomicPtr, Ordering};

use super::mutex_lock::mutex_lock_ops;
use super::raw::{Backend, ThreadSafeBackend};
use super::{strategy_marker, strong_back_edge_ops, BackEdge, Strategy, ThreadSafe};
use crate::trace::{Trace, Visitor};

/// The `Leak` strategy: `&'static T` pointers from leaked boxes. See the [module docs](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Leak;

strategy_marker!(Leak);

/// Reads a slot's pointer back as the `&'static T` it was made from.
#[inline]
fn as_static<T>(ptr: *mut T) -> &'static T {
    // SAFETY: every pointer stored in a `Leak` slot comes from a `&'static T` (a leaked box or a
    // reference to a static); nothing is ever freed, and no one writes through it.
    unsafe { &*ptr }
}

#[inline]
fn as_raw<T>(ptr: &'static T) -> *mut T {
    std::ptr::from_ref(ptr).cast_mut()
}

/// Reads an optional slot's pointer back: null is `None`.
#[inline]
fn as_option<T>(ptr: *mut T) -> Option<&'static T> {
    // SAFETY: every non-null pointer stored in a `Leak` optional slot comes from a `&'static T`,
    // as in `as_static`.
    unsafe { ptr.as_ref() }
}

#[inline]
fn option_raw<T>(ptr: Option<&'static T>) -> *mut T {
    ptr.map_or(std::ptr::null_mut(), as_raw)
}

impl Strategy for Leak {
    type Kind = super::kind::AnyThread;
    const NAME: &'static str = "Leak";
    const THREAD_SAFE: bool = true;
    const FREES_MEMORY: bool = false;
    const RECLAIMS_CYCLES: bool = false;
    const BACK_EDGE: BackEdge = BackEdge::Strong;

    #[inline]
    fn collect() {}

    #[inline]
    fn on_park() {}
}

impl Backend for Leak {
    type Ptr<T: Trace + 'static> = &'static T;
    type WeakPtr<T: Trace + 'static> = &'static T;
    type Slot<T: Trace + 'static> = AtomicPtr<T>;
    type OptionSlot<T: Trace + 'static> = AtomicPtr<T>;

    mutex_lock_ops!();

    #[inline]
    fn ptr_clone<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> Self::Ptr<T> {
        ptr
    }
    #[inline]
    fn ptr_deref<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> &T {
        ptr
    }
    #[inline]
    fn ptr_eq<T: Trace + 'static>(a: &Self::Ptr<T>, b: &Self::Ptr<T>) -> bool {
        std::ptr::eq(*a, *b)
    }
    #[inline]
    fn ptr_trace<T: Trace + 'static, V: Visitor>(_: &Self::Ptr<T>, _: &mut V) {}

    strong_back_edge_ops!();

    #[inline]
    fn slot_new<T: Trace + 'static>(ptr: Self::Ptr<T>) -> Self::Slot<T> {
        AtomicPtr::new(as_raw(ptr))
    }
    // Acquire pairs with the Release (or AcqRel) of the store that published the pointer, so
    // the pointee's initialisation is visible.
    #[inline]
    fn slot_read<T: Trace + 'static, R>(slot: &Self::Slot<T>, f: impl FnOnce(&T) -> R) -> R {
        f(as_static(slot.load(Ordering::Acquire)))
    }
    #[inline]
    fn slot_load<T: Trace + 'static>(slot: &Self::Slot<T>) -> Self::Ptr<T> {
        as_static(slot.load(Ordering::Acquire))
    }
    // AcqRel: Release publishes `new`'s pointee to later loads; Acquire makes the returned old
    // pointee's initialisation visible to the caller.
    #[inline]
    fn slot_swap<T: Trace + 'static>(slot: &Self::Slot<T>, new: Self::Ptr<T>) -> Self::Ptr<T> {
        as_static(slot.swap(as_raw(new), Ordering::AcqRel))
    }
    // Success AcqRel as for `swap`; failure Acquire because the value seen is read next.
    #[inline]
    fn slot_rcu<T: Trace + 'static>(
        slot: &Self::Slot<T>,
        mut f: impl FnMut(&T) -> Self::Ptr<T>,
    ) -> Self::Ptr<T> {
        let mut current = slot.load(Ordering::Acquire);
        loop {
            let new = as_raw(f(as_static(current)));
            match slot.compare_exchange_weak(current, new, Ordering::AcqRel, Ordering::Acquire) {
                Ok(old) => return as_static(old),
                Err(seen) => current = seen,
            }
        }
    }
    // Orderings as in `slot_rcu`.
    #[inline]
    fn slot_update<T: Trace + 'static>(
        slot: &Self::Slot<T>,
        mut f: impl FnMut(&T) -> Option<Self::Ptr<T>>,
    ) -> Option<Self::Ptr<T>> {
        let mut current = slot.load(Ordering::Acquire);
        loop {
            let new = as_raw(f(as_static(current))?);
            match slot.compare_exchange_weak(current, new, Ordering::AcqRel, Ordering::Acquire) {
                Ok(old) => return Some(as_static(old)),
                Err(seen) => current = seen,
            }
        }
    }
    #[inline]
    fn slot_trace<T: Trace + 'static, V: Visitor>(_: &Self::Slot<T>, _: &mut V) {}

    #[inline]
    fn option_new<T: Trace + 'static>(ptr: Option<Self::Ptr<T>>) -> Self::OptionSlot<T> {
        AtomicPtr::new(option_raw(ptr))
    }
    // Acquire pairs with the Release (or AcqRel) of the store that published the pointer.
    #[inline]
    fn option_read<T: Trace + 'static, R>(
        slot: &Self::OptionSlot<T>,
        f: impl FnOnce(Option<&T>) -> R,
    ) -> R {
        f(as_option(slot.load(Ordering::Acquire)))
    }
    // Acquire: as in `option_read`.
    #[inline]
    fn option_load<T: Trace + 'static>(slot: &Self::OptionSlot<T>) -> Option<Self::Ptr<T>> {
        as_option(slot.load(Ordering::Acquire))
    }
    // AcqRel: as in `slot_swap`.
    #[inline]
    fn option_swap<T: Trace + 'static>(
        slot: &Self::OptionSlot<T>,
        new: Option<Self::Ptr<T>>,
    ) -> Option<Self::Ptr<T>> {
        as_option(slot.swap(option_raw(new), Ordering::AcqRel))
    }
    // Orderings as in `slot_rcu`: success AcqRel publishes the new pointee and acquires the old
    // one; failure Acquire because the value seen is read next.
    #[inline]
    fn option_update<T: Trace + 'static>(
        slot: &Self::OptionSlot<T>,
        mut f: impl FnMut(Option<&T>) -> Option<Option<Self::Ptr<T>>>,
    ) -> Option<Option<Self::Ptr<T>>> {
        let mut current = slot.load(Ordering::Acquire);
        loop {
            let new = option_raw(f(as_option(current))?);
            match slot.compare_exchange_weak(current, new, Ordering::AcqRel, Ordering::Acquire) {
                Ok(old) => return Some(as_option(old)),
                Err(seen) => current = seen,
            }
        }
    }
    #[inline]
    fn option_trace<T: Trace + 'static, V: Visitor>(_: &Self::OptionSlot<T>, _: &mut V) {}
}

// SAFETY: `&'static T` and `AtomicPtr<T>` holding such references (or null) are `Send + Sync`
// when `T: Sync`, which `T: Send + Sync` implies; `Mutex<T>` is `Send + Sync` when `T: Send`.
unsafe impl ThreadSafe for Leak {}

impl ThreadSafeBackend for Leak {
    #[inline]
    fn ptr_new<T: Trace + Send + Sync + 'static>(value: T) -> Self::Ptr<T> {
        Box::leak(Box::new(value))
    }
}
