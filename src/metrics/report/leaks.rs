//! Leaked and late objects, by type label and generation.
//!
//! *Leaked*: still unreclaimed after the workload ended and a final
//! [`S::collect()`](crate::Strategy::collect) ran
//! ([`Ledger::finish`](crate::metrics::Ledger::finish)). *Late*: reclaimed only by that final
//! collect. The user-facing check built on this is [`reclaimer::leaks`](crate::leaks).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::metrics::record::{Generation, View};

/// Objects of one type label and generation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LeakRow {
    /// The type label.
    pub label: String,
    /// The generation ([`Generation::NONE`] for objects in none).
    pub generation: Generation,
    /// How many objects.
    pub count: u64,
    /// Their bytes.
    pub bytes: u64,
    /// How many of them the workload had released.
    pub released: u64,
}

/// Leaked and late objects after the final collect, largest first (by bytes, then count).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LeakReport {
    /// Objects never reclaimed, by label and generation. Empty until the run has ended.
    pub leaked: Vec<LeakRow>,
    /// Objects reclaimed only by the final collect, by label and generation.
    pub late: Vec<LeakRow>,
}

impl LeakReport {
    /// Leaked objects in all.
    pub fn leaked_count(&self) -> u64 {
        self.leaked.iter().map(|r| r.count).sum()
    }

    /// Bytes of leaked objects in all.
    pub fn leaked_bytes(&self) -> u64 {
        self.leaked.iter().map(|r| r.bytes).sum()
    }

    /// Late objects in all.
    pub fn late_count(&self) -> u64 {
        self.late.iter().map(|r| r.count).sum()
    }

    /// Leaked objects by label alone, largest first: `(label, count, bytes)`.
    pub fn leaked_by_label(&self) -> Vec<(String, u64, u64)> {
        let mut by_label = BTreeMap::<&str, (u64, u64)>::new();
        for row in &self.leaked {
            let entry = by_label.entry(&row.label).or_default();
            entry.0 += row.count;
            entry.1 += row.bytes;
        }
        let mut rows: Vec<_> = by_label
            .into_iter()
            .map(|(label, (count, bytes))| (label.to_string(), count, bytes))
            .collect();
        rows.sort_by(|a, b| (b.2, b.1).cmp(&(a.2, a.1)).then_with(|| a.0.cmp(&b.0)));
        rows
    }
}

impl fmt::Display for LeakReport {
    /// A table of the leaked and late rows.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (title, rows) in [("leaked", &self.leaked), ("late", &self.late)] {
            if rows.is_empty() {
                continue;
            }
            let width = rows.iter().map(|r| r.label.len()).max().unwrap_or(0).max(5);
            writeln!(
                f,
                "  {title:<6} {:<width$}  generation  objects       bytes  released",
                "label"
            )?;
            for row in rows {
                let generation = match row.generation.get() {
                    0 => "-".to_string(),
                    g => g.to_string(),
                };
                writeln!(
                    f,
                    "         {:<width$}  {generation:>10}  {:>7}  {:>10}  {:>8}",
                    row.label, row.count, row.bytes, row.released
                )?;
            }
        }
        Ok(())
    }
}

/// Collects leaked and late objects from the records of a scan.
#[derive(Default)]
pub(crate) struct LeakBuilder {
    leaked: BTreeMap<(u32, u32), LeakRow>,
    late: BTreeMap<(u32, u32), LeakRow>,
}

impl LeakBuilder {
    /// Counts one record; unreclaimed records are leaked once the run has `ended`.
    pub(crate) fn add(&mut self, view: &View, ended: bool) {
        let map = if !view.is_reclaimed() && ended {
            &mut self.leaked
        } else if view.is_late() {
            &mut self.late
        } else {
            return;
        };
        let row = map.entry((view.label, view.generation)).or_default();
        row.count += 1;
        row.bytes += view.bytes;
        row.released += u64::from(view.is_released());
    }

    /// The report, with each label index shown as `labels` reads it.
    pub(crate) fn finish(&self, labels: &dyn Fn(u32) -> String) -> LeakReport {
        let rows = |map: &BTreeMap<(u32, u32), LeakRow>| {
            let mut rows: Vec<LeakRow> = map
                .iter()
                .map(|(&(label, generation), row)| LeakRow {
                    label: labels(label),
                    generation: Generation::from_raw(generation),
                    count: row.count,
                    bytes: row.bytes,
                    released: row.released,
                })
                .collect();
            rows.sort_by(|a, b| {
                (b.bytes, b.count)
                    .cmp(&(a.bytes, a.count))
                    .then_with(|| (&a.label, a.generation).cmp(&(&b.label, b.generation)))
            });
            rows
        };
        LeakReport {
            leaked: rows(&self.leaked),
            late: rows(&self.late),
        }
    }
}
