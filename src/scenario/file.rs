//! The scenario file as written: serde types, kept apart from the engine's
//! configuration. Every struct denies unknown fields; leaf values check
//! themselves (see `values`); names are still unresolved strings.

use serde::Deserialize;

use super::limits::MAX_FORMAT;
use super::limits::{
    MAX_BREAKER_CALLS, MAX_CACHE_ENTRIES, MAX_CONCURRENCY, MAX_DELIVERIES, MAX_DESCRIPTION_CHARS,
    MAX_KEYS, MAX_PEERS, MAX_PHI_WINDOW, MAX_PROBES, MAX_QUEUE, MAX_RAFT_LOG, MAX_RETRIES,
    MAX_TITLE_CHARS, MAX_USERS, MAX_WORKERS, MIN_RAFT_LOG,
};
use super::nested::{ActionValue, BudgetValue, DistValue, PolicyRef};
use super::values::{
    Coord, Count, Dur, Fraction, HedgePercent, Name, NamedMap, ParetoShape, Percent, Phi, Prob,
    Rate, SignedDur, SloTarget, SlowFactor, Text, Tokens, ZipfS,
};

/// The whole file: `Scenario(...)`.
#[derive(Debug, Deserialize)]
#[serde(rename = "Scenario", deny_unknown_fields)]
pub(crate) struct ScenarioFile {
    #[serde(default)]
    pub version: Option<u64>,
    #[serde(default)]
    pub name: Option<Text<MAX_TITLE_CHARS, false>>,
    #[serde(default)]
    pub description: Option<Text<MAX_DESCRIPTION_CHARS, true>>,
    #[serde(default)]
    pub seed: Option<u64>,
    pub duration: Dur,
    #[serde(default)]
    pub window: Option<Dur>,
    pub nodes: NamedMap<NodeSpec>,
    #[serde(default)]
    pub default_link: Option<DefaultLinkSpec>,
    #[serde(default)]
    pub links: Vec<LinkSpec>,
    #[serde(default)]
    pub policies: NamedMap<PolicySpec>,
    #[serde(default)]
    pub timeline: Vec<At>,
    #[serde(default)]
    pub slo: Option<SloSpec>,
}

/// Just the version, read leniently when the full parse fails, so that a file
/// from a newer faultlab gets "newer format" rather than "unknown field".
#[derive(Debug, Deserialize)]
#[serde(rename = "Scenario")]
pub(crate) struct VersionOnly {
    #[serde(default)]
    pub version: Option<u64>,
}

