//! What the examples share: the command line, running one strategy or every one, and the
//! per-strategy report printed from the ledger.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};

use reclaimer::metrics::Report;
use reclaimer::strategy::{by_name, for_each, UnknownStrategy, Visit};
use reclaimer::Strategy;

/// Objects leaked by every run of this process, printed last as `leaked objects: N` (the line
/// `.ci/valgrind` compares with the blocks it saw never freed).
static LEAKED: AtomicU64 = AtomicU64::new(0);

/// Runs `visit` for the strategy named, or for every strategy; `Ok(true)` when every verdict
/// held, the `by_name` error (which lists the valid names) for an unknown name.
pub fn run<V: Visit<Output = bool>>(
    strategy: Option<&str>,
    visit: &mut V,
) -> Result<bool, UnknownStrategy> {
    match strategy {
        Some(name) => by_name(name, visit),
        None => Ok(for_each(visit).into_iter().all(|ok| ok)),
    }
}

/// What the command line asked for: `--help`, or a strategy (all when `None`) and a size.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Help,
    Run(Option<String>, usize),
}

/// Parses `[--strategy NAME] [SIZE]`; the error is one line.
pub fn parse(
    args: impl IntoIterator<Item = String>,
    default_size: usize,
    max_size: usize,
) -> Result<Command, String> {
    let (mut strategy, mut size) = (None, default_size);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(Command::Help);
        } else if arg == "--strategy" {
            strategy = Some(args.next().ok_or("--strategy needs a NAME")?);
        } else if let Some(name) = arg.strip_prefix("--strategy=") {
            strategy = Some(name.to_string());
        } else {
            match arg.parse() {
                Ok(n) if (1..=max_size).contains(&n) => size = n,
                _ => {
                    return Err(format!(
                        "SIZE must be a whole number in 1..={max_size}, not {arg:?}"
                    ))
                }
            }
        }
    }
    Ok(Command::Run(strategy, size))
}

/// The command line every example takes: `[--strategy NAME] [SIZE]`. Bad input is a one-line
/// error and exit code 2; a false verdict is exit code 1.
pub fn main(
    example: &str,
    default_size: usize,
    max_size: usize,
    run: impl FnOnce(Option<&str>, usize) -> Result<bool, UnknownStrategy>,
) -> ExitCode {
    let usage = format!("usage: {example} [--strategy NAME] [SIZE (1..={max_size})]");
    let (strategy, size) = match parse(std::env::args().skip(1), default_size, max_size) {
        Ok(Command::Help) => {
            println!("{usage}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Run(strategy, size)) => (strategy, size),
        Err(message) => return fail(example, &message, &usage),
    };
    match run(strategy.as_deref(), size) {
        Ok(ok) => {
            println!("leaked objects: {}", LEAKED.load(Ordering::Relaxed));
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(unknown) => fail(example, &unknown.to_string(), &usage),
    }
}

/// Declares what every example's entry points share: `Example`, the [`Visit`] that runs the
/// example on one strategy (`$thread_safe` for a thread-safe `S`, `$gc` for `reclaimer::Gc`,
/// both with the size bound to `$size`); `example`, which runs it for the strategy named or for
/// every one (what `tests/examples.rs` calls); and `main`, the command line of [`main`].
// Allowed unused: not every file that includes this module declares its runner with it.
#[allow(unused_macros)]
macro_rules! runner {
    (
        $example:literal, $default_size:expr, $max_size:expr,
        |$size:ident| thread_safe: $thread_safe:expr, local: $local:expr $(,)?
    ) => {
        struct Example(usize);

        impl reclaimer::strategy::Visit for Example {
            type Output = bool;
            fn thread_safe<S: reclaimer::ThreadSafe>(&mut self) -> bool {
                let $size = self.0;
                $thread_safe
            }
            fn local<S: reclaimer::Local>(&mut self) -> bool {
                #[allow(unused_variables)] // an example may skip the thread-local strategies
                let $size = self.0;
                $local
            }
        }

        /// Runs the example for `strategy` (every strategy when `None`) at `size`.
        pub fn example(
            strategy: Option<&str>,
            size: usize,
        ) -> Result<bool, reclaimer::strategy::UnknownStrategy> {
            common::run(strategy, &mut Example(size))
        }

        fn main() -> std::process::ExitCode {
            common::main($example, $default_size, $max_size, example)
        }
    };
}

#[allow(unused_imports)]
pub(crate) use runner;

fn fail(example: &str, message: &str, usage: &str) -> ExitCode {
    eprintln!("{example}: {message} ({usage})");
    ExitCode::from(2)
}

/// Records that `n` objects a [`verdict`] counted as leaked were freed later (by a runtime's
/// shutdown), so that the last line counts what the process never frees.
pub fn freed_later(n: u64) {
    LEAKED.fetch_sub(n, Ordering::Relaxed);
}

/// Prints what one run built, reclaimed and leaked, from the ledger's report, and whether the
/// leak count is the one expected; returns that verdict.
pub fn verdict<S: Strategy>(title: &str, report: &Report, expected: u64, why: &str) -> bool {
    let counts = &report.counts;
    LEAKED.fetch_add(counts.leaked, Ordering::Relaxed);
    println!("{:<11} {title}", S::NAME);
    println!("  built      {} objects", counts.allocated);
    println!(
        "  reclaimed  {} ({} of them only by the final collect())",
        counts.reclaimed, counts.late
    );
    let labels: Vec<String> = (report.leaks.leaked_by_label().into_iter())
        .map(|(label, n, _)| format!("{n} {label}"))
        .collect();
    if labels.is_empty() {
        println!("  leaked     0");
    } else {
        println!("  leaked     {} ({})", counts.leaked, labels.join(", "));
    }
    println!("  why        {why}");
    let ok = counts.leaked == expected && counts.check().is_ok();
    println!("  verdict    {ok} (expected {expected} leaked)");
    ok
}

/// What strategy `S` leaks of `allocated` objects of which `in_cycles` sit on unreachable
/// cycles made of strong, traced edges.
pub fn expected_leak<S: Strategy>(allocated: u64, in_cycles: u64) -> u64 {
    if !S::FREES_MEMORY {
        allocated
    } else if S::RECLAIMS_CYCLES {
        0
    } else {
        in_cycles
    }
}

/// Why strategy `S` did what it did with unreachable cycles.
pub fn why_cycles<S: Strategy>() -> &'static str {
    if !S::FREES_MEMORY {
        "Leak never frees anything: the memory upper bound"
    } else if S::RECLAIMS_CYCLES {
        "the collector traced the cycles, found no root reaching them and freed them"
    } else {
        "refcounting frees at count zero; on a cycle each object keeps the next one's count above zero"
    }
}

/// Runs `tasks` with `tokio::spawn` on a two-worker multi-thread runtime, waits for them, and
/// shuts the runtime down (its workers exit, handing on what they hold).
pub fn on_workers<F>(tasks: impl IntoIterator<Item = F>)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let handles: Vec<_> = tasks.into_iter().map(tokio::spawn).collect();
        for handle in handles {
            handle.await.expect("a task panicked");
        }
    });
}

/// Runs `tasks` with `spawn_local` on a current-thread runtime's `LocalSet` (how `Gc`, whose
/// handles are `!Send`, runs async code), and waits for them.
pub fn on_local_set<F>(tasks: impl IntoIterator<Item = F>)
where
    F: std::future::Future<Output = ()> + 'static,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async {
        let handles: Vec<_> = tasks.into_iter().map(tokio::task::spawn_local).collect();
        for handle in handles {
            handle.await.expect("a task panicked");
        }
    });
}
