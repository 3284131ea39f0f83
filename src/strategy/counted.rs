//! The object of the refcounting strategies whose final release is deferred (`Epoch`,
//! `Hyaline`): strong and weak counts and the value in one allocation, and the unsafe operations
//! on its counts.

use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::sync::atomic::Ordering;

use crate::loom::{fence, AtomicUsize};

/// An object: the counts, a header of the strategy's own (`()` for `Epoch`) and the value, in
/// one allocation.
pub(crate) struct Inner<T, H = ()> {
    /// Strong references: pointers and cells.
    pub(crate) strong: AtomicUsize,
    /// Weak references, plus one held by all the strong ones together and released by the
    /// deferred drop.
    pub(crate) weak: AtomicUsize,
    /// What the strategy's retire path records (`Hyaline`, `Hazard`: whose garbage it is).
    #[cfg_attr(not(any(feature = "hyaline", feature = "hazard")), allow(dead_code))]
    pub(crate) header: H,
    pub(crate) value: ManuallyDrop<T>,
}

/// Above this a count could overflow; abort as `std::sync::Arc` does.
pub(crate) const MAX_REFCOUNT: usize = isize::MAX as usize;

/// The strong count of the object at `ptr`, borrowed without borrowing the value.
///
/// # Safety
///
/// The allocation at `ptr` must be live for `'a`: the caller holds a strong or weak reference,
/// or reached it from a cell while pinned.
#[inline]
pub(crate) unsafe fn strong<'a, T, H>(ptr: NonNull<Inner<T, H>>) -> &'a AtomicUsize {
    // SAFETY: the caller guarantees the allocation is live; this borrows only the count field.
    unsafe { &(*ptr.as_ptr()).strong }
}

/// The weak count of the object at `ptr`, borrowed without borrowing the value.
///
/// # Safety
///
/// As for [`strong`].
#[inline]
pub(crate) unsafe fn weak<'a, T, H>(ptr: NonNull<Inner<T, H>>) -> &'a AtomicUsize {
    // SAFETY: the caller guarantees the allocation is live; this borrows only the count field.
    unsafe { &(*ptr.as_ptr()).weak }
}

/// Takes a strong reference if the strong count is not zero; never resurrects a retired object.
///
/// # Safety
///
/// As for [`strong`].
#[inline]
pub(crate) unsafe fn try_acquire_strong<T, H>(ptr: NonNull<Inner<T, H>>) -> bool {
    // SAFETY: the caller's guarantee.
    let strong = unsafe { strong(ptr) };
    // Acquire, here and on CAS failure: a zero count synchronises with the Release decrements
    // that brought it there, so a caller that then reloads the cell sees the store that took the
    // object out (with Relaxed, a reload could keep returning the stale pointer).
    let mut count = strong.load(Ordering::Acquire);
    loop {
        if count == 0 {
            return false;
        }
        if count > MAX_REFCOUNT {
            std::process::abort();
        }
        // Relaxed on success, as in `Arc::clone`: the caller already sees the value's
        // initialisation (through the cell's Acquire load, or through the strong pointer the weak
        // one was made from), and the count reaching zero later is ordered by the Release/Acquire
        // pair in the pointer's final release. Acquire on failure: as for the load above.
        match strong.compare_exchange_weak(count, count + 1, Ordering::Relaxed, Ordering::Acquire) {
            Ok(_) => return true,
            Err(seen) => count = seen,
        }
    }
}

/// Gives up one weak reference; frees the allocation if it was the last.
///
/// # Safety
///
/// The caller owns a weak reference to `ptr` (or the strong group's implicit one) and gives it
/// up: it must not use `ptr` afterwards.
pub(crate) unsafe fn release_weak<T, H>(ptr: NonNull<Inner<T, H>>) {
    // SAFETY: we hold a weak reference, so the allocation is live.
    let count = unsafe { weak(ptr) };
    // A count of 1 is ours alone: the implicit weak is gone with the last strong reference
    // (which never comes back), and a new weak reference is made only from a strong or weak
    // one, so no other thread can raise it. Then the free needs no read-modify-write. Acquire
    // pairs with the Release decrements of every other weak reference, as the fence below.
    if count.load(Ordering::Acquire) != 1 {
        // Release pairs with the Acquire fence below on whichever thread releases last: every
        // use of the counts, and the value's drop (which precedes the release of the implicit
        // weak), happen before the free.
        if count.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        // Acquire pairs with the Release decrements of every other weak reference.
        fence(Ordering::Acquire);
    }
    // SAFETY: the weak count reached zero. The implicit weak was released, so the value was
    // dropped and no pinned reader can still reach the object (it is released only by the
    // deferred drop); no `Weak` remains. The allocation came from `Box::new` in the pointer's `new`,
    // and `ManuallyDrop` keeps the box from dropping the value again.
    drop(unsafe { Box::from_raw(ptr.as_ptr()) });
}

/// Drops the value of the `Inner<T, H>` at `ptr`, then releases the strong group's implicit weak
/// reference (even if the drop panics).
///
/// # Safety
///
/// `ptr` is a retired `Inner<T, H>`: its strong count reached zero, and no thread can still read
/// its value. Called once per object.
pub(crate) unsafe fn finish<T, H>(ptr: NonNull<()>) {
    /// Releases the implicit weak reference when dropped.
    struct ReleaseWeak<T, H>(NonNull<Inner<T, H>>);
    impl<T, H> Drop for ReleaseWeak<T, H> {
        fn drop(&mut self) {
            // SAFETY: the implicit weak reference is released once, here, after the value.
            unsafe { release_weak(self.0) };
        }
    }
    let release = ReleaseWeak(ptr.cast::<Inner<T, H>>());
    // SAFETY: the caller's contract: this is the last access to the value. `Weak`s touch only
    // the count fields, so the `&mut` to the value aliases nothing.
    unsafe { ManuallyDrop::drop(&mut (*release.0.as_ptr()).value) };
}
