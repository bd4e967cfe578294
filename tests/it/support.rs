//! Helpers shared by the integration tests.

use faultlab::metrics::RunSummary;
use faultlab::scenario::{self, Scenario};
use faultlab::sim::Simulation;
use faultlab::sim::config::SimConfig;

/// Parses scenario text, panicking with the located errors if it is invalid.
pub fn parse(src: &str) -> Scenario {
    scenario::parse_str(src, "test.ron")
        .unwrap_or_else(|e| panic!("test scenario does not load:\n{e}"))
}

/// The engine configuration of scenario text with the seed replaced.
pub fn config(src: &str, seed: u64) -> SimConfig {
    let mut c = parse(src).config;
    c.seed = seed;
    c
}

/// Runs scenario text with `seed`.
pub fn run(src: &str, seed: u64) -> RunSummary {
    Simulation::new(config(src, seed)).run()
}

/// Loads an example from `labs/examples`.
pub fn example(name: &str) -> Scenario {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("labs/examples")
        .join(name);
    scenario::load_file(&path).unwrap_or_else(|e| panic!("{name} does not load:\n{e}"))
}

/// Mean and standard error of the mean of independent replications.
pub fn mean_and_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}
