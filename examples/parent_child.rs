//! A tree whose nodes point back to their parent: the classic `Arc` cycle, its `Weak` fix, and
//! what each upgrade of a weak back-pointer costs.
//!
//! ```text
//! cargo run --release --example parent_child                          # every strategy, 1000 nodes
//! cargo run --release --example parent_child -- --strategy arc 10000
//! ```
//!
//! Each strategy builds the tree twice. With *strong* parent pointers every child and its parent
//! hold each other: refcounting (`Arc`, `RwLockArc`, `Epoch`) leaks every node, the tracing
//! collectors (`Gc`, `SyncGc`) collect them. With *weak* parent pointers
//! ([`Shared::downgrade`]) the refcounting strategies free the tree at the last drop; going up
//! now costs an `upgrade`, timed here. For the collectors a back-edge is a strong, traced
//! pointer, so the weak tree is the strong tree again, and collected.

#[allow(dead_code)]
mod common;

use std::time::Instant;

use reclaimer::metrics::{Ledger, Tracked};
use reclaimer::{BackEdge, Lock, OptionCell, Shareable, Shared, Strategy, Trace, Weak};

type Handle<S> = Shared<S, Tracked<Node<S>>>;
type Back<S> = Weak<S, Tracked<Node<S>>>;

#[derive(Trace)]
struct Node<S: Strategy> {
    children: Lock<S, Vec<Handle<S>>>,
    /// Set in the strong tree: an owning pointer to the parent.
    parent: OptionCell<S, Tracked<Node<S>>>,
    /// Set in the weak tree: a back-edge that does not keep the parent alive.
    up: Lock<S, Option<Back<S>>>,
}

/// Builds a binary tree of `size` nodes (node `i`'s parent is node `(i - 1) / 2`) and returns
/// its root and every node.
fn build<S: Strategy>(ledger: &Ledger, size: usize, weak: bool) -> Vec<Handle<S>>
where
    Tracked<Node<S>>: Shareable<S>,
{
    let mut nodes: Vec<Handle<S>> = Vec::with_capacity(size);
    for i in 0..size {
        let node = Shared::new(ledger.track().label("Node").wrap(Node {
            children: Lock::new(Vec::new()),
            parent: OptionCell::empty(),
            up: Lock::new(None),
        }));
        if i > 0 {
            let parent = &nodes[(i - 1) / 2];
            parent.children.with(|c| c.push(node.clone()));
            if weak {
                node.up.with(|up| *up = Some(Shared::downgrade(parent)));
            } else {
                node.parent.store(Some(parent.clone()));
            }
        }
        nodes.push(node);
    }
    nodes
}

fn run<S: Strategy>(size: usize) -> bool
where
    Tracked<Node<S>>: Shareable<S>,
{
    let ledger = Ledger::new();
    drop(build::<S>(&ledger, size, false));
    let strong = ledger.finish::<S>();
    let expected = common::expected_leak::<S>(size as u64, size as u64);
    let mut ok = common::verdict::<S>(
        "strong parent pointers",
        &strong,
        expected,
        common::why_cycles::<S>(),
    );

    let ledger = Ledger::new();
    let nodes = build::<S>(&ledger, size, true);
    // What going up costs: upgrade every back-edge, against cloning the strong child pointer.
    let ups: Vec<Back<S>> = nodes
        .iter()
        .filter_map(|n| n.up.read(Clone::clone))
        .collect();
    let start = Instant::now();
    for _ in 0..8 {
        for up in &ups {
            drop(std::hint::black_box(up.upgrade()));
        }
    }
    let upgrade_ns = start.elapsed().as_nanos() as f64 / (8 * ups.len().max(1)) as f64;
    let start = Instant::now();
    for _ in 0..8 {
        for node in &nodes[1..] {
            drop(std::hint::black_box(node.clone()));
        }
    }
    let clone_ns = start.elapsed().as_nanos() as f64 / (8 * (size - 1).max(1)) as f64;
    drop(ups);
    drop(nodes);
    let weak = ledger.finish::<S>();
    let why = match S::BACK_EDGE {
        _ if !S::FREES_MEMORY => common::why_cycles::<S>(),
        BackEdge::Weak => "a weak parent pointer keeps no count up: the tree is acyclic and freed at the last drop",
        BackEdge::Strong => "for this strategy a back-edge is strong and traced: the same tree as above",
    };
    let expected = if S::BACK_EDGE == BackEdge::Weak {
        0
    } else {
        expected
    };
    ok &= common::verdict::<S>("weak parent pointers", &weak, expected, why);
    println!("  cost       {upgrade_ns:.1} ns per upgrade (and drop) of a back-edge, {clone_ns:.1} ns per clone (and drop) of a strong pointer");
    ok
}

common::runner!("parent_child", 1000, 1_000_000, |size|
    thread_safe: run::<S>(size),
    local: run::<S>(size),
);
