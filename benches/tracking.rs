//! What tracking costs: tracked ÷ untracked on the same operations, with a raw `std::sync::Arc`
//! baseline in the same group.
//!
//! - `tracking/*`: one object's life: create, share (clone), drop both handles.
//! - `tracking-fanout/*`: a message delivered to 8 consumers: create, 8 × (clone, read, drop),
//!   drop; the tracked version counts each handle operation on the ledger's clock and releases
//!   the message when its last consumer is done: the whole protocol a workload runs.
//! - `tracking-ops/*`: a clone and a drop of an existing handle, bare or through `Ledger::op`.
//! - `tracking-channel/*`: a small workload: one tokio task broadcasts messages over bounded
//!   channels to 4 consumer tasks (current-thread runtime); per message, the time of the
//!   whole exchange. The tracked version runs the full protocol (consumers, ticks).
//! - `tracking-clock/*`: one reading of the ledger's clock (ns since the ledger was made)
//!   against `Instant::elapsed` from a start instant, the std way to read the same figure.
//!
//! Each tracked batch uses a fresh ledger (its records grow with every object); making and
//! dropping the ledger is outside the timed region, allocating its record chunks inside.
//!
//! `cargo bench --bench tracking`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use reclaimer::metrics::{Ledger, Tracked};
use reclaimer::Shared;

type S = reclaimer::Arc;

/// A message-sized payload.
type Payload = [u64; 8];

/// Objects per ledger.
const BATCH: u64 = 100_000;
/// Consumers per message in the fan-out group.
const FANOUT: usize = 8;

/// Times `iters` runs of `body`, with a fresh ledger every `BATCH` iterations.
fn with_ledgers(iters: u64, mut body: impl FnMut(&Ledger, u64)) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(BATCH);
        let ledger = Ledger::new();
        let start = Instant::now();
        for i in 0..n {
            body(&ledger, i);
        }
        total += start.elapsed();
        drop(ledger);
        left -= n;
    }
    total
}

fn lifecycle(c: &mut Criterion) {
    let mut group = c.benchmark_group("tracking");
    group.bench_function("raw-arc", |b| {
        b.iter(|| {
            let a = std::sync::Arc::new(black_box([0u64; 8]));
            let shared = black_box(a.clone());
            drop(a);
            drop(shared);
        })
    });
    group.bench_function("untracked", |b| {
        b.iter(|| {
            let a = Shared::<S, Payload>::new(black_box([0u64; 8]));
            let shared = black_box(a.clone());
            drop(a);
            drop(shared);
        })
    });
    group.bench_function("tracked", |b| {
        b.iter_custom(|iters| {
            with_ledgers(iters, |ledger, _| {
                let a = Shared::<S, _>::new(Tracked::new(ledger, black_box([0u64; 8])));
                let shared = black_box(a.clone());
                drop(a);
                drop(shared);
            })
        })
    });
    group.finish();
}

fn fanout(c: &mut Criterion) {
    let mut group = c.benchmark_group("tracking-fanout");
    group.bench_function("raw-arc", |b| {
        b.iter(|| {
            let message = std::sync::Arc::new(black_box([1u64; 8]));
            for _ in 0..FANOUT {
                let copy = message.clone();
                black_box(copy[0]);
                drop(copy);
            }
            drop(message);
        })
    });
    group.bench_function("untracked", |b| {
        b.iter(|| {
            let message = Shared::<S, Payload>::new(black_box([1u64; 8]));
            for _ in 0..FANOUT {
                let copy = message.clone();
                black_box(copy[0]);
                drop(copy);
            }
            drop(message);
        })
    });
    group.bench_function("tracked", |b| {
        b.iter_custom(|iters| {
            with_ledgers(iters, |ledger, _| {
                let message = Shared::<S, _>::new(
                    ledger
                        .track()
                        .consumers(FANOUT as u32)
                        .wrap(black_box([1u64; 8])),
                );
                for _ in 0..FANOUT {
                    let copy = ledger.op(|| message.clone());
                    black_box(copy[0]);
                    Tracked::consumed(&copy);
                    ledger.op(|| drop(copy));
                }
                drop(message);
            })
        })
    });
    group.finish();
}

