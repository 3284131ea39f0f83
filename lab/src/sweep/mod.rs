//! `sweep`: how each strategy's figures grow along one axis at a time: the live heap (`chat`
//! sessions, `actors` actors), the worker threads, and the share of sessions that disconnect
//! (how much garbage is cyclic). Every point runs every row as `run` does (repeated,
//! interleaved, tracked and untracked passes alternating); each figure gets a growth line
//! fitted on log–log axes per strategy. `page.rs` draws and writes the report.

mod estimate;
pub mod fit;
pub mod page;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use reclaimer_graph::workloads::{Actors, Chat, Spec};
use reclaimer_graph::{Runtime, StrategyName};
use serde::{Deserialize, Serialize};

use crate::cli::SweepArgs;
use crate::execute;
use crate::plan::{Plan, Planned, RunSpec};
use crate::results::{LabEnvironment, Settings};
use crate::summary::{RowSummary, Spread};

use estimate::{seconds, size, Growth};

pub use self::fit::Fit;

/// The format tag of `sweep/results.json`.
pub const FORMAT: &str = "reclaimer-lab-sweep";
/// Its version.
pub const VERSION: u32 = 1;

/// What one sweep measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepResults {
    /// [`FORMAT`].
    pub format: String,
    /// [`VERSION`].
    pub version: u32,
    /// Whether every run of every point succeeded.
    pub complete: bool,
    /// The command line.
    pub command: Vec<String>,
    /// When it started, seconds since the Unix epoch.
    pub started_unix_s: u64,
    /// The time it took, seconds.
    pub wall_s: f64,
    /// The time estimated before it started, seconds.
    pub estimated_s: f64,
    /// The machine and build.
    pub environment: LabEnvironment,
    /// Repetitions of every row at every point.
    pub repeat: u32,
    /// The seed.
    pub seed: u64,
    /// Whether it was `sweep --quick`.
    pub quick: bool,
    /// One series per axis and workload.
    pub series: Vec<Series>,
}

/// The axes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Axis {
    /// The live heap: `chat` sessions (a tenth of them connected at once) and `actors` actors,
    /// every strategy on the LocalSet.
    Heap,
    /// Worker threads of the multi-thread runtime, thread-safe strategies, on `chat`.
    Threads,
    /// The percentage of `chat` sessions that disconnect instead of leaving, on the LocalSet.
    Cyclic,
}

impl Axis {
    /// Its name in file names and flags.
    pub fn name(self) -> &'static str {
        match self {
            Axis::Heap => "heap",
            Axis::Threads => "threads",
            Axis::Cyclic => "cyclic",
        }
    }
}

/// One axis on one workload: its points and the fitted growth lines.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// The axis.
    pub axis: Axis,
    /// The workload.
    pub workload: String,
    /// What x is (`sessions`, `worker threads`, `% disconnecting`).
    pub x_label: String,
    /// The runtime the rows ran on (`LocalSet`, or `multi-thread` with x workers).
    pub runtime: String,
    /// What the reader must know about this series.
    pub notes: Vec<String>,
    /// The points, by increasing x.
    pub points: Vec<Point>,
    /// A growth line per strategy and figure, where at least three points have positive x
    /// and positive medians.
    pub fits: Vec<Fit>,
}

/// One x of a series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// The value on the axis.
    pub x: f64,
    /// The workload's parameters at this point.
    pub parameters: BTreeMap<String, String>,
    /// One row per strategy.
    pub rows: Vec<PointRow>,
}

/// One strategy at one point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointRow {
    /// The strategy.
    pub strategy: String,
    /// The figures over the repetitions.
    pub summary: RowSummary,
    /// Objects leaked, per successful repetition.
    pub leaked: Vec<u64>,
    /// Objects the workload counted as left on cycles, per successful repetition.
    pub left_on_cycles: Vec<u64>,
    /// Why the other repetitions failed.
    pub errors: Vec<String>,
}

/// A figure the sweep plots and fits.
#[derive(Clone, Copy, Debug)]
pub struct Figure {
    /// Its id in file names and `results.json`.
    pub id: &'static str,
    /// Its name in titles and sentences.
    pub title: &'static str,
    /// The unit of its axis.
    pub unit: &'static str,
    /// Its value in a row's summary.
    pub get: fn(&RowSummary) -> Option<Spread>,
    /// The value as plotted (bytes as MiB, and so on).
    pub scale: f64,
}

