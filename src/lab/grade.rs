//! `faultlab grade`: check every scenario in a folder of submissions.
//!
//! Each `*.ron` file directly in the folder is one submission, checked as
//! `check` would with the lab's seed. A file that does not load, or changes
//! what the lab keeps fixed, is a row saying so, never a crash. Submissions
//! run in parallel on scoped threads, each taking the next file from a shared
//! counter; rows come back in file-name order whatever the thread count, and
//! each run is deterministic, so the table is the same on any machine.

use std::path::{Path, PathBuf};

use super::check::check_scenario;
use super::error::LabError;
use super::{Lab, load};
use crate::scenario;

/// Most submissions one grading reads.
pub const MAX_SUBMISSIONS: usize = 10_000;

/// One graded submission.
#[derive(Clone, Debug, PartialEq)]
pub struct GradeRow {
    /// The file's name within the submissions folder.
    pub file: String,
    /// Whether it met every objective (false for a file that did not load).
    pub passed: bool,
    /// Each objective's value, in the lab's order (`None`: not measured).
    pub values: Vec<Option<f64>>,
    /// How it departs from what the lab keeps fixed.
    pub changed: Vec<String>,
    /// Why it could not be checked (the located load errors, on one line).
    pub error: Option<String>,
}

/// The grades of a folder of submissions.
#[derive(Clone, Debug, PartialEq)]
pub struct GradeTable {
    /// The objectives' names: the value columns.
    pub objectives: Vec<String>,
    /// One row per submission, by file name.
    pub rows: Vec<GradeRow>,
}

impl GradeTable {
    /// The table as CSV: `file,passed,<one column per objective>,changed,error`.
    /// Values are plain numbers in the metric's unit (fractions, not percents;
    /// milliseconds); empty when not measured.
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["file".to_string(), "passed".to_string()];
        header.extend(self.objectives.iter().cloned());
        header.extend(["changed".to_string(), "error".to_string()]);
        let _ = w.write_record(&header);
        for r in &self.rows {
            let mut record = vec![r.file.clone(), r.passed.to_string()];
            record.extend(r.values.iter().map(|v| v.map_or_else(String::new, number)));
            record.push(r.changed.join("; "));
            record.push(r.error.clone().unwrap_or_default());
            let _ = w.write_record(&record);
        }
        w.into_inner()
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    }

    /// How many submissions passed.
    pub fn passed(&self) -> usize {
        self.rows.iter().filter(|r| r.passed).count()
    }
}

/// Grades every `*.ron` in `submissions` against the lab in `dir`, on
/// `threads` threads (0: one per core).
pub fn grade(dir: &Path, submissions: &Path, threads: usize) -> Result<GradeTable, LabError> {
    let lab = load(dir)?;
    let files = submission_files(submissions)?;
    let rows = crate::parallel::map_ordered(files.iter().collect(), threads, |path| {
        grade_one(&lab, path)
    });
    let rows = rows
        .into_iter()
        .zip(&files)
        .map(|(row, path)| {
            row.unwrap_or_else(|| GradeRow {
                file: file_name(path),
                passed: false,
                values: vec![None; lab.objectives.len()],
                changed: Vec::new(),
                error: Some("grading this file stopped unexpectedly".to_string()),
            })
        })
        .collect();
    Ok(GradeTable {
        objectives: lab.objectives.iter().map(|o| o.name.clone()).collect(),
        rows,
    })
}

fn grade_one(lab: &Lab, path: &Path) -> GradeRow {
    let file = file_name(path);
    match scenario::load_file(path) {
        Err(e) => GradeRow {
            file,
            passed: false,
            values: vec![None; lab.objectives.len()],
            changed: Vec::new(),
            error: Some(e.to_string().replace('\n', "; ")),
        },
        Ok(s) => {
            let report = check_scenario(lab, &s, &path.display().to_string(), lab.seed());
            GradeRow {
                file,
                passed: report.passed(),
                values: report.results.iter().map(|r| r.value).collect(),
                changed: report.changed.clone(),
                error: report.error.clone(),
            }
        }
    }
}

/// The `*.ron` files directly in `dir`, sorted by name.
fn submission_files(dir: &Path) -> Result<Vec<PathBuf>, LabError> {
    let folder_error = |message: String| LabError::Folder {
        path: dir.display().to_string(),
        message,
    };
    let entries = std::fs::read_dir(dir)
        .map_err(|e| folder_error(format!("cannot read the submissions folder: {e}")))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron") && p.is_file())
        .collect();
    if files.len() > MAX_SUBMISSIONS {
        return Err(folder_error(format!(
            "{} submissions; at most {MAX_SUBMISSIONS} are graded at once",
            files.len()
        )));
    }
    files.sort();
    Ok(files)
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// A value for the CSV: up to 6 decimals, trailing zeros dropped.
fn number(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}
