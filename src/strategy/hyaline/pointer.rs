//! The pointer, weak pointer and slot types behind `Shared`, `Weak`, `Cell` and `OptionCell`,
//! and the raw operations on them.

use std::fmt;
use std::marker::PhantomData;
use std::mem::{self, ManuallyDrop};
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicPtr, Ordering};

use seize::Guard as _;

use super::local::{pin, tick};
use super::retire::{retire, Header, Object};
use super::Hyaline;
use crate::loom::{fence, AtomicUsize};
use crate::strategy::counted::{release_weak, strong, try_acquire_strong, weak, MAX_REFCOUNT};
use crate::strategy::mutex_lock::mutex_lock_ops;
use crate::strategy::raw::{Backend, ThreadSafeBackend};
use crate::trace::{Trace, Visitor};

/// The strong pointer behind [`Shared<Hyaline, T>`](crate::Shared).
pub(crate) struct HyalinePtr<T> {
    ptr: NonNull<Object<T>>,
    _owns: PhantomData<Object<T>>,
}

impl<T> HyalinePtr<T> {
    fn new(value: T) -> Self {
        let inner = Box::new(Object {
            strong: AtomicUsize::new(1),
            weak: AtomicUsize::new(1),
            header: Header::new(ptr::null_mut()),
            value: ManuallyDrop::new(value),
        });
        HyalinePtr {
            ptr: NonNull::from(Box::leak(inner)),
            _owns: PhantomData,
        }
    }

    /// Gives up the pointer without releasing its strong reference.
    fn into_raw(self) -> *mut Object<T> {
        let ptr = self.ptr.as_ptr();
        mem::forget(self);
        ptr
    }
}

/// The raw pointer an optional pointer becomes in a slot: its strong reference moves in.
fn into_raw<T>(ptr: Option<HyalinePtr<T>>) -> *mut Object<T> {
    ptr.map_or(ptr::null_mut(), HyalinePtr::into_raw)
}

/// Takes back the strong reference a slot held, if any.
///
/// # Safety
///
/// `raw` is null, or the caller owns a strong reference to it, which it gives up.
unsafe fn from_raw<T>(raw: *mut Object<T>) -> Option<HyalinePtr<T>> {
    NonNull::new(raw).map(|ptr| HyalinePtr {
        ptr,
        _owns: PhantomData,
    })
}

impl<T> Clone for HyalinePtr<T> {
    #[inline]
    fn clone(&self) -> Self {
        // Relaxed, as in `Arc::clone`: a new reference made from an existing one needs no
        // ordering; the existing one keeps the object alive meanwhile.
        // SAFETY: we hold a strong reference, so the allocation is live.
        let old = unsafe { strong(self.ptr) }.fetch_add(1, Ordering::Relaxed);
        if old > MAX_REFCOUNT {
            std::process::abort();
        }
        HyalinePtr {
            ptr: self.ptr,
            _owns: PhantomData,
        }
    }
}

impl<T> Drop for HyalinePtr<T> {
    #[inline]
    fn drop(&mut self) {
        // Release pairs with the Acquire fence below on whichever thread releases last, so every
        // use of the value through this reference happens before its drop.
        // SAFETY: we hold a strong reference, so the allocation is live; we give it up.
        if unsafe { strong(self.ptr) }.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        // Acquire pairs with the Release decrements of every other strong reference.
        fence(Ordering::Acquire);
        // SAFETY: the last strong reference went, after its Acquire fence.
        unsafe { retire(self.ptr) };
        // The final release is an operation: it counts towards the next flush.
        tick();
    }
}

impl<T> fmt::Debug for HyalinePtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HyalinePtr({:p})", self.ptr)
    }
}

// SAFETY: as for `std::sync::Arc<T>`: the counts are atomic, the value is shared only as `&T`
// (`Sync`) and may be dropped on any thread (`Send`).
unsafe impl<T: Send + Sync> Send for HyalinePtr<T> {}
// SAFETY: as for `Send`.
unsafe impl<T: Send + Sync> Sync for HyalinePtr<T> {}

/// The weak pointer behind [`Weak<Hyaline, T>`](crate::Weak): keeps the allocation, not the
/// value.
pub(crate) struct HyalineWeak<T> {
    ptr: NonNull<Object<T>>,
    _owns: PhantomData<Object<T>>,
}

impl<T> HyalineWeak<T> {
    /// A new weak reference to the object `ptr` points to.
    ///
    /// # Safety
    ///
    /// The caller holds a strong or weak reference to `ptr`.
    unsafe fn new(ptr: NonNull<Object<T>>) -> Self {
        // Relaxed, as in `Arc::downgrade`: an existing reference keeps the allocation alive.
        // SAFETY: the caller's reference keeps the allocation live.
        let old = unsafe { weak(ptr) }.fetch_add(1, Ordering::Relaxed);
        if old > MAX_REFCOUNT {
            std::process::abort();
        }
        HyalineWeak {
            ptr,
            _owns: PhantomData,
        }
    }
}

