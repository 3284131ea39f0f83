//! The Go peer of `chat` (its shared variant) and `pipeline` (`peers/go`): built once per lab
//! run from the sources embedded in the lab, run as a child process after the Rust rows of the
//! same workload, at the same size and seed, with `GOMAXPROCS` set to the threads of the Rust
//! runtime it sits beside. Without `go` on the `PATH` the tables say so in one line.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reclaimer_graph::workloads::{ChatVariant, Spec};
use reclaimer_graph::Stats;
use serde::{Deserialize, Serialize};

use crate::results::Settings;
use crate::summary::Spread;

/// The peer's sources, as `peers/go` holds them (its test file left out).
const SOURCES: &[(&str, &str)] = &[
    ("go.mod", include_str!("../../peers/go/go.mod")),
    ("main.go", include_str!("../../peers/go/main.go")),
    ("chat.go", include_str!("../../peers/go/chat.go")),
    ("pipeline.go", include_str!("../../peers/go/pipeline.go")),
    ("metrics.go", include_str!("../../peers/go/metrics.go")),
    ("rng.go", include_str!("../../peers/go/rng.go")),
];

/// The language the peer rows name.
pub const LANGUAGE: &str = "Go";

/// A built peer, ready to run.
#[derive(Clone, Debug)]
pub struct GoPeer {
    binary: PathBuf,
    /// `go version`'s output, e.g. `go version go1.19.8 linux/amd64`.
    pub version: String,
}

/// The `go` command: `$RECLAIMER_GO` if set, else `go` from the `PATH`.
fn go_command() -> String {
    std::env::var("RECLAIMER_GO").unwrap_or_else(|_| "go".into())
}

fn go(args: &[&str], dir: Option<&Path>, cache: &Path) -> Result<std::process::Output, String> {
    let mut command = Command::new(go_command());
    command
        .args(args)
        // Nothing is downloaded: no toolchain, no module.
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod");
    if std::env::var_os("GOCACHE").is_none() && std::env::var_os("HOME").is_none() {
        command.env("GOCACHE", cache);
    }
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    command.output().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "go is not on the PATH".to_string(),
        _ => format!("cannot run go: {e}"),
    })
}

fn first_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_string()
}

impl GoPeer {
    /// Builds the peer, or says in one line why it cannot (no `go`, a failed build). A build
    /// of the same sources with the same `go` is reused from the system's temporary folder.
    pub fn prepare() -> Result<GoPeer, String> {
        let root = std::env::temp_dir();
        let cache = root.join("reclaimer-go-cache");
        let version = go(&["version"], None, &cache)?;
        if !version.status.success() {
            return Err(format!(
                "go version failed: {}",
                first_line(&version.stderr)
            ));
        }
        let version = first_line(&version.stdout);
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (SOURCES, &version).hash(&mut hasher);
        let dir = root.join(format!("reclaimer-go-peer-{:016x}", hasher.finish()));
        let binary = dir.join("reclaimer-go-peer");
        if binary.is_file() {
            return Ok(GoPeer { binary, version });
        }
        let pid = std::process::id();
        let src = dir.join(format!("src-{pid}"));
        let built = dir.join(format!("build-{pid}"));
        let result = (|| {
            std::fs::create_dir_all(&src).map_err(|e| format!("cannot build the Go peer: {e}"))?;
            for (name, text) in SOURCES {
                std::fs::write(src.join(name), text)
                    .map_err(|e| format!("cannot build the Go peer: {e}"))?;
            }
            let out = go(
                &["build", "-o", &built.to_string_lossy(), "."],
                Some(&src),
                &cache,
            )?;
            if !out.status.success() {
                return Err(format!(
                    "go build of the Go peer failed: {}",
                    first_line(&out.stderr)
                ));
            }
            // A rename replaces atomically, so concurrent labs each see a whole binary.
            std::fs::rename(&built, &binary).map_err(|e| format!("cannot keep the Go peer: {e}"))
        })();
        let _ = std::fs::remove_dir_all(&src);
        result.map(|()| GoPeer { binary, version })
    }

