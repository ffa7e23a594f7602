//! A classic pcap writer: microsecond timestamps, Ethernet link type, little-endian, as
//! tcpdump writes on x86. Records are gathered in one large buffer and handed to the
//! underlying writer in big writes, so an unbuffered `File` is the right thing to pass.

use std::io::Write;

use flowhound_core::error::{ErrorCode, FlowhoundError, Result};
use flowhound_core::packet::link_type;

/// Size of a classic pcap file header.
pub const FILE_HEADER_LEN: u64 = 24;
/// Size of a classic pcap record header.
pub const RECORD_HEADER_LEN: u64 = 16;
/// The largest snap length accepted (libpcap's MAXIMUM_SNAPLEN).
pub const MAX_SNAPLEN: u32 = 262_144;

/// Buffered bytes that trigger a write to the underlying writer.
const FLUSH_THRESHOLD_BYTES: usize = 4 << 20;

pub struct PcapWriter<W: Write> {
    inner: W,
    buffer: Vec<u8>,
    snaplen: u32,
    bytes_written: u64,
    packets_written: u64,
}

impl<W: Write> PcapWriter<W> {
    /// Starts a capture file with the given snap length (1..=262144).
    pub fn new(inner: W, snaplen: u32) -> Result<Self> {
        if snaplen == 0 || snaplen > MAX_SNAPLEN {
            return Err(FlowhoundError::new(
                ErrorCode::BadOption,
                format!("snap length {snaplen} is outside 1..={MAX_SNAPLEN}"),
            ));
        }
        let mut buffer = Vec::with_capacity(FLUSH_THRESHOLD_BYTES + 2 * MAX_SNAPLEN as usize);
        buffer.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        buffer.extend_from_slice(&2u16.to_le_bytes());
        buffer.extend_from_slice(&4u16.to_le_bytes());
        buffer.extend_from_slice(&0i32.to_le_bytes()); // thiszone: timestamps are UTC
        buffer.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
        buffer.extend_from_slice(&snaplen.to_le_bytes());
        buffer.extend_from_slice(&(link_type::ETHERNET as u32).to_le_bytes());
        Ok(PcapWriter { inner, buffer, snaplen, bytes_written: FILE_HEADER_LEN, packets_written: 0 })
    }

    pub fn snaplen(&self) -> u32 {
        self.snaplen
    }

    /// Bytes the file holds once finished: header and records so far, buffered or not.
    pub fn bytes_written(&self) -> u64 {
        self.bytes_written
    }

    pub fn packets_written(&self) -> u64 {
        self.packets_written
    }

    /// Bytes a record of a packet of `wire_len` bytes takes in this file.
    pub fn record_len(&self, wire_len: u32) -> u64 {
        RECORD_HEADER_LEN + wire_len.min(self.snaplen) as u64
    }

    /// Appends one record. `bytes` must hold at least min(wire_len, snaplen) bytes, the
    /// record's captured length; bytes past it are not written. `ts_us` must fit classic
    /// pcap's unsigned 32-bit seconds (1970 to 2106).
    pub fn write_packet(&mut self, ts_us: i64, wire_len: u32, bytes: &[u8]) -> Result<()> {
        let caplen = wire_len.min(self.snaplen);
        if bytes.len() < caplen as usize {
            return Err(FlowhoundError::new(
                ErrorCode::BadOption,
                format!("packet of {wire_len} bytes on the wire needs {caplen} captured bytes, got {}", bytes.len()),
            )
            .at_packet(self.packets_written));
        }
        let seconds = ts_us.div_euclid(1_000_000);
        let micros = ts_us.rem_euclid(1_000_000) as u32;
        let Ok(seconds) = u32::try_from(seconds) else {
            return Err(FlowhoundError::new(
                ErrorCode::BadOption,
                format!("timestamp {ts_us} µs is outside classic pcap's range (1970-2106)"),
            )
            .at_packet(self.packets_written));
        };
        let mut header = [0u8; RECORD_HEADER_LEN as usize];
        header[0..4].copy_from_slice(&seconds.to_le_bytes());
        header[4..8].copy_from_slice(&micros.to_le_bytes());
        header[8..12].copy_from_slice(&caplen.to_le_bytes());
        header[12..16].copy_from_slice(&wire_len.to_le_bytes());
        self.buffer.extend_from_slice(&header);
        self.buffer.extend_from_slice(&bytes[..caplen as usize]);
        self.bytes_written += RECORD_HEADER_LEN + caplen as u64;
        self.packets_written += 1;
        if self.buffer.len() >= FLUSH_THRESHOLD_BYTES {
            self.flush_buffer()?;
        }
        Ok(())
    }

