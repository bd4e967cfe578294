//! Delay distributions: latency on a link, work time in a service, think time.
//!
//! Parameters are validated before they reach here (see `scenario`), so
//! sampling never fails; every sample is a whole, non-negative number of
//! nanoseconds.

use rand::RngExt;
use rand_distr::{Distribution, Exp1, StandardNormal};

use super::rng::SimRng;
use super::time::SimDuration;

/// z such that P(Z ≤ z) = 0.99 for a standard normal Z.
pub const Z_99: f64 = 2.326_347_874_040_840_8;

/// How often a truncated normal redraws a negative sample before giving zero.
const NORMAL_REDRAWS: u32 = 64;

/// A distribution of durations. All parameters are in nanoseconds.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Always the same value.
    Constant { ns: f64 },
    /// Uniform between `lo` and `hi`.
    Uniform { lo_ns: f64, hi_ns: f64 },
    /// Normal, truncated at zero (negative draws are redrawn).
    Normal { mean_ns: f64, sd_ns: f64 },
    /// Exponential with the given mean.
    Exponential { mean_ns: f64 },
    /// Log-normal: `exp(mu + sigma·Z)` nanoseconds.
    LogNormal { mu: f64, sigma: f64 },
    /// Pareto (type I): `scale · U^(-1/shape)`, heavy-tailed.
    Pareto { scale_ns: f64, shape: f64 },
    /// With probability `weight_i` (weights sum to 1), a draw from `dist_i`.
    Mixture(Vec<(f64, Dist)>),
}

impl Dist {
    /// A constant duration.
    pub fn constant(d: SimDuration) -> Self {
        Dist::Constant {
            ns: d.as_nanos() as f64,
        }
    }

    /// An exponential distribution with mean `mean`.
    pub fn exponential(mean: SimDuration) -> Self {
        Dist::Exponential {
            mean_ns: mean.as_nanos() as f64,
        }
    }

    /// A log-normal distribution given its median and 99th percentile.
    /// Requires `p99 >= median > 0`.
    pub fn log_normal_from_median_p99(median: SimDuration, p99: SimDuration) -> Self {
        let median = median.as_nanos().max(1) as f64;
        let p99 = (p99.as_nanos() as f64).max(median);
        Dist::LogNormal {
            mu: median.ln(),
            sigma: (p99 / median).ln() / Z_99,
        }
    }

    /// Draws one duration.
    pub fn sample(&self, rng: &mut SimRng) -> SimDuration {
        SimDuration::from_nanos_f64(self.sample_ns(rng))
    }

    fn sample_ns(&self, rng: &mut SimRng) -> f64 {
        match self {
            Dist::Constant { ns } => *ns,
            Dist::Uniform { lo_ns, hi_ns } => lo_ns + (hi_ns - lo_ns) * rng.random::<f64>(),
            Dist::Normal { mean_ns, sd_ns } => {
                for _ in 0..NORMAL_REDRAWS {
                    let z: f64 = StandardNormal.sample(rng);
                    let x = mean_ns + sd_ns * z;
                    if x >= 0.0 {
                        return x;
                    }
                }
                0.0
            }
            Dist::Exponential { mean_ns } => {
                let e: f64 = Exp1.sample(rng);
                mean_ns * e
            }
            Dist::LogNormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
            Dist::Pareto { scale_ns, shape } => {
                // 1 - U lies in (0, 1], so the power is finite.
                let u = 1.0 - rng.random::<f64>();
                scale_ns * u.powf(-1.0 / shape)
            }
            Dist::Mixture(parts) => {
                let mut u = rng.random::<f64>();
                for (weight, dist) in parts {
                    if u < *weight {
                        return dist.sample_ns(rng);
                    }
                    u -= weight;
                }
                parts.last().map_or(0.0, |(_, d)| d.sample_ns(rng))
            }
        }
    }

    /// The distribution's mean in nanoseconds (infinite for Pareto with shape ≤ 1).
    /// The truncated normal's mean is given for the untruncated normal.
    pub fn mean_ns(&self) -> f64 {
        match self {
            Dist::Constant { ns } => *ns,
            Dist::Uniform { lo_ns, hi_ns } => (lo_ns + hi_ns) / 2.0,
            Dist::Normal { mean_ns, .. } => *mean_ns,
            Dist::Exponential { mean_ns } => *mean_ns,
            Dist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Pareto { scale_ns, shape } => {
                if *shape <= 1.0 {
                    f64::INFINITY
                } else {
                    shape * scale_ns / (shape - 1.0)
                }
            }
            Dist::Mixture(parts) => parts.iter().map(|(w, d)| w * d.mean_ns()).sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::stream;

    fn sample_mean(d: &Dist, n: usize) -> f64 {
        let mut rng = stream(1, "dist-test");
        (0..n)
            .map(|_| d.sample(&mut rng).as_nanos() as f64)
            .sum::<f64>()
            / n as f64
    }

    /// Sample means of 200k draws lie within 5 standard errors of the true mean
    /// (a false alarm has probability below 1e-6 per check).
    #[test]
    fn sample_means_match_theory() {
        let n = 200_000;
        let cases = [
            (Dist::Exponential { mean_ns: 1e6 }, 1e6),
            (
                Dist::Uniform {
                    lo_ns: 1e6,
                    hi_ns: 3e6,
                },
                0.57735e6,
            ),
            (
                Dist::LogNormal {
                    mu: 13.0,
                    sigma: 0.5,
                },
                0.0,
            ),
            (
                Dist::Pareto {
                    scale_ns: 1e6,
                    shape: 3.0,
                },
                0.0,
            ),
        ];
        for (d, sd_hint) in cases {
            let mean = d.mean_ns();
            let got = sample_mean(&d, n);
            // Standard deviation: known closed forms where given, else the sample's own.
            let sd = if sd_hint > 0.0 { sd_hint } else { mean };
            let se = sd / (n as f64).sqrt();
            assert!((got - mean).abs() < 5.0 * se, "{d:?}: mean {got} vs {mean}");
        }
    }

    #[test]
    fn log_normal_from_median_and_p99_hits_both() {
        let d = Dist::log_normal_from_median_p99(
            SimDuration::from_millis(1),
            SimDuration::from_millis(5),
        );
        let mut rng = stream(3, "ln");
        let mut xs: Vec<u64> = (0..100_000)
            .map(|_| d.sample(&mut rng).as_nanos())
            .collect();
        xs.sort_unstable();
        let median = xs[50_000] as f64 / 1e6;
        let p99 = xs[99_000] as f64 / 1e6;
        assert!((median - 1.0).abs() < 0.02, "median {median} ms");
        assert!((p99 - 5.0).abs() < 0.25, "p99 {p99} ms");
    }

    #[test]
    fn truncated_normal_is_never_negative() {
        let d = Dist::Normal {
            mean_ns: 0.0,
            sd_ns: 1e6,
        };
        let mut rng = stream(2, "n");
        assert!((0..10_000).all(|_| d.sample(&mut rng) >= SimDuration::ZERO));
    }

    #[test]
    fn mixture_draws_each_part_by_weight() {
        let d = Dist::Mixture(vec![
            (0.99, Dist::Constant { ns: 1e6 }),
            (0.01, Dist::Constant { ns: 1e9 }),
        ]);
        let mut rng = stream(4, "mix");
        let n = 100_000;
        let slow = (0..n)
            .filter(|_| d.sample(&mut rng).as_nanos() == 1_000_000_000)
            .count();
        // Binomial(100000, 0.01): mean 1000, sd 31.5; 5 sd bounds.
        assert!((842..=1158).contains(&slow), "slow draws {slow}");
    }
}
