//! The strategies, and the one trait generic code names.
//!
//! # Which strategy do I pick?
//!
//! | strategy | pointer | cell | cycles | thread-safe | pick it when |
//! |---|---|---|---|---|---|
//! | [`Arc`] | `std::sync::Arc` | `arc_swap::ArcSwap` | leak | yes | the default; acyclic data, or cycles broken with [`Weak`](crate::Weak) |
//! | [`RwLockArc`] | `std::sync::Arc` | `RwLock<Arc<T>>` | leak | yes | you want the obvious implementation (it is the test oracle) |
//! | [`Epoch`] | refcount, final free deferred through crossbeam-epoch | `crossbeam_epoch::Atomic` | leak | yes | read-mostly cells: reads touch no refcount |
//! | [`Gc`] | `gc::Gc` (rust-gc) | `gc::GcCell` | collected | **no** | single-threaded (`LocalSet`) graphs full of cycles |
//! | [`SyncGc`] | `dumpster::sync::Gc` | `RwLock` traced by the collector | collected | yes | cyclic graphs shared across worker threads |
//! | [`Leak`] | leaked `Box` | atomic pointer | never freed | yes | a speed upper bound; never in production |
//!
//! Each strategy is a zero-sized marker type implementing [`Strategy`]. Code written against
//! [`Shared<S, T>`](crate::Shared), [`Cell<S, T>`](crate::Cell) and [`Weak<S, T>`](crate::Weak)
//! switches strategy by changing `S`.
//!
//! ## `Arc`
//! Reclamation is exact and immediate: the last drop frees. Cycles leak unless a back-edge is
//! [`Weak`](crate::Weak). Cells are arc-swap's: never hold its guard across `.await` (reads here
//! are closures, so you cannot).
//!
//! ## `Epoch`
//! Deferred destruction: the last drop hands the object to crossbeam-epoch, which frees it once
//! no thread can still be reading it. Cell reads pin the thread and touch no refcount. A flush
//! policy bounds how long garbage waits; see the [`epoch`] module.
//!
//! ## `Gc`
//! A real tracing collector, confined to one thread: `Shared<Gc, T>` is `!Send`, so code that
//! uses it runs on a current-thread runtime inside a `tokio::task::LocalSet`. Trying to
//! `tokio::spawn` it is a compile error.
//!
//! ## `SyncGc`
//! Reference counting plus dumpster's cycle detection, thread-safe. Acyclic garbage is freed at
//! once; cycles wait for a collection, which runs inline in some `Drop` under a global lock.
//!
//! # Why the trait is sealed
//!
//! The raw operations (hidden methods of [`Strategy`]) carry safety contracts between this
//! crate's wrappers and each backend that are not stable yet. New strategies (hazard pointers,
//! seize, dumpster's unsync `Gc`) fit the same trait and will be added here.

use std::fmt::Debug;

use crate::trace::{Trace, Visitor};

#[cfg(feature = "arc")]
pub mod arc;
#[cfg(feature = "epoch")]
pub mod epoch;
#[cfg(feature = "gc")]
pub mod gc;
#[cfg(feature = "leak")]
pub mod leak;
#[cfg(feature = "rw-lock-arc")]
pub mod rw_lock_arc;
#[cfg(feature = "sync-gc")]
pub mod sync_gc;

#[cfg(any(feature = "rw-lock-arc", feature = "sync-gc"))]
mod rw_lock_slot;
#[cfg(any(feature = "arc", feature = "rw-lock-arc"))]
mod std_arc;

#[cfg(feature = "arc")]
pub use self::arc::Arc;
#[cfg(feature = "epoch")]
pub use self::epoch::Epoch;
#[cfg(feature = "gc")]
pub use self::gc::Gc;
#[cfg(feature = "leak")]
pub use self::leak::Leak;
#[cfg(feature = "rw-lock-arc")]
pub use self::rw_lock_arc::RwLockArc;
#[cfg(feature = "sync-gc")]
pub use self::sync_gc::SyncGc;

