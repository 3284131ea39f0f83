//! Runs every example at a small size, for every strategy it supports, and checks its verdict:
//! each example compares the ledger's leak count with what the strategy should leak (refcounting
//! leaks exactly the objects on cycles, the collectors nothing after `collect()`, `Leak`
//! everything) and returns whether every comparison held. Nothing here depends on timing.

// Each example declares `mod common;`, so the shared helpers are compiled once per example here.
#![allow(clippy::duplicate_mod)]

#[allow(dead_code)]
#[path = "../examples/common/mod.rs"]
mod common;

#[test]
fn a_bad_size_is_an_error_naming_the_range() {
    let parse = |args: &[&str]| common::parse(args.iter().map(|a| a.to_string()), 10, 100);
    assert_eq!(parse(&[]), Ok(common::Command::Run(None, 10)));
    let run = common::Command::Run(Some("gc".into()), 7);
    assert_eq!(parse(&["--strategy", "gc", "7"]), Ok(run));
    for bad in ["0", "101", "-3", "ten", "1e3"] {
        let error = parse(&[bad]).unwrap_err();
        assert!(
            error.contains("1..=100") && !error.contains('\n'),
            "{error}"
        );
    }
    assert!(parse(&["--strategy"]).is_err());
}

macro_rules! examples {
    ($($name:ident = $path:literal, $size:expr;)*) => {
        $(
            #[allow(dead_code)]
            #[path = $path]
            mod $name;

            #[test]
            fn $name() {
                assert_eq!($name::example(None, $size), Ok(true), "a verdict was false; see the output above");
            }
        )*

        #[test]
        fn a_bad_strategy_name_lists_the_valid_ones() {
            $(
                let error = $name::example(Some("stamp-it"), 1).unwrap_err().to_string();
                assert!(error.contains("the strategies are: arc, rw-lock-arc, epoch, hyaline, hazard, gc, sync-gc, rc, unsync-gc, leak"), "{error}");
            )*
        }
    };
}

examples! {
    quickstart = "../examples/quickstart.rs", 50;
    parent_child = "../examples/parent_child.rs", 64;
    doubly_linked = "../examples/doubly_linked.rs", 100;
    chat_rooms = "../examples/chat_rooms.rs", 40;
    observer = "../examples/observer.rs", 20;
    task_cycle = "../examples/task_cycle.rs", 20;
    stranded_garbage = "../examples/stranded_garbage.rs", 100;
}
