//! `SetService`: changing a service's workers, queue, work time and error
//! rate during a run, against exact counts and queueing theory.

use faultlab::metrics::{RunSummary, WindowSummary};

use super::support::{check, erlang_c, run};

/// Users sending `open` arrivals to one service `api` for `duration`, with
/// `SetService(node: "api", change)` at `at`.
fn one_service(duration: &str, open: &str, api: &str, at: &str, change: &str) -> String {
    format!(
        r#"Scenario(name: "knobs", duration: "{duration}",
            nodes: {{
                "users": Client(open: {open}, target: "api"),
                "api": Service({api}),
            }},
            timeline: [At("{at}", SetService(node: "api", {change}))])"#
    )
}

/// Windows that start at or after `from_s` seconds.
fn windows_from(s: &RunSummary, from_s: f64) -> impl Iterator<Item = &WindowSummary> {
    s.windows.iter().filter(move |w| w.start_s >= from_s - 1e-9)
}

/// The mean end-to-end latency of the windows from `from_s` to `to_s`, each
/// window weighted by its successes (the same as the mean over those requests).
fn mean_latency(s: &RunSummary, from_s: f64, to_s: f64) -> f64 {
    let phase = windows_from(s, from_s).filter(|w| w.end_s <= to_s + 1e-9);
    let (sum, n) = phase.fold((0.0, 0u64), |(sum, n), w| {
        (sum + w.latency_ms.mean * w.ok as f64, n + w.ok)
    });
    sum / n as f64
}

#[test]
fn utilization_integrates_a_changing_worker_count() {
    // Constant arrivals every 10 ms and constant 5 ms of work keep exactly
    // one worker busy half of the time. Four workers from 10 s on share the
    // same work: utilization 0.5 before, 0.125 after, and over the whole
    // 20 s run busy time / worker time = 10 s / (1·10 s + 4·10 s) = 0.2.
    let src = &one_service(
        "20s",
        "Constant(per_second: 100)",
        r#"workers: 1, work: Constant("5ms")"#,
        "10s",
        "workers: 4",
    );
    let s = run(src, 1);
    for w in &s.windows {
        let u = w.services["api"].utilization;
        let expected = if w.start_s < 10.0 { 0.5 } else { 0.125 };
        // A window boundary can cut one 5 ms request: 0.005 s per 1 s window.
        assert!(
            (u - expected).abs() <= 0.005 + 1e-9,
            "window at {} s: utilization {u}, expected {expected}",
            w.start_s
        );
    }
    let whole = s.services["api"].utilization;
    assert!((whole - 0.2).abs() < 1e-3, "whole run: {whole}");
}

#[test]
fn added_workers_turn_mm2_into_mm4() {
    // λ = 1500/s, μ = 1000/s per worker. Two workers (ρ = 0.75) until 20 s,
    // then four (ρ = 0.375). Each phase is measured from 2 s after its start
    // (the M/M/2 queue's relaxation time is a few ms) and compared with
    // Erlang C: W = 1/μ + C(c, a)/(cμ − λ), 2.29 ms then 1.04 ms.
    let src = &one_service(
        "40s",
        "Poisson(per_second: 1500)",
        r#"workers: 2, work: Exponential(mean: "1ms")"#,
        "20s",
        "workers: 4",
    );
    let (lambda, mu) = (1500.0, 1000.0);
    let theory =
        |c: u32| (1.0 / mu + erlang_c(c, lambda / mu) / (f64::from(c) * mu - lambda)) * 1e3;
    let runs: Vec<RunSummary> = (1..=10).map(|seed| run(src, seed)).collect();
    let before: Vec<f64> = runs.iter().map(|s| mean_latency(s, 2.0, 20.0)).collect();
    let after: Vec<f64> = runs.iter().map(|s| mean_latency(s, 22.0, 40.0)).collect();
    check("M/M/2 phase mean ms", &before, theory(2), 0.03);
    check("M/M/4 phase mean ms", &after, theory(4), 0.03);
}

#[test]
fn a_smaller_queue_blocks_as_mm1k_predicts() {
    // M/M/1 at ρ = 0.9 with an unbounded queue, then a queue of 4 from 5 s
    // on: M/M/1/K with K = 5 in the system blocks a fraction
    // P_K = (1 − ρ)ρ^K / (1 − ρ^(K+1)) = 0.1262 of arrivals (PASTA).
    let src = &one_service(
        "65s",
        "Poisson(per_second: 900)",
        r#"workers: 1, work: Exponential(mean: "1ms")"#,
        "5s",
        "queue: 4",
    );
    let (rho, k) = (0.9f64, 5);
    let theory = (1.0 - rho) * rho.powi(k) / (1.0 - rho.powi(k + 1));
    let fractions: Vec<f64> = (1..=10)
        .map(|seed| {
            let s = run(src, seed);
            let before: u64 = s
                .windows
                .iter()
                .filter(|w| w.end_s <= 5.0 + 1e-9)
                .map(|w| w.services["api"].refused)
                .sum();
            assert_eq!(before, 0, "an unbounded queue refuses nothing");
            // From 10 s on: the backlog left at 5 s has long drained.
            let (refused, arrivals) = windows_from(&s, 10.0).fold((0, 0), |(r, a), w| {
                let api = &w.services["api"];
                (r + api.refused, a + api.arrivals)
            });
            refused as f64 / arrivals as f64
        })
        .collect();
    check("M/M/1/5 blocking", &fractions, theory, 0.03);
}

#[test]
fn error_rate_change_fails_that_fraction_from_then_on() {
    // No errors for 10 s, then 25%: the failed fraction afterwards is a
    // binomial proportion over ~20,000 requests (sd 0.0031); 5 sd allowed.
    let src = &one_service(
        "30s",
        "Poisson(per_second: 1000)",
        r#"workers: 4, work: Exponential(mean: "1ms")"#,
        "10s",
        "error_rate: 0.25",
    );
    let s = run(src, 7);
    let early_failed: u64 = s
        .windows
        .iter()
        .filter(|w| w.end_s <= 10.0 + 1e-9)
        .map(|w| w.failed)
        .sum();
    assert_eq!(early_failed, 0);
    let (failed, total) =
        windows_from(&s, 10.0).fold((0, 0), |(f, t), w| (f + w.failed, t + w.total));
    let p = failed as f64 / total as f64;
    let sd = (0.25 * 0.75 / total as f64).sqrt();
    assert!((p - 0.25).abs() < 5.0 * sd, "failed {p}, sd {sd}");
}

#[test]
fn slower_work_from_then_on_matches_mm1() {
    // Work 0.5 ms then 1 ms mean from 10 s on, at λ = 800/s: the second phase
    // is M/M/1 at ρ = 0.8, W = 1/(μ − λ) = 5 ms.
    let src = &one_service(
        "70s",
        "Poisson(per_second: 800)",
        r#"workers: 1, work: Exponential(mean: "500us")"#,
        "10s",
        r#"work: Exponential(mean: "1ms")"#,
    );
    let means: Vec<f64> = (1..=10)
        .map(|seed| mean_latency(&run(src, seed), 12.0, 70.0))
        .collect();
    check("M/M/1 after SetService work", &means, 5.0, 0.04);
}
