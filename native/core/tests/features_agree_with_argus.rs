//! The feature builder sees the same thing whether flows come from packets (flowhound's flow
//! engine) or from a flow file (Argus's records of the same packets): the models trained on
//! CTU-13's Argus files score flows rebuilt from captures.

mod common;

use std::collections::HashMap;
use std::path::Path;

use flowhound_core::capture::CaptureReader;
use flowhound_core::cidr::Cidr;
use flowhound_core::decode::decode;
use flowhound_core::features::{
    write_flow_features, FeatureBuilder, FeatureOptions, Lan, WindowFeatures, FLOW_FEATURES, FLOW_FEATURE_COUNT, HOST_FEATURES,
};
use flowhound_core::flow::{FlowEngine, FlowEngineOptions, UncertainDirection};
use flowhound_core::flowfile::{FlowFileOptions, FlowFileReader};
use flowhound_core::packet::IpAddr16;
use flowhound_core::record::FlowRecord;

const SECOND_US: i64 = 1_000_000;

fn argus_records(path: &Path) -> Vec<FlowRecord> {
    let mut reader = FlowFileReader::open(path, FlowFileOptions::default()).unwrap_or_else(|err| panic!("{err}"));
    let mut records = Vec::new();
    while reader.next_batch(4096, &mut records).unwrap_or_else(|err| panic!("{err}")) > 0 {}
    records
}

/// Records of `pcap`, connections seen without their handshake named as Argus 3.0.8 (which
/// wrote the fixtures) names them.
fn engine_records(pcap: &Path, options: FlowEngineOptions) -> Vec<FlowRecord> {
    let mut engine = FlowEngine::new(FlowEngineOptions { uncertain_direction: UncertainDirection::ServicePort, ..options }).expect("options");
    let mut reader = CaptureReader::open(pcap).unwrap_or_else(|err| panic!("{err}"));
    let mut records = Vec::new();
    while let Some(raw) = reader.next_packet().unwrap_or_else(|err| panic!("{err}")) {
        engine.push(&decode(&raw), &mut records);
    }
    engine.finish(&mut records);
    records
}

/// What identifies a record in both lists: protocol, ends, ports, start to the millisecond.
fn key(record: &FlowRecord) -> String {
    format!("{:?} {:?}:{:?} {:?}:{:?} {}", record.protocol, record.src_addr, record.src_port, record.dst_addr, record.dst_port, record.start_us / 1000)
}

fn features(record: &FlowRecord) -> Vec<f32> {
    let mut row = vec![0f32; FLOW_FEATURE_COUNT];
    write_flow_features(record, &mut row);
    row
}

fn close(a: f32, b: f32) -> bool {
    (a - b).abs() <= 1e-4 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn flow_rows_from_packets_equal_flow_rows_from_argus_records() {
    let fixture = common::fixture("argus");
    let records = engine_records(&fixture.join("edge-cases.pcap"), FlowEngineOptions::whole_capture(3600 * SECOND_US));
    let record_count = records.len();
    let ours: HashMap<String, FlowRecord> = records.into_iter().map(|r| (key(&r), r)).collect();
    // Both ways: as many records from packets as Argus wrote, none sharing a key, so that
    // every one of ours is the partner of one of Argus's.
    assert_eq!((record_count, ours.len()), (127, 127), "records from packets, and distinct keys among them");
    let argus = argus_records(&fixture.join("records/edge-cases.csv"));
    let mut compared = 0;
    for record in argus.iter().filter(|r| matches!(r.protocol, flowhound_core::record::Protocol::Ip(_))) {
        let Some(our) = ours.get(&key(record)) else { panic!("no packet-built record for Argus's {}", key(record)) };
        let (from_packets, from_file) = (features(our), features(record));
        for (i, spec) in FLOW_FEATURES.iter().enumerate() {
            assert!(close(from_packets[i], from_file[i]), "{}: {} is {} from packets, {} from Argus's record", key(record), spec.name, from_packets[i], from_file[i]);
        }
        compared += 1;
    }
    assert_eq!(compared, 127, "every IP record of the fixture");
}

fn host_rows(windows: &[WindowFeatures]) -> HashMap<(i64, IpAddr16), Vec<f32>> {
    let width = HOST_FEATURES.len();
    windows
        .iter()
        .flat_map(|w| w.hosts.iter().enumerate().map(move |(i, host)| ((w.window_start_us, *host), w.host_features[i * width..(i + 1) * width].to_vec())))
        .collect()
}

fn build(records: Vec<FlowRecord>) -> Vec<WindowFeatures> {
    let lan = Lan::new(vec![Cidr::parse("147.32.0.0/16").unwrap()]);
    let mut builder = FeatureBuilder::new(FeatureOptions { lan, ..FeatureOptions::default() }).unwrap();
    let mut out = Vec::new();
    for record in records {
        builder.push(record, &mut out);
    }
    builder.finish(&mut out);
    out
}

/// Host rows of each window, from flowhound's windows of a capture and from Argus run on each
/// window's packets alone (the botd way; `test/fixtures/argus/records/windows-*.csv`).
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data/pcaps/stratosphere (absent when the tests were built)")]
fn host_rows_from_packets_equal_host_rows_from_argus_windows() {
    let pcaps = common::shared_data("pcaps/stratosphere");
    let name = "test-cc__test-cc-capture-1";
    let ours = host_rows(&build(engine_records(&pcaps.join(format!("{name}.pcap")), FlowEngineOptions::default())));
    let argus = host_rows(&build(argus_records(&common::fixture("argus/records").join(format!("windows-{name}.csv")))));
    assert!(!ours.is_empty());
    assert_eq!(ours.len(), argus.len(), "the same (window, host) rows");
    for (place, row) in &argus {
        let our = ours.get(place).unwrap_or_else(|| panic!("no row for {place:?}"));
        for (i, spec) in HOST_FEATURES.iter().enumerate() {
            assert!(close(our[i], row[i]), "{place:?}: {} is {} from packets, {} from Argus", spec.name, our[i], row[i]);
        }
    }
    println!("{name}: {} host rows equal", ours.len());
}
