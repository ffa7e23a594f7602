//! Telling what kind of input a file is, from its first bytes rather than its name.

use std::path::Path;

use crate::error::{ErrorCode, FlowhoundError, Result};
use crate::input_file::{open_input, read_prefix, InputBytes};
use crate::flowfile::{ARROW_CONTINUATION, ARROW_FILE_MAGIC};

use super::gzip_capture::{gzip_holds_capture, Gunzipped};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// pcap (any byte order or resolution) or pcapng.
    Capture,
    /// Flow records: text or gzip (binetflow, NetFlow CSV, Zeek conn.log), or an Arrow IPC or
    /// Parquet flow table.
    FlowFile,
}

/// The format within a kind: which reader opens the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputFormat {
    Capture,
    /// Text, plain or gzip: binetflow, NetFlow CSV or Zeek conn.log (the flow-file reader tells
    /// them apart by their first line).
    TextFlowFile,
    /// Arrow IPC file format: starts with `ARROW1`.
    ArrowFile,
    /// Arrow IPC stream format: starts with the continuation marker `ff ff ff ff`.
    ArrowStream,
    /// Parquet: starts (and ends) with `PAR1`.
    Parquet,
}

impl InputFormat {
    pub fn kind(self) -> InputKind {
        match self {
            InputFormat::Capture => InputKind::Capture,
            InputFormat::TextFlowFile | InputFormat::ArrowFile | InputFormat::ArrowStream | InputFormat::Parquet => {
                InputKind::FlowFile
            }
        }
    }
}

const PCAP_MAGICS: [[u8; 4]; 6] = [
    [0xd4, 0xc3, 0xb2, 0xa1], // µs, little-endian
    [0xa1, 0xb2, 0xc3, 0xd4], // µs, big-endian
    [0x4d, 0x3c, 0xb2, 0xa1], // ns, little-endian
    [0xa1, 0xb2, 0x3c, 0x4d], // ns, big-endian
    [0x34, 0xcd, 0xb2, 0xa1], // Kuznetzov's modified pcap, little-endian
    [0xa1, 0xb2, 0xcd, 0x34], // Kuznetzov's modified pcap, big-endian
];
const PCAPNG_SECTION_HEADER: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// `PAR1`, at the start and the end of a Parquet file.
pub const PARQUET_MAGIC: &[u8; 4] = b"PAR1";
/// How much of the start is looked at to tell text from binary.
const SNIFF_BYTES: usize = 512;

/// What the first bytes of an input say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniffed {
    Format(InputFormat),
    /// A capture compressed with gzip (`x.pcap.gz`): read as the capture it holds.
    GzipCapture,
    Empty,
    /// Binary data that is neither a capture, nor Arrow IPC or Parquet, nor gzip.
    Unknown,
}

/// Classifies the first bytes (up to [`SNIFF_BYTES`]) of an input.
pub fn classify_prefix(prefix: &[u8]) -> Sniffed {
    if prefix.is_empty() {
        return Sniffed::Empty;
    }
    if is_capture_magic(prefix) {
        return Sniffed::Format(InputFormat::Capture);
    }
    if prefix.len() >= 4 {
        let magic: [u8; 4] = [prefix[0], prefix[1], prefix[2], prefix[3]];
        if magic == ARROW_CONTINUATION {
            return Sniffed::Format(InputFormat::ArrowStream);
        }
    }
    // Checked before text: `ARROW1` is followed by NUL padding, but a cut file may not be.
    if prefix.starts_with(ARROW_FILE_MAGIC) {
        return Sniffed::Format(InputFormat::ArrowFile);
    }
    if prefix.starts_with(&GZIP_MAGIC) && gzip_holds_capture(prefix, is_capture_magic) {
        return Sniffed::GzipCapture;
    }
    // An archive or another compression is refused with how to unpack it, even when its
    // first bytes happen to be printable (bzip2's `BZh91AY&SY`).
    if packed_as(prefix).is_some() {
        return Sniffed::Unknown;
    }
    if prefix.starts_with(&GZIP_MAGIC) || looks_like_text(prefix) {
        return Sniffed::Format(InputFormat::TextFlowFile);
    }
    // After text: a CSV whose first column is named PAR1 is text; Parquet's page headers are not.
    if prefix.starts_with(PARQUET_MAGIC) {
        return Sniffed::Format(InputFormat::Parquet);
    }
    Sniffed::Unknown
}

/// Whether `bytes` start with a pcap or pcapng magic number.
fn is_capture_magic(bytes: &[u8]) -> bool {
    match bytes.get(..4) {
        Some(magic) => PCAP_MAGICS.iter().any(|known| known == magic) || magic == PCAPNG_SECTION_HEADER,
        None => false,
    }
}

