//! Deployments: versions, canaries, blue/green switches and rollbacks,
//! checked against exact counts and binomial bounds.
//!
//! The service in every scenario has 50 workers and a constant 1 ms of work
//! under 1000 requests/s (Poisson), so requests never queue: each is
//! answered 1 ms after it arrives, and a request's version is fixed when it
//! arrives. A canary at fraction f thins the Poisson arrivals: the requests
//! its version serves over a step of T seconds are Poisson with mean
//! f·λ·T, so a count is checked within 5 standard deviations (√(f·λ·T)),
//! which a correct run misses with probability below 1e-6. Rates of a
//! version are binomial: p within 5·√(p(1 − p)/n).

use faultlab::metrics::RunSummary;
use faultlab::metrics::deploy::{DeployKind, ServiceDeploySummary};
use faultlab::scenario;
use faultlab::sim::Simulation;

use super::support::{example, run};

const LAMBDA: f64 = 1000.0;

/// "users" → "api" (versions v1 and v2, v2 written as `v2`), plus a timeline.
fn scenario(v2: &str, timeline: &str, secs: u32) -> String {
    format!(
        r#"Scenario(name: "deploy", duration: "{secs}s",
            nodes: {{
                "users": Client(open: Poisson(per_second: {LAMBDA}), target: "api"),
                "api": Service(workers: 50, work: "1ms",
                               versions: [Version(name: "v2", {v2})]),
            }},
            timeline: [{timeline}])"#
    )
}

fn api(s: &RunSummary) -> &ServiceDeploySummary {
    &s.deployments
        .as_ref()
        .expect("a deployments section")
        .services["api"]
}

/// Requests version `v` answered in windows `from..to` (1 s windows).
fn served(s: &RunSummary, v: usize, from: usize, to: usize) -> u64 {
    api(s).windows[from..to].iter().map(|w| w[v].requests).sum()
}

/// Within `sigmas` standard deviations of a Poisson count with mean `mean`.
fn assert_poisson(label: &str, count: u64, mean: f64) {
    let sd = mean.sqrt();
    assert!(
        (count as f64 - mean).abs() <= 5.0 * sd,
        "{label}: {count}, expected {mean} ± 5·{sd:.1}"
    );
}

/// A rate within 5 binomial standard deviations of `p` over `n` trials.
fn assert_rate(label: &str, failed: u64, n: u64, p: f64) {
    let rate = failed as f64 / n as f64;
    let sd = (p * (1.0 - p) / n as f64).sqrt();
    assert!(
        (rate - p).abs() <= 5.0 * sd,
        "{label}: {failed} of {n} = {rate}, expected {p} ± 5·{sd:.4}"
    );
}

#[test]
fn a_bad_canary_is_rolled_back_after_its_first_step() {
    let src = scenario(
        "error_rate: 0.5",
        r#"At("10s", Canary(service: "api", version: "v2", steps: [0.05, 0.25, 1.0],
                            step_every: "5s", rollback_if: RollbackIf(error_rate: 0.1)))"#,
        30,
    );
    for seed in 1..=3 {
        let s = run(&src, seed);
        let d = s.deployments.as_ref().unwrap();
        let kinds: Vec<(f64, DeployKind)> = d.events.iter().map(|e| (e.at_s, e.kind)).collect();
        assert_eq!(
            kinds,
            vec![(10.0, DeployKind::Canary), (15.0, DeployKind::Rollback)],
            "seed {seed}"
        );
        assert_eq!(d.events[1].version, "v1", "everything back on v1");
        let reason = d.events[1].reason.as_deref().unwrap();
        assert!(reason.starts_with("error rate"), "{reason}");
        // Only the first step's fraction ever saw v2: f·λ·T requests.
        let v2 = api(&s).versions[1].counts;
        assert_poisson("v2 requests", v2.requests, 0.05 * LAMBDA * 5.0);
        // Before the canary and after the rollback (1 ms of answers may
        // spill into the rollback's window) v2 served nothing.
        assert_eq!(served(&s, 1, 0, 10), 0);
        assert_eq!(served(&s, 1, 16, 30), 0);
        // v1 never fails, so every failed request is one of v2's errors.
        assert_eq!(s.requests.failed, v2.errors, "seed {seed}");
        assert_rate("v2 error rate", v2.errors, v2.requests, 0.5);
    }
}

