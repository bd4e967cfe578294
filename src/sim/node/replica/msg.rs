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
    /// Anti-entropy: the sender's whole store, to merge.
    Sync {
        /// `(key, versions)` in key order.
        entries: Vec<(u64, Vec<Versioned>)>,
    },
}
