//! The pointer, weak pointer and slot types behind `Shared`, `Weak`, `Cell` and `OptionCell` of
//! a deferred strategy, generic over its [`Domain`], and [`deferred_backend!`], which maps a
//! strategy's raw operations onto them.

use std::fmt;
use std::marker::PhantomData;
use std::mem::{self, ManuallyDrop};
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicPtr, Ordering};

use super::{retire, Domain, Header, Object};
use crate::loom::{fence, AtomicUsize};
use crate::strategy::counted::{release_weak, strong, try_acquire_strong, weak, MAX_REFCOUNT};

/// The strong pointer behind [`Shared<S, T>`](crate::Shared) of a deferred strategy.
pub(crate) struct DeferredPtr<D: Domain, T> {
    ptr: NonNull<Object<T>>,
    _owns: PhantomData<(Object<T>, D)>,
}

impl<D: Domain, T> DeferredPtr<D, T> {
    pub(crate) fn new(value: T) -> Self {
        let inner = Box::new(Object {
            strong: AtomicUsize::new(1),
            weak: AtomicUsize::new(1),
            header: Header::new(ptr::null_mut()),
            value: ManuallyDrop::new(value),
        });
        DeferredPtr {
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
fn into_raw<D: Domain, T>(ptr: Option<DeferredPtr<D, T>>) -> *mut Object<T> {
    ptr.map_or(ptr::null_mut(), DeferredPtr::into_raw)
}

/// Takes back the strong reference a slot held, if any.
///
/// # Safety
///
/// `raw` is null, or the caller owns a strong reference to it, which it gives up.
unsafe fn from_raw<D: Domain, T>(raw: *mut Object<T>) -> Option<DeferredPtr<D, T>> {
    NonNull::new(raw).map(|ptr| DeferredPtr {
        ptr,
        _owns: PhantomData,
    })
}

impl<D: Domain, T> Clone for DeferredPtr<D, T> {
    #[inline]
    fn clone(&self) -> Self {
        // Relaxed, as in `Arc::clone`: a new reference made from an existing one needs no
        // ordering; the existing one keeps the object alive meanwhile.
        // SAFETY: we hold a strong reference, so the allocation is live.
        let old = unsafe { strong(self.ptr) }.fetch_add(1, Ordering::Relaxed);
        if old > MAX_REFCOUNT {
            std::process::abort();
        }
        DeferredPtr {
            ptr: self.ptr,
            _owns: PhantomData,
        }
    }
}

impl<D: Domain, T> Drop for DeferredPtr<D, T> {
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
        unsafe { retire::<D, T>(self.ptr) };
        // The final release is an operation: it counts towards the next flush.
        D::tick();
    }
}

impl<D: Domain, T> fmt::Debug for DeferredPtr<D, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeferredPtr({:p})", self.ptr)
    }
}

// SAFETY: as for `std::sync::Arc<T>`: the counts are atomic, the value is shared only as `&T`
// (`Sync`) and may be dropped on any thread (`Send`).
unsafe impl<D: Domain, T: Send + Sync> Send for DeferredPtr<D, T> {}
// SAFETY: as for `Send`.
unsafe impl<D: Domain, T: Send + Sync> Sync for DeferredPtr<D, T> {}

/// The weak pointer behind [`Weak<S, T>`](crate::Weak) of a deferred strategy: keeps the
/// allocation, not the value.
pub(crate) struct DeferredWeak<D: Domain, T> {
    ptr: NonNull<Object<T>>,
    _owns: PhantomData<(Object<T>, D)>,
}

impl<D: Domain, T> DeferredWeak<D, T> {
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
        DeferredWeak {
            ptr,
            _owns: PhantomData,
        }
    }
}

impl<D: Domain, T> Drop for DeferredWeak<D, T> {
    fn drop(&mut self) {
        // SAFETY: we own this weak reference and give it up.
        unsafe { release_weak(self.ptr) };
    }
}

impl<D: Domain, T> fmt::Debug for DeferredWeak<D, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeferredWeak({:p})", self.ptr)
    }
}

// SAFETY: as for `std::sync::Weak<T>`: it only touches the atomic counts, and upgrades to a
// `DeferredPtr<D, T>`, which is `Send + Sync` under the same bounds.
unsafe impl<D: Domain, T: Send + Sync> Send for DeferredWeak<D, T> {}
// SAFETY: as for `Send`.
unsafe impl<D: Domain, T: Send + Sync> Sync for DeferredWeak<D, T> {}

/// The slot behind [`Cell<S, T>`](crate::Cell) (never null) and
/// [`OptionCell<S, T>`](crate::OptionCell) (null when empty) of a deferred strategy: an
/// `AtomicPtr` holding one strong reference, loaded under the domain's protection.
pub(crate) struct DeferredSlot<D: Domain, T> {
    atomic: AtomicPtr<Object<T>>,
    _domain: PhantomData<D>,
}

