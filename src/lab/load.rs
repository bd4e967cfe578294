//! Loading a lab folder: `lab.ron`, the two scenarios it names and `README.md`.
//!
//! Like scenario files, labs are untrusted: loading never panics, reads at
//! most 1 MiB per file, and reports *every* problem it can find with its
//! place, e.g.
//!
//! ```text
//! labs/01-timeouts/lab.ron:14:58: objectives[2].metric: no node named "dbb" in the starting scenario (known: "api", "db", "users")
//! ```
//!
//! Beyond the file's shape, it checks what only the scenario can tell: that
//! the nodes objectives name exist and are of the right kind, that every range
//! lies within the run and holds at least one metrics window, that targets
//! are in their metric's domain, and that the reference solution keeps the
//! parts the lab holds fixed.

use std::path::{Component, Path, PathBuf};

use super::error::LabError;
use super::file::{FixedFile, LabFile, ObjectiveFile, PredictionFile, VersionOnly};
use super::fixed::{self, Fixed};
use super::measure::is_fraction;
use super::objective::{During, Metric, Objective};
use super::parse::{did_you_mean, field_at, parse, read_text, short, whole};
use super::{FORMAT_VERSION, Lab, Prediction};
use crate::scenario::{self, Problem, Scenario, ScenarioError};
use crate::sim::config::{NodeKind, SimConfig};
use crate::sim::time::SimDuration;

/// The lab file's name inside its folder.
pub const LAB_FILE: &str = "lab.ron";
/// The lab text's name inside its folder.
pub const README_FILE: &str = "README.md";

/// Loads and checks the lab in folder `dir`.
pub fn load(dir: &Path) -> Result<Lab, LabError> {
    if !dir.is_dir() {
        return Err(LabError::Folder {
            path: dir.display().to_string(),
            message: "not a folder (a lab is a folder holding lab.ron and README.md)".to_string(),
        });
    }
    let lab_path = dir.join(LAB_FILE);
    let origin = lab_path.display().to_string();
    let one = |p: Problem| LabError::Files(vec![ScenarioError::single(&origin, p)]);
    let text = read_text(&lab_path).map_err(one)?;
    let src = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if src.trim().is_empty() {
        return Err(one(Problem::new(
            1,
            1,
            "",
            "the file is empty; a lab starts with `Lab(`",
        )));
    }
    let file: LabFile = parse(src, src, "").map_err(|p| one(newer_version(src).unwrap_or(p)))?;
    let mut check = Checker {
        src,
        dir,
        problems: Vec::new(),
        others: Vec::new(),
    };
    let lab = check.lab(file);
    let mut errors = Vec::new();
    if !check.problems.is_empty() {
        errors.push(ScenarioError {
            file: origin,
            problems: check.problems,
        });
    }
    errors.extend(check.others);
    match lab {
        Some(lab) if errors.is_empty() => Ok(lab),
        _ => Err(LabError::Files(errors)),
    }
}

/// The folders under `root` holding a `lab.ron`, sorted by name (`01-…`, `02-…`).
pub fn discover(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join(LAB_FILE).is_file())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// A file made by a newer faultlab is expected to have fields this build does
/// not know: say so rather than report the first of them.
fn newer_version(src: &str) -> Option<Problem> {
    let v = parse::<VersionOnly>(src, src, "").ok()?.version?;
    (v > u64::from(FORMAT_VERSION)).then(|| version_problem(src, v))
}

fn version_problem(src: &str, v: u64) -> Problem {
    let message = if v == 0 {
        "version 0 does not exist; the first lab format is 1".to_string()
    } else {
        format!(
            "this lab is in format {v}, made by a newer faultlab; this one reads up to {FORMAT_VERSION}"
        )
    };
    field_at(src, src, "", "version", message)
}

struct Checker<'a> {
    src: &'a str,
    dir: &'a Path,
    /// Problems in `lab.ron`.
    problems: Vec<Problem>,
    /// Problems in the other files (scenarios, README).
    others: Vec<ScenarioError>,
}

impl<'a> Checker<'a> {
    fn problem(&mut self, path: &str, field: &str, message: impl Into<String>) {
        self.problems
            .push(field_at(self.src, self.src, path, field, message));
    }

