//! Random object graphs against a reachability oracle.
//!
//! proptest generates a graph (nodes, edges through the three kinds of link, which nodes the
//! test holds) and then a sequence of operations on it: create a node, clone or drop a handle
//! the test holds, link or unlink through a [`Cell`], an [`OptionCell`] or a [`Lock`], load a
//! link into a new handle, and `collect()`. The same case runs on every strategy of the
//! library's list.
//!
//! The prediction comes from a plain reachability computation over the generated edges, never
//! from the library: the roots are the handles the test holds; a node on a cycle is a node
//! reachable from one of its own successors.
//!
//! - Refcounting strategies (`!RECLAIMS_CYCLES && FREES_MEMORY`: `Arc`, `RwLockArc`, `Epoch`)
//!   keep exactly the nodes reachable from a root, from a node on a cycle, or both; after a
//!   `collect()` every other node has dropped.
//! - `Gc` and `SyncGc` keep exactly the nodes reachable from a root after `collect()`.
//! - `Leak` drops nothing.
//! - At every step, no node reachable from a root has dropped; no node ever drops twice.
//! - At the end, with every handle dropped and a final `collect()`, the ledger's counts
//!   (allocated, reclaimed, leaked, double reclaims) agree with the prediction.
//!
//! A second property spreads the operations over two or three threads, for the thread-safe
//! strategies (every one but `Gc`), in rounds that end with a join. Within a round each thread
//! writes only the links of the nodes it owns, loads only from them, and drops only the handles
//! it holds; links may point at any node, and handles are cloned and handed to other threads
//! between rounds, so the reference counts of shared nodes change on several threads at once.
//! Every interleaving of a round ends in the same graph, so the prediction does not depend on
//! scheduling, and the same assertions apply after every round.
//!
//! 256 cases of each property by default; `PROPTEST_CASES=5000 cargo test --test reachability`
//! runs more. A failure shrinks to a minimal graph and operation sequence.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc as StdArc, Barrier};

use proptest::prelude::*;
use reclaimer::metrics::{Counts, Ledger, Tracked};
use reclaimer::strategy::{for_each, Visit};
use reclaimer::{
    Cell, Lock, OptionCell, Shareable, Shared, Strategy as Reclaim, ThreadSafe, Trace,
};

/// The most nodes a case can create: the initial graph plus one per operation.
const MAX_NODES: usize = 8 + 64;
/// Each node has one link of each kind.
const SLOTS: usize = 3;

/// Counts each node's drops.
struct Probe {
    id: usize,
    drops: StdArc<Vec<AtomicU32>>,
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.drops[self.id].fetch_add(1, Ordering::SeqCst);
    }
}

type Link<S> = Option<Shared<S, Node<S>>>;

/// A node with one outgoing link through each mutable container of the library.
#[derive(Trace)]
struct Node<S: Reclaim> {
    #[trace(skip)]
    probe: Probe,
    /// Slot 0: a cell holding an optional link (`swap` replaces it).
    cell: Cell<S, Link<S>>,
    /// Slot 1: the optional cell.
    option: OptionCell<S, Node<S>>,
    /// Slot 2: the traced lock, mutated in place.
    lock: Lock<S, Link<S>>,
    /// Known to the ledger.
    tracked: Tracked<()>,
}

/// One generated operation. Indices are reduced modulo the current number of handles or
/// nodes, so every sequence is valid and shrinking towards 0 keeps it valid.
#[derive(Clone, Debug)]
enum Op {
    /// A new node, held by a new handle.
    Create,
    /// Clone handle `h`.
    Clone(usize),
    /// Drop handle `h`.
    Drop(usize),
    /// Point link `slot` of the node behind handle `from` at the node behind handle `to`.
    Link { from: usize, slot: usize, to: usize },
    /// Empty link `slot` of the node behind handle `from`.
    Unlink { from: usize, slot: usize },
    /// Load link `slot` of the node behind handle `from` into a new handle, if it is set.
    Load { from: usize, slot: usize },
    /// `S::collect()`, then check the prediction exactly.
    Collect,
}

