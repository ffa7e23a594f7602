//! Classic pcap: the 24-byte file header and the 16-byte (or 24-byte, modified format)
//! record headers, read the way libpcap 1.10 reads them (sf-pcap.c), so that a damaged file
//! yields the same packets here as in tcpdump.

use super::byte_source::ByteSource;
use super::format::{ByteOrder, CaptureFormat, PcapResolution};
use super::packet_span::PacketSpan;
use super::snaplen::{effective_snaplen, max_snaplen_for};
use super::timestamp::pcap_to_us;
use super::io_error_at;
use crate::error::{ErrorCode, FlowhoundError, Result};
use crate::packet::{link_type, LinkType};

pub const FILE_HEADER_BYTES: usize = 24;
const RECORD_HEADER_BYTES: usize = 16;
/// Kuznetzov's patched libpcap added ifindex, protocol, packet type and padding.
const MODIFIED_RECORD_HEADER_BYTES: usize = 24;

const MAGIC_MICROSECONDS: u32 = 0xa1b2_c3d4;
const MAGIC_NANOSECONDS: u32 = 0xa1b2_3c4d;
const MAGIC_MODIFIED: u32 = 0xa1b2_cd34;

/// The upper 6 bits of the link-type field carry extra information (FCS length).
const LINK_TYPE_MASK: u32 = 0x03ff_ffff;

/// Whether the magic number (first 4 bytes, as stored) is a classic pcap one.
pub fn is_pcap_magic(first4: [u8; 4]) -> bool {
    magic_kind(first4).is_some()
}

fn magic_kind(first4: [u8; 4]) -> Option<(ByteOrder, PcapResolution, bool)> {
    for (order, value) in [(ByteOrder::Little, u32::from_le_bytes(first4)), (ByteOrder::Big, u32::from_be_bytes(first4))] {
        match value {
            MAGIC_MICROSECONDS => return Some((order, PcapResolution::Microsecond, false)),
            MAGIC_NANOSECONDS => return Some((order, PcapResolution::Nanosecond, false)),
            MAGIC_MODIFIED => return Some((order, PcapResolution::Microsecond, true)),
            _ => {}
        }
    }
    None
}

/// How a file stores the caplen and len fields: versions before 2.3 had them the other way
/// round, and some 2.3 writers did too (libpcap's `lengths_swapped`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LengthOrder {
    CaplenFirst,
    LenFirst,
    /// Version 2.3: swapped only when caplen > len.
    Either,
}

pub struct PcapParser {
    byte_order: ByteOrder,
    nanosecond: bool,
    link_type: LinkType,
    record_header_bytes: usize,
    length_order: LengthOrder,
    /// The snap length libpcap enforces: longer records are cut to it.
    snapshot_bytes: u32,
    /// Longer records are refused as damaged.
    max_caplen_bytes: u32,
    /// Bytes of the previous record that did not fit in the buffer, still to be skipped.
    pending_skip_bytes: u64,
    pending_record_offset: u64,
}

impl PcapParser {
    /// Reads and checks the file header; the source holds at least the 4 magic bytes.
    pub fn open(source: &mut ByteSource) -> Result<(PcapParser, CaptureFormat)> {
        let at_end = |err| io_error_at(err, 0);
        if !source.fill(FILE_HEADER_BYTES).map_err(at_end)? {
            return Err(FlowhoundError::new(
                ErrorCode::PcapTruncated,
                format!("truncated pcap file header: {} of {FILE_HEADER_BYTES} bytes", source.available().len()),
            )
            .at_offset(0));
        }
        let header = &source.available()[..FILE_HEADER_BYTES];
        let (byte_order, resolution, modified) = magic_kind([header[0], header[1], header[2], header[3]])
            .ok_or_else(|| FlowhoundError::new(ErrorCode::NotACapture, "not a pcap magic number").at_offset(0))?;
        let version_major = byte_order.u16(header, 4);
        let version_minor = byte_order.u16(header, 6);
        let snaplen = byte_order.u32(header, 16);
        let link_type_field = byte_order.u32(header, 20);

        let supported = (version_major == 2 && version_minor <= 4) || (version_major == 543 && version_minor == 0);
        if !supported {
            return Err(FlowhoundError::new(
                ErrorCode::NotACapture,
                format!("unsupported pcap version {version_major}.{version_minor}"),
            )
            .at_offset(4));
        }
        let link_type = LinkType::try_from(link_type_field & LINK_TYPE_MASK).unwrap_or(LinkType::MAX);
        let length_order = match (version_major, version_minor) {
            (2, minor) if minor < 3 => LengthOrder::LenFirst,
            (2, 3) => LengthOrder::Either,
            (543, _) => LengthOrder::LenFirst,
            _ => LengthOrder::CaplenFirst,
        };
        let mut snapshot_bytes = effective_snaplen(link_type, snaplen);
        if modified && link_type == link_type::ETHERNET {
            // libpcap assumes a cooked-mode capture with a faked 14-byte Ethernet header.
            snapshot_bytes = snapshot_bytes.saturating_add(14).min(i32::MAX as u32);
        }
        source.consume(FILE_HEADER_BYTES);

        let parser = PcapParser {
            byte_order,
            nanosecond: resolution == PcapResolution::Nanosecond,
            link_type,
            record_header_bytes: if modified { MODIFIED_RECORD_HEADER_BYTES } else { RECORD_HEADER_BYTES },
            length_order,
            snapshot_bytes,
            max_caplen_bytes: max_snaplen_for(link_type),
            pending_skip_bytes: 0,
            pending_record_offset: 0,
        };
        let format = CaptureFormat::Pcap {
            byte_order,
            resolution,
            modified,
            version_major,
            version_minor,
            link_type,
            snaplen,
        };
        Ok((parser, format))
    }

