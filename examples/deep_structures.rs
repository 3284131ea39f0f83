//! How deep a structure each strategy can drop and collect on a tokio worker's 2 MiB stack.
//!
//! ```text
//! cargo run --release --example deep_structures             # search every strategy and shape
//! cargo run --release --example deep_structures -- Rc              # search one strategy
//! cargo run --release --example deep_structures -- Arc chain 50000   # one trial
//! ```
//!
//! A trial builds a singly linked chain (or a ring: the chain closed back to its head) of `n`
//! nodes on a thread with a 2 MiB stack, runs a collection while it is alive (tracing
//! collectors mark it), drops it and collects again. A stack overflow aborts the process, so the
//! search runs each trial in a child process and bisects on the exit status.

use std::process::{Command, ExitCode, Stdio};

use reclaimer::strategy::Visit;
use reclaimer::{Cell, Shareable, Shared, Strategy, ThreadSafe, Trace};

/// A tokio worker's default stack.
const STACK: usize = 2 * 1024 * 1024;
/// The largest depth the search tries.
const CEILING: usize = 1 << 21;

#[derive(Trace)]
struct Node<S: Strategy> {
    next: Cell<S, Option<Shared<S, Node<S>>>>,
}

/// Builds the structure, collects while it is live, drops it and collects again.
fn trial<S: Strategy>(ring: bool, n: usize)
where
    Node<S>: Shareable<S>,
    Option<Shared<S, Node<S>>>: Shareable<S>,
{
    let tail = Shared::<S, _>::new(Node {
        next: Cell::from_value(None),
    });
    let mut head = tail.clone();
    for _ in 1..n {
        head = Shared::new(Node {
            next: Cell::from_value(Some(head)),
        });
    }
    if ring {
        tail.next.store(Shared::new(Some(head.clone())));
    }
    drop(tail);
    S::collect();
    drop(head);
    S::collect();
}

/// One trial, for the strategy named on the command line.
struct Trial {
    ring: bool,
    n: usize,
}

impl Visit for Trial {
    type Output = ();
    fn thread_safe<S: ThreadSafe>(&mut self) {
        trial::<S>(self.ring, self.n);
    }
    fn local<S: reclaimer::Local>(&mut self) {
        trial::<S>(self.ring, self.n);
    }
}

/// Runs one trial on a 2 MiB thread; returns whether it finished.
fn run_one(strategy: &str, shape: &str, n: usize) -> Result<(), String> {
    let ring = match shape {
        "chain" => false,
        "ring" => true,
        other => return Err(format!("unknown shape `{other}`; expected chain or ring")),
    };
    let strategy = strategy.to_string();
    let worker = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || reclaimer::strategy::by_name(&strategy, &mut Trial { ring, n }))
        .map_err(|e| format!("cannot spawn a thread: {e}"))?;
    worker
        .join()
        .map_err(|_| "the trial panicked".to_string())?
        .map_err(|e| e.to_string())
}

/// Whether a child process survives a trial at depth `n`.
fn survives(strategy: &str, shape: &str, n: usize) -> bool {
    let exe = std::env::current_exe().expect("the example knows its own path");
    Command::new(exe)
        .args([strategy, shape, &n.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// The largest depth that survives, by doubling then bisecting; `None` above the ceiling.
fn limit(strategy: &str, shape: &str) -> Option<usize> {
    let mut good = 0;
    let mut bad = 1024;
    while survives(strategy, shape, bad) {
        good = bad;
        bad *= 2;
        if bad > CEILING {
            return None;
        }
    }
    while bad - good > (good / 100).max(16) {
        let mid = good + (bad - good) / 2;
        if survives(strategy, shape, mid) {
            good = mid;
        } else {
            bad = mid;
        }
    }
    Some(good)
}

/// A strategy's `NAME`, for checking a name the way the trials look it up.
struct NameOf;

impl reclaimer::strategy::Visit for NameOf {
    type Output = &'static str;
    fn thread_safe<S: ThreadSafe>(&mut self) -> &'static str {
        S::NAME
    }
    fn local<S: reclaimer::Local>(&mut self) -> &'static str {
        S::NAME
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [strategy, shape, n] = args.as_slice() {
        let Ok(n) = n.parse::<usize>() else {
            eprintln!("depth must be a positive integer, got `{n}`");
            return ExitCode::from(2);
        };
        return match run_one(strategy, shape, n.max(1)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    let names = reclaimer::strategy::names();
    let chosen: Vec<&str> = match args.as_slice() {
        [] => names.to_vec(),
        [strategy] => match reclaimer::strategy::by_name(strategy, &mut NameOf) {
            Ok(name) => vec![name],
            Err(unknown) => {
                eprintln!("{unknown}");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("usage: deep_structures [STRATEGY [chain|ring DEPTH]]");
            return ExitCode::from(2);
        }
    };
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!("largest depth that drops and collects on a 2 MiB stack ({profile} build)");
    println!("{:<10} {:>12} {:>12}", "strategy", "chain", "ring");
    for strategy in chosen {
        let show = |l: Option<usize>| match l {
            Some(n) => format!("{n}"),
            None => format!("> {CEILING}"),
        };
        println!(
            "{:<10} {:>12} {:>12}",
            strategy,
            show(limit(strategy, "chain")),
            show(limit(strategy, "ring"))
        );
    }
    ExitCode::SUCCESS
}
