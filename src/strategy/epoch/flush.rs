//! The flush policy at work: each epoch operation counts towards the next flush, and flushes
//! when [`FlushPolicy`](super::FlushPolicy) says so.
//!
//! The count is a countdown in the thread's own state: an operation that neither defers nor
//! reaches the end of it costs a thread-local decrement. The policy is read, and the garbage
//! counts summed, only at the end of a countdown and on deferrals.

use crossbeam_epoch::Guard;

use super::local::{Local, LOCAL};
use super::retire::adopt_orphans;
use super::Epoch;

/// Counts one epoch operation on this thread (and a deferral if `deferred`); flushes under
/// `guard` when the policy says so.
#[inline]
pub(super) fn tick(guard: &Guard, deferred: bool) {
    let flush = LOCAL
        .try_with(|local| {
            let left = local.countdown.get();
            if !deferred && left > 1 {
                local.countdown.set(left - 1);
                false
            } else {
                check(local, deferred)
            }
        })
        .unwrap_or(false);
    if flush {
        adopt_orphans(guard);
        guard.flush();
    }
}

/// The slow half of [`tick`]: applies the policy to this operation; `true` when this thread
/// must flush now.
#[cold]
#[inline(never)]
fn check(local: &Local, deferred: bool) -> bool {
    let policy = Epoch::flush_policy();
    // With the operation rule off, count down from the largest value: a check every 2³² − 1
    // operations, which finds the rule off and starts again.
    let period = match policy.operations() {
        0 => u32::MAX,
        p => p,
    };
    // `min`: a countdown set under an older policy ends no later than the new one's would.
    let mut left = if local.armed.get() {
        local.countdown.get().min(period)
    } else {
        local.armed.set(true);
        period
    }
    .saturating_sub(1);
    let deferrals = local.deferrals.get().saturating_add(u32::from(deferred));
    let mut due = policy.deferrals() != 0 && deferrals >= policy.deferrals();
    if !due && left == 0 {
        if policy.operations() != 0 && Epoch::pending() > 0 {
            due = true;
        } else {
            // Nothing to free anywhere (or the rule is off): start counting again.
            left = period;
        }
    }
    if due && local.running.get() == 0 {
        local.countdown.set(period);
        local.deferrals.set(0);
        true
    } else {
        // Due inside a deferred drop: `left` stays 0, so the next operation checks again.
        local.countdown.set(left);
        local.deferrals.set(deferrals);
        false
    }
}
