//! Reading `lab.ron` with every problem placed in the text.
//!
//! A lab file is untrusted input like a scenario file, read in the same
//! style: ron with [`serde_path_to_error`], errors as `LINE:COL: PATH: MESSAGE`
//! ([`Problem`]). Lists whose elements are checked after parsing (objectives,
//! predictions, fixed parts) are first taken as raw slices of the text, then
//! each is parsed on its own with [`parse`]; its errors are shifted back to the
//! element's place in the file. A problem found later, about a field of such
//! an element or of the file, is placed with [`field_at`]: the field's name,
//! searched for inside that element only.
//!
//! The scenario module keeps its own, richer locator private; this one needs
//! only "element i" and "field f of it".

use crate::scenario::errors::edit_distance;
use serde::Deserialize;
use serde_path_to_error::{Path, Segment};

use crate::scenario::{Problem, limits};

/// Deepest nesting ron follows (as for scenario files).
const MAX_NESTING: usize = 128;

/// The ron options every parse uses: `Option` fields take the bare value.
fn options() -> ron::Options {
    ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
        .with_recursion_limit(MAX_NESTING)
}

/// Parses `part` — the whole of `src` or a slice of it — as a `T`. Errors are
/// placed in `src`, with `prefix` (the element's path) before their path.
pub(super) fn parse<'a, T: Deserialize<'a>>(
    src: &'a str,
    part: &'a str,
    prefix: &str,
) -> Result<T, Problem> {
    let base = start_of(src, part);
    let at = |pos: ron::error::Position, path: String, code: &ron::Error| {
        // Inside `part`, line 1 continues the line `part` starts on.
        let (line, col) = if pos.line <= 1 {
            (base.0, base.1 + pos.col.saturating_sub(1))
        } else {
            (base.0 + pos.line - 1, pos.col)
        };
        Problem::new(line, col, path, describe(code))
    };
    let mut de = ron::Deserializer::from_str_with_options(part, &options())
        .map_err(|e| at(e.span.start, prefix.to_string(), &e.code))?;
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => match de.end() {
            Ok(()) => Ok(value),
            Err(e) => {
                let e = de.span_error(e);
                Err(at(e.span.start, prefix.to_string(), &e.code))
            }
        },
        Err(err) => {
            let path = join_path(prefix, &format_path(err.path()));
            let e = de.span_error(err.into_inner());
            Err(at(e.span.start, path, &e.code))
        }
    }
}

/// A problem about the value `part` (a slice of `src`) as a whole, placed at its first token.
pub(super) fn whole(src: &str, part: &str, path: &str, message: impl Into<String>) -> Problem {
    let offset = offset_in(src, part) + skip_trivia(part, 0);
    let (line, col) = line_col(src, offset);
    Problem::new(line, col, path, message)
}

/// A problem about field `field` of the value `part` (a slice of `src`),
/// placed at the field's name, or at the value's start when it is absent.
pub(super) fn field_at(
    src: &str,
    part: &str,
    path: &str,
    field: &str,
    message: impl Into<String>,
) -> Problem {
    let inner = field_offset(part, field).unwrap_or_else(|| skip_trivia(part, 0));
    let (line, col) = line_col(src, offset_in(src, part) + inner);
    Problem::new(line, col, join_path(path, field), message)
}

/// Byte offset of the slice `part` inside `src` (0 when it is not a slice of it).
fn offset_in(src: &str, part: &str) -> usize {
    let (base, p) = (src.as_ptr() as usize, part.as_ptr() as usize);
    if p >= base && p + part.len() <= base + src.len() {
        p - base
    } else {
        0
    }
}

/// `(line, column)` where the slice `part` starts in `src`.
fn start_of(src: &str, part: &str) -> (usize, usize) {
    line_col(src, offset_in(src, part))
}

/// `(line, column)` of a byte offset: the scenario locator's rule.
pub(super) use crate::scenario::locate::line_col;

