//! The two rows at the top: the menu (File, Edit, View, Help) and the run
//! controls (play/pause, step, speed, time, seed, reset, SLO status). They
//! only report what was asked, as [`Intent`]s; the app carries them out.

use std::path::PathBuf;

use egui::{Button, ComboBox, DragValue, Key, KeyboardShortcut, Modifiers, RichText, Ui};

use super::palette;
use super::plots::pct;
use super::widgets::fmt_ms;
use crate::live::{Command, Snapshot, Speed};

/// Speeds offered, in simulated seconds per wall second.
pub const SPEEDS: [f64; 10] = [0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0];

/// Keyboard shortcuts.
pub const OPEN: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
/// Save.
pub const SAVE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::S);
/// Save as.
pub const SAVE_AS: KeyboardShortcut =
    KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::S);
/// Undo.
pub const UNDO: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Z);
/// Redo.
pub const REDO: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Y);
/// Redo, the other common way.
pub const REDO_SHIFT: KeyboardShortcut =
    KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::Z);

/// What the learner asked for in the top bar or a menu.
#[derive(Debug)]
pub enum Intent {
    /// Send a command to the run as it is.
    Send(Command),
    /// Open a file (ask which).
    Open,
    /// Open this file.
    OpenPath(PathBuf),
    /// Save to the current file (or ask where).
    Save,
    /// Save to a new file.
    SaveAs,
    /// Export metrics or a picture of the window.
    Export(super::export::Kind),
    /// Close the window.
    Quit,
    /// Undo the last knob edit or action.
    Undo,
    /// Redo it.
    Redo,
    /// Start again from zero, dropping the learner's actions.
    Reset,
    /// Start again from zero with another seed, keeping the actions.
    SetSeed(u64),
    /// Fit the graph into view.
    FitGraph,
    /// Put the nodes back where the file put them.
    ResetLayout,
    /// Show the "try this" hint again.
    ShowHint,
}

/// Panels the View menu toggles.
pub struct ViewToggles<'a> {
    /// The inspector on the right.
    pub inspector: &'a mut bool,
    /// The plots at the bottom.
    pub plots: &'a mut bool,
    /// The shortcuts window.
    pub shortcuts: &'a mut bool,
    /// The frame-rate readout.
    pub fps: &'a mut bool,
    /// The about window.
    pub about: &'a mut bool,
    /// The traces window.
    pub traces: &'a mut bool,
    /// The RED/USE window.
    pub red_use: &'a mut bool,
    /// The metastability window.
    pub metastability: &'a mut bool,
    /// The compare-runs window.
    pub compare: &'a mut bool,
}

/// The menu row.
pub fn menu(
    ui: &mut Ui,
    recent: &[PathBuf],
    can_undo: bool,
    view: ViewToggles<'_>,
    out: &mut Vec<Intent>,
) {
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            let ctx = ui.ctx().clone();
            if ui
                .add(Button::new("Open…").shortcut_text(ctx.format_shortcut(&OPEN)))
                .clicked()
            {
                out.push(Intent::Open);
            }
            ui.add_enabled_ui(!recent.is_empty(), |ui| {
                ui.menu_button("Open recent", |ui| {
                    for p in recent {
                        if ui.button(p.display().to_string()).clicked() {
                            out.push(Intent::OpenPath(p.clone()));
                        }
                    }
                });
            });
            ui.separator();
            if ui
                .add(Button::new("Save").shortcut_text(ctx.format_shortcut(&SAVE)))
                .clicked()
            {
                out.push(Intent::Save);
            }
            if ui
                .add(Button::new("Save as…").shortcut_text(ctx.format_shortcut(&SAVE_AS)))
                .clicked()
            {
                out.push(Intent::SaveAs);
            }
            ui.separator();
            if ui.button("Export metrics as JSON…").clicked() {
                out.push(Intent::Export(super::export::Kind::Json));
            }
            if ui.button("Export metrics as CSV…").clicked() {
                out.push(Intent::Export(super::export::Kind::Csv));
            }
            if ui.button("Save window as PNG…").clicked() {
                out.push(Intent::Export(super::export::Kind::Png));
            }
            ui.menu_button("Save a plot as PNG", |ui| {
                for plot in super::plots::PLOT_NAMES {
                    if ui.button(format!("{plot}…")).clicked() {
                        out.push(Intent::Export(super::export::Kind::PlotPng(plot)));
                    }
                }
            });
            ui.separator();
            if ui.button("Quit").clicked() {
                out.push(Intent::Quit);
            }
        });
        ui.menu_button("Edit", |ui| {
            let ctx = ui.ctx().clone();
            if ui
                .add_enabled(can_undo, Button::new("Undo").shortcut_text(ctx.format_shortcut(&UNDO)))
                .on_hover_text("Undo the last knob edit, or the last action if the run is paused right after it.")
                .clicked()
            {
                out.push(Intent::Undo);
            }
            if ui
                .add(Button::new("Redo").shortcut_text(ctx.format_shortcut(&REDO)))
                .clicked()
            {
                out.push(Intent::Redo);
            }
        });
        ui.menu_button("View", |ui| {
            ui.checkbox(view.inspector, "Inspector");
            ui.checkbox(view.plots, "Plots and timeline");
            ui.checkbox(view.fps, "Frame rate");
            ui.checkbox(view.traces, "Traces");
            ui.checkbox(view.red_use, "RED / USE");
            ui.checkbox(view.metastability, "Metastability");
            ui.checkbox(view.compare, "Compare runs");
            ui.separator();
            if ui.button("Fit graph to view").clicked() {
                out.push(Intent::FitGraph);
            }
            if ui.button("Reset node positions").clicked() {
                out.push(Intent::ResetLayout);
            }
            if ui.button("Show the hint again").clicked() {
                out.push(Intent::ShowHint);
            }
        });
        ui.menu_button("Help", |ui| {
            if ui.button("Keyboard and mouse").clicked() {
                *view.shortcuts = true;
            }
            if ui.button("About faultlab").clicked() {
                *view.about = true;
            }
        });
    });
}

