//! The leaderless replicated store and the consistency checker against
//! independent truths: the binomial formula for quorum availability, the
//! Poisson formula for writes lost to a skewed last-write-wins clock, and a
//! partition in each CAP mode.

use faultlab::sim::Simulation;
use faultlab::sim::config::{Action, NodeId, TimedAction};
use faultlab::sim::time::{SimDuration, SimTime};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::support::{config, run};

/// P(Binomial(n, p) ≥ k).
fn binomial_at_least(n: u64, p: f64, k: u64) -> f64 {
    (k..=n)
        .map(|i| {
            let choose = (0..i).fold(1.0, |c, j| c * (n - j) as f64 / (j + 1) as f64);
            choose * p.powi(i as i32) * (1.0 - p).powi((n - i) as i32)
        })
        .sum()
}

/// Five replicas, R = W = 3; the coordinator "r1" never fails, while r2..r5
/// are each down in each 0.5 s slot independently with probability `q`.
/// Links are instantaneous, so an operation's fate is decided by the slot it
/// starts in: it succeeds iff at least 2 of the 4 others are up, an event of
/// probability P(Bin(4, 1 − q) ≥ 2).
#[test]
fn majority_quorum_availability_matches_the_binomial_formula() {
    let replicas = |me: usize| {
        let peers: Vec<String> = (1..=5)
            .filter(|&k| k != me)
            .map(|k| format!("\"r{k}\""))
            .collect();
        format!(
            "\"r{me}\": Replica(peers: [{}], read_quorum: 3, write_quorum: 3, quorum_timeout: \"10ms\"),",
            peers.join(", ")
        )
    };
    let src = format!(
        r#"Scenario(duration: "1000s", nodes: {{
            {} {} {} {} {}
            "c": StoreClient(target: "r1", open: Poisson(per_second: 20), keys: Uniform(n: 10), writes: 0.5, timeout: "1s"),
        }})"#,
        replicas(1),
        replicas(2),
        replicas(3),
        replicas(4),
        replicas(5)
    );
    let q = 0.3;
    let mut c = config(&src, 3);
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let slot = SimDuration::from_millis(500);
    let slots = c.duration.as_nanos() / slot.as_nanos();
    let mut up = [true; 5];
    for s in 0..slots {
        let at = SimTime(s * slot.as_nanos());
        for (k, is_up) in up.iter_mut().enumerate().skip(1) {
            let next = rng.random::<f64>() >= q;
            if next != *is_up {
                let node = NodeId(k as u32);
                let action = if next {
                    Action::Restart(node)
                } else {
                    Action::Crash(node)
                };
                c.timeline.push(TimedAction { at, action });
                *is_up = next;
            }
        }
    }
    let s = Simulation::new(c).run();
    let client = &s.clients["c"];
    let measured = client.availability;
    let expected = binomial_at_least(4, 1.0 - q, 2);
    // The estimate averages 2,000 independent slots (about 10 operations
    // each, all sharing the slot's fate): its standard error is at most
    // sqrt(A(1 − A) / 2000) ≈ 0.0062; allow four of them.
    let se = (expected * (1.0 - expected) / slots as f64).sqrt();
    eprintln!(
        "availability {measured:.4}, binomial {expected:.4}, se {se:.4}, ops {}",
        client.ok + client.failed
    );
    assert!(
        (measured - expected).abs() < 4.0 * se,
        "measured {measured}, expected {expected} ± {}",
        4.0 * se
    );
}

