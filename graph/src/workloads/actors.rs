//! `actors`: actors that hold each other's state and mailboxes.
//!
//! **Stands for** an actor system (a game world's entities, a simulation's agents, a
//! supervisor tree's workers): each actor is a task with a mailbox; its state is a shared
//! object holding its mailbox and links to the states of the actors it knows, through which
//! it reaches their mailboxes.
//!
//! **What it does.** `actors` actors each know `peers` others, chosen with the seed (a random
//! graph, so the acquaintances form cycles). Each sends `messages_per_actor` letters to peers
//! chosen with the seed, reading its own mailbox while it waits, and handles every letter
//! sent to it. At the end the system is torn down: each task drops its state, and the
//! registry that held every state is dropped.
//!
//! **Releases** a letter when its addressee has read it; every actor state at the teardown
//! (one generation).
//!
//! **Cycles.** With strong links, a refcounting strategy frees an actor's state only if no
//! other state links to it, once that one is freed; what remains is every state on a cycle of
//! acquaintances or reachable from one. The workload computes that set from the acquaintance
//! graph (peeling states nobody links to, as reference counting does) and reports it as
//! [`Stats::left_on_cycles`]. The **weak** variant links peers with back-edges: nothing is left.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use reclaimer::{Shared, Strategy, Trace};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc::{channel, error::TrySendError, Receiver, Sender};

use crate::exec::{join_all, Stats, Workload};
use crate::members::{Link, Members};
use crate::track::{Ctx, Obj};

/// Parameters of `actors`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Actors {
    /// Peer links are back-edges.
    pub weak: bool,
    /// Actors (one task each).
    pub actors: u32,
    /// Peers each actor knows.
    pub peers: u32,
    /// Letters each actor sends.
    pub messages_per_actor: u32,
    /// Payload bytes per letter.
    pub payload_bytes: u32,
    /// Capacity of each mailbox.
    pub mailbox: usize,
}

impl Default for Actors {
    fn default() -> Self {
        Actors {
            weak: false,
            actors: 500,
            peers: 4,
            messages_per_actor: 40,
            payload_bytes: 64,
            mailbox: 32,
        }
    }
}

impl Actors {
    /// A size for tests.
    pub fn small() -> Self {
        Actors {
            actors: 60,
            peers: 2,
            messages_per_actor: 20,
            ..Actors::default()
        }
    }

    /// The same parameters, weak or not.
    pub fn weak(self, weak: bool) -> Self {
        Actors { weak, ..self }
    }

    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), String> {
        if self.actors < 2 || self.peers == 0 || self.peers >= self.actors || self.mailbox == 0 {
            return Err("actors needs at least 2 actors, 1 to actors-1 peers and a mailbox".into());
        }
        Ok(())
    }

    /// Each actor's peers, chosen with `seed`.
    pub fn acquaintances(&self, seed: u64) -> Vec<Vec<usize>> {
        crate::Topology::Random {
            nodes: self.actors as usize,
            degree: self.peers as usize,
        }
        .successors(seed)
    }
}

impl Workload for Actors {
    fn name(&self) -> String {
        if self.weak {
            "actors/weak".into()
        } else {
            "actors".into()
        }
    }
    fn parameters(&self) -> Vec<(&'static str, String)> {
        vec![
            ("actors", self.actors.to_string()),
            ("peers", self.peers.to_string()),
            ("messages_per_actor", self.messages_per_actor.to_string()),
            ("payload_bytes", self.payload_bytes.to_string()),
            ("mailbox", self.mailbox.to_string()),
        ]
    }
}

/// A letter between actors.
#[derive(Debug, Trace)]
pub struct Letter {
    from: u64,
    body: Box<[u8]>,
}

type Mail<S> = Shared<S, Obj<Letter>>;
type StateRef<S> = Shared<S, Obj<ActorState<S>>>;

/// An actor's state: its mailbox, and links to the states of its peers.
#[derive(Trace)]
pub struct ActorState<S: Strategy> {
    id: u64,
    peers: Members<S, Link<S, Obj<ActorState<S>>>>,
    #[trace(skip)]
    mailbox: Sender<Mail<S>>,
    handled: AtomicU64,
}

impl<S: Strategy> std::fmt::Debug for ActorState<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ActorState({})", self.id)
    }
}

/// States a refcounting strategy cannot free once every outside handle is gone: those on a
/// cycle of `links` or reachable from one. Peels states nobody links to, as reference counting
/// frees them.
pub fn left_on_cycles(links: &[Vec<usize>]) -> u64 {
    let mut indegree = vec![0usize; links.len()];
    links.iter().flatten().for_each(|&j| indegree[j] += 1);
    let mut freed: Vec<usize> = (0..links.len()).filter(|&i| indegree[i] == 0).collect();
    let mut count = 0;
    while let Some(i) = freed.pop() {
        count += 1;
        for &j in &links[i] {
            indegree[j] -= 1;
            if indegree[j] == 0 {
                freed.push(j);
            }
        }
    }
    (links.len() - count) as u64
}

