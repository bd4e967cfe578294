//! Values written either as a string (or number) or as a variant:
//! distributions (`"1ms"` or `Uniform(min: .., max: ..)`), policies (`"careful"`
//! or `Policy(..)`), retry budgets (`0.1` or `Budget(..)`) and timeline actions
//! (`Heal` or `Heal(group: [..])`).
//!
//! ron cannot tell serde which of the two forms follows without consuming it,
//! and serde's `untagged` enums lose both the variant names and the position of
//! any error. So such a value is first taken as a [`RawValue`] — the exact
//! slice of the file it occupies — and then parsed again on its own by a fresh
//! ron deserializer, as whichever form its first token shows.
//!
//! An error inside that second parse has a position relative to the slice and a
//! path relative to the value. It is recorded here, in a thread-local, with the
//! slice's absolute address; the error that travels up through serde carries
//! only the message. Whoever catches it (an enclosing nested parse, or the top
//! level in `mod.rs`) takes the record, prepends its own path, and turns the
//! address back into a line and column of the file. Parsing is single-threaded
//! and synchronous, so the record always belongs to the error being handled;
//! it is cleared before each file.
//!
//! Nesting depth is counted here too: mixtures of mixtures are refused past
//! [`limits::MAX_MIXTURE_DEPTH`] before their parts are parsed, which bounds the
//! re-parsing work.

use std::cell::{Cell, RefCell};

use ron::extensions::Extensions;
use ron::value::RawValue;
use serde::de::{self, Deserialize, Deserializer};

use super::errors::{describe, format_path, join_path};
use super::file::{ActionSpec, BudgetSpec, DistSpec, PolicySpec};
use super::limits;
use super::locate::{first_token_offset, is_lone_ident, offset_of, starts_with_string};
use super::values::{Dur, Name, Prob};
use crate::sim::config::RetryBudgetConfig;
use crate::sim::dist::Dist;

/// The ron options every parse uses: `Option` fields take the bare value
/// (`queue: 128`, not `queue: Some(128)`), and nesting is bounded.
pub(crate) fn options() -> ron::Options {
    ron::Options::default()
        .with_default_extension(Extensions::IMPLICIT_SOME)
        .with_recursion_limit(limits::MAX_NESTING)
}

/// A located error from inside a nested parse.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    /// Address of the offending text (inside the file's own buffer).
    pub addr: usize,
    /// Path below the value whose error is being propagated.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

thread_local! {
    static PENDING: RefCell<Option<Pending>> = const { RefCell::new(None) };
    static DIST_DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// Forgets any record left from an earlier file.
pub(crate) fn reset() {
    PENDING.with(|p| p.borrow_mut().take());
    DIST_DEPTH.with(|d| d.set(0));
}

/// Takes the record of the error being propagated, if it came from a nested parse.
pub(crate) fn take_pending() -> Option<Pending> {
    PENDING.with(|p| p.borrow_mut().take())
}

/// Records an error at byte `offset` of `raw` (unless a deeper one is already
/// recorded) and returns the message to propagate.
fn record(raw: &str, offset: usize, path: String, message: String) -> String {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        match p.as_mut() {
            Some(deeper) => {
                deeper.path = join_path(&path, &deeper.path);
                deeper.message.clone()
            }
            None => {
                *p = Some(Pending {
                    addr: raw.as_ptr() as usize + offset,
                    path,
                    message: message.clone(),
                });
                message
            }
        }
    })
}

/// Records an error about the value as a whole, placed at its first token.
fn record_whole(raw: &str, message: String) -> String {
    record(raw, first_token_offset(raw), String::new(), message)
}

/// Parses the slice `raw` of the file as a `T`, recording any error's position.
fn parse<'de, T: Deserialize<'de>>(raw: &'de str) -> Result<T, String> {
    let mut de = match ron::Deserializer::from_str_with_options(raw, &options()) {
        Ok(de) => de,
        Err(e) => {
            let offset = offset_of(raw, e.span.start.line, e.span.start.col);
            return Err(record(raw, offset, String::new(), describe(&e.code)));
        }
    };
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => match de.end() {
            Ok(()) => Ok(value),
            Err(e) => {
                let span = de.span_error(e);
                let offset = offset_of(raw, span.span.start.line, span.span.start.col);
                Err(record(raw, offset, String::new(), describe(&span.code)))
            }
        },
        Err(err) => {
            let path = format_path(err.path());
            let inner = err.into_inner();
            let span = de.span_error(inner);
            let offset = offset_of(raw, span.span.start.line, span.span.start.col);
            Err(record(raw, offset, path, describe(&span.code)))
        }
    }
}

/// The exact text of the value about to be deserialized.
fn raw_text<'de, D: Deserializer<'de>>(d: D) -> Result<&'de str, D::Error> {
    let raw = <&'de RawValue>::deserialize(d)?;
    Ok(raw.get_ron())
}

/// A distribution: a bare duration string (a constant) or a [`DistSpec`] variant.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DistValue(pub Dist);

/// Counts the nesting of distributions while one is being parsed.
struct DepthGuard;

impl DepthGuard {
    fn enter() -> (DepthGuard, usize) {
        let depth = DIST_DEPTH.with(|d| {
            d.set(d.get() + 1);
            d.get()
        });
        (DepthGuard, depth)
    }
}

