//! A cache: an LRU of `capacity` entries in front of a backing service.
//!
//! Each entry remembers the local time it was filled. A read of a fresh entry
//! (younger than the TTL) is a hit, answered after a `hit_time` draw; the cache
//! has no worker limit, so hits never queue. A read miss (absent or expired) is
//! forwarded to the backing service through the cache's call policy; a success
//! (re)fills the entry and is passed back. When the backing call fails, an
//! expired entry is served instead if `serve_stale` is on (a *stale* answer);
//! otherwise the cache answers `Error` whatever the cause (a backing timeout
//! included): the cache itself did answer. Writes go through to the backing
//! service and invalidate the key when they succeed; a failed write leaves the
//! entry as it was and answers `Error`.
//!
//! Nothing is coalesced: every miss is its own backing call, even when a call
//! for the same key is already in flight, so a popular key that expires (or a
//! cold cache after a restart) sends a burst of identical calls to the backing
//! service. A crash loses every entry: the restarted cache is cold.
//!
//! Small choices, documented here because they change numbers:
//! - every read access (hit or miss) makes the key most recently used;
//! - a degraded (fallback) answer from the backing service is passed back but
//!   not cached;
//! - when a backing call fails but the key was meanwhile refilled by another
//!   miss and is fresh, the fresh entry is served (not stale, not an error);
//! - a capacity of zero (impossible from a scenario file) is treated as one.

use std::num::NonZeroUsize;

use lru::LruCache;

use crate::metrics::trace::ServeEnd;
use crate::sim::clock::LocalTime;
use crate::sim::config::{CacheConfig, NodeId};
use crate::sim::message::{Failure, Message, Op, Reply, Request, Served, SpanId};
use crate::sim::rng::{SimRng, stream};

use super::Timer;
use super::caller::{CallOutcome, CallSpec, Caller};
use super::ctx::{Ctx, Stamp};
use super::service::HARD_QUEUE_LIMIT;

/// A request the cache is working on: a hit waiting for its hit time, or a
/// miss or write waiting for the backing service.
struct Pending {
    from: NodeId,
    request: Request,
    stamp: Stamp,
}

struct Slot {
    generation: u32,
    pending: Option<Pending>,
}

/// A cache node.
pub struct Cache {
    config: CacheConfig,
    caller: Caller,
    hit_rng: SimRng,
    /// Key → local time the entry was filled.
    entries: LruCache<u64, LocalTime>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    in_progress: u32,
}

impl Cache {
    /// A cache named `name`; `names` gives every node's name (for the backing edge's stream).
    pub fn new(seed: u64, name: &str, names: &[String], config: CacheConfig) -> Self {
        let backing = &config.backing;
        let caller = Caller::new(
            seed,
            name,
            vec![(
                backing.to,
                names[backing.to.index()].clone(),
                backing.policy.clone(),
            )],
        );
        let capacity = NonZeroUsize::new(config.capacity as usize).unwrap_or(NonZeroUsize::MIN);
        Cache {
            caller,
            hit_rng: stream(seed, &format!("{name}/hits")),
            entries: LruCache::new(capacity),
            slots: Vec::new(),
            free: Vec::new(),
            in_progress: 0,
            config,
        }
    }

