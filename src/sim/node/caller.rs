//! The call policy: one reusable state machine for every outgoing call.
//!
//! Clients and services call through a [`Caller`], which owns one edge per
//! callee (its policy, circuit breaker, retry budget and latency tracker) and a
//! table of calls in flight. A logical call may take several attempts: retries
//! after a failure (with backoff and jitter, within a retry budget) and hedges
//! (a second copy when the first is slow). The caller reports one
//! [`CallOutcome`] per logical call.
//!
//! Timers and replies for calls that have finished are recognised by a
//! generation number in the [`CallId`] and ignored, so nothing is ever
//! cancelled explicitly.

use rand::RngExt;

use crate::metrics::trace::{AttemptStart, SpanStatus, status_of};
use crate::sim::clock::LocalTime;
use crate::sim::config::{Backoff, HedgeConfig, Jitter, NodeId, PolicyConfig, Priority};
use crate::sim::message::{CallId, Failure, Message, Op, Reply, Request, RootId, Served, SpanId};
use crate::sim::rng::{SimRng, stream};
use crate::sim::time::SimDuration;

use super::Timer;
use super::breaker::{Admission, Breaker};
use super::ctx::Ctx;

/// Most attempts one call can make: 1 + at most 10 retries + hedges.
const MAX_ATTEMPTS: u32 = 32;
/// Most calls one node can have in flight; beyond it calls are dropped.
pub const MAX_CALLS_IN_FLIGHT: usize = 1 << 24;
/// Samples kept for percentile-based hedging.
const TRACKER_SAMPLES: usize = 256;
/// How often (in samples) the hedging threshold is recomputed, and how many
/// samples are needed before hedging by percentile starts.
const TRACKER_REFRESH: u32 = 32;

/// What to ask for: the request's identity and content.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CallSpec {
    /// The end-user request this serves.
    pub root: RootId,
    /// The key.
    pub key: u64,
    /// Read or write.
    pub op: Op,
    /// Priority class.
    pub priority: Priority,
    /// The span the call is made from (for traces).
    pub parent: SpanId,
}

/// How a logical call ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CallOutcome {
    /// The token given to [`Caller::start`].
    pub token: u64,
    /// Success, or the last failure seen.
    pub result: Result<Served, Failure>,
    /// The edge of the attempt that decided it: the one that answered, or
    /// the last one that failed (the call's own edge when none was sent).
    pub edge: usize,
}

/// Where a call's retries and hedges go. Every caller but a balancer's
/// keeps them on the call's edge ([`SameEdge`]); a balancer sends them to
/// another replica.
pub trait Reroute {
    /// Every attempt of the call with `token` has failed, the last on edge
    /// `failed`, and the policy retries it: the edge the retry goes to.
    fn retry(&mut self, ctx: &mut Ctx, token: u64, failed: usize) -> usize;
    /// The attempt of the call with `token` on edge `edge` is slow and the
    /// policy hedges it: the edge the hedge goes to.
    fn hedge(&mut self, ctx: &mut Ctx, token: u64, edge: usize) -> usize;
}

/// Retries and hedges stay on the call's edge.
pub struct SameEdge;

impl Reroute for SameEdge {
    fn retry(&mut self, _: &mut Ctx, _: u64, failed: usize) -> usize {
        failed
    }

    fn hedge(&mut self, _: &mut Ctx, _: u64, edge: usize) -> usize {
        edge
    }
}

/// Why a caller timer was set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallTimerKind {
    /// The attempt in the id has waited its timeout.
    AttemptTimeout,
    /// The backoff before a retry is over.
    Backoff,
    /// The attempt in the id is slow: hedge it.
    Hedge,
    /// The whole call has run out of time.
    Deadline,
}

/// A timer owned by a [`Caller`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallTimer {
    /// Which call (and attempt).
    pub id: CallId,
    /// Why.
    pub kind: CallTimerKind,
}

