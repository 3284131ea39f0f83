//! Every workload at a tiny size on every strategy and runtime it supports, small enough for
//! Miri to interpret (`.ci/miri-graph`): each run's ledger must balance, and what it leaked must
//! be what the strategy leaks (refcounting exactly what the workload left on cycles, the
//! collectors nothing, `Leak` everything). Natively the whole file takes about a second.

use std::time::Duration;

use reclaimer_graph::workloads::{Actors, Spec};
use reclaimer_graph::{run_named, Options, Runtime, StrategyName};

const RUNTIMES: [Runtime; 2] = [Runtime::MultiThread { workers: 2 }, Runtime::Local];

/// The tests' small size, scaled down a hundredfold (every count at least 1); `actors` also
/// with 8 actors instead of 60, since scaling keeps shapes (one run of 60 took Miri 100 s).
fn tiny(name: &str) -> Spec {
    match name.parse::<Spec>().unwrap().small().scaled(0.01) {
        Spec::Actors(actors) => Spec::Actors(Actors {
            actors: 8,
            ..actors
        }),
        spec => spec,
    }
}

fn check(name: &str) {
    let spec = tiny(name);
    let options = Options {
        // Under Miri time is its own clock, which advances with the work interpreted: keep the
        // budget and the sampler's wake-ups out of the way.
        budget: Duration::from_secs(24 * 3600),
        sample_interval: Duration::from_secs(1),
        untracked_pass: false,
        ..Options::default()
    };
    let mut runs = 0;
    for strategy in StrategyName::all() {
        for runtime in RUNTIMES {
            if !spec.supports(strategy, runtime) {
                continue;
            }
            let at = format!("{name} on {strategy}, {runtime}");
            let result = run_named(strategy, runtime, &spec, &options)
                .unwrap_or_else(|e| panic!("{at}: {e}"));
            let counts = &result.run.report.counts;
            counts.check().unwrap_or_else(|v| panic!("{at}: {v}"));
            assert!(counts.ended, "{at}: the run ended with a final collect");
            assert_eq!(counts.live, 0, "{at}");
            assert_eq!(counts.misuse, 0, "{at}");
            assert_eq!(result.stats.failed_tasks, 0, "{at}");
            assert_eq!(counts.allocated, result.stats.objects, "{at}");
            let expected = if !strategy.frees_memory() {
                counts.allocated
            } else if !strategy.reclaims_cycles() {
                result.stats.left_on_cycles
            } else {
                0
            };
            // Under `SyncGc` on two workers an acyclic message can be lost (dumpster 2.1's race,
            // `tests/workloads.rs`); the tiny runs send too few to meet it in practice.
            assert_eq!(counts.leaked, expected, "{at}: leaked");
            // Progress, seen with `--nocapture` (a run takes minutes under Miri).
            eprintln!(
                "{at}: {} objects, {} leaked",
                counts.allocated, counts.leaked
            );
            runs += 1;
        }
    }
    assert!(runs >= 5, "{name}: ran on {runs} strategy/runtime pairs");
}

#[test]
fn pipeline() {
    check("pipeline");
}

#[test]
fn fanout() {
    check("fanout");
}

#[test]
fn flow() {
    check("flow");
}

#[test]
fn config() {
    check("config");
}

#[test]
fn chat() {
    check("chat");
}

#[test]
fn chat_weak() {
    check("chat/weak");
}

#[test]
fn chat_owned() {
    check("chat/owned");
}

#[test]
fn actors() {
    check("actors");
}

#[test]
fn actors_weak() {
    check("actors/weak");
}

#[test]
fn idle_worker() {
    check("idle-worker");
}
