//! Round trips of CTU-13 flow records through rebuilt captures: records → `flowhound synth`
//! (snap length 96) → capture reader, decoder and flow engine in whole-capture mode with a
//! 3600 s status interval (`flowhound flows --whole --status-interval 3600`) → records,
//! matched to the input on protocol, addresses, ports, TotPkts, TotBytes, SrcBytes and State,
//! with StartTime and Dur within 1 ms (`flowhound_synth::from_records::round_trip`).
//!
//! The fixture test runs everywhere; the data-file test uses ../shared/data when present.

mod common;

use std::io::{Cursor, Read, Write};

use flowhound_core::capture::CaptureReader;
use flowhound_core::flow::FlowEngineOptions;
use flowhound_core::flowfile::{FlowFileOptions, FlowFileReader};
use flowhound_core::record::FlowRecord;
use flowhound_core::ingest::{CaptureFlowSource, FlowSourceOptions};
use flowhound_synth::from_records::{
    RecordSynthOptions, RecordSynthStats, RecordSynthesizer, RoundTrip, RoundTripReport, LABELS_HEADER,
};

/// CTU-13 times are CEST.
const CTU13: FlowFileOptions = FlowFileOptions { utc_offset_minutes: 120, keep_going: false, columns: flowhound_core::flowfile::ColumnRenames::NONE };
const STATUS_INTERVAL_US: i64 = 3600 * 1_000_000;

fn read_flow_file(path: &std::path::Path, options: FlowFileOptions) -> Vec<FlowRecord> {
    let mut reader = FlowFileReader::open(path, options).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let mut records = Vec::new();
    while reader.next_batch(8192, &mut records).unwrap() > 0 {}
    records
}

/// Rebuilds `records` into `pcap`; returns the records the rebuild wrote, and its stats.
fn synthesize<W: Write, L: Write>(
    records: &[FlowRecord],
    mut synthesizer: RecordSynthesizer<W, L>,
) -> (Vec<FlowRecord>, RecordSynthStats, W, Option<L>) {
    let mut rebuilt = Vec::new();
    for record in records {
        let before = synthesizer.stats().records_synthesized;
        synthesizer.push(record).unwrap();
        if synthesizer.stats().records_synthesized > before {
            rebuilt.push(record.clone());
        }
    }
    let (pcap, labels, stats) = synthesizer.finish().unwrap();
    (rebuilt, stats, pcap, labels)
}

/// The engine's records of a capture, as `flowhound flows --whole --status-interval 3600`.
fn read_back(capture: Box<dyn Read + Send>) -> Vec<FlowRecord> {
    let options = FlowSourceOptions {
        engine: FlowEngineOptions::whole_capture(STATUS_INTERVAL_US),
        flow_file: FlowFileOptions::default(),
        keep_going: false,
        decode_thread: false,
        flows_thread_batch_records: None,
    };
    let reader = CaptureReader::from_read(capture, "rebuilt capture").unwrap();
    let mut source = CaptureFlowSource::from_reader(reader, options).unwrap();
    let mut records = Vec::new();
    while source.next_batch(8192, &mut records).unwrap() {}
    records
}

/// (records expected back, records read, matched): records read and not matched are records
/// the engine made up, as wrong as records missed.
fn figures(report: &RoundTripReport) -> (u64, u64, u64) {
    (report.expected, report.read, report.matched)
}

fn compare(expected: &[FlowRecord], read: Vec<FlowRecord>) -> RoundTripReport {
    let mut round_trip = RoundTrip::new(usize::MAX);
    expected.iter().for_each(|record| round_trip.expect(record));
    read.into_iter().for_each(|record| round_trip.read(record));
    round_trip.finish()
}

/// Rebuilds through a pipe (the capture is never held whole) and reads back on this thread.
fn round_trip_streamed(records: Vec<FlowRecord>, options: RecordSynthOptions) -> (RoundTripReport, RecordSynthStats) {
    let (pipe_reader, pipe_writer) = std::io::pipe().unwrap();
    let writer = std::thread::spawn(move || {
        let synthesizer = RecordSynthesizer::new(pipe_writer, options).unwrap();
        let (rebuilt, stats, _, _) = synthesize(&records, synthesizer);
        (rebuilt, stats)
    });
    let read = read_back(Box::new(pipe_reader));
    let (rebuilt, stats) = writer.join().unwrap();
    (compare(&rebuilt, read), stats)
}

