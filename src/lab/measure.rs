//! Measuring objectives on a run, shared by the window and the command line.
//!
//! # Which windows a range covers
//!
//! A run's metrics are kept per window (`window:` in the scenario, 1 s by
//! default). A range covers exactly the windows that lie wholly inside it:
//! a window `[start, end)` counts for `Between(a, b)` when `a ≤ start` and
//! `end ≤ b`; for `After(t)` when `t ≤ start`; for `Before(t)` when `end ≤ t`.
//! A window straddling a bound is left out, so write bounds on window edges
//! (the lab loader checks that every range holds at least one window).
//! `Whole` uses the run's totals, which are exact.
//!
//! # How a value is made from those windows
//!
//! - **Availability**: Σ ok ÷ Σ finished over the windows (requests count in
//!   the window they *finished* in). When nothing finished but requests were
//!   offered, it is 0 — a system that answers no one is not available; when
//!   nothing was even offered, 1.
//! - **Counts** (failed, timeouts, duplicates, refused, errors): sums.
//! - **Amplification**: Σ attempts ÷ Σ offered.
//! - **Utilization, mean queue**: the mean over the windows weighted by their
//!   length; **longest queue**: the largest.
//! - **Latency percentiles over a range** are *not* exact: only each window's
//!   own percentiles are kept, and percentiles do not add up. The value is the
//!   largest per-window percentile among windows with at least one success.
//!   It is an upper bound of the range's true percentile (if at most 1% of
//!   each window's values lie above x, at most 1% of their union does), so an
//!   `AtMost` objective that passes on it truly holds; with few requests per
//!   window it can be pessimistic. Over the whole run the percentiles come
//!   from the run's HDR histogram and are exact. A `LatencyMaxMs` is exact
//!   either way.
//! - A latency with no successful request to measure has no value: the
//!   objective fails ("nothing succeeded") rather than pass on an empty set.
//! - Some figures exist only for the whole run (see
//!   [`Metric::whole_run_only`]); the lab loader refuses them with a range.
//! - Replicated-state, detection and election figures are measured once the
//!   run is summarised, by the rules in `src/lab/state.rs` (counts over a
//!   range are sums of the windows' `state`; elections count by their time).

use serde::Serialize;

use super::objective::{Comparison, During, Metric, Objective, Unit};
use crate::metrics::summary::{ServiceWindow, availability};
use crate::metrics::{RunSummary, WindowSummary};

/// Tolerance when comparing window edges (seconds, as `f64`) with range bounds.
const EDGE_EPSILON_S: f64 = 1e-9;

/// How an objective stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// Met.
    Pass,
    /// Not met (or could not be measured).
    Fail,
    /// The run has not yet covered the objective's range (live runs only).
    NotYet,
}

/// One objective measured on one run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObjectiveResult {
    /// The objective's name.
    pub name: String,
    /// The requirement in words (`availability ≥ 99% after 55s`).
    pub requirement: String,
    /// The metric, for formatting the value.
    pub metric: Metric,
    /// How the value must compare with the target.
    pub op: Comparison,
    /// The threshold.
    pub target: f64,
    /// The measured value, or `None` when there was nothing to measure.
    pub value: Option<f64>,
    /// Pass, fail or not yet.
    pub verdict: Verdict,
    /// What a reader should know about the value (a bound, why it is missing).
    pub note: Option<String>,
}

impl ObjectiveResult {
    /// Whether the objective is met.
    pub fn passed(&self) -> bool {
        self.verdict == Verdict::Pass
    }

    /// The value as a person reads it, or `—`.
    pub fn value_text(&self) -> String {
        self.value
            .map_or_else(|| "—".to_string(), |v| self.metric.format_value(v))
    }
}

/// Measures every objective on a finished run.
pub fn evaluate_objectives(objectives: &[Objective], run: &RunSummary) -> Vec<ObjectiveResult> {
    objectives
        .iter()
        .map(|o| {
            let (value, note) = measure(o, &run.windows, Some(run));
            result(o, value, note, false)
        })
        .collect()
}