fn encode(slot: u32, generation: u32, attempt: u32) -> CallId {
    CallId((u64::from(generation) << 32) | (u64::from(slot) << 8) | u64::from(attempt))
}

fn decode(id: CallId) -> (u32, u32, u32) {
    (
        (id.0 >> 8) as u32 & 0x00ff_ffff,
        (id.0 >> 32) as u32,
        (id.0 & 0xff) as u32,
    )
}

/// Recent attempt latencies, for hedging at a percentile.
#[derive(Clone, Debug, Default)]
struct LatencyTracker {
    samples: Vec<u64>,
    next: usize,
    since_refresh: u32,
    threshold: Option<SimDuration>,
}

impl LatencyTracker {
    fn record(&mut self, latency: SimDuration, percentile: f64) {
        if self.samples.len() < TRACKER_SAMPLES {
            self.samples.push(latency.as_nanos());
        } else {
            self.samples[self.next] = latency.as_nanos();
            self.next = (self.next + 1) % TRACKER_SAMPLES;
        }
        self.since_refresh += 1;
        if self.since_refresh >= TRACKER_REFRESH {
            self.since_refresh = 0;
            let mut sorted = self.samples.clone();
            sorted.sort_unstable();
            let rank = ((percentile / 100.0) * (sorted.len() - 1) as f64).round() as usize;
            self.threshold = Some(SimDuration(sorted[rank.min(sorted.len() - 1)]));
        }
    }
}

struct Edge {
    to: NodeId,
    policy: PolicyConfig,
    rng: SimRng,
    budget_tokens: f64,
    breaker: Option<Breaker>,
    tracker: LatencyTracker,
}

impl Edge {
    fn new(
        seed: u64,
        caller_name: &str,
        callee_name: &str,
        to: NodeId,
        policy: PolicyConfig,
    ) -> Self {
        let mut edge = Edge {
            to,
            rng: stream(seed, &format!("policy:{caller_name}->{callee_name}")),
            budget_tokens: 0.0,
            breaker: None,
            tracker: LatencyTracker::default(),
            policy,
        };
        edge.reset_state();
        edge
    }

    /// Forgets everything learned (after a crash or a policy change).
    fn reset_state(&mut self) {
        self.budget_tokens = self.policy.retry.budget.map_or(0.0, |b| b.max_tokens);
        self.breaker = self.policy.breaker.map(Breaker::new);
        self.tracker = LatencyTracker::default();
    }

    fn hedge_delay(&self) -> Option<SimDuration> {
        match self.policy.hedge? {
            HedgeConfig::After(d) => Some(d),
            HedgeConfig::Percentile(_) => self.tracker.threshold,
        }
    }
}

struct CallState {
    /// The edge of the latest attempt that is not a hedge.
    edge: u16,
    /// The edge the hedge went to, and its attempt number (`u32::MAX`
    /// before a hedge): a balancer may send it to another replica.
    hedge_edge: u16,
    hedge_attempt: u32,
    token: u64,
    spec: CallSpec,
    attempts: u32,
    retries: u32,
    pending: u32,
    /// When the attempt a hedge raced was sent: the latency tracker
    /// measures both racers from it, so a hedge that wins records the
    /// original's latency as at least the hedge delay (censored), and the
    /// tracked percentile stays that of un-hedged attempts.
    hedged_sent: LocalTime,
    last_sent: LocalTime,
    prev_sleep: u64,
    last_failure: Failure,
    waiting_backoff: bool,
    hedged: bool,
    probe: bool,
}

struct Slot {
    generation: u32,
    call: Option<CallState>,
}

/// The outgoing side of one node: its edges and its calls in flight.
pub struct Caller {
    edges: Vec<Edge>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    /// The newest reply format it reads; newer answers are rejected as errors.
    reads: u8,
}

