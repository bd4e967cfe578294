//! The consistency checker: reads a run's store history and reports stale
//! reads, lost acknowledged writes and, key by key, whether the history is
//! linearizable (each key is one register).

pub mod anomalies;
pub mod linearizable;
pub mod windows;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::metrics::history::{History, OpRecord, Outcome};
use crate::sim::time::SimTime;

use linearizable::{RegKind, RegOp, Verdict};

/// What the checker found in a run's history (the `consistency` section of
/// the JSON summary).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ConsistencySummary {
    /// Operations recorded.
    pub operations: u64,
    /// Operations not recorded because the history was full.
    pub dropped: u64,
    /// Successful reads.
    pub reads_ok: u64,
    /// Acknowledged writes.
    pub writes_ok: u64,
    /// Operations that definitely failed.
    pub failed: u64,
    /// Operations with an unknown outcome (timed out, refused writes).
    pub unknown: u64,
    /// Reads that returned an already overwritten value.
    pub stale_reads: u64,
    /// Acknowledged writes the history proves lost.
    pub lost_writes: u64,
    /// Reads that returned siblings.
    pub sibling_reads: u64,
    /// Reads of a value never written to that key.
    pub phantom_reads: u64,
    /// Keys the linearizability checker gave a verdict for.
    pub keys_checked: u64,
    /// Of those, keys whose history is not linearizable.
    pub keys_not_linearizable: u64,
    /// Keys beyond the checker's limits (no verdict).
    pub keys_too_large: u64,
    /// Stale replicas the coordinators repaired after reads.
    pub read_repairs: u64,
}

pub use windows::WindowConsistency;

/// Checks `history`; `window_ends` are the end times of the run's windows,
/// in order, for the per-window counts.
pub fn analyse(
    history: &History,
    window_ends: &[SimTime],
) -> (ConsistencySummary, Vec<WindowConsistency>) {
    let ops = &history.ops;
    let found = anomalies::find(ops);
    let mut s = ConsistencySummary {
        operations: ops.len() as u64,
        dropped: history.dropped,
        stale_reads: found.stale_reads.len() as u64,
        lost_writes: found.lost_writes.len() as u64,
        sibling_reads: found.sibling_reads,
        phantom_reads: found.phantom_reads,
        ..ConsistencySummary::default()
    };
    for op in ops {
        match op.outcome {
            Outcome::Read(_) => s.reads_ok += 1,
            Outcome::Written => s.writes_ok += 1,
            Outcome::Failed => s.failed += 1,
            Outcome::Unknown | Outcome::Pending => s.unknown += 1,
        }
    }
    let registers = registers(ops);
    let mut violating = Vec::new();
    for (&key, reg) in &registers {
        match linearizable::check(reg) {
            Verdict::Linearizable => s.keys_checked += 1,
            Verdict::Violation => {
                s.keys_checked += 1;
                s.keys_not_linearizable += 1;
                violating.push(key);
            }
            Verdict::TooLarge => s.keys_too_large += 1,
        }
    }
    let mut windows = window_counts(ops, &found, window_ends);
    let cuts = windows::cuts(ops, window_ends);
    windows::linearizability_onsets(&registers, &violating, &cuts, &mut windows);
    (s, windows)
}

/// Stale reads and lost writes per window (no linearizability: that needs
/// the search, which [`analyse`] runs).
pub fn window_counts(
    ops: &[OpRecord],
    found: &anomalies::Anomalies,
    window_ends: &[SimTime],
) -> Vec<WindowConsistency> {
    let mut counts = vec![WindowConsistency::default(); window_ends.len()];
    for &r in &found.stale_reads {
        if let Some((t, _)) = ops[r].complete {
            windows::bump(&mut counts, window_ends, t, |c| c.stale_reads += 1);
        }
    }
    for &w in &found.lost_writes {
        if let Some((t, _)) = ops[w].complete {
            windows::bump(&mut counts, window_ends, t, |c| c.lost_writes += 1);
        }
    }
    counts
}

/// Each key's operations as a register history for the linearizability
/// checker: acknowledged and unknown writes, successful reads.
pub fn registers(ops: &[OpRecord]) -> BTreeMap<(u32, u64), Vec<RegOp>> {
    let mut keys: BTreeMap<(u32, u64), Vec<RegOp>> = BTreeMap::new();
    for op in ops {
        let complete = op.complete.map(|c| c.1);
        let reg = match (&op.outcome, op.write) {
            (Outcome::Written, Some(v)) => RegOp {
                invoke: op.invoke_seq,
                complete,
                kind: RegKind::Write(v),
            },
            (Outcome::Unknown | Outcome::Pending, Some(v)) => RegOp {
                invoke: op.invoke_seq,
                complete: None,
                kind: RegKind::Write(v),
            },
            (Outcome::Read(values), None) => RegOp {
                invoke: op.invoke_seq,
                complete,
                kind: RegKind::Read(values.clone()),
            },
            _ => continue,
        };
        keys.entry((op.store, op.key)).or_default().push(reg);
    }
    keys
}
