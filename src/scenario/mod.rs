//! The RON scenario file: parsing, validation with located errors, versions.
//!
//! A scenario file is untrusted input shared between strangers (DESIGN.md,
//! principle 5). Loading one goes in three steps, kept apart:
//!
//! 1. **File types** (`file`, `values`, `nested`): serde types mirroring the
//!    text, every struct with `deny_unknown_fields`. Leaf values check
//!    themselves while being read (a probability of 1.5, NaN, `"5 parsecs"`),
//!    so ron gives their exact position. Only the first such error is found,
//!    as parsing cannot go on past it.
//! 2. **Validation** (`validate`): names resolved, cross-references and limits
//!    checked; *every* problem is collected and placed in the text by
//!    searching for its path (`locate`).
//! 3. **Conversion** into the engine's [`SimConfig`], done in the same pass and
//!    returned only when nothing was wrong.
//!
//! Every limit lives in [`limits`]. Nothing here panics on any input.
//!
//! ```text
//! mm1.ron:12:27: nodes."users".target: no node named "gatewy" (known: "gateway", "db")
//! ```

mod duration;
pub(crate) mod errors;
mod file;
pub mod limits;
pub(crate) mod locate;
mod nested;
mod validate;
mod values;
mod write;

use std::io::Read as _;
use std::path::Path;

use serde::Deserialize;

pub use duration::parse_duration;
pub use errors::{Problem, ScenarioError};
pub use write::{save_file, to_ron};

use crate::sim::config::SimConfig;
use errors::{describe, format_path, join_path};
use file::{ScenarioFile, VersionOnly};
use locate::{Loc, Locator, line_col};

/// The scenario format this build writes and the newest it reads.
///
/// History: 1 — the first format.
pub const FORMAT_VERSION: u32 = 1;

/// A loaded scenario: the engine's configuration and the file's prose.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Everything the engine needs, validated.
    pub config: SimConfig,
    /// The file's `description:` (empty when it has none).
    pub description: String,
}

/// Parses and validates scenario text; `origin` names the file in errors.
pub fn parse_str(src: &str, origin: &str) -> Result<Scenario, ScenarioError> {
    let fail = |problems: Vec<Problem>| ScenarioError {
        file: origin.to_string(),
        problems,
    };
    if src.len() > limits::MAX_FILE_BYTES {
        return Err(fail(vec![too_large(src.len())]));
    }
    // Editors do not show a byte-order mark, so columns are counted without it.
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    if locate::first_token_offset(src) == src.len() {
        let what = if src.trim().is_empty() {
            "empty"
        } else {
            "only comments"
        };
        return Err(fail(vec![Problem::new(
            1,
            1,
            "",
            format!("the file is {what}; a scenario starts with `Scenario(`"),
        )]));
    }
    let file = parse_file(src).map_err(|p| fail(vec![p]))?;
    let (config, description) = validate::convert(file, src, origin).map_err(fail)?;
    Ok(Scenario {
        config,
        description,
    })
}

/// Reads (at most [`limits::MAX_FILE_BYTES`], larger → located error at 1:1) and parses a file.
pub fn load_file(path: &Path) -> Result<Scenario, ScenarioError> {
    let origin = path.display().to_string();
    let fail = |p: Problem| ScenarioError::single(&origin, p);
    let mut bytes = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| {
        f.take(limits::MAX_FILE_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
    });
    if let Err(e) = read {
        return Err(fail(Problem::new(
            1,
            1,
            "",
            format!("cannot read the file: {e}"),
        )));
    }
    if bytes.len() > limits::MAX_FILE_BYTES {
        return Err(fail(too_large(bytes.len())));
    }
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or("");
            let (line, col) = line_col(valid, valid.len());
            let byte = bytes.get(e.valid_up_to()).copied().unwrap_or(0);
            return Err(fail(Problem::new(
                line,
                col,
                "",
                format!(
                    "the file is not UTF-8 text (byte 0x{byte:02x} here); is it a scenario file?"
                ),
            )));
        }
    };
    parse_str(text, &origin)
}

fn too_large(len: usize) -> Problem {
    let what = if len > limits::MAX_FILE_BYTES {
        "more than".to_string()
    } else {
        format!("{len} bytes,")
    };
    Problem::new(
        1,
        1,
        "",
        format!(
            "the file is {what} {} bytes (1 MiB), the largest scenario file read",
            limits::MAX_FILE_BYTES
        ),
    )
}

/// Deserializes the file types, placing the first error.
fn parse_file(src: &str) -> Result<ScenarioFile, Problem> {
    nested::reset();
    let result = parse_whole::<ScenarioFile>(src);
    nested::reset();
    let problem = match result {
        Ok(file) => return Ok(file),
        Err(p) => p,
    };
    // A file from a newer faultlab is expected to have fields this build does
    // not know: say so rather than report the first of them.
    if let Ok(VersionOnly { version: Some(v) }) = parse_whole::<VersionOnly>(src)
        && v > u64::from(FORMAT_VERSION)
    {
        nested::reset();
        let loc = Loc::root().field("version");
        let (line, col) = Locator::new(src).locate(&loc);
        return Err(Problem::new(
            line,
            col,
            loc.path,
            validate::newer_version_message(v),
        ));
    }
    nested::reset();
    Err(problem)
}

/// Runs ron over the whole text as a `T`.
fn parse_whole<'a, T: Deserialize<'a>>(src: &'a str) -> Result<T, Problem> {
    let mut de = ron::Deserializer::from_str_with_options(src, &nested::options())
        .map_err(|e| Problem::new(e.span.start.line, e.span.start.col, "", describe(&e.code)))?;
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => match de.end() {
            Ok(()) => Ok(value),
            Err(e) => {
                let e = de.span_error(e);
                Err(Problem::new(
                    e.span.start.line,
                    e.span.start.col,
                    "",
                    describe(&e.code),
                ))
            }
        },
        Err(err) => {
            let path = format_path(err.path());
            let inner = err.into_inner();
            let spanned = de.span_error(inner);
            if let Some(p) = nested::take_pending() {
                // The error came from a value parsed on its own (see `nested`).
                let base = src.as_ptr() as usize;
                if (base..=base + src.len()).contains(&p.addr) {
                    let (line, col) = line_col(src, p.addr - base);
                    return Err(Problem::new(
                        line,
                        col,
                        join_path(&path, &p.path),
                        p.message,
                    ));
                }
                let start = spanned.span.start;
                return Err(Problem::new(
                    start.line,
                    start.col,
                    join_path(&path, &p.path),
                    p.message,
                ));
            }
            let start = spanned.span.start;
            Err(Problem::new(
                start.line,
                start.col,
                path,
                describe(&spanned.code),
            ))
        }
    }
}

#[cfg(test)]
mod tests;
