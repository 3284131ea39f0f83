//! Mutable links between shared objects: [`Members`], a list a shared object holds, and
//! [`Link`], an edge that is strong or a back-edge.
//!
//! Links go through the library's containers (a [`Cell`] swapped RCU-style), never a std lock
//! inside a shared object, which rust-gc would treat as a root forever.

use reclaimer::{Cell, Shareable, Shared, Strategy, Trace, Weak};

/// A list of handles inside a shared object (a room's members, an actor's peers), edited
/// read-copy-update style: each edit swaps in a new list.
#[derive(Trace)]
pub struct Members<S: Strategy, T: Trace + 'static> {
    cell: Cell<S, Vec<T>>,
}

impl<S: Strategy, T: Trace + Clone + 'static> Members<S, T>
where
    Vec<T>: Shareable<S>,
{
    /// An empty list.
    pub fn new() -> Self {
        Members {
            cell: Cell::from_value(Vec::new()),
        }
    }

    /// A list holding `items`.
    pub fn from_vec(items: Vec<T>) -> Self {
        Members {
            cell: Cell::from_value(items),
        }
    }

    /// Appends `item`.
    pub fn push(&self, item: T) {
        self.cell.rcu(|list| {
            let mut new = Vec::with_capacity(list.len() + 1);
            new.extend(list.iter().cloned());
            new.push(item.clone());
            Shared::new(new)
        });
    }

    /// Removes every item for which `remove` is true.
    pub fn remove(&self, remove: impl Fn(&T) -> bool) {
        self.cell
            .rcu(|list| Shared::new(list.iter().filter(|t| !remove(t)).cloned().collect()));
    }

    /// Empties the list; returns what it held.
    pub fn take(&self) -> Vec<T> {
        let old = self.cell.swap(Shared::new(Vec::new()));
        old.to_vec()
    }
}

impl<S: Strategy, T: Trace + Clone + 'static> Default for Members<S, T>
where
    Vec<T>: Shareable<S>,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Strategy, T: Trace + 'static> Members<S, T> {
    /// Runs `f` on the current list, without copying it.
    pub fn read<R>(&self, f: impl FnOnce(&[T]) -> R) -> R {
        self.cell.read(|list| f(list))
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
