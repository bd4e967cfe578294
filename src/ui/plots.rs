//! The plots over simulated time, x axes linked: end-to-end latency
//! percentiles (log scale toggle), availability against the SLO,
//! throughput, error budget left, per-service utilization and queue; in
//! runs with replicated state, consistency anomalies and failure detection
//! per window.
//! Vertical markers show where scripted events (grey, dashed) and the
//! learner's actions (orange) happened.

use egui::{Color32, Id, Rect, Response, RichText, Stroke, Ui};
use egui_plot::{
    AxisHints, GridInput, GridMark, HLine, HoverPosition, Line, LineStyle, Plot, PlotPoints, VLine,
};

use super::palette;
use super::series::{Reduce, Series, SeriesCache, downsample};
use super::widgets::fmt_ms;
use crate::live::Snapshot;

/// Names of the latency percentiles, in the cache's order.
const PERCENTILES: [&str; 4] = ["p50", "p90", "p99", "p99.9"];
/// Their colours: light to dark, none of them the vermillion of the SLO line.
const PERCENTILE_COLORS: [Color32; 4] = [
    palette::SKY,
    palette::BLUE,
    palette::ORANGE,
    palette::PURPLE,
];
/// The lowest error budget the plot draws, in percent (−100% = spent twice).
const BUDGET_FLOOR_PERCENT: f64 = -100.0;
/// Legends are left out of the per-service plots above this many services.
const MAX_SERVICE_LEGEND: usize = 8;

/// A vertical marker: when something happened, and who did it.
#[derive(Clone, Copy, Debug)]
pub struct Marker {
    /// Simulated seconds.
    pub at_s: f64,
    /// The learner did it (else the scenario file).
    pub learner: bool,
}

/// Every plot's name, in the order they are drawn.
pub const PLOT_NAMES: [&str; 6] = [
    "latency",
    "availability",
    "throughput",
    "error budget",
    "utilization",
    "queue",
];

/// The plots' state.
pub struct Plots {
    cache: SeriesCache,
    /// Latency on a logarithmic axis.
    pub log_latency: bool,
    /// The x range shown last frame, to downsample only what is visible.
    visible: (f64, f64),
    /// Where each plot (with its title) was drawn last frame, by name.
    rects: Vec<(&'static str, Rect)>,
    /// Simulated second of the last click on the latency plot (taken by the app).
    pub clicked_at: Option<f64>,
}

impl Default for Plots {
    fn default() -> Self {
        Plots {
            cache: SeriesCache::default(),
            log_latency: true,
            visible: (0.0, f64::INFINITY),
            rects: Vec::new(),
            clicked_at: None,
        }
    }
}

impl Plots {
    /// Where the plot `name` (one of [`PLOT_NAMES`]), with its title, was
    /// drawn last frame.
    pub fn rect_of(&self, name: &str) -> Option<Rect> {
        self.rects.iter().find(|(n, _)| *n == name).map(|(_, r)| *r)
    }

    /// Remembers where plot `name` was drawn and offers to save it as a
    /// picture from its context menu; returns `name` when that was chosen.
    fn framed(
        &mut self,
        name: &'static str,
        title_h: f32,
        response: &Response,
    ) -> Option<&'static str> {
        let rect = response.rect.with_min_y(response.rect.min.y - title_h);
        self.rects.push((name, rect));
        let mut wanted = None;
        response.context_menu(|ui| {
            if ui.button("Save this plot as PNG…").clicked() {
                wanted = Some(name);
                ui.close();
            }
        });
        wanted
    }
}

/// What a plot's hover label says about y.
#[derive(Clone, Copy)]
enum Unit {
    Ms { log: bool },
    Percent,
    PerSecond,
    Plain,
}

impl Unit {
    /// A tick label on the y axis.
    fn format_tick(self, y: f64) -> String {
        match self {
            Unit::Ms { .. } => self.format(y),
            Unit::Percent => format!("{}%", trim(y)),
            Unit::PerSecond | Unit::Plain => trim(y),
        }
    }

    fn format(self, y: f64) -> String {
        match self {
            Unit::Ms { log } => fmt_ms(if log { 10f64.powf(y) } else { y }),
            Unit::Percent => format!("{y:.3}%"),
            Unit::PerSecond => format!("{y:.1}/s"),
            Unit::Plain => format!("{y:.2}"),
        }
    }
}

