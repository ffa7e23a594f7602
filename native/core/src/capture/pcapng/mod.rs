//! pcapng: a sequence of blocks, each `type, total length, body, total length`.
//!
//! Read the way libpcap 1.10 reads them (sf-pcapng.c) where a file is damaged, so that the
//! packets we return before an error are the ones tcpdump returns. Deliberate differences,
//! where libpcap refuses what the format allows: interfaces may have different link types
//! and snap lengths, later sections may change byte order, SPBs may end before their
//! declared length (the block body bounds them, as in Wireshark), and an SPB, which has no
//! time stamp, takes the time of the packet before it rather than the epoch.
//!
//! Blocks larger than the read buffer are streamed: the fixed part and as much packet data
//! as fits are handed out, the rest is skipped and the trailer checked on the next call.

mod interface_description;
mod packet_blocks;
mod section_header;

use super::byte_source::ByteSource;
use super::format::{ByteOrder, CaptureFormat};
use super::io_error_at;
use super::packet_span::PacketSpan;
use super::snaplen::max_snaplen_for;
use crate::error::{ErrorCode, FlowhoundError, Result};
use interface_description::Interface;
use packet_blocks::{PacketBlockHeader, ENHANCED_PACKET_BLOCK_TYPE, OBSOLETE_PACKET_BLOCK_TYPE, SIMPLE_PACKET_BLOCK_TYPE};

const BLOCK_HEADER_BYTES: usize = 8;
const BLOCK_TRAILER_BYTES: usize = 4;
const MIN_BLOCK_BYTES: u32 = 12;
/// libpcap's INITIAL_MAX_BLOCKSIZE: larger blocks are refused as damaged, unless an
/// interface's link type allows larger packets.
const DEFAULT_MAX_BLOCK_BYTES: u32 = 16 * 1024 * 1024;
/// libpcap's BT_SHB_INSANE_MAX, applied to the first section header.
const MAX_FIRST_SECTION_HEADER_BYTES: u32 = 1024 * 1024;
/// Bounds the interface table: an IDB is at least 20 bytes, so without a bound the table
/// would grow with the file.
const MAX_INTERFACES_PER_SECTION: usize = 65_536;

pub fn is_pcapng_magic(first4: [u8; 4]) -> bool {
    first4 == section_header::BLOCK_TYPE_BYTES
}

/// The end of a block that did not fit in the buffer, to skip before the next block.
#[derive(Clone, Copy, Debug)]
struct PendingTail {
    block_offset: u64,
    body_bytes_left: u64,
    total_len: u32,
    byte_order: ByteOrder,
}

pub struct PcapNgParser {
    byte_order: ByteOrder,
    interfaces: Vec<Interface>,
    max_block_bytes: u32,
    pending_tail: Option<PendingTail>,
    last_ts_us: i64,
}

fn truncated(block_offset: u64, message: String) -> FlowhoundError {
    FlowhoundError::new(ErrorCode::PcapTruncated, message).at_offset(block_offset)
}

fn bad_block(block_offset: u64, message: String) -> FlowhoundError {
    FlowhoundError::new(ErrorCode::PcapngBadBlock, message).at_offset(block_offset)
}

