//! The synchronisation primitives of this crate's own concurrent code, from std or, under
//! `--cfg reclaimer_loom`, from loom.
//!
//! Only the atomics that guard memory (the `Epoch` reference counts and their fences) go through
//! here, so loom checks every interleaving of them. Statistics and tuning knobs (garbage
//! counters, the flush policy) stay std atomics even under loom: no memory is reached through
//! them, and loom runs a model's threads on one OS thread, so they stay exact.

// `yield_now` and `local_key!` serve `Epoch` alone; the deferred strategies use the atomics.
#![cfg_attr(not(feature = "epoch"), allow(unused_imports, unused_macros))]

#[cfg(not(reclaimer_loom))]
pub(crate) use std::sync::atomic::{fence, AtomicUsize};
#[cfg(not(reclaimer_loom))]
pub(crate) use std::thread::yield_now;

#[cfg(reclaimer_loom)]
pub(crate) use ::loom::sync::atomic::{fence, AtomicUsize};
#[cfg(reclaimer_loom)]
pub(crate) use ::loom::thread::yield_now;

/// Declares a thread-local: std's, or under loom loom's, whose values are per model thread and
/// per execution (a std thread-local would be shared by all the threads of a model).
#[cfg(not(reclaimer_loom))]
macro_rules! local_key {
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const $init:block;) => {
        std::thread_local! { $(#[$attr])* $vis static $name: $t = const $init; }
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr;) => {
        std::thread_local! { $(#[$attr])* $vis static $name: $t = $init; }
    };
}

#[cfg(reclaimer_loom)]
macro_rules! local_key {
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const $init:block;) => {
        ::loom::thread_local! { $(#[$attr])* $vis static $name: $t = $init; }
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr;) => {
        ::loom::thread_local! { $(#[$attr])* $vis static $name: $t = $init; }
    };
}

pub(crate) use local_key;
