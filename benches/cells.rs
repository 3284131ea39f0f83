//! Cell operations under criterion: every strategy's `Cell<S, u64>` and the raw cells of the
//! crates beside it, alone and with one background thread working on the same cell.
//!
//! ```text
//! cargo bench --bench cells                              # every group
//! cargo bench --bench cells -- --quick                   # each bench only until it is stable
//! cargo bench --bench cells -- cells/read/               # reads, in all three conditions
//! cargo bench --bench cells -- cells/store/one-writer    # one group
//! ```
//!
//! Bench ids are `cells/<operation>/<condition>/<strategy or raw cell>`. The operations:
//!
//! - `read`: read the value without keeping a pointer (`Cell::read`).
//! - `load`: take an owning pointer to the value and drop it (`Cell::load`).
//! - `store`: allocate a value and store it, releasing the old one (`Cell::store`).
//! - `rcu`: replace the value with a new one computed from it (`Cell::rcu`, value + 1),
//!   releasing the old one.
//!
//! The conditions, after arc-swap's own benches (a background thread loops on the same cell
//! until a stop flag is set; one such thread, as the machine this was written for has two
//! cores):
//!
//! - `uncontended`: the measuring thread alone.
//! - `one-reader`: a background thread reads the cell in a loop.
//! - `one-writer`: a background thread stores fresh values into the cell in a loop.
//!
//! The background thread starts before the timed loop (it has done one operation) and stops
//! after it, on each of criterion's calls of the bench.
//!
//! The raw cells: `raw-arc-swap` (`arc_swap::ArcSwap`, what `Arc` wraps), `raw-rwlock-arc`
//! (`RwLock<std::sync::Arc<_>>`, what `RwLockArc` wraps), `raw-crossbeam-epoch` (a
//! `crossbeam_epoch::Atomic` read under a pin, stored by `swap` and `defer_destroy`, updated by
//! `compare_exchange`; it has no owning pointer, so no `load`), `raw-seize` (an `AtomicPtr`
//! read through a seize guard, stored by `swap` and `Collector::retire`, what `Hyaline` wraps;
//! no `load` either), `raw-haphazard` (a `haphazard::AtomicPtr` loaded through a hazard pointer
//! kept per thread, stored by `swap` and `retire`, what `Hazard` wraps; no `load`),
//! `raw-gc-cell`
//! (`gc::GcCell<gc::Gc<_>>`, what `Gc` wraps), `raw-rc-ref-cell` (`RefCell<std::rc::Rc<_>>`,
//! what `Rc` wraps) and `raw-dumpster-unsync-ref-cell` (`RefCell<dumpster::unsync::Gc<_>>`,
//! what `UnsyncGc` wraps).
//!
//! Left out: the thread-local strategies (`Gc`, `Rc`, `UnsyncGc`) and their raw cells under
//! contention (their handles are `!Send`: one thread only); `Leak`'s `store` and `rcu`, and `Leak` in `one-writer` (it never frees, so a
//! loop of stores only grows the heap).

mod common;

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;

use criterion::{measurement::WallTime, Bencher, BenchmarkGroup, Criterion};
use reclaimer::strategy::{for_each, Visit};
use reclaimer::{Cell, Shareable, Shared, Strategy, ThreadSafe};

type Group<'a> = BenchmarkGroup<'a, WallTime>;

#[derive(Clone, Copy)]
enum Op {
    Read,
    Load,
    Store,
    Rcu,
}

impl Op {
    const ALL: [Op; 4] = [Op::Read, Op::Load, Op::Store, Op::Rcu];

    fn name(self) -> &'static str {
        match self {
            Op::Read => "read",
            Op::Load => "load",
            Op::Store => "store",
            Op::Rcu => "rcu",
        }
    }
}

/// What a background thread does to the cell while the bench runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Noise {
    Nothing,
    Reader,
    Writer,
}

impl Noise {
    const ALL: [Noise; 3] = [Noise::Nothing, Noise::Reader, Noise::Writer];

    fn name(self) -> &'static str {
        match self {
            Noise::Nothing => "uncontended",
            Noise::Reader => "one-reader",
            Noise::Writer => "one-writer",
        }
    }
}

