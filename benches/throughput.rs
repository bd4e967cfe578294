//! Simulated requests per wall-clock second, single thread.
//!
//! `cargo bench --bench throughput` runs each example a few times (release
//! build) and prints the best and median rate. Requests are end-to-end client
//! requests offered; events are everything the engine processed.

use std::path::Path;
use std::time::Instant;

use faultlab::scenario;
use faultlab::sim::Simulation;
use faultlab::sim::time::SimDuration;

const RUNS: usize = 5;

fn measure(file: &str, duration: SimDuration) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let mut config = scenario::load_file(&path)
        .unwrap_or_else(|e| panic!("{e}"))
        .config;
    config.duration = duration;
    let mut rates = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let started = Instant::now();
        let summary = Simulation::new(config.clone()).run();
        let secs = started.elapsed().as_secs_f64();
        rates.push((
            summary.requests.offered as f64 / secs,
            summary.events as f64 / secs,
        ));
        last = Some(summary);
    }
    rates.sort_by(|a, b| b.0.total_cmp(&a.0));
    let summary = last.expect("at least one run");
    let (best, median) = (rates[0], rates[RUNS / 2]);
    println!(
        "{file}: {} requests, {} events per run; best {:.2} M requests/s ({:.1} M events/s), median {:.2} M requests/s",
        summary.requests.offered,
        summary.events,
        best.0 / 1e6,
        best.1 / 1e6,
        median.0 / 1e6
    );
}

fn main() {
    // `cargo test --benches` passes --bench too; only measure when asked to.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    measure("labs/examples/mm1.ron", SimDuration::from_secs(2_000));
    measure("labs/examples/three-tier.ron", SimDuration::from_secs(600));
    measure("labs/examples/retry-storm.ron", SimDuration::from_secs(90));
}
