//! Multi-window, multi-burn-rate SLO alerts (the Google SRE Workbook's
//! "Alerting on SLOs", recommendation 6), scaled to a run.
//!
//! The burn rate over a stretch of time is its error ratio divided by the
//! error budget's ratio `1 − availability target`: at burn rate 1 the budget
//! lasts exactly the SLO period. The workbook pages when, over a 30-day
//! period, the burn rate is at least 14.4 over the last hour *and* the last
//! 5 minutes (2% of the budget gone in an hour), and at least 6 over the last
//! 6 hours and 30 minutes (5% in six hours). The short window makes the alert
//! clear soon after the problem ends.
//!
//! **Scaling.** A run is much shorter than 30 days, so the SLO period is
//! taken to be the run's duration `T` and every lookback keeps its fraction
//! of the period: fast burn looks back `T/720` and `T/8640` (1 h and 5 min of
//! 30 days), slow burn `T/120` and `T/1440` (6 h and 30 min). Alerts are
//! evaluated at the end of each metrics window over whole windows, so each
//! lookback is rounded to the nearest whole number of windows, at least one.
//! Early in a run a lookback covers the windows there are. The burn-rate
//! thresholds keep their meaning: 14.4 still spends 2% of the run's budget
//! in the fast long lookback, 6 still spends 5% in the slow one.

use std::borrow::Borrow;

use serde::Serialize;

use super::summary::WindowSummary;

/// Fast burn: threshold, long and short lookbacks as fractions of the period.
pub const FAST: BurnRule = BurnRule {
    threshold: 14.4,
    long: 1.0 / 720.0,
    short: 1.0 / 8640.0,
};

/// Slow burn: threshold, long and short lookbacks as fractions of the period.
pub const SLOW: BurnRule = BurnRule {
    threshold: 6.0,
    long: 1.0 / 120.0,
    short: 1.0 / 1440.0,
};

/// One multi-window burn-rate rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BurnRule {
    /// Burn rate at or above which the rule holds (in both lookbacks).
    pub threshold: f64,
    /// Long lookback, as a fraction of the SLO period.
    pub long: f64,
    /// Short lookback, as a fraction of the SLO period.
    pub short: f64,
}

impl BurnRule {
    /// The lookbacks in whole windows of `window_s` for a period of `period_s` seconds.
    pub fn windows(&self, period_s: f64, window_s: f64) -> (usize, usize) {
        let n = |fraction: f64| ((period_s * fraction / window_s).round() as usize).max(1);
        (n(self.long), n(self.short))
    }
}

/// Which alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Fast burn (page).
    Fast,
    /// Slow burn.
    Slow,
}

/// An alert firing or clearing.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AlertEvent {
    /// When (the end of the window it was evaluated at), simulated seconds.
    pub at_s: f64,
    /// Fast or slow burn.
    pub severity: Severity,
    /// Fired (`true`) or cleared.
    pub firing: bool,
    /// Burn rate over the long lookback then.
    pub long_burn: f64,
    /// Burn rate over the short lookback then.
    pub short_burn: f64,
}

/// Burn rate of the `n` windows ending at index `i` (fewer at the start).
fn burn<W: Borrow<WindowSummary>>(windows: &[W], i: usize, n: usize, allowance: f64) -> f64 {
    let from = (i + 1).saturating_sub(n);
    let (failed, total) = windows[from..=i]
        .iter()
        .map(Borrow::borrow)
        .fold((0u64, 0u64), |(f, t), w| (f + w.failed, t + w.total));
    if total == 0 {
        return 0.0;
    }
    let ratio = failed as f64 / total as f64;
    if allowance <= 0.0 {
        if failed > 0 { f64::INFINITY } else { 0.0 }
    } else {
        ratio / allowance
    }
}

/// The fire and clear events of both rules over a run's windows, for an
/// availability `target` and an SLO period of `period_s` seconds (the run's
/// duration; see the module documentation). The windows may be shared
/// (`Arc<WindowSummary>`, as the live session keeps them).
pub fn burn_rate_alerts<W: Borrow<WindowSummary>>(
    windows: &[W],
    target: f64,
    period_s: f64,
) -> Vec<AlertEvent> {
    let Some(first) = windows.first().map(Borrow::borrow) else {
        return Vec::new();
    };
    let window_s = (first.end_s - first.start_s).max(1e-9);
    let allowance = 1.0 - target;
    let mut events = Vec::new();
    for (severity, rule) in [(Severity::Fast, FAST), (Severity::Slow, SLOW)] {
        let (long, short) = rule.windows(period_s, window_s);
        let mut firing = false;
        for i in 0..windows.len() {
            let long_burn = burn(windows, i, long, allowance);
            let short_burn = burn(windows, i, short, allowance);
            let holds = long_burn >= rule.threshold && short_burn >= rule.threshold;
            if holds != firing {
                firing = holds;
                events.push(AlertEvent {
                    at_s: windows[i].borrow().end_s,
                    severity,
                    firing,
                    long_burn,
                    short_burn,
                });
            }
        }
    }
    events.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookbacks_keep_the_workbooks_fractions() {
        // A 30-day period in 1-minute windows gives the workbook's own lookbacks.
        let month = 30.0 * 24.0 * 3600.0;
        assert_eq!(FAST.windows(month, 60.0), (60, 5));
        assert_eq!(SLOW.windows(month, 60.0), (360, 30));
        // An hour in 1-second windows: 5 s and 1 s, 30 s and 3 s (2.5 rounds up).
        assert_eq!(FAST.windows(3600.0, 1.0), (5, 1));
        assert_eq!(SLOW.windows(3600.0, 1.0), (30, 3));
    }
}
