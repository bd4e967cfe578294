//! The observer that turns simulation happenings into windows and totals.

use super::ledger::DuplicateLedger;

use crate::sim::config::SloConfig;
use crate::sim::message::{Failure, RootId, Served};
use crate::sim::time::{SimDuration, SimTime};

use super::counts::FailureCounts;
use super::detection::Detection;
use super::histogram::{LatencyHistogram, LatencySummary, WindowLatencies};
use super::history::{History, Outcome};
use super::state::StateSources;
use super::summary::{BalancerSummary, EjectionEvent, HealthEvent};
use super::summary::{
    CacheSummary, CallSummary, ClientSummary, NetworkSummary, QueueSummary, RequestSummary,
    RunSummary, ServiceSummary, ServiceWindow, SloSummary, StateWindow, WindowSummary,
    availability, ratio,
};
use super::trace::{Trace, TraceConfig, Tracer};

/// Most ejection and restore events a run keeps (bounded memory).
pub const MAX_EJECTION_EVENTS: usize = 10_000;

/// What kind of node a recorder slot describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeRole {
    /// A workload: its outcomes are the end-to-end figures.
    Client,
    /// A service with this many workers.
    Service { workers: u32 },
    /// A cache.
    Cache,
    /// A queue.
    Queue,
    /// A replica of a replicated store.
    Replica,
    /// A failure-detector monitor.
    Monitor,
    /// A load balancer.
    Balancer,
}

impl NodeRole {
    fn label(self) -> &'static str {
        match self {
            NodeRole::Client => "client",
            NodeRole::Service { .. } => "service",
            NodeRole::Cache => "cache",
            NodeRole::Queue => "queue",
            NodeRole::Replica => "replica",
            NodeRole::Monitor => "monitor",
            NodeRole::Balancer => "balancer",
        }
    }
}

/// End-to-end counts for a stretch of time.
#[derive(Clone, Copy, Default)]
struct RootCounts {
    offered: u64,
    ok: u64,
    failures: FailureCounts,
    attempts: u64,
    duplicates: u64,
    degraded: u64,
    stale: u64,
}

impl RootCounts {
    fn finished(&self) -> u64 {
        self.ok + self.failures.total()
    }

    fn add(&mut self, o: &RootCounts) {
        self.offered += o.offered;
        self.ok += o.ok;
        self.failures.merge(&o.failures);
        self.attempts += o.attempts;
        self.duplicates += o.duplicates;
        self.degraded += o.degraded;
        self.stale += o.stale;
    }
}

/// Per-node counters for a stretch of time.
#[derive(Clone, Copy, Default)]
struct NodeCounters {
    arrivals: u64,
    ok: u64,
    errors: u64,
    rejected: u64,
    shed: u64,
    lost: u64,
    duplicates: u64,
    deduplicated: u64,
    calls: u64,
    attempts: u64,
    retries: u64,
    hedges: u64,
    circuit_open: u64,
    cache_hits: u64,
    cache_misses: u64,
    cache_stale: u64,
    enqueued: u64,
    deliveries: u64,
    redeliveries: u64,
    acked: u64,
    dead_lettered: u64,
    max_queue: u64,
    /// ∫ busy workers dt, in worker·ns.
    busy_area: u128,
    /// ∫ queue length dt, in request·ns.
    queue_area: u128,
    /// ∫ workers dt, in worker·ns: the denominator of utilization, exact
    /// when the worker count changes during a run.
    capacity_area: u128,
}

impl NodeCounters {
    fn add(&mut self, o: &NodeCounters) {
        self.arrivals += o.arrivals;
        self.ok += o.ok;
        self.errors += o.errors;
        self.rejected += o.rejected;
        self.shed += o.shed;
        self.lost += o.lost;
        self.duplicates += o.duplicates;
        self.deduplicated += o.deduplicated;
        self.calls += o.calls;
        self.attempts += o.attempts;
        self.retries += o.retries;
        self.hedges += o.hedges;
        self.circuit_open += o.circuit_open;
        self.cache_hits += o.cache_hits;
        self.cache_misses += o.cache_misses;
        self.cache_stale += o.cache_stale;
        self.enqueued += o.enqueued;
        self.deliveries += o.deliveries;
        self.redeliveries += o.redeliveries;
        self.acked += o.acked;
        self.dead_lettered += o.dead_lettered;
        self.max_queue = self.max_queue.max(o.max_queue);
        self.busy_area += o.busy_area;
        self.queue_area += o.queue_area;
        self.capacity_area += o.capacity_area;
    }
}

