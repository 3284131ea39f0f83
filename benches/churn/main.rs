//! Edge-list churn, in the style of dumpster's own benchmark: a random graph mutated through 50
//! roots, on every strategy against the raw crate it wraps used the way its users write it.
//!
//! ```text
//! cargo bench --bench churn                     # every strategy, at 100 000 and 1 000 000 ops
//! cargo bench --bench churn -- Gc               # the rows whose name contains "Gc"
//! cargo bench --bench churn -- --ops 300000     # one size
//! cargo bench --bench churn -- --profile churn/Gc wrapped --ops 1000000
//! ```
//!
//! `--profile PAIR raw|wrapped` runs one side of one pair once, untimed apart from its own
//! line, for a profiler (`valgrind --tool=callgrind`, `docs/performance.md`).
//!
//! One run: `ops` operations (`SIZES`, or `--ops`), each picked at random (seeded, the same sequence on both sides):
//! create a node into a root slot (dropping what was there), add an edge from one root's node
//! to another's, drop a root, remove an edge from a root's node. Then the roots are dropped and
//! the strategy collects; the whole run, final drop and collection included, is timed. Cycles
//! form freely: refcounting strategies leak them, on both sides alike.
//!
//! The wrapped side is generic code over [`Strategy`]: a node holds its edges in a
//! [`Lock<S, Vec<Shared<S, Node<S>>>>`](reclaimer::Lock), mutated in place. The raw side is the
//! idiomatic container of each crate: `Arc<Node>` with `Mutex<Vec<Arc<Node>>>` (for `Arc` and
//! `RwLockArc`), the same with every release of an `Arc` deferred through crossbeam-epoch (for
//! `Epoch`: crossbeam-epoch has no shared pointer of its own, and this is how one is written by
//! hand), the same retired through seize (for `Hyaline`) and through haphazard's global domain
//! (for `Hazard`), `gc::Gc<Node>`
//! with `GcCell<Vec<gc::Gc<Node>>>`, `dumpster::sync::Gc<Node>` with `Mutex<Vec<..>>`, and
//! leaked `&'static Node`s with `Mutex<Vec<&'static Node>>`.
//!
//! `churn/Epoch-vs-Arc`, `churn/Hyaline-vs-Arc` and `churn/Hazard-vs-Arc` have no target: each is the strategy against
//! plain `Arc`, the price of deferred destruction itself (a pin or guard and a retirement for
//! each node freed).
//!
//! Each pair runs `REPS` times, raw and wrapped in alternating order; the ratio is wrapped ÷ raw
//! time of each repetition, and the table gives its median and quartiles.

mod raw;

use raw::{RawArc, RawDeferredArc, RawDumpster, RawGc, RawHazardArc, RawLeak, RawSeizeArc};

use std::hint::black_box;
use std::time::{Duration, Instant};

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell as Col, CellAlignment, Table};
use reclaimer::{Lock, Shareable, Shared, Strategy, Trace};

/// Root slots.
const ROOTS: usize = 50;
/// Operations per run: the size the targets were first set at, and ten times it, where a
/// tracing collector has ten times the live graph to trace on each collection.
const SIZES: [usize; 2] = [100_000, 1_000_000];
/// Repetitions of each pair.
const REPS: usize = 15;
/// The target of BLUEPRINT §7 for this workload.
const TARGET: f64 = 1.1;

/// A small, fast, seeded generator (xorshift64*), so both sides see the same operations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// What the workload needs of a graph: a node handle, and edges added and removed in place.
trait Graph {
    type Node: Clone;
    fn node() -> Self::Node;
    fn link(from: &Self::Node, to: Self::Node);
    /// Removes edge `k % len` of `from`, if it has any, and returns it (dropped by the caller,
    /// outside the lock).
    fn unlink(from: &Self::Node, k: u64) -> Option<Self::Node>;
    fn collect();
}

/// Removes edge `k % len`, if there is any (the same code on both sides).
#[inline]
fn remove_at<T>(edges: &mut Vec<T>, k: u64) -> Option<T> {
    let len = edges.len() as u64;
    (len > 0).then(|| edges.swap_remove((k % len) as usize))
}

