//! The metastability window: offered load against goodput over time, the
//! work arriving at each service, and each edge's retry amplification
//! (attempts per call) by window. A retry storm that outlives its trigger
//! shows as goodput staying down and amplification staying up after the
//! scripted fault (the dashed marker) has ended.

use std::sync::Arc;

use egui::{Color32, Context, RichText, Stroke, Ui, vec2};
use egui_plot::{HLine, Legend, Line, LineStyle, Plot, PlotPoints, VLine};

use super::palette;
use crate::live::Snapshot;
use crate::metrics::WindowSummary;
use crate::metrics::edges::EdgeWindow;

/// Load per window, in requests per second, at each window's end.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadSeries {
    /// Window ends, simulated seconds.
    pub t_s: Vec<f64>,
    /// Requests the clients generated, per second.
    pub offered: Vec<f64>,
    /// Requests that succeeded end to end, per second.
    pub goodput: Vec<f64>,
    /// Work arriving at each non-client node (attempts, retries included), per second.
    pub arrivals: Vec<(String, Vec<f64>)>,
}

impl LoadSeries {
    /// The series of `windows`; services in `order` (the scenario's node order).
    pub fn of(windows: &[Arc<WindowSummary>], order: &[&str]) -> LoadSeries {
        let mut s = LoadSeries {
            arrivals: order
                .iter()
                .filter(|n| {
                    windows
                        .first()
                        .is_some_and(|w| w.services.contains_key(**n))
                })
                .map(|n| (n.to_string(), Vec::with_capacity(windows.len())))
                .collect(),
            ..LoadSeries::default()
        };
        for w in windows {
            let secs = (w.end_s - w.start_s).max(1e-9);
            s.t_s.push(w.end_s);
            s.offered.push(w.offered as f64 / secs);
            s.goodput.push(w.ok as f64 / secs);
            for (name, ys) in &mut s.arrivals {
                let a = w.services.get(name).map_or(0, |x| x.arrivals);
                ys.push(a as f64 / secs);
            }
        }
        s
    }
}

/// One edge's amplification over time.
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeSeries {
    /// Caller.
    pub from: u32,
    /// Callee.
    pub to: u32,
    /// (window end in seconds, attempts per call), for windows with calls.
    pub points: Vec<[f64; 2]>,
}

/// Every edge's attempts per call by window; `edge_windows` aligned with `windows`.
pub fn amplification(
    windows: &[Arc<WindowSummary>],
    edge_windows: &[Arc<Vec<EdgeWindow>>],
) -> Vec<EdgeSeries> {
    let mut out: Vec<EdgeSeries> = Vec::new();
    for (w, edges) in windows.iter().zip(edge_windows) {
        for e in edges.iter() {
            let Some(a) = e.amplification() else { continue };
            let at = match out.iter().position(|s| s.from == e.from && s.to == e.to) {
                Some(i) => i,
                None => {
                    out.push(EdgeSeries {
                        from: e.from,
                        to: e.to,
                        points: Vec::new(),
                    });
                    out.len() - 1
                }
            };
            out[at].points.push([w.end_s, a]);
        }
    }
    out.sort_by_key(|s| (s.from, s.to));
    out
}

/// Whether the window is open.
#[derive(Default)]
pub struct MetastabilityView {
    /// The window is open.
    pub open: bool,
}

impl MetastabilityView {
    /// Draws the window when open.
    pub fn show(&mut self, ctx: &Context, snap: &Snapshot) {
        let mut open = self.open;
        egui::Window::new("Metastability")
            .open(&mut open)
            .default_size(vec2(820.0, 560.0))
            .show(ctx, |ui| contents(ui, snap));
        self.open = open;
    }
}

