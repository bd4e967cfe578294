//! The duplicate-execution ledger: which (node, request) pairs have executed,
//! to count duplicate executions of non-idempotent operations.
//!
//! Memory is bounded by time: executions are kept in generations of a
//! quarter horizon each, and the oldest generation is forgotten when a fifth
//! would start. So every execution is remembered for at least the horizon
//! and at most 1.25 horizons; a repeat arriving later is not counted. A pair
//! is stored as one `u64` (node in the top 8 bits, request id below), half
//! the size of the pair, whenever the id fits in 56 bits (client request ids
//! use 48); larger ids are kept as pairs. Only the newest generation is a
//! hash set; when it closes its packed ids are sealed (`sim::sealed`: sorted,
//! delta-compressed, one or two bytes an id instead of ~12 in a hash set).

use std::collections::VecDeque;

use rustc_hash::FxHashSet;

use crate::sim::message::RootId;
use crate::sim::sealed::Sealed;
use crate::sim::time::{SimDuration, SimTime};

/// Generations per horizon.
const GENERATIONS: u64 = 4;

/// Bits of a packed entry below the node index.
const ROOT_BITS: u32 = 56;

#[derive(Default)]
struct Generation {
    packed: FxHashSet<u64>,
    wide: FxHashSet<(u32, RootId)>,
}

impl Generation {
    /// Adds the pair; false when it was there already.
    fn insert(&mut self, node: u32, root: RootId) -> bool {
        match pack(node, root) {
            Some(key) => self.packed.insert(key),
            None => self.wide.insert((node, root)),
        }
    }
}

/// A closed generation: packed ids sealed, the rare wide pairs as they were.
struct Closed {
    packed: Sealed<0>,
    wide: FxHashSet<(u32, RootId)>,
}

impl Closed {
    /// Seals `g`, leaving it empty with its capacity.
    fn seal(g: &mut Generation) -> Self {
        let mut ids: Vec<u64> = g.packed.drain().collect();
        Closed {
            packed: Sealed::new(&mut ids, |_| []),
            wide: std::mem::take(&mut g.wide),
        }
    }

    fn contains(&self, node: u32, root: RootId) -> bool {
        match pack(node, root) {
            Some(key) => self.packed.contains(key),
            None => self.wide.contains(&(node, root)),
        }
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
    /// The newest generation, taking executions.
    current: Generation,
    /// Older generations, newest first; at most `GENERATIONS`.
    closed: VecDeque<Closed>,
}

impl DuplicateLedger {
    /// A ledger that remembers each execution for at least `horizon`.
    pub fn new(horizon: SimDuration) -> Self {
        let generation = SimDuration((horizon.as_nanos() / GENERATIONS).max(1));
        DuplicateLedger {
            generation,
            rotate_at: SimTime::ZERO + generation,
            current: Generation::default(),
            closed: VecDeque::new(),
        }
    }

    /// Records that `node` executed `root` at `now`; true when it is a repeat.
    pub fn executed(&mut self, now: SimTime, node: u32, root: RootId) -> bool {
        if now >= self.rotate_at {
            self.closed.push_front(Closed::seal(&mut self.current));
            if self.closed.len() as u64 > GENERATIONS {
                self.closed.pop_back();
            }
            self.rotate_at = now + self.generation;
        }
        if self.closed.iter().any(|g| g.contains(node, root)) {
            return true;
        }
        !self.current.insert(node, root)
    }

    /// Executions remembered, in every generation.
    pub fn len(&self) -> usize {
        let closed = self.closed.iter();
        self.current.packed.len()
            + self.current.wide.len()
            + closed.map(|g| g.packed.len() + g.wide.len()).sum::<usize>()
    }

    /// Whether no execution is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
        assert!(ledger.closed.len() <= 4);
    }

    #[test]
    fn sealed_generations_count_exactly_as_hash_sets_did() {
        // The ledger before sealing: every generation a set of pairs.
        let horizon = SimDuration::from_secs(40);
        let mut ledger = DuplicateLedger::new(horizon);
        let generation = ledger.generation;
        let mut sets: VecDeque<FxHashSet<(u32, RootId)>> = VecDeque::from([Default::default()]);
        let mut rotate_at = SimTime::ZERO + generation;
        let (mut state, mut now) = (5u64, SimTime::ZERO);
        let mut repeats = 0;
        for i in 0..50_000u64 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let r = state >> 33;
            now += SimDuration(r % 4_000_000);
            let node = (r % 3) as u32;
            let seq = if r % 5 == 0 {
                i.saturating_sub(r % 30_000)
            } else {
                i
            };
            let root = RootId(if r % 1_000 == 0 { u64::MAX - seq } else { seq });
            if now >= rotate_at {
                if sets.len() as u64 > GENERATIONS {
                    sets.pop_back();
                }
                sets.push_front(Default::default());
                rotate_at = now + generation;
            }
            let was = sets.iter().skip(1).any(|g| g.contains(&(node, root)))
                || !sets[0].insert((node, root));
            assert_eq!(ledger.executed(now, node, root), was, "execution {i}");
            repeats += usize::from(was);
        }
        assert!(repeats > 1_000, "too few repeats ({repeats}) to test");
        assert_eq!(ledger.len(), sets.iter().map(|g| g.len()).sum::<usize>());
    }
}