/// A generated case: an initial graph, the nodes held, then operations.
#[derive(Clone, Debug)]
struct Case {
    nodes: usize,
    /// `(from, slot, to)`, node indices modulo `nodes`; a later edge on the same link wins.
    edges: Vec<(usize, usize, usize)>,
    /// Nodes the test holds a handle to at the start (modulo `nodes`).
    held: Vec<usize>,
    ops: Vec<Op>,
}

fn op() -> impl Strategy<Value = Op> {
    let h = 0..16usize;
    prop_oneof![
        2 => Just(Op::Create),
        1 => h.clone().prop_map(Op::Clone),
        3 => h.clone().prop_map(Op::Drop),
        4 => (h.clone(), 0..SLOTS, h.clone()).prop_map(|(from, slot, to)| Op::Link { from, slot, to }),
        2 => (h.clone(), 0..SLOTS).prop_map(|(from, slot)| Op::Unlink { from, slot }),
        2 => (h, 0..SLOTS).prop_map(|(from, slot)| Op::Load { from, slot }),
        1 => Just(Op::Collect),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (1..=8usize).prop_flat_map(|nodes| {
        (
            Just(nodes),
            prop::collection::vec((0..nodes, 0..SLOTS, 0..nodes), 0..16),
            prop::collection::vec(0..nodes, 0..4),
            prop::collection::vec(op(), 0..64),
        )
            .prop_map(|(nodes, edges, held, ops)| Case {
                nodes,
                edges,
                held,
                ops,
            })
    })
}

/// The oracle's model: each node's links and the handles the test holds, as node indices.
#[derive(Default)]
struct Model {
    links: Vec<[Option<usize>; SLOTS]>,
    roots: Vec<usize>,
}

impl Model {
    fn successors(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        self.links[node].iter().flatten().copied()
    }

    /// Every node reachable from `seeds`.
    fn reach(&self, seeds: impl IntoIterator<Item = usize>) -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<usize> = seeds.into_iter().collect();
        while let Some(n) = stack.pop() {
            if seen.insert(n) {
                stack.extend(self.successors(n));
            }
        }
        seen
    }

    /// The nodes on a cycle: reachable from one of their own successors.
    fn on_cycle(&self) -> BTreeSet<usize> {
        (0..self.links.len())
            .filter(|&n| self.reach(self.successors(n)).contains(&n))
            .collect()
    }

    /// The nodes strategy `S` keeps once it has reclaimed what it can.
    ///
    /// The links of a node already dropped never change again (nothing can reach it to change
    /// them), and a dropped node is never reached from what is kept, so the computation can
    /// run over every node ever created.
    fn kept<S: Reclaim>(&self) -> BTreeSet<usize> {
        if !S::FREES_MEMORY {
            (0..self.links.len()).collect()
        } else if S::RECLAIMS_CYCLES {
            self.reach(self.roots.iter().copied())
        } else {
            self.reach(self.roots.iter().copied().chain(self.on_cycle()))
        }
    }
}

/// What one run observed.
struct Run {
    drops: StdArc<Vec<AtomicU32>>,
}

impl Run {
    fn dropped(&self, nodes: usize) -> Result<BTreeSet<usize>, TestCaseError> {
        let mut dropped = BTreeSet::new();
        for n in 0..nodes {
            match self.drops[n].load(Ordering::SeqCst) {
                0 => {}
                1 => {
                    dropped.insert(n);
                }
                k => return Err(TestCaseError::fail(format!("node {n} dropped {k} times"))),
            }
        }
        Ok(dropped)
    }
}

