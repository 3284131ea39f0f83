//! A cycle through a task: a service holds the sender of a channel whose receiving task holds a
//! handle to the service. No strategy frees it, because no collector can see into a task.
//!
//! ```text
//! cargo run --release --example task_cycle                        # every strategy, 100 services
//! cargo run --release --example task_cycle -- --strategy gc 1000
//! ```
//!
//! Each service spawns a worker task that holds a handle to the service and receives on a
//! channel; the service holds the channel's sender. When the program drops its last handle, the
//! channel stays open (the sender lives in the service), so the task waits forever, and the task
//! keeps the service alive. For a tracing collector the task's future is a root it cannot look
//! into: it belongs to the runtime, not to any traced object. So the cycle is kept by every
//! strategy for as long as the runtime runs, which in a server is forever. Shutting the runtime
//! down drops the waiting tasks and frees what they held.
//!
//! The fix is to end the task explicitly: close the channel (take the sender out of the service)
//! when done with the service, or abort the task. Dropping its `JoinHandle` does not stop it.
//!
//! Every strategy runs on a current-thread runtime's `LocalSet`, so its tasks run on this thread.

#[allow(dead_code)]
mod common;

use std::sync::Mutex;

use reclaimer::metrics::{Ledger, Tracked};
use reclaimer::{Lock, Shareable, Shared, Strategy, Trace};
use tokio::sync::mpsc;

#[derive(Trace)]
struct Service<S: Strategy> {
    handled: Lock<S, u64>,
    /// A channel is opaque to tracing: skipped.
    #[trace(skip)]
    sender: Mutex<Option<mpsc::UnboundedSender<u64>>>,
}

/// Starts `size` services and their tasks, then drops every handle to them (closing each channel
/// first if `close`).
async fn services<S: Strategy>(ledger: &Ledger, size: usize, close: bool)
where
    Tracked<Service<S>>: Shareable<S>,
{
    let mut tasks = Vec::new();
    for _ in 0..size {
        let (sender, mut receiver) = mpsc::unbounded_channel();
        let service = Shared::<S, _>::new(ledger.track().label("Service").wrap(Service {
            handled: Lock::new(0),
            sender: Mutex::new(Some(sender)),
        }));
        let me = service.clone();
        tasks.push(tokio::task::spawn_local(async move {
            while let Some(n) = receiver.recv().await {
                me.handled.with(|h| *h += n);
            }
        }));
        if let Some(sender) = service.sender.lock().unwrap().as_ref() {
            sender.send(1).expect("the task is waiting");
        }
        if close {
            drop(service.sender.lock().unwrap().take()); // the fix: the task sees the end
        }
    }
    if close {
        for task in tasks {
            task.await.expect("the task ended");
        }
    } else {
        drop(tasks); // detaches the tasks; it does not stop them
        tokio::task::yield_now().await; // each task handles its message and waits for the next
    }
}

fn run<S: Strategy>(size: usize, close: bool) -> bool
where
    Tracked<Service<S>>: Shareable<S>,
{
    let ledger = Ledger::new();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    let local = tokio::task::LocalSet::new();
    // The leak check runs while the runtime (the server) still runs.
    let report = local.block_on(&runtime, async {
        services::<S>(&ledger, size, close).await;
        ledger.finish::<S>()
    });
    let title = if close {
        "sender taken out when done"
    } else {
        "handles dropped, channels left open"
    };
    let why = if !S::FREES_MEMORY {
        common::why_cycles::<S>()
    } else if close {
        "closing the channel ended each task, which dropped its handle"
    } else {
        "each task waits on a channel its own service keeps open; a task is a root no collector can look into"
    };
    let in_tasks = if close { 0 } else { size as u64 };
    let expected = common::expected_leak::<S>(size as u64, in_tasks);
    let expected = if S::FREES_MEMORY { in_tasks } else { expected };
    let ok = common::verdict::<S>(title, &report, expected, why);
    drop(local); // the runtime shuts down: every task still waiting is dropped
    drop(runtime);
    S::collect();
    let freed = ledger.counts().reclaimed - report.counts.reclaimed;
    common::freed_later(freed);
    println!("  shutdown   {freed} more freed when the runtime shut down and dropped its tasks");
    ok
}

common::runner!("task_cycle", 100, 100_000, |size|
    thread_safe: run::<S>(size, false) & run::<S>(size, true),
    local: run::<S>(size, false) & run::<S>(size, true),
);