impl PcapNgParser {
    /// Reads the first Section Header Block; the source holds its 4 magic bytes.
    pub fn open(source: &mut ByteSource) -> Result<(PcapNgParser, CaptureFormat)> {
        let head_bytes = BLOCK_HEADER_BYTES + 4;
        if !source.fill(head_bytes).map_err(|err| io_error_at(err, 0))? {
            return Err(truncated(0, "truncated pcapng section header".to_string()));
        }
        let head = &source.available()[..head_bytes];
        let byte_order = section_header::byte_order_of([head[8], head[9], head[10], head[11]])
            .ok_or_else(|| FlowhoundError::new(ErrorCode::NotACapture, "pcapng block type without a byte-order magic").at_offset(0))?;
        let total_len = byte_order.u32(head, 4);
        if !(section_header::MIN_BLOCK_BYTES..=MAX_FIRST_SECTION_HEADER_BYTES).contains(&total_len) {
            return Err(bad_block(0, format!("section header block has an invalid length of {total_len}")));
        }
        let parser = PcapNgParser {
            byte_order,
            interfaces: Vec::new(),
            max_block_bytes: DEFAULT_MAX_BLOCK_BYTES,
            pending_tail: None,
            last_ts_us: 0,
        };
        // Like libpcap, the first section header's trailer and alignment are not checked:
        // files that tcpdump reads are read here too.
        let total = total_len as usize;
        let buffered = total.min(source.capacity());
        if !source.fill(buffered).map_err(|err| io_error_at(err, 0))? {
            return Err(truncated(0, format!("truncated section header block of {total_len} bytes")));
        }
        let header = section_header::parse(&source.available()[BLOCK_HEADER_BYTES..], byte_order);
        if !(header.version_major == 1 && (header.version_minor == 0 || header.version_minor == 2)) {
            return Err(bad_block(
                0,
                format!("unsupported pcapng version {}.{}", header.version_major, header.version_minor),
            ));
        }
        source.consume(buffered);
        let rest = (total - buffered) as u64;
        if source.skip(rest).map_err(|err| io_error_at(err, 0))? < rest {
            return Err(truncated(0, format!("truncated section header block of {total_len} bytes")));
        }
        let format = CaptureFormat::PcapNg {
            byte_order,
            version_major: header.version_major,
            version_minor: header.version_minor,
        };
        Ok((parser, format))
    }

    pub fn next_record(&mut self, source: &mut ByteSource) -> Result<Option<PacketSpan>> {
        // Every pass consumes at least one whole block header or fails: no endless loop.
        loop {
            if let Some(tail) = self.pending_tail.take() {
                finish_tail(source, tail)?;
            }
            let block_offset = source.offset();
            let io_here = |err| io_error_at(err, block_offset);
            if !source.fill(BLOCK_HEADER_BYTES).map_err(io_here)? {
                let partial = source.available().len();
                if partial == 0 {
                    return Ok(None);
                }
                return Err(truncated(block_offset, format!("truncated block header: {partial} of 8 bytes")));
            }
            source.prefetch_ahead();
            let head = source.available();
            let is_section_header = head[..4] == section_header::BLOCK_TYPE_BYTES;
            let order = if is_section_header {
                if !source.fill(BLOCK_HEADER_BYTES + 4).map_err(io_here)? {
                    return Err(truncated(block_offset, "truncated section header block".to_string()));
                }
                let magic = &source.available()[8..12];
                section_header::byte_order_of([magic[0], magic[1], magic[2], magic[3]]).ok_or_else(|| {
                    bad_block(block_offset, "section header block with a bad byte-order magic".to_string())
                })?
            } else {
                self.byte_order
            };
            let head = source.available();
            let block_type = order.u32(head, 0);
            let total_len = order.u32(head, 4);
            self.check_block_length(total_len, block_offset)?;
            if is_section_header && total_len < section_header::MIN_BLOCK_BYTES {
                return Err(bad_block(block_offset, format!("section header block of {total_len} bytes is too short")));
            }

            let total = total_len as usize;
            let whole = total <= source.capacity();
            if !source.fill(if whole { total } else { source.capacity() }).map_err(io_here)? {
                let got = source.available().len();
                return Err(truncated(block_offset, format!("truncated block: {got} of {total_len} bytes")));
            }
            let buffered = &source.available()[..total.min(source.available().len())];
            if whole {
                check_trailer(buffered, order, block_offset)?;
            }
            let body_len = total - BLOCK_HEADER_BYTES - BLOCK_TRAILER_BYTES;
            let body = &buffered[BLOCK_HEADER_BYTES..BLOCK_HEADER_BYTES + body_len.min(buffered.len() - BLOCK_HEADER_BYTES)];
            let body_index = source.position_index() + BLOCK_HEADER_BYTES;

            let packet = match block_type {
                section_header::BLOCK_TYPE => {
                    let header = section_header::parse(body, order);
                    if header.version_major != 1 {
                        return Err(bad_block(
                            block_offset,
                            format!("unknown pcapng major version {}", header.version_major),
                        ));
                    }
                    self.byte_order = order;
                    self.interfaces.clear();
                    None
                }
                interface_description::BLOCK_TYPE => {
                    if !whole {
                        return Err(bad_block(
                            block_offset,
                            format!("interface description block of {total_len} bytes is larger than the read buffer"),
                        ));
                    }
                    if self.interfaces.len() >= MAX_INTERFACES_PER_SECTION {
                        return Err(bad_block(block_offset, format!("more than {MAX_INTERFACES_PER_SECTION} interfaces in a section")));
                    }
                    let interface = interface_description::parse(body, order)
                        .map_err(|message| bad_block(block_offset, message))?;
                    let largest_block = largest_block_for(interface);
                    self.max_block_bytes = self.max_block_bytes.max(largest_block);
                    self.interfaces.push(interface);
                    None
                }
                ENHANCED_PACKET_BLOCK_TYPE => {
                    let header = packet_blocks::parse_enhanced(body, order);
                    Some(self.packet(header, "enhanced packet block", body, body_len, body_index, block_offset)?)
                }
                SIMPLE_PACKET_BLOCK_TYPE => {
                    let header = packet_blocks::parse_simple(body, order);
                    Some(self.packet(header, "simple packet block", body, body_len, body_index, block_offset)?)
                }
                OBSOLETE_PACKET_BLOCK_TYPE => {
                    let header = packet_blocks::parse_obsolete(body, order);
                    Some(self.packet(header, "packet block", body, body_len, body_index, block_offset)?)
                }
                // Name resolution, statistics, decryption secrets, custom and unknown blocks.
                _ => None,
            };
            let body_buffered = body.len();
            if whole {
                source.consume(total);
            } else {
                source.consume(BLOCK_HEADER_BYTES + body_buffered);
                self.pending_tail = Some(PendingTail {
                    block_offset,
                    body_bytes_left: (body_len - body_buffered) as u64,
                    total_len,
                    byte_order: order,
                });
            }
            if let Some(span) = packet {
                return Ok(Some(span));
            }
        }
    }

