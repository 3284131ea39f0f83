//! From repetitions to figures: each figure is the median of its repetitions, with the least
//! and greatest value beside it ([`Spread`]); [`RowSummary`] holds every figure of one row
//! (a strategy on a runtime) of a workload's table.

use reclaimer_graph::GraphResult;
use serde::{Deserialize, Serialize};

/// The median of a figure's repetitions, with its least and greatest value.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// The median (the mean of the two middle values when the count is even).
    pub median: f64,
    /// The least value.
    pub min: f64,
    /// The greatest value.
    pub max: f64,
    /// How many repetitions.
    pub n: u32,
}

impl Spread {
    /// The spread of `values`, or `None` when there are none (or any is not a number).
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Spread> {
        let mut v: Vec<f64> = values.into_iter().collect();
        if v.is_empty() || v.iter().any(|x| x.is_nan()) {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Some(Spread {
            median,
            min: v[0],
            max: v[n - 1],
            n: u32::try_from(n).unwrap_or(u32::MAX),
        })
    }

    /// Whether the two ranges `min..=max` share a value: if they do, the medians' order is
    /// not a measurement.
    pub fn overlaps(&self, other: &Spread) -> bool {
        self.min <= other.max && other.min <= self.max
    }

    /// The larger distance from the median to the least or greatest value, as a fraction of
    /// the median (0 when the median is 0): the `±` the tables print.
    pub fn plus_minus(&self) -> f64 {
        if self.median == 0.0 {
            return 0.0;
        }
        (self.max - self.median).max(self.median - self.min).abs() / self.median.abs()
    }

    /// Whether every repetition gave the same value.
    pub fn is_exact(&self) -> bool {
        self.min == self.max
    }
}

/// Every figure of one row, from its successful repetitions. A figure no repetition measured
/// (no untracked pass, no releases, no counting allocator) is `None`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RowSummary {
    /// Successful repetitions.
    pub repetitions: u32,
    /// Reported throughput (the untracked pass's; the tracked pass's when no untracked pass
    /// ran), operations per second.
    pub throughput: Option<Spread>,
    /// The tracked pass's throughput.
    pub tracked_throughput: Option<Spread>,
    /// Median tracked throughput ÷ median untracked throughput.
    pub tracked_ratio: Option<f64>,
    /// Reclamation latency percentiles, ns.
    pub latency_p50_ns: Option<Spread>,
    /// p99, ns.
    pub latency_p99_ns: Option<Spread>,
    /// p99.9, ns.
    pub latency_p999_ns: Option<Spread>,
    /// Greatest, ns.
    pub latency_max_ns: Option<Spread>,
    /// p99 of reclamation latency in handle operations.
    pub latency_p99_ops: Option<Spread>,
    /// Peak garbage in flight, objects.
    pub garbage_peak: Option<Spread>,
    /// Mean garbage in flight over the samples, objects.
    pub garbage_mean: Option<Spread>,
    /// Objects still unreclaimed after the final collect.
    pub leaked: Option<Spread>,
    /// Their bytes.
    pub leaked_bytes: Option<Spread>,
    /// Objects reclaimed only by the final collect.
    pub late: Option<Spread>,
    /// What the workload itself counts as left on cycles of strong handles.
    pub left_on_cycles: Option<Spread>,
    /// Tracked objects the workload created.
    pub objects: Option<Spread>,
    /// Operations of one pass.
    pub operations: Option<Spread>,
    /// Peak live heap above the heap at the start of the tracked pass, bytes.
    pub peak_heap_bytes: Option<Spread>,
    /// Resident set at the end of the tracked pass, bytes.
    pub rss_end_bytes: Option<Spread>,
    /// p99 of the workload's own `collect()` calls, ns.
    pub collect_p99_ns: Option<Spread>,
    /// The final collect, ns.
    pub final_collect_ns: Option<Spread>,
    /// p99.9 of the timed handle operations, ns.
    pub op_p999_ns: Option<Spread>,
    /// `idle-worker`: garbage stranded on the parked worker.
    pub stranded: Option<Spread>,
    /// Tasks that panicked or were aborted, over every repetition.
    pub failed_tasks: u64,
    /// Deliveries dropped (full or closed receiver), over every repetition.
    pub dropped: u64,
}