/// A cell holding a `u64`: ours for each strategy, and each raw crate's.
trait Subject {
    /// Whether a store frees the value it replaces (`Leak`'s never do).
    const FREES: bool = true;
    /// Whether the cell has an owning pointer to load.
    const LOADS: bool = true;
    /// A cell holding 0.
    fn make() -> Self;
    fn read(&self) -> u64;
    fn load(&self) -> impl Sized;
    fn store(&self, value: u64);
    /// Replaces the value `v` with `v + 1`.
    fn rcu(&self);
}

impl<S: Strategy> Subject for Cell<S, u64>
where
    u64: Shareable<S>,
{
    const FREES: bool = S::FREES_MEMORY;
    fn make() -> Self {
        Cell::from_value(0)
    }
    fn read(&self) -> u64 {
        Cell::read(self, |v| *v)
    }
    fn load(&self) -> impl Sized {
        Cell::load(self)
    }
    fn store(&self, value: u64) {
        Cell::store(self, Shared::new(value));
    }
    fn rcu(&self) {
        drop(Cell::rcu(self, |v| Shared::new(v.wrapping_add(1))));
    }
}

impl Subject for arc_swap::ArcSwap<u64> {
    fn make() -> Self {
        arc_swap::ArcSwap::from_pointee(0)
    }
    fn read(&self) -> u64 {
        **self.load()
    }
    fn load(&self) -> impl Sized {
        self.load_full()
    }
    fn store(&self, value: u64) {
        arc_swap::ArcSwap::store(self, std::sync::Arc::new(value));
    }
    fn rcu(&self) {
        drop(arc_swap::ArcSwap::rcu(self, |v| {
            std::sync::Arc::new(v.wrapping_add(1))
        }));
    }
}

impl Subject for RwLock<std::sync::Arc<u64>> {
    fn make() -> Self {
        RwLock::new(std::sync::Arc::new(0))
    }
    fn read(&self) -> u64 {
        **RwLock::read(self).unwrap()
    }
    fn load(&self) -> impl Sized {
        RwLock::read(self).unwrap().clone()
    }
    fn store(&self, value: u64) {
        let new = std::sync::Arc::new(value);
        // The old value is dropped after the lock is released.
        let old = std::mem::replace(&mut *self.write().unwrap(), new);
        drop(old);
    }
    fn rcu(&self) {
        let mut guard = self.write().unwrap();
        let new = std::sync::Arc::new(guard.wrapping_add(1));
        let old = std::mem::replace(&mut *guard, new);
        drop(guard);
        drop(old);
    }
}

/// A `crossbeam_epoch::Atomic` that frees its last value when dropped.
struct EpochAtomic(crossbeam_epoch::Atomic<u64>);

impl Drop for EpochAtomic {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no thread can reach the atomic any more, and every value it
        // held before was retired by the swap that replaced it.
        drop(unsafe { std::mem::take(&mut self.0).into_owned() });
    }
}

impl Subject for EpochAtomic {
    const LOADS: bool = false;
    fn make() -> Self {
        EpochAtomic(crossbeam_epoch::Atomic::new(0))
    }
    fn read(&self) -> u64 {
        let guard = crossbeam_epoch::pin();
        // Acquire pairs with the AcqRel swap or exchange that published the value.
        let current = self.0.load(Ordering::Acquire, &guard);
        // SAFETY: the atomic is never null, and a value swapped out is destroyed only after
        // every guard pinned before the swap, this one included, is dropped.
        *unsafe { current.deref() }
    }
    fn load(&self) -> impl Sized {
        unreachable!("crossbeam-epoch has no owning pointer (`LOADS` is false)")
    }
    fn store(&self, value: u64) {
        let guard = crossbeam_epoch::pin();
        // AcqRel: Release publishes the new value to readers' Acquire loads; Acquire pairs with
        // the swap that published the old one, which is destroyed below.
        let old = self
            .0
            .swap(crossbeam_epoch::Owned::new(value), Ordering::AcqRel, &guard);
        // SAFETY: `old` left the atomic; threads that may still read it are pinned.
        unsafe { guard.defer_destroy(old) };
    }
    fn rcu(&self) {
        let guard = crossbeam_epoch::pin();
        // Acquire pairs with the AcqRel swap or exchange that published the value.
        let mut current = self.0.load(Ordering::Acquire, &guard);
        loop {
            // SAFETY: as in `read`: never null, and kept alive by the guard.
            let new = crossbeam_epoch::Owned::new(unsafe { current.deref() }.wrapping_add(1));
            // AcqRel on success, as in `store`; Acquire on failure to read the value that won.
            match self
                .0
                .compare_exchange(current, new, Ordering::AcqRel, Ordering::Acquire, &guard)
            {
                Ok(_) => {
                    // SAFETY: `current` left the atomic; threads that may still read it are
                    // pinned.
                    unsafe { guard.defer_destroy(current) };
                    return;
                }
                Err(e) => current = e.current,
            }
        }
    }
}

