//! The engine's own configuration: already validated, names resolved to ids.
//!
//! Scenario files (`crate::scenario`) are parsed and checked into these types;
//! the engine trusts them. Everything here is plain data.

use super::dist::Dist;
use super::time::{SimDuration, SimTime};

pub use super::store_config::{
    CapMode, DetectorConfig, MonitorConfig, RaftConfig, ReplicaConfig, Resolve, StoreClientConfig,
};

/// Index of a node in [`SimConfig::nodes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The index into the node table.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Everything needed to build and run one simulation.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Human name of the scenario.
    pub name: String,
    /// Master seed: every random stream derives from it.
    pub seed: u64,
    /// How long a run lasts.
    pub duration: SimDuration,
    /// Width of one metrics window.
    pub window: SimDuration,
    /// The nodes; a node's [`NodeId`] is its index here.
    pub nodes: Vec<NodeConfig>,
    /// Link model for any directed pair not listed in `links`.
    pub default_link: LinkModel,
    /// Directed links that differ from the default.
    pub links: Vec<LinkConfig>,
    /// Scripted actions, sorted by time.
    pub timeline: Vec<TimedAction>,
    /// The service level objective the run is judged against.
    pub slo: SloConfig,
}

impl SimConfig {
    /// The id of the node called `name`, if any.
    pub fn node_id(&self, name: &str) -> Option<NodeId> {
        self.nodes
            .iter()
            .position(|n| n.name == name)
            .map(|i| NodeId(i as u32))
    }

    /// Every caller → callee edge the file names, in node order and, within
    /// a node, in the order it lists them: a client's target, a service's
    /// calls, a cache's backing store, a queue's consumer, a store client's
    /// target, a replica's or Raft node's peers, a monitor's watched nodes
    /// and a balancer's pool.
    pub fn call_edges(&self) -> Vec<(NodeId, NodeId)> {
        let mut out = Vec::new();
        for (i, n) in self.nodes.iter().enumerate() {
            let from = NodeId(i as u32);
            match &n.kind {
                NodeKind::Client(c) => out.push((from, c.target)),
                NodeKind::Service(s) => out.extend(s.calls.iter().map(|c| (from, c.to))),
                NodeKind::Cache(c) => out.push((from, c.backing.to)),
                NodeKind::Queue(q) => out.push((from, q.consumer)),
                NodeKind::StoreClient(c) => out.push((from, c.target)),
                NodeKind::Replica(r) => out.extend(r.peers.iter().map(|&to| (from, to))),
                NodeKind::Raft(r) => out.extend(r.peers.iter().map(|&to| (from, to))),
                NodeKind::Monitor(m) => out.extend(m.watch.iter().map(|&to| (from, to))),
                NodeKind::Balancer(b) => out.extend(b.pool.iter().map(|&to| (from, to))),
            }
        }
        out
    }
}

/// One node: its name, what it does, and its clock.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// Unique name; also names the node's random stream.
    pub name: String,
    /// Failure domain (zone), if placed in one.
    pub zone: Option<String>,
    /// Where the window draws it, if the file says.
    pub position: Option<(f32, f32)>,
    /// The node's local clock at the start.
    pub clock: ClockConfig,
    /// Behaviour.
    pub kind: NodeKind,
}

impl NodeConfig {
    /// A node with no zone, no position and a perfect clock.
    pub fn named(name: &str, kind: NodeKind) -> Self {
        NodeConfig {
            name: name.into(),
            zone: None,
            position: None,
            clock: ClockConfig::default(),
            kind,
        }
    }
}

/// A node's local clock: `local = true × (1 + drift) + offset`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClockConfig {
    /// Offset from true time, in nanoseconds (may be negative).
    pub offset_ns: i64,
    /// Rate error in parts per million (positive: the clock runs fast).
    pub drift_ppm: i64,
}