    /// Requests in progress (hits being answered, misses and writes at the backing service).
    pub fn in_progress(&self) -> u32 {
        self.in_progress
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the cache holds no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The caller (for reading and changing the backing policy).
    pub fn caller_mut(&mut self) -> &mut Caller {
        &mut self.caller
    }

    /// The caller (for asking whether a timer is stale).
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// Handles a request from `from`.
    pub fn on_request(&mut self, ctx: &mut Ctx, from: NodeId, request: Request) {
        let me = ctx.me.index();
        ctx.rec().arrival(me);
        ctx.trace(|t, at| t.serve(at, request.root, from.0, request.call));
        if self.in_progress as usize >= HARD_QUEUE_LIMIT {
            // Only a runaway scenario gets here; it keeps memory bounded.
            ctx.rec().refused(me, Failure::Rejected);
            let end = ServeEnd::answered(Err(Failure::Rejected));
            ctx.trace(|t, at| t.serve_end(at, request.root, from.0, request.call, end));
            ctx.send(
                from,
                Message::Reply(Reply {
                    call: request.call,
                    result: Err(Failure::Rejected),
                }),
            );
            return;
        }
        let slot = self.allocate(Pending {
            from,
            request,
            stamp: ctx.stamp(),
        });
        self.in_progress += 1;
        let hit = request.op == Op::Read && self.fresh(ctx.local, request.key, true);
        if request.op == Op::Read {
            ctx.rec().cache_read(me, hit);
        }
        if hit {
            let delay = self.config.hit_time.sample(&mut self.hit_rng);
            let generation = self.slots[slot as usize].generation;
            ctx.set_timer(delay, Timer::CacheHit { slot, generation });
        } else {
            let spec = CallSpec {
                root: request.root,
                key: request.key,
                op: request.op,
                priority: request.priority,
                parent: SpanId::serve(ctx.me.0, from.0, request.call),
            };
            let token = token(slot, self.slots[slot as usize].generation);
            if let Some(outcome) = self.caller.start(ctx, 0, spec, token) {
                self.backing_done(ctx, outcome);
            }
        }
        ctx.levels(u64::from(self.in_progress), 0);
    }

    /// Whether `key` has an entry younger than the TTL; `touch` makes it most recently used.
    fn fresh(&mut self, now: LocalTime, key: u64, touch: bool) -> bool {
        let filled = if touch {
            self.entries.get(&key)
        } else {
            self.entries.peek(&key)
        };
        filled.is_some_and(|&at| now.since(at) < self.config.ttl)
    }

    fn allocate(&mut self, pending: Pending) -> u32 {
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slots.push(Slot {
                generation: 0,
                pending: None,
            });
            (self.slots.len() - 1) as u32
        });
        self.slots[slot as usize].pending = Some(pending);
        slot
    }

    /// Handles a timer.
    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer) {
        match timer {
            Timer::CacheHit { slot, generation } if self.live(slot, generation) => {
                self.finish(ctx, slot, Ok(Served::default()));
            }
            Timer::Call(t) => {
                if let Some(outcome) = self.caller.on_timer(ctx, t) {
                    self.backing_done(ctx, outcome);
                }
            }
            _ => {}
        }
    }

    /// Handles a reply from the backing service.
    pub fn on_reply(&mut self, ctx: &mut Ctx, reply: Reply) {
        if let Some(outcome) = self.caller.on_reply(ctx, reply) {
            self.backing_done(ctx, outcome);
        }
    }

    fn live(&self, slot: u32, generation: u32) -> bool {
        self.slots
            .get(slot as usize)
            .is_some_and(|s| s.generation == generation && s.pending.is_some())
    }

    /// A backing call (a miss or a write) ended.
    fn backing_done(&mut self, ctx: &mut Ctx, outcome: CallOutcome) {
        let (slot, generation) = untoken(outcome.token);
        if !self.live(slot, generation) {
            return;
        }
        let request = self.slots[slot as usize]
            .pending
            .as_ref()
            .expect("checked live")
            .request;
        let key = request.key;
        let result = match (request.op, outcome.result) {
            (Op::Read, Ok(served)) => {
                if !served.degraded {
                    self.entries.put(key, ctx.local);
                }
                Ok(served)
            }
            (Op::Read, Err(_)) => {
                if self.fresh(ctx.local, key, false) {
                    Ok(Served::default())
                } else if self.config.serve_stale && self.entries.contains(&key) {
                    let me = ctx.me.index();
                    ctx.rec().cache_stale(me);
                    Ok(Served {
                        stale: true,
                        ..Served::default()
                    })
                } else {
                    Err(Failure::Error)
                }
            }
            (Op::Write, Ok(served)) => {
                self.entries.pop(&key);
                Ok(served)
            }
            (Op::Write, Err(_)) => Err(Failure::Error),
        };
        self.finish(ctx, slot, result);
    }

    /// Answers the request in `slot` and frees it.
    fn finish(&mut self, ctx: &mut Ctx, slot: u32, result: Result<Served, Failure>) {
        let s = &mut self.slots[slot as usize];
        let p = s
            .pending
            .take()
            .expect("finish is only called on live slots");
        s.generation = s.generation.wrapping_add(1);
        self.free.push(slot);
        self.in_progress -= 1;
        ctx.send(
            p.from,
            Message::Reply(Reply {
                call: p.request.call,
                result,
            }),
        );
        let (root, from, call) = (p.request.root, p.from.0, p.request.call);
        ctx.trace(|t, at| t.serve_end(at, root, from, call, ServeEnd::answered(result)));
        let duration = ctx.since(p.stamp);
        let me = ctx.me.index();
        ctx.rec().answered(me, duration, result.is_ok());
        ctx.levels(u64::from(self.in_progress), 0);
    }

    /// A crash: requests in progress are lost, and so is every entry (cold on restart).
    pub fn crash(&mut self, ctx: &mut Ctx) {
        let me = ctx.me.index();
        ctx.rec().lost_in_crash(me, u64::from(self.in_progress));
        for s in &mut self.slots {
            if s.pending.take().is_some() {
                s.generation = s.generation.wrapping_add(1);
            }
        }
        self.free = (0..self.slots.len() as u32).rev().collect();
        self.in_progress = 0;
        self.entries.clear();
        self.caller.reset();
        ctx.levels(0, 0);
    }
}