    fn check_block_length(&self, total_len: u32, block_offset: u64) -> Result<()> {
        if total_len < MIN_BLOCK_BYTES {
            return Err(bad_block(block_offset, format!("block length {total_len} < {MIN_BLOCK_BYTES}")));
        }
        if !total_len.is_multiple_of(4) {
            return Err(bad_block(block_offset, format!("block length {total_len} is not a multiple of 4")));
        }
        if total_len > self.max_block_bytes {
            return Err(bad_block(block_offset, format!("block length {total_len} > maximum {}", self.max_block_bytes)));
        }
        Ok(())
    }

    /// Checks a packet block against its interface and its own length, in libpcap's order.
    /// `body` may be a prefix of the body (when the block is larger than the buffer);
    /// `body_len` is the body's full length.
    fn packet(
        &mut self,
        header: Option<PacketBlockHeader>,
        kind: &str,
        body: &[u8],
        body_len: usize,
        body_index: usize,
        block_offset: u64,
    ) -> Result<PacketSpan> {
        let header = header.ok_or_else(|| bad_block(block_offset, format!("{kind} of {body_len} body bytes is too short")))?;
        let interface = usize::try_from(header.interface_id)
            .ok()
            .and_then(|index| self.interfaces.get(index))
            .ok_or_else(|| {
                FlowhoundError::new(
                    ErrorCode::PcapngUnknownInterface,
                    format!("a packet arrived on interface {}, but no interface description block defines it", header.interface_id),
                )
                .at_offset(block_offset)
            })?;
        let data_room = body_len - header.data_offset;
        let caplen = match header.caplen {
            Some(caplen) => {
                if caplen > interface.snaplen_bytes {
                    return Err(FlowhoundError::new(
                        ErrorCode::PcapBadCaplen,
                        format!("invalid packet capture length {caplen}, bigger than snaplen of {}", interface.snaplen_bytes),
                    )
                    .at_offset(block_offset));
                }
                if caplen as usize > data_room {
                    return Err(bad_block(
                        block_offset,
                        format!("{kind} captured length {caplen} overruns its {data_room} bytes of data"),
                    ));
                }
                caplen as usize
            }
            None => (header.wire_len.min(interface.snaplen_bytes) as usize).min(data_room),
        };
        let ts_us = match header.ticks {
            Some(ticks) => interface.timestamps.to_us(ticks),
            None => self.last_ts_us,
        };
        self.last_ts_us = ts_us;
        let data_len = caplen.min(body.len() - header.data_offset);
        Ok(PacketSpan {
            ts_us,
            wire_len: header.wire_len,
            link_type: interface.link_type,
            data_index: body_index + header.data_offset,
            data_len,
            record_offset: block_offset,
        })
    }
}

