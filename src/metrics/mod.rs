//! The instruments: what is measured, and where each figure is defined.
//!
//! A run has one [`Ledger`]. The workload wraps the objects it shares in [`Tracked<T>`], which
//! registers each with the ledger and records its reclaim when its `Drop` runs; it marks
//! objects *released* when it is done with them, and advances the ledger's operation clock per
//! handle operation. [`Ledger::finish`] runs a final `collect()` and returns a [`Report`] with
//! every figure below; [`RunResult`] adds the workload, throughput and [`Environment`].
//!
//! | figure | unit | defined in | report field |
//! |---|---|---|---|
//! | allocated, reclaimed, live, leaked, late, early, double reclaims (conservation law) | objects, bytes | [`ledger`] | [`Report::counts`] |
//! | reclamation latency = reclaim − release | ns and operations | [`latency`] | [`Report::latency`] |
//! | garbage in flight = released, not reclaimed | objects, bytes over time | [`garbage`] | [`Report::garbage`] |
//! | leaked and late objects by type label and generation | objects, bytes | [`leaks`] | [`Report::leaks`] |
//! | live heap, peak, timeline; RSS at end | bytes | [`memory`] | [`Report::memory`] |
//! | time in `collect()`; tail of handle operations | ns | [`pauses`] | [`Report::pauses`] |
//! | environment: cores, runtime, allocator, versions, profile, seed | — | [`result`] | [`RunResult::environment`] |
//!
//! The guide page [`docs::metrics`](crate::docs::metrics) gives each definition, how it is
//! measured, the test that checks it and what it costs.
//!
//! ```
//! use reclaimer::metrics::{Ledger, Tracked};
//! use reclaimer::Shared;
//!
//! type S = reclaimer::Arc;
//!
//! let ledger = Ledger::new();
//! let message = Shared::<S, _>::new(ledger.track().consumers(2).wrap(42u64));
//! for _ in 0..2 {
//!     let mine = ledger.op(|| message.clone()); // a handle operation, on the op clock
//!     Tracked::consumed(&mine); // the second consumer releases it
//! }
//! drop(message); // `Arc` reclaims at the last drop
//!
//! let report = ledger.finish::<S>();
//! report.counts.check().unwrap();
//! assert_eq!((report.counts.allocated, report.counts.reclaimed), (1, 1));
//! assert_eq!(report.latency.ops.max, 0);
//! ```
//!
//! The module is behind the default-on cargo feature `metrics`.

pub mod garbage;
pub mod latency;
pub mod leaks;
pub mod ledger;
pub mod memory;
pub mod pauses;
pub mod result;
pub mod tracked;

pub use self::garbage::{GarbageReport, GarbageSample, InFlight, Sampler};
pub use self::latency::{CdfPoint, LabelLatency, LatencyReport, Percentiles};
pub use self::leaks::{LeakReport, LeakRow};
pub use self::ledger::{
    Counts, Generation, Ledger, LedgerConfig, ObjectId, ObjectRecord, Stamp, Violation,
};
pub use self::memory::{CountingAlloc, HeapPoint, MemoryReport};
pub use self::pauses::{CollectPause, PauseReport};
pub use self::result::{Environment, Report, RunResult, Throughput};
pub use self::tracked::{Track, Tracked};
