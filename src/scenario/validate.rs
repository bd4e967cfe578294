//! From the parsed file to the engine's [`SimConfig`]: names resolved, every
//! cross-reference and limit checked, every problem collected and located.
//!
//! Checking and converting happen in one pass over the file types: each
//! conversion step reports what is wrong with its part and carries on with a
//! placeholder, so that one run finds every problem. The configuration built
//! is returned only when no problem was found.

use std::collections::{BTreeMap, BTreeSet, HashMap};

mod deploy;

use super::FORMAT_VERSION;
use super::errors::Problem;
use super::file::{
    ActionSpec, BackoffSpec, CallSpec, CapSpec, ClockSpec, ClosedSpec, DefaultLinkSpec,
    DetectorSpec, EjectSpec, FallbackSpec, HealthSpec, JitterSpec, KeysSpec, LinkSpec, NodeSpec,
    OpenSpec, OperationSpec, PolicySpec, PrioritySpec, ResolveSpec, RetryOnSpec, ScenarioFile,
    StrategySpec,
};
use super::limits;
use super::locate::{Anchor, Loc, Locator};
use super::nested::PolicyRef;
use super::values::{Dur, Name, Prob};
use crate::sim::config::{
    Action, Arrivals, Backoff, BalanceStrategy, BalancerConfig, BreakerConfig, CacheConfig,
    CallConfig, CallMode, CapMode, ClientConfig, ClockConfig, DetectorConfig, EjectionConfig,
    Fallback, HealthConfig, HedgeConfig, Jitter, KeySpace, LinkConfig, LinkModel, Load,
    MonitorConfig, NodeConfig, NodeId, NodeKind, Operation, PolicyConfig, Priority, QueueConfig,
    RaftConfig, RateLimitConfig, ReplicaConfig, Resolve, RetryConfig, RetryOn, ServiceChange,
    ServiceConfig, SheddingConfig, SimConfig, SloConfig, StoreClientConfig, TimedAction,
    TokenBucketConfig,
};
use crate::sim::dist::Dist;
use crate::sim::time::{SimDuration, SimTime};

/// Metrics window when the file does not say (shortened to the run if the run is shorter).
pub(crate) const DEFAULT_WINDOW: SimDuration = SimDuration::from_secs(1);
/// How long a service remembers idempotency keys when the file does not say.
pub(crate) const DEFAULT_KEY_TTL: SimDuration = SimDuration::from_secs(600);
/// A cache's hit time when the file does not say.
pub(crate) const DEFAULT_HIT: SimDuration = SimDuration::from_micros(100);
/// Key space when the file does not say.
pub(crate) const DEFAULT_KEYS: KeySpace = KeySpace::Uniform { n: 1000 };
/// Breaker `min_calls` when the file does not say.
pub(crate) const DEFAULT_MIN_CALLS: u32 = 10;
/// Breaker `probes` when the file does not say.
pub(crate) const DEFAULT_PROBES: u32 = 1;
/// A store replica's quorum timeout when the file does not say.
pub(crate) const DEFAULT_QUORUM_TIMEOUT: SimDuration = SimDuration::from_millis(100);
/// A raft node's shortest election timeout when the file does not say.
pub(crate) const DEFAULT_ELECTION_MIN: SimDuration = SimDuration::from_millis(150);
/// A raft node's longest election timeout when the file does not say.
pub(crate) const DEFAULT_ELECTION_MAX: SimDuration = SimDuration::from_millis(300);
/// A raft leader's heartbeat interval when the file does not say.
pub(crate) const DEFAULT_HEARTBEAT: SimDuration = SimDuration::from_millis(50);
/// A Raft node's log length before it compacts, when the file does not say.
pub(crate) const DEFAULT_MAX_LOG: u64 = 1_000;
/// A phi accrual detector's window when the file does not say.
pub(crate) const DEFAULT_PHI_WINDOW: u32 = 100;
/// A phi accrual detector's floor on the standard deviation when the file does not say.
pub(crate) const DEFAULT_PHI_MIN_STD: SimDuration = SimDuration::from_millis(10);
/// Outlier ejection's failures in a row when the file does not say (as Envoy's `consecutive_5xx`).
pub(crate) const DEFAULT_EJECT_AFTER: u32 = 5;
/// Outlier ejection's largest ejected fraction of the pool when the file does not say.
pub(crate) const DEFAULT_MAX_EJECTED: f64 = 0.5;
/// How long an ejected replica stays out when the file does not say.
pub(crate) const DEFAULT_EJECT_FOR: SimDuration = SimDuration::from_secs(30);
/// Time between a balancer's health probes when the file does not say.
pub(crate) const DEFAULT_HEALTH_EVERY: SimDuration = SimDuration::from_millis(100);
/// A balancer's health-check detector when the file does not say: three
/// probe intervals of silence.
pub(crate) const DEFAULT_HEALTH_DETECTOR: DetectorConfig = DetectorConfig::FixedTimeout {
    timeout: SimDuration::from_millis(300),
};
/// Seed when the file does not say.
pub(crate) const DEFAULT_SEED: u64 = 1;

/// The kind of a node, for cross-checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Client,
    Service,
    Cache,
    Queue,
    Replica,
    StoreClient,
    Monitor,
    Raft,
    Balancer,
}

impl Kind {
    fn of(spec: &NodeSpec) -> Kind {
        match spec {
            NodeSpec::Client { .. } => Kind::Client,
            NodeSpec::Service { .. } => Kind::Service,
            NodeSpec::Cache { .. } => Kind::Cache,
            NodeSpec::Queue { .. } => Kind::Queue,
            NodeSpec::Replica { .. } => Kind::Replica,
            NodeSpec::StoreClient { .. } => Kind::StoreClient,
            NodeSpec::Monitor { .. } => Kind::Monitor,
            NodeSpec::Raft { .. } => Kind::Raft,
            NodeSpec::Balancer { .. } => Kind::Balancer,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Kind::Client => "a client",
            Kind::Service => "a service",
            Kind::Cache => "a cache",
            Kind::Queue => "a queue",
            Kind::Replica => "a store replica",
            Kind::StoreClient => "a store client",
            Kind::Monitor => "a monitor",
            Kind::Raft => "a raft node",
            Kind::Balancer => "a balancer",
        }
    }
}

/// A problem not yet placed in the text.
struct Found {
    loc: Loc,
    message: String,
}

struct Checker<'a> {
    src: &'a str,
    found: Vec<Found>,
    /// Problems beyond [`limits::MAX_PROBLEMS`], counted only.
    more: usize,
    names: Vec<String>,
    ids: HashMap<String, NodeId>,
    kinds: Vec<Kind>,
    policies: BTreeMap<String, PolicyConfig>,
    policy_names: Vec<String>,
}

/// Checks `file` and converts it; `src` is its text (to place problems) and
/// `origin` names it (the scenario's name when the file gives none).
pub(crate) fn convert(
    file: ScenarioFile,
    src: &str,
    origin: &str,
) -> Result<(SimConfig, String), Vec<Problem>> {
    let mut c = Checker {
        src,
        found: Vec::new(),
        more: 0,
        names: Vec::new(),
        ids: HashMap::new(),
        kinds: Vec::new(),
        policies: BTreeMap::new(),
        policy_names: Vec::new(),
    };
    let root = Loc::root();

    // A newer format is reported alone: everything else would be noise.
    match file.version {
        Some(0) => c.problem(&root.field("version"), "format versions start at 1"),
        Some(v) if v > u64::from(FORMAT_VERSION) => {
            c.problem(&root.field("version"), newer_version_message(v));
            return Err(c.finish());
        }
        _ => {}
    }

    let name = match &file.name {
        Some(t) => t.0.clone(),
        None => default_name(origin),
    };
    let description = file
        .description
        .as_ref()
        .map(|t| t.0.clone())
        .unwrap_or_default();
    let seed = file.seed.unwrap_or(DEFAULT_SEED);
    let duration = file.duration.0;
    let window = c.window(&file, &root);

    c.index_nodes(&file, &root);
    c.named_policies(&file, &root);
    let nodes: Vec<NodeConfig> = file
        .nodes
        .0
        .iter()
        .enumerate()
        .map(|(i, (name, spec))| c.node(i, name, spec, &root.field("nodes").key(&name.0)))
        .collect();
    c.call_cycles(&file, &root);
    c.version_total(&nodes, &root.field("nodes"));

    let default_link = c.default_link(file.default_link.as_ref());
    let links = c.links(&file.links, &default_link, &root.field("links"));
    let timeline = c.timeline(&file, &nodes, duration, &root.field("timeline"));
    c.total_requests(&file, &nodes, &timeline, duration, &root);
    c.total_probes(&file, &nodes, duration, &root);
    let slo = match &file.slo {
        None => SloConfig::default(),
        Some(s) => {
            let d = SloConfig::default();
            SloConfig {
                availability: s.availability.map_or(d.availability, |a| a.0),
                latency: s.latency.map_or(d.latency, |l| l.0),
                percentile: s.percentile.map_or(d.percentile, |p| p.0),
            }
        }
    };
    if let Some(l) = file.slo.as_ref().and_then(|s| s.latency)
        && l.0 == SimDuration::ZERO
    {
        c.problem(
            &root.field("slo").field("latency"),
            "the latency objective must be above 0",
        );
    }

    if !c.found.is_empty() {
        return Err(c.finish());
    }
    let config = SimConfig {
        name,
        seed,
        duration,
        window,
        nodes,
        default_link,
        links,
        timeline,
        slo,
    };
    Ok((config, description))
}