/// The controls row. `seed` is the seed field's draft.
pub fn controls(
    ui: &mut Ui,
    s: &Snapshot,
    seed: &mut u64,
    achieved: Option<f64>,
    out: &mut Vec<Intent>,
) {
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 8.0;
        let big = |t: &str| RichText::new(t).size(15.0);
        if s.playing {
            if ui
                .add(Button::new(big("▮▮ Pause")).min_size(egui::vec2(88.0, 26.0)))
                .on_hover_text("Stop simulated time (space)")
                .clicked()
            {
                out.push(Intent::Send(Command::Pause));
            }
        } else if ui
            .add(Button::new(big("▶ Play")).min_size(egui::vec2(88.0, 26.0)))
            .on_hover_text("Let simulated time run (space)")
            .clicked()
        {
            out.push(Intent::Send(Command::Play));
        }
        let window = s.scenario.window.as_secs_f64();
        if ui
            .add(Button::new(big("▶▮ Step")).min_size(egui::vec2(0.0, 26.0)))
            .on_hover_text(format!(
                "Advance one metrics window ({window} s), then pause"
            ))
            .clicked()
        {
            out.push(Intent::Send(Command::Step));
        }

        let speed_text = speed_name(s.speed);
        let l = ui.label("speed");
        ComboBox::from_id_salt("speed")
            .selected_text(speed_text)
            .width(64.0)
            .height(400.0)
            .show_ui(ui, |ui| {
                for f in SPEEDS {
                    if ui
                        .selectable_label(s.speed == Speed::Factor(f), speed_name(Speed::Factor(f)))
                        .clicked()
                    {
                        out.push(Intent::Send(Command::SetSpeed(Speed::Factor(f))));
                    }
                }
                if ui
                    .selectable_label(s.speed == Speed::Max, "Max")
                    .on_hover_text("As fast as the machine allows")
                    .clicked()
                {
                    out.push(Intent::Send(Command::SetSpeed(Speed::Max)));
                }
            })
            .response
            .labelled_by(l.id);

        if let Some(x) = achieved.filter(|_| s.playing) {
            // The pace actually reached: at "Max" it is the machine's speed.
            ui.label(
                RichText::new(format!("≈ {}", speed_name(Speed::Factor(round_speed(x))))).weak(),
            )
            .on_hover_text("Simulated seconds per wall-clock second, measured");
        }
        ui.separator();
        let end = s.scenario.duration.as_secs_f64();
        ui.label(
            RichText::new(format!("t = {:.3} s", s.now.as_secs_f64()))
                .monospace()
                .size(15.0)
                .strong(),
        );
        let past = s.now.as_secs_f64() >= end;
        ui.label(
            RichText::new(format!(
                "/ {end:.0} s{}",
                if past { " (past the end)" } else { "" }
            ))
            .weak(),
        );

        ui.separator();
        let l = ui.label("seed");
        ui.add(DragValue::new(seed).speed(0.2))
            .labelled_by(l.id)
            .on_hover_text(
                "The master seed: the same scenario and seed give the same run, bit for bit.",
            );
        if *seed != s.seed {
            if ui
                .button(format!("Run with seed {seed}"))
                .on_hover_text("Start again from 0 s with this seed, replaying your actions")
                .clicked()
            {
                out.push(Intent::SetSeed(*seed));
            }
        } else if ui
            .button("↺ Reset")
            .on_hover_text("Start the scenario again from 0 s, without your actions")
            .clicked()
        {
            out.push(Intent::Reset);
        }

        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            slo_status(ui, s);
        });
    });
}

