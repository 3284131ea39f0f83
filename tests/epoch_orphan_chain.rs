//! `Epoch::collect()` and chains of drops that began on a thread that has exited.
//!
//! A thread drops the last handle of the head of a chain `a → b → c → d` and exits; its bag,
//! holding `a`'s deferred drop, is handed on. `collect()` on the main thread then runs `a`'s
//! drop, which releases `b`; `b` is retired inside a deferred drop, so it waits in the orphan
//! list, counted for the origin of `a` (the exited thread), not for the collecting thread.
//! `collect()` waits for its own garbage (none) and then for two markers, and returns with the
//! rest of the chain still waiting (a debug build dropped 2 of 6 nodes, every run). The
//! threaded property of `tests/reachability.rs` found it. The test fails while the gap is
//! present; it is ignored so that `cargo test` stays green until `collect()` also waits for
//! the orphans (`src/strategy/epoch/collect.rs`).

use std::sync::atomic::{AtomicUsize, Ordering};

use reclaimer::{Epoch, Lock, Shared, Trace};

static DROPS: AtomicUsize = AtomicUsize::new(0);

#[derive(Trace)]
struct Node {
    next: Lock<Epoch, Option<Shared<Epoch, Node>>>,
}

impl Drop for Node {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
#[ignore = "Epoch::collect() returns before a chain of orphans retired for an exited thread is freed"]
fn collect_frees_a_chain_whose_head_was_dropped_on_an_exited_thread() {
    const LENGTH: usize = 6;
    std::thread::spawn(|| {
        let mut head: Option<Shared<Epoch, Node>> = None;
        for _ in 0..LENGTH {
            head = Some(Shared::new(Node {
                next: Lock::new(head.take()),
            }));
        }
        drop(head);
    })
    .join()
    .unwrap();
    reclaimer::collect::<Epoch>();
    assert_eq!(
        DROPS.load(Ordering::SeqCst),
        LENGTH,
        "nodes dropped after collect()"
    );
}
