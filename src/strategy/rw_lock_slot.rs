//! Slot operations shared by the two strategies whose cells are a std `RwLock` around the
//! pointer (`RwLockArc`, `SyncGc`), optional or not.
//!
//! A poisoned lock still holds a valid pointer: no operation here leaves it half-written, so
//! poisoning is ignored.

use std::sync::{PoisonError, RwLock};

/// Runs `f` on the pointer under the read lock.
#[inline]
pub(super) fn read<P, R>(slot: &RwLock<P>, f: impl FnOnce(&P) -> R) -> R {
    f(&slot.read().unwrap_or_else(PoisonError::into_inner))
}

/// Clones the pointer under the read lock.
#[inline]
pub(super) fn load<P: Clone>(slot: &RwLock<P>) -> P {
    read(slot, P::clone)
}

/// Replaces the pointer under the write lock; the old one is dropped by the caller, outside it.
#[inline]
pub(super) fn swap<P>(slot: &RwLock<P>, new: P) -> P {
    std::mem::replace(
        &mut *slot.write().unwrap_or_else(PoisonError::into_inner),
        new,
    )
}

/// Runs `f` once under the write lock and stores its result; returns the pointer replaced.
#[inline]
pub(super) fn rcu<P>(slot: &RwLock<P>, f: impl FnOnce(&P) -> P) -> P {
    let mut current = slot.write().unwrap_or_else(PoisonError::into_inner);
    let new = f(&current);
    std::mem::replace(&mut *current, new)
}

/// Runs `f` once under the write lock; stores its result if it is `Some` and returns the pointer
/// replaced, or leaves the slot untouched and returns `None`.
#[inline]
pub(super) fn update<P>(slot: &RwLock<P>, f: impl FnOnce(&P) -> Option<P>) -> Option<P> {
    let mut current = slot.write().unwrap_or_else(PoisonError::into_inner);
    let new = f(&current)?;
    Some(std::mem::replace(&mut *current, new))
}

/// Implements the slot and optional-slot halves of the raw backend (all but tracing) over the
/// functions above, for `Slot<T> = RwLock<Ptr<T>>` and `OptionSlot<T> = RwLock<Option<Ptr<T>>>`;
/// `|ptr| deref` turns a `&Ptr<T>` into the `&T` the closures see.
macro_rules! rw_lock_slot_ops {
    (|$ptr:ident| $deref:expr) => {
        #[inline]
        fn slot_new<T: Trace + 'static>(ptr: Self::Ptr<T>) -> Self::Slot<T> {
            std::sync::RwLock::new(ptr)
        }
        #[inline]
        fn slot_read<T: Trace + 'static, R>(slot: &Self::Slot<T>, f: impl FnOnce(&T) -> R) -> R {
            $crate::strategy::rw_lock_slot::read(slot, |$ptr| f($deref))
        }
        #[inline]
        fn slot_load<T: Trace + 'static>(slot: &Self::Slot<T>) -> Self::Ptr<T> {
            $crate::strategy::rw_lock_slot::load(slot)
        }
        #[inline]
        fn slot_swap<T: Trace + 'static>(slot: &Self::Slot<T>, new: Self::Ptr<T>) -> Self::Ptr<T> {
            $crate::strategy::rw_lock_slot::swap(slot, new)
        }
        #[inline]
        fn slot_rcu<T: Trace + 'static>(
            slot: &Self::Slot<T>,
            mut f: impl FnMut(&T) -> Self::Ptr<T>,
        ) -> Self::Ptr<T> {
            $crate::strategy::rw_lock_slot::rcu(slot, |$ptr| f($deref))
        }
        #[inline]
        fn slot_update<T: Trace + 'static>(
            slot: &Self::Slot<T>,
            mut f: impl FnMut(&T) -> Option<Self::Ptr<T>>,
        ) -> Option<Self::Ptr<T>> {
            $crate::strategy::rw_lock_slot::update(slot, |$ptr| f($deref))
        }

        #[inline]
        fn option_new<T: Trace + 'static>(ptr: Option<Self::Ptr<T>>) -> Self::OptionSlot<T> {
            std::sync::RwLock::new(ptr)
        }
        #[inline]
        fn option_read<T: Trace + 'static, R>(
            slot: &Self::OptionSlot<T>,
            f: impl FnOnce(Option<&T>) -> R,
        ) -> R {
            $crate::strategy::rw_lock_slot::read(slot, |ptr| f(ptr.as_ref().map(|$ptr| $deref)))
        }
        #[inline]
        fn option_load<T: Trace + 'static>(slot: &Self::OptionSlot<T>) -> Option<Self::Ptr<T>> {
            $crate::strategy::rw_lock_slot::load(slot)
        }
        #[inline]
        fn option_swap<T: Trace + 'static>(
            slot: &Self::OptionSlot<T>,
            new: Option<Self::Ptr<T>>,
        ) -> Option<Self::Ptr<T>> {
            $crate::strategy::rw_lock_slot::swap(slot, new)
        }
        #[inline]
        fn option_update<T: Trace + 'static>(
            slot: &Self::OptionSlot<T>,
            mut f: impl FnMut(Option<&T>) -> Option<Option<Self::Ptr<T>>>,
        ) -> Option<Option<Self::Ptr<T>>> {
            $crate::strategy::rw_lock_slot::update(slot, |ptr| f(ptr.as_ref().map(|$ptr| $deref)))
        }
    };
}

pub(super) use rw_lock_slot_ops;
