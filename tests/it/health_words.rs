//! The health word (and colour) the window gives each node, from its last
//! closed window: exact rates and constant work times make each case sure.

use faultlab::live::{Command, Health, Session, Speed};
use faultlab::sim::time::SimDuration;

use crate::support;

/// `rate` requests a second (evenly spaced) into a service with `workers`
/// workers of constant 1 ms work and the extra `service` settings.
fn scenario(rate: u32, workers: u32, service: &str) -> String {
    format!(
        r#"Scenario(duration: "10s",
    nodes: {{
        "users": Client(open: Constant(per_second: {rate}), target: "api"),
        "api": Service(workers: {workers}, queue: 100000, work: Constant("1ms"){service}),
    }},
    timeline: [At("1s", Slow("api", 1.0))],
)"#
    )
}

/// The api's health word after `secs` simulated seconds in the window's session.
fn health_after(src: &str, secs: u64) -> Health {
    let config = support::config(src, 1);
    let api = config.node_id("api").expect("api");
    let mut session = Session::new(config);
    session.command(Command::SetSpeed(Speed::Max));
    session.command(Command::Play);
    session.advance_by(SimDuration::from_secs(secs));
    session.snapshot().nodes[api.index()].health
}

#[test]
fn a_lightly_loaded_service_is_healthy() {
    // 100/s of 1 ms work on 4 workers: 2.5% busy, no errors.
    assert_eq!(health_after(&scenario(100, 4, ""), 3), Health::Healthy);
}

#[test]
fn a_saturated_service_is_overloaded() {
    // 2000/s of 1 ms work on one worker is twice its capacity: the queue
    // grows by 1000 a second.
    assert_eq!(health_after(&scenario(2000, 1, ""), 3), Health::Overloaded);
}

#[test]
fn a_service_failing_over_one_percent_is_degraded() {
    // 10,000 answers a window: 5% errors is 500 ± 22 (binomial sd), 0.5%
    // is 50 ± 7; the 1% line (100) lies over 18 and 7 sd from them.
    let failing = scenario(10_000, 50, ", error_rate: 0.05");
    assert_eq!(health_after(&failing, 3), Health::Degraded);
    let nearly_fine = scenario(10_000, 50, ", error_rate: 0.005");
    assert_eq!(health_after(&nearly_fine, 3), Health::Healthy);
}

#[test]
fn a_slowed_service_is_degraded_and_a_crashed_one_crashed() {
    let slowed = scenario(100, 4, "").replace("Slow(\"api\", 1.0)", "Slow(\"api\", 2.0)");
    assert_eq!(health_after(&slowed, 3), Health::Degraded);
    let crashed = scenario(100, 4, "").replace("Slow(\"api\", 1.0)", "Crash(\"api\")");
    assert_eq!(health_after(&crashed, 3), Health::Crashed);
}
