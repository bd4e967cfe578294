//! Load balancing against queueing theory, and outlier ejection.
//!
//! Four replicas, each one worker with exponential 1 ms work (μ = 1000/s),
//! behind a balancer that adds no delay, fed Poisson arrivals at λ = 3200/s
//! (ρ = 0.8). The strategies differ only in how the arrivals are split:
//!
//! - **random**: a random split of a Poisson stream is four independent
//!   Poisson streams of λ/4, so each replica is M/M/1 and the mean response
//!   is exactly `1/(μ − λ/4)` = 5 ms;
//! - **round-robin**: each replica gets every fourth arrival, so its
//!   interarrival times are Erlang-4 (four exponential stages of rate λ): an
//!   E4/M/1 queue, whose mean response is `1/(μ(1 − σ))` with σ the root in
//!   (0, 1) of `σ = (λ/(λ + μ(1 − σ)))^4` (the GI/M/1 result);
//! - **least outstanding**: with no network delay this is join-the-shortest-
//!   queue, which no split can beat by more than pooling all four workers
//!   behind one queue: M/M/4 (Erlang C) is a lower bound;
//! - **power of two choices** sits between least outstanding and random.
//!
//! Tolerances are sized from replications as in `queueing.rs`.

use super::support::{T_CRIT, check, erlang_c, mean_and_se, run};

const REPLICATIONS: u64 = 10;
const LAMBDA: f64 = 3200.0;
const MU: f64 = 1000.0;

fn pool(strategy: &str, secs: u32) -> String {
    format!(
        r#"Scenario(name: "pool", duration: "{secs}s",
            nodes: {{
                "users": Client(open: Poisson(per_second: {LAMBDA}), target: "lb"),
                "lb": Balancer(pool: ["s1", "s2", "s3", "s4"], strategy: {strategy}),
                "s1": Service(workers: 1, work: Exponential(mean: "1ms")),
                "s2": Service(workers: 1, work: Exponential(mean: "1ms")),
                "s3": Service(workers: 1, work: Exponential(mean: "1ms")),
                "s4": Service(workers: 1, work: Exponential(mean: "1ms")),
            }})"#
    )
}

/// Mean end-to-end response (ms) of each replication.
fn means(strategy: &str) -> Vec<f64> {
    (1..=REPLICATIONS)
        .map(|seed| run(&pool(strategy, 40), seed).latency_ms.mean)
        .collect()
}

/// The root σ in (0, 1) of `σ = (λ/(λ + μ(1 − σ)))^4`, by fixed-point
/// iteration (a contraction on [0, σ*] when ρ < 1).
fn e4m1_sigma(lambda: f64, mu: f64) -> f64 {
    let mut sigma = 0.0;
    for _ in 0..10_000 {
        sigma = (lambda / (lambda + mu * (1.0 - sigma))).powi(4);
    }
    sigma
}

#[test]
fn e4m1_root_matches_a_known_case() {
    // For Erlang-1 (Poisson) arrivals the GI/M/1 root is ρ itself; check the
    // iteration's shape on that case, then that the Erlang-4 root solves its equation.
    let mut sigma: f64 = 0.0;
    for _ in 0..10_000 {
        sigma = LAMBDA / 4.0 / (LAMBDA / 4.0 + MU * (1.0 - sigma));
    }
    assert!((sigma - 0.8).abs() < 1e-9);
    let s4 = e4m1_sigma(LAMBDA, MU);
    assert!(s4 > 0.0 && s4 < 0.8);
    assert!((s4 - (LAMBDA / (LAMBDA + MU * (1.0 - s4))).powi(4)).abs() < 1e-12);
}

#[test]
fn strategies_order_as_queueing_theory_predicts() {
    let random_theory = 1e3 / (MU - LAMBDA / 4.0);
    let rr_theory = 1e3 / (MU * (1.0 - e4m1_sigma(LAMBDA, MU)));
    let mm4 = (1.0 / MU + erlang_c(4, LAMBDA / MU) / (4.0 * MU - LAMBDA)) * 1e3;

    let random = means("Random");
    check(
        "random split: 4 × M/M/1 mean ms",
        &random,
        random_theory,
        0.03,
    );
    let rr = means("RoundRobin");
    check("round-robin: E4/M/1 mean ms", &rr, rr_theory, 0.03);

    let (least, least_se) = mean_and_se(&means("LeastOutstanding"));
    let (p2c, p2c_se) = mean_and_se(&means("PowerOfTwo"));
    eprintln!(
        "least outstanding {least:.4} (se {least_se:.4}), power of two {p2c:.4} (se {p2c_se:.4}); \
         M/M/4 {mm4:.4}, E4/M/1 {rr_theory:.4}, M/M/1 {random_theory:.4}"
    );
    assert!(
        least > mm4 - T_CRIT * least_se,
        "least outstanding {least} beats the M/M/4 bound {mm4}"
    );
    assert!(
        least + T_CRIT * least_se < rr_theory,
        "least outstanding {least} not better than round-robin {rr_theory}"
    );
    assert!(
        least + T_CRIT * (least_se + p2c_se) < p2c && p2c + T_CRIT * p2c_se < random_theory,
        "power of two {p2c} not between least outstanding {least} and random {random_theory}"
    );
}

