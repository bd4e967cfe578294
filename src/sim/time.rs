//! Simulated time: integer nanoseconds, never the wall clock.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Nanoseconds in one millisecond.
pub const NANOS_PER_MS: u64 = 1_000_000;
/// Nanoseconds in one second.
pub const NANOS_PER_S: u64 = 1_000_000_000;

/// A point in true simulated time, in nanoseconds since the run started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A span of simulated time in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// Later than any event a run can hold.
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// Nanoseconds since the start of the run.
    pub fn as_nanos(self) -> u64 {
        self.0
    }

    /// Seconds since the start of the run, for display and plots only.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_S as f64
    }

    /// Time elapsed since `earlier`, or zero when `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);
    /// Longer than any run may be; used for "never".
    pub const MAX: SimDuration = SimDuration(u64::MAX);

    /// A duration of `ns` nanoseconds.
    pub const fn from_nanos(ns: u64) -> Self {
        SimDuration(ns)
    }
    /// A duration of `us` microseconds.
    pub const fn from_micros(us: u64) -> Self {
        SimDuration(us * 1_000)
    }
    /// A duration of `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms * NANOS_PER_MS)
    }
    /// A duration of `s` seconds.
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s * NANOS_PER_S)
    }
    /// The nearest whole-nanosecond duration to `secs` seconds; negative and NaN give zero.
    pub fn from_secs_f64(secs: f64) -> Self {
        SimDuration(f64_to_nanos(secs * NANOS_PER_S as f64))
    }
    /// The nearest whole-nanosecond duration to `ns` nanoseconds; negative and NaN give zero.
    pub fn from_nanos_f64(ns: f64) -> Self {
        SimDuration(f64_to_nanos(ns))
    }
    /// Length in nanoseconds.
    pub fn as_nanos(self) -> u64 {
        self.0
    }
    /// Length in milliseconds, for display only.
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_MS as f64
    }
    /// Length in seconds, for display only.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_S as f64
    }
    /// This duration scaled by `factor` (e.g. a slow node's multiplier).
    pub fn mul_f64(self, factor: f64) -> Self {
        SimDuration::from_nanos_f64(self.0 as f64 * factor)
    }
}

/// Rounds to the nearest nanosecond (halves away from zero, as
/// [`f64::round`]), clamping to `0..=u64::MAX`.
#[inline]
fn f64_to_nanos(ns: f64) -> u64 {
    if ns.is_nan() || ns <= 0.0 {
        0
    } else if ns >= u64::MAX as f64 {
        u64::MAX
    } else if ns < WHOLE_FROM {
        // `f64::round` is a library call on baseline x86-64; this is the
        // same result from a truncation. Below 2^53 the whole part converts
        // back exactly, so the fraction is exact. Signed conversions are
        // single instructions, and adding the comparison's outcome avoids a
        // branch that a random fraction would mispredict half the time.
        let whole = ns as i64;
        let up = ns - whole as f64 >= 0.5;
        (whole + i64::from(up)) as u64
    } else {
        // From 2^53 on every double is whole.
        ns as u64
    }
}

/// 2^53: from here on every double is a whole number.
const WHOLE_FROM: f64 = 9_007_199_254_740_992.0;

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    fn sub(self, earlier: SimTime) -> SimDuration {
        self.saturating_since(earlier)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, o: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(o.0))
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3} s", self.as_secs_f64())
    }
}

impl fmt::Display for SimDuration {
    /// Human units: `850ns`, `12.5µs`, `3.2ms`, `1.5s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0;
        if ns < 1_000 {
            write!(f, "{ns}ns")
        } else if ns < NANOS_PER_MS {
            write!(f, "{}µs", trim(ns as f64 / 1e3))
        } else if ns < NANOS_PER_S {
            write!(f, "{}ms", trim(ns as f64 / 1e6))
        } else {
            write!(f, "{}s", trim(ns as f64 / 1e9))
        }
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates_instead_of_wrapping() {
        assert_eq!(SimTime::MAX + SimDuration::from_secs(1), SimTime::MAX);
        assert_eq!(SimTime(5) - SimTime(9), SimDuration::ZERO);
    }

    #[test]
    fn display_uses_human_units() {
        assert_eq!(SimDuration::from_millis(50).to_string(), "50ms");
        assert_eq!(SimDuration::from_micros(1500).to_string(), "1.5ms");
        assert_eq!(SimDuration::from_secs(90).to_string(), "90s");
        assert_eq!(SimDuration(999).to_string(), "999ns");
    }

    #[test]
    fn float_conversion_clamps() {
        assert_eq!(SimDuration::from_secs_f64(-1.0), SimDuration::ZERO);
        assert_eq!(SimDuration::from_secs_f64(f64::NAN), SimDuration::ZERO);
        assert_eq!(
            SimDuration::from_secs_f64(0.25),
            SimDuration::from_millis(250)
        );
    }

    /// The truncation-based rounding gives `f64::round`'s answer: halves,
    /// the values just below and above them, the 2^52..2^53 range where
    /// halves stop being representable, whole numbers past 2^53, and a
    /// spread of random magnitudes.
    #[test]
    fn rounding_matches_f64_round() {
        let reference = |x: f64| {
            if x.is_nan() || x <= 0.0 {
                0
            } else if x >= u64::MAX as f64 {
                u64::MAX
            } else {
                x.round() as u64
            }
        };
        let mut cases = vec![
            0.49999999999999994,
            0.5,
            1.5,
            2.5,
            4_503_599_627_370_495.5,
            4_503_599_627_370_497.0,
            9_007_199_254_740_993.0,
            (u64::MAX as f64).next_down(),
            f64::MIN_POSITIVE,
            f64::INFINITY,
        ];
        for x in [0.5, 1.5, 1e6 + 0.5, 2f64.powi(52) - 0.5] {
            cases.extend([x, x.next_down(), x.next_up()]);
        }
        let mut state = 0x853c_49e6_748f_ea9b_u64;
        for _ in 0..100_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let mantissa = (state >> 11) as f64 / (1u64 << 53) as f64;
            cases.push(mantissa * 2f64.powi((state % 70) as i32));
        }
        for x in cases {
            assert_eq!(f64_to_nanos(x), reference(x), "{x:e}");
        }
    }
}
