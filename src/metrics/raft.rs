//! Raft safety as the observer sees it: at most one leader per term, and no
//! two nodes applying different entries at the same log index.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::sim::time::SimTime;

/// Leader elections kept for the summary at most.
pub const MAX_LEADER_RECORDS: usize = 10_000;

/// A node became leader.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LeaderRecord {
    /// When, in simulated seconds.
    pub at_s: f64,
    /// Its term.
    pub term: u64,
    /// The node's index.
    pub node: u32,
}

/// Raft figures over a run (the `raft` section of the JSON summary).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RaftSummary {
    /// Elections started (candidacies).
    pub campaigns: u64,
    /// Leaders elected, in order (the first [`MAX_LEADER_RECORDS`]).
    pub leaders: Vec<LeaderRecord>,
    /// Terms in which two different nodes became leader (must be 0).
    pub split_brain_terms: u64,
    /// Log indexes at which two nodes applied different entries (must be 0).
    pub conflicting_commits: u64,
    /// Highest log index applied anywhere.
    pub committed: u64,
}

/// Collects leadership and applied entries.
#[derive(Clone, Debug, Default)]
pub struct RaftLedger {
    campaigns: u64,
    leader_of: BTreeMap<u64, u32>,
    leaders: Vec<LeaderRecord>,
    split_brain_terms: u64,
    applied: Vec<(u64, u32, u64)>,
    conflicts: u64,
    used: bool,
}

impl RaftLedger {
    /// A node started an election.
    pub fn campaign(&mut self) {
        self.used = true;
        self.campaigns += 1;
    }

    /// `node` became leader of `term` at `now`.
    pub fn leader(&mut self, now: SimTime, term: u64, node: u32) {
        self.used = true;
        match self.leader_of.insert(term, node) {
            Some(other) if other != node => self.split_brain_terms += 1,
            _ => {}
        }
        if self.leaders.len() < MAX_LEADER_RECORDS {
            self.leaders.push(LeaderRecord {
                at_s: now.as_secs_f64(),
                term,
                node,
            });
        }
    }

    /// A node applied the entry (term, client, op) at `index` (1-based).
    pub fn applied(&mut self, index: u64, entry: (u64, u32, u64)) {
        self.used = true;
        let i = index as usize - 1;
        if i == self.applied.len() {
            self.applied.push(entry);
        } else if i < self.applied.len() {
            if self.applied[i] != entry {
                self.conflicts += 1;
            }
        } else {
            // A gap cannot happen (entries apply in order from 1); count it.
            self.conflicts += 1;
        }
    }

    /// The leaders elected so far, in order (the first [`MAX_LEADER_RECORDS`]).
    pub fn leaders(&self) -> &[LeaderRecord] {
        &self.leaders
    }

    /// Whether any Raft node ran.
    pub fn used(&self) -> bool {
        self.used
    }

    /// The summary, when any Raft node ran.
    pub fn summary(&self) -> Option<RaftSummary> {
        self.used.then(|| RaftSummary {
            campaigns: self.campaigns,
            leaders: self.leaders.clone(),
            split_brain_terms: self.split_brain_terms,
            conflicting_commits: self.conflicts,
            committed: self.applied.len() as u64,
        })
    }
}
