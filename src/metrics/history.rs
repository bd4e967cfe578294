//! The history of a run's store operations: each read and write with its
//! invocation and completion (true time and position in the history), key,
//! value and outcome. The consistency checker (`crate::check`) reads it.

use crate::sim::time::SimTime;

/// Operations a history keeps; later ones are counted as dropped, not recorded.
pub const MAX_HISTORY_OPS: usize = 200_000;

/// How an operation ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Not answered yet.
    Pending,
    /// A read succeeded with these values (empty: never written; several: siblings).
    Read(Vec<u64>),
    /// A write was acknowledged.
    Written,
    /// Definitely did not happen (a refused read).
    Failed,
    /// May or may not have taken effect (timeout, crash, a refused write).
    Unknown,
}

/// One operation.
#[derive(Clone, Debug, PartialEq)]
pub struct OpRecord {
    /// The client's node index.
    pub client: u32,
    /// Which store it went to (see [`crate::sim::store_config::store_of`]):
    /// the same key in two stores is two registers.
    pub store: u32,
    /// The key.
    pub key: u64,
    /// The value written, for a write.
    pub write: Option<u64>,
    /// When it was invoked (true time).
    pub invoke: SimTime,
    /// Its invocation's position among all invocations and completions.
    pub invoke_seq: u64,
    /// When it completed and that position; `None` while pending or unknown.
    pub complete: Option<(SimTime, u64)>,
    /// How it ended.
    pub outcome: Outcome,
}

/// A run's operations, in invocation order.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// The operations recorded.
    pub ops: Vec<OpRecord>,
    /// Operations not recorded because the history was full.
    pub dropped: u64,
    /// When each finished operation ended as its client saw it (unknown
    /// outcomes included), and whether it succeeded; in order of ending.
    pub ended: Vec<(SimTime, bool)>,
    seq: u64,
}

impl History {
    /// Records an invocation at `now` by `client` of `store`; returns its id (`usize::MAX` when full).
    pub fn invoke(
        &mut self,
        now: SimTime,
        client: u32,
        store: u32,
        key: u64,
        write: Option<u64>,
    ) -> usize {
        if self.ops.len() >= MAX_HISTORY_OPS {
            self.dropped += 1;
            return usize::MAX;
        }
        self.seq += 1;
        self.ops.push(OpRecord {
            client,
            store,
            key,
            write,
            invoke: now,
            invoke_seq: self.seq,
            complete: None,
            outcome: Outcome::Pending,
        });
        self.ops.len() - 1
    }

    /// Records how operation `id` ended, at `now`. An unknown outcome has no
    /// completion: the operation may take effect at any later moment.
    pub fn complete(&mut self, now: SimTime, id: usize, outcome: Outcome) {
        let Some(op) = self.ops.get_mut(id) else {
            return;
        };
        if op.outcome != Outcome::Pending {
            return;
        }
        self.seq += 1;
        let ok = matches!(outcome, Outcome::Read(_) | Outcome::Written);
        self.ended.push((now, ok));
        if outcome != Outcome::Unknown {
            op.complete = Some((now, self.seq));
        }
        op.outcome = outcome;
    }

    /// Marks every operation still pending as unknown (at the end of a run).
    pub fn close(&mut self) {
        for op in &mut self.ops {
            if op.outcome == Outcome::Pending {
                op.outcome = Outcome::Unknown;
            }
        }
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty() && self.dropped == 0
    }
}
