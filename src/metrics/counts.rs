//! Failure counters by cause.

use serde::Serialize;

use crate::sim::message::Failure;

/// How many requests failed, by cause. Serializes as an object keyed by cause.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FailureCounts {
    /// No answer in time.
    pub timeout: u64,
    /// Queue full or rate limited.
    pub rejected: u64,
    /// Shed under load.
    pub shed: u64,
    /// Refused by the caller's circuit breaker.
    pub circuit_open: u64,
    /// The service answered with an error.
    pub error: u64,
    /// Dropped unsent by a client at its in-flight limit.
    pub dropped: u64,
    /// Lost when the client crashed.
    pub crashed: u64,
}

impl FailureCounts {
    /// Counts one failure.
    pub fn add(&mut self, cause: Failure) {
        *self.get_mut(cause) += 1;
    }

    /// The count for one cause.
    pub fn get(&self, cause: Failure) -> u64 {
        let mut copy = *self;
        *copy.get_mut(cause)
    }

    fn get_mut(&mut self, cause: Failure) -> &mut u64 {
        match cause {
            Failure::Timeout => &mut self.timeout,
            Failure::Rejected => &mut self.rejected,
            Failure::Shed => &mut self.shed,
            Failure::CircuitOpen => &mut self.circuit_open,
            Failure::Error => &mut self.error,
            Failure::Dropped => &mut self.dropped,
            Failure::Crashed => &mut self.crashed,
        }
    }

    /// All failures together.
    pub fn total(&self) -> u64 {
        Failure::ALL.iter().map(|&c| self.get(c)).sum()
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &FailureCounts) {
        for c in Failure::ALL {
            *self.get_mut(c) += other.get(c);
        }
    }
}
