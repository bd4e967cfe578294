//! Latency histograms (HDR), recorded in nanoseconds, read in milliseconds.

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::sim::time::SimDuration;

/// Largest latency tracked exactly: 2^46 ns ≈ 19.5 hours. Longer values are
/// recorded as this value (a run lasts at most 24 h and requests that long are
/// already a failure story).
pub const HIGHEST_TRACKABLE_NS: u64 = 1 << 46;

/// Significant decimal digits kept: 3 means any value is stored within 0.1%.
pub const SIGNIFICANT_DIGITS: u8 = 3;

/// A latency histogram with 0.1% relative precision from 1 ns to ~19.5 h.
#[derive(Clone)]
pub struct LatencyHistogram {
    inner: Histogram<u64>,
    sum_ns: u128,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        LatencyHistogram {
            inner: Histogram::new_with_bounds(1, HIGHEST_TRACKABLE_NS, SIGNIFICANT_DIGITS)
                .expect("constant histogram bounds are valid"),
            sum_ns: 0,
        }
    }
}

/// The percentiles every report shows, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct LatencySummary {
    /// Exact arithmetic mean (not from buckets).
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Largest value (within 0.1%).
    pub max: f64,
}

impl LatencyHistogram {
    /// Records one latency.
    pub fn record(&mut self, d: SimDuration) {
        let ns = d.as_nanos().clamp(1, HIGHEST_TRACKABLE_NS);
        self.inner.saturating_record(ns);
        self.sum_ns += u128::from(d.as_nanos());
    }

    /// Number of values recorded.
    pub fn count(&self) -> u64 {
        self.inner.len()
    }

    /// Exact mean in milliseconds (0 when empty).
    pub fn mean_ms(&self) -> f64 {
        let n = self.count();
        if n == 0 {
            0.0
        } else {
            self.sum_ns as f64 / n as f64 / 1e6
        }
    }

    /// The value at percentile `p` (0–100) in milliseconds (0 when empty).
    /// Like HDR histograms everywhere, this is the highest value equivalent
    /// (within 0.1%) to the smallest recorded value with at least p% at or below it.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.count() == 0 {
            0.0
        } else {
            self.inner.value_at_quantile(p / 100.0) as f64 / 1e6
        }
    }

    /// Fraction of values strictly above `threshold` (0 when empty).
    pub fn fraction_above(&self, threshold: SimDuration) -> f64 {
        let n = self.count();
        if n == 0 {
            return 0.0;
        }
        let at_or_below = self
            .inner
            .count_between(0, threshold.as_nanos().min(HIGHEST_TRACKABLE_NS));
        (n - at_or_below.min(n)) as f64 / n as f64
    }

    /// Mean and the standard percentiles.
    pub fn summary(&self) -> LatencySummary {
        LatencySummary {
            mean: self.mean_ms(),
            p50: self.percentile_ms(50.0),
            p90: self.percentile_ms(90.0),
            p99: self.percentile_ms(99.0),
            p999: self.percentile_ms(99.9),
            max: if self.count() == 0 {
                0.0
            } else {
                self.inner.max() as f64 / 1e6
            },
        }
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        // Same bounds on both sides, so adding cannot fail.
        let _ = self.inner.add(&other.inner);
        self.sum_ns += other.sum_ns;
    }

    /// Empties the histogram, keeping its memory.
    pub fn clear(&mut self) {
        // Resetting zeroes the whole count array (~300 KB); an empty histogram
        // (nothing recorded since the last reset) is already all zeroes.
        if self.count() != 0 {
            self.inner.reset();
        }
        self.sum_ns = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_one_to_thousand_ms() {
        let mut h = LatencyHistogram::default();
        for ms in 1..=1000 {
            h.record(SimDuration::from_millis(ms));
        }
        let s = h.summary();
        assert!((s.mean - 500.5).abs() < 1e-9);
        assert!((s.p50 - 500.0).abs() <= 0.5, "{s:?}");
        assert!((s.p99 - 990.0).abs() <= 1.0, "{s:?}");
        assert!((s.max - 1000.0).abs() <= 1.0, "{s:?}");
        assert!((h.fraction_above(SimDuration::from_millis(900)) - 0.1).abs() < 0.002);
    }

    #[test]
    fn empty_histogram_reads_zero() {
        let h = LatencyHistogram::default();
        assert_eq!(h.summary(), LatencySummary::default());
        assert_eq!(h.fraction_above(SimDuration::from_millis(1)), 0.0);
    }
}