/// Two writers on one key through different coordinators; b's coordinator
/// clock is `skew_ms` behind. Returns (b's acknowledged writes, lost writes,
/// stale reads) as the checker reports them.
fn lww_run(skew_ms: u64, seed: u64) -> (u64, u64, u64, u64) {
    let src = format!(
        r#"Scenario(duration: "1000s", nodes: {{
            "r1": Replica(peers: ["r2", "r3"], read_quorum: 3, write_quorum: 3),
            "r2": Replica(peers: ["r1", "r3"], read_quorum: 3, write_quorum: 3, clock: Clock(offset: "-{skew_ms}ms")),
            "r3": Replica(peers: ["r1", "r2"], read_quorum: 3, write_quorum: 3),
            "a": StoreClient(target: "r1", open: Poisson(per_second: 10), keys: Uniform(n: 1), writes: 1, timeout: "1s"),
            "b": StoreClient(target: "r2", open: Poisson(per_second: 10), keys: Uniform(n: 1), writes: 1, timeout: "1s", read_after_write: true),
        }})"#
    );
    let s = run(&src, seed);
    let c = s
        .consistency
        .expect("a store run has a consistency section");
    let a_writes = s.clients["a"].ok;
    (
        c.writes_ok - a_writes,
        c.lost_writes,
        c.stale_reads,
        a_writes,
    )
}

/// A write by b at true time t carries stamp t − δ. It loses to (and never
/// replaces) the value of any write a made in (t − δ, t): a's stamps are
/// true times. With a's writes Poisson at rate λ, independent of b's, the
/// chance of at least one in that interval is 1 − e^(−λδ). Links are
/// instantaneous and b reads back after each write, so every such loss is
/// seen: the read returns a's earlier value, which the checker counts as a
/// lost write (and a stale read). a never loses: a b write stamped above a
/// later a write would need t − δ > s > t.
#[test]
fn lww_with_a_skewed_coordinator_loses_the_predicted_fraction() {
    let (lambda, delta) = (10.0, 0.050);
    let (b_writes, lost, stale, a_writes) = lww_run(50, 7);
    let p = 1.0 - f64::exp(-lambda * delta);
    let measured = lost as f64 / b_writes as f64;
    // Neighbouring b writes less than δ apart share a's arrivals, so the
    // losses are positively correlated in pairs; bound the variance by three
    // times the binomial one (only a write's two neighbours can overlap it
    // for λ_b δ = 0.5) and allow four standard errors.
    let se = (3.0 * p * (1.0 - p) / b_writes as f64).sqrt();
    eprintln!(
        "lost {lost} of {b_writes} b writes ({measured:.4}), theory {p:.4} ± {:.4}; stale reads {stale}; a wrote {a_writes}",
        4.0 * se
    );
    assert!(b_writes > 9_000, "{b_writes}");
    assert!((measured - p).abs() < 4.0 * se);
    assert_eq!(stale, lost, "each lost write shows as one stale read-back");

    let (b_writes, lost, stale, _) = lww_run(0, 7);
    assert!(b_writes > 9_000);
    assert_eq!((lost, stale), (0, 0), "without skew nothing is lost");
}

