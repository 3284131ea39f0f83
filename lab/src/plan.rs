//! What a `run` will do: the settings resolved from the command line, the workload file and
//! the defaults (in that order of precedence), and each workload's rows.

use reclaimer_graph::workloads::Spec;
use reclaimer_graph::{Runtime, StrategyName};

/// Repetitions of every row by default: with fewer, two default runs on an idle 2-core machine
/// disagreed by more than 10 % on one strategy-to-strategy throughput ratio in 14 (docs/lab.md).
pub const DEFAULT_REPEAT: u32 = 5;
/// Repetitions of a `--quick` run, the fewest a median and a range need.
pub const QUICK_REPEAT: u32 = 3;

use crate::cli::{RunArgs, RuntimeChoice};
use crate::results::Settings;
use crate::workload_file;

/// One row of a workload's table: a strategy on a runtime, with or without the park hook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunSpec {
    /// The strategy.
    pub strategy: StrategyName,
    /// The runtime.
    pub runtime: Runtime,
    /// Whether the park hook is installed (`idle-worker` runs both).
    pub park_hook: bool,
}

/// A workload and its rows.
#[derive(Clone, Debug)]
pub struct Planned {
    /// The workload at the size it runs.
    pub spec: Spec,
    /// Its rows, in the library's strategy order, multi-thread rows first.
    pub runs: Vec<RunSpec>,
}

/// Everything a run does.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The workloads, in order.
    pub workloads: Vec<Planned>,
    /// What every row shares.
    pub settings: Settings,
    /// Cycles and acyclic objects of the closing leak check (0, 0: none).
    pub leak_check: (u32, u32),
    /// Lines to print before the tables: what the plan left out and why.
    pub notes: Vec<String>,
    /// Whether `chat` and `pipeline` get the Go peer's rows (no `--no-go`).
    pub go_peer: bool,
}

impl Plan {
    /// Runs over every workload and repetition: the progress bar's length.
    pub fn total_runs(&self) -> u64 {
        self.workloads
            .iter()
            .map(|p| p.runs.len() as u64)
            .sum::<u64>()
            * u64::from(self.settings.repeat)
    }
}

/// The plan the command line asks for; an error names what cannot run.
pub fn plan(args: &RunArgs) -> Result<Plan, String> {
    let file = match &args.config {
        Some(path) => Some(workload_file::read(path)?),
        None => None,
    };
    let file = file.unwrap_or_default();
    let from_file = !file.workloads.is_empty();
    let explicit_workloads = !args.workloads.is_empty() || from_file;
    let mut specs: Vec<Spec> = if !args.workloads.is_empty() {
        args.workloads.clone()
    } else if from_file {
        file.workloads.clone()
    } else {
        Spec::NAMES
            .iter()
            .map(|n| n.parse())
            .collect::<Result<_, _>>()?
    };
    let explicit_strategies = !args.strategies.is_empty() || file.strategies.is_some();
    let strategies = if !args.strategies.is_empty() {
        args.strategies.clone()
    } else {
        file.strategies.clone().unwrap_or_else(StrategyName::all)
    };
    let runtime = match (args.runtime, file.runtime) {
        (Some(r), _) | (None, Some(r)) => r,
        (None, None) => RuntimeChoice::Both,
    };
    let workers = args.workers.or(file.workers).unwrap_or(2);
    let scale = args
        .scale
        .or(file.scale)
        .unwrap_or(if args.quick { 0.05 } else { 1.0 });
    let settings = Settings {
        repeat: args.repeat.or(file.repeat).unwrap_or(if args.quick {
            QUICK_REPEAT
        } else {
            DEFAULT_REPEAT
        }),
        seed: args.seed.or(file.seed).unwrap_or(1),
        workers: usize::from(workers),
        runtime: runtime.name().into(),
        scale,
        quick: args.quick,
        budget_s: args.budget.or(file.budget).unwrap_or(30),
        untracked_pass: !args.no_untracked_pass,
        config_file: args.config.as_ref().map(|p| p.display().to_string()),
    };

    let mut notes = Vec::new();
    if runtime == RuntimeChoice::Multi {
        let local_only: Vec<&str> = strategies
            .iter()
            .filter(|s| !s.thread_safe())
            .map(|s| s.name())
            .collect();
        if !local_only.is_empty() {
            if explicit_strategies {
                return Err(format!(
                    "{} runs only on the LocalSet (its handles are not Send), and --runtime multi \
                     leaves the LocalSet out; use --runtime local or both",
                    local_only.join(", ")
                ));
            }
            notes.push(format!(
                "left out: {} (LocalSet only; --runtime multi)",
                local_only.join(", ")
            ));
        }
    }
    if runtime == RuntimeChoice::Local {
        let needs_multi: Vec<String> = specs
            .iter()
            .filter(|s| matches!(s, Spec::IdleWorker(_)))
            .map(Spec::name)
            .collect();
        if !needs_multi.is_empty() {
            if explicit_workloads {
                return Err(format!(
                    "{} needs the multi-thread runtime (a worker that parks); use --runtime \
                     multi or both",
                    needs_multi.join(", ")
                ));
            }
            specs.retain(|s| !matches!(s, Spec::IdleWorker(_)));
            notes.push("left out: idle-worker (multi-thread runtime only; --runtime local)".into());
        }
    }

    let multi = Runtime::MultiThread {
        workers: usize::from(workers),
    };
    let runtimes: &[Runtime] = match runtime {
        RuntimeChoice::Multi => &[multi],
        RuntimeChoice::Local => &[Runtime::Local],
        RuntimeChoice::Both => &[multi, Runtime::Local],
    };
    let mut workloads = Vec::new();
    for spec in specs {
        let mut spec = spec.scaled(scale);
        if let (Spec::Chat(chat), Some(sessions)) = (&mut spec, args.sessions) {
            chat.sessions = sessions;
            chat.concurrent = chat.concurrent.min(sessions);
        }
        spec.validate()?;
        let idle = matches!(spec, Spec::IdleWorker(_));
        let mut runs = Vec::new();
        for &runtime in runtimes {
            for &strategy in &strategies {
                if !spec.supports(strategy, runtime) {
                    continue;
                }
                for park_hook in if idle {
                    &[false, true][..]
                } else {
                    &[false][..]
                } {
                    runs.push(RunSpec {
                        strategy,
                        runtime,
                        park_hook: *park_hook,
                    });
                }
            }
        }
        if runs.is_empty() {
            return Err(format!(
                "{spec} runs on none of the strategies and runtimes asked for (idle-worker needs \
                 a thread-safe strategy on the multi-thread runtime)"
            ));
        }
        workloads.push(Planned { spec, runs });
    }
    let leak_check = args.leak_check_sizes();
    Ok(Plan {
        workloads,
        settings,
        leak_check,
        notes,
        go_peer: !args.no_go,
    })
}