struct NodeAcc {
    name: String,
    role: NodeRole,
    /// Workers now (0 for nodes without workers).
    workers: u64,
    busy: u64,
    queue: u64,
    last_change: SimTime,
    oldest_age: SimDuration,
    win: NodeCounters,
    total: NodeCounters,
    win_duration: WindowLatencies,
    total_duration: LatencyHistogram,
}

impl NodeAcc {
    /// Credits the current levels for the time since the last change.
    fn integrate(&mut self, now: SimTime) {
        let dt = u128::from(now.saturating_since(self.last_change).as_nanos());
        self.win.busy_area += u128::from(self.busy) * dt;
        self.win.queue_area += u128::from(self.queue) * dt;
        self.win.capacity_area += u128::from(self.workers) * dt;
        self.last_change = now;
    }
}

/// A closed window, kept compact until the summary is built.
struct WindowRecord {
    start: SimTime,
    end: SimTime,
    root: RootCounts,
    latency: super::histogram::LatencySummary,
    nodes: Vec<(NodeCounters, f64)>,
}

/// Collects everything a run measures. Time always moves forward: call
/// [`Recorder::advance`] with the time of each event before recording it.
pub struct Recorder {
    window: SimDuration,
    slo: SloConfig,
    win_start: SimTime,
    win: RootCounts,
    total: RootCounts,
    // Every latency is recorded in both the window and the total: cheaper
    // than merging each closed window into the total (a scan of a whole
    // ~300 KB histogram count array), and the total comes out the same.
    win_latency: WindowLatencies,
    total_latency: LatencyHistogram,
    windows: Vec<WindowRecord>,
    nodes: Vec<NodeAcc>,
    ledger: DuplicateLedger,
    network: NetworkSummary,
    unfinished: u64,
    /// Of those, waiting longer than the SLO's latency threshold.
    unanswered: u64,
    arrival_hash: u64,
    /// Calls, attempts and failures per edge, by window (live edges, retry
    /// amplification).
    edges: super::edges::EdgeHistory,
    history: History,
    /// Each node's store (see `sim::store_config::store_of`), for the history.
    store_of: Vec<u32>,
    detection: Detection,
    read_repairs: u64,
    raft: super::raft::RaftLedger,
    ejections: Vec<EjectionEvent>,
    /// (balancer, event) of balancers' health checks.
    health: Vec<(usize, HealthEvent)>,
    tracer: Option<Box<Tracer>>,
    deploy: super::deploy::DeployLog,
}

impl Recorder {
    /// A recorder for nodes `(name, role)` in id order, windows of `window`,
    /// forgetting executions older than `ledger_horizon`.
    pub fn new(
        nodes: Vec<(String, NodeRole)>,
        window: SimDuration,
        slo: SloConfig,
        ledger_horizon: SimDuration,
    ) -> Self {
        let node_count = nodes.len();
        let nodes = nodes
            .into_iter()
            .map(|(name, role)| NodeAcc {
                name,
                workers: match role {
                    NodeRole::Service { workers } => u64::from(workers),
                    _ => 0,
                },
                role,
                busy: 0,
                queue: 0,
                last_change: SimTime::ZERO,
                oldest_age: SimDuration::ZERO,
                win: NodeCounters::default(),
                total: NodeCounters::default(),
                win_duration: WindowLatencies::default(),
                total_duration: LatencyHistogram::default(),
            })
            .collect();
        Recorder {
            window: SimDuration(window.as_nanos().max(1)),
            slo,
            win_start: SimTime::ZERO,
            win: RootCounts::default(),
            total: RootCounts::default(),
            win_latency: WindowLatencies::default(),
            total_latency: LatencyHistogram::default(),
            windows: Vec::new(),
            nodes,
            ledger: DuplicateLedger::new(ledger_horizon),
            network: NetworkSummary::default(),
            unfinished: 0,
            unanswered: 0,
            arrival_hash: 0xcbf2_9ce4_8422_2325,
            edges: super::edges::EdgeHistory::new(node_count),
            history: History::default(),
            store_of: Vec::new(),
            detection: Detection::new(node_count, &[]),
            read_repairs: 0,
            raft: super::raft::RaftLedger::default(),
            ejections: Vec::new(),
            health: Vec::new(),
            tracer: None,
            deploy: super::deploy::DeployLog::default(),
        }
    }

