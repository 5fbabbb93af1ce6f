//! The latency histogram's buckets, shared by the usage roll-up's writer (`hirekey-core`) and
//! the migration that fills the roll-up from older rows.
//!
//! Below 16 ms each millisecond is its own bucket; above, each doubling is cut into eight
//! buckets, so a bucket is at most 1/8 (12.5 %) wider than its lower bound. A percentile read
//! from the histogram is given as its bucket's upper bound: never below the true value, and at
//! most 12.5 % above it.

/// Doublings above 16 ms that get their own buckets: up to 2^31 ms, beyond any timeout.
const DOUBLINGS: i32 = 28;

/// How many buckets there are.
pub const BUCKETS: i32 = 16 + DOUBLINGS * 8;

/// The bucket of a latency in milliseconds (negative counts as 0).
pub fn bucket_of(ms: i64) -> i32 {
    let ms = ms.max(0);
    if ms < 16 {
        return ms as i32;
    }
    // ms >= 16, so the top bit is at 4 or above.
    let top = 63 - ms.leading_zeros() as i32;
    let sub = ((ms >> (top - 3)) & 7) as i32;
    (16 + (top - 4) * 8 + sub).min(BUCKETS - 1)
}

/// The smallest latency in bucket `b`.
pub fn lower_bound(b: i32) -> i64 {
    let b = b.clamp(0, BUCKETS - 1);
    if b < 16 {
        return i64::from(b);
    }
    let top = (b - 16) / 8 + 4;
    let sub = i64::from((b - 16) % 8);
    (8 + sub) << (top - 3)
}

/// The largest latency in bucket `b` (the last bucket reports its lower bound's double).
pub fn upper_bound(b: i32) -> i64 {
    if b >= BUCKETS - 1 {
        return lower_bound(BUCKETS - 1) * 2;
    }
    lower_bound(b + 1) - 1
}

/// The nearest-rank `q` quantile (0 < q <= 1) of a histogram given as `(bucket, count)` pairs
/// in any order, as its bucket's upper bound; 0 for no values.
pub fn quantile(counts: &[(i32, u64)], q: f64) -> u64 {
    let total: u64 = counts.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return 0;
    }
    let rank = ((total as f64) * q).ceil().clamp(1.0, total as f64) as u64;
    let mut sorted: Vec<(i32, u64)> = counts.to_vec();
    sorted.sort_unstable_by_key(|(b, _)| *b);
    let mut seen = 0;
    for (b, n) in sorted {
        seen += n;
        if seen >= rank {
            return upper_bound(b).max(0) as u64;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_latency_falls_in_its_bucket_and_buckets_are_narrow() {
        for ms in (0..5_000i64).chain([65_535, 120_000, 1 << 30]) {
            let b = bucket_of(ms);
            assert!(lower_bound(b) <= ms && ms <= upper_bound(b), "{ms} in {b}");
            let width = upper_bound(b) - lower_bound(b) + 1;
            assert!(width * 8 <= lower_bound(b).max(8), "bucket {b} too wide");
        }
        assert_eq!(bucket_of(-3), 0);
        assert_eq!(bucket_of(i64::MAX), BUCKETS - 1);
        // Buckets are contiguous.
        for b in 0..BUCKETS - 1 {
            assert_eq!(upper_bound(b) + 1, lower_bound(b + 1), "after {b}");
        }
    }

    #[test]
    fn a_quantile_is_never_below_the_true_value_nor_far_above_it() {
        let values: Vec<i64> = (0..1000).map(|i| (i * 37) % 2100 + 100).collect();
        let mut sorted = values.clone();
        sorted.sort_unstable();
        let exact = sorted[949] as u64;
        let mut hist = std::collections::BTreeMap::new();
        for v in &values {
            *hist.entry(bucket_of(*v)).or_insert(0u64) += 1;
        }
        let counts: Vec<(i32, u64)> = hist.into_iter().collect();
        let p95 = quantile(&counts, 0.95);
        assert!(p95 >= exact && p95 * 8 <= exact * 9, "{p95} vs {exact}");
        assert_eq!(quantile(&[], 0.95), 0);
        assert_eq!(quantile(&[(3, 5)], 0.95), 3);
    }
}
