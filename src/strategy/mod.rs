//! The strategies, and the one trait generic code names.
//!
//! # Which strategy do I pick?
//!
//! | strategy | pointer | cell | lock | cycles | thread-safe | pick it when |
//! |---|---|---|---|---|---|---|
//! | [`Arc`] | `std::sync::Arc` | `arc_swap::ArcSwap` | `Mutex` | leak | yes | the default; acyclic data, or cycles broken with [`Weak`](crate::Weak) |
//! | [`RwLockArc`] | `std::sync::Arc` | `RwLock<Arc<T>>` | `Mutex` | leak | yes | you want the obvious implementation (it is the test oracle) |
//! | [`Epoch`] | refcount, final free deferred through crossbeam-epoch | `crossbeam_epoch::Atomic` | `Mutex` | leak | yes | read-mostly cells: reads touch no refcount |
//! | [`Hyaline`] | refcount, final free deferred through seize (Hyaline-1) | `AtomicPtr` read under a seize guard | `Mutex` | leak | yes | read-mostly cells, where a reader that stalls must hold back only what was retired while it reads |
//! | [`Hazard`] | refcount, final free deferred through haphazard (hazard pointers) | `AtomicPtr` read under a hazard pointer | `Mutex` | leak | yes | read-mostly cells whose readers may stall: a stalled reader keeps only the object it protects |
//! | [`Gc`] | `gc::Gc` (rust-gc) | `gc::GcCell` | `gc::GcCell` | collected | **no** | single-threaded (`LocalSet`) graphs full of cycles |
//! | [`SyncGc`] | `dumpster::sync::Gc` | `RwLock` traced by the collector | `RwLock` traced by the collector | collected | yes | cyclic graphs shared across worker threads |
//! | [`Rc`] | `std::rc::Rc` | `RefCell<Rc<T>>` | `RefCell` | leak | **no** | acyclic data on one thread (`LocalSet`): no atomics at all |
//! | [`UnsyncGc`] | `dumpster::unsync::Gc` | `RefCell` traced by the collector | `RefCell` traced by the collector | collected | **no** | cycles on one thread, with acyclic garbage freed at once |
//! | [`Leak`] | leaked `Box` | atomic pointer | `Mutex` | never freed | yes | a speed upper bound; never in production |
//!
//! The optional cell, [`OptionCell`](crate::OptionCell), is each cell's nullable form
//! (`ArcSwapOption`, `RwLock<Option<_>>`, a nullable `Atomic` or `AtomicPtr`,
//! `GcCell<Option<_>>`). [`Lock`](crate::Lock)'s docs give each lock's behaviour under
//! re-entry and during a collection.
//!
//! Each strategy is a zero-sized marker type implementing [`Strategy`]. Code written against
//! [`Shared<S, T>`](crate::Shared), [`Cell<S, T>`](crate::Cell),
//! [`OptionCell<S, T>`](crate::OptionCell), [`Lock<S, T>`](crate::Lock) and
//! [`Weak<S, T>`](crate::Weak) switches strategy by changing `S`.
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
//! ## `Hyaline`
//! The same pointers as `Epoch`, with seize's Hyaline-1 collector behind them instead of an
//! epoch: a batch of retired objects waits only for the threads that were inside a guard when
//! it was handed on, and the last of them to leave frees it. A flush period bounds how
//! long garbage waits ([`Hyaline::BOUND`], 63 operations); see the [`hyaline`] module.
//!
//! ## `Hazard`
//! The same pointers again, with hazard pointers (haphazard) behind them: a read publishes the
//! pointer it loaded, and a scan reclaims every retired object no hazard pointer protects. A
//! stalled reader keeps exactly the object it reads; a scan period bounds how long the rest
//! waits ([`Hazard::BOUND`], 63 operations); see the [`hazard`] module.
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
//! ## `Rc` and `UnsyncGc`
//! The single-thread pair, `!Send` like `Gc`: `std::rc::Rc` (refcounting with no atomics,
//! leaks cycles) and dumpster's `unsync::Gc` (the same counts plus a thread-local cycle
//! collector). They are the fair baselines for `Gc` on a `LocalSet`, where no side pays for
//! atomics. See the [`rc`] and [`unsync_gc`] modules.
//!
//! # Why the trait is sealed
//!
//! The raw operations behind the wrappers live in a crate-private supertrait of [`Strategy`]:
//! they carry safety contracts between this crate's wrappers and each backend that are not
//! stable yet, so no code outside this crate can call or implement them, and changing them is
//! not a breaking change. New strategies fit the same trait; `docs/design.md` has the checklist.
//!
//! # Every strategy, once
//!
//! [`for_each`] and [`by_name`] run a generic function for each enabled strategy, or for the one
//! a user named; [`for_each_strategy!`](crate::for_each_strategy) does the same at compile time.
//! They read the one list of strategies in `src/strategy/list.rs`.

