//! [`Report`]: every figure of one run. Each figure has its file here, a pure builder that
//! takes record [`View`]s and samples and never reads the ledger itself: counts and the
//! conservation law (`counts.rs`), reclamation latency (`latency.rs`), leaked and late objects
//! (`leaks.rs`), garbage in flight (`garbage.rs`), pauses (`pauses.rs`) and memory
//! (`memory.rs`).

mod counts;
mod garbage;
mod latency;
mod leaks;
mod memory;
mod pauses;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

pub use self::counts::{Counts, Violation};
pub use self::garbage::{GarbageReport, GarbageSample, InFlight};
use self::latency::LatencyBuilder;
pub use self::latency::{LabelLatency, LatencyReport};
use self::leaks::LeakBuilder;
pub use self::leaks::{LeakReport, LeakRow};
pub use self::memory::{HeapPoint, MemoryReport};
pub use self::pauses::{CollectPause, PauseReport};
use crate::metrics::alloc::uncounted;
use crate::metrics::record::View;

/// Every figure of one run, as [`Ledger::finish`](crate::metrics::Ledger::finish) reports it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Report {
    /// The strategy's [`NAME`](crate::Strategy::NAME).
    pub strategy: String,
    /// Nanoseconds from the ledger's creation to the report.
    pub duration_ns: u64,
    /// The operation clock at the report.
    pub operations: u64,
    /// Object counts and the conservation law.
    pub counts: Counts,
    /// Reclamation latency.
    pub latency: LatencyReport,
    /// Garbage in flight over time.
    pub garbage: GarbageReport,
    /// Leaked and late objects.
    pub leaks: LeakReport,
    /// Collection pauses and handle-operation tails.
    pub pauses: PauseReport,
    /// Heap and resident memory.
    pub memory: MemoryReport,
}

/// What a report is made of besides the records: the run's clocks, its samples and pauses.
pub(crate) struct RunFacts<'a> {
    /// The strategy's name.
    pub(crate) strategy: &'a str,
    /// Nanoseconds since the ledger was made.
    pub(crate) duration_ns: u64,
    /// The operation clock now.
    pub(crate) operations: u64,
    /// How a label index reads.
    pub(crate) labels: &'a dyn Fn(u32) -> String,
    /// Garbage samples, oldest first.
    pub(crate) samples: Vec<GarbageSample>,
    /// The workload's `collect()` calls, oldest first.
    pub(crate) collects: Vec<CollectPause>,
    /// The final collect, if the run has ended.
    pub(crate) final_collect_ns: Option<u64>,
    /// The configured operation sampling, and the timed operations.
    pub(crate) op_sample_every: u32,
    pub(crate) op_samples: Option<&'a Histogram<u64>>,
    /// Live heap bytes when the ledger was made.
    pub(crate) memory_start: Option<u64>,
    /// The ledger's own bytes.
    pub(crate) ledger_bytes: u64,
}

/// Builds a [`Report`]: fed every record of a scan, then the rest of the run. Make it, feed it
/// and let [`finish`](ReportBuilder::finish) free it all uncounted, so the scan's memory is
/// never the workload's; the report itself is counted.
pub(crate) struct ReportBuilder {
    counts: Counts,
    latency: LatencyBuilder,
    leaks: LeakBuilder,
}

impl ReportBuilder {
    /// A builder whose counts start from `counts` (the figures not read from records).
    pub(crate) fn new(counts: Counts) -> Self {
        ReportBuilder {
            counts,
            latency: LatencyBuilder::default(),
            leaks: LeakBuilder::default(),
        }
    }

    /// Adds one record.
    pub(crate) fn add(&mut self, view: &View) {
        self.counts.add(view);
        self.latency.add(view);
        self.leaks.add(view, self.counts.ended);
    }

    /// The report; the builder is freed uncounted.
    pub(crate) fn finish(self, run: RunFacts<'_>) -> Report {
        let ReportBuilder {
            counts,
            latency,
            leaks,
        } = self;
        let samples = run.samples;
        let report = Report {
            strategy: run.strategy.to_string(),
            duration_ns: run.duration_ns,
            operations: run.operations,
            counts,
            latency: latency.finish(run.labels),
            garbage: GarbageReport::from_samples(samples.clone()),
            leaks: leaks.finish(run.labels),
            pauses: PauseReport::new(
                run.collects,
                run.final_collect_ns,
                run.op_sample_every,
                run.op_samples,
            ),
            memory: MemoryReport::now(
                run.memory_start,
                samples
                    .iter()
                    .filter_map(|s| s.heap_bytes.map(|bytes| HeapPoint::new(s.ns, bytes))),
                run.ledger_bytes,
            ),
        };
        uncounted(move || drop((latency, leaks)));
        report
    }
}
