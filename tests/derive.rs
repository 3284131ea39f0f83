//! `#[derive(Trace)]` on user types generic over the strategy: one type, every strategy.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc as StdArc;

use reclaimer::strategy::{for_each, Visit};
use reclaimer::{Cell, Shareable, Shared, Strategy, ThreadSafe, Trace, Weak};

/// Counts drops of the values it is attached to.
struct Counter(StdArc<AtomicUsize>);

impl Drop for Counter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A user's type: handles in plain fields, in std containers, in cells, behind weak edges.
#[derive(Trace)]
struct Account<S: Strategy> {
    id: u32,
    name: String,
    owner: Option<Shared<S, Account<S>>>,
    friends: Vec<Shared<S, Account<S>>>,
    by_name: HashMap<String, Shared<S, Account<S>>>,
    history: VecDeque<(u64, Shared<S, Account<S>>)>,
    ranked: BTreeMap<u32, Weak<S, Account<S>>>,
    status: Cell<S, Status<S>>,
    #[trace(skip)]
    counter: Counter,
}

/// An enum with every kind of variant.
#[derive(Trace)]
enum Status<S: Strategy> {
    Offline,
    Away(String),
    Busy { with: Shared<S, Account<S>> },
}

/// A tuple struct with an explicit bound instead of the generated one.
#[derive(Trace)]
#[trace(bound = "T: Trace")]
struct Wrapper<T>(T, #[trace(skip)] std::marker::PhantomData<fn() -> T>);

/// An empty enum and a unit struct compile too.
#[derive(Trace)]
enum Never {}
#[derive(Trace)]
struct Unit;

fn account<S: Strategy>(id: u32, drops: &StdArc<AtomicUsize>) -> Shared<S, Account<S>>
where
    Account<S>: Shareable<S>,
    Status<S>: Shareable<S>,
{
    Shared::new(Account {
        id,
        name: format!("user{id}"),
        owner: None,
        friends: Vec::new(),
        by_name: HashMap::new(),
        history: VecDeque::new(),
        ranked: BTreeMap::new(),
        status: Cell::from_value(Status::Offline),
        counter: Counter(drops.clone()),
    })
}

/// Builds accounts that reference each other through every field kind, including cycles
/// through cells; returns the number of accounts dropped after releasing them and collecting.
fn exercise<S: Strategy>() -> usize
where
    Account<S>: Shareable<S>,
    Status<S>: Shareable<S>,
    Wrapper<u8>: Shareable<S>,
{
    let drops = StdArc::new(AtomicUsize::new(0));
    let alice = account::<S>(1, &drops);
    let bob = account::<S>(2, &drops);
    let carol = Shared::new(Account {
        owner: Some(alice.clone()),
        friends: vec![alice.clone(), bob.clone()],
        by_name: HashMap::from([("bob".to_string(), bob.clone())]),
        history: VecDeque::from([(1, alice.clone())]),
        ranked: BTreeMap::from([(1, Shared::downgrade(&bob))]),
        id: 3,
        name: "carol".into(),
        status: Cell::from_value(Status::Offline),
        counter: Counter(drops.clone()),
    });
    // Cycles: alice and bob are busy with carol, who holds both.
    alice.status.store(Shared::new(Status::Busy {
        with: carol.clone(),
    }));
    bob.status.store(Shared::new(Status::Away("lunch".into())));
    bob.status.store(Shared::new(Status::Busy {
        with: carol.clone(),
    }));
    assert_eq!(carol.friends.len(), 2);
    assert_eq!(carol.by_name["bob"].id, 2);
    assert!(matches!(
        alice.status.read(|s| match s {
            Status::Busy { with } => with.id,
            _ => 0,
        }),
        3
    ));
    let wrapped = Shared::<S, _>::new(Wrapper(7u8, std::marker::PhantomData));
    assert_eq!(wrapped.0, 7);
    drop((alice, bob, carol, wrapped));
    S::collect();
    drops.load(Ordering::SeqCst)
}

/// Runs the user type on one strategy and checks what it freed against the strategy's kind.
struct Exercise;

impl Visit for Exercise {
    type Output = ();
    fn thread_safe<S: ThreadSafe>(&mut self) {
        expect::<S>(exercise::<S>());
    }
    fn local<S: reclaimer::Local>(&mut self) {
        expect::<S>(exercise::<S>());
    }
}

/// All three accounts sit on cycles through cells: collectors free them, refcounting and `Leak`
/// do not.
fn expect<S: Strategy>(freed: usize) {
    let expected = if S::RECLAIMS_CYCLES { 3 } else { 0 };
    assert_eq!(
        freed,
        expected,
        "{} freed {freed} of the 3 accounts",
        S::NAME
    );
}

#[test]
fn one_user_type_runs_on_every_strategy() {
    assert_eq!(
        for_each(&mut Exercise).len(),
        reclaimer::strategy::names().len()
    );
    let _ = std::mem::size_of::<Never>();
    let _ = Unit;
}
