//! Raw crossbeam-epoch, without a flush, keeps a single deferred object forever; a flush (and a
//! re-pin) frees it. This is why `reclaimer::Epoch` flushes on a policy.
//!
//! ```text
//! cargo run --example epoch_flush
//! ```
//!
//! A deferred function waits in its thread's 64-slot bag. The bag is handed to the global queue
//! only when it fills or the thread flushes, and a handed-on bag is freed two epoch advances
//! later. Pinning alone tries to advance the epoch every 128 pins, but never hands the bag on.

#[cfg(feature = "epoch")]
fn main() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use crossbeam_epoch::Collector;

    const PINS: usize = 100_000;

    // A collector of our own, so no other thread's activity can hand the bag on or advance the
    // epoch for us.
    let collector = Collector::new();
    let handle = collector.register();

    let freed = Arc::new(AtomicBool::new(false));
    {
        let guard = handle.pin();
        let freed = freed.clone();
        guard.defer(move || freed.store(true, Ordering::SeqCst));
    }

    for _ in 0..PINS {
        drop(handle.pin());
    }
    assert!(
        !freed.load(Ordering::SeqCst),
        "crossbeam-epoch freed a lone object without a flush"
    );
    println!("after {PINS} pins without a flush: the deferred object is still unfreed");

    // A flush hands the bag on and advances the epoch once; freeing needs a second advance,
    // from a fresh pin.
    let mut flushes = 0;
    while !freed.load(Ordering::SeqCst) {
        assert!(flushes < 3, "three flushes did not free the object");
        handle.pin().flush();
        flushes += 1;
    }
    println!("freed after {flushes} flushes, each under its own pin");
    assert_eq!(flushes, 2);

    drop(handle);
    drop(collector);
}

#[cfg(not(feature = "epoch"))]
fn main() {
    eprintln!("this example needs the `epoch` feature");
}
