//! The cluster as a graph (petgraph): what each node is drawn as, who calls
//! whom, and where nodes go when the scenario file gives no positions.

use egui::{Pos2, pos2};
use petgraph::Direction;
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::sim::config::{NodeId, NodeKind, SimConfig};

/// Horizontal distance between layers of the automatic layout (world units).
const LAYER_GAP: f32 = 190.0;
/// Vertical distance between nodes of one layer (world units).
const ROW_GAP: f32 = 120.0;
/// Distance between neighbours on a ring of mutually calling nodes: wider
/// than `ROW_GAP`, because a ring's nodes sit side by side as well as one
/// above another, and each has its zone above it and its state below.
const RING_GAP: f32 = 170.0;
/// Most nodes a layer stacks in one column; a larger layer of single nodes
/// (a wide fan-out) wraps into several columns, so the graph still fits
/// the view at a readable zoom.
const MAX_ROWS: usize = 6;
/// Horizontal distance between the columns of a wrapped layer.
const WRAP_GAP: f32 = 140.0;

/// What a node is drawn as. The engine knows clients, services, caches and
/// queues; gateways, databases and replicas are services recognised by
/// their place in the graph and their name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Generates requests.
    Client,
    /// A service that clients call.
    Gateway,
    /// Any other service.
    Service,
    /// A cache in front of a backing service.
    Cache,
    /// A service that calls nobody and looks like storage.
    Database,
    /// A database copy (named so).
    Replica,
    /// An asynchronous queue.
    Queue,
    /// A failure detector probing the nodes it watches.
    Monitor,
}

impl Role {
    /// A lowercase word for the role, shown under the node's name.
    pub fn label(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Gateway => "gateway",
            Role::Service => "service",
            Role::Cache => "cache",
            Role::Database => "database",
            Role::Replica => "replica",
            Role::Queue => "queue",
            Role::Monitor => "monitor",
        }
    }

    /// Whether the node only sends (a client or a monitor): it has no queue
    /// or work time to show or slow down.
    pub fn is_caller_only(self) -> bool {
        matches!(self, Role::Client | Role::Monitor)
    }
}

/// The topology of a scenario, built once per loaded scenario.
pub struct Topology {
    /// Who calls whom; node weights are the engine's ids.
    pub graph: DiGraph<NodeId, ()>,
    /// What each node is drawn as, by `NodeId` index.
    pub roles: Vec<Role>,
    /// Where each node goes, in world units: from the file when every node
    /// has a position there, else from [`layered_layout`].
    pub positions: Vec<Pos2>,
}

impl Topology {
    /// Builds the topology of `config` with the given caller → callee edges.
    pub fn new(config: &SimConfig, edges: &[(NodeId, NodeId)]) -> Self {
        let mut graph = DiGraph::with_capacity(config.nodes.len(), edges.len());
        for i in 0..config.nodes.len() {
            graph.add_node(NodeId(i as u32));
        }
        for &(from, to) in edges {
            if from.index() < config.nodes.len() && to.index() < config.nodes.len() {
                graph.update_edge(NodeIndex::new(from.index()), NodeIndex::new(to.index()), ());
            }
        }
        let roles = (0..config.nodes.len())
            .map(|i| role_of(config, &graph, i))
            .collect();
        let file_positions: Option<Vec<Pos2>> = config
            .nodes
            .iter()
            .map(|n| n.position.map(|(x, y)| pos2(x, y)))
            .collect();
        let positions = file_positions.unwrap_or_else(|| layered_layout(&graph));
        Topology {
            graph,
            roles,
            positions,
        }
    }

    /// The callees of `node`, in the order the edges were given.
    pub fn callees(&self, node: NodeId) -> Vec<NodeId> {
        if node.index() >= self.graph.node_count() {
            return Vec::new();
        }
        let mut out: Vec<NodeId> = self
            .graph
            .neighbors_directed(NodeIndex::new(node.index()), Direction::Outgoing)
            .map(|n| self.graph[n])
            .collect();
        // petgraph lists the newest edge first.
        out.reverse();
        out
    }
}