pub(crate) fn partition_run(mode: &str) -> faultlab::metrics::RunSummary {
    let replica = |me: &str, peers: &str| {
        format!(
            "\"{me}\": Replica(peers: [{peers}], read_quorum: 2, write_quorum: 2, mode: {mode}, anti_entropy: \"500ms\"),"
        )
    };
    let src = format!(
        r#"Scenario(duration: "60s", nodes: {{
            {} {} {}
            "c1": StoreClient(target: "r1", open: Poisson(per_second: 30), keys: Uniform(n: 3), writes: 0.5, timeout: "1s"),
            "c2": StoreClient(target: "r2", open: Poisson(per_second: 30), keys: Uniform(n: 3), writes: 0.5, timeout: "1s"),
            "c3": StoreClient(target: "r3", open: Poisson(per_second: 30), keys: Uniform(n: 3), writes: 0.5, timeout: "1s"),
        }},
        default_link: Link(latency: Uniform(min: "1ms", max: "3ms")),
        timeline: [At("20s", Partition(group: ["r3", "c3"])), At("40s", Heal)])"#,
        replica("r1", r#""r2", "r3""#),
        replica("r2", r#""r1", "r3""#),
        replica("r3", r#""r1", "r2""#),
    );
    run(&src, 5)
}

/// Available mode keeps the minority answering during the partition; the
/// checker finds what that costs: stale reads, lost writes and
/// non-linearizable keys, all of them during the partition (writes are
/// acknowledged and reads complete between 20 s and 40 s, plus the
/// second it takes anti-entropy to reconcile). Consistent mode pays in
/// availability instead: the minority's client fails, nothing is stale or lost.
#[test]
fn a_partition_costs_consistency_in_available_mode_and_availability_in_consistent_mode() {
    let ap = partition_run("Available");
    let c = ap.consistency.as_ref().unwrap();
    eprintln!("available: {c:?}");
    assert!(c.lost_writes > 0 && c.stale_reads > 0, "{c:?}");
    assert!(c.keys_not_linearizable > 0, "{c:?}");
    assert_eq!(ap.clients["c3"].availability, 1.0);
    let outside: u64 = ap
        .windows
        .iter()
        .filter(|w| w.start_s < 20.0 || w.start_s >= 41.0)
        .map(|w| {
            let s = w.state.unwrap();
            s.lost_writes + s.stale_reads
        })
        .sum();
    assert_eq!(outside, 0, "anomalies only while partitioned");

    let cp = partition_run("Consistent");
    let c = cp.consistency.as_ref().unwrap();
    eprintln!("consistent: {c:?}");
    assert_eq!((c.lost_writes, c.stale_reads, c.phantom_reads), (0, 0, 0));
    assert_eq!(c.keys_not_linearizable, 0);
    assert_eq!(c.keys_checked, 3);
    let c3 = cp.clients["c3"].availability;
    // c3 fails for the 20 s of a 60 s run it is cut off: about a third.
    assert!((0.60..0.72).contains(&c3), "c3 availability {c3}");
}

/// Version vectors keep both sides' concurrent writes as siblings instead
/// of dropping one: after the heal, reads return siblings, and no write
/// acknowledged during the partition is lost for good.
#[test]
fn version_vectors_keep_concurrent_writes_as_siblings() {
    let src = r#"Scenario(duration: "30s", nodes: {
        "r1": Replica(peers: ["r2"], read_quorum: 1, write_quorum: 1, resolve: VersionVectors, mode: Available, anti_entropy: "200ms"),
        "r2": Replica(peers: ["r1"], read_quorum: 1, write_quorum: 1, resolve: VersionVectors, mode: Available, anti_entropy: "200ms"),
        "w1": StoreClient(target: "r1", open: Constant(per_second: 1), keys: Uniform(n: 1), writes: 1, timeout: "1s"),
        "w2": StoreClient(target: "r2", open: Constant(per_second: 1), keys: Uniform(n: 1), writes: 1, timeout: "1s"),
        "reader": StoreClient(target: "r1", open: Constant(per_second: 10), keys: Uniform(n: 1), timeout: "1s"),
    },
    default_link: Link(latency: "1ms"),
    timeline: [At("10s", Partition(group: ["r2", "w2"])), At("20s", Heal)])"#;
    let s = run(src, 1);
    let c = s.consistency.unwrap();
    eprintln!("{c:?}");
    assert!(c.sibling_reads > 0, "{c:?}");
    assert_eq!(c.lost_writes, 0, "{c:?}");
}

