//! What the wrappers cost: each strategy's handle operations against the raw crate it wraps,
//! as ratios measured in one process, interleaved, median of repetitions.
//!
//! ```text
//! cargo bench --bench overhead              # every pair
//! cargo bench --bench overhead -- cell-read # the pairs whose name contains "cell-read"
//! ```
//!
//! Each pair runs a batch of the raw operation and a batch of the wrapped one, in alternating
//! order, `REPS` times; the batch size is calibrated so a raw batch takes about 2 ms. The ratio
//! is wrapped ÷ raw time per repetition; the table gives its median and quartiles, the median
//! ns per operation of each side, and the target it is held to.
//!
//! - `clone-drop`: clone a pointer and drop the clone.
//! - `deref`: read the value through a pointer.
//! - `cell-read`: read the value in a cell without keeping a pointer (`Cell::read`).
//! - `cell-store`: allocate a value and store it in a cell, releasing the old one.
//! - `lock-with`: mutate a shared list of 8 handles in place under the lock (rotate it by one),
//!   the list held behind a pointer as in a graph node (`Lock::with`).
//! - `option-read`: read an optional slot that holds a value (`OptionCell::read`).
//! - `option-store`: store a clone of a handle into an optional slot, then empty it, releasing
//!   what it held (`OptionCell::store`, one operation each).
//! - `epoch-read-vs-arc-clone`: `Epoch`'s `Cell::read` against cloning and dropping a std
//!   `Arc`, what a refcounted read pays (target ≤ 0.6: reads must not pay a refcount RMW);
//!   `-2-threads`: the same with two threads reading one cell, or cloning one `Arc`, at once.
//!
//! The raw side is the crate a strategy wraps, used the way its own docs show: std `Arc` and
//! `arc_swap::ArcSwap` for `Arc`; std `Arc` and `RwLock<Arc<T>>` for `RwLockArc`;
//! `crossbeam_epoch::Atomic` read under a pin, and `swap` plus `defer_destroy`, for `Epoch`
//! (crossbeam-epoch has no shared pointer, so `Epoch`'s clone and deref have no raw pair);
//! `gc::Gc` and `GcCell` for `Gc`; `dumpster::sync::Gc` in a `RwLock` for `SyncGc`; a
//! `&'static T` and an `AtomicPtr` for `Leak` (whose store is left out: it never frees, so a
//! loop of stores only grows the heap).
//!
//! The lock's raw side is the container each crate's users write by hand: `Arc<Mutex<Vec<Arc<_>>>>`
//! for `Arc`, `RwLockArc` and `Epoch` (crossbeam-epoch has no pointer or lock of its own; the
//! container is what is compared), `gc::Gc<GcCell<Vec<gc::Gc<_>>>>` for `Gc`,
//! `dumpster::sync::Gc<Mutex<Vec<dumpster::sync::Gc<_>>>>` for `SyncGc` (dumpster traces a std
//! `Mutex` itself), a leaked `Mutex<Vec<&'static _>>` for `Leak`. The optional slot's raw side:
//! `ArcSwapOption`, `RwLock<Option<Arc<_>>>`, a nullable `crossbeam_epoch::Atomic`,
//! `GcCell<Option<gc::Gc<_>>>`, `RwLock<Option<dumpster::sync::Gc<_>>>` and a nullable
//! `AtomicPtr`. `option-store/Epoch` is left out: crossbeam-epoch has no pointer to clone into
//! the slot, so its raw store allocates where ours clones (`cell-store/Epoch` measures that gap).

use std::hint::black_box;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell as Col, CellAlignment, Table};
use reclaimer::{Cell, Lock, OptionCell, Shared};

/// Repetitions of each pair.
const REPS: usize = 31;
/// The raw batch's calibrated duration.
const BATCH: Duration = Duration::from_millis(2);

/// Runs an operation `n` times.
type Batch = Box<dyn FnMut(u64)>;

struct Pair {
    name: String,
    target: f64,
    raw: Batch,
    wrapped: Batch,
}

fn pair(op: &str, strategy: &str, target: f64, raw: Batch, wrapped: Batch) -> Pair {
    Pair {
        name: format!("{op}/{strategy}"),
        target,
        raw,
        wrapped,
    }
}