/// Constant arrivals at 400/s, round-robin over four replicas; `s4` crashes
/// at 5 s and restarts at 20 s. The balancer times calls out after 100 ms
/// and ejects after 5 failures in a row for 10 s.
const EJECTION: &str = r#"Scenario(name: "eject", duration: "40s",
    nodes: {
        "users": Client(open: Constant(per_second: 400), target: "lb"),
        "lb": Balancer(pool: ["s1", "s2", "s3", "s4"], policy: Policy(timeout: "100ms"),
                       eject: Eject(after: 5, max_ejected: 0.25, duration: "10s")),
        "s1": Service(workers: 4, work: "1ms"),
        "s2": Service(workers: 4, work: "1ms"),
        "s3": Service(workers: 4, work: "1ms"),
        "s4": Service(workers: 4, work: "1ms"),
    },
    timeline: [At("5s", Crash("s4")), At("20s", Restart("s4"))])"#;

#[test]
fn outlier_ejection_removes_a_failing_replica_and_restores_it() {
    let s = run(EJECTION, 1);
    let events = &s.services["lb"]
        .balancer
        .as_ref()
        .expect("a balancer")
        .events;
    let seen: Vec<(bool, &str)> = events
        .iter()
        .map(|e| (e.ejected, e.replica.as_str()))
        .collect();
    // Ejected soon after the crash; restored 10 s later while still down, so
    // ejected again; restored 10 s after that, up again, and kept.
    assert_eq!(
        seen,
        [(true, "s4"), (false, "s4"), (true, "s4"), (false, "s4")],
        "{events:?}"
    );
    let at: Vec<f64> = events.iter().map(|e| e.at_s).collect();
    // Five consecutive timeouts: the fifth call sent after the crash (every
    // fourth request, 10 ms apart) times out 100 ms after it was sent.
    assert!(at[0] > 5.1 && at[0] < 5.2, "first ejection at {}", at[0]);
    assert!((at[1] - at[0] - 10.0).abs() < 1e-9);
    assert!(
        at[2] > at[1] && at[2] < at[1] + 0.2,
        "second ejection at {}",
        at[2]
    );
    assert!((at[3] - at[2] - 10.0).abs() < 1e-9);
    assert!(at[3] > 20.0, "restored after the restart");

    // While ejected, s4 gets nothing; once restored and up, its quarter.
    for w in &s.windows {
        let arrivals = w.services["s4"].arrivals;
        let inside = |a: f64, b: f64| w.start_s >= a && w.end_s <= b;
        if inside(at[0] + 0.1, at[1]) || inside(at[2] + 0.1, at[3]) {
            assert_eq!(arrivals, 0, "window at {} s: s4 got traffic", w.start_s);
        }
        if w.start_s >= at[3].ceil() {
            assert!(
                (99..=101).contains(&arrivals),
                "window at {} s: s4 got {arrivals}",
                w.start_s
            );
        }
    }
    // Once the ejection is in place no request fails: only calls already on
    // their way to s4 before each ejection were lost.
    let late_failures: u64 = s
        .windows
        .iter()
        .filter(|w| w.start_s >= 6.0 && w.end_s <= 15.0)
        .map(|w| w.failed)
        .sum();
    assert_eq!(late_failures, 0);
}

#[test]
fn ejection_never_takes_out_more_than_its_share() {
    // Two replicas fail every request; max_ejected 0.25 of 4 allows only one out.
    let src = r#"Scenario(name: "eject", duration: "20s",
        nodes: {
            "users": Client(open: Constant(per_second: 400), target: "lb"),
            "lb": Balancer(pool: ["s1", "s2", "s3", "s4"],
                           eject: Eject(after: 3, max_ejected: 0.25, duration: "2s")),
            "s1": Service(workers: 4, work: "1ms"),
            "s2": Service(workers: 4, work: "1ms"),
            "s3": Service(workers: 4, work: "1ms", error_rate: 1),
            "s4": Service(workers: 4, work: "1ms", error_rate: 1),
        })"#;
    let s = run(src, 1);
    let events = &s.services["lb"].balancer.as_ref().unwrap().events;
    assert!(events.len() >= 4, "{events:?}");
    let mut out = 0i32;
    for e in events {
        out += if e.ejected { 1 } else { -1 };
        assert!((0..=1).contains(&out), "{out} ejected at {} s", e.at_s);
        assert!(e.replica == "s3" || e.replica == "s4");
    }
    // The healthy replicas are never ejected and keep serving.
    assert!(s.services["s1"].ok > 1000 && s.services["s2"].ok > 1000);
}