impl<T> Drop for HyalineWeak<T> {
    fn drop(&mut self) {
        // SAFETY: we own this weak reference and give it up.
        unsafe { release_weak(self.ptr) };
    }
}

impl<T> fmt::Debug for HyalineWeak<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HyalineWeak({:p})", self.ptr)
    }
}

// SAFETY: as for `std::sync::Weak<T>`: it only touches the atomic counts, and upgrades to a
// `HyalinePtr<T>`, which is `Send + Sync` under the same bounds.
unsafe impl<T: Send + Sync> Send for HyalineWeak<T> {}
// SAFETY: as for `Send`.
unsafe impl<T: Send + Sync> Sync for HyalineWeak<T> {}

/// The slot behind [`Cell<Hyaline, T>`](crate::Cell) (never null) and
/// [`OptionCell<Hyaline, T>`](crate::OptionCell) (null when empty): an `AtomicPtr` holding one
/// strong reference, loaded through a seize guard.
pub(crate) struct HyalineSlot<T> {
    atomic: AtomicPtr<Object<T>>,
}

impl<T> HyalineSlot<T> {
    fn new(ptr: Option<HyalinePtr<T>>) -> Self {
        HyalineSlot {
            atomic: AtomicPtr::new(into_raw(ptr)),
        }
    }

    #[inline]
    fn read<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        let guard = pin();
        // `protect` loads with at least Acquire (it strengthens the ordering to what seize's
        // barriers need), pairing with the Release half of the swap or compare-exchange that
        // stored the pointer: the value's initialisation is visible.
        let current = guard.0.protect(&self.atomic, Ordering::Acquire);
        // SAFETY: null, or an object that was in the slot while this thread was active: its
        // retirement comes after, so seize reclaims it only once `guard` is dropped; the value
        // outlives the borrow, which `f` cannot keep.
        let result = f(unsafe { current.as_ref() }.map(|inner| &*inner.value));
        drop(guard);
        tick();
        result
    }

    #[inline]
    fn load(&self) -> Option<HyalinePtr<T>> {
        let guard = pin();
        let loaded = loop {
            // As in `read`.
            let Some(ptr) = NonNull::new(guard.0.protect(&self.atomic, Ordering::Acquire)) else {
                break None;
            };
            // SAFETY: reached from the slot while active: the allocation is live until `guard`
            // drops (its implicit weak is released only by the deferred drop).
            if unsafe { try_acquire_strong(ptr) } {
                break Some(HyalinePtr {
                    ptr,
                    _owns: PhantomData,
                });
            }
            // The count reached zero: the object left the slot after our load. Load again.
        };
        drop(guard);
        tick();
        loaded
    }

    #[inline]
    fn swap(&self, new: Option<HyalinePtr<T>>) -> Option<HyalinePtr<T>> {
        // AcqRel: Release publishes the new value to readers' Acquire loads; Acquire makes the
        // old value's initialisation, published by its own store, visible to the caller who now
        // owns it. No guard: nothing is dereferenced.
        let old = self.atomic.swap(into_raw(new), Ordering::AcqRel);
        tick();
        // SAFETY: the slot's strong reference to the old value moves to the caller.
        unsafe { from_raw(old) }
    }

    #[inline]
    #[allow(clippy::option_option)]
    fn update(
        &self,
        mut f: impl FnMut(Option<&T>) -> Option<Option<HyalinePtr<T>>>,
    ) -> Option<Option<HyalinePtr<T>>> {
        let guard = pin();
        // As in `read`.
        let mut current = guard.0.protect(&self.atomic, Ordering::Acquire);
        let replaced = loop {
            // SAFETY: as in `read`: null, or alive while `guard` is held.
            let Some(new) = f(unsafe { current.as_ref() }.map(|inner| &*inner.value)) else {
                break None;
            };
            let new = into_raw(new);
            // Success AcqRel as in `swap`; failure SeqCst, the ordering of `protect`, because
            // the value seen is dereferenced by the next attempt under the same guard.
            match self
                .atomic
                .compare_exchange(current, new, Ordering::AcqRel, Ordering::SeqCst)
            {
                // SAFETY: the slot's strong reference to the old value moves to the caller.
                Ok(_) => break Some(unsafe { from_raw(current) }),
                Err(seen) => {
                    // SAFETY: `new` was not stored; its strong reference, if any, is still ours.
                    drop(unsafe { from_raw(new) });
                    current = seen;
                }
            }
        };
        drop(guard);
        tick();
        replaced
    }
}

