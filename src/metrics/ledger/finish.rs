//! The end of a run and its reports: [`Ledger::finish`] runs the final collect, then the
//! records are scanned once into a [`Report`]; [`Ledger::counts`] and [`Ledger::snapshot`]
//! scan without ending the run.

use std::sync::atomic::Ordering;
use std::sync::PoisonError;
use std::time::Instant;

use super::{Ledger, ENDED, FINAL_COLLECT};
use crate::metrics::alloc::uncounted;
use crate::metrics::record::View;
use crate::metrics::report::{Counts, Report, ReportBuilder, RunFacts};
use crate::strategy::Strategy;

impl Ledger {
    /// Object counts now. Before [`finish`](Ledger::finish), unreclaimed objects are live;
    /// after it, they are leaked.
    pub fn counts(&self) -> Counts {
        let mut counts = self.counts_base();
        self.scan(|view| counts.add(view));
        counts
    }

    /// The counts not read from records: the ledger's own counters and the gauge.
    fn counts_base(&self) -> Counts {
        let in_flight = self.in_flight();
        // Relaxed loads: statistics; the workload has ended or the caller accepts a moment's
        // view.
        Counts {
            double_reclaims: self.inner.double_reclaims.load(Ordering::Relaxed),
            misuse: self.inner.misuse.load(Ordering::Relaxed),
            untracked: self.inner.untracked.load(Ordering::Relaxed),
            in_flight: in_flight.count,
            in_flight_bytes: in_flight.bytes,
            ended: self.inner.phase.load(Ordering::Relaxed) == ENDED,
            ..Counts::default()
        }
    }

    /// Calls `f` with a view of every registered object's record.
    fn scan(&self, mut f: impl FnMut(&View)) {
        for index in 0..self.inner.storage.ids() {
            if let Some(view) = self.inner.storage.view(index) {
                f(&view);
            }
        }
    }

    /// Ends the run: takes a garbage sample, runs a final [`S::collect()`](Strategy::collect)
    /// on this thread, then reports. Objects reclaimed by that collect are *late*; objects
    /// still unreclaimed after it are *leaked*.
    ///
    /// Call it after the workload has dropped its handles, on the thread that owns them for
    /// thread-local strategies (`Gc`).
    pub fn finish<S: Strategy>(&self) -> Report {
        self.sample();
        // Relaxed: `record_reclaim` reads the phase on the thread that runs the collect (this
        // one), or on threads the workload no longer uses.
        self.inner.phase.store(FINAL_COLLECT, Ordering::Relaxed);
        let start = Instant::now();
        S::collect();
        let final_ns = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        // Relaxed: as above.
        self.inner.phase.store(ENDED, Ordering::Relaxed);
        self.sample();
        self.report(S::NAME, Some(final_ns))
    }

    /// Reports on the run so far without collecting or ending it.
    pub fn snapshot(&self, strategy: &str) -> Report {
        self.report(strategy, None)
    }

    fn report(&self, strategy: &str, final_collect_ns: Option<u64>) -> Report {
        let mut builder = uncounted(|| ReportBuilder::new(self.counts_base()));
        uncounted(|| self.scan(|view| builder.add(view)));
        let inner = &*self.inner;
        let samples = inner
            .samples
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let op_samples = inner.shards.op_samples();
        let collects = inner
            .collects
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let operations = self.ops();
        builder.finish(RunFacts {
            strategy,
            duration_ns: self.elapsed_ns(),
            operations,
            labels: &|index| inner.labels.display(index),
            samples,
            collects,
            final_collect_ns,
            op_sample_every: inner.config.op_sample_every,
            op_samples: op_samples.as_ref(),
            memory_start: inner.memory_start,
            ledger_bytes: self.overhead_bytes(),
        })
    }
}