/// An `AtomicPtr` read through a seize guard, stored by `swap` and `Collector::retire`, updated
/// by `compare_exchange` (what `Hyaline` wraps); seize has no owning pointer, so no `load`.
struct SeizeAtomic {
    collector: seize::Collector,
    atomic: std::sync::atomic::AtomicPtr<u64>,
}

impl Drop for SeizeAtomic {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no thread can reach the pointer any more; every value it held
        // before was retired, and the collector, dropped next, reclaims them.
        drop(unsafe { Box::from_raw(*self.atomic.get_mut()) });
    }
}

impl Subject for SeizeAtomic {
    const LOADS: bool = false;
    fn make() -> Self {
        SeizeAtomic {
            collector: seize::Collector::new(),
            atomic: std::sync::atomic::AtomicPtr::new(Box::into_raw(Box::new(0))),
        }
    }
    fn read(&self) -> u64 {
        use seize::Guard as _;
        let guard = self.collector.enter();
        let current = guard.protect(&self.atomic, Ordering::Acquire);
        // SAFETY: never null; a value swapped out is reclaimed only after this guard drops.
        unsafe { *current }
    }
    fn load(&self) -> impl Sized {
        unreachable!("seize has no owning pointer (`LOADS` is false)")
    }
    fn store(&self, value: u64) {
        // AcqRel: Release publishes the new value; Acquire pairs with the swap that published
        // the old one, which is retired below.
        let old = self
            .atomic
            .swap(Box::into_raw(Box::new(value)), Ordering::AcqRel);
        // SAFETY: `old` left the pointer and came from `Box::into_raw`.
        unsafe { self.collector.retire(old, seize::reclaim::boxed) };
    }
    fn rcu(&self) {
        use seize::Guard as _;
        let guard = self.collector.enter();
        let mut current = guard.protect(&self.atomic, Ordering::Acquire);
        loop {
            // SAFETY: as in `read`.
            let new = Box::into_raw(Box::new(unsafe { *current }.wrapping_add(1)));
            // AcqRel on success, as in `store`; SeqCst on failure, the ordering of `protect`,
            // as the value that won is read next.
            match self
                .atomic
                .compare_exchange(current, new, Ordering::AcqRel, Ordering::SeqCst)
            {
                Ok(_) => {
                    // SAFETY: `current` left the pointer; a reader that may still see it holds
                    // a guard that the reclamation waits for.
                    unsafe { guard.defer_retire(current, seize::reclaim::boxed) };
                    return;
                }
                Err(seen) => {
                    // SAFETY: `new` was never shared.
                    drop(unsafe { Box::from_raw(new) });
                    current = seen;
                }
            }
        }
    }
}

/// A `haphazard::AtomicPtr` loaded through a hazard pointer of this thread's, stored by `swap` and
/// `retire`, updated by `compare_exchange` (what `Hazard` wraps); no owning pointer, so no
/// `load`.
struct HazardAtomic(haphazard::AtomicPtr<u64>);

std::thread_local! {
    /// The bench thread's hazard pointer, reused by every read as `Hazard` reuses its spares.
    static HAZARD: std::cell::RefCell<haphazard::HazardPointer<'static>> =
        std::cell::RefCell::new(haphazard::HazardPointer::new());
}

