//! Durations in human units: `"850ns"`, `"12us"`, `"12µs"`, `"50ms"`, `"1.5s"`, `"5m"`, `"1h"`.
//!
//! Parsed exactly in integer arithmetic (no float rounding: `"0.1s"` is
//! 100,000,000 ns), rounded to the nearest nanosecond below that.

use crate::sim::time::SimDuration;

/// The units a duration may carry, with their length in nanoseconds.
const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000), // Greek small letter mu, which some keyboards give instead of the micro sign
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("min", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Most digits accepted on either side of the decimal point.
const MAX_DIGITS: usize = 30;

/// Parses a non-negative duration such as `"50ms"` or `"1.5s"`.
///
/// Accepted units: `ns`, `us` (or `µs`), `ms`, `s`, `m` (or `min`), `h`; a
/// space between number and unit is allowed. The result must fit in a `u64`
/// of nanoseconds; callers apply their own upper limit.
pub fn parse_duration(s: &str) -> Result<SimDuration, String> {
    let t = s.trim();
    if t.starts_with('-') {
        return Err(format!(
            "{} is negative; durations cannot be negative",
            quote(s)
        ));
    }
    let ns = parse_magnitude(t.strip_prefix('+').unwrap_or(t), s)?;
    u64::try_from(ns)
        .map(SimDuration)
        .map_err(|_| format!("{} is too long", quote(s)))
}

/// Parses a signed duration such as `"-50ms"` (a clock offset), in nanoseconds.
pub fn parse_signed_duration(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let (negative, rest) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let ns = parse_magnitude(rest, s)?;
    let ns = i64::try_from(ns).map_err(|_| format!("{} is too long", quote(s)))?;
    Ok(if negative { -ns } else { ns })
}

/// `digits[.digits] [space] unit` → nanoseconds (exact, rounded half up).
fn parse_magnitude(t: &str, original: &str) -> Result<u128, String> {
    const HINT: &str =
        "write a number and a unit, e.g. \"250ms\", \"1.5s\" (units: ns, us, µs, ms, s, m, h)";
    if t.contains('\n') {
        return Err("a duration with a line break in it: is a closing `\"` missing?".to_string());
    }
    if t.is_empty() {
        return Err(format!("empty duration; {HINT}"));
    }
    let number_len = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(number_len);
    let unit = unit.trim_start();
    if number.is_empty() {
        return Err(format!(
            "{} does not start with a number; {HINT}",
            quote(original)
        ));
    }
    if unit.is_empty() {
        return Err(format!("{} has no unit; {HINT}", quote(original)));
    }
    let Some(&(_, unit_ns)) = UNITS.iter().find(|(name, _)| *name == unit) else {
        return Err(format!(
            "{} has an unknown unit {}; {HINT}",
            quote(original),
            quote(unit)
        ));
    };
    let (int, frac) = match number.split_once('.') {
        Some((i, f)) => (i, f),
        None => (number, ""),
    };
    if (int.is_empty() && frac.is_empty()) || frac.contains('.') {
        return Err(format!(
            "{} is not a number followed by a unit; {HINT}",
            quote(original)
        ));
    }
    if int.len() > MAX_DIGITS || frac.len() > MAX_DIGITS {
        return Err(format!("{} has too many digits", quote(original)));
    }
    let too_long = || format!("{} is too long", quote(original));
    let int_value: u128 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| too_long())?
    };
    let mut ns = int_value.checked_mul(unit_ns).ok_or_else(too_long)?;
    if !frac.is_empty() {
        // frac_value / 10^len of a unit, rounded to the nearest nanosecond.
        let frac_value: u128 = frac.parse().map_err(|_| too_long())?;
        let scale = 10u128.pow(frac.len() as u32);
        let num = frac_value.checked_mul(unit_ns).ok_or_else(too_long)?;
        ns = ns
            .checked_add((num + scale / 2) / scale)
            .ok_or_else(too_long)?;
    }
    Ok(ns)
}

/// A user's text in quotes, cut short if long (messages never echo a whole hostile string).
pub(crate) fn quote(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() > MAX {
        let head: String = s.chars().take(MAX).collect();
        format!("{:?}", head + "…")
    } else {
        format!("{s:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(s: &str) -> u64 {
        parse_duration(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .as_nanos()
    }

    #[test]
    fn accepts_every_unit() {
        assert_eq!(ns("850ns"), 850);
        assert_eq!(ns("12us"), 12_000);
        assert_eq!(ns("12µs"), 12_000);
        assert_eq!(ns("50ms"), 50_000_000);
        assert_eq!(ns("1.5s"), 1_500_000_000);
        assert_eq!(ns("90s"), 90_000_000_000);
        assert_eq!(ns("5m"), 300_000_000_000);
        assert_eq!(ns("1h"), 3_600_000_000_000);
        assert_eq!(ns("0ms"), 0);
    }

    #[test]
    fn is_exact_and_tolerant_of_spacing() {
        assert_eq!(ns("0.1s"), 100_000_000);
        assert_eq!(ns(" 250 ms "), 250_000_000);
        assert_eq!(ns(".5ms"), 500_000);
        assert_eq!(ns("2.ms"), 2_000_000);
        assert_eq!(ns("1.5ns"), 2); // rounded to the nearest nanosecond
        assert_eq!(ns("0.0000000001s"), 0);
    }

    #[test]
    fn rejects_with_a_reason() {
        let cases = [
            ("", "empty"),
            ("5", "no unit"),
            ("5 parsecs", "unknown unit \"parsecs\""),
            ("-1s", "negative"),
            ("10s,\n  nodes: ", "closing `\"` missing"),
            ("ms", "does not start with a number"),
            ("1.2.3s", "not a number"),
            (".s", "not a number"),
            ("1e3ms", "unknown unit"),
            ("NaNs", "does not start with a number"),
            ("99999999999999999999h", "too long"),
            ("1111111111111111111111111111111111s", "too many digits"),
        ];
        for (input, want) in cases {
            let err = parse_duration(input).expect_err(input);
            assert!(err.contains(want), "{input:?}: {err}");
        }
    }

    #[test]
    fn signed_durations() {
        assert_eq!(parse_signed_duration("-50ms"), Ok(-50_000_000));
        assert_eq!(parse_signed_duration("+2s"), Ok(2_000_000_000));
        assert_eq!(parse_signed_duration("2s"), Ok(2_000_000_000));
        assert!(parse_signed_duration("--2s").is_err());
    }

    #[test]
    fn quotes_are_short() {
        let long = "x".repeat(1000);
        assert!(quote(&long).chars().count() < 50);
    }
}
