//! A workload: generates requests, sends them through its call policy, and
//! records each one's end-to-end outcome.

use rand::RngExt;
use rand_distr::{Distribution, Zipf};

use crate::sim::config::{Arrivals, ClientConfig, KeySpace, Load, NodeId, Priority};
use crate::sim::message::{Failure, Op, Reply, RootId, SpanId};
use crate::sim::rng::{SimRng, stream};
use crate::sim::time::{SimDuration, SimTime};

use super::Timer;
use super::caller::{CallOutcome, CallSpec, Caller};
use super::ctx::{Ctx, Stamp};

/// The time to the next arrival of an open-loop process, drawn from `rng`
/// (none when the rate is not positive).
pub fn arrival_gap(arrivals: Arrivals, rng: &mut SimRng) -> Option<SimDuration> {
    let rate = arrivals.rate_per_s();
    if rate.is_nan() || rate <= 0.0 {
        return None;
    }
    let gap_s = match arrivals {
        Arrivals::Poisson { .. } => {
            let e: f64 = rand_distr::Exp1.sample(rng);
            e / rate
        }
        Arrivals::Constant { .. } => 1.0 / rate,
    };
    Some(SimDuration::from_secs_f64(gap_s))
}

/// Bits of a [`RootId`] below the client's index: 2^40 requests per client.
const ROOT_SEQ_BITS: u32 = 40;

struct Pending {
    stamp: Stamp,
    user: Option<u32>,
    root: RootId,
}

/// An open- or closed-loop workload.
pub struct Client {
    config: ClientConfig,
    index: u64,
    caller: Caller,
    arrivals_rng: SimRng,
    content_rng: SimRng,
    think_rng: SimRng,
    zipf: Option<Zipf<f64>>,
    load: Load,
    arrival_generation: u32,
    seq: u64,
    pending: Vec<Option<Pending>>,
    free: Vec<u32>,
    in_flight: u32,
    /// Closed loop: users with an index below this keep going.
    users_target: u32,
    /// Closed loop: whether user i's request–think loop is running.
    user_active: Vec<bool>,
}

impl Client {
    /// A client named `name` (node `id`) calling `target_name`.
    pub fn new(seed: u64, id: NodeId, name: &str, target_name: &str, config: ClientConfig) -> Self {
        let caller = Caller::new(
            seed,
            name,
            vec![(
                config.target,
                target_name.to_string(),
                config.policy.clone(),
            )],
        );
        let zipf = match config.keys {
            KeySpace::Zipf { n, s } => Zipf::new(n as f64, s).ok(),
            KeySpace::Uniform { .. } => None,
        };
        Client {
            load: config.load.clone(),
            config,
            index: u64::from(id.0),
            caller,
            arrivals_rng: stream(seed, &format!("{name}/arrivals")),
            content_rng: stream(seed, &format!("{name}/content")),
            think_rng: stream(seed, &format!("{name}/think")),
            zipf,
            arrival_generation: 0,
            seq: 0,
            pending: Vec::new(),
            free: Vec::new(),
            in_flight: 0,
            users_target: 0,
            user_active: Vec::new(),
        }
    }

    /// Requests waiting for an answer.
    pub fn in_flight(&self) -> u64 {
        u64::from(self.in_flight)
    }

    /// Requests that at true time `now` have waited longer than `age`.
    pub fn waiting_longer_than(&self, now: SimTime, age: SimDuration) -> u64 {
        let old = |p: &&Pending| p.stamp.older_than(now, age);
        self.pending.iter().flatten().filter(old).count() as u64
    }

    /// The current load.
    pub fn load(&self) -> &Load {
        &self.load
    }

    /// The caller (for reading and changing its policy).
    pub fn caller_mut(&mut self) -> &mut Caller {
        &mut self.caller
    }

    /// The caller (for asking whether a timer is stale).
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// Schedules the first arrivals (at the start, or after a restart).
    pub fn start(&mut self, ctx: &mut Ctx) {
        self.user_active.clear();
        self.apply_load(ctx);
    }

    /// Switches to a new load from now on.
    pub fn set_load(&mut self, ctx: &mut Ctx, load: Load) {
        self.load = load;
        self.apply_load(ctx);
    }

    fn apply_load(&mut self, ctx: &mut Ctx) {
        self.arrival_generation = self.arrival_generation.wrapping_add(1);
        match self.load.clone() {
            Load::Open { arrivals } => {
                self.users_target = 0;
                self.schedule_arrival(ctx, arrivals);
            }
            Load::Closed { users, think } => {
                self.users_target = users;
                if self.user_active.len() < users as usize {
                    self.user_active.resize(users as usize, false);
                }
                for user in 0..users {
                    if !self.user_active[user as usize] {
                        self.user_active[user as usize] = true;
                        let delay = think.sample(&mut self.think_rng);
                        ctx.set_timer(delay, Timer::UserReady { user });
                    }
                }
            }
        }
    }

