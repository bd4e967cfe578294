//! The results of a run, as plain serializable data (the `--json` document).

use std::collections::BTreeMap;

use serde::Serialize;

use super::counts::FailureCounts;
use super::histogram::LatencySummary;

/// Everything a run measured.
#[derive(Clone, Debug, Serialize)]
pub struct RunSummary {
    /// Scenario name.
    pub scenario: String,
    /// Master seed of the run.
    pub seed: u64,
    /// Simulated seconds covered.
    pub sim_seconds: f64,
    /// Events the engine processed.
    pub events: u64,
    /// End-to-end request counts.
    pub requests: RequestSummary,
    /// Failed requests by cause (they add up to `requests.failed`).
    pub failures: FailureCounts,
    /// Latency of successful end-to-end requests, in milliseconds.
    pub latency_ms: LatencySummary,
    /// Per node other than clients, by name.
    pub services: BTreeMap<String, ServiceSummary>,
    /// Per client (workload), by name: what each population of users saw.
    pub clients: BTreeMap<String, ClientSummary>,
    /// What the network did with messages.
    pub network: NetworkSummary,
    /// The SLO and its error budget.
    pub slo: SloSummary,
    /// The per-window series, in time order.
    pub windows: Vec<WindowSummary>,
    /// What the consistency checker found in the store history (runs with store clients).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consistency: Option<crate::check::ConsistencySummary>,
    /// Failure-detector figures (runs with monitors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detection: Option<super::detection::DetectionSummary>,
    /// Raft elections and safety counts (runs with Raft nodes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raft: Option<super::raft::RaftSummary>,
    /// Burn-rate alerts firing and clearing, in time order (see `metrics::alerts`).
    pub alerts: Vec<super::alerts::AlertEvent>,
    /// Requests per service version and rollout events (runs with versions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployments: Option<super::deploy::DeploySummary>,
}

/// End-to-end request counts, as the clients saw them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct RequestSummary {
    /// Requests the clients generated.
    pub offered: u64,
    /// Requests that finished: `ok + failed`.
    pub total: u64,
    /// Succeeded.
    pub ok: u64,
    /// Failed (see `failures`).
    pub failed: u64,
    /// Still waiting for an answer when the run ended (not in `total`).
    pub unfinished: u64,
    /// `ok / total` (1 when nothing finished).
    pub availability: f64,
    /// Attempts the clients sent (first tries, retries and hedges).
    pub attempts: u64,
    /// `attempts / offered`: how much the clients' policy multiplies load.
    pub amplification: f64,
    /// Executions of a non-idempotent operation repeated for the same request.
    pub duplicates: u64,
    /// Successes that came from a fallback.
    pub degraded: u64,
    /// Successes a cache answered with an expired entry.
    pub stale: u64,
}

/// What one client's requests met over the whole run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct ClientSummary {
    /// Requests it generated.
    pub offered: u64,
    /// Succeeded.
    pub ok: u64,
    /// Failed.
    pub failed: u64,
    /// `ok / (ok + failed)`.
    pub availability: f64,
    /// Latency of its successful requests, in milliseconds.
    pub latency_ms: LatencySummary,
}

