//! The per-window series of replicated-state figures (`WindowSummary::state`
//! and the CSV's `state.*` columns) against the run's own totals and against
//! exactly known times.

use faultlab::metrics::RunSummary;
use faultlab::metrics::summary::StateWindow;
use faultlab::sim::Simulation;

use crate::replication::partition_run;
use crate::support::{config, example, run};

fn states(s: &RunSummary) -> Vec<StateWindow> {
    s.windows.iter().map(|w| w.state.unwrap()).collect()
}

fn sum(s: &[StateWindow], f: impl Fn(&StateWindow) -> u64) -> u64 {
    s.iter().map(f).sum()
}

/// The windows add up to the checker's totals (each anomaly counts in
/// exactly one window), and in available mode under a 20–40 s partition
/// every key's linearizability violation first shows inside the partition
/// (or the second after it, while anti-entropy reconciles).
#[test]
fn consistency_windows_add_up_to_the_summary_and_place_violations_in_the_partition() {
    let ap = partition_run("Available");
    let c = ap.consistency.clone().unwrap();
    let st = states(&ap);
    assert_eq!(sum(&st, |s| s.stale_reads), c.stale_reads);
    assert_eq!(sum(&st, |s| s.lost_writes), c.lost_writes);
    assert_eq!(sum(&st, |s| s.not_linearizable), c.keys_not_linearizable);
    assert!(c.keys_not_linearizable > 0);
    for (w, s) in ap.windows.iter().zip(&st) {
        if s.not_linearizable > 0 {
            assert!((20.0..41.0).contains(&w.start_s), "onset at {}", w.start_s);
        }
    }
    // Store availability: every ended operation counts once; successes are
    // the acknowledged writes and successful reads.
    assert_eq!(sum(&st, |s| s.store_ok), c.reads_ok + c.writes_ok);
    let ended = sum(&st, |s| s.store_ops);
    assert!(ended >= c.reads_ok + c.writes_ok + c.failed && ended <= c.operations);
    // Available mode answers everyone: every window's ops succeed.
    assert!(st.iter().all(|s| s.store_ok == s.store_ops));

    // Consistent mode: the minority client's operations fail during the
    // partition, so store availability drops there and only there.
    let cp = partition_run("Consistent");
    let st = states(&cp);
    for (w, s) in cp.windows.iter().zip(&st) {
        let failing = s.store_ops - s.store_ok;
        if w.start_s < 19.0 || w.start_s >= 42.0 {
            assert_eq!(failing, 0, "window at {}", w.start_s);
        } else if (21.0..40.0).contains(&w.start_s) {
            // c3 is a third of the load (30/s of 90/s) and fails entirely.
            assert!(failing >= 15, "window at {}: {failing} failing", w.start_s);
        }
        assert_eq!(s.stale_reads + s.lost_writes + s.not_linearizable, 0);
    }
}

/// A crash at 50.05 s detected exactly 100 ms later (see
/// `detectors::time_to_detect_a_crash_is_exact`): the window [50 s, 51 s)
/// holds the one detection and its time; no other window holds any
/// suspicion.
#[test]
fn detection_windows_hold_the_detection_and_its_time() {
    let src = r#"Scenario(duration: "60s", nodes: {
            "m": Monitor(watch: ["x"], interval: "100ms", detector: FixedTimeout(timeout: "140ms")),
            "x": Service(workers: 1, work: Constant("1ms")),
        },
        links: [Link(from: "x", to: "m", latency: "10ms")],
        timeline: [At("50.05s", Crash("x"))])"#;
    let s = run(src, 1);
    for (w, st) in s.windows.iter().zip(states(&s)) {
        if w.start_s == 50.0 {
            assert_eq!(
                (st.detections, st.suspicions, st.false_suspicions),
                (1, 1, 0)
            );
            assert!((st.detect_ms_total - 100.0).abs() < 1e-3, "{st:?}");
            assert!((st.detect_ms_max - 100.0).abs() < 1e-3, "{st:?}");
        } else {
            assert_eq!(st.suspicions + st.detections, 0, "window at {}", w.start_s);
        }
        assert_eq!(st.store_ops, 0);
        // The monitor serves no requests, so it has no row in the window's
        // per-service figures (the utilization and queue plots); x does.
        assert!(!w.services.contains_key("m"), "{:?}", w.services.keys());
        assert!(w.services.contains_key("x"));
    }
}

