//! [`Rc`]: `std::rc::Rc` pointers with `RefCell` cells and locks, confined to one thread.
//!
//! # How it reclaims
//! Reference counting without atomics: the last `drop` frees the object at once. Reclamation is
//! exact, so garbage in flight is zero for acyclic data.
//!
//! # When it is the right choice
//! Acyclic graphs owned by one thread (a `tokio::task::LocalSet`): it is the single-thread
//! baseline that the thread-local collectors, [`Gc`](crate::Gc) and
//! [`UnsyncGc`](crate::UnsyncGc), are measured against. No operation touches an atomic.
//!
//! # Traps
//! - **Cycles leak**, as with [`Arc`](crate::Arc): break them with a [`Weak`](crate::Weak).
//! - **`!Send`.** `Shared<Rc, T>` cannot cross threads; run its tasks with `spawn_local`.
//! - **Deep chains recurse on drop**, as with `Arc`.
//! - **Locks are `RefCell`s.** Re-entering a [`Lock`](crate::Lock) on the same thread (a `with`
//!   inside a `with` or `read`) panics with a message rather than deadlocking.
//!   [`Cell::read`](crate::Cell::read) runs its closure under the cell's shared borrow, as
//!   [`Gc`](crate::Gc) and [`UnsyncGc`](crate::UnsyncGc) do, so a store into the same cell from
//!   inside it panics; [`Cell::load`](crate::Cell::load) first and the store is fine.

use std::cell::RefCell;

use super::raw::{Backend, LocalBackend};
use super::{strategy_marker, BackEdge, Local, Strategy};
use crate::trace::{Trace, Visitor};

/// The `Rc` strategy: `std::rc::Rc` pointers, `RefCell` cells, confined to one thread. See the
/// [module docs](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Rc;

strategy_marker!(Rc);

impl Strategy for Rc {
    type Kind = super::kind::OneThread;
    const NAME: &'static str = "Rc";
    const THREAD_SAFE: bool = false;
    const FREES_MEMORY: bool = true;
    const RECLAIMS_CYCLES: bool = false;
    const BACK_EDGE: BackEdge = BackEdge::Weak;

    #[inline]
    fn collect() {}

    #[inline]
    fn on_park() {}
}

type Ptr<T> = std::rc::Rc<T>;

impl Backend for Rc {
    type Ptr<T: Trace + 'static> = Ptr<T>;
    type WeakPtr<T: Trace + 'static> = std::rc::Weak<T>;
    type Slot<T: Trace + 'static> = RefCell<Ptr<T>>;
    type OptionSlot<T: Trace + 'static> = RefCell<Option<Ptr<T>>>;
    type Lock<T: Trace + 'static> = RefCell<T>;

