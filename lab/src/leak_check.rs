//! The cycle-leak check: which strategies reclaim cycles, and when.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc as StdArc;
use std::time::{Duration, Instant};

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell as Col, CellAlignment, Table};
use reclaim::{Cell, Shareable, Shared, Strategy, Trace};

/// What one strategy did with the same objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The strategy's name.
    pub strategy: &'static str,
    /// Objects built.
    pub created: usize,
    /// Objects freed before the final `collect()`: at their last drop, or by a collection the
    /// strategy ran on its own.
    pub before_collect: usize,
    /// Objects freed only by the final `collect()`.
    pub by_collect: usize,
    /// Objects still alive after `collect()`.
    pub leaked: usize,
    /// Of the leaked objects, how many were on cycles.
    pub leaked_on_cycles: usize,
    /// Wall time to build, drop and collect.
    pub time: Duration,
}

/// A node that counts its drops into the counter it was built with.
#[derive(Trace)]
pub struct Node<S: Strategy> {
    next: Cell<S, Option<Shared<S, Node<S>>>>,
    #[trace(skip)]
    drops: StdArc<AtomicUsize>,
}

impl<S: Strategy> Drop for Node<S> {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::Relaxed);
    }
}

/// Builds `cycles` two-node cycles and `acyclic` lone objects, drops them, collects.
pub fn check<S: Strategy>(cycles: usize, acyclic: usize) -> Row
where
    Node<S>: Shareable<S>,
    Option<Shared<S, Node<S>>>: Shareable<S>,
{
    let cyclic_drops = StdArc::new(AtomicUsize::new(0));
    let acyclic_drops = StdArc::new(AtomicUsize::new(0));
    let node = |drops: &StdArc<AtomicUsize>| {
        Shared::<S, _>::new(Node {
            next: Cell::from_value(None),
            drops: drops.clone(),
        })
    };
    let start = Instant::now();
    for _ in 0..cycles {
        let a = node(&cyclic_drops);
        let b = node(&cyclic_drops);
        a.next.store(Shared::new(Some(b.clone())));
        b.next.store(Shared::new(Some(a)));
    }
    for _ in 0..acyclic {
        drop(node(&acyclic_drops));
    }
    let before_collect =
        cyclic_drops.load(Ordering::Relaxed) + acyclic_drops.load(Ordering::Relaxed);
    S::collect();
    let time = start.elapsed();
    let reclaimed_cyclic = cyclic_drops.load(Ordering::Relaxed);
    let reclaimed = reclaimed_cyclic + acyclic_drops.load(Ordering::Relaxed);
    let created = 2 * cycles + acyclic;
    Row {
        strategy: S::NAME,
        created,
        before_collect,
        by_collect: reclaimed - before_collect,
        leaked: created - reclaimed,
        leaked_on_cycles: 2 * cycles - reclaimed_cyclic,
        time,
    }
}

/// Runs the check for every strategy compiled in.
pub fn run_all(cycles: usize, acyclic: usize) -> Vec<Row> {
    vec![
        check::<reclaim::Arc>(cycles, acyclic),
        check::<reclaim::RwLockArc>(cycles, acyclic),
        check::<reclaim::Epoch>(cycles, acyclic),
        check::<reclaim::Gc>(cycles, acyclic),
        check::<reclaim::SyncGc>(cycles, acyclic),
        check::<reclaim::Leak>(cycles, acyclic),
    ]
}

/// Renders the rows as a table.
pub fn table(rows: &[Row]) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "strategy",
        "created",
        "freed before collect()",
        "freed by collect()",
        "leaked",
        "leaked on cycles",
        "time (ms)",
    ]);
    for row in rows {
        let numbers = [
            row.created,
            row.before_collect,
            row.by_collect,
            row.leaked,
            row.leaked_on_cycles,
        ];
        let mut cells = vec![Col::new(row.strategy)];
        cells.extend(
            numbers
                .iter()
                .map(|n| Col::new(n).set_alignment(CellAlignment::Right)),
        );
        cells.push(
            Col::new(format!("{:.1}", row.time.as_secs_f64() * 1e3))
                .set_alignment(CellAlignment::Right),
        );
        table.add_row(cells);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arc_leaks_exactly_the_cycles() {
        let row = check::<reclaim::Arc>(3, 5);
        assert_eq!(
            (row.created, row.before_collect, row.by_collect),
            (11, 5, 0)
        );
        assert_eq!((row.leaked, row.leaked_on_cycles), (6, 6));
    }

    #[test]
    fn gc_collects_the_cycles_late() {
        let row = check::<reclaim::Gc>(3, 5);
        assert_eq!(row.created, 11);
        assert_eq!(row.leaked, 0);
        assert_eq!(row.before_collect + row.by_collect, 11);
    }

    #[test]
    fn sync_gc_frees_acyclic_before_collect_and_cycles_by_collect() {
        let row = check::<reclaim::SyncGc>(3, 5);
        assert!(
            row.before_collect >= 5,
            "acyclic objects go at their last drop"
        );
        assert_eq!(row.leaked, 0);
    }

    #[test]
    fn epoch_frees_acyclic_objects_by_collect_at_the_latest_and_leaks_cycles() {
        let row = check::<reclaim::Epoch>(3, 5);
        assert_eq!(row.before_collect + row.by_collect, 5);
        assert_eq!((row.leaked, row.leaked_on_cycles), (6, 6));
    }

    #[test]
    fn leak_frees_nothing() {
        let row = check::<reclaim::Leak>(3, 5);
        assert_eq!((row.before_collect, row.by_collect, row.leaked), (0, 0, 11));
    }
}
