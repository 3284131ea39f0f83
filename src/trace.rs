//! [`Trace`]: how a value shows the collectors the handles it holds.
//!
//! One `#[derive(Trace)]` makes a type usable by every strategy. The tracing strategies adapt
//! it to their crate's own trait inside the library: rust-gc drives four operations (mark, root,
//! unroot, finalize) and dumpster passes its own visitor; each becomes a [`Visitor`] here. The
//! refcounting strategies never trace.

use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet, LinkedList, VecDeque};
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::atomic::{
    AtomicBool, AtomicI16, AtomicI32, AtomicI64, AtomicI8, AtomicIsize, AtomicU16, AtomicU32,
    AtomicU64, AtomicU8, AtomicUsize,
};

pub use reclaimer_derive::Trace;

/// A value whose handles the tracing collectors can find.
///
/// Derive it: `#[derive(Trace)]` works on structs and enums, generic ones too, and visits every
/// field. Mark a field that holds no handles with `#[trace(skip)]` when its type has no `Trace`
/// impl (a channel, a socket, a foreign type).
///
/// ```
/// use reclaimer::{Cell, Shared, Strategy, Trace};
///
/// #[derive(Trace)]
/// struct Room<S: Strategy> {
///     name: String,
///     topic: Cell<S, String>,
///     #[trace(skip)]
///     opened: std::time::Instant,
/// }
///
/// fn open<S: Strategy>() -> Shared<S, Room<S>>
/// where
///     String: reclaimer::Shareable<S>,
///     Room<S>: reclaimer::Shareable<S>,
/// {
///     Shared::new(Room {
///         name: "lobby".into(),
///         topic: Cell::new(Shared::new("welcome".to_string())),
///         opened: std::time::Instant::now(),
///     })
/// }
/// # assert_eq!(open::<reclaimer::Arc>().name, "lobby");
/// # assert_eq!(open::<reclaimer::Gc>().topic.read(|t| t.len()), 7);
/// ```
///
/// Mutable links between shared objects go through [`Cell`](crate::Cell) (a value swapped whole),
/// [`OptionCell`](crate::OptionCell) (a link that may be empty) or [`Lock`](crate::Lock) (a value
/// mutated in place), never through a std `Mutex`, `RwLock` or `RefCell`: those have no `Trace`
/// impl on purpose, and the compiler's message names the fix. rust-gc only unroots a pointer
/// stored through its own cell, so a pointer written into a `Mutex` inside a GC object stays a
/// root forever and its cycle is never collected.
///
/// A skipped field that does hold handles is safe but leaks: its handles stay roots.
///
/// # Safety
///
/// `trace` must visit, on every call, the same handles in the same order: every [`Shared`],
/// [`Weak`] and [`Cell`] the value owns, directly or through owned containers. A handle that is
/// visited by one operation and not by another lets a collector free a reachable object.
/// `#[derive(Trace)]` upholds this; hand-written impls are for containers the derive cannot see
/// into.
///
/// [`Shared`]: crate::Shared
/// [`Weak`]: crate::Weak
/// [`Cell`]: crate::Cell
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `reclaimer::Trace`: the collectors cannot see the handles it may hold",
    label = "not traceable",
    note = "a std `Mutex`, `RwLock` or `RefCell` hides its handles from the collectors (rust-gc keeps what it holds rooted forever); hold the state in `reclaimer::Lock<S, T>` to mutate it in place, or in `reclaimer::Cell<S, T>` to swap it whole",
    note = "a field that holds no handles (a channel, a foreign type) can be skipped with `#[trace(skip)]`"
)]
pub unsafe trait Trace {
    /// Shows `visitor` every handle this value owns.
    fn trace<V: Visitor>(&self, visitor: &mut V);
}

/// A pass over the handles of a value, run by a collector.
///
/// Only this crate implements it: each tracing strategy turns its crate's operations into a
/// visitor. Users see it only as the parameter of [`Trace::trace`], and pass it on to the fields
/// they trace; its methods are crate-private.
#[allow(private_bounds)]
pub trait Visitor: RawVisitor {}

impl<V: RawVisitor> Visitor for V {}

/// The visits themselves: crate-private, so only this crate's strategies call them.
pub(crate) trait RawVisitor {
    /// Visits a rust-gc object (a `gc::Gc` or `gc::GcCell`) owned by the traced value.
    #[cfg(feature = "gc")]
    fn visit_gc<X: gc::Trace + ?Sized>(&mut self, _x: &X) {}

    /// Visits a dumpster `sync::Gc` owned by the traced value.
    #[cfg(feature = "sync-gc")]
    fn visit_sync_gc<X>(&mut self, _gc: &dumpster::sync::Gc<X>)
    where
        X: dumpster::Trace + Send + Sync + ?Sized,
    {
    }

    /// Visits a dumpster `unsync::Gc` owned by the traced value.
    #[cfg(feature = "unsync-gc")]
    fn visit_unsync_gc<X>(&mut self, _gc: &dumpster::unsync::Gc<X>)
    where
        X: dumpster::Trace + ?Sized,
    {
    }

    /// Reports that part of the value cannot be read now (a cell locked by a writer), so the
    /// collector must treat the whole value as reachable rather than trace nothing.
    // Only `SyncGc`'s and `UnsyncGc`'s cells report it.
    #[cfg_attr(not(any(feature = "sync-gc", feature = "unsync-gc")), allow(dead_code))]
    fn busy(&mut self) {}
}

