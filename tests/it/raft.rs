//! Raft: safety across many seeds with random partitions and crashes, and
//! a stated bound on the time to elect a leader after a partition heals.

use faultlab::sim::Simulation;
use faultlab::sim::config::{Action, NodeId, SimConfig, TimedAction};
use faultlab::sim::time::SimTime;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::support::config;

pub(crate) fn cluster(n: usize, duration: &str, clients: &str) -> String {
    let names: Vec<String> = (1..=n).map(|k| format!("n{k}")).collect();
    let nodes: Vec<String> = names
        .iter()
        .map(|me| {
            let peers: Vec<String> = names
                .iter()
                .filter(|p| *p != me)
                .map(|p| format!("{p:?}"))
                .collect();
            format!("{me:?}: Raft(peers: [{}]),", peers.join(", "))
        })
        .collect();
    format!(
        r#"Scenario(duration: "{duration}", nodes: {{ {} {clients} }},
           default_link: Link(latency: Uniform(min: "1ms", max: "5ms")))"#,
        nodes.join(" ")
    )
}

/// A random fault schedule for a cluster of `n` nodes (ids 0..n): crashes,
/// restarts, partitions of a random group and heals between 0.3 s and 2.5 s;
/// then everything heals and restarts.
fn faults(c: &mut SimConfig, n: u32, rng: &mut ChaCha8Rng) {
    let ms = |x: u64| SimTime(x * 1_000_000);
    for _ in 0..rng.random_range(2..8) {
        let at = ms(rng.random_range(300..2500));
        let node = NodeId(rng.random_range(0..n));
        let action = match rng.random_range(0..4) {
            0 => Action::Crash(node),
            1 => Action::Restart(node),
            2 => {
                let group: Vec<u32> = (0..n).filter(|_| rng.random::<bool>()).collect();
                let mut pairs = Vec::new();
                for &a in &group {
                    for b in (0..n).filter(|b| !group.contains(b)) {
                        pairs.push((NodeId(a), NodeId(b)));
                        pairs.push((NodeId(b), NodeId(a)));
                    }
                }
                Action::Partition(pairs)
            }
            _ => Action::Heal(None),
        };
        c.timeline.push(TimedAction { at, action });
    }
    c.timeline.push(TimedAction {
        at: ms(2600),
        action: Action::Heal(None),
    });
    for k in 0..n {
        c.timeline.push(TimedAction {
            at: ms(2600),
            action: Action::Restart(NodeId(k)),
        });
    }
    c.timeline.sort_by_key(|t| t.at);
}

/// No two leaders in a term, no index applied with two different entries,
/// and a clean client history (no stale read, lost write or
/// non-linearizable key, and every key within the checker's limits).
pub(crate) fn assert_safe(s: &faultlab::metrics::RunSummary, what: &str) {
    let raft = s.raft.as_ref().unwrap();
    let k = s.consistency.as_ref().unwrap();
    assert_eq!(raft.split_brain_terms, 0, "{what}: two leaders in a term");
    assert_eq!(
        raft.conflicting_commits, 0,
        "{what}: a committed entry changed"
    );
    assert_eq!(
        (
            k.stale_reads,
            k.lost_writes,
            k.phantom_reads,
            k.keys_not_linearizable,
            k.keys_too_large
        ),
        (0, 0, 0, 0, 0),
        "{what}: {k:?}"
    );
}

/// Across 1,000 seeds, three nodes with two clients, logs compacted beyond
/// 16 entries, and a random schedule of crashes and partitions: never two leaders in one term, never two
/// different entries applied at one index (so no committed entry is lost or
/// changed: a node that restarts re-applies its log and must agree), and
/// the client history is linearizable with no stale read or lost write.
#[test]
fn safety_across_a_thousand_seeds_of_partitions_and_crashes() {
    let clients = r#"
        "c1": StoreClient(target: "n1", open: Poisson(per_second: 40), keys: Uniform(n: 2), writes: 0.5, timeout: "300ms"),
        "c2": StoreClient(target: "n2", open: Poisson(per_second: 40), keys: Uniform(n: 2), writes: 0.5, timeout: "300ms"),"#;
    // Logs compacted beyond 16 entries, so crashed and cut-off nodes often
    // come back behind a snapshot.
    let src = cluster(3, "3.5s", clients).replace("Raft(peers:", "Raft(max_log: 16, peers:");
    let base = config(&src, 0);
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let (mut leaders, mut committed, mut ops) = (0, 0, 0);
    for seed in 0..1000 {
        let mut c = base.clone();
        c.seed = seed;
        faults(&mut c, 3, &mut rng);
        let s = Simulation::new(c).run();
        assert_safe(&s, &format!("seed {seed}"));
        let raft = s.raft.as_ref().unwrap();
        let k = s.consistency.as_ref().unwrap();
        leaders += raft.leaders.len();
        committed += raft.committed;
        ops += k.reads_ok + k.writes_ok;
    }
    eprintln!(
        "1000 seeds: {leaders} leaders elected, {committed} entries committed, {ops} operations answered"
    );
    // Not vacuous: elections happened and work got done.
    assert!(leaders >= 1000 && ops > 100_000, "{leaders} {ops}");
}

