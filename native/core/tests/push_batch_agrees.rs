//! `FlowEngine::push_batch` must count exactly as `push` does packet by packet: the same
//! records in the same order and the same stats, in both modes, with and without early
//! eviction, whatever the batches' lengths. On the Argus fixtures' edge cases (fragments,
//! ICMP errors, port reuse) and the shared real captures; on generated LAN traffic in
//! `native/synth/tests/core_on_generated_traffic.rs` (the generator is synth's).

mod common;

use std::path::PathBuf;

use flowhound_core::capture::CaptureReader;
use flowhound_core::decode::decode;
use flowhound_core::flow::{FlowEngine, FlowEngineOptions, FlowEngineStats, FlowMode};
use flowhound_core::packet::DecodedPacket;
use flowhound_core::record::FlowRecord;

fn packets_of(reader: &mut CaptureReader) -> Vec<DecodedPacket> {
    let mut packets = Vec::new();
    while let Ok(Some(raw)) = reader.next_packet() {
        packets.push(decode(&raw));
    }
    packets
}

fn one_by_one(packets: &[DecodedPacket], options: FlowEngineOptions) -> (Vec<FlowRecord>, FlowEngineStats) {
    let mut engine = FlowEngine::new(options).unwrap();
    let mut out = Vec::new();
    for packet in packets {
        engine.push(packet, &mut out);
    }
    engine.finish(&mut out);
    (out, engine.stats().clone())
}

fn in_batches(packets: &[DecodedPacket], options: FlowEngineOptions, batch: usize) -> (Vec<FlowRecord>, FlowEngineStats) {
    let mut engine = FlowEngine::new(options).unwrap();
    let mut out = Vec::new();
    for chunk in packets.chunks(batch) {
        engine.push_batch(chunk, &mut out);
    }
    engine.finish(&mut out);
    (out, engine.stats().clone())
}

fn check(name: &str, packets: &[DecodedPacket]) {
    let modes = [
        FlowEngineOptions::default(),
        FlowEngineOptions { max_active_flows: 50, ..FlowEngineOptions::default() },
        FlowEngineOptions::whole_capture(FlowMode::CTU13_STATUS_INTERVAL_US),
        FlowEngineOptions { max_active_flows: 50, ..FlowEngineOptions::whole_capture(FlowMode::ARGUS_STATUS_INTERVAL_US) },
    ];
    for options in modes {
        let expected = one_by_one(packets, options);
        for batch in [1, 7, 32, 1000] {
            let got = in_batches(packets, options, batch);
            assert_eq!(got.1, expected.1, "{name}, {options:?}, batches of {batch}: stats");
            assert!(got.0 == expected.0, "{name}, {options:?}, batches of {batch}: {} records against {}", got.0.len(), expected.0.len());
        }
    }
}

fn check_files(files: &[PathBuf]) {
    for path in files {
        let mut reader = CaptureReader::open(path).unwrap_or_else(|err| panic!("{err}"));
        check(&path.display().to_string(), &packets_of(&mut reader));
    }
}

#[test]
fn batches_count_as_single_packets_on_the_argus_fixtures() {
    let files = common::capture_files(&common::fixture("argus"));
    assert_eq!(files.len(), 2, "edge-cases.pcap and status-interval.pcap");
    check_files(&files);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data/pcaps (absent when the tests were built)")]
fn batches_count_as_single_packets_on_the_real_captures() {
    let files = common::capture_files(&common::shared_data("pcaps"));
    assert_eq!(files.len(), 10, "the real captures of ../shared/data/pcaps");
    check_files(&files);
}
