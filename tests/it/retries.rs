//! Retries against probability: with independent failures of probability p and
//! at most k attempts, a request succeeds with probability 1 − p^k and makes
//! (1 − p^k)/(1 − p) attempts on average.

use super::support::run;

fn scenario(p: f64, max_retries: u32) -> String {
    format!(
        r#"Scenario(name: "retries", duration: "100s",
            nodes: {{
                "users": Client(open: Poisson(per_second: 500), target: "flaky",
                                policy: Policy(retry: Retry(max: {max_retries}))),
                "flaky": Service(workers: 100, work: Constant("1ms"), error_rate: {p}),
            }})"#
    )
}

#[test]
fn success_rate_and_attempts_follow_the_geometric_law() {
    for (p, k) in [(0.3, 3u32), (0.5, 2), (0.1, 4)] {
        let s = run(&scenario(p, k - 1), 42);
        let n = s.requests.total as f64;
        assert!(n > 45_000.0);
        let success = 1.0 - p.powi(k as i32);
        let attempts = success / (1.0 - p);
        // Each request is an independent trial: binomial and per-request
        // attempt-count standard errors, 5 of them as the tolerance.
        let se_success = (success * (1.0 - success) / n).sqrt();
        let attempt_var: f64 = (1..=k)
            .map(|a| {
                let prob = if a < k {
                    p.powi(a as i32 - 1) * (1.0 - p)
                } else {
                    p.powi(k as i32 - 1)
                };
                prob * (f64::from(a) - attempts).powi(2)
            })
            .sum();
        let se_attempts = (attempt_var / n).sqrt();
        let measured_success = s.requests.availability;
        let measured_attempts = s.requests.attempts as f64 / s.requests.offered as f64;
        eprintln!(
            "p={p} k={k}: success {measured_success:.5} vs {success:.5}, attempts {measured_attempts:.4} vs {attempts:.4}"
        );
        assert!(
            (measured_success - success).abs() < 5.0 * se_success,
            "p={p} k={k} success {measured_success}"
        );
        assert!(
            (measured_attempts - attempts).abs() < 5.0 * se_attempts,
            "p={p} k={k} attempts {measured_attempts}"
        );
        assert_eq!(s.requests.ok + s.requests.failed, s.requests.total);
        assert_eq!(
            s.failures.error, s.requests.failed,
            "every failure is the service's error"
        );
    }
}

#[test]
fn a_retry_budget_caps_retries_to_its_ratio() {
    // Half of all attempts fail; without a budget a request retries up to 3
    // times (~0.875 retries per request); a 10% budget allows about 0.1 retries
    // per request (plus the initial 10 tokens).
    let src = r#"Scenario(name: "budget", duration: "60s",
        nodes: {
            "users": Client(open: Poisson(per_second: 500), target: "flaky",
                            policy: Policy(retry: Retry(max: 3, budget: 0.1))),
            "flaky": Service(workers: 100, work: Constant("1ms"), error_rate: 0.5),
        })"#;
    let s = run(src, 1);
    let retries = s.requests.attempts - s.requests.offered;
    let allowed = 0.1 * s.requests.offered as f64 + 10.0;
    assert!(
        retries as f64 <= allowed + 1.0,
        "{retries} retries > {allowed}"
    );
    assert!(
        retries as f64 >= 0.95 * allowed,
        "budget should be nearly used up: {retries} of {allowed}"
    );
}
