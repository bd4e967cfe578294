//! What a submission must keep from the lab's starting scenario.
//!
//! A lab is about changing some knobs and not others: deleting the outage
//! from the timeline, halving the load or buying a database ten times larger
//! would "pass" most objectives while teaching nothing. A lab file names the
//! parts it holds fixed (by default the timeline, the workload and the links);
//! [`changes`] lists how a scenario departs from them, by name, so that adding
//! or reordering nodes does not count as a change.
//!
//! The seed, the duration and the metrics window are not compared: a check
//! always runs with the lab's own (see `check`).

use std::fmt;

use serde::Serialize;

use crate::sim::config::{Action, NodeConfig, NodeKind, PolicyConfig, SimConfig};
use crate::sim::time::SimTime;

/// One part of the starting scenario that a submission must keep.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Fixed {
    /// The timeline: every scripted action, at its time.
    Timeline,
    /// The clients: the same ones, each with the same target, load, keys,
    /// writes and priorities. Their call policy and in-flight limit are free.
    Workload,
    /// The network: the default link and every listed link.
    Links,
    /// What one node is: its kind, capacity and cost (workers, work time,
    /// error rate, whether its operation is idempotent; a cache's hit time; a
    /// queue's consumer), whom it calls and how (one after another or all at
    /// once), its zone and its clock. Not the mechanisms a learner adds: call
    /// policies, fallbacks, queue bounds, idempotency keys, rate limits,
    /// shedding, cache size and TTL, broker settings.
    Node(String),
}

impl Fixed {
    /// What is held fixed when a lab file does not say.
    pub fn defaults() -> Vec<Fixed> {
        vec![Fixed::Timeline, Fixed::Workload, Fixed::Links]
    }
}

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fixed::Timeline => write!(f, "the timeline"),
            Fixed::Workload => write!(f, "the workload"),
            Fixed::Links => write!(f, "the network links"),
            Fixed::Node(n) => write!(f, "node {n:?}"),
        }
    }
}

/// How `candidate` departs from `start` in the parts `fixed` names, one
/// sentence each; empty when it keeps them all.
pub fn changes(fixed: &[Fixed], start: &SimConfig, candidate: &SimConfig) -> Vec<String> {
    let mut out = Vec::new();
    for part in fixed {
        match part {
            Fixed::Timeline => timeline(start, candidate, &mut out),
            Fixed::Workload => workload(start, candidate, &mut out),
            Fixed::Links => links(start, candidate, &mut out),
            Fixed::Node(name) => node(name, start, candidate, &mut out),
        }
    }
    out
}

/// `config` with each call-policy change at time 0 (`At("0s",
/// SetPolicy(..))`) written into the caller's call instead of the timeline.
///
/// A learner who sets a knob in the window before pressing play records it
/// as an action at 0 s, and a saved file keeps it in the timeline. It is a
/// policy, which a lab leaves free, not a scripted event: folded in, it
/// does not count as a change of the fixed timeline. The run differs only
/// for a call started at exactly 0 s, before the action would have applied
/// (`tests/it/labs.rs` checks a lab's runs are the same). An action whose
/// caller does not call the callee stays in the timeline.
pub fn fold_initial_policies(config: &SimConfig) -> SimConfig {
    let mut out = config.clone();
    out.timeline.retain(|t| match &t.action {
        Action::SetPolicy {
            caller,
            callee,
            policy,
        } if t.at == SimTime::ZERO => match out.nodes.get_mut(caller.index()) {
            Some(node) => !set_call_policy(node, *callee, policy),
            None => true,
        },
        _ => true,
    });
    out
}

/// Sets `node`'s policy for its calls to `callee`; false if it makes none.
fn set_call_policy(
    node: &mut NodeConfig,
    callee: crate::sim::config::NodeId,
    policy: &PolicyConfig,
) -> bool {
    let mut found = false;
    match &mut node.kind {
        NodeKind::Client(c) if c.target == callee => {
            c.policy = policy.clone();
            found = true;
        }
        NodeKind::Service(s) => {
            for call in s.calls.iter_mut().filter(|c| c.to == callee) {
                call.policy = policy.clone();
                found = true;
            }
        }
        NodeKind::Cache(c) if c.backing.to == callee => {
            c.backing.policy = policy.clone();
            found = true;
        }
        _ => {}
    }
    found
}

fn timeline(start: &SimConfig, candidate: &SimConfig, out: &mut Vec<String>) {
    let render = |c: &SimConfig| -> Vec<String> {
        c.timeline
            .iter()
            .map(|t| {
                format!(
                    "{} {}",
                    t.at.as_nanos(),
                    named(&format!("{:?}", t.action), c)
                )
            })
            .collect()
    };
    let (a, b) = (render(start), render(candidate));
    if a.len() != b.len() {
        out.push(format!(
            "the timeline has {} entries; the lab's has {} and keeps them as given",
            b.len(),
            a.len()
        ));
    } else if let Some(i) = a.iter().zip(&b).position(|(x, y)| x != y) {
        out.push(format!(
            "timeline entry {} (at {}) differs from the lab's, which keeps the timeline as given",
            i + 1,
            candidate.timeline[i].at
        ));
    }
}

