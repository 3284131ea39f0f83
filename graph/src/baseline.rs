//! The hand-written baseline: the work of [`Pipeline`] as one would write it directly with
//! tokio, `Box` payloads moved down bounded `mpsc` channels, no strategy and no ledger.
//!
//! The runner's `pipeline` with `Arc` divided by this gives what the task graph itself costs.

use std::time::Instant;

use reclaimer::metrics::Throughput;
use tokio::sync::mpsc::{channel, Receiver, Sender};

use crate::config::Runtime;
use crate::runner::Error;
use crate::workloads::flow::{payload, work, Message};
use crate::workloads::Pipeline;

async fn stage(mut rx: Receiver<Box<Message>>, next: Option<Sender<Box<Message>>>) -> u64 {
    let mut sum = 0u64;
    let mut handled = 0;
    while let Some(msg) = rx.recv().await {
        handled += 1;
        sum = sum.wrapping_add(work(&msg));
        if let Some(next) = &next {
            if next.send(msg).await.is_err() {
                break;
            }
        }
    }
    std::hint::black_box(sum);
    handled
}

/// Runs the pipeline by hand on `runtime`; returns deliveries per second, counted as the
/// runner counts them.
///
/// ```
/// use reclaimer_graph::{baseline, workloads::Pipeline, Runtime};
/// let t = baseline::pipeline(&Pipeline::small(), Runtime::MultiThread { workers: 2 }).unwrap();
/// assert_eq!(t.operations, 4 * 500);
/// ```
pub fn pipeline(p: &Pipeline, runtime: Runtime) -> Result<Throughput, Error> {
    if p.stages == 0 || p.capacity == 0 {
        return Err(Error::Invalid(
            "the pipeline needs a stage and a capacity".into(),
        ));
    }
    let rt = match runtime {
        Runtime::MultiThread { workers: 0 } => {
            return Err(Error::Invalid(
                "the multi-thread runtime needs at least 1 worker".into(),
            ))
        }
        Runtime::MultiThread { workers } => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .build(),
        Runtime::Local => tokio::runtime::Builder::new_current_thread().build(),
    }
    .map_err(Error::Runtime)?;
    let p = *p;
    let start = Instant::now();
    let handled = rt.block_on(async move {
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..p.stages).map(|_| channel(p.capacity)).unzip();
        let mut txs = txs.into_iter();
        let first = txs.next().expect("at least one stage");
        let mut nexts: Vec<Option<Sender<Box<Message>>>> = txs.map(Some).collect();
        nexts.push(None);
        let stages: Vec<_> = rxs
            .into_iter()
            .zip(nexts)
            .map(|(rx, next)| tokio::spawn(stage(rx, next)))
            .collect();
        for seq in 0..u64::from(p.messages) {
            let msg = Box::new(Message::new(seq, payload(seq, p.payload_bytes)));
            if first.send(msg).await.is_err() {
                break;
            }
        }
        drop(first);
        let mut handled = 0;
        for stage in stages {
            handled += stage.await.unwrap_or(0);
        }
        handled
    });
    let wall = start.elapsed();
    drop(rt);
    Ok(Throughput::new(handled, wall))
}