impl<D: Domain, T> DeferredSlot<D, T> {
    pub(crate) fn new(ptr: Option<DeferredPtr<D, T>>) -> Self {
        DeferredSlot {
            atomic: AtomicPtr::new(into_raw(ptr)),
            _domain: PhantomData,
        }
    }

    #[inline]
    pub(crate) fn read<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        // The domain's protected load is at least Acquire, pairing with the Release half of the
        // swap or compare-exchange that stored the pointer: the value's initialisation is
        // visible.
        let (guard, current) = D::protect(&self.atomic);
        // SAFETY: null, or an object that was in the slot when `guard` protected it: it is
        // reclaimed only once `guard` is dropped; the value outlives the borrow, which `f`
        // cannot keep.
        let result = f(unsafe { current.as_ref() }.map(|inner| &*inner.value));
        drop(guard);
        D::tick();
        result
    }

    #[inline]
    pub(crate) fn load(&self) -> Option<DeferredPtr<D, T>> {
        // As in `read`.
        let (mut guard, mut current) = D::protect(&self.atomic);
        let loaded = loop {
            let Some(ptr) = NonNull::new(current) else {
                break None;
            };
            // SAFETY: protected by `guard`: the allocation is live until it drops (its implicit
            // weak is released only by the deferred drop).
            if unsafe { try_acquire_strong(ptr) } {
                break Some(DeferredPtr {
                    ptr,
                    _owns: PhantomData,
                });
            }
            // The count reached zero: the object left the slot after our load. Load again.
            current = D::reprotect(&mut guard, &self.atomic);
        };
        drop(guard);
        D::tick();
        loaded
    }

    #[inline]
    pub(crate) fn swap(&self, new: Option<DeferredPtr<D, T>>) -> Option<DeferredPtr<D, T>> {
        // AcqRel: Release publishes the new value to readers' Acquire loads; Acquire makes the
        // old value's initialisation, published by its own store, visible to the caller who now
        // owns it. No guard: nothing is dereferenced.
        let old = self.atomic.swap(into_raw(new), Ordering::AcqRel);
        D::tick();
        // SAFETY: the slot's strong reference to the old value moves to the caller.
        unsafe { from_raw(old) }
    }

    #[inline]
    #[allow(clippy::option_option)]
    pub(crate) fn update(
        &self,
        mut f: impl FnMut(Option<&T>) -> Option<Option<DeferredPtr<D, T>>>,
    ) -> Option<Option<DeferredPtr<D, T>>> {
        // As in `read`.
        let (mut guard, mut current) = D::protect(&self.atomic);
        let replaced = loop {
            // SAFETY: as in `read`: null, or alive while `guard` is held.
            let Some(new) = f(unsafe { current.as_ref() }.map(|inner| &*inner.value)) else {
                break None;
            };
            let new = into_raw(new);
            // Success AcqRel as in `swap`; failure Relaxed, since the next attempt loads and
            // protects the slot's value again.
            match self
                .atomic
                .compare_exchange(current, new, Ordering::AcqRel, Ordering::Relaxed)
            {
                // SAFETY: the slot's strong reference to the old value moves to the caller.
                Ok(_) => break Some(unsafe { from_raw(current) }),
                Err(_) => {
                    // SAFETY: `new` was not stored; its strong reference, if any, is still ours.
                    drop(unsafe { from_raw::<D, T>(new) });
                    current = D::reprotect(&mut guard, &self.atomic);
                }
            }
        };
        drop(guard);
        D::tick();
        replaced
    }
}

impl<D: Domain, T> Drop for DeferredSlot<D, T> {
    fn drop(&mut self) {
        // `get_mut`: `&mut self` means no other thread can access the slot.
        // SAFETY: the slot holds one strong reference to its pointer, if not null; we give it up.
        drop(unsafe { from_raw::<D, T>(*self.atomic.get_mut()) });
    }
}

impl<D: Domain, T> fmt::Debug for DeferredSlot<D, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeferredSlot")
    }
}

/// A never-null slot's pointer.
#[inline]
pub(crate) fn present<D: Domain, T>(ptr: Option<DeferredPtr<D, T>>) -> DeferredPtr<D, T> {
    match ptr {
        Some(ptr) => ptr,
        // A `Cell`'s slot is built from a pointer and only ever swapped for another.
        None => unreachable!("a deferred strategy's cell slot is never null"),
    }
}

impl<D: Domain, T> DeferredPtr<D, T> {
    /// The value.
    #[inline]
    pub(crate) fn value(&self) -> &T {
        // SAFETY: a strong reference keeps the value alive: it is dropped only after the strong
        // count reaches zero.
        unsafe { &(*self.ptr.as_ptr()).value }
    }

    /// Whether both point to the same object.
    #[inline]
    pub(crate) fn same(&self, other: &Self) -> bool {
        self.ptr == other.ptr
    }

