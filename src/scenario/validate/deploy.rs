//! Checking and converting service versions and the rollout actions
//! (`Canary`, `BlueGreen`, `Rollback`); see `sim::deploy`.

use super::super::file::{RollbackSpec, VersionSpec};
use super::super::limits;
use super::super::locate::Loc;
use super::super::values::{Dur, Name, Prob};
use super::Checker;
use crate::sim::config::{Action, NodeConfig, NodeId, NodeKind};
use crate::sim::deploy::{BASE_VERSION, CanaryConfig, RollbackBound, VersionConfig, Versions};
use crate::sim::time::SimDuration;

impl Checker<'_> {
    /// A service's `version:` (the base's name) and `versions:`, at `loc` (the service).
    pub(super) fn versions(
        &mut self,
        base: Option<&Name>,
        specs: &[VersionSpec],
        loc: &Loc,
    ) -> Versions {
        let base = base.map_or_else(|| BASE_VERSION.to_string(), |n| n.0.clone());
        let vloc = loc.field("versions");
        if specs.len() + 1 > limits::MAX_VERSIONS {
            self.problem(
                &vloc,
                format!(
                    "{} versions besides the base; the limit is {}",
                    specs.len(),
                    limits::MAX_VERSIONS - 1
                ),
            );
        }
        let mut seen = vec![base.clone()];
        let others = specs
            .iter()
            .enumerate()
            .map(|(k, v)| {
                let name = v.name.0.clone();
                if seen.contains(&name) {
                    self.problem(
                        &vloc.index(k).field("name"),
                        format!(
                            "a version named {name} is already listed (the base version is {base})"
                        ),
                    );
                }
                seen.push(name.clone());
                let format = v.format.map_or(1, |f| f.get() as u8);
                VersionConfig {
                    name,
                    error_rate: v.error_rate.map_or(0.0, |p| p.0),
                    work: v.work.as_ref().map(|d| d.0.clone()),
                    extra_latency: v.extra_latency.as_ref().map(|d| d.0.clone()),
                    format,
                    reads: v.reads.map_or(format, |r| r.get() as u8),
                }
            })
            .collect();
        Versions { base, others }
    }

    /// All services' versions together stay within [`limits::MAX_VERSIONS_TOTAL`].
    pub(super) fn version_total(&mut self, nodes: &[NodeConfig], loc: &Loc) {
        let total: usize = nodes
            .iter()
            .filter_map(|n| match &n.kind {
                NodeKind::Service(s) if s.versions.count() > 1 => Some(s.versions.count()),
                _ => None,
            })
            .sum();
        if total > limits::MAX_VERSIONS_TOTAL {
            self.problem(
                loc,
                format!(
                    "services list {total} versions in all; the limit is {}",
                    limits::MAX_VERSIONS_TOTAL
                ),
            );
        }
    }

    /// The service named at `loc` and its versions, if it has several.
    fn rollout_target<'n>(
        &mut self,
        service: &Name,
        nodes: &'n [NodeConfig],
        loc: &Loc,
    ) -> Option<(NodeId, &'n Versions)> {
        let id = self.node_ref(service, loc)?;
        let NodeKind::Service(s) = &nodes[id.index()].kind else {
            self.problem(
                &loc.at_str(&service.0),
                format!("{service} is not a service"),
            );
            return None;
        };
        if s.versions.count() < 2 {
            self.problem(
                &loc.at_str(&service.0),
                format!(
                    "{service} has one version ({}); list the others in its versions:",
                    s.versions.base
                ),
            );
            return None;
        }
        Some((id, &s.versions))
    }

    /// The index of `version` among `versions`, or a problem at `loc`.
    fn version_ref(&mut self, versions: &Versions, version: &Name, loc: &Loc) -> Option<usize> {
        let found = versions.index_of(&version.0);
        if found.is_none() {
            let known: Vec<&str> = (0..versions.count()).map(|i| versions.name(i)).collect();
            self.problem(
                &loc.at_str(&version.0),
                format!(
                    "no version named {version}; this service has {}",
                    known.join(", ")
                ),
            );
        }
        found
    }

    /// `Canary(service:, version:, steps:, step_every:, rollback_if:)`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn canary(
        &mut self,
        service: &Name,
        version: &Name,
        steps: &[Prob],
        step_every: &Dur,
        rollback_if: Option<&RollbackSpec>,
        nodes: &[NodeConfig],
        loc: &Loc,
    ) -> Vec<Action> {
        let sloc = loc.field("steps");
        if steps.is_empty() {
            self.problem(
                &sloc,
                "a canary needs at least one step, e.g. steps: [0.1, 0.5]",
            );
        } else if steps.len() > limits::MAX_CANARY_STEPS {
            self.problem(
                &sloc,
                format!(
                    "{} steps; the limit is {}",
                    steps.len(),
                    limits::MAX_CANARY_STEPS
                ),
            );
        }
        for (k, w) in steps.iter().enumerate() {
            if w.0 <= 0.0 {
                self.problem(&sloc.index(k), "a step's fraction must be above 0");
            } else if k > 0 && w.0 < steps[k - 1].0 {
                self.problem(
                    &sloc.index(k),
                    format!(
                        "{} is below the step before it ({}); a canary's fractions rise",
                        w.0,
                        steps[k - 1].0
                    ),
                );
            }
        }
        if step_every.0 == SimDuration::ZERO {
            self.problem(&loc.field("step_every"), "step_every must be above 0");
        }
        let rollback_if = rollback_if.map_or_else(RollbackBound::default, |r| {
            if r.p99.is_some_and(|p| p.0 == SimDuration::ZERO) {
                self.problem(
                    &loc.field("rollback_if").field("p99"),
                    "the p99 bound must be above 0",
                );
            }
            RollbackBound {
                error_rate: r.error_rate.map(|p| p.0),
                p99: r.p99.map(|p| p.0),
            }
        });
        let Some((id, versions)) = self.rollout_target(service, nodes, &loc.field("service"))
        else {
            return Vec::new();
        };
        let Some(version) = self.version_ref(versions, version, &loc.field("version")) else {
            return Vec::new();
        };
        vec![Action::Canary {
            service: id,
            canary: CanaryConfig {
                version,
                steps: steps.iter().map(|p| p.0).collect(),
                step_every: step_every.0,
                rollback_if,
            },
        }]
    }

    /// `BlueGreen(service:, version:)`.
    pub(super) fn blue_green(
        &mut self,
        service: &Name,
        version: &Name,
        nodes: &[NodeConfig],
        loc: &Loc,
    ) -> Vec<Action> {
        let Some((id, versions)) = self.rollout_target(service, nodes, &loc.field("service"))
        else {
            return Vec::new();
        };
        let Some(version) = self.version_ref(versions, version, &loc.field("version")) else {
            return Vec::new();
        };
        vec![Action::BlueGreen {
            service: id,
            version,
        }]
    }

    /// `Rollback("service")`.
    pub(super) fn rollback(
        &mut self,
        service: &Name,
        nodes: &[NodeConfig],
        loc: &Loc,
    ) -> Vec<Action> {
        self.rollout_target(service, nodes, loc)
            .map(|(id, _)| Action::Rollback(id))
            .into_iter()
            .collect()
    }
}
