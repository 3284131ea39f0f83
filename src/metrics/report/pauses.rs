//! Pauses and blocking: time spent inside `collect()`
//! ([`Ledger::collect`](crate::metrics::Ledger::collect)), and the tail of individual handle
//! operations, one in N timed ([`Ledger::op`](crate::metrics::Ledger::op)).
//!
//! Collections a backend runs on its own (rust-gc on allocation, dumpster inside a `Drop`) are
//! not calls to `collect()`; they show up in the operation tail of whichever operation ran
//! them.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::metrics::stats::{Percentiles, Summary};

/// One call to `collect()`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CollectPause {
    /// When it started, in ns since the ledger was made.
    pub at_ns: u64,
    /// How long it took, in ns.
    pub ns: u64,
}

impl CollectPause {
    pub(crate) fn new(at_ns: u64, ns: u64) -> Self {
        CollectPause { at_ns, ns }
    }
}

/// Pauses over a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PauseReport {
    /// Durations of the workload's `collect()` calls, in ns.
    pub collections: Percentiles,
    /// Their total, in ns.
    pub collect_total_ns: u64,
    /// Every `collect()` call, oldest first.
    pub timeline: Vec<CollectPause>,
    /// The final collect of [`Ledger::finish`](crate::metrics::Ledger::finish), in ns (not in
    /// `collections`).
    pub final_collect_ns: Option<u64>,
    /// One operation in this many was timed (0: none).
    pub op_sample_every: u32,
    /// Durations of the timed handle operations, in ns.
    pub ops: Percentiles,
}

impl PauseReport {
    /// The report of the `collect()` calls in `timeline` (oldest first), the final collect,
    /// and the operations timed one in `op_sample_every` (as configured) into `op_samples`.
    pub(crate) fn new(
        timeline: Vec<CollectPause>,
        final_collect_ns: Option<u64>,
        op_sample_every: u32,
        op_samples: Option<&Histogram<u64>>,
    ) -> Self {
        PauseReport {
            collections: Percentiles::from_values(timeline.iter().map(|p| p.ns)),
            collect_total_ns: timeline.iter().map(|p| p.ns).sum(),
            timeline,
            final_collect_ns,
            op_sample_every: match op_sample_every {
                0 => 0,
                n => n.next_power_of_two(),
            },
            ops: op_samples
                .map(|h| Summary::from_histogram(h).percentiles())
                .unwrap_or_default(),
        }
    }
}