/// One timed run of `ops` operations.
fn run<G: Graph>(seed: u64, ops: usize) -> Duration {
    let start = Instant::now();
    let mut rng = Rng(seed);
    let mut roots: Vec<Option<G::Node>> = (0..ROOTS).map(|_| None).collect();
    for _ in 0..ops {
        let a = rng.below(ROOTS);
        match rng.below(4) {
            0 => roots[a] = Some(G::node()),
            1 => {
                let b = rng.below(ROOTS);
                if let (Some(from), Some(to)) = (&roots[a], &roots[b]) {
                    G::link(from, to.clone());
                }
            }
            2 => roots[a] = None,
            _ => {
                let k = rng.next();
                if let Some(from) = &roots[a] {
                    drop(black_box(G::unlink(from, k)));
                }
            }
        }
    }
    drop(roots);
    G::collect();
    start.elapsed()
}

/// The wrapped side: generic over the strategy.
#[derive(Trace)]
struct Node<S: Strategy> {
    edges: Lock<S, Vec<Shared<S, Node<S>>>>,
}

struct Wrapped<S>(std::marker::PhantomData<S>);

impl<S: Strategy> Graph for Wrapped<S>
where
    Node<S>: Shareable<S>,
{
    type Node = Shared<S, Node<S>>;
    #[inline]
    fn node() -> Self::Node {
        Shared::new(Node {
            edges: Lock::new(Vec::new()),
        })
    }
    #[inline]
    fn link(from: &Self::Node, to: Self::Node) {
        from.edges.with(|e| e.push(to));
    }
    #[inline]
    fn unlink(from: &Self::Node, k: u64) -> Option<Self::Node> {
        from.edges.with(|e| remove_at(e, k))
    }
    #[inline]
    fn collect() {
        S::collect();
    }
}

struct Pair {
    name: &'static str,
    /// `None` for a row that shows a cost rather than holding the wrapper to a target.
    target: Option<f64>,
    raw: fn(u64, usize) -> Duration,
    wrapped: fn(u64, usize) -> Duration,
}

fn pairs() -> Vec<Pair> {
    vec![
        Pair {
            name: "churn/Arc",
            target: Some(TARGET),
            raw: run::<RawArc>,
            wrapped: run::<Wrapped<reclaimer::Arc>>,
        },
        Pair {
            name: "churn/RwLockArc",
            target: Some(TARGET),
            raw: run::<RawArc>,
            wrapped: run::<Wrapped<reclaimer::RwLockArc>>,
        },
        Pair {
            name: "churn/Epoch",
            target: Some(TARGET),
            raw: run::<RawDeferredArc>,
            wrapped: run::<Wrapped<reclaimer::Epoch>>,
        },
        Pair {
            name: "churn/Epoch-vs-Arc",
            target: None,
            raw: run::<RawArc>,
            wrapped: run::<Wrapped<reclaimer::Epoch>>,
        },
        Pair {
            name: "churn/Hyaline",
            target: Some(TARGET),
            raw: run::<RawSeizeArc>,
            wrapped: run::<Wrapped<reclaimer::Hyaline>>,
        },
        Pair {
            name: "churn/Hyaline-vs-Arc",
            target: None,
            raw: run::<RawArc>,
            wrapped: run::<Wrapped<reclaimer::Hyaline>>,
        },
        Pair {
            name: "churn/Hazard",
            target: Some(TARGET),
            raw: run::<RawHazardArc>,
            wrapped: run::<Wrapped<reclaimer::Hazard>>,
        },
        Pair {
            name: "churn/Hazard-vs-Arc",
            target: None,
            raw: run::<RawArc>,
            wrapped: run::<Wrapped<reclaimer::Hazard>>,
        },
        Pair {
            name: "churn/Gc",
            target: Some(TARGET),
            raw: run::<RawGc>,
            wrapped: run::<Wrapped<reclaimer::Gc>>,
        },
        Pair {
            name: "churn/SyncGc",
            target: Some(TARGET),
            raw: run::<RawDumpster>,
            wrapped: run::<Wrapped<reclaimer::SyncGc>>,
        },
        Pair {
            name: "churn/Leak",
            target: Some(TARGET),
            raw: run::<RawLeak>,
            wrapped: run::<Wrapped<reclaimer::Leak>>,
        },
    ]
}

/// The 25th, 50th and 75th percentiles.
fn quartiles(mut values: Vec<f64>) -> [f64; 3] {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    [at(0.25), at(0.5), at(0.75)]
}