/// The wrapper ÷ raw target of BLUEPRINT §7.
const WRAPPER: f64 = 1.05;

/// A batch that evaluates `$body` once per iteration (`$i`, from 0) and passes the result to
/// `black_box`; the variables it names are moved in.
macro_rules! batch {
    (|$i:pat_param| $body:expr) => {
        Box::new(move |n: u64| {
            for $i in 0..n {
                black_box($body);
            }
        }) as Batch
    };
}

/// One pair per strategy with a raw pointer to compare: `$body`, with `$p` bound to a
/// reference to the pointer, on the raw crate's pointer and on ours.
macro_rules! pointer_pairs {
    ($op:literal, |$p:ident| $body:expr) => {
        pointer_pairs!(@each $op, |$p| $body,
            ("Arc", std::sync::Arc::new(1u64), Shared::<reclaimer::Arc, u64>::new(1)),
            ("RwLockArc", std::sync::Arc::new(1u64), Shared::<reclaimer::RwLockArc, u64>::new(1)),
            ("Gc", gc::Gc::new(1u64), Shared::<reclaimer::Gc, u64>::new(1)),
            ("SyncGc", dumpster::sync::Gc::new(1u64), Shared::<reclaimer::SyncGc, u64>::new(1)),
            ("Leak", &*Box::leak(Box::new(1u64)), Shared::<reclaimer::Leak, u64>::new(1)),
        )
    };
    (@each $op:literal, |$p:ident| $body:expr, $(($strategy:literal, $raw:expr, $wrapped:expr)),+ $(,)?) => {
        vec![$({
            let (raw, wrapped) = ($raw, $wrapped);
            let raw = batch!(|_| {
                let $p = black_box(&raw);
                $body
            });
            let wrapped = batch!(|_| {
                let $p = black_box(&wrapped);
                $body
            });
            pair($op, $strategy, WRAPPER, raw, wrapped)
        }),+]
    };
}

fn clone_drop() -> Vec<Pair> {
    pointer_pairs!("clone-drop", |p| Clone::clone(p))
}

fn deref() -> Vec<Pair> {
    pointer_pairs!("deref", |p| **p)
}

/// A batch of `Cell::read` on a cell of strategy `S`.
fn cell_read<S: reclaimer::Strategy>() -> Batch
where
    u64: reclaimer::Shareable<S>,
{
    let cell = Cell::<S, u64>::from_value(1);
    batch!(|_| black_box(&cell).read(|v| *v))
}

fn cell_reads() -> Vec<Pair> {
    let swap = arc_swap::ArcSwap::from_pointee(1u64);
    let lock = RwLock::new(std::sync::Arc::new(1u64));
    let atomic = crossbeam_epoch::Atomic::new(1u64);
    let gc_cell = gc::GcCell::new(gc::Gc::new(1u64));
    let dumpster_lock = RwLock::new(dumpster::sync::Gc::new(1u64));
    let leaked = AtomicPtr::new(Box::leak(Box::new(1u64)));
    let epoch_read = batch!(|_| {
        let guard = crossbeam_epoch::pin();
        let current = black_box(&atomic).load(Ordering::Acquire, &guard);
        // SAFETY: the atomic is never null and never retired in this bench.
        unsafe { *current.deref() }
    });
    // SAFETY: the pointer came from `Box::leak` and is never freed.
    let leak_read = batch!(|_| unsafe { *black_box(&leaked).load(Ordering::Acquire) });
    let read = |strategy, raw, wrapped| pair("cell-read", strategy, WRAPPER, raw, wrapped);
    vec![
        read(
            "Arc",
            batch!(|_| **black_box(&swap).load()),
            cell_read::<reclaimer::Arc>(),
        ),
        read(
            "RwLockArc",
            batch!(|_| **black_box(&lock).read().unwrap()),
            cell_read::<reclaimer::RwLockArc>(),
        ),
        read("Epoch", epoch_read, cell_read::<reclaimer::Epoch>()),
        read(
            "Gc",
            batch!(|_| **black_box(&gc_cell).borrow()),
            cell_read::<reclaimer::Gc>(),
        ),
        read(
            "SyncGc",
            batch!(|_| **black_box(&dumpster_lock).read().unwrap()),
            cell_read::<reclaimer::SyncGc>(),
        ),
        read("Leak", leak_read, cell_read::<reclaimer::Leak>()),
    ]
}

