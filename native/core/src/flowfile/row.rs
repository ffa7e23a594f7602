//! One line of a flow file into a [`FlowRecord`], given the header's column map.
//!
//! The end of a flow is `LastTime` if the file has it, else `StartTime + Dur`.
//! Defaults for optional columns: no `sTos`/`dTos` → `None`; no `SrcBytes` → `TotBytes −
//! DstBytes` when `DstBytes` is there, else 0 (the reader's `has_column` tells which);
//! no `SrcPkts` → `TotPkts − DstPkts`, else `None`; no `Label` or an empty one → `None`.
//! TCP flag unions come from a `-Z b` State (`FSPA_FSA`), else 0.
//!
//! NetFlow CSV with BotRecon's eight columns lacks four of a binetflow's; its rows get:
//!
//! - no `DstAddr` → `Address::Unknown` (the flow has no responder host: it counts for its
//!   source only, and every flow of a host goes to the same "destination");
//! - no `Dir` → `Direction::Other` (printed `?`);
//! - no `TotPkts` → 0, meaning "not counted", not an estimate: packet features read 0;
//! - no `StartTime` → the file has no time at all, so it is taken as one observation, as
//!   BotRecon took it: every row starts at [`UNTIMED_START_US`] (1970-01-01 00:00:00 UTC) and
//!   carries that as its window start, so that the feature builder puts all of them in one
//!   window (a row with a start time counts in both windows holding it). Rows of one start
//!   time have no intervals between them: beacon features find none, rather than a false one.

use crate::packet::ip_proto;
use crate::record::{Address, Direction, FlowRecord, Protocol};

use super::civil_time::parse_timestamp;
use super::columns::{ColumnMap, FlowColumn};
use super::fields::{
    parse_address, parse_count, parse_optional_count, parse_port_value, parse_protocol, parse_seconds_as_us, parse_tos,
};
use super::nfdump;
use crate::flow::{icmp_v4_state, icmp_v6_state};
use super::ports::{record_ports, PortColumn, RecordPorts};
use super::tcp_state::tcp_flags_from_state;

/// Why a row was refused, without the file and line (the reader adds them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub message: String,
}

pub struct RowParser {
    columns: ColumnMap,
    delimiter: u8,
    utc_offset_us: i64,
    /// (start, end) of each field of the current line; reused from row to row.
    field_bounds: Vec<(usize, usize)>,
    /// nfdump's CSV (`nfdump.rs`): its flags become an Argus State, its records go `->`.
    nfdump: bool,
}

/// Start time and window start of every row of a file without a time column.
pub const UNTIMED_START_US: i64 = 0;

/// How much of a bad value to quote in a message.
const QUOTED_VALUE_MAX_CHARS: usize = 60;

/// The (start, end) of each field of `line` into `bounds`. A field in double quotes (RFC 4180,
/// as R's `write.csv`, Excel and pandas with `quoting=csv.QUOTE_ALL` write CSV) is the text
/// between its quotes, and may hold the delimiter; a doubled quote inside stays doubled. A
/// line without quotes is split on the delimiter alone.
pub(super) fn split_fields(line: &[u8], delimiter: u8, bounds: &mut Vec<(usize, usize)>) {
    bounds.clear();
    if memchr::memchr(b'"', line).is_none() {
        let mut start = 0;
        for delimiter_at in memchr::memchr_iter(delimiter, line) {
            bounds.push((start, delimiter_at));
            start = delimiter_at + 1;
        }
        bounds.push((start, line.len()));
        return;
    }
    let mut at = 0;
    loop {
        if line.get(at) == Some(&b'"') {
            let mut search = at + 1;
            let close = loop {
                match memchr::memchr(b'"', &line[search..]) {
                    Some(found) if line.get(search + found + 1) == Some(&b'"') => search += found + 2,
                    Some(found) => break search + found,
                    // An unclosed quote runs to the end of the line.
                    None => break line.len(),
                }
            };
            bounds.push((at + 1, close));
            // Whatever follows the closing quote up to the delimiter is not part of the field.
            match memchr::memchr(delimiter, line.get(close..).unwrap_or_default()) {
                Some(found) => at = close + found + 1,
                None => return,
            }
        } else {
            match memchr::memchr(delimiter, &line[at..]) {
                Some(found) => {
                    bounds.push((at, at + found));
                    at += found + 1;
                }
                None => {
                    bounds.push((at, line.len()));
                    return;
                }
            }
        }
    }
}

/// The fields of a line, as `split_fields` bounds them.
pub(super) fn fields(line: &[u8], delimiter: u8) -> Vec<&[u8]> {
    let mut bounds = Vec::new();
    split_fields(line, delimiter, &mut bounds);
    bounds.into_iter().map(|(start, end)| &line[start..end]).collect()
}

