//! A reader for the tests of the readers: it hands out at most `chunk` bytes per read and
//! cannot seek, as a pipe or a FIFO does.

use std::io::{self, Read};

pub struct Trickle {
    pub data: Vec<u8>,
    pub position: usize,
    pub chunk: usize,
}

impl Read for Trickle {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let count = out.len().min(self.chunk).min(self.data.len() - self.position);
        out[..count].copy_from_slice(&self.data[self.position..self.position + count]);
        self.position += count;
        Ok(count)
    }
}
