//! Failure domains: the nodes a zone holds and the links that cut it off.
//! Zone actions keep the zone's name and are resolved here when applied, so
//! a saved timeline says `CrashZone("b")`, not a list of nodes.

use std::collections::BTreeSet;

use super::config::{NodeId, SimConfig};

impl SimConfig {
    /// The nodes placed in `zone`, in file order (empty for an unknown zone).
    pub fn zone_members(&self, zone: &str) -> Vec<NodeId> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].zone.as_deref() == Some(zone))
            .map(|i| NodeId(i as u32))
            .collect()
    }

    /// Every directed link between the zone's nodes and all the others, both
    /// ways: what cutting the zone off from the rest cuts.
    pub fn zone_cut(&self, zone: &str) -> Vec<(NodeId, NodeId)> {
        let members = self.zone_members(zone);
        let n = self.nodes.len() as u32;
        let mut pairs = Vec::new();
        for &g in &members {
            for o in (0..n).map(NodeId).filter(|o| !members.contains(o)) {
                pairs.push((g, o));
                pairs.push((o, g));
            }
        }
        pairs
    }

    /// The zones the nodes are placed in, sorted by name.
    pub fn zones(&self) -> Vec<&str> {
        let zones: BTreeSet<&str> = self
            .nodes
            .iter()
            .filter_map(|n| n.zone.as_deref())
            .collect();
        zones.into_iter().collect()
    }
}
