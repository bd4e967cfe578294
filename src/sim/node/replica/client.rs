//! A client of a replicated store: starts reads and writes at random times
//! and records each in the run's history for the consistency checker.

use std::collections::BTreeMap;

use rand::RngExt;
use rand_distr::{Distribution, Zipf};

use crate::metrics::history::Outcome;
use crate::sim::config::{KeySpace, NodeId};
use crate::sim::message::{Failure, Message, Served};
use crate::sim::rng::{SimRng, stream};
use crate::sim::store_config::StoreClientConfig;
use crate::sim::time::{SimDuration, SimTime};

use super::super::client::arrival_gap;
use super::super::{Ctx, Stamp, Timer};
use super::KvTimer;
use super::msg::{KvMsg, KvResult};

/// Bits of a written value below the client's index: values are unique in a run.
const VALUE_SEQ_BITS: u32 = 40;

/// Redirects one operation may follow before it fails.
const MAX_REDIRECTS: u32 = 3;

struct Pending {
    key: u64,
    write: Option<u64>,
    redirects: u32,
    /// The node the operation was last sent to (for the graph's edge counts).
    to: NodeId,
    stamp: Stamp,
    history: usize,
}

/// An open-loop store client.
pub struct StoreClient {
    config: StoreClientConfig,
    index: u64,
    arrivals_rng: SimRng,
    content_rng: SimRng,
    zipf: Option<Zipf<f64>>,
    generation: u32,
    /// Where operations go: the configured target, then the leader a
    /// redirect named.
    target: NodeId,
    next_op: u64,
    writes: u64,
    pending: BTreeMap<u64, Pending>,
}

impl StoreClient {
    /// A client named `name` with node index `index`.
    pub fn new(seed: u64, index: u32, name: &str, config: StoreClientConfig) -> Self {
        let zipf = match config.keys {
            KeySpace::Zipf { n, s } => Zipf::new(n as f64, s).ok(),
            KeySpace::Uniform { .. } => None,
        };
        StoreClient {
            target: config.target,
            config,
            index: u64::from(index),
            arrivals_rng: stream(seed, &format!("{name}/arrivals")),
            content_rng: stream(seed, &format!("{name}/content")),
            zipf,
            generation: 0,
            next_op: 0,
            writes: 0,
            pending: BTreeMap::new(),
        }
    }

    /// Operations waiting for an answer.
    pub fn in_flight(&self) -> u64 {
        self.pending.len() as u64
    }

    /// Operations that at true time `now` have waited longer than `age`.
    pub fn waiting_longer_than(&self, now: SimTime, age: SimDuration) -> u64 {
        let old = |p: &&Pending| p.stamp.older_than(now, age);
        self.pending.values().filter(old).count() as u64
    }

    /// Schedules the first arrival (at the start or after a restart).
    pub fn start(&mut self, ctx: &mut Ctx) {
        self.generation = self.generation.wrapping_add(1);
        self.schedule(ctx);
    }

    fn schedule(&mut self, ctx: &mut Ctx) {
        let Some(gap) = arrival_gap(self.config.arrivals, &mut self.arrivals_rng) else {
            return;
        };
        let generation = self.generation;
        ctx.set_timer(gap, Timer::Kv(KvTimer::Arrival { generation }));
    }

