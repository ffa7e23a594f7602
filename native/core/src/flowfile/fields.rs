//! Parsers for single flow-file fields (numbers, addresses, protocols), on bytes, without
//! allocating except where the result owns text (a named protocol).
//!
//! Each returns a short reason on failure; the row parser adds the column, line and file.

use crate::packet::IpAddr16;
use crate::record::{ip_protocol_number, Address, Protocol};

/// A decimal unsigned count (`TotPkts`, `TotBytes`, …). A whole number written as a float
/// (`132.0`, as pandas writes an integer column that held a missing value) is accepted.
pub fn parse_count(text: &[u8]) -> Result<u64, &'static str> {
    let text = without_zero_fraction(text.trim_ascii());
    if text.is_empty() {
        return Err("empty");
    }
    let mut value: u64 = 0;
    for &byte in text {
        if !byte.is_ascii_digit() {
            return Err("not a whole number");
        }
        value = value.checked_mul(10).and_then(|v| v.checked_add(u64::from(byte - b'0'))).ok_or("number too large")?;
    }
    Ok(value)
}

/// Like [`parse_count`], but an empty field (or pandas's `nan`) means "not given".
pub fn parse_optional_count(text: &[u8]) -> Result<Option<u64>, &'static str> {
    if is_absent(text) {
        Ok(None)
    } else {
        parse_count(text).map(Some)
    }
}

/// Empty, or pandas's spelling of a missing value.
fn is_absent(text: &[u8]) -> bool {
    let text = text.trim_ascii();
    text.is_empty() || text.eq_ignore_ascii_case(b"nan")
}

/// `132.0` → `132`; anything else unchanged (and refused later if it is not a whole number).
fn without_zero_fraction(text: &[u8]) -> &[u8] {
    match text.iter().position(|&b| b == b'.') {
        Some(point) if point > 0 && text[point + 1..].iter().all(|&b| b == b'0') => &text[..point],
        _ => text,
    }
}

/// A non-negative number of seconds (`Dur`) as whole µs, rounded to the nearest µs.
///
/// Accepts `3599.986572`, `6.01464`, `0`, and the exponent forms Argus prints for tiny
/// durations (`9.9e-05`, `7e-06`, seen in benign-sample.binetflow).
pub fn parse_seconds_as_us(text: &[u8]) -> Result<i64, &'static str> {
    const FORM: &str = "not a number of seconds";
    let text = text.trim_ascii();
    if text.first() == Some(&b'-') {
        return Err("negative duration");
    }
    // Significant digits go into `mantissa`; the value is mantissa · 10^exponent10.
    let mut mantissa: u64 = 0;
    let mut significant_digits = 0u32;
    let mut exponent10: i64 = 0;
    let mut digits_seen = false;
    let mut pos = 0;
    while pos < text.len() && text[pos].is_ascii_digit() {
        digits_seen = true;
        if significant_digits < 19 {
            mantissa = mantissa * 10 + u64::from(text[pos] - b'0');
            if mantissa != 0 {
                significant_digits += 1;
            }
        } else {
            exponent10 += 1; // a digit we cannot keep still scales the integer part
        }
        pos += 1;
    }
    if text.get(pos) == Some(&b'.') {
        pos += 1;
        while pos < text.len() && text[pos].is_ascii_digit() {
            digits_seen = true;
            if significant_digits < 19 {
                mantissa = mantissa * 10 + u64::from(text[pos] - b'0');
                exponent10 -= 1;
                if mantissa != 0 {
                    significant_digits += 1;
                }
            }
            pos += 1;
        }
    }
    if !digits_seen {
        return Err(FORM);
    }
    if matches!(text.get(pos), Some(b'e' | b'E')) {
        pos += 1;
        let negative = match text.get(pos) {
            Some(b'-') => {
                pos += 1;
                true
            }
            Some(b'+') => {
                pos += 1;
                false
            }
            _ => false,
        };
        let start = pos;
        let mut exponent: i64 = 0;
        while pos < text.len() && text[pos].is_ascii_digit() {
            exponent = (exponent * 10 + i64::from(text[pos] - b'0')).min(10_000);
            pos += 1;
        }
        if pos == start {
            return Err(FORM);
        }
        exponent10 += if negative { -exponent } else { exponent };
    }
    if pos != text.len() {
        return Err(FORM);
    }
    scale_to_us(mantissa, exponent10 + 6).ok_or("duration too large")
}

