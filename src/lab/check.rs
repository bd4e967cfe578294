//! `faultlab check`: run a lab's objectives headless on one scenario.
//!
//! The scenario is the lab's starting one or a learner's saved file. Either
//! way it runs with the lab's seed, duration and metrics window (so the
//! objectives' time ranges mean what the lab says, and nobody passes by
//! picking a lucky seed), and only if it keeps what the lab holds fixed
//! (see `fixed`); otherwise the report lists the changes and the check fails
//! without running.
//!
//! For the command line: an `Err` is bad input (exit 2); a report that
//! [`passed`](CheckReport::passed) exits 0, one that did not exits 1.

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use serde::Serialize;

use super::error::LabError;
use super::measure::{ObjectiveResult, Verdict, evaluate_objectives};
use super::{Lab, load};
use crate::metrics::RunSummary;
use crate::scenario::{self, Scenario};
use crate::sim::Simulation;
use crate::sim::config::SimConfig;
use crate::sim::time::SimDuration;

/// What one check found.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    /// The lab's folder name (`01-timeouts`).
    pub lab: String,
    /// The lab's title.
    pub title: String,
    /// The scenario checked, as named (a path).
    pub scenario: String,
    /// The seed it ran with.
    pub seed: u64,
    /// How long it ran (simulated).
    #[serde(serialize_with = "super::objective::duration_text")]
    pub duration: SimDuration,
    /// How it departs from what the lab keeps fixed (empty when it does not).
    pub changed: Vec<String>,
    /// Why the run did not finish, if it did not (a bug in faultlab).
    pub error: Option<String>,
    /// One result per objective, in the lab's order.
    pub results: Vec<ObjectiveResult>,
    /// The run's summary, when it ran.
    #[serde(skip)]
    pub summary: Option<RunSummary>,
}

impl CheckReport {
    /// Whether it ran, kept the fixed parts and met every objective.
    pub fn passed(&self) -> bool {
        self.changed.is_empty() && self.error.is_none() && self.results.iter().all(|r| r.passed())
    }

    /// How many objectives were met.
    pub fn met(&self) -> usize {
        self.results.iter().filter(|r| r.passed()).count()
    }
}

/// Loads the lab in `dir` and checks its starting scenario, or the scenario
/// file `scenario_override` when given, on the lab's seed or on `seed`.
pub fn check(
    dir: &Path,
    scenario_override: Option<&Path>,
    seed: Option<u64>,
) -> Result<CheckReport, LabError> {
    let lab = load(dir)?;
    let seed = seed.unwrap_or_else(|| lab.seed());
    let report = match scenario_override {
        None => check_scenario(
            &lab,
            &lab.scenario,
            &lab.scenario_path.display().to_string(),
            seed,
        ),
        Some(path) => {
            let s = scenario::load_file(path).map_err(|e| LabError::Files(vec![e]))?;
            check_scenario(&lab, &s, &path.display().to_string(), seed)
        }
    };
    Ok(report)
}

/// Checks `scenario` (named `origin` in the report) against `lab`, running it
/// with `seed` and the lab's duration and window.
pub fn check_scenario(lab: &Lab, scenario: &Scenario, origin: &str, seed: u64) -> CheckReport {
    // Knobs set in the window before pressing play are saved as actions at 0 s.
    let config = super::fixed::fold_initial_policies(&scenario.config);
    let changed = lab.changes(&config);
    let mut report = CheckReport {
        lab: lab.slug.clone(),
        title: lab.title.clone(),
        scenario: origin.to_string(),
        seed,
        duration: lab.scenario.config.duration,
        changed,
        error: None,
        results: Vec::new(),
        summary: None,
    };
    if !report.changed.is_empty() {
        report.results = not_run(
            lab,
            "not run: the scenario changes what the lab keeps fixed",
        );
        return report;
    }
    let mut config = lab.run_config(config);
    config.seed = seed;
    match run(config) {
        Ok(summary) => {
            report.results = evaluate_objectives(&lab.objectives, &summary);
            report.summary = Some(summary);
        }
        Err(message) => {
            report.results = not_run(lab, "the run did not finish");
            report.error = Some(message);
        }
    }
    report
}

/// Runs `config` to its end with the lab's seed, duration and window, and
/// measures the objectives on the finished run (exact, whole-run metrics
/// included). The window uses it for a final verdict on a live run replayed
/// headless; unlike [`check_scenario`] it does not compare the fixed parts.
pub fn evaluate_config(lab: &Lab, config: SimConfig) -> Result<Vec<ObjectiveResult>, String> {
    let summary = run(lab.run_config(config))?;
    Ok(evaluate_objectives(&lab.objectives, &summary))
}

/// Runs a configuration to its end; a panic (a bug) becomes an error message.
pub(super) fn run(config: SimConfig) -> Result<RunSummary, String> {
    let seed = config.seed;
    catch_unwind(AssertUnwindSafe(|| Simulation::new(config).run())).map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        format!("the simulation stopped with an internal error (seed {seed}): {what}")
    })
}

fn not_run(lab: &Lab, note: &str) -> Vec<ObjectiveResult> {
    lab.objectives
        .iter()
        .map(|o| ObjectiveResult {
            name: o.name.clone(),
            requirement: o.requirement(),
            metric: o.metric.clone(),
            op: o.op,
            target: o.target,
            value: None,
            verdict: Verdict::Fail,
            note: Some(note.to_string()),
        })
        .collect()
}

/// The report as a text table for a terminal.
///
/// ```text
/// 01-timeouts: Partial failure and timeouts
/// labs/01-timeouts/scenario.ron, run with seed 11 for 90s
///
///   FAIL  Cached pages keep loading   0%        availability ≥ 80% from 32s to 50s
///   PASS  Healthy before the outage   100%      availability ≥ 99.9% before 30s
///
/// 1 of 2 objectives met: FAIL
/// ```
pub fn render_check_report(report: &CheckReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}", report.lab, report.title);
    let _ = writeln!(
        out,
        "{}, run with seed {} for {}",
        report.scenario, report.seed, report.duration
    );
    out.push('\n');
    if !report.changed.is_empty() {
        out.push_str("It changes what the lab keeps fixed, so it was not run:\n");
        for c in &report.changed {
            let _ = writeln!(out, "  - {c}");
        }
        out.push('\n');
    }
    if let Some(e) = &report.error {
        let _ = writeln!(out, "error: {e}\n");
    }
    let values: Vec<String> = report.results.iter().map(|r| r.value_text()).collect();
    let name_w = report
        .results
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0);
    let value_w = values.iter().map(|v| v.chars().count()).max().unwrap_or(0);
    for (r, v) in report.results.iter().zip(&values) {
        let mark = match r.verdict {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::NotYet => "....",
        };
        let _ = writeln!(
            out,
            "  {mark}  {}{}  {v}{}  {}",
            r.name,
            pad(&r.name, name_w),
            pad(v, value_w),
            r.requirement
        );
        if let Some(note) = &r.note {
            let _ = writeln!(out, "        ({note})");
        }
    }
    let verdict = if report.passed() { "PASS" } else { "FAIL" };
    let _ = writeln!(
        out,
        "\n{} of {} objectives met: {verdict}",
        report.met(),
        report.results.len()
    );
    out
}

/// Spaces that pad `s` to `width` characters.
fn pad(s: &str, width: usize) -> String {
    " ".repeat(width.saturating_sub(s.chars().count()))
}