use std::fmt::Debug;

use crate::trace::Trace;

#[cfg(feature = "arc")]
pub mod arc;
#[cfg(feature = "epoch")]
pub mod epoch;
#[cfg(feature = "gc")]
pub mod gc;
#[cfg(feature = "hazard")]
pub mod hazard;
#[cfg(feature = "hyaline")]
pub mod hyaline;
#[cfg(feature = "leak")]
pub mod leak;
#[cfg(feature = "rc")]
pub mod rc;
#[cfg(feature = "rw-lock-arc")]
pub mod rw_lock_arc;
#[cfg(feature = "sync-gc")]
pub mod sync_gc;
#[cfg(feature = "unsync-gc")]
pub mod unsync_gc;

#[cfg(any(feature = "epoch", feature = "hyaline", feature = "hazard"))]
mod counted;
#[cfg(any(feature = "hyaline", feature = "hazard"))]
mod deferred;
#[cfg(any(
    feature = "arc",
    feature = "rw-lock-arc",
    feature = "epoch",
    feature = "hyaline",
    feature = "hazard",
    feature = "leak"
))]
mod mutex_lock;
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
#[cfg(feature = "hazard")]
pub use self::hazard::Hazard;
#[cfg(feature = "hyaline")]
pub use self::hyaline::Hyaline;
#[cfg(feature = "leak")]
pub use self::leak::Leak;
#[cfg(feature = "rc")]
pub use self::rc::Rc;
#[cfg(feature = "rw-lock-arc")]
pub use self::rw_lock_arc::RwLockArc;
#[cfg(feature = "sync-gc")]
pub use self::sync_gc::SyncGc;
#[cfg(feature = "unsync-gc")]
pub use self::unsync_gc::UnsyncGc;

/// Implements the marker traits every strategy type needs.
// Unused only when every strategy feature is off.
#[allow(unused_macros)]
macro_rules! strategy_marker {
    ($name:ident) => {
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

#[cfg(any(
    feature = "epoch",
    feature = "hyaline",
    feature = "hazard",
    feature = "gc",
    feature = "sync-gc",
    feature = "unsync-gc"
))]
pub(crate) mod hostile;
mod list;
pub(crate) mod raw;