impl<T> Drop for HyalineSlot<T> {
    fn drop(&mut self) {
        // `get_mut`: `&mut self` means no other thread can access the slot.
        // SAFETY: the slot holds one strong reference to its pointer, if not null; we give it up.
        drop(unsafe { from_raw(*self.atomic.get_mut()) });
    }
}

impl<T> fmt::Debug for HyalineSlot<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HyalineSlot")
    }
}

/// A never-null slot's pointer.
#[inline]
fn present<T>(ptr: Option<HyalinePtr<T>>) -> HyalinePtr<T> {
    match ptr {
        Some(ptr) => ptr,
        // A `Cell`'s slot is built from a pointer and only ever swapped for another.
        None => unreachable!("a Hyaline cell's slot is never null"),
    }
}

impl Backend for Hyaline {
    type Ptr<T: Trace + 'static> = HyalinePtr<T>;
    type WeakPtr<T: Trace + 'static> = HyalineWeak<T>;
    type Slot<T: Trace + 'static> = HyalineSlot<T>;
    type OptionSlot<T: Trace + 'static> = HyalineSlot<T>;

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
        unsafe { HyalineWeak::new(ptr.ptr) }
    }
    #[inline]
    fn upgrade<T: Trace + 'static>(weak: &Self::WeakPtr<T>) -> Option<Self::Ptr<T>> {
        // SAFETY: the weak reference keeps the allocation live.
        unsafe { try_acquire_strong(weak.ptr) }.then(|| HyalinePtr {
            ptr: weak.ptr,
            _owns: PhantomData,
        })
    }
    #[inline]
    fn weak_clone<T: Trace + 'static>(weak: &Self::WeakPtr<T>) -> Self::WeakPtr<T> {
        // SAFETY: `weak` is a weak reference.
        unsafe { HyalineWeak::new(weak.ptr) }
    }
    #[inline]
    fn weak_trace<T: Trace + 'static, V: Visitor>(_: &Self::WeakPtr<T>, _: &mut V) {}

    #[inline]
    fn slot_new<T: Trace + 'static>(ptr: Self::Ptr<T>) -> Self::Slot<T> {
        HyalineSlot::new(Some(ptr))
    }
    #[inline]
    fn slot_read<T: Trace + 'static, R>(slot: &Self::Slot<T>, f: impl FnOnce(&T) -> R) -> R {
        slot.read(|value| match value {
            Some(value) => f(value),
            None => unreachable!("a Hyaline cell's slot is never null"),
        })
    }
    #[inline]
    fn slot_load<T: Trace + 'static>(slot: &Self::Slot<T>) -> Self::Ptr<T> {
        present(slot.load())
    }
    #[inline]
    fn slot_swap<T: Trace + 'static>(slot: &Self::Slot<T>, new: Self::Ptr<T>) -> Self::Ptr<T> {
        present(slot.swap(Some(new)))
    }
    #[inline]
    fn slot_rcu<T: Trace + 'static>(
        slot: &Self::Slot<T>,
        mut f: impl FnMut(&T) -> Self::Ptr<T>,
    ) -> Self::Ptr<T> {
        let replaced = slot.update(|value| match value {
            Some(value) => Some(Some(f(value))),
            None => unreachable!("a Hyaline cell's slot is never null"),
        });
        present(replaced.flatten())
    }
    #[inline]
    fn slot_update<T: Trace + 'static>(
        slot: &Self::Slot<T>,
        mut f: impl FnMut(&T) -> Option<Self::Ptr<T>>,
    ) -> Option<Self::Ptr<T>> {
        slot.update(|value| match value {
            Some(value) => f(value).map(Some),
            None => unreachable!("a Hyaline cell's slot is never null"),
        })
        .map(present)
    }
    #[inline]
    fn slot_trace<T: Trace + 'static, V: Visitor>(_: &Self::Slot<T>, _: &mut V) {}

    #[inline]
    fn option_new<T: Trace + 'static>(ptr: Option<Self::Ptr<T>>) -> Self::OptionSlot<T> {
        HyalineSlot::new(ptr)
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
    fn option_update<T: Trace + 'static>(
        slot: &Self::OptionSlot<T>,
        f: impl FnMut(Option<&T>) -> Option<Option<Self::Ptr<T>>>,
    ) -> Option<Option<Self::Ptr<T>>> {
        slot.update(f)
    }
    #[inline]
    fn option_trace<T: Trace + 'static, V: Visitor>(_: &Self::OptionSlot<T>, _: &mut V) {}
}

impl ThreadSafeBackend for Hyaline {
    #[inline]
    fn ptr_new<T: Trace + Send + Sync + 'static>(value: T) -> Self::Ptr<T> {
        HyalinePtr::new(value)
    }
}
