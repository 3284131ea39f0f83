//! What the criterion benches (`handles`, `cells`, `reclaim`) share: their configuration and
//! their `main`.

use std::time::Duration;

use criterion::Criterion;

/// The stack of the thread the benches run on: dropping and collecting the `reclaim` bench's
/// chains and rings recurses once per node in several backends (see `docs/limitations.md`).
/// Only the pages touched are committed.
const STACK: usize = 512 << 20;

/// Criterion with a shorter warm-up and measurement than its defaults (3 s and 5 s), so that a
/// run of a file takes minutes: each file has tens of benches. `--quick` stops a bench once two
/// timings agree within 5 %, or at the measurement time, whichever comes first.
///
/// 10 000 bootstrap resamples rather than criterion's 100 000: the HTML report draws a density
/// estimate of each bootstrap distribution, and at 100 000 those plots took most of a `--quick`
/// run (about 5 s per bench on two cores, against about 1 s now).
///
/// `--warm-up-time`, `--measurement-time` and `--nresamples` on the command line override
/// these.
fn criterion() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1))
        .nresamples(10_000)
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
