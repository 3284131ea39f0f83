//! What a run is asked to do: the strategy by name, the runtime, and the run options.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use reclaimer::strategy::{by_name, for_each, Visit};
use reclaimer::{Strategy, ThreadSafe};
use serde::{Deserialize, Serialize};

/// A strategy chosen at run time, by name: one of the library's list
/// ([`reclaimer::strategy::names`]), never a list of its own.
///
/// The generic entry points ([`run_multi_thread`](crate::run_multi_thread),
/// [`run_local`](crate::run_local)) take the strategy as a type; [`run_named`](crate::run_named)
/// takes one of these and dispatches through [`reclaimer::strategy::by_name`].
///
/// ```
/// use reclaimer_graph::StrategyName;
///
/// let sync_gc = StrategyName::of::<reclaimer::SyncGc>();
/// assert_eq!("sync-gc".parse::<StrategyName>(), Ok(sync_gc));
/// assert_eq!("RwLockArc".parse::<StrategyName>().map(StrategyName::name), Ok("RwLockArc"));
/// assert!("stamp-it".parse::<StrategyName>().is_err());
/// assert!(!"unsync-gc".parse::<StrategyName>().unwrap().thread_safe());
/// assert!(!StrategyName::of::<reclaimer::Gc>().thread_safe());
/// assert_eq!(StrategyName::all().len(), reclaimer::strategy::names().len());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StrategyName {
    name: &'static str,
    thread_safe: bool,
    reclaims_cycles: bool,
    frees_memory: bool,
}

/// Reads a strategy's name and constants.
struct Describe;

impl Visit for Describe {
    type Output = StrategyName;
    fn thread_safe<S: ThreadSafe>(&mut self) -> StrategyName {
        StrategyName::of::<S>()
    }
    fn local<S: reclaimer::Local>(&mut self) -> StrategyName {
        StrategyName::of::<S>()
    }
}

impl StrategyName {
    /// The name of strategy `S`.
    pub fn of<S: Strategy>() -> Self {
        StrategyName {
            name: S::NAME,
            thread_safe: S::THREAD_SAFE,
            reclaims_cycles: S::RECLAIMS_CYCLES,
            frees_memory: S::FREES_MEMORY,
        }
    }

    /// Every strategy of the library's list, in its order (the order the lab prints them).
    pub fn all() -> Vec<StrategyName> {
        for_each(&mut Describe)
    }

    /// The strategy's `NAME`, as reports print it.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// Whether its handles may cross threads (it can run on the multi-thread runtime).
    pub fn thread_safe(self) -> bool {
        self.thread_safe
    }

    /// Whether it reclaims unreachable cycles (by the final collect at the latest).
    pub fn reclaims_cycles(self) -> bool {
        self.reclaims_cycles
    }

    /// Whether it ever frees memory (`false` only for `Leak`).
    pub fn frees_memory(self) -> bool {
        self.frees_memory
    }
}

impl fmt::Display for StrategyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl FromStr for StrategyName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        by_name(s, &mut Describe).map_err(|e| e.to_string())
    }
}

impl Serialize for StrategyName {
    fn serialize<Z: serde::Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        serializer.serialize_str(self.name)
    }
}

impl<'de> Deserialize<'de> for StrategyName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// The tokio runtime a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Runtime {
    /// The multi-thread runtime with this many workers; thread-safe strategies only.
    MultiThread {
        /// Worker threads (at least 1).
        workers: usize,
    },
    /// A current-thread runtime running every task on a `tokio::task::LocalSet`; every
    /// strategy, `Gc` included.
    Local,
}

impl Runtime {
    /// The flavour's name as [`Environment`](reclaimer::metrics::Environment) records it.
    pub fn flavor(self) -> &'static str {
        match self {
            Runtime::MultiThread { .. } => "multi_thread",
            Runtime::Local => "current_thread+LocalSet",
        }
    }

    /// Threads that run tasks.
    pub fn workers(self) -> usize {
        match self {
            Runtime::MultiThread { workers } => workers,
            Runtime::Local => 1,
        }
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Runtime::MultiThread { workers } => write!(f, "multi-thread ({workers} workers)"),
            Runtime::Local => f.write_str("local"),
        }
    }
}

/// How to run: seed, time budget, sampling, the park hook, and whether throughput comes from an
/// untracked pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Seed of every random choice of the workload.
    pub seed: u64,
    /// Wall time one pass may take; past it the run stops with [`Error::Timeout`](crate::Error).
    pub budget: Duration,
    /// Interval of the garbage-in-flight sampler during the tracked pass.
    pub sample_interval: Duration,
    /// Install the strategy's park hook on every worker (`on_thread_park`).
    pub park_hook: bool,
    /// Time an untracked pass first and report its throughput (see `docs/metrics.md`,
    /// *Throughput of a task-graph run*); when false the tracked pass's throughput is reported.
    pub untracked_pass: bool,
    /// Run the tracked pass before the untracked one (when both run). The lab alternates the
    /// order between repetitions, so neither pass is always the one on a warmed allocator.
    pub tracked_first: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 1,
            budget: Duration::from_secs(60),
            sample_interval: Duration::from_millis(2),
            park_hook: false,
            untracked_pass: true,
            tracked_first: false,
        }
    }
}
