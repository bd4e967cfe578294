//! The engine against queueing theory.
//!
//! Response times in a queue are strongly autocorrelated, so the i.i.d.
//! standard error of one long run understates the noise several times over.
//! Each check therefore runs independent replications (different seeds) and
//! sizes its tolerance from their spread (see [`check`]).
//!
//! Every scenario here leaves the network at its default, a perfect link with
//! no delay, so a client's end-to-end latency is the server's response time.

use std::sync::OnceLock;

use faultlab::metrics::histogram::SIGNIFICANT_DIGITS;
use faultlab::metrics::{LatencySummary, ServiceSummary};

use super::support::{check, check_with_allowance, erlang_c, run};

const REPLICATIONS: u64 = 10;

fn mm_c(rate: f64, workers: u32, work: &str, secs: u32) -> String {
    format!(
        r#"Scenario(name: "queue", duration: "{secs}s",
            nodes: {{
                "arrivals": Client(open: Poisson(per_second: {rate}), target: "server"),
                "server": Service(workers: {workers}, work: {work}),
            }})"#
    )
}

/// What one replication measured: end-to-end latency and the server's own figures.
struct Rep {
    latency: LatencySummary,
    server: ServiceSummary,
}

fn replicate(src: &str) -> Vec<Rep> {
    (1..=REPLICATIONS)
        .map(|seed| {
            let mut s = run(src, seed);
            Rep {
                latency: s.latency_ms,
                server: s.services.remove("server").expect("the server reports"),
            }
        })
        .collect()
}

/// One figure of every replication.
fn each(reps: &[Rep], figure: impl Fn(&Rep) -> f64) -> Vec<f64> {
    reps.iter().map(figure).collect()
}

