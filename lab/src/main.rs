//! The reclaimer lab: runs the task-graph workloads on every strategy and prints, per
//! workload, what each strategy reclaimed, how fast and with how much memory.
//!
//! `cargo run --release` at the repository root runs the default comparison.

mod leak_check;
mod suite;

use std::process::ExitCode;

use clap::Parser;
use reclaimer::metrics::CountingAlloc;

/// Counts live heap bytes, so the tables can give each run's peak heap.
#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::system();

/// Runs the task-graph workloads on every reclamation strategy and prints, per workload,
/// throughput, reclamation latency, garbage in flight, leaks and peak heap.
#[derive(Debug, Parser)]
#[command(name = "reclaimer-lab", version, about)]
pub struct Cli {
    /// Workloads to run, comma-separated: pipeline, fanout, flow, config, chat, chat/weak,
    /// chat/owned, actors, actors/weak, idle-worker.
    #[arg(long, value_delimiter = ',', value_parser = parse_workload)]
    workloads: Vec<reclaimer_graph::workloads::Spec>,
    /// Strategies to run, comma-separated: arc, rw-lock-arc, epoch, gc, sync-gc, leak.
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(reclaimer_graph::StrategyName))]
    strategies: Vec<reclaimer_graph::StrategyName>,
    /// Runtime: `multi` (thread-safe strategies on the multi-thread runtime, `Gc` on a
    /// LocalSet), `local` (every strategy on a LocalSet) or `both`.
    #[arg(long, default_value = "multi", value_parser = ["multi", "local", "both"])]
    runtime: String,
    /// Worker threads of the multi-thread runtime.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=256))]
    workers: u16,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Multiplies every workload's counts (messages, sessions, reads, letters).
    #[arg(long, default_value_t = 1.0, value_parser = parse_scale)]
    scale: f64,
    /// Sessions of the chat workloads (overrides the scaled default).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    sessions: Option<u32>,
    /// Seconds one pass of one run may take before it is stopped.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    budget: u64,
    /// Report the tracked pass's throughput instead of running an untracked pass for it.
    #[arg(long)]
    no_untracked_pass: bool,
    /// Write every result as JSON to this file.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
    /// Two-node cycles per strategy in the closing cycle-leak table (0 skips the table).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(0..=10_000_000))]
    cycles: u32,
    /// Acyclic objects per strategy in the cycle-leak table.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(0..=10_000_000))]
    acyclic: u32,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

fn parse_workload(s: &str) -> Result<reclaimer_graph::workloads::Spec, String> {
    s.parse()
}

fn parse_scale(s: &str) -> Result<f64, String> {
    let scale: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if (0.0001..=1000.0).contains(&scale) {
        Ok(scale)
    } else {
        Err("the scale must be between 0.0001 and 1000".into())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = suite::run(&cli);
    if cli.cycles > 0 || cli.acyclic > 0 {
        let rows = leak_check::run_all(cli.cycles as usize, cli.acyclic as usize);
        println!("cycle-leak check: two-node cycles and lone objects, every handle dropped, then collect()");
        println!("{}", leak_check::table(&rows));
    }
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            // A run left blocked on its own threads must not keep the process alive.
            std::process::exit(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Arguments built from the lab's own flags, values and noise.
    fn argument() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("--cycles".to_string()),
            Just("--acyclic".to_string()),
            Just("--workloads".to_string()),
            Just("--strategies".to_string()),
            Just("--runtime".to_string()),
            Just("--workers".to_string()),
            Just("--seed".to_string()),
            Just("--scale".to_string()),
            Just("--sessions".to_string()),
            Just("--budget".to_string()),
            Just("--help".to_string()),
            Just("--version".to_string()),
            Just("chat,actors/weak".to_string()),
            Just("gc,sync-gc".to_string()),
            Just("both".to_string()),
            Just("-h".to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<f64>().prop_map(|n| n.to_string()),
            "[0-9]{0,25}",
            "--(cycles|scale|workloads|strategies)=[0-9a-z,./-]{0,12}",
            any::<String>(),
        ]
    }

    proptest! {
        /// Any command line is parsed or rejected with an error, never a panic, and what is
        /// accepted is in range.
        #[test]
        fn any_command_line_is_parsed_or_rejected(args in prop::collection::vec(argument(), 0..6)) {
            let parsed = Cli::try_parse_from(std::iter::once("reclaimer-lab".to_string()).chain(args));
            if let Ok(cli) = parsed {
                prop_assert!(cli.cycles <= 10_000_000 && cli.acyclic <= 10_000_000);
                prop_assert!(cli.workers >= 1);
                prop_assert!((0.0001..=1000.0).contains(&cli.scale));
                prop_assert!(suite::plan(&cli).is_ok());
            }
        }
    }

    #[test]
    fn out_of_range_and_malformed_values_are_errors() {
        for bad in [
            ["--cycles", "10000001"],
            ["--cycles", "-1"],
            ["--acyclic", "x"],
            ["--workloads", "chat/strong"],
            ["--strategies", "rc"],
            ["--runtime", "threads"],
            ["--workers", "0"],
            ["--scale", "0"],
            ["--scale", "NaN"],
            ["--sessions", "0"],
        ] {
            let parsed = Cli::try_parse_from(std::iter::once("reclaimer-lab").chain(bad));
            assert!(parsed.is_err(), "{bad:?} was accepted");
        }
        let cli = Cli::try_parse_from(["reclaimer-lab"]).expect("no arguments are fine");
        assert_eq!((cli.cycles, cli.acyclic), (10_000, 10_000));
        let plan = suite::plan(&cli).unwrap();
        assert_eq!(plan.len(), reclaimer_graph::workloads::Spec::NAMES.len());
    }

    #[test]
    fn a_small_suite_runs_and_prints_a_table_per_workload() {
        let cli = Cli::try_parse_from([
            "reclaimer-lab",
            "--workloads",
            "pipeline,chat,idle-worker",
            "--strategies",
            "arc,gc,epoch,sync-gc",
            "--scale",
            "0.01",
            "--quiet",
        ])
        .unwrap();
        let tables = suite::tables(&cli).unwrap();
        assert_eq!(tables.len(), 3);
        assert!(tables[1].contains("Gc"), "{}", tables[1]);
        assert!(tables[1].contains("SyncGc"), "{}", tables[1]);
        assert!(tables[2].contains("park hook"), "{}", tables[2]);
    }
}