    fn lab(&mut self, file: LabFile<'a>) -> Option<Lab> {
        if let Some(v) = file.version
            && (v == 0 || v > u64::from(FORMAT_VERSION))
        {
            self.problems.push(version_problem(self.src, v));
        }
        if file.goals.0.is_empty() {
            self.problem("", "goals", "a lab needs at least one learning goal");
        }
        let start = self.scenario_file("scenario", &file.scenario.0);
        let solution = self.scenario_file("solution", &file.solution.0);
        let config = start.as_ref().map(|(_, s)| &s.config);

        let objectives = self.objectives(&file, config);
        let predictions = self.predictions(&file);
        let fixed = match &file.fixed {
            None => Fixed::defaults(),
            Some(list) => self.fixed(&list.0, config),
        };
        if let (Some((_, start)), Some((_, sol))) = (&start, &solution) {
            let changed = fixed::changes(&fixed, &start.config, &sol.config);
            if !changed.is_empty() {
                self.problem(
                    "",
                    "solution",
                    format!(
                        "the reference solution changes what the lab keeps fixed: {}",
                        changed.join("; ")
                    ),
                );
            }
        }
        let readme_path = self.dir.join(README_FILE);
        let readme = match read_text(&readme_path) {
            Ok(text) => Some(text),
            Err(p) => {
                self.others
                    .push(ScenarioError::single(&readme_path.display().to_string(), p));
                None
            }
        };
        let (scenario_path, scenario) = start?;
        let (solution_path, solution) = solution?;
        Some(Lab {
            dir: self.dir.to_path_buf(),
            slug: self
                .dir
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            title: file.title.0,
            goals: file.goals.0.into_iter().map(|t| t.0).collect(),
            knobs: file.knobs.0.into_iter().map(|t| t.0).collect(),
            objectives: objectives?,
            hints: file.hints.0.into_iter().map(|t| t.0).collect(),
            predictions: predictions?,
            fixed,
            scenario_path,
            scenario,
            solution_path,
            solution,
            readme: readme?,
        })
    }

    /// Loads the scenario the field `field` names; its own problems go to `others`.
    fn scenario_file(&mut self, field: &str, name: &str) -> Option<(PathBuf, Scenario)> {
        let relative = Path::new(name);
        let inside = relative
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if !inside {
            self.problem(
                "",
                field,
                format!(
                    "{:?} is not inside the lab folder; name a file in it, like \"scenario.ron\"",
                    short(name, 60)
                ),
            );
            return None;
        }
        let path = self.dir.join(relative);
        if !path.is_file() {
            self.problem(
                "",
                field,
                format!("there is no file {:?} in the lab folder", short(name, 60)),
            );
            return None;
        }
        match scenario::load_file(&path) {
            Ok(s) => Some((path, s)),
            Err(e) => {
                self.others.push(e);
                None
            }
        }
    }

    fn objectives(
        &mut self,
        file: &LabFile<'a>,
        start: Option<&SimConfig>,
    ) -> Option<Vec<Objective>> {
        if file.objectives.0.is_empty() {
            self.problem("", "objectives", "a lab needs at least one objective");
            return None;
        }
        let mut out = Vec::new();
        let mut ok = true;
        for (i, raw) in file.objectives.0.iter().enumerate() {
            let text = raw.get_ron();
            let path = format!("objectives[{i}]");
            let o: ObjectiveFile = match parse(self.src, text, &path) {
                Ok(o) => o,
                Err(p) => {
                    self.problems.push(p);
                    ok = false;
                    continue;
                }
            };
            let objective = Objective {
                name: o.name.0,
                metric: o.metric,
                op: o.op,
                target: o.value.0,
                during: o.during.unwrap_or(During::Whole),
            };
            let before = self.problems.len();
            let at = |field: &str, message: String| field_at(self.src, text, &path, field, message);
            let mut found = Vec::new();
            if let Some(earlier) = out
                .iter()
                .position(|e: &Objective| e.name == objective.name)
            {
                found.push(at(
                    "name",
                    format!("objectives[{earlier}] has the same name; names must differ (they head the grader's columns)"),
                ));
            }
            if let Some(m) = target_problem(&objective) {
                found.push(at("value", m));
            }
            if let Some(c) = start {
                if let Some(m) = node_problem(&objective.metric, c) {
                    found.push(at("metric", m));
                }
                if let Some(m) = range_problem(&objective, c) {
                    found.push(at("during", m));
                }
            } else if objective.metric.whole_run_only() && objective.during != During::Whole {
                found.push(at("during", whole_only(&objective.metric)));
            }
            self.problems.extend(found);
            ok &= self.problems.len() == before;
            out.push(objective);
        }
        ok.then_some(out)
    }

    fn predictions(&mut self, file: &LabFile<'a>) -> Option<Vec<Prediction>> {
        let mut out = Vec::new();
        let mut ok = true;
        for (i, raw) in file.predictions.0.iter().enumerate() {
            let text = raw.get_ron();
            let path = format!("predictions[{i}]");
            let p: PredictionFile = match parse(self.src, text, &path) {
                Ok(p) => p,
                Err(p) => {
                    self.problems.push(p);
                    ok = false;
                    continue;
                }
            };
            let n = p.choices.0.len();
            if !(2..=super::file::MAX_CHOICES).contains(&n) {
                self.problems.push(field_at(
                    self.src,
                    text,
                    &path,
                    "choices",
                    format!(
                        "{n} {}; a question has from 2 to {}",
                        if n == 1 { "choice" } else { "choices" },
                        super::file::MAX_CHOICES
                    ),
                ));
                ok = false;
                continue;
            }
            if p.answer >= n as u64 {
                self.problems.push(field_at(
                    self.src,
                    text,
                    &path,
                    "answer",
                    format!(
                        "answer {} is not one of the {n} choices (they count from 0, so 0 to {})",
                        p.answer,
                        n - 1
                    ),
                ));
                ok = false;
                continue;
            }
            out.push(Prediction {
                question: p.question.0,
                choices: p.choices.0.into_iter().map(|t| t.0).collect(),
                answer: p.answer as usize,
                explanation: p.explanation.0,
            });
        }
        ok.then_some(out)
    }