/// Implements `Trace` as a no-op for types that hold no handles.
macro_rules! leaf_trace {
    ($($t:ty),* $(,)?) => {
        $(
            // SAFETY: the type holds no handles, so visiting nothing is complete.
            unsafe impl Trace for $t {
                #[inline]
                fn trace<V: Visitor>(&self, _: &mut V) {}
            }
        )*
    };
}

leaf_trace!(
    (),
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    str,
    String,
    AtomicBool,
    AtomicU8,
    AtomicU16,
    AtomicU32,
    AtomicU64,
    AtomicUsize,
    AtomicI8,
    AtomicI16,
    AtomicI32,
    AtomicI64,
    AtomicIsize,
    std::time::Duration,
    std::time::Instant,
    std::time::SystemTime,
    std::path::PathBuf,
    std::num::NonZeroU64,
    std::num::NonZeroUsize,
);

// SAFETY: a `'static` shared reference owns nothing; what it points to is not ours to trace.
unsafe impl<T: ?Sized + 'static> Trace for &'static T {
    #[inline]
    fn trace<V: Visitor>(&self, _: &mut V) {}
}

// SAFETY: `PhantomData` holds nothing.
unsafe impl<T: ?Sized> Trace for PhantomData<T> {
    #[inline]
    fn trace<V: Visitor>(&self, _: &mut V) {}
}

// SAFETY: an `Rc<str>` holds bytes, no handles.
unsafe impl Trace for Rc<str> {
    #[inline]
    fn trace<V: Visitor>(&self, _: &mut V) {}
}

// SAFETY: an `Arc<str>` holds bytes, no handles.
unsafe impl Trace for std::sync::Arc<str> {
    #[inline]
    fn trace<V: Visitor>(&self, _: &mut V) {}
}

// SAFETY: a box owns its value; visiting the value visits everything the box owns.
unsafe impl<T: Trace + ?Sized> Trace for Box<T> {
    #[inline]
    fn trace<V: Visitor>(&self, visitor: &mut V) {
        (**self).trace(visitor);
    }
}

// SAFETY: an option owns at most its one value.
unsafe impl<T: Trace> Trace for Option<T> {
    #[inline]
    fn trace<V: Visitor>(&self, visitor: &mut V) {
        if let Some(value) = self {
            value.trace(visitor);
        }
    }
}

// SAFETY: a result owns exactly one of its two values.
unsafe impl<T: Trace, E: Trace> Trace for Result<T, E> {
    #[inline]
    fn trace<V: Visitor>(&self, visitor: &mut V) {
        match self {
            Ok(value) => value.trace(visitor),
            Err(error) => error.trace(visitor),
        }
    }
}

// SAFETY: an array owns its elements; they are visited in index order.
unsafe impl<T: Trace, const N: usize> Trace for [T; N] {
    #[inline]
    fn trace<V: Visitor>(&self, visitor: &mut V) {
        self.iter().for_each(|item| item.trace(visitor));
    }
}

// SAFETY: a slice owns its elements; they are visited in index order.
unsafe impl<T: Trace> Trace for [T] {
    #[inline]
    fn trace<V: Visitor>(&self, visitor: &mut V) {
        self.iter().for_each(|item| item.trace(visitor));
    }
}

/// Implements `Trace` for a collection that owns its items, visiting them in iteration order.
macro_rules! collection_trace {
    ($($name:ident<$($p:ident),*> $(where $($b:ident: $bound:path),*)?;)*) => {
        $(
            // SAFETY: the collection owns its items, and its iteration order is stable while
            // it is not mutated, which no collector does.
            unsafe impl<$($p: Trace),* $($(, $b: $bound)*)?> Trace for $name<$($p),* $($(, $b)*)?> {
                #[inline]
                fn trace<V: Visitor>(&self, visitor: &mut V) {
                    self.iter().for_each(|item| item.trace(visitor));
                }
            }
        )*
    };
}

collection_trace! {
    Vec<T>;
    VecDeque<T>;
    LinkedList<T>;
    BinaryHeap<T>;
    BTreeSet<T>;
    HashSet<T> where H: std::hash::BuildHasher;
}

// SAFETY: a map owns its keys and values; each entry is visited key first.
unsafe impl<K: Trace, T: Trace, H: std::hash::BuildHasher> Trace for HashMap<K, T, H> {
    #[inline]
    fn trace<V: Visitor>(&self, visitor: &mut V) {
        for (key, value) in self {
            key.trace(visitor);
            value.trace(visitor);
        }
    }
}

// SAFETY: a map owns its keys and values; each entry is visited key first.
unsafe impl<K: Trace, T: Trace> Trace for BTreeMap<K, T> {
    #[inline]
    fn trace<V: Visitor>(&self, visitor: &mut V) {
        for (key, value) in self {
            key.trace(visitor);
            value.trace(visitor);
        }
    }
}

/// Implements `Trace` for tuples, visiting the elements in order.
macro_rules! tuple_trace {
    ($(($($name:ident),+))*) => {
        $(
            // SAFETY: a tuple owns its elements; they are visited in order.
            unsafe impl<$($name: Trace),+> Trace for ($($name,)+) {
                #[inline]
                #[allow(non_snake_case)]
                fn trace<V: Visitor>(&self, visitor: &mut V) {
                    let ($($name,)+) = self;
                    $($name.trace(visitor);)+
                }
            }
        )*
    };
}

tuple_trace! {
    (A)
    (A, B)
    (A, B, C)
    (A, B, C, D)
    (A, B, C, D, E)
    (A, B, C, D, E, F)
    (A, B, C, D, E, F, G)
    (A, B, C, D, E, F, G, H)
}