/// Zone actions keep the zone's name in the timeline and act, when applied,
/// on exactly the nodes placed in the zone: the run equals the same file with
/// each zone action written out node by node. An unknown zone is a located
/// error.
#[test]
fn zone_actions_name_every_node_of_the_zone() {
    let s = crate::support::example("zone-outage.ron").config;
    let id = |n: &str| s.node_id(n).unwrap();
    let at = |secs: u64| -> Vec<&Action> {
        s.timeline
            .iter()
            .filter(|t| t.at == SimTime(secs * 1_000_000_000))
            .map(|t| &t.action)
            .collect()
    };
    assert_eq!(at(15), vec![&Action::CrashZone("b".into())]);
    assert_eq!(at(30), vec![&Action::PartitionZone("c".into())]);
    assert_eq!(at(40), vec![&Action::HealZone("c".into())]);
    assert_eq!(at(45), vec![&Action::RestartZone("b".into())]);
    assert_eq!(s.zone_members("b"), vec![id("r3"), id("r4")]);
    assert_eq!(s.zones(), vec!["a", "b", "c"]);

    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/examples/zone-outage.ron"),
    )
    .unwrap();
    let by_node = text
        .replace(
            r#"At("15s", CrashZone("b")),"#,
            r#"At("15s", Crash("r3")), At("15s", Crash("r4")),"#,
        )
        .replace(r#"Partition(zone: "c")"#, r#"Partition(group: ["r5"])"#)
        .replace(r#"Heal(zone: "c")"#, r#"Heal(group: ["r5"])"#)
        .replace(
            r#"At("45s", RestartZone("b")),"#,
            r#"At("45s", Restart("r3")), At("45s", Restart("r4")),"#,
        );
    let explicit = crate::support::config(&by_node, s.seed);
    assert_eq!(
        explicit.timeline.len(),
        6,
        "every zone action was rewritten"
    );
    match &explicit.timeline[2].action {
        Action::Partition(pairs) => {
            let mut cut = s.zone_cut("c");
            let mut group = pairs.clone();
            cut.sort();
            group.sort();
            assert_eq!(cut, group, "zone c is the group [r5]");
        }
        other => panic!("expected the group's Partition, got {other:?}"),
    }
    // Every timeline entry is one event: the explicit file has two more.
    let by_zone = Simulation::new(s.clone()).run();
    let mut by_node = Simulation::new(explicit).run();
    assert_eq!(by_node.events, by_zone.events + 2);
    by_node.events = by_zone.events;
    let (a, b) = (
        faultlab::report::to_json(&by_zone),
        faultlab::report::to_json(&by_node),
    );
    let first_difference = a.lines().zip(b.lines()).position(|(x, y)| x != y);
    assert_eq!(
        first_difference, None,
        "a zone action does what its nodes' actions do"
    );
    assert_eq!(a, b);

    // Saved by zone, and loaded back to the same timeline.
    let saved = faultlab::scenario::to_ron(&crate::support::example("zone-outage.ron"));
    for written in [
        r#"CrashZone("b")"#,
        r#"Partition(zone: "c")"#,
        r#"Heal(zone: "c")"#,
        r#"RestartZone("b")"#,
    ] {
        assert!(saved.contains(written), "{written} missing from:\n{saved}");
    }
    assert_eq!(crate::support::config(&saved, s.seed).timeline, s.timeline);

    let bad = r#"Scenario(duration: "1s", nodes: {
        "x": Service(workers: 1, work: "1ms", zone: "a"),
    },
    timeline: [At("0.5s", CrashZone("b"))])"#;
    let e = faultlab::scenario::parse_str(bad, "bad.ron")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("bad.ron:4:") && e.contains(r#"no node is in zone "b"; zones: "a""#),
        "{e}"
    );
}