/// What a node does.
#[derive(Clone, Debug)]
pub enum NodeKind {
    /// Generates requests and records their end-to-end outcome.
    Client(ClientConfig),
    /// Workers, a queue, work time, errors, downstream calls.
    Service(ServiceConfig),
    /// An LRU cache in front of a backing service.
    Cache(CacheConfig),
    /// An asynchronous queue that delivers messages to a consumer at least once.
    Queue(QueueConfig),
    /// A replica of a leaderless replicated key-value store.
    Replica(ReplicaConfig),
    /// A client reading and writing a replicated store.
    StoreClient(StoreClientConfig),
    /// Watches other nodes with a failure detector.
    Monitor(MonitorConfig),
    /// A node of a Raft-replicated key-value store.
    Raft(RaftConfig),
    /// A load balancer (gateway) in front of a pool of replicas.
    Balancer(BalancerConfig),
}

impl NodeKind {
    /// A short lowercase word for the kind: `client`, `service`, `cache`, `queue`, `balancer`.
    pub fn label(&self) -> &'static str {
        match self {
            NodeKind::Client(_) => "client",
            NodeKind::Service(_) => "service",
            NodeKind::Cache(_) => "cache",
            NodeKind::Queue(_) => "queue",
            NodeKind::Replica(_) => "replica",
            NodeKind::StoreClient(_) => "store client",
            NodeKind::Monitor(_) => "monitor",
            NodeKind::Raft(_) => "raft node",
            NodeKind::Balancer(_) => "balancer",
        }
    }
}

/// A workload: who sends what, how often, through which policy.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Open or closed loop.
    pub load: Load,
    /// The node every request goes to.
    pub target: NodeId,
    /// How the client calls the target.
    pub policy: PolicyConfig,
    /// Which keys requests touch.
    pub keys: KeySpace,
    /// Fraction of requests that are writes (the rest are reads).
    pub write_fraction: f64,
    /// Priority classes of the requests, as (class, weight); weights sum to 1.
    pub priorities: Vec<(Priority, f64)>,
    /// Most requests outstanding at once; beyond it new ones are dropped.
    pub max_in_flight: Option<u32>,
}

/// How requests arrive.
#[derive(Clone, Debug, PartialEq)]
pub enum Load {
    /// Arrivals independent of responses.
    Open {
        /// Arrival process.
        arrivals: Arrivals,
    },
    /// A fixed population, each waiting for its answer then thinking.
    Closed {
        /// Number of users.
        users: u32,
        /// Time between an answer and the user's next request.
        think: Dist,
    },
}

/// An open-loop arrival process.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Arrivals {
    /// Exponential gaps with the given mean rate.
    Poisson { rate_per_s: f64 },
    /// Evenly spaced arrivals.
    Constant { rate_per_s: f64 },
}

impl Arrivals {
    /// Mean arrivals per second.
    pub fn rate_per_s(&self) -> f64 {
        match *self {
            Arrivals::Poisson { rate_per_s } | Arrivals::Constant { rate_per_s } => rate_per_s,
        }
    }

    /// The same process at a new rate.
    pub fn with_rate(&self, rate_per_s: f64) -> Self {
        match self {
            Arrivals::Poisson { .. } => Arrivals::Poisson { rate_per_s },
            Arrivals::Constant { .. } => Arrivals::Constant { rate_per_s },
        }
    }
}

/// The key space requests draw from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KeySpace {
    /// Keys `1..=n` equally likely.
    Uniform { n: u64 },
    /// Keys `1..=n` with P(k) ∝ k^(-s).
    Zipf { n: u64, s: f64 },
}

/// Request priority, used by load shedding (lowest dropped first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// Can wait or be dropped: prefetches, batch work.
    Background = 0,
    /// Ordinary user traffic.
    Normal = 1,
    /// Must be served if anything is: checkout, login.
    Critical = 2,
}

