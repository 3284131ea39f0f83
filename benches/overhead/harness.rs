//! How a pair is run: batches of the raw and the wrapped operation, calibrated, interleaved and
//! summarized as quartiles of their ratio.

use std::time::{Duration, Instant};

/// Repetitions of each pair.
pub const REPS: usize = 31;
/// The raw batch's calibrated duration.
pub const BATCH: Duration = Duration::from_millis(2);

/// The wrapper ÷ raw target of BLUEPRINT §7.
pub const WRAPPER: f64 = 1.05;

/// Runs an operation `n` times.
pub type Batch = Box<dyn FnMut(u64)>;

pub struct Pair {
    pub name: String,
    target: Option<f64>,
    raw: Batch,
    wrapped: Batch,
}

/// The pair `op/strategy`, held to `target` (none: informational).
pub fn pair(op: &str, strategy: &str, target: Option<f64>, raw: Batch, wrapped: Batch) -> Pair {
    Pair {
        name: format!("{op}/{strategy}"),
        target,
        raw,
        wrapped,
    }
}

/// A batch that evaluates `$body` once per iteration (`$i`, from 0) and passes the result to
/// `black_box`; the variables it names are moved in.
macro_rules! batch {
    (|$i:pat_param| $body:expr) => {
        Box::new(move |n: u64| {
            for $i in 0..n {
                std::hint::black_box($body);
            }
        }) as $crate::harness::Batch
    };
}

pub(crate) use batch;

/// Runs `op(n)` on this thread and on a second one at once.
pub fn on_two_threads(op: impl Fn(u64) + Send + Sync + 'static) -> Batch {
    Box::new(move |n| {
        std::thread::scope(|s| {
            s.spawn(|| op(n));
            op(n);
        })
    })
}

/// What one pair measured.
pub struct Outcome {
    pub name: String,
    pub target: Option<f64>,
    pub raw_ns: f64,
    pub wrapped_ns: f64,
    pub ratio: [f64; 3],
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

pub fn measure(mut pair: Pair) -> Outcome {
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
