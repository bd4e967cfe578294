//! Checked leaf values of the file: durations, probabilities, bounded counts, names.
//!
//! Each checks itself while it is deserialized, so a bad value is reported at
//! ron's exact position for it ("1.5 is out of range: a probability is between
//! 0 and 1"), before anything else is looked at.

use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use super::duration::{parse_duration, parse_signed_duration, quote};
use super::limits;
use crate::sim::time::SimDuration;

/// A non-negative duration in human units, at most [`limits::MAX_DURATION`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
#[serde(try_from = "String")]
pub(crate) struct Dur(pub SimDuration);

impl TryFrom<String> for Dur {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let d = parse_duration(&s)?;
        if d > limits::MAX_DURATION {
            return Err(format!(
                "{} is longer than the limit of {}",
                quote(&s),
                limits::MAX_DURATION
            ));
        }
        Ok(Dur(d))
    }
}

/// A signed duration (a clock offset) in nanoseconds, within ±[`limits::MAX_CLOCK_OFFSET`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub(crate) struct SignedDur(pub i64);

impl TryFrom<String> for SignedDur {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let ns = parse_signed_duration(&s)?;
        if ns.unsigned_abs() > limits::MAX_CLOCK_OFFSET.as_nanos() {
            return Err(format!(
                "{} is further from zero than the limit of ±{}",
                quote(&s),
                limits::MAX_CLOCK_OFFSET
            ));
        }
        Ok(SignedDur(ns))
    }
}

/// `x` as written in a message: very large or very small values in
/// scientific notation (1e308 is not 309 digits).
fn short_number(x: f64) -> String {
    let a = x.abs();
    if a >= 1e15 || (a > 0.0 && a < 1e-6) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Declares an `f64` newtype that rejects NaN, infinities and values outside a range.
macro_rules! real {
    ($(#[$meta:meta])* $name:ident, $ok:expr, $range:expr) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, serde::Deserialize)]
        #[serde(try_from = "f64")]
        pub(crate) struct $name(pub f64);

        impl TryFrom<f64> for $name {
            type Error = String;
            fn try_from(x: f64) -> Result<Self, String> {
                let ok: fn(f64) -> bool = $ok;
                if x.is_nan() {
                    Err(format!("NaN is not a number; {}", $range))
                } else if x.is_infinite() {
                    Err(format!("{x} is not allowed; {}", $range))
                } else if ok(x) {
                    Ok($name(x))
                } else {
                    Err(format!("{} is out of range; {}", short_number(x), $range))
                }
            }
        }
    };
}

real!(
    /// A probability or fraction in [0, 1].
    Prob, |x| (0.0..=1.0).contains(&x), "it must be between 0 and 1"
);
real!(
    /// A rate per second in (0, [`limits::MAX_RATE_PER_S`]].
    Rate, |x| x > 0.0 && x <= limits::MAX_RATE_PER_S,
    format!("a rate must be above 0 and at most {} per second", limits::MAX_RATE_PER_S)
);
real!(
    /// Token counts (bucket burst, budget size) in (0, [`limits::MAX_TOKENS`]].
    Tokens, |x| x > 0.0 && x <= limits::MAX_TOKENS,
    format!("it must be above 0 and at most {}", limits::MAX_TOKENS)
);
real!(
    /// A fraction in (0, 1]: a breaker's failure rate, a pool's ejectable share.
    Fraction, |x| x > 0.0 && x <= 1.0, "it must be above 0 and at most 1"
);
real!(
    /// An SLO's availability target in (0, 1): a target of 1 would leave no
    /// error budget, so one failure would overspend it without bound.
    SloTarget, |x| x > 0.0 && x < 1.0,
    "an availability target must be above 0 and below 1 (a target of 1 leaves no error budget: \
     one failure would overspend it without bound; for \"no failures\" write e.g. 0.99999)"
);
real!(
    /// A percentile in (0, 100] (SLO).
    Percent, |x| x > 0.0 && x <= 100.0, "a percentile must be above 0 and at most 100"
);
real!(
    /// A percentile in (0, 100) (hedging: p100 would never hedge).
    HedgePercent, |x| x > 0.0 && x < 100.0, "a percentile must be above 0 and below 100"
);
real!(
    /// A Zipf exponent in [0, [`limits::MAX_ZIPF_S`]].
    ZipfS, |x| (0.0..=limits::MAX_ZIPF_S).contains(&x),
    format!("the Zipf exponent must be between 0 and {}", limits::MAX_ZIPF_S)
);
real!(
    /// A Pareto shape in (0, [`limits::MAX_PARETO_SHAPE`]].
    ParetoShape, |x| x > 0.0 && x <= limits::MAX_PARETO_SHAPE,
    format!("the Pareto shape must be above 0 and at most {}", limits::MAX_PARETO_SHAPE)
);
real!(
    /// A slowdown factor in (0, [`limits::MAX_SLOW_FACTOR`]].
    SlowFactor, |x| x > 0.0 && x <= limits::MAX_SLOW_FACTOR,
    format!("the factor must be above 0 and at most {}", limits::MAX_SLOW_FACTOR)
);
real!(
    /// A phi accrual threshold in (0, [`limits::MAX_PHI`]].
    Phi, |x| x > 0.0 && x <= limits::MAX_PHI,
    format!("the threshold must be above 0 and at most {}", limits::MAX_PHI)
);
real!(
    /// A window coordinate within ±[`limits::MAX_COORDINATE`].
    Coord, |x| x.abs() <= f64::from(limits::MAX_COORDINATE),
    format!("a coordinate must be within ±{}", limits::MAX_COORDINATE)
);

/// An integer in `LO..=HI`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Count<const LO: u64, const HI: u64>(pub u64);

impl<const LO: u64, const HI: u64> Count<LO, HI> {
    /// The value as a `u32` (every `HI` used in the file fits).
    pub fn get(self) -> u32 {
        u32::try_from(self.0).unwrap_or(u32::MAX)
    }
}

impl<'de, const LO: u64, const HI: u64> Deserialize<'de> for Count<LO, HI> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = i64::deserialize(d)?;
        match u64::try_from(v) {
            Ok(u) if (LO..=HI).contains(&u) => Ok(Count(u)),
            _ if v < LO as i64 => Err(de::Error::custom(format!(
                "{v} is too small; it must be at least {LO}"
            ))),
            _ => Err(de::Error::custom(format!(
                "{v} is too large; the limit is {HI}"
            ))),
        }
    }
}

