//! A service: `workers` parallel workers behind a FIFO queue.
//!
//! A request is admitted (or refused by the rate limiter, shed by priority, or
//! rejected when the queue is full), waits for a worker, does its local work
//! (a draw from the work-time distribution, times the slow factor), may fail
//! with the error probability, and then makes its downstream calls while still
//! holding the worker — which is how a hanging dependency drains the pool. A
//! non-idempotent operation executed twice for the same request is a duplicate
//! execution; with idempotency keys the service remembers answered requests
//! and replays the answer instead of executing again.

use std::collections::VecDeque;

use rand::RngExt;

use crate::metrics::trace::ServeEnd;
use crate::sim::clock::LocalTime;
use crate::sim::config::{
    CallMode, Fallback, NodeId, Operation, Priority, ServiceChange, ServiceConfig, SheddingConfig,
};
use crate::sim::message::{CallId, Failure, Message, Reply, Request, RootId, Served, SpanId};
use crate::sim::rng::{SimRng, stream};

use super::Timer;
use super::bucket::TokenBucket;
use super::caller::{CallOutcome, CallSpec, Caller};
use super::ctx::{Ctx, Stamp};
use super::keys::{KeyState, KeyStore};
use super::versions::VersionRouter;

/// A queue with no capacity in the file still stops here, so that an
/// overloaded run cannot exhaust memory.
pub const HARD_QUEUE_LIMIT: usize = 1_000_000;

struct Job {
    from: NodeId,
    request: Request,
    stamp: Stamp,
    /// Repeats of this request that arrived (with its idempotency key) while it ran.
    waiters: Vec<(NodeId, CallId)>,
    next_call: usize,
    successes: u32,
    failures: u32,
    degraded: bool,
    /// The version serving it (0 when the service has one).
    version: u8,
}

struct JobSlot {
    generation: u32,
    job: Option<Job>,
}

/// What waits in the queue for a worker.
#[derive(Clone, Copy, Debug)]
enum Queued {
    /// The request in this job slot.
    Job(u32),
    /// A deep health check from `from` (see `HealthConfig::deep`): answered
    /// when a worker takes it, without using the worker.
    Probe { from: NodeId, seq: u64 },
}

/// A service node.
pub struct Service {
    config: ServiceConfig,
    caller: Caller,
    work_rng: SimRng,
    error_rng: SimRng,
    slow: f64,
    slots: Vec<JobSlot>,
    free: Vec<u32>,
    queue: VecDeque<Queued>,
    /// Deep health checks among `queue`: they take places in it but are
    /// not requests, so the queue reported to the observer leaves them out.
    probes_queued: usize,
    busy: u32,
    keys: KeyStore,
    overall_limit: Option<TokenBucket>,
    per_caller_limit: Vec<Option<TokenBucket>>,
    /// Present only when the service has several versions.
    router: Option<Box<VersionRouter>>,
}

impl Service {
    /// A service named `name`; `names` gives every node's name (for its callees' streams).
    pub fn new(seed: u64, name: &str, names: &[String], config: ServiceConfig) -> Self {
        let edges = config
            .calls
            .iter()
            .map(|c| (c.to, names[c.to.index()].clone(), c.policy.clone()))
            .collect();
        Service {
            caller: Caller::new(seed, name, edges),
            work_rng: stream(seed, &format!("{name}/work")),
            error_rng: stream(seed, &format!("{name}/errors")),
            slow: 1.0,
            slots: Vec::new(),
            free: Vec::new(),
            queue: VecDeque::new(),
            probes_queued: 0,
            busy: 0,
            keys: KeyStore::new(config.key_ttl),
            overall_limit: config
                .rate_limit
                .and_then(|r| r.overall)
                .map(TokenBucket::new),
            per_caller_limit: vec![None; names.len()],
            router: VersionRouter::new(seed, name, &config.versions),
            config,
        }
    }

    /// Workers busy (including those waiting on downstream calls).
    pub fn busy(&self) -> u32 {
        self.busy
    }

