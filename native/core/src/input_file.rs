//! An input named by a path, opened once: a regular file, anything else the system can open
//! for reading (a FIFO, `/dev/stdin`, a process substitution's `/dev/fd/N`, a device), or `-`
//! for standard input.
//!
//! A reader must never open its input a second time: a pipe's bytes, once read, are gone,
//! and a FIFO opened again waits for a writer that is not coming. So the format is told from
//! the first bytes of the one handle ([`read_prefix`]) and the same handle is read on: a
//! regular file is sought back to where it started; a stream is read through a reader that
//! hands out the bytes already read first. Only regular files count as seekable and are
//! memory-mapped (`capture`); a stream's end is where its writer closes it.

use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use crate::error::{FlowhoundError, Result};

/// The path that stands for standard input.
pub const STDIN_PATH: &str = "-";

/// An opened input.
pub enum InputBytes {
    /// A regular file, positioned at its start: seekable, mappable, of a known size.
    File(File),
    /// Anything else: read front to back, once.
    Stream(Box<dyn Read + Send>),
}

impl InputBytes {
    /// The size of a regular file; `None` for a stream.
    pub fn total_bytes(&self) -> Option<u64> {
        match self {
            InputBytes::File(file) => file.metadata().ok().map(|meta| meta.len()),
            InputBytes::Stream(_) => None,
        }
    }

    pub fn is_stream(&self) -> bool {
        matches!(self, InputBytes::Stream(_))
    }

    /// The bytes as one reader, from the start.
    pub fn into_read(self) -> Box<dyn Read + Send> {
        match self {
            InputBytes::File(file) => Box::new(file),
            InputBytes::Stream(stream) => stream,
        }
    }
}

/// Whether `path` names standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN_PATH
}

/// Opens `path` (`-`: standard input) for reading, once.
pub fn open_input(path: &Path) -> Result<InputBytes> {
    if is_stdin(path) {
        return open_stdin().map_err(|err| FlowhoundError::io(&err, path));
    }
    let file = File::open(path).map_err(|err| FlowhoundError::io(&err, path))?;
    let regular = file.metadata().map_err(|err| FlowhoundError::io(&err, path))?.is_file();
    Ok(if regular { InputBytes::File(file) } else { InputBytes::Stream(Box::new(file)) })
}

/// Standard input: a regular file when the shell redirected one (`< x.pcap`) and nothing has
/// read from it yet, so that it is mapped like a named file; a stream otherwise.
///
/// Another user of descriptor 0 may have made it non-blocking (Node.js does, for a pipe, as
/// soon as `process.stdin` is looked at), and the flag belongs to the open file, which a
/// duplicate shares: reads would then fail with `EAGAIN` whenever the writer is slower than
/// the reader. A pipe is therefore opened anew through `/proc/self/fd/0` (Linux), which gives
/// this reader its own, blocking, open file on the same pipe (nothing has been read from it);
/// failing that, reads that would block are retried after a short sleep.
#[cfg(unix)]
fn open_stdin() -> io::Result<InputBytes> {
    use std::os::fd::AsFd;
    let mut file = File::from(io::stdin().as_fd().try_clone_to_owned()?);
    let meta = file.metadata()?;
    if meta.is_file() && file.stream_position()? == 0 {
        return Ok(InputBytes::File(file));
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::FileTypeExt;
        if meta.file_type().is_fifo() {
            if let Ok(own) = File::open("/proc/self/fd/0") {
                return Ok(InputBytes::Stream(Box::new(own)));
            }
        }
    }
    Ok(InputBytes::Stream(Box::new(RetryWouldBlock(file))))
}

/// Reads on through `WouldBlock`: sleeps a little (1 ms, doubling up to 16 ms) and tries again.
struct RetryWouldBlock<R>(R);

impl<R: Read> Read for RetryWouldBlock<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut pause_ms = 1;
        loop {
            match self.0.read(buf) {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    std::thread::sleep(std::time::Duration::from_millis(pause_ms));
                    pause_ms = (pause_ms * 2).min(16);
                }
                other => return other,
            }
        }
    }
}

#[cfg(not(unix))]
fn open_stdin() -> io::Result<InputBytes> {
    Ok(InputBytes::Stream(Box::new(io::stdin())))
}