/// The SLO at a glance: availability against its target, the latency
/// percentile against its threshold, and the error budget left; each with
/// a word and a shape, not only a colour.
fn slo_status(ui: &mut Ui, s: &Snapshot) {
    let slo = s.scenario.slo;
    let t = &s.totals;
    let finished = t.ok + t.failed;
    let waiting = ui.visuals().weak_text_color();
    // Nothing measured yet reads as such, not as a perfect score.
    let verdict = |measured: bool, ok: bool| {
        if !measured {
            ("○ no data yet", waiting)
        } else if ok {
            ("● met", palette::SKY)
        } else {
            ("▲ missed", palette::VERMILLION)
        }
    };
    // Laid out right to left: the first item added is the rightmost.
    ui.spacing_mut().item_spacing.x = 6.0;
    let budget = t.budget_remaining;
    let budget_color = if budget < 0.0 {
        palette::VERMILLION
    } else if budget < 0.25 {
        palette::ORANGE
    } else {
        ui.visuals().text_color()
    };
    let budget_text = if budget >= 0.0 {
        format!("budget {:.0}% left", budget * 100.0)
    } else {
        format!("budget spent {:.1}× over", 1.0 - budget)
    };
    ui.label(RichText::new(budget_text).color(budget_color))
        .on_hover_text(
            "Error budget: the failures the SLO allows, minus those so far (below 0: overspent).",
        );
    ui.separator();
    // The SLO's own percentile, judged by the rule the run summary uses.
    let value = t.latency_at_slo_ms;
    let (word, color) = verdict(t.ok > 0, slo.latency_met(value));
    ui.label(RichText::new(word).color(color).strong());
    let measured_latency = if t.ok > 0 {
        fmt_ms(value)
    } else {
        "—".into()
    };
    ui.label(format!(
        "{} {measured_latency} ≤ {}",
        percentile_name(slo.percentile),
        fmt_ms(slo.latency.as_millis_f64())
    ));
    ui.separator();
    // Availability counts finished requests only: say so when some have
    // waited past the latency threshold with no answer (a slow or hung call).
    if t.unanswered > 0 {
        ui.label(RichText::new(format!("{} unanswered", t.unanswered)).color(palette::ORANGE))
            .on_hover_text(format!(
                "{} requests have waited over {} with no answer. Availability counts \
                 finished requests only, so they are in neither reading until they \
                 finish or time out (with no client timeout, never).",
                t.unanswered,
                fmt_ms(slo.latency.as_millis_f64())
            ));
    }
    let (word, color) = verdict(finished > 0, t.availability >= slo.availability);
    ui.label(RichText::new(word).color(color).strong());
    let availability = if finished > 0 {
        avail_text(t.availability)
    } else {
        "—".into()
    };
    ui.label(RichText::new(availability).strong().size(15.0))
        .on_hover_text(format!(
            "{} of {} finished requests succeeded",
            t.ok, finished
        ));
    ui.label(RichText::new(format!("SLO {}", pct(slo.availability))).strong());
}

/// Availability with enough digits to tell 99.9% from 99.95%.
fn avail_text(a: f64) -> String {
    if (0.9999..1.0).contains(&a) {
        format!("{:.3}%", a * 100.0)
    } else {
        format!("{:.2}%", a * 100.0)
    }
}

/// A percentile's short name: "p95", "p99.5", "p99.99" (as the report writes it).
fn percentile_name(percentile: f64) -> String {
    format!("p{percentile}")
}

/// A measured speed rounded for display: two significant digits.
fn round_speed(x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let mag = 10f64.powf(x.log10().floor() - 1.0);
    (x / mag).round() * mag
}

/// "1×", "0.25×", "Max".
pub fn speed_name(s: Speed) -> String {
    match s {
        Speed::Factor(f) => {
            let t = format!("{f:.2}");
            format!("{}×", t.trim_end_matches('0').trim_end_matches('.'))
        }
        Speed::Max => "Max".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measured_speeds_keep_two_digits() {
        assert_eq!(speed_name(Speed::Factor(round_speed(243.7))), "240×");
        assert_eq!(speed_name(Speed::Factor(round_speed(0.987))), "0.99×");
        assert_eq!(speed_name(Speed::Factor(round_speed(1.0))), "1×");
    }

    #[test]
    fn speeds_read_short() {
        assert_eq!(speed_name(Speed::Factor(1.0)), "1×");
        assert_eq!(speed_name(Speed::Factor(0.25)), "0.25×");
        assert_eq!(speed_name(Speed::Factor(100.0)), "100×");
        assert_eq!(speed_name(Speed::Max), "Max");
    }

    #[test]
    fn percentiles_are_named_exactly() {
        assert_eq!(percentile_name(50.0), "p50");
        assert_eq!(percentile_name(95.0), "p95");
        assert_eq!(percentile_name(99.0), "p99");
        assert_eq!(percentile_name(99.5), "p99.5");
        assert_eq!(percentile_name(99.9), "p99.9");
        assert_eq!(percentile_name(99.99), "p99.99");
    }

    #[test]
    fn availability_shows_the_digits_that_matter() {
        assert_eq!(avail_text(0.99953), "99.95%");
        assert_eq!(avail_text(0.99995), "99.995%");
        assert_eq!(avail_text(1.0), "100.00%");
        assert_eq!(avail_text(0.95), "95.00%");
    }
}
