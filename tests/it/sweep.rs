//! `faultlab sweep`: the grid, its CSV, its errors, and that every row is
//! exactly the run `faultlab run` would make with those settings.

use faultlab::scenario::Scenario;
use faultlab::sim::Simulation;
use faultlab::sim::config::NodeKind;
use faultlab::sweep::{self, Setting};

use super::cli::{faultlab, text};
use super::support::{example, mean_and_se};

fn settings(args: &[&str]) -> Vec<Setting> {
    args.iter().map(|a| a.parse().unwrap()).collect()
}

fn short(mut s: Scenario, secs: u64) -> Scenario {
    s.config.duration = faultlab::sim::time::SimDuration::from_secs(secs);
    s
}

#[test]
fn the_cli_writes_one_row_per_grid_point_and_seed() {
    let out = faultlab(&[
        "sweep",
        "labs/examples/retry-storm.ron",
        "--set",
        "nodes.db.workers=8,16",
        "--set",
        "policies.api->db.retries=0,1,3",
        "--seeds",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header[..4],
        [
            "nodes.db.workers",
            "policies.api->db.retries",
            "seed",
            "offered"
        ]
    );
    for column in ["availability", "amplification", "latency_p99_ms", "timeout"] {
        assert!(header.iter().any(|h| h == column), "{column}");
    }
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    // 2 × 3 points × 2 seeds, settings slowest-first, seeds fastest.
    let keys: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("8", "0", "3"),
            ("8", "0", "4"),
            ("8", "1", "3"),
            ("8", "1", "4"),
            ("8", "3", "3"),
            ("8", "3", "4"),
            ("16", "0", "3"),
            ("16", "0", "4"),
            ("16", "1", "3"),
            ("16", "1", "4"),
            ("16", "3", "3"),
            ("16", "3", "4"),
        ]
    );
    // The story of the scenario: eight database workers with three retries
    // do not recover from the slowdown; sixteen without retries ride it out.
    let col = header.iter().position(|h| h == "availability").unwrap();
    let availability = |workers: &str, retries: &str| -> f64 {
        rows.iter()
            .filter(|r| r[0] == workers && r[1] == retries)
            .map(|r| r[col].parse::<f64>().unwrap())
            .sum::<f64>()
            / 2.0
    };
    assert!(availability("16", "0") > availability("8", "3") + 0.1);
}

#[test]
fn each_row_is_the_run_with_those_settings() {
    let base = short(example("retry-storm.ron"), 40);
    let s = settings(&[
        "nodes.db.workers=8,12",
        "policies.api->db.timeout=50ms,none",
    ]);
    let plan = sweep::plan(&base, &s, 2).unwrap();
    assert_eq!(plan.len(), 8);
    let rows = sweep::run(plan, 2, &|| {});
    let csv = sweep::to_csv(&s, &rows);
    for row in &rows {
        // The same settings made by hand, run headless.
        let mut config = base.config.clone();
        config.seed = row.seed;
        let db = config.node_id("db").unwrap();
        let NodeKind::Service(d) = &mut config.nodes[db.index()].kind else {
            unreachable!()
        };
        d.workers = row.values[0].parse().unwrap();
        let api = config.node_id("api").unwrap();
        let NodeKind::Service(a) = &mut config.nodes[api.index()].kind else {
            unreachable!()
        };
        a.calls[0].policy.timeout = match row.values[1].as_str() {
            "none" => None,
            t => Some(faultlab::scenario::parse_duration(t).unwrap()),
        };
        let mut want = Simulation::new(config).run();
        want.windows = Vec::new();
        assert_eq!(
            faultlab::report::to_json(&row.summary),
            faultlab::report::to_json(&want),
            "{:?} seed {}",
            row.values,
            row.seed
        );
        assert!(
            csv.contains(&format!(
                "{},{},{},{},",
                row.values[0], row.values[1], row.seed, want.requests.offered
            )),
            "{csv}"
        );
    }
}

#[test]
fn a_rate_sweep_of_mm1_follows_queueing_theory() {
    // Mean response time of M/M/1 is 1/(mu - lambda), mu = 1000/s. Over 4
    // seeds of 60 s each, the sample mean is within 5 standard errors
    // (estimated across seeds) plus 3% (the start-up transient from an
    // empty queue biases it low by less than that at these loads).
    let base = short(example("mm1.ron"), 60);
    let s = settings(&["nodes.arrivals.per_second=300,600,800"]);
    let rows = sweep::run(sweep::plan(&base, &s, 4).unwrap(), 0, &|| {});
    for rate in ["300", "600", "800"] {
        let means: Vec<f64> = rows
            .iter()
            .filter(|r| r.values[0] == rate)
            .map(|r| r.summary.latency_ms.mean)
            .collect();
        assert_eq!(means.len(), 4);
        let lambda: f64 = rate.parse().unwrap();
        let theory = 1000.0 / (1000.0 - lambda);
        let (mean, se) = mean_and_se(&means);
        assert!(
            (mean - theory).abs() <= 5.0 * se + 0.03 * theory,
            "λ = {rate}: mean {mean:.3} ms, theory {theory:.3} ms, se {se:.3}"
        );
    }
}

