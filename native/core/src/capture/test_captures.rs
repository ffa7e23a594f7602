//! Builders of small pcap and pcapng byte arrays for the reader's unit tests, written from
//! the formats' specifications (pcap-savefile(5), draft-ietf-opsawg-pcapng).

use super::format::ByteOrder;
use std::io::Cursor;

use super::reader::CaptureReader;

pub fn u16_bytes(order: ByteOrder, value: u16) -> [u8; 2] {
    match order {
        ByteOrder::Little => value.to_le_bytes(),
        ByteOrder::Big => value.to_be_bytes(),
    }
}

pub fn u32_bytes(order: ByteOrder, value: u32) -> [u8; 4] {
    match order {
        ByteOrder::Little => value.to_le_bytes(),
        ByteOrder::Big => value.to_be_bytes(),
    }
}

pub fn u64_bytes(order: ByteOrder, value: u64) -> [u8; 8] {
    match order {
        ByteOrder::Little => value.to_le_bytes(),
        ByteOrder::Big => value.to_be_bytes(),
    }
}

/// A classic pcap file header.
pub fn pcap_header(order: ByteOrder, magic: u32, version: (u16, u16), snaplen: u32, link_type_field: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&u32_bytes(order, magic));
    bytes.extend_from_slice(&u16_bytes(order, version.0));
    bytes.extend_from_slice(&u16_bytes(order, version.1));
    bytes.extend_from_slice(&[0; 8]); // thiszone, sigfigs
    bytes.extend_from_slice(&u32_bytes(order, snaplen));
    bytes.extend_from_slice(&u32_bytes(order, link_type_field));
    bytes
}

/// A classic pcap record: header (seconds, fraction, caplen, len) and `data`.
pub fn pcap_record(order: ByteOrder, seconds: u32, fraction: u32, wire_len: u32, data: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for field in [seconds, fraction, data.len() as u32, wire_len] {
        bytes.extend_from_slice(&u32_bytes(order, field));
    }
    bytes.extend_from_slice(data);
    bytes
}

/// A pcapng block of any type: the body is padded to 4 bytes, lengths written both ends.
pub fn block(order: ByteOrder, block_type: u32, body: &[u8]) -> Vec<u8> {
    let padded = (body.len() + 3) & !3;
    let total = (12 + padded) as u32;
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&u32_bytes(order, block_type));
    bytes.extend_from_slice(&u32_bytes(order, total));
    bytes.extend_from_slice(body);
    bytes.resize(8 + padded, 0);
    bytes.extend_from_slice(&u32_bytes(order, total));
    bytes
}

pub fn section_header(order: ByteOrder) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&u32_bytes(order, 0x1a2b_3c4d));
    body.extend_from_slice(&u16_bytes(order, 1));
    body.extend_from_slice(&u16_bytes(order, 0));
    body.extend_from_slice(&u64_bytes(order, u64::MAX)); // section length unknown
    block(order, 0x0a0d_0d0a, &body)
}

/// An option (code, value) padded to 4 bytes.
pub fn option(order: ByteOrder, code: u16, value: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&u16_bytes(order, code));
    bytes.extend_from_slice(&u16_bytes(order, value.len() as u16));
    bytes.extend_from_slice(value);
    bytes.resize(4 + ((value.len() + 3) & !3), 0);
    bytes
}

pub fn interface(order: ByteOrder, link_type: u16, snaplen: u32, options: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&u16_bytes(order, link_type));
    body.extend_from_slice(&[0, 0]);
    body.extend_from_slice(&u32_bytes(order, snaplen));
    for opt in options {
        body.extend_from_slice(opt);
    }
    if !options.is_empty() {
        body.extend_from_slice(&[0, 0, 0, 0]);
    }
    block(order, 1, &body)
}

pub fn enhanced_packet(order: ByteOrder, interface_id: u32, ticks: u64, wire_len: u32, data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&u32_bytes(order, interface_id));
    body.extend_from_slice(&u32_bytes(order, (ticks >> 32) as u32));
    body.extend_from_slice(&u32_bytes(order, ticks as u32));
    body.extend_from_slice(&u32_bytes(order, data.len() as u32));
    body.extend_from_slice(&u32_bytes(order, wire_len));
    body.extend_from_slice(data);
    block(order, 6, &body)
}

pub fn simple_packet(order: ByteOrder, wire_len: u32, data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&u32_bytes(order, wire_len));
    body.extend_from_slice(data);
    block(order, 3, &body)
}

pub fn obsolete_packet(order: ByteOrder, interface_id: u16, ticks: u64, wire_len: u32, data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&u16_bytes(order, interface_id));
    body.extend_from_slice(&u16_bytes(order, 0)); // drops
    body.extend_from_slice(&u32_bytes(order, (ticks >> 32) as u32));
    body.extend_from_slice(&u32_bytes(order, ticks as u32));
    body.extend_from_slice(&u32_bytes(order, data.len() as u32));
    body.extend_from_slice(&u32_bytes(order, wire_len));
    body.extend_from_slice(data);
    block(order, 2, &body)
}

/// A packet's bytes with a recognisable pattern.
pub fn payload(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| seed.wrapping_add(i as u8)).collect()
}

pub fn reader(bytes: Vec<u8>) -> crate::error::Result<CaptureReader> {
    CaptureReader::from_read(Box::new(Cursor::new(bytes)), "test.cap")
}

pub fn reader_with_buffer(bytes: Vec<u8>, buffer_bytes: usize) -> crate::error::Result<CaptureReader> {
    CaptureReader::from_read_with_buffer(Box::new(Cursor::new(bytes)), "test.cap", buffer_bytes)
}

/// What a reader yields: (ts_us, wire_len, data, link_type) per packet, then the error.
pub type Walk = (Vec<(i64, u32, Vec<u8>, u16)>, Option<crate::error::FlowhoundError>);

pub fn walk(mut reader: CaptureReader) -> Walk {
    let mut packets = Vec::new();
    loop {
        match reader.next_packet() {
            Ok(Some(packet)) => packets.push((packet.ts_us, packet.wire_len, packet.data.to_vec(), packet.link_type)),
            Ok(None) => return (packets, None),
            Err(err) => {
                assert!(reader.next_packet().unwrap().is_none(), "after an error, the reader is done");
                return (packets, Some(err));
            }
        }
    }
}
