//! The task graph's own costs, as ratios measured in one process, interleaved, median of
//! repetitions; then what the park hook costs a parking worker; then each workload at a small
//! size per strategy under criterion.
//!
//! ```text
//! cargo bench --bench graph                        # every section
//! cargo bench --bench graph -- baseline            # runner with Arc ÷ hand-written pipeline
//! cargo bench --bench graph -- tracking            # tracked ÷ untracked pass, per workload
//! cargo bench --bench graph -- park-hook           # reclaimer::on_park::<S>() per strategy
//! cargo bench --bench graph -- graph/              # the criterion groups graph/<workload>/<strategy>
//! cargo bench --bench graph -- graph/pipeline/     # one workload, with the hand-written baseline
//! ```
//!
//! - `baseline`: `pipeline` at its default size (8 stages, 30 000 messages of 64 bytes), and
//!   with ten times the messages, run by the runner with `Arc` on two workers, against
//!   `reclaimer_graph::baseline::pipeline`, the same work written by hand with tokio and `Box`
//!   payloads. Each of 41 repetitions runs both, in alternating order; the ratio is the runner's *reported* throughput (its untracked pass,
//!   see `docs/metrics.md`) ÷ the hand-written one's. Target ≥ 0.8.
//! - `tracking`: every workload at its default size with `Arc` on two workers (the local
//!   runtime for none: `idle-worker` needs two workers anyway). Each repetition is one run of
//!   the runner, which times an untracked pass and then a tracked pass; the ratio is tracked ÷
//!   untracked throughput. The runner *reports* the untracked pass's throughput, so the
//!   reported figure's ratio to the untracked one is 1 by construction; this ratio is what
//!   tracking would cost if the tracked pass were reported. The passes always run in the same
//!   order (untracked first).
//! - `park-hook`: `reclaimer::on_park::<S>()` called in a loop on one thread, each call timed,
//!   with nothing pending, and for `Epoch` with one object retired before each call (the last
//!   handle to a fresh object dropped) and for `SyncGc` with one dropped cycle (a node pointing
//!   at itself, its handle dropped) before each call. The time of an empty timed interval is
//!   subtracted. Medians and 99th percentiles of the per-call times.
//! - `graph/<workload>/<strategy>`: one `run_named` call per iteration at the workload's small
//!   size (`Spec::small`), tracked pass only (`untracked_pass: false`): runtime, workload,
//!   ledger, sampler and final collect. Thread-safe strategies on two workers, `Gc` on the
//!   local runtime. `graph/pipeline/baseline` is `reclaimer_graph::baseline::pipeline` at the
//!   same size on two workers: the hand-written tokio pipeline, runtime start and stop included,
//!   with no ledger, sampler or collect.

use std::hint::black_box;
use std::time::{Duration, Instant};

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell as Col, CellAlignment, Table};
use criterion::Criterion;
use reclaimer::{OptionCell, Shared, Strategy, Trace};
use reclaimer_graph::workloads::{Pipeline, Spec};
use reclaimer_graph::{baseline, run_multi_thread, run_named, Options, Runtime, StrategyName};

/// Repetitions of each tracked ÷ untracked ratio.
const REPS: usize = 11;
/// Repetitions of runner ÷ baseline (a pipeline run lasts tens of milliseconds).
const BASELINE_REPS: usize = 41;
/// Calls of the park hook per strategy and case.
const PARK_CALLS: usize = 20_000;

const TWO: Runtime = Runtime::MultiThread { workers: 2 };

/// The 25th, 50th and 75th percentiles.
fn quartiles(mut values: Vec<f64>) -> [f64; 3] {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    [at(0.25), at(0.5), at(0.75)]
}

fn right(s: String) -> Col {
    Col::new(s).set_alignment(CellAlignment::Right)
}

fn rate(per_second: f64) -> String {
    format!("{:.0} k/s", per_second / 1e3)
}

