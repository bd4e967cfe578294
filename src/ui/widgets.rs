//! Small labelled knobs used by the inspector: every input is tied to its
//! label, so a screen reader (and a UI test) can find it by name.

use egui::{DragValue, Response, Ui};

use crate::sim::dist::Dist;
use crate::sim::time::SimDuration;

/// A labelled number in a two-column grid row; returns the knob's response.
pub fn number(
    ui: &mut Ui,
    label: &str,
    value: &mut f64,
    range: std::ops::RangeInclusive<f64>,
    speed: f64,
    suffix: &str,
    decimals: usize,
) -> Response {
    let l = ui.label(label);
    let r = ui
        .add(
            DragValue::new(value)
                .range(range)
                .speed(speed)
                .suffix(suffix)
                .max_decimals(decimals),
        )
        .labelled_by(l.id);
    ui.end_row();
    r
}

/// A labelled whole number in a grid row.
pub fn integer(
    ui: &mut Ui,
    label: &str,
    value: &mut u32,
    range: std::ops::RangeInclusive<u32>,
    suffix: &str,
) -> Response {
    let l = ui.label(label);
    let r = ui
        .add(DragValue::new(value).range(range).speed(0.1).suffix(suffix))
        .labelled_by(l.id);
    ui.end_row();
    r
}

/// A duration in milliseconds in a grid row.
pub fn duration_ms(ui: &mut Ui, label: &str, d: &mut SimDuration, max_ms: f64) -> Response {
    let mut ms = d.as_millis_f64();
    let speed = drag_speed(ms);
    let r = number(ui, label, &mut ms, 0.0..=max_ms, speed, " ms", 3);
    if r.changed() {
        *d = SimDuration::from_nanos_f64((ms * 1e6).round());
    }
    r
}

/// An optional duration: a checkbox named `label` and, when on, its value.
pub fn optional_duration_ms(
    ui: &mut Ui,
    label: &str,
    d: &mut Option<SimDuration>,
    default: SimDuration,
    max_ms: f64,
) -> bool {
    let mut on = d.is_some();
    let mut changed = ui.checkbox(&mut on, label).changed();
    if changed {
        *d = on.then_some(default);
    }
    if let Some(v) = d {
        let mut ms = v.as_millis_f64();
        let speed = drag_speed(ms);
        let r = ui
            .add(
                DragValue::new(&mut ms)
                    .range(0.001..=max_ms)
                    .speed(speed)
                    .suffix(" ms")
                    .max_decimals(3),
            )
            .accessible_name(format!("{label} value"));
        if r.changed() {
            *v = SimDuration::from_nanos_f64((ms * 1e6).round());
            changed = true;
        }
    } else {
        ui.label("");
    }
    ui.end_row();
    changed
}

/// A probability shown as a percentage in a grid row.
pub fn percent(ui: &mut Ui, label: &str, p: &mut f64) -> Response {
    let mut pct = *p * 100.0;
    let r = number(ui, label, &mut pct, 0.0..=100.0, 0.05, " %", 3);
    if r.changed() {
        *p = (pct / 100.0).clamp(0.0, 1.0);
    }
    r
}

/// Drag speed proportional to the value, so small and large values both
/// move comfortably.
fn drag_speed(v: f64) -> f64 {
    (v.abs() * 0.01).max(0.01)
}

/// A delay distribution in words: "constant 1 ms", "exponential, mean 4 ms".
pub fn describe_dist(d: &Dist) -> String {
    let ms = |ns: f64| fmt_ms(ns / 1e6);
    match d {
        Dist::Constant { ns } => format!("constant {}", ms(*ns)),
        Dist::Uniform { lo_ns, hi_ns } => format!("uniform {} – {}", ms(*lo_ns), ms(*hi_ns)),
        Dist::Normal { mean_ns, sd_ns } => {
            format!("normal, mean {}, sd {}", ms(*mean_ns), ms(*sd_ns))
        }
        Dist::Exponential { mean_ns } => format!("exponential, mean {}", ms(*mean_ns)),
        Dist::LogNormal { mu, sigma } => {
            let median = mu.exp();
            let p99 = (mu + sigma * crate::sim::dist::Z_99).exp();
            format!("log-normal, median {}, p99 {}", ms(median), ms(p99))
        }
        Dist::Pareto { scale_ns, shape } => {
            format!("Pareto, scale {}, shape {shape:.2}", ms(*scale_ns))
        }
        Dist::Mixture(parts) => {
            let inner: Vec<String> = parts
                .iter()
                .map(|(w, d)| format!("{:.1}% {}", w * 100.0, describe_dist(d)))
                .collect();
            format!("mixture: {}", inner.join("; "))
        }
    }
}

/// Milliseconds in a short human form: "250 µs", "4 ms", "1.5 s".
pub fn fmt_ms(ms: f64) -> String {
    if ms <= 0.0 {
        "0 ms".to_string()
    } else if ms < 1.0 {
        format!("{} µs", trim(ms * 1000.0))
    } else if ms < 1000.0 {
        format!("{} ms", trim(ms))
    } else {
        format!("{} s", trim(ms / 1000.0))
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(fmt_ms(0.25), "250 µs");
        assert_eq!(fmt_ms(4.0), "4 ms");
        assert_eq!(fmt_ms(1500.0), "1.5 s");
        assert_eq!(
            describe_dist(&Dist::Exponential { mean_ns: 4e6 }),
            "exponential, mean 4 ms"
        );
    }
}