impl Caller {
    /// A caller for `caller_name` with one edge per `(callee id, callee name, policy)`.
    pub fn new(seed: u64, caller_name: &str, edges: Vec<(NodeId, String, PolicyConfig)>) -> Self {
        let edges = edges
            .into_iter()
            .map(|(to, callee, policy)| Edge::new(seed, caller_name, &callee, to, policy))
            .collect();
        Caller {
            edges,
            slots: Vec::new(),
            free: Vec::new(),
            reads: 1,
        }
    }

    /// Reads reply formats up to `format` from now on (1 unless a service
    /// version says otherwise; see `sim::deploy`).
    pub fn set_reads(&mut self, format: u8) {
        self.reads = format;
    }

    /// The callee of edge `edge`.
    pub fn callee(&self, edge: usize) -> NodeId {
        self.edges[edge].to
    }

    /// Number of edges.
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// The policy of the edge towards `callee`, if there is one.
    pub fn policy(&self, callee: NodeId) -> Option<&PolicyConfig> {
        self.edges
            .iter()
            .find(|e| e.to == callee)
            .map(|e| &e.policy)
    }

    /// Replaces the policy towards `callee`; returns false when there is no such edge.
    pub fn set_policy(&mut self, callee: NodeId, policy: PolicyConfig) -> bool {
        match self.edges.iter_mut().find(|e| e.to == callee) {
            Some(edge) => {
                edge.policy = policy;
                edge.reset_state();
                true
            }
            None => false,
        }
    }