    /// Handles one of its timers.
    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: KvTimer) {
        match timer {
            KvTimer::Arrival { generation } if generation == self.generation => {
                let (key, write) = self.draw();
                self.issue(ctx, key, write);
                self.schedule(ctx);
            }
            KvTimer::OpTimeout { op } => {
                if let Some(p) = self.pending.remove(&op) {
                    // The node it last heard of may be gone: start over
                    // from the configured one.
                    self.target = self.config.target;
                    self.finish(ctx, &p, Outcome::Unknown, Err(Failure::Timeout));
                }
            }
            _ => {}
        }
    }

    fn draw(&mut self) -> (u64, bool) {
        let rng = &mut self.content_rng;
        let key = match (self.config.keys, &self.zipf) {
            (KeySpace::Zipf { .. }, Some(z)) => z.sample(rng) as u64,
            (KeySpace::Uniform { n }, _) | (KeySpace::Zipf { n, .. }, None) => {
                rng.random_range(1..=n.max(1))
            }
        };
        let write = rng.random::<f64>() < self.config.write_fraction;
        (key, write)
    }

    fn issue(&mut self, ctx: &mut Ctx, key: u64, write: bool) {
        ctx.offered();
        self.next_op += 1;
        let op = self.next_op;
        let value = write.then(|| {
            self.writes += 1;
            (self.index << VALUE_SEQ_BITS) | (self.writes & ((1 << VALUE_SEQ_BITS) - 1))
        });
        let history = ctx.op_invoked(key, value);
        let msg = match value {
            Some(value) => KvMsg::Put { op, key, value },
            None => KvMsg::Get { op, key },
        };
        ctx.send(self.target, Message::Kv(Box::new(msg)));
        // The graph counts store operations on the client → replica edge
        // like calls: one call, one attempt per node it is sent to.
        let (me, to) = (ctx.me.index(), self.target.index());
        ctx.rec().edge_call(me, to);
        ctx.rec().edge_attempt(me, to);
        // And in the run's attempts, like any client's first try.
        ctx.rec().call_started(me);
        ctx.rec().attempt_sent(me, false, false);
        ctx.set_timer(self.config.timeout, Timer::Kv(KvTimer::OpTimeout { op }));
        self.pending.insert(
            op,
            Pending {
                key,
                write: value,
                redirects: 0,
                to: self.target,
                stamp: ctx.stamp(),
                history,
            },
        );
    }

    /// Handles the coordinator's answer, or a Raft follower's redirect.
    pub fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, msg: KvMsg) {
        if let KvMsg::Redirect { op, leader } = msg {
            self.redirected(ctx, from, op, leader);
            return;
        }
        let KvMsg::Done { op, result } = msg else {
            return;
        };
        let Some(p) = self.pending.remove(&op) else {
            return;
        };
        let ok = Ok(Served::default());
        match result {
            KvResult::Read(values) => self.finish(ctx, &p, Outcome::Read(values), ok),
            KvResult::Written => {
                self.finish(ctx, &p, Outcome::Written, ok);
                if self.config.read_after_write {
                    self.issue(ctx, p.key, false);
                }
            }
            KvResult::Unavailable => {
                // A refused write may still have reached some replicas.
                let outcome = if p.write.is_some() {
                    Outcome::Unknown
                } else {
                    Outcome::Failed
                };
                self.finish(ctx, &p, outcome, Err(Failure::Rejected));
            }
        }
    }

    /// A Raft follower did not take operation `op`: send it to the leader it
    /// named (it was not appended, so this cannot apply it twice), or fail it.
    fn redirected(&mut self, ctx: &mut Ctx, from: NodeId, op: u64, leader: Option<NodeId>) {
        let Some(p) = self.pending.get_mut(&op) else {
            return;
        };
        match leader {
            Some(l) if l != from && p.redirects < MAX_REDIRECTS => {
                p.redirects += 1;
                p.to = l;
                self.target = l;
                let msg = match p.write {
                    Some(value) => KvMsg::Put {
                        op,
                        key: p.key,
                        value,
                    },
                    None => KvMsg::Get { op, key: p.key },
                };
                ctx.send(l, Message::Kv(Box::new(msg)));
                let me = ctx.me.index();
                ctx.rec().edge_attempt(me, l.index());
                // A redirect is another try of the same operation.
                ctx.rec().attempt_sent(me, true, false);
            }
            _ => {
                if let Some(p) = self.pending.remove(&op) {
                    self.finish(ctx, &p, Outcome::Failed, Err(Failure::Rejected));
                }
            }
        }
    }

    fn finish(
        &mut self,
        ctx: &mut Ctx,
        p: &Pending,
        outcome: Outcome,
        result: Result<Served, Failure>,
    ) {
        ctx.op_completed(p.history, outcome);
        let latency = ctx.since(p.stamp);
        let me = ctx.me.index();
        if result.is_err() {
            ctx.rec().edge_failure(me, p.to.index());
        }
        ctx.rec().request_finished(me, latency, result);
    }

    /// A crash: operations waiting for an answer end with an unknown outcome.
    pub fn crash(&mut self, ctx: &mut Ctx) {
        for p in std::mem::take(&mut self.pending).into_values() {
            self.finish(ctx, &p, Outcome::Unknown, Err(Failure::Crashed));
        }
        self.generation = self.generation.wrapping_add(1);
    }
}
