//! The flow-file reader on the committed fixtures (test/fixtures/flowfiles): real excerpts of
//! every variant, argus/ra output checked against tshark, and damaged files.

use std::collections::HashSet;
use std::io::{Cursor, Read};
use std::path::PathBuf;

use flowhound_core::error::{ErrorCode, FlowhoundError};
use flowhound_core::flowfile::{FlowColumn, FlowFileOptions, FlowFileReader, MAX_LINE_BYTES};
use flowhound_core::packet::tcp_flag::{ACK, RST, SYN};
use flowhound_core::packet::IpAddr16;
use flowhound_core::record::{Address, Direction, FlowRecord, Protocol};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test/fixtures/flowfiles").join(name)
}

const CTU13: FlowFileOptions = FlowFileOptions { utc_offset_minutes: 120, keep_going: false, columns: flowhound_core::flowfile::ColumnRenames::NONE };
const UTC: FlowFileOptions = FlowFileOptions { utc_offset_minutes: 0, keep_going: false, columns: flowhound_core::flowfile::ColumnRenames::NONE };

fn read_all(reader: &mut FlowFileReader) -> Result<Vec<FlowRecord>, FlowhoundError> {
    let mut records = Vec::new();
    while reader.next_batch(1000, &mut records)? > 0 {}
    Ok(records)
}

fn read_fixture(name: &str, options: FlowFileOptions) -> Vec<FlowRecord> {
    let mut reader = FlowFileReader::open(&fixture(name), options).unwrap();
    read_all(&mut reader).unwrap()
}

fn v4(text: &str) -> Address {
    let ip: std::net::Ipv4Addr = text.parse().unwrap();
    Address::Ip(IpAddr16::from_v4(ip.octets()))
}

fn ip(text: &str) -> Address {
    match text.parse::<std::net::IpAddr>().unwrap() {
        std::net::IpAddr::V4(v4) => Address::Ip(IpAddr16::from_v4(v4.octets())),
        std::net::IpAddr::V6(v6) => Address::Ip(IpAddr16::from_v6(v6.octets())),
    }
}

/// µs since the epoch of a UTC calendar time, from `date -u -d … +%s`.
const SCENARIO6_FIRST_ROW_UTC_US: i64 = 1_313_481_706_972_101; // 2011-08-16 08:01:46.972101 UTC

