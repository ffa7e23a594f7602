//! `decode` (with its fast path for Ethernet → IPv4 → TCP/UDP) must give what the general
//! decoder alone gives, for every packet of every test capture: the damaged fixtures, the
//! shared parser corpus and the shared real captures. On generated LAN traffic, where nearly
//! every packet takes the fast path: `native/synth/tests/core_on_generated_traffic.rs`.

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
