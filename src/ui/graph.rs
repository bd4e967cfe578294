//! The graph view: the cluster drawn live from the latest snapshot, with
//! pan (drag the background), zoom (scroll), node dragging, click to select
//! a node or a link, shift-click and shift-drag (box) to select several.
//!
//! Each node and each link is also an accessible widget named after it
//! ("db", "link orders → db"), so screen readers and UI tests find them.

use std::collections::BTreeSet;
use std::sync::Arc;

use egui::{
    Align2, CornerRadius, FontId, Id, Pos2, Rect, Response, Sense, Stroke, StrokeKind, Ui, Vec2,
    pos2, vec2,
};

use super::glyphs::{self, HALF, NodeLook};
use super::links::{self, Theme};
use super::palette;
use super::selection::Selection;
use super::topology::{Role, Topology};
use super::trace_path::TracePath;
use crate::live::Snapshot;
use crate::sim::config::{NodeId, SimConfig};

/// Zoom limits.
const MIN_ZOOM: f32 = 0.3;
const MAX_ZOOM: f32 = 2.5;
/// A caller with more callees than this shows its links as dots, not chips.
const MAX_CHIPS_PER_CALLER: usize = 8;
/// Room kept around the graph when fitting it to the view, in points.
const FIT_MARGIN: f32 = 36.0;
/// A click this close to an edge (in points) selects it.
const EDGE_PICK: f32 = 7.0;

/// The graph view's own state (positions, pan, zoom, animation clock).
pub struct GraphView {
    scenario: Option<Arc<SimConfig>>,
    topology: Option<Topology>,
    /// World positions, moved by dragging.
    positions: Vec<Pos2>,
    zoom: f32,
    /// Screen offset of the world origin from the view's centre.
    pan: Vec2,
    /// Refit the whole graph into the view every frame (until the learner
    /// pans or zooms).
    fit: bool,
    /// Seconds of animation; advances only while the run plays.
    anim: f64,
    /// Where a shift-drag box started, in screen points.
    box_start: Option<Pos2>,
    /// The open trace's path, highlighted over the graph.
    path: Option<TracePath>,
    /// The learner clicked "Clear path" (taken by the app).
    clear_path: bool,
}

impl Default for GraphView {
    fn default() -> Self {
        GraphView {
            scenario: None,
            topology: None,
            positions: Vec::new(),
            zoom: 1.0,
            pan: Vec2::ZERO,
            fit: true,
            anim: 0.0,
            box_start: None,
            path: None,
            clear_path: false,
        }
    }
}

impl GraphView {
    /// The topology of the scenario shown, once a snapshot has been drawn.
    pub fn topology(&self) -> Option<&Topology> {
        self.topology.as_ref()
    }

    /// Highlights `path` (the open trace's) from the next frame on; `None` clears it.
    pub fn set_path(&mut self, path: Option<TracePath>) {
        self.path = path;
    }

    /// Whether the learner asked to clear the highlighted path since the last call.
    pub fn take_clear_path(&mut self) -> bool {
        std::mem::take(&mut self.clear_path)
    }

    /// Fit the whole graph into the view again.
    pub fn refit(&mut self) {
        self.fit = true;
    }

    /// Put nodes back where the file (or the automatic layout) put them.
    pub fn reset_layout(&mut self) {
        if let Some(t) = &self.topology {
            self.positions = t.positions.clone();
        }
        self.fit = true;
    }

    /// Rebuilds the topology when the scenario changed (a file was opened).
    pub fn sync(&mut self, snapshot: &Snapshot) {
        let same = self
            .scenario
            .as_ref()
            .is_some_and(|s| Arc::ptr_eq(s, &snapshot.scenario));
        if same {
            return;
        }
        let edges: Vec<(NodeId, NodeId)> = if snapshot.edges.is_empty() {
            snapshot.scenario.call_edges()
        } else {
            snapshot.edges.iter().map(|e| (e.from, e.to)).collect()
        };
        let topology = Topology::new(&snapshot.scenario, &edges);
        // Keep dragged positions when the same scenario is reloaded (same names).
        let keep = self.scenario.as_ref().is_some_and(|old| {
            old.nodes.len() == snapshot.scenario.nodes.len()
                && old
                    .nodes
                    .iter()
                    .zip(&snapshot.scenario.nodes)
                    .all(|(a, b)| a.name == b.name)
        });
        if !keep {
            self.positions = topology.positions.clone();
            self.fit = true;
        }
        self.topology = Some(topology);
        self.scenario = Some(snapshot.scenario.clone());
    }

