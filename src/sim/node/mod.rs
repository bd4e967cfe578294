//! Nodes: sans-IO state machines. A node receives a message or a timer with a
//! [`Ctx`] (its local time, an outbox, the observer) and answers only by
//! sending messages and setting timers through it.

pub mod balancer;
pub mod breaker;
pub mod broker;
pub mod bucket;
pub mod cache;
pub mod caller;
pub mod client;
pub mod ctx;
pub mod keys;
pub mod monitor;
pub mod prober;
pub mod replica;
pub mod service;
pub mod versions;

pub use ctx::{Ctx, Outbox, Stamp};

use crate::sim::config::{Load, NodeId, PolicyConfig, ServiceChange};
use crate::sim::message::Message;
use crate::sim::time::{SimDuration, SimTime};

use balancer::Balancer;
use broker::Broker;
use cache::Cache;
use caller::{CallTimer, Caller};
use client::Client;
use monitor::{Monitor, MonitorTimer};
use replica::client::StoreClient;
use replica::raft::RaftNode;
use replica::{KvTimer, Replica};
use service::Service;

/// Raft log entries the inspector shows.
const LOG_TAIL: usize = 6;

/// Every timer a node can set. Timers are never cancelled: each carries
/// enough (a generation) for its owner to recognise and ignore stale ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// Open-loop client: the next arrival (stale after a load change).
    Arrival { generation: u32 },
    /// Closed-loop client: user `user` has finished thinking.
    UserReady { user: u32 },
    /// Service: the local work of the job in `slot` is done.
    WorkDone { slot: u32, generation: u32 },
    /// A call policy timer.
    Call(CallTimer),
    /// Cache: the hit in `slot` has been answered.
    CacheHit { slot: u32, generation: u32 },
    /// Queue: delivery number `delivery` of message `message` was not acknowledged in time.
    AckTimeout { message: u64, delivery: u32 },
    /// A replicated store's timer.
    Kv(KvTimer),
    /// A prober's timer (a monitor's, or a balancer's health checks).
    Monitor(MonitorTimer),
    /// Balancer: the ejection number `generation` of pool member `replica` is over.
    Restore { replica: u32, generation: u32 },
}

/// A node of any kind.
// A run holds a few hundred nodes at most, in one Vec; keeping them unboxed
// saves an indirection on every event.
#[allow(clippy::large_enum_variant)]
pub enum Node {
    /// A workload.
    Client(Client),
    /// A service.
    Service(Service),
    /// An LRU cache in front of a backing service.
    Cache(Cache),
    /// A queue (a broker) in front of a consumer.
    Queue(Broker),
    /// A replica of a leaderless store.
    Replica(Replica),
    /// A store client.
    StoreClient(StoreClient),
    /// A failure-detector monitor.
    Monitor(Monitor),
    /// A Raft node.
    Raft(RaftNode),
    /// A load balancer in front of a pool of replicas.
    Balancer(Balancer),
}

impl Node {
    /// Called when the run starts and after each restart.
    pub fn start(&mut self, ctx: &mut Ctx) {
        match self {
            Node::Client(c) => c.start(ctx),
            Node::Replica(r) => r.start(ctx),
            Node::StoreClient(c) => c.start(ctx),
            Node::Monitor(m) => m.start(ctx),
            Node::Raft(r) => r.start(ctx),
            Node::Balancer(b) => b.start(ctx),
            Node::Service(_) | Node::Cache(_) | Node::Queue(_) => {}
        }
    }