/// libpcap's MAX_BLOCKSIZE_FOR_SNAPLEN: an EPB with the largest packet and 128 KiB of options.
fn largest_block_for(interface: Interface) -> u32 {
    let max_packet = max_snaplen_for(interface.link_type);
    max_packet.saturating_add(8 + 20 + 131_072 + 4)
}

fn check_trailer(block: &[u8], order: ByteOrder, block_offset: u64) -> Result<()> {
    let total_len = order.u32(block, 4);
    let trailer_len = order.u32(block, block.len() - BLOCK_TRAILER_BYTES);
    if trailer_len != total_len {
        return Err(bad_block(
            block_offset,
            format!("block total length in header {total_len} and trailer {trailer_len} don't match"),
        ));
    }
    Ok(())
}

fn finish_tail(source: &mut ByteSource, tail: PendingTail) -> Result<()> {
    let io_here = |err| io_error_at(err, tail.block_offset);
    let skipped = source.skip(tail.body_bytes_left).map_err(io_here)?;
    if skipped < tail.body_bytes_left || !source.fill(BLOCK_TRAILER_BYTES).map_err(io_here)? {
        return Err(truncated(tail.block_offset, format!("truncated block of {} bytes", tail.total_len)));
    }
    let trailer_len = tail.byte_order.u32(source.available(), 0);
    if trailer_len != tail.total_len {
        return Err(bad_block(
            tail.block_offset,
            format!("block total length in header {} and trailer {trailer_len} don't match", tail.total_len),
        ));
    }
    source.consume(BLOCK_TRAILER_BYTES);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::capture::format::{ByteOrder, CaptureFormat};
    use crate::capture::test_captures::*;
    use crate::error::ErrorCode;
    use ByteOrder::{Big, Little};

    const TSRESOL: u16 = 9;
    const TSOFFSET: u16 = 14;

    fn file(order: ByteOrder, blocks: &[Vec<u8>]) -> Vec<u8> {
        let mut bytes = section_header(order);
        for block in blocks {
            bytes.extend_from_slice(block);
        }
        bytes
    }

    #[test]
    fn enhanced_packets_both_byte_orders() {
        for order in [Little, Big] {
            let bytes = file(
                order,
                &[
                    interface(order, 1, 0, &[]),
                    enhanced_packet(order, 0, 1_300_000_000_123_456, 60, &payload(60, 1)),
                    enhanced_packet(order, 0, 1_300_000_001_000_000, 1514, &payload(61, 2)),
                ],
            );
            let reader = reader(bytes).unwrap();
            assert_eq!(reader.format(), CaptureFormat::PcapNg { byte_order: order, version_major: 1, version_minor: 0 });
            let (packets, error) = walk(reader);
            assert!(error.is_none(), "{error:?}");
            assert_eq!(packets[0], (1_300_000_000_123_456, 60, payload(60, 1), 1));
            assert_eq!(packets[1], (1_300_000_001_000_000, 1514, payload(61, 2), 1));
        }
    }

    #[test]
    fn time_stamp_resolutions_and_offsets() {
        for order in [Little, Big] {
            let bytes = file(
                order,
                &[
                    interface(order, 1, 0, &[option(order, TSRESOL, &[9])]),
                    interface(order, 1, 0, &[option(order, TSRESOL, &[0x80 | 20])]),
                    interface(order, 1, 0, &[option(order, TSRESOL, &[3]), option(order, TSOFFSET, &u64_bytes(order, 100))]),
                    enhanced_packet(order, 0, 1_300_000_000_123_456_789, 60, &payload(60, 0)),
                    enhanced_packet(order, 1, 3 << 19, 60, &payload(60, 0)), // 1.5 s in 2^-20 s ticks
                    enhanced_packet(order, 2, 1_250, 60, &payload(60, 0)), // 1.25 s + 100 s
                ],
            );
            let (packets, error) = walk(reader(bytes).unwrap());
            assert!(error.is_none(), "{error:?}");
            let times: Vec<i64> = packets.iter().map(|packet| packet.0).collect();
            assert_eq!(times, vec![1_300_000_000_123_456, 1_500_000, 101_250_000]);
        }
    }

    #[test]
    fn simple_packets_take_the_snap_length_and_the_previous_time() {
        for order in [Little, Big] {
            let bytes = file(
                order,
                &[
                    interface(order, 1, 64, &[]),
                    enhanced_packet(order, 0, 5_000_000, 60, &payload(60, 0)),
                    simple_packet(order, 100, &payload(64, 1)), // cut by the 64-byte snap length
                    simple_packet(order, 30, &payload(30, 2)),  // padded to 32 in the block
                ],
            );
            let (packets, error) = walk(reader(bytes).unwrap());
            assert!(error.is_none(), "{error:?}");
            assert_eq!(packets[1], (5_000_000, 100, payload(64, 1), 1));
            assert_eq!(packets[2], (5_000_000, 30, payload(30, 2), 1));
        }
    }

    #[test]
    fn simple_packet_shorter_than_its_length_is_bounded_by_the_block() {
        let bytes = file(Little, &[interface(Little, 1, 0, &[]), simple_packet(Little, 1514, &payload(40, 3))]);
        let (packets, error) = walk(reader(bytes).unwrap());
        assert!(error.is_none());
        assert_eq!((packets[0].1, packets[0].2.clone()), (1514, payload(40, 3)));
    }

    #[test]
    fn obsolete_packet_block() {
        for order in [Little, Big] {
            let bytes = file(order, &[interface(order, 101, 0, &[]), obsolete_packet(order, 0, 7_000_001, 20, &payload(20, 4))]);
            let (packets, error) = walk(reader(bytes).unwrap());
            assert!(error.is_none());
            assert_eq!(packets, vec![(7_000_001, 20, payload(20, 4), 101)]);
        }
    }

    #[test]
    fn interfaces_with_different_link_types() {
        let bytes = file(
            Little,
            &[
                interface(Little, 1, 0, &[]),
                interface(Little, 113, 0, &[]),
                enhanced_packet(Little, 1, 1, 40, &payload(40, 0)),
                enhanced_packet(Little, 0, 2, 40, &payload(40, 0)),
            ],
        );
        let (packets, error) = walk(reader(bytes).unwrap());
        assert!(error.is_none());
        assert_eq!(packets.iter().map(|packet| packet.3).collect::<Vec<_>>(), vec![113, 1]);
    }

    #[test]
    fn sections_reset_interfaces_and_may_change_byte_order() {
        let mut bytes = file(
            Little,
            &[interface(Little, 1, 0, &[]), interface(Little, 1, 0, &[]), enhanced_packet(Little, 1, 1, 40, &payload(40, 0))],
        );
        bytes.extend(section_header(Big));
        bytes.extend(interface(Big, 228, 0, &[]));
        bytes.extend(enhanced_packet(Big, 0, 2, 20, &payload(20, 1)));
        let second_section_packet_2 = bytes.len() as u64;
        bytes.extend(enhanced_packet(Big, 1, 3, 20, &payload(20, 2)));
        let (packets, error) = walk(reader(bytes).unwrap());
        assert_eq!(packets.iter().map(|packet| (packet.0, packet.3)).collect::<Vec<_>>(), vec![(1, 1), (2, 228)]);
        let error = error.unwrap();
        assert_eq!(error.code, ErrorCode::PcapngUnknownInterface);
        assert_eq!(error.location.byte_offset, Some(second_section_packet_2));
    }

    #[test]
    fn unknown_and_custom_blocks_are_skipped() {
        let bytes = file(
            Little,
            &[
                block(Little, 4, &[0, 0, 0, 0]), // name resolution, before any interface
                interface(Little, 1, 0, &[]),
                block(Little, 0x0000_0bad, b"custom, copyable"),
                block(Little, 0x4000_0bad, b"custom, not copyable"),
                block(Little, 5, &[0; 12]), // interface statistics
                block(Little, 0x7777_7777, &[]),
                enhanced_packet(Little, 0, 1, 40, &payload(40, 0)),
            ],
        );
        let (packets, error) = walk(reader(bytes).unwrap());
        assert!(error.is_none());
        assert_eq!(packets.len(), 1);
    }

    #[test]
    fn a_file_of_empty_blocks_ends() {
        let blocks: Vec<Vec<u8>> = (0..10_000).map(|_| block(Little, 0x7777_7777, &[])).collect();
        let (packets, error) = walk(reader_with_buffer(file(Little, &blocks), 4096).unwrap());
        assert!(packets.is_empty() && error.is_none());
    }

    fn first_error(bytes: Vec<u8>) -> (usize, ErrorCode, u64) {
        let (packets, error) = walk(reader(bytes).unwrap());
        let error = error.expect("an error");
        (packets.len(), error.code, error.location.byte_offset.unwrap())
    }

    /// A valid start: SHB (28 bytes), IDB (20 bytes), one EPB (32 + 40 bytes) at 48.
    fn valid_start() -> Vec<u8> {
        file(Little, &[interface(Little, 1, 1000, &[]), enhanced_packet(Little, 0, 1, 40, &payload(40, 0))])
    }

    #[test]
    fn garbage_block_lengths() {
        let at = valid_start().len() as u64;
        for (total_len, what) in [(8u32, "shorter than 12"), (14, "not a multiple of 4"), (0x7fff_fff0, "absurd")] {
            let mut bytes = valid_start();
            bytes.extend(1u32.to_le_bytes());
            bytes.extend(total_len.to_le_bytes());
            bytes.extend([0u8; 16]);
            assert_eq!(first_error(bytes), (1, ErrorCode::PcapngBadBlock, at), "{what}");
        }
    }

    #[test]
    fn trailer_mismatch() {
        let mut bytes = valid_start();
        let at = bytes.len() as u64;
        let mut epb = enhanced_packet(Little, 0, 1, 40, &payload(40, 0));
        let end = epb.len();
        epb[end - 4] ^= 0x04;
        bytes.extend(epb);
        assert_eq!(first_error(bytes), (1, ErrorCode::PcapngBadBlock, at));
    }

    #[test]
    fn packet_before_any_interface() {
        let bytes = file(Little, &[enhanced_packet(Little, 0, 1, 40, &payload(40, 0))]);
        assert_eq!(first_error(bytes), (0, ErrorCode::PcapngUnknownInterface, 28));
        let spb = file(Little, &[simple_packet(Little, 40, &payload(40, 0))]);
        assert_eq!(first_error(spb), (0, ErrorCode::PcapngUnknownInterface, 28));
    }

    #[test]
    fn caplen_above_the_interface_snap_length() {
        let mut bytes = valid_start();
        let at = bytes.len() as u64;
        bytes.extend(enhanced_packet(Little, 0, 1, 1500, &payload(1001, 0)));
        assert_eq!(first_error(bytes), (1, ErrorCode::PcapBadCaplen, at));
    }

    #[test]
    fn caplen_beyond_the_block() {
        let mut bytes = valid_start();
        let at = bytes.len() as u64;
        let mut epb = enhanced_packet(Little, 0, 1, 40, &payload(40, 0));
        epb[20..24].copy_from_slice(&48u32.to_le_bytes()); // caplen 48 in a 40-byte body
        bytes.extend(epb);
        assert_eq!(first_error(bytes), (1, ErrorCode::PcapngBadBlock, at));
        // Too short for the EPB's fixed part.
        let mut short = valid_start();
        short.extend(block(Little, 6, &[0; 16]));
        assert_eq!(first_error(short), (1, ErrorCode::PcapngBadBlock, at));
    }

    #[test]
    fn truncated_blocks() {
        let full = valid_start();
        for cut in [full.len() - 1, full.len() - 40, 48 + 3] {
            assert_eq!(first_error(full[..cut].to_vec()), (0, ErrorCode::PcapTruncated, 48), "cut at {cut}");
        }
        let shb_cut = reader(full[..20].to_vec()).err().unwrap();
        assert_eq!((shb_cut.code, shb_cut.location.byte_offset), (ErrorCode::PcapTruncated, Some(0)));
    }

    #[test]
    fn bad_interface_options() {
        let bytes = file(Little, &[interface(Little, 1, 0, &[option(Little, TSRESOL, &[9, 9])])]);
        assert_eq!(first_error(bytes), (0, ErrorCode::PcapngBadBlock, 28));
    }

    #[test]
    fn section_header_checks() {
        let mut version2 = section_header(Little);
        version2[12] = 2;
        assert_eq!(reader(version2).err().unwrap().code, ErrorCode::PcapngBadBlock);

        let mut bad_magic = section_header(Little);
        bad_magic[8] = 0;
        assert_eq!(reader(bad_magic).err().unwrap().code, ErrorCode::NotACapture);

        let mut later_bad_magic = valid_start();
        let at = later_bad_magic.len() as u64;
        let mut second = section_header(Big);
        second[8] = 0;
        later_bad_magic.extend(second);
        assert_eq!(first_error(later_bad_magic), (1, ErrorCode::PcapngBadBlock, at));

        let mut later_major_2 = valid_start();
        let mut second = section_header(Big);
        second[13] = 2;
        later_major_2.extend(second);
        assert_eq!(first_error(later_major_2), (1, ErrorCode::PcapngBadBlock, at));
    }

    #[test]
    fn first_section_header_is_read_as_libpcap_reads_it() {
        // Its trailer is not checked (libpcap does not either)...
        let mut bytes = valid_start();
        bytes[24] ^= 0x10;
        assert_eq!(walk(reader(bytes).unwrap()).0.len(), 1);
        // ...and it may be larger than the buffer (options are skipped).
        let mut big_shb_body = Vec::new();
        big_shb_body.extend_from_slice(&u32_bytes(Little, 0x1a2b_3c4d));
        big_shb_body.extend_from_slice(&[1, 0, 0, 0]);
        big_shb_body.extend_from_slice(&[0xff; 8]);
        big_shb_body.extend(option(Little, 1, &payload(9_000, 0)));
        let mut bytes = block(Little, 0x0a0d_0d0a, &big_shb_body);
        bytes.extend(interface(Little, 1, 0, &[]));
        bytes.extend(enhanced_packet(Little, 0, 1, 40, &payload(40, 0)));
        let (packets, error) = walk(reader_with_buffer(bytes.clone(), 4096).unwrap());
        assert!(error.is_none(), "{error:?}");
        assert_eq!(packets.len(), 1);
        let cut = reader_with_buffer(bytes[..6000].to_vec(), 4096).err().unwrap();
        assert_eq!(cut.code, ErrorCode::PcapTruncated);
        // Lengths outside 28 bytes to 1 MiB are refused.
        let mut tiny = valid_start();
        tiny[4] = 24;
        assert_eq!(reader(tiny).err().unwrap().code, ErrorCode::PcapngBadBlock);
    }

    #[test]
    fn blocks_larger_than_the_buffer_are_streamed() {
        let order = Little;
        let bytes = file(
            order,
            &[
                interface(order, 1, 0, &[]),
                block(order, 0x0000_0bad, &payload(20_000, 9)),
                enhanced_packet(order, 0, 1, 10_000, &payload(10_000, 1)),
                enhanced_packet(order, 0, 2, 40, &payload(40, 2)),
            ],
        );
        let (packets, error) = walk(reader_with_buffer(bytes, 4096).unwrap());
        assert!(error.is_none(), "{error:?}");
        assert_eq!(packets.len(), 2);
        assert_eq!(packets[0].2, payload(4096 - 28, 1));
        assert_eq!(packets[0].1, 10_000);
        assert_eq!(packets[1], (2, 40, payload(40, 2), 1));
    }

    #[test]
    fn a_streamed_block_with_a_bad_trailer_fails_on_the_next_call() {
        let order = Little;
        let mut bytes = file(order, &[interface(order, 1, 0, &[])]);
        let at = bytes.len() as u64;
        let mut big = enhanced_packet(order, 0, 1, 10_000, &payload(10_000, 1));
        let end = big.len();
        big[end - 1] = 0x55;
        bytes.extend(big);
        let (packets, error) = walk(reader_with_buffer(bytes, 4096).unwrap());
        assert_eq!(packets.len(), 1);
        let error = error.unwrap();
        assert_eq!((error.code, error.location.byte_offset), (ErrorCode::PcapngBadBlock, Some(at)));
    }
}
