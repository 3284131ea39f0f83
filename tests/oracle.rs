//! Differential tests: random operation sequences on cells give the same observations under
//! every strategy as under the `RwLockArc` oracle, and every value drops exactly once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc as StdArc;

use proptest::prelude::*;
use reclaimer::strategy::{for_each, Visit};
use reclaimer::{Cell, Shareable, Shared, ThreadSafe, Trace};

/// A value with a drop counter shared by one run.
#[derive(Trace)]
struct Item {
    value: u64,
    #[trace(skip)]
    drops: StdArc<AtomicUsize>,
}

impl Drop for Item {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

#[derive(Clone, Debug)]
enum Op {
    Store(usize, u64),
    Swap(usize, u64),
    Rcu(usize, u64),
    Load(usize),
    Read(usize),
    Release(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3usize, any::<u64>()).prop_map(|(c, v)| Op::Store(c, v)),
        (0..3usize, any::<u64>()).prop_map(|(c, v)| Op::Swap(c, v)),
        (0..3usize, 1..100u64).prop_map(|(c, d)| Op::Rcu(c, d)),
        (0..3usize).prop_map(Op::Load),
        (0..3usize).prop_map(Op::Read),
        (0..8usize).prop_map(Op::Release),
    ]
}

/// Runs `ops` on three cells; returns what was observed, values created and values dropped.
fn run<S: reclaimer::Strategy>(ops: &[Op]) -> (Vec<u64>, usize, usize)
where
    Item: Shareable<S>,
{
    let drops = StdArc::new(AtomicUsize::new(0));
    let created = std::cell::Cell::new(0);
    let item = |value: u64| {
        created.set(created.get() + 1);
        Shared::<S, _>::new(Item {
            value,
            drops: drops.clone(),
        })
    };
    let cells: Vec<Cell<S, Item>> = (0..3).map(|i| Cell::new(item(i))).collect();
    let mut held: Vec<Shared<S, Item>> = Vec::new();
    let mut seen = Vec::new();
    for op in ops {
        match *op {
            Op::Store(c, v) => cells[c].store(item(v)),
            Op::Swap(c, v) => {
                let old = cells[c].swap(item(v));
                seen.push(old.value);
                held.push(old);
            }
            Op::Rcu(c, d) => {
                let mut next = None;
                let old = cells[c].rcu(|cur| {
                    let new = item_value(cur.value, d);
                    next = Some(new);
                    item(new)
                });
                seen.push(old.value);
                seen.push(next.expect("rcu ran its closure"));
            }
            Op::Load(c) => {
                let p = cells[c].load();
                seen.push(p.value);
                held.push(p);
            }
            Op::Read(c) => seen.push(cells[c].read(|v| v.value)),
            Op::Release(i) => {
                if i < held.len() {
                    seen.push(held.swap_remove(i).value);
                }
            }
        }
    }
    drop(held);
    drop(cells);
    S::collect();
    (seen, created.get(), drops.load(Ordering::SeqCst))
}

fn item_value(current: u64, delta: u64) -> u64 {
    current.wrapping_add(delta)
}

fn check<S: reclaimer::Strategy>(ops: &[Op]) -> Result<(), TestCaseError>
where
    Item: Shareable<S>,
{
    let (expected, created, dropped) = run::<reclaimer::RwLockArc>(ops);
    prop_assert_eq!(created, dropped, "the oracle dropped every value once");
    let (seen, created, dropped) = run::<S>(ops);
    prop_assert_eq!(&seen, &expected, "{} disagrees with the oracle", S::NAME);
    let expected_drops = if S::FREES_MEMORY { created } else { 0 };
    prop_assert_eq!(dropped, expected_drops, "{} dropped values", S::NAME);
    Ok(())
}

/// Checks one operation sequence on every strategy of the library's list.
struct Check<'a>(&'a [Op]);

impl Visit for Check<'_> {
    type Output = Result<(), TestCaseError>;
    fn thread_safe<S: ThreadSafe>(&mut self) -> Self::Output {
        check::<S>(self.0)
    }
    fn local<S: reclaimer::Local>(&mut self) -> Self::Output {
        check::<S>(self.0)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_strategy_agrees_with_the_oracle(ops in prop::collection::vec(op(), 0..64)) {
        for outcome in for_each(&mut Check(&ops)) {
            outcome?;
        }
    }
}