    /// Handles a message from `from`.
    pub fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, msg: Message) {
        match (self, msg) {
            (Node::Service(s), Message::Request(r)) => s.on_request(ctx, from, r),
            (Node::Service(s), Message::Reply(r)) => s.on_reply(ctx, r),
            (Node::Client(c), Message::Reply(r)) => c.on_reply(ctx, r),
            (Node::Cache(c), Message::Request(r)) => c.on_request(ctx, from, r),
            (Node::Cache(c), Message::Reply(r)) => c.on_reply(ctx, r),
            (Node::Queue(q), Message::Request(r)) => q.on_request(ctx, from, r),
            (Node::Queue(q), Message::Reply(r)) => q.on_reply(ctx, r),
            (Node::Balancer(b), Message::Request(r)) => b.on_request(ctx, from, r),
            (Node::Balancer(b), Message::Reply(r)) => b.on_reply(ctx, r),
            // Every node answers a failure detector's probe; a service
            // answers a deep one from its queue.
            (
                Node::Service(s),
                Message::Heartbeat {
                    seq,
                    pong: false,
                    deep: true,
                },
            ) => s.on_deep_probe(ctx, from, seq),
            (
                _,
                Message::Heartbeat {
                    seq, pong: false, ..
                },
            ) => {
                ctx.send(from, Message::pong(seq));
            }
            (
                Node::Monitor(m),
                Message::Heartbeat {
                    seq, pong: true, ..
                },
            ) => m.on_pong(ctx, from, seq),
            (
                Node::Balancer(b),
                Message::Heartbeat {
                    seq, pong: true, ..
                },
            ) => b.on_pong(ctx, from, seq),
            (Node::Replica(r), Message::Kv(m)) => r.on_message(ctx, from, *m),
            (Node::StoreClient(c), Message::Kv(m)) => c.on_message(ctx, from, *m),
            (Node::Raft(r), Message::Kv(m)) => r.on_message(ctx, from, *m),
            // Clients serve nothing; store nodes speak only the store's
            // messages: anything else is ignored.
            (Node::Client(_), Message::Request(_))
            | (_, Message::Kv(_) | Message::Heartbeat { .. })
            | (Node::Replica(_) | Node::StoreClient(_) | Node::Monitor(_) | Node::Raft(_), _) => {}
        }
    }

    /// Handles one of its timers.
    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer) {
        match self {
            Node::Client(c) => c.on_timer(ctx, timer),
            Node::Service(s) => s.on_timer(ctx, timer),
            Node::Cache(c) => c.on_timer(ctx, timer),
            Node::Queue(q) => q.on_timer(ctx, timer),
            Node::Replica(r) => {
                if let Timer::Kv(t) = timer {
                    r.on_timer(ctx, t);
                }
            }
            Node::StoreClient(c) => {
                if let Timer::Kv(t) = timer {
                    c.on_timer(ctx, t);
                }
            }
            Node::Monitor(m) => {
                if let Timer::Monitor(t) = timer {
                    m.on_timer(ctx, t);
                }
            }
            Node::Raft(r) => {
                if let Timer::Kv(t) = timer {
                    r.on_timer(ctx, t);
                }
            }
            Node::Balancer(b) => b.on_timer(ctx, timer),
        }
    }

    /// Whether handling `timer` now would do nothing at all (a call timer
    /// for a finished call or attempt); false when unsure.
    pub fn timer_is_stale(&self, timer: &Timer) -> bool {
        let Timer::Call(t) = timer else {
            return false;
        };
        match self {
            Node::Client(c) => c.caller().is_stale(t),
            Node::Service(s) => s.caller().is_stale(t),
            Node::Cache(c) => c.caller().is_stale(t),
            Node::Balancer(b) => b.caller().is_stale(t),
            _ => false,
        }
    }

    /// Loses all volatile state (the engine stops delivering to it until restart).
    pub fn crash(&mut self, ctx: &mut Ctx) {
        match self {
            Node::Client(c) => c.crash(ctx),
            Node::Service(s) => s.crash(ctx),
            Node::Cache(c) => c.crash(ctx),
            Node::Queue(q) => q.crash(ctx),
            Node::Replica(r) => r.crash(),
            Node::StoreClient(c) => c.crash(ctx),
            Node::Monitor(_) => {}
            Node::Raft(r) => r.crash(),
            Node::Balancer(b) => b.crash(ctx),
        }
    }

    /// Sets the work-time multiplier (services; others ignore it).
    pub fn set_slow(&mut self, factor: f64) {
        if let Node::Service(s) = self {
            s.set_slow(factor);
        }
    }

    /// Changes a service's knobs (others ignore it).
    pub fn change_service(&mut self, ctx: &mut Ctx, change: &ServiceChange) {
        if let Node::Service(s) = self {
            s.change(ctx, change);
        }
    }

    /// Routes a service's requests between its versions (others ignore it).
    pub fn set_routing(&mut self, routing: crate::sim::deploy::Routing) {
        if let Node::Service(s) = self {
            s.set_routing(routing);
        }
    }

    /// Parallel workers now (services only).
    pub fn workers(&self) -> Option<u32> {
        match self {
            Node::Service(s) => Some(s.workers()),
            _ => None,
        }
    }

    /// Changes a client's load (others ignore it).
    pub fn set_load(&mut self, ctx: &mut Ctx, load: Load) {
        if let Node::Client(c) = self {
            c.set_load(ctx, load);
        }
    }

    /// The node's caller, if it makes calls.
    pub fn caller_mut(&mut self) -> Option<&mut Caller> {
        match self {
            Node::Client(c) => Some(c.caller_mut()),
            Node::Service(s) => Some(s.caller_mut()),
            Node::Cache(c) => Some(c.caller_mut()),
            Node::Queue(_)
            | Node::Replica(_)
            | Node::StoreClient(_)
            | Node::Monitor(_)
            | Node::Raft(_) => None,
            Node::Balancer(b) => Some(b.caller_mut()),
        }
    }

    /// Replaces the policy towards `callee`; false when it has no such edge.
    pub fn set_policy(&mut self, callee: NodeId, policy: PolicyConfig) -> bool {
        self.caller_mut()
            .is_some_and(|c| c.set_policy(callee, policy))
    }

    /// A Raft node's role, term and commit index.
    pub fn raft_view(&self) -> Option<crate::sim::view::RaftView> {
        let Node::Raft(r) = self else {
            return None;
        };
        let (role, term, commit) = r.status();
        let role = match role {
            replica::raft::Role::Leader => "leader",
            replica::raft::Role::Follower => "follower",
            replica::raft::Role::Candidate => "candidate",
        };
        Some(crate::sim::view::RaftView { role, term, commit })
    }

    /// A Raft node's log tail and view of its peers, a monitor's view of
    /// the nodes it watches; `local` is the node's clock now.
    pub fn detail(
        &self,
        local: crate::sim::clock::LocalTime,
    ) -> Option<crate::sim::view::NodeDetail> {
        match self {
            Node::Raft(r) => Some(r.detail(local, LOG_TAIL)),
            Node::Monitor(m) => Some(m.detail(local)),
            _ => None,
        }
    }

    /// A balancer's pool as it sees it now (empty for other kinds); `local`
    /// is the node's clock now.
    pub fn pool(&self, local: crate::sim::clock::LocalTime) -> Vec<crate::sim::view::PoolMember> {
        match self {
            Node::Balancer(b) => b.members(local),
            _ => Vec::new(),
        }
    }

    /// End-to-end requests waiting for an answer (clients only).
    pub fn requests_in_flight(&self) -> u64 {
        match self {
            Node::Client(c) => c.in_flight(),
            Node::StoreClient(c) => c.in_flight(),
            _ => 0,
        }
    }

    /// End-to-end requests that at true time `now` have waited for an
    /// answer longer than `age` (clients only).
    pub fn requests_waiting_longer_than(&self, now: SimTime, age: SimDuration) -> u64 {
        match self {
            Node::Client(c) => c.waiting_longer_than(now, age),
            Node::StoreClient(c) => c.waiting_longer_than(now, age),
            _ => 0,
        }
    }
}
