//! Unit tests of the `Epoch` internals: counts, weak pointers, loads against retirement, deep
//! chains, the policy.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use std::ptr::NonNull;

use crossbeam_epoch as cb;

use super::object::{strong, try_acquire_strong};
use super::pointer::EpochPtr;
use super::{Epoch, FlushPolicy};
use crate::strategy::raw::Backend;
use crate::{Cell, Shared, Strategy, Trace, Visitor, Weak};

/// Counts its drops in a counter owned by one test.
struct Probe {
    value: u64,
    drops: Arc<AtomicUsize>,
}

// SAFETY: holds no handles.
unsafe impl Trace for Probe {
    fn trace<V: Visitor>(&self, _: &mut V) {}
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

fn probe(value: u64, drops: &Arc<AtomicUsize>) -> Shared<Epoch, Probe> {
    Shared::new(Probe {
        value,
        drops: drops.clone(),
    })
}

fn dropped(drops: &AtomicUsize) -> usize {
    drops.load(Ordering::SeqCst)
}

#[test]
fn weak_upgrades_while_alive_and_fails_after_the_last_release() {
    let drops = Arc::new(AtomicUsize::new(0));
    let strong = probe(7, &drops);
    let weak: Weak<Epoch, Probe> = Shared::downgrade(&strong);
    let weak2 = weak.clone();
    let up = weak.upgrade().expect("alive");
    assert!(Shared::ptr_eq(&up, &strong));
    assert_eq!(up.value, 7);
    drop((strong, up));
    // Retired: the count is zero, so upgrading fails at once, before the drop has run.
    assert!(weak.upgrade().is_none());
    assert!(weak2.upgrade().is_none());
    Epoch::collect();
    assert_eq!(dropped(&drops), 1);
    assert!(weak.upgrade().is_none());
    drop((weak, weak2));
    assert_eq!(dropped(&drops), 1);
}

#[test]
fn weak_dropped_first_leaves_the_value_alone() {
    let drops = Arc::new(AtomicUsize::new(0));
    let strong = probe(1, &drops);
    drop(Shared::downgrade(&strong));
    Epoch::collect();
    assert_eq!(dropped(&drops), 0);
    assert_eq!(strong.value, 1);
    drop(strong);
    Epoch::collect();
    assert_eq!(dropped(&drops), 1);
}

#[test]
fn load_never_resurrects_a_retired_object() {
    let drops = Arc::new(AtomicUsize::new(0));
    let slot = Epoch::slot_new(EpochPtr::new(Probe {
        value: 1,
        drops: drops.clone(),
    }));
    let guard = cb::pin();
    // A reader pinned before the store still sees the old object...
    let stale = slot.atomic.load(Ordering::Acquire, &guard);
    let stale_ptr = NonNull::new(stale.as_raw().cast_mut()).expect("never null");
    let old = Epoch::slot_swap(
        &slot,
        EpochPtr::new(Probe {
            value: 2,
            drops: drops.clone(),
        }),
    );
    drop(old);
    // ...whose count is now zero: it is retired but, with the reader pinned, not dropped.
    // SAFETY: reached from the slot while pinned.
    assert_eq!(unsafe { strong(stale_ptr) }.load(Ordering::SeqCst), 0);
    // SAFETY: as above.
    assert!(!unsafe { try_acquire_strong(stale_ptr) });
    // SAFETY: as above.
    assert_eq!(unsafe { strong(stale_ptr) }.load(Ordering::SeqCst), 0);
    // SAFETY: as above: the value cannot be dropped while `guard` is held.
    assert_eq!(unsafe { stale.deref() }.value.value, 1);
    Epoch::collect(); // pinned: can only flush, cannot free under our own pin
    assert_eq!(dropped(&drops), 0);
    // A load takes the live object, never the stale one.
    let loaded = Epoch::slot_load(&slot);
    assert_eq!(Epoch::ptr_deref(&loaded).value, 2);
    drop(guard);
    Epoch::collect();
    assert_eq!(dropped(&drops), 1);
    drop((loaded, slot));
    Epoch::collect();
    assert_eq!(dropped(&drops), 2);
}

#[test]
fn loads_racing_stores_see_live_values_and_drop_each_once() {
    const STORES: u64 = if cfg!(miri) { 40 } else { 2_000 };
    let drops = Arc::new(AtomicUsize::new(0));
    let cell: Cell<Epoch, Probe> = Cell::new(probe(0, &drops));
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut last = 0;
            while last < STORES {
                let loaded = cell.load();
                assert!(loaded.value >= last);
                last = loaded.value;
                let read = cell.read(|p| p.value);
                assert!(read >= last);
            }
        });
        scope.spawn(|| {
            for value in 1..=STORES {
                cell.store(probe(value, &drops));
            }
            // A scoped thread's bag is handed on by its thread-local destructor, which may
            // run after the scope has returned: flush it before leaving.
            Epoch::collect();
        });
    });
    drop(cell);
    Epoch::collect();
    assert_eq!(dropped(&drops), STORES as usize + 1);
}

