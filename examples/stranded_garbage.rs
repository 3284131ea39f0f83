//! Garbage dropped on a tokio worker that then goes idle: what waits for that worker, and what the
//! park hook (`reclaimer::on_park::<S>` installed with `Builder::on_thread_park`) bounds.
//!
//! ```text
//! cargo run --release --example stranded_garbage                        # every thread-safe strategy
//! cargo run --release --example stranded_garbage -- --strategy epoch 5000
//! ```
//!
//! A task on the runtime's one worker builds and drops `SIZE` lone objects and `SIZE` pairs (a
//! node and its successor, with a back-edge from [`Shared::downgrade`]: weak for refcounting, a
//! cycle for the collectors). Then the worker parks. The main thread collects
//! (`reclaimer::collect::<S>()`) and counts what is still unreclaimed: garbage *stranded* on the
//! idle worker. It runs without the hook and with it, then shuts the runtime down (the worker
//! exits and hands on everything) and runs the leak check.
//!
//! - `Epoch` strands what sits in the worker's unflushed epoch bag: its flush policy hands a bag
//!   on every 32 deferrals, so fewer than that wait; the hook flushes the bag as the worker parks.
//! - `Hyaline` strands what sits in the worker's seize batch: a batch is handed on when it holds
//!   32 objects or at the end of a 64-operation period, so what came after the last of those
//!   waits; the hook flushes the batch as the worker parks.
//! - `Hazard` strands nothing: what the worker retired waits in haphazard's shared domain, which
//!   the main thread's `collect()` scans.
//! - `SyncGc` strands the cycles in the worker's buffer of candidates, which only a collection on
//!   that thread delivers; the hook runs one as the worker parks.
//! - `Arc` and `RwLockArc` free at the last drop: nothing waits. `Leak` frees nothing.
//! - `Gc` is thread-local: its garbage never reaches a worker, so it is skipped.

#[allow(dead_code)]
mod common;

use std::sync::atomic::{AtomicU64, Ordering};

use reclaimer::metrics::{Ledger, Tracked};
use reclaimer::{Lock, OptionCell, Shared, Strategy, ThreadSafe, Trace, Weak};

/// A back-edge to a node.
type Back<S> = Weak<S, Tracked<Node<S>>>;

#[derive(Trace)]
struct Node<S: Strategy> {
    next: OptionCell<S, Tracked<Node<S>>>,
    back: Lock<S, Option<Back<S>>>,
}

/// How many times any worker has parked; the park hook counts.
static PARKS: AtomicU64 = AtomicU64::new(0);

fn run<S: ThreadSafe>(size: usize, hook: bool) -> bool {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .on_thread_park(move || {
            if hook {
                reclaimer::on_park::<S>();
            }
            PARKS.fetch_add(1, Ordering::SeqCst); // after the hook: the worker is about to idle
        })
        .build()
        .expect("a tokio runtime");
    let ledger = Ledger::new();
    let task = runtime.spawn({
        let ledger = ledger.clone();
        async move {
            let node = || {
                Shared::<S, _>::new(ledger.track().label("Node").wrap(Node {
                    next: OptionCell::empty(),
                    back: Lock::new(None),
                }))
            };
            for _ in 0..size {
                drop(node());
                let (first, second) = (node(), node());
                second.back.with(|b| *b = Some(Shared::downgrade(&first)));
                first.next.store(Some(second));
            }
            PARKS.load(Ordering::SeqCst)
        }
    });
    let parks = runtime.block_on(task).expect("the task ran");
    while PARKS.load(Ordering::SeqCst) == parks {
        std::thread::yield_now(); // wait for the worker to go idle
    }
    S::collect(); // the rest of the service collects, on another thread
    let stranded = ledger.counts().live;
    drop(runtime); // the worker exits, handing on what it held
    let report = ledger.finish::<S>();
    let all = report.counts.allocated;
    let (title, why) = match (hook, stranded) {
        (true, _) => (
            "with the park hook",
            "the hook handed on what the worker held before it went idle",
        ),
        (false, 0) => (
            "without the park hook",
            "nothing waited on the idle worker: freed at the last drop or by another thread's scan",
        ),
        (false, _) => (
            "without the park hook",
            "garbage only the idle worker can hand on: its epoch bag, seize batch or cycle candidates",
        ),
    };
    let why = if S::FREES_MEMORY {
        why
    } else {
        common::why_cycles::<S>()
    };
    let ok = common::verdict::<S>(title, &report, common::expected_leak::<S>(all, 0), why);
    let bound = if hook {
        common::expected_leak::<S>(all, 0)
    } else {
        all
    };
    println!(
        "  stranded   {stranded} of {all} unreclaimed while the worker was idle (at most {bound})"
    );
    ok && stranded <= bound
}

common::runner!("stranded_garbage", 1000, 1_000_000, |size|
    thread_safe: run::<S>(size, false) & run::<S>(size, true),
    local: {
        println!(
            "{:<11} skipped: a thread-local heap, its garbage never reaches a worker thread",
            S::NAME
        );
        true
    },
);