/// Bad store, client and monitor fields get located errors.
#[test]
fn bad_replication_fields_are_located_errors() {
    let cases = [
        (
            r#""r1": Replica(peers: ["r2"], read_quorum: 3, write_quorum: 1),
               "r2": Replica(peers: ["r1"], read_quorum: 1, write_quorum: 1),"#,
            r#"nodes."r1".read_quorum: read_quorum is 3 but the store has only 2 replicas"#,
        ),
        (
            r#""r1": Replica(peers: ["s", "r1"], read_quorum: 1, write_quorum: 1),
               "s": Service(workers: 1, work: "1ms"),"#,
            r#""s" is a service; the peers of a store replica must be of its kind"#,
        ),
        (
            r#""r1": Replica(peers: ["r1"], read_quorum: 1, write_quorum: 1),"#,
            "a node must not list itself as a peer",
        ),
        (
            r#""c": StoreClient(target: "s", open: Poisson(per_second: 1), timeout: "1s"),
               "s": Service(workers: 1, work: "1ms"),"#,
            r#""s" is a service; a store client's target must be a store replica"#,
        ),
        (
            r#""c": Client(open: Poisson(per_second: 1), target: "r"),
               "r": Replica(peers: [], read_quorum: 1, write_quorum: 1),"#,
            r#""r" is a store replica; a client's target must be a service, cache, queue or balancer"#,
        ),
        (
            r#""m": Monitor(watch: ["m"], interval: "1s", detector: FixedTimeout(timeout: "2s")),"#,
            "a monitor must not watch itself",
        ),
        (
            r#""m": Monitor(watch: ["x"], interval: "1s", detector: PhiAccrual(threshold: 1000)),
               "x": Service(workers: 1, work: "1ms"),"#,
            "1000 is out of range; the threshold must be above 0 and at most 100",
        ),
    ];
    for (nodes, want) in cases {
        let src = format!("Scenario(duration: \"1s\", nodes: {{\n{nodes}\n}})");
        let e = faultlab::scenario::parse_str(&src, "bad.ron")
            .map(|_| String::from("it loaded"))
            .unwrap_or_else(|e| e.to_string());
        assert!(
            e.starts_with("bad.ron:2:") || e.starts_with("bad.ron:3:"),
            "{want}: not located: {e}"
        );
        assert!(e.contains(want), "want {want:?}, got:\n{e}");
    }
}

/// Two separate stores whose clients use the same key numbers are two sets
/// of registers: strict quorums (R + W > N) with no fault and instant links
/// give each store a linearizable history, so the checker must report
/// nothing. (Keyed by key alone, it judged one store's reads against the
/// other's writes and found hundreds of "stale reads".) A leaderless store
/// and a Raft store side by side, each written and read on key 0.
#[test]
fn two_stores_with_the_same_keys_are_checked_apart() {
    let src = r#"Scenario(version: 1, seed: 1, duration: "10s", nodes: {
        "a1": Replica(peers: ["a2", "a3"], read_quorum: 2, write_quorum: 2),
        "a2": Replica(peers: ["a1", "a3"], read_quorum: 2, write_quorum: 2),
        "a3": Replica(peers: ["a1", "a2"], read_quorum: 2, write_quorum: 2),
        "b1": Raft(peers: ["b2", "b3"]),
        "b2": Raft(peers: ["b1", "b3"]),
        "b3": Raft(peers: ["b1", "b2"]),
        "wa": StoreClient(target: "a1", open: Poisson(per_second: 50), keys: Uniform(n: 1), writes: 1.0, timeout: "1s", read_after_write: true),
        "ra": StoreClient(target: "a2", open: Poisson(per_second: 50), keys: Uniform(n: 1), writes: 0.0, timeout: "1s"),
        "wb": StoreClient(target: "b1", open: Poisson(per_second: 50), keys: Uniform(n: 1), writes: 1.0, timeout: "1s", read_after_write: true),
        "rb": StoreClient(target: "b2", open: Poisson(per_second: 50), keys: Uniform(n: 1), writes: 0.0, timeout: "1s"),
    })"#;
    let cfg = config(src, 1);
    let stores = faultlab::sim::store_config::store_of(&cfg);
    let id = |name: &str| cfg.nodes.iter().position(|n| n.name == name).unwrap();
    for (node, store) in [
        ("a3", "a1"),
        ("wa", "a1"),
        ("ra", "a1"),
        ("b3", "b1"),
        ("rb", "b1"),
    ] {
        assert_eq!(
            stores[id(node)],
            stores[id(store)],
            "{node} belongs with {store}"
        );
    }
    assert_ne!(stores[id("wa")], stores[id("wb")]);
    let summary = Simulation::new(cfg).run();
    let c = summary.consistency.as_ref().unwrap();
    assert!(c.operations > 1500, "{c:?}");
    assert_eq!(
        (c.stale_reads, c.lost_writes, c.phantom_reads),
        (0, 0, 0),
        "{c:?}"
    );
    assert_eq!(c.keys_not_linearizable, 0, "{c:?}");
    assert_eq!(c.keys_checked, 2, "{c:?}");
}
