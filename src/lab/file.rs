//! The serde types of `lab.ron`, mirroring the text.
//!
//! Every struct denies unknown fields. Text values check their own length
//! while being read, so ron places the error. Lists that are checked after
//! parsing keep each element as a raw slice of the file (see `parse`).

use ron::value::RawValue;
use serde::{Deserialize, Deserializer};

use super::objective::{Comparison, During, Metric};

/// Most characters in a title, a goal, a hint, a knob or a prediction's text.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Most characters in an objective's name (it becomes a CSV column).
pub const MAX_NAME_CHARS: usize = 80;
/// Most entries in any list of a lab file.
pub const MAX_LIST: usize = 64;
/// Most choices of a prediction question.
pub const MAX_CHOICES: usize = 8;

/// The whole file.
#[derive(Deserialize)]
#[serde(rename = "Lab", deny_unknown_fields)]
pub(super) struct LabFile<'a> {
    #[serde(default)]
    pub version: Option<u64>,
    pub title: Text<MAX_TEXT_CHARS>,
    #[serde(default)]
    pub goals: Bounded<Text<MAX_TEXT_CHARS>>,
    pub scenario: Text<MAX_TEXT_CHARS>,
    #[serde(default)]
    pub knobs: Bounded<Text<MAX_TEXT_CHARS>>,
    #[serde(borrow)]
    pub objectives: Bounded<&'a RawValue>,
    #[serde(default)]
    pub hints: Bounded<Text<MAX_TEXT_CHARS>>,
    #[serde(default, borrow)]
    pub predictions: Bounded<&'a RawValue>,
    pub solution: Text<MAX_TEXT_CHARS>,
    #[serde(default, borrow)]
    pub fixed: Option<Bounded<&'a RawValue>>,
}

/// Only the version, to tell "a newer format" from "a broken file".
#[derive(Deserialize)]
#[serde(rename = "Lab")]
pub(super) struct VersionOnly {
    #[serde(default)]
    pub version: Option<u64>,
}

/// One objective.
#[derive(Deserialize)]
#[serde(rename = "Objective", deny_unknown_fields)]
pub(super) struct ObjectiveFile {
    pub name: Text<MAX_NAME_CHARS>,
    pub metric: Metric,
    pub op: Comparison,
    pub value: Finite,
    #[serde(default)]
    pub during: Option<During>,
}

/// One "predict, then observe" question.
#[derive(Deserialize)]
#[serde(rename = "Prediction", deny_unknown_fields)]
pub(super) struct PredictionFile {
    pub question: Text<MAX_TEXT_CHARS>,
    pub choices: Bounded<Text<MAX_TEXT_CHARS>>,
    pub answer: u64,
    pub explanation: Text<MAX_TEXT_CHARS>,
}

/// One part of the starting scenario that a submission must keep.
#[derive(Deserialize)]
pub(super) enum FixedFile {
    Timeline,
    Workload,
    Links,
    Node(Text<MAX_NAME_CHARS>),
}

/// A non-empty string of at most `MAX` characters.
#[derive(Clone, Debug, Deserialize)]
#[serde(try_from = "String")]
pub(super) struct Text<const MAX: usize>(pub String);

impl<const MAX: usize> TryFrom<String> for Text<MAX> {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let n = s.chars().count();
        if s.trim().is_empty() {
            Err("this text is empty".to_string())
        } else if n > MAX {
            Err(format!("{n} characters; at most {MAX} are allowed here"))
        } else {
            Ok(Text(s))
        }
    }
}

/// A finite number (no NaN, no infinity).
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(try_from = "f64")]
pub(super) struct Finite(pub f64);

impl TryFrom<f64> for Finite {
    type Error = String;
    fn try_from(x: f64) -> Result<Self, String> {
        if x.is_finite() {
            Ok(Finite(x))
        } else {
            Err(format!("{x} is not a finite number"))
        }
    }
}

/// A list of at most [`MAX_LIST`] elements; a longer one is refused at the
/// first element too many, before it is read.
#[derive(Debug)]
pub(super) struct Bounded<T>(pub Vec<T>);

impl<T> Default for Bounded<T> {
    fn default() -> Self {
        Bounded(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Bounded<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visit<T> {
            type Value = Bounded<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "a list in [brackets]")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                loop {
                    if out.len() == MAX_LIST {
                        // One more element is an error; the end of the list is not.
                        return match seq.next_element::<serde::de::IgnoredAny>()? {
                            None => Ok(Bounded(out)),
                            Some(_) => Err(serde::de::Error::custom(format!(
                                "the list is longer than the limit of {MAX_LIST} entries"
                            ))),
                        };
                    }
                    match seq.next_element()? {
                        Some(x) => out.push(x),
                        None => return Ok(Bounded(out)),
                    }
                }
            }
        }
        d.deserialize_seq(Visit(std::marker::PhantomData))
    }
}