#[test]
fn scenario6_excerpt_every_protocol() {
    let path = fixture("ctu13-scenario6-excerpt.binetflow");
    let mut reader = FlowFileReader::open(&path, CTU13).unwrap();
    let records = read_all(&mut reader).unwrap();
    assert_eq!(records.len(), 18);
    let stats = reader.stats();
    assert_eq!((stats.rows, stats.skipped_rows, stats.lines), (18, 0, 19));
    let file_bytes = std::fs::metadata(&path).unwrap().len();
    assert_eq!((stats.bytes_consumed, stats.total_bytes, stats.gzip), (file_bytes, Some(file_bytes), false));
    assert_eq!(reader.columns().len(), 15);
    assert_eq!(reader.columns()[9], "sTos");
    assert!(reader.has_column(FlowColumn::SrcBytes) && !reader.has_column(FlowColumn::SrcPkts));

    // line 2: 2011/08/16 10:01:46.972101,3599.986572,tcp,88.176.79.163,49213,  <?>,147.32.84.172,18250,A_PA,0,0,414671,415389446,10150692,flow=Background
    let first = &records[0];
    assert_eq!(first.start_us, SCENARIO6_FIRST_ROW_UTC_US);
    assert_eq!(first.duration_us(), 3_599_986_572);
    assert_eq!(first.protocol, Protocol::Ip(6));
    assert_eq!((first.src_addr, first.src_port), (v4("88.176.79.163"), Some(49213)));
    assert_eq!((first.dst_addr, first.dst_port), (v4("147.32.84.172"), Some(18250)));
    assert_eq!(first.direction, Direction::BothUncertain);
    assert_eq!((first.total_pkts, first.total_bytes, first.src_bytes), (414_671, 415_389_446, 10_150_692));

    let by_protocol = |protocol: Protocol| records.iter().find(|r| r.protocol == protocol).unwrap();
    // line 85: ipx/spx,00:15:17:2c:e5:2d,,   ->,ff:ff:ff:ff:ff:ff,,INT,,,568,52705,52705
    let ipx = by_protocol(Protocol::Named("ipx/spx".into()));
    assert_eq!(ipx.src_addr, Address::Mac([0x00, 0x15, 0x17, 0x2c, 0xe5, 0x2d]));
    assert_eq!((ipx.src_port, ipx.dst_port, ipx.src_tos, ipx.dst_tos), (None, None, None, None));
    // line 106: arp,147.32.87.78,,  who,147.32.87.78,,INT
    assert_eq!(by_protocol(Protocol::Named("arp".into())).direction, Direction::Who);
    // line 114: icmp,94.0.247.147,0x0103,   ->,147.32.84.59,0x5e00,URH (host unreachable: type 3, code 1)
    let icmp = by_protocol(Protocol::Ip(1));
    assert_eq!((icmp.src_port, icmp.dst_port), (Some(0x0301), Some(0x005e)));
    assert_eq!(icmp.state, "URH");
    // line 3375: ipv6-icmp,2001:718:2:1612:0:1:0:310,135,   ->,ff02::1:ff1b:d243,,NNS
    let icmpv6 = by_protocol(Protocol::Ip(58));
    assert_eq!((icmpv6.src_addr, icmpv6.dst_addr), (ip("2001:718:2:1612:0:1:0:310"), ip("ff02::1:ff1b:d243")));
    assert_eq!((icmpv6.src_port, icmpv6.dst_port), (Some(135 << 8), None));
    // line 50959: esp … 0x2020597d (SPI: no room in a port)
    assert_eq!(by_protocol(Protocol::Ip(50)).dst_port, None);
    // lines 694, 868, 1197, 3329, 232646, 423953
    for protocol in [Protocol::Ip(103), Protocol::Ip(2), Protocol::Ip(41)] {
        by_protocol(protocol);
    }
    for name in ["rtp", "rtcp", "udt"] {
        assert!(by_protocol(Protocol::Named(name.into())).src_port.is_some(), "{name}");
    }
    // line 276429: tcp,147.32.84.229,80,  <?,95.32.248.211,10007,_RA,0,0,1,60,0
    let reset = records.iter().find(|r| r.state == "_RA").unwrap();
    assert_eq!(reset.direction, Direction::BackwardUncertain);
    assert_eq!((reset.src_tcp_flags, reset.dst_tcp_flags, reset.src_bytes, reset.dst_bytes()), (0, RST | ACK, 0, 60));
    // line 555225: …,tcp,147.32.84.165,4860,   ->,198.134.143.228,25,S_,0,,1,62,62,flow=From-Botnet-V47-TCP-Attempt-SPAM
    let last = records.last().unwrap();
    assert_eq!(last.start_us, SCENARIO6_FIRST_ROW_UTC_US + (2 * 3600 + 8 * 60 + 28) * 1_000_000 + 671_706);
    assert_eq!((last.src_tcp_flags, last.dst_tcp_flags), (SYN, 0));
    assert_eq!(last.label.as_deref(), Some("flow=From-Botnet-V47-TCP-Attempt-SPAM"));

    let botnet = records.iter().filter(|r| r.label.as_deref().is_some_and(|l| l.contains("Botnet"))).count();
    assert_eq!(botnet, 3);
}

#[test]
fn utc_offset_shifts_calendar_times() {
    let as_utc = read_fixture("ctu13-scenario6-excerpt.binetflow", UTC);
    let as_cest = read_fixture("ctu13-scenario6-excerpt.binetflow", CTU13);
    for (utc, cest) in as_utc.iter().zip(&as_cest) {
        assert_eq!(utc.start_us - cest.start_us, 7_200_000_000);
        assert_eq!(utc.duration_us(), cest.duration_us());
    }
}

#[test]
fn scenario11_gzip_with_crlf_lines() {
    let path = fixture("ctu13-scenario11-excerpt.binetflow.gz");
    let mut reader = FlowFileReader::open(&path, CTU13).unwrap();
    let records = read_all(&mut reader).unwrap();
    assert_eq!(records.len(), 29);
    assert!(reader.stats().gzip);
    assert_eq!(reader.stats().bytes_consumed, std::fs::metadata(&path).unwrap().len());
    for record in &records {
        let label = record.label.as_deref().unwrap();
        assert!(label.starts_with("flow=From-Botnet-V52-") && !label.ends_with('\r'), "{label:?}");
    }
    // line 24: 2011/08/18 15:52:55.099841,98.652954,icmp,147.32.84.191,0x0008,   ->,147.32.96.69,0x008a,ECO,…
    let echo = &records[22];
    assert_eq!(echo.state, "ECO");
    assert_eq!((echo.src_port, echo.dst_port), (Some(0x0800), Some(0x8a00)));
    assert_eq!(echo.duration_us(), 98_652_954);
}

