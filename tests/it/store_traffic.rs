//! What the window shows of store traffic: store operations per second on
//! the store client → replica edges and as arrivals at the replicas, checked
//! against the store clients' own operation counts (exact counts), and
//! monitors labelled as monitors.

use egui_kittest::kittest::Queryable as _;
use faultlab::live::{Command, Session};
use faultlab::sim::config::NodeId;
use faultlab::sim::time::SimDuration;

use crate::support::config;

/// Two store clients on three replicas, no loss; the clients stop (crash) at
/// 5 s, so by the end of the run (6 s; links take at most 4 ms) every
/// operation they sent has reached its replica.
const STORE: &str = r#"Scenario(
    version: 1,
    duration: "6s",
    nodes: {
        "shop": StoreClient(target: "r1", open: Poisson(per_second: 200), keys: Uniform(n: 20),
                            writes: 0.3, timeout: "1s"),
        "office": StoreClient(target: "r2", open: Poisson(per_second: 80), keys: Uniform(n: 20),
                              writes: 0.3, timeout: "1s"),
        "r1": Replica(peers: ["r2", "r3"], read_quorum: 2, write_quorum: 2),
        "r2": Replica(peers: ["r1", "r3"], read_quorum: 2, write_quorum: 2),
        "r3": Replica(peers: ["r1", "r2"], read_quorum: 2, write_quorum: 2),
    },
    default_link: Link(latency: Uniform(min: "1ms", max: "4ms")),
    timeline: [
        At("5s", Crash("shop")),
        At("5s", Crash("office")),
    ],
)"#;

/// The index of each named node, in order.
fn ids<const N: usize>(s: &Session, names: [&str; N]) -> [usize; N] {
    let nodes = &s.snapshot().scenario.nodes;
    names.map(|name| nodes.iter().position(|n| n.name == name).unwrap())
}

/// In each of the first four windows, the rate on each store client's edge
/// to its replica is exactly the client's own operations in that window
/// (both are counts over the same 1 s window), and the replica shows
/// arrivals; the figures are not zero.
#[test]
fn store_edges_count_the_clients_operations() {
    let mut s = Session::new(config(STORE, 3));
    s.command(Command::Play);
    let pairs = [("shop", "r1"), ("office", "r2")];
    let pair_ids = pairs.map(|(c, r)| ids(&s, [c, r]));
    for second in 1..=4 {
        s.advance_by(SimDuration::from_secs(1));
        let snap = s.snapshot();
        for ((client, replica), [c, r]) in pairs.into_iter().zip(pair_ids) {
            let edge = snap
                .edges
                .iter()
                .find(|e| e.from == NodeId(c as u32) && e.to == NodeId(r as u32))
                .expect("the store client's edge is drawn");
            let own = snap.nodes[c].arrivals_per_s;
            assert!(own > 30.0, "{client} at {second} s: {own}/s");
            assert_eq!(edge.attempts_per_s, own, "{client} at {second} s");
            assert_eq!(edge.error_fraction, 0.0, "{client} at {second} s");
            let arriving = snap.nodes[r].arrivals_per_s;
            assert!(arriving > 30.0, "{replica} at {second} s: {arriving}/s");
        }
    }
}

/// Over the whole run every operation a client issued arrived at its
/// replica exactly once: the replicas' arrivals equal the clients' counts.
#[test]
fn replica_arrivals_equal_the_clients_operations() {
    let mut s = Session::new(config(STORE, 5));
    s.command(Command::Play);
    s.advance_by(SimDuration::from_secs(6));
    let summary = s.finish_summary();
    for (client, replica) in [("shop", "r1"), ("office", "r2")] {
        let offered = summary.clients[client].offered;
        assert!(offered > 300, "{client}: {offered}");
        assert_eq!(summary.services[replica].arrivals, offered, "{replica}");
    }
    assert_eq!(summary.services["r3"].arrivals, 0, "nobody targets r3");
    // Leaderless replicas never redirect: one attempt per operation, so the
    // run's attempts equal its offered operations (they read 0 before).
    assert_eq!(summary.requests.attempts, summary.requests.offered);
    assert_eq!(summary.requests.amplification, 1.0);
}