    fn fixed(
        &mut self,
        list: &[&'a ron::value::RawValue],
        start: Option<&SimConfig>,
    ) -> Vec<Fixed> {
        let mut out = Vec::new();
        for (i, raw) in list.iter().enumerate() {
            let text = raw.get_ron();
            let path = format!("fixed[{i}]");
            match parse::<FixedFile>(self.src, text, &path) {
                Err(p) => self.problems.push(p),
                Ok(FixedFile::Timeline) => out.push(Fixed::Timeline),
                Ok(FixedFile::Workload) => out.push(Fixed::Workload),
                Ok(FixedFile::Links) => out.push(Fixed::Links),
                Ok(FixedFile::Node(name)) => {
                    if let Some(c) = start
                        && c.node_id(&name.0).is_none()
                    {
                        self.problems
                            .push(whole(self.src, text, &path, unknown_node(&name.0, c)));
                    }
                    out.push(Fixed::Node(name.0));
                }
            }
        }
        out
    }
}

/// A target outside its metric's domain (a percentage written as 99, a negative count).
fn target_problem(o: &Objective) -> Option<String> {
    let v = o.target;
    if is_fraction(&o.metric) && o.metric != Metric::BudgetRemaining && !(0.0..=1.0).contains(&v) {
        return Some(format!(
            "{v} is out of range: {} is a fraction between 0 and 1 (write 0.99 for 99%)",
            o.metric
        ));
    }
    if o.metric == Metric::BudgetRemaining && v > 1.0 {
        return Some(format!(
            "{v} is out of range: the error budget left is at most 1 (all of it)"
        ));
    }
    if !is_fraction(&o.metric) && v < 0.0 {
        return Some(format!("{v} is negative; {} cannot be", o.metric));
    }
    None
}

/// A per-node metric naming a node the scenario lacks, or one of the wrong kind.
fn node_problem(metric: &Metric, c: &SimConfig) -> Option<String> {
    let name = metric.node()?;
    let Some(id) = c.node_id(name) else {
        return Some(unknown_node(name, c));
    };
    let kind = &c.nodes[id.index()].kind;
    let client = matches!(kind, NodeKind::Client(_) | NodeKind::StoreClient(_));
    match (metric, kind) {
        (Metric::ClientAvailability(_), _) if client => None,
        (Metric::ClientAvailability(_), k) => {
            Some(format!("{name:?} is a {}, not a client", k.label()))
        }
        (_, NodeKind::Client(_)) => Some(format!(
            "{name:?} is a client; this metric is about the nodes that serve requests"
        )),
        (Metric::CacheHitRatio(_), k) if !matches!(k, NodeKind::Cache(_)) => {
            Some(format!("{name:?} is a {}, not a cache", k.label()))
        }
        (Metric::VersionRequests(_, v), k) => match k {
            NodeKind::Service(s) if s.versions.index_of(v).is_some() => None,
            NodeKind::Service(s) => Some(format!(
                "{name:?} has no version {v:?} (it has {})",
                (0..s.versions.count())
                    .map(|i| format!("{:?}", s.versions.name(i)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            k => Some(format!("{name:?} is a {}, not a service", k.label())),
        },
        _ => None,
    }
}

fn unknown_node(name: &str, c: &SimConfig) -> String {
    let names: Vec<&str> = c.nodes.iter().map(|n| n.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    let known: Vec<String> = sorted.iter().take(12).map(|n| format!("{n:?}")).collect();
    format!(
        "no node named {:?} in the starting scenario{} (known: {})",
        short(name, 40),
        did_you_mean(name, &names),
        known.join(", ")
    )
}

fn whole_only(metric: &Metric) -> String {
    format!("{metric} is measured over the whole run only; leave `during` out or write `Whole`")
}

/// A range that cannot be measured on the starting scenario.
fn range_problem(o: &Objective, c: &SimConfig) -> Option<String> {
    if o.metric.whole_run_only() && o.during != During::Whole {
        return Some(whole_only(&o.metric));
    }
    let end = c.duration;
    let (from, to) = match o.during {
        During::Whole => return None,
        During::Between(a, b) => {
            if a >= b {
                return Some(format!("the range from {a} to {b} is empty"));
            }
            (a, b)
        }
        During::After(t) => (t, end),
        During::Before(t) => (SimDuration::ZERO, t),
    };
    if to > end || from >= end {
        return Some(format!(
            "the range {} reaches past the end of the run ({end})",
            o.during
        ));
    }
    // The first window starting at or after `from` must end by `to`.
    let w = c.window.as_nanos().max(1);
    let first_start = from.as_nanos().div_ceil(w).saturating_mul(w);
    if first_start.saturating_add(w) > to.as_nanos() {
        return Some(format!(
            "no whole metrics window ({}) lies {}; objectives are measured on whole windows",
            c.window, o.during
        ));
    }
    None
}
