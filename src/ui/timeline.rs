//! The timeline strip under the plots: the whole run from zero to its end,
//! the scenario's scripted events (◆), the learner's actions (●), Raft
//! elections (▲ above the line) and SLO burn-rate alerts (▼ below it, filled
//! when firing, hollow when clearing), and the current time. Clicking an earlier moment rewinds there: the run is
//! re-simulated to it (fast, headless, deterministic) and pauses.

use egui::{Align2, FontId, Pos2, Sense, Stroke, Ui, pos2, vec2};

use super::palette;
use super::timeline_marks::MarkKind;
use crate::live::Snapshot;
use crate::metrics::alerts::Severity;
use crate::metrics::deploy::DeployKind;
use crate::sim::config::{Action, NodeId, SimConfig};
use crate::sim::time::{SimDuration, SimTime};

/// Height of the strip, in points.
pub const HEIGHT: f32 = 34.0;
/// Hover this close (points) to an event to see what it was.
const HOVER_PICK: f32 = 6.0;

/// What the strip asks for.
#[derive(Debug, PartialEq)]
pub enum TimelineEvent {
    /// Rewind to this moment.
    RewindTo(SimTime),
}

/// Draws the strip across the available width.
pub fn show(ui: &mut Ui, snapshot: &Snapshot) -> Option<TimelineEvent> {
    let (rect, response) =
        ui.allocate_exact_size(vec2(ui.available_width(), HEIGHT), Sense::click());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Slider, true, "timeline"));
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    let text = visuals.text_color();
    let faint = palette::lerp(visuals.panel_fill, text, 0.35);
    let now = snapshot.now.as_secs_f64();
    let end = snapshot.scenario.duration.as_secs_f64().max(now).max(1e-3);
    let inner = rect.shrink2(vec2(12.0, 0.0));
    let x_of = |t: f64| inner.left() + (t / end).clamp(0.0, 1.0) as f32 * inner.width();
    let t_of = |x: f32| f64::from(((x - inner.left()) / inner.width()).clamp(0.0, 1.0)) * end;
    let y = rect.center().y + 3.0;

    // The run: elapsed part thick, the rest thin.
    painter.line_segment(
        [pos2(inner.left(), y), pos2(inner.right(), y)],
        Stroke::new(2.0, faint),
    );
    painter.line_segment(
        [pos2(inner.left(), y), pos2(x_of(now), y)],
        Stroke::new(4.0, palette::SKY),
    );
    let near = |x: f32| (x - x_of(now)).abs() < 70.0;
    painter.text(
        pos2(inner.left(), rect.top() + 1.0),
        Align2::LEFT_TOP,
        if near(inner.left()) { "" } else { "0 s" },
        FontId::proportional(10.0),
        faint,
    );
    painter.text(
        pos2(inner.right(), rect.top() + 1.0),
        Align2::RIGHT_TOP,
        if near(inner.right()) {
            String::new()
        } else {
            format!("{end:.0} s")
        },
        FontId::proportional(10.0),
        faint,
    );

    // Scripted events ◆ (faint when still to come), the learner's ●.
    let names = &snapshot.scenario;
    let mut hovered: Option<(f32, String)> = None;
    let pointer = response.hover_pos();
    let mut consider = |x: f32, label: String| {
        if let Some(p) = pointer {
            let d = (p.x - x).abs();
            if d <= HOVER_PICK && hovered.as_ref().is_none_or(|(hd, _)| d < *hd) {
                hovered = Some((d, label));
            }
        }
    };
    for a in &snapshot.scenario.timeline {
        let t = a.at.as_secs_f64();
        let x = x_of(t);
        let c = if t <= now { palette::GREY } else { faint };
        diamond(&painter, pos2(x, y), 5.0, c);
        consider(
            x,
            format!("{:.1} s (scenario): {}", t, describe(&a.action, names)),
        );
    }
    for a in snapshot.recorded.iter() {
        let t = a.at.as_secs_f64();
        let x = x_of(t);
        painter.circle(
            pos2(x, y),
            5.0,
            palette::ORANGE,
            Stroke::new(1.0, visuals.panel_fill),
        );
        consider(
            x,
            format!("{:.1} s (you): {}", t, describe(&a.action, names)),
        );
    }

    // Elections and rollouts above the line, alerts below it.
    for m in super::timeline_marks::marks(snapshot) {
        let x = x_of(m.at_s);
        match m.kind {
            MarkKind::Election { change } => {
                let c = if change { palette::PURPLE } else { faint };
                triangle(&painter, pos2(x, y - 9.0), 4.0, true, c, true);
            }
            MarkKind::Alert { severity, firing } => {
                let c = match severity {
                    Severity::Fast => palette::VERMILLION,
                    Severity::Slow => palette::ORANGE,
                };
                triangle(&painter, pos2(x, y + 10.0), 4.0, false, c, firing);
            }
            MarkKind::Rollout(kind) => {
                // A small square above the line: red for a rollback,
                // blue for a version taking over, grey for a step.
                let c = match kind {
                    DeployKind::Rollback => palette::VERMILLION,
                    DeployKind::Promote | DeployKind::Switch => palette::BLUE,
                    DeployKind::Canary | DeployKind::Step => palette::GREY,
                };
                painter.rect_filled(
                    egui::Rect::from_center_size(pos2(x, y - 9.0), vec2(6.0, 6.0)),
                    1.0,
                    c,
                );
            }
        }
        consider(x, m.label);
    }

    // Now.
    let xn = x_of(now);
    painter.line_segment(
        [pos2(xn, rect.top() + 12.0), pos2(xn, rect.bottom())],
        Stroke::new(2.0, text),
    );
    // Keep the label inside the strip at either end.
    let align = if xn > inner.right() - 40.0 {
        Align2::RIGHT_TOP
    } else if xn < inner.left() + 40.0 {
        Align2::LEFT_TOP
    } else {
        Align2::CENTER_TOP
    };
    painter.text(
        pos2(xn, rect.top() + 1.0),
        align,
        format!("now {now:.1} s"),
        FontId::proportional(10.0),
        text,
    );

    if let Some(p) = pointer {
        let t = t_of(p.x);
        painter.line_segment(
            [pos2(p.x, rect.top() + 12.0), pos2(p.x, rect.bottom())],
            Stroke::new(1.0, faint),
        );
        let tip = match hovered {
            Some((_, label)) => label,
            None if t < now => format!("Click to rewind to {t:.1} s (re-simulated, then paused)"),
            None => format!("{t:.1} s is still to come"),
        };
        response.clone().on_hover_text_at_pointer(tip);
    }
    if response.clicked()
        && let Some(p) = response.interact_pointer_pos()
    {
        let t = t_of(p.x);
        if t < now {
            return Some(TimelineEvent::RewindTo(
                SimTime::ZERO + SimDuration::from_secs_f64(t),
            ));
        }
    }
    None
}