/// The message for a file from a newer faultlab.
pub(crate) fn newer_version_message(v: u64) -> String {
    format!(
        "written by a newer faultlab (format {v}); this build reads up to {FORMAT_VERSION}. Update faultlab to open it"
    )
}

/// The file's stem (`labs/mm1.ron` → `mm1`), the name of a scenario that gives none.
fn default_name(origin: &str) -> String {
    let stem = std::path::Path::new(origin)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(origin);
    if stem.is_empty() {
        "scenario".to_string()
    } else {
        stem.to_string()
    }
}

impl Checker<'_> {
    fn problem(&mut self, loc: &Loc, message: impl Into<String>) {
        if self.found.len() < limits::MAX_PROBLEMS {
            self.found.push(Found {
                loc: loc.clone(),
                message: message.into(),
            });
        } else {
            self.more += 1;
        }
    }

    /// Places every problem in the text, in file order.
    fn finish(self) -> Vec<Problem> {
        let locator = Locator::new(self.src);
        let mut problems: Vec<Problem> = self
            .found
            .into_iter()
            .map(|f| {
                let (line, col) = locator.locate(&f.loc);
                Problem::new(line, col, f.loc.path, f.message)
            })
            .collect();
        problems.sort_by_key(|p| (p.line, p.col));
        if self.more > 0 {
            problems.push(Problem::new(
                1,
                1,
                "",
                format!("{} more problems not shown", self.more),
            ));
        }
        problems
    }

    // ---- the run ----------------------------------------------------------

    fn window(&mut self, file: &ScenarioFile, root: &Loc) -> SimDuration {
        let duration = file.duration.0;
        if duration < limits::MIN_WINDOW {
            self.problem(
                &root.field("duration"),
                format!(
                    "a run must last at least {}, not {duration}",
                    limits::MIN_WINDOW
                ),
            );
        }
        let Some(w) = file.window else {
            return DEFAULT_WINDOW.min(duration).max(limits::MIN_WINDOW);
        };
        let w = w.0;
        let loc = root.field("window");
        if w < limits::MIN_WINDOW || w > limits::MAX_WINDOW {
            self.problem(
                &loc,
                format!(
                    "the metrics window must be between {} and {}, not {w}",
                    limits::MIN_WINDOW,
                    limits::MAX_WINDOW
                ),
            );
        } else if w > duration {
            self.problem(
                &loc,
                format!("the metrics window ({w}) is longer than the run ({duration})"),
            );
        } else if duration.as_nanos().div_ceil(w.as_nanos()) > limits::MAX_WINDOWS {
            self.problem(
                &loc,
                format!(
                    "{duration} in windows of {w} makes {} windows; the limit is {} (widen the window)",
                    duration.as_nanos().div_ceil(w.as_nanos()),
                    limits::MAX_WINDOWS
                ),
            );
        }
        w
    }

    // ---- names ------------------------------------------------------------

    fn index_nodes(&mut self, file: &ScenarioFile, root: &Loc) {
        let n = file.nodes.0.len();
        if n == 0 {
            self.problem(&root.field("nodes"), "a scenario needs at least one node");
        }
        if n > limits::MAX_NODES {
            self.problem(
                &root.field("nodes"),
                format!("{n} nodes; the limit is {}", limits::MAX_NODES),
            );
        }
        for (i, (name, spec)) in file.nodes.0.iter().enumerate() {
            self.names.push(name.0.clone());
            self.ids.insert(name.0.clone(), NodeId(i as u32));
            self.kinds.push(Kind::of(spec));
        }
    }

    /// `"a", "b", "c"` — or the first ten and a count.
    fn known(names: &[String]) -> String {
        const SHOWN: usize = 10;
        let mut s: Vec<String> = names.iter().take(SHOWN).map(|n| format!("{n:?}")).collect();
        if names.len() > SHOWN {
            s.push(format!("… {} more", names.len() - SHOWN));
        }
        if s.is_empty() {
            "none".to_string()
        } else {
            s.join(", ")
        }
    }

    /// Resolves a node name, reporting an unknown one at `loc` (narrowed to the name).
    fn node_ref(&mut self, name: &Name, loc: &Loc) -> Option<NodeId> {
        match self.ids.get(&name.0) {
            Some(&id) => Some(id),
            None => {
                let known = Self::known(&self.names);
                self.problem(
                    &loc.at_str(&name.0),
                    format!("no node named {name} (known: {known})"),
                );
                None
            }
        }
    }

    fn kind(&self, id: NodeId) -> Kind {
        self.kinds[id.index()]
    }

    /// Resolves `name` at `loc` to a node whose kind passes `fits`; otherwise
    /// reports "NAME is KIND; `rule`" and gives `None`.
    fn node_of_kind(
        &mut self,
        name: &Name,
        loc: &Loc,
        rule: &str,
        fits: impl Fn(Kind) -> bool,
    ) -> Option<NodeId> {
        let id = self.node_ref(name, loc)?;
        if fits(self.kind(id)) {
            return Some(id);
        }
        let what = self.kind(id).word();
        self.problem(&loc.at_str(&name.0), format!("{name} is {what}; {rule}"));
        None
    }

    /// Resolves the callee of a call from `caller`: it must exist, not be a client, not be the caller.
    fn callee(&mut self, caller: usize, to: &Name, loc: &Loc) -> Option<NodeId> {
        let id = self.node_ref(to, loc)?;
        let at = loc.at_str(&to.0);
        if self.kind(id) == Kind::Client {
            self.problem(
                &at,
                format!("{to} is a client; clients send requests but cannot be called"),
            );
            return None;
        }
        if matches!(
            self.kind(id),
            Kind::Replica | Kind::StoreClient | Kind::Monitor | Kind::Raft
        ) {
            let what = self.kind(id).word();
            self.problem(
                &at,
                format!("{to} is {what}; only a service, cache, queue or balancer can be called (store clients talk to replicas)"),
            );
            return None;
        }
        if id.index() == caller {
            let what = self.kinds[caller].word();
            self.problem(&at, format!("{what} must not call itself"));
            return None;
        }
        Some(id)
    }

    // ---- policies ---------------------------------------------------------

    fn named_policies(&mut self, file: &ScenarioFile, root: &Loc) {
        let loc = root.field("policies");
        if file.policies.0.len() > limits::MAX_POLICIES {
            self.problem(
                &loc,
                format!(
                    "{} policies; the limit is {}",
                    file.policies.0.len(),
                    limits::MAX_POLICIES
                ),
            );
        }
        for (name, spec) in &file.policies.0 {
            let p = self.policy(spec, &loc.key(&name.0));
            self.policy_names.push(name.0.clone());
            self.policies.insert(name.0.clone(), p);
        }
    }

    fn policy_ref(&mut self, r: Option<&PolicyRef>, loc: &Loc) -> PolicyConfig {
        match r {
            None => PolicyConfig::default(),
            Some(PolicyRef::Inline(spec)) => self.policy(spec, loc),
            Some(PolicyRef::Named(name)) => match self.policies.get(&name.0) {
                Some(p) => p.clone(),
                None => {
                    let known = Self::known(&self.policy_names);
                    self.problem(
                        &loc.at_str(&name.0),
                        format!("no policy named {name} (known: {known})"),
                    );
                    PolicyConfig::default()
                }
            },
        }
    }

    fn policy(&mut self, spec: &PolicySpec, loc: &Loc) -> PolicyConfig {
        let positive = |c: &mut Self, d: Option<Dur>, field: &'static str, what: &str| {
            if d.is_some_and(|d| d.0 == SimDuration::ZERO) {
                c.problem(&loc.field(field), format!("{what} must be above 0"));
            }
            d.map(|d| d.0)
        };
        let timeout = positive(self, spec.timeout, "timeout", "a timeout");
        let deadline = positive(self, spec.deadline, "deadline", "a deadline");
        let retry = match &spec.retry {
            None => RetryConfig::default(),
            Some(r) => {
                let rloc = loc.field("retry");
                let backoff = match &r.backoff {
                    None | Some(BackoffSpec::None) => Backoff::None,
                    Some(BackoffSpec::Constant(d)) => Backoff::Constant(d.0),
                    Some(BackoffSpec::Exponential { base, cap }) => {
                        if base.0 == SimDuration::ZERO {
                            self.problem(
                                &rloc.field("backoff").field("base"),
                                "the base must be above 0",
                            );
                        } else if cap < base {
                            self.problem(
                                &rloc.field("backoff").field("cap"),
                                format!("the cap ({}) is below the base ({})", cap.0, base.0),
                            );
                        }
                        Backoff::Exponential {
                            base: base.0,
                            cap: cap.0,
                        }
                    }
                };
                let jitter = match r.jitter {
                    None | Some(JitterSpec::None) => Jitter::None,
                    Some(JitterSpec::Full) => Jitter::Full,
                    Some(JitterSpec::Equal) => Jitter::Equal,
                    Some(JitterSpec::Decorrelated) => Jitter::Decorrelated,
                };
                let on = match &r.on {
                    None => RetryOn::default(),
                    Some(list) => RetryOn {
                        timeout: list.contains(&RetryOnSpec::Timeout),
                        error: list.contains(&RetryOnSpec::Error),
                    },
                };
                RetryConfig {
                    max_retries: r.max.get(),
                    backoff,
                    jitter,
                    budget: r.budget.map(|b| b.0),
                    on,
                }
            }
        };
        let breaker = spec.breaker.as_ref().map(|b| {
            let bloc = loc.field("breaker");
            if b.window.0 == SimDuration::ZERO {
                self.problem(&bloc.field("window"), "the window must be above 0");
            }
            if b.open_for.0 == SimDuration::ZERO {
                self.problem(&bloc.field("open_for"), "open_for must be above 0");
            }
            BreakerConfig {
                failure_rate: b.failure_rate.0,
                window: b.window.0,
                min_calls: b.min_calls.map_or(DEFAULT_MIN_CALLS, |m| m.get()),
                open_for: b.open_for.0,
                probes: b.probes.map_or(DEFAULT_PROBES, |p| p.get()),
            }
        });
        let hedge = spec.hedge.as_ref().map(|h| match h {
            super::file::HedgeSpec::After(d) => HedgeConfig::After(d.0),
            super::file::HedgeSpec::Percentile(p) => HedgeConfig::Percentile(p.0),
        });
        PolicyConfig {
            timeout,
            deadline,
            retry,
            breaker,
            hedge,
            idempotency_keys: spec.idempotency_keys.unwrap_or(false),
        }
    }

    // ---- nodes ------------------------------------------------------------

    fn node(&mut self, i: usize, name: &Name, spec: &NodeSpec, loc: &Loc) -> NodeConfig {
        let placeholder = NodeId(0);
        let kind = match spec {
            NodeSpec::Client {
                open,
                closed,
                target,
                policy,
                keys,
                writes,
                priorities,
                max_in_flight,
                ..
            } => {
                let load = match (open, closed) {
                    (Some(o), None) => Load::Open {
                        arrivals: arrivals_of(o),
                    },
                    (None, Some(ClosedSpec::Users { count, think })) => Load::Closed {
                        users: count.get(),
                        think: think
                            .as_ref()
                            .map_or(Dist::constant(SimDuration::ZERO), |t| t.0.clone()),
                    },
                    (Some(_), Some(_)) => {
                        self.problem(
                            &loc.field("closed"),
                            "a client is either open: or closed:, not both",
                        );
                        Load::Open {
                            arrivals: Arrivals::Poisson { rate_per_s: 1.0 },
                        }
                    }
                    (None, None) => {
                        self.problem(
                            loc,
                            "a client needs its load: open: Poisson(per_second: ..) or closed: Users(count: ..)",
                        );
                        Load::Open {
                            arrivals: Arrivals::Poisson { rate_per_s: 1.0 },
                        }
                    }
                };
                let tloc = loc.field("target");
                let target = self
                    .node_of_kind(
                        target,
                        &tloc,
                        "a client's target must be a service, cache, queue or balancer",
                        |k| {
                            matches!(
                                k,
                                Kind::Service | Kind::Cache | Kind::Queue | Kind::Balancer
                            )
                        },
                    )
                    .unwrap_or(placeholder);
                let policy = self.policy_ref(policy.as_ref(), &loc.field("policy"));
                let keys = keys_of(keys.as_ref());
                let priorities = self.priorities(priorities.as_deref(), &loc.field("priorities"));
                NodeKind::Client(ClientConfig {
                    load,
                    target,
                    policy,
                    keys,
                    write_fraction: writes.map_or(0.0, |w| w.0),
                    priorities,
                    max_in_flight: max_in_flight.map(|m| m.get()),
                })
            }
            NodeSpec::Service {
                workers,
                queue,
                work,
                error_rate,
                calls,
                parallel,
                fallback,
                operation,
                idempotency_keys,
                key_ttl,
                rate_limit,
                shed,
                version,
                versions,
                ..
            } => {
                let versions = self.versions(version.as_ref(), versions, loc);
                let calls_loc = loc.field("calls");
                if calls.len() > limits::MAX_CALLS {
                    self.problem(
                        &calls_loc,
                        format!("{} calls; the limit is {}", calls.len(), limits::MAX_CALLS),
                    );
                }
                let calls: Vec<CallConfig> = calls
                    .iter()
                    .enumerate()
                    .map(|(k, call)| self.call(i, call, &calls_loc.index(k)))
                    .collect();
                let call_mode = match parallel {
                    None => CallMode::Sequential,
                    Some(p) => {
                        if calls.is_empty() {
                            self.problem(
                                &loc.field("parallel"),
                                "parallel: needs calls: to run in parallel",
                            );
                        } else if p.0 > calls.len() as u64 {
                            self.problem(
                                &loc.field("parallel"),
                                format!(
                                    "waits for {} calls to succeed but makes only {}",
                                    p.0,
                                    calls.len()
                                ),
                            );
                        }
                        CallMode::Parallel { wait_for: p.get() }
                    }
                };
                if key_ttl.is_some_and(|t| t.0 == SimDuration::ZERO) {
                    self.problem(&loc.field("key_ttl"), "key_ttl must be above 0");
                }
                let bucket = |b: &super::file::BucketSpec| TokenBucketConfig {
                    rate_per_s: b.per_second.0,
                    burst: b.burst.0,
                };
                let rate_limit = rate_limit.as_ref().and_then(|r| {
                    (r.overall.is_some() || r.per_caller.is_some()).then(|| RateLimitConfig {
                        overall: r.overall.as_ref().map(bucket),
                        per_caller: r.per_caller.as_ref().map(bucket),
                    })
                });
                let shedding = shed.as_ref().map(|s| {
                    let sloc = loc.field("shed");
                    if s.normal.0 < s.background.0 {
                        self.problem(
                            &sloc.field("normal"),
                            format!(
                                "normal ({}) is below background ({}); thresholds must not decrease from background to normal to critical",
                                s.normal.0, s.background.0
                            ),
                        );
                    }
                    if s.critical.0 < s.normal.0 {
                        self.problem(
                            &sloc.field("critical"),
                            format!(
                                "critical ({}) is below normal ({}); thresholds must not decrease from background to normal to critical",
                                s.critical.0, s.normal.0
                            ),
                        );
                    }
                    SheddingConfig { background_at: s.background.get(), normal_at: s.normal.get(), critical_at: s.critical.get() }
                });
                NodeKind::Service(ServiceConfig {
                    workers: workers.get(),
                    queue_capacity: queue.map(|q| q.get()),
                    work: work.0.clone(),
                    error_rate: error_rate.map_or(0.0, |e| e.0),
                    calls,
                    call_mode,
                    fallback: match fallback {
                        None | Some(FallbackSpec::Fail) => Fallback::Fail,
                        Some(FallbackSpec::Default) => Fallback::Default,
                    },
                    operation: match operation {
                        None | Some(OperationSpec::Idempotent) => Operation::Idempotent,
                        Some(OperationSpec::NonIdempotent) => Operation::NonIdempotent,
                    },
                    idempotency_keys: idempotency_keys.unwrap_or(false),
                    key_ttl: key_ttl.map_or(DEFAULT_KEY_TTL, |t| t.0),
                    rate_limit,
                    shedding,
                    versions,
                })
            }
            NodeSpec::Cache {
                capacity,
                ttl,
                hit,
                backing,
                serve_stale,
                ..
            } => {
                if ttl.0 == SimDuration::ZERO {
                    self.problem(&loc.field("ttl"), "ttl must be above 0");
                }
                NodeKind::Cache(CacheConfig {
                    capacity: capacity.get(),
                    ttl: ttl.0,
                    hit_time: hit
                        .as_ref()
                        .map_or(Dist::constant(DEFAULT_HIT), |h| h.0.clone()),
                    backing: self.call(i, backing, &loc.field("backing")),
                    serve_stale: serve_stale.unwrap_or(false),
                })
            }
            NodeSpec::Queue {
                consumer,
                concurrency,
                max_deliveries,
                ack_timeout,
                capacity,
                ..
            } => {
                let cloc = loc.field("consumer");
                let consumer = self
                    .node_of_kind(
                        consumer,
                        &cloc,
                        "a queue's consumer must be a service",
                        |k| k == Kind::Service,
                    )
                    .unwrap_or(placeholder);
                if ack_timeout.0 == SimDuration::ZERO {
                    self.problem(&loc.field("ack_timeout"), "ack_timeout must be above 0");
                }
                NodeKind::Queue(QueueConfig {
                    consumer,
                    concurrency: concurrency.get(),
                    max_deliveries: max_deliveries.get(),
                    ack_timeout: ack_timeout.0,
                    capacity: capacity.map(|c| c.get()),
                })
            }
            NodeSpec::Replica {
                peers,
                read_quorum,
                write_quorum,
                resolve,
                mode,
                quorum_timeout,
                anti_entropy,
                ..
            } => NodeKind::Replica(self.replica(
                i,
                peers,
                (read_quorum.get(), write_quorum.get()),
                (resolve, mode),
                (quorum_timeout, anti_entropy),
                loc,
            )),
            NodeSpec::StoreClient {
                target,
                open,
                keys,
                writes,
                timeout,
                read_after_write,
                ..
            } => {
                let tloc = loc.field("target");
                let target = self
                    .node_of_kind(
                        target,
                        &tloc,
                        "a store client's target must be a store replica or a raft node",
                        |k| matches!(k, Kind::Replica | Kind::Raft),
                    )
                    .unwrap_or(placeholder);
                if timeout.0 == SimDuration::ZERO {
                    self.problem(&loc.field("timeout"), "timeout must be above 0");
                }
                NodeKind::StoreClient(StoreClientConfig {
                    target,
                    arrivals: arrivals_of(open),
                    keys: keys_of(keys.as_ref()),
                    write_fraction: writes.map_or(0.0, |w| w.0),
                    timeout: timeout.0,
                    read_after_write: read_after_write.unwrap_or(false),
                })
            }
            NodeSpec::Monitor {
                watch,
                interval,
                detector,
                ..
            } => NodeKind::Monitor(self.monitor(i, watch, interval, detector, loc)),
            NodeSpec::Raft {
                peers,
                election_min,
                election_max,
                heartbeat,
                lease,
                pre_vote,
                max_log,
                ..
            } => {
                let peers = self.peers(i, peers, Kind::Raft, loc);
                let election_min = election_min.map_or(DEFAULT_ELECTION_MIN, |d| d.0);
                let election_max = election_max.map_or(DEFAULT_ELECTION_MAX, |d| d.0);
                let heartbeat = heartbeat.map_or(DEFAULT_HEARTBEAT, |d| d.0);
                if election_min == SimDuration::ZERO || election_min > election_max {
                    self.problem(
                        &loc.field("election_min"),
                        format!(
                            "election_min must be above 0 and at most election_max ({election_max})"
                        ),
                    );
                }
                if heartbeat == SimDuration::ZERO || heartbeat >= election_min {
                    self.problem(
                        &loc.field("heartbeat"),
                        format!("heartbeat must be above 0 and below election_min ({election_min}), or followers start elections against a live leader"),
                    );
                }
                let lease = lease.map(|d| d.0);
                if lease == Some(SimDuration::ZERO) {
                    self.problem(
                        &loc.field("lease"),
                        "lease must be above 0 (leave it out for reads through the log)"
                            .to_string(),
                    );
                }
                NodeKind::Raft(RaftConfig {
                    peers,
                    election_min,
                    election_max,
                    heartbeat,
                    lease,
                    pre_vote: pre_vote.unwrap_or(true),
                    max_log: max_log.map_or(DEFAULT_MAX_LOG, |m| m.0),
                })
            }
            NodeSpec::Balancer {
                pool,
                strategy,
                policy,
                eject,
                health,
                ..
            } => {
                let mut b = self.balancer(i, pool, *strategy, policy.as_ref(), eject.as_ref(), loc);
                b.health = health
                    .as_ref()
                    .map(|h| self.health(h, &loc.field("health")));
                NodeKind::Balancer(b)
            }
        };
        let (zone, position, clock) = spec.placement();
        NodeConfig {
            name: name.0.clone(),
            zone: zone.as_ref().map(|z| z.0.clone()),
            position: position.map(|(x, y)| (x.0 as f32, y.0 as f32)),
            clock: clock.as_ref().map_or(ClockConfig::default(), clock_config),
            kind,
        }
    }

    /// The peers of a replica or raft node: distinct nodes of the same kind, not itself.
    fn peers(&mut self, me: usize, peers: &[Name], kind: Kind, loc: &Loc) -> Vec<NodeId> {
        let ploc = loc.field("peers");
        if peers.len() > limits::MAX_PEERS {
            self.problem(
                &ploc,
                format!("{} peers; the limit is {}", peers.len(), limits::MAX_PEERS),
            );
        }
        let mut ids = Vec::new();
        for (k, p) in peers.iter().enumerate().take(limits::MAX_PEERS) {
            let at = ploc.index(k);
            match self.node_ref(p, &at) {
                Some(id) if self.kind(id) != kind => {
                    let (what, want) = (self.kind(id).word(), kind.word());
                    self.problem(
                        &at.at_str(&p.0),
                        format!("{p} is {what}; the peers of {want} must be of its kind"),
                    );
                }
                Some(id) if id.index() == me => {
                    self.problem(&at.at_str(&p.0), "a node must not list itself as a peer");
                }
                Some(id) if ids.contains(&id) => {
                    self.problem(&at.at_str(&p.0), format!("{p} is listed twice"));
                }
                Some(id) => ids.push(id),
                None => {}
            }
        }
        ids
    }

    /// A store replica's peers (distinct replicas, not itself), quorums and timing.
    fn replica(
        &mut self,
        me: usize,
        peers: &[Name],
        (read_quorum, write_quorum): (u32, u32),
        (resolve, mode): (&Option<ResolveSpec>, &Option<CapSpec>),
        (quorum_timeout, anti_entropy): (&Option<Dur>, &Option<Dur>),
        loc: &Loc,
    ) -> ReplicaConfig {
        let ids = self.peers(me, peers, Kind::Replica, loc);
        let n = peers.len() as u32 + 1;
        for (field, q) in [("read_quorum", read_quorum), ("write_quorum", write_quorum)] {
            if q > n {
                self.problem(
                    &loc.field(field),
                    format!("{field} is {q} but the store has only {n} replicas (this one and its peers)"),
                );
            }
        }
        let timeout = quorum_timeout.map_or(DEFAULT_QUORUM_TIMEOUT, |d| d.0);
        if timeout == SimDuration::ZERO {
            self.problem(
                &loc.field("quorum_timeout"),
                "quorum_timeout must be above 0",
            );
        }
        if anti_entropy.is_some_and(|d| d.0 == SimDuration::ZERO) {
            self.problem(
                &loc.field("anti_entropy"),
                "anti_entropy must be above 0 (leave it out for none)",
            );
        }
        ReplicaConfig {
            peers: ids,
            read_quorum,
            write_quorum,
            resolve: match resolve {
                None | Some(ResolveSpec::LastWriteWins) => Resolve::LastWriteWins,
                Some(ResolveSpec::VersionVectors) => Resolve::VersionVectors,
            },
            mode: match mode {
                None | Some(CapSpec::Consistent) => CapMode::Consistent,
                Some(CapSpec::Available) => CapMode::Available,
            },
            quorum_timeout: timeout,
            anti_entropy: anti_entropy.map(|d| d.0),
        }
    }

    /// A monitor's watched nodes (distinct, not itself) and detector.
    fn monitor(
        &mut self,
        me: usize,
        watch: &[Name],
        interval: &Dur,
        detector: &DetectorSpec,
        loc: &Loc,
    ) -> MonitorConfig {
        let wloc = loc.field("watch");
        if watch.is_empty() || watch.len() > limits::MAX_WATCH {
            self.problem(
                &wloc,
                format!(
                    "a monitor watches between 1 and {} nodes, not {}",
                    limits::MAX_WATCH,
                    watch.len()
                ),
            );
        }
        let mut ids = Vec::new();
        for (k, w) in watch.iter().enumerate().take(limits::MAX_WATCH) {
            let at = wloc.index(k);
            match self.node_ref(w, &at) {
                Some(id) if id.index() == me => {
                    self.problem(&at.at_str(&w.0), "a monitor must not watch itself");
                }
                Some(id) if ids.contains(&id) => {
                    self.problem(&at.at_str(&w.0), format!("{w} is listed twice"));
                }
                Some(id) => ids.push(id),
                None => {}
            }
        }
        if interval.0 == SimDuration::ZERO {
            self.problem(&loc.field("interval"), "interval must be above 0");
        }
        MonitorConfig {
            watch: ids,
            interval: interval.0,
            detector: self.detector(detector, &loc.field("detector")),
        }
    }

    /// A failure detector (`loc` is its place in the file).
    fn detector(&mut self, detector: &DetectorSpec, loc: &Loc) -> DetectorConfig {
        match detector {
            DetectorSpec::FixedTimeout { timeout } => {
                if timeout.0 == SimDuration::ZERO {
                    self.problem(&loc.field("timeout"), "timeout must be above 0");
                }
                DetectorConfig::FixedTimeout { timeout: timeout.0 }
            }
            DetectorSpec::PhiAccrual {
                threshold,
                window,
                min_std,
            } => DetectorConfig::PhiAccrual {
                threshold: threshold.0,
                window: window.map_or(DEFAULT_PHI_WINDOW, |w| w.get()),
                min_std: min_std.map_or(DEFAULT_PHI_MIN_STD, |d| d.0),
            },
        }
    }

    /// A balancer's health checks (`loc` is the `health:` field).
    fn health(&mut self, health: &HealthSpec, loc: &Loc) -> HealthConfig {
        let every = health.every.map_or(DEFAULT_HEALTH_EVERY, |d| d.0);
        if every < limits::MIN_PROBE_INTERVAL {
            self.problem(
                &loc.field("every"),
                format!(
                    "every must be at least {} (probes sent more often would swamp the run)",
                    limits::MIN_PROBE_INTERVAL
                ),
            );
        }
        let detector = match &health.detector {
            Some(d) => self.detector(d, &loc.field("detector")),
            None => DEFAULT_HEALTH_DETECTOR,
        };
        let deep = health.deep.unwrap_or(false);
        if deep && !matches!(detector, DetectorConfig::FixedTimeout { .. }) {
            self.problem(
                &loc.field("deep"),
                "deep health checks need a FixedTimeout detector: a check fails when its answer \
                 takes longer than the timeout (phi accrual watches arrival gaps, which a steady \
                 queue does not change)",
            );
        }
        HealthConfig {
            every,
            detector,
            deep,
        }
    }

    /// A balancer's pool (distinct callees), strategy, policy and ejection.
    fn balancer(
        &mut self,
        i: usize,
        pool: &[Name],
        strategy: Option<StrategySpec>,
        policy: Option<&PolicyRef>,
        eject: Option<&EjectSpec>,
        loc: &Loc,
    ) -> BalancerConfig {
        let ploc = loc.field("pool");
        if pool.is_empty() {
            self.problem(&ploc, "a balancer needs at least one replica in its pool");
        } else if pool.len() > limits::MAX_POOL {
            self.problem(
                &ploc,
                format!("{} replicas; the limit is {}", pool.len(), limits::MAX_POOL),
            );
        }
        let mut seen = BTreeSet::new();
        let mut members = Vec::new();
        for (k, name) in pool.iter().enumerate() {
            let at = ploc.index(k);
            if !seen.insert(name.0.as_str()) {
                self.problem(&at, format!("{name} is in the pool twice"));
                continue;
            }
            if let Some(id) = self.callee(i, name, &at) {
                members.push(id);
            }
        }
        let ejection = eject.map(|e| {
            if e.duration.is_some_and(|d| d.0 == SimDuration::ZERO) {
                self.problem(
                    &loc.field("eject").field("duration"),
                    "duration must be above 0",
                );
            }
            EjectionConfig {
                consecutive_failures: e.after.map_or(DEFAULT_EJECT_AFTER, |a| a.get()),
                max_fraction: e.max_ejected.map_or(DEFAULT_MAX_EJECTED, |f| f.0),
                duration: e.duration.map_or(DEFAULT_EJECT_FOR, |d| d.0),
            }
        });
        BalancerConfig {
            pool: members,
            strategy: match strategy {
                None | Some(StrategySpec::RoundRobin) => BalanceStrategy::RoundRobin,
                Some(StrategySpec::Random) => BalanceStrategy::Random,
                Some(StrategySpec::LeastOutstanding) => BalanceStrategy::LeastOutstanding,
                Some(StrategySpec::PowerOfTwo) => BalanceStrategy::PowerOfTwo,
            },
            policy: self.policy_ref(policy, &loc.field("policy")),
            ejection,
            health: None,
        }
    }

    fn call(&mut self, caller: usize, call: &CallSpec, loc: &Loc) -> CallConfig {
        let to = self
            .callee(caller, &call.to, &loc.field("to"))
            .unwrap_or(NodeId(0));
        let policy = self.policy_ref(call.policy.as_ref(), &loc.field("policy"));
        CallConfig { to, policy }
    }

    fn priorities(
        &mut self,
        list: Option<&[(PrioritySpec, Prob)]>,
        loc: &Loc,
    ) -> Vec<(Priority, f64)> {
        let Some(list) = list else {
            return vec![(Priority::Normal, 1.0)];
        };
        if list.is_empty() {
            self.problem(
                loc,
                "the list of priorities is empty; leave it out for all Normal",
            );
            return vec![(Priority::Normal, 1.0)];
        }
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (k, (p, w)) in list.iter().enumerate() {
            let class = match p {
                PrioritySpec::Critical => Priority::Critical,
                PrioritySpec::Normal => Priority::Normal,
                PrioritySpec::Background => Priority::Background,
            };
            if !seen.insert(class) {
                self.problem(&loc.index(k), format!("{class:?} is listed twice"));
            }
            out.push((class, w.0));
        }
        let sum: f64 = out.iter().map(|(_, w)| w).sum();
        if (sum - 1.0).abs() > limits::WEIGHT_TOLERANCE {
            self.problem(loc, format!("the weights add up to {sum}, not 1"));
        }
        out
    }

    /// Reports each cycle in the graph of calls (service calls, cache backings, queue consumers).
    fn call_cycles(&mut self, file: &ScenarioFile, root: &Loc) {
        let n = file.nodes.0.len();
        let mut edges: Vec<Vec<(usize, Loc)>> = vec![Vec::new(); n];
        for (i, (name, spec)) in file.nodes.0.iter().enumerate() {
            let loc = root.field("nodes").key(&name.0);
            let mut add = |to: &Name, at: Loc| {
                if let Some(&id) = self.ids.get(&to.0)
                    && id.index() != i
                {
                    edges[i].push((id.index(), at.at_str(&to.0)));
                }
            };
            match spec {
                NodeSpec::Service { calls, .. } => {
                    for (k, call) in calls.iter().enumerate() {
                        add(&call.to, loc.field("calls").index(k).field("to"));
                    }
                }
                NodeSpec::Cache { backing, .. } => {
                    add(&backing.to, loc.field("backing").field("to"))
                }
                NodeSpec::Queue { consumer, .. } => add(consumer, loc.field("consumer")),
                // Replicas talk to their peers both ways by design: not calls.
                NodeSpec::Client { .. }
                | NodeSpec::Replica { .. }
                | NodeSpec::StoreClient { .. }
                | NodeSpec::Monitor { .. }
                | NodeSpec::Raft { .. } => {}
                NodeSpec::Balancer { pool, .. } => {
                    for (k, to) in pool.iter().enumerate() {
                        add(to, loc.field("pool").index(k));
                    }
                }
            }
        }
        // Iterative depth-first search in file order; a back edge closes a cycle.
        const WHITE: u8 = 0;
        const GREY: u8 = 1;
        const BLACK: u8 = 2;
        let mut colour = vec![WHITE; n];
        let mut reported = BTreeSet::new();
        for start in 0..n {
            if colour[start] != WHITE {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            colour[start] = GREY;
            while let Some(&mut (v, ref mut next)) = stack.last_mut() {
                if *next < edges[v].len() {
                    let (w, ref at) = edges[v][*next];
                    let at = at.clone();
                    *next += 1;
                    if colour[w] == WHITE {
                        colour[w] = GREY;
                        stack.push((w, 0));
                    } else if colour[w] == GREY {
                        let from = stack.iter().position(|&(u, _)| u == w).unwrap_or(0);
                        let mut cycle: Vec<usize> = stack[from..].iter().map(|&(u, _)| u).collect();
                        let mut key = cycle.clone();
                        key.sort_unstable();
                        if reported.insert(key) {
                            cycle.push(w);
                            let names: Vec<String> = cycle
                                .iter()
                                .map(|&u| format!("{:?}", self.names[u]))
                                .collect();
                            self.problem(
                                &at,
                                format!("calls go round in a cycle: {}", names.join(" -> ")),
                            );
                        }
                    }
                } else {
                    colour[v] = BLACK;
                    stack.pop();
                }
            }
        }
    }

    // ---- the network ------------------------------------------------------

    fn default_link(&mut self, spec: Option<&DefaultLinkSpec>) -> LinkModel {
        let d = LinkModel::default();
        match spec {
            None => d,
            Some(s) => LinkModel {
                latency: s.latency.as_ref().map_or(d.latency, |l| l.0.clone()),
                loss: s.loss.map_or(d.loss, |p| p.0),
                duplicate: s.duplicate.map_or(d.duplicate, |p| p.0),
            },
        }
    }

    /// Resolves `between: (a, b)` or `from: a, to: b` into directed pairs.
    fn endpoints(
        &mut self,
        between: Option<&(Name, Name)>,
        from: Option<&Name>,
        to: Option<&Name>,
        loc: &Loc,
    ) -> Vec<(NodeId, NodeId)> {
        let pair = |c: &mut Self,
                    a: &Name,
                    b: &Name,
                    aloc: &Loc,
                    bloc: &Loc|
         -> Option<(NodeId, NodeId)> {
            let x = c.node_ref(a, aloc);
            let y = c.node_ref(b, bloc);
            let (x, y) = (x?, y?);
            if x == y {
                c.problem(
                    &aloc.at_str(&a.0),
                    format!("a link joins two different nodes, not {a} to itself"),
                );
                return None;
            }
            Some((x, y))
        };
        match (between, from, to) {
            (Some((a, b)), None, None) => {
                let bl = loc.field("between");
                pair(
                    self,
                    a,
                    b,
                    &bl.at(Anchor::Index(0)),
                    &bl.at(Anchor::Index(1)),
                )
                .map_or_else(Vec::new, |(x, y)| vec![(x, y), (y, x)])
            }
            (None, Some(a), Some(b)) => pair(self, a, b, &loc.field("from"), &loc.field("to"))
                .map_or_else(Vec::new, |p| vec![p]),
            (Some(_), _, _) => {
                self.problem(
                    &loc.field("between"),
                    "give either between: or from: and to:, not both",
                );
                Vec::new()
            }
            (None, _, _) => {
                self.problem(loc, "a link needs between: (a, b) or both from: and to:");
                Vec::new()
            }
        }
    }

    fn links(&mut self, specs: &[LinkSpec], default: &LinkModel, loc: &Loc) -> Vec<LinkConfig> {
        if specs.len() > limits::MAX_LINKS {
            self.problem(
                loc,
                format!("{} links; the limit is {}", specs.len(), limits::MAX_LINKS),
            );
        }
        let mut out: Vec<LinkConfig> = Vec::new();
        let mut first_set: HashMap<(NodeId, NodeId), usize> = HashMap::new();
        for (k, spec) in specs.iter().enumerate() {
            let lloc = loc.index(k);
            let model = LinkModel {
                latency: spec
                    .latency
                    .as_ref()
                    .map_or_else(|| default.latency.clone(), |l| l.0.clone()),
                loss: spec.loss.map_or(default.loss, |p| p.0),
                duplicate: spec.duplicate.map_or(default.duplicate, |p| p.0),
            };
            for (from, to) in self.endpoints(
                spec.between.as_ref(),
                spec.from.as_ref(),
                spec.to.as_ref(),
                &lloc,
            ) {
                if let Some(&earlier) = first_set.get(&(from, to)) {
                    self.problem(
                        &lloc,
                        format!(
                            "the link {:?} -> {:?} is already set by links[{earlier}]",
                            self.names[from.index()],
                            self.names[to.index()]
                        ),
                    );
                    continue;
                }
                first_set.insert((from, to), k);
                out.push(LinkConfig {
                    from,
                    to,
                    model: model.clone(),
                });
            }
        }
        out
    }

    // ---- the timeline -----------------------------------------------------

    fn timeline(
        &mut self,
        file: &ScenarioFile,
        nodes: &[NodeConfig],
        duration: SimDuration,
        loc: &Loc,
    ) -> Vec<TimedAction> {
        if file.timeline.len() > limits::MAX_TIMELINE {
            self.problem(
                loc,
                format!(
                    "{} timeline entries; the limit is {}",
                    file.timeline.len(),
                    limits::MAX_TIMELINE
                ),
            );
        }
        let mut pairs_budget = limits::MAX_TIMELINE_PAIRS;
        let mut out = Vec::new();
        for (k, entry) in file.timeline.iter().enumerate() {
            let eloc = loc.index(k);
            let at = entry.0.0;
            if at > duration {
                self.problem(
                    &eloc.at(Anchor::Index(0)),
                    format!(
                        "at {at}, after the end of the run ({duration}); it would never happen"
                    ),
                );
            }
            let at = SimTime(at.as_nanos());
            for action in self.action(&entry.1.0, nodes, &eloc, &mut pairs_budget) {
                out.push(TimedAction { at, action });
            }
        }
        out.sort_by_key(|a| a.at); // stable: entries at the same time keep file order
        out
    }

    /// The directed pairs a `Partition` or `Heal` names (`None`: no selector given).
    #[allow(clippy::type_complexity)]
    fn pairs(
        &mut self,
        group: Option<&Vec<Name>>,
        pairs: Option<&Vec<(Name, Name)>>,
        one_way: Option<&(Name, Name)>,
        loc: &Loc,
        budget: &mut usize,
    ) -> Option<Vec<(NodeId, NodeId)>> {
        let given = usize::from(group.is_some())
            + usize::from(pairs.is_some())
            + usize::from(one_way.is_some());
        if given == 0 {
            return None;
        }
        if given > 1 {
            self.problem(loc, "give one of group:, pairs: or one_way:, not several");
            return Some(Vec::new());
        }
        let mut out = Vec::new();
        if let Some(group) = group {
            if group.is_empty() {
                self.problem(&loc.field("group"), "the group is empty");
            }
            let mut members = BTreeSet::new();
            for name in group {
                if let Some(id) = self.node_ref(name, &loc.field("group")) {
                    members.insert(id);
                }
            }
            let n = self.names.len();
            if !self.charge_group_cut(members.len(), n, loc, budget) {
                return Some(Vec::new());
            }
            for &g in &members {
                for o in (0..n as u32).map(NodeId) {
                    if !members.contains(&o) {
                        out.push((g, o));
                        out.push((o, g));
                    }
                }
            }
        }
        let mut pair = |c: &mut Self, a: &Name, b: &Name, ploc: &Loc| {
            let (x, y) = (c.node_ref(a, ploc), c.node_ref(b, ploc));
            if let (Some(x), Some(y)) = (x, y) {
                if x == y {
                    c.problem(&ploc.at_str(&a.0), format!("{a} is paired with itself"));
                } else {
                    out.push((x, y));
                }
            }
        };
        if let Some(list) = pairs {
            if list.len() > *budget {
                self.problem(
                    loc,
                    format!(
                        "the timeline names more than {} pairs of nodes in all",
                        limits::MAX_TIMELINE_PAIRS
                    ),
                );
                return Some(Vec::new());
            }
            *budget -= list.len();
            for (i, (a, b)) in list.iter().enumerate() {
                pair(self, a, b, &loc.field("pairs").index(i));
            }
        }
        if let Some((a, b)) = one_way {
            pair(self, a, b, &loc.field("one_way"));
        }
        Some(out)
    }

    /// The nodes placed in `zone`; a located problem when there are none.
    fn zone_members(&mut self, zone: &Name, nodes: &[NodeConfig], loc: &Loc) -> Vec<NodeId> {
        let members: Vec<NodeId> = (0..nodes.len())
            .filter(|&i| nodes[i].zone.as_deref() == Some(zone.0.as_str()))
            .map(|i| NodeId(i as u32))
            .collect();
        if members.is_empty() {
            let zones: BTreeSet<&str> = nodes.iter().filter_map(|n| n.zone.as_deref()).collect();
            let known: Vec<String> = zones.into_iter().map(|z| format!("\"{z}\"")).collect();
            self.problem(
                &loc.at_str(&zone.0),
                format!(
                    "no node is in zone {zone}; zones: {}",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            );
        }
        members
    }

    /// `zone:` of a Partition or Heal: the zone's name, once it is known to
    /// hold nodes and its cut fits the timeline's budget of pairs (a problem
    /// when another form is given too).
    fn zone_cut(
        &mut self,
        zone: &Name,
        other_given: bool,
        nodes: &[NodeConfig],
        loc: &Loc,
        budget: &mut usize,
    ) -> String {
        if other_given {
            self.problem(
                loc,
                "give one of group:, pairs:, one_way: or zone:, not several",
            );
        }
        let m = self.zone_members(zone, nodes, &loc.field("zone")).len();
        self.charge_group_cut(m, nodes.len(), loc, budget);
        zone.0.clone()
    }

    /// Takes the 2·g·(n−g) pairs that cut a group of `g` among `n` nodes off
    /// from the timeline's budget; a problem, and `false`, when they exceed it.
    fn charge_group_cut(&mut self, g: usize, n: usize, loc: &Loc, budget: &mut usize) -> bool {
        let cut = g.saturating_mul(n.saturating_sub(g)).saturating_mul(2);
        if cut > *budget {
            self.problem(
                loc,
                format!(
                    "the timeline's partitions name more than {} pairs of nodes in all",
                    limits::MAX_TIMELINE_PAIRS
                ),
            );
            return false;
        }
        *budget -= cut;
        true
    }

    fn action(
        &mut self,
        spec: &ActionSpec,
        nodes: &[NodeConfig],
        loc: &Loc,
        budget: &mut usize,
    ) -> Vec<Action> {
        let placeholder = NodeId(0);
        match spec {
            ActionSpec::Partition {
                group,
                pairs,
                one_way,
                zone: Some(zone),
            }
            | ActionSpec::Heal {
                group,
                pairs,
                one_way,
                zone: Some(zone),
            } => {
                let other = group.is_some() || pairs.is_some() || one_way.is_some();
                let zone = self.zone_cut(zone, other, nodes, loc, budget);
                vec![if matches!(spec, ActionSpec::Partition { .. }) {
                    Action::PartitionZone(zone)
                } else {
                    Action::HealZone(zone)
                }]
            }
            ActionSpec::Partition {
                group,
                pairs,
                one_way,
                zone: None,
            } => match self.pairs(
                group.as_ref(),
                pairs.as_ref(),
                one_way.as_ref(),
                loc,
                budget,
            ) {
                Some(p) => vec![Action::Partition(p)],
                None => {
                    self.problem(
                        loc,
                        "Partition needs group: [..], pairs: [(a, b), ..] or one_way: (a, b)",
                    );
                    Vec::new()
                }
            },
            ActionSpec::Heal {
                group,
                pairs,
                one_way,
                zone: None,
            } => vec![Action::Heal(self.pairs(
                group.as_ref(),
                pairs.as_ref(),
                one_way.as_ref(),
                loc,
                budget,
            ))],
            ActionSpec::Crash(n) => {
                vec![Action::Crash(self.node_ref(n, loc).unwrap_or(placeholder))]
            }
            ActionSpec::Restart(n) => vec![Action::Restart(
                self.node_ref(n, loc).unwrap_or(placeholder),
            )],
            ActionSpec::CrashZone(z) => {
                self.zone_members(z, nodes, loc);
                vec![Action::CrashZone(z.0.clone())]
            }
            ActionSpec::RestartZone(z) => {
                self.zone_members(z, nodes, loc);
                vec![Action::RestartZone(z.0.clone())]
            }
            ActionSpec::Slow(n, factor) => {
                vec![Action::Slow {
                    node: self.node_ref(n, loc).unwrap_or(placeholder),
                    factor: factor.0,
                }]
            }
            ActionSpec::SetLink {
                between,
                from,
                to,
                latency,
                loss,
                duplicate,
            } => {
                if latency.is_none() && loss.is_none() && duplicate.is_none() {
                    self.problem(
                        loc,
                        "SetLink changes nothing; give latency:, loss: or duplicate:",
                    );
                }
                self.endpoints(between.as_ref(), from.as_ref(), to.as_ref(), loc)
                    .into_iter()
                    .map(|(from, to)| Action::SetLink {
                        from,
                        to,
                        latency: latency.as_ref().map(|l| l.0.clone()),
                        loss: loss.map(|p| p.0),
                        duplicate: duplicate.map(|p| p.0),
                    })
                    .collect()
            }
            ActionSpec::SetClock {
                node,
                offset,
                drift_ppm,
            } => {
                if offset.is_none() && drift_ppm.is_none() {
                    self.problem(loc, "SetClock changes nothing; give offset: or drift_ppm:");
                }
                vec![Action::SetClock {
                    node: self
                        .node_ref(node, &loc.field("node"))
                        .unwrap_or(placeholder),
                    offset_ns: offset.map(|o| o.0),
                    drift_ppm: drift_ppm.map(|d| d.0),
                }]
            }
            ActionSpec::SetPolicy {
                caller,
                callee,
                policy,
            } => {
                let x = self.node_ref(caller, &loc.field("caller"));
                let y = self.node_ref(callee, &loc.field("callee"));
                if let (Some(x), Some(y)) = (x, y)
                    && !calls(&nodes[x.index()].kind, y)
                {
                    self.problem(
                        &loc.field("callee"),
                        format!("{caller} does not call {callee}, so it has no policy towards it to replace"),
                    );
                }
                let policy = self.policy_ref(Some(policy), &loc.field("policy"));
                vec![Action::SetPolicy {
                    caller: x.unwrap_or(placeholder),
                    callee: y.unwrap_or(placeholder),
                    policy,
                }]
            }
            ActionSpec::SetLoad {
                client,
                per_second,
                users,
            } => {
                let cloc = loc.field("client");
                let Some(id) = self.node_ref(client, &cloc) else {
                    return Vec::new();
                };
                let NodeKind::Client(cfg) = &nodes[id.index()].kind else {
                    self.problem(&cloc.at_str(&client.0), format!("{client} is not a client"));
                    return Vec::new();
                };
                let load = match (&cfg.load, per_second, users) {
                    (Load::Open { arrivals }, Some(r), None) => Load::Open {
                        arrivals: arrivals.with_rate(r.0),
                    },
                    (Load::Closed { think, .. }, None, Some(u)) => Load::Closed {
                        users: u.get(),
                        think: think.clone(),
                    },
                    (_, Some(_), Some(_)) | (_, None, None) => {
                        self.problem(
                            loc,
                            "SetLoad needs per_second: (open loop) or users: (closed loop)",
                        );
                        return Vec::new();
                    }
                    (Load::Open { .. }, None, Some(_)) => {
                        self.problem(
                            &loc.field("users"),
                            format!("{client} is open-loop; set per_second: instead"),
                        );
                        return Vec::new();
                    }
                    (Load::Closed { .. }, Some(_), None) => {
                        self.problem(
                            &loc.field("per_second"),
                            format!("{client} is closed-loop; set users: instead"),
                        );
                        return Vec::new();
                    }
                };
                vec![Action::SetLoad { client: id, load }]
            }
            ActionSpec::SetService {
                node,
                workers,
                queue,
                work,
                error_rate,
            } => {
                let change = ServiceChange {
                    workers: workers.map(|w| w.get()),
                    queue_capacity: queue.map(|q| q.get()),
                    work: work.as_ref().map(|d| d.0.clone()),
                    error_rate: error_rate.map(|p| p.0),
                };
                if change.is_empty() {
                    self.problem(
                        loc,
                        "SetService changes nothing; give workers:, queue:, work: or error_rate:",
                    );
                }
                let nloc = loc.field("node");
                let Some(id) = self.node_ref(node, &nloc) else {
                    return Vec::new();
                };
                if !matches!(nodes[id.index()].kind, NodeKind::Service(_)) {
                    self.problem(&nloc.at_str(&node.0), format!("{node} is not a service"));
                    return Vec::new();
                }
                vec![Action::SetService { node: id, change }]
            }
            ActionSpec::Canary {
                service,
                version,
                steps,
                step_every,
                rollback_if,
            } => self.canary(
                service,
                version,
                steps,
                step_every,
                rollback_if.as_ref(),
                nodes,
                loc,
            ),
            ActionSpec::BlueGreen { service, version } => {
                self.blue_green(service, version, nodes, loc)
            }
            ActionSpec::Rollback(service) => self.rollback(service, nodes, loc),
        }
    }

    /// Total open-loop requests over the run, each client at its highest rate.
    fn total_requests(
        &mut self,
        file: &ScenarioFile,
        nodes: &[NodeConfig],
        timeline: &[TimedAction],
        duration: SimDuration,
        root: &Loc,
    ) {
        let mut peak: Vec<f64> = nodes
            .iter()
            .map(|n| match &n.kind {
                NodeKind::Client(ClientConfig {
                    load: Load::Open { arrivals },
                    ..
                }) => arrivals.rate_per_s(),
                NodeKind::StoreClient(c) => {
                    let reads_back = if c.read_after_write {
                        c.write_fraction
                    } else {
                        0.0
                    };
                    c.arrivals.rate_per_s() * (1.0 + reads_back)
                }
                _ => 0.0,
            })
            .collect();
        for t in timeline {
            if let Action::SetLoad {
                client,
                load: Load::Open { arrivals },
            } = &t.action
                && let Some(p) = peak.get_mut(client.index())
            {
                *p = p.max(arrivals.rate_per_s());
            }
        }
        let total: f64 = peak.iter().sum::<f64>() * duration.as_secs_f64();
        if total > limits::MAX_TOTAL_REQUESTS {
            let loc = busiest_node(file, &peak, root);
            self.problem(
                &loc,
                format!(
                    "the clients would send about {total:.3e} requests in {duration} (rate × duration, at the highest SetLoad rates); the limit is {:.0e}: shorten the run or lower the rates",
                    limits::MAX_TOTAL_REQUESTS
                ),
            );
        }
    }

    /// Probes of every monitor and health check over the run must stay
    /// within [`limits::MAX_TOTAL_PROBES`].
    fn total_probes(
        &mut self,
        file: &ScenarioFile,
        nodes: &[NodeConfig],
        duration: SimDuration,
        root: &Loc,
    ) {
        let per_s: Vec<f64> = nodes
            .iter()
            .map(|n| {
                let (targets, every) = match &n.kind {
                    NodeKind::Monitor(m) => (m.watch.len(), m.interval),
                    NodeKind::Balancer(b) => match b.health {
                        Some(h) => (b.pool.len(), h.every),
                        None => return 0.0,
                    },
                    _ => return 0.0,
                };
                targets as f64 / every.as_secs_f64().max(1e-9)
            })
            .collect();
        let total = per_s.iter().sum::<f64>() * duration.as_secs_f64();
        if total > limits::MAX_TOTAL_PROBES {
            let loc = busiest_node(file, &per_s, root);
            self.problem(
                &loc,
                format!(
                    "monitors and health checks would send about {total:.3e} probes in {duration} (targets × duration / interval); the limit is {:.0e}: probe less often or shorten the run",
                    limits::MAX_TOTAL_PROBES
                ),
            );
        }
    }
}

/// Whether a node of this kind calls `callee` through a policy.
fn calls(kind: &NodeKind, callee: NodeId) -> bool {
    match kind {
        NodeKind::Client(c) => c.target == callee,
        NodeKind::Service(s) => s.calls.iter().any(|c| c.to == callee),
        NodeKind::Cache(c) => c.backing.to == callee,
        NodeKind::Queue(_)
        | NodeKind::Replica(_)
        | NodeKind::StoreClient(_)
        | NodeKind::Monitor(_)
        | NodeKind::Raft(_) => false,
        NodeKind::Balancer(b) => b.pool.contains(&callee),
    }
}

fn arrivals_of(open: &OpenSpec) -> Arrivals {
    match open {
        OpenSpec::Poisson { per_second } => Arrivals::Poisson {
            rate_per_s: per_second.0,
        },
        OpenSpec::Constant { per_second } => Arrivals::Constant {
            rate_per_s: per_second.0,
        },
    }
}

fn keys_of(keys: Option<&KeysSpec>) -> KeySpace {
    match keys {
        None => DEFAULT_KEYS,
        Some(KeysSpec::Uniform { n }) => KeySpace::Uniform { n: n.0 },
        Some(KeysSpec::Zipf { n, s }) => KeySpace::Zipf { n: n.0, s: s.0 },
    }
}

fn clock_config(c: &ClockSpec) -> ClockConfig {
    ClockConfig {
        offset_ns: c.offset.map_or(0, |o| o.0),
        drift_ppm: c.drift_ppm.map_or(0, |d| d.0),
    }
}

/// Where to report a run-wide total: the node with the largest share in
/// `per_node` (indexed like the file's nodes), or `nodes` itself.
fn busiest_node(file: &ScenarioFile, per_node: &[f64], root: &Loc) -> Loc {
    let busiest = (0..per_node.len())
        .max_by(|&a, &b| per_node[a].total_cmp(&per_node[b]))
        .unwrap_or(0);
    match file.nodes.0.get(busiest) {
        Some((name, _)) => root.field("nodes").key(&name.0),
        None => root.field("nodes"),
    }
}
