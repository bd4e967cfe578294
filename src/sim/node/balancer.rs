//! A load balancer (gateway) in front of a pool of replicas.
//!
//! Each request that arrives is forwarded to one replica, picked by the
//! strategy (round-robin, random, least outstanding requests, power of two
//! choices), through the balancer's call policy (one [`Caller`] edge per
//! replica, so timeouts, retries and breakers work as for any caller). The
//! replica's answer, or the policy's verdict, goes back to whoever asked.
//! A retry goes to another replica when one may take requests: the
//! strategy picks again without the replica whose attempt just failed. A
//! hedge does the same without the replica still working on the slow
//! attempt; while both are out the forward holds a place in `outstanding`
//! at each, and the replica whose answer decides the call is the one its
//! success or failure counts against.
//!
//! Outlier ejection: a replica whose attempts fail `consecutive_failures`
//! times in a row is left out of the picks for `duration`, after which it is
//! restored (with a clean slate). At most `max(1, ⌊n · max_fraction⌋)` of the
//! `n` replicas are out at once, and never all of them.
//!
//! Health checks: a [`Prober`] probes every replica over the network and a
//! failure detector per replica turns silence into suspicion; a suspected
//! replica gets no new requests until it answers again. When every replica
//! that is not ejected is suspected, the balancer fails open: it routes as
//! if none were suspected (better a chance than certain failure).

use rand::RngExt;

use crate::metrics::trace::ServeEnd;
use crate::sim::clock::LocalTime;
use crate::sim::config::{BalanceStrategy, BalancerConfig, NodeId};
use crate::sim::message::{CallId, Message, Reply, Request, RootId, SpanId};
use crate::sim::rng::{SimRng, stream};
use crate::sim::view::{MemberState, PoolMember};

use super::Timer;
use super::caller::{CallOutcome, CallSpec, Caller, Reroute};
use super::ctx::{Ctx, Stamp};
use super::prober::Prober;

/// A request being forwarded.
struct Forward {
    from: NodeId,
    call: CallId,
    root: RootId,
    /// The replica its current attempt went to.
    replica: u32,
    /// The replica its hedge went to, while the hedge may still answer.
    hedge: Option<u32>,
    stamp: Stamp,
}

struct ForwardSlot {
    generation: u32,
    forward: Option<Forward>,
}

/// One replica as the balancer sees it.
#[derive(Clone, Copy, Default)]
struct Replica {
    outstanding: u32,
    consecutive_failures: u32,
    ejected: bool,
    /// Bumped at each ejection, so a restore timer from an older one is void.
    ejections: u32,
}

/// A balancer node.
pub struct Balancer {
    caller: Caller,
    pool: Pool,
}

/// Everything of a balancer but its caller: the replicas, the forwards in
/// flight and the health checks (apart, so the caller can ask it where a
/// retry goes while it holds the caller).
struct Pool {
    config: BalancerConfig,
    rng: SimRng,
    replicas: Vec<Replica>,
    /// Round-robin position (also where least-outstanding starts breaking ties).
    next: usize,
    slots: Vec<ForwardSlot>,
    free: Vec<u32>,
    health: Option<Prober>,
    /// Replicas that get no requests now: ejected, or suspected (unless
    /// every replica not ejected is suspected: failing open).
    out: Vec<bool>,
}

impl Balancer {
    /// A balancer named `name`; `names` gives every node's name.
    pub fn new(seed: u64, name: &str, names: &[String], config: BalancerConfig) -> Self {
        let edges = config
            .pool
            .iter()
            .map(|&to| (to, names[to.index()].clone(), config.policy.clone()))
            .collect();
        let n = config.pool.len();
        Balancer {
            caller: Caller::new(seed, name, edges),
            pool: Pool {
                rng: stream(seed, &format!("{name}/balance")),
                replicas: vec![Replica::default(); n],
                next: 0,
                slots: Vec::new(),
                free: Vec::new(),
                health: config
                    .health
                    .map(|h| Prober::new(config.pool.clone(), h.every, h.detector).deep(h.deep)),
                out: vec![false; n],
                config,
            },
        }
    }

    /// The caller (for reading and changing its policies).
    pub fn caller_mut(&mut self) -> &mut Caller {
        &mut self.caller
    }

