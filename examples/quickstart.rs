//! The shortest tour: state shared by `tokio::spawn` tasks and a config cell updated RCU-style,
//! under each thread-safe strategy.
//!
//! ```text
//! cargo run --release --example quickstart                       # every thread-safe strategy
//! cargo run --release --example quickstart -- --strategy epoch 10000
//! ```
//!
//! A program names its strategy once, `type S = reclaimer::Arc;`, and writes `Shared<S, _>`,
//! `Cell<S, _>` and `Lock<S, _>`; changing that one line to `reclaimer::SyncGc` (or `Epoch`, ...)
//! switches it. This example is generic over `S` instead, so one run shows every strategy.
//! `SIZE` tasks each read the config and count a request while the main task publishes
//! `SIZE / 10` new configs with `rcu`. Every old config is garbage the moment the last reader is
//! done with it; nothing here is cyclic, so every strategy that frees memory frees it all.
//! `Gc` is skipped: its handles are `!Send`, and `tokio::spawn` with them does not compile (the
//! other examples run it on a `LocalSet`).

#[allow(dead_code)]
mod common;

use reclaimer::metrics::{Ledger, Tracked};
use reclaimer::{Cell, Lock, Shared, Strategy, ThreadSafe, Trace};

#[derive(Trace)]
struct Config {
    version: u64,
    greeting: String,
}

#[derive(Trace)]
struct State<S: Strategy> {
    config: Cell<S, Tracked<Config>>,
    served: Lock<S, u64>,
}

fn run<S: ThreadSafe>(size: usize) -> bool {
    let ledger = Ledger::new();
    let config = |version| -> Shared<S, Tracked<Config>> {
        let greeting = format!("hello v{version}");
        Shared::new(
            ledger
                .track()
                .label("Config")
                .wrap(Config { version, greeting }),
        )
    };
    let state = Shared::<S, _>::new(ledger.track().label("State").wrap(State {
        config: Cell::new(config(0)),
        served: Lock::new(0),
    }));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a tokio runtime");
    let newest_seen = runtime.block_on(async {
        let tasks: Vec<_> = (0..size)
            .map(|_| {
                let state = state.clone(); // a handle per task
                tokio::spawn(async move {
                    let version = state.config.read(|c| c.version); // no clone, no guard held
                    state.served.with(|n| *n += 1);
                    version
                })
            })
            .collect();
        for _ in 0..size / 10 {
            state.config.rcu(|old| config(old.version + 1)); // the old config is released
            tokio::task::yield_now().await;
        }
        let mut newest = 0;
        for task in tasks {
            newest = newest.max(task.await.expect("a task panicked"));
        }
        newest
    });
    let (served, version) = (state.served.read(|n| *n), state.config.read(|c| c.version));
    drop(state);
    drop(runtime); // the workers exit, handing on what they still hold
    let report = ledger.finish::<S>();
    let all = report.counts.allocated;
    let why = if S::FREES_MEMORY {
        "nothing is cyclic: each config is freed once its last reader is done"
    } else {
        common::why_cycles::<S>()
    };
    let ok = common::verdict::<S>(
        "tasks and an RCU config",
        &report,
        common::expected_leak::<S>(all, 0),
        why,
    );
    println!(
        "  served     {served} requests; config v{version}, newest a task read v{newest_seen}"
    );
    ok && served == size as u64
}

common::runner!("quickstart", 1000, 1_000_000, |size|
    thread_safe: run::<S>(size),
    local: {
        println!("{:<11} skipped: its handles are !Send, so tokio::spawn cannot take them", S::NAME);
        true
    },
);
