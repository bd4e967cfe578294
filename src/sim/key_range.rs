//! The bounds of a set of request ids: a cheap, exact "certainly not here".

/// The smallest and largest id a table holds. An id outside them is
/// certainly absent, so a lookup can skip the table without touching its
/// memory. Client request ids grow with time, so a new request's id usually
/// lies above the bounds of every table of older answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdRange {
    lo: u64,
    hi: u64,
}

impl Default for IdRange {
    fn default() -> Self {
        IdRange {
            lo: u64::MAX,
            hi: 0,
        }
    }
}

impl IdRange {
    /// Widens the bounds to hold `id`.
    #[inline]
    pub fn insert(&mut self, id: u64) {
        self.lo = self.lo.min(id);
        self.hi = self.hi.max(id);
    }

    /// False when `id` is certainly not among the ids inserted.
    #[inline]
    pub fn may_contain(&self, id: u64) -> bool {
        self.lo <= id && id <= self.hi
    }

    /// Empties the range.
    pub fn clear(&mut self) {
        *self = IdRange::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_what_was_inserted_and_nothing_outside() {
        let mut r = IdRange::default();
        assert!(!r.may_contain(0) && !r.may_contain(u64::MAX));
        r.insert(10);
        r.insert(3);
        assert!(r.may_contain(3) && r.may_contain(7) && r.may_contain(10));
        assert!(!r.may_contain(2) && !r.may_contain(11));
        r.insert(u64::MAX);
        assert!(r.may_contain(u64::MAX));
        r.clear();
        assert!(!r.may_contain(3));
    }
}
