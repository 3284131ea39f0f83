//! Known answers for cycles: a two-node cycle leaks under the refcounting strategies, with
//! exact counts and bytes, and is reclaimed by `collect()` under the collecting ones, counted
//! late when nothing else collected it first.
//!
//! The only `SyncGc` test of this binary is here, so no other test's dumpster collection can
//! free its cycle between the snapshot and the final collect.

use reclaimer::metrics::{Counts, Generation, Ledger, ObjectId, Tracked};
use reclaimer::{Cell, Shareable, Shared, Strategy, Trace};

#[track_caller]
fn conserved(counts: &Counts) {
    assert!(counts.is_balanced(), "unbalanced: {counts:?}");
    assert_eq!(counts.check(), Ok(()), "{counts:?}");
}

/// A handle to a tracked `T`.
type Handle<S, T> = Shared<S, Tracked<T>>;

#[derive(Trace)]
struct Node<S: Strategy> {
    value: u64,
    next: Cell<S, Option<Handle<S, Node<S>>>>,
}

/// Builds `a -> b -> a` in `generation`, drops every handle, releases the generation.
fn two_node_cycle<S: Strategy>(ledger: &Ledger, generation: Generation) -> [ObjectId; 2]
where
    Tracked<Node<S>>: Shareable<S>,
    Option<Shared<S, Tracked<Node<S>>>>: Shareable<S>,
{
    let node = |value| {
        Shared::<S, _>::new(ledger.track().generation(generation).wrap(Node {
            value,
            next: Cell::from_value(None),
        }))
    };
    let (a, b) = (node(1), node(2));
    a.next.store(Shared::new(Some(b.clone())));
    b.next.store(Shared::new(Some(a.clone())));
    assert_eq!(a.next.read(|n| n.as_ref().unwrap().value), 2);
    let ids = [Tracked::id(&a), Tracked::id(&b)];
    drop((a, b));
    assert!(ledger.release_generation(generation));
    ids
}

fn refcounting_leaks_the_cycle<S: Strategy>()
where
    Tracked<Node<S>>: Shareable<S>,
    Option<Shared<S, Tracked<Node<S>>>>: Shareable<S>,
{
    let ledger = Ledger::new();
    let generation = ledger.generation();
    let ids = two_node_cycle::<S>(&ledger, generation);
    let size = std::mem::size_of::<Node<S>>() as u64;
    assert_eq!(ledger.in_flight().count, 2);

    let report = ledger.finish::<S>();
    conserved(&report.counts);
    let counts = &report.counts;
    assert_eq!(
        (counts.allocated, counts.reclaimed, counts.leaked),
        (2, 0, 2)
    );
    assert_eq!(counts.leaked_bytes, 2 * size);
    assert_eq!((counts.late, counts.live), (0, 0));
    assert_eq!((counts.in_flight, counts.in_flight_bytes), (2, 2 * size));
    assert!(ids.iter().all(|&id| !ledger.is_reclaimed(id)));

    assert_eq!(report.leaks.leaked.len(), 1);
    let row = &report.leaks.leaked[0];
    assert_eq!(row.label, format!("Node<{}>", S::NAME));
    assert_eq!(row.generation, generation);
    assert_eq!((row.count, row.bytes, row.released), (2, 2 * size, 2));
    assert!(report.leaks.late.is_empty());
    assert_eq!(report.latency.ns.count, 0, "never reclaimed, so no latency");
    assert_eq!(report.garbage.final_count, 2);
}

#[test]
fn arc_two_node_cycle_is_leaked_with_exact_counts_and_bytes() {
    refcounting_leaks_the_cycle::<reclaimer::Arc>();
}

#[test]
fn rw_lock_arc_two_node_cycle_is_leaked_with_exact_counts_and_bytes() {
    refcounting_leaks_the_cycle::<reclaimer::RwLockArc>();
}

