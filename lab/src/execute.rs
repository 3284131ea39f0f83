//! Running a plan: every row of a workload, repeated, interleaved. Repetition `k` runs the rows
//! in the plan's order rotated by `k`, and runs the tracked pass first in odd repetitions and
//! the untracked pass first in even ones, so no strategy always runs first and neither pass
//! always runs on a warmed allocator.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use reclaimer_graph::workloads::Spec;
use reclaimer_graph::{baseline, run_named, GraphResult, Options, Runtime, StrategyName};

use crate::go_peer::{self, GoPeer, GoRun, PeerRow};
use crate::plan::{Plan, Planned, RunSpec};
use crate::results::{split_outcomes, Baseline, RowResults, WorkloadResults};
use crate::source_lines;
use crate::summary::{RowSummary, Spread};
use crate::verdicts;

/// Runs every workload of `plan`; `done` gets each workload's results as soon as it finishes.
pub fn execute(
    plan: &Plan,
    quiet: bool,
    mut done: impl FnMut(&WorkloadResults, &ProgressBar),
) -> Vec<WorkloadResults> {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        // Hidden by indicatif itself when stderr is not a terminal.
        ProgressBar::with_draw_target(Some(plan.total_runs()), ProgressDrawTarget::stderr())
    };
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:24} {pos}/{len} runs, {elapsed} (about {eta} left) {msg}",
    ) {
        bar.set_style(style);
    }
    let go = go_peer_for(plan);
    if let Some(Ok(_)) = &go {
        bar.inc_length(
            plan.workloads
                .iter()
                .filter(|p| go_peer::supports(&p.spec))
                .map(|p| (go_peer::threads(p).len() as u64) * u64::from(plan.settings.repeat))
                .sum(),
        );
    }
    let mut stuck: Vec<StrategyName> = Vec::new();
    let mut all = Vec::new();
    for planned in &plan.workloads {
        let mut results = run_workload(plan, planned, &bar, &mut stuck);
        if go_peer::supports(&planned.spec) {
            add_peer(&mut results, go.as_ref(), plan, planned, &bar);
        }
        done(&results, &bar);
        all.push(results);
    }
    bar.finish_and_clear();
    all
}

/// The built Go peer, or why there is none; `None` when the plan has no workload for it or
/// `--no-go` left it out.
fn go_peer_for(plan: &Plan) -> Option<Result<GoPeer, String>> {
    (plan.go_peer && plan.workloads.iter().any(|p| go_peer::supports(&p.spec)))
        .then(GoPeer::prepare)
}

/// Runs the Go peer beside a workload's Rust rows, once per repetition and runtime, and adds
/// its rows, its source counts and the notes on what compares.
fn add_peer(
    results: &mut WorkloadResults,
    go: Option<&Result<GoPeer, String>>,
    plan: &Plan,
    planned: &Planned,
    bar: &ProgressBar,
) {
    results.source_lines = source_lines::of(&results.name);
    let peer = match go {
        Some(Ok(peer)) => peer,
        Some(Err(reason)) => {
            results.peer_skipped = Some(reason.clone());
            results.notes.push(format!("no Go row: {reason}"));
            return;
        }
        None => {
            results.peer_skipped = Some("left out by --no-go".into());
            return;
        }
    };
    let threads = go_peer::threads(planned);
    let mut outcomes: Vec<Vec<Result<GoRun, String>>> = vec![Vec::new(); threads.len()];
    for rep in 0..plan.settings.repeat {
        for (i, &n) in threads.iter().enumerate() {
            bar.set_message(format!(
                "{} · Go · GOMAXPROCS={n} · repetition {}/{}",
                planned.spec,
                rep + 1,
                plan.settings.repeat
            ));
            outcomes[i].push(peer.run(&planned.spec, n, &plan.settings));
            bar.inc(1);
        }
    }
    results.peers = threads
        .iter()
        .zip(outcomes)
        .map(|(&n, outcomes)| PeerRow::of(n, &peer.version, outcomes))
        .collect();
    results.notes.extend(go_peer::notes(results));
}