    /// Runs `spec` once with `GOMAXPROCS=gomaxprocs`, at most `2 × budget + 30` seconds.
    pub fn run(
        &self,
        spec: &Spec,
        gomaxprocs: usize,
        settings: &Settings,
    ) -> Result<GoRun, String> {
        let mut args = arguments(spec).ok_or("the Go peer has no such workload")?;
        args.extend([
            format!("-seed={}", settings.seed),
            format!("-untracked-pass={}", settings.untracked_pass),
            format!("-budget-s={}", settings.budget_s),
        ]);
        let mut child = Command::new(&self.binary)
            .args(&args)
            .env("GOMAXPROCS", gomaxprocs.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the Go peer: {e}"))?;
        let mut stdout = child.stdout.take().ok_or("no stdout")?;
        let mut stderr = child.stderr.take().ok_or("no stderr")?;
        let reader = std::thread::spawn(move || {
            let (mut out, mut err) = (String::new(), String::new());
            let _ = stdout.read_to_string(&mut out);
            let _ = stderr.read_to_string(&mut err);
            (out, err)
        });
        let limit = Duration::from_secs(settings.budget_s.saturating_mul(2).saturating_add(30));
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() > limit => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!("the Go peer ran longer than {} s", limit.as_secs()));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => return Err(format!("waiting for the Go peer: {e}")),
            }
        };
        let (out, err) = reader.join().unwrap_or_default();
        if !status.success() {
            return Err(format!(
                "the Go peer failed ({status}): {}",
                first_line(err.as_bytes())
            ));
        }
        serde_json::from_str(&out).map_err(|e| format!("the Go peer's output does not parse: {e}"))
    }
}

/// Whether the peer has `spec`: `chat`'s shared variant and `pipeline`.
pub fn supports(spec: &Spec) -> bool {
    arguments(spec).is_some()
}

/// The peer's flags for `spec`: the Rust fields' names in kebab case.
fn arguments(spec: &Spec) -> Option<Vec<String>> {
    let flags: Vec<(&str, String)> = match spec {
        Spec::Chat(c) if c.variant == ChatVariant::Shared => vec![
            ("workload", "chat".into()),
            ("sessions", c.sessions.to_string()),
            ("concurrent", c.concurrent.to_string()),
            ("rooms", c.rooms.to_string()),
            ("rooms-per-session", c.rooms_per_session.to_string()),
            ("messages-per-session", c.messages_per_session.to_string()),
            ("payload-bytes", c.payload_bytes.to_string()),
            ("inbox", c.inbox.to_string()),
            ("disconnect-percent", c.disconnect_percent.to_string()),
            ("room-churn-every", c.room_churn_every.to_string()),
        ],
        Spec::Pipeline(p) => vec![
            ("workload", "pipeline".into()),
            ("stages", p.stages.to_string()),
            ("messages", p.messages.to_string()),
            ("payload-bytes", p.payload_bytes.to_string()),
            ("capacity", p.capacity.to_string()),
        ],
        _ => return None,
    };
    Some(
        flags
            .into_iter()
            .map(|(k, v)| format!("-{k}={v}"))
            .collect(),
    )
}

