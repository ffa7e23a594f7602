//! Timestamps of flow files, turned into µs since the epoch by integer arithmetic.
//!
//! Argus prints `StartTime` as local calendar time (`ra` with `RA_TIME_FORMAT="%Y/%m/%d %T.%f"`,
//! the CTU-13 form) or, with `ra -u`, as epoch seconds. Calendar times carry no zone, so the
//! caller says which offset from UTC they were written in; epoch times need none.

/// A parsed timestamp: calendar text still needs the writer's UTC offset, epoch text does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParsedTime {
    /// Calendar time read as if it were UTC, µs.
    Calendar(i64),
    /// Epoch seconds with fraction, µs.
    Epoch(i64),
}

impl ParsedTime {
    /// µs since the epoch, given the offset (east of UTC, minutes) the calendar text was written in.
    pub fn to_utc_us(self, utc_offset_us: i64) -> Option<i64> {
        match self {
            ParsedTime::Calendar(us) => us.checked_sub(utc_offset_us),
            ParsedTime::Epoch(us) => Some(us),
        }
    }
}

const US_PER_SECOND: i64 = 1_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

/// Days from 1970-01-01 to the given proleptic Gregorian date (negative before it).
///
/// The era arithmetic (400-year cycles of 146,097 days, years counted from March so that the
/// leap day comes last) is Howard Hinnant's well-known `days_from_civil` algorithm.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400; // [0, 399]
    let month_from_march = (i64::from(month) + 9) % 12; // March = 0
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1; // [0, 365]
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Reads `text` from `*pos`: between `min` and `max` ASCII digits as a number.
fn take_digits(text: &[u8], pos: &mut usize, min: usize, max: usize) -> Option<u32> {
    let start = *pos;
    let mut value: u32 = 0;
    while *pos < text.len() && *pos - start < max && text[*pos].is_ascii_digit() {
        value = value * 10 + u32::from(text[*pos] - b'0');
        *pos += 1;
    }
    if *pos - start < min {
        return None;
    }
    Some(value)
}

/// A fraction of a second (the digits after the point) as µs, rounded to the nearest µs.
/// Digits beyond the ninth cannot change the rounding of a µs and are skipped.
fn fraction_to_us(digits: &[u8]) -> Option<i64> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut nanos: i64 = 0;
    for position in 0..9 {
        nanos = nanos * 10 + digits.get(position).map_or(0, |d| i64::from(d - b'0'));
    }
    Some((nanos + 500) / 1000)
}

/// Parses `YYYY/MM/DD HH:MM:SS[.f…]` (`-` also accepted between date parts, `T` between date
/// and time) or epoch seconds `S[.f…]`. Surrounding spaces are ignored. A calendar time that
/// names its zone (`Z`, `±HH:MM`, `±HHMM`, `±HH`: ISO 8601, as pandas writes a UTC column to
/// CSV, `2011-08-16 08:01:46.972101+00:00`) is an absolute time, as epoch seconds are.
pub fn parse_timestamp(text: &[u8]) -> Result<ParsedTime, &'static str> {
    let text = text.trim_ascii();
    if text.is_empty() {
        return Err("empty");
    }
    if text.len() > 4 && matches!(text[4], b'/' | b'-') {
        match split_zone(text)? {
            (local, None) => parse_calendar(local).map(ParsedTime::Calendar),
            (local, Some(offset_minutes)) => {
                parse_calendar(local).map(|us| ParsedTime::Epoch(us.saturating_sub(offset_minutes * 60 * US_PER_SECOND)))
            }
        }
    } else {
        parse_epoch(text).map(ParsedTime::Epoch)
    }
}

/// A calendar time's zone, when it ends with one: the text before it, and the zone's offset
/// east of UTC in minutes. The zone's sign is the last `+` or `-` after the date.
pub fn split_zone(text: &[u8]) -> Result<(&[u8], Option<i64>), &'static str> {
    if let Some(local) = text.strip_suffix(b"Z") {
        return Ok((local, Some(0)));
    }
    let Some(time_start) = text.iter().position(|&b| b == b'T' || b == b' ') else {
        return Ok((text, None));
    };
    let Some(sign_at) = text[time_start..].iter().rposition(|&b| b == b'+' || b == b'-') else {
        return Ok((text, None));
    };
    let sign_at = sign_at + time_start;
    let zone = &text[sign_at + 1..];
    let digits: Vec<u8> = zone.iter().copied().filter(|&b| b != b':').collect();
    let well_formed = matches!(zone.len(), 2 | 4 | 5)
        && digits.iter().all(u8::is_ascii_digit)
        && (zone.len() != 5 || zone[2] == b':')
        && (zone.len() == 2 || digits.len() == 4);
    if !well_formed {
        return Err(BAD_ZONE);
    }
    let hours = i64::from(digits[0] - b'0') * 10 + i64::from(digits[1] - b'0');
    let minutes = if digits.len() == 4 { i64::from(digits[2] - b'0') * 10 + i64::from(digits[3] - b'0') } else { 0 };
    if hours > 18 || minutes > 59 {
        return Err("UTC offset out of range");
    }
    let sign = if text[sign_at] == b'-' { -1 } else { 1 };
    Ok((&text[..sign_at], Some(sign * (hours * 60 + minutes))))
}

