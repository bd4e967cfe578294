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