fn run<S: Reclaim>(case: &Case) -> Result<(), TestCaseError>
where
    Node<S>: Shareable<S>,
    Link<S>: Shareable<S>,
{
    let name = S::NAME;
    let ledger = Ledger::new();
    let observed = Run {
        drops: StdArc::new((0..MAX_NODES).map(|_| AtomicU32::new(0)).collect()),
    };
    let mut model = Model::default();
    // Every node the test has created, by index: the handles of `handles` point into it.
    let mut handles: Vec<(usize, Shared<S, Node<S>>)> = Vec::new();

    let create = |model: &mut Model| -> (usize, Shared<S, Node<S>>) {
        let id = model.links.len();
        model.links.push([None; SLOTS]);
        let node = Shared::new(Node {
            probe: Probe {
                id,
                drops: observed.drops.clone(),
            },
            cell: Cell::new(Shared::new(None)),
            option: OptionCell::empty(),
            lock: Lock::new(None),
            tracked: Tracked::new(&ledger, ()),
        });
        (id, node)
    };
    let set = |node: &Node<S>, slot: usize, to: Option<Shared<S, Node<S>>>| match slot {
        0 => drop(node.cell.swap(Shared::new(to))),
        1 => node.option.store(to),
        _ => node.lock.with(|link| *link = to),
    };
    let get = |node: &Node<S>, slot: usize| -> Option<Shared<S, Node<S>>> {
        match slot {
            0 => node.cell.read(|link| link.clone()),
            1 => node.option.load(),
            _ => node.lock.read(|link| link.clone()),
        }
    };

    // The initial graph: every node held while it is linked, then only `held`.
    let mut initial: Vec<(usize, Shared<S, Node<S>>)> =
        (0..case.nodes).map(|_| create(&mut model)).collect();
    for &(from, slot, to) in &case.edges {
        set(&initial[from].1, slot, Some(initial[to].1.clone()));
        model.links[from][slot] = Some(to);
    }
    for &n in &case.held {
        handles.push((n, initial[n].1.clone()));
        model.roots.push(n);
    }
    initial.clear();

    S::collect();
    check::<S>(&observed, &model, true, "after building the initial graph")?;

    for (i, op) in case.ops.iter().enumerate() {
        let step = format!("op {i} {op:?}");
        let len = handles.len();
        match *op {
            Op::Create => {
                let node = create(&mut model);
                model.roots.push(node.0);
                handles.push(node);
            }
            Op::Clone(h) if len > 0 => {
                let (n, node) = &handles[h % len];
                let copy = (*n, node.clone());
                model.roots.push(copy.0);
                handles.push(copy);
            }
            Op::Drop(h) if len > 0 => {
                drop(handles.swap_remove(h % len));
                model.roots.swap_remove(h % len);
            }
            Op::Link { from, slot, to } if len > 0 => {
                let (to_id, target) = (handles[to % len].0, handles[to % len].1.clone());
                let (from_id, node) = &handles[from % len];
                set(node, slot, Some(target));
                model.links[*from_id][slot] = Some(to_id);
            }
            Op::Unlink { from, slot } if len > 0 => {
                let (from_id, node) = &handles[from % len];
                set(node, slot, None);
                model.links[*from_id][slot] = None;
            }
            Op::Load { from, slot } if len > 0 => {
                let (from_id, node) = &handles[from % len];
                let loaded = get(node, slot);
                let expected = model.links[*from_id][slot];
                prop_assert_eq!(
                    loaded.as_ref().map(|n| n.probe.id),
                    expected,
                    "{}, {}: the link holds another node",
                    name,
                    &step
                );
                if let (Some(id), Some(node)) = (expected, loaded) {
                    model.roots.push(id);
                    handles.push((id, node));
                }
            }
            Op::Collect => S::collect(),
            _ => {}
        }
        check::<S>(&observed, &model, matches!(op, Op::Collect), &step)?;
    }

    // The end: every handle dropped, then the ledger's final collect.
    drop(handles);
    model.roots.clear();
    let counts = ledger.finish::<S>().counts;
    check::<S>(&observed, &model, true, "at the end")?;
    ledger_agrees::<S>(&model, &counts)
}

/// The oracle's verdict on the drops observed so far: nothing reachable from a root dropped,
/// and, when `exact`, exactly the nodes the strategy does not keep dropped.
fn check<S: Reclaim>(
    observed: &Run,
    model: &Model,
    exact: bool,
    step: &str,
) -> Result<(), TestCaseError> {
    let name = S::NAME;
    let dropped = observed.dropped(model.links.len())?;
    let live = model.reach(model.roots.iter().copied());
    let early: Vec<_> = dropped.intersection(&live).collect();
    prop_assert!(
        early.is_empty(),
        "{name}, {step}: nodes {early:?} dropped while reachable from a root"
    );
    if exact {
        let kept = model.kept::<S>();
        let expected: BTreeSet<usize> = (0..model.links.len())
            .filter(|n| !kept.contains(n))
            .collect();
        prop_assert_eq!(
            &dropped,
            &expected,
            "{}, {}: dropped nodes (left) differ from the oracle's (right); links {:?}, roots {:?}",
            name,
            step,
            model.links,
            model.roots
        );
    }
    Ok(())
}