impl Plots {
    /// Draws every plot in the space `ui` offers. `selected` names a
    /// selected service, whose lines are highlighted. Returns the name of a
    /// plot the learner asked to save as a picture.
    pub fn show(
        &mut self,
        ui: &mut Ui,
        snapshot: &Snapshot,
        markers: &[Marker],
        selected: Option<&str>,
    ) -> Option<&'static str> {
        self.cache.update(&snapshot.windows);
        let now_s = snapshot.now.as_secs_f64();
        let link = Id::unique("faultlab-plots-x");
        // Two rows, each a title line and a plot; sized from the space given
        // (never from the content, or the panel would grow frame by frame).
        let gap = ui.spacing().item_spacing.y;
        let title_h = ui.spacing().interact_size.y + gap;
        let rows = if self.cache.has_state { 3.0 } else { 2.0 };
        let height = ((ui.available_height() - rows * title_h - rows * gap) / rows - 4.0)
            .floor()
            .max(50.0);
        let width = (ui.available_width() / 3.0).max(80.0);
        let max_points = (width as usize).max(50);
        let ctx = Ctx {
            cache: &self.cache,
            link,
            height,
            now_s,
            markers,
            range: self.visible,
            max_points,
        };
        let slo = snapshot.scenario.slo;
        let log = self.log_latency;
        let mut visible = self.visible;
        let mut drawn: Vec<(&'static str, Response)> = Vec::with_capacity(PLOT_NAMES.len());
        let mut clicked = None;

        ui.columns(3, |cols| {
            // Latency.
            let keys: Vec<(&str, Color32)> = PERCENTILES
                .iter()
                .zip(PERCENTILE_COLORS)
                .map(|(n, c)| (*n, c))
                .chain([("SLO", palette::VERMILLION)])
                .collect();
            title(
                &mut cols[0],
                "Latency",
                &keys,
                if log { "log scale" } else { "" },
            );
            let lines: Vec<Line<'static>> = (0..4)
                .map(|i| {
                    let map = |y: f64| if log { y.max(1e-6).log10() } else { y };
                    ctx.line(
                        PERCENTILES[i],
                        &ctx.cache.latency[i],
                        Reduce::Max,
                        PERCENTILE_COLORS[i],
                        map,
                    )
                })
                .collect();
            let slo_ms = slo.latency.as_millis_f64();
            let slo_y = if log {
                slo_ms.max(1e-6).log10()
            } else {
                slo_ms
            };
            let mut plot = ctx.plot("latency", Unit::Ms { log });
            if log {
                plot = plot.y_grid_spacer(log_marks);
            } else {
                plot = plot.include_y(0.0);
            }
            let r = plot.show(&mut cols[0], |p| {
                for l in lines {
                    p.line(l);
                }
                p.hline(
                    HLine::new(format!("SLO p{}", slo.percentile), slo_y)
                        .color(palette::VERMILLION)
                        .style(LineStyle::dashed_loose()),
                );
                ctx.markers(p);
            });
            if r.response.clicked()
                && let Some(p) = r.response.interact_pointer_pos()
            {
                clicked = Some(r.transform.value_from_position(p).x);
            }
            let b = r.transform.bounds();
            visible = (b.min()[0], b.max()[0]);
            drawn.push((PLOT_NAMES[0], r.response));

            // Availability.
            title(
                &mut cols[1],
                "Availability",
                &[("measured", palette::BLUE), ("SLO", palette::VERMILLION)],
                &pct(slo.availability),
            );
            let line = ctx.line(
                "availability",
                &ctx.cache.availability,
                Reduce::Min,
                palette::BLUE,
                |y| y,
            );
            let r = ctx
                .plot("availability", Unit::Percent)
                .include_y(100.0)
                .show(&mut cols[1], |p| {
                    p.line(line);
                    p.hline(
                        HLine::new("SLO", slo.availability * 100.0)
                            .color(palette::VERMILLION)
                            .style(LineStyle::dashed_loose()),
                    );
                    ctx.markers(p);
                });
            drawn.push((PLOT_NAMES[1], r.response));

            // Throughput.
            title(
                &mut cols[2],
                "Throughput /s",
                &[
                    ("ok", palette::BLUE),
                    ("failed", palette::VERMILLION),
                    ("attempts", palette::ORANGE),
                ],
                "",
            );
            let lines = [
                ctx.line(
                    "ok",
                    &ctx.cache.ok_per_s,
                    Reduce::Mean,
                    palette::BLUE,
                    |y| y,
                ),
                ctx.line(
                    "failed",
                    &ctx.cache.failed_per_s,
                    Reduce::Mean,
                    palette::VERMILLION,
                    |y| y,
                ),
                ctx.line(
                    "attempts",
                    &ctx.cache.attempts_per_s,
                    Reduce::Mean,
                    palette::ORANGE,
                    |y| y,
                )
                .style(LineStyle::dashed_dense()),
            ];
            let r = ctx
                .plot("throughput", Unit::PerSecond)
                .include_y(0.0)
                .include_y(1.0) // before the first window: 0 to 1, not −0.5 to 0.5
                .show(&mut cols[2], |p| {
                    for l in lines {
                        p.line(l);
                    }
                    ctx.markers(p);
                });
            drawn.push((PLOT_NAMES[2], r.response));
        });

        ui.columns(3, |cols| {
            // Error budget.
            title(
                &mut cols[0],
                "Error budget left",
                &[],
                "of the run so far; 0 = spent; overspending shown down to −100%",
            );
            // An outage can overspend the budget hundreds of times over; past
            // −100% the line stays at the floor so the axis stays readable
            // (the top bar gives the exact figure).
            let line = ctx.line(
                "budget left",
                &ctx.cache.budget,
                Reduce::Min,
                palette::BLUE,
                |y| y.max(BUDGET_FLOOR_PERCENT),
            );
            let r = ctx
                .plot("budget", Unit::Percent)
                .include_y(0.0)
                .include_y(100.0)
                .show(&mut cols[0], |p| {
                    p.line(line);
                    p.hline(
                        HLine::new("spent", 0.0)
                            .color(palette::VERMILLION)
                            .style(LineStyle::dashed_loose()),
                    );
                    ctx.markers(p);
                });
            drawn.push((PLOT_NAMES[3], r.response));

            // Utilization per service.
            let keys = ctx.service_keys();
            title(&mut cols[1], "Utilization", &keys, "");
            let lines = ctx.service_lines(&ctx.cache.utilization, Reduce::Mean, selected);
            let r = ctx
                .plot("utilization", Unit::Percent)
                .include_y(0.0)
                .include_y(100.0)
                .show(&mut cols[1], |p| {
                    for l in lines {
                        p.line(l);
                    }
                    ctx.markers(p);
                });
            drawn.push((PLOT_NAMES[4], r.response));

            // Queue per service.
            title(&mut cols[2], "Queue", &keys, "mean waiting");
            let lines = ctx.service_lines(&ctx.cache.queue, Reduce::Max, selected);
            let r = ctx
                .plot("queue", Unit::Plain)
                .include_y(0.0)
                .include_y(1.0)
                .show(&mut cols[2], |p| {
                    for l in lines {
                        p.line(l);
                    }
                    ctx.markers(p);
                });
            drawn.push((PLOT_NAMES[5], r.response));
        });
        if self.cache.has_state {
            use crate::sim::config::NodeKind;
            let nodes = &snapshot.scenario.nodes;
            let store = nodes.iter().any(|n| {
                matches!(
                    n.kind,
                    NodeKind::Replica(_) | NodeKind::Raft(_) | NodeKind::StoreClient(_)
                )
            });
            let watched = nodes.iter().any(|n| match &n.kind {
                NodeKind::Monitor(_) => true,
                NodeKind::Balancer(b) => b.health.is_some(),
                _ => false,
            });
            let columns = usize::from(store) + usize::from(watched);
            if columns > 0 {
                ui.columns(columns, |cols| {
                    drawn.extend(ctx.state_row(cols, store, watched));
                });
            }
        }
        self.visible = visible;
        if clicked.is_some() {
            self.clicked_at = clicked;
        }
        self.rects.clear();
        let mut wanted = None;
        for (name, response) in &drawn {
            wanted = self.framed(name, title_h, response).or(wanted);
        }
        wanted
    }
}

