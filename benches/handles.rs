//! Handle operations under criterion: every strategy's `Shared<S, u64>` and the raw pointers of
//! the crates beside it, in one group per operation, so each group's violin plot compares them.
//!
//! ```text
//! cargo bench --bench handles                    # every group
//! cargo bench --bench handles -- --quick         # each bench only until it is stable
//! cargo bench --bench handles -- handles/deref   # one group
//! ```
//!
//! Bench ids are `handles/<operation>/<strategy or raw pointer>`:
//!
//! - `handles/new`: allocate a handle to a `u64` and drop it. `Leak` is left out: it never
//!   frees, so a loop of allocations only grows the heap. A `Gc` or raw `gc::Gc` drop frees
//!   nothing; rust-gc's own collections, triggered by allocation, are part of the time.
//! - `handles/clone-drop`: clone a handle and drop the clone.
//! - `handles/deref`: read the value through a handle.
//! - `handles/ptr-eq`: compare two handles to one object by address (`Shared::ptr_eq`).
//!
//! The raw pointers: `raw-std-arc` (`std::sync::Arc`), `raw-rc` (`std::rc::Rc`), `raw-gc`
//! (`gc::Gc`), `raw-dumpster` (`dumpster::sync::Gc`), `raw-dumpster-unsync`
//! (`dumpster::unsync::Gc`), each used for every operation; and, in
//! `handles/deref` only, `raw-crossbeam-epoch`: pin, load a `crossbeam_epoch::Atomic` and read
//! through it (crossbeam-epoch has no owning pointer, so this is its way to reach a shared
//! value, and what an `Epoch` cell read pays; `Epoch`'s own deref is a plain load), and
//! `raw-seize`: enter a seize guard, load an `AtomicPtr` through it and read (the same for
//! `Hyaline`), and `raw-haphazard`: protect a `haphazard::AtomicPtr` with a hazard pointer,
//! read and clear it (the same for `Hazard`).
//!
//! The ratios with targets are in `benches/overhead.rs`; this file is for the HTML report
//! (`target/criterion/report/index.html`), where every group shows all of its ids side by side.

mod common;

use std::hint::black_box;
use std::ops::Deref;
use std::rc::Rc;
use std::sync::atomic::Ordering;

use criterion::{measurement::WallTime, BenchmarkGroup, Criterion};
use reclaimer::strategy::{for_each, Visit};
use reclaimer::{Shareable, Shared, Strategy, ThreadSafe};

type Group<'a> = BenchmarkGroup<'a, WallTime>;

#[derive(Clone, Copy)]
enum Op {
    New,
    CloneDrop,
    Deref,
    PtrEq,
}

impl Op {
    const ALL: [Op; 4] = [Op::New, Op::CloneDrop, Op::Deref, Op::PtrEq];

    fn name(self) -> &'static str {
        match self {
            Op::New => "new",
            Op::CloneDrop => "clone-drop",
            Op::Deref => "deref",
            Op::PtrEq => "ptr-eq",
        }
    }
}

/// A shared pointer to a `u64`: ours for each strategy, and each raw crate's.
trait Pointer: Clone + Deref<Target = u64> {
    fn new(value: u64) -> Self;
    fn ptr_eq(a: &Self, b: &Self) -> bool;
}

impl<S: Strategy> Pointer for Shared<S, u64>
where
    u64: Shareable<S>,
{
    fn new(value: u64) -> Self {
        Shared::new(value)
    }
    fn ptr_eq(a: &Self, b: &Self) -> bool {
        Shared::ptr_eq(a, b)
    }
}

/// `Pointer` for raw pointer types with `new` and `ptr_eq` of their own.
macro_rules! raw_pointer {
    ($($ty:ty),*) => {$(
        impl Pointer for $ty {
            fn new(value: u64) -> Self {
                <$ty>::new(value)
            }
            fn ptr_eq(a: &Self, b: &Self) -> bool {
                <$ty>::ptr_eq(a, b)
            }
        }
    )*};
}

raw_pointer!(
    std::sync::Arc<u64>,
    Rc<u64>,
    gc::Gc<u64>,
    dumpster::sync::Gc<u64>,
    dumpster::unsync::Gc<u64>
);

