//! Capture files (pcap, pcapng) read without libpcap: regular files through a sliding memory
//! map, streams by large buffered reads.
//!
//! [`CaptureReader`] opens a file or wraps any `Read` (stdin, a pipe), detects the format,
//! and hands out [`RawPacket`](crate::packet::RawPacket)s that borrow its one mapped window
//! or fixed-size buffer ([`DEFAULT_BUFFER_BYTES`]): memory is the same for a 1 GB and a 40 GB
//! capture, and offsets are 64-bit. Damaged files are read the way libpcap 1.10 reads them (same packets
//! before the same error; see `tests/parser_corpus.rs` for the deliberate differences), and
//! end with a `FlowhoundError` that carries a stable code, the file and the byte offset.

mod byte_source;
mod format;
#[cfg(unix)]
mod mapped_file;
mod packet_span;
mod pcap;
mod pcapng;
mod reader;
mod snaplen;
mod timestamp;

#[cfg(test)]
mod test_captures;

pub use byte_source::DEFAULT_BUFFER_BYTES;
pub use format::{ByteOrder, CaptureFormat, PcapResolution};
pub use reader::{CaptureReader, SkippedPackets, MAX_SKIPPED_PACKET_REASONS};
pub use snaplen::MAX_SNAPLEN_BYTES;

use crate::error::{ErrorCode, FlowhoundError};

/// An I/O error at `byte_offset`; one that carries a `FlowhoundError` (a gzip capture's
/// decoder failing with `ERR_GZIP_CORRUPT` at its compressed byte) is that error.
fn io_error_at(err: std::io::Error, byte_offset: u64) -> FlowhoundError {
    match err.get_ref().and_then(|inner| inner.downcast_ref::<FlowhoundError>()) {
        Some(inner) => inner.clone(),
        None => FlowhoundError::new(ErrorCode::Io, err.to_string()).at_offset(byte_offset),
    }
}