/// A batch of `Cell::store` of a fresh value on a cell of strategy `S`.
fn cell_store<S: reclaimer::Strategy>() -> Batch
where
    u64: reclaimer::Shareable<S>,
{
    let cell = Cell::<S, u64>::from_value(0);
    batch!(|i| black_box(&cell).store(Shared::new(i)))
}

/// The raw `Epoch` store: swap in a new box, defer the old one's destruction.
fn epoch_swap(atomic: &crossbeam_epoch::Atomic<u64>, value: u64) {
    let guard = crossbeam_epoch::pin();
    let old = atomic.swap(crossbeam_epoch::Owned::new(value), Ordering::AcqRel, &guard);
    // SAFETY: `old` left the atomic; readers that still see it are pinned.
    unsafe { guard.defer_destroy(old) };
}

fn cell_stores() -> Vec<Pair> {
    let swap = arc_swap::ArcSwap::from_pointee(0u64);
    let lock = RwLock::new(std::sync::Arc::new(0u64));
    let atomic = crossbeam_epoch::Atomic::new(0u64);
    let gc_cell = gc::GcCell::new(gc::Gc::new(0u64));
    let dumpster_lock = RwLock::new(dumpster::sync::Gc::new(0u64));
    let store = |strategy, raw, wrapped| pair("cell-store", strategy, WRAPPER, raw, wrapped);
    vec![
        store(
            "Arc",
            batch!(|i| black_box(&swap).store(std::sync::Arc::new(i))),
            cell_store::<reclaimer::Arc>(),
        ),
        store(
            "RwLockArc",
            batch!(|i| {
                let new = std::sync::Arc::new(i);
                drop(std::mem::replace(
                    &mut *black_box(&lock).write().unwrap(),
                    new,
                ));
            }),
            cell_store::<reclaimer::RwLockArc>(),
        ),
        store(
            "Epoch",
            batch!(|i| epoch_swap(black_box(&atomic), i)),
            cell_store::<reclaimer::Epoch>(),
        ),
        store(
            "Gc",
            batch!(|i| {
                let new = gc::Gc::new(i);
                drop(std::mem::replace(
                    &mut *black_box(&gc_cell).borrow_mut(),
                    new,
                ));
            }),
            cell_store::<reclaimer::Gc>(),
        ),
        store(
            "SyncGc",
            batch!(|i| {
                let new = dumpster::sync::Gc::new(i);
                drop(std::mem::replace(
                    &mut *black_box(&dumpster_lock).write().unwrap(),
                    new,
                ));
            }),
            cell_store::<reclaimer::SyncGc>(),
        ),
    ]
}

/// Handles in each lock's list.
const LIST: u64 = 8;

/// A batch of `Lock::with` rotating a list of handles, the lock behind a pointer of `S`.
fn lock_with<S: reclaimer::Strategy>() -> Batch
where
    u64: reclaimer::Shareable<S>,
    Lock<S, Vec<Shared<S, u64>>>: reclaimer::Shareable<S>,
{
    let node = Shared::<S, _>::new(Lock::new((0..LIST).map(Shared::new).collect::<Vec<_>>()));
    batch!(|_| black_box(&node).with(|v| v.rotate_left(1)))
}