/// A service: `workers` parallel workers in front of a FIFO queue.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    /// Parallel workers (c in M/M/c).
    pub workers: u32,
    /// Queue capacity; `None` is unbounded. A full queue rejects.
    pub queue_capacity: Option<u32>,
    /// Local work time per request (before downstream calls).
    pub work: Dist,
    /// Probability the work itself fails.
    pub error_rate: f64,
    /// Downstream calls made after the local work, each through its policy.
    pub calls: Vec<CallConfig>,
    /// Whether `calls` run one after another or all at once.
    pub call_mode: CallMode,
    /// What to answer when a downstream call fails.
    pub fallback: Fallback,
    /// Whether executing a request twice is harmless.
    pub operation: Operation,
    /// Remember idempotency keys and answer repeats without executing again.
    pub idempotency_keys: bool,
    /// How long remembered keys (and the duplicate detector) keep a request.
    pub key_ttl: SimDuration,
    /// Token-bucket admission limit.
    pub rate_limit: Option<RateLimitConfig>,
    /// Priority-aware load shedding on queue length.
    pub shedding: Option<SheddingConfig>,
    /// The versions it can run (see [`super::deploy`]); by default one, `v1`.
    pub versions: super::deploy::Versions,
}

impl ServiceConfig {
    /// A plain service: `workers` workers, an unbounded queue and `work` per
    /// request; no errors, calls, limits or shedding.
    pub fn plain(workers: u32, work: Dist) -> Self {
        ServiceConfig {
            workers,
            queue_capacity: None,
            work,
            error_rate: 0.0,
            calls: vec![],
            call_mode: CallMode::Sequential,
            fallback: Fallback::Fail,
            operation: Operation::Idempotent,
            idempotency_keys: false,
            key_ttl: SimDuration::from_secs(600),
            rate_limit: None,
            shedding: None,
            versions: Default::default(),
        }
    }
}

/// One downstream dependency.
#[derive(Clone, Debug)]
pub struct CallConfig {
    /// The callee.
    pub to: NodeId,
    /// How to call it.
    pub policy: PolicyConfig,
}

/// How a service runs its downstream calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallMode {
    /// One after another; the first failure stops the chain.
    Sequential,
    /// All at once (fan-out); done when `wait_for` succeed, failed when that is impossible.
    Parallel { wait_for: u32 },
}

/// What a service answers when a dependency fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fallback {
    /// Fail the request.
    Fail,
    /// Answer with a default (degraded) response.
    Default,
}

/// Whether repeating an operation is harmless.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// Repeats are harmless (a read, a put of the same value).
    Idempotent,
    /// Repeats do harm (a charge); each repeat counts as a duplicate execution.
    NonIdempotent,
}

/// A token bucket: `rate_per_s` tokens a second, holding at most `burst`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TokenBucketConfig {
    /// Refill rate.
    pub rate_per_s: f64,
    /// Bucket size.
    pub burst: f64,
}

/// Server-side rate limiting.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimitConfig {
    /// Limit over all callers.
    pub overall: Option<TokenBucketConfig>,
    /// Limit for each calling node separately (one noisy tenant cannot starve others).
    pub per_caller: Option<TokenBucketConfig>,
}

/// Shed requests when the queue is long, lowest priority first.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SheddingConfig {
    /// Queue length at which background requests are shed.
    pub background_at: u32,
    /// Queue length at which normal requests are shed.
    pub normal_at: u32,
    /// Queue length at which critical requests are shed.
    pub critical_at: u32,
}

/// A call policy: how one caller calls one callee.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyConfig {
    /// Give up on one attempt after this long.
    pub timeout: Option<SimDuration>,
    /// Give up on the whole call (all attempts) after this long.
    pub deadline: Option<SimDuration>,
    /// Retries after a failed attempt.
    pub retry: RetryConfig,
    /// Stop calling a failing callee for a while.
    pub breaker: Option<BreakerConfig>,
    /// Send a second copy when the first is slow.
    pub hedge: Option<HedgeConfig>,
    /// Attach the request's idempotency key so the callee can deduplicate.
    pub idempotency_keys: bool,
}

