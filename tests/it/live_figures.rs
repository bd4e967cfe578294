//! The figures the graph and the inspector show for nodes and links (rates
//! and failure shares of the last closed window), against exact counts and
//! the binomial law.

use faultlab::live::{Command, Session, Snapshot, Speed};
use faultlab::sim::time::SimDuration;

use crate::support;

/// `rate` requests a second, evenly spaced, to an api that calls a db once
/// per request with `policy`; `db` holds the db's extra settings. No link
/// delay, constant 1 ms work.
fn scenario(rate: u32, policy: &str, db: &str, timeline: &str) -> String {
    format!(
        r#"Scenario(duration: "10s", timeline: [{timeline}],
    nodes: {{
        "users": Client(open: Constant(per_second: {rate}), target: "api"),
        "api": Service(workers: 100, work: Constant("1ms"), calls: [Call(to: "db", policy: "api-db")]),
        "db": Service(workers: 100, work: Constant("1ms"){db}),
    }},
    policies: {{ "api-db": {policy} }},
)"#
    )
}

/// The live snapshot after `secs` simulated seconds.
fn snapshot_after(src: &str, secs: u64) -> Snapshot {
    let mut session = Session::new(support::config(src, 1));
    session.command(Command::SetSpeed(Speed::Max));
    session.command(Command::Play);
    session.advance_by(SimDuration::from_secs(secs));
    session.snapshot()
}

/// The figures of the link `from → to`: (attempts per second, failed share).
fn link(s: &Snapshot, from: &str, to: &str) -> (f64, f64) {
    let (from, to) = (s.scenario.node_id(from), s.scenario.node_id(to));
    let e = s
        .edges
        .iter()
        .find(|e| Some(e.from) == from && Some(e.to) == to)
        .expect("the link is drawn");
    (e.attempts_per_s, e.error_fraction)
}

#[test]
fn rates_are_exact_counts_per_second() {
    // 100 a second, evenly: each one-second window holds exactly 100
    // arrivals at api, 100 attempts on each link, and no failure.
    let s = snapshot_after(&scenario(100, "Policy()", "", ""), 3);
    let api = s.scenario.node_id("api").expect("api");
    assert_eq!(s.nodes[api.index()].arrivals_per_s, 100.0);
    assert_eq!(link(&s, "users", "api"), (100.0, 0.0));
    assert_eq!(link(&s, "api", "db"), (100.0, 0.0));
}

#[test]
fn a_links_failed_share_follows_the_callees_error_rate() {
    // 2,000 attempts a window, each failing with probability 1/4: the
    // share is 0.25 with binomial sd √(0.25 · 0.75 / 2000) ≈ 0.0097.
    let s = snapshot_after(&scenario(2000, "Policy()", ", error_rate: 0.25", ""), 3);
    let (rate, failed) = link(&s, "api", "db");
    assert_eq!(rate, 2000.0);
    let sd = (0.25_f64 * 0.75 / 2000.0).sqrt();
    assert!((failed - 0.25).abs() < 5.0 * sd, "failed share {failed}");
}

#[test]
fn every_attempt_to_a_crashed_callee_fails() {
    // db down from the start, 50 ms timeouts: in a steady window every
    // attempt sent times out, and as many time out as are sent.
    let crash = r#"At("0s", Crash("db"))"#;
    let src = scenario(100, r#"Policy(timeout: "50ms")"#, "", crash);
    let s = snapshot_after(&src, 3);
    assert_eq!(link(&s, "api", "db"), (100.0, 1.0));
}
