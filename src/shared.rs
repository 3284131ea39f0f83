//! [`Shared`] and [`Weak`]: the pointer every strategy provides, under one type.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

use crate::strategy::{Shareable, Strategy, ThreadSafe};
use crate::trace::{Trace, Visitor};

/// A shared pointer to a `T`, reclaimed by strategy `S`.
///
/// It clones, dereferences and compares by address the same way for every strategy; what
/// happens when the last one goes depends on `S` (see [`strategy`](crate::strategy)). It is
/// `Send + Sync` exactly when `S: ThreadSafe` and `T: Send + Sync`.
///
/// ```
/// use reclaimer::Shared;
///
/// type S = reclaimer::Arc; // or reclaimer::SyncGc, reclaimer::Epoch, ...
///
/// let a: Shared<S, String> = Shared::new("hello".to_string());
/// let b = a.clone();
/// assert!(Shared::ptr_eq(&a, &b));
/// assert_eq!(b.len(), 5);
/// ```
pub struct Shared<S: Strategy, T: Trace + 'static> {
    raw: S::Ptr<T>,
    // Not `Send`/`Sync` by default; the impls below add them back for thread-safe strategies.
    _marker: PhantomData<*const T>,
}

impl<S: Strategy, T: Trace + 'static> Shared<S, T> {
    /// Puts `value` behind a new pointer.
    #[inline]
    pub fn new(value: T) -> Self
    where
        T: Shareable<S>,
    {
        Self::from_raw(crate::strategy::raw::Construct::<S::Kind, S>::into_ptr(
            value,
        ))
    }

    #[inline]
    pub(crate) fn from_raw(raw: S::Ptr<T>) -> Self {
        Shared {
            raw,
            _marker: PhantomData,
        }
    }

    #[inline]
    pub(crate) fn into_raw(self) -> S::Ptr<T> {
        self.raw
    }

    /// Whether `a` and `b` point to the same object.
    #[inline]
    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        S::ptr_eq(&a.raw, &b.raw)
    }

    /// A back-edge to the same object, held as [`S::BACK_EDGE`](Strategy::BACK_EDGE) says:
    /// a real weak pointer for the Arc family and `Epoch`, a strong one for the collectors.
    #[inline]
    pub fn downgrade(this: &Self) -> Weak<S, T> {
        Weak {
            raw: S::downgrade(&this.raw),
            _marker: PhantomData,
        }
    }
}

impl<S: Strategy, T: Trace + 'static> Clone for Shared<S, T> {
    #[inline]
    fn clone(&self) -> Self {
        Self::from_raw(S::ptr_clone(&self.raw))
    }
}

impl<S: Strategy, T: Trace + 'static> Deref for Shared<S, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        S::ptr_deref(&self.raw)
    }
}

impl<S: Strategy, T: Trace + 'static> AsRef<T> for Shared<S, T> {
    #[inline]
    fn as_ref(&self) -> &T {
        self
    }
}

impl<S: Strategy, T: Trace + fmt::Debug + 'static> fmt::Debug for Shared<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<S: Strategy, T: Trace + fmt::Display + 'static> fmt::Display for Shared<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

// SAFETY: the strategy's pointer visits itself; `S::ptr_trace` is that one visit.
unsafe impl<S: Strategy, T: Trace + 'static> Trace for Shared<S, T> {
    #[inline]
    fn trace<V: Visitor>(&self, visitor: &mut V) {
        S::ptr_trace(&self.raw, visitor);
    }
}

// SAFETY: `ThreadSafe`'s contract: the raw pointer is `Send + Sync` when `T: Send + Sync`.
unsafe impl<S: ThreadSafe, T: Trace + Send + Sync + 'static> Send for Shared<S, T> {}
// SAFETY: as for `Send`.
unsafe impl<S: ThreadSafe, T: Trace + Send + Sync + 'static> Sync for Shared<S, T> {}

/// A back-edge: what [`Shared::downgrade`] returns.
///
/// For refcounting strategies ([`BackEdge::Weak`](crate::BackEdge::Weak)) it is a real weak
/// pointer, the way an `Arc` user breaks a cycle: it does not keep the target alive and
/// [`upgrade`](Weak::upgrade) fails once the target is gone. For the tracing strategies and
/// `Leak` it is a strong pointer and `upgrade` always succeeds; the collector reclaims the cycle
/// it closes.
///
/// ```
/// use reclaimer::{Shared, Weak};
///
/// let strong: Shared<reclaimer::Arc, u32> = Shared::new(1);
/// let weak: Weak<reclaimer::Arc, u32> = Shared::downgrade(&strong);
/// assert_eq!(weak.upgrade().map(|p| *p), Some(1));
/// drop(strong);
/// assert!(weak.upgrade().is_none());
/// ```
pub struct Weak<S: Strategy, T: Trace + 'static> {
    raw: S::WeakPtr<T>,
    _marker: PhantomData<*const T>,
}

impl<S: Strategy, T: Trace + 'static> Weak<S, T> {
    /// The target, if it is still alive.
    #[inline]
    pub fn upgrade(&self) -> Option<Shared<S, T>> {
        S::upgrade(&self.raw).map(Shared::from_raw)
    }
}

impl<S: Strategy, T: Trace + 'static> Clone for Weak<S, T> {
    #[inline]
    fn clone(&self) -> Self {
        Weak {
            raw: S::weak_clone(&self.raw),
            _marker: PhantomData,
        }
    }
}

impl<S: Strategy, T: Trace + 'static> fmt::Debug for Weak<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Weak<{}>", S::NAME)
    }
}

// SAFETY: the strategy's weak pointer visits itself; `S::weak_trace` is that one visit.
unsafe impl<S: Strategy, T: Trace + 'static> Trace for Weak<S, T> {
    #[inline]
    fn trace<V: Visitor>(&self, visitor: &mut V) {
        S::weak_trace(&self.raw, visitor);
    }
}

// SAFETY: `ThreadSafe`'s contract: the raw weak pointer is `Send + Sync` when `T: Send + Sync`.
unsafe impl<S: ThreadSafe, T: Trace + Send + Sync + 'static> Send for Weak<S, T> {}
// SAFETY: as for `Send`.
unsafe impl<S: ThreadSafe, T: Trace + Send + Sync + 'static> Sync for Weak<S, T> {}