impl Drop for HazardAtomic {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no thread can load the pointer any more, so its last value is
        // freed at once; every earlier one was retired by the swap that replaced it.
        drop(unsafe { Box::from_raw(*self.0.as_std_mut().get_mut()) });
    }
}

impl Subject for HazardAtomic {
    const LOADS: bool = false;
    fn make() -> Self {
        HazardAtomic(haphazard::AtomicPtr::from(Box::new(0)))
    }
    fn read(&self) -> u64 {
        HAZARD.with(|hazard| {
            let mut hazard = hazard.borrow_mut();
            let value = self.0.safe_load(&mut hazard).copied().unwrap_or(0);
            hazard.reset_protection();
            value
        })
    }
    fn load(&self) -> impl Sized {
        unreachable!("haphazard has no owning pointer (`LOADS` is false)")
    }
    fn store(&self, value: u64) {
        if let Some(old) = self.0.swap(Box::new(value)) {
            // SAFETY: `old` left the pointer and is retired once, here.
            unsafe { old.retire() };
        }
    }
    fn rcu(&self) {
        HAZARD.with(|hazard| {
            let mut hazard = hazard.borrow_mut();
            loop {
                // SAFETY: every pointer stored is a box retired only through the global domain.
                let Some((current, _)) = hazard.protect_ptr(unsafe { self.0.as_std() }) else {
                    return;
                };
                let current = current.as_ptr();
                // SAFETY: protected by the hazard pointer.
                let new = Box::into_raw(Box::new(unsafe { *current } + 1));
                // SAFETY: `new` is a box, retired only through the global domain.
                match unsafe { self.0.compare_exchange_ptr(current, new) } {
                    Ok(old) => {
                        hazard.reset_protection();
                        if let Some(old) = old {
                            // SAFETY: `old` left the pointer and is retired once, here.
                            unsafe { old.retire() };
                        }
                        return;
                    }
                    Err(_) => {
                        // SAFETY: `new` was never shared.
                        drop(unsafe { Box::from_raw(new) });
                    }
                }
            }
        })
    }
}

/// `Subject` for a `RefCell` holding a single-thread pointer: what `Rc` and `UnsyncGc` wrap.
macro_rules! ref_cell_subject {
    ($($ptr:ty),*) => {$(
        impl Subject for std::cell::RefCell<$ptr> {
            fn make() -> Self {
                std::cell::RefCell::new(<$ptr>::new(0))
            }
            fn read(&self) -> u64 {
                **self.borrow()
            }
            fn load(&self) -> impl Sized {
                self.borrow().clone()
            }
            fn store(&self, value: u64) {
                let old = self.replace(<$ptr>::new(value));
                drop(old);
            }
            fn rcu(&self) {
                let new = <$ptr>::new(self.borrow().wrapping_add(1));
                let old = self.replace(new);
                drop(old);
            }
        }
    )*};
}

ref_cell_subject!(std::rc::Rc<u64>, dumpster::unsync::Gc<u64>);

impl Subject for gc::GcCell<gc::Gc<u64>> {
    fn make() -> Self {
        gc::GcCell::new(gc::Gc::new(0))
    }
    fn read(&self) -> u64 {
        **self.borrow()
    }
    fn load(&self) -> impl Sized {
        self.borrow().clone()
    }
    fn store(&self, value: u64) {
        let new = gc::Gc::new(value);
        // The old value is dropped after the borrow ends, as the wrapper's `store` does.
        let old = std::mem::replace(&mut *self.borrow_mut(), new);
        drop(old);
    }
    fn rcu(&self) {
        let new = gc::Gc::new(self.borrow().wrapping_add(1));
        let old = std::mem::replace(&mut *self.borrow_mut(), new);
        drop(old);
    }
}

/// A cell alone on its cache lines (two, as x86-64 prefetches lines in pairs), so that neither
/// thread's other data shares them.
#[repr(align(128))]
struct Padded<C>(C);

/// Whether cell `C` has a bench of `op` under `noise`.
fn runs<C: Subject>(op: Op, noise: Noise) -> bool {
    let stores = matches!(op, Op::Store | Op::Rcu) || noise == Noise::Writer;
    (C::LOADS || !matches!(op, Op::Load)) && (C::FREES || !stores)
}

