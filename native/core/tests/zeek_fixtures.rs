//! Zeek conn.log input on the committed fixtures (test/fixtures/zeek, see its README):
//! every mapped field of hand-made connections, TSV, JSON and gzip giving the same records,
//! IoT-23's three-space variant, bad rows with their line numbers, and the feature builder.

mod common;

use std::io::Cursor;
use std::path::Path;

use flowhound_core::cidr::Cidr;
use flowhound_core::error::{ErrorCode, FlowhoundError};
use flowhound_core::features::{FeatureBuilder, FeatureOptions, HostLabel, Lan};
use flowhound_core::flowfile::{FlowColumn, FlowFileOptions, FlowFileReader, TextFormat};
use flowhound_core::ingest::{detect_input_format, FlowSource, FlowSourceOptions, InputFormat, InputKind};
use flowhound_core::packet::tcp_flag::{ACK, FIN, PSH, SYN};
use flowhound_core::packet::IpAddr16;
use flowhound_core::record::{Address, Direction, FlowRecord, Protocol};

const STRICT: FlowFileOptions = FlowFileOptions { utc_offset_minutes: 0, keep_going: false, columns: flowhound_core::flowfile::ColumnRenames::NONE };
const KEEP_GOING: FlowFileOptions = FlowFileOptions { utc_offset_minutes: 0, keep_going: true, columns: flowhound_core::flowfile::ColumnRenames::NONE };

fn fixture(name: &str) -> std::path::PathBuf {
    common::fixture("zeek").join(name)
}

fn read_all(reader: &mut FlowFileReader) -> Result<Vec<FlowRecord>, FlowhoundError> {
    let mut records = Vec::new();
    while reader.next_batch(4, &mut records)? > 0 {}
    Ok(records)
}

fn read(name: &str) -> (Vec<FlowRecord>, FlowFileReader) {
    let mut reader = FlowFileReader::open(&fixture(name), STRICT).unwrap_or_else(|err| panic!("{err}"));
    let records = read_all(&mut reader).unwrap_or_else(|err| panic!("{err}"));
    (records, reader)
}

fn ip(text: &str) -> Address {
    match text.parse::<std::net::IpAddr>().unwrap() {
        std::net::IpAddr::V4(v4) => Address::Ip(IpAddr16::from_v4(v4.octets())),
        std::net::IpAddr::V6(v6) => Address::Ip(IpAddr16::from_v6(v6.octets())),
    }
}

fn ip16(text: &str) -> IpAddr16 {
    match ip(text) {
        Address::Ip(ip) => ip,
        _ => unreachable!(),
    }
}

/// A record with the fields every expected one below shares; each test changes the rest.
fn expected(start_us: i64, protocol: u8, src: &str, dst: &str) -> FlowRecord {
    FlowRecord {
        window_start_us: None,
        start_us,
        last_us: start_us,
        protocol: Protocol::Ip(protocol),
        src_addr: ip(src),
        dst_addr: ip(dst),
        src_port: None,
        dst_port: None,
        direction: Direction::Forward,
        state: String::new(),
        src_tos: None,
        dst_tos: None,
        total_pkts: 0,
        total_bytes: 0,
        src_bytes: 0,
        src_pkts: None,
        src_payload_bytes: None,
        dst_payload_bytes: None,
        src_tcp_flags: 0,
        dst_tcp_flags: 0,
        label: None,
    }
}

