//! The editor of one call policy (caller → callee): timeout, deadline,
//! retries with backoff and jitter, retry budget, circuit breaker, hedging,
//! idempotency keys. Edits a draft; the inspector applies it with SetPolicy.

use egui::{ComboBox, Grid, Ui};

use super::widgets;
use crate::sim::config::{
    Backoff, BreakerConfig, HedgeConfig, Jitter, PolicyConfig, RetryBudgetConfig,
};
use crate::sim::time::SimDuration;

/// Longest duration offered by the knobs (10 minutes), in milliseconds.
const MAX_MS: f64 = 600_000.0;

/// Edits `p` in place; returns whether anything changed. `salt` keeps the
/// ids of two editors on screen apart.
pub fn edit(ui: &mut Ui, salt: &str, p: &mut PolicyConfig) -> bool {
    let mut changed = false;
    Grid::new(("policy", salt))
        .num_columns(2)
        .spacing([10.0, 4.0])
        .show(ui, |ui| {
            changed |= widgets::optional_duration_ms(ui, "timeout", &mut p.timeout, SimDuration::from_millis(100), MAX_MS);
            changed |= widgets::optional_duration_ms(ui, "deadline", &mut p.deadline, SimDuration::from_millis(1000), MAX_MS);
            changed |= widgets::integer(ui, "retries", &mut p.retry.max_retries, 0..=10, "").changed();
            if p.retry.max_retries > 0 {
                ui.label("retry after");
                ui.horizontal(|ui| {
                    changed |= ui.checkbox(&mut p.retry.on.timeout, "timeouts").changed();
                    changed |= ui.checkbox(&mut p.retry.on.error, "errors").changed();
                });
                ui.end_row();
                changed |= backoff(ui, salt, &mut p.retry.backoff);
                changed |= jitter(ui, salt, &mut p.retry.jitter);
                changed |= budget(ui, &mut p.retry.budget);
            }
            changed |= breaker(ui, &mut p.breaker);
            changed |= hedge(ui, salt, &mut p.hedge);
            ui.label("");
            changed |= ui
                .checkbox(&mut p.idempotency_keys, "idempotency keys")
                .on_hover_text("Attach the request's key so the callee can answer a repeat without doing it twice.")
                .changed();
            ui.end_row();
        });
    changed
}

/// A one-line summary of a policy: "timeout 100 ms · 2 retries, exp. backoff, full jitter".
pub fn summary(p: &PolicyConfig) -> String {
    let mut parts = Vec::new();
    match p.timeout {
        Some(t) => parts.push(format!("timeout {}", widgets::fmt_ms(t.as_millis_f64()))),
        None => parts.push("no timeout".to_string()),
    }
    if let Some(d) = p.deadline {
        parts.push(format!("deadline {}", widgets::fmt_ms(d.as_millis_f64())));
    }
    if p.retry.max_retries > 0 {
        let backoff = match p.retry.backoff {
            Backoff::None => "no backoff",
            Backoff::Constant(_) => "constant backoff",
            Backoff::Exponential { .. } => "exp. backoff",
        };
        parts.push(format!(
            "{} retr{}, {backoff}, {} jitter",
            p.retry.max_retries,
            if p.retry.max_retries == 1 { "y" } else { "ies" },
            jitter_name(p.retry.jitter)
        ));
        if let Some(b) = p.retry.budget {
            parts.push(format!("budget {:.0}%", b.ratio * 100.0));
        }
    } else {
        parts.push("no retries".to_string());
    }
    if p.breaker.is_some() {
        parts.push("breaker".to_string());
    }
    if p.hedge.is_some() {
        parts.push("hedging".to_string());
    }
    if p.idempotency_keys {
        parts.push("idempotency keys".to_string());
    }
    parts.join(" · ")
}

fn jitter_name(j: Jitter) -> &'static str {
    match j {
        Jitter::None => "no",
        Jitter::Full => "full",
        Jitter::Equal => "equal",
        Jitter::Decorrelated => "decorrelated",
    }
}

fn backoff(ui: &mut Ui, salt: &str, b: &mut Backoff) -> bool {
    let mut changed = false;
    let name = match b {
        Backoff::None => "none",
        Backoff::Constant(_) => "constant",
        Backoff::Exponential { .. } => "exponential",
    };
    ui.label("backoff");
    ComboBox::from_id_salt(("backoff", salt))
        .selected_text(name)
        .show_ui(ui, |ui| {
            let none = matches!(b, Backoff::None);
            if ui.selectable_label(none, "none").clicked() && !none {
                *b = Backoff::None;
                changed = true;
            }
            let constant = matches!(b, Backoff::Constant(_));
            if ui.selectable_label(constant, "constant").clicked() && !constant {
                *b = Backoff::Constant(SimDuration::from_millis(10));
                changed = true;
            }
            let exponential = matches!(b, Backoff::Exponential { .. });
            if ui.selectable_label(exponential, "exponential").clicked() && !exponential {
                *b = Backoff::Exponential {
                    base: SimDuration::from_millis(10),
                    cap: SimDuration::from_millis(1000),
                };
                changed = true;
            }
        })
        .response
        .accessible_name("backoff");
    ui.end_row();
    match b {
        Backoff::None => {}
        Backoff::Constant(d) => changed |= widgets::duration_ms(ui, "  wait", d, MAX_MS).changed(),
        Backoff::Exponential { base, cap } => {
            changed |= widgets::duration_ms(ui, "  base", base, MAX_MS).changed();
            changed |= widgets::duration_ms(ui, "  cap", cap, MAX_MS).changed();
        }
    }
    changed
}

