//! What a run is asked to do: the strategy by name, the runtime, and the run options.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A strategy chosen at run time, by name.
///
/// The generic entry points ([`run_multi_thread`](crate::run_multi_thread),
/// [`run_local`](crate::run_local)) take the strategy as a type; [`run_named`](crate::run_named)
/// takes one of these and dispatches.
///
/// ```
/// use reclaimer_graph::StrategyName;
///
/// assert_eq!("sync-gc".parse::<StrategyName>(), Ok(StrategyName::SyncGc));
/// assert_eq!("RwLockArc".parse::<StrategyName>(), Ok(StrategyName::RwLockArc));
/// assert!("rc".parse::<StrategyName>().is_err());
/// assert!(!StrategyName::Gc.thread_safe());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum StrategyName {
    /// [`reclaimer::Arc`].
    Arc,
    /// [`reclaimer::RwLockArc`].
    RwLockArc,
    /// [`reclaimer::Epoch`].
    Epoch,
    /// [`reclaimer::Gc`]: local runtime only.
    Gc,
    /// [`reclaimer::SyncGc`].
    SyncGc,
    /// [`reclaimer::Leak`].
    Leak,
}

impl StrategyName {
    /// Every strategy, in the order the lab prints them.
    pub const ALL: [StrategyName; 6] = [
        StrategyName::Arc,
        StrategyName::RwLockArc,
        StrategyName::Epoch,
        StrategyName::Gc,
        StrategyName::SyncGc,
        StrategyName::Leak,
    ];

    /// The strategy's `NAME`, as reports print it.
    pub fn name(self) -> &'static str {
        match self {
            StrategyName::Arc => "Arc",
            StrategyName::RwLockArc => "RwLockArc",
            StrategyName::Epoch => "Epoch",
            StrategyName::Gc => "Gc",
            StrategyName::SyncGc => "SyncGc",
            StrategyName::Leak => "Leak",
        }
    }

    /// Whether its handles may cross threads (it can run on the multi-thread runtime).
    pub fn thread_safe(self) -> bool {
        self != StrategyName::Gc
    }

    /// Whether it reclaims unreachable cycles (by the final collect at the latest).
    pub fn reclaims_cycles(self) -> bool {
        matches!(self, StrategyName::Gc | StrategyName::SyncGc)
    }
}

impl fmt::Display for StrategyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for StrategyName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let key: String = s
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .flat_map(char::to_lowercase)
            .collect();
        StrategyName::ALL
            .into_iter()
            .find(|n| n.name().to_lowercase() == key)
            .ok_or_else(|| {
                format!("unknown strategy `{s}` (expected arc, rw-lock-arc, epoch, gc, sync-gc or leak)")
            })
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
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 1,
            budget: Duration::from_secs(60),
            sample_interval: Duration::from_millis(2),
            park_hook: false,
            untracked_pass: true,
        }
    }
}
