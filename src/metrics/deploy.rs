//! What deployments did: which version served each request (per window and
//! in total), what callers made of the answers, and the rollout events.
//!
//! Only services with more than one version are followed, so a scenario
//! without deployments pays nothing. A version's *failures* are its own
//! error answers plus its successful answers that a caller rejected because
//! it could not read their format (see `sim::deploy`).

use serde::Serialize;

use crate::sim::time::{SimDuration, SimTime};

use super::histogram::WindowLatencies;

/// Most rollout events a run keeps (bounded memory).
pub const MAX_DEPLOY_EVENTS: usize = 10_000;

/// What happened to a rollout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeployKind {
    /// A canary started at its first fraction.
    Canary,
    /// A canary passed a step and moved to the next fraction.
    Step,
    /// A canary passed its last step: the version now serves everything.
    Promote,
    /// Blue/green: every request now goes to the version.
    Switch,
    /// A canary was ended, or the service switched back (the version is the
    /// one serving everything afterwards).
    Rollback,
}

/// One rollout event, as the engine records it.
#[derive(Clone, Debug, PartialEq)]
pub struct DeployEvent {
    /// When.
    pub at: SimTime,
    /// The service (node index).
    pub node: usize,
    /// What happened.
    pub kind: DeployKind,
    /// The version concerned (for a rollback: the one serving everything after it).
    pub version: usize,
    /// The fraction of requests the version serves from now on.
    pub fraction: f64,
    /// Why, for a rollback.
    pub reason: Option<String>,
}

/// A version's requests over one canary step.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StepStats {
    /// Requests the version answered.
    pub answered: u64,
    /// Of those, errors and replies callers rejected.
    pub failed: u64,
    /// p99 of its answered requests' time in the service, in ms (0 when none).
    pub p99_ms: f64,
}

/// Requests of one version in one window (or in total).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VersionCounts {
    /// Requests it answered.
    pub requests: u64,
    /// Answers that were errors.
    pub errors: u64,
    /// Successful answers a caller rejected (format it cannot read).
    pub rejected: u64,
}

impl VersionCounts {
    /// Errors and rejected answers.
    pub fn failed(&self) -> u64 {
        self.errors + self.rejected
    }
}

/// One version of a service over the run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VersionSummary {
    /// Its name.
    pub version: String,
    /// Its requests, errors and rejected answers.
    #[serde(flatten)]
    pub counts: VersionCounts,
    /// `(errors + rejected) / requests` (0 when it served nothing).
    pub failure_rate: f64,
}

/// One service's versions: totals, and counts per metrics window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServiceDeploySummary {
    /// Totals per version, in version order (the base first).
    pub versions: Vec<VersionSummary>,
    /// Per window of the run (as `windows` in the summary), the counts of
    /// each version in version order.
    pub windows: Vec<Vec<VersionCounts>>,
}

/// A rollout event in the summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeployEventSummary {
    /// When, in simulated seconds.
    pub at_s: f64,
    /// The service.
    pub service: String,
    /// What happened.
    pub kind: DeployKind,
    /// The version concerned (for a rollback, the one serving everything after it).
    pub version: String,
    /// The fraction of requests that version serves from then on.
    pub fraction: f64,
    /// Why, for a rollback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The `deployments` section of the run summary.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DeploySummary {
    /// Per service with more than one version, by name.
    pub services: std::collections::BTreeMap<String, ServiceDeploySummary>,
    /// Rollout events in time order.
    pub events: Vec<DeployEventSummary>,
}

struct Followed {
    names: Vec<String>,
    windows: Vec<Vec<VersionCounts>>,
    step: Vec<(u64, u64, WindowLatencies)>,
}

/// Collects per-version figures and rollout events.
#[derive(Default)]
pub struct DeployLog {
    window: SimDuration,
    /// Per node: the versions' names and figures, for services with several.
    nodes: Vec<Option<Followed>>,
    events: Vec<DeployEvent>,
}

impl DeployLog {
    /// Follows the services given as `(node, version names)`; windows of `window`.
    pub fn new(nodes: usize, window: SimDuration, followed: Vec<(usize, Vec<String>)>) -> Self {
        let mut slots: Vec<Option<Followed>> = (0..nodes).map(|_| None).collect();
        for (node, names) in followed {
            let n = names.len();
            slots[node] = Some(Followed {
                names,
                windows: Vec::new(),
                step: (0..n).map(|_| (0, 0, WindowLatencies::default())).collect(),
            });
        }
        DeployLog {
            window: SimDuration(window.as_nanos().max(1)),
            nodes: slots,
            events: Vec::new(),
        }
    }