    fn schedule_arrival(&mut self, ctx: &mut Ctx, arrivals: Arrivals) {
        let Some(gap) = arrival_gap(arrivals, &mut self.arrivals_rng) else {
            return;
        };
        let generation = self.arrival_generation;
        ctx.set_timer(gap, Timer::Arrival { generation });
    }

    /// Handles a timer (stale arrival timers, from before a load change, are ignored).
    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer) {
        match timer {
            Timer::Arrival { generation } if generation == self.arrival_generation => {
                if let Load::Open { arrivals } = self.load {
                    self.issue(ctx, None);
                    self.schedule_arrival(ctx, arrivals);
                }
            }
            Timer::UserReady { user } => {
                if user < self.users_target {
                    self.issue(ctx, Some(user));
                } else if let Some(active) = self.user_active.get_mut(user as usize) {
                    *active = false; // the population shrank: this user leaves
                }
            }
            Timer::Call(t) => {
                if let Some(outcome) = self.caller.on_timer(ctx, t) {
                    self.complete(ctx, outcome);
                }
            }
            _ => {}
        }
    }

    /// Handles a reply from the target.
    pub fn on_reply(&mut self, ctx: &mut Ctx, reply: Reply) {
        if let Some(outcome) = self.caller.on_reply(ctx, reply) {
            self.complete(ctx, outcome);
        }
    }

    fn issue(&mut self, ctx: &mut Ctx, user: Option<u32>) {
        ctx.offered();
        let spec = self.draw_spec();
        ctx.trace(|t, at| t.request(at, spec.root));
        if self
            .config
            .max_in_flight
            .is_some_and(|max| self.in_flight >= max)
        {
            let me = ctx.me.index();
            ctx.rec()
                .request_finished(me, SimDuration::ZERO, Err(Failure::Dropped));
            ctx.trace(|t, at| t.request_end(at, spec.root, Err(Failure::Dropped)));
            self.after_request(ctx, user);
            return;
        }
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.pending.push(None);
                (self.pending.len() - 1) as u32
            }
        };
        self.pending[slot as usize] = Some(Pending {
            stamp: ctx.stamp(),
            user,
            root: spec.root,
        });
        self.in_flight += 1;
        if let Some(outcome) = self.caller.start(ctx, 0, spec, u64::from(slot)) {
            self.complete(ctx, outcome);
        }
    }

    fn draw_spec(&mut self) -> CallSpec {
        let rng = &mut self.content_rng;
        let key = match (self.config.keys, &self.zipf) {
            (KeySpace::Zipf { .. }, Some(z)) => z.sample(rng) as u64,
            (KeySpace::Uniform { n }, _) => rng.random_range(1..=n.max(1)),
            (KeySpace::Zipf { n, .. }, None) => rng.random_range(1..=n.max(1)),
        };
        let op = if rng.random::<f64>() < self.config.write_fraction {
            Op::Write
        } else {
            Op::Read
        };
        let mut u = rng.random::<f64>();
        let mut priority = Priority::Normal;
        for &(p, w) in &self.config.priorities {
            priority = p;
            if u < w {
                break;
            }
            u -= w;
        }
        self.seq += 1;
        let root = RootId((self.index << ROOT_SEQ_BITS) | (self.seq & ((1 << ROOT_SEQ_BITS) - 1)));
        CallSpec {
            root,
            key,
            op,
            priority,
            parent: SpanId::request(root),
        }
    }

    fn complete(&mut self, ctx: &mut Ctx, outcome: CallOutcome) {
        let slot = outcome.token as usize;
        let Some(p) = self.pending.get_mut(slot).and_then(Option::take) else {
            return;
        };
        self.free.push(slot as u32);
        self.in_flight -= 1;
        let latency = ctx.since(p.stamp);
        let me = ctx.me.index();
        ctx.rec().request_finished(me, latency, outcome.result);
        let result = outcome.result;
        ctx.trace(|t, at| t.request_end(at, p.root, result));
        self.after_request(ctx, p.user);
    }

    fn after_request(&mut self, ctx: &mut Ctx, user: Option<u32>) {
        if let (Some(user), Load::Closed { think, .. }) = (user, &self.load) {
            let delay = think.sample(&mut self.think_rng);
            ctx.set_timer(delay, Timer::UserReady { user });
        }
    }

    /// A crash: every request waiting for an answer fails as `crashed`.
    pub fn crash(&mut self, ctx: &mut Ctx) {
        for p in self.pending.iter_mut().filter_map(Option::take) {
            let latency = ctx.since(p.stamp);
            let me = ctx.me.index();
            ctx.rec()
                .request_finished(me, latency, Err(Failure::Crashed));
            ctx.trace(|t, at| t.request_end(at, p.root, Err(Failure::Crashed)));
        }
        self.pending.clear();
        self.free.clear();
        self.in_flight = 0;
        self.caller.reset();
        self.user_active.clear();
        self.arrival_generation = self.arrival_generation.wrapping_add(1);
    }
}
