//! Which buckets and windows a capture time belongs to.

/// The bucket of time `ts_us`: bucket j covers [j·step, (j+1)·step).
#[inline]
pub fn bucket_of(ts_us: i64, step_us: i64) -> i64 {
    ts_us.div_euclid(step_us)
}

/// `bucket_of` with its last answer remembered: consecutive packets nearly always fall in the
/// bucket of the one before, and a 64-bit division per packet was a tenth of the windowed
/// flow engine's time.
#[derive(Clone, Copy, Debug)]
pub struct BucketFinder {
    step_us: i64,
    /// The last bucket found covers [start_us, end_us); empty before the first.
    start_us: i64,
    end_us: i64,
    bucket: i64,
}

impl BucketFinder {
    pub fn new(step_us: i64) -> BucketFinder {
        BucketFinder { step_us, start_us: 0, end_us: 0, bucket: 0 }
    }

    #[inline]
    pub fn bucket_of(&mut self, ts_us: i64) -> i64 {
        if self.start_us <= ts_us && ts_us < self.end_us {
            return self.bucket;
        }
        self.find(ts_us)
    }

    #[cold]
    fn find(&mut self, ts_us: i64) -> i64 {
        let bucket = bucket_of(ts_us, self.step_us);
        // A bucket whose bounds overflow is not remembered (it is found by division each time).
        let bounds = bucket.checked_mul(self.step_us).and_then(|start| Some((start, start.checked_add(self.step_us)?)));
        (self.start_us, self.end_us) = bounds.unwrap_or((0, 0));
        self.bucket = bucket;
        bucket
    }
}

/// The windows holding bucket `bucket` when a window spans `buckets_per_window` buckets:
/// window k spans buckets k ..= k + n − 1.
pub fn windows_of_bucket(bucket: i64, buckets_per_window: i64) -> std::ops::RangeInclusive<i64> {
    (bucket - buckets_per_window + 1)..=bucket
}

/// The last window that has ended by `horizon_us` (its end ≤ horizon).
pub fn last_window_ended_by(horizon_us: i64, step_us: i64, buckets_per_window: i64) -> i64 {
    horizon_us.div_euclid(step_us) - buckets_per_window
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 150_000_000;

    #[test]
    fn a_packet_lands_in_two_windows_when_the_window_is_two_steps() {
        let t = 1_600_000_123_456_789;
        let bucket = bucket_of(t, S);
        assert_eq!(bucket, t / S);
        let windows: Vec<i64> = windows_of_bucket(bucket, 2).collect();
        assert_eq!(windows, vec![t / S - 1, t / S]);
        for k in windows {
            assert!(k * S <= t && t < k * S + 2 * S);
        }
    }

    #[test]
    fn buckets_are_aligned_to_unix_time_and_negative_times_floor() {
        assert_eq!(bucket_of(0, S), 0);
        assert_eq!(bucket_of(S - 1, S), 0);
        assert_eq!(bucket_of(S, S), 1);
        assert_eq!(bucket_of(-1, S), -1);
    }

    #[test]
    fn a_window_ends_when_time_reaches_its_end() {
        // Window 10 (n = 2) covers buckets 10 and 11, ending at 12·S.
        assert_eq!(last_window_ended_by(12 * S - 1, S, 2), 9);
        assert_eq!(last_window_ended_by(12 * S, S, 2), 10);
        assert_eq!(last_window_ended_by(12 * S, S, 3), 9);
    }

    #[test]
    fn the_bucket_finder_agrees_with_division() {
        let mut finder = BucketFinder::new(S);
        let times = [0, 1, S - 1, S, S + 1, -1, -S, -S - 1, 1_600_000_123_456_789, 1_600_000_123_456_790, i64::MAX, i64::MAX - 1, i64::MIN, i64::MIN + 1, 3 * S, 3 * S - 1];
        for _ in 0..2 {
            for t in times {
                assert_eq!(finder.bucket_of(t), bucket_of(t, S), "{t}");
            }
        }
        let mut tiny = BucketFinder::new(1);
        for t in [i64::MIN, -1, 0, 1, i64::MAX] {
            assert_eq!(tiny.bucket_of(t), t);
        }
    }
}
