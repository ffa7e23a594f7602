//! `decode` (with its fast path for Ethernet → IPv4 → TCP/UDP) must give what the general
//! decoder alone gives, for every packet of every test capture: the damaged fixtures, the
//! shared parser corpus and the shared real captures. On generated LAN traffic, where nearly
//! every packet takes the fast path: `native/synth/tests/core_on_generated_traffic.rs`.

mod common;

use flowhound_core::capture::CaptureReader;
use flowhound_core::decode::{decode, decode_general};
use flowhound_core::packet::{link_type, Network, Transport};

const FIXTURE_FILES: usize = 129;
// A capture's reading ends at its first packet whose time is out of range (1969-12-31 to
// 2100-01-01, `time_range.rs`): 12 of the fixtures' packets and 27 of the shared corpus's
// (308 and 23,832 before that check) come after one.
const FIXTURE_PACKETS: (u64, u64) = (296, 294);
const SHARED_FILES: usize = 888;
const SHARED_PACKETS: (u64, u64) = (23_805, 15_627);

/// Decodes every packet of `files` both ways; the disagreements (at most 20), the packets
/// read and how many of them are of the fast path's kind.
fn compare(files: &[std::path::PathBuf]) -> (Vec<String>, u64, u64) {
    let (mut packets, mut fast_kind) = (0u64, 0u64);
    let mut disagreements = Vec::new();
    for path in files {
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
    (disagreements, packets, fast_kind)
}

#[test]
fn fast_and_general_decoding_agree_on_the_damaged_fixtures() {
    let files = common::fixture_capture_files();
    assert_eq!(files.len(), FIXTURE_FILES, "test/fixtures/parser-corpus/damaged changed: update the count");
    let (disagreements, packets, fast_kind) = compare(&files);
    // Measured: the figures of the committed fixtures, so that a reader that stops early, or a
    // decoder that stops taking the fast path, cannot pass on fewer packets.
    assert_eq!((packets, fast_kind), FIXTURE_PACKETS, "packets read, and of the fast path's kind");
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data/parser-corpus and ../shared/data/pcaps (absent when the tests were built)")]
fn fast_and_general_decoding_agree_on_the_shared_corpus_and_real_captures() {
    let files = common::shared_capture_files();
    assert_eq!(files.len(), SHARED_FILES, "878 files of the parser corpus and 10 real captures");
    let (disagreements, packets, fast_kind) = compare(&files);
    assert_eq!((packets, fast_kind), SHARED_PACKETS, "packets read, and of the fast path's kind");
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