#[test]
fn hand_made_tsv_every_field_of_its_rows() {
    let (records, reader) = read("conn-hand.log");
    assert_eq!(records.len(), 15);
    let stats = reader.stats();
    assert_eq!((stats.rows, stats.skipped_rows, stats.lines, stats.gzip), (15, 0, 24, false));
    assert_eq!(reader.format(), TextFormat::ZeekTsv);
    assert_eq!(reader.columns().len(), 23);
    assert_eq!((reader.columns()[0].as_str(), reader.columns()[22].as_str()), ("ts", "detailedlabel"));
    assert!(reader.has_column(FlowColumn::SrcBytes) && reader.has_column(FlowColumn::Label));
    assert!(!reader.has_column(FlowColumn::SrcTos) && !reader.has_column(FlowColumn::LastTime));

    // Line 9: SF, history ShADdFf; the packets of 10.1.3 in test/fixtures/argus/edge-cases.pcap.
    let full = FlowRecord {
        last_us: 1_600_000_000_013_000,
        src_port: Some(4444),
        dst_port: Some(80),
        state: "FSPA_FSPA".into(),
        total_pkts: 8,
        total_bytes: 337,
        src_bytes: 205,
        src_pkts: Some(5),
        src_payload_bytes: Some(5),
        dst_payload_bytes: Some(12),
        src_tcp_flags: FIN | SYN | PSH | ACK,
        dst_tcp_flags: FIN | SYN | PSH | ACK,
        label: Some("flow=From-Normal-Zeek-Benign-Web".into()),
        ..expected(1_600_000_000_006_000, 6, "10.1.3.2", "10.1.3.1")
    };
    assert_eq!(records[0], full);
    // Line 10: S0, duration and payload bytes unset (`-`).
    let attempt = FlowRecord {
        src_port: Some(50000),
        dst_port: Some(443),
        state: "S_".into(),
        total_pkts: 1,
        total_bytes: 60,
        src_bytes: 60,
        src_pkts: Some(1),
        src_tcp_flags: SYN,
        label: Some("flow=From-Botnet-Zeek-Malicious-C&C".into()),
        ..expected(1_600_000_000_500_000, 6, "192.168.1.10", "93.184.216.34")
    };
    assert_eq!(records[1], attempt);
    // Line 11: REJ, Sr; line 12: RSTR, ShADadr.
    assert_eq!((records[2].state.as_str(), records[2].direction), ("S_RA", Direction::Forward));
    assert_eq!(records[3].state, "SPA_SRPA");
    assert_eq!(records[3].label.as_deref(), Some("flow=From-Normal-Zeek-Benign"), "(empty) detail");
    // Line 13: met midway and flipped by Zeek (^dA): no handshake, both sides sent.
    let midway = FlowRecord {
        last_us: 1_600_000_003_001_000,
        src_port: Some(2222),
        dst_port: Some(80),
        direction: Direction::BothUncertain,
        state: "A_PA".into(),
        total_pkts: 2,
        total_bytes: 100,
        src_bytes: 40,
        src_pkts: Some(1),
        src_payload_bytes: Some(0),
        dst_payload_bytes: Some(20),
        src_tcp_flags: ACK,
        dst_tcp_flags: PSH | ACK,
        label: Some("flow=Background-Zeek".into()),
        ..expected(1_600_000_003_000_000, 6, "10.1.2.1", "10.1.2.2")
    };
    assert_eq!(records[4], midway);
    // Line 14: history unset, conn_state S1.
    assert_eq!(
        (records[5].state.as_str(), records[5].src_tcp_flags, records[5].dst_tcp_flags),
        ("SA_SA", SYN | ACK, SYN | ACK)
    );
    // Line 15: UDP both ways; line 16: one way.
    assert_eq!(
        (records[6].state.as_str(), records[6].direction, records[6].duration_us()),
        ("CON", Direction::Both, 12_345)
    );
    assert_eq!((records[7].state.as_str(), records[7].direction), ("INT", Direction::Forward));
    // Line 17: only the responder sent (Zeek flipped a reply from port 53).
    let reply_only = FlowRecord {
        src_port: Some(40000),
        dst_port: Some(53),
        direction: Direction::Backward,
        state: "RSP".into(),
        total_pkts: 1,
        total_bytes: 90,
        src_bytes: 0,
        src_pkts: Some(0),
        label: Some("flow=Background-Zeek".into()),
        ..expected(1_600_000_007_000_000, 17, "192.168.1.10", "192.168.1.1")
    };
    assert_eq!(records[8], reply_only);
    // Line 18: an answered ping; type 8 in id.orig_p, its counterpart 0 in id.resp_p.
    let ping = FlowRecord {
        last_us: 1_600_000_008_020_000,
        src_port: Some(0x0800),
        direction: Direction::Both,
        state: "ECO".into(),
        total_pkts: 2,
        total_bytes: 168,
        src_bytes: 84,
        src_pkts: Some(1),
        src_payload_bytes: Some(56),
        dst_payload_bytes: Some(56),
        label: Some("flow=From-Normal-Zeek-Benign".into()),
        ..expected(1_600_000_008_000_000, 1, "192.168.1.10", "8.8.8.8")
    };
    assert_eq!(records[9], ping);
    // Line 19: port unreachable (type 3, code 3).
    assert_eq!((records[10].src_port, records[10].state.as_str()), (Some(0x0303), "URP"));
    // Line 20: IPv6 TCP, SYN and SYN-ACK.
    assert_eq!((records[11].src_addr, records[11].state.as_str()), (ip("2001:db8::7"), "S_SA"));
    // Line 21: a neighbour solicitation: `icmp` over IPv6 is ICMPv6; labels both `(empty)`.
    let solicitation = FlowRecord {
        src_port: Some(135 << 8),
        state: "NNS".into(),
        total_pkts: 1,
        total_bytes: 72,
        src_bytes: 72,
        src_pkts: Some(1),
        ..expected(1_600_000_011_000_000, 58, "fe80::d:1", "ff02::1:ff00:2")
    };
    assert_eq!(records[12], solicitation);
    // Line 22: unknown_transport without ip_proto; labels unset.
    let unknown = FlowRecord {
        protocol: Protocol::Named("unknown_transport".into()),
        last_us: 1_600_000_013_500_000,
        direction: Direction::Both,
        state: "CON".into(),
        total_pkts: 5,
        total_bytes: 500,
        src_bytes: 300,
        src_pkts: Some(3),
        ..expected(1_600_000_012_000_000, 0, "10.0.0.1", "10.0.0.2")
    };
    assert_eq!(records[13], unknown);
    // Line 23: an hour-long IRC connection.
    assert_eq!(
        (records[14].duration_us(), records[14].dst_port, records[14].state.as_str()),
        (3_600_000_000, Some(6667), "FSPA_FSPA")
    );
}

