//! A reader that counts the bytes taken from the one under it, into a counter shared with
//! whoever reports progress or an error's place: under a gzip decoder, its position in the
//! compressed stream (to within what zlib holds back), where a corruption is reported.

use std::io::{self, BufRead, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Bytes taken so far; every clone reads the same count.
#[derive(Clone, Debug, Default)]
pub struct ConsumedBytes(Arc<AtomicU64>);

impl ConsumedBytes {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn add(&self, bytes: usize) {
        self.0.fetch_add(bytes as u64, Ordering::Relaxed);
    }
}

/// Counts into `consumed` what is read or consumed from `inner`.
pub struct Counting<R> {
    inner: R,
    consumed: ConsumedBytes,
}

impl<R> Counting<R> {
    pub fn new(inner: R, consumed: ConsumedBytes) -> Counting<R> {
        Counting { inner, consumed }
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.consumed.add(read);
        Ok(read)
    }
}

impl<R: BufRead> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.inner.consume(amount);
        self.consumed.add(amount);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_consumes_are_counted_in_every_clone() {
        let consumed = ConsumedBytes::default();
        let mut counting = Counting::new(io::BufReader::new(&b"abcdefgh"[..]), consumed.clone());
        let mut two = [0u8; 2];
        counting.read_exact(&mut two).unwrap();
        assert_eq!(consumed.get(), 2);
        assert_eq!(counting.fill_buf().unwrap(), b"cdefgh");
        counting.consume(3);
        assert_eq!(consumed.get(), 5);
    }
}
