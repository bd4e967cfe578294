//! The traces window (slowest and failed requests, a waterfall of one) and
//! the RED/USE window (per node: rate, errors, duration; utilization,
//! saturation, errors). Both read the snapshot only.

use egui::{Context, Grid, RichText, Ui, vec2};

use crate::live::Snapshot;
use crate::metrics::trace::{Span, SpanKind, SpanStatus, Trace};

/// Entries listed under "Slowest" and under "Failed".
const LISTED: usize = 12;

/// What the traces and RED/USE windows show.
#[derive(Default)]
pub struct TracesView {
    /// The traces window is open.
    pub open: bool,
    /// The RED/USE window is open.
    pub red_use_open: bool,
    /// The trace shown in the waterfall (its root id).
    selected: Option<u64>,
    /// Only requests that ended in this window (start, end seconds).
    window: Option<(f64, f64)>,
}

impl TracesView {
    /// Opens the traces window on the metrics window containing `t_s` and
    /// shows its slowest kept request (a click on the latency plot).
    pub fn focus_time(&mut self, snap: &Snapshot, t_s: f64) {
        let Some(w) = snap
            .windows
            .iter()
            .find(|w| w.start_s <= t_s && t_s < w.end_s)
        else {
            return;
        };
        self.window = Some((w.start_s, w.end_s));
        self.open = true;
        self.selected = in_window(snap, self.window)
            .filter(|t| t.result.is_some_and(|r| r.is_ok()))
            .max_by_key(|t| t.latency())
            .or_else(|| in_window(snap, self.window).next())
            .map(|t| t.root.0);
    }

    /// Closes the waterfall (and so the path it highlights on the graph).
    pub fn deselect(&mut self) {
        self.selected = None;
    }

    /// The selected trace, if it is among the snapshot's.
    pub fn selected<'a>(&self, snap: &'a Snapshot) -> Option<&'a Trace> {
        let root = self.selected?;
        snap.traces.iter().find(|t| t.root.0 == root).map(|t| &**t)
    }

    /// Draws whichever of the two windows are open.
    pub fn show(&mut self, ctx: &Context, snap: &Snapshot) {
        let mut open = self.open;
        // Low on the screen, over the plots, so the graph shows the
        // highlighted path beside the waterfall.
        let screen = ctx.content_rect();
        egui::Window::new("Traces")
            .open(&mut open)
            .default_pos(egui::pos2(screen.left() + 8.0, screen.bottom() - 490.0))
            .default_size(vec2(1040.0, 480.0))
            .show(ctx, |ui| self.traces_ui(ui, snap));
        self.open = open;
        let mut open = self.red_use_open;
        egui::Window::new("RED / USE")
            .open(&mut open)
            .default_size(vec2(640.0, 260.0))
            .show(ctx, |ui| red_use(ui, snap));
        self.red_use_open = open;
    }

    fn traces_ui(&mut self, ui: &mut Ui, snap: &Snapshot) {
        ui.horizontal(|ui| match self.window {
            Some((a, b)) => {
                ui.label(format!("Requests that ended between {a:.1} s and {b:.1} s"));
                if ui.button("All windows").clicked() {
                    self.window = None;
                }
            }
            None => {
                ui.label(format!(
                    "{} traces kept: each window's 3 slowest and first 3 failures, \
                     and an even sample of 1% of requests and further failures",
                    snap.traces.len()
                ));
                if snap.traces_dropped > 0 {
                    ui.weak(format!(
                        "({} older sampled traces let go to bound memory)",
                        snap.traces_dropped
                    ));
                }
            }
        });
        ui.label(
            RichText::new(
                "Click a point on the latency plot to see that window's slowest request.",
            )
            .small()
            .weak(),
        );
        ui.separator();
        let names: Vec<&str> = snap
            .scenario
            .nodes
            .iter()
            .map(|n| n.name.as_str())
            .collect();
        egui::ScrollArea::vertical()
            .id_salt("trace-list")
            .max_height(120.0)
            .show(ui, |ui| self.lists(ui, snap));
        ui.separator();
        ui.horizontal(|ui| {
            ui.label(RichText::new("Waterfall").strong());
            if self.selected.is_some() {
                ui.weak("its path is highlighted on the graph");
                if ui.button("× Close trace").clicked() {
                    self.selected = None;
                }
            }
        });
        match self.selected(snap) {
            Some(t) => super::waterfall::show(ui, t, &names),
            None => {
                ui.weak("Pick a request above.");
            }
        }
    }

    fn lists(&mut self, ui: &mut Ui, snap: &Snapshot) {
        ui.columns(2, |cols| {
            let mut slow: Vec<&Trace> = in_window(snap, self.window)
                .filter(|t| t.result.is_some_and(|r| r.is_ok()))
                .collect();
            slow.sort_by_key(|t| std::cmp::Reverse(t.latency()));
            cols[0].label(RichText::new("Slowest").strong());
            for t in slow.into_iter().take(LISTED) {
                self.entry(&mut cols[0], t);
            }
            cols[1].label(RichText::new("Failed").strong());
            let failed: Vec<&Trace> = in_window(snap, self.window)
                .filter(|t| t.result.is_some_and(|r| r.is_err()))
                .collect();
            for t in failed.into_iter().rev().take(LISTED) {
                self.entry(&mut cols[1], t);
            }
        });
    }

    fn entry(&mut self, ui: &mut Ui, t: &Trace) {
        let outcome = match t.result {
            Some(Ok(_)) => "ok".to_string(),
            Some(Err(cause)) => cause.key().to_string(),
            None => "in flight".to_string(),
        };
        let text = format!(
            "request {} · {:.2} ms · {} · ended {:.2} s",
            t.root.0 & 0xff_ffff_ffff,
            t.latency().as_millis_f64(),
            outcome,
            t.end.map_or(0.0, |e| e.as_secs_f64())
        );
        if ui
            .selectable_label(self.selected == Some(t.root.0), text)
            .clicked()
        {
            self.selected = Some(t.root.0);
        }
    }
}

