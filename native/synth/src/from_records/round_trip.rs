//! Checks a rebuilt capture against the records it was rebuilt from: the records a reader
//! (`flowhound flows --whole --status-interval 3600`, or Argus) makes of the capture are
//! matched to the input records, and each input record without an equal one is explained.
//!
//! A record is given back when a read record has the same protocol, addresses and ports,
//! `TotPkts`, `TotBytes`, `SrcBytes` and State, and starts and lasts within 1 ms of it. The
//! comparison takes into account how the two sides write the same facts:
//! - `rtp`, `rtcp`, `udt` are UDP on the wire;
//! - ICMP: a blank `Sport`/`Dport` is ra's way of printing 0; ICMPv6 records carry no id.
//!   Both sides follow `FlowRecord`'s port convention (the flow-file reader turns Argus's
//!   byte-swapped text into it), so ports are otherwise compared exactly.
//!
//! Direction and TOS are not part of the criterion; their differences are counted apart.

use std::collections::{BTreeMap, HashMap};

use flowhound_core::packet::{ip_proto, IpAddr16};
use flowhound_core::record::{udp_application_name, Address, FlowRecord, Protocol};


/// Start and duration may differ by this much.
pub const TIME_TOLERANCE_US: i64 = 1_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct MatchKey {
    proto: u8,
    ends: [IpAddr16; 2],
    ports: [u16; 2],
}

/// A record reduced to what the criterion compares.
#[derive(Clone, Debug, PartialEq)]
struct Comparable {
    key: MatchKey,
    start_us: i64,
    duration_us: i64,
    total_pkts: u64,
    total_bytes: u64,
    src_bytes: u64,
    state: String,
}

fn comparable(record: &FlowRecord) -> Option<Comparable> {
    let proto = match &record.protocol {
        Protocol::Ip(number) => *number,
        Protocol::Named(name) if udp_application_name(name) => ip_proto::UDP,
        Protocol::Named(_) => return None,
    };
    let (Address::Ip(src), Address::Ip(dst)) = (record.src_addr, record.dst_addr) else { return None };
    let ports = [record.src_port.unwrap_or(0), record.dst_port.unwrap_or(0)];
    Some(Comparable {
        key: MatchKey { proto, ends: [src, dst], ports },
        start_us: record.start_us,
        duration_us: record.duration_us(),
        total_pkts: record.total_pkts,
        total_bytes: record.total_bytes,
        src_bytes: record.src_bytes,
        state: record.state.clone(),
    })
}

/// The fields of the criterion that differ (empty: a match).
fn differences(expected: &Comparable, read: &Comparable) -> Vec<&'static str> {
    let mut fields = Vec::new();
    if (expected.start_us - read.start_us).abs() > TIME_TOLERANCE_US {
        fields.push("start");
    }
    if (expected.duration_us - read.duration_us).abs() > TIME_TOLERANCE_US {
        fields.push("dur");
    }
    if expected.total_pkts != read.total_pkts {
        fields.push("pkts");
    }
    if expected.total_bytes != read.total_bytes {
        fields.push("bytes");
    }
    if expected.src_bytes != read.src_bytes {
        fields.push("src_bytes");
    }
    if expected.state != read.state {
        fields.push("state");
    }
    fields
}

/// One input record not given back, with the nearest read record and what differs.
#[derive(Clone, Debug)]
pub struct Miss {
    pub expected: FlowRecord,
    /// The read record of the same key (or, failing that, the reversed key) nearest in time.
    pub nearest: Option<FlowRecord>,
    /// The reason class: differing fields joined by `+`, `reversed`, or `absent`.
    pub reason: String,
}

#[derive(Clone, Debug, Default)]
pub struct RoundTripReport {
    /// Input records the rebuild wrote (those the comparison expects back).
    pub expected: u64,
    pub matched: u64,
    /// Records read from the capture.
    pub read: u64,
    /// Matches whose direction column differs.
    pub matched_direction_differs: u64,
    /// The first of them (input record, read record), as many as misses are kept.
    pub direction_differences: Vec<(FlowRecord, FlowRecord)>,
    /// Matches whose sTos or dTos differs.
    pub matched_tos_differs: u64,
    /// Misses by reason class.
    pub misses_by_reason: BTreeMap<String, u64>,
    /// The first misses, for messages.
    pub misses: Vec<Miss>,
}

impl RoundTripReport {
    pub fn matched_fraction(&self) -> f64 {
        if self.expected == 0 {
            1.0
        } else {
            self.matched as f64 / self.expected as f64
        }
    }

