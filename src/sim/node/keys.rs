//! A service's idempotency-key store: requests being executed, and answers
//! remembered for the key TTL.
//!
//! Answers are kept in generations of an eighth of the TTL each (by the
//! service's local clock), newest first; when a tenth would start, the
//! oldest is dropped whole. So an answer stays at least the TTL, as a lookup
//! needs (a lookup still checks its age, so an answer kept longer changes
//! nothing), and at most 1.125 TTLs, with no per-key
//! expiry queue and no single table that grows (and briefly doubles) to hold
//! every key. Only the newest generation is a hash map; when it closes it
//! is sealed (`sim::sealed`: sorted, delta-compressed, about 6 bytes an
//! answer instead of ~35 in a hash map). Requests in progress are few (at
//! most workers + queue) and are kept apart until answered.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use crate::sim::clock::LocalTime;
use crate::sim::message::{Failure, RootId, Served};
use crate::sim::sealed::Sealed;
use crate::sim::time::SimDuration;

/// Generations per TTL. More make the open one (a hash map) and the
/// overshoot past the TTL smaller; lookups of new keys stay cheap, as each
/// sealed generation rejects a key beyond its largest at once.
const GENERATIONS: u64 = 8;

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
    /// The newest generation, still taking answers.
    current: FxHashMap<RootId, Answer>,
    /// Older generations, newest first, sealed (see `sim::sealed`): at most
    /// `GENERATIONS`. Fields: the answer's local time, its `code`.
    sealed: VecDeque<Sealed<2>>,
    in_progress: FxHashMap<RootId, u32>,
}

impl KeyStore {
    /// A store remembering answers for at least `ttl`.
    pub fn new(ttl: SimDuration) -> Self {
        KeyStore {
            generation: SimDuration((ttl.as_nanos() / GENERATIONS).max(1)),
            started: None,
            current: FxHashMap::default(),
            sealed: VecDeque::new(),
            in_progress: FxHashMap::default(),
        }
    }

    /// The key's state: in progress, or its latest answer (which may have expired).
    pub fn get(&self, root: RootId) -> Option<KeyState> {
        if let Some(&slot) = self.in_progress.get(&root) {
            return Some(KeyState::InProgress(slot));
        }
        if let Some(&(result, at)) = self.current.get(&root) {
            return Some(KeyState::Done { result, at });
        }
        self.sealed
            .iter()
            .find_map(|g| g.get(root.0))
            .map(|[at, code]| KeyState::Done {
                result: decode(code),
                at: LocalTime(at as i64),
            })
    }

    /// The job in `slot` is executing `root`.
    pub fn start(&mut self, root: RootId, slot: u32) {
        self.in_progress.insert(root, slot);
    }

    /// `root` was answered with `result` at local time `now`.
    pub fn answer(&mut self, now: LocalTime, root: RootId, result: Result<Served, Failure>) {
        self.in_progress.remove(&root);
        match self.started {
            None => self.started = Some(now),
            Some(started) if now.since(started) >= self.generation => {
                self.seal();
                self.started = Some(now);
            }
            Some(_) => {}
        }
        self.current.insert(root, (result, now));
    }

    /// Seals the current generation, dropping the oldest beyond `GENERATIONS`.
    fn seal(&mut self) {
        let current = &self.current;
        let mut roots: Vec<u64> = current.keys().map(|r| r.0).collect();
        let sealed = Sealed::new(&mut roots, |root| {
            let (result, at) = current[&RootId(root)];
            [at.0 as u64, code(result)]
        });
        self.current.clear();
        self.sealed.push_front(sealed);
        if self.sealed.len() as u64 > GENERATIONS {
            self.sealed.pop_back();
        }
    }

    /// Forgets everything (a crash).
    pub fn clear(&mut self) {
        self.current.clear();
        self.sealed.clear();
        self.in_progress.clear();
        self.started = None;
    }

    /// Answers remembered, in every generation (a key answered again after
    /// it expired counts once per generation holding it).
    pub fn len(&self) -> usize {
        self.current.len() + self.sealed.iter().map(Sealed::len).sum::<usize>()
    }

