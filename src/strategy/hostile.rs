//! What the collectors do with a `Drop` or a `Trace` impl that panics while they run.
//!
//! A panic must not unwind through rust-gc's sweep, dumpster's collection or crossbeam-epoch's
//! bag of deferred drops: each would stop half-way and leave its heap inconsistent (rust-gc and
//! dumpster leak the rest of the garbage, dumpster leaves its "cleaning" flag set, crossbeam
//! skips the rest of the bag). The strategies catch it where their own code runs inside the
//! backend (the value's drop, the trace adapter), let the backend finish, keep the first
//! payload in a thread-local, and raise it again from [`rethrow`] once the backend is done: from
//! `collect()`, or from the call that started the collection. `docs/limitations.md`
//! ("Hostile destructors and traces") has the outcome for each strategy.

use std::any::Any;
use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};

std::thread_local! {
    /// The first panic caught on this thread and not yet raised again, with where it came from.
    static PENDING: RefCell<Option<(&'static str, Box<dyn Any + Send>)>> =
        const { RefCell::new(None) };
}

/// Panics kept in some thread's `PENDING` and not yet raised: while it is 0, [`rethrow`] costs
/// one load of a line no thread writes.
static KEPT: AtomicUsize = AtomicUsize::new(0);

/// Runs `f`, catching a panic and keeping it for [`rethrow`]; `site` says what panicked.
#[inline]
pub(crate) fn catching(site: &'static str, f: impl FnOnce()) -> bool {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(()) => true,
        Err(payload) => {
            // During thread exit the thread-local may be gone: the panic hook has already
            // printed the message, so the payload is dropped.
            let _ = PENDING.try_with(|pending| {
                let mut pending = pending.borrow_mut();
                if pending.is_none() {
                    *pending = Some((site, payload));
                    // Relaxed: `rethrow` reads it on the same thread, in program order after
                    // this; another thread seeing it only looks at its own `PENDING`.
                    KEPT.fetch_add(1, Ordering::Relaxed);
                }
            });
            false
        }
    }
}

/// The message of a panic payload.
fn message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(a non-string payload)")
}

/// Panics with the first panic kept by [`catching`] on this thread, if any, naming where it
/// came from. Does nothing while the thread is already unwinding (a second panic would abort).
/// Called after every allocation of the thread-local collectors, so the check is one load,
/// inlined, and the rest is out of line.
#[inline(always)]
pub(crate) fn rethrow() {
    // Relaxed: see `catching`.
    if KEPT.load(Ordering::Relaxed) != 0 {
        rethrow_kept();
    }
}

#[cold]
#[inline(never)]
fn rethrow_kept() {
    if std::thread::panicking() {
        return;
    }
    let Some((site, payload)) = PENDING.try_with(|p| p.borrow_mut().take()).ok().flatten() else {
        return;
    };
    // Relaxed: as in `catching`.
    KEPT.fetch_sub(1, Ordering::Relaxed);
    panic!(
        "reclaimer: {site} panicked: {}. See docs/limitations.md, \"Hostile destructors and \
         traces\".",
        message(&*payload)
    );
}

/// What an [`AbortOnUnwind`] guard says before it aborts: `SITE` names the backend's operation
/// and `CONSEQUENCE` what unwinding through it would leave behind.
#[cfg(any(feature = "gc", feature = "unsync-gc"))]
pub(crate) trait AbortSite {
    const SITE: &'static str;
    const CONSEQUENCE: &'static str;
}

/// Aborts the process when dropped: a guard held around a backend's call into a `Trace` impl,
/// forgotten when the call returns, so only a panic drops it. Zero-sized, its messages in the
/// type, so that holding it costs nothing on the path that does not panic: this sits on every
/// edge a collection traces.
#[cfg(any(feature = "gc", feature = "unsync-gc"))]
pub(crate) struct AbortOnUnwind<S: AbortSite>(std::marker::PhantomData<S>);

#[cfg(any(feature = "gc", feature = "unsync-gc"))]
impl<S: AbortSite> AbortOnUnwind<S> {
    /// Runs `f`, aborting the process if it panics.
    #[inline(always)]
    pub(crate) fn run<R>(f: impl FnOnce() -> R) -> R {
        let guard = AbortOnUnwind::<S>(std::marker::PhantomData);
        let out = f();
        std::mem::forget(guard);
        out
    }
}

#[cfg(any(feature = "gc", feature = "unsync-gc"))]
impl<S: AbortSite> Drop for AbortOnUnwind<S> {
    #[cold]
    fn drop(&mut self) {
        eprintln!(
            "reclaimer: a `Trace` impl panicked inside {}; {}, so the process aborts. See \
             docs/limitations.md, \"Hostile destructors and traces\".",
            S::SITE,
            S::CONSEQUENCE
        );
        std::process::abort()
    }
}
