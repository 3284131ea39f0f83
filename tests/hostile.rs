//! Hostile destructors and traces, on every strategy: a `Drop` that panics (during a collection,
//! or as an `Epoch` deferred drop), a `Drop` that reads a neighbour reclaimed in the same
//! collection, a `Drop` that creates handles and stores them into a cell while the collector
//! runs, and a `Trace` impl that panics. `docs/limitations.md` ("Hostile destructors and
//! traces") gives each outcome; every test here checks one of them, and after each scenario
//! that the heap is still usable (a new cycle is built, dropped and, where the strategy
//! reclaims cycles, collected).
//!
//! Its own harness (libtest-mimic): every test runs on the main thread, one after another, so
//! no other thread's pin runs an `Epoch` deferred drop of this test's (a kept panic is raised
//! by the next `collect()` of the thread that ran the drop). The scenarios that end the process
//! (a `Trace` panic inside rust-gc aborts) run in a child process: this binary, started again
//! with `RECLAIMER_HOSTILE_CHILD` naming the scenario.

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc as StdArc;

use libtest_mimic::{Arguments, Failed, Trial};
use reclaimer::strategy::{for_each, Visit};
use reclaimer::{OptionCell, Shareable, Shared, Strategy, ThreadSafe, Trace, Visitor};

#[path = "hostile/child.rs"]
mod child;
use child::*;

const CHILD: &str = "RECLAIMER_HOSTILE_CHILD";
/// Nodes per scenario.
const N: usize = 3;

/// What a node's `Drop` does besides counting itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Behaviour {
    Quiet,
    /// Panics.
    Panic,
    /// Reads the node its `next` link points at.
    ReadNeighbour,
    /// Creates a new handle and stores it into its own `made` cell.
    CreateAndStore,
}

/// Shared by the nodes of one scenario.
#[derive(Default)]
struct Counts {
    drops: [AtomicU32; N],
    /// Handles created by `CreateAndStore` drops, and how many of them dropped.
    made: AtomicU32,
    made_drops: AtomicU32,
}

/// A value whose `Trace` impl panics once armed.
struct Grenade {
    armed: AtomicBool,
}

// SAFETY: it holds no handles; visiting none is exact (a panic visits none either).
unsafe impl Trace for Grenade {
    fn trace<V: Visitor>(&self, _: &mut V) {
        if self.armed.load(Ordering::SeqCst) {
            panic!("hostile trace");
        }
    }
}

#[derive(Trace)]
struct Made {
    #[trace(skip)]
    counts: StdArc<Counts>,
}

impl Drop for Made {
    fn drop(&mut self) {
        self.counts.made_drops.fetch_add(1, Ordering::SeqCst);
    }
}

#[derive(Trace)]
struct Node<S: Strategy> {
    #[trace(skip)]
    id: usize,
    #[trace(skip)]
    behaviour: Behaviour,
    #[trace(skip)]
    counts: StdArc<Counts>,
    /// Creates a `Made` handle and stores it into `made` (chosen where `Made: Shareable<S>`).
    #[trace(skip)]
    make: fn(&OptionCell<S, Made>, &StdArc<Counts>),
    next: OptionCell<S, Node<S>>,
    made: OptionCell<S, Made>,
    grenade: Grenade,
}

/// `Node::make` for strategy `S`.
fn make<S: Strategy>(cell: &OptionCell<S, Made>, counts: &StdArc<Counts>)
where
    Made: Shareable<S>,
{
    let made = Shared::new(Made {
        counts: counts.clone(),
    });
    counts.made.fetch_add(1, Ordering::SeqCst);
    cell.store(Some(made));
}

impl<S: Strategy> Drop for Node<S> {
    fn drop(&mut self) {
        self.counts.drops[self.id].fetch_add(1, Ordering::SeqCst);
        match self.behaviour {
            Behaviour::Quiet => {}
            Behaviour::Panic => panic!("hostile drop of node {}", self.id),
            Behaviour::ReadNeighbour => {
                let next = self.next.read(|next| next.map(|n| n.id));
                assert!(next.is_some(), "the link was set");
            }
            Behaviour::CreateAndStore => (self.make)(&self.made, &self.counts),
        }
    }
}

