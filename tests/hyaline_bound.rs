//! `Hyaline`'s flush period bounds reclamation: every value retired on a thread is dropped within
//! `Hyaline::BOUND` operations of that thread while no other thread is inside a guard, and
//! `collect()` leaves nothing pending. Without the period, a lone retired value waits forever, as
//! with raw seize. A reader inside a guard on another thread holds back exactly the batches
//! handed on while it is there; a thread outside a guard holds back nothing.
//!
//! Its own harness (`harness = false`), as `epoch_bound.rs`: every test runs on the main thread,
//! one after another, and each thread a test spawns is stopped at a point the test chooses, so no
//! thread of libtest's can be inside a guard while a bound is measured.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};
use reclaimer::{Cell, Hyaline, Shared, Strategy};

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
            "raw_seize_keeps_a_lone_retired_value",
            raw_seize_keeps_a_lone_retired_value,
        ),
        (
            "a_reader_in_a_guard_holds_the_batch_and_an_idle_thread_does_not",
            a_reader_in_a_guard_holds_the_batch_and_an_idle_thread_does_not,
        ),
        (
            "flush_and_thread_exit_hand_a_threads_batch_on",
            flush_and_thread_exit_hand_a_threads_batch_on,
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
    Hyaline::collect();
    if Hyaline::pending() != 0 {
        return Err(format!(
            "{} objects left pending by an earlier test",
            Hyaline::pending()
        )
        .into());
    }
    test();
    Ok(())
}

mod deferred_bound;

use deferred_bound::Ledger;

fn value(id: usize, ledger: &Arc<Ledger>) -> Shared<Hyaline, deferred_bound::Value> {
    deferred_bound::value::<Hyaline>(id, ledger)
}

fn swaps_drop_every_value_within_the_bound() {
    deferred_bound::swaps_drop_every_value_within_the_bound::<Hyaline>(
        Hyaline::BOUND,
        Hyaline::pending,
    );
}

fn reads_alone_flush_a_lone_retired_value_within_the_bound() {
    deferred_bound::reads_alone_flush_a_lone_retired_value_within_the_bound::<Hyaline>(
        Hyaline::BOUND,
        Hyaline::pending,
    );
}

/// The trap the period exists for: seize hands a batch on only when it is full, so one retired
/// value followed by any number of guards waits.
fn raw_seize_keeps_a_lone_retired_value() {
    use seize::Guard as _;
    static DROPPED: AtomicU64 = AtomicU64::new(0);
    struct Counted;
    impl Drop for Counted {
        fn drop(&mut self) {
            DROPPED.fetch_add(1, Ordering::SeqCst);
        }
    }
    let collector = seize::Collector::new();
    let slot = std::sync::atomic::AtomicPtr::new(Box::into_raw(Box::new(Counted)));
    let old = slot.swap(Box::into_raw(Box::new(Counted)), Ordering::AcqRel);
    // SAFETY: `old` left the slot; it came from `Box::into_raw`.
    unsafe { collector.retire(old, seize::reclaim::boxed) };
    for _ in 0..10_000 {
        let guard = collector.enter();
        let _ = guard.protect(&slot, Ordering::Acquire);
    }
    assert_eq!(
        DROPPED.load(Ordering::SeqCst),
        0,
        "raw seize dropped a lone value"
    );
    collector.enter().flush();
    assert_eq!(
        DROPPED.load(Ordering::SeqCst),
        1,
        "a flush with no reader drops it"
    );
    // SAFETY: the slot's value is no longer shared.
    drop(unsafe { Box::from_raw(slot.load(Ordering::Relaxed)) });
}

/// A reader inside a guard when the batch is handed on keeps it until it leaves; a thread that
/// has used the strategy but sits outside a guard keeps nothing.
fn a_reader_in_a_guard_holds_the_batch_and_an_idle_thread_does_not() {
    let ledger = Ledger::new(3);
    let cell = Arc::new(Cell::new(value(0, &ledger)));
    // An idle thread: it reads once, then waits outside any guard until told to end.
    let (idle_done, idle_wait) = mpsc::channel::<()>();
    let (idle_ready, idle_started) = mpsc::channel();
    let idle = {
        let cell = cell.clone();
        std::thread::spawn(move || {
            cell.read(|_| ());
            idle_ready.send(()).unwrap();
            idle_wait.recv().unwrap();
        })
    };
    idle_started.recv().unwrap();
    cell.store(value(1, &ledger));
    Hyaline::collect();
    assert!(
        ledger.dropped_at(0).is_some(),
        "an idle thread held value 0 back"
    );

    // A reader: inside a read closure until told to leave.
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
    assert_eq!(reader_inside.recv().unwrap(), 1);
    cell.store(value(2, &ledger));
    Hyaline::flush();
    assert!(
        ledger.dropped_at(1).is_none(),
        "value 1 dropped under a reader's guard"
    );
    leave.send(()).unwrap();
    reader.join().unwrap();
    // The reader's leaving dropped it; `collect()` has nothing left to wait for.
    Hyaline::collect();
    assert!(
        ledger.dropped_at(1).is_some(),
        "value 1 outlived its reader"
    );
    idle_done.send(()).unwrap();
    idle.join().unwrap();
    drop(cell);
    Hyaline::collect();
    assert_eq!(Hyaline::pending(), 0);
}

/// A thread's unflushed batch: `Hyaline::flush` (the park hook) hands it on, and so does the
/// thread's exit.
fn flush_and_thread_exit_hand_a_threads_batch_on() {
    let ledger = Ledger::new(4);
    let cell = Arc::new(Cell::new(value(0, &ledger)));
    let (go, wait) = mpsc::channel::<bool>();
    let (done, stored) = mpsc::channel();
    let worker = {
        let cell = cell.clone();
        let ledger = ledger.clone();
        std::thread::spawn(move || {
            for id in 1..=2 {
                cell.store(value(id, &ledger));
                done.send(()).unwrap();
                if wait.recv().unwrap() {
                    Hyaline::flush();
                    done.send(()).unwrap();
                }
            }
            // Ends with value 1 retired and its batch unflushed.
        })
    };
    stored.recv().unwrap();
    // Value 0 sits in the worker's batch: nothing on this thread can reach it.
    Hyaline::collect();
    assert!(
        ledger.dropped_at(0).is_none(),
        "the worker's batch was handed on by itself"
    );
    go.send(true).unwrap();
    stored.recv().unwrap();
    assert!(
        ledger.dropped_at(0).is_some(),
        "Hyaline::flush left value 0"
    );
    stored.recv().unwrap();
    assert!(ledger.dropped_at(1).is_none());
    go.send(false).unwrap();
    worker.join().unwrap();
    assert!(
        ledger.dropped_at(1).is_some(),
        "the worker's exit left value 1"
    );
    drop(cell);
    Hyaline::collect();
    assert_eq!(Hyaline::pending(), 0);
}