#[test]
fn arc_cycle_broken_by_a_weak_back_edge_is_reclaimed_at_once() {
    #[derive(Trace)]
    struct Parent {
        child: Cell<reclaimer::Arc, Option<Shared<reclaimer::Arc, Tracked<Child>>>>,
    }
    #[derive(Trace)]
    struct Child {
        parent: reclaimer::Weak<reclaimer::Arc, Tracked<Parent>>,
    }

    let ledger = Ledger::new();
    let generation = ledger.generation();
    let parent =
        Shared::<reclaimer::Arc, _>::new(ledger.track().generation(generation).wrap(Parent {
            child: Cell::from_value(None),
        }));
    let child = Shared::new(ledger.track().generation(generation).wrap(Child {
        parent: Shared::downgrade(&parent),
    }));
    parent.child.store(Shared::new(Some(child)));
    assert!(ledger.release_generation(generation)); // released first, then dropped
    drop(parent);
    let report = ledger.finish::<reclaimer::Arc>();
    conserved(&report.counts);
    assert_eq!((report.counts.reclaimed, report.counts.leaked), (2, 0));
    assert_eq!(report.counts.late, 0);
    assert_eq!(report.latency.ops.count, 2);
    assert_eq!(report.latency.ops.max, 0);
}

#[test]
fn gc_cycle_is_reclaimed_by_collect_and_counted_late() {
    let ledger = Ledger::new();
    let generation = ledger.generation();
    let ids = two_node_cycle::<reclaimer::Gc>(&ledger, generation);
    ledger.advance(7);
    // rust-gc collects only on allocation or when asked; nothing allocated since the drop.
    assert!(ids.iter().all(|&id| !ledger.is_reclaimed(id)));
    let size = std::mem::size_of::<Node<reclaimer::Gc>>() as u64;

    let report = ledger.finish::<reclaimer::Gc>();
    conserved(&report.counts);
    let counts = &report.counts;
    assert_eq!(
        (counts.allocated, counts.reclaimed, counts.leaked),
        (2, 2, 0)
    );
    assert_eq!(counts.late, 2);
    assert_eq!(counts.in_flight, 0);
    assert_eq!(report.leaks.late.len(), 1);
    assert_eq!(report.leaks.late[0].label, "Node<Gc>");
    assert_eq!(
        (report.leaks.late[0].count, report.leaks.late[0].bytes),
        (2, 2 * size)
    );
    assert!(report.leaks.leaked.is_empty());
    assert_eq!(report.latency.ops.count, 2);
    assert_eq!(report.latency.ops.max, 7);
    assert!(ids.iter().all(|&id| ledger.object(id).unwrap().late));
}

#[test]
fn gc_cycle_collected_by_the_workload_is_not_late() {
    let ledger = Ledger::new();
    let generation = ledger.generation();
    two_node_cycle::<reclaimer::Gc>(&ledger, generation);
    ledger.collect::<reclaimer::Gc>();
    let report = ledger.finish::<reclaimer::Gc>();
    conserved(&report.counts);
    assert_eq!((report.counts.reclaimed, report.counts.late), (2, 0));
    assert_eq!(report.pauses.collections.count, 1);
}

#[test]
fn sync_gc_cycle_is_reclaimed_by_collect_and_late_unless_collected_before() {
    let ledger = Ledger::new();
    let generation = ledger.generation();
    let ids = two_node_cycle::<reclaimer::SyncGc>(&ledger, generation);
    // dumpster may collect inside a drop on its own; whatever it has not freed by now, the
    // final collect must, and that is late.
    let before = ledger.counts();
    conserved(&before);
    let freed_before = ids.iter().filter(|&&id| ledger.is_reclaimed(id)).count() as u64;
    assert_eq!(before.reclaimed, freed_before);

    let report = ledger.finish::<reclaimer::SyncGc>();
    conserved(&report.counts);
    assert_eq!((report.counts.reclaimed, report.counts.leaked), (2, 0));
    assert_eq!(report.counts.late, 2 - freed_before);
    assert_eq!(report.counts.in_flight, 0);
    assert_eq!(report.leaks.late_count(), 2 - freed_before);
    assert_eq!(report.latency.ns.count, 2);
}
