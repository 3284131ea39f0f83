//! `results.json`: every result of a run, every repetition, the summaries, verdicts and claims
//! computed from them, and the environment. [`Results::read`] refuses a file of another format
//! or version with a one-line reason.

use std::collections::BTreeMap;
use std::path::Path;

use reclaimer_graph::GraphResult;
use serde::{Deserialize, Serialize};

use crate::claims::Claim;
use crate::go_peer::PeerRow;
use crate::leak_check;
use crate::source_lines::SourceLines;
use crate::summary::{RowSummary, Spread};

/// What `format` says in every results file.
pub const FORMAT: &str = "reclaimer-lab-results";
/// The version of the layout below; [`Results::read`] accepts only this one.
pub const VERSION: u32 = 1;

/// One lab run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`] when written by this lab.
    pub version: u32,
    /// False when a run failed or was stopped: the figures are not the whole comparison.
    pub complete: bool,
    /// The command line, program name first.
    pub command: Vec<String>,
    /// Seconds since the Unix epoch when the run started.
    pub started_unix_s: u64,
    /// Wall time of the whole run, seconds.
    pub wall_s: f64,
    /// Where it ran.
    pub environment: LabEnvironment,
    /// How it ran.
    pub settings: Settings,
    /// The strategies the lab knows, with the properties the claims read.
    pub strategies: Vec<StrategyInfo>,
    /// One entry per workload, in the order they ran.
    pub workloads: Vec<WorkloadResults>,
    /// The cycle-leak check, if it ran.
    pub leak_check: Vec<leak_check::Row>,
    /// The critique's claims, answered from the figures above.
    pub claims: Vec<Claim>,
}

/// A strategy's name and the properties the claims read from it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StrategyInfo {
    /// Its name as rows give it.
    pub name: String,
    /// Whether its handles are `Send + Sync` (it runs on the multi-thread runtime).
    pub thread_safe: bool,
    /// Whether it reclaims cycles (a tracing collector).
    pub reclaims_cycles: bool,
    /// Whether it frees memory at all (`false` only for `Leak`).
    pub frees_memory: bool,
}

impl StrategyInfo {
    /// Every strategy of the library's list.
    pub fn all() -> Vec<StrategyInfo> {
        reclaimer_graph::StrategyName::all()
            .into_iter()
            .map(|s| StrategyInfo {
                name: s.to_string(),
                thread_safe: s.thread_safe(),
                reclaims_cycles: s.reclaims_cycles(),
                frees_memory: s.frees_memory(),
            })
            .collect()
    }
}

/// The machine and build.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LabEnvironment {
    /// The CPU's model name (`/proc/cpuinfo`), or "unknown".
    pub cpu_model: String,
    /// Cores available to the process.
    pub cores: usize,
    /// `rustc --version` of the build.
    pub rustc: String,
    /// Build profile and optimisation level, e.g. `release/3`.
    pub profile: String,
    /// Whether debug assertions were on (figures from such a build are not comparable).
    pub debug_assertions: bool,
    /// Operating system and architecture.
    pub target: String,
    /// Versions of the backend crates and tokio.
    pub crate_versions: BTreeMap<String, String>,
    /// The library's version.
    pub reclaimer_version: String,
    /// The global allocator the figures were measured under.
    pub allocator: String,
    /// The 1, 5 and 15 minute load averages when the run started (Linux), a hint of how busy
    /// the machine was.
    pub load_average: Option<[f64; 3]>,
}

impl LabEnvironment {
    /// This process's environment.
    pub fn detect() -> Self {
        let env = reclaimer::metrics::Environment::detect();
        LabEnvironment {
            cpu_model: cpu_model().unwrap_or_else(|| "unknown".into()),
            cores: env.cores,
            rustc: env!("RECLAIMER_LAB_RUSTC").into(),
            profile: env.profile,
            debug_assertions: env.debug_assertions,
            target: env.target,
            crate_versions: env.crate_versions,
            reclaimer_version: env.reclaim_version,
            allocator: env.allocator,
            load_average: load_average(),
        }
    }
}

fn cpu_model() -> Option<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix("model name"))
        .and_then(|rest| rest.split_once(':'))
        .map(|(_, name)| name.trim().to_string())
}

fn load_average() -> Option<[f64; 3]> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut fields = text.split_whitespace().map(str::parse::<f64>);
    Some([
        fields.next()?.ok()?,
        fields.next()?.ok()?,
        fields.next()?.ok()?,
    ])
}

/// The settings every row of the run shares.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Repetitions of every row.
    pub repeat: u32,
    /// The seed of every random choice.
    pub seed: u64,
    /// Workers of the multi-thread runtime.
    pub workers: usize,
    /// `multi`, `local` or `both`.
    pub runtime: String,
    /// The factor every workload's counts were multiplied by.
    pub scale: f64,
    /// Whether it was a `--quick` run.
    pub quick: bool,
    /// Seconds one pass may take.
    pub budget_s: u64,
    /// Whether throughput comes from untracked passes.
    pub untracked_pass: bool,
    /// The workload file, if one was read.
    pub config_file: Option<String>,
}

