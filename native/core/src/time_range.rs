//! The times flowhound takes from its inputs: from one day before 1970 (devices without a
//! clock start their captures at 0, and a capture written east of UTC a little before) to
//! 2100-01-01T00:00:00Z. Every reader checks its times here, where they enter: a time outside
//! is `ERR_TIME_OUT_OF_RANGE` at its place (byte offset or line), skipped and counted under
//! `keep_going`, so that no later stage sees a time a date cannot hold (JavaScript's `Date`
//! ends at ±8.64·10¹⁵ ms: a pcapng timestamp of 10¹⁹ µs used to become `NaN` there).

use crate::error::{ErrorCode, FlowhoundError};
use crate::record::FlowRecord;

const SECOND_US: i64 = 1_000_000;

/// Earliest time accepted: 1969-12-31T00:00:00Z.
pub const EARLIEST_TIME_US: i64 = -86_400 * SECOND_US;

/// Latest time accepted: 2100-01-01T00:00:00Z (`date -u -d 2100-01-01 +%s` = 4102444800).
pub const LATEST_TIME_US: i64 = 4_102_444_800 * SECOND_US;

/// The longest a flow record may last: 7 days. Flow meters cut long connections (Argus at its
/// status interval, an hour in CTU-13; the longest Zeek connection in ../shared/data lasts 13.6
/// hours); a record over days is a damaged one, and would put its packets in thousands of
/// windows (a record of 1970 to 2011 in 8.8 million, without end and without bound on memory).
pub const LONGEST_RECORD_US: i64 = 7 * 86_400 * SECOND_US;

/// Whether `us` (µs since the epoch) is a time flowhound takes.
#[inline]
pub fn time_in_range(us: i64) -> bool {
    (EARLIEST_TIME_US..=LATEST_TIME_US).contains(&us)
}

/// Why `us` is refused, naming the time as `what` (e.g. "packet timestamp", "StartTime").
pub fn out_of_range_message(what: &str, us: i64) -> String {
    let sign = if us < 0 { "-" } else { "" };
    let magnitude = us.unsigned_abs();
    let (seconds, micros) = (magnitude / SECOND_US as u64, magnitude % SECOND_US as u64);
    let side = if us < EARLIEST_TIME_US { "more than a day before 1970" } else { "past 2100-01-01" };
    format!("{what} {sign}{seconds}.{micros:06} s since 1970 is {side}: times are taken from 1969-12-31 to 2100-01-01")
}

/// `Ok` when `us` is in range, else an `ERR_TIME_OUT_OF_RANGE` error (without a place: the
/// caller adds the file and the offset or line).
pub fn check_time(what: &str, us: i64) -> Result<(), FlowhoundError> {
    if time_in_range(us) {
        Ok(())
    } else {
        Err(FlowhoundError::new(ErrorCode::TimeOutOfRange, out_of_range_message(what, us)))
    }
}

/// What a flow file calls a record's three times, for its errors.
#[derive(Clone, Copy, Debug)]
pub struct RecordTimeNames {
    pub start: &'static str,
    pub last: &'static str,
    pub window_start: &'static str,
}

/// Checks a record's start, end and window start (the first out of range is the error), and
/// that it lasts at most `LONGEST_RECORD_US`.
pub fn check_record_times(record: &FlowRecord, names: &RecordTimeNames) -> Result<(), FlowhoundError> {
    check_time(names.start, record.start_us)?;
    check_time(names.last, record.last_us)?;
    if let Some(window_start_us) = record.window_start_us {
        check_time(names.window_start, window_start_us)?;
    }
    let lasts_us = record.last_us.saturating_sub(record.start_us);
    if lasts_us > LONGEST_RECORD_US {
        let days = lasts_us as f64 / (86_400 * SECOND_US) as f64;
        return Err(FlowhoundError::new(
            ErrorCode::TimeOutOfRange,
            format!("the record lasts {} s ({days:.1} days): longer than the 7 days a flow record may last", lasts_us / SECOND_US),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_a_day_before_1970_and_2100_01_01() {
        assert_eq!(LATEST_TIME_US, crate::flowfile::days_from_civil(2100, 1, 1) * 86_400 * SECOND_US);
        assert!(time_in_range(EARLIEST_TIME_US) && time_in_range(LATEST_TIME_US) && time_in_range(0));
        assert!(!time_in_range(EARLIEST_TIME_US - 1) && !time_in_range(LATEST_TIME_US + 1));
        assert!(!time_in_range(i64::MAX) && !time_in_range(i64::MIN));
    }

    #[test]
    fn the_error_names_the_time_and_the_range() {
        let error = check_time("packet timestamp", 1_000_000_000_000_000_000).unwrap_err();
        assert_eq!(error.code, ErrorCode::TimeOutOfRange);
        let error = check_time("packet timestamp", i64::MAX).unwrap_err();
        assert_eq!(
            error.message,
            "packet timestamp 9223372036854.775807 s since 1970 is past 2100-01-01: times are taken from 1969-12-31 to 2100-01-01"
        );
        assert!(check_time("StartTime", -86_400_000_001).unwrap_err().message.contains("-86400.000001 s since 1970 is more than a day before 1970"));
        assert!(check_time("StartTime", 1_313_481_706_972_101).is_ok());
    }
}
