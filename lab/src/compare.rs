//! `compare A.json B.json`: every figure of every row the two runs share, as the ratio B ÷ A,
//! with `*` where the two runs' ranges do not overlap (the figure moved past its spread).

use comfy_table::{presets::UTF8_HORIZONTAL_ONLY, Cell, CellAlignment, Table, TableComponent};

use crate::results::{Results, RowResults};
use crate::summary::{RowSummary, Spread};
use crate::units::wrap;

/// Reads one figure from a row's summary.
type Figure = fn(&RowSummary) -> Option<Spread>;

/// The figures compared, with how each is read from a row.
const FIGURES: &[(&str, Figure)] = &[
    ("throughput", |s| s.throughput),
    ("latency p99", |s| s.latency_p99_ns),
    ("garbage peak", |s| s.garbage_peak),
    ("leaked", |s| s.leaked),
    ("peak heap", |s| s.peak_heap_bytes),
];

/// One figure of one row in both runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Workload.
    pub workload: String,
    /// Row label.
    pub row: String,
    /// Figure name.
    pub figure: &'static str,
    /// B's median ÷ A's (`None` when A's is 0 and B's is not).
    pub ratio: Option<f64>,
    /// Whether the ranges do not overlap.
    pub moved: bool,
}

fn same_row(a: &RowResults, b: &RowResults) -> bool {
    a.strategy == b.strategy
        && a.runtime == b.runtime
        && a.workers == b.workers
        && a.park_hook == b.park_hook
}

/// Every shared figure of `a` and `b`.
pub fn changes(a: &Results, b: &Results) -> Vec<Change> {
    let mut out = Vec::new();
    for wb in &b.workloads {
        let Some(wa) = a.workload(&wb.name) else {
            continue;
        };
        for rb in &wb.rows {
            let Some(ra) = wa.rows.iter().find(|ra| same_row(ra, rb)) else {
                continue;
            };
            for (figure, read) in FIGURES {
                let (Some(fa), Some(fb)) = (read(&ra.summary), read(&rb.summary)) else {
                    continue;
                };
                let ratio = if fa.median == 0.0 {
                    (fb.median == 0.0).then_some(1.0)
                } else {
                    Some(fb.median / fa.median)
                };
                out.push(Change {
                    workload: wb.name.clone(),
                    row: rb.label(),
                    figure,
                    ratio,
                    moved: !fa.overlaps(&fb),
                });
            }
        }
    }
    out
}

/// The comparison as text: one table per workload, a row per strategy and runtime, a column
/// per figure.
pub fn render(a: &Results, b: &Results, a_name: &str, b_name: &str) -> String {
    let all = changes(a, b);
    let mut out = format!("B ÷ A, A = {a_name}, B = {b_name}; * = the ranges do not overlap\n");
    let mut notes = Vec::new();
    if a.settings.repeat != b.settings.repeat || a.settings.seed != b.settings.seed {
        notes.push(format!(
            "the runs differ: {} and {} repetitions, seeds {} and {}",
            a.settings.repeat, b.settings.repeat, a.settings.seed, b.settings.seed
        ));
    }
    if a.environment.cpu_model != b.environment.cpu_model {
        notes.push(format!(
            "different CPUs: {} and {}",
            a.environment.cpu_model, b.environment.cpu_model
        ));
    }
    for wb in &b.workloads {
        match a.workload(&wb.name) {
            Some(wa) if wa.parameters != wb.parameters => notes.push(format!(
                "{}: the parameters differ, so the figures measure different work",
                wb.name
            )),
            None => notes.push(format!("{}: only in B", wb.name)),
            _ => {}
        }
    }
    for note in notes {
        out.push_str(&wrap(&format!("note: {note}"), 100, 2));
        out.push('\n');
    }
    let mut workloads: Vec<&str> = Vec::new();
    for c in &all {
        if !workloads.contains(&c.workload.as_str()) {
            workloads.push(&c.workload);
        }
    }
    for w in workloads {
        let mut table = Table::new();
        table
            .load_preset(UTF8_HORIZONTAL_ONLY)
            .remove_style(TableComponent::HorizontalLines)
            .remove_style(TableComponent::MiddleIntersections);
        let mut header = vec!["row"];
        header.extend(FIGURES.iter().map(|(f, _)| *f));
        table.set_header(header);
        let mut rows: Vec<&str> = Vec::new();
        for c in all.iter().filter(|c| c.workload == w) {
            if !rows.contains(&c.row.as_str()) {
                rows.push(&c.row);
            }
        }
        for row in rows {
            let mut cells = vec![Cell::new(row)];
            for (figure, _) in FIGURES {
                let text = all
                    .iter()
                    .find(|c| c.workload == w && c.row == row && c.figure == *figure)
                    .map_or("-".to_string(), |c| {
                        let r = c.ratio.map_or("new".to_string(), |r| format!("{r:.2}"));
                        if c.moved {
                            format!("{r} *")
                        } else {
                            r
                        }
                    });
                cells.push(Cell::new(text).set_alignment(CellAlignment::Right));
            }
            table.add_row(cells);
        }
        out.push_str(&format!("== {w}\n{table}\n"));
    }
    let moved = all.iter().filter(|c| c.moved).count();
    out.push_str(&format!(
        "{moved} of {} figures moved past their range between the two runs\n",
        all.len()
    ));
    out.push_str(&agreement(a, b).line());
    out.push('\n');
    out
}

