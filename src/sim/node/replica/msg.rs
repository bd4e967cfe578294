//! What replicas and their clients send each other.

use super::version::Versioned;

/// An operation's outcome, as the coordinator answers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KvResult {
    /// A read's values: empty when the key was never written, more than one
    /// when concurrent versions (siblings) exist.
    Read(Vec<u64>),
    /// The write was acknowledged.
    Written,
    /// The quorum was not reached and the store is consistent-mode: refused.
    Unavailable,
}

/// Replicated-store traffic.
#[derive(Clone, Debug, PartialEq)]
pub enum KvMsg {
    /// Client → coordinator: read `key`.
    Get {
        /// The client's operation id, echoed back.
        op: u64,
        /// The key.
        key: u64,
    },
    /// Client → coordinator: write `value` to `key`.
    Put {
        /// The client's operation id, echoed back.
        op: u64,
        /// The key.
        key: u64,
        /// The value (unique in the run).
        value: u64,
    },
    /// Coordinator → client: how operation `op` went.
    Done {
        /// The client's operation id.
        op: u64,
        /// The outcome.
        result: KvResult,
    },
    /// Coordinator → replica: merge these versions of `key` and acknowledge.
    Store {
        /// The coordinator's request id.
        req: u64,
        /// The key.
        key: u64,
        /// Versions to merge.
        versions: Vec<Versioned>,
    },
    /// Replica → coordinator: stored.
    StoreAck {
        /// The coordinator's request id.
        req: u64,
    },
    /// Coordinator → replica: send your versions of `key`.
    Fetch {
        /// The coordinator's request id.
        req: u64,
        /// The key.
        key: u64,
    },
    /// Replica → coordinator: my versions of the key asked for.
    Fetched {
        /// The coordinator's request id.
        req: u64,
        /// The replica's versions (empty: never written).
        versions: Vec<Versioned>,
    },
    /// Raft node → client: I am not the leader; try `leader` (if known).
    Redirect {
        /// The client's operation id.
        op: u64,
        /// The leader this node knows of.
        leader: Option<crate::sim::config::NodeId>,
    },
    /// Raft: a candidate asks for a vote.
    RequestVote {
        /// The candidate's term.
        term: u64,
        /// Index of its last log entry.
        last_index: u64,
        /// Term of its last log entry.
        last_term: u64,
    },
    /// Raft pre-vote: would you vote for me in `term` (my term + 1)? Asking
    /// changes no one's term or vote.
    PreVote {
        /// The term the asker would campaign in.
        term: u64,
        /// Index of its last log entry.
        last_index: u64,
        /// Term of its last log entry.
        last_term: u64,
    },
    /// Raft: the answer to a pre-vote.
    PreVoted {
        /// The answerer's term.
        term: u64,
        /// Whether it would vote.
        granted: bool,
    },
    /// Raft: the answer to a vote request.
    Vote {
        /// The voter's term.
        term: u64,
        /// Whether the vote was granted.
        granted: bool,
    },
    /// Raft: the leader replicates entries (none: a heartbeat).
    Append {
        /// The leader's term.
        term: u64,
        /// Index of the entry just before `entries`.
        prev_index: u64,
        /// Its term.
        prev_term: u64,
        /// Entries to store after it.
        entries: Vec<super::raft::Entry>,
        /// The leader's commit index.
        commit: u64,
        /// The leader's local clock when it sent this (echoed back, for leases).
        stamp: i64,
    },
    /// Raft: the answer to `Append`.
    Appended {
        /// The follower's term.
        term: u64,
        /// Whether its log matched at `prev_index`.
        success: bool,
        /// Success: the last index it now holds from the leader; failure:
        /// its last index (a hint for where to back up to).
        index: u64,
        /// The `stamp` of the `Append` answered.
        stamp: i64,
    },
    /// Raft: the leader's snapshot, for a follower that needs entries the
    /// leader has compacted away. Answered with `Appended`.
    InstallSnapshot {
        /// The leader's term.
        term: u64,
        /// The last index the snapshot covers.
        last_index: u64,
        /// That entry's term.
        last_term: u64,
        /// The state after applying entries 1 to `last_index`: `(key, value)`
        /// in key order.
        state: Vec<(u64, u64)>,
        /// The leader's local clock when it sent this (echoed back, for leases).
        stamp: i64,
    },
    /// Anti-entropy: the sender's whole store, to merge.
    Sync {
        /// `(key, versions)` in key order.
        entries: Vec<(u64, Vec<Versioned>)>,
    },
}

impl KvMsg {
    /// Whether this is a request one replica sends another (replication,
    /// repair, anti-entropy, votes, pre-votes, appends, heartbeats and snapshots): the window
    /// counts these on the link between the two, as calls and attempts.
    pub fn is_peer_request(&self) -> bool {
        match self {
            KvMsg::Store { .. }
            | KvMsg::Fetch { .. }
            | KvMsg::Sync { .. }
            | KvMsg::RequestVote { .. }
            | KvMsg::PreVote { .. }
            | KvMsg::Append { .. }
            | KvMsg::InstallSnapshot { .. } => true,
            KvMsg::Get { .. }
            | KvMsg::Put { .. }
            | KvMsg::Done { .. }
            | KvMsg::StoreAck { .. }
            | KvMsg::Fetched { .. }
            | KvMsg::Redirect { .. }
            | KvMsg::Vote { .. }
            | KvMsg::PreVoted { .. }
            | KvMsg::Appended { .. } => false,
        }
    }
}