/// mantissa · 10^power, rounded half up, if it fits an i64.
fn scale_to_us(mantissa: u64, power: i64) -> Option<i64> {
    let mantissa = u128::from(mantissa);
    if mantissa == 0 {
        return Some(0);
    }
    let value = if power >= 0 {
        if power > 38 {
            return None;
        }
        mantissa.checked_mul(10u128.pow(power as u32))?
    } else {
        // A u64 mantissa is below 10^20: dividing by more than 10^21 always rounds to 0.
        if -power > 21 {
            return Some(0);
        }
        let divisor = 10u128.pow((-power) as u32);
        (mantissa + divisor / 2) / divisor
    };
    i64::try_from(value).ok()
}

/// A port column (`Sport`, `Dport`): decimal, or hexadecimal with `0x` (Argus prints ICMP's
/// and ESP's values so). Empty means "no port". The value may exceed 16 bits (ESP's SPI).
///
/// Flow files that went through pandas (BotRecon's NetFlow CSV, its test data among them)
/// write ports as floats (`36967.0`) and absent ones as `nan`: both are read.
pub fn parse_port_value(text: &[u8]) -> Result<Option<u32>, &'static str> {
    if is_absent(text) {
        return Ok(None);
    }
    let text = text.trim_ascii();
    let (digits, radix) = match text {
        [b'0', b'x' | b'X', rest @ ..] => (rest, 16),
        _ => (without_zero_fraction(text), 10),
    };
    if digits.is_empty() {
        return Err("not a port number");
    }
    let mut value: u32 = 0;
    for &byte in digits {
        let digit = (byte as char).to_digit(radix).ok_or("not a port number")?;
        value = value.checked_mul(radix).and_then(|v| v.checked_add(digit)).ok_or("port number too large")?;
    }
    Ok(Some(value))
}

/// A type-of-service column: `0`..`255`, also written `0.0` (the CTU-13 sample files);
/// empty means "not seen" (no packet in that direction).
pub fn parse_tos(text: &[u8]) -> Result<Option<u8>, &'static str> {
    let text = text.trim_ascii();
    if text.is_empty() {
        return Ok(None);
    }
    let whole = match text.iter().position(|&b| b == b'.') {
        Some(point) if text[point + 1..].iter().all(|&b| b == b'0') => &text[..point],
        Some(_) => return Err("not a whole type-of-service value"),
        None => text,
    };
    let value = parse_count(whole)?;
    u8::try_from(value).map(Some).map_err(|_| "type of service above 255")
}

/// An address column: IPv4, IPv6 or a MAC address (non-IP flows such as arp or llc).
/// Empty and `0` (Argus's `man` management records) mean "no address".
///
/// Unlike the record's `Address::Unknown` ("absent or unparseable"), text that is none of
/// these is refused: `ra` without `-n` prints host names, and turning every one of them into
/// `Unknown` would hide the mistake.
pub fn parse_address(text: &[u8]) -> Result<Address, &'static str> {
    let text = text.trim_ascii();
    if let Some(octets) = parse_ipv4(text) {
        return Ok(Address::Ip(IpAddr16::from_v4(octets)));
    }
    if text.is_empty() || text == b"0" {
        return Ok(Address::Unknown);
    }
    if text.contains(&b':') {
        if let Some(mac) = parse_mac(text) {
            return Ok(Address::Mac(mac));
        }
        let as_str = std::str::from_utf8(text).map_err(|_| "not an address")?;
        let v6: std::net::Ipv6Addr = as_str.parse().map_err(|_| "not an IP or MAC address")?;
        return Ok(Address::Ip(IpAddr16::from_v6(v6.octets())));
    }
    Err("not an IP or MAC address")
}

