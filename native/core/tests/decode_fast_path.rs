//! `decode` (with its fast path for Ethernet → IPv4 → TCP/UDP) must give what the general
//! decoder alone gives, for every packet of every test capture: the damaged fixtures, the
//! shared parser corpus and the shared real captures.

mod common;

use flowhound_core::capture::CaptureReader;
use flowhound_core::decode::{decode, decode_general};
use flowhound_core::packet::{link_type, Network, Transport};

#[test]
fn fast_and_general_decoding_agree_on_every_test_capture() {
    let (files, shared) = common::test_capture_files();
    assert!(files.len() >= 50, "only {} captures found", files.len());
    let (mut packets, mut fast_kind) = (0u64, 0u64);
    let mut disagreements = Vec::new();
    for path in &files {
        let Ok(mut reader) = CaptureReader::open(path) else { continue };
        while let Ok(Some(raw)) = reader.next_packet() {
            let (fast, general) = (decode(&raw), decode_general(&raw));
            packets += 1;
            if let Network::Ip(ip) = &general.network {
                let tcp_or_udp = matches!(ip.transport, Transport::Tcp { .. } | Transport::Udp { .. });
                fast_kind += u64::from(raw.link_type == link_type::ETHERNET && ip.version == 4 && tcp_or_udp);
            }
            if fast != general && disagreements.len() < 20 {
                disagreements.push(format!("{} packet at byte {}: {fast:?} against {general:?}", path.display(), raw.file_offset));
            }
        }
    }
    println!("{} captures, {packets} packets, {fast_kind} Ethernet/IPv4/TCP-or-UDP", files.len());
    assert!(fast_kind > if shared { 10_000 } else { 100 }, "too few packets of the fast kind to tell ({fast_kind})");
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

/// The benchmark's kind of traffic (the generator's LAN mix, cut at 96 bytes as the
/// benchmark captures are), where nearly every packet takes the fast path.
#[test]
fn fast_and_general_decoding_agree_on_generated_lan_traffic() {
    use flowhound_core::synth::generator::{generate, GeneratorOptions};
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
