//! The pointer, weak pointer and slot types behind `Shared`, `Weak` and `Cell`, and the raw
//! operations on them.

use std::fmt;
use std::marker::PhantomData;
use std::mem::{self, ManuallyDrop};
use std::ptr::NonNull;
use std::sync::atomic::Ordering;

use crossbeam_epoch::{self as cb, Atomic};

use super::flush::tick;
use super::object::{release_weak, strong, try_acquire_strong, weak, Inner, MAX_REFCOUNT};
use super::option::EpochOptionSlot;
use super::retire::retire;
use super::Epoch;
use crate::loom::{fence, AtomicUsize};
use crate::strategy::mutex_lock::mutex_lock_ops;
use crate::strategy::raw::{Backend, ThreadSafeBackend};
use crate::trace::{Trace, Visitor};

/// The strong pointer behind [`Shared<Epoch, T>`](crate::Shared).
pub(crate) struct EpochPtr<T> {
    ptr: NonNull<Inner<T>>,
    _owns: PhantomData<Inner<T>>,
}

impl<T> EpochPtr<T> {
    pub(super) fn new(value: T) -> Self {
        let inner = Box::new(Inner {
            strong: AtomicUsize::new(1),
            weak: AtomicUsize::new(1),
            header: (),
            value: ManuallyDrop::new(value),
        });
        EpochPtr {
            ptr: NonNull::from(Box::leak(inner)),
            _owns: PhantomData,
        }
    }

    /// Gives up the pointer without releasing its strong reference.
    pub(super) fn into_raw(self) -> *const Inner<T> {
        let ptr = self.ptr.as_ptr();
        mem::forget(self);
        ptr
    }

    /// Takes ownership of one strong reference to `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` is non-null and the caller owns a strong reference to it, which it gives up.
    pub(super) unsafe fn from_raw(ptr: *const Inner<T>) -> Self {
        EpochPtr {
            // SAFETY: the caller guarantees `ptr` is non-null.
            ptr: unsafe { NonNull::new_unchecked(ptr.cast_mut()) },
            _owns: PhantomData,
        }
    }
}

impl<T> EpochPtr<T> {
    /// Gives up this strong reference; if it was the last, retires the object under `guard`
    /// and counts the release as an epoch operation, as [`Drop`] does under a pin of its own.
    /// For callers that are pinned already: a store releases the old value under the pin of
    /// its swap.
    #[inline]
    pub(super) fn release_under(self, guard: &cb::Guard) {
        let ptr = ManuallyDrop::new(self).ptr;
        // SAFETY: `ManuallyDrop` keeps `Drop` from giving up the same reference again.
        if unsafe { release_strong(ptr) } {
            // SAFETY: the last strong reference went, after its Acquire fence.
            unsafe { retire(ptr, guard) };
            tick(guard, true);
        }
    }
}

/// Gives up one strong reference to `ptr`; `true` when it was the last, after the Acquire fence
/// that makes every other holder's use of the value happen before what the caller does next.
///
/// # Safety
///
/// The caller owns a strong reference to `ptr` and gives it up.
#[inline]
unsafe fn release_strong<T>(ptr: NonNull<Inner<T>>) -> bool {
    // Release pairs with the Acquire fence below on whichever thread releases last, so every
    // use of the value through this reference happens before its drop.
    // SAFETY: the caller's strong reference keeps the allocation live.
    if unsafe { strong(ptr) }.fetch_sub(1, Ordering::Release) != 1 {
        return false;
    }
    // Acquire pairs with the Release decrements of every other strong reference.
    fence(Ordering::Acquire);
    true
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
        // SAFETY: we hold a strong reference and give it up.
        if unsafe { release_strong(self.ptr) } {
            let guard = cb::pin();
            // SAFETY: the last strong reference went, after its Acquire fence.
            unsafe { retire(self.ptr, &guard) };
            tick(&guard, true);
        }
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
pub(crate) struct EpochWeak<T> {
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
pub(crate) struct EpochSlot<T> {
    pub(super) atomic: Atomic<Inner<T>>,
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

impl Backend for Epoch {
    type Ptr<T: Trace + 'static> = EpochPtr<T>;
    type WeakPtr<T: Trace + 'static> = EpochWeak<T>;
    type Slot<T: Trace + 'static> = EpochSlot<T>;
    type OptionSlot<T: Trace + 'static> = EpochOptionSlot<T>;

    mutex_lock_ops!();

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
    fn slot_store<T: Trace + 'static>(slot: &Self::Slot<T>, new: Self::Ptr<T>) {
        // One pin for the swap and the release of the old value; the same orderings and
        // operation counts as `slot_swap` followed by a drop.
        let guard = cb::pin();
        // AcqRel: as in `slot_swap`.
        let old = slot
            .atomic
            .swap(cb::Shared::from(new.into_raw()), Ordering::AcqRel, &guard);
        tick(&guard, false);
        // SAFETY: the slot's strong reference to the old value moves to us.
        unsafe { EpochPtr::from_raw(old.as_raw()) }.release_under(&guard);
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
    fn slot_update<T: Trace + 'static>(
        slot: &Self::Slot<T>,
        mut f: impl FnMut(&T) -> Option<Self::Ptr<T>>,
    ) -> Option<Self::Ptr<T>> {
        let guard = cb::pin();
        // Acquire: as in `slot_read`.
        let mut current = slot.atomic.load(Ordering::Acquire, &guard);
        loop {
            // SAFETY: as in `slot_read`: never null, and alive while `guard` is held.
            let Some(new) = f(unsafe { &current.deref().value }) else {
                tick(&guard, false);
                return None;
            };
            let new = new.into_raw();
            // Orderings as in `slot_rcu`.
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
                    return Some(unsafe { EpochPtr::from_raw(current.as_raw()) });
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

    #[inline]
    fn option_new<T: Trace + 'static>(ptr: Option<Self::Ptr<T>>) -> Self::OptionSlot<T> {
        EpochOptionSlot::new(ptr)
    }
    #[inline]
    fn option_read<T: Trace + 'static, R>(
        slot: &Self::OptionSlot<T>,
        f: impl FnOnce(Option<&T>) -> R,
    ) -> R {
        slot.read(f)
    }
    #[inline]
    fn option_load<T: Trace + 'static>(slot: &Self::OptionSlot<T>) -> Option<Self::Ptr<T>> {
        slot.load()
    }
    #[inline]
    fn option_swap<T: Trace + 'static>(
        slot: &Self::OptionSlot<T>,
        new: Option<Self::Ptr<T>>,
    ) -> Option<Self::Ptr<T>> {
        slot.swap(new)
    }
    #[inline]
    fn option_store<T: Trace + 'static>(slot: &Self::OptionSlot<T>, new: Option<Self::Ptr<T>>) {
        slot.store(new);
    }
    #[inline]
    fn option_update<T: Trace + 'static>(
        slot: &Self::OptionSlot<T>,
        f: impl FnMut(Option<&T>) -> Option<Option<Self::Ptr<T>>>,
    ) -> Option<Option<Self::Ptr<T>>> {
        slot.update(f)
    }
    #[inline]
    fn option_trace<T: Trace + 'static, V: Visitor>(_: &Self::OptionSlot<T>, _: &mut V) {}
}

impl ThreadSafeBackend for Epoch {
    #[inline]
    fn ptr_new<T: Trace + Send + Sync + 'static>(value: T) -> Self::Ptr<T> {
        EpochPtr::new(value)
    }
}
