//! Tests' gzip: bytes compressed as `gzip` writes them, for the readers of compressed flow
//! files and captures.

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}