/// Dotted-quad IPv4 in one pass: most addresses in a flow file are these.
fn parse_ipv4(text: &[u8]) -> Option<[u8; 4]> {
    let mut octets = [0u8; 4];
    let mut index = 0;
    let mut value: u32 = 0;
    let mut digits = 0;
    for &byte in text {
        match byte {
            b'0'..=b'9' if digits < 3 => {
                value = value * 10 + u32::from(byte - b'0');
                digits += 1;
            }
            b'.' if digits > 0 && index < 3 => {
                octets[index] = u8::try_from(value).ok()?;
                index += 1;
                value = 0;
                digits = 0;
            }
            _ => return None,
        }
    }
    if digits == 0 || index != 3 {
        return None;
    }
    octets[3] = u8::try_from(value).ok()?;
    Some(octets)
}

/// `00:15:17:2c:e5:2d`: six groups of one or two hex digits.
fn parse_mac(text: &[u8]) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut parts = text.split(|&b| b == b':');
    for byte in &mut mac {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 2 {
            return None;
        }
        let mut value = 0u8;
        for &digit in part {
            value = value * 16 + (digit as char).to_digit(16)? as u8;
        }
        *byte = value;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(mac)
}

/// The `Proto` column: an IP protocol by name or number, or a name Argus gives to non-IP
/// (`arp`, `llc`, `ipx/spx`, `man`) or application protocols (`rtp`, `rtcp`, `udt`).
pub fn parse_protocol(text: &[u8]) -> Result<Protocol, &'static str> {
    let text = text.trim_ascii();
    // The common names first: `ip_protocol_number` allocates and searches a table.
    for (name, number) in [(&b"udp"[..], 17u8), (b"tcp", 6), (b"icmp", 1), (b"igmp", 2), (b"ipv6-icmp", 58)] {
        if text.eq_ignore_ascii_case(name) {
            return Ok(Protocol::Ip(number));
        }
    }
    if text.is_empty() {
        return Err("empty");
    }
    // Names as Argus prints them (`ipv6-icmp`, `ipx/spx`); quotes or spaces mean a file
    // this reader does not understand, not a protocol.
    if !text.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'/' | b'_' | b'.' | b'+')) {
        return Err("not a protocol name");
    }
    let as_str = std::str::from_utf8(text).map_err(|_| "not a protocol name")?;
    if let Some(number) = ip_protocol_number(as_str) {
        return Ok(Protocol::Ip(number));
    }
    if as_str.bytes().all(|b| b.is_ascii_digit()) {
        return Err("protocol number above 255");
    }
    Ok(Protocol::Named(as_str.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(a: u8, b: u8, c: u8, d: u8) -> Address {
        Address::Ip(IpAddr16::from_v4([a, b, c, d]))
    }

    #[test]
    fn counts() {
        assert_eq!(parse_count(b"415389446"), Ok(415_389_446));
        assert_eq!(parse_count(b"0"), Ok(0));
        assert_eq!(parse_count(b"18446744073709551615"), Ok(u64::MAX));
        assert!(parse_count(b"18446744073709551616").is_err());
        assert!(parse_count(b"").is_err());
        assert!(parse_count(b"12a").is_err());
        assert!(parse_count(b"-1").is_err());
        assert!(parse_count(b"1.5").is_err());
        assert_eq!(parse_optional_count(b""), Ok(None));
        assert_eq!(parse_optional_count(b"15"), Ok(Some(15)));
        // As pandas writes them (BotRecon's tests/data/test.csv).
        assert_eq!(parse_count(b"132.0"), Ok(132));
        assert_eq!(parse_count(b"7."), Ok(7));
        assert!(parse_count(b".0").is_err());
        assert!(parse_count(b"nan").is_err(), "a required count cannot be missing");
        assert_eq!(parse_optional_count(b"nan"), Ok(None));
        assert_eq!(parse_optional_count(b"NaN"), Ok(None));
    }

    #[test]
    fn durations_in_the_forms_found_in_ctu13() {
        // capture20110816.binetflow row 1: 3599.986572
        assert_eq!(parse_seconds_as_us(b"3599.986572"), Ok(3_599_986_572));
        // scenario2 sample: 6.01464 (five decimals)
        assert_eq!(parse_seconds_as_us(b"6.01464"), Ok(6_014_640));
        assert_eq!(parse_seconds_as_us(b"0.000000"), Ok(0));
        assert_eq!(parse_seconds_as_us(b"0"), Ok(0));
        assert_eq!(parse_seconds_as_us(b"0.0"), Ok(0));
        // benign-sample.binetflow: exponent forms for tiny durations
        assert_eq!(parse_seconds_as_us(b"9.9e-05"), Ok(99));
        assert_eq!(parse_seconds_as_us(b"7e-06"), Ok(7));
        assert_eq!(parse_seconds_as_us(b"1.4e-05"), Ok(14));
        assert_eq!(parse_seconds_as_us(b"1E+3"), Ok(1_000_000_000));
        // Rounding to the nearest µs.
        assert_eq!(parse_seconds_as_us(b"0.0000005"), Ok(1));
        assert_eq!(parse_seconds_as_us(b"0.0000004999"), Ok(0));
        assert_eq!(parse_seconds_as_us(b"1.23456789"), Ok(1_234_568));
        assert_eq!(parse_seconds_as_us(b"5e-07"), Ok(1));
        assert_eq!(parse_seconds_as_us(b"1e-300"), Ok(0));
        assert_eq!(parse_seconds_as_us(b".5"), Ok(500_000));
        assert_eq!(parse_seconds_as_us(b"3."), Ok(3_000_000));
        // Many digits: the first 19 significant ones count.
        assert_eq!(parse_seconds_as_us(b"0.12345678901234567890123"), Ok(123_457));
        assert_eq!(parse_seconds_as_us(b"00000000000000000000001.5"), Ok(1_500_000));
    }

    #[test]
    fn durations_refused() {
        assert_eq!(parse_seconds_as_us(b"-0.5"), Err("negative duration"));
        assert!(parse_seconds_as_us(b"").is_err());
        assert!(parse_seconds_as_us(b".").is_err());
        assert!(parse_seconds_as_us(b"abc").is_err());
        assert!(parse_seconds_as_us(b"1.5s").is_err());
        assert!(parse_seconds_as_us(b"1e").is_err());
        assert!(parse_seconds_as_us(b"1e-").is_err());
        assert!(parse_seconds_as_us(b"nan").is_err());
        assert!(parse_seconds_as_us(b"1e300").is_err());
        assert!(parse_seconds_as_us(b"99999999999999999999999").is_err());
        assert!(parse_seconds_as_us(b"10000000000000").is_err()); // 1e13 s = 1e19 µs > i64::MAX
    }

    #[test]
    fn ports() {
        assert_eq!(parse_port_value(b"49213"), Ok(Some(49_213)));
        assert_eq!(parse_port_value(b""), Ok(None));
        // capture20110818-2.botnet: ICMP sport 0x0303, Normal-7: 0x000b
        assert_eq!(parse_port_value(b"0x0303"), Ok(Some(0x0303)));
        assert_eq!(parse_port_value(b"0x000b"), Ok(Some(0x000b)));
        // test4-malicious: two-digit hex
        assert_eq!(parse_port_value(b"0x03"), Ok(Some(3)));
        // capture20110816: an ESP SPI in Dport
        assert_eq!(parse_port_value(b"0x2020597d"), Ok(Some(0x2020_597d)));
        // BotRecon's tests/data/test.csv (written by pandas): float ports, `nan` for ICMP.
        assert_eq!(parse_port_value(b"36967.0"), Ok(Some(36_967)));
        assert_eq!(parse_port_value(b"nan"), Ok(None));
        assert!(parse_port_value(b"80.5").is_err());
        assert!(parse_port_value(b"0x1f.0").is_err());
        assert!(parse_port_value(b"0x").is_err());
        assert!(parse_port_value(b"0x1g").is_err());
        assert!(parse_port_value(b"http").is_err());
        assert!(parse_port_value(b"0x123456789").is_err());
        assert!(parse_port_value(b"99999999999").is_err());
    }

    #[test]
    fn tos_values() {
        assert_eq!(parse_tos(b"0"), Ok(Some(0)));
        assert_eq!(parse_tos(b"192"), Ok(Some(192)));
        assert_eq!(parse_tos(b""), Ok(None));
        // scenario1-capture20110810.sample.binetflow writes 0.0
        assert_eq!(parse_tos(b"0.0"), Ok(Some(0)));
        assert!(parse_tos(b"256").is_err());
        assert!(parse_tos(b"0.5").is_err());
        assert!(parse_tos(b"x").is_err());
    }

    #[test]
    fn addresses() {
        assert_eq!(parse_address(b"147.32.84.165"), Ok(v4(147, 32, 84, 165)));
        assert_eq!(parse_address(b"0.0.0.0"), Ok(v4(0, 0, 0, 0)));
        assert_eq!(parse_address(b"255.255.255.255"), Ok(v4(255, 255, 255, 255)));
        // test3-mixed.binetflow, IPv6 row
        let v6: std::net::Ipv6Addr = "2a00:1450:400c:c00::bd".parse().unwrap();
        assert_eq!(parse_address(b"2a00:1450:400c:c00::bd"), Ok(Address::Ip(IpAddr16::from_v6(v6.octets()))));
        assert_eq!(parse_address(b"::"), Ok(Address::Ip(IpAddr16::from_v6([0; 16]))));
        // capture20110816.binetflow line 85, ipx/spx
        assert_eq!(parse_address(b"00:15:17:2c:e5:2d"), Ok(Address::Mac([0x00, 0x15, 0x17, 0x2c, 0xe5, 0x2d])));
        assert_eq!(parse_address(b"ff:ff:ff:ff:ff:ff"), Ok(Address::Mac([0xff; 6])));
        // test5-mixed.binetflow, the `man` row
        assert_eq!(parse_address(b"0"), Ok(Address::Unknown));
        assert_eq!(parse_address(b""), Ok(Address::Unknown));
        for bad in [
            &b"256.1.1.1"[..],
            b"1.2.3",
            b"1.2.3.4.5",
            b"1..2.3",
            b"www.example.com",
            b"zz:zz",
            b"1:2:3:4:5:6:7",
            b"localhost",
        ] {
            assert!(parse_address(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn protocols() {
        assert_eq!(parse_protocol(b"tcp"), Ok(Protocol::Ip(6)));
        assert_eq!(parse_protocol(b"UDP"), Ok(Protocol::Ip(17)));
        assert_eq!(parse_protocol(b"ipv6-icmp"), Ok(Protocol::Ip(58)));
        assert_eq!(parse_protocol(b"esp"), Ok(Protocol::Ip(50)));
        assert_eq!(parse_protocol(b"pim"), Ok(Protocol::Ip(103)));
        assert_eq!(parse_protocol(b"ipv6"), Ok(Protocol::Ip(41)));
        assert_eq!(parse_protocol(b"47"), Ok(Protocol::Ip(47)));
        assert_eq!(parse_protocol(b"rtp"), Ok(Protocol::Named("rtp".into())));
        assert_eq!(parse_protocol(b"ipx/spx"), Ok(Protocol::Named("ipx/spx".into())));
        assert_eq!(parse_protocol(b"ARP"), Ok(Protocol::Named("arp".into())));
        assert_eq!(parse_protocol(b"man"), Ok(Protocol::Named("man".into())));
        assert!(parse_protocol(b"").is_err());
        assert!(parse_protocol(b"300").is_err());
        assert!(parse_protocol(b"a b").is_err());
        assert!(parse_protocol(b"\"tcp\"").is_err());
    }
}