fn token(slot: u32, generation: u32) -> u64 {
    (u64::from(generation) << 32) | u64::from(slot)
}

fn untoken(token: u64) -> (u32, u32) {
    (token as u32, (token >> 32) as u32)
}

#[cfg(test)]
mod tests {
    use crate::metrics::RunSummary;
    use crate::sim::config::*;
    use crate::sim::dist::Dist;
    use crate::sim::engine::Simulation;
    use crate::sim::time::{SimDuration, SimTime};

    const USERS: NodeId = NodeId(0);
    const CACHE: NodeId = NodeId(1);
    const DB: NodeId = NodeId(2);

    /// Poisson `rate` requests/s from "users" to "cache", which sits in front
    /// of "db" (a service with plenty of workers and `db_work` per request).
    fn setup(
        seed: u64,
        secs: u64,
        rate: f64,
        keys: KeySpace,
        capacity: u32,
        ttl: SimDuration,
        db_work: Dist,
    ) -> SimConfig {
        let users = NodeKind::Client(ClientConfig {
            load: Load::Open {
                arrivals: Arrivals::Poisson { rate_per_s: rate },
            },
            target: CACHE,
            policy: PolicyConfig::default(),
            keys,
            write_fraction: 0.0,
            priorities: vec![(Priority::Normal, 1.0)],
            max_in_flight: None,
        });
        let cache = NodeKind::Cache(CacheConfig {
            capacity,
            ttl,
            hit_time: Dist::constant(SimDuration::from_micros(100)),
            backing: CallConfig {
                to: DB,
                policy: PolicyConfig::default(),
            },
            serve_stale: false,
        });
        let db = NodeKind::Service(ServiceConfig::plain(1000, db_work));
        SimConfig {
            name: "cache".into(),
            seed,
            duration: SimDuration::from_secs(secs),
            window: SimDuration::from_secs(1),
            nodes: vec![
                NodeConfig::named("users", users),
                NodeConfig::named("cache", cache),
                NodeConfig::named("db", db),
            ],
            default_link: LinkModel::default(),
            links: vec![],
            timeline: vec![],
            slo: SloConfig::default(),
        }
    }

    fn cache_mut(cfg: &mut SimConfig) -> &mut CacheConfig {
        match &mut cfg.nodes[CACHE.index()].kind {
            NodeKind::Cache(c) => c,
            _ => unreachable!(),
        }
    }

    fn client_mut(cfg: &mut SimConfig) -> &mut ClientConfig {
        match &mut cfg.nodes[USERS.index()].kind {
            NodeKind::Client(c) => c,
            _ => unreachable!(),
        }
    }

    /// (hits, misses, stale) at the cache.
    fn counts(s: &RunSummary) -> (u64, u64, u64) {
        let c = s.services["cache"].cache.as_ref().expect("a cache summary");
        (c.hits, c.misses, c.stale)
    }

    /// Hits and misses between `warm` and `end` seconds: the same scenario and
    /// seed run to both times (the shorter run is an exact prefix of the longer).
    fn steady(cfg: &SimConfig, warm: u64, end: u64) -> (u64, u64) {
        let run = |secs| {
            let mut c = cfg.clone();
            c.duration = SimDuration::from_secs(secs);
            counts(&Simulation::new(c).run())
        };
        let (h0, m0, _) = run(warm);
        let (h1, m1, _) = run(end);
        (h1 - h0, m1 - m0)
    }

    fn one_ms() -> Dist {
        Dist::constant(SimDuration::from_millis(1))
    }

    #[test]
    fn a_cache_that_holds_every_key_stops_missing() {
        let cfg = setup(
            11,
            0,
            1000.0,
            KeySpace::Uniform { n: 100 },
            100,
            SimDuration::from_secs(3600),
            one_ms(),
        );
        let (hits, misses) = steady(&cfg, 5, 25);
        assert!(hits > 19_000, "hits {hits}");
        assert_eq!(misses, 0, "every key is cached after warm-up");
        let mut full = cfg.clone();
        full.duration = SimDuration::from_secs(25);
        let s = Simulation::new(full).run();
        let (_, total_misses, _) = counts(&s);
        // Each key misses once, plus the rare second miss that arrives while
        // the first is still at the backing service (nothing is coalesced).
        assert!((100..=110).contains(&total_misses), "{total_misses}");
        assert_eq!(s.services["db"].arrivals, total_misses);
        assert_eq!(s.requests.failed, 0);
    }

