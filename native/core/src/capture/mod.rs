//! Capture files (pcap, pcapng) read without libpcap, by large buffered reads.

mod byte_source;
mod format;
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
pub use reader::CaptureReader;
pub use snaplen::MAX_SNAPLEN_BYTES;

use crate::error::{ErrorCode, FlowhoundError};

fn io_error_at(err: std::io::Error, byte_offset: u64) -> FlowhoundError {
    FlowhoundError::new(ErrorCode::Io, err.to_string()).at_offset(byte_offset)
}
