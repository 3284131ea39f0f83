//! The flush policy at work: each epoch operation counts towards the next flush, and flushes
//! when [`FlushPolicy`](super::FlushPolicy) says so.

use crossbeam_epoch::Guard;

use super::local::LOCAL;
use super::retire::adopt_orphans;
use super::Epoch;

/// Counts one epoch operation on this thread (and a deferral if `deferred`); flushes under
/// `guard` when the policy says so.
#[inline]
pub(super) fn tick(guard: &Guard, deferred: bool) {
    let flush = LOCAL
        .try_with(|local| {
            let operations = local.operations.get().saturating_add(1);
            let deferrals = local.deferrals.get().saturating_add(u32::from(deferred));
            let policy = Epoch::flush_policy();
            let mut due = policy.deferrals() != 0 && deferrals >= policy.deferrals();
            let mut operations = operations;
            if !due && policy.operations() != 0 && operations >= policy.operations() {
                if Epoch::pending() > 0 {
                    due = true;
                } else {
                    // Nothing to free anywhere: start counting again.
                    operations = 0;
                }
            }
            if due && local.running.get() == 0 {
                local.operations.set(0);
                local.deferrals.set(0);
                true
            } else {
                local.operations.set(operations);
                local.deferrals.set(deferrals);
                false
            }
        })
        .unwrap_or(false);
    if flush {
        adopt_orphans(guard);
        guard.flush();
    }
}
