//! Loom models of the `Epoch` strategy's own concurrent code: the reference counts, the
//! deferred drop through crossbeam-epoch (in its loom mode), and the cells.
//!
//! Run it as `docs/testing.md` says ("Loom"):
//!
//! ```text
//! RUSTFLAGS="--cfg reclaimer_loom --cfg crossbeam_loom" LOOM_MAX_PREEMPTIONS=2 \
//!     cargo test -p reclaimer --release --no-default-features --features epoch --test loom_epoch
//! ```
//!
//! Each value carries a probe whose drop is counted in loom atomics. A reader asserts the count
//! is still zero while it holds or reads the value (not dropped early); after the threads are
//! joined and `collect()` has run, each count is exactly one (dropped once, and not leaked).
#![cfg(reclaimer_loom)]

use loom::cell::UnsafeCell;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use reclaimer::{Cell, Epoch, OptionCell, Shared, Strategy, Trace, Weak};

/// Drop counts, one per value of a model.
struct Drops(Vec<AtomicUsize>);

impl Drops {
    fn new(values: usize) -> Arc<Self> {
        Arc::new(Drops((0..values).map(|_| AtomicUsize::new(0)).collect()))
    }
    fn count(&self, id: usize) -> usize {
        self.0[id].load(Ordering::SeqCst)
    }
    /// Every value dropped exactly once.
    fn assert_all_once(&self) {
        for id in 0..self.0.len() {
            assert_eq!(self.count(id), 1, "value {id}");
        }
    }
}

#[derive(Trace)]
struct Probe {
    id: usize,
    /// Written when built and when dropped, read by readers: loom reports any of these accesses
    /// that are not ordered by happens-before, so the models check the orderings that publish
    /// a value and order its drop after its last use.
    #[trace(skip)]
    payload: UnsafeCell<usize>,
    #[trace(skip)]
    drops: Arc<Drops>,
}

// SAFETY: `payload` is written only when built and in `Drop` (exclusive access); shared access
// only reads it.
unsafe impl Sync for Probe {}

impl Probe {
    /// Asserts the value has not been dropped: whoever can see it may still use it.
    fn assert_alive(&self) {
        // SAFETY: a shared read; see `Sync`.
        assert_eq!(self.payload.with(|payload| unsafe { *payload }), self.id);
        assert_eq!(
            self.drops.count(self.id),
            0,
            "value {} used after drop",
            self.id
        );
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no other access.
        self.payload
            .with_mut(|payload| unsafe { *payload = usize::MAX });
        self.drops.0[self.id].fetch_add(1, Ordering::SeqCst);
    }
}

/// Runs a model. A `collect()` runs several flush rounds, each many atomic operations inside
/// crossbeam-epoch, so a model's executions are longer than loom's default allows.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.max_branches = 100_000;
    builder.check(f);
}

fn probe(id: usize, drops: &Arc<Drops>) -> Shared<Epoch, Probe> {
    Shared::new(Probe {
        id,
        payload: UnsafeCell::new(id),
        drops: drops.clone(),
    })
}

/// Clones and drops racing on two threads: the value is dropped once, after the last release,
/// never while a clone is alive.
#[test]
fn concurrent_clone_and_drop() {
    model(|| {
        let drops = Drops::new(1);
        let a = probe(0, &drops);
        let b = a.clone();
        let other = thread::spawn(move || {
            let c = b.clone();
            drop(b);
            c.assert_alive();
            drop(c);
            // The deferred drop may run here, racing the main thread's use of `a`.
            Epoch::collect();
        });
        a.assert_alive();
        drop(a);
        other.join().unwrap();
        Epoch::collect();
        drops.assert_all_once();
    });
}

/// A reader's `read` and `load` race a writer's `store`: what the reader sees stays alive while
/// it uses it, and each stored value is dropped exactly once.
#[test]
fn load_and_read_versus_store() {
    model(|| {
        let drops = Drops::new(2);
        let cell = Arc::new(Cell::new(probe(0, &drops)));
        let reader = {
            let cell = cell.clone();
            thread::spawn(move || {
                cell.read(Probe::assert_alive);
                let loaded = cell.load();
                loaded.assert_alive();
                loaded.id
            })
        };
        cell.store(probe(1, &drops));
        assert!(reader.join().unwrap() <= 1);
        assert_eq!(cell.read(|p| p.id), 1);
        drop(cell);
        Epoch::collect();
        drops.assert_all_once();
    });
}

