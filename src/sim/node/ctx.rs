//! What a node gets when it handles a message or a timer.

use crate::metrics::Recorder;
use crate::metrics::trace::{At, Tracer};
use crate::sim::clock::LocalTime;
use crate::sim::config::NodeId;
use crate::sim::message::{Message, RootId};
use crate::sim::time::{SimDuration, SimTime};

use super::Timer;
use super::replica::msg::KvMsg;

/// An opaque mark of true time, for metrics only: a node can store one and
/// later ask how long ago it was, but never read the true time itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp(SimTime);

impl Stamp {
    /// Whether, at true time `now`, more than `age` has passed since this mark
    /// (for the engine's count of requests left waiting, not for nodes).
    pub fn older_than(self, now: SimTime, age: SimDuration) -> bool {
        now.saturating_since(self.0) > age
    }
}

/// Messages to send and timers to set, collected while a node handles one
/// event and carried out by the engine afterwards.
#[derive(Default)]
pub struct Outbox {
    /// `(to, message)` in the order sent.
    pub sends: Vec<(NodeId, Message)>,
    /// `(local delay, timer)` in the order set.
    pub timers: Vec<(SimDuration, Timer)>,
}

impl Outbox {
    /// True when nothing was sent or set.
    pub fn is_empty(&self) -> bool {
        self.sends.is_empty() && self.timers.is_empty()
    }
}

/// The handler context: the node's own clock reading, its outbox, and the
/// observer. A node sees only its local time.
pub struct Ctx<'a> {
    now: SimTime,
    /// This node's local clock reading.
    pub local: LocalTime,
    /// This node.
    pub me: NodeId,
    out: &'a mut Outbox,
    rec: &'a mut Recorder,
}

impl<'a> Ctx<'a> {
    /// A context at true time `now` (engine only).
    pub(crate) fn new(
        now: SimTime,
        local: LocalTime,
        me: NodeId,
        out: &'a mut Outbox,
        rec: &'a mut Recorder,
    ) -> Self {
        Ctx {
            now,
            local,
            me,
            out,
            rec,
        }
    }

    /// Sends `msg` to `to` over the network. A request to a peer replica
    /// is counted on the link (see [`KvMsg::is_peer_request`]).
    pub fn send(&mut self, to: NodeId, msg: Message) {
        if let Message::Kv(m) = &msg
            && m.is_peer_request()
        {
            self.rec.edge_call(self.me.index(), to.index());
            self.rec.edge_attempt(self.me.index(), to.index());
        }
        self.out.sends.push((to, msg));
    }

    /// Sets `timer` to fire after `delay` of this node's local time.
    pub fn set_timer(&mut self, delay: SimDuration, timer: Timer) {
        self.out.timers.push((delay, timer));
    }

    /// The observer (metrics).
    pub fn rec(&mut self) -> &mut Recorder {
        self.rec
    }

    /// Tells the observer a client generated a request now.
    pub fn offered(&mut self) {
        self.rec.request_offered(self.now, self.me.index());
    }

    /// Counts a store operation from a client arriving here (the replica's
    /// arrivals, as the window shows them).
    pub fn store_op_arrived(&mut self, msg: &KvMsg) {
        if matches!(msg, KvMsg::Get { .. } | KvMsg::Put { .. }) {
            self.rec.arrival(self.me.index());
        }
    }

    /// Marks this moment for a later latency measurement.
    pub fn stamp(&self) -> Stamp {
        Stamp(self.now)
    }

    /// True time since `stamp`, for metrics.
    pub fn since(&self, stamp: Stamp) -> SimDuration {
        self.now.saturating_since(stamp.0)
    }

    /// Reports this node's busy workers and queue length to the observer.
    pub fn levels(&mut self, busy: u64, queue: u64) {
        self.rec.levels(self.now, self.me.index(), busy, queue);
    }

    /// Tells the observer this node now has `workers` workers.
    pub fn workers(&mut self, workers: u32) {
        self.rec.set_workers(self.now, self.me.index(), workers);
    }

    /// Records that this node executed `root`; true when it is a repeat.
    pub fn executed(&mut self, root: RootId) -> bool {
        self.rec.executed(self.now, self.me.index(), root)
    }

    /// Records in the history that this client invoked an operation on
    /// `key` (a write of `write`, or a read); returns its history id.
    pub fn op_invoked(&mut self, key: u64, write: Option<u64>) -> usize {
        self.rec.op_invoked(self.now, self.me.0, key, write)
    }

    /// Records how the history's operation `id` ended.
    pub fn op_completed(&mut self, id: usize, outcome: crate::metrics::history::Outcome) {
        self.rec.op_completed(self.now, id, outcome);
    }

    /// This Raft node started an election.
    pub fn raft_campaign(&mut self) {
        self.rec.raft().campaign();
    }

    /// This Raft node became leader of `term`.
    pub fn raft_leader(&mut self, term: u64) {
        let now = self.now;
        self.rec.raft().leader(now, term, self.me.0);
    }

    /// This Raft node applied the entry (term, client, op) at `index`.
    pub fn raft_applied(&mut self, index: u64, term: u64, client: u32, op: u64) {
        self.rec.raft().applied(index, (term, client, op));
    }

    /// This monitor began suspecting node `target`.
    pub fn suspected(&mut self, target: usize) {
        self.rec.suspected(self.now, self.me.index(), target);
    }

    /// This node's failure detector stopped suspecting node `target`.
    pub fn unsuspected(&mut self, target: usize) {
        self.rec.unsuspected(self.now, self.me.index(), target);
    }

    /// Tells the observer this balancer ejected (`true`) or restored `replica`.
    pub fn ejection(&mut self, replica: NodeId, ejected: bool) {
        self.rec
            .ejection(self.now, self.me.index(), replica.index(), ejected);
    }

    /// Version `version` of this service answered a request that spent
    /// `duration` here.
    pub fn version_answered(&mut self, version: usize, ok: bool, duration: SimDuration) {
        let (now, me) = (self.now, self.me.index());
        self.rec.deploy().answered(now, me, version, ok, duration);
    }

    /// This node rejected a successful answer of version `version` of
    /// `callee`: a message format it cannot read.
    pub fn format_rejected(&mut self, callee: NodeId, version: u8) {
        let now = self.now;
        self.rec
            .deploy()
            .rejected(now, callee.index(), usize::from(version));
    }

    /// Lets `f` record spans when tracing is on (nothing happens otherwise).
    #[inline]
    pub fn trace(&mut self, f: impl FnOnce(&mut Tracer, At)) {
        if let Some(t) = self.rec.tracer_mut() {
            let at = At {
                now: self.now,
                local: self.local.0,
                node: self.me.0,
            };
            f(t, at);
        }
    }

    /// Whether traces are being collected.
    #[inline]
    pub fn tracing(&mut self) -> bool {
        self.rec.tracer_mut().is_some()
    }
}

/// Runs `f` as node `me` at `ms` milliseconds, with a perfect clock, for
/// unit tests that drive one node's parts by hand; gives `f`'s result and
/// what it sent and set.
#[cfg(test)]
pub(crate) fn run_at<R>(
    ms: u64,
    me: NodeId,
    rec: &mut Recorder,
    f: impl FnOnce(&mut Ctx) -> R,
) -> (R, Outbox) {
    let now = SimTime(ms * 1_000_000);
    rec.advance(now);
    let mut out = Outbox::default();
    let mut ctx = Ctx::new(now, LocalTime(now.0 as i64), me, &mut out, rec);
    let result = f(&mut ctx);
    (result, out)
}
