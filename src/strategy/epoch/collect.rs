//! [`Strategy::collect`](crate::Strategy::collect) for `Epoch`: flush and re-pin until this
//! thread's garbage, and every bag handed on before the call, is freed.

#[cfg(not(reclaimer_loom))]
use std::time::Duration;

use crossbeam_epoch as cb;

use super::counts::{freed, own, own_pending, SHARED};
use super::local::reset_local;
use super::retire::adopt_orphans;
use super::Epoch;
use crate::loom::yield_now;

/// How long `collect` has gone without freeing anything: a thread pinned in an older epoch
/// (perhaps descheduled) must run and unpin first.
pub(super) struct Idle {
    rounds: u32,
}

impl Idle {
    fn new() -> Self {
        Idle { rounds: 0 }
    }

    /// Progress was made.
    fn reset(&mut self) {
        self.rounds = 0;
    }

    /// A round freed nothing: backs off (yields four times, then sleeps from 20 µs doubling to
    /// 1.28 ms) and says whether to keep trying. Natively it always keeps trying: the epoch
    /// advances once every thread pinned now has unpinned, whenever the scheduler runs them, so
    /// the wait ends by the epoch's progress, never by a clock. Under loom, whose models must
    /// terminate, it gives up after eight rounds.
    fn wait(&mut self) -> bool {
        self.rounds += 1;
        #[cfg(reclaimer_loom)]
        if self.rounds >= 8 {
            return false;
        }
        #[cfg(not(reclaimer_loom))]
        if self.rounds > 4 {
            std::thread::sleep(Duration::from_micros(20 << (self.rounds - 5).min(6)));
            return true;
        }
        yield_now();
        true
    }
}

/// Runs `Epoch`'s collect; see the module docs ("`collect()`" and "What `collect()` waits for").
pub(super) fn collect() {
    if Epoch::pending() == 0 {
        super::super::hostile::rethrow();
        return;
    }
    if cb::is_pinned() {
        // A pinned thread cannot re-pin, so the epoch cannot advance past it: hand this
        // thread's bag on and leave the rest to later operations.
        let guard = cb::pin();
        adopt_orphans(&guard);
        guard.flush();
        reset_local();
        return;
    }
    let mut markers = 0;
    let mut idle = Idle::new();
    loop {
        if own_pending() == 0 {
            // This thread's garbage is freed. Defer a marker counted as this thread's
            // garbage: the global queue is freed in order, so once it is freed so is every
            // bag handed on before it. Then a second one: bags are dropped by pinned
            // threads, so once it is freed, every bag popped before the first marker was
            // popped has been dropped completely.
            if markers == 2 {
                break;
            }
            let origin = own();
            if std::ptr::eq(origin, &SHARED) {
                // This thread's locals are being destroyed: no origin of its own to wait on.
                break;
            }
            origin.marker_deferred();
            cb::pin().defer(move || origin.marker_freed());
            markers += 1;
        }
        let before = freed();
        // Each round pins anew, so this thread never holds the epoch back.
        let guard = cb::pin();
        adopt_orphans(&guard);
        guard.flush();
        drop(guard);
        // A marker freed counts as progress too.
        if freed() != before || own_pending() == 0 {
            idle.reset();
        } else if !idle.wait() {
            break;
        }
    }
    reset_local();
    // A deferred drop run on this thread panicked: raise it here, now that every other one ran.
    super::super::hostile::rethrow();
}
