//! The terminal: one compact table per workload that fits 100 columns (every column with
//! `--full`), its verdict lines, the claims, and the cycle-leak table.

use comfy_table::{
    presets::UTF8_HORIZONTAL_ONLY, Cell, CellAlignment, ContentArrangement, Table, TableComponent,
};

use crate::claims::Claim;
use crate::leak_check;
use crate::report::columns::{columns, error_cell, peer_cells};
use crate::results::{Results, WorkloadResults};
use crate::units::wrap;

/// The width the default output fits.
pub const WIDTH: usize = 100;

pub(crate) fn table() -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_HORIZONTAL_ONLY)
        .remove_style(TableComponent::HorizontalLines)
        .remove_style(TableComponent::MiddleIntersections)
        .set_content_arrangement(ContentArrangement::Disabled);
    table
}

/// A workload's block: heading, table, verdicts and notes.
pub fn workload(w: &WorkloadResults, full: bool) -> String {
    let idle = w.name == "idle-worker";
    let cols = columns(idle, full);
    let mut t = table();
    t.set_header(cols.iter().map(|c| c.header));
    for row in &w.rows {
        let mut cells = Vec::new();
        if let Some(error) = error_cell(row) {
            cells.push(Cell::new(&row.strategy));
            cells.push(Cell::new(row.runtime_label()));
            cells.push(Cell::new(wrap(&error, 60, 0)));
        } else {
            for c in &cols {
                let cell = Cell::new((c.cell)(row));
                cells.push(if c.numeric {
                    cell.set_alignment(CellAlignment::Right)
                } else {
                    cell
                });
            }
        }
        t.add_row(cells);
    }
    for p in &w.peers {
        t.add_row(
            peer_cells(p, &cols, full)
                .into_iter()
                .zip(&cols)
                .map(|(text, c)| {
                    let cell = Cell::new(text);
                    if c.numeric {
                        cell.set_alignment(CellAlignment::Right)
                    } else {
                        cell
                    }
                }),
        );
    }
    let mut out = format!("== {}: {}\n{t}\n", w.name, w.heading);
    for line in &w.verdicts {
        out.push_str(&wrap(&format!("· {line}"), WIDTH, 2));
        out.push('\n');
    }
    for note in &w.notes {
        out.push_str(&wrap(note, WIDTH, 2));
        out.push('\n');
    }
    out
}

/// The claims section.
pub fn claims(claims: &[Claim]) -> String {
    let mut out = String::from("== the critique's claims, answered by this run\n");
    for c in claims {
        out.push_str(&wrap(&format!("· {} — {}.", c.claim, c.verdict), WIDTH, 2));
        out.push('\n');
        out.push_str(&wrap(&format!("  {}", c.answer), WIDTH, 4));
        out.push('\n');
    }
    out
}

/// The cycle-leak table.
pub fn leak_check(rows: &[leak_check::Row]) -> String {
    let mut t = table();
    t.set_header([
        "strategy",
        "created",
        "freed before collect()",
        "late",
        "leaked",
        "leaked on cycles",
        "ms",
    ]);
    for row in rows {
        let numbers = [
            row.created,
            row.before_collect,
            row.late,
            row.leaked,
            row.leaked_on_cycles,
        ];
        let mut cells = vec![Cell::new(&row.strategy)];
        cells.extend(
            numbers
                .iter()
                .map(|n| Cell::new(n).set_alignment(CellAlignment::Right)),
        );
        cells.push(Cell::new(format!("{:.1}", row.time_ms)).set_alignment(CellAlignment::Right));
        t.add_row(cells);
    }
    format!(
        "== cycle-leak check: two-node cycles and lone objects, every handle dropped, then \
         collect()\n{t}\n"
    )
}

/// The lines before the tables: what ran, where.
pub fn preamble(results: &Results) -> String {
    let e = &results.environment;
    let s = &results.settings;
    let mut out = format!(
        "reclaimer lab: {} repetitions per row, seed {}, {} worker threads, runtime {}; {} ({} \
         cores), {}, {}",
        s.repeat, s.seed, s.workers, s.runtime, e.cpu_model, e.cores, e.rustc, e.profile
    );
    if e.debug_assertions {
        out.push_str("; a debug build: its figures are not comparable with a release build's");
    }
    wrap(&out, WIDTH, 2) + "\n"
}
