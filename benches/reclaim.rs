//! What reclaiming a dead structure costs, per strategy: the structure is built untimed, then
//! its last handle is dropped and `reclaimer::collect::<S>()` called, timed, until every node
//! is freed.
//!
//! ```text
//! cargo bench --bench reclaim                        # every group
//! cargo bench --bench reclaim -- --quick             # each bench only until it is stable
//! cargo bench --bench reclaim -- reclaim/ring/       # rings, at every size
//! cargo bench --bench reclaim -- reclaim/chain/10000 # one group
//! ```
//!
//! Bench ids are `reclaim/<structure>/<nodes>/<strategy>`, at 100, 1 000 and 10 000 nodes.
//! Each group reports its throughput in nodes (criterion's `elem/s`), so groups of different
//! sizes read per object.
//!
//! Every structure is built from one node type: owning edges to nodes built after it, and
//! back-edges from [`Shared::downgrade`], which are weak pointers for the refcounting strategies
//! (`Arc`, `RwLockArc`, `Epoch`) and strong, traced ones for the collectors (`Gc`, `SyncGc`).
//! So the same structure is cyclic for the collectors and acyclic for the refcounting
//! strategies, which reclaim it with no help, as their users would build it.
//!
//! - `reclaim/chain/<n>`: n nodes, each owning the next; no back-edge. Acyclic for every
//!   strategy: a refcount cascade for `Arc`, `RwLockArc` and `SyncGc` (dumpster frees an object
//!   whose count reaches zero at once), a chain of deferred drops for `Epoch` (each node's
//!   deferred drop retires the next: one level per flush round of its `collect`), a
//!   collection for `Gc`.
//! - `reclaim/ring/<n>`: the chain closed by a back-edge from the last node to the first: a
//!   cycle the collectors must find (`Gc`, `SyncGc`), a chain reclaimed as above for the
//!   refcounting strategies (the back-edge is weak).
//! - `reclaim/random/<n>`: a random graph, the same for every strategy (seeded with the size):
//!   each node but the first is owned by a random earlier node, so all are reachable from the
//!   first, and each node has 2 more random edges, owning where they point to a later node and
//!   back-edges otherwise: many cycles for the collectors, a DAG for the refcounting
//!   strategies.
//!
//! `Epoch`'s time includes the flushes its `collect` runs until every retired node is freed.
//! `Leak` is left out: it never reclaims anything.
//!
//! Before its bench, each strategy reclaims the structure once, untimed. If that takes over
//! 0.5 s, the strategy is left out at that size and the larger ones of the structure, with a
//! line saying so: criterion's `--quick` mode fails on a bench whose first iteration outlasts
//! the measurement time, and a run must stay within minutes. Each group takes 10 samples, the
//! fewest criterion allows.
//!
//! The benches run on a thread with a 512 MiB stack: dropping a long chain recurses once per
//! node for `Arc`, `RwLockArc` and `SyncGc`, and dumpster's collector recurses per node too (see
//! `docs/limitations.md`).

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{measurement::WallTime, BatchSize, BenchmarkGroup, Criterion, Throughput};
use reclaimer::strategy::{for_each, Visit};
use reclaimer::{Lock, Shareable, Shared, Strategy, ThreadSafe, Trace, Weak};

type Group<'a> = BenchmarkGroup<'a, WallTime>;

/// Node counts of each structure.
const SIZES: [usize; 3] = [100, 1_000, 10_000];
/// Random edges per node of the random graph, beyond the one that owns it.
const EXTRA_EDGES: usize = 2;

#[derive(Trace)]
struct Node<S: Strategy> {
    /// Owning edges, to nodes built after this one.
    edges: Lock<S, Vec<Shared<S, Node<S>>>>,
    /// Back-edges: weak for the refcounting strategies, strong for the collectors.
    back: Lock<S, Vec<Weak<S, Node<S>>>>,
}

#[derive(Clone, Copy)]
enum Structure {
    Chain,
    Ring,
    Random,
}

impl Structure {
    const ALL: [Structure; 3] = [Structure::Chain, Structure::Ring, Structure::Random];

