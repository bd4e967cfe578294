//! The one colour palette of the window.
//!
//! Based on Okabe and Ito's palette, which stays distinguishable for people
//! with red-green colour blindness (deuteranopia, protanopia). Colour never
//! carries meaning alone: health is also written as a word and drawn as a
//! shape, errors are also given as numbers.

use egui::Color32;

use crate::live::Health;

/// Okabe–Ito blue: healthy, "ok", the learner's own actions.
pub const BLUE: Color32 = Color32::from_rgb(0x00, 0x72, 0xB2);
/// Okabe–Ito sky blue: traffic, neutral series.
pub const SKY: Color32 = Color32::from_rgb(0x56, 0xB4, 0xE9);
/// Okabe–Ito orange: degraded, warnings.
pub const ORANGE: Color32 = Color32::from_rgb(0xE6, 0x9F, 0x00);
/// Okabe–Ito vermillion: overloaded, failures, cuts.
pub const VERMILLION: Color32 = Color32::from_rgb(0xD5, 0x5E, 0x00);
/// Okabe–Ito reddish purple: a fourth series colour.
pub const PURPLE: Color32 = Color32::from_rgb(0xCC, 0x79, 0xA7);
/// Okabe–Ito bluish green: a fifth series colour.
pub const GREEN: Color32 = Color32::from_rgb(0x00, 0x9E, 0x73);
/// Okabe–Ito yellow: a sixth series colour, only on dark backgrounds.
pub const YELLOW: Color32 = Color32::from_rgb(0xF0, 0xE4, 0x42);
/// Crashed nodes and scripted (file) events.
pub const GREY: Color32 = Color32::from_rgb(0x8C, 0x8C, 0x8C);

/// Colours for a list of series (one per service), in order: neighbours
/// differ in hue and lightness; vermillion (failure) comes last.
pub const SERIES: [Color32; 7] = [BLUE, ORANGE, GREEN, PURPLE, SKY, YELLOW, VERMILLION];

/// The colour of a health state.
pub fn health(h: Health) -> Color32 {
    match h {
        Health::Healthy => BLUE,
        Health::Degraded => ORANGE,
        Health::Overloaded => VERMILLION,
        Health::Crashed => GREY,
    }
}

/// A one-character mark for a health state, shown beside its colour so the
/// state can be read without it: ● healthy, ◐ degraded, ▲ overloaded, ⊗ crashed.
pub fn health_mark(h: Health) -> &'static str {
    match h {
        Health::Healthy => "●",
        Health::Degraded => "◐",
        Health::Overloaded => "▲",
        Health::Crashed => "⊗",
    }
}

/// Colour of a link by the fraction of attempts that failed: neutral up to
/// 0.1%, orange around 5%, vermillion from 20%.
pub fn error_rate(fraction: f64, neutral: Color32) -> Color32 {
    let f = fraction.clamp(0.0, 1.0);
    if f <= 0.001 {
        neutral
    } else if f < 0.05 {
        lerp(neutral, ORANGE, ((f - 0.001) / 0.049) as f32)
    } else if f < 0.2 {
        lerp(ORANGE, VERMILLION, ((f - 0.05) / 0.15) as f32)
    } else {
        VERMILLION
    }
}

/// Linear blend of two colours (`t` in 0..=1).
pub fn lerp(a: Color32, b: Color32, t: f32) -> Color32 {
    let t = t.clamp(0.0, 1.0);
    let mix = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
    Color32::from_rgba_unmultiplied(
        mix(a.r(), b.r()),
        mix(a.g(), b.g()),
        mix(a.b(), b.b()),
        mix(a.a(), b.a()),
    )
}

/// The neutral colour of text-like strokes (edges without errors) for the theme.
pub fn neutral(dark_mode: bool) -> Color32 {
    if dark_mode {
        Color32::from_gray(150)
    } else {
        Color32::from_gray(110)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_health_has_its_own_colour_and_mark() {
        let all = [
            Health::Healthy,
            Health::Degraded,
            Health::Overloaded,
            Health::Crashed,
        ];
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(health(*a), health(*b));
                assert_ne!(health_mark(*a), health_mark(*b));
            }
        }
    }

    #[test]
    fn error_colour_goes_from_neutral_to_vermillion() {
        let n = neutral(true);
        assert_eq!(error_rate(0.0, n), n);
        assert_eq!(error_rate(0.5, n), VERMILLION);
        assert_eq!(error_rate(0.05, n), ORANGE);
    }
}
