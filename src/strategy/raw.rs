//! The raw operations behind [`Shared`](crate::Shared), [`Weak`](crate::Weak) and
//! [`Cell`](crate::Cell): a crate-private supertrait of [`Strategy`](super::Strategy), so no code
//! outside this crate can call or implement them (the way arc-swap keeps its strategy internals
//! in a private module).

use crate::trace::{Trace, Visitor};

/// The raw types and operations of a strategy. Each wrapper method is one call to one of these.
pub(crate) trait Backend {
    /// The strong pointer behind `Shared<S, T>`.
    type Ptr<T: Trace + 'static>;
    /// The back-edge behind `Weak<S, T>`.
    type WeakPtr<T: Trace + 'static>;
    /// The swappable slot behind `Cell<S, T>`; never empty.
    type Slot<T: Trace + 'static>;
    /// The slot behind `OptionCell<S, T>`: a nullable pointer, empty with no allocation.
    type OptionSlot<T: Trace + 'static>;
    /// The lock behind `Lock<S, T>`: the backend's own container mutated in place.
    type Lock<T: Trace + 'static>;

    fn ptr_clone<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> Self::Ptr<T>;
    fn ptr_deref<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> &T;
    fn ptr_eq<T: Trace + 'static>(a: &Self::Ptr<T>, b: &Self::Ptr<T>) -> bool;
    /// Shows `visitor` the pointer itself (not its target's fields): one visit.
    fn ptr_trace<T: Trace + 'static, V: Visitor>(ptr: &Self::Ptr<T>, visitor: &mut V);

    fn downgrade<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> Self::WeakPtr<T>;
    fn upgrade<T: Trace + 'static>(weak: &Self::WeakPtr<T>) -> Option<Self::Ptr<T>>;
    fn weak_clone<T: Trace + 'static>(weak: &Self::WeakPtr<T>) -> Self::WeakPtr<T>;
    fn weak_trace<T: Trace + 'static, V: Visitor>(weak: &Self::WeakPtr<T>, visitor: &mut V);

