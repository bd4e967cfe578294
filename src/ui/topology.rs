//! The cluster as a graph (petgraph): what each node is drawn as, who calls
//! whom, and where nodes go when the scenario file gives no positions.

use egui::{Pos2, pos2};
use petgraph::Direction;
use petgraph::algo::toposort;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::sim::config::{NodeId, NodeKind, SimConfig};

/// Horizontal distance between layers of the automatic layout (world units).
const LAYER_GAP: f32 = 190.0;
/// Vertical distance between nodes of one layer (world units).
const ROW_GAP: f32 = 120.0;

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

/// Every caller → callee pair named by the configuration: a client's
/// target, a service's calls, a cache's backing service, a queue's consumer, a balancer's pool.
pub fn config_edges(config: &SimConfig) -> Vec<(NodeId, NodeId)> {
    let mut out = Vec::new();
    for (i, n) in config.nodes.iter().enumerate() {
        let from = NodeId(i as u32);
        match &n.kind {
            NodeKind::Client(c) => out.push((from, c.target)),
            NodeKind::Service(s) => out.extend(s.calls.iter().map(|c| (from, c.to))),
            NodeKind::Cache(c) => out.push((from, c.backing.to)),
            NodeKind::Queue(q) => out.push((from, q.consumer)),
            NodeKind::StoreClient(c) => out.push((from, c.target)),
            NodeKind::Replica(r) => out.extend(r.peers.iter().map(|&p| (from, p))),
            NodeKind::Raft(r) => out.extend(r.peers.iter().map(|&p| (from, p))),
            NodeKind::Monitor(m) => out.extend(m.watch.iter().map(|&w| (from, w))),
            NodeKind::Balancer(b) => out.extend(b.pool.iter().map(|&to| (from, to))),
        }
    }
    out
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

/// A left-to-right layered layout: each node's layer is its longest path
/// from a node nobody calls; within a layer nodes are ordered by the mean
/// row of their callers, then centred. Cycles (which scenario files do not
/// allow) fall back to one column per node in id order.
pub fn layered_layout(graph: &DiGraph<NodeId, ()>) -> Vec<Pos2> {
    let n = graph.node_count();
    let mut layer = vec![0usize; n];
    match toposort(graph, None) {
        Ok(order) => {
            for v in order {
                let l = layer[v.index()];
                for w in graph.neighbors_directed(v, Direction::Outgoing) {
                    layer[w.index()] = layer[w.index()].max(l + 1);
                }
            }
        }
        Err(_) => layer.iter_mut().enumerate().for_each(|(i, l)| *l = i),
    }
    let layers = layer.iter().copied().max().map_or(0, |m| m + 1);
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); layers];
    for (v, &l) in layer.iter().enumerate() {
        rows[l].push(v);
    }
    let mut row_of = vec![0.0f32; n];
    for members in &mut rows {
        // Barycentre of the callers' rows (already placed: lower layers).
        let key = |v: usize| {
            let callers: Vec<f32> = graph
                .neighbors_directed(NodeIndex::new(v), Direction::Incoming)
                .map(|c| row_of[c.index()])
                .collect();
            if callers.is_empty() {
                v as f32
            } else {
                callers.iter().sum::<f32>() / callers.len() as f32
            }
        };
        let mut keyed: Vec<(f32, usize)> = members.iter().map(|&v| (key(v), v)).collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let count = keyed.len() as f32;
        for (i, &(_, v)) in keyed.iter().enumerate() {
            row_of[v] = i as f32 - (count - 1.0) / 2.0;
        }
        *members = keyed.into_iter().map(|(_, v)| v).collect();
    }
    (0..n)
        .map(|v| pos2(layer[v] as f32 * LAYER_GAP, row_of[v] * ROW_GAP))
        .collect()
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
    fn a_cycle_still_gets_distinct_places() {
        let g = chain(&[(0, 1), (1, 0)], 2);
        let p = layered_layout(&g);
        assert_ne!(p[0], p[1]);
    }
}