/// One node; the variant is its kind.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) enum NodeSpec {
    Client {
        #[serde(default)]
        open: Option<OpenSpec>,
        #[serde(default)]
        closed: Option<ClosedSpec>,
        target: Name,
        #[serde(default)]
        policy: Option<PolicyRef>,
        #[serde(default)]
        keys: Option<KeysSpec>,
        #[serde(default)]
        writes: Option<Prob>,
        #[serde(default)]
        priorities: Option<Vec<(PrioritySpec, Prob)>>,
        #[serde(default)]
        max_in_flight: Option<Count<1, MAX_QUEUE>>,
        #[serde(default)]
        zone: Option<Name>,
        #[serde(default)]
        position: Option<(Coord, Coord)>,
        #[serde(default)]
        clock: Option<ClockSpec>,
    },
    Service {
        workers: Count<1, MAX_WORKERS>,
        #[serde(default)]
        queue: Option<Count<0, MAX_QUEUE>>,
        work: DistValue,
        #[serde(default)]
        error_rate: Option<Prob>,
        #[serde(default)]
        calls: Vec<CallSpec>,
        #[serde(default)]
        parallel: Option<Count<1, MAX_QUEUE>>,
        #[serde(default)]
        fallback: Option<FallbackSpec>,
        #[serde(default)]
        operation: Option<OperationSpec>,
        #[serde(default)]
        idempotency_keys: Option<bool>,
        #[serde(default)]
        key_ttl: Option<Dur>,
        #[serde(default)]
        rate_limit: Option<RateLimitSpec>,
        #[serde(default)]
        shed: Option<ShedSpec>,
        #[serde(default)]
        version: Option<Name>,
        #[serde(default)]
        versions: Vec<VersionSpec>,
        #[serde(default)]
        zone: Option<Name>,
        #[serde(default)]
        position: Option<(Coord, Coord)>,
        #[serde(default)]
        clock: Option<ClockSpec>,
    },
    Cache {
        capacity: Count<1, MAX_CACHE_ENTRIES>,
        ttl: Dur,
        #[serde(default)]
        hit: Option<DistValue>,
        backing: CallSpec,
        #[serde(default)]
        serve_stale: Option<bool>,
        #[serde(default)]
        zone: Option<Name>,
        #[serde(default)]
        position: Option<(Coord, Coord)>,
        #[serde(default)]
        clock: Option<ClockSpec>,
    },
    Replica {
        peers: Vec<Name>,
        read_quorum: Count<1, { MAX_PEERS as u64 + 1 }>,
        write_quorum: Count<1, { MAX_PEERS as u64 + 1 }>,
        #[serde(default)]
        resolve: Option<ResolveSpec>,
        #[serde(default)]
        mode: Option<CapSpec>,
        #[serde(default)]
        quorum_timeout: Option<Dur>,
        #[serde(default)]
        anti_entropy: Option<Dur>,
        #[serde(default)]
        zone: Option<Name>,
        #[serde(default)]
        position: Option<(Coord, Coord)>,
        #[serde(default)]
        clock: Option<ClockSpec>,
    },
    Raft {
        peers: Vec<Name>,
        #[serde(default)]
        election_min: Option<Dur>,
        #[serde(default)]
        election_max: Option<Dur>,
        #[serde(default)]
        heartbeat: Option<Dur>,
        #[serde(default)]
        lease: Option<Dur>,
        #[serde(default)]
        pre_vote: Option<bool>,
        #[serde(default)]
        max_log: Option<Count<MIN_RAFT_LOG, MAX_RAFT_LOG>>,
        #[serde(default)]
        zone: Option<Name>,
        #[serde(default)]
        position: Option<(Coord, Coord)>,
        #[serde(default)]
        clock: Option<ClockSpec>,
    },
    StoreClient {
        target: Name,
        open: OpenSpec,
        #[serde(default)]
        keys: Option<KeysSpec>,
        #[serde(default)]
        writes: Option<Prob>,
        timeout: Dur,
        #[serde(default)]
        read_after_write: Option<bool>,
        #[serde(default)]
        zone: Option<Name>,
        #[serde(default)]
        position: Option<(Coord, Coord)>,
        #[serde(default)]
        clock: Option<ClockSpec>,
    },
    Monitor {
        watch: Vec<Name>,
        interval: Dur,
        detector: DetectorSpec,
        #[serde(default)]
        zone: Option<Name>,
        #[serde(default)]
        position: Option<(Coord, Coord)>,
        #[serde(default)]
        clock: Option<ClockSpec>,
    },
    Queue {
        consumer: Name,
        concurrency: Count<1, MAX_CONCURRENCY>,
        max_deliveries: Count<1, MAX_DELIVERIES>,
        ack_timeout: Dur,
        #[serde(default)]
        capacity: Option<Count<1, MAX_QUEUE>>,
        #[serde(default)]
        zone: Option<Name>,
        #[serde(default)]
        position: Option<(Coord, Coord)>,
        #[serde(default)]
        clock: Option<ClockSpec>,
    },
    Balancer {
        pool: Vec<Name>,
        #[serde(default)]
        strategy: Option<StrategySpec>,
        #[serde(default)]
        policy: Option<PolicyRef>,
        #[serde(default)]
        eject: Option<EjectSpec>,
        #[serde(default)]
        health: Option<HealthSpec>,
        #[serde(default)]
        zone: Option<Name>,
        #[serde(default)]
        position: Option<(Coord, Coord)>,
        #[serde(default)]
        clock: Option<ClockSpec>,
    },
}

/// `strategy:` — how a balancer picks a replica.
#[derive(Clone, Copy, Debug, Deserialize)]
pub(crate) enum StrategySpec {
    RoundRobin,
    Random,
    LeastOutstanding,
    PowerOfTwo,
}

/// `Eject(after: 5, max_ejected: 0.5, duration: "30s")`: outlier ejection.
#[derive(Debug, Deserialize)]
#[serde(rename = "Eject", deny_unknown_fields)]
pub(crate) struct EjectSpec {
    #[serde(default)]
    pub after: Option<Count<1, MAX_BREAKER_CALLS>>,
    #[serde(default)]
    pub max_ejected: Option<Fraction>,
    #[serde(default)]
    pub duration: Option<Dur>,
}

