//! The engine against queueing theory.
//!
//! Response times in a queue are strongly autocorrelated, so the i.i.d.
//! standard error of one long run understates the noise several times over.
//! Each check therefore runs independent replications (different seeds) and
//! sizes its tolerance from their spread: the estimate must lie within
//! `T_CRIT` standard errors of the theoretical value, where the standard error
//! is that of the mean of the replication means. `T_CRIT = 5` exceeds the
//! two-sided 99.9% point of Student's t with 9 degrees of freedom (4.78).
//! To keep the check meaningful the standard error itself must be small (a
//! few percent of the value), so a noisy estimate cannot pass by luck.

use super::support::{check, erlang_c, run};

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

/// Replication estimates of (mean response ms, p99 ms, mean number in system, throughput/s, mean duration s).
fn replicate(src: &str) -> Vec<(f64, f64, f64, f64, f64)> {
    (1..=REPLICATIONS)
        .map(|seed| {
            let s = run(src, seed);
            let server = &s.services["server"];
            (
                s.latency_ms.mean,
                s.latency_ms.p99,
                server.mean_in_system,
                server.rate_per_s,
                server.duration_ms.mean / 1e3,
            )
        })
        .collect()
}

#[test]
fn mm1_mean_and_p99_match_theory() {
    // λ = 800/s, μ = 1000/s: W ~ Exponential(μ − λ), so mean 1/(μ−λ) = 5 ms
    // and p99 = ln(100)/(μ−λ) = 23.03 ms.
    let reps = replicate(&mm_c(800.0, 1, r#"Exponential(mean: "1ms")"#, 200));
    let means: Vec<f64> = reps.iter().map(|r| r.0).collect();
    let p99s: Vec<f64> = reps.iter().map(|r| r.1).collect();
    check("M/M/1 mean ms", &means, 5.0, 0.03);
    check("M/M/1 p99 ms", &p99s, 100f64.ln() / 200.0 * 1e3, 0.03);
}

#[test]
fn littles_law_holds_in_every_replication() {
    // L = λ·W is an identity over a run, up to the requests still inside at the
    // end (a handful out of ~160,000), so each replication agrees within 0.5%.
    for (seed, r) in replicate(&mm_c(800.0, 1, r#"Exponential(mean: "1ms")"#, 200))
        .iter()
        .enumerate()
    {
        let (_, _, in_system, throughput, duration_s) = *r;
        let predicted = throughput * duration_s;
        assert!(
            (in_system - predicted).abs() / predicted < 0.005,
            "seed {}: L = {in_system}, λW = {predicted}",
            seed + 1
        );
    }
}

#[test]
fn mm4_mean_response_matches_erlang_c() {
    // λ = 3200/s, μ = 1000/s per worker, c = 4 (ρ = 0.8):
    // W = 1/μ + C(c, a)/(cμ − λ).
    let (c, lambda, mu) = (4, 3200.0, 1000.0);
    let theory_ms = (1.0 / mu + erlang_c(c, lambda / mu) / (f64::from(c) * mu - lambda)) * 1e3;
    let reps = replicate(&mm_c(lambda, c, r#"Exponential(mean: "1ms")"#, 60));
    let means: Vec<f64> = reps.iter().map(|r| r.0).collect();
    check("M/M/4 mean ms", &means, theory_ms, 0.03);
}

#[test]
fn md1_mean_response_matches_pollaczek_khinchine() {
    // Deterministic 1 ms work at ρ = 0.8: W = 1/μ + ρ/(2μ(1−ρ)) = 1 + 2 = 3 ms.
    let reps = replicate(&mm_c(800.0, 1, r#"Constant("1ms")"#, 120));
    let means: Vec<f64> = reps.iter().map(|r| r.0).collect();
    check("M/D/1 mean ms", &means, 3.0, 0.03);
}

#[test]
fn erlang_c_reference_value() {
    // A published table value: c = 2, a = 1 gives C = 1/3.
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
}