fn role_of(config: &SimConfig, graph: &DiGraph<NodeId, ()>, i: usize) -> Role {
    let node = &config.nodes[i];
    match node.kind {
        NodeKind::Client(_) | NodeKind::StoreClient(_) => Role::Client,
        NodeKind::Monitor(_) => Role::Monitor,
        NodeKind::Replica(_) | NodeKind::Raft(_) => Role::Replica,
        NodeKind::Cache(_) => Role::Cache,
        NodeKind::Queue(_) => Role::Queue,
        NodeKind::Balancer(_) => Role::Gateway,
        NodeKind::Service(ref s) => {
            let name = node.name.to_ascii_lowercase();
            let me = NodeIndex::new(i);
            let called_by_client = graph
                .neighbors_directed(me, Direction::Incoming)
                .any(|c| matches!(config.nodes[c.index()].kind, NodeKind::Client(_)));
            let storage_name = [
                "db", "database", "store", "sql", "postgres", "mysql", "mongo",
            ]
            .iter()
            .any(|w| name.contains(w));
            if name.contains("replica") {
                Role::Replica
            } else if s.calls.is_empty() && storage_name {
                Role::Database
            } else if called_by_client && !s.calls.is_empty() {
                Role::Gateway
            } else {
                Role::Service
            }
        }
    }
}

/// A left-to-right layered layout. Nodes that call each other in a cycle
/// (a store's replicas, a Raft group) form one group, drawn as a ring (a
/// pair as a column) so every peer arrow stays clear of the other nodes.
/// A group's layer is its longest call path from a group nobody calls;
/// within a layer groups are ordered by the mean height of their callers
/// (then by their first node's id) and centred.
pub fn layered_layout(graph: &DiGraph<NodeId, ()>) -> Vec<Pos2> {
    let n = graph.node_count();
    // Strongly connected components, in reverse topological order.
    let mut groups = tarjan_scc(graph);
    groups.reverse();
    for g in &mut groups {
        g.sort();
    }
    let mut group_of = vec![0usize; n];
    for (c, members) in groups.iter().enumerate() {
        for v in members {
            group_of[v.index()] = c;
        }
    }
    let mut layer = vec![0usize; groups.len()];
    for (c, members) in groups.iter().enumerate() {
        for &v in members {
            for w in graph.neighbors_directed(v, Direction::Outgoing) {
                let d = group_of[w.index()];
                if d != c {
                    layer[d] = layer[d].max(layer[c] + 1);
                }
            }
        }
    }
    let layers = layer.iter().copied().max().map_or(0, |m| m + 1);
    let mut by_layer: Vec<Vec<usize>> = vec![Vec::new(); layers];
    for (c, &l) in layer.iter().enumerate() {
        by_layer[l].push(c);
    }
    let mut out = vec![Pos2::ZERO; n];
    let mut x = 0.0f32;
    let mut previous_half_width = 0.0f32;
    for members in &mut by_layer {
        // Mean height of the callers outside the group (already placed).
        let key = |c: usize| {
            let ys: Vec<f32> = groups[c]
                .iter()
                .flat_map(|&v| graph.neighbors_directed(v, Direction::Incoming))
                .filter(|u| group_of[u.index()] != c)
                .map(|u| out[u.index()].y)
                .collect();
            if ys.is_empty() {
                0.0
            } else {
                ys.iter().sum::<f32>() / ys.len() as f32
            }
        };
        let mut keyed: Vec<(f32, usize, usize)> = members
            .iter()
            .map(|&c| (key(c), groups[c][0].index(), c))
            .collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let singles = keyed.iter().all(|&(_, _, c)| groups[c].len() == 1);
        if singles && keyed.len() > MAX_ROWS {
            let nodes: Vec<usize> = keyed
                .iter()
                .map(|&(_, _, c)| groups[c][0].index())
                .collect();
            let half_width = wrapped_half_width(nodes.len());
            if x > 0.0 || previous_half_width > 0.0 {
                x += previous_half_width + half_width;
            }
            place_wrapped(&nodes, x, &mut out);
            x += LAYER_GAP;
            previous_half_width = half_width;
            continue;
        }
        let shapes: Vec<GroupShape> = keyed
            .iter()
            .map(|&(_, _, c)| GroupShape::of(groups[c].len()))
            .collect();
        let half_width = shapes.iter().map(|s| s.radius).fold(0.0, f32::max);
        if x > 0.0 || previous_half_width > 0.0 {
            x += previous_half_width + half_width;
        }
        let height: f32 = shapes.iter().map(|s| s.height()).sum::<f32>()
            + ROW_GAP * (shapes.len().saturating_sub(1)) as f32;
        let mut top = -height / 2.0;
        for (&(_, _, c), shape) in keyed.iter().zip(&shapes) {
            let centre = pos2(x, top + shape.height() / 2.0);
            for (i, v) in groups[c].iter().enumerate() {
                out[v.index()] = centre + shape.offset(i, groups[c].len());
            }
            top += shape.height() + ROW_GAP;
        }
        x += LAYER_GAP;
        previous_half_width = half_width;
    }
    out
}

