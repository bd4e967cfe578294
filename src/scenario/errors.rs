//! Problems with a scenario file, and how ron's errors are put into words.

use std::fmt;

use serde_path_to_error::{Path, Segment};

/// All problems found in one file, each located.
///
/// `Display` prints one line per problem: `FILE:LINE:COL: PATH: MESSAGE`
/// (the `PATH: ` part is left out when the problem is about the file as a whole).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}", self.lines())]
pub struct ScenarioError {
    /// The file, as named by the caller.
    pub file: String,
    /// Every problem found, in the order found (never empty).
    pub problems: Vec<Problem>,
}

impl ScenarioError {
    /// An error with a single problem.
    pub fn single(file: &str, problem: Problem) -> Self {
        ScenarioError {
            file: file.to_string(),
            problems: vec![problem],
        }
    }

    fn lines(&self) -> String {
        let mut out = String::new();
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&format!("{}:{p}", self.file));
        }
        out
    }
}

/// One problem: where it is and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub col: usize,
    /// The field path, like `nodes."users".target`; empty for the whole file.
    pub path: String,
    /// What is wrong, in words.
    pub message: String,
}

impl Problem {
    /// A problem at `line:col`.
    pub fn new(
        line: usize,
        col: usize,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Problem {
            line,
            col,
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    /// `LINE:COL: PATH: MESSAGE`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}:{}: {}", self.line, self.col, self.message)
        } else {
            write!(
                f,
                "{}:{}: {}: {}",
                self.line, self.col, self.path, self.message
            )
        }
    }
}

/// The path of a serde error in the file's own terms: fields joined with `.`,
/// list elements as `[i]`, names of nodes and policies quoted; enum variant
/// names (`Client`, `Poisson`) left out, as the reader never writes them as
/// fields. Positions in the file's tuples get their meaning back: a timeline
/// entry's `[0]` is `.time` and `[1]` (the action) is the entry itself; a
/// mixture part's `[0]` is `.weight` and `[1]` the part itself; `Slow`'s are
/// `.node` and `.factor`.
pub(crate) fn format_path(path: &Path) -> String {
    let segments: Vec<&Segment> = path.iter().collect();
    let mut out = String::new();
    let mut previous_key: Option<&str> = None;
    let mut previous_variant: Option<&str> = None;
    let mut i = 0;
    while i < segments.len() {
        match segments[i] {
            Segment::Seq { index } => {
                let pair_names = match (previous_key, previous_variant) {
                    (Some("timeline"), _) => Some(("time", "")),
                    (_, Some("Mixture")) => Some(("weight", "")),
                    _ => None,
                };
                if let (Some("Slow"), None) = (previous_variant, pair_names) {
                    out.push_str(if *index == 0 { ".node" } else { ".factor" });
                } else {
                    out.push_str(&format!("[{index}]"));
                    if let (Some((first, second)), Some(Segment::Seq { index: j })) =
                        (pair_names, segments.get(i + 1))
                    {
                        let name = if *j == 0 { first } else { second };
                        if !name.is_empty() {
                            out.push('.');
                            out.push_str(name);
                        }
                        i += 1;
                    }
                }
                previous_key = None;
                previous_variant = None;
            }
            Segment::Map { key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                if matches!(previous_key, Some("nodes" | "policies")) {
                    out.push_str(&format!("{:?}", short(key)));
                } else {
                    out.push_str(&short(key));
                }
                previous_key = Some(key);
                previous_variant = None;
            }
            Segment::Enum { variant } => previous_variant = Some(variant),
            Segment::Unknown => {}
        }
        i += 1;
    }
    match out.strip_prefix('.') {
        Some(rest) => rest.to_string(),
        None => out,
    }
}

/// Joins two paths (`a.b` + `c` → `a.b.c`, `a` + `[1]` → `a[1]`).
pub(crate) fn join_path(outer: &str, inner: &str) -> String {
    let inner = inner.strip_prefix('.').unwrap_or(inner);
    if outer.is_empty() || inner.is_empty() || inner.starts_with('[') {
        format!("{outer}{inner}")
    } else {
        format!("{outer}.{inner}")
    }
}