#[test]
fn every_path_form_applies() {
    let base = short(example("three-tier.ron"), 2);
    let s = settings(&[
        "duration=100s",
        "nodes.db.queue=none",
        "nodes.db.error_rate=0.01",
        "nodes.users.per_second=50",
        "nodes.users.max_in_flight=100",
        "nodes.users.writes=0.5",
        "nodes.cache.capacity=10",
        "nodes.cache.ttl=1s",
        "policies.users->gateway.deadline=1s",
        "policies.gateway->orders.budget=0.2",
        "policies.gateway->orders.hedge=5ms",
        "policies.cache->db.idempotency_keys=true",
    ]);
    let plan = sweep::plan(&base, &s, 1).unwrap();
    let c = &plan[0].config;
    assert_eq!(c.duration, faultlab::sim::time::SimDuration::from_secs(100));
    let node = |n: &str| &c.nodes[c.node_id(n).unwrap().index()].kind;
    let NodeKind::Service(db) = node("db") else {
        unreachable!()
    };
    assert_eq!((db.queue_capacity, db.error_rate), (None, 0.01));
    let NodeKind::Client(u) = node("users") else {
        unreachable!()
    };
    assert_eq!(u.max_in_flight, Some(100));
    assert_eq!(u.write_fraction, 0.5);
    assert_eq!(
        u.load,
        faultlab::sim::config::Load::Open {
            arrivals: faultlab::sim::config::Arrivals::Poisson { rate_per_s: 50.0 }
        }
    );
    let NodeKind::Cache(cache) = node("cache") else {
        unreachable!()
    };
    assert_eq!(cache.capacity, 10);
    assert!(cache.backing.policy.idempotency_keys);
    let NodeKind::Service(g) = node("gateway") else {
        unreachable!()
    };
    assert_eq!(g.calls[0].policy.retry.budget.map(|b| b.ratio), Some(0.2));
    assert!(g.calls[0].policy.hedge.is_some());
}

#[test]
fn bad_settings_are_clear_errors() {
    let base = short(example("retry-storm.ron"), 2);
    let cases: &[(&str, &str)] = &[
        (
            "nodes.db.wrokers=4",
            "a service has no setting `wrokers` (it has workers, queue, error_rate)",
        ),
        (
            "nodes.dbb.workers=4",
            "no node named \"dbb\" (known: users, api, db)",
        ),
        ("policies.db->api.retries=1", "\"db\" does not call \"api\""),
        (
            "policies.api->db.retry=1",
            "a policy has no setting `retry`",
        ),
        (
            "policies.api.retries=1",
            "expected policies.CALLER->CALLEE.FIELD",
        ),
        ("nodes.db.workers=four", "`four` is not a whole number"),
        ("nodes.db.workers=0", "workers"),
        (
            "nodes.users.users=4",
            "an open-loop client has per_second, not users",
        ),
        ("colour=blue", "unknown path"),
        ("nodes.db.workers", "expected PATH=VALUES"),
        ("nodes.db.workers=4,,8", "an empty value"),
        ("duration=forever", "`forever`"),
        ("duration=48h", "duration"),
        ("policies.api->db.retries=11", "retr"),
    ];
    for (arg, want) in cases {
        let err = arg
            .parse::<Setting>()
            .and_then(|s| sweep::plan(&base, &[s], 1).map(|_| ()))
            .expect_err(arg);
        let shown = err.to_string();
        assert!(shown.contains(want), "{arg}: {shown}");
        assert!(
            shown.contains(arg.split(',').next().unwrap().split('=').next().unwrap()),
            "{arg}: names the setting: {shown}"
        );
    }
    assert!(sweep::plan(&base, &[], 0).is_err());
    let big = settings(&["nodes.db.workers=1,2,3,4,5,6,7,8,9,10"]);
    let err = sweep::plan(&base, &big, 1001).unwrap_err().to_string();
    assert!(err.contains("10010 runs; the limit is 10000"), "{err}");
}

#[test]
fn the_cli_reports_a_bad_setting_as_bad_input() {
    let out = faultlab(&[
        "sweep",
        "labs/examples/mm1.ron",
        "--set",
        "nodes.server.wrokers=2",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("labs/examples/mm1.ron: --set nodes.server.wrokers=2: a service has no setting `wrokers`"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
