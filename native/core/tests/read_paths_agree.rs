//! Reading a capture through a memory map (`CaptureReader::open`) and through read calls into
//! a buffer (`open_buffered`) must give the same packets, byte for byte, and end with the same
//! error at the same place: on the damaged captures of the fixtures, the shared parser corpus
//! (tcpdump's and pcapng-test-generator's captures) and the shared real captures.

mod common;

use std::path::Path;

use flowhound_core::capture::CaptureReader;
use flowhound_core::error::FlowhoundError;

// A reading ends at the first packet whose time is out of range (`time_range.rs`): 308 and
// 23,832 packets before that check.
const FIXTURE_PACKETS: usize = 296;
const SHARED_PACKETS: usize = 23_805;

/// Every packet as (ts, wire length, link type, file offset, bytes), then how it ended.
type Reading = (Vec<(i64, u32, u16, u64, Vec<u8>)>, Option<(String, Option<u64>, Option<u64>)>);

fn ending(error: &FlowhoundError) -> Option<(String, Option<u64>, Option<u64>)> {
    Some((error.code.to_string(), error.location.byte_offset, error.location.packet_index))
}

fn read(path: &Path, open: fn(&Path) -> flowhound_core::error::Result<CaptureReader>) -> Reading {
    let mut reader = match open(path) {
        Ok(reader) => reader,
        Err(error) => return (Vec::new(), ending(&error)),
    };
    let mut packets = Vec::new();
    loop {
        match reader.next_packet() {
            Ok(Some(p)) => packets.push((p.ts_us, p.wire_len, p.link_type, p.file_offset, p.data.to_vec())),
            Ok(None) => return (packets, None),
            Err(error) => return (packets, ending(&error)),
        }
    }
}

/// The captures whose two readings differ, and the packets read.
fn compare(files: &[std::path::PathBuf]) -> (Vec<String>, usize) {
    let mut packets = 0;
    let mut disagreements = Vec::new();
    for path in files {
        let mapped = read(path, CaptureReader::open);
        let buffered = read(path, CaptureReader::open_buffered);
        packets += mapped.0.len();
        if mapped != buffered {
            disagreements.push(format!("{}: mapped {} packets, {:?}; buffered {} packets, {:?}", path.display(), mapped.0.len(), mapped.1, buffered.0.len(), buffered.1));
        }
    }
    println!("{} captures, {packets} packets", files.len());
    (disagreements, packets)
}

#[test]
fn mapped_and_buffered_reads_agree_on_the_damaged_fixtures() {
    let files = common::fixture_capture_files();
    assert_eq!(files.len(), 129, "test/fixtures/parser-corpus/damaged changed: update the count");
    let (disagreements, packets) = compare(&files);
    // Measured on the committed fixtures: both readings must also read every packet there is.
    assert_eq!(packets, FIXTURE_PACKETS);
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data/parser-corpus and ../shared/data/pcaps (absent when the tests were built)")]
fn mapped_and_buffered_reads_agree_on_the_shared_corpus_and_real_captures() {
    let files = common::shared_capture_files();
    assert_eq!(files.len(), 888, "878 files of the parser corpus and 10 real captures");
    let (disagreements, packets) = compare(&files);
    assert_eq!(packets, SHARED_PACKETS);
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
