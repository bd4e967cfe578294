//! Stale reads and lost acknowledged writes in a register history.
//!
//! Real-time order is the order of events in the history: operation `a`
//! precedes `b` when `a` completed before `b` was invoked. Values are
//! unique per write, so a read's value names the write it saw; an empty read
//! saw the initial (never written) state, which precedes everything.
//!
//! - A read is **stale** when the write it saw precedes another acknowledged
//!   write that precedes the read: it missed a write that had already
//!   finished, and the value it returned had already been overwritten. (For
//!   a read returning siblings, every sibling must be stale.)
//! - An acknowledged write `w` is **lost** when no read ever returns it and
//!   some read invoked after `w` completed returns only values from writes
//!   that precede `w`: the history proves `w` was superseded by older data.
//!   A write overwritten before anyone read it, without such a read, is not
//!   counted (the history cannot tell it from a lost one). Conversely a
//!   write hidden only by stale reads (a leader serving reads on an
//!   outlived lease) is counted: to a client it is indistinguishable from a
//!   dropped one (see docs/replication.md, the `lease-drift.ron` trace).

use std::collections::{BTreeMap, HashMap};

use crate::metrics::history::{OpRecord, Outcome};

/// What was found, as indices into the history.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Anomalies {
    /// Stale reads.
    pub stale_reads: Vec<usize>,
    /// Lost acknowledged writes.
    pub lost_writes: Vec<usize>,
    /// Reads that returned more than one value (siblings).
    pub sibling_reads: u64,
    /// Reads of a value no write of that key wrote (a store bug).
    pub phantom_reads: u64,
}

/// Finds stale reads and lost writes in `ops`, key by key.
pub fn find(ops: &[OpRecord]) -> Anomalies {
    let mut by_key: BTreeMap<(u32, u64), Vec<usize>> = BTreeMap::new();
    for (i, op) in ops.iter().enumerate() {
        by_key.entry((op.store, op.key)).or_default().push(i);
    }
    let mut found = Anomalies::default();
    for indices in by_key.values() {
        one_key(ops, indices, &mut found);
    }
    found.stale_reads.sort_unstable();
    found.lost_writes.sort_unstable();
    found
}

