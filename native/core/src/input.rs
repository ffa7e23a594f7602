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

/// Classifies the first bytes of an input.
pub fn classify_prefix(prefix: &[u8]) -> Option<InputKind> {
    if prefix.len() < 4 {
        return if prefix.is_empty() { None } else { Some(InputKind::FlowFile) };
    }
    let magic: [u8; 4] = [prefix[0], prefix[1], prefix[2], prefix[3]];
    if PCAP_MAGICS.contains(&magic) || magic == PCAPNG_SECTION_HEADER {
        Some(InputKind::Capture)
    } else {
        Some(InputKind::FlowFile)
    }
}

/// Reads the first bytes of `path` and classifies them; an empty file is an error.
pub fn detect_input_kind(path: &Path) -> Result<InputKind> {
    let mut file = File::open(path).map_err(|e| FlowhoundError::io(&e, path))?;
    let mut prefix = [0u8; 4];
    let mut filled = 0;
    while filled < prefix.len() {
        match file.read(&mut prefix[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(FlowhoundError::io(&e, path)),
        }
    }
    classify_prefix(&prefix[..filled]).ok_or_else(|| {
        FlowhoundError::new(ErrorCode::EmptyFile, "the file is empty").in_file(path).at_offset(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcap_and_pcapng_magics_are_captures() {
        assert_eq!(classify_prefix(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0]), Some(InputKind::Capture));
        assert_eq!(classify_prefix(&[0xa1, 0xb2, 0x3c, 0x4d]), Some(InputKind::Capture));
        assert_eq!(classify_prefix(&[0x0a, 0x0d, 0x0d, 0x0a, 0x1c]), Some(InputKind::Capture));
    }

    #[test]
    fn text_and_gzip_are_flow_files() {
        assert_eq!(classify_prefix(b"StartTime,Dur"), Some(InputKind::FlowFile));
        assert_eq!(classify_prefix(&[0x1f, 0x8b, 0x08, 0x00]), Some(InputKind::FlowFile));
        assert_eq!(classify_prefix(b"ab"), Some(InputKind::FlowFile));
    }

    #[test]
    fn empty_input_is_unclassified() {
        assert_eq!(classify_prefix(&[]), None);
    }
}
