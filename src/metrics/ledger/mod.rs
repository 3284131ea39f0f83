//! [`Ledger`]: the per-run book of every tracked object, and its clocks.
//!
//! The ledger gives each object an id and keeps one record per id (`storage.rs`); labels are
//! interned in a table (`labels.rs`); the operation clock and the garbage-in-flight gauge have
//! a slot per thread (`shards.rs`). Nothing on the hot path takes a lock: threads write their
//! own slots and the records of the objects they touch, and take ids from one counter in
//! blocks. Objects are registered, released and reclaimed in `lifecycle.rs`; reports are built
//! in `finish.rs` by scanning the records when one is asked for, never while the workload runs.

mod finish;
mod labels;
mod lifecycle;
mod shards;
mod storage;

use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use self::labels::Labels;
use self::shards::Shards;
use self::storage::Storage;
use crate::metrics::alloc::CountingAlloc;
use crate::metrics::record::Stamp;
use crate::metrics::report::{CollectPause, GarbageSample, InFlight};
use crate::strategy::Strategy;

/// How a [`Ledger`] behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LedgerConfig {
    /// [`Ledger::op`] times one operation in this many (rounded up to a power of two); 0 turns
    /// operation timing off. Default 64.
    pub op_sample_every: u32,
    /// Reset the counting allocator's peak when the ledger is made, so a report's peak is this
    /// run's. Default true. Has no effect unless a binary installed [`CountingAlloc`].
    pub reset_memory_peak: bool,
}

impl Default for LedgerConfig {
    fn default() -> Self {
        LedgerConfig {
            op_sample_every: 64,
            reset_memory_peak: true,
        }
    }
}

/// Ledger phases.
const RUNNING: u8 = 0;
const FINAL_COLLECT: u8 = 1;
const ENDED: u8 = 2;

struct Inner {
    /// The time stamp counter where the hardware has a reliable one (about 15 ns for a read
    /// and a conversion, half of `Instant::now` on the machines measured), else the OS clock.
    clock: quanta::Clock,
    /// `clock.raw()` when the ledger was made.
    start: u64,
    config: LedgerConfig,
    storage: Storage,
    labels: Labels,
    shards: Shards,
    phase: AtomicU8,
    double_reclaims: AtomicU64,
    misuse: AtomicU64,
    untracked: AtomicU64,
    samples: Mutex<Vec<GarbageSample>>,
    /// The workload's `collect()` calls; they are rare, so a lock is fine.
    collects: Mutex<Vec<CollectPause>>,
    memory_start: Option<u64>,
}

/// quanta's clock: the TSC where it is usable.
#[cfg(not(miri))]
fn new_clock() -> quanta::Clock {
    quanta::Clock::new()
}

/// Under Miri, a mock clock that stands still (every latency reads 0): quanta's detection of
/// the TSC runs `cpuid`, inline assembly that Miri cannot interpret.
#[cfg(miri)]
fn new_clock() -> quanta::Clock {
    quanta::Clock::mock().0
}

/// The book of one run: every tracked object's id, type label, generation, size, allocation,
/// release and reclaim instants, plus the operation clock, the garbage-in-flight gauge and the
/// pause samples.
///
/// A ledger is cheap to clone (an `Arc`); each [`Tracked`](crate::metrics::Tracked) object holds
/// one. Two runs in one process use two ledgers and never mix.
///
/// ```
/// use reclaimer::metrics::{Ledger, Tracked};
/// use reclaimer::Shared;
///
/// let ledger = Ledger::new();
/// let message = Shared::<reclaimer::Arc, _>::new(Tracked::new(&ledger, [0u8; 32]));
/// let id = Tracked::id(&message);
/// Tracked::release(&message); // the workload is done with it
/// drop(message); // `Arc` frees it here
/// assert!(ledger.is_reclaimed(id));
///
/// let report = ledger.finish::<reclaimer::Arc>();
/// report.counts.check().unwrap(); // conservation, no double or early reclaim
/// assert_eq!(report.latency.ops.max, 0);
/// ```
#[derive(Clone)]
pub struct Ledger {
    inner: Arc<Inner>,
}

impl Default for Ledger {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Ledger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let in_flight = self.in_flight();
        f.debug_struct("Ledger")
            .field("ids", &self.inner.storage.ids())
            .field("ops", &self.ops())
            .field("in_flight", &in_flight)
            .finish()
    }
}

impl Ledger {
    /// A new ledger with the default [`LedgerConfig`]; its clocks start now.
    pub fn new() -> Self {
        Self::with_config(LedgerConfig::default())
    }

