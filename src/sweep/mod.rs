//! `faultlab sweep`: run a scenario over a grid of settings and seeds, on
//! every core, and tabulate the key figures as CSV.
//!
//! The grid is the product of every `--set` (see [`setting`] for the path
//! syntax) times `seeds` seeds (the file's seed, then the next ones). Each
//! grid point is checked by the scenario loader before anything runs, so a
//! value out of range is an error naming the setting, not a crash. Runs go
//! in parallel on scoped threads, each taking the next from a shared counter
//! (as `grade` does); rows come back in grid order, and each run is
//! deterministic, so the CSV is the same on any machine.

pub mod setting;

use crate::metrics::RunSummary;
use crate::scenario::{self, Scenario};
use crate::sim::Simulation;
use crate::sim::config::SimConfig;

pub use setting::Setting;

/// Most runs (grid points × seeds) one sweep makes: a large grid is better
/// split than left running for a day by a typo.
pub const MAX_RUNS: usize = 10_000;

/// Why a sweep cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A `--set` argument is malformed.
    #[error("--set {arg}: {message}")]
    Setting {
        /// The argument as given.
        arg: String,
        /// What is wrong.
        message: String,
    },
    /// A grid point is not a valid scenario.
    #[error("{point}: {message}")]
    Invalid {
        /// The settings of that point, `path=value, ...`.
        point: String,
        /// What the loader said.
        message: String,
    },
    /// Too many runs.
    #[error("the sweep would make {0} runs; the limit is {MAX_RUNS}")]
    TooLarge(usize),
    /// No seeds.
    #[error("--seeds must be at least 1")]
    NoSeeds,
}

/// One run of the grid.
#[derive(Clone, Debug)]
pub struct Run {
    /// The value of each setting, in `--set` order.
    pub values: Vec<String>,
    /// The seed.
    pub seed: u64,
    /// The configuration to run.
    pub config: SimConfig,
}

/// Every run of the grid, in order: settings vary slowest first, seeds fastest.
pub fn plan(base: &Scenario, settings: &[Setting], seeds: u64) -> Result<Vec<Run>, SweepError> {
    if seeds == 0 {
        return Err(SweepError::NoSeeds);
    }
    let points = settings
        .iter()
        .try_fold(1usize, |n, s| n.checked_mul(s.values.len()))
        .unwrap_or(usize::MAX);
    let runs = points.saturating_mul(usize::try_from(seeds).unwrap_or(usize::MAX));
    if runs > MAX_RUNS {
        return Err(SweepError::TooLarge(runs));
    }
    let mut plan = Vec::with_capacity(runs);
    for i in 0..points {
        // Mixed radix: the last setting varies fastest.
        let mut rest = i;
        let mut values = vec![String::new(); settings.len()];
        for (k, s) in settings.iter().enumerate().rev() {
            values[k] = s.values[rest % s.values.len()].clone();
            rest /= s.values.len();
        }
        let config = point_config(base, settings, &values)?;
        for k in 0..seeds {
            let mut config = config.clone();
            config.seed = base.config.seed.wrapping_add(k);
            plan.push(Run {
                values: values.clone(),
                seed: config.seed,
                config,
            });
        }
    }
    Ok(plan)
}

/// The base configuration with `values` set, checked by the loader.
fn point_config(
    base: &Scenario,
    settings: &[Setting],
    values: &[String],
) -> Result<SimConfig, SweepError> {
    let point = settings
        .iter()
        .zip(values)
        .map(|(s, v)| format!("{}={v}", s.path))
        .collect::<Vec<_>>()
        .join(", ");
    let mut changed = base.clone();
    for (s, v) in settings.iter().zip(values) {
        setting::apply(&mut changed.config, &s.path, v).map_err(|message| SweepError::Setting {
            arg: format!("{}={v}", s.path),
            message,
        })?;
    }
    // The loader checks every limit and cross-reference of the result.
    let text = scenario::to_ron(&changed);
    scenario::parse_str(&text, "sweep")
        .map(|s| s.config)
        .map_err(|e| SweepError::Invalid {
            point,
            message: e
                .problems
                .iter()
                .map(|p| format!("{}: {}", p.path, p.message))
                .collect::<Vec<_>>()
                .join("; "),
        })
}

/// The figures of one run that a sweep tabulates.
#[derive(Clone, Debug)]
pub struct Row {
    /// The value of each setting.
    pub values: Vec<String>,
    /// The seed.
    pub seed: u64,
    /// The run's summary.
    pub summary: RunSummary,
}

/// Runs every entry of `plan` on `threads` threads (0: one per core),
/// calling `done` after each; rows come back in plan order.
pub fn run(plan: Vec<Run>, threads: usize, done: &(dyn Fn() + Sync)) -> Vec<Row> {
    crate::parallel::map_ordered(plan, threads, |run| {
        // Limits the memory of a sweep to `threads` runs at once: a summary
        // without its window series is small.
        let mut summary = Simulation::new(run.config).run();
        summary.windows = Vec::new();
        done();
        Row {
            values: run.values,
            seed: run.seed,
            summary,
        }
    })
    .into_iter()
    .flatten()
    .collect()
}

/// The CSV header after the settings' paths.
const COLUMNS: &[&str] = &[
    "seed",
    "offered",
    "ok",
    "failed",
    "unfinished",
    "availability",
    "attempts",
    "amplification",
    "duplicates",
    "timeout",
    "rejected",
    "shed",
    "circuit_open",
    "error",
    "dropped",
    "crashed",
    "latency_mean_ms",
    "latency_p50_ms",
    "latency_p99_ms",
    "latency_p999_ms",
    "budget_remaining",
    "events",
];

/// The rows as CSV: one column per setting (its path), then [`COLUMNS`].
pub fn to_csv(settings: &[Setting], rows: &[Row]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header: Vec<&str> = settings
        .iter()
        .map(|s| s.path.as_str())
        .chain(COLUMNS.iter().copied())
        .collect();
    let _ = w.write_record(&header);
    for row in rows {
        let s = &row.summary;
        let (r, f, l) = (&s.requests, &s.failures, &s.latency_ms);
        let mut record = row.values.clone();
        record.extend([row.seed, r.offered, r.ok, r.failed, r.unfinished].map(|x| x.to_string()));
        record.push(r.availability.to_string());
        record.push(r.attempts.to_string());
        record.push(r.amplification.to_string());
        record.push(r.duplicates.to_string());
        record.extend(
            [
                f.timeout,
                f.rejected,
                f.shed,
                f.circuit_open,
                f.error,
                f.dropped,
                f.crashed,
            ]
            .map(|x| x.to_string()),
        );
        record
            .extend([l.mean, l.p50, l.p99, l.p999, s.slo.budget_remaining].map(|x| x.to_string()));
        record.push(s.events.to_string());
        let _ = w.write_record(&record);
    }
    w.into_inner()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}
