//! The columns of a workload's table, one definition for the terminal, Markdown and HTML: the
//! compact set that fits 100 columns, and the full set.

use crate::go_peer::PeerRow;
use crate::results::RowResults;
use crate::summary::Spread;
use crate::units::{self, or_dash};

/// One column: its header and how a row's cell reads.
pub struct Column {
    /// The header.
    pub header: &'static str,
    /// The cell of a row.
    pub cell: fn(&RowResults) -> String,
    /// Right-aligned (numbers).
    pub numeric: bool,
}

fn pm(s: Option<&Spread>, unit: fn(f64) -> String) -> String {
    or_dash(s, |s| units::with_pm(s, unit))
}

fn range(s: Option<&Spread>, unit: fn(f64) -> String) -> String {
    or_dash(s, |s| units::with_range(s, unit))
}

fn median(s: Option<&Spread>, unit: fn(f64) -> String) -> String {
    or_dash(s, |s| unit(s.median))
}

fn counts(s: Option<&Spread>) -> String {
    or_dash(s, units::count_range)
}

macro_rules! col {
    ($header:literal, $numeric:literal, |$r:ident| $body:expr) => {
        Column {
            header: $header,
            cell: |$r: &RowResults| $body,
            numeric: $numeric,
        }
    };
}

/// The columns of a table; `idle` adds the park hook and what stayed stranded.
pub fn columns(idle: bool, full: bool) -> Vec<Column> {
    let mut cols = vec![
        col!("strategy", false, |r| r.strategy.clone()),
        col!("runtime", false, |r| r.runtime_label()),
    ];
    if idle {
        cols.push(col!("hook", false, |r| if r.park_hook {
            "yes"
        } else {
            "no"
        }
        .into()));
        cols.push(col!("stranded", true, |r| counts(
            r.summary.stranded.as_ref()
        )));
    }
    if full {
        cols.extend([
            col!("throughput (range)", true, |r| range(
                r.summary.throughput.as_ref(),
                units::rate
            )),
            col!("tracked ÷ untracked", true, |r| r
                .summary
                .tracked_ratio
                .map_or("-".into(), |t| format!("{t:.2}"))),
            col!("latency p50", true, |r| median(
                r.summary.latency_p50_ns.as_ref(),
                units::ns
            )),
            col!("latency p99 (range)", true, |r| range(
                r.summary.latency_p99_ns.as_ref(),
                units::ns
            )),
            col!("p99.9", true, |r| median(
                r.summary.latency_p999_ns.as_ref(),
                units::ns
            )),
            col!("max", true, |r| median(
                r.summary.latency_max_ns.as_ref(),
                units::ns
            )),
            col!("p99 (ops)", true, |r| median(
                r.summary.latency_p99_ops.as_ref(),
                units::count
            )),
            col!("garbage peak", true, |r| range(
                r.summary.garbage_peak.as_ref(),
                units::count
            )),
            col!("garbage mean", true, |r| median(
                r.summary.garbage_mean.as_ref(),
                |m| format!("{m:.1}")
            )),
            col!("leaked", true, |r| counts(r.summary.leaked.as_ref())),
            col!("late", true, |r| counts(r.summary.late.as_ref())),
            col!("left on cycles", true, |r| counts(
                r.summary.left_on_cycles.as_ref()
            )),
            col!("peak heap", true, |r| range(
                r.summary.peak_heap_bytes.as_ref(),
                units::mib
            )),
            col!("collect p99", true, |r| median(
                r.summary.collect_p99_ns.as_ref(),
                units::ns
            )),
            col!("final collect", true, |r| median(
                r.summary.final_collect_ns.as_ref(),
                units::ns
            )),
            col!("op p99.9", true, |r| median(
                r.summary.op_p999_ns.as_ref(),
                units::ns
            )),
        ]);
    } else {
        cols.extend([
            col!("throughput", true, |r| pm(
                r.summary.throughput.as_ref(),
                units::rate
            )),
            col!("latency p99", true, |r| pm(
                r.summary.latency_p99_ns.as_ref(),
                units::ns
            )),
            col!("garbage", true, |r| median(
                r.summary.garbage_peak.as_ref(),
                units::count
            )),
            col!("leaked", true, |r| counts(r.summary.leaked.as_ref())),
        ]);
        if !idle {
            cols.push(col!("peak heap", true, |r| median(
                r.summary.peak_heap_bytes.as_ref(),
                units::mib
            )));
        }
    }
    cols
}

/// A failed row's cell: why, in place of its figures.
pub fn error_cell(row: &RowResults) -> Option<String> {
    (row.repetitions.is_empty()).then(|| {
        format!(
            "error: {}",
            row.errors
                .first()
                .map_or("no repetition ran", String::as_str)
        )
    })
}

/// A Go row's cells under `cols`: what the peer measures in the columns that mean the same
/// (throughput, leaked, left on cycles) or nearly (peak heap, see the notes), a dash elsewhere,
/// with ranges where `full` tables have them, and its error in the first figure's place when no run succeeded.
pub fn peer_cells(p: &PeerRow, cols: &[Column], full: bool) -> Vec<String> {
    let mut cells: Vec<String> = Vec::with_capacity(cols.len());
    let s = &p.summary;
    for c in cols {
        cells.push(match c.header {
            "strategy" => format!("{} (peer)", p.language),
            "runtime" => p.runtime_label(),
            "throughput" => pm(s.throughput.as_ref(), units::rate),
            "throughput (range)" => range(s.throughput.as_ref(), units::rate),
            "leaked" => counts(s.leaked.as_ref()),
            "left on cycles" => counts(s.left_on_cycles.as_ref()),
            "peak heap" if full => range(s.heap_peak_bytes.as_ref(), units::mib),
            "peak heap" => median(s.heap_peak_bytes.as_ref(), units::mib),
            _ => "-".into(),
        });
    }
    if p.repetitions.is_empty() && cells.len() > 2 {
        cells[2] = format!(
            "error: {}",
            p.errors.first().map_or("no repetition ran", String::as_str)
        );
        for cell in &mut cells[3..] {
            cell.clear();
        }
    }
    cells
}
