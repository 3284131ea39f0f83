//! `flow`: messages carried over any [`Topology`], and the engine behind `pipeline` and
//! `fanout`.
//!
//! **Stands for** a stream-processing graph: stages that hand messages on (acyclic shapes
//! broadcast each message to every successor) or a cluster that routes requests hop by hop
//! (shapes with cycles walk each message a set number of hops).
//!
//! **Releases** each message when its last delivery has been handled: the ledger counts one
//! consumer per delivery, and a node that passes a message on to `k` successors adds `k`
//! consumers before it counts itself done. Messages are never on cycles: nothing leaks under
//! any reclaiming strategy.

use std::hint::black_box;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::Arc as StdArc;

use reclaimer::{Shared, Strategy, Trace};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc::{channel, error::SendError, Receiver, Sender};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::exec::{join_all, Stats, Workload};
use crate::track::{Ctx, Obj};
use crate::Topology;

/// A message: a sequence number and a payload the nodes read.
#[derive(Debug, Trace)]
pub struct Message {
    seq: u64,
    payload: Box<[u8]>,
}

/// A shared message as it travels.
pub(crate) type Msg<S> = Shared<S, Obj<Message>>;

impl Message {
    pub(crate) fn new(seq: u64, payload: Box<[u8]>) -> Self {
        Message { seq, payload }
    }
}

/// The work a node does with a message: read every payload byte.
#[inline]
pub(crate) fn work(message: &Message) -> u64 {
    message.payload.iter().fold(message.seq, |sum, &b| {
        sum.wrapping_mul(31).wrapping_add(u64::from(b))
    })
}

/// A message's payload: `bytes` bytes derived from its sequence number.
pub(crate) fn payload(seq: u64, bytes: u32) -> Box<[u8]> {
    (0..bytes)
        .map(|i| (seq as u32).wrapping_add(i) as u8)
        .collect()
}

/// Parameters of a flow over any topology.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Flow {
    /// The graph's shape.
    pub topology: Topology,
    /// Messages injected.
    pub messages: u32,
    /// Payload bytes per message.
    pub payload_bytes: u32,
    /// Capacity of each channel.
    pub capacity: usize,
    /// Hops per message on shapes with cycles.
    pub hops: u32,
    /// Test hook: the node after the first panics on its `n`-th message.
    #[serde(skip)]
    pub panic_at: Option<u64>,
}

impl Default for Flow {
    fn default() -> Self {
        Flow {
            topology: Topology::Random {
                nodes: 16,
                degree: 3,
            },
            messages: 15_000,
            payload_bytes: 64,
            capacity: 64,
            hops: 16,
            panic_at: None,
        }
    }
}

impl Flow {
    /// A size for tests.
    pub fn small() -> Self {
        Flow {
            messages: 300,
            hops: 8,
            ..Flow::default()
        }
    }

    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), String> {
        self.topology.validate()?;
        if self.capacity == 0 {
            return Err("the channel capacity must be at least 1".into());
        }
        Ok(())
    }

    /// Messages that may walk at once: fewer than a cycle of two full channels and their
    /// senders need to block each other, so walks never deadlock.
    fn window(&self) -> usize {
        2 * self.capacity + 1
    }

    pub(crate) fn parameters(&self) -> Vec<(&'static str, String)> {
        vec![
            ("topology", self.topology.to_string()),
            ("messages", self.messages.to_string()),
            ("payload_bytes", self.payload_bytes.to_string()),
            ("capacity", self.capacity.to_string()),
            ("hops", self.hops.to_string()),
        ]
    }
}

impl Workload for Flow {
    fn name(&self) -> String {
        "flow".into()
    }
    fn parameters(&self) -> Vec<(&'static str, String)> {
        Flow::parameters(self)
    }
}

/// Makes message `seq`, owed `consumers` deliveries.
pub(crate) fn message<S: Strategy>(ctx: &Ctx, seq: u64, bytes: u32, consumers: u32) -> Msg<S>
where
    Obj<Message>: reclaimer::Shareable<S>,
{
    let payload = payload(seq, bytes);
    Shared::new(
        ctx.obj("Message", Message { seq, payload }, u64::from(bytes), |t| {
            t.consumers(consumers)
        }),
    )
}

/// A node's work on one message, with the test hook that makes its `n`-th message panic.
fn handle(message: &Message, operations: u64, panic_at: Option<u64>) -> u64 {
    if panic_at == Some(operations) {
        panic!("injected panic in a flow node");
    }
    work(message)
}

