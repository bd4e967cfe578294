//! The checker's findings as a per-window series.
//!
//! - Stale reads count in the window their read completed in, lost writes in
//!   the window their write was acknowledged in.
//! - A key's linearizability violation counts in the window where it first
//!   shows: the first window whose end cuts a prefix of the history that is
//!   not linearizable. Linearizability is prefix-closed (a linearization of
//!   the whole history, restricted to a prefix, linearizes the prefix when
//!   operations still running at the cut are treated as pending), so once a
//!   prefix fails every longer one fails too, and a binary search over the
//!   windows finds the first. The per-window counts add up to the summary's
//!   `keys_not_linearizable`. A prefix beyond the checker's limits counts as
//!   no violation yet, so a violation can be placed late, never early.

use std::collections::BTreeMap;

use serde::Serialize;

use super::linearizable::{self, RegKind, RegOp, Verdict};
use crate::metrics::history::OpRecord;
use crate::sim::time::SimTime;

/// One window's consistency counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WindowConsistency {
    /// Stale reads that completed in the window.
    pub stale_reads: u64,
    /// Lost writes acknowledged in the window.
    pub lost_writes: u64,
    /// Keys whose history stopped being linearizable in the window.
    pub not_linearizable: u64,
}

/// The window index of time `t`: windows are `[previous end, end)`.
pub fn window_of(ends: &[SimTime], t: SimTime) -> usize {
    ends.partition_point(|&end| end <= t)
}

/// Applies `field` to the counts of `t`'s window, if that window exists.
pub fn bump<T>(counts: &mut [T], ends: &[SimTime], t: SimTime, field: impl FnOnce(&mut T)) {
    if let Some(c) = counts.get_mut(window_of(ends, t)) {
        field(c);
    }
}

/// For each window end, the last history position before it: the cut that
/// leaves exactly the events of the windows up to that one.
pub fn cuts(ops: &[OpRecord], ends: &[SimTime]) -> Vec<u64> {
    let mut events: Vec<(SimTime, u64)> = ops
        .iter()
        .flat_map(|o| std::iter::once((o.invoke, o.invoke_seq)).chain(o.complete))
        .collect();
    events.sort_unstable_by_key(|&(_, seq)| seq);
    ends.iter()
        .map(|&end| {
            let n = events.partition_point(|&(t, _)| t < end);
            if n == 0 { 0 } else { events[n - 1].1 }
        })
        .collect()
}

/// The register history `ops` as it stood at history position `cut`:
/// operations invoked later are left out, writes still running become
/// unknown, reads still running are left out.
pub fn prefix(ops: &[RegOp], cut: u64) -> Vec<RegOp> {
    ops.iter()
        .filter(|o| o.invoke <= cut)
        .filter_map(|o| match (&o.kind, o.complete) {
            (_, Some(c)) if c <= cut => Some(o.clone()),
            (RegKind::Write(_), _) => Some(RegOp {
                complete: None,
                ..o.clone()
            }),
            (RegKind::Read(_), _) => None,
        })
        .collect()
}

/// The first window (index into `cuts`) whose prefix of `ops` is not
/// linearizable; the last window when no prefix gets a verdict of violation.
pub fn onset(ops: &[RegOp], cuts: &[u64]) -> usize {
    let (mut lo, mut hi) = (0, cuts.len().saturating_sub(1));
    while lo < hi {
        let mid = (lo + hi) / 2;
        if linearizable::check(&prefix(ops, cuts[mid])) == Verdict::Violation {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    hi
}

/// Places each violating key (from `registers`) in the window of its onset.
pub fn linearizability_onsets(
    registers: &BTreeMap<(u32, u64), Vec<RegOp>>,
    violating: &[(u32, u64)],
    cuts: &[u64],
    windows: &mut [WindowConsistency],
) {
    for key in violating {
        if let Some(ops) = registers.get(key)
            && let Some(w) = windows.get_mut(onset(ops, cuts))
        {
            w.not_linearizable += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::linearizable::tests::{r, w};

    #[test]
    fn a_prefix_turns_running_writes_unknown_and_drops_running_reads() {
        let h = [w(1, 4, 1), r(2, 6, &[1]), r(3, 5, &[])];
        let p = prefix(&h, 5);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0], w(1, 4, 1));
        assert_eq!(p[1], r(3, 5, &[]));
        let p = prefix(&h, 3);
        assert_eq!(p[0].complete, None);
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn the_onset_is_the_first_window_whose_prefix_fails() {
        // Writes 1 then 2, then a read of 1 completing at position 10.
        let h = [w(1, 2, 1), w(3, 4, 2), r(5, 6, &[2]), r(8, 10, &[1])];
        assert_eq!(linearizable::check(&h), Verdict::Violation);
        // Window cuts at 2, 6, 9, 12, 20: the bad read is in by 12.
        assert_eq!(onset(&h, &[2, 6, 9, 12, 20]), 3);
        assert_eq!(onset(&h, &[10]), 0);
    }

    #[test]
    fn window_of_uses_half_open_windows() {
        let at = |ns| SimTime::ZERO + crate::sim::time::SimDuration::from_nanos(ns);
        let ends = [at(10), at(20)];
        assert_eq!(window_of(&ends, at(0)), 0);
        assert_eq!(window_of(&ends, at(10)), 1);
        assert_eq!(window_of(&ends, at(19)), 1);
        assert_eq!(window_of(&ends, at(20)), 2);
    }
}