    /// Closes every window that ends at or before `now`.
    #[inline]
    pub fn advance(&mut self, now: SimTime) {
        while now >= self.win_start + self.window {
            let end = self.win_start + self.window;
            self.close_window(end);
        }
    }

    fn close_window(&mut self, end: SimTime) {
        self.edges.roll();
        if let Some(t) = self.tracer.as_deref_mut() {
            t.close_window();
        }
        let mut nodes = Vec::with_capacity(self.nodes.len());
        for n in &mut self.nodes {
            n.integrate(end);
            n.win.max_queue = n.win.max_queue.max(n.queue);
            let p99 = n.win_duration.percentile_ms(99.0);
            n.total.add(&n.win);
            nodes.push((n.win, p99));
            n.win_duration.clear();
            n.win = NodeCounters {
                max_queue: n.queue,
                ..NodeCounters::default()
            };
        }
        let root = std::mem::take(&mut self.win);
        self.total.add(&root);
        let latency = self.win_latency.summary();
        self.win_latency.clear();
        self.windows.push(WindowRecord {
            start: self.win_start,
            end,
            root,
            latency,
            nodes,
        });
        self.win_start = end;
    }

    // ----- end-to-end (clients) -----

    /// A client generated a request at `now`.
    pub fn request_offered(&mut self, now: SimTime, client: usize) {
        self.win.offered += 1;
        self.nodes[client].win.arrivals += 1;
        self.arrival_hash = (self.arrival_hash ^ now.as_nanos()).wrapping_mul(0x0100_0000_01b3);
    }

    /// A hash of every request's generation time so far: equal hashes mean the
    /// clients generated requests at exactly the same moments.
    pub fn arrival_fingerprint(&self) -> u64 {
        self.arrival_hash
    }

    /// A request of `client` finished, `latency` after it was generated.
    pub fn request_finished(
        &mut self,
        client: usize,
        latency: SimDuration,
        result: Result<Served, Failure>,
    ) {
        let c = &mut self.nodes[client];
        match result {
            Ok(_) => {
                c.win.ok += 1;
                c.total_duration.record(latency);
            }
            Err(_) => c.win.errors += 1,
        }
        match result {
            Ok(served) => {
                self.win.ok += 1;
                self.win.degraded += u64::from(served.degraded);
                self.win.stale += u64::from(served.stale);
                self.win_latency.record(latency);
                self.total_latency.record(latency);
            }
            Err(cause) => self.win.failures.add(cause),
        }
    }

    /// Requests still waiting for an answer when the run ended, and of
    /// those the ones that had waited longer than the SLO's latency threshold.
    pub fn set_waiting(&mut self, unfinished: u64, unanswered: u64) {
        self.unfinished = unfinished;
        self.unanswered = unanswered;
    }

    // ----- calls (any caller) -----

    /// `node` started a logical call.
    pub fn call_started(&mut self, node: usize) {
        self.nodes[node].win.calls += 1;
    }

    /// `node` sent an attempt; `retry` and `hedge` say which kind.
    pub fn attempt_sent(&mut self, node: usize, retry: bool, hedge: bool) {
        let n = &mut self.nodes[node];
        n.win.attempts += 1;
        n.win.retries += u64::from(retry);
        n.win.hedges += u64::from(hedge);
        if n.role == NodeRole::Client {
            self.win.attempts += 1;
        }
    }

    /// `node`'s breaker refused a call.
    pub fn circuit_refused(&mut self, node: usize) {
        self.nodes[node].win.circuit_open += 1;
    }

    // ----- services -----

    /// A request arrived at `node`.
    pub fn arrival(&mut self, node: usize) {
        self.nodes[node].win.arrivals += 1;
    }

    /// `node` refused a request (`Rejected` or `Shed`).
    pub fn refused(&mut self, node: usize, cause: Failure) {
        let c = &mut self.nodes[node].win;
        if cause == Failure::Shed {
            c.shed += 1;
        } else {
            c.rejected += 1;
        }
    }

    /// `node` answered a request that spent `duration` inside it.
    pub fn answered(&mut self, node: usize, duration: SimDuration, ok: bool) {
        let n = &mut self.nodes[node];
        if ok {
            n.win.ok += 1;
        } else {
            n.win.errors += 1;
        }
        n.win_duration.record(duration);
        n.total_duration.record(duration);
    }