/// `base` (five nodes) with `seed`, split 2 | 2 | 1 from 2 s to 4 s.
pub(crate) fn three_way_split(base: &SimConfig, seed: u64) -> SimConfig {
    let group = |members: &[u32]| -> Vec<(NodeId, NodeId)> {
        let mut pairs = Vec::new();
        for &a in members {
            for b in (0..5).filter(|b| !members.contains(b)) {
                pairs.push((NodeId(a), NodeId(b)));
                pairs.push((NodeId(b), NodeId(a)));
            }
        }
        pairs
    };
    let at = |s: u64| SimTime(s * 1_000_000_000);
    let mut c = base.clone();
    c.seed = seed;
    c.timeline = vec![
        TimedAction {
            at: at(2),
            action: Action::Partition(group(&[0, 1])),
        },
        TimedAction {
            at: at(2),
            action: Action::Partition(group(&[2, 3])),
        },
        TimedAction {
            at: at(4),
            action: Action::Heal(None),
        },
    ];
    c
}

/// Five nodes split three ways (2 | 2 | 1) from 2 s to 4 s: no side has a
/// majority, so there is no leader (and, with pre-vote, no node raises its
/// term: no side can win a pre-vote). After the heal, some node's election
/// timer fires within election_max = 300 ms (timers are uniform in
/// [150, 300] ms and always pending); its pre-vote requests and answers take
/// at most 2 × 5 ms, its vote requests and answers 2 × 5 ms more; so one
/// round elects a leader within B₁ = 300 + 5 × 5 = 325 ms of the heal (the
/// fifth 5 ms: a term may need one more message to reach a voter that was
/// ahead). A round fails only on a split vote, which needs another node to
/// start its own pre-vote before the first candidate's vote request reaches
/// it (within 15 ms of the first timer): with four other nodes and timeouts
/// spread over 150 ms, at most 4 × 15 / 150 = 40% per round. Each further
/// round adds at most 320 ms. Over 200 seeds the test asks for every
/// election within eight rounds, B₈ = 325 + 7 × 320 = 2,565 ms (failure
/// probability per seed below 0.4^8 ≈ 7e-4), and for at least half within
/// one round (expected at least 60%; 50% is 2.9 binomial standard errors
/// below).
#[test]
fn a_leader_is_elected_within_the_bound_after_a_partition_heals() {
    let src = cluster(5, "7s", "");
    let base = config(&src, 0);
    let (b1, b8) = (0.325, 2.565);
    let mut within_one = 0;
    let mut worst: f64 = 0.0;
    for seed in 0..200 {
        let c = three_way_split(&base, seed);
        let s = Simulation::new(c).run();
        let raft = s.raft.unwrap();
        let during = raft
            .leaders
            .iter()
            .filter(|l| l.at_s > 2.0 + 0.3 && l.at_s < 4.0)
            .count();
        assert_eq!(during, 0, "seed {seed}: a leader without a majority");
        let after = raft
            .leaders
            .iter()
            .find(|l| l.at_s >= 4.0)
            .unwrap_or_else(|| panic!("seed {seed}: no leader after the heal"));
        let took = after.at_s - 4.0;
        worst = worst.max(took);
        assert!(took <= b8, "seed {seed}: {took} s");
        if took <= b1 {
            within_one += 1;
        }
    }
    eprintln!("leader after heal: {within_one}/200 within {b1} s, worst {worst:.3} s");
    assert!(within_one >= 100, "{within_one}");
}

/// The window's view of Raft nodes: one leader at a time, its term, and
/// commit indexes that agree with the leader's or trail it.
#[test]
fn node_views_show_role_term_and_commit() {
    let c = crate::support::example("raft-partition.ron").config;
    let mut sim = Simulation::new(c);
    sim.run_until(SimTime(5_000_000_000));
    let views: Vec<_> = sim
        .node_views()
        .into_iter()
        .filter_map(|v| v.raft)
        .collect();
    assert_eq!(views.len(), 5);
    let leaders: Vec<_> = views.iter().filter(|v| v.role == "leader").collect();
    assert_eq!(leaders.len(), 1, "{views:?}");
    let leader = leaders[0];
    assert!(leader.term >= 1 && leader.commit > 50, "{leader:?}");
    for v in &views {
        assert_eq!(v.term, leader.term, "{views:?}");
        assert!(v.commit <= leader.commit, "{views:?}");
    }
}