/// Closes a failed node's inbox and hands back, as undeliverable, what was queued in it and
/// what senders had already reserved room for: tokio delivers a send whose slot was reserved
/// even after the receiver is dropped, and keeps it until the last sender goes, which on a
/// cycle (and with a walk's window permit inside) would be never.
async fn refuse<S: Strategy, T>(
    ctx: &Ctx,
    rx: &mut Receiver<T>,
    stats: &mut Stats,
    msg_of: impl Fn(T) -> Option<Msg<S>>,
) {
    rx.close();
    while let Some(item) = rx.recv().await {
        if let Some(msg) = msg_of(item) {
            undeliverable(ctx, msg, stats);
        }
    }
}

/// A node of an acyclic shape: handles each message and passes it to every successor.
pub(crate) async fn broadcast_node<S: Strategy>(
    ctx: Ctx,
    mut rx: Receiver<Msg<S>>,
    outs: Vec<Sender<Msg<S>>>,
    panic_at: Option<u64>,
) -> Stats {
    let mut stats = Stats::default();
    let mut sum = 0u64;
    while let Some(msg) = rx.recv().await {
        stats.operations += 1;
        let handled = catch_unwind(AssertUnwindSafe(|| {
            handle(&msg, stats.operations, panic_at)
        }));
        let value = match handled {
            Ok(value) => value,
            Err(panic) => {
                // The message in hand is dropped unconsumed, as an unwinding node would.
                drop(msg);
                refuse(&ctx, &mut rx, &mut stats, Some).await;
                resume_unwind(panic);
            }
        };
        sum = sum.wrapping_add(value);
        let Some((last, rest)) = outs.split_last() else {
            ctx.op(|| {
                msg.consumed();
                drop(msg);
            });
            continue;
        };
        // Count the successors before this node's own delivery, so the count never hits 0
        // while copies are still to be sent.
        msg.add_consumers(outs.len() as u32);
        msg.consumed();
        for out in rest {
            let copy = ctx.op(|| msg.clone());
            if let Err(SendError(copy)) = out.send(copy).await {
                undeliverable(&ctx, copy, &mut stats);
            }
        }
        if let Err(SendError(msg)) = last.send(msg).await {
            undeliverable(&ctx, msg, &mut stats);
        }
    }
    black_box(sum);
    stats
}

/// A delivery whose receiver is gone: it counts as handled.
fn undeliverable<S: Strategy>(ctx: &Ctx, msg: Msg<S>, stats: &mut Stats) {
    stats.dropped += 1;
    ctx.op(|| {
        msg.consumed();
        drop(msg);
    });
}

/// What travels on a walk's channels.
pub(crate) enum Step<S: Strategy> {
    /// A message, its hops left, and its place in the window.
    Walk(Msg<S>, u32, OwnedSemaphorePermit),
    /// Every walk has ended.
    Stop,
}

/// A node of a shape with cycles: handles each message and passes it to one successor until
/// its hops run out.
pub(crate) async fn walk_node<S: Strategy>(
    ctx: Ctx,
    node: usize,
    mut rx: Receiver<Step<S>>,
    outs: Vec<Sender<Step<S>>>,
    panic_at: Option<u64>,
) -> Stats {
    let mut rng = ctx.rng(node as u64);
    let mut stats = Stats::default();
    let mut sum = 0u64;
    while let Some(Step::Walk(msg, hops, permit)) = rx.recv().await {
        stats.operations += 1;
        let handled = catch_unwind(AssertUnwindSafe(|| {
            handle(&msg, stats.operations, panic_at)
        }));
        let value = match handled {
            Ok(value) => value,
            Err(panic) => {
                drop((msg, permit));
                refuse(&ctx, &mut rx, &mut stats, |step| match step {
                    Step::Walk(msg, _, _permit) => Some(msg),
                    Step::Stop => None,
                })
                .await;
                resume_unwind(panic);
            }
        };
        sum = sum.wrapping_add(value);
        if hops == 0 || outs.is_empty() {
            ctx.op(|| {
                msg.consumed();
                drop(msg);
            });
            drop(permit);
            continue;
        }
        let next = &outs[rng.usize(..outs.len())];
        if let Err(SendError(Step::Walk(msg, _, _))) =
            next.send(Step::Walk(msg, hops - 1, permit)).await
        {
            undeliverable(&ctx, msg, &mut stats);
        }
    }
    black_box(sum);
    stats
}

