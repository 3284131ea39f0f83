//! The reclaimer lab: runs the task-graph workloads on every strategy, repeated and
//! interleaved, and reports per workload what each strategy reclaimed, how fast and with how
//! much memory, what the figures say, and how they answer the critique of `Arc` everywhere.
//!
//! `cargo run --release` at the repository root runs the default comparison and writes the
//! report to `target/reclaimer-report/`. `docs/lab.md` says how to read it.

mod claims;
mod cli;
mod compare;
mod execute;
mod go_peer;
mod interrupt;
mod leak_check;
mod list;
mod peer_claims;
mod plan;
mod report;
mod results;
mod source_lines;
mod summary;
mod sweep;
mod units;
mod verdicts;
mod workload_file;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use reclaimer::metrics::CountingAlloc;

use crate::cli::{Cli, Command, Format, RunArgs};
use crate::report::terminal;
use crate::results::{LabEnvironment, Results, StrategyInfo, FORMAT, VERSION};

/// Counts live heap bytes, so the tables can give each run's peak heap.
#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::system();

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        None => run(&cli.run),
        Some(Command::Run(args)) => run(&args),
        Some(Command::List) => {
            print!("{}", list::render());
            Ok(())
        }
        Some(Command::Compare(args)) => compare(&args.a, &args.b),
        Some(Command::Sweep(args)) => sweep::run(&args),
        Some(Command::LeakCheck(args)) => {
            let rows = leak_check::run_all(args.cycles as usize, args.acyclic as usize);
            print!("{}", terminal::leak_check(&rows));
            Ok(())
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            // A run left blocked on its own threads must not keep the process alive.
            let _ = std::io::stdout().flush();
            std::process::exit(1)
        }
    }
}

fn compare(a: &Path, b: &Path) -> Result<(), String> {
    let ra = Results::read(a)?;
    let rb = Results::read(b)?;
    print!(
        "{}",
        compare::render(&ra, &rb, &a.display().to_string(), &b.display().to_string())
    );
    Ok(())
}

/// Fails early when the report folder cannot be written, before a minute of runs.
fn check_writable(dir: &Path) -> Result<(), String> {
    let probe = dir.with_file_name(format!(
        "{}.probe-{}",
        dir.file_name()
            .ok_or_else(|| format!("--out {}: not a folder name", dir.display()))?
            .to_string_lossy(),
        std::process::id()
    ));
    std::fs::create_dir_all(&probe)
        .and_then(|()| std::fs::remove_dir(&probe))
        .map_err(|e| format!("cannot write the report to {}: {e}", dir.display()))
}