/// The ledger's final counts against the oracle's: every node created was allocated, the kept
/// ones leaked, the rest reclaimed, none twice.
fn ledger_agrees<S: Reclaim>(model: &Model, counts: &Counts) -> Result<(), TestCaseError> {
    let name = S::NAME;
    let created = model.links.len() as u64;
    let leaked = model.kept::<S>().len() as u64;
    prop_assert_eq!(counts.allocated, created, "{}: ledger allocated", name);
    prop_assert_eq!(
        counts.reclaimed,
        created - leaked,
        "{}: ledger reclaimed",
        name
    );
    prop_assert_eq!(counts.leaked, leaked, "{}: ledger leaked", name);
    prop_assert_eq!(
        counts.double_reclaims,
        0,
        "{}: ledger double reclaims",
        name
    );
    Ok(())
}

/// Runs one case on every strategy of the library's list.
struct Check<'a>(&'a Case);

impl Visit for Check<'_> {
    type Output = Result<(), TestCaseError>;
    fn thread_safe<S: ThreadSafe>(&mut self) -> Self::Output {
        run::<S>(self.0)
    }
    fn local<S: reclaimer::Local>(&mut self) -> Self::Output {
        run::<S>(self.0)
    }
}

proptest! {
    // The default configuration: 256 cases, or `PROPTEST_CASES`.
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn every_strategy_reclaims_what_reachability_predicts(case in case()) {
        for outcome in for_each(&mut Check(&case)) {
            outcome?;
        }
    }
}

/// The most threads a threaded case uses.
const MAX_THREADS: usize = 3;
/// The most rounds and the most operations of one thread in one round.
const MAX_ROUNDS: usize = 6;
const MAX_ROUND_OPS: usize = 12;
/// The most nodes a threaded case can create.
const MAX_THREADED_NODES: usize = 8 + MAX_ROUNDS * MAX_THREADS * MAX_ROUND_OPS;

/// One generated operation of one thread in one round. Indices are reduced modulo what the
/// thread holds, as in [`Op`].
#[derive(Clone, Debug)]
enum ThreadOp {
    /// A new node, owned by this thread and held by a new handle.
    Create,
    /// Clone handle `h`.
    Clone(usize),
    /// Drop handle `h`.
    Drop(usize),
    /// Point link `slot` of an owned node (`from`, among the handles to owned nodes) at the
    /// node behind handle `to`.
    Link { from: usize, slot: usize, to: usize },
    /// Empty link `slot` of an owned node.
    Unlink { from: usize, slot: usize },
    /// Load link `slot` of an owned node into a new handle, if it is set.
    Load { from: usize, slot: usize },
    /// Clone handle `h` for thread `to` (modulo the threads), which gets it after the round.
    Give { h: usize, to: usize },
}

/// A round: each thread's operations (thread `t` runs `ops[t]`), then a join, then
/// `S::collect()` and an exact check if `collect`.
#[derive(Clone, Debug)]
struct Round {
    ops: Vec<Vec<ThreadOp>>,
    collect: bool,
}

/// A generated threaded case: an initial graph, which thread holds which node, then rounds.
#[derive(Clone, Debug)]
struct ThreadedCase {
    threads: usize,
    nodes: usize,
    edges: Vec<(usize, usize, usize)>,
    /// `(node, thread)`: the thread holds a handle to the node at the start.
    held: Vec<(usize, usize)>,
    rounds: Vec<Round>,
}

fn thread_op() -> impl Strategy<Value = ThreadOp> {
    let h = 0..16usize;
    prop_oneof![
        2 => Just(ThreadOp::Create),
        1 => h.clone().prop_map(ThreadOp::Clone),
        3 => h.clone().prop_map(ThreadOp::Drop),
        4 => (h.clone(), 0..SLOTS, h.clone())
            .prop_map(|(from, slot, to)| ThreadOp::Link { from, slot, to }),
        2 => (h.clone(), 0..SLOTS).prop_map(|(from, slot)| ThreadOp::Unlink { from, slot }),
        2 => (h.clone(), 0..SLOTS).prop_map(|(from, slot)| ThreadOp::Load { from, slot }),
        2 => (h, 0..MAX_THREADS).prop_map(|(h, to)| ThreadOp::Give { h, to }),
    ]
}