    fn name(self) -> &'static str {
        match self {
            Structure::Chain => "chain",
            Structure::Ring => "ring",
            Structure::Random => "random",
        }
    }
}

/// Builds `structure` with `n` nodes and returns the only handle to its first node.
fn build<S: Strategy>(structure: Structure, n: usize) -> Shared<S, Node<S>>
where
    Node<S>: Shareable<S>,
{
    let nodes: Vec<Shared<S, Node<S>>> = (0..n)
        .map(|_| {
            Shared::new(Node {
                edges: Lock::new(Vec::new()),
                back: Lock::new(Vec::new()),
            })
        })
        .collect();
    let link = |from: usize, to: usize| {
        if to > from {
            nodes[from].edges.with(|e| e.push(nodes[to].clone()));
        } else {
            nodes[from]
                .back
                .with(|b| b.push(Shared::downgrade(&nodes[to])));
        }
    };
    match structure {
        Structure::Chain | Structure::Ring => {
            for i in 1..n {
                link(i - 1, i);
            }
            if let Structure::Ring = structure {
                link(n - 1, 0);
            }
        }
        Structure::Random => {
            let mut rng = fastrand::Rng::with_seed(n as u64);
            for i in 1..n {
                link(rng.usize(0..i), i);
            }
            for i in 0..n {
                for _ in 0..EXTRA_EDGES {
                    link(i, rng.usize(0..n));
                }
            }
        }
    }
    nodes.into_iter().next().expect("at least one node")
}

/// The longest one reclamation may take for its bench to run: criterion's `--quick` mode fails
/// on a bench whose first iteration outlasts the measurement time (1 s, `common`).
const BUDGET: Duration = Duration::from_millis(500);

/// Each strategy's bench of one structure at one size.
struct Strategies<'g, 'a> {
    group: &'g mut Group<'a>,
    structure: Structure,
    n: usize,
    /// The strategies over `BUDGET` at a smaller size of this structure.
    over: &'g mut Vec<&'static str>,
}

impl Strategies<'_, '_> {
    fn bench<S: Strategy>(&mut self)
    where
        Node<S>: Shareable<S>,
    {
        // `Leak` never reclaims.
        if !S::FREES_MEMORY {
            return;
        }
        let (structure, n) = (self.structure, self.n);
        let id = format!("reclaim/{}/{n}/{}", structure.name(), S::NAME);
        if self.over.contains(&S::NAME) {
            println!("{id}: left out: over the budget at a smaller size");
            return;
        }
        // One untimed trial, which also warms the allocator and the strategy up.
        let root = build::<S>(structure, n);
        let start = Instant::now();
        drop(root);
        reclaimer::collect::<S>();
        let took = start.elapsed();
        if took > BUDGET {
            println!("{id}: left out: one reclamation took {took:.2?}, over the {BUDGET:?} budget");
            self.over.push(S::NAME);
            return;
        }
        self.group.bench_function(S::NAME, |t| {
            t.iter_batched(
                || build::<S>(structure, n),
                |root| {
                    drop(black_box(root));
                    reclaimer::collect::<S>();
                },
                BatchSize::PerIteration,
            )
        });
    }
}

impl Visit for Strategies<'_, '_> {
    type Output = ();
    fn thread_safe<S: ThreadSafe>(&mut self) {
        self.bench::<S>();
    }
    fn local<S: reclaimer::Local>(&mut self) {
        self.bench::<S>();
    }
}

fn reclaim(c: &mut Criterion) {
    for structure in Structure::ALL {
        let mut over = Vec::new();
        for n in SIZES {
            let mut group = c.benchmark_group(format!("reclaim/{}/{n}", structure.name()));
            group.throughput(Throughput::Elements(n as u64));
            // Criterion's minimum: an iteration lasts up to `BUDGET`.
            group.sample_size(10);
            for_each(&mut Strategies {
                group: &mut group,
                structure,
                n,
                over: &mut over,
            });
            group.finish();
        }
    }
}

fn main() {
    common::main(reclaim);
}