    /// Calls in flight.
    pub fn in_flight(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    /// Forgets every call in flight and all learned edge state (a crash).
    pub fn reset(&mut self) {
        self.free.clear();
        for (i, slot) in self.slots.iter_mut().enumerate() {
            if slot.call.take().is_some() {
                slot.generation = slot.generation.wrapping_add(1);
            }
            self.free.push(i as u32);
        }
        self.free.reverse();
        for edge in &mut self.edges {
            edge.reset_state();
        }
    }

    /// Starts a logical call on `edge`. Returns the outcome at once when the
    /// call cannot even start (circuit open, too many calls in flight).
    pub fn start(
        &mut self,
        ctx: &mut Ctx,
        edge: usize,
        spec: CallSpec,
        token: u64,
    ) -> Option<CallOutcome> {
        let me = ctx.me.index();
        ctx.rec().call_started(me);
        let e = &mut self.edges[edge];
        ctx.rec().edge_call(me, e.to.index());
        if let Some(budget) = e.policy.retry.budget {
            e.budget_tokens = (e.budget_tokens + budget.ratio).min(budget.max_tokens);
        }
        let admission = e
            .breaker
            .as_mut()
            .map_or(Admission::Allowed, |b| b.admit(ctx.local));
        if admission == Admission::Refused {
            let me = ctx.me.index();
            ctx.rec().circuit_refused(me);
            let to = e.to.0;
            ctx.trace(|t, at| t.refused(at, spec.root, spec.parent, to));
            return Some(CallOutcome {
                token,
                result: Err(Failure::CircuitOpen),
                edge,
            });
        }
        let deadline = e.policy.deadline;
        let Some(slot) = self.allocate() else {
            return Some(CallOutcome {
                token,
                result: Err(Failure::Dropped),
                edge,
            });
        };
        self.slots[slot as usize].call = Some(CallState {
            edge: edge as u16,
            hedge_edge: edge as u16,
            hedge_attempt: u32::MAX,
            token,
            spec,
            attempts: 0,
            retries: 0,
            pending: 0,
            hedged_sent: ctx.local,
            last_sent: ctx.local,
            prev_sleep: 0,
            last_failure: Failure::Timeout,
            waiting_backoff: false,
            hedged: false,
            probe: admission == Admission::Probe,
        });
        let generation = self.slots[slot as usize].generation;
        if let Some(d) = deadline {
            let timer = CallTimer {
                id: encode(slot, generation, 0),
                kind: CallTimerKind::Deadline,
            };
            ctx.set_timer(d, Timer::Call(timer));
        }
        self.send_attempt(ctx, slot, edge, false, false);
        None
    }

    fn allocate(&mut self) -> Option<u32> {
        if let Some(slot) = self.free.pop() {
            return Some(slot);
        }
        if self.slots.len() >= MAX_CALLS_IN_FLIGHT {
            return None;
        }
        self.slots.push(Slot {
            generation: 0,
            call: None,
        });
        Some((self.slots.len() - 1) as u32)
    }

    /// Sends the call's next attempt on `edge`.
    fn send_attempt(&mut self, ctx: &mut Ctx, slot: u32, edge: usize, retry: bool, hedge: bool) {
        let generation = self.slots[slot as usize].generation;
        let Some(call) = self.slots[slot as usize].call.as_mut() else {
            return;
        };
        let edge = &self.edges[edge];
        let attempt = call.attempts;
        call.attempts += 1;
        call.pending |= 1 << attempt;
        call.last_sent = ctx.local;
        let id = encode(slot, generation, attempt);
        let request = Request {
            call: id,
            root: call.spec.root,
            key: call.spec.key,
            op: call.spec.op,
            priority: call.spec.priority,
            idempotency_key: edge.policy.idempotency_keys,
        };
        ctx.send(edge.to, Message::Request(request));
        if ctx.tracing() {
            let start = AttemptStart {
                root: call.spec.root,
                parent: call.spec.parent,
                call: id,
                to: edge.to.0,
                attempt,
                retry,
                hedge,
            };
            ctx.trace(|t, at| t.attempt(at, start));
        }
        let me = ctx.me.index();
        ctx.rec().attempt_sent(me, retry, hedge);
        ctx.rec().edge_attempt(me, edge.to.index());
        if let Some(timeout) = edge.policy.timeout {
            ctx.set_timer(
                timeout,
                Timer::Call(CallTimer {
                    id,
                    kind: CallTimerKind::AttemptTimeout,
                }),
            );
        }
        let may_hedge = !hedge && !call.hedged && call.attempts < MAX_ATTEMPTS;
        if may_hedge && let Some(delay) = edge.hedge_delay() {
            ctx.set_timer(
                delay,
                Timer::Call(CallTimer {
                    id,
                    kind: CallTimerKind::Hedge,
                }),
            );
        }
    }

    /// The live call an id refers to, with the attempt number; `None` for stale ids.
    fn live(&self, id: CallId) -> Option<(u32, u32)> {
        let (slot, generation, attempt) = decode(id);
        let s = self.slots.get(slot as usize)?;
        (s.generation == generation && s.call.is_some()).then_some((slot, attempt))
    }

    /// Handles a reply; returns the call's outcome if this ended it.
    pub fn on_reply(&mut self, ctx: &mut Ctx, reply: Reply) -> Option<CallOutcome> {
        self.on_reply_rerouting(ctx, reply, &mut SameEdge)
    }

    /// [`Caller::on_reply`], asking `reroute` for the edge a retry goes to
    /// (a balancer sends it to another replica).
    pub fn on_reply_rerouting(
        &mut self,
        ctx: &mut Ctx,
        reply: Reply,
        reroute: &mut impl Reroute,
    ) -> Option<CallOutcome> {
        let (slot, attempt) = self.live(reply.call)?;
        let call = self.slots[slot as usize].call.as_mut()?;
        if call.pending & (1 << attempt) == 0 {
            return None; // this attempt already timed out
        }
        call.pending &= !(1 << attempt);
        let at = attempt_edge(call, attempt);
        let result = match reply.result {
            Ok(served) if served.format > self.reads => {
                ctx.format_rejected(self.edges[at].to, served.version);
                Err(Failure::Error)
            }
            r => r,
        };
        let root = call.spec.root;
        ctx.trace(|t, at| t.attempt_end(at, root, reply.call, status_of(result)));
        // Without a hedge only the latest attempt can answer.
        let sent = if call.hedged {
            call.hedged_sent
        } else {
            call.last_sent
        };
        // A hedged call's answer measures its original attempt (exactly, or
        // censored when the hedge won), so it is the original edge's sample
        // even when a balancer sent the hedge to another replica.
        let tracked = if call.hedged {
            usize::from(call.edge)
        } else {
            at
        };
        if let Some(HedgeConfig::Percentile(p)) = self.edges[tracked].policy.hedge {
            self.edges[tracked].tracker.record(ctx.local.since(sent), p);
        }
        let edge = &mut self.edges[at];
        let success = result.is_ok();
        if let Some(b) = edge.breaker.as_mut() {
            b.record(ctx.local, success, std::mem::take(&mut call.probe));
        }
        match result {
            Ok(served) => Some(self.finish(ctx, slot, at, Ok(served))),
            Err(cause) => {
                let (me, to) = (ctx.me.index(), edge.to.index());
                ctx.rec().edge_failure(me, to);
                self.attempt_failed(ctx, slot, at, cause, reroute)
            }
        }
    }

    /// Whether [`Caller::on_timer`] would ignore `timer` now. For timeouts
    /// and deadlines this never reverts: a finished call's generation has
    /// moved on, and an attempt's pending bit, once cleared, stays clear.
    pub fn is_stale(&self, timer: &CallTimer) -> bool {
        let Some((slot, attempt)) = self.live(timer.id) else {
            return true;
        };
        let Some(call) = self.slots[slot as usize].call.as_ref() else {
            return true;
        };
        let pending = call.pending & (1 << attempt) != 0;
        match timer.kind {
            CallTimerKind::AttemptTimeout => !pending,
            CallTimerKind::Backoff => !call.waiting_backoff,
            CallTimerKind::Hedge => !pending || call.hedged || call.attempts >= MAX_ATTEMPTS,
            CallTimerKind::Deadline => false,
        }
    }

    /// Handles one of this caller's timers; returns the call's outcome if this ended it.
    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: CallTimer) -> Option<CallOutcome> {
        self.on_timer_rerouting(ctx, timer, &mut SameEdge)
    }