/// False suspicions per window add up to the run's count (the heartbeat
/// scenario of `detectors.rs`, shorter).
#[test]
fn false_suspicions_per_window_add_up() {
    let src = r#"Scenario(duration: "200s", nodes: {
        "m": Monitor(watch: ["x"], interval: "100ms", detector: FixedTimeout(timeout: "140ms")),
        "x": Service(workers: 1, work: Constant("1ms")),
    },
    links: [Link(from: "x", to: "m", latency: Uniform(min: "0ms", max: "80ms"))])"#;
    let s = run(src, 4);
    let d = s.detection.unwrap();
    let st = states(&s);
    assert!(d.false_suspicions > 100);
    assert_eq!(sum(&st, |s| s.false_suspicions), d.false_suspicions);
    assert_eq!(sum(&st, |s| s.suspicions), d.false_suspicions);
}

/// Raft elections per window: one per leader in the `raft` section, each in
/// the window of its time.
#[test]
fn elections_per_window_match_the_leader_list() {
    let s = Simulation::new(example("raft-partition.ron").config).run();
    let leaders = s.raft.as_ref().unwrap().leaders.clone();
    let st = states(&s);
    assert!(leaders.len() >= 2, "{leaders:?}");
    assert_eq!(sum(&st, |s| s.elections), leaders.len() as u64);
    for l in &leaders {
        let w = s
            .windows
            .iter()
            .position(|w| w.start_s <= l.at_s && l.at_s < w.end_s);
        assert!(st[w.unwrap()].elections > 0);
    }
}

/// Live windows (as the window sees them while the run goes) carry the
/// same figures as the summary's, except the linearizability onsets,
/// which need the search and are summary-only, and lost writes, which are
/// provisional live: a write is proven lost only by a later read, and a
/// write that looked lost can still be read after the sides reconcile.
#[test]
fn live_windows_agree_with_the_summary() {
    let src = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("labs/examples/store-partition-3-available.ron"),
    )
    .unwrap();
    let mut sim = Simulation::new(config(&src, 3));
    let end = sim.config().duration;
    let mut live = Vec::new();
    let mut t = faultlab::sim::time::SimTime::ZERO;
    while t < faultlab::sim::time::SimTime::ZERO + end {
        t += faultlab::sim::time::SimDuration::from_millis(700);
        sim.run_until(t);
        live.extend(sim.windows_since(live.len()));
    }
    let s = sim.finish();
    let fin = states(&s);
    assert!(live.len() + 1 >= fin.len() && !live.is_empty());
    for (l, f) in live.iter().zip(&fin) {
        let l = l.state.unwrap();
        let mut same = *f;
        same.not_linearizable = 0;
        same.lost_writes = l.lost_writes;
        assert_eq!(l, same);
    }
    assert!(
        sum(&fin, |s| s.stale_reads) > 0,
        "the example shows stale reads"
    );
}

/// The CSV gains `state.*` columns in runs with replicated state, and only then.
#[test]
fn csv_has_state_columns_only_with_replicated_state() {
    let csv = |s: &RunSummary| {
        let mut out = Vec::new();
        faultlab::report::write_csv(s, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    let ap = partition_run("Available");
    let text = csv(&ap);
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "state.stale_reads")
        .unwrap();
    assert!(header.contains(&"state.elections"));
    let from_csv: u64 = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(col).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(from_csv, ap.consistency.unwrap().stale_reads);
    let plain = run(
        r#"Scenario(duration: "5s", nodes: {"c": Client(target: "s", open: Poisson(per_second: 10)), "s": Service(workers: 1, work: Constant("1ms"))})"#,
        1,
    );
    assert!(!csv(&plain).contains("state."));
}