impl Default for PolicyConfig {
    /// No timeout, no retries, no breaker, no hedging: the naive caller.
    fn default() -> Self {
        PolicyConfig {
            timeout: None,
            deadline: None,
            retry: RetryConfig::default(),
            breaker: None,
            hedge: None,
            idempotency_keys: false,
        }
    }
}

/// Retries with backoff and jitter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RetryConfig {
    /// Retries after the first attempt (so at most `1 + max_retries` attempts).
    pub max_retries: u32,
    /// Wait before retry n.
    pub backoff: Backoff,
    /// Randomization of that wait.
    pub jitter: Jitter,
    /// Limit retries to a fraction of requests.
    pub budget: Option<RetryBudgetConfig>,
    /// Which failures are retried.
    pub on: RetryOn,
}

/// Which failures a caller retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryOn {
    /// Retry after a timeout (the outcome is ambiguous: it may have executed).
    pub timeout: bool,
    /// Retry after an error or rejection answer.
    pub error: bool,
}

impl Default for RetryOn {
    fn default() -> Self {
        RetryOn {
            timeout: true,
            error: true,
        }
    }
}

/// Backoff before each retry.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Backoff {
    /// Retry at once.
    #[default]
    None,
    /// The same wait each time.
    Constant(SimDuration),
    /// `min(cap, base · 2^(n-1))` before retry n.
    Exponential { base: SimDuration, cap: SimDuration },
}

/// Jitter, as in the AWS Architecture Blog's "Exponential Backoff and Jitter".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Jitter {
    /// Exactly the backoff.
    #[default]
    None,
    /// Uniform in `[0, backoff]`.
    Full,
    /// `backoff/2 + uniform[0, backoff/2]`.
    Equal,
    /// `min(cap, uniform[base, 3 · previous wait])`.
    Decorrelated,
}

/// A retry budget: each request earns `ratio` tokens, each retry spends one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryBudgetConfig {
    /// Retries allowed per request, on average (e.g. 0.1).
    pub ratio: f64,
    /// Tokens the bucket holds at most (and starts with).
    pub max_tokens: f64,
}

/// A circuit breaker.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BreakerConfig {
    /// Open when at least this fraction of calls in the window failed.
    pub failure_rate: f64,
    /// The sliding window the failure rate is measured over.
    pub window: SimDuration,
    /// Fewest calls in the window before the breaker may open.
    pub min_calls: u32,
    /// How long it stays open before letting probes through.
    pub open_for: SimDuration,
    /// Successful probes (half-open) needed to close again.
    pub probes: u32,
}

/// Hedged requests: a second copy when the first is slow.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum HedgeConfig {
    /// Hedge after a fixed delay.
    After(SimDuration),
    /// Hedge after the caller's observed latency percentile (e.g. 95.0).
    Percentile(f64),
}

/// A cache in front of a backing service.
#[derive(Clone, Debug)]
pub struct CacheConfig {
    /// Entries it holds (LRU eviction).
    pub capacity: u32,
    /// How long an entry is fresh.
    pub ttl: SimDuration,
    /// Time to answer a hit.
    pub hit_time: Dist,
    /// Where misses and writes go.
    pub backing: CallConfig,
    /// Answer with an expired entry when the backing service fails.
    pub serve_stale: bool,
}

/// An asynchronous queue (a broker) in front of a consumer service.
#[derive(Clone, Debug)]
pub struct QueueConfig {
    /// The service that consumes messages.
    pub consumer: NodeId,
    /// Messages delivered to the consumer at once.
    pub concurrency: u32,
    /// Deliveries of one message before it goes to the dead-letter queue.
    pub max_deliveries: u32,
    /// Redeliver when the consumer has not acknowledged within this time.
    pub ack_timeout: SimDuration,
    /// Messages it holds; `None` is unbounded. Full → reject the producer.
    pub capacity: Option<u32>,
}