#[test]
fn fixture_records_come_back_from_the_rebuilt_capture() {
    let path = common::fixture("synth/ctu13-round-trip.binetflow");
    let records = read_flow_file(&path, CTU13);
    assert_eq!(records.len(), 288);

    let synthesizer = RecordSynthesizer::with_labels(Vec::new(), Vec::new(), RecordSynthOptions::default()).unwrap();
    let (rebuilt, stats, pcap, labels) = synthesize(&records, synthesizer);
    // 6 arp and 2 ipx/spx rows are not IP.
    assert_eq!((stats.records_in, stats.records_synthesized, stats.skipped_not_ip), (288, 280, 8));
    assert_eq!((stats.records_skipped(), stats.records_inexact), (8, 0));
    assert_eq!(stats.renamed_to_udp, rebuilt.iter().filter(|r| matches!(&r.protocol, flowhound_core::record::Protocol::Named(_))).count() as u64);
    assert_eq!(stats.file_bytes, pcap.len() as u64);

    // The capture: every record's packets and bytes, in time order, cut at 96 bytes.
    let mut reader = CaptureReader::from_read(Box::new(Cursor::new(pcap.clone())), "rebuilt").unwrap();
    let (mut packets, mut wire_bytes, mut previous_us) = (0u64, 0u64, i64::MIN);
    while let Some(packet) = reader.next_packet().unwrap() {
        assert!(packet.ts_us >= previous_us, "packet {packets} goes back in time");
        assert_eq!(packet.data.len(), (packet.wire_len as usize).min(96));
        previous_us = packet.ts_us;
        packets += 1;
        wire_bytes += u64::from(packet.wire_len);
    }
    assert_eq!(packets, rebuilt.iter().map(|r| r.total_pkts).sum::<u64>());
    assert_eq!(wire_bytes, rebuilt.iter().map(|r| r.total_bytes).sum::<u64>());
    assert_eq!((packets, wire_bytes), (stats.packets_written, stats.wire_bytes));

    let report = compare(&rebuilt, read_back(Box::new(Cursor::new(pcap))));
    println!("{}", report.summary(20));
    // The fixture holds only rows that come back (make-round-trip-fixture.sh left the others
    // out, round-trip-excluded.tsv): all 280 IP records, and not one record more.
    assert_eq!(figures(&report), (280, 280, 280), "{}", report.summary(50));

    // The labels: a header and one line per rebuilt record, in input order.
    let labels = String::from_utf8(labels.unwrap()).unwrap();
    let lines: Vec<&str> = labels.lines().collect();
    assert_eq!(lines[0], LABELS_HEADER);
    assert_eq!(lines.len(), 281);
    // capture20110818-2.botnet: 2011/08/18 15:47:57.983212,0.000197,udp,147.32.84.165,1025,
    // <->,147.32.80.9,53,CON,0,0,2,203,64,flow=From-Botnet-V52-1-UDP-DNS (CEST = UTC+2).
    assert!(
        lines.contains(&"1313675277983212,1313675277983409,udp,147.32.84.165,1025,147.32.80.9,53,CON,2,203,64,flow=From-Botnet-V52-1-UDP-DNS"),
        "{labels}"
    );
    let starts: Vec<i64> = lines[1..].iter().map(|line| line.split(',').next().unwrap().parse().unwrap()).collect();
    assert_eq!(starts, rebuilt.iter().map(|r| r.start_us).collect::<Vec<_>>());
}

#[test]
fn a_rebuild_depends_only_on_its_input_and_seed() {
    let records = read_flow_file(&common::fixture("synth/ctu13-round-trip.binetflow"), CTU13);
    let rebuild = |seed| {
        let options = RecordSynthOptions { seed, ..RecordSynthOptions::default() };
        synthesize(&records, RecordSynthesizer::new(Vec::new(), options).unwrap()).2
    };
    let first = rebuild(7);
    assert_eq!(first, rebuild(7));
    let other = rebuild(8);
    assert_eq!(first.len(), other.len(), "the seed moves packets in time, not bytes in or out");
    assert_ne!(first, other);
}

