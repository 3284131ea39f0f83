//! Each thread's state: progress towards its next flush, the deferred drops it is running, and
//! its [`Origin`].

use std::cell::Cell as StdCell;

use super::counts::Origin;
use crate::loom::local_key;

/// A thread's progress towards its next flush.
pub(super) struct Local {
    /// Epoch operations left before the next check of the operation rule: counted down on the
    /// fast path, so a read touches no shared state and does not load the policy.
    pub(super) countdown: StdCell<u32>,
    /// Whether `countdown` was set from the policy since the last flush; `false` makes the next
    /// operation read the policy.
    pub(super) armed: StdCell<bool>,
    /// Deferrals since the last flush.
    pub(super) deferrals: StdCell<u32>,
    /// How many deferred drops this thread is running now; no policy flush starts inside one.
    pub(super) running: StdCell<u32>,
    /// The origin of the innermost deferred drop running now (null when none).
    pub(super) origin: StdCell<*const Origin>,
    /// This thread's own origin, once taken (null before, and once its locals are destroyed).
    pub(super) own: StdCell<*const Origin>,
}

local_key! {
    pub(super) static LOCAL: Local = const {
        Local {
            countdown: StdCell::new(0),
            armed: StdCell::new(false),
            deferrals: StdCell::new(0),
            running: StdCell::new(0),
            origin: StdCell::new(std::ptr::null()),
            own: StdCell::new(std::ptr::null()),
        }
    };
}

/// Forgets this thread's progress towards a flush (it has just flushed, or the policy changed):
/// its next epoch operation reads the policy anew.
pub(super) fn reset_local() {
    let _ = LOCAL.try_with(|local| {
        local.countdown.set(0);
        local.armed.set(false);
        local.deferrals.set(0);
    });
}

/// Makes this thread's next epoch operation read the policy anew (it was just changed), keeping
/// its count of deferrals.
pub(super) fn disarm() {
    let _ = LOCAL.try_with(|local| local.armed.set(false));
}

/// Marks this thread as running a deferred drop: no policy flush starts inside one, and what it
/// retires is an orphan counted for the same origin.
pub(super) struct Running {
    outer: *const Origin,
}

impl Running {
    pub(super) fn enter(origin: &'static Origin) -> Self {
        let outer = LOCAL
            .try_with(|local| {
                local.running.set(local.running.get() + 1);
                local.origin.replace(origin)
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