/// The network between two nodes, one direction.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkModel {
    /// One-way delay.
    pub latency: Dist,
    /// Probability a message is lost.
    pub loss: f64,
    /// Probability a message is delivered twice.
    pub duplicate: f64,
}

impl LinkModel {
    /// This model with a `SetLink`'s new values in place of the old (`None` keeps one).
    pub fn changed(
        &self,
        latency: Option<&Dist>,
        loss: Option<f64>,
        duplicate: Option<f64>,
    ) -> Self {
        LinkModel {
            latency: latency.unwrap_or(&self.latency).clone(),
            loss: loss.unwrap_or(self.loss),
            duplicate: duplicate.unwrap_or(self.duplicate),
        }
    }
}

impl Default for LinkModel {
    /// A perfect link: no delay, no loss, no duplicates.
    fn default() -> Self {
        LinkModel {
            latency: Dist::Constant { ns: 0.0 },
            loss: 0.0,
            duplicate: 0.0,
        }
    }
}

/// A directed link that differs from the default.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkConfig {
    /// Sender.
    pub from: NodeId,
    /// Receiver.
    pub to: NodeId,
    /// Its model.
    pub model: LinkModel,
}

/// An action at a moment of the run.
#[derive(Clone, Debug, PartialEq)]
pub struct TimedAction {
    /// When it happens.
    pub at: SimTime,
    /// What happens.
    pub action: Action,
}

/// The fault and control vocabulary, shared by the file timeline, the window and the CLI.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The node stops: in-flight and queued work is lost, messages to it are dropped.
    Crash(NodeId),
    /// A crashed node starts again, empty (caches cold).
    Restart(NodeId),
    /// Multiply the node's work time by `factor` (1.0 is normal): a gray failure.
    Slow { node: NodeId, factor: f64 },
    /// Cut the listed directed pairs.
    Partition(Vec<(NodeId, NodeId)>),
    /// Restore the listed directed pairs, or every cut when `None`.
    Heal(Option<Vec<(NodeId, NodeId)>>),
    /// Crash every node placed in the zone (a correlated failure).
    CrashZone(String),
    /// Restart every crashed node of the zone.
    RestartZone(String),
    /// Cut every link between the zone's nodes and the rest, both ways.
    PartitionZone(String),
    /// Restore the links `PartitionZone` of this zone cuts.
    HealZone(String),
    /// Change one directed link.
    SetLink {
        /// Sender.
        from: NodeId,
        /// Receiver.
        to: NodeId,
        /// New delay, if changed.
        latency: Option<Dist>,
        /// New loss probability, if changed.
        loss: Option<f64>,
        /// New duplication probability, if changed.
        duplicate: Option<f64>,
    },
    /// Step or re-rate a node's clock.
    SetClock {
        /// Whose clock.
        node: NodeId,
        /// New offset, if changed.
        offset_ns: Option<i64>,
        /// New drift, if changed.
        drift_ppm: Option<i64>,
    },
    /// Replace the policy `caller` uses towards `callee`.
    SetPolicy {
        caller: NodeId,
        callee: NodeId,
        policy: PolicyConfig,
    },
    /// Change a client's open-loop rate or closed-loop population.
    SetLoad { client: NodeId, load: Load },
    /// Change a service's capacity or behaviour knobs.
    SetService { node: NodeId, change: ServiceChange },
    /// Roll a version of a service out as a canary (see [`super::deploy`]).
    Canary {
        service: NodeId,
        canary: super::deploy::CanaryConfig,
    },
    /// Blue/green: switch every request of a service to a version at once.
    BlueGreen { service: NodeId, version: usize },
    /// End a service's canary, or switch back to the version it ran before.
    Rollback(NodeId),
}