fn runner_vs_baseline() {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "pair",
        "hand-written",
        "runner (Arc)",
        "ratio (median)",
        "ratio q1–q3",
        "target",
        "meets",
    ]);
    let default = Pipeline::default();
    let long = Pipeline {
        messages: default.messages * 10,
        ..default
    };
    for p in [default, long] {
        let options = Options::default();
        let runner = || {
            run_multi_thread::<reclaimer::Arc, _>(&p, 2, &options)
                .expect("the pipeline runs")
                .throughput()
                .per_second
        };
        let hand = || {
            baseline::pipeline(&p, TWO)
                .expect("the baseline runs")
                .per_second
        };
        // Warm both once.
        runner();
        hand();
        let (mut ours, mut theirs, mut ratios) = (vec![], vec![], vec![]);
        for rep in 0..BASELINE_REPS {
            let (r, h) = if rep % 2 == 0 {
                let r = runner();
                (r, hand())
            } else {
                let h = hand();
                (runner(), h)
            };
            ours.push(r);
            theirs.push(h);
            ratios.push(r / h);
        }
        let q = quartiles(ratios);
        table.add_row(vec![
            Col::new(format!(
                "pipeline {} stages × {} messages, 2 workers",
                p.stages, p.messages
            )),
            right(rate(quartiles(theirs)[1])),
            right(rate(quartiles(ours)[1])),
            right(format!("{:.3}", q[1])),
            right(format!("{:.3}–{:.3}", q[0], q[2])),
            right("≥ 0.80".into()),
            Col::new(if q[1] >= 0.8 { "yes" } else { "no" }),
        ]);
        eprintln!("measured baseline/{}", p.messages);
    }
    println!("{table}");
    println!(
        "ratio = runner's reported throughput ÷ hand-written throughput per repetition; \
         {BASELINE_REPS} repetitions, interleaved."
    );
}

fn tracking(filter: &[String]) {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "workload (Arc, 2 workers)",
        "untracked",
        "tracked",
        "tracked ÷ untracked (median)",
        "q1–q3",
        "reported ÷ untracked",
    ]);
    for name in Spec::NAMES {
        if !filter.is_empty()
            && !filter
                .iter()
                .any(|f| f == "tracking" || name.contains(f.as_str()))
        {
            continue;
        }
        let spec: Spec = name.parse().expect("a listed name parses");
        let run = || {
            let r = run_named(
                StrategyName::of::<reclaimer::Arc>(),
                TWO,
                &spec,
                &Options::default(),
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
            (r.throughput().per_second, r.tracked_throughput.per_second)
        };
        run();
        let (mut untracked, mut tracked, mut ratios) = (vec![], vec![], vec![]);
        for _ in 0..REPS {
            let (u, t) = run();
            untracked.push(u);
            tracked.push(t);
            ratios.push(t / u);
        }
        let q = quartiles(ratios);
        table.add_row(vec![
            Col::new(*name),
            right(rate(quartiles(untracked)[1])),
            right(rate(quartiles(tracked)[1])),
            right(format!("{:.3}", q[1])),
            right(format!("{:.3}–{:.3}", q[0], q[2])),
            right("1 (by construction)".into()),
        ]);
        eprintln!("measured tracking/{name}");
    }
    println!("{table}");
    println!(
        "each repetition is one run: an untracked pass, then a tracked pass; {REPS} repetitions."
    );
}

/// A node that can point at itself.
#[derive(Trace)]
struct Node<S: Strategy> {
    next: OptionCell<S, Node<S>>,
}

/// What is left pending before each call.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pending {
    Nothing,
    /// One object whose last handle was dropped (`Epoch` retires it).
    Retired,
    /// One node pointing at itself, its handle dropped (a cycle candidate for `SyncGc`).
    Cycle,
}

/// Median and 99th percentile, in ns, of one `on_park::<S>()` call after `pending`.
fn park_calls<S: Strategy>(pending: Pending, empty_ns: f64) -> (f64, f64)
where
    u64: reclaimer::Shareable<S>,
    Node<S>: reclaimer::Shareable<S>,
{
    let mut times = Vec::with_capacity(PARK_CALLS);
    for i in 0..PARK_CALLS {
        match pending {
            Pending::Nothing => {}
            Pending::Retired => drop(black_box(Shared::<S, u64>::new(i as u64))),
            Pending::Cycle => {
                let node = Shared::<S, _>::new(Node {
                    next: OptionCell::empty(),
                });
                node.next.store(Some(node.clone()));
                drop(black_box(node));
            }
        }
        let start = Instant::now();
        reclaimer::on_park::<S>();
        times.push(start.elapsed().as_nanos() as f64);
    }
    reclaimer::collect::<S>();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    (
        (at(0.5) - empty_ns).max(0.0),
        (at(0.99) - empty_ns).max(0.0),
    )
}

