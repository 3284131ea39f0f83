//! The conformance suite: the same scenarios, instantiated by one macro for every strategy
//! (and for the `RwLockArc` oracle).
//!
//! Outcomes are asserted per strategy family: refcounting strategies (`Arc`, `RwLockArc`,
//! `Epoch`) free acyclic garbage and leak cycles; tracing strategies (`Gc`, `SyncGc`) free both
//! by `collect()`; `Leak` frees nothing. Every object carries a drop probe: no object may ever
//! drop twice, and where a strategy reclaims, each drops exactly once.

// The same code runs for `Leak`, whose handles have no `Drop`; the drops are still the point.
#![allow(clippy::drop_non_drop)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc as StdArc;

use reclaimer::{BackEdge, Cell, Lock, OptionCell, Shareable, Shared, Strategy, Trace, Weak};

/// Counts drops per object id.
struct Detector {
    drops: Vec<AtomicUsize>,
}

impl Detector {
    fn new(n: usize) -> StdArc<Self> {
        StdArc::new(Detector {
            drops: (0..n).map(|_| AtomicUsize::new(0)).collect(),
        })
    }
    fn probe(self: &StdArc<Self>, id: usize) -> Probe {
        Probe {
            id,
            detector: self.clone(),
        }
    }
    /// How many objects dropped at least once; panics if any dropped twice.
    fn total(&self) -> usize {
        for (id, count) in self.drops.iter().enumerate() {
            let count = count.load(Ordering::SeqCst);
            assert!(count <= 1, "object {id} dropped {count} times");
        }
        self.drops
            .iter()
            .filter(|c| c.load(Ordering::SeqCst) == 1)
            .count()
    }
}

/// Records its own drop in a detector. Panicking in `Drop` could abort inside a collector, so
/// double drops are counted and asserted afterwards.
struct Probe {
    id: usize,
    detector: StdArc<Detector>,
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.detector.drops[self.id].fetch_add(1, Ordering::SeqCst);
    }
}

/// The node every scenario builds graphs from.
#[derive(Trace)]
struct Node<S: Strategy> {
    #[trace(skip)]
    probe: Probe,
    value: u64,
    next: Cell<S, Option<Shared<S, Node<S>>>>,
    children: Cell<S, Vec<Shared<S, Node<S>>>>,
    parent: Cell<S, Option<Weak<S, Node<S>>>>,
}

/// A node whose links are mutated in place ([`Lock`]) or may be empty ([`OptionCell`]).
#[derive(Trace)]
struct LockNode<S: Strategy> {
    #[trace(skip)]
    probe: Probe,
    value: u64,
    edges: Lock<S, Vec<Shared<S, LockNode<S>>>>,
    next: OptionCell<S, LockNode<S>>,
}

/// A payload that can be recognised if memory were freed and reused: `check == !value`.
#[derive(Trace)]
struct Versioned {
    value: u64,
    check: u64,
    #[trace(skip)]
    probe: Option<Probe>,
}

/// Whether the strategy frees anything at all.
fn frees<S: Strategy>() -> bool {
    S::FREES_MEMORY
}

/// Runs `f` on a thread with the given stack size (a tokio worker has 2 MiB).
fn on_stack(bytes: usize, f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(bytes)
        .spawn(f)
        .expect("spawn a test thread")
        .join()
        .expect("the scenario panicked");
}

const MIB: usize = 1024 * 1024;

/// `n`, or a small fraction of it under Miri, which runs about a million times slower: Miri
/// checks the memory accesses of each scenario, the native run its size.
const fn at_scale(n: usize) -> usize {
    if cfg!(miri) {
        n / 200 + 1
    } else {
        n
    }
}

/// Tasks in each stress scenario.
const STRESS_TASKS: usize = at_scale(20_000);
/// Objects the stress tasks share.
const STRESS_SHARED: usize = 64;

/// How a stress task ends while it holds handles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    /// It panics.
    Panic,
    /// It waits until it is aborted.
    Aborted,
    /// It stores its own object into the shared cell, retiring the one there.
    Finish,
}

fn fate(task: usize) -> Fate {
    match task % 4 {
        0 => Fate::Panic,
        1 => Fate::Aborted,
        _ => Fate::Finish,
    }
}