#[test]
fn a_slow_canary_is_rolled_back_on_its_p99() {
    let src = scenario(
        r#"extra_latency: "50ms""#,
        r#"At("5s", Canary(service: "api", version: "v2", steps: [0.1, 0.5],
                           step_every: "5s", rollback_if: RollbackIf(p99: "20ms")))"#,
        20,
    );
    let s = run(&src, 4);
    let d = s.deployments.as_ref().unwrap();
    assert_eq!(d.events.len(), 2);
    assert_eq!(
        (d.events[1].at_s, d.events[1].kind),
        (10.0, DeployKind::Rollback)
    );
    assert!(d.events[1].reason.as_deref().unwrap().starts_with("p99 51"));
}

#[test]
fn a_good_canary_is_promoted_step_by_step() {
    let src = scenario(
        r#"work: "1ms""#,
        r#"At("10s", Canary(service: "api", version: "v2", steps: [0.1, 0.5],
                            step_every: "5s", rollback_if: RollbackIf(error_rate: 0.01, p99: "10ms")))"#,
        30,
    );
    let s = run(&src, 5);
    let d = s.deployments.as_ref().unwrap();
    let kinds: Vec<(f64, DeployKind, f64)> = d
        .events
        .iter()
        .map(|e| (e.at_s, e.kind, e.fraction))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (10.0, DeployKind::Canary, 0.1),
            (15.0, DeployKind::Step, 0.5),
            (20.0, DeployKind::Promote, 1.0)
        ]
    );
    // Whole windows inside each step.
    assert_poisson("v2 in step 1", served(&s, 1, 11, 15), 0.1 * LAMBDA * 4.0);
    assert_poisson("v2 in step 2", served(&s, 1, 16, 20), 0.5 * LAMBDA * 4.0);
    assert_eq!(
        served(&s, 0, 21, 30),
        0,
        "after promotion v1 serves nothing"
    );
    assert!(served(&s, 1, 21, 30) > 8000);
    assert_eq!(s.requests.failed, 0);
}

#[test]
fn blue_green_switches_every_request_after_the_switch_and_back() {
    let src = scenario(
        r#"work: "1ms""#,
        r#"At("10s", BlueGreen(service: "api", version: "v2")), At("20s", Rollback("api"))"#,
        30,
    );
    for seed in 1..=3 {
        let s = run(&src, seed);
        // No network delay and no queueing: a request reaches the service
        // the moment the client makes it, so v2 served exactly the requests
        // made between the switch and the switch back.
        let offered: u64 = s.windows[10..20].iter().map(|w| w.offered).sum();
        let v = &api(&s).versions;
        assert_eq!(v[1].counts.requests, offered, "seed {seed}");
        assert_eq!(
            v[0].counts.requests + v[1].counts.requests,
            s.requests.total
        );
        assert_eq!(served(&s, 0, 11, 20), 0);
        assert_eq!(served(&s, 1, 0, 10) + served(&s, 1, 21, 30), 0);
        let d = s.deployments.as_ref().unwrap();
        let kinds: Vec<(f64, DeployKind, &str)> = d
            .events
            .iter()
            .map(|e| (e.at_s, e.kind, e.version.as_str()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (10.0, DeployKind::Switch, "v2"),
                (20.0, DeployKind::Rollback, "v1")
            ]
        );
    }
}