/// One run of the peer: the fields of its JSON output that the lab reads (`peers/go/README.md`
/// defines them all).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoRun {
    /// The tracked pass's counts, with the Rust [`Stats`] names.
    pub stats: Stats,
    /// The workload's own counts (`chat`: sessions joined, left, disconnected, ...).
    pub counts: BTreeMap<String, serde_json::Value>,
    /// The timed pass's operations per second.
    pub throughput_ops_per_s: f64,
    /// Its wall time, ns.
    pub elapsed_ns: u64,
    /// Live heap just before the timed pass, after a collection, bytes.
    pub heap_live_before_bytes: u64,
    /// The highest live-heap sample during the timed pass, bytes.
    pub heap_live_peak_bytes: u64,
    /// Collections during the timed pass.
    pub gc_cycles: u64,
    /// Stop-the-world pauses during the timed pass.
    pub gc_pause_count: u64,
    /// Their median, ns (the upper bound of its histogram bucket).
    pub gc_pause_p50_ns: u64,
    /// Their 99th percentile, ns.
    pub gc_pause_p99_ns: u64,
    /// The longest, ns.
    pub gc_pause_max_ns: u64,
    /// Objects the tracked pass tagged.
    pub objects_tracked: u64,
    /// Of those, the ones never reclaimed after the final `runtime.GC()`.
    pub objects_left_after_gc: u64,
    /// `runtime.Version()`.
    pub go_version: String,
    /// `runtime.GOMAXPROCS(0)`.
    pub gomaxprocs: u64,
    /// `GOGC`, `100` when unset.
    pub gogc: String,
    /// `GOMEMLIMIT`, empty when unset.
    #[serde(default)]
    pub gomemlimit: String,
    /// `runtime.NumCPU()`.
    pub num_cpu: u64,
    /// GOOS/GOARCH.
    pub target: String,
}

/// Where the peer ran: what `results.json` keeps beside its rows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GoEnvironment {
    /// `go version`'s output.
    pub go_version: String,
    /// `GOMAXPROCS` the runs had.
    pub gomaxprocs: u64,
    /// `GOGC` (`100`: the default).
    pub gogc: String,
    /// `GOMEMLIMIT` (empty: none).
    pub gomemlimit: String,
    /// Cores Go saw.
    pub num_cpu: u64,
    /// GOOS/GOARCH.
    pub target: String,
}

/// The figures of a peer row over its repetitions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PeerSummary {
    /// Operations per second of the timed pass.
    pub throughput: Option<Spread>,
    /// Peak live heap above its level before the pass, bytes (the whole Go heap, unswept
    /// garbage included).
    pub heap_peak_bytes: Option<Spread>,
    /// Collections during the pass.
    pub gc_cycles: Option<Spread>,
    /// Stop-the-world pauses during the pass.
    pub gc_pause_count: Option<Spread>,
    /// Their median, ns.
    pub gc_pause_p50_ns: Option<Spread>,
    /// Their 99th percentile, ns.
    pub gc_pause_p99_ns: Option<Spread>,
    /// The longest, ns.
    pub gc_pause_max_ns: Option<Spread>,
    /// Objects the workload made (tracked pass).
    pub objects: Option<Spread>,
    /// What the workload counts as left on cycles of pointers.
    pub left_on_cycles: Option<Spread>,
    /// Objects never reclaimed after the final collections.
    pub leaked: Option<Spread>,
}

impl PeerSummary {
    /// The summary of `runs`.
    pub fn of(runs: &[GoRun]) -> PeerSummary {
        let s = |f: fn(&GoRun) -> f64| Spread::of(runs.iter().map(f));
        PeerSummary {
            throughput: s(|r| r.throughput_ops_per_s),
            heap_peak_bytes: s(|r| {
                r.heap_live_peak_bytes
                    .saturating_sub(r.heap_live_before_bytes) as f64
            }),
            gc_cycles: s(|r| r.gc_cycles as f64),
            gc_pause_count: s(|r| r.gc_pause_count as f64),
            gc_pause_p50_ns: s(|r| r.gc_pause_p50_ns as f64),
            gc_pause_p99_ns: s(|r| r.gc_pause_p99_ns as f64),
            gc_pause_max_ns: s(|r| r.gc_pause_max_ns as f64),
            objects: s(|r| r.stats.objects as f64),
            left_on_cycles: s(|r| r.stats.left_on_cycles as f64),
            leaked: s(|r| r.objects_left_after_gc as f64),
        }
    }
}

