//! Mutable links between shared objects: [`Members`], a list a shared object holds, and
//! [`Link`], an edge that is strong or a back-edge.
//!
//! Links go through the library's containers (a [`Lock`] edited in place), never a std lock
//! inside a shared object, which rust-gc would treat as a root forever.

use reclaimer::{Lock, Shared, Strategy, Trace, Weak};

/// A list of handles inside a shared object (a room's members, an actor's peers), edited in
/// place under the strategy's traced [`Lock`]: a push is a push, not a copy of the list.
///
/// Every method runs one closure under the lock and returns; nothing is held across an
/// `.await`. Items an edit removes are dropped after the lock is released, so a drop that does
/// real work (a `SyncGc` collection runs inline in a drop) never runs under it.
#[derive(Trace)]
pub struct Members<S: Strategy, T: Trace + 'static> {
    list: Lock<S, Vec<T>>,
}

impl<S: Strategy, T: Trace + 'static> Members<S, T> {
    /// An empty list.
    pub fn new() -> Self {
        Members {
            list: Lock::new(Vec::new()),
        }
    }

    /// A list holding `items`.
    pub fn from_vec(items: Vec<T>) -> Self {
        Members {
            list: Lock::new(items),
        }
    }

    /// Appends `item`.
    pub fn push(&self, item: T) {
        self.list.with(|list| list.push(item));
    }

    /// Removes every item for which `remove` is true; returns how many it removed. The removed
    /// items are dropped once the lock is released.
    pub fn remove(&self, mut remove: impl FnMut(&T) -> bool) -> usize {
        let removed: Vec<T> = self.list.with(|list| {
            let mut removed = Vec::new();
            let mut i = 0;
            while i < list.len() {
                if remove(&list[i]) {
                    removed.push(list.remove(i));
                } else {
                    i += 1;
                }
            }
            removed
        });
        removed.len()
    }

    /// Empties the list; returns what it held.
    pub fn take(&self) -> Vec<T> {
        self.list.with(std::mem::take)
    }

    /// Runs `f` on the current list, without copying it. `f` runs under the lock: it must not
    /// edit this list (re-entry deadlocks, or panics under `Gc`).
    pub fn read<R>(&self, f: impl FnOnce(&[T]) -> R) -> R {
        self.list.read(|list| f(list))
    }

    /// How many items the list holds.
    pub fn len(&self) -> usize {
        self.list.read(Vec::len)
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<S: Strategy, T: Trace + 'static> Default for Members<S, T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Strategy, T: Trace + 'static> std::fmt::Debug for Members<S, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Members<{}>", S::NAME)
    }
}

/// An edge to a shared object: strong, or a back-edge made by [`Shared::downgrade`] (a real
/// weak pointer for the refcounting strategies, strong for the collectors).
#[derive(Trace)]
pub enum Link<S: Strategy, T: Trace + 'static> {
    /// Keeps the target alive.
    Strong(Shared<S, T>),
    /// A back-edge.
    Back(Weak<S, T>),
}

impl<S: Strategy, T: Trace + 'static> Link<S, T> {
    /// An edge to `target`: a back-edge when `back`.
    pub fn to(target: &Shared<S, T>, back: bool) -> Self {
        if back {
            Link::Back(Shared::downgrade(target))
        } else {
            Link::Strong(target.clone())
        }
    }

    /// The target, if it is still alive.
    pub fn get(&self) -> Option<Shared<S, T>> {
        match self {
            Link::Strong(target) => Some(target.clone()),
            Link::Back(weak) => weak.upgrade(),
        }
    }
}

impl<S: Strategy, T: Trace + 'static> Clone for Link<S, T> {
    fn clone(&self) -> Self {
        match self {
            Link::Strong(target) => Link::Strong(target.clone()),
            Link::Back(weak) => Link::Back(weak.clone()),
        }
    }
}

impl<S: Strategy, T: Trace + 'static> std::fmt::Debug for Link<S, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Link::Strong(_) => write!(f, "Link::Strong<{}>", S::NAME),
            Link::Back(_) => write!(f, "Link::Back<{}>", S::NAME),
        }
    }
}