crate::workload! {
    impl for Flow, super::Pipeline, super::Fanout;
    where { Obj<Message>: reclaimer::Shareable<S>, }
    |this, ctx| {
        let flow = this.flow();
        let successors = flow.topology.successors(ctx.seed());
        let n = successors.len();
        let mut stats = Stats::default();
        if flow.topology.is_acyclic() {
            let (txs, rxs): (Vec<_>, Vec<_>) = (0..n).map(|_| channel::<Msg<S>>(flow.capacity)).unzip();
            let mut nodes = Vec::with_capacity(n);
            for (i, rx) in rxs.into_iter().enumerate() {
                let outs = successors[i].iter().map(|&j| txs[j].clone()).collect();
                let panic_at = flow.panic_at.filter(|_| i == 1);
                nodes.push(spawn(broadcast_node::<S>(ctx.clone(), rx, outs, panic_at)));
            }
            // The root is the only node without a predecessor; the others' senders are held by
            // their predecessors alone, so the channels close from the root down.
            let root = txs.into_iter().next().expect("a topology has a node");
            for seq in 0..u64::from(flow.messages) {
                let msg = message::<S>(&ctx, seq, flow.payload_bytes, 1);
                stats.objects += 1;
                if let Err(SendError(msg)) = root.send(msg).await {
                    undeliverable(&ctx, msg, &mut stats);
                }
            }
            drop(root);
            let (outs, failed) = join_all(nodes).await;
            outs.iter().for_each(|s| stats.merge(s));
            stats.failed_tasks += failed;
        } else {
            let (txs, rxs): (Vec<_>, Vec<_>) = (0..n).map(|_| channel::<Step<S>>(flow.capacity)).unzip();
            let mut nodes = Vec::with_capacity(n);
            for (i, rx) in rxs.into_iter().enumerate() {
                let outs = successors[i].iter().map(|&j| txs[j].clone()).collect();
                let panic_at = flow.panic_at.filter(|_| i == 1);
                nodes.push(spawn(walk_node::<S>(ctx.clone(), i, rx, outs, panic_at)));
            }
            let window = StdArc::new(Semaphore::new(flow.window()));
            for seq in 0..u64::from(flow.messages) {
                let permit = window.clone().acquire_owned().await.expect("the window is never closed");
                let msg = message::<S>(&ctx, seq, flow.payload_bytes, 1);
                stats.objects += 1;
                let start = &txs[seq as usize % n];
                if let Err(SendError(Step::Walk(msg, _, _))) = start.send(Step::Walk(msg, flow.hops, permit)).await {
                    undeliverable(&ctx, msg, &mut stats);
                }
            }
            // Every permit back: every walk has ended.
            let all = window.acquire_many(flow.window() as u32).await.expect("the window is never closed");
            drop(all);
            for tx in &txs {
                // A node that panicked has no receiver left; nothing to stop.
                let _ = tx.send(Step::Stop).await;
            }
            drop(txs);
            let (outs, failed) = join_all(nodes).await;
            outs.iter().for_each(|s| stats.merge(s));
            stats.failed_tasks += failed;
        }
        stats
    }
}

impl Flow {
    /// The flow itself (the macro's body asks every flow-shaped workload for one).
    fn flow(&self) -> Flow {
        *self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A send that reserved its slot before the inbox closed still arrives, and `refuse` hands
    /// it back instead of leaving it in a channel nobody reads.
    #[test]
    fn a_refused_inbox_hands_back_a_send_reserved_before_it_closed() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let ctx = Ctx::new(None, 1, 1, Default::default());
            let (tx, mut rx) = channel::<Msg<reclaimer::Arc>>(2);
            tx.send(message(&ctx, 0, 8, 1)).await.unwrap();
            let reserved = tx.clone().reserve_owned().await.unwrap();
            let late = tokio::spawn({
                let ctx = ctx.clone();
                async move { reserved.send(message(&ctx, 1, 8, 1)) }
            });
            let mut stats = Stats::default();
            refuse(&ctx, &mut rx, &mut stats, Some).await;
            late.await.unwrap();
            assert_eq!(stats.dropped, 2);
            assert!(tx.send(message(&ctx, 2, 8, 1)).await.is_err());
        });
    }
}