/// One peer row of a workload's table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PeerRow {
    /// The language: [`LANGUAGE`].
    pub language: String,
    /// `GOMAXPROCS` it ran with: the threads of the Rust runtime it sits beside (1 beside the
    /// LocalSet).
    pub gomaxprocs: usize,
    /// Where it ran (from its first successful repetition).
    pub environment: GoEnvironment,
    /// The figures.
    pub summary: PeerSummary,
    /// Every successful repetition.
    pub repetitions: Vec<GoRun>,
    /// Why the others failed.
    pub errors: Vec<String>,
}

impl PeerRow {
    /// The row from its runs' outcomes.
    pub fn of(gomaxprocs: usize, version: &str, outcomes: Vec<Result<GoRun, String>>) -> PeerRow {
        let (repetitions, errors) = crate::results::split_outcomes(outcomes);
        let environment = repetitions.first().map_or_else(
            || GoEnvironment {
                go_version: version.into(),
                gomaxprocs: gomaxprocs as u64,
                ..GoEnvironment::default()
            },
            |r| GoEnvironment {
                go_version: version.into(),
                gomaxprocs: r.gomaxprocs,
                gogc: r.gogc.clone(),
                gomemlimit: r.gomemlimit.clone(),
                num_cpu: r.num_cpu,
                target: r.target.clone(),
            },
        );
        PeerRow {
            language: LANGUAGE.into(),
            gomaxprocs,
            environment,
            summary: PeerSummary::of(&repetitions),
            repetitions,
            errors,
        }
    }

    /// `Go, GOMAXPROCS=2`.
    pub fn runtime_label(&self) -> String {
        format!("{}, GOMAXPROCS={}", self.language, self.gomaxprocs)
    }
}

