//! A doubly linked list built, edited in place and torn down, under each strategy.
//!
//! ```text
//! cargo run --release --example doubly_linked                      # every strategy, 1000 nodes
//! cargo run --release --example doubly_linked -- --strategy gc 100000
//! ```
//!
//! `next` is an [`OptionCell`] (an owning link that may be empty), `prev` a back-edge from
//! [`Shared::downgrade`] in a [`Lock`]: a weak pointer for refcounting, so the list is not a
//! chain of cycles; a strong, traced one for the collectors, which collect the cycles it closes.
//! The edits unlink every node whose value is a multiple of 3, insert a node after every
//! multiple of 5 and double every value, all in place. The teardown cuts each node's links one
//! at a time, so no drop or collection recurses along the list, however long it is.

#[allow(dead_code)]
mod common;

use reclaimer::metrics::{Ledger, Tracked};
use reclaimer::{Lock, OptionCell, Shareable, Shared, Strategy, Trace, Weak};

type Handle<S> = Shared<S, Tracked<Node<S>>>;

/// A back-edge to a node.
type Back<S> = Weak<S, Tracked<Node<S>>>;

#[derive(Trace)]
struct Node<S: Strategy> {
    value: Lock<S, u64>,
    next: OptionCell<S, Tracked<Node<S>>>,
    prev: Lock<S, Option<Back<S>>>,
}

/// Links `node` after `at`, in place.
fn insert_after<S: Strategy>(at: &Handle<S>, node: Handle<S>) {
    if let Some(next) = at.next.load() {
        next.prev.with(|p| *p = Some(Shared::downgrade(&node)));
        node.next.store(Some(next));
    }
    node.prev.with(|p| *p = Some(Shared::downgrade(at)));
    at.next.store(Some(node));
}

/// Unlinks `node` (not the head), in place.
fn unlink<S: Strategy>(node: &Handle<S>) {
    let prev = node
        .prev
        .with(Option::take)
        .and_then(|p| p.upgrade())
        .expect("not the head");
    let next = node.next.take();
    if let Some(next) = &next {
        next.prev.with(|p| *p = Some(Shared::downgrade(&prev)));
    }
    prev.next.store(next);
}

/// The values from head to tail.
fn values<S: Strategy>(head: &Handle<S>) -> Vec<u64> {
    let (mut out, mut at) = (Vec::new(), Some(head.clone()));
    while let Some(node) = at {
        out.push(node.value.read(|v| *v));
        at = node.next.load();
    }
    out
}

fn run<S: Strategy>(size: usize) -> bool
where
    Tracked<Node<S>>: Shareable<S>,
{
    let ledger = Ledger::new();
    let node = |value| {
        Shared::<S, _>::new(ledger.track().label("Node").wrap(Node {
            value: Lock::new(value),
            next: OptionCell::empty(),
            prev: Lock::new(None),
        }))
    };
    let head = node(0);
    let mut tail = head.clone();
    for value in 1..size as u64 {
        let new = node(value);
        insert_after(&tail, new.clone());
        tail = new;
    }
    drop(tail);
    let mut at = head.next.load();
    while let Some(current) = at {
        at = current.next.load();
        let value = current.value.with(|v| std::mem::replace(v, *v * 2));
        if value % 3 == 0 {
            unlink(&current);
        } else if value % 5 == 0 {
            insert_after(&current, node(value));
        }
    }
    let list = values(&head);
    // Walk back from the tail: the same values, reversed, or a `prev` link is wrong.
    let mut back = Vec::new();
    let mut at = Some(head.clone());
    while let Some(node) = at.take() {
        at = node.next.load();
        if at.is_none() {
            let mut cur = Some(node);
            while let Some(n) = cur {
                back.push(n.value.read(|v| *v));
                cur = n.prev.read(|p| p.as_ref().and_then(Weak::upgrade));
            }
        }
    }
    back.reverse();
    let mut at = Some(head); // tear down: cut both links of each node, one node at a time
    while let Some(node) = at {
        node.prev.with(Option::take);
        at = node.next.take();
    }
    let report = ledger.finish::<S>();
    let all = report.counts.allocated;
    let why = if S::FREES_MEMORY {
        "the teardown cut every link: each node was garbage on its own"
    } else {
        common::why_cycles::<S>()
    };
    let ok = common::verdict::<S>(
        "built, edited in place, torn down",
        &report,
        common::expected_leak::<S>(all, 0),
        why,
    );
    let consistent = list == back;
    println!(
        "  list       {} nodes after the edits, {:?}...; walking back gives the same: {consistent}",
        list.len(),
        &list[..list.len().min(6)]
    );
    ok && consistent
}

common::runner!("doubly_linked", 1000, 1_000_000, |size|
    thread_safe: run::<S>(size),
    local: run::<S>(size),
);