    fn counts(&mut self, now: SimTime, node: usize, version: usize) -> Option<&mut VersionCounts> {
        let f = self.nodes.get_mut(node)?.as_mut()?;
        let w = (now.as_nanos() / self.window.as_nanos()) as usize;
        if f.windows.len() <= w {
            let n = f.names.len();
            f.windows.resize(w + 1, vec![VersionCounts::default(); n]);
        }
        f.windows[w].get_mut(version)
    }

    /// Version `version` of `node` answered a request that spent `duration` there.
    pub fn answered(
        &mut self,
        now: SimTime,
        node: usize,
        version: usize,
        ok: bool,
        duration: SimDuration,
    ) {
        if let Some(c) = self.counts(now, node, version) {
            c.requests += 1;
            c.errors += u64::from(!ok);
        }
        if let Some(Some(f)) = self.nodes.get_mut(node)
            && let Some(s) = f.step.get_mut(version)
        {
            s.0 += 1;
            s.1 += u64::from(!ok);
            s.2.record(duration);
        }
    }

    /// A caller rejected a successful answer of version `version` of `node`.
    pub fn rejected(&mut self, now: SimTime, node: usize, version: usize) {
        if let Some(c) = self.counts(now, node, version) {
            c.rejected += 1;
        }
        if let Some(Some(f)) = self.nodes.get_mut(node)
            && let Some(s) = f.step.get_mut(version)
        {
            s.1 += 1;
        }
    }

    /// What `version` of `node` saw since the last call (for any version of
    /// that node), and starts a new step for all of them.
    pub fn take_step(&mut self, node: usize, version: usize) -> StepStats {
        let Some(Some(f)) = self.nodes.get_mut(node) else {
            return StepStats::default();
        };
        let stats = f
            .step
            .get_mut(version)
            .map_or_else(StepStats::default, |s| {
                let p99_ms = s.2.percentile_ms(99.0);
                StepStats {
                    answered: s.0,
                    failed: s.1.min(s.0),
                    p99_ms,
                }
            });
        for s in &mut f.step {
            s.0 = 0;
            s.1 = 0;
            s.2.clear();
        }
        stats
    }

    /// Records a rollout event.
    pub fn event(&mut self, event: DeployEvent) {
        if self.events.len() < MAX_DEPLOY_EVENTS {
            self.events.push(event);
        }
    }

    /// The events so far.
    pub fn events(&self) -> &[DeployEvent] {
        &self.events
    }

    /// The summary over `windows` windows; `names` are the nodes' names.
    /// None when no service has more than one version.
    pub fn summary(&self, names: &[String], windows: usize) -> Option<DeploySummary> {
        if self.nodes.iter().all(Option::is_none) {
            return None;
        }
        let mut services = std::collections::BTreeMap::new();
        for (i, f) in self.nodes.iter().enumerate() {
            let Some(f) = f else { continue };
            let n = f.names.len();
            let mut series = f.windows.clone();
            series.resize(windows.max(series.len()), vec![VersionCounts::default(); n]);
            series.truncate(windows);
            let versions = (0..n)
                .map(|v| {
                    let mut counts = VersionCounts::default();
                    for w in &f.windows {
                        counts.requests += w[v].requests;
                        counts.errors += w[v].errors;
                        counts.rejected += w[v].rejected;
                    }
                    VersionSummary {
                        version: f.names[v].clone(),
                        failure_rate: if counts.requests == 0 {
                            0.0
                        } else {
                            counts.failed() as f64 / counts.requests as f64
                        },
                        counts,
                    }
                })
                .collect();
            services.insert(
                names[i].clone(),
                ServiceDeploySummary {
                    versions,
                    windows: series,
                },
            );
        }
        let events = self
            .events
            .iter()
            .map(|e| DeployEventSummary {
                at_s: e.at.as_secs_f64(),
                service: names[e.node].clone(),
                kind: e.kind,
                version: self.nodes[e.node]
                    .as_ref()
                    .and_then(|f| f.names.get(e.version).cloned())
                    .unwrap_or_default(),
                fraction: e.fraction,
                reason: e.reason.clone(),
            })
            .collect();
        Some(DeploySummary { services, events })
    }
}
