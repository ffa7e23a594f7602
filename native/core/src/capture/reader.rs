//! The capture reader: opens a pcap or pcapng file (or stream) and hands out its packets.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::byte_source::{ByteSource, DEFAULT_BUFFER_BYTES};
use super::format::CaptureFormat;
#[cfg(unix)]
use super::mapped_file::MappedFile;
use super::io_error_at;
use super::packet_span::PacketSpan;
use super::pcap::{is_pcap_magic, PcapParser};
use super::pcapng::{is_pcapng_magic, PcapNgParser};
use crate::error::{ErrorCode, FlowhoundError, Result};
use crate::input_file::{open_input, InputBytes};
use crate::packet::RawPacket;
use crate::time_range::{out_of_range_message, time_in_range};

/// How many skipped packets keep their error in [`SkippedPackets::reasons`].
pub const MAX_SKIPPED_PACKET_REASONS: usize = 10;

/// Packets passed over because their time is out of range (`time_range`), when the reader
/// was told to skip them: how many, and the first errors they would have been. Shared, so
/// that a reader moved to another thread still reports them.
#[derive(Debug, Default)]
pub struct SkippedPackets {
    count: AtomicU64,
    reasons: Mutex<Vec<FlowhoundError>>,
}

impl SkippedPackets {
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// The first [`MAX_SKIPPED_PACKET_REASONS`] of them, as the errors they would have been.
    pub fn reasons(&self) -> Vec<FlowhoundError> {
        self.reasons.lock().map(|reasons| reasons.clone()).unwrap_or_default()
    }

    fn add(&self, error: FlowhoundError) {
        self.count.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut reasons) = self.reasons.lock() {
            if reasons.len() < MAX_SKIPPED_PACKET_REASONS {
                reasons.push(error);
            }
        }
    }
}

enum RecordParser {
    Pcap(PcapParser),
    PcapNg(PcapNgParser),
}

/// Reads packets from a pcap or pcapng capture without libpcap, through one fixed-size
/// buffer, so memory does not depend on the file's size and a pipe works as well as a file.
///
/// ```no_run
/// # use flowhound_core::capture::CaptureReader;
/// let mut reader = CaptureReader::open(std::path::Path::new("x.pcap"))?;
/// while let Some(packet) = reader.next_packet()? {
///     let _decoded = flowhound_core::decode::decode(&packet);
/// }
/// # Ok::<(), flowhound_core::error::FlowhoundError>(())
/// ```
pub struct CaptureReader {
    source: ByteSource,
    parser: RecordParser,
    format: CaptureFormat,
    name: PathBuf,
    total_bytes: Option<u64>,
    packets_read: u64,
    finished: bool,
    /// Pass over packets whose time is out of range (counting them) instead of failing.
    skip_out_of_range_times: bool,
    skipped: Arc<SkippedPackets>,
}

impl CaptureReader {
    /// Opens a capture (`-`: standard input) and reads its file header. A regular file is
    /// read through a memory map (no copy into a buffer); anything else (a FIFO, a device,
    /// standard input from a pipe) by `read` calls, once.
    ///
    /// A mapped file must not be truncated by another process while it is read: touching a
    /// page past its new end raises SIGBUS. Appending to it (a capture still being written)
    /// is fine. Callers that cannot rule truncation out use [`CaptureReader::open_buffered`].
    pub fn open(path: &Path) -> Result<CaptureReader> {
        CaptureReader::from_input(open_input(path)?, path)
    }

    /// Reads a capture from an input already opened (`input_file`), from its start: a
    /// regular file through a memory map, a stream by `read` calls. `path` names it in errors.
    pub fn from_input(input: InputBytes, path: &Path) -> Result<CaptureReader> {
        let total_bytes = input.total_bytes();
        let source = match input {
            #[cfg(unix)]
            InputBytes::File(file) => match MappedFile::new(file) {
                Ok(mapped) => ByteSource::mapped(mapped, DEFAULT_BUFFER_BYTES),
                Err(file) => ByteSource::new(Box::new(file), DEFAULT_BUFFER_BYTES),
            },
            other => ByteSource::new(other.into_read(), DEFAULT_BUFFER_BYTES),
        };
        let mut reader = CaptureReader::with_source(source, path.to_path_buf())?;
        reader.total_bytes = total_bytes;
        Ok(reader)
    }