/// Columns a layer of `n` single nodes wraps into (one when it fits).
fn wrapped_columns(n: usize) -> usize {
    n.div_ceil(MAX_ROWS).max(1)
}

/// Half the width a layer of `n` single nodes takes, wrapped.
fn wrapped_half_width(n: usize) -> f32 {
    (wrapped_columns(n) - 1) as f32 * WRAP_GAP / 2.0
}

/// Places the single nodes `nodes` (in their layer's order) row by row
/// into columns centred on `x`, each column shifted down by a fraction of a
/// row from the one before, so an arrow from the layer before to a far
/// column passes between the nearer columns' nodes rather than through them.
fn place_wrapped(nodes: &[usize], x: f32, out: &mut [Pos2]) {
    let columns = wrapped_columns(nodes.len());
    let rows = nodes.len().div_ceil(columns);
    let left = x - wrapped_half_width(nodes.len());
    let stagger = ROW_GAP / columns as f32;
    let top = -((rows - 1) as f32 * ROW_GAP + (columns - 1) as f32 * stagger) / 2.0;
    for (j, &v) in nodes.iter().enumerate() {
        let (row, column) = (j / columns, j % columns);
        out[v] = pos2(
            left + column as f32 * WRAP_GAP,
            top + row as f32 * ROW_GAP + column as f32 * stagger,
        );
    }
}

/// How a group of mutually calling nodes is drawn: one node at its centre,
/// two in a column, more on a ring whose neighbours are `RING_GAP` apart.
struct GroupShape {
    /// The ring's radius (0 for one or two nodes).
    radius: f32,
    /// Extra height of a two-node column.
    column: f32,
}

impl GroupShape {
    fn of(members: usize) -> Self {
        match members {
            0 | 1 => GroupShape {
                radius: 0.0,
                column: 0.0,
            },
            2 => GroupShape {
                radius: 0.0,
                column: ROW_GAP,
            },
            k => GroupShape {
                radius: RING_GAP / (2.0 * (std::f32::consts::PI / k as f32).sin()),
                column: 0.0,
            },
        }
    }

    /// Height the group takes in its layer's column.
    fn height(&self) -> f32 {
        2.0 * self.radius + self.column
    }