/// Kept traces that ended in `window` (all of them when `None`).
fn in_window(snap: &Snapshot, window: Option<(f64, f64)>) -> impl Iterator<Item = &Trace> {
    snap.traces.iter().map(|t| &**t).filter(move |t| {
        let end = t.end.map_or(f64::NAN, |e| e.as_secs_f64());
        window.is_none_or(|(a, b)| end >= a && end < b)
    })
}

/// What a span is, in words.
pub fn describe(s: &Span, names: &[&str]) -> String {
    let name = |n: Option<u32>| {
        n.and_then(|n| names.get(n as usize).copied())
            .unwrap_or("?")
    };
    let mut text = match s.kind {
        SpanKind::Request => format!("{} request", name(Some(s.node))),
        SpanKind::Attempt => format!(
            "{} → {} attempt {}",
            name(Some(s.node)),
            name(s.peer),
            s.attempt + 1
        ),
        SpanKind::Serve => format!("{} serves", name(Some(s.node))),
    };
    for (on, mark) in [
        (s.retry, "retry"),
        (s.hedge, "hedge"),
        (s.fallback, "fallback"),
        (s.duplicate, "DUPLICATE execution"),
        (s.deduplicated, "deduplicated"),
    ] {
        if on {
            text.push_str(" · ");
            text.push_str(mark);
        }
    }
    let status = match s.status {
        SpanStatus::Open => "open".to_string(),
        SpanStatus::Ok => "ok".to_string(),
        SpanStatus::Failed(cause) => cause.key().to_string(),
        SpanStatus::Abandoned => "abandoned".to_string(),
    };
    format!("{text} · {status}")
}

/// Per node: RED (rate, errors, p99 duration) and USE (utilization,
/// saturation as queue length, errors) over the last closed window.
fn red_use(ui: &mut Ui, snap: &Snapshot) {
    let Some(w) = snap.windows.last() else {
        ui.weak("No window has closed yet.");
        return;
    };
    let secs = (w.end_s - w.start_s).max(1e-9);
    ui.label(format!(
        "Window {:.1}–{:.1} s. RED: rate, errors, duration. USE: utilization, saturation (queue), errors.",
        w.start_s, w.end_s
    ));
    Grid::new("red-use")
        .striped(true)
        .num_columns(8)
        .show(ui, |ui| {
            for h in [
                "node",
                "kind",
                "rate/s",
                "errors",
                "p99 ms",
                "utilization",
                "queue mean",
                "queue max",
            ] {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            for n in &snap.scenario.nodes {
                let Some(s) = w.services.get(&n.name) else {
                    continue;
                };
                let answered = s.ok + s.errors + s.refused;
                let errors = if answered == 0 {
                    0.0
                } else {
                    (s.errors + s.refused) as f64 / answered as f64
                };
                ui.label(&n.name);
                ui.label(n.kind.label());
                ui.label(format!("{:.1}", s.arrivals as f64 / secs));
                ui.label(format!("{:.2}%", errors * 100.0));
                ui.label(format!("{:.2}", s.p99_ms));
                ui.label(format!("{:.1}%", s.utilization * 100.0));
                ui.label(format!("{:.2}", s.mean_queue));
                ui.label(s.max_queue.to_string());
                ui.end_row();
            }
        });
}