/// The inspector names a monitor as a monitor, not a client.
#[test]
fn a_monitor_is_labelled_a_monitor() {
    let mut h = crate::ui::example_window_with_hint("zone-outage.ron");
    h.get_by_label("Got it").click();
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::Button, "watch")
        .click();
    h.run();
    assert!(h.query_by_label("watch (monitor)").is_some());
    assert!(h.query_by_label("watch (client)").is_none());
}

/// The rate on `from → to` and its failed share in the last closed window.
fn link(s: &Session, from: usize, to: usize) -> (f64, f64) {
    let snap = s.snapshot();
    let e = snap
        .edges
        .iter()
        .find(|e| e.from == NodeId(from as u32) && e.to == NodeId(to as u32))
        .expect("the peer link is drawn");
    (e.attempts_per_s, e.error_fraction)
}

/// Replica → replica links carry the coordinator's requests to its peers.
/// With writes only (so no read repair) every write r1 coordinates sends
/// one `Store` to each peer at the moment it arrives: the rate on r1 → r2
/// and r1 → r3 equals r1's arrivals in every window, exactly. r3 is down,
/// so r1's requests to it go unanswered until the 200 ms quorum timeout:
/// the share failed on r1 → r3 is the writes sent in [t − 0.2 s, t + 0.8 s)
/// over those sent in [t, t + 1 s), near 1 (each count ~200, the two
/// differ by two Poisson(40) tails: sd ≈ 0.045, so above 0.75 is over
/// five sd), while r2 answers everything. r3 sends nothing.
#[test]
fn peer_links_count_the_coordinators_requests() {
    let src = r#"Scenario(
        version: 1,
        duration: "6s",
        nodes: {
            "shop": StoreClient(target: "r1", open: Poisson(per_second: 200), keys: Uniform(n: 20),
                                writes: 1.0, timeout: "1s"),
            "r1": Replica(peers: ["r2", "r3"], read_quorum: 2, write_quorum: 2, quorum_timeout: "200ms"),
            "r2": Replica(peers: ["r1", "r3"], read_quorum: 2, write_quorum: 2),
            "r3": Replica(peers: ["r1", "r2"], read_quorum: 2, write_quorum: 2),
        },
        default_link: Link(latency: Uniform(min: "1ms", max: "4ms")),
        timeline: [At("0s", Crash("r3"))],
    )"#;
    let mut s = Session::new(config(src, 7));
    s.command(Command::Play);
    let [r1, r2, r3] = ids(&s, ["r1", "r2", "r3"]);
    s.advance_by(SimDuration::from_secs(1));
    for second in 2..=5 {
        s.advance_by(SimDuration::from_secs(1));
        let arrivals = s.snapshot().nodes[r1].arrivals_per_s;
        assert!(arrivals > 150.0, "r1 at {second} s: {arrivals}/s");
        assert_eq!(link(&s, r1, r2), (arrivals, 0.0), "r1 → r2 at {second} s");
        let (rate, failed) = link(&s, r1, r3);
        assert_eq!(rate, arrivals, "r1 → r3 at {second} s");
        assert!(failed > 0.75, "r1 → r3 at {second} s: {failed}");
        assert_eq!(link(&s, r3, r1).0, 0.0, "r3 is down");
        assert_eq!(link(&s, r2, r1).0, 0.0, "r2 coordinates nothing");
    }
}