/// The shape of a scenario's graph: `0 → 1 → 2`, closed back to `0` for a ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Chain,
    Ring,
}

/// What one scenario observed.
#[derive(Debug)]
struct Outcome {
    /// The panic message from dropping the test's handles, if it panicked.
    drop_panic: Option<String>,
    /// The panic message from the `collect()` after it, if it panicked.
    collect_panic: Option<String>,
    drops: [u32; N],
    made: u32,
    made_drops: u32,
}

impl Outcome {
    /// The one panic seen, from the drop or the collect; an error if both panicked.
    fn panic(&self) -> Result<Option<&str>, String> {
        match (&self.drop_panic, &self.collect_panic) {
            (Some(a), Some(b)) => Err(format!(
                "both the drop ({a}) and the collect ({b}) panicked"
            )),
            (a, b) => Ok(a.as_deref().or(b.as_deref())),
        }
    }
}

fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

fn catch(f: impl FnOnce()) -> Option<String> {
    panic::catch_unwind(AssertUnwindSafe(f))
        .err()
        .map(|p| message(&*p))
}

/// Builds the graph with `behaviour` on the nodes `hostile` selects, arms node 0's grenade if
/// asked, drops the handle to node 0 and collects.
fn scenario<S: Strategy>(
    shape: Shape,
    behaviour: Behaviour,
    hostile: &[usize],
    arm: bool,
) -> Outcome
where
    Node<S>: Shareable<S>,
    Made: Shareable<S>,
{
    let counts = StdArc::new(Counts::default());
    let nodes: Vec<Shared<S, Node<S>>> = (0..N)
        .map(|id| {
            Shared::new(Node {
                id,
                behaviour: if hostile.contains(&id) {
                    behaviour
                } else {
                    Behaviour::Quiet
                },
                counts: counts.clone(),
                make: make::<S>,
                next: OptionCell::empty(),
                made: OptionCell::empty(),
                grenade: Grenade {
                    armed: AtomicBool::new(false),
                },
            })
        })
        .collect();
    for id in 0..N - 1 {
        nodes[id].next.store(Some(nodes[id + 1].clone()));
    }
    if shape == Shape::Ring {
        nodes[N - 1].next.store(Some(nodes[0].clone()));
    }
    nodes[0].grenade.armed.store(arm, Ordering::SeqCst);
    let mut nodes = nodes.into_iter();
    let head = nodes.next().expect("N > 0");
    drop(nodes);
    let drop_panic = catch(|| drop(head));
    let collect_panic = catch(S::collect);
    let drops = std::array::from_fn(|i| counts.drops[i].load(Ordering::SeqCst));
    Outcome {
        drop_panic,
        collect_panic,
        drops,
        made: counts.made.load(Ordering::SeqCst),
        made_drops: counts.made_drops.load(Ordering::SeqCst),
    }
}

/// The heap still works: a quiet ring is built and dropped, and reclaimed exactly where the
/// strategy reclaims cycles, with no panic left over.
fn heap_is_usable<S: Strategy>() -> Result<(), String>
where
    Node<S>: Shareable<S>,
    Made: Shareable<S>,
{
    let after = scenario::<S>(Shape::Ring, Behaviour::Quiet, &[], false);
    let expected = u32::from(S::RECLAIMS_CYCLES);
    if after.drop_panic.is_some() || after.collect_panic.is_some() || after.drops != [expected; N] {
        return Err(format!(
            "{}: the heap is not usable afterwards: {after:?}",
            S::NAME
        ));
    }
    Ok(())
}

/// Whether strategy `S` reclaims the scenario's graph.
fn reclaims<S: Strategy>(shape: Shape) -> bool {
    S::FREES_MEMORY && (shape == Shape::Chain || S::RECLAIMS_CYCLES)
}

