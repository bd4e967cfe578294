//! An exact linearizability checker for single-register histories: the
//! Wing & Gong search with Lowe's memoization of (linearized set, value).
//!
//! Acknowledged writes and successful reads must all be placed in a
//! sequential order that respects real time (an operation that completed
//! before another was invoked comes first) and register semantics (a read
//! returns the latest write before it, or nothing before any write). Writes
//! with an unknown outcome may be placed anywhere after their invocation or
//! left out (and are left out at once when no read returned their value). A read that returned siblings is legal if any sibling is the
//! current value (a relaxation: siblings are not a register's behaviour).
//!
//! Limits: the search is exponential in the worst case. A key with more
//! than [`MAX_OPS`] operations, or whose search visits more than
//! [`MAX_STATES`] states, is reported as too large to check, never as a
//! verdict.

use std::collections::HashSet;

/// Most operations of one key the checker accepts.
pub const MAX_OPS: usize = 2_000;
/// Most search states explored for one key.
pub const MAX_STATES: usize = 200_000;

/// One operation on the register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegOp {
    /// Position of its invocation in the history.
    pub invoke: u64,
    /// Position of its completion; `None`: unknown outcome (optional).
    pub complete: Option<u64>,
    /// What it did.
    pub kind: RegKind,
}

/// A register operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegKind {
    /// Wrote this value (values are unique and nonzero).
    Write(u64),
    /// Read these values (empty: the initial state).
    Read(Vec<u64>),
}

/// The checker's answer for one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A valid linearization exists.
    Linearizable,
    /// None exists.
    Violation,
    /// Beyond the limits; no verdict.
    TooLarge,
}

/// Checks one register's history.
pub fn check(ops: &[RegOp]) -> Verdict {
    // A write with an unknown outcome whose value no read returned can be
    // left out: placing it never helps a read. This keeps the search from
    // trying every position for each timed-out write.
    let seen: HashSet<u64> = ops
        .iter()
        .filter_map(|o| match &o.kind {
            RegKind::Read(vs) => Some(vs.iter().copied()),
            RegKind::Write(_) => None,
        })
        .flatten()
        .collect();
    let mut ops: Vec<RegOp> = ops
        .iter()
        .filter(|o| match o.kind {
            RegKind::Write(v) => o.complete.is_some() || seen.contains(&v),
            RegKind::Read(_) => true,
        })
        .cloned()
        .collect();
    if ops.len() > MAX_OPS {
        return Verdict::TooLarge;
    }
    ops.sort_by_key(|o| o.invoke);
    let mut by_completion: Vec<usize> = (0..ops.len())
        .filter(|&i| ops[i].complete.is_some())
        .collect();
    by_completion.sort_by_key(|&i| ops[i].complete);
    let required = by_completion.len();
    let mut s = Search {
        ops: &ops,
        by_completion: &by_completion,
        done: vec![0u64; ops.len().div_ceil(64)],
        memo: HashSet::new(),
        too_large: false,
    };
    match s.search(0, required) {
        true => Verdict::Linearizable,
        false if s.too_large => Verdict::TooLarge,
        false => Verdict::Violation,
    }
}

struct Search<'a> {
    ops: &'a [RegOp],
    by_completion: &'a [usize],
    done: Vec<u64>,
    memo: HashSet<(Vec<u64>, u64)>,
    too_large: bool,
}

