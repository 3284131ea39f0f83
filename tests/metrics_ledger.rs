//! Known answers for the ledger: release routes, reclaim stamps, latency in operations, garbage
//! in flight, early and double reclaims, and the conservation law under concurrency.

use std::sync::Barrier;

use reclaimer::metrics::{Counts, Generation, Ledger, LedgerConfig, Tracked, Violation};
use reclaimer::{Shared, Strategy};

/// The conservation law, asserted in every test: `allocated = reclaimed + leaked + live` and
/// no double or early reclaim.
#[track_caller]
fn conserved(counts: &Counts) {
    assert!(counts.is_balanced(), "unbalanced: {counts:?}");
    assert_eq!(counts.check(), Ok(()), "{counts:?}");
}

/// An acyclic object under a refcounting strategy is reclaimed at its last drop: the ledger
/// says so before the next statement, and zero operations passed between release and reclaim.
fn reclaimed_at_last_drop<S: Strategy>()
where
    Tracked<[u64; 4]>: reclaimer::Shareable<S>,
{
    let ledger = Ledger::new();
    let a = Shared::<S, _>::new(ledger.track().expect_release().wrap([1u64, 2, 3, 4]));
    let id = Tracked::id(&a);
    let b = ledger.op(|| a.clone());
    ledger.op(|| drop(b));
    assert!(!ledger.is_reclaimed(id), "a handle is still held");
    assert!(Tracked::release(&a));
    assert_eq!(ledger.in_flight().count, 1);
    assert_eq!(ledger.in_flight().bytes, 32);
    drop(a);
    assert!(ledger.is_reclaimed(id));
    assert_eq!(ledger.in_flight().count, 0);

    let record = ledger.object(id).unwrap();
    let (released, reclaimed) = (record.released.unwrap(), record.reclaimed.unwrap());
    assert_eq!(reclaimed.op - released.op, 0);
    assert!(reclaimed.ns >= released.ns);
    assert!(record.released_when_reclaimed && !record.late && !record.early);

    let report = ledger.finish::<S>();
    conserved(&report.counts);
    assert_eq!(report.strategy, S::NAME);
    assert_eq!(
        (
            report.counts.allocated,
            report.counts.reclaimed,
            report.counts.leaked
        ),
        (1, 1, 0)
    );
    assert_eq!(report.counts.late, 0);
    assert_eq!(report.latency.ops.count, 1);
    assert_eq!(report.latency.ops.max, 0);
    assert_eq!(report.operations, 2);
}

#[test]
fn arc_acyclic_object_is_reclaimed_at_its_last_drop() {
    reclaimed_at_last_drop::<reclaimer::Arc>();
}

#[test]
fn rw_lock_arc_acyclic_object_is_reclaimed_at_its_last_drop() {
    reclaimed_at_last_drop::<reclaimer::RwLockArc>();
}

#[test]
fn latency_in_operations_counts_the_ticks_between_release_and_reclaim() {
    let ledger = Ledger::new();
    let a = Shared::<reclaimer::Arc, _>::new(Tracked::new(&ledger, 5u32));
    let keep = a.clone();
    ledger.advance(3);
    Tracked::release(&a);
    drop(a);
    for _ in 0..5 {
        ledger.tick();
    }
    drop(keep);
    let report = ledger.finish::<reclaimer::Arc>();
    conserved(&report.counts);
    assert_eq!(report.latency.ops.count, 1);
    assert_eq!(report.latency.ops.min, 5);
    assert_eq!(report.latency.ops.max, 5);
    assert_eq!(report.latency.by_label.len(), 1);
    assert_eq!(report.latency.by_label[0].label, "u32");
    assert_eq!(report.operations, 8);
}

