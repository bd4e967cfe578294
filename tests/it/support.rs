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

/// Standard errors an estimate may lie from theory: 5 exceeds the two-sided
/// 99.9% point of Student's t with 9 degrees of freedom (4.78).
pub const T_CRIT: f64 = 5.0;

/// Checks independent replication `estimates` against `theory`: their mean
/// must lie within [`T_CRIT`] standard errors (of the mean of the
/// replications) of it. To keep the check meaningful the standard error
/// itself must be below `max_relative_se` of the value, so a noisy estimate
/// cannot pass by luck.
pub fn check(label: &str, estimates: &[f64], theory: f64, max_relative_se: f64) {
    check_with_allowance(label, estimates, theory, max_relative_se, 0.0);
}

/// [`check`] with `allowance` (in the estimates' units) added to the band: a
/// known systematic error, shared by every replication, that their spread
/// cannot show (such as a histogram's rounding).
pub fn check_with_allowance(
    label: &str,
    estimates: &[f64],
    theory: f64,
    max_relative_se: f64,
    allowance: f64,
) {
    let (mean, se) = mean_and_se(estimates);
    eprintln!("{label}: {mean:.4} (se {se:.4}) vs theory {theory:.4}");
    assert!(
        se / theory < max_relative_se,
        "{label}: replications too noisy (se {se}) to test anything"
    );
    assert!(
        (mean - theory).abs() < T_CRIT * se + allowance,
        "{label}: {mean} is more than {T_CRIT} se ({se}) + {allowance} from {theory}"
    );
}

/// Erlang C: the probability an arrival waits in an M/M/c queue with offered load `a = λ/μ`.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 0.0;
    for k in 0..c {
        if k > 0 {
            term *= a / f64::from(k);
        }
        sum += term;
    }
    let last = term * a / f64::from(c) * f64::from(c) / (f64::from(c) - a);
    last / (sum + last)
}