fn lock_withs() -> Vec<Pair> {
    let list = || (0..LIST).map(std::sync::Arc::new).collect::<Vec<_>>();
    let arc = std::sync::Arc::new(Mutex::new(list()));
    let arc2 = std::sync::Arc::new(Mutex::new(list()));
    let arc3 = std::sync::Arc::new(Mutex::new(list()));
    let gc_node = gc::Gc::new(gc::GcCell::new(
        (0..LIST).map(gc::Gc::new).collect::<Vec<_>>(),
    ));
    let dumpster_node = dumpster::sync::Gc::new(Mutex::new(
        (0..LIST).map(dumpster::sync::Gc::new).collect::<Vec<_>>(),
    ));
    let leaked: &'static Mutex<Vec<&'static u64>> = Box::leak(Box::new(Mutex::new(
        (0..LIST).map(|i| &*Box::leak(Box::new(i))).collect(),
    )));
    let with = |strategy, raw, wrapped| pair("lock-with", strategy, WRAPPER, raw, wrapped);
    vec![
        with(
            "Arc",
            batch!(|_| black_box(&arc).lock().unwrap().rotate_left(1)),
            lock_with::<reclaimer::Arc>(),
        ),
        with(
            "RwLockArc",
            batch!(|_| black_box(&arc2).lock().unwrap().rotate_left(1)),
            lock_with::<reclaimer::RwLockArc>(),
        ),
        with(
            "Epoch",
            batch!(|_| black_box(&arc3).lock().unwrap().rotate_left(1)),
            lock_with::<reclaimer::Epoch>(),
        ),
        with(
            "Gc",
            batch!(|_| black_box(&gc_node).borrow_mut().rotate_left(1)),
            lock_with::<reclaimer::Gc>(),
        ),
        with(
            "SyncGc",
            batch!(|_| black_box(&dumpster_node).lock().unwrap().rotate_left(1)),
            lock_with::<reclaimer::SyncGc>(),
        ),
        with(
            "Leak",
            batch!(|_| black_box(leaked).lock().unwrap().rotate_left(1)),
            lock_with::<reclaimer::Leak>(),
        ),
    ]
}

/// A batch of `OptionCell::read` on a full optional slot of strategy `S`.
fn option_read<S: reclaimer::Strategy>() -> Batch
where
    u64: reclaimer::Shareable<S>,
{
    let cell = OptionCell::<S, u64>::new(Some(Shared::new(1)));
    batch!(|_| black_box(&cell).read(|v| v.copied()))
}

fn option_reads() -> Vec<Pair> {
    let swap = arc_swap::ArcSwapOption::from_pointee(1u64);
    let lock = RwLock::new(Some(std::sync::Arc::new(1u64)));
    let atomic = crossbeam_epoch::Atomic::new(1u64);
    let gc_cell = gc::GcCell::new(Some(gc::Gc::new(1u64)));
    let dumpster_lock = RwLock::new(Some(dumpster::sync::Gc::new(1u64)));
    let leaked = AtomicPtr::new(Box::leak(Box::new(1u64)));
    let epoch_read = batch!(|_| {
        let guard = crossbeam_epoch::pin();
        let current = black_box(&atomic).load(Ordering::Acquire, &guard);
        // SAFETY: the atomic holds a value that is never retired in this bench.
        unsafe { current.as_ref() }.copied()
    });
    let leak_read = batch!(|_| {
        let current = black_box(&leaked).load(Ordering::Acquire);
        // SAFETY: the pointer came from `Box::leak` and is never freed.
        unsafe { current.as_ref() }.copied()
    });
    let read = |strategy, raw, wrapped| pair("option-read", strategy, WRAPPER, raw, wrapped);
    vec![
        read(
            "Arc",
            batch!(|_| black_box(&swap).load().as_deref().copied()),
            option_read::<reclaimer::Arc>(),
        ),
        read(
            "RwLockArc",
            batch!(|_| black_box(&lock).read().unwrap().as_deref().copied()),
            option_read::<reclaimer::RwLockArc>(),
        ),
        read("Epoch", epoch_read, option_read::<reclaimer::Epoch>()),
        read(
            "Gc",
            batch!(|_| black_box(&gc_cell).borrow().as_deref().copied()),
            option_read::<reclaimer::Gc>(),
        ),
        read(
            "SyncGc",
            batch!(|_| black_box(&dumpster_lock)
                .read()
                .unwrap()
                .as_deref()
                .copied()),
            option_read::<reclaimer::SyncGc>(),
        ),
        read("Leak", leak_read, option_read::<reclaimer::Leak>()),
    ]
}

