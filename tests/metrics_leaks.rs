//! Known answers for the user-facing leak check: an `Arc` cycle fails it with a report naming
//! the type, count and bytes; the same graph under a collecting strategy, or with a `Weak`
//! back-edge, passes.

use std::panic::{catch_unwind, AssertUnwindSafe};

use reclaimer::metrics::Tracked;
use reclaimer::{Cell, Shareable, Shared, Strategy, Trace, Weak};

/// A handle to a tracked `T`.
type Handle<S, T> = Shared<S, Tracked<T>>;

#[derive(Trace)]
struct Room<S: Strategy> {
    members: Cell<S, Vec<Handle<S, Session<S>>>>,
}

#[derive(Trace)]
struct Session<S: Strategy> {
    room: Cell<S, Option<Handle<S, Room<S>>>>,
    back: Option<Weak<S, Tracked<Room<S>>>>,
}

/// A room and two sessions; each session points back to the room, strongly or weakly.
fn chat<S: Strategy>(scope: &reclaimer::leaks::Scope, weak_back_edges: bool)
where
    Tracked<Room<S>>: Shareable<S>,
    Tracked<Session<S>>: Shareable<S>,
    Vec<Shared<S, Tracked<Session<S>>>>: Shareable<S>,
    Option<Shared<S, Tracked<Room<S>>>>: Shareable<S>,
{
    let room = Shared::<S, _>::new(scope.track(Room {
        members: Cell::from_value(Vec::new()),
    }));
    let sessions: Vec<_> = (0..2)
        .map(|_| {
            let (strong, back) = if weak_back_edges {
                (None, Some(Shared::downgrade(&room)))
            } else {
                (Some(room.clone()), None)
            };
            Shared::<S, _>::new(scope.track_as(
                "Session",
                Session {
                    room: Cell::from_value(strong),
                    back,
                },
            ))
        })
        .collect();
    room.members.store(Shared::new(sessions));
}

#[test]
fn arc_cycle_fails_the_check_with_labels_counts_and_bytes() {
    type S = reclaimer::Arc;
    let scope = reclaimer::leaks::scope();
    chat::<S>(&scope, false);
    let check = scope.check::<S>();
    assert!(!check.is_clean());
    assert_eq!(check.leaked(), 3);
    let room = std::mem::size_of::<Room<S>>() as u64;
    let session = std::mem::size_of::<Session<S>>() as u64;
    assert_eq!(check.leaked_bytes(), room + 2 * session);
    let mut by_label = check.leaked_by_label();
    by_label.sort();
    assert_eq!(
        by_label,
        [
            ("Room<Arc>".to_string(), 1, room),
            ("Session".to_string(), 2, 2 * session)
        ]
    );
    assert!(check.counts().is_balanced());

    let panic = catch_unwind(AssertUnwindSafe(|| scope.assert_none_leaked::<S>()))
        .expect_err("the check must fail");
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(message.contains("leak check failed under Arc"), "{message}");
    assert!(
        message.contains(&format!("3 objects ({} bytes)", room + 2 * session)),
        "{message}"
    );
    assert!(
        message.contains("Room<Arc>") && message.contains("Session"),
        "{message}"
    );
}

#[test]
fn rw_lock_arc_cycle_fails_the_check() {
    let scope = reclaimer::leaks::scope();
    chat::<reclaimer::RwLockArc>(&scope, false);
    assert_eq!(scope.check::<reclaimer::RwLockArc>().leaked(), 3);
}

#[test]
fn weak_back_edges_pass_the_check() {
    let scope = reclaimer::leaks::scope();
    chat::<reclaimer::Arc>(&scope, true);
    let check = scope.check::<reclaimer::Arc>();
    assert!(check.is_clean(), "{check}");
    assert_eq!(check.late(), 0);
    scope.assert_none_leaked::<reclaimer::Arc>();
}

#[test]
fn gc_collects_the_cycle_and_passes_the_check() {
    let scope = reclaimer::leaks::scope();
    chat::<reclaimer::Gc>(&scope, false);
    let check = scope.check::<reclaimer::Gc>();
    assert!(check.is_clean(), "{check}");
    assert_eq!(check.counts().reclaimed, 3);
    assert_eq!(check.late(), 3);
    assert!(check.to_string().contains("leak check passed under Gc"));
    scope.assert_none_leaked::<reclaimer::Gc>();
}

#[test]
fn sync_gc_collects_the_cycle_and_passes_the_check() {
    let scope = reclaimer::leaks::scope();
    chat::<reclaimer::SyncGc>(&scope, false);
    scope.assert_none_leaked::<reclaimer::SyncGc>();
    let check = scope.check::<reclaimer::SyncGc>();
    assert_eq!(check.counts().reclaimed, 3);
    assert!(check.counts().check().is_ok());
}