/// Measures every objective on a run in progress, from its closed windows.
///
/// `now_s` is how far the run has got and `end_s` where it will stop. An
/// objective whose range is not yet over is [`Verdict::NotYet`] with the value
/// so far, except a count already above an `AtMost` target, which can only
/// grow and so fails at once. Whole-run-only metrics stay `NotYet`: they come
/// from the run's summary. At the end the other verdicts are final, but
/// `Whole` percentiles are the per-window bound; once the run is finished,
/// [`evaluate_objectives`] on its summary gives the exact, final results.
pub fn evaluate_so_far(
    objectives: &[Objective],
    windows: &[WindowSummary],
    now_s: f64,
    end_s: f64,
) -> Vec<ObjectiveResult> {
    objectives
        .iter()
        .map(|o| {
            let over = match o.during.bounds_s().1 {
                Some(to) => now_s + EDGE_EPSILON_S >= to.min(end_s),
                None => now_s + EDGE_EPSILON_S >= end_s,
            };
            if o.metric.measured_at_end() {
                return ObjectiveResult {
                    note: Some("measured from the run's summary at the end".to_string()),
                    ..result(o, None, None, true)
                };
            }
            let (value, note) = measure(o, windows, None);
            let final_already = o.metric.is_count()
                && o.op == Comparison::AtMost
                && value.is_some_and(|v| v > o.target);
            result(o, value, note, !over && !final_already)
        })
        .collect()
}

