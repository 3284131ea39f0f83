//! The optional slot behind [`OptionCell<Epoch, T>`](crate::OptionCell): the cell's crossbeam
//! `Atomic`, nullable. Null is the empty slot (no allocation); a non-null pointer is one strong
//! reference, exactly as in the never-null [`EpochSlot`](super::pointer::EpochSlot). Every
//! operation is the slot's, with a null check before anything touches the object.

use std::fmt;
use std::ptr::{self, NonNull};
use std::sync::atomic::Ordering;

use crossbeam_epoch::{self as cb, Atomic};

use super::flush::tick;
use super::object::{try_acquire_strong, Inner};
use super::pointer::EpochPtr;

/// The optional slot: a crossbeam `Atomic` holding one strong reference, or null.
pub(crate) struct EpochOptionSlot<T> {
    pub(super) atomic: Atomic<Inner<T>>,
}

/// The raw pointer an optional pointer becomes in the slot: its strong reference moves in.
fn into_raw<T>(ptr: Option<EpochPtr<T>>) -> *const Inner<T> {
    ptr.map_or(ptr::null(), EpochPtr::into_raw)
}

/// Takes back the strong reference a slot held, if any.
///
/// # Safety
///
/// `raw` is null, or the caller owns a strong reference to it, which it gives up.
unsafe fn from_raw<T>(raw: *const Inner<T>) -> Option<EpochPtr<T>> {
    // SAFETY: non-null here, and the caller owns the reference.
    (!raw.is_null()).then(|| unsafe { EpochPtr::from_raw(raw) })
}

impl<T> EpochOptionSlot<T> {
    pub(super) fn new(ptr: Option<EpochPtr<T>>) -> Self {
        EpochOptionSlot {
            atomic: Atomic::from(into_raw(ptr)),
        }
    }

    #[inline]
    pub(super) fn read<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        let guard = cb::pin();
        // Acquire pairs with the Release half of the swap or compare-exchange that stored the
        // pointer, as in `EpochSlot`'s read: the value's initialisation is visible.
        let current = self.atomic.load(Ordering::Acquire, &guard);
        // SAFETY: null or an object that was in the slot while this thread was pinned: its
        // retirement, if any, comes after this pin and its drop waits for `guard`.
        let value = unsafe { current.as_ref() }.map(|inner| &*inner.value);
        let result = f(value);
        tick(&guard, false);
        result
    }

    #[inline]
    pub(super) fn load(&self) -> Option<EpochPtr<T>> {
        let guard = cb::pin();
        loop {
            // Acquire: as in `read`.
            let current = self.atomic.load(Ordering::Acquire, &guard);
            let Some(ptr) = NonNull::new(current.as_raw().cast_mut()) else {
                tick(&guard, false);
                return None;
            };
            // SAFETY: reached from the slot while pinned: the allocation is live until `guard`
            // drops (its implicit weak is released only by the deferred drop).
            if unsafe { try_acquire_strong(ptr) } {
                tick(&guard, false);
                // SAFETY: the strong reference just taken is ours.
                return Some(unsafe { EpochPtr::from_raw(ptr.as_ptr()) });
            }
            // The count reached zero: the object left the slot after our load. Load again.
        }
    }

    #[inline]
    pub(super) fn swap(&self, new: Option<EpochPtr<T>>) -> Option<EpochPtr<T>> {
        let guard = cb::pin();
        // AcqRel, as in `EpochSlot`'s swap: Release publishes the new value to readers' Acquire
        // loads; Acquire makes the old value's initialisation visible to the caller who now owns
        // it.
        let old = self
            .atomic
            .swap(cb::Shared::from(into_raw(new)), Ordering::AcqRel, &guard);
        tick(&guard, false);
        // SAFETY: the slot's strong reference to the old value, if any, moves to the caller.
        unsafe { from_raw(old.as_raw()) }
    }

    #[inline]
    pub(super) fn store(&self, new: Option<EpochPtr<T>>) {
        // One pin for the swap and the release, as in `EpochSlot`'s store.
        let guard = cb::pin();
        // AcqRel: as in `swap`.
        let old = self
            .atomic
            .swap(cb::Shared::from(into_raw(new)), Ordering::AcqRel, &guard);
        tick(&guard, false);
        // SAFETY: the slot's strong reference to the old value, if any, moves to us.
        if let Some(old) = unsafe { from_raw(old.as_raw()) } {
            old.release_under(&guard);
        }
    }

    #[allow(clippy::option_option)]
    #[inline]
    pub(super) fn update(
        &self,
        mut f: impl FnMut(Option<&T>) -> Option<Option<EpochPtr<T>>>,
    ) -> Option<Option<EpochPtr<T>>> {
        let guard = cb::pin();
        // Acquire: as in `read`.
        let mut current = self.atomic.load(Ordering::Acquire, &guard);
        loop {
            // SAFETY: as in `read`: null, or alive while `guard` is held.
            let Some(new) = f(unsafe { current.as_ref() }.map(|inner| &*inner.value)) else {
                tick(&guard, false);
                return None;
            };
            let new = into_raw(new);
            // Success AcqRel as in `swap`; failure Acquire because the value seen is read by the
            // next attempt.
            match self.atomic.compare_exchange(
                current,
                cb::Shared::from(new),
                Ordering::AcqRel,
                Ordering::Acquire,
                &guard,
            ) {
                Ok(_) => {
                    tick(&guard, false);
                    // SAFETY: the slot's strong reference to the old value moves to the caller.
                    return Some(unsafe { from_raw(current.as_raw()) });
                }
                Err(error) => {
                    // SAFETY: `new` was not stored; its strong reference, if any, is still ours.
                    drop(unsafe { from_raw(new) });
                    current = error.current;
                }
            }
        }
    }
}

impl<T> Drop for EpochOptionSlot<T> {
    fn drop(&mut self) {
        // Relaxed: `&mut self` means no other thread can access the slot; whatever gave us
        // exclusive access ordered their stores before this.
        // SAFETY: `unprotected` is only used to read the pointer, not to dereference it.
        let current = self
            .atomic
            .load(Ordering::Relaxed, unsafe { cb::unprotected() });
        // SAFETY: the slot holds one strong reference to its pointer, if not null; we give it up.
        drop(unsafe { from_raw(current.as_raw()) });
    }
}

impl<T> fmt::Debug for EpochOptionSlot<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EpochOptionSlot")
    }
}
