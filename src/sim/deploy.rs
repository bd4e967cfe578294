//! Deployments: the versions of a service and the rollouts that move its
//! traffic between them.
//!
//! A service's own knobs describe its *base* version (named `v1` unless the
//! file says otherwise). Other versions override some of that behaviour:
//! an extra error probability, another work-time distribution, extra latency,
//! and the message format of their replies. Which version serves a request
//! is decided by the service when the request is admitted (see
//! `node::versions`); this module holds the configuration and the rollout
//! controller the engine drives: canaries raised step by step and judged
//! at each step, blue/green switches and rollbacks.

use crate::metrics::deploy::{DeployEvent, DeployKind, StepStats};

use super::config::NodeId;
use super::dist::Dist;
use super::time::{SimDuration, SimTime};

/// One release of a service: overrides of the base version's behaviour.
#[derive(Clone, Debug, PartialEq)]
pub struct VersionConfig {
    /// Its name (`v2`).
    pub name: String,
    /// Extra probability that the work fails, independent of the service's
    /// `error_rate` e: a request fails with probability e + (1 − e)·p.
    pub error_rate: f64,
    /// Replaces the service's work-time distribution.
    pub work: Option<Dist>,
    /// Added to every request's work time.
    pub extra_latency: Option<Dist>,
    /// Message format of its replies (1 is the original format). A caller
    /// rejects, as an error, a reply in a newer format than it reads.
    pub format: u8,
    /// The newest reply format its own calls read, while it is the stable
    /// version (at least `format` in the file's default).
    pub reads: u8,
}

impl VersionConfig {
    /// A version that behaves exactly like the base.
    pub fn same_as_base(name: &str) -> Self {
        VersionConfig {
            name: name.into(),
            error_rate: 0.0,
            work: None,
            extra_latency: None,
            format: 1,
            reads: 1,
        }
    }
}

/// The versions a service can run.
#[derive(Clone, Debug, PartialEq)]
pub struct Versions {
    /// The name of the base version (the service's own knobs; format 1),
    /// which runs at the start.
    pub base: String,
    /// The other versions, in file order; version `i + 1` is `others[i]`.
    pub others: Vec<VersionConfig>,
}

impl Default for Versions {
    fn default() -> Self {
        Versions {
            base: BASE_VERSION.into(),
            others: Vec::new(),
        }
    }
}

/// The base version's name when the file gives none.
pub const BASE_VERSION: &str = "v1";

impl Versions {
    /// How many versions there are, the base included.
    pub fn count(&self) -> usize {
        1 + self.others.len()
    }

    /// The name of version `index` (0 is the base).
    pub fn name(&self, index: usize) -> &str {
        match index {
            0 => &self.base,
            i => self.others.get(i - 1).map_or("?", |v| v.name.as_str()),
        }
    }

    /// The index of the version called `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        (0..self.count()).find(|&i| self.name(i) == name)
    }

    /// Every version in index order, the base as a version with no overrides.
    pub fn all(&self) -> Vec<VersionConfig> {
        let mut all = vec![VersionConfig::same_as_base(&self.base)];
        all.extend(self.others.iter().cloned());
        all
    }
}

/// When a canary is rolled back: bounds on what its requests saw over the
/// last step. Either or both may be set; none never rolls back.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RollbackBound {
    /// Roll back when the canary's failure rate over the step is above this.
    pub error_rate: Option<f64>,
    /// Roll back when the canary's p99 over the step is above this.
    pub p99: Option<SimDuration>,
}

/// A canary rollout of one version.
#[derive(Clone, Debug, PartialEq)]
pub struct CanaryConfig {
    /// The version rolled out (an index into the service's versions).
    pub version: usize,
    /// The fraction of requests it serves at each step, rising.
    pub steps: Vec<f64>,
    /// How long each step lasts before it is judged.
    pub step_every: SimDuration,
    /// When to roll back.
    pub rollback_if: RollbackBound,
}

/// Which version serves a service's requests now.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Routing {
    /// The version serving everything the canary does not.
    pub stable: usize,
    /// The canary version and the fraction of requests it serves.
    pub canary: Option<(usize, f64)>,
}

/// A request to judge a canary's step later: the engine queues it and hands
/// it back to [`Deployments::step`] when it falls due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepDue {
    /// The service.
    pub node: NodeId,
    /// The rollout it belongs to; stale when another rollout started since.
    pub generation: u32,
}

/// What a deployment action or step decided.
#[derive(Debug, Default)]
pub struct Decision {
    /// The service's new routing, when it changed.
    pub routing: Option<Routing>,
    /// What to record.
    pub event: Option<DeployEvent>,
    /// When to judge the next step (delay from now).
    pub next_step: Option<(SimDuration, StepDue)>,
}

struct Canary {
    config: CanaryConfig,
    step: usize,
}

#[derive(Default)]
struct ServiceRollout {
    routing: Routing,
    /// The stable version before the last switch or promotion (for `Rollback`).
    previous: usize,
    canary: Option<Canary>,
    generation: u32,
}