impl Search<'_> {
    fn is_done(&self, i: usize) -> bool {
        self.done[i / 64] & (1 << (i % 64)) != 0
    }

    fn flip(&mut self, i: usize) {
        self.done[i / 64] ^= 1 << (i % 64);
    }

    /// Whether the remaining operations can be linearized from register `value`.
    fn search(&mut self, value: u64, required: usize) -> bool {
        if required == 0 {
            return true;
        }
        if self.too_large || !self.memo.insert((self.done.clone(), value)) {
            return false;
        }
        if self.memo.len() > MAX_STATES {
            self.too_large = true;
            return false;
        }
        // The earliest completion among required operations not yet placed:
        // anything invoked after it must wait until that one is placed.
        let bound = self
            .by_completion
            .iter()
            .find(|&&i| !self.is_done(i))
            .and_then(|&i| self.ops[i].complete)
            .unwrap_or(u64::MAX);
        for i in 0..self.ops.len() {
            let op = &self.ops[i];
            if op.invoke > bound {
                break;
            }
            if self.is_done(i) {
                continue;
            }
            let next = match &op.kind {
                RegKind::Write(v) => *v,
                RegKind::Read(vs) => {
                    let legal = if vs.is_empty() {
                        value == 0
                    } else {
                        vs.contains(&value)
                    };
                    if !legal {
                        continue;
                    }
                    value
                }
            };
            let counts = usize::from(op.complete.is_some());
            self.flip(i);
            let found = self.search(next, required - counts);
            self.flip(i);
            if found {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A write of `v`, invoked and completed at these positions.
    pub(crate) fn w(invoke: u64, complete: u64, v: u64) -> RegOp {
        RegOp {
            invoke,
            complete: Some(complete),
            kind: RegKind::Write(v),
        }
    }

    /// A read of `vs`, invoked and completed at these positions.
    pub(crate) fn r(invoke: u64, complete: u64, vs: &[u64]) -> RegOp {
        RegOp {
            invoke,
            complete: Some(complete),
            kind: RegKind::Read(vs.to_vec()),
        }
    }

    #[test]
    fn sequential_history_is_linearizable() {
        let h = [w(1, 2, 1), r(3, 4, &[1]), w(5, 6, 2), r(7, 8, &[2])];
        assert_eq!(check(&h), Verdict::Linearizable);
    }

    #[test]
    fn a_read_of_an_overwritten_value_is_a_violation() {
        let h = [w(1, 2, 1), w(3, 4, 2), r(5, 6, &[1])];
        assert_eq!(check(&h), Verdict::Violation);
    }

    #[test]
    fn concurrent_read_may_see_either() {
        // The read overlaps the second write: old or new value both fine.
        for seen in [1, 2] {
            let h = [w(1, 2, 1), w(3, 6, 2), r(4, 5, &[seen])];
            assert_eq!(check(&h), Verdict::Linearizable, "saw {seen}");
        }
    }

    #[test]
    fn reads_cannot_go_back_in_time() {
        // Two reads during one write: new then old is not linearizable.
        let h = [w(1, 2, 1), w(3, 10, 2), r(4, 5, &[2]), r(6, 7, &[1])];
        assert_eq!(check(&h), Verdict::Violation);
    }

    #[test]
    fn an_unknown_write_may_or_may_not_have_happened() {
        let unknown = RegOp {
            invoke: 3,
            complete: None,
            kind: RegKind::Write(2),
        };
        for seen in [1, 2] {
            let h = [w(1, 2, 1), unknown.clone(), r(5, 6, &[seen])];
            assert_eq!(check(&h), Verdict::Linearizable);
        }
        // But once seen it cannot be unseen.
        let h = [w(1, 2, 1), unknown, r(5, 6, &[2]), r(7, 8, &[1])];
        assert_eq!(check(&h), Verdict::Violation);
    }

    #[test]
    fn reading_nothing_after_a_write_is_a_violation() {
        assert_eq!(check(&[w(1, 2, 1), r(3, 4, &[])]), Verdict::Violation);
        assert_eq!(check(&[r(1, 2, &[]), w(3, 4, 1)]), Verdict::Linearizable);
    }

    #[test]
    fn too_many_operations_is_no_verdict() {
        let h: Vec<RegOp> = (0..MAX_OPS as u64 + 1)
            .map(|i| w(2 * i + 1, 2 * i + 2, i + 1))
            .collect();
        assert_eq!(check(&h), Verdict::TooLarge);
    }
}