    /// Requests waiting for a worker (not the deep health checks among them).
    fn requests_queued(&self) -> usize {
        self.queue.len() - self.probes_queued
    }

    /// Tells the observer how many workers are busy and requests wait.
    fn report_levels(&self, ctx: &mut Ctx) {
        ctx.levels(u64::from(self.busy), self.requests_queued() as u64);
    }

    /// The slow factor (1.0 is normal).
    pub fn set_slow(&mut self, factor: f64) {
        self.slow = factor;
    }

    /// Parallel workers now.
    pub fn workers(&self) -> u32 {
        self.config.workers
    }

    /// Changes knobs now. Added workers take queued requests at once; with
    /// fewer workers, running requests finish and the queue waits.
    pub fn change(&mut self, ctx: &mut Ctx, change: &ServiceChange) {
        change.apply_to(&mut self.config);
        ctx.workers(self.config.workers);
        self.start_queued(ctx);
        self.report_levels(ctx);
    }

    /// Gives queued requests to idle workers.
    fn start_queued(&mut self, ctx: &mut Ctx) {
        while self.busy < self.config.workers {
            match self.queue.pop_front() {
                Some(Queued::Job(slot)) => self.begin_work(ctx, slot),
                Some(Queued::Probe { from, seq }) => {
                    self.probes_queued -= 1;
                    ctx.send(from, Message::pong(seq));
                }
                None => break,
            }
        }
    }

    /// A deep health check from `from`: answered at once when a worker is
    /// free, else when a worker takes it from the queue, behind the
    /// requests already waiting; never answered when the queue is full
    /// (the balancer's detector counts that as a failed check).
    pub fn on_deep_probe(&mut self, ctx: &mut Ctx, from: NodeId, seq: u64) {
        if self.busy < self.config.workers {
            ctx.send(from, Message::pong(seq));
        } else if self.queue.len() < self.queue_capacity() {
            self.queue.push_back(Queued::Probe { from, seq });
            self.probes_queued += 1;
        }
    }

    /// Most requests the queue holds.
    fn queue_capacity(&self) -> usize {
        self.config
            .queue_capacity
            .map_or(HARD_QUEUE_LIMIT, |c| c as usize)
    }

    /// Routes requests between versions as `routing` says; the service's
    /// own calls read what the stable version reads from now on.
    pub fn set_routing(&mut self, routing: crate::sim::deploy::Routing) {
        if let Some(r) = self.router.as_mut() {
            r.set_routing(routing);
            self.caller.set_reads(r.stable_reads());
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

    /// Handles a request from `from`.
    pub fn on_request(&mut self, ctx: &mut Ctx, from: NodeId, request: Request) {
        let me = ctx.me.index();
        ctx.rec().arrival(me);
        ctx.trace(|t, at| t.serve(at, request.root, from.0, request.call));
        if self.config.idempotency_keys
            && request.idempotency_key
            && self.answer_repeat(ctx, from, request)
        {
            return;
        }
        if let Some(refusal) = self.admission(ctx, from, request.priority) {
            let me = ctx.me.index();
            ctx.rec().refused(me, refusal);
            let end = ServeEnd::answered(Err(refusal));
            ctx.trace(|t, at| t.serve_end(at, request.root, from.0, request.call, end));
            ctx.send(
                from,
                Message::Reply(Reply {
                    call: request.call,
                    result: Err(refusal),
                }),
            );
            return;
        }
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slots.push(JobSlot {
                generation: 0,
                job: None,
            });
            (self.slots.len() - 1) as u32
        });
        self.slots[slot as usize].job = Some(Job {
            from,
            request,
            stamp: ctx.stamp(),
            waiters: Vec::new(),
            next_call: 0,
            successes: 0,
            failures: 0,
            degraded: false,
            version: self.router.as_mut().map_or(0, |r| r.pick()),
        });
        if self.config.idempotency_keys && request.idempotency_key {
            self.keys.start(request.root, slot);
        }
        if self.busy < self.config.workers {
            self.begin_work(ctx, slot);
        } else {
            self.queue.push_back(Queued::Job(slot));
        }
        self.report_levels(ctx);
    }

