//! Lab exercises: lab files, objective evaluation, `check` and `grade`.
//!
//! A lab is a folder `labs/NN-slug/` holding `lab.ron`, `README.md` (the
//! story, background, steps and questions) and two scenario files: the
//! starting scenario the learner changes and a reference solution.
//!
//! ```ron
//! Lab(
//!     version: 1,
//!     title: "Partial failure and timeouts",
//!     goals: ["See how a hanging dependency drains a worker pool"],
//!     scenario: "scenario.ron",          // in the lab folder
//!     solution: "solution.ron",          // a complete scenario that passes
//!     knobs: ["cache -> inventory: timeout"],
//!     fixed: [Timeline, Workload, Links, Node("pages")],   // default: the first three
//!     objectives: [
//!         Objective(name: "Pages load during the outage", metric: Availability,
//!                   op: AtLeast, value: 0.8, during: Between("32s", "50s")),
//!         Objective(name: "No double charges", metric: Duplicates, op: AtMost, value: 0),
//!     ],
//!     hints: ["...", "..."],
//!     predictions: [Prediction(question: "...", choices: ["...", "..."], answer: 1,
//!                              explanation: "...")],
//! )
//! ```
//!
//! - [`load`] reads and checks a lab (every problem located, like scenarios);
//! - [`evaluate`] and [`evaluate_so_far`] measure objectives on a finished or
//!   running simulation, by the rules in [`measure`] (which windows a time
//!   range covers, how a value is made from them);
//! - [`check`] runs one scenario headless against a lab, [`grade`] a folder
//!   of them in parallel, as CSV;
//! - [`fixed`] is what a submission must keep from the starting scenario.
//!
//! # The file, field by field
//!
//! | field | meaning | default |
//! |---|---|---|
//! | `version` | lab format version; a newer one is refused with a clear message | 1 |
//! | `title` | shown in the lab picker and reports | required |
//! | `goals` | what the learner should come away understanding (at least one) | required |
//! | `scenario` | the starting scenario: a `.ron` file inside the lab folder | required |
//! | `solution` | the reference solution: a complete scenario file inside the lab folder that passes every objective and keeps the fixed parts | required |
//! | `knobs` | what the learner is meant to change, in words | none |
//! | `fixed` | what a submission must keep: `Timeline`, `Workload`, `Links`, `Node("name")` (see [`Fixed`]) | `[Timeline, Workload, Links]` |
//! | `objectives` | `Objective(name:, metric:, op: AtLeast \| AtMost, value:, during:)` (at least one; names unique) | required |
//! | `hints` | revealed one at a time | none |
//! | `predictions` | `Prediction(question:, choices: [..], answer:, explanation:)`, `answer` counted from 0 | none |
//!
//! `during` is `Whole` (the default), `Between("20s", "60s")`, `After("45s")`
//! or `Before("30s")`; a range must lie within the starting scenario's run and
//! hold at least one whole metrics window. `value` is in the metric's unit:
//! availability and ratios as fractions (`0.99`), latencies in milliseconds,
//! counts as numbers. The metrics are listed on [`Metric`]; those marked
//! "whole run only" accept no range. Texts are at most
//! [`MAX_TEXT_CHARS`] characters (objective names [`MAX_NAME_CHARS`]), lists
//! at most [`MAX_LIST`] entries, a question 2 to [`MAX_CHOICES`] choices,
//! files 1 MiB.
//!
//! Comments (`//`, `/* */`) are allowed anywhere, as in scenario files.

mod check;
mod error;
mod file;
pub mod fixed;
mod grade;
mod load;
pub mod measure;
mod objective;
mod parse;
mod state;

use std::path::PathBuf;

use serde::Serialize;

pub use check::{CheckReport, check, check_scenario, evaluate_config, render_check_report};
pub use error::LabError;
pub use file::{MAX_CHOICES, MAX_LIST, MAX_NAME_CHARS, MAX_TEXT_CHARS};
pub use fixed::Fixed;
pub use grade::{GradeRow, GradeTable, MAX_SUBMISSIONS, grade};
pub use load::{LAB_FILE, README_FILE, discover, load};
pub use measure::{ObjectiveResult, Verdict, evaluate_objectives, evaluate_so_far, windows_in};
pub use objective::{Comparison, During, Metric, Objective, Unit};

use crate::metrics::RunSummary;
use crate::scenario::Scenario;
use crate::sim::config::SimConfig;

/// The lab format this build reads. History: 1 — the first format.
pub const FORMAT_VERSION: u32 = 1;

/// A loaded, checked lab.
#[derive(Clone, Debug)]
pub struct Lab {
    /// The lab's folder.
    pub dir: PathBuf,
    /// The folder's name, e.g. `01-timeouts`.
    pub slug: String,
    /// The title.
    pub title: String,
    /// What the learner should come away understanding.
    pub goals: Vec<String>,
    /// What the learner is meant to change, in words.
    pub knobs: Vec<String>,
    /// What is checked.
    pub objectives: Vec<Objective>,
    /// Hints, to reveal one at a time.
    pub hints: Vec<String>,
    /// "Predict, then observe" questions.
    pub predictions: Vec<Prediction>,
    /// What a submission must keep from the starting scenario.
    pub fixed: Vec<Fixed>,
    /// The starting scenario's file.
    pub scenario_path: PathBuf,
    /// The starting scenario.
    pub scenario: Scenario,
    /// The reference solution's file.
    pub solution_path: PathBuf,
    /// The reference solution.
    pub solution: Scenario,
    /// `README.md`: the lab's text, in Markdown.
    pub readme: String,
}

/// A question asked before a run and answered after it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Prediction {
    /// The question.
    pub question: String,
    /// The choices (at least two).
    pub choices: Vec<String>,
    /// Index of the right choice in `choices`, from 0.
    pub answer: usize,
    /// Why it is right, shown after the run.
    pub explanation: String,
}

impl Lab {
    /// The seed every check of this lab runs with: the starting scenario's.
    pub fn seed(&self) -> u64 {
        self.scenario.config.seed
    }

    /// `config` with the lab's seed, duration and metrics window, which make
    /// the objectives' time ranges mean what the lab says.
    pub fn run_config(&self, mut config: SimConfig) -> SimConfig {
        let start = &self.scenario.config;
        config.seed = start.seed;
        config.duration = start.duration;
        config.window = start.window;
        config
    }

    /// How `config` departs from what the lab keeps fixed (empty: it keeps all).
    pub fn changes(&self, config: &SimConfig) -> Vec<String> {
        fixed::changes(&self.fixed, &self.scenario.config, config)
    }
}

/// Measures the lab's objectives on a finished run.
pub fn evaluate(lab: &Lab, run: &RunSummary) -> Vec<ObjectiveResult> {
    evaluate_objectives(&lab.objectives, run)
}
