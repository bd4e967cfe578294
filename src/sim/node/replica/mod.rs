//! A leaderless replicated key-value store (Dynamo style): every replica
//! holds every key and coordinates the operations its clients send it.
//!
//! A write is stamped (local timestamp or version vector), stored here and
//! sent to every peer; it is acknowledged after `write_quorum` replicas
//! (this one included) stored it. A read asks every peer and answers after
//! `read_quorum` replies with their merge; replies that were behind the merge
//! are repaired (read repair). When the quorum does not come within
//! `quorum_timeout`, a consistent-mode replica refuses and an available-mode
//! one answers with what it has. Anti-entropy pushes the whole store to every
//! peer periodically, so partitioned sides reconcile after a heal. The data
//! survives a crash (it is on disk); operations being coordinated do not.

pub mod client;
pub mod msg;
pub mod raft;
pub mod version;

use std::collections::BTreeMap;

use crate::sim::config::NodeId;
use crate::sim::message::Message;
use crate::sim::store_config::{CapMode, ReplicaConfig, Resolve};

use super::Ctx;
use super::Timer;
use msg::{KvMsg, KvResult};
use version::{Version, Versioned, merge};

/// Timers of the store's nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KvTimer {
    /// Replica: the operation in `slot` waited its quorum timeout.
    Quorum { slot: u32, generation: u32 },
    /// Replica: time to push the store to the peers.
    AntiEntropy,
    /// Store client: the next operation starts.
    Arrival { generation: u32 },
    /// Store client: operation `op` timed out.
    OpTimeout { op: u64 },
    /// Raft: no word from a leader for an election timeout.
    Election { generation: u32 },
    /// Raft leader: time for heartbeats.
    Heartbeat { generation: u32 },
}

enum Kind {
    Read,
    Write,
}

/// An operation this replica coordinates.
struct Coordinating {
    client: NodeId,
    op: u64,
    key: u64,
    kind: Kind,
    generation: u32,
    /// Replies (reads) or acknowledgements (writes), this replica included.
    count: u32,
    answered: bool,
    /// Reads: the merge of the replies so far.
    merged: Vec<Versioned>,
    /// Each peer that answered, with what it had (reads; empty for writes).
    replies: Vec<(NodeId, Vec<Versioned>)>,
}

/// One replica.
pub struct Replica {
    config: ReplicaConfig,
    data: BTreeMap<u64, Vec<Versioned>>,
    ops: Vec<Option<Coordinating>>,
    free: Vec<u32>,
    generation: u32,
}

fn kv(m: KvMsg) -> Message {
    Message::Kv(Box::new(m))
}

impl Replica {
    /// A replica with an empty store.
    pub fn new(config: ReplicaConfig) -> Self {
        Replica {
            config,
            data: BTreeMap::new(),
            ops: Vec::new(),
            free: Vec::new(),
            generation: 0,
        }
    }

    /// The versions held for `key`.
    pub fn versions(&self, key: u64) -> &[Versioned] {
        self.data.get(&key).map_or(&[], Vec::as_slice)
    }

    /// Operations being coordinated now.
    pub fn coordinating(&self) -> u64 {
        self.ops.iter().filter(|o| o.is_some()).count() as u64
    }

    /// Starts anti-entropy (at the start and after a restart).
    pub fn start(&mut self, ctx: &mut Ctx) {
        if let Some(every) = self.config.anti_entropy {
            ctx.set_timer(every, Timer::Kv(KvTimer::AntiEntropy));
        }
    }

    /// A crash: operations being coordinated are forgotten (their clients
    /// time out); the data stays.
    pub fn crash(&mut self) {
        self.ops.clear();
        self.free.clear();
    }