/// `Health(every: "100ms", detector: FixedTimeout(timeout: "300ms"))`:
/// a balancer's health checks.
#[derive(Debug, Deserialize)]
#[serde(rename = "Health", deny_unknown_fields)]
pub(crate) struct HealthSpec {
    #[serde(default)]
    pub every: Option<Dur>,
    #[serde(default)]
    pub detector: Option<DetectorSpec>,
    #[serde(default)]
    pub deep: Option<bool>,
}

impl NodeSpec {
    /// The placement fields every kind shares.
    pub fn placement(&self) -> (&Option<Name>, &Option<(Coord, Coord)>, &Option<ClockSpec>) {
        match self {
            NodeSpec::Client {
                zone,
                position,
                clock,
                ..
            }
            | NodeSpec::Service {
                zone,
                position,
                clock,
                ..
            }
            | NodeSpec::Cache {
                zone,
                position,
                clock,
                ..
            }
            | NodeSpec::Queue {
                zone,
                position,
                clock,
                ..
            }
            | NodeSpec::Replica {
                zone,
                position,
                clock,
                ..
            }
            | NodeSpec::StoreClient {
                zone,
                position,
                clock,
                ..
            }
            | NodeSpec::Monitor {
                zone,
                position,
                clock,
                ..
            }
            | NodeSpec::Raft {
                zone,
                position,
                clock,
                ..
            }
            | NodeSpec::Balancer {
                zone,
                position,
                clock,
                ..
            } => (zone, position, clock),
        }
    }
}

/// `resolve:` — a store's conflict resolution.
#[derive(Debug, Deserialize)]
pub(crate) enum ResolveSpec {
    LastWriteWins,
    VersionVectors,
}

/// `mode:` — a store's CAP choice.
#[derive(Debug, Deserialize)]
pub(crate) enum CapSpec {
    Consistent,
    Available,
}

/// `detector:` — a monitor's (or a balancer's health checks') failure detector.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) enum DetectorSpec {
    FixedTimeout {
        timeout: Dur,
    },
    PhiAccrual {
        threshold: Phi,
        #[serde(default)]
        window: Option<Count<1, MAX_PHI_WINDOW>>,
        #[serde(default)]
        min_std: Option<Dur>,
    },
}

/// `open:` — an open-loop arrival process.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) enum OpenSpec {
    Poisson { per_second: Rate },
    Constant { per_second: Rate },
}

/// `closed:` — a closed-loop population.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) enum ClosedSpec {
    Users {
        count: Count<1, MAX_USERS>,
        #[serde(default)]
        think: Option<DistValue>,
    },
}

/// `keys:` — the key space.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) enum KeysSpec {
    Uniform { n: Count<1, MAX_KEYS> },
    Zipf { n: Count<1, MAX_KEYS>, s: ZipfS },
}

/// A priority class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub(crate) enum PrioritySpec {
    Critical,
    Normal,
    Background,
}

/// `Clock(offset: "-50ms", drift_ppm: 200)`.
#[derive(Debug, Deserialize)]
#[serde(rename = "Clock", deny_unknown_fields)]
pub(crate) struct ClockSpec {
    #[serde(default)]
    pub offset: Option<SignedDur>,
    #[serde(default)]
    pub drift_ppm: Option<super::values::Drift>,
}

/// `Call(to: "db", policy: "careful")`.
#[derive(Debug, Deserialize)]
#[serde(rename = "Call", deny_unknown_fields)]
pub(crate) struct CallSpec {
    pub to: Name,
    #[serde(default)]
    pub policy: Option<PolicyRef>,
}

/// `fallback:`.
#[derive(Clone, Copy, Debug, Deserialize)]
pub(crate) enum FallbackSpec {
    Fail,
    Default,
}

/// `operation:`.
#[derive(Clone, Copy, Debug, Deserialize)]
pub(crate) enum OperationSpec {
    Idempotent,
    NonIdempotent,
}

/// `RateLimit(overall: Bucket(...), per_caller: Bucket(...))`.
#[derive(Debug, Deserialize)]
#[serde(rename = "RateLimit", deny_unknown_fields)]
pub(crate) struct RateLimitSpec {
    #[serde(default)]
    pub overall: Option<BucketSpec>,
    #[serde(default)]
    pub per_caller: Option<BucketSpec>,
}

/// `Bucket(per_second: 100, burst: 20)`.
#[derive(Debug, Deserialize)]
#[serde(rename = "Bucket", deny_unknown_fields)]
pub(crate) struct BucketSpec {
    pub per_second: Rate,
    pub burst: Tokens,
}

