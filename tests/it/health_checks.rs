//! A balancer's health checks against the bounds their timing implies, and
//! retries that go to another replica.
//!
//! The set-up: constant arrivals at 400/s, round-robin over four replicas,
//! one-way link delays L uniform on [1 ms, 5 ms], probes every P = 100 ms,
//! fixed-timeout detector T = 300 ms, all clocks exact.
//!
//! **Suspicion after a crash at c.** The last probe the replica answers is
//! one that reached it before c: sent at s ≥ c − P − L_max (the next one
//! arrives after c), its answer is back at s + 2L ∈ [c − P − L_max + 2L_min,
//! c + L_max]. The detector suspects T (and 1 ns) after the last answer, so
//! the delay d from crash to suspicion lies in
//! `[T − P − L_max + 2 L_min, T + L_max]` = [197 ms, 305 ms].
//! From then on the replica gets no new request.
//!
//! **Back after a restart at r.** The first probe sent at or after
//! r − L_min reaches a running replica; it is sent at most P later and
//! answered within 2 L_max: the balancer hears from it again at most
//! `P + 2 L_max − L_min` = 109 ms after r, and round-robin gives it a
//! request within the next four arrivals (10 ms).

use faultlab::metrics::RunSummary;
use faultlab::metrics::edges::EdgeWindow;
use faultlab::sim::Simulation;
use faultlab::sim::config::NodeId;
use faultlab::sim::time::{SimDuration, SimTime};
use faultlab::sim::view::MemberState;

use crate::support::{config, run};

const P: f64 = 0.100;
const T: f64 = 0.300;
const L_MIN: f64 = 0.001;
const L_MAX: f64 = 0.005;
/// Slack for float seconds and the detector's extra nanosecond.
const EPS: f64 = 1e-6;

/// Four replicas behind a round-robin balancer; `health` is the balancer's
/// health field (or nothing), `timeline` the timeline's entries.
fn pool(health: &str, timeline: &str, duration: &str) -> String {
    format!(
        r#"Scenario(name: "health", duration: "{duration}", window: "10ms",
            nodes: {{
                "users": Client(open: Constant(per_second: 400), target: "lb"),
                "lb": Balancer(pool: ["s1", "s2", "s3", "s4"], policy: Policy(timeout: "100ms"){health}),
                "s1": Service(workers: 4, work: Exponential(mean: "1ms")),
                "s2": Service(workers: 4, work: Exponential(mean: "1ms")),
                "s3": Service(workers: 4, work: Exponential(mean: "1ms")),
                "s4": Service(workers: 4, work: Exponential(mean: "1ms")),
            }},
            default_link: Link(latency: Uniform(min: "1ms", max: "5ms")),
            timeline: [{timeline}])"#
    )
}

const HEALTH: &str =
    r#", health: Health(every: "100ms", detector: FixedTimeout(timeout: "300ms"))"#;

/// A run of `src` with `seed`: its summary, the per-window edge counts and
/// the window length in seconds.
fn run_with_edges(src: &str, seed: u64) -> (RunSummary, Vec<Vec<EdgeWindow>>, f64, Vec<String>) {
    let cfg = config(src, seed);
    let names = cfg.nodes.iter().map(|n| n.name.clone()).collect();
    let (end, window) = (SimTime::ZERO + cfg.duration, cfg.window.as_secs_f64());
    let mut sim = Simulation::new(cfg);
    sim.run_until(end);
    let edges = sim.edge_windows_since(0);
    (sim.finish(), edges, window, names)
}

/// Attempts from `from` to `to` in each window.
fn attempts(edges: &[Vec<EdgeWindow>], names: &[String], from: &str, to: &str) -> Vec<u64> {
    let id = |n: &str| names.iter().position(|x| x == n).unwrap() as u32;
    let (from, to) = (id(from), id(to));
    edges
        .iter()
        .map(|w| {
            w.iter()
                .filter(|e| e.from == from && e.to == to)
                .map(|e| e.attempts)
                .sum()
        })
        .collect()
}

/// The balancer's health events as (suspected, replica, time).
fn health_events(s: &RunSummary) -> Vec<(bool, String, f64)> {
    s.services["lb"]
        .balancer
        .as_ref()
        .expect("a balancer")
        .health
        .iter()
        .map(|e| (e.suspected, e.replica.clone(), e.at_s))
        .collect()
}