#[test]
fn tsv_json_and_gzip_give_identical_records() {
    let (tsv, _) = read("conn-hand.log");
    let (json, reader) = read("conn-hand.json");
    assert_eq!(reader.format(), TextFormat::ZeekJson);
    assert_eq!((reader.stats().rows, reader.stats().lines), (15, 15));
    assert!(reader.columns().is_empty());
    for (index, (from_json, from_tsv)) in json.iter().zip(&tsv).enumerate() {
        assert_eq!(from_json, from_tsv, "row {}", index + 1);
    }
    assert_eq!(json.len(), tsv.len());
    let (gzip, reader) = read("conn-hand.log.gz");
    assert_eq!(gzip, tsv);
    assert!(reader.stats().gzip);
    let file_bytes = std::fs::metadata(fixture("conn-hand.log.gz")).unwrap().len();
    assert_eq!(reader.stats().bytes_consumed, file_bytes);
}

#[test]
fn iot23_excerpt_with_three_space_joined_fields() {
    let (records, reader) = read("iot23-excerpt.conn.log.labeled");
    assert_eq!((records.len(), reader.stats().lines), (14, 22), "the last line has no newline and is read");
    assert_eq!(&reader.columns()[20..], ["tunnel_parents", "label", "detailed-label"]);
    let device = ip("192.168.1.195");
    assert!(records.iter().all(|r| r.src_addr == device));
    let labels: Vec<&str> = records.iter().map(|r| r.label.as_deref().unwrap()).collect();
    assert_eq!(labels.iter().filter(|l| **l == "flow=From-Normal-Zeek-Benign").count(), 6);
    assert_eq!(labels.iter().filter(|l| l.starts_with("flow=From-Botnet-Zeek-Malicious-")).count(), 8);
    assert_eq!(labels[5], "flow=From-Botnet-Zeek-Malicious-C&C");
    assert_eq!(labels[8], "flow=From-Botnet-Zeek-Malicious-PartOfAHorizontalPortScan");
    assert_eq!(labels[10], "flow=From-Botnet-Zeek-Malicious-DDoS");
    // Line 10: duration unset → 0.
    assert_eq!((records[1].duration_us(), records[1].total_pkts), (0, 1));
    // Line 15: the C&C session (S3, ShAdDaf).
    let cnc = &records[6];
    assert_eq!(
        (cnc.dst_port, cnc.state.as_str(), cnc.total_pkts, cnc.src_pkts, cnc.total_bytes),
        (Some(6667), "SPA_FSPA", 13, Some(7), 1010)
    );
    assert_eq!((cnc.src_payload_bytes, cnc.dst_payload_bytes), (Some(75), Some(243)));
    // Line 19: the DDoS with bad checksums: history C, nothing counted.
    let flood = &records[10];
    assert_eq!(
        (flood.state.as_str(), flood.direction, flood.total_pkts, flood.total_bytes),
        ("_", Direction::ForwardUncertain, 0, 0)
    );
    // Line 22 (the file's last): NTP one way.
    let ntp = &records[13];
    assert_eq!(
        (ntp.protocol.clone(), ntp.state.as_str(), ntp.start_us),
        (Protocol::Ip(17), "INT", 1_545_490_181_542_213)
    );
}

