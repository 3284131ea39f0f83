//! [`Cell`]: the swappable slot every strategy provides, under one type.

use std::fmt;
use std::marker::PhantomData;

use crate::shared::Shared;
use crate::strategy::{Shareable, Strategy, ThreadSafe};
use crate::trace::{Trace, Visitor};

/// A swappable slot holding a [`Shared<S, T>`], read-copy-update style.
///
/// Reads go through a closure ([`read`](Cell::read)) and never clone the pointer, so no guard
/// can be held across an `.await`; [`load`](Cell::load) returns an owning pointer that can.
/// Writers replace the whole value ([`store`](Cell::store), [`swap`](Cell::swap),
/// [`rcu`](Cell::rcu)); the old value is reclaimed by the strategy once no one uses it.
///
/// Mutable links between shared objects go through this type: the collectors see what a cell
/// holds, and rust-gc only unroots pointers stored through its own cell.
///
/// ```
/// use reclaimer::{Cell, Shared};
///
/// type S = reclaimer::Arc;
///
/// let config: Cell<S, Vec<String>> = Cell::new(Shared::new(vec!["a".into()]));
/// config.rcu(|old| {
///     let mut new = old.clone();
///     new.push("b".into());
///     Shared::new(new)
/// });
/// assert_eq!(config.read(|c| c.len()), 2);
/// let snapshot = config.load(); // an owning pointer: fine across `.await`
/// config.store(Shared::new(Vec::new()));
/// assert_eq!(snapshot.len(), 2);
/// ```
///
/// Do not write to a cell from inside its own `read` closure: `RwLockArc` and `SyncGc` cells
/// are locks and would deadlock, and a `Gc` cell (a `GcCell`, borrowed while the closure runs)
/// panics.
pub struct Cell<S: Strategy, T: Trace + 'static> {
    slot: S::Slot<T>,
    _marker: PhantomData<*const T>,
}

impl<S: Strategy, T: Trace + 'static> Cell<S, T> {
    /// The backend's slot, for strategy-specific operations.
    #[cfg(feature = "epoch")]
    pub(crate) fn slot(&self) -> &S::Slot<T> {
        &self.slot
    }

    /// A cell holding `value`.
    #[inline]
    pub fn new(value: Shared<S, T>) -> Self {
        Cell {
            slot: S::slot_new(value.into_raw()),
            _marker: PhantomData,
        }
    }

    /// A cell holding a new pointer to `value`.
    #[inline]
    pub fn from_value(value: T) -> Self
    where
        T: Shareable<S>,
    {
        Self::new(Shared::new(value))
    }

    /// Runs `f` on the current value without cloning the pointer.
    ///
    /// `Epoch` reads pin the thread and touch no reference count; `Arc` reads use arc-swap's
    /// wait-free load; `RwLockArc` and `SyncGc` take a read lock for the duration of `f`, and
    /// `Gc`, `Rc` and `UnsyncGc` hold the cell's shared borrow, so a store into the same cell
    /// from inside `f` deadlocks or panics there: [`load`](Self::load) first to store.
    #[inline]
    pub fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        S::slot_read(&self.slot, f)
    }

    /// An owning pointer to the current value.
    #[inline]
    pub fn load(&self) -> Shared<S, T> {
        Shared::from_raw(S::slot_load(&self.slot))
    }

    /// Replaces the value; the old one is released.
    #[inline]
    pub fn store(&self, value: Shared<S, T>) {
        S::slot_store(&self.slot, value.into_raw());
    }

    /// Replaces the value and returns the old one.
    #[inline]
    pub fn swap(&self, value: Shared<S, T>) -> Shared<S, T> {
        Shared::from_raw(S::slot_swap(&self.slot, value.into_raw()))
    }

    /// Read-copy-update: replaces the value with `f(current)` and returns the value replaced.
    ///
    /// `f` may run more than once when writers race (`Arc`, `Epoch`, `Leak` retry a
    /// compare-and-swap; `Gc` reruns it if `f` itself changed the cell), so it should be free of
    /// side effects. `RwLockArc` and `SyncGc` run it once under the write lock.
    #[inline]
    pub fn rcu(&self, mut f: impl FnMut(&T) -> Shared<S, T>) -> Shared<S, T> {
        Shared::from_raw(S::slot_rcu(&self.slot, |current| f(current).into_raw()))
    }

    /// A conditional update: `f` sees the current value and returns `Some(new)` to replace it or
    /// `None` to leave the cell untouched, allocating nothing. Returns the value replaced, or
    /// `None` when `f` declined.
    ///
    /// ```
    /// use reclaimer::{Cell, Shared};
    ///
    /// let edges: Cell<reclaimer::Arc, Vec<u32>> = Cell::from_value(vec![1, 2, 3]);
    /// // "Remove 7 if present": nothing to remove, so nothing is copied or stored.
    /// let removed = edges.update(|e| {
    ///     let at = e.iter().position(|x| *x == 7)?;
    ///     let mut new = e.clone();
    ///     new.remove(at);
    ///     Some(Shared::new(new))
    /// });
    /// assert!(removed.is_none());
    /// ```
    ///
    /// How often `f` runs: `RwLockArc` and `SyncGc` run it once, under the write lock (a
    /// declining update still takes that lock). `Arc`, `Epoch` and `Leak` run it once per attempt
    /// of a compare-and-swap against the value it saw, so again only when another writer changed
    /// the cell in between; `Gc` runs it with no borrow held and again if `f` itself changed the
    /// cell. A `None` ends the update at once, whatever the attempt.
    #[inline]
    pub fn update(&self, mut f: impl FnMut(&T) -> Option<Shared<S, T>>) -> Option<Shared<S, T>> {
        S::slot_update(&self.slot, |current| f(current).map(Shared::into_raw)).map(Shared::from_raw)
    }
}

impl<S: Strategy, T: Trace + 'static> fmt::Debug for Cell<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cell<{}>", S::NAME)
    }
}

// SAFETY: the strategy's slot visits the pointer it holds; `S::slot_trace` is that one visit.
unsafe impl<S: Strategy, T: Trace + 'static> Trace for Cell<S, T> {
    #[inline]
    fn trace<V: Visitor>(&self, visitor: &mut V) {
        S::slot_trace(&self.slot, visitor);
    }
}

// SAFETY: `ThreadSafe`'s contract: the raw slot is `Send + Sync` when `T: Send + Sync`.
unsafe impl<S: ThreadSafe, T: Trace + Send + Sync + 'static> Send for Cell<S, T> {}
// SAFETY: as for `Send`.
unsafe impl<S: ThreadSafe, T: Trace + Send + Sync + 'static> Sync for Cell<S, T> {}