/// Times `op` on `cell`.
fn measure<C: Subject>(t: &mut Bencher<'_>, cell: &C, op: Op) {
    match op {
        Op::Read => t.iter(|| black_box(cell).read()),
        Op::Load => t.iter(|| black_box(cell).load()),
        Op::Store => {
            let mut i = 0;
            t.iter(|| {
                i += 1;
                black_box(cell).store(i)
            })
        }
        Op::Rcu => t.iter(|| black_box(cell).rcu()),
    }
}

/// Adds the bench of `op` on a cell of type `C`, alone, to `group` as `id`.
fn uncontended<C: Subject>(group: &mut Group<'_>, id: &str, op: Op) {
    if runs::<C>(op, Noise::Nothing) {
        let cell = Padded(C::make());
        group.bench_function(id, |t| measure(t, &cell.0, op));
    }
}

/// Adds the bench of `op` on a cell of type `C` under `noise` to `group` as `id`.
fn contended<C: Subject + Sync>(group: &mut Group<'_>, id: &str, op: Op, noise: Noise) {
    if noise == Noise::Nothing {
        return uncontended::<C>(group, id, op);
    }
    if !runs::<C>(op, noise) {
        return;
    }
    let padded = Padded(C::make());
    let cell = &padded.0;
    group.bench_function(id, |t| {
        // Relaxed throughout: flags that publish no data.
        let (started, stop) = (AtomicBool::new(false), AtomicBool::new(false));
        std::thread::scope(|s| {
            s.spawn(|| {
                let mut i = 0u64;
                let mut step = || match noise {
                    Noise::Reader => {
                        black_box(cell.read());
                    }
                    _ => {
                        i += 1;
                        cell.store(i);
                    }
                };
                step();
                // Set once: the loop below only reads the flags.
                started.store(true, Ordering::Relaxed);
                while !stop.load(Ordering::Relaxed) {
                    step();
                }
            });
            while !started.load(Ordering::Relaxed) {
                std::thread::yield_now();
            }
            measure(t, cell, op);
            stop.store(true, Ordering::Relaxed);
        });
    });
}

/// Each strategy's bench of one operation under one condition.
struct Strategies<'g, 'a> {
    group: &'g mut Group<'a>,
    op: Op,
    noise: Noise,
}

impl Visit for Strategies<'_, '_> {
    type Output = ();
    fn thread_safe<S: ThreadSafe>(&mut self) {
        contended::<Cell<S, u64>>(self.group, S::NAME, self.op, self.noise);
    }
    fn local<S: reclaimer::Local>(&mut self) {
        if self.noise == Noise::Nothing {
            uncontended::<Cell<S, u64>>(self.group, S::NAME, self.op);
        }
    }
}

fn cells(c: &mut Criterion) {
    for op in Op::ALL {
        for noise in Noise::ALL {
            let mut group = c.benchmark_group(format!("cells/{}/{}", op.name(), noise.name()));
            for_each(&mut Strategies {
                group: &mut group,
                op,
                noise,
            });
            contended::<arc_swap::ArcSwap<u64>>(&mut group, "raw-arc-swap", op, noise);
            contended::<RwLock<std::sync::Arc<u64>>>(&mut group, "raw-rwlock-arc", op, noise);
            contended::<EpochAtomic>(&mut group, "raw-crossbeam-epoch", op, noise);
            contended::<SeizeAtomic>(&mut group, "raw-seize", op, noise);
            contended::<HazardAtomic>(&mut group, "raw-haphazard", op, noise);
            if noise == Noise::Nothing {
                uncontended::<gc::GcCell<gc::Gc<u64>>>(&mut group, "raw-gc-cell", op);
                type RcCell = std::cell::RefCell<std::rc::Rc<u64>>;
                uncontended::<RcCell>(&mut group, "raw-rc-ref-cell", op);
                type UnsyncCell = std::cell::RefCell<dumpster::unsync::Gc<u64>>;
                uncontended::<UnsyncCell>(&mut group, "raw-dumpster-unsync-ref-cell", op);
            }
            group.finish();
        }
    }
}

fn main() {
    common::main(cells);
}
