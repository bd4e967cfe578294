//! The knobs in force now: the scenario's call policies, link models and
//! workloads with every action up to now (file timeline and the learner's
//! recorded actions) applied in the engine's order. Read from the snapshot
//! alone, so the window never asks the simulation.

use std::collections::BTreeMap;

use crate::live::Snapshot;
use crate::sim::config::{
    Action, LinkModel, Load, NodeId, NodeKind, PolicyConfig, ServiceConfig, SimConfig, TimedAction,
};
use crate::sim::time::SimTime;

/// Policies, links and loads as they are at one moment.
#[derive(Clone, Debug, Default)]
pub struct Effective {
    /// Caller → callee call policies.
    pub policies: BTreeMap<(NodeId, NodeId), PolicyConfig>,
    /// Directed links that differ from the default.
    pub links: BTreeMap<(NodeId, NodeId), LinkModel>,
    /// The default link.
    pub default_link: LinkModel,
    /// Each client's workload.
    pub loads: BTreeMap<NodeId, Load>,
    /// Each service's configuration.
    pub services: BTreeMap<NodeId, ServiceConfig>,
}

impl Effective {
    /// The knobs of `snapshot`'s scenario at its current time.
    pub fn of(snapshot: &Snapshot) -> Self {
        Self::at(&snapshot.scenario, &snapshot.recorded, snapshot.now)
    }

    /// The knobs of `config` with `recorded` actions, at `now`.
    pub fn at(config: &SimConfig, recorded: &[TimedAction], now: SimTime) -> Self {
        let mut e = Effective {
            default_link: config.default_link.clone(),
            ..Default::default()
        };
        for (i, n) in config.nodes.iter().enumerate() {
            let id = NodeId(i as u32);
            match &n.kind {
                NodeKind::Client(c) => {
                    e.policies.insert((id, c.target), c.policy.clone());
                    e.loads.insert(id, c.load.clone());
                }
                NodeKind::Service(s) => {
                    for call in &s.calls {
                        e.policies.insert((id, call.to), call.policy.clone());
                    }
                    e.services.insert(id, s.clone());
                }
                NodeKind::Cache(c) => {
                    e.policies
                        .insert((id, c.backing.to), c.backing.policy.clone());
                }
                NodeKind::Queue(_)
                | NodeKind::Replica(_)
                | NodeKind::StoreClient(_)
                | NodeKind::Monitor(_)
                | NodeKind::Raft(_) => {}
                NodeKind::Balancer(b) => {
                    for &to in &b.pool {
                        e.policies.insert((id, to), b.policy.clone());
                    }
                }
            }
        }
        for l in &config.links {
            e.links.insert((l.from, l.to), l.model.clone());
        }
        // The engine's order: by time, file actions before recorded ones at
        // equal times (a stable sort of the file timeline followed by them).
        let mut actions: Vec<&TimedAction> = config
            .timeline
            .iter()
            .chain(recorded.iter())
            .filter(|a| a.at <= now)
            .collect();
        actions.sort_by_key(|a| a.at);
        for a in actions {
            e.apply(&a.action);
        }
        e
    }

    /// The model of the directed link `from → to`.
    pub fn link(&self, from: NodeId, to: NodeId) -> &LinkModel {
        self.links.get(&(from, to)).unwrap_or(&self.default_link)
    }

    fn apply(&mut self, action: &Action) {
        match action {
            Action::SetLink {
                from,
                to,
                latency,
                loss,
                duplicate,
            } => {
                let model = self
                    .link(*from, *to)
                    .changed(latency.as_ref(), *loss, *duplicate);
                self.links.insert((*from, *to), model);
            }
            Action::SetPolicy {
                caller,
                callee,
                policy,
            } => {
                self.policies.insert((*caller, *callee), policy.clone());
            }
            Action::SetLoad { client, load } => {
                self.loads.insert(*client, load.clone());
            }
            Action::SetService { node, change } => {
                if let Some(s) = self.services.get_mut(node) {
                    change.apply_to(s);
                }
            }
            Action::Crash(_)
            | Action::Restart(_)
            | Action::Slow { .. }
            | Action::Partition(_)
            | Action::Heal(_)
            | Action::CrashZone(_)
            | Action::RestartZone(_)
            | Action::PartitionZone(_)
            | Action::HealZone(_)
            | Action::SetClock { .. }
            | Action::Canary { .. }
            | Action::BlueGreen { .. }
            | Action::Rollback(_) => {}
        }
    }
}

/// The scenario's configuration with `seed` and the learner's recorded
/// actions merged into its timeline: what "Save" writes, and what a headless
/// run replays to get the same numbers (the live session merges the same way).
pub fn replay_config(snapshot: &Snapshot) -> SimConfig {
    let mut config = (*snapshot.scenario).clone();
    config.seed = snapshot.seed;
    config.timeline.extend(snapshot.recorded.iter().cloned());
    config.timeline.sort_by_key(|a| a.at);
    config
}