#[test]
fn an_incompatible_version_fails_old_callers_at_its_share_of_traffic() {
    // One long step: 20 % of requests reach v2, whose replies (format 2)
    // the client (format 1) rejects.
    let src = scenario(
        "format: 2",
        r#"At("0s", Canary(service: "api", version: "v2", steps: [0.2], step_every: "1h"))"#,
        20,
    );
    let s = run(&src, 6);
    let v2 = api(&s).versions[1].counts;
    assert_eq!(v2.errors, 0, "the service itself saw no error");
    assert_eq!(v2.rejected, v2.requests, "every v2 answer was rejected");
    assert_eq!(s.requests.failed, v2.rejected);
    assert_eq!(s.failures.error, v2.rejected, "rejections count as errors");
    assert_rate("failure rate", s.requests.failed, s.requests.total, 0.2);
}

#[test]
fn a_service_caller_rejects_a_newer_format_unless_its_own_version_reads_it() {
    let src = |gateway_switch: &str| {
        format!(
            r#"Scenario(name: "mixed", duration: "10s",
                nodes: {{
                    "users": Client(open: Poisson(per_second: {LAMBDA}), target: "gw"),
                    "gw": Service(workers: 50, work: "1ms", calls: [Call(to: "api")],
                                  versions: [Version(name: "g2", format: 2),
                                             Version(name: "g3", reads: 2)]),
                    "api": Service(workers: 50, work: "1ms",
                                   versions: [Version(name: "v2", format: 2)]),
                }},
                timeline: [{gateway_switch} At("0s", BlueGreen(service: "api", version: "v2"))])"#
        )
    };
    // The old gateway cannot read v2's answers: every request fails.
    let old = run(&src(""), 7);
    assert_eq!(old.requests.ok, 0);
    assert!(old.requests.failed > 9000);
    // A gateway on g2 reads format 2 (a version reads its own format), but
    // its own answers are in format 2, which the client cannot read: still
    // every request fails, now at the client.
    let both = run(
        &src(r#"At("0s", BlueGreen(service: "gw", version: "g2")),"#),
        7,
    );
    let d = both.deployments.as_ref().unwrap();
    assert_eq!(d.services["api"].versions[1].counts.rejected, 0);
    assert_eq!(
        d.services["gw"].versions[1].counts.rejected,
        both.requests.total
    );
    // g3 reads format 2 and still writes format 1: upgrade the readers
    // first, then the writers, and nothing fails.
    let readers_first = run(
        &src(r#"At("0s", BlueGreen(service: "gw", version: "g3")),"#),
        7,
    );
    assert_eq!(readers_first.requests.failed, 0);
    assert!(readers_first.requests.ok > 9000);
}

#[test]
fn a_versions_error_rate_is_its_extra_error_on_top_of_the_services() {
    for (base, extra, expected) in [(0.0, 0.1, 0.1), (0.2, 0.1, 0.28)] {
        let src = format!(
            r#"Scenario(name: "errors", duration: "20s",
                nodes: {{
                    "users": Client(open: Poisson(per_second: {LAMBDA}), target: "api"),
                    "api": Service(workers: 50, work: "1ms", error_rate: {base},
                                   versions: [Version(name: "v2", error_rate: {extra})]),
                }},
                timeline: [At("0s", BlueGreen(service: "api", version: "v2"))])"#
        );
        let s = run(&src, 8);
        let v2 = api(&s).versions[1].counts;
        assert_eq!(v2.requests, s.requests.total);
        assert_rate("v2 error rate", v2.errors, v2.requests, expected);
    }
}

#[test]
fn canary_fractions_share_random_numbers() {
    // The same requests draw the same number whatever the fraction, so the
    // requests a 10 % canary serves are among those a 30 % canary serves:
    // the counts nest, and the arrivals are the same.
    let at = |f: f64| {
        scenario(
            r#"work: "1ms""#,
            &format!(
                r#"At("0s", Canary(service: "api", version: "v2", steps: [{f}], step_every: "1h"))"#
            ),
            10,
        )
    };
    let small = run(&at(0.1), 9);
    let large = run(&at(0.3), 9);
    let (a, b) = (
        api(&small).versions[1].counts.requests,
        api(&large).versions[1].counts.requests,
    );
    assert!(a < b, "{a} < {b}");
    assert_eq!(small.requests.offered, large.requests.offered);
    assert_poisson("10 %", a, 0.1 * LAMBDA * 10.0);
    assert_poisson("30 %", b, 0.3 * LAMBDA * 10.0);
}

