//! `chat`, the flagship: a chat server whose sessions and rooms know each other.
//!
//! **Stands for** a chat or presence server (rooms of a messaging service, channels of a game
//! lobby): one task per connected session; a room holds handles to its sessions to broadcast
//! to them, a session holds handles to its rooms to post into them; a routing table (a
//! [`Cell`] updated with `rcu`) maps room ids to rooms. Member lists are edited in place under
//! the strategy's traced [`Lock`](reclaimer::Lock) (see [`Members`]).
//!
//! **What it does.** Sessions connect in waves (`concurrent` at a time), join
//! `rooms_per_session` rooms picked from the routing table, post `messages_per_session`
//! messages, each a shared handle broadcast to every member of the room, and read their inbox.
//! Then each session either *leaves* (removes itself from its rooms and its rooms from itself)
//! or *disconnects* (its task just ends, as when a socket drops, and the edges stay). Every
//! `room_churn_every` finished sessions, the oldest room closes (it leaves the routing table)
//! and a new one opens; at the end every room closes.
//!
//! **Releases**: a message when every member it was sent to has read it (or could not be
//! reached); a session when its task ends; a room when it closes.
//!
//! **Cycles.** A disconnected session and each room it was in point at each other. Once the
//! room closes, that pair is garbage on a cycle: the refcounting strategies leak it, the
//! collectors reclaim it. The workload records each disconnected session's rooms, so it knows
//! exactly how many objects it left on cycles ([`Stats::left_on_cycles`]).
//!
//! **Variants.** [`ChatVariant::Weak`]: a session's links to its rooms are back-edges
//! ([`Shared::downgrade`]), the way an `Arc` user fixes the leak; nothing is left on cycles.
//! [`ChatVariant::Owned`]: no shared room state at all: each room is a task that owns its
//! member list, reached only by messages (join, leave, post) over channels; only the messages
//! are shared handles.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc as StdArc, Mutex, PoisonError};

use reclaimer::{Cell, Shared, Strategy, Trace};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc::{channel, error::TrySendError, Receiver, Sender};
use tokio::sync::Semaphore;

use crate::exec::{join_all, Stats, Workload};
use crate::members::{Link, Members};
use crate::track::{Ctx, Obj};

/// Which chat server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatVariant {
    /// Rooms and sessions hold strong handles to each other.
    Shared,
    /// A session's links to its rooms are back-edges.
    Weak,
    /// Each room is a task owning its members; only messages are shared.
    Owned,
}

/// Parameters of `chat`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Chat {
    /// Which server.
    pub variant: ChatVariant,
    /// Sessions over the run (one task each).
    pub sessions: u32,
    /// Sessions connected at once.
    pub concurrent: u32,
    /// Rooms open at once.
    pub rooms: u32,
    /// Rooms each session joins.
    pub rooms_per_session: u32,
    /// Messages each session posts.
    pub messages_per_session: u32,
    /// Payload bytes per message.
    pub payload_bytes: u32,
    /// Capacity of each inbox and room channel; a full inbox drops the delivery.
    pub inbox: usize,
    /// Percentage of sessions that disconnect instead of leaving.
    pub disconnect_percent: u32,
    /// A room closes and a new one opens every this many finished sessions (0: never).
    pub room_churn_every: u32,
}

impl Default for Chat {
    fn default() -> Self {
        Chat {
            variant: ChatVariant::Shared,
            sessions: 2_000,
            concurrent: 200,
            rooms: 32,
            rooms_per_session: 2,
            messages_per_session: 8,
            payload_bytes: 64,
            inbox: 256,
            disconnect_percent: 50,
            room_churn_every: 100,
        }
    }
}

impl Chat {
    /// A size for tests.
    pub fn small() -> Self {
        Chat {
            sessions: 300,
            concurrent: 60,
            rooms: 8,
            messages_per_session: 4,
            room_churn_every: 20,
            ..Chat::default()
        }
    }