    /// As `open`, but always by `read` calls into one buffer, never through a memory map.
    pub fn open_buffered(path: &Path) -> Result<CaptureReader> {
        let input = open_input(path)?;
        let total_bytes = input.total_bytes();
        let mut reader = CaptureReader::with_buffer(input.into_read(), path.to_path_buf(), DEFAULT_BUFFER_BYTES)?;
        reader.total_bytes = total_bytes;
        Ok(reader)
    }

    /// Reads a capture from any byte stream (stdin, a pipe, a decompressor); `name` is used in
    /// error messages.
    pub fn from_read(source: Box<dyn Read + Send>, name: &str) -> Result<CaptureReader> {
        CaptureReader::with_buffer(source, PathBuf::from(name), DEFAULT_BUFFER_BYTES)
    }

    /// As `from_read`, with a chosen buffer size (at least 4 KiB); records larger than the
    /// buffer are handed out cut to it. Meant for tests and memory-tight callers.
    pub fn from_read_with_buffer(source: Box<dyn Read + Send>, name: &str, buffer_bytes: usize) -> Result<CaptureReader> {
        CaptureReader::with_buffer(source, PathBuf::from(name), buffer_bytes)
    }

    fn with_buffer(source: Box<dyn Read + Send>, name: PathBuf, buffer_bytes: usize) -> Result<CaptureReader> {
        CaptureReader::with_source(ByteSource::new(source, buffer_bytes), name)
    }

    fn with_source(mut source: ByteSource, name: PathBuf) -> Result<CaptureReader> {
        let (parser, format) = detect(&mut source).map_err(|err| err.in_file(&name))?;
        Ok(CaptureReader {
            source,
            parser,
            format,
            name,
            total_bytes: None,
            packets_read: 0,
            finished: false,
            skip_out_of_range_times: false,
            skipped: Arc::default(),
        })
    }

    /// A packet whose time is out of range (`time_range`) is `ERR_TIME_OUT_OF_RANGE` at its
    /// record, which ends the capture; with `skip` set it is passed over instead and counted
    /// ([`CaptureReader::skipped_packets`]), and reading goes on: its record is whole, only
    /// its time cannot be used.
    pub fn skip_out_of_range_times(mut self, skip: bool) -> CaptureReader {
        self.skip_out_of_range_times = skip;
        self
    }

    /// The packets passed over so far (see `skip_out_of_range_times`); the handle stays valid
    /// when the reader moves to another thread.
    pub fn skipped_packets(&self) -> Arc<SkippedPackets> {
        Arc::clone(&self.skipped)
    }

    /// The next packet, `Ok(None)` at the end of the capture. After an error, the capture is
    /// over: later calls return `Ok(None)`.
    // Inlined (as the pcap parser's `next_record`) so that the packet stays in registers: when
    // returned through memory, its fields were written piecewise and read back at once, and
    // the reads waited for the writes to drain (a quarter of the decode stage's time).
    #[inline(always)]
    pub fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>> {
        if self.finished {
            return Ok(None);
        }
        loop {
            let next = match &mut self.parser {
                RecordParser::Pcap(parser) => parser.next_record(&mut self.source),
                RecordParser::PcapNg(parser) => parser.next_record(&mut self.source),
            };
            match next {
                Ok(Some(span)) if !time_in_range(span.ts_us) => self.out_of_range(&span)?,
                Ok(Some(span)) => {
                    self.packets_read += 1;
                    return Ok(Some(RawPacket {
                        ts_us: span.ts_us,
                        wire_len: span.wire_len,
                        data: self.source.buffered(span.data_index, span.data_len),
                        link_type: span.link_type,
                        file_offset: span.record_offset,
                    }));
                }
                Ok(None) => {
                    self.finished = true;
                    return Ok(None);
                }
                Err(err) => {
                    self.finished = true;
                    return Err(err.at_packet(self.record_index()).in_file(&self.name));
                }
            }
        }
    }

    /// Zero-based index of the next record: packets handed out and packets passed over.
    fn record_index(&self) -> u64 {
        self.packets_read + self.skipped.count()
    }