/// What every plot shares.
struct Ctx<'c> {
    cache: &'c SeriesCache,
    link: Id,
    height: f32,
    now_s: f64,
    markers: &'c [Marker],
    range: (f64, f64),
    max_points: usize,
}

impl Ctx<'_> {
    fn plot(&self, name: &'static str, unit: Unit) -> Plot<'static> {
        Plot::new(name)
            .y_grid_spacer(nice_marks)
            .custom_y_axes(vec![
                AxisHints::new_y()
                    .formatter(move |m: GridMark, _| unit.format_tick(m.value))
                    .label_spacing(16.0..=24.0),
            ])
            .height(self.height)
            .link_axis(self.link, [true, false])
            .link_cursor(self.link, [true, false])
            .include_x(0.0)
            .include_x(self.now_s.max(1.0))
            // No margin along time: the plots start at 0 s, never before.
            .set_margin_fraction(egui::vec2(0.0, 0.05))
            .allow_scroll(false)
            .y_axis_min_width(44.0)
            .custom_x_axes(vec![
                AxisHints::new_x()
                    .formatter(|m: GridMark, _| format!("{} s", trim(m.value)))
                    .label_spacing(34.0..=56.0),
            ])
            .label_formatter(move |pos: &HoverPosition<'_>| match pos {
                HoverPosition::NearDataPoint {
                    plot_name,
                    position,
                    ..
                } if !plot_name.is_empty() => Some(format!(
                    "{plot_name}: {}\nt = {:.1} s",
                    unit.format(position.y),
                    position.x
                )),
                HoverPosition::NearDataPoint { position, .. }
                | HoverPosition::Elsewhere { position } => Some(format!("t = {:.1} s", position.x)),
            })
    }

    fn line(
        &self,
        name: &str,
        s: &Series,
        reduce: Reduce,
        color: Color32,
        map: impl Fn(f64) -> f64,
    ) -> Line<'static> {
        let pts = downsample(
            &self.cache.xs,
            &s.ys,
            self.range,
            self.max_points,
            reduce,
            map,
        );
        Line::new(name, PlotPoints::Owned(pts))
            .color(color)
            .width(1.5)
    }

    fn service_lines(
        &self,
        series: &[Series],
        reduce: Reduce,
        selected: Option<&str>,
    ) -> Vec<Line<'static>> {
        self.cache
            .services
            .iter()
            .zip(series)
            .enumerate()
            .map(|(i, (name, s))| {
                let color = palette::SERIES[i % palette::SERIES.len()];
                let mut l = self.line(name, s, reduce, color, |y| y);
                if selected == Some(name.as_str()) {
                    l = l.width(3.0).highlight(true);
                }
                l
            })
            .collect()
    }

    /// Service names in their line colours, for the title (none when too many).
    fn service_keys(&self) -> Vec<(&str, Color32)> {
        if self.cache.services.len() > MAX_SERVICE_LEGEND {
            return Vec::new();
        }
        self.cache
            .services
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), palette::SERIES[i % palette::SERIES.len()]))
            .collect()
    }

    /// The replicated-state row: consistency anomalies (runs with a
    /// `store`) and failure detection (runs where something is `watched`:
    /// monitors, balancers' health checks), one column each.
    fn state_row(
        &self,
        cols: &mut [Ui],
        store: bool,
        watched: bool,
    ) -> Vec<(&'static str, Response)> {
        let mut drawn = Vec::new();
        let mut k = 0;
        if store && k < cols.len() {
            drawn.push(self.consistency_plot(&mut cols[k]));
            k += 1;
        }
        if watched && k < cols.len() {
            drawn.push(self.detection_plot(&mut cols[k]));
        }
        drawn
    }

    /// Stale reads and lost writes per window.
    fn consistency_plot(&self, ui: &mut Ui) -> (&'static str, Response) {
        let c = self.cache;
        title(
            ui,
            "Consistency per window",
            &[
                ("stale reads", palette::ORANGE),
                ("lost writes", palette::VERMILLION),
            ],
            "lost writes: final at the end of the run",
        );
        let lines = [
            self.line(
                "stale reads",
                &c.stale_reads,
                Reduce::Max,
                palette::ORANGE,
                |y| y,
            ),
            self.line(
                "lost writes",
                &c.lost_writes,
                Reduce::Max,
                palette::VERMILLION,
                |y| y,
            ),
        ];
        let r = self
            .plot("consistency", Unit::Plain)
            .include_y(0.0)
            .include_y(1.0)
            .show(ui, |p| {
                for l in lines {
                    p.line(l);
                }
                self.markers(p);
            });
        ("consistency", r.response)
    }

    /// False suspicions and detection times per window.
    fn detection_plot(&self, ui: &mut Ui) -> (&'static str, Response) {
        let c = self.cache;
        title(
            ui,
            "Failure detection per window",
            &[
                ("false suspicions", palette::PURPLE),
                ("time to detect (ms)", palette::BLUE),
            ],
            "",
        );
        let line = self.line(
            "false suspicions",
            &c.false_suspicions,
            Reduce::Max,
            palette::PURPLE,
            |y| y,
        );
        let detect_points = downsample(
            &c.xs,
            &c.detect_ms.ys,
            self.range,
            self.max_points,
            Reduce::Max,
            |y| y,
        );
        let r = self
            .plot("detection", Unit::Plain)
            .include_y(0.0)
            .include_y(1.0)
            .show(ui, |p| {
                p.line(line);
                // Detections are rare: dots, not a line between distant points.
                p.points(
                    egui_plot::Points::new("time to detect (ms)", PlotPoints::Owned(detect_points))
                        .radius(3.0)
                        .color(palette::BLUE),
                );
                self.markers(p);
            });
        ("detection", r.response)
    }

    fn markers(&self, p: &mut egui_plot::PlotUi<'_>) {
        for m in self.markers.iter().filter(|m| m.at_s <= self.now_s) {
            let (color, style) = if m.learner {
                (palette::ORANGE, LineStyle::Solid)
            } else {
                (palette::GREY, LineStyle::dashed_dense())
            };
            p.vline(
                VLine::new("", m.at_s)
                    .stroke(Stroke::new(1.2, color))
                    .style(style),
            );
        }
    }
}