fn reasons(reader: &FlowFileReader) -> Vec<(Option<u64>, String)> {
    reader.stats().skip_reasons.iter().map(|e| (e.location.line, e.message.clone())).collect()
}

#[test]
fn bad_tsv_rows_name_their_line_and_are_skipped_with_keep_going() {
    let path = fixture("bad-rows.conn.log");
    let mut reader = FlowFileReader::open(&path, STRICT).unwrap();
    let mut out = Vec::new();
    let err = reader.next_batch(100, &mut out).unwrap_err();
    assert_eq!((err.code, err.location.line), (ErrorCode::FlowFileBadRow, Some(8)));
    assert_eq!(err.location.path.as_deref(), Some(path.as_path()));
    assert_eq!(err.message, "expected 15 fields as in #fields, found 14");
    assert!(err.to_string().contains("bad-rows.conn.log:8: expected 15 fields"), "{err}");
    assert_eq!(out.len(), 1, "the row before the bad one is kept");

    let mut reader = FlowFileReader::open(&path, KEEP_GOING).unwrap();
    let records = read_all(&mut reader).unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!((reader.stats().rows, reader.stats().skipped_rows, reader.stats().lines), (3, 8, 19));
    let expected: Vec<(Option<u64>, String)> = [
        (8, "expected 15 fields as in #fields, found 14"),
        (9, "field id.orig_h (column 3) \"10.0.0.300\": not an IP or MAC address"),
        (10, "field ts (column 1) \"nan\": not a time (epoch seconds or ISO 8601)"),
        (11, "ts 4133980800.000000 s since 1970 is past 2100-01-01: times are taken from 1969-12-31 to 2100-01-01"),
        (13, "field id.resp_p (column 6) \"http\": not a whole number"),
        (15, "field orig_pkts (column 11) \"-5\": not a whole number"),
        (16, "ts -90000.500000 s since 1970 is more than a day before 1970: times are taken from 1969-12-31 to 2100-01-01"),
        (18, "field id.orig_p (column 4) \"999\": ICMP type above 255"),
    ]
    .iter()
    .map(|(line, message)| (Some(*line), message.to_string()))
    .collect();
    assert_eq!(reasons(&reader), expected);
    let codes: Vec<(Option<u64>, ErrorCode)> = reader.stats().skip_reasons.iter().map(|e| (e.location.line, e.code)).collect();
    let time_lines = [Some(11), Some(16)];
    assert!(codes.iter().all(|(line, code)| *code == if time_lines.contains(line) { ErrorCode::TimeOutOfRange } else { ErrorCode::FlowFileBadRow }), "{codes:?}");
    assert_eq!(records.iter().map(|r| r.src_port.unwrap()).collect::<Vec<_>>(), [40001, 40006, 5353]);
}

