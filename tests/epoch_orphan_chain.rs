//! `Epoch::collect()` and chains of drops that began on a thread that has exited.
//!
//! A thread drops the last handle of the head of a chain `a → b → c → …` and exits; its bag,
//! holding `a`'s deferred drop, is handed on. `collect()` on the main thread then runs `a`'s
//! drop, which releases `b`; `b` is retired inside a deferred drop (an orphan). It would be
//! counted for the exited thread, whose garbage `a` was, and no `collect()` would wait for it;
//! since no live thread holds that thread's counts any more, it is counted for the thread that
//! runs the drop, and one `collect()` frees the whole chain. The threaded property of
//! `tests/reachability.rs` found the gap (2 of 6 nodes dropped after one `collect()`, every
//! run, before the fix).

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