#[test]
fn a_crashed_replica_is_routed_around_within_the_bound_and_back_after_restart() {
    let (lo, hi) = (T - P - L_MAX + 2.0 * L_MIN, T + L_MAX);
    let back = P + 2.0 * L_MAX - L_MIN;
    for seed in 1..=8u64 {
        // Crash and restart at a different phase of the probe cycle each time.
        let c = 10.0 + seed as f64 * 0.0137;
        let r = 20.0 + seed as f64 * 0.0211;
        let src = pool(
            HEALTH,
            &format!(r#"At("{c}s", Crash("s4")), At("{r}s", Restart("s4"))"#),
            "30s",
        );
        let (s, edges, w, names) = run_with_edges(&src, seed);
        let events = health_events(&s);
        assert_eq!(events.len(), 2, "seed {seed}: {events:?}");
        let ((sus, who, t_s), (clear, who2, t_c)) = (&events[0], &events[1]);
        assert!(*sus && !*clear && who == "s4" && who2 == "s4", "{events:?}");
        let (d, e) = (t_s - c, t_c - r);
        eprintln!(
            "seed {seed}: suspected {:.1} ms after the crash (bound {:.0}..{:.0}), \
             answering again {:.1} ms after the restart (bound {:.0})",
            d * 1e3,
            lo * 1e3,
            hi * 1e3,
            e * 1e3,
            back * 1e3
        );
        assert!(
            (lo - EPS..=hi + EPS).contains(&d),
            "seed {seed}: detection {d}"
        );
        assert!(e > 0.0 && e <= back + EPS, "seed {seed}: recovery {e}");

        let to_s4 = attempts(&edges, &names, "lb", "s4");
        for (k, &a) in to_s4.iter().enumerate() {
            let start = k as f64 * w;
            if start >= *t_s && start + w <= *t_c {
                assert_eq!(a, 0, "seed {seed}: window at {start} s sent {a} to s4");
            }
        }
        // Routed to again within four arrivals of being heard from.
        let first = (t_c / w).ceil() as usize;
        assert!(
            to_s4[first - 1] + to_s4[first] + to_s4[first + 1] > 0,
            "seed {seed}: nothing sent to s4 soon after {t_c} s"
        );
        // The detector's own figures agree: one crash watched, detected once.
        let det = s.detection.expect("health checks are judged");
        assert_eq!((det.crashes_watched, det.detections), (1, 1));
        assert_eq!(det.false_suspicions, 0);
        assert!((det.max_time_to_detect_ms / 1e3 - d).abs() < EPS);
    }
}

/// A crash from 5 s to 25 s of a 30 s run at 400 requests/s: without health
/// checks (and no retries), every fourth request in the outage goes to the
/// dead replica and times out: 100/s × 20 s = 2000 failures (± a few at the
/// edges: requests in flight at the crash, delays across the restart). With
/// them, only the requests sent to it between the crash and the suspicion
/// fail: at most 100/s × (T + 2 L_max) + 1 ≈ 32 (requests sent up to L_max
/// before the crash may arrive after it).
#[test]
fn health_checks_raise_availability_with_one_replica_of_four_down() {
    let timeline = r#"At("5s", Crash("s4")), At("25s", Restart("s4"))"#;
    for seed in 1..=3 {
        let without = run(&pool("", timeline, "30s"), seed);
        let with = run(&pool(HEALTH, timeline, "30s"), seed);
        assert_eq!(without.requests.offered, with.requests.offered);
        assert!((11_999..=12_000).contains(&with.requests.offered));
        let (f0, f1) = (without.requests.failed, with.requests.failed);
        let most = (100.0 * (T + 2.0 * L_MAX)).ceil() as u64 + 1;
        let least = (100.0 * (T - P - L_MAX)).floor() as u64 - 1;
        eprintln!(
            "seed {seed}: failures without health checks {f0}, with {f1} (bounds {least}..{most}); \
             availability {:.5} → {:.5}",
            without.requests.availability, with.requests.availability
        );
        assert!((1995..=2005).contains(&f0), "without: {f0}");
        assert!((least..=most).contains(&f1), "with: {f1}");
        assert!(with.requests.availability > without.requests.availability);
    }
}

/// Probes are not requests, and do not disturb them: probes draw their
/// link delays from their own streams, so the request figures with health
/// checks are exactly those without (random delays and all), and the
/// network carried exactly one probe and one answer per replica per round:
/// rounds at 0, 0.1, ..., 30.0 s (301) × 4 × 2.
#[test]
fn probes_do_not_count_as_requests() {
    let fixed = |health: &str| pool(health, "", "30.05s");
    let without = run(&fixed(""), 7);
    let with = run(&fixed(HEALTH), 7);
    let strip = |s: &RunSummary| {
        let mut windows = serde_json::to_value(&s.windows).unwrap();
        for w in windows.as_array_mut().unwrap() {
            w.as_object_mut().unwrap().remove("state");
        }
        (
            serde_json::to_value(s.requests).unwrap(),
            serde_json::to_value(&s.services).unwrap(),
            serde_json::to_value(&s.clients).unwrap(),
            serde_json::to_value(s.latency_ms).unwrap(),
            windows,
        )
    };
    assert_eq!(strip(&without), strip(&with));
    assert_eq!(with.network.sent - without.network.sent, 301 * 4 * 2);
    let det = with.detection.expect("health checks are judged");
    assert_eq!((det.watched_pairs, det.false_suspicions), (4, 0));
    assert!(health_events(&with).is_empty());
}

/// The links between the balancer and s2 are cut both ways from 5 s to
/// 10 s. Answers in flight at the cut are lost, so the last one arrives by
/// 5 s and at the earliest P + 2 L_max before: s2 is suspected T later,
/// within [5 + T − P − 2 L_max, 5 + T] s (a false suspicion: s2 is up), gets
/// nothing while suspected, and is heard from again within P + 2 L_max of
/// the heal (a probe sent across the cut never arrives, so the first that
/// does is sent at most P after the heal).
#[test]
fn a_partition_between_balancer_and_replica_is_suspected() {
    let timeline = r#"At("5s", Partition(pairs: [("lb", "s2"), ("s2", "lb")])), At("10s", Heal)"#;
    for seed in 1..=4 {
        let (s, edges, w, names) = run_with_edges(&pool(HEALTH, timeline, "15s"), seed);
        let events = health_events(&s);
        assert_eq!(events.len(), 2, "{events:?}");
        let (t_s, t_c) = (events[0].2, events[1].2);
        assert!(events[0].0 && events[0].1 == "s2" && !events[1].0);
        assert!(
            (5.0 + T - P - 2.0 * L_MAX - EPS..=5.0 + T + EPS).contains(&t_s),
            "suspected at {t_s}"
        );
        eprintln!(
            "seed {seed}: suspected {:.1} ms after the cut, answering {:.1} ms after the heal",
            (t_s - 5.0) * 1e3,
            (t_c - 10.0) * 1e3
        );
        assert!(t_c > 10.0 && t_c <= 10.0 + P + 2.0 * L_MAX + EPS, "{t_c}");
        let to_s2 = attempts(&edges, &names, "lb", "s2");
        for (k, &a) in to_s2.iter().enumerate() {
            let start = k as f64 * w;
            if start >= t_s && start + w <= t_c {
                assert_eq!(a, 0, "window at {start} s sent {a} to s2");
            }
        }
        let det = s.detection.unwrap();
        assert_eq!(det.false_suspicions, 1);
    }
}

/// Answers from s1, s2 and s3 are cut at 5 s: the balancer suspects them
/// and sends everything to s4. At 8 s s4's answers are cut too: with every
/// replica suspected the balancer fails open and spreads requests over all
/// four again (round-robin: a quarter each).
#[test]
fn with_every_replica_suspected_the_balancer_fails_open() {
    let timeline = r#"At("5s", Partition(pairs: [("s1", "lb"), ("s2", "lb"), ("s3", "lb")])),
                      At("8s", Partition(pairs: [("s4", "lb")]))"#;
    let cfg = config(&pool(HEALTH, timeline, "10s"), 3);
    let lb = NodeId(cfg.nodes.iter().position(|n| n.name == "lb").unwrap() as u32);
    let mut sim = Simulation::new(cfg);

    sim.run_until(SimTime::ZERO + SimDuration::from_secs(7));
    let states: Vec<(MemberState, bool)> = sim
        .pool_view(lb)
        .iter()
        .map(|m| (m.state, m.routed))
        .collect();
    let suspect = (MemberState::Suspected, false);
    assert_eq!(
        states,
        [suspect, suspect, suspect, (MemberState::Healthy, true)]
    );

    sim.run_until(SimTime::ZERO + SimDuration::from_secs(9));
    let states: Vec<(MemberState, bool)> = sim
        .pool_view(lb)
        .iter()
        .map(|m| (m.state, m.routed))
        .collect();
    assert_eq!(states, [(MemberState::Suspected, true); 4]);
    sim.run_until(SimTime::ZERO + SimDuration::from_secs(10));
    let edges = sim.edge_windows_since(0);
    let names: Vec<String> = sim.config().nodes.iter().map(|n| n.name.clone()).collect();
    // 6–7 s: everything to s4 (400/s × 1 s); 9–10 s: 100 each.
    let between = |to: &str, a: usize, b: usize| -> u64 {
        attempts(&edges, &names, "lb", to)[a..b].iter().sum()
    };
    for r in ["s1", "s2", "s3"] {
        assert_eq!(between(r, 600, 700), 0, "{r} got requests while suspected");
        let late = between(r, 900, 1000);
        assert!((98..=102).contains(&late), "{r} got {late} failing open");
    }
    // Arrivals reach the balancer with the link's jitter: ±1 at the edges.
    assert!((399..=401).contains(&between("s4", 600, 700)));
    assert!((98..=102).contains(&between("s4", 900, 1000)));
}

/// Two replicas, s2 fails every request; the balancer retries once on
/// errors. Round-robin sends every other request to s2 first; each of s2's
/// errors is retried on s1, the only other replica. So s1 serves every
/// request, s2 sees half of them (rounded either way), each of its errors
/// is one retry, and every request succeeds (a retry on the same replica
/// would fail all of s2's half).
#[test]
fn a_retry_goes_to_another_replica() {
    let src = r#"Scenario(name: "retry elsewhere", duration: "10s",
        nodes: {
            "users": Client(open: Constant(per_second: 100), target: "lb"),
            "lb": Balancer(pool: ["s1", "s2"],
                           policy: Policy(timeout: "100ms", retry: Retry(max: 1, backoff: None))),
            "s1": Service(workers: 4, work: "1ms"),
            "s2": Service(workers: 4, work: "1ms", error_rate: 1),
        })"#;
    let s = run(src, 1);
    let n = s.requests.total;
    assert!(n >= 999, "{n} requests");
    assert_eq!(s.requests.ok, n);
    assert_eq!(s.services["s1"].arrivals, n);
    let to_s2 = s.services["s2"].arrivals;
    assert!(to_s2 == n / 2 || to_s2 == n.div_ceil(2), "{to_s2} of {n}");
    // Each error s2 answered was retried once; one request may still be at
    // s2 when the run ends.
    let errors = s.services["s2"].errors;
    assert!(to_s2 - errors <= 1, "{errors} errors of {to_s2}");
    assert_eq!(s.services["lb"].calls.retries, errors);
}

