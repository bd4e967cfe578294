//! Readings checked against exact counts, in runs where every time is a
//! constant: the SLO (availability, error budget, requests left unanswered),
//! requests cut by a partition, an overloaded queue, and utilization.

use faultlab::report;

use crate::support;

/// A request every 10 ms (the k-th at k × 10 ms, k = 1..2000); 1 ms each way
/// on the links and 1 ms of work, so an answer takes 3 ms. The service is
/// down from 5 s to 15 s. `policy` is the client's policy.
pub(crate) fn crash_scenario(policy: &str) -> String {
    format!(
        r#"Scenario(
    duration: "20s",
    nodes: {{
        "users": Client(open: Constant(per_second: 100), target: "api", policy: "users"),
        "api": Service(workers: 4, work: Constant("1ms")),
    }},
    default_link: Link(latency: Constant("1ms")),
    policies: {{ "users": {policy} }},
    timeline: [At("5s", Crash("api")), At("15s", Restart("api"))],
    slo: Slo(availability: 0.999, latency: "200ms"),
)"#
    )
}

/// What the crash does, counted by hand. A timeline action at t comes after
/// the events due at t, so the request sent at 5.00 s reaches a crashed
/// service (at 5.001 s) and is lost, and so is every one up to 14.99 s: k =
/// 500..=1499, 1000 requests. The one sent at 15.00 s arrives after the
/// restart. Requests k = 1..=499 and 1500..=1999 are answered, 999 in all;
/// the one sent at 20.00 s, the run's last instant, is still on its way.
pub(crate) const LOST: u64 = 1000;
const ANSWERED: u64 = 999;

#[test]
fn the_error_budget_follows_from_exact_counts() {
    // A 95 ms timeout turns each lost request into a failure 95 ms later
    // (never on a window's edge, so every window's count is exact too).
    let s = support::run(&crash_scenario(r#"Policy(timeout: "95ms")"#), 1);
    assert_eq!(s.requests.ok, ANSWERED);
    assert_eq!(s.requests.failed, LOST);
    assert_eq!(s.requests.unfinished, 1);
    let finished = (ANSWERED + LOST) as f64;
    let allowed = (1.0 - 0.999) * finished;
    let slo = &s.slo;
    assert!((slo.error_budget - allowed).abs() < 1e-9, "{slo:?}");
    let consumed = LOST as f64 / allowed;
    assert!((slo.budget_consumed - consumed).abs() < 1e-9, "{slo:?}");
    assert!((slo.budget_remaining - (1.0 - consumed)).abs() < 1e-9);
    assert!(!slo.availability_met);
    assert_eq!(slo.unanswered, 0, "every lost request timed out");

    // Each window's budget is for the run so far. By 6 s: the 499 answers
    // before the crash and the timeouts of requests k = 500..=590 (the
    // last at 5.995 s), 91 failures of 590 finished requests.
    let w = &s.windows[5];
    assert_eq!((w.start_s, w.end_s), (5.0, 6.0));
    let so_far = 1.0 - 91.0 / ((1.0 - 0.999) * 590.0);
    assert!((w.budget_remaining - so_far).abs() < 1e-9, "{w:?}");
    // Before the crash nothing was spent.
    assert_eq!(s.windows[4].budget_remaining, 1.0);
    // The last window's budget is the run's.
    let last = s.windows.last().expect("windows");
    assert!((last.budget_remaining - slo.budget_remaining).abs() < 1e-9);
}

#[test]
fn requests_left_waiting_are_reported_as_unanswered() {
    // No timeout: the lost requests wait forever. Availability counts only
    // finished requests, so it reads 100%; the report must not let that
    // pass unremarked.
    let s = support::run(&crash_scenario("Policy()"), 1);
    assert_eq!(s.requests.ok, ANSWERED);
    assert_eq!(s.requests.failed, 0);
    assert_eq!(s.requests.unfinished, LOST + 1);
    assert_eq!(s.slo.availability, 1.0);
    // The youngest lost request has waited 5.01 s, far over 200 ms; the
    // last one sent, none.
    assert_eq!(s.slo.unanswered, LOST);
    let table = report::to_table(&s);
    let warning = format!("but {LOST} requests had waited over 200.000 ms with no answer");
    assert!(table.contains(&warning), "{table}");
    assert!(report::to_json(&s).contains(&format!("\"unanswered\": {LOST}")));
}

#[test]
fn a_request_waiting_less_than_the_threshold_is_not_unanswered() {
    // The same crash with the restart at 19.9 s: the requests sent from
    // 19.80 s on (k = 1980..=1989) have waited 110..=200 ms at the end,
    // not over 200 ms; those before, from 5.00 s to 19.79 s, have.
    let src = crash_scenario("Policy()").replace("At(\"15s\"", "At(\"19.9s\"");
    let s = support::run(&src, 1);
    let lost = 1990 - 500;
    assert_eq!(s.requests.unfinished, lost + 1);
    assert_eq!(s.slo.unanswered, 1980 - 500);
}

#[test]
fn a_one_way_cut_loses_exactly_the_requests_sent_across_it() {
    // users → api cut from 5 s to 15 s (replies unaffected). A timeline
    // action at t comes after the events due at t: the request sent at
    // 5.00 s is in flight when the cut comes and is lost on arrival; those
    // from 5.01 s to 15.00 s are cut as they are sent (the heal comes after
    // the 15.00 s send). k = 500..=1500: 1001 requests, each a timeout.
    let src = crash_scenario(r#"Policy(timeout: "95ms")"#)
        .replace("Crash(\"api\")", "Partition(one_way: (\"users\", \"api\"))")
        .replace("Restart(\"api\")", "Heal");
    let s = support::run(&src, 1);
    assert_eq!(s.network.cut, 1001);
    assert_eq!(s.requests.failed, 1001);
    assert_eq!(s.failures.timeout, 1001);
    assert_eq!(s.requests.ok, 2000 - 1001 - 1);
}

#[test]
fn an_overloaded_queue_grows_by_the_excess_rate() {
    // 2000 requests a second (the k-th at k × 0.5 ms) into one worker of
    // 1 ms, no link delay: the worker finishes one every millisecond from
    // 1.5 ms on, 9,999 by 10 s, with one more in hand; 20,000 have come, so
    // 10,000 wait at the end, the most at any time.
    let src = r#"Scenario(duration: "10s",
        nodes: {
            "users": Client(open: Constant(per_second: 2000), target: "api"),
            "api": Service(workers: 1, queue: 100000, work: Constant("1ms")),
        })"#;
    let s = support::run(src, 1);
    let api = &s.services["api"];
    assert_eq!(api.max_queue, 10_000);
    assert_eq!(api.ok, 9_999);
    // The time-averaged queue of a line growing from 0 to 10,000: 5,000,
    // give or take the sawtooth of half a request.
    assert!((api.mean_queue - 5_000.0).abs() < 1.0, "{}", api.mean_queue);
}

#[test]
fn utilization_counts_a_down_service_as_idle() {
    // The 999 answered requests each hold one of api's 4 workers for
    // exactly 1 ms of work; over the 20 s run, crashed time included, that
    // is 0.999 s of 80 worker-seconds.
    let s = support::run(&crash_scenario(r#"Policy(timeout: "95ms")"#), 1);
    let api = &s.services["api"];
    assert_eq!(api.ok, ANSWERED);
    let expected = ANSWERED as f64 * 1e-3 / (4.0 * 20.0);
    assert!(
        (api.utilization - expected).abs() < 1e-9,
        "{}",
        api.utilization
    );
}