    /// The same parameters with another variant.
    pub fn variant(self, variant: ChatVariant) -> Self {
        Chat { variant, ..self }
    }

    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), String> {
        if self.rooms == 0 || self.concurrent == 0 || self.inbox == 0 {
            return Err("chat needs at least one room, one concurrent session and an inbox".into());
        }
        if self.disconnect_percent > 100 {
            return Err("disconnect_percent is a percentage (0 to 100)".into());
        }
        Ok(())
    }
}

impl Workload for Chat {
    fn name(&self) -> String {
        match self.variant {
            ChatVariant::Shared => "chat".into(),
            ChatVariant::Weak => "chat/weak".into(),
            ChatVariant::Owned => "chat/owned".into(),
        }
    }

    fn parameters(&self) -> Vec<(&'static str, String)> {
        vec![
            ("sessions", self.sessions.to_string()),
            ("concurrent", self.concurrent.to_string()),
            ("rooms", self.rooms.to_string()),
            ("rooms_per_session", self.rooms_per_session.to_string()),
            (
                "messages_per_session",
                self.messages_per_session.to_string(),
            ),
            ("payload_bytes", self.payload_bytes.to_string()),
            ("inbox", self.inbox.to_string()),
            ("disconnect_percent", self.disconnect_percent.to_string()),
            ("room_churn_every", self.room_churn_every.to_string()),
        ]
    }
}

/// A chat message.
#[derive(Debug, Trace)]
pub struct ChatMessage {
    from: u64,
    room: u64,
    text: Box<[u8]>,
}

type Msg<S> = Shared<S, Obj<ChatMessage>>;
type SessionRef<S> = Shared<S, Obj<Session<S>>>;
type RoomRef<S> = Shared<S, Obj<Room<S>>>;

/// A connected session, as rooms see it.
#[derive(Trace)]
pub struct Session<S: Strategy> {
    id: u64,
    rooms: Members<S, Link<S, Obj<Room<S>>>>,
    #[trace(skip)]
    inbox: Sender<Msg<S>>,
}

/// A room: its members, and whether it has closed.
#[derive(Trace)]
pub struct Room<S: Strategy> {
    id: u64,
    members: Members<S, SessionRef<S>>,
    closed: AtomicBool,
}

/// The routing table: the open rooms.
#[derive(Trace)]
pub struct Table<S: Strategy> {
    rooms: Vec<RoomRef<S>>,
}

impl<S: Strategy> std::fmt::Debug for Session<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Session({})", self.id)
    }
}
impl<S: Strategy> std::fmt::Debug for Room<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Room({})", self.id)
    }
}
impl<S: Strategy> std::fmt::Debug for Table<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Table({} rooms)", self.rooms.len())
    }
}

/// The workload's own record of what it left behind.
#[derive(Debug, Default)]
struct Book {
    /// Disconnected sessions that were in at least one room.
    disconnected: u64,
    /// Rooms a disconnected session was in.
    rooms: BTreeSet<u64>,
}

/// State every session task of the shared variants reaches.
struct Server<S: Strategy> {
    table: Cell<S, Table<S>>,
    next_room: AtomicU64,
    finished: AtomicU64,
    book: Mutex<Book>,
}

fn make_message<S: Strategy>(ctx: &Ctx, p: &Chat, from: u64, room: u64, seq: u64) -> Msg<S>
where
    Obj<ChatMessage>: reclaimer::Shareable<S>,
{
    let text = super::flow::payload(seq ^ from, p.payload_bytes);
    Shared::new(ctx.obj(
        "Message",
        ChatMessage { from, room, text },
        u64::from(p.payload_bytes),
        |t| t.consumers(1),
    ))
}

/// Closes `rx` and reads every delivery it still gets: `try_recv` can miss a send that was
/// under way when the inbox closed; `recv` waits for it.
async fn close_and_drain<S: Strategy>(ctx: &Ctx, rx: &mut Receiver<Msg<S>>) -> u64 {
    rx.close();
    let mut n = 0;
    while let Some(msg) = rx.recv().await {
        ctx.op(|| {
            msg.consumed();
            drop(msg);
        });
        n += 1;
    }
    n
}