/// The objects of a stress scenario: `STRESS_SHARED` shared ones, one per task, and the shared
/// cell's first value, each with a probe (ids: shared, then tasks, then the cell's).
struct Stress<S: Strategy> {
    shared: Vec<Shared<S, Versioned>>,
    cell: StdArc<Cell<S, Versioned>>,
}

impl<S: Strategy> Stress<S>
where
    Versioned: Shareable<S>,
{
    /// Probes needed.
    const OBJECTS: usize = STRESS_SHARED + STRESS_TASKS + 1;

    fn object(detector: &StdArc<Detector>, id: usize) -> Shared<S, Versioned> {
        Shared::new(Versioned {
            value: id as u64,
            check: !(id as u64),
            probe: Some(detector.probe(id)),
        })
    }

    fn new(detector: &StdArc<Detector>) -> Self {
        Stress {
            shared: (0..STRESS_SHARED)
                .map(|id| Self::object(detector, id))
                .collect(),
            cell: StdArc::new(Cell::new(Self::object(detector, Self::OBJECTS - 1))),
        }
    }

    /// Task `task`'s body: it holds a shared object and its own until it ends as `fate` says.
    fn task(
        &self,
        detector: &StdArc<Detector>,
        task: usize,
    ) -> impl std::future::Future<Output = ()> + use<S> {
        let cell = self.cell.clone();
        let theirs = self.shared[task % STRESS_SHARED].clone();
        let mine = Self::object(detector, STRESS_SHARED + task);
        async move {
            tokio::task::yield_now().await;
            assert_eq!(theirs.check, !theirs.value, "a shared object was freed");
            match fate(task) {
                // `resume_unwind` skips the panic hook: no message per task.
                Fate::Panic => std::panic::resume_unwind(Box::new("a stress task panics")),
                Fate::Aborted => std::future::pending::<()>().await,
                Fate::Finish => cell.store(mine),
            }
        }
    }
}

/// Aborts the stress tasks fated to be aborted, and checks that each task ended as its fate
/// says.
async fn end_stress(tasks: Vec<tokio::task::JoinHandle<()>>) {
    for (task, handle) in tasks.into_iter().enumerate() {
        if fate(task) == Fate::Aborted {
            handle.abort();
        }
        let ended = handle.await;
        match fate(task) {
            Fate::Panic => assert!(ended.unwrap_err().is_panic(), "task {task} did not panic"),
            Fate::Aborted => assert!(ended.unwrap_err().is_cancelled(), "task {task} ran on"),
            Fate::Finish => ended.expect("the task finished"),
        }
    }
}