    /// `node` now has `busy` workers busy and `queue` requests waiting.
    pub fn levels(&mut self, now: SimTime, node: usize, busy: u64, queue: u64) {
        let n = &mut self.nodes[node];
        n.integrate(now);
        n.busy = busy;
        n.queue = queue;
        n.win.max_queue = n.win.max_queue.max(queue);
    }

    /// `node` now has `workers` workers.
    pub fn set_workers(&mut self, now: SimTime, node: usize, workers: u32) {
        let n = &mut self.nodes[node];
        n.integrate(now);
        n.workers = u64::from(workers);
    }

    /// `node` crashed holding `lost` requests.
    pub fn lost_in_crash(&mut self, node: usize, lost: u64) {
        self.nodes[node].win.lost += lost;
    }

    /// `node` executed request `root`; returns true (and counts a duplicate)
    /// when it had already executed it.
    pub fn executed(&mut self, now: SimTime, node: usize, root: RootId) -> bool {
        let dup = self.ledger.executed(now, node as u32, root);
        if dup {
            self.nodes[node].win.duplicates += 1;
            self.win.duplicates += 1;
        }
        dup
    }

    /// `node` answered a repeat from its idempotency-key store.
    pub fn deduplicated(&mut self, node: usize) {
        self.nodes[node].win.deduplicated += 1;
    }

    // ----- caches and queues -----

    /// A cache read: a fresh hit, a miss, or a stale answer after a failed miss.
    pub fn cache_read(&mut self, node: usize, hit: bool) {
        let c = &mut self.nodes[node].win;
        if hit {
            c.cache_hits += 1;
        } else {
            c.cache_misses += 1;
        }
    }

    /// A cache answered with an expired entry because its backing service failed.
    pub fn cache_stale(&mut self, node: usize) {
        self.nodes[node].win.cache_stale += 1;
    }

    /// A queue accepted a message.
    pub fn enqueued(&mut self, node: usize) {
        self.nodes[node].win.enqueued += 1;
    }

    /// A queue delivered a message to its consumer (`redelivery` after the first).
    pub fn delivered(&mut self, node: usize, redelivery: bool) {
        let c = &mut self.nodes[node].win;
        c.deliveries += 1;
        c.redeliveries += u64::from(redelivery);
    }

    /// The consumer acknowledged a message.
    pub fn acked(&mut self, node: usize) {
        self.nodes[node].win.acked += 1;
    }

    /// A message went to the dead-letter queue.
    pub fn dead_lettered(&mut self, node: usize) {
        self.nodes[node].win.dead_lettered += 1;
    }

    /// The age of the oldest message waiting in a queue.
    pub fn oldest_age(&mut self, node: usize, age: SimDuration) {
        self.nodes[node].oldest_age = age;
    }

    // ----- traces -----

    /// Starts collecting traces (see [`super::trace`]); before the run starts.
    pub fn enable_tracing(&mut self, config: TraceConfig) {
        self.tracer = Some(Box::new(Tracer::new(config)));
    }

    /// The tracer, when tracing is on.
    #[inline]
    pub fn tracer_mut(&mut self) -> Option<&mut Tracer> {
        self.tracer.as_deref_mut()
    }

    /// The tracer, when tracing is on.
    pub fn tracer(&self) -> Option<&Tracer> {
        self.tracer.as_deref()
    }

    // ----- balancers -----

    /// Balancer `node` ejected (`true`) or restored `replica` at `now`. Only
    /// the first [`MAX_EJECTION_EVENTS`] are kept.
    pub fn ejection(&mut self, now: SimTime, node: usize, replica: usize, ejected: bool) {
        if self.ejections.len() < MAX_EJECTION_EVENTS {
            self.ejections.push(EjectionEvent {
                at_s: now.as_secs_f64(),
                balancer: self.nodes[node].name.clone(),
                replica: self.nodes[replica].name.clone(),
                ejected,
            });
        }
    }

    /// Watcher `node` began (`true`) or stopped suspecting `target` at
    /// `now`; kept for balancers only, the first [`MAX_EJECTION_EVENTS`].
    fn health_event(&mut self, now: SimTime, node: usize, target: usize, suspected: bool) {
        if self.nodes[node].role == NodeRole::Balancer && self.health.len() < MAX_EJECTION_EVENTS {
            let event = HealthEvent {
                at_s: now.as_secs_f64(),
                replica: self.nodes[target].name.clone(),
                suspected,
            };
            self.health.push((node, event));
        }
    }

    /// Follows the services with several versions: `(node, version names)`.
    pub fn set_versions(&mut self, followed: Vec<(usize, Vec<String>)>) {
        self.deploy = super::deploy::DeployLog::new(self.nodes.len(), self.window, followed);
    }

