//! The measured numbers quoted in `docs/replication.md` ("Measured"),
//! printed rather than checked (the checks with their bounds are in
//! `raft.rs`, `detectors.rs` and `replication.rs`). Run with
//! `cargo test --test it replication_report -- --ignored --nocapture`.

use faultlab::metrics::RunSummary;
use faultlab::sim::Simulation;
use faultlab::sim::config::SimConfig;

use super::raft::{cluster, three_way_split};
use crate::support::{config, example};

/// Min, median and max of `xs` (sorted here), or "none".
fn spread(mut xs: Vec<f64>, unit: &str) -> String {
    if xs.is_empty() {
        return "none".into();
    }
    xs.sort_by(f64::total_cmp);
    let median = xs[xs.len() / 2];
    format!(
        "min {:.0} {unit}, median {median:.0} {unit}, max {:.0} {unit} (n = {})",
        xs[0],
        xs[xs.len() - 1],
        xs.len()
    )
}

fn without_pre_vote(mut c: SimConfig) -> SimConfig {
    for n in &mut c.nodes {
        if let faultlab::sim::config::NodeKind::Raft(r) = &mut n.kind {
            r.pre_vote = false;
        }
    }
    c
}

/// The liveness test's setup: five nodes split 2 | 2 | 1 from 2 s to 4 s.
fn election_after_split(pre_vote: bool) -> Vec<f64> {
    let base = config(&cluster(5, "7s", ""), 0);
    (0..200)
        .map(|seed| {
            let mut c = three_way_split(&base, seed);
            if !pre_vote {
                c = without_pre_vote(c);
            }
            let s = Simulation::new(c).run();
            let raft = s.raft.unwrap();
            let first = raft.leaders.iter().find(|l| l.at_s >= 4.0).unwrap();
            (first.at_s - 4.0) * 1000.0
        })
        .collect()
}

fn run_seeds(c: &SimConfig, seeds: std::ops::Range<u64>) -> Vec<RunSummary> {
    seeds
        .map(|seed| {
            let mut c = c.clone();
            c.seed = seed;
            Simulation::new(c).run()
        })
        .collect()
}

#[test]
#[ignore = "prints the measured numbers for docs/replication.md"]
fn replication_report() {
    for pre_vote in [true, false] {
        println!(
            "2|2|1 split 2-4 s, 200 seeds, pre_vote {pre_vote}: leader after heal {}",
            spread(election_after_split(pre_vote), "ms")
        );
    }

    // raft-partition.ron: 2 | 3 from 10 s to 20 s.
    let rp = example("raft-partition.ron").config;
    for (label, c) in [("on", rp.clone()), ("off", without_pre_vote(rp.clone()))] {
        let runs = run_seeds(&c, 0..20);
        let mut failover = Vec::new();
        let mut after_heal = Vec::new();
        let mut heal_elections = 0;
        for s in &runs {
            let leaders = &s.raft.as_ref().unwrap().leaders;
            if let Some(l) = leaders.iter().find(|l| l.at_s >= 10.0 && l.at_s < 20.0) {
                failover.push((l.at_s - 10.0) * 1000.0);
            }
            let healed: Vec<_> = leaders.iter().filter(|l| l.at_s >= 20.0).collect();
            heal_elections += healed.len();
            if let Some(l) = healed.first() {
                after_heal.push((l.at_s - 20.0) * 1000.0);
            }
        }
        println!(
            "raft-partition.ron, seeds 0-19, pre_vote {label}: new leader during the split {}; \
             elections after the heal: {heal_elections} (first one {})",
            spread(failover, "ms"),
            spread(after_heal, "ms")
        );
    }

    // Lab 12: fixed timeout (scenario) and phi accrual (solution).
    for file in ["scenario.ron", "solution.ron"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("labs/12-failure-detection")
            .join(file);
        let c = faultlab::scenario::load_file(&path).unwrap().config;
        let runs = run_seeds(&c, 0..20);
        let d: Vec<_> = runs.iter().map(|s| s.detection.unwrap()).collect();
        let detected: u64 = d.iter().map(|d| d.detections).sum();
        let crashes: u64 = d.iter().map(|d| d.crashes_watched).sum();
        let fsh: f64 = d.iter().map(|d| d.false_suspicions_per_hour).sum::<f64>() / d.len() as f64;
        let fs: u64 = d.iter().map(|d| d.false_suspicions).sum();
        println!(
            "lab 12 {file}, seeds 0-19: {detected} of {crashes} crashes detected; mean time to detect per run {}; \
             longest per run {}; false suspicions {fs} in all, {fsh:.0} per hour per watched node on average",
            spread(d.iter().map(|d| d.mean_time_to_detect_ms).collect(), "ms"),
            spread(d.iter().map(|d| d.max_time_to_detect_ms).collect(), "ms"),
        );
    }

    // The checker on each store example, at the file's seed.
    for name in [
        "store-partition-3.ron",
        "store-partition-3-available.ron",
        "store-partition-5.ron",
        "store-partition-5-consistent.ron",
        "lww-skew.ron",
        "zone-outage.ron",
        "raft-partition.ron",
        "lease-drift.ron",
    ] {
        let s = Simulation::new(example(name).config).run();
        let k = s.consistency.unwrap();
        println!(
            "{name}: {} ops, {} reads ok, {} writes ok, {} failed, {} unknown; stale reads {}, lost writes {}, \
             sibling reads {}, keys not linearizable {} of {} (too large {}); availability {:.4}",
            k.operations,
            k.reads_ok,
            k.writes_ok,
            k.failed,
            k.unknown,
            k.stale_reads,
            k.lost_writes,
            k.sibling_reads,
            k.keys_not_linearizable,
            k.keys_checked,
            k.keys_too_large,
            s.requests.availability
        );
    }
}
