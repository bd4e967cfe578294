//! A queue node: an asynchronous hand-off (a message broker) in front of a
//! consumer service, delivering each message at least once.
//!
//! A producer's request is acknowledged (`Ok`) as soon as it is enqueued, or
//! `Rejected` when the queue already holds `capacity` messages (waiting plus
//! delivered-but-unacknowledged). The broker delivers messages to the consumer
//! in FIFO order with at most `concurrency` deliveries outstanding. Each
//! delivery is a [`Request`] carrying the message's original root id and an
//! idempotency key (so a consumer with `idempotency_keys` recognises
//! redeliveries as repeats, and the duplicate ledger counts a non-idempotent
//! consumer executing one twice), under a fresh [`CallId`].
//!
//! A successful reply is the acknowledgement. An error reply (any failure:
//! error, rejected, shed) or no reply within `ack_timeout` of the broker's
//! local clock is a failed delivery: the message goes to the **back** of the
//! queue and is redelivered, at once and without backoff, when its turn
//! comes, until it has been delivered `max_deliveries` times; after the last
//! failed delivery it goes to the dead-letter queue. Putting it at the back
//! keeps one poison message from blocking the head (as SQS-style brokers do),
//! at the cost of strict ordering.
//!
//! A late acknowledgement — a successful reply to a delivery that had already
//! timed out — still counts when the message is waiting for its redelivery:
//! the message is acknowledged and removed without being delivered again. If
//! the message has meanwhile been delivered again (or dead-lettered, or
//! acknowledged) the late reply is ignored, so the consumer may execute it
//! again: that is the at-least-once duplicate.
//!
//! The broker draws no random numbers. It is **not durable**: a crash loses
//! every message it holds, waiting or outstanding (counted as lost in the
//! crash), and replies to deliveries made before the crash are ignored. Its
//! recorder figures: arrivals and refusals of producer requests, `enqueued`,
//! `delivered`, `acked`, `dead_lettered`; `answered` once per message when it
//! leaves the queue (ok when acknowledged, not ok when dead-lettered, with
//! its time since enqueueing); levels with busy = deliveries outstanding and
//! queue = messages waiting; and the age of the message at the head.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use crate::metrics::trace::{AttemptStart, ServeEnd, SpanStatus, status_of};
use crate::sim::config::{NodeId, Priority, QueueConfig};
use crate::sim::message::{CallId, Failure, Message, Op, Reply, Request, RootId, Served, SpanId};
use crate::sim::time::SimDuration;

use super::Timer;
use super::ctx::{Ctx, Stamp};
use super::service::HARD_QUEUE_LIMIT;

/// Bits of a delivery's [`CallId`] that hold the delivery number (the rest is
/// the message's sequence number).
const DELIVERY_BITS: u32 = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// In the queue, waiting for (re)delivery.
    Waiting,
    /// Delivered; waiting for the acknowledgement.
    Outstanding,
}

/// One message the broker holds.
struct Envelope {
    root: RootId,
    key: u64,
    op: Op,
    priority: Priority,
    /// The span of its enqueueing (deliveries are its children in a trace).
    parent: SpanId,
    /// Deliveries so far (the current one included when outstanding).
    deliveries: u32,
    enqueued: Stamp,
    state: State,
}

/// A queue node.
pub struct Broker {
    consumer: NodeId,
    concurrency: u32,
    max_deliveries: u32,
    ack_timeout: SimDuration,
    capacity: usize,
    /// Messages held, by sequence number (never iterated).
    messages: FxHashMap<u64, Envelope>,
    /// Sequence numbers in delivery order. Entries of messages acknowledged
    /// late while waiting stay here until they reach the head and are skipped.
    order: VecDeque<u64>,
    waiting: usize,
    outstanding: u32,
    /// Next message sequence number; kept across crashes so that replies to
    /// deliveries made before a crash can never match a new message.
    next_seq: u64,
}