    /// Draws the graph filling `ui` and handles its interaction.
    pub fn show(&mut self, ui: &mut Ui, snapshot: &Snapshot, selection: &mut Selection) {
        self.sync(snapshot);
        let rect = ui.available_rect_before_wrap();
        let bg_response = ui.interact(
            rect,
            Id::unique("graph-background"),
            Sense::click_and_drag(),
        );
        let Some(topology) = self.topology.take() else {
            return;
        };
        self.draw(ui, rect, &bg_response, &topology, snapshot, selection);
        self.topology = Some(topology);
    }

    fn draw(
        &mut self,
        ui: &mut Ui,
        rect: Rect,
        bg_response: &Response,
        topology: &Topology,
        snapshot: &Snapshot,
        selection: &mut Selection,
    ) {
        let n = snapshot.scenario.nodes.len().min(snapshot.nodes.len());
        if self.positions.len() != snapshot.scenario.nodes.len() {
            self.positions = topology.positions.clone();
        }

        if snapshot.playing {
            let dt = ui.input(|i| i.stable_dt).min(0.1);
            self.anim += f64::from(dt);
        }
        self.handle_view_input(ui, rect, bg_response);
        if self.fit {
            self.fit_to(rect);
        }

        let painter = ui.painter_at(rect);
        let visuals = ui.visuals();
        let theme = Theme {
            neutral: palette::neutral(visuals.dark_mode),
            bg: visuals.panel_fill,
            text: visuals.strong_text_color(),
        };
        let zoom = self.zoom;
        let origin = rect.center() + self.pan;
        let to_screen = |w: Pos2| origin + w.to_vec2() * zoom;
        let half = HALF * zoom;

        // Edges under nodes.
        let max_rate = snapshot
            .edges
            .iter()
            .map(|e| e.attempts_per_s)
            .fold(0.0, f64::max);
        let mut segments: Vec<(usize, Pos2, Pos2)> = Vec::with_capacity(snapshot.edges.len());
        // Cut words stay off the nodes (and the two lines of words under
        // them) and off each other.
        let mut cut_words: Vec<Rect> = (0..n)
            .map(|i| {
                let c = to_screen(self.positions[i]);
                Rect::from_min_max(c - half, c + half + vec2(0.0, 36.0 * zoom))
            })
            .collect();
        for (k, e) in snapshot.edges.iter().enumerate() {
            let (a, b) = (e.from.index(), e.to.index());
            if a >= n || b >= n {
                continue;
            }
            let (ca, cb) = (to_screen(self.positions[a]), to_screen(self.positions[b]));
            let p0 = glyphs::boundary_point(ca, half, cb);
            let p1 = glyphs::boundary_point(cb, half, ca);
            segments.push((k, p0, p1));
            let highlight = selection.has_link(e.from, e.to);
            links::paint_edge(
                &painter,
                p0,
                p1,
                e,
                zoom,
                self.anim,
                max_rate,
                &theme,
                highlight,
                &mut cut_words,
            );
            if let Some(hop) = self.path.as_ref().and_then(|p| p.hop(e.from, e.to)) {
                paint_hop(&painter, (p0, p1), hop, zoom, &theme, &mut cut_words);
            }
            if let Some(st) = super::pool_view::unhealthy(&snapshot.nodes[a], e.to) {
                super::pool_view::paint_mark(&painter, (p0, p1), st, zoom, theme.bg);
            }
        }

        // Link chips: the clickable, labelled handle of each edge. In a wide
        // fan-out, or where chips would crowd each other, they shrink to dots.
        let mut fan_out = vec![0usize; n];
        for &(k, _, _) in &segments {
            if let Some(f) = fan_out.get_mut(snapshot.edges[k].from.index()) {
                *f += 1;
            }
        }
        // Chips give way to the cut words (not to the nodes, which they
        // rarely meet).
        let mut placed: Vec<Rect> = cut_words[n..].to_vec();
        for &(k, p0, p1) in &segments {
            let e = &snapshot.edges[k];
            let wide = fan_out
                .get(e.from.index())
                .is_some_and(|&f| f > MAX_CHIPS_PER_CALLER);
            let placing = (wide, &mut placed);
            let response = self.link_chip(ui, &painter, (p0, p1), e, snapshot, &theme, placing);
            if response.clicked() {
                *selection = Selection::Link {
                    from: e.from,
                    to: e.to,
                };
            }
        }

        // Nodes on top.
        let mut sent = vec![0.0; n];
        for e in &snapshot.edges {
            if let Some(x) = sent.get_mut(e.from.index()) {
                *x += e.attempts_per_s;
            }
        }
        let mut dragged = None;
        for (i, &sent_per_s) in sent.iter().enumerate() {
            let id = NodeId(i as u32);
            let c = to_screen(self.positions[i]);
            let node_rect = Rect::from_center_size(c, half * 2.0);
            let name = &snapshot.scenario.nodes[i].name;
            let role = topology.roles.get(i).copied().unwrap_or(Role::Service);
            let state = &snapshot.nodes[i];
            let response = ui
                .interact(
                    node_rect,
                    Id::unique(("graph-node", i)),
                    Sense::click_and_drag(),
                )
                .on_hover_ui(|ui| node_tooltip(ui, name, role, state));
            response.widget_info(|| {
                egui::WidgetInfo::selected(egui::Role::Button, true, selection.has_node(id), name)
            });
            if response.dragged() {
                dragged = Some((i, response.drag_delta()));
            }
            if response.clicked() {
                if ui.input(|inp| inp.modifiers.shift) {
                    selection.toggle(id);
                } else {
                    *selection = Selection::Node(id);
                }
            }
            // The words under a node need about 1.4 node widths and 32 points.
            let words = Rect::from_min_max(
                c + vec2(-1.4 * half.x, half.y),
                c + vec2(1.4 * half.x, half.y + 32.0 * zoom),
            );
            let crowded = (0..n).any(|j| {
                j != i
                    && words.intersects(Rect::from_center_size(
                        to_screen(self.positions[j]),
                        half * 2.0,
                    ))
            });
            let look = NodeLook {
                name,
                zone: snapshot.scenario.nodes[i].zone.as_deref(),
                role,
                state,
                selected: selection.has_node(id),
                hovered: response.hovered(),
                sent_per_s,
                details: !crowded,
            };
            glyphs::paint_node(&painter, c, zoom, &look, theme.bg, theme.text);
        }
        if let Some((i, delta)) = dragged {
            self.positions[i] += delta / zoom;
        }
        if let Some(path) = &self.path {
            for i in 0..n {
                let r = Rect::from_center_size(to_screen(self.positions[i]), half * 2.0);
                if path.has_node(NodeId(i as u32)) {
                    let ring = if path.failed {
                        palette::VERMILLION
                    } else {
                        palette::SKY
                    };
                    painter.rect_stroke(
                        r.expand(5.0 * zoom),
                        CornerRadius::same(6),
                        Stroke::new(3.0, ring),
                        StrokeKind::Outside,
                    );
                } else {
                    // Fade what the request did not touch.
                    painter.rect_filled(r.expand(2.0), 4.0, theme.bg.gamma_multiply(0.7));
                }
            }
        }

        // Background: click clears or picks an edge; shift-drag draws a box.
        self.background_clicks(ui, bg_response, &segments, snapshot, selection, to_screen);
        self.box_select(ui, &painter, bg_response, n, selection, to_screen);
        paint_legend(&painter, rect, &theme);
        self.path_banner(ui, rect, snapshot);
    }