    #[inline]
    fn ptr_clone<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> Self::Ptr<T> {
        ptr.clone()
    }
    #[inline]
    fn ptr_deref<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> &T {
        ptr
    }
    #[inline]
    fn ptr_eq<T: Trace + 'static>(a: &Self::Ptr<T>, b: &Self::Ptr<T>) -> bool {
        Ptr::ptr_eq(a, b)
    }
    #[inline]
    fn ptr_trace<T: Trace + 'static, V: Visitor>(_: &Self::Ptr<T>, _: &mut V) {}

    #[inline]
    fn downgrade<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> Self::WeakPtr<T> {
        Ptr::downgrade(ptr)
    }
    #[inline]
    fn upgrade<T: Trace + 'static>(weak: &Self::WeakPtr<T>) -> Option<Self::Ptr<T>> {
        weak.upgrade()
    }
    #[inline]
    fn weak_clone<T: Trace + 'static>(weak: &Self::WeakPtr<T>) -> Self::WeakPtr<T> {
        weak.clone()
    }
    #[inline]
    fn weak_trace<T: Trace + 'static, V: Visitor>(_: &Self::WeakPtr<T>, _: &mut V) {}

    #[inline]
    fn slot_new<T: Trace + 'static>(ptr: Self::Ptr<T>) -> Self::Slot<T> {
        RefCell::new(ptr)
    }
    // Under the cell's shared borrow, as the thread-local collectors read, so the three compare
    // on the same work; a store into the same cell from inside `f` panics.
    #[inline]
    fn slot_read<T: Trace + 'static, R>(slot: &Self::Slot<T>, f: impl FnOnce(&T) -> R) -> R {
        f(&slot.borrow())
    }
    #[inline]
    fn slot_load<T: Trace + 'static>(slot: &Self::Slot<T>) -> Self::Ptr<T> {
        slot.borrow().clone()
    }
    #[inline]
    fn slot_swap<T: Trace + 'static>(slot: &Self::Slot<T>, new: Self::Ptr<T>) -> Self::Ptr<T> {
        slot.replace(new)
    }
    // `f` runs with no borrow held; if it changed the cell meanwhile, run it again on the new
    // value, as a compare-and-swap loop would.
    #[inline]
    fn slot_rcu<T: Trace + 'static>(
        slot: &Self::Slot<T>,
        mut f: impl FnMut(&T) -> Self::Ptr<T>,
    ) -> Self::Ptr<T> {
        loop {
            let current = Self::slot_load(slot);
            let new = f(&current);
            let mut guard = slot.borrow_mut();
            if Ptr::ptr_eq(&guard, &current) {
                return std::mem::replace(&mut *guard, new);
            }
        }
    }
    // As `slot_rcu`, stopping where `f` declines.
    #[inline]
    fn slot_update<T: Trace + 'static>(
        slot: &Self::Slot<T>,
        mut f: impl FnMut(&T) -> Option<Self::Ptr<T>>,
    ) -> Option<Self::Ptr<T>> {
        loop {
            let current = Self::slot_load(slot);
            let new = f(&current)?;
            let mut guard = slot.borrow_mut();
            if Ptr::ptr_eq(&guard, &current) {
                return Some(std::mem::replace(&mut *guard, new));
            }
        }
    }
    #[inline]
    fn slot_trace<T: Trace + 'static, V: Visitor>(_: &Self::Slot<T>, _: &mut V) {}

    #[inline]
    fn option_new<T: Trace + 'static>(ptr: Option<Self::Ptr<T>>) -> Self::OptionSlot<T> {
        RefCell::new(ptr)
    }
    // Under the borrow, as `slot_read`.
    #[inline]
    fn option_read<T: Trace + 'static, R>(
        slot: &Self::OptionSlot<T>,
        f: impl FnOnce(Option<&T>) -> R,
    ) -> R {
        f(slot.borrow().as_deref())
    }
    #[inline]
    fn option_load<T: Trace + 'static>(slot: &Self::OptionSlot<T>) -> Option<Self::Ptr<T>> {
        slot.borrow().clone()
    }
    #[inline]
    fn option_swap<T: Trace + 'static>(
        slot: &Self::OptionSlot<T>,
        new: Option<Self::Ptr<T>>,
    ) -> Option<Self::Ptr<T>> {
        slot.replace(new)
    }
    // As `slot_update`.
    #[inline]
    fn option_update<T: Trace + 'static>(
        slot: &Self::OptionSlot<T>,
        mut f: impl FnMut(Option<&T>) -> Option<Option<Self::Ptr<T>>>,
    ) -> Option<Option<Self::Ptr<T>>> {
        let address = |p: &Option<Self::Ptr<T>>| p.as_ref().map(Ptr::as_ptr);
        loop {
            let current = Self::option_load(slot);
            let new = f(current.as_deref())?;
            let mut guard = slot.borrow_mut();
            if address(&guard) == address(&current) {
                return Some(std::mem::replace(&mut *guard, new));
            }
        }
    }
    #[inline]
    fn option_trace<T: Trace + 'static, V: Visitor>(_: &Self::OptionSlot<T>, _: &mut V) {}

    #[inline]
    fn lock_new<T: Trace + 'static>(value: T) -> Self::Lock<T> {
        RefCell::new(value)
    }
    #[inline]
    fn lock_with<T: Trace + 'static, R>(lock: &Self::Lock<T>, f: impl FnOnce(&mut T) -> R) -> R {
        let mut guard = lock.try_borrow_mut().unwrap_or_else(|_| {
            panic!("Lock::with re-entered: the lock is already in use by a `with` or `read` on this thread")
        });
        f(&mut guard)
    }
    #[inline]
    fn lock_read<T: Trace + 'static, R>(lock: &Self::Lock<T>, f: impl FnOnce(&T) -> R) -> R {
        let guard = lock.try_borrow().unwrap_or_else(|_| {
            panic!("Lock::read re-entered: the lock is already in use by a `with` on this thread")
        });
        f(&guard)
    }
    #[inline]
    fn lock_into_inner<T: Trace + 'static>(lock: Self::Lock<T>) -> T {
        lock.into_inner()
    }
    #[inline]
    fn lock_trace<T: Trace + 'static, V: Visitor>(_: &Self::Lock<T>, _: &mut V) {}
}

impl Local for Rc {}

impl LocalBackend for Rc {
    #[inline]
    fn ptr_new<T: Trace + 'static>(value: T) -> Self::Ptr<T> {
        Ptr::new(value)
    }
}
