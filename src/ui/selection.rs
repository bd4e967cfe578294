//! What the learner has selected in the graph: nothing, one node, one link
//! (a caller → callee edge), or several nodes.

use std::collections::BTreeSet;

use crate::sim::config::NodeId;

/// The current selection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Selection {
    /// Nothing: the inspector shows the scenario.
    #[default]
    None,
    /// One node.
    Node(NodeId),
    /// The edge from a caller to a callee (and the network links both ways).
    Link {
        /// Caller.
        from: NodeId,
        /// Callee.
        to: NodeId,
    },
    /// Several nodes (shift-click or box).
    Nodes(BTreeSet<NodeId>),
}

impl Selection {
    /// Whether `node` is selected (alone or among several).
    pub fn has_node(&self, node: NodeId) -> bool {
        match self {
            Selection::Node(n) => *n == node,
            Selection::Nodes(set) => set.contains(&node),
            Selection::None | Selection::Link { .. } => false,
        }
    }

    /// Whether the edge `from → to` is selected.
    pub fn has_link(&self, from: NodeId, to: NodeId) -> bool {
        *self == Selection::Link { from, to }
    }

    /// The selected nodes, in id order.
    pub fn nodes(&self) -> Vec<NodeId> {
        match self {
            Selection::Node(n) => vec![*n],
            Selection::Nodes(set) => set.iter().copied().collect(),
            Selection::None | Selection::Link { .. } => Vec::new(),
        }
    }

    /// Adds `node` to the selection, or removes it if it was there (shift-click).
    pub fn toggle(&mut self, node: NodeId) {
        let mut set: BTreeSet<NodeId> = self.nodes().into_iter().collect();
        if !set.remove(&node) {
            set.insert(node);
        }
        *self = Self::from_set(set);
    }

    /// One node, several, or none, from a set.
    pub fn from_set(set: BTreeSet<NodeId>) -> Self {
        match set.len() {
            0 => Selection::None,
            1 => Selection::Node(*set.iter().next().expect("one element")),
            _ => Selection::Nodes(set),
        }
    }

    /// Drops what no longer exists in a scenario of `nodes` nodes.
    pub fn retain_valid(&mut self, nodes: usize) {
        let ok = |n: &NodeId| n.index() < nodes;
        let keep = match self {
            Selection::None => true,
            Selection::Node(n) => ok(n),
            Selection::Link { from, to } => ok(from) && ok(to),
            Selection::Nodes(set) => set.iter().all(ok),
        };
        if !keep {
            *self = Selection::None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_click_builds_and_shrinks_a_group() {
        let mut s = Selection::Node(NodeId(1));
        s.toggle(NodeId(2));
        assert_eq!(s.nodes(), vec![NodeId(1), NodeId(2)]);
        s.toggle(NodeId(1));
        assert_eq!(s, Selection::Node(NodeId(2)));
        s.toggle(NodeId(2));
        assert_eq!(s, Selection::None);
    }

    #[test]
    fn a_link_is_not_a_node_selection() {
        let mut s = Selection::Link {
            from: NodeId(0),
            to: NodeId(1),
        };
        assert!(!s.has_node(NodeId(0)));
        s.toggle(NodeId(3));
        assert_eq!(s, Selection::Node(NodeId(3)));
    }
}