/// How far two runs agree on what they are meant to repeat: the leak counts, and each
/// throughput ratio between two strategies of one workload and runtime.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Agreement {
    /// Rows of strategies that free memory, in both runs with a leak count.
    pub leak_rows: usize,
    /// Of them, rows whose leak counts (as min and max) differ, where the two runs did not
    /// both leak exactly what each repetition left on cycles (refcounting) or 0 (collectors).
    pub leaks_differ: Vec<String>,
    /// Pairs of rows (same workload and runtime) with a throughput in both runs.
    pub pairs: usize,
    /// Of them, pairs whose throughput ratio moved by more than [`RATIO_TOLERANCE`] and out of
    /// the range A's spreads allow.
    pub pairs_differ: Vec<String>,
}

/// A throughput ratio between two strategies agrees when B's is within this share of A's.
pub const RATIO_TOLERANCE: f64 = 0.10;

impl Agreement {
    /// One sentence, computed from the counts.
    pub fn line(&self) -> String {
        let leaks = if self.leaks_differ.is_empty() {
            format!(
                "leak counts agree on all {} rows (identical, or in every repetition of both \
                 runs what it left on cycles for refcounting and 0 for collectors)",
                self.leak_rows
            )
        } else {
            format!(
                "leak counts differ, beyond what each repetition left on cycles, on {} of {} \
                 rows ({})",
                self.leaks_differ.len(),
                self.leak_rows,
                self.leaks_differ.join(", ")
            )
        };
        let pct = RATIO_TOLERANCE * 100.0;
        let ratios = if self.pairs_differ.is_empty() {
            format!(
                "every throughput ratio between two strategies ({} pairs) within {pct:.0} % or \
                 inside the spread",
                self.pairs
            )
        } else {
            format!(
                "{} of {} throughput ratios between two strategies moved by more than {pct:.0} % \
                 and out of the spread ({})",
                self.pairs_differ.len(),
                self.pairs,
                self.pairs_differ.join(", ")
            )
        };
        wrap(&format!("agreement: {leaks}; {ratios}"), 100, 2)
    }
}

/// Compares the leak counts and the strategy-to-strategy throughput ratios of two runs.
pub fn agreement(a: &Results, b: &Results) -> Agreement {
    let mut out = Agreement::default();
    for wb in &b.workloads {
        let Some(wa) = a.workload(&wb.name) else {
            continue;
        };
        let both: Vec<(&RowResults, &RowResults)> = wb
            .rows
            .iter()
            .filter_map(|rb| {
                wa.rows
                    .iter()
                    .find(|ra| same_row(ra, rb))
                    .map(|ra| (ra, rb))
            })
            .collect();
        for (ra, rb) in &both {
            let Some(info) = b.strategies.iter().find(|s| s.name == rb.strategy) else {
                continue;
            };
            // `Leak` leaks whatever it allocated, which timed workloads vary.
            if !info.frees_memory {
                continue;
            }
            if let (Some(la), Some(lb)) = (ra.summary.leaked, rb.summary.leaked) {
                out.leak_rows += 1;
                let identical = (la.min, la.max) == (lb.min, lb.max);
                let expected = |r: &RowResults| {
                    r.repetitions.iter().all(|rep| {
                        let leaked = rep.run.report.counts.leaked;
                        if info.reclaims_cycles {
                            leaked == 0
                        } else {
                            leaked == rep.stats.left_on_cycles
                        }
                    })
                };
                let agree = identical || (expected(ra) && expected(rb));
                if !agree {
                    out.leaks_differ.push(format!(
                        "{} {} {}, then {}",
                        wb.name,
                        rb.label(),
                        crate::units::count_range(&la),
                        crate::units::count_range(&lb)
                    ));
                }
            }
        }
        for (i, (ai, bi)) in both.iter().enumerate() {
            for (aj, bj) in both.iter().skip(i + 1) {
                if ai.runtime != aj.runtime {
                    continue;
                }
                let (Some(tai), Some(tbi), Some(taj), Some(tbj)) = (
                    ai.summary.throughput,
                    bi.summary.throughput,
                    aj.summary.throughput,
                    bj.summary.throughput,
                ) else {
                    continue;
                };
                out.pairs += 1;
                let ra = tai.median / taj.median;
                let rb = tbi.median / tbj.median;
                let within = (rb / ra - 1.0).abs() <= RATIO_TOLERANCE;
                // Inside the spread: either run's ratio lies in the range the other run's
                // min–max ranges allow.
                let inside = (tai.min / taj.max <= rb && rb <= tai.max / taj.min)
                    || (tbi.min / tbj.max <= ra && ra <= tbi.max / tbj.min);
                if !within && !inside {
                    out.pairs_differ.push(format!(
                        "{} {} ÷ {}: {ra:.2} then {rb:.2}",
                        wb.name,
                        bi.label(),
                        bj.strategy
                    ));
                }
            }
        }
    }
    out
}
