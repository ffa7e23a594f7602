//! Where a flow file's text comes from: the stored bytes, gunzipped when they start with the
//! gzip magic, with a running count of stored (compressed) bytes consumed, for progress and
//! for the offset of gzip errors, and of a gzip file's uncompressed text, for progress.

use std::io::{self, BufRead, BufReader, Cursor, Read};

use flate2::bufread::MultiGzDecoder;

pub use crate::counting_read::ConsumedBytes;
use crate::counting_read::Counting;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const STORED_BUFFER_BYTES: usize = 64 * 1024;
const TEXT_BUFFER_BYTES: usize = 256 * 1024;

/// An opened flow file's text.
pub struct FlowSource {
    pub text: Box<dyn BufRead + Send>,
    pub gzip: bool,
    pub consumed: ConsumedBytes,
    /// gzip: the uncompressed bytes decoded so far (into the text buffer, ahead of the lines
    /// by at most its size); plain text: the same count as `consumed`.
    pub decoded: ConsumedBytes,
}

/// Opens `stored`; `None` when it holds no bytes at all.
pub fn open_source(mut stored: Box<dyn Read + Send>) -> io::Result<Option<FlowSource>> {
    // Peek at the magic without assuming one read returns two bytes (pipes may not).
    let mut magic = [0u8; 2];
    let mut magic_len = 0;
    while magic_len < magic.len() {
        match stored.read(&mut magic[magic_len..]) {
            Ok(0) => break,
            Ok(read) => magic_len += read,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        }
    }
    if magic_len == 0 {
        return Ok(None);
    }
    let gzip = magic == GZIP_MAGIC;
    let stored = Cursor::new(magic[..magic_len].to_vec()).chain(stored);
    let consumed = ConsumedBytes::default();
    let (text, decoded): (Box<dyn BufRead + Send>, ConsumedBytes) = if gzip {
        let compressed =
            Counting::new(BufReader::with_capacity(STORED_BUFFER_BYTES, stored), consumed.clone());
        // Multi-member: concatenated gzip files are one stream to `zcat`, and must be here too.
        let decoded = ConsumedBytes::default();
        let text = Counting::new(MultiGzDecoder::new(compressed), decoded.clone());
        (Box::new(BufReader::with_capacity(TEXT_BUFFER_BYTES, text)), decoded)
    } else {
        // Counted below the buffer: once per read, not once per line.
        (Box::new(BufReader::with_capacity(TEXT_BUFFER_BYTES, Counting::new(stored, consumed.clone()))), consumed.clone())
    };
    Ok(Some(FlowSource { text, gzip, consumed, decoded }))
}

/// Whether an error from the text of a gzip source means the compressed data is bad (as
/// opposed to the storage failing).
pub fn is_gzip_data_error(err: &io::Error) -> bool {
    matches!(err.kind(), io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput | io::ErrorKind::UnexpectedEof)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_gzip::gzip;

    fn read_all(source: FlowSource) -> io::Result<Vec<u8>> {
        let mut text = Vec::new();
        let mut source = source;
        source.text.read_to_end(&mut text)?;
        Ok(text)
    }

    /// Hands out one byte per read, like a slow pipe.
    struct OneByteAtATime(Vec<u8>, usize);
    impl Read for OneByteAtATime {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.1 >= self.0.len() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[self.1];
            self.1 += 1;
            Ok(1)
        }
    }

    #[test]
    fn plain_text_passes_through_and_is_counted() {
        let source = open_source(Box::new(Cursor::new(b"a,b\n1,2\n".to_vec()))).unwrap().unwrap();
        assert!(!source.gzip);
        let consumed = source.consumed.clone();
        assert_eq!(read_all(source).unwrap(), b"a,b\n1,2\n");
        assert_eq!(consumed.get(), 8);
    }

    #[test]
    fn gzip_is_detected_by_magic_and_counted_in_compressed_bytes() {
        let compressed = gzip(b"a,b\n1,2\n");
        let length = compressed.len() as u64;
        let source = open_source(Box::new(OneByteAtATime(compressed, 0))).unwrap().unwrap();
        assert!(source.gzip);
        let (consumed, decoded) = (source.consumed.clone(), source.decoded.clone());
        assert_eq!(read_all(source).unwrap(), b"a,b\n1,2\n");
        assert_eq!((consumed.get(), decoded.get()), (length, 8));
    }

    #[test]
    fn concatenated_gzip_members_are_one_text() {
        let mut compressed = gzip(b"a,b\n");
        compressed.extend(gzip(b"1,2\n"));
        let source = open_source(Box::new(Cursor::new(compressed))).unwrap().unwrap();
        assert_eq!(read_all(source).unwrap(), b"a,b\n1,2\n");
    }

    #[test]
    fn empty_and_one_byte_sources() {
        assert!(open_source(Box::new(Cursor::new(Vec::new()))).unwrap().is_none());
        let source = open_source(Box::new(Cursor::new(vec![0x1f]))).unwrap().unwrap();
        assert!(!source.gzip);
        assert_eq!(read_all(source).unwrap(), vec![0x1f]);
    }

    #[test]
    fn truncated_and_corrupt_gzip_are_data_errors() {
        let compressed = gzip(&b"2011/08/16 10:01:46.972101,3599.986572,tcp\n".repeat(200));
        let truncated = compressed[..compressed.len() / 2].to_vec();
        let err = read_all(open_source(Box::new(Cursor::new(truncated))).unwrap().unwrap()).unwrap_err();
        assert!(is_gzip_data_error(&err), "{err:?}");
        // Only the 8-byte trailer (CRC, length) missing.
        let no_trailer = compressed[..compressed.len() - 8].to_vec();
        let err = read_all(open_source(Box::new(Cursor::new(no_trailer))).unwrap().unwrap()).unwrap_err();
        assert!(is_gzip_data_error(&err), "{err:?}");
        let mut corrupt = compressed.clone();
        let middle = corrupt.len() / 2;
        for byte in &mut corrupt[middle..middle + 16] {
            *byte ^= 0x5a;
        }
        let err = read_all(open_source(Box::new(Cursor::new(corrupt))).unwrap().unwrap()).unwrap_err();
        assert!(is_gzip_data_error(&err), "{err:?}");
    }
}