    /// Under independent uniform references over n keys, a full cache of c
    /// distinct keys hits each reference with probability exactly c/n whatever
    /// its replacement policy, so the hit indicators are i.i.d. Bernoulli(c/n)
    /// and the tolerance is 4 binomial standard errors (about 0.006 here).
    #[test]
    fn lru_under_uniform_keys_hits_c_over_n() {
        let cfg = setup(
            12,
            0,
            2000.0,
            KeySpace::Uniform { n: 1000 },
            250,
            SimDuration::from_secs(3600),
            one_ms(),
        );
        let (hits, misses) = steady(&cfg, 5, 45);
        let reads = (hits + misses) as f64;
        let ratio = hits as f64 / reads;
        let p = 0.25;
        eprintln!("hit ratio {ratio} over {reads} reads");
        let se = (p * (1.0 - p) / reads).sqrt();
        assert!(reads > 70_000.0, "{reads}");
        assert!(
            (ratio - p).abs() < 4.0 * se,
            "hit ratio {ratio}, expected {p} ± {}",
            4.0 * se
        );
    }

    #[test]
    fn hit_ratios_match_c_over_n_and_ches_approximation() {
        let ratio = |keys| {
            let cfg = setup(
                13,
                0,
                2000.0,
                keys,
                100,
                SimDuration::from_secs(3600),
                one_ms(),
            );
            let (hits, misses) = steady(&cfg, 5, 25);
            hits as f64 / (hits + misses) as f64
        };
        let uniform = ratio(KeySpace::Uniform { n: 1000 });
        let zipf = ratio(KeySpace::Zipf { n: 1000, s: 1.0 });
        eprintln!("hit ratio: uniform {uniform}, zipf {zipf}");
        // Uniform: c/n = 0.1, binomial standard error 0.0015 over ~40 000
        // reads, so ± 0.005 is over 3 of them.
        assert!((uniform - 0.1).abs() < 0.005, "uniform {uniform}");
        // Zipf(1): Che's approximation of LRU under independent references
        // (Che, Tung and Wang 2002; asymptotically exact, Fricker, Robert and
        // Roberts 2012) gives 0.5765 for 100 of 1000 keys. ± 0.01 is 4
        // binomial standard errors (0.0025) of the ~40 000 reads, with room
        // for the approximation's own error of a few thousandths.
        let che = che_hit_ratio(&zipf_popularity(1000, 1.0), 100.0);
        assert!((che - 0.5765).abs() < 1e-4, "Che {che}");
        assert!((zipf - che).abs() < 0.01, "zipf {zipf}, Che {che}");
    }

    /// P(key = k) ∝ k^−s for k = 1..=n, as the client draws Zipf keys.
    fn zipf_popularity(n: u32, s: f64) -> Vec<f64> {
        let weights: Vec<f64> = (1..=n).map(|k| f64::from(k).powf(-s)).collect();
        let total: f64 = weights.iter().sum();
        weights.iter().map(|w| w / total).collect()
    }

    /// Che's approximation of an LRU cache's hit ratio: the characteristic
    /// time T at which the expected number of distinct keys referenced is
    /// the capacity, Σ (1 − e^(−p·T)) = C, then Σ p·(1 − e^(−p·T)).
    fn che_hit_ratio(popularity: &[f64], capacity: f64) -> f64 {
        let filled = |t: f64| popularity.iter().map(|p| 1.0 - (-p * t).exp()).sum::<f64>();
        let (mut lo, mut hi) = (0.0, 1e12);
        for _ in 0..200 {
            let t = (lo + hi) / 2.0;
            if filled(t) < capacity {
                lo = t;
            } else {
                hi = t;
            }
        }
        popularity.iter().map(|p| p * (1.0 - (-p * lo).exp())).sum()
    }

