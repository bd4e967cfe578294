//! What the window reads: a self-contained picture of the run at one moment.

use std::sync::Arc;

use crate::metrics::edges::EdgeWindow;
use crate::metrics::trace::Trace;
use crate::metrics::{LatencySummary, WindowSummary};
use crate::sim::config::{NodeId, SimConfig, TimedAction};
use crate::sim::time::SimTime;

use super::Speed;

/// A node's health, for colour *and* a word or shape (colour alone is not
/// enough for people with colour-blindness).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    /// Working normally.
    Healthy,
    /// Answering, but with errors, fallbacks, or slowed down.
    Degraded,
    /// Saturated: workers all busy and requests queueing or refused.
    Overloaded,
    /// Down.
    Crashed,
}

impl Health {
    /// The word shown beside the colour.
    pub fn label(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Degraded => "degraded",
            Health::Overloaded => "overloaded",
            Health::Crashed => "crashed",
        }
    }
}

/// One node now.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeState {
    /// Whether it is up.
    pub up: bool,
    /// Workers busy now (requests in progress, for caches and queues).
    pub busy: u64,
    /// Requests waiting now (messages waiting, for queues).
    pub queued: u64,
    /// Its worker count, for services.
    pub workers: Option<u32>,
    /// Mean fraction of workers busy over the last closed window.
    pub utilization: f64,
    /// Arrivals per second over the last closed window.
    pub arrivals_per_s: f64,
    /// Fraction of its answers in the last closed window that were errors or refusals.
    pub error_fraction: f64,
    /// Work-time multiplier (1.0 normal).
    pub slow: f64,
    /// Local clock minus true time now, in milliseconds.
    pub clock_offset_ms: f64,
    /// Clock rate error in parts per million.
    pub drift_ppm: i64,
    /// Summary of the above.
    pub health: Health,
    /// A Raft node's role, term and commit index.
    pub raft: Option<crate::sim::view::RaftView>,
    /// A Raft node's log tail and a Raft leader's or monitor's view of who is alive.
    pub detail: Option<crate::sim::view::NodeDetail>,
    /// A service with several versions: which serve its requests now.
    pub deploy: Option<DeployState>,
    /// A balancer: each replica of its pool as it sees it (empty otherwise).
    pub pool: Vec<crate::sim::view::PoolMember>,
}

/// Which versions of a service serve its requests now.
#[derive(Clone, Debug, PartialEq)]
pub struct DeployState {
    /// Every version's name, in the service's order (the base first).
    pub versions: Vec<String>,
    /// The version serving everything the canary does not (index into `versions`).
    pub stable: usize,
    /// The canary version and the fraction of requests it serves.
    pub canary: Option<(usize, f64)>,
}

impl DeployState {
    /// "v1", or "v1 · canary v2 5%".
    pub fn label(&self) -> String {
        let name = |i: usize| self.versions.get(i).map_or("?", String::as_str);
        match self.canary {
            None => name(self.stable).to_string(),
            Some((v, f)) => format!(
                "{} · canary {} {}%",
                name(self.stable),
                name(v),
                (f * 1000.0).round() / 10.0
            ),
        }
    }
}

/// One caller → callee edge over the last closed window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EdgeState {
    /// Caller.
    pub from: NodeId,
    /// Callee.
    pub to: NodeId,
    /// Attempts per second.
    pub attempts_per_s: f64,
    /// Fraction of attempts that failed (error, refusal or timeout).
    pub error_fraction: f64,
    /// The request direction (from → to) is partitioned now.
    pub cut_forward: bool,
    /// The reply direction (to → from) is partitioned now.
    pub cut_backward: bool,
}

/// End-to-end figures for the run so far (through the last closed window).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Totals {
    /// Requests generated.
    pub offered: u64,
    /// Requests that succeeded.
    pub ok: u64,
    /// Requests that failed.
    pub failed: u64,
    /// `ok / (ok + failed)`.
    pub availability: f64,
    /// Latency of successful requests.
    pub latency_ms: LatencySummary,
    /// Latency of successful requests at the SLO's percentile (which need
    /// not be one of `latency_ms`'s), as the run summary reads it.
    pub latency_at_slo_ms: f64,
    /// Error budget left (1 = untouched, below 0 = overspent).
    pub budget_remaining: f64,
    /// Requests waiting longer than the SLO's latency threshold with no
    /// answer (in neither availability nor latency), as the last window closed.
    pub unanswered: u64,
}

/// The runner stopped because the simulation panicked; the window shows this
/// and offers a reset. Seed and time let anyone reproduce it headless.
#[derive(Clone, Debug, PartialEq)]
pub struct RunnerFailure {
    /// The panic message.
    pub message: String,
    /// The seed of the failed run.
    pub seed: u64,
    /// Simulated time when it happened.
    pub at: SimTime,
}

/// The run at one moment, as published by the runner.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The scenario being run (its timeline holds the file's actions).
    pub scenario: Arc<SimConfig>,
    /// The learner's actions so far, in the order taken.
    pub recorded: Arc<Vec<TimedAction>>,
    /// The seed in use (may differ from the file's after "change seed").
    pub seed: u64,
    /// Simulated time now.
    pub now: SimTime,
    /// Whether simulated time is running.
    pub playing: bool,
    /// The pace.
    pub speed: Speed,
    /// Events processed so far.
    pub events: u64,
    /// Every node, indexed by `NodeId`.
    pub nodes: Vec<NodeState>,
    /// Every caller → callee edge of the topology.
    pub edges: Vec<EdgeState>,
    /// Directed pairs cut now.
    pub cuts: Vec<(NodeId, NodeId)>,
    /// Closed metrics windows so far, oldest first (shared, append-only).
    pub windows: Arc<Vec<Arc<WindowSummary>>>,
    /// The run so far.
    pub totals: Totals,
    /// Set when the simulation panicked.
    pub failure: Option<RunnerFailure>,
    /// Traces kept so far (each window's slowest and first failures, and an
    /// evenly thinned sample of the rest), in the order kept (shared).
    pub traces: Arc<Vec<Arc<Trace>>>,
    /// Traces kept by the tracer but let go to bound memory (see
    /// [`super::trace_store`]).
    pub traces_dropped: u64,
    /// Raft leaders elected so far, in order (empty without Raft nodes).
    pub leaders: Arc<Vec<crate::metrics::raft::LeaderRecord>>,
    /// Burn-rate alerts fired and cleared over the closed windows, in time order.
    pub alerts: Arc<Vec<crate::metrics::alerts::AlertEvent>>,
    /// Rollout events so far (canaries started, stepped up, promoted or
    /// rolled back, blue/green switches), in time order.
    pub rollouts: Arc<Vec<crate::metrics::deploy::DeployEvent>>,
    /// Calls and attempts per caller → callee edge, one entry per closed
    /// window, aligned with `windows` (shared, append-only).
    pub edge_windows: Arc<Vec<Arc<Vec<EdgeWindow>>>>,
    /// The run forked from this one for comparison, if any.
    pub fork: Option<super::ForkView>,
}
