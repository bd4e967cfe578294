//! Raft pre-vote: a node cut off in a minority for many election timeouts
//! comes back without raising the cluster's term or deposing the leader;
//! without pre-vote, the same run changes leader.

use faultlab::sim::Simulation;
use faultlab::sim::config::{Action, NodeId};
use faultlab::sim::time::SimTime;

use super::raft::cluster;
use crate::support::config;

/// What a rejoin did: the leaders elected after the cluster first settled,
/// the settled leader's term, and the highest term any node holds at the end.
struct Rejoin {
    later_leaders: usize,
    settled_term: u64,
    final_max_term: u64,
    isolated_term_at_heal: u64,
}

/// Five nodes and a client; once a leader is settled (1.5 s), a follower
/// is cut off for ten election timeouts (10 × election_max = 3 s), then
/// healed, and the run goes on for 2.5 s more.
fn isolate_a_follower(seed: u64, pre_vote: bool) -> Rejoin {
    let client = r#""c": StoreClient(target: "n1", open: Poisson(per_second: 50), keys: Uniform(n: 5), writes: 0.5, timeout: "300ms"),"#;
    let mut src = cluster(5, "7s", client);
    if !pre_vote {
        src = src.replace("Raft(peers:", "Raft(pre_vote: false, peers:");
    }
    let mut sim = Simulation::new(config(&src, seed));
    let ms = |x: u64| SimTime(x * 1_000_000);
    sim.run_until(ms(1500));
    let views = sim.node_views();
    let raft: Vec<_> = views.iter().take(5).map(|v| v.raft.unwrap()).collect();
    let leader = raft.iter().position(|r| r.role == "leader");
    let leader = leader.unwrap_or_else(|| panic!("seed {seed}: no leader at 1.5 s"));
    let settled_term = raft[leader].term;
    let settled = sim.raft_leaders().len();
    let f = (leader + 1) % 5;
    let pairs: Vec<(NodeId, NodeId)> = (0..5u32)
        .filter(|&o| o != f as u32)
        .flat_map(|o| [(NodeId(f as u32), NodeId(o)), (NodeId(o), NodeId(f as u32))])
        .collect();
    sim.apply(Action::Partition(pairs));
    sim.run_until(ms(4500));
    let isolated_term_at_heal = sim.node_views()[f].raft.unwrap().term;
    sim.apply(Action::Heal(None));
    sim.run_until(ms(7000));
    let final_max_term = sim
        .node_views()
        .iter()
        .filter_map(|v| v.raft.as_ref().map(|r| r.term))
        .max()
        .unwrap();
    Rejoin {
        later_leaders: sim.raft_leaders().len() - settled,
        settled_term,
        final_max_term,
        isolated_term_at_heal,
    }
}

/// With pre-vote (the default), over 20 seeds: no leader is elected after
/// the cluster settled, and no node's term ever rises above the settled
/// leader's: the isolated node asked and was refused, ten times, without
/// raising its term. Exact.
#[test]
fn an_isolated_node_rejoins_without_a_new_term_or_leader_with_pre_vote() {
    for seed in 0..20 {
        let r = isolate_a_follower(seed, true);
        assert_eq!(r.isolated_term_at_heal, r.settled_term, "seed {seed}");
        assert_eq!(r.final_max_term, r.settled_term, "seed {seed}");
        assert_eq!(r.later_leaders, 0, "seed {seed}: the leader changed");
    }
}

/// Without pre-vote the same runs disrupt the cluster: the isolated node
/// comes back with its term at least five ahead (one per timeout, 150–300 ms
/// each, over 3 s), and a new leader is elected in a
/// higher term (what the test above rules out is what happens otherwise).
#[test]
fn without_pre_vote_the_same_rejoin_forces_an_election() {
    for seed in 0..20 {
        let r = isolate_a_follower(seed, false);
        assert!(
            r.isolated_term_at_heal >= r.settled_term + 5,
            "seed {seed}: {} after {}",
            r.isolated_term_at_heal,
            r.settled_term
        );
        assert!(r.later_leaders >= 1, "seed {seed}: no new election");
        assert!(
            r.final_max_term >= r.isolated_term_at_heal,
            "seed {seed}: the cluster took up the isolated node's term"
        );
    }
}