    /// A few lines: the figures, the reasons, the first `examples` misses.
    pub fn summary(&self, examples: usize) -> String {
        let mut text = format!(
            "{} of {} records given back ({:.3} %), {} records read; direction differs: {}, TOS differs: {}\n",
            self.matched,
            self.expected,
            100.0 * self.matched_fraction(),
            self.read,
            self.matched_direction_differs,
            self.matched_tos_differs
        );
        for (reason, count) in &self.misses_by_reason {
            text.push_str(&format!("  missed, {reason}: {count}\n"));
        }
        for miss in self.misses.iter().take(examples) {
            text.push_str(&format!("  {}:\n    expected {}\n", miss.reason, describe(&miss.expected)));
            match &miss.nearest {
                Some(nearest) => text.push_str(&format!("    read     {}\n", describe(nearest))),
                None => text.push_str("    read     nothing with these ends\n"),
            }
        }
        text
    }
}

/// A record on one line, in the binetflow column order.
pub fn describe(record: &FlowRecord) -> String {
    let port = |port: Option<u16>| port.map_or_else(String::new, |p| p.to_string());
    let address = |address: &Address| match address {
        Address::Ip(ip) => ip.to_string(),
        other => format!("{other:?}"),
    };
    let protocol = match &record.protocol {
        Protocol::Ip(number) => flowhound_core::record::ip_protocol_name(*number).map_or_else(|| number.to_string(), str::to_string),
        Protocol::Named(name) => name.clone(),
    };
    format!(
        "{}.{:06} {:.6} {} {}:{} {} {}:{} {} tos {:?}/{:?} {} pkts {} bytes {} src bytes",
        record.start_us.div_euclid(1_000_000),
        record.start_us.rem_euclid(1_000_000),
        record.duration_us() as f64 / 1e6,
        protocol,
        address(&record.src_addr),
        port(record.src_port),
        record.direction.as_str(),
        address(&record.dst_addr),
        port(record.dst_port),
        record.state,
        record.src_tos,
        record.dst_tos,
        record.total_pkts,
        record.total_bytes,
        record.src_bytes
    )
}

/// Collects the input records and the read records, then matches them.
#[derive(Default)]
pub struct RoundTrip {
    expected: Vec<(FlowRecord, Comparable)>,
    read: Vec<(FlowRecord, Comparable)>,
    /// Misses kept whole in the report.
    pub max_misses_kept: usize,
}

impl RoundTrip {
    pub fn new(max_misses_kept: usize) -> RoundTrip {
        RoundTrip { max_misses_kept, ..RoundTrip::default() }
    }

    /// An input record the rebuild wrote (see `RecordSynthesizer`'s labels, or apply the
    /// same selection). Records that are not IP are ignored.
    pub fn expect(&mut self, record: &FlowRecord) {
        if let Some(comparable) = comparable(record) {
            self.expected.push((record.clone(), comparable));
        }
    }

    /// A record read back from the capture.
    pub fn read(&mut self, record: FlowRecord) {
        if let Some(comparable) = comparable(&record) {
            self.read.push((record, comparable));
        }
    }

