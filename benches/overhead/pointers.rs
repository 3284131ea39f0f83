//! Pointer pairs: `clone-drop` and `deref`.

use std::hint::black_box;

use reclaimer::Shared;

use crate::harness::{batch, pair, Pair, WRAPPER};

/// One pair per strategy with a raw pointer to compare: `$body`, with `$p` bound to a
/// reference to the pointer, on the raw crate's pointer and on ours.
macro_rules! pointer_pairs {
    ($op:literal, |$p:ident| $body:expr) => {
        pointer_pairs!(@each $op, |$p| $body,
            ("Arc", std::sync::Arc::new(1u64), Shared::<reclaimer::Arc, u64>::new(1)),
            ("RwLockArc", std::sync::Arc::new(1u64), Shared::<reclaimer::RwLockArc, u64>::new(1)),
            ("Gc", gc::Gc::new(1u64), Shared::<reclaimer::Gc, u64>::new(1)),
            ("SyncGc", dumpster::sync::Gc::new(1u64), Shared::<reclaimer::SyncGc, u64>::new(1)),
            ("Rc", std::rc::Rc::new(1u64), Shared::<reclaimer::Rc, u64>::new(1)),
            ("UnsyncGc", dumpster::unsync::Gc::new(1u64), Shared::<reclaimer::UnsyncGc, u64>::new(1)),
            ("Leak", &*Box::leak(Box::new(1u64)), Shared::<reclaimer::Leak, u64>::new(1)),
        )
    };
    (@each $op:literal, |$p:ident| $body:expr, $(($strategy:literal, $raw:expr, $wrapped:expr)),+ $(,)?) => {
        vec![$({
            let (raw, wrapped) = ($raw, $wrapped);
            let raw = batch!(|_| {
                let $p = black_box(&raw);
                $body
            });
            let wrapped = batch!(|_| {
                let $p = black_box(&wrapped);
                $body
            });
            pair($op, $strategy, Some(WRAPPER), raw, wrapped)
        }),+]
    };
}

pub fn clone_drop() -> Vec<Pair> {
    pointer_pairs!("clone-drop", |p| Clone::clone(p))
}

pub fn deref() -> Vec<Pair> {
    pointer_pairs!("deref", |p| **p)
}

/// `new-drop`: make a handle of a fresh value and drop it, against the raw crate's constructor.
/// `Epoch`'s raw side is a std `Arc` whose release is deferred through crossbeam-epoch, the
/// hand-written refcounted pointer of `benches/churn/` (crossbeam-epoch has none);
/// `Hyaline`'s and `Hazard`'s, the same retired through seize and haphazard. `Leak` is left out: a loop of its
/// constructor only grows the heap.
pub fn new_drop() -> Vec<Pair> {
    let new = |strategy, raw, wrapped| pair("new-drop", strategy, Some(WRAPPER), raw, wrapped);
    vec![
        new(
            "Arc",
            batch!(|i| drop(std::sync::Arc::new(black_box(i)))),
            batch!(|i| drop(Shared::<reclaimer::Arc, u64>::new(black_box(i)))),
        ),
        new(
            "RwLockArc",
            batch!(|i| drop(std::sync::Arc::new(black_box(i)))),
            batch!(|i| drop(Shared::<reclaimer::RwLockArc, u64>::new(black_box(i)))),
        ),
        new(
            "Epoch",
            batch!(|i| {
                let arc = std::sync::Arc::new(black_box(i));
                crossbeam_epoch::pin().defer(move || drop(arc));
            }),
            batch!(|i| drop(Shared::<reclaimer::Epoch, u64>::new(black_box(i)))),
        ),
        new(
            "Hyaline",
            batch!(|i| crate::raw_seize::defer_drop(std::sync::Arc::new(black_box(i)))),
            batch!(|i| drop(Shared::<reclaimer::Hyaline, u64>::new(black_box(i)))),
        ),
        new(
            "Hazard",
            batch!(|i| crate::raw_haphazard::defer_drop(std::sync::Arc::new(black_box(i)))),
            batch!(|i| drop(Shared::<reclaimer::Hazard, u64>::new(black_box(i)))),
        ),
        new(
            "Gc",
            batch!(|i| drop(gc::Gc::new(black_box(i)))),
            batch!(|i| drop(Shared::<reclaimer::Gc, u64>::new(black_box(i)))),
        ),
        new(
            "SyncGc",
            batch!(|i| drop(dumpster::sync::Gc::new(black_box(i)))),
            batch!(|i| drop(Shared::<reclaimer::SyncGc, u64>::new(black_box(i)))),
        ),
        new(
            "Rc",
            batch!(|i| drop(std::rc::Rc::new(black_box(i)))),
            batch!(|i| drop(Shared::<reclaimer::Rc, u64>::new(black_box(i)))),
        ),
        new(
            "UnsyncGc",
            batch!(|i| drop(dumpster::unsync::Gc::new(black_box(i)))),
            batch!(|i| drop(Shared::<reclaimer::UnsyncGc, u64>::new(black_box(i)))),
        ),
    ]
}