    /// The words over the graph naming the highlighted path, and its clear button.
    fn path_banner(&mut self, ui: &mut Ui, rect: Rect, snapshot: &Snapshot) {
        let Some(path) = &self.path else {
            return;
        };
        let text = path.describe(|n| {
            snapshot
                .scenario
                .nodes
                .get(n.index())
                .map_or("?".to_string(), |d| d.name.clone())
        });
        let banner =
            Rect::from_min_size(rect.min + vec2(8.0, 8.0), vec2(rect.width() - 16.0, 24.0));
        let mut clear = false;
        ui.scope_builder(egui::UiBuilder::new().max_rect(banner), |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    clear = ui.button("× Clear path").clicked();
                    ui.label(egui::RichText::new(text).strong());
                    ui.weak(
                        "ring: on the path · thick line: its attempts (vermillion: some failed)",
                    );
                });
            });
        });
        if clear {
            self.path = None;
            self.clear_path = true;
        }
    }

    fn handle_view_input(&mut self, ui: &Ui, rect: Rect, bg: &Response) {
        // Pan by dragging the background (shift-drag is a selection box).
        let shift = ui.input(|i| i.modifiers.shift);
        if bg.dragged() && !shift && self.box_start.is_none() {
            self.pan += bg.drag_delta();
            self.fit = false;
        }
        if bg.double_clicked() {
            self.fit = true;
        }
        // Zoom with the wheel (or pinch) around the pointer.
        if let Some(pointer) = ui.input(|i| i.pointer.hover_pos())
            && rect.contains(pointer)
            && ui.rect_contains_pointer(rect)
        {
            let (scroll, pinch) = ui.input(|i| (i.smooth_scroll_delta.y, i.zoom_delta()));
            let factor = pinch * (scroll * 0.0015).exp();
            if (factor - 1.0).abs() > 1e-4 {
                let new_zoom = (self.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
                let origin = rect.center() + self.pan;
                let world = (pointer - origin) / self.zoom;
                self.pan = pointer - rect.center() - world * new_zoom;
                self.zoom = new_zoom;
                self.fit = false;
            }
        }
    }

    fn fit_to(&mut self, rect: Rect) {
        if self.positions.is_empty() {
            return;
        }
        let mut bb = Rect::NOTHING;
        for p in &self.positions {
            bb.extend_with(*p);
        }
        // Room for the node boxes and the two lines of words under them.
        let bb = Rect::from_min_max(
            bb.min - HALF - vec2(10.0, 6.0),
            bb.max + HALF + vec2(10.0, 36.0),
        );
        let avail = (rect.size() - Vec2::splat(2.0 * FIT_MARGIN)).max(Vec2::splat(50.0));
        self.zoom = (avail.x / bb.width())
            .min(avail.y / bb.height())
            .clamp(MIN_ZOOM, 1.6);
        self.pan = -bb.center().to_vec2() * self.zoom;
    }

    /// Draws the chip of the edge `p0 → p1` with its rate and failures, or
    /// a small dot in a `wide` fan-out or where a full chip would crowd one
    /// in `placed`.
    #[allow(clippy::too_many_arguments)]
    fn link_chip(
        &self,
        ui: &Ui,
        painter: &egui::Painter,
        (p0, p1): (Pos2, Pos2),
        e: &crate::live::EdgeState,
        snapshot: &Snapshot,
        theme: &Theme,
        (wide, placed): (bool, &mut Vec<Rect>),
    ) -> Response {
        let d = p1 - p0;
        let len = d.length().max(1.0);
        let normal = vec2(-d.y, d.x) / len;
        // Chips sit on the side of the line away from the cut words.
        let up = if normal.y > 0.0 { -normal } else { normal };
        let mid = p0 + d * 0.5 + up * (10.0 + 8.0 * self.zoom.min(1.0));
        let mut text = format!("{}/s", rate_text(e.attempts_per_s));
        // Failures in a window can answer attempts of the window before:
        // the fraction is capped at 100% for display.
        let failed = e.error_fraction.clamp(0.0, 1.0);
        if failed >= 0.001 {
            text.push_str(&format!(" · {:.1}% fail", failed * 100.0));
        }
        let font = FontId::proportional((10.5 * self.zoom).clamp(8.5, 13.0));
        let color = if failed >= 0.05 {
            palette::VERMILLION
        } else {
            palette::lerp(theme.bg, theme.text, 0.8)
        };
        let galley = painter.layout_no_wrap(text, font, color);
        let full = Rect::from_center_size(mid, galley.size() + vec2(8.0, 2.0));
        let crowded = wide || placed.iter().any(|r| r.expand(4.0).intersects(full));
        let chip = if crowded {
            // A dot, slid along the line off any chip or word already there
            // (the reverse edge of a pair has its chip at the same middle).
            let dot_at = |t: f32| Rect::from_center_size(mid + d * (t - 0.5), vec2(9.0, 9.0));
            [0.5, 0.62, 0.38, 0.72, 0.28]
                .into_iter()
                .map(dot_at)
                .find(|r| !placed.iter().any(|p| p.intersects(*r)))
                .unwrap_or_else(|| dot_at(0.5))
        } else {
            full
        };
        placed.push(chip);
        let from = &snapshot.scenario.nodes[e.from.index()].name;
        let to = &snapshot.scenario.nodes[e.to.index()].name;
        let response = ui.interact(
            chip,
            Id::unique(("graph-link", e.from.0, e.to.0)),
            Sense::click(),
        );
        let label = format!("link {from} → {to}");
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &label));
        let fill = if response.hovered() {
            palette::lerp(theme.bg, theme.text, 0.15)
        } else {
            theme.bg.gamma_multiply(0.85)
        };
        if crowded {
            let dot = if response.hovered() {
                theme.text
            } else {
                color
            };
            painter.circle_filled(chip.center(), 3.5, dot);
        } else {
            painter.rect(
                chip,
                CornerRadius::same(3),
                fill,
                Stroke::NONE,
                StrokeKind::Inside,
            );
            painter.galley(chip.min + vec2(4.0, 1.0), galley, color);
        }
        response.on_hover_text(format!(
            "{from} → {to}: {:.1} attempts/s, {:.2}% failed.\nClick to see its latency, loss and partition buttons.",
            e.attempts_per_s,
            failed * 100.0
        ))
    }

    fn background_clicks(
        &self,
        ui: &Ui,
        bg: &Response,
        segments: &[(usize, Pos2, Pos2)],
        snapshot: &Snapshot,
        selection: &mut Selection,
        _to_screen: impl Fn(Pos2) -> Pos2,
    ) {
        if !bg.clicked() {
            return;
        }
        let Some(p) = bg.interact_pointer_pos() else {
            return;
        };
        let near = segments
            .iter()
            .map(|&(k, a, b)| (k, distance_to_segment(p, a, b)))
            .filter(|&(_, d)| d <= EDGE_PICK)
            .min_by(|x, y| x.1.total_cmp(&y.1));
        if let Some((k, _)) = near {
            let e = &snapshot.edges[k];
            *selection = Selection::Link {
                from: e.from,
                to: e.to,
            };
        } else if !ui.input(|i| i.modifiers.shift) {
            *selection = Selection::None;
        }
    }

    fn box_select(
        &mut self,
        ui: &Ui,
        painter: &egui::Painter,
        bg: &Response,
        n: usize,
        selection: &mut Selection,
        to_screen: impl Fn(Pos2) -> Pos2,
    ) {
        let shift = ui.input(|i| i.modifiers.shift);
        if bg.drag_started() && shift {
            self.box_start = bg.interact_pointer_pos();
        }
        let Some(start) = self.box_start else {
            return;
        };
        let now = ui.input(|i| i.pointer.interact_pos()).unwrap_or(start);
        let r = Rect::from_two_pos(start, now);
        let text = ui.visuals().strong_text_color();
        painter.rect(
            r,
            CornerRadius::same(2),
            palette::SKY.gamma_multiply(0.12),
            Stroke::new(1.0, text),
            StrokeKind::Inside,
        );
        if bg.drag_stopped() || !bg.dragged() {
            self.box_start = None;
            let mut set: BTreeSet<NodeId> = if shift {
                selection.nodes().into_iter().collect()
            } else {
                BTreeSet::new()
            };
            for i in 0..n.min(self.positions.len()) {
                if r.contains(to_screen(self.positions[i])) {
                    set.insert(NodeId(i as u32));
                }
            }
            *selection = Selection::from_set(set);
        }
    }
}

