//! Known answers for results as data: a full run result survives a JSON round trip unchanged,
//! and its environment is filled in.

use std::time::Duration;

use reclaimer::metrics::{Environment, Ledger, RunResult, Throughput, Tracked};
use reclaimer::{Cell, Shared, Trace};

#[derive(Trace)]
struct Node {
    next: Cell<reclaimer::Arc, Option<Shared<reclaimer::Arc, Tracked<Node>>>>,
}

/// A report with something in every section: latencies, a leak, samples, pauses.
fn busy_report() -> reclaimer::metrics::Report {
    let ledger = Ledger::new();
    for i in 0..50u64 {
        let message = Shared::<reclaimer::Arc, _>::new(ledger.track().consumers(1).wrap(i));
        ledger.advance(i);
        Tracked::consumed(&message);
        ledger.op(|| drop(message));
    }
    let generation = ledger.generation();
    let a = Shared::<reclaimer::Arc, _>::new(ledger.track().generation(generation).wrap(Node {
        next: Cell::from_value(None),
    }));
    a.next.store(Shared::new(Some(a.clone())));
    drop(a);
    ledger.release_generation(generation);
    ledger.sample();
    ledger.collect::<reclaimer::Arc>();
    ledger.finish::<reclaimer::Arc>()
}

#[test]
fn run_result_round_trips_through_json() {
    let report = busy_report();
    assert!(report.counts.is_balanced());
    assert_eq!(report.counts.leaked, 1);
    assert_eq!(report.latency.ns.count, 50);
    assert!(!report.latency.cdf_ns.is_empty());

    let result = RunResult::new(
        "round-trip",
        Environment::detect().runtime("multi_thread", 2).seed(42),
        report,
    )
    .parameter("messages", 50)
    .throughput(Throughput::new(50, Duration::from_micros(123)));
    let json = result.to_json().unwrap();
    for field in [
        "\"environment\"",
        "\"crate_versions\"",
        "\"latency\"",
        "\"garbage\"",
        "\"leaks\"",
        "\"memory\"",
        "\"pauses\"",
        "\"p999\"",
        "\"seed\": 42",
    ] {
        assert!(json.contains(field), "{field} missing from {json}");
    }
    let back = RunResult::from_json(&json).unwrap();
    assert_eq!(back, result);
    assert_eq!(back.to_json().unwrap(), json);
}

#[test]
fn environment_records_cores_versions_and_profile() {
    let env = Environment::detect();
    assert!(env.cores >= 1);
    assert_eq!(env.allocator, "system");
    assert_eq!(env.tokio_flavor, None);
    for name in ["arc-swap", "crossbeam-epoch", "gc", "dumpster", "tokio"] {
        let version = &env.crate_versions[name];
        assert!(
            version == "unknown" || version.chars().next().unwrap().is_ascii_digit(),
            "{name}: {version}"
        );
    }
    // This repository has a lock file, so the versions of the default backends are known.
    assert_ne!(env.crate_versions["arc-swap"], "unknown");
    assert_ne!(env.crate_versions["dumpster"], "unknown");
    assert_eq!(env.debug_assertions, cfg!(debug_assertions));
    assert!(env.profile.starts_with(if cfg!(debug_assertions) {
        "debug/"
    } else {
        "release/"
    }));
    assert_eq!(env.reclaim_version, env!("CARGO_PKG_VERSION"));
}

#[test]
fn throughput_is_operations_per_second() {
    let t = Throughput::new(3, Duration::from_millis(1500));
    assert_eq!(t.per_second, 2.0);
    assert_eq!(t.wall_ns, 1_500_000_000);
    assert_eq!(Throughput::new(3, Duration::ZERO).per_second, 0.0);
}
