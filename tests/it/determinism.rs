//! Same scenario and seed, same run; common random numbers across knobs.

use faultlab::report;
use faultlab::sim::Simulation;
use faultlab::sim::config::{LinkModel, SimConfig};
use faultlab::sim::dist::Dist;
use faultlab::sim::time::SimDuration;

use super::support::example;

/// Every example, shortened to keep the suite quick.
fn examples() -> Vec<(String, SimConfig)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/examples");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".ron"))
        .collect();
    names.sort();
    assert!(names.len() >= 6, "at least six examples");
    names
        .into_iter()
        .map(|n| {
            let mut c = example(&n).config;
            c.duration = c.duration.min(SimDuration::from_secs(40));
            (n, c)
        })
        .collect()
}

#[test]
fn every_example_run_twice_gives_identical_json() {
    for (name, config) in examples() {
        let a = Simulation::new(config.clone());
        let b = Simulation::new(config);
        let (ja, jb) = (report::to_json(&a.run()), report::to_json(&b.run()));
        assert_eq!(ja, jb, "{name} is not deterministic");
    }
}

#[test]
fn stepping_in_chunks_gives_the_same_event_log_as_one_run() {
    for (name, config) in examples() {
        let end = faultlab::sim::time::SimTime::ZERO + config.duration;
        let mut whole = Simulation::new(config.clone());
        whole.run_until(end);
        let mut chunked = Simulation::new(config);
        let mut t = faultlab::sim::time::SimTime::ZERO;
        while t < end {
            t = (t + SimDuration::from_millis(333)).min(end);
            chunked.run_until(t);
        }
        assert_eq!(whole.events(), chunked.events(), "{name}");
        assert_eq!(whole.log_hash(), chunked.log_hash(), "{name}");
    }
}

#[test]
fn a_different_seed_gives_different_numbers() {
    for (name, config) in examples() {
        let mut other = config.clone();
        other.seed += 1;
        let a = Simulation::new(config).run();
        let b = Simulation::new(other).run();
        assert_ne!(a.requests.offered, b.requests.offered, "{name}");
        assert_ne!(a.latency_ms.mean, b.latency_ms.mean, "{name}");
    }
}

#[test]
fn changing_one_link_leaves_arrivals_unchanged() {
    let config = example("three-tier.ron").config;
    let gateway = config.node_id("gateway").unwrap();
    let orders = config.node_id("orders").unwrap();
    let mut changed = config.clone();
    changed.links.push(faultlab::sim::config::LinkConfig {
        from: gateway,
        to: orders,
        model: LinkModel {
            latency: Dist::constant(SimDuration::from_millis(30)),
            loss: 0.01,
            duplicate: 0.0,
        },
    });
    let mut a = Simulation::new(config);
    let mut b = Simulation::new(changed);
    let end = faultlab::sim::time::SimTime::ZERO + SimDuration::from_secs(30);
    a.run_until(end);
    b.run_until(end);
    assert_ne!(a.log_hash(), b.log_hash(), "the change did change the run");
    assert_eq!(
        a.arrival_fingerprint(),
        b.arrival_fingerprint(),
        "but not when users sent requests"
    );
}

/// The fuzzer's seed inputs (`fuzz/seeds/`) are meant to be valid
/// scenarios that reach the newer node kinds: each loads, runs, and runs
/// to the same JSON twice.
#[test]
fn every_fuzz_seed_is_a_valid_scenario_that_runs_deterministically() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let config = faultlab::scenario::load_file(&path)
            .unwrap_or_else(|e| panic!("{e}"))
            .config;
        let a = report::to_json(&Simulation::new(config.clone()).run());
        let b = report::to_json(&Simulation::new(config).run());
        assert_eq!(a, b, "{} is not deterministic", path.display());
        seen += 1;
    }
    assert!(seen >= 6, "{seen} seeds");
}