macro_rules! conformance {
    ($module:ident, $strategy:ty $(, $extra:ident)?) => {
        mod $module {
            use super::*;

            $(conformance!(@$extra $strategy);)?

            type S = $strategy;

            fn node(detector: &StdArc<Detector>, id: usize) -> Shared<S, Node<S>> {
                Shared::new(Node {
                    probe: detector.probe(id),
                    value: id as u64,
                    next: Cell::from_value(None),
                    children: Cell::from_value(Vec::new()),
                    parent: Cell::from_value(None),
                })
            }

            fn versioned(value: u64, probe: Option<Probe>) -> Shared<S, Versioned> {
                Shared::new(Versioned {
                    value,
                    check: !value,
                    probe,
                })
            }

            fn lock_node(detector: &StdArc<Detector>, id: usize) -> Shared<S, LockNode<S>> {
                Shared::new(LockNode {
                    probe: detector.probe(id),
                    value: id as u64,
                    edges: Lock::new(Vec::new()),
                    next: OptionCell::empty(),
                })
            }

            #[test]
            fn lock_exactly_once_drop() {
                const CHILDREN: usize = 9;
                let detector = Detector::new(CHILDREN + 2);
                let root = lock_node(&detector, 0);
                for id in 1..=CHILDREN {
                    let child = lock_node(&detector, id);
                    root.edges.with(|e| e.push(child));
                }
                assert_eq!(root.edges.read(|e| e.len()), CHILDREN);
                let removed = root.edges.with(|e| e.pop()).expect("a child");
                assert_eq!(removed.value, CHILDREN as u64);
                drop(removed);
                S::collect();
                assert_eq!(detector.total(), acyclic(1));
                let owned = Lock::<S, _>::new(vec![lock_node(&detector, CHILDREN + 1)]);
                let inner = owned.into_inner();
                assert_eq!(inner[0].value, CHILDREN as u64 + 1);
                drop((root, inner));
                S::collect();
                assert_eq!(detector.total(), acyclic(CHILDREN + 2));
            }

            #[test]
            fn lock_panic_inside_with_leaves_it_usable() {
                let detector = Detector::new(2);
                let root = lock_node(&detector, 0);
                let child = lock_node(&detector, 1);
                let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    root.edges.with(|e| {
                        e.push(child);
                        panic!("a writer panics")
                    })
                }));
                assert!(panicked.is_err());
                assert_eq!(root.edges.with(|e| e.len()), 1, "the value as the closure left it");
                drop(root);
                S::collect();
                assert_eq!(detector.total(), acyclic(2));
            }

            #[test]
            fn cycle_through_a_lock() {
                let detector = Detector::new(2);
                let a = lock_node(&detector, 0);
                let b = lock_node(&detector, 1);
                a.edges.with(|e| e.push(b.clone()));
                b.edges.with(|e| e.push(a.clone()));
                let keep = (<S as Strategy>::BACK_EDGE == BackEdge::Weak)
                    .then(|| Shared::downgrade(&a));
                drop((a, b));
                S::collect();
                assert_eq!(detector.total(), cyclic(2));
                if let Some(keep) = keep.filter(|_| detector.total() == 0) {
                    let a = keep.upgrade().expect("a leaked cycle is still alive");
                    let edges = a.edges.with(std::mem::take);
                    drop((a, edges));
                    S::collect();
                    assert_eq!(detector.total(), 2);
                }
            }

            #[test]
            fn cycle_through_an_option_cell() {
                let detector = Detector::new(2);
                let a = lock_node(&detector, 0);
                let b = lock_node(&detector, 1);
                a.next.store(Some(b.clone()));
                b.next.store(Some(a.clone()));
                let keep = (<S as Strategy>::BACK_EDGE == BackEdge::Weak)
                    .then(|| Shared::downgrade(&a));
                drop((a, b));
                S::collect();
                assert_eq!(detector.total(), cyclic(2));
                if let Some(keep) = keep.filter(|_| detector.total() == 0) {
                    let a = keep.upgrade().expect("a leaked cycle is still alive");
                    drop(a.next.take());
                    drop(a);
                    S::collect();
                    assert_eq!(detector.total(), 2);
                }
            }

            #[test]
            fn option_cell_load_store_swap_take_update() {
                let detector = Detector::new(3);
                let cell: OptionCell<S, Versioned> = OptionCell::empty();
                assert_eq!(cell.read(|v| v.map(|v| v.value)), None);
                assert!(cell.load().is_none());
                assert!(cell.take().is_none());
                cell.store(Some(versioned(0, Some(detector.probe(0)))));
                let loaded = cell.load().expect("full");
                assert_eq!((loaded.value, loaded.check), (0, !0));
                let old = cell.swap(Some(versioned(1, Some(detector.probe(1)))));
                assert!(old.is_some_and(|old| Shared::ptr_eq(&old, &loaded)));
                drop(loaded);
                // A declining update changes nothing.
                assert!(cell.update(|_| None).is_none());
                assert_eq!(cell.read(|v| v.map(|v| v.value)), Some(1));
                // An accepting one returns what it replaced.
                let replaced = cell.update(|v| {
                    let value = v.map_or(0, |v| v.value) + 1;
                    Some(Some(versioned(value, Some(detector.probe(2)))))
                });
                assert_eq!(replaced.flatten().map(|v| v.value), Some(1));
                // And an update can empty the cell.
                let emptied = cell.update(|v| v.is_some().then_some(None));
                assert_eq!(emptied.flatten().map(|v| v.value), Some(2));
                assert!(cell.load().is_none());
                drop(cell);
                S::collect();
                assert_eq!(detector.total(), acyclic(3));
            }

            #[test]
            fn cell_update_may_change_nothing() {
                let detector = Detector::new(2);
                let cell: Cell<S, Versioned> = Cell::new(versioned(0, Some(detector.probe(0))));
                let mut runs = 0;
                assert!(cell
                    .update(|_| {
                        runs += 1;
                        None
                    })
                    .is_none());
                assert_eq!(runs, 1, "no writer raced: the closure ran once");
                assert_eq!(cell.read(|v| v.value), 0);
                let old = cell.update(|v| Some(versioned(v.value + 1, Some(detector.probe(1)))));
                assert_eq!(old.map(|v| v.value), Some(0));
                assert_eq!(cell.read(|v| v.value), 1);
                drop(cell);
                S::collect();
                assert_eq!(detector.total(), acyclic(2));
            }

            /// Expected reclaimed count for `n` objects that are acyclic garbage.
            fn acyclic(n: usize) -> usize {
                if frees::<S>() {
                    n
                } else {
                    0
                }
            }

            /// Expected reclaimed count for `n` objects on unreachable cycles.
            fn cyclic(n: usize) -> usize {
                if <S as Strategy>::RECLAIMS_CYCLES {
                    n
                } else {
                    0
                }
            }

            #[test]
            fn exactly_once_drop() {
                let detector = Detector::new(100);
                let handles: Vec<_> = (0..100).map(|id| node(&detector, id)).collect();
                let clones: Vec<_> = handles.iter().map(Shared::clone).collect();
                drop(handles);
                S::collect();
                assert_eq!(detector.total(), 0, "a clone still holds every object");
                drop(clones);
                S::collect();
                assert_eq!(detector.total(), acyclic(100));
            }

            #[test]
            fn clone_deref_ptr_eq() {
                let detector = Detector::new(2);
                let a = node(&detector, 0);
                let b = node(&detector, 1);
                let a2 = a.clone();
                assert!(Shared::ptr_eq(&a, &a2));
                assert!(!Shared::ptr_eq(&a, &b));
                assert_eq!(a2.value, 0);
                assert_eq!(b.value, 1);
                assert_eq!(std::ptr::from_ref::<Node<S>>(&a), std::ptr::from_ref(&*a2));
                drop((a, a2, b));
                S::collect();
                assert_eq!(detector.total(), acyclic(2));
            }

            #[test]
            fn cell_load_store_swap_rcu() {
                let detector = Detector::new(4);
                let cell: Cell<S, Versioned> =
                    Cell::new(versioned(0, Some(detector.probe(0))));
                assert_eq!(cell.read(|v| v.value), 0);

                let loaded = cell.load();
                cell.store(versioned(1, Some(detector.probe(1))));
                assert_eq!(loaded.value, 0, "a loaded pointer keeps its object");
                assert_eq!(cell.read(|v| (v.value, v.check)), (1, !1));
                drop(loaded);

                let old = cell.swap(versioned(2, Some(detector.probe(2))));
                assert_eq!(old.value, 1);
                drop(old);

                let replaced = cell.rcu(|current| {
                    versioned(current.value + 1, None)
                });
                assert_eq!(replaced.value, 2);
                assert_eq!(cell.read(|v| v.value), 3);
                drop(replaced);

                // A read closure may store into another cell.
                let other: Cell<S, Versioned> = Cell::new(versioned(10, Some(detector.probe(3))));
                cell.read(|v| other.store(versioned(v.value, None)));
                assert_eq!(other.read(|v| v.value), 3);
                drop((cell, other));
                S::collect();
                assert_eq!(detector.total(), acyclic(4));
            }

            #[test]
            fn two_node_cycle() {
                let detector = Detector::new(2);
                let a = node(&detector, 0);
                let b = node(&detector, 1);
                a.next.store(Shared::new(Some(b.clone())));
                b.next.store(Shared::new(Some(a.clone())));
                // Only a real weak pointer can watch the cycle without keeping it alive.
                let keep = (<S as Strategy>::BACK_EDGE == BackEdge::Weak)
                    .then(|| Shared::downgrade(&a));
                drop((a, b));
                S::collect();
                assert_eq!(detector.total(), cyclic(2));
                if let Some(keep) = keep.filter(|_| detector.total() == 0) {
                    // Prove the leak is the cycle: break it by hand and everything goes.
                    let a = keep.upgrade().expect("a leaked cycle is still alive");
                    a.next.store(Shared::new(None));
                    drop(a);
                    S::collect();
                    assert_eq!(detector.total(), 2);
                }
            }

            #[test]
            fn parent_children_tree() {
                const CHILDREN: usize = 8;
                let detector = Detector::new(CHILDREN + 1);
                let parent = node(&detector, 0);
                let children: Vec<_> = (1..=CHILDREN).map(|id| node(&detector, id)).collect();
                for child in &children {
                    // Strong back-edges: parent -> child -> parent cycles.
                    child.next.store(Shared::new(Some(parent.clone())));
                }
                parent.children.store(Shared::new(children));
                assert_eq!(parent.children.read(|c| c.len()), CHILDREN);
                drop(parent);
                S::collect();
                assert_eq!(detector.total(), cyclic(CHILDREN + 1));
            }

            #[test]
            fn weak_back_edges() {
                const CHILDREN: usize = 8;
                let detector = Detector::new(CHILDREN + 1);
                let parent = node(&detector, 0);
                let children: Vec<_> = (1..=CHILDREN).map(|id| node(&detector, id)).collect();
                for child in &children {
                    child.parent.store(Shared::new(Some(Shared::downgrade(&parent))));
                }
                parent.children.store(Shared::new(children));
                let first = parent.children.read(|c| c[0].clone());
                let up = first.parent.read(|p| p.as_ref().and_then(Weak::upgrade));
                assert!(up.is_some_and(|p| Shared::ptr_eq(&p, &parent)));
                drop((parent, first));
                S::collect();
                let expected = match <S as Strategy>::BACK_EDGE {
                    // The weak-pointer fix: nothing leaks under refcounting.
                    BackEdge::Weak => acyclic(CHILDREN + 1),
                    BackEdge::Strong => cyclic(CHILDREN + 1),
                };
                assert_eq!(detector.total(), expected);
            }

            /// Builds a ring of `n` nodes, drops it, collects; returns how many were freed.
            fn ring(n: usize) -> usize {
                let detector = Detector::new(n);
                let first = node(&detector, 0);
                let mut last = first.clone();
                for id in 1..n {
                    let next = node(&detector, id);
                    last.next.store(Shared::new(Some(next.clone())));
                    last = next;
                }
                last.next.store(Shared::new(Some(first.clone())));
                drop((first, last));
                S::collect();
                detector.total()
            }

            #[test]
            fn ring_of_10_000() {
                // dumpster's collector recurses once per node: a 10 000-node ring needs more
                // than a 2 MiB stack (see docs/limitations.md), so this runs on 64 MiB.
                const RING: usize = at_scale(10_000);
                on_stack(64 * MIB, || assert_eq!(ring(RING), cyclic(RING)));
            }

            #[test]
            fn deep_structures_on_a_worker_stack() {
                // Safe depths on a tokio worker's 2 MiB stack, a quarter of the smallest limit
                // measured for any strategy in a debug build (docs/limitations.md).
                const CHAIN: usize = at_scale(500);
                const RING: usize = at_scale(350);
                on_stack(2 * MIB, || {
                    let detector = Detector::new(CHAIN);
                    let mut head = node(&detector, 0);
                    for id in 1..CHAIN {
                        let next = node(&detector, id);
                        next.next.store(Shared::new(Some(head)));
                        head = next;
                    }
                    S::collect();
                    drop(head);
                    S::collect();
                    assert_eq!(detector.total(), acyclic(CHAIN));
                    assert_eq!(ring(RING), cyclic(RING));
                });
            }

            #[test]
            fn panic_inside_closures_leaves_cell_usable() {
                let detector = Detector::new(2);
                let cell: Cell<S, Versioned> = Cell::new(versioned(1, Some(detector.probe(0))));
                let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    cell.read(|_| panic!("reader panics"))
                }));
                assert!(read.is_err());
                let rcu = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    cell.rcu(|_| panic!("updater panics"))
                }));
                assert!(rcu.is_err());
                assert_eq!(cell.read(|v| (v.value, v.check)), (1, !1));
                cell.store(versioned(2, Some(detector.probe(1))));
                assert_eq!(cell.read(|v| v.value), 2);
                drop(cell);
                S::collect();
                assert_eq!(detector.total(), acyclic(2));
            }

            #[test]
            fn tens_of_thousands_of_local_tasks_panics_and_aborts() {
                let detector = Detector::new(Stress::<S>::OBJECTS);
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .expect("a runtime");
                let local = tokio::task::LocalSet::new();
                local.block_on(&runtime, async {
                    let stress = Stress::<S>::new(&detector);
                    let tasks: Vec<_> = (0..STRESS_TASKS)
                        .map(|task| tokio::task::spawn_local(stress.task(&detector, task)))
                        .collect();
                    drop(stress);
                    end_stress(tasks).await;
                });
                drop((local, runtime));
                S::collect();
                assert_eq!(detector.total(), acyclic(Stress::<S>::OBJECTS));
            }
        }
    };
    // Thread-safe strategies also run the concurrent scenarios.
    (@thread_safe $strategy:ty) => {
        mod concurrent {
            use super::*;

            type S = $strategy;

            fn versioned(value: u64) -> Shared<S, Versioned> {
                Shared::new(Versioned {
                    value,
                    check: !value,
                    probe: None,
                })
            }

            #[test]
            fn readers_and_a_writer() {
                const WRITES: u64 = at_scale(2_000) as u64;
                let cell: Cell<S, Versioned> = Cell::new(versioned(0));
                std::thread::scope(|scope| {
                    for _ in 0..2 {
                        scope.spawn(|| {
                            let mut last = 0;
                            while last < WRITES {
                                let (value, check) = cell.read(|v| (v.value, v.check));
                                assert_eq!(check, !value, "a reader saw a torn or freed value");
                                assert!(value >= last, "reads went back in time");
                                let loaded = cell.load();
                                assert_eq!(loaded.check, !loaded.value);
                                assert!(loaded.value >= value);
                                last = loaded.value;
                            }
                        });
                    }
                    scope.spawn(|| {
                        for value in 1..=WRITES {
                            cell.store(versioned(value));
                        }
                    });
                });
                assert_eq!(cell.read(|v| v.value), WRITES);
            }

            #[test]
            fn concurrent_rcu_loses_no_update() {
                const THREADS: u64 = 2;
                const UPDATES: u64 = at_scale(1_000) as u64;
                let cell: Cell<S, Versioned> = Cell::new(versioned(0));
                std::thread::scope(|scope| {
                    for _ in 0..THREADS {
                        scope.spawn(|| {
                            for _ in 0..UPDATES {
                                cell.rcu(|v| versioned(v.value + 1));
                            }
                        });
                    }
                });
                assert_eq!(cell.read(|v| v.value), THREADS * UPDATES);
            }

            #[test]
            fn concurrent_lock_writers_lose_no_update() {
                const THREADS: usize = 2;
                const UPDATES: usize = at_scale(1_000);
                let lock: Lock<S, Vec<Shared<S, Versioned>>> = Lock::new(Vec::new());
                let counter: Lock<S, u64> = Lock::new(0);
                std::thread::scope(|scope| {
                    for _ in 0..THREADS {
                        scope.spawn(|| {
                            for i in 0..UPDATES {
                                let value = versioned(i as u64);
                                lock.with(|v| v.push(value));
                                counter.with(|c| *c += 1);
                                // Readers see whole values.
                                lock.read(|v| v.iter().all(|x| x.check == !x.value));
                            }
                        });
                    }
                });
                assert_eq!(lock.read(|v| v.len()), THREADS * UPDATES);
                assert_eq!(counter.into_inner(), (THREADS * UPDATES) as u64);
            }

            #[test]
            fn concurrent_option_cell_updates_lose_no_update() {
                const THREADS: u64 = 2;
                const UPDATES: u64 = at_scale(1_000) as u64;
                let cell: OptionCell<S, Versioned> = OptionCell::empty();
                std::thread::scope(|scope| {
                    for _ in 0..THREADS {
                        scope.spawn(|| {
                            for _ in 0..UPDATES {
                                cell.update(|v| Some(Some(versioned(v.map_or(0, |v| v.value) + 1))));
                                // A racing reader or loader sees a whole value, or none.
                                if let Some(v) = cell.load() {
                                    assert_eq!(v.check, !v.value);
                                }
                            }
                        });
                    }
                });
                assert_eq!(cell.read(|v| v.map(|v| v.value)), Some(THREADS * UPDATES));
            }

            #[test]
            fn handles_cross_tokio_tasks_and_aborts() {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_time()
                    .build()
                    .expect("a runtime");
                let detector = Detector::new(64);
                runtime.block_on(async {
                    let shared: Vec<Shared<S, Versioned>> = (0..64)
                        .map(|id| {
                            Shared::new(Versioned {
                                value: id,
                                check: !id,
                                probe: Some(detector.probe(id as usize)),
                            })
                        })
                        .collect();
                    let mut tasks = Vec::new();
                    for (i, handle) in shared.iter().enumerate() {
                        let handle = handle.clone();
                        tasks.push(tokio::spawn(async move {
                            if i % 2 == 0 {
                                // Parked forever: aborted below with its handle.
                                std::future::pending::<()>().await;
                            }
                            assert_eq!(handle.check, !handle.value);
                        }));
                    }
                    drop(shared);
                    for (i, task) in tasks.into_iter().enumerate() {
                        if i % 2 == 0 {
                            task.abort();
                            assert!(task.await.unwrap_err().is_cancelled());
                        } else {
                            task.await.expect("the task completed");
                        }
                    }
                });
                drop(runtime);
                S::collect();
                assert_eq!(detector.total(), acyclic_for::<S>(64));
            }

            #[test]
            fn tens_of_thousands_of_tasks_panics_and_aborts() {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .build()
                    .expect("a runtime");
                let detector = Detector::new(Stress::<S>::OBJECTS);
                runtime.block_on(async {
                    let stress = Stress::<S>::new(&detector);
                    let tasks: Vec<_> = (0..STRESS_TASKS)
                        .map(|task| tokio::spawn(stress.task(&detector, task)))
                        .collect();
                    drop(stress);
                    end_stress(tasks).await;
                });
                // The workers exit here, with whatever they retired.
                drop(runtime);
                S::collect();
                assert_eq!(detector.total(), acyclic_for::<S>(Stress::<S>::OBJECTS));
            }
        }
    };
}

