//! Sessions and rooms that point at each other, across async tasks: a disconnect that forgets to
//! leave its rooms, and the fix.
//!
//! ```text
//! cargo run --release --example chat_rooms                         # every strategy, 200 sessions
//! cargo run --release --example chat_rooms -- --strategy sync-gc 2000
//! ```
//!
//! A room holds its members (to broadcast to them) and a session holds its rooms: every
//! membership is a cycle. Each session is a task: it joins two rooms, says hello to both, and
//! disconnects. A *forgetful* disconnect just ends the task. Its session stays reachable from
//! its rooms while they live (no collector can free what is reachable), and once the server
//! drops its rooms, refcounting leaks every room and session while the collectors reclaim them.
//! The *fix* leaves every room on disconnect, which cuts the cycles: every strategy frees the
//! session there and then.
//!
//! Thread-safe strategies run the sessions with `tokio::spawn` on two workers; `Gc` runs the same
//! code with `spawn_local` on a `LocalSet`.

#[allow(dead_code)]
mod common;

use reclaimer::metrics::{Ledger, Tracked};
use reclaimer::{Lock, Shareable, Shared, Strategy, Trace};

type RoomHandle<S> = Shared<S, Tracked<Room<S>>>;
type SessionHandle<S> = Shared<S, Tracked<Session<S>>>;

#[derive(Trace)]
struct Room<S: Strategy> {
    members: Lock<S, Vec<SessionHandle<S>>>,
}

#[derive(Trace)]
struct Session<S: Strategy> {
    rooms: Lock<S, Vec<RoomHandle<S>>>,
    received: Lock<S, u64>,
}

/// One session's life: join two rooms, greet them, disconnect (leaving the rooms if `leave`).
async fn session<S: Strategy>(ledger: Ledger, rooms: [RoomHandle<S>; 2], leave: bool)
where
    Tracked<Session<S>>: Shareable<S>,
{
    let me = Shared::<S, _>::new(ledger.track().label("Session").wrap(Session {
        rooms: Lock::new(Vec::new()),
        received: Lock::new(0),
    }));
    for room in rooms {
        room.members.with(|m| m.push(me.clone()));
        me.rooms.with(|r| r.push(room));
    }
    tokio::task::yield_now().await;
    for room in me.rooms.read(|r| r.clone()) {
        room.members
            .read(|m| m.iter().for_each(|s| s.received.with(|n| *n += 1)));
    }
    tokio::task::yield_now().await;
    if leave {
        for room in me.rooms.with(std::mem::take) {
            room.members.with(|m| m.retain(|s| !Shared::ptr_eq(s, &me)));
        }
    }
}

/// Builds the rooms, runs the sessions with `spawn`, then reports the sessions still held and
/// what the server's shutdown leaves behind.
fn run<S: Strategy>(
    size: usize,
    leave: bool,
    spawn: impl FnOnce(Ledger, Vec<RoomHandle<S>>),
) -> bool
where
    Tracked<Room<S>>: Shareable<S>,
{
    let ledger = Ledger::new();
    let rooms: Vec<_> = (0..(size / 10).max(1))
        .map(|_| {
            Shared::<S, _>::new(ledger.track().label("Room").wrap(Room {
                members: Lock::new(Vec::new()),
            }))
        })
        .collect();
    spawn(ledger.clone(), rooms.clone());
    S::collect();
    let held = ledger.counts().live - rooms.len() as u64;
    drop(rooms); // the server shuts down
    let report = ledger.finish::<S>();
    let all = report.counts.allocated;
    let (title, held_expected, expected, why) = if leave {
        let held = if S::FREES_MEMORY { 0 } else { size as u64 };
        let why = "leaving the rooms cut every cycle: each session was freed at its disconnect";
        let why = if S::FREES_MEMORY {
            why
        } else {
            common::why_cycles::<S>()
        };
        (
            "disconnects that leave their rooms",
            held,
            common::expected_leak::<S>(all, 0),
            why,
        )
    } else {
        let expected = common::expected_leak::<S>(all, all);
        (
            "disconnects that forget their rooms",
            size as u64,
            expected,
            common::why_cycles::<S>(),
        )
    };
    let ok = common::verdict::<S>(title, &report, expected, why);
    println!("  held       {held} of {size} sessions not freed after every disconnect, the rooms still live (expected {held_expected})");
    ok && held == held_expected
}

/// The sessions of one run, two rooms each.
fn sessions<S: Strategy>(
    ledger: Ledger,
    rooms: Vec<RoomHandle<S>>,
    size: usize,
    leave: bool,
) -> Vec<impl std::future::Future<Output = ()>>
where
    Tracked<Session<S>>: Shareable<S>,
{
    (0..size)
        .map(|i| {
            let pair = [
                rooms[i % rooms.len()].clone(),
                rooms[(i + 1) % rooms.len()].clone(),
            ];
            session::<S>(ledger.clone(), pair, leave)
        })
        .collect()
}

common::runner!("chat_rooms", 200, 20_000, |size|
    thread_safe: {
        let run = |leave| {
            run::<S>(size, leave, |ledger, rooms| {
                common::on_workers(sessions(ledger, rooms, size, leave))
            })
        };
        run(false) & run(true)
    },
    local: {
        let run = |leave| {
            run::<S>(size, leave, |ledger, rooms| {
                common::on_local_set(sessions(ledger, rooms, size, leave))
            })
        };
        run(false) & run(true)
    },
);