    /// A record whose time is out of range: its error, or (skipping) `Ok` after counting it.
    #[cold]
    fn out_of_range(&mut self, span: &PacketSpan) -> Result<()> {
        let error = FlowhoundError::new(ErrorCode::TimeOutOfRange, out_of_range_message("packet timestamp", span.ts_us))
            .at_offset(span.record_offset)
            .at_packet(self.record_index())
            .in_file(&self.name);
        if self.skip_out_of_range_times {
            self.skipped.add(error);
            Ok(())
        } else {
            self.finished = true;
            Err(error)
        }
    }

    pub fn format(&self) -> CaptureFormat {
        self.format
    }

    /// Bytes of input consumed so far (file header and every record handed out).
    pub fn bytes_consumed(&self) -> u64 {
        self.source.offset()
    }

    /// The file's size, for progress; `None` for streams.
    pub fn total_bytes(&self) -> Option<u64> {
        self.total_bytes
    }

    pub fn packets_read(&self) -> u64 {
        self.packets_read
    }

    /// Size of the read buffer: the reader's memory, whatever the capture's size.
    pub fn buffer_bytes(&self) -> usize {
        self.source.capacity()
    }

    /// Whether the capture is read through a memory map rather than read calls.
    pub fn is_mapped(&self) -> bool {
        self.source.is_mapped()
    }
}

fn detect(source: &mut ByteSource) -> Result<(RecordParser, CaptureFormat)> {
    if !source.fill(4).map_err(|err| io_error_at(err, 0))? {
        let got = source.available();
        if got.is_empty() {
            return Err(FlowhoundError::new(ErrorCode::EmptyFile, "the file is empty").at_offset(0));
        }
        return Err(FlowhoundError::new(
            ErrorCode::NotACapture,
            format!("only {} bytes: too short for a capture file", got.len()),
        )
        .at_offset(0));
    }
    let head = source.available();
    let magic = [head[0], head[1], head[2], head[3]];
    if is_pcap_magic(magic) {
        let (parser, format) = PcapParser::open(source)?;
        Ok((RecordParser::Pcap(parser), format))
    } else if is_pcapng_magic(magic) {
        let (parser, format) = PcapNgParser::open(source)?;
        Ok((RecordParser::PcapNg(parser), format))
    } else {
        Err(FlowhoundError::new(
            ErrorCode::NotACapture,
            format!("not a pcap or pcapng file (first bytes {:02x}{:02x}{:02x}{:02x})", magic[0], magic[1], magic[2], magic[3]),
        )
        .at_offset(0))
    }
}