/// Implements the marker traits every strategy type needs.
// Unused only when every strategy feature is off.
#[allow(unused_macros)]
macro_rules! strategy_marker {
    ($name:ident) => {
        impl crate::strategy::sealed::Sealed for $name {}

        // SAFETY: a strategy marker is a zero-sized type that holds no handles.
        unsafe impl crate::trace::Trace for $name {
            #[inline]
            fn trace<V: crate::trace::Visitor>(&self, _: &mut V) {}
        }
    };
}

#[allow(unused_imports)]
use strategy_marker;

/// Implements the back-edge half of [`Strategy`] for a strategy whose back-edge is a strong
/// pointer (`WeakPtr<T> = Ptr<T>`): downgrading clones, upgrading always succeeds, and the
/// collector traces a back-edge like any pointer.
#[allow(unused_macros)]
macro_rules! strong_back_edge_ops {
    () => {
        #[inline]
        fn downgrade<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> Self::WeakPtr<T> {
            Self::ptr_clone(ptr)
        }
        #[inline]
        fn upgrade<T: Trace + 'static>(weak: &Self::WeakPtr<T>) -> Option<Self::Ptr<T>> {
            Some(Self::ptr_clone(weak))
        }
        #[inline]
        fn weak_clone<T: Trace + 'static>(weak: &Self::WeakPtr<T>) -> Self::WeakPtr<T> {
            Self::ptr_clone(weak)
        }
        #[inline]
        fn weak_trace<T: Trace + 'static, V: Visitor>(weak: &Self::WeakPtr<T>, visitor: &mut V) {
            Self::ptr_trace(weak, visitor);
        }
    };
}

#[allow(unused_imports)]
use strong_back_edge_ops;

pub(crate) mod sealed {
    /// Keeps [`Strategy`](super::Strategy) implemented only inside this crate.
    pub trait Sealed {}
}

/// How [`Shared::downgrade`](crate::Shared::downgrade) holds a back-edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BackEdge {
    /// A real weak pointer: it does not keep its target alive, and upgrading can fail. This is
    /// how refcounting strategies break cycles by hand.
    Weak,
    /// A strong pointer: upgrading always succeeds. Tracing strategies collect the cycle it
    /// closes; [`Leak`] never frees anything anyway.
    Strong,
}

