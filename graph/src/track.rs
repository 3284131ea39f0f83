//! [`Ctx`], what a workload gets from the runner, and [`Obj`], a shared payload the ledger may
//! track.
//!
//! A workload runs twice (see `docs/metrics.md`, *Throughput of a task-graph run*): once with a
//! ledger, which counts every object, and once without, for throughput. The same code serves
//! both: without a ledger [`Ctx::obj`] attaches no record and every accounting call is a
//! branch on `None`.

use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::ThreadId;

use reclaimer::metrics::{Generation, InFlight, Ledger, Track, Tracked};
use reclaimer::Trace;

/// A payload behind a strategy's pointer, with its ledger record when the pass is tracked.
///
/// Its `Drop` is the reclaim the ledger records: whatever strategy frees the object, the record
/// learns it then.
#[derive(Debug, Trace)]
pub struct Obj<T> {
    value: T,
    #[trace(skip)]
    tag: Option<Tracked<()>>,
}

impl<T> Obj<T> {
    /// One consumer is done with the object; the last one releases it.
    #[inline]
    pub fn consumed(&self) {
        if let Some(tag) = &self.tag {
            Tracked::consumed(tag);
        }
    }

    /// `k` more consumers will each call [`consumed`](Obj::consumed).
    #[inline]
    pub fn add_consumers(&self, k: u32) {
        if let (Some(tag), true) = (&self.tag, k > 0) {
            Tracked::add_consumers(tag, k);
        }
    }

    /// The workload is done with the object.
    #[inline]
    pub fn release(&self) {
        if let Some(tag) = &self.tag {
            Tracked::release(tag);
        }
    }
}

impl<T> Deref for Obj<T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.value
    }
}

/// Which worker parked after a given moment: the idle-worker workload asks it whether the
/// worker that released its garbage has gone idle. Fed by the runner's `on_thread_park` hook.
#[derive(Debug, Default)]
pub struct ParkWatch {
    armed: AtomicBool,
    watched: Mutex<Option<ThreadId>>,
    parked: AtomicU64,
}

impl ParkWatch {
    /// Called by the park hook, after the strategy's own hook.
    pub(crate) fn on_park(&self) {
        // Relaxed: a cheap filter; the mutex below orders what matters.
        if !self.armed.load(Ordering::Relaxed) {
            return;
        }
        let watched = *self.watched.lock().unwrap_or_else(PoisonError::into_inner);
        if watched == Some(std::thread::current().id()) {
            // Release: pairs with the Acquire load in `parks`; the strategy's hook ran before.
            self.parked.fetch_add(1, Ordering::Release);
        }
    }

    /// Starts counting the parks of the calling thread; returns the count so far.
    pub fn watch_this_thread(&self) -> u64 {
        *self.watched.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(std::thread::current().id());
        // Relaxed: the mutex above publishes the thread id to the hook.
        self.armed.store(true, Ordering::Relaxed);
        self.parks()
    }

    /// Parks of the watched thread so far.
    pub fn parks(&self) -> u64 {
        // Acquire: pairs with the Release increment in `on_park`.
        self.parked.load(Ordering::Acquire)
    }
}

/// What a workload gets from the runner: the ledger (in the tracked pass), the seed, the
/// worker count and the park watch.
#[derive(Clone, Debug)]
pub struct Ctx {
    ledger: Option<Ledger>,
    seed: u64,
    workers: usize,
    park: Arc<ParkWatch>,
}

impl Ctx {
    /// A context; `ledger` is `None` in the untracked pass.
    pub fn new(ledger: Option<Ledger>, seed: u64, workers: usize, park: Arc<ParkWatch>) -> Self {
        Ctx {
            ledger,
            seed,
            workers,
            park,
        }
    }

    /// The run's seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// A random generator for one part of the workload (`stream` tells parts apart), derived
    /// from the seed.
    pub fn rng(&self, stream: u64) -> fastrand::Rng {
        fastrand::Rng::with_seed(
            self.seed
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .wrapping_add(stream.wrapping_mul(0xD1B5_4A32_D192_ED03))
                .rotate_left(17),
        )
    }

    /// Threads that run tasks.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Whether this pass keeps a ledger.
    pub fn tracked(&self) -> bool {
        self.ledger.is_some()
    }

    /// The park watch of this run's runtime.
    pub fn park_watch(&self) -> &ParkWatch {
        &self.park
    }

    /// Wraps `value` as an object labelled `label` whose payload owns `heap_bytes` on the heap;
    /// `configure` sets its consumers, generation or promised release (it runs only in the
    /// tracked pass).
    #[inline]
    pub fn obj<T>(
        &self,
        label: &'static str,
        value: T,
        heap_bytes: u64,
        configure: impl FnOnce(Track<'_>) -> Track<'_>,
    ) -> Obj<T> {
        let tag = self.ledger.as_ref().map(|ledger| {
            let bytes = std::mem::size_of::<Obj<T>>() as u64 + heap_bytes;
            configure(ledger.track().label(label).extra_bytes(bytes)).wrap(())
        });
        Obj { value, tag }
    }

    /// A new generation (a structure whose objects are released together), or
    /// [`Generation::NONE`] when untracked.
    pub fn generation(&self) -> Generation {
        self.ledger
            .as_ref()
            .map_or(Generation::NONE, Ledger::generation)
    }

    /// Releases every object of `generation`.
    pub fn release_generation(&self, generation: Generation) {
        if let Some(ledger) = &self.ledger {
            ledger.release_generation(generation);
        }
    }

    /// Runs one handle operation: on the ledger's operation clock (and sometimes timed) when
    /// tracked, a plain call otherwise.
    #[inline]
    pub fn op<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.ledger {
            Some(ledger) => ledger.op(f),
            None => f(),
        }
    }

    /// Counts `n` handle operations on the ledger's clock.
    #[inline]
    pub fn ops(&self, n: u64) {
        if let Some(ledger) = &self.ledger {
            ledger.advance(n);
        }
    }

    /// Garbage in flight now, when tracked.
    pub fn in_flight(&self) -> Option<InFlight> {
        self.ledger.as_ref().map(Ledger::in_flight)
    }

    /// Takes a garbage-in-flight sample now, when tracked.
    pub fn sample(&self) {
        if let Some(ledger) = &self.ledger {
            ledger.sample();
        }
    }
}
