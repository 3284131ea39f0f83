//! Known answer for `Epoch`: a released object's garbage is in flight, not reclaimed, until the
//! flush policy frees it, within the policy's bound in operations; with no policy it stays in
//! flight until the final collect, which makes it late.
//!
//! The flush policy and the epoch are process-wide, and the bound holds when no other thread is
//! pinned: like `tests/epoch_bound.rs`, this binary has its own harness (`harness = false`) and
//! runs its test on the main thread, the only thread of the process.

use libtest_mimic::{Arguments, Trial};
use reclaimer::metrics::{Counts, Ledger, Tracked};
use reclaimer::strategy::epoch::FlushPolicy;
use reclaimer::{Cell, Epoch, Shared};

#[track_caller]
fn conserved(counts: &Counts) {
    assert!(counts.is_balanced(), "unbalanced: {counts:?}");
    assert_eq!(counts.check(), Ok(()), "{counts:?}");
}

fn main() {
    let mut args = Arguments::from_args();
    args.test_threads = Some(1);
    let trials = vec![Trial::test(
        "epoch_garbage_is_in_flight_until_the_flush_policy_frees_it",
        || {
            epoch_garbage_is_in_flight_until_the_flush_policy_frees_it();
            Ok(())
        },
    )];
    libtest_mimic::run(&args, trials).exit();
}

fn epoch_garbage_is_in_flight_until_the_flush_policy_frees_it() {
    // The default policy: freed within `2P - 1` epoch operations of this thread.
    Epoch::set_flush_policy(FlushPolicy::DEFAULT);
    let bound = u64::from(FlushPolicy::DEFAULT.bound().unwrap());
    let ledger = Ledger::new();
    let cell = Cell::<Epoch, u64>::from_value(0);

    let object = Shared::<Epoch, _>::new(ledger.track().expect_release().wrap([7u64; 8]));
    let id = Tracked::id(&object);
    assert!(Tracked::release(&object));
    drop(object); // retired: handed to the epoch, not dropped
    assert!(!ledger.is_reclaimed(id));
    assert_eq!(ledger.in_flight().count, 1);
    assert_eq!(ledger.in_flight().bytes, 64);
    assert!(Epoch::pending() >= 1);

    // Epoch operations (cell reads), one tick each, until the policy's flushes free it.
    let mut operations = 0;
    while !ledger.is_reclaimed(id) {
        ledger.op(|| cell.read(|v| *v));
        operations += 1;
        assert!(operations <= bound, "not freed within {bound} operations");
    }
    assert_eq!(ledger.in_flight().count, 0);
    let record = ledger.object(id).unwrap();
    assert_eq!(
        record.reclaimed.unwrap().op - record.released.unwrap().op,
        operations
    );
    assert!(!record.late);

    // With no policy, a lone retired object waits for `collect()`.
    Epoch::set_flush_policy(FlushPolicy::NEVER);
    let stranded = Shared::<Epoch, _>::new(ledger.track().expect_release().wrap([0u64; 2]));
    let stranded_id = Tracked::id(&stranded);
    Tracked::release(&stranded);
    drop(stranded);
    for _ in 0..4 * bound {
        ledger.op(|| cell.read(|v| *v));
    }
    assert!(!ledger.is_reclaimed(stranded_id));
    assert_eq!(ledger.in_flight().count, 1);
    ledger.sample();

    let report = ledger.finish::<Epoch>();
    Epoch::set_flush_policy(FlushPolicy::DEFAULT);
    conserved(&report.counts);
    assert_eq!((report.counts.allocated, report.counts.reclaimed), (2, 2));
    assert_eq!((report.counts.late, report.counts.leaked), (1, 0));
    assert!(ledger.object(stranded_id).unwrap().late);
    assert_eq!(report.latency.ops.count, 2);
    assert_eq!(report.latency.ops.min, operations);
    assert_eq!(report.latency.ops.max, 4 * bound);
    assert_eq!(report.garbage.peak_count, 1);
    assert_eq!(report.garbage.final_count, 0);
}