impl Broker {
    /// A queue delivering to `config.consumer`.
    pub fn new(config: QueueConfig) -> Self {
        Broker {
            consumer: config.consumer,
            concurrency: config.concurrency.max(1),
            max_deliveries: config.max_deliveries.clamp(1, (1 << DELIVERY_BITS) - 1),
            ack_timeout: config.ack_timeout,
            capacity: config
                .capacity
                .map_or(HARD_QUEUE_LIMIT, |c| (c as usize).min(HARD_QUEUE_LIMIT)),
            messages: FxHashMap::default(),
            order: VecDeque::new(),
            waiting: 0,
            outstanding: 0,
            next_seq: 0,
        }
    }

    /// Messages waiting for (re)delivery.
    pub fn waiting(&self) -> usize {
        self.waiting
    }

    /// Deliveries waiting for an acknowledgement.
    pub fn outstanding(&self) -> u32 {
        self.outstanding
    }

    /// Messages held: waiting plus outstanding.
    pub fn depth(&self) -> usize {
        self.waiting + self.outstanding as usize
    }

    /// Handles a producer's request: enqueue and acknowledge, or reject when full.
    pub fn on_request(&mut self, ctx: &mut Ctx, from: NodeId, request: Request) {
        let me = ctx.me.index();
        ctx.rec().arrival(me);
        ctx.trace(|t, at| t.serve(at, request.root, from.0, request.call));
        let result = if self.depth() >= self.capacity {
            ctx.rec().refused(me, Failure::Rejected);
            Err(Failure::Rejected)
        } else {
            let seq = self.next_seq;
            self.next_seq += 1;
            self.messages.insert(
                seq,
                Envelope {
                    root: request.root,
                    key: request.key,
                    op: request.op,
                    priority: request.priority,
                    parent: SpanId::serve(ctx.me.0, from.0, request.call),
                    deliveries: 0,
                    enqueued: ctx.stamp(),
                    state: State::Waiting,
                },
            );
            self.order.push_back(seq);
            self.waiting += 1;
            ctx.rec().enqueued(me);
            Ok(Served::default())
        };
        let end = ServeEnd::answered(result);
        ctx.trace(|t, at| t.serve_end(at, request.root, from.0, request.call, end));
        ctx.send(
            from,
            Message::Reply(Reply {
                call: request.call,
                result,
            }),
        );
        self.pump(ctx);
    }

    /// Handles the consumer's reply to a delivery.
    pub fn on_reply(&mut self, ctx: &mut Ctx, reply: Reply) {
        let (seq, delivery) = decode(reply.call);
        let Some(env) = self.messages.get(&seq) else {
            return; // acknowledged, dead-lettered, or lost in a crash
        };
        match (env.state, reply.result) {
            (State::Outstanding, result) if env.deliveries == delivery => {
                self.outstanding -= 1;
                let root = env.root;
                ctx.trace(|t, at| t.attempt_end(at, root, reply.call, status_of(result)));
                if result.is_ok() {
                    self.ack(ctx, seq);
                } else {
                    self.failed_delivery(ctx, seq);
                }
            }
            (State::Waiting, Ok(_)) => {
                // A late acknowledgement while waiting for redelivery.
                self.waiting -= 1;
                self.ack(ctx, seq);
            }
            _ => return, // a late answer for an older delivery
        }
        self.pump(ctx);
    }

