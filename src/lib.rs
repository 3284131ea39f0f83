//! Shared state in async Rust, three ways, behind one API: reference counting (`Arc` with
//! arc-swap), epoch-based deferred destruction (crossbeam-epoch), and tracing garbage
//! collection (rust-gc's `gc` and dumpster's two collectors), with `Rc` as the single-thread
//! baseline.
//!
//! # The problem
//!
//! Massively concurrent async Rust shares state through `Arc`. Critics call that "the world's
//! worst garbage collector": lifetimes become unknowable, cycles leak unless one plays games with
//! `Weak`, and epoch/RCU schemes are garbage collection under another name. This crate lets the
//! same program run on each way of reclaiming memory, so the argument can be settled with
//! numbers: cycle leaks, reclamation latency, throughput, memory and pauses.
//!
//! # The pieces
//!
//! - [`Strategy`]: the one trait generic code names. Each strategy is a zero-sized marker:
//!   [`Arc`], [`RwLockArc`], [`Epoch`], [`Gc`], [`SyncGc`], [`Rc`], [`UnsyncGc`], [`Leak`].
//!   The [`strategy`] module says which to pick.
//! - [`Shared<S, T>`]: the shared pointer (clone, deref, [`Shared::ptr_eq`]).
//! - [`Cell<S, T>`]: the swappable slot (read through a closure, [`load`](Cell::load),
//!   [`store`](Cell::store), [`swap`](Cell::swap), [`rcu`](Cell::rcu),
//!   [`update`](Cell::update)): a value swapped whole.
//! - [`OptionCell<S, T>`]: a swappable link that may be empty, with no allocation when it is.
//! - [`Lock<S, T>`]: a value mutated in place through a closure ([`with`](Lock::with)), in the
//!   backend's own traced container: membership lists, mailboxes, adjacency.
//! - [`Weak<S, T>`]: a back-edge; a real weak pointer where the strategy has one.
//! - [`Trace`] and `#[derive(Trace)]`: one derive makes a type usable by every strategy.
//! - [`Shareable<S>`]: the bound generic code writes where it builds pointers; it carries each
//!   strategy's thread-safety requirement.
//!
//! # Switching strategy
//!
//! A program names its strategy once. Changing `type S = reclaimer::Arc;` to
//! `type S = reclaimer::SyncGc;` switches every thread-safe program with no other edit:
//!
//! ```
//! use reclaimer::{Cell, Shared, Trace};
//!
//! type S = reclaimer::Arc;
//!
//! #[derive(Trace)]
//! struct Session {
//!     name: String,
//!     room: Cell<S, String>,
//! }
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() {
//! let alice = Shared::<S, _>::new(Session {
//!     name: "alice".into(),
//!     room: Cell::from_value("lobby".to_string()),
//! });
//! let task = tokio::spawn({
//!     let alice = alice.clone();
//!     async move { alice.room.store(Shared::new("kitchen".into())) }
//! });
//! task.await.unwrap();
//! assert_eq!(alice.room.read(|r| r.clone()), "kitchen");
//! # }
//! ```
//!
//! Generic code takes the strategy as a parameter and bounds only what it uses:
//!
//! ```
//! use reclaimer::{Cell, Shareable, Shared, Strategy, Trace};
//!
//! #[derive(Trace)]
//! struct Node<S: Strategy> {
//!     value: u64,
//!     next: Cell<S, Option<Shared<S, Node<S>>>>,
//! }
//!
//! /// Builds a two-node cycle and drops it; returns whether the strategy reclaimed it.
//! fn cycle<S: Strategy>() -> Shared<S, Node<S>>
//! where
//!     Node<S>: Shareable<S>,
//!     Option<Shared<S, Node<S>>>: Shareable<S>,
//! {
//!     let a = Shared::new(Node { value: 1, next: Cell::from_value(None) });
//!     let b = Shared::new(Node { value: 2, next: Cell::from_value(Some(a.clone())) });
//!     a.next.store(Shared::new(Some(b)));
//!     a
//! }
//!
//! let a = cycle::<reclaimer::Gc>();
//! assert_eq!(a.value, 1);
//! drop(a);
//! reclaimer::collect::<reclaimer::Gc>(); // the cycle is freed here; under `Arc` it would leak
//! ```
//!
//! `Gc`, `Rc` and `UnsyncGc` are thread-local ([`Local`]): their handles are `!Send`, so a
//! program using one runs its tasks with
//! `tokio::task::LocalSet::spawn_local` on a current-thread runtime. Moving one into
//! `tokio::spawn` is a compile error, not a panic.
//!
//! # Before using
//!
//! Read [`docs::strategies`] (how each strategy reclaims, what it costs, its traps and which to
//! pick) and [`docs::examples`] (the runnable examples and their output), then
//! [`docs::limitations`] (what each backend cannot do, with the measured depth limits) and
//! [`docs::design`] (why the API looks the way it does). [`docs::performance`] gives what each
//! strategy's wrapper costs over the crate it wraps; [`docs::metrics`] defines every figure the
//! lab prints; [`docs::testing`] lists the test suites and how to run them.
//!
//! # Optional features
//!
//! Every strategy is an additive cargo feature, all on by default:
//!
//! | feature | strategy | dependency |
//! |---|---|---|
//! | `arc` | [`Arc`] | arc-swap |
//! | `rw-lock-arc` | [`RwLockArc`] | — |
//! | `epoch` | [`Epoch`] | crossbeam-epoch |
//! | `gc` | [`Gc`] | gc |
//! | `sync-gc` | [`SyncGc`] | dumpster |
//! | `rc` | [`Rc`] | — |
//! | `unsync-gc` | [`UnsyncGc`] | dumpster |
//! | `leak` | [`Leak`] | — |
//! | `metrics` | the instruments: [`metrics`] and the [`leaks`] check (no strategy) | hdrhistogram, serde, serde_json |
#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]
#![doc(test(attr(deny(warnings))))]

// Lets `#[derive(Trace)]` output (which names `::reclaimer`) compile inside this crate too.
#[allow(unused_extern_crates)]
extern crate self as reclaimer;

mod cell;
mod compile_fail;
pub mod docs;
#[cfg(feature = "metrics")]
pub mod leaks;
mod lock;
#[cfg(any(feature = "epoch", feature = "hyaline", feature = "hazard"))]
mod loom;
#[cfg(feature = "metrics")]
pub mod metrics;
mod option_cell;
#[cfg(any(
    feature = "epoch",
    feature = "hyaline",
    feature = "hazard",
    feature = "metrics"
))]
mod padded;
#[cfg(feature = "metrics")]
mod sharded;
mod shared;
pub mod strategy;
mod trace;