/// `Shed(background: 50, normal: 100, critical: 200)`.
#[derive(Debug, Deserialize)]
#[serde(rename = "Shed", deny_unknown_fields)]
pub(crate) struct ShedSpec {
    pub background: Count<0, MAX_QUEUE>,
    pub normal: Count<0, MAX_QUEUE>,
    pub critical: Count<0, MAX_QUEUE>,
}

/// `default_link: Link(latency: ..., loss: ..., duplicate: ...)`.
#[derive(Debug, Deserialize)]
#[serde(rename = "Link", deny_unknown_fields)]
pub(crate) struct DefaultLinkSpec {
    #[serde(default)]
    pub latency: Option<DistValue>,
    #[serde(default)]
    pub loss: Option<Prob>,
    #[serde(default)]
    pub duplicate: Option<Prob>,
}

/// An entry of `links`: `between: (a, b)` (both directions) or `from:`/`to:`.
#[derive(Debug, Deserialize)]
#[serde(rename = "Link", deny_unknown_fields)]
pub(crate) struct LinkSpec {
    #[serde(default)]
    pub between: Option<(Name, Name)>,
    #[serde(default)]
    pub from: Option<Name>,
    #[serde(default)]
    pub to: Option<Name>,
    #[serde(default)]
    pub latency: Option<DistValue>,
    #[serde(default)]
    pub loss: Option<Prob>,
    #[serde(default)]
    pub duplicate: Option<Prob>,
}

/// `Policy(...)`: how one caller calls one callee.
#[derive(Debug, Deserialize)]
#[serde(rename = "Policy", deny_unknown_fields)]
pub(crate) struct PolicySpec {
    #[serde(default)]
    pub timeout: Option<Dur>,
    #[serde(default)]
    pub deadline: Option<Dur>,
    #[serde(default)]
    pub retry: Option<RetrySpec>,
    #[serde(default)]
    pub breaker: Option<BreakerSpec>,
    #[serde(default)]
    pub hedge: Option<HedgeSpec>,
    #[serde(default)]
    pub idempotency_keys: Option<bool>,
}

/// `Retry(max: 3, backoff: ..., jitter: ..., budget: ..., on: [...])`.
#[derive(Debug, Deserialize)]
#[serde(rename = "Retry", deny_unknown_fields)]
pub(crate) struct RetrySpec {
    pub max: Count<0, MAX_RETRIES>,
    #[serde(default)]
    pub backoff: Option<BackoffSpec>,
    #[serde(default)]
    pub jitter: Option<JitterSpec>,
    #[serde(default)]
    pub budget: Option<BudgetValue>,
    #[serde(default)]
    pub on: Option<Vec<RetryOnSpec>>,
}

/// `backoff:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) enum BackoffSpec {
    None,
    Constant(Dur),
    Exponential { base: Dur, cap: Dur },
}

/// `jitter:`.
#[derive(Clone, Copy, Debug, Deserialize)]
pub(crate) enum JitterSpec {
    None,
    Full,
    Equal,
    Decorrelated,
}

/// An element of `on:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub(crate) enum RetryOnSpec {
    Timeout,
    Error,
}

/// `Budget(ratio: 0.1, max_tokens: 20)` (or a bare ratio, see `BudgetValue`).
#[derive(Debug, Deserialize)]
#[serde(rename = "Budget", deny_unknown_fields)]
pub(crate) struct BudgetSpec {
    pub ratio: Prob,
    #[serde(default)]
    pub max_tokens: Option<Tokens>,
}

/// `Breaker(failure_rate: 0.5, window: "10s", open_for: "5s", min_calls: 20, probes: 3)`.
#[derive(Debug, Deserialize)]
#[serde(rename = "Breaker", deny_unknown_fields)]
pub(crate) struct BreakerSpec {
    pub failure_rate: Fraction,
    pub window: Dur,
    pub open_for: Dur,
    #[serde(default)]
    pub min_calls: Option<Count<1, MAX_BREAKER_CALLS>>,
    #[serde(default)]
    pub probes: Option<Count<1, MAX_PROBES>>,
}

/// `hedge:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) enum HedgeSpec {
    After(Dur),
    Percentile(HedgePercent),
}