fn round() -> impl Strategy<Value = Round> {
    (
        prop::collection::vec(
            prop::collection::vec(thread_op(), 0..=MAX_ROUND_OPS),
            MAX_THREADS,
        ),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(ops, collect)| Round { ops, collect })
}

fn threaded_case() -> impl Strategy<Value = ThreadedCase> {
    (2..=MAX_THREADS, 1..=8usize).prop_flat_map(|(threads, nodes)| {
        (
            Just(threads),
            Just(nodes),
            prop::collection::vec((0..nodes, 0..SLOTS, 0..nodes), 0..16),
            prop::collection::vec((0..nodes, 0..threads), 0..6),
            prop::collection::vec(round(), 0..=MAX_ROUNDS),
        )
            .prop_map(|(threads, nodes, edges, held, rounds)| ThreadedCase {
                threads,
                nodes,
                edges,
                held,
                rounds,
            })
    })
}

/// One operation of a thread's round, resolved against what the thread holds: `h`, `from` and
/// `to` index the thread's handle list as it is when the operation runs.
#[derive(Clone, Debug)]
enum Action {
    Create {
        id: usize,
    },
    Clone {
        h: usize,
    },
    Drop {
        h: usize,
    },
    Set {
        from: usize,
        slot: usize,
        to: Option<usize>,
    },
    Load {
        from: usize,
        slot: usize,
        expect: Option<usize>,
    },
    Give {
        h: usize,
        to: usize,
    },
}

/// Resolves every thread's operations of one round into actions, and applies them to the
/// model: each thread's handle list (node ids), the links, and who owns which node.
///
/// A thread changes only its own handle list and the links of the nodes it owns, and reads
/// only those links, so the resolution of one thread does not depend on another's: every
/// interleaving of the round ends in the model this computes.
///
/// Under `SyncGc` only one thread per round (`releaser`) drops handles or replaces a set link,
/// the others' such operations are skipped: dumpster 2.1 can leak an acyclic object whose last
/// two references go on two threads at once (`tests/sync_gc_concurrent_drop.rs`), which would
/// make the outcome depend on scheduling. Its other threads still clone, load, give and link
/// into empty links while the releaser drops.
fn plan(
    round: &Round,
    held: &mut [Vec<usize>],
    links: &mut Vec<[Option<usize>; SLOTS]>,
    owner: &mut Vec<usize>,
    releaser: Option<usize>,
) -> (Vec<Vec<Action>>, Vec<(usize, usize)>) {
    let threads = held.len();
    let mut plans = Vec::new();
    let mut given = Vec::new();
    for (t, mine) in held.iter_mut().enumerate() {
        let releases = releaser.is_none_or(|r| r == t);
        let mut actions = Vec::new();
        for op in &round.ops[t] {
            let len = mine.len();
            // Handles to the nodes this thread owns, by position in its list.
            let owned: Vec<usize> = (0..len).filter(|&h| owner[mine[h]] == t).collect();
            let action = match *op {
                ThreadOp::Create => {
                    let id = links.len();
                    links.push([None; SLOTS]);
                    owner.push(t);
                    mine.push(id);
                    Action::Create { id }
                }
                ThreadOp::Clone(h) if len > 0 => {
                    mine.push(mine[h % len]);
                    Action::Clone { h: h % len }
                }
                ThreadOp::Drop(h) if len > 0 && releases => {
                    mine.swap_remove(h % len);
                    Action::Drop { h: h % len }
                }
                ThreadOp::Link { from, slot, to } if !owned.is_empty() => {
                    let from = owned[from % owned.len()];
                    let node = mine[from];
                    if links[node][slot].is_some() && !releases {
                        continue;
                    }
                    links[node][slot] = Some(mine[to % len]);
                    Action::Set {
                        from,
                        slot,
                        to: Some(to % len),
                    }
                }
                ThreadOp::Unlink { from, slot } if !owned.is_empty() && releases => {
                    let from = owned[from % owned.len()];
                    links[mine[from]][slot] = None;
                    Action::Set {
                        from,
                        slot,
                        to: None,
                    }
                }
                ThreadOp::Load { from, slot } if !owned.is_empty() => {
                    let from = owned[from % owned.len()];
                    let expect = links[mine[from]][slot];
                    if let Some(id) = expect {
                        mine.push(id);
                    }
                    Action::Load { from, slot, expect }
                }
                ThreadOp::Give { h, to } if len > 0 => {
                    given.push((to % threads, mine[h % len]));
                    Action::Give {
                        h: h % len,
                        to: to % threads,
                    }
                }
                _ => continue,
            };
            actions.push(action);
        }
        plans.push(actions);
    }
    // What was given joins the receiver's list after the round, in the order given.
    for &(to, id) in &given {
        held[to].push(id);
    }
    (plans, given)
}

