//! [`Lock`]: the traced container every strategy provides, mutated in place.

use std::fmt;
use std::marker::PhantomData;

use crate::strategy::{Strategy, ThreadSafe};
use crate::trace::{Trace, Visitor};

/// A value mutated in place under a lock whose contents the collectors see: membership lists,
/// mailboxes, adjacency.
///
/// [`with`](Lock::with) runs a closure on `&mut T`; no guard is returned, so none can live
/// across an `.await`. Each strategy maps it to its backend's own mutable container, the one
/// its users would write by hand:
///
/// | strategy | container | a collection while a writer holds it | re-entry |
/// |---|---|---|---|
/// | `Arc`, `RwLockArc`, `Epoch`, `Leak` | `std::sync::Mutex<T>` | (nothing traces) | deadlock |
/// | `Gc` | `gc::GcCell<T>` | the borrow roots the contents: kept | panics |
/// | `SyncGc` | `std::sync::RwLock<T>`, traced by dumpster | the owner counts as reachable: kept | deadlock |
///
/// Use it where a [`Cell`](crate::Cell) would copy a whole value per edit: a `Cell<S, Vec<_>>`
/// allocates a new vector and a new pointer for each push, a `Lock<S, Vec<_>>` pushes in place.
///
/// ```
/// use reclaimer::{Lock, Shared, Trace};
///
/// type S = reclaimer::Arc; // or any other strategy
///
/// #[derive(Trace)]
/// struct Room {
///     members: Lock<S, Vec<Shared<S, String>>>,
/// }
///
/// let room = Shared::<S, _>::new(Room { members: Lock::new(Vec::new()) });
/// room.members.with(|m| m.push(Shared::new("alice".to_string())));
/// room.members.with(|m| m.push(Shared::new("bob".to_string())));
/// let removed = room.members.with(|m| m.remove(0));
/// assert_eq!(*removed, "alice");
/// assert_eq!(room.members.read(|m| m.len()), 1);
/// ```
///
/// # Poisoning
///
/// A panic inside [`with`](Lock::with) leaves the value as the closure left it, and the lock
/// usable: later calls see that value (the std locks' poison flag is ignored, as `Cell` ignores
/// it; a `GcCell` has none).
///
/// # Re-entry
///
/// Do not call [`with`](Lock::with) or [`read`](Lock::read) on a lock from inside its own
/// closure. `Gc` detects it and panics with a message naming the lock; the std locks of the other
/// strategies do not, and the thread deadlocks. Calling another lock, or a [`Cell`](crate::Cell),
/// from inside the closure is fine.
pub struct Lock<S: Strategy, T: Trace + 'static> {
    raw: S::Lock<T>,
    // Not `Send`/`Sync` by default; the impls below add them back for thread-safe strategies.
    _marker: PhantomData<*const T>,
}

impl<S: Strategy, T: Trace + 'static> Lock<S, T> {
    /// A lock holding `value`.
    #[inline]
    pub fn new(value: T) -> Self {
        Lock {
            raw: S::lock_new(value),
            _marker: PhantomData,
        }
    }

    /// Runs `f` on the value with exclusive access, and returns what it returns.
    ///
    /// Handles dropped inside `f` are released while the lock is held; return them from `f`
    /// instead when their drop may be long (a `SyncGc` collection runs inline in a drop).
    #[inline]
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        S::lock_with(&self.raw, f)
    }

    /// Runs `f` on the value with shared access: concurrent readers for `SyncGc` (a read lock)
    /// and `Gc` (a shared borrow), the mutex for the others, which costs the same as
    /// [`with`](Lock::with).
    #[inline]
    pub fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        S::lock_read(&self.raw, f)
    }

    /// The value, out of the lock.
    #[inline]
    pub fn into_inner(self) -> T {
        S::lock_into_inner(self.raw)
    }
}

impl<S: Strategy, T: Trace + Default + 'static> Default for Lock<S, T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<S: Strategy, T: Trace + 'static> fmt::Debug for Lock<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Lock<{}>", S::NAME)
    }
}

// SAFETY: the strategy's lock visits what it holds; `S::lock_trace` is that one visit (or `busy`
// while a writer holds it, which makes the collector keep the owner).
unsafe impl<S: Strategy, T: Trace + 'static> Trace for Lock<S, T> {
    #[inline]
    fn trace<V: Visitor>(&self, visitor: &mut V) {
        S::lock_trace(&self.raw, visitor);
    }
}

// SAFETY: `ThreadSafe`'s contract: the raw lock is `Send` when `T: Send` (a `Mutex<T>` or
// `RwLock<T>` moves its value with it).
unsafe impl<S: ThreadSafe, T: Trace + Send + 'static> Send for Lock<S, T> {}
// SAFETY: `ThreadSafe`'s contract: the raw lock is `Sync` when `T: Send + Sync`. A `Mutex<T>`
// needs only `T: Send`, but `SyncGc`'s `RwLock<T>` hands out `&T` to concurrent readers
// (`read`, and the collector's trace), which needs `T: Sync` too.
unsafe impl<S: ThreadSafe, T: Trace + Send + Sync + 'static> Sync for Lock<S, T> {}