    /// Handles a timer (an acknowledgement deadline).
    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer) {
        let Timer::AckTimeout { message, delivery } = timer else {
            return;
        };
        let current = self
            .messages
            .get(&message)
            .is_some_and(|e| e.state == State::Outstanding && e.deliveries == delivery);
        if current {
            self.outstanding -= 1;
            let root = self.messages[&message].root;
            let status = SpanStatus::Failed(Failure::Timeout);
            let call = encode(message, delivery);
            ctx.trace(|t, at| t.attempt_end(at, root, call, status));
            self.failed_delivery(ctx, message);
            self.pump(ctx);
        }
    }

    fn ack(&mut self, ctx: &mut Ctx, seq: u64) {
        let env = self.messages.remove(&seq).expect("acked messages are held");
        let me = ctx.me.index();
        let age = ctx.since(env.enqueued);
        ctx.rec().acked(me);
        ctx.rec().answered(me, age, true);
    }

    /// Requeues a message at the back, or dead-letters it after its last delivery.
    fn failed_delivery(&mut self, ctx: &mut Ctx, seq: u64) {
        let me = ctx.me.index();
        let env = self
            .messages
            .get_mut(&seq)
            .expect("failed messages are held");
        if env.deliveries >= self.max_deliveries {
            let age = ctx.since(env.enqueued);
            self.messages.remove(&seq);
            ctx.rec().dead_lettered(me);
            ctx.rec().answered(me, age, false);
        } else {
            env.state = State::Waiting;
            self.order.push_back(seq);
            self.waiting += 1;
        }
    }

    /// Drops skipped entries from the head of the order.
    fn clean_head(&mut self) {
        while let Some(seq) = self.order.front() {
            if self
                .messages
                .get(seq)
                .is_some_and(|e| e.state == State::Waiting)
            {
                break;
            }
            self.order.pop_front();
        }
    }

    /// Delivers waiting messages while fewer than `concurrency` are outstanding,
    /// then reports the levels and the head's age.
    fn pump(&mut self, ctx: &mut Ctx) {
        self.clean_head();
        while self.outstanding < self.concurrency
            && let Some(seq) = self.order.pop_front()
        {
            self.deliver(ctx, seq);
            self.clean_head();
        }
        let me = ctx.me.index();
        let age = self.order.front().map_or(SimDuration::ZERO, |seq| {
            ctx.since(self.messages[seq].enqueued)
        });
        ctx.rec().oldest_age(me, age);
        ctx.levels(u64::from(self.outstanding), self.waiting as u64);
    }

    fn deliver(&mut self, ctx: &mut Ctx, seq: u64) {
        let env = self.messages.get_mut(&seq).expect("the head is held");
        env.state = State::Outstanding;
        env.deliveries += 1;
        self.waiting -= 1;
        self.outstanding += 1;
        let delivery = env.deliveries;
        ctx.send(
            self.consumer,
            Message::Request(Request {
                call: encode(seq, delivery),
                root: env.root,
                key: env.key,
                op: env.op,
                priority: env.priority,
                idempotency_key: true,
            }),
        );
        let start = AttemptStart {
            root: env.root,
            parent: env.parent,
            call: encode(seq, delivery),
            to: self.consumer.0,
            attempt: delivery - 1,
            retry: delivery > 1,
            hedge: false,
        };
        ctx.trace(|t, at| t.attempt(at, start));
        let me = ctx.me.index();
        ctx.rec().delivered(me, delivery > 1);
        ctx.set_timer(
            self.ack_timeout,
            Timer::AckTimeout {
                message: seq,
                delivery,
            },
        );
    }

    /// A crash: every message held is lost (the broker is not durable).
    pub fn crash(&mut self, ctx: &mut Ctx) {
        let me = ctx.me.index();
        ctx.rec().lost_in_crash(me, self.depth() as u64);
        self.messages.clear();
        self.order.clear();
        self.waiting = 0;
        self.outstanding = 0;
        ctx.rec().oldest_age(me, SimDuration::ZERO);
        ctx.levels(0, 0);
    }
}

fn encode(seq: u64, delivery: u32) -> CallId {
    CallId((seq << DELIVERY_BITS) | u64::from(delivery))
}

