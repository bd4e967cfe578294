//! The duplicate-execution ledger: which (node, request) pairs have executed,
//! to count duplicate executions of non-idempotent operations.
//!
//! Memory is bounded by time: executions are kept in generations of a
//! quarter horizon each, and the oldest generation is forgotten when a fifth
//! would start. So every execution is remembered for at least the horizon
//! and at most 1.25 horizons; a repeat arriving later is not counted. A pair
//! is stored as one `u64` (node in the top 8 bits, request id below), half
//! the size of the pair, whenever the id fits in 56 bits (client request ids
//! use 48); larger ids are kept as pairs.

use std::collections::VecDeque;

use rustc_hash::FxHashSet;

use crate::sim::key_range::IdRange;
use crate::sim::message::RootId;
use crate::sim::time::{SimDuration, SimTime};

/// Generations per horizon.
const GENERATIONS: u64 = 4;

/// Bits of a packed entry below the node index.
const ROOT_BITS: u32 = 56;

#[derive(Default)]
struct Generation {
    packed: FxHashSet<u64>,
    wide: FxHashSet<(u32, RootId)>,
    /// The request ids held (of any node): a new request's id usually lies
    /// above it, and the sets are then not touched.
    roots: IdRange,
}

impl Generation {
    fn contains(&self, node: u32, root: RootId) -> bool {
        if !self.roots.may_contain(root.0) {
            return false;
        }
        match pack(node, root) {
            Some(key) => self.packed.contains(&key),
            None => self.wide.contains(&(node, root)),
        }
    }

    /// Adds the pair; false when it was there already.
    fn insert(&mut self, node: u32, root: RootId) -> bool {
        self.roots.insert(root.0);
        match pack(node, root) {
            Some(key) => self.packed.insert(key),
            None => self.wide.insert((node, root)),
        }
    }

    fn clear(&mut self) {
        self.packed.clear();
        self.wide.clear();
        self.roots.clear();
    }
}

/// Node and request id in one word, when they fit.
fn pack(node: u32, root: RootId) -> Option<u64> {
    (node < 1 << (64 - ROOT_BITS) && root.0 >> ROOT_BITS == 0)
        .then(|| (u64::from(node) << ROOT_BITS) | root.0)
}

/// Remembers executions for between one and 1.25 horizons.
pub struct DuplicateLedger {
    generation: SimDuration,
    rotate_at: SimTime,
    /// Newest first; at most `GENERATIONS + 1`.
    generations: VecDeque<Generation>,
}

impl DuplicateLedger {
    /// A ledger that remembers each execution for at least `horizon`.
    pub fn new(horizon: SimDuration) -> Self {
        let generation = SimDuration((horizon.as_nanos() / GENERATIONS).max(1));
        DuplicateLedger {
            generation,
            rotate_at: SimTime::ZERO + generation,
            generations: VecDeque::from([Generation::default()]),
        }
    }

    /// Records that `node` executed `root` at `now`; true when it is a repeat.
    pub fn executed(&mut self, now: SimTime, node: u32, root: RootId) -> bool {
        if now >= self.rotate_at {
            let fresh = if self.generations.len() as u64 > GENERATIONS {
                let mut oldest = self.generations.pop_back().expect("not empty");
                oldest.clear();
                oldest
            } else {
                Generation::default()
            };
            self.generations.push_front(fresh);
            self.rotate_at = now + self.generation;
        }
        if self
            .generations
            .iter()
            .skip(1)
            .any(|g| g.contains(node, root))
        {
            return true;
        }
        !self.generations[0].insert(node, root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(secs)
    }

    #[test]
    fn repeats_within_the_horizon_count_and_much_later_ones_do_not() {
        let mut ledger = DuplicateLedger::new(SimDuration::from_secs(100));
        let wide = RootId(u64::MAX - 3);
        assert!(!ledger.executed(at(0), 1, RootId(7)));
        assert!(!ledger.executed(at(0), 2, RootId(7)), "another node");
        assert!(!ledger.executed(at(0), 1, wide));
        assert!(ledger.executed(at(1), 1, RootId(7)));
        assert!(ledger.executed(at(1), 1, wide));
        // Still remembered at the horizon, with an event every second.
        for t in 2..=100 {
            assert!(!ledger.executed(at(t), 3, RootId(t)));
        }
        assert!(ledger.executed(at(100), 1, RootId(7)));
        assert!(ledger.executed(at(100), 1, wide));
        // Forgotten by 1.25 horizons.
        for t in 101..=126 {
            assert!(!ledger.executed(at(t), 3, RootId(t)));
        }
        assert!(!ledger.executed(at(126), 2, RootId(7)));
        assert!(!ledger.executed(at(126), 1, wide));
        assert!(ledger.generations.len() <= 5);
    }
}