#[test]
fn benign_excerpt_exponent_durations_ipv6_udt() {
    let records = read_fixture("ctu13-benign-excerpt.binetflow", CTU13);
    assert_eq!(records.len(), 6);
    // line 39: 1.9e-05 s; line 382: 8.9e-05 s
    assert_eq!((records[2].duration_us(), records[3].duration_us()), (19, 89));
    // line 5610: ipv6-icmp,fe80::7272:cfff:fe1b:d243,133,   ->,ff02::1,,NRS
    assert_eq!(records[4].src_addr, ip("fe80::7272:cfff:fe1b:d243"));
    assert_eq!(records[4].src_port, Some(133 << 8));
    assert_eq!(records[5].protocol, Protocol::Named("udt".into()));
    assert!(records.iter().all(|r| r.label.as_deref() == Some("flow=Benign-Sample")));
}

#[test]
fn stratosphere_variants() {
    // User-data columns and empty labels.
    let mut reader = FlowFileReader::open(&fixture("stratosphere-udata-excerpt.binetflow"), UTC).unwrap();
    let records = read_all(&mut reader).unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(&reader.columns()[14..], ["srcUdata", "dstUdata", "Label"]);
    assert!(records.iter().all(|r| r.label.is_none()));
    // line 4: icmp,209.85.251.178,0x000b,   ->,10.0.0.46,0x0000,TXD (time exceeded: type 11)
    assert_eq!((records[2].src_port, records[2].state.as_str()), (Some(0x0b00), "TXD"));

    // No SrcBytes, no Label.
    let mut reader = FlowFileReader::open(&fixture("stratosphere-no-srcbytes-excerpt.binetflow"), UTC).unwrap();
    let records = read_all(&mut reader).unwrap();
    assert_eq!(records.len(), 5);
    assert!(!reader.has_column(FlowColumn::SrcBytes) && !reader.has_column(FlowColumn::Label));
    assert!(records.iter().all(|r| r.src_bytes == 0 && r.label.is_none()));
    assert_eq!((records[0].total_pkts, records[0].total_bytes), (448, 49_634));

    // SrcPkts, IPv6, and Argus debug text in Dir (line 58).
    let records = read_fixture("stratosphere-test3-excerpt.binetflow", UTC);
    assert_eq!(records.len(), 4);
    assert_eq!(records[2].src_addr, ip("2001:718:2:1634:96de:80ff:fe7a:bdf0"));
    assert_eq!((records[2].src_tos, records[2].dst_tos), (Some(114), Some(63)));
    assert_eq!(records[3].direction, Direction::Other);
    assert!(records.iter().all(|r| r.src_pkts == Some(1)));

    // llc and arp rows from a capture without a clock (1970, CET), ipv6-icmp.
    let records = read_fixture(
        "stratosphere-sality-excerpt.binetflow",
        FlowFileOptions { utc_offset_minutes: 60, keep_going: false, ..Default::default() },
    );
    assert_eq!(records[0].start_us, 0);
    assert_eq!(records[0].protocol, Protocol::Named("llc".into()));
    assert_eq!(records[1].src_addr, v4("0.0.0.0"));
    assert_eq!(records[2].src_addr, ip("::"));

    // `S0` states (not Argus -Z b): no TCP flags.
    let records = read_fixture("stratosphere-portscan-excerpt.binetflow", UTC);
    assert_eq!((records[0].state.as_str(), records[0].src_tcp_flags, records[0].src_pkts), ("S0", 0, Some(15)));
    assert_eq!(records[2].src_port, Some(0x0800));

    // Tab-separated, a `man` row (Argus's own status, passed over and counted), no newline
    // after the last row.
    let mut reader = FlowFileReader::open(&fixture("stratosphere-test5-excerpt.binetflow"), UTC).unwrap();
    let records = read_all(&mut reader).unwrap();
    assert_eq!(records.len(), 4);
    assert_eq!(reader.stats().management_rows, 1);
    assert_eq!(reader.columns()[0], "StartTime");
    assert!(records.iter().all(|r| r.protocol != Protocol::Named("man".into())));
    assert_eq!(records[3].label.as_deref(), Some("flow=Background-ARP"));
    assert_eq!(records[3].src_pkts, Some(11));
}

