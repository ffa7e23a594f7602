//! Where an Arrow table's bytes come from: a regular file (read where a message is, by
//! offset), an Arrow file read from a pipe into memory (its footer, at the end, says where
//! the batches are, so it needs all of its bytes), or an Arrow stream from a pipe, read front
//! to back as it comes: the stream format needs no seek.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// An Arrow file (not a stream) read from a pipe is held in memory, up to this size: a flow
/// table of some 5 M records. Larger ones are refused with the two ways round it.
pub const MAX_PIPED_ARROW_FILE_BYTES: u64 = 512 << 20;

/// One message of a stream larger than this is taken for damage, not read: flowhound's own
/// writer puts 65,536 records (about 8 MB) in a record batch.
const MAX_STREAM_MESSAGE_BYTES: u64 = 1 << 30;

pub enum ArrowBytes {
    File { file: File, len: u64 },
    Memory(Vec<u8>),
    /// Read sequentially; `position` is the offset of the next byte.
    Stream { reader: Box<dyn Read + Send>, position: u64 },
}

/// A read that found fewer bytes than asked for at the end of the input.
pub struct ShortRead {
    pub got: usize,
}

impl ArrowBytes {
    /// Bytes from `offset` to the end, when known (not for a stream).
    pub fn remaining_from(&self, offset: u64) -> Option<u64> {
        match self {
            ArrowBytes::File { len, .. } => Some(len.saturating_sub(offset)),
            ArrowBytes::Memory(bytes) => Some((bytes.len() as u64).saturating_sub(offset)),
            ArrowBytes::Stream { .. } => None,
        }
    }

    /// The total size, when known.
    pub fn len(&self) -> Option<u64> {
        self.remaining_from(0)
    }

    /// Offset just past the last byte read (a stream), or the size (a file).
    pub fn end_offset(&self) -> u64 {
        match self {
            ArrowBytes::Stream { position, .. } => *position,
            other => other.len().unwrap_or(0),
        }
    }

    /// Fills `buf` from `offset`: `Ok(Err(ShortRead))` when the input ends first. A stream
    /// is only read forward: `offset` must be where it stands.
    pub fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<Result<(), ShortRead>> {
        match self {
            ArrowBytes::File { file, len } => {
                let available = len.saturating_sub(offset).min(buf.len() as u64) as usize;
                file.seek(SeekFrom::Start(offset))?;
                file.read_exact(&mut buf[..available])?;
                Ok(if available == buf.len() { Ok(()) } else { Err(ShortRead { got: available }) })
            }
            ArrowBytes::Memory(bytes) => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX).min(bytes.len());
                let available = (bytes.len() - start).min(buf.len());
                buf[..available].copy_from_slice(&bytes[start..start + available]);
                Ok(if available == buf.len() { Ok(()) } else { Err(ShortRead { got: available }) })
            }
            ArrowBytes::Stream { reader, position } => {
                if offset != *position {
                    return Err(io::Error::other(format!("an Arrow stream read at byte {offset}, behind or past where it stands ({position})")));
                }
                let mut filled = 0;
                while filled < buf.len() {
                    match reader.read(&mut buf[filled..]) {
                        Ok(0) => break,
                        Ok(read) => filled += read,
                        Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                        Err(err) => return Err(err),
                    }
                }
                *position += filled as u64;
                Ok(if filled == buf.len() { Ok(()) } else { Err(ShortRead { got: filled }) })
            }
        }
    }

    /// `len` bytes from `offset`, allocated as they arrive for a stream (a damaged length
    /// allocates no more than the input holds); `Ok(None)` when the input ends first.
    pub fn read_vec_at(&mut self, offset: u64, len: u64) -> io::Result<Option<Vec<u8>>> {
        match self {
            ArrowBytes::Stream { reader, position } => {
                if offset != *position {
                    return Err(io::Error::other(format!("an Arrow stream read at byte {offset}, behind or past where it stands ({position})")));
                }
                if len > MAX_STREAM_MESSAGE_BYTES {
                    return Ok(None);
                }
                let mut bytes = Vec::new();
                let read = reader.by_ref().take(len).read_to_end(&mut bytes)?;
                *position += read as u64;
                Ok((read as u64 == len).then_some(bytes))
            }
            other => {
                if other.remaining_from(offset).is_some_and(|remaining| remaining < len) {
                    return Ok(None);
                }
                let mut bytes = vec![0u8; usize::try_from(len).map_err(io::Error::other)?];
                Ok(other.read_at(offset, &mut bytes)?.ok().map(|()| bytes))
            }
        }
    }
}

/// Reads a whole piped Arrow file into memory, refusing one larger than
/// [`MAX_PIPED_ARROW_FILE_BYTES`] (`Ok(Err(bytes read))`).
pub fn read_piped_file(reader: &mut dyn Read) -> io::Result<Result<Vec<u8>, u64>> {
    let mut bytes = Vec::new();
    let read = reader.take(MAX_PIPED_ARROW_FILE_BYTES + 1).read_to_end(&mut bytes)? as u64;
    Ok(if read > MAX_PIPED_ARROW_FILE_BYTES { Err(read) } else { Ok(bytes) })
}
