//! A Raft-replicated key-value store (Ongaro & Ousterhout 2014): terms,
//! randomized election timeouts on each node's local clock, votes, a leader
//! that orders every operation (reads too) in its log and applies it once a
//! majority stored it, followers that redirect clients to the leader, and a
//! leader that steps down when it has not heard from a majority for an
//! election timeout (so a leader cut off in a minority stops serving).
//! With pre-vote on, a node first asks whether it could win before raising
//! its term, so a node back from a minority does not depose a working leader.
//!
//! The term, vote, snapshot and log survive a crash (they are on disk); the
//! commit index and the applied state are rebuilt from the snapshot and the
//! log. Once the log holds more than `max_log` entries the applied prefix is
//! compacted into the snapshot; a follower that needs a compacted entry
//! gets the snapshot (`InstallSnapshot`).

use std::collections::BTreeMap;

use rand::RngExt;

use crate::sim::clock::LocalTime;
use crate::sim::config::NodeId;
use crate::sim::message::Message;
use crate::sim::rng::{SimRng, stream};
use crate::sim::store_config::RaftConfig;
use crate::sim::time::SimDuration;

use super::super::{Ctx, Timer};
use super::KvTimer;
use super::msg::{KvMsg, KvResult};

/// Entries sent in one `Append` at most.
const MAX_BATCH: usize = 64;
/// The `op` of the no-op entry a new leader appends.
const NOOP: u64 = u64::MAX;

/// One log entry: a client's operation (reads are ordered too).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The term it was appended in.
    pub term: u64,
    /// The key.
    pub key: u64,
    /// The value written; `None`: a read.
    pub write: Option<u64>,
    /// The client to answer.
    pub client: NodeId,
    /// The client's operation id ([`NOOP`] for a leader's no-op).
    pub op: u64,
}

/// A node's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Follows a leader (or waits for one).
    Follower,
    /// Asks for votes.
    Candidate,
    /// Orders operations.
    Leader,
}

/// One Raft node.
pub struct RaftNode {
    config: RaftConfig,
    rng: SimRng,
    term: u64,
    voted_for: Option<NodeId>,
    /// Entries `snap_index + 1 ..= snap_index + log.len()`.
    log: Vec<Entry>,
    /// The last index the snapshot covers, and its term.
    snap_index: u64,
    snap_term: u64,
    /// The state after applying entries up to `snap_index`.
    snap_kv: BTreeMap<u64, u64>,
    commit: u64,
    applied: u64,
    kv: BTreeMap<u64, u64>,
    role: Role,
    leader: Option<NodeId>,
    votes: Vec<NodeId>,
    /// Pre-vote under way: who said they would vote (itself included).
    pre_votes: Option<Vec<NodeId>>,
    next: Vec<u64>,
    matched: Vec<u64>,
    heard: Vec<LocalTime>,
    /// Leader: per peer, the latest `stamp` it answered in this term.
    acked: Vec<i64>,
    /// Leader: reads are answered locally before this (local time).
    lease_until: LocalTime,
    /// Follower: when it last heard from its leader (local time).
    heard_leader: Option<LocalTime>,
    election_generation: u32,
    heartbeat_generation: u32,
}

fn kv(m: KvMsg) -> Message {
    Message::Kv(Box::new(m))
}

/// Answers an `Append` (echoing its `stamp`).
fn reply(ctx: &mut Ctx, leader: NodeId, term: u64, success: bool, index: u64, stamp: i64) {
    ctx.send(
        leader,
        kv(KvMsg::Appended {
            term,
            success,
            index,
            stamp,
        }),
    );
}

impl RaftNode {
    /// A node with an empty log, in term 0.
    pub fn new(seed: u64, name: &str, config: RaftConfig) -> Self {
        let n = config.peers.len();
        RaftNode {
            rng: stream(seed, &format!("{name}/election")),
            config,
            term: 0,
            voted_for: None,
            log: Vec::new(),
            snap_index: 0,
            snap_term: 0,
            snap_kv: BTreeMap::new(),
            commit: 0,
            applied: 0,
            kv: BTreeMap::new(),
            role: Role::Follower,
            leader: None,
            votes: Vec::new(),
            pre_votes: None,
            next: vec![1; n],
            matched: vec![0; n],
            heard: vec![LocalTime(0); n],
            acked: vec![i64::MIN; n],
            lease_until: LocalTime(i64::MIN),
            heard_leader: None,
            election_generation: 0,
            heartbeat_generation: 0,
        }
    }

