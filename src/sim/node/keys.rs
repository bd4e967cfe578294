//! A service's idempotency-key store: requests being executed, and answers
//! remembered for the key TTL.
//!
//! Answers are kept in generations of a quarter TTL each (by the service's
//! local clock), newest first; when a sixth would start, the oldest is
//! dropped whole. So an answer stays at least the TTL, as a lookup needs (a
//! lookup still checks its age), and at most 1.25 TTLs, with no per-key
//! expiry queue and no single table that grows (and briefly doubles) to hold
//! every key. Requests in progress are few (at most workers + queue) and are
//! kept apart until answered.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use crate::sim::clock::LocalTime;
use crate::sim::key_range::IdRange;
use crate::sim::message::{Failure, RootId, Served};
use crate::sim::time::SimDuration;

/// Generations per TTL.
const GENERATIONS: u64 = 4;

/// What the store knows of a key.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KeyState {
    /// Being executed by the job in this slot.
    InProgress(u32),
    /// Answered at `at` (local time); repeats get the same answer until it expires.
    Done {
        /// The answer.
        result: Result<Served, Failure>,
        /// When it was answered.
        at: LocalTime,
    },
}

type Answer = (Result<Served, Failure>, LocalTime);

/// The keys of one service.
pub struct KeyStore {
    generation: SimDuration,
    /// Local time the newest generation started.
    started: Option<LocalTime>,
    /// Newest first; at most `GENERATIONS + 1`. Each with the range of its
    /// ids, so that a new request's lookup skips the tables without touching them.
    answered: VecDeque<(IdRange, FxHashMap<RootId, Answer>)>,
    in_progress: FxHashMap<RootId, u32>,
}

impl KeyStore {
    /// A store remembering answers for at least `ttl`.
    pub fn new(ttl: SimDuration) -> Self {
        KeyStore {
            generation: SimDuration((ttl.as_nanos() / GENERATIONS).max(1)),
            started: None,
            answered: VecDeque::new(),
            in_progress: FxHashMap::default(),
        }
    }

    /// The key's state: in progress, or its latest answer (which may have expired).
    pub fn get(&self, root: RootId) -> Option<KeyState> {
        if let Some(&slot) = self.in_progress.get(&root) {
            return Some(KeyState::InProgress(slot));
        }
        self.answered
            .iter()
            .filter(|(range, _)| range.may_contain(root.0))
            .find_map(|(_, g)| g.get(&root))
            .map(|&(result, at)| KeyState::Done { result, at })
    }

    /// The job in `slot` is executing `root`.
    pub fn start(&mut self, root: RootId, slot: u32) {
        self.in_progress.insert(root, slot);
    }

    /// `root` was answered with `result` at local time `now`.
    pub fn answer(&mut self, now: LocalTime, root: RootId, result: Result<Served, Failure>) {
        self.in_progress.remove(&root);
        let rotate = self
            .started
            .is_none_or(|started| now.since(started) >= self.generation);
        if rotate {
            let fresh = if self.answered.len() as u64 > GENERATIONS {
                let (mut range, mut oldest) = self.answered.pop_back().expect("not empty");
                range.clear();
                oldest.clear();
                (range, oldest)
            } else {
                (IdRange::default(), FxHashMap::default())
            };
            self.answered.push_front(fresh);
            self.started = Some(now);
        }
        let (range, newest) = &mut self.answered[0];
        range.insert(root.0);
        newest.insert(root, (result, now));
    }

    /// Forgets everything (a crash).
    pub fn clear(&mut self) {
        self.answered.clear();
        self.in_progress.clear();
        self.started = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: i64 = 1_000_000_000;

    #[test]
    fn answers_last_at_least_the_ttl_and_the_newest_wins() {
        let mut keys = KeyStore::new(SimDuration::from_secs(100));
        let ok = Ok(Served::default());
        keys.start(RootId(1), 3);
        assert_eq!(keys.get(RootId(1)), Some(KeyState::InProgress(3)));
        keys.answer(LocalTime(0), RootId(1), ok);
        let done = |at| Some(KeyState::Done { result: ok, at });
        assert_eq!(keys.get(RootId(1)), done(LocalTime(0)));
        // Other keys answered every second: key 1 is still there at the TTL.
        for t in 1..=100 {
            keys.answer(LocalTime(t * SEC), RootId(1000 + t as u64), ok);
        }
        assert_eq!(keys.get(RootId(1)), done(LocalTime(0)));
        // Executed again after expiry: in progress, then the newer answer wins.
        keys.start(RootId(1), 4);
        assert_eq!(keys.get(RootId(1)), Some(KeyState::InProgress(4)));
        keys.answer(LocalTime(101 * SEC), RootId(1), Err(Failure::Error));
        let again = Some(KeyState::Done {
            result: Err(Failure::Error),
            at: LocalTime(101 * SEC),
        });
        assert_eq!(keys.get(RootId(1)), again);
        // By 1.25 TTLs the first answers are gone; the store keeps 5 generations.
        for t in 102..=130 {
            keys.answer(LocalTime(t * SEC), RootId(2000 + t as u64), ok);
        }
        assert_eq!(keys.get(RootId(1001)), None);
        assert_eq!(keys.get(RootId(1)), again);
        assert!(keys.answered.len() <= 5);
        // Ids answered out of order, in one generation and across two: each
        // is still found (the ranges only skip tables that cannot hold it).
        keys.answer(LocalTime(131 * SEC), RootId(5000), ok);
        keys.answer(LocalTime(131 * SEC), RootId(4000), ok);
        keys.answer(LocalTime(200 * SEC), RootId(3000), ok);
        for (id, t) in [(5000, 131), (4000, 131), (3000, 200)] {
            assert_eq!(keys.get(RootId(id)), done(LocalTime(t * SEC)), "{id}");
        }
        assert_eq!(keys.get(RootId(4500)), None);
        keys.clear();
        assert_eq!(keys.get(RootId(1)), None);
    }
}
