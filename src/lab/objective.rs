//! Objectives as data: a metric, a comparison, a target and a time range.
//!
//! These are the lab file's own types (they deserialize straight from
//! `lab.ron`) and the ones the evaluator, the command line and the window use.
//! The metric vocabulary is small on purpose: each one is a figure the run
//! already reports (see [`crate::metrics::RunSummary`]), named the way a
//! learner reads it on the plots.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::scenario::{limits, parse_duration};
use crate::sim::time::SimDuration;

/// One objective: "`metric` `op` `target` `during`".
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Objective {
    /// Short name shown in the checklist and used as the grader's CSV column.
    pub name: String,
    /// What is measured.
    pub metric: Metric,
    /// How the measured value must compare with `target`.
    pub op: Comparison,
    /// The threshold, in the metric's unit (availability as a fraction, latency in ms).
    pub target: f64,
    /// Over which part of the run.
    pub during: During,
}

/// What an objective measures. Latencies are in milliseconds, availability
/// and ratios are fractions (0.99, not 99), counts are whole numbers.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub enum Metric {
    /// Succeeded ÷ finished end-to-end requests.
    Availability,
    /// Median end-to-end latency of successful requests, ms.
    LatencyP50Ms,
    /// 90th percentile of it, ms.
    LatencyP90Ms,
    /// 99th percentile of it, ms.
    LatencyP99Ms,
    /// 99.9th percentile of it, ms.
    LatencyP999Ms,
    /// The slowest successful request, ms.
    LatencyMaxMs,
    /// End-to-end requests that failed.
    FailedRequests,
    /// End-to-end requests that failed because the client's timeout fired.
    Timeouts,
    /// Repeated executions of a non-idempotent operation (double charges).
    Duplicates,
    /// Client attempts per end-to-end request.
    Amplification,
    /// Successes answered by a fallback (whole run only).
    Degraded,
    /// Successes a cache answered with an expired entry (whole run only).
    Stale,
    /// What is left of the SLO's error budget: 1 is untouched, below 0 overspent (whole run only).
    BudgetRemaining,
    /// Mean fraction of a node's workers busy (held workers count as busy).
    ServiceUtilization(String),
    /// Time-average queue length of a node.
    ServiceQueue(String),
    /// Longest queue of a node.
    ServiceMaxQueue(String),
    /// Requests a node refused (queue full, rate limited) or shed.
    ServiceRejected(String),
    /// Requests a node answered with an error.
    ServiceErrors(String),
    /// 99th percentile of the time requests spend in a node, ms.
    ServiceP99Ms(String),
    /// Attempts per logical call on a node's outgoing calls (whole run only).
    CallAmplification(String),
    /// Retries a node sent on its outgoing calls (whole run only).
    CallRetries(String),
    /// A cache's hits ÷ (hits + misses) (whole run only).
    CacheHitRatio(String),
    /// Requests the named version of a service answered (whole run only;
    /// see `sim::deploy`): `VersionRequests("api", "v2")`.
    VersionRequests(String, String),
    /// Store reads that returned an already overwritten value (at the end of the run).
    StaleReads,
    /// Acknowledged store writes the history proves lost (at the end of the run).
    LostWrites,
    /// Store keys whose history is not linearizable (whole run only).
    NonLinearizableKeys,
    /// Store operations that succeeded ÷ store operations (whole run only).
    StoreAvailability,
    /// One client's succeeded ÷ finished requests (whole run only).
    ClientAvailability(String),
    /// Failure-detector suspicions of a node that was up (at the end of the run).
    FalseSuspicions,
    /// Crashes of watched nodes that a monitor detected (at the end of the run).
    Detections,
    /// Crashes of watched nodes a monitor never suspected before the restart (whole run only).
    MissedDetections,
    /// Mean time from a crash to its detection, ms (whole run only).
    MeanTimeToDetectMs,
    /// Longest time from a crash to its detection, ms (whole run only).
    MaxTimeToDetectMs,
    /// Raft leaders elected (at the end of the run).
    LeaderElections,
}

/// How a value compares with the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub enum Comparison {
    /// `value ≥ target`.
    AtLeast,
    /// `value ≤ target`.
    AtMost,
}

/// The part of the run an objective looks at. Times are simulated time from
/// the start of the run; see [`crate::lab::measure`] for which windows count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub enum During {
    /// The whole run.
    Whole,
    /// From the first time to the second.
    Between(
        #[serde(deserialize_with = "duration", serialize_with = "duration_text")] SimDuration,
        #[serde(deserialize_with = "duration", serialize_with = "duration_text")] SimDuration,
    ),
    /// From this time to the end of the run.
    After(#[serde(deserialize_with = "duration", serialize_with = "duration_text")] SimDuration),
    /// From the start of the run to this time.
    Before(#[serde(deserialize_with = "duration", serialize_with = "duration_text")] SimDuration),
}

/// How a metric's values are written for people.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A fraction shown as a percentage.
    Percent,
    /// Milliseconds.
    Millis,
    /// A whole count.
    Count,
    /// A plain ratio or mean (amplification, queue length).
    Ratio,
}

