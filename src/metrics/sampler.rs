//! [`Sampler`]: a thread taking garbage-in-flight samples of a [`Ledger`] at a fixed interval.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::metrics::ledger::Ledger;

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

impl Ledger {
    /// Starts a thread that calls [`sample`](Ledger::sample) every `interval` until the
    /// returned [`Sampler`] is stopped or dropped.
    pub fn start_sampler(&self, interval: Duration) -> Sampler {
        Sampler::start(self.clone(), interval)
    }
}

impl Sampler {
    fn start(ledger: Ledger, interval: Duration) -> Self {
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