    /// The caller (for asking whether a timer is stale).
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// Replicas currently ejected.
    pub fn ejected(&self) -> usize {
        self.pool.ejected()
    }

    /// Each replica of the pool as the balancer sees it now; `local` is its clock.
    pub fn members(&self, local: LocalTime) -> Vec<PoolMember> {
        let p = &self.pool;
        let peers = p.health.as_ref().map(|h| h.peers(local));
        (0..p.replicas.len())
            .map(|i| {
                let seen = peers.as_ref().map(|v| v[i]);
                let state = if p.replicas[i].ejected {
                    MemberState::Ejected
                } else if seen.is_some_and(|s| !s.alive) {
                    MemberState::Suspected
                } else {
                    MemberState::Healthy
                };
                PoolMember {
                    node: p.config.pool[i],
                    state,
                    routed: !p.out[i],
                    heard_ms_ago: seen.and_then(|s| s.heard_ms_ago),
                }
            })
            .collect()
    }

    /// Starts the health checks, if any (at the start and after a restart).
    pub fn start(&mut self, ctx: &mut Ctx) {
        if let Some(h) = self.pool.health.as_mut() {
            h.start(ctx);
        }
        self.pool.refresh();
    }

    /// A replica answered health probe number `seq`.
    pub fn on_pong(&mut self, ctx: &mut Ctx, from: NodeId, seq: u64) {
        if let Some(h) = self.pool.health.as_mut() {
            h.on_pong(ctx, from, seq);
            self.pool.refresh();
        }
    }

    /// Handles a request from `from`: forwards it to a replica.
    pub fn on_request(&mut self, ctx: &mut Ctx, from: NodeId, request: Request) {
        let (replica, token) = self.pool.forward(ctx, from, &request);
        let spec = CallSpec {
            root: request.root,
            key: request.key,
            op: request.op,
            priority: request.priority,
            parent: SpanId::serve(ctx.me.0, from.0, request.call),
        };
        if let Some(outcome) = self.caller.start(ctx, replica, spec, token) {
            self.pool.finished(ctx, outcome);
        }
    }

    /// Handles a reply from a replica.
    pub fn on_reply(&mut self, ctx: &mut Ctx, reply: Reply) {
        if let Some(outcome) = self.caller.on_reply_rerouting(ctx, reply, &mut self.pool) {
            self.pool.finished(ctx, outcome);
        }
    }

    /// Handles a timer.
    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer) {
        match timer {
            Timer::Call(t) => {
                if let Some(outcome) = self.caller.on_timer_rerouting(ctx, t, &mut self.pool) {
                    self.pool.finished(ctx, outcome);
                }
            }
            Timer::Restore {
                replica,
                generation,
            } => self.pool.restore(ctx, replica as usize, generation),
            Timer::Monitor(t) => {
                if let Some(h) = self.pool.health.as_mut() {
                    h.on_timer(ctx, t);
                    self.pool.refresh();
                }
            }
            _ => {}
        }
    }

    /// A crash: every forward in flight is lost, ejections are forgotten
    /// (health checks start over at the restart).
    pub fn crash(&mut self, ctx: &mut Ctx) {
        self.caller.reset();
        self.pool.crash(ctx);
    }
}

impl Pool {
    fn ejected(&self) -> usize {
        self.replicas.iter().filter(|r| r.ejected).count()
    }

    fn suspected(&self, i: usize) -> bool {
        self.health.as_ref().is_some_and(|h| h.suspects(i))
    }

    /// Recomputes which replicas are out, after ejections or health changed.
    fn refresh(&mut self) {
        let n = self.replicas.len();
        let fail_open = (0..n).all(|i| self.replicas[i].ejected || self.suspected(i));
        for i in 0..n {
            self.out[i] = self.replicas[i].ejected || (!fail_open && self.suspected(i));
        }
    }

