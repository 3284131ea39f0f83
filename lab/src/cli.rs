//! The command line: `run` (the default), `list`, `compare` and `leak-check`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use reclaimer_graph::workloads::Spec;
use reclaimer_graph::StrategyName;

/// Runs the task-graph workloads on every reclamation strategy, repeated, and writes a report:
/// tables, verdicts, the critique's claims answered, plots and JSON.
///
/// With no subcommand it runs the default comparison (`run` with the flags given).
#[derive(Debug, Parser)]
#[command(
    name = "reclaimer-lab",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// What to do; `run` when left out.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The flags of `run`, for the default command.
    #[command(flatten)]
    pub run: RunArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run workloads on strategies and write the report (the default).
    Run(RunArgs),
    /// List the workloads with their parameters, and the strategies with what they can run.
    List,
    /// Compare two results files figure by figure: the ratio B ÷ A, flagged where the two
    /// runs' spreads do not overlap.
    Compare(CompareArgs),
    /// The cycle-leak check alone: two-node cycles and lone objects per strategy.
    LeakCheck(LeakCheckArgs),
    /// How each strategy's figures grow with the live heap, the worker threads and the share
    /// of cyclic garbage: plots and fitted growth lines in `<out>/sweep/`.
    Sweep(SweepArgs),
}

/// The runtimes to run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RuntimeChoice {
    /// The multi-thread runtime only (thread-safe strategies).
    Multi,
    /// A current-thread runtime with a LocalSet only (every strategy).
    Local,
    /// Both: every strategy on the LocalSet, thread-safe ones on the multi-thread runtime too.
    Both,
}

impl RuntimeChoice {
    /// As `results.json` records it.
    pub fn name(self) -> &'static str {
        match self {
            RuntimeChoice::Multi => "multi",
            RuntimeChoice::Local => "local",
            RuntimeChoice::Both => "both",
        }
    }
}

/// What `run` prints on stdout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Compact tables that fit 100 columns, with verdicts and claims.
    Table,
    /// The Markdown report.
    Markdown,
    /// `results.json`.
    Json,
}

/// The flags of `run`.
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// Workloads to run, comma-separated (`list` shows them). Default: all.
    #[arg(long, value_delimiter = ',', value_parser = parse_workload)]
    pub workloads: Vec<Spec>,
    /// Strategies to run, comma-separated (`list` shows them). Default: all.
    #[arg(long, value_delimiter = ',', value_parser = parse_strategy)]
    pub strategies: Vec<StrategyName>,
    /// Runtimes: every strategy on the LocalSet and thread-safe ones on the multi-thread
    /// runtime (`both`, the default), or one of them.
    #[arg(long, value_enum)]
    pub runtime: Option<RuntimeChoice>,
    /// Worker threads of the multi-thread runtime [default: 2].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub workers: Option<u16>,
    /// Seed of every random choice [default: 1].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Multiplies every workload's counts (messages, sessions, reads, letters).
    #[arg(long, value_parser = parse_scale)]
    pub scale: Option<f64>,
    /// Sessions of the chat workloads (overrides the scaled default).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub sessions: Option<u32>,
    /// Repetitions of every row; each figure is their median, shown with its range
    /// [default: 5; 3 with --quick].
    #[arg(long, value_parser = clap::value_parser!(u32).range(3..=1000))]
    pub repeat: Option<u32>,
    /// A CI-sized run: every workload at a twentieth of its size (unless --scale is given),
    /// and a small cycle-leak check.
    #[arg(long)]
    pub quick: bool,
    /// Seconds one pass of one run may take before it is stopped [default: 30].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub budget: Option<u64>,
    /// Report the tracked pass's throughput instead of running an untracked pass for it.
    #[arg(long)]
    pub no_untracked_pass: bool,
    /// Leave out the Go peer's rows (`peers/go`), which `chat` and `pipeline` otherwise get
    /// when `go` is on the PATH.
    #[arg(long)]
    pub no_go: bool,
    /// The report folder: results.json, report.md, index.html and plots/.
    #[arg(long, default_value = "target/reclaimer-report")]
    pub out: PathBuf,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Every column in the terminal tables (wider than 100 columns).
    #[arg(long)]
    pub full: bool,
    /// Workloads (and optionally run settings) from a TOML file; see docs/lab.md.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Also write results.json to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Two-node cycles per strategy in the closing cycle-leak table (0 skips the table).
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=10_000_000))]
    pub cycles: Option<u32>,
    /// Acyclic objects per strategy in the cycle-leak table.
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=10_000_000))]
    pub acyclic: Option<u32>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

impl RunArgs {
    /// Cycles and acyclic objects of the leak check.
    pub fn leak_check_sizes(&self) -> (u32, u32) {
        let default = if self.quick { 1_000 } else { 10_000 };
        (
            self.cycles.unwrap_or(default),
            self.acyclic.unwrap_or(default),
        )
    }
}