    /// Where member `i` of `k` goes, from the group's centre: clockwise
    /// round the ring from the top.
    fn offset(&self, i: usize, k: usize) -> egui::Vec2 {
        if self.radius == 0.0 {
            return egui::vec2(0.0, (i as f32 - 0.5) * self.column);
        }
        let angle = std::f32::consts::TAU * i as f32 / k as f32;
        egui::vec2(angle.sin(), -angle.cos()) * self.radius
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(edges: &[(u32, u32)], n: usize) -> DiGraph<NodeId, ()> {
        let mut g = DiGraph::new();
        for i in 0..n {
            g.add_node(NodeId(i as u32));
        }
        for &(a, b) in edges {
            g.add_edge(NodeIndex::new(a as usize), NodeIndex::new(b as usize), ());
        }
        g
    }

    #[test]
    fn layers_follow_the_longest_call_path() {
        // 0 -> 1 -> 2 -> 3, and 1 -> 3 directly: 3 goes after 2.
        let g = chain(&[(0, 1), (1, 2), (2, 3), (1, 3)], 4);
        let p = layered_layout(&g);
        assert!(p[0].x < p[1].x && p[1].x < p[2].x && p[2].x < p[3].x);
    }

    #[test]
    fn nodes_of_one_layer_do_not_overlap() {
        let g = chain(&[(0, 1), (0, 2), (0, 3)], 4);
        let p = layered_layout(&g);
        assert_eq!(p[1].x, p[2].x);
        assert!((p[1].y - p[2].y).abs() >= ROW_GAP - 0.1);
        assert!((p[2].y - p[3].y).abs() >= ROW_GAP - 0.1);
    }

    #[test]
    fn a_wide_fan_out_wraps_into_columns_no_taller_than_max_rows() {
        // 0 calls 20 nodes; 1..=20 form one layer.
        let edges: Vec<(u32, u32)> = (1..=20).map(|i| (0, i)).collect();
        let g = chain(&edges, 21);
        let p = layered_layout(&g);
        let fan = &p[1..=20];
        let (top, bottom) = fan
            .iter()
            .fold((f32::MAX, f32::MIN), |(t, b), q| (t.min(q.y), b.max(q.y)));
        assert!(
            bottom - top <= MAX_ROWS as f32 * ROW_GAP,
            "{}",
            bottom - top
        );
        assert!(fan.iter().all(|q| q.x > p[0].x + LAYER_GAP / 2.0));
        for a in 0..20 {
            for b in a + 1..20 {
                let d = fan[a] - fan[b];
                // Apart by a column or by most of a row.
                assert!(
                    d.x.abs() >= WRAP_GAP - 0.1 || d.y.abs() >= ROW_GAP - 0.1,
                    "{a} {b}"
                );
            }
        }
        // A layer that fits stays one column.
        let g = chain(&[(0, 1), (0, 2), (0, 3)], 4);
        let p = layered_layout(&g);
        assert!(p[1].x == p[2].x && p[2].x == p[3].x);
    }

    #[test]
    fn a_cycle_still_gets_distinct_places() {
        let g = chain(&[(0, 1), (1, 0)], 2);
        let p = layered_layout(&g);
        assert_ne!(p[0], p[1]);
    }

    #[test]
    fn replicas_that_call_each_other_form_a_ring_after_their_clients() {
        // Clients 0 and 1 call replicas 2 and 6 of a five-replica group
        // whose members all call each other.
        let mut edges = vec![(0, 2), (1, 6)];
        for a in 2..7 {
            for b in 2..7 {
                if a != b {
                    edges.push((a, b));
                }
            }
        }
        let g = chain(&edges, 7);
        let p = layered_layout(&g);
        let ring = &p[2..7];
        // Every replica is right of both clients, on one circle, and
        // neighbours on it are RING_GAP apart.
        assert!(ring.iter().all(|r| r.x > p[0].x && r.x > p[1].x));
        let centre = ring.iter().fold(egui::Vec2::ZERO, |a, r| a + r.to_vec2()) / 5.0;
        let radius = (ring[0].to_vec2() - centre).length();
        for (i, r) in ring.iter().enumerate() {
            assert!(((r.to_vec2() - centre).length() - radius).abs() < 0.01);
            let next = ring[(i + 1) % 5];
            assert!(((next - *r).length() - RING_GAP).abs() < 0.01);
        }
        // No replica sits on the straight line between two others.
        for a in 0..5 {
            for b in 0..5 {
                for c in 0..5 {
                    if a != b && b != c && a != c {
                        let (u, v, w) = (ring[a], ring[b], ring[c]);
                        let cross = (v - u).x * (w - u).y - (v - u).y * (w - u).x;
                        assert!(cross.abs() > 1000.0, "{a} {b} {c}");
                    }
                }
            }
        }
    }
}