/// One non-client node over the whole run: RED (rate, errors, duration) and
/// USE (utilization, saturation, errors).
#[derive(Clone, Debug, Default, Serialize)]
pub struct ServiceSummary {
    /// `service`, `cache`, `queue` or `balancer`.
    pub kind: String,
    /// Requests that arrived.
    pub arrivals: u64,
    /// Arrivals per simulated second.
    pub rate_per_s: f64,
    /// Answered successfully.
    pub ok: u64,
    /// Answered with an error.
    pub errors: u64,
    /// Refused: queue full or rate limited.
    pub rejected: u64,
    /// Shed by priority under load.
    pub shed: u64,
    /// Requests lost in a crash (in a queue or a worker).
    pub lost_in_crash: u64,
    /// Repeated executions of the same request (non-idempotent operations).
    pub duplicates: u64,
    /// Repeats answered from remembered idempotency keys.
    pub deduplicated: u64,
    /// Mean fraction of workers busy.
    pub utilization: f64,
    /// Time-average queue length.
    pub mean_queue: f64,
    /// Longest queue seen.
    pub max_queue: u64,
    /// Time-average requests inside (queued or holding a worker).
    pub mean_in_system: f64,
    /// Time from arrival to answer, for answered requests, in milliseconds.
    pub duration_ms: LatencySummary,
    /// Its outgoing calls.
    pub calls: CallSummary,
    /// Cache figures, for caches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheSummary>,
    /// Queue figures, for queues.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<QueueSummary>,
    /// Balancer figures, for balancers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balancer: Option<BalancerSummary>,
}

/// A balancer's outlier ejections.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BalancerSummary {
    /// Ejections and restores, in time order.
    pub events: Vec<EjectionEvent>,
    /// Health checks: replicas suspected and cleared, in time order (absent
    /// without health checks).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub health: Vec<HealthEvent>,
}

/// A balancer's health check began (or stopped) suspecting a replica.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct HealthEvent {
    /// When, in simulated seconds.
    pub at_s: f64,
    /// The replica.
    pub replica: String,
    /// Suspected (`true`) or answering again.
    pub suspected: bool,
}

/// A replica left out of (or back in) a balancer's pool.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EjectionEvent {
    /// When, in simulated seconds.
    pub at_s: f64,
    /// The balancer.
    pub balancer: String,
    /// The replica.
    pub replica: String,
    /// Ejected (`true`) or restored.
    pub ejected: bool,
}

/// Outgoing calls of one node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct CallSummary {
    /// Logical calls started.
    pub calls: u64,
    /// Attempts sent (first tries, retries, hedges).
    pub attempts: u64,
    /// Of which retries.
    pub retries: u64,
    /// Of which hedges.
    pub hedges: u64,
    /// Calls refused by its circuit breakers.
    pub circuit_open: u64,
    /// `attempts / calls`.
    pub amplification: f64,
}

/// A cache's hits and misses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct CacheSummary {
    /// Reads answered from a fresh entry.
    pub hits: u64,
    /// Reads passed to the backing service.
    pub misses: u64,
    /// Reads answered from an expired entry after the backing service failed.
    pub stale: u64,
    /// `hits / (hits + misses)`.
    pub hit_ratio: f64,
}

/// A queue's deliveries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct QueueSummary {
    /// Messages accepted from producers.
    pub enqueued: u64,
    /// Deliveries to the consumer (including redeliveries).
    pub deliveries: u64,
    /// Redeliveries after a failure or an unacknowledged delivery.
    pub redeliveries: u64,
    /// Messages acknowledged by the consumer.
    pub acked: u64,
    /// Messages moved to the dead-letter queue.
    pub dead_lettered: u64,
    /// Oldest message's age at the end, in milliseconds.
    pub oldest_age_ms: f64,
}

/// The network's message counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NetworkSummary {
    /// Messages sent.
    pub sent: u64,
    /// Lost at random.
    pub lost: u64,
    /// Blocked by a partition (at send or in flight).
    pub cut: u64,
    /// Delivered twice.
    pub duplicated: u64,
    /// Arrived at a crashed node and were dropped.
    pub to_crashed: u64,
}