fn one_key(ops: &[OpRecord], indices: &[usize], found: &mut Anomalies) {
    // Completion position of each value's write; never-completed writes
    // (unknown outcome) precede nothing.
    let mut completion: HashMap<u64, u64> = HashMap::new();
    let mut acked: Vec<usize> = Vec::new();
    for &i in indices {
        if let Some(v) = ops[i].write {
            let c = match (&ops[i].outcome, ops[i].complete) {
                (Outcome::Written, Some((_, seq))) => {
                    acked.push(i);
                    seq
                }
                _ => u64::MAX,
            };
            completion.insert(v, c);
        }
    }
    // Reads, each with the latest completion among the values it returned.
    let mut reads: Vec<(usize, u64)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for &i in indices {
        let Outcome::Read(values) = &ops[i].outcome else {
            continue;
        };
        if values.len() > 1 {
            found.sibling_reads += 1;
        }
        let mut latest = 0u64;
        let mut phantom = false;
        for v in values {
            seen.insert(*v);
            match completion.get(v) {
                Some(&c) => latest = latest.max(c),
                None => phantom = true,
            }
        }
        if phantom {
            found.phantom_reads += 1;
            continue;
        }
        reads.push((i, latest));
    }

    // Stale: the latest invocation among acknowledged writes that completed
    // before the read started, against the read's newest value.
    let mut by_completion: Vec<(u64, u64)> = acked
        .iter()
        .map(|&w| (ops[w].complete.map_or(u64::MAX, |c| c.1), ops[w].invoke_seq))
        .collect();
    by_completion.sort_unstable();
    let mut prefix_max = Vec::with_capacity(by_completion.len());
    let mut m = 0;
    for &(_, inv) in &by_completion {
        m = m.max(inv);
        prefix_max.push(m);
    }
    for &(r, latest) in &reads {
        let before = by_completion.partition_point(|&(c, _)| c < ops[r].invoke_seq);
        if before > 0 && latest < prefix_max[before - 1] {
            found.stale_reads.push(r);
        }
    }

    // Lost: for each acknowledged, never-read write, a later read whose
    // newest value precedes it.
    let mut by_invoke: Vec<(u64, u64)> = reads
        .iter()
        .map(|&(r, latest)| (ops[r].invoke_seq, latest))
        .collect();
    by_invoke.sort_unstable();
    let mut suffix_min = vec![u64::MAX; by_invoke.len() + 1];
    for k in (0..by_invoke.len()).rev() {
        suffix_min[k] = suffix_min[k + 1].min(by_invoke[k].1);
    }
    for &w in &acked {
        let value = ops[w].write.unwrap_or(0);
        if seen.contains(&value) {
            continue;
        }
        let done = ops[w].complete.map_or(u64::MAX, |c| c.1);
        let first = by_invoke.partition_point(|&(inv, _)| inv <= done);
        if suffix_min[first] < ops[w].invoke_seq {
            found.lost_writes.push(w);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::time::SimTime;

    /// An operation on key 1 invoked at position `inv` and completed at `done`.
    fn op(inv: u64, done: Option<u64>, write: Option<u64>, outcome: Outcome) -> OpRecord {
        OpRecord {
            client: 0,
            store: 0,
            key: 1,
            write,
            invoke: SimTime(inv),
            invoke_seq: inv,
            complete: done.map(|d| (SimTime(d), d)),
            outcome,
        }
    }

    fn write(inv: u64, done: u64, v: u64) -> OpRecord {
        op(inv, Some(done), Some(v), Outcome::Written)
    }

    fn read(inv: u64, done: u64, vs: &[u64]) -> OpRecord {
        op(inv, Some(done), None, Outcome::Read(vs.to_vec()))
    }

    #[test]
    fn a_clean_history_has_no_anomalies() {
        let h = [
            read(1, 2, &[]),
            write(3, 4, 10),
            read(5, 8, &[10]),
            write(6, 9, 11), // concurrent with the read: either value is fine
            read(10, 11, &[11]),
        ];
        assert_eq!(find(&h), Anomalies::default());
    }

    #[test]
    fn planted_stale_read_and_lost_write_are_found() {
        let h = [
            write(1, 2, 10),
            write(3, 4, 11),   // never read, and ...
            read(5, 6, &[10]), // ... a later read sees the older 10: 11 lost, read stale
            read(7, 8, &[10]),
        ];
        let found = find(&h);
        assert_eq!(found.stale_reads, vec![2, 3]);
        assert_eq!(found.lost_writes, vec![1]);
    }

    #[test]
    fn a_write_seen_later_is_stale_reading_not_lost() {
        let h = [
            write(1, 2, 10),
            write(3, 4, 11),
            read(5, 6, &[10]), // stale ...
            read(7, 8, &[11]), // ... but 11 shows up: not lost
        ];
        let found = find(&h);
        assert_eq!(found.stale_reads, vec![2]);
        assert!(found.lost_writes.is_empty());
    }

    #[test]
    fn initial_value_after_a_write_is_stale_and_unknown_writes_prove_nothing() {
        let h = [
            op(1, None, Some(9), Outcome::Unknown),
            write(2, 3, 10),
            read(4, 5, &[]),  // the write finished: stale, and 10 lost
            read(6, 7, &[9]), // the unknown write may land any time: fine
        ];
        let found = find(&h);
        assert_eq!(found.stale_reads, vec![2]);
        assert_eq!(found.lost_writes, vec![1]);
    }

    #[test]
    fn siblings_and_phantoms_are_counted() {
        let h = [
            write(1, 2, 10),
            write(1, 3, 11),
            read(4, 5, &[10, 11]),
            read(6, 7, &[99]),
        ];
        let found = find(&h);
        assert_eq!((found.sibling_reads, found.phantom_reads), (1, 1));
        assert!(found.stale_reads.is_empty());
    }
}
