//! Captures larger than 4 GiB, produced lazily by a `Read` that repeats records (never held
//! in memory): offsets, counters and errors past 2^32 bytes must be exact. About 4.3 GB
//! pass through the reader per test; a second or two in release.

use std::io::{self, Read};

use flowhound_core::capture::CaptureReader;
use flowhound_core::decode::decode;
use flowhound_core::error::ErrorCode;
use flowhound_core::packet::{IpAddr16, Network, Transport};

const FOUR_GIB: u64 = 1 << 32;

/// A stream made of a prefix, then `repeats` copies of a unit, then a suffix.
struct Repeating {
    parts: [Vec<u8>; 3],
    repeats: u64,
    part: usize,
    position: usize,
    repeats_done: u64,
}

impl Repeating {
    fn new(prefix: Vec<u8>, unit: Vec<u8>, repeats: u64, suffix: Vec<u8>) -> Repeating {
        Repeating { parts: [prefix, unit, suffix], repeats, part: 0, position: 0, repeats_done: 0 }
    }

    fn len(&self) -> u64 {
        self.parts[0].len() as u64 + self.parts[1].len() as u64 * self.repeats + self.parts[2].len() as u64
    }
}

impl Read for Repeating {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let mut written = 0;
        while written < out.len() && self.part < 3 {
            let part = &self.parts[self.part];
            if self.part == 1 && self.repeats_done == self.repeats {
                self.part = 2;
                self.position = 0;
                continue;
            }
            let count = (part.len() - self.position).min(out.len() - written);
            out[written..written + count].copy_from_slice(&part[self.position..self.position + count]);
            written += count;
            self.position += count;
            if self.position == part.len() {
                self.position = 0;
                if self.part == 1 {
                    self.repeats_done += 1;
                } else {
                    self.part += 1;
                }
            }
        }
        Ok(written)
    }
}