    /// Answers a repeat from the key store; false when the key is new or expired.
    fn answer_repeat(&mut self, ctx: &mut Ctx, from: NodeId, request: Request) -> bool {
        match self.keys.get(request.root) {
            Some(KeyState::Done { result, at }) if ctx.local.since(at) < self.config.key_ttl => {
                let me = ctx.me.index();
                ctx.rec().deduplicated(me);
                let end = ServeEnd {
                    deduplicated: true,
                    ..ServeEnd::answered(result)
                };
                ctx.trace(|t, at| t.serve_end(at, request.root, from.0, request.call, end));
                ctx.send(
                    from,
                    Message::Reply(Reply {
                        call: request.call,
                        result,
                    }),
                );
                true
            }
            Some(KeyState::InProgress(slot)) => {
                let job = self.slots[slot as usize]
                    .job
                    .as_mut()
                    .expect("in-progress keys point at live jobs");
                job.waiters.push((from, request.call));
                let me = ctx.me.index();
                ctx.rec().deduplicated(me);
                true
            }
            _ => false,
        }
    }

    /// Decides whether to refuse a request, and why.
    fn admission(&mut self, ctx: &mut Ctx, from: NodeId, priority: Priority) -> Option<Failure> {
        if let Some(bucket) = self.overall_limit.as_mut()
            && !bucket.try_take(ctx.local)
        {
            return Some(Failure::Rejected);
        }
        if let Some(per_caller) = self.config.rate_limit.and_then(|r| r.per_caller) {
            let bucket = self.per_caller_limit[from.index()]
                .get_or_insert_with(|| TokenBucket::new(per_caller));
            if !bucket.try_take(ctx.local) {
                return Some(Failure::Rejected);
            }
        }
        let queued = self.queue.len();
        if let Some(shed) = self.config.shedding
            && queued >= shed_threshold(&shed, priority) as usize
        {
            return Some(Failure::Shed);
        }
        if self.busy >= self.config.workers && queued >= self.queue_capacity() {
            return Some(Failure::Rejected);
        }
        None
    }

    fn begin_work(&mut self, ctx: &mut Ctx, slot: u32) {
        self.busy += 1;
        let work = match self.router.as_mut() {
            None => self.config.work.sample(&mut self.work_rng),
            Some(r) => {
                let version = self.slots[slot as usize]
                    .job
                    .as_ref()
                    .map_or(0, |j| j.version);
                r.work(version, &self.config.work, &mut self.work_rng)
            }
        }
        .mul_f64(self.slow);
        let generation = self.slots[slot as usize].generation;
        ctx.set_timer(work, Timer::WorkDone { slot, generation });
    }

