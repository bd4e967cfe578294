//! How one node looks: a shape per kind (pill for a client, hexagon for a
//! gateway, box for a service, double box for a cache, cylinder for a
//! database, stacked cylinder for a replica, slotted box for a queue), filled
//! with its health colour, with its health also drawn as a mark and said in
//! words under it.

use std::f32::consts::TAU;

use egui::{
    Align2, Color32, CornerRadius, FontId, Painter, Pos2, Rect, Shape, Stroke, StrokeKind, Vec2,
    pos2, vec2,
};

use super::palette;
use super::topology::Role;
use crate::live::{Health, NodeState};

/// Half width and half height of a node at zoom 1, in points.
pub const HALF: Vec2 = vec2(44.0, 24.0);

/// Everything needed to draw one node.
pub struct NodeLook<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its failure domain, written faintly above it.
    pub zone: Option<&'a str>,
    /// What it is drawn as.
    pub role: Role,
    /// Its state now.
    pub state: &'a NodeState,
    /// Selected (drawn with a ring).
    pub selected: bool,
    /// Under the pointer.
    pub hovered: bool,
    /// Attempts per second it sends (what a client's figure shows).
    pub sent_per_s: f64,
    /// Room for the two lines of words under it (not when a neighbour sits there).
    pub details: bool,
}

/// Paints a node centred at `c` at `zoom`, on a background `bg`; `text` is
/// the theme's text colour.
pub fn paint_node(
    painter: &Painter,
    c: Pos2,
    zoom: f32,
    look: &NodeLook<'_>,
    bg: Color32,
    text: Color32,
) {
    let half = HALF * zoom;
    let rect = Rect::from_center_size(c, half * 2.0);
    let health = look.state.health;
    let hue = palette::health(health);
    let fill = palette::lerp(
        bg,
        hue,
        if health == Health::Crashed {
            0.25
        } else {
            0.32
        },
    );
    let width = match health {
        Health::Overloaded => 3.5,
        Health::Crashed => 1.5,
        _ => 2.0,
    } * zoom.clamp(0.6, 1.5);
    let stroke = Stroke::new(width, hue);

    if look.selected {
        let ring = rect.expand(6.0 * zoom.max(0.5));
        painter.rect_stroke(
            ring,
            CornerRadius::same((10.0 * zoom).round().clamp(2.0, 30.0) as u8),
            Stroke::new(2.0, text),
            StrokeKind::Outside,
        );
    } else if look.hovered {
        painter.rect_stroke(
            rect.expand(5.0 * zoom.max(0.5)),
            CornerRadius::same((10.0 * zoom).round().clamp(2.0, 30.0) as u8),
            Stroke::new(1.0, palette::lerp(bg, text, 0.5)),
            StrokeKind::Outside,
        );
    }

    body(painter, rect, look.role, fill, stroke, zoom);
    if health == Health::Crashed {
        // Dashed outline and a cross: the node is down, whatever the colour.
        let cross = Stroke::new(3.0 * zoom.clamp(0.6, 1.5), palette::VERMILLION);
        let r = rect.shrink(4.0 * zoom);
        painter.line_segment([r.left_top(), r.right_bottom()], cross);
        painter.line_segment([r.right_top(), r.left_bottom()], cross);
    }

    // Utilization bar along the bottom edge, inside the shape.
    if look.state.workers.is_some() && health != Health::Crashed {
        let u = look.state.utilization.clamp(0.0, 1.0) as f32;
        let bar = Rect::from_min_max(
            pos2(rect.left() + 8.0 * zoom, rect.bottom() - 7.0 * zoom),
            pos2(rect.right() - 8.0 * zoom, rect.bottom() - 4.0 * zoom),
        );
        painter.rect_filled(bar, 1.0, palette::lerp(bg, text, 0.15));
        let mut full = bar;
        full.set_right(bar.left() + bar.width() * u);
        painter.rect_filled(full, 1.0, hue);
    }

    // Name inside.
    let name_size = (14.0 * zoom).clamp(8.0, 22.0);
    painter.text(
        c - vec2(0.0, 2.0 * zoom),
        Align2::CENTER_CENTER,
        look.name,
        FontId::proportional(name_size),
        text,
    );

    // Its zone, faint, above it: only when there is room (zoomed out, the
    // link labels between close nodes sit there; the inspector still says).
    if let Some(zone) = look.zone.filter(|_| zoom >= 0.75 && look.details) {
        painter.text(
            pos2(c.x, rect.top() - 2.0 * zoom),
            Align2::CENTER_BOTTOM,
            format!("zone {zone}"),
            FontId::proportional((10.0 * zoom).clamp(8.0, 14.0)),
            palette::lerp(bg, text, 0.55),
        );
    }

    // Kind and health in words under it, with the health mark; then figures.
    if look.details && zoom >= 0.45 {
        let small = (11.0 * zoom).clamp(8.0, 15.0);
        let line1 = format!(
            "{} {} · {}",
            palette::health_mark(health),
            look.role.label(),
            health.label()
        );
        let below = pos2(c.x, rect.bottom() + 3.0 * zoom);
        let r1 = painter.text(
            below,
            Align2::CENTER_TOP,
            line1,
            FontId::proportional(small),
            hue_text(hue, text, health),
        );
        let r2 = painter.text(
            pos2(c.x, r1.bottom() + 1.0),
            Align2::CENTER_TOP,
            figures(look.state, look.role, look.sent_per_s),
            FontId::proportional(small),
            palette::lerp(bg, text, 0.75),
        );
        if let Some(d) = &look.state.deploy {
            painter.text(
                pos2(c.x, r2.bottom() + 1.0),
                Align2::CENTER_TOP,
                d.label(),
                FontId::proportional(small),
                palette::lerp(bg, text, 0.9),
            );
        }
    }
}

