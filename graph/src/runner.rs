//! The runner: builds the runtime, runs a workload's passes, owns the ledger, the sampler and
//! the final collect, and returns one [`GraphResult`].

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reclaimer::metrics::{Environment, Ledger, RunResult, Throughput};
use reclaimer::{Strategy, ThreadSafe};
use serde::{Deserialize, Serialize};
use tokio::runtime::Builder;
use tokio::task::LocalSet;

use crate::config::{Options, Runtime, StrategyName};
use crate::exec::{LocalWorkload, SendWorkload, Stats, Workload};
use crate::track::{Ctx, ParkWatch};

/// Why a run did not produce a result.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The strategy's handles cannot cross threads, so it cannot run on the multi-thread
    /// runtime (`Gc`); run it on [`Runtime::Local`].
    NotThreadSafe(StrategyName),
    /// The workload needs the multi-thread runtime (`idle-worker`).
    NeedsMultiThread(String),
    /// A pass took longer than [`Options::budget`]; its tasks were cancelled and joined.
    Timeout {
        /// The workload.
        workload: String,
        /// The budget it exceeded.
        budget: Duration,
    },
    /// Zero workers, or another invalid setting.
    Invalid(String),
    /// The tokio runtime could not be built.
    Runtime(std::io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotThreadSafe(s) => write!(
                f,
                "{s} handles are not Send: it runs only on the local runtime (a LocalSet), \
                 not on the multi-thread runtime"
            ),
            Error::NeedsMultiThread(w) => {
                write!(f, "workload {w} needs the multi-thread runtime")
            }
            Error::Timeout { workload, budget } => write!(
                f,
                "workload {workload} did not finish within its budget of {budget:?}; its tasks \
                 were cancelled"
            ),
            Error::Invalid(why) => f.write_str(why),
            Error::Runtime(e) => write!(f, "could not build the tokio runtime: {e}"),
        }
    }
}

impl std::error::Error for Error {}

/// One run of one workload on one strategy and runtime: every figure of `docs/metrics.md`, the
/// throughput, the wall time, the environment and the workload's own bookkeeping.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GraphResult {
    /// Workload, parameters, environment, the reported throughput, and the tracked pass's
    /// [`Report`](reclaimer::metrics::Report).
    pub run: RunResult,
    /// Throughput of the tracked pass (what tracking costs is its ratio to the reported one).
    pub tracked_throughput: Throughput,
    /// The workload's bookkeeping in the tracked pass.
    pub stats: Stats,
    /// Whether the park hook was installed.
    pub park_hook: bool,
}

impl GraphResult {
    /// The strategy's name.
    pub fn strategy(&self) -> &str {
        &self.run.report.strategy
    }

    /// The reported throughput: the untracked pass's when one ran, else the tracked pass's.
    pub fn throughput(&self) -> Throughput {
        self.run.throughput.unwrap_or(self.tracked_throughput)
    }
}

/// Runs `workload` with strategy `S` on the multi-thread runtime with `workers` workers.
///
/// `Gc` is not [`ThreadSafe`], so asking for it here does not compile:
///
/// ```compile_fail
/// use reclaimer_graph::{run_multi_thread, workloads::Pipeline, Options};
/// let _ = run_multi_thread::<reclaimer::Gc, _>(&Pipeline::default(), 2, &Options::default());
/// ```
///
/// ```
/// use reclaimer_graph::{run_multi_thread, workloads::Pipeline, Options};
/// let small = Pipeline { messages: 100, ..Pipeline::default() };
/// let result = run_multi_thread::<reclaimer::Arc, _>(&small, 2, &Options::default()).unwrap();
/// assert_eq!(result.run.report.counts.leaked, 0);
/// ```
pub fn run_multi_thread<S: ThreadSafe, W: SendWorkload<S>>(
    workload: &W,
    workers: usize,
    options: &Options,
) -> Result<GraphResult, Error> {
    if workers == 0 {
        return Err(Error::Invalid(
            "the multi-thread runtime needs at least 1 worker".into(),
        ));
    }
    let runtime = Runtime::MultiThread { workers };
    let pass = |ledger: Option<Ledger>| -> Result<(Stats, Duration), Error> {
        let park = Arc::new(ParkWatch::default());
        let hook_park = park.clone();
        let hook = options.park_hook;
        let rt = Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_stack_size(STACK_BYTES)
            .enable_time()
            .on_thread_park(move || {
                if hook {
                    reclaimer::on_park::<S>();
                }
                hook_park.on_park();
            })
            // A worker's thread-local garbage (an Epoch bag, dumpster's candidates) is handed
            // on by a destructor that may run after the runtime's drop returns; hand it on
            // before, so the final collect sees it.
            .on_thread_stop(reclaimer::on_park::<S>)
            .build()
            .map_err(Error::Runtime)?;
        let ctx = Ctx::new(ledger, options.seed, workers, park);
        let start = Instant::now();
        let run = workload.run_send(ctx);
        let out = rt.block_on(async { tokio::time::timeout(options.budget, run).await });
        let wall = start.elapsed();
        // Cancels what is left and joins every worker.
        drop(rt);
        out.map(|stats| (stats, wall)).map_err(|_| Error::Timeout {
            workload: workload.name(),
            budget: options.budget,
        })
    };
    run_passes::<S, W>(workload, runtime, options, pass)
}