/// A Raft leader's heartbeats are the traffic on its links when no client
/// writes: 50 ms apart on an exact clock, so 20 per 1 s window to each
/// follower, and followers send no requests (their answers are replies).
#[test]
fn raft_links_count_the_leaders_heartbeats() {
    let src = r#"Scenario(
        version: 1,
        duration: "6s",
        nodes: {
            "n1": Raft(peers: ["n2", "n3"], heartbeat: "50ms"),
            "n2": Raft(peers: ["n1", "n3"], heartbeat: "50ms"),
            "n3": Raft(peers: ["n1", "n2"], heartbeat: "50ms"),
        },
        default_link: Link(latency: Uniform(min: "1ms", max: "4ms")),
    )"#;
    let mut s = Session::new(config(src, 3));
    s.command(Command::Play);
    let nodes = ids(&s, ["n1", "n2", "n3"]);
    s.advance_by(SimDuration::from_secs(3));
    let summary_so_far = s.snapshot();
    let leader = nodes
        .into_iter()
        .max_by(|&a, &b| {
            let out = |n: usize| {
                summary_so_far
                    .edges
                    .iter()
                    .filter(|e| e.from.index() == n)
                    .map(|e| e.attempts_per_s)
                    .sum::<f64>()
            };
            out(a).total_cmp(&out(b))
        })
        .unwrap();
    for second in 4..=5 {
        s.advance_by(SimDuration::from_secs(1));
        for &n in &nodes {
            for &m in &nodes {
                if n == m {
                    continue;
                }
                let expected = if n == leader { 20.0 } else { 0.0 };
                assert_eq!(link(&s, n, m).0, expected, "{n} → {m} at {second} s");
            }
        }
    }
}

/// A monitor's links carry its probes: one every 100 ms to each watched
/// node is 10 per 1 s window, exactly (an exact clock, timers in local
/// time); the watched node sends no requests back (answers are replies).
#[test]
fn a_monitors_links_count_its_probes() {
    let src = r#"Scenario(
        version: 1,
        duration: "5s",
        nodes: {
            "m": Monitor(watch: ["x", "y"], interval: "100ms", detector: FixedTimeout(timeout: "300ms")),
            "x": Service(workers: 1, work: Constant("1ms")),
            "y": Service(workers: 1, work: Constant("1ms")),
        },
    )"#;
    let mut s = Session::new(config(src, 1));
    s.command(Command::Play);
    let [m, x, y] = ids(&s, ["m", "x", "y"]);
    for second in 1..=4 {
        s.advance_by(SimDuration::from_secs(1));
        assert_eq!(link(&s, m, x), (10.0, 0.0), "m → x at {second} s");
        assert_eq!(link(&s, m, y), (10.0, 0.0), "m → y at {second} s");
    }
    assert!(
        !s.snapshot()
            .edges
            .iter()
            .any(|e| e.from.index() == x && e.attempts_per_s > 0.0)
    );
}

/// A Raft store client follows redirects to the leader, a node its file
/// does not name. The window shows that traffic: in every window from 2 s
/// on (the first redirect is long past), the client's edges carry exactly
/// its own operations per second, on the edge to the leader.
#[test]
fn a_redirected_store_clients_traffic_is_drawn_to_the_leader() {
    let src = r#"Scenario(
        version: 1,
        duration: "6s",
        nodes: {
            "app": StoreClient(target: "n3", open: Poisson(per_second: 100), keys: Uniform(n: 10),
                               writes: 0.5, timeout: "1s"),
            "n1": Raft(peers: ["n2", "n3"], heartbeat: "20ms", election_min: "50ms", election_max: "60ms"),
            "n2": Raft(peers: ["n1", "n3"]),
            "n3": Raft(peers: ["n1", "n2"]),
        },
        default_link: Link(latency: Uniform(min: "1ms", max: "4ms")),
    )"#;
    let mut s = Session::new(config(src, 3));
    s.command(Command::Play);
    let [app, n1] = ids(&s, ["app", "n1"]);
    s.advance_by(SimDuration::from_secs(1));
    for second in 2..=5 {
        s.advance_by(SimDuration::from_secs(1));
        let snap = s.snapshot();
        let out: Vec<_> = snap
            .edges
            .iter()
            .filter(|e| e.from.index() == app && e.attempts_per_s > 0.0)
            .collect();
        let own = snap.nodes[app].arrivals_per_s;
        assert!(own > 50.0, "{own}/s at {second} s");
        let total: f64 = out.iter().map(|e| e.attempts_per_s).sum();
        assert_eq!(total, own, "at {second} s: {out:?}");
        assert!(
            out.iter()
                .any(|e| e.to.index() == n1 && e.attempts_per_s == own),
            "at {second} s: {out:?}"
        );
    }
}
