//! Regression: dumpster 2.1 frees an allocation whose last strong reference went during a
//! collection (`drop_weak_zero`) while it holds its collecting lock, and outside its own
//! "cleaning" flag; a `Gc` dropped by that value's drop can start a nested collection on the same
//! thread, which waits for that lock forever. Seen in the lab's `chat` on two workers, where
//! another worker drops the last handle; here a destructor run by the collection drops it, so the
//! sequence is the same on one thread.
//!
//! The scenario runs on a spawned thread so that a regression fails the test (after a generous
//! 120 s) instead of hanging the suite; it finishes in milliseconds.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use reclaimer::{Cell, Shared, SyncGc, Trace};

/// Holds many handles, so that dropping it drops more `Gc`s than are left alive: dumpster's
/// default condition then asks for a collection from inside the drop.
#[derive(Trace)]
struct Wide {
    leaves: Vec<Shared<SyncGc, u64>>,
}

/// `Wide` values dropped so far.
static WIDE_DROPS: AtomicUsize = AtomicUsize::new(0);

impl Drop for Wide {
    fn drop(&mut self) {
        WIDE_DROPS.fetch_add(1, Ordering::SeqCst);
    }
}

/// A node of an unreachable cycle whose destructor drops the only handle to a `Wide`, through a
/// field the collector does not see (so the `Wide` counts as reachable from outside).
#[derive(Trace)]
struct Node {
    next: Cell<SyncGc, Option<Shared<SyncGc, Node>>>,
    #[trace(skip)]
    hidden: Option<Shared<SyncGc, Wide>>,
}

fn round() {
    let wide = Shared::new(Wide {
        leaves: (0..200).map(Shared::new).collect(),
    });
    // Dropping a clone makes the `Wide` a candidate, so the collection looks at it.
    drop(wide.clone());
    let a = Shared::new(Node {
        next: Cell::from_value(None),
        hidden: Some(wide),
    });
    let b = Shared::new(Node {
        next: Cell::from_value(Some(a.clone())),
        hidden: None,
    });
    a.next.store(Shared::new(Some(b)));
    drop(a);
    // The collection destroys the cycle; `a`'s drop releases the `Wide` mid-collection.
    reclaimer::collect::<SyncGc>();
    reclaimer::collect::<SyncGc>();
}

/// Rounds; without the fix the first few deadlock.
const ROUNDS: usize = 200;

#[test]
fn a_drop_during_a_collection_never_starts_a_nested_one() {
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        // The collector visits its candidates in hash order: many rounds hit every order.
        for _ in 0..ROUNDS {
            round();
        }
        done_tx.send(()).unwrap();
    });
    done_rx
        .recv_timeout(Duration::from_secs(120))
        .expect("deadlocked: a drop during a collection started a nested collection");
    // Nothing was lost by not collecting inside the drops: every `Wide` was freed.
    assert_eq!(WIDE_DROPS.load(Ordering::SeqCst), ROUNDS);
}
