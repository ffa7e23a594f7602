//! Flow records as a CTU-13-style binetflow CSV: Argus's columns and text forms (`ra -c , -Z b`
//! with `RA_TIME_FORMAT="%Y/%m/%d %T.%f"`, times in UTC), a Label column for flow-file inputs,
//! and SrcPkts and WindowStart for windowed packet flows.
//!
//! Fields are quoted as the fast-csv writer this replaces quoted them, so that the files stay
//! byte for byte the same: NUL characters are dropped; a field holding `"` is quoted with the
//! quote doubled; one holding `,`, `|`, CR or LF is quoted. (Only text from a flow file, a
//! label, a state or a protocol name, can hold any of these.)

use crate::fast_hash::FastMap;
use crate::record::{Address, FlowRecord, Protocol};

use super::text::{address_text, protocol_text};

const ICMP: u8 = 1;
const ICMPV6: u8 = 58;
const US_PER_SECOND: i64 = 1_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

/// The CTU-13 columns, in their order, as Argus's `ra` names them.
const BINETFLOW_COLUMNS: [&str; 14] = [
    "StartTime", "Dur", "Proto", "SrcAddr", "Sport", "Dir", "DstAddr", "Dport", "State", "sTos", "dTos", "TotPkts",
    "TotBytes", "SrcBytes",
];

/// Which columns follow the CTU-13 ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BinetflowLayout {
    /// Label (flow-file inputs carry one).
    pub label: bool,
    /// SrcPkts and WindowStart (windowed packet flows).
    pub windowed: bool,
}

/// The header line, with its newline.
pub fn binetflow_header(layout: BinetflowLayout) -> String {
    let mut columns: Vec<&str> = BINETFLOW_COLUMNS.to_vec();
    if layout.label {
        columns.push("Label");
    }
    if layout.windowed {
        columns.extend(["SrcPkts", "WindowStart"]);
    }
    let mut line = columns.join(",");
    line.push('\n');
    line
}

/// Appends one line per record to `out`.
pub fn write_binetflow_rows(records: &[FlowRecord], layout: BinetflowLayout, out: &mut Vec<u8>) {
    let mut times = TimeFormatter::default();
    let mut addresses = AddressTexts::default();
    for record in records {
        times.push(record.start_us, out);
        out.push(b',');
        push_seconds(record.last_us - record.start_us, out);
        out.push(b',');
        match &record.protocol {
            Protocol::Ip(_) => out.extend_from_slice(protocol_text(&record.protocol).as_bytes()),
            Protocol::Named(name) => push_field(name, out),
        }
        out.push(b',');
        addresses.push(&record.src_addr, out);
        out.push(b',');
        let (src_port, dst_port) = ports(record);
        out.extend_from_slice(src_port.as_bytes());
        out.push(b',');
        // Dir as Argus pads it: arrows pointing right get three spaces, everything else two.
        let direction = record.direction.as_str();
        out.extend_from_slice(if matches!(direction, "->" | "?>") { b"   " } else { b"  " });
        out.extend_from_slice(direction.as_bytes());
        out.push(b',');
        addresses.push(&record.dst_addr, out);
        out.push(b',');
        out.extend_from_slice(dst_port.as_bytes());
        out.push(b',');
        push_field(&record.state, out);
        out.push(b',');
        push_optional(record.src_tos.map(u64::from), out);
        out.push(b',');
        push_optional(record.dst_tos.map(u64::from), out);
        out.push(b',');
        push_u64(record.total_pkts, out);
        out.push(b',');
        push_u64(record.total_bytes, out);
        out.push(b',');
        push_u64(record.src_bytes, out);
        if layout.label {
            out.push(b',');
            push_field(record.label.as_deref().unwrap_or(""), out);
        }
        if layout.windowed {
            out.push(b',');
            push_optional(record.src_pkts, out);
            out.push(b',');
            if let Some(window_start_us) = record.window_start_us {
                times.push(window_start_us, out);
            }
        }
        out.push(b'\n');
    }
}

