//! The bytes of a capture, with 64-bit offsets: either a fixed-size buffer refilled by large
//! `read` calls (any `Read`: stdin, a pipe, a decompressor), or a memory map sliding along a
//! regular file (`MappedFile`), which spares the kernel's copy into the buffer.
//!
//! Both behave the same to the parsers: `fill` never makes more than `capacity` bytes
//! available, so a record that does not fit is handed out cut to the capacity and the rest
//! is skipped (see `skip`), whichever way the file is read. Memory is the same for a 4 GB
//! file as for a 1 GB one: one buffer, or one mapped window.

use std::io::{self, Read};

use crate::prefetch::prefetch_read;

#[cfg(unix)]
use super::mapped_file::MappedFile;

/// Default buffer size: 1 MiB holds the largest sane record (256 KiB) several times over and
/// makes a read call cost nothing per packet, while staying in the CPU's L2/L3 cache: on a
/// 2M-packet capture in the page cache, walking records took 46 ms with 1 MiB against 57 ms
/// with 8 MiB (the kernel's copy into a cache-resident buffer is cheaper).
pub const DEFAULT_BUFFER_BYTES: usize = 1024 * 1024;

/// The smallest buffer accepted: every fixed-size header of both formats fits many times.
pub const MIN_BUFFER_BYTES: usize = 4096;

/// How far ahead of the reader to prefetch: walking the 1 GB benchmark capture (records of
/// about 110 bytes) through a memory map took 0.28 s without, 0.22 s at 1 KiB, 0.20 s at
/// 2 and 4 KiB ahead.
const PREFETCH_AHEAD_BYTES: usize = 2048;

enum Backing {
    Buffer { reader: Box<dyn Read + Send>, buffer: Box<[u8]> },
    #[cfg(unix)]
    Mapped(MappedFile),
}

pub struct ByteSource {
    backing: Backing,
    /// The most bytes made available at once: the buffer's size, or as much of a mapped
    /// window (so that records larger than it are cut the same way).
    capacity: usize,
    /// Unconsumed bytes are `bytes()[start..end]`.
    start: usize,
    end: usize,
    /// File offset of `bytes()[0]`.
    buffer_offset: u64,
    reached_eof: bool,
}

impl ByteSource {
    pub fn new(reader: Box<dyn Read + Send>, buffer_bytes: usize) -> ByteSource {
        let capacity = buffer_bytes.max(MIN_BUFFER_BYTES);
        let buffer = vec![0u8; capacity].into_boxed_slice();
        ByteSource::with_backing(Backing::Buffer { reader, buffer }, capacity)
    }

    /// Reads a regular file through a sliding memory map; `capacity` is as for `new`.
    #[cfg(unix)]
    pub fn mapped(file: MappedFile, capacity: usize) -> ByteSource {
        ByteSource::with_backing(Backing::Mapped(file), capacity.max(MIN_BUFFER_BYTES))
    }