fn workload(start: &SimConfig, candidate: &SimConfig, out: &mut Vec<String>) {
    let clients = |c: &SimConfig| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = c
            .nodes
            .iter()
            .filter_map(|n| match &n.kind {
                NodeKind::Client(k) => {
                    let what = format!(
                        "{:?} {:?} {:?} {:?} {:?}",
                        k.target, k.load, k.keys, k.write_fraction, k.priorities
                    );
                    Some((n.name.clone(), named(&what, c)))
                }
                _ => None,
            })
            .collect();
        v.sort();
        v
    };
    let (a, b) = (clients(start), clients(candidate));
    for (name, what) in &a {
        match b.iter().find(|(n, _)| n == name) {
            None => out.push(format!("the client {name:?} is missing")),
            Some((_, w)) if w != what => out.push(format!(
                "the client {name:?} sends a different workload (target, load, keys, writes or priorities)"
            )),
            Some(_) => {}
        }
    }
    for (name, _) in &b {
        if !a.iter().any(|(n, _)| n == name) {
            out.push(format!("the client {name:?} is not in the lab's workload"));
        }
    }
}

fn links(start: &SimConfig, candidate: &SimConfig, out: &mut Vec<String>) {
    if start.default_link != candidate.default_link {
        out.push("the default link differs from the lab's".to_string());
    }
    let render = |c: &SimConfig| -> Vec<String> {
        let mut v: Vec<String> = c
            .links
            .iter()
            .map(|l| named(&format!("{:?} {:?} {:?}", l.from, l.to, l.model), c))
            .collect();
        v.sort();
        v
    };
    if render(start) != render(candidate) {
        out.push("the links between nodes differ from the lab's".to_string());
    }
}

fn node(name: &str, start: &SimConfig, candidate: &SimConfig, out: &mut Vec<String>) {
    let find = |c: &SimConfig| c.nodes.iter().find(|n| n.name == name).cloned();
    let (Some(a), Some(b)) = (find(start), find(candidate)) else {
        if find(start).is_some() {
            out.push(format!("the node {name:?} is missing"));
        }
        return;
    };
    let (a, b) = (nature(&a, start), nature(&b, candidate));
    let differ: Vec<&str> = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| x != y)
        .map(|(x, _)| x.0)
        .collect();
    if a.len() != b.len() || differ.first() == Some(&"kind") {
        out.push(format!("the node {name:?} is a different kind of node"));
    } else if !differ.is_empty() {
        out.push(format!(
            "the node {name:?} changed what the lab keeps fixed: {}",
            differ.join(", ")
        ));
    }
}

/// The aspects of a node [`Fixed::Node`] compares, as (aspect, rendering).
fn nature(n: &NodeConfig, c: &SimConfig) -> Vec<(&'static str, String)> {
    let mut v = vec![
        ("kind", n.kind.label().to_string()),
        ("zone", format!("{:?}", n.zone)),
        ("clock", format!("{:?}", n.clock)),
    ];
    match &n.kind {
        NodeKind::Service(s) => {
            let callees: Vec<_> = s.calls.iter().map(|k| k.to).collect();
            v.extend([
                ("workers", s.workers.to_string()),
                ("work time", format!("{:?}", s.work)),
                ("error rate", format!("{:?}", s.error_rate)),
                ("operation", format!("{:?}", s.operation)),
                ("calls", named(&format!("{callees:?} {:?}", s.call_mode), c)),
                ("versions", format!("{:?}", s.versions)),
            ]);
        }
        NodeKind::Cache(k) => v.extend([
            ("hit time", format!("{:?}", k.hit_time)),
            ("backing", named(&format!("{:?}", k.backing.to), c)),
        ]),
        NodeKind::Queue(q) => v.push(("consumer", named(&format!("{:?}", q.consumer), c))),
        NodeKind::Replica(r) => v.extend([
            ("peers", named(&format!("{:?}", r.peers), c)),
            (
                "quorums",
                format!("R={} W={}", r.read_quorum, r.write_quorum),
            ),
            ("resolve", format!("{:?} {:?}", r.resolve, r.mode)),
        ]),
        NodeKind::StoreClient(s) => v.push(("target", named(&format!("{:?}", s.target), c))),
        NodeKind::Monitor(m) => v.push(("watch", named(&format!("{:?}", m.watch), c))),
        NodeKind::Raft(r) => v.push(("peers", named(&format!("{:?}", r.peers), c))),
        NodeKind::Balancer(b) => v.extend([
            ("pool", named(&format!("{:?}", b.pool), c)),
            ("strategy", format!("{:?}", b.strategy)),
        ]),
        NodeKind::Client(_) => {}
    }
    v
}

/// `text` with every `NodeId(k)` replaced by the node's quoted name.
fn named(text: &str, c: &SimConfig) -> String {
    const TAG: &str = "NodeId(";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(TAG) {
        out.push_str(&rest[..i]);
        let after = &rest[i + TAG.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let name = after[..digits]
            .parse::<usize>()
            .ok()
            .and_then(|k| c.nodes.get(k))
            .filter(|_| after[digits..].starts_with(')'));
        match name {
            Some(n) => {
                out.push_str(&format!("{:?}", n.name));
                rest = &after[digits + 1..];
            }
            None => {
                out.push_str(TAG);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}