/// Ethernet / IPv4 10.0.0.1:1234 -> 10.0.0.2:80 TCP SYN, total length 40.
fn tcp_syn_frame() -> Vec<u8> {
    let mut frame = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
    frame.extend_from_slice(&[0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
    frame.extend_from_slice(&[0x04, 0xd2, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]);
    frame
}

fn pcap_record(seconds: u32, data: &[u8]) -> Vec<u8> {
    let mut record = Vec::new();
    for field in [seconds, 0, data.len() as u32, data.len() as u32] {
        record.extend_from_slice(&field.to_le_bytes());
    }
    record.extend_from_slice(data);
    record
}

fn pcap_header() -> Vec<u8> {
    let mut header = Vec::new();
    header.extend_from_slice(&0xa1b2_c3d4_u32.to_le_bytes());
    header.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    header.extend_from_slice(&262_144_u32.to_le_bytes());
    header.extend_from_slice(&1_u32.to_le_bytes());
    header
}

#[test]
fn pcap_stream_past_four_gib() {
    // Each unit: one 200,000-byte record and one small TCP SYN record.
    let big = pcap_record(1, &vec![0xee; 200_000]);
    let syn = pcap_record(2, &tcp_syn_frame());
    let mut unit = big.clone();
    unit.extend_from_slice(&syn);
    let repeats = FOUR_GIB / unit.len() as u64 + 10;
    // After the repeats: one last SYN, then a record header cut short.
    let mut suffix = pcap_record(3, &tcp_syn_frame());
    suffix.extend_from_slice(&[0; 10]);
    let source = Repeating::new(pcap_header(), unit.clone(), repeats, suffix);
    let stream_len = source.len();
    assert!(stream_len > FOUR_GIB + 1_000_000);

    let mut reader = CaptureReader::from_read(Box::new(source), "generated").unwrap();
    let mut packets = 0u64;
    let mut syns = 0u64;
    let mut last_offset = 0u64;
    let mut last_ts_us = 0i64;
    let error = loop {
        match reader.next_packet() {
            Ok(Some(packet)) => {
                packets += 1;
                last_offset = packet.file_offset;
                last_ts_us = packet.ts_us;
                if let Network::Ip(ip) = decode(&packet).network {
                    assert_eq!(ip.src, IpAddr16::from_v4([10, 0, 0, 1]));
                    assert!(matches!(ip.transport, Transport::Tcp { src_port: 1234, dst_port: 80, flags: 0x02, .. }));
                    syns += 1;
                } else {
                    assert_eq!(packet.data.len(), 200_000);
                }
            }
            Ok(None) => panic!("the stream ends inside a record header"),
            Err(err) => break err,
        }
    };
    assert_eq!(packets, 2 * repeats + 1);
    assert_eq!(syns, repeats + 1);
    assert_eq!(last_ts_us, 3_000_000);
    let last_record_offset = 24 + repeats * unit.len() as u64;
    assert!(last_record_offset > FOUR_GIB);
    assert_eq!(last_offset, last_record_offset);
    assert_eq!(error.code, ErrorCode::PcapTruncated);
    assert_eq!(error.location.byte_offset, Some(stream_len - 10));
    assert_eq!(error.location.packet_index, Some(packets));
    assert_eq!(reader.bytes_consumed(), stream_len - 10);
    assert_eq!(reader.packets_read(), packets);
}

fn pcapng_block(block_type: u32, body: &[u8]) -> Vec<u8> {
    let total = (12 + body.len().div_ceil(4) * 4) as u32;
    let mut block = Vec::new();
    block.extend_from_slice(&block_type.to_le_bytes());
    block.extend_from_slice(&total.to_le_bytes());
    block.extend_from_slice(body);
    block.resize(total as usize - 4, 0);
    block.extend_from_slice(&total.to_le_bytes());
    block
}

#[test]
fn pcapng_stream_past_four_gib_through_large_blocks() {
    // SHB and an Ethernet IDB, then 16,000,000-byte custom blocks (larger than the
    // read buffer: skipped in a stream), then EPBs beyond 4 GiB.
    let mut shb_body = Vec::new();
    shb_body.extend_from_slice(&0x1a2b_3c4d_u32.to_le_bytes());
    shb_body.extend_from_slice(&[1, 0, 0, 0]);
    shb_body.extend_from_slice(&[0xff; 8]);
    let mut prefix = pcapng_block(0x0a0d_0d0a, &shb_body);
    prefix.extend(pcapng_block(1, &[1, 0, 0, 0, 0, 0, 0, 0]));
    let unit = pcapng_block(0x0000_0bad, &vec![0x5a; 16_000_000]);
    let repeats = FOUR_GIB / unit.len() as u64 + 1;
    let mut epb_body = Vec::new();
    let frame = tcp_syn_frame();
    for field in [0u32, 0, 7_000_000, frame.len() as u32, frame.len() as u32] {
        epb_body.extend_from_slice(&field.to_le_bytes());
    }
    epb_body.extend_from_slice(&frame);
    let epb = pcapng_block(6, &epb_body);
    let suffix = [epb.clone(), epb.clone()].concat();
    let source = Repeating::new(prefix.clone(), unit.clone(), repeats, suffix);
    let stream_len = source.len();

    let mut reader = CaptureReader::from_read(Box::new(source), "generated").unwrap();
    let first_epb = prefix.len() as u64 + repeats * unit.len() as u64;
    assert!(first_epb > FOUR_GIB);
    for index in 0..2u64 {
        let packet = reader.next_packet().unwrap().expect("an EPB");
        assert_eq!(packet.file_offset, first_epb + index * epb.len() as u64);
        assert_eq!(packet.ts_us, 7_000_000);
        assert!(matches!(decode(&packet).network, Network::Ip(_)));
    }
    assert!(reader.next_packet().unwrap().is_none());
    assert_eq!(reader.bytes_consumed(), stream_len);
}
