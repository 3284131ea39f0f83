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
//! ns per operation of each side, and the target it is held to ("—" for a pair that has none).
//!
//! - `new-drop`: make a handle of a fresh value and drop it (`Shared::new`); `Epoch`'s raw side
//!   is a std `Arc` whose release is deferred through crossbeam-epoch, as in `benches/churn/`.
//! - `clone-drop`: clone a pointer and drop the clone.
//! - `deref`: read the value through a pointer.
//! - `cell-read`: read the value in a cell without keeping a pointer (`Cell::read`).
//! - `cell-store`: allocate a value and store it in a cell, releasing the old one. `Epoch`'s
//!   target is ≤ 1.5× the raw `swap` plus `defer_destroy`, on one thread and on two
//!   (`cell-store-2-threads`, each thread storing into a cell of its own).
//! - `lock-with`: mutate a shared list of 8 handles in place under the lock (rotate it by one),
//!   the list held behind a pointer as in a graph node (`Lock::with`).
//! - `option-read`: read an optional slot that holds a value (`OptionCell::read`).
//! - `option-store`: store a clone of a handle into an optional slot, then empty it, releasing
//!   what it held (`OptionCell::store`, one operation each).
//! - `epoch-read-vs-arc-clone`, `hyaline-read-vs-arc-clone` and `hazard-read-vs-arc-clone`:
//!   `Epoch`'s, `Hyaline`'s and `Hazard`'s
//!   `Cell::read` against cloning and dropping a std `Arc`, what a refcounted read pays. On one
//!   thread it has no target (crossbeam's pin, or seize's guard, is the floor there);
//!   `-2-threads`, two threads reading one cell, or cloning one `Arc`, at once, is held to ≤ 0.6:
//!   reads must not pay a refcount RMW.
//!
//! - `read-4-cells`: four `Epoch` cells read one after another, each `Cell::read` pinning on its
//!   own (no target: four pins against one); `read-4-cells-pinned`: the same four read with
//!   `Cell::get` inside one `Epoch::pinned`, held to the wrapper target. The raw side reads four crossbeam `Atomic`s
//!   under one pin.
//!
//! The raw side is the crate a strategy wraps, used the way its own docs show: std `Arc` and
//! `arc_swap::ArcSwap` for `Arc`; std `Arc` and `RwLock<Arc<T>>` for `RwLockArc`;
//! `crossbeam_epoch::Atomic` read under a pin, and `swap` plus `defer_destroy`, for `Epoch`
//! (crossbeam-epoch has no shared pointer, so `Epoch`'s clone and deref have no raw pair);
//! an `AtomicPtr` read through a seize guard, and `swap` plus `Collector::retire`, for `Hyaline`
//! (the same holds for seize); a `haphazard::AtomicPtr` read through a hazard pointer the batch
//! keeps, and `swap` plus `retire`, for `Hazard` (and for haphazard);
//! `gc::Gc` and `GcCell` for `Gc`; `dumpster::sync::Gc` in a `RwLock` for `SyncGc`;
//! `std::rc::Rc` in a `RefCell` for `Rc`; `dumpster::unsync::Gc` in a `RefCell` for `UnsyncGc`; a
//! `&'static T` and an `AtomicPtr` for `Leak` (whose store is left out: it never frees, so a
//! loop of stores only grows the heap).
//!
//! The lock's raw side is the container each crate's users write by hand: `Arc<Mutex<Vec<Arc<_>>>>`
//! for `Arc`, `RwLockArc`, `Epoch`, `Hyaline` and `Hazard` (crossbeam-epoch, seize and haphazard
//! have no pointer or lock of their own; the
//! container is what is compared), `gc::Gc<GcCell<Vec<gc::Gc<_>>>>` for `Gc`,
//! `dumpster::sync::Gc<Mutex<Vec<dumpster::sync::Gc<_>>>>` for `SyncGc` (dumpster traces a std
//! `Mutex` itself), a leaked `Mutex<Vec<&'static _>>` for `Leak`. The optional slot's raw side:
//! `ArcSwapOption`, `RwLock<Option<Arc<_>>>`, a nullable `crossbeam_epoch::Atomic`, a nullable
//! `AtomicPtr` read through a seize guard, a nullable `haphazard::AtomicPtr`,
//! `GcCell<Option<gc::Gc<_>>>`,
//! `RwLock<Option<dumpster::sync::Gc<_>>>` and a nullable `AtomicPtr`. `option-store/Epoch`,
//! `option-store/Hyaline` and `option-store/Hazard` are left out: neither crate has a pointer to clone into the slot, so
//! its raw store allocates where ours clones (`cell-store` measures that gap).

mod cells;
mod harness;
mod locks;
mod pointers;
mod raw_haphazard;
mod raw_seize;

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell as Col, CellAlignment, Table};

use harness::{measure, BATCH, REPS};

fn main() {
    // `cargo bench` passes `--bench`; anything else is a filter on the pair names.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let pairs = [
        pointers::new_drop(),
        pointers::clone_drop(),
        pointers::deref(),
        cells::cell_reads(),
        cells::cell_stores(),
        cells::epoch_stores_on_two_threads(),
        cells::read_vs_arc_clone(),
        cells::epoch_reads_of_four_cells(),
        locks::lock_withs(),
        locks::option_reads(),
        locks::option_stores(),
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
            right(o.target.map_or("—".into(), |t| format!("≤ {t:.2}"))),
            Col::new(match o.target {
                None => "—",
                Some(t) if o.ratio[1] <= t => "yes",
                Some(_) => "no",
            }),
        ]);
    }
    println!("{table}");
    println!(
        "ratio = wrapped ÷ raw time per repetition; {REPS} repetitions, interleaved; \
         the raw batch is calibrated to about {} ms.",
        BATCH.as_millis()
    );
}
