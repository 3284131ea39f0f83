//! Callbacks stored in an object that capture handles to that object: closures are opaque to
//! tracing, so even the collectors keep such an object forever.
//!
//! ```text
//! cargo run --release --example observer                          # every strategy, 100 subjects
//! cargo run --release --example observer -- --strategy sync-gc 1000
//! ```
//!
//! Each subject keeps a list of listeners (boxed closures) and calls them when it fires. A
//! closure has no `Trace` impl: what it captured cannot be visited, so the listener list is a
//! `#[trace(skip)]` field. Three ways to write the listener:
//!
//! - *capture a handle* to the subject: a cycle through the closure. Refcounting leaks it; `Gc`
//!   (rust-gc) never unroots a handle it cannot trace, so the subject stays a root; `SyncGc`
//!   (dumpster) sees a reference count it cannot explain by tracing, so it assumes a reference
//!   from outside and keeps the subject. Safe everywhere, and leaked everywhere.
//! - *capture a back-edge* ([`Shared::downgrade`]): the fix for refcounting, where it is a real
//!   weak pointer. For the collectors a back-edge is strong, so it still leaks there.
//! - *take the subject as an argument* and capture nothing: no hidden edge, nothing leaks.

#[allow(dead_code)]
mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use reclaimer::metrics::{Ledger, Tracked};
use reclaimer::{BackEdge, Shareable, Shared, Strategy, Trace, Weak};

#[derive(Trace)]
#[trace(bound = "C: 'static")]
struct Subject<C> {
    /// Closures cannot be traced: skipped, so whatever they capture is invisible.
    #[trace(skip)]
    listeners: Mutex<Vec<C>>,
    #[trace(skip)]
    heard: AtomicU64,
}

/// What a listener captures.
enum Capture<S: Strategy, C: 'static> {
    Handle(Shared<S, Tracked<Subject<C>>>),
    BackEdge(Weak<S, Tracked<Subject<C>>>),
    Nothing,
}

/// A listener that counts what it heard on the subject, reached as `capture` says.
fn listener<S: Strategy, C: 'static>(capture: Capture<S, C>) -> impl Fn(&AtomicU64) {
    move |heard| match &capture {
        Capture::Handle(me) => drop(me.heard.fetch_add(1, Ordering::Relaxed)),
        Capture::BackEdge(me) => {
            if let Some(me) = me.upgrade() {
                me.heard.fetch_add(1, Ordering::Relaxed);
            }
        }
        Capture::Nothing => drop(heard.fetch_add(1, Ordering::Relaxed)),
    }
}

fn run<S: Strategy, C>(size: usize, boxed: fn(Capture<S, C>) -> C) -> bool
where
    C: Fn(&AtomicU64) + 'static,
    Tracked<Subject<C>>: Shareable<S>,
{
    let mut ok = true;
    for variant in 0..3 {
        let ledger = Ledger::new();
        for _ in 0..size {
            let subject = Shared::<S, _>::new(ledger.track().label("Subject").wrap(Subject {
                listeners: Mutex::new(Vec::new()),
                heard: AtomicU64::new(0),
            }));
            let capture = match variant {
                0 => Capture::Handle(subject.clone()),
                1 => Capture::BackEdge(Shared::downgrade(&subject)),
                _ => Capture::Nothing,
            };
            subject.listeners.lock().unwrap().push(boxed(capture));
            for listener in subject.listeners.lock().unwrap().iter() {
                listener(&subject.heard); // the subject fires
            }
            assert_eq!(subject.heard.load(Ordering::Relaxed), 1);
        }
        let report = ledger.finish::<S>();
        let all = size as u64;
        let hidden_cycle = variant == 0 || (variant == 1 && S::BACK_EDGE == BackEdge::Strong);
        let expected = if S::FREES_MEMORY && !hidden_cycle {
            0
        } else {
            all
        };
        let (title, why) = match variant {
            0 => (
                "listeners capture a handle",
                "the closure hides a strong edge back to the subject",
            ),
            1 => (
                "listeners capture a back-edge",
                "a weak back-edge keeps no count; a strong one is the hidden edge again",
            ),
            _ => (
                "listeners take the subject as an argument",
                "the closures capture nothing: no edge, no cycle",
            ),
        };
        let why = if !S::FREES_MEMORY {
            common::why_cycles::<S>()
        } else if hidden_cycle && S::RECLAIMS_CYCLES {
            "a collector cannot look into a closure: the handle there is a root (Gc) or an outside reference (SyncGc)"
        } else {
            why
        };
        ok &= common::verdict::<S>(title, &report, expected, why);
    }
    ok
}

type SendListener = Box<dyn Fn(&AtomicU64) + Send + Sync>;
type LocalListener = Box<dyn Fn(&AtomicU64)>;

common::runner!("observer", 100, 100_000, |size|
    thread_safe: run::<S, SendListener>(size, |c| Box::new(listener(c))),
    local: run::<S, LocalListener>(size, |c| Box::new(listener(c))),
);