    fn flush_buffer(&mut self) -> Result<()> {
        let written_before = self.bytes_written - self.buffer.len() as u64;
        self.inner.write_all(&self.buffer).map_err(|err| {
            FlowhoundError::new(ErrorCode::Io, format!("writing the capture: {err}")).at_offset(written_before)
        })?;
        self.buffer.clear();
        Ok(())
    }

    /// Writes what is buffered, flushes the underlying writer and gives it back.
    pub fn finish(mut self) -> Result<W> {
        self.flush_buffer()?;
        self.inner
            .flush()
            .map_err(|err| FlowhoundError::new(ErrorCode::Io, format!("flushing the capture: {err}")))?;
        Ok(self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_records_are_laid_out_as_libpcap_reads_them() {
        let mut writer = PcapWriter::new(Vec::new(), 96).unwrap();
        let frame: Vec<u8> = (0..200u32).map(|i| i as u8).collect();
        writer.write_packet(1_313_500_000_123_456, 60, &frame).unwrap();
        writer.write_packet(1_313_500_001_000_001, 200, &frame).unwrap();
        assert_eq!(writer.bytes_written(), 24 + 16 + 60 + 16 + 96);
        assert_eq!(writer.packets_written(), 2);
        let bytes = writer.finish().unwrap();
        assert_eq!(bytes.len(), 24 + 16 + 60 + 16 + 96);
        // File header as tcpdump writes it on a little-endian machine (`xxd` of a
        // `tcpdump -s 96 -w` file): magic d4c3b2a1, 2.4, zone 0, sigfigs 0, snaplen 96, DLT 1.
        assert_eq!(
            &bytes[..24],
            &[
                0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x60, 0, 0, 0, 1, 0, 0, 0
            ]
        );
        // First record: 1313500000 s = 0x4e4a6b60, 123456 µs = 0x0001e240, caplen = len = 60.
        assert_eq!(&bytes[24..40], &[0x60, 0x6b, 0x4a, 0x4e, 0x40, 0xe2, 0x01, 0x00, 60, 0, 0, 0, 60, 0, 0, 0]);
        assert_eq!(&bytes[40..100], &frame[..60]);
        // Second record cut at the snap length, original length kept.
        assert_eq!(&bytes[100..116], &[0x61, 0x6b, 0x4a, 0x4e, 1, 0, 0, 0, 96, 0, 0, 0, 200, 0, 0, 0]);
        assert_eq!(&bytes[116..], &frame[..96]);
    }

    #[test]
    fn refuses_short_bytes_bad_timestamps_and_bad_snaplen() {
        assert_eq!(PcapWriter::new(Vec::new(), 0).err().unwrap().code, ErrorCode::BadOption);
        assert_eq!(PcapWriter::new(Vec::new(), MAX_SNAPLEN + 1).err().unwrap().code, ErrorCode::BadOption);
        let mut writer = PcapWriter::new(Vec::new(), 65_535).unwrap();
        assert_eq!(writer.write_packet(0, 60, &[0u8; 59]).unwrap_err().code, ErrorCode::BadOption);
        assert_eq!(writer.write_packet(-1, 1, &[0u8]).unwrap_err().code, ErrorCode::BadOption);
        assert_eq!(writer.write_packet(1 << 52, 1, &[0u8]).unwrap_err().code, ErrorCode::BadOption);
        assert_eq!(writer.packets_written(), 0);
        assert_eq!(writer.finish().unwrap().len(), 24);
    }

    #[test]
    fn large_outputs_arrive_whole_through_several_flushes() {
        let mut writer = PcapWriter::new(Vec::new(), 65_535).unwrap();
        let frame = vec![0xabu8; 1514];
        let count = 6_000u64; // about 9 MB: more than two flushes
        for index in 0..count {
            writer.write_packet(index as i64, 1514, &frame).unwrap();
        }
        let expected = 24 + count * (16 + 1514);
        assert_eq!(writer.bytes_written(), expected);
        let bytes = writer.finish().unwrap();
        assert_eq!(bytes.len() as u64, expected);
        let last = &bytes[bytes.len() - 1530..];
        assert_eq!(u32::from_le_bytes(last[4..8].try_into().unwrap()), (count - 1) as u32);
    }

    #[test]
    fn io_errors_carry_the_code_and_offset() {
        struct Failing;
        impl Write for Failing {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk full"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let writer = PcapWriter::new(Failing, 100).unwrap();
        let err = writer.finish().err().unwrap();
        assert_eq!(err.code, ErrorCode::Io);
        assert_eq!(err.location.byte_offset, Some(0));
    }
}
