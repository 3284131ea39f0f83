//! The raw side of `Hyaline`'s pairs: seize used as its own docs show, an `AtomicPtr` read
//! through `Guard::protect`, swapped, and the old box retired; and a std `Arc` whose release is
//! retired through seize (seize has no shared pointer of its own).

use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::LazyLock;

use seize::{reclaim, Collector, Guard as _};

/// One collector for every raw seize bench, as `Hyaline` has one.
static SEIZE: LazyLock<Collector> = LazyLock::new(Collector::new);

/// An `AtomicPtr` holding a boxed `u64`, never null.
pub fn atomic(value: u64) -> AtomicPtr<u64> {
    AtomicPtr::new(Box::into_raw(Box::new(value)))
}

/// Enter a guard, load through it, read.
pub fn read(atomic: &AtomicPtr<u64>) -> u64 {
    let guard = SEIZE.enter();
    let current = guard.protect(atomic, Ordering::Acquire);
    // SAFETY: never null; a value swapped out is reclaimed only after this guard is dropped.
    unsafe { *current }
}

/// Enter a guard, load through it, read if not null: the optional slot's read.
pub fn read_option(atomic: &AtomicPtr<u64>) -> Option<u64> {
    let guard = SEIZE.enter();
    let current = guard.protect(atomic, Ordering::Acquire);
    // SAFETY: null or a live box; a value swapped out is reclaimed only after this guard drops.
    unsafe { current.as_ref() }.copied()
}

/// Swap in a new box and retire the old one.
pub fn swap(atomic: &AtomicPtr<u64>, value: u64) {
    let old = atomic.swap(Box::into_raw(Box::new(value)), Ordering::AcqRel);
    // SAFETY: `old` left the atomic and came from `Box::into_raw`.
    unsafe { SEIZE.retire(old, reclaim::boxed) };
}

/// Retire the release of an `Arc`: it is dropped once no guard active now remains.
pub fn defer_drop(arc: std::sync::Arc<u64>) {
    /// Releases the `Arc` a retired pointer stands for.
    unsafe fn release(ptr: *mut u64, _: &Collector) {
        // SAFETY: `ptr` came from `Arc::into_raw` in `defer_drop`, released once, here.
        drop(unsafe { std::sync::Arc::from_raw(ptr) });
    }
    // SAFETY: the pointer owns one strong reference, released by `release` once.
    unsafe { SEIZE.retire(std::sync::Arc::into_raw(arc).cast_mut(), release) };
}