/// `S::collect()`; under `Epoch`, again until a collect frees nothing. A chain of drops that a
/// worker's garbage began is counted for that worker while its thread is still exiting (its
/// thread-locals outlive the scope), and one `Epoch::collect()` elsewhere does not wait for
/// what is counted for a live thread; each call frees more of it. Once the thread has exited,
/// one call frees it all (`tests/epoch_orphan_chain.rs`).
fn collect_all<S: ThreadSafe>(drops: &[AtomicU32]) {
    let total = || drops.iter().map(|d| d.load(Ordering::SeqCst)).sum::<u32>();
    loop {
        let before = total();
        S::collect();
        if S::NAME != reclaimer::Epoch::NAME || total() == before {
            break;
        }
    }
}

fn run_threaded<S: ThreadSafe>(case: &ThreadedCase) -> Result<(), TestCaseError> {
    let name = S::NAME;
    let ledger = Ledger::new();
    let drops: StdArc<Vec<AtomicU32>> =
        StdArc::new((0..MAX_THREADED_NODES).map(|_| AtomicU32::new(0)).collect());
    let observed = Run {
        drops: drops.clone(),
    };
    let mut model = Model::default();
    // The thread that owns each node: it alone writes and loads the node's links.
    let mut owner: Vec<usize> = Vec::new();
    let create = |id: usize| -> Shared<S, Node<S>> {
        Shared::new(Node {
            probe: Probe {
                id,
                drops: drops.clone(),
            },
            cell: Cell::new(Shared::new(None)),
            option: OptionCell::empty(),
            lock: Lock::new(None),
            tracked: Tracked::new(&ledger, ()),
        })
    };
    let set = |node: &Node<S>, slot: usize, to: Option<Shared<S, Node<S>>>| match slot {
        0 => drop(node.cell.swap(Shared::new(to))),
        1 => node.option.store(to),
        _ => node.lock.with(|link| *link = to),
    };
    let get = |node: &Node<S>, slot: usize| -> Option<Shared<S, Node<S>>> {
        match slot {
            0 => node.cell.read(|link| link.clone()),
            1 => node.option.load(),
            _ => node.lock.read(|link| link.clone()),
        }
    };

    // The initial graph, built on this thread; node `i` is owned by thread `i % threads`.
    let initial: Vec<Shared<S, Node<S>>> = (0..case.nodes)
        .map(|id| {
            model.links.push([None; SLOTS]);
            owner.push(id % case.threads);
            create(id)
        })
        .collect();
    for &(from, slot, to) in &case.edges {
        set(&initial[from], slot, Some(initial[to].clone()));
        model.links[from][slot] = Some(to);
    }
    // Each thread's handles, as node ids (the model) and as handles.
    let mut ids: Vec<Vec<usize>> = vec![Vec::new(); case.threads];
    let mut handles: Vec<Vec<Shared<S, Node<S>>>> = (0..case.threads).map(|_| Vec::new()).collect();
    for &(n, t) in &case.held {
        ids[t].push(n);
        handles[t].push(initial[n].clone());
    }
    drop(initial);

    model.roots = ids.concat();
    collect_all::<S>(&drops);
    check::<S>(&observed, &model, true, "after building the initial graph")?;

    let sync_gc = S::NAME == reclaimer::SyncGc::NAME;
    for (r, round) in case.rounds.iter().enumerate() {
        let releaser = sync_gc.then_some(r % case.threads);
        let (plans, _) = plan(round, &mut ids, &mut model.links, &mut owner, releaser);
        // Each thread runs its actions on its own handles and returns them with what it gave.
        let done = Barrier::new(plans.len());
        let outcomes: Vec<Result<_, TestCaseError>> = std::thread::scope(|scope| {
            let workers: Vec<_> = plans
                .iter()
                .zip(std::mem::take(&mut handles))
                .enumerate()
                .map(|(t, (actions, mut mine))| {
                    let (create, set, get, drops, done) = (&create, &set, &get, &drops, &done);
                    scope.spawn(move || -> Result<_, TestCaseError> {
                        let mut given = Vec::new();
                        let mut apply = || -> Result<(), TestCaseError> {
                        for (i, action) in actions.iter().enumerate() {
                            match *action {
                                Action::Create { id } => mine.push(create(id)),
                                Action::Clone { h } => mine.push(mine[h].clone()),
                                Action::Drop { h } => drop(mine.swap_remove(h)),
                                Action::Set { from, slot, to } => {
                                    set(&mine[from], slot, to.map(|h| mine[h].clone()))
                                }
                                Action::Load { from, slot, expect } => {
                                    let loaded = get(&mine[from], slot);
                                    prop_assert_eq!(
                                        loaded.as_ref().map(|n| n.probe.id),
                                        expect,
                                        "{}, round {} thread {} action {} {:?}: the link holds another node",
                                        name, r, t, i, action
                                    );
                                    mine.extend(loaded);
                                }
                                Action::Give { h, to } => given.push((to, mine[h].clone())),
                            }
                        }
                        Ok(())
                        };
                        let applied = apply();
                        // A scoped thread hands its `Epoch` bag, its `Hyaline` batch, its
                        // `Hazard` scan and its dumpster of `SyncGc` candidates on in
                        // thread-local destructors, which may run after the scope has
                        // returned: hand them on now, so that the main thread's collect does
                        // not depend on when those destructors run (a `Hazard` scan running
                        // there holds what it took from the domain while the main thread's
                        // scan finds it gone). `SyncGc` collects once every thread is done
                        // mutating.
                        if S::NAME != reclaimer::SyncGc::NAME {
                            S::collect();
                        }
                        if S::NAME == reclaimer::SyncGc::NAME {
                            done.wait();
                            S::collect();
                        }
                        applied?;
                        // What this thread holds has not dropped, whatever the others did.
                        for node in &mine {
                            let id = node.probe.id;
                            prop_assert_eq!(
                                drops[id].load(Ordering::SeqCst),
                                0,
                                "{}, round {} thread {}: node {} dropped while held",
                                name, r, t, id
                            );
                        }
                        Ok((mine, given))
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        let mut given = Vec::new();
        for outcome in outcomes {
            let (mine, gave) = outcome?;
            handles.push(mine);
            given.extend(gave);
        }
        // In the order `plan` gave them: thread by thread, each in its own order.
        for (to, handle) in given {
            handles[to].push(handle);
        }
        for (t, mine) in handles.iter().enumerate() {
            let held: Vec<usize> = mine.iter().map(|n| n.probe.id).collect();
            prop_assert_eq!(
                &held,
                &ids[t],
                "{}, round {}: thread {}'s handles",
                name,
                r,
                t
            );
        }
        model.roots = ids.concat();
        if round.collect {
            collect_all::<S>(&drops);
        }
        check::<S>(
            &observed,
            &model,
            round.collect,
            &format!("after round {r}"),
        )?;
    }

    drop(handles);
    model.roots.clear();
    collect_all::<S>(&drops);
    let counts = ledger.finish::<S>().counts;
    check::<S>(&observed, &model, true, "at the end")?;
    ledger_agrees::<S>(&model, &counts)
}

/// Runs one threaded case on every thread-safe strategy of the library's list.
struct CheckThreaded<'a>(&'a ThreadedCase);

impl Visit for CheckThreaded<'_> {
    type Output = Result<(), TestCaseError>;
    fn thread_safe<S: ThreadSafe>(&mut self) -> Self::Output {
        run_threaded::<S>(self.0)
    }
    fn local<S: reclaimer::Local>(&mut self) -> Self::Output {
        // `Gc`'s handles cannot cross threads.
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn thread_safe_strategies_reclaim_what_reachability_predicts_across_threads(
        case in threaded_case()
    ) {
        for outcome in for_each(&mut CheckThreaded(&case)) {
            outcome?;
        }
    }
}
