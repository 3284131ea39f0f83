//! Memory over a run: live heap bytes from the counting allocator (at the start, at the
//! report, the peak, and a timeline sampled with garbage in flight), and resident set size at
//! the end.

use serde::{Deserialize, Serialize};

use crate::metrics::alloc::{self, CountingAlloc};

/// A point of the heap timeline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HeapPoint {
    /// When, in ns since the ledger was made.
    pub ns: u64,
    /// Live heap bytes.
    pub bytes: u64,
}

impl HeapPoint {
    pub(crate) fn new(ns: u64, bytes: u64) -> Self {
        HeapPoint { ns, bytes }
    }
}

/// Memory over a run. Heap figures are `None` without the counting allocator.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MemoryReport {
    /// Whether the counting allocator was installed.
    pub counting: bool,
    /// Live heap bytes when the ledger was made.
    pub start_bytes: Option<u64>,
    /// Live heap bytes at the report.
    pub end_bytes: Option<u64>,
    /// Peak live heap bytes since the ledger was made (or the last
    /// [`CountingAlloc::reset_peak`]).
    pub peak_bytes: Option<u64>,
    /// Allocations counted by the process so far.
    pub allocations: Option<u64>,
    /// Resident set size at the report.
    pub rss_end_bytes: Option<u64>,
    /// Bytes of the ledger's own records, not included in the heap figures.
    pub ledger_bytes: u64,
    /// Live heap bytes at each garbage sample.
    pub timeline: Vec<HeapPoint>,
}

impl MemoryReport {
    /// The report now: `start` bytes when the ledger was made, the heap `timeline` (read after
    /// the figures), and the ledger's own bytes.
    pub(crate) fn now(
        start: Option<u64>,
        timeline: impl Iterator<Item = HeapPoint>,
        ledger_bytes: u64,
    ) -> Self {
        let counting = CountingAlloc::installed();
        MemoryReport {
            counting,
            start_bytes: start,
            end_bytes: counting.then(CountingAlloc::live_bytes),
            peak_bytes: counting.then(CountingAlloc::peak_bytes),
            allocations: counting.then(CountingAlloc::allocations),
            rss_end_bytes: alloc::rss_bytes(),
            ledger_bytes,
            timeline: timeline.collect(),
        }
    }
}
