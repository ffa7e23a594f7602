//! Telling what kind of input a file is, from its first bytes rather than its name.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::error::{ErrorCode, FlowhoundError, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// pcap (any byte order or resolution) or pcapng.
    Capture,
    /// Text or gzip: a flow file (binetflow, CSV).
    FlowFile,
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
/// How much of the start is looked at to tell text from binary.
const SNIFF_BYTES: usize = 512;

/// What the first bytes of an input say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniffed {
    Kind(InputKind),
    Empty,
    /// Binary data that is neither a capture nor gzip.
    Unknown,
}

/// Classifies the first bytes (up to [`SNIFF_BYTES`]) of an input.
pub fn classify_prefix(prefix: &[u8]) -> Sniffed {
    if prefix.is_empty() {
        return Sniffed::Empty;
    }
    if prefix.len() >= 4 {
        let magic: [u8; 4] = [prefix[0], prefix[1], prefix[2], prefix[3]];
        if PCAP_MAGICS.contains(&magic) || magic == PCAPNG_SECTION_HEADER {
            return Sniffed::Kind(InputKind::Capture);
        }
    }
    if prefix.starts_with(&GZIP_MAGIC) || looks_like_text(prefix) {
        return Sniffed::Kind(InputKind::FlowFile);
    }
    Sniffed::Unknown
}

/// Text as flow files hold it: no NUL and no control bytes other than tab, CR and LF.
/// UTF-8 continuation bytes are allowed, so a label with an accent does not count as binary.
fn looks_like_text(prefix: &[u8]) -> bool {
    prefix.iter().all(|&b| b >= 0x20 || b == b'\t' || b == b'\n' || b == b'\r')
}

/// Reads the first bytes of `path` and classifies them; an empty file is an error.
pub fn detect_input_kind(path: &Path) -> Result<InputKind> {
    let mut file = File::open(path).map_err(|e| FlowhoundError::io(&e, path))?;
    let mut prefix = [0u8; SNIFF_BYTES];
    let mut filled = 0;
    while filled < prefix.len() {
        match file.read(&mut prefix[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(FlowhoundError::io(&e, path)),
        }
    }
    match classify_prefix(&prefix[..filled]) {
        Sniffed::Kind(kind) => Ok(kind),
        Sniffed::Empty => Err(FlowhoundError::new(ErrorCode::EmptyFile, "the file is empty").in_file(path).at_offset(0)),
        Sniffed::Unknown => Err(FlowhoundError::new(
            ErrorCode::NotACapture,
            format!(
                "not a capture (no pcap or pcapng magic number: the file starts with {:02x} {:02x} {:02x} {:02x}) and not a text or gzip flow file",
                prefix[0], prefix.get(1).copied().unwrap_or(0), prefix.get(2).copied().unwrap_or(0), prefix.get(3).copied().unwrap_or(0)
            ),
        )
        .in_file(path)
        .at_offset(0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcap_and_pcapng_magics_are_captures() {
        assert_eq!(classify_prefix(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0]), Sniffed::Kind(InputKind::Capture));
        assert_eq!(classify_prefix(&[0xa1, 0xb2, 0x3c, 0x4d]), Sniffed::Kind(InputKind::Capture));
        assert_eq!(classify_prefix(&[0x0a, 0x0d, 0x0d, 0x0a, 0x1c]), Sniffed::Kind(InputKind::Capture));
    }

    #[test]
    fn text_and_gzip_are_flow_files() {
        assert_eq!(classify_prefix(b"StartTime,Dur\r\n"), Sniffed::Kind(InputKind::FlowFile));
        assert_eq!(classify_prefix(b"StartTime\tDur\tProto"), Sniffed::Kind(InputKind::FlowFile));
        assert_eq!(classify_prefix(&[0x1f, 0x8b, 0x08, 0x00, 0, 0, 0]), Sniffed::Kind(InputKind::FlowFile));
        assert_eq!(classify_prefix("Label=flow=Normal-\u{e9}".as_bytes()), Sniffed::Kind(InputKind::FlowFile));
    }

    #[test]
    fn binary_garbage_is_unknown_and_nothing_is_empty() {
        assert_eq!(classify_prefix(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]), Sniffed::Unknown);
        assert_eq!(classify_prefix(&[]), Sniffed::Empty);
    }
}
