//! Code generic over the thread-safe strategies needs no where-clause: `build` creates two node
//! types that link to each other and sends them into `tokio::spawn`, and runs on every
//! thread-safe strategy of the library's list.

use reclaimer::strategy::{for_each, Visit};
use reclaimer::{Cell, Shared, ThreadSafe, Trace, Weak};

#[derive(Trace)]
struct Room<S: ThreadSafe> {
    name: String,
    members: Cell<S, Vec<Shared<S, Session<S>>>>,
}

#[derive(Trace)]
struct Session<S: ThreadSafe> {
    id: u32,
    room: Cell<S, Option<Weak<S, Room<S>>>>,
}

/// A room and its sessions.
type Lobby<S> = (Shared<S, Room<S>>, Vec<Shared<S, Session<S>>>);

/// Builds a room and two sessions linked both ways. No where-clause.
fn build<S: ThreadSafe>() -> Lobby<S> {
    let room = Shared::new(Room {
        name: "lobby".to_string(),
        members: Cell::from_value(Vec::new()),
    });
    let sessions: Vec<_> = (1..=2)
        .map(|id| {
            Shared::new(Session {
                id,
                room: Cell::from_value(Some(Shared::downgrade(&room))),
            })
        })
        .collect();
    room.members.store(Shared::new(sessions.clone()));
    (room, sessions)
}

/// Sends the linked structure into spawned tasks on a two-worker runtime.
async fn share<S: ThreadSafe>() -> u32 {
    let (room, sessions) = build::<S>();
    let reader = tokio::spawn({
        let room = room.clone();
        async move { room.members.read(|m| m.iter().map(|s| s.id).sum::<u32>()) }
    });
    let back = tokio::spawn(async move {
        let session = &sessions[0];
        session
            .room
            .read(|r| r.as_ref().and_then(Weak::upgrade))
            .map(|room| room.name.len())
    });
    let sum = reader.await.unwrap();
    assert_eq!(back.await.unwrap(), Some(5));
    drop(room);
    S::collect();
    sum
}

struct Spawn;

impl Visit for Spawn {
    type Output = Option<u32>;
    fn thread_safe<S: ThreadSafe>(&mut self) -> Option<u32> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .on_thread_park(reclaimer::on_park::<S>)
            .build()
            .unwrap();
        Some(runtime.block_on(share::<S>()))
    }
    fn local<S: reclaimer::Local>(&mut self) -> Option<u32> {
        None // `Gc` is thread-local: `build` does not accept it (S: ThreadSafe).
    }
}

#[test]
fn build_links_two_types_and_spawns_them_on_every_thread_safe_strategy() {
    let sums: Vec<_> = for_each(&mut Spawn).into_iter().flatten().collect();
    assert_eq!(sums.len(), 7, "seven thread-safe strategies");
    assert!(sums.iter().all(|sum| *sum == 3));
}