#[test]
fn bad_json_lines_name_their_line_and_are_skipped_with_keep_going() {
    let path = fixture("bad-rows.conn.json");
    let mut reader = FlowFileReader::open(&path, STRICT).unwrap();
    let mut out = Vec::new();
    let err = reader.next_batch(100, &mut out).unwrap_err();
    assert_eq!((err.code, err.location.line), (ErrorCode::FlowFileBadRow, Some(2)));
    assert_eq!(err.message, "not a JSON object: expected ',' or '}' after a member at byte 42");
    assert_eq!(out.len(), 1);
    assert_eq!(reader.next_batch(100, &mut out).unwrap_err(), err, "the reader stays failed");

    let mut reader = FlowFileReader::open(&path, KEEP_GOING).unwrap();
    let records = read_all(&mut reader).unwrap();
    assert_eq!((records.len(), reader.stats().skipped_rows), (3, 4));
    assert_eq!(
        reasons(&reader),
        [
            (Some(2), "not a JSON object: expected ',' or '}' after a member at byte 42".to_string()),
            (Some(3), "field ts is missing: a connection needs its time".to_string()),
            (Some(5), "field orig_pkts \"7\": not a count".to_string()),
            (Some(6), "not a JSON object: expected '{' to open the object at byte 1".to_string()),
        ]
    );
}

fn from_text(text: &str, options: FlowFileOptions) -> Result<(Vec<FlowRecord>, FlowFileReader), FlowhoundError> {
    let mut reader = FlowFileReader::from_read(Box::new(Cursor::new(text.as_bytes().to_vec())), "mem.log", options)?;
    let records = read_all(&mut reader)?;
    Ok((records, reader))
}

#[test]
fn concatenated_logs_start_a_new_header() {
    // `cat a.log b.log`: the second log's header lines sit between rows; its columns differ.
    let first = std::fs::read_to_string(fixture("conn-hand.log")).unwrap();
    let second = "#separator \\x09\n#path\tconn\n#fields\tproto\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\n\
                  udp\t1600000100.5\t10.0.0.9\t1\t10.0.0.8\t2\n";
    let (records, reader) = from_text(&format!("{first}{second}"), STRICT).unwrap();
    assert_eq!(records.len(), 16);
    assert_eq!((records[15].src_addr, records[15].start_us), (ip("10.0.0.9"), 1_600_000_100_500_000));
    assert_eq!(reader.stats().lines, 28);
    // A header in the middle that cannot be used stops the reader, even with keep_going: the
    // rows after it would be misread.
    let bad = format!("{first}#path\tdns\n{}", first.lines().nth(8).unwrap());
    for options in [STRICT, KEEP_GOING] {
        let err = from_text(&bad, options).err().unwrap();
        assert_eq!((err.code, err.location.line), (ErrorCode::FlowFileBadHeader, Some(25)));
        assert_eq!(err.message, "#path is \"dns\": this is Zeek's dns log, not its conn.log");
    }
}

#[test]
fn zeek_header_problems_at_open() {
    let err = from_text("#separator \\x09\n#path\tconn\n1\t2\t3\n", STRICT).err().unwrap();
    assert_eq!((err.code, err.location.line), (ErrorCode::FlowFileBadHeader, Some(3)));
    assert_eq!(err.message, "a Zeek log without a #fields line before its rows");
    let err = from_text("#separator \\x09\n#path\tdhcp\n", STRICT).err().unwrap();
    assert_eq!((err.code, err.location.line), (ErrorCode::FlowFileBadHeader, Some(2)));
    let err = from_text("#fields\tts\tuid\n", STRICT).err().unwrap();
    assert_eq!(err.location.line, Some(1));
    assert!(
        err.message.starts_with("#fields lacks id.orig_h, id.orig_p, id.resp_h, id.resp_p, proto"),
        "{}",
        err.message
    );
    // A header without rows is an empty log.
    let (records, _) = from_text(
        "#separator \\x09\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n#close\tx\n",
        STRICT,
    )
    .unwrap();
    assert!(records.is_empty());
    // Blank lines before the first JSON object are skipped, as before any header.
    let (records, reader) = from_text("\n\n{\"ts\":1,\"proto\":\"udp\"}\n", STRICT).unwrap();
    assert_eq!((records.len(), records[0].src_addr, reader.stats().lines), (1, Address::Unknown, 3));
}

