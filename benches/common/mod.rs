//! What the criterion benches (`handles`, `cells`, `reclaim`) share: their configuration and
//! their `main`.

use std::time::Duration;

use criterion::Criterion;

/// The stack of the thread the benches run on: dropping and collecting the `reclaim` bench's
/// chains and rings recurses once per node in several backends (see `docs/limitations.md`).
/// Only the pages touched are committed.
const STACK: usize = 512 << 20;

/// Criterion with a shorter warm-up and measurement than its defaults (3 s and 5 s), so that a
/// full run of a file takes minutes; `--quick`, `--warm-up-time` and `--measurement-time` on
/// the command line override it.
fn criterion() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args()
}

/// Runs `groups` on one thread with a large stack, then prints criterion's summary: what
/// `criterion_main!` does, on a thread of our own. Every group runs on that one thread, so the
/// thread-local `Gc` heap and the `Epoch` thread state are the same throughout.
pub fn main(groups: fn(&mut Criterion)) {
    std::thread::Builder::new()
        .name("bench".into())
        .stack_size(STACK)
        .spawn(move || {
            let mut c = criterion();
            groups(&mut c);
            c.final_summary();
        })
        .expect("the bench thread starts")
        .join()
        .expect("the benches ran");
}