fn node_tooltip(ui: &mut Ui, name: &str, role: Role, s: &crate::live::NodeState) {
    ui.strong(format!("{name} ({})", role.label()));
    ui.label(format!(
        "{} {}",
        palette::health_mark(s.health),
        s.health.label()
    ));
    if let Some(w) = s.workers {
        ui.label(format!(
            "workers {}/{w} busy, {:.0}% utilized",
            s.busy,
            s.utilization * 100.0
        ));
    }
    if role == Role::Client {
        // A client has no queue; its "arrivals" are the requests it issues.
        ui.label(format!("issues {:.1} requests/s", s.arrivals_per_s));
    } else if role != Role::Monitor {
        ui.label(format!(
            "queue {} · {:.1} arrivals/s",
            s.queued, s.arrivals_per_s
        ));
    }
    ui.label(format!(
        "{:.2}% of answers failed",
        s.error_fraction * 100.0
    ));
    if let Some(r) = s.raft {
        ui.label(format!(
            "{} · term {} · commit {}",
            r.role, r.term, r.commit
        ));
    }
    if let Some(d) = &s.deploy {
        ui.label(format!("version {}", d.label()));
    }
    ui.weak("Click to inspect; drag to move; shift-click to add to a group.");
}

/// A rate as a short number: 0.5, 12, 3.4k.
pub fn rate_text(r: f64) -> String {
    if r >= 10_000.0 {
        format!("{:.0}k", r / 1000.0)
    } else if r >= 1000.0 {
        format!("{:.1}k", r / 1000.0)
    } else if r >= 10.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

fn distance_to_segment(p: Pos2, a: Pos2, b: Pos2) -> f32 {
    let ab = b - a;
    let t = ((p - a).dot(ab) / ab.length_sq().max(1e-6)).clamp(0.0, 1.0);
    (a + ab * t - p).length()
}

/// One hop of the highlighted path: a thick line under the edge, vermillion
/// when an attempt over it failed, with its attempts written beside it.
fn paint_hop(
    painter: &egui::Painter,
    (p0, p1): (Pos2, Pos2),
    hop: &super::trace_path::Hop,
    zoom: f32,
    theme: &Theme,
    words: &mut Vec<Rect>,
) {
    let color = if hop.failed + hop.abandoned > 0 {
        palette::VERMILLION
    } else {
        palette::SKY
    };
    painter.line_segment(
        [p0, p1],
        Stroke::new(7.0 * zoom.max(0.5), color.gamma_multiply(0.55)),
    );
    let d = p1 - p0;
    let len = d.length().max(1.0);
    let normal = vec2(-d.y, d.x) / len;
    // Below the line: the link chip sits above it.
    let down = if normal.y > 0.0 { normal } else { -normal };
    let font = FontId::proportional((10.5 * zoom).clamp(9.0, 13.0));
    let galley = painter.layout_no_wrap(hop.text(), font, color);
    // Step away from the line until the label covers no node and no other
    // label (on a short edge the first place is often taken).
    let place = |step: usize| {
        let at = p0 + d * 0.5 + down * (14.0 + 6.0 * zoom.min(1.0) + step as f32 * galley.size().y);
        Rect::from_center_size(at, galley.size() + vec2(8.0, 2.0))
    };
    let r = (0..4)
        .map(place)
        .find(|r| !words.iter().any(|w| w.intersects(*r)))
        .unwrap_or_else(|| place(0));
    words.push(r);
    painter.rect_filled(r, 3.0, theme.bg.gamma_multiply(0.9));
    painter.galley(r.min + vec2(4.0, 1.0), galley, color);
}

/// The key to colours and shapes, bottom left of the view.
fn paint_legend(painter: &egui::Painter, rect: Rect, theme: &Theme) {
    use crate::live::Health;
    let font = FontId::proportional(11.0);
    let mut x = rect.left() + 10.0;
    let y = rect.bottom() - 12.0;
    for h in [
        Health::Healthy,
        Health::Degraded,
        Health::Overloaded,
        Health::Crashed,
    ] {
        let color = if h == Health::Crashed {
            theme.text
        } else {
            palette::health(h)
        };
        let r = painter.text(
            pos2(x, y),
            Align2::LEFT_CENTER,
            format!("{} {}", palette::health_mark(h), h.label()),
            font.clone(),
            color,
        );
        x = r.right() + 12.0;
    }
    painter.text(
        pos2(x + 6.0, y),
        Align2::LEFT_CENTER,
        "line width = traffic · colour = failures · dots = requests (●) and replies (× failed)",
        font,
        palette::lerp(theme.bg, theme.text, 0.65),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_short() {
        assert_eq!(rate_text(0.25), "0.2");
        assert_eq!(rate_text(312.4), "312");
        assert_eq!(rate_text(5400.0), "5.4k");
        assert_eq!(rate_text(54_000.0), "54k");
    }

    #[test]
    fn distance_to_a_segment() {
        let d = distance_to_segment(pos2(5.0, 3.0), pos2(0.0, 0.0), pos2(10.0, 0.0));
        assert!((d - 3.0).abs() < 1e-5);
        let d = distance_to_segment(pos2(-4.0, 3.0), pos2(0.0, 0.0), pos2(10.0, 0.0));
        assert!((d - 5.0).abs() < 1e-5);
    }
}
