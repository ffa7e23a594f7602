//! Zeek's `ts`, checked where it enters: epoch seconds (`1545403816.962094`, what the TSV
//! writer and the default JSON writer print), an ISO 8601 string (`JSON::TS_ISO8601`:
//! `2018-12-21T14:50:16.962094Z`), or whole epoch milliseconds (`JSON::TS_MILLIS`).
//!
//! Times are read as integers (never through a float, so never NaN) and rounded to the µs; a
//! number too large for an `i64` of µs saturates. Whether the time is one flowhound takes (a
//! day before 1970 to 2100-01-01) is the reader's check (`time_range`), made for every kind of
//! flow file alike: a time outside is `ERR_TIME_OUT_OF_RANGE`, not a malformed row.

use crate::flowfile::civil_time::{parse_timestamp, split_zone, ParsedTime, BAD_ZONE};
use crate::flowfile::fields::{parse_count, parse_seconds_as_us};

/// JSON integers at least this large are milliseconds (`JSON::TS_MILLIS`): as seconds they
/// would be past the year 5000, refused anyway, so the two readings never compete.
const MILLIS_THRESHOLD: u64 = 100_000_000_000;

const NOT_A_TIME: &str = "not a time (epoch seconds or ISO 8601)";

/// A `ts` written as text: a TSV field or a JSON string.
pub fn ts_from_text(text: &[u8]) -> Result<i64, &'static str> {
    let text = text.trim_ascii();
    if text.len() > 10 && text[4] == b'-' {
        iso8601_us(text)
    } else {
        signed_seconds_us(text)
    }
}

/// A `ts` written as a JSON number: seconds, or milliseconds when a large integer.
pub fn ts_from_json_number(number: &[u8]) -> Result<i64, &'static str> {
    let is_integer = number.iter().all(u8::is_ascii_digit);
    if is_integer && number.len() >= 12 {
        // Too many digits for a u64 is still a number: saturated, for the range check.
        let millis = parse_count(number).unwrap_or(u64::MAX);
        if millis >= MILLIS_THRESHOLD {
            return Ok(i64::try_from(millis).ok().and_then(|ms| ms.checked_mul(1000)).unwrap_or(i64::MAX));
        }
    }
    signed_seconds_us(number)
}