/// Text as flow files hold it: no NUL and no control bytes other than tab, CR and LF.
/// UTF-8 continuation bytes are allowed, so a label with an accent does not count as binary.
fn looks_like_text(prefix: &[u8]) -> bool {
    prefix.iter().all(|&b| b >= 0x20 || b == b'\t' || b == b'\n' || b == b'\r')
}

/// Reads the first bytes of `path` and classifies them: the format, and through it the kind
/// ([`InputFormat::kind`]); an empty file is an error.
pub fn detect_input_format(path: &Path) -> Result<InputFormat> {
    sniff_input(open_input(path)?, path).map(|(format, _)| format)
}

/// Tells `input`'s format from its first bytes, and gives the input back still yielding
/// every byte from its start (`input_file::read_prefix`): nothing is opened twice, so a pipe
/// or standard input is read as well as a file. A gzip-compressed capture comes back as a
/// capture: a stream of its uncompressed bytes.
pub fn sniff_input(input: InputBytes, path: &Path) -> Result<(InputFormat, InputBytes)> {
    let (prefix, input) = read_prefix(input, SNIFF_BYTES, path)?;
    match classify_prefix(&prefix) {
        Sniffed::Format(format) => Ok((format, input)),
        Sniffed::GzipCapture => Ok((InputFormat::Capture, InputBytes::Stream(Box::new(Gunzipped::new(input.into_read()))))),
        Sniffed::Empty => Err(FlowhoundError::new(ErrorCode::EmptyFile, "the file is empty").in_file(path).at_offset(0)),
        Sniffed::Unknown => Err(FlowhoundError::new(
            ErrorCode::NotACapture,
            match (packed_as(&prefix), other_capture_format(&prefix)) {
                (Some((packing, unpack)), _) => format!(
                    "{packing}, which flowhound does not open (it reads gzip): {unpack} first, then give it what comes out"
                ),
                (None, Some(format)) => format!(
                    "a {format} capture, which flowhound does not read (it reads pcap and pcapng): convert it with \
                     `editcap -F pcapng IN OUT` (Wireshark)"
                ),
                (None, None) => format!(
                    "not a capture (no pcap or pcapng magic number: the file starts with {:02x} {:02x} {:02x} {:02x}), not an Arrow IPC file or stream or a Parquet file, and not a text or gzip flow file",
                    prefix[0], prefix.get(1).copied().unwrap_or(0), prefix.get(2).copied().unwrap_or(0), prefix.get(3).copied().unwrap_or(0)
                ),
            },
        )
        .in_file(path)
        .at_offset(0)),
    }
}

/// Another capture format that Wireshark's `editcap` converts to pcapng, told by its magic.
fn other_capture_format(prefix: &[u8]) -> Option<&'static str> {
    const FORMATS: [(&[u8], &str); 4] = [
        (b"snoop\0\0\0", "Solaris snoop"),
        (b"GMBU", "Microsoft Network Monitor 2"),
        (b"RTSS", "Microsoft Network Monitor 1"),
        (b"XCP\0", "NetXRay / Windows Sniffer"),
    ];
    FORMATS.iter().find(|(magic, _)| prefix.starts_with(magic)).map(|(_, format)| *format)
}