fn read_mail<S: Strategy>(ctx: &Ctx, me: &StateRef<S>, rx: &mut Receiver<Mail<S>>) -> u64 {
    let mut n = 0;
    while let Ok(letter) = rx.try_recv() {
        handle(ctx, me, letter);
        n += 1;
    }
    n
}

fn handle<S: Strategy>(ctx: &Ctx, me: &StateRef<S>, letter: Mail<S>) {
    black_box((letter.from, letter.body.len()));
    // Relaxed: a statistic of this actor.
    me.handled.fetch_add(1, Ordering::Relaxed);
    ctx.op(|| {
        letter.consumed();
        drop(letter);
    });
}

/// One actor: send its letters, read its mail, then wait for the letters still owed to it.
async fn actor<S: Strategy>(
    ctx: Ctx,
    p: Actors,
    me: StateRef<S>,
    mut rx: Receiver<Mail<S>>,
    targets: Vec<usize>,
    expected: u64,
) -> Stats
where
    Obj<Letter>: reclaimer::Shareable<S>,
{
    let mut stats = Stats::default();
    let mut received = 0;
    for (seq, k) in targets.into_iter().enumerate() {
        let Some(peer) = ctx.op(|| me.peers.read(|peers| peers[k].get())) else {
            continue;
        };
        let body = super::flow::payload(me.id ^ seq as u64, p.payload_bytes);
        let mut letter: Mail<S> = Shared::new(ctx.obj(
            "Letter",
            Letter { from: me.id, body },
            u64::from(p.payload_bytes),
            |t| t.consumers(1),
        ));
        stats.objects += 1;
        loop {
            match peer.mailbox.try_send(letter) {
                Ok(()) => break,
                Err(TrySendError::Full(back)) => {
                    // Read own mail while the peer's mailbox is full, so no two actors wait
                    // on each other.
                    letter = back;
                    received += read_mail(&ctx, &me, &mut rx);
                    tokio::task::yield_now().await;
                }
                Err(TrySendError::Closed(back)) => {
                    stats.dropped += 1;
                    back.consumed();
                    break;
                }
            }
        }
        ctx.op(|| drop(peer));
        received += read_mail(&ctx, &me, &mut rx);
        tokio::task::yield_now().await;
    }
    while received < expected {
        let Some(letter) = rx.recv().await else { break };
        handle(&ctx, &me, letter);
        received += 1;
    }
    // `recv` after `close` also waits for a send that was under way.
    rx.close();
    while let Some(letter) = rx.recv().await {
        handle(&ctx, &me, letter);
        received += 1;
    }
    stats.operations += received;
    ctx.op(|| drop(me));
    stats
}

crate::workload! {
    impl for Actors;
    where {
        Obj<Letter>: reclaimer::Shareable<S>,
        Obj<ActorState<S>>: reclaimer::Shareable<S>,
    }
    |this, ctx| {
        let p = this;
        let links = p.acquaintances(ctx.seed());
        let n = links.len();
        // Who writes to whom: each actor picks a peer per letter.
        let mut expected = vec![0u64; n];
        let plans: Vec<Vec<usize>> = (0..n)
            .map(|i| {
                let mut rng = ctx.rng(i as u64);
                (0..p.messages_per_actor)
                    .map(|_| {
                        let k = rng.usize(..links[i].len());
                        expected[links[i][k]] += 1;
                        k
                    })
                    .collect()
            })
            .collect();
        let system = ctx.generation();
        let (mut states, mut inboxes) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for id in 0..n as u64 {
            let (tx, rx) = channel::<Mail<S>>(p.mailbox);
            let state: StateRef<S> = Shared::new(ctx.obj(
                "ActorState",
                ActorState { id, peers: Members::new(), mailbox: tx, handled: AtomicU64::new(0) },
                0,
                |t| t.generation(system),
            ));
            states.push(state);
            inboxes.push(rx);
        }
        for (i, peers) in links.iter().enumerate() {
            for &j in peers {
                states[i].peers.push(Link::to(&states[j], p.weak));
            }
        }
        let mut tasks = Vec::with_capacity(n);
        for ((i, rx), plan) in inboxes.into_iter().enumerate().zip(plans) {
            tasks.push(spawn(actor::<S>(ctx.clone(), p, states[i].clone(), rx, plan, expected[i])));
        }
        let (outs, failed) = join_all(tasks).await;
        let mut stats = Stats { objects: n as u64, ..Stats::default() };
        outs.iter().for_each(|s| stats.merge(s));
        stats.failed_tasks += failed;
        // Teardown: the registry goes.
        drop(states);
        ctx.release_generation(system);
        if !p.weak {
            stats.left_on_cycles = left_on_cycles(&links);
        }
        stats
    }
}