/// `GOMAXPROCS` for each Go row of `planned`: the threads of each runtime its Rust rows ran
/// on (the multi-thread runtime's workers; 1 for the LocalSet), in row order.
pub fn threads(planned: &crate::plan::Planned) -> Vec<usize> {
    let mut out = Vec::new();
    for run in &planned.runs {
        let n = match run.runtime {
            reclaimer_graph::Runtime::MultiThread { workers } => workers,
            reclaimer_graph::Runtime::Local => 1,
        };
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// The notes under a workload's table once it has Go rows: what the rows are, what compares
/// with the Rust rows and what does not, each Go row's pauses, and the source counts.
pub fn notes(w: &crate::results::WorkloadResults) -> Vec<String> {
    use crate::units;
    let Some(first) = w.peers.iter().find(|p| !p.repetitions.is_empty()) else {
        return Vec::new();
    };
    let env = &first.environment;
    let threads: Vec<String> = w.peers.iter().map(|p| p.gomaxprocs.to_string()).collect();
    let mut out = vec![format!(
        "Go: another language and runtime ({}, GOGC={}{}), the same workload (peers/go) at the \
         same size and seed, run as its own process, with GOMAXPROCS {}: the threads of the Rust \
         runtimes beside it (1 for the LocalSet). Compares with the Rust rows: throughput (the \
         same operations over the workload's wall time, from the untracked pass on both sides), \
         leaked (objects never reclaimed after a final runtime.GC(), counted by finalizers) and \
         left on cycles. Does not compare: its peak heap is the whole Go heap above its level \
         before the pass, unswept garbage included, where a Rust row counts the lab's own \
         objects; it has no reclamation latency or garbage-in-flight figure, but stop-the-world \
         pauses.",
        first.repetitions[0].go_version,
        env.gogc,
        if env.gomemlimit.is_empty() {
            String::new()
        } else {
            format!(", GOMEMLIMIT={}", env.gomemlimit)
        },
        threads.join(" and "),
    )];
    for p in &w.peers {
        let s = &p.summary;
        let (Some(count), Some(cycles)) = (s.gc_pause_count, s.gc_cycles) else {
            continue;
        };
        if cycles.max == 0.0 {
            out.push(format!(
                "Go pauses, GOMAXPROCS={}: none, no collection ran during the pass in any of {} \
                 runs.",
                p.gomaxprocs, cycles.n
            ));
            continue;
        }
        let figure = |x: Option<Spread>| x.map_or("-".into(), |x| units::with_range(&x, units::ns));
        out.push(format!(
            "Go pauses, GOMAXPROCS={}: {} pauses in {} collections per pass (medians of {} \
             runs); p50 {}, p99 {}, max {} (each the upper bound of its histogram bucket).",
            p.gomaxprocs,
            units::count_range(&count),
            units::count_range(&cycles),
            count.n,
            figure(s.gc_pause_p50_ns),
            figure(s.gc_pause_p99_ns),
            figure(s.gc_pause_max_ns),
        ));
    }
    if let Some(src) = &w.source_lines {
        out.push(format!(
            "Source: {} lines of Go ({}) with {} Weak and {} .clone(); {} lines of Rust ({}: \
             generic over every strategy{}) with {} Weak and {} .clone(), its tasks spawned \
             through code with {} Send and 'static bounds (graph/src/exec.rs).",
            src.go.lines,
            src.go.files.join(", "),
            src.go.weak,
            src.go.clones,
            src.rust.lines,
            src.rust.files.join(", "),
            if w.name == "chat" {
                ", with its weak and owned variants"
            } else {
                ", every topology of flow"
            },
            src.rust.weak,
            src.rust.clones,
            src.rust_spawn_bounds,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use reclaimer_graph::workloads::{Chat, Pipeline};

    #[test]
    fn flags_are_the_rust_fields_in_kebab_case() {
        let chat = Chat {
            room_churn_every: 0,
            ..Chat::default()
        };
        let args = arguments(&Spec::Chat(chat)).unwrap();
        assert!(args.contains(&"-workload=chat".to_string()));
        assert!(args.contains(&"-room-churn-every=0".to_string()));
        assert!(args.contains(&"-messages-per-session=8".to_string()));
        let args = arguments(&Spec::Pipeline(Pipeline::default())).unwrap();
        assert_eq!(args[0], "-workload=pipeline");
        let weak = Chat {
            variant: ChatVariant::Weak,
            ..Chat::default()
        };
        assert!(
            !supports(&Spec::Chat(weak)),
            "only the shared variant has a peer"
        );
    }

    #[test]
    fn peak_heap_is_counted_above_the_level_before_the_pass() {
        let run: GoRun = serde_json::from_value(serde_json::json!({
            "stats": {"operations": 10, "objects": 4, "left_on_cycles": 2, "dropped": 0,
                      "failed_tasks": 0, "stranded": null},
            "counts": {}, "throughput_ops_per_s": 100.0, "elapsed_ns": 1,
            "heap_live_before_bytes": 1000, "heap_live_peak_bytes": 5000, "gc_cycles": 1,
            "gc_pause_count": 2, "gc_pause_p50_ns": 10, "gc_pause_p99_ns": 20,
            "gc_pause_max_ns": 30, "objects_tracked": 4, "objects_left_after_gc": 0,
            "go_version": "go1.19.8", "gomaxprocs": 2, "gogc": "100", "num_cpu": 2,
            "target": "linux/amd64"
        }))
        .unwrap();
        let row = PeerRow::of(2, "go version go1.19.8", vec![Ok(run), Err("x".into())]);
        assert_eq!(row.summary.heap_peak_bytes.unwrap().median, 4000.0);
        assert_eq!(row.summary.leaked.unwrap().median, 0.0);
        assert_eq!(row.errors, ["x"]);
        assert_eq!(row.environment.gogc, "100");
        assert_eq!(row.runtime_label(), "Go, GOMAXPROCS=2");
    }
}