    /// [`Caller::on_timer`] with a `reroute` as for [`Caller::on_reply_rerouting`].
    pub fn on_timer_rerouting(
        &mut self,
        ctx: &mut Ctx,
        timer: CallTimer,
        reroute: &mut impl Reroute,
    ) -> Option<CallOutcome> {
        let (slot, attempt) = self.live(timer.id)?;
        let call = self.slots[slot as usize].call.as_mut()?;
        match timer.kind {
            CallTimerKind::AttemptTimeout => {
                if call.pending & (1 << attempt) == 0 {
                    return None;
                }
                call.pending &= !(1 << attempt);
                let root = call.spec.root;
                let status = SpanStatus::Failed(Failure::Timeout);
                ctx.trace(|t, at| t.attempt_end(at, root, timer.id, status));
                let failed = attempt_edge(call, attempt);
                let edge = &mut self.edges[failed];
                if let Some(b) = edge.breaker.as_mut() {
                    b.record(ctx.local, false, std::mem::take(&mut call.probe));
                }
                let (me, to) = (ctx.me.index(), edge.to.index());
                ctx.rec().edge_failure(me, to);
                self.attempt_failed(ctx, slot, failed, Failure::Timeout, reroute)
            }
            CallTimerKind::Backoff => {
                if !call.waiting_backoff {
                    return None;
                }
                call.waiting_backoff = false;
                let edge = &mut self.edges[usize::from(call.edge)];
                match edge
                    .breaker
                    .as_mut()
                    .map_or(Admission::Allowed, |b| b.admit(ctx.local))
                {
                    Admission::Refused => {
                        let me = ctx.me.index();
                        ctx.rec().circuit_refused(me);
                        let (root, parent, to) = (call.spec.root, call.spec.parent, edge.to.0);
                        ctx.trace(|t, at| t.refused(at, root, parent, to));
                        let edge = usize::from(call.edge);
                        return Some(self.finish(ctx, slot, edge, Err(Failure::CircuitOpen)));
                    }
                    Admission::Probe => call.probe = true,
                    Admission::Allowed => {}
                }
                let edge = usize::from(call.edge);
                self.send_attempt(ctx, slot, edge, true, false);
                None
            }
            CallTimerKind::Hedge => {
                if call.pending & (1 << attempt) == 0
                    || call.hedged
                    || call.attempts >= MAX_ATTEMPTS
                {
                    return None;
                }
                call.hedged = true;
                call.hedged_sent = call.last_sent;
                let original = usize::from(call.edge);
                let to = reroute.hedge(ctx, call.token, original);
                let to = if to < self.edges.len() { to } else { original };
                call.hedge_edge = to as u16;
                call.hedge_attempt = call.attempts;
                self.send_attempt(ctx, slot, to, false, true);
                None
            }
            CallTimerKind::Deadline => {
                let edge = usize::from(call.edge);
                Some(self.finish(ctx, slot, edge, Err(Failure::Timeout)))
            }
        }
    }