fn jitter(ui: &mut Ui, salt: &str, j: &mut Jitter) -> bool {
    let mut changed = false;
    ui.label("jitter");
    ComboBox::from_id_salt(("jitter", salt))
        .selected_text(jitter_name(*j))
        .show_ui(ui, |ui| {
            for (v, name) in [
                (Jitter::None, "none"),
                (Jitter::Full, "full"),
                (Jitter::Equal, "equal"),
                (Jitter::Decorrelated, "decorrelated"),
            ] {
                changed |= ui.selectable_value(j, v, name).changed();
            }
        })
        .response
        .accessible_name("jitter");
    ui.end_row();
    changed
}

fn budget(ui: &mut Ui, b: &mut Option<RetryBudgetConfig>) -> bool {
    let mut on = b.is_some();
    let mut changed = ui
        .checkbox(&mut on, "retry budget")
        .on_hover_text(
            "Each request earns a fraction of a retry; retries stop when the budget is spent.",
        )
        .changed();
    if changed {
        *b = on.then_some(RetryBudgetConfig {
            ratio: 0.1,
            max_tokens: 10.0,
        });
    }
    ui.label("");
    ui.end_row();
    if let Some(b) = b {
        let mut pct = b.ratio * 100.0;
        if widgets::number(
            ui,
            "  retries per 100 requests",
            &mut pct,
            0.0..=100.0,
            0.1,
            "",
            2,
        )
        .changed()
        {
            b.ratio = pct / 100.0;
            changed = true;
        }
        changed |= widgets::number(
            ui,
            "  tokens at most",
            &mut b.max_tokens,
            1.0..=1_000_000.0,
            0.2,
            "",
            1,
        )
        .changed();
    }
    changed
}

fn breaker(ui: &mut Ui, b: &mut Option<BreakerConfig>) -> bool {
    let mut on = b.is_some();
    let mut changed = ui
        .checkbox(&mut on, "circuit breaker")
        .on_hover_text("Stop calling a failing callee for a while, then let a few probes through.")
        .changed();
    if changed {
        *b = on.then_some(BreakerConfig {
            failure_rate: 0.5,
            window: SimDuration::from_secs(10),
            min_calls: 10,
            open_for: SimDuration::from_secs(5),
            probes: 1,
        });
    }
    ui.label("");
    ui.end_row();
    if let Some(b) = b {
        let mut pct = b.failure_rate * 100.0;
        if widgets::number(
            ui,
            "  open at failure rate",
            &mut pct,
            1.0..=100.0,
            0.5,
            " %",
            1,
        )
        .changed()
        {
            b.failure_rate = pct / 100.0;
            changed = true;
        }
        changed |= widgets::duration_ms(ui, "  over a window of", &mut b.window, MAX_MS).changed();
        changed |= widgets::integer(
            ui,
            "  after at least (calls)",
            &mut b.min_calls,
            1..=1_000_000,
            "",
        )
        .changed();
        changed |= widgets::duration_ms(ui, "  stay open for", &mut b.open_for, MAX_MS).changed();
        changed |= widgets::integer(ui, "  probes to close", &mut b.probes, 1..=1000, "").changed();
    }
    changed
}

fn hedge(ui: &mut Ui, salt: &str, h: &mut Option<HedgeConfig>) -> bool {
    let mut changed = false;
    let name = match h {
        None => "off",
        Some(HedgeConfig::After(_)) => "after a delay",
        Some(HedgeConfig::Percentile(_)) => "after a percentile",
    };
    ui.label("hedging")
        .on_hover_text("Send a second copy when the first is slow; take whichever answers first.");
    ComboBox::from_id_salt(("hedge", salt))
        .selected_text(name)
        .show_ui(ui, |ui| {
            if ui.selectable_label(h.is_none(), "off").clicked() && h.is_some() {
                *h = None;
                changed = true;
            }
            let after = matches!(h, Some(HedgeConfig::After(_)));
            if ui.selectable_label(after, "after a delay").clicked() && !after {
                *h = Some(HedgeConfig::After(SimDuration::from_millis(50)));
                changed = true;
            }
            let pct = matches!(h, Some(HedgeConfig::Percentile(_)));
            if ui.selectable_label(pct, "after a percentile").clicked() && !pct {
                *h = Some(HedgeConfig::Percentile(95.0));
                changed = true;
            }
        })
        .response
        .accessible_name("hedging");
    ui.end_row();
    match h {
        None => {}
        Some(HedgeConfig::After(d)) => {
            changed |= widgets::duration_ms(ui, "  hedge after", d, MAX_MS).changed()
        }
        Some(HedgeConfig::Percentile(p)) => {
            changed |=
                widgets::number(ui, "  at percentile", p, 50.0..=99.99, 0.1, "", 2).changed();
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::config::RetryConfig;

    #[test]
    fn summary_names_the_main_knobs() {
        let p = PolicyConfig {
            timeout: Some(SimDuration::from_millis(100)),
            retry: RetryConfig {
                max_retries: 2,
                jitter: Jitter::Full,
                backoff: Backoff::Exponential {
                    base: SimDuration::from_millis(20),
                    cap: SimDuration::from_millis(200),
                },
                ..Default::default()
            },
            ..Default::default()
        };
        assert_eq!(
            summary(&p),
            "timeout 100 ms · 2 retries, exp. backoff, full jitter"
        );
        assert_eq!(summary(&PolicyConfig::default()), "no timeout · no retries");
    }
}
