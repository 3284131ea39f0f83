//! Lock and optional-slot pairs: `lock-with`, `option-read` and `option-store`.

use std::hint::black_box;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Mutex, RwLock};

use reclaimer::{Lock, OptionCell, Shared};

use crate::harness::{batch, pair, Batch, Pair, WRAPPER};

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

pub fn lock_withs() -> Vec<Pair> {
    let list = || (0..LIST).map(std::sync::Arc::new).collect::<Vec<_>>();
    let arc = std::sync::Arc::new(Mutex::new(list()));
    let arc2 = std::sync::Arc::new(Mutex::new(list()));
    let arc3 = std::sync::Arc::new(Mutex::new(list()));
    let arc4 = std::sync::Arc::new(Mutex::new(list()));
    let arc5 = std::sync::Arc::new(Mutex::new(list()));
    let gc_node = gc::Gc::new(gc::GcCell::new(
        (0..LIST).map(gc::Gc::new).collect::<Vec<_>>(),
    ));
    let dumpster_node = dumpster::sync::Gc::new(Mutex::new(
        (0..LIST).map(dumpster::sync::Gc::new).collect::<Vec<_>>(),
    ));
    let leaked: &'static Mutex<Vec<&'static u64>> = Box::leak(Box::new(Mutex::new(
        (0..LIST).map(|i| &*Box::leak(Box::new(i))).collect(),
    )));
    let with = |strategy, raw, wrapped| pair("lock-with", strategy, Some(WRAPPER), raw, wrapped);
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
            "Hyaline",
            batch!(|_| black_box(&arc4).lock().unwrap().rotate_left(1)),
            lock_with::<reclaimer::Hyaline>(),
        ),
        with(
            "Hazard",
            batch!(|_| black_box(&arc5).lock().unwrap().rotate_left(1)),
            lock_with::<reclaimer::Hazard>(),
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

pub fn option_reads() -> Vec<Pair> {
    let swap = arc_swap::ArcSwapOption::from_pointee(1u64);
    let lock = RwLock::new(Some(std::sync::Arc::new(1u64)));
    let atomic = crossbeam_epoch::Atomic::new(1u64);
    let gc_cell = gc::GcCell::new(Some(gc::Gc::new(1u64)));
    let dumpster_lock = RwLock::new(Some(dumpster::sync::Gc::new(1u64)));
    let leaked = AtomicPtr::new(Box::leak(Box::new(1u64)));
    let seize_atomic = crate::raw_seize::atomic(1);
    let hazard_atomic = crate::raw_haphazard::atomic(1);
    let mut hazard = haphazard::HazardPointer::new();
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
    let read = |strategy, raw, wrapped| pair("option-read", strategy, Some(WRAPPER), raw, wrapped);
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
            "Hyaline",
            batch!(|_| crate::raw_seize::read_option(black_box(&seize_atomic))),
            option_read::<reclaimer::Hyaline>(),
        ),
        read(
            "Hazard",
            batch!(|_| crate::raw_haphazard::read_option(black_box(&hazard_atomic), &mut hazard)),
            option_read::<reclaimer::Hazard>(),
        ),
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

pub fn option_stores() -> Vec<Pair> {
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
    let store =
        |strategy, raw, wrapped| pair("option-store", strategy, Some(WRAPPER), raw, wrapped);
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