/// A ron error in plain words.
pub(crate) fn describe(err: &ron::Error) -> String {
    use ron::Error as E;
    match err {
        E::Message(m) => short_to(m, 300),
        E::Eof => "unexpected end of file".to_string(),
        E::NoSuchStructField {
            expected, found, ..
        } => {
            format!(
                "unknown field `{}`{}; {}",
                short(found),
                did_you_mean(found, expected),
                one_of("fields", expected)
            )
        }
        E::NoSuchEnumVariant {
            expected, found, ..
        } => {
            format!(
                "unknown `{}`{}; {}",
                short(found),
                did_you_mean(found, expected),
                one_of("choices", expected)
            )
        }
        E::MissingStructField { field, outer } => match outer {
            Some(o) if !o.is_empty() => format!("`{o}` needs the field `{field}`"),
            _ => format!("missing the field `{field}`"),
        },
        E::DuplicateStructField { field, .. } => format!("the field `{field}` is given twice"),
        E::ExpectedDifferentStructName { expected, found } => {
            format!("expected `{expected}(...)`, found `{}(...)`", short(found))
        }
        E::ExceededRecursionLimit => "values nest too deeply (the limit is 128 levels)".to_string(),
        E::Utf8Error(_) => "the file is not UTF-8 text".to_string(),
        E::TrailingCharacters => "unexpected text after the end of the scenario".to_string(),
        E::UnclosedBlockComment => "a /* comment is never closed".to_string(),
        E::ExpectedStringEnd => "a string is never closed (missing `\"`)".to_string(),
        E::IntegerOutOfBounds => "the number is out of range".to_string(),
        E::ExpectedComma => "expected `,` between values".to_string(),
        E::ExpectedIdentifier => "expected a field name or a closing bracket".to_string(),
        E::ExpectedInteger => "expected a whole number".to_string(),
        E::ExpectedFloat => "expected a number".to_string(),
        E::ExpectedString => "expected a string in double quotes".to_string(),
        E::ExpectedBoolean => "expected `true` or `false`".to_string(),
        other => {
            // ron's own words, lowercased, and cut short: some quote the input.
            let s = short_to(&other.to_string(), 200);
            let mut chars = s.chars();
            match chars.next() {
                Some(c) => c.to_lowercase().chain(chars).collect(),
                None => s,
            }
        }
    }
}

/// `s` cut to 40 characters (names and fields echoed from a possibly hostile file).
pub(crate) fn short(s: &str) -> String {
    short_to(s, 40)
}

fn short_to(s: &str, max: usize) -> String {
    if s.chars().count() > max {
        s.chars().take(max).chain(std::iter::once('…')).collect()
    } else {
        s.to_string()
    }
}

/// `expected one of: a, b, c`, or `it has no fields` for an empty list.
fn one_of(what: &str, options: &[&str]) -> String {
    match options {
        [] => format!("it takes no {what}"),
        [one] => format!("the only one allowed is `{one}`"),
        _ => format!(
            "expected one of: {}",
            options
                .iter()
                .map(|o| format!("`{o}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// ` (did you mean `x`?)` when one option is a likely typo of `found`.
pub(crate) fn did_you_mean<S: AsRef<str>>(found: &str, options: &[S]) -> String {
    if found.chars().count() > 64 {
        return String::new();
    }
    let best = options
        .iter()
        .map(|o| {
            (
                edit_distance(&found.to_lowercase(), &o.as_ref().to_lowercase()),
                o.as_ref(),
            )
        })
        .filter(|(d, o)| *d <= (o.chars().count() / 3).max(1))
        .min_by_key(|(d, _)| *d);
    match best {
        Some((_, o)) => format!(" (did you mean `{o}`?)"),
        None => String::new(),
    }
}

/// Optimal string alignment distance (Levenshtein with transpositions).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            did_you_mean("wrokers", &["workers", "queue"]),
            " (did you mean `workers`?)"
        );
        assert_eq!(did_you_mean("zzz", &["workers", "queue"]), "");
    }

    #[test]
    fn displays_one_line_per_problem() {
        let e = ScenarioError {
            file: "mm1.ron".into(),
            problems: vec![
                Problem::new(12, 27, "nodes.\"users\".target", "no node named \"gatewy\""),
                Problem::new(1, 1, "", "empty file"),
            ],
        };
        assert_eq!(
            e.to_string(),
            "mm1.ron:12:27: nodes.\"users\".target: no node named \"gatewy\"\nmm1.ron:1:1: empty file"
        );
    }

    #[test]
    fn joins_paths() {
        assert_eq!(join_path("a.b", "c"), "a.b.c");
        assert_eq!(join_path("a", "[1]"), "a[1]");
        assert_eq!(join_path("", "c"), "c");
        assert_eq!(join_path("a", ""), "a");
        assert_eq!(join_path("t[0]", ".factor"), "t[0].factor");
    }
}