fn contents(ui: &mut Ui, snap: &Snapshot) {
    let names: Vec<&str> = snap
        .scenario
        .nodes
        .iter()
        .map(|n| n.name.as_str())
        .collect();
    let load = LoadSeries::of(&snap.windows, &names);
    let amp = amplification(&snap.windows, &snap.edge_windows);
    summary(ui, &load, &amp, &names);
    ui.label(
        RichText::new(
            "A retry storm outlives its trigger: after the fault (dashed line) ends, goodput stays \
             below offered load and attempts per call stay above 1.",
        )
        .small()
        .weak(),
    );
    let markers: Vec<f64> = snap
        .scenario
        .timeline
        .iter()
        .chain(snap.recorded.iter())
        .map(|a| a.at.as_secs_f64())
        .collect();
    let h = ((ui.available_height() - 60.0) / 2.0).max(120.0);
    let now_s = snap.now.as_secs_f64().max(1.0);
    ui.label(RichText::new("Offered load, goodput and work arriving (requests/s)").strong());
    time_plot("meta-load", h, now_s).show(ui, |p| {
        p.line(line("offered", &load.t_s, &load.offered, palette::GREY).width(2.5));
        p.line(line("goodput", &load.t_s, &load.goodput, palette::GREEN).width(2.5));
        for (i, (name, ys)) in load.arrivals.iter().enumerate() {
            // Not the grey of offered load nor the green of goodput.
            const ARRIVALS: [Color32; 4] = [
                palette::ORANGE,
                palette::SKY,
                palette::PURPLE,
                palette::BLUE,
            ];
            let c = ARRIVALS[i % ARRIVALS.len()];
            p.line(
                line(&format!("arriving at {name}"), &load.t_s, ys, c)
                    .style(LineStyle::dashed_dense()),
            );
        }
        for &m in &markers {
            p.vline(marker(m));
        }
    });
    ui.label(RichText::new("Retry amplification per edge (attempts per call)").strong());
    time_plot("meta-amplification", h, now_s)
        .include_y(2.0)
        .show(ui, |p| {
            p.hline(
                HLine::new("1 attempt per call", 1.0)
                    .stroke(Stroke::new(1.0, palette::GREY))
                    .style(LineStyle::dashed_loose()),
            );
            for (i, s) in amp.iter().enumerate() {
                let c = palette::SERIES[i % palette::SERIES.len()];
                let name = format!("{} → {}", node(&names, s.from), node(&names, s.to));
                p.line(
                    Line::new(name, PlotPoints::new(s.points.clone()))
                        .color(c)
                        .width(1.8),
                );
            }
            for &m in &markers {
                p.vline(marker(m));
            }
        });
}

/// The last window's figures in words.
fn summary(ui: &mut Ui, load: &LoadSeries, amp: &[EdgeSeries], names: &[&str]) {
    let (Some(&t), Some(&o), Some(&g)) =
        (load.t_s.last(), load.offered.last(), load.goodput.last())
    else {
        ui.weak("No window has closed yet.");
        return;
    };
    let worst = amp
        .iter()
        .filter_map(|s| s.points.last().filter(|p| p[0] == t).map(|p| (s, p[1])))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let mut text = format!(
        "Window ending {t:.1} s: offered {o:.1}/s, goodput {g:.1}/s ({:.0}% of offered)",
        if o > 0.0 { 100.0 * g / o } else { 100.0 }
    );
    if let Some((s, a)) = worst {
        text.push_str(&format!(
            " · most amplified edge {} → {}: {a:.2} attempts per call",
            node(names, s.from),
            node(names, s.to)
        ));
    }
    ui.label(text);
}

/// A plot over simulated time from 0 to `now_s`, y from 0, with a legend;
/// plots of one window share their x axis.
pub(super) fn time_plot(name: &'static str, height: f32, now_s: f64) -> Plot<'static> {
    Plot::new(name)
        .height(height)
        .legend(Legend::default())
        .include_x(0.0)
        .include_x(now_s)
        .include_y(0.0)
        .link_axis(
            egui::Id::unique(("time-plot", name.split('-').next())),
            [true, false],
        )
        .allow_scroll(false)
}

fn node<'a>(names: &[&'a str], i: u32) -> &'a str {
    names.get(i as usize).copied().unwrap_or("?")
}

fn line(name: &str, xs: &[f64], ys: &[f64], color: Color32) -> Line<'static> {
    let pts: Vec<[f64; 2]> = xs.iter().zip(ys).map(|(&x, &y)| [x, y]).collect();
    Line::new(name.to_string(), PlotPoints::new(pts))
        .color(color)
        .width(1.5)
}

fn marker(at_s: f64) -> VLine {
    VLine::new("", at_s)
        .stroke(Stroke::new(1.2, palette::GREY))
        .style(LineStyle::dashed_dense())
}
