//! The workload suite: which runs the command line asks for, running them, and one table per
//! workload.

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell as Col, CellAlignment, Table};
use indicatif::{ProgressBar, ProgressStyle};
use reclaimer_graph::workloads::Spec;
use reclaimer_graph::{baseline, run_named, GraphResult, Options, Runtime, StrategyName};

use crate::Cli;

/// One run of a workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunSpec {
    pub strategy: StrategyName,
    pub runtime: Runtime,
    pub park_hook: bool,
}

/// A workload and its runs.
#[derive(Clone, Debug)]
pub struct Planned {
    pub spec: Spec,
    pub runs: Vec<RunSpec>,
}

/// The runs the command line asks for.
pub fn plan(cli: &Cli) -> Result<Vec<Planned>, String> {
    let specs: Vec<Spec> = if cli.workloads.is_empty() {
        Spec::NAMES
            .iter()
            .map(|n| n.parse())
            .collect::<Result<_, _>>()?
    } else {
        cli.workloads.clone()
    };
    let strategies = if cli.strategies.is_empty() {
        StrategyName::all()
    } else {
        cli.strategies.clone()
    };
    let multi = Runtime::MultiThread {
        workers: usize::from(cli.workers),
    };
    let mut out = Vec::new();
    for spec in specs {
        let mut spec = spec.scaled(cli.scale);
        if let (Spec::Chat(chat), Some(sessions)) = (&mut spec, cli.sessions) {
            chat.sessions = sessions;
            chat.concurrent = chat.concurrent.min(sessions);
        }
        let idle = matches!(spec, Spec::IdleWorker(_));
        let mut runs = Vec::new();
        for &strategy in &strategies {
            let runtimes: Vec<Runtime> = match cli.runtime.as_str() {
                "local" => vec![Runtime::Local],
                "both" => vec![multi, Runtime::Local],
                _ if strategy.thread_safe() => vec![multi],
                _ => vec![Runtime::Local],
            };
            for runtime in runtimes {
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
                "{spec} runs on none of the strategies and runtimes asked for \
                 (idle-worker needs a thread-safe strategy on the multi-thread runtime)"
            ));
        }
        out.push(Planned { spec, runs });
    }
    Ok(out)
}

/// Runs the suite and prints each table as its workload finishes.
pub fn run(cli: &Cli) -> Result<(), String> {
    let mut failed = 0;
    let results = execute(cli, |table| println!("{table}"), &mut failed)?;
    if let Some(path) = &cli.json {
        let json = serde_json::to_string_pretty(&results).map_err(|e| e.to_string())?;
        std::fs::write(path, json).map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    if failed > 0 {
        return Err(format!("{failed} runs failed (see the tables)"));
    }
    Ok(())
}

/// Runs the suite; returns the tables.
#[cfg(test)]
pub fn tables(cli: &Cli) -> Result<Vec<String>, String> {
    let mut tables = Vec::new();
    let mut failed = 0;
    execute(cli, |t| tables.push(t), &mut failed)?;
    if failed > 0 {
        return Err(format!("{failed} runs failed: {tables:?}"));
    }
    Ok(tables)
}

fn execute(
    cli: &Cli,
    mut emit: impl FnMut(String),
    failed: &mut usize,
) -> Result<Vec<GraphResult>, String> {
    let plan = plan(cli)?;
    let total: usize = plan.iter().map(|p| p.runs.len()).sum();
    let bar = if cli.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {msg}")
            .map_err(|e| e.to_string())?,
    );
    let mut all = Vec::new();
    let mut stuck = Vec::new();
    for planned in &plan {
        let mut rows = Vec::new();
        for run in &planned.runs {
            bar.set_message(format!(
                "{} on {} ({})",
                planned.spec, run.strategy, run.runtime
            ));
            let options = Options {
                seed: cli.seed,
                budget: std::time::Duration::from_secs(cli.budget),
                park_hook: run.park_hook,
                untracked_pass: !cli.no_untracked_pass,
                ..Options::default()
            };
            let result = if stuck.contains(&run.strategy) {
                Err(format!(
                    "skipped: an earlier {} run never finished",
                    run.strategy
                ))
            } else {
                run_guarded(*run, &planned.spec, options, cli.budget)
            };
            if let Err(e) = &result {
                *failed += 1;
                if e.contains("never finished") {
                    stuck.push(run.strategy);
                }
            }
            rows.push((*run, result));
            bar.inc(1);
        }
        let mut note = describe(&planned.spec);
        if let Spec::Pipeline(p) = &planned.spec {
            if let Some((run, Ok(arc))) = rows
                .iter()
                .find(|(r, res)| r.strategy == StrategyName::of::<reclaimer::Arc>() && res.is_ok())
            {
                if let Ok(hand) = baseline::pipeline(p, run.runtime) {
                    note.push_str(&format!(
                        "\nhand-written tokio pipeline, Box payloads: {}; runner with Arc ÷ hand-written = {:.2}",
                        rate(hand.per_second),
                        arc.throughput().per_second / hand.per_second
                    ));
                }
            }
        }
        let table = render(&planned.spec, &rows);
        bar.suspend(|| ());
        emit(format!("{}\n{table}\n{note}\n", heading(&planned.spec)));
        all.extend(rows.into_iter().filter_map(|(_, r)| r.ok()));
    }
    bar.finish_and_clear();
    Ok(all)
}

