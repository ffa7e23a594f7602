//! A capture stored gzip-compressed (`x.pcap.gz`, `tcpdump -w - | gzip`), as Wireshark,
//! tshark and tcpdump read it: told by the magic number of its uncompressed start, and
//! read as the stream of the capture it holds.
//!
//! Damaged or cut compressed data is `ERR_GZIP_CORRUPT` at the compressed byte where the
//! decoder stopped, carried inside the I/O error for the capture reader to take out
//! (`capture::io_error_at`): the capture's own offsets would count uncompressed bytes.

use std::io::{self, BufReader, Read};

use flate2::bufread::MultiGzDecoder;

use crate::counting_read::{ConsumedBytes, Counting};
use crate::error::{ErrorCode, FlowhoundError};

const COMPRESSED_BUFFER_BYTES: usize = 64 * 1024;

/// Whether `prefix`, the first bytes of a gzip file, inflates to a start that `is_capture`
/// recognises. The prefix may end anywhere in the compressed data: what it yields before
/// then is enough for a magic number.
pub fn gzip_holds_capture(prefix: &[u8], is_capture: impl Fn(&[u8]) -> bool) -> bool {
    let mut head = [0u8; 4];
    let mut filled = 0;
    let mut decoder = MultiGzDecoder::new(prefix);
    while filled < head.len() {
        match decoder.read(&mut head[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(read) => filled += read,
        }
    }
    filled == head.len() && is_capture(&head)
}

/// The uncompressed bytes of a gzip stream (every member: concatenated files are one
/// stream, as to `zcat`).
pub struct Gunzipped {
    decoder: MultiGzDecoder<Counting<BufReader<Box<dyn Read + Send>>>>,
    /// The compressed bytes the decoder has taken: where a corruption is.
    consumed: ConsumedBytes,
}

impl Gunzipped {
    pub fn new(compressed: Box<dyn Read + Send>) -> Gunzipped {
        let consumed = ConsumedBytes::default();
        let counting = Counting::new(BufReader::with_capacity(COMPRESSED_BUFFER_BYTES, compressed), consumed.clone());
        Gunzipped { decoder: MultiGzDecoder::new(counting), consumed }
    }
}

impl Read for Gunzipped {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.decoder.read(buf).map_err(|err| match err.kind() {
            io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput | io::ErrorKind::UnexpectedEof => {
                let consumed = self.consumed.get();
                let corrupt = FlowhoundError::new(ErrorCode::GzipCorrupt, format!("gzip data is corrupt or ends early: {err}"))
                    .at_offset(consumed);
                io::Error::new(err.kind(), corrupt)
            }
            _ => err,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_gzip::gzip;

    #[test]
    fn the_magic_is_read_from_a_cut_prefix() {
        // As the sniffer sees a large .pcap.gz: its first 512 bytes of many more.
        let body: Vec<u8> = (0..50_000u64).flat_map(|i| (i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40).to_le_bytes()).collect();
        let compressed = gzip(&[[0xd4, 0xc3, 0xb2, 0xa1].as_slice(), &body].concat());
        assert!(compressed.len() > 10_000);
        let is_pcap = |head: &[u8]| head == [0xd4, 0xc3, 0xb2, 0xa1];
        assert!(gzip_holds_capture(&compressed[..512], is_pcap));
        assert!(!gzip_holds_capture(&gzip(b"StartTime,Dur\n"), is_pcap));
        assert!(!gzip_holds_capture(&[0x1f, 0x8b], is_pcap));
    }

    #[test]
    fn cut_data_is_gzip_corrupt_at_a_compressed_byte() {
        let compressed = gzip(&(0..20_000u32).flat_map(|i| i.to_le_bytes()).collect::<Vec<u8>>());
        let cut = compressed[..compressed.len() / 2].to_vec();
        let mut out = Vec::new();
        let err = Gunzipped::new(Box::new(io::Cursor::new(cut))).read_to_end(&mut out).unwrap_err();
        let inner = err.get_ref().and_then(|inner| inner.downcast_ref::<FlowhoundError>()).expect("a FlowhoundError inside");
        assert_eq!(inner.code, ErrorCode::GzipCorrupt);
        assert!(inner.location.byte_offset.is_some_and(|at| at > 0 && at <= compressed.len() as u64 / 2));
    }
}