#[test]
fn a_scenario_without_versions_has_no_deployments_section() {
    let src = r#"Scenario(name: "plain", duration: "2s",
        nodes: { "users": Client(open: Poisson(per_second: 100), target: "api"),
                 "api": Service(workers: 1, work: "1ms") })"#;
    assert!(run(src, 1).deployments.is_none());
}

/// The loader's message for `src`, which must not load.
fn error(src: &str) -> String {
    match scenario::parse_str(src, "t.ron") {
        Ok(_) => panic!("expected an error for:\n{src}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_rollouts_get_located_errors() {
    let canary = |args: &str| {
        scenario(
            "error_rate: 0.1",
            &format!(r#"At("1s", Canary(service: "api", {args}))"#),
            5,
        )
    };
    let e = error(&canary(r#"version: "v9", steps: [0.1], step_every: "1s""#));
    assert!(
        e.contains("t.ron:7:")
            && e.contains("timeline[0].version: no version named \"v9\"; this service has v1, v2"),
        "{e}"
    );
    let e = error(&canary(
        r#"version: "v2", steps: [0.5, 0.1], step_every: "1s""#,
    ));
    assert!(
        e.contains("timeline[0].steps[1]: 0.1 is below the step before it"),
        "{e}"
    );
    let e = error(&canary(r#"version: "v2", steps: [], step_every: "1s""#));
    assert!(
        e.contains("timeline[0].steps: a canary needs at least one step"),
        "{e}"
    );
    let e = error(&canary(r#"version: "v2", steps: [0], step_every: "0s""#));
    assert!(
        e.contains("steps[0]: a step's fraction must be above 0"),
        "{e}"
    );
    assert!(
        e.contains("timeline[0].step_every: step_every must be above 0"),
        "{e}"
    );
    let e = error(&canary(r#"version: "v2", steps: [1.5], step_every: "1s""#));
    assert!(e.contains("1.5 is out of range"), "{e}");

    let plain = r#"Scenario(duration: "5s",
        nodes: { "users": Client(open: Poisson(per_second: 10), target: "api"),
                 "api": Service(workers: 1, work: "1ms") },
        timeline: [At("1s", Rollback("api")), At("2s", BlueGreen(service: "users", version: "v2"))])"#;
    let e = error(plain);
    assert!(
        e.contains("timeline[0]: \"api\" has one version (v1); list the others in its versions:"),
        "{e}"
    );
    assert!(
        e.contains("timeline[1].service: \"users\" is not a service"),
        "{e}"
    );

    let versions = |list: &str| {
        format!(
            r#"Scenario(duration: "5s",
                nodes: {{ "api": Service(workers: 1, work: "1ms", version: "v2", versions: [{list}]) }})"#
        )
    };
    let e = error(&versions(r#"Version(name: "v2")"#));
    assert!(
        e.contains(r#"nodes."api".versions[0].name: a version named v2 is already listed (the base version is v2)"#),
        "{e}"
    );
    let e = error(&versions(r#"Version(name: "v3", format: 0)"#));
    assert!(e.contains("versions[0].format: 0 is too small"), "{e}");
}

#[test]
fn rollouts_are_written_back_and_replay_the_same_run() {
    let src = scenario(
        r#"error_rate: 0.3, extra_latency: Exponential(mean: "2ms"), format: 3"#,
        r#"At("2s", Canary(service: "api", version: "v2", steps: [0.1, 0.4], step_every: "2s",
                           rollback_if: RollbackIf(error_rate: 0.2, p99: "40ms"))),
           At("8s", BlueGreen(service: "api", version: "v2")), At("9s", Rollback("api"))"#,
        10,
    );
    let first = scenario::parse_str(&src, "a.ron").unwrap();
    let text = scenario::to_ron(&first);
    assert!(text.contains("Canary("), "{text}");
    let second = scenario::parse_str(&text, "b.ron").unwrap();
    assert_eq!(scenario::to_ron(&second), text);
    let a = faultlab::sim::Simulation::new(first.config).run();
    let b = faultlab::sim::Simulation::new(second.config).run();
    assert_eq!(faultlab::report::to_json(&a), faultlab::report::to_json(&b));
}

#[test]
fn the_command_line_shows_versions_and_rollouts() {
    use super::cli::{faultlab, text};
    let out = faultlab(&["run", "labs/examples/canary.ron"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(
        table.contains("deploy      20.0 s  api canary v2 at 5.000%"),
        "{table}"
    );
    assert!(
        table.contains("deploy      30.0 s  api rolled back to v1: error rate"),
        "{table}"
    );
    let out = faultlab(&["run", "labs/examples/canary.ron", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &v["deployments"];
    let events = d["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["kind"], "rollback");
    assert_eq!(events[1]["at_s"], 30.0);
    let api = &d["services"]["api"];
    assert_eq!(api["versions"][1]["version"], "v2");
    let windows = api["windows"].as_array().unwrap();
    assert_eq!(windows.len(), v["windows"].as_array().unwrap().len());
    // Per window, the versions' requests add up to the totals.
    let v2: u64 = windows
        .iter()
        .map(|w| w[1]["requests"].as_u64().unwrap())
        .sum();
    assert_eq!(api["versions"][1]["requests"].as_u64(), Some(v2));
    // 5 % of one 10 s step at 400/s is 200 (± 5·√200 ≈ 71).
    assert!((129..=271).contains(&v2), "{v2}");
}

/// The per-version counts reach the CSV (per window) and the Prometheus
/// snapshot (totals) exactly as in the JSON summary; and, independently of
/// the deployment log, the versions' requests add up to what the service
/// answered (ok + errors) in every window and in total.
#[test]
fn per_version_counts_are_in_the_csv_and_prometheus_exports() {
    let s = Simulation::new(example("canary.ron").config).run();
    let api = api(&s);
    let mut buf = Vec::new();
    faultlab::report::write_csv(&s, &mut buf).unwrap();
    let mut rows = csv::Reader::from_reader(buf.as_slice());
    let header = rows.headers().unwrap().clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
    };
    let (v1, v2) = (col("api@v1.requests"), col("api@v2.requests"));
    let (e1, e2) = (col("api@v1.errors"), col("api@v2.errors"));
    let (r2, ok, err) = (col("api@v2.rejected"), col("api.ok"), col("api.errors"));
    let mut total = [0u64; 2];
    let mut k = 0;
    for row in rows.records() {
        let row = row.unwrap();
        let n = |c: usize| row[c].parse::<u64>().unwrap();
        let w = &api.windows[k];
        assert_eq!(
            [n(v1), n(e1), n(v2), n(e2), n(r2)],
            [
                w[0].requests,
                w[0].errors,
                w[1].requests,
                w[1].errors,
                w[1].rejected
            ]
        );
        assert_eq!(n(v1) + n(v2), n(ok) + n(err), "window {k}");
        total[0] += n(v1);
        total[1] += n(v2);
        k += 1;
    }
    assert_eq!(k, s.windows.len());
    assert_eq!(
        total[0] + total[1],
        s.services["api"].ok + s.services["api"].errors
    );
    assert!(total[1] > 0, "the canary served something");

    let text = faultlab::export::prometheus::to_prometheus(&s);
    for (v, name) in ["v1", "v2"].iter().enumerate() {
        let c = api.versions[v].counts;
        for (field, want) in [
            ("requests", c.requests),
            ("errors", c.errors),
            ("rejected", c.rejected),
        ] {
            let line = format!(
                "faultlab_version_{field}_total{{scenario=\"Canary\",node=\"api\",version=\"{name}\"}} {want}"
            );
            assert!(text.lines().any(|l| l == line), "no line {line}");
        }
        assert_eq!(total[v], c.requests);
    }
}