/// The archive or compression format `prefix` starts with, and how to unpack it, for those a
/// capture or flow file is often shipped in (datasets come zipped; tools write zstd, xz, bzip2).
fn packed_as(prefix: &[u8]) -> Option<(&'static str, &'static str)> {
    const PACKINGS: [(&[u8], &str, &str); 6] = [
        (b"PK\x03\x04", "a zip archive", "unzip it"),
        (&[0x28, 0xb5, 0x2f, 0xfd], "zstd-compressed data", "decompress it (zstd -d)"),
        (&[0x04, 0x22, 0x4d, 0x18], "lz4-compressed data", "decompress it (lz4 -d)"),
        (&[0xfd, b'7', b'z', b'X', b'Z', 0x00], "xz-compressed data", "decompress it (xz -d)"),
        (b"BZh", "bzip2-compressed data", "decompress it (bzip2 -d)"),
        (&[b'7', b'z', 0xbc, 0xaf, 0x27, 0x1c], "a 7-Zip archive", "extract it (7z x)"),
    ];
    PACKINGS.iter().find(|(magic, _, _)| prefix.starts_with(magic)).map(|(_, packing, unpack)| (*packing, *unpack))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcap_and_pcapng_magics_are_captures() {
        assert_eq!(classify_prefix(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0]), Sniffed::Format(InputFormat::Capture));
        assert_eq!(classify_prefix(&[0xa1, 0xb2, 0x3c, 0x4d]), Sniffed::Format(InputFormat::Capture));
        assert_eq!(classify_prefix(&[0x0a, 0x0d, 0x0d, 0x0a, 0x1c]), Sniffed::Format(InputFormat::Capture));
    }

    #[test]
    fn gzip_of_a_capture_is_a_capture() {
        use flate2::{write::GzEncoder, Compression};
        use std::io::Write;
        let gzip = |bytes: &[u8]| {
            let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
            encoder.write_all(bytes).unwrap();
            encoder.finish().unwrap()
        };
        // The file header of the tcpdump corpus' dns-badcookie.pcap, and a pcapng section header.
        let pcap = [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0];
        assert_eq!(classify_prefix(&gzip(&pcap)), Sniffed::GzipCapture);
        assert_eq!(classify_prefix(&gzip(&[0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0])), Sniffed::GzipCapture);
        assert_eq!(classify_prefix(&gzip(b"StartTime,Dur,Proto\n")), Sniffed::Format(InputFormat::TextFlowFile));
    }

    #[test]
    fn parquet_is_a_flow_file() {
        // The first bytes of a Parquet file pyarrow wrote: the magic, then a page header.
        let prefix = b"PAR1\x15\x04\x15\x10\x15\x14L\x15\x02\x15\x00\x12\x00\x00";
        assert_eq!(classify_prefix(prefix), Sniffed::Format(InputFormat::Parquet));
        assert_eq!(InputFormat::Parquet.kind(), InputKind::FlowFile);
        // Text that merely starts with the letters is still text.
        assert_eq!(classify_prefix(b"PAR1,Dur\n"), Sniffed::Format(InputFormat::TextFlowFile));
    }

    #[test]
    fn text_and_gzip_are_flow_files() {
        assert_eq!(classify_prefix(b"StartTime,Dur\r\n"), Sniffed::Format(InputFormat::TextFlowFile));
        assert_eq!(classify_prefix(b"StartTime\tDur\tProto"), Sniffed::Format(InputFormat::TextFlowFile));
        assert_eq!(classify_prefix(&[0x1f, 0x8b, 0x08, 0x00, 0, 0, 0]), Sniffed::Format(InputFormat::TextFlowFile));
        assert_eq!(classify_prefix("Label=flow=Normal-\u{e9}".as_bytes()), Sniffed::Format(InputFormat::TextFlowFile));
    }

    #[test]
    fn arrow_file_and_stream_are_flow_files() {
        // flows -o x.arrow (apache-arrow 21): "ARROW1", two bytes of padding, then the stream.
        let file = [b"ARROW1".as_slice(), &[0, 0, 0xff, 0xff, 0xff, 0xff, 0x78, 0, 0, 0]].concat();
        assert_eq!(classify_prefix(&file), Sniffed::Format(InputFormat::ArrowFile));
        assert_eq!(classify_prefix(b"ARROW1"), Sniffed::Format(InputFormat::ArrowFile));
        // flows -o x.arrows: the continuation marker, then the schema's metadata length.
        let stream = [0xff, 0xff, 0xff, 0xff, 0xf8, 0x01, 0, 0, 0x10, 0];
        assert_eq!(classify_prefix(&stream), Sniffed::Format(InputFormat::ArrowStream));
        assert_eq!(InputFormat::ArrowStream.kind(), InputKind::FlowFile);
        // A text file that merely starts with the word is still text.
        assert_eq!(classify_prefix(b"ARROWS,Dur\n"), Sniffed::Format(InputFormat::TextFlowFile));
    }

    #[test]
    fn archives_and_other_compressions_say_how_to_unpack_them() {
        let message = |bytes: &[u8]| {
            let input = InputBytes::Stream(Box::new(std::io::Cursor::new(bytes.to_vec())));
            let err = sniff_input(input, Path::new("x.pcap.zst")).err().expect("refused");
            assert_eq!((err.code, err.location.byte_offset), (ErrorCode::NotACapture, Some(0)));
            err.message
        };
        assert!(message(&[0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58]).starts_with("zstd-compressed data, which flowhound does not open"));
        assert!(message(b"PK\x03\x04\x14\x00").contains("unzip it"));
        assert!(message(b"BZh91AY&SY").contains("bzip2 -d"));
        assert!(message(&[0x7f, b'E', b'L', b'F', 2, 1]).starts_with("not a capture"));
        // The first bytes of editcap -F snoop and -F netmon2 of the Stratosphere test7 capture.
        assert!(message(b"snoop\0\0\0\0\0\0\x02").starts_with("a Solaris snoop capture, which flowhound does not read"));
        assert!(message(b"GMBU\0\x02\x01\0\xe2\x07").contains("editcap -F pcapng IN OUT"));
    }

    #[test]
    fn binary_garbage_is_unknown_and_nothing_is_empty() {
        assert_eq!(classify_prefix(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]), Sniffed::Unknown);
        assert_eq!(classify_prefix(&[]), Sniffed::Empty);
    }
}
