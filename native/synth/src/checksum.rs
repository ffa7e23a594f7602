//! The Internet checksum (RFC 1071) in two parts: an unfolded sum that can be added and
//! subtracted in plain integer arithmetic, and the final fold. Keeping sums unfolded lets the
//! packet builder add the sum of a payload it never materialises (see `payload_filler`).

/// Sum of the big-endian 16-bit words of `bytes`; an odd last byte counts as a high byte.
/// Not folded: a `u64` holds the sum of any packet without overflow.
pub fn sum_words(bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(2);
    let mut sum: u64 = 0;
    for pair in &mut chunks {
        sum += u16::from_be_bytes([pair[0], pair[1]]) as u64;
    }
    if let [last] = chunks.remainder() {
        sum += (*last as u64) << 8;
    }
    sum
}

/// Folds an unfolded sum to 16 bits with end-around carry and complements it: the value to
/// store in a checksum field.
pub fn finish(mut sum: u64) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 section 3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum (folded) to 0xddf2.
        let bytes = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(finish(sum_words(&bytes)), !0xddf2);
    }

    #[test]
    fn odd_length_pads_with_a_zero_low_byte() {
        assert_eq!(sum_words(&[0x12, 0x34, 0x56]), 0x1234 + 0x5600);
    }

    #[test]
    fn ipv4_header_from_a_real_capture_checks_out() {
        // IPv4 header of frame 23 of shared/data/pcaps/stratosphere/test-cc__test-cc-capture-2.pcap
        // (147.32.80.37 -> 141.193.213.20, TCP SYN); tshark -o ip.check_checksum:TRUE shows
        // "Header Checksum: 0xd94f [correct]".
        let header = [
            0x45, 0x00, 0x00, 0x3c, 0x1b, 0x51, 0x40, 0x00, 0x40, 0x06, 0xd9, 0x4f, 0x93, 0x20, 0x50, 0x25,
            0x8d, 0xc1, 0xd5, 0x14,
        ];
        assert_eq!(finish(sum_words(&header)), 0);
        let mut zeroed = header;
        zeroed[10] = 0;
        zeroed[11] = 0;
        assert_eq!(finish(sum_words(&zeroed)), 0xd94f);
    }
}
