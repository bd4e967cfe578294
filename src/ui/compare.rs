//! The compare window: fork the run (the same scenario and seed, with the
//! next knob change applied to the fork only, or with no change as a
//! control), then watch both side by side — this run solid, the fork dashed
//! — until the comparison is ended. The fork is stepped in lockstep by the
//! runner (`live::fork`); this window only reads the snapshot.

use std::sync::Arc;

use egui::{Color32, Context, RichText, Ui, vec2};
use egui_plot::{Line, LineStyle, PlotPoints, VLine};

use super::metastability::time_plot;
use super::palette;
use crate::live::{Command, Snapshot};
use crate::metrics::WindowSummary;
use crate::sim::config::Action;

/// The compare window's state.
#[derive(Default)]
pub struct CompareView {
    /// The window is open.
    pub open: bool,
    /// The next knob change goes to a new fork instead of this run.
    armed: bool,
}

impl CompareView {
    /// Routes one of the learner's actions: to a new fork when armed (the
    /// live run stays as it is), else to the live run (and any fork).
    pub fn route(&mut self, action: Action, snap: &Snapshot) -> Command {
        if std::mem::take(&mut self.armed) {
            let label = describe(&action, snap);
            Command::Fork {
                change: Some(action),
                label,
            }
        } else {
            Command::Act(action)
        }
    }

    /// Draws the window when open; returns a command for the runner.
    pub fn show(&mut self, ctx: &Context, snap: &Snapshot) -> Option<Command> {
        let mut open = self.open;
        let mut out = None;
        egui::Window::new("Compare runs")
            .open(&mut open)
            .default_size(vec2(760.0, 520.0))
            .show(ctx, |ui| out = self.contents(ui, snap));
        self.open = open;
        out
    }

    fn contents(&mut self, ui: &mut Ui, snap: &Snapshot) -> Option<Command> {
        let mut out = None;
        match &snap.fork {
            None => {
                ui.label(
                    "Fork the run: the same scenario and seed, run side by side with one change. \
                     Every component draws from its own random stream, so the difference is the \
                     change's effect, not luck.",
                );
                ui.horizontal(|ui| {
                    if self.armed {
                        ui.label(
                            RichText::new("Change a knob in the inspector and apply it: it goes to the fork only.")
                                .color(palette::ORANGE),
                        );
                        if ui.button("Cancel").clicked() {
                            self.armed = false;
                        }
                    } else {
                        if ui.button("Fork with the next change").clicked() {
                            self.armed = true;
                        }
                        if ui.button("Fork with no change").clicked() {
                            out = Some(Command::Fork {
                                change: None,
                                label: "no change".to_string(),
                            });
                        }
                    }
                });
            }
            Some(fork) => {
                ui.horizontal_wrapped(|ui| {
                    ui.label(format!(
                        "Fork from {:.1} s: {} · solid: this run · dashed: the fork",
                        fork.at.as_secs_f64(),
                        fork.label
                    ));
                    if ui.button("End comparison").clicked() {
                        out = Some(Command::EndFork);
                    }
                });
                let at_s = fork.at.as_secs_f64();
                plots(ui, snap, &fork.windows, at_s);
            }
        }
        out
    }
}

/// An action in a few words, for the fork's label.
fn describe(action: &Action, snap: &Snapshot) -> String {
    let name = |n: crate::sim::config::NodeId| {
        snap.scenario
            .nodes
            .get(n.index())
            .map_or("?", |d| d.name.as_str())
    };
    let text = match action {
        Action::SetPolicy { caller, callee, .. } => {
            format!("new policy {} → {}", name(*caller), name(*callee))
        }
        Action::SetService { node, .. } => format!("service {} changed", name(*node)),
        Action::SetLoad { client, .. } => format!("load of {} changed", name(*client)),
        other => format!("{other:?}"),
    };
    match text.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

/// One figure of a window.
type Figure = fn(&WindowSummary) -> f64;

fn plots(ui: &mut Ui, snap: &Snapshot, fork: &[Arc<WindowSummary>], at_s: f64) {
    let now_s = snap.now.as_secs_f64().max(1.0);
    let h = ((ui.available_height() - 70.0) / 3.0).max(90.0);
    let rows: [(&'static str, &str, Figure, Color32); 3] = [
        (
            "cmp-p99",
            "p99 latency of successes (ms; no point where none succeeded)",
            |w| {
                if w.ok == 0 {
                    f64::NAN
                } else {
                    w.latency_ms.p99
                }
            },
            palette::ORANGE,
        ),
        (
            "cmp-availability",
            "availability (%)",
            |w| w.availability * 100.0,
            palette::BLUE,
        ),
        (
            "cmp-goodput",
            "goodput (requests/s)",
            |w| w.ok as f64 / (w.end_s - w.start_s).max(1e-9),
            palette::GREEN,
        ),
    ];
    for (id, title, figure, color) in rows {
        ui.label(RichText::new(title).strong());
        time_plot(id, h, now_s).show(ui, |p| {
            p.line(series("this run", &snap.windows, figure, color));
            p.line(
                series("fork", fork, figure, palette::PURPLE)
                    .style(LineStyle::dashed_loose())
                    .width(2.0),
            );
            p.vline(VLine::new("", at_s).color(palette::GREY));
        });
    }
}

fn series(
    name: &str,
    windows: &[Arc<WindowSummary>],
    figure: Figure,
    color: Color32,
) -> Line<'static> {
    let pts: Vec<[f64; 2]> = windows
        .iter()
        .map(|w| [w.end_s, figure(w)])
        .filter(|p| p[1].is_finite())
        .collect();
    Line::new(name.to_string(), PlotPoints::new(pts))
        .color(color)
        .width(1.5)
}