#[test]
fn ra_prints_in_utc_epoch_and_local_time_give_the_same_records() {
    let utc = read_fixture("ra-test7-utc.csv", UTC);
    let epoch = read_fixture("ra-test7-epoch.csv", UTC);
    let kolkata = read_fixture("ra-test7-kolkata.tsv", FlowFileOptions { utc_offset_minutes: 330, keep_going: false, ..Default::default() });
    assert_eq!(utc.len(), 70);
    assert_same_records(&utc, &epoch);
    assert_same_records(&utc, &kolkata);
    // 2018/03/09 20:49:16.520001 UTC = `date -u -d '2018-03-09 20:49:16' +%s` 1520628556
    assert_eq!(utc[0].start_us, 1_520_628_556_520_001);
    for record in &utc {
        let src_pkts = record.src_pkts.expect("SrcPkts");
        assert!(src_pkts <= record.total_pkts);
        assert!(record.src_payload_bytes.is_some() && record.dst_payload_bytes.is_some());
    }
}

/// Compares record lists one by one, so that a failure shows the first difference only.
fn assert_same_records(left: &[FlowRecord], right: &[FlowRecord]) {
    for (index, (l, r)) in left.iter().zip(right).enumerate() {
        assert_eq!(l, r, "record {index}");
    }
    assert_eq!(left.len(), right.len());
}

/// The same file without one of its columns.
fn without_column(text: &str, column: usize) -> Vec<u8> {
    let mut reduced = String::new();
    for line in text.lines() {
        let mut fields: Vec<&str> = line.split(',').collect();
        fields.remove(column);
        reduced.push_str(&fields.join(","));
        reduced.push('\n');
    }
    reduced.into_bytes()
}

#[test]
fn last_time_is_preferred_to_dur_which_is_a_32_bit_float() {
    let text = std::fs::read_to_string(fixture("ra-test7-utc.csv")).unwrap();
    assert!(text.starts_with("StartTime,LastTime,Dur,"));
    let with_last_time = read_fixture("ra-test7-utc.csv", UTC);
    let mut reader =
        FlowFileReader::from_read(Box::new(Cursor::new(without_column(&text, 1))), "no-ltime.csv", UTC).unwrap();
    assert!(reader.has_column(FlowColumn::Dur) && !reader.has_column(FlowColumn::LastTime));
    let from_dur = read_all(&mut reader).unwrap();
    let mut reader =
        FlowFileReader::from_read(Box::new(Cursor::new(without_column(&text, 2))), "no-dur.csv", UTC).unwrap();
    assert_same_records(&read_all(&mut reader).unwrap(), &with_last_time);

    assert_eq!(from_dur.len(), with_last_time.len());
    let mut inexact = 0;
    for (dur, last_time) in from_dur.iter().zip(&with_last_time) {
        assert_eq!(dur.start_us, last_time.start_us);
        // Half a float32 ulp of the duration, in µs, plus the µs rounding of the text.
        let seconds = last_time.duration_us() as f64 / 1e6;
        let half_ulp_us = if seconds < 1.0 { 0.0 } else { 2f64.powi(seconds.log2().floor() as i32 - 24) * 1e6 };
        let error_us = (dur.last_us - last_time.last_us).abs();
        assert!(error_us as f64 <= half_ulp_us + 1.0, "{error_us} µs off for a {seconds} s flow");
        inexact += usize::from(error_us > 1);
    }
    assert!(inexact > 0, "ra's Dur of long flows is not exact in this capture");
}

#[test]
fn icmp_type_and_code_agree_with_tshark() {
    let expected: HashSet<(Address, Address, u16, u16)> = std::fs::read_to_string(fixture("tshark-test7-icmp.tsv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            (ip(fields[0]), ip(fields[1]), fields[2].parse().unwrap(), fields[3].parse().unwrap())
        })
        .collect();
    let found: HashSet<(Address, Address, u16, u16)> = read_fixture("ra-test7-utc.csv", UTC)
        .iter()
        .filter(|r| matches!(r.protocol, Protocol::Ip(1 | 58)))
        .map(|r| {
            let type_code = r.src_port.unwrap();
            (r.src_addr, r.dst_addr, type_code >> 8, type_code & 0xff)
        })
        .collect();
    assert_eq!(expected.len(), 14);
    assert_eq!(found, expected);
}

