//! A leak check for your own tests: which of your objects does a strategy never reclaim?
//!
//! Open a [`scope`], wrap the objects you want watched with [`Scope::track`] (they become
//! [`Tracked<T>`]: put them where `T` went), run your code, drop your handles, then call
//! [`Scope::assert_none_leaked`]. It runs the strategy's `collect()` and fails with a report
//! naming each leaked type, how many objects and how many bytes.
//!
//! Finding an `Arc` cycle in one's own code:
//!
//! ```
//! use reclaimer::metrics::Tracked;
//! use reclaimer::{Cell, Shared, Trace};
//!
//! type S = reclaimer::Arc;
//!
//! #[derive(Trace)]
//! struct Room {
//!     members: Cell<S, Vec<Shared<S, Tracked<Session>>>>,
//! }
//!
//! #[derive(Trace)]
//! struct Session {
//!     room: Cell<S, Option<Shared<S, Tracked<Room>>>>,
//! }
//!
//! let scope = reclaimer::leaks::scope();
//! {
//!     let room = Shared::<S, _>::new(scope.track(Room { members: Cell::from_value(vec![]) }));
//!     let alice = Shared::<S, _>::new(scope.track(Session { room: Cell::from_value(None) }));
//!     // The room holds the session and the session holds the room: a cycle.
//!     room.members.store(Shared::new(vec![alice.clone()]));
//!     alice.room.store(Shared::new(Some(room.clone())));
//! } // every handle of ours is gone here
//!
//! let check = scope.check::<S>();
//! assert_eq!(check.leaked(), 2);
//! assert_eq!(check.leaked_by_label(), vec![
//!     ("Room".to_string(), 1, std::mem::size_of::<Room>() as u64),
//!     ("Session".to_string(), 1, std::mem::size_of::<Session>() as u64),
//! ]);
//! // `scope.assert_none_leaked::<S>()` would panic here, with this report (on 64-bit):
//! //
//! // leak check failed under Arc: 2 objects (16 bytes) not reclaimed after collect()
//! //   leaked label    generation  objects       bytes  released
//! //          Room              -        1           8         0
//! //          Session           -        1           8         0
//! assert!(check.to_string().starts_with("leak check failed under Arc: 2 objects"));
//! ```
//!
//! The same code under a collecting strategy passes (`type S = reclaimer::SyncGc;`), and so does
//! the `Arc` version once the back-edge from the session to its room is a
//! [`Weak`](crate::Weak).
//!
//! ```should_panic
//! # use reclaimer::metrics::Tracked;
//! # use reclaimer::{Cell, Shared, Trace};
//! type S = reclaimer::Arc;
//!
//! #[derive(Trace)]
//! struct Node {
//!     next: Cell<S, Option<Shared<S, Tracked<Node>>>>,
//! }
//!
//! let scope = reclaimer::leaks::scope();
//! let a = Shared::<S, _>::new(scope.track(Node { next: Cell::from_value(None) }));
//! a.next.store(Shared::new(Some(a.clone()))); // a points to itself
//! drop(a);
//! scope.assert_none_leaked::<S>(); // panics: 1 `Node` leaked
//! ```

use std::fmt;

use crate::metrics::{Counts, LeakReport, Ledger, Tracked};
use crate::strategy::Strategy;

/// Opens a leak-check scope with its own [`Ledger`].
pub fn scope() -> Scope {
    Scope {
        ledger: Ledger::new(),
    }
}

/// A leak-check scope: see the [module docs](self).
#[derive(Clone, Debug, Default)]
pub struct Scope {
    ledger: Ledger,
}

impl Scope {
    /// Wraps `value` so the scope watches it; labelled with its type name.
    pub fn track<T>(&self, value: T) -> Tracked<T> {
        Tracked::new(&self.ledger, value)
    }

    /// Wraps `value` so the scope watches it, under `label`.
    pub fn track_as<T>(&self, label: &'static str, value: T) -> Tracked<T> {
        self.ledger.track().label(label).wrap(value)
    }

    /// The scope's ledger, for [`Ledger::track`] and the other instruments.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Runs [`S::collect()`](Strategy::collect) on this thread and reports what was never
    /// reclaimed. Call it after dropping your handles.
    pub fn check<S: Strategy>(&self) -> LeakCheck {
        let report = self.ledger.finish::<S>();
        LeakCheck {
            strategy: S::NAME,
            counts: report.counts,
            leaks: report.leaks,
        }
    }

    /// Runs [`S::collect()`](Strategy::collect) on this thread and panics, with a report of
    /// every leaked type label, count and bytes, if any tracked object was never reclaimed (or
    /// one was reclaimed twice).
    #[track_caller]
    pub fn assert_none_leaked<S: Strategy>(&self) {
        let check = self.check::<S>();
        if !check.is_clean() {
            panic!("{check}");
        }
    }
}

/// The outcome of [`Scope::check`]. Its `Display` is the report `assert_none_leaked` panics
/// with.
#[derive(Clone, Debug, PartialEq)]
pub struct LeakCheck {
    strategy: &'static str,
    counts: Counts,
    leaks: LeakReport,
}

impl LeakCheck {
    /// No object leaked, and the counts obey the conservation law.
    pub fn is_clean(&self) -> bool {
        self.counts.leaked == 0 && self.counts.check().is_ok()
    }

    /// Objects never reclaimed.
    pub fn leaked(&self) -> u64 {
        self.counts.leaked
    }

    /// Bytes of objects never reclaimed.
    pub fn leaked_bytes(&self) -> u64 {
        self.counts.leaked_bytes
    }

    /// Objects reclaimed only by the final `collect()`.
    pub fn late(&self) -> u64 {
        self.counts.late
    }

    /// Leaked objects by type label, largest first: `(label, count, bytes)`.
    pub fn leaked_by_label(&self) -> Vec<(String, u64, u64)> {
        self.leaks.leaked_by_label()
    }

    /// The object counts.
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// Leaked and late objects by label and generation.
    pub fn report(&self) -> &LeakReport {
        &self.leaks
    }
}

impl fmt::Display for LeakCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_clean() {
            writeln!(
                f,
                "leak check passed under {}: {} objects tracked, none leaked ({} reclaimed only by collect())",
                self.strategy, self.counts.allocated, self.counts.late
            )?;
        } else {
            writeln!(
                f,
                "leak check failed under {}: {} objects ({} bytes) not reclaimed after collect()",
                self.strategy, self.counts.leaked, self.counts.leaked_bytes
            )?;
            if let Err(violation) = self.counts.check() {
                writeln!(f, "  conservation: {violation}")?;
            }
        }
        write!(f, "{}", self.leaks)
    }
}
