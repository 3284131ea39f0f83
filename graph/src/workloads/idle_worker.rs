//! `idle-worker`: garbage released on a worker that then goes idle.
//!
//! **Stands for** a burst of work on one worker of a multi-thread runtime (a request that
//! built and dropped a large structure) followed by quiet on that worker while the rest of the
//! service runs on.
//!
//! **What it does.** One task, on a worker, builds `lone` objects and `pairs` two-node
//! structures whose back-edge is [`Shared::downgrade`] (a real cycle for the collectors, a
//! weak edge for the refcounting strategies) and drops them all; it then hands on what the
//! strategy's policies left (the park hook's work, so the outcome does not depend on where the
//! policies happened to stop) and drops one last lone object; then it ends, and its worker
//! parks. Without the hook, `Epoch` and `Hyaline` strand exactly that last object. Once the runner's park watch has seen that worker park, the runtime's main thread
//! keeps working: `busy_ops` handle operations on a cell of its own, then a `collect()`. What
//! is still in flight then is *stranded* ([`Stats::stranded`]): garbage only the idle worker
//! could hand on. Run it with and without the park hook ([`Options::park_hook`]) to see what
//! the hook bounds: `Epoch` strands what sits in the worker's unflushed bag, `Hyaline` what sits
//! in its seize batch, `SyncGc` the cycles in the worker's candidate buffer; `Hazard` strands
//! nothing, since its retired objects wait in a domain every thread scans.
//!
//! **Releases** every object when the task has dropped them all (one generation). Nothing is
//! left on cycles.
//!
//! Multi-thread runtime only.
//!
//! [`Options::park_hook`]: crate::Options::park_hook

use reclaimer::{Cell, Shared, Strategy, ThreadSafe, Trace, Weak};
use serde::{Deserialize, Serialize};

use crate::exec::{SendWorkload, Stats, Workload};
use crate::track::{Ctx, Obj};

/// Parameters of `idle-worker`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdleWorker {
    /// Lone objects the task drops.
    pub lone: u32,
    /// Two-node structures the task drops.
    pub pairs: u32,
    /// Handle operations the main thread runs after the worker parked.
    pub busy_ops: u32,
}

impl Default for IdleWorker {
    fn default() -> Self {
        IdleWorker {
            lone: 2_000,
            pairs: 2_000,
            busy_ops: 4_096,
        }
    }
}

impl IdleWorker {
    /// A size for tests.
    pub fn small() -> Self {
        IdleWorker {
            lone: 500,
            pairs: 500,
            busy_ops: 1_024,
        }
    }
}

impl Workload for IdleWorker {
    fn name(&self) -> String {
        "idle-worker".into()
    }
    fn parameters(&self) -> Vec<(&'static str, String)> {
        vec![
            ("lone", self.lone.to_string()),
            ("pairs", self.pairs.to_string()),
            ("busy_ops", self.busy_ops.to_string()),
        ]
    }
    fn supports_local(&self) -> bool {
        false
    }
}

/// The second node's edge back to the first.
type BackLink<S> = Option<Weak<S, Obj<Node<S>>>>;

/// A node of a two-node structure: the second points back at the first.
#[derive(Trace)]
pub struct Node<S: Strategy> {
    back: Cell<S, BackLink<S>>,
    next: Option<Shared<S, Obj<Node<S>>>>,
}

impl<S: Strategy> std::fmt::Debug for Node<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Node<{}>", S::NAME)
    }
}

impl<S: ThreadSafe> SendWorkload<S> for IdleWorker
where
    Obj<u64>: reclaimer::Shareable<S>,
    Obj<Node<S>>: reclaimer::Shareable<S>,
    BackLink<S>: reclaimer::Shareable<S>,
    u64: reclaimer::Shareable<S>,
{
    fn run_send(&self, ctx: Ctx) -> impl std::future::Future<Output = Stats> + Send + 'static {
        let p = *self;
        async move {
            let garbage = ctx.generation();
            let dropper = tokio::spawn({
                let ctx = ctx.clone();
                async move {
                    for i in 0..u64::from(p.lone) {
                        let lone =
                            Shared::<S, _>::new(ctx.obj("Lone", i, 0, |t| t.generation(garbage)));
                        ctx.op(|| drop(lone));
                    }
                    for _ in 0..p.pairs {
                        let node = |next| {
                            Shared::<S, _>::new(ctx.obj(
                                "Pair",
                                Node {
                                    back: Cell::from_value(None),
                                    next,
                                },
                                0,
                                |t| t.generation(garbage),
                            ))
                        };
                        let second = node(None);
                        let first = node(Some(second.clone()));
                        second
                            .back
                            .store(Shared::new(Some(Shared::downgrade(&first))));
                        ctx.op(|| drop((first, second)));
                    }
                    // Hand on what the strategy's policies left (the park hook's own work), then
                    // drop one last object: whatever the scheduling did to the policies above,
                    // this worker parks with exactly that object in its thread-local garbage.
                    reclaimer::on_park::<S>();
                    let last = Shared::<S, _>::new(
                        ctx.obj("Lone", u64::from(p.lone), 0, |t| t.generation(garbage)),
                    );
                    ctx.op(|| drop(last));
                    // From here on, count this worker's parks.
                    ctx.park_watch().watch_this_thread()
                }
            });
            let mut stats = Stats {
                objects: u64::from(p.lone) + 1 + 2 * u64::from(p.pairs),
                ..Stats::default()
            };
            let parks = match dropper.await {
                Ok(parks) => parks,
                Err(_) => {
                    stats.failed_tasks += 1;
                    return stats;
                }
            };
            ctx.release_generation(garbage);
            // Wait for the worker to go idle (bounded by the run's budget).
            while ctx.park_watch().parks() == parks {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
            // The rest of the service works on, on this thread.
            let cell = Cell::<S, u64>::from_value(0);
            for i in 0..u64::from(p.busy_ops) {
                std::hint::black_box(ctx.op(|| cell.read(|v| *v)));
                if i % 64 == 63 {
                    ctx.op(|| cell.store(Shared::new(i)));
                }
            }
            reclaimer::collect::<S>();
            ctx.sample();
            stats.stranded = ctx.in_flight().map(|f| f.count);
            stats.operations = stats.objects + u64::from(p.busy_ops);
            stats
        }
    }
}
