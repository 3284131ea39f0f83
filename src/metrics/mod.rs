//! The instruments: what is measured, and where each figure is defined.
//!
//! A run has one [`Ledger`]. The workload wraps the objects it shares in [`Tracked<T>`], which
//! registers each with the ledger and records its reclaim when its `Drop` runs; it marks
//! objects *released* when it is done with them, and advances the ledger's operation clock per
//! handle operation. [`Ledger::finish`] runs a final `collect()` and returns a [`Report`] with
//! every figure below; [`RunResult`] adds the workload, throughput and [`Environment`].
//!
//! | figure | unit | type | file |
//! |---|---|---|---|
//! | allocated, reclaimed, live, leaked, late, early, double reclaims (conservation law) | objects, bytes | [`Counts`] ([`Report::counts`]) | `report/counts.rs` |
//! | reclamation latency = reclaim − release | ns and operations | [`LatencyReport`] ([`Report::latency`]) | `report/latency.rs` |
//! | garbage in flight = released, not reclaimed | objects, bytes over time | [`GarbageReport`] ([`Report::garbage`]) | `report/garbage.rs` |
//! | leaked and late objects by type label and generation | objects, bytes | [`LeakReport`] ([`Report::leaks`]) | `report/leaks.rs` |
//! | live heap, peak, timeline; RSS at end | bytes | [`MemoryReport`] ([`Report::memory`]), [`CountingAlloc`] | `report/memory.rs`, `alloc.rs` |
//! | time in `collect()`; tail of handle operations | ns | [`PauseReport`] ([`Report::pauses`]) | `report/pauses.rs` |
//! | throughput | per second | [`Throughput`] ([`RunResult::throughput`]) | `result.rs` |
//! | environment: cores, runtime, allocator, versions, profile, seed | — | [`Environment`] ([`RunResult::environment`]) | `result.rs` |
//!
//! Files are under `src/metrics/`. The guide page [`docs::metrics`](crate::docs::metrics)
//! gives each definition, how it is measured, the test that checks it and what it costs.
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

// Layers, bottom up; a file imports only from layers below its own (and, in the ledger, the
// files listed before it):
// 1. `stats` (percentiles, histograms) and `alloc` (the counting allocator); `crate::sharded`
//    and `crate::padded` sit here too.
// 2. `record`: ids, generations, stamps, the read-only `View` of a record.
// 3. `report/*` (pure builders from views and samples: counts, latency, leaks, garbage, pauses,
//    memory), then `report/mod.rs` (`Report`), then `result` (`RunResult`, `Environment`,
//    `Throughput`).
// 4. `ledger/`: `storage`, `labels`, `shards`, then `mod.rs` (`Ledger`), then `lifecycle` and
//    `finish` (its methods); then `tracked` and `sampler`.

mod alloc;
mod ledger;
mod record;
mod report;
mod result;
mod sampler;
mod stats;
mod tracked;

pub use self::alloc::CountingAlloc;
pub use self::ledger::{Ledger, LedgerConfig};
pub use self::record::{Generation, ObjectId, ObjectRecord, Stamp};
pub use self::report::{
    CollectPause, Counts, GarbageReport, GarbageSample, HeapPoint, InFlight, LabelLatency,
    LatencyReport, LeakReport, LeakRow, MemoryReport, PauseReport, Report, Violation,
};
pub use self::result::{Environment, RunResult, Throughput};
pub use self::sampler::Sampler;
pub use self::stats::{CdfPoint, Percentiles};
pub use self::tracked::{Track, Tracked};
