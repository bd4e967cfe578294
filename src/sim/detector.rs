//! Failure detectors: fixed-timeout heartbeats and phi accrual. A detector
//! is fed heartbeat arrival times (local clock) and says whether it
//! suspects the sender now. Pure: the monitor node (`node::monitor`) drives it.

use std::collections::VecDeque;

use super::clock::LocalTime;
use super::store_config::DetectorConfig;

/// One detector watching one node.
#[derive(Clone, Debug)]
pub struct Detector {
    config: DetectorConfig,
    last: Option<LocalTime>,
    /// Recent inter-arrival times, in nanoseconds (phi accrual).
    intervals: VecDeque<f64>,
}

impl Detector {
    /// A detector that has heard nothing yet (and suspects nothing).
    pub fn new(config: DetectorConfig) -> Self {
        Detector {
            config,
            last: None,
            intervals: VecDeque::new(),
        }
    }

    /// The rule it uses.
    pub fn config(&self) -> &DetectorConfig {
        &self.config
    }

    /// A heartbeat arrived at local time `at`.
    pub fn heartbeat(&mut self, at: LocalTime) {
        if let (Some(last), DetectorConfig::PhiAccrual { window, .. }) = (self.last, self.config) {
            self.intervals
                .push_back(at.0.saturating_sub(last.0).max(0) as f64);
            while self.intervals.len() > window.max(1) as usize {
                self.intervals.pop_front();
            }
        }
        self.last = Some(self.last.map_or(at, |l| l.max(at)));
    }

    /// The last heartbeat's arrival.
    pub fn last(&self) -> Option<LocalTime> {
        self.last
    }

    /// φ at local time `now`: −log10 of the probability, under a normal fit
    /// of the recent inter-arrival times, that the next heartbeat comes even
    /// later than now. 0 before two heartbeats.
    pub fn phi(&self, now: LocalTime) -> f64 {
        let (Some(last), DetectorConfig::PhiAccrual { min_std, .. }) = (self.last, self.config)
        else {
            return 0.0;
        };
        if self.intervals.is_empty() {
            return 0.0;
        }
        let n = self.intervals.len() as f64;
        let mean = self.intervals.iter().sum::<f64>() / n;
        let var = self
            .intervals
            .iter()
            .map(|x| (x - mean).powi(2))
            .sum::<f64>()
            / n;
        let std = var.sqrt().max(min_std.as_nanos() as f64).max(1.0);
        let elapsed = now.0.saturating_sub(last.0) as f64;
        phi_normal(elapsed, mean, std)
    }

    /// Whether it suspects the node at local time `now`.
    pub fn suspects(&self, now: LocalTime) -> bool {
        let Some(last) = self.last else {
            return false;
        };
        match self.config {
            DetectorConfig::FixedTimeout { timeout } => now.since(last) > timeout,
            DetectorConfig::PhiAccrual { threshold, .. } => self.phi(now) > threshold,
        }
    }
}

/// φ = −log10 P(X > elapsed) for X ~ Normal(mean, std).
pub fn phi_normal(elapsed: f64, mean: f64, std: f64) -> f64 {
    let later = 0.5 * libm::erfc((elapsed - mean) / (std * std::f64::consts::SQRT_2));
    if later <= 0.0 {
        f64::INFINITY
    } else {
        -later.log10()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::time::SimDuration;

    #[test]
    fn fixed_timeout_suspects_only_after_the_silence() {
        let mut d = Detector::new(DetectorConfig::FixedTimeout {
            timeout: SimDuration::from_millis(100),
        });
        assert!(!d.suspects(LocalTime(1_000_000_000)), "nothing heard yet");
        d.heartbeat(LocalTime(0));
        assert!(!d.suspects(LocalTime(100_000_000)));
        assert!(d.suspects(LocalTime(100_000_001)));
    }

    #[test]
    fn phi_is_the_normal_tail_in_decibans() {
        // At the mean, P(later) = 1/2; one std above, 0.158655; three, 0.0013499.
        assert!((phi_normal(10.0, 10.0, 2.0) - 0.5f64.log10().abs()).abs() < 1e-12);
        assert!((phi_normal(12.0, 10.0, 2.0) + 0.158_655_253_9_f64.log10()).abs() < 1e-6);
        assert!((phi_normal(16.0, 10.0, 2.0) + 0.001_349_898_0_f64.log10()).abs() < 1e-6);
    }

    #[test]
    fn phi_accrual_fits_the_intervals() {
        let ms = 1_000_000;
        let mut d = Detector::new(DetectorConfig::PhiAccrual {
            threshold: 3.0,
            window: 100,
            min_std: SimDuration::from_millis(10),
        });
        for k in 0..10 {
            d.heartbeat(LocalTime(k * 100 * ms));
        }
        // Mean 100 ms, std floored at 10 ms: φ at +130 ms after the last is
        // −log10 P(Z > 3) = 2.87, at +140 ms −log10 P(Z > 4) = 4.50.
        let last = 900 * ms;
        assert!((d.phi(LocalTime(last + 130 * ms)) - 2.8697).abs() < 1e-3);
        assert!(!d.suspects(LocalTime(last + 130 * ms)));
        assert!(d.suspects(LocalTime(last + 140 * ms)));
    }
}