/// New values for some of a service's knobs; `None` leaves one as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceChange {
    /// Parallel workers. Fewer workers take effect as running requests finish.
    pub workers: Option<u32>,
    /// Queue capacity. A smaller capacity keeps what is queued and refuses new arrivals.
    pub queue_capacity: Option<u32>,
    /// Work time per request, for requests that start work from now on.
    pub work: Option<Dist>,
    /// Probability the work fails, for work that ends from now on.
    pub error_rate: Option<f64>,
}

impl ServiceChange {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self == &ServiceChange::default()
    }

    /// Writes the changed knobs into `config`.
    pub fn apply_to(&self, config: &mut ServiceConfig) {
        if let Some(w) = self.workers {
            config.workers = w;
        }
        if let Some(q) = self.queue_capacity {
            config.queue_capacity = Some(q);
        }
        if let Some(d) = &self.work {
            config.work = d.clone();
        }
        if let Some(p) = self.error_rate {
            config.error_rate = p;
        }
    }
}

/// The service level objective.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SloConfig {
    /// Fraction of requests that must succeed (e.g. 0.999).
    pub availability: f64,
    /// Latency threshold for the latency objective.
    pub latency: SimDuration,
    /// The percentile that must stay under `latency` (e.g. 99.0).
    pub percentile: f64,
}

impl SloConfig {
    /// Whether latency `at_percentile_ms`, measured at [`Self::percentile`],
    /// meets the latency objective: the one rule the report and the window share.
    pub fn latency_met(&self, at_percentile_ms: f64) -> bool {
        at_percentile_ms <= self.latency.as_millis_f64()
    }
}

impl Default for SloConfig {
    fn default() -> Self {
        SloConfig {
            availability: 0.999,
            latency: SimDuration::from_millis(200),
            percentile: 99.0,
        }
    }
}

/// A load balancer: forwards each request to one replica of its pool.
#[derive(Clone, Debug, PartialEq)]
pub struct BalancerConfig {
    /// The replicas, in file order.
    pub pool: Vec<NodeId>,
    /// How a replica is picked.
    pub strategy: BalanceStrategy,
    /// How the balancer calls the chosen replica (timeout, retries, ...).
    pub policy: PolicyConfig,
    /// Take replicas that keep failing out of the pool for a while.
    pub ejection: Option<EjectionConfig>,
    /// Probe the replicas with a failure detector and route around suspects.
    pub health: Option<HealthConfig>,
}

/// Health checks: the balancer probes every replica each `every` (its local
/// time) over the links and feeds the answers to a failure detector per
/// replica; suspected replicas get no new requests until they answer again.
/// When every replica left is suspected the balancer fails open (routes as
/// if none were).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HealthConfig {
    /// Time between probes.
    pub every: SimDuration,
    /// The rule that turns silence into suspicion.
    pub detector: DetectorConfig,
    /// Deep checks: a service answers a probe only when one of its workers
    /// takes it from the queue (behind the requests already waiting), and
    /// an answer later than the detector's timeout is a failed check. A
    /// shallow check (the default) is answered on arrival, so it sees a
    /// crash or a cut link but not an overloaded replica.
    pub deep: bool,
}

/// How a balancer picks a replica.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BalanceStrategy {
    /// Each replica in turn.
    #[default]
    RoundRobin,
    /// Uniformly at random.
    Random,
    /// The replica with the fewest requests outstanding from this balancer
    /// (ties: the first in pool order after the last pick).
    LeastOutstanding,
    /// Two replicas at random, the one with fewer outstanding requests.
    PowerOfTwo,
}

/// Outlier ejection: a replica whose calls fail `consecutive_failures` times
/// in a row is left out for `duration`, with at most `max_fraction` of the
/// pool out at once (never the last replica standing).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EjectionConfig {
    /// Failed calls in a row that eject a replica.
    pub consecutive_failures: u32,
    /// Most of the pool that may be ejected at once, as a fraction.
    pub max_fraction: f64,
    /// How long an ejected replica stays out.
    pub duration: SimDuration,
}