/// Expected reclaimed count for `n` acyclic objects under `S`.
// Only the thread-safe scenarios use it; a build with `gc` alone has none.
#[allow(dead_code)]
fn acyclic_for<S: Strategy>(n: usize) -> usize {
    if frees::<S>() {
        n
    } else {
        0
    }
}

/// One module of the suite per enabled strategy, from the library's one list.
macro_rules! every_strategy {
    ($($module:ident: $feature:literal => $ty:ident, $kind:ident;)*) => {
        $(
            #[cfg(feature = $feature)]
            every_strategy!(@one $module, reclaimer::$ty, $kind);
        )*
    };
    (@one $module:ident, $ty:ty, thread_safe) => {
        conformance!($module, $ty, thread_safe);
    };
    (@one $module:ident, $ty:ty, local) => {
        conformance!($module, $ty);
    };
}

reclaimer::for_each_strategy!(every_strategy);

/// `Gc`, `Rc` and `UnsyncGc` run a read closure under the cell's shared borrow: a collection
/// inside the closure still traces the cell, and a store into the same cell panics instead of
/// freeing the value being read.
macro_rules! read_under_borrow {
    ($module:ident, $ty:ty, $feature:literal) => {
        #[cfg(feature = $feature)]
        mod $module {
            use super::*;

            type S = $ty;

            #[derive(Trace)]
            struct Holder {
                cell: Cell<S, Versioned>,
            }

            fn holder(detector: &StdArc<Detector>) -> Shared<S, Holder> {
                Shared::new(Holder {
                    cell: Cell::new(Shared::new(Versioned {
                        value: 7,
                        check: !7,
                        probe: Some(detector.probe(0)),
                    })),
                })
            }

            #[test]
            fn a_collection_inside_read_keeps_the_value() {
                let detector = Detector::new(1);
                let holder = holder(&detector);
                let seen = holder.cell.read(|v| {
                    S::collect();
                    assert_eq!(detector.total(), 0, "collected while being read");
                    (v.value, v.check)
                });
                assert_eq!(seen, (7, !7));
                drop(holder);
                S::collect();
                assert_eq!(detector.total(), 1);
            }

            #[derive(Trace)]
            struct LockHolder {
                lock: Lock<S, Vec<Shared<S, Versioned>>>,
            }

            #[test]
            fn a_collection_inside_with_keeps_the_value() {
                let detector = Detector::new(2);
                let holder: Shared<S, LockHolder> = Shared::new(LockHolder {
                    lock: Lock::new(Vec::new()),
                });
                let first = Shared::new(Versioned {
                    value: 1,
                    check: !1,
                    probe: Some(detector.probe(0)),
                });
                holder.lock.with(|v| v.push(first));
                holder.lock.with(|v| {
                    S::collect();
                    assert_eq!(
                        detector.total(),
                        0,
                        "collected while a writer holds the lock"
                    );
                    v.push(Shared::new(Versioned {
                        value: 2,
                        check: !2,
                        probe: Some(detector.probe(1)),
                    }));
                    S::collect();
                    assert_eq!(
                        detector.total(),
                        0,
                        "collected while a writer holds the lock"
                    );
                });
                S::collect();
                assert_eq!(
                    detector.total(),
                    0,
                    "collected while reachable through the lock"
                );
                assert_eq!(
                    holder
                        .lock
                        .read(|v| v.iter().map(|x| x.check).collect::<Vec<_>>()),
                    [!1, !2]
                );
                drop(holder);
                S::collect();
                assert_eq!(detector.total(), 2);
            }

            #[test]
            fn a_with_inside_its_own_with_panics() {
                let holder: Shared<S, LockHolder> = Shared::new(LockHolder {
                    lock: Lock::new(Vec::new()),
                });
                let reentered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    holder.lock.with(|_| holder.lock.with(|v| v.len()))
                }));
                let message = reentered.expect_err("the nested with went through");
                let message = message
                    .downcast_ref::<&str>()
                    .copied()
                    .or_else(|| message.downcast_ref::<String>().map(String::as_str))
                    .expect("a message");
                assert!(message.contains("Lock::with re-entered"), "{message}");
                assert_eq!(
                    holder.lock.read(|v| v.len()),
                    0,
                    "the lock is usable after the panic"
                );
            }

            #[test]
            fn a_store_into_the_cell_being_read_panics() {
                let detector = Detector::new(1);
                let holder = holder(&detector);
                let stored = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    holder.cell.read(|_| {
                        holder.cell.store(Shared::new(Versioned {
                            value: 8,
                            check: !8,
                            probe: None,
                        }))
                    })
                }));
                assert!(stored.is_err(), "the store inside read went through");
                assert_eq!(holder.cell.read(|v| (v.value, v.check)), (7, !7));
                assert_eq!(detector.total(), 0);
                drop(holder);
                S::collect();
                assert_eq!(detector.total(), 1);
            }
        }
    };
}