/// A small triangle pointing up (`up`) or down at `c`, filled or outlined.
fn triangle(painter: &egui::Painter, c: Pos2, r: f32, up: bool, color: egui::Color32, fill: bool) {
    let tip = if up { -r } else { r };
    let points = vec![
        pos2(c.x, c.y + tip),
        pos2(c.x + r, c.y - tip),
        pos2(c.x - r, c.y - tip),
    ];
    let shape = if fill {
        egui::Shape::convex_polygon(points, color, Stroke::NONE)
    } else {
        egui::Shape::closed_line(points, Stroke::new(1.2, color))
    };
    painter.add(shape);
}

fn diamond(painter: &egui::Painter, c: Pos2, r: f32, color: egui::Color32) {
    painter.add(egui::Shape::convex_polygon(
        vec![
            pos2(c.x, c.y - r),
            pos2(c.x + r, c.y),
            pos2(c.x, c.y + r),
            pos2(c.x - r, c.y),
        ],
        color,
        Stroke::NONE,
    ));
}

/// An action in words, with node names: "crash db", "cut orders → db".
pub fn describe(action: &Action, config: &SimConfig) -> String {
    let name = |id: &NodeId| {
        config
            .nodes
            .get(id.index())
            .map_or("?", |n| n.name.as_str())
    };
    let pairs = |ps: &[(NodeId, NodeId)]| {
        let shown: Vec<String> = ps
            .iter()
            .take(3)
            .map(|(a, b)| format!("{} → {}", name(a), name(b)))
            .collect();
        let more = if ps.len() > 3 {
            format!(" and {} more", ps.len() - 3)
        } else {
            String::new()
        };
        format!("{}{more}", shown.join(", "))
    };
    match action {
        Action::Crash(n) => format!("crash {}", name(n)),
        Action::Restart(n) => format!("restart {}", name(n)),
        Action::Slow { node, factor } if *factor == 1.0 => {
            format!("{} back to normal speed", name(node))
        }
        Action::Slow { node, factor } => format!("slow {} ×{factor}", name(node)),
        Action::Partition(ps) => format!("cut {}", pairs(ps)),
        Action::Heal(None) => "heal every cut".to_string(),
        Action::Heal(Some(ps)) => format!("heal {}", pairs(ps)),
        Action::CrashZone(z) => format!("crash zone {z}"),
        Action::RestartZone(z) => format!("restart zone {z}"),
        Action::PartitionZone(z) => format!("cut zone {z} off"),
        Action::HealZone(z) => format!("heal zone {z}"),
        Action::SetLink { from, to, .. } => format!("change link {} → {}", name(from), name(to)),
        Action::SetClock { node, .. } => format!("change {}'s clock", name(node)),
        Action::SetPolicy { caller, callee, .. } => {
            format!("change policy {} → {}", name(caller), name(callee))
        }
        Action::SetLoad { client, .. } => format!("change {}'s load", name(client)),
        Action::SetService { node, .. } => format!("change {}'s capacity", name(node)),
        Action::Canary { service, canary } => format!(
            "canary {} {}",
            name(service),
            version_name(config, *service, canary.version)
        ),
        Action::BlueGreen { service, version } => format!(
            "switch {} to {}",
            name(service),
            version_name(config, *service, *version)
        ),
        Action::Rollback(service) => format!("roll back {}", name(service)),
    }
}

/// The name of version `version` of service `id` ("?" when there is none).
fn version_name(config: &SimConfig, id: NodeId, version: usize) -> String {
    match config.nodes.get(id.index()).map(|n| &n.kind) {
        Some(crate::sim::config::NodeKind::Service(s)) => s.versions.name(version).to_string(),
        _ => "?".to_string(),
    }
}
