//! `list`: the workloads with their default parameters, and the strategies with what they can
//! run.

use reclaimer_graph::workloads::Spec;
use reclaimer_graph::StrategyName;

use crate::units::wrap;

/// The listing.
pub fn render() -> String {
    let mut out = String::from("workloads (default parameters; a workload file may set each):\n");
    for name in Spec::NAMES {
        let Ok(spec) = name.parse::<Spec>() else {
            continue;
        };
        let params: Vec<String> = spec
            .parameters()
            .into_iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect();
        let runtimes = if matches!(spec, Spec::IdleWorker(_)) {
            "multi-thread runtime only"
        } else {
            "multi-thread runtime and LocalSet"
        };
        out.push_str(&wrap(
            &format!("  {name} ({runtimes}): {}", params.join(", ")),
            100,
            6,
        ));
        out.push('\n');
    }
    out.push_str("strategies (give either name):\n");
    for s in StrategyName::all() {
        let feature = reclaimer::strategy::names()
            .into_iter()
            .find(|n| n.parse::<StrategyName>().ok() == Some(s))
            .unwrap_or("");
        let runs = if s.thread_safe() {
            "every workload, on both runtimes"
        } else {
            "every workload but idle-worker, on the LocalSet only (its handles are not Send)"
        };
        let cycles = if !s.frees_memory() {
            "never frees"
        } else if s.reclaims_cycles() {
            "reclaims cycles"
        } else {
            "leaks cycles"
        };
        out.push_str(&wrap(
            &format!("  {} ({feature}): {cycles}; runs {runs}", s.name()),
            100,
            6,
        ));
        out.push('\n');
    }
    out
}