/// A batch of `OptionCell::store`: a clone of a handle, then `None`, alternately.
fn option_store<S: reclaimer::Strategy>() -> Batch
where
    u64: reclaimer::Shareable<S>,
{
    let cell = OptionCell::<S, u64>::empty();
    let handle = Shared::<S, u64>::new(1);
    batch!(|i| black_box(&cell).store((i % 2 == 0).then(|| handle.clone())))
}

fn option_stores() -> Vec<Pair> {
    let swap = arc_swap::ArcSwapOption::<u64>::empty();
    let arc = std::sync::Arc::new(1u64);
    let lock = RwLock::new(None);
    let arc2 = std::sync::Arc::new(1u64);
    let gc_cell = gc::GcCell::new(None);
    let gc_handle = gc::Gc::new(1u64);
    let dumpster_lock = RwLock::new(None);
    let dumpster_handle = dumpster::sync::Gc::new(1u64);
    let leaked = AtomicPtr::new(std::ptr::null_mut());
    let leaked_value: &'static u64 = Box::leak(Box::new(1u64));
    let store = |strategy, raw, wrapped| pair("option-store", strategy, WRAPPER, raw, wrapped);
    vec![
        store(
            "Arc",
            batch!(|i| black_box(&swap).store((i % 2 == 0).then(|| arc.clone()))),
            option_store::<reclaimer::Arc>(),
        ),
        store(
            "RwLockArc",
            batch!(|i| {
                let new = (i % 2 == 0).then(|| arc2.clone());
                drop(std::mem::replace(
                    &mut *black_box(&lock).write().unwrap(),
                    new,
                ));
            }),
            option_store::<reclaimer::RwLockArc>(),
        ),
        store(
            "Gc",
            batch!(|i| {
                let new = (i % 2 == 0).then(|| gc_handle.clone());
                // The old value is dropped after the borrow ends, as the wrapper's `store` does.
                let old = std::mem::replace(&mut *black_box(&gc_cell).borrow_mut(), new);
                drop(old);
            }),
            option_store::<reclaimer::Gc>(),
        ),
        store(
            "SyncGc",
            batch!(|i| {
                let new = (i % 2 == 0).then(|| dumpster_handle.clone());
                drop(std::mem::replace(
                    &mut *black_box(&dumpster_lock).write().unwrap(),
                    new,
                ));
            }),
            option_store::<reclaimer::SyncGc>(),
        ),
        store(
            "Leak",
            batch!(|i| {
                let new = if i % 2 == 0 {
                    std::ptr::from_ref(leaked_value).cast_mut()
                } else {
                    std::ptr::null_mut()
                };
                black_box(&leaked).swap(new, Ordering::AcqRel)
            }),
            option_store::<reclaimer::Leak>(),
        ),
    ]
}

/// Runs `op(n)` on this thread and on a second one at once.
fn on_two_threads(op: impl Fn(u64) + Send + Sync + 'static) -> Batch {
    Box::new(move |n| {
        std::thread::scope(|s| {
            s.spawn(|| op(n));
            op(n);
        })
    })
}

/// `Epoch` stores on two threads at once, each into a cell of its own: what the wrapper shares
/// between threads when their data is not shared.
fn epoch_stores_on_two_threads() -> Vec<Pair> {
    let raw = |n| {
        let atomic = crossbeam_epoch::Atomic::new(0u64);
        for i in 0..n {
            epoch_swap(black_box(&atomic), i);
        }
        // SAFETY: no other thread can reach the atomic any more.
        drop(unsafe { atomic.into_owned() });
    };
    let wrapped = |n| {
        let cell = Cell::<reclaimer::Epoch, u64>::from_value(0);
        for i in 0..n {
            black_box(&cell).store(Shared::new(i));
        }
    };
    vec![pair(
        "cell-store-2-threads",
        "Epoch",
        WRAPPER,
        on_two_threads(raw),
        on_two_threads(wrapped),
    )]
}