    /// Whether no answer is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An answer as a number: `Ok` in the even numbers (flags and format and
/// version above the low bit), `Err` in the odd (the cause's index above it).
fn code(result: Result<Served, Failure>) -> u64 {
    match result {
        Ok(s) => {
            (u64::from(s.degraded)
                | (u64::from(s.stale) << 1)
                | (u64::from(s.format) << 2)
                | (u64::from(s.version) << 10))
                << 1
        }
        Err(f) => ((Failure::ALL.iter().position(|&c| c == f).unwrap_or(0) as u64) << 1) | 1,
    }
}

/// The answer `code` made.
fn decode(code: u64) -> Result<Served, Failure> {
    if code & 1 == 1 {
        return Err(Failure::ALL[(code >> 1) as usize % Failure::ALL.len()]);
    }
    let v = code >> 1;
    Ok(Served {
        degraded: v & 1 == 1,
        stale: (v >> 1) & 1 == 1,
        format: (v >> 2) as u8,
        version: (v >> 10) as u8,
    })
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
        // By 1.125 TTLs the first answers are gone; the store keeps 9 generations.
        for t in 102..=130 {
            keys.answer(LocalTime(t * SEC), RootId(2000 + t as u64), ok);
        }
        assert_eq!(keys.get(RootId(1001)), None);
        assert_eq!(keys.get(RootId(1)), again);
        assert!(keys.sealed.len() <= 8);
        keys.clear();
        assert_eq!(keys.get(RootId(1)), None);
    }

    /// The store as it was before sealing: every generation a hash map.
    struct Reference {
        generation: SimDuration,
        started: Option<LocalTime>,
        answered: VecDeque<FxHashMap<RootId, Answer>>,
    }

    impl Reference {
        fn get(&self, root: RootId) -> Option<Answer> {
            self.answered.iter().find_map(|g| g.get(&root)).copied()
        }

        fn answer(&mut self, now: LocalTime, root: RootId, result: Result<Served, Failure>) {
            if self
                .started
                .is_none_or(|started| now.since(started) >= self.generation)
            {
                if self.answered.len() as u64 > GENERATIONS {
                    self.answered.pop_back();
                }
                self.answered.push_front(FxHashMap::default());
                self.started = Some(now);
            }
            self.answered[0].insert(root, (result, now));
        }
    }

    #[test]
    fn sealed_generations_answer_exactly_as_hash_maps_did() {
        let results = [
            Ok(Served::default()),
            Ok(Served {
                degraded: true,
                stale: true,
                format: 255,
                version: 255,
            }),
            Ok(Served {
                stale: true,
                version: 3,
                ..Served::default()
            }),
            Err(Failure::Timeout),
            Err(Failure::Crashed),
            Err(Failure::Error),
        ];
        let ttl = SimDuration::from_secs(10);
        let mut keys = KeyStore::new(ttl);
        let mut reference = Reference {
            generation: keys.generation,
            started: None,
            answered: VecDeque::new(),
        };
        // Sequential roots from two clients, some answered again (retries,
        // re-executions after expiry), and a clock that steps back once.
        let (mut state, mut now) = (1u64, 0i64);
        for i in 0..60_000u64 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let r = state >> 33;
            now += (r % 2_000_000) as i64 - if i == 30_000 { 5 * SEC } else { 0 };
            let client = (r >> 20) % 2;
            let seq = if r % 7 == 0 {
                i.saturating_sub(r % 20_000)
            } else {
                i
            };
            let root = RootId((client << 40) | seq);
            let result = results[(r >> 8) as usize % results.len()];
            keys.answer(LocalTime(now), root, result);
            reference.answer(LocalTime(now), root, result);
            if i % 3 == 0 {
                let probe = RootId((((r >> 4) % 2) << 40) | (r % (i + 100)));
                let want = reference
                    .get(probe)
                    .map(|(result, at)| KeyState::Done { result, at });
                assert_eq!(keys.get(probe), want, "answer {i}, probe {probe:?}");
            }
        }
        assert_eq!(keys.sealed.len() + 1, reference.answered.len());
        let held: usize = reference.answered.iter().map(|g| g.len()).sum();
        assert_eq!(keys.len(), held);
    }
}
