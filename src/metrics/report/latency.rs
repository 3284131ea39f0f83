//! Reclamation latency: reclaim instant − release instant, per object, in nanoseconds and in
//! handle operations, kept in HDR histograms (3 significant figures) built when a report is
//! made.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::metrics::record::View;
use crate::metrics::stats::{CdfPoint, Percentiles, Summary};

/// Latency of one type label.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LabelLatency {
    /// The type label.
    pub label: String,
    /// Latency in nanoseconds.
    pub ns: Percentiles,
    /// Latency in handle operations.
    pub ops: Percentiles,
}

/// Reclamation latency of every object that was released and then reclaimed.
///
/// Objects never released, or reclaimed early, have no latency. Generation members reclaimed
/// before their generation's release was stamped count as 0.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LatencyReport {
    /// Reclaim − release, in nanoseconds.
    pub ns: Percentiles,
    /// Reclaim − release, in operation-clock ticks (handle operations of all threads).
    pub ops: Percentiles,
    /// The distribution in nanoseconds, for plots.
    pub cdf_ns: Vec<CdfPoint>,
    /// The distribution in operations, for plots.
    pub cdf_ops: Vec<CdfPoint>,
    /// The same per type label, sorted by label.
    pub by_label: Vec<LabelLatency>,
}

/// Collects latencies from the records of a scan.
#[derive(Default)]
pub(crate) struct LatencyBuilder {
    ns: Summary,
    ops: Summary,
    by_label: BTreeMap<u32, (Summary, Summary)>,
}

impl LatencyBuilder {
    pub(crate) fn add(&mut self, view: &View) {
        let (Some(release), Some(reclaim)) = (view.release, view.reclaim) else {
            return;
        };
        let (ns, ops) = if view.released_when_reclaimed() {
            (
                reclaim.ns.saturating_sub(release.ns),
                reclaim.op.saturating_sub(release.op),
            )
        } else if view.reclaimed_before_release() {
            (0, 0)
        } else {
            return;
        };
        self.ns.record(ns);
        self.ops.record(ops);
        let (label_ns, label_ops) = self.by_label.entry(view.label).or_default();
        label_ns.record(ns);
        label_ops.record(ops);
    }

    /// The report, with each label index shown as `labels` reads it.
    pub(crate) fn finish(&self, labels: &dyn Fn(u32) -> String) -> LatencyReport {
        let mut by_label: Vec<LabelLatency> = self
            .by_label
            .iter()
            .map(|(&label, (ns, ops))| LabelLatency {
                label: labels(label),
                ns: ns.percentiles(),
                ops: ops.percentiles(),
            })
            .collect();
        by_label.sort_by(|a, b| a.label.cmp(&b.label));
        LatencyReport {
            ns: self.ns.percentiles(),
            ops: self.ops.percentiles(),
            cdf_ns: self.ns.cdf(),
            cdf_ops: self.ops.cdf(),
            by_label,
        }
    }
}