fn park_hook() {
    let mut empty: Vec<f64> = (0..PARK_CALLS)
        .map(|_| {
            let start = Instant::now();
            black_box(());
            start.elapsed().as_nanos() as f64
        })
        .collect();
    empty.sort_by(f64::total_cmp);
    let empty_ns = empty[empty.len() / 2];
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "strategy",
        "pending before each call",
        "what the hook does",
        "ns per call (median)",
        "p99 ns",
    ]);
    let mut row = |strategy: &str, pending: &str, does: &str, (p50, p99): (f64, f64)| {
        table.add_row(vec![
            Col::new(strategy),
            Col::new(pending),
            Col::new(does),
            right(format!("{p50:.0}")),
            right(format!("{p99:.0}")),
        ]);
    };
    use reclaimer::{Arc, Epoch, Gc, Leak, RwLockArc, SyncGc};
    let nothing = Pending::Nothing;
    row(
        "Arc",
        "nothing",
        "nothing",
        park_calls::<Arc>(nothing, empty_ns),
    );
    row(
        "RwLockArc",
        "nothing",
        "nothing",
        park_calls::<RwLockArc>(nothing, empty_ns),
    );
    row(
        "Gc",
        "nothing",
        "nothing",
        park_calls::<Gc>(nothing, empty_ns),
    );
    row(
        "Leak",
        "nothing",
        "nothing",
        park_calls::<Leak>(nothing, empty_ns),
    );
    row(
        "Epoch",
        "nothing",
        "Epoch::flush",
        park_calls::<Epoch>(nothing, empty_ns),
    );
    row(
        "Epoch",
        "one retired object",
        "Epoch::flush",
        park_calls::<Epoch>(Pending::Retired, empty_ns),
    );
    row(
        "SyncGc",
        "nothing",
        "SyncGc::collect",
        park_calls::<SyncGc>(nothing, empty_ns),
    );
    row(
        "SyncGc",
        "one dropped cycle",
        "SyncGc::collect",
        park_calls::<SyncGc>(Pending::Cycle, empty_ns),
    );
    println!("{table}");
    println!(
        "{PARK_CALLS} calls per row on one thread, each timed; an empty timed interval \
         ({empty_ns:.0} ns) subtracted."
    );
}

fn criterion_groups(filter: &[String]) {
    // 10 000 bootstrap resamples rather than 100 000: the HTML report plots a density estimate
    // of each bootstrap distribution, which at 100 000 takes seconds per benchmark.
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .nresamples(10_000);
    let options = Options {
        untracked_pass: false,
        ..Options::default()
    };
    for name in Spec::NAMES {
        let spec = name.parse::<Spec>().expect("a listed name parses").small();
        let group_name = format!("graph/{name}");
        let selected = |s: &str| {
            filter.is_empty()
                || filter
                    .iter()
                    .any(|f| format!("{group_name}/{s}").contains(f.as_str()))
        };
        let mut group = c.benchmark_group(&group_name);
        for strategy in StrategyName::all() {
            let runtime = if strategy.thread_safe() {
                TWO
            } else {
                Runtime::Local
            };
            if !spec.supports(strategy, runtime) || !selected(strategy.name()) {
                continue;
            }
            group.bench_function(strategy.name(), |b| {
                b.iter(|| {
                    run_named(strategy, runtime, &spec, &options)
                        .unwrap_or_else(|e| panic!("{spec} on {strategy}: {e}"))
                })
            });
        }
        if let (Spec::Pipeline(p), true) = (&spec, selected("baseline")) {
            group.bench_function("baseline", |b| {
                b.iter(|| baseline::pipeline(p, TWO).expect("the baseline runs"))
            });
        }
        group.finish();
    }
    c.final_summary();
}

fn main() {
    // `cargo bench` passes `--bench`; anything else selects sections or criterion benches.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wants = |section: &str| filter.is_empty() || filter.iter().any(|f| f == section);
    if wants("baseline") {
        runner_vs_baseline();
    }
    if wants("tracking") {
        tracking(&[]);
    } else if !filter.is_empty() && filter.iter().any(|f| f.starts_with("tracking/")) {
        let names: Vec<String> = filter
            .iter()
            .filter_map(|f| f.strip_prefix("tracking/").map(str::to_string))
            .collect();
        tracking(&names);
    }
    if wants("park-hook") {
        park_hook();
    }
    let graph: Vec<String> = filter
        .iter()
        .filter(|f| f.starts_with("graph/"))
        .cloned()
        .collect();
    if filter.is_empty() || !graph.is_empty() {
        criterion_groups(&graph);
    }
}