/// Sport and Dport as Argus prints them. Records keep ICMP's type and code in the source port
/// (`type << 8 | code`) and the echo id in the destination port. Argus reads both as
/// little-endian numbers from the packet's bytes, so it shows ICMP's type/code as 0xCCTT and
/// echo id 7 as 0x0700; ICMPv6's as the decimal type and code.
fn ports(record: &FlowRecord) -> (String, String) {
    let decimal = |port: Option<u16>| port.map(|p| p.to_string()).unwrap_or_default();
    match record.protocol {
        Protocol::Ip(ICMP) => {
            let hex = |port: Option<u16>| port.map(|p| format!("0x{:04x}", p.swap_bytes())).unwrap_or_default();
            (hex(record.src_port), hex(record.dst_port))
        }
        Protocol::Ip(ICMPV6) => match record.src_port {
            None => (String::new(), String::new()),
            Some(port) => ((port >> 8).to_string(), (port & 0xff).to_string()),
        },
        _ => (decimal(record.src_port), decimal(record.dst_port)),
    }
}

/// A field of free text, quoted as fast-csv quoted it (see the module's comment).
fn push_field(text: &str, out: &mut Vec<u8>) {
    let text: std::borrow::Cow<str> = if text.contains('\0') { text.replace('\0', "").into() } else { text.into() };
    if text.contains('"') {
        out.push(b'"');
        out.extend_from_slice(text.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else if text.contains([',', '|', '\r', '\n']) {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(text.as_bytes());
    }
}

fn push_u64(value: u64, out: &mut Vec<u8>) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = value;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

fn push_optional(value: Option<u64>, out: &mut Vec<u8>) {
    if let Some(value) = value {
        push_u64(value, out);
    }
}

/// `n` as exactly `width` digits, zero-padded (`n` < 10^width).
fn push_padded(n: i64, width: usize, out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + width, b'0');
    let mut rest = n;
    for slot in out[start..].iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
}

/// Seconds with six decimals, as Argus prints Dur (µs in; floor division, as for times).
fn push_seconds(duration_us: i64, out: &mut Vec<u8>) {
    let whole = duration_us.div_euclid(US_PER_SECOND);
    if whole < 0 {
        out.push(b'-');
    }
    push_u64(whole.unsigned_abs(), out);
    out.push(b'.');
    push_padded(duration_us.rem_euclid(US_PER_SECOND), 6, out);
}

/// `2011/08/16 10:01:46.972101` in UTC from µs since the epoch; the date's text is kept for the
/// next record, which most often starts on the same day.
#[derive(Default)]
struct TimeFormatter {
    /// The day whose text `date` holds ("2011/08/16 "): records of a window start in many
    /// seconds but few days, and the date's making (civil_from_days, the year's text) is what
    /// cost.
    day: Option<i64>,
    date: Vec<u8>,
}

impl TimeFormatter {
    fn push(&mut self, time_us: i64, out: &mut Vec<u8>) {
        let second = time_us.div_euclid(US_PER_SECOND);
        let day = second.div_euclid(SECONDS_PER_DAY);
        if self.day != Some(day) {
            self.date.clear();
            let (year, month, day_of_month) = civil_from_days(day);
            self.date.extend_from_slice(year.to_string().as_bytes());
            self.date.push(b'/');
            push_padded(month, 2, &mut self.date);
            self.date.push(b'/');
            push_padded(day_of_month, 2, &mut self.date);
            self.date.push(b' ');
            self.day = Some(day);
        }
        out.extend_from_slice(&self.date);
        let of_day = second.rem_euclid(SECONDS_PER_DAY);
        let micros = time_us.rem_euclid(US_PER_SECOND);
        // hh:mm:ss.uuuuuu, digit by digit into one reserved piece.
        let (hours, minutes, seconds) = (of_day / 3600, of_day / 60 % 60, of_day % 60);
        let text: [u8; 15] = [
            b'0' + (hours / 10) as u8,
            b'0' + (hours % 10) as u8,
            b':',
            b'0' + (minutes / 10) as u8,
            b'0' + (minutes % 10) as u8,
            b':',
            b'0' + (seconds / 10) as u8,
            b'0' + (seconds % 10) as u8,
            b'.',
            b'0' + (micros / 100_000) as u8,
            b'0' + (micros / 10_000 % 10) as u8,
            b'0' + (micros / 1_000 % 10) as u8,
            b'0' + (micros / 100 % 10) as u8,
            b'0' + (micros / 10 % 10) as u8,
            b'0' + (micros % 10) as u8,
        ];
        out.extend_from_slice(&text);
    }
}

/// The proleptic Gregorian date of a day counted from 1970-01-01: the inverse of
/// `flowfile::days_from_civil` (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097; // [0, 146096]
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // [0, 399]
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // [0, 365]
    let month_from_march = (5 * day_of_year + 2) / 153; // [0, 11]
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1; // [1, 31]
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 }; // [1, 12]
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Addresses repeat within a batch (a LAN's hosts, its servers): each one's text is made once.
#[derive(Default)]
struct AddressTexts {
    /// Keyed with the flow tables' hash: SipHash here was 4% of `flows -o out.csv`.
    texts: FastMap<Address, String>,
}

impl AddressTexts {
    fn push(&mut self, address: &Address, out: &mut Vec<u8>) {
        let text = self.texts.entry(*address).or_insert_with(|| address_text(address));
        out.extend_from_slice(text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flowfile::days_from_civil;
    use crate::packet::IpAddr16;
    use crate::record::Direction;

    fn record() -> FlowRecord {
        FlowRecord {
            window_start_us: None,
            // 2011-08-16T10:01:46.972101Z, the first record of CTU-13 scenario 6 read as UTC.
            start_us: 1_313_488_906_972_101,
            last_us: 1_313_488_906_972_101 + 3_599_986_572,
            protocol: Protocol::Ip(6),
            src_addr: Address::Ip(IpAddr16::from_v4([147, 32, 84, 165])),
            dst_addr: Address::Ip(IpAddr16::from_v4([64, 4, 11, 42])),
            src_port: Some(49_213),
            dst_port: Some(80),
            direction: Direction::Forward,
            state: "FSPA_FSPA".to_string(),
            src_tos: Some(0),
            dst_tos: None,
            total_pkts: 12,
            total_bytes: 3_456,
            src_bytes: 789,
            src_pkts: Some(7),
            src_payload_bytes: None,
            dst_payload_bytes: None,
            src_tcp_flags: 0,
            dst_tcp_flags: 0,
            label: None,
        }
    }

    fn line(record: &FlowRecord, layout: BinetflowLayout) -> String {
        let mut out = Vec::new();
        write_binetflow_rows(std::slice::from_ref(record), layout, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_record_as_ra_prints_it() {
        assert_eq!(
            line(&record(), BinetflowLayout::default()),
            "2011/08/16 10:01:46.972101,3599.986572,tcp,147.32.84.165,49213,   ->,64.4.11.42,80,FSPA_FSPA,0,,12,3456,789\n"
        );
        assert_eq!(
            binetflow_header(BinetflowLayout { label: true, windowed: true }),
            "StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label,SrcPkts,WindowStart\n"
        );
    }

    #[test]
    fn times_and_durations_have_six_fraction_digits() {
        let at = |us: i64| {
            let mut out = Vec::new();
            TimeFormatter::default().push(us, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(at(1_313_488_906_000_007), "2011/08/16 10:01:46.000007");
        assert_eq!(at(1_313_488_907_000_000), "2011/08/16 10:01:47.000000");
        // The earliest time flowhound takes (1969-12-31) floors as JavaScript's Date did.
        assert_eq!(at(-1), "1969/12/31 23:59:59.999999");
        assert_eq!(at(951_782_400_000_000), "2000/02/29 00:00:00.000000");
        // One formatter over records of other seconds and days, back and forth, as a window's are.
        let mut times = TimeFormatter::default();
        let mut out = Vec::new();
        for us in [1_313_488_906_972_101, 1_313_539_199_999_999, 1_313_539_200_000_000, 1_313_488_906_000_001, -1] {
            times.push(us, &mut out);
            out.push(b'|');
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "2011/08/16 10:01:46.972101|2011/08/16 23:59:59.999999|2011/08/17 00:00:00.000000|2011/08/16 10:01:46.000001|1969/12/31 23:59:59.999999|"
        );
        let seconds = |us: i64| {
            let mut out = Vec::new();
            push_seconds(us, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(seconds(3_599_986_572), "3599.986572");
        assert_eq!(seconds(467), "0.000467");
        assert_eq!(seconds(0), "0.000000");
        assert_eq!(seconds(-1), "-1.999999");
    }

    #[test]
    fn civil_from_days_inverts_days_from_civil() {
        for days in -800..(366 * 140) {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(days_from_civil(year, month as u32, day as u32), days);
        }
    }

    #[test]
    fn ports_as_argus_prints_them() {
        let ports_of = |protocol: u8, src: Option<u16>, dst: Option<u16>| {
            ports(&FlowRecord { protocol: Protocol::Ip(protocol), src_port: src, dst_port: dst, ..record() })
        };
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        // From `ra -Z b` on test7-malicious.pcap: host unreachable (type 3, code 1) → 0x0103.
        assert_eq!(ports_of(1, Some((3 << 8) | 1), Some(0xdac1)), pair("0x0103", "0xc1da"));
        // Echo request, id 7 (argus 3.0.8 on test/helpers/small-lan.ts's capture): 0x0008, 0x0700.
        assert_eq!(ports_of(1, Some(8 << 8), Some(7)), pair("0x0008", "0x0700"));
        // Neighbour solicitation (135, 0) → "135", "0".
        assert_eq!(ports_of(58, Some(135 << 8), None), pair("135", "0"));
        assert_eq!(ports_of(58, None, Some(3)), pair("", ""));
        assert_eq!(ports_of(6, Some(49_213), Some(80)), pair("49213", "80"));
        assert_eq!(ports_of(47, None, None), pair("", ""));
    }

    #[test]
    fn directions_are_padded_as_in_ctu13_files() {
        // All seven forms as they appear in capture20110816.binetflow.
        for (direction, text) in [
            (Direction::Forward, "   ->"),
            (Direction::Backward, "  <-"),
            (Direction::Both, "  <->"),
            (Direction::ForwardUncertain, "   ?>"),
            (Direction::BackwardUncertain, "  <?"),
            (Direction::BothUncertain, "  <?>"),
            (Direction::Who, "  who"),
        ] {
            let text_of = line(&FlowRecord { direction, ..record() }, BinetflowLayout::default());
            assert_eq!(text_of.split(',').nth(5), Some(text));
        }
    }

    #[test]
    fn free_text_is_quoted_as_fast_csv_quoted_it() {
        let quoted = |text: &str| {
            let mut out = Vec::new();
            push_field(text, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(quoted("flow=From-Botnet-V42-TCP-CC"), "flow=From-Botnet-V42-TCP-CC");
        assert_eq!(quoted("a,b"), "\"a,b\"");
        assert_eq!(quoted("a|b"), "\"a|b\"");
        assert_eq!(quoted("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quoted("nul\0here"), "nulhere");
        assert_eq!(quoted(""), "");
    }

    #[test]
    fn flow_file_and_window_columns() {
        let labelled = FlowRecord { label: Some("flow=Background".to_string()), window_start_us: Some(1_313_488_800_000_000), ..record() };
        let text = line(&labelled, BinetflowLayout { label: true, windowed: true });
        assert!(text.ends_with(",789,flow=Background,7,2011/08/16 10:00:00.000000\n"), "{text}");
        let whole = FlowRecord { src_pkts: None, ..record() };
        assert!(line(&whole, BinetflowLayout { label: true, windowed: true }).ends_with(",789,,,\n"));
    }
}
