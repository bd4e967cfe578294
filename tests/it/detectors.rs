//! Failure detectors against exact figures: the heartbeat false-suspicion
//! rate from the delay distribution, and the time to detect a crash.

use crate::support::run;

/// A monitor probes "x" every h = 100 ms over an instantaneous link; x's
/// answers take D ~ Uniform[0, a = 80 ms]. As a ≤ h, answers arrive in
/// order, the k-th at kh + D_k, and the gap between two answers is
/// h + D_{k+1} − D_k. The detector (timeout T = 140 ms) falsely suspects x
/// exactly when a gap exceeds T, i.e. when D_{k+1} − D_k > x₀ = T − h = 40 ms.
/// The difference of two independent Uniform[0, a] has a triangular tail:
/// P(D' − D > x₀) = (a − x₀)² / (2a²) = 1/8.
#[test]
fn heartbeat_false_suspicions_match_the_delay_tail() {
    let src = r#"Scenario(duration: "2000s", nodes: {
        "m": Monitor(watch: ["x"], interval: "100ms", detector: FixedTimeout(timeout: "140ms")),
        "x": Service(workers: 1, work: Constant("1ms")),
    },
    links: [Link(from: "x", to: "m", latency: Uniform(min: "0ms", max: "80ms"))])"#;
    let s = run(src, 4);
    let d = s.detection.unwrap();
    let (a, x0): (f64, f64) = (80.0, 40.0);
    let p = (a - x0) * (a - x0) / (2.0 * a * a);
    let gaps: f64 = 2000.0 / 0.1 - 1.0;
    let expected = p * gaps;
    // Neighbouring indicators are negatively correlated (both would need
    // D_{k+1} > 40 ms and < 40 ms), so the binomial variance bounds the
    // count's; four standard errors.
    let se = (gaps * p * (1.0 - p)).sqrt();
    eprintln!("{d:?}; expected {expected:.0} ± {:.0}", 4.0 * se);
    assert!((d.false_suspicions as f64 - expected).abs() < 4.0 * se);
    // Per hour per watched pair: p × 36,000 heartbeats an hour.
    let per_hour = expected / (2000.0 / 3600.0);
    assert!((d.false_suspicions_per_hour - per_hour).abs() < 4.0 * se * 1.8);
    assert_eq!(d.detections, 0);
}

/// Constant 10 ms answers, probes every 100 ms, timeout 140 ms: the last
/// answer before a crash at 50.05 s arrives at 50.01 s, so the detector
/// suspects 140 ms (and 1 ns) later: 100 ms after the crash. Phi accrual
/// with the same heartbeats (mean gap 100 ms, std floored at 10 ms,
/// threshold 3) suspects once −log10 P(Z > (t − 100)/10) > 3, i.e.
/// t > 130.9 ms after the last answer; checked every 10 ms, at 140 ms: also
/// 100 ms after the crash. Neither suspects anything while x is up.
#[test]
fn time_to_detect_a_crash_is_exact() {
    for detector in [
        r#"FixedTimeout(timeout: "140ms")"#,
        r#"PhiAccrual(threshold: 3, min_std: "10ms")"#,
    ] {
        let src = format!(
            r#"Scenario(duration: "60s", nodes: {{
                "m": Monitor(watch: ["x"], interval: "100ms", detector: {detector}),
                "x": Service(workers: 1, work: Constant("1ms")),
            }},
            links: [Link(from: "x", to: "m", latency: "10ms")],
            timeline: [At("50.05s", Crash("x"))])"#
        );
        let d = run(&src, 1).detection.unwrap();
        eprintln!("{detector}: {d:?}");
        assert_eq!(d.false_suspicions, 0, "{detector}");
        assert_eq!((d.crashes_watched, d.detections), (1, 1), "{detector}");
        assert!(
            (d.mean_time_to_detect_ms - 100.0).abs() < 1e-3,
            "{detector}: {}",
            d.mean_time_to_detect_ms
        );
    }
}

/// A node that never answers is still suspected: "x" crashes at 0 s, after
/// the monitor's first probe went out and 1 ms before it would arrive, so
/// no answer ever comes. A fixed timeout counts the monitor's start as the
/// last time it heard x, so it suspects x the timeout (300 ms, and 1 ns)
/// after the start.
#[test]
fn a_node_that_never_answers_is_suspected_a_timeout_after_the_start() {
    let src = r#"Scenario(duration: "2s", nodes: {
        "m": Monitor(watch: ["x", "y"], interval: "100ms", detector: FixedTimeout(timeout: "300ms")),
        "x": Service(workers: 1, work: Constant("1ms")),
        "y": Service(workers: 1, work: Constant("1ms")),
    },
    default_link: Link(latency: "1ms"),
    timeline: [At("0s", Crash("x"))])"#;
    let d = run(src, 1).detection.unwrap();
    assert_eq!((d.crashes_watched, d.detections), (1, 1), "{d:?}");
    assert!(
        (d.mean_time_to_detect_ms - 300.0).abs() < 1e-3,
        "{}",
        d.mean_time_to_detect_ms
    );
    assert_eq!(d.false_suspicions, 0);
}