pub(crate) fn run_workload(
    plan: &Plan,
    planned: &Planned,
    bar: &ProgressBar,
    stuck: &mut Vec<StrategyName>,
) -> WorkloadResults {
    let settings = &plan.settings;
    let n = planned.runs.len();
    let mut outcomes: Vec<Vec<Result<GraphResult, String>>> = vec![Vec::new(); n];
    let mut baseline_runs = Vec::new();
    for rep in 0..settings.repeat {
        for k in 0..n {
            let i = (k + rep as usize) % n;
            let run = planned.runs[i];
            bar.set_message(format!(
                "{} · {} · {} · repetition {}/{}",
                planned.spec,
                run.strategy,
                runtime_label(run.runtime),
                rep + 1,
                settings.repeat
            ));
            let options = Options {
                seed: settings.seed,
                budget: Duration::from_secs(settings.budget_s),
                park_hook: run.park_hook,
                untracked_pass: settings.untracked_pass,
                tracked_first: rep % 2 == 1,
                ..Options::default()
            };
            let outcome = if stuck.contains(&run.strategy) {
                Err(format!(
                    "skipped: an earlier {} run never finished",
                    run.strategy
                ))
            } else {
                run_guarded(run, &planned.spec, options, settings.budget_s)
            };
            if let Err(e) = &outcome {
                if e.contains("never finished") && !stuck.contains(&run.strategy) {
                    stuck.push(run.strategy);
                }
            }
            outcomes[i].push(outcome);
            bar.inc(1);
        }
        if let Spec::Pipeline(p) = &planned.spec {
            if let Some(runtime) = planned
                .runs
                .iter()
                .find(|r| r.strategy == StrategyName::of::<reclaimer::Arc>())
                .map(|r| r.runtime)
            {
                if let Ok(t) = baseline::pipeline(p, runtime) {
                    baseline_runs.push(t.per_second);
                }
            }
        }
    }
    let rows: Vec<RowResults> = planned
        .runs
        .iter()
        .zip(outcomes)
        .map(|(run, outcomes)| row(*run, outcomes))
        .collect();
    let arc_name = StrategyName::of::<reclaimer::Arc>().name();
    let baseline = Spread::of(baseline_runs).map(|throughput| {
        let arc_row = rows.iter().find(|r| r.strategy == arc_name && !r.park_hook);
        let arc = arc_row.and_then(|r| r.summary.throughput);
        Baseline {
            throughput,
            arc_ratio: arc.map(|a| a.median / throughput.median),
            runtime: arc_row.map_or_else(String::new, RowResults::runtime_label),
        }
    });
    let mut workload = WorkloadResults {
        name: planned.spec.name(),
        parameters: parameters(&planned.spec),
        heading: heading(&planned.spec),
        rows,
        verdicts: Vec::new(),
        notes: notes(&planned.spec),
        baseline,
        peers: Vec::new(),
        peer_skipped: None,
        source_lines: None,
    };
    workload.verdicts = verdicts::of(&workload);
    workload
}

fn row(run: RunSpec, outcomes: Vec<Result<GraphResult, String>>) -> RowResults {
    let (repetitions, errors) = split_outcomes(outcomes);
    let refs: Vec<&GraphResult> = repetitions.iter().collect();
    RowResults {
        strategy: run.strategy.name().into(),
        runtime: run.runtime.flavor().into(),
        workers: run.runtime.workers(),
        park_hook: run.park_hook,
        summary: RowSummary::of(&refs),
        repetitions,
        errors,
    }
}

/// Runs one repetition on its own thread and waits at most twice the budget plus half a
/// minute: a run whose worker threads block (so its runtime's timer cannot fire) is reported
/// and left behind instead of hanging the lab.
fn run_guarded(
    run: RunSpec,
    spec: &Spec,
    options: Options,
    budget_secs: u64,
) -> Result<GraphResult, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let spec = spec.clone();
    std::thread::Builder::new()
        .name("reclaimer-lab-run".into())
        // The LocalSet runs here, and every final collection: see `STACK_BYTES`.
        .stack_size(reclaimer_graph::STACK_BYTES)
        .spawn(move || {
            let _ = tx.send(run_named(run.strategy, run.runtime, &spec, &options));
        })
        .map_err(|e| e.to_string())?;
    let limit = Duration::from_secs(budget_secs.saturating_mul(2).saturating_add(30));
    match rx.recv_timeout(limit) {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err(format!(
            "never finished: its threads were still blocked after {} s",
            limit.as_secs()
        )),
    }
}

/// `2 threads` or `LocalSet`.
pub fn runtime_label(runtime: Runtime) -> String {
    match runtime {
        Runtime::MultiThread { workers } => format!("{workers} threads"),
        Runtime::Local => "LocalSet".into(),
    }
}

fn parameters(spec: &Spec) -> std::collections::BTreeMap<String, String> {
    spec.parameters()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// A one-line description of a workload's size.
pub fn heading(spec: &Spec) -> String {
    match spec {
        Spec::Pipeline(w) => format!("{} stages, {} messages", w.stages, w.messages),
        Spec::Fanout(w) => format!(
            "tree depth {} arity {}, {} messages",
            w.depth, w.arity, w.messages
        ),
        Spec::Flow(w) => format!("{}, {} messages, {} hops", w.topology, w.messages, w.hops),
        Spec::Config(w) => format!(
            "{} readers × {} reads, a write every {} µs",
            w.readers, w.reads_per_reader, w.write_interval_us
        ),
        Spec::Chat(w) => format!(
            "{} sessions ({} at once), {} rooms, {} messages each, {}% disconnect",
            w.sessions, w.concurrent, w.rooms, w.messages_per_session, w.disconnect_percent
        ),
        Spec::Actors(w) => format!(
            "{} actors, {} peers each, {} letters each",
            w.actors, w.peers, w.messages_per_actor
        ),
        Spec::IdleWorker(w) => format!(
            "{} lone objects and {} pairs dropped on one worker, then {} operations elsewhere",
            w.lone, w.pairs, w.busy_ops
        ),
        _ => String::new(),
    }
}

fn notes(spec: &Spec) -> Vec<String> {
    match spec {
        Spec::IdleWorker(_) => vec![
            "stranded: garbage still in flight after the worker parked and the other threads \
             ran on and collected"
                .into(),
        ],
        Spec::Chat(_) | Spec::Actors(_) => vec![
            "left on cycles: objects the workload itself counts as left on cycles of strong \
             handles"
                .into(),
        ],
        _ => Vec::new(),
    }
}
