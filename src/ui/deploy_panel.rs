//! The inspector's deployment section for a service with several versions:
//! which versions serve it now, and buttons that start a canary, switch
//! blue/green or roll back. Each button sends the same timeline action a
//! scenario file would hold (see `sim::deploy`).

use egui::{Button, ComboBox, DragValue, Grid, Ui};

use crate::live::DeployState;
use crate::sim::config::{Action, NodeId};
use crate::sim::deploy::{CanaryConfig, RollbackBound};
use crate::sim::time::SimDuration;

/// The rollout being prepared (kept between frames).
#[derive(Clone, Debug, PartialEq)]
pub struct DeployDraft {
    /// The version chosen (an index into the service's versions), once chosen.
    pub version: Option<usize>,
    /// The canary's fractions, in percent.
    pub steps: Vec<f64>,
    /// Seconds per step.
    pub step_secs: f64,
    /// Roll back above this failure rate, in percent.
    pub max_error_pct: f64,
    /// Roll back above this p99, in ms (0: no latency bound).
    pub max_p99_ms: f64,
}

impl Default for DeployDraft {
    fn default() -> Self {
        DeployDraft {
            version: None,
            steps: vec![5.0, 25.0, 50.0],
            step_secs: 10.0,
            max_error_pct: 2.0,
            max_p99_ms: 0.0,
        }
    }
}

impl DeployDraft {
    /// The canary these settings describe, of `version`.
    pub fn canary(&self, version: usize) -> CanaryConfig {
        CanaryConfig {
            version,
            steps: self.steps.iter().map(|p| p / 100.0).collect(),
            step_every: SimDuration::from_secs_f64(self.step_secs),
            rollback_if: RollbackBound {
                error_rate: Some(self.max_error_pct / 100.0),
                p99: (self.max_p99_ms > 0.0)
                    .then(|| SimDuration::from_secs_f64(self.max_p99_ms / 1e3)),
            },
        }
    }
}

/// Shows service `id`'s versions and the deploy controls; actions go to `out`.
pub fn show(
    ui: &mut Ui,
    draft: &mut DeployDraft,
    id: NodeId,
    now: &DeployState,
    out: &mut Vec<Action>,
) {
    ui.label(format!("serving: {}", now.label()));
    let name = |i: usize| now.versions.get(i).cloned().unwrap_or_default();
    // By default the first version that is not the stable one.
    let chosen = draft
        .version
        .filter(|&v| v < now.versions.len())
        .unwrap_or_else(|| usize::from(now.stable == 0));
    let mut picked = chosen;
    Grid::new(("deploy", id)).num_columns(2).show(ui, |ui| {
        let l = ui.label("version");
        ComboBox::from_id_salt(("deploy-version", id))
            .selected_text(name(picked))
            .show_ui(ui, |ui| {
                for (i, v) in now.versions.iter().enumerate() {
                    ui.selectable_value(&mut picked, i, v);
                }
            })
            .response
            .labelled_by(l.id);
        ui.end_row();
        let l = ui.label("canary steps %");
        ui.horizontal(|ui| {
            for p in &mut draft.steps {
                ui.add(DragValue::new(p).range(0.1..=100.0).speed(0.5))
                    .labelled_by(l.id);
            }
        });
        ui.end_row();
        number(ui, "step length s", &mut draft.step_secs, 1.0..=3600.0, 1.0);
        number(
            ui,
            "roll back above error %",
            &mut draft.max_error_pct,
            0.0..=100.0,
            0.1,
        );
        number(
            ui,
            "roll back above p99 ms",
            &mut draft.max_p99_ms,
            0.0..=60_000.0,
            1.0,
        )
        .on_hover_text(
            "p99 of the canary's own requests over a step, timed inside the service \
             (queue, work and its downstream calls; the network to it is not counted). \
             0: no latency bound.",
        );
    });
    if picked != chosen {
        draft.version = Some(picked);
    }
    // Fractions rise, as the file format requires.
    for k in 1..draft.steps.len() {
        if draft.steps[k] < draft.steps[k - 1] {
            draft.steps[k] = draft.steps[k - 1];
        }
    }
    let v = name(picked);
    ui.horizontal_wrapped(|ui| {
        if ui
            .add(Button::new(format!("Start canary of {v}")))
            .on_hover_text("Send a rising fraction of requests to this version, judged at each step and rolled back automatically.")
            .clicked()
        {
            out.push(Action::Canary {
                service: id,
                canary: draft.canary(picked),
            });
        }
        if ui
            .add(Button::new(format!("Switch to {v}")))
            .on_hover_text("Blue/green: every request from now on goes to this version.")
            .clicked()
        {
            out.push(Action::BlueGreen {
                service: id,
                version: picked,
            });
        }
        if ui
            .button("Roll back")
            .on_hover_text("End the canary in progress, or switch back to the version that ran before.")
            .clicked()
        {
            out.push(Action::Rollback(id));
        }
    });
}

/// A labelled number in a grid row.
fn number(
    ui: &mut Ui,
    label: &str,
    value: &mut f64,
    range: std::ops::RangeInclusive<f64>,
    speed: f64,
) -> egui::Response {
    let l = ui.label(label);
    let r = ui
        .add(DragValue::new(value).range(range).speed(speed))
        .labelled_by(l.id);
    ui.end_row();
    r
}