impl RowParser {
    pub fn new(columns: ColumnMap, delimiter: u8, utc_offset_minutes: i32) -> RowParser {
        let field_bounds = Vec::with_capacity(columns.field_count());
        RowParser { columns, delimiter, utc_offset_us: i64::from(utc_offset_minutes) * 60_000_000, field_bounds, nfdump: false }
    }

    /// Rows as nfdump's CSV writes them (`nfdump.rs`).
    pub fn nfdump(mut self, nfdump: bool) -> RowParser {
        self.nfdump = nfdump;
        self
    }

    pub fn is_nfdump(&self) -> bool {
        self.nfdump
    }

    pub fn columns(&self) -> &ColumnMap {
        &self.columns
    }

    fn split(&mut self, line: &[u8]) -> Result<(), RowError> {
        split_fields(line, self.delimiter, &mut self.field_bounds);
        let expected = self.columns.field_count();
        if self.field_bounds.len() != expected {
            return Err(RowError {
                message: format!("expected {expected} fields as in the header, found {}", self.field_bounds.len()),
            });
        }
        Ok(())
    }

    fn text<'l>(&self, line: &'l [u8], column: FlowColumn) -> Option<&'l [u8]> {
        let (start, end) = self.field_bounds[self.columns.field(column)?];
        Some(&line[start..end])
    }

    /// A column the header map guarantees.
    fn required<'l>(&self, line: &'l [u8], column: FlowColumn) -> &'l [u8] {
        self.text(line, column).unwrap_or_default()
    }

    fn field_error(&self, line: &[u8], column: FlowColumn, reason: &str) -> RowError {
        let value = self.text(line, column).unwrap_or_default();
        let mut quoted: String = String::from_utf8_lossy(value).chars().take(QUOTED_VALUE_MAX_CHARS).collect();
        if quoted.len() < value.len() && value.len() > QUOTED_VALUE_MAX_CHARS {
            quoted.push('…');
        }
        let field_number = self.columns.field(column).map_or(0, |f| f + 1);
        RowError { message: format!("field {} (column {field_number}) {quoted:?}: {reason}", column.argus_name()) }
    }

    pub fn parse(&mut self, line: &[u8]) -> Result<FlowRecord, RowError> {
        self.split(line)?;
        self.build(line)
    }

    /// The record of the line just split.
    fn build(&self, line: &[u8]) -> Result<FlowRecord, RowError> {
        let fail = |column: FlowColumn| move |reason: &str| self.field_error(line, column, reason);

        let untimed = self.columns.field(FlowColumn::StartTime).is_none();
        let start_us = match self.text(line, FlowColumn::StartTime) {
            Some(start_time) => parse_timestamp(start_time)
                .map_err(fail(FlowColumn::StartTime))?
                .to_utc_us(self.utc_offset_us)
                .ok_or_else(|| fail(FlowColumn::StartTime)("time out of range"))?,
            None => UNTIMED_START_US,
        };
        // LastTime when the file has it: Argus keeps Dur as a 32-bit float, so `3599.986572`
        // is only good to ±122 µs, while LastTime is printed from the record's timestamps.
        // Without a StartTime, LastTime means nothing and Dur (required then) is used.
        let last_us = match self.text(line, FlowColumn::LastTime).filter(|_| !untimed) {
            Some(last_time) => {
                let last_us = parse_timestamp(last_time)
                    .map_err(fail(FlowColumn::LastTime))?
                    .to_utc_us(self.utc_offset_us)
                    .ok_or_else(|| fail(FlowColumn::LastTime)("time out of range"))?;
                // Argus's management (`man`) records can end before they start; ra prints their
                // Dur as the absolute difference, and so do we. Saturating: a time no date
                // holds is refused by the reader's range check (`time_range`), with its code.
                start_us.saturating_add(last_us.saturating_sub(start_us).saturating_abs())
            }
            None => {
                let dur_us =
                    parse_seconds_as_us(self.required(line, FlowColumn::Dur)).map_err(fail(FlowColumn::Dur))?;
                start_us.saturating_add(dur_us)
            }
        };

        let window_start_us = match self.text(line, FlowColumn::WindowStart).filter(|text| !text.is_empty()) {
            Some(window_start) => Some(
                parse_timestamp(window_start)
                    .map_err(fail(FlowColumn::WindowStart))?
                    .to_utc_us(self.utc_offset_us)
                    .ok_or_else(|| fail(FlowColumn::WindowStart)("time out of range"))?,
            ),
            None if untimed => Some(UNTIMED_START_US),
            None => None,
        };

        let protocol = parse_protocol(self.required(line, FlowColumn::Proto)).map_err(fail(FlowColumn::Proto))?;
        let src_addr = parse_address(self.required(line, FlowColumn::SrcAddr)).map_err(fail(FlowColumn::SrcAddr))?;
        let dst_addr = match self.text(line, FlowColumn::DstAddr) {
            Some(text) => parse_address(text).map_err(fail(FlowColumn::DstAddr))?,
            None => Address::Unknown,
        };
        let sport = parse_port_value(self.required(line, FlowColumn::Sport)).map_err(fail(FlowColumn::Sport))?;
        let icmp = matches!(protocol, Protocol::Ip(ip_proto::ICMP | ip_proto::ICMPV6));
        let RecordPorts(src_port, dst_port) = if self.nfdump && icmp {
            // nfdump puts ICMP's type and code in dp (`3.3`, or 771), which the record keeps
            // as its src_port, Argus's way; the echo id is not in the file.
            let text = self.required(line, FlowColumn::Dport);
            let type_code = match nfdump::icmp_type_code(text) {
                Some(type_code) => Some(type_code),
                None => parse_port_value(text).map_err(fail(FlowColumn::Dport))?,
            };
            let type_code = type_code.map(u16::try_from).transpose().map_err(|_| fail(FlowColumn::Dport)("ICMP type/code above 0xffff"))?;
            RecordPorts(type_code, None)
        } else {
            let dport = parse_port_value(self.required(line, FlowColumn::Dport)).map_err(fail(FlowColumn::Dport))?;
            record_ports(&protocol, sport, dport).map_err(|(column, reason)| match column {
                PortColumn::Source => fail(FlowColumn::Sport)(reason),
                PortColumn::Destination => fail(FlowColumn::Dport)(reason),
            })?
        };

        let direction = match self.text(line, FlowColumn::Dir) {
            Some(text) => Direction::parse(std::str::from_utf8(text).unwrap_or("")),
            None if self.nfdump => Direction::parse("->"),
            None => Direction::Other,
        };
        let state = if self.nfdump {
            let responder_sent = self.text(line, FlowColumn::DstPkts).and_then(|text| parse_count(text).ok()).unwrap_or(0) > 0;
            match (&protocol, src_port) {
                (&Protocol::Ip(ip_proto::ICMP), Some(type_code)) => icmp_v4_state((type_code >> 8) as u8, type_code as u8).to_string(),
                (&Protocol::Ip(ip_proto::ICMPV6), Some(type_code)) => icmp_v6_state((type_code >> 8) as u8, type_code as u8).to_string(),
                _ => nfdump::argus_state(self.required(line, FlowColumn::State), protocol == Protocol::Ip(ip_proto::TCP), responder_sent),
            }
        } else {
            owned_text(self.required(line, FlowColumn::State))
        };
        let (src_tcp_flags, dst_tcp_flags) = match protocol {
            Protocol::Ip(ip_proto::TCP) => tcp_flags_from_state(state.as_bytes()).unwrap_or((0, 0)),
            _ => (0, 0),
        };

        let tos = |column: FlowColumn| match self.text(line, column) {
            Some(text) => parse_tos(text).map_err(fail(column)),
            None => Ok(None),
        };
        let src_tos = tos(FlowColumn::SrcTos)?;
        let dst_tos = tos(FlowColumn::DstTos)?;

        let optional_count = |column: FlowColumn| match self.text(line, column) {
            Some(text) => parse_optional_count(text).map_err(fail(column)),
            None => Ok(None),
        };
        // Without a total column, the sum of the sides (`ColumnMap` admits the file only so).
        let sum_of_sides = |src: FlowColumn, dst: FlowColumn| -> Result<u64, RowError> {
            let (src_count, dst_count) = (optional_count(src)?.unwrap_or(0), optional_count(dst)?.unwrap_or(0));
            src_count.checked_add(dst_count).ok_or_else(|| fail(dst)("sum of the sides too large"))
        };
        let total_pkts = match self.text(line, FlowColumn::TotPkts) {
            Some(text) => parse_count(text).map_err(fail(FlowColumn::TotPkts))?,
            None if self.columns.field(FlowColumn::SrcPkts).is_some() && self.columns.field(FlowColumn::DstPkts).is_some() => {
                sum_of_sides(FlowColumn::SrcPkts, FlowColumn::DstPkts)?
            }
            None => 0,
        };
        let total_bytes = match self.text(line, FlowColumn::TotBytes) {
            Some(text) => parse_count(text).map_err(fail(FlowColumn::TotBytes))?,
            None => sum_of_sides(FlowColumn::SrcBytes, FlowColumn::DstBytes)?,
        };
        let src_bytes = match (self.text(line, FlowColumn::SrcBytes), optional_count(FlowColumn::DstBytes)?) {
            (Some(text), _) => parse_count(text).map_err(fail(FlowColumn::SrcBytes))?,
            (None, Some(dst_bytes)) => {
                total_bytes.checked_sub(dst_bytes).ok_or_else(|| fail(FlowColumn::DstBytes)("above TotBytes"))?
            }
            (None, None) => 0,
        };
        if src_bytes > total_bytes {
            return Err(fail(FlowColumn::SrcBytes)("above TotBytes"));
        }
        let src_pkts = match (optional_count(FlowColumn::SrcPkts)?, optional_count(FlowColumn::DstPkts)?) {
            (Some(src_pkts), _) => Some(src_pkts),
            (None, Some(dst_pkts)) => {
                Some(total_pkts.checked_sub(dst_pkts).ok_or_else(|| fail(FlowColumn::DstPkts)("above TotPkts"))?)
            }
            (None, None) => None,
        };
        if src_pkts.is_some_and(|src_pkts| src_pkts > total_pkts) {
            return Err(fail(FlowColumn::SrcPkts)("above TotPkts"));
        }
        let src_payload_bytes = optional_count(FlowColumn::SrcAppBytes)?;
        let dst_payload_bytes = optional_count(FlowColumn::DstAppBytes)?;

        let label = match self.text(line, FlowColumn::Label) {
            Some(text) if !text.is_empty() => Some(owned_text(text)),
            _ => None,
        };

        Ok(FlowRecord {
            window_start_us,
            start_us,
            last_us,
            protocol,
            src_addr,
            dst_addr,
            src_port,
            dst_port,
            direction,
            state,
            src_tos,
            dst_tos,
            total_pkts,
            total_bytes,
            src_bytes,
            src_pkts,
            src_payload_bytes,
            dst_payload_bytes,
            src_tcp_flags,
            dst_tcp_flags,
            label,
        })
    }
}

