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