    /// The per-version figures and rollout events.
    pub fn deploy(&mut self) -> &mut super::deploy::DeployLog {
        &mut self.deploy
    }

    /// The rollout events so far.
    pub fn deploy_events(&self) -> &[super::deploy::DeployEvent] {
        self.deploy.events()
    }

    // ----- network -----

    /// A message was handed to the network.
    pub fn net_sent(&mut self) {
        self.network.sent += 1;
    }
    /// The network lost a message at random.
    pub fn net_lost(&mut self) {
        self.network.lost += 1;
    }
    /// A partition blocked a message.
    pub fn net_cut(&mut self) {
        self.network.cut += 1;
    }
    /// The network delivered a message twice.
    pub fn net_duplicated(&mut self) {
        self.network.duplicated += 1;
    }
    /// A message reached a crashed node.
    pub fn net_to_crashed(&mut self) {
        self.network.to_crashed += 1;
    }

    // ----- replicated state -----

    /// A store client invoked an operation; returns its history id.
    pub fn op_invoked(&mut self, now: SimTime, client: u32, key: u64, write: Option<u64>) -> usize {
        let store = self
            .store_of
            .get(client as usize)
            .copied()
            .unwrap_or(client);
        self.history.invoke(now, client, store, key, write)
    }

    /// Which store each node's operations go to, by node index (see
    /// `sim::store_config::store_of`).
    pub fn set_stores(&mut self, store_of: Vec<u32>) {
        self.store_of = store_of;
    }

    /// History operation `id` ended.
    pub fn op_completed(&mut self, now: SimTime, id: usize, outcome: Outcome) {
        self.history.complete(now, id, outcome);
    }

    /// The run's store history so far.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Raft bookkeeping (leaders per term, applied entries).
    pub fn raft(&mut self) -> &mut super::raft::RaftLedger {
        &mut self.raft
    }

    /// Raft leaders elected so far, in order.
    pub fn raft_leaders(&self) -> &[super::raft::LeaderRecord] {
        self.raft.leaders()
    }

    /// A replica repaired a stale replica after a read.
    pub fn read_repair(&mut self) {
        self.read_repairs += 1;
    }

    /// Declares which (monitor, target) pairs are watched.
    pub fn set_watched(&mut self, pairs: &[(usize, usize)]) {
        self.detection = Detection::new(self.nodes.len(), pairs);
    }

    /// Node `node` crashed at `now` (the truth failure detectors are judged by).
    pub fn node_down(&mut self, now: SimTime, node: usize) {
        self.detection.down(now, node);
    }

    /// Node `node` restarted.
    pub fn node_up(&mut self, node: usize) {
        self.detection.up(node);
    }

    /// `monitor` began suspecting `target`.
    pub fn suspected(&mut self, now: SimTime, monitor: usize, target: usize) {
        self.detection.suspected(now, monitor, target);
        self.health_event(now, monitor, target, true);
    }

    /// `monitor` stopped suspecting `target` (it answered again).
    pub fn unsuspected(&mut self, now: SimTime, monitor: usize, target: usize) {
        self.health_event(now, monitor, target, false);
    }

    // ----- reading -----

