//! A read-only picture of a running simulation, for the live runner.

use super::config::NodeId;

/// One node now.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NodeView {
    /// Whether it is up.
    pub up: bool,
    /// Workers busy (requests in progress for caches, deliveries outstanding for queues).
    pub busy: u64,
    /// Requests (or messages) waiting.
    pub queued: u64,
    /// Work-time multiplier.
    pub slow: f64,
    /// Parallel workers now (services only).
    pub workers: Option<u32>,
    /// Local clock minus true time, in nanoseconds.
    pub clock_offset_ns: i64,
    /// Clock rate error in parts per million.
    pub drift_ppm: i64,
    /// A Raft node's role, term and commit index.
    pub raft: Option<RaftView>,
}

/// A Raft node now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RaftView {
    /// `leader`, `follower` or `candidate`.
    pub role: &'static str,
    /// Its current term.
    pub term: u64,
    /// Its commit index.
    pub commit: u64,
}

/// One caller → callee edge over the last closed window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EdgeView {
    /// Caller.
    pub from: NodeId,
    /// Callee.
    pub to: NodeId,
    /// Attempts sent in the last closed window.
    pub attempts: u64,
    /// Of those, attempts that failed (error or refusal answer, or timeout).
    pub failures: u64,
}

/// What the inspector shows of a Raft node or a monitor beyond its figures.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeDetail {
    /// The entries a Raft node's log holds (those not compacted).
    pub log_len: u64,
    /// The last index a Raft node's snapshot covers (0: none).
    pub compacted: u64,
    /// The last index a Raft node applied.
    pub applied: u64,
    /// The last entries of a Raft node's log, oldest first.
    pub log_tail: Vec<LogLine>,
    /// The leader a Raft node follows (itself when leading), if it knows one.
    pub leader: Option<NodeId>,
    /// Who it believes is alive: a monitor's watched nodes, a leader's peers.
    pub peers: Vec<PeerView>,
}

/// One entry of a Raft log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// Its index (1-based).
    pub index: u64,
    /// The term it was appended in.
    pub term: u64,
    /// What it does: `put k3 = 17`, `get k3`, `no-op`.
    pub what: String,
    /// Committed (known stored on a majority).
    pub committed: bool,
}

/// One node as another sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PeerView {
    /// The node seen.
    pub node: NodeId,
    /// Believed alive (not suspected; heard from within the election timeout).
    pub alive: bool,
    /// Time since it was last heard from, on the observer's clock (ms).
    pub heard_ms_ago: Option<f64>,
}

/// One replica of a balancer's pool as the balancer sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PoolMember {
    /// The replica.
    pub node: NodeId,
    /// Healthy, suspected by the health checks, or ejected as an outlier.
    pub state: MemberState,
    /// Whether new requests may go to it (a suspect still gets them while
    /// the balancer fails open).
    pub routed: bool,
    /// Time since it last answered a health probe, on the balancer's clock
    /// (ms); `None` without health checks or before its first answer.
    pub heard_ms_ago: Option<f64>,
}

/// What a balancer thinks of one of its replicas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberState {
    /// Takes requests.
    Healthy,
    /// Its health checks went unanswered for too long.
    Suspected,
    /// Left out after failing too often (outlier ejection).
    Ejected,
}

impl MemberState {
    /// `healthy`, `suspected` or `ejected`.
    pub fn label(self) -> &'static str {
        match self {
            MemberState::Healthy => "healthy",
            MemberState::Suspected => "suspected",
            MemberState::Ejected => "ejected",
        }
    }
}