/// A way of sharing and reclaiming state: the one trait generic code names.
///
/// A strategy is a zero-sized marker. It provides a shared pointer ([`Shared<S, T>`]), a
/// swappable cell ([`Cell<S, T>`]), a back-edge ([`Weak<S, T>`]) and [`collect`]. Generic code
/// needs `S: Strategy`, plus `T: Shareable<S>` where it builds pointers, plus `S: ThreadSafe`
/// where handles cross threads.
///
/// ```
/// use reclaimer::{Shared, Shareable, Strategy};
///
/// fn pair<S: Strategy>(x: u64) -> (Shared<S, u64>, Shared<S, u64>)
/// where
///     u64: Shareable<S>,
/// {
///     let a = Shared::new(x);
///     (a.clone(), a)
/// }
///
/// let (a, b) = pair::<reclaimer::Arc>(7);
/// assert!(Shared::ptr_eq(&a, &b));
/// let (c, _) = pair::<reclaimer::SyncGc>(7);
/// assert_eq!(*c, 7);
/// ```
///
/// The hidden methods are the raw operations behind the wrappers; call the wrappers instead.
///
/// [`Shared<S, T>`]: crate::Shared
/// [`Cell<S, T>`]: crate::Cell
/// [`Weak<S, T>`]: crate::Weak
/// [`collect`]: Strategy::collect
pub trait Strategy:
    sealed::Sealed + Trace + Copy + Default + Debug + Send + Sync + Unpin + 'static
{
    /// The strategy's name as the lab prints it.
    const NAME: &'static str;
    /// Whether handles may cross threads (then the strategy also implements [`ThreadSafe`]).
    const THREAD_SAFE: bool;
    /// Whether unreachable cycles are reclaimed (by [`collect`](Strategy::collect) at the
    /// latest).
    const RECLAIMS_CYCLES: bool;
    /// How [`Weak`](crate::Weak) holds its target.
    const BACK_EDGE: BackEdge;

    /// Reclaims everything this strategy can reclaim now, from the calling thread.
    ///
    /// A no-op where nothing is ever pending (`Arc`, `RwLockArc`, `Leak`). For `Gc` it runs a
    /// full collection of this thread's heap; for `SyncGc` a dumpster collection; for `Epoch`
    /// it flushes and advances the epoch until this thread's garbage is freed.
    fn collect();

    #[doc(hidden)]
    type Ptr<T: Trace + 'static>;
    #[doc(hidden)]
    type WeakPtr<T: Trace + 'static>;
    #[doc(hidden)]
    type Slot<T: Trace + 'static>;

    #[doc(hidden)]
    fn ptr_clone<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> Self::Ptr<T>;
    #[doc(hidden)]
    fn ptr_deref<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> &T;
    #[doc(hidden)]
    fn ptr_eq<T: Trace + 'static>(a: &Self::Ptr<T>, b: &Self::Ptr<T>) -> bool;
    #[doc(hidden)]
    fn ptr_trace<T: Trace + 'static, V: Visitor>(ptr: &Self::Ptr<T>, visitor: &mut V);

    #[doc(hidden)]
    fn downgrade<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> Self::WeakPtr<T>;
    #[doc(hidden)]
    fn upgrade<T: Trace + 'static>(weak: &Self::WeakPtr<T>) -> Option<Self::Ptr<T>>;
    #[doc(hidden)]
    fn weak_clone<T: Trace + 'static>(weak: &Self::WeakPtr<T>) -> Self::WeakPtr<T>;
    #[doc(hidden)]
    fn weak_trace<T: Trace + 'static, V: Visitor>(weak: &Self::WeakPtr<T>, visitor: &mut V);

    #[doc(hidden)]
    fn slot_new<T: Trace + 'static>(ptr: Self::Ptr<T>) -> Self::Slot<T>;
    #[doc(hidden)]
    fn slot_read<T: Trace + 'static, R>(slot: &Self::Slot<T>, f: impl FnOnce(&T) -> R) -> R;
    #[doc(hidden)]
    fn slot_load<T: Trace + 'static>(slot: &Self::Slot<T>) -> Self::Ptr<T>;
    #[doc(hidden)]
    fn slot_swap<T: Trace + 'static>(slot: &Self::Slot<T>, new: Self::Ptr<T>) -> Self::Ptr<T>;
    #[doc(hidden)]
    fn slot_rcu<T: Trace + 'static>(
        slot: &Self::Slot<T>,
        f: impl FnMut(&T) -> Self::Ptr<T>,
    ) -> Self::Ptr<T>;
    #[doc(hidden)]
    fn slot_trace<T: Trace + 'static, V: Visitor>(slot: &Self::Slot<T>, visitor: &mut V);
}

/// A strategy whose handles may cross threads.
///
/// [`Shared<S, T>`](crate::Shared), [`Weak<S, T>`](crate::Weak) and [`Cell<S, T>`](crate::Cell)
/// are `Send + Sync` exactly when `S: ThreadSafe` and `T: Send + Sync`.
///
/// # Safety
///
/// For every `T: Send + Sync`, the strategy's raw pointer, weak pointer and slot types must be
/// safe to send to and share between threads, and its raw operations safe to call from any
/// thread.
pub unsafe trait ThreadSafe: Strategy {}

/// A value that strategy `S` can put behind a pointer.
///
/// Construction carries each strategy's bound: `SyncGc` and `Epoch` need `T: Send + Sync`
/// (their collectors may drop the value on another thread), the others only `T: Trace +
/// 'static`. Generic code says `where T: Shareable<S>`; concrete code needs nothing.
///
/// ```compile_fail
/// // `Rc` is not `Send`: dumpster's thread-safe collector cannot own it.
/// let _ = reclaimer::Shared::<reclaimer::SyncGc, _>::new(std::rc::Rc::<str>::from("no"));
/// ```
///
/// ```
/// // The same value is fine for the thread-local `Gc`.
/// let _ = reclaimer::Shared::<reclaimer::Gc, _>::new(std::rc::Rc::<str>::from("yes"));
/// ```
pub trait Shareable<S: Strategy>: Trace + Sized + 'static {
    #[doc(hidden)]
    fn into_ptr(self) -> S::Ptr<Self>;
}
