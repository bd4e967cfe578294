//! A load balancer (gateway) in front of a pool of replicas.
//!
//! Each request that arrives is forwarded to one replica, picked by the
//! strategy (round-robin, random, least outstanding requests, power of two
//! choices), through the balancer's call policy (one [`Caller`] edge per
//! replica, so timeouts, retries and breakers work as for any caller). The
//! replica's answer, or the policy's verdict, goes back to whoever asked.
//!
//! Outlier ejection: a replica whose calls fail `consecutive_failures` times
//! in a row is left out of the picks for `duration`, after which it is
//! restored (with a clean slate). At most `max(1, ⌊n · max_fraction⌋)` of the
//! `n` replicas are out at once, and never all of them.

use rand::RngExt;

use crate::metrics::trace::ServeEnd;
use crate::sim::config::{BalanceStrategy, BalancerConfig, NodeId};
use crate::sim::message::{CallId, Message, Reply, Request, RootId, SpanId};
use crate::sim::rng::{SimRng, stream};

use super::Timer;
use super::caller::{CallOutcome, CallSpec, Caller};
use super::ctx::{Ctx, Stamp};

/// A request being forwarded.
struct Forward {
    from: NodeId,
    call: CallId,
    root: RootId,
    replica: u32,
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
    config: BalancerConfig,
    caller: Caller,
    rng: SimRng,
    replicas: Vec<Replica>,
    /// Round-robin position (also where least-outstanding starts breaking ties).
    next: usize,
    slots: Vec<ForwardSlot>,
    free: Vec<u32>,
}

impl Balancer {
    /// A balancer named `name`; `names` gives every node's name.
    pub fn new(seed: u64, name: &str, names: &[String], config: BalancerConfig) -> Self {
        let edges = config
            .pool
            .iter()
            .map(|&to| (to, names[to.index()].clone(), config.policy.clone()))
            .collect();
        Balancer {
            caller: Caller::new(seed, name, edges),
            rng: stream(seed, &format!("{name}/balance")),
            replicas: vec![Replica::default(); config.pool.len()],
            next: 0,
            slots: Vec::new(),
            free: Vec::new(),
            config,
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
        self.replicas.iter().filter(|r| r.ejected).count()
    }

    /// Handles a request from `from`: forwards it to a replica.
    pub fn on_request(&mut self, ctx: &mut Ctx, from: NodeId, request: Request) {
        let me = ctx.me.index();
        ctx.rec().arrival(me);
        ctx.trace(|t, at| t.serve(at, request.root, from.0, request.call));
        let replica = self.pick();
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
            stamp: ctx.stamp(),
        });
        let token = (u64::from(s.generation) << 32) | u64::from(slot);
        self.replicas[replica].outstanding += 1;
        self.levels(ctx);
        let spec = CallSpec {
            root: request.root,
            key: request.key,
            op: request.op,
            priority: request.priority,
            parent: SpanId::serve(ctx.me.0, from.0, request.call),
        };
        if let Some(outcome) = self.caller.start(ctx, replica, spec, token) {
            self.finished(ctx, outcome);
        }
    }

    /// Handles a reply from a replica.
    pub fn on_reply(&mut self, ctx: &mut Ctx, reply: Reply) {
        if let Some(outcome) = self.caller.on_reply(ctx, reply) {
            self.finished(ctx, outcome);
        }
    }

    /// Handles a timer.
    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer) {
        match timer {
            Timer::Call(t) => {
                if let Some(outcome) = self.caller.on_timer(ctx, t) {
                    self.finished(ctx, outcome);
                }
            }
            Timer::Restore {
                replica,
                generation,
            } => {
                let r = &mut self.replicas[replica as usize];
                if r.ejected && r.ejections == generation {
                    r.ejected = false;
                    r.consecutive_failures = 0;
                    let to = self.config.pool[replica as usize];
                    ctx.ejection(to, false);
                }
            }
            _ => {}
        }
    }

    /// A crash: every forward in flight is lost, ejections are forgotten.
    pub fn crash(&mut self, ctx: &mut Ctx) {
        let lost = self.slots.iter().filter(|s| s.forward.is_some()).count();
        let me = ctx.me.index();
        ctx.rec().lost_in_crash(me, lost as u64);
        for s in &mut self.slots {
            if s.forward.take().is_some() {
                s.generation = s.generation.wrapping_add(1);
            }
        }
        self.free = (0..self.slots.len() as u32).rev().collect();
        self.caller.reset();
        for (i, r) in self.replicas.iter_mut().enumerate() {
            if r.ejected {
                ctx.ejection(self.config.pool[i], false);
            }
            *r = Replica {
                ejections: r.ejections.wrapping_add(1),
                ..Replica::default()
            };
        }
        ctx.levels(0, 0);
    }

    /// The replica for the next request (an index into the pool).
    fn pick(&mut self) -> usize {
        let n = self.replicas.len();
        let eligible = n - self.ejected();
        let chosen = match self.config.strategy {
            BalanceStrategy::RoundRobin => self.nth_eligible_from(self.next, 0),
            BalanceStrategy::Random => {
                let k = self.rng.random_range(0..eligible);
                self.nth_eligible_from(0, k)
            }
            BalanceStrategy::LeastOutstanding => {
                let mut best = self.nth_eligible_from(self.next, 0);
                for step in 1..n {
                    let i = (self.next + step) % n;
                    let r = &self.replicas[i];
                    if !r.ejected && r.outstanding < self.replicas[best].outstanding {
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
                let (a, b) = (self.nth_eligible_from(0, a), self.nth_eligible_from(0, b));
                if self.replicas[b].outstanding < self.replicas[a].outstanding {
                    b
                } else {
                    a
                }
            }
        };
        self.next = (chosen + 1) % n;
        chosen
    }

    /// The `k`-th replica (0-based) not ejected, counting in pool order from `start`.
    fn nth_eligible_from(&self, start: usize, k: usize) -> usize {
        let n = self.replicas.len();
        let mut seen = 0;
        for step in 0..n {
            let i = (start + step) % n;
            if !self.replicas[i].ejected {
                if seen == k {
                    return i;
                }
                seen += 1;
            }
        }
        start % n // unreachable: at least one replica is never ejected
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
        let i = forward.replica as usize;
        let r = &mut self.replicas[i];
        r.outstanding -= 1;
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
    }

    /// Reports requests being forwarded as busy (a balancer has no queue).
    fn levels(&self, ctx: &mut Ctx) {
        let outstanding: u64 = self.replicas.iter().map(|r| u64::from(r.outstanding)).sum();
        ctx.levels(outstanding, 0);
    }
}
