//! The lines under each workload's table, computed from its rows: who leaked and how much,
//! who was fastest on each runtime and by what ratio (only where the ranges do not overlap),
//! who held the most garbage in flight, and which rows' tracked pass fell below 0.9 of the
//! untracked one and what tracking added per object there.

use crate::results::{RowResults, WorkloadResults};
use crate::summary::Spread;
use crate::units;

/// The target of BLUEPRINT §7: tracked ÷ untracked throughput at least this.
pub const TRACKED_RATIO_TARGET: f64 = 0.9;

/// Every verdict line of `workload`.
pub fn of(workload: &WorkloadResults) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(line) = leaks(workload) {
        lines.push(line);
    }
    for multi in [true, false] {
        if let Some(line) = fastest(workload, multi) {
            lines.push(line);
        }
    }
    if let Some(line) = garbage(workload) {
        lines.push(line);
    }
    if let Some(line) = stranded(workload) {
        lines.push(line);
    }
    if let Some(line) = tracking(workload) {
        lines.push(line);
    }
    if let Some(b) = &workload.baseline {
        if let Some(ratio) = b.arc_ratio {
            lines.push(format!(
                "hand-written tokio pipeline (Box payloads, {}): {}; the runner with Arc ÷ \
                 hand-written = {ratio:.2}",
                b.runtime,
                units::with_pm(&b.throughput, units::rate)
            ));
        }
    }
    lines
}

/// Strategies in the order rows list them, each once.
fn strategies(workload: &WorkloadResults) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for row in &workload.rows {
        if !names.contains(&row.strategy.as_str()) {
            names.push(&row.strategy);
        }
    }
    names
}

/// Whether the strategy frees memory at all (`Leak` does not).
fn frees_memory(strategy: &str) -> bool {
    strategy
        .parse::<reclaimer_graph::StrategyName>()
        .map_or(true, |s| s.frees_memory())
}

/// The leaked count over every row of `strategy`, as one spread of all their repetitions.
fn leaked_of(workload: &WorkloadResults, strategy: &str) -> Option<Spread> {
    let values = workload
        .rows
        .iter()
        .filter(|r| r.strategy == strategy)
        .flat_map(|r| r.repetitions.iter())
        .map(|rep| rep.run.report.counts.leaked as f64);
    Spread::of(values)
}

/// Whether, in every repetition of every row of `strategy`, the leak count equals what the
/// workload counted as left on cycles.
fn leaks_match_cycles(workload: &WorkloadResults, strategy: &str) -> bool {
    workload
        .rows
        .iter()
        .filter(|r| r.strategy == strategy)
        .flat_map(|r| r.repetitions.iter())
        .all(|rep| rep.run.report.counts.leaked == rep.stats.left_on_cycles)
}

/// Repetitions of `strategy` (over its rows) that leaked more than the workload left on
/// cycles, and all its repetitions.
fn leaks_beyond_cycles(workload: &WorkloadResults, strategy: &str) -> (usize, usize) {
    let reps: Vec<_> = workload
        .rows
        .iter()
        .filter(|r| r.strategy == strategy)
        .flat_map(|r| r.repetitions.iter())
        .collect();
    let beyond = reps
        .iter()
        .filter(|rep| rep.run.report.counts.leaked > rep.stats.left_on_cycles)
        .count();
    (beyond, reps.len())
}

fn leaks(workload: &WorkloadResults) -> Option<String> {
    let mut leaking = Vec::new();
    let mut clean = Vec::new();
    let mut never_free = Vec::new();
    let mut all_match = true;
    for strategy in strategies(workload) {
        let Some(leaked) = leaked_of(workload, strategy) else {
            continue;
        };
        if !frees_memory(strategy) {
            never_free.push(format!("{strategy} ({})", units::count_range(&leaked)));
        } else if leaked.max == 0.0 {
            clean.push(strategy.to_string());
        } else {
            all_match &= leaks_match_cycles(workload, strategy);
            let (beyond, reps) = leaks_beyond_cycles(workload, strategy);
            let note = if beyond > 0 {
                format!(
                    " (more than the workload left on cycles in {beyond} of {reps} \
                     repetitions: frees lost, not cycles)"
                )
            } else {
                String::new()
            };
            leaking.push(format!("{strategy} {}{note}", units::count_range(&leaked)));
        }
    }
    if leaking.is_empty() && clean.is_empty() && never_free.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    if leaking.is_empty() {
        parts.push("leaked: none of the strategies that free memory".to_string());
    } else {
        let exact = if all_match {
            ", in every repetition exactly what the workload left on cycles"
        } else {
            ""
        };
        parts.push(format!("leaked: {}{exact}", leaking.join(", ")));
        if !clean.is_empty() {
            parts.push(format!("nothing: {}", clean.join(", ")));
        }
    }
    if !never_free.is_empty() {
        parts.push(format!("never frees: {}", never_free.join(", ")));
    }
    Some(parts.join("; "))
}

/// Rows of one runtime (all of `idle-worker`'s hook variants included), with a throughput.
fn runtime_rows(workload: &WorkloadResults, multi: bool) -> Vec<(&RowResults, Spread)> {
    workload
        .rows
        .iter()
        .filter(|r| r.is_multi() == multi)
        .filter_map(|r| r.summary.throughput.map(|t| (r, t)))
        .collect()
}

fn row_name(row: &RowResults) -> String {
    if row.park_hook {
        format!("{} with the park hook", row.strategy)
    } else {
        row.strategy.clone()
    }
}