    /// Closes the last (possibly partial) window at `end` and builds the summary.
    pub fn finish(mut self, end: SimTime, scenario: &str, seed: u64, events: u64) -> RunSummary {
        self.close_last(end);
        let sim_seconds = end.as_secs_f64();
        let mut windows = self.window_series();
        let (consistency, detection) = self.state_summaries(sim_seconds, &mut windows);
        let total = &self.total;
        let finished = total.finished();
        let requests = RequestSummary {
            offered: total.offered,
            total: finished,
            ok: total.ok,
            failed: total.failures.total(),
            unfinished: self.unfinished,
            availability: availability(total.ok, finished),
            attempts: total.attempts,
            amplification: ratio(total.attempts as f64, total.offered as f64),
            duplicates: total.duplicates,
            degraded: total.degraded,
            stale: total.stale,
        };
        let slo = slo_summary(&self.slo, total, &self.total_latency, self.unanswered);
        let services = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.role != NodeRole::Client)
            .map(|(i, n)| {
                let summary = service_summary(n, sim_seconds, &self.ejections, &self.health, i);
                (n.name.clone(), summary)
            })
            .collect();
        let clients = self
            .nodes
            .iter()
            .filter(|n| n.role == NodeRole::Client)
            .map(|n| {
                let c = &n.total;
                let summary = ClientSummary {
                    offered: c.arrivals,
                    ok: c.ok,
                    failed: c.errors,
                    availability: availability(c.ok, c.ok + c.errors),
                    latency_ms: n.total_duration.summary(),
                };
                (n.name.clone(), summary)
            })
            .collect();
        let alerts = super::alerts::burn_rate_alerts(&windows, self.slo.availability, sim_seconds);
        let node_names: Vec<String> = self.nodes.iter().map(|n| n.name.clone()).collect();
        let windows_len = windows.len();
        RunSummary {
            scenario: scenario.to_string(),
            seed,
            sim_seconds,
            events,
            requests,
            failures: total.failures,
            latency_ms: self.total_latency.summary(),
            services,
            clients,
            network: self.network,
            slo,
            windows,
            consistency,
            detection,
            raft: self.raft.summary(),
            alerts,
            deployments: self.deploy.summary(&node_names, windows_len),
        }
    }

    /// Runs the consistency checker and sums up detection, filling the
    /// windows' state figures when a store, monitor or Raft node ran.
    fn state_summaries(
        &mut self,
        sim_seconds: f64,
        windows: &mut [WindowSummary],
    ) -> (
        Option<crate::check::ConsistencySummary>,
        Option<super::detection::DetectionSummary>,
    ) {
        let sources = self.state_sources();
        if !sources.active() {
            return (None, None);
        }
        self.history.close();
        let ends: Vec<SimTime> = self.windows.iter().map(|w| w.end).collect();
        let checked = (!self.history.is_empty()).then(|| {
            let (mut s, per_window) = crate::check::analyse(&self.history, &ends);
            s.read_repairs = self.read_repairs;
            (s, per_window)
        });
        let series = self
            .state_sources()
            .series(&ends, checked.as_ref().map(|c| c.1.as_slice()));
        for (w, st) in windows.iter_mut().zip(series) {
            w.state = Some(st);
        }
        let detection = self
            .detection
            .active()
            .then(|| self.detection.summary(sim_seconds));
        (checked.map(|c| c.0), detection)
    }

    fn state_sources(&self) -> StateSources<'_> {
        StateSources {
            history: &self.history,
            detection: &self.detection,
            raft: &self.raft,
        }
    }

    /// The state figures of the closed windows from `first` on, as far as
    /// the run so far shows them (no linearizability search); `None` when
    /// no store, monitor or Raft node runs.
    fn live_state(&self, first: usize) -> Option<Vec<StateWindow>> {
        let sources = self.state_sources();
        if !sources.active() {
            return None;
        }
        let ends: Vec<SimTime> = self.windows.iter().map(|w| w.end).collect();
        let consistency = (!self.history.is_empty()).then(|| {
            let found = crate::check::anomalies::find(&self.history.ops);
            crate::check::window_counts(&self.history.ops, &found, &ends)
        });
        let mut series = sources.series(&ends, consistency.as_deref());
        Some(series.split_off(first.min(series.len())))
    }

    /// Closes every window up to `end`, the last one possibly partial.
    fn close_last(&mut self, end: SimTime) {
        self.advance(end);
        if end > self.win_start || self.windows.is_empty() {
            self.close_window(end);
        } else {
            // The run ends on a window boundary: what happened at exactly
            // `end` opened a window of zero length that is not listed; it
            // still counts in the totals (or offered != finished + unfinished).
            self.total.add(&std::mem::take(&mut self.win));
            for n in &mut self.nodes {
                n.total.add(&n.win);
                n.win = NodeCounters {
                    max_queue: n.queue,
                    ..NodeCounters::default()
                };
            }
        }
    }

    /// [`Recorder::finish`], also giving the kept traces (empty when tracing is off).
    pub fn finish_traced(
        mut self,
        end: SimTime,
        scenario: &str,
        seed: u64,
        events: u64,
    ) -> (RunSummary, Vec<Trace>) {
        self.close_last(end);
        let traces = self
            .tracer
            .take()
            .map_or_else(Vec::new, |mut t| t.take_kept());
        (self.finish(end, scenario, seed, events), traces)
    }

    fn window_series(&self) -> Vec<WindowSummary> {
        self.summaries(0, None)
    }

    /// Summaries of the closed windows from index `first` on (empty when
    /// there are none yet). The error budget in each is for the run so far.
    pub fn windows_since(&self, first: usize) -> Vec<WindowSummary> {
        if first >= self.windows.len() {
            return Vec::new();
        }
        self.summaries(first, self.live_state(first))
    }

    /// Summaries of the closed windows from `first` on, with `state` (one
    /// per window from `first` on) when given.
    fn summaries(&self, first: usize, state: Option<Vec<StateWindow>>) -> Vec<WindowSummary> {
        let allowance = 1.0 - self.slo.availability;
        let first = first.min(self.windows.len());
        let mut state = state.map(Vec::into_iter);
        let (mut finished_so_far, mut failed_so_far) = self.windows[..first]
            .iter()
            .fold((0u64, 0u64), |(t, f), w| {
                (t + w.root.finished(), f + w.root.failures.total())
            });
        self.windows[first..]
            .iter()
            .map(|w| {
                let failed = w.root.failures.total();
                let total = w.root.ok + failed;
                finished_so_far += total;
                failed_so_far += failed;
                let services = self
                    .nodes
                    .iter()
                    .zip(&w.nodes)
                    // Monitors serve no requests: a row of zeros would only
                    // crowd the utilization and queue plots.
                    .filter(|(n, _)| !matches!(n.role, NodeRole::Client | NodeRole::Monitor))
                    .map(|(n, (c, p99))| {
                        (
                            n.name.clone(),
                            service_window(c, *p99, w.end.saturating_since(w.start)),
                        )
                    })
                    .collect();
                WindowSummary {
                    start_s: w.start.as_secs_f64(),
                    end_s: w.end.as_secs_f64(),
                    offered: w.root.offered,
                    total,
                    ok: w.root.ok,
                    failed,
                    failures: w.root.failures,
                    attempts: w.root.attempts,
                    duplicates: w.root.duplicates,
                    availability: availability(w.root.ok, total),
                    budget_remaining: budget_remaining(failed_so_far, finished_so_far, allowance),
                    latency_ms: w.latency,
                    services,
                    state: state.as_mut().and_then(Iterator::next),
                }
            })
            .collect()
    }
}