fn result(
    o: &Objective,
    value: Option<f64>,
    note: Option<String>,
    pending: bool,
) -> ObjectiveResult {
    let verdict = if pending {
        Verdict::NotYet
    } else if value.is_some_and(|v| o.op.holds(v, o.target)) {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    ObjectiveResult {
        name: o.name.clone(),
        requirement: o.requirement(),
        metric: o.metric.clone(),
        op: o.op,
        target: o.target,
        value,
        verdict,
        note,
    }
}

/// The windows lying wholly within `during`.
pub fn windows_in(during: During, windows: &[WindowSummary]) -> Vec<&WindowSummary> {
    let (from, to) = during.bounds_s();
    windows
        .iter()
        .filter(|w| w.start_s + EDGE_EPSILON_S >= from)
        .filter(|w| to.is_none_or(|to| w.end_s <= to + EDGE_EPSILON_S))
        .collect()
}

/// The value of `o` and a note: from the exact totals of `run` when the range
/// is `Whole` and the run is given, otherwise from the windows in the range.
fn measure(
    o: &Objective,
    windows: &[WindowSummary],
    run: Option<&RunSummary>,
) -> (Option<f64>, Option<String>) {
    if let Some(m) = super::state::measure(&o.metric, o.during, windows, run) {
        return m;
    }
    if let Some(node) = o.metric.node() {
        let known = match run {
            Some(r) => r.services.contains_key(node),
            None => windows.iter().any(|w| w.services.contains_key(node)),
        };
        if !known && (run.is_some() || !windows.is_empty()) {
            return (None, Some(format!("this run has no node named {node:?}")));
        }
    }
    if let (During::Whole, Some(run)) = (o.during, run) {
        return whole(&o.metric, run);
    }
    if o.metric.whole_run_only() {
        return match run {
            Some(run) => whole(&o.metric, run),
            None => (None, Some("measured at the end of the run".to_string())),
        };
    }
    let ws = windows_in(o.during, windows);
    if ws.is_empty() {
        return (None, Some(format!("no metrics window lies {}", o.during)));
    }
    ranged(&o.metric, &ws)
}

/// A metric over the whole run, from the run's exact totals.
fn whole(metric: &Metric, run: &RunSummary) -> (Option<f64>, Option<String>) {
    let r = &run.requests;
    let svc = |n: &str| run.services.get(n);
    let latency = |p: f64| {
        if r.ok == 0 {
            (None, Some(nothing_succeeded()))
        } else {
            (Some(p), None)
        }
    };
    let value = match metric {
        Metric::Availability => Some(if r.total == 0 && r.offered > 0 {
            0.0
        } else {
            availability(r.ok, r.total)
        }),
        Metric::LatencyP50Ms => return latency(run.latency_ms.p50),
        Metric::LatencyP90Ms => return latency(run.latency_ms.p90),
        Metric::LatencyP99Ms => return latency(run.latency_ms.p99),
        Metric::LatencyP999Ms => return latency(run.latency_ms.p999),
        Metric::LatencyMaxMs => return latency(run.latency_ms.max),
        Metric::FailedRequests => Some(r.failed as f64),
        Metric::Timeouts => Some(run.failures.timeout as f64),
        Metric::Duplicates => Some(r.duplicates as f64),
        Metric::Amplification => Some(r.amplification),
        Metric::Degraded => Some(r.degraded as f64),
        Metric::Stale => Some(r.stale as f64),
        Metric::BudgetRemaining => Some(run.slo.budget_remaining),
        Metric::ServiceUtilization(n) => svc(n).map(|s| s.utilization),
        Metric::ServiceQueue(n) => svc(n).map(|s| s.mean_queue),
        Metric::ServiceMaxQueue(n) => svc(n).map(|s| s.max_queue as f64),
        Metric::ServiceRejected(n) => svc(n).map(|s| (s.rejected + s.shed) as f64),
        Metric::ServiceErrors(n) => svc(n).map(|s| s.errors as f64),
        Metric::ServiceP99Ms(n) => match svc(n) {
            Some(s) if s.ok + s.errors == 0 => {
                return (None, Some(format!("{n:?} answered nothing")));
            }
            s => s.map(|s| s.duration_ms.p99),
        },
        Metric::CallAmplification(n) => svc(n).map(|s| s.calls.amplification),
        Metric::CallRetries(n) => svc(n).map(|s| s.calls.retries as f64),
        Metric::CacheHitRatio(n) => match svc(n).map(|s| s.cache) {
            Some(Some(c)) => Some(c.hit_ratio),
            Some(None) => return (None, Some(format!("{n:?} is not a cache"))),
            None => None,
        },
        Metric::VersionRequests(n, v) => {
            let found = run
                .deployments
                .as_ref()
                .and_then(|d| d.services.get(n))
                .and_then(|s| s.versions.iter().find(|x| &x.version == v));
            match found {
                Some(x) => Some(x.counts.requests as f64),
                None => return (None, Some(format!("{n:?} has no version {v:?}"))),
            }
        }
        _ => return (None, Some("measured from the run's summary".to_string())),
    };
    (value, None)
}

/// A metric over the windows `ws` (not empty), by the rules in the module docs.
fn ranged(metric: &Metric, ws: &[&WindowSummary]) -> (Option<f64>, Option<String>) {
    let sum = |f: &dyn Fn(&WindowSummary) -> u64| ws.iter().map(|w| f(w)).sum::<u64>();
    let bound = || Some("an upper bound: the largest per-window value".to_string());
    let latency = |f: &dyn Fn(&WindowSummary) -> f64| {
        let with_ok: Vec<f64> = ws.iter().filter(|w| w.ok > 0).map(|w| f(w)).collect();
        match with_ok.iter().copied().reduce(f64::max) {
            None => (None, Some(nothing_succeeded())),
            Some(v) if metric.is_windowed_percentile() => (Some(v), bound()),
            Some(v) => (Some(v), None),
        }
    };
    match metric {
        Metric::Availability => {
            let (ok, total, offered) = (sum(&|w| w.ok), sum(&|w| w.total), sum(&|w| w.offered));
            let v = if total == 0 && offered > 0 {
                0.0
            } else {
                availability(ok, total)
            };
            (Some(v), None)
        }
        Metric::LatencyP50Ms => latency(&|w| w.latency_ms.p50),
        Metric::LatencyP90Ms => latency(&|w| w.latency_ms.p90),
        Metric::LatencyP99Ms => latency(&|w| w.latency_ms.p99),
        Metric::LatencyP999Ms => latency(&|w| w.latency_ms.p999),
        Metric::LatencyMaxMs => latency(&|w| w.latency_ms.max),
        Metric::FailedRequests => (Some(sum(&|w| w.failed) as f64), None),
        Metric::Timeouts => (Some(sum(&|w| w.failures.timeout) as f64), None),
        Metric::Duplicates => (Some(sum(&|w| w.duplicates) as f64), None),
        Metric::Amplification => {
            let (attempts, offered) = (sum(&|w| w.attempts), sum(&|w| w.offered));
            let v = if offered == 0 {
                1.0
            } else {
                attempts as f64 / offered as f64
            };
            (Some(v), None)
        }
        Metric::ServiceUtilization(n) => (node_mean(ws, n, |s| s.utilization), None),
        Metric::ServiceQueue(n) => (node_mean(ws, n, |s| s.mean_queue), None),
        Metric::ServiceMaxQueue(n) => (node_fold(ws, n, |s| s.max_queue as f64, f64::max), None),
        Metric::ServiceRejected(n) => (node_fold(ws, n, |s| s.refused as f64, |a, b| a + b), None),
        Metric::ServiceErrors(n) => (node_fold(ws, n, |s| s.errors as f64, |a, b| a + b), None),
        Metric::ServiceP99Ms(n) => {
            let answered: Vec<&&WindowSummary> = ws
                .iter()
                .filter(|w| w.services.get(n).is_some_and(|s| s.ok + s.errors > 0))
                .collect();
            match answered
                .iter()
                .filter_map(|w| w.services.get(n).map(|s| s.p99_ms))
                .reduce(f64::max)
            {
                Some(v) => (Some(v), bound()),
                None => (None, Some(format!("{n:?} answered nothing in this range"))),
            }
        }
        Metric::Degraded
        | Metric::Stale
        | Metric::BudgetRemaining
        | Metric::CallAmplification(_)
        | Metric::CallRetries(_)
        | Metric::CacheHitRatio(_)
        | Metric::VersionRequests(..) => {
            (None, Some("measured over the whole run only".to_string()))
        }
        _ => (None, Some("measured from the run's summary".to_string())),
    }
}

/// The length-weighted mean of a per-node figure over the windows that have the node.
fn node_mean(ws: &[&WindowSummary], node: &str, f: impl Fn(&ServiceWindow) -> f64) -> Option<f64> {
    let (mut weighted, mut length) = (0.0, 0.0);
    for w in ws {
        if let Some(s) = w.services.get(node) {
            let len = (w.end_s - w.start_s).max(0.0);
            weighted += f(s) * len;
            length += len;
        }
    }
    (length > 0.0).then(|| weighted / length)
}

/// A per-node figure folded over the windows that have the node.
fn node_fold(
    ws: &[&WindowSummary],
    node: &str,
    f: impl Fn(&ServiceWindow) -> f64,
    fold: impl Fn(f64, f64) -> f64,
) -> Option<f64> {
    ws.iter()
        .filter_map(|w| w.services.get(node).map(&f))
        .reduce(fold)
}

fn nothing_succeeded() -> String {
    "no request succeeded, so there is no latency to measure".to_string()
}

/// Whether a value of this unit is shown as a fraction (used by the loader's checks).
pub(super) fn is_fraction(metric: &Metric) -> bool {
    metric.unit() == Unit::Percent
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::LatencySummary;
    use crate::sim::time::SimDuration;

    fn window(start: u64, ok: u64, failed: u64, offered: u64, p99: f64) -> WindowSummary {
        WindowSummary {
            start_s: start as f64,
            end_s: start as f64 + 1.0,
            offered,
            total: ok + failed,
            ok,
            failed,
            attempts: offered * 2,
            latency_ms: LatencySummary {
                p99,
                ..LatencySummary::default()
            },
            ..WindowSummary::default()
        }
    }

    fn objective(metric: Metric, op: Comparison, target: f64, during: During) -> Objective {
        Objective {
            name: "o".into(),
            metric,
            op,
            target,
            during,
        }
    }

    fn s(secs: u64) -> SimDuration {
        SimDuration::from_secs(secs)
    }

    /// Windows 0..10 s: all fine but for 3..5 s (nothing finishes, 100 offered
    /// each) and 5..6 s (half fail, slow).
    fn run() -> Vec<WindowSummary> {
        (0..10)
            .map(|t| match t {
                3 | 4 => window(t, 0, 0, 100, 0.0),
                5 => window(t, 50, 50, 100, 400.0),
                _ => window(t, 100, 0, 100, 20.0 + t as f64),
            })
            .collect()
    }

    #[test]
    fn a_range_covers_the_windows_wholly_inside_it() {
        let ws = run();
        let starts = |d| {
            windows_in(d, &ws)
                .iter()
                .map(|w| w.start_s)
                .collect::<Vec<_>>()
        };
        assert_eq!(starts(During::Between(s(3), s(6))), [3.0, 4.0, 5.0]);
        assert_eq!(starts(During::After(s(8))), [8.0, 9.0]);
        assert_eq!(starts(During::Before(s(2))), [0.0, 1.0]);
        assert_eq!(starts(During::Whole).len(), 10);
        // A window straddling a bound is left out.
        let half = SimDuration::from_millis(2500);
        assert_eq!(starts(During::Between(half, s(4))), [3.0]);
    }

    #[test]
    fn availability_sums_counts_and_is_zero_when_nothing_finished() {
        let ws = run();
        let value = |d| {
            let o = objective(Metric::Availability, Comparison::AtLeast, 0.9, d);
            evaluate_so_far(&[o], &ws, 10.0, 10.0)[0].value.unwrap()
        };
        assert_eq!(value(During::Between(s(5), s(7))), 150.0 / 200.0);
        assert_eq!(value(During::Between(s(3), s(5))), 0.0);
        assert_eq!(value(During::Before(s(3))), 1.0);
    }

    #[test]
    fn range_percentiles_are_the_largest_window_value_among_windows_with_successes() {
        let ws = run();
        let o = objective(
            Metric::LatencyP99Ms,
            Comparison::AtMost,
            100.0,
            During::Between(s(2), s(7)),
        );
        let r = &evaluate_so_far(std::slice::from_ref(&o), &ws, 10.0, 10.0)[0];
        assert_eq!(r.value, Some(400.0));
        assert_eq!(r.verdict, Verdict::Fail);
        assert!(r.note.as_deref().unwrap().contains("upper bound"));
        // Nothing succeeded: no value, and the objective fails.
        let o = Objective {
            during: During::Between(s(3), s(5)),
            ..o
        };
        let r = &evaluate_so_far(&[o], &ws, 10.0, 10.0)[0];
        assert_eq!((r.value, r.verdict), (None, Verdict::Fail));
    }

    #[test]
    fn live_results_wait_for_the_range_to_end_but_counts_fail_early() {
        let ws = run();
        let avail = objective(
            Metric::Availability,
            Comparison::AtLeast,
            0.9,
            During::Before(s(3)),
        );
        let failed = objective(
            Metric::FailedRequests,
            Comparison::AtMost,
            10.0,
            During::Whole,
        );
        let later = objective(
            Metric::Availability,
            Comparison::AtLeast,
            0.9,
            During::After(s(8)),
        );
        let objectives = [avail, failed, later];
        let at = |now: f64| -> Vec<Verdict> {
            let closed: Vec<WindowSummary> =
                ws.iter().filter(|w| w.end_s <= now).cloned().collect();
            evaluate_so_far(&objectives, &closed, now, 10.0)
                .iter()
                .map(|r| r.verdict)
                .collect()
        };
        use Verdict::*;
        assert_eq!(at(2.0), [NotYet, NotYet, NotYet]);
        assert_eq!(at(3.0), [Pass, NotYet, NotYet]);
        assert_eq!(at(6.0), [Pass, Fail, NotYet]);
        assert_eq!(at(10.0), [Pass, Fail, Pass]);
    }

    #[test]
    fn a_node_missing_from_the_run_has_no_value() {
        let mut ws = run();
        ws[0].services.insert("db".into(), ServiceWindow::default());
        let o = objective(
            Metric::ServiceQueue("dbb".into()),
            Comparison::AtMost,
            1.0,
            During::Whole,
        );
        let r = &evaluate_so_far(&[o], &ws, 10.0, 10.0)[0];
        assert_eq!((r.value, r.verdict), (None, Verdict::Fail));
        assert!(r.note.as_deref().unwrap().contains("no node named \"dbb\""));
    }
}
