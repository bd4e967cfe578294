//! Limits on everything a scenario file can ask for.
//!
//! Scenario files are shared between strangers (DESIGN.md, principle 5), so a
//! file must not be able to make faultlab panic, hang or exhaust memory. Each
//! limit is far above what a teaching scenario needs and far below what would
//! hurt a laptop. Raising one is a deliberate decision: say why next to it.

use crate::sim::time::{NANOS_PER_MS, NANOS_PER_S, SimDuration};

/// Largest scenario file read: 1 MiB. A hand-written scenario is a few KiB;
/// this bounds parse time and every collection in the file.
pub const MAX_FILE_BYTES: usize = 1 << 20;

/// Most nodes in a scenario: enough for any picture a person can read, and it
/// bounds the n² tables (links, partitions) the engine may build.
pub const MAX_NODES: usize = 256;

/// Most entries in `links` (a `between:` entry counts once and sets two directions).
pub const MAX_LINKS: usize = 4096;

/// Most entries in `timeline`.
pub const MAX_TIMELINE: usize = 10_000;

/// Most directed pairs all `Partition`/`Heal` entries of the timeline may name
/// together once groups are expanded (a group of g nodes among n names
/// 2·g·(n−g) pairs); keeps a small file from expanding into gigabytes.
pub const MAX_TIMELINE_PAIRS: usize = 1_000_000;

/// Most named policies.
pub const MAX_POLICIES: usize = 256;

/// Most downstream calls one service makes.
pub const MAX_CALLS: usize = 64;

/// Most peers a store replica lists (a store has at most this + 1 replicas).
pub const MAX_PEERS: usize = 15;

/// Most entries a Raft node keeps in its log before compacting (`max_log:`).
pub const MAX_RAFT_LOG: u64 = 1_000_000;

/// Fewest entries a Raft node keeps in its log before compacting.
pub const MIN_RAFT_LOG: u64 = 4;

/// Most nodes one monitor watches.
pub const MAX_WATCH: usize = 64;

/// Inter-arrival times a phi accrual detector may remember.
pub const MAX_PHI_WINDOW: u64 = 10_000;

/// Highest phi threshold (φ = 100 is a probability of 1e-100).
pub const MAX_PHI: f64 = 100.0;
/// Most versions of one service, the base included: a rollout moves traffic
/// between two; a handful is all a lesson shows.
pub const MAX_VERSIONS: usize = 8;

/// Most versions of all services together: each is counted per metrics
/// window, so this bounds that table (100,000 windows × 32 versions).
pub const MAX_VERSIONS_TOTAL: usize = 32;

/// Highest message format number a version may declare (it is stored in a byte).
pub const MAX_FORMAT: u64 = 255;

/// Most steps of one canary.
pub const MAX_CANARY_STEPS: usize = 100;

/// Most replicas in one balancer's pool.
pub const MAX_POOL: usize = 64;

/// Shortest time between a balancer's health probes.
pub const MIN_PROBE_INTERVAL: SimDuration = SimDuration(NANOS_PER_MS);

/// Most failure-detector probes all monitors and health checks may send
/// over the run (targets × duration / interval): each costs about four
/// events, so this bounds run time as `MAX_TOTAL_REQUESTS` does.
pub const MAX_TOTAL_PROBES: f64 = 100_000_000.0;

/// Longest node, policy or zone name, in characters. Names are also shown in
/// the window and in tables, and must stay readable there.
pub const MAX_NAME_CHARS: usize = 64;

/// Longest scenario name (`name:`), in characters.
pub const MAX_TITLE_CHARS: usize = 200;

/// Longest `description:`, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 64 * 1024;

/// Longest run, and longest duration value anywhere in a file: 24 hours.
/// Simulated days are not a teaching need, and it keeps every sum of
/// durations far from `u64` overflow.
pub const MAX_DURATION: SimDuration = SimDuration(24 * 3600 * NANOS_PER_S);

/// Narrowest metrics window.
pub const MIN_WINDOW: SimDuration = SimDuration(NANOS_PER_MS);

/// Widest metrics window.
pub const MAX_WINDOW: SimDuration = SimDuration(3600 * NANOS_PER_S);

/// Most metrics windows in a run (`duration / window`): bounds the memory of
/// the per-window histograms and of the plots.
pub const MAX_WINDOWS: u64 = 100_000;

/// Highest open-loop rate of one client, requests per second (also for
/// `SetLoad` and token buckets).
pub const MAX_RATE_PER_S: f64 = 1_000_000.0;

/// Most users of one closed-loop client.
pub const MAX_USERS: u64 = 100_000;

/// Most requests all open-loop clients may plan over the run (rate × duration,
/// with each client at its highest `SetLoad` rate): bounds run time and memory.
pub const MAX_TOTAL_REQUESTS: f64 = 500_000_000.0;

/// Most workers in one service.
pub const MAX_WORKERS: u64 = 10_000;

/// Longest service queue, largest queue-node capacity, largest shedding
/// threshold and most requests in flight per client.
pub const MAX_QUEUE: u64 = 1_000_000;

/// Most entries in one cache.
pub const MAX_CACHE_ENTRIES: u64 = 10_000_000;

/// Largest key space (`n` of `Uniform`/`Zipf`).
pub const MAX_KEYS: u64 = 1_000_000_000;

/// Largest Zipf exponent `s`.
pub const MAX_ZIPF_S: f64 = 10.0;

/// Most retries of one call.
pub const MAX_RETRIES: u64 = 10;

/// Most deliveries of one queued message.
pub const MAX_DELIVERIES: u64 = 100;

/// Most messages a queue delivers at once.
pub const MAX_CONCURRENCY: u64 = 10_000;

/// Largest `min_calls` of a breaker.
pub const MAX_BREAKER_CALLS: u64 = 1_000_000;

/// Most probes of a half-open breaker.
pub const MAX_PROBES: u64 = 1_000;

/// Largest token-bucket burst and retry-budget `max_tokens`.
pub const MAX_TOKENS: f64 = 1_000_000.0;

/// Largest Pareto shape (beyond it the distribution is a constant in practice).
pub const MAX_PARETO_SHAPE: f64 = 100.0;

/// Largest `Slow` factor.
pub const MAX_SLOW_FACTOR: f64 = 1000.0;

/// Largest clock drift either way, in parts per million (10%).
pub const MAX_DRIFT_PPM: i64 = 100_000;

/// Largest clock offset either way.
pub const MAX_CLOCK_OFFSET: SimDuration = MAX_DURATION;

/// Largest window coordinate either way (`position:`).
pub const MAX_COORDINATE: f32 = 1_000_000.0;

/// Most parts of one `Mixture`.
pub const MAX_MIXTURE_PARTS: usize = 32;

/// Most levels of `Mixture` inside `Mixture` (a plain mixture is level 1).
pub const MAX_MIXTURE_DEPTH: usize = 3;

/// How far the sum of weights (mixture parts, priorities) may be from 1.
pub const WEIGHT_TOLERANCE: f64 = 1e-6;

/// Most problems reported for one file; the rest are counted in a final line.
pub const MAX_PROBLEMS: usize = 100;

/// How deeply values may nest in the file. ron's own default (128) already
/// turns a file of 10,000 nested brackets into an error rather than a stack
/// overflow; stated here so that the bound is visible and tested.
pub const MAX_NESTING: usize = 128;