fn epoch_read_vs_arc_clone() -> Vec<Pair> {
    let arc_clone = |arc: std::sync::Arc<u64>| {
        move |n| {
            for _ in 0..n {
                let clone = black_box(&arc).clone();
                black_box(*clone);
            }
        }
    };
    let epoch_read = || {
        let cell = Cell::<reclaimer::Epoch, u64>::from_value(1);
        move |n| {
            for _ in 0..n {
                black_box(black_box(&cell).read(|v| *v));
            }
        }
    };
    vec![
        pair(
            "epoch-read-vs-arc-clone",
            "Epoch",
            0.6,
            Box::new(arc_clone(std::sync::Arc::new(1))),
            Box::new(epoch_read()),
        ),
        pair(
            "epoch-read-vs-arc-clone-2-threads",
            "Epoch",
            0.6,
            on_two_threads(arc_clone(std::sync::Arc::new(1))),
            on_two_threads(epoch_read()),
        ),
    ]
}

/// What one pair measured.
struct Outcome {
    name: String,
    target: f64,
    raw_ns: f64,
    wrapped_ns: f64,
    ratio: [f64; 3],
}

fn time(batch: &mut Batch, n: u64) -> Duration {
    let start = Instant::now();
    batch(n);
    start.elapsed()
}

/// The batch size at which `batch` takes about `BATCH`.
fn calibrate(batch: &mut Batch) -> u64 {
    let mut n = 1_000;
    loop {
        let took = time(batch, n);
        if took >= BATCH / 4 || n >= 1 << 30 {
            let scale = BATCH.as_secs_f64() / took.as_secs_f64().max(1e-9);
            return ((n as f64 * scale) as u64).max(1);
        }
        n *= 4;
    }
}

/// The 25th, 50th and 75th percentiles.
fn quartiles(mut values: Vec<f64>) -> [f64; 3] {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    [at(0.25), at(0.5), at(0.75)]
}

fn measure(mut pair: Pair) -> Outcome {
    let n = calibrate(&mut pair.raw);
    // Warm both sides once.
    time(&mut pair.raw, n);
    time(&mut pair.wrapped, n);
    let (mut raw, mut wrapped, mut ratios) = (vec![], vec![], vec![]);
    for rep in 0..REPS {
        let (r, w) = if rep % 2 == 0 {
            let r = time(&mut pair.raw, n);
            (r, time(&mut pair.wrapped, n))
        } else {
            let w = time(&mut pair.wrapped, n);
            (time(&mut pair.raw, n), w)
        };
        let per_op = |d: Duration| d.as_secs_f64() * 1e9 / n as f64;
        raw.push(per_op(r));
        wrapped.push(per_op(w));
        ratios.push(w.as_secs_f64() / r.as_secs_f64());
    }
    Outcome {
        name: pair.name,
        target: pair.target,
        raw_ns: quartiles(raw)[1],
        wrapped_ns: quartiles(wrapped)[1],
        ratio: quartiles(ratios),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; anything else is a filter on the pair names.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let pairs = [
        clone_drop(),
        deref(),
        cell_reads(),
        cell_stores(),
        epoch_stores_on_two_threads(),
        epoch_read_vs_arc_clone(),
        lock_withs(),
        option_reads(),
        option_stores(),
    ]
    .into_iter()
    .flatten()
    .filter(|p| filter.is_empty() || filter.iter().any(|f| p.name.contains(f.as_str())));

    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "operation/strategy",
        "raw ns/op",
        "wrapped ns/op",
        "ratio (median)",
        "ratio q1–q3",
        "target",
        "meets",
    ]);
    for pair in pairs {
        let o = measure(pair);
        eprintln!("measured {}", o.name);
        let right = |s: String| Col::new(s).set_alignment(CellAlignment::Right);
        table.add_row(vec![
            Col::new(&o.name),
            right(format!("{:.2}", o.raw_ns)),
            right(format!("{:.2}", o.wrapped_ns)),
            right(format!("{:.3}", o.ratio[1])),
            right(format!("{:.3}–{:.3}", o.ratio[0], o.ratio[2])),
            right(format!("≤ {:.2}", o.target)),
            Col::new(if o.ratio[1] <= o.target { "yes" } else { "no" }),
        ]);
    }
    println!("{table}");
    println!(
        "ratio = wrapped ÷ raw time per repetition; {REPS} repetitions, interleaved; \
         the raw batch is calibrated to about {} ms.",
        BATCH.as_millis()
    );
}
