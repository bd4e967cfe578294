//! Local clocks: a node's timers run in its own time.

use super::support::run;

/// The api's dependency never answers (partitioned); its 100 ms timeout (local
/// time) then falls back to a default answer. With drift d the timeout lasts
/// 100 ms / (1 + d) of true time, which the users see directly.
fn scenario(drift_ppm: i64) -> String {
    format!(
        r#"Scenario(name: "drift", duration: "20s",
            nodes: {{
                "users": Client(open: Constant(per_second: 50), target: "api"),
                "api": Service(workers: 64, work: Constant("1ms"), fallback: Default,
                               calls: [Call(to: "db", policy: Policy(timeout: "100ms"))],
                               clock: Clock(drift_ppm: {drift_ppm})),
                "db": Service(workers: 1, work: Constant("1ms")),
            }},
            timeline: [At("0s", Partition(group: ["db"]))],
        )"#
    )
}

#[test]
fn drift_scales_timer_durations_in_true_time() {
    for (drift_ppm, expected_ms) in [
        (0, 101.0),
        (100_000, 1.0 + 100.0 / 1.1),
        (-50_000, 1.0 + 100.0 / 0.95),
    ] {
        let s = run(&scenario(drift_ppm), 1);
        assert_eq!(
            s.requests.degraded, s.requests.ok,
            "every answer is the fallback"
        );
        // All latencies are identical, so the histogram reads them within its 0.1%.
        for (label, v) in [
            ("p50", s.latency_ms.p50),
            ("max", s.latency_ms.max),
            ("mean", s.latency_ms.mean),
        ] {
            assert!(
                (v - expected_ms).abs() / expected_ms < 0.001,
                "drift {drift_ppm}: {label} {v} vs {expected_ms}"
            );
        }
    }
}

#[test]
fn the_skewed_clock_example_times_out_only_while_drifting() {
    // db work is uniform on [10, 20] ms; the api's 20 ms timeout lasts 18.18 ms
    // of true time while its clock runs 10% fast (until 45 s), so a fraction
    // (20 − 18.18)/10 = 18.2% of first attempts time out, and none after.
    let scenario = super::support::example("skewed-clock.ron");
    let s = faultlab::sim::Simulation::new(scenario.config).run();
    let retries = |from: f64, to: f64| -> (u64, u64) {
        let ws = s
            .windows
            .iter()
            .filter(|w| w.start_s >= from && w.end_s <= to);
        ws.fold((0, 0), |(a, r), w| {
            (
                a + w.services["api"].arrivals,
                r + w.services["db"].arrivals,
            )
        })
    };
    let (api, db) = retries(5.0, 44.0);
    let retry_fraction = (db - api) as f64 / api as f64;
    let expected = (20.0 - 20.0 / 1.1) / 10.0;
    // ~7,800 first attempts: binomial sd ≈ 0.0044; 5 sd = 0.022.
    assert!(
        (retry_fraction - expected).abs() < 0.022,
        "retry fraction {retry_fraction} vs {expected}"
    );
    let (api, db) = retries(46.0, 90.0);
    assert_eq!(api, db, "no retries once the drift is fixed");
}