    /// A new ledger with `config`.
    pub fn with_config(config: LedgerConfig) -> Self {
        if config.reset_memory_peak {
            CountingAlloc::reset_peak();
        }
        let memory_start = CountingAlloc::installed().then(CountingAlloc::live_bytes);
        let mut inner = Inner {
            clock: new_clock(),
            start: 0,
            config,
            storage: Storage::new(),
            labels: Labels::new(),
            shards: Shards::new(config.op_sample_every),
            phase: AtomicU8::new(RUNNING),
            double_reclaims: AtomicU64::new(0),
            misuse: AtomicU64::new(0),
            untracked: AtomicU64::new(0),
            samples: Mutex::new(Vec::new()),
            collects: Mutex::new(Vec::new()),
            memory_start,
        };
        inner.start = inner.clock.raw();
        Ledger {
            inner: Arc::new(inner),
        }
    }

    /// The configuration this ledger was made with.
    pub fn config(&self) -> LedgerConfig {
        self.inner.config
    }

    /// Nanoseconds since the ledger was made.
    #[inline]
    pub fn elapsed_ns(&self) -> u64 {
        let inner = &*self.inner;
        inner.clock.delta_as_nanos(inner.start, inner.clock.raw())
    }

    /// Now, on both clocks.
    #[inline]
    pub fn now(&self) -> Stamp {
        Stamp::new(self.elapsed_ns(), self.ops())
    }

    /// Advances the operation clock by one handle operation.
    ///
    /// The clock has a slot per thread: a tick writes only this thread's slot, without a
    /// read-modify-write.
    #[inline]
    pub fn tick(&self) {
        self.inner.shards.tick(1);
    }

    /// Advances the operation clock by `n` handle operations.
    #[inline]
    pub fn advance(&self, n: u64) {
        self.inner.shards.tick(n);
    }

    /// The operation clock: handle operations counted so far by all threads.
    #[inline]
    pub fn ops(&self) -> u64 {
        self.inner.shards.ops()
    }

    /// Runs one handle operation `f`: ticks the operation clock and, for one operation in
    /// [`op_sample_every`](LedgerConfig::op_sample_every), records how long `f` took.
    ///
    /// Wrap the operations whose tail matters (a clone, a store, a drop that may cascade or
    /// run a collection); the report gives the sampled p99.9 and max.
    ///
    /// ```
    /// use reclaimer::metrics::Ledger;
    /// use reclaimer::Shared;
    ///
    /// let ledger = Ledger::new();
    /// let a = Shared::<reclaimer::Arc, _>::new(1u64);
    /// let b = ledger.op(|| a.clone());
    /// ledger.op(|| drop(b));
    /// assert_eq!(ledger.ops(), 2);
    /// ```
    #[inline]
    pub fn op<R>(&self, f: impl FnOnce() -> R) -> R {
        self.inner.shards.time(f)
    }

    /// Runs [`S::collect()`](Strategy::collect) and records the time it took as a collection
    /// pause.
    pub fn collect<S: Strategy>(&self) {
        let at_ns = self.elapsed_ns();
        let start = Instant::now();
        S::collect();
        let ns = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.inner
            .collects
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(CollectPause::new(at_ns, ns));
    }

    /// Interns a label; cheap after the first time.
    #[inline]
    pub(crate) fn label(&self, name: &'static str, type_name: bool) -> u32 {
        self.inner.labels.intern(name, type_name)
    }

    /// Garbage in flight now: objects released and not yet reclaimed.
    ///
    /// Each thread's slot holds what it released minus what it reclaimed; this sums them. A
    /// sum taken while other threads work may be off by their concurrent releases and reclaims
    /// (never below 0).
    pub fn in_flight(&self) -> InFlight {
        self.inner.shards.in_flight()
    }

    /// Appends a garbage-in-flight sample taken now (with the live heap bytes when the
    /// counting allocator is installed). Call it at regular intervals, or let a
    /// [`Sampler`](crate::metrics::Sampler) do it.
    pub fn sample(&self) {
        let stamp = self.now();
        let sample = GarbageSample::new(
            stamp.ns,
            stamp.op,
            self.in_flight(),
            CountingAlloc::installed().then(CountingAlloc::live_bytes),
        );
        self.inner
            .samples
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(sample);
    }

    /// Bytes the ledger itself holds (records, directories): what tracking costs in memory.
    /// The counting allocator does not count them.
    pub fn overhead_bytes(&self) -> u64 {
        self.inner.storage.bytes()
    }

    /// Counts a protocol misuse.
    #[inline]
    fn misuse(&self) {
        // Relaxed: a statistic read at report time.
        self.inner.misuse.fetch_add(1, Ordering::Relaxed);
    }
}
