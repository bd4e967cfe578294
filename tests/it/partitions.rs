//! Partitions block exactly the directions they cut, and heal restores them.

use super::support::run;

fn scenario(cut: &str) -> String {
    format!(
        r#"Scenario(name: "cut", duration: "30s",
            nodes: {{
                "users": Client(open: Constant(per_second: 100), target: "server", policy: Policy(timeout: "100ms")),
                "server": Service(workers: 10, work: Constant("1ms")),
            }},
            default_link: Link(latency: "1ms"),
            timeline: [At("10s", {cut}), At("20s", Heal)],
        )"#
    )
}

/// Requests that arrive at the server in the eight whole windows from 11 s
/// to 19 s, well inside the cut, and the end-to-end successes and timeouts
/// there. At 100 evenly spaced requests a second, each window holds exactly
/// 100 arrivals or 100 timeouts (a request times out 100 ms after it is
/// sent, so the timeouts in a window are those sent 100 ms earlier).
fn during_cut(src: &str) -> (u64, u64, u64) {
    let s = run(src, 1);
    let cut: Vec<_> = s
        .windows
        .iter()
        .filter(|w| w.start_s >= 10.5 && w.end_s <= 19.5)
        .collect();
    let arrivals = cut.iter().map(|w| w.services["server"].arrivals).sum();
    let ok = cut.iter().map(|w| w.ok).sum();
    let timeouts = cut.iter().map(|w| w.failures.timeout).sum();
    (arrivals, ok, timeouts)
}

#[test]
fn a_cut_request_path_stops_requests_reaching_the_server() {
    let (arrivals, ok, timeouts) =
        during_cut(&scenario(r#"Partition(one_way: ("users", "server"))"#));
    assert_eq!(arrivals, 0);
    assert_eq!(ok, 0);
    assert_eq!(timeouts, 800);
}

#[test]
fn a_cut_reply_path_lets_requests_in_but_no_answers_out() {
    let (arrivals, ok, timeouts) =
        during_cut(&scenario(r#"Partition(one_way: ("server", "users"))"#));
    assert_eq!(arrivals, 800, "requests still reach the server");
    assert_eq!(ok, 0);
    assert_eq!(timeouts, 800);
}

#[test]
fn a_group_partition_cuts_both_ways_and_heal_restores() {
    let src = scenario(r#"Partition(group: ["server"])"#);
    let (arrivals, ok, _) = during_cut(&src);
    assert_eq!((arrivals, ok), (0, 0));
    let s = run(&src, 1);
    let after: u64 = s
        .windows
        .iter()
        .filter(|w| w.start_s >= 21.0)
        .map(|w| w.ok)
        .sum();
    // 9 full windows at 100 requests per second after the heal.
    assert_eq!(after, 900);
    let before: u64 = s
        .windows
        .iter()
        .filter(|w| w.end_s <= 10.0)
        .map(|w| w.failed)
        .sum();
    assert_eq!(before, 0);
}

#[test]
fn a_cut_unrelated_pair_changes_nothing() {
    let src = r#"Scenario(name: "cut", duration: "20s",
        nodes: {
            "users": Client(open: Constant(per_second: 100), target: "server", policy: Policy(timeout: "100ms")),
            "server": Service(workers: 10, work: Constant("1ms")),
            "other": Service(workers: 1, work: Constant("1ms")),
        },
        timeline: [At("5s", Partition(pairs: [("users", "other"), ("other", "server")]))],
    )"#;
    let s = run(src, 1);
    assert_eq!(s.requests.failed, 0);
}