#[test]
fn batches_append_up_to_the_limit() {
    let mut reader = FlowFileReader::open(&fixture("ctu13-scenario6-excerpt.binetflow"), CTU13).unwrap();
    let mut out = Vec::new();
    let mut sizes = Vec::new();
    loop {
        let appended = reader.next_batch(5, &mut out).unwrap();
        sizes.push(appended);
        if appended == 0 {
            break;
        }
    }
    assert_eq!(sizes, [5, 5, 5, 3, 0]);
    assert_eq!(out.len(), 18);
    assert_eq!(reader.next_batch(5, &mut out).unwrap(), 0, "end stays the end");
    assert_same_records(&out, &read_fixture("ctu13-scenario6-excerpt.binetflow", CTU13));
}

/// Hands out one byte per read, like a slow pipe.
struct Trickle(Vec<u8>, usize);

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match (self.0.get(self.1), buf.first_mut()) {
            (Some(&byte), Some(slot)) => {
                *slot = byte;
                self.1 += 1;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

#[test]
fn from_read_on_a_trickling_gzip_stream() {
    let compressed = std::fs::read(fixture("ctu13-scenario11-excerpt.binetflow.gz")).unwrap();
    let length = compressed.len() as u64;
    let mut reader = FlowFileReader::from_read(Box::new(Trickle(compressed, 0)), "stdin", CTU13).unwrap();
    let records = read_all(&mut reader).unwrap();
    assert_same_records(&records, &read_fixture("ctu13-scenario11-excerpt.binetflow.gz", CTU13));
    assert_eq!((reader.stats().bytes_consumed, reader.stats().total_bytes), (length, None));
}

#[test]
fn bad_rows_stop_the_reader_with_file_line_and_field() {
    let path = fixture("bad-rows.binetflow");
    let mut reader = FlowFileReader::open(&path, CTU13).unwrap();
    let mut out = Vec::new();
    let err = reader.next_batch(100, &mut out).unwrap_err();
    assert_eq!(err.code, ErrorCode::FlowFileBadRow);
    assert_eq!((err.location.path.as_deref(), err.location.line), (Some(path.as_path()), Some(3)));
    assert_eq!(err.message, "field Dur (column 2) \"-0.167688\": negative duration");
    assert!(err.to_string().starts_with("ERR_FLOWFILE_BAD_ROW: "), "{err}");
    assert!(err.to_string().contains("bad-rows.binetflow:3: field Dur"), "{err}");
    assert_eq!(out.len(), 1, "the row before the bad one is kept");
    assert_eq!(reader.next_batch(100, &mut out).unwrap_err(), err, "the reader stays failed");
}

#[test]
fn keep_going_skips_and_counts_bad_rows() {
    let options = FlowFileOptions { utc_offset_minutes: 120, keep_going: true, ..Default::default() };
    let mut reader = FlowFileReader::open(&fixture("bad-rows.binetflow"), options).unwrap();
    let records = read_all(&mut reader).unwrap();
    assert_eq!(records.len(), 4);
    let stats = reader.stats();
    assert_eq!((stats.rows, stats.skipped_rows, stats.lines), (4, 4, 10));
    let reasons: Vec<(Option<u64>, &str)> =
        stats.skip_reasons.iter().map(|e| (e.location.line, e.message.as_str())).collect();
    assert_eq!(
        reasons,
        [
            (Some(3), "field Dur (column 2) \"-0.167688\": negative duration"),
            (Some(5), "expected 15 fields as in the header, found 7"),
            (Some(7), "field DstAddr (column 7) \"192.88.99.1.7\": not an IP or MAC address"),
            (Some(10), "field StartTime (column 1) \"2011/08/32 12:10:15.643807\": date out of range"),
        ]
    );
    assert!(stats.skip_reasons.iter().all(|e| e.code == ErrorCode::FlowFileBadRow));
}

#[test]
fn skip_reasons_are_bounded() {
    let mut text = String::from("StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,TotPkts,TotBytes\n");
    for _ in 0..1000 {
        text.push_str("garbage\n");
    }
    let options = FlowFileOptions { utc_offset_minutes: 0, keep_going: true, ..Default::default() };
    let mut reader =
        FlowFileReader::from_read(Box::new(Cursor::new(text.into_bytes())), "garbage.csv", options).unwrap();
    assert!(read_all(&mut reader).unwrap().is_empty());
    assert_eq!(reader.stats().skipped_rows, 1000);
    assert_eq!(reader.stats().skip_reasons.len(), flowhound_core::flowfile::MAX_SKIP_REASONS);
}

#[test]
fn header_problems() {
    let path = fixture("bad-missing-columns.binetflow");
    let err = FlowFileReader::open(&path, UTC).err().unwrap();
    assert_eq!(err.code, ErrorCode::FlowFileBadHeader);
    assert_eq!((err.location.path.as_deref(), err.location.line), (Some(path.as_path()), Some(1)));
    assert_eq!(
        err.message,
        "missing column(s) Dur (or LastTime), Sport, Dir, Dport, State, TotPkts; \
         found: \"StartTime\", \"Proto\", \"SrcAddr\", \"DstAddr\", \"TotBytes\", \"Label\""
    );

    let err = FlowFileReader::open(&fixture("bad-no-header.binetflow"), UTC).err().unwrap();
    assert_eq!(err.code, ErrorCode::FlowFileBadHeader);
    assert!(err.message.contains("found: \"2011/08/16 10:01:46.976831\", \"0.000467\", \"udp\""), "{}", err.message);

    let err = FlowFileReader::from_read(Box::new(Cursor::new(b"\n \n\r\n".to_vec())), "blank.csv", UTC).err().unwrap();
    assert_eq!((err.code, err.location.line), (ErrorCode::FlowFileBadHeader, Some(3)));

    // A binary file's first "line" is shown shortened.
    let binary = [vec![0xd4, 0xc3, 0xb2, 0xa1], vec![b'x'; 500], b",\n".to_vec()].concat();
    let err = FlowFileReader::from_read(Box::new(Cursor::new(binary)), "x.pcap", UTC).err().unwrap();
    assert_eq!(err.code, ErrorCode::FlowFileBadHeader);
    assert!(err.message.len() < 300, "{}", err.message);
    assert!(err.message.ends_with("xxx…\", \"\""), "{}", err.message);

    let duplicate = b"StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,TotPkts,TotBytes,Label,label\n";
    let err = FlowFileReader::from_read(Box::new(Cursor::new(duplicate.to_vec())), "dup.csv", UTC).err().unwrap();
    assert_eq!(err.message, "column Label appears twice (fields 12 and 13)");
}

#[test]
fn header_only_file_has_no_rows_and_bom_is_ignored() {
    let text = b"\xef\xbb\xbfStartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,TotPkts,TotBytes\n";
    let mut reader = FlowFileReader::from_read(Box::new(Cursor::new(text.to_vec())), "h.csv", UTC).unwrap();
    assert_eq!(reader.columns()[0], "StartTime");
    assert!(read_all(&mut reader).unwrap().is_empty());
}

#[test]
fn empty_files() {
    let path = fixture("empty.binetflow");
    let err = FlowFileReader::open(&path, UTC).err().unwrap();
    assert_eq!((err.code, err.location.path.as_deref()), (ErrorCode::EmptyFile, Some(path.as_path())));
    assert!(err.to_string().starts_with("ERR_EMPTY_FILE: "));
    // A gzip member holding nothing.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut encoder, b"").unwrap();
    let empty_gzip = encoder.finish().unwrap();
    let err = FlowFileReader::from_read(Box::new(Cursor::new(empty_gzip)), "e.gz", UTC).err().unwrap();
    assert_eq!(err.code, ErrorCode::EmptyFile);
}

#[test]
fn absurd_utc_offsets_are_refused() {
    let path = fixture("ctu13-scenario6-excerpt.binetflow");
    for minutes in [18 * 60 + 1, -(18 * 60 + 1), i32::MIN] {
        let options = FlowFileOptions { utc_offset_minutes: minutes, keep_going: false, ..Default::default() };
        let err = FlowFileReader::open(&path, options).err().unwrap();
        assert_eq!((err.code, err.location.path.as_deref()), (ErrorCode::BadOption, Some(path.as_path())));
    }
    let options = FlowFileOptions { utc_offset_minutes: -12 * 60, keep_going: false, ..Default::default() };
    assert_eq!(read_fixture("ctu13-scenario6-excerpt.binetflow", options)[0].start_us, 1_313_532_106_972_101);
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let path = fixture("no-such-file.binetflow");
    let err = FlowFileReader::open(&path, UTC).err().unwrap();
    assert_eq!((err.code, err.location.path.as_deref()), (ErrorCode::Io, Some(path.as_path())));
}

#[test]
fn overlong_lines_are_errors_not_memory() {
    let mut text = b"StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,TotPkts,TotBytes\n".to_vec();
    text.extend(std::iter::repeat_n(b'7', MAX_LINE_BYTES * 4));
    text.extend(b"\n2011/08/16 10:01:46.976831,0.000467,udp,90.178.10.8,61997,  <->,147.32.84.229,13363,CON,2,236\n");
    let mut reader = FlowFileReader::from_read(Box::new(Cursor::new(text.clone())), "long.csv", UTC).unwrap();
    let err = read_all(&mut reader).unwrap_err();
    assert_eq!((err.code, err.location.line), (ErrorCode::FlowFileBadRow, Some(2)));
    assert_eq!(err.message, format!("line longer than {MAX_LINE_BYTES} bytes"));

    let options = FlowFileOptions { utc_offset_minutes: 0, keep_going: true, ..Default::default() };
    let mut reader = FlowFileReader::from_read(Box::new(Cursor::new(text)), "long.csv", options).unwrap();
    assert_eq!(read_all(&mut reader).unwrap().len(), 1);
    assert_eq!(reader.stats().skipped_rows, 1);

    // A whole file without a newline.
    let err =
        FlowFileReader::from_read(Box::new(Cursor::new(vec![b'x'; MAX_LINE_BYTES * 2])), "one.csv", UTC).err().unwrap();
    assert_eq!(err.code, ErrorCode::FlowFileBadHeader);
}

#[test]
fn truncated_gzip_reports_the_compressed_offset() {
    let compressed = std::fs::read(fixture("ctu13-scenario11-excerpt.binetflow.gz")).unwrap();
    for cut in [compressed.len() / 2, compressed.len() - 8, compressed.len() - 1] {
        let truncated = compressed[..cut].to_vec();
        let mut reader = FlowFileReader::from_read(Box::new(Cursor::new(truncated)), "cut.gz", CTU13).unwrap();
        let err = read_all(&mut reader).unwrap_err();
        assert_eq!(err.code, ErrorCode::GzipCorrupt, "cut at {cut}: {err}");
        let offset = err.location.byte_offset.expect("offset");
        assert!(offset <= cut as u64 && offset > 0, "offset {offset}, cut {cut}");
        assert_eq!(err.location.path.as_deref(), Some(std::path::Path::new("cut.gz")));
        assert_eq!(read_all(&mut reader).unwrap_err(), err, "the reader stays failed");
    }
}

#[test]
fn corrupt_gzip_is_reported_after_the_good_rows() {
    let mut compressed = std::fs::read(fixture("ctu13-scenario11-excerpt.binetflow.gz")).unwrap();
    let middle = compressed.len() / 2;
    for byte in &mut compressed[middle..middle + 32] {
        *byte = !*byte;
    }
    // keep_going: garbage that inflates before zlib notices is skipped as bad rows, and the
    // gzip error still ends the reading.
    let options = FlowFileOptions { utc_offset_minutes: 120, keep_going: true, ..Default::default() };
    let mut reader = FlowFileReader::from_read(Box::new(Cursor::new(compressed.clone())), "bad.gz", options).unwrap();
    let mut out = Vec::new();
    let err = loop {
        match reader.next_batch(1, &mut out) {
            Ok(0) => panic!("corruption not noticed"),
            Ok(_) => continue,
            Err(err) => break err,
        }
    };
    assert_eq!(err.code, ErrorCode::GzipCorrupt, "{err}");
    assert!(err.location.byte_offset.unwrap() <= compressed.len() as u64);
    assert!(!out.is_empty() && out.len() < 29);
    // What came out before the corruption is what the intact file holds.
    let intact = read_fixture("ctu13-scenario11-excerpt.binetflow.gz", CTU13);
    assert_same_records(&out, &intact[..out.len()]);
}