#[test]
fn the_last_of_k_consumers_stamps_the_release() {
    let ledger = Ledger::new();
    let message =
        Shared::<reclaimer::Arc, _>::new(ledger.track().label("Message").consumers(3).wrap(0u64));
    let id = Tracked::id(&message);
    let consumers: Vec<_> = (0..3).map(|_| message.clone()).collect();
    drop(message);
    let mut last = Vec::new();
    for consumer in consumers {
        ledger.tick();
        last.push(Tracked::consumed(&consumer));
        if !last[last.len() - 1] {
            assert_eq!(ledger.object(id).unwrap().released, None);
        }
        // Keep the last consumer's handle for two more operations.
        if last.len() == 3 {
            ledger.advance(2);
        }
        drop(consumer);
    }
    assert_eq!(last, [false, false, true]);
    let record = ledger.object(id).unwrap();
    assert_eq!(record.released.unwrap().op, 3);
    assert_eq!(record.reclaimed.unwrap().op, 5);
    assert_eq!(record.pending_consumers, 0);

    let report = ledger.finish::<reclaimer::Arc>();
    conserved(&report.counts);
    assert_eq!(report.counts.released, 1);
    assert_eq!(report.latency.ops.max, 2);
    assert_eq!(report.latency.by_label[0].label, "Message");
}

#[test]
fn consumers_added_later_hold_the_release_back() {
    let ledger = Ledger::new();
    let message = Shared::<reclaimer::Arc, _>::new(Tracked::new(&ledger, 1u8));
    Tracked::add_consumers(&message, 2);
    assert!(!Tracked::consumed(&message));
    assert!(Tracked::consumed(&message));
    // A third consumer is one too many: misuse, and no second release.
    assert!(!Tracked::consumed(&message));
    drop(message);
    let counts = ledger.finish::<reclaimer::Arc>().counts;
    conserved(&counts);
    assert_eq!((counts.released, counts.misuse), (1, 1));
}

#[test]
fn reclaim_while_a_consumer_is_pending_is_early() {
    let ledger = Ledger::new();
    let message = Shared::<reclaimer::Arc, _>::new(ledger.track().consumers(2).wrap(1u64));
    assert!(!Tracked::consumed(&message));
    drop(message); // the second consumer never got it
    let promised = ledger.track().expect_release().wrap(2u64);
    drop(promised); // released never

    let counts = ledger.finish::<reclaimer::Arc>().counts;
    assert!(counts.is_balanced());
    assert_eq!(counts.early, 2);
    assert_eq!(counts.check(), Err(Violation::Early { count: 2 }));
}

#[test]
fn a_faked_double_reclaim_is_detected_and_counted_once() {
    let ledger = Ledger::new();
    let id = ledger.register("Fake", Generation::NONE, 8, 0, false);
    let other = ledger.register("Fake", Generation::NONE, 8, 0, false);
    ledger.record_reclaim(id);
    let first = ledger.object(id).unwrap().reclaimed.unwrap();
    ledger.tick();
    ledger.record_reclaim(id);
    ledger.record_reclaim(id);

    let record = ledger.object(id).unwrap();
    assert!(record.double_reclaimed);
    assert_eq!(
        record.reclaimed.unwrap(),
        first,
        "the first reclaim's stamp stays"
    );
    let counts = ledger.counts();
    assert_eq!(counts.double_reclaims, 2);
    assert_eq!((counts.allocated, counts.reclaimed, counts.live), (2, 1, 1));
    assert!(counts.is_balanced());
    assert_eq!(counts.check(), Err(Violation::DoubleReclaim { count: 2 }));

    ledger.record_reclaim(other);
    let counts = ledger.finish::<reclaimer::Arc>().counts;
    assert!(counts.is_balanced());
    assert_eq!((counts.reclaimed, counts.leaked), (2, 0));
    assert_eq!(counts.double_reclaims, 2);
}

#[test]
fn releasing_a_reclaimed_object_or_a_generation_member_directly_is_misuse() {
    let ledger = Ledger::new();
    let id = ledger.register("Gone", Generation::NONE, 1, 0, false);
    ledger.record_reclaim(id);
    assert!(!ledger.release(id));
    let generation = ledger.generation();
    let member = ledger.track().generation(generation).wrap(0u8);
    assert!(!Tracked::release(&member));
    drop(member);
    assert!(ledger.release_generation(generation));
    assert!(!ledger.release_generation(generation), "only once");

    let counts = ledger.finish::<reclaimer::Arc>().counts;
    conserved(&counts);
    assert_eq!(counts.misuse, 2);
    assert_eq!(counts.released, 1);
}