    fn slot_new<T: Trace + 'static>(ptr: Self::Ptr<T>) -> Self::Slot<T>;
    fn slot_read<T: Trace + 'static, R>(slot: &Self::Slot<T>, f: impl FnOnce(&T) -> R) -> R;
    fn slot_load<T: Trace + 'static>(slot: &Self::Slot<T>) -> Self::Ptr<T>;
    fn slot_swap<T: Trace + 'static>(slot: &Self::Slot<T>, new: Self::Ptr<T>) -> Self::Ptr<T>;
    /// Replaces the value and releases the old one. Always inlined: it adds nothing to the
    /// swap, and a call of its own was measured to cost `Gc` a nanosecond a store.
    #[inline(always)]
    fn slot_store<T: Trace + 'static>(slot: &Self::Slot<T>, new: Self::Ptr<T>) {
        drop(Self::slot_swap(slot, new));
    }
    fn slot_rcu<T: Trace + 'static>(
        slot: &Self::Slot<T>,
        f: impl FnMut(&T) -> Self::Ptr<T>,
    ) -> Self::Ptr<T>;
    /// Replaces the value with `f(current)` when `f` returns `Some`; returns the value replaced,
    /// or `None` (the slot untouched) when `f` returned `None`.
    fn slot_update<T: Trace + 'static>(
        slot: &Self::Slot<T>,
        f: impl FnMut(&T) -> Option<Self::Ptr<T>>,
    ) -> Option<Self::Ptr<T>>;
    /// Shows `visitor` the pointer the slot holds: one visit, or `busy` if it cannot be read now.
    fn slot_trace<T: Trace + 'static, V: Visitor>(slot: &Self::Slot<T>, visitor: &mut V);

    fn option_new<T: Trace + 'static>(ptr: Option<Self::Ptr<T>>) -> Self::OptionSlot<T>;
    fn option_read<T: Trace + 'static, R>(
        slot: &Self::OptionSlot<T>,
        f: impl FnOnce(Option<&T>) -> R,
    ) -> R;
    fn option_load<T: Trace + 'static>(slot: &Self::OptionSlot<T>) -> Option<Self::Ptr<T>>;
    fn option_swap<T: Trace + 'static>(
        slot: &Self::OptionSlot<T>,
        new: Option<Self::Ptr<T>>,
    ) -> Option<Self::Ptr<T>>;
    /// Replaces the value, if any, and releases the old one. Always inlined, as `slot_store`.
    #[inline(always)]
    fn option_store<T: Trace + 'static>(slot: &Self::OptionSlot<T>, new: Option<Self::Ptr<T>>) {
        drop(Self::option_swap(slot, new));
    }
    /// As [`slot_update`](Backend::slot_update), for an optional slot: `Some(new)` replaces the
    /// value (returning `Some(old)`), `None` leaves it untouched (returning `None`).
    #[allow(clippy::option_option)]
    fn option_update<T: Trace + 'static>(
        slot: &Self::OptionSlot<T>,
        f: impl FnMut(Option<&T>) -> Option<Option<Self::Ptr<T>>>,
    ) -> Option<Option<Self::Ptr<T>>>;
    /// Shows `visitor` the pointer the slot holds, if any, or `busy` if it cannot be read now.
    fn option_trace<T: Trace + 'static, V: Visitor>(slot: &Self::OptionSlot<T>, visitor: &mut V);

    fn lock_new<T: Trace + 'static>(value: T) -> Self::Lock<T>;
    /// Runs `f` on the value with exclusive access.
    fn lock_with<T: Trace + 'static, R>(lock: &Self::Lock<T>, f: impl FnOnce(&mut T) -> R) -> R;
    /// Runs `f` on the value with shared access (exclusive where the backend has only that).
    fn lock_read<T: Trace + 'static, R>(lock: &Self::Lock<T>, f: impl FnOnce(&T) -> R) -> R;
    fn lock_into_inner<T: Trace + 'static>(lock: Self::Lock<T>) -> T;
    /// Shows `visitor` the handles the value holds, or `busy` if a writer holds the lock.
    fn lock_trace<T: Trace + 'static, V: Visitor>(lock: &Self::Lock<T>, visitor: &mut V);
}

/// Construction for the thread-safe strategies, whose bound is the same for all of them.
pub(crate) trait ThreadSafeBackend: Backend {
    fn ptr_new<T: Trace + Send + Sync + 'static>(value: T) -> Self::Ptr<T>;
}

/// Construction for the thread-local strategies: any `Trace + 'static` value.
pub(crate) trait LocalBackend: Backend {
    fn ptr_new<T: Trace + 'static>(value: T) -> Self::Ptr<T>;
}

/// The seal of [`Strategy::Kind`](super::Strategy::Kind): only the two kinds of
/// [`kind`](super::kind) implement it.
pub(crate) trait Kind {}

/// Puts a value behind strategy `S`'s pointer, for a strategy of kind `K`: the private half of
/// [`Shareable`](super::Shareable), so user code can name the bound but not call it.
///
/// The kind parameter keeps the two blanket impls below apart: without it, an impl for every
/// `S: ThreadSafe` and one for every `S: Local` would overlap as far as coherence can tell.
pub(crate) trait Construct<K, S: Backend>: Trace + Sized + 'static {
    fn into_ptr(self) -> S::Ptr<Self>;
}

impl<S: ThreadSafeBackend, T: Trace + Send + Sync + 'static> Construct<super::kind::AnyThread, S>
    for T
{
    #[inline(always)]
    fn into_ptr(self) -> S::Ptr<T> {
        S::ptr_new(self)
    }
}

impl<S: LocalBackend, T: Trace + 'static> Construct<super::kind::OneThread, S> for T {
    #[inline(always)]
    fn into_ptr(self) -> S::Ptr<T> {
        <S as LocalBackend>::ptr_new(self)
    }
}
