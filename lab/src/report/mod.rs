//! The report folder: `results.json`, `report.md`, `index.html` and `plots/*.svg`.
//!
//! The folder is written beside its destination (`DIR.partial`) and renamed into place once
//! every file is written, so a folder named `DIR` is always a whole report; Ctrl-C waits for
//! the rename (see `interrupt.rs`).

pub mod columns;
pub mod html;
pub mod markdown;
pub mod plots;
pub mod terminal;

use std::path::{Path, PathBuf};

use crate::interrupt;
use crate::results::Results;

/// Writes the report folder at `dir`, replacing the one there; returns the path of
/// `index.html`.
pub fn write(results: &Results, dir: &Path) -> Result<PathBuf, String> {
    let json = serde_json::to_string_pretty(results).map_err(|e| e.to_string())?;
    let plots: Vec<Vec<plots::Plot>> = results.workloads.iter().map(plots::workload).collect();
    let markdown = markdown::report(results);
    let page = html::page(
        results,
        &plots,
        dir.join("sweep").join("index.html").is_file(),
    );

    let name = dir
        .file_name()
        .ok_or_else(|| format!("{} is not a folder name", dir.display()))?;
    let mut staging_name = name.to_os_string();
    staging_name.push(".partial");
    let staging = dir.with_file_name(staging_name);
    let _writing = interrupt::writing();
    let fail = |what: &Path, e: std::io::Error| {
        let _ = std::fs::remove_dir_all(&staging);
        format!("cannot write the report to {}: {e}", what.display())
    };
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| fail(&staging, e))?;
    }
    std::fs::create_dir_all(staging.join("plots")).map_err(|e| fail(dir, e))?;
    std::fs::write(staging.join("results.json"), &json).map_err(|e| fail(dir, e))?;
    std::fs::write(staging.join("report.md"), &markdown).map_err(|e| fail(dir, e))?;
    std::fs::write(staging.join("index.html"), &page).map_err(|e| fail(dir, e))?;
    for plot in plots.iter().flatten() {
        std::fs::write(staging.join("plots").join(&plot.file), &plot.svg)
            .map_err(|e| fail(dir, e))?;
    }
    // A sweep written earlier into this folder stays (`lab sweep` writes `DIR/sweep`).
    let sweep = dir.join("sweep");
    if sweep.is_dir() {
        std::fs::rename(&sweep, staging.join("sweep")).map_err(|e| fail(&sweep, e))?;
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| fail(dir, e))?;
    }
    std::fs::rename(&staging, dir).map_err(|e| fail(dir, e))?;
    interrupt::written();
    Ok(dir.join("index.html"))
}