/// M/M/1, λ = 800/s, μ = 1000/s (ρ = 0.8), 200 s per replication. Run once
/// and shared by every check on it.
fn mm1() -> &'static [Rep] {
    static REPS: OnceLock<Vec<Rep>> = OnceLock::new();
    REPS.get_or_init(|| replicate(&mm_c(800.0, 1, r#"Exponential(mean: "1ms")"#, 200)))
}

/// M/M/4, λ = 3200/s, μ = 1000/s per worker (ρ = 0.8), 60 s per replication.
fn mm4() -> &'static [Rep] {
    static REPS: OnceLock<Vec<Rep>> = OnceLock::new();
    REPS.get_or_init(|| replicate(&mm_c(3200.0, 4, r#"Exponential(mean: "1ms")"#, 60)))
}

/// M/D/1, λ = 800/s, 1 ms deterministic work (ρ = 0.8), 120 s per replication.
fn md1() -> &'static [Rep] {
    static REPS: OnceLock<Vec<Rep>> = OnceLock::new();
    REPS.get_or_init(|| replicate(&mm_c(800.0, 1, r#"Constant("1ms")"#, 120)))
}

#[test]
fn mm1_mean_and_p99_match_theory() {
    // λ = 800/s, μ = 1000/s: W ~ Exponential(μ − λ), so mean 1/(μ−λ) = 5 ms
    // and p99 = ln(100)/(μ−λ) = 23.03 ms.
    let reps = mm1();
    check("M/M/1 mean ms", &each(reps, |r| r.latency.mean), 5.0, 0.03);
    check(
        "M/M/1 p99 ms",
        &each(reps, |r| r.latency.p99),
        100f64.ln() / 200.0 * 1e3,
        0.03,
    );
}

#[test]
fn mm1_percentiles_match_exponential_response_time() {
    // M/M/1 response time is Exponential(μ − λ) at any load, so its
    // q-quantile is −ln(1 − q)/(μ − λ). Here λ = 500/s, μ = 1000/s:
    // p50 = ln 2 × 2 ms, p90 = ln 10 × 2 ms, p99.9 = ln 1000 × 2 ms. With no
    // network delay the server's own duration is that same response time, so
    // its p99 is ln 100 × 2 ms.
    //
    // Half load rather than 0.8: busy periods are short, so a run's tail
    // samples are far less correlated: 10 replications of 200,000 requests
    // pin p99.9 to a standard error of ~1%, where ρ = 0.8 would need about
    // eight times the requests.
    //
    // Tolerance: 5 standard errors of the replications' mean (see `check`),
    // plus the histogram's precision: with 3 significant digits a percentile
    // reads up to 0.1% high in every replication alike, which their spread
    // cannot show.
    let reps = replicate(&mm_c(500.0, 1, r#"Exponential(mean: "1ms")"#, 400));
    let precision = 10f64.powi(-i32::from(SIGNIFICANT_DIGITS));
    let percentile = |label: &str, figure: fn(&Rep) -> f64, ln_arg: f64| {
        let theory_ms = ln_arg.ln() / 500.0 * 1e3;
        check_with_allowance(
            label,
            &each(&reps, figure),
            theory_ms,
            0.03,
            precision * theory_ms,
        );
    };
    percentile("M/M/1 p50 ms", |r| r.latency.p50, 2.0);
    percentile("M/M/1 p90 ms", |r| r.latency.p90, 10.0);
    percentile("M/M/1 p99.9 ms", |r| r.latency.p999, 1000.0);
    percentile(
        "M/M/1 server duration p99 ms",
        |r| r.server.duration_ms.p99,
        100.0,
    );
}

#[test]
fn mm1_queue_length_and_utilization_match_theory() {
    // Time-averaged number waiting (not in service): Lq = ρ²/(1−ρ) = 3.2.
    // Busy + waiting together is Little's law (below); this checks the split.
    // Under Poisson arrivals the server is busy ρ = λ/μ = 0.8 of the time.
    // Tolerance: 5 standard errors of the replications (see `check`). Starting
    // empty biases a time average by far less: the queue forgets its start
    // within ~0.1 s of the 200.
    let reps = mm1();
    check("M/M/1 Lq", &each(reps, |r| r.server.mean_queue), 3.2, 0.03);
    check(
        "M/M/1 utilization",
        &each(reps, |r| r.server.utilization),
        0.8,
        0.03,
    );
}

#[test]
fn littles_law_holds_in_every_replication() {
    // L = λ·W is an identity over a run, up to the requests still inside at the
    // end (a handful out of ~160,000), so each replication agrees within 0.5%.
    for (seed, r) in mm1().iter().enumerate() {
        let server = &r.server;
        let predicted = server.rate_per_s * server.duration_ms.mean / 1e3;
        assert!(
            (server.mean_in_system - predicted).abs() / predicted < 0.005,
            "seed {}: L = {}, λW = {predicted}",
            seed + 1,
            server.mean_in_system
        );
    }
}

#[test]
fn mm4_mean_response_matches_erlang_c() {
    // λ = 3200/s, μ = 1000/s per worker, c = 4 (ρ = 0.8):
    // W = 1/μ + C(c, a)/(cμ − λ).
    let (c, lambda, mu) = (4, 3200.0, 1000.0);
    let theory_ms = (1.0 / mu + erlang_c(c, lambda / mu) / (f64::from(c) * mu - lambda)) * 1e3;
    check(
        "M/M/4 mean ms",
        &each(mm4(), |r| r.latency.mean),
        theory_ms,
        0.03,
    );
}

#[test]
fn mm4_queue_length_and_utilization_match_erlang_c() {
    // Same M/M/4 (a = λ/μ = 3.2, ρ = a/c = 0.8): an arrival waits with
    // probability C(c, a), so Lq = C(c, a)·ρ/(1−ρ) ≈ 2.39 waiting on average,
    // and each worker is busy ρ = λ/(cμ) = 0.8 of the time. Tolerance as for
    // M/M/1: 5 standard errors, the empty start negligible against them.
    let (c, lambda, mu) = (4, 3200.0, 1000.0);
    let rho = lambda / (f64::from(c) * mu);
    let lq = erlang_c(c, lambda / mu) * rho / (1.0 - rho);
    check("M/M/4 Lq", &each(mm4(), |r| r.server.mean_queue), lq, 0.03);
    check(
        "M/M/4 utilization",
        &each(mm4(), |r| r.server.utilization),
        rho,
        0.03,
    );
}

#[test]
fn md1_mean_response_matches_pollaczek_khinchine() {
    // Deterministic 1 ms work at ρ = 0.8: W = 1/μ + ρ/(2μ(1−ρ)) = 1 + 2 = 3 ms.
    check("M/D/1 mean ms", &each(md1(), |r| r.latency.mean), 3.0, 0.03);
}

#[test]
fn md1_queue_length_matches_pollaczek_khinchine() {
    // Same M/D/1: Lq = ρ²/(2(1−ρ)) = 1.6, half the M/M/1 figure at the same
    // load because the work has no variance; utilization is ρ = 0.8. Tolerance
    // as for M/M/1: 5 standard errors, the empty start negligible against them.
    check("M/D/1 Lq", &each(md1(), |r| r.server.mean_queue), 1.6, 0.03);
    check(
        "M/D/1 utilization",
        &each(md1(), |r| r.server.utilization),
        0.8,
        0.03,
    );
}

#[test]
fn erlang_c_reference_value() {
    // A published table value: c = 2, a = 1 gives C = 1/3.
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
}