#[test]
fn filters_keep_what_they_name() {
    let records = read_flow_file(&common::fixture("synth/ctu13-round-trip.binetflow"), CTU13);
    let bot = flowhound_synth::from_records::Cidr::parse("147.32.84.165").unwrap();
    let options = RecordSynthOptions {
        hosts: vec![bot],
        protocols: Some(vec![17]),
        from_us: Some(1_313_675_000_000_000),
        ..RecordSynthOptions::default()
    };
    let (rebuilt, stats, _, _) = synthesize(&records, RecordSynthesizer::new(Vec::new(), options).unwrap());
    assert!(!rebuilt.is_empty());
    let ip = |address| match address {
        flowhound_core::record::Address::Ip(ip) => Some(ip),
        _ => None,
    };
    for record in &rebuilt {
        assert!(record.start_us >= 1_313_675_000_000_000);
        assert!([ip(record.src_addr), ip(record.dst_addr)].iter().flatten().any(|address| bot.contains(address)));
        assert!(matches!(&record.protocol, flowhound_core::record::Protocol::Ip(17)));
    }
    assert_eq!(stats.records_synthesized + stats.records_skipped(), 288);
    assert!(stats.skipped_time_range > 0 && stats.skipped_hosts > 0 && stats.skipped_protocol > 0);
}

// (records expected back, records read, matched) of each data file, measured on 2026-12-07
// (matched: 99.547 %, 100 %, 99.271 %; read and unmatched: 143, 0, 664). Rebuild and engine
// are deterministic (seeded), so the figures are pinned exactly: a change in either direction
// is a change in behaviour to look at. What is missed is listed by class in the README of
// test/fixtures/synth (differences between the engine, which is argus 3.0.8, and the Argus
// that wrote CTU-13, not rebuild errors); the records read and unmatched are the engine's side
// of the same differences.
const SCENARIO6_TEN_MINUTES: (u64, u64, u64) = (39_734, 39_697, 39_554);
const SCENARIO11_BOTNET: (u64, u64, u64) = (8164, 8164, 8164);
const BENIGN_SAMPLE: (u64, u64, u64) = (95_606, 95_573, 94_909);

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data/ctu13 (absent when the tests were built)")]
fn ctu13_data_files_come_back_from_rebuilt_captures() {
    let ctu13 = common::shared_data("ctu13");

    // Scenario 6, ten minutes (11:30-11:40 CEST): 39,734 records, 4.1 M packets.
    let records = read_flow_file(&ctu13.join("capture20110816.binetflow.gz"), CTU13);
    let options = RecordSynthOptions {
        from_us: Some(1_313_487_000_000_000),
        to_us: Some(1_313_487_600_000_000),
        ..RecordSynthOptions::default()
    };
    let (report, stats) = round_trip_streamed(records, options);
    println!("scenario 6, 11:30-11:40: {} packets\n{}", stats.packets_written, report.summary(10));
    assert_eq!(figures(&report), SCENARIO6_TEN_MINUTES, "{}", report.summary(50));

    // Every botnet record of scenario 11.
    let records = read_flow_file(&ctu13.join("capture20110818-2.botnet.binetflow.gz"), CTU13);
    let (report, stats) = round_trip_streamed(records, RecordSynthOptions::default());
    println!("scenario 11 botnet: {} packets\n{}", stats.packets_written, report.summary(10));
    assert_eq!(figures(&report), SCENARIO11_BOTNET, "{}", report.summary(50));

    // The benign sample.
    let records = read_flow_file(&ctu13.join("benign-sample.binetflow.gz"), CTU13);
    let (report, stats) = round_trip_streamed(records, RecordSynthOptions::default());
    println!("benign sample: {} packets\n{}", stats.packets_written, report.summary(10));
    assert_eq!(figures(&report), BENIGN_SAMPLE, "{}", report.summary(50));
}
