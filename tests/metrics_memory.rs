//! Known answers for the counting allocator, installed by this test binary: live bytes go up by
//! an allocation and back down by its free; the ledger's own records are not counted; reports
//! carry the heap figures.
//!
//! One test in this binary, so the process-wide figures move only with it.

use reclaimer::metrics::{CountingAlloc, Ledger, Tracked};
use reclaimer::Shared;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::system();

#[test]
fn counting_allocator_follows_allocations_and_frees() {
    let _warm = Box::new(0u8);
    assert!(CountingAlloc::installed());
    assert_eq!(
        reclaimer::metrics::Environment::detect().allocator,
        "counting"
    );

    // Up by the allocation, and back down: exact on this thread.
    let before = CountingAlloc::thread_net_bytes();
    let block = vec![0u8; 1 << 20];
    assert_eq!(CountingAlloc::thread_net_bytes() - before, 1 << 20);
    assert!(CountingAlloc::live_bytes() >= 1 << 20);
    assert!(CountingAlloc::peak_bytes() >= CountingAlloc::live_bytes());
    drop(block);
    assert_eq!(CountingAlloc::thread_net_bytes(), before);

    // Growth by `realloc` is counted by its difference.
    let mut grown = Vec::<u8>::with_capacity(100);
    grown.reserve_exact(1000);
    assert_eq!(
        CountingAlloc::thread_net_bytes() - before,
        grown.capacity() as i64
    );
    drop(grown);
    assert_eq!(CountingAlloc::thread_net_bytes(), before);

    // The ledger's records are allocated uncounted: tracking an object on the stack costs the
    // heap nothing, even though its first record chunk is allocated here.
    let ledger = Ledger::new();
    let before = CountingAlloc::thread_net_bytes();
    let tracked = Tracked::new(&ledger, 5u64);
    assert_eq!(CountingAlloc::thread_net_bytes(), before);
    assert!(ledger.overhead_bytes() > 0);

    // A shared tracked object costs exactly its `Arc` allocation.
    let shared = Shared::<reclaimer::Arc, _>::new(Tracked::new(&ledger, [0u8; 100]));
    let arc_bytes =
        (2 * std::mem::size_of::<usize>() + std::mem::size_of::<Tracked<[u8; 100]>>()) as i64;
    assert_eq!(CountingAlloc::thread_net_bytes() - before, arc_bytes);
    drop(shared);
    assert_eq!(CountingAlloc::thread_net_bytes(), before);

    // Reports carry the heap figures and a timeline from the samples.
    let start = CountingAlloc::live_bytes();
    let held = vec![1u8; 1 << 16];
    ledger.sample();
    drop(held);
    drop(tracked);
    let report = ledger.finish::<reclaimer::Arc>();
    assert!(report.counts.is_balanced());
    let heap = &report.memory;
    assert!(heap.counting);
    assert!(heap.peak_bytes.unwrap() >= start + (1 << 16));
    assert_eq!(heap.timeline.len(), 3);
    assert!(heap.timeline[0].bytes >= 1 << 16);
    assert!(heap.start_bytes.is_some() && heap.end_bytes.is_some());
    assert!(heap.allocations.unwrap() > 0);
    assert_eq!(heap.ledger_bytes, ledger.overhead_bytes());
    assert!(heap.rss_end_bytes.is_none_or(|rss| rss > 0));

    // Nested `uncounted` restores the outer state.
    let before = CountingAlloc::thread_net_bytes();
    CountingAlloc::uncounted(|| {
        CountingAlloc::uncounted(|| drop(Box::new([0u8; 64])));
        drop(Box::new([0u8; 64]));
    });
    drop(Box::new([0u8; 64]));
    assert_eq!(CountingAlloc::thread_net_bytes(), before);
    let counted = Box::new([0u8; 64]);
    assert_eq!(CountingAlloc::thread_net_bytes() - before, 64);
    drop(counted);

    // A ledger frees what it counted and nothing else: recording pauses, reporting on labelled
    // objects and dropping it all leaves this thread's net bytes as they were.
    drop(Ledger::new().finish::<reclaimer::Arc>()); // warms up what is made once per process
    let before = CountingAlloc::thread_net_bytes();
    let ledger = Ledger::new();
    for _ in 0..3 {
        ledger.collect::<reclaimer::Arc>();
    }
    let message = ledger.track().label("Message").consumers(1).wrap(1u64);
    Tracked::consumed(&message);
    drop(message);
    drop(Tracked::new(&ledger, 2u32));
    drop(ledger.snapshot("Arc"));
    drop(ledger.finish::<reclaimer::Arc>());
    drop(ledger);
    assert_eq!(CountingAlloc::thread_net_bytes(), before);
}
