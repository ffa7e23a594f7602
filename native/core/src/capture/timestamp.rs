//! Conversion of capture timestamps to microseconds since the epoch, by integer arithmetic.

const MICROS_PER_SECOND: u64 = 1_000_000;

/// How a pcapng interface counts time: `units_per_second` ticks per second, a power of 10
/// or of 2 (`if_tsresol`), plus `offset_s` seconds (`if_tsoffset`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimestampScale {
    units_per_second: u64,
    offset_us: i128,
}

impl TimestampScale {
    #[cfg(test)]
    pub const MICROSECONDS: TimestampScale = TimestampScale { units_per_second: MICROS_PER_SECOND, offset_us: 0 };

    /// From a raw `if_tsresol` byte: the high bit chooses a negative power of 2, otherwise of
    /// 10. Returns `None` for resolutions that do not fit in 64 bits (as libpcap rejects them).
    pub fn from_tsresol(tsresol: u8, offset_s: i64) -> Option<TimestampScale> {
        let exponent = u32::from(tsresol & 0x7f);
        let units_per_second = if tsresol & 0x80 != 0 {
            if exponent > 63 {
                return None;
            }
            1u64 << exponent
        } else {
            10u64.checked_pow(exponent)?
        };
        Some(TimestampScale { units_per_second, offset_us: i128::from(offset_s) * i128::from(MICROS_PER_SECOND) })
    }

    #[cfg(test)]
    pub fn units_per_second(self) -> u64 {
        self.units_per_second
    }

    /// Microseconds since the epoch for a 64-bit tick count; fractions of a microsecond are
    /// truncated (as libpcap does when it scales down). Saturates instead of overflowing.
    #[inline]
    pub fn to_us(self, ticks: u64) -> i64 {
        let units = self.units_per_second;
        let whole_us = if units == MICROS_PER_SECOND {
            i128::from(ticks)
        } else {
            let seconds = ticks / units;
            let fraction = ticks % units;
            let fraction_us = (u128::from(fraction) * u128::from(MICROS_PER_SECOND)) / u128::from(units);
            i128::from(seconds) * i128::from(MICROS_PER_SECOND) + fraction_us as i128
        };
        saturate_i64(whole_us + self.offset_us)
    }
}

/// Classic pcap record times: seconds and micro- or nanoseconds.
#[inline]
pub fn pcap_to_us(seconds: u32, fraction: u32, nanosecond: bool) -> i64 {
    let fraction_us = if nanosecond { fraction / 1000 } else { fraction };
    i64::from(seconds) * MICROS_PER_SECOND as i64 + i64::from(fraction_us)
}

fn saturate_i64(value: i128) -> i64 {
    value.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powers_of_ten() {
        let ns = TimestampScale::from_tsresol(9, 0).unwrap();
        assert_eq!(ns.to_us(1_300_000_000_123_456_789), 1_300_000_000_123_456);
        let ms = TimestampScale::from_tsresol(3, 0).unwrap();
        assert_eq!(ms.to_us(1_300_000_000_123), 1_300_000_000_123_000);
        let s = TimestampScale::from_tsresol(0, 0).unwrap();
        assert_eq!(s.to_us(1_300_000_000), 1_300_000_000_000_000);
        assert_eq!(TimestampScale::from_tsresol(6, 0).unwrap(), TimestampScale::MICROSECONDS);
        assert!(TimestampScale::from_tsresol(19, 0).is_some());
        assert!(TimestampScale::from_tsresol(20, 0).is_none());
    }

    #[test]
    fn powers_of_two() {
        // 2^-10 s ticks: 1024 ticks per second; 1536 ticks = 1.5 s.
        let binary = TimestampScale::from_tsresol(0x80 | 10, 0).unwrap();
        assert_eq!(binary.to_us(1536), 1_500_000);
        let finest = TimestampScale::from_tsresol(0x80 | 63, 0).unwrap();
        assert_eq!(finest.to_us(u64::MAX), 1_999_999);
        assert!(TimestampScale::from_tsresol(0x80 | 64, 0).is_none());
    }

    #[test]
    fn offset_is_added_in_seconds() {
        let scale = TimestampScale::from_tsresol(6, 1_000).unwrap();
        assert_eq!(scale.to_us(5), 1_000_000_005);
        let negative = TimestampScale::from_tsresol(6, -1).unwrap();
        assert_eq!(negative.to_us(0), -1_000_000);
    }

    #[test]
    fn huge_values_saturate() {
        let seconds = TimestampScale::from_tsresol(0, i64::MAX).unwrap();
        assert_eq!(seconds.to_us(u64::MAX), i64::MAX);
    }

    #[test]
    fn classic_pcap_times() {
        assert_eq!(pcap_to_us(1_300_000_000, 123_456, false), 1_300_000_000_123_456);
        assert_eq!(pcap_to_us(1_300_000_000, 123_456_789, true), 1_300_000_000_123_456);
        // Unsigned seconds: past 2038 stays positive.
        assert_eq!(pcap_to_us(u32::MAX, 0, false), i64::from(u32::MAX) * 1_000_000);
    }
}