/// Stack size of the multi-thread runtime's workers, and what a thread that calls
/// [`run_local`] should have (the lab gives its run thread this much).
///
/// The collectors walk the heap recursively: dumpster's sync collector and `gc`'s mark take
/// one stack frame per object on the path they follow, so the stack a collection needs
/// grows with the longest chain of live objects. `SyncGc` on a random graph of 30 000
/// `actors` overflows the default 2 MiB. The memory is reserved, not touched: a thread uses
/// only the pages its deepest call reaches.
pub const STACK_BYTES: usize = 256 << 20;

/// Runs `workload` with strategy `S` on a current-thread runtime, every task on one
/// `tokio::task::LocalSet`. Every strategy can, `Gc` included.
///
/// ```
/// use reclaimer_graph::{run_local, workloads::Chat, Options};
/// let small = Chat::small();
/// let result = run_local::<reclaimer::Gc, _>(&small, &Options::default()).unwrap();
/// assert_eq!(result.run.report.counts.leaked, 0); // the collector reclaims the cycles
/// ```
pub fn run_local<S: Strategy, W: LocalWorkload<S>>(
    workload: &W,
    options: &Options,
) -> Result<GraphResult, Error> {
    if !workload.supports_local() {
        return Err(Error::NeedsMultiThread(workload.name()));
    }
    let pass = |ledger: Option<Ledger>| -> Result<(Stats, Duration), Error> {
        let park = Arc::new(ParkWatch::default());
        let hook_park = park.clone();
        let hook = options.park_hook;
        let rt = Builder::new_current_thread()
            .enable_time()
            .on_thread_park(move || {
                if hook {
                    reclaimer::on_park::<S>();
                }
                hook_park.on_park();
            })
            .build()
            .map_err(Error::Runtime)?;
        let local = LocalSet::new();
        let ctx = Ctx::new(ledger, options.seed, 1, park);
        let start = Instant::now();
        let run = workload.run_local(ctx);
        let out = local.block_on(&rt, async {
            tokio::time::timeout(options.budget, run).await
        });
        let wall = start.elapsed();
        // Drops the tasks that are left, on this thread, then the runtime.
        drop(local);
        drop(rt);
        out.map(|stats| (stats, wall)).map_err(|_| Error::Timeout {
            workload: workload.name(),
            budget: options.budget,
        })
    };
    run_passes::<S, W>(workload, Runtime::Local, options, pass)
}

