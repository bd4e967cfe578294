//! The inspector's section for a Raft node or a monitor: the tail of the
//! Raft log (committed entries marked) and who the node believes is alive.

use egui::{Grid, RichText, Ui};

use super::palette;
use crate::live::Snapshot;
use crate::sim::view::NodeDetail;

/// Draws `detail` (node names from `snapshot`).
pub fn show(ui: &mut Ui, snapshot: &Snapshot, detail: &NodeDetail) {
    let name = |i: usize| {
        snapshot
            .scenario
            .nodes
            .get(i)
            .map_or("?", |n| n.name.as_str())
    };
    if detail.log_len > 0 || detail.leader.is_some() {
        ui.add_space(6.0);
        let leader = detail
            .leader
            .map_or("none known".to_string(), |l| name(l.index()).to_string());
        let snapshot = if detail.compacted > 0 {
            format!(", 1–{} in a snapshot", detail.compacted)
        } else {
            String::new()
        };
        ui.label(
            RichText::new(format!(
                "Log ({} entries{snapshot}) · leader: {leader}",
                detail.log_len
            ))
            .strong(),
        );
        Grid::new("raft-log")
            .num_columns(3)
            .striped(true)
            .show(ui, |ui| {
                for e in &detail.log_tail {
                    ui.label(format!("#{}", e.index));
                    ui.label(format!("term {}", e.term));
                    let text = if e.committed {
                        format!("● {}", e.what)
                    } else {
                        format!("○ {} (not committed)", e.what)
                    };
                    ui.label(text);
                    ui.end_row();
                }
            });
    }
    if !detail.peers.is_empty() {
        ui.add_space(6.0);
        ui.label(RichText::new("Who it believes is alive").strong())
            .on_hover_text(
                "A monitor: its failure detector's verdict. A leader: peers heard from \
                 within the election timeout (its own clock).",
            );
        Grid::new("alive-view")
            .num_columns(3)
            .striped(true)
            .show(ui, |ui| {
                for p in &detail.peers {
                    ui.label(name(p.node.index()));
                    if p.alive {
                        ui.colored_label(palette::GREEN, "● alive");
                    } else {
                        ui.colored_label(palette::VERMILLION, "⊗ suspected");
                    }
                    ui.label(p.heard_ms_ago.map_or("never heard".to_string(), |ms| {
                        format!("heard {ms:.0} ms ago")
                    }));
                    ui.end_row();
                }
            });
    }
}