/// The SLO and how the run did against it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct SloSummary {
    /// Availability objective (e.g. 0.999).
    pub availability_target: f64,
    /// Measured availability.
    pub availability: f64,
    /// Whether the availability objective held.
    pub availability_met: bool,
    /// Failures the objective allows: `(1 − target) × total`.
    pub error_budget: f64,
    /// `failed / error_budget` (above 1: the budget is overspent).
    pub budget_consumed: f64,
    /// `1 − budget_consumed` (negative when overspent).
    pub budget_remaining: f64,
    /// Latency objective threshold in milliseconds.
    pub latency_threshold_ms: f64,
    /// The percentile that must stay under the threshold.
    pub percentile: f64,
    /// Measured latency at that percentile.
    pub latency_at_percentile_ms: f64,
    /// Whether the latency objective held.
    pub latency_met: bool,
    /// Requests still waiting at the end for longer than the latency
    /// threshold. They count in neither reading above (availability counts
    /// finished requests, latency successful ones), yet every one has
    /// already missed the latency objective; a client without a timeout
    /// can hide a whole outage this way.
    pub unanswered: u64,
}

/// One window of the per-window series.
#[derive(Clone, Debug, Default, Serialize)]
pub struct WindowSummary {
    /// Window start, simulated seconds.
    pub start_s: f64,
    /// Window end, simulated seconds.
    pub end_s: f64,
    /// Requests generated in the window.
    pub offered: u64,
    /// Requests that finished in the window.
    pub total: u64,
    /// Of which succeeded.
    pub ok: u64,
    /// Of which failed.
    pub failed: u64,
    /// Failures by cause.
    pub failures: FailureCounts,
    /// Client attempts sent in the window.
    pub attempts: u64,
    /// Duplicate executions in the window.
    pub duplicates: u64,
    /// `ok / total` in the window (1 when nothing finished).
    pub availability: f64,
    /// Error budget left at the window's end, for the run so far.
    pub budget_remaining: f64,
    /// Latency of requests that succeeded in the window.
    pub latency_ms: LatencySummary,
    /// Per non-client node.
    pub services: BTreeMap<String, ServiceWindow>,
    /// Replicated-state figures for the window, in runs with a store,
    /// monitor or Raft node (live windows have no linearizability count).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<StateWindow>,
}

/// One window's replicated-state figures (see `docs/replication.md`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct StateWindow {
    /// Stale reads that completed in the window.
    pub stale_reads: u64,
    /// Lost writes acknowledged in the window (live: provisional, as proven so
    /// far; a later read can prove more lost, or show one was not).
    pub lost_writes: u64,
    /// Keys whose history stopped being linearizable in the window (the
    /// first window whose end cuts a non-linearizable prefix); summary only,
    /// 0 live.
    pub not_linearizable: u64,
    /// Store-client operations that ended in the window (succeeded, failed
    /// or timed out).
    pub store_ops: u64,
    /// Of which succeeded.
    pub store_ok: u64,
    /// Failure-detector suspicions raised in the window (any kind).
    pub suspicions: u64,
    /// Of which false: the node was up.
    pub false_suspicions: u64,
    /// Crashes detected in the window (per watching monitor).
    pub detections: u64,
    /// Sum of those detections' times to detect, in milliseconds (a range's
    /// mean is Σ `detect_ms_total` ÷ Σ `detections`).
    pub detect_ms_total: f64,
    /// Longest time to detect among them, in milliseconds (0 when none).
    pub detect_ms_max: f64,
    /// Raft leaders elected in the window.
    pub elections: u64,
}

/// One node in one window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct ServiceWindow {
    /// Arrivals.
    pub arrivals: u64,
    /// Answered successfully.
    pub ok: u64,
    /// Answered with an error.
    pub errors: u64,
    /// Refused (queue full, rate limited) or shed.
    pub refused: u64,
    /// Mean fraction of workers busy.
    pub utilization: f64,
    /// Time-average queue length.
    pub mean_queue: f64,
    /// Longest queue.
    pub max_queue: u64,
    /// 99th percentile of time in the node, milliseconds.
    pub p99_ms: f64,
}

/// `ok / total`, or 1 when nothing finished (no evidence of unavailability).
pub fn availability(ok: u64, total: u64) -> f64 {
    if total == 0 {
        1.0
    } else {
        ok as f64 / total as f64
    }
}

/// `a / b`, or 0 when `b` is zero.
pub fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}
