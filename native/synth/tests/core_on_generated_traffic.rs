//! The core's agreement tests on the generator's LAN traffic, the benchmark's kind of input:
//! here rather than in `native/core/tests`, since the generator is this crate's and the core
//! must not depend on it. Each module is the generated-traffic half of the core test file it
//! names; the other half (fixtures, real captures) stays there.

use flowhound_core::capture::CaptureReader;
use flowhound_synth::generator::{generate, GeneratorOptions};

/// Half of `native/core/tests/decode_fast_path.rs`.
mod decode_fast_path {
    use super::*;
    use flowhound_core::decode::{decode, decode_general};
    use flowhound_core::packet::Network;

    /// The benchmark's kind of traffic (the generator's LAN mix, cut at 96 bytes as the
    /// benchmark captures are), where nearly every packet takes the fast path.
    #[test]
    fn fast_and_general_decoding_agree_on_generated_lan_traffic() {
        let options = GeneratorOptions { target_bytes: Some(20_000_000), snaplen: 96, warmup_s: 120.0, ..GeneratorOptions::default() };
        let mut bytes = Vec::new();
        generate(&options, &mut bytes).unwrap();
        let mut reader = CaptureReader::from_read(Box::new(std::io::Cursor::new(bytes)), "generated").unwrap();
        let (mut packets, mut ip) = (0u64, 0u64);
        while let Some(raw) = reader.next_packet().unwrap() {
            let general = decode_general(&raw);
            assert_eq!(decode(&raw), general, "packet {packets}");
            packets += 1;
            ip += u64::from(matches!(general.network, Network::Ip(_)));
        }
        assert!(packets > 100_000 && ip > packets * 9 / 10, "{ip} IP packets of {packets}");
    }
}

/// Half of `native/core/tests/decode_thread_agrees.rs`.
mod decode_thread_agrees {
    use super::*;
    use std::path::Path;

    use flowhound_core::error::FlowhoundError;
    use flowhound_core::flow::{FlowEngineOptions, FlowMode};
    use flowhound_core::flowfile::FlowFileOptions;
    use flowhound_core::record::FlowRecord;
    use flowhound_core::ingest::{FlowSource, FlowSourceOptions};

    /// Records, how reading ended (code and offset), and the final packet and byte counts.
    type Outcome = (Vec<FlowRecord>, Option<(String, Option<u64>)>, (u64, u64));

    fn ending(error: &FlowhoundError) -> Option<(String, Option<u64>)> {
        Some((error.code.to_string(), error.location.byte_offset))
    }

    fn read(path: &Path, engine: FlowEngineOptions, keep_going: bool, decode_thread: bool) -> Outcome {
        let options = FlowSourceOptions { engine, flow_file: FlowFileOptions::default(), keep_going, decode_thread, flows_thread_batch_records: None };
        let mut source = match FlowSource::open(path, options) {
            Ok(source) => source,
            Err(error) => return (Vec::new(), ending(&error), (0, 0)),
        };
        let mut records = Vec::new();
        let error = loop {
            // Small batches, so that the source is called many times.
            match source.next_batch(100, &mut records) {
                Ok(true) => {}
                Ok(false) => break source.damage().and_then(ending),
                Err(error) => break ending(&error),
            }
        };
        let progress = source.progress();
        (records, error, (progress.packets, progress.bytes_consumed))
    }

    fn check(path: &Path) {
        let modes = [FlowEngineOptions::default(), FlowEngineOptions::whole_capture(FlowMode::CTU13_STATUS_INTERVAL_US)];
        for engine in modes {
            for keep_going in [false, true] {
                let one = read(path, engine, keep_going, false);
                let two = read(path, engine, keep_going, true);
                assert_eq!((&two.1, two.2), (&one.1, one.2), "{}, {engine:?}, keep_going {keep_going}", path.display());
                assert!(two.0 == one.0, "{}, {engine:?}: {} records against {}", path.display(), two.0.len(), one.0.len());
            }
        }
    }

    #[test]
    fn two_threads_give_what_one_gives_on_generated_traffic() {
        let options = GeneratorOptions { target_bytes: Some(10_000_000), snaplen: 96, warmup_s: 120.0, ..GeneratorOptions::default() };
        let dir = std::env::temp_dir().join(format!("flowhound-decode-thread-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("generated.pcap");
        generate(&options, std::fs::File::create(&path).unwrap()).unwrap();
        check(&path);
        // Cut inside a record: the damage comes after the same packets.
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() * 2 / 3]).unwrap();
        check(&path);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// Half of `native/core/tests/push_batch_agrees.rs`.
mod push_batch_agrees {
    use super::*;

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

    #[test]
    fn batches_count_as_single_packets_on_generated_traffic() {
        let options = GeneratorOptions { target_bytes: Some(10_000_000), snaplen: 96, warmup_s: 120.0, ..GeneratorOptions::default() };
        let mut bytes = Vec::new();
        generate(&options, &mut bytes).unwrap();
        let mut reader = CaptureReader::from_read(Box::new(std::io::Cursor::new(bytes)), "generated").unwrap();
        let packets = packets_of(&mut reader);
        assert!(packets.len() > 50_000);
        check("generated", &packets);
    }
}