impl Drop for DepthGuard {
    fn drop(&mut self) {
        DIST_DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

impl<'de> Deserialize<'de> for DistValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = raw_text(d)?;
        dist_from_raw(raw).map(DistValue).map_err(de::Error::custom)
    }
}

fn dist_from_raw(raw: &str) -> Result<Dist, String> {
    if starts_with_string(raw) {
        let text: String = parse(raw)?;
        return Dur::try_from(text)
            .map(|d| Dist::constant(d.0))
            .map_err(|m| record_whole(raw, m));
    }
    let (_guard, depth) = DepthGuard::enter();
    let too_deep = || format!("mixtures nest more than {} deep", limits::MAX_MIXTURE_DEPTH);
    // A distribution at depth d sits inside d-1 mixtures.
    if depth > limits::MAX_MIXTURE_DEPTH + 1 {
        return Err(record_whole(raw, too_deep()));
    }
    let spec: DistSpec = parse(raw)?;
    let ns = |d: Dur| d.0.as_nanos() as f64;
    let dist = match spec {
        DistSpec::Constant(d) => Dist::constant(d.0),
        DistSpec::Uniform { min, max } => {
            if min > max {
                return Err(record_whole(
                    raw,
                    format!("min ({}) is above max ({})", min.0, max.0),
                ));
            }
            Dist::Uniform {
                lo_ns: ns(min),
                hi_ns: ns(max),
            }
        }
        DistSpec::Normal { mean, sd } => Dist::Normal {
            mean_ns: ns(mean),
            sd_ns: ns(sd),
        },
        DistSpec::Exponential { mean } => Dist::exponential(mean.0),
        DistSpec::LogNormal { median, p99 } => {
            if median.0.as_nanos() == 0 {
                return Err(record_whole(
                    raw,
                    "the median of a LogNormal must be above zero".into(),
                ));
            }
            if p99 < median {
                return Err(record_whole(
                    raw,
                    format!("p99 ({}) is below the median ({})", p99.0, median.0),
                ));
            }
            Dist::log_normal_from_median_p99(median.0, p99.0)
        }
        DistSpec::Pareto { scale, shape } => Dist::Pareto {
            scale_ns: ns(scale),
            shape: shape.0,
        },
        DistSpec::Mixture(parts) => {
            if depth > limits::MAX_MIXTURE_DEPTH {
                return Err(record_whole(raw, too_deep()));
            }
            if parts.is_empty() || parts.len() > limits::MAX_MIXTURE_PARTS {
                return Err(record_whole(
                    raw,
                    format!(
                        "a mixture has 1 to {} parts, not {}",
                        limits::MAX_MIXTURE_PARTS,
                        parts.len()
                    ),
                ));
            }
            let sum: f64 = parts.iter().map(|(w, _)| w.0).sum();
            if (sum - 1.0).abs() > limits::WEIGHT_TOLERANCE {
                return Err(record_whole(
                    raw,
                    format!("the weights add up to {sum}, not 1"),
                ));
            }
            Dist::Mixture(parts.into_iter().map(|(w, d)| (w.0, d.0)).collect())
        }
    };
    Ok(dist)
}

/// A policy: the name of one in `policies`, or written out in place.
#[derive(Debug)]
pub(crate) enum PolicyRef {
    Named(Name),
    Inline(Box<PolicySpec>),
}

impl<'de> Deserialize<'de> for PolicyRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = raw_text(d)?;
        let value = if starts_with_string(raw) {
            parse::<Name>(raw).map(PolicyRef::Named)
        } else {
            parse::<PolicySpec>(raw).map(|p| PolicyRef::Inline(Box::new(p)))
        };
        value.map_err(de::Error::custom)
    }
}

/// A retry budget: a bare ratio (`0.1`, with 10 tokens) or `Budget(ratio:, max_tokens:)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct BudgetValue(pub RetryBudgetConfig);

/// Tokens a retry budget holds when the file does not say.
pub(crate) const DEFAULT_BUDGET_TOKENS: f64 = 10.0;

impl<'de> Deserialize<'de> for BudgetValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = raw_text(d)?;
        let body = raw[first_token_offset(raw)..].trim_start();
        let is_struct = body.starts_with("Budget") || body.starts_with('(');
        let value = if is_struct {
            parse::<BudgetSpec>(raw).map(|b| RetryBudgetConfig {
                ratio: b.ratio.0,
                max_tokens: b.max_tokens.map_or(DEFAULT_BUDGET_TOKENS, |t| t.0),
            })
        } else {
            parse::<Prob>(raw).map(|r| RetryBudgetConfig {
                ratio: r.0,
                max_tokens: DEFAULT_BUDGET_TOKENS,
            })
        };
        value.map(BudgetValue).map_err(de::Error::custom)
    }
}

/// A timeline action: a bare `Heal` (everything) or an [`ActionSpec`].
#[derive(Debug)]
pub(crate) struct ActionValue(pub ActionSpec);

impl<'de> Deserialize<'de> for ActionValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = raw_text(d)?;
        if is_lone_ident(raw, "Heal") {
            return Ok(ActionValue(ActionSpec::Heal {
                group: None,
                pairs: None,
                one_way: None,
                zone: None,
            }));
        }
        parse::<ActionSpec>(raw)
            .map(ActionValue)
            .map_err(de::Error::custom)
    }
}