#[test]
fn an_arc_structure_dropped_before_its_generation_release_has_latency_zero() {
    let ledger = Ledger::new();
    let generation = ledger.generation();
    let parts: Vec<_> = (0..3)
        .map(|i| {
            Shared::<reclaimer::Arc, _>::new(
                ledger
                    .track()
                    .label("Part")
                    .generation(generation)
                    .wrap(i as u64),
            )
        })
        .collect();
    ledger.advance(10);
    drop(parts); // `Arc` frees here...
    assert!(ledger.release_generation(generation)); // ...before the workload stamps the release
    assert_eq!(ledger.in_flight().count, 0);

    let report = ledger.finish::<reclaimer::Arc>();
    conserved(&report.counts);
    assert_eq!(report.counts.reclaimed_before_release, 3);
    assert_eq!(report.counts.released, 3);
    assert_eq!(report.latency.ns.count, 3);
    assert_eq!((report.latency.ns.max, report.latency.ops.max), (0, 0));
}

#[test]
fn garbage_in_flight_follows_a_generation_until_collect() {
    use reclaimer::{Cell, Trace};

    #[derive(Trace)]
    struct Node {
        next: Cell<reclaimer::Gc, Option<Shared<reclaimer::Gc, Tracked<Node>>>>,
    }

    let ledger = Ledger::new();
    let generation = ledger.generation();
    let node = || {
        Shared::<reclaimer::Gc, _>::new(ledger.track().generation(generation).wrap(Node {
            next: Cell::from_value(None),
        }))
    };
    let (a, b) = (node(), node());
    a.next.store(Shared::new(Some(b.clone())));
    b.next.store(Shared::new(Some(a.clone())));
    drop((a, b));
    ledger.sample();
    assert_eq!(ledger.in_flight().count, 0, "not released yet");
    assert!(ledger.release_generation(generation));
    let size = std::mem::size_of::<Node>() as u64;
    assert_eq!(ledger.in_flight().count, 2);
    assert_eq!(ledger.in_flight().bytes, 2 * size);
    ledger.sample();
    ledger.advance(4);
    ledger.collect::<reclaimer::Gc>();
    assert_eq!(ledger.in_flight().count, 0);

    let report = ledger.finish::<reclaimer::Gc>();
    conserved(&report.counts);
    assert_eq!(report.counts.late, 0, "the workload's own collect freed it");
    assert_eq!(report.latency.ops.count, 2);
    assert_eq!(report.latency.ops.max, 4);
    assert_eq!(report.pauses.collections.count, 1);
    let counts: Vec<u64> = report.garbage.samples.iter().map(|s| s.count).collect();
    assert_eq!(counts, [0, 2, 0, 0]);
    assert_eq!(report.garbage.peak_count, 2);
    assert_eq!(report.garbage.peak_bytes, 2 * size);
    assert_eq!(report.garbage.final_count, 0);
    assert!(report.garbage.mean_count > 0.0 && report.garbage.mean_count < 2.0);
}

#[test]
fn a_member_created_after_its_generation_was_released_is_garbage_at_birth() {
    let ledger = Ledger::new();
    let generation = ledger.generation();
    assert!(ledger.release_generation(generation));
    let late_member = ledger.track().generation(generation).wrap([0u8; 10]);
    assert_eq!(ledger.in_flight().count, 1);
    assert_eq!(ledger.in_flight().bytes, 10);
    drop(late_member);
    assert_eq!(ledger.in_flight().count, 0);
    assert_eq!(ledger.in_flight().bytes, 0);
    conserved(&ledger.finish::<reclaimer::Arc>().counts);
}

#[test]
fn every_timed_operation_is_sampled_when_asked() {
    let ledger = Ledger::with_config(LedgerConfig {
        op_sample_every: 1,
        ..LedgerConfig::default()
    });
    let a = Shared::<reclaimer::Arc, _>::new(Tracked::new(&ledger, 0u64));
    for _ in 0..100 {
        let b = ledger.op(|| a.clone());
        ledger.op(|| drop(b));
    }
    drop(a);
    let report = ledger.finish::<reclaimer::Arc>();
    conserved(&report.counts);
    assert_eq!(report.pauses.op_sample_every, 1);
    assert_eq!(report.pauses.ops.count, 200);
    assert!(report.pauses.ops.max >= report.pauses.ops.p999);
    assert!(report.pauses.final_collect_ns.is_some());
}

