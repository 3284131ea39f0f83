//! The raw side of `Hazard`'s pairs: haphazard used as its own docs show, a
//! `haphazard::AtomicPtr` loaded through a hazard pointer the batch keeps, swapped, and the old
//! box retired into the global domain; and a std `Arc` whose release is retired through it
//! (haphazard has no shared pointer of its own).

use haphazard::{AtomicPtr, HazardPointer};

/// A `haphazard::AtomicPtr` holding a boxed `u64`.
pub fn atomic(value: u64) -> AtomicPtr<u64> {
    AtomicPtr::from(Box::new(value))
}

/// Protect the pointer with `hazard`, read, and clear the protection.
pub fn read(atomic: &AtomicPtr<u64>, hazard: &mut HazardPointer<'static>) -> u64 {
    let value = atomic.safe_load(hazard).copied().unwrap_or(0);
    hazard.reset_protection();
    value
}

/// The same, for an optional slot.
pub fn read_option(atomic: &AtomicPtr<u64>, hazard: &mut HazardPointer<'static>) -> Option<u64> {
    let value = atomic.safe_load(hazard).copied();
    hazard.reset_protection();
    value
}

/// Swap in a new box and retire the old one.
pub fn swap(atomic: &AtomicPtr<u64>, value: u64) {
    if let Some(old) = atomic.swap(Box::new(value)) {
        // SAFETY: `old` left the atomic and is retired once, here.
        unsafe { old.retire() };
    }
}

/// A std `Arc` as haphazard's pointer type: its deleter releases the reference.
struct ArcRelease(std::sync::Arc<u64>);

impl std::ops::Deref for ArcRelease {
    type Target = u64;
    fn deref(&self) -> &u64 {
        &self.0
    }
}

// SAFETY: `into_raw` and `from_raw` round-trip one strong reference, which keeps the value
// valid as `&u64` until the rebuilt `Arc` is dropped.
unsafe impl haphazard::raw::Pointer<u64> for ArcRelease {
    fn into_raw(self) -> *mut u64 {
        std::sync::Arc::into_raw(self.0).cast_mut()
    }
    unsafe fn from_raw(ptr: *mut u64) -> Self {
        // SAFETY: `ptr` came from `into_raw` and is passed back once.
        ArcRelease(unsafe { std::sync::Arc::from_raw(ptr) })
    }
}

/// Retire the release of an `Arc` into the global domain.
pub fn defer_drop(arc: std::sync::Arc<u64>) {
    use haphazard::raw::Pointer;
    let ptr = ArcRelease(arc).into_raw();
    // SAFETY: the pointer owns one strong reference, reachable from nowhere else, released by
    // the deleter once.
    unsafe { haphazard::Domain::global().retire_ptr::<u64, ArcRelease>(ptr) };
}
