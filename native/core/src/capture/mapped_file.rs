//! A read-only memory map that slides along a capture file, so that packets are read where
//! the page cache holds them instead of being copied by `read(2)` into a buffer first.
//!
//! Only one window of [`WINDOW_BYTES`] is mapped at a time and it is unmapped when the reader
//! moves past it: mapped pages count in the resident set, and the reader must use the same
//! memory for a 40 GB capture as for a 1 GB one. Each window is mapped with `MAP_POPULATE`,
//! so its pages are entered in one system call instead of one page fault per 64 KiB, and
//! with `MADV_SEQUENTIAL`, so the kernel reads ahead. Windows start wherever the reader
//! stands (memmap2 rounds the offset down to a page), so a record never straddles two.
//!
//! The file's length is read again (fstat) whenever the reader reaches the end it knew, so a
//! capture still being written reads as far as `read(2)` would have read it.

use std::fs::File;
use std::io;

use memmap2::{Advice, Mmap, MmapOptions};

/// Bytes mapped at once: large enough that mapping costs little per byte (one `mmap` and
/// `munmap` per window), small enough to keep the resident set flat. Walking the 1 GB
/// benchmark capture took the same time (0.20 s) with windows of 2, 4, 8, 16 and 64 MiB;
/// without `MAP_POPULATE` it took 0.21–0.22 s.
pub const WINDOW_BYTES: usize = 4 * 1024 * 1024;

pub struct MappedFile {
    file: File,
    /// The current window; `None` before the first and when the file holds nothing more.
    map: Option<Mmap>,
    /// The file's length when last looked at.
    file_len: u64,
    window_bytes: usize,
}

impl MappedFile {
    /// Maps regular files only: pipes, devices and the like are read with `read(2)`, and a
    /// file that cannot be looked at gives `None` (the caller falls back to reading it).
    pub fn new(file: File) -> Result<MappedFile, File> {
        MappedFile::with_window(file, WINDOW_BYTES)
    }

    pub fn with_window(file: File, window_bytes: usize) -> Result<MappedFile, File> {
        match file.metadata() {
            Ok(meta) if meta.is_file() => Ok(MappedFile { file, map: None, file_len: meta.len(), window_bytes }),
            _ => Err(file),
        }
    }

    /// The mapped bytes (empty when nothing is mapped).
    #[inline]
    pub fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }

    /// Maps a new window starting at file offset `from`, holding at least `wanted` bytes when
    /// the file does. Returns how many bytes from `from` on are mapped: fewer than `wanted`
    /// only at the end of the file. The previous window is unmapped first, so that at most
    /// one window is resident.
    pub fn map_from(&mut self, from: u64, wanted: usize) -> io::Result<usize> {
        let wanted_end = from.saturating_add(wanted as u64);
        if wanted_end > self.file_len {
            // Perhaps the file grew since: look again, as read(2) would see it.
            self.file_len = self.file.metadata()?.len();
        }
        self.map = None;
        let len = self.file_len.saturating_sub(from).min(self.window_bytes.max(wanted) as u64) as usize;
        if len == 0 {
            return Ok(0);
        }
        // SAFETY: `Mmap` hands out `&[u8]` over the file's pages, which is sound only if
        // nothing changes them while the map lives. The map is read-only and private to this
        // reader; another process could still write to or truncate the capture while it is
        // read. Writes to a capture in use (appending, as tcpdump -w does) do not touch bytes
        // already written, and those are the only bytes mapped (the length was just looked
        // up). Truncating a capture while it is read is the one case not guarded: reading a
        // page past the new end raises SIGBUS. That is documented in `CaptureReader::open`,
        // and callers that must survive it read through `CaptureReader::from_read`.
        // One of the crate's two unsafe blocks (the lint denies the rest): memmap2 has no safe
        // way to map a file.
        #[allow(unsafe_code)]
        let map = unsafe { MmapOptions::new().offset(from).len(len).populate().map(&self.file)? };
        // Only a hint: without it the kernel reads ahead less, nothing else changes.
        let _ = map.advise(Advice::Sequential);
        self.map = Some(map);
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn temp_file(name: &str, bytes: &[u8]) -> (std::path::PathBuf, File) {
        let dir = std::env::temp_dir().join(format!("flowhound-mapped-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("data.bin");
        std::fs::write(&path, bytes).unwrap();
        let file = File::open(&path).unwrap();
        (dir, file)
    }

    #[test]
    fn windows_slide_and_stop_at_the_end() {
        let data: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        let (dir, file) = temp_file("slide", &data);
        let mut mapped = MappedFile::with_window(file, 8192).ok().unwrap();
        assert_eq!(mapped.map_from(0, 100).unwrap(), 8192);
        assert_eq!(mapped.bytes(), &data[..8192]);
        // Unaligned offsets are fine; a wish beyond the window widens it.
        assert_eq!(mapped.map_from(5_000, 10_000).unwrap(), 10_000);
        assert_eq!(mapped.bytes(), &data[5_000..15_000]);
        assert_eq!(mapped.map_from(15_000, 8000).unwrap(), 5_000);
        assert_eq!(mapped.map_from(20_000, 1).unwrap(), 0);
        assert!(mapped.bytes().is_empty());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_growing_file_is_followed() {
        let (dir, file) = temp_file("grow", &[1u8; 100]);
        let mut mapped = MappedFile::with_window(file, 8192).ok().unwrap();
        assert_eq!(mapped.map_from(0, 200).unwrap(), 100);
        let mut writer = std::fs::OpenOptions::new().append(true).open(dir.join("data.bin")).unwrap();
        writer.write_all(&[2u8; 100]).unwrap();
        assert_eq!(mapped.map_from(100, 100).unwrap(), 100);
        assert_eq!(mapped.bytes(), &[2u8; 100][..]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn only_regular_files_are_mapped() {
        if let Ok(null) = File::open("/dev/null") {
            assert!(MappedFile::new(null).is_err());
        }
    }
}