    pub fn finish(self) -> RoundTripReport {
        let mut report = RoundTripReport { expected: self.expected.len() as u64, read: self.read.len() as u64, ..RoundTripReport::default() };
        let mut read_by_key: HashMap<MatchKey, Vec<usize>> = HashMap::new();
        for (index, (_, comparable)) in self.read.iter().enumerate() {
            read_by_key.entry(comparable.key).or_default().push(index);
        }
        let mut taken = vec![false; self.read.len()];
        let mut unmatched = Vec::new();
        for (expected_index, (expected_record, expected)) in self.expected.iter().enumerate() {
            let candidates = read_by_key.get(&expected.key).map(Vec::as_slice).unwrap_or(&[]);
            let best = candidates
                .iter()
                .copied()
                .filter(|&index| !taken[index] && differences(expected, &self.read[index].1).is_empty())
                .min_by_key(|&index| (self.read[index].1.start_us - expected.start_us).abs());
            match best {
                Some(index) => {
                    taken[index] = true;
                    report.matched += 1;
                    let (read_record, _) = &self.read[index];
                    if read_record.direction != expected_record.direction {
                        report.matched_direction_differs += 1;
                        if report.direction_differences.len() < self.max_misses_kept {
                            report.direction_differences.push((expected_record.clone(), read_record.clone()));
                        }
                    }
                    report.matched_tos_differs += u64::from(
                        read_record.src_tos.unwrap_or(0) != expected_record.src_tos.unwrap_or(0)
                            || read_record.dst_tos.unwrap_or(0) != expected_record.dst_tos.unwrap_or(0),
                    );
                }
                None => unmatched.push(expected_index),
            }
        }
        for expected_index in unmatched {
            let (expected_record, expected) = &self.expected[expected_index];
            let nearest = |key: &MatchKey| {
                read_by_key.get(key).and_then(|candidates| {
                    candidates.iter().copied().min_by_key(|&index| (self.read[index].1.start_us - expected.start_us).abs())
                })
            };
            let reversed_key = MatchKey { proto: expected.key.proto, ends: [expected.key.ends[1], expected.key.ends[0]], ports: [expected.key.ports[1], expected.key.ports[0]] };
            let (reason, nearest_index) = match nearest(&expected.key) {
                Some(index) => {
                    let fields = differences(expected, &self.read[index].1);
                    let reason = if fields.is_empty() { "taken by another record".to_string() } else { fields.join("+") };
                    (reason, Some(index))
                }
                None => match nearest(&reversed_key) {
                    Some(index) => ("reversed".to_string(), Some(index)),
                    None => ("absent".to_string(), None),
                },
            };
            *report.misses_by_reason.entry(reason.clone()).or_default() += 1;
            if report.misses.len() < self.max_misses_kept {
                report.misses.push(Miss {
                    expected: expected_record.clone(),
                    nearest: nearest_index.map(|index| self.read[index].0.clone()),
                    reason,
                });
            }
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_records::ExampleRecords;
    use flowhound_core::record::Direction;

    fn record(protocol: Protocol, src_port: Option<u16>, dst_port: Option<u16>, state: &str) -> FlowRecord {
        FlowRecord {
            protocol,
            src_port,
            dst_port,
            direction: Direction::Both,
            state: state.into(),
            dst_tos: Some(0),
            total_pkts: 2,
            total_bytes: 203,
            src_bytes: 64,
            ..FlowRecord::example_tcp([147, 32, 84, 165], 0, [147, 32, 80, 9], 0, 1_000_000, 1_500_000)
        }
    }

    #[test]
    fn equal_records_match_within_a_millisecond() {
        let mut round_trip = RoundTrip::new(10);
        let input = record(Protocol::Named("rtp".into()), Some(1025), Some(53), "CON");
        round_trip.expect(&input);
        let mut read = record(Protocol::Ip(17), Some(1025), Some(53), "CON");
        read.start_us += 900;
        read.last_us += 1_800;
        read.direction = Direction::Forward;
        round_trip.read(read);
        let report = round_trip.finish();
        assert_eq!((report.expected, report.matched, report.matched_direction_differs), (1, 1, 1));
    }

    #[test]
    fn misses_say_what_differs() {
        let mut round_trip = RoundTrip::new(10);
        round_trip.expect(&record(Protocol::Ip(6), Some(1025), Some(80), "S_RA"));
        round_trip.expect(&record(Protocol::Ip(6), Some(1026), Some(80), "S_RA"));
        round_trip.expect(&record(Protocol::Ip(6), Some(1027), Some(80), "S_RA"));
        round_trip.read(FlowRecord { total_pkts: 3, ..record(Protocol::Ip(6), Some(1025), Some(80), "S_") });
        let mut reversed = record(Protocol::Ip(6), Some(80), Some(1026), "RA_S");
        std::mem::swap(&mut reversed.src_addr, &mut reversed.dst_addr);
        round_trip.read(reversed);
        let report = round_trip.finish();
        assert_eq!(report.matched, 0);
        assert_eq!(report.misses_by_reason.get("pkts+state"), Some(&1));
        assert_eq!(report.misses_by_reason.get("reversed"), Some(&1));
        assert_eq!(report.misses_by_reason.get("absent"), Some(&1));
        assert!(report.summary(3).contains("expected"));
    }

    #[test]
    fn icmp_ports_are_compared_exactly() {
        let mut round_trip = RoundTrip::new(10);
        // ECR: blank Sport in the file is ra's 0.
        round_trip.expect(&record(Protocol::Ip(1), None, Some(0x5283), "ECR"));
        round_trip.read(record(Protocol::Ip(1), Some(0), Some(0x5283), "ECR"));
        // An id in the other byte order is a different flow.
        round_trip.expect(&record(Protocol::Ip(1), Some(0x0800), Some(0x8352), "ECO"));
        round_trip.read(record(Protocol::Ip(1), Some(0x0800), Some(0x5283), "ECO"));
        let report = round_trip.finish();
        assert_eq!(report.matched, 1);
    }
}