/// `message` is one of this crate's, naming the cause and the doc, and keeps the original one.
fn names_cause(message: &str, cause: &str, original: &str) -> Result<(), String> {
    for needle in [
        "reclaimer: ",
        cause,
        original,
        "docs/limitations.md, \"Hostile destructors and traces\"",
    ] {
        if !message.contains(needle) {
            return Err(format!("the panic message lacks `{needle}`: {message}"));
        }
    }
    Ok(())
}

/// Each node dropped exactly `expected` times.
fn drops_are(name: &str, outcome: &Outcome, expected: u32) -> Result<(), String> {
    if outcome.drops != [expected; N] {
        return Err(format!(
            "{name}: expected every node dropped {expected} times: {outcome:?}"
        ));
    }
    Ok(())
}

/// A `Drop` panics: as a plain drop, during a collection, or as a deferred `Epoch` drop.
fn panicking_drop<S: Strategy>() -> Result<(), String>
where
    Node<S>: Shareable<S>,
    Made: Shareable<S>,
{
    let name = S::NAME;
    for shape in [Shape::Chain, Shape::Ring] {
        let outcome = scenario::<S>(shape, Behaviour::Panic, &[0], false);
        let context = format!("{name}, {shape:?}");
        if !reclaims::<S>(shape) {
            // Refcounted rings leak and `Leak` frees nothing: the drop never runs.
            if outcome.panic()?.is_some() {
                return Err(format!("{context}: no drop should run: {outcome:?}"));
            }
            drops_are(&context, &outcome, 0)?;
        } else {
            let panic = outcome
                .panic()?
                .ok_or_else(|| format!("{context}: the panic was lost: {outcome:?}"))?;
            let original = "hostile drop of node 0";
            match name {
                // A plain last release: the panic leaves `drop` as for any value.
                "Arc" | "RwLockArc" | "Rc" => {
                    if outcome.drop_panic.as_deref() != Some(original) {
                        return Err(format!(
                            "{context}: expected the drop to panic: {outcome:?}"
                        ));
                    }
                }
                // dumpster frees an object whose count reaches zero at once.
                "SyncGc" | "UnsyncGc" if shape == Shape::Chain => {
                    if outcome.drop_panic.as_deref() != Some(original) {
                        return Err(format!(
                            "{context}: expected the drop to panic: {outcome:?}"
                        ));
                    }
                }
                // A deferred drop: kept, and raised by the next `collect()`.
                "Epoch" | "Hyaline" | "Hazard" => {
                    if outcome.collect_panic.is_none() {
                        return Err(format!(
                            "{context}: expected collect() to panic: {outcome:?}"
                        ));
                    }
                    names_cause(
                        panic,
                        &format!("a deferred `Drop` run by `{name}`"),
                        original,
                    )?;
                }
                "Gc" => names_cause(panic, "a `Drop` run by the `Gc` collector", original)?,
                "SyncGc" => names_cause(panic, "a `Drop` run by the `SyncGc` collector", original)?,
                "UnsyncGc" => {
                    names_cause(panic, "a `Drop` run by the `UnsyncGc` collector", original)?
                }
                other => return Err(format!("{other}: no expectation")),
            }
            // Every node dropped once: the rest of the garbage was reclaimed despite the panic.
            drops_are(&context, &outcome, 1)?;
        }
        heap_is_usable::<S>()?;
    }
    Ok(())
}

