//! One request's path through the cluster, from its trace: the nodes its
//! spans ran on and the caller → callee hops its attempts took, with how
//! many attempts each hop needed and how many failed. The graph view draws
//! it over the live graph while a trace is open.

use std::collections::BTreeMap;

use crate::metrics::trace::{SpanKind, SpanStatus, Trace};
use crate::sim::config::NodeId;

/// One caller → callee hop of a request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hop {
    /// Attempts sent over it (first tries, retries, hedges, refused calls).
    pub attempts: u32,
    /// Of which failed: an error answer, a timeout, a refusal, an open breaker.
    pub failed: u32,
    /// Of which were abandoned: still out when the call ended another way.
    pub abandoned: u32,
    /// Of which were retries.
    pub retries: u32,
    /// Of which were hedges.
    pub hedges: u32,
}

impl Hop {
    /// Short words for the hop: "2 attempts · 1 failed · retry".
    pub fn text(&self) -> String {
        let mut t = match self.attempts {
            1 => "1 attempt".to_string(),
            n => format!("{n} attempts"),
        };
        for (n, word) in [
            (self.failed, "failed"),
            (self.abandoned, "abandoned"),
            (self.retries, "retry"),
            (self.hedges, "hedge"),
        ] {
            if n > 0 {
                t.push_str(&format!(" · {n} {word}"));
            }
        }
        t
    }
}

/// The path of one request: what the graph highlights.
#[derive(Clone, Debug, PartialEq)]
pub struct TracePath {
    /// The request's root id (as the traces window shows it).
    pub request: u64,
    /// Every node a span of the request ran on or called, in id order.
    pub nodes: Vec<NodeId>,
    /// Every hop an attempt took, by (caller, callee).
    pub hops: BTreeMap<(NodeId, NodeId), Hop>,
    /// Whether the request failed.
    pub failed: bool,
}

impl TracePath {
    /// The path `trace` took.
    pub fn of(trace: &Trace) -> TracePath {
        let mut nodes = vec![NodeId(trace.client)];
        let mut hops: BTreeMap<(NodeId, NodeId), Hop> = BTreeMap::new();
        for s in &trace.spans {
            nodes.push(NodeId(s.node));
            nodes.extend(s.peer.map(NodeId));
            if s.kind != SpanKind::Attempt {
                continue;
            }
            let Some(peer) = s.peer else { continue };
            let hop = hops.entry((NodeId(s.node), NodeId(peer))).or_default();
            hop.attempts += 1;
            hop.failed += u32::from(matches!(s.status, SpanStatus::Failed(_)));
            hop.abandoned += u32::from(s.status == SpanStatus::Abandoned);
            hop.retries += u32::from(s.retry);
            hop.hedges += u32::from(s.hedge);
        }
        nodes.sort();
        nodes.dedup();
        TracePath {
            request: trace.root.0 & 0xff_ffff_ffff,
            nodes,
            hops,
            failed: trace.result.is_some_and(|r| r.is_err()),
        }
    }

    /// Whether the request touched `node`.
    pub fn has_node(&self, node: NodeId) -> bool {
        self.nodes.binary_search(&node).is_ok()
    }

    /// The hop from `from` to `to`, if the request took it.
    pub fn hop(&self, from: NodeId, to: NodeId) -> Option<&Hop> {
        self.hops.get(&(from, to))
    }

    /// The path in words, naming nodes with `name`: "request 42 (failed):
    /// users, api, db".
    pub fn describe(&self, name: impl Fn(NodeId) -> String) -> String {
        let names: Vec<String> = self.nodes.iter().map(|&n| name(n)).collect();
        format!(
            "Path of request {}{}: {}",
            self.request,
            if self.failed { " (failed)" } else { "" },
            names.join(", ")
        )
    }
}
