//! Retry delays: capped exponential backoff with jitter from a seeded generator, so that two
//! runs with the same seed retry at the same instants.

use std::time::Duration;

/// SplitMix64: tiny, fast, and good enough to spread retries; not for secrets.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..=bound` (bound in nanoseconds).
    fn below_or_equal(&mut self, bound: u64) -> u64 {
        if bound == u64::MAX {
            return self.next_u64();
        }
        // Multiply-shift keeps the bias far below anything a retry delay could notice.
        ((u128::from(self.next_u64()) * (u128::from(bound) + 1)) >> 64) as u64
    }
}

/// Consecutive-failure counter and the delays it implies.
#[derive(Clone, Debug)]
pub(crate) struct Backoff {
    initial: Duration,
    max: Duration,
    failures: u32,
}

impl Backoff {
    pub(crate) fn new(initial: Duration, max: Duration) -> Self {
        Backoff {
            initial,
            max,
            failures: 0,
        }
    }

    /// Failures since the last success.
    pub(crate) fn failures(&self) -> u32 {
        self.failures
    }

    /// Counts a failure that is retried at once (the first loss after a good period).
    pub(crate) fn note(&mut self) {
        self.failures = self.failures.saturating_add(1);
    }

    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }

    /// Records a failure and returns the delay before the next attempt: `initial * 2^(n-1)`
    /// capped at `max`, then "equal jitter" (uniform in the upper half) so that many clients
    /// failing together do not retry together, while the delay still grows.
    pub(crate) fn fail(&mut self, rng: &mut Rng) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let exponent = (self.failures - 1).min(32);
        let nominal = self
            .initial
            .saturating_mul(1u32 << exponent.min(31))
            .min(self.max);
        let nanos = u64::try_from(nominal.as_nanos()).unwrap_or(u64::MAX);
        let half = nanos / 2;
        Duration::from_nanos(half + rng.below_or_equal(nanos - half))
    }

    /// The largest delay `fail` can return after `failures` failures.
    #[cfg(test)]
    pub(crate) fn bound(&self, failures: u32) -> Duration {
        let exponent = failures.saturating_sub(1).min(31);
        self.initial.saturating_mul(1u32 << exponent).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_stay_in_bounds_and_repeat_per_seed() {
        let mut rng = Rng::new(7);
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        let delays: Vec<Duration> = (0..12).map(|_| backoff.fail(&mut rng)).collect();
        for (i, d) in delays.iter().enumerate() {
            let bound = backoff.bound(i as u32 + 1);
            assert!(
                *d <= bound && *d >= bound / 2,
                "attempt {i}: {d:?} not within [{:?}, {bound:?}]",
                bound / 2
            );
        }
        assert!(delays[11] <= Duration::from_secs(60));
        let mut rng2 = Rng::new(7);
        let mut backoff2 = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        let again: Vec<Duration> = (0..12).map(|_| backoff2.fail(&mut rng2)).collect();
        assert_eq!(delays, again);
        backoff.reset();
        assert_eq!(backoff.failures(), 0);
    }

    #[test]
    fn many_failures_do_not_overflow() {
        let mut rng = Rng::new(1);
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(120));
        for _ in 0..10_000 {
            assert!(backoff.fail(&mut rng) <= Duration::from_secs(120));
        }
    }
}