/// Health words in the health colour, except grey (crashed) which would be
/// too faint: there the text colour is used.
fn hue_text(hue: Color32, text: Color32, h: Health) -> Color32 {
    if h == Health::Crashed { text } else { hue }
}

/// The short line of live figures under a node.
pub fn figures(s: &NodeState, role: Role, sent_per_s: f64) -> String {
    if !s.up {
        return "down".to_string();
    }
    match role {
        Role::Client => format!("sends {sent_per_s:.0}/s"),
        Role::Monitor => match &s.detail {
            Some(d) if !d.peers.is_empty() => {
                let alive = d.peers.iter().filter(|p| p.alive).count();
                format!("{alive} of {} alive", d.peers.len())
            }
            _ => "watching".to_string(),
        },
        _ => {
            let mut out = match s.workers {
                Some(w) => format!("{}/{} busy · q {}", s.busy, w, s.queued),
                None => format!("{} busy · q {}", s.busy, s.queued),
            };
            if s.error_fraction >= 0.001 {
                out.push_str(&format!(" · {:.1}% err", s.error_fraction * 100.0));
            }
            if s.slow > 1.0 {
                out.push_str(&format!(" · {:.1}× slow", s.slow));
            }
            out
        }
    }
}

fn body(p: &Painter, r: Rect, role: Role, fill: Color32, stroke: Stroke, zoom: f32) {
    let radius = |x: f32| CornerRadius::same((x * zoom).round().clamp(0.0, 60.0) as u8);
    match role {
        Role::Client | Role::Monitor => {
            p.rect(
                r,
                CornerRadius::same((r.height() / 2.0).min(120.0) as u8),
                fill,
                stroke,
                StrokeKind::Inside,
            );
        }
        Role::Service => {
            p.rect(r, radius(6.0), fill, stroke, StrokeKind::Inside);
        }
        Role::Cache => {
            p.rect(r, radius(6.0), fill, stroke, StrokeKind::Inside);
            let inner = r.shrink(4.0 * zoom);
            p.rect_stroke(
                inner,
                radius(4.0),
                Stroke::new(1.0, stroke.color),
                StrokeKind::Inside,
            );
        }
        Role::Gateway => {
            let (c, hw, hh) = (r.center(), r.width() / 2.0, r.height() / 2.0);
            let k = hh * 0.8;
            let pts = vec![
                pos2(c.x - hw, c.y),
                pos2(c.x - hw + k, c.y - hh),
                pos2(c.x + hw - k, c.y - hh),
                pos2(c.x + hw, c.y),
                pos2(c.x + hw - k, c.y + hh),
                pos2(c.x - hw + k, c.y + hh),
            ];
            p.add(Shape::convex_polygon(pts, fill, stroke));
        }
        Role::Database | Role::Replica => {
            if role == Role::Replica {
                let back = r.translate(vec2(5.0, -5.0) * zoom);
                cylinder(p, back, fill, Stroke::new(1.0, stroke.color));
            }
            cylinder(p, r, fill, stroke);
        }
        Role::Queue => {
            p.rect(r, radius(3.0), fill, stroke, StrokeKind::Inside);
            let slots = 4;
            let slot_w = 6.0 * zoom;
            for i in 0..slots {
                let x = r.right() - (i as f32 + 1.0) * slot_w - 2.0 * zoom;
                p.line_segment(
                    [
                        pos2(x, r.top() + 4.0 * zoom),
                        pos2(x, r.bottom() - 9.0 * zoom),
                    ],
                    Stroke::new(1.0, stroke.color),
                );
            }
        }
    }
}

