//! [`Epoch::pinned`]: several reads under one pin.

use std::fmt;
use std::sync::atomic::Ordering;

use crossbeam_epoch::{self as cb, Guard};

use super::flush::tick;
use super::Epoch;
use crate::trace::Trace;
use crate::{Cell, OptionCell};

/// Proof that this thread is pinned, handed out by [`Epoch::pinned`]: values read with it
/// ([`Cell::get`], [`OptionCell::get`]) stay alive as long as it does.
///
/// Not `Send`: a pin belongs to its thread.
pub struct Pinned {
    guard: Guard,
}

impl fmt::Debug for Pinned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pinned")
    }
}

impl Epoch {
    /// Runs `f` with this thread pinned, so the reads inside it share one pin.
    ///
    /// [`Cell::get`] and [`OptionCell::get`] read a cell under the given pin, as crossbeam-epoch's
    /// own loads take a `&Guard`: no pin of their own, no count towards the flush policy (the
    /// whole call counts as one epoch operation). The borrowed value lives as long as the pin,
    /// even if another thread replaces it meanwhile. Plain [`Cell::read`] works inside too; it
    /// pins again, which on a pinned thread is a thread-local count without the fence of a first
    /// pin.
    ///
    /// ```
    /// use reclaimer::{Cell, Epoch};
    ///
    /// let host = Cell::<Epoch, String>::from_value("localhost".into());
    /// let port = Cell::<Epoch, u16>::from_value(8080);
    /// let address = Epoch::pinned(|pin| format!("{}:{}", host.get(pin), port.get(pin)));
    /// assert_eq!(address, "localhost:8080");
    /// ```
    ///
    /// The pin holds back every thread's reclamation until `f` returns, as a long
    /// [`read`](Cell::read) closure does: keep `f` short and never block in it. A
    /// [`collect`](crate::Strategy::collect) inside it can only flush this thread's bag.
    #[inline]
    pub fn pinned<R>(f: impl FnOnce(&Pinned) -> R) -> R {
        let pinned = Pinned { guard: cb::pin() };
        let result = f(&pinned);
        tick(&pinned.guard, false);
        result
    }
}

impl<T: Trace + Send + Sync + 'static> Cell<Epoch, T> {
    /// The current value, borrowed for as long as `pin` lives: see [`Epoch::pinned`].
    #[inline]
    pub fn get<'p>(&self, pin: &'p Pinned) -> &'p T {
        // Acquire pairs with the Release half of the swap or compare-exchange that stored the
        // pointer, as in `Cell::read`.
        let current = self.slot().atomic.load(Ordering::Acquire, &pin.guard);
        // SAFETY: a slot is never null. The object was in the slot while this thread was
        // pinned by `pin`, so its retirement, if any, comes after this pin and its drop (and
        // free) wait for the guard, which lives as long as `pin`.
        unsafe { &current.deref().value }
    }
}

impl<T: Trace + Send + Sync + 'static> OptionCell<Epoch, T> {
    /// The current value, if any, borrowed for as long as `pin` lives: see [`Epoch::pinned`].
    #[inline]
    pub fn get<'p>(&self, pin: &'p Pinned) -> Option<&'p T> {
        // Acquire: as in `Cell::get`.
        let current = self.slot().atomic.load(Ordering::Acquire, &pin.guard);
        // SAFETY: null, or as in `Cell::get`.
        unsafe { current.as_ref() }.map(|inner| &*inner.value)
    }
}