impl Metric {
    /// The node a per-node metric is about.
    pub fn node(&self) -> Option<&str> {
        match self {
            Metric::ServiceUtilization(n)
            | Metric::ServiceQueue(n)
            | Metric::ServiceMaxQueue(n)
            | Metric::ServiceRejected(n)
            | Metric::ServiceErrors(n)
            | Metric::ServiceP99Ms(n)
            | Metric::CallAmplification(n)
            | Metric::CallRetries(n)
            | Metric::CacheHitRatio(n)
            | Metric::VersionRequests(n, _)
            | Metric::ClientAvailability(n) => Some(n),
            _ => None,
        }
    }

    /// Whether the per-window series lacks this figure, so that it can only
    /// be measured over the whole run.
    pub fn whole_run_only(&self) -> bool {
        matches!(
            self,
            Metric::Degraded
                | Metric::Stale
                | Metric::BudgetRemaining
                | Metric::CallAmplification(_)
                | Metric::CallRetries(_)
                | Metric::CacheHitRatio(_)
                | Metric::VersionRequests(..)
                | Metric::NonLinearizableKeys
                | Metric::StoreAvailability
                | Metric::ClientAvailability(_)
                | Metric::MissedDetections
                | Metric::MeanTimeToDetectMs
                | Metric::MaxTimeToDetectMs
        )
    }

    /// Whether the figure is known only once the run is summarised (the
    /// checker needs the whole history; the detector and election records
    /// are kept by the run), so that a live run cannot show it yet. Ranges
    /// of the per-window ones are measured then too.
    pub fn measured_at_end(&self) -> bool {
        self.whole_run_only()
            || matches!(
                self,
                Metric::StaleReads
                    | Metric::LostWrites
                    | Metric::FalseSuspicions
                    | Metric::Detections
                    | Metric::LeaderElections
            )
    }

    /// Whether a range's value is the largest per-window percentile (an upper
    /// bound of the range's true percentile) rather than an exact figure.
    pub fn is_windowed_percentile(&self) -> bool {
        matches!(
            self,
            Metric::LatencyP50Ms
                | Metric::LatencyP90Ms
                | Metric::LatencyP99Ms
                | Metric::LatencyP999Ms
                | Metric::ServiceP99Ms(_)
        )
    }

    /// Whether the value is a count that only grows as the run goes on.
    pub fn is_count(&self) -> bool {
        self.unit() == Unit::Count
    }

    /// The unit of its values.
    pub fn unit(&self) -> Unit {
        match self {
            Metric::Availability
            | Metric::ServiceUtilization(_)
            | Metric::CacheHitRatio(_)
            | Metric::BudgetRemaining
            | Metric::StoreAvailability
            | Metric::ClientAvailability(_) => Unit::Percent,
            Metric::LatencyP50Ms
            | Metric::LatencyP90Ms
            | Metric::LatencyP99Ms
            | Metric::LatencyP999Ms
            | Metric::LatencyMaxMs
            | Metric::ServiceP99Ms(_)
            | Metric::MeanTimeToDetectMs
            | Metric::MaxTimeToDetectMs => Unit::Millis,
            Metric::FailedRequests
            | Metric::Timeouts
            | Metric::Duplicates
            | Metric::Degraded
            | Metric::Stale
            | Metric::ServiceMaxQueue(_)
            | Metric::ServiceRejected(_)
            | Metric::ServiceErrors(_)
            | Metric::CallRetries(_)
            | Metric::VersionRequests(..)
            | Metric::StaleReads
            | Metric::LostWrites
            | Metric::NonLinearizableKeys
            | Metric::FalseSuspicions
            | Metric::Detections
            | Metric::MissedDetections
            | Metric::LeaderElections => Unit::Count,
            Metric::Amplification | Metric::ServiceQueue(_) | Metric::CallAmplification(_) => {
                Unit::Ratio
            }
        }
    }

    /// The value as a person reads it: `99.12%`, `183.4 ms`, `12`, `1.23`.
    pub fn format_value(&self, value: f64) -> String {
        match self.unit() {
            Unit::Percent => format!("{}%", trim(value * 100.0, 3)),
            Unit::Millis => format!("{} ms", trim(value, 1)),
            Unit::Count => format!("{value:.0}"),
            Unit::Ratio => trim(value, 3),
        }
    }
}

