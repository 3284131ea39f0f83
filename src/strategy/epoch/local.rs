//! Each thread's state: progress towards its next flush, the deferred drops it is running, and
//! its [`Origin`].

use std::cell::Cell as StdCell;
use std::sync::Arc as StdArc;

use crate::loom::local_key;

/// A thread's progress towards its next flush.
pub(super) struct Local {
    /// Epoch operations since the last flush (or since the last check that found no garbage).
    pub(super) operations: StdCell<u32>,
    /// Deferrals since the last flush.
    pub(super) deferrals: StdCell<u32>,
    /// How many deferred drops this thread is running now; no policy flush starts inside one.
    pub(super) running: StdCell<u32>,
    /// The origin of the innermost deferred drop running now (null when none).
    pub(super) origin: StdCell<*const Origin>,
}

/// Marks the thread that retired an object: its strong count, minus the thread's own
/// reference, is the number of that thread's deferred drops that have not run yet.
#[derive(Debug)]
pub(super) struct Origin;

local_key! {
    pub(super) static LOCAL: Local = const {
        Local {
            operations: StdCell::new(0),
            deferrals: StdCell::new(0),
            running: StdCell::new(0),
            origin: StdCell::new(std::ptr::null()),
        }
    };
}

local_key! {
    pub(super) static ORIGIN: StdArc<Origin> = StdArc::new(Origin);
}

/// Forgets this thread's progress towards a flush: it has just flushed.
pub(super) fn reset_local() {
    let _ = LOCAL.try_with(|local| {
        local.operations.set(0);
        local.deferrals.set(0);
    });
}

/// This thread's deferred drops that have not run yet.
pub(super) fn own_pending() -> usize {
    ORIGIN
        .try_with(|origin| StdArc::strong_count(origin) - 1)
        .unwrap_or(0)
}

/// Marks this thread as running a deferred drop: no policy flush starts inside one, and what it
/// retires is an orphan counted for the same origin.
pub(super) struct Running {
    outer: *const Origin,
}

impl Running {
    pub(super) fn enter(origin: &StdArc<Origin>) -> Self {
        let outer = LOCAL
            .try_with(|local| {
                local.running.set(local.running.get() + 1);
                local.origin.replace(StdArc::as_ptr(origin))
            })
            .unwrap_or(std::ptr::null());
        Running { outer }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = LOCAL.try_with(|local| {
            local.running.set(local.running.get() - 1);
            local.origin.set(self.outer);
        });
    }
}