/// A plot's title line; `keys` name its lines in their colours (the legend).
fn title(ui: &mut Ui, text: &str, keys: &[(&str, Color32)], note: &str) {
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 6.0;
        ui.label(RichText::new(text).small().strong());
        for (name, color) in keys {
            ui.label(RichText::new(format!("━ {name}")).small().color(*color));
        }
        if !note.is_empty() {
            ui.label(RichText::new(note).small().weak());
        }
    });
}

/// Grid marks for a log10 axis: every decade, and 2× and 5× within it
/// while fewer than five decades show.
fn log_marks(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return Vec::new();
    }
    let fine = hi - lo < 5.0;
    let mut out = Vec::new();
    for d in (lo.floor() as i64)..=(hi.ceil() as i64) {
        let d = d as f64;
        out.push(GridMark {
            value: d,
            step_size: 1.0,
        });
        if fine {
            for m in [2.0f64, 5.0] {
                out.push(GridMark {
                    value: d + m.log10(),
                    step_size: 0.3,
                });
            }
        }
    }
    out.retain(|m| m.value >= lo && m.value <= hi);
    out
}

/// Grid marks for a linear axis at 1-2-5 steps, about three labelled ones
/// (the default spacer labels only powers of ten, too few on short plots).
fn nice_marks(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    let range = hi - lo;
    if !(range.is_finite() && range > 0.0) {
        return Vec::new();
    }
    let raw = range / 3.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let minor = step / 5.0;
    let mut out = Vec::new();
    let first = (lo / minor).ceil() as i64;
    let last = (hi / minor).floor() as i64;
    if last - first > 1000 {
        return out;
    }
    for k in first..=last {
        let value = k as f64 * minor;
        let major = k % 5 == 0;
        out.push(GridMark {
            value,
            step_size: if major { step } else { minor },
        });
    }
    out
}

/// A fraction as a short percentage: 0.999 → "99.9%".
pub fn pct(f: f64) -> String {
    format!("{}%", trim(f * 100.0))
}

fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_are_short() {
        assert_eq!(pct(0.999), "99.9%");
        assert_eq!(pct(1.0), "100%");
        assert_eq!(pct(0.99995), "99.995%");
    }

    #[test]
    fn log_latency_reads_back_in_ms() {
        assert_eq!(Unit::Ms { log: true }.format(2.0), "100 ms");
        assert_eq!(Unit::Ms { log: false }.format(2.0), "2 ms");
    }
}
