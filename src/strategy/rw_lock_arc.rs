//! [`RwLockArc`]: `std::sync::Arc` pointers in `RwLock<Arc<T>>` cells.
//!
//! # How it reclaims
//! Exactly like [`Arc`](super::Arc): the last `drop` frees at once. Only the cell differs: a
//! read takes the read lock, a store takes the write lock.
//!
//! # When it is the right choice
//! When you want the implementation nobody has to think about. It is this crate's test oracle:
//! the conformance suite runs every scenario against it too, so a strategy that disagrees with
//! it is wrong. It is also the "mutexy" baseline the benchmarks compare cells against.
//!
//! # Traps
//! - Cycles leak and deep chains recurse on drop, as with `Arc`.
//! - A reader blocks writers while its closure runs. Do not call [`Cell::store`] on the same
//!   cell from inside [`Cell::read`]: that deadlocks.
//! - `rcu` runs its closure once, under the write lock.
//!
//! [`Cell::store`]: crate::Cell::store
//! [`Cell::read`]: crate::Cell::read

use std::sync::RwLock;

use super::mutex_lock::mutex_lock_ops;
use super::raw::{Backend, ThreadSafeBackend};
use super::rw_lock_slot::rw_lock_slot_ops;
use super::std_arc::std_arc_pointer_ops;
use super::{strategy_marker, BackEdge, Strategy, ThreadSafe};
use crate::trace::{Trace, Visitor};

/// The `RwLockArc` strategy: `std::sync::Arc` pointers, `RwLock<Arc<T>>` cells. See the
/// [module docs](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RwLockArc;

strategy_marker!(RwLockArc);

impl Strategy for RwLockArc {
    type Kind = super::kind::AnyThread;
    const NAME: &'static str = "RwLockArc";
    const THREAD_SAFE: bool = true;
    const FREES_MEMORY: bool = true;
    const RECLAIMS_CYCLES: bool = false;
    const BACK_EDGE: BackEdge = BackEdge::Weak;

    #[inline]
    fn collect() {}

    #[inline]
    fn on_park() {}
}

impl Backend for RwLockArc {
    type Slot<T: Trace + 'static> = RwLock<std::sync::Arc<T>>;
    type OptionSlot<T: Trace + 'static> = RwLock<Option<std::sync::Arc<T>>>;

    std_arc_pointer_ops!();
    mutex_lock_ops!();

    rw_lock_slot_ops!(|ptr| &**ptr);

    #[inline]
    fn slot_trace<T: Trace + 'static, V: Visitor>(_: &Self::Slot<T>, _: &mut V) {}

    #[inline]
    fn option_trace<T: Trace + 'static, V: Visitor>(_: &Self::OptionSlot<T>, _: &mut V) {}
}

// SAFETY: `Arc<T>`, `Weak<T>` and `RwLock<Option<Arc<T>>>` are `Send + Sync` when
// `T: Send + Sync`; `Mutex<T>` is `Send + Sync` when `T: Send`.
unsafe impl ThreadSafe for RwLockArc {}

impl ThreadSafeBackend for RwLockArc {
    #[inline]
    fn ptr_new<T: Trace + Send + Sync + 'static>(value: T) -> Self::Ptr<T> {
        std::sync::Arc::new(value)
    }
}