/// A cylinder standing in `r`: a body, a bottom rim and a top lid.
fn cylinder(p: &Painter, r: Rect, fill: Color32, stroke: Stroke) {
    let ry = (r.height() * 0.16).max(2.0);
    let rx = r.width() / 2.0;
    let top = pos2(r.center().x, r.top() + ry);
    let bottom = pos2(r.center().x, r.bottom() - ry);
    p.add(Shape::ellipse_filled(bottom, vec2(rx, ry), fill));
    p.rect_filled(
        Rect::from_min_max(pos2(r.left(), top.y), pos2(r.right(), bottom.y)),
        0.0,
        fill,
    );
    // Bottom rim: the lower half of an ellipse.
    let rim: Vec<Pos2> = (0..=16)
        .map(|i| {
            let a = TAU / 2.0 * i as f32 / 16.0;
            pos2(bottom.x + rx * a.cos(), bottom.y + ry * a.sin())
        })
        .collect();
    p.add(Shape::line(rim, stroke));
    p.line_segment([pos2(r.left(), top.y), pos2(r.left(), bottom.y)], stroke);
    p.line_segment([pos2(r.right(), top.y), pos2(r.right(), bottom.y)], stroke);
    p.add(Shape::ellipse_filled(top, vec2(rx, ry), fill));
    p.add(Shape::ellipse_stroke(top, vec2(rx, ry), stroke));
}

/// Where the segment from the centre of a node of half size `half` towards
/// `toward` leaves the node's box (a little outside it).
pub fn boundary_point(center: Pos2, half: Vec2, toward: Pos2) -> Pos2 {
    let d = toward - center;
    if d.length_sq() < 1e-6 {
        return center;
    }
    let tx = if d.x.abs() > 1e-6 {
        half.x / d.x.abs()
    } else {
        f32::INFINITY
    };
    let ty = if d.y.abs() > 1e-6 {
        half.y / d.y.abs()
    } else {
        f32::INFINITY
    };
    let t = tx.min(ty);
    center + d * t + d.normalized() * 4.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_point_is_on_the_box_edge() {
        let c = pos2(0.0, 0.0);
        let p = boundary_point(c, vec2(10.0, 5.0), pos2(100.0, 0.0));
        assert!((p.x - 14.0).abs() < 1e-4 && p.y.abs() < 1e-4);
        let p = boundary_point(c, vec2(10.0, 5.0), pos2(0.0, -100.0));
        assert!((p.y + 9.0).abs() < 1e-4);
    }
}
