//! The capture reader: opens a pcap or pcapng file (or stream) and hands out its packets.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::byte_source::{ByteSource, DEFAULT_BUFFER_BYTES};
use super::format::CaptureFormat;
#[cfg(unix)]
use super::mapped_file::MappedFile;
use super::io_error_at;
use super::pcap::{is_pcap_magic, PcapParser};
use super::pcapng::{is_pcapng_magic, PcapNgParser};
use crate::error::{ErrorCode, FlowhoundError, Result};
use crate::packet::RawPacket;

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
}

impl CaptureReader {
    /// Opens a capture file and reads its file header. A regular file is read through a
    /// memory map (no copy into a buffer); anything else (a FIFO, a device) by `read` calls.
    ///
    /// A mapped file must not be truncated by another process while it is read: touching a
    /// page past its new end raises SIGBUS. Appending to it (a capture still being written)
    /// is fine. Callers that cannot rule truncation out use [`CaptureReader::open_buffered`].
    pub fn open(path: &Path) -> Result<CaptureReader> {
        let file = File::open(path).map_err(|err| FlowhoundError::io(&err, path))?;
        let total_bytes = file.metadata().ok().filter(|meta| meta.is_file()).map(|meta| meta.len());
        #[cfg(unix)]
        let source = match MappedFile::new(file) {
            Ok(mapped) => ByteSource::mapped(mapped, DEFAULT_BUFFER_BYTES),
            Err(file) => ByteSource::new(Box::new(file), DEFAULT_BUFFER_BYTES),
        };
        #[cfg(not(unix))]
        let source = ByteSource::new(Box::new(file), DEFAULT_BUFFER_BYTES);
        let mut reader = CaptureReader::with_source(source, path.to_path_buf())?;
        reader.total_bytes = total_bytes;
        Ok(reader)
    }

    /// As `open`, but always by `read` calls into one buffer, never through a memory map.
    pub fn open_buffered(path: &Path) -> Result<CaptureReader> {
        let file = File::open(path).map_err(|err| FlowhoundError::io(&err, path))?;
        let total_bytes = file.metadata().ok().filter(|meta| meta.is_file()).map(|meta| meta.len());
        let mut reader = CaptureReader::with_buffer(Box::new(file), path.to_path_buf(), DEFAULT_BUFFER_BYTES)?;
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
        Ok(CaptureReader { source, parser, format, name, total_bytes: None, packets_read: 0, finished: false })
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
        let next = match &mut self.parser {
            RecordParser::Pcap(parser) => parser.next_record(&mut self.source),
            RecordParser::PcapNg(parser) => parser.next_record(&mut self.source),
        };
        match next {
            Ok(Some(span)) => {
                self.packets_read += 1;
                Ok(Some(RawPacket {
                    ts_us: span.ts_us,
                    wire_len: span.wire_len,
                    data: self.source.buffered(span.data_index, span.data_len),
                    link_type: span.link_type,
                    file_offset: span.record_offset,
                }))
            }
            Ok(None) => {
                self.finished = true;
                Ok(None)
            }
            Err(err) => {
                self.finished = true;
                Err(err.at_packet(self.packets_read).in_file(&self.name))
            }
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