    /// An attempt on edge `failed` failed: retry (on the edge `reroute`
    /// names), wait for another attempt in flight, or give up.
    fn attempt_failed(
        &mut self,
        ctx: &mut Ctx,
        slot: u32,
        failed: usize,
        cause: Failure,
        reroute: &mut impl Reroute,
    ) -> Option<CallOutcome> {
        let call = self.slots[slot as usize].call.as_mut()?;
        call.last_failure = cause;
        if call.pending != 0 {
            return None; // a hedge is still out; its answer decides
        }
        let edge = &mut self.edges[usize::from(call.edge)];
        let retry = &edge.policy.retry;
        let retryable = match cause {
            Failure::Timeout => retry.on.timeout,
            Failure::Error | Failure::Rejected | Failure::Shed => retry.on.error,
            Failure::CircuitOpen | Failure::Dropped | Failure::Crashed => false,
        };
        if !retryable || call.retries >= retry.max_retries || call.attempts >= MAX_ATTEMPTS {
            return Some(self.finish(ctx, slot, failed, Err(cause)));
        }
        if retry.budget.is_some() {
            if edge.budget_tokens < 1.0 {
                return Some(self.finish(ctx, slot, failed, Err(cause)));
            }
            edge.budget_tokens -= 1.0;
        }
        call.retries += 1;
        let sleep = backoff(
            retry.backoff,
            retry.jitter,
            call.retries,
            call.prev_sleep,
            &mut edge.rng,
        );
        call.prev_sleep = sleep.as_nanos();
        let to = reroute.retry(ctx, call.token, failed);
        if to < self.edges.len() {
            call.edge = to as u16;
        }
        if sleep == SimDuration::ZERO {
            let edge = usize::from(call.edge);
            self.send_attempt(ctx, slot, edge, true, false);
        } else {
            call.waiting_backoff = true;
            let generation = self.slots[slot as usize].generation;
            let id = encode(slot, generation, 0);
            ctx.set_timer(
                sleep,
                Timer::Call(CallTimer {
                    id,
                    kind: CallTimerKind::Backoff,
                }),
            );
        }
        None
    }

    /// Ends the call in `slot`, decided by an attempt on `edge`.
    fn finish(
        &mut self,
        ctx: &mut Ctx,
        slot: u32,
        edge: usize,
        result: Result<Served, Failure>,
    ) -> CallOutcome {
        let s = &mut self.slots[slot as usize];
        let call = s.call.take().expect("finish is only called on live calls");
        if call.pending != 0 {
            // Attempts still out (a losing hedge, a deadline): their answers will be ignored.
            let (generation, root) = (s.generation, call.spec.root);
            ctx.trace(|t, at| {
                for a in (0..call.attempts).filter(|a| call.pending & (1 << a) != 0) {
                    t.attempt_end(at, root, encode(slot, generation, a), SpanStatus::Abandoned);
                }
            });
        }
        s.generation = s.generation.wrapping_add(1);
        self.free.push(slot);
        if call.probe {
            // A probe that ended without an answer (deadline) counts as a failed probe.
            let edge = &mut self.edges[usize::from(call.edge)];
            if let Some(b) = edge.breaker.as_mut() {
                b.record(call.last_sent, false, true);
            }
        }
        CallOutcome {
            token: call.token,
            result,
            edge,
        }
    }
}