/// Two replicas behind round-robin, s1 answering in 1 ms and s2 in 50 ms;
/// the balancer hedges an attempt still out after 10 ms, over 1 ms links.
/// Requests s1 gets first end in 5 ms end to end, unhedged. Requests s2
/// gets first are hedged at 10 ms, and the hedge goes to the other replica,
/// s1, which answers at 13 ms: 15 ms end to end. So s1 serves every request,
/// s2 only its half, every request s2 got is hedged once, and nothing takes
/// longer than 15 ms (a hedge back to the slow s2 would take 50 ms).
#[test]
fn a_hedge_goes_to_another_replica() {
    let src = r#"Scenario(name: "hedge elsewhere", duration: "10s",
        nodes: {
            "users": Client(open: Constant(per_second: 100), target: "lb"),
            "lb": Balancer(pool: ["s1", "s2"],
                           policy: Policy(timeout: "1s", hedge: After("10ms"))),
            "s1": Service(workers: 8, work: "1ms"),
            "s2": Service(workers: 8, work: "50ms"),
        },
        default_link: Link(latency: "1ms"))"#;
    let s = run(src, 1);
    let n = s.requests.total;
    assert!(n >= 999, "{n} requests");
    assert_eq!(s.requests.ok, n);
    let to_s2 = s.services["s2"].arrivals;
    assert!(to_s2 == n / 2 || to_s2 == n.div_ceil(2), "{to_s2} of {n}");
    assert_eq!(s.services["lb"].calls.hedges, to_s2);
    assert_eq!(s.services["s1"].arrivals, n);
    // 15 ms, read from a histogram bucket (within 0.1%).
    assert!(s.latency_ms.max <= 15.02, "{:?}", s.latency_ms);
    assert!(s.latency_ms.max >= 14.98, "{:?}", s.latency_ms);
}