/// Every figure, in the order the page shows them.
pub const FIGURES: &[Figure] = &[
    Figure {
        id: "throughput",
        title: "throughput",
        unit: "operations per second",
        get: |s| s.throughput,
        scale: 1.0,
    },
    Figure {
        id: "latency-p99",
        title: "reclamation latency p99",
        unit: "µs",
        get: |s| s.latency_p99_ns,
        scale: 1e-3,
    },
    Figure {
        id: "garbage-peak",
        title: "garbage in flight, peak",
        unit: "objects",
        get: |s| s.garbage_peak,
        scale: 1.0,
    },
    Figure {
        id: "peak-heap",
        title: "peak heap",
        unit: "MiB",
        get: |s| s.peak_heap_bytes,
        scale: 1.0 / (1024.0 * 1024.0),
    },
    Figure {
        id: "leaked",
        title: "leaked",
        unit: "objects",
        get: |s| s.leaked,
        scale: 1.0,
    },
    Figure {
        id: "final-collect",
        title: "final collection pause",
        unit: "µs",
        get: |s| s.final_collect_ns,
        scale: 1e-3,
    },
    Figure {
        id: "op-p999",
        title: "handle operation p99.9 (holds the collections a crate runs on its own)",
        unit: "µs",
        get: |s| s.op_p999_ns,
        scale: 1e-3,
    },
];

/// The default points of each axis.
pub struct Axes {
    /// `chat` sessions.
    pub sessions: Vec<u32>,
    /// `actors` actors.
    pub actors: Vec<u32>,
    /// Worker threads.
    pub threads: Vec<u16>,
    /// Percent of sessions disconnecting.
    pub disconnect: Vec<u32>,
    /// The `chat` size of the threads and cyclic axes (sessions).
    pub chat_sessions: u32,
}

impl Axes {
    /// The defaults: the full sweep, or the `--quick` one.
    pub fn defaults(quick: bool) -> Axes {
        if quick {
            Axes {
                sessions: vec![300, 1_000, 3_000],
                actors: vec![100, 300, 1_000],
                threads: vec![1, 2, 4],
                disconnect: vec![0, 50, 100],
                chat_sessions: 600,
            }
        } else {
            Axes {
                sessions: vec![1_000, 3_000, 10_000, 30_000, 100_000],
                actors: vec![300, 1_000, 3_000, 10_000, 30_000],
                threads: vec![1, 2, 4, 8],
                disconnect: vec![0, 25, 50, 100],
                chat_sessions: 2_000,
            }
        }
    }
}

/// A `chat` of `sessions` sessions, a tenth of them (at least one) connected at once.
fn chat(sessions: u32) -> Chat {
    Chat {
        sessions,
        concurrent: (sessions / 10).max(1),
        ..Chat::default()
    }
}

/// One series to run: its points' specs and runtimes.
struct Planned1 {
    axis: Axis,
    workload: String,
    x_label: String,
    runtime: String,
    notes: Vec<String>,
    points: Vec<(f64, Spec, Runtime)>,
}

