//! The one list of strategies. Everything that runs "each strategy" (the lab, the examples, the
//! conformance suite, the benches) goes through [`for_each`], [`by_name`] or
//! [`for_each_strategy!`](crate::for_each_strategy), which read the list below; adding a
//! strategy means adding it here once.

use std::fmt;

use super::{Local, ThreadSafe};

/// A generic function to run for each strategy: what [`for_each`] and [`by_name`] call.
///
/// [`thread_safe`](Visit::thread_safe) runs for every strategy whose handles may cross threads:
/// over `S: ThreadSafe` every `Trace + Send + Sync` type is [`Shareable`](crate::Shareable), so
/// it can build anything. [`local`](Visit::local) runs for every thread-local strategy (`Gc`,
/// `Rc`, `UnsyncGc`), whose handles are `!Send` (a `tokio::task::LocalSet` runs their tasks):
/// over `S: Local` every `Trace` type is `Shareable`.
///
/// ```
/// use reclaimer::strategy::{for_each, Visit};
/// use reclaimer::{Local, Shared, ThreadSafe};
///
/// struct Names;
///
/// impl Visit for Names {
///     type Output = (&'static str, bool);
///     fn thread_safe<S: ThreadSafe>(&mut self) -> Self::Output {
///         let one = Shared::<S, u64>::new(1);
///         std::thread::spawn(move || assert_eq!(*one, 1)).join().unwrap();
///         (S::NAME, true)
///     }
///     fn local<S: Local>(&mut self) -> Self::Output {
///         let one = Shared::<S, u64>::new(1);
///         assert_eq!(*one, 1);
///         (S::NAME, false)
///     }
/// }
///
/// let names = for_each(&mut Names);
/// assert!(names.contains(&("Gc", false)));
/// assert!(names.contains(&("SyncGc", true)));
/// ```
pub trait Visit {
    /// What one visit returns.
    type Output;

    /// Runs for a strategy whose handles may cross threads.
    fn thread_safe<S: ThreadSafe>(&mut self) -> Self::Output;

    /// Runs for a strategy whose handles stay on one thread.
    fn local<S: Local>(&mut self) -> Self::Output;
}

/// Runs `visit` once for each enabled strategy, in the order of [`names`].
// With every strategy feature off, the list is empty and `visit` unused.
#[allow(unused_variables, unused_mut)]
pub fn for_each<V: Visit>(visit: &mut V) -> Vec<V::Output> {
    let mut outputs = Vec::new();
    macro_rules! each {
        ($($module:ident: $feature:literal => $ty:ident, $safe:ident;)*) => {
            $(
                #[cfg(feature = $feature)]
                outputs.push(visit_one!($safe, $ty));
            )*
        };
    }
    // Unused only when every strategy feature is off.
    #[allow(unused_macros)]
    macro_rules! visit_one {
        (thread_safe, $ty:ident) => {
            visit.thread_safe::<super::$ty>()
        };
        (local, $ty:ident) => {
            visit.local::<super::$ty>()
        };
    }
    strategies!(each);
    outputs
}

/// Runs `visit` for the strategy called `name`: its [`Strategy::NAME`](crate::Strategy::NAME) or the cargo feature
/// that enables it, case and `-`/`_` ignored (`"SyncGc"`, `"sync-gc"`, `"syncgc"`).
///
/// ```
/// use reclaimer::strategy::{by_name, Visit};
/// use reclaimer::{Local, ThreadSafe};
///
/// struct Name;
/// impl Visit for Name {
///     type Output = &'static str;
///     fn thread_safe<S: ThreadSafe>(&mut self) -> &'static str {
///         S::NAME
///     }
///     fn local<S: Local>(&mut self) -> &'static str {
///         S::NAME
///     }
/// }
///
/// assert_eq!(by_name("sync-gc", &mut Name), Ok("SyncGc"));
/// let error = by_name("stamp-it", &mut Name).unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "unknown strategy `stamp-it`; the strategies are: arc, rw-lock-arc, epoch, hyaline, \
///      hazard, gc, sync-gc, rc, unsync-gc, leak"
/// );
/// ```
#[allow(unused_variables)] // With every strategy feature off, `visit` is unused.
pub fn by_name<V: Visit>(name: &str, visit: &mut V) -> Result<V::Output, UnknownStrategy> {
    let wanted = normalise(name);
    macro_rules! each {
        ($($module:ident: $feature:literal => $ty:ident, $safe:ident;)*) => {
            $(
                #[cfg(feature = $feature)]
                if wanted == normalise($feature) {
                    return Ok(visit_one!($safe, $ty));
                }
            )*
        };
    }
    // Unused only when every strategy feature is off.
    #[allow(unused_macros)]
    macro_rules! visit_one {
        (thread_safe, $ty:ident) => {
            visit.thread_safe::<super::$ty>()
        };
        (local, $ty:ident) => {
            visit.local::<super::$ty>()
        };
    }
    strategies!(each);
    Err(UnknownStrategy {
        name: name.to_string(),
    })
}

/// The enabled strategies' names as [`by_name`] accepts them (their cargo features), in order.
#[allow(unused_mut)] // With every strategy feature off, the list is empty.
pub fn names() -> Vec<&'static str> {
    let mut names = Vec::new();
    macro_rules! each {
        ($($module:ident: $feature:literal => $ty:ident, $safe:ident;)*) => {
            $(
                #[cfg(feature = $feature)]
                names.push($feature);
            )*
        };
    }
    strategies!(each);
    names
}

/// A strategy name that [`by_name`] does not know; its message lists the valid ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownStrategy {
    name: String,
}

impl fmt::Display for UnknownStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown strategy `{}`; the strategies are: {}",
            self.name,
            names().join(", ")
        )
    }
}

impl std::error::Error for UnknownStrategy {}

/// `SyncGc`, `sync-gc` and `sync_gc` all become `syncgc`.
fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The list: cargo feature, type, and whether its handles may cross threads (`thread_safe`) or
/// stay on one (`local`). Every other list of strategies is generated from this one.
///
/// `for_each_strategy!(callback)` expands to
/// `callback! { arc: "arc" => Arc, thread_safe; ... }` (module name, cargo feature, type, kind),
/// one entry per strategy, enabled or not: the callback puts `#[cfg(feature = $feature)]` on
/// what it generates. That cfg is evaluated in the crate that invokes the macro, so the macro is
/// for this package's own tests, benches and examples, whose features are the library's; other
/// crates use [`for_each`] and [`by_name`].
///
/// ```
/// macro_rules! count {
///     ($($module:ident: $feature:literal => $ty:ident, $kind:ident;)*) => {
///         [$(stringify!($ty)),*].len()
///     };
/// }
/// assert_eq!(reclaimer::for_each_strategy!(count), 10);
/// ```
#[macro_export]
macro_rules! for_each_strategy {
    ($callback:ident) => {
        $callback! {
            arc: "arc" => Arc, thread_safe;
            rw_lock_arc: "rw-lock-arc" => RwLockArc, thread_safe;
            epoch: "epoch" => Epoch, thread_safe;
            hyaline: "hyaline" => Hyaline, thread_safe;
            hazard: "hazard" => Hazard, thread_safe;
            gc: "gc" => Gc, local;
            sync_gc: "sync-gc" => SyncGc, thread_safe;
            rc: "rc" => Rc, local;
            unsync_gc: "unsync-gc" => UnsyncGc, local;
            leak: "leak" => Leak, thread_safe;
        }
    };
}

use crate::for_each_strategy as strategies;