/// One workload: its parameters, its rows, and what they say.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkloadResults {
    /// Its name with the variant (`chat/weak`).
    pub name: String,
    /// Its parameters as text.
    pub parameters: BTreeMap<String, String>,
    /// A one-line description of its size.
    pub heading: String,
    /// One row per strategy and runtime (and park hook, for `idle-worker`).
    pub rows: Vec<RowResults>,
    /// The verdict lines, computed from the rows.
    pub verdicts: Vec<String>,
    /// Notes on the columns of this workload.
    pub notes: Vec<String>,
    /// `pipeline`: the hand-written tokio pipeline's throughput, per repetition.
    pub baseline: Option<Baseline>,
    /// The Go peer's rows (`chat`, `pipeline`): one per runtime of the Rust rows, with
    /// `GOMAXPROCS` set to that runtime's threads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peers: Vec<PeerRow>,
    /// Why a workload the Go peer has got no Go row (`go` is not on the `PATH`, `--no-go`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_skipped: Option<String>,
    /// The workload's source on both sides, for a workload the Go peer has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_lines: Option<SourceLines>,
}

/// The hand-written pipeline beside the runner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// Its throughput over the repetitions, operations per second.
    pub throughput: Spread,
    /// The runner's `Arc` row's median throughput ÷ this median.
    pub arc_ratio: Option<f64>,
    /// The runtime it ran on.
    pub runtime: String,
}

/// One row: a strategy on a runtime, every repetition and their summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RowResults {
    /// The strategy's name.
    pub strategy: String,
    /// `multi_thread` or `current_thread+LocalSet`.
    pub runtime: String,
    /// Threads that ran tasks.
    pub workers: usize,
    /// Whether the park hook was installed.
    pub park_hook: bool,
    /// The figures, from the successful repetitions.
    pub summary: RowSummary,
    /// Every successful repetition, in the order they ran.
    pub repetitions: Vec<GraphResult>,
    /// Why the other repetitions failed.
    pub errors: Vec<String>,
}

/// The successful outcomes of a row's repetitions, and the errors of the others, each in the
/// order they ran.
pub fn split_outcomes<T>(outcomes: Vec<Result<T, String>>) -> (Vec<T>, Vec<String>) {
    let mut done = Vec::new();
    let mut errors = Vec::new();
    for outcome in outcomes {
        match outcome {
            Ok(result) => done.push(result),
            Err(e) => errors.push(e),
        }
    }
    (done, errors)
}

impl RowResults {
    /// The row's runtime as the tables print it: `2 threads` or `LocalSet`.
    pub fn runtime_label(&self) -> String {
        if self.runtime == "multi_thread" {
            format!("{} threads", self.workers)
        } else {
            "LocalSet".into()
        }
    }

    /// Whether it ran on the multi-thread runtime.
    pub fn is_multi(&self) -> bool {
        self.runtime == "multi_thread"
    }

    /// `Arc (2 threads)`, `Gc (LocalSet)`, with `+hook` when the park hook was installed.
    pub fn label(&self) -> String {
        let hook = if self.park_hook { ", park hook" } else { "" };
        format!("{} ({}{hook})", self.strategy, self.runtime_label())
    }
}

impl Results {
    /// Reads a results file, refusing one of another format or version.
    pub fn read(path: &Path) -> Result<Results, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
        let format = value.get("format").and_then(|f| f.as_str());
        if format != Some(FORMAT) {
            return Err(format!(
                "{} is not a reclaimer lab results file (no \"format\": \"{FORMAT}\")",
                path.display()
            ));
        }
        let version = value.get("version").and_then(|v| v.as_u64());
        if version != Some(u64::from(VERSION)) {
            return Err(format!(
                "{} holds results of version {}; this lab reads version {VERSION} (rerun it with this lab)",
                path.display(),
                version.map_or("(none)".to_string(), |v| v.to_string())
            ));
        }
        serde_json::from_value(value).map_err(|e| {
            format!(
                "{} does not hold version {VERSION} results: {e}",
                path.display()
            )
        })
    }

    /// A workload's results by name.
    pub fn workload(&self, name: &str) -> Option<&WorkloadResults> {
        self.workloads.iter().find(|w| w.name == name)
    }
}

impl WorkloadResults {
    /// Runs that failed: the Rust rows' and the Go rows'.
    pub fn failed_runs(&self) -> usize {
        let rust: usize = self.rows.iter().map(|r| r.errors.len()).sum();
        rust + self.peers.iter().map(|p| p.errors.len()).sum::<usize>()
    }

    /// The row of `strategy` on the runtime `multi` (true) or the LocalSet, without the park
    /// hook.
    pub fn row(&self, strategy: &str, multi: bool) -> Option<&RowResults> {
        self.rows
            .iter()
            .find(|r| r.strategy == strategy && r.is_multi() == multi && !r.park_hook)
    }
}