/// `[-]S[.f][e±N]` seconds → µs.
fn signed_seconds_us(text: &[u8]) -> Result<i64, &'static str> {
    let (negative, digits) = match text.strip_prefix(b"-") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if matches!(digits.first(), Some(b'-' | b'+')) {
        return Err(NOT_A_TIME);
    }
    match parse_seconds_as_us(digits) {
        Ok(us) => Ok(if negative { -us } else { us }),
        Err("duration too large") if negative => Ok(i64::MIN),
        Err("duration too large") => Ok(i64::MAX),
        Err(_) => Err(NOT_A_TIME),
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.f]` and a zone: `Z`, `±HH:MM`, `±HHMM` or `±HH` (`civil_time::split_zone`).
fn iso8601_us(text: &[u8]) -> Result<i64, &'static str> {
    const NO_ZONE: &str = "ISO 8601 time without a zone (Z or ±hh:mm)";
    if !text.ends_with(b"Z") && !text.iter().any(|&b| b == b'T' || b == b' ') {
        return Err(NOT_A_TIME);
    }
    let (local, offset_minutes) = match split_zone(text) {
        Ok((local, Some(offset_minutes))) => (local, offset_minutes),
        Ok((_, None)) => return Err(NO_ZONE),
        Err(BAD_ZONE) => return Err(NOT_A_TIME),
        Err(other) => return Err(other),
    };
    match parse_timestamp(local) {
        Ok(ParsedTime::Calendar(us)) => shift(us, offset_minutes),
        Ok(ParsedTime::Epoch(_)) => Err(NOT_A_TIME),
        Err("date out of range") => Err("date out of range"),
        Err("time of day out of range") => Err("time of day out of range"),
        Err(_) => Err(NOT_A_TIME),
    }
}

fn shift(local_us: i64, offset_minutes: i64) -> Result<i64, &'static str> {
    Ok(local_us.saturating_sub(offset_minutes * 60_000_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    // IoT-23_CTU-IoT-Malware-Capture-34-1_Mirai.conn.log.labeled.gz line 9 (first row):
    // ts 1545403816.962094 = 2018-12-21T14:50:16.962094Z (`date -u -d @1545403816`).
    const FIRST_ROW_US: i64 = 1_545_403_816_962_094;

    #[test]
    fn epoch_seconds_as_text_and_number() {
        assert_eq!(ts_from_text(b"1545403816.962094"), Ok(FIRST_ROW_US));
        assert_eq!(ts_from_json_number(b"1545403816.962094"), Ok(FIRST_ROW_US));
        assert_eq!(ts_from_json_number(b"1545403816"), Ok(1_545_403_816_000_000));
        assert_eq!(ts_from_json_number(b"1.545403816962094e9"), Ok(FIRST_ROW_US));
        // Nanoseconds round to the µs.
        assert_eq!(ts_from_text(b"1545403816.9620945"), Ok(FIRST_ROW_US + 1));
        assert_eq!(ts_from_text(b"0"), Ok(0));
        assert_eq!(ts_from_text(b"-3600.5"), Ok(-3_600_500_000));
    }

    #[test]
    fn iso8601_strings() {
        assert_eq!(ts_from_text(b"2018-12-21T14:50:16.962094Z"), Ok(FIRST_ROW_US));
        assert_eq!(ts_from_text(b"2018-12-21T15:50:16.962094+01:00"), Ok(FIRST_ROW_US));
        assert_eq!(ts_from_text(b"2018-12-21T09:20:16.962094-0530"), Ok(FIRST_ROW_US));
        assert_eq!(ts_from_text(b"2018-12-21T16:50:16.962094+02"), Ok(FIRST_ROW_US));
        assert_eq!(ts_from_text(b"2018-12-21T14:50:16Z"), Ok(FIRST_ROW_US - 962_094));
        assert_eq!(ts_from_text(b"2018-12-21T14:50:16.962094"), Err("ISO 8601 time without a zone (Z or ±hh:mm)"));
        assert_eq!(ts_from_text(b"2018-12-21T14:50:16+19:00"), Err("UTC offset out of range"));
        assert_eq!(ts_from_text(b"2018-12-21T14:50:16+1:00"), Err(NOT_A_TIME));
        assert_eq!(ts_from_text(b"2018-02-30T14:50:16Z"), Err("date out of range"));
        assert_eq!(ts_from_text(b"2018-12-21T25:50:16Z"), Err("time of day out of range"));
        assert_eq!(ts_from_text(b"2018-12-21 14:50:16Z"), Ok(FIRST_ROW_US - 962_094));
    }

    #[test]
    fn milliseconds() {
        // JSON::TS_MILLIS of the same row: 1545403816962.
        assert_eq!(ts_from_json_number(b"1545403816962"), Ok(FIRST_ROW_US - 94));
        assert_eq!(ts_from_json_number(b"4102444800000"), Ok(4_102_444_800_000_000));
        // 2100-01-01
    }

    #[test]
    fn out_of_range_and_not_numbers() {
        // Times outside 1969-12-31 … 2100-01-01 are read as they are (saturated when no i64
        // holds them): the reader's range check refuses them, with ERR_TIME_OUT_OF_RANGE.
        assert_eq!(ts_from_text(b"-86400.000001"), Ok(-86_400_000_001));
        assert_eq!(ts_from_text(b"4133980800"), Ok(4_133_980_800_000_000));
        assert_eq!(ts_from_text(b"2101-01-01T00:00:00Z"), Ok(4_133_980_800_000_000));
        assert_eq!(ts_from_text(b"1e300"), Ok(i64::MAX));
        assert_eq!(ts_from_json_number(b"99999999999999999999999"), Ok(i64::MAX));
        assert_eq!(ts_from_json_number(b"-1e300"), Ok(i64::MIN));
        assert_eq!(ts_from_json_number(b"4133980800000"), Ok(4_133_980_800_000_000));
        for bad in [
            &b""[..],
            b"-",
            b"nan",
            b"NaN",
            b"inf",
            b"-inf",
            b"Infinity",
            b"1545403816.96x",
            b"--1",
            b"-+1",
            b"+1",
            b"1,5",
            b"(empty)",
        ] {
            assert_eq!(ts_from_text(bad), Err(NOT_A_TIME), "{}", String::from_utf8_lossy(bad));
        }
    }
}
