//! The `Epoch` flush policy bounds reclamation: every value retired on a thread is dropped within
//! `FlushPolicy::bound()` epoch operations of that thread, and `collect()` leaves nothing
//! pending. Without the policy, a lone retired value waits forever, as with raw crossbeam-epoch.
//!
//! The bound counts one thread's operations and holds exactly when no other thread of the
//! process is pinned (a descheduled pinned thread holds the epoch back). So this binary has its
//! own harness (`harness = false`): every test runs on the main thread, one after another, and
//! joins every thread it spawns before it measures. No test thread of libtest's can be pinned,
//! or handing its bag on at exit, while a bound is measured.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};
use reclaimer::strategy::epoch::FlushPolicy;
use reclaimer::{Cell, Epoch, Shared, Strategy, Trace};

fn main() {
    let mut args = Arguments::from_args();
    // The main thread runs every test: no other thread of the process exists while one runs.
    args.test_threads = Some(1);
    let tests = [
        (
            "default_policy_drops_every_retired_value_within_the_bound",
            default_policy_drops_every_retired_value_within_the_bound as fn(),
        ),
        (
            "reads_alone_flush_a_lone_retired_value_within_the_bound",
            reads_alone_flush_a_lone_retired_value_within_the_bound,
        ),
        (
            "without_a_policy_a_lone_retired_value_waits_until_collect",
            without_a_policy_a_lone_retired_value_waits_until_collect,
        ),
        (
            "flush_hands_a_parked_threads_garbage_on",
            flush_hands_a_parked_threads_garbage_on,
        ),
    ];
    let trials = tests
        .into_iter()
        .map(|(name, test)| Trial::test(name, move || isolated(test)))
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

/// Runs `test` from a clean slate: the default policy and nothing pending. libtest-mimic turns
/// a panic into a failure.
fn isolated(test: fn()) -> Result<(), Failed> {
    /// Restores the default policy even if the test panics.
    struct DefaultPolicyOnDrop;
    impl Drop for DefaultPolicyOnDrop {
        fn drop(&mut self) {
            Epoch::set_flush_policy(FlushPolicy::DEFAULT);
        }
    }
    let _restore = DefaultPolicyOnDrop;
    Epoch::set_flush_policy(FlushPolicy::DEFAULT);
    Epoch::collect();
    if Epoch::pending() != 0 {
        return Err(format!(
            "{} objects left pending by an earlier test",
            Epoch::pending()
        )
        .into());
    }
    test();
    Ok(())
}

const NOT_DROPPED: u64 = u64::MAX;

/// Records, for each value, the operation during which its `Drop` ran.
struct Ledger {
    /// The operation running now, set by the test.
    op: AtomicU64,
    dropped_at: Vec<AtomicU64>,
}

impl Ledger {
    fn new(values: usize) -> Arc<Self> {
        Arc::new(Ledger {
            op: AtomicU64::new(0),
            dropped_at: (0..values).map(|_| AtomicU64::new(NOT_DROPPED)).collect(),
        })
    }
    fn dropped_at(&self, id: usize) -> Option<u64> {
        let at = self.dropped_at[id].load(Ordering::SeqCst);
        (at != NOT_DROPPED).then_some(at)
    }
}

#[derive(Trace)]
struct Value {
    id: usize,
    #[trace(skip)]
    ledger: Arc<Ledger>,
}

impl Drop for Value {
    fn drop(&mut self) {
        let op = self.ledger.op.load(Ordering::SeqCst);
        let before = self.ledger.dropped_at[self.id].swap(op, Ordering::SeqCst);
        assert_eq!(before, NOT_DROPPED, "value {} dropped twice", self.id);
    }
}

fn value(id: usize, ledger: &Arc<Ledger>) -> Shared<Epoch, Value> {
    Shared::new(Value {
        id,
        ledger: ledger.clone(),
    })
}

fn default_policy_drops_every_retired_value_within_the_bound() {
    const N: usize = 10_000;
    let bound = FlushPolicy::DEFAULT
        .bound()
        .expect("the default policy is bounded");
    assert!(bound <= 256, "BLUEPRINT target: p99 <= 256 operations");

    let ledger = Ledger::new(N + 1);
    let cell = Cell::new(value(0, &ledger));
    // Operation `op` (a store or a swap plus the drop of what it returns) retires the value
    // stored by operation `op - 1`, whose id is `op - 1`.
    for op in 1..=N {
        ledger.op.store(op as u64, Ordering::SeqCst);
        if op % 2 == 0 {
            cell.store(value(op, &ledger));
        } else {
            let old = cell.swap(value(op, &ledger));
            assert_eq!(old.id, op - 1);
            drop(old);
        }
    }
    // Every value retired early enough to have met its bound has been dropped, within it. A
    // store or swap is two epoch operations (the swap and the release of the old value).
    let calls_bound = u64::from(bound / 2);
    let mut max_latency = 0;
    for id in 0..N {
        let retired_at = id as u64 + 1;
        match ledger.dropped_at(id) {
            Some(dropped_at) => {
                assert!(
                    dropped_at >= retired_at,
                    "value {id} dropped before it retired"
                );
                max_latency = max_latency.max(dropped_at - retired_at);
            }
            None => assert!(
                N as u64 - retired_at < calls_bound,
                "value {id}, retired at operation {retired_at}, was not dropped by {N}"
            ),
        }
    }
    assert!(
        max_latency <= calls_bound,
        "latency {max_latency} store/swap calls, bound {calls_bound} ({bound} operations)"
    );
    assert!(2 * max_latency <= 256);
    println!(
        "max latency: {max_latency} store/swap calls = {} epoch operations (bound {bound})",
        2 * max_latency
    );

    drop(cell);
    Epoch::collect();
    assert_eq!(Epoch::pending(), 0);
    for id in 0..=N {
        assert!(ledger.dropped_at(id).is_some(), "value {id} never dropped");
    }
}

fn reads_alone_flush_a_lone_retired_value_within_the_bound() {
    let bound = u64::from(FlushPolicy::DEFAULT.bound().expect("bounded"));
    let ledger = Ledger::new(2);
    let cell = Cell::new(value(0, &ledger));
    // Operations 1 and 2: the swap and the release of value 0. Then only reads.
    ledger.op.store(2, Ordering::SeqCst);
    cell.store(value(1, &ledger));
    let mut op = 2;
    while ledger.dropped_at(0).is_none() && op < 10 * bound {
        op += 1;
        ledger.op.store(op, Ordering::SeqCst);
        assert_eq!(cell.read(|v| v.id), 1);
    }
    let dropped_at = ledger.dropped_at(0).expect("the reads flushed it");
    // Retired by operation 2 (the release of value 0).
    let latency = dropped_at - 2;
    assert!(
        latency <= bound,
        "dropped during operation {dropped_at}, bound {bound}"
    );
    println!("a lone retired value, then reads: dropped {latency} epoch operations later");
    drop(cell);
    Epoch::collect();
    assert_eq!(Epoch::pending(), 0);
    assert!(ledger.dropped_at(1).is_some());
}

fn without_a_policy_a_lone_retired_value_waits_until_collect() {
    Epoch::set_flush_policy(FlushPolicy::NEVER);
    let ledger = Ledger::new(2);
    let cell = Cell::new(value(0, &ledger));
    cell.store(value(1, &ledger));
    // Far more pins than crossbeam's own collection interval (128 pins): the value stays in this
    // thread's bag, which nothing hands on.
    for _ in 0..10_000 {
        assert_eq!(cell.read(|v| v.id), 1);
    }
    assert_eq!(ledger.dropped_at(0), None);
    assert_eq!(Epoch::pending(), 1);
    Epoch::collect();
    assert!(ledger.dropped_at(0).is_some());
    assert_eq!(Epoch::pending(), 0);
    drop(cell);
    Epoch::collect();
    assert_eq!(Epoch::pending(), 0);
    assert!(ledger.dropped_at(1).is_some());
}

/// `Epoch::flush` (the park hook) hands a lone retired value on without waiting; the next
/// flushes on a running thread free it.
fn flush_hands_a_parked_threads_garbage_on() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc as StdArc;

    #[derive(reclaimer::Trace)]
    struct Flag(#[trace(skip)] StdArc<AtomicBool>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    let dropped = StdArc::new(AtomicBool::new(false));
    let flag = dropped.clone();
    // A "worker" retires one value, runs the park hook and exits its work without collecting.
    let (parked_tx, parked_rx) = std::sync::mpsc::channel();
    let (exit_tx, exit_rx) = std::sync::mpsc::channel::<()>();
    let worker = std::thread::spawn(move || {
        drop(reclaimer::Shared::<reclaimer::Epoch, _>::new(Flag(flag)));
        reclaimer::Epoch::flush();
        parked_tx.send(()).unwrap();
        // Stay alive, as a parked worker does: its thread-local bag is never handed on by exit.
        exit_rx.recv().unwrap();
    });
    parked_rx.recv().unwrap();
    // Another thread's flushes free it: the value is in the global queue, not stranded.
    for _ in 0..64 {
        if dropped.load(Ordering::SeqCst) {
            break;
        }
        reclaimer::Epoch::flush();
        let cell = reclaimer::Cell::<reclaimer::Epoch, u8>::from_value(0);
        cell.read(|_| ());
    }
    let freed = dropped.load(Ordering::SeqCst);
    exit_tx.send(()).unwrap();
    worker.join().unwrap();
    assert!(
        freed,
        "the parked thread's garbage was freed by the running thread"
    );
}