    fn with_backing(backing: Backing, capacity: usize) -> ByteSource {
        ByteSource { backing, capacity, start: 0, end: 0, buffer_offset: 0, reached_eof: false }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Whether the bytes come from a memory map rather than read calls.
    pub fn is_mapped(&self) -> bool {
        match self.backing {
            Backing::Buffer { .. } => false,
            #[cfg(unix)]
            Backing::Mapped(_) => true,
        }
    }

    #[inline]
    fn bytes(&self) -> &[u8] {
        match &self.backing {
            Backing::Buffer { buffer, .. } => buffer,
            #[cfg(unix)]
            Backing::Mapped(file) => file.bytes(),
        }
    }

    /// File offset of the first unconsumed byte.
    #[inline]
    pub fn offset(&self) -> u64 {
        self.buffer_offset + self.start as u64
    }

    /// Index in the buffer of the first unconsumed byte (for `buffered`).
    #[inline]
    pub fn position_index(&self) -> usize {
        self.start
    }

    /// Bytes of the buffer by index: valid until the next `fill` or `skip`, including bytes
    /// just consumed.
    #[inline]
    pub fn buffered(&self, index: usize, len: usize) -> &[u8] {
        let bytes = self.bytes();
        let end = index.saturating_add(len).min(bytes.len());
        &bytes[index.min(end)..end]
    }

    /// The unconsumed bytes already in the buffer.
    #[inline]
    pub fn available(&self) -> &[u8] {
        &self.bytes()[self.start..self.end]
    }

    /// Makes at least `wanted` bytes available if the input holds them (`wanted` is capped at
    /// the capacity). Returns whether they are. Short only at end of input.
    #[inline]
    pub fn fill(&mut self, wanted: usize) -> io::Result<bool> {
        if self.end - self.start >= wanted {
            return Ok(true);
        }
        self.fill_slow(wanted.min(self.capacity))
    }

    #[cold]
    fn fill_slow(&mut self, wanted: usize) -> io::Result<bool> {
        match &mut self.backing {
            Backing::Buffer { .. } => self.fill_buffer(wanted),
            #[cfg(unix)]
            Backing::Mapped(_) => self.fill_mapped(wanted),
        }
    }

    fn fill_buffer(&mut self, wanted: usize) -> io::Result<bool> {
        if self.start + wanted > self.capacity {
            self.compact();
        }
        let Backing::Buffer { reader, buffer } = &mut self.backing else {
            unreachable!("fill_buffer is called for buffered sources only")
        };
        while self.end - self.start < wanted {
            if self.reached_eof {
                return Ok(false);
            }
            // One large read per refill: the whole free tail, so that a regular file is read
            // in buffer-sized chunks while a pipe still returns as soon as `wanted` is there.
            match reader.read(&mut buffer[self.end..]) {
                Ok(0) => self.reached_eof = true,
                Ok(count) => self.end += count,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
        Ok(true)
    }

    /// Extends `end` within the mapped window, or maps the next window from the first
    /// unconsumed byte on. `end` stays within `capacity` of `start`, as in a buffer.
    #[cfg(unix)]
    fn fill_mapped(&mut self, wanted: usize) -> io::Result<bool> {
        let Backing::Mapped(file) = &mut self.backing else {
            unreachable!("fill_mapped is called for mapped sources only")
        };
        let mut mapped = file.bytes().len();
        if self.start + wanted > mapped && !self.reached_eof {
            let from = self.buffer_offset + self.start as u64;
            mapped = file.map_from(from, self.capacity)?;
            self.buffer_offset = from;
            self.start = 0;
            if mapped < self.capacity {
                // The file ends in this window: like a read returning 0, this is final.
                self.reached_eof = true;
            }
        }
        self.end = mapped.min(self.start + self.capacity);
        Ok(self.end - self.start >= wanted)
    }

    fn compact(&mut self) {
        let unconsumed = self.end - self.start;
        if let Backing::Buffer { buffer, .. } = &mut self.backing {
            buffer.copy_within(self.start..self.end, 0);
        }
        self.buffer_offset += self.start as u64;
        self.start = 0;
        self.end = unconsumed;
    }

    /// Hints that the bytes [`PREFETCH_AHEAD_BYTES`] past the first unconsumed one will be
    /// read soon. A mapped file is read straight from memory, not from a buffer the kernel
    /// has just written (and so left in cache), and the CPU's own prefetcher stops at page
    /// boundaries: the walk waited on memory at every record header without this.
    #[inline]
    pub fn prefetch_ahead(&self) {
        prefetch_read(self.bytes().as_ptr().wrapping_add(self.start + PREFETCH_AHEAD_BYTES));
    }

    /// Marks `count` available bytes as consumed.
    #[inline]
    pub fn consume(&mut self, count: usize) {
        debug_assert!(count <= self.end - self.start);
        self.start += count.min(self.end - self.start);
    }

    /// Discards `count` bytes of input, reading through the buffer. Returns how many were
    /// discarded: fewer only at end of input.
    pub fn skip(&mut self, count: u64) -> io::Result<u64> {
        let mut skipped = 0u64;
        while skipped < count {
            if self.start == self.end && !self.fill(1)? {
                break;
            }
            let step = (self.end - self.start).min(usize::try_from(count - skipped).unwrap_or(usize::MAX));
            self.consume(step);
            skipped += step as u64;
        }
        Ok(skipped)
    }

    /// Whether the input is exhausted and nothing is left in the buffer.
    #[cfg(test)]
    pub fn at_end(&mut self) -> io::Result<bool> {
        Ok(!self.fill(1)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_pipe::Trickle;

    fn source(len: usize, chunk: usize, capacity: usize) -> ByteSource {
        let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        ByteSource::new(Box::new(Trickle { data, position: 0, chunk }), capacity)
    }

    #[test]
    fn fill_compacts_and_keeps_offsets() {
        let mut src = source(20_000, 7, MIN_BUFFER_BYTES);
        let mut offset = 0u64;
        while src.fill(100).unwrap() {
            assert_eq!(src.offset(), offset);
            assert_eq!(src.available()[0], (offset % 251) as u8);
            src.consume(97);
            offset += 97;
        }
        assert!(src.available().len() < 100);
        assert_eq!(src.offset() + src.available().len() as u64, 20_000);
    }

    #[test]
    fn skip_crosses_refills_and_stops_at_end() {
        let mut src = source(20_000, 1000, MIN_BUFFER_BYTES);
        assert_eq!(src.skip(12_345).unwrap(), 12_345);
        assert!(src.fill(1).unwrap());
        assert_eq!(src.available()[0], (12_345 % 251) as u8);
        assert_eq!(src.skip(1_000_000).unwrap(), 20_000 - 12_345);
        assert!(src.at_end().unwrap());
    }

    #[test]
    fn fill_is_capped_at_capacity() {
        let mut src = source(100_000, 100_000, MIN_BUFFER_BYTES);
        assert!(src.fill(1_000_000).unwrap());
        assert_eq!(src.available().len(), MIN_BUFFER_BYTES);
    }
}