/// Every node's `Drop` reads the node its link points at.
fn drop_reads_neighbour<S: Strategy>() -> Result<(), String>
where
    Node<S>: Shareable<S>,
    Made: Shareable<S>,
{
    let name = S::NAME;
    for shape in [Shape::Chain, Shape::Ring] {
        let hostile: &[usize] = if shape == Shape::Ring {
            &[0, 1, 2]
        } else {
            &[0, 1]
        };
        let outcome = scenario::<S>(shape, Behaviour::ReadNeighbour, hostile, false);
        let context = format!("{name}, {shape:?}");
        let panic = outcome.panic()?;
        if !reclaims::<S>(shape) {
            if panic.is_some() {
                return Err(format!("{context}: no drop should run: {outcome:?}"));
            }
            drops_are(&context, &outcome, 0)?;
        } else if name == "Gc" || (matches!(name, "SyncGc" | "UnsyncGc") && shape == Shape::Ring) {
            // The neighbour belongs to the same collection: the read panics inside it (rust-gc
            // asserts it is not sweeping; dumpster finds the pointer dead), the collection
            // finishes, and the panic comes out of `collect()` with this crate's message.
            let panic =
                panic.ok_or_else(|| format!("{context}: the panic was lost: {outcome:?}"))?;
            let cause = format!("a `Drop` run by the `{name}` collector");
            names_cause(panic, &cause, "may already be reclaimed")?;
            drops_are(&context, &outcome, 1)?;
        } else {
            // Reference counting drops a chain from its head: each node's neighbour is alive
            // while it drops (the node holds it).
            if panic.is_some() {
                return Err(format!("{context}: the read should succeed: {outcome:?}"));
            }
            drops_are(&context, &outcome, 1)?;
        }
        heap_is_usable::<S>()?;
    }
    Ok(())
}

/// Node 0's `Drop` creates a handle and stores it into its own cell.
fn drop_creates_and_stores<S: Strategy>() -> Result<(), String>
where
    Node<S>: Shareable<S>,
    Made: Shareable<S>,
{
    let name = S::NAME;
    for shape in [Shape::Chain, Shape::Ring] {
        let outcome = scenario::<S>(shape, Behaviour::CreateAndStore, &[0], false);
        let context = format!("{name}, {shape:?}");
        let panic = outcome.panic()?;
        if !reclaims::<S>(shape) {
            if panic.is_some() || outcome.made != 0 {
                return Err(format!("{context}: no drop should run: {outcome:?}"));
            }
            drops_are(&context, &outcome, 0)?;
        } else if name == "Gc" {
            // rust-gc cannot allocate while it sweeps.
            let panic =
                panic.ok_or_else(|| format!("{context}: the panic was lost: {outcome:?}"))?;
            names_cause(
                panic,
                "a `Drop` run by the `Gc` collector",
                "`Shared::<Gc, _>::new` called from a `Drop` run by the `Gc` collector",
            )?;
            drops_are(&context, &outcome, 1)?;
            if outcome.made != 0 {
                return Err(format!("{context}: nothing should be created: {outcome:?}"));
            }
        } else {
            // Every other strategy allows it: the new handle is stored, then dropped with the
            // node's cell and reclaimed (by the same `collect()` for `Epoch`).
            if panic.is_some() || outcome.made != 1 || outcome.made_drops != 1 {
                return Err(format!(
                    "{context}: expected one handle made and reclaimed: {outcome:?}"
                ));
            }
            drops_are(&context, &outcome, 1)?;
        }
        heap_is_usable::<S>()?;
    }
    Ok(())
}