// The binding moves readers to worker threads.
const _: () = {
    const fn assert_send<T: Send>() {}
    assert_send::<CaptureReader>();
};

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::File;
    use crate::capture::format::ByteOrder;
    use crate::capture::test_captures::*;

    #[test]
    fn empty_input() {
        let error = reader(Vec::new()).err().unwrap();
        assert_eq!((error.code, error.location.byte_offset), (ErrorCode::EmptyFile, Some(0)));
        assert_eq!(error.location.path, Some(PathBuf::from("test.cap")));
    }

    #[test]
    fn not_a_capture() {
        for bytes in [b"GET / HTTP/1.1\r\n".to_vec(), b"ab".to_vec(), vec![0; 100]] {
            let error = reader(bytes).err().unwrap();
            assert_eq!((error.code, error.location.byte_offset), (ErrorCode::NotACapture, Some(0)));
        }
    }

    #[test]
    fn open_reports_the_file_size_and_io_errors() {
        let dir = std::env::temp_dir().join(format!("flowhound-reader-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("one.pcap");
        let mut bytes = pcap_header(ByteOrder::Little, 0xa1b2_c3d4, (2, 4), 65_535, 1);
        bytes.extend(pcap_record(ByteOrder::Little, 1, 2, 60, &payload(60, 0)));
        std::fs::write(&path, &bytes).unwrap();
        let mut reader = CaptureReader::open(&path).unwrap();
        assert_eq!(reader.total_bytes(), Some(100));
        assert_eq!(reader.buffer_bytes(), DEFAULT_BUFFER_BYTES);
        assert!(reader.next_packet().unwrap().is_some());
        assert!(reader.next_packet().unwrap().is_none());
        assert!(reader.next_packet().unwrap().is_none(), "end is sticky");

        let missing = CaptureReader::open(&dir.join("missing.pcap")).err().unwrap();
        assert_eq!(missing.code, ErrorCode::Io);
        assert_eq!(missing.location.path, Some(dir.join("missing.pcap")));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A capture whose second of three packets has a time no date holds: `ERR_TIME_OUT_OF_RANGE`
    /// at that record, or (skipping) the other two packets and the skip counted.
    fn check_out_of_range_second_packet(bytes: Vec<u8>, second_offset: u64) {
        let (packets, error) = walk(reader(bytes.clone()).unwrap());
        assert_eq!(packets.len(), 1);
        let error = error.expect("an error at the second packet");
        assert_eq!(error.code, ErrorCode::TimeOutOfRange);
        assert_eq!((error.location.byte_offset, error.location.packet_index), (Some(second_offset), Some(1)));
        assert_eq!(error.location.path, Some(PathBuf::from("test.cap")));
        assert!(error.message.contains("past 2100-01-01"), "{}", error.message);

        let skipping = reader(bytes).unwrap().skip_out_of_range_times(true);
        let skipped = skipping.skipped_packets();
        let (packets, error) = walk(skipping);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(packets.len(), 2);
        assert!(packets.iter().all(|(ts_us, ..)| crate::time_range::time_in_range(*ts_us)));
        assert_eq!(skipped.count(), 1);
        let reasons = skipped.reasons();
        assert_eq!((reasons[0].code, reasons[0].location.byte_offset, reasons[0].location.packet_index), (ErrorCode::TimeOutOfRange, Some(second_offset), Some(1)));
    }

    #[test]
    fn a_pcap_time_past_2100_is_an_error_or_skipped() {
        // Classic pcap's unsigned seconds reach 2106: 4102444801 is 2100-01-01 00:00:01.
        let mut bytes = pcap_header(ByteOrder::Little, 0xa1b2_c3d4, (2, 4), 65_535, 1);
        bytes.extend(pcap_record(ByteOrder::Little, 1_300_000_000, 0, 60, &payload(60, 0)));
        bytes.extend(pcap_record(ByteOrder::Little, 4_102_444_801, 0, 60, &payload(60, 1)));
        bytes.extend(pcap_record(ByteOrder::Little, 1_300_000_001, 0, 60, &payload(60, 2)));
        check_out_of_range_second_packet(bytes, 24 + 76);
    }

    #[test]
    fn a_pcapng_time_of_ten_to_the_nineteen_microseconds_is_an_error_or_skipped() {
        // The issue's reproduction: tshark shows the packet; a JavaScript Date cannot hold it.
        let order = ByteOrder::Little;
        let mut bytes = section_header(order);
        bytes.extend(interface(order, 1, 0, &[]));
        let second_offset = bytes.len() as u64 + 32 + 60;
        bytes.extend(enhanced_packet(order, 0, 1_300_000_000_000_000, 60, &payload(60, 0)));
        bytes.extend(enhanced_packet(order, 0, 10_000_000_000_000_000_000, 60, &payload(60, 1)));
        bytes.extend(enhanced_packet(order, 0, 1_300_000_000_000_001, 60, &payload(60, 2)));
        check_out_of_range_second_packet(bytes, second_offset);
    }

    #[test]
    fn a_pcapng_time_more_than_a_day_before_1970_is_an_error() {
        // if_tsoffset (option 14) of −2 days.
        let order = ByteOrder::Little;
        let mut bytes = section_header(order);
        bytes.extend(interface(order, 1, 0, &[option(order, 14, &(-172_800i64).to_le_bytes())]));
        bytes.extend(enhanced_packet(order, 0, 5, 60, &payload(60, 0)));
        let (packets, error) = walk(reader(bytes).unwrap());
        assert!(packets.is_empty());
        let error = error.unwrap();
        assert_eq!(error.code, ErrorCode::TimeOutOfRange);
        assert!(error.message.contains("more than a day before 1970"), "{}", error.message);
    }

    #[test]
    fn read_errors_carry_the_offset() {
        struct FailsAfter(Vec<u8>, usize);
        impl Read for FailsAfter {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                if self.1 >= self.0.len() {
                    return Err(std::io::Error::other("disk on fire"));
                }
                let count = out.len().min(self.0.len() - self.1);
                out[..count].copy_from_slice(&self.0[self.1..self.1 + count]);
                self.1 += count;
                Ok(count)
            }
        }
        let mut bytes = pcap_header(ByteOrder::Little, 0xa1b2_c3d4, (2, 4), 65_535, 1);
        bytes.extend(pcap_record(ByteOrder::Little, 1, 2, 60, &payload(60, 0)));
        let source = Box::new(FailsAfter(bytes, 0));
        let (packets, error) = walk(CaptureReader::from_read(source, "-").unwrap());
        assert_eq!(packets.len(), 1);
        let error = error.unwrap();
        assert_eq!((error.code, error.location.byte_offset), (ErrorCode::Io, Some(100)));
    }

    /// The capture written to a file and read through a sliding map of `window_bytes` with a
    /// capacity of `capacity` bytes.
    #[cfg(unix)]
    fn mapped_reader(bytes: &[u8], name: &str, capacity: usize, window_bytes: usize) -> Result<CaptureReader> {
        let dir = std::env::temp_dir().join(format!("flowhound-mapped-reader-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("capture.bin");
        std::fs::write(&path, bytes).unwrap();
        let mapped = MappedFile::with_window(File::open(&path).unwrap(), window_bytes).ok().unwrap();
        let reader = CaptureReader::with_source(ByteSource::mapped(mapped, capacity), PathBuf::from("test.cap"));
        std::fs::remove_dir_all(&dir).unwrap();
        reader
    }

    /// Reading through a map must give what reading through a buffer gives: the same packets
    /// (oversized ones cut the same way) and the same error at the same offset, wherever the
    /// file ends. A small window and capacity make records straddle windows often.
    #[cfg(unix)]
    #[test]
    fn mapped_and_buffered_reads_agree() {
        use crate::capture::format::ByteOrder::Little;
        let mut pcap = pcap_header(Little, 0xa1b2_c3d4, (2, 4), 0, 231);
        for index in 0..600u32 {
            let len = [40, 1514, 60, 9_000, 300][index as usize % 5] + index as usize % 7;
            pcap.extend(pcap_record(Little, index, 0, len as u32, &payload(len, index as u8)));
        }
        let mut pcapng = section_header(Little);
        pcapng.extend(interface(Little, 1, 0, &[]));
        for index in 0..300u32 {
            pcapng.extend(block(Little, 0x0000_0bad, &payload(index as usize * 37 % 6_000, 1)));
            let len = [60, 5_000, 1514][index as usize % 3];
            pcapng.extend(enhanced_packet(Little, 0, u64::from(index), len as u32, &payload(len, index as u8)));
        }
        for (name, bytes) in [("pcap", pcap), ("pcapng", pcapng)] {
            let cuts = [bytes.len(), bytes.len() - 1, bytes.len() / 2, bytes.len() / 3 + 5, 30, 7];
            for (case, cut) in cuts.into_iter().enumerate() {
                let part = &bytes[..cut];
                let buffered = reader_with_buffer(part.to_vec(), 4096);
                let mapped = mapped_reader(part, &format!("{name}-{case}"), 4096, 8192);
                let (buffered, mapped) = match (buffered, mapped) {
                    (Ok(buffered), Ok(mapped)) => (walk(buffered), walk(mapped)),
                    (Err(b), Err(m)) => {
                        assert_eq!((b.code, b.location.byte_offset), (m.code, m.location.byte_offset), "{name} cut at {cut}");
                        continue;
                    }
                    (b, m) => panic!("{name} cut at {cut}: buffered {:?}, mapped {:?}", b.err(), m.err()),
                };
                assert!(buffered.0.len() > 1 || cut < 100, "{name} cut at {cut}: {} packets", buffered.0.len());
                assert_eq!(buffered.0, mapped.0, "{name} cut at {cut}");
                let error_of = |walk: &Walk| walk.1.as_ref().map(|e| (e.code, e.location.byte_offset, e.location.packet_index));
                assert_eq!(error_of(&buffered), error_of(&mapped), "{name} cut at {cut}");
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn files_are_mapped_and_streams_are_not() {
        let dir = std::env::temp_dir().join(format!("flowhound-reader-mapped-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("one.pcap");
        let mut bytes = pcap_header(ByteOrder::Little, 0xa1b2_c3d4, (2, 4), 65_535, 1);
        bytes.extend(pcap_record(ByteOrder::Little, 1, 2, 60, &payload(60, 0)));
        std::fs::write(&path, &bytes).unwrap();
        assert!(CaptureReader::open(&path).unwrap().is_mapped());
        assert!(!CaptureReader::open_buffered(&path).unwrap().is_mapped());
        assert!(!reader(bytes).unwrap().is_mapped());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