    /// Picks a replica for a new request and notes the forward; returns the
    /// replica and the caller's token for it.
    fn forward(&mut self, ctx: &mut Ctx, from: NodeId, request: &Request) -> (usize, u64) {
        let me = ctx.me.index();
        ctx.rec().arrival(me);
        ctx.trace(|t, at| t.serve(at, request.root, from.0, request.call));
        let replica = self.pick(self.next, None);
        self.next = (replica + 1) % self.replicas.len();
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slots.push(ForwardSlot {
                generation: 0,
                forward: None,
            });
            (self.slots.len() - 1) as u32
        });
        let s = &mut self.slots[slot as usize];
        s.forward = Some(Forward {
            from,
            call: request.call,
            root: request.root,
            replica: replica as u32,
            hedge: None,
            stamp: ctx.stamp(),
        });
        let token = (u64::from(s.generation) << 32) | u64::from(slot);
        self.replicas[replica].outstanding += 1;
        self.levels(ctx);
        (replica, token)
    }

    /// The forward a caller token refers to, if still live.
    fn forward_mut(&mut self, token: u64) -> Option<&mut Forward> {
        let (slot, generation) = (token as u32, (token >> 32) as u32);
        let s = self.slots.get_mut(slot as usize)?;
        if s.generation != generation {
            return None;
        }
        s.forward.as_mut()
    }

    /// Gives back a forward's places in `outstanding`: its attempt's
    /// replica and its hedge's, if any.
    fn give_back(&mut self, held: [Option<u32>; 2]) {
        for r in held.into_iter().flatten() {
            let r = &mut self.replicas[r as usize];
            r.outstanding = r.outstanding.saturating_sub(1);
        }
    }

    /// The replica for a request: by the strategy among the replicas not
    /// out (nor `exclude`), starting from `start` in pool order where order
    /// matters. `exclude` itself when no other replica may be used.
    fn pick(&mut self, start: usize, exclude: Option<usize>) -> usize {
        let n = self.replicas.len();
        let eligible = (0..n).filter(|&i| self.usable(i, exclude)).count();
        if eligible == 0 {
            return exclude.unwrap_or(start % n);
        }
        match self.config.strategy {
            BalanceStrategy::RoundRobin => self.nth_usable_from(start, 0, exclude),
            BalanceStrategy::Random => {
                let k = self.rng.random_range(0..eligible);
                self.nth_usable_from(0, k, exclude)
            }
            BalanceStrategy::LeastOutstanding => {
                let mut best = self.nth_usable_from(start, 0, exclude);
                for step in 1..n {
                    let i = (start + step) % n;
                    if self.usable(i, exclude)
                        && self.replicas[i].outstanding < self.replicas[best].outstanding
                    {
                        best = i;
                    }
                }
                best
            }
            BalanceStrategy::PowerOfTwo => {
                let a = self.rng.random_range(0..eligible);
                // A second, different choice when there is one.
                let b = if eligible > 1 {
                    (a + 1 + self.rng.random_range(0..eligible - 1)) % eligible
                } else {
                    a
                };
                let a = self.nth_usable_from(0, a, exclude);
                let b = self.nth_usable_from(0, b, exclude);
                if self.replicas[b].outstanding < self.replicas[a].outstanding {
                    b
                } else {
                    a
                }
            }
        }
    }

    fn usable(&self, i: usize, exclude: Option<usize>) -> bool {
        !self.out[i] && exclude != Some(i)
    }

    /// The `k`-th usable replica (0-based), counting in pool order from `start`.
    fn nth_usable_from(&self, start: usize, k: usize, exclude: Option<usize>) -> usize {
        let n = self.replicas.len();
        (0..n)
            .map(|step| (start + step) % n)
            .filter(|&i| self.usable(i, exclude))
            .nth(k)
            .unwrap_or(start % n) // unreachable: callers count the usable ones first
    }

    /// Most replicas that may be out at once.
    fn max_ejected(&self) -> usize {
        let n = self.replicas.len();
        let fraction = self.config.ejection.map_or(0.0, |e| e.max_fraction);
        ((n as f64 * fraction).floor() as usize)
            .max(1)
            .min(n.saturating_sub(1))
    }

    /// A forwarded call ended: answer the original caller, update the replica.
    fn finished(&mut self, ctx: &mut Ctx, outcome: CallOutcome) {
        let (slot, generation) = (outcome.token as u32, (outcome.token >> 32) as u32);
        let Some(s) = self.slots.get_mut(slot as usize) else {
            return;
        };
        if s.generation != generation {
            return;
        }
        let Some(forward) = s.forward.take() else {
            return;
        };
        s.generation = s.generation.wrapping_add(1);
        self.free.push(slot);
        ctx.send(
            forward.from,
            Message::Reply(Reply {
                call: forward.call,
                result: outcome.result,
            }),
        );
        let (root, from, call) = (forward.root, forward.from.0, forward.call);
        let end = ServeEnd::answered(outcome.result);
        ctx.trace(|t, at| t.serve_end(at, root, from, call, end));
        let duration = ctx.since(forward.stamp);
        let me = ctx.me.index();
        ctx.rec().answered(me, duration, outcome.result.is_ok());
        self.give_back([Some(forward.replica), forward.hedge]);
        // The replica whose answer (or last failure) decided the call.
        let i = outcome.edge;
        let r = &mut self.replicas[i];
        if outcome.result.is_ok() {
            r.consecutive_failures = 0;
        } else {
            r.consecutive_failures += 1;
        }
        self.levels(ctx);
        self.maybe_eject(ctx, i);
    }

    fn maybe_eject(&mut self, ctx: &mut Ctx, i: usize) {
        let Some(ejection) = self.config.ejection else {
            return;
        };
        let r = self.replicas[i];
        if r.ejected
            || r.consecutive_failures < ejection.consecutive_failures
            || self.ejected() >= self.max_ejected()
        {
            return;
        }
        let r = &mut self.replicas[i];
        r.ejected = true;
        r.ejections = r.ejections.wrapping_add(1);
        let timer = Timer::Restore {
            replica: i as u32,
            generation: r.ejections,
        };
        ctx.set_timer(ejection.duration, timer);
        ctx.ejection(self.config.pool[i], true);
        self.refresh();
    }

    /// The ejection number `generation` of replica `i` is over.
    fn restore(&mut self, ctx: &mut Ctx, i: usize, generation: u32) {
        let r = &mut self.replicas[i];
        if r.ejected && r.ejections == generation {
            r.ejected = false;
            r.consecutive_failures = 0;
            ctx.ejection(self.config.pool[i], false);
            self.refresh();
        }
    }

    fn crash(&mut self, ctx: &mut Ctx) {
        let lost = self.slots.iter().filter(|s| s.forward.is_some()).count();
        let me = ctx.me.index();
        ctx.rec().lost_in_crash(me, lost as u64);
        for s in &mut self.slots {
            if s.forward.take().is_some() {
                s.generation = s.generation.wrapping_add(1);
            }
        }
        self.free = (0..self.slots.len() as u32).rev().collect();
        for (i, r) in self.replicas.iter_mut().enumerate() {
            if r.ejected {
                ctx.ejection(self.config.pool[i], false);
            }
            *r = Replica {
                ejections: r.ejections.wrapping_add(1),
                ..Replica::default()
            };
        }
        self.refresh();
        ctx.levels(0, 0);
    }

    /// Reports requests being forwarded as busy (a balancer has no queue).
    fn levels(&self, ctx: &mut Ctx) {
        let outstanding: u64 = self.replicas.iter().map(|r| u64::from(r.outstanding)).sum();
        ctx.levels(outstanding, 0);
    }
}

