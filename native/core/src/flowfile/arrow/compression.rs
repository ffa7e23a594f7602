//! Compressed record batch bodies (`BodyCompression` of Message.fbs), as pyarrow and pandas
//! write them by default for Feather (LZ4_FRAME) or when asked (ZSTD): each buffer on its own,
//! an `i64` of its uncompressed length first (-1: stored as is), then one LZ4 frame or ZSTD
//! frame. The codecs are the maintained crates' (`lz4_flex`, `zstd`); this file only finds the
//! buffers and bounds what they may grow to.

use std::io::Read;

use super::ipc::{Codec, RecordBatchHeader};

/// A body that decompresses to more than this is taken for damage: the same bound as one
/// message of an uncompressed stream.
pub const MAX_DECOMPRESSED_BODY_BYTES: u64 = 1 << 30;

impl Codec {
    pub fn name(self) -> &'static str {
        match self {
            Codec::Lz4Frame => "LZ4",
            Codec::Zstd => "ZSTD",
        }
    }
}

/// A compressed body decompressed, with its header's buffers pointing into it.
pub struct Decompressed {
    pub body: Vec<u8>,
    pub header: RecordBatchHeader,
}

/// Decompresses every buffer of `body` into one new body, at most `max_bytes` long. A damaged
/// buffer is an error naming it and the codec; a length that lies is found out, not trusted.
pub fn decompress_body(body: &[u8], header: &RecordBatchHeader, codec: Codec, max_bytes: u64) -> Result<Decompressed, String> {
    let mut out = Vec::new();
    let mut buffers = Vec::with_capacity(header.buffers.len());
    for (index, &(offset, length)) in header.buffers.iter().enumerate() {
        let damaged = |reason: String| format!("damaged {} body: buffer {index}: {reason}", codec.name());
        let start = out.len() as u64;
        if length == 0 {
            buffers.push((start as i64, 0));
            continue;
        }
        let stored = usize::try_from(offset)
            .ok()
            .zip(usize::try_from(length).ok())
            .and_then(|(offset, length)| body.get(offset..offset.checked_add(length)?))
            .ok_or_else(|| damaged(format!("offset {offset}, {length} bytes, lies outside the body")))?;
        let Some((prefix, data)) = stored.split_first_chunk::<8>() else {
            return Err(damaged("shorter than its length prefix".into()));
        };
        let left = max_bytes - start;
        match i64::from_le_bytes(*prefix) {
            -1 => {
                if data.len() as u64 > left {
                    return Err(damaged(format!("the body grows past {} MiB", max_bytes >> 20)));
                }
                out.extend_from_slice(data);
            }
            declared if declared < 0 || declared as u64 > left => {
                return Err(damaged(format!(
                    "uncompressed length {declared} is not a length the body can have (at most {} MiB in all)",
                    max_bytes >> 20
                )));
            }
            declared => {
                let declared = declared as u64;
                // Read one byte more than declared, so a frame that holds more is found out
                // without ever growing past the bound.
                let read = match codec {
                    Codec::Lz4Frame => lz4_flex::frame::FrameDecoder::new(data).take(declared + 1).read_to_end(&mut out),
                    Codec::Zstd => zstd::stream::read::Decoder::with_buffer(data)
                        .and_then(|decoder| decoder.take(declared + 1).read_to_end(&mut out)),
                }
                .map_err(|err| damaged(err.to_string()))?;
                if read as u64 != declared {
                    return Err(damaged(format!(
                        "decompresses to {}{read} bytes, not the {declared} its prefix says",
                        if read as u64 > declared { "more than " } else { "" }
                    )));
                }
            }
        }
        buffers.push((start as i64, out.len() as i64 - start as i64));
    }
    Ok(Decompressed { body: out, header: RecordBatchHeader { buffers, compression: None, ..header.clone() } })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn lz4(data: &[u8]) -> Vec<u8> {
        let mut encoder = lz4_flex::frame::FrameEncoder::new(Vec::new());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    /// A body of buffers each stored as `prefix ++ bytes`, 8-byte aligned as the IPC format lays them out.
    fn body_of(buffers: &[(i64, Vec<u8>)]) -> (Vec<u8>, RecordBatchHeader) {
        let mut body = Vec::new();
        let mut spans = Vec::new();
        for (prefix, bytes) in buffers {
            let start = body.len();
            if !bytes.is_empty() || *prefix != 0 {
                body.extend_from_slice(&prefix.to_le_bytes());
                body.extend_from_slice(bytes);
            }
            spans.push((start as i64, (body.len() - start) as i64));
            body.resize(body.len().next_multiple_of(8), 0);
        }
        (body, RecordBatchHeader { length: 1, buffers: spans, compression: Some(Codec::Lz4Frame), ..Default::default() })
    }

    #[test]
    fn buffers_compressed_stored_and_empty() {
        let text = b"tcp udp tcp tcp udp icmp tcp tcp tcp tcp".repeat(10);
        let (body, header) = body_of(&[(0, Vec::new()), (text.len() as i64, lz4(&text)), (-1, vec![1, 2, 3])]);
        let out = decompress_body(&body, &header, Codec::Lz4Frame, MAX_DECOMPRESSED_BODY_BYTES).unwrap();
        assert_eq!(out.header.buffers, vec![(0, 0), (0, text.len() as i64), (text.len() as i64, 3)]);
        assert_eq!(&out.body[..text.len()], &text[..]);
        assert_eq!(&out.body[text.len()..], &[1, 2, 3]);
        assert_eq!(out.header.compression, None);

        let zstd_text = zstd::encode_all(&text[..], 3).unwrap();
        let (body, header) = body_of(&[(text.len() as i64, zstd_text)]);
        let out = decompress_body(&body, &header, Codec::Zstd, MAX_DECOMPRESSED_BODY_BYTES).unwrap();
        assert_eq!(out.body, text);
    }

    #[test]
    fn damaged_buffers_are_errors_that_name_them() {
        let text = b"0123456789".repeat(100);
        let frame = lz4(&text);
        let cases: Vec<(&str, i64, Vec<u8>, &str)> = vec![
            ("length that lies (short)", 10, frame.clone(), "decompresses to more than 11 bytes, not the 10"),
            ("length that lies (long)", 2000, frame.clone(), "decompresses to 1000 bytes, not the 2000"),
            ("negative length", -7, frame.clone(), "uncompressed length -7"),
            ("frame cut short", 1000, frame[..frame.len() / 2].to_vec(), "damaged LZ4 body: buffer 0"),
            ("not a frame", 1000, vec![0x55; 40], "damaged LZ4 body: buffer 0"),
            ("past the bound", 1 << 40, frame.clone(), "at most 1024 MiB"),
        ];
        for (what, prefix, bytes, expected) in cases {
            let (body, header) = body_of(&[(prefix, bytes)]);
            let err = decompress_body(&body, &header, Codec::Lz4Frame, MAX_DECOMPRESSED_BODY_BYTES).err().expect(what);
            assert!(err.contains(expected), "{what}: {err}");
        }
        // A zip bomb: a small frame that grows past the bound stops at it.
        let zeros = lz4(&vec![0u8; 1 << 20]);
        let (body, header) = body_of(&[(1 << 20, zeros)]);
        let err = decompress_body(&body, &header, Codec::Lz4Frame, 1 << 19).err().unwrap();
        assert!(err.contains("uncompressed length 1048576"), "{err}");
        // A buffer outside the body, and one shorter than its prefix.
        let (body, mut header) = body_of(&[(3, vec![1, 2, 3])]);
        header.buffers[0].1 = 4;
        assert!(decompress_body(&body, &header, Codec::Zstd, 1 << 20).err().unwrap().contains("shorter than its length prefix"));
        header.buffers[0] = (8, 4096);
        assert!(decompress_body(&body, &header, Codec::Zstd, 1 << 20).err().unwrap().contains("lies outside the body"));
    }
}