pub use self::list::{by_name, for_each, names, UnknownStrategy, Visit};

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
/// swappable cell ([`Cell<S, T>`]), a back-edge ([`Weak<S, T>`]), [`collect`] and a park hook
/// ([`on_park`]). Generic code needs `S: Strategy`, plus `T: Shareable<S>` where it builds
/// pointers, plus `S: ThreadSafe` where handles cross threads; over `S: ThreadSafe` alone,
/// every `Trace + Send + Sync` type is [`Shareable<S>`] with no bound written.
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
/// let (c, _) = pair::<reclaimer::Gc>(7);
/// assert_eq!(*c, 7);
/// ```
///
/// The raw operations behind the wrappers are crate-private; user code cannot call them:
///
/// ```compile_fail,E0624
/// # use reclaimer::{Shared, Strategy};
/// fn raw<S: Strategy>(a: &Shared<S, u64>) {
///     S::collect(); // public: fine
///     let _ = S::ptr_eq; // a raw operation: private (E0624)
/// }
/// ```
///
/// [`Shared<S, T>`]: crate::Shared
/// [`Cell<S, T>`]: crate::Cell
/// [`Weak<S, T>`]: crate::Weak
/// [`collect`]: Strategy::collect
/// [`on_park`]: Strategy::on_park
// The private supertrait is the seal, and it keeps the raw operations uncallable outside.
#[allow(private_bounds)]
pub trait Strategy:
    raw::Backend + Trace + Copy + Default + Debug + Send + Sync + Unpin + 'static
{
    /// Whether handles may cross threads ([`kind::AnyThread`], and the strategy implements
    /// [`ThreadSafe`]) or stay on one ([`kind::OneThread`], and it implements [`Local`]).
    #[allow(private_bounds)]
    type Kind: raw::Kind;
    /// The strategy's name as the lab prints it.
    const NAME: &'static str;
    /// Whether handles may cross threads (then the strategy also implements [`ThreadSafe`]).
    const THREAD_SAFE: bool;
    /// Whether unreachable cycles are reclaimed (by [`collect`](Strategy::collect) at the
    /// latest).
    const RECLAIMS_CYCLES: bool;
    /// Whether the strategy ever frees memory: `false` only for [`Leak`].
    const FREES_MEMORY: bool;
    /// How [`Weak`](crate::Weak) holds its target.
    const BACK_EDGE: BackEdge;

    /// Reclaims everything this strategy can reclaim now, from the calling thread.
    ///
    /// A no-op where nothing is ever pending (`Arc`, `RwLockArc`, `Leak`). For `Gc` it runs a
    /// full collection of this thread's heap; for `SyncGc` a dumpster collection; for `Epoch`
    /// it flushes and advances the epoch until this thread's garbage is freed; for `Hyaline` it
    /// flushes until every object this thread retired has been dropped; for `Hazard` it scans
    /// until the same holds.
    fn collect();

    /// The hook for a worker thread about to go idle: hands on what this thread holds that no
    /// other thread can free, without waiting. Install it with tokio's
    /// `runtime::Builder::on_thread_park`; [`on_park`](crate::on_park) is the same as a free
    /// function.
    ///
    /// A no-op where nothing can strand on an idle thread (`Arc`, `RwLockArc`, `Gc`, `Leak`).
    /// `Epoch` hands the thread's deferred garbage to the global queue ([`Epoch::flush`]);
    /// `Hyaline` hands its seize batch on ([`Hyaline::flush`]); `Hazard` scans if the thread
    /// retired anything since its last scan ([`Hazard::flush`]);
    /// `SyncGc` runs a dumpster collection, which is the only way to deliver the thread's
    /// buffer of cycle candidates.
    ///
    /// [`Epoch::flush`]: crate::Epoch::flush
    /// [`Hyaline::flush`]: crate::Hyaline::flush
    /// [`Hazard::flush`]: crate::Hazard::flush
    fn on_park();
}

/// A strategy whose handles may cross threads.
///
/// [`Shared<S, T>`](crate::Shared), [`Weak<S, T>`](crate::Weak), [`Cell<S, T>`](crate::Cell) and
/// [`OptionCell<S, T>`](crate::OptionCell) are `Send + Sync` exactly when `S: ThreadSafe` and
/// `T: Send + Sync`; [`Lock<S, T>`](crate::Lock) is `Send` when `T: Send` and `Sync` when
/// `T: Send + Sync`. Every
/// `T: Trace + Send + Sync + 'static` is [`Shareable<S>`] for such a strategy, so code generic
/// over `S: ThreadSafe` builds any number of types with no where-clause:
///
/// ```
/// use reclaimer::{Cell, Shared, ThreadSafe, Trace};
///
/// #[derive(Trace)]
/// struct Room<S: ThreadSafe> {
///     members: Cell<S, Vec<Shared<S, Session<S>>>>,
/// }
///
/// #[derive(Trace)]
/// struct Session<S: ThreadSafe> {
///     room: Cell<S, Option<Shared<S, Room<S>>>>,
/// }
///
/// fn build<S: ThreadSafe>() -> Shared<S, Room<S>> {
///     let room = Shared::new(Room { members: Cell::from_value(Vec::new()) });
///     let alice = Shared::new(Session { room: Cell::from_value(Some(room.clone())) });
///     room.members.rcu(|m| Shared::new(m.iter().cloned().chain([alice.clone()]).collect()));
///     room
/// }
///
/// # #[tokio::main] async fn main() {
/// let room = build::<reclaimer::SyncGc>();
/// tokio::spawn(async move { room.members.read(|m| m.len()) }).await.unwrap();
/// # }
/// ```
///
/// # Safety
///
/// For every `T: Send + Sync`, the strategy's raw pointer, weak pointer, slot and optional slot
/// types must be safe to send to and share between threads, and its raw operations safe to call
/// from any thread. Its raw lock must be `Send` when `T: Send` and `Sync` when `T: Send + Sync`.
#[allow(private_bounds)]
pub unsafe trait ThreadSafe:
    Strategy<Kind = kind::AnyThread> + raw::ThreadSafeBackend
{
}