fn operations(c: &mut Criterion) {
    let mut group = c.benchmark_group("tracking-ops");
    let ledger = Ledger::new();
    let handle = Shared::<S, _>::new(Tracked::new(&ledger, [2u64; 8]));
    group.bench_function("untracked", |b| {
        b.iter(|| {
            let copy = black_box(handle.clone());
            drop(copy);
        })
    });
    group.bench_function("tracked", |b| {
        b.iter(|| {
            let copy = black_box(ledger.op(|| handle.clone()));
            ledger.op(|| drop(copy));
        })
    });
    group.finish();
}

/// Messages per timed run of the channel workload.
const MESSAGES: u64 = 20_000;
/// Consumer tasks in the channel workload.
const SUBSCRIBERS: usize = 4;

/// Broadcasts `MESSAGES` messages to `SUBSCRIBERS` tasks over bounded channels.
async fn broadcast_untracked() {
    let mut senders = Vec::new();
    let mut tasks = Vec::new();
    for _ in 0..SUBSCRIBERS {
        let (send, mut receive) = tokio::sync::mpsc::channel::<Shared<S, Payload>>(64);
        senders.push(send);
        tasks.push(tokio::spawn(async move {
            let mut sum = 0u64;
            while let Some(message) = receive.recv().await {
                sum = sum.wrapping_add(message[0]);
                drop(message);
            }
            black_box(sum)
        }));
    }
    for i in 0..MESSAGES {
        let message = Shared::<S, Payload>::new([i; 8]);
        for send in &senders {
            send.send(message.clone()).await.unwrap();
        }
    }
    drop(senders);
    for task in tasks {
        task.await.unwrap();
    }
}

/// The same, tracked: each message waits for its consumers, every clone and drop is ticked.
async fn broadcast_tracked(ledger: Ledger) {
    let mut senders = Vec::new();
    let mut tasks = Vec::new();
    for _ in 0..SUBSCRIBERS {
        let (send, mut receive) = tokio::sync::mpsc::channel::<Shared<S, Tracked<Payload>>>(64);
        senders.push(send);
        let ledger = ledger.clone();
        tasks.push(tokio::spawn(async move {
            let mut sum = 0u64;
            while let Some(message) = receive.recv().await {
                sum = sum.wrapping_add(message[0]);
                Tracked::consumed(&message);
                ledger.op(|| drop(message));
            }
            black_box(sum)
        }));
    }
    for i in 0..MESSAGES {
        let message =
            Shared::<S, _>::new(ledger.track().consumers(SUBSCRIBERS as u32).wrap([i; 8]));
        for send in &senders {
            send.send(ledger.op(|| message.clone())).await.unwrap();
        }
    }
    drop(senders);
    for task in tasks {
        task.await.unwrap();
    }
}

fn channel(c: &mut Criterion) {
    let mut group = c.benchmark_group("tracking-channel");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let per_message = |iters: u64, tracked: bool| {
        let mut total = Duration::ZERO;
        for _ in 0..iters.div_ceil(MESSAGES) {
            let ledger = Ledger::new();
            let start = Instant::now();
            if tracked {
                runtime.block_on(broadcast_tracked(ledger.clone()));
            } else {
                runtime.block_on(broadcast_untracked());
            }
            total += start.elapsed();
        }
        total.mul_f64(iters as f64 / (iters.div_ceil(MESSAGES) * MESSAGES) as f64)
    };
    group.bench_function("untracked", |b| {
        b.iter_custom(|iters| per_message(iters, false))
    });
    group.bench_function("tracked", |b| {
        b.iter_custom(|iters| per_message(iters, true))
    });
    group.finish();
}

fn clock(c: &mut Criterion) {
    let mut group = c.benchmark_group("tracking-clock");
    let start = Instant::now();
    group.bench_function("instant", |b| b.iter(|| black_box(start.elapsed())));
    let ledger = Ledger::new();
    group.bench_function("ledger", |b| b.iter(|| black_box(ledger.elapsed_ns())));
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(40)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = lifecycle, fanout, operations, channel, clock
}
criterion_main!(benches);
