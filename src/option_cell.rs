//! [`OptionCell`]: a swappable slot that may be empty, with no allocation when it is.

use std::fmt;
use std::marker::PhantomData;

use crate::shared::Shared;
use crate::strategy::{Strategy, ThreadSafe};
use crate::trace::{Trace, Visitor};

/// A swappable slot holding an optional [`Shared<S, T>`]: a link that may be absent (a parent,
/// a `next`), like arc-swap's `ArcSwapOption`.
///
/// Empty, it holds a null pointer and allocates nothing; full, it holds the pointer itself, with
/// no box in between (a `Cell<S, Option<Shared<S, T>>>` allocates a pointer to an `Option`, and
/// a read goes through both). Each strategy maps it to its backend's nullable slot:
/// `ArcSwapOption` for `Arc`, `RwLock<Option<Arc<T>>>` for `RwLockArc`, a nullable
/// `crossbeam_epoch::Atomic` for `Epoch`, `GcCell<Option<Gc<T>>>` for `Gc`,
/// `RwLock<Option<Gc<T>>>` traced by the collector for `SyncGc`, a nullable `AtomicPtr` for
/// `Leak`.
///
/// ```
/// use reclaimer::{OptionCell, Shared, Trace};
///
/// type S = reclaimer::Arc;
///
/// #[derive(Trace)]
/// struct Node {
///     value: u64,
///     next: OptionCell<S, Node>,
/// }
///
/// let tail = Shared::<S, _>::new(Node { value: 2, next: OptionCell::empty() });
/// let head = Shared::<S, _>::new(Node { value: 1, next: OptionCell::new(Some(tail)) });
/// assert_eq!(head.next.read(|n| n.map(|n| n.value)), Some(2));
/// let taken = head.next.take();
/// assert_eq!(taken.map(|n| n.value), Some(2));
/// assert!(head.next.load().is_none());
/// ```
///
/// The same re-entry rule as [`Cell`](crate::Cell): do not write to a cell from inside its own
/// `read` closure.
pub struct OptionCell<S: Strategy, T: Trace + 'static> {
    slot: S::OptionSlot<T>,
    _marker: PhantomData<*const T>,
}

impl<S: Strategy, T: Trace + 'static> OptionCell<S, T> {
    /// The backend's slot, for strategy-specific operations.
    #[cfg(feature = "epoch")]
    pub(crate) fn slot(&self) -> &S::OptionSlot<T> {
        &self.slot
    }

    /// An empty cell; allocates nothing.
    #[inline]
    pub fn empty() -> Self {
        Self::new(None)
    }

    /// A cell holding `value`.
    #[inline]
    pub fn new(value: Option<Shared<S, T>>) -> Self {
        OptionCell {
            slot: S::option_new(value.map(Shared::into_raw)),
            _marker: PhantomData,
        }
    }

    /// Runs `f` on the current value, if any, without cloning the pointer.
    #[inline]
    pub fn read<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        S::option_read(&self.slot, f)
    }

    /// An owning pointer to the current value, if any.
    #[inline]
    pub fn load(&self) -> Option<Shared<S, T>> {
        S::option_load(&self.slot).map(Shared::from_raw)
    }

    /// Replaces the value; the old one is released.
    #[inline]
    pub fn store(&self, value: Option<Shared<S, T>>) {
        S::option_store(&self.slot, value.map(Shared::into_raw));
    }

    /// Replaces the value and returns the old one.
    #[inline]
    pub fn swap(&self, value: Option<Shared<S, T>>) -> Option<Shared<S, T>> {
        S::option_swap(&self.slot, value.map(Shared::into_raw)).map(Shared::from_raw)
    }

    /// Empties the cell and returns what it held.
    #[inline]
    pub fn take(&self) -> Option<Shared<S, T>> {
        self.swap(None)
    }

    /// A conditional update: `f` sees the current value and returns `Some(new)` to replace it or
    /// `None` to leave the cell untouched. Returns `Some(old)` when the cell changed, `None` when
    /// `f` declined.
    ///
    /// How often `f` may run is the same as for [`Cell::update`](crate::Cell::update).
    #[inline]
    #[allow(clippy::option_option)]
    pub fn update(
        &self,
        mut f: impl FnMut(Option<&T>) -> Option<Option<Shared<S, T>>>,
    ) -> Option<Option<Shared<S, T>>> {
        S::option_update(&self.slot, |current| {
            f(current).map(|new| new.map(Shared::into_raw))
        })
        .map(|old| old.map(Shared::from_raw))
    }
}

impl<S: Strategy, T: Trace + 'static> Default for OptionCell<S, T> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<S: Strategy, T: Trace + 'static> fmt::Debug for OptionCell<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OptionCell<{}>", S::NAME)
    }
}

// SAFETY: the strategy's slot visits the pointer it holds, if any; `S::option_trace` is that one
// visit.
unsafe impl<S: Strategy, T: Trace + 'static> Trace for OptionCell<S, T> {
    #[inline]
    fn trace<V: Visitor>(&self, visitor: &mut V) {
        S::option_trace(&self.slot, visitor);
    }
}

// SAFETY: `ThreadSafe`'s contract: the raw optional slot is `Send + Sync` when `T: Send + Sync`.
unsafe impl<S: ThreadSafe, T: Trace + Send + Sync + 'static> Send for OptionCell<S, T> {}
// SAFETY: as for `Send`.
unsafe impl<S: ThreadSafe, T: Trace + Send + Sync + 'static> Sync for OptionCell<S, T> {}