    /// Role, term and commit index.
    pub fn status(&self) -> (Role, u64, u64) {
        (self.role, self.term, self.commit)
    }

    /// Its log's tail (the last `tail` entries), the leader it knows and, when
    /// leading, which peers it heard from within the election timeout;
    /// `local` is its clock now.
    pub fn detail(&self, local: LocalTime, tail: usize) -> crate::sim::view::NodeDetail {
        use crate::sim::view::{LogLine, NodeDetail, PeerView};
        let from = self.log.len().saturating_sub(tail);
        let log_tail = self.log[from..]
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let index = self.snap_index + (from + i + 1) as u64;
                let what = match (e.op, e.write) {
                    (NOOP, _) => "no-op".to_string(),
                    (_, Some(v)) => format!("put k{} = {v}", e.key),
                    (_, None) => format!("get k{}", e.key),
                };
                LogLine {
                    index,
                    term: e.term,
                    what,
                    committed: index <= self.commit,
                }
            })
            .collect();
        let peers = if self.role == Role::Leader {
            self.config
                .peers
                .iter()
                .zip(&self.heard)
                .map(|(&node, &h)| {
                    let ago = local.since(h);
                    PeerView {
                        node,
                        alive: ago <= self.config.election_max,
                        heard_ms_ago: Some(ago.as_millis_f64()),
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        NodeDetail {
            log_len: self.log.len() as u64,
            compacted: self.snap_index,
            applied: self.applied,
            log_tail,
            leader: self.leader,
            peers,
        }
    }

    fn majority(&self) -> usize {
        let size = self.config.peers.len() + 1;
        size / 2 + 1
    }

    fn last_index(&self) -> u64 {
        self.snap_index + self.log.len() as u64
    }

    /// The entry at `index`, unless compacted (or beyond the log).
    fn entry(&self, index: u64) -> Option<&Entry> {
        let i = index.checked_sub(self.snap_index + 1)?;
        self.log.get(i as usize)
    }

    /// The term of the entry at `index` (0 for index 0 and for compacted
    /// entries other than the snapshot's last).
    fn term_at(&self, index: u64) -> u64 {
        if index == self.snap_index {
            return self.snap_term;
        }
        self.entry(index).map_or(0, |e| e.term)
    }

    fn peer_slot(&self, node: NodeId) -> Option<usize> {
        self.config.peers.iter().position(|&p| p == node)
    }

    /// Starts as a follower (at the start and after a restart).
    pub fn start(&mut self, ctx: &mut Ctx) {
        self.role = Role::Follower;
        self.leader = None;
        self.reset_election(ctx);
    }

    /// A crash: volatile state is lost; term, vote and log are kept.
    pub fn crash(&mut self) {
        self.role = Role::Follower;
        self.leader = None;
        self.lease_until = LocalTime(i64::MIN);
        self.heard_leader = None;
        self.commit = self.snap_index;
        self.applied = self.snap_index;
        self.kv = self.snap_kv.clone();
        self.votes.clear();
        self.pre_votes = None;
    }

    fn reset_election(&mut self, ctx: &mut Ctx) {
        self.election_generation = self.election_generation.wrapping_add(1);
        let (lo, hi) = (
            self.config.election_min.as_nanos(),
            self.config.election_max.as_nanos(),
        );
        let delay = SimDuration(self.rng.random_range(lo..=hi.max(lo)));
        let generation = self.election_generation;
        ctx.set_timer(delay, Timer::Kv(KvTimer::Election { generation }));
    }

    fn step_down(&mut self, ctx: &mut Ctx, term: u64) {
        if term > self.term {
            self.term = term;
            self.voted_for = None;
            self.pre_votes = None;
        }
        if self.role != Role::Follower {
            self.role = Role::Follower;
            self.reset_election(ctx);
        }
    }

    /// Handles one of its timers.
    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: KvTimer) {
        match timer {
            KvTimer::Election { generation }
                if generation == self.election_generation && self.role != Role::Leader =>
            {
                if self.config.pre_vote {
                    self.pre_campaign(ctx);
                } else {
                    self.campaign(ctx);
                }
            }
            KvTimer::Heartbeat { generation }
                if generation == self.heartbeat_generation && self.role == Role::Leader =>
            {
                // With a lease, keep the role while the lease may run (the
                // lease itself stops local reads when it ends).
                let window = self
                    .config
                    .election_max
                    .max(self.config.lease.unwrap_or(SimDuration::ZERO));
                let recent = self
                    .heard
                    .iter()
                    .filter(|&&h| ctx.local.since(h) <= window)
                    .count();
                if recent + 1 < self.majority() {
                    // Cut off from a majority: stop serving.
                    self.role = Role::Follower;
                    self.leader = None;
                    self.reset_election(ctx);
                    return;
                }
                self.broadcast(ctx);
                let generation = self.heartbeat_generation;
                ctx.set_timer(
                    self.config.heartbeat,
                    Timer::Kv(KvTimer::Heartbeat { generation }),
                );
            }
            _ => {}
        }
    }

    /// Pre-vote: asks the peers whether they would vote for it in the next
    /// term, without raising its own; campaigns on a majority of yes.
    fn pre_campaign(&mut self, ctx: &mut Ctx) {
        self.leader = None;
        self.pre_votes = Some(vec![ctx.me]);
        let (last_index, last_term) = (self.last_index(), self.term_at(self.last_index()));
        for &p in &self.config.peers {
            ctx.send(
                p,
                kv(KvMsg::PreVote {
                    term: self.term + 1,
                    last_index,
                    last_term,
                }),
            );
        }
        self.reset_election(ctx);
        if self.majority() == 1 {
            self.campaign(ctx);
        }
    }

    /// Whether it would vote for a candidate of `term` with this log: the
    /// term is ahead of its own, the log is at least as up to date, and it
    /// has not heard from a leader within `election_min` (nor is one).
    fn would_vote(&self, now: LocalTime, term: u64, last: (u64, u64)) -> bool {
        let leader_alive = self.role == Role::Leader
            || self
                .heard_leader
                .is_some_and(|h| self.leader.is_some() && now.since(h) < self.config.election_min);
        let mine = (self.term_at(self.last_index()), self.last_index());
        term > self.term && !leader_alive && !self.within_promise(now) && last >= mine
    }

    fn campaign(&mut self, ctx: &mut Ctx) {
        self.pre_votes = None;
        self.term += 1;
        self.role = Role::Candidate;
        self.voted_for = Some(ctx.me);
        self.votes = vec![ctx.me];
        self.leader = None;
        ctx.raft_campaign();
        let (last_index, last_term) = (self.last_index(), self.term_at(self.last_index()));
        for &p in &self.config.peers {
            ctx.send(
                p,
                kv(KvMsg::RequestVote {
                    term: self.term,
                    last_index,
                    last_term,
                }),
            );
        }
        self.reset_election(ctx);
        if self.votes.len() >= self.majority() {
            self.become_leader(ctx);
        }
    }

    fn become_leader(&mut self, ctx: &mut Ctx) {
        self.role = Role::Leader;
        self.leader = Some(ctx.me);
        let n = self.config.peers.len();
        self.next = vec![self.last_index() + 1; n];
        self.matched = vec![0; n];
        self.heard = vec![ctx.local; n];
        self.acked = vec![i64::MIN; n];
        self.lease_until = LocalTime(i64::MIN);
        ctx.raft_leader(self.term);
        // A no-op of its own term lets it commit what earlier leaders left.
        self.log.push(Entry {
            term: self.term,
            key: 0,
            write: None,
            client: ctx.me,
            op: NOOP,
        });
        self.advance_commit(ctx);
        self.broadcast(ctx);
        self.heartbeat_generation = self.heartbeat_generation.wrapping_add(1);
        let generation = self.heartbeat_generation;
        ctx.set_timer(
            self.config.heartbeat,
            Timer::Kv(KvTimer::Heartbeat { generation }),
        );
    }

    fn broadcast(&mut self, ctx: &mut Ctx) {
        for slot in 0..self.config.peers.len() {
            self.send_append(ctx, slot);
        }
    }

    fn send_append(&mut self, ctx: &mut Ctx, slot: usize) {
        let prev_index = self.next[slot].saturating_sub(1).min(self.last_index());
        if prev_index < self.snap_index {
            // What it needs next is compacted: send the snapshot.
            let msg = KvMsg::InstallSnapshot {
                term: self.term,
                last_index: self.snap_index,
                last_term: self.snap_term,
                state: self.snap_kv.iter().map(|(&k, &v)| (k, v)).collect(),
                stamp: ctx.local.0,
            };
            ctx.send(self.config.peers[slot], kv(msg));
            return;
        }
        let from = (prev_index - self.snap_index) as usize;
        let to = (from + MAX_BATCH).min(self.log.len());
        let msg = KvMsg::Append {
            term: self.term,
            prev_index,
            prev_term: self.term_at(prev_index),
            entries: self.log[from..to].to_vec(),
            commit: self.commit,
            stamp: ctx.local.0,
        };
        ctx.send(self.config.peers[slot], kv(msg));
    }

    /// Handles Raft and client traffic from `from`.
    pub fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, msg: KvMsg) {
        ctx.store_op_arrived(&msg);
        match msg {
            KvMsg::Get { op, key } => self.client_op(ctx, from, op, key, None),
            KvMsg::Put { op, key, value } => self.client_op(ctx, from, op, key, Some(value)),
            KvMsg::RequestVote {
                term,
                last_index,
                last_term,
            } => {
                if self.within_promise(ctx.local) {
                    // Lease promise: no vote, and no new term, while the
                    // leader it heard from may still hold a lease.
                    let term = self.term;
                    ctx.send(
                        from,
                        kv(KvMsg::Vote {
                            term,
                            granted: false,
                        }),
                    );
                    return;
                }
                if term > self.term {
                    self.step_down(ctx, term);
                }
                let mine = (self.term_at(self.last_index()), self.last_index());
                let granted = term == self.term
                    && self.voted_for.is_none_or(|v| v == from)
                    && (last_term, last_index) >= mine;
                if granted {
                    self.voted_for = Some(from);
                    self.reset_election(ctx);
                }
                let term = self.term;
                ctx.send(from, kv(KvMsg::Vote { term, granted }));
            }
            KvMsg::PreVote {
                term,
                last_index,
                last_term,
            } => {
                let granted = self.would_vote(ctx.local, term, (last_term, last_index));
                let term = self.term;
                ctx.send(from, kv(KvMsg::PreVoted { term, granted }));
            }
            KvMsg::PreVoted { term, granted } => {
                if !granted && term > self.term {
                    self.step_down(ctx, term);
                } else if let Some(yes) = self.pre_votes.as_mut()
                    && granted
                    && !yes.contains(&from)
                {
                    yes.push(from);
                    if yes.len() >= self.majority() {
                        self.campaign(ctx);
                    }
                }
            }
            KvMsg::Vote { term, granted } => {
                if term > self.term {
                    self.step_down(ctx, term);
                } else if self.role == Role::Candidate
                    && term == self.term
                    && granted
                    && !self.votes.contains(&from)
                {
                    self.votes.push(from);
                    if self.votes.len() >= self.majority() {
                        self.become_leader(ctx);
                    }
                }
            }
            KvMsg::Append {
                term,
                prev_index,
                prev_term,
                entries,
                commit,
                stamp,
            } => self.on_append(
                ctx,
                from,
                term,
                (prev_index, prev_term),
                entries,
                (commit, stamp),
            ),
            KvMsg::Appended {
                term,
                success,
                index,
                stamp,
            } => self.on_appended(ctx, from, term, (success, index), stamp),
            KvMsg::InstallSnapshot {
                term,
                last_index,
                last_term,
                state,
                stamp,
            } => self.on_snapshot(ctx, from, term, (last_index, last_term), state, stamp),
            _ => {}
        }
    }

    fn client_op(&mut self, ctx: &mut Ctx, client: NodeId, op: u64, key: u64, write: Option<u64>) {
        if self.role != Role::Leader {
            let leader = self.leader;
            ctx.send(client, kv(KvMsg::Redirect { op, leader }));
            return;
        }
        if write.is_none() && self.holds_lease(ctx.local) {
            let result = KvResult::Read(self.kv.get(&key).copied().into_iter().collect());
            ctx.send(client, kv(KvMsg::Done { op, result }));
            return;
        }
        self.log.push(Entry {
            term: self.term,
            key,
            write,
            client,
            op,
        });
        self.advance_commit(ctx);
        self.broadcast(ctx);
    }

    /// A message from a leader of `term`: refused (false, answered) when
    /// the term is old; otherwise it follows that leader.
    fn follow(&mut self, ctx: &mut Ctx, leader: NodeId, term: u64, stamp: i64) -> bool {
        if term < self.term {
            reply(ctx, leader, self.term, false, self.last_index(), stamp);
            return false;
        }
        self.heard_leader = Some(ctx.local);
        if term > self.term {
            self.term = term;
            self.voted_for = None;
        }
        self.role = Role::Follower;
        self.leader = Some(leader);
        self.pre_votes = None;
        self.reset_election(ctx);
        true
    }

    fn on_append(
        &mut self,
        ctx: &mut Ctx,
        leader: NodeId,
        term: u64,
        (mut prev_index, mut prev_term): (u64, u64),
        mut entries: Vec<Entry>,
        (commit, stamp): (u64, i64),
    ) {
        if !self.follow(ctx, leader, term, stamp) {
            return;
        }
        if prev_index < self.snap_index {
            // The first entries are in its snapshot: committed, so the
            // leader's agree with them. Start after the snapshot.
            let skip = (self.snap_index - prev_index) as usize;
            if skip > entries.len() {
                let matched = prev_index + entries.len() as u64;
                reply(ctx, leader, term, true, matched, stamp);
                return;
            }
            entries.drain(..skip);
            (prev_index, prev_term) = (self.snap_index, self.snap_term);
        }
        if prev_index > self.last_index() || self.term_at(prev_index) != prev_term {
            let index = self.last_index().min(prev_index.saturating_sub(1));
            reply(ctx, leader, term, false, index, stamp);
            return;
        }
        let count = entries.len() as u64;
        for (k, e) in entries.into_iter().enumerate() {
            let index = prev_index + 1 + k as u64;
            if index <= self.last_index() {
                if self.term_at(index) == e.term {
                    continue;
                }
                self.log.truncate((index - self.snap_index - 1) as usize);
            }
            self.log.push(e);
        }
        let matched = prev_index + count;
        if commit > self.commit {
            self.commit = commit.min(matched).max(self.commit);
            self.apply(ctx);
        }
        reply(ctx, leader, term, true, matched, stamp);
    }

    /// A leader's snapshot: keeps the log after it if the log holds the
    /// snapshot's last entry, else starts from the snapshot alone.
    fn on_snapshot(
        &mut self,
        ctx: &mut Ctx,
        leader: NodeId,
        term: u64,
        (last_index, last_term): (u64, u64),
        state: Vec<(u64, u64)>,
        stamp: i64,
    ) {
        if !self.follow(ctx, leader, term, stamp) {
            return;
        }
        if last_index > self.snap_index {
            if self.last_index() >= last_index && self.term_at(last_index) == last_term {
                self.log.drain(..(last_index - self.snap_index) as usize);
            } else {
                self.log.clear();
            }
            self.snap_index = last_index;
            self.snap_term = last_term;
            self.snap_kv = state.into_iter().collect();
            if self.applied < last_index {
                self.kv = self.snap_kv.clone();
                self.applied = last_index;
                self.commit = self.commit.max(last_index);
            }
        }
        reply(ctx, leader, term, true, last_index, stamp);
    }

    /// Once the log holds more than `max_log` entries, replaces the applied
    /// prefix by the state, keeping the newest `max_log / 2` entries for
    /// followers a little behind.
    fn compact(&mut self) {
        if self.log.len() as u64 <= self.config.max_log {
            return;
        }
        let upto = self
            .applied
            .min(self.last_index() - self.config.max_log / 2);
        if upto <= self.snap_index {
            return;
        }
        // The state at `upto`: the snapshot's, then the entries after it.
        let mut state = std::mem::take(&mut self.snap_kv);
        for e in self.log.drain(..(upto - self.snap_index) as usize) {
            if let Some(v) = e.write {
                state.insert(e.key, v);
            }
            self.snap_term = e.term;
        }
        self.snap_kv = state;
        self.snap_index = upto;
    }

    /// Leader with a lease: whether it may answer a read itself at local
    /// time `now` (its lease runs and it has committed an entry of its term,
    /// so its state holds every committed write).
    fn holds_lease(&self, now: LocalTime) -> bool {
        self.config.lease.is_some()
            && now < self.lease_until
            && self.term_at(self.commit) == self.term
    }

    /// Follower with a lease configured: whether it heard from its leader
    /// less than a lease ago (and so must not help elect another).
    fn within_promise(&self, now: LocalTime) -> bool {
        match (self.config.lease, self.heard_leader) {
            (Some(lease), Some(h)) => {
                self.role == Role::Follower && self.leader.is_some() && now.since(h) < lease
            }
            _ => false,
        }
    }

    /// A peer answered an append sent at (leader-local) `stamp` in this
    /// term: the lease runs from the latest stamp a majority (counting the
    /// leader) has answered.
    fn renew_lease(&mut self, slot: usize, stamp: i64) {
        let Some(lease) = self.config.lease else {
            return;
        };
        self.acked[slot] = self.acked[slot].max(stamp);
        let mut stamps = self.acked.clone();
        stamps.sort_unstable_by(|a, b| b.cmp(a));
        // The leader itself is one of the majority: it needs majority − 1 peers.
        if let Some(&start) = self.majority().checked_sub(2).and_then(|k| stamps.get(k))
            && start > i64::MIN
        {
            self.lease_until = self.lease_until.max(LocalTime(start).plus(lease));
        }
    }

    fn on_appended(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        term: u64,
        (success, index): (bool, u64),
        stamp: i64,
    ) {
        if term > self.term {
            self.step_down(ctx, term);
            return;
        }
        let Some(slot) = self.peer_slot(from) else {
            return;
        };
        if self.role != Role::Leader || term != self.term {
            return;
        }
        self.heard[slot] = ctx.local;
        self.renew_lease(slot, stamp);
        if success {
            self.matched[slot] = self.matched[slot].max(index);
            self.next[slot] = self.matched[slot] + 1;
            self.advance_commit(ctx);
            if self.next[slot] <= self.last_index() {
                self.send_append(ctx, slot);
            }
        } else {
            self.next[slot] = (index + 1).min(self.next[slot].saturating_sub(1)).max(1);
            self.send_append(ctx, slot);
        }
    }

    fn advance_commit(&mut self, ctx: &mut Ctx) {
        let majority = self.majority();
        let mut n = self.last_index();
        while n > self.commit && self.term_at(n) == self.term {
            let stored = 1 + self.matched.iter().filter(|&&m| m >= n).count();
            if stored >= majority {
                self.commit = n;
                self.apply(ctx);
                return;
            }
            n -= 1;
        }
    }

    fn apply(&mut self, ctx: &mut Ctx) {
        while self.applied < self.commit {
            let Some(e) = self.entry(self.applied + 1).cloned() else {
                break;
            };
            self.applied += 1;
            ctx.raft_applied(self.applied, e.term, e.client.0, e.op);
            let result = match e.write {
                Some(v) => {
                    self.kv.insert(e.key, v);
                    KvResult::Written
                }
                None => KvResult::Read(self.kv.get(&e.key).copied().into_iter().collect()),
            };
            if self.role == Role::Leader && e.op != NOOP {
                ctx.send(e.client, kv(KvMsg::Done { op: e.op, result }));
            }
        }
        self.compact();
    }
}