/// The edge attempt number `attempt` of `call` went to: the hedge's own
/// edge for the hedge, the call's edge for every other attempt (only the
/// latest of those can still be out).
fn attempt_edge(call: &CallState, attempt: u32) -> usize {
    if attempt == call.hedge_attempt {
        usize::from(call.hedge_edge)
    } else {
        usize::from(call.edge)
    }
}

/// The wait before retry number `retry` (1-based), given the previous wait
/// (for decorrelated jitter), following the AWS Architecture Blog's
/// "Exponential Backoff and Jitter".
pub fn backoff(
    backoff: Backoff,
    jitter: Jitter,
    retry: u32,
    prev_sleep_ns: u64,
    rng: &mut SimRng,
) -> SimDuration {
    let (base, cap) = match backoff {
        Backoff::None => return SimDuration::ZERO,
        Backoff::Constant(d) => (d.as_nanos(), d.as_nanos()),
        Backoff::Exponential { base, cap } => (base.as_nanos(), cap.as_nanos()),
    };
    let exponential = match backoff {
        Backoff::Exponential { .. } => {
            let shift = (retry.saturating_sub(1)).min(63);
            base.saturating_mul(1u64 << shift).min(cap)
        }
        _ => base,
    };
    let ns = match jitter {
        Jitter::None => exponential,
        Jitter::Full => rng.random_range(0..=exponential),
        Jitter::Equal => exponential / 2 + rng.random_range(0..=exponential / 2),
        Jitter::Decorrelated => {
            let prev = if prev_sleep_ns == 0 {
                base
            } else {
                prev_sleep_ns
            };
            let hi = prev.saturating_mul(3).max(base);
            rng.random_range(base..=hi).min(cap)
        }
    };
    SimDuration(ns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Recorder;
    use crate::metrics::recorder::NodeRole;
    use crate::sim::config::SloConfig;
    use crate::sim::node::Outbox;
    use crate::sim::node::ctx::run_at;

    #[test]
    fn call_ids_round_trip() {
        let id = encode(0x00ab_cdef, 0xdead_beef, 17);
        assert_eq!(decode(id), (0x00ab_cdef, 0xdead_beef, 17));
    }

    #[test]
    fn exponential_backoff_doubles_up_to_the_cap() {
        let mut rng = stream(1, "b");
        let b = Backoff::Exponential {
            base: SimDuration::from_millis(10),
            cap: SimDuration::from_millis(50),
        };
        let waits: Vec<u64> = (1..=4)
            .map(|n| backoff(b, Jitter::None, n, 0, &mut rng).as_nanos() / 1_000_000)
            .collect();
        assert_eq!(waits, [10, 20, 40, 50]);
    }

    /// Sends every hedge to edge 1, as a balancer sends it to another replica.
    struct HedgeToSecond;

    impl Reroute for HedgeToSecond {
        fn retry(&mut self, _: &mut Ctx, _: u64, failed: usize) -> usize {
            failed
        }

        fn hedge(&mut self, _: &mut Ctx, _: u64, _: usize) -> usize {
            1
        }
    }

    /// Runs `f` as the caller's node (0) at `ms` milliseconds.
    fn at<R>(ms: u64, rec: &mut Recorder, f: impl FnOnce(&mut Ctx) -> R) -> (R, Outbox) {
        run_at(ms, NodeId(0), rec, f)
    }

    /// The id of the one request in `out`, and where it went.
    fn sent_request(out: &Outbox) -> (NodeId, CallId) {
        match out.sends.as_slice() {
            [(to, Message::Request(r))] => (*to, r.call),
            other => panic!("expected one request, got {other:?}"),
        }
    }

    /// A hedge that a balancer sent to another replica measures how long
    /// the original attempt took (censored at the hedge's win), so the
    /// sample belongs to the original's edge; the other replica's tracker
    /// would otherwise learn the first replica's hedge delay.
    #[test]
    fn a_hedge_answered_on_another_edge_is_a_sample_of_the_original_edge() {
        let mut rec = Recorder::new(
            ["lb", "r1", "r2"]
                .map(|n| (n.to_string(), NodeRole::Service { workers: 1 }))
                .to_vec(),
            SimDuration::from_secs(1),
            SloConfig::default(),
            SimDuration::from_secs(60),
        );
        let policy = PolicyConfig {
            hedge: Some(HedgeConfig::Percentile(50.0)),
            ..PolicyConfig::default()
        };
        let mut caller = Caller::new(
            1,
            "lb",
            vec![
                (NodeId(1), "r1".into(), policy.clone()),
                (NodeId(2), "r2".into(), policy),
            ],
        );
        let spec = CallSpec {
            root: RootId(1),
            key: 0,
            op: Op::Read,
            priority: Priority::Normal,
            parent: SpanId(0),
        };
        let ok = |call| Reply {
            call,
            result: Ok(Served::default()),
        };
        // Edge 0 answers in 10 ms until its tracker has a threshold.
        let mut t = 0;
        for token in 0..u64::from(TRACKER_REFRESH) {
            let (_, out) = at(t, &mut rec, |ctx| caller.start(ctx, 0, spec, token));
            let (_, id) = sent_request(&out);
            at(t + 10, &mut rec, |ctx| {
                caller.on_reply_rerouting(ctx, ok(id), &mut HedgeToSecond)
            });
            t += 20;
        }
        assert_eq!(
            caller.edges[0].tracker.threshold,
            Some(SimDuration::from_millis(10))
        );
        // The next call is hedged after 10 ms to edge 1, which answers at 12 ms.
        let (_, out) = at(t, &mut rec, |ctx| caller.start(ctx, 0, spec, 99));
        let hedge = out
            .timers
            .iter()
            .find_map(|&(delay, timer)| match timer {
                Timer::Call(c) if c.kind == CallTimerKind::Hedge => Some((delay, c)),
                _ => None,
            })
            .expect("a hedge timer");
        assert_eq!(hedge.0, SimDuration::from_millis(10));
        let (_, out) = at(t + 10, &mut rec, |ctx| {
            caller.on_timer_rerouting(ctx, hedge.1, &mut HedgeToSecond)
        });
        let (to, id) = sent_request(&out);
        assert_eq!(to, NodeId(2));
        let (outcome, _) = at(t + 12, &mut rec, |ctx| {
            caller.on_reply_rerouting(ctx, ok(id), &mut HedgeToSecond)
        });
        assert_eq!(outcome.map(|o| o.edge), Some(1));
        assert!(caller.edges[1].tracker.samples.is_empty());
        assert_eq!(
            caller.edges[0].tracker.samples.last(),
            Some(&SimDuration::from_millis(12).as_nanos())
        );
    }

    #[test]
    fn jitter_stays_in_its_range() {
        let mut rng = stream(2, "j");
        let b = Backoff::Exponential {
            base: SimDuration::from_millis(10),
            cap: SimDuration::from_secs(1),
        };
        for _ in 0..1000 {
            let full = backoff(b, Jitter::Full, 3, 0, &mut rng).as_nanos();
            assert!(full <= 40_000_000);
            let equal = backoff(b, Jitter::Equal, 3, 0, &mut rng).as_nanos();
            assert!((20_000_000..=40_000_000).contains(&equal));
            let dec = backoff(b, Jitter::Decorrelated, 3, 30_000_000, &mut rng).as_nanos();
            assert!((10_000_000..=90_000_000).contains(&dec));
        }
    }
}
