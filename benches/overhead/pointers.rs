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
