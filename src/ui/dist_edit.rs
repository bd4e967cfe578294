//! The editor of a delay distribution (a link's latency): its kind and its
//! parameters in milliseconds. Mixtures are shown in words and can be
//! replaced by a simple kind.

use egui::{ComboBox, Ui};

use super::widgets;
use crate::sim::dist::{Dist, Z_99};

/// Longest delay the knobs offer, in milliseconds (one minute).
const MAX_MS: f64 = 60_000.0;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Constant,
    Uniform,
    Normal,
    Exponential,
    LogNormal,
    Pareto,
    Mixture,
}

impl Kind {
    fn of(d: &Dist) -> Self {
        match d {
            Dist::Constant { .. } => Kind::Constant,
            Dist::Uniform { .. } => Kind::Uniform,
            Dist::Normal { .. } => Kind::Normal,
            Dist::Exponential { .. } => Kind::Exponential,
            Dist::LogNormal { .. } => Kind::LogNormal,
            Dist::Pareto { .. } => Kind::Pareto,
            Dist::Mixture(_) => Kind::Mixture,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Constant => "constant",
            Kind::Uniform => "uniform",
            Kind::Normal => "normal",
            Kind::Exponential => "exponential",
            Kind::LogNormal => "log-normal (tail)",
            Kind::Pareto => "Pareto (heavy tail)",
            Kind::Mixture => "mixture",
        }
    }

    /// A distribution of this kind with about the given mean.
    fn with_mean(self, mean_ns: f64) -> Dist {
        let m = mean_ns.max(1.0);
        match self {
            Kind::Constant | Kind::Mixture => Dist::Constant { ns: m },
            Kind::Uniform => Dist::Uniform {
                lo_ns: m * 0.5,
                hi_ns: m * 1.5,
            },
            Kind::Normal => Dist::Normal {
                mean_ns: m,
                sd_ns: m * 0.2,
            },
            Kind::Exponential => Dist::Exponential { mean_ns: m },
            Kind::LogNormal => Dist::LogNormal {
                mu: m.ln(),
                sigma: (10.0f64).ln() / Z_99,
            },
            Kind::Pareto => Dist::Pareto {
                scale_ns: m * 0.5,
                shape: 2.0,
            },
        }
    }
}

/// Edits a distribution inside a two-column grid; returns whether it changed.
pub fn edit(ui: &mut Ui, salt: &str, label: &str, d: &mut Dist) -> bool {
    let mut changed = false;
    let kind = Kind::of(d);
    ui.label(label);
    ComboBox::from_id_salt(("dist", salt))
        .selected_text(kind.name())
        .show_ui(ui, |ui| {
            for k in [
                Kind::Constant,
                Kind::Uniform,
                Kind::Normal,
                Kind::Exponential,
                Kind::LogNormal,
                Kind::Pareto,
            ] {
                if ui.selectable_label(k == kind, k.name()).clicked() && k != kind {
                    *d = k.with_mean(d.mean_ns());
                    changed = true;
                }
            }
        })
        .response
        .accessible_name(format!("{label} kind"));
    ui.end_row();
    match d {
        Dist::Constant { ns } => changed |= ms(ui, "  delay", ns),
        Dist::Uniform { lo_ns, hi_ns } => {
            changed |= ms(ui, "  from", lo_ns);
            changed |= ms(ui, "  to", hi_ns);
            if *hi_ns < *lo_ns {
                *hi_ns = *lo_ns;
            }
        }
        Dist::Normal { mean_ns, sd_ns } => {
            changed |= ms(ui, "  mean", mean_ns);
            changed |= ms(ui, "  std. dev.", sd_ns);
        }
        Dist::Exponential { mean_ns } => changed |= ms(ui, "  mean", mean_ns),
        Dist::LogNormal { mu, sigma } => {
            let mut median = mu.exp();
            let mut p99 = (*mu + *sigma * Z_99).exp();
            let before = (median, p99);
            ms(ui, "  median", &mut median);
            ms(ui, "  p99", &mut p99);
            if (median, p99) != before {
                changed = true;
                let median = median.max(1.0);
                let p99 = p99.max(median);
                *mu = median.ln();
                *sigma = (p99 / median).ln() / Z_99;
            }
        }
        Dist::Pareto { scale_ns, shape } => {
            changed |= ms(ui, "  scale", scale_ns);
            let mut s = *shape;
            if widgets::number(ui, "  shape", &mut s, 0.1..=100.0, 0.01, "", 2).changed() {
                *shape = s;
                changed = true;
            }
        }
        Dist::Mixture(_) => {
            ui.label("");
            ui.label(widgets::describe_dist(d))
                .on_hover_text("Choose a kind above to replace the mixture.");
            ui.end_row();
        }
    }
    changed
}

/// A duration in nanoseconds edited in milliseconds in a grid row.
fn ms(ui: &mut Ui, name: &str, ns: &mut f64) -> bool {
    let mut v = *ns / 1e6;
    let speed = (v * 0.01).max(0.001);
    let r = widgets::number(ui, name, &mut v, 0.0..=MAX_MS, speed, " ms", 3);
    if r.changed() {
        *ns = v * 1e6;
    }
    r.changed()
}