/// The untracked pass (for throughput) and the tracked pass with the ledger, the sampler and
/// the final collect on this thread, in the order [`Options::tracked_first`] asks for.
fn run_passes<S: Strategy, W: Workload>(
    workload: &W,
    runtime: Runtime,
    options: &Options,
    pass: impl Fn(Option<Ledger>) -> Result<(Stats, Duration), Error>,
) -> Result<GraphResult, Error> {
    let untracked_pass = || -> Result<Throughput, Error> {
        let (stats, wall) = pass(None)?;
        // What the untracked pass left pending (Epoch bags, dumpster candidates) is not
        // the tracked pass's garbage.
        S::collect();
        Ok(Throughput::new(stats.operations, wall))
    };
    let mut untracked = None;
    if options.untracked_pass && !options.tracked_first {
        untracked = Some(untracked_pass()?);
    }
    let ledger = Ledger::new();
    let sampler = ledger.start_sampler(options.sample_interval);
    let outcome = pass(Some(ledger.clone()));
    sampler.stop();
    let (stats, wall) = outcome?;
    let report = ledger.finish::<S>();
    if options.untracked_pass && options.tracked_first {
        untracked = Some(untracked_pass()?);
    }
    let environment = Environment::detect()
        .runtime(runtime.flavor(), runtime.workers())
        .seed(options.seed);
    let mut run = RunResult::new(workload.name(), environment, report);
    for (name, value) in workload.parameters() {
        run = run.parameter(name, value);
    }
    let tracked_throughput = Throughput::new(stats.operations, wall);
    run = run
        .parameter(
            "throughput_pass",
            if untracked.is_some() {
                "untracked"
            } else {
                "tracked"
            },
        )
        .throughput(untracked.unwrap_or(tracked_throughput));
    Ok(GraphResult {
        run,
        tracked_throughput,
        stats,
        park_hook: options.park_hook,
    })
}

/// Runs `workload` on the strategy and runtime chosen at run time.
///
/// `Gc` on the multi-thread runtime is an error, not a panic:
///
/// ```
/// use reclaimer_graph::{run_named, workloads::Spec, Error, Options, Runtime, StrategyName};
/// let spec: Spec = "pipeline".parse().unwrap();
/// let gc: StrategyName = "gc".parse().unwrap();
/// let err = run_named(gc, Runtime::MultiThread { workers: 2 }, &spec.small(), &Options::default());
/// assert!(matches!(err, Err(Error::NotThreadSafe(s)) if s == gc));
/// ```
pub fn run_named(
    strategy: StrategyName,
    runtime: Runtime,
    spec: &crate::workloads::Spec,
    options: &Options,
) -> Result<GraphResult, Error> {
    spec.run(strategy, runtime, options)
}

/// Dispatches a strategy name to the generic runners for one concrete workload type, through
/// the library's list of strategies. `send_only` workloads run on the multi-thread runtime only.
macro_rules! dispatch {
    ($ty:ty, $workload:expr, $strategy:expr, $runtime:expr, $options:expr) => {
        dispatch!(@go $ty, $workload, $strategy, $runtime, $options,
            |workload, options| $crate::runner::run_local::<S, $ty>(workload, options))
    };
    (send_only $ty:ty, $workload:expr, $strategy:expr, $runtime:expr, $options:expr) => {
        dispatch!(@go $ty, $workload, $strategy, $runtime, $options,
            |workload, _options| Err($crate::Error::NeedsMultiThread(
                $crate::exec::Workload::name(workload))))
    };
    (@go $ty:ty, $workload:expr, $strategy:expr, $runtime:expr, $options:expr,
        |$w:ident, $o:ident| $local:expr) => {{
        struct Dispatch<'a> {
            workload: &'a $ty,
            runtime: $crate::Runtime,
            options: &'a $crate::Options,
        }
        impl reclaimer::strategy::Visit for Dispatch<'_> {
            type Output = Result<$crate::GraphResult, $crate::Error>;
            fn thread_safe<S: reclaimer::ThreadSafe>(&mut self) -> Self::Output {
                match self.runtime {
                    $crate::Runtime::MultiThread { workers } => {
                        $crate::runner::run_multi_thread::<S, $ty>(self.workload, workers, self.options)
                    }
                    $crate::Runtime::Local => {
                        let ($w, $o) = (self.workload, self.options);
                        $local
                    }
                }
            }
            fn local<S: reclaimer::Local>(&mut self) -> Self::Output {
                match self.runtime {
                    $crate::Runtime::MultiThread { .. } => Err($crate::Error::NotThreadSafe(
                        $crate::StrategyName::of::<S>(),
                    )),
                    $crate::Runtime::Local => {
                        let ($w, $o) = (self.workload, self.options);
                        $local
                    }
                }
            }
        }
        let mut dispatch = Dispatch { workload: $workload, runtime: $runtime, options: $options };
        reclaimer::strategy::by_name($strategy.name(), &mut dispatch)
            .expect("a StrategyName names a strategy of the list")
    }};
}

pub(crate) use dispatch;