    /// Handles store traffic from `from`.
    pub fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, msg: KvMsg) {
        ctx.store_op_arrived(&msg);
        match msg {
            KvMsg::Get { op, key } => self.coordinate(ctx, from, op, key, None),
            KvMsg::Put { op, key, value } => self.coordinate(ctx, from, op, key, Some(value)),
            KvMsg::Store { req, key, versions } => {
                self.merge_in(key, &versions);
                ctx.send(from, kv(KvMsg::StoreAck { req }));
            }
            KvMsg::Fetch { req, key } => {
                let versions = self.versions(key).to_vec();
                ctx.send(from, kv(KvMsg::Fetched { req, versions }));
            }
            KvMsg::StoreAck { req } => {
                if let Some(slot) = self.live_slot(req) {
                    self.ack(ctx, slot, from);
                }
            }
            KvMsg::Fetched { req, versions } => {
                if let Some(slot) = self.live_slot(req) {
                    self.fetched(ctx, slot, from, versions);
                }
            }
            KvMsg::Sync { entries } => {
                for (key, versions) in entries {
                    self.merge_in(key, &versions);
                }
            }
            _ => {}
        }
    }

    /// Handles one of its timers.
    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: KvTimer) {
        match timer {
            KvTimer::Quorum { slot, generation } => {
                let live = self
                    .ops
                    .get(slot as usize)
                    .and_then(Option::as_ref)
                    .is_some_and(|o| o.generation == generation);
                if live {
                    self.time_out(ctx, slot);
                }
            }
            KvTimer::AntiEntropy => {
                if let Some(every) = self.config.anti_entropy {
                    let entries: Vec<(u64, Vec<Versioned>)> =
                        self.data.iter().map(|(k, v)| (*k, v.clone())).collect();
                    for &peer in &self.config.peers {
                        ctx.send(
                            peer,
                            kv(KvMsg::Sync {
                                entries: entries.clone(),
                            }),
                        );
                    }
                    ctx.set_timer(every, Timer::Kv(KvTimer::AntiEntropy));
                }
            }
            KvTimer::Arrival { .. }
            | KvTimer::OpTimeout { .. }
            | KvTimer::Election { .. }
            | KvTimer::Heartbeat { .. } => {}
        }
    }

    fn merge_in(&mut self, key: u64, versions: &[Versioned]) {
        let current = self.data.entry(key).or_default();
        merge(current, versions, self.config.resolve);
    }

    fn request_id(slot: u32, generation: u32) -> u64 {
        (u64::from(generation) << 32) | u64::from(slot)
    }

    fn live_slot(&self, req: u64) -> Option<u32> {
        let (slot, generation) = (req as u32, (req >> 32) as u32);
        self.ops
            .get(slot as usize)?
            .as_ref()
            .filter(|o| o.generation == generation)
            .map(|_| slot)
    }

    fn coordinate(&mut self, ctx: &mut Ctx, client: NodeId, op: u64, key: u64, write: Option<u64>) {
        self.generation = self.generation.wrapping_add(1);
        let generation = self.generation;
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.ops.push(None);
                (self.ops.len() - 1) as u32
            }
        };
        let req = Self::request_id(slot, generation);
        let kind = match write {
            Some(value) => {
                let version = match self.config.resolve {
                    Resolve::LastWriteWins => Version::Stamp {
                        ts: ctx.local.0,
                        writer: ctx.me.0,
                    },
                    Resolve::VersionVectors => {
                        let mut vv = version::context(self.versions(key));
                        vv.increment(ctx.me.0);
                        Version::Vector(vv)
                    }
                };
                let v = Versioned { value, version };
                self.merge_in(key, std::slice::from_ref(&v));
                for &peer in &self.config.peers {
                    ctx.send(
                        peer,
                        kv(KvMsg::Store {
                            req,
                            key,
                            versions: vec![v.clone()],
                        }),
                    );
                }
                Kind::Write
            }
            None => {
                for &peer in &self.config.peers {
                    ctx.send(peer, kv(KvMsg::Fetch { req, key }));
                }
                Kind::Read
            }
        };
        self.ops[slot as usize] = Some(Coordinating {
            client,
            op,
            key,
            kind,
            generation,
            count: 1,
            answered: false,
            merged: self.versions(key).to_vec(),
            replies: Vec::new(),
        });
        ctx.set_timer(
            self.config.quorum_timeout,
            Timer::Kv(KvTimer::Quorum { slot, generation }),
        );
        self.maybe_answer(ctx, slot);
    }

    fn ack(&mut self, ctx: &mut Ctx, slot: u32, from: NodeId) {
        if let Some(o) = self.ops[slot as usize].as_mut() {
            o.count += 1;
            // Only who answered matters for a write (see `time_out`).
            o.replies.push((from, Vec::new()));
        }
        self.maybe_answer(ctx, slot);
        self.maybe_finish(ctx, slot);
    }

    fn fetched(&mut self, ctx: &mut Ctx, slot: u32, from: NodeId, versions: Vec<Versioned>) {
        let resolve = self.config.resolve;
        if let Some(o) = self.ops[slot as usize].as_mut() {
            o.count += 1;
            merge(&mut o.merged, &versions, resolve);
            o.replies.push((from, versions));
        }
        self.maybe_answer(ctx, slot);
        self.maybe_finish(ctx, slot);
    }

    /// Answers the client once the quorum is in.
    fn maybe_answer(&mut self, ctx: &mut Ctx, slot: u32) {
        let (r, w) = (self.config.read_quorum, self.config.write_quorum);
        let Some(o) = self.ops[slot as usize].as_mut() else {
            return;
        };
        let quorum = match o.kind {
            Kind::Read => r,
            Kind::Write => w,
        };
        if !o.answered && o.count >= quorum {
            o.answered = true;
            let result = result_of(o);
            ctx.send(o.client, kv(KvMsg::Done { op: o.op, result }));
        }
        self.maybe_finish(ctx, slot);
    }

    /// Retires the operation once every replica has answered.
    fn maybe_finish(&mut self, ctx: &mut Ctx, slot: u32) {
        let all = self.config.peers.len() as u32 + 1;
        if self.ops[slot as usize]
            .as_ref()
            .is_some_and(|o| o.answered && o.count >= all)
        {
            self.retire(ctx, slot);
        }
    }

    fn time_out(&mut self, ctx: &mut Ctx, slot: u32) {
        if let Some(o) = self.ops[slot as usize].as_mut() {
            // Each peer that has not answered by now failed this request.
            let me = ctx.me.index();
            for &peer in &self.config.peers {
                if !o.replies.iter().any(|(p, _)| *p == peer) {
                    ctx.rec().edge_failure(me, peer.index());
                }
            }
            if !o.answered {
                o.answered = true;
                let result = match self.config.mode {
                    CapMode::Consistent => KvResult::Unavailable,
                    CapMode::Available => result_of(o),
                };
                ctx.send(o.client, kv(KvMsg::Done { op: o.op, result }));
            }
        }
        self.retire(ctx, slot);
    }

    /// Frees the slot; a read repairs the replies that were behind (and this replica).
    fn retire(&mut self, ctx: &mut Ctx, slot: u32) {
        let Some(o) = self.ops[slot as usize].take() else {
            return;
        };
        self.free.push(slot);
        if let Kind::Read = o.kind {
            self.merge_in(o.key, &o.merged);
            for (peer, had) in &o.replies {
                if *had != o.merged {
                    ctx.rec().read_repair();
                    ctx.send(
                        *peer,
                        kv(KvMsg::Store {
                            req: u64::MAX,
                            key: o.key,
                            versions: o.merged.clone(),
                        }),
                    );
                }
            }
        }
    }
}

fn result_of(o: &Coordinating) -> KvResult {
    match o.kind {
        Kind::Read => KvResult::Read(o.merged.iter().map(|v| v.value).collect()),
        Kind::Write => KvResult::Written,
    }
}