read_under_borrow!(gc_read_under_borrow, reclaimer::Gc, "gc");
read_under_borrow!(rc_read_under_borrow, reclaimer::Rc, "rc");
read_under_borrow!(
    unsync_gc_read_under_borrow,
    reclaimer::UnsyncGc,
    "unsync-gc"
);

/// `SyncGc`'s lock is a `RwLock` the collector reads without waiting: while a writer on another
/// thread holds it, a collection counts its owner as reachable instead of skipping what it holds.
#[cfg(feature = "sync-gc")]
mod sync_gc_lock_held_by_a_writer {
    use super::*;

    use std::sync::Barrier;

    type S = reclaimer::SyncGc;

    fn node(detector: &StdArc<Detector>, id: usize) -> Shared<S, LockNode<S>> {
        Shared::new(LockNode {
            probe: detector.probe(id),
            value: id as u64,
            edges: Lock::new(Vec::new()),
            next: OptionCell::empty(),
        })
    }

    #[test]
    fn a_collection_while_a_writer_holds_the_lock_keeps_the_value() {
        let detector = Detector::new(2);
        let a = node(&detector, 0);
        let b = node(&detector, 1);
        a.edges.with(|e| e.push(b.clone()));
        b.edges.with(|e| e.push(a.clone()));
        let (held, release) = (Barrier::new(2), Barrier::new(2));
        std::thread::scope(|scope| {
            let writer_b = b.clone();
            let (held, release, watch) = (&held, &release, &detector);
            scope.spawn(move || {
                writer_b.edges.with(|e| {
                    held.wait();
                    release.wait();
                    assert_eq!(e[0].value, 0);
                    assert_eq!(watch.total(), 0, "freed while a writer held it");
                });
                drop(writer_b);
                S::collect();
            });
            held.wait();
            // Only the writer's handle keeps the cycle alive now.
            drop((a, b));
            S::collect();
            assert_eq!(
                detector.total(),
                0,
                "collected while a writer holds the lock"
            );
            release.wait();
        });
        S::collect();
        assert_eq!(detector.total(), 2);
    }
}
