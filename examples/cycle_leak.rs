//! Two-node cycles under one strategy: what does it leak, and does valgrind agree?
//!
//! ```text
//! cargo run --example cycle_leak -- arc 1000          # 1000 cycles: 2000 nodes and 2000 links leak
//! cargo run --example cycle_leak -- arc 1000 --weak   # weak back-edges: nothing leaks
//! cargo run --example cycle_leak -- sync-gc 1000      # collect() reclaims the cycles
//! ```
//!
//! Strategies: `arc`, `rw-lock-arc`, `epoch`, `gc`, `sync-gc`, `leak`. Each cycle is two nodes,
//! `a → b → a`; with `--weak`, the edge `b → a` is a [`Weak`] instead.
//!
//! Every heap block the cycles own is a [`Tracked`] object: a node, and the link value its cell
//! holds (cells store their value behind the strategy's pointer). So the ledger's leaked count is
//! a count of heap blocks, and `.ci/valgrind` checks it against the blocks valgrind saw
//! allocated by `Shared::new` and never freed. The ledger lives in a `static`, so its own
//! memory stays reachable and is not part of the count.
//!
//! The last line printed is `leaked objects: N`.

use std::process::ExitCode;
use std::sync::OnceLock;

use reclaimer::metrics::{Ledger, Tracked};
use reclaimer::strategy::Visit;
use reclaimer::{Cell, Shareable, Shared, Strategy, ThreadSafe, Trace, Weak};

/// A tracked node behind a strategy's pointer.
type Handle<S> = Shared<S, Tracked<Node<S>>>;

#[derive(Trace)]
struct Node<S: Strategy> {
    next: Cell<S, Tracked<Link<S>>>,
}

#[derive(Trace)]
enum Link<S: Strategy> {
    None,
    Strong(Handle<S>),
    Weak(Weak<S, Tracked<Node<S>>>),
}

/// Kept in a `static` so that the leaked objects' references to it are not the only ones.
static LEDGER: OnceLock<Ledger> = OnceLock::new();

const USAGE: &str = "usage: cycle_leak <arc|rw-lock-arc|epoch|gc|sync-gc|leak> [CYCLES] [--weak]";

fn run<S: Strategy>(cycles: usize, weak: bool) -> u64
where
    Tracked<Node<S>>: Shareable<S>,
    Tracked<Link<S>>: Shareable<S>,
{
    let ledger = LEDGER.get_or_init(Ledger::new);
    let link = |link: Link<S>| ledger.track().label("Link").wrap(link);
    let node = || {
        Shared::<S, _>::new(ledger.track().label("Node").wrap(Node {
            next: Cell::from_value(link(Link::None)),
        }))
    };
    for _ in 0..cycles {
        let a = node();
        let b = node();
        a.next.store(Shared::new(link(Link::Strong(b.clone()))));
        let back = if weak {
            Link::Weak(Shared::downgrade(&a))
        } else {
            Link::Strong(a)
        };
        b.next.store(Shared::new(link(back)));
    }
    let report = ledger.finish::<S>();
    println!("strategy: {}", S::NAME);
    println!(
        "cycles: {cycles}{}",
        if weak { " (weak back-edges)" } else { "" }
    );
    println!(
        "objects: {} created, {} reclaimed ({} only by collect()), {} leaked",
        report.counts.allocated, report.counts.reclaimed, report.counts.late, report.counts.leaked
    );
    for (label, count, bytes) in report.leaks.leaked_by_label() {
        println!("  leaked {label}: {count} objects, {bytes} bytes of payload");
    }
    report.counts.leaked
}

/// Picks `run::<S>` for the strategy named on the command line.
struct Runner;

impl Visit for Runner {
    type Output = fn(usize, bool) -> u64;
    fn thread_safe<S: ThreadSafe>(&mut self) -> Self::Output {
        run::<S>
    }
    fn local<S: reclaimer::Local>(&mut self) -> Self::Output {
        run::<S>
    }
}

fn main() -> ExitCode {
    let mut strategy = None;
    let mut cycles = 1000;
    let mut weak = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--weak" => weak = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ if strategy.is_none() => strategy = Some(arg),
            _ => match arg.parse() {
                Ok(n) => cycles = n,
                Err(_) => {
                    eprintln!("cycle_leak: CYCLES must be a whole number, not {arg:?}\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
        }
    }
    let name = strategy.as_deref().unwrap_or("arc");
    let run = match reclaimer::strategy::by_name(name, &mut Runner) {
        Ok(run) => run,
        Err(error) => {
            eprintln!("cycle_leak: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let leaked = run(cycles, weak);
    println!("leaked objects: {leaked}");
    ExitCode::SUCCESS
}