impl fmt::Display for Metric {
    /// Lowercase words: `availability`, `p99 latency`, `utilization of "db"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Metric::Availability => write!(f, "availability"),
            Metric::LatencyP50Ms => write!(f, "p50 latency"),
            Metric::LatencyP90Ms => write!(f, "p90 latency"),
            Metric::LatencyP99Ms => write!(f, "p99 latency"),
            Metric::LatencyP999Ms => write!(f, "p99.9 latency"),
            Metric::LatencyMaxMs => write!(f, "max latency"),
            Metric::FailedRequests => write!(f, "failed requests"),
            Metric::Timeouts => write!(f, "timed-out requests"),
            Metric::Duplicates => write!(f, "duplicate executions"),
            Metric::Amplification => write!(f, "attempts per request"),
            Metric::Degraded => write!(f, "degraded answers"),
            Metric::Stale => write!(f, "stale answers"),
            Metric::BudgetRemaining => write!(f, "error budget left"),
            Metric::ServiceUtilization(n) => write!(f, "utilization of {n:?}"),
            Metric::ServiceQueue(n) => write!(f, "mean queue of {n:?}"),
            Metric::ServiceMaxQueue(n) => write!(f, "longest queue of {n:?}"),
            Metric::ServiceRejected(n) => write!(f, "requests {n:?} refused"),
            Metric::ServiceErrors(n) => write!(f, "errors of {n:?}"),
            Metric::ServiceP99Ms(n) => write!(f, "p99 time in {n:?}"),
            Metric::CallAmplification(n) => write!(f, "attempts per call from {n:?}"),
            Metric::CallRetries(n) => write!(f, "retries from {n:?}"),
            Metric::CacheHitRatio(n) => write!(f, "hit ratio of {n:?}"),
            Metric::VersionRequests(n, v) => write!(f, "requests version {v:?} of {n:?} served"),
            Metric::StaleReads => write!(f, "stale reads"),
            Metric::LostWrites => write!(f, "lost acknowledged writes"),
            Metric::NonLinearizableKeys => write!(f, "non-linearizable keys"),
            Metric::StoreAvailability => write!(f, "store availability"),
            Metric::ClientAvailability(n) => write!(f, "availability for {n:?}"),
            Metric::FalseSuspicions => write!(f, "false suspicions"),
            Metric::Detections => write!(f, "crashes detected"),
            Metric::MissedDetections => write!(f, "crashes missed"),
            Metric::MeanTimeToDetectMs => write!(f, "mean time to detect"),
            Metric::MaxTimeToDetectMs => write!(f, "longest time to detect"),
            Metric::LeaderElections => write!(f, "leader elections"),
        }
    }
}

impl Comparison {
    /// Whether `value` meets `target`.
    pub fn holds(self, value: f64, target: f64) -> bool {
        match self {
            Comparison::AtLeast => value >= target,
            Comparison::AtMost => value <= target,
        }
    }

    /// `≥` or `≤`.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::AtLeast => "≥",
            Comparison::AtMost => "≤",
        }
    }
}

impl During {
    /// `(from, to)` in seconds; `to` is `None` when the range runs to the end.
    pub fn bounds_s(self) -> (f64, Option<f64>) {
        match self {
            During::Whole => (0.0, None),
            During::Between(a, b) => (a.as_secs_f64(), Some(b.as_secs_f64())),
            During::After(t) => (t.as_secs_f64(), None),
            During::Before(t) => (0.0, Some(t.as_secs_f64())),
        }
    }
}

impl fmt::Display for During {
    /// `over the whole run`, `from 30s to 50s`, `after 55s`, `before 30s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            During::Whole => write!(f, "over the whole run"),
            During::Between(a, b) => write!(f, "from {a} to {b}"),
            During::After(t) => write!(f, "after {t}"),
            During::Before(t) => write!(f, "before {t}"),
        }
    }
}

impl Objective {
    /// The requirement in words: `p99 latency ≤ 200 ms over the whole run`.
    pub fn requirement(&self) -> String {
        format!(
            "{} {} {} {}",
            self.metric,
            self.op.symbol(),
            self.metric.format_value(self.target),
            self.during
        )
    }
}

/// `x` with at most `decimals` decimals, trailing zeros dropped.
fn trim(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Writes a duration in human units (`"30s"`).
pub(super) fn duration_text<S: serde::Serializer>(
    d: &SimDuration,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

/// A duration in human units (`"30s"`), at most the longest run.
fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<SimDuration, D::Error> {
    let s = String::deserialize(d)?;
    let t = parse_duration(&s).map_err(serde::de::Error::custom)?;
    if t > limits::MAX_DURATION {
        return Err(serde::de::Error::custom(format!(
            "{s:?} is longer than the longest run ({})",
            limits::MAX_DURATION
        )));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_values_in_their_units() {
        assert_eq!(Metric::Availability.format_value(0.99), "99%");
        assert_eq!(Metric::Availability.format_value(0.123456), "12.346%");
        assert_eq!(Metric::LatencyP99Ms.format_value(183.44), "183.4 ms");
        assert_eq!(Metric::Duplicates.format_value(12.0), "12");
        assert_eq!(Metric::Amplification.format_value(1.5), "1.5");
    }

    #[test]
    fn says_the_requirement_in_words() {
        let o = Objective {
            name: "fast".into(),
            metric: Metric::LatencyP99Ms,
            op: Comparison::AtMost,
            target: 200.0,
            during: During::Between(SimDuration::from_secs(20), SimDuration::from_secs(60)),
        };
        assert_eq!(o.requirement(), "p99 latency ≤ 200 ms from 20s to 60s");
    }
}
