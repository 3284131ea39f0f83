//! `Hazard`'s scan period bounds reclamation: every value retired on a thread that no hazard
//! pointer protects is dropped within `Hazard::BOUND` operations of that thread, and `collect()`
//! leaves nothing pending. Without the period, a lone retired value waits, as with raw
//! haphazard. A reader inside a read closure keeps exactly the value it protects, and a thread
//! that retired and went idle strands nothing.
//!
//! Its own harness (`harness = false`), as `epoch_bound.rs`: every test runs on the main thread,
//! one after another, and each thread a test spawns is stopped at a point the test chooses with
//! channels.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};
use reclaimer::{Cell, Hazard, Shared, Strategy};

fn main() {
    let mut args = Arguments::from_args();
    args.test_threads = Some(1);
    let tests = [
        (
            "swaps_drop_every_value_within_the_bound",
            swaps_drop_every_value_within_the_bound as fn(),
        ),
        (
            "reads_alone_flush_a_lone_retired_value_within_the_bound",
            reads_alone_flush_a_lone_retired_value_within_the_bound,
        ),
        (
            "raw_haphazard_keeps_a_lone_retired_value",
            raw_haphazard_keeps_a_lone_retired_value,
        ),
        (
            "a_reader_keeps_the_value_it_protects_and_nothing_else",
            a_reader_keeps_the_value_it_protects_and_nothing_else,
        ),
        (
            "an_idle_threads_garbage_goes_with_another_threads_collect",
            an_idle_threads_garbage_goes_with_another_threads_collect,
        ),
    ];
    let trials = tests
        .into_iter()
        .map(|(name, test)| Trial::test(name, move || isolated(test)))
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

/// Runs `test` with nothing pending. libtest-mimic turns a panic into a failure.
fn isolated(test: fn()) -> Result<(), Failed> {
    Hazard::collect();
    if Hazard::pending() != 0 {
        return Err(format!(
            "{} objects left pending by an earlier test",
            Hazard::pending()
        )
        .into());
    }
    test();
    Ok(())
}

mod deferred_bound;

use deferred_bound::Ledger;

fn value(id: usize, ledger: &Arc<Ledger>) -> Shared<Hazard, deferred_bound::Value> {
    deferred_bound::value::<Hazard>(id, ledger)
}

fn swaps_drop_every_value_within_the_bound() {
    deferred_bound::swaps_drop_every_value_within_the_bound::<Hazard>(
        Hazard::BOUND,
        Hazard::pending,
    );
}

fn reads_alone_flush_a_lone_retired_value_within_the_bound() {
    deferred_bound::reads_alone_flush_a_lone_retired_value_within_the_bound::<Hazard>(
        Hazard::BOUND,
        Hazard::pending,
    );
}

/// The trap the period exists for: haphazard scans by itself only past its threshold of
/// retired objects or, at a retirement, two seconds after its last scan; reads never scan.
fn raw_haphazard_keeps_a_lone_retired_value() {
    static DROPPED: AtomicU64 = AtomicU64::new(0);
    struct Counted;
    impl Drop for Counted {
        fn drop(&mut self) {
            DROPPED.fetch_add(1, Ordering::SeqCst);
        }
    }
    let slot = haphazard::AtomicPtr::from(Box::new(Counted));
    // Protected while it is retired: a scan that the retirement itself starts (haphazard scans
    // at a retirement two seconds after its last scan) cannot reclaim it. Every later scan
    // would have to come from a retirement, and there is none.
    let mut holder = haphazard::HazardPointer::new();
    assert!(slot.safe_load(&mut holder).is_some());
    let old = slot.swap(Box::new(Counted)).expect("the slot held a value");
    // SAFETY: `old` left the slot, which no other thread can reach, and came from a `Box`.
    unsafe { old.retire() };
    holder.reset_protection();
    let mut hazard = haphazard::HazardPointer::new();
    for _ in 0..10_000 {
        let _ = slot.safe_load(&mut hazard);
        hazard.reset_protection();
    }
    assert_eq!(
        DROPPED.load(Ordering::SeqCst),
        0,
        "raw haphazard dropped a lone value"
    );
    haphazard::Domain::global().eager_reclaim();
    assert_eq!(
        DROPPED.load(Ordering::SeqCst),
        1,
        "a scan with no reader drops it"
    );
    drop((hazard, holder));
    // SAFETY: the slot's last value is no longer shared.
    unsafe { slot.retire() };
    haphazard::Domain::global().eager_reclaim();
}

/// A reader inside a read closure protects the value it read, and only that one: every other
/// value retired meanwhile is dropped by the next scan.
fn a_reader_keeps_the_value_it_protects_and_nothing_else() {
    const STORES: usize = 200;
    let ledger = Ledger::new(STORES + 1);
    let cell = Arc::new(Cell::new(value(0, &ledger)));
    let (leave, stay) = mpsc::channel::<()>();
    let (inside, reader_inside) = mpsc::channel();
    let reader = {
        let cell = cell.clone();
        std::thread::spawn(move || {
            cell.read(|v| {
                inside.send(v.id).unwrap();
                stay.recv().unwrap();
            })
        })
    };
    assert_eq!(reader_inside.recv().unwrap(), 0);
    for id in 1..=STORES {
        cell.store(value(id, &ledger));
    }
    Hazard::flush();
    assert!(
        ledger.dropped_at(0).is_none(),
        "value 0 dropped under a reader's hazard pointer"
    );
    for id in 1..STORES {
        assert!(
            ledger.dropped_at(id).is_some(),
            "value {id} waited for a reader of value 0"
        );
    }
    leave.send(()).unwrap();
    reader.join().unwrap();
    Hazard::collect();
    assert!(
        ledger.dropped_at(0).is_some(),
        "value 0 outlived its reader"
    );
    drop(cell);
    Hazard::collect();
    assert_eq!(Hazard::pending(), 0);
}

/// What a thread retired before it went idle is in the global domain: another thread's
/// `collect()` reclaims it, with no park hook.
fn an_idle_threads_garbage_goes_with_another_threads_collect() {
    let ledger = Ledger::new(2);
    let cell = Arc::new(Cell::new(value(0, &ledger)));
    let (done, stored) = mpsc::channel();
    let (end, wait) = mpsc::channel::<()>();
    let worker = {
        let cell = cell.clone();
        let ledger = ledger.clone();
        std::thread::spawn(move || {
            cell.store(value(1, &ledger));
            done.send(()).unwrap();
            wait.recv().unwrap();
        })
    };
    stored.recv().unwrap();
    Hazard::collect();
    assert!(
        ledger.dropped_at(0).is_some(),
        "the idle worker's garbage waited for it"
    );
    end.send(()).unwrap();
    worker.join().unwrap();
    drop(cell);
    Hazard::collect();
    assert_eq!(Hazard::pending(), 0);
}