/// One node's figures for one window of length `len`.
fn service_window(c: &NodeCounters, p99_ms: f64, len: SimDuration) -> ServiceWindow {
    let secs = len.as_nanos().max(1) as f64;
    ServiceWindow {
        arrivals: c.arrivals,
        ok: c.ok,
        errors: c.errors,
        refused: c.rejected + c.shed,
        utilization: ratio(c.busy_area as f64, c.capacity_area as f64),
        mean_queue: c.queue_area as f64 / secs,
        max_queue: c.max_queue,
        p99_ms,
    }
}

/// `1 − failed / ((1 − target) × total)`; 1 when nothing has finished.
fn budget_remaining(failed: u64, total: u64, allowance: f64) -> f64 {
    let budget = allowance * total as f64;
    if total == 0 || (budget == 0.0 && failed == 0) {
        1.0
    } else if budget == 0.0 {
        f64::MIN
    } else {
        1.0 - failed as f64 / budget
    }
}

fn slo_summary(
    slo: &SloConfig,
    total: &RootCounts,
    latency: &LatencyHistogram,
    unanswered: u64,
) -> SloSummary {
    let finished = total.finished();
    let failed = total.failures.total();
    let measured = availability(total.ok, finished);
    let error_budget = (1.0 - slo.availability) * finished as f64;
    let remaining = budget_remaining(failed, finished, 1.0 - slo.availability);
    let at_percentile = latency.percentile_ms(slo.percentile);
    SloSummary {
        availability_target: slo.availability,
        availability: measured,
        availability_met: measured >= slo.availability,
        error_budget,
        budget_consumed: 1.0 - remaining,
        budget_remaining: remaining,
        latency_threshold_ms: slo.latency.as_millis_f64(),
        percentile: slo.percentile,
        latency_at_percentile_ms: at_percentile,
        latency_met: slo.latency_met(at_percentile),
        unanswered,
    }
}