fn plan(args: &SweepArgs, cores: usize) -> Result<(Vec<Planned1>, Vec<StrategyName>), String> {
    let defaults = Axes::defaults(args.quick);
    let axes: Vec<Axis> = if args.axes.is_empty() {
        vec![Axis::Heap, Axis::Threads, Axis::Cyclic]
    } else {
        args.axes.clone()
    };
    let strategies = if args.strategies.is_empty() {
        StrategyName::all()
    } else {
        args.strategies.clone()
    };
    let pick = |given: &Vec<u32>, default: &Vec<u32>| {
        let mut v = if given.is_empty() {
            default.clone()
        } else {
            given.clone()
        };
        v.sort_unstable();
        v.dedup();
        v
    };
    let sessions = pick(&args.sessions, &defaults.sessions);
    let actors = pick(&args.actors, &defaults.actors);
    let disconnect = pick(&args.disconnect, &defaults.disconnect);
    let mut threads = if args.threads.is_empty() {
        defaults.threads.clone()
    } else {
        args.threads.clone()
    };
    threads.sort_unstable();
    threads.dedup();
    if let Some(d) = disconnect.iter().find(|&&d| d > 100) {
        return Err(format!("--disconnect {d}: a percentage is 0 to 100"));
    }
    let chat_sessions = args.chat_sessions.unwrap_or(defaults.chat_sessions);
    let mut series = Vec::new();
    for axis in axes {
        match axis {
            Axis::Heap => {
                series.push(Planned1 {
                    axis,
                    workload: "chat".into(),
                    x_label: "sessions".into(),
                    runtime: "LocalSet".into(),
                    notes: vec![format!(
                        "a tenth of the sessions are connected at once; {} % disconnect, \
                         leaving themselves and their rooms on cycles",
                        chat(1).disconnect_percent
                    )],
                    points: sessions
                        .iter()
                        .map(|&n| (f64::from(n), Spec::Chat(chat(n)), Runtime::Local))
                        .collect(),
                });
                series.push(Planned1 {
                    axis,
                    workload: "actors".into(),
                    x_label: "actors".into(),
                    runtime: "LocalSet".into(),
                    notes: vec!["every actor is on a cycle of peers when the run ends".into()],
                    points: actors
                        .iter()
                        .map(|&n| {
                            let spec = Spec::Actors(Actors {
                                actors: n,
                                ..Actors::default()
                            });
                            (f64::from(n), spec, Runtime::Local)
                        })
                        .collect(),
                });
            }
            Axis::Threads => {
                let mut notes = Vec::new();
                let over: Vec<String> = threads
                    .iter()
                    .filter(|&&t| usize::from(t) > cores)
                    .map(u16::to_string)
                    .collect();
                if !over.is_empty() {
                    notes.push(format!(
                        "at {} worker threads the runtime has more threads than this machine's \
                         {cores} cores: they take turns, so those points measure contention for \
                         cores as much as scaling",
                        over.join(" and ")
                    ));
                }
                series.push(Planned1 {
                    axis,
                    workload: "chat".into(),
                    x_label: "worker threads".into(),
                    runtime: "multi-thread".into(),
                    notes,
                    points: threads
                        .iter()
                        .map(|&t| {
                            (
                                f64::from(t),
                                Spec::Chat(chat(chat_sessions)),
                                Runtime::MultiThread {
                                    workers: usize::from(t),
                                },
                            )
                        })
                        .collect(),
                });
            }
            Axis::Cyclic => series.push(Planned1 {
                axis,
                workload: "chat".into(),
                x_label: "% of sessions disconnecting".into(),
                runtime: "LocalSet".into(),
                notes: vec![
                    "a disconnecting session leaves itself and its rooms on a cycle once the \
                     rooms close; a leaving one unlinks first"
                        .into(),
                ],
                points: disconnect
                    .iter()
                    .map(|&d| {
                        let spec = Spec::Chat(Chat {
                            disconnect_percent: d,
                            ..chat(chat_sessions)
                        });
                        (f64::from(d), spec, Runtime::Local)
                    })
                    .collect(),
            }),
        }
    }
    for s in &series {
        for (_, spec, _) in &s.points {
            spec.validate()?;
        }
        let runs = s
            .points
            .iter()
            .flat_map(|(_, spec, runtime)| {
                strategies
                    .iter()
                    .filter(move |&&st| spec.supports(st, *runtime))
            })
            .count();
        if runs == 0 {
            return Err(format!(
                "the {} axis runs none of the strategies asked for ({} needs a thread-safe \
                 strategy)",
                s.axis.name(),
                s.runtime
            ));
        }
    }
    Ok((series, strategies))
}