fn decode(id: CallId) -> (u64, u32) {
    (
        id.0 >> DELIVERY_BITS,
        (id.0 & ((1 << DELIVERY_BITS) - 1)) as u32,
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use rand::RngExt;

    use super::*;
    use crate::metrics::recorder::NodeRole;
    use crate::metrics::{Recorder, RunSummary};
    use crate::sim::clock::LocalTime;
    use crate::sim::config::*;
    use crate::sim::dist::Dist;
    use crate::sim::engine::Simulation;
    use crate::sim::node::Outbox;
    use crate::sim::rng::stream;
    use crate::sim::time::SimTime;

    const PRODUCER: NodeId = NodeId(0);
    const QUEUE: NodeId = NodeId(1);
    const CONSUMER: NodeId = NodeId(2);

    fn consumer(work: Dist, error_rate: f64) -> ServiceConfig {
        ServiceConfig {
            error_rate,
            ..ServiceConfig::plain(100, work)
        }
    }

    /// Poisson `rate` messages/s from "producer" into "queue" for `produce_for`
    /// seconds (then the producer stops, so the queue can drain), delivered to
    /// "consumer"; the run lasts `secs`.
    fn setup(
        seed: u64,
        rate: f64,
        produce_for: u64,
        secs: u64,
        queue: QueueConfig,
        consumer: ServiceConfig,
    ) -> SimConfig {
        let producer = NodeKind::Client(ClientConfig {
            load: Load::Open {
                arrivals: Arrivals::Poisson { rate_per_s: rate },
            },
            target: QUEUE,
            policy: PolicyConfig::default(),
            keys: KeySpace::Uniform { n: 1000 },
            write_fraction: 1.0,
            priorities: vec![(Priority::Normal, 1.0)],
            max_in_flight: None,
        });
        SimConfig {
            name: "queue".into(),
            seed,
            duration: SimDuration::from_secs(secs),
            window: SimDuration::from_secs(1),
            nodes: vec![
                NodeConfig::named("producer", producer),
                NodeConfig::named("queue", NodeKind::Queue(queue)),
                NodeConfig::named("consumer", NodeKind::Service(consumer)),
            ],
            default_link: LinkModel::default(),
            links: vec![],
            timeline: vec![at(
                produce_for,
                Action::SetLoad {
                    client: PRODUCER,
                    load: Load::Open {
                        arrivals: Arrivals::Poisson { rate_per_s: 0.0 },
                    },
                },
            )],
            slo: SloConfig::default(),
        }
    }

    fn at(secs: u64, action: Action) -> TimedAction {
        TimedAction {
            at: SimTime::ZERO + SimDuration::from_secs(secs),
            action,
        }
    }

    fn at_ms(ms: u64, action: Action) -> TimedAction {
        TimedAction {
            at: SimTime::ZERO + SimDuration::from_millis(ms),
            action,
        }
    }

    fn queue_config(concurrency: u32, max_deliveries: u32, ack_timeout_ms: u64) -> QueueConfig {
        QueueConfig {
            consumer: CONSUMER,
            concurrency,
            max_deliveries,
            ack_timeout: SimDuration::from_millis(ack_timeout_ms),
            capacity: None,
        }
    }

    fn q(s: &RunSummary) -> &crate::metrics::summary::QueueSummary {
        s.services["queue"].queue.as_ref().expect("a queue summary")
    }

    /// Drives a broker directly with random producer requests, acks, nacks,
    /// late and repeated replies and acknowledgement timeouts in any order,
    /// checking its invariants after every step and the books at the end:
    /// enqueued = acked + dead-lettered + still held.
    #[test]
    fn books_balance_under_any_interleaving() {
        let roles = vec![
            ("producer".to_string(), NodeRole::Client),
            ("queue".to_string(), NodeRole::Queue),
            ("consumer".to_string(), NodeRole::Service { workers: 1 }),
        ];
        let mut rec = Recorder::new(
            roles,
            SimDuration::from_secs(1),
            SloConfig::default(),
            SimDuration::from_secs(600),
        );
        let mut config = queue_config(4, 3, 1000);
        config.capacity = Some(40);
        let mut broker = Broker::new(config);
        let mut rng = stream(1, "harness");
        let mut sent: Vec<CallId> = Vec::new();
        let mut timers: Vec<Timer> = Vec::new();
        let mut per_root: HashMap<RootId, u32> = HashMap::new();
        let (mut accepted, mut rejected) = (0u64, 0u64);
        for step in 0..50_000u64 {
            let now = SimTime(step * 1000);
            rec.advance(now);
            let mut out = Outbox::default();
            {
                let mut ctx = Ctx::new(now, LocalTime(now.0 as i64), QUEUE, &mut out, &mut rec);
                let roll = rng.random_range(0..100);
                if roll < 35 {
                    let request = Request {
                        call: CallId(step),
                        root: RootId(step),
                        key: step,
                        op: Op::Write,
                        priority: Priority::Normal,
                        idempotency_key: false,
                    };
                    broker.on_request(&mut ctx, PRODUCER, request);
                } else if roll < 75 && !sent.is_empty() {
                    // Any delivery, current or long superseded, possibly again.
                    let call = sent[rng.random_range(0..sent.len())];
                    let result = if roll < 60 {
                        Ok(Served::default())
                    } else {
                        Err(Failure::Error)
                    };
                    broker.on_reply(&mut ctx, Reply { call, result });
                } else if !timers.is_empty() {
                    let t = timers.swap_remove(rng.random_range(0..timers.len()));
                    broker.on_timer(&mut ctx, t);
                }
            }
            for (to, msg) in out.sends.drain(..) {
                match msg {
                    Message::Request(r) => {
                        assert_eq!(to, CONSUMER);
                        assert!(r.idempotency_key);
                        sent.push(r.call);
                        let n = per_root.entry(r.root).or_default();
                        *n += 1;
                        assert!(*n <= 3, "delivered more than max_deliveries times");
                    }
                    Message::Reply(r) => {
                        assert_eq!(to, PRODUCER);
                        match r.result {
                            Ok(_) => accepted += 1,
                            Err(Failure::Rejected) => rejected += 1,
                            Err(e) => panic!("unexpected {e:?}"),
                        }
                    }
                    other => panic!("a broker sends no {other:?}"),
                }
            }
            timers.extend(out.timers.drain(..).map(|(_, t)| t));
            assert!(broker.outstanding() <= 4);
            assert!(broker.depth() <= 40);
            assert!(broker.outstanding() == 4 || broker.waiting() == 0);
        }
        let held = broker.depth() as u64;
        let s = rec.finish(SimTime(50_000 * 1000), "harness", 1, 0);
        let qs = q(&s);
        eprintln!("{qs:?}, held {held}, rejected {rejected}");
        assert_eq!(qs.enqueued, accepted);
        assert_eq!(qs.enqueued, qs.acked + qs.dead_lettered + held);
        assert!(held > 0 && rejected > 0 && qs.dead_lettered > 0 && qs.redeliveries > 0);
        assert_eq!(s.services["queue"].rejected, rejected);
    }

    /// End to end, with errors, acknowledgement timeouts (and late acks) and a
    /// consumer crash: once the producer stops and the queue drains, every
    /// message enqueued was acknowledged or dead-lettered, and every one was
    /// delivered at least once.
    #[test]
    fn every_message_is_acked_or_dead_lettered() {
        let mut cfg = setup(
            21,
            1000.0,
            10,
            20,
            queue_config(20, 3, 20),
            consumer(Dist::exponential(SimDuration::from_millis(5)), 0.3),
        );
        cfg.timeline.push(at_ms(4000, Action::Crash(CONSUMER)));
        cfg.timeline.push(at_ms(4500, Action::Restart(CONSUMER)));
        cfg.timeline.sort_by_key(|a| a.at);
        let s = Simulation::new(cfg).run();
        let qs = q(&s);
        eprintln!("{qs:?}");
        assert!(qs.enqueued > 9000);
        assert_eq!(qs.enqueued, qs.acked + qs.dead_lettered);
        assert_eq!(qs.deliveries - qs.redeliveries, qs.enqueued);
        assert!(qs.dead_lettered > 0 && qs.redeliveries > 0);
        assert_eq!(qs.oldest_age_ms, 0.0);
        // The producer had every message acknowledged on enqueueing.
        assert_eq!(s.requests.ok, qs.enqueued);
    }

    /// A consumer that fails each delivery independently with probability p,
    /// and at most k deliveries: a message is dead-lettered with probability
    /// p^k, so the dead-lettered count is binomial; tolerance 4 standard errors.
    #[test]
    fn dead_letter_fraction_is_p_to_the_k() {
        let (p, k) = (0.5f64, 3u32);
        let cfg = setup(
            22,
            2000.0,
            20,
            25,
            queue_config(50, k, 1000),
            consumer(Dist::constant(SimDuration::from_millis(1)), p),
        );
        let s = Simulation::new(cfg).run();
        let qs = q(&s);
        let n = qs.enqueued as f64;
        assert!(n > 35_000.0, "{n}");
        assert_eq!(qs.enqueued, qs.acked + qs.dead_lettered);
        let expected = p.powi(k as i32);
        let fraction = qs.dead_lettered as f64 / n;
        let se = (expected * (1.0 - expected) / n).sqrt();
        eprintln!(
            "dead-lettered {fraction}, expected {expected} ± {}",
            4.0 * se
        );
        assert!((fraction - expected).abs() < 4.0 * se, "{fraction}");
        // Deliveries per message: 1 + p + … + p^(k−1) = 1.75, with standard
        // deviation 0.83 per message, so a standard error of 0.004 here.
        let per = qs.deliveries as f64 / n;
        assert!((per - 1.75).abs() < 0.02, "{per}");
    }

    fn crash_run(crash: bool) -> RunSummary {
        let mut cfg = setup(
            23,
            500.0,
            6,
            10,
            queue_config(10, 20, 100),
            consumer(Dist::exponential(SimDuration::from_millis(2)), 0.0),
        );
        if crash {
            cfg.timeline.push(at_ms(3000, Action::Crash(CONSUMER)));
            cfg.timeline.push(at_ms(3500, Action::Restart(CONSUMER)));
            cfg.timeline.sort_by_key(|a| a.at);
        }
        Simulation::new(cfg).run()
    }

    #[test]
    fn a_crashed_consumer_causes_redeliveries() {
        let calm = crash_run(false);
        assert_eq!(q(&calm).redeliveries, 0);
        assert_eq!(q(&calm).acked, q(&calm).enqueued);

        let s = crash_run(true);
        let qs = q(&s);
        eprintln!("{qs:?}");
        assert!(qs.redeliveries >= 30, "{}", qs.redeliveries);
        // Twenty deliveries outlast a half-second outage: nothing is lost.
        assert_eq!(qs.dead_lettered, 0);
        assert_eq!(qs.acked, qs.enqueued);
        assert!(s.network.to_crashed > 0);
    }

    /// Work slower than the acknowledgement timeout now and then (exponential
    /// 50 ms against 100 ms: e^-2 ≈ 13.5% of deliveries) makes the broker
    /// redeliver a message the consumer is still working on.
    fn duplicate_run(idempotency_keys: bool) -> RunSummary {
        let mut c = consumer(Dist::exponential(SimDuration::from_millis(50)), 0.0);
        c.operation = Operation::NonIdempotent;
        c.idempotency_keys = idempotency_keys;
        let cfg = setup(24, 100.0, 10, 15, queue_config(20, 5, 100), c);
        Simulation::new(cfg).run()
    }

    #[test]
    fn redeliveries_duplicate_unless_the_consumer_uses_idempotency_keys() {
        let plain = duplicate_run(false);
        let dups = plain.services["consumer"].duplicates;
        eprintln!("without keys: {:?}, duplicates {dups}", q(&plain));
        assert!(q(&plain).redeliveries > 50);
        assert!(dups > 50, "{dups}");
        assert_eq!(plain.requests.duplicates, dups);

        let keyed = duplicate_run(true);
        let c = &keyed.services["consumer"];
        eprintln!(
            "with keys: {:?}, deduplicated {}",
            q(&keyed),
            c.deduplicated
        );
        assert!(q(&keyed).redeliveries > 50);
        assert_eq!(c.duplicates, 0);
        assert!(c.deduplicated > 50);
        assert_eq!(q(&keyed).acked, q(&keyed).enqueued);
    }
}
