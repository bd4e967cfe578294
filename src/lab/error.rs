//! What can go wrong loading a lab or reading a folder of submissions.

use std::fmt;

use crate::scenario::ScenarioError;

/// A lab that cannot be used: located problems in its files, or a folder
/// that cannot be read. On the command line this is "bad input" (exit 2).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LabError {
    /// Problems in the lab's files — `lab.ron`, the scenarios it names, its
    /// README — each located (`FILE:LINE:COL: PATH: MESSAGE`). Never empty.
    Files(Vec<ScenarioError>),
    /// A folder (the lab's, or the submissions') that cannot be read.
    Folder {
        /// The folder, as given.
        path: String,
        /// Why.
        message: String,
    },
}

impl fmt::Display for LabError {
    /// One line per problem.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabError::Files(files) => {
                for (i, e) in files.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "{e}")?;
                }
                Ok(())
            }
            LabError::Folder { path, message } => write!(f, "{path}: {message}"),
        }
    }
}

impl LabError {
    /// Every problem of every file, in order, as `(file, problem)`.
    pub fn problems(&self) -> Vec<(&str, &crate::scenario::Problem)> {
        match self {
            LabError::Files(files) => files
                .iter()
                .flat_map(|e| e.problems.iter().map(move |p| (e.file.as_str(), p)))
                .collect(),
            LabError::Folder { .. } => Vec::new(),
        }
    }
}