/// The window: health-checks.ron five seconds after api-4 crashed; the
/// balancer's inspector lists api-4 as suspected and the others healthy,
/// and the failure-detection plot is shown (but no consistency plot: there
/// is no store).
#[test]
fn the_inspector_lists_the_pool_with_health() {
    use egui_kittest::kittest::Queryable as _;
    let mut h = crate::ui::example_window_with_hint("health-checks.ron");
    h.get_by_label("Got it").click();
    h.run();
    crate::ui::click(&mut h, "▶ Play");
    crate::ui::advance(&mut h, 25);
    h.get_by_role_and_label(egui::accesskit::Role::Button, "lb")
        .click();
    h.run();
    // The detector's plot, without the store's consistency plot.
    assert!(h.query_by_label("Failure detection per window").is_some());
    assert!(h.query_by_label("Consistency per window").is_none());
    assert!(h.query_by_label("Pool").is_some());
    assert_eq!(h.query_all_by_label("? suspected").count(), 1);
    // Three replicas (and perhaps the balancer's own health line).
    assert!(h.query_all_by_label("● healthy").count() >= 3);
    let pool = &h.state().snapshot().nodes[1].pool;
    let states: Vec<MemberState> = pool.iter().map(|m| m.state).collect();
    assert_eq!(
        states,
        [
            MemberState::Healthy,
            MemberState::Healthy,
            MemberState::Healthy,
            MemberState::Suspected
        ]
    );
}