/// What `split_zone` says of a zone that is none of its forms.
pub const BAD_ZONE: &str = "not a time zone (Z, ±HH:MM, ±HHMM or ±HH)";

fn parse_calendar(text: &[u8]) -> Result<i64, &'static str> {
    const FORM: &str = "not a time of the form YYYY/MM/DD HH:MM:SS.ffffff (and a zone: Z or ±HH:MM)";
    let mut pos = 0;
    let year = take_digits(text, &mut pos, 4, 4).ok_or(FORM)?;
    let date_separator = text[pos];
    pos += 1;
    let month = take_digits(text, &mut pos, 1, 2).ok_or(FORM)?;
    if text.get(pos) != Some(&date_separator) {
        return Err(FORM);
    }
    pos += 1;
    let day = take_digits(text, &mut pos, 1, 2).ok_or(FORM)?;
    if !matches!(text.get(pos), Some(b' ' | b'T')) {
        return Err(FORM);
    }
    pos += 1;
    let hour = take_digits(text, &mut pos, 1, 2).ok_or(FORM)?;
    if text.get(pos) != Some(&b':') {
        return Err(FORM);
    }
    pos += 1;
    let minute = take_digits(text, &mut pos, 2, 2).ok_or(FORM)?;
    if text.get(pos) != Some(&b':') {
        return Err(FORM);
    }
    pos += 1;
    let second = take_digits(text, &mut pos, 2, 2).ok_or(FORM)?;
    let fraction_us = match text.get(pos) {
        None => 0,
        Some(b'.') => fraction_to_us(&text[pos + 1..]).ok_or(FORM)?,
        Some(_) => return Err(FORM),
    };
    let year = i64::from(year);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err("date out of range");
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err("time of day out of range");
    }
    let seconds = days_from_civil(year, month, day) * SECONDS_PER_DAY
        + i64::from(hour) * 3600
        + i64::from(minute) * 60
        + i64::from(second);
    Ok(seconds * US_PER_SECOND + fraction_us)
}