#[test]
fn every_flow_file_command_sees_zeek_logs_as_flow_files() {
    // `analyze`, `flows`, `features` and `synth` open inputs through input sniffing and
    // FlowSource (synth through FlowFileReader itself).
    for name in ["conn-hand.log", "conn-hand.json", "conn-hand.log.gz", "iot23-excerpt.conn.log.labeled"] {
        let path = fixture(name);
        assert_eq!(detect_input_format(&path).unwrap(), InputFormat::TextFlowFile, "{name}");
        let options = FlowSourceOptions {
            engine: Default::default(),
            flow_file: STRICT,
            keep_going: false,
            decode_thread: false,
            flows_thread_batch_records: None,
        };
        let mut source = FlowSource::open(&path, options).unwrap();
        assert_eq!(source.kind(), InputKind::FlowFile);
        let mut records = Vec::new();
        while source.next_batch(1000, &mut records).unwrap() {}
        assert!(!records.is_empty(), "{name}");
    }
}

fn windows_of(path: &Path, lan: &str) -> (Vec<flowhound_core::features::WindowFeatures>, FeatureBuilder) {
    let mut reader = FlowFileReader::open(path, STRICT).unwrap();
    let lan = Lan::new(vec![Cidr::parse(lan).unwrap()]);
    let mut builder = FeatureBuilder::new(FeatureOptions { lan, ..FeatureOptions::default() }).unwrap();
    let mut windows = Vec::new();
    let mut batch = Vec::new();
    while reader.next_batch(1000, &mut batch).unwrap() > 0 {
        for record in batch.drain(..) {
            builder.push(record, &mut windows);
        }
    }
    builder.finish(&mut windows);
    (windows, builder)
}

#[test]
fn the_feature_builder_names_the_iot23_device_a_bot() {
    let (windows, builder) = windows_of(&fixture("iot23-excerpt.conn.log.labeled"), "192.168.0.0/16");
    let device = ip16("192.168.1.195");
    assert!(builder.infected_hosts().contains(&device));
    let label_of = |w: &flowhound_core::features::WindowFeatures| {
        w.host_labels[w.hosts.iter().position(|h| *h == device).unwrap()]
    };
    assert!(windows.iter().any(|w| label_of(w) == HostLabel::Infected));
}

#[test]
fn an_outside_attacker_does_not_make_its_lan_victim_a_bot() {
    // Hand-made, as CTU-Normal-40's rows: scanners' SYNs to the clean host, and its own traffic.
    let text = "#separator \\x09\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tconn_state\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\tlabel\tdetailedlabel\n\
        1655071231.749548\t193.201.9.232\t46563\t147.32.81.167\t3933\ttcp\tS0\tS\t2\t80\t0\t0\tMalicious\tExternal-Attack-to-Device\n\
        1655071301.975832\t116.193.159.66\t57239\t147.32.81.167\t5432\ttcp\tS0\tS\t2\t80\t0\t0\tMalicious\tExternal-Attack-to-Device\n\
        1655071198.444458\t147.32.81.167\t62771\t40.74.108.123\t443\ttcp\tSF\tShADdaFf\t14\t1016\t16\t1226\tBenign\tMicrosoft\n";
    let dir = std::env::temp_dir().join(format!("flowhound-zeek-victim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("victim.conn.log");
    std::fs::write(&path, text).unwrap();
    let (windows, builder) = windows_of(&path, "147.32.0.0/16");
    std::fs::remove_dir_all(&dir).unwrap();
    let host = ip16("147.32.81.167");
    assert!(!builder.infected_hosts().contains(&host));
    assert_eq!(
        builder.infected_hosts(),
        vec![ip16("116.193.159.66"), ip16("193.201.9.232")],
        "the attackers are the labelled bots"
    );
    let labels: Vec<HostLabel> =
        windows.iter().map(|w| w.host_labels[w.hosts.iter().position(|h| *h == host).unwrap()]).collect();
    assert!(labels.iter().all(|l| matches!(l, HostLabel::Normal | HostLabel::Unknown)), "{labels:?}");
    assert!(labels.contains(&HostLabel::Normal), "its own Benign connection names it normal");
}
