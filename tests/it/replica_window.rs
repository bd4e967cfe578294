//! What the window shows of replicated state, read from a live session:
//! Raft leaders and burn-rate alerts for the timeline's markers, a Raft
//! node's log and a leader's or monitor's view of who is alive for the
//! inspector, and the consistency and detection plots.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

use faultlab::live::{Command, Session};
use faultlab::sim::config::NodeId;
use faultlab::sim::time::SimDuration;
use faultlab::ui::FaultlabApp;

use crate::support::{config, example};

fn session(name: &str, secs: u64) -> Session {
    let mut s = Session::new(example(name).config);
    s.command(Command::Play);
    s.advance_by(SimDuration::from_secs(secs));
    s
}

fn node(s: &Session, name: &str) -> NodeId {
    let i = s
        .snapshot()
        .scenario
        .nodes
        .iter()
        .position(|n| n.name == name);
    NodeId(i.unwrap() as u32)
}

/// raft-partition.ron five seconds into its 2 | 3 split (zone "a" = n1, n2
/// cut off at 10 s): the leader is on the majority side, its log ends in
/// committed entries of its term, and it sees the two cut-off nodes as not
/// alive (silent for longer than the election timeout) and its side as alive.
/// The live leader list is the headless run's.
#[test]
fn a_leader_shows_its_log_and_who_it_hears_during_a_partition() {
    let s = session("raft-partition.ron", 15);
    let snap = s.snapshot();
    let leader = snap.leaders.last().expect("a leader by 15 s");
    let id = NodeId(leader.node);
    assert!(
        ["n3", "n4", "n5"].contains(&snap.scenario.nodes[id.index()].name.as_str()),
        "{leader:?}"
    );
    let detail = snap.nodes[id.index()].detail.clone().unwrap();
    assert_eq!(detail.leader, Some(id));
    assert!(detail.log_len > 50, "{detail:?}");
    let last = detail.log_tail.last().unwrap();
    assert_eq!(last.index, detail.log_len);
    assert!(
        detail
            .log_tail
            .iter()
            .any(|e| e.committed && e.term == leader.term)
    );
    for p in &detail.peers {
        let name = snap.scenario.nodes[p.node.index()].name.as_str();
        let cut_off = name == "n1" || name == "n2";
        assert_eq!(p.alive, !cut_off, "{name}: {p:?}");
        if cut_off {
            assert!(p.heard_ms_ago.unwrap() > 4_000.0, "{name}: {p:?}");
        }
    }
    assert_eq!(detail.peers.len(), 4);

    let mut s = s;
    s.advance_by(SimDuration::from_secs(15));
    let live = s.snapshot().leaders.as_ref().clone();
    let headless = s.finish_summary().raft.unwrap().leaders;
    assert_eq!(live, headless);
}

/// zone-outage.ron at 20 s, five seconds after zone "b" (r3, r4) crashed:
/// the monitor's detector suspects exactly r3 and r4, and has heard from
/// the others within a probe interval and a few delays.
#[test]
fn a_monitor_shows_its_detectors_view() {
    let s = session("zone-outage.ron", 20);
    let snap = s.snapshot();
    let watch = node(&s, "watch");
    let detail = snap.nodes[watch.index()].detail.clone().unwrap();
    assert_eq!(detail.peers.len(), 5);
    for p in &detail.peers {
        let name = snap.scenario.nodes[p.node.index()].name.as_str();
        let down = name == "r3" || name == "r4";
        assert_eq!(p.alive, !down, "{name}: {p:?}");
        let ago = p.heard_ms_ago.unwrap();
        if down {
            assert!(ago > 4_900.0, "{name}: {p:?}");
        } else {
            assert!(ago < 250.0, "{name}: {p:?}");
        }
    }
    assert!(snap.nodes[node(&s, "r1").index()].detail.is_none());
}

/// The burn-rate alerts the live session publishes for the timeline are
/// the headless run's (an outage from 50 s to 60 s fires and clears both).
#[test]
fn live_alerts_match_the_headless_run() {
    let src = r#"Scenario(name: "burn", duration: "120s", window: "1s",
        nodes: {
            "users": Client(open: Poisson(per_second: 100), target: "api", policy: Policy(timeout: "100ms")),
            "api": Service(workers: 4, work: "2ms"),
        },
        timeline: [At("50s", Crash("api")), At("60s", Restart("api"))],
        slo: Slo(availability: 0.999))"#;
    let mut s = Session::new(config(src, 1));
    s.command(Command::Play);
    s.advance_by(SimDuration::from_secs(120));
    let live = s.snapshot().alerts.as_ref().clone();
    let headless = s.finish_summary().alerts;
    assert!(live.iter().any(|a| a.firing) && live.iter().any(|a| !a.firing));
    assert_eq!(live, headless);
}

fn window(name: &str) -> Harness<'static, FaultlabApp> {
    let mut h = crate::ui::example_window_with_hint(name);
    h.get_by_label("Got it").click();
    h.run();
    h
}

/// The consistency and detection plots appear for a store with a monitor,
/// and the inspector of the monitor lists who it believes is alive; Raft
/// without a monitor gets the consistency plot only, and a scenario without
/// replicated state neither.
#[test]
fn the_window_plots_state_only_when_there_is_some() {
    let mut h = window("zone-outage.ron");
    crate::ui::click(&mut h, "▶ Play");
    crate::ui::advance(&mut h, 20);
    assert!(h.query_by_label("Consistency per window").is_some());
    assert!(h.query_by_label("Failure detection per window").is_some());
    h.get_by_role_and_label(egui::accesskit::Role::Button, "watch")
        .click();
    h.run();
    assert!(h.query_by_label("Who it believes is alive").is_some());

    // Raft without a monitor: consistency, no detection plot.
    let mut h = window("raft-partition.ron");
    crate::ui::click(&mut h, "▶ Play");
    crate::ui::advance(&mut h, 2);
    assert!(h.query_by_label("Consistency per window").is_some());
    assert!(h.query_by_label("Failure detection per window").is_none());

    let h = window("three-tier.ron");
    assert!(h.query_by_label("Consistency per window").is_none());
}