/// Runs `sweep` and writes its report.
pub fn run(args: &SweepArgs) -> Result<(), String> {
    crate::interrupt::install();
    let started = Instant::now();
    let started_unix_s = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let environment = LabEnvironment::detect();
    let (planned, strategies) = plan(args, environment.cores)?;
    let out = args.out.join("sweep");
    check_writable(&out)?;
    let repeat = args.repeat.unwrap_or(if args.quick {
        2
    } else {
        crate::plan::QUICK_REPEAT
    });
    let budget_s = args.budget.unwrap_or(60);

    // The estimate: each series' two smallest sizes timed once on `Arc`, a power law through
    // them (the large points cost more than their size: see `Growth`).
    let mut total_runs = 0u64;
    let mut estimated_s = 0.0;
    for s in &planned {
        let growth = Growth::calibrate(s.points.iter().map(|p| &p.1), budget_s);
        for (_, spec, runtime) in &s.points {
            let rows = strategies
                .iter()
                .filter(|&&st| spec.supports(st, *runtime))
                .count() as u64;
            total_runs += rows * u64::from(repeat);
            estimated_s += growth.as_ref().map_or(0.0, |g| g.at(size(spec)))
                * (rows * u64::from(repeat)) as f64;
        }
    }
    let points: usize = planned.iter().map(|s| s.points.len()).sum();
    println!(
        "sweep: {} series, {points} points, {total_runs} runs ({repeat} repetitions of each \
         row); estimated {} (each series' two smallest points timed once on Arc, a power law \
         through them; strategies differ)",
        planned.len(),
        seconds(estimated_s)
    );
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(total_runs), ProgressDrawTarget::stderr())
    };
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:24} {pos}/{len} runs, {elapsed} (about {eta} left) {msg}",
    ) {
        bar.set_style(style);
    }
    let plan_settings = Settings {
        repeat,
        seed: args.seed.unwrap_or(1),
        workers: 0,
        runtime: String::new(),
        scale: 1.0,
        quick: args.quick,
        budget_s,
        untracked_pass: true,
        config_file: None,
    };
    let context = Plan {
        workloads: Vec::new(),
        settings: plan_settings,
        leak_check: (0, 0),
        notes: Vec::new(),
        go_peer: false,
    };
    let mut stuck = Vec::new();
    let mut series = Vec::new();
    for s in planned {
        let mut points = Vec::new();
        for (x, spec, runtime) in &s.points {
            let runs: Vec<RunSpec> = strategies
                .iter()
                .filter(|&&st| spec.supports(st, *runtime))
                .map(|&strategy| RunSpec {
                    strategy,
                    runtime: *runtime,
                    park_hook: false,
                })
                .collect();
            let planned = Planned {
                spec: spec.clone(),
                runs,
            };
            let w = execute::run_workload(&context, &planned, &bar, &mut stuck);
            let rows = w
                .rows
                .into_iter()
                .map(|r| PointRow {
                    strategy: r.strategy,
                    leaked: r
                        .repetitions
                        .iter()
                        .map(|g| g.run.report.counts.leaked)
                        .collect(),
                    left_on_cycles: r
                        .repetitions
                        .iter()
                        .map(|g| g.stats.left_on_cycles)
                        .collect(),
                    summary: r.summary,
                    errors: r.errors,
                })
                .collect();
            points.push(Point {
                x: *x,
                parameters: w.parameters,
                rows,
            });
        }
        let fits = fit::all(&points);
        series.push(Series {
            axis: s.axis,
            workload: s.workload,
            x_label: s.x_label,
            runtime: s.runtime,
            notes: s.notes,
            points,
            fits,
        });
    }
    bar.finish_and_clear();
    let complete = series
        .iter()
        .flat_map(|s| &s.points)
        .flat_map(|p| &p.rows)
        .all(|r| r.errors.is_empty());
    let results = SweepResults {
        format: FORMAT.into(),
        version: VERSION,
        complete,
        command: std::env::args().collect(),
        started_unix_s,
        wall_s: started.elapsed().as_secs_f64(),
        estimated_s,
        environment,
        repeat,
        seed: context.settings.seed,
        quick: args.quick,
        series,
    };
    print!("{}", page::terminal(&results));
    let index = page::write(&results, &out)?;
    println!(
        "sweep report: {} (results.json, plots/); {} (estimated {})",
        index.display(),
        seconds(results.wall_s),
        seconds(results.estimated_s)
    );
    if !complete {
        return Err("some runs failed (see the report); the sweep is marked incomplete".into());
    }
    Ok(())
}

fn check_writable(dir: &Path) -> Result<(), String> {
    let parent: PathBuf = dir
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    std::fs::create_dir_all(&parent)
        .map_err(|e| format!("cannot write the sweep to {}: {e}", dir.display()))?;
    let probe = parent.join(format!(".sweep-probe-{}", std::process::id()));
    std::fs::create_dir_all(&probe)
        .and_then(|()| std::fs::remove_dir(&probe))
        .map_err(|e| format!("cannot write the sweep to {}: {e}", dir.display()))
}
