//! The reclaimer task graph: the same async service code, run on every reclamation strategy,
//! measured.
//!
//! Layers, bottom-up: `reclaimer`'s handles and metrics ← this crate (tokio tasks joined by
//! bounded channels, the workloads, the runner) ← the lab (command line, tables).
//!
//! # Running a workload
//!
//! A workload is a parameters struct ([`workloads`]). The runner builds the runtime, runs the
//! workload twice (untracked for throughput, tracked for every other figure; see
//! `docs/metrics.md`), owns the [`Ledger`](reclaimer::metrics::Ledger), the garbage sampler and
//! the final `collect()`, and returns a [`GraphResult`]:
//!
//! ```
//! use reclaimer_graph::{run_multi_thread, workloads::Chat, Options};
//!
//! let result = run_multi_thread::<reclaimer::Arc, _>(&Chat::small(), 2, &Options::default()).unwrap();
//! let report = &result.run.report;
//! report.counts.check().unwrap(); // conservation
//! // `Arc` leaks exactly what the workload left on session <-> room cycles.
//! assert_eq!(report.counts.leaked, result.stats.left_on_cycles);
//! ```
//!
//! - [`run_multi_thread`]: the multi-thread runtime, `S: ThreadSafe` (so `Gc` is a compile
//!   error);
//! - [`run_local`]: a current-thread runtime with a `tokio::task::LocalSet`, every strategy;
//! - [`run_named`]: the strategy, runtime and workload chosen at run time; `Gc` on the
//!   multi-thread runtime is an [`Error::NotThreadSafe`].
//!
//! # Topologies
//!
//! [`Topology`] gives the runner's shapes: pipeline, fan-out tree, ring, mesh and a seeded
//! random graph. The [`workloads::Flow`] workload carries messages over any of them;
//! `pipeline` and `fanout` are flows over the first two.
//!
//! # Workloads
//!
//! | name | stands for | cyclic | variants |
//! |---|---|---|---|
//! | `pipeline` | a staged request path | no | — |
//! | `fanout` | pub/sub broadcast through relays | no | — |
//! | `flow` | messages routed hop by hop over a ring, mesh or random graph | no | — |
//! | `config` | a read-mostly configuration swapped RCU-style | no | — |
//! | `chat` | a chat server: sessions and rooms that know each other | yes | `weak`, `owned` |
//! | `actors` | actors holding each other's state and mailboxes | yes | `weak` |
//! | `idle-worker` | garbage released on a worker that then goes idle | no | park hook on/off |
//!
//! Each module's documentation says which objects the workload releases, and when.
#![warn(missing_docs)]

pub mod baseline;
mod config;
pub mod exec;
pub mod members;
mod runner;
mod topology;
mod track;
pub mod workloads;

pub use crate::config::{Options, Runtime, StrategyName};
pub use crate::exec::{LocalWorkload, SendWorkload, Stats, Workload};
pub use crate::runner::{run_local, run_multi_thread, run_named, Error, GraphResult, STACK_BYTES};
pub use crate::topology::Topology;
pub use crate::track::{Ctx, Obj, ParkWatch};
