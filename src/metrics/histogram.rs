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

/// Values a [`WindowLatencies`] keeps in a plain list before it moves them
/// into a histogram.
const WINDOW_LIST_LIMIT: usize = 2048;

/// The latencies of one metrics window. It reads exactly as a
/// [`LatencyHistogram`] holding the same values would.
///
/// Most windows see a few hundred values. Sorting those when the window closes
/// costs far less than a histogram's reads and reset, which each walk its
/// ~300 KB count array (once per node per window). A window busier than
/// `WINDOW_LIST_LIMIT` moves its values into the histogram, so memory stays
/// bounded.
#[derive(Clone, Default)]
pub struct WindowLatencies {
    /// Values (clamped as the histogram clamps them) while the window is quiet.
    list: Vec<u64>,
    /// Every value once the list has overflowed; empty until then.
    hist: LatencyHistogram,
    /// Sum of every value (the histogram's own sum stays unused).
    sum_ns: u128,
}

impl WindowLatencies {
    /// Records one latency.
    pub fn record(&mut self, d: SimDuration) {
        self.sum_ns += u128::from(d.as_nanos());
        let ns = d.as_nanos().clamp(1, HIGHEST_TRACKABLE_NS);
        if self.hist.count() == 0 && self.list.len() < WINDOW_LIST_LIMIT {
            self.list.push(ns);
            return;
        }
        // Too busy for a list: the rest of the window goes to the histogram.
        for v in self.list.drain(..) {
            self.hist.inner.saturating_record(v);
        }
        self.hist.inner.saturating_record(ns);
    }

    /// Number of values recorded.
    pub fn count(&self) -> u64 {
        self.list.len() as u64 + self.hist.count()
    }

    /// The value at percentile `p` (0–100) in milliseconds (0 when empty),
    /// exactly as [`LatencyHistogram::percentile_ms`] reads it.
    pub fn percentile_ms(&mut self, p: f64) -> f64 {
        if self.list.is_empty() {
            return self.hist.percentile_ms(p);
        }
        // What `Histogram::value_at_quantile` computes from its counts: the
        // value of rank ⌈q·n⌉ (at least 1), read as the highest value its
        // bucket holds (the lowest when q is 0).
        let (quantile, rank) = self.rank(p);
        // Only the rank-th value is needed: selecting it is linear, a sort is not.
        let value = *self.list.select_nth_unstable(rank - 1).1;
        self.read(quantile, value)
    }

    /// The quantile `p`% clamped to at most 1, and its 1-based rank in the list.
    fn rank(&self, p: f64) -> (f64, usize) {
        let quantile = p / 100.0;
        let quantile = if quantile > 1.0 { 1.0 } else { quantile };
        let rank = ((quantile * self.list.len() as f64).ceil() as u64).max(1);
        (quantile, rank as usize)
    }

    /// A listed value as the histogram would read it at `quantile`.
    fn read(&self, quantile: f64, value: u64) -> f64 {
        let h = &self.hist.inner;
        let ns = if quantile == 0.0 {
            h.lowest_equivalent(value)
        } else {
            h.highest_equivalent(value)
        };
        ns as f64 / 1e6
    }

    /// The values at percentiles `ps` (ascending) in milliseconds, from the
    /// list. Each selection leaves every larger rank to its right, so the
    /// next one searches only that part.
    fn listed_percentiles<const N: usize>(&mut self, ps: [f64; N]) -> [f64; N] {
        let mut done = 0;
        ps.map(|p| {
            let (quantile, rank) = self.rank(p);
            let index = (rank - 1).max(done);
            let value = *self.list[done..].select_nth_unstable(index - done).1;
            done = index;
            self.read(quantile, value)
        })
    }

    /// Mean and the standard percentiles, as [`LatencyHistogram::summary`].
    pub fn summary(&mut self) -> LatencySummary {
        if self.list.is_empty() {
            let mut s = self.hist.summary();
            s.mean = self.mean_ms();
            return s;
        }
        // The largest value (100%) is read as its bucket's highest: `Histogram::max`.
        let [p50, p90, p99, p999, max] = self.listed_percentiles([50.0, 90.0, 99.0, 99.9, 100.0]);
        LatencySummary {
            mean: self.mean_ms(),
            p50,
            p90,
            p99,
            p999,
            max,
        }
    }

    fn mean_ms(&self) -> f64 {
        let n = self.count();
        if n == 0 {
            0.0
        } else {
            self.sum_ns as f64 / n as f64 / 1e6
        }
    }

    /// Empties the window, keeping its memory.
    pub fn clear(&mut self) {
        self.list.clear();
        self.hist.clear();
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

    /// A window reads exactly as a histogram of the same values, whether it
    /// still keeps them in its list or has moved them into its histogram.
    #[test]
    fn a_window_reads_as_a_histogram() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let percentiles = [
            0.0,
            0.1,
            50.0,
            90.0,
            99.0,
            99.9,
            100.0,
            150.0,
            -5.0,
            f64::NAN,
        ];
        let mut window = WindowLatencies::default();
        for n in [
            0,
            1,
            2,
            3,
            10,
            999,
            WINDOW_LIST_LIMIT,
            WINDOW_LIST_LIMIT + 1,
            3 * WINDOW_LIST_LIMIT,
        ] {
            for spread in [10, 30, 50] {
                let mut hist = LatencyHistogram::default();
                window.clear();
                for _ in 0..n {
                    // Mostly ms-scale, some tiny or huge (clamped), many repeats.
                    let ns = match next() % 8 {
                        0 => 0,
                        1 => 1 << 50,
                        2 => 1_000_000,
                        _ => next() % (1 << spread),
                    };
                    hist.record(SimDuration(ns));
                    window.record(SimDuration(ns));
                }
                assert_eq!(window.count(), hist.count());
                // The summary straight after recording, and after reads in any order.
                assert_eq!(
                    window.clone().summary(),
                    hist.summary(),
                    "n {n} spread {spread}"
                );
                for p in percentiles {
                    let (w, h) = (window.percentile_ms(p), hist.percentile_ms(p));
                    assert_eq!(w.to_bits(), h.to_bits(), "n {n} spread {spread} p {p}");
                }
                assert_eq!(window.summary(), hist.summary(), "n {n} spread {spread}");
            }
        }
    }

    #[test]
    fn empty_histogram_reads_zero() {
        let h = LatencyHistogram::default();
        assert_eq!(h.summary(), LatencySummary::default());
        assert_eq!(h.fraction_above(SimDuration::from_millis(1)), 0.0);
    }
}