    #[test]
    fn a_restarted_cache_is_cold_and_floods_its_backing_service() {
        let mut cfg = setup(
            14,
            14,
            1000.0,
            KeySpace::Uniform { n: 500 },
            500,
            SimDuration::from_secs(3600),
            one_ms(),
        );
        cfg.timeline = vec![
            TimedAction {
                at: SimTime::ZERO + SimDuration::from_secs(10),
                action: Action::Crash(CACHE),
            },
            TimedAction {
                at: SimTime::ZERO + SimDuration::from_secs(11),
                action: Action::Restart(CACHE),
            },
        ];
        let s = Simulation::new(cfg).run();
        let db = |w: usize| s.windows[w].services["db"].arrivals;
        let (before, after) = (db(9), db(11));
        // Warm: only keys never seen in 9 s miss (expected 500·e^-18 ≈ 0).
        // Cold: the distinct keys among the first second's Poisson(1000)
        // reads of 500 keys, 500·(1 − e^-2) ≈ 432.3. Their sd is about 7.6
        // (occupancy variance 500·(e^-2 − 3e^-4) ≈ 40, plus the read count's
        // 1000·e^-4 ≈ 18), so ± 38 is 5 of them.
        assert!(before <= 5, "before {before}");
        let cold = 500.0 * (1.0 - (-2.0_f64).exp());
        assert!((after as f64 - cold).abs() < 38.0, "after {after}");
        eprintln!(
            "db arrivals: before {before}, after {after}, later {}",
            db(13)
        );
        // Requests sent while it was down were lost.
        assert!(s.network.to_crashed > 500, "{}", s.network.to_crashed);
        // A second later the cache is warm again.
        assert!(db(13) < after / 4, "{}", db(13));
    }

    fn stale_run(serve_stale: bool) -> RunSummary {
        let mut cfg = setup(
            15,
            10,
            1000.0,
            KeySpace::Uniform { n: 50 },
            50,
            SimDuration::from_millis(200),
            one_ms(),
        );
        let c = cache_mut(&mut cfg);
        c.serve_stale = serve_stale;
        c.backing.policy.timeout = Some(SimDuration::from_millis(50));
        cfg.timeline = vec![TimedAction {
            at: SimTime::ZERO + SimDuration::from_secs(5),
            action: Action::Crash(DB),
        }];
        Simulation::new(cfg).run()
    }

    #[test]
    fn serve_stale_turns_backing_failures_into_stale_answers() {
        let with = stale_run(true);
        let (_, _, stale) = counts(&with);
        eprintln!("stale answers {stale}");
        // The reads from 5 s to 10 s (Poisson, 5000 ± 71) are answered
        // stale, except those that still find a fresh entry (each key has
        // up to 200 ms of freshness left, 100 ms on average: ~100 reads)
        // and those whose backing call is still out at the end (the last
        // 50 ms: ~50): about 4850, ± 355 being 5 sd.
        assert!((stale as f64 - 4850.0).abs() < 355.0, "stale {stale}");
        assert_eq!(with.requests.stale, stale);
        assert_eq!(with.requests.failed, 0);

        let without = stale_run(false);
        let (_, _, stale) = counts(&without);
        assert_eq!(stale, 0);
        assert_eq!(without.requests.stale, 0);
        // The backing call timed out, but the cache itself answered: Error.
        assert!(without.failures.get(crate::sim::message::Failure::Error) > 4000);
        assert_eq!(
            without.failures.get(crate::sim::message::Failure::Timeout),
            0
        );
    }

    /// Writes go through and invalidate: with a cache holding every key, a read
    /// hits exactly when the previous reference to its key was a read, so the
    /// steady-state read hit ratio is 1 − w. The backing service is
    /// instantaneous so no miss overlaps another reference. The hit indicators
    /// are only 1-dependent per key (not i.i.d.), so the tolerance is a wider
    /// 5 binomial standard errors.
    #[test]
    fn writes_go_through_and_invalidate() {
        let mut cfg = setup(
            16,
            0,
            2000.0,
            KeySpace::Uniform { n: 100 },
            100,
            SimDuration::from_secs(3600),
            Dist::Constant { ns: 0.0 },
        );
        client_mut(&mut cfg).write_fraction = 0.2;
        let (hits, misses) = steady(&cfg, 5, 35);
        let reads = (hits + misses) as f64;
        let ratio = hits as f64 / reads;
        let se = (0.8 * 0.2 / reads).sqrt();
        eprintln!("read hit ratio {ratio} over {reads} reads");
        assert!((ratio - 0.8).abs() < 5.0 * se, "read hit ratio {ratio}");

        cfg.duration = SimDuration::from_secs(10);
        let s = Simulation::new(cfg).run();
        let (h, m, _) = counts(&s);
        let writes = s.services["cache"].arrivals - h - m;
        assert!(writes > 3000, "{writes}");
        assert_eq!(s.services["db"].arrivals, m + writes);
    }
}