/// A clock drift in parts per million, within ±[`limits::MAX_DRIFT_PPM`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "i64")]
pub(crate) struct Drift(pub i64);

impl TryFrom<i64> for Drift {
    type Error = String;
    fn try_from(v: i64) -> Result<Self, String> {
        if v.abs() <= limits::MAX_DRIFT_PPM {
            Ok(Drift(v))
        } else {
            Err(format!(
                "{v} ppm is out of range; drift must be within ±{} ppm",
                limits::MAX_DRIFT_PPM
            ))
        }
    }
}

/// A node, policy or zone name: 1 to [`limits::MAX_NAME_CHARS`] characters of `[A-Za-z0-9_.-]`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
#[serde(try_from = "String")]
pub(crate) struct Name(pub String);

impl TryFrom<String> for Name {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let n = s.chars().count();
        if n == 0 {
            Err("a name cannot be empty".to_string())
        } else if n > limits::MAX_NAME_CHARS {
            Err(format!(
                "the name {} is {n} characters long; names have at most {}",
                quote(&s),
                limits::MAX_NAME_CHARS
            ))
        } else if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
        {
            Err(format!(
                "the name {} contains {c:?}; names use only letters A-Z, a-z, digits, '_', '.' and '-'",
                quote(&s)
            ))
        } else {
            Ok(Name(s))
        }
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// Free text of at most `MAX` characters, without control characters other than
/// newline and tab (`MULTILINE`) or none at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Text<const MAX: usize, const MULTILINE: bool>(pub String);

impl<'de, const MAX: usize, const MULTILINE: bool> Deserialize<'de> for Text<MAX, MULTILINE> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.chars().count() > MAX {
            return Err(de::Error::custom(format!(
                "the text is longer than {MAX} characters"
            )));
        }
        let allowed = |c: char| MULTILINE && matches!(c, '\n' | '\t' | '\r');
        if let Some(c) = s.chars().find(|&c| c.is_control() && !allowed(c)) {
            return Err(de::Error::custom(format!(
                "the text contains the control character {c:?}"
            )));
        }
        Ok(Text(s))
    }
}

/// A `{ "name": value, ... }` map kept in file order, with names checked and
/// each name allowed once.
#[derive(Clone, Debug)]
pub(crate) struct NamedMap<T>(pub Vec<(Name, T)>);

impl<T> Default for NamedMap<T> {
    fn default() -> Self {
        NamedMap(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for NamedMap<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MapVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for MapVisitor<T> {
            type Value = NamedMap<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of names to values, like { \"name\": ... }")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut seen = HashSet::new();
                let mut entries = Vec::new();
                while let Some(name) = map.next_key::<Name>()? {
                    if !seen.insert(name.clone()) {
                        return Err(de::Error::custom(format!("the name {name} is used twice")));
                    }
                    let value = map.next_value::<T>()?;
                    entries.push((name, value));
                }
                Ok(NamedMap(entries))
            }
        }

        d.deserialize_map(MapVisitor(PhantomData))
    }
}
