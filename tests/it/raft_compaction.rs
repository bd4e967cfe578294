//! Raft log compaction: a node's log stays bounded over a long run, and a
//! follower that was down while the leader compacted catches up from the
//! snapshot with the checker still finding nothing wrong.

use faultlab::sim::Simulation;
use faultlab::sim::config::{Action, NodeId};
use faultlab::sim::time::SimTime;

use super::raft::{assert_safe, cluster};
use crate::support::config;

const MAX_LOG: u64 = 40;

fn ms(x: u64) -> SimTime {
    SimTime(x * 1_000_000)
}

/// Three nodes, one client at `rate` operations per second on 5 keys,
/// logs compacted beyond `max_log` entries.
fn store(duration: &str, rate: u32, max_log: u64, seed: u64) -> Simulation {
    let client = format!(
        r#""c": StoreClient(target: "n1", open: Poisson(per_second: {rate}), keys: Uniform(n: 5), writes: 0.5, timeout: "300ms"),"#
    );
    let src = cluster(3, duration, &client)
        .replace("Raft(peers:", &format!("Raft(max_log: {max_log}, peers:"));
    Simulation::new(config(&src, seed))
}

/// 20 s at 200 operations per second (about 4,000 entries): sampled every
/// 50 ms, no node ever holds more than `max_log` applied entries (exact:
/// compaction runs after every apply once the log passes `max_log`, and
/// leaves at most `max_log / 2` entries), and the whole log stays under
/// 2 × `max_log` (the unapplied tail is the few entries in flight). With
/// compaction out of reach the same run's logs pass 3,000 entries.
#[test]
fn a_long_run_keeps_every_log_under_the_bound() {
    let mut sim = store("20s", 200, MAX_LOG, 1);
    let (mut longest, mut most_applied) = (0, 0);
    for t in (50..=20_000).step_by(50) {
        sim.run_until(ms(t));
        for i in 0..3 {
            let d = sim.node_detail(NodeId(i)).unwrap();
            let applied_held = d.applied.saturating_sub(d.compacted);
            assert!(applied_held <= MAX_LOG, "t = {t} ms, n{}: {d:?}", i + 1);
            longest = longest.max(d.log_len);
            most_applied = most_applied.max(applied_held);
        }
    }
    eprintln!("longest log {longest}, most applied entries held {most_applied}");
    assert!(longest < 2 * MAX_LOG, "{longest}");
    let leader = sim.node_detail(NodeId(0)).unwrap();
    assert!(leader.compacted > 3_000, "{leader:?}");
    assert_safe(&sim.finish(), "compacted run");

    let mut unbounded = store("20s", 200, 1_000_000, 1);
    unbounded.run_until(ms(20_000));
    let d = unbounded.node_detail(NodeId(0)).unwrap();
    assert!(d.log_len > 3_000 && d.compacted == 0, "{d:?}");
}

/// n3 is down from 1 s to 4 s while about 600 operations go through the
/// log, so the others compact past everything it holds: when it restarts,
/// the entry it needs next is gone from the leader's log. It catches up
/// (it applies as far as the leader within the run) only through the
/// snapshot, and over 20 seeds the checker finds no violation.
#[test]
fn a_follower_down_past_compaction_catches_up_from_the_snapshot() {
    for seed in 0..20 {
        let mut sim = store("6s", 200, MAX_LOG, seed);
        sim.run_until(ms(1000));
        sim.apply(Action::Crash(NodeId(2)));
        sim.run_until(ms(4000));
        let behind = sim.node_detail(NodeId(2)).unwrap();
        let held = behind.compacted + behind.log_len;
        let compacted: Vec<u64> = (0..2)
            .map(|i| sim.node_detail(NodeId(i)).unwrap().compacted)
            .collect();
        assert!(
            compacted.iter().all(|&c| c > held),
            "seed {seed}: n3 holds up to {held}, the others compacted to {compacted:?}"
        );
        sim.apply(Action::Restart(NodeId(2)));
        sim.run_until(ms(6000));
        let caught_up = sim.node_detail(NodeId(2)).unwrap();
        assert!(
            caught_up.compacted > held && caught_up.applied > compacted[0],
            "seed {seed}: {caught_up:?}"
        );
        assert_safe(&sim.finish(), &format!("seed {seed}"));
    }
}

/// `max_log:` is written back when not the default, and one below the
/// limit is a located error.
#[test]
fn max_log_round_trips_and_a_tiny_one_is_a_located_error() {
    let src = r#"Scenario(duration: "1s", nodes: {
        "n1": Raft(peers: ["n2"], max_log: 64, pre_vote: false),
        "n2": Raft(peers: ["n1"]),
    })"#;
    let scenario = faultlab::scenario::parse_str(src, "raft.ron").unwrap();
    let saved = faultlab::scenario::to_ron(&scenario);
    assert!(
        saved.contains("max_log: 64") && saved.contains("pre_vote: false"),
        "{saved}"
    );
    assert_eq!(saved.matches("max_log").count(), 1, "{saved}");
    let again = faultlab::scenario::parse_str(&saved, "saved.ron").unwrap();
    assert_eq!(faultlab::scenario::to_ron(&again), saved);

    let e = faultlab::scenario::parse_str(&src.replace("max_log: 64", "max_log: 2"), "raft.ron")
        .unwrap_err()
        .to_string();
    assert!(e.contains("raft.ron:2:") && e.contains("max_log"), "{e}");
}