/// Reads what is waiting in `rx`; returns how many.
fn drain<S: Strategy>(ctx: &Ctx, rx: &mut Receiver<Msg<S>>) -> u64 {
    let mut n = 0;
    while let Ok(msg) = rx.try_recv() {
        std::hint::black_box((msg.from, msg.room, msg.text.len()));
        ctx.op(|| {
            msg.consumed();
            drop(msg);
        });
        n += 1;
    }
    n
}

/// Sends `msg` to `to` without waiting; a full or closed inbox drops the delivery, which then
/// counts as handled.
fn deliver<S: Strategy>(ctx: &Ctx, to: &Sender<Msg<S>>, msg: &Msg<S>, stats: &mut Stats) {
    let copy = ctx.op(|| msg.clone());
    if let Err(TrySendError::Full(copy) | TrySendError::Closed(copy)) = to.try_send(copy) {
        stats.dropped += 1;
        ctx.op(|| {
            copy.consumed();
            drop(copy);
        });
    }
}

fn open_room<S: Strategy>(ctx: &Ctx, id: u64) -> RoomRef<S>
where
    Obj<Room<S>>: reclaimer::Shareable<S>,
{
    Shared::new(ctx.obj(
        "Room",
        Room {
            id,
            members: Members::new(),
            closed: AtomicBool::new(false),
        },
        0,
        |t| t.expect_release(),
    ))
}

/// Marks `room` closed and released.
fn close_room<S: Strategy>(room: &RoomRef<S>) {
    // Relaxed: a hint to posters; a post racing the close is still a valid post.
    room.closed.store(true, Ordering::Relaxed);
    room.release();
}

crate::workload! {
    impl for Chat;
    where {
        Obj<ChatMessage>: reclaimer::Shareable<S>,
        Obj<Session<S>>: reclaimer::Shareable<S>,
        Obj<Room<S>>: reclaimer::Shareable<S>,
        Table<S>: reclaimer::Shareable<S>,
    }
    |this, ctx| {
        let p = this;
        let mut stats = Stats::default();
        let gate = StdArc::new(Semaphore::new(p.concurrent as usize));
        if p.variant == ChatVariant::Owned {
            let (mut senders, mut room_tasks) = (Vec::new(), Vec::new());
            for _ in 0..p.rooms {
                let (tx, rx) = channel(p.inbox);
                senders.push(tx);
                room_tasks.push(spawn(owned::room::<S>(ctx.clone(), rx)));
            }
            let senders = StdArc::new(senders);
            let mut tasks = Vec::with_capacity(p.sessions as usize);
            for id in 0..u64::from(p.sessions) {
                let permit = gate.clone().acquire_owned().await.expect("the gate is never closed");
                let (ctx, senders) = (ctx.clone(), senders.clone());
                tasks.push(spawn(async move {
                    let stats = owned::session::<S>(ctx, p, senders, id).await;
                    drop(permit);
                    stats
                }));
            }
            let (outs, failed) = join_all(tasks).await;
            // The rooms end once no session can reach them.
            drop(senders);
            let (rooms, rooms_failed) = join_all(room_tasks).await;
            outs.iter().chain(&rooms).for_each(|s| stats.merge(s));
            stats.failed_tasks += failed + rooms_failed;
            return stats;
        }
        let rooms = (0..u64::from(p.rooms)).map(|id| open_room::<S>(&ctx, id)).collect();
        stats.objects += u64::from(p.rooms);
        let server = StdArc::new(Server::<S> {
            table: Cell::from_value(Table { rooms }),
            next_room: AtomicU64::new(u64::from(p.rooms)),
            finished: AtomicU64::new(0),
            book: Mutex::new(Book::default()),
        });
        let mut tasks = Vec::with_capacity(p.sessions as usize);
        for id in 0..u64::from(p.sessions) {
            let permit = gate.clone().acquire_owned().await.expect("the gate is never closed");
            let (ctx, server) = (ctx.clone(), server.clone());
            tasks.push(spawn(async move {
                let stats = session::<S>(ctx, p, server, id).await;
                drop(permit);
                stats
            }));
        }
        let (outs, failed) = join_all(tasks).await;
        outs.iter().for_each(|s| stats.merge(s));
        stats.failed_tasks += failed;
        // Every room closes.
        let old = server.table.swap(Shared::new(Table { rooms: Vec::new() }));
        old.rooms.iter().for_each(close_room::<S>);
        drop(old);
        let book = std::mem::take(&mut *server.book.lock().unwrap_or_else(PoisonError::into_inner));
        if p.variant == ChatVariant::Shared {
            stats.left_on_cycles = book.disconnected + book.rooms.len() as u64;
        }
        stats
    }
}

