//! The circuit breaker: closed, open, half-open.
//!
//! Closed: calls pass; outcomes are counted in a sliding window of ten buckets.
//! When the window holds at least `min_calls` outcomes and the failure fraction
//! reaches `failure_rate`, it opens. Open: calls are refused at once, without
//! touching the network, for `open_for`. Then half-open: up to `probes` calls
//! pass as probes; if all succeed it closes (with an empty window), and any
//! failure opens it again. All times are the caller's local clock.

use crate::sim::clock::LocalTime;
use crate::sim::config::BreakerConfig;
use crate::sim::time::SimDuration;

const BUCKETS: usize = 10;

/// The breaker's state, for display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls pass.
    Closed,
    /// Calls are refused until the local time given.
    Open { until: LocalTime },
    /// Probes are being let through.
    HalfOpen { in_flight: u32, successes: u32 },
}

/// Whether a call may go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Send it normally.
    Allowed,
    /// Send it as a half-open probe (report its outcome with `probe = true`).
    Probe,
    /// Refuse it: the circuit is open.
    Refused,
}

/// A circuit breaker for one caller → callee edge.
#[derive(Clone, Debug)]
pub struct Breaker {
    config: BreakerConfig,
    state: BreakerState,
    bucket_len: SimDuration,
    /// (successes, failures) per bucket.
    buckets: [(u32, u32); BUCKETS],
    /// Index of the bucket that holds `bucket_start`.
    current: usize,
    bucket_start: LocalTime,
}

impl Breaker {
    /// A closed breaker.
    pub fn new(config: BreakerConfig) -> Self {
        let bucket_len = SimDuration((config.window.as_nanos() / BUCKETS as u64).max(1));
        Breaker {
            config,
            state: BreakerState::Closed,
            bucket_len,
            buckets: [(0, 0); BUCKETS],
            current: 0,
            bucket_start: LocalTime(i64::MIN),
        }
    }

    /// The current state.
    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// Asks whether a call may go now.
    pub fn admit(&mut self, now: LocalTime) -> Admission {
        if let BreakerState::Open { until } = self.state {
            if now < until {
                return Admission::Refused;
            }
            self.state = BreakerState::HalfOpen {
                in_flight: 0,
                successes: 0,
            };
        }
        match &mut self.state {
            BreakerState::Closed => Admission::Allowed,
            BreakerState::HalfOpen {
                in_flight,
                successes,
            } => {
                if *in_flight + *successes < self.config.probes {
                    *in_flight += 1;
                    Admission::Probe
                } else {
                    Admission::Refused
                }
            }
            BreakerState::Open { .. } => Admission::Refused,
        }
    }

    /// Reports an outcome of a call that was admitted.
    pub fn record(&mut self, now: LocalTime, success: bool, probe: bool) {
        match &mut self.state {
            BreakerState::HalfOpen {
                in_flight,
                successes,
            } if probe => {
                *in_flight = in_flight.saturating_sub(1);
                if !success {
                    self.trip(now);
                } else {
                    *successes += 1;
                    if *successes >= self.config.probes {
                        self.state = BreakerState::Closed;
                        self.buckets = [(0, 0); BUCKETS];
                    }
                }
            }
            BreakerState::Closed => {
                self.rotate(now);
                let b = &mut self.buckets[self.current];
                if success {
                    b.0 += 1;
                } else {
                    b.1 += 1;
                }
                let (ok, failed) = self.buckets.iter().fold((0u64, 0u64), |(o, f), b| {
                    (o + u64::from(b.0), f + u64::from(b.1))
                });
                let calls = ok + failed;
                if calls >= u64::from(self.config.min_calls)
                    && calls > 0
                    && failed as f64 >= self.config.failure_rate * calls as f64
                {
                    self.trip(now);
                }
            }
            // Late outcomes of calls admitted before the state changed are ignored.
            _ => {}
        }
    }

    fn trip(&mut self, now: LocalTime) {
        self.state = BreakerState::Open {
            until: now.plus(self.config.open_for),
        };
        self.buckets = [(0, 0); BUCKETS];
    }

    /// Moves the bucket ring forward to `now`, emptying buckets that fell out of the window.
    fn rotate(&mut self, now: LocalTime) {
        if self.bucket_start.0 == i64::MIN {
            self.bucket_start = now;
            return;
        }
        let steps = now.since(self.bucket_start).as_nanos() / self.bucket_len.as_nanos();
        if steps == 0 {
            return;
        }
        for i in 1..=steps.min(BUCKETS as u64) {
            self.buckets[(self.current + i as usize) % BUCKETS] = (0, 0);
        }
        self.current = (self.current + (steps % BUCKETS as u64) as usize) % BUCKETS;
        self.bucket_start = self
            .bucket_start
            .plus(SimDuration(steps * self.bucket_len.as_nanos()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> BreakerConfig {
        BreakerConfig {
            failure_rate: 0.5,
            window: SimDuration::from_secs(10),
            min_calls: 4,
            open_for: SimDuration::from_secs(5),
            probes: 2,
        }
    }

    fn ms(x: i64) -> LocalTime {
        LocalTime(x * 1_000_000)
    }

    #[test]
    fn opens_at_the_failure_rate_then_probes_and_closes() {
        let mut b = Breaker::new(config());
        for (i, ok) in [true, false, true].into_iter().enumerate() {
            assert_eq!(b.admit(ms(i as i64)), Admission::Allowed);
            b.record(ms(i as i64), ok, false);
        }
        assert_eq!(b.state(), BreakerState::Closed, "3 calls < min_calls");
        b.record(ms(3), false, false);
        assert_eq!(b.state(), BreakerState::Open { until: ms(5_003) });
        assert_eq!(b.admit(ms(5_002)), Admission::Refused);
        assert_eq!(b.admit(ms(5_003)), Admission::Probe);
        assert_eq!(b.admit(ms(5_003)), Admission::Probe);
        assert_eq!(
            b.admit(ms(5_003)),
            Admission::Refused,
            "only two probes at once"
        );
        b.record(ms(5_010), true, true);
        b.record(ms(5_011), true, true);
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn a_failed_probe_reopens() {
        let mut b = Breaker::new(config());
        for i in 0..4 {
            b.record(ms(i), false, false);
        }
        assert_eq!(b.admit(ms(6_000)), Admission::Probe);
        b.record(ms(6_001), false, true);
        assert_eq!(b.state(), BreakerState::Open { until: ms(11_001) });
    }

    #[test]
    fn old_failures_leave_the_window() {
        let mut b = Breaker::new(config());
        for i in 0..3 {
            b.record(ms(i), false, false);
        }
        // 20 s later the three failures have left the 10 s window.
        b.record(ms(20_000), false, false);
        assert_eq!(b.state(), BreakerState::Closed);
    }
}