/// Byte offset of the first token at or after `from` (skipping spaces and comments).
fn skip_trivia(text: &str, from: usize) -> usize {
    let b = text.as_bytes();
    let mut i = from;
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b[i..].starts_with(b"//") {
            i = text[i..].find('\n').map_or(b.len(), |n| i + n);
        } else if b[i..].starts_with(b"/*") {
            i = skip_block_comment(b, i);
        } else {
            return i.min(b.len());
        }
    }
}

/// From a `/*`: the offset just after its (nested) closing `*/`, or the end.
fn skip_block_comment(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < b.len() {
        if b[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else if b[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    b.len()
}

/// Byte offset in `text` of the field name `field` written as `field:` directly
/// inside the outermost brackets (so not a field of a nested value, and never
/// a word inside a string or a comment).
fn field_offset(text: &str, field: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if b[i..].starts_with(b"//") || b[i..].starts_with(b"/*") {
            i = skip_trivia(text, i);
            continue;
        }
        match c {
            b'"' => i = skip_string(b, i + 1, 0),
            b'(' | b'[' | b'{' => {
                depth += 1;
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            c if c == b'_' || c.is_ascii_alphabetic() => {
                let start = i;
                while i < b.len() && (b[i] == b'_' || b[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                let word = &text[start..i];
                if matches!(word, "r" | "b" | "br") && matches!(b.get(i), Some(b'"' | b'#')) {
                    let hashes = b[i..].iter().take_while(|&&h| h == b'#').count();
                    i = skip_string(b, i + hashes + 1, hashes);
                    continue;
                }
                if depth == 1 && word == field {
                    let next = skip_trivia(text, i);
                    if b.get(next) == Some(&b':') {
                        return Some(start);
                    }
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// From just after an opening quote: the offset after the closing quote
/// (followed by `hashes` `#` for raw strings), or the end of the text.
fn skip_string(b: &[u8], mut i: usize, hashes: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' if hashes == 0 => i += 2,
            b'"' if b[i + 1..]
                .iter()
                .take(hashes)
                .filter(|&&h| h == b'#')
                .count()
                == hashes =>
            {
                return i + 1 + hashes;
            }
            _ => i += 1,
        }
    }
    b.len()
}

/// A serde path in the file's terms: fields joined with `.`, list elements as
/// `[i]`, enum variant names left out.
fn format_path(path: &Path) -> String {
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&short(key, 40));
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    out
}

/// `a.b` + `c` → `a.b.c`; `a` + `[1]` → `a[1]`.
pub(super) fn join_path(outer: &str, inner: &str) -> String {
    if outer.is_empty() || inner.is_empty() || inner.starts_with('[') {
        format!("{outer}{inner}")
    } else {
        format!("{outer}.{inner}")
    }
}

/// A ron error in plain words.
fn describe(err: &ron::Error) -> String {
    use ron::Error as E;
    match err {
        E::Message(m) => short(m, 300),
        E::Eof => "unexpected end of file".to_string(),
        E::NoSuchStructField {
            expected, found, ..
        } => format!(
            "unknown field `{}`{}; expected one of: {}",
            short(found, 40),
            did_you_mean(found, expected),
            list(expected)
        ),
        E::NoSuchEnumVariant {
            expected, found, ..
        } => format!(
            "unknown `{}`{}; expected one of: {}",
            short(found, 40),
            did_you_mean(found, expected),
            list(expected)
        ),
        E::MissingStructField { field, outer } => match outer {
            Some(o) if !o.is_empty() => format!("`{o}` needs the field `{field}`"),
            _ => format!("missing the field `{field}`"),
        },
        E::DuplicateStructField { field, .. } => format!("the field `{field}` is given twice"),
        E::ExpectedDifferentStructName { expected, found } => {
            format!(
                "expected `{expected}(...)`, found `{}(...)`",
                short(found, 40)
            )
        }
        E::ExceededRecursionLimit => {
            format!("values nest too deeply (the limit is {MAX_NESTING} levels)")
        }
        E::TrailingCharacters => "unexpected text after the end of the value".to_string(),
        E::UnclosedBlockComment => "a /* comment is never closed".to_string(),
        E::ExpectedStringEnd => "a string is never closed (missing `\"`)".to_string(),
        E::ExpectedComma => "expected `,` between values".to_string(),
        E::ExpectedInteger => "expected a whole number".to_string(),
        E::ExpectedFloat => "expected a number".to_string(),
        E::ExpectedString => "expected a string in double quotes".to_string(),
        other => {
            let s = short(&other.to_string(), 200);
            let mut chars = s.chars();
            match chars.next() {
                Some(c) => c.to_lowercase().chain(chars).collect(),
                None => s,
            }
        }
    }
}

fn list(options: &[&str]) -> String {
    options
        .iter()
        .map(|o| format!("`{o}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `s` cut to `max` characters (text echoed from a possibly hostile file).
pub(super) fn short(s: &str, max: usize) -> String {
    if s.chars().count() > max {
        s.chars().take(max).chain(std::iter::once('…')).collect()
    } else {
        s.to_string()
    }
}

/// ` (did you mean `x`?)` when one option is a likely typo of `found`.
pub(super) fn did_you_mean<S: AsRef<str>>(found: &str, options: &[S]) -> String {
    if found.chars().count() > 64 {
        return String::new();
    }
    let found = found.to_lowercase();
    options
        .iter()
        .map(|o| {
            (
                edit_distance(&found, &o.as_ref().to_lowercase()),
                o.as_ref(),
            )
        })
        .filter(|(d, o)| *d <= (o.chars().count() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map_or_else(String::new, |(_, o)| format!(" (did you mean `{o}`?)"))
}

/// Text read from a file: at most [`limits::MAX_FILE_BYTES`] bytes of UTF-8.
pub(super) fn read_text(path: &std::path::Path) -> Result<String, Problem> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| {
            f.take(limits::MAX_FILE_BYTES as u64 + 1)
                .read_to_end(&mut bytes)
        })
        .map_err(|e| Problem::new(1, 1, "", format!("cannot read the file: {e}")))?;
    if bytes.len() > limits::MAX_FILE_BYTES {
        return Err(Problem::new(
            1,
            1,
            "",
            format!(
                "the file is more than {} bytes (1 MiB), the largest read",
                limits::MAX_FILE_BYTES
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        let text = String::from_utf8_lossy(&bytes[..valid]);
        let (line, col) = line_col(&text, valid);
        Problem::new(line, col, "", "the file is not UTF-8 text")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_fields_of_the_outer_value_only() {
        let text = r#"Objective(
            // value: in a comment
            name: "value: in a string", metric: ServiceQueue("value"),
            during: Between("1s", "2s"), value: 3,
        )"#;
        let at = field_offset(text, "value").unwrap();
        assert_eq!(&text[at..at + 8], "value: 3");
        assert!(field_offset(text, "op").is_none());
        let raw = r##"X(a: r#"b: "c" "#, b: 1)"##;
        assert_eq!(&raw[field_offset(raw, "b").unwrap()..], "b: 1)");
    }

    #[test]
    fn never_panics_on_unfinished_text() {
        for s in [
            "\"abc", "r#\"abc", "/* /* */", "(a", "(a:", "r", "(//", "é(x: 1)",
        ] {
            let _ = field_offset(s, "a");
            let _ = skip_trivia(s, 0);
        }
    }

    #[test]
    fn suggests_close_names() {
        assert_eq!(
            did_you_mean("Availabilty", &["Availability", "Duplicates"]),
            " (did you mean `Availability`?)"
        );
        assert_eq!(
            did_you_mean("gaols", &["goals", "hints"]),
            " (did you mean `goals`?)"
        );
        assert_eq!(did_you_mean("zzz", &["Availability"]), "");
    }
}
