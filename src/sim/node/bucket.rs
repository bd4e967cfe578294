//! A token bucket, in the owner's local time.

use crate::sim::clock::LocalTime;
use crate::sim::config::TokenBucketConfig;

/// Holds at most `burst` tokens and refills at `rate_per_s`; each admitted
/// request takes one. Starts full.
#[derive(Clone, Debug)]
pub struct TokenBucket {
    config: TokenBucketConfig,
    tokens: f64,
    last: Option<LocalTime>,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(config: TokenBucketConfig) -> Self {
        TokenBucket {
            config,
            tokens: config.burst,
            last: None,
        }
    }

    /// Takes a token if one is there.
    pub fn try_take(&mut self, now: LocalTime) -> bool {
        if let Some(last) = self.last {
            let elapsed_s = now.since(last).as_secs_f64();
            self.tokens = (self.tokens + elapsed_s * self.config.rate_per_s).min(self.config.burst);
        }
        self.last = Some(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_the_burst_then_the_rate() {
        let mut b = TokenBucket::new(TokenBucketConfig {
            rate_per_s: 10.0,
            burst: 3.0,
        });
        let t0 = LocalTime(0);
        assert_eq!((0..5).filter(|_| b.try_take(t0)).count(), 3);
        // 1 s later: 10 tokens earned, capped at the burst of 3.
        let t1 = LocalTime(1_000_000_000);
        assert_eq!((0..5).filter(|_| b.try_take(t1)).count(), 3);
        // 100 ms later: one token.
        let t2 = LocalTime(1_100_000_000);
        assert_eq!((0..5).filter(|_| b.try_take(t2)).count(), 1);
    }
}