/// Text of a field as a String; invalid UTF-8 (never seen in real files) is replaced.
fn owned_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::tcp_flag::{ACK, FIN, PSH, RST, SYN};
    use crate::packet::IpAddr16;

    #[test]
    fn fields_in_quotes_are_the_text_inside() {
        let split = |line: &str| -> Vec<String> {
            fields(line.as_bytes(), b',').into_iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect()
        };
        assert_eq!(split("a,b,,c"), ["a", "b", "", "c"]);
        assert_eq!(split("\"a\",\"b,c\",d"), ["a", "b,c", "d"]);
        assert_eq!(split("\"say \"\"hi\"\"\",2,"), ["say \"\"hi\"\"", "2", ""]);
        assert_eq!(split("\"\",x"), ["", "x"]);
        // An unclosed quote runs to the end; text after a closing quote is dropped.
        assert_eq!(split("1,\"open"), ["1", "open"]);
        assert_eq!(split("\"a\"b,c"), ["a", "c"]);
    }

    const CTU13_HEADER: &str =
        "StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label";

    fn parser(header: &str, delimiter: u8, utc_offset_minutes: i32) -> RowParser {
        let names: Vec<String> = header.split(delimiter as char).map(str::to_string).collect();
        RowParser::new(ColumnMap::from_names(&names).unwrap(), delimiter, utc_offset_minutes)
    }

    fn ctu13() -> RowParser {
        parser(CTU13_HEADER, b',', 0)
    }

    fn v4(a: u8, b: u8, c: u8, d: u8) -> Address {
        Address::Ip(IpAddr16::from_v4([a, b, c, d]))
    }

    #[test]
    fn ctu13_scenario6_first_row() {
        // capture20110816.binetflow, line 2
        let line = b"2011/08/16 10:01:46.972101,3599.986572,tcp,88.176.79.163,49213,  <?>,147.32.84.172,18250,A_PA,0,0,414671,415389446,10150692,flow=Background";
        let record = parser(CTU13_HEADER, b',', 120).parse(line).unwrap();
        assert_eq!(record.start_us, 1_313_481_706_972_101); // 08:01:46.972101 UTC
        assert_eq!(record.last_us, 1_313_481_706_972_101 + 3_599_986_572);
        assert_eq!(record.protocol, Protocol::Ip(6));
        assert_eq!(record.src_addr, v4(88, 176, 79, 163));
        assert_eq!(record.src_port, Some(49213));
        assert_eq!(record.direction, Direction::BothUncertain);
        assert_eq!(record.dst_addr, v4(147, 32, 84, 172));
        assert_eq!(record.dst_port, Some(18250));
        assert_eq!(record.state, "A_PA");
        assert_eq!((record.src_tcp_flags, record.dst_tcp_flags), (ACK, PSH | ACK));
        assert_eq!((record.src_tos, record.dst_tos), (Some(0), Some(0)));
        assert_eq!((record.total_pkts, record.total_bytes, record.src_bytes), (414_671, 415_389_446, 10_150_692));
        assert_eq!(record.src_pkts, None);
        assert_eq!(record.label.as_deref(), Some("flow=Background"));
        assert_eq!(record.window_start_us, None);
        assert_eq!((record.src_payload_bytes, record.dst_payload_bytes), (None, None));
    }

    #[test]
    fn ctu13_scenario11_icmp_botnet_row() {
        // capture20110818-2.botnet.binetflow line 24 (its data lines end in \r\n, which the
        // line reader strips): an echo request, printed 0x0008 by Argus.
        let line = b"2011/08/18 15:52:55.099841,98.652954,icmp,147.32.84.191,0x0008,   ->,147.32.96.69,0x008a,ECO,0,,22,23452,23452,flow=From-Botnet-V52-2-ICMP";
        let record = ctu13().parse(line).unwrap();
        assert_eq!(record.protocol, Protocol::Ip(1));
        assert_eq!(record.src_port, Some(0x0800)); // type 8, code 0
        assert_eq!(record.dst_port, Some(0x8a00)); // Argus prints the id byte-swapped
        assert_eq!(record.direction, Direction::Forward);
        assert_eq!((record.src_tos, record.dst_tos), (Some(0), None));
        assert_eq!(record.duration_us(), 98_652_954);
        assert_eq!((record.src_tcp_flags, record.dst_tcp_flags), (0, 0));
        assert_eq!(record.label.as_deref(), Some("flow=From-Botnet-V52-2-ICMP"));
        // line 23: address mask request (type 17), printed 0x0011, no id.
        let line = b"2011/08/18 15:52:55.096282,101.003891,icmp,147.32.84.191,0x0011,   ->,147.32.96.69,,MAS,0,,3979,4241614,4241614,flow=From-Botnet-V52-2-ICMP";
        let record = ctu13().parse(line).unwrap();
        assert_eq!((record.src_port, record.dst_port), (Some(17 << 8), None));
    }

    #[test]
    fn benign_sample_rows_with_exponent_durations() {
        // benign-sample.binetflow line 39: Dur 1.9e-05, dTos empty.
        let line = b"2011/08/10 09:47:39.507599,1.9e-05,udp,213.129.165.104,64544,   ->,147.32.84.59,6881,INT,0,,1,107,107,flow=Benign-Sample";
        let record = ctu13().parse(line).unwrap();
        assert_eq!(record.duration_us(), 19);
        assert_eq!(record.protocol, Protocol::Ip(17));
        assert_eq!(record.direction, Direction::Forward);
        assert_eq!(record.dst_tos, None);
        // line 382
        let line = b"2011/08/10 09:55:25.564713,8.9e-05,udp,147.32.85.25,47177,  <->,147.32.80.9,53,CON,0,0,2,207,66,flow=Benign-Sample";
        let record = ctu13().parse(line).unwrap();
        assert_eq!(record.duration_us(), 89);
        assert_eq!(record.direction, Direction::Both);
        assert_eq!(record.dst_bytes(), 141);
    }

    #[test]
    fn sample_file_row_with_float_tos() {
        // samples/scenario2-capture20110811.sample.binetflow line 3
        let line = b"2011/08/11 12:55:15.734749,6.01464,udp,71.225.174.47,3697,   ->,147.32.84.229,13363,INT,0.0,,3,222,222,flow=Background-UDP-Attempt";
        let record = ctu13().parse(line).unwrap();
        assert_eq!(record.src_tos, Some(0));
        assert_eq!(record.dst_tos, None);
        assert_eq!(record.duration_us(), 6_014_640);
    }

    #[test]
    fn non_ip_rows_from_scenario6() {
        // capture20110816.binetflow line 85: ipx/spx between MAC addresses, no ports.
        let line = b"2011/08/16 10:01:47.649052,3594.202881,ipx/spx,00:15:17:2c:e5:2d,,   ->,ff:ff:ff:ff:ff:ff,,INT,,,568,52705,52705,flow=Background";
        let record = ctu13().parse(line).unwrap();
        assert_eq!(record.protocol, Protocol::Named("ipx/spx".into()));
        assert_eq!(record.src_addr, Address::Mac([0x00, 0x15, 0x17, 0x2c, 0xe5, 0x2d]));
        assert_eq!(record.dst_addr, Address::Mac([0xff; 6]));
        assert_eq!((record.src_port, record.dst_port), (None, None));
        assert_eq!((record.src_tos, record.dst_tos), (None, None));
        // line 50959: esp with its SPI in Dport.
        let line = b"2011/08/16 10:12:44.069444,2905.065674,esp,147.32.85.33,,   ->,192.35.241.84,0x2020597d,INT,0,,11903,2358690,2358690,flow=Background";
        let record = ctu13().parse(line).unwrap();
        assert_eq!(record.protocol, Protocol::Ip(50));
        assert_eq!((record.src_port, record.dst_port), (None, None));
    }

    #[test]
    fn arp_and_llc_rows_with_empty_labels() {
        // Malicious__CTU-Malware-Capture-Botnet-207-1.gz, lines 2 and 3 (timestamps of a capture
        // without a real clock, written in CET).
        let mut parser = parser(CTU13_HEADER, b',', 60);
        let llc = parser
            .parse(
                b"1970/01/01 01:00:00.000000,0.000000,llc,00:00:00:00:00:00,0,   ->,00:00:00:00:00:00,0,INT,,,1,60,60,",
            )
            .unwrap();
        assert_eq!(llc.start_us, 0);
        assert_eq!(llc.protocol, Protocol::Named("llc".into()));
        assert_eq!(llc.src_addr, Address::Mac([0; 6]));
        assert_eq!((llc.src_port, llc.dst_port), (Some(0), Some(0)));
        assert_eq!(llc.label, None);
        let arp = parser
            .parse(b"1970/01/01 01:00:11.042909,15.609640,arp,192.168.1.110,,  who,192.168.1.2,,CON,,,22,924,462,")
            .unwrap();
        assert_eq!(arp.protocol, Protocol::Named("arp".into()));
        assert_eq!(arp.direction, Direction::Who);
        assert_eq!(arp.src_addr, v4(192, 168, 1, 110));
        assert_eq!(arp.start_us, 11_042_909);
        assert_eq!(arp.duration_us(), 15_609_640);
    }

    #[test]
    fn tab_separated_man_row_with_srcpkts() {
        // test5-mixed.binetflow, line 2: Argus's management record; empty Dir, addresses 0.
        let header = "StartTime\tDur\tProto\tSrcAddr\tSport\tDir\tDstAddr\tDport\tState\tsTos\tdTos\tTotPkts\tTotBytes\tSrcBytes\tSrcPkts\tLabel";
        let mut parser = parser(header, b'\t', 0);
        let man =
            parser.parse(b"2018/05/10 10:52:47.283479\t0.045010\tman\t0\t0\t\t0\t0\tSTA\t\t\t0\t0\t0\t0\t").unwrap();
        assert_eq!(man.protocol, Protocol::Named("man".into()));
        assert_eq!((man.src_addr, man.dst_addr), (Address::Unknown, Address::Unknown));
        assert_eq!(man.direction, Direction::Other);
        assert_eq!(man.src_pkts, Some(0));
        assert_eq!(man.label, None);
        // line 4
        let dhcp = parser
            .parse(b"1970/01/01 01:00:08.140073\t0.000000\tudp\t0.0.0.0\t68\t   ->\t255.255.255.255\t67\tINT\t0\t\t1\t344\t344\t1\tflow=Background-UDP-Attempt")
            .unwrap();
        assert_eq!((dhcp.src_port, dhcp.dst_port), (Some(68), Some(67)));
        assert_eq!(dhcp.src_pkts, Some(1));
        assert_eq!(dhcp.dst_pkts(), Some(0));
    }

    #[test]
    fn ipv6_icmp_and_odd_direction() {
        // test-sality.binetflow line 4
        let record = ctu13()
            .parse(b"1970/01/01 01:00:12.186881,0.000285,ipv6-icmp,::,135,   ->,ff02::1:ff95:f857,0,NNS,0,,2,156,156,")
            .unwrap();
        assert_eq!(record.protocol, Protocol::Ip(58));
        assert_eq!((record.src_port, record.dst_port), (Some(135 << 8), None));
        // test3-mixed.binetflow line 58: Argus debug text leaked into Dir.
        let header = "StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,SrcPkts,Label";
        let record = parser(header, b',', 0)
            .parse(b"2018/12/18 14:00:06.477242,0.000000,tcp,14.225.3.37,1287, get_message  ->,147.32.86.173,23,S_,0,,1,64,64,1,")
            .unwrap();
        assert_eq!(record.direction, Direction::Other);
        assert_eq!((record.src_tcp_flags, record.dst_tcp_flags), (SYN, 0));
    }

    #[test]
    fn file_without_srcbytes_and_label() {
        // Normal__2013-10-21_capture-1.binetflow line 2
        let header = "StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes";
        let record = parser(header, b',', 0)
            .parse(b"2013/10/21 13:22:59.340835,3596.604980,tcp,147.32.83.53,60686,  <?>,147.32.80.88,5222,PA_PA,0,0,448,49634")
            .unwrap();
        assert_eq!(record.src_bytes, 0);
        assert_eq!(record.label, None);
        assert_eq!(record.total_bytes, 49_634);
    }

    #[test]
    fn ra_output_with_last_time_and_per_direction_columns() {
        // `ra -s stime ltime proto saddr sport dir daddr dport state pkts dpkts bytes dbytes
        // sappbytes dappbytes` on test12-icmp-portscan.pcap (see test/fixtures/flowfiles).
        let header = "StartTime,LastTime,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,TotPkts,DstPkts,TotBytes,DstBytes,SAppBytes,DAppBytes";
        let record = parser(header, b',', 0)
            .parse(b"2022/09/24 21:23:16.398593,2022/09/24 21:23:16.401620,icmp,192.168.1.109,0x0008,  <->,192.168.1.1,0xf095,ECO,2,1,84,42,0,0")
            .unwrap();
        assert_eq!(record.duration_us(), 3_027);
        assert_eq!((record.src_port, record.dst_port), (Some(0x0800), Some(0x95f0))); // tshark: id 0x95f0
        assert_eq!(record.src_pkts, Some(1));
        assert_eq!(record.src_bytes, 42);
        assert_eq!((record.src_payload_bytes, record.dst_payload_bytes), (Some(0), Some(0)));
    }

    #[test]
    fn management_record_ending_before_it_starts() {
        // `ra -s stime ltime dur …` on an argus file of test12-icmp-portscan.pcap: the `man`
        // record, whose Dur 0.000810 is |LastTime − StartTime|.
        let header = "StartTime,LastTime,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,TotPkts,TotBytes";
        let record = parser(header, b',', 0)
            .parse(b"2026/11/22 13:01:48.354361,2026/11/22 13:01:48.353551,man,0,0,,0,0,STA,0,0")
            .unwrap();
        assert_eq!(record.duration_us(), 810);
        assert_eq!(record.protocol, Protocol::Named("man".into()));
    }

    #[test]
    fn epoch_times_ignore_the_utc_offset() {
        let header = "StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,TotPkts,TotBytes";
        let record =
            parser(header, b',', 120).parse(b"1313481706.972101,0.5,udp,1.2.3.4,1,   ->,5.6.7.8,2,INT,1,60").unwrap();
        assert_eq!(record.start_us, 1_313_481_706_972_101);
        assert_eq!(record.last_us, 1_313_481_707_472_101);
    }

    #[test]
    fn tcp_flags_only_for_tcp() {
        let record = ctu13()
            .parse(b"2011/08/16 10:01:46.974947,320.268677,tcp,147.32.85.112,22,  <?>,85.70.14.207,10005,FPA_FPA,0,0,31989,7744510,6056438,flow=Background")
            .unwrap();
        assert_eq!((record.src_tcp_flags, record.dst_tcp_flags), (FIN | PSH | ACK, FIN | PSH | ACK));
        let record = ctu13()
            .parse(b"2011/08/16 10:01:46.974947,1,udp,147.32.85.112,22,  <?>,85.70.14.207,10005,S_RA,0,0,2,2,1,")
            .unwrap();
        assert_eq!((record.src_tcp_flags, record.dst_tcp_flags), (0, 0));
        assert_eq!(RST, 0x04);
    }

    #[test]
    fn netflow_rows_without_destination_packets_or_time() {
        // BotRecon's tests/data/test.csv row 0, its eight columns in BotRecon's order.
        let header = "SrcAddr,Proto,Dport,Sport,State,Dur,TotBytes,SrcBytes";
        let mut parser = parser(header, b',', 120);
        let record = parser.parse(b"89.117.241.40,udp,13363.0,36967.0,CON,0.000499,132,72").unwrap();
        assert_eq!(record.src_addr, v4(89, 117, 241, 40));
        assert_eq!(record.dst_addr, Address::Unknown);
        assert_eq!((record.src_port, record.dst_port), (Some(36967), Some(13363)));
        assert_eq!(record.direction, Direction::Other);
        assert_eq!((record.start_us, record.window_start_us), (UNTIMED_START_US, Some(UNTIMED_START_US)));
        assert_eq!(record.duration_us(), 499);
        assert_eq!((record.total_pkts, record.total_bytes, record.src_bytes), (0, 132, 72));
        assert_eq!((record.src_pkts, record.label.as_deref()), (None, None));
        // row 40: ICMP with `nan` ports; row 93: a TCP state gives flags.
        let icmp = parser.parse(b"147.32.87.1,icmp,nan,nan,RED,3010.135498,2870,2870").unwrap();
        assert_eq!((icmp.src_port, icmp.dst_port, icmp.protocol), (None, None, Protocol::Ip(1)));
        let reset = parser.parse(b"70.37.160.39,tcp,17875.0,63878.0,S_RA,0.6592899999999999,244,124").unwrap();
        assert_eq!((reset.src_tcp_flags, reset.dst_tcp_flags), (SYN, RST | ACK));
        assert_eq!(reset.duration_us(), 659_290);
    }

    #[test]
    fn netflow_rows_with_times_and_destination() {
        // BotRecon's tests/data/test.csv, header and row 2 as pandas wrote them.
        let header = ",StartTime,Dur,TotBytes,SrcBytes,Proto,Sport,Dport,State,DstAddr,SrcAddr";
        let record = parser(header, b',', 0)
            .parse(b"2,1313192829.734809,0.055283000000000006,364,0,tcp,1571.0,8081.0,_FSA,147.32.87.54,147.32.87.249")
            .unwrap();
        assert_eq!((record.start_us, record.window_start_us), (1_313_192_829_734_809, None));
        assert_eq!(record.duration_us(), 55_283);
        assert_eq!((record.src_addr, record.dst_addr), (v4(147, 32, 87, 249), v4(147, 32, 87, 54)));
        assert_eq!((record.src_port, record.dst_port), (Some(1571), Some(8081)));
        assert_eq!((record.src_tcp_flags, record.dst_tcp_flags), (0, FIN | SYN | ACK));
        assert_eq!(record.total_pkts, 0);
    }

    #[test]
    fn bad_netflow_rows_name_the_field() {
        let header = "SrcAddr,Proto,Dport,Sport,State,Dur,TotBytes,SrcBytes";
        let mut parser = parser(header, b',', 0);
        let mut error = |line: &str| parser.parse(line.as_bytes()).unwrap_err().message;
        assert_eq!(error("1.2.3.4,udp,53,1025,CON,0.1,100,200"), "field SrcBytes (column 8) \"200\": above TotBytes");
        assert_eq!(error("1.2.3.4,udp,http,1025,CON,0.1,100,20"), "field Dport (column 3) \"http\": not a port number");
        assert_eq!(error("1.2.3.4,udp,53,1025,CON,0.1,nan,20"), "field TotBytes (column 7) \"nan\": not a whole number");
        assert_eq!(error("1.2.3.4,udp,53,1025,CON,0.1,100"), "expected 8 fields as in the header, found 7");
    }

    fn error_of(line: &[u8]) -> String {
        ctu13().parse(line).unwrap_err().message
    }

    #[test]
    fn bad_rows_name_the_field() {
        let good = "2011/08/16 10:01:46.972101,3599.986572,tcp,88.176.79.163,49213,  <?>,147.32.84.172,18250,A_PA,0,0,414671,415389446,10150692,flow=Background";
        assert_eq!(ctu13().parse(good.as_bytes()).map(|_| ()), Ok(()));
        let with = |field: usize, value: &str| {
            let mut fields: Vec<&str> = good.split(',').collect();
            fields[field] = value;
            error_of(fields.join(",").as_bytes())
        };
        assert_eq!(
            with(0, "yesterday"),
            "field StartTime (column 1) \"yesterday\": not a time (YYYY/MM/DD HH:MM:SS.ffffff or epoch seconds)"
        );
        assert_eq!(with(1, "-1"), "field Dur (column 2) \"-1\": negative duration");
        assert_eq!(with(2, ""), "field Proto (column 3) \"\": empty");
        assert_eq!(with(3, "host.example"), "field SrcAddr (column 4) \"host.example\": not an IP or MAC address");
        assert_eq!(with(4, "http"), "field Sport (column 5) \"http\": not a port number");
        assert_eq!(with(7, "70000"), "field Dport (column 8) \"70000\": port above 65535");
        assert_eq!(with(9, "300"), "field sTos (column 10) \"300\": type of service above 255");
        assert_eq!(with(11, ""), "field TotPkts (column 12) \"\": empty");
        assert_eq!(with(12, "1x"), "field TotBytes (column 13) \"1x\": not a whole number");
        assert_eq!(with(13, "415389447"), "field SrcBytes (column 14) \"415389447\": above TotBytes");
        assert_eq!(error_of(b"2011/08/16 10:01:46.972101,1,tcp"), "expected 15 fields as in the header, found 3");
        assert_eq!(error_of(format!("{good},extra").as_bytes()), "expected 15 fields as in the header, found 16");
        let long_value = "x".repeat(100);
        assert!(with(0, &long_value).contains(&format!("\"{}…\"", "x".repeat(60))));
    }
}