/// Two replicas behind round-robin, each 4 workers of 10 ms (400/s), fed
/// 200/s over 1 ms links; s2 runs 10 times slower (40/s) from 5 s to 15 s.
/// `health` is the balancer's health field.
fn slow_replica(health: &str) -> String {
    format!(
        r#"Scenario(name: "slow replica", duration: "20s",
            nodes: {{
                "users": Client(open: Constant(per_second: 200), target: "lb"),
                "lb": Balancer(pool: ["s1", "s2"], policy: Policy(timeout: "2s"),
                               health: Health(every: "100ms", detector: FixedTimeout(timeout: "300ms"){health})),
                "s1": Service(workers: 4, queue: 10000, work: "10ms"),
                "s2": Service(workers: 4, queue: 10000, work: "10ms"),
            }},
            default_link: Link(latency: "1ms"),
            timeline: [At("5s", Slow("s2", 10.0)), At("15s", Slow("s2", 1.0))])"#
    )
}

/// A shallow check is answered on arrival, so a slow replica looks healthy:
/// s2 keeps its half, 100/s against a capacity of 40/s, and its queue grows
/// by 60/s, each request queued adding 25 ms of wait: past 80 queued (6.3 s)
/// the wait exceeds the 2 s timeout. After 15 s a request waits 2.5 ms per
/// one ahead, so the backlog of at most 600 never holds one 2 s. So the
/// requests s2 gets from 6.3 s until just before 15 s fail: at most 870 of
/// the 4,000 (809 in this run).
/// A deep check waits in s2's queue; once the wait passes the 300 ms
/// timeout its answers are failed checks, s2 is suspected and gets nothing
/// until its queue drains and a check is answered in time again. So s2
/// takes about what it can serve, and no request waits 2 s.
#[test]
fn a_deep_health_check_sees_an_overloaded_replica_a_shallow_one_does_not() {
    let shallow = run(&slow_replica(""), 1);
    let n = shallow.requests.total;
    assert!(n >= 3990, "{n} requests");
    assert_eq!(shallow.detection.as_ref().unwrap().false_suspicions, 0);
    let to_s2 = shallow.services["s2"].arrivals;
    assert!(to_s2 == n / 2 || to_s2 == n.div_ceil(2), "{to_s2} of {n}");
    let failed = shallow.requests.failed;
    assert!((700..=870).contains(&failed), "shallow: {failed} failed");

    let deep = run(&slow_replica(", deep: true"), 1);
    assert_eq!(deep.requests.failed, 0, "{:?}", deep.requests);
    // Suspected (though up: a "false" suspicion to a crash detector) only
    // while slow, at least once.
    let suspected_at: Vec<f64> = deep
        .windows
        .iter()
        .filter(|w| w.state.as_ref().is_some_and(|s| s.suspicions > 0))
        .map(|w| w.start_s)
        .collect();
    assert!(!suspected_at.is_empty());
    assert!(
        suspected_at.iter().all(|&t| (5.0..15.0).contains(&t)),
        "{suspected_at:?}"
    );
    // While slow, s2 takes about its capacity (400 in 10 s) plus what its
    // queue holds each time before the checks fail (about 12 requests),
    // not its round-robin half (1,000).
    let slow_arrivals: u64 = deep
        .windows
        .iter()
        .filter(|w| w.start_s >= 5.0 && w.end_s <= 15.0)
        .map(|w| w.services["s2"].arrivals)
        .sum();
    assert!(
        (300..=550).contains(&slow_arrivals),
        "s2 got {slow_arrivals} while slow"
    );
}

