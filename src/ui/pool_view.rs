//! A balancer's pool in the window: the inspector's list of its replicas
//! (healthy, suspected by the health checks, or ejected as an outlier) and
//! the small mark the graph puts on the link to a replica that is not healthy.

use egui::{Align2, Color32, FontId, Grid, Painter, Pos2, RichText, Stroke, Ui};

use super::palette;
use crate::live::{NodeState, Snapshot};
use crate::sim::config::NodeId;
use crate::sim::view::{MemberState, PoolMember};

/// The colour and one-character mark of a pool member's state (the mark
/// says it without the colour).
fn look(state: MemberState) -> (Color32, &'static str) {
    match state {
        MemberState::Healthy => (palette::GREEN, "●"),
        MemberState::Suspected => (palette::ORANGE, "?"),
        MemberState::Ejected => (palette::VERMILLION, "⊘"),
    }
}

/// Draws the inspector's "Pool" section of a balancer (nothing for other nodes).
pub fn show(ui: &mut Ui, snapshot: &Snapshot, pool: &[PoolMember]) {
    if pool.is_empty() {
        return;
    }
    let name = |id: NodeId| {
        snapshot
            .scenario
            .nodes
            .get(id.index())
            .map_or("?", |n| n.name.as_str())
    };
    ui.add_space(6.0);
    ui.label(RichText::new("Pool").strong()).on_hover_text(
        "Suspected: its health checks went unanswered (no new requests until it \
         answers again; if every replica is suspected the balancer routes to all). \
         Ejected: it failed too many requests in a row (outlier ejection).",
    );
    Grid::new("balancer-pool")
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            for m in pool {
                ui.label(name(m.node));
                let (colour, mark) = look(m.state);
                let mut text = format!("{mark} {}", m.state.label());
                if m.state != MemberState::Healthy && m.routed {
                    text.push_str(" (routed: failing open)");
                }
                ui.colored_label(colour, text);
                ui.label(
                    m.heard_ms_ago
                        .map_or(String::new(), |ms| format!("answered {ms:.0} ms ago")),
                );
                ui.end_row();
            }
        });
}

/// The state `caller`'s pool gives `to`, when `caller` is a balancer and
/// `to` is a member that is not healthy.
pub fn unhealthy(caller: &NodeState, to: NodeId) -> Option<MemberState> {
    caller
        .pool
        .iter()
        .find(|m| m.node == to)
        .map(|m| m.state)
        .filter(|&s| s != MemberState::Healthy)
}

/// Marks the link `p0 → p1` to a suspected or ejected pool member: a small
/// ringed "?" or "⊘" just before the arrow's end.
pub fn paint_mark(
    painter: &Painter,
    (p0, p1): (Pos2, Pos2),
    state: MemberState,
    zoom: f32,
    bg: Color32,
) {
    let d = p1 - p0;
    let len = d.length().max(1.0);
    let at = p1 - d / len * (14.0 * zoom.min(1.0) + 6.0);
    let r = (6.5 * zoom).clamp(5.0, 9.0);
    let (colour, mark) = look(state);
    painter.circle(at, r, bg, Stroke::new(1.5, colour));
    painter.text(
        at,
        Align2::CENTER_CENTER,
        mark,
        FontId::proportional(r * 1.5),
        colour,
    );
}