/// One session of the shared variants: connect, join, chat, then leave or disconnect.
async fn session<S: Strategy>(ctx: Ctx, p: Chat, server: StdArc<Server<S>>, id: u64) -> Stats
where
    Obj<ChatMessage>: reclaimer::Shareable<S>,
    Obj<Session<S>>: reclaimer::Shareable<S>,
    Obj<Room<S>>: reclaimer::Shareable<S>,
    Table<S>: reclaimer::Shareable<S>,
{
    let mut rng = ctx.rng(id);
    let mut stats = Stats {
        objects: 1,
        ..Stats::default()
    };
    let back = p.variant == ChatVariant::Weak;
    let (tx, mut rx) = channel::<Msg<S>>(p.inbox);
    let me: SessionRef<S> = Shared::new(ctx.obj(
        "Session",
        Session {
            id,
            rooms: Members::new(),
            inbox: tx,
        },
        0,
        |t| t.expect_release(),
    ));
    // Join.
    let mut joined: Vec<u64> = Vec::new();
    for _ in 0..p.rooms_per_session {
        let room = ctx.op(|| {
            server.table.read(|t| {
                (!t.rooms.is_empty()).then(|| t.rooms[rng.usize(..t.rooms.len())].clone())
            })
        });
        let Some(room) = room else { continue };
        // Relaxed: see `close_room`.
        if joined.contains(&room.id) || room.closed.load(Ordering::Relaxed) {
            continue;
        }
        ctx.op(|| room.members.push(me.clone()));
        ctx.op(|| me.rooms.push(Link::to(&room, back)));
        joined.push(room.id);
    }
    // Chat.
    let mut posted = 0;
    for seq in 0..u64::from(p.messages_per_session) {
        let room = me
            .rooms
            .read(|links| (!links.is_empty()).then(|| links[rng.usize(..links.len())].get()));
        if let Some(room) = room {
            // Relaxed: see `close_room`.
            if let Some(room) = room.filter(|r| !r.closed.load(Ordering::Relaxed)) {
                let msg = make_message::<S>(&ctx, &p, id, room.id, seq);
                stats.objects += 1;
                posted += 1;
                room.members.read(|members| {
                    msg.add_consumers(members.len() as u32);
                    for member in members {
                        deliver(&ctx, &member.inbox, &msg, &mut stats);
                    }
                });
                ctx.op(|| {
                    msg.consumed();
                    drop(msg);
                });
            }
        }
        stats.operations += drain(&ctx, &mut rx);
        tokio::task::yield_now().await;
    }
    stats.operations += drain(&ctx, &mut rx);
    // Leave, or disconnect.
    let was_in = u64::from(!joined.is_empty());
    if rng.u32(..100) >= p.disconnect_percent {
        for link in me.rooms.take() {
            if let Some(room) = link.get() {
                ctx.op(|| room.members.remove(|s| Shared::ptr_eq(s, &me)));
            }
        }
        stats.count("sessions_left", was_in);
    } else if !joined.is_empty() {
        let mut book = server.book.lock().unwrap_or_else(PoisonError::into_inner);
        book.disconnected += 1;
        book.rooms.extend(joined.iter().copied());
        stats.count("sessions_disconnected", 1);
    }
    stats.count("sessions_joined", was_in);
    stats.count("messages_posted", posted);
    // No delivery can arrive once the inbox is closed; read what is left.
    stats.operations += close_and_drain(&ctx, &mut rx).await;
    me.release();
    ctx.op(|| drop(me));
    // Room churn: the oldest room closes, a new one opens.
    // Relaxed: only counts finished sessions.
    let finished = server.finished.fetch_add(1, Ordering::Relaxed) + 1;
    if p.room_churn_every > 0 && finished % u64::from(p.room_churn_every) == 0 {
        // Relaxed: only hands out ids.
        let fresh = open_room::<S>(&ctx, server.next_room.fetch_add(1, Ordering::Relaxed));
        stats.objects += 1;
        let old = ctx.op(|| {
            server.table.rcu(|t| {
                let mut rooms: Vec<RoomRef<S>> = t.rooms.iter().skip(1).cloned().collect();
                rooms.push(fresh.clone());
                Shared::new(Table { rooms })
            })
        });
        if let Some(closed) = old.rooms.first() {
            close_room::<S>(closed);
        }
    }
    stats
}