    /// Inlined into `CaptureReader::next_packet`, which is inlined into its callers: see there.
    #[inline(always)]
    pub fn next_record(&mut self, source: &mut ByteSource) -> Result<Option<PacketSpan>> {
        if self.pending_skip_bytes > 0 {
            self.skip_rest_of_oversized_record(source)?;
        }
        let record_offset = source.offset();
        let header_bytes = self.record_header_bytes;
        if !source.fill(header_bytes).map_err(|err| io_error_at(err, record_offset))? {
            let partial = source.available().len();
            if partial == 0 {
                return Ok(None);
            }
            return Err(FlowhoundError::new(
                ErrorCode::PcapTruncated,
                format!("truncated record header: {partial} of {header_bytes} bytes"),
            )
            .at_offset(record_offset));
        }
        source.prefetch_ahead();
        let header = &source.available()[..header_bytes];
        let order = self.byte_order;
        let seconds = order.u32(header, 0);
        let fraction = order.u32(header, 4);
        let (caplen, wire_len) = self.lengths(order.u32(header, 8), order.u32(header, 12));

        if caplen > self.max_caplen_bytes {
            let limit = if caplen > self.snapshot_bytes {
                format!("snap length of {}", self.snapshot_bytes)
            } else {
                format!("maximum of {}", self.max_caplen_bytes)
            };
            return Err(FlowhoundError::new(
                ErrorCode::PcapBadCaplen,
                format!("invalid packet capture length {caplen}, bigger than {limit}"),
            )
            .at_offset(record_offset));
        }
        // Like libpcap, a record longer than the snap length (but sane) is cut to it.
        let delivered_len = caplen.min(self.snapshot_bytes) as usize;
        let record_len = header_bytes + caplen as usize;
        let ts_us = pcap_to_us(seconds, fraction, self.nanosecond);

        let fits = record_len <= source.capacity();
        let wanted = if fits { record_len } else { source.capacity() };
        if !source.fill(wanted).map_err(|err| io_error_at(err, record_offset))? {
            let got = source.available().len().saturating_sub(header_bytes);
            return Err(FlowhoundError::new(
                ErrorCode::PcapTruncated,
                format!("truncated record: {got} of {caplen} captured bytes"),
            )
            .at_offset(record_offset));
        }
        let data_index = source.position_index() + header_bytes;
        let data_len = delivered_len.min(source.capacity() - header_bytes);
        if fits {
            source.consume(record_len);
        } else {
            source.consume(header_bytes + data_len);
            self.pending_skip_bytes = u64::from(caplen) - data_len as u64;
            self.pending_record_offset = record_offset;
        }
        Ok(Some(PacketSpan { ts_us, wire_len, link_type: self.link_type, data_index, data_len, record_offset }))
    }

    fn lengths(&self, first: u32, second: u32) -> (u32, u32) {
        match self.length_order {
            LengthOrder::CaplenFirst => (first, second),
            LengthOrder::LenFirst => (second, first),
            LengthOrder::Either if first <= second => (first, second),
            LengthOrder::Either => (second, first),
        }
    }