fn run(args: &RunArgs) -> Result<(), String> {
    interrupt::install();
    let started = Instant::now();
    let started_unix_s = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let plan = plan::plan(args)?;
    check_writable(&args.out)?;
    let table = args.format == Format::Table;
    let environment = LabEnvironment::detect();
    let mut results = Results {
        format: FORMAT.into(),
        version: VERSION,
        complete: false,
        command: std::env::args().collect(),
        started_unix_s,
        wall_s: 0.0,
        environment,
        settings: plan.settings.clone(),
        strategies: StrategyInfo::all(),
        workloads: Vec::new(),
        leak_check: Vec::new(),
        claims: Vec::new(),
    };
    if table {
        print!("{}", terminal::preamble(&results));
        for note in &plan.notes {
            println!("{note}");
        }
        println!();
    }
    results.workloads = execute::execute(&plan, args.quiet, |w, bar| {
        if table {
            bar.suspend(|| println!("{}", terminal::workload(w, args.full)));
        }
    });
    let (cycles, acyclic) = plan.leak_check;
    if cycles > 0 || acyclic > 0 {
        results.leak_check = leak_check::run_all(cycles as usize, acyclic as usize);
        if table {
            println!("{}", terminal::leak_check(&results.leak_check));
        }
    }
    results.claims = claims::answer(&results.workloads);
    let failed: usize = results
        .workloads
        .iter()
        .map(results::WorkloadResults::failed_runs)
        .sum();
    results.complete = failed == 0;
    results.wall_s = started.elapsed().as_secs_f64();
    let index = report::write(&results, &args.out)?;
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&results).map_err(|e| e.to_string())?;
        std::fs::write(path, json).map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    let report_line = format!(
        "report: {} (results.json, report.md, index.html); {:.1} s",
        index.display(),
        results.wall_s
    );
    match args.format {
        Format::Table => {
            print!("{}", terminal::claims(&results.claims));
            if let Some(line) = report::markdown::incomplete_line(&results) {
                println!("{line}");
            }
            println!("{report_line}");
        }
        Format::Markdown => {
            print!("{}", report::markdown::report(&results));
            eprintln!("{report_line}");
        }
        Format::Json => {
            let json = serde_json::to_string_pretty(&results).map_err(|e| e.to_string())?;
            println!("{json}");
            eprintln!("{report_line}");
        }
    }
    if failed > 0 {
        return Err(format!(
            "{failed} runs failed (see the tables); the report is marked incomplete"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Arguments built from the lab's own flags, values and noise.
    fn argument() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("run".to_string()),
            Just("list".to_string()),
            Just("compare".to_string()),
            Just("leak-check".to_string()),
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
            Just("--repeat".to_string()),
            Just("--quick".to_string()),
            Just("--format".to_string()),
            Just("--out".to_string()),
            Just("--help".to_string()),
            Just("--version".to_string()),
            Just("chat,actors/weak".to_string()),
            Just("gc,sync-gc".to_string()),
            Just("both".to_string()),
            Just("multi".to_string()),
            Just("json".to_string()),
            Just("-h".to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<f64>().prop_map(|n| n.to_string()),
            "[0-9]{0,25}",
            "--(cycles|scale|workloads|strategies|runtime|repeat)=[0-9a-z,./-]{0,12}",
            any::<String>(),
        ]
    }

    proptest! {
        /// Any command line is parsed or rejected with an error, never a panic; what `run`
        /// accepts plans or fails with a message, never a panic.
        #[test]
        fn any_command_line_is_parsed_or_rejected(args in prop::collection::vec(argument(), 0..6)) {
            let parsed = Cli::try_parse_from(std::iter::once("reclaimer-lab".to_string()).chain(args));
            if let Ok(cli) = parsed {
                let run = match &cli.command {
                    None => Some(&cli.run),
                    Some(Command::Run(args)) => Some(args),
                    _ => None,
                };
                if let Some(run) = run {
                    prop_assert!(run.workers.is_none_or(|w| w >= 1));
                    prop_assert!(run.repeat.is_none_or(|r| r >= 3));
                    if let Err(e) = plan::plan(run) {
                        prop_assert!(!e.is_empty());
                    }
                }
            }
        }

        /// Any bytes as a workload file give a plan or a one-line error, never a panic.
        #[test]
        fn any_workload_file_is_read_or_rejected(text in workload_file_text()) {
            match workload_file::parse("lab.toml", &text) {
                Ok(file) => {
                    for spec in &file.workloads {
                        prop_assert!(spec.validate().is_ok());
                    }
                }
                Err(e) => {
                    prop_assert!(e.starts_with("lab.toml"), "{}", e);
                    prop_assert!(!e.contains('\n'), "{}", e);
                }
            }
        }
    }

    /// Workload-file text: real tables and keys with random values, and random bytes.
    fn workload_file_text() -> impl Strategy<Value = String> {
        let table = prop_oneof![
            Just("[[chat]]"),
            Just("[[pipeline]]"),
            Just("[[flow]]"),
            Just("[[actors]]"),
            Just("[[idle-worker]]"),
            Just("[run]"),
            Just("[[chat"),
            Just("[nope]"),
        ];
        let key = prop_oneof![
            Just("sessions"),
            Just("concurrent"),
            Just("messages"),
            Just("topology"),
            Just("variant"),
            Just("actors"),
            Just("peers"),
            Just("strategies"),
            Just("repeat"),
            Just("runtime"),
            Just("stages"),
            Just("bogus"),
        ];
        let value = prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            any::<u16>().prop_map(|n| n.to_string()),
            any::<f64>().prop_map(|n| n.to_string()),
            Just("\"weak\"".to_string()),
            Just("\"ring:4\"".to_string()),
            Just("[\"arc\", \"gc\"]".to_string()),
            Just("\"both\"".to_string()),
            "\"[a-z:0-9]{0,8}\"",
            "[^\\n]{0,8}",
        ];
        let line = prop_oneof![
            table.prop_map(str::to_string),
            (key, value).prop_map(|(k, v)| format!("{k} = {v}")),
            any::<String>(),
        ];
        prop::collection::vec(line, 0..8).prop_map(|lines| lines.join("\n"))
    }

    #[test]
    fn out_of_range_and_malformed_values_are_errors() {
        for bad in [
            &["--cycles", "10000001"][..],
            &["--cycles", "-1"],
            &["--acyclic", "x"],
            &["--workloads", "chat/strong"],
            &["--strategies", "rcc"],
            &["--runtime", "threads"],
            &["--workers", "0"],
            &["--scale", "0"],
            &["--scale", "NaN"],
            &["--sessions", "0"],
            &["--repeat", "2"],
            &["--format", "xml"],
            &["compare", "only-one.json"],
        ] {
            let parsed =
                Cli::try_parse_from(std::iter::once("reclaimer-lab").chain(bad.iter().copied()));
            assert!(parsed.is_err(), "{bad:?} was accepted");
        }
        let cli = Cli::try_parse_from(["reclaimer-lab"]).expect("no arguments are fine");
        let plan = plan::plan(&cli.run).unwrap();
        assert_eq!(
            plan.workloads.len(),
            reclaimer_graph::workloads::Spec::NAMES.len()
        );
        assert_eq!(plan.settings.repeat, plan::DEFAULT_REPEAT);
        assert_eq!(plan.leak_check, (10_000, 10_000));
    }

    #[test]
    fn the_default_plan_runs_every_strategy_on_the_local_set_too() {
        let cli = Cli::try_parse_from(["reclaimer-lab"]).unwrap();
        let plan = plan::plan(&cli.run).unwrap();
        let chat = plan
            .workloads
            .iter()
            .find(|p| p.spec.name() == "chat")
            .unwrap();
        let all = reclaimer_graph::StrategyName::all();
        let local = chat
            .runs
            .iter()
            .filter(|r| r.runtime == reclaimer_graph::Runtime::Local)
            .count();
        assert_eq!(local, all.len(), "every strategy on the LocalSet");
        let multi = chat.runs.len() - local;
        assert_eq!(multi, all.iter().filter(|s| s.thread_safe()).count());
    }

    #[test]
    fn gc_on_the_multi_thread_runtime_alone_is_an_error() {
        let cli =
            Cli::try_parse_from(["reclaimer-lab", "--strategies", "gc", "--runtime", "multi"])
                .unwrap();
        let e = plan::plan(&cli.run).unwrap_err();
        assert!(e.contains("only on the LocalSet"), "{e}");
        let cli = Cli::try_parse_from([
            "reclaimer-lab",
            "--workloads",
            "idle-worker",
            "--runtime",
            "local",
        ])
        .unwrap();
        let e = plan::plan(&cli.run).unwrap_err();
        assert!(e.contains("needs the multi-thread runtime"), "{e}");
    }
}
