//! Garbage in flight: objects released by the workload and not yet reclaimed, in count and
//! bytes, sampled over time; peak and time-weighted mean.
//!
//! The gauge itself is two atomic counters in the [`Ledger`], moved by each release and each
//! reclaim of a released object. Sampling reads them; it never scans records.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::ledger::Ledger;

/// Garbage in flight at one moment: [`Ledger::in_flight`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InFlight {
    /// Objects released and not yet reclaimed.
    pub count: u64,
    /// Their bytes.
    pub bytes: u64,
}

/// One sample of garbage in flight: [`Ledger::sample`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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

/// Garbage in flight over a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
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

/// Summarises `samples` (oldest first).
pub(crate) fn report(samples: Vec<GarbageSample>) -> GarbageReport {
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

/// A thread sampling a ledger's garbage in flight at a fixed interval: made by
/// [`Ledger::start_sampler`]; stops when dropped.
///
/// ```
/// use std::time::Duration;
/// use reclaimer::metrics::Ledger;
///
/// let ledger = Ledger::new();
/// let sampler = ledger.start_sampler(Duration::from_millis(1));
/// std::thread::sleep(Duration::from_millis(5));
/// sampler.stop();
/// let report = ledger.finish::<reclaimer::Arc>();
/// assert!(report.garbage.samples.len() >= 3); // the sampler's, and two from `finish`
/// ```
#[derive(Debug)]
pub struct Sampler {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Sampler {
    pub(crate) fn start(ledger: Ledger, interval: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name("reclaim-sampler".into())
            .spawn({
                let stop = stop.clone();
                move || {
                    ledger.sample();
                    // Acquire: pairs with the Release store in `stop`; nothing else is
                    // published through the flag, so this is only for promptness.
                    while !stop.load(Ordering::Acquire) {
                        std::thread::park_timeout(interval);
                        ledger.sample();
                    }
                }
            })
            .expect("spawning the sampler thread");
        Sampler {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops sampling (after one last sample) and waits for the thread.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        if let Some(thread) = self.thread.take() {
            // Release: pairs with the Acquire load in the sampling loop.
            self.stop.store(true, Ordering::Release);
            thread.thread().unpark();
            // A panic in the sampler thread has already been reported; nothing to add.
            let _ = thread.join();
        }
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.halt();
    }
}