/// The two kinds of strategy, as [`Strategy::Kind`] names them.
///
/// The kind decides what [`Shareable`] asks of a value: `Send + Sync` for [`AnyThread`],
/// nothing for [`OneThread`].
///
/// [`AnyThread`]: kind::AnyThread
/// [`OneThread`]: kind::OneThread
pub mod kind {
    /// Handles may cross threads: the strategy implements [`ThreadSafe`](super::ThreadSafe).
    #[derive(Debug)]
    pub enum AnyThread {}
    /// Handles stay on one thread: the strategy implements [`Local`](super::Local).
    #[derive(Debug)]
    pub enum OneThread {}

    impl super::raw::Kind for AnyThread {}
    impl super::raw::Kind for OneThread {}
}

/// A value that strategy `S` can put behind a pointer.
///
/// Construction carries each strategy's bound, and the strategy's [`Kind`](Strategy::Kind)
/// picks it. For every thread-safe strategy (`S: ThreadSafe`) it is
/// `T: Trace + Send + Sync + 'static`: dumpster's collector and the epoch may drop the value on
/// another thread, and a handle of a thread-safe strategy is meant to cross threads. For every
/// thread-local strategy (`S: Local`: `Gc`, `Rc`, `UnsyncGc`) it is only `T: Trace + 'static`.
/// Generic code over `S: ThreadSafe` or over `S: Local` needs no bound; generic code over every
/// strategy says `where T: Shareable<S>` once per type it builds; concrete code needs nothing.
///
/// ```compile_fail,E0277
/// // `Rc` is not `Send`: dumpster's thread-safe collector cannot own it.
/// let _ = reclaimer::Shared::<reclaimer::SyncGc, _>::new(std::rc::Rc::<str>::from("no"));
/// ```
///
/// ```
/// // The same value is fine for the thread-local `Gc`.
/// let _ = reclaimer::Shared::<reclaimer::Gc, _>::new(std::rc::Rc::<str>::from("yes"));
/// ```
#[allow(private_bounds)]
pub trait Shareable<S: Strategy>: raw::Construct<S::Kind, S> + Trace + Sized + 'static {}

impl<S: Strategy, T: raw::Construct<S::Kind, S>> Shareable<S> for T {}

/// A strategy whose handles stay on the thread that made them: `Gc`, `Rc` and `UnsyncGc`.
///
/// Their handles are `!Send`, so their tasks run on a current-thread runtime inside a
/// `tokio::task::LocalSet`. Every `T: Trace + 'static` is [`Shareable<S>`] for such a
/// strategy, `!Send` values included, so code generic over `S: Local` builds any type with no
/// where-clause:
///
/// ```
/// use reclaimer::{Local, OptionCell, Shared, Trace};
///
/// #[derive(Trace)]
/// struct Node<S: Local> {
///     next: OptionCell<S, Node<S>>,
///     #[trace(skip)]
///     name: std::rc::Rc<str>,
/// }
///
/// fn ring<S: Local>() -> Shared<S, Node<S>> {
///     let node = |name: &str| Shared::new(Node { next: OptionCell::empty(), name: name.into() });
///     let (a, b) = (node("a"), node("b"));
///     a.next.store(Some(b.clone()));
///     b.next.store(Some(a.clone()));
///     a
/// }
///
/// assert_eq!(&*ring::<reclaimer::Gc>().name, "a");
/// assert_eq!(&*ring::<reclaimer::Rc>().name, "a"); // leaks its two nodes: Rc counts
/// ```
#[allow(private_bounds)]
pub trait Local: Strategy<Kind = kind::OneThread> + raw::LocalBackend {}
