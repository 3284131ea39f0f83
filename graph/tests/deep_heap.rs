//! The collectors recurse once per object on the path they walk, so a long chain of live
//! objects needs a deep stack: [`STACK_BYTES`], the stack of the lab's run thread and of the
//! multi-thread runtime's workers, holds a collection of a 100 000-object ring for both
//! tracing strategies (the default 2 MiB does not).

use std::sync::atomic::{AtomicUsize, Ordering};

use reclaimer::{Gc, OptionCell, Shareable, Shared, Strategy, SyncGc, Trace};
use reclaimer_graph::STACK_BYTES;

const RING: usize = 100_000;

/// One object of the ring; counts its drops in the slot of its strategy.
#[derive(Trace)]
struct Node<S: Strategy> {
    next: OptionCell<S, Node<S>>,
    #[trace(skip)]
    drops: &'static AtomicUsize,
}

impl<S: Strategy> Drop for Node<S> {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::Relaxed);
    }
}

/// Builds a ring of `RING` nodes, lets go of it and collects; returns the nodes dropped.
fn ring_reclaimed<S: Strategy>(drops: &'static AtomicUsize) -> usize
where
    Node<S>: Shareable<S>,
{
    let node = || {
        Shared::new(Node {
            next: OptionCell::empty(),
            drops,
        })
    };
    let head: Shared<S, Node<S>> = node();
    let mut tail = head.clone();
    for _ in 1..RING {
        let next = node();
        tail.next.store(Some(next.clone()));
        tail = next;
    }
    tail.next.store(Some(head.clone()));
    drop((head, tail));
    reclaimer::collect::<S>();
    reclaimer::collect::<S>();
    drops.load(Ordering::Relaxed)
}

fn on_deep_stack(f: impl FnOnce() -> usize + Send + 'static) -> usize {
    std::thread::Builder::new()
        .stack_size(STACK_BYTES)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the collection fits the stack")
}

#[test]
fn a_sync_gc_ring_of_100_000_collects_on_the_lab_stack() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    assert_eq!(on_deep_stack(|| ring_reclaimed::<SyncGc>(&DROPS)), RING);
}

#[test]
fn a_gc_ring_of_100_000_collects_on_the_lab_stack() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    assert_eq!(on_deep_stack(|| ring_reclaimed::<Gc>(&DROPS)), RING);
}