fn service_summary(
    n: &NodeAcc,
    sim_seconds: f64,
    ejections: &[EjectionEvent],
    health: &[(usize, HealthEvent)],
    me: usize,
) -> ServiceSummary {
    let c = &n.total;
    let ns = sim_seconds * 1e9;
    let cache = (n.role == NodeRole::Cache).then(|| CacheSummary {
        hits: c.cache_hits,
        misses: c.cache_misses,
        stale: c.cache_stale,
        hit_ratio: ratio(c.cache_hits as f64, (c.cache_hits + c.cache_misses) as f64),
    });
    let balancer = (n.role == NodeRole::Balancer).then(|| BalancerSummary {
        events: ejections
            .iter()
            .filter(|e| e.balancer == n.name)
            .cloned()
            .collect(),
        health: health
            .iter()
            .filter(|(b, _)| *b == me)
            .map(|(_, e)| e.clone())
            .collect(),
    });
    let queue = (n.role == NodeRole::Queue).then(|| QueueSummary {
        enqueued: c.enqueued,
        deliveries: c.deliveries,
        redeliveries: c.redeliveries,
        acked: c.acked,
        dead_lettered: c.dead_lettered,
        oldest_age_ms: n.oldest_age.as_millis_f64(),
    });
    ServiceSummary {
        kind: n.role.label().to_string(),
        arrivals: c.arrivals,
        rate_per_s: ratio(c.arrivals as f64, sim_seconds),
        ok: c.ok,
        errors: c.errors,
        rejected: c.rejected,
        shed: c.shed,
        lost_in_crash: c.lost,
        duplicates: c.duplicates,
        deduplicated: c.deduplicated,
        utilization: ratio(c.busy_area as f64, c.capacity_area as f64),
        mean_queue: ratio(c.queue_area as f64, ns),
        max_queue: c.max_queue,
        mean_in_system: ratio((c.busy_area + c.queue_area) as f64, ns),
        duration_ms: n.total_duration.summary(),
        calls: CallSummary {
            calls: c.calls,
            attempts: c.attempts,
            retries: c.retries,
            hedges: c.hedges,
            circuit_open: c.circuit_open,
            amplification: ratio(c.attempts as f64, c.calls as f64),
        },
        cache,
        queue,
        balancer,
    }
}

/// End-to-end figures for the run so far.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RunTotals {
    /// Request counts.
    pub requests: RequestSummary,
    /// Latency of successful requests.
    pub latency_ms: LatencySummary,
    /// Latency of successful requests at the SLO's own percentile, read as
    /// the run summary reads it.
    pub latency_at_slo_ms: f64,
    /// Error budget left.
    pub budget_remaining: f64,
}

impl Recorder {
    /// `from` sent an attempt to `to`.
    pub fn edge_attempt(&mut self, from: usize, to: usize) {
        self.edges.attempt(from, to);
    }

    /// `from` started a logical call to `to`.
    pub fn edge_call(&mut self, from: usize, to: usize) {
        self.edges.call(from, to);
    }

    /// Calls and attempts per edge in the closed windows from index `first` on.
    pub fn edge_windows_since(&self, first: usize) -> &[Vec<super::edges::EdgeWindow>] {
        self.edges.since(first)
    }

    /// An attempt from `from` to `to` failed (error or refusal answer, or timeout).
    pub fn edge_failure(&mut self, from: usize, to: usize) {
        self.edges.failure(from, to);
    }

    /// (attempts, failures) from `from` to `to` in the last closed window.
    pub fn last_edge(&self, from: usize, to: usize) -> (u64, u64) {
        let c = self.edges.last(from, to);
        (c.attempts, c.failures)
    }

    /// (busy, queued) of a node now.
    pub fn levels_of(&self, node: usize) -> (u64, u64) {
        let n = &self.nodes[node];
        (n.busy, n.queue)
    }

    /// A node's figures in the last closed window.
    pub fn last_window_of(&self, node: usize) -> Option<ServiceWindow> {
        let w = self.windows.last()?;
        let (c, p99) = &w.nodes[node];
        Some(service_window(c, *p99, w.end.saturating_since(w.start)))
    }

    /// End-to-end figures: counts through the last closed window, latency
    /// including the window in progress.
    pub fn totals(&self) -> RunTotals {
        let t = &self.total;
        let finished = t.finished();
        RunTotals {
            requests: RequestSummary {
                offered: t.offered,
                total: finished,
                ok: t.ok,
                failed: t.failures.total(),
                unfinished: 0,
                availability: availability(t.ok, finished),
                attempts: t.attempts,
                amplification: ratio(t.attempts as f64, t.offered as f64),
                duplicates: t.duplicates,
                degraded: t.degraded,
                stale: t.stale,
            },
            latency_ms: self.total_latency.summary(),
            latency_at_slo_ms: self.total_latency.percentile_ms(self.slo.percentile),
            budget_remaining: budget_remaining(
                t.failures.total(),
                finished,
                1.0 - self.slo.availability,
            ),
        }
    }
}
