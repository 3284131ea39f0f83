//! The sweep's time estimate: each series' two smallest points timed once on `Arc`, and a power
//! law through them for the larger points.

use std::time::Instant;

use reclaimer_graph::workloads::Spec;
use reclaimer_graph::{run_named, Options, Runtime, StrategyName};

/// The size of a point, for the estimate: the objects its workload creates grow with it.
pub(super) fn size(spec: &Spec) -> f64 {
    match spec {
        Spec::Chat(c) => f64::from(c.sessions) * f64::from(c.messages_per_session.max(1)),
        Spec::Actors(a) => f64::from(a.actors) * f64::from(a.messages_per_actor.max(1)),
        _ => 1.0,
    }
}

/// Seconds one row of `spec` takes, estimated from one tracked and untracked run of the
/// smallest point of its workload on `Arc`, scaled by size.
fn calibrate(spec: &Spec, budget_s: u64) -> Option<f64> {
    let options = Options {
        budget: std::time::Duration::from_secs(budget_s),
        ..Options::default()
    };
    let started = Instant::now();
    run_named(
        StrategyName::of::<reclaimer::Arc>(),
        Runtime::Local,
        spec,
        &options,
    )
    .ok()?;
    Some(started.elapsed().as_secs_f64())
}

/// How one series' time grows with its points' size: the smallest point's seconds and size,
/// and the exponent of a power law through the two smallest sizes (1 with a single size).
/// Scaling by size alone put the default sweep at 72 s, when its two largest heap points took
/// 4 to 5 minutes per strategy: large heaps cost more per object.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Growth {
    seconds: f64,
    size: f64,
    exponent: f64,
}

impl Growth {
    /// Times the two smallest distinct sizes among `specs`.
    pub(super) fn calibrate<'a>(
        specs: impl Iterator<Item = &'a Spec>,
        budget_s: u64,
    ) -> Option<Growth> {
        let mut by_size: Vec<&Spec> = specs.collect();
        by_size.sort_by(|a, b| size(a).total_cmp(&size(b)));
        by_size.dedup_by(|a, b| size(a) == size(b));
        let first = *by_size.first()?;
        let seconds = calibrate(first, budget_s)?;
        let exponent = by_size
            .get(1)
            .and_then(|&second| Some((second, calibrate(second, budget_s)?)))
            .map_or(1.0, |(second, t)| {
                Growth::exponent(size(first), seconds, size(second), t)
            });
        Some(Growth {
            seconds,
            size: size(first),
            exponent,
        })
    }

    /// The power law's exponent through two timed sizes, held between 1 (no point costs less
    /// per object than the smallest) and 2.5 (a noisy calibration does not run away).
    fn exponent(s0: f64, t0: f64, s1: f64, t1: f64) -> f64 {
        let k = (t1 / t0).ln() / (s1 / s0).ln();
        if k.is_finite() {
            k.clamp(1.0, 2.5)
        } else {
            1.0
        }
    }

    /// Seconds one row takes at `size`.
    pub(super) fn at(&self, size: f64) -> f64 {
        self.seconds * (size / self.size).powf(self.exponent)
    }
}

pub(super) fn seconds(s: f64) -> String {
    if s < 90.0 {
        format!("{s:.0} s")
    } else {
        format!("{:.0} min {:.0} s", (s / 60.0).floor(), s % 60.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Growth;

    #[test]
    fn the_estimate_follows_a_power_law_through_the_two_calibrations() {
        // Three times the size, nine times the time: quadratic.
        let k = Growth::exponent(1000.0, 2.0, 3000.0, 18.0);
        assert!((k - 2.0).abs() < 1e-9, "{k}");
        let g = Growth {
            seconds: 2.0,
            size: 1000.0,
            exponent: k,
        };
        assert!((g.at(10_000.0) - 200.0).abs() < 1e-6);
    }

    #[test]
    fn the_exponent_stays_between_linear_and_two_and_a_half() {
        assert_eq!(Growth::exponent(1000.0, 2.0, 3000.0, 1.0), 1.0);
        assert_eq!(Growth::exponent(1000.0, 1.0, 3000.0, 1000.0), 2.5);
        assert_eq!(Growth::exponent(1000.0, 0.0, 3000.0, 1.0), 1.0);
    }
}