/// The command line: row filters, `--ops N`, `--profile PAIR raw|wrapped`. `cargo bench`
/// adds `--bench`, which is ignored.
struct Args {
    filter: Vec<String>,
    sizes: Vec<usize>,
    profile: Option<(String, bool)>,
}

fn args() -> Args {
    let mut out = Args {
        filter: Vec::new(),
        sizes: SIZES.to_vec(),
        profile: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--ops" => {
                let n = it.next().and_then(|n| n.parse().ok()).filter(|&n| n > 0);
                let Some(n) = n else {
                    eprintln!("--ops takes a positive number of operations");
                    std::process::exit(2);
                };
                out.sizes = vec![n];
            }
            "--profile" => {
                let (Some(pair), Some(side)) = (it.next(), it.next()) else {
                    eprintln!("--profile takes a pair name and raw or wrapped");
                    std::process::exit(2);
                };
                if side != "raw" && side != "wrapped" {
                    eprintln!("--profile {pair} {side}: the side is raw or wrapped");
                    std::process::exit(2);
                }
                out.profile = Some((pair, side == "wrapped"));
            }
            _ if a.starts_with("--") => {}
            _ => out.filter.push(a),
        }
    }
    out
}

fn main() {
    let args = args();
    if let Some((name, wrapped)) = &args.profile {
        let Some(pair) = pairs().into_iter().find(|p| p.name == name) else {
            let names: Vec<&str> = pairs().iter().map(|p| p.name).collect();
            eprintln!(
                "--profile {name}: no such pair; the pairs: {}",
                names.join(", ")
            );
            std::process::exit(2);
        };
        let side = if *wrapped { pair.wrapped } else { pair.raw };
        let ops = args.sizes[args.sizes.len() - 1];
        let time = side(0x9e37_79b9_7f4a_7c15, ops);
        println!(
            "{name} {}: {ops} ops in {time:?}",
            if *wrapped { "wrapped" } else { "raw" }
        );
        return;
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "workload/strategy",
        "ops/run",
        "raw ms/run",
        "wrapped ms/run",
        "ratio (median)",
        "ratio q1–q3",
        "target",
        "meets",
    ]);
    let chosen: Vec<Pair> = pairs()
        .into_iter()
        .filter(|p| {
            args.filter.is_empty() || args.filter.iter().any(|f| p.name.contains(f.as_str()))
        })
        .collect();
    for &ops in &args.sizes {
        for pair in &chosen {
            // Warm both sides once.
            (pair.raw)(1, ops);
            (pair.wrapped)(1, ops);
            let (mut raw, mut wrapped, mut ratios) = (vec![], vec![], vec![]);
            for rep in 0..REPS {
                let seed = 0x9e37_79b9_7f4a_7c15 ^ rep as u64;
                let (r, w) = if rep % 2 == 0 {
                    let r = (pair.raw)(seed, ops);
                    (r, (pair.wrapped)(seed, ops))
                } else {
                    let w = (pair.wrapped)(seed, ops);
                    ((pair.raw)(seed, ops), w)
                };
                raw.push(r.as_secs_f64() * 1e3);
                wrapped.push(w.as_secs_f64() * 1e3);
                ratios.push(w.as_secs_f64() / r.as_secs_f64());
            }
            eprintln!("measured {} at {ops} ops", pair.name);
            let ratio = quartiles(ratios);
            let right = |s: String| Col::new(s).set_alignment(CellAlignment::Right);
            table.add_row(vec![
                Col::new(pair.name),
                right(ops.to_string()),
                right(format!("{:.2}", quartiles(raw)[1])),
                right(format!("{:.2}", quartiles(wrapped)[1])),
                right(format!("{:.3}", ratio[1])),
                right(format!("{:.3}–{:.3}", ratio[0], ratio[2])),
                right(pair.target.map_or("—".into(), |t| format!("≤ {t:.2}"))),
                Col::new(match pair.target {
                    Some(t) if ratio[1] <= t => "yes",
                    Some(_) => "no",
                    None => "—",
                }),
            ]);
        }
    }
    println!("{table}");
    println!(
        "ratio = wrapped ÷ raw time per run; {REPS} runs per size on {ROOTS} roots, \
         interleaved; each run ends with the final drop and collect."
    );
}
