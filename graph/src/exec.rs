//! How a workload is written once and run on both runtimes.
//!
//! A future that holds a `Shared<S, T>` is `Send` exactly when `S: ThreadSafe`, so the code that
//! spawns a workload's tasks must be compiled twice: with `tokio::spawn` under
//! `S: ThreadSafe`, and with `tokio::task::spawn_local` under `S: Strategy`. The
//! [`workload!`](crate::workload) macro does that from one body, in which `spawn(future)` is
//! whichever of the two applies.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::future::Future;

use reclaimer::{Strategy, ThreadSafe};
use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;

use crate::track::Ctx;

/// A workload's own bookkeeping of one pass: what it did, and what it knows it left behind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Operations completed: the throughput's numerator (deliveries, reads, messages handled).
    pub operations: u64,
    /// Shared objects the workload created (tracked in the tracked pass).
    pub objects: u64,
    /// Objects the workload left on cycles of strong handles, or reachable only from such
    /// cycles, when it let go of them: what a refcounting strategy cannot reclaim.
    pub left_on_cycles: u64,
    /// Deliveries dropped because the receiver was gone or its queue full.
    pub dropped: u64,
    /// Tasks that panicked or were aborted.
    pub failed_tasks: u64,
    /// `idle-worker` only: garbage still in flight after the releasing worker parked and the
    /// other threads ran on.
    pub stranded: Option<u64>,
    /// The workload's own named counts, summed over its tasks; empty for a workload that
    /// keeps none. `chat`'s shared and weak variants: `sessions_joined` (sessions that joined
    /// at least one room), `sessions_left` and `sessions_disconnected` (of those, the ones that
    /// left their rooms and the ones that just went away), and `messages_posted`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub counts: BTreeMap<String, u64>,
}

impl Stats {
    /// Adds another part's counts to these.
    pub fn merge(&mut self, other: &Stats) {
        self.operations += other.operations;
        self.objects += other.objects;
        self.left_on_cycles += other.left_on_cycles;
        self.dropped += other.dropped;
        self.failed_tasks += other.failed_tasks;
        if other.stranded.is_some() {
            self.stranded = Some(self.stranded.unwrap_or(0) + other.stranded.unwrap_or(0));
        }
        for (name, n) in &other.counts {
            self.count(name, *n);
        }
    }

    /// Adds `n` to the count `name`.
    pub fn count(&mut self, name: &str, n: u64) {
        if let Some(c) = self.counts.get_mut(name) {
            *c += n;
        } else {
            self.counts.insert(name.to_string(), n);
        }
    }
}

/// What every workload's parameters provide, whatever the strategy.
pub trait Workload: Clone + Debug + Send + Sync + 'static {
    /// The workload's name as the lab prints it, with its variant (`chat`, `chat/weak`).
    fn name(&self) -> String;
    /// Its parameters as text, for the result.
    fn parameters(&self) -> Vec<(&'static str, String)>;
    /// Whether it runs on the local runtime (every workload does except `idle-worker`).
    fn supports_local(&self) -> bool {
        true
    }
}

/// A workload that runs on the multi-thread runtime with strategy `S`.
pub trait SendWorkload<S: ThreadSafe>: Workload {
    /// The workload's root future: spawns its tasks, joins them, returns its bookkeeping.
    fn run_send(&self, ctx: Ctx) -> impl Future<Output = Stats> + Send + 'static;
}

/// A workload that runs on a `LocalSet` with strategy `S`.
pub trait LocalWorkload<S: Strategy>: Workload {
    /// The workload's root future: spawns its tasks, joins them, returns its bookkeeping.
    fn run_local(&self, ctx: Ctx) -> impl Future<Output = Stats> + 'static;
}

/// `tokio::spawn`: the `spawn` of a workload body on the multi-thread runtime.
#[doc(hidden)]
pub fn spawn_send<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(future)
}

/// `tokio::task::spawn_local`: the `spawn` of a workload body on a `LocalSet`.
#[doc(hidden)]
pub fn spawn_on_local_set<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    tokio::task::spawn_local(future)
}

/// Joins `handles`; returns their outputs and how many tasks panicked or were aborted.
pub async fn join_all<T>(handles: Vec<JoinHandle<T>>) -> (Vec<T>, u64) {
    let mut out = Vec::with_capacity(handles.len());
    let mut failed = 0;
    for handle in handles {
        match handle.await {
            Ok(value) => out.push(value),
            Err(_) => failed += 1,
        }
    }
    (out, failed)
}

/// Implements [`SendWorkload`] and [`LocalWorkload`] for a parameters type from one body.
///
/// In the body, `S` is the strategy, `spawn(future)` spawns a task on the run's runtime, and
/// the two names given in `|this, ctx|` are the parameters (a clone) and the [`Ctx`].
/// The `where` list carries the bounds the body needs to build its objects.
#[macro_export]
macro_rules! workload {
    (
        impl for $($ty:ty),+;
        where $bounds:tt
        |$this:ident, $ctx:ident| $body:block
    ) => {
        $( $crate::workload!(@one $ty; $bounds; |$this, $ctx| $body); )+
    };
    (@one $ty:ty; { $($bound:tt)* }; |$this:ident, $ctx:ident| $body:block) => {
        impl<S: ::reclaimer::ThreadSafe> $crate::SendWorkload<S> for $ty
        where
            $($bound)*
        {
            fn run_send(
                &self,
                $ctx: $crate::Ctx,
            ) -> impl ::std::future::Future<Output = $crate::Stats> + Send + 'static {
                let $this = self.clone();
                async move {
                    #[allow(unused_imports)]
                    use $crate::exec::spawn_send as spawn;
                    $body
                }
            }
        }

        impl<S: ::reclaimer::Strategy> $crate::LocalWorkload<S> for $ty
        where
            $($bound)*
        {
            fn run_local(
                &self,
                $ctx: $crate::Ctx,
            ) -> impl ::std::future::Future<Output = $crate::Stats> + 'static {
                let $this = self.clone();
                async move {
                    #[allow(unused_imports)]
                    use $crate::exec::spawn_on_local_set as spawn;
                    $body
                }
            }
        }
    };
}