/// Reads up to `max_bytes` from the start of `input` (fewer only at its end) and gives them
/// back with the input, which still yields every byte from its start: a file is sought back,
/// a stream replays what was read before reading on.
pub fn read_prefix(input: InputBytes, max_bytes: usize, path: &Path) -> Result<(Vec<u8>, InputBytes)> {
    let io_error = |err: io::Error| FlowhoundError::io(&err, path).at_offset(0);
    match input {
        InputBytes::File(mut file) => {
            let prefix = read_up_to(&mut file, max_bytes).map_err(io_error)?;
            file.seek(SeekFrom::Start(0)).map_err(io_error)?;
            Ok((prefix, InputBytes::File(file)))
        }
        InputBytes::Stream(mut stream) => {
            let prefix = read_up_to(&mut stream, max_bytes).map_err(io_error)?;
            let replay: Box<dyn Read + Send> = Box::new(Cursor::new(prefix.clone()).chain(stream));
            Ok((prefix, InputBytes::Stream(replay)))
        }
    }
}

/// Reads until `max_bytes` are read or the input ends; a pipe may hand out fewer per read.
fn read_up_to(reader: &mut dyn Read, max_bytes: usize) -> io::Result<Vec<u8>> {
    let mut bytes = vec![0u8; max_bytes];
    let mut filled = 0;
    while filled < max_bytes {
        match reader.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    bytes.truncate(filled);
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_pipe::Trickle;

    #[test]
    fn a_stream_replays_its_prefix_then_reads_on() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let stream = InputBytes::Stream(Box::new(Trickle { data: data.clone(), position: 0, chunk: 7 }));
        let (prefix, input) = read_prefix(stream, 512, Path::new("-")).unwrap();
        assert_eq!(prefix, data[..512]);
        assert!(input.is_stream() && input.total_bytes().is_none());
        let mut all = Vec::new();
        input.into_read().read_to_end(&mut all).unwrap();
        assert_eq!(all, data);

        let short = InputBytes::Stream(Box::new(Trickle { data: vec![1, 2, 3], position: 0, chunk: 1 }));
        let (prefix, input) = read_prefix(short, 512, Path::new("-")).unwrap();
        assert_eq!(prefix, [1, 2, 3]);
        let mut all = Vec::new();
        input.into_read().read_to_end(&mut all).unwrap();
        assert_eq!(all, [1, 2, 3]);
    }

    /// Says "would block" every other call, as a non-blocking pipe does while its writer is slow.
    struct Hesitant {
        inner: Trickle,
        refuse: bool,
    }

    impl Read for Hesitant {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            self.refuse = !self.refuse;
            if self.refuse {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            self.inner.read(out)
        }
    }

    #[test]
    fn reads_that_would_block_are_retried() {
        let data: Vec<u8> = (0..300u32).map(|i| i as u8).collect();
        let mut reader = RetryWouldBlock(Hesitant { inner: Trickle { data: data.clone(), position: 0, chunk: 64 }, refuse: false });
        let mut all = Vec::new();
        reader.read_to_end(&mut all).unwrap();
        assert_eq!(all, data);
    }

    #[test]
    fn a_regular_file_is_sought_back_and_keeps_its_size() {
        let dir = std::env::temp_dir().join(format!("flowhound-input-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("data.bin");
        std::fs::write(&path, b"0123456789").unwrap();
        let input = open_input(&path).unwrap();
        assert!(!input.is_stream());
        let (prefix, input) = read_prefix(input, 4, &path).unwrap();
        assert_eq!(prefix, b"0123");
        assert_eq!(input.total_bytes(), Some(10));
        let mut all = Vec::new();
        input.into_read().read_to_end(&mut all).unwrap();
        assert_eq!(all, b"0123456789");
        let missing = open_input(&dir.join("missing")).err().unwrap();
        assert_eq!(missing.location.path, Some(dir.join("missing")));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_a_stream() {
        let input = open_input(Path::new("/dev/null")).unwrap();
        assert!(input.is_stream());
        let (prefix, _) = read_prefix(input, 16, Path::new("/dev/null")).unwrap();
        assert!(prefix.is_empty());
    }
}
