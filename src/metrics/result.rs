//! Results as data: [`RunResult`], a [`Report`] plus the workload, its [`Throughput`] and the
//! [`Environment`] it ran in, all serde-serializable; the lab renders them.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::metrics::alloc::CountingAlloc;
use crate::metrics::report::Report;

/// Operations completed per second of wall time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Throughput {
    /// Operations (or messages) completed.
    pub operations: u64,
    /// Wall time, in ns, with the reclamation work inside.
    pub wall_ns: u64,
    /// `operations / wall time`.
    pub per_second: f64,
}

impl Throughput {
    /// `operations` completed in `wall`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use reclaimer::metrics::Throughput;
    ///
    /// let t = Throughput::new(500, Duration::from_millis(250));
    /// assert_eq!(t.per_second, 2000.0);
    /// ```
    pub fn new(operations: u64, wall: Duration) -> Self {
        let wall_ns = u64::try_from(wall.as_nanos()).unwrap_or(u64::MAX);
        let per_second = if wall_ns == 0 {
            0.0
        } else {
            operations as f64 * 1e9 / wall_ns as f64
        };
        Throughput {
            operations,
            wall_ns,
            per_second,
        }
    }
}

/// Where and how a run ran.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Environment {
    /// Cores available to the process.
    pub cores: usize,
    /// The tokio runtime flavour (`"current_thread"`, `"multi_thread"`), if the run used one.
    pub tokio_flavor: Option<String>,
    /// Tokio worker threads, if the run used a runtime.
    pub tokio_workers: Option<usize>,
    /// The global allocator: `"system"`, or `"counting"` when a
    /// [`CountingAlloc`] is installed (the runner may name what it wraps).
    pub allocator: String,
    /// Versions of the backend crates as this build resolved them (`"unknown"` when the
    /// build could not tell): arc-swap, crossbeam-epoch, seize, haphazard, gc, dumpster, tokio,
    /// hdrhistogram.
    pub crate_versions: BTreeMap<String, String>,
    /// This crate's version.
    pub reclaim_version: String,
    /// The build profile (`"debug"`, `"release"`) and optimisation level, e.g. `"release/3"`.
    pub profile: String,
    /// Whether debug assertions were on.
    pub debug_assertions: bool,
    /// The operating system and architecture, e.g. `"linux/x86_64"`.
    pub target: String,
    /// The seed of the run's random choices, if any.
    pub seed: Option<u64>,
}

impl Environment {
    /// The environment of this process: cores, allocator, crate versions, profile, target.
    /// Add the runtime and seed with [`runtime`](Environment::runtime) and
    /// [`seed`](Environment::seed).
    ///
    /// ```
    /// use reclaimer::metrics::Environment;
    ///
    /// let env = Environment::detect().runtime("multi_thread", 2).seed(7);
    /// assert!(env.cores >= 1);
    /// assert_eq!(env.tokio_workers, Some(2));
    /// assert!(env.crate_versions.contains_key("arc-swap"));
    /// ```
    pub fn detect() -> Self {
        let versions = [
            ("arc-swap", env!("RECLAIMER_VERSION_ARC_SWAP")),
            ("crossbeam-epoch", env!("RECLAIMER_VERSION_CROSSBEAM_EPOCH")),
            ("seize", env!("RECLAIMER_VERSION_SEIZE")),
            ("haphazard", env!("RECLAIMER_VERSION_HAPHAZARD")),
            ("gc", env!("RECLAIMER_VERSION_GC")),
            ("dumpster", env!("RECLAIMER_VERSION_DUMPSTER")),
            ("tokio", env!("RECLAIMER_VERSION_TOKIO")),
            ("hdrhistogram", env!("RECLAIMER_VERSION_HDRHISTOGRAM")),
        ];
        Environment {
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            tokio_flavor: None,
            tokio_workers: None,
            allocator: if CountingAlloc::installed() {
                "counting".into()
            } else {
                "system".into()
            },
            crate_versions: versions
                .iter()
                .map(|(name, version)| (name.to_string(), version.to_string()))
                .collect(),
            reclaim_version: env!("CARGO_PKG_VERSION").into(),
            profile: format!(
                "{}/{}",
                env!("RECLAIMER_BUILD_PROFILE"),
                env!("RECLAIMER_BUILD_OPT_LEVEL")
            ),
            debug_assertions: cfg!(debug_assertions),
            target: format!("{}/{}", std::env::consts::OS, std::env::consts::ARCH),
            seed: None,
        }
    }

    /// Sets the tokio runtime flavour and worker count.
    pub fn runtime(mut self, flavor: impl Into<String>, workers: usize) -> Self {
        self.tokio_flavor = Some(flavor.into());
        self.tokio_workers = Some(workers);
        self
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
}

/// One run, complete: what ran, where, how fast, and every metric. The lab's unit of output.
///
/// ```
/// use reclaimer::metrics::{Environment, Ledger, RunResult, Throughput, Tracked};
/// use std::time::Duration;
///
/// let ledger = Ledger::new();
/// drop(Tracked::new(&ledger, 1u64));
/// let result = RunResult::new("example", Environment::detect(), ledger.finish::<reclaimer::Arc>())
///     .throughput(Throughput::new(1, Duration::from_micros(1)));
/// let json = result.to_json().unwrap();
/// assert_eq!(RunResult::from_json(&json).unwrap(), result);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RunResult {
    /// The workload's name.
    pub workload: String,
    /// The workload's parameters, as text.
    pub parameters: BTreeMap<String, String>,
    /// Where it ran.
    pub environment: Environment,
    /// How fast, if measured.
    pub throughput: Option<Throughput>,
    /// Every metric.
    pub report: Report,
}

impl RunResult {
    /// A result for `workload` with `report`, run in `environment`.
    pub fn new(workload: impl Into<String>, environment: Environment, report: Report) -> Self {
        RunResult {
            workload: workload.into(),
            parameters: BTreeMap::new(),
            environment,
            throughput: None,
            report,
        }
    }

    /// Adds a workload parameter.
    pub fn parameter(mut self, name: impl Into<String>, value: impl fmt::Display) -> Self {
        self.parameters.insert(name.into(), value.to_string());
        self
    }

    /// Sets the throughput.
    pub fn throughput(mut self, throughput: Throughput) -> Self {
        self.throughput = Some(throughput);
        self
    }

    /// The result as pretty-printed JSON.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }

    /// A result read back from JSON.
    pub fn from_json(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }
}
