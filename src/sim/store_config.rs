//! Configuration of the replicated-state nodes: store replicas, the clients
//! that read and write them, and failure-detector monitors. Re-exported by
//! [`crate::sim::config`]; kept here so the shared config file stays small.

use super::config::{Arrivals, KeySpace, NodeId, NodeKind, SimConfig};
use super::time::SimDuration;

/// How replicas settle two versions of a key written independently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolve {
    /// Last write wins on the coordinator's local timestamp (ties: higher
    /// node index). A coordinator whose clock is behind loses acknowledged writes.
    LastWriteWins,
    /// Version vectors: concurrent versions are kept side by side as
    /// siblings and returned together by reads; nothing is dropped.
    VersionVectors,
}

/// The CAP choice when a coordinator cannot reach its quorum in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapMode {
    /// Refuse: the operation fails (a write's outcome is then unknown, as it
    /// may have reached some replicas).
    Consistent,
    /// Accept: answer with whatever replicas did reply (at least this one);
    /// replicas reconcile later by read repair and anti-entropy.
    Available,
}

/// One replica of a leaderless store. Every replica holds every key; any
/// replica coordinates the operations its clients send it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaConfig {
    /// The other replicas of the store (N = peers + 1).
    pub peers: Vec<NodeId>,
    /// Replies (this replica included) a read waits for.
    pub read_quorum: u32,
    /// Acknowledgements (this replica included) a write waits for.
    pub write_quorum: u32,
    /// Conflict resolution.
    pub resolve: Resolve,
    /// What to do when the quorum is not reached in time.
    pub mode: CapMode,
    /// How long (local time) a coordinator waits for its quorum.
    pub quorum_timeout: SimDuration,
    /// Every this long (local time) push the whole store to each peer; `None`: never.
    pub anti_entropy: Option<SimDuration>,
}

/// A client of a replicated store: an open-loop mix of reads and writes.
#[derive(Clone, Debug, PartialEq)]
pub struct StoreClientConfig {
    /// The replica that coordinates its operations.
    pub target: NodeId,
    /// When operations start.
    pub arrivals: Arrivals,
    /// Which keys operations touch.
    pub keys: KeySpace,
    /// Fraction of operations that are writes; each write writes a value
    /// unique in the run.
    pub write_fraction: f64,
    /// Give up on an operation after this long (local time); its outcome is unknown.
    pub timeout: SimDuration,
    /// After each acknowledged write, read the same key back at once.
    pub read_after_write: bool,
}

/// A failure detector's rule for suspecting a node.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DetectorConfig {
    /// Suspect when no heartbeat has arrived for `timeout` (local time).
    FixedTimeout {
        /// Silence that raises suspicion.
        timeout: SimDuration,
    },
    /// Phi accrual (Hayashibara et al. 2004): suspect when
    /// φ = −log10 P(next heartbeat later than now) exceeds `threshold`,
    /// under a normal fit of the last `window` inter-arrival times.
    PhiAccrual {
        /// Suspicion level (e.g. 8).
        threshold: f64,
        /// Inter-arrival times remembered.
        window: u32,
        /// Floor on the fitted standard deviation.
        min_std: SimDuration,
    },
}

/// A node that watches others with a failure detector: it probes each every
/// `interval` and counts an answer as a heartbeat.
#[derive(Clone, Debug, PartialEq)]
pub struct MonitorConfig {
    /// The nodes watched.
    pub watch: Vec<NodeId>,
    /// Time between probes (local time).
    pub interval: SimDuration,
    /// The detector.
    pub detector: DetectorConfig,
}

/// One node of a Raft-replicated key-value store: a leader orders every
/// operation in its log and applies it once a majority stored it.
#[derive(Clone, Debug, PartialEq)]
pub struct RaftConfig {
    /// The other members (cluster size = peers + 1).
    pub peers: Vec<NodeId>,
    /// Shortest election timeout (local time).
    pub election_min: SimDuration,
    /// Longest election timeout; each timeout is uniform in `[min, max]`.
    pub election_max: SimDuration,
    /// Time between a leader's heartbeats (local time).
    pub heartbeat: SimDuration,
    /// Leader lease (local time): a leader answers reads itself until this
    /// long after sending the latest append a majority answered, and a
    /// follower grants no vote for this long after hearing from its leader.
    /// `None`: every read goes through the log.
    pub lease: Option<SimDuration>,
    /// Pre-vote (Raft thesis §9.6): before raising its term, a node whose
    /// election timer fired asks whether a majority would vote for it; a
    /// node that heard from a leader within `election_min` says no. So a
    /// node cut off in a minority keeps its term and does not depose the
    /// leader when it comes back.
    pub pre_vote: bool,
    /// Log compaction: once the log holds more than this many entries, the
    /// applied prefix (all but the newest `max_log / 2` entries) is replaced
    /// by a snapshot of the state; a follower that needs a compacted entry
    /// receives the snapshot instead.
    pub max_log: u64,
}

/// Which store each node belongs to, by node index: replicas and Raft nodes
/// joined by `peers` (in either direction) form one store, named by its
/// lowest node index; a store client belongs to its target's store; any
/// other node is a store of its own. Two stores' keys are unrelated
/// registers, so the consistency checker tells them apart by this.
pub fn store_of(config: &SimConfig) -> Vec<u32> {
    let n = config.nodes.len();
    let mut root: Vec<usize> = (0..n).collect();
    fn find(root: &mut [usize], mut i: usize) -> usize {
        while root[i] != i {
            root[i] = root[root[i]];
            i = root[i];
        }
        i
    }
    for (i, node) in config.nodes.iter().enumerate() {
        let peers = match &node.kind {
            NodeKind::Replica(r) => &r.peers,
            NodeKind::Raft(r) => &r.peers,
            _ => continue,
        };
        for p in peers {
            let (a, b) = (find(&mut root, i), find(&mut root, p.index()));
            // The lower index becomes the root, so a store is named by its lowest member.
            let (lo, hi) = (a.min(b), a.max(b));
            root[hi] = lo;
        }
    }
    (0..n)
        .map(|i| {
            let member = match &config.nodes[i].kind {
                NodeKind::StoreClient(c) => c.target.index(),
                _ => i,
            };
            find(&mut root, member) as u32
        })
        .collect()
}
