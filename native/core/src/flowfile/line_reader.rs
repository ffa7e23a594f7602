//! Lines of a text stream into one reused buffer, with a bound on their length so that a
//! file without newlines cannot make us hold it all.

use std::io::{self, BufRead};

/// What [`LineReader::next_line`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    /// A line is in [`LineReader::line`] (without `\n` or `\r\n`).
    Text,
    /// A line longer than the bound: its bytes were dropped, and it was skipped to its end
    /// only if the reader was told to skip such lines (else reading should stop here).
    TooLong,
    End,
}

pub struct LineReader {
    source: Box<dyn BufRead + Send>,
    line: Vec<u8>,
    line_number: u64,
    max_line_bytes: usize,
    /// Whether an overlong line is read through to its newline, so that the next line can be
    /// read. When not, a file without newlines is not scanned to its end just to fail.
    skip_overlong_lines: bool,
}

impl LineReader {
    pub fn new(source: Box<dyn BufRead + Send>, max_line_bytes: usize) -> LineReader {
        LineReader {
            source,
            line: Vec::with_capacity(1024),
            line_number: 0,
            max_line_bytes,
            skip_overlong_lines: false,
        }
    }

    pub fn set_skip_overlong_lines(&mut self, skip: bool) {
        self.skip_overlong_lines = skip;
    }

    /// One-based number of the line last returned.
    pub fn line_number(&self) -> u64 {
        self.line_number
    }

    pub fn line(&self) -> &[u8] {
        &self.line
    }

    pub fn next_line(&mut self) -> io::Result<Line> {
        self.line.clear();
        let mut too_long = false;
        let mut any_byte = false;
        loop {
            let available = match self.source.fill_buf() {
                Ok(available) => available,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            };
            if available.is_empty() {
                if !any_byte {
                    return Ok(Line::End);
                }
                break; // the last line has no newline
            }
            any_byte = true;
            let newline = memchr::memchr(b'\n', available);
            let piece = &available[..newline.unwrap_or(available.len())];
            if !too_long {
                if self.line.len() + piece.len() > self.max_line_bytes {
                    too_long = true;
                    self.line.clear();
                } else {
                    self.line.extend_from_slice(piece);
                }
            }
            let taken = piece.len() + usize::from(newline.is_some());
            self.source.consume(taken);
            if newline.is_some() || (too_long && !self.skip_overlong_lines) {
                break;
            }
        }
        self.line_number += 1;
        if too_long {
            return Ok(Line::TooLong);
        }
        if self.line.last() == Some(&b'\r') {
            self.line.pop();
        }
        Ok(Line::Text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufReader, Cursor, Read};

    fn reader(text: &[u8], buffer_bytes: usize, max_line_bytes: usize) -> LineReader {
        let mut reader = LineReader::new(
            Box::new(BufReader::with_capacity(buffer_bytes, Cursor::new(text.to_vec()))),
            max_line_bytes,
        );
        reader.set_skip_overlong_lines(true);
        reader
    }

    fn all_lines(reader: &mut LineReader) -> Vec<Result<String, Line>> {
        let mut lines = Vec::new();
        loop {
            match reader.next_line().unwrap() {
                Line::End => return lines,
                Line::Text => lines.push(Ok(String::from_utf8(reader.line().to_vec()).unwrap())),
                Line::TooLong => lines.push(Err(Line::TooLong)),
            }
        }
    }

    #[test]
    fn splits_lines_across_small_buffers() {
        // capture20110818-2.botnet.binetflow ends its data lines with \r\n, its header with \n.
        let mut lines = reader(b"h1,h2\nabc,def\r\n\nlast", 3, 100);
        assert_eq!(
            all_lines(&mut lines),
            vec![Ok("h1,h2".into()), Ok("abc,def".into()), Ok("".into()), Ok("last".into())]
        );
        assert_eq!(lines.line_number(), 4);
    }

    #[test]
    fn long_lines_are_skipped_without_being_kept() {
        let mut text = b"short\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', 1000));
        text.extend(b"\nafter\n");
        let mut lines = reader(&text, 16, 100);
        assert_eq!(all_lines(&mut lines), vec![Ok("short".into()), Err(Line::TooLong), Ok("after".into())]);
        assert!(lines.line.capacity() <= 1024, "the long line was not buffered");
        // Exactly at the bound is fine.
        let mut lines = reader(b"12345\n123456\n", 4, 5);
        assert_eq!(all_lines(&mut lines), vec![Ok("12345".into()), Err(Line::TooLong)]);
    }

    #[test]
    fn without_skipping_an_overlong_line_stops_near_the_bound() {
        let mut text = vec![b'x'; 10_000];
        text.extend(b"\nafter\n");
        let mut lines = reader(&text, 16, 100);
        lines.set_skip_overlong_lines(false);
        assert_eq!(lines.next_line().unwrap(), Line::TooLong);
        // It read one buffer past the bound, not to the newline 10,000 bytes on.
        let mut rest = Vec::new();
        lines.source.read_to_end(&mut rest).unwrap();
        assert!(rest.len() > 9_800, "{} bytes left", rest.len());
    }

    #[test]
    fn empty_input_has_no_lines() {
        assert!(all_lines(&mut reader(b"", 8, 8)).is_empty());
        assert_eq!(all_lines(&mut reader(b"\n", 8, 8)), vec![Ok("".into())]);
    }
}