fn parse_epoch(text: &[u8]) -> Result<i64, &'static str> {
    const FORM: &str = "not a time (YYYY/MM/DD HH:MM:SS.ffffff or epoch seconds)";
    let (whole, fraction) = match text.iter().position(|&b| b == b'.') {
        Some(point) => (&text[..point], Some(&text[point + 1..])),
        None => (text, None),
    };
    if whole.is_empty() || !whole.iter().all(u8::is_ascii_digit) {
        return Err(FORM);
    }
    // 12 digits of seconds reach the year 33658: a longer number is a time no date holds,
    // saturated here so that the reader's range check (`time_range`) refuses it as such.
    if whole.len() > 12 {
        return Ok(i64::MAX);
    }
    let seconds = whole.iter().fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'));
    let fraction_us = match fraction {
        None => 0,
        Some(digits) => fraction_to_us(digits).ok_or(FORM)?,
    };
    Ok(seconds * US_PER_SECOND + fraction_us)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_from_civil_matches_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2011, 8, 16), 15_202); // `date -u -d 2011-08-16 +%s` / 86400
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
        assert_eq!(days_from_civil(1600, 1, 1), -135_140);
    }

    #[test]
    fn days_from_civil_agrees_with_a_day_by_day_walk() {
        // Walks every day from 1900 to 2100 and checks that consecutive dates are one day apart.
        let mut expected = days_from_civil(1900, 1, 1);
        for year in 1900..2100 {
            for month in 1..=12 {
                for day in 1..=days_in_month(year, month) {
                    assert_eq!(days_from_civil(year, month, day), expected, "{year}-{month}-{day}");
                    expected += 1;
                }
            }
        }
    }

    #[test]
    fn parses_ctu13_start_time() {
        // capture20110816.binetflow, first row: 2011/08/16 10:01:46.972101 (CEST).
        // `date -u -d '2011-08-16 10:01:46' +%s` = 1313488906.
        let parsed = parse_timestamp(b"2011/08/16 10:01:46.972101").unwrap();
        assert_eq!(parsed, ParsedTime::Calendar(1_313_488_906_972_101));
        assert_eq!(parsed.to_utc_us(120 * 60 * US_PER_SECOND), Some(1_313_481_706_972_101));
    }

    #[test]
    fn parses_variants_of_the_calendar_form() {
        let base = 1_313_488_906 * US_PER_SECOND;
        assert_eq!(parse_timestamp(b"2011-08-16 10:01:46.972101"), Ok(ParsedTime::Calendar(base + 972_101)));
        assert_eq!(parse_timestamp(b"2011-08-16T10:01:46.5"), Ok(ParsedTime::Calendar(base + 500_000)));
        assert_eq!(parse_timestamp(b"2011/08/16 10:01:46"), Ok(ParsedTime::Calendar(base)));
        assert_eq!(parse_timestamp(b"2011/8/16 10:01:46.97"), Ok(ParsedTime::Calendar(base + 970_000)));
        // Nanoseconds round to the nearest µs.
        assert_eq!(parse_timestamp(b"2011/08/16 10:01:46.9721015"), Ok(ParsedTime::Calendar(base + 972_102)));
        assert_eq!(parse_timestamp(b"2011/08/16 10:01:46.9999999"), Ok(ParsedTime::Calendar(base + 1_000_000)));
        // Stratosphere files written from captures without real clocks: 1970/01/01 01:00:00 (CET).
        assert_eq!(parse_timestamp(b"1970/01/01 01:00:00.000000"), Ok(ParsedTime::Calendar(3_600_000_000)));
    }

    #[test]
    fn a_calendar_time_with_a_zone_is_absolute() {
        // pandas' to_csv of a UTC column: 2011-08-16 08:01:46.972101+00:00 is the CTU-13 row above.
        let utc = ParsedTime::Epoch(1_313_481_706_972_101);
        assert_eq!(parse_timestamp(b"2011-08-16 08:01:46.972101+00:00"), Ok(utc));
        assert_eq!(parse_timestamp(b"2011-08-16T08:01:46.972101Z"), Ok(utc));
        assert_eq!(parse_timestamp(b"2011/08/16 10:01:46.972101+0200"), Ok(utc));
        assert_eq!(parse_timestamp(b"2011-08-16T03:01:46.972101-05"), Ok(utc));
        // Absolute: the writer's --utc-offset does not move it.
        assert_eq!(utc.to_utc_us(120 * 60 * US_PER_SECOND), Some(1_313_481_706_972_101));
        assert_eq!(parse_timestamp(b"2011-08-16 08:01:46+1:00"), Err(BAD_ZONE));
        assert_eq!(parse_timestamp(b"2011-08-16 08:01:46+19:00"), Err("UTC offset out of range"));
    }

    #[test]
    fn parses_epoch_seconds() {
        // `ra -u` prints epoch seconds; test12-icmp-portscan.pcap's first ICMP flow.
        assert_eq!(parse_timestamp(b"1664054596.398593"), Ok(ParsedTime::Epoch(1_664_054_596_398_593)));
        assert_eq!(parse_timestamp(b"1664054596"), Ok(ParsedTime::Epoch(1_664_054_596_000_000)));
        assert_eq!(parse_timestamp(b"1664054596.1"), Ok(ParsedTime::Epoch(1_664_054_596_100_000)));
        assert_eq!(ParsedTime::Epoch(5).to_utc_us(7_200_000_000), Some(5));
    }

    #[test]
    fn rejects_malformed_times() {
        for bad in [
            &b""[..],
            b"2011/08/16",
            b"2011/08/16 10:01",
            b"2011/13/16 10:01:46",
            b"2011/02/29 10:01:46",
            b"2011/08/16 24:00:00",
            b"2011/08/16 10:60:00",
            b"2011/08/16 10:01:46.",
            b"2011/08/16 10:01:46.12x",
            b"2011/08-16 10:01:46",
            b"2011/08/16_10:01:46",
            b"16/08/2011 10:01:46",
            b"abc",
            b"1664054596.39x",
            b"-1664054596",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        // A number too large for a date is no format error: it saturates, for the range check.
        assert_eq!(parse_timestamp(b"99999999999999999999"), Ok(ParsedTime::Epoch(i64::MAX)));
    }
}