impl RowSummary {
    /// The summary of `runs`, every repetition of one row that produced a result.
    pub fn of(runs: &[&GraphResult]) -> RowSummary {
        let spread = |f: &dyn Fn(&GraphResult) -> Option<f64>| {
            let values: Vec<f64> = runs.iter().filter_map(|r| f(r)).collect();
            Spread::of(values)
        };
        let u = |x: u64| Some(x as f64);
        let has_latency = |r: &GraphResult| r.run.report.latency.ns.count > 0;
        let throughput = spread(&|r| Some(r.throughput().per_second));
        let tracked_throughput = spread(&|r| Some(r.tracked_throughput.per_second));
        let untracked = spread(&|r| r.run.throughput.map(|t| t.per_second));
        let tracked_ratio = match (&tracked_throughput, &untracked) {
            (Some(t), Some(u))
                if u.median > 0.0 && runs.iter().all(|r| r.run.throughput.is_some()) =>
            {
                Some(t.median / u.median)
            }
            _ => None,
        };
        RowSummary {
            repetitions: u32::try_from(runs.len()).unwrap_or(u32::MAX),
            throughput,
            tracked_throughput,
            tracked_ratio,
            latency_p50_ns: spread(&|r| {
                has_latency(r).then_some(r.run.report.latency.ns.p50 as f64)
            }),
            latency_p99_ns: spread(&|r| {
                has_latency(r).then_some(r.run.report.latency.ns.p99 as f64)
            }),
            latency_p999_ns: spread(&|r| {
                has_latency(r).then_some(r.run.report.latency.ns.p999 as f64)
            }),
            latency_max_ns: spread(&|r| {
                has_latency(r).then_some(r.run.report.latency.ns.max as f64)
            }),
            latency_p99_ops: spread(&|r| {
                has_latency(r).then_some(r.run.report.latency.ops.p99 as f64)
            }),
            garbage_peak: spread(&|r| u(r.run.report.garbage.peak_count)),
            garbage_mean: spread(&|r| Some(r.run.report.garbage.mean_count)),
            leaked: spread(&|r| u(r.run.report.counts.leaked)),
            leaked_bytes: spread(&|r| u(r.run.report.counts.leaked_bytes)),
            late: spread(&|r| u(r.run.report.counts.late)),
            left_on_cycles: spread(&|r| u(r.stats.left_on_cycles)),
            objects: spread(&|r| u(r.stats.objects)),
            operations: spread(&|r| u(r.stats.operations)),
            peak_heap_bytes: spread(&|r| {
                let m = &r.run.report.memory;
                m.peak_bytes
                    .zip(m.start_bytes)
                    .map(|(peak, start)| peak.saturating_sub(start) as f64)
            }),
            rss_end_bytes: spread(&|r| r.run.report.memory.rss_end_bytes.map(|b| b as f64)),
            collect_p99_ns: spread(&|r| {
                let c = &r.run.report.pauses.collections;
                (c.count > 0).then_some(c.p99 as f64)
            }),
            final_collect_ns: spread(&|r| r.run.report.pauses.final_collect_ns.map(|n| n as f64)),
            op_p999_ns: spread(&|r| {
                let o = &r.run.report.pauses.ops;
                (o.count > 0).then_some(o.p999 as f64)
            }),
            stranded: spread(&|r| r.stats.stranded.map(|s| s as f64)),
            failed_tasks: runs.iter().map(|r| r.stats.failed_tasks).sum(),
            dropped: runs.iter().map(|r| r.stats.dropped).sum(),
        }
    }
}

/// The repetition to draw in a plot: the one whose p99 reclamation latency is the median (or,
/// with no latency, whose throughput is), so a plot shows a typical run, not the best or worst.
pub fn representative<'a>(runs: &[&'a GraphResult]) -> Option<&'a GraphResult> {
    let key = |r: &GraphResult| {
        if r.run.report.latency.ns.count > 0 {
            r.run.report.latency.ns.p99 as f64
        } else {
            r.throughput().per_second
        }
    };
    let mut sorted: Vec<&GraphResult> = runs.to_vec();
    sorted.sort_by(|a, b| key(a).total_cmp(&key(b)));
    sorted.get(sorted.len().saturating_sub(1) / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_and_range_of_known_values() {
        let s = Spread::of([3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max, s.n), (2.0, 1.0, 3.0, 3));
        let even = Spread::of([4.0, 1.0, 2.0, 3.0]).unwrap();
        assert_eq!(even.median, 2.5);
        assert!(Spread::of([]).is_none());
        assert!(Spread::of([1.0, f64::NAN]).is_none());
    }

    #[test]
    fn plus_minus_is_the_larger_side_over_the_median() {
        let s = Spread::of([90.0, 100.0, 120.0]).unwrap();
        assert!((s.plus_minus() - 0.2).abs() < 1e-12);
        assert_eq!(Spread::of([0.0, 0.0, 0.0]).unwrap().plus_minus(), 0.0);
    }

    #[test]
    fn overlapping_ranges() {
        let a = Spread::of([1.0, 2.0, 3.0]).unwrap();
        let b = Spread::of([3.0, 4.0, 5.0]).unwrap();
        let c = Spread::of([3.5, 4.0, 5.0]).unwrap();
        assert!(a.overlaps(&b) && b.overlaps(&a));
        assert!(!a.overlaps(&c) && !c.overlaps(&a));
    }
}