#[test]
fn rcu_updates_and_drops_every_attempt_once() {
    const THREADS: u64 = 2;
    const UPDATES: u64 = if cfg!(miri) { 20 } else { 500 };
    let drops = Arc::new(AtomicUsize::new(0));
    let attempts = AtomicUsize::new(0);
    let cell: Cell<Epoch, Probe> = Cell::new(probe(0, &drops));
    let replaced = cell.rcu(|p| probe(p.value + 1, &drops));
    assert_eq!(replaced.value, 0);
    assert_eq!(cell.read(|p| p.value), 1);
    drop(replaced);
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                for _ in 0..UPDATES {
                    cell.rcu(|p| {
                        attempts.fetch_add(1, Ordering::SeqCst);
                        probe(p.value + 1, &drops)
                    });
                }
                Epoch::collect();
            });
        }
    });
    assert_eq!(cell.read(|p| p.value), 1 + THREADS * UPDATES);
    drop(cell);
    Epoch::collect();
    // The first value, the first update, and every attempt (stored or thrown away).
    assert_eq!(dropped(&drops), 2 + attempts.load(Ordering::SeqCst));
    assert!(attempts.load(Ordering::SeqCst) >= (THREADS * UPDATES) as usize);
}

#[test]
fn deep_chain_drops_without_recursion() {
    struct Link {
        next: Option<Shared<Epoch, Link>>,
        drops: Arc<AtomicUsize>,
    }
    // SAFETY: `Epoch` never traces; the field is visited anyway.
    unsafe impl Trace for Link {
        fn trace<V: Visitor>(&self, visitor: &mut V) {
            self.next.trace(visitor);
        }
    }
    impl Drop for Link {
        fn drop(&mut self) {
            self.drops.fetch_add(1, Ordering::SeqCst);
        }
    }
    // Miri checks the memory accesses of a short chain; the native run, the recursion.
    const LEN: usize = if cfg!(miri) { 100 } else { 5_000 };
    let drops = Arc::new(AtomicUsize::new(0));
    // A 64 KiB stack: a recursive drop of 5 000 nodes would overflow it.
    let counter = drops.clone();
    std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(move || {
            let mut head = None;
            for _ in 0..LEN {
                head = Some(Shared::<Epoch, _>::new(Link {
                    next: head,
                    drops: counter.clone(),
                }));
            }
            drop(head);
            Epoch::collect();
        })
        .expect("spawn")
        .join()
        .expect("no overflow");
    assert_eq!(dropped(&drops), LEN);
}

#[test]
fn policy_round_trips_and_bounds() {
    let policy = FlushPolicy::new().after_deferrals(3).after_operations(5);
    assert_eq!((policy.deferrals(), policy.operations()), (3, 5));
    assert_eq!(FlushPolicy::unpack(policy.pack()), policy);
    assert_eq!(policy.bound(), Some(9));
    assert_eq!(FlushPolicy::DEFAULT.bound(), Some(127));
    assert_eq!(FlushPolicy::NEVER.after_deferrals(4).bound(), None);
}

#[test]
fn a_value_got_under_a_pin_outlives_its_replacement_until_the_pin_ends() {
    let drops = Arc::new(AtomicUsize::new(0));
    let cell = Cell::new(probe(1, &drops));
    let option = crate::OptionCell::new(Some(probe(2, &drops)));
    Epoch::pinned(|pin| {
        let (first, second) = (cell.get(pin), option.get(pin).expect("full"));
        cell.store(probe(3, &drops));
        option.store(None);
        assert!(option.get(pin).is_none());
        // Inside the pin a collect can only hand the garbage on: nothing pinned is freed.
        Epoch::collect();
        assert_eq!((first.value, second.value), (1, 2));
        assert_eq!(cell.get(pin).value, 3);
        assert_eq!(dropped(&drops), 0);
    });
    // Unpinned: this thread's own garbage is waited for.
    Epoch::collect();
    assert_eq!(dropped(&drops), 2);
}

#[test]
fn garbage_of_threads_that_exited_is_freed_by_a_collect_elsewhere() {
    let drops = Arc::new(AtomicUsize::new(0));
    // Threads in two waves: the second may take the origins the first gave back, counts and
    // all. Each retires values and exits without collecting; `join` returns once its
    // thread-local destructors, which hand its bag on, have run.
    for _wave in 0..2 {
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let drops = drops.clone();
                std::thread::spawn(move || {
                    let cell = Cell::new(probe(t, &drops));
                    for i in 0..10 {
                        cell.store(probe(i, &drops));
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
    }
    Epoch::collect();
    assert_eq!(dropped(&drops), 2 * 4 * 11);
}

#[test]
fn every_drop_counts_as_progress_orphans_included() {
    // A chain: dropping the head retires the next node inside its deferred drop (an orphan),
    // and so on. `collect()` reads a rise in the freed counts as progress; if an orphan's
    // count were taken from them, a round that frees one node and orphans the next would
    // look idle, and `collect()` would back off once per node.
    struct Link(Option<Shared<Epoch, Link>>);
    // SAFETY: `Epoch` never traces; the field is visited anyway.
    unsafe impl Trace for Link {
        fn trace<V: Visitor>(&self, visitor: &mut V) {
            self.0.trace(visitor);
        }
    }
    let origin = super::counts::own();
    let (freed, retired) = (origin.freed(Ordering::SeqCst), origin.retired());
    let mut head = None;
    for _ in 0..3 {
        head = Some(Shared::<Epoch, _>::new(Link(head)));
    }
    drop(head);
    Epoch::collect();
    // One retirement, two orphans, three drops, all counted for this thread's origin. At least:
    // a deferred drop of another test's exited thread, run here, counts its orphans here too.
    // Were an orphan taken from the freed counts, they would have grown by 1.
    assert!(origin.retired() - retired >= 3);
    assert!(origin.freed(Ordering::SeqCst) - freed >= 3);
}
