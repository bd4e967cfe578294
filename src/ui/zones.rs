//! The inspector's failure domains: per zone, buttons that crash it, cut it
//! off from the rest, or restore it. Each sends the zone action a file's
//! timeline holds (`CrashZone("b")`, `Partition(zone: "b")`, ...), so a saved
//! session replays the same correlated failure.

use egui::{Button, RichText, Ui};

use crate::live::{Health, Snapshot};
use crate::sim::config::Action;

/// Shows a "Zones" section when the scenario places nodes in zones.
pub fn show(ui: &mut Ui, s: &Snapshot, out: &mut Vec<Action>) {
    let zones = s.scenario.zones();
    if zones.is_empty() {
        return;
    }
    ui.add_space(8.0);
    ui.label(RichText::new("Zones").strong())
        .on_hover_text("Failure domains: crash or cut off every node of a zone at once.");
    for zone in zones {
        let members = s.scenario.zone_members(zone);
        let down = members
            .iter()
            .filter(|id| {
                s.nodes
                    .get(id.index())
                    .is_some_and(|n| n.health == Health::Crashed)
            })
            .count();
        let cut = s.scenario.zone_cut(zone);
        // Cut off: every link to the rest is cut (a partition of another
        // zone cuts some of this zone's links, but does not cut it off).
        let cut_off = !cut.is_empty() && cut.iter().all(|p| s.cuts.contains(p));
        let names: Vec<&str> = members
            .iter()
            .map(|id| s.scenario.nodes[id.index()].name.as_str())
            .collect();
        let mut status = format!("{zone}: {}", names.join(", "));
        if down > 0 {
            status.push_str(&format!(" · {down} down"));
        }
        if cut_off {
            status.push_str(" · cut off");
        }
        ui.label(status);
        ui.horizontal_wrapped(|ui| {
            let mut button = |enabled: bool, verb: &str, hover: &str| {
                ui.add_enabled(enabled, Button::new(format!("{verb} zone {zone}")))
                    .on_hover_text(hover)
                    .clicked()
            };
            if button(
                down < members.len(),
                "Crash",
                "Crash every node of the zone at once.",
            ) {
                out.push(Action::CrashZone(zone.to_string()));
            }
            if button(
                !cut.is_empty() && !cut_off,
                "Partition",
                "Cut every link between the zone and the rest, both ways.",
            ) {
                out.push(Action::PartitionZone(zone.to_string()));
            }
            if button(
                down > 0 || cut_off,
                "Restore",
                "Restart the zone's crashed nodes and heal its cut links.",
            ) {
                if down > 0 {
                    out.push(Action::RestartZone(zone.to_string()));
                }
                if cut_off {
                    out.push(Action::HealZone(zone.to_string()));
                }
            }
        });
    }
}