impl Reroute for Pool {
    /// Every attempt of forward `token` failed, the last on replica
    /// `failed`, and the policy retries it: counts the failure against that
    /// replica and picks where the retry goes (another replica that takes
    /// requests, if any).
    fn retry(&mut self, ctx: &mut Ctx, token: u64, failed: usize) -> usize {
        let held = self
            .forward_mut(token)
            .map_or([Some(failed as u32), None], |f| {
                [Some(f.replica), f.hedge.take()]
            });
        self.give_back(held);
        self.replicas[failed].consecutive_failures += 1;
        self.maybe_eject(ctx, failed);
        let to = self.pick((failed + 1) % self.replicas.len(), Some(failed));
        self.replicas[to].outstanding += 1;
        if let Some(f) = self.forward_mut(token) {
            f.replica = to as u32;
        }
        to
    }

    /// Forward `token`'s attempt on replica `edge` is slow: the hedge goes
    /// to another replica that takes requests (the same one when none does),
    /// chosen by the strategy.
    fn hedge(&mut self, _: &mut Ctx, token: u64, edge: usize) -> usize {
        let to = self.pick((edge + 1) % self.replicas.len(), Some(edge));
        self.replicas[to].outstanding += 1;
        if let Some(f) = self.forward_mut(token) {
            f.hedge = Some(to as u32);
        }
        to
    }
}