/// The flags of `compare`.
#[derive(Debug, Args, Clone)]
pub struct CompareArgs {
    /// The earlier results file.
    pub a: PathBuf,
    /// The later results file.
    pub b: PathBuf,
    /// Every figure, not only those that moved past their spread.
    #[arg(long)]
    pub all: bool,
}

/// The flags of `leak-check`.
#[derive(Debug, Args, Clone)]
pub struct LeakCheckArgs {
    /// Two-node cycles per strategy.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(0..=10_000_000))]
    pub cycles: u32,
    /// Acyclic objects per strategy.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(0..=10_000_000))]
    pub acyclic: u32,
}

/// The flags of `sweep`.
#[derive(Debug, Args, Clone)]
pub struct SweepArgs {
    /// Axes to sweep, comma-separated [default: heap,threads,cyclic].
    #[arg(long, value_delimiter = ',', value_enum)]
    pub axes: Vec<crate::sweep::Axis>,
    /// Strategies to run, comma-separated. Default: all.
    #[arg(long, value_delimiter = ',', value_parser = parse_strategy)]
    pub strategies: Vec<StrategyName>,
    /// `chat` sessions of the heap axis [default: 1000,3000,10000,30000,100000;
    /// 300,1000,3000 with --quick].
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u32).range(10..=1_000_000))]
    pub sessions: Vec<u32>,
    /// `actors` actors of the heap axis [default: 300,1000,3000,10000,30000; 100,300,1000
    /// with --quick].
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u32).range(10..=1_000_000))]
    pub actors: Vec<u32>,
    /// Worker threads of the threads axis [default: 1,2,4,8; 1,2,4 with --quick].
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: Vec<u16>,
    /// Percentages of sessions that disconnect, the cyclic axis [default: 0,25,50,100;
    /// 0,50,100 with --quick].
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u32).range(0..=100))]
    pub disconnect: Vec<u32>,
    /// `chat` sessions on the threads and cyclic axes [default: 2000; 600 with --quick].
    #[arg(long, value_parser = clap::value_parser!(u32).range(10..=1_000_000))]
    pub chat_sessions: Option<u32>,
    /// Repetitions of every row at every point [default: 3; 2 with --quick].
    #[arg(long, value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub repeat: Option<u32>,
    /// A sweep sized to finish in under two minutes on two cores.
    #[arg(long)]
    pub quick: bool,
    /// Seed of every random choice [default: 1].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Seconds one pass of one run may take [default: 60].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub budget: Option<u64>,
    /// The report folder; the sweep goes to its `sweep/` subfolder.
    #[arg(long, default_value = "target/reclaimer-report")]
    pub out: PathBuf,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// `name`, or the closest of `known` when it is near enough to be a typo.
pub fn nearest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted = name.to_lowercase();
    known
        .into_iter()
        .map(|k| (strsim::damerau_levenshtein(&wanted, &k.to_lowercase()), k))
        .filter(|(distance, k)| *distance <= (k.len() / 3).max(2))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

fn did_you_mean(name: &str, known: &[&str]) -> String {
    match nearest(name, known.iter().copied()) {
        Some(close) => format!(" (did you mean `{close}`?)"),
        None => String::new(),
    }
}

/// A workload by name, with the nearest name suggested.
pub fn parse_workload(s: &str) -> Result<Spec, String> {
    s.trim().parse::<Spec>().map_err(|_| {
        format!(
            "unknown workload `{s}`{}; the workloads are: {}",
            did_you_mean(s, Spec::NAMES),
            Spec::NAMES.join(", ")
        )
    })
}

/// A strategy by name, with the nearest name suggested.
pub fn parse_strategy(s: &str) -> Result<StrategyName, String> {
    s.trim().parse::<StrategyName>().map_err(|_| {
        let names = reclaimer::strategy::names();
        format!(
            "unknown strategy `{s}`{}; the strategies are: {}",
            did_you_mean(s, &names),
            names.join(", ")
        )
    })
}

fn parse_scale(s: &str) -> Result<f64, String> {
    let scale: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if (0.0001..=1000.0).contains(&scale) {
        Ok(scale)
    } else {
        Err("the scale must be between 0.0001 and 1000".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_gets_the_nearest_name() {
        let e = parse_workload("chatt").unwrap_err();
        assert!(e.contains("did you mean `chat`?"), "{e}");
        let e = parse_strategy("sync-cg").unwrap_err();
        assert!(e.contains("did you mean `sync-gc`?"), "{e}");
        let e = parse_strategy("zzzzzzzz").unwrap_err();
        assert!(!e.contains("did you mean"), "{e}");
    }
}