/// The owned variant: rooms are tasks; sessions reach them only by messages.
mod owned {
    use super::*;

    /// What a room task is asked to do.
    pub(super) enum Command<S: Strategy> {
        Join(u64, Sender<Msg<S>>),
        Leave(u64),
        Post(Msg<S>),
    }

    /// A room task: owns its members; broadcasts each post.
    pub(super) async fn room<S: Strategy>(ctx: Ctx, mut rx: Receiver<Command<S>>) -> Stats {
        let mut stats = Stats::default();
        let mut members: Vec<(u64, Sender<Msg<S>>)> = Vec::new();
        while let Some(command) = rx.recv().await {
            match command {
                Command::Join(id, inbox) => members.push((id, inbox)),
                Command::Leave(id) => members.retain(|(m, _)| *m != id),
                Command::Post(msg) => {
                    // A member whose inbox is closed has disconnected: forget it.
                    members.retain(|(_, inbox)| !inbox.is_closed());
                    msg.add_consumers(members.len() as u32);
                    for (_, inbox) in &members {
                        deliver(&ctx, inbox, &msg, &mut stats);
                    }
                    ctx.op(|| {
                        msg.consumed();
                        drop(msg);
                    });
                }
            }
        }
        stats
    }

    /// One session: join rooms by message, post, read, then leave or disconnect.
    pub(super) async fn session<S: Strategy>(
        ctx: Ctx,
        p: Chat,
        rooms: StdArc<Vec<Sender<Command<S>>>>,
        id: u64,
    ) -> Stats
    where
        Obj<ChatMessage>: reclaimer::Shareable<S>,
    {
        let mut rng = ctx.rng(id);
        let mut stats = Stats::default();
        let (tx, mut rx) = channel::<Msg<S>>(p.inbox);
        let mut joined: Vec<usize> = Vec::new();
        for _ in 0..p.rooms_per_session {
            let r = rng.usize(..rooms.len());
            if !joined.contains(&r) && rooms[r].send(Command::Join(id, tx.clone())).await.is_ok() {
                joined.push(r);
            }
        }
        drop(tx);
        for seq in 0..u64::from(p.messages_per_session) {
            if !joined.is_empty() {
                let r = joined[rng.usize(..joined.len())];
                let msg = make_message::<S>(&ctx, &p, id, r as u64, seq);
                stats.objects += 1;
                if let Err(e) = rooms[r].send(Command::Post(msg)).await {
                    if let Command::Post(msg) = e.0 {
                        msg.consumed();
                    }
                }
            }
            stats.operations += drain(&ctx, &mut rx);
            tokio::task::yield_now().await;
        }
        if rng.u32(..100) >= p.disconnect_percent {
            for &r in &joined {
                let _ = rooms[r].send(Command::Leave(id)).await;
            }
        }
        stats.operations += close_and_drain(&ctx, &mut rx).await;
        stats
    }
}
