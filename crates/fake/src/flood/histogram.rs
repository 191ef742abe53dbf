//! A fixed-size latency histogram: log-linear buckets (64 per power of two, so any value is
//! reported within 1/64 of itself), no allocation after construction, O(1) recording.
//! Enough for p50 / p99 / max of millions of acks without keeping them.

use std::time::Duration;

/// Sub-buckets per power of two (2^SUB_BITS): the relative precision of a reported value.
const SUB_BITS: u32 = 6;
const SUB: u64 = 1 << SUB_BITS;
/// Every `u64` nanosecond value has a bucket: values below `SUB` exactly, then `SUB` buckets
/// for each power of two from `SUB` up to 2^63.
const BUCKETS: usize = (SUB as usize) * (64 - SUB_BITS as usize + 1);

/// Counts of nanosecond values by bucket, with the exact maximum and sum.
#[derive(Clone)]
pub(crate) struct Histogram {
    counts: Box<[u64]>,
    count: u64,
    sum: u128,
    max: u64,
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Histogram")
            .field("count", &self.count)
            .field("max", &self.max)
            .finish_non_exhaustive()
    }
}

fn bucket_of(value: u64) -> usize {
    if value < SUB {
        return value as usize;
    }
    // The power of two at or below `value` (at least SUB_BITS) and the SUB_BITS bits after it.
    let exponent = 63 - value.leading_zeros();
    let sub = (value >> (exponent - SUB_BITS)) & (SUB - 1);
    ((exponent - SUB_BITS + 1) as usize) * SUB as usize + sub as usize
}

/// The smallest and largest values that fall in `bucket`.
fn bounds_of(bucket: usize) -> (u64, u64) {
    let bucket = bucket as u64;
    if bucket < SUB {
        return (bucket, bucket);
    }
    let exponent = bucket / SUB + u64::from(SUB_BITS) - 1;
    let sub = bucket % SUB;
    let width = 1u64 << (exponent - u64::from(SUB_BITS));
    let low = (1u64 << exponent) + sub * width;
    (low, low.saturating_add(width - 1))
}

impl Histogram {
    pub(crate) fn new() -> Self {
        Histogram {
            counts: vec![0; BUCKETS].into_boxed_slice(),
            count: 0,
            sum: 0,
            max: 0,
        }
    }

    pub(crate) fn record(&mut self, value: Duration) {
        let nanos = u64::try_from(value.as_nanos()).unwrap_or(u64::MAX);
        self.counts[bucket_of(nanos)] += 1;
        self.count += 1;
        self.sum += u128::from(nanos);
        self.max = self.max.max(nanos);
    }

    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    pub(crate) fn clear(&mut self) {
        self.counts.fill(0);
        self.count = 0;
        self.sum = 0;
        self.max = 0;
    }

    /// The value at quantile `q` (0.0 to 1.0): the middle of the bucket holding it, never
    /// above the maximum. Zero when empty.
    pub(crate) fn quantile(&self, q: f64) -> Duration {
        if self.count == 0 {
            return Duration::ZERO;
        }
        // The rank of the value asked for, 1-based: p50 of 10 values is the 5th.
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (bucket, &n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                let (low, high) = bounds_of(bucket);
                let middle = low + (high - low) / 2;
                return Duration::from_nanos(middle.min(self.max));
            }
        }
        Duration::from_nanos(self.max)
    }

    pub(crate) fn max(&self) -> Duration {
        Duration::from_nanos(self.max)
    }

    pub(crate) fn mean(&self) -> Duration {
        match self.count {
            0 => Duration::ZERO,
            n => Duration::from_nanos(u64::try_from(self.sum / u128::from(n)).unwrap_or(u64::MAX)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_every_value_in_order() {
        let mut last = 0;
        for value in (0..10_000u64).chain([u64::MAX / 3, u64::MAX - 1, u64::MAX]) {
            let bucket = bucket_of(value);
            assert!(bucket < BUCKETS, "{value}");
            assert!(bucket >= last, "{value}");
            let (low, high) = bounds_of(bucket);
            assert!(low <= value && value <= high, "{value}: {low}..={high}");
            last = bucket;
        }
    }

    #[test]
    fn quantiles_are_within_the_precision() {
        let mut h = Histogram::new();
        for micros in 1..=1000u64 {
            h.record(Duration::from_micros(micros));
        }
        let close = |got: Duration, want_us: f64| {
            let got = got.as_secs_f64() * 1e6;
            assert!(
                (got - want_us).abs() <= want_us / 50.0,
                "{got} vs {want_us}"
            );
        };
        close(h.quantile(0.5), 500.0);
        close(h.quantile(0.99), 990.0);
        assert_eq!(h.max(), Duration::from_micros(1000));
        assert_eq!(h.quantile(1.0), Duration::from_micros(1000));
        close(h.mean(), 500.5);
        assert_eq!(h.count(), 1000);
        h.clear();
        assert_eq!(h.quantile(0.5), Duration::ZERO);
        assert_eq!(h.count(), 0);
    }
}