    /// A new weak reference to this object.
    #[inline]
    pub(crate) fn downgrade(&self) -> DeferredWeak<D, T> {
        // SAFETY: `self` is a strong reference.
        unsafe { DeferredWeak::new(self.ptr) }
    }
}

impl<D: Domain, T> DeferredWeak<D, T> {
    /// A strong reference, unless the value was dropped.
    #[inline]
    pub(crate) fn upgrade(&self) -> Option<DeferredPtr<D, T>> {
        // SAFETY: the weak reference keeps the allocation live.
        unsafe { try_acquire_strong(self.ptr) }.then(|| DeferredPtr {
            ptr: self.ptr,
            _owns: PhantomData,
        })
    }
}

impl<D: Domain, T> Clone for DeferredWeak<D, T> {
    #[inline]
    fn clone(&self) -> Self {
        // SAFETY: `self` is a weak reference.
        unsafe { DeferredWeak::new(self.ptr) }
    }
}

/// Implements [`Backend`](crate::strategy::raw::Backend) and
/// [`ThreadSafeBackend`](crate::strategy::raw::ThreadSafeBackend) for a deferred strategy `$s`
/// (a [`Domain`]) with the types of this module.
macro_rules! deferred_backend {
    ($s:ty) => {
        impl $crate::strategy::raw::Backend for $s {
            type Ptr<T: Trace + 'static> = DeferredPtr<$s, T>;
            type WeakPtr<T: Trace + 'static> = DeferredWeak<$s, T>;
            type Slot<T: Trace + 'static> = DeferredSlot<$s, T>;
            type OptionSlot<T: Trace + 'static> = DeferredSlot<$s, T>;

            $crate::strategy::mutex_lock::mutex_lock_ops!();

            #[inline]
            fn ptr_clone<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> Self::Ptr<T> {
                ptr.clone()
            }
            #[inline]
            fn ptr_deref<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> &T {
                ptr.value()
            }
            #[inline]
            fn ptr_eq<T: Trace + 'static>(a: &Self::Ptr<T>, b: &Self::Ptr<T>) -> bool {
                a.same(b)
            }
            // Not a tracer: nothing to visit.
            #[inline]
            fn ptr_trace<T: Trace + 'static, V: Visitor>(_: &Self::Ptr<T>, _: &mut V) {}

            #[inline]
            fn downgrade<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> Self::WeakPtr<T> {
                ptr.downgrade()
            }
            #[inline]
            fn upgrade<T: Trace + 'static>(weak: &Self::WeakPtr<T>) -> Option<Self::Ptr<T>> {
                weak.upgrade()
            }
            #[inline]
            fn weak_clone<T: Trace + 'static>(weak: &Self::WeakPtr<T>) -> Self::WeakPtr<T> {
                weak.clone()
            }
            #[inline]
            fn weak_trace<T: Trace + 'static, V: Visitor>(_: &Self::WeakPtr<T>, _: &mut V) {}

            #[inline]
            fn slot_new<T: Trace + 'static>(ptr: Self::Ptr<T>) -> Self::Slot<T> {
                DeferredSlot::new(Some(ptr))
            }
            #[inline]
            fn slot_read<T: Trace + 'static, R>(
                slot: &Self::Slot<T>,
                f: impl FnOnce(&T) -> R,
            ) -> R {
                slot.read(|value| match value {
                    Some(value) => f(value),
                    None => unreachable!("a deferred strategy's cell slot is never null"),
                })
            }
            #[inline]
            fn slot_load<T: Trace + 'static>(slot: &Self::Slot<T>) -> Self::Ptr<T> {
                present(slot.load())
            }
            #[inline]
            fn slot_swap<T: Trace + 'static>(
                slot: &Self::Slot<T>,
                new: Self::Ptr<T>,
            ) -> Self::Ptr<T> {
                present(slot.swap(Some(new)))
            }
            #[inline]
            fn slot_rcu<T: Trace + 'static>(
                slot: &Self::Slot<T>,
                mut f: impl FnMut(&T) -> Self::Ptr<T>,
            ) -> Self::Ptr<T> {
                let replaced = slot.update(|value| match value {
                    Some(value) => Some(Some(f(value))),
                    None => unreachable!("a deferred strategy's cell slot is never null"),
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
                    None => unreachable!("a deferred strategy's cell slot is never null"),
                })
                .map(present)
            }
            #[inline]
            fn slot_trace<T: Trace + 'static, V: Visitor>(_: &Self::Slot<T>, _: &mut V) {}

            #[inline]
            fn option_new<T: Trace + 'static>(ptr: Option<Self::Ptr<T>>) -> Self::OptionSlot<T> {
                DeferredSlot::new(ptr)
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

        impl $crate::strategy::raw::ThreadSafeBackend for $s {
            #[inline]
            fn ptr_new<T: Trace + Send + Sync + 'static>(value: T) -> Self::Ptr<T> {
                DeferredPtr::new(value)
            }
        }
    };
}

pub(crate) use deferred_backend;