fn fastest(workload: &WorkloadResults, multi: bool) -> Option<String> {
    let mut rows = runtime_rows(workload, multi);
    if rows.len() < 2 {
        return None;
    }
    rows.sort_by(|a, b| b.1.median.total_cmp(&a.1.median));
    let where_ = rows[0].0.runtime_label();
    let (top, top_t) = rows[0];
    let (next, next_t) = rows[1];
    if top_t.overlaps(&next_t) {
        let tied: Vec<String> = rows
            .iter()
            .filter(|(_, t)| t.overlaps(&top_t))
            .map(|(r, _)| row_name(r))
            .collect();
        Some(format!(
            "fastest on {where_}: within noise ({} have overlapping ranges); slowest: {}",
            tied.join(", "),
            slowest(&rows)
        ))
    } else {
        Some(format!(
            "fastest on {where_}: {}, {:.2}× the next ({}), ranges apart; slowest: {}",
            row_name(top),
            top_t.median / next_t.median,
            row_name(next),
            slowest(&rows)
        ))
    }
}

/// The slowest row and its ratio to the fastest, or "within noise" when their ranges overlap.
fn slowest(sorted: &[(&RowResults, Spread)]) -> String {
    let (top, top_t) = sorted[0];
    let (last, last_t) = sorted[sorted.len() - 1];
    if last_t.overlaps(&top_t) {
        return format!("{} (within noise of {})", row_name(last), row_name(top));
    }
    format!(
        "{} at {:.2}× the fastest",
        row_name(last),
        last_t.median / top_t.median
    )
}

fn garbage(workload: &WorkloadResults) -> Option<String> {
    let mut rows: Vec<(&RowResults, Spread)> = workload
        .rows
        .iter()
        .filter(|r| frees_memory(&r.strategy))
        .filter_map(|r| r.summary.garbage_peak.map(|g| (r, g)))
        .collect();
    if rows.is_empty() {
        return None;
    }
    rows.sort_by(|a, b| b.1.median.total_cmp(&a.1.median));
    let (top, peak) = rows[0];
    if peak.median == 0.0 {
        return Some("garbage in flight: none at any sample, for every strategy that frees".into());
    }
    let runner_up = rows
        .get(1)
        .map(|(r, g)| format!("; next: {} {}", r.label(), units::count(g.median)))
        .unwrap_or_default();
    Some(format!(
        "most garbage in flight: {}, peak {} {}{runner_up}",
        top.label(),
        units::count(peak.median),
        if peak.median == 1.0 {
            "object"
        } else {
            "objects"
        }
    ))
}

fn stranded(workload: &WorkloadResults) -> Option<String> {
    let with: Vec<String> = workload
        .rows
        .iter()
        .filter_map(|r| {
            let s = r.summary.stranded?;
            (s.max > 0.0 && frees_memory(&r.strategy)).then(|| {
                let hook = if r.park_hook { "with" } else { "without" };
                format!(
                    "{} {} {hook} the park hook",
                    r.strategy,
                    units::count_range(&s)
                )
            })
        })
        .collect();
    let any = workload.rows.iter().any(|r| r.summary.stranded.is_some());
    if !any {
        return None;
    }
    if with.is_empty() {
        return Some("stranded on the idle worker: nothing, for every strategy that frees".into());
    }
    Some(format!("stranded on the idle worker: {}", with.join(", ")))
}

fn tracking(workload: &WorkloadResults) -> Option<String> {
    let below: Vec<(&RowResults, f64)> = workload
        .rows
        .iter()
        .filter_map(|r| r.summary.tracked_ratio.map(|t| (r, t)))
        .filter(|(_, t)| *t < TRACKED_RATIO_TARGET)
        .collect();
    let measured = workload
        .rows
        .iter()
        .filter(|r| r.summary.tracked_ratio.is_some())
        .count();
    if measured == 0 {
        return None;
    }
    if below.is_empty() {
        return Some(format!(
            "tracked ÷ untracked: at least {TRACKED_RATIO_TARGET} on all {measured} rows"
        ));
    }
    let per_object: Vec<f64> = below
        .iter()
        .filter_map(|(r, _)| tracking_cost_per_object(r))
        .collect();
    let cost = Spread::of(per_object).map_or_else(String::new, |s| {
        format!(
            "; there tracking added {}–{} per tracked object (the ledger's id, record and \
             clock reads; docs/lab.md, Tracked ÷ untracked)",
            units::ns(s.min),
            units::ns(s.max)
        )
    });
    let rows: Vec<String> = below
        .iter()
        .map(|(r, t)| format!("{} {t:.2}", r.label()))
        .collect();
    Some(format!(
        "tracked ÷ untracked below {TRACKED_RATIO_TARGET} on {} of {measured} rows: {}{cost}",
        below.len(),
        rows.join(", ")
    ))
}

/// What the tracked pass added per tracked object: the difference of the two passes' time per
/// operation (medians), times operations per object. `None` without both passes or objects.
pub fn tracking_cost_per_object(row: &RowResults) -> Option<f64> {
    let s = &row.summary;
    let tracked = s.tracked_throughput?.median;
    let untracked = s.throughput?.median;
    s.tracked_ratio?;
    let objects = s.objects?.median;
    let operations = s.operations?.median;
    if tracked <= 0.0 || untracked <= 0.0 || objects <= 0.0 {
        return None;
    }
    let extra_per_op = 1e9 / tracked - 1e9 / untracked;
    Some((extra_per_op * operations / objects).max(0.0))
}
