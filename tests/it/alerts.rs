//! Burn-rate alerts: a planted outage fires and clears them when the formula
//! says; a healthy run within its budget never fires.
//!
//! One hour at 100 requests/s, 1 s windows, availability target 99.9%. Scaled
//! to a one-hour SLO period, fast burn looks back 5 windows and 1 window
//! (threshold 14.4: an error ratio of 1.44%), slow burn 30 and 3 windows
//! (threshold 6: 0.6%). The API crashes at 1000 s and restarts at 1060 s; the
//! client's 100 ms timeout turns every request sent to it into a failure.

use faultlab::metrics::alerts::Severity;

use super::support::run;

fn scenario(timeline: &str, error_rate: f64) -> String {
    format!(
        r#"Scenario(name: "burn", duration: "1h", window: "1s",
            nodes: {{
                "users": Client(open: Poisson(per_second: 100), target: "api",
                                policy: Policy(timeout: "100ms")),
                "api": Service(workers: 4, work: "2ms", error_rate: {error_rate}),
            }},
            timeline: [{timeline}],
            slo: Slo(availability: 0.999))"#
    )
}

#[test]
fn a_planted_outage_fires_and_clears_both_alerts_when_the_formula_predicts() {
    let s = run(
        &scenario(
            r#"At("1000s", Crash("api")), At("1060s", Restart("api"))"#,
            0.0,
        ),
        1,
    );
    let got: Vec<(Severity, bool, f64)> = s
        .alerts
        .iter()
        .map(|a| (a.severity, a.firing, a.at_s))
        .collect();
    // Failures start at 1000.1 s (the first timeouts): the window [1000, 1001)
    // is ~90% failures, so at its end every lookback is far above its
    // threshold (fast long 0.9/5 = 18% ≥ 1.44%, slow long 0.9/30 = 3% ≥ 0.6%).
    // The last failures are the timeouts of requests sent just before the
    // restart, up to 1060.1 s: window [1060, 1061) still has ~10%. Fast burn
    // clears when its 1-window lookback is clean, at 1062 s; slow burn when
    // its 3-window lookback is, at 1064 s.
    assert_eq!(
        got,
        [
            (Severity::Fast, true, 1001.0),
            (Severity::Slow, true, 1001.0),
            (Severity::Fast, false, 1062.0),
            (Severity::Slow, false, 1064.0),
        ],
        "{:?}",
        s.alerts
    );
}

#[test]
fn a_healthy_run_within_its_budget_never_alerts() {
    // Errors at half the budget (burn rate 0.5). Firing needs ≥ 8 failures in
    // 5 windows (mean 0.25) or ≥ 18 in 30 (mean 1.5): odds below 1e-9 per window.
    let s = run(&scenario("", 0.0005), 1);
    assert!(s.requests.failed > 100, "the errors happen");
    assert!(s.slo.availability_met);
    assert!(s.alerts.is_empty(), "{:?}", s.alerts);
}
