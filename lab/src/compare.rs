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
    out
}