/// Adds the bench of `op` on pointer `P` to `group`, as `id`.
fn pointer<P: Pointer>(group: &mut Group<'_>, id: &str, op: Op) {
    let a = P::new(1);
    let b = a.clone();
    match op {
        Op::New => group.bench_function(id, |t| t.iter(|| P::new(black_box(1)))),
        Op::CloneDrop => group.bench_function(id, |t| t.iter(|| black_box(&a).clone())),
        Op::Deref => group.bench_function(id, |t| t.iter(|| **black_box(&a))),
        Op::PtrEq => {
            group.bench_function(id, |t| t.iter(|| P::ptr_eq(black_box(&a), black_box(&b))))
        }
    };
}

/// Each strategy's bench of one operation.
struct Strategies<'g, 'a> {
    group: &'g mut Group<'a>,
    op: Op,
}

impl Strategies<'_, '_> {
    fn bench<S: Strategy>(&mut self)
    where
        u64: Shareable<S>,
    {
        // A leaking `new` loop only grows the heap.
        if matches!(self.op, Op::New) && !S::FREES_MEMORY {
            return;
        }
        pointer::<Shared<S, u64>>(self.group, S::NAME, self.op);
    }
}

impl Visit for Strategies<'_, '_> {
    type Output = ();
    fn thread_safe<S: ThreadSafe>(&mut self) {
        self.bench::<S>();
    }
    fn local<S: reclaimer::Local>(&mut self) {
        self.bench::<S>();
    }
}

/// Pin, load and read a `crossbeam_epoch::Atomic` that is never retired from.
fn crossbeam_epoch_deref(group: &mut Group<'_>) {
    let atomic = crossbeam_epoch::Atomic::new(1u64);
    group.bench_function("raw-crossbeam-epoch", |t| {
        t.iter(|| {
            let guard = crossbeam_epoch::pin();
            let current = black_box(&atomic).load(Ordering::Acquire, &guard);
            // SAFETY: the atomic keeps its first value, never retired, until it is dropped
            // below, after the last guard.
            *unsafe { current.deref() }
        })
    });
    // SAFETY: the benches are done and no guard is left; nothing else holds the atomic.
    drop(unsafe { atomic.into_owned() });
}

/// Enter a seize guard, load an `AtomicPtr` through it and read: what a `Hyaline` cell read pays.
fn seize_deref(group: &mut Group<'_>) {
    use seize::Guard as _;
    let collector = seize::Collector::new();
    let atomic = std::sync::atomic::AtomicPtr::new(Box::into_raw(Box::new(1u64)));
    group.bench_function("raw-seize", |t| {
        t.iter(|| {
            let guard = collector.enter();
            let current = guard.protect(black_box(&atomic), Ordering::Acquire);
            // SAFETY: the pointer keeps its first value, never retired, until it is freed
            // below, after the last guard.
            unsafe { *current }
        })
    });
    // SAFETY: the benches are done and no guard is left; the box came from `Box::into_raw`.
    drop(unsafe { Box::from_raw(atomic.into_inner()) });
}

/// Protect a `haphazard::AtomicPtr` with a hazard pointer, read, and clear the protection: what
/// a `Hazard` cell read pays.
fn haphazard_deref(group: &mut Group<'_>) {
    let atomic = haphazard::AtomicPtr::from(Box::new(1u64));
    let mut hazard = haphazard::HazardPointer::new();
    group.bench_function("raw-haphazard", |t| {
        t.iter(|| {
            let value = black_box(&atomic).safe_load(&mut hazard).copied();
            hazard.reset_protection();
            value
        })
    });
    drop(hazard);
    // SAFETY: the benches are done; no hazard pointer protects the value any more.
    unsafe { atomic.retire() };
}

fn handles(c: &mut Criterion) {
    for op in Op::ALL {
        let mut group = c.benchmark_group(format!("handles/{}", op.name()));
        for_each(&mut Strategies {
            group: &mut group,
            op,
        });
        pointer::<std::sync::Arc<u64>>(&mut group, "raw-std-arc", op);
        pointer::<Rc<u64>>(&mut group, "raw-rc", op);
        pointer::<gc::Gc<u64>>(&mut group, "raw-gc", op);
        pointer::<dumpster::sync::Gc<u64>>(&mut group, "raw-dumpster", op);
        pointer::<dumpster::unsync::Gc<u64>>(&mut group, "raw-dumpster-unsync", op);
        if matches!(op, Op::Deref) {
            crossbeam_epoch_deref(&mut group);
            seize_deref(&mut group);
            haphazard_deref(&mut group);
        }
        group.finish();
    }
}

fn main() {
    common::main(handles);
}
