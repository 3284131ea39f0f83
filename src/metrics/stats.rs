//! Plain statistics: HDR histograms with exact min, max and mean alongside, summarised as
//! [`Percentiles`] and CDF points. Every distribution a report gives is built here.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// The quantiles every CDF gives: every 5 %, then the tail.
const CDF_QUANTILES: &[f64] = &[
    0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8,
    0.85, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999, 1.0,
];

/// An empty histogram of `u64` values with 3 significant figures, resizing as values grow.
pub(crate) fn histogram() -> Histogram<u64> {
    Histogram::new(3).expect("3 significant figures are valid")
}

/// Records `value`, growing the histogram as needed. (hdrhistogram's `saturating_record` never
/// grows a histogram: every value past its current range, 2047 for a new one, would be clamped.)
pub(crate) fn record(histogram: &mut Histogram<u64>, value: u64) {
    if histogram.record(value).is_err() {
        // Only a value no histogram can hold (past 2^63) gets here.
        histogram.saturating_record(value);
    }
}

/// The usual summary of a distribution. `min`, `max` and `mean` are exact; the percentiles
/// come from an HDR histogram with 3 significant figures (within 0.1 %), never above `max`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Percentiles {
    /// Values recorded.
    pub count: u64,
    /// Smallest value (0 when empty).
    pub min: u64,
    /// Mean value (0 when empty).
    pub mean: f64,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Largest value.
    pub max: u64,
}

impl Percentiles {
    /// The summary of `values`.
    ///
    /// ```
    /// use reclaimer::metrics::Percentiles;
    ///
    /// let p = Percentiles::from_values((1..=1000).collect::<Vec<u64>>());
    /// assert_eq!((p.count, p.min, p.max), (1000, 1, 1000));
    /// assert_eq!((p.p50, p.p99), (500, 990));
    /// ```
    pub fn from_values(values: impl IntoIterator<Item = u64>) -> Self {
        let mut summary = Summary::default();
        values.into_iter().for_each(|v| summary.record(v));
        summary.percentiles()
    }
}

/// One point of a cumulative distribution: `quantile` of the values are at most `value`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CdfPoint {
    /// The fraction of values, 0 to 1.
    pub quantile: f64,
    /// The value at that fraction.
    pub value: u64,
}

/// A histogram with exact min, max and sum alongside.
#[derive(Clone, Debug)]
pub(crate) struct Summary {
    histogram: Histogram<u64>,
    min: u64,
    max: u64,
    sum: u128,
}

impl Default for Summary {
    fn default() -> Self {
        Summary {
            histogram: histogram(),
            min: u64::MAX,
            max: 0,
            sum: 0,
        }
    }
}

impl Summary {
    pub(crate) fn record(&mut self, value: u64) {
        record(&mut self.histogram, value);
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        self.sum += u128::from(value);
    }

    /// The summary of a histogram recorded elsewhere; its min, max and mean are the
    /// histogram's, so within its precision.
    pub(crate) fn from_histogram(histogram: &Histogram<u64>) -> Self {
        if histogram.is_empty() {
            return Summary::default();
        }
        Summary {
            histogram: histogram.clone(),
            min: histogram.min(),
            max: histogram.max(),
            sum: (histogram.mean() * histogram.len() as f64) as u128,
        }
    }

    fn quantile(&self, q: f64) -> u64 {
        self.histogram.value_at_quantile(q).min(self.max)
    }

    pub(crate) fn percentiles(&self) -> Percentiles {
        let count = self.histogram.len();
        if count == 0 {
            return Percentiles::default();
        }
        Percentiles {
            count,
            min: self.min,
            mean: self.sum as f64 / count as f64,
            p50: self.quantile(0.5),
            p90: self.quantile(0.9),
            p99: self.quantile(0.99),
            p999: self.quantile(0.999),
            max: self.max,
        }
    }

    pub(crate) fn cdf(&self) -> Vec<CdfPoint> {
        if self.histogram.is_empty() {
            return Vec::new();
        }
        CDF_QUANTILES
            .iter()
            .map(|&quantile| CdfPoint {
                quantile,
                value: if quantile == 0.0 {
                    self.min
                } else {
                    self.quantile(quantile)
                },
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: percentiles were clamped to a new histogram's range (2047), so a latency of
    /// 130 µs read as 2 ns.
    #[test]
    fn large_values_are_not_clamped_to_a_new_histograms_range() {
        let p = Percentiles::from_values([1, 77_287, 130_000, 256_196]);
        assert_eq!((p.min, p.max), (1, 256_196));
        // Within the histogram's 3 significant figures.
        assert!((77_200..=77_400).contains(&p.p50), "p50 {}", p.p50);
        assert!((256_000..=256_196).contains(&p.p99), "p99 {}", p.p99);
    }

    #[test]
    fn timed_operations_keep_their_size() {
        let mut h = histogram();
        record(&mut h, 5_000_000);
        assert!(h.value_at_quantile(0.5) >= 4_990_000);
    }
}
