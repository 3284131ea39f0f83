//! The lock of the refcounting strategies (`Arc`, `RwLockArc`, `Epoch`, `Leak`): a plain std
//! `Mutex`, what an `Arc` user writes (`Mutex<Vec<Arc<_>>>`). These strategies never trace, so
//! the lock has nothing to show a collector.
//!
//! Poisoning is ignored: a panic inside [`Lock::with`](crate::Lock::with) leaves the value as the
//! closure left it, and later calls see that value, as with `parking_lot`'s mutex. Re-entry (a
//! `with` on the same lock inside its own closure) deadlocks: std's `Mutex` does not detect it.

use std::sync::{Mutex, PoisonError};

/// Runs `f` on the value under the lock.
#[inline]
pub(super) fn with<T, R>(lock: &Mutex<T>, f: impl FnOnce(&mut T) -> R) -> R {
    f(&mut lock.lock().unwrap_or_else(PoisonError::into_inner))
}

/// The value, out of the lock.
#[inline]
pub(super) fn into_inner<T>(lock: Mutex<T>) -> T {
    lock.into_inner().unwrap_or_else(PoisonError::into_inner)
}

/// Implements the lock half of the raw backend with a std `Mutex` that is never traced.
macro_rules! mutex_lock_ops {
    () => {
        type Lock<T: Trace + 'static> = std::sync::Mutex<T>;

        #[inline]
        fn lock_new<T: Trace + 'static>(value: T) -> Self::Lock<T> {
            std::sync::Mutex::new(value)
        }
        #[inline]
        fn lock_with<T: Trace + 'static, R>(
            lock: &Self::Lock<T>,
            f: impl FnOnce(&mut T) -> R,
        ) -> R {
            $crate::strategy::mutex_lock::with(lock, f)
        }
        #[inline]
        fn lock_read<T: Trace + 'static, R>(lock: &Self::Lock<T>, f: impl FnOnce(&T) -> R) -> R {
            $crate::strategy::mutex_lock::with(lock, |value| f(value))
        }
        #[inline]
        fn lock_into_inner<T: Trace + 'static>(lock: Self::Lock<T>) -> T {
            $crate::strategy::mutex_lock::into_inner(lock)
        }
        // Refcounting never traces.
        #[inline]
        fn lock_trace<T: Trace + 'static, V: Visitor>(_: &Self::Lock<T>, _: &mut V) {}
    };
}

pub(super) use mutex_lock_ops;