/// Two writers swap and rcu against each other while the cell is read: no update is lost and
/// every value is dropped exactly once.
#[test]
fn swap_versus_rcu() {
    model(|| {
        let drops = Drops::new(3);
        let cell = Arc::new(Cell::new(probe(0, &drops)));
        let writer = {
            let cell = cell.clone();
            let drops = drops.clone();
            thread::spawn(move || {
                let old = cell.swap(probe(1, &drops));
                old.assert_alive();
                old.id
            })
        };
        // The rcu closure may run twice; only one of its values is ever stored, the other is
        // dropped at once. Both carry id 2, so count that id's drops per attempt.
        let attempts = std::cell::Cell::new(0);
        let replaced = cell.rcu(|current| {
            current.assert_alive();
            attempts.set(attempts.get() + 1);
            probe(2, &drops)
        });
        replaced.assert_alive();
        let swapped_out = writer.join().unwrap();
        // Exactly one of the writers replaced value 0.
        assert!(swapped_out == 0 || replaced.id == 0);
        drop(replaced);
        drop(cell);
        Epoch::collect();
        assert_eq!(drops.count(0), 1);
        assert_eq!(drops.count(1), 1);
        assert_eq!(drops.count(2), attempts.get());
    });
}

/// A weak upgrade races the last strong release: it succeeds only while the value is alive, and
/// the value is dropped exactly once.
#[test]
fn weak_upgrade_versus_last_drop() {
    model(|| {
        let drops = Drops::new(1);
        let strong = probe(0, &drops);
        let weak: Weak<Epoch, Probe> = Shared::downgrade(&strong);
        let other = thread::spawn(move || {
            if let Some(upgraded) = weak.upgrade() {
                upgraded.assert_alive();
            }
        });
        drop(strong);
        // The deferred drop may run here, racing the other thread's use of its upgrade.
        Epoch::collect();
        other.join().unwrap();
        Epoch::collect();
        drops.assert_all_once();
    });
}

/// The optional slot: a reader's `read` and `load` race a writer that fills the empty slot and
/// then empties it again. The reader sees nothing or a live value, and each value is dropped
/// exactly once.
#[test]
fn option_cell_read_and_load_versus_store_and_take() {
    model(|| {
        let drops = Drops::new(1);
        let cell: Arc<OptionCell<Epoch, Probe>> = Arc::new(OptionCell::empty());
        let reader = {
            let cell = cell.clone();
            thread::spawn(move || {
                cell.read(|p| p.map(Probe::assert_alive));
                let loaded = cell.load();
                if let Some(loaded) = &loaded {
                    loaded.assert_alive();
                }
                loaded.map(|p| p.id)
            })
        };
        cell.store(Some(probe(0, &drops)));
        let taken = cell.take();
        assert!(taken.is_some_and(|p| p.id == 0));
        assert!(reader.join().unwrap().is_none_or(|id| id == 0));
        assert!(cell.load().is_none());
        drop(cell);
        Epoch::collect();
        drops.assert_all_once();
    });
}

/// Two conditional updates race on the optional slot, one filling it only if empty, the other
/// replacing whatever is there: no update is lost, a declined one stores nothing, and each value
/// built is dropped exactly once.
#[test]
fn option_cell_update_versus_update() {
    model(|| {
        let drops = Drops::new(2);
        let cell: Arc<OptionCell<Epoch, Probe>> = Arc::new(OptionCell::empty());
        let filler = {
            let cell = cell.clone();
            let drops = drops.clone();
            thread::spawn(move || {
                // Fill only if empty. A value built by an attempt that loses the race is dropped
                // at once, so count the values built.
                let built = std::cell::Cell::new(0);
                let filled = cell.update(|current| {
                    current.is_none().then(|| {
                        built.set(built.get() + 1);
                        Some(probe(0, &drops))
                    })
                });
                (filled.is_some(), built.get())
            })
        };
        let attempts = std::cell::Cell::new(0);
        let replaced = cell.update(|current| {
            if let Some(current) = current {
                current.assert_alive();
            }
            attempts.set(attempts.get() + 1);
            Some(Some(probe(1, &drops)))
        });
        let (filled, built) = filler.join().unwrap();
        let replaced = replaced.expect("an accepting update always replaces");
        // Either the filler came first and its value was replaced, or it found the slot full.
        assert_eq!(replaced.as_ref().map(|p| p.id), filled.then_some(0));
        drop(replaced);
        assert_eq!(cell.read(|p| p.map(|p| p.id)), Some(1));
        drop(cell);
        Epoch::collect();
        assert_eq!(drops.count(0), built);
        assert_eq!(drops.count(1), attempts.get());
    });
}