impl ServiceRollout {
    /// `version` serves everything from now on; the old stable one is kept for `Rollback`.
    fn make_stable(&mut self, version: usize) {
        self.canary = None;
        self.previous = self.routing.stable;
        self.routing = Routing {
            stable: version,
            canary: None,
        };
    }
}

/// The rollout state of every service, driven by the engine.
#[derive(Default)]
pub struct Deployments {
    services: Vec<ServiceRollout>,
}

impl Deployments {
    /// Every service starts on its base version.
    pub fn new(nodes: usize) -> Self {
        Deployments {
            services: (0..nodes).map(|_| ServiceRollout::default()).collect(),
        }
    }

    /// The routing of `node` now.
    pub fn routing(&self, node: NodeId) -> Routing {
        self.services[node.index()].routing
    }

    /// Starts a canary of `config.version` at its first step (replacing any
    /// canary in progress).
    pub fn canary(&mut self, now: SimTime, node: NodeId, config: CanaryConfig) -> Decision {
        let s = &mut self.services[node.index()];
        s.generation = s.generation.wrapping_add(1);
        let fraction = config.steps.first().copied().unwrap_or(1.0);
        let version = config.version;
        s.routing.canary = Some((version, fraction));
        let due = StepDue {
            node,
            generation: s.generation,
        };
        let every = config.step_every;
        s.canary = Some(Canary { config, step: 0 });
        Decision {
            routing: Some(s.routing),
            event: Some(event(
                now,
                node,
                DeployKind::Canary,
                version,
                fraction,
                None,
            )),
            next_step: Some((every, due)),
        }
    }

    /// Judges the step that just ended with what the canary's requests saw
    /// over it: rolls back, raises the fraction, or promotes after the last step.
    pub fn step(&mut self, now: SimTime, due: StepDue, stats: &StepStats) -> Decision {
        let s = &mut self.services[due.node.index()];
        if s.generation != due.generation {
            return Decision::default();
        }
        let Some(c) = s.canary.as_mut() else {
            return Decision::default();
        };
        let version = c.config.version;
        if let Some(reason) = breach(&c.config.rollback_if, stats) {
            s.canary = None;
            s.routing.canary = None;
            return Decision {
                routing: Some(s.routing),
                event: Some(event(
                    now,
                    due.node,
                    DeployKind::Rollback,
                    s.routing.stable,
                    1.0,
                    Some(reason),
                )),
                next_step: None,
            };
        }
        c.step += 1;
        if let Some(&fraction) = c.config.steps.get(c.step) {
            s.routing.canary = Some((version, fraction));
            return Decision {
                routing: Some(s.routing),
                event: Some(event(
                    now,
                    due.node,
                    DeployKind::Step,
                    version,
                    fraction,
                    None,
                )),
                next_step: Some((c.config.step_every, due)),
            };
        }
        s.make_stable(version);
        Decision {
            routing: Some(s.routing),
            event: Some(event(
                now,
                due.node,
                DeployKind::Promote,
                version,
                1.0,
                None,
            )),
            next_step: None,
        }
    }

    /// Switches every request to `version` at once (blue/green), ending any canary.
    pub fn switch(&mut self, now: SimTime, node: NodeId, version: usize) -> Decision {
        let s = &mut self.services[node.index()];
        s.generation = s.generation.wrapping_add(1);
        s.make_stable(version);
        Decision {
            routing: Some(s.routing),
            event: Some(event(now, node, DeployKind::Switch, version, 1.0, None)),
            next_step: None,
        }
    }

    /// Ends a canary in progress, or else switches back to the version that
    /// was stable before the last switch or promotion.
    pub fn rollback(&mut self, now: SimTime, node: NodeId) -> Decision {
        let s = &mut self.services[node.index()];
        s.generation = s.generation.wrapping_add(1);
        if s.canary.take().is_none() {
            std::mem::swap(&mut s.previous, &mut s.routing.stable);
        }
        s.routing.canary = None;
        let reason = Some("by hand".to_string());
        Decision {
            routing: Some(s.routing),
            event: Some(event(
                now,
                node,
                DeployKind::Rollback,
                s.routing.stable,
                1.0,
                reason,
            )),
            next_step: None,
        }
    }
}

/// Why the step breaches the bound, if it does. A step in which the canary
/// answered nothing gives no evidence and passes.
fn breach(bound: &RollbackBound, stats: &StepStats) -> Option<String> {
    if stats.answered == 0 {
        return None;
    }
    let rate = stats.failed as f64 / stats.answered as f64;
    if let Some(max) = bound.error_rate
        && rate > max
    {
        return Some(format!(
            "error rate {rate:.3} > {max} over the last step ({} of {})",
            stats.failed, stats.answered
        ));
    }
    if let Some(max) = bound.p99
        && stats.p99_ms > max.as_secs_f64() * 1e3
    {
        return Some(format!(
            "p99 {:.1} ms > {} ms over the last step",
            stats.p99_ms,
            max.as_secs_f64() * 1e3
        ));
    }
    None
}

fn event(
    now: SimTime,
    node: NodeId,
    kind: DeployKind,
    version: usize,
    fraction: f64,
    reason: Option<String>,
) -> DeployEvent {
    DeployEvent {
        at: now,
        node: node.index(),
        kind,
        version,
        fraction,
        reason,
    }
}
