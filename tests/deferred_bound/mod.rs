//! What the bound tests of the deferred strategies (`hyaline_bound.rs`, `hazard_bound.rs`)
//! share: a ledger of the operation during which each value was dropped, and the two bound
//! measurements, generic over the strategy.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use reclaimer::{Cell, Shared, ThreadSafe, Trace};

const NOT_DROPPED: u64 = u64::MAX;

/// Records, for each value, the operation during which its `Drop` ran.
pub struct Ledger {
    /// The operation running now, set by the test.
    pub op: AtomicU64,
    dropped_at: Vec<AtomicU64>,
}

impl Ledger {
    pub fn new(values: usize) -> Arc<Self> {
        Arc::new(Ledger {
            op: AtomicU64::new(0),
            dropped_at: (0..values).map(|_| AtomicU64::new(NOT_DROPPED)).collect(),
        })
    }
    pub fn dropped_at(&self, id: usize) -> Option<u64> {
        let at = self.dropped_at[id].load(Ordering::SeqCst);
        (at != NOT_DROPPED).then_some(at)
    }
}

#[derive(Trace)]
pub struct Value {
    pub id: usize,
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

pub fn value<S: ThreadSafe>(id: usize, ledger: &Arc<Ledger>) -> Shared<S, Value> {
    Shared::new(Value {
        id,
        ledger: ledger.clone(),
    })
}

/// Retires 10 000 values by swap and drop on one thread and checks each was dropped within
/// `bound` operations of the one that retired it.
pub fn swaps_drop_every_value_within_the_bound<S: ThreadSafe>(bound: u32, pending: fn() -> usize) {
    const N: usize = 10_000;
    let bound = u64::from(bound);
    assert!(bound <= 256, "BLUEPRINT target: p99 <= 256 operations");
    let ledger = Ledger::new(N + 1);
    let cell = Cell::new(value::<S>(0, &ledger));
    // Call `k` is a swap (operation 2k − 1) and the drop of what it returned, value k − 1
    // (operation 2k), which retires it. The ledger names each operation as it starts, so the
    // operation during which a drop ran is exact. (A store is the same two operations in one
    // call; `reads_alone_...` uses one.)
    for k in 1..=N {
        ledger.op.store(2 * k as u64 - 1, Ordering::SeqCst);
        let old = cell.swap(value::<S>(k, &ledger));
        assert_eq!(old.id, k - 1);
        ledger.op.store(2 * k as u64, Ordering::SeqCst);
        drop(old);
    }
    let last_op = 2 * N as u64;
    let mut max_latency = 0;
    for id in 0..N {
        let retired_at = 2 * (id as u64 + 1);
        match ledger.dropped_at(id) {
            Some(dropped_at) => {
                assert!(
                    dropped_at >= retired_at,
                    "value {id} dropped before it retired"
                );
                max_latency = max_latency.max(dropped_at - retired_at);
            }
            None => assert!(
                last_op - retired_at < bound,
                "value {id}, retired at operation {retired_at}, was not dropped by {last_op}"
            ),
        }
    }
    assert!(
        max_latency <= bound,
        "latency {max_latency} operations, bound {bound}"
    );
    println!("max latency: {max_latency} operations (bound {bound})");
    drop(cell);
    S::collect();
    assert_eq!(pending(), 0);
    for id in 0..=N {
        assert!(ledger.dropped_at(id).is_some(), "value {id} never dropped");
    }
}

/// Retires one value by a store, then only reads: it is dropped within `bound` operations.
pub fn reads_alone_flush_a_lone_retired_value_within_the_bound<S: ThreadSafe>(
    bound: u32,
    pending: fn() -> usize,
) {
    let bound = u64::from(bound);
    let ledger = Ledger::new(2);
    let cell = Cell::new(value::<S>(0, &ledger));
    // Operations 1 and 2: the swap and the release of value 0. Then only reads.
    ledger.op.store(2, Ordering::SeqCst);
    cell.store(value::<S>(1, &ledger));
    let mut op = 2;
    while ledger.dropped_at(0).is_none() && op < 10 * bound {
        op += 1;
        ledger.op.store(op, Ordering::SeqCst);
        assert_eq!(cell.read(|v| v.id), 1);
    }
    let dropped_at = ledger.dropped_at(0).expect("the reads flushed it");
    let latency = dropped_at - 2;
    assert!(
        latency <= bound,
        "dropped during operation {dropped_at}, bound {bound}"
    );
    println!("a lone retired value, then reads: dropped {latency} operations later");
    drop(cell);
    S::collect();
    assert_eq!(pending(), 0);
    assert!(ledger.dropped_at(1).is_some());
}