/// Node 0's `Trace` impl panics once the ring is built, and the ring is dropped. rust-gc never
/// traces unreachable objects (it marks from the roots), so it collects the ring; a reachable
/// object whose trace panics makes it abort (tested in a child process,
/// `gc_trace_panic_aborts`). dumpster's unsync collector traces the dropped ring and aborts:
/// that runs in a child process too (`unsync_gc_trace_panic_aborts`).
fn panicking_trace<S: Strategy>() -> Result<(), String>
where
    Node<S>: Shareable<S>,
    Made: Shareable<S>,
{
    let name = S::NAME;
    if name == "UnsyncGc" {
        return Ok(());
    }
    let outcome = scenario::<S>(Shape::Ring, Behaviour::Quiet, &[], true);
    let panic = outcome.panic()?;
    if name == "Gc" {
        if panic.is_some() {
            return Err(format!(
                "{name}: the mark never reaches the ring: {outcome:?}"
            ));
        }
        drops_are(name, &outcome, 1)?;
    } else if name == "SyncGc" {
        // The object counts as reachable: the ring is kept (and, since dumpster forgets the
        // candidates it found reachable, leaks); the panic comes out of `collect()`.
        let panic = panic.ok_or_else(|| format!("{name}: the panic was lost: {outcome:?}"))?;
        names_cause(
            panic,
            "a `Trace` impl called by the `SyncGc` collector",
            "hostile trace",
        )?;
        drops_are(name, &outcome, 0)?;
    } else {
        // Nothing else ever traces.
        if panic.is_some() {
            return Err(format!(
                "{name}: nothing traces, nothing should panic: {outcome:?}"
            ));
        }
        drops_are(name, &outcome, 0)?;
    }
    heap_is_usable::<S>()
}

/// Runs one scenario function on every strategy of the library's list.
struct Each(fn(&mut dyn Run) -> Result<(), String>);

/// The scenario functions, as one object per strategy.
trait Run {
    fn panicking_drop(&mut self) -> Result<(), String>;
    fn drop_reads_neighbour(&mut self) -> Result<(), String>;
    fn drop_creates_and_stores(&mut self) -> Result<(), String>;
    fn panicking_trace(&mut self) -> Result<(), String>;
}

struct On<S>(std::marker::PhantomData<S>);

impl<S: Strategy> Run for On<S>
where
    Node<S>: Shareable<S>,
    Made: Shareable<S>,
{
    fn panicking_drop(&mut self) -> Result<(), String> {
        panicking_drop::<S>()
    }
    fn drop_reads_neighbour(&mut self) -> Result<(), String> {
        drop_reads_neighbour::<S>()
    }
    fn drop_creates_and_stores(&mut self) -> Result<(), String> {
        drop_creates_and_stores::<S>()
    }
    fn panicking_trace(&mut self) -> Result<(), String> {
        panicking_trace::<S>()
    }
}

impl Visit for Each {
    type Output = Result<(), String>;
    fn thread_safe<S: ThreadSafe>(&mut self) -> Self::Output {
        (self.0)(&mut On::<S>(std::marker::PhantomData))
    }
    fn local<S: reclaimer::Local>(&mut self) -> Self::Output {
        (self.0)(&mut On::<S>(std::marker::PhantomData))
    }
}

fn every_strategy(scenario: fn(&mut dyn Run) -> Result<(), String>) -> Result<(), Failed> {
    let errors: Vec<String> = for_each(&mut Each(scenario))
        .into_iter()
        .filter_map(Result::err)
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n").into())
    }
}

fn main() {
    if let Ok(scenario) = std::env::var(CHILD) {
        run_child(&scenario);
        return;
    }
    // The scenarios panic on purpose; the outcomes are checked, so the messages are noise.
    panic::set_hook(Box::new(|_| {}));
    let mut args = Arguments::from_args();
    // The main thread runs every test: no other thread's pin runs this test's deferred drops.
    args.test_threads = Some(1);
    let trials = vec![
        Trial::test("panicking_drop", || every_strategy(|r| r.panicking_drop())),
        Trial::test("drop_reads_neighbour", || {
            every_strategy(|r| r.drop_reads_neighbour())
        }),
        Trial::test("drop_creates_and_stores", || {
            every_strategy(|r| r.drop_creates_and_stores())
        }),
        Trial::test("panicking_trace", || {
            every_strategy(|r| r.panicking_trace())
        }),
        Trial::test("gc_trace_panic_aborts", gc_trace_panic_aborts),
        Trial::test("unsync_gc_trace_panic_aborts", unsync_gc_trace_panic_aborts),
        Trial::test(
            "gc_hostile_drops_never_abort_at_exit",
            gc_hostile_drops_never_abort_at_exit,
        ),
    ];
    libtest_mimic::run(&args, trials).exit();
}