/// Deep checks need a fixed timeout; with phi accrual the file is refused
/// with a located error.
#[test]
fn deep_checks_with_phi_accrual_are_a_located_error() {
    let src = slow_replica(", deep: true").replace(
        "FixedTimeout(timeout: \"300ms\")",
        "PhiAccrual(threshold: 8.0)",
    );
    let e = faultlab::scenario::parse_str(&src, "deep.ron")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("deep.ron:5:") && e.contains("deep") && e.contains("FixedTimeout"),
        "{e}"
    );
}

/// The figures the comment of `health-checks.ron` quotes for its slow
/// replica exercise (api-2 20 times slower from 10 s), within 10%: shallow
/// checks 5,527 failures, deep ones with the 300 ms timeout 4,095, deep
/// ones every 20 ms with a 60 ms timeout 1,271.
#[test]
fn the_health_checks_example_quotes_its_slow_replica_figures() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/examples/health-checks.ron");
    let src = std::fs::read_to_string(path).unwrap();
    let slow = src.replace(
        "timeline: [",
        r#"timeline: [At("10s", Slow("api-2", 20.0)), "#,
    );
    let health = r#"Health(every: "100ms", detector: FixedTimeout(timeout: "300ms"))"#;
    assert!(slow.contains(health));
    let deep = slow.replace(
        health,
        r#"Health(every: "100ms", detector: FixedTimeout(timeout: "300ms"), deep: true)"#,
    );
    let deep_fast = slow.replace(
        health,
        r#"Health(every: "20ms", detector: FixedTimeout(timeout: "60ms"), deep: true)"#,
    );
    let failed = |src: &str| run(src, 1).requests.failed as f64;
    for (src, quoted) in [(&slow, 5527.0), (&deep, 4095.0), (&deep_fast, 1271.0)] {
        let got = failed(src);
        assert!(
            (got / quoted - 1.0).abs() < 0.1,
            "{got} failed, quoted {quoted}"
        );
    }
}

/// Deep checks wait in a service's queue but are not requests: the queue
/// the service reports counts requests only. s1 takes one request a second
/// for 500 ms, so no request ever waits (mean and longest queue 0), while
/// about 50 deep checks queue behind each one.
#[test]
fn deep_checks_waiting_are_not_counted_in_the_queue() {
    let src = r#"Scenario(name: "queued checks", duration: "5s",
        nodes: {
            "users": Client(open: Constant(per_second: 1), target: "lb"),
            "lb": Balancer(pool: ["s1"], policy: Policy(timeout: "2s"),
                           health: Health(every: "10ms", detector: FixedTimeout(timeout: "5s"), deep: true)),
            "s1": Service(workers: 1, work: "500ms"),
        },
        default_link: Link(latency: "1ms"))"#;
    let s = run(src, 1);
    assert_eq!(s.requests.failed, 0, "{:?}", s.requests);
    let s1 = &s.services["s1"];
    assert!(s1.arrivals >= 4, "{} arrivals", s1.arrivals);
    assert_eq!((s1.mean_queue, s1.max_queue), (0.0, 0), "{s1:?}");
}