/// `Slo(availability: 0.999, latency: "200ms", percentile: 99)`.
#[derive(Debug, Deserialize)]
#[serde(rename = "Slo", deny_unknown_fields)]
pub(crate) struct SloSpec {
    #[serde(default)]
    pub availability: Option<SloTarget>,
    #[serde(default)]
    pub latency: Option<Dur>,
    #[serde(default)]
    pub percentile: Option<Percent>,
}

/// `Version(name: "v2", error_rate: 0.1, work: DIST, extra_latency: DIST, format: 2, reads: 2)`:
/// a release of a service (see `sim::deploy`).
#[derive(Debug, Deserialize)]
#[serde(rename = "Version", deny_unknown_fields)]
pub(crate) struct VersionSpec {
    pub name: Name,
    #[serde(default)]
    pub error_rate: Option<Prob>,
    #[serde(default)]
    pub work: Option<DistValue>,
    #[serde(default)]
    pub extra_latency: Option<DistValue>,
    #[serde(default)]
    pub format: Option<Count<1, MAX_FORMAT>>,
    #[serde(default)]
    pub reads: Option<Count<1, MAX_FORMAT>>,
}

/// `RollbackIf(error_rate: 0.05, p99: "200ms")`: a canary's bounds.
#[derive(Debug, Deserialize)]
#[serde(rename = "RollbackIf", deny_unknown_fields)]
pub(crate) struct RollbackSpec {
    #[serde(default)]
    pub error_rate: Option<Prob>,
    #[serde(default)]
    pub p99: Option<Dur>,
}

/// A timeline entry: `At("30s", Crash("db"))`.
#[derive(Debug, Deserialize)]
#[serde(rename = "At")]
pub(crate) struct At(pub Dur, pub ActionValue);

/// A timeline action (a bare `Heal` is handled by `ActionValue`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) enum ActionSpec {
    Partition {
        #[serde(default)]
        group: Option<Vec<Name>>,
        #[serde(default)]
        pairs: Option<Vec<(Name, Name)>>,
        #[serde(default)]
        one_way: Option<(Name, Name)>,
        #[serde(default)]
        zone: Option<Name>,
    },
    Heal {
        #[serde(default)]
        group: Option<Vec<Name>>,
        #[serde(default)]
        pairs: Option<Vec<(Name, Name)>>,
        #[serde(default)]
        one_way: Option<(Name, Name)>,
        #[serde(default)]
        zone: Option<Name>,
    },
    Crash(Name),
    Restart(Name),
    CrashZone(Name),
    RestartZone(Name),
    Slow(Name, SlowFactor),
    SetLink {
        #[serde(default)]
        between: Option<(Name, Name)>,
        #[serde(default)]
        from: Option<Name>,
        #[serde(default)]
        to: Option<Name>,
        #[serde(default)]
        latency: Option<DistValue>,
        #[serde(default)]
        loss: Option<Prob>,
        #[serde(default)]
        duplicate: Option<Prob>,
    },
    SetClock {
        node: Name,
        #[serde(default)]
        offset: Option<SignedDur>,
        #[serde(default)]
        drift_ppm: Option<super::values::Drift>,
    },
    SetPolicy {
        caller: Name,
        callee: Name,
        policy: PolicyRef,
    },
    SetLoad {
        client: Name,
        #[serde(default)]
        per_second: Option<Rate>,
        #[serde(default)]
        users: Option<Count<1, MAX_USERS>>,
    },
    SetService {
        node: Name,
        #[serde(default)]
        workers: Option<Count<1, MAX_WORKERS>>,
        #[serde(default)]
        queue: Option<Count<0, MAX_QUEUE>>,
        #[serde(default)]
        work: Option<DistValue>,
        #[serde(default)]
        error_rate: Option<Prob>,
    },
    Canary {
        service: Name,
        version: Name,
        steps: Vec<Prob>,
        step_every: Dur,
        #[serde(default)]
        rollback_if: Option<RollbackSpec>,
    },
    BlueGreen {
        service: Name,
        version: Name,
    },
    Rollback(Name),
}

/// A distribution written out as a variant (a bare duration string is handled by `DistValue`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) enum DistSpec {
    Constant(Dur),
    Uniform { min: Dur, max: Dur },
    Normal { mean: Dur, sd: Dur },
    Exponential { mean: Dur },
    LogNormal { median: Dur, p99: Dur },
    Pareto { scale: Dur, shape: ParetoShape },
    Mixture(Vec<(Prob, DistValue)>),
}
