//! The cycle-leak check: which strategies reclaim cycles, and when.
//!
//! Every object is a [`Tracked`] object on one [`Ledger`] per strategy, so the columns are the
//! figures `docs/metrics.md` defines: objects allocated, reclaimed before the final collect,
//! *late* (reclaimed only by it) and *leaked* (never reclaimed).

use std::time::Instant;

use reclaimer::metrics::{Ledger, Tracked};
use reclaimer::strategy::{for_each, Visit};
use reclaimer::{Cell, Shareable, Shared, Strategy, ThreadSafe, Trace};
use serde::{Deserialize, Serialize};

/// The label of objects built on two-node cycles.
const CYCLIC: &str = "cyclic";
/// The label of objects built alone.
const ACYCLIC: &str = "acyclic";

/// What one strategy did with the same objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The strategy's name.
    pub strategy: String,
    /// Objects built.
    pub created: u64,
    /// Objects reclaimed before the final `collect()`: at their last drop, by the strategy's
    /// own automatic collections, or by its flush policy.
    pub before_collect: u64,
    /// Late: objects reclaimed only by the final `collect()`.
    pub late: u64,
    /// Leaked: objects still alive after the final `collect()`.
    pub leaked: u64,
    /// Of the leaked objects, how many were on cycles.
    pub leaked_on_cycles: u64,
    /// Wall time to build, drop and collect, ms.
    pub time_ms: f64,
}

/// A tracked node behind a strategy's pointer.
type Handle<S> = Shared<S, Tracked<Node<S>>>;

/// A node that may point to another.
#[derive(Trace)]
pub struct Node<S: Strategy> {
    next: Cell<S, Option<Handle<S>>>,
}

/// Builds `cycles` two-node cycles and `acyclic` lone objects, releases and drops them, and
/// ends the run with a final collect.
pub fn check<S: Strategy>(cycles: usize, acyclic: usize) -> Row
where
    Tracked<Node<S>>: Shareable<S>,
    Option<Handle<S>>: Shareable<S>,
{
    let ledger = Ledger::new();
    let start = Instant::now();
    let node = |label: &'static str, generation| {
        Shared::<S, _>::new(
            ledger
                .track()
                .label(label)
                .generation(generation)
                .wrap(Node {
                    next: Cell::from_value(None),
                }),
        )
    };
    let cycle_generation = ledger.generation();
    for _ in 0..cycles {
        let a = node(CYCLIC, cycle_generation);
        let b = node(CYCLIC, cycle_generation);
        a.next.store(Shared::new(Some(b.clone())));
        b.next.store(Shared::new(Some(a)));
    }
    // Every external handle to the cycles is gone.
    ledger.release_generation(cycle_generation);
    let lone = ledger.generation();
    for _ in 0..acyclic {
        drop(node(ACYCLIC, lone));
    }
    ledger.release_generation(lone);
    let report = ledger.finish::<S>();
    let time = start.elapsed();
    let counts = report.counts;
    let leaked_on_cycles = report
        .leaks
        .leaked_by_label()
        .iter()
        .filter(|(label, _, _)| label == CYCLIC)
        .map(|(_, count, _)| count)
        .sum();
    Row {
        strategy: S::NAME.into(),
        created: counts.allocated,
        before_collect: counts.reclaimed - counts.late,
        late: counts.late,
        leaked: counts.leaked,
        leaked_on_cycles,
        time_ms: time.as_secs_f64() * 1e3,
    }
}

/// Runs the check for every strategy of the library's list.
pub fn run_all(cycles: usize, acyclic: usize) -> Vec<Row> {
    struct Check(usize, usize);
    impl Visit for Check {
        type Output = Row;
        fn thread_safe<S: ThreadSafe>(&mut self) -> Row {
            check::<S>(self.0, self.1)
        }
        fn local<S: reclaimer::Local>(&mut self) -> Row {
            check::<S>(self.0, self.1)
        }
    }
    for_each(&mut Check(cycles, acyclic))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arc_leaks_exactly_the_cycles() {
        let row = check::<reclaimer::Arc>(3, 5);
        assert_eq!((row.created, row.before_collect, row.late), (11, 5, 0));
        assert_eq!((row.leaked, row.leaked_on_cycles), (6, 6));
    }

    #[test]
    fn rw_lock_arc_agrees_with_arc() {
        let row = check::<reclaimer::RwLockArc>(3, 5);
        assert_eq!((row.before_collect, row.late, row.leaked), (5, 0, 6));
    }

    #[test]
    fn epoch_frees_acyclic_objects_by_collect_at_the_latest_and_leaks_cycles() {
        let row = check::<reclaimer::Epoch>(3, 5);
        assert_eq!(row.before_collect + row.late, 5);
        assert_eq!((row.leaked, row.leaked_on_cycles), (6, 6));
    }

    #[test]
    fn gc_collects_every_cycle() {
        let row = check::<reclaimer::Gc>(3, 5);
        assert_eq!(row.created, 11);
        assert_eq!(row.leaked, 0);
        assert_eq!(row.before_collect + row.late, 11);
    }

    #[test]
    fn sync_gc_frees_acyclic_at_drop_and_cycles_by_collect() {
        let row = check::<reclaimer::SyncGc>(3, 5);
        assert!(
            row.before_collect >= 5,
            "acyclic objects go at their last drop"
        );
        assert_eq!(row.leaked, 0);
    }

    #[test]
    fn leak_frees_nothing() {
        let row = check::<reclaimer::Leak>(3, 5);
        assert_eq!((row.before_collect, row.late, row.leaked), (0, 0, 11));
        assert_eq!(row.leaked_on_cycles, 6);
    }
}
