//! `report.md`: the claims first, then one section per workload (its full table, verdicts and
//! plots), the cycle-leak check and the environment.

use crate::leak_check;
use crate::report::columns::{columns, error_cell, peer_cells, Column};
use crate::report::plots::{slug, KINDS};
use crate::results::{Results, RowResults, WorkloadResults};

fn table(header: &[&str], rows: &[Vec<String>], numeric: &[bool]) -> String {
    let mut out = format!("| {} |\n|", header.join(" | "));
    for &n in numeric {
        out.push_str(if n { "---:|" } else { "---|" });
    }
    out.push('\n');
    for row in rows {
        out.push_str(&format!("| {} |\n", row.join(" | ").replace('\n', " ")));
    }
    out
}

/// The cells of a row, or its error in the first figure's place.
pub fn cells(row: &RowResults, cols: &[Column]) -> Vec<String> {
    match error_cell(row) {
        Some(error) => {
            let mut cells = vec![row.strategy.clone(), row.runtime_label(), error];
            cells.resize(cols.len(), String::new());
            cells
        }
        None => cols.iter().map(|c| (c.cell)(row)).collect(),
    }
}

fn workload(w: &WorkloadResults) -> String {
    let cols = columns(w.name == "idle-worker", true);
    let header: Vec<&str> = cols.iter().map(|c| c.header).collect();
    let numeric: Vec<bool> = cols.iter().map(|c| c.numeric).collect();
    let mut rows: Vec<Vec<String>> = w.rows.iter().map(|r| cells(r, &cols)).collect();
    rows.extend(w.peers.iter().map(|p| peer_cells(p, &cols, true)));
    let mut out = format!("### {}\n\n{}\n\n", w.name, w.heading);
    out.push_str(&table(&header, &rows, &numeric));
    out.push('\n');
    for line in &w.verdicts {
        out.push_str(&format!("- {line}\n"));
    }
    for note in &w.notes {
        out.push_str(&format!("\n{note}\n"));
    }
    out.push('\n');
    for (kind, title) in KINDS {
        out.push_str(&format!(
            "![{}: {title}](plots/{}-{kind}.svg)\n",
            w.name,
            slug(&w.name)
        ));
    }
    out
}

/// The first line of a report that is not the whole comparison.
pub fn incomplete_line(results: &Results) -> Option<String> {
    (!results.complete).then(|| {
        let failed: usize = results
            .workloads
            .iter()
            .map(WorkloadResults::failed_runs)
            .sum();
        format!("INCOMPLETE: {failed} runs failed; the figures below are not the whole comparison.")
    })
}

/// The whole report.
pub fn report(results: &Results) -> String {
    let mut out = String::new();
    if let Some(line) = incomplete_line(results) {
        out.push_str(&format!("**{line}**\n\n"));
    }
    let e = &results.environment;
    let s = &results.settings;
    out.push_str("# reclaimer lab report\n\n");
    out.push_str(&format!(
        "Every figure is the median of {} repetitions (rows interleaved, their order rotated \
         each repetition), with its range; `±` is the larger distance from the median to the \
         least or greatest value. Measured on {} ({} cores), {}, profile {}, seed {}, in {:.1} \
         s; command: `{}`. Definitions: `docs/metrics.md`; claims: `docs/claims.md`; how to \
         read the plots: `docs/lab.md`.\n\n",
        s.repeat,
        e.cpu_model,
        e.cores,
        e.rustc,
        e.profile,
        s.seed,
        results.wall_s,
        results.command.join(" ")
    ));
    out.push_str("## The critique's claims, answered by this run\n\n");
    let claim_rows: Vec<Vec<String>> = results
        .claims
        .iter()
        .map(|c| {
            vec![
                c.claim.clone(),
                format!("**{}**", c.verdict),
                c.answer.clone(),
            ]
        })
        .collect();
    out.push_str(&table(
        &["claim", "verdict", "this run's figures"],
        &claim_rows,
        &[false, false, false],
    ));
    out.push_str("\n## Workloads\n\n");
    for w in &results.workloads {
        out.push_str(&workload(w));
        out.push('\n');
    }
    if !results.leak_check.is_empty() {
        out.push_str("## Cycle-leak check\n\nTwo-node cycles and lone objects per strategy, every handle dropped, then `collect()`.\n\n");
        out.push_str(&leak_table(&results.leak_check));
    }
    out.push_str("\n## Environment\n\n");
    let mut env_rows = vec![
        vec!["CPU".into(), e.cpu_model.clone()],
        vec!["cores".into(), e.cores.to_string()],
        vec!["rustc".into(), e.rustc.clone()],
        vec!["profile".into(), e.profile.clone()],
        vec!["target".into(), e.target.clone()],
        vec!["allocator".into(), e.allocator.clone()],
        vec!["reclaimer".into(), e.reclaimer_version.clone()],
    ];
    if let Some(l) = e.load_average {
        env_rows.push(vec![
            "load average at start".into(),
            format!("{:.2} {:.2} {:.2}", l[0], l[1], l[2]),
        ]);
    }
    for (name, version) in &e.crate_versions {
        env_rows.push(vec![name.clone(), version.clone()]);
    }
    out.push_str(&table(&["", ""], &env_rows, &[false, false]));
    out
}

fn leak_table(rows: &[leak_check::Row]) -> String {
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.strategy.clone(),
                r.created.to_string(),
                r.before_collect.to_string(),
                r.late.to_string(),
                r.leaked.to_string(),
                r.leaked_on_cycles.to_string(),
                format!("{:.1}", r.time_ms),
            ]
        })
        .collect();
    table(
        &[
            "strategy",
            "created",
            "freed before collect()",
            "late",
            "leaked",
            "leaked on cycles",
            "ms",
        ],
        &body,
        &[false, true, true, true, true, true, true],
    )
}
