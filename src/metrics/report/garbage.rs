//! Garbage in flight: objects released by the workload and not yet reclaimed, in count and
//! bytes, sampled over time; peak and time-weighted mean.
//!
//! The gauge itself is a pair of per-thread counters in the
//! [`Ledger`](crate::metrics::Ledger), moved by each release and each reclaim of a released
//! object. Sampling reads them; it never scans records.

use serde::{Deserialize, Serialize};

/// Garbage in flight at one moment: [`Ledger::in_flight`](crate::metrics::Ledger::in_flight).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InFlight {
    /// Objects released and not yet reclaimed.
    pub count: u64,
    /// Their bytes.
    pub bytes: u64,
}

impl InFlight {
    pub(crate) fn new(count: u64, bytes: u64) -> Self {
        InFlight { count, bytes }
    }
}

/// One sample of garbage in flight: [`Ledger::sample`](crate::metrics::Ledger::sample).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GarbageSample {
    /// When, in ns since the ledger was made.
    pub ns: u64,
    /// When, on the operation clock.
    pub op: u64,
    /// Objects in flight.
    pub count: u64,
    /// Bytes in flight.
    pub bytes: u64,
    /// Live heap bytes, when the counting allocator is installed.
    pub heap_bytes: Option<u64>,
}

impl GarbageSample {
    pub(crate) fn new(ns: u64, op: u64, in_flight: InFlight, heap_bytes: Option<u64>) -> Self {
        GarbageSample {
            ns,
            op,
            count: in_flight.count,
            bytes: in_flight.bytes,
            heap_bytes,
        }
    }
}

/// Garbage in flight over a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GarbageReport {
    /// Largest sampled count.
    pub peak_count: u64,
    /// Largest sampled bytes.
    pub peak_bytes: u64,
    /// Time-weighted mean count: each sample holds until the next one.
    pub mean_count: f64,
    /// Time-weighted mean bytes.
    pub mean_bytes: f64,
    /// Count in the last sample (after the final collect: released objects that leaked).
    pub final_count: u64,
    /// Bytes in the last sample.
    pub final_bytes: u64,
    /// Every sample, oldest first.
    pub samples: Vec<GarbageSample>,
}

impl GarbageReport {
    /// Summarises `samples` (oldest first).
    pub(crate) fn from_samples(samples: Vec<GarbageSample>) -> Self {
        let peak_count = samples.iter().map(|s| s.count).max().unwrap_or(0);
        let peak_bytes = samples.iter().map(|s| s.bytes).max().unwrap_or(0);
        let last = samples.last().copied().unwrap_or_default();
        let (mean_count, mean_bytes) = time_weighted_means(&samples);
        GarbageReport {
            peak_count,
            peak_bytes,
            mean_count,
            mean_bytes,
            final_count: last.count,
            final_bytes: last.bytes,
            samples,
        }
    }
}

/// Means of count and bytes, each sample weighted by the time until the next; the plain mean
/// when the samples span no time.
fn time_weighted_means(samples: &[GarbageSample]) -> (f64, f64) {
    if samples.is_empty() {
        return (0.0, 0.0);
    }
    let span = samples[samples.len() - 1].ns.saturating_sub(samples[0].ns);
    if span == 0 {
        let n = samples.len() as f64;
        let count = samples.iter().map(|s| s.count as f64).sum::<f64>() / n;
        let bytes = samples.iter().map(|s| s.bytes as f64).sum::<f64>() / n;
        return (count, bytes);
    }
    let (mut count, mut bytes) = (0.0, 0.0);
    for pair in samples.windows(2) {
        let weight = pair[1].ns.saturating_sub(pair[0].ns) as f64;
        count += pair[0].count as f64 * weight;
        bytes += pair[0].bytes as f64 * weight;
    }
    (count / span as f64, bytes / span as f64)
}