pub use crate::cell::Cell;
pub use crate::lock::Lock;
pub use crate::option_cell::OptionCell;
pub use crate::shared::{Shared, Weak};
pub use crate::strategy::{BackEdge, Local, Shareable, Strategy, ThreadSafe};
pub use crate::trace::{Trace, Visitor};

#[cfg(feature = "arc")]
pub use crate::strategy::Arc;
#[cfg(feature = "epoch")]
pub use crate::strategy::Epoch;
#[cfg(feature = "gc")]
pub use crate::strategy::Gc;
#[cfg(feature = "hazard")]
pub use crate::strategy::Hazard;
#[cfg(feature = "hyaline")]
pub use crate::strategy::Hyaline;
#[cfg(feature = "leak")]
pub use crate::strategy::Leak;
#[cfg(feature = "rc")]
pub use crate::strategy::Rc;
#[cfg(feature = "rw-lock-arc")]
pub use crate::strategy::RwLockArc;
#[cfg(feature = "sync-gc")]
pub use crate::strategy::SyncGc;
#[cfg(feature = "unsync-gc")]
pub use crate::strategy::UnsyncGc;

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// Reclaims everything strategy `S` can reclaim now, from the calling thread: shorthand for
/// [`S::collect()`](Strategy::collect).
#[inline]
pub fn collect<S: Strategy>() {
    S::collect();
}

/// The park hook of strategy `S`: shorthand for [`S::on_park()`](Strategy::on_park). Install it
/// on every runtime whose workers may go idle holding garbage:
///
/// ```
/// type S = reclaimer::Epoch;
///
/// let runtime = tokio::runtime::Builder::new_multi_thread()
///     .worker_threads(2)
///     .on_thread_park(reclaimer::on_park::<S>)
///     .build()
///     .unwrap();
/// # drop(runtime);
/// ```
#[inline]
pub fn on_park<S: Strategy>() {
    S::on_park();
}