    fn skip_rest_of_oversized_record(&mut self, source: &mut ByteSource) -> Result<()> {
        let wanted = std::mem::take(&mut self.pending_skip_bytes);
        let skipped = source.skip(wanted).map_err(|err| io_error_at(err, self.pending_record_offset))?;
        if skipped < wanted {
            return Err(FlowhoundError::new(ErrorCode::PcapTruncated, "truncated record: the file ends inside it")
                .at_offset(self.pending_record_offset));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::test_captures::*;
    use ByteOrder::{Big, Little};

    fn two_records(order: ByteOrder, magic: u32) -> Vec<u8> {
        let mut bytes = pcap_header(order, magic, (2, 4), 65_535, 1);
        bytes.extend(pcap_record(order, 1_300_000_000, 123_456, 60, &payload(60, 1)));
        bytes.extend(pcap_record(order, 1_300_000_001, 999_999, 1514, &payload(100, 2)));
        bytes
    }

    #[test]
    fn microsecond_both_byte_orders() {
        for order in [Little, Big] {
            let reader = reader(two_records(order, MAGIC_MICROSECONDS)).unwrap();
            assert_eq!(
                reader.format(),
                CaptureFormat::Pcap {
                    byte_order: order,
                    resolution: PcapResolution::Microsecond,
                    modified: false,
                    version_major: 2,
                    version_minor: 4,
                    link_type: 1,
                    snaplen: 65_535,
                }
            );
            let (packets, error) = walk(reader);
            assert!(error.is_none());
            assert_eq!(packets.len(), 2);
            assert_eq!(packets[0], (1_300_000_000_123_456, 60, payload(60, 1), 1));
            assert_eq!((packets[1].0, packets[1].1, packets[1].2.len()), (1_300_000_001_999_999, 1514, 100));
        }
    }

    #[test]
    fn nanosecond_both_byte_orders() {
        for order in [Little, Big] {
            let mut bytes = pcap_header(order, MAGIC_NANOSECONDS, (2, 4), 0, 1);
            bytes.extend(pcap_record(order, 1_300_000_000, 123_456_789, 60, &payload(60, 1)));
            let reader = reader(bytes).unwrap();
            assert!(matches!(reader.format(), CaptureFormat::Pcap { resolution: PcapResolution::Nanosecond, .. }));
            let (packets, error) = walk(reader);
            assert!(error.is_none());
            assert_eq!(packets[0].0, 1_300_000_000_123_456);
        }
    }

    #[test]
    fn offsets_and_counters() {
        let bytes = two_records(Little, MAGIC_MICROSECONDS);
        let total = bytes.len() as u64;
        let mut reader = reader(bytes).unwrap();
        assert_eq!(reader.bytes_consumed(), 24);
        assert_eq!(reader.next_packet().unwrap().unwrap().file_offset, 24);
        assert_eq!(reader.bytes_consumed(), 24 + 16 + 60);
        assert_eq!(reader.next_packet().unwrap().unwrap().file_offset, 24 + 16 + 60);
        assert!(reader.next_packet().unwrap().is_none());
        assert_eq!(reader.bytes_consumed(), total);
        assert_eq!(reader.packets_read(), 2);
        assert_eq!(reader.total_bytes(), None);
    }

    #[test]
    fn modified_format_has_longer_record_headers() {
        // Kuznetzov's format: 8 more bytes per record header (ifindex, protocol, type, pad).
        let mut bytes = pcap_header(Little, MAGIC_MODIFIED, (2, 4), 100, 1);
        let mut record = pcap_record(Little, 10, 20, 114, &payload(114, 3));
        record.splice(16..16, [1, 0, 0, 0, 0x08, 0x00, 0, 0]);
        bytes.extend(record);
        let reader = reader(bytes).unwrap();
        assert!(matches!(reader.format(), CaptureFormat::Pcap { modified: true, .. }));
        let (packets, error) = walk(reader);
        assert!(error.is_none());
        // 114 bytes fit the snap length plus the faked 14-byte Ethernet header libpcap allows.
        assert_eq!(packets, vec![(10_000_020, 114, payload(114, 3), 1)]);
    }

    #[test]
    fn fcs_bits_are_masked_from_the_link_type() {
        // tcpdump's corpus has link type fields like 0x30000001 (FCS length bits set).
        let bytes = pcap_header(Little, MAGIC_MICROSECONDS, (2, 4), 65_535, 0x3000_0001);
        assert_eq!(reader(bytes).unwrap().format().link_type(), Some(1));
    }

    #[test]
    fn old_versions_swap_caplen_and_len() {
        let mut bytes = pcap_header(Little, MAGIC_MICROSECONDS, (2, 2), 65_535, 1);
        let mut record = pcap_record(Little, 1, 0, 60, &payload(40, 0));
        record[8..12].copy_from_slice(&60u32.to_le_bytes()); // len first...
        record[12..16].copy_from_slice(&40u32.to_le_bytes()); // ...then caplen
        bytes.extend(record);
        let (packets, error) = walk(reader(bytes).unwrap());
        assert!(error.is_none());
        assert_eq!((packets[0].1, packets[0].2.len()), (60, 40));
    }

    #[test]
    fn record_longer_than_snaplen_is_cut_to_it() {
        // libpcap reads such records but hands out only snaplen bytes.
        let mut bytes = pcap_header(Little, MAGIC_MICROSECONDS, (2, 4), 64, 1);
        bytes.extend(pcap_record(Little, 1, 0, 100, &payload(100, 7)));
        bytes.extend(pcap_record(Little, 2, 0, 50, &payload(50, 8)));
        let (packets, error) = walk(reader(bytes).unwrap());
        assert!(error.is_none());
        assert_eq!(packets[0].2, payload(64, 7));
        assert_eq!(packets[1].2, payload(50, 8));
    }

    #[test]
    fn insane_caplen_is_refused_at_its_offset() {
        let mut bytes = pcap_header(Little, MAGIC_MICROSECONDS, (2, 4), 65_535, 1);
        bytes.extend(pcap_record(Little, 1, 0, 60, &payload(60, 0)));
        let mut bad = pcap_record(Little, 2, 0, 60, &payload(60, 0));
        bad[8..12].copy_from_slice(&300_000u32.to_le_bytes());
        bytes.extend(bad);
        let (packets, error) = walk(reader(bytes).unwrap());
        assert_eq!(packets.len(), 1);
        let error = error.unwrap();
        assert_eq!(error.code, ErrorCode::PcapBadCaplen);
        assert_eq!(error.location.byte_offset, Some(24 + 16 + 60));
        assert_eq!(error.location.packet_index, Some(1));
        assert!(error.to_string().contains("test.cap at byte 100 (packet 2)"), "{error}");
    }

    #[test]
    fn truncations() {
        let full = two_records(Big, MAGIC_MICROSECONDS);
        let header_cut = reader(full[..10].to_vec()).err().unwrap();
        assert_eq!((header_cut.code, header_cut.location.byte_offset), (ErrorCode::PcapTruncated, Some(0)));

        // Inside the second record's header, then inside its data.
        for cut in [24 + 76 + 5, 24 + 76 + 16 + 50] {
            let (packets, error) = walk(reader(full[..cut].to_vec()).unwrap());
            assert_eq!(packets.len(), 1, "cut at {cut}");
            let error = error.unwrap();
            assert_eq!((error.code, error.location.byte_offset), (ErrorCode::PcapTruncated, Some(100)));
        }
        // A file that ends right after a record is fine.
        assert_eq!(walk(reader(full[..100].to_vec()).unwrap()).0.len(), 1);
    }

    #[test]
    fn unsupported_version_is_refused() {
        let bytes = pcap_header(Little, MAGIC_MICROSECONDS, (1, 0), 65_535, 1);
        assert_eq!(reader(bytes).err().unwrap().code, ErrorCode::NotACapture);
        let dgux = pcap_header(Little, MAGIC_MICROSECONDS, (543, 0), 65_535, 1);
        assert!(reader(dgux).is_ok());
    }

    #[test]
    fn records_larger_than_the_buffer_are_cut_and_skipped() {
        // D-Bus (231) allows 128 MiB messages; with a 4 KiB buffer, a 10,000-byte record is
        // handed out cut to the buffer and the next record still reads.
        let mut bytes = pcap_header(Little, MAGIC_MICROSECONDS, (2, 4), 0, 231);
        bytes.extend(pcap_record(Little, 1, 0, 10_000, &payload(10_000, 5)));
        bytes.extend(pcap_record(Little, 2, 0, 30, &payload(30, 6)));
        let (packets, error) = walk(reader_with_buffer(bytes, 4096).unwrap());
        assert!(error.is_none());
        assert_eq!(packets.len(), 2);
        assert_eq!((packets[0].1, packets[0].2.len()), (10_000, 4096 - 16));
        assert_eq!(packets[0].2, payload(4096 - 16, 5));
        assert_eq!(packets[1].2, payload(30, 6));
    }

    #[test]
    fn oversized_record_cut_by_the_end_of_file() {
        let mut bytes = pcap_header(Little, MAGIC_MICROSECONDS, (2, 4), 0, 231);
        bytes.extend(pcap_record(Little, 1, 0, 10_000, &payload(10_000, 5)));
        bytes.truncate(24 + 16 + 8_000);
        let (_, error) = walk(reader_with_buffer(bytes, 4096).unwrap());
        assert_eq!(error.unwrap().code, ErrorCode::PcapTruncated);
    }

    #[test]
    fn many_records_through_a_small_buffer() {
        let mut bytes = pcap_header(Little, MAGIC_MICROSECONDS, (2, 4), 65_535, 1);
        for index in 0..2_000u32 {
            let len = 40 + (index as usize * 7) % 1400;
            bytes.extend(pcap_record(Little, index, 0, len as u32, &payload(len, index as u8)));
        }
        let (packets, error) = walk(reader_with_buffer(bytes, 4096).unwrap());
        assert!(error.is_none());
        assert_eq!(packets.len(), 2_000);
        for (index, packet) in packets.iter().enumerate() {
            let len = 40 + (index * 7) % 1400;
            assert_eq!(packet.2, payload(len, index as u8), "packet {index}");
            assert_eq!(packet.0, index as i64 * 1_000_000);
        }
    }
}