    /// Handles a timer.
    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer) {
        match timer {
            Timer::WorkDone { slot, generation } => self.work_done(ctx, slot, generation),
            Timer::Call(t) => {
                if let Some(outcome) = self.caller.on_timer(ctx, t) {
                    self.call_finished(ctx, outcome);
                }
            }
            _ => {}
        }
    }

    /// Handles a reply from a dependency.
    pub fn on_reply(&mut self, ctx: &mut Ctx, reply: Reply) {
        if let Some(outcome) = self.caller.on_reply(ctx, reply) {
            self.call_finished(ctx, outcome);
        }
    }

    fn work_done(&mut self, ctx: &mut Ctx, slot: u32, generation: u32) {
        let Some(job) = self.live_job(slot, generation) else {
            return;
        };
        let (root, from, call) = (job.request.root, job.from.0, job.request.call);
        let version = job.version;
        // Always draw, so the error knob does not shift later draws.
        let u = self.error_rng.random::<f64>();
        let failed = match &self.router {
            None => u < self.config.error_rate,
            Some(r) => r.failed(version, self.config.error_rate, u),
        };
        if failed {
            self.finish(ctx, slot, Err(Failure::Error));
            return;
        }
        if self.config.operation == Operation::NonIdempotent && ctx.executed(root) {
            ctx.trace(|t, at| t.duplicate(at, root, from, call));
        }
        if self.caller.edge_count() == 0 {
            self.finish(ctx, slot, Ok(Served::default()));
            return;
        }
        match self.config.call_mode {
            CallMode::Sequential => self.call_next(ctx, slot),
            CallMode::Parallel { .. } => {
                for edge in 0..self.caller.edge_count() {
                    let spec = self.spec(ctx.me, slot);
                    if let Some(outcome) =
                        self.caller.start(ctx, edge, spec, token(slot, generation))
                    {
                        self.call_finished(ctx, outcome);
                    }
                    if self.live_job(slot, generation).is_none() {
                        break; // the fan-out already decided
                    }
                }
            }
        }
    }

    fn spec(&self, me: NodeId, slot: u32) -> CallSpec {
        let job = self.slots[slot as usize]
            .job
            .as_ref()
            .expect("spec of a live job");
        let r = &job.request;
        CallSpec {
            root: r.root,
            key: r.key,
            op: r.op,
            priority: r.priority,
            parent: SpanId::serve(me.0, job.from.0, r.call),
        }
    }

    fn live_job(&mut self, slot: u32, generation: u32) -> Option<&mut Job> {
        let s = self.slots.get_mut(slot as usize)?;
        if s.generation == generation {
            s.job.as_mut()
        } else {
            None
        }
    }

    /// Sequential mode: start the next call, or finish when none are left.
    fn call_next(&mut self, ctx: &mut Ctx, slot: u32) {
        let generation = self.slots[slot as usize].generation;
        let edges = self.caller.edge_count();
        loop {
            let Some(job) = self.live_job(slot, generation) else {
                return;
            };
            let edge = job.next_call;
            if edge >= edges {
                let served = Served {
                    degraded: job.degraded,
                    ..Served::default()
                };
                self.finish(ctx, slot, Ok(served));
                return;
            }
            job.next_call += 1;
            let spec = self.spec(ctx.me, slot);
            match self.caller.start(ctx, edge, spec, token(slot, generation)) {
                None => return, // waiting for the answer
                Some(outcome) => {
                    if !self.record_outcome(slot, generation, outcome.result) {
                        self.finish(ctx, slot, Err(Failure::Error));
                        return;
                    }
                }
            }
        }
    }

    /// Books one call's result on its job; false when the job must fail.
    fn record_outcome(
        &mut self,
        slot: u32,
        generation: u32,
        result: Result<Served, Failure>,
    ) -> bool {
        let fallback = self.config.fallback;
        let Some(job) = self.live_job(slot, generation) else {
            return true;
        };
        match result {
            Ok(served) => {
                job.successes += 1;
                job.degraded |= served.degraded;
                true
            }
            Err(_) => {
                job.failures += 1;
                job.degraded = true;
                fallback == Fallback::Default
            }
        }
    }

    fn call_finished(&mut self, ctx: &mut Ctx, outcome: CallOutcome) {
        let (slot, generation) = untoken(outcome.token);
        if self.live_job(slot, generation).is_none() {
            return; // a late answer for a fan-out that already decided
        }
        match self.config.call_mode {
            CallMode::Sequential => {
                if self.record_outcome(slot, generation, outcome.result) {
                    self.call_next(ctx, slot);
                } else {
                    self.finish(ctx, slot, Err(Failure::Error));
                }
            }
            CallMode::Parallel { wait_for } => {
                let calls = self.caller.edge_count() as u32;
                let wait_for = wait_for.clamp(1, calls.max(1));
                let fallback = self.config.fallback;
                let job = self.live_job(slot, generation).expect("checked above");
                match outcome.result {
                    Ok(served) => {
                        job.successes += 1;
                        job.degraded |= served.degraded;
                    }
                    Err(_) => job.failures += 1,
                }
                let (ok, failed, degraded) = (job.successes, job.failures, job.degraded);
                if ok >= wait_for {
                    self.finish(
                        ctx,
                        slot,
                        Ok(Served {
                            degraded,
                            ..Served::default()
                        }),
                    );
                } else if failed > calls - wait_for {
                    let result = match fallback {
                        Fallback::Default => Ok(Served {
                            degraded: true,
                            ..Served::default()
                        }),
                        Fallback::Fail => Err(Failure::Error),
                    };
                    self.finish(ctx, slot, result);
                }
            }
        }
    }

    /// Answers the job, frees its worker and starts the next queued request.
    fn finish(&mut self, ctx: &mut Ctx, slot: u32, result: Result<Served, Failure>) {
        let s = &mut self.slots[slot as usize];
        let job = s.job.take().expect("finish is only called on live jobs");
        s.generation = s.generation.wrapping_add(1);
        self.free.push(slot);
        let result = match &self.router {
            None => result,
            Some(r) => {
                let version = job.version;
                let duration = ctx.since(job.stamp);
                ctx.version_answered(usize::from(version), result.is_ok(), duration);
                result.map(|served| Served {
                    format: r.format(version),
                    version,
                    ..served
                })
            }
        };
        let reply = |call| Message::Reply(Reply { call, result });
        ctx.send(job.from, reply(job.request.call));
        for &(from, call) in &job.waiters {
            ctx.send(from, reply(call));
        }
        if ctx.tracing() {
            let root = job.request.root;
            let fallback = result.is_ok() && job.failures > 0;
            ctx.trace(|t, at| {
                let end = ServeEnd {
                    fallback,
                    ..ServeEnd::answered(result)
                };
                t.serve_end(at, root, job.from.0, job.request.call, end);
                for &(from, call) in &job.waiters {
                    let end = ServeEnd {
                        deduplicated: true,
                        ..ServeEnd::answered(result)
                    };
                    t.serve_end(at, root, from.0, call, end);
                }
            });
        }
        if self.config.idempotency_keys && job.request.idempotency_key {
            self.remember(ctx.local, job.request.root, result);
        }
        let duration = ctx.since(job.stamp);
        let me = ctx.me.index();
        ctx.rec().answered(me, duration, result.is_ok());
        self.busy -= 1;
        self.start_queued(ctx);
        self.report_levels(ctx);
    }

    fn remember(&mut self, now: LocalTime, root: RootId, result: Result<Served, Failure>) {
        self.keys.answer(now, root, result);
    }

    /// A crash: queued and running work is lost, remembered keys too.
    pub fn crash(&mut self, ctx: &mut Ctx) {
        let lost = u64::from(self.busy) + self.requests_queued() as u64;
        let me = ctx.me.index();
        ctx.rec().lost_in_crash(me, lost);
        for s in &mut self.slots {
            if let Some(job) = s.job.take() {
                s.generation = s.generation.wrapping_add(1);
                let (root, from, call) = (job.request.root, job.from.0, job.request.call);
                let end = ServeEnd::answered(Err(Failure::Crashed));
                ctx.trace(|t, at| t.serve_end(at, root, from, call, end));
            }
        }
        self.free = (0..self.slots.len() as u32).rev().collect();
        self.queue.clear();
        self.probes_queued = 0;
        self.busy = 0;
        self.keys.clear();
        self.caller.reset();
        self.overall_limit = self
            .config
            .rate_limit
            .and_then(|r| r.overall)
            .map(TokenBucket::new);
        self.per_caller_limit.fill(None);
        ctx.levels(0, 0);
    }
}

fn shed_threshold(shed: &SheddingConfig, priority: Priority) -> u32 {
    match priority {
        Priority::Background => shed.background_at,
        Priority::Normal => shed.normal_at,
        Priority::Critical => shed.critical_at,
    }
}

fn token(slot: u32, generation: u32) -> u64 {
    (u64::from(generation) << 32) | u64::from(slot)
}

fn untoken(token: u64) -> (u32, u32) {
    (token as u32, (token >> 32) as u32)
}