#[test]
fn one_operation_in_n_is_sampled_by_default() {
    let ledger = Ledger::new();
    for _ in 0..640 {
        ledger.op(|| ());
    }
    let report = ledger.snapshot("none");
    conserved(&report.counts);
    assert_eq!(report.pauses.op_sample_every, 64);
    assert_eq!(report.pauses.ops.count, 10);
}

#[test]
fn two_ledgers_in_one_process_do_not_mix() {
    let first = Ledger::new();
    let second = Ledger::new();
    let a = Tracked::new(&first, 1u8);
    let b = Tracked::new(&second, 2u8);
    let c = Tracked::new(&second, 3u8);
    assert_eq!(Tracked::id(&a).get(), 0);
    assert_eq!(Tracked::id(&c).get(), 1);
    drop((a, b));
    first.tick();
    assert_eq!(second.ops(), 0);
    let (one, two) = (
        first.finish::<reclaimer::Arc>(),
        second.finish::<reclaimer::Arc>(),
    );
    conserved(&one.counts);
    conserved(&two.counts);
    assert_eq!((one.counts.allocated, one.counts.leaked), (1, 0));
    assert_eq!((two.counts.allocated, two.counts.leaked), (2, 1));
    drop(c);
}

#[test]
fn live_objects_become_leaked_when_the_run_ends() {
    let ledger = Ledger::new();
    let kept = Tracked::new(&ledger, [0u16; 8]);
    let counts = ledger.counts();
    conserved(&counts);
    assert_eq!((counts.live, counts.live_bytes, counts.leaked), (1, 16, 0));
    let report = ledger.finish::<reclaimer::Arc>();
    conserved(&report.counts);
    assert_eq!((report.counts.live, report.counts.leaked), (0, 1));
    assert_eq!(report.leaks.leaked[0].label, "[u16; 8]");
    assert_eq!(report.leaks.leaked[0].released, 0);
    drop(kept);
    // Reclaimed after the end: counted as reclaimed by a later report.
    let counts = ledger.counts();
    conserved(&counts);
    assert_eq!((counts.reclaimed, counts.leaked), (1, 0));
}

/// Several threads create, share, consume and drop tracked objects at once, handing each
/// message to a consumer thread; every object is counted exactly once, none early, and garbage
/// in flight returns to zero.
#[test]
fn conservation_holds_under_concurrency() {
    const PRODUCERS: usize = 3;
    const PER_PRODUCER: usize = 4_000;
    let ledger = Ledger::new();
    let barrier = Barrier::new(PRODUCERS);
    let generations: Vec<Generation> = (0..PRODUCERS).map(|_| ledger.generation()).collect();
    std::thread::scope(|scope| {
        for (t, generation) in generations.iter().enumerate() {
            let (ledger, barrier) = (&ledger, &barrier);
            let generation = *generation;
            let (send, receive) =
                std::sync::mpsc::channel::<Shared<reclaimer::Arc, Tracked<u64>>>();
            scope.spawn(move || {
                for message in receive {
                    Tracked::consumed(&message);
                }
            });
            scope.spawn(move || {
                barrier.wait();
                let mut members = Vec::new();
                for i in 0..PER_PRODUCER {
                    let message = Shared::<reclaimer::Arc, _>::new(
                        ledger.track().label("Message").consumers(2).wrap(i as u64),
                    );
                    send.send(ledger.op(|| message.clone())).unwrap();
                    Tracked::consumed(&message);
                    drop(message);
                    if i % 10 == t {
                        members.push(Shared::<reclaimer::Arc, _>::new(
                            ledger.track().generation(generation).wrap(i),
                        ));
                    }
                }
                drop(members);
                ledger.release_generation(generation);
            });
        }
    });
    let report = ledger.finish::<reclaimer::Arc>();
    conserved(&report.counts);
    let members = (PRODUCERS * PER_PRODUCER / 10) as u64;
    let messages = (PRODUCERS * PER_PRODUCER) as u64;
    assert_eq!(report.counts.allocated, messages + members);
    assert_eq!(report.counts.reclaimed, messages + members);
    assert_eq!(report.counts.released, messages + members);
    assert_eq!(report.counts.reclaimed_before_release, members);
    assert_eq!(report.counts.misuse, 0);
    assert_eq!(report.latency.ns.count, messages + members);
    assert_eq!(ledger.in_flight().count, 0);
    assert_eq!(ledger.in_flight().bytes, 0);
    assert_eq!(report.operations, messages);
}