/// Runs one run on its own thread and waits at most twice its budget plus half a minute. A run
/// whose worker threads block (so its runtime's timer cannot fire) is reported and left
/// behind instead of hanging the suite.
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
        .spawn(move || {
            let _ = tx.send(run_named(run.strategy, run.runtime, &spec, &options));
        })
        .map_err(|e| e.to_string())?;
    let limit = std::time::Duration::from_secs(budget_secs.saturating_mul(2).saturating_add(30));
    match rx.recv_timeout(limit) {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err(format!(
            "never finished: its threads were still blocked after {} s",
            limit.as_secs()
        )),
    }
}

fn heading(spec: &Spec) -> String {
    let params: Vec<String> = match spec {
        Spec::Pipeline(w) => vec![format!("{} stages, {} messages", w.stages, w.messages)],
        Spec::Fanout(w) => vec![format!("tree depth {} arity {}, {} messages", w.depth, w.arity, w.messages)],
        Spec::Flow(w) => vec![format!("{}, {} messages, {} hops", w.topology, w.messages, w.hops)],
        Spec::Config(w) => vec![format!("{} readers × {} reads, a write every {} µs", w.readers, w.reads_per_reader, w.write_interval_us)],
        Spec::Chat(w) => vec![format!(
            "{} sessions ({} at once), {} rooms, {} messages each, {}% disconnect",
            w.sessions, w.concurrent, w.rooms, w.messages_per_session, w.disconnect_percent
        )],
        Spec::Actors(w) => vec![format!("{} actors, {} peers each, {} letters each", w.actors, w.peers, w.messages_per_actor)],
        Spec::IdleWorker(w) => vec![format!("{} lone objects and {} pairs dropped on one worker, then {} operations on the main thread", w.lone, w.pairs, w.busy_ops)],
        _ => vec![],
    };
    format!("== {spec}: {}", params.join(", "))
}

fn describe(spec: &Spec) -> String {
    match spec {
        Spec::IdleWorker(_) => "stranded: garbage still in flight after the worker parked and the main thread ran on and collected".into(),
        Spec::Chat(_) | Spec::Actors(_) => "left on cycles: objects the workload itself counts as left on cycles of strong handles".into(),
        _ => String::new(),
    }
}

fn rate(per_second: f64) -> String {
    if per_second >= 1e6 {
        format!("{:.2} M/s", per_second / 1e6)
    } else {
        format!("{:.0} k/s", per_second / 1e3)
    }
}

fn ns(ns: u64) -> String {
    match ns {
        0..=9_999 => format!("{ns} ns"),
        10_000..=9_999_999 => format!("{:.1} µs", ns as f64 / 1e3),
        _ => format!("{:.1} ms", ns as f64 / 1e6),
    }
}

fn mib(bytes: Option<u64>) -> String {
    bytes.map_or("-".into(), |b| {
        format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0))
    })
}

fn render(spec: &Spec, rows: &[(RunSpec, Result<GraphResult, String>)]) -> String {
    let idle = matches!(spec, Spec::IdleWorker(_));
    let mut header = vec![
        "strategy",
        "runtime",
        "throughput",
        "tracked ÷ untracked",
        "latency p50",
        "latency p99",
        "garbage peak",
        "leaked",
        "late",
        "left on cycles",
        "peak heap",
    ];
    if idle {
        header.splice(2..2, ["park hook", "stranded"]);
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(header);
    for (run, result) in rows {
        let runtime = match run.runtime {
            Runtime::MultiThread { workers } => format!("{workers} workers"),
            Runtime::Local => "LocalSet".into(),
        };
        let mut cells = vec![Col::new(run.strategy.name()), Col::new(runtime)];
        match result {
            Ok(r) => {
                let report = &r.run.report;
                let right = |s: String| Col::new(s).set_alignment(CellAlignment::Right);
                if idle {
                    cells.push(Col::new(if run.park_hook { "yes" } else { "no" }));
                    cells.push(right(
                        r.stats.stranded.map_or("-".into(), |s| s.to_string()),
                    ));
                }
                let tracked = r.tracked_throughput.per_second / r.throughput().per_second;
                cells.extend([
                    right(rate(r.throughput().per_second)),
                    right(format!("{tracked:.2}")),
                    right(ns(report.latency.ns.p50)),
                    right(ns(report.latency.ns.p99)),
                    right(report.garbage.peak_count.to_string()),
                    right(report.counts.leaked.to_string()),
                    right(report.counts.late.to_string()),
                    right(r.stats.left_on_cycles.to_string()),
                    right(mib(report
                        .memory
                        .peak_bytes
                        .zip(report.memory.start_bytes)
                        .map(|(peak, start)| peak.saturating_sub(start)))),
                ]);
            }
            Err(e) => cells.push(Col::new(format!("error: {e}"))),
        }
        table.add_row(cells);
    }
    table.to_string()
}
